/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: the latency loops (write_lat, send_lat) on queue pair 0.
 *
 * The client posts one message (WRITE_NOTIFY or SEND) and waits for the
 * server's answer; the round trip is timed, one-way is half of it. The
 * server answers each message with one of its own. Received entries are
 * released in batches, so credits rarely cross during a ping. The client's
 * last message carries PERF_IMM_LAST. With --reconnect a round trip cut by
 * a link flap is done again (the rings were reset) and not timed.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "perf_host.h"

/* Post @p op (its fixed fields) with @p imm and @p flags. A WRITE_NOTIFY
 * goes from the arguments straight into the descriptor, as an application
 * that notifies with small payloads would post it. */
static int
lat_post(struct perf_ctx *c, struct rte_marlin_hrdma_op *op, uint64_t imm,
	 unsigned int flags)
{
	int n;

	if (op->opcode == RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY) {
		do {
			n = rte_marlin_hrdma_write_notify(c->qp[0], op->local,
					op->len, op->remote_off, imm, 0, flags);
		} while (n == -ENOSPC && !perf_force_quit);
		return n;
	}
	op->imm = imm;
	op->flags = flags;
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
		/* Spinning on a line another core writes without a pause
		 * costs a pipeline flush (memory-order machine clear) when the
		 * line changes: measured ~20 ns one-way on this machine. */
		rte_pause();
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

int
client_lat(struct perf_ctx *c, struct perf_result *res)
{
	struct rte_marlin_hrdma_op op;
	struct rte_marlin_hrdma_cqe e, cq[PERF_BURST];
	uint8_t *buf = c->run[0].buf;
	uint64_t i, n_rec = 0, cap, total, t0, t1, deadline = 0;
	uint32_t held = 0;
	unsigned int flags;
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
		flags = (i + 1) % c->cq_mod == 0 ?
			RTE_MARLIN_HRDMA_F_SIGNALED : 0;
		t0 = rte_rdtsc();
		rc = lat_post(c, &op, (i & PERF_IMM_SEQ_MASK) |
			      (last ? PERF_IMM_LAST : 0), flags);
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
		if (flags != 0)
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

int
server_lat(struct perf_ctx *c, struct perf_result *res)
{
	struct rte_marlin_hrdma_op op;
	struct rte_marlin_hrdma_cqe e, cq[PERF_BURST];
	uint8_t *buf = c->run[0].buf;
	uint32_t held = 0, sig_left = c->cq_mod;
	uint64_t i, bad = 0;
	unsigned int flags;
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
		/* Only what the answer needs comes before it: everything
		 * between a message's arrival and the answer's post is on the
		 * measured path (a division for the completion cadence was). */
		last = (e.imm & PERF_IMM_LAST) != 0;
		/* after a flap the client repeats its last message; with
		 * --check the payload is read before the answer lets the
		 * client write the next one over it */
		if (c->o->check) {
			bad = lat_check_entry(c, &e, 0, c->o->reconnect ?
					      e.imm & PERF_IMM_SEQ_MASK : i);
			pat_fill(buf, c->size, 1, i);
		}
		flags = --sig_left == 0 ? RTE_MARLIN_HRDMA_F_SIGNALED : 0;
		if (sig_left == 0)
			sig_left = c->cq_mod;
		rc = lat_post(c, &op, e.imm, flags);
		if (!c->o->check)
			bad = lat_check_entry(c, &e, 0, c->o->reconnect ?
					      e.imm & PERF_IMM_SEQ_MASK : i);
		if (is_link_error(rc) && link_recover(c) == 0) {
			held = 0;
			i--;
			continue;
		}
		res->check_errors += bad;
		if (++held >= c->lat_release || last) {
			rte_marlin_hrdma_recv_release(c->qp[0], (uint16_t)held);
			held = 0;
		}
		if (rc != 0) {
			set_err(c, "post failed (%lld)", (long long)rc);
			return rc;
		}
		if (flags != 0)
			rte_marlin_hrdma_poll_cq(c->qp[0], cq, PERF_BURST);
		res->rx_bytes += e.len;
		if (last)
			break;
	}
	rte_marlin_hrdma_poll_cq(c->qp[0], cq, PERF_BURST);
	res->iters = i + 1;
	return 0;
}
