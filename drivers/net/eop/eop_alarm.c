/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP control alarm: an EAL alarm (interrupt thread) drives the HRDMA
 * channel, follows the link, publishes it (LSC events), holds reconnection
 * back while zero-copy mbufs are out, and turns doorbells into receive
 * interrupts (one eventfd per receive queue).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_pause.h>

#include "eop_private.h"

uint64_t
eop_link_speed_mbps(int speed, int width)
{
	/* Usable Mb/s per lane after line coding. */
	static const uint32_t lane[] = { 0, 2000, 4000, 7877, 15754, 31508 };

	/* Unknown (a software fabric) or not PCIe: no figure to derive. */
	if (speed < 1 || speed >= (int)RTE_DIM(lane) || width < 1 ||
			width > RTE_MARLIN_NTB_WIDTH_32)
		return 0;
	return (uint64_t)lane[speed] * (uint64_t)width;
}

/* ---- link and alarm ----------------------------------------------------- */

/* Wait (bounded) until no burst runs on any queue. */
void
eop_quiesce(struct eop_port *port, const char *why)
{
	uint64_t deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * EOP_QUIESCE_MS / 1000;
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		int *busy[2] = { &port->rxq[q].busy, &port->txq[q].busy };
		int k;

		for (k = 0; k < 2; k++) {
			while (__atomic_load_n(busy[k], __ATOMIC_SEQ_CST)) {
				if (rte_get_timer_cycles() > deadline) {
					EOP_LOG(WARNING, "port %u: %s queue %u still in a burst after %d ms (%s); its lcore must stop polling",
						port->port_id, k ? "tx" : "rx", q,
						EOP_QUIESCE_MS, why);
					return;
				}
				rte_pause();
			}
		}
	}
}

/* Publish the link; returns 1 when its up/down state changed. Lock held. */
int
eop_link_refresh(struct eop_port *port)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	if (port->started && port->hstate == RTE_MARLIN_HRDMA_STATE_UP) {
		struct rte_marlin_ntb_link nl;
		uint64_t mbps = 0;

		memset(&nl, 0, sizeof(nl));
		if (rte_marlin_ntb_link_get(port->ntb_id, port->pidx, &nl) == 0)
			mbps = eop_link_speed_mbps(nl.speed, nl.width);
		link.link_speed = mbps != 0 ? (uint32_t)RTE_MIN(mbps, (uint64_t)UINT32_MAX - 1) :
			RTE_ETH_SPEED_NUM_UNKNOWN;
		link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
		link.link_autoneg = RTE_ETH_LINK_FIXED;
		link.link_status = RTE_ETH_LINK_UP;
	} else {
		link.link_speed = RTE_ETH_SPEED_NUM_NONE;
		link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
		link.link_autoneg = RTE_ETH_LINK_FIXED;
		link.link_status = RTE_ETH_LINK_DOWN;
	}
	return rte_eth_linkstatus_set(port->dev, &link) == 0;
}

static void
wake_queue(struct eop_rxq *rxq)
{
	uint64_t one = 1;

	if (rxq->efd >= 0 && __atomic_load_n(&rxq->armed, __ATOMIC_ACQUIRE) &&
			write(rxq->efd, &one, sizeof(one)) == sizeof(one))
		rxq->wakeups++;
}

/*
 * After the channel left UP, HRDMA must not negotiate again while the
 * application still holds zero-copy mbufs that point into receive slots
 * (the peer would write new frames under them). Returns 1 to skip polling.
 */
static int
eop_holdoff(struct eop_port *port)
{
	uint64_t held = 0, hz = rte_get_timer_hz();
	unsigned int q;

	if (port->holdoff_start == 0)
		return 0;
	for (q = 0; q < port->p.queues; q++)
		held += eop_rxq_zc_held(&port->rxq[q]);
	if (held == 0) {
		port->holdoff_start = 0;
		return 0;
	}
	if (rte_get_timer_cycles() - port->holdoff_start > hz * EOP_HOLDOFF_MS / 1000) {
		EOP_LOG(WARNING, "port %u: the application still holds %" PRIu64 " zero-copy receive mbufs %d ms after the link went down; reconnecting anyway (their data may be overwritten; free received mbufs promptly or use zc_min=0)",
			port->port_id, held, EOP_HOLDOFF_MS);
		port->holdoff_start = 0;
		return 0;
	}
	return 1;
}

