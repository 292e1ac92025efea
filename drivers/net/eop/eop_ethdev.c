/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP (Ethernet over PCIe) vdev glue: probe and remove, the port's identity
 * (MAC address). Devargs are in eop_devargs.c, the ethdev operations in
 * eop_ops.c, the control alarm and receive interrupts in eop_alarm.c, the
 * data path in eop_rx.c and eop_tx.c.
 *
 *   --vdev net_eop0,ntb=NTBDEV,peer=HOSTID[,queues=N][,depth=N][,slot=BYTES]
 *                   [,zc_min=BYTES][,pack_max=BYTES][,nt_threshold=BYTES][,widx=WIDX]
 *                   [,rx_copy=0|1][,tx_bufs=N]
 *                   [,mac=XX:XX:XX:XX:XX:XX]
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "eop_private.h"

RTE_LOG_REGISTER_DEFAULT(eop_logtype, NOTICE);

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

/* ---- probe and remove --------------------------------------------------- */

/* Where the port's NTB link ends: device, peer index, local port. */
struct eop_link_end {
	uint16_t ntb_id;
	int pidx;
	int local;
	int slices;     /* hosts sharing the window */
};

/* Find the NTB device and the peer, and let the link train. */
static int
eop_ntb_open(const char *name, const struct eop_params *p,
		struct eop_link_end *end)
{
	struct rte_marlin_ntb_info ninfo;
	int id, rc;

	id = rte_marlin_ntb_get_by_name(p->ntb);
	if (id < 0) {
		EOP_LOG(ERR, "%s: NTB device %s not found: give its --vdev (e.g. --vdev %s,fabric=NAME,host=ID) before --vdev %s on the command line, and load its driver (-d librte_ntb_shm.so for the software NTB)",
			name, p->ntb, p->ntb, name);
		return -ENODEV;
	}
	if (rte_marlin_ntb_info_get((uint16_t)id, &ninfo) != 0)
		return -ENODEV;
	end->ntb_id = (uint16_t)id;
	end->local = ninfo.port;
	end->slices = ninfo.mw_shared ? ninfo.peer_count + 1 : 1;
	end->pidx = rte_marlin_ntb_peer_port_idx(end->ntb_id, p->peer);
	if (end->pidx < 0) {
		EOP_LOG(ERR, "%s: peer=%d is not a peer of %s (this host is port %d, %d peers): give the host id at the other end of the link",
			name, p->peer, p->ntb, end->local, ninfo.peer_count);
		return -EINVAL;
	}
	rc = rte_marlin_ntb_link_enable(end->ntb_id, RTE_MARLIN_NTB_SPEED_AUTO,
					RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc != 0 && rc != -ENOTSUP) {
		EOP_LOG(ERR, "%s: cannot enable the link of %s: %s", name, p->ntb,
			strerror(-rc));
		return rc;
	}
	return 0;
}

/* Port fields that do not depend on the queues. */
static void
eop_port_init(struct eop_port *port, struct rte_eth_dev *dev,
		const struct eop_params *p, const struct eop_link_end *end,
		struct rte_marlin_hrdma_channel *ch, void *region)
{
	port->p = *p;
	port->dev = dev;
	port->port_id = dev->data->port_id;
	port->ntb_id = end->ntb_id;
	port->pidx = end->pidx;
	port->local_port = end->local;
	port->low = end->local < p->peer;
	port->ch = ch;
	port->ctl = region;
	memset(port->ctl, 0, sizeof(*port->ctl));
	port->depth = p->depth;
	port->slices = end->slices;
	rte_spinlock_init(&port->lock);
	port->hstate = RTE_MARLIN_HRDMA_STATE_DOWN;
	port->mtu = EOP_DEFAULT_MTU;
}

static int
eop_rxq_setup(struct eop_port *port, unsigned int q, int socket)
{
	struct eop_rxq *rxq = &port->rxq[q];

	rxq->port = port;
	rxq->qid = (uint16_t)q;
	rxq->port_id = port->port_id;
	rxq->slot_size = port->p.slot;
	rxq->copy_all = port->p.rx_copy != 0;
	rxq->zc_min = rxq->copy_all ? 0 : port->p.zc_min;
	rxq->max_frame = port->mtu + EOP_L2_OVERHEAD;
	rxq->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	rxq->efd = -1;
	return eop_rxq_init(rxq, socket) != 0 ? -ENOMEM : 0;
}

static int
eop_txq_setup(struct eop_port *port, unsigned int q, int socket)
{
	const struct eop_params *p = &port->p;
	struct eop_txq *txq = &port->txq[q];

	txq->port = port;
	txq->qid = (uint16_t)q;
	txq->db_bits = UINT64_C(1) << eop_db_bit(port->local_port, q);
	txq->slot_size = p->slot;
	txq->zc_min = p->zc_min;
	txq->max_frame = port->mtu + EOP_L2_OVERHEAD;
	txq->pack_limit = RTE_MIN(p->slot, (uint32_t)EOP_PACK_BYTES);
	txq->pack_max = RTE_MIN(p->pack_max, txq->pack_limit -
				(uint32_t)sizeof(struct eop_wire_rec) - 3);
	txq->stage_size = EOP_TX_STAGE_PACKS * txq->pack_limit;
	txq->stage = rte_malloc_socket("eop_stage", txq->stage_size,
				       RTE_CACHE_LINE_SIZE, socket);
	return txq->stage == NULL ? -ENOMEM : 0;
}

