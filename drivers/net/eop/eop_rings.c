/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP ring sizes: the HRDMA channel of a port and the depth of its rings.
 *
 * The application chooses the ring size (nb_desc of rx/tx_queue_setup;
 * devarg depth= is the default when it asks for none). All queue pairs of
 * a channel share one depth, so the port uses the largest size its queues
 * asked for, rounded up to a power of two, and rebuilds the channel at
 * start when that differs from the rings it has. Both hosts must end up
 * with the same depth (the HRDMA handshake refuses a mismatch, and the
 * port says so). The largest depth the NTB window holds is what
 * rte_eth_dev_info reports as the descriptor limit.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_common.h>
#include <rte_errno.h>

#include "rte_marlin_args.h"
#include "eop_private.h"

/* Bytes of one host's window slice the port's channel takes: HRDMA's
 * rings and the region that holds EOP's control lines (0: out of range). */
size_t
eop_window_need(uint16_t queues, uint32_t depth, uint32_t slot)
{
	struct rte_marlin_hrdma_conf conf;
	ssize_t n;

	memset(&conf, 0, sizeof(conf));
	conf.nb_qp = (uint16_t)(2 * queues);
	conf.depth = (uint16_t)depth;
	conf.msg_size = slot;
	n = rte_marlin_hrdma_window_size(&conf, sizeof(struct eop_wire_ctl));
	return n > 0 ? (size_t)n : 0;
}

uint32_t
eop_depth_fit(uint16_t queues, uint32_t slot, size_t slice_len, uint32_t cap)
{
	uint32_t d;

	for (d = cap; d > EOP_MIN_DEPTH; d >>= 1) {
		size_t need = eop_window_need(queues, d, slot);

		if (need != 0 && need <= slice_len)
			break;
	}
	return d;
}

uint32_t
eop_depth_max(const struct eop_port *port)
{
	return eop_depth_fit(port->p.queues, port->p.slot, port->slice_len,
			     EOP_MAX_DEPTH);
}

/* Slot size when slot= is not given: the largest up to EOP_PREF_SLOT
 * with which the window holds @depth slots (the smallest ring when depth
 * is automatic too). */
static uint32_t
slot_fit(uint16_t queues, uint32_t depth, size_t slice_len)
{
	uint32_t s, d = depth != EOP_DEFAULT_DEPTH ? depth : EOP_MIN_DEPTH;

	for (s = EOP_PREF_SLOT; s > EOP_MIN_SLOT; s >>= 1) {
		size_t need = eop_window_need(queues, d, s);

		if (need != 0 && need <= slice_len)
			break;
	}
	return s;
}

void
eop_window_text(int slices, uint16_t queues, uint32_t depth, uint32_t slot,
		char *buf, size_t len)
{
	char sz[24];
	uint64_t w = (uint64_t)slices * eop_window_need(queues, depth, slot);

	/* a size ntb_shm takes both on hugetlbfs and in /dev/shm */
	w = w < (UINT64_C(2) << 20) ? rte_align64pow2(w) :
		RTE_ALIGN_CEIL(w, UINT64_C(2) << 20);

	rte_marlin_size_format(w, sz, sizeof(sz));
	snprintf(buf, len, "mw_size=%s (ntb_shm, on every host; %d host slices of queues=%u x depth=%u x slot=%u)",
		 sz, slices, queues, depth, slot);
}

void
eop_window_hint(const struct eop_port *port, uint32_t depth, char *buf,
		size_t len)
{
	eop_window_text(port->slices, port->p.queues, depth, port->p.slot,
			buf, len);
}

