/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: the channel, the control protocol and the test loops.
 *
 * Control protocol. Both hosts create an HRDMA channel with a configuration
 * derived from the test options (so the HRDMA handshake itself refuses hosts
 * with different queue counts or ring sizes). Control messages are SENDs on
 * queue pair 0 whose immediate is PERF_IMM_CTL:
 *
 *   client                               server
 *   HELLO (test parameters)       ->     compares them with its own options
 *                                 <-     HELLO_ACK (or ERROR, with the reason)
 *   placement probe (server idles, sleeping between polls)
 *   per size:  GO (size, iterations) ->  prepares, READY
 *              traffic; END on every queue pair (bandwidth tests)
 *                                 <-     SRESULT (bytes the server received
 *                                        or read, data check errors)
 *              RESULT (client figures) -> kept for the server's table
 *   placement probe again
 *   BYE (probe figures)           ->     BYE_ACK; both destroy the channel
 *
 * Consume mode (write_bw --consume). The client writes message i of queue
 * pair q into slot (i mod S) of q's part of the server's region and, after
 * every M writes, a WRITE_NOTIFY whose immediate names the batch
 * (count << 48 | first message). The server reads (or, with --check,
 * verifies) every byte of the batch and only then releases the
 * notification, which returns its ring credit to the client. Before a new
 * batch the client waits until at most S/M - 1 notifications are unreleased,
 * so it never overwrites a slot the server has not read. The clock stops
 * when every credit is back, i.e. when the server has read everything.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include <rte_marlin_dma.h>
#include <rte_marlin_hrdma.h>
#include <rte_marlin_ntb.h>

#include "perf.h"

extern volatile int perf_force_quit;

#define PERF_CTL_MAGIC 0x4d50464bu       /* "MPFK" */
#define PERF_CTL_VERSION 1
#define PERF_IMM_CTL (0xc7ull << 56)
#define PERF_IMM_LAST (1ull << 62)
#define PERF_IMM_SEQ_MASK ((1ull << 48) - 1)
#define PERF_BURST 32
#define PERF_MAX_SAMPLES 65536
#define PERF_SAMPLE_NS 1000000ull        /* peak bandwidth window */
#define PERF_POLL_NS 1000000ull          /* channel poll period */
#define PERF_IDLE_NS 200000              /* sleep while idle-waiting */
#define PERF_LAT_MAX_SAMPLES (16ull << 20)

enum ctl_type {
	CTL_HELLO = 1,
	CTL_HELLO_ACK,
	CTL_GO,
	CTL_READY,
	CTL_END,
	CTL_SRESULT,
	CTL_RESULT,
	CTL_BYE,
	CTL_BYE_ACK,
	CTL_ERROR,
};

#define CTL_F_CONSUME 0x1
#define CTL_F_CHECK   0x2
#define CTL_F_SWEEP   0x4
#define CTL_F_RECONNECT 0x8

/* A control message; both hosts run the same build, but every field the
 * peer sends is still range-checked before use. */
struct perf_ctl {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	int32_t status;
	uint32_t test;
	uint32_t nb_qp;
	uint32_t tx_depth;
	uint32_t cq_mod;
	uint32_t slots;
	uint32_t notify_every;
	uint32_t flags;
	int32_t core;
	uint32_t pad;
	uint64_t size;
	uint64_t iters;
	uint64_t duration_ns;
	uint64_t last_seq;       /* END: messages posted on that queue pair */
	uint64_t rx_bytes;
	uint64_t check_errors;
	double v[10];            /* RESULT: the row; BYE: probe figures */
	char text[112];          /* ERROR: why */
};

struct qp_run {
	struct rte_marlin_hrdma_qp *qp;
	uint16_t qid;
	uint8_t *mem;            /* allocation */
	uint8_t *buf;            /* local source / destination (mem + offset) */
	uint64_t remote_base;    /* this queue pair's part of the region */
	uint64_t posted;
	uint64_t completed;      /* by completion cookies */
	uint64_t total;          /* UINT64_MAX until a duration runs out */
	uint64_t last_progress;
	bool ended;              /* server: END seen / client: END sent */
	uint64_t end_seq;
	uint64_t rx_bytes;
	uint64_t check_errors;
};

struct perf_ctx;

struct perf_worker {
	struct perf_ctx *ctx;
	unsigned int lcore;
	bool is_main;
	uint16_t qids[PERF_MAX_QP];
	int nq;
	int rc;
	uint64_t t_start;
	uint64_t t_end;
	uint64_t ops;
	uint64_t bytes;
	uint64_t *samples;       /* cumulative bytes at each window edge */
	uint32_t nsamples;
	uint32_t gen;            /* link generation its queue pairs follow */
	bool link_err;           /* main: a data-path call saw the link go */
};

struct perf_ctx {
	const struct perf_opts *o;
	const struct perf_sizes *sz;
	bool server;
	uint16_t ntb_id;
	int pidx;
	int dma_id;              /* -1: copies by the polling core */
	bool dma_started;
	struct rte_marlin_hrdma_channel *ch;
	struct rte_marlin_hrdma_qp *qp[PERF_MAX_QP];
	struct qp_run run[PERF_MAX_QP];
	uint32_t nb_qp;
	uint32_t ring_depth;
	uint32_t msg_size;
	uint32_t tx_depth;
	uint32_t cq_mod;
	uint32_t slots;          /* consume: effective S */
	uint32_t notify_every;   /* consume: effective M (per size) */
	uint64_t max_size;
	uint64_t stride;         /* per-qp stride in the region */
	uint8_t *local_region;
	size_t local_region_len;
	size_t remote_region_len;
	uint64_t hz;
	uint64_t poll_cycles;
	uint64_t timeout_cycles;
	uint64_t last_poll;
	/* link: losses, and flaps ridden out with --reconnect */
	uint64_t up_tsc;         /* the channel first came up */
	uint64_t size_tsc;       /* GO of the current size (0: none yet) */
	uint64_t link_ups;       /* the channel's count at the last poll */
	bool lost;               /* link lost and not (yet) back */
	uint64_t lost_tsc;
	int lost_state;
	uint32_t flaps;
	uint64_t down_cycles;
	volatile int down;       /* --reconnect: workers hold still */
	volatile uint32_t gen;   /* --reconnect: bumped when it is back */
	/* current size */
	uint64_t size;
	uint64_t iters;
	uint64_t duration_cycles;
	uint64_t warmup;
	uint32_t lat_release;    /* latency: release received entries in
				    batches of this many */
	volatile uint64_t go_tsc;   /* workers start when non-zero */
	volatile int stop;
	struct perf_worker workers[PERF_MAX_CORES];
	int nb_workers;
	uint64_t *lat;
	struct perf_header hdr;
	struct perf_result res[PERF_MAX_SIZES];
	int nres;
	char err[160];
};

/* ---- small helpers ------------------------------------------------------ */

