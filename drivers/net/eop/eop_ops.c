/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP ethdev operations: configure, start, stop, close, queues, MTU and
 * filters, basic and extended statistics.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "eop_private.h"

static inline struct eop_port *
eop_port_of(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

static uint32_t
max_mtu_of(const struct eop_params *p)
{
	uint32_t m = p->slot * EOP_MAX_FRAGS - EOP_PAD - EOP_L2_OVERHEAD;

	m = RTE_MIN(m, (uint32_t)EOP_FRAME_MAX - EOP_L2_OVERHEAD);
	return RTE_MIN(m, (uint32_t)EOP_MAX_MTU);
}

static void
queues_set_started(struct eop_port *port, int on)
{
	struct rte_eth_dev_data *data = port->dev->data;
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		int rx = on && q < data->nb_rx_queues && port->rxq[q].configured;
		int tx = on && q < data->nb_tx_queues && port->txq[q].configured;

		__atomic_store_n(&port->rxq[q].started, rx, __ATOMIC_SEQ_CST);
		__atomic_store_n(&port->txq[q].started, tx, __ATOMIC_SEQ_CST);
		if (q < data->nb_rx_queues)
			data->rx_queue_state[q] = rx ? RTE_ETH_QUEUE_STATE_STARTED :
				RTE_ETH_QUEUE_STATE_STOPPED;
		if (q < data->nb_tx_queues)
			data->tx_queue_state[q] = tx ? RTE_ETH_QUEUE_STATE_STARTED :
				RTE_ETH_QUEUE_STATE_STOPPED;
	}
}

/* ---- ethdev operations -------------------------------------------------- */

/* Say once per configure what ring sizes the window allows, when it allows
 * less than EOP's largest, and the window that would allow that. */
static void
depth_note(struct eop_port *port)
{
	uint32_t max = eop_depth_max(port);
	char hint[160];

	if (max >= EOP_MAX_DEPTH)
		return;
	eop_window_hint(port, EOP_MAX_DEPTH, hint, sizeof(hint));
	EOP_LOG(NOTICE, "port %u: this window holds rings of up to %u slots (nb_desc <= %u); rings of %u slots need %s",
		port->port_id, max, max, EOP_MAX_DEPTH, hint);
}

static int
eop_dev_configure(struct rte_eth_dev *dev)
{
	struct eop_port *port = eop_port_of(dev);
	struct rte_eth_dev_data *data = dev->data;
	int rc = 0;

	if (data->nb_rx_queues > port->p.queues ||
			data->nb_tx_queues > port->p.queues) {
		EOP_LOG(ERR, "port %u: %u rx / %u tx queues asked; the port was probed with queues=%u: raise queues= (on both hosts)",
			port->port_id, data->nb_rx_queues, data->nb_tx_queues,
			port->p.queues);
		return -EINVAL;
	}
	rte_spinlock_lock(&port->lock);
	depth_note(port);
	eop_intr_free(port);
	if (data->dev_conf.intr_conf.rxq) {
		rc = eop_intr_setup(port, data->nb_rx_queues);
		if (rc != 0)
			EOP_LOG(ERR, "port %u: cannot set up receive interrupts: %s",
				port->port_id, strerror(-rc));
	}
	rte_spinlock_unlock(&port->lock);
	return rc;
}

static int
eop_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct eop_port *port = eop_port_of(dev);
	uint32_t max_mtu = max_mtu_of(&port->p);

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = max_mtu + EOP_L2_OVERHEAD;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = (uint16_t)max_mtu;
	info->min_rx_bufsize = 0;
	info->max_rx_queues = port->p.queues;
	info->max_tx_queues = port->p.queues;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->rx_queue_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_queue_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->flow_type_rss_offloads = 0;
	/* what the window holds; a size between powers of two is rounded up */
	info->rx_desc_lim.nb_max = (uint16_t)eop_depth_max(port);
	info->rx_desc_lim.nb_min = EOP_MIN_DEPTH;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	info->tx_desc_lim.nb_seg_max = EOP_MAX_FRAGS;
	info->tx_desc_lim.nb_mtu_seg_max = EOP_MAX_FRAGS;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->default_rxportconf.ring_size = port->p.depth;
	info->default_txportconf.ring_size = port->p.depth;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	return 0;
}

