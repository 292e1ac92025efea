/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * line_floor: the floor of a one-way small message between two processes
 * on this machine, with nothing but cache lines in between. Two processes
 * (fork), each pinned to its core, share an anonymous mapping and ping-pong
 * N round trips; one-way = half a round trip, timed in batches.
 *
 * Modes (each a step closer to what HRDMA does; nothing else runs):
 *   bounce  one shared line, each side waits for the other's counter and
 *           writes its own (the placement probe's pattern);
 *   line    one line per direction, written only by its sender: 8 B
 *           payload then the sequence word in the same line (store order
 *           is enough on x86), the receiver copies the line and checks the
 *           sequence on its copy;
 *   ring    as line, but message n goes to line n % 256 of a ring per
 *           direction (a fresh line each time, as HRDMA's descriptors);
 *   store1  as line, but payload and sequence word leave in one aligned
 *           16-byte store (one store instruction touches the line).
 *
 *   line_floor [MODE|all] [ROUND_TRIPS] [CORE_A] [CORE_B]
 *
 * Prints one JSON line per mode: {"mode","one_way_ns" (median of batch
 * means),"min_ns","max_ns","batches"}. Every wait is bounded (5 s): a
 * peer that stopped ends the run with an error line and status 1.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_host.h"

#define LINE 64
#define RING 256
#define BATCH 1000
#define WAIT_NS 5000000000ull

struct msg {                    /* one line */
	uint64_t payload;
	uint8_t pad[40];
	uint64_t payload2;      /* store1: with seq, one 16-byte store */
	uint64_t seq;           /* written last */
};

_Static_assert(sizeof(struct msg) == LINE, "a message is one line");

struct shared {
	volatile uint64_t bounce __attribute__((aligned(LINE)));
	struct msg ab[RING] __attribute__((aligned(LINE)));  /* a -> b */
	struct msg ba[RING] __attribute__((aligned(LINE)));  /* b -> a */
	volatile int failed __attribute__((aligned(LINE)));
};

enum mode { M_BOUNCE, M_LINE, M_RING, M_STORE1, M_COUNT };
static const char *const mode_name[M_COUNT] = {
	"bounce", "line", "ring", "store1"
};

static int
pin(int core)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(core, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Spin until @cond; every 64K spins look at the clock and the peer. */
#define WAIT_FOR(sh, cond) ({ \
	unsigned int spins_ = 0; uint64_t t0_ = 0; int ok_ = 1; \
	while (!(cond)) { \
		cpu_relax(); \
		if ((++spins_ & 0xffff) == 0) { \
			uint64_t t_ = th_now_ns(); \
			if (t0_ == 0) \
				t0_ = t_; \
			if ((sh)->failed || t_ - t0_ > WAIT_NS) { \
				ok_ = 0; \
				break; \
			} \
		} \
	} \
	ok_; })

static inline void
msg_put(struct msg *m, uint64_t n)
{
	/* payload, then the sequence word; TSO keeps the order for other
	 * cores, the compiler barrier keeps it in the program */
	m->payload = n ^ 0x5a5a5a5a5a5a5a5aull;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&m->seq, n, __ATOMIC_RELEASE);
}

static inline void
msg_put1(struct msg *m, uint64_t n)
{
	typedef uint64_t v2 __attribute__((vector_size(16), aligned(16)));
	v2 v = { n ^ 0x5a5a5a5a5a5a5a5aull, n };

	*(volatile v2 *)&m->payload2 = v;
}

static inline int
msg_get1(struct shared *sh, const struct msg *m, uint64_t n)
{
	struct msg c;

	if (!WAIT_FOR(sh, __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) == n))
		return -1;
	memcpy(&c, m, sizeof(c));
	return c.seq == n && c.payload2 == (n ^ 0x5a5a5a5a5a5a5a5aull) ? 0 : -1;
}

/* Wait for message @n in @m: copy the line once it shows @n, check the
 * copy. Returns 0, or -1 (timeout, or a copy that does not check). */
static inline int
msg_get(struct shared *sh, const struct msg *m, uint64_t n)
{
	struct msg c;

	if (!WAIT_FOR(sh, __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) == n))
		return -1;
	memcpy(&c, m, sizeof(c));
	return c.seq == n && c.payload == (n ^ 0x5a5a5a5a5a5a5a5aull) ? 0 : -1;
}

