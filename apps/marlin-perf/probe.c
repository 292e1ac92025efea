/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Placement probe: how far apart are two cores right now?
 *
 * Two threads, pinned to the two cores, bounce one cache line: the first
 * stores an odd counter value and waits for the next even one, the second
 * waits for the odd value and stores the even one. Each round trip moves the
 * line twice, so one batch of R round trips gives a one-way figure of
 * time / (2 R). The probe runs a few batches and keeps their median, which a
 * single preemption cannot move.
 *
 * On machines whose virtual CPUs migrate between sibling threads of one
 * core and separate cores, the figure jumps between two levels (here ~30 ns
 * and ~170 ns); perf_placement() names them.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_marlin_stats.h>

#include "perf.h"

#define PROBE_LINE 64
/* Give up when one batch takes longer than this (e.g. both threads ended up
 * on one CPU and only meet at time-slice boundaries). */
#define PROBE_BATCH_TIMEOUT_NS 2000000000ull
#define PROBE_SPIN_CHECK 4095u

struct probe_line {
	volatile uint64_t v;
	uint8_t pad[PROBE_LINE - sizeof(uint64_t)];
} __attribute__((aligned(PROBE_LINE)));

struct probe_shared {
	struct probe_line line;
	/* Separate lines for the control words, so they do not disturb the
	 * measured line. */
	struct probe_line ready;
	struct probe_line abort;
	uint64_t total;          /* round trips per batch incl. warm-up */
	uint32_t batches;
	uint32_t rounds;
	int cores[2];
	int err;                 /* first error, negative errno */
	double batch_ns[16];
};

static uint64_t
probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
probe_pin(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Wait until the line holds @want; false on timeout or abort. */
static bool
probe_wait(struct probe_shared *s, uint64_t want, uint64_t deadline)
{
	unsigned int spins = 0;

	while (__atomic_load_n(&s->line.v, __ATOMIC_ACQUIRE) != want) {
		if ((++spins & PROBE_SPIN_CHECK) == 0) {
			if (s->abort.v != 0)
				return false;
			if (probe_now() > deadline) {
				s->abort.v = 1;
				return false;
			}
		}
		__builtin_ia32_pause();
	}
	return true;
}

static void *
probe_responder(void *arg)
{
	struct probe_shared *s = arg;
	uint64_t i, n = (uint64_t)s->batches * s->total;
	uint64_t deadline;
	int rc;

	rc = probe_pin(s->cores[1]);
	if (rc != 0) {
		s->err = rc;
		s->abort.v = 1;
		return NULL;
	}
	__atomic_store_n(&s->ready.v, 1, __ATOMIC_RELEASE);
	deadline = probe_now() + PROBE_BATCH_TIMEOUT_NS * (s->batches + 1);
	for (i = 0; i < n; i++) {
		if (!probe_wait(s, 2 * i + 1, deadline))
			return NULL;
		__atomic_store_n(&s->line.v, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *
probe_initiator(void *arg)
{
	struct probe_shared *s = arg;
	uint64_t i = 0, b, t0 = 0, deadline;
	unsigned int spins = 0;
	int rc;

	rc = probe_pin(s->cores[0]);
	if (rc != 0) {
		s->err = rc;
		s->abort.v = 1;
		return NULL;
	}
	deadline = probe_now() + PROBE_BATCH_TIMEOUT_NS;
	while (__atomic_load_n(&s->ready.v, __ATOMIC_ACQUIRE) == 0) {
		if ((++spins & PROBE_SPIN_CHECK) == 0 &&
				(s->abort.v != 0 || probe_now() > deadline)) {
			s->abort.v = 1;
			s->err = -ETIMEDOUT;
			return NULL;
		}
		__builtin_ia32_pause();
	}
	for (b = 0; b < s->batches; b++) {
		uint64_t end = i + s->total;

		deadline = probe_now() + PROBE_BATCH_TIMEOUT_NS;
		for (; i < end; i++) {
			if (i == end - s->rounds)
				t0 = probe_now();
			__atomic_store_n(&s->line.v, 2 * i + 1,
					__ATOMIC_RELEASE);
			if (!probe_wait(s, 2 * i + 2, deadline)) {
				s->err = -ETIMEDOUT;
				return NULL;
			}
		}
		s->batch_ns[b] = (double)(probe_now() - t0) /
			(2.0 * (double)s->rounds);
	}
	return NULL;
}

/*
 * Measure the one-way cache-line latency between @core_a and @core_b:
 * @batches batches (1..16) of @rounds round trips, each after a warm-up of
 * a tenth as many. Fills @res; returns 0 or a negative errno (res->why says
 * what went wrong).
 */
int
perf_probe_run(int core_a, int core_b, uint32_t rounds, uint32_t batches,
		struct perf_probe *res)
{
	struct probe_shared *s;
	pthread_t ta, tb;
	double sorted[16];
	uint32_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	res->cores[0] = core_a;
	res->cores[1] = core_b;
	res->ns = -1.0;
	if (rounds == 0)
		rounds = 20000;
	if (batches == 0)
		batches = 5;
	if (batches > 16)
		batches = 16;
	if (core_a < 0 || core_b < 0 || core_a == core_b ||
			core_a >= CPU_SETSIZE || core_b >= CPU_SETSIZE) {
		res->why = "needs two different cores";
		return -EINVAL;
	}
	s = aligned_alloc(PROBE_LINE, sizeof(*s));
	if (s == NULL) {
		res->why = "out of memory";
		return -ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->rounds = rounds;
	s->total = rounds + rounds / 10;
	s->batches = batches;
	s->cores[0] = core_a;
	s->cores[1] = core_b;

	rc = -pthread_create(&tb, NULL, probe_responder, s);
	if (rc != 0) {
		free(s);
		res->why = "cannot start a thread";
		return rc;
	}
	rc = -pthread_create(&ta, NULL, probe_initiator, s);
	if (rc != 0) {
		s->abort.v = 1;
		pthread_join(tb, NULL);
		free(s);
		res->why = "cannot start a thread";
		return rc;
	}
	pthread_join(ta, NULL);
	if (s->err != 0)
		s->abort.v = 1;
	pthread_join(tb, NULL);

	rc = s->err;
	if (rc == -EINVAL || rc == -ESRCH) {
		res->why = "cannot pin a thread to one of the cores";
	} else if (rc != 0) {
		res->why = "timed out (do the two cores share one CPU?)";
	} else {
		res->nb_batches = (int)batches;
		for (i = 0; i < batches; i++) {
			res->batch_ns[i] = s->batch_ns[i];
			sorted[i] = s->batch_ns[i];
		}
		rte_marlin_stats_sort_double(sorted, batches);
		res->ns = rte_marlin_stats_median_double(sorted, batches);
		res->spread = sorted[0] > 0 ? sorted[batches - 1] / sorted[0] :
			0;
	}
	free(s);
	return rc;
}

/* "near", "far" or "unknown" for a one-way figure. */
const char *
perf_placement(double ns)
{
	if (ns < 0)
		return "unknown";
	return ns < PERF_NEAR_NS ? "near" : "far";
}

/* The placement two probes agree on, or "mixed". */
const char *
perf_placement_pair(const struct perf_probe *a, const struct perf_probe *b)
{
	const char *pa = perf_placement(a->ns), *pb = perf_placement(b->ns);

	if (a->ns < 0)
		return pb;
	if (b->ns < 0)
		return pa;
	return strcmp(pa, pb) == 0 ? pa : "mixed";
}