int
eop_rings_auto(const char *name, struct eop_params *p, uint16_t ntb_id,
		int pidx, int slices)
{
	struct rte_marlin_ntb_mw_align al;
	int auto_slot = p->slot == EOP_DEFAULT_SLOT;
	int auto_depth = p->depth == EOP_DEFAULT_DEPTH;
	size_t slice;

	if (!auto_slot && !auto_depth)
		return 0;
	if (rte_marlin_ntb_mw_get_align(ntb_id, pidx, p->widx, &al) != 0) {
		/* no such window: opening the channel says so */
		slice = 0;
		al.size_max = 0;
	} else {
		slice = RTE_ALIGN_FLOOR(al.size_max / (uint64_t)slices, 4096);
	}
	if (auto_slot)
		p->slot = slot_fit(p->queues, p->depth, slice);
	if (auto_depth)
		p->depth = (uint16_t)eop_depth_fit(p->queues, p->slot, slice,
						   EOP_AUTO_DEPTH_MAX);
	if (eop_window_need(p->queues, p->depth, p->slot) > slice &&
			al.size_max != 0) {
		char hint[160];

		eop_window_text(slices, p->queues, p->depth, p->slot, hint,
				sizeof(hint));
		EOP_LOG(ERR, "%s: a %" PRIu64 "-byte window shared by %d hosts cannot hold queues=%u with %s even at depth=%u slot=%u: use fewer queues%s, or %s",
			name, al.size_max, slices, p->queues,
			auto_depth ? "any ring size" : "this depth=",
			p->depth, p->slot, auto_depth ? "" : ", a smaller depth=",
			hint);
		return -ENOSPC;
	}
	rte_log(auto_slot && p->slot < EOP_PREF_SLOT ? RTE_LOG_NOTICE :
		RTE_LOG_INFO, eop_logtype,
		"net_eop: %s: rings of %u slots of %u bytes by default (what a %" PRIu64 "-byte window shared by %d hosts holds for queues=%u; depth= and slot= choose)\n",
		name, p->depth, p->slot, al.size_max, slices, p->queues);
	return 0;
}

int
eop_depth_pick(struct eop_port *port, const char *dir, uint16_t qid,
		uint16_t nb_desc, uint16_t *depth)
{
	uint32_t d = rte_align32pow2(RTE_MAX((uint32_t)nb_desc,
					     (uint32_t)EOP_MIN_DEPTH));
	uint32_t max = eop_depth_max(port);
	char hint[160];

	if (d > max) {
		/* ethdev checks rx/tx_desc_lim first: only a direct caller
		 * gets here */
		eop_window_hint(port, d, hint, sizeof(hint));
		EOP_LOG(ERR, "port %u %s queue %u: %u descriptors refused: this window holds rings of up to %u slots; use %s",
			port->port_id, dir, qid, nb_desc, max, hint);
		return -EINVAL;
	}
	if (d != nb_desc)
		EOP_LOG(NOTICE, "port %u %s queue %u: %u descriptors rounded to %u (EOP rings are a power of two, %u..%u)",
			port->port_id, dir, qid, nb_desc, d, EOP_MIN_DEPTH, max);
	*depth = (uint16_t)d;
	return 0;
}

struct rte_marlin_hrdma_channel *
eop_channel_open(const char *name, const struct eop_params *p,
		uint16_t ntb_id, int pidx, uint16_t depth)
{
	struct rte_marlin_hrdma_conf conf;
	struct rte_marlin_hrdma_channel *ch;

	memset(&conf, 0, sizeof(conf));
	conf.nb_qp = (uint16_t)(2 * p->queues);
	conf.depth = depth;
	conf.msg_size = p->slot;
	conf.widx = p->widx;
	conf.dma_dev_id = -1;
	conf.nt_threshold = p->nt_threshold;
	ch = rte_marlin_hrdma_channel_create(ntb_id, pidx, &conf);
	if (ch == NULL) {
		int err = rte_errno != 0 ? rte_errno : EIO;

		EOP_LOG(ERR, "%s: cannot open an HRDMA channel to host %d over %s (%s): see the HRDMA message above; queues=%u depth=%u slot=%u need %zu KiB of window per host",
			name, p->peer, p->ntb, rte_strerror(err), p->queues,
			depth, p->slot,
			eop_window_need(p->queues, depth, p->slot) / 1024);
		rte_errno = err;
	}
	return ch;
}

void
eop_queues_bind(struct eop_port *port)
{
	size_t region_len = 0;
	uint8_t *region = rte_marlin_hrdma_local_region(port->ch, &region_len);
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		struct eop_rxq *rxq = &port->rxq[q];
		struct eop_txq *txq = &port->txq[q];

		rxq->region = region;
		rxq->region_len = (uint32_t)RTE_MIN(region_len, (size_t)UINT32_MAX);

		rxq->qp = rte_marlin_hrdma_qp_get(port->ch,
						  eop_rx_qp(port->low, q));
		rxq->mask = port->depth - 1u;
		txq->qp = rte_marlin_hrdma_qp_get(port->ch,
						  eop_tx_qp(port->low, q));
		txq->arm = &port->ctl->arm[q];
		txq->depth = port->depth;
	}
	eop_txpool_bind(port);
}

