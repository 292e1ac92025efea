/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: one host's run (EAL is up). Set up, then the client's
 * sequence (HELLO, probe, per size GO .. RESULT, probe, BYE) or the
 * server's answers to it, then the report. The protocol is described in
 * control.c, the loops in bandwidth.c and latency.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include <rte_marlin_dma.h>

#include "perf_host.h"

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
			rc = run_settle(c, bw_run(c));
			prepare_size(c, size);
		}
		c->duration_cycles = d;
		for (q = 0; q < c->nb_qp; q++)
			c->run[q].total = d != 0 ? UINT64_MAX : c->iters;
		if (rc == 0) {
			rc = run_settle(c, bw_run(c));
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
	ctl_put_result(&m, res);
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
		rc = run_settle(c, bw_run(c));
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
	ctl_get_result(&m, res);
	return 0;
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
		rc = ctl_recv(c, CTL_ANY, &m, true);
		if (rc != 0)
			break;
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