static uint32_t
pow2_ceil32(uint64_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

uint32_t
perf_ring_depth(const struct perf_opts *o)
{
	if (o->ring_depth != 0)
		return o->ring_depth;
	return RTE_MIN(4096u, RTE_MAX(256u, pow2_ceil32(o->tx_depth)));
}

uint32_t
perf_msg_size(const struct perf_opts *o, const struct perf_sizes *sz)
{
	uint64_t m = 0;
	int i;

	if (o->msg_size != 0)
		return o->msg_size;
	if (o->test != PERF_SEND_BW && o->test != PERF_SEND_LAT)
		return 2048;
	for (i = 0; i < sz->n; i++)
		if (sz->size[i] <= 65536)
			m = RTE_MAX(m, sz->size[i]);
	return RTE_MAX(2048u, pow2_ceil32(m));
}

static uint64_t
max_size(const struct perf_sizes *sz)
{
	uint64_t m = 0;
	int i;

	for (i = 0; i < sz->n; i++)
		m = RTE_MAX(m, sz->size[i]);
	return m;
}

static uint32_t
notify_every(const struct perf_opts *o, uint64_t size)
{
	if (o->notify_every != 0)
		return o->notify_every;
	return size >= 65536 ? 1 : (uint32_t)(65536 / size);
}

static uint32_t
slots_for(const struct perf_opts *o, uint64_t size)
{
	uint32_t m = notify_every(o, size);
	uint32_t s = RTE_MAX(o->slots, 2 * m);

	return RTE_ALIGN_MUL_CEIL(s, m);
}

/* Bytes of the peer's region the test needs. */
uint64_t
perf_region_needed(const struct perf_opts *o, const struct perf_sizes *sz)
{
	uint64_t per_qp = 0;
	int i;

	for (i = 0; i < sz->n; i++) {
		uint64_t s = RTE_ALIGN_CEIL(sz->size[i], 64);
		uint64_t need = o->consume ? s * slots_for(o, sz->size[i]) : s;

		per_qp = RTE_MAX(per_qp, RTE_ALIGN_CEIL(need, 4096));
	}
	return per_qp * o->nb_qp;
}

static uint64_t
ns_to_cycles(const struct perf_ctx *c, uint64_t ns)
{
	return (uint64_t)((double)ns * (double)c->hz / 1e9);
}

static double
cycles_to_ns(const struct perf_ctx *c, uint64_t cyc)
{
	return (double)cyc * 1e9 / (double)c->hz;
}

static void
idle_sleep_short(void)
{
	struct timespec ts = { 0, PERF_IDLE_NS / 4 };

	nanosleep(&ts, NULL);
}

static void
idle_sleep(void)
{
	struct timespec ts = { 0, PERF_IDLE_NS };

	nanosleep(&ts, NULL);
}

static void __rte_format_printf(2, 3)
set_err(struct perf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* What a channel state means to the user. */
static const char *
state_words(int st)
{
	switch (st) {
	case RTE_MARLIN_HRDMA_STATE_DOWN:
		return "link down: cable cut, or the peer is gone";
	case RTE_MARLIN_HRDMA_STATE_NEGOTIATING:
		return "the peer restarted or the link flapped";
	case RTE_MARLIN_HRDMA_STATE_ERROR:
		return "the peer was refused or wrote garbage, see the log";
	default:
		return "the channel failed";
	}
}

/* Remember the first link loss (control thread only). */
static void
note_lost(struct perf_ctx *c, int st, uint64_t now)
{
	if (c->lost)
		return;
	c->lost = true;
	c->lost_tsc = now;
	c->lost_state = st;
}

/*
 * Drive the channel; only the main lcore does this. A loss is also a
 * bring-up we did not see go down: the count of bring-ups moved.
 */
static int
poll_channel(struct perf_ctx *c, uint64_t now)
{
	struct rte_marlin_hrdma_info info;
	int st;

	c->last_poll = now;
	st = rte_marlin_hrdma_channel_poll(c->ch);
	if (st != RTE_MARLIN_HRDMA_STATE_UP) {
		note_lost(c, st, now);
		return -ENOLINK;
	}
	if (rte_marlin_hrdma_channel_info(c->ch, &info) == 0 &&
			info.link_ups != c->link_ups) {
		c->link_ups = info.link_ups;
		note_lost(c, RTE_MARLIN_HRDMA_STATE_NEGOTIATING, now);
		return -ENOLINK;
	}
	return 0;
}

static int
maybe_poll_channel(struct perf_ctx *c, uint64_t now)
{
	if (c->lost)
		return -ENOLINK;
	if (now - c->last_poll < c->poll_cycles)
		return 0;
	return poll_channel(c, now);
}

/*
 * --reconnect: the link was lost; wait (at most --timeout) until the
 * channel is up again. Control thread only. 0: back; -ENOLINK: not back.
 */
static int
reconnect(struct perf_ctx *c)
{
	uint64_t t0 = rte_rdtsc(), now;
	struct rte_marlin_hrdma_info info;

	if (!c->o->reconnect)
		return -ENOLINK;
	for (;;) {
		now = rte_rdtsc();
		if (rte_marlin_hrdma_channel_poll(c->ch) ==
				RTE_MARLIN_HRDMA_STATE_UP)
			break;
		if (now - t0 > c->timeout_cycles || perf_force_quit) {
			set_err(c, "not back within %u s", c->o->timeout_s);
			return -ENOLINK;
		}
		idle_sleep();
	}
	if (rte_marlin_hrdma_channel_info(c->ch, &info) == 0)
		c->link_ups = info.link_ups;
	c->flaps++;
	c->down_cycles += now - c->lost_tsc;
	if (c->o->verbose)
		fprintf(stderr, "marlin-perf: link back after %.3f s (flap %u)\n",
			cycles_to_ns(c, now - c->lost_tsc) / 1e9, c->flaps);
	c->lost = false;
	c->last_poll = now;
	return 0;
}

/*
 * The link looks lost (a poll said so, or a data-path call failed with
 * -ENOLINK): 0 when it is up (again, with --reconnect), else -ENOLINK.
 * Control thread only.
 */
static int
link_recover(struct perf_ctx *c)
{
	if (!c->lost && poll_channel(c, rte_rdtsc()) == 0)
		return 0;
	return reconnect(c);
}

static bool
is_link_error(int rc)
{
	return rc == -ENOLINK || rc == -EPROTO;
}

/* ---- data patterns ------------------------------------------------------ */

static inline uint64_t
pat_base(uint32_t q, uint64_t seq)
{
	uint64_t x = (seq + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)q << 56);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

#define PAT_STEP 0xd6e8feb86659fd93ull

static void
pat_fill(uint8_t *p, uint64_t len, uint32_t q, uint64_t seq)
{
	uint64_t w = pat_base(q, seq), i, words = len / 8;

	for (i = 0; i < words; i++, w += PAT_STEP)
		memcpy(p + 8 * i, &w, 8);
	for (i = words * 8; i < len; i++)
		p[i] = (uint8_t)(w >> (8 * (i & 7)));
}

/* Number of 8-byte words (or tail bytes) that differ from the pattern. */
static uint64_t
pat_check(const volatile uint8_t *p, uint64_t len, uint32_t q, uint64_t seq)
{
	uint64_t w = pat_base(q, seq), i, words = len / 8, bad = 0, v;

	for (i = 0; i < words; i++, w += PAT_STEP) {
		memcpy(&v, (const uint8_t *)(uintptr_t)p + 8 * i, 8);
		bad += v != w;
	}
	for (i = words * 8; i < len; i++)
		bad += p[i] != (uint8_t)(w >> (8 * (i & 7)));
	return bad;
}

static volatile uint64_t perf_sink;

/* Read every byte (consume mode without --check). */
static void
consume(const uint8_t *p, uint64_t len)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i, v[4];
	uint64_t words = len / 32;

	for (i = 0; i < words; i++) {
		memcpy(v, p + 32 * i, 32);
		a0 ^= v[0];
		a1 ^= v[1];
		a2 ^= v[2];
		a3 ^= v[3];
	}
	for (i = words * 32; i < len; i++)
		a0 += p[i];
	perf_sink ^= a0 ^ a1 ^ a2 ^ a3;
}

/* ---- control messages --------------------------------------------------- */

static void
ctl_init(struct perf_ctl *m, enum ctl_type t)
{
	memset(m, 0, sizeof(*m));
	m->magic = PERF_CTL_MAGIC;
	m->version = PERF_CTL_VERSION;
	m->type = (uint16_t)t;
}

static int
ctl_send_qp(struct perf_ctx *c, uint16_t qid, struct perf_ctl *m)
{
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_SEND,
		.len = sizeof(*m),
		.local = m,
		.imm = PERF_IMM_CTL,
	};
	uint64_t start = rte_rdtsc();
	int rc;

	for (;;) {
		uint64_t now = rte_rdtsc();

		rc = rte_marlin_hrdma_post(c->qp[qid], &op, 1);
		if (rc == 1)
			return 0;
		if (is_link_error(rc) || maybe_poll_channel(c, now) != 0) {
			if (link_recover(c) != 0)
				return -ENOLINK;
			start = rte_rdtsc();
			continue;
		}
		if (rc != -ENOSPC) {
			set_err(c, "control message not sent (%lld)", (long long)rc);
			return rc;
		}
		if (now - start > c->timeout_cycles || perf_force_quit) {
			set_err(c, "peer does not take control messages");
			return -ETIMEDOUT;
		}
		rte_pause();
	}
}

static int
ctl_send(struct perf_ctx *c, struct perf_ctl *m)
{
	return ctl_send_qp(c, 0, m);
}

/* Is this received entry a control message? Copies it out if so. */
static bool
ctl_parse(const struct rte_marlin_hrdma_cqe *e, struct perf_ctl *m)
{
	if (e->opcode != RTE_MARLIN_HRDMA_OP_RECV || e->imm != PERF_IMM_CTL ||
			e->len != sizeof(*m))
		return false;
	memcpy(m, e->data, sizeof(*m));
	return m->magic == PERF_CTL_MAGIC && m->version == PERF_CTL_VERSION;
}

/*
 * Wait for control message @want on qp 0. @idle: sleep between polls, so
 * the core stays free (for the other host's placement probe).
 */
static int
ctl_recv(struct perf_ctx *c, enum ctl_type want, struct perf_ctl *m, bool idle)
{
	struct rte_marlin_hrdma_cqe e;
	uint64_t start = rte_rdtsc();
	int n;

	for (;;) {
		uint64_t now = rte_rdtsc();

		n = rte_marlin_hrdma_recv(c->qp[0], &e, 1);
		if (n == 1) {
			bool ok = ctl_parse(&e, m);

			rte_marlin_hrdma_recv_release(c->qp[0], 1);
			if (!ok) {
				set_err(c, "unexpected message from the peer "
					"(imm %" PRIx64 ")", e.imm);
				return -EPROTO;
			}
			if (m->type == CTL_ERROR) {
				m->text[sizeof(m->text) - 1] = '\0';
				set_err(c, "peer: %s", m->text);
				return -ECANCELED;
			}
			if (m->type != want) {
				set_err(c, "unexpected control message %lld", (long long)m->type);
				return -EPROTO;
			}
			return 0;
		}
		if ((n < 0 && is_link_error(n)) ||
				maybe_poll_channel(c, now) != 0) {
			if (link_recover(c) != 0)
				return -ENOLINK;
			continue;
		}
		if (n < 0) {
			set_err(c, "receive failed (%lld)", (long long)n);
			return n;
		}
		if (now - start > c->timeout_cycles) {
			set_err(c, "no answer from the peer (control "
				"message %d)", (int)want);
			return -ETIMEDOUT;
		}
		if (perf_force_quit) {
			set_err(c, "interrupted");
			return -EINTR;
		}
		if (idle)
			idle_sleep();
		else
			rte_pause();
	}
}

