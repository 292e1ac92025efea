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
 *           16-byte store (one store instruction touches the line);
 *   nopause as ring, the spin without a pause instruction.
 *
 * Experiments: ring plus, one at a time, what HRDMA adds per message
 * (lib/marlin/hrdma_dp.c, its descriptor from hrdma_wire.h), to see which
 * of it costs:
 *   desc    the sender composes a 56-byte descriptor body privately and
 *           stores it with wide stores before the sequence word; the
 *           receiver copies the line, checks flags/opcode/length/offset on
 *           the copy, copies the 8-byte inline payload to its target and
 *           fills a completion entry (all local memory);
 *   desc1   desc with the inline payload moved by fixed-size overlapping
 *           loads and stores instead of a memcpy call of variable length
 *           (what hrdma_inl_copy() does);
 *   busy    desc, plus the data-path bookkeeping: a busy flag stored and
 *           a state word loaded around every call, a published receive
 *           count, statistics (local lines nobody else reads);
 *   credit  desc, plus a credit word stored by the receiver into a line in
 *           the sender's memory on every message, before its reply (what
 *           rte_marlin_hrdma_recv_release does when called per message);
 *           the sender reads that line once per half ring;
 *   credit_after  as credit, the credit stored after the reply;
 *   credit32      as credit, a credit every 32 messages (marlin-perf's
 *           release batch);
 *   early   busy, plus a prefetch for writing of the reply's line as soon
 *           as the message is seen (before the work on it).
 *
 *   line_floor [MODE|all] [ROUND_TRIPS] [CORE_A] [CORE_B]
 *
 * Prints one JSON line per mode: {"mode","one_way_ns" (median of batch
 * means),"median_ns" (median of single round trips / 2, the statistic
 * marlin-perf and ucx_perftest report),"min_ns","max_ns","batches"}. Every wait is bounded (5 s): a
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

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "hrdma_wire.h"
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

struct credit {                 /* one line, written by the receiver */
	uint64_t word;
	uint8_t pad[56];
};

struct shared {
	volatile uint64_t bounce __attribute__((aligned(LINE)));
	struct msg ab[RING] __attribute__((aligned(LINE)));  /* a -> b */
	struct msg ba[RING] __attribute__((aligned(LINE)));  /* b -> a */
	struct hrdma_wire_desc dab[RING] __attribute__((aligned(LINE)));
	struct hrdma_wire_desc dba[RING] __attribute__((aligned(LINE)));
	struct credit cr_a __attribute__((aligned(LINE)));  /* b writes, a reads */
	struct credit cr_b __attribute__((aligned(LINE)));  /* a writes, b reads */
	volatile int failed __attribute__((aligned(LINE)));
};

enum mode {
	M_BOUNCE, M_LINE, M_RING, M_STORE1, M_NOPAUSE,
	M_DESC, M_DESC1, M_BUSY, M_CREDIT, M_CREDIT_AFTER, M_CREDIT32, M_EARLY,
	M_COUNT
};
static const char *const mode_name[M_COUNT] = {
	"bounce", "line", "ring", "store1", "nopause",
	"desc", "desc1", "busy", "credit", "credit_after", "credit32", "early"
};

static int use_pause = 1;

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
	if (use_pause)
		__builtin_ia32_pause();
#endif
}

static inline uint64_t
ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	return th_now_ns();
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

/* ---- the experiments: HRDMA's per-message work, piece by piece ---------- */

/* Private to each process (after the fork): what HRDMA keeps locally. */
static struct {
	uint8_t target[4096] __attribute__((aligned(LINE)));
	struct { uint64_t cookie, imm, offset; void *data; uint32_t len;
		 int32_t status; } cq[64];
	uint32_t cq_tail;
	int busy __attribute__((aligned(LINE)));
	int state;
	uint32_t rx_pub;
	uint64_t stats[4];
	uint64_t tx_consumed;
} loc;

/* Not a constant to the compiler, as a caller's length is not. */
static volatile uint32_t inl_len = 8;

static inline void
hr_enter(enum mode md)
{
	if (md == M_BUSY || md == M_EARLY) {
		__atomic_store_n(&loc.busy, 1, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&loc.state, __ATOMIC_ACQUIRE) != 0)
			abort();
	}
}

