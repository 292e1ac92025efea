/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: the bandwidth loop, one for both roles.
 *
 * Each worker lcore drives its queue pairs in one loop: wait for the start,
 * then per queue pair one step of its role until every queue pair is done.
 * The client's step posts what the window allows and collects completions;
 * the server's step receives what arrived until the client's END. The loop
 * around them is shared: link following (the main lcore drives the
 * channel, --reconnect holds the others), stall timeouts, the bandwidth
 * samples of the client and the idle policy of the server.
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

#include <math.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "perf_host.h"

/* Step results. */
#define STEP_BUSY 0              /* not done yet */
#define STEP_DONE 1              /* this queue pair is finished */

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

/* The client's step on one queue pair: post, collect completions. */
static int
client_step(struct perf_worker *w, struct qp_run *r, uint64_t now,
		uint64_t deadline)
{
	struct perf_ctx *c = w->ctx;
	const struct perf_opts *o = c->o;
	struct rte_marlin_hrdma_op ops[PERF_BURST];
	struct rte_marlin_hrdma_cqe cqe[PERF_BURST];
	uint64_t room;
	bool done;
	int j, n;

	if (deadline != 0 && now >= deadline && r->total == UINT64_MAX) {
		/* Stop at an operation that completes a batch and carries
		 * a completion. */
		uint64_t unit = o->consume ? c->notify_every :
			o->test == PERF_SEND_BW ? 1 : c->cq_mod;

		r->total = RTE_MAX(RTE_ALIGN_MUL_CEIL(r->posted, unit), unit);
	}
	room = room_for(c, r);
	if (room > 0) {
		uint16_t k = build_ops(c, r, ops, room);

		if (o->check && (o->test == PERF_WRITE_BW ||
				 o->test == PERF_SEND_BW))
			pat_fill(r->buf, c->size, r->qid, r->posted);
		n = rte_marlin_hrdma_post(r->qp, ops, k);
		if (n > 0) {
			r->posted += (uint64_t)n;
			r->last_progress = now;
		} else if (is_link_error(n)) {
			if (worker_link_error(w, n))
				return n;
			r->last_progress = now;
		} else if (n != -ENOSPC) {
			set_err(c, "post failed (%d)", n);
			return n;
		}
	}
	n = rte_marlin_hrdma_poll_cq(r->qp, cqe, PERF_BURST);
	for (j = 0; j < n; j++) {
		if (is_link_error(cqe[j].status)) {
			if (worker_link_error(w, cqe[j].status))
				return cqe[j].status;
			continue;
		}
		if (cqe[j].status != 0) {
			set_err(c, "operation failed (%d)", (int)cqe[j].status);
			return cqe[j].status;
		}
		r->completed = cqe[j].cookie + 1;
		if (o->test == PERF_READ_BW && o->check)
			r->check_errors += pat_check(r->buf, c->size, r->qid, 0);
	}
	if (n > 0)
		r->last_progress = now;
	/* Done when all ops completed; for descriptor ops, when the peer
	 * also released (consumed) them all. */
	if (uses_credits(o))
		done = r->posted >= r->total &&
			rte_marlin_hrdma_send_capacity(r->qp) ==
			(int)c->ring_depth;
	else
		done = r->posted >= r->total && r->completed >= r->total;
	return done ? STEP_DONE : STEP_BUSY;
}