static void
ctl_error(struct perf_ctx *c, const char *text)
{
	struct perf_ctl m;

	ctl_init(&m, CTL_ERROR);
	snprintf(m.text, sizeof(m.text), "%s", text);
	ctl_send(c, &m);
}

/* ---- link losses in the worker loops ------------------------------------ */

/*
 * Follow the link from a worker loop. The main lcore drives the channel;
 * with --reconnect it holds the other workers (c->down) while it waits for
 * the link and bumps c->gen when it is back. 0: go on; -ENOLINK: stop.
 */
static int
worker_link(struct perf_worker *w, uint64_t now)
{
	struct perf_ctx *c = w->ctx;
	int rc;

	if (!w->is_main)
		return 0;
	if (!w->link_err && maybe_poll_channel(c, now) == 0)
		return 0;
	w->link_err = false;
	c->down = 1;
	rc = link_recover(c);
	if (rc == 0)
		c->gen++;
	c->down = 0;
	return rc;
}

/*
 * A data-path call or a completion said the link is gone (-ENOLINK,
 * -EPROTO). With --reconnect the loop waits for the main lcore to bring it
 * back; without, it stops. Returns true when the loop must stop.
 */
static bool
worker_link_error(struct perf_worker *w, int rc)
{
	struct perf_ctx *c = w->ctx;

	if (c->o->reconnect) {
		w->link_err = w->is_main;
		return false;
	}
	w->rc = rc;
	c->stop = 1;
	return true;
}

/* ---- client bandwidth loop ---------------------------------------------- */

static inline void
sample(struct perf_worker *w, uint64_t now, uint64_t bytes, uint64_t window)
{
	uint64_t k = (now - w->t_start) / window;

	/* operations lost with a link flap are taken back: stay monotonic */
	if (w->nsamples > 0 && bytes < w->samples[w->nsamples - 1])
		bytes = w->samples[w->nsamples - 1];
	while (w->nsamples <= k && w->nsamples < PERF_MAX_SAMPLES)
		w->samples[w->nsamples++] = bytes;
}

/* Build up to @room operations for queue pair @r. */
static uint16_t
build_ops(struct perf_ctx *c, struct qp_run *r, struct rte_marlin_hrdma_op *ops,
		uint64_t room)
{
	const struct perf_opts *o = c->o;
	uint16_t k = 0;
	uint64_t size = c->size;

	while (k < room && k < PERF_BURST && r->posted + k < r->total) {
		uint64_t seq = r->posted + k;
		struct rte_marlin_hrdma_op *op = &ops[k];

		memset(op, 0, sizeof(*op));
		op->len = (uint32_t)size;
		op->local = r->buf;
		op->cookie = seq;
		if ((seq + 1) % c->cq_mod == 0 || seq + 1 == r->total)
			op->flags = RTE_MARLIN_HRDMA_F_SIGNALED;
		switch (o->test) {
		case PERF_WRITE_BW:
			op->opcode = RTE_MARLIN_HRDMA_OP_WRITE;
			op->remote_off = r->remote_base;
			if (o->consume) {
				uint32_t m = c->notify_every;

				op->remote_off += (seq % c->slots) * size;
				if ((seq + 1) % m == 0 || seq + 1 == r->total) {
					uint64_t first = seq - seq % m;

					op->opcode =
						RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY;
					op->imm = ((seq - first + 1) << 48) |
						first;
					k++;
					return k; /* a batch ends here */
				}
			}
			break;
		case PERF_READ_BW:
			op->opcode = RTE_MARLIN_HRDMA_OP_READ;
			op->remote_off = r->remote_base;
			break;
		default: /* SEND_BW */
			op->opcode = RTE_MARLIN_HRDMA_OP_SEND;
			op->imm = seq & PERF_IMM_SEQ_MASK;
			break;
		}
		k++;
		if (o->check)
			break;
	}
	return k;
}

/* Ops that use ring descriptors must see their credits back to count. */
static bool
uses_credits(const struct perf_opts *o)
{
	return o->test == PERF_SEND_BW || (o->test == PERF_WRITE_BW &&
					   o->consume);
}

/*
 * How many operations may be posted on @r now.
 */
static uint64_t
room_for(struct perf_ctx *c, struct qp_run *r)
{
	const struct perf_opts *o = c->o;
	uint64_t room;

	if (r->posted >= r->total)
		return 0;
	if (o->check && r->completed < r->posted)
		return 0;
	room = c->tx_depth - (r->posted - r->completed);
	if ((int64_t)room <= 0)
		return 0;
	if (uses_credits(o)) {
		int cap = rte_marlin_hrdma_send_capacity(r->qp);
		uint32_t unreleased = c->ring_depth - (uint32_t)RTE_MAX(cap, 0);

		if (o->test == PERF_SEND_BW) {
			if (unreleased >= c->tx_depth)
				return 0;
			room = RTE_MIN(room, (uint64_t)(c->tx_depth -
						       unreleased));
		} else if (r->posted % c->notify_every == 0 &&
				unreleased >= c->slots / c->notify_every - 1) {
			/* consume: the next batch's slots are still unread */
			return 0;
		}
	}
	return room;
}

/*
 * --reconnect: the link came back. What was outstanding is lost (it
 * completes with -ENOLINK); go on from the last completed operation, at a
 * batch boundary in consume mode so that every notification covers slots
 * written in this bring-up.
 */
static void
client_resync(struct perf_worker *w, uint64_t now)
{
	struct perf_ctx *c = w->ctx;
	struct rte_marlin_hrdma_cqe cqe[PERF_BURST];
	uint64_t unit = c->o->consume ? c->notify_every : 1;
	int i, j, n;

	w->gen = c->gen;
	for (i = 0; i < w->nq; i++) {
		struct qp_run *r = &c->run[w->qids[i]];

		while ((n = rte_marlin_hrdma_poll_cq(r->qp, cqe,
				PERF_BURST)) > 0)
			for (j = 0; j < n; j++)
				if (cqe[j].status == 0)
					r->completed = cqe[j].cookie + 1;
		r->completed -= r->completed % unit;
		r->posted = r->completed;
		r->last_progress = now;
	}
}

/* Hold still while the main lcore waits for the link (--reconnect). */
static void
worker_hold(struct perf_worker *w, uint64_t now)
{
	struct perf_ctx *c = w->ctx;
	int i;

	for (i = 0; i < w->nq; i++)
		c->run[w->qids[i]].last_progress = now;
	rte_pause();
}

