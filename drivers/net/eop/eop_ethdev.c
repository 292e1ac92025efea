/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP (Ethernet over PCIe) ethdev glue: devargs, probe and remove, ethdev
 * operations, statistics, and the control alarm that drives the HRDMA
 * channel, follows the link and turns doorbells into receive interrupts.
 *
 *   --vdev net_eop0,ntb=NTBDEV,peer=HOSTID[,queues=N][,depth=N][,slot=BYTES]
 *                   [,zc_min=BYTES][,pack_max=BYTES][,nt_min=BYTES][,mw=WIDX]
 *                   [,mac=XX:XX:XX:XX:XX:XX]
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "eop_private.h"

RTE_LOG_REGISTER_DEFAULT(eop_logtype, NOTICE);

#define ARG_NTB "ntb"
#define ARG_PEER "peer"
#define ARG_QUEUES "queues"
#define ARG_DEPTH "depth"
#define ARG_SLOT "slot"
#define ARG_ZC_MIN "zc_min"
#define ARG_MW "mw"
#define ARG_PACK_MAX "pack_max"
#define ARG_NT_MIN "nt_min"
#define ARG_MAC "mac"

static const char *const eop_keys[] = {
	ARG_NTB, ARG_PEER, ARG_QUEUES, ARG_DEPTH, ARG_SLOT, ARG_ZC_MIN,
	ARG_PACK_MAX, ARG_NT_MIN, ARG_MW, ARG_MAC, NULL,
};

#define EOP_KEYS_TEXT "ntb, peer, queues, depth, slot, zc_min, pack_max, nt_min, mw, mac"

/* ---- devargs ------------------------------------------------------------ */

static int
key_known(const char *key)
{
	int i;

	for (i = 0; eop_keys[i] != NULL; i++)
		if (strcmp(key, eop_keys[i]) == 0)
			return 1;
	return 0;
}