/* One side: @a the timing side. Round trips 1..iters. */
static int
side(struct shared *sh, enum mode md, uint64_t iters, int a, double *batch_ns,
		uint64_t *nb)
{
	uint64_t i, t0 = th_now_ns();

	*nb = 0;
	for (i = 1; i <= iters; i++) {
		unsigned int s = md == M_RING ? (unsigned int)(i % RING) : 0;

		if (md == M_BOUNCE) {
			if (a) {
				sh->bounce = 2 * i - 1;
				if (!WAIT_FOR(sh, sh->bounce == 2 * i))
					return -1;
			} else {
				if (!WAIT_FOR(sh, sh->bounce == 2 * i - 1))
					return -1;
				sh->bounce = 2 * i;
			}
		} else if (md == M_STORE1) {
			if (a) {
				msg_put1(&sh->ab[0], i);
				if (msg_get1(sh, &sh->ba[0], i) != 0)
					return -1;
			} else {
				if (msg_get1(sh, &sh->ab[0], i) != 0)
					return -1;
				msg_put1(&sh->ba[0], i);
			}
		} else if (a) {
			msg_put(&sh->ab[s], i);
			if (msg_get(sh, &sh->ba[s], i) != 0)
				return -1;
		} else {
			if (msg_get(sh, &sh->ab[s], i) != 0)
				return -1;
			msg_put(&sh->ba[s], i);
		}
		if (a && i % BATCH == 0) {
			uint64_t t = th_now_ns();

			batch_ns[(*nb)++] = (double)(t - t0) / BATCH / 2;
			t0 = t;
		}
	}
	return 0;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static int
run_mode(enum mode md, uint64_t iters, int core_a, int core_b)
{
	struct shared *sh;
	double *batch;
	uint64_t nb = 0;
	pid_t pid;
	int st = 0, rc;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	batch = calloc(iters / BATCH + 1, sizeof(*batch));
	if (sh == MAP_FAILED || batch == NULL) {
		fprintf(stderr, "line_floor: out of memory\n");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "line_floor: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pin(core_b) != 0 || side(sh, md, iters, 0, NULL, &nb) != 0) {
			sh->failed = 1;
			_exit(1);
		}
		_exit(0);
	}
	if (pin(core_a) != 0) {
		fprintf(stderr, "line_floor: cannot pin to core %d: %s\n",
			core_a, strerror(errno));
		sh->failed = 1;
	}
	rc = sh->failed ? -1 : side(sh, md, iters, 1, batch, &nb);
	if (rc != 0)
		sh->failed = 1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			WEXITSTATUS(st) != 0)
		rc = -1;
	if (rc != 0 || nb == 0) {
		printf("{\"mode\":\"%s\",\"error\":\"a side stopped or a line "
		       "did not check (pin both cores, run on an idle machine)\"}\n",
		       mode_name[md]);
		rc = -1;
	} else {
		qsort(batch, nb, sizeof(*batch), cmp_double);
		printf("{\"mode\":\"%s\",\"one_way_ns\":%.1f,\"min_ns\":%.1f,"
		       "\"max_ns\":%.1f,\"batches\":%llu,\"cores\":[%d,%d]}\n",
		       mode_name[md], batch[nb / 2], batch[0], batch[nb - 1],
		       (unsigned long long)nb, core_a, core_b);
	}
	fflush(stdout);
	free(batch);
	munmap(sh, sizeof(*sh));
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "all";
	uint64_t iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 200000;
	int core_a = argc > 3 ? atoi(argv[3]) : 1;
	int core_b = argc > 4 ? atoi(argv[4]) : 0;
	int md, rc = 0, found = 0;

	if (iters < BATCH || iters > 100000000ull) {
		fprintf(stderr, "usage: line_floor [bounce|line|ring|store1|all] "
			"[ROUND_TRIPS >= %d] [CORE_A] [CORE_B]\n", BATCH);
		return 2;
	}
	for (md = 0; md < M_COUNT; md++) {
		if (strcmp(m, "all") != 0 && strcmp(m, mode_name[md]) != 0)
			continue;
		found = 1;
		rc |= run_mode((enum mode)md, iters, core_a, core_b);
	}
	if (!found) {
		fprintf(stderr, "line_floor: mode %s: one of bounce, line, ring, store1, all\n",
			m);
		return 2;
	}
	return rc;
}