static int
client_bw_worker(void *arg)
{
	struct perf_worker *w = arg;
	struct perf_ctx *c = w->ctx;
	const struct perf_opts *o = c->o;
	struct rte_marlin_hrdma_op ops[PERF_BURST];
	struct rte_marlin_hrdma_cqe cqe[PERF_BURST];
	uint64_t window = ns_to_cycles(c, PERF_SAMPLE_NS);
	uint64_t deadline = 0, now, bytes_done = 0;
	int i, n, left;

	while (c->go_tsc == 0 && !c->stop)
		rte_pause();
	w->t_start = rte_rdtsc();
	w->gen = c->gen;
	if (c->duration_cycles != 0)
		deadline = w->t_start + c->duration_cycles;
	w->nsamples = 0;
	for (i = 0; i < w->nq; i++)
		c->run[w->qids[i]].last_progress = w->t_start;

	left = w->nq;
	while (left > 0) {
		now = rte_rdtsc();
		if (c->stop || perf_force_quit) {
			w->rc = -EINTR;
			break;
		}
		if (worker_link(w, now) != 0) {
			w->rc = -ENOLINK;
			c->stop = 1;
			break;
		}
		if (c->down) {
			worker_hold(w, now);
			continue;
		}
		if (w->gen != c->gen)
			client_resync(w, now);
		left = 0;
		for (i = 0; i < w->nq; i++) {
			struct qp_run *r = &c->run[w->qids[i]];
			uint64_t room;
			bool done;
			int j;

			if (deadline != 0 && now >= deadline &&
					r->total == UINT64_MAX) {
				/* Stop at an operation that completes a
				 * batch and carries a completion. */
				uint64_t unit = o->consume ? c->notify_every :
					o->test == PERF_SEND_BW ? 1 :
					c->cq_mod;

				r->total = RTE_MAX(RTE_ALIGN_MUL_CEIL(r->posted,
							unit), unit);
			}
			room = room_for(c, r);
			if (room > 0) {
				uint16_t k = build_ops(c, r, ops, room);

				if (o->check && (o->test == PERF_WRITE_BW ||
						 o->test == PERF_SEND_BW))
					pat_fill(r->buf, c->size, r->qid,
						 r->posted);
				n = rte_marlin_hrdma_post(r->qp, ops, k);
				if (n > 0) {
					r->posted += (uint64_t)n;
					r->last_progress = now;
				} else if (is_link_error(n)) {
					if (worker_link_error(w, n))
						break;
					r->last_progress = now;
				} else if (n != -ENOSPC) {
					set_err(c, "post failed (%lld)", (long long)n);
					w->rc = n;
					c->stop = 1;
					break;
				}
			}
			n = rte_marlin_hrdma_poll_cq(r->qp, cqe, PERF_BURST);
			for (j = 0; j < n; j++) {
				if (is_link_error(cqe[j].status)) {
					if (worker_link_error(w, cqe[j].status))
						break;
					continue;
				}
				if (cqe[j].status != 0) {
					set_err(c, "operation failed (%lld)", (long long)cqe[j].status);
					w->rc = cqe[j].status;
					c->stop = 1;
					break;
				}
				r->completed = cqe[j].cookie + 1;
				if (o->test == PERF_READ_BW && o->check)
					r->check_errors += pat_check(r->buf,
						c->size, r->qid, 0);
			}
			if (w->rc != 0)
				break;
			if (n > 0)
				r->last_progress = now;
			/* Done when all ops completed; for descriptor ops,
			 * when the peer also released (consumed) them all. */
			if (uses_credits(o))
				done = r->posted >= r->total &&
					rte_marlin_hrdma_send_capacity(r->qp) ==
					(int)c->ring_depth;
			else
				done = r->posted >= r->total &&
					r->completed >= r->total;
			if (!done) {
				left++;
				if (now - r->last_progress > c->timeout_cycles) {
					set_err(c, "peer stalled (queue pair "
						"%u)", r->qid);
					w->rc = -ETIMEDOUT;
					c->stop = 1;
				}
			}
		}
		if (w->rc != 0)
			break;
		bytes_done = 0;
		for (i = 0; i < w->nq; i++)
			bytes_done += c->run[w->qids[i]].posted * c->size;
		if (w->samples != NULL)
			sample(w, now, bytes_done, window);
	}
	w->t_end = rte_rdtsc();
	w->ops = 0;
	for (i = 0; i < w->nq; i++) {
		struct qp_run *r = &c->run[w->qids[i]];
		int j;

		/* Completions not collected yet must not leak into the
		 * next run; after a failure they still count. */
		while ((n = rte_marlin_hrdma_poll_cq(r->qp, cqe,
				PERF_BURST)) > 0)
			for (j = 0; j < n; j++)
				if (w->rc != 0 && cqe[j].status == 0)
					r->completed = cqe[j].cookie + 1;
		if (w->rc == 0)
			r->completed = r->posted;
		w->ops += r->completed;
	}
	w->bytes = w->ops * c->size;
	if (w->samples != NULL)
		sample(w, w->t_end, w->bytes, window);
	return 0;
}

/* ---- server loop (bandwidth tests) -------------------------------------- */

static int
server_bw_worker(void *arg)
{
	struct perf_worker *w = arg;
	struct perf_ctx *c = w->ctx;
	const struct perf_opts *o = c->o;
	struct rte_marlin_hrdma_cqe e[PERF_BURST];
	struct perf_ctl m;
	bool passive = o->test == PERF_READ_BW ||
		(o->test == PERF_WRITE_BW && !o->consume);
	int i, j, n, left, got;

	while (c->go_tsc == 0 && !c->stop)
		rte_pause();
	w->t_start = rte_rdtsc();
	for (i = 0; i < w->nq; i++)
		c->run[w->qids[i]].last_progress = w->t_start;
	left = w->nq;
	while (left > 0) {
		uint64_t now = rte_rdtsc();

		if (c->stop || perf_force_quit) {
			w->rc = -EINTR;
			break;
		}
		if (worker_link(w, now) != 0) {
			w->rc = -ENOLINK;
			c->stop = 1;
			break;
		}
		if (c->down) {
			worker_hold(w, now);
			continue;
		}
		left = 0;
		got = 0;
		for (i = 0; i < w->nq; i++) {
			struct qp_run *r = &c->run[w->qids[i]];

			if (r->ended)
				continue;
			left++;
			n = rte_marlin_hrdma_recv(r->qp, e, PERF_BURST);
			if (is_link_error(n)) {
				if (worker_link_error(w, n))
					break;
				r->last_progress = now;
				continue;
			}
			if (n < 0) {
				set_err(c, "receive failed (%lld)", (long long)n);
				w->rc = n;
				c->stop = 1;
				break;
			}
			if (n == 0) {
				if (now - r->last_progress > c->timeout_cycles) {
					set_err(c, "client went silent "
						"(queue pair %u)", r->qid);
					w->rc = -ETIMEDOUT;
					c->stop = 1;
				}
				continue;
			}
			r->last_progress = now;
			got += n;
			for (j = 0; j < n; j++) {
				const struct rte_marlin_hrdma_cqe *x = &e[j];

				if (x->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY) {
					uint64_t first = x->imm &
						PERF_IMM_SEQ_MASK;
					uint64_t cnt = x->imm >> 48, k;

					if (cnt == 0 || cnt > c->notify_every) {
						r->check_errors++;
						continue;
					}
					for (k = 0; k < cnt; k++) {
						uint64_t off = r->remote_base +
							((first + k) %
							 c->slots) * c->size;
						const uint8_t *p =
							c->local_region + off;

						if (off + c->size >
						    c->local_region_len) {
							r->check_errors++;
							continue;
						}
						if (o->check)
							r->check_errors +=
								pat_check(p,
								c->size, r->qid,
								first + k);
						else
							consume(p, c->size);
						r->rx_bytes += c->size;
					}
				} else if (ctl_parse(x, &m) &&
						m.type == CTL_END) {
					r->ended = true;
					r->end_seq = m.last_seq;
				} else if (x->opcode ==
						RTE_MARLIN_HRDMA_OP_RECV) {
					if (o->check)
						r->check_errors += pat_check(
							x->data, x->len,
							r->qid, x->imm &
							PERF_IMM_SEQ_MASK) +
							(x->len != c->size);
					else if (o->consume)
						consume(x->data, x->len);
					r->rx_bytes += x->len;
				}
			}
			rte_marlin_hrdma_recv_release(r->qp, (uint16_t)n);
			if (r->ended && o->test == PERF_WRITE_BW &&
					!o->consume && o->check &&
					r->end_seq > 0)
				r->check_errors += pat_check(c->local_region +
					r->remote_base, c->size, r->qid,
					r->end_seq - 1);
		}
		if (w->rc != 0)
			break;
		/*
		 * Nothing arrived. In one-sided tests the server has nothing
		 * to do until END: it sleeps between looks, leaving its core
		 * (perhaps an SMT sibling of the client's) alone; otherwise a
		 * pause lends the sibling the core's resources for a moment.
		 */
		if (got == 0 && passive)
			idle_sleep_short();
		else if (got == 0)
			rte_pause();
	}
	w->t_end = rte_rdtsc();
	return 0;
}

/* ---- latency loops ------------------------------------------------------ */

static int
lat_post(struct perf_ctx *c, struct rte_marlin_hrdma_op *op)
{
	int n;

	do {
		n = rte_marlin_hrdma_post(c->qp[0], op, 1);
	} while (n == -ENOSPC && !perf_force_quit);
	return n == 1 ? 0 : n;
}

/* Wait for one data entry on qp 0; bounded by the timeout. */
static int
lat_wait(struct perf_ctx *c, struct rte_marlin_hrdma_cqe *e)
{
	uint64_t start = 0;
	unsigned int spins = 0;
	int n;

	for (;;) {
		n = rte_marlin_hrdma_recv(c->qp[0], e, 1);
		if (n == 1)
			return 0;
		if (n < 0) {
			if (is_link_error(n))
				return -ENOLINK;
			set_err(c, "receive failed (%lld)", (long long)n);
			return n;
		}
		if ((++spins & 0xfff) == 0) {
			uint64_t now = rte_rdtsc();

			if (start == 0)
				start = now;
			if (maybe_poll_channel(c, now) != 0)
				return -ENOLINK;
			if (now - start > c->timeout_cycles) {
				set_err(c, "peer went silent");
				return -ETIMEDOUT;
			}
			if (perf_force_quit)
				return -EINTR;
		}
	}
}

static void
lat_op(struct perf_ctx *c, struct rte_marlin_hrdma_op *op, uint8_t *buf)
{
	memset(op, 0, sizeof(*op));
	op->opcode = c->o->test == PERF_WRITE_LAT ?
		RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY : RTE_MARLIN_HRDMA_OP_SEND;
	op->len = (uint32_t)c->size;
	op->local = buf;
	op->remote_off = 0;
}

