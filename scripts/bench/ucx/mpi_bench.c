/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Small MPI benchmark between ranks 0 and 1 (OSU's micro-benchmarks are not
 * in Debian main): ping-pong latency (half round trip, median of the
 * iterations) and streaming bandwidth (a window of 64 nonblocking sends,
 * then one acknowledgement). Prints one JSON line from rank 0. The median
 * follows rte_marlin_stats.h (header only: built with -I lib/marlin).
 *
 *   mpi_bench lat|bw SIZE ITERS
 */

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rte_marlin_stats.h"

#define WINDOW 64

int
main(int argc, char **argv)
{
	int rank, size, iters, i, w, lat;
	MPI_Request req[WINDOW];
	double *t, t0, res;
	char *buf;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (argc != 4) {
		if (rank == 0)
			fprintf(stderr, "usage: mpi_bench lat|bw SIZE ITERS\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	lat = strcmp(argv[1], "lat") == 0;
	size = atoi(argv[2]);
	iters = atoi(argv[3]);
	buf = calloc(1, (size_t)size * (lat ? 1 : WINDOW) + 1);
	t = calloc((size_t)iters, sizeof(*t));
	if (buf == NULL || t == NULL)
		MPI_Abort(MPI_COMM_WORLD, 2);
	for (i = -iters / 10 - 1; i < iters; i++) {   /* warm-up first */
		t0 = MPI_Wtime();
		if (lat) {
			if (rank == 0) {
				MPI_Send(buf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
				MPI_Recv(buf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			} else {
				MPI_Recv(buf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Send(buf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
			}
		} else {
			for (w = 0; w < WINDOW; w++) {
				if (rank == 0)
					MPI_Isend(buf + (size_t)w * size, size, MPI_BYTE, 1, 2,
						  MPI_COMM_WORLD, &req[w]);
				else
					MPI_Irecv(buf + (size_t)w * size, size, MPI_BYTE, 0, 2,
						  MPI_COMM_WORLD, &req[w]);
			}
			MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
			if (rank == 0)
				MPI_Recv(buf, 1, MPI_BYTE, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			else
				MPI_Send(buf, 1, MPI_BYTE, 0, 3, MPI_COMM_WORLD);
		}
		if (i >= 0)
			t[i] = MPI_Wtime() - t0;
	}
	if (rank == 0) {
		double med;

		rte_marlin_stats_sort_double(t, (size_t)iters);
		med = rte_marlin_stats_median_double(t, (size_t)iters);
		if (lat) {
			res = med / 2 * 1e6;
			printf("{\"test\": \"lat\", \"bytes\": %d, \"lat_us\": %.4f}\n", size, res);
		} else {
			res = (double)size * WINDOW / med / 1e9;
			printf("{\"test\": \"bw\", \"bytes\": %d, \"bw_gbs\": %.4f}\n", size, res);
		}
	}
	free(buf);
	free(t);
	MPI_Finalize();
	return 0;
}