static inline void
hr_leave(enum mode md)
{
	if (md == M_BUSY || md == M_EARLY)
		__atomic_store_n(&loc.busy, 0, __ATOMIC_RELEASE);
}

/* Post descriptor @n carrying @payload into @ring (the peer's memory). */
static inline void
hr_put(enum mode md, struct hrdma_wire_desc *ring, uint64_t n, uint64_t payload)
{
	struct hrdma_wire_desc *d = &ring[n % RING];
	struct hrdma_wire_desc body;
	uint32_t len = inl_len;
	uint8_t src[32] = { 0 };     /* the caller's buffer */

	hr_enter(md);
	memset(&body, 0, offsetof(struct hrdma_wire_desc, seq));
	body.flags = 1;
	memcpy(src, &payload, sizeof(payload));
	if (md == M_DESC1)
		hrdma_inl_copy(body.inl, src, len);
	else
		memcpy(body.inl, src, len);
	body.imm = n;
	body.offset = 0;
	body.len = len;
	body.opcode = 2;
	memcpy(d, &body, offsetof(struct hrdma_wire_desc, seq));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&d->seq, n, __ATOMIC_RELEASE);
	if (md == M_BUSY || md == M_EARLY)
		loc.stats[0]++;
	hr_leave(md);
}

/* Wait for descriptor @n in @ring, check the copy, apply it. */
static inline int
hr_get(struct shared *sh, enum mode md, const struct hrdma_wire_desc *ring,
		uint64_t n, const struct hrdma_wire_desc *reply)
{
	const struct hrdma_wire_desc *d = &ring[n % RING];
	struct hrdma_wire_desc c;
	uint64_t seq;

	if (!WAIT_FOR(sh, __atomic_load_n(&d->seq, __ATOMIC_RELAXED) == n))
		return -1;
	if (md == M_EARLY && reply != NULL)
		__builtin_prefetch(reply, 1, 3);
	hr_enter(md);
	seq = __atomic_load_n(&d->seq, __ATOMIC_ACQUIRE);
	memcpy(&c, d, sizeof(c));
	c.seq = seq;
	if (c.seq != n || c.flags != 1 || c.len > sizeof(c.inl) ||
			c.opcode != 2 || c.offset > sizeof(loc.target) - c.len)
		return -1;
	if (md == M_DESC1)
		hrdma_inl_copy(loc.target + c.offset, c.inl, c.len);
	else
		memcpy(loc.target + c.offset, c.inl, c.len);
	loc.cq[loc.cq_tail & 63].cookie = n;
	loc.cq[loc.cq_tail & 63].imm = c.imm;
	loc.cq[loc.cq_tail & 63].offset = c.offset;
	loc.cq[loc.cq_tail & 63].data = loc.target + c.offset;
	loc.cq[loc.cq_tail & 63].len = c.len;
	loc.cq[loc.cq_tail & 63].status = 0;
	loc.cq_tail++;
	if (md == M_BUSY || md == M_EARLY) {
		loc.stats[1]++;
		loc.stats[2] += c.len;
		__atomic_store_n(&loc.rx_pub, (uint32_t)n, __ATOMIC_RELEASE);
	}
	hr_leave(md);
	{
		uint64_t v;

		memcpy(&v, loc.target, sizeof(v));
		return v == (n ^ 0x5a5a5a5a5a5a5a5aull) ? 0 : -1;
	}
}

/* The receiver's credit for message @n into the sender's line @cr. */
static inline void
hr_credit(enum mode md, struct credit *cr, uint64_t n)
{
	if (md == M_CREDIT || md == M_CREDIT_AFTER ||
			(md == M_CREDIT32 && n % 32 == 0))
		__atomic_store_n(&cr->word, n, __ATOMIC_RELEASE);
}

/* The sender reads its credit line when half the ring may be in use. */
static inline void
hr_refresh(enum mode md, const struct credit *cr, uint64_t n)
{
	if (md >= M_CREDIT && n % (RING / 2) == 0)
		loc.tx_consumed = __atomic_load_n(&cr->word, __ATOMIC_ACQUIRE);
}