static uint64_t
lat_check_entry(struct perf_ctx *c, const struct rte_marlin_hrdma_cqe *e,
		uint32_t q, uint64_t seq)
{
	uint8_t want = c->o->test == PERF_WRITE_LAT ?
		RTE_MARLIN_HRDMA_OP_RECV_NOTIFY : RTE_MARLIN_HRDMA_OP_RECV;
	uint64_t bad = 0;

	if (e->opcode != want || (e->imm & PERF_IMM_SEQ_MASK) !=
			(seq & PERF_IMM_SEQ_MASK) || e->len != c->size)
		return 1;
	if (c->o->check)
		bad = pat_check(e->data, e->len, q, seq);
	return bad;
}

static int
client_lat(struct perf_ctx *c, struct perf_result *res)
{
	struct rte_marlin_hrdma_op op;
	struct rte_marlin_hrdma_cqe e, cq[PERF_BURST];
	uint8_t *buf = c->run[0].buf;
	uint64_t i, n_rec = 0, cap, total, t0, t1, deadline = 0;
	uint32_t held = 0;
	int rc = 0;

	cap = c->duration_cycles != 0 ? PERF_LAT_MAX_SAMPLES : c->iters;
	free(c->lat);
	c->lat = malloc(cap * sizeof(uint64_t));
	if (c->lat == NULL) {
		set_err(c, "out of memory for %lld samples", (long long)cap);
		return -ENOMEM;
	}
	total = c->warmup + c->iters;
	lat_op(c, &op, buf);
	if (!c->o->check)
		pat_fill(buf, c->size, 0, 0);
	t0 = rte_rdtsc();
	if (c->duration_cycles != 0)
		deadline = t0 + c->duration_cycles;
	for (i = 0; ; i++) {
		bool last;

		if (deadline != 0)
			last = i >= c->warmup &&
				(rte_rdtsc() >= deadline || n_rec + 1 >= cap);
		else
			last = i + 1 >= total;
		if (c->o->check)
			pat_fill(buf, c->size, 0, i);
		op.imm = (i & PERF_IMM_SEQ_MASK) | (last ? PERF_IMM_LAST : 0);
		op.flags = (i + 1) % c->cq_mod == 0 ?
			RTE_MARLIN_HRDMA_F_SIGNALED : 0;
		t0 = rte_rdtsc();
		rc = lat_post(c, &op);
		if (rc == 0)
			rc = lat_wait(c, &e);
		t1 = rte_rdtsc();
		if (is_link_error(rc)) {
			/* --reconnect: the ring was reset, do it again */
			rc = link_recover(c);
			if (rc == 0) {
				held = 0;
				i--;
				continue;
			}
		}
		if (rc != 0) {
			set_err(c, "round trip %llu failed (%d)",
				(unsigned long long)i, rc);
			break;
		}
		res->check_errors += lat_check_entry(c, &e, 1, i);
		/* Credits go back in batches: a credit store per message
		 * would put one more cache-line transfer on the path. */
		if (++held >= c->lat_release) {
			rte_marlin_hrdma_recv_release(c->qp[0], (uint16_t)held);
			held = 0;
		}
		if (op.flags != 0)
			rte_marlin_hrdma_poll_cq(c->qp[0], cq, PERF_BURST);
		if (i >= c->warmup)
			c->lat[n_rec++] = (uint64_t)cycles_to_ns(c, t1 - t0);
		if (last)
			break;
	}
	rte_marlin_hrdma_poll_cq(c->qp[0], cq, PERF_BURST);
	if (held > 0 && rc == 0)
		rte_marlin_hrdma_recv_release(c->qp[0], (uint16_t)held);
	if (rc != 0) {
		/* what was measured before the link went */
		if (rc == -ENOLINK && n_rec > 0) {
			res->partial = true;
			res->iters = n_rec;
			perf_stats_lat(c->lat, n_rec, res);
		}
		return rc;
	}
	res->iters = n_rec;
	return perf_stats_lat(c->lat, n_rec, res);
}

static int
server_lat(struct perf_ctx *c, struct perf_result *res)
{
	struct rte_marlin_hrdma_op op;
	struct rte_marlin_hrdma_cqe e, cq[PERF_BURST];
	uint8_t *buf = c->run[0].buf;
	uint32_t held = 0;
	uint64_t i;
	int rc;

	lat_op(c, &op, buf);
	if (!c->o->check)
		pat_fill(buf, c->size, 1, 0);
	for (i = 0; ; i++) {
		bool last;

		rc = lat_wait(c, &e);
		if (is_link_error(rc) && link_recover(c) == 0) {
			held = 0;       /* the ring was reset */
			i--;
			continue;
		}
		if (rc != 0) {
			if (held > 0 && rc != -ENOLINK)
				rte_marlin_hrdma_recv_release(c->qp[0],
						(uint16_t)held);
			return rc;
		}
		/* after a flap the client repeats its last message */
		res->check_errors += lat_check_entry(c, &e, 0,
				c->o->reconnect ? e.imm & PERF_IMM_SEQ_MASK : i);
		last = (e.imm & PERF_IMM_LAST) != 0;
		if (c->o->check)
			pat_fill(buf, c->size, 1, i);
		op.imm = e.imm;
		op.flags = (i + 1) % c->cq_mod == 0 ?
			RTE_MARLIN_HRDMA_F_SIGNALED : 0;
		rc = lat_post(c, &op);
		if (is_link_error(rc) && link_recover(c) == 0) {
			held = 0;
			i--;
			continue;
		}
		if (++held >= c->lat_release || last) {
			rte_marlin_hrdma_recv_release(c->qp[0], (uint16_t)held);
			held = 0;
		}
		if (rc != 0) {
			set_err(c, "post failed (%lld)", (long long)rc);
			return rc;
		}
		if (op.flags != 0)
			rte_marlin_hrdma_poll_cq(c->qp[0], cq, PERF_BURST);
		res->rx_bytes += e.len;
		if (last)
			break;
	}
	rte_marlin_hrdma_poll_cq(c->qp[0], cq, PERF_BURST);
	res->iters = i + 1;
	return 0;
}

/* ---- running workers on lcores ------------------------------------------ */

static void
assign_workers(struct perf_ctx *c)
{
	unsigned int lcore;
	int nw = 0, q;

	memset(c->workers, 0, sizeof(c->workers));
	c->workers[nw].lcore = rte_lcore_id();
	c->workers[nw].is_main = true;
	nw++;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (nw >= PERF_MAX_CORES || nw >= (int)c->nb_qp)
			break;
		c->workers[nw].lcore = lcore;
		nw++;
	}
	for (q = 0; q < (int)c->nb_qp; q++) {
		struct perf_worker *w = &c->workers[q % nw];

		w->qids[w->nq++] = (uint16_t)q;
	}
	for (q = 0; q < nw; q++)
		c->workers[q].ctx = c;
	c->nb_workers = nw;
}

static int
run_workers(struct perf_ctx *c, lcore_function_t *fn)
{
	int i, rc = 0;

	c->stop = 0;
	c->go_tsc = 0;
	for (i = 1; i < c->nb_workers; i++) {
		c->workers[i].rc = 0;
		rte_eal_remote_launch(fn, &c->workers[i], c->workers[i].lcore);
	}
	c->workers[0].rc = 0;
	c->go_tsc = rte_rdtsc();
	fn(&c->workers[0]);
	for (i = 1; i < c->nb_workers; i++)
		rte_eal_wait_lcore(c->workers[i].lcore);
	for (i = 0; i < c->nb_workers; i++)
		if (c->workers[i].rc != 0 && rc == 0)
			rc = c->workers[i].rc;
	return rc;
}

static void
bw_result(struct perf_ctx *c, struct perf_result *res)
{
	uint64_t t0 = UINT64_MAX, t1 = 0, ops = 0, bytes = 0;
	uint64_t window = ns_to_cycles(c, PERF_SAMPLE_NS);
	uint32_t k, nmin = UINT32_MAX;
	double peak = 0;
	int i;

	for (i = 0; i < c->nb_workers; i++) {
		struct perf_worker *w = &c->workers[i];

		t0 = RTE_MIN(t0, w->t_start);
		t1 = RTE_MAX(t1, w->t_end);
		ops += w->ops;
		bytes += w->bytes;
		nmin = RTE_MIN(nmin, w->nsamples);
	}
	res->iters = ops;
	res->seconds = t1 > t0 ? cycles_to_ns(c, t1 - t0) / 1e9 : 0;
	res->bw_avg = res->seconds > 0 ? (double)bytes / res->seconds / 1e9 : 0;
	res->mpps = res->seconds > 0 ? (double)ops / res->seconds / 1e6 : 0;
	/*
	 * Peak, as perftest does it, from when operations were posted: the
	 * best window of the 1 ms grid, widened so that a window holds at
	 * least 8 operations on average. Short runs have no full window.
	 */
	if (nmin != UINT32_MAX && res->bw_avg > 0) {
		double op_ms = (double)c->size / (res->bw_avg * 1e9) * 1e3;
		uint32_t span = (uint32_t)ceil(8.0 * op_ms *
				1e6 / PERF_SAMPLE_NS);

		span = RTE_MAX(span, 1u);
		for (k = span; k + 1 < nmin; k++) {
			uint64_t b = 0;

			for (i = 0; i < c->nb_workers; i++)
				b += c->workers[i].samples[k] -
					c->workers[i].samples[k - span];
			peak = RTE_MAX(peak, (double)b / (span *
				cycles_to_ns(c, window) / 1e9) / 1e9);
		}
	}
	res->bw_peak = RTE_MAX(peak, res->bw_avg);
}