/*
 * The peer was refused for another queue geometry: say which of the user's
 * devargs differ, in their words (HRDMA counts queue pairs, two per queue).
 * Once per peer setting. Lock held.
 */
static void
eop_report_mismatch(struct eop_port *port)
{
	const struct eop_params *p = &port->p;
	struct rte_marlin_hrdma_info info;
	char keys[64] = "";
	uint32_t queues;

	if (rte_marlin_hrdma_channel_info(port->ch, &info) != 0 ||
			info.peer_nb_qp == 0)
		return;
	if (port->mismatch[0] == info.peer_nb_qp &&
			port->mismatch[1] == info.peer_depth &&
			port->mismatch[2] == info.peer_msg_size)
		return;
	port->mismatch[0] = info.peer_nb_qp;
	port->mismatch[1] = info.peer_depth;
	port->mismatch[2] = info.peer_msg_size;
	if (info.peer_nb_qp % 2 != 0) {
		EOP_LOG(ERR, "port %u: host %d opened its channel with %u queue pairs, an odd count no EOP port uses: is it an EOP port? The link stays down",
			port->port_id, p->peer, info.peer_nb_qp);
		return;
	}
	queues = info.peer_nb_qp / 2;
	snprintf(keys, sizeof(keys), "%s%s%s",
		queues != p->queues ? " queues=" : "",
		info.peer_depth != port->depth ? " depth=" : "",
		info.peer_msg_size != p->slot ? " slot=" : "");
	EOP_LOG(ERR, "port %u: host %d runs net_eop with queues=%u depth=%u slot=%u, this host with queues=%u depth=%u slot=%u: give both ends the same%s%s; the link stays down until they match",
		port->port_id, p->peer, queues, info.peer_depth,
		info.peer_msg_size, p->queues, port->depth, p->slot, keys,
		info.peer_depth != port->depth ?
		" (depth is the ring size the application asks for, e.g. testpmd --rxd/--txd, OVS n_rxq_desc/n_txq_desc; devarg depth= when it asks for none)" : "");
}

