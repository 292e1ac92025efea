/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * eop_fwd: testpmd's txonly, rxonly and io forward modes on port 0, one
 * queue, one lcore, printing "Rx-pps: N" every second as testpmd's
 * --stats-period does, so that eop_bench.py can measure EOP's transmit
 * pool (rte_pmd_eop_tx_mempool()), which testpmd cannot use: with --txpool
 * the frames are built in the peer's memory.
 *
 *   eop_fwd [EAL args] -- --mode txonly|rxonly|io [--size B] [--burst N]
 *           [--mbufs N] [--txpool] [--tx-first]
 *
 * txonly writes a 42-byte Ethernet/IPv4/UDP header into each mbuf and sends
 * --size bytes, as testpmd's txonly does (the payload is not written).
 * Ends on SIGINT/SIGTERM.
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "rte_pmd_eop.h"

#define MAX_BURST 64
#define HDR_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + \
		 sizeof(struct rte_udp_hdr))

static volatile sig_atomic_t quit;
static struct {
	const char *mode;
	unsigned int size, burst, mbufs;
	int txpool, tx_first;
} opt = { "io", 64, 32, 16384, 0, 0 };
static uint8_t hdr[HDR_LEN];

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mode", 1, NULL, 'm' }, { "size", 1, NULL, 's' },
		{ "burst", 1, NULL, 'b' }, { "mbufs", 1, NULL, 'n' },
		{ "txpool", 0, NULL, 't' }, { "tx-first", 0, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm': opt.mode = optarg; break;
		case 's': opt.size = (unsigned int)atoi(optarg); break;
		case 'b': opt.burst = (unsigned int)atoi(optarg); break;
		case 'n': opt.mbufs = (unsigned int)atoi(optarg); break;
		case 't': opt.txpool = 1; break;
		case 'f': opt.tx_first = 1; break;
		default: return -1;
		}
	}
	if (strcmp(opt.mode, "txonly") != 0 && strcmp(opt.mode, "rxonly") != 0 &&
			strcmp(opt.mode, "io") != 0)
		return -1;
	if (opt.size < HDR_LEN || opt.size > 1514 || opt.burst == 0 ||
			opt.burst > MAX_BURST || opt.mbufs < 1024)
		return -1;
	return 0;
}

/* testpmd's txonly template: broadcast, IPv4/UDP, lengths for --size. */
static void
make_header(void)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(hdr, 0, sizeof(hdr));
	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(0, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(opt.size - RTE_ETHER_HDR_LEN));
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(9);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(opt.size - RTE_ETHER_HDR_LEN -
						      sizeof(*ip)));
}

/* A burst of frames from @mp; returns how many. */
static uint16_t
fill(struct rte_mempool *mp, struct rte_mbuf **m)
{
	unsigned int i;

	if (rte_pktmbuf_alloc_bulk(mp, m, opt.burst) != 0)
		return 0;
	for (i = 0; i < opt.burst; i++) {
		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), hdr, sizeof(hdr));
		m[i]->data_len = (uint16_t)opt.size;
		m[i]->pkt_len = opt.size;
	}
	return (uint16_t)opt.burst;
}

/* The port's transmit pool, once the link is up (bounded wait). */
static struct rte_mempool *
txpool_get(void)
{
	uint64_t end = rte_get_timer_cycles() + 30 * rte_get_timer_hz();
	struct rte_eth_link link;

	while (!quit && rte_get_timer_cycles() < end) {
		if (rte_eth_link_get_nowait(0, &link) == 0 && link.link_status) {
			struct rte_mempool *mp = rte_pmd_eop_tx_mempool(0);

			if (mp != NULL || rte_errno != EAGAIN)
				return mp;
		}
		rte_delay_ms(10);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct rte_mbuf *m[MAX_BURST];
	struct rte_mempool *mp, *txmp;
	struct rte_eth_conf conf;
	uint64_t hz, next, rx = 0, rx_last = 0;
	int rc, txonly, rxonly;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "FATAL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse_args(argc - rc, argv + rc) != 0) {
		fprintf(stderr, "FATAL bad arguments: --mode txonly|rxonly|io [--size 42..1514] [--burst 1..64] [--mbufs >= 1024] [--txpool] [--tx-first]\n");
		return 2;
	}
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "FATAL no ethdev port: give a --vdev\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	txonly = strcmp(opt.mode, "txonly") == 0;
	rxonly = strcmp(opt.mode, "rxonly") == 0;
	mp = rte_pktmbuf_pool_create("fwd", opt.mbufs, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	memset(&conf, 0, sizeof(conf));
	if (mp == NULL || rte_eth_dev_configure(0, 1, 1, &conf) != 0 ||
			rte_eth_rx_queue_setup(0, 0, 0, rte_socket_id(), NULL, mp) != 0 ||
			rte_eth_tx_queue_setup(0, 0, 0, rte_socket_id(), NULL) != 0 ||
			rte_eth_dev_start(0) != 0) {
		fprintf(stderr, "FATAL port setup\n");
		return 1;
	}
	rte_eth_promiscuous_enable(0);
	make_header();
	txmp = mp;
	if (opt.txpool && !rxonly) {
		txmp = txpool_get();
		if (txmp == NULL) {
			fprintf(stderr, "FATAL no transmit pool (see the log above)\n");
			rte_eth_dev_stop(0);
			rte_eth_dev_close(0);
			return 1;
		}
	}
	printf("READY\n");
	fflush(stdout);
	if (opt.tx_first) {
		uint16_t n = fill(txmp, m), s = rte_eth_tx_burst(0, 0, m, n);

		rte_pktmbuf_free_bulk(m + s, n - s);
	}
	hz = rte_get_timer_hz();
	next = rte_get_timer_cycles() + hz;
	while (!quit) {
		uint16_t n, s;

		if (txonly) {
			n = fill(txmp, m);
			s = rte_eth_tx_burst(0, 0, m, n);
			if (s < n)
				rte_pktmbuf_free_bulk(m + s, n - s);
		} else {
			n = rte_eth_rx_burst(0, 0, m, (uint16_t)opt.burst);
			rx += n;
			if (rxonly) {
				rte_pktmbuf_free_bulk(m, n);
			} else if (n > 0) {
				s = rte_eth_tx_burst(0, 0, m, n);
				if (s < n)
					rte_pktmbuf_free_bulk(m + s, n - s);
			}
		}
		if (rte_get_timer_cycles() >= next) {
			printf("Rx-pps: %" PRIu64 "\n", rx - rx_last);
			fflush(stdout);
			rx_last = rx;
			next += hz;
		}
	}
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