/* ---- one size ----------------------------------------------------------- */

static void
prepare_size(struct perf_ctx *c, uint64_t size)
{
	uint32_t q;

	c->size = size;
	c->notify_every = notify_every(c->o, size);
	c->slots = slots_for(c->o, size);
	for (q = 0; q < c->nb_qp; q++) {
		struct qp_run *r = &c->run[q];

		r->posted = 0;
		r->completed = 0;
		r->total = UINT64_MAX;
		r->ended = false;
		r->end_seq = 0;
		r->rx_bytes = 0;
		r->check_errors = 0;
		r->remote_base = (uint64_t)q * c->stride;
	}
}

static uint64_t
warmup_for(const struct perf_ctx *c, uint64_t iters)
{
	if (c->o->warmup != 0)
		return c->o->warmup;
	return RTE_MIN((uint64_t)1000, RTE_MAX((uint64_t)1, iters / 10));
}

/* After the workers: a failure while the link is gone is a link loss. */
static int
run_settle(struct perf_ctx *c, int rc)
{
	if (c->lost)
		return -ENOLINK;
	if (rc != 0 && poll_channel(c, rte_rdtsc()) != 0)
		return -ENOLINK;
	return rc;
}

static int
client_size(struct perf_ctx *c, uint64_t size, struct perf_result *res)
{
	const struct perf_opts *o = c->o;
	struct perf_ctl m;
	uint32_t q;
	int rc;

	memset(res, 0, sizeof(*res));
	res->size = size;
	if ((o->test == PERF_SEND_BW || o->test == PERF_SEND_LAT) &&
			size > c->msg_size) {
		res->skipped = true;
		return 0;
	}
	c->iters = o->iters;
	c->warmup = warmup_for(c, o->iters);
	c->duration_cycles = o->duration_s > 0 ?
		ns_to_cycles(c, (uint64_t)(o->duration_s * 1e9)) : 0;

	c->size_tsc = rte_rdtsc();
	ctl_init(&m, CTL_GO);
	m.size = size;
	m.iters = c->iters;
	m.duration_ns = (uint64_t)(o->duration_s * 1e9);
	rc = ctl_send(c, &m);
	if (rc == 0)
		rc = ctl_recv(c, CTL_READY, &m, false);
	if (rc != 0)
		return rc;

	prepare_size(c, size);
	if (perf_test_is_lat(o->test)) {
		rc = client_lat(c, res);
	} else {
		/* Warm-up: the same loop, not timed; then the real run. */
		uint64_t d = c->duration_cycles;

		if (c->warmup > 0) {
			c->duration_cycles = 0;
			for (q = 0; q < c->nb_qp; q++)
				c->run[q].total = c->warmup;
			rc = run_settle(c, run_workers(c, client_bw_worker));
			prepare_size(c, size);
		}
		c->duration_cycles = d;
		for (q = 0; q < c->nb_qp; q++)
			c->run[q].total = d != 0 ? UINT64_MAX : c->iters;
		if (rc == 0) {
			rc = run_settle(c, run_workers(c, client_bw_worker));
			/* a lost link leaves what was measured until then */
			if (rc == 0 || rc == -ENOLINK)
				bw_result(c, res);
			res->partial = rc != 0;
		}
		if (rc == 0) {
			for (q = 0; q < c->nb_qp; q++) {
				ctl_init(&m, CTL_END);
				m.last_seq = c->run[q].posted;
				rc = ctl_send_qp(c, (uint16_t)q, &m);
				if (rc != 0)
					break;
				res->check_errors += c->run[q].check_errors;
			}
		}
	}
	if (rc != 0)
		return rc;
	rc = ctl_recv(c, CTL_SRESULT, &m, false);
	if (rc != 0)
		return rc;
	res->rx_bytes = m.rx_bytes;
	res->check_errors += m.check_errors;

	ctl_init(&m, CTL_RESULT);
	m.size = size;
	m.iters = res->iters;
	m.check_errors = res->check_errors;
	m.rx_bytes = res->rx_bytes;
	m.v[0] = res->seconds;
	m.v[1] = res->bw_peak;
	m.v[2] = res->bw_avg;
	m.v[3] = res->mpps;
	m.v[4] = res->t_min;
	m.v[5] = res->t_median;
	m.v[6] = res->t_avg;
	m.v[7] = res->t_p99;
	m.v[8] = res->t_p999;
	m.v[9] = res->t_max;
	return ctl_send(c, &m);
}

static int
server_size(struct perf_ctx *c, const struct perf_ctl *go,
		struct perf_result *res)
{
	const struct perf_opts *o = c->o;
	struct perf_ctl m;
	uint32_t q;
	int rc;

	memset(res, 0, sizeof(*res));
	res->size = go->size;
	c->iters = go->iters;
	c->duration_cycles = go->duration_ns != 0 ?
		ns_to_cycles(c, go->duration_ns) : 0;
	prepare_size(c, go->size);
	if (o->test == PERF_READ_BW)
		for (q = 0; q < c->nb_qp; q++)
			pat_fill(c->local_region + c->run[q].remote_base,
				 c->size, q, 0);
	ctl_init(&m, CTL_READY);
	rc = ctl_send(c, &m);
	if (rc != 0)
		return rc;

	if (perf_test_is_lat(o->test)) {
		rc = server_lat(c, res);
	} else {
		rc = run_settle(c, run_workers(c, server_bw_worker));
		for (q = 0; q < c->nb_qp; q++) {
			res->rx_bytes += c->run[q].rx_bytes;
			res->check_errors += c->run[q].check_errors;
		}
	}
	if (rc != 0)
		return rc;
	ctl_init(&m, CTL_SRESULT);
	m.rx_bytes = res->rx_bytes;
	m.check_errors = res->check_errors;
	rc = ctl_send(c, &m);
	if (rc != 0)
		return rc;
	rc = ctl_recv(c, CTL_RESULT, &m, false);
	if (rc != 0)
		return rc;
	res->iters = m.iters;
	res->check_errors = m.check_errors;
	res->seconds = m.v[0];
	res->bw_peak = m.v[1];
	res->bw_avg = m.v[2];
	res->mpps = m.v[3];
	res->t_min = m.v[4];
	res->t_median = m.v[5];
	res->t_avg = m.v[6];
	res->t_p99 = m.v[7];
	res->t_p999 = m.v[8];
	res->t_max = m.v[9];
	return 0;
}

/* ---- parameters --------------------------------------------------------- */

static void
fill_hello(const struct perf_ctx *c, struct perf_ctl *m)
{
	const struct perf_opts *o = c->o;

	ctl_init(m, CTL_HELLO);
	m->test = (uint32_t)o->test;
	m->nb_qp = c->nb_qp;
	m->tx_depth = c->tx_depth;
	m->cq_mod = c->cq_mod;
	m->slots = o->slots;
	m->notify_every = o->notify_every;
	m->flags = (o->consume ? CTL_F_CONSUME : 0) |
		(o->check ? CTL_F_CHECK : 0) | (o->sweep ? CTL_F_SWEEP : 0) |
		(o->reconnect ? CTL_F_RECONNECT : 0);
	m->size = o->size;
	m->core = o->cores[0];
}

/* Compare the client's parameters with ours; text says what differs. */
static bool
hello_matches(const struct perf_ctl *mine, const struct perf_ctl *peer,
		char *text, size_t len)
{
#define CMP(field, name) \
	if (mine->field != peer->field) { \
		snprintf(text, len, "%s differs: server %llu, client %llu", \
			 name, (unsigned long long)mine->field, \
			 (unsigned long long)peer->field); \
		return false; \
	}
	CMP(test, "test")
	CMP(nb_qp, "-q")
	CMP(tx_depth, "-t")
	CMP(cq_mod, "-Q")
	CMP(slots, "--slots")
	CMP(notify_every, "--notify-every")
	CMP(flags, "flags (--consume/--check/-a/--reconnect)")
	if (!(mine->flags & CTL_F_SWEEP))
		CMP(size, "-s")
#undef CMP
	return true;
}

/* ---- setup -------------------------------------------------------------- */

static int
find_device(struct perf_ctx *c)
{
	const struct perf_opts *o = c->o;
	const char *name = o->ntb_dev[0] != '\0' ? o->ntb_dev : "ntb_shm0";
	int id, pidx = 0, port, peer_port;

	id = rte_marlin_ntb_get_by_name(name);
	if (id < 0) {
		fprintf(stderr, "marlin-perf: no NTB device '%s' (%s)\n", name,
			strerror(-id));
		return id;
	}
	c->ntb_id = (uint16_t)id;
	if (o->peer >= 0) {
		pidx = rte_marlin_ntb_peer_port_idx(c->ntb_id, o->peer);
		if (pidx < 0) {
			fprintf(stderr, "marlin-perf: %s has no peer with port "
				"%d\n", name, o->peer);
			return pidx;
		}
	}
	c->pidx = pidx;
	port = rte_marlin_ntb_port_number(c->ntb_id);
	peer_port = rte_marlin_ntb_peer_port_number(c->ntb_id, pidx);
	if (o->role == PERF_ROLE_AUTO)
		c->server = port < peer_port;
	else
		c->server = o->role == PERF_ROLE_SERVER;
	return 0;
}

