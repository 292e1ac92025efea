/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 *
 * The one percentile rule (rte_marlin_stats.h): nearest rank, median as the
 * mean of the middle two, summaries of unsorted arrays. The same cases are
 * checked for the Python twin in tests/bench/bench_test.py.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_marlin_stats.h>

static uint64_t seq[1000];

/* Ranks over seq = 1..n: the value is the rank itself. */
static const struct {
	size_t n;
	unsigned int bp;
	uint64_t want;
} rank_cases[] = {
	{ 10, 0, 1 }, { 10, 1, 1 }, { 10, 1000, 1 }, { 10, 1001, 2 },
	{ 10, RTE_MARLIN_STATS_P50, 5 }, { 10, RTE_MARLIN_STATS_P90, 9 },
	{ 10, RTE_MARLIN_STATS_P99, 10 }, { 10, RTE_MARLIN_STATS_PMAX, 10 },
	/* above 100 % counts as 100 % */
	{ 10, 20000, 10 },
	/* n * p an integer: that rank, no rounding up (a float
	 * ceil(0.99 * 100) gives 100) */
	{ 100, RTE_MARLIN_STATS_P99, 99 }, { 100, RTE_MARLIN_STATS_P50, 50 },
	{ 1000, RTE_MARLIN_STATS_P999, 999 }, { 1000, RTE_MARLIN_STATS_P99, 990 },
	{ 999, RTE_MARLIN_STATS_P999, 999 }, { 1, RTE_MARLIN_STATS_P999, 1 },
};

static void
test_nearest_rank(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		seq[i] = i + 1;
	for (i = 0; i < sizeof(rank_cases) / sizeof(rank_cases[0]); i++) {
		print_message("n %zu bp %u\n", rank_cases[i].n, rank_cases[i].bp);
		assert_int_equal(rte_marlin_stats_percentile_u64(seq,
					rank_cases[i].n, rank_cases[i].bp),
				rank_cases[i].want);
	}
}

static void
test_large_count_no_overflow(void **state)
{
	/* The rank is computed as n / 10000 * bp + ceil(n % 10000 * bp /
	 * 10000) so that n * bp never overflows; for the largest counts it
	 * still gives rank n at 100 % and a rank within 1..n below. */
	static const uint64_t one = 7;
	size_t n = SIZE_MAX;

	(void)state;
	assert_true(n / 10000 * 10000 + (n % 10000 * 10000 + 9999) / 10000 == n);
	assert_true(n / 10000 * 9999 + (n % 10000 * 9999 + 9999) / 10000 < n);
	assert_int_equal(rte_marlin_stats_percentile_u64(&one, 1, 0), 7);
}

static void
test_empty(void **state)
{
	struct rte_marlin_stats_u64 s = { .count = 99, .max = 5 };

	(void)state;
	assert_int_equal(rte_marlin_stats_percentile_u64(NULL, 0, 5000), 0);
	assert_true(rte_marlin_stats_median_u64(NULL, 0) == 0.0);
	rte_marlin_stats_sort_u64(NULL, 0);
	assert_int_equal(rte_marlin_stats_summarize_u64(NULL, 0, &s), -EINVAL);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.max, 0);
	assert_int_equal(rte_marlin_stats_summarize_u64(seq, 1, NULL), -EINVAL);
}

static void
test_median(void **state)
{
	uint64_t odd[] = { 1, 2, 9 }, even[] = { 1, 2, 4, 9 };
	uint64_t big[] = { UINT64_MAX - 1, UINT64_MAX };

	(void)state;
	assert_true(rte_marlin_stats_median_u64(odd, 3) == 2.0);
	assert_true(rte_marlin_stats_median_u64(even, 4) == 3.0);
	assert_true(rte_marlin_stats_median_u64(even, 1) == 1.0);
	/* no integer overflow adding the middle pair */
	assert_true(rte_marlin_stats_median_u64(big, 2) > 1.8e19);
}

static void
test_summarize_unsorted(void **state)
{
	uint64_t v[] = { 50, 10, 40, 30, 20, 100, 90, 80, 70, 60 };
	const struct rte_marlin_stats_u64 want = {
		.count = 10, .min = 10, .max = 100, .p90 = 90, .p99 = 100,
		.p999 = 100, .median = 55.0, .mean = 55.0,
	};
	struct rte_marlin_stats_u64 s;
	size_t i;

	(void)state;
	assert_int_equal(rte_marlin_stats_summarize_u64(v, 10, &s), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(v[i], (i + 1) * 10);
	assert_memory_equal(&s, &want, sizeof(s));
}

static void
test_sort_duplicates(void **state)
{
	uint64_t v[] = { 3, 1, UINT64_MAX, 3, 0, 1 };
	uint64_t want[] = { 0, 1, 1, 3, 3, UINT64_MAX };

	(void)state;
	rte_marlin_stats_sort_u64(v, 6);
	assert_memory_equal(v, want, sizeof(v));
	assert_int_equal(rte_marlin_stats_percentile_u64(v, 6,
				RTE_MARLIN_STATS_P50), 1);
	assert_true(rte_marlin_stats_median_u64(v, 6) == 2.0);
}

static void
test_double(void **state)
{
	double v[] = { 2.5, -1.0, 9.0, 0.5 };

	(void)state;
	rte_marlin_stats_sort_double(v, 4);
	assert_true(v[0] == -1.0 && v[1] == 0.5 && v[2] == 2.5 && v[3] == 9.0);
	assert_true(rte_marlin_stats_median_double(v, 4) == 1.5);
	assert_true(rte_marlin_stats_median_double(v, 3) == 0.5);
	assert_true(rte_marlin_stats_median_double(NULL, 0) == 0.0);
	rte_marlin_stats_sort_double(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest_rank),
		cmocka_unit_test(test_large_count_no_overflow),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_summarize_unsorted),
		cmocka_unit_test(test_sort_duplicates),
		cmocka_unit_test(test_double),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