/* One round trip of an experiment; @a the timing side. */
static inline int
hr_step(struct shared *sh, enum mode md, uint64_t i, int a)
{
	const uint64_t pl = i ^ 0x5a5a5a5a5a5a5a5aull;

	if (a) {
		hr_refresh(md, &sh->cr_a, i);
		hr_put(md, sh->dab, i, pl);
		if (md == M_CREDIT_AFTER)
			hr_credit(md, &sh->cr_b, i - 1);
		if (hr_get(sh, md, sh->dba, i, NULL) != 0)
			return -1;
		if (md != M_CREDIT_AFTER)
			hr_credit(md, &sh->cr_b, i);
		return 0;
	}
	if (hr_get(sh, md, sh->dab, i, &sh->dba[i % RING]) != 0)
		return -1;
	if (md != M_CREDIT_AFTER)
		hr_credit(md, &sh->cr_a, i);
	hr_refresh(md, &sh->cr_b, i);
	hr_put(md, sh->dba, i, pl);
	if (md == M_CREDIT_AFTER)
		hr_credit(md, &sh->cr_a, i);
	return 0;
}

/* One side: @a the timing side. Round trips 1..iters. */
static int
side(struct shared *sh, enum mode md, uint64_t iters, int a, double *batch_ns,
		uint64_t *nb, uint64_t *rt)
{
	uint64_t i, t0 = th_now_ns();

	*nb = 0;
	for (i = 1; i <= iters; i++) {
		unsigned int s = md == M_RING || md == M_NOPAUSE ?
			(unsigned int)(i % RING) : 0;
		uint64_t k0 = a ? ticks() : 0;

		if (md >= M_DESC) {
			if (hr_step(sh, md, i, a) != 0)
				return -1;
		} else if (md == M_BOUNCE) {
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
		if (a)
			rt[i - 1] = ticks() - k0;
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
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static int
run_mode(enum mode md, uint64_t iters, int core_a, int core_b)
{
	struct shared *sh;
	double *batch, ns_per_tick;
	uint64_t nb = 0, *rt, k0, n0;
	pid_t pid;
	int st = 0, rc;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	batch = calloc(iters / BATCH + 1, sizeof(*batch));
	rt = calloc(iters, sizeof(*rt));
	if (sh == MAP_FAILED || batch == NULL || rt == NULL) {
		fprintf(stderr, "line_floor: out of memory\n");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	use_pause = md != M_NOPAUSE;
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "line_floor: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pin(core_b) != 0 ||
				side(sh, md, iters, 0, NULL, &nb, NULL) != 0) {
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
	k0 = ticks();
	n0 = th_now_ns();
	rc = sh->failed ? -1 : side(sh, md, iters, 1, batch, &nb, rt);
	ns_per_tick = (double)(th_now_ns() - n0) / (double)(ticks() - k0);
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
		qsort(rt, iters, sizeof(*rt), cmp_u64);
		printf("{\"mode\":\"%s\",\"one_way_ns\":%.1f,\"median_ns\":%.1f,"
		       "\"min_ns\":%.1f,\"max_ns\":%.1f,\"batches\":%llu,"
		       "\"cores\":[%d,%d]}\n",
		       mode_name[md], batch[nb / 2],
		       (double)rt[iters / 2] * ns_per_tick / 2, batch[0],
		       batch[nb - 1], (unsigned long long)nb, core_a, core_b);
	}
	fflush(stdout);
	free(batch);
	free(rt);
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
		fprintf(stderr, "usage: line_floor [MODE|all] [ROUND_TRIPS >= %d] "
			"[CORE_A] [CORE_B]\n(modes: see the top of line_floor.c)\n",
			BATCH);
		return 2;
	}
	for (md = 0; md < M_COUNT; md++) {
		if (strcmp(m, "all") != 0 && strcmp(m, mode_name[md]) != 0)
			continue;
		found = 1;
		rc |= run_mode((enum mode)md, iters, core_a, core_b);
	}
	if (!found) {
		fprintf(stderr, "line_floor: mode %s: one of", m);
		for (md = 0; md < M_COUNT; md++)
			fprintf(stderr, " %s", mode_name[md]);
		fprintf(stderr, " all\n");
		return 2;
	}
	return rc;
}
