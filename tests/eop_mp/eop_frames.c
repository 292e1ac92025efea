/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * eop_frames: integrity traffic over one ethdev port (the EOP port).
 *
 * Every queue sends sequence-numbered frames carrying a checksum over the
 * payload, as fast as the port takes them (refused frames are retried, so
 * a stream has no gaps unless the link drops frames in flight), and checks
 * what it receives: checksum and length (corrupted), queue (misrouted),
 * sequence within the sender's run (reordered, or a gap: lost). A restarted
 * peer starts a new run.
 *
 *   eop_frames [EAL args, incl. --vdev ...] -- [--queues N] [--min B]
 *        [--max B] [--mtu M] [--seg B] [--duration S] [--no-tx]
 *        [--rx-intr] [--pause-ms P] [--status-ms T] [--pool N] [--txpool]
 *
 * --txpool builds single-segment frames in the port's transmit pool
 * (rte_pmd_eop_tx_mempool(), the port needs tx_bufs=N) once the link is
 * up, and prints "TXPOOL {...}" at the end. Such a frame lives in the
 * peer's memory, which a restarting peer initializes again: after a link
 * change the frames still waiting to be sent are dropped and built anew.
 *
 * SIGUSR1 stops sending (receiving goes on), so that a harness can let
 * every frame in flight arrive before it compares counts.
 *
 * It prints "READY" once the port is started, "LINK up|down" on link
 * changes, a JSON status line every --status-ms ("STATUS {...}") and, on
 * SIGINT/SIGTERM or after --duration, "FINAL {...}" with its counters, the
 * port's statistics and the mbufs still in use after the port is closed.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "rte_pmd_eop.h"

#define MAXQ 8
#define BURST 32
#define ETHERTYPE 0x88b5
#define MAGIC 0x45465231u   /* "EFR1" */
#define MAX_FRAME 9018
#define HDR_OFF RTE_ETHER_HDR_LEN

struct fhdr {
	uint32_t magic;
	uint32_t run;
	uint16_t queue;
	uint16_t rsvd;
	uint32_t len;       /* whole frame */
	uint64_t seq;
	uint64_t csum;      /* over the frame after this header */
};

struct rxstate {
	uint32_t run;
	uint64_t next;
};

struct txstate {
	uint64_t seq;
	uint64_t lsc_seen;      /* link changes seen when the frames were built */
	uint16_t npend;
	struct rte_mbuf *pend[BURST];
};

static volatile sig_atomic_t quit;
static volatile sig_atomic_t hush;   /* SIGUSR1: stop sending, keep receiving */
static uint16_t port_id;
static struct {
	unsigned int queues;
	unsigned int min, max, mtu, seg, pool;
	unsigned int duration, status_ms, pause_ms;
	int tx, rx_intr, txpool;
} opt = { 1, 60, 1514, 0, 0, 16384, 0, 500, 0, 1, 0, 0 };
static uint64_t txpool_frames;  /* frames built in the peer's memory */
static uint64_t txpool_rebuilt; /* pending ones built again after a link change */

static struct {
	uint64_t tx, rx, rx_bytes, corrupt, misrouted, reorder, lost, runs;
	uint64_t lsc, sleeps, woken, timeouts, overslept;
} cnt;
static int timed_out;   /* the last sleep ended by its timeout */

static struct rxstate rxs[MAXQ];
static struct txstate txs[MAXQ];
static uint32_t my_run;
static uint8_t pattern[MAX_FRAME + 256];
static uint8_t lin[MAX_FRAME + 64];

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		hush = 1;
	else
		quit = 1;
}