static int
eop_queues_setup(struct eop_port *port, int socket)
{
	unsigned int q;
	int rc;

	eop_queues_bind(port);
	for (q = 0; q < port->p.queues; q++) {
		rc = eop_rxq_setup(port, q, socket);
		if (rc == 0)
			rc = eop_txq_setup(port, q, socket);
		if (rc != 0)
			return rc;
		port->db_mask |= UINT64_C(1) << eop_db_bit(port->p.peer, q);
	}
	return 0;
}

static void
eop_queues_free(struct eop_port *port)
{
	unsigned int q;

	for (q = 0; q < port->p.queues; q++) {
		eop_rxq_fini(&port->rxq[q]);
		rte_free(port->txq[q].stage);
		port->txq[q].stage = NULL;
	}
}

/* MAC from devarg mac=, else from the fabric name and both host ids. */
static int
eop_mac_setup(struct rte_eth_dev *dev, struct eop_port *port, const char *name,
		int socket)
{
	char fabric[RTE_DEV_NAME_MAX_LEN];

	if (port->p.mac_set) {
		port->mac = port->p.mac;
	} else {
		fabric_name(port->p.ntb, fabric, sizeof(fabric));
		eop_mac_make(fabric, port->local_port, port->p.peer, &port->mac);
	}
	dev->data->mac_addrs = rte_zmalloc_socket(name, sizeof(struct rte_ether_addr),
						  0, socket);
	if (dev->data->mac_addrs == NULL)
		return -ENOMEM;
	rte_ether_addr_copy(&port->mac, dev->data->mac_addrs);
	return 0;
}

/* Ethdev callbacks, flags and the initial (down) link. */
static void
eop_ethdev_setup(struct rte_eth_dev *dev)
{
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
}

/* Everything of the port once the channel exists; on failure the caller
 * destroys the channel and releases the port. */
static int
eop_port_setup(struct rte_vdev_device *vdev, struct rte_eth_dev *dev,
		const struct eop_params *p, const struct eop_link_end *end,
		struct rte_marlin_hrdma_channel *ch, void *region)
{
	const char *name = rte_vdev_device_name(vdev);
	struct eop_port *port = dev->data->dev_private;
	int socket = rte_socket_id(), rc;

	eop_port_init(port, dev, p, end, ch, region);
	rc = eop_queues_setup(port, socket);
	if (rc == 0)
		rc = eop_mac_setup(dev, port, name, socket);
	if (rc != 0)
		return rc;
	eop_ethdev_setup(dev);
	rc = rte_eal_alarm_set(EOP_ALARM_US, eop_alarm, port);
	if (rc != 0) {
		EOP_LOG(ERR, "%s: cannot start the control alarm: %s", name,
			strerror(-rc));
		return rc;
	}
	port->alarm_on = 1;
	return 0;
}

static int
eop_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_marlin_hrdma_channel *ch;
	struct eop_link_end end;
	struct rte_eth_dev *dev;
	struct eop_params p;
	size_t region_len = 0;
	void *region;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		EOP_LOG(ERR, "%s: secondary processes are not supported: run the application as a primary process",
			name);
		return -ENOTSUP;
	}
	rc = eop_parse_devargs(name, rte_vdev_device_args(vdev), &p);
	if (rc == 0 && p.rack) {
		char fabric[RTE_DEV_NAME_MAX_LEN];

		fabric_name(p.ntb, fabric, sizeof(fabric));
		return eop_rack_probe(vdev, &p, fabric);
	}
	if (rc == 0)
		rc = eop_ntb_open(name, &p, &end);
	if (rc == 0)
		rc = eop_rings_auto(name, &p, end.ntb_id, end.pidx, end.slices);
	if (rc != 0)
		return rc;
	ch = eop_channel_open(name, &p, end.ntb_id, end.pidx, p.depth);
	if (ch == NULL)
		return -rte_errno;
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
	/* our slice: the rings, then the region */
	((struct eop_port *)dev->data->dev_private)->slice_len = region_len +
		eop_window_need(p.queues, p.depth, p.slot) - 4096;
	rc = eop_port_setup(vdev, dev, &p, &end, ch, region);
	if (rc != 0) {
		eop_queues_free(dev->data->dev_private);
		rte_marlin_hrdma_channel_destroy(ch);
		rte_eth_dev_release_port(dev);
		return rc;
	}
	rte_eth_dev_probing_finish(dev);
	EOP_LOG(INFO, "%s: port %u, %s host %d <-> host %d, %u queues of %u x %u bytes, MAC " RTE_ETHER_ADDR_PRT_FMT,
		name, dev->data->port_id, p.ntb, end.local, p.peer, p.queues,
		p.depth, p.slot, RTE_ETHER_ADDR_BYTES(dev->data->mac_addrs));
	return 0;
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
	if (eop_rack_remove(dev))
		return 0;
	eop_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver eop_vdev_driver = {
	.probe = eop_probe,
	.remove = eop_remove,
};

RTE_PMD_REGISTER_VDEV(net_eop, eop_vdev_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_eop,
	"ntb=<ntb device> peer=<host id> queues=<1..8> depth=<64..4096, default: fits the window> slot=<256..32768, default: fits the window> zc_min=<bytes, 0: off> pack_max=<bytes, 0: off> nt_threshold=<bytes, 0: off> widx=<window index> mac=<xx:xx:xx:xx:xx:xx> rack=<0|1> rx_copy=<0|1> tx_bufs=<0..65535>");
