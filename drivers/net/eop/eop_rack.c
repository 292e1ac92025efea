/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP rack mode (devarg rack=1): one ethdev that reaches every peer of the
 * NTB device, so that a rack is one L2 segment without a switch process.
 *
 * The rack port owns one EOP link port per peer (hidden from applications
 * through ethdev ownership, as bonding and failsafe hide theirs), each with
 * its own HRDMA channel, queues, link state and statistics. Host h's MAC is
 * derived from the fabric and h (or given with mac=); every link port of a
 * host uses its host's MAC. Transmit delivers by destination MAC: a peer's
 * host MAC goes to that peer's link, broadcast and multicast to every
 * peer's link, any other unicast is dropped and counted. Receive polls the
 * links in turn. A dead peer's link goes down and only its traffic is lost.
 *
 * Transmit takes every frame it is given. A peer whose ring is full pushes
 * back: the burst waits for it (yielding the CPU, which a receiver on the
 * same core may need) up to RACK_TX_STALL_MS, then drops what is left and
 * counts it (peer<H>_tx_dropped); waits are counted too (peer<H>_tx_stalls,
 * and those that timed out peer<H>_tx_stall_timeouts).
 * Once a wait timed out, that peer's frames are dropped at once until its
 * ring takes a frame again, so a stuck peer costs the others one stall, not
 * one per burst. A peer whose link is down is never waited for.
 *
 * Every link is an ethdev port of its own, hidden but counted against
 * RTE_MAX_ETHPORTS (32 in Debian's DPDK): a rack port of N peers takes
 * N + 1 ports, and probe says so when they are not there.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "eop_private.h"

#define RACK_MAX_PEERS 16
#define RACK_BURST 32
#define RACK_TX_STALL_MS 10            /* longest wait for a full ring */

struct eop_rack;

struct eop_rack_q {
	struct eop_rack *rack;
	uint16_t qid;
	uint16_t next;                 /* rx: link polled first */
	uint64_t unknown;              /* tx: unicast to no peer, dropped */
	uint64_t dropped[RACK_MAX_PEERS]; /* tx: refused by the peer's link */
	uint64_t stalls[RACK_MAX_PEERS];  /* tx: waits for a full ring */
	uint64_t timeouts[RACK_MAX_PEERS]; /* tx: waits that timed out */
	uint8_t stuck[RACK_MAX_PEERS];    /* tx: last wait timed out */
} __rte_cache_aligned;

struct eop_rack {
	uint16_t port_id;
	uint16_t nb_peers;
	uint16_t sub[RACK_MAX_PEERS];  /* link port of each peer */
	int host[RACK_MAX_PEERS];      /* its host id */
	char sub_name[RACK_MAX_PEERS][RTE_ETH_NAME_MAX_LEN];
	struct rte_ether_addr peer_mac[RACK_MAX_PEERS];
	struct rte_eth_dev_owner owner;
	uint64_t stall_cycles;         /* RACK_TX_STALL_MS in timer cycles */
	struct eop_rack_q rxq[EOP_MAX_QUEUES];
	struct eop_rack_q txq[EOP_MAX_QUEUES];
};

static inline struct eop_rack *
rack_of(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/* ---- data path ------------------------------------------------------------ */

static uint16_t
rack_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct eop_rack_q *q = queue;
	struct eop_rack *r = q->rack;
	uint16_t got = 0, i, k;

	for (i = 0; i < r->nb_peers && got < n; i++) {
		k = (uint16_t)((q->next + i) % r->nb_peers);
		got += rte_eth_rx_burst(r->sub[k], q->qid, pkts + got,
					(uint16_t)(n - got));
	}
	q->next = (uint16_t)((q->next + 1) % r->nb_peers);
	for (i = 0; i < got; i++)
		pkts[i]->port = r->port_id;
	return got;
}

/* One more reference on every segment: the frame goes to one more peer. */
static inline void
mbuf_ref(struct rte_mbuf *m, int16_t v)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, v);
}

