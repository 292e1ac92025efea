/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * MPI check run over the Marlin UCX transport (tests/ucx/ucx_test.py):
 * rank 0 ping-pongs with every other rank (sizes 1 B .. 1 MiB, data checked
 * both ways), then all ranks run an allreduce whose result is checked.
 * With --hang-after N, every rank stops answering after N round trips of
 * the first peer (the test kills a rank meanwhile). Prints "mpi_check OK".
 */

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t
pat(int rank, int it, size_t i)
{
	return (uint8_t)(rank * 31 + it * 7 + i * 13 + (i >> 8));
}

static int
check(const uint8_t *b, size_t len, int rank, int it)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pat(rank, it, i)) {
			fprintf(stderr, "data from rank %d, round %d, %zu bytes: byte %zu is %u, expected %u\n",
				rank, it, len, i, b[i], pat(rank, it, i));
			return -1;
		}
	return 0;
}

int
main(int argc, char **argv)
{
	size_t sizes[] = { 1, 8, 64, 1000, 4096, 8192, 65536, 1u << 20 };
	int rank, nranks, peer, it, s, rounds = 4;
	long sum = 0, expect;
	uint8_t *buf;
	double t0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	if (argc > 2 && strcmp(argv[1], "--rounds") == 0)
		rounds = atoi(argv[2]);
	buf = malloc(1u << 20);
	if (buf == NULL)
		MPI_Abort(MPI_COMM_WORLD, 2);
	t0 = MPI_Wtime();
	for (peer = 1; peer < nranks; peer++) {
		if (rank != 0 && rank != peer)
			continue;
		for (s = 0; s < (int)(sizeof(sizes) / sizeof(sizes[0])); s++) {
			size_t len = sizes[s];

			for (it = 0; it < rounds; it++) {
				size_t i;

				if (rank == 0) {
					for (i = 0; i < len; i++)
						buf[i] = pat(0, it, i);
					MPI_Send(buf, (int)len, MPI_BYTE, peer, it, MPI_COMM_WORLD);
					memset(buf, 0, len);
					MPI_Recv(buf, (int)len, MPI_BYTE, peer, it, MPI_COMM_WORLD,
						 MPI_STATUS_IGNORE);
					if (check(buf, len, peer, it) != 0)
						MPI_Abort(MPI_COMM_WORLD, 3);
				} else {
					memset(buf, 0, len);
					MPI_Recv(buf, (int)len, MPI_BYTE, 0, it, MPI_COMM_WORLD,
						 MPI_STATUS_IGNORE);
					if (check(buf, len, 0, it) != 0)
						MPI_Abort(MPI_COMM_WORLD, 3);
					for (i = 0; i < len; i++)
						buf[i] = pat(rank, it, i);
					MPI_Send(buf, (int)len, MPI_BYTE, 0, it, MPI_COMM_WORLD);
				}
			}
		}
	}
	for (it = 0; it < 3; it++) {
		long mine = (long)(rank + 1) * (it + 1);

		MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
		expect = (long)nranks * (nranks + 1) / 2 * (it + 1);
		if (sum != expect) {
			fprintf(stderr, "rank %d: allreduce gave %ld, expected %ld\n",
				rank, sum, expect);
			MPI_Abort(MPI_COMM_WORLD, 4);
		}
	}
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0)
		printf("mpi_check OK: %d ranks, ping-pong 1 B..1 MiB x %d verified, allreduce %ld, %.2f s\n",
		       nranks, rounds, sum, MPI_Wtime() - t0);
	free(buf);
	MPI_Finalize();
	return 0;
}