void
eop_alarm(void *arg)
{
	struct eop_port *port = arg;
	struct rte_eth_dev *dev = port->dev;
	uint32_t wake = 0;
	int lsc = 0, lsc_on, st, prev;
	unsigned int q;
	uint64_t us;

	rte_spinlock_lock(&port->lock);
	if (port->closing) {
		rte_spinlock_unlock(&port->lock);
		return;
	}
	if (!eop_holdoff(port)) {
		prev = port->hstate;
		st = rte_marlin_hrdma_channel_poll(port->ch);
		if (st < 0)
			st = RTE_MARLIN_HRDMA_STATE_DOWN;
		if (prev == RTE_MARLIN_HRDMA_STATE_UP &&
				st != RTE_MARLIN_HRDMA_STATE_UP) {
			/* frames built in the pool may now be in memory the
			 * peer sets up anew: refuse them before anyone hears
			 * of the link loss, until the application rearms */
			if (port->txpool != NULL)
				__atomic_store_n(&port->txpool_stale, 1,
						 __ATOMIC_SEQ_CST);
			__atomic_store_n(&port->hstate, st, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&port->gen, 1, __ATOMIC_SEQ_CST);
			port->link_downs++;
			eop_quiesce(port, "link loss");
			port->holdoff_start = rte_get_timer_cycles();
			port->holdoff_logged = 0;
			EOP_LOG(NOTICE, "port %u: link to host %d down", port->port_id,
				port->p.peer);
		} else if (st == RTE_MARLIN_HRDMA_STATE_UP &&
				prev != RTE_MARLIN_HRDMA_STATE_UP) {
			port->link_ups++;
			EOP_LOG(INFO, "port %u: link to host %d up", port->port_id,
				port->p.peer);
		}
		__atomic_store_n(&port->hstate, st, __ATOMIC_SEQ_CST);
		if (st == RTE_MARLIN_HRDMA_STATE_ERROR)
			eop_report_mismatch(port);
		else if (st == RTE_MARLIN_HRDMA_STATE_UP)
			memset(port->mismatch, 0, sizeof(port->mismatch));
	}
	if (!port->ntb_gone && !rte_marlin_ntb_is_valid(port->ntb_id)) {
		port->ntb_gone = 1;
		EOP_LOG(WARNING, "port %u: NTB device %s was removed: the link stays down; close the port (the device is freed when its last user lets go)",
			port->port_id, port->p.ntb);
	}
	lsc = eop_link_refresh(port);
	if (lsc)
		wake = (1u << port->p.queues) - 1;
	if (port->intr_rxq && port->started) {
		uint64_t bits = 0;

		if (rte_marlin_ntb_db_read(port->ntb_id, &bits) == 0 &&
				(bits & port->db_mask) != 0) {
			bits &= port->db_mask;
			rte_marlin_ntb_db_clear(port->ntb_id, bits);
			for (q = 0; q < port->p.queues; q++)
				if (bits & (UINT64_C(1) << eop_db_bit(port->p.peer, q)))
					wake |= 1u << q;
		}
	}
	for (q = 0; q < port->p.queues; q++)
		if (wake & (1u << q))
			wake_queue(&port->rxq[q]);

	us = port->intr_rxq && port->started ? EOP_ALARM_INTR_US : EOP_ALARM_US;
	if (rte_eal_alarm_set(us, eop_alarm, port) != 0)
		EOP_LOG(ERR, "port %u: cannot re-arm the control alarm: the link will no longer be followed",
			port->port_id);
	lsc_on = dev->data->dev_conf.intr_conf.lsc;
	rte_spinlock_unlock(&port->lock);
	/* Last: the application's callback may even close the port. */
	if (lsc && lsc_on)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* ---- receive interrupts ------------------------------------------------- */

void
eop_intr_free(struct eop_port *port)
{
	unsigned int q;

	if (port->intr != NULL) {
		rte_intr_vec_list_free(port->intr);
		rte_intr_instance_free(port->intr);
		port->intr = NULL;
	}
	port->dev->intr_handle = NULL;
	for (q = 0; q < port->p.queues; q++) {
		if (port->rxq[q].efd >= 0)
			close(port->rxq[q].efd);
		port->rxq[q].efd = -1;
		port->rxq[q].armed = 0;
	}
	port->intr_rxq = 0;
}

int
eop_intr_setup(struct eop_port *port, uint16_t nb_rxq)
{
	struct rte_intr_handle *h;
	unsigned int q;

	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL)
		return -ENOMEM;
	port->intr = h;
	if (rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) != 0 ||
			rte_intr_efd_counter_size_set(h, sizeof(uint64_t)) != 0 ||
			rte_intr_nb_efd_set(h, nb_rxq) != 0 ||
			rte_intr_max_intr_set(h, nb_rxq + 1) != 0 ||
			rte_intr_vec_list_alloc(h, "eop_intr_vec", nb_rxq) != 0)
		goto fail;
	for (q = 0; q < nb_rxq; q++) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		if (fd < 0)
			goto fail;
		port->rxq[q].efd = fd;
		if (rte_intr_efds_index_set(h, q, fd) != 0 ||
				rte_intr_vec_list_index_set(h, q,
					RTE_INTR_VEC_RXTX_OFFSET + q) != 0)
			goto fail;
	}
	port->dev->intr_handle = h;
	port->intr_rxq = 1;
	return 0;
fail:
	eop_intr_free(port);
	return -ENOMEM;
}