static int
parse_long(const char *dev, const char *key, const char *val, long min,
		long max, const char *hint, long *out)
{
	char *end;
	long v;

	if (val == NULL || val[0] == '\0') {
		EOP_LOG(ERR, "%s: devarg %s has no value: write %s=N with N in %ld..%ld%s",
			dev, key, key, min, max, hint);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno != 0 || *end != '\0' || end == val) {
		EOP_LOG(ERR, "%s: %s=%s is not a number: use %ld..%ld%s",
			dev, key, val, min, max, hint);
		return -EINVAL;
	}
	if (v < min || v > max) {
		EOP_LOG(ERR, "%s: %s=%s is out of range: use %ld..%ld%s",
			dev, key, val, min, max, hint);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_opt(const char *dev, struct rte_kvargs *kv, const char *key, long min,
		long max, const char *hint, long *out)
{
	if (rte_kvargs_count(kv, key) == 0)
		return 0;
	return parse_long(dev, key, rte_kvargs_get(kv, key), min, max, hint, out);
}

int
eop_parse_devargs(const char *dev, const char *args, struct eop_params *p)
{
	struct rte_kvargs *kv;
	const char *v;
	unsigned int i;
	long x;
	int rc = -EINVAL;

	memset(p, 0, sizeof(*p));
	p->peer = -1;
	p->queues = EOP_DEFAULT_QUEUES;
	p->depth = EOP_DEFAULT_DEPTH;
	p->slot = EOP_DEFAULT_SLOT;
	p->zc_min = EOP_DEFAULT_ZC_MIN;
	p->pack_max = EOP_DEFAULT_PACK_MAX;

	kv = rte_kvargs_parse(args != NULL ? args : "", NULL);
	if (kv == NULL) {
		EOP_LOG(ERR, "%s: cannot parse devargs \"%s\": write key=value pairs separated by commas, e.g. %s,ntb=ntb_shm0,peer=1",
			dev, args, dev);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;

		if (!key_known(key)) {
			EOP_LOG(ERR, "%s: unknown devarg \"%s\": valid keys are " EOP_KEYS_TEXT,
				dev, key);
			goto out;
		}
		if (rte_kvargs_count(kv, key) > 1) {
			EOP_LOG(ERR, "%s: devarg %s is given more than once: give it once",
				dev, key);
			goto out;
		}
	}

	v = rte_kvargs_get(kv, ARG_NTB);
	if (v == NULL || v[0] == '\0') {
		EOP_LOG(ERR, "%s: devarg ntb=NAME is required: name the NTB device of the link, e.g. %s,ntb=ntb_shm0,peer=1",
			dev, dev);
		goto out;
	}
	if (strlen(v) >= sizeof(p->ntb)) {
		EOP_LOG(ERR, "%s: ntb=%s is too long: NTB device names have at most %zu characters",
			dev, v, sizeof(p->ntb) - 1);
		goto out;
	}
	snprintf(p->ntb, sizeof(p->ntb), "%s", v);

	if (rte_kvargs_count(kv, ARG_PEER) == 0) {
		EOP_LOG(ERR, "%s: devarg peer=HOST is required: give the host id (NTB port number) at the other end of the link, e.g. %s,ntb=%s,peer=1",
			dev, dev, p->ntb);
		goto out;
	}
	if (parse_long(dev, ARG_PEER, rte_kvargs_get(kv, ARG_PEER), 0,
			RTE_MARLIN_NTB_MAX_PEERS - 1, " (a host id)", &x) != 0)
		goto out;
	p->peer = (int)x;

	x = p->queues;
	if (parse_opt(dev, kv, ARG_QUEUES, 1, EOP_MAX_QUEUES,
			" (queues each way; both hosts alike)", &x) != 0)
		goto out;
	p->queues = (uint16_t)x;

	x = p->depth;
	if (parse_opt(dev, kv, ARG_DEPTH, 64, 4096,
			" (a power of two; both hosts alike)", &x) != 0)
		goto out;
	if (!rte_is_power_of_2((uint32_t)x)) {
		EOP_LOG(ERR, "%s: depth=%ld is not a power of two: use e.g. depth=%u",
			dev, x, rte_align32pow2((uint32_t)x));
		goto out;
	}
	p->depth = (uint16_t)x;

	x = p->slot;
	if (parse_opt(dev, kv, ARG_SLOT, EOP_MIN_SLOT, EOP_MAX_SLOT,
			" (bytes, a power of two; both hosts alike)", &x) != 0)
		goto out;
	if (!rte_is_power_of_2((uint32_t)x)) {
		EOP_LOG(ERR, "%s: slot=%ld is not a power of two: use e.g. slot=%u",
			dev, x, rte_align32pow2((uint32_t)x));
		goto out;
	}
	p->slot = (uint32_t)x;

	x = p->zc_min;
	if (parse_opt(dev, kv, ARG_ZC_MIN, 0, EOP_FRAME_MAX,
			" (0 turns zero-copy receive off)", &x) != 0)
		goto out;
	p->zc_min = (uint32_t)x;

	x = p->pack_max;
	if (parse_opt(dev, kv, ARG_PACK_MAX, 0, 1024,
			" (bytes; 0 sends every frame in slots of its own)", &x) != 0)
		goto out;
	p->pack_max = (uint32_t)x;

	x = p->nt_min;
	if (parse_opt(dev, kv, ARG_NT_MIN, 0, EOP_MAX_SLOT,
			" (bytes; 0 never uses streaming stores)", &x) != 0)
		goto out;
	p->nt_min = (uint32_t)x;

	x = p->mw;
	if (parse_opt(dev, kv, ARG_MW, 0, 63, " (NTB window index)", &x) != 0)
		goto out;
	p->mw = (int)x;

	if (rte_kvargs_count(kv, ARG_MAC) != 0) {
		v = rte_kvargs_get(kv, ARG_MAC);
		if (v == NULL || rte_ether_unformat_addr(v, &p->mac) != 0 ||
				!rte_is_valid_assigned_ether_addr(&p->mac)) {
			EOP_LOG(ERR, "%s: mac=%s is not a unicast MAC address: write mac=02:00:00:00:00:01",
				dev, v != NULL ? v : "");
			goto out;
		}
		p->mac_set = 1;
	}
	rc = 0;
out:
	rte_kvargs_free(kv);
	return rc;
}

/* ---- identity ----------------------------------------------------------- */

void
eop_mac_make(const char *fabric, int local_port, int peer_port,
		struct rte_ether_addr *mac)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	const char *s;

	for (s = fabric; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	mac->addr_bytes[0] = 0x02;  /* locally administered, unicast */
	mac->addr_bytes[1] = (uint8_t)(h >> 16);
	mac->addr_bytes[2] = (uint8_t)(h >> 8);
	mac->addr_bytes[3] = (uint8_t)h;
	mac->addr_bytes[4] = (uint8_t)local_port;
	mac->addr_bytes[5] = (uint8_t)peer_port;
}

/* The fabric's name: devarg fabric= of a software NTB, else the device name. */
static void
fabric_name(const char *ntb, char *buf, size_t len)
{
	struct rte_devargs *da;

	snprintf(buf, len, "%s", ntb);
	RTE_EAL_DEVARGS_FOREACH("vdev", da) {
		struct rte_kvargs *kv;
		const char *v;

		if (strcmp(da->name, ntb) != 0 || da->args == NULL)
			continue;
		kv = rte_kvargs_parse(da->args, NULL);
		if (kv == NULL)
			return;
		v = rte_kvargs_get(kv, "fabric");
		if (v != NULL && v[0] != '\0')
			snprintf(buf, len, "%s", v);
		rte_kvargs_free(kv);
		return;
	}
}

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

/* ---- control helpers ---------------------------------------------------- */

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

/* Wait (bounded) until no burst runs on any queue. */
static void
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

/* Publish the link; returns 1 when its up/down state changed. Lock held. */
static int
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
		info.peer_depth != p->depth ? " depth=" : "",
		info.peer_msg_size != p->slot ? " slot=" : "");
	EOP_LOG(ERR, "port %u: host %d runs net_eop with queues=%u depth=%u slot=%u, this host with queues=%u depth=%u slot=%u: give both ends the same%s; the link stays down until they match",
		port->port_id, p->peer, queues, info.peer_depth,
		info.peer_msg_size, p->queues, p->depth, p->slot, keys);
}

