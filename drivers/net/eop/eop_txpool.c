/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP transmit pool: mbufs whose buffers lie in the peer's memory, so that
 * the application builds a frame where the peer receives it and transmit
 * posts a descriptor only (see eop_wire.h, "Frames built in place").
 *
 * The buffers are the last tx_bufs x EOP_TXBUF_SIZE bytes of the part of
 * the peer's window this host writes (our HRDMA remote region ends there).
 * That end does not move when the rings are rebuilt with another depth;
 * eop_rings_apply() refuses rings that would grow into the buffers. The
 * mbuf headers and their shared-info records stay in local memory.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "rte_pmd_eop.h"
#include "eop_private.h"

void
eop_txpool_bind(struct eop_port *port)
{
	size_t region_len = 0;
	unsigned int q;

	if (port->txpool == NULL || port->ch == NULL)
		return;
	rte_marlin_hrdma_local_region(port->ch, &region_len);
	for (q = 0; q < port->p.queues; q++) {
		struct eop_txq *txq = &port->txq[q];

		/* both hosts run the same geometry: the peer's region is as
		 * long as ours and ends where our slice of its window does */
		txq->rregion = port->tx_area + port->tx_area_len - region_len;
		__atomic_store_n(&txq->pool, port->txpool, __ATOMIC_RELEASE);
	}
}

void
eop_txpool_free(struct eop_port *port)
{
	unsigned int q, used;

	if (port->txpool == NULL)
		return;
	for (q = 0; q < port->p.queues; q++)
		port->txq[q].pool = NULL;
	used = rte_mempool_in_use_count(port->txpool);
	if (used != 0) {
		/* Freeing it would leave the application's mbufs dangling. */
		EOP_LOG(WARNING, "port %u: the application still holds %u mbufs of the transmit pool at close; the pool is left allocated (free them before closing the port)",
			port->port_id, used);
	} else {
		rte_mempool_free(port->txpool);
	}
	port->txpool = NULL;
	port->tx_area = NULL;
	port->tx_area_len = 0;
}

/* Where our slice of the peer's window is mapped, and its length. */
static int
peer_slice(struct eop_port *port, uint8_t **slice)
{
	void *base = NULL;
	size_t wlen = 0, off;
	int rc;

	rc = rte_marlin_ntb_peer_mw_get_addr(port->ntb_id, port->pidx,
					     port->p.widx, &base, &wlen);
	if (rc != 0)
		return rc;
	off = port->slices > 1 ? (size_t)port->local_port * port->slice_len : 0;
	if (off > wlen || port->slice_len > wlen - off)
		return -ENOSPC;
	*slice = (uint8_t *)base + off;
	return 0;
}

struct rte_mempool *
rte_pmd_eop_tx_mempool(uint16_t port_id)
{
	struct rte_pktmbuf_extmem ext;
	struct rte_eth_dev *dev;
	struct eop_port *port;
	struct rte_mempool *mp;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint8_t *slice = NULL;
	size_t area, need;
	unsigned int cache;
	int rc;

	if (!rte_eth_dev_is_valid_port(port_id)) {
		rte_errno = ENODEV;
		return NULL;
	}
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &eop_ops) {
		EOP_LOG(ERR, "port %u is not a net_eop link port (rack ports have no transmit pool)",
			port_id);
		rte_errno = ENODEV;
		return NULL;
	}
	port = dev->data->dev_private;
	if (port->txpool != NULL)
		return port->txpool;
	if (port->ch == NULL) {
		EOP_LOG(ERR, "port %u is closed: no transmit pool", port_id);
		rte_errno = ENODEV;
		return NULL;
	}
	if (port->p.tx_bufs == 0) {
		EOP_LOG(ERR, "port %u: no transmit pool: give the port devarg tx_bufs=N (e.g. tx_bufs=512)",
			port_id);
		rte_errno = ENOTSUP;
		return NULL;
	}
	area = (size_t)port->p.tx_bufs * EOP_TXBUF_SIZE;
	need = eop_window_need(port->p.queues, port->depth, port->p.slot) + area;
	if (need > port->slice_len) {
		EOP_LOG(ERR, "port %u: tx_bufs=%u needs %zu KiB of the window beside rings of %u x %u bytes; this host's part is %zu KiB: use fewer tx_bufs or a larger mw_size",
			port_id, port->p.tx_bufs, need / 1024, port->depth,
			port->p.slot, port->slice_len / 1024);
		rte_errno = ENOSPC;
		return NULL;
	}
	rc = peer_slice(port, &slice);
	if (rc != 0) {
		EOP_LOG(ERR, "port %u: cannot map the peer's window (%s)%s", port_id,
			strerror(-rc), rc == -ENOLINK ?
			": ask for the transmit pool once the link is up" : "");
		rte_errno = rc == -ENOLINK ? EAGAIN : -rc;
		return NULL;
	}
	memset(&ext, 0, sizeof(ext));
	ext.buf_ptr = slice + port->slice_len - area;
	ext.buf_iova = RTE_BAD_IOVA;
	ext.buf_len = area;
	ext.elt_size = EOP_TXBUF_SIZE;
	snprintf(name, sizeof(name), "eop_txpool_%u", port_id);
	cache = RTE_MIN(128u, port->p.tx_bufs / 4);
	mp = rte_pktmbuf_pool_create_extbuf(name, port->p.tx_bufs, cache, 0,
			EOP_TXBUF_SIZE, dev->data->numa_node, &ext, 1);
	if (mp == NULL) {
		EOP_LOG(ERR, "port %u: cannot create the transmit pool of %u buffers: %s",
			port_id, port->p.tx_bufs, rte_strerror(rte_errno));
		return NULL;
	}
	port->tx_area = ext.buf_ptr;
	port->tx_area_len = area;
	port->txpool = mp;
	eop_txpool_bind(port);
	EOP_LOG(INFO, "port %u: transmit pool %s of %u buffers in host %d's memory",
		port_id, name, port->p.tx_bufs, port->p.peer);
	return mp;
}

int
rte_pmd_eop_tx_pool_rearm(uint16_t port_id)
{
	struct rte_eth_dev *dev;
	struct eop_port *port;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &eop_ops)
		return -ENODEV;
	port = dev->data->dev_private;
	if (port->txpool == NULL)
		return -ENOTSUP;
	if (__atomic_load_n(&port->hstate, __ATOMIC_SEQ_CST) !=
			RTE_MARLIN_HRDMA_STATE_UP)
		return -EAGAIN;
	__atomic_store_n(&port->txpool_stale, 0, __ATOMIC_SEQ_CST);
	return 0;
}
