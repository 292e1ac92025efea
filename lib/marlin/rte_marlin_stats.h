/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_STATS_H
#define RTE_MARLIN_STATS_H

/**
 * @file
 * One rule for the latency figures every Marlin tool prints.
 *
 * marlin-perf, the examples, the benchmark programs and the multi-process
 * test hosts all turn an array of samples (round-trip times in ns or TSC
 * ticks) into the same few figures; this header is the only place that
 * says how:
 *
 * - percentile p: the nearest-rank rule. Of n sorted values the one at rank
 *   ceil(n * p / 100) (1-based; rank 1 for p = 0). It is always one of the
 *   samples, never an interpolation: p50 of 1..10 is 5, p99 of 1..100 is 99,
 *   p100 is the maximum. Percentiles are given in basis points (1/100 of a
 *   percent) so p99.9 and p99.99 are exact integers: 5000, 9900, 9990, 9999.
 * - median: the middle value of an odd count, the mean of the two middle
 *   values of an even count (so it may lie between two samples).
 * - min, max, mean: as usual.
 *
 * The Python harness (tests/lib/marlin_harness/stats.py) applies the same
 * two rules, so a figure a script derives from raw samples and one a C
 * program prints agree.
 *
 * Figures that are already doubles (a latency per batch, a bandwidth per
 * repetition) have their sort and median too.
 *
 * Call order: rte_marlin_stats_sort_u64() (or let
 * rte_marlin_stats_summarize_u64() sort), then any of the calls that take a
 * sorted array. Header only, no state: any thread may call any function on
 * its own array. Control path only (qsort and a division per call).
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Basis points of the usual percentiles. */
#define RTE_MARLIN_STATS_P50  5000u
#define RTE_MARLIN_STATS_P90  9000u
#define RTE_MARLIN_STATS_P99  9900u
#define RTE_MARLIN_STATS_P999 9990u
/** 100 %: the maximum. */
#define RTE_MARLIN_STATS_PMAX 10000u

/** Summary of an array of samples; see rte_marlin_stats_summarize_u64(). */
struct rte_marlin_stats_u64 {
	uint64_t count;  /**< number of samples */
	uint64_t min;    /**< smallest sample */
	uint64_t max;    /**< largest sample */
	uint64_t p90;    /**< nearest-rank 90th percentile */
	uint64_t p99;    /**< nearest-rank 99th percentile */
	uint64_t p999;   /**< nearest-rank 99.9th percentile */
	double median;   /**< median (mean of the middle two for even counts) */
	double mean;     /**< arithmetic mean */
};

/**
 * qsort() comparator for uint64_t values, ascending.
 *
 * @param a
 *   Pointer to the first uint64_t.
 * @param b
 *   Pointer to the second uint64_t.
 * @return
 *   -1, 0 or 1 as *a is below, equal to or above *b.
 */
static inline int
rte_marlin_stats_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/**
 * Sort @p n values ascending, in place.
 *
 * @param v
 *   The values (may be NULL when @p n is 0).
 * @param n
 *   How many.
 */
static inline void
rte_marlin_stats_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), rte_marlin_stats_cmp_u64);
}

/**
 * The nearest-rank percentile of sorted values.
 *
 * @param sorted
 *   @p n values in ascending order.
 * @param n
 *   How many.
 * @param bp
 *   The percentile in basis points, 0 to 10000 (p99 = 9900); larger
 *   values count as 10000.
 * @return
 *   The value at rank ceil(n * bp / 10000) (at least rank 1); 0 when @p n
 *   is 0.
 */
static inline uint64_t
rte_marlin_stats_percentile_u64(const uint64_t *sorted, size_t n,
		unsigned int bp)
{
	size_t rank;

	if (n == 0)
		return 0;
	if (bp > RTE_MARLIN_STATS_PMAX)
		bp = RTE_MARLIN_STATS_PMAX;
	/* ceil(n * bp / 10000) without overflowing n * bp */
	rank = n / 10000 * bp + (n % 10000 * bp + 9999) / 10000;
	if (rank == 0)
		rank = 1;
	return sorted[(rank < n ? rank : n) - 1];
}

/**
 * The median of sorted values.
 *
 * @param sorted
 *   @p n values in ascending order.
 * @param n
 *   How many.
 * @return
 *   The middle value for an odd @p n, the mean of the two middle values
 *   for an even one; 0 when @p n is 0.
 */
static inline double
rte_marlin_stats_median_u64(const uint64_t *sorted, size_t n)
{
	if (n == 0)
		return 0;
	if (n & 1)
		return (double)sorted[n / 2];
	return ((double)sorted[n / 2 - 1] + (double)sorted[n / 2]) / 2.0;
}

/**
 * qsort() comparator for doubles, ascending (no NaN expected).
 *
 * @param a
 *   Pointer to the first double.
 * @param b
 *   Pointer to the second double.
 * @return
 *   -1, 0 or 1 as *a is below, equal to or above *b.
 */
static inline int
rte_marlin_stats_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/**
 * Sort @p n doubles ascending, in place (figures already derived from
 * samples: per-batch latencies, per-repetition bandwidths).
 *
 * @param v
 *   The values (may be NULL when @p n is 0).
 * @param n
 *   How many.
 */
static inline void
rte_marlin_stats_sort_double(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), rte_marlin_stats_cmp_double);
}

/**
 * The median of sorted doubles, by the rule of
 * rte_marlin_stats_median_u64().
 *
 * @param sorted
 *   @p n values in ascending order.
 * @param n
 *   How many.
 * @return
 *   The middle value, or the mean of the two middle ones; 0 when @p n
 *   is 0.
 */
static inline double
rte_marlin_stats_median_double(const double *sorted, size_t n)
{
	if (n == 0)
		return 0;
	if (n & 1)
		return sorted[n / 2];
	return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

/**
 * Sort @p n samples in place and summarize them.
 *
 * @param v
 *   The samples, in any order; sorted ascending on return.
 * @param n
 *   How many.
 * @param s
 *   Filled with the summary (zeroed when @p n is 0).
 * @return
 *   0 on success; -EINVAL when @p n is 0 or @p s or @p v is NULL.
 */
static inline int
rte_marlin_stats_summarize_u64(uint64_t *v, size_t n,
		struct rte_marlin_stats_u64 *s)
{
	long double sum = 0;
	size_t i;

	if (s == NULL)
		return -EINVAL;
	*s = (struct rte_marlin_stats_u64){ .count = 0 };
	if (v == NULL || n == 0)
		return -EINVAL;
	rte_marlin_stats_sort_u64(v, n);
	for (i = 0; i < n; i++)
		sum += v[i];
	s->count = n;
	s->min = v[0];
	s->max = v[n - 1];
	s->p90 = rte_marlin_stats_percentile_u64(v, n, RTE_MARLIN_STATS_P90);
	s->p99 = rte_marlin_stats_percentile_u64(v, n, RTE_MARLIN_STATS_P99);
	s->p999 = rte_marlin_stats_percentile_u64(v, n, RTE_MARLIN_STATS_P999);
	s->median = rte_marlin_stats_median_u64(v, n);
	s->mean = (double)(sum / n);
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_STATS_H */