/* The depth the configured queues asked for (0: none configured). */
static uint16_t
depth_wanted(const struct eop_port *port)
{
	const struct rte_eth_dev_data *data = port->dev->data;
	uint16_t d = 0;
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		if (q < data->nb_rx_queues && port->rxq[q].configured)
			d = RTE_MAX(d, port->rxq[q].want);
		if (q < data->nb_tx_queues && port->txq[q].configured)
			d = RTE_MAX(d, port->txq[q].want);
	}
	return d;
}

/* Swap the channel for one with @depth rings. Lock held, no burst runs. */
static int
channel_rebuild(struct eop_port *port, uint16_t depth)
{
	struct rte_marlin_hrdma_channel *ch;
	const char *name = port->dev->data->name;
	size_t len = 0;
	unsigned int q;
	void *region;
	int rc = 0;

	rte_marlin_hrdma_channel_destroy(port->ch);
	port->ch = NULL;
	ch = eop_channel_open(name, &port->p, port->ntb_id, port->pidx, depth);
	if (ch == NULL) {
		rc = -rte_errno;
		depth = port->depth;  /* back to the rings that fitted */
		ch = eop_channel_open(name, &port->p, port->ntb_id,
				      port->pidx, depth);
		if (ch == NULL)
			return -rte_errno;
	}
	region = rte_marlin_hrdma_local_region(ch, &len);
	port->ch = ch;
	port->ctl = region;
	memset(port->ctl, 0, sizeof(*port->ctl));
	port->depth = depth;
	port->hstate = RTE_MARLIN_HRDMA_STATE_DOWN;
	memset(port->mismatch, 0, sizeof(port->mismatch));
	eop_queues_bind(port);
	for (q = 0; q < port->p.queues; q++) {
		struct eop_rxq *rxq = &port->rxq[q];
		int efd = rxq->efd;     /* receive interrupts stay */

		eop_rxq_fini(rxq);
		if (eop_rxq_init(rxq, port->dev->data->numa_node) != 0 &&
				rc == 0)
			rc = -ENOMEM;
		rxq->efd = efd;
	}
	/* every queue resets its ring state at its next burst */
	__atomic_add_fetch(&port->gen, 1, __ATOMIC_SEQ_CST);
	return rc;
}

int
eop_rings_apply(struct eop_port *port)
{
	uint16_t want = depth_wanted(port);
	unsigned int q;
	uint32_t held = 0;
	int rc;

	if (want == 0 || want == port->depth)
		return 0;
	if (port->txpool != NULL &&
			eop_window_need(port->p.queues, want, port->p.slot) +
			port->tx_area_len > port->slice_len) {
		EOP_LOG(NOTICE, "port %u: keeps rings of %u slots (asked: %u): larger rings would reach the transmit pool's buffers in the window (tx_bufs=%u)",
			port->port_id, port->depth, want, port->p.tx_bufs);
		return 0;
	}
	for (q = 0; q < port->p.queues; q++)
		held += eop_rxq_zc_held(&port->rxq[q]);
	if (held != 0) {
		EOP_LOG(NOTICE, "port %u: keeps rings of %u slots (asked: %u) while the application holds %u zero-copy mbufs of this port: free them and restart the port",
			port->port_id, port->depth, want, held);
		return 0;
	}
	rc = channel_rebuild(port, want);
	if (rc != 0) {
		EOP_LOG(ERR, "port %u: cannot rebuild the channel with rings of %u slots (%s); %s",
			port->port_id, want, strerror(-rc),
			port->ch != NULL ? "the port keeps its previous rings" :
			"the port has no channel: close it");
		return port->ch != NULL ? 0 : rc;
	}
	EOP_LOG(INFO, "port %u: rings of %u slots per queue (the peer must use the same)",
		port->port_id, want);
	return 0;
}