static int
eop_dev_start(struct rte_eth_dev *dev)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int q;
	int rc;

	rte_spinlock_lock(&port->lock);
	/* rte_eth_dev_configure() sets the MTU without calling mtu_set. */
	if (dev->data->mtu >= RTE_ETHER_MIN_MTU &&
			dev->data->mtu <= max_mtu_of(&port->p))
		port->mtu = dev->data->mtu;
	for (q = 0; q < port->p.queues; q++) {
		port->rxq[q].max_frame = port->mtu + EOP_L2_OVERHEAD;
		port->txq[q].max_frame = port->mtu + EOP_L2_OVERHEAD;
	}
	rc = eop_rings_apply(port);
	if (rc != 0) {
		rte_spinlock_unlock(&port->lock);
		return rc;
	}
	port->started = 1;
	queues_set_started(port, 1);
	eop_link_refresh(port);
	rte_spinlock_unlock(&port->lock);
	return 0;
}

static int
eop_dev_stop(struct rte_eth_dev *dev)
{
	struct eop_port *port = eop_port_of(dev);

	rte_spinlock_lock(&port->lock);
	port->started = 0;
	queues_set_started(port, 0);
	rte_spinlock_unlock(&port->lock);
	/* Bursts that began before the stop finish before we return. */
	eop_quiesce(port, "port stop");
	rte_spinlock_lock(&port->lock);
	eop_link_refresh(port);
	rte_spinlock_unlock(&port->lock);
	return 0;
}

int
eop_dev_close(struct rte_eth_dev *dev)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (port->started)
		eop_dev_stop(dev);
	rte_spinlock_lock(&port->lock);
	port->closing = 1;
	rte_spinlock_unlock(&port->lock);
	/* Waits for a running alarm unless we are inside it (the application
	 * closed the port from its link-state callback): then it sets
	 * rte_errno to EINPROGRESS, having removed the re-armed one, and the
	 * running alarm touches nothing of the port after that callback. */
	rte_errno = 0;
	rte_eal_alarm_cancel(eop_alarm, port);
	if (rte_errno == EINPROGRESS)
		EOP_LOG(DEBUG, "port %u: closed from its own alarm", port->port_id);
	eop_quiesce(port, "port close");

	eop_intr_free(port);
	rte_marlin_hrdma_channel_destroy(port->ch);
	port->ch = NULL;
	for (q = 0; q < port->p.queues; q++) {
		/* Zero-copy mbufs still held keep their block alive. */
		eop_rxq_fini(&port->rxq[q]);
		rte_free(port->txq[q].stage);
		port->txq[q].stage = NULL;
		eop_txq_unhold(&port->txq[q]);
		port->rxq[q].configured = 0;
		port->txq[q].configured = 0;
	}
	eop_txpool_free(port);
	EOP_LOG(INFO, "port %u closed", port->port_id);
	return 0;
}

static int
eop_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(wait_to_complete);
	/* The control alarm keeps dev->data->dev_link current. */
	return 0;
}

static int
eop_promisc_enable(struct rte_eth_dev *dev)
{
	eop_port_of(dev)->promisc = 1;
	return 0;
}

static int
eop_promisc_disable(struct rte_eth_dev *dev)
{
	eop_port_of(dev)->promisc = 0;
	return 0;
}

static int
eop_allmulti_enable(struct rte_eth_dev *dev)
{
	eop_port_of(dev)->allmulti = 1;
	return 0;
}

static int
eop_allmulti_disable(struct rte_eth_dev *dev)
{
	eop_port_of(dev)->allmulti = 0;
	return 0;
}

static int
eop_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	rte_ether_addr_copy(addr, &eop_port_of(dev)->mac);
	return 0;
}

static int
eop_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int q;

	if (mtu > max_mtu_of(&port->p))
		return -EINVAL;
	port->mtu = mtu;
	for (q = 0; q < port->p.queues; q++) {
		__atomic_store_n(&port->rxq[q].max_frame, mtu + EOP_L2_OVERHEAD,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&port->txq[q].max_frame, mtu + EOP_L2_OVERHEAD,
				 __ATOMIC_RELAXED);
	}
	return 0;
}

static int
eop_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_rxconf *conf,
		struct rte_mempool *mp)
{
	struct eop_port *port = eop_port_of(dev);
	struct eop_rxq *rxq = &port->rxq[qid];
	uint64_t offloads = conf->offloads | dev->data->dev_conf.rxmode.offloads;