/* Word-wise hash of @len bytes (not cryptographic; catches corruption). */
static uint64_t
csum(const uint8_t *p, uint32_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	uint32_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int
lsc_cb(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	struct rte_eth_link link;

	RTE_SET_USED(type);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	cnt.lsc++;
	if (rte_eth_link_get_nowait(port, &link) == 0)
		printf("LINK %s\n", link.link_status ? "up" : "down");
	fflush(stdout);
	return 0;
}

/* Build one frame for queue @q: a chain of --seg byte segments if asked. */
static struct rte_mbuf *
make_frame(struct rte_mempool *mp, unsigned int q, uint64_t seq)
{
	uint32_t len = opt.min + (uint32_t)(rte_rand() % (opt.max - opt.min + 1));
	uint8_t buf[MAX_FRAME];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct fhdr h;
	struct rte_mbuf *m, *seg;
	uint32_t off, seglen;

	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(port_id, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ETHERTYPE);
	memcpy(buf + HDR_OFF + sizeof(h), pattern + (seq % 251),
	       len - HDR_OFF - sizeof(h));
	h.magic = MAGIC;
	h.run = my_run;
	h.queue = (uint16_t)q;
	h.rsvd = 0;
	h.len = len;
	h.seq = seq;
	h.csum = csum(buf + HDR_OFF + sizeof(h), len - HDR_OFF - sizeof(h));
	memcpy(buf + HDR_OFF, &h, sizeof(h));

	seglen = opt.seg ? opt.seg : len;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	seg = m;
	for (off = 0; off < len;) {
		uint32_t chunk = RTE_MIN(RTE_MIN(seglen, len - off),
					 (uint32_t)rte_pktmbuf_tailroom(seg));
		char *d = rte_pktmbuf_append(seg, (uint16_t)chunk);

		memcpy(d, buf + off, chunk);
		if (seg != m)
			m->pkt_len += chunk;
		off += chunk;
		if (off < len) {
			struct rte_mbuf *nx = rte_pktmbuf_alloc(mp);

			if (nx == NULL) {
				rte_pktmbuf_free(m);
				return NULL;
			}
			seg->next = nx;
			seg = nx;
			m->nb_segs++;
		}
	}
	return m;
}

static void
check_frame(unsigned int q, struct rte_mbuf *m)
{
	const uint8_t *p;
	struct fhdr h;

	if (m->pkt_len < HDR_OFF + sizeof(h) || m->pkt_len > sizeof(lin)) {
		cnt.corrupt++;
		return;
	}
	p = rte_pktmbuf_read(m, 0, m->pkt_len, lin);
	memcpy(&h, p + HDR_OFF, sizeof(h));
	if (h.magic != MAGIC || h.len != m->pkt_len ||
			h.csum != csum(p + HDR_OFF + sizeof(h),
				       m->pkt_len - HDR_OFF - sizeof(h))) {
		cnt.corrupt++;
		return;
	}
	cnt.rx_bytes += m->pkt_len;
	if (h.queue != q) {
		cnt.misrouted++;
		return;
	}
	if (h.run != rxs[q].run) {
		rxs[q].run = h.run;
		rxs[q].next = h.seq + 1;
		cnt.runs++;
		return;
	}
	if (h.seq == rxs[q].next) {
		rxs[q].next++;
	} else if (h.seq > rxs[q].next) {
		cnt.lost += h.seq - rxs[q].next;
		rxs[q].next = h.seq + 1;
	} else {
		cnt.reorder++;
	}
}

static uint64_t
xstat(const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port_id, name, &id) == 0)
		rte_eth_xstats_get_by_id(port_id, &id, &v, 1);
	return v;
}

static void
print_counts(const char *tag, int link)
{
	printf("%s {\"link\": %d, \"tx\": %" PRIu64 ", \"rx\": %" PRIu64
	       ", \"corrupt\": %" PRIu64 ", \"misrouted\": %" PRIu64
	       ", \"reorder\": %" PRIu64 ", \"lost\": %" PRIu64
	       ", \"runs\": %" PRIu64 ", \"lsc\": %" PRIu64
	       ", \"sleeps\": %" PRIu64 ", \"woken\": %" PRIu64
	       ", \"timeouts\": %" PRIu64 ", \"overslept\": %" PRIu64 "}\n",
	       tag, link, cnt.tx, cnt.rx, cnt.corrupt, cnt.misrouted,
	       cnt.reorder, cnt.lost, cnt.runs, cnt.lsc, cnt.sleeps, cnt.woken,
	       cnt.timeouts, cnt.overslept);
	fflush(stdout);
}