static int
engine_id(const struct perf_opts *o)
{
	const char *name = NULL;
	int id;

	if (strcmp(o->engine, "cpu") == 0)
		return -1;
	if (strncmp(o->engine, "cpu-nt", 6) == 0)
		name = "dma_cpu_perf0";
	else if (strncmp(o->engine, "dev:", 4) == 0)
		name = o->engine + 4;
	else if (strncmp(o->engine, "dmadev", 6) == 0)
		name = "dma_dmadev_perf0";
	id = rte_marlin_dma_get_by_name(name);
	if (id < 0) {
		fprintf(stderr, "marlin-perf: no DMA engine '%s' (%s); create "
			"it with EAL arguments after --\n", name,
			strerror(-id));
		return -ENODEV - 1000;
	}
	return id;
}

/* Configure (one queue per queue pair) and start an engine HRDMA will use. */
static int
engine_start(struct perf_ctx *c, uint16_t id)
{
	struct rte_marlin_dma_info di;
	struct rte_marlin_dma_conf dc;
	int rc;

	rc = rte_marlin_dma_info_get(id, &di);
	if (rc != 0)
		return rc;
	if (di.started && di.nb_queues >= c->nb_qp)
		return 0;
	rte_marlin_dma_stop(id);
	memset(&dc, 0, sizeof(dc));
	dc.nb_queues = (uint16_t)c->nb_qp;
	dc.nb_desc = RTE_MIN(RTE_MAX(2 * c->ring_depth, di.min_desc),
			     di.max_desc);
	rc = rte_marlin_dma_configure(id, &dc);
	if (rc == 0)
		rc = rte_marlin_dma_start(id);
	if (rc != 0)
		fprintf(stderr, "marlin-perf: cannot start DMA engine %s with "
			"%u queues: %s\n", di.name, c->nb_qp, strerror(-rc));
	else
		c->dma_started = true;
	return rc;
}

