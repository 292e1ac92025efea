/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-copy-bench: single-core copy bandwidth of libc memcpy, DPDK's
 * rte_memcpy and the cpu engine's non-temporal routines, for copy sizes
 * (footprints) from 64 KiB to 64 MiB. Used to pick the cpu engine's default
 * nt_threshold; see doc/guides/dma.rst.
 *
 *   marlin-copy-bench [-c CPU] [-r REPS] [-b MIB_PER_REP] [-s MIN_KIB] [-S MAX_KIB]
 *
 * Footprint F means one copy of F bytes from a source buffer of F bytes to a
 * destination buffer of F bytes (2F touched). Each repetition copies the
 * buffer back to back until at least MIB_PER_REP MiB have moved; the methods
 * take turns within a repetition so drift hits all alike; the table shows
 * the median of the repetitions in GB/s (1e9 bytes per second). Streaming
 * routines end each copy with an sfence, as the engine does on submit.
 * The last line suggests an nt_threshold: the smallest footprint at which
 * the best streaming routine beats memcpy and, at every larger footprint,
 * stays within 5 % of it or better.
 */

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_memcpy.h>

#include "rte_marlin_copy.h"
#include "rte_marlin_stats.h"

struct method {
	const char *name;
	rte_marlin_copy_fn fn;
	int fence;
};

static void
bench_rte_memcpy(void *dst, const void *src, size_t len)
{
	rte_memcpy(dst, src, len);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-c CPU] [-r REPS] [-b MIB_PER_REP] [-s MIN_KIB] [-S MAX_KIB]\n"
		"  -c CPU          pin to this CPU (default: not pinned)\n"
		"  -r REPS         repetitions per point, median reported (default 5)\n"
		"  -b MIB_PER_REP  MiB copied per repetition (default 256)\n"
		"  -s MIN_KIB      smallest footprint in KiB (default 64)\n"
		"  -S MAX_KIB      largest footprint in KiB (default 65536)\n",
		prog);
}

static void
print_size(size_t b)
{
	char buf[32];

	if (b >= (1u << 20))
		snprintf(buf, sizeof(buf), "%zuMiB", b >> 20);
	else
		snprintf(buf, sizeof(buf), "%zuKiB", b >> 10);
	printf("%-10s", buf);
}

int
main(int argc, char **argv)
{
	struct method methods[5];
	unsigned int nm = 0, m, r, reps = 5;
	size_t mib_per_rep = 256, min_kib = 64, max_kib = 65536, fp;
	int cpu = -1, opt;
	uint8_t *src, *dst;
	double *samples;
	size_t crossover = 0;
	int nt_won_all = 0;

	while ((opt = getopt(argc, argv, "c:r:b:s:S:h")) != -1) {
		switch (opt) {
		case 'c': cpu = atoi(optarg); break;
		case 'r': reps = (unsigned int)atoi(optarg); break;
		case 'b': mib_per_rep = strtoull(optarg, NULL, 0); break;
		case 's': min_kib = strtoull(optarg, NULL, 0); break;
		case 'S': max_kib = strtoull(optarg, NULL, 0); break;
		default: usage(argv[0]); return opt == 'h' ? 0 : 2;
		}
	}
	if (reps == 0 || reps > 101 || min_kib == 0 || max_kib < min_kib ||
			mib_per_rep == 0) {
		usage(argv[0]);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "cannot pin to CPU %d: %s\n", cpu,
				strerror(errno));
			return 1;
		}
	}

	methods[nm++] = (struct method){ "memcpy", rte_marlin_copy_memcpy, 0 };
	methods[nm++] = (struct method){ "rte_memcpy", bench_rte_memcpy, 0 };
#ifdef RTE_ARCH_X86_64
	methods[nm++] = (struct method){ "nt_sse2", rte_marlin_copy_nt_sse2, 1 };
	if (rte_marlin_copy_isa_supported(RTE_MARLIN_COPY_NT_AVX2))
		methods[nm++] = (struct method){ "nt_avx2", rte_marlin_copy_nt_avx2, 1 };
	if (rte_marlin_copy_isa_supported(RTE_MARLIN_COPY_NT_AVX512))
		methods[nm++] = (struct method){ "nt_avx512", rte_marlin_copy_nt_avx512, 1 };
#endif

	src = aligned_alloc(4096, max_kib << 10);
	dst = aligned_alloc(4096, max_kib << 10);
	samples = calloc((size_t)nm * reps, sizeof(*samples));
	if (src == NULL || dst == NULL || samples == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	for (fp = 0; fp < (max_kib << 10); fp++)
		src[fp] = (uint8_t)(fp * 131 + 7);
	memset(dst, 0, max_kib << 10);

	printf("# marlin-copy-bench: single-core copy, GB/s (1e9 B/s), median of %u reps, %zu MiB per rep%s\n",
		reps, mib_per_rep, cpu >= 0 ? "" : ", not pinned");
	printf("%-10s", "footprint");
	for (m = 0; m < nm; m++)
		printf(" %10s", methods[m].name);
	printf("\n");

	for (fp = min_kib << 10; fp <= (max_kib << 10); fp *= 2) {
		size_t iters = ((mib_per_rep << 20) + fp - 1) / fp;
		double best_nt = 0, memcpy_med = 0;

		for (m = 0; m < nm; m++) {
			/* warm up and check the routine once */
			memset(dst, 0, fp);
			methods[m].fn(dst, src, fp);
			rte_marlin_copy_fence();
			if (memcmp(dst, src, fp) != 0) {
				fprintf(stderr, "%s: copy of %zu bytes is wrong\n",
					methods[m].name, fp);
				return 1;
			}
		}
		for (r = 0; r < reps; r++) {
			for (m = 0; m < nm; m++) {
				double t0, t1;
				size_t i;

				t0 = now_s();
				for (i = 0; i < iters; i++) {
					methods[m].fn(dst, src, fp);
					if (methods[m].fence)
						rte_marlin_copy_fence();
				}
				t1 = now_s();
				samples[m * reps + r] = (double)fp * iters / (t1 - t0) / 1e9;
			}
		}
		print_size(fp);
		for (m = 0; m < nm; m++) {
			double med;

			rte_marlin_stats_sort_double(&samples[m * reps], reps);
			med = rte_marlin_stats_median_double(&samples[m * reps],
							     reps);
			printf(" %10.1f", med);
			if (m == 0)
				memcpy_med = med;
			if (methods[m].fence && med > best_nt)
				best_nt = med;
		}
		printf("\n");
		fflush(stdout);
		/*
		 * Suggested threshold: the smallest footprint where streaming
		 * stores win and, from there up, never lose by more than 5 %.
		 */
		if (best_nt >= 0.95 * memcpy_med) {
			if (!nt_won_all && best_nt > memcpy_med) {
				crossover = fp;
				nt_won_all = 1;
			}
		} else {
			nt_won_all = 0;
		}
	}
	if (nt_won_all) {
		printf("# streaming stores win from %zu KiB up (within 5 %% above): "
			"suggested nt_threshold=%zuK\n", crossover >> 10,
			crossover >> 10);
	} else {
		printf("# streaming stores did not beat memcpy at the largest footprint\n");
	}
	free(samples);
	free(src);
	free(dst);
	return 0;
}
