/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef MARLIN_PERF_HOST_H
#define MARLIN_PERF_HOST_H

/*
 * One host of a marlin-perf run (EAL is up): its context and what the
 * files that run it share.
 *
 *   run.c        the host's run: client and server sequence, one size
 *   control.c    control protocol: messages on queue pair 0, HELLO check
 *   link.c       following the link: losses, --reconnect, the report
 *   bandwidth.c  one bandwidth loop for both roles, workers, results
 *   latency.c    ping-pong loops
 *   setup.c      device, engine, channel, buffers, sizes, header
 *   pattern.c    data patterns for --check, reading for --consume
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_common.h>
#include <rte_launch.h>

#include <rte_marlin_hrdma.h>

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
	CTL_ANY = 0,             /* ctl_recv(): whichever comes */
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

_Static_assert(sizeof(struct perf_ctl) <= PERF_CTL_SLOT_MIN,
	       "control message larger than the smallest slot");

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

/* ---- small inline helpers ----------------------------------------------- */

static inline uint64_t
ns_to_cycles(const struct perf_ctx *c, uint64_t ns)
{
	return (uint64_t)((double)ns * (double)c->hz / 1e9);
}

static inline double
cycles_to_ns(const struct perf_ctx *c, uint64_t cyc)
{
	return (double)cyc * 1e9 / (double)c->hz;
}

/* Sleep a little while idle-waiting (the core is left to others). */
static inline void
idle_sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static inline bool
is_link_error(int rc)
{
	return rc == -ENOLINK || rc == -EPROTO;
}

/* control.c */
void set_err(struct perf_ctx *c, const char *fmt, ...)
	__rte_format_printf(2, 3);
void ctl_init(struct perf_ctl *m, enum ctl_type t);
int ctl_send_qp(struct perf_ctx *c, uint16_t qid, struct perf_ctl *m);
int ctl_send(struct perf_ctx *c, struct perf_ctl *m);
bool ctl_parse(const struct rte_marlin_hrdma_cqe *e, struct perf_ctl *m);
int ctl_recv(struct perf_ctx *c, enum ctl_type want, struct perf_ctl *m,
		bool idle);
void ctl_error(struct perf_ctx *c, const char *text);
void ctl_put_result(struct perf_ctl *m, const struct perf_result *r);
void ctl_get_result(const struct perf_ctl *m, struct perf_result *r);
void fill_hello(const struct perf_ctx *c, struct perf_ctl *m);
bool hello_matches(const struct perf_ctl *mine, const struct perf_ctl *peer,
		char *text, size_t len);

/* link.c */
int poll_channel(struct perf_ctx *c, uint64_t now);
int maybe_poll_channel(struct perf_ctx *c, uint64_t now);
int link_recover(struct perf_ctx *c);
int worker_link(struct perf_worker *w, uint64_t now);
bool worker_link_error(struct perf_worker *w, int rc);
void worker_hold(struct perf_worker *w, uint64_t now);
int run_settle(struct perf_ctx *c, int rc);
void link_summary(struct perf_ctx *c, int rc);
void report_lost(const struct perf_ctx *c);

/* bandwidth.c */
void assign_workers(struct perf_ctx *c);
int bw_run(struct perf_ctx *c);
void bw_result(struct perf_ctx *c, struct perf_result *res);

/* latency.c */
int client_lat(struct perf_ctx *c, struct perf_result *res);
int server_lat(struct perf_ctx *c, struct perf_result *res);

/* setup.c */
uint32_t notify_every(const struct perf_opts *o, uint64_t size);
uint32_t slots_for(const struct perf_opts *o, uint64_t size);
int setup(struct perf_ctx *c);
void fill_header(struct perf_ctx *c, const char *memory);

/* pattern.c */
void pat_fill(uint8_t *p, uint64_t len, uint32_t q, uint64_t seq);
uint64_t pat_check(const volatile uint8_t *p, uint64_t len, uint32_t q,
		uint64_t seq);
void consume(const uint8_t *p, uint64_t len);

#endif /* MARLIN_PERF_HOST_H */
