/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: setting a host up. The sizes the options imply (rings,
 * message slots, the region the test writes into, the window), the NTB
 * device and peer, the copy engine, the HRDMA channel and the buffers, and
 * the report header.
 */

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include <rte_marlin_dma.h>
#include <rte_marlin_ntb.h>

#include "perf_host.h"

/* ---- sizes -------------------------------------------------------------- */

static uint32_t
pow2_ceil32(uint64_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

static uint32_t
perf_ring_depth(const struct perf_opts *o)
{
	if (o->ring_depth != 0)
		return o->ring_depth;
	return RTE_MIN(4096u, RTE_MAX(256u, pow2_ceil32(o->tx_depth)));
}

static uint32_t
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

uint32_t
notify_every(const struct perf_opts *o, uint64_t size)
{
	if (o->notify_every != 0)
		return o->notify_every;
	return size >= 65536 ? 1 : (uint32_t)(65536 / size);
}

uint32_t
slots_for(const struct perf_opts *o, uint64_t size)
{
	uint32_t m = notify_every(o, size);
	uint32_t s = RTE_MAX(o->slots, 2 * m);

	return RTE_ALIGN_MUL_CEIL(s, m);
}

/* Bytes of the peer's region the test needs. */
static uint64_t
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

/* The HRDMA configuration both hosts derive from the options. */
static void
hrdma_conf(const struct perf_opts *o, const struct perf_sizes *sz, int dma_id,
		struct rte_marlin_hrdma_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->nb_qp = (uint16_t)o->nb_qp;
	conf->depth = (uint16_t)perf_ring_depth(o);
	conf->msg_size = perf_msg_size(o, sz);
	conf->dma_dev_id = dma_id;
	conf->nt_threshold = o->nt_threshold;
}

static uint64_t
pow2_ceil64(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/*
 * ntb_shm window size for @hosts hosts: each host's slice (the channel's
 * rings and the region the test writes into, as HRDMA computes it) times
 * the hosts sharing the window, a power of two, at least 64 MiB.
 * 0: the options make no valid channel (HRDMA logged why).
 */
uint64_t
perf_window_size(const struct perf_opts *o, const struct perf_sizes *sz,
		int hosts)
{
	struct rte_marlin_hrdma_conf conf;
	ssize_t slice;

	hrdma_conf(o, sz, -1, &conf);
	slice = rte_marlin_hrdma_window_size(&conf,
			perf_region_needed(o, sz));
	if (slice < 0)
		return 0;
	return RTE_MAX(pow2_ceil64((uint64_t)slice * (uint64_t)hosts),
		       (uint64_t)64 << 20);
}

/* ---- device, engine, channel -------------------------------------------- */

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

int
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
	hrdma_conf(o, c->sz, eng, &conf);
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

/* ---- the report header -------------------------------------------------- */

void
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