static inline int
rack_peer_of(const struct eop_rack *r, const struct rte_ether_addr *d)
{
	uint16_t k;

	for (k = 0; k < r->nb_peers; k++)
		if (rte_is_same_ether_addr(d, &r->peer_mac[k]))
			return k;
	return -1;
}

static inline int
rack_link_up(const struct eop_rack *r, uint16_t k)
{
	return rte_eth_devices[r->sub[k]].data->dev_link.link_status ==
		RTE_ETH_LINK_UP;
}

/*
 * Frames @b[0..n) to peer @k: what its link took. A full ring is waited
 * for (bounded by stall_cycles) unless the link is down or the last wait
 * for this peer timed out with nothing taken since.
 */
static uint16_t
rack_tx_peer(struct eop_rack_q *q, uint16_t k, struct rte_mbuf **b, uint16_t n)
{
	struct eop_rack *r = q->rack;
	uint16_t sent, got;
	uint64_t deadline;

	sent = rte_eth_tx_burst(r->sub[k], q->qid, b, n);
	if (sent > 0)
		q->stuck[k] = 0;
	if (sent == n || q->stuck[k] || !rack_link_up(r, k))
		return sent;
	q->stalls[k]++;
	deadline = rte_get_timer_cycles() + r->stall_cycles;
	while (sent < n) {
		if (rte_get_timer_cycles() >= deadline) {
			q->stuck[k] = 1;
			q->timeouts[k]++;
			break;
		}
		if (!rack_link_up(r, k))
			break;
		sched_yield();
		got = rte_eth_tx_burst(r->sub[k], q->qid, b + sent,
				       (uint16_t)(n - sent));
		sent = (uint16_t)(sent + got);
	}
	return sent;
}

static uint16_t
rack_tx_chunk(struct eop_rack_q *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct eop_rack *r = q->rack;
	struct rte_mbuf *b[RACK_MAX_PEERS][RACK_BURST];
	uint16_t cnt[RACK_MAX_PEERS] = { 0 };
	uint16_t i, k, sent;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		int p;

		if (rte_is_multicast_ether_addr(&eh->dst_addr)) {
			/* broadcast too: every peer gets it */
			mbuf_ref(m, (int16_t)(r->nb_peers - 1));
			for (k = 0; k < r->nb_peers; k++)
				b[k][cnt[k]++] = m;
			continue;
		}
		p = rack_peer_of(r, &eh->dst_addr);
		if (p < 0) {
			q->unknown++;
			rte_pktmbuf_free(m);
			continue;
		}
		b[p][cnt[p]++] = m;
	}
	for (k = 0; k < r->nb_peers; k++) {
		if (cnt[k] == 0)
			continue;
		sent = rack_tx_peer(q, k, b[k], cnt[k]);
		if (sent < cnt[k]) {
			q->dropped[k] += cnt[k] - sent;
			rte_pktmbuf_free_bulk(b[k] + sent, cnt[k] - sent);
		}
	}
	return n;
}

static uint16_t
rack_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t done = 0;

	while (done < n) {
		uint16_t c = RTE_MIN((uint16_t)(n - done), (uint16_t)RACK_BURST);

		done += rack_tx_chunk(queue, pkts + done, c);
	}
	return n;
}

/* ---- control path ----------------------------------------------------------- */