static void
sleep_for_rx(void)
{
	struct rte_epoll_event ev[MAXQ];
	unsigned int q;
	int n;

	for (q = 0; q < opt.queues; q++)
		rte_eth_dev_rx_intr_enable(port_id, (uint16_t)q);
	cnt.sleeps++;
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, MAXQ, 3000);
	if (n > 0)
		cnt.woken++;
	else if (n == 0) {
		cnt.timeouts++;
		timed_out = 1;
	}
	for (q = 0; q < opt.queues; q++)
		rte_eth_dev_rx_intr_disable(port_id, (uint16_t)q);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "queues", 1, NULL, 'q' }, { "min", 1, NULL, 'a' },
		{ "max", 1, NULL, 'b' }, { "mtu", 1, NULL, 'm' },
		{ "seg", 1, NULL, 's' }, { "duration", 1, NULL, 'd' },
		{ "no-tx", 0, NULL, 'n' }, { "rx-intr", 0, NULL, 'i' },
		{ "pause-ms", 1, NULL, 'p' }, { "status-ms", 1, NULL, 't' },
		{ "pool", 1, NULL, 'P' }, { "txpool", 0, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		unsigned long v = optarg ? strtoul(optarg, NULL, 0) : 0;

		switch (c) {
		case 'q': opt.queues = (unsigned int)v; break;
		case 'a': opt.min = (unsigned int)v; break;
		case 'b': opt.max = (unsigned int)v; break;
		case 'm': opt.mtu = (unsigned int)v; break;
		case 's': opt.seg = (unsigned int)v; break;
		case 'd': opt.duration = (unsigned int)v; break;
		case 'n': opt.tx = 0; break;
		case 'i': opt.rx_intr = 1; break;
		case 'p': opt.pause_ms = (unsigned int)v; break;
		case 't': opt.status_ms = (unsigned int)v; break;
		case 'P': opt.pool = (unsigned int)v; break;
		case 'T': opt.txpool = 1; break;
		default: return -1;
		}
	}
	if (opt.queues < 1 || opt.queues > MAXQ || opt.min < HDR_OFF + sizeof(struct fhdr) ||
			opt.max < opt.min || opt.max > MAX_FRAME || opt.status_ms == 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxc;
	struct rte_eth_link link;
	struct rte_eth_stats st;
	struct rte_mempool *mp, *txmp = NULL;
	char txname[RTE_MEMPOOL_NAMESIZE] = "";
	struct rte_mbuf *pk[BURST];
	uint64_t hz, start, next_status, pause_until = 0, next_pause;
	unsigned int q, i, idle = 0;
	int rc, last_link = -1;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "FATAL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse_args(argc - rc, argv + rc) != 0) {
		fprintf(stderr, "FATAL bad arguments (see the comment at the top of eop_frames.c)\n");
		return 2;
	}
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "FATAL no ethdev port\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	port_id = 0;
	do {
		my_run = (uint32_t)rte_rand();
	} while (my_run == 0);
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)rte_rand();

	mp = rte_pktmbuf_pool_create("frames", opt.pool, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "FATAL mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rte_eth_dev_info_get(port_id, &info);
	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.lsc = 1;
	conf.intr_conf.rxq = opt.rx_intr;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (opt.mtu)
		conf.rxmode.mtu = opt.mtu;
	rc = rte_eth_dev_configure(port_id, (uint16_t)opt.queues,
				   (uint16_t)opt.queues, &conf);
	if (rc != 0) {
		fprintf(stderr, "FATAL configure: %s\n", strerror(-rc));
		return 1;
	}
	rxc = info.default_rxconf;
	rxc.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	for (q = 0; q < opt.queues; q++) {
		if (rte_eth_rx_queue_setup(port_id, (uint16_t)q, 256, rte_socket_id(),
					   &rxc, mp) != 0 ||
				rte_eth_tx_queue_setup(port_id, (uint16_t)q, 256,
						       rte_socket_id(), NULL) != 0) {
			fprintf(stderr, "FATAL queue setup\n");
			return 1;
		}
	}
	rte_eth_dev_callback_register(port_id, RTE_ETH_EVENT_INTR_LSC, lsc_cb, NULL);
	if (rte_eth_dev_start(port_id) != 0) {
		fprintf(stderr, "FATAL start\n");
		return 1;
	}
	rte_eth_promiscuous_enable(port_id);
	if (opt.rx_intr)
		for (q = 0; q < opt.queues; q++)
			rte_eth_dev_rx_intr_ctl_q(port_id, (uint16_t)q,
				RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_ADD, NULL);
	printf("READY run=%08x\n", my_run);
	fflush(stdout);

	hz = rte_get_timer_hz();
	start = rte_get_timer_cycles();
	next_status = start + hz * opt.status_ms / 1000;
	next_pause = start + hz;
	while (!quit) {
		uint64_t now = rte_get_timer_cycles();
		unsigned int got = 0;

		if (opt.duration && now - start > hz * opt.duration)
			break;
		if (now >= next_status) {
			rte_eth_link_get_nowait(port_id, &link);
			if (link.link_status != last_link)
				last_link = link.link_status;
			if (opt.txpool && txmp == NULL && link.link_status &&
					opt.seg == 0) {
				txmp = rte_pmd_eop_tx_mempool(port_id);
				if (txmp == NULL)
					fprintf(stderr, "no transmit pool yet: %s\n",
						rte_strerror(rte_errno));
				else
					snprintf(txname, sizeof(txname), "%s",
						 txmp->name);
			}
			print_counts("STATUS", link.link_status);
			next_status = now + hz * opt.status_ms / 1000;
		}
		if (opt.pause_ms && now >= next_pause) {
			pause_until = now + hz * opt.pause_ms / 1000;
			next_pause = pause_until + hz;
		}
		for (q = 0; q < opt.queues; q++) {
			struct txstate *t = &txs[q];
			uint16_t n, k;

			if (opt.tx && !hush && now >= pause_until) {
				if (txmp != NULL && t->lsc_seen != cnt.lsc) {
					/* the peer's memory may be new */
					t->lsc_seen = cnt.lsc;
					txpool_rebuilt += t->npend;
					t->seq -= t->npend;
					rte_pktmbuf_free_bulk(t->pend, t->npend);
					t->npend = 0;
					/* -EAGAIN while down: the next event */
					if (rte_pmd_eop_tx_pool_rearm(port_id) != 0)
						t->lsc_seen--;
				}
				while (t->npend < BURST) {
					struct rte_mbuf *m = NULL;

					if (txmp != NULL) {
						m = make_frame(txmp, q, t->seq);
						txpool_frames += m != NULL;
					}
					if (m == NULL)
						m = make_frame(mp, q, t->seq);
					if (m == NULL)
						break;
					t->pend[t->npend++] = m;
					t->seq++;
				}
				n = rte_eth_tx_burst(port_id, (uint16_t)q, t->pend,
						     t->npend);
				cnt.tx += n;
				/* keep the rest, in order, for the next try */
				for (k = n; k < t->npend; k++)
					t->pend[k - n] = t->pend[k];
				t->npend = (uint16_t)(t->npend - n);
			}
			n = rte_eth_rx_burst(port_id, (uint16_t)q, pk, BURST);
			for (k = 0; k < n; k++) {
				check_frame(q, pk[k]);
				rte_pktmbuf_free(pk[k]);
			}
			cnt.rx += n;
			got += n;
		}
		/* Woken by the timeout, yet frames were waiting: a doorbell
		 * went missing. */
		if (timed_out && got > 0)
			cnt.overslept++;
		timed_out = 0;
		if (got == 0 && opt.rx_intr && (!opt.tx || now < pause_until)) {
			if (++idle > 1000) {
				sleep_for_rx();
				idle = 0;
			}
		} else {
			idle = 0;
		}
	}

	rte_eth_link_get_nowait(port_id, &link);
	/* Frames never accepted by the port are ours to free. */
	for (q = 0; q < opt.queues; q++) {
		rte_pktmbuf_free_bulk(txs[q].pend, txs[q].npend);
		txs[q].npend = 0;
	}
	memset(&st, 0, sizeof(st));
	rte_eth_stats_get(port_id, &st);
	printf("PORT {\"opackets\": %" PRIu64 ", \"ipackets\": %" PRIu64
	       ", \"oerrors\": %" PRIu64 ", \"ierrors\": %" PRIu64
	       ", \"imissed\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64
	       ", \"tx_ring_full\": %" PRIu64 ", \"tx_link_lost_frames\": %" PRIu64
	       ", \"rx_malformed_frames\": %" PRIu64 ", \"rx_zero_copy_frames\": %" PRIu64
	       ", \"rx_copied_frames\": %" PRIu64 ", \"rx_wakeups\": %" PRIu64
	       ", \"tx_doorbells\": %" PRIu64 ", \"link_downs\": %" PRIu64
	       ", \"tx_stale_pool_frames\": %" PRIu64 "}\n",
	       st.opackets, st.ipackets, st.oerrors, st.ierrors, st.imissed,
	       st.rx_nombuf, xstat("tx_ring_full"), xstat("tx_link_lost_frames"),
	       xstat("rx_malformed_frames"), xstat("rx_zero_copy_frames"),
	       xstat("rx_copied_frames"), xstat("rx_wakeups"),
	       xstat("tx_doorbells"), xstat("link_downs"),
	       xstat("tx_stale_pool_frames"));
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	printf("MBUFS {\"in_use\": %u}\n", rte_mempool_in_use_count(mp));
	if (opt.txpool)
		printf("TXPOOL {\"frames\": %" PRIu64 ", \"rebuilt\": %" PRIu64
		       ", \"freed_at_close\": %d}\n", txpool_frames, txpool_rebuilt,
		       txmp != NULL && rte_mempool_lookup(txname) == NULL);
	print_counts("FINAL", link.link_status);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