	RTE_SET_USED(socket);
	if (qid >= port->p.queues)
		return -EINVAL;
	if (eop_depth_pick(port, "rx", qid, nb_desc, &rxq->want) != 0)
		return -EINVAL;
	rxq->mp = mp;
	rxq->scatter = !!(offloads & RTE_ETH_RX_OFFLOAD_SCATTER);
	rxq->port_id = dev->data->port_id;
	rxq->max_frame = port->mtu + EOP_L2_OVERHEAD;
	rxq->configured = 1;
	dev->data->rx_queues[qid] = rxq;
	if (!rxq->scatter && rte_pktmbuf_data_room_size(mp) <
			RTE_PKTMBUF_HEADROOM + rxq->max_frame)
		EOP_LOG(NOTICE, "port %u rx queue %u: mbufs of %u bytes cannot hold %u-byte frames without scatter; longer frames are dropped",
			port->port_id, qid, rte_pktmbuf_data_room_size(mp) -
			RTE_PKTMBUF_HEADROOM, rxq->max_frame);
	return 0;
}

static int
eop_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct eop_port *port = eop_port_of(dev);
	struct eop_txq *txq = &port->txq[qid];

	RTE_SET_USED(socket);
	RTE_SET_USED(conf);
	if (qid >= port->p.queues)
		return -EINVAL;
	if (eop_depth_pick(port, "tx", qid, nb_desc, &txq->want) != 0)
		return -EINVAL;
	txq->max_frame = port->mtu + EOP_L2_OVERHEAD;
	txq->configured = 1;
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static void
eop_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	/* Queue objects live as long as the port: they track ring state
	 * that HRDMA keeps across reconfiguration. */
	struct eop_port *port = eop_port_of(dev);

	if (qid < port->p.queues)
		port->rxq[qid].configured = 0;
}

static void
eop_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct eop_port *port = eop_port_of(dev);

	if (qid < port->p.queues)
		port->txq[qid].configured = 0;
}

static int
eop_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct eop_port *port = eop_port_of(dev);

	if (qid >= port->p.queues || !port->intr_rxq)
		return -EINVAL;
	return eop_rxq_intr_arm(&port->rxq[qid]);
}

static int
eop_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct eop_port *port = eop_port_of(dev);

	if (qid >= port->p.queues)
		return -EINVAL;
	__atomic_store_n(&port->rxq[qid].armed, 0, __ATOMIC_RELEASE);
	return 0;
}

static void
eop_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		struct rte_eth_rxq_info *qinfo)
{
	struct eop_port *port = eop_port_of(dev);
	struct eop_rxq *rxq = &port->rxq[qid];

	qinfo->mp = rxq->mp;
	qinfo->scattered_rx = rxq->scatter;
	qinfo->nb_desc = port->depth;
	qinfo->conf.offloads = rxq->scatter ? RTE_ETH_RX_OFFLOAD_SCATTER : 0;
}

static void
eop_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		struct rte_eth_txq_info *qinfo)
{
	RTE_SET_USED(qid);
	qinfo->nb_desc = eop_port_of(dev)->depth;
}

/* ---- statistics --------------------------------------------------------- */

static int
eop_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		const struct eop_rxq *rxq = &port->rxq[q];
		const struct eop_txq *txq = &port->txq[q];
		uint64_t rxerr = rxq->malformed + rxq->too_big;

		st->ipackets += rxq->pkts;
		st->ibytes += rxq->bytes;
		st->ierrors += rxerr;
		st->imissed += rxq->lost_link;
		st->rx_nombuf += rxq->nombuf;
		st->opackets += txq->pkts;
		st->obytes += txq->bytes;
		st->oerrors += txq->errors + txq->lost_link;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[q] = rxq->pkts;
			st->q_ibytes[q] = rxq->bytes;
			st->q_errors[q] = rxerr;
			st->q_opackets[q] = txq->pkts;
			st->q_obytes[q] = txq->bytes;
		}
	}
	return 0;
}

static int
eop_stats_reset(struct rte_eth_dev *dev)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		struct eop_rxq *rxq = &port->rxq[q];
		struct eop_txq *txq = &port->txq[q];

		rxq->pkts = rxq->bytes = rxq->zc_frames = rxq->copied = 0;
		rxq->malformed = rxq->filtered = rxq->too_big = 0;
		rxq->nombuf = rxq->lost_link = rxq->wakeups = 0;
		txq->pkts = txq->bytes = txq->ring_full = txq->link_down = 0;
		txq->lost_link = txq->errors = txq->doorbells = 0;
	}
	port->link_ups = port->link_downs = 0;
	return 0;
}

/* Extended statistics: per-queue counters, then their sums. */
struct xstat_def {
	const char *name;
	int tx;
	size_t off;
};

#define RXS(n, f) { n, 0, offsetof(struct eop_rxq, f) }
#define TXS(n, f) { n, 1, offsetof(struct eop_txq, f) }