static void
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

static void
intr_free(struct eop_port *port)
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

static int
intr_setup(struct eop_port *port, uint16_t nb_rxq)
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
	intr_free(port);
	return -ENOMEM;
}

/* ---- ethdev operations -------------------------------------------------- */

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
	intr_free(port);
	if (data->dev_conf.intr_conf.rxq) {
		rc = intr_setup(port, data->nb_rx_queues);
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
	info->rx_desc_lim.nb_max = UINT16_MAX;
	info->rx_desc_lim.nb_min = 0;
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

	rte_spinlock_lock(&port->lock);
	/* rte_eth_dev_configure() sets the MTU without calling mtu_set. */
	if (dev->data->mtu >= RTE_ETHER_MIN_MTU &&
			dev->data->mtu <= max_mtu_of(&port->p))
		port->mtu = dev->data->mtu;
	for (q = 0; q < port->p.queues; q++) {
		port->rxq[q].max_frame = port->mtu + EOP_L2_OVERHEAD;
		port->txq[q].max_frame = port->mtu + EOP_L2_OVERHEAD;
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

static int
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

	intr_free(port);
	rte_marlin_hrdma_channel_destroy(port->ch);
	port->ch = NULL;
	for (q = 0; q < port->p.queues; q++) {
		/* Zero-copy mbufs still held keep their block alive. */
		eop_rxq_fini(&port->rxq[q]);
		rte_free(port->txq[q].stage);
		port->txq[q].stage = NULL;
		port->rxq[q].configured = 0;
		port->txq[q].configured = 0;
	}
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

	RTE_SET_USED(nb_desc);
	RTE_SET_USED(socket);
	if (qid >= port->p.queues)
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

	RTE_SET_USED(nb_desc);
	RTE_SET_USED(socket);
	RTE_SET_USED(conf);
	if (qid >= port->p.queues)
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
	qinfo->nb_desc = port->p.depth;
	qinfo->conf.offloads = rxq->scatter ? RTE_ETH_RX_OFFLOAD_SCATTER : 0;
}

static void
eop_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		struct rte_eth_txq_info *qinfo)
{
	RTE_SET_USED(qid);
	qinfo->nb_desc = eop_port_of(dev)->p.depth;
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

static const struct eth_dev_ops eop_ops = {
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

/* ---- probe and remove --------------------------------------------------- */

static int
eop_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_marlin_hrdma_conf conf;
	struct rte_marlin_ntb_info ninfo;
	struct rte_eth_dev *dev = NULL;
	struct eop_port *port;
	struct eop_params p;
	char fabric[RTE_DEV_NAME_MAX_LEN];
	struct rte_marlin_hrdma_channel *ch;
	void *region;
	size_t region_len = 0;
	int ntb_id, pidx, local, rc, socket = rte_socket_id();
	unsigned int q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		EOP_LOG(ERR, "%s: secondary processes are not supported: run the application as a primary process",
			name);
		return -ENOTSUP;
	}
	rc = eop_parse_devargs(name, rte_vdev_device_args(vdev), &p);
	if (rc != 0)
		return rc;

	ntb_id = rte_marlin_ntb_get_by_name(p.ntb);
	if (ntb_id < 0) {
		EOP_LOG(ERR, "%s: NTB device %s not found: give its --vdev (e.g. --vdev %s,fabric=NAME,host=ID) before --vdev %s on the command line, and load its driver (-d librte_ntb_shm.so for the software NTB)",
			name, p.ntb, p.ntb, name);
		return -ENODEV;
	}
	if (rte_marlin_ntb_info_get((uint16_t)ntb_id, &ninfo) != 0)
		return -ENODEV;
	local = ninfo.port;
	pidx = rte_marlin_ntb_peer_port_idx((uint16_t)ntb_id, p.peer);
	if (pidx < 0) {
		EOP_LOG(ERR, "%s: peer=%d is not a peer of %s (this host is port %d, %d peers): give the host id at the other end of the link",
			name, p.peer, p.ntb, local, ninfo.peer_count);
		return -EINVAL;
	}
	rc = rte_marlin_ntb_link_enable((uint16_t)ntb_id, RTE_MARLIN_NTB_SPEED_AUTO,
					RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc != 0 && rc != -ENOTSUP) {
		EOP_LOG(ERR, "%s: cannot enable the link of %s: %s", name, p.ntb,
			strerror(-rc));
		return rc;
	}

	memset(&conf, 0, sizeof(conf));
	conf.nb_qp = (uint16_t)(2 * p.queues);
	conf.depth = p.depth;
	conf.msg_size = p.slot;
	conf.widx = p.mw;
	conf.dma_dev_id = -1;
	conf.nt_threshold = p.nt_min;
	ch = rte_marlin_hrdma_channel_create((uint16_t)ntb_id, pidx, &conf);
	if (ch == NULL) {
		rc = -rte_errno;
		EOP_LOG(ERR, "%s: cannot open an HRDMA channel to host %d over %s (%s): see the HRDMA message above; queues=%u depth=%u slot=%u need about %zu KiB of window per host",
			name, p.peer, p.ntb, rte_strerror(rte_errno), p.queues,
			p.depth, p.slot,
			(size_t)2 * p.queues * p.depth * (p.slot + 64) / 1024);
		return rc != 0 ? rc : -EIO;
	}
	region = rte_marlin_hrdma_local_region(ch, &region_len);
	if (region == NULL || region_len < sizeof(struct eop_wire_ctl)) {
		EOP_LOG(ERR, "%s: the HRDMA region is too small for EOP's control lines", name);
		rte_marlin_hrdma_channel_destroy(ch);
		return -ENOSPC;
	}

	dev = rte_eth_vdev_allocate(vdev, sizeof(struct eop_port));
	if (dev == NULL) {
		rte_marlin_hrdma_channel_destroy(ch);
		return -ENOMEM;
	}
	port = dev->data->dev_private;
	port->p = p;
	port->dev = dev;
	port->port_id = dev->data->port_id;
	port->ntb_id = (uint16_t)ntb_id;
	port->pidx = pidx;
	port->local_port = local;
	port->low = local < p.peer;
	port->ch = ch;
	port->ctl = region;
	memset(port->ctl, 0, sizeof(*port->ctl));
	rte_spinlock_init(&port->lock);
	port->hstate = RTE_MARLIN_HRDMA_STATE_DOWN;
	port->mtu = EOP_DEFAULT_MTU;

	for (q = 0; q < p.queues; q++) {
		struct eop_rxq *rxq = &port->rxq[q];
		struct eop_txq *txq = &port->txq[q];

		rxq->port = port;
		rxq->qid = (uint16_t)q;
		rxq->port_id = port->port_id;
		rxq->qp = rte_marlin_hrdma_qp_get(ch, eop_rx_qp(port->low, q));
		rxq->mask = p.depth - 1u;
		rxq->slot_size = p.slot;
		rxq->zc_min = p.zc_min;
		rxq->max_frame = port->mtu + EOP_L2_OVERHEAD;
		rxq->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
		rxq->efd = -1;
		if (eop_rxq_init(rxq, socket) != 0) {
			rc = -ENOMEM;
			goto fail;
		}
		txq->port = port;
		txq->qid = (uint16_t)q;
		txq->qp = rte_marlin_hrdma_qp_get(ch, eop_tx_qp(port->low, q));
		txq->arm = &port->ctl->arm[q];
		txq->db_bits = UINT64_C(1) << eop_db_bit(local, q);
		txq->slot_size = p.slot;
		txq->zc_min = p.zc_min;
		txq->depth = p.depth;
		txq->max_frame = port->mtu + EOP_L2_OVERHEAD;
		txq->pack_limit = RTE_MIN(p.slot, (uint32_t)EOP_PACK_BYTES);
		txq->pack_max = RTE_MIN(p.pack_max, txq->pack_limit -
					(uint32_t)sizeof(struct eop_wire_rec) - 3);
		txq->stage_size = EOP_TX_STAGE_PACKS * txq->pack_limit;
		txq->stage = rte_malloc_socket("eop_stage", txq->stage_size,
					       RTE_CACHE_LINE_SIZE, socket);
		if (txq->stage == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		port->db_mask |= UINT64_C(1) << eop_db_bit(p.peer, q);
	}

	if (p.mac_set) {
		port->mac = p.mac;
	} else {
		fabric_name(p.ntb, fabric, sizeof(fabric));
		eop_mac_make(fabric, local, p.peer, &port->mac);
	}
	dev->data->mac_addrs = rte_zmalloc_socket(name, sizeof(struct rte_ether_addr),
						  0, socket);
	if (dev->data->mac_addrs == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rte_ether_addr_copy(&port->mac, dev->data->mac_addrs);

	dev->dev_ops = &eop_ops;
	dev->rx_pkt_burst = eop_rx_burst;
	dev->tx_pkt_burst = eop_tx_burst;
	dev->data->mtu = EOP_DEFAULT_MTU;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
		RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_NONE;
	dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	dev->data->dev_link.link_autoneg = RTE_ETH_LINK_FIXED;

	rc = rte_eal_alarm_set(EOP_ALARM_US, eop_alarm, port);
	if (rc != 0) {
		EOP_LOG(ERR, "%s: cannot start the control alarm: %s", name,
			strerror(-rc));
		goto fail;
	}
	port->alarm_on = 1;
	rte_eth_dev_probing_finish(dev);
	EOP_LOG(INFO, "%s: port %u, %s host %d <-> host %d, %u queues of %u x %u bytes, MAC " RTE_ETHER_ADDR_PRT_FMT,
		name, port->port_id, p.ntb, local, p.peer, p.queues, p.depth,
		p.slot, RTE_ETHER_ADDR_BYTES(&port->mac));
	return 0;

fail:
	for (q = 0; q < p.queues; q++) {
		eop_rxq_fini(&port->rxq[q]);
		rte_free(port->txq[q].stage);
	}
	rte_marlin_hrdma_channel_destroy(ch);
	rte_eth_dev_release_port(dev);
	return rc;
}

static int
eop_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0;       /* closed already */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return rte_eth_dev_release_port(dev);
	eop_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver eop_vdev_driver = {
	.probe = eop_probe,
	.remove = eop_remove,
};

RTE_PMD_REGISTER_VDEV(net_eop, eop_vdev_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_eop,
	"ntb=<ntb device> peer=<host id> queues=<1..8> depth=<64..4096> slot=<256..32768> zc_min=<bytes, 0: off> pack_max=<bytes, 0: off> nt_min=<bytes, 0: off> mw=<window> mac=<xx:xx:xx:xx:xx:xx>");
