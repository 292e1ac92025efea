/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: the control protocol.
 *
 * Both hosts create an HRDMA channel with a configuration
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
 * Control messages wait for the link like everything else: a loss ends
 * them with -ENOLINK unless --reconnect brings the channel back.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "perf_host.h"

void
set_err(struct perf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

void
ctl_init(struct perf_ctl *m, enum ctl_type t)
{
	memset(m, 0, sizeof(*m));
	m->magic = PERF_CTL_MAGIC;
	m->version = PERF_CTL_VERSION;
	m->type = (uint16_t)t;
}

int
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

int
ctl_send(struct perf_ctx *c, struct perf_ctl *m)
{
	return ctl_send_qp(c, 0, m);
}

/* Is this received entry a control message? Copies it out if so. */
bool
ctl_parse(const struct rte_marlin_hrdma_cqe *e, struct perf_ctl *m)
{
	if (e->opcode != RTE_MARLIN_HRDMA_OP_RECV || e->imm != PERF_IMM_CTL ||
			e->len != sizeof(*m))
		return false;
	memcpy(m, e->data, sizeof(*m));
	return m->magic == PERF_CTL_MAGIC && m->version == PERF_CTL_VERSION;
}

/*
 * Wait for control message @want (CTL_ANY: any, for at most 4 timeouts: the
 * client may be probing) on qp 0. @idle: sleep between polls, so the core
 * stays free (for the other host's placement probe). An ERROR from the
 * peer ends the wait with -ECANCELED.
 */
int
ctl_recv(struct perf_ctx *c, enum ctl_type want, struct perf_ctl *m, bool idle)
{
	struct rte_marlin_hrdma_cqe e;
	uint64_t start = rte_rdtsc();
	uint64_t limit = c->timeout_cycles * (want == CTL_ANY ? 4 : 1);
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
			if (m->type != want && want != CTL_ANY) {
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
		if (now - start > limit) {
			if (want == CTL_ANY)
				set_err(c, "the peer went silent");
			else
				set_err(c, "no answer from the peer (control "
					"message %d)", (int)want);
			return -ETIMEDOUT;
		}
		if (perf_force_quit) {
			set_err(c, "interrupted");
			return -EINTR;
		}
		if (idle)
			idle_sleep_ns(PERF_IDLE_NS);
		else
			rte_pause();
	}
}

void
ctl_error(struct perf_ctx *c, const char *text)
{
	struct perf_ctl m;

	ctl_init(&m, CTL_ERROR);
	snprintf(m.text, sizeof(m.text), "%s", text);
	ctl_send(c, &m);
}

/* A result row travels in v[] (RESULT). */
void
ctl_put_result(struct perf_ctl *m, const struct perf_result *r)
{
	m->size = r->size;
	m->iters = r->iters;
	m->check_errors = r->check_errors;
	m->rx_bytes = r->rx_bytes;
	m->v[0] = r->seconds;
	m->v[1] = r->bw_peak;
	m->v[2] = r->bw_avg;
	m->v[3] = r->mpps;
	m->v[4] = r->t_min;
	m->v[5] = r->t_median;
	m->v[6] = r->t_avg;
	m->v[7] = r->t_p99;
	m->v[8] = r->t_p999;
	m->v[9] = r->t_max;
}

void
ctl_get_result(const struct perf_ctl *m, struct perf_result *r)
{
	r->iters = m->iters;
	r->check_errors = m->check_errors;
	r->seconds = m->v[0];
	r->bw_peak = m->v[1];
	r->bw_avg = m->v[2];
	r->mpps = m->v[3];
	r->t_min = m->v[4];
	r->t_median = m->v[5];
	r->t_avg = m->v[6];
	r->t_p99 = m->v[7];
	r->t_p999 = m->v[8];
	r->t_max = m->v[9];
}

/* ---- HELLO: both hosts run the same test -------------------------------- */

void
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
bool
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