static const struct xstat_def xq_defs[] = {
	RXS("zero_copy_frames", zc_frames),
	RXS("copied_frames", copied),
	RXS("malformed_frames", malformed),
	RXS("oversize_frames", too_big),
	RXS("filtered_frames", filtered),
	RXS("nombuf", nombuf),
	RXS("link_lost_frames", lost_link),
	RXS("wakeups", wakeups),
	TXS("ring_full", ring_full),
	TXS("link_down", link_down),
	TXS("link_lost_frames", lost_link),
	TXS("stale_pool_frames", stale_pool),
	TXS("error_frames", errors),
	TXS("doorbells", doorbells),
};

static const char *const xport_names[] = {
	"link_ups", "link_downs", "peer_malformed",
};

static unsigned int
xstats_count(const struct eop_port *port)
{
	return RTE_DIM(xport_names) + RTE_DIM(xq_defs) * (1 + port->p.queues);
}

static uint64_t
xq_value(const struct eop_port *port, const struct xstat_def *d, unsigned int q)
{
	const uint8_t *base = d->tx ? (const uint8_t *)&port->txq[q] :
		(const uint8_t *)&port->rxq[q];

	return *(const uint64_t *)(base + d->off);
}

static int
eop_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		unsigned int size)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int n = xstats_count(port), i, q, k = 0;

	if (names == NULL || size < n)
		return (int)n;
	for (i = 0; i < RTE_DIM(xport_names); i++)
		snprintf(names[k++].name, sizeof(names[0].name), "%s", xport_names[i]);
	for (i = 0; i < RTE_DIM(xq_defs); i++)
		snprintf(names[k++].name, sizeof(names[0].name), "%s_%s",
			 xq_defs[i].tx ? "tx" : "rx", xq_defs[i].name);
	for (q = 0; q < port->p.queues; q++)
		for (i = 0; i < RTE_DIM(xq_defs); i++)
			snprintf(names[k++].name, sizeof(names[0].name), "%s_q%u_%s",
				 xq_defs[i].tx ? "tx" : "rx", q, xq_defs[i].name);
	return (int)n;
}

static int
eop_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int size)
{
	struct eop_port *port = eop_port_of(dev);
	unsigned int n = xstats_count(port), i, q, k = 0;
	uint64_t malformed = 0;

	if (xs == NULL || size < n)
		return (int)n;
	for (q = 0; port->ch != NULL && q < 2u * port->p.queues; q++) {
		struct rte_marlin_hrdma_qp_stats s;

		if (rte_marlin_hrdma_qp_stats_get(rte_marlin_hrdma_qp_get(port->ch, q),
						  &s) == 0)
			malformed += s.malformed;
	}
	xs[k].id = k; xs[k++].value = port->link_ups;
	xs[k].id = k; xs[k++].value = port->link_downs;
	xs[k].id = k; xs[k++].value = malformed;
	for (i = 0; i < RTE_DIM(xq_defs); i++) {
		uint64_t sum = 0;

		for (q = 0; q < port->p.queues; q++)
			sum += xq_value(port, &xq_defs[i], q);
		xs[k].id = k;
		xs[k++].value = sum;
	}
	for (q = 0; q < port->p.queues; q++)
		for (i = 0; i < RTE_DIM(xq_defs); i++) {
			xs[k].id = k;
			xs[k++].value = xq_value(port, &xq_defs[i], q);
		}
	return (int)n;
}

const struct eth_dev_ops eop_ops = {
	.dev_configure = eop_dev_configure,
	.dev_infos_get = eop_dev_infos_get,
	.dev_start = eop_dev_start,
	.dev_stop = eop_dev_stop,
	.dev_close = eop_dev_close,
	.link_update = eop_link_update,
	.promiscuous_enable = eop_promisc_enable,
	.promiscuous_disable = eop_promisc_disable,
	.allmulticast_enable = eop_allmulti_enable,
	.allmulticast_disable = eop_allmulti_disable,
	.mac_addr_set = eop_mac_addr_set,
	.mtu_set = eop_mtu_set,
	.rx_queue_setup = eop_rx_queue_setup,
	.tx_queue_setup = eop_tx_queue_setup,
	.rx_queue_release = eop_rx_queue_release,
	.tx_queue_release = eop_tx_queue_release,
	.rx_queue_intr_enable = eop_rx_intr_enable,
	.rx_queue_intr_disable = eop_rx_intr_disable,
	.rxq_info_get = eop_rxq_info_get,
	.txq_info_get = eop_txq_info_get,
	.stats_get = eop_stats_get,
	.stats_reset = eop_stats_reset,
	.xstats_get = eop_xstats_get,
	.xstats_get_names = eop_xstats_get_names,
	.xstats_reset = eop_stats_reset,
};