static int
rack_configure(struct rte_eth_dev *dev)
{
	struct eop_rack *r = rack_of(dev);
	struct rte_eth_dev_data *d = dev->data;
	uint16_t k;
	int rc;

	for (k = 0; k < r->nb_peers; k++) {
		rc = rte_eth_dev_configure(r->sub[k], d->nb_rx_queues,
					   d->nb_tx_queues, &d->dev_conf);
		if (rc != 0) {
			EOP_LOG(ERR, "rack port %u: link to host %d refused the configuration: %s",
				r->port_id, r->host[k], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int
rack_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct eop_rack *r = rack_of(dev);
	struct rte_eth_dev_info s;
	int rc;

	rc = rte_eth_dev_info_get(r->sub[0], &s);
	if (rc != 0)
		return rc;
	info->max_mac_addrs = 1;
	info->max_rx_pktlen = s.max_rx_pktlen;
	info->min_mtu = s.min_mtu;
	info->max_mtu = s.max_mtu;
	info->max_rx_queues = s.max_rx_queues;
	info->max_tx_queues = s.max_tx_queues;
	info->rx_offload_capa = s.rx_offload_capa;
	info->tx_offload_capa = s.tx_offload_capa;
	info->rx_queue_offload_capa = s.rx_queue_offload_capa;
	info->tx_queue_offload_capa = s.tx_queue_offload_capa;
	info->rx_desc_lim = s.rx_desc_lim;
	info->tx_desc_lim = s.tx_desc_lim;
	info->default_rxportconf = s.default_rxportconf;
	info->default_txportconf = s.default_txportconf;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	return 0;
}

static int
rack_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_rxconf *conf,
		struct rte_mempool *mp)
{
	struct eop_rack *r = rack_of(dev);
	uint16_t k;
	int rc;

	for (k = 0; k < r->nb_peers; k++) {
		rc = rte_eth_rx_queue_setup(r->sub[k], qid, nb_desc, socket,
					    conf, mp);
		if (rc != 0)
			return rc;
	}
	r->rxq[qid].rack = r;
	r->rxq[qid].qid = qid;
	dev->data->rx_queues[qid] = &r->rxq[qid];
	return 0;
}

static int
rack_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct eop_rack *r = rack_of(dev);
	uint16_t k;
	int rc;

	for (k = 0; k < r->nb_peers; k++) {
		rc = rte_eth_tx_queue_setup(r->sub[k], qid, nb_desc, socket,
					    conf);
		if (rc != 0)
			return rc;
	}
	r->txq[qid].rack = r;
	r->txq[qid].qid = qid;
	dev->data->tx_queues[qid] = &r->txq[qid];
	return 0;
}

static int
rack_start(struct rte_eth_dev *dev)
{
	struct eop_rack *r = rack_of(dev);
	uint16_t k, q;
	int rc;

	for (k = 0; k < r->nb_peers; k++) {
		rc = rte_eth_dev_start(r->sub[k]);
		if (rc != 0) {
			EOP_LOG(ERR, "rack port %u: cannot start the link to host %d: %s",
				r->port_id, r->host[k], strerror(-rc));
			while (k-- > 0)
				rte_eth_dev_stop(r->sub[k]);
			return rc;
		}
	}
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
rack_stop(struct rte_eth_dev *dev)
{
	struct eop_rack *r = rack_of(dev);
	uint16_t k, q;

	for (k = 0; k < r->nb_peers; k++)
		rte_eth_dev_stop(r->sub[k]);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	return 0;
}

/* Remove the link ports (at close, or when probe fails half way). */
static void
rack_links_free(struct eop_rack *r)
{
	uint16_t k;

	for (k = 0; k < r->nb_peers; k++) {
		rte_eth_dev_owner_unset(r->sub[k], r->owner.id);
		rte_vdev_uninit(r->sub_name[k]);
	}
	r->nb_peers = 0;
}

static int
rack_close(struct rte_eth_dev *dev)
{
	struct eop_rack *r = rack_of(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (dev->data->dev_started)
		rack_stop(dev);
	rack_links_free(r);
	return 0;
}

/* Up while the link to any peer is up; the speed is the fastest link's. */
static int
rack_link_update(struct rte_eth_dev *dev, int wait)
{
	struct eop_rack *r = rack_of(dev);
	struct rte_eth_link l, out;
	uint16_t k;

	RTE_SET_USED(wait);
	memset(&out, 0, sizeof(out));
	out.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	out.link_autoneg = RTE_ETH_LINK_FIXED;
	for (k = 0; k < r->nb_peers && dev->data->dev_started; k++) {
		if (rte_eth_link_get_nowait(r->sub[k], &l) != 0 || !l.link_status)
			continue;
		out.link_status = RTE_ETH_LINK_UP;
		out.link_speed = RTE_MAX(out.link_speed, l.link_speed);
	}
	return rte_eth_linkstatus_set(dev, &out);
}

#define RACK_EACH(fn)                                                        \
static int                                                                   \
rack_ ## fn(struct rte_eth_dev *dev)                                         \
{                                                                            \
	struct eop_rack *r = rack_of(dev);                                   \
	uint16_t k;                                                          \
	int rc = 0;                                                          \
									     \
	for (k = 0; k < r->nb_peers; k++)                                    \
		rc |= rte_eth_ ## fn(r->sub[k]);                             \
	return rc != 0 ? -EIO : 0;                                           \
}
RACK_EACH(promiscuous_enable)
RACK_EACH(promiscuous_disable)
RACK_EACH(allmulticast_enable)
RACK_EACH(allmulticast_disable)

static int
rack_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct eop_rack *r = rack_of(dev);
	uint16_t k;
	int rc;

	for (k = 0; k < r->nb_peers; k++) {
		rc = rte_eth_dev_set_mtu(r->sub[k], mtu);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
rack_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct eop_rack *r = rack_of(dev);
	struct rte_eth_stats s;
	uint16_t k, q;

	for (k = 0; k < r->nb_peers; k++) {
		if (rte_eth_stats_get(r->sub[k], &s) != 0)
			continue;
		st->ipackets += s.ipackets;
		st->opackets += s.opackets;
		st->ibytes += s.ibytes;
		st->obytes += s.obytes;
		st->imissed += s.imissed;
		st->ierrors += s.ierrors;
		st->oerrors += s.oerrors;
		st->rx_nombuf += s.rx_nombuf;
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		st->oerrors += r->txq[q].unknown;
		for (k = 0; k < r->nb_peers; k++)
			st->oerrors += r->txq[q].dropped[k];
	}
	return 0;
}

static int
rack_stats_reset(struct rte_eth_dev *dev)
{
	struct eop_rack *r = rack_of(dev);
	uint16_t k, q;

	for (k = 0; k < r->nb_peers; k++)
		rte_eth_stats_reset(r->sub[k]);
	for (q = 0; q < EOP_MAX_QUEUES; q++) {
		r->txq[q].unknown = 0;
		memset(r->txq[q].dropped, 0, sizeof(r->txq[q].dropped));
		memset(r->txq[q].stalls, 0, sizeof(r->txq[q].stalls));
		memset(r->txq[q].timeouts, 0, sizeof(r->txq[q].timeouts));
	}
	return 0;
}

/* Per peer: link, frames each way, waits for its full ring (all, timed
 * out), frames dropped; and unknown unicast. */
#define RACK_XSTATS_PER_PEER 6

static int
rack_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *nm,
		unsigned int size)
{
	static const char *const what[RACK_XSTATS_PER_PEER] = {
		"link_up", "rx_packets", "tx_packets", "tx_stalls",
		"tx_stall_timeouts", "tx_dropped" };
	struct eop_rack *r = rack_of(dev);
	unsigned int n = 1 + r->nb_peers * RACK_XSTATS_PER_PEER, i = 0, j;
	uint16_t k;

	if (nm == NULL || size < n)
		return (int)n;
	snprintf(nm[i++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_unknown_unicast");
	for (k = 0; k < r->nb_peers; k++)
		for (j = 0; j < RACK_XSTATS_PER_PEER; j++)
			snprintf(nm[i++].name, RTE_ETH_XSTATS_NAME_SIZE,
				 "peer%d_%s", r->host[k], what[j]);
	return (int)n;
}

static int
rack_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		unsigned int n)
{
	struct eop_rack *r = rack_of(dev);
	unsigned int want = 1 + r->nb_peers * RACK_XSTATS_PER_PEER, i = 0;
	uint64_t unknown = 0, dropped, stalls, timeouts;
	struct rte_eth_stats s;
	struct rte_eth_link l;
	uint16_t k, q;

	if (xs == NULL || n < want)
		return (int)want;
	for (q = 0; q < EOP_MAX_QUEUES; q++)
		unknown += r->txq[q].unknown;
	xs[i].id = i;
	xs[i++].value = unknown;
	for (k = 0; k < r->nb_peers; k++) {
		memset(&s, 0, sizeof(s));
		memset(&l, 0, sizeof(l));
		rte_eth_stats_get(r->sub[k], &s);
		rte_eth_link_get_nowait(r->sub[k], &l);
		dropped = stalls = timeouts = 0;
		for (q = 0; q < EOP_MAX_QUEUES; q++) {
			dropped += r->txq[q].dropped[k];
			stalls += r->txq[q].stalls[k];
			timeouts += r->txq[q].timeouts[k];
		}
		xs[i].id = i;
		xs[i++].value = l.link_status;
		xs[i].id = i;
		xs[i++].value = s.ipackets;
		xs[i].id = i;
		xs[i++].value = s.opackets;
		xs[i].id = i;
		xs[i++].value = stalls;
		xs[i].id = i;
		xs[i++].value = timeouts;
		xs[i].id = i;
		xs[i++].value = dropped;
	}
	return (int)want;
}

static const struct eth_dev_ops rack_ops = {
	.dev_configure = rack_configure,
	.dev_infos_get = rack_infos_get,
	.dev_start = rack_start,
	.dev_stop = rack_stop,
	.dev_close = rack_close,
	.link_update = rack_link_update,
	.promiscuous_enable = rack_promiscuous_enable,
	.promiscuous_disable = rack_promiscuous_disable,
	.allmulticast_enable = rack_allmulticast_enable,
	.allmulticast_disable = rack_allmulticast_disable,
	.mtu_set = rack_mtu_set,
	.rx_queue_setup = rack_rx_queue_setup,
	.tx_queue_setup = rack_tx_queue_setup,
	.stats_get = rack_stats_get,
	.stats_reset = rack_stats_reset,
	.xstats_get = rack_xstats_get,
	.xstats_get_names = rack_xstats_get_names,
};

/* ---- probe ------------------------------------------------------------------- */

/* Devargs of the link port to host @host: the rack's, with peer= and the
 * host's MAC. */
static void
link_args(const struct eop_params *p, int host,
		const struct rte_ether_addr *mac, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "ntb=%s,peer=%d,queues=%u,zc_min=%u,pack_max=%u,nt_threshold=%u,widx=%d,mac=" RTE_ETHER_ADDR_PRT_FMT,
		     p->ntb, host, p->queues, p->zc_min, p->pack_max,
		     p->nt_threshold, p->widx, RTE_ETHER_ADDR_BYTES(mac));
	if (p->depth != EOP_DEFAULT_DEPTH && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ",depth=%u", p->depth);
	if (p->slot != EOP_DEFAULT_SLOT && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, ",slot=%u", p->slot);
	if (p->rx_copy && strlen(buf) + sizeof(",rx_copy=1") <= len)
		strcat(buf, ",rx_copy=1");
}

static int
rack_links_open(const char *name, const struct eop_params *p,
		struct eop_rack *r, const char *fabric,
		const struct rte_ether_addr *mac, int npeers)
{
	char args[256];
	uint16_t pid;
	int pidx, rc;

	for (pidx = 0; pidx < npeers; pidx++) {
		uint16_t k = r->nb_peers;
		int host = rte_marlin_ntb_peer_port_number(
			(uint16_t)rte_marlin_ntb_get_by_name(p->ntb), pidx);

		snprintf(r->sub_name[k], sizeof(r->sub_name[k]), "%s_h%d",
			 name, host);
		link_args(p, host, mac, args, sizeof(args));
		rc = rte_vdev_init(r->sub_name[k], args);
		if (rc == 0)
			rc = rte_eth_dev_get_port_by_name(r->sub_name[k], &pid);
		if (rc != 0) {
			EOP_LOG(ERR, "%s: cannot open the link to host %d (%s): see above",
				name, host, strerror(-rc));
			return rc;
		}
		rc = rte_eth_dev_owner_set(pid, &r->owner);
		if (rc != 0) {
			rte_vdev_uninit(r->sub_name[k]);
			return rc;
		}
		r->sub[k] = pid;
		r->host[k] = host;
		eop_mac_make(fabric, host, host, &r->peer_mac[k]);
		r->nb_peers++;
	}
	return 0;
}

/* 1 (and the port is gone) when @dev is a rack port, else 0. */
int
eop_rack_remove(struct rte_eth_dev *dev)
{
	if (dev->dev_ops != &rack_ops)
		return 0;
	rack_close(dev);
	rte_eth_dev_release_port(dev);
	return 1;
}

int
eop_rack_probe(struct rte_vdev_device *vdev, const struct eop_params *p,
		const char *fabric)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_marlin_ntb_info ninfo;
	struct rte_ether_addr mac;
	struct rte_eth_dev *dev;
	struct eop_rack *r;
	int id, rc;

	id = rte_marlin_ntb_get_by_name(p->ntb);
	if (id < 0 || rte_marlin_ntb_info_get((uint16_t)id, &ninfo) != 0) {
		EOP_LOG(ERR, "%s: NTB device %s not found: give its --vdev before --vdev %s",
			name, p->ntb, name);
		return -ENODEV;
	}
	if (ninfo.peer_count < 1 || ninfo.peer_count > RACK_MAX_PEERS) {
		EOP_LOG(ERR, "%s: rack mode reaches 1..%d peers; %s has %d",
			name, RACK_MAX_PEERS, p->ntb, ninfo.peer_count);
		return -EINVAL;
	}
	if (rte_eth_dev_count_total() + 1 + ninfo.peer_count > RTE_MAX_ETHPORTS) {
		EOP_LOG(ERR, "%s: rack mode takes %d ethdev ports here (the rack port and one hidden port per peer), %u are in use of this DPDK's RTE_MAX_ETHPORTS=%d: use fewer hosts= on %s or fewer other ports",
			name, 1 + ninfo.peer_count,
			(unsigned int)rte_eth_dev_count_total(), RTE_MAX_ETHPORTS,
			p->ntb);
		return -ENOSPC;
	}
	if (p->mac_set)
		mac = p->mac;
	else
		eop_mac_make(fabric, ninfo.port, ninfo.port, &mac);
	dev = rte_eth_vdev_allocate(vdev, sizeof(struct eop_rack));
	if (dev == NULL)
		return -ENOMEM;
	r = dev->data->dev_private;
	r->port_id = dev->data->port_id;
	r->stall_cycles = rte_get_timer_hz() * RACK_TX_STALL_MS / 1000;
	rc = rte_eth_dev_owner_new(&r->owner.id);
	snprintf(r->owner.name, sizeof(r->owner.name), "%s", name);
	if (rc == 0)
		rc = rack_links_open(name, p, r, fabric, &mac, ninfo.peer_count);
	if (rc == 0) {
		dev->data->mac_addrs = rte_zmalloc(name, sizeof(mac), 0);
		rc = dev->data->mac_addrs == NULL ? -ENOMEM : 0;
	}
	if (rc != 0) {
		rack_links_free(r);
		rte_eth_dev_release_port(dev);
		return rc;
	}
	rte_ether_addr_copy(&mac, dev->data->mac_addrs);
	dev->dev_ops = &rack_ops;
	dev->rx_pkt_burst = rack_rx_burst;
	dev->tx_pkt_burst = rack_tx_burst;
	dev->data->mtu = EOP_DEFAULT_MTU;
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	rte_eth_dev_probing_finish(dev);
	EOP_LOG(INFO, "%s: rack port %u, host %d reaches %u peers, MAC " RTE_ETHER_ADDR_PRT_FMT,
		name, r->port_id, ninfo.port, r->nb_peers,
		RTE_ETHER_ADDR_BYTES(&mac));
	return 0;
}