/* The client after the loop: what completed counts, nothing leaks. */
static void
client_finish(struct perf_worker *w, uint64_t window)
{
	struct perf_ctx *c = w->ctx;
	struct rte_marlin_hrdma_cqe cqe[PERF_BURST];
	int i, j, n;

	w->ops = 0;
	for (i = 0; i < w->nq; i++) {
		struct qp_run *r = &c->run[w->qids[i]];

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
}

/* The server's look at one received entry. */
static void
server_entry(struct perf_ctx *c, struct qp_run *r,
		const struct rte_marlin_hrdma_cqe *x)
{
	const struct perf_opts *o = c->o;
	struct perf_ctl m;

	if (x->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY) {
		/* consume: a batch of slots to read */
		uint64_t first = x->imm & PERF_IMM_SEQ_MASK;
		uint64_t cnt = x->imm >> 48, k;

		if (cnt == 0 || cnt > c->notify_every) {
			r->check_errors++;
			return;
		}
		for (k = 0; k < cnt; k++) {
			uint64_t off = r->remote_base +
				((first + k) % c->slots) * c->size;
			const uint8_t *p = c->local_region + off;

			if (off + c->size > c->local_region_len) {
				r->check_errors++;
				continue;
			}
			if (o->check)
				r->check_errors += pat_check(p, c->size,
						r->qid, first + k);
			else
				consume(p, c->size);
			r->rx_bytes += c->size;
		}
	} else if (ctl_parse(x, &m) && m.type == CTL_END) {
		r->ended = true;
		r->end_seq = m.last_seq;
	} else if (x->opcode == RTE_MARLIN_HRDMA_OP_RECV) {
		if (o->check)
			r->check_errors += pat_check(x->data, x->len, r->qid,
					x->imm & PERF_IMM_SEQ_MASK) +
				(x->len != c->size);
		else if (o->consume)
			consume(x->data, x->len);
		r->rx_bytes += x->len;
	}
}

/* The server's step on one queue pair: take what arrived, until END. */
static int
server_step(struct perf_worker *w, struct qp_run *r, uint64_t now, int *got)
{
	struct perf_ctx *c = w->ctx;
	const struct perf_opts *o = c->o;
	struct rte_marlin_hrdma_cqe e[PERF_BURST];
	int j, n;

	if (r->ended)
		return STEP_DONE;
	n = rte_marlin_hrdma_recv(r->qp, e, PERF_BURST);
	if (is_link_error(n)) {
		if (worker_link_error(w, n))
			return n;
		r->last_progress = now;
		return STEP_BUSY;
	}
	if (n < 0) {
		set_err(c, "receive failed (%d)", n);
		return n;
	}
	if (n == 0)
		return STEP_BUSY;
	r->last_progress = now;
	*got += n;
	for (j = 0; j < n; j++)
		server_entry(c, r, &e[j]);
	rte_marlin_hrdma_recv_release(r->qp, (uint16_t)n);
	/* plain write_bw: the buffer holds the last message written */
	if (r->ended && o->test == PERF_WRITE_BW && !o->consume && o->check &&
			r->end_seq > 0)
		r->check_errors += pat_check(c->local_region + r->remote_base,
				c->size, r->qid, r->end_seq - 1);
	return STEP_BUSY;
}

/* One loop for both roles (an lcore function). */
static int
bw_worker(void *arg)
{
	struct perf_worker *w = arg;
	struct perf_ctx *c = w->ctx;
	const struct perf_opts *o = c->o;
	uint64_t window = ns_to_cycles(c, PERF_SAMPLE_NS);
	uint64_t deadline = 0, now, bytes_done;
	/* server: nothing to do until END in one-sided tests */
	bool passive = o->test == PERF_READ_BW ||
		(o->test == PERF_WRITE_BW && !o->consume);
	int i, rc, left, got;

	while (c->go_tsc == 0 && !c->stop)
		rte_pause();
	w->t_start = rte_rdtsc();
	w->gen = c->gen;
	if (!c->server && c->duration_cycles != 0)
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
		if (!c->server && w->gen != c->gen)
			client_resync(w, now);
		left = 0;
		got = 0;
		for (i = 0; i < w->nq; i++) {
			struct qp_run *r = &c->run[w->qids[i]];

			rc = c->server ? server_step(w, r, now, &got) :
				client_step(w, r, now, deadline);
			if (rc < 0) {
				w->rc = rc;
				c->stop = 1;
				break;
			}
			if (rc == STEP_DONE)
				continue;
			left++;
			if (now - r->last_progress > c->timeout_cycles) {
				set_err(c, c->server ? "client went silent "
					"(queue pair %u)" : "peer stalled "
					"(queue pair %u)", r->qid);
				w->rc = -ETIMEDOUT;
				c->stop = 1;
			}
		}
		if (w->rc != 0)
			break;
		if (c->server) {
			/*
			 * Nothing arrived. In one-sided tests the server
			 * sleeps between looks, leaving its core (perhaps an
			 * SMT sibling of the client's) alone; otherwise a
			 * pause lends the sibling the core for a moment.
			 */
			if (got == 0 && passive)
				idle_sleep_ns(PERF_IDLE_NS / 4);
			else if (got == 0)
				rte_pause();
			continue;
		}
		bytes_done = 0;
		for (i = 0; i < w->nq; i++)
			bytes_done += c->run[w->qids[i]].posted * c->size;
		if (w->samples != NULL)
			sample(w, now, bytes_done, window);
	}
	w->t_end = rte_rdtsc();
	if (!c->server)
		client_finish(w, window);
	return 0;
}

/* ---- workers on lcores -------------------------------------------------- */

void
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

/* Run the bandwidth loop on every worker lcore; the first error. */
int
bw_run(struct perf_ctx *c)
{
	int i, rc = 0;

	c->stop = 0;
	c->go_tsc = 0;
	for (i = 1; i < c->nb_workers; i++) {
		c->workers[i].rc = 0;
		rte_eal_remote_launch(bw_worker, &c->workers[i], c->workers[i].lcore);
	}
	c->workers[0].rc = 0;
	c->go_tsc = rte_rdtsc();
	bw_worker(&c->workers[0]);
	for (i = 1; i < c->nb_workers; i++)
		rte_eal_wait_lcore(c->workers[i].lcore);
	for (i = 0; i < c->nb_workers; i++)
		if (c->workers[i].rc != 0 && rc == 0)
			rc = c->workers[i].rc;
	return rc;
}

void
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