static int
setup(struct perf_ctx *c)
{
	const struct perf_opts *o = c->o;
	struct rte_marlin_hrdma_conf conf;
	struct rte_marlin_hrdma_info info;
	uint32_t q;
	int rc, eng;

	rc = find_device(c);
	if (rc != 0)
		return rc;
	eng = engine_id(o);
	if (eng < -1)
		return -ENODEV;
	c->dma_id = eng;

	c->nb_qp = o->nb_qp;
	c->ring_depth = perf_ring_depth(o);
	c->msg_size = perf_msg_size(o, c->sz);
	c->tx_depth = o->check ? 1 : o->tx_depth;
	c->cq_mod = RTE_MIN(o->check ? 1 : o->cq_mod, c->tx_depth);
	c->lat_release = RTE_MIN(32u, c->ring_depth / 4);
	c->max_size = max_size(c->sz);
	c->stride = c->nb_qp > 0 ? perf_region_needed(o, c->sz) / c->nb_qp : 0;

	if (eng >= 0) {
		rc = engine_start(c, (uint16_t)eng);
		if (rc != 0)
			return rc;
	}
	memset(&conf, 0, sizeof(conf));
	conf.nb_qp = (uint16_t)c->nb_qp;
	conf.depth = (uint16_t)c->ring_depth;
	conf.msg_size = c->msg_size;
	conf.dma_dev_id = eng;
	conf.nt_threshold = o->nt_threshold;
	c->ch = rte_marlin_hrdma_channel_create(c->ntb_id, c->pidx, &conf);
	if (c->ch == NULL) {
		fprintf(stderr, "marlin-perf: cannot create the HRDMA channel: "
			"%s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (q = 0; q < c->nb_qp; q++) {
		c->qp[q] = rte_marlin_hrdma_qp_get(c->ch, (uint16_t)q);
		c->run[q].qp = c->qp[q];
		c->run[q].qid = (uint16_t)q;
		c->run[q].mem = rte_zmalloc("perf_buf",
				RTE_MAX(c->max_size, (uint64_t)64) + 4096, 4096);
		c->run[q].buf = c->run[q].mem == NULL ? NULL :
			c->run[q].mem + c->o->buf_offset;
		if (c->qp[q] == NULL || c->run[q].buf == NULL) {
			fprintf(stderr, "marlin-perf: out of memory for buffers "
				"(%llu B per queue pair)\n",
				(unsigned long long)c->max_size);
			return -ENOMEM;
		}
	}
	rc = rte_marlin_ntb_link_enable(c->ntb_id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc != 0) {
		fprintf(stderr, "marlin-perf: cannot enable the NTB link: %s\n",
			strerror(-rc));
		return rc;
	}
	rc = rte_marlin_hrdma_channel_wait_up(c->ch, o->timeout_s * 1000u);
	if (rc != 0) {
		fprintf(stderr, "marlin-perf: channel to the peer not up after "
			"%u s (%s)%s\n", o->timeout_s, strerror(-rc),
			rc == -EPROTO ? ": the peer was refused, see the log" :
			": is the other host running?");
		return rc;
	}
	rte_marlin_hrdma_channel_info(c->ch, &info);
	c->up_tsc = rte_rdtsc();
	c->link_ups = info.link_ups;
	c->local_region = info.local_region;
	c->local_region_len = info.local_region_len;
	c->remote_region_len = info.remote_region_len;
	if (perf_region_needed(o, c->sz) > c->remote_region_len ||
			perf_region_needed(o, c->sz) > c->local_region_len) {
		fprintf(stderr, "marlin-perf: the test needs %llu B of the "
			"peer's region, it has %zu (ours %zu): use a larger "
			"--mw-size\n",
			(unsigned long long)perf_region_needed(o, c->sz),
			c->remote_region_len, c->local_region_len);
		return -ENOSPC;
	}
	c->last_poll = rte_rdtsc();
	return 0;
}

static void
fill_header(struct perf_ctx *c, const char *memory)
{
	const struct perf_opts *o = c->o;
	struct perf_header *h = &c->hdr;
	int i;

	h->test = perf_test_name(o->test);
	h->role = c->server ? "server" : "client";
	h->device = o->ntb_dev[0] != '\0' ? o->ntb_dev : "ntb_shm0";
	h->engine = o->engine;
	h->memory = memory;
	h->nb_qp = (int)c->nb_qp;
	h->tx_depth = c->tx_depth;
	h->cq_mod = c->cq_mod;
	h->ring_depth = c->ring_depth;
	h->msg_size = c->msg_size;
	h->consume = o->consume;
	h->nt_threshold = o->nt_threshold;
	h->slots = slots_for(o, c->sz->size[0]);
	h->notify_every = notify_every(o, c->sz->size[0]);
	h->check = o->check;
	h->nb_cores = RTE_MIN(o->nb_cores, (int)c->nb_workers);
	if (h->nb_cores <= 0)
		h->nb_cores = 1;
	for (i = 0; i < h->nb_cores; i++)
		h->cores[i] = o->cores[i];
	h->region_len = c->remote_region_len;
	if (c->sz->n == 1)
		snprintf(h->sizes, sizeof(h->sizes), "%llu",
			 (unsigned long long)c->sz->size[0]);
	else
		snprintf(h->sizes, sizeof(h->sizes), "%llu..%llu (%d sizes)",
			 (unsigned long long)c->sz->size[0],
			 (unsigned long long)c->sz->size[c->sz->n - 1],
			 c->sz->n);
	h->probe_before.ns = -1;
	h->probe_before.why = "not run";
	h->probe_after.ns = -1;
	h->probe_after.why = "not run";
}

static void
do_probe(struct perf_ctx *c, struct perf_probe *p)
{
	int mine = c->o->cores[0], peer = c->hdr.peer_core;

	if (c->o->ntb_dev[0] != '\0' && c->o->peer_core < 0) {
		memset(p, 0, sizeof(*p));
		p->ns = -1;
		p->why = "hosts on different machines";
		return;
	}
	perf_probe_run(mine, peer, c->o->probe_rounds, c->o->probe_batches, p);
}

static int
client_main(struct perf_ctx *c)
{
	struct perf_ctl m;
	int i, rc;

	fill_hello(c, &m);
	rc = ctl_send(c, &m);
	if (rc == 0)
		rc = ctl_recv(c, CTL_HELLO_ACK, &m, false);
	if (rc != 0)
		return rc;
	c->hdr.peer_core = c->o->peer_core >= 0 ? c->o->peer_core : m.core;

	/* The server sleeps while it waits for GO: the probe has its core. */
	do_probe(c, &c->hdr.probe_before);
	for (i = 0; i < c->sz->n && rc == 0; i++) {
		if (c->o->verbose)
			fprintf(stderr, "marlin-perf: %s %llu B\n",
				perf_test_name(c->o->test),
				(unsigned long long)c->sz->size[i]);
		rc = client_size(c, c->sz->size[i], &c->res[i]);
		if (rc == 0 || c->res[i].iters > 0)
			c->nres = i + 1;
		if (rc == -ENOLINK) {
			c->hdr.lost_size = c->sz->size[i];
			c->hdr.lost_ops = c->res[i].iters;
		}
	}
	if (rc != 0)
		return rc;
	/* The server now idles again, waiting for BYE. */
	do_probe(c, &c->hdr.probe_after);
	ctl_init(&m, CTL_BYE);
	m.v[0] = c->hdr.probe_before.ns;
	m.v[1] = c->hdr.probe_after.ns;
	m.v[2] = c->hdr.probe_before.spread;
	m.v[3] = c->hdr.probe_after.spread;
	rc = ctl_send(c, &m);
	if (rc == 0)
		rc = ctl_recv(c, CTL_BYE_ACK, &m, false);
	return rc;
}

static int
server_main(struct perf_ctx *c)
{
	struct perf_ctl mine, m;
	char text[112];
	int rc, i = 0;

	rc = ctl_recv(c, CTL_HELLO, &m, true);
	if (rc != 0)
		return rc;
	fill_hello(c, &mine);
	if (!hello_matches(&mine, &m, text, sizeof(text))) {
		ctl_error(c, text);
		set_err(c, "%s", text);
		return -EINVAL;
	}
	c->hdr.peer_core = c->o->peer_core >= 0 ? c->o->peer_core : m.core;
	ctl_init(&m, CTL_HELLO_ACK);
	m.core = c->o->cores[0];
	rc = ctl_send(c, &m);
	while (rc == 0) {
		/* Idle (sleeping) wait: the client may be probing. */
		struct rte_marlin_hrdma_cqe e;
		uint64_t start = rte_rdtsc();
		int n;

		for (;;) {
			uint64_t now = rte_rdtsc();

			n = rte_marlin_hrdma_recv(c->qp[0], &e, 1);
			if (n != 0)
				break;
			if (maybe_poll_channel(c, now) != 0) {
				rc = -ENOLINK;
				break;
			}
			if (now - start > c->timeout_cycles * 4 ||
					perf_force_quit) {
				set_err(c, "client went silent");
				rc = -ETIMEDOUT;
				break;
			}
			idle_sleep();
		}
		if (rc != 0)
			break;
		if (n < 0 || !ctl_parse(&e, &m)) {
			set_err(c, "unexpected message from the client");
			rc = -EPROTO;
			break;
		}
		rte_marlin_hrdma_recv_release(c->qp[0], 1);
		if (m.type == CTL_BYE) {
			c->hdr.probe_before.ns = m.v[0];
			c->hdr.probe_after.ns = m.v[1];
			c->hdr.probe_before.spread = m.v[2];
			c->hdr.probe_after.spread = m.v[3];
			c->hdr.probe_before.why = c->hdr.probe_after.why =
				"measured by the client";
			c->hdr.probe_before.cores[0] =
				c->hdr.probe_after.cores[0] = c->hdr.peer_core;
			c->hdr.probe_before.cores[1] =
				c->hdr.probe_after.cores[1] = c->o->cores[0];
			ctl_init(&m, CTL_BYE_ACK);
			rc = ctl_send(c, &m);
			break;
		}
		if (m.type == CTL_ERROR) {
			m.text[sizeof(m.text) - 1] = '\0';
			set_err(c, "client: %s", m.text);
			rc = -ECANCELED;
			break;
		}
		if (m.type != CTL_GO || i >= PERF_MAX_SIZES ||
				m.size == 0 || m.size > c->max_size) {
			set_err(c, "bad GO from the client (size %lld)", (long long)m.size);
			rc = -EPROTO;
			break;
		}
		c->size_tsc = rte_rdtsc();
		rc = server_size(c, &m, &c->res[i]);
		if (rc == -ENOLINK)
			c->hdr.lost_size = m.size;
		if (rc == 0 || c->res[i].iters > 0)
			c->nres = i + 1;
		i++;
	}
	/* The client may still read our last message: leave it a moment. */
	return rc;
}

/* Link events for the header. */
static void
link_summary(struct perf_ctx *c, int rc)
{
	struct perf_header *h = &c->hdr;

	h->reconnect = c->o->reconnect;
	h->flaps = c->flaps;
	h->down_s = cycles_to_ns(c, c->down_cycles) / 1e9;
	h->lost = rc == -ENOLINK;
	if (!h->lost)
		return;
	if (!c->lost) {         /* e.g. the peer said goodbye unexpectedly */
		c->lost_tsc = rte_rdtsc();
		c->lost_state = RTE_MARLIN_HRDMA_STATE_DOWN;
	}
	h->lost_at_s = cycles_to_ns(c, c->lost_tsc - c->up_tsc) / 1e9;
	h->lost_into_s = c->size_tsc != 0 && c->lost_tsc >= c->size_tsc ?
		cycles_to_ns(c, c->lost_tsc - c->size_tsc) / 1e9 : -1;
	h->lost_why = state_words(c->lost_state);
	if (h->probe_after.ns < 0)
		h->probe_after.why = "not run: the link was lost";
}

/* Say in words what happened to the link (stderr). */
static void
report_lost(const struct perf_ctx *c)
{
	const struct perf_header *h = &c->hdr;
	char what[160] = "";

	if (h->lost_into_s < 0)
		snprintf(what, sizeof(what), "before the first measurement");
	else if (c->server)
		snprintf(what, sizeof(what), "%.2f s into the %llu B run; what "
			 "was measured is the client's to report", h->lost_into_s,
			 (unsigned long long)h->lost_size);
	else if (h->lost_ops > 0)
		snprintf(what, sizeof(what), "%.2f s into the %llu B run, "
			 "after %llu operations; the %llu B row is partial",
			 h->lost_into_s, (unsigned long long)h->lost_size,
			 (unsigned long long)h->lost_ops,
			 (unsigned long long)h->lost_size);
	else
		snprintf(what, sizeof(what), "%.2f s into the %llu B run, "
			 "before its first measured operation",
			 h->lost_into_s, (unsigned long long)h->lost_size);
	fprintf(stderr, "marlin-perf %s: link to the peer (port %d) lost "
		"%.2f s after it came up, %s (%s)%s%s\n", h->role,
		rte_marlin_ntb_peer_port_number(c->ntb_id, c->pidx),
		h->lost_at_s, what, h->lost_why,
		c->o->reconnect ? "; --reconnect: " : "",
		c->o->reconnect ? c->err : "");
}

/*
 * Run marlin-perf as one host (EAL is up). Returns the exit status.
 */
int
perf_run(const struct perf_opts *o, const struct perf_sizes *sz,
		const char *memory)
{
	struct perf_ctx *c;
	uint32_t q;
	int rc, st = 0;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return 1;
	c->o = o;
	c->sz = sz;
	c->hz = rte_get_tsc_hz();
	c->poll_cycles = ns_to_cycles(c, PERF_POLL_NS);
	c->timeout_cycles = (uint64_t)o->timeout_s * c->hz;

	rc = setup(c);
	if (rc != 0) {
		st = 1;
		goto out;
	}
	assign_workers(c);
	for (q = 0; q < (uint32_t)c->nb_workers && !c->server; q++) {
		c->workers[q].samples = rte_malloc("perf_samples",
				PERF_MAX_SAMPLES * sizeof(uint64_t), 0);
		if (c->workers[q].samples == NULL) {
			st = 1;
			goto out;
		}
	}
	fill_header(c, memory);
	rc = c->server ? server_main(c) : client_main(c);
	link_summary(c, rc);
	if (rc == -ENOLINK) {
		report_lost(c);
		st = 1;
	} else if (rc != 0) {
		fprintf(stderr, "marlin-perf %s: %s\n", c->hdr.role,
			c->err[0] != '\0' ? c->err : strerror(-rc));
		/* Tell the peer, so it stops waiting. */
		if (rc != -ENOLINK && rc != -ECANCELED)
			ctl_error(c, c->err[0] != '\0' ? c->err : "failed");
		st = 1;
	}
	if (c->nres > 0 || rc == 0) {
		for (q = 0; (int)q < c->nres; q++)
			if (c->res[q].check_errors != 0)
				st = 1;
		if (o->json)
			perf_print_json(stdout, &c->hdr, c->res, c->nres);
		else
			perf_print_table(stdout, &c->hdr, c->res, c->nres);
		if (st != 0 && rc == 0)
			fprintf(stderr, "marlin-perf %s: data check failed\n",
				c->hdr.role);
	}
out:
	if (c->ch != NULL) {
		if (c->server && rc == 0) {
			/* Give the client time to read BYE_ACK before our
			 * link goes down. */
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		rte_marlin_hrdma_channel_destroy(c->ch);
	}
	if (c->dma_started)
		rte_marlin_dma_stop((uint16_t)c->dma_id);
	for (q = 0; q < PERF_MAX_QP; q++)
		rte_free(c->run[q].mem);
	for (q = 0; q < PERF_MAX_CORES; q++)
		rte_free(c->workers[q].samples);
	free(c->lat);
	free(c);
	return st;
}
