/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * net_eop unit tests, ports: two software NTB hosts in this one process
 * (ntb_shm0 = host 0, ntb_shm1 = host 1) carry two EOP ports that talk to
 * each other: frames of every kind both ways with their content checked,
 * filters, copy-on-receive (rx_copy), the transmit pool, oversize frames,
 * receive interrupts through the eventfd, zero-copy mbufs held across a
 * cable cut (their data must survive and the peer must not renegotiate
 * under them), and mbufs held past close. The pure parts are in
 * test_eop.c, which runs these through eop_unit_ports().
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_mbuf.h>

#include "eop_private.h"
#include "rte_pmd_eop.h"
#include "rte_pmd_ntb_shm.h"
#include "test_eop.h"


static char fabric[64];
static char fabric_dir[PATH_MAX];
static char fabric_path[PATH_MAX];
static struct rte_mempool *mp;
static int eal_ok;
/* ---- two ports in one process ------------------------------------------- */

static int
wait_link(uint16_t port, int up, unsigned int ms)
{
	struct rte_eth_link l;
	unsigned int i;

	for (i = 0; i < ms; i += 10) {
		if (rte_eth_link_get_nowait(port, &l) == 0 && l.link_status == up)
			return 0;
		rte_delay_ms(10);
	}
	return -ETIMEDOUT;
}

static int
port_setup(uint16_t port, int rx_intr)
{
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxc;
	int rc;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf.rxmode.mtu = 9000;
	conf.intr_conf.rxq = rx_intr;
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc != 0)
		return rc;
	memset(&rxc, 0, sizeof(rxc));
	rxc.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	rc = rte_eth_rx_queue_setup(port, 0, 256, 0, &rxc, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 256, 0, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(port);
	return rc;
}

static struct rte_mbuf *
frame(uint32_t len, uint8_t seed, uint32_t seg)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *s = m;
	uint32_t i;

	assert_non_null(m);
	for (i = 0; i < len; i++) {
		uint8_t *d;

		if (rte_pktmbuf_tailroom(s) == 0 || (seg && s->data_len == seg)) {
			struct rte_mbuf *nx = rte_pktmbuf_alloc(mp);

			assert_non_null(nx);
			s->next = nx;
			s = nx;
			m->nb_segs++;
		}
		d = rte_pktmbuf_mtod_offset(s, uint8_t *, s->data_len);
		*d = (uint8_t)(seed + i * 7);
		s->data_len++;
		m->pkt_len++;
	}
	/* a real destination: broadcast */
	memset(rte_pktmbuf_mtod(m, uint8_t *), 0xff, 6);
	return m;
}

static int
frame_ok(struct rte_mbuf *m, uint32_t len, uint8_t seed)
{
	uint8_t buf[9100];
	const uint8_t *p;
	uint32_t i;

	if (m->pkt_len != len)
		return 0;
	p = rte_pktmbuf_read(m, 0, len, buf);
	for (i = 6; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return 0;
	return 1;
}

/* Receive up to @want frames on @port within @ms. */
static uint16_t
rx_some(uint16_t port, struct rte_mbuf **pk, uint16_t want, unsigned int ms)
{
	uint16_t got = 0;
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	while (got < want && rte_get_timer_cycles() < end)
		got += rte_eth_rx_burst(port, 0, pk + got, (uint16_t)(want - got));
	return got;
}

static uint64_t
xstat(uint16_t port, const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

static void
test_traffic(void **state)
{
	static const uint32_t sizes[] = { 60, 64, 200, 256, 300, 511, 512, 1500,
					  1514, 2100, 4000, 9000, 9018 };
	struct rte_mbuf *tx[RTE_DIM(sizes) * 2], *rx[64];
	uint16_t n = 0, got, i, sent;

	(void)state;
	if (!eal_ok)
		skip();
	for (i = 0; i < RTE_DIM(sizes); i++) {
		tx[n++] = frame(sizes[i], (uint8_t)i, 0);
		tx[n++] = frame(sizes[i], (uint8_t)(100 + i), 700);  /* chained */
	}
	sent = rte_eth_tx_burst(0, 0, tx, n);
	assert_int_equal(sent, n);
	got = rx_some(1, rx, n, 3000);
	assert_int_equal(got, n);
	for (i = 0; i < got; i++) {
		uint32_t k = i / 2;

		assert_true(frame_ok(rx[i], sizes[k], (uint8_t)(i % 2 ? 100 + k : k)));
		rte_pktmbuf_free(rx[i]);
	}
	assert_true(xstat(1, "rx_zero_copy_frames") > 0);
	assert_true(xstat(1, "rx_copied_frames") > 0);
	/* and back */
	for (i = 0; i < 20; i++)
		tx[i] = frame(64 + i * 50, (uint8_t)i, 0);
	assert_int_equal(rte_eth_tx_burst(1, 0, tx, 20), 20);
	got = rx_some(0, rx, 20, 3000);
	assert_int_equal(got, 20);
	for (i = 0; i < got; i++) {
		assert_true(frame_ok(rx[i], 64 + i * 50, (uint8_t)i));
		rte_pktmbuf_free(rx[i]);
	}
}

static void
test_bad_frames(void **state)
{
	struct rte_eth_stats st0, st1;
	struct rte_mbuf *m[2], *rx[4];

	(void)state;
	if (!eal_ok)
		skip();
	rte_eth_stats_get(0, &st0);
	/* longer than MTU 9000 + header + tag, and a runt: dropped, counted */
	m[0] = frame(9023, 1, 0);
	m[1] = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m[1], 8);
	assert_int_equal(rte_eth_tx_burst(0, 0, m, 2), 2);
	rte_eth_stats_get(0, &st1);
	assert_int_equal(st1.oerrors - st0.oerrors, 2);
	assert_int_equal(rx_some(1, rx, 4, 200), 0);
}

static void
test_filters(void **state)
{
	struct rte_ether_addr mac1, other = { { 0x02, 9, 9, 9, 9, 9 } };
	struct rte_mbuf *m[4], *rx[8];
	uint64_t f0;
	uint16_t got, i;

	(void)state;
	if (!eal_ok)
		skip();
	rte_eth_macaddr_get(1, &mac1);
	rte_eth_promiscuous_disable(1);
	f0 = xstat(1, "rx_filtered_frames");
	for (i = 0; i < 4; i++)
		m[i] = frame(100, (uint8_t)i, 0);
	rte_ether_addr_copy(&mac1, rte_pktmbuf_mtod(m[0], struct rte_ether_addr *));
	rte_ether_addr_copy(&other, rte_pktmbuf_mtod(m[1], struct rte_ether_addr *));
	/* m[2] stays broadcast */
	memcpy(rte_pktmbuf_mtod(m[3], uint8_t *), "\x01\x00\x5e\x00\x00\x01", 6);
	assert_int_equal(rte_eth_tx_burst(0, 0, m, 4), 4);
	got = rx_some(1, rx, 4, 500);
	assert_int_equal(got, 2);          /* ours and broadcast */
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(rx[i]);
	assert_int_equal(xstat(1, "rx_filtered_frames") - f0, 2);
	rte_eth_allmulticast_enable(1);
	m[0] = frame(100, 7, 0);
	memcpy(rte_pktmbuf_mtod(m[0], uint8_t *), "\x01\x00\x5e\x00\x00\x01", 6);
	assert_int_equal(rte_eth_tx_burst(0, 0, m, 1), 1);
	assert_int_equal(rx_some(1, rx, 1, 1000), 1);
	rte_pktmbuf_free(rx[0]);
	rte_eth_allmulticast_disable(1);
	rte_eth_promiscuous_enable(1);
}

/* rx_copy=1 (set on port 1's queue as the devarg would): every frame,
 * large ones too, arrives in the application's own mbufs, intact, and the
 * MAC filter judges the copy. */
static void
test_rx_copy(void **state)
{
	static const uint32_t sizes[] = { 64, 300, 600, 1500, 4000, 9018 };
	struct rte_ether_addr other = { { 0x02, 9, 9, 9, 9, 8 } };
	struct eop_port *port;
	struct rte_mbuf *tx[RTE_DIM(sizes) + 2], *rx[16];
	uint64_t zc0, cp0, f0;
	uint16_t i, got;

	(void)state;
	if (!eal_ok)
		skip();
	port = rte_eth_devices[1].data->dev_private;
	port->rxq[0].copy_all = 1;
	port->rxq[0].zc_min = 0;
	zc0 = xstat(1, "rx_zero_copy_frames");
	cp0 = xstat(1, "rx_copied_frames");
	for (i = 0; i < RTE_DIM(sizes); i++)
		tx[i] = frame(sizes[i], (uint8_t)(30 + i), 0);
	assert_int_equal(rte_eth_tx_burst(0, 0, tx, RTE_DIM(sizes)), RTE_DIM(sizes));
	got = rx_some(1, rx, RTE_DIM(sizes), 3000);
	assert_int_equal(got, RTE_DIM(sizes));
	for (i = 0; i < got; i++) {
		struct rte_mbuf *s;

		for (s = rx[i]; s != NULL; s = s->next)
			assert_false(RTE_MBUF_HAS_EXTBUF(s));
		assert_ptr_equal(rx[i]->pool, mp);
		assert_true(frame_ok(rx[i], sizes[i], (uint8_t)(30 + i)));
		rte_pktmbuf_free(rx[i]);
	}
	assert_int_equal(xstat(1, "rx_zero_copy_frames"), zc0);
	assert_int_equal(xstat(1, "rx_copied_frames") - cp0, RTE_DIM(sizes));
	/* filter on the copy: packed and slot frames for another MAC */
	rte_eth_promiscuous_disable(1);
	f0 = xstat(1, "rx_filtered_frames");
	tx[0] = frame(100, 1, 0);
	tx[1] = frame(1500, 2, 0);
	tx[2] = frame(1500, 3, 0);
	rte_ether_addr_copy(&other, rte_pktmbuf_mtod(tx[0], struct rte_ether_addr *));
	rte_ether_addr_copy(&other, rte_pktmbuf_mtod(tx[1], struct rte_ether_addr *));
	assert_int_equal(rte_eth_tx_burst(0, 0, tx, 3), 3);
	got = rx_some(1, rx, 3, 500);
	assert_int_equal(got, 1);          /* the broadcast one */
	assert_true(frame_ok(rx[0], 1500, 3));
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(xstat(1, "rx_filtered_frames") - f0, 2);
	rte_eth_promiscuous_enable(1);
	port->rxq[0].copy_all = 0;
	port->rxq[0].zc_min = port->p.zc_min;
}

/* Fill a transmit-pool mbuf as frame() does, writing in place. */
static struct rte_mbuf *
pool_frame(struct rte_mempool *pool, uint32_t len, uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;
	uint32_t i;

	assert_non_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	for (i = 0; i < len; i++)
		d[i] = (uint8_t)(seed + i * 7);
	memset(d, 0xff, 6);
	return m;
}

/* Wait until the sender got every transmit-pool buffer back. */
static int
pool_drained(struct rte_mempool *pool, unsigned int ms)
{
	struct rte_mbuf *none[1];
	unsigned int i;

	for (i = 0; i < ms; i++) {
		rte_eth_rx_burst(1, 0, none, 0);         /* peer gives back */
		rte_eth_tx_burst(0, 0, none, 0);         /* sender takes back */
		if (rte_mempool_in_use_count(pool) == 0)
			return 1;
		rte_delay_ms(1);
	}
	return 0;
}

/* Frames built in the peer's memory (rte_pmd_eop_tx_mempool): they arrive
 * intact, in order with copied ones, zero-copy (or copied with rx_copy),
 * and their buffers come back to the pool once the receiver frees them. */
static void
test_tx_pool(void **state)
{
	static const uint32_t sizes[] = { 60, 64, 128, 300, 1000, 1500, 1514, 2048 };
	struct rte_mempool *pool;
	struct rte_mbuf *tx[2 * RTE_DIM(sizes)], *rx[2 * RTE_DIM(sizes)];
	struct eop_port *p1;
	uint16_t i, n = 0, got;

	(void)state;
	if (!eal_ok)
		skip();
	assert_null(rte_pmd_eop_tx_mempool(RTE_MAX_ETHPORTS - 1));
	assert_int_equal(rte_errno, ENODEV);
	pool = rte_pmd_eop_tx_mempool(0);
	assert_non_null(pool);
	assert_ptr_equal(rte_pmd_eop_tx_mempool(0), pool);
	assert_int_equal(rte_mempool_avail_count(pool), 256);
	/* pool frames and ordinary ones, interleaved */
	for (i = 0; i < RTE_DIM(sizes); i++) {
		tx[n++] = pool_frame(pool, sizes[i], (uint8_t)(40 + i));
		tx[n++] = frame(sizes[i], (uint8_t)(140 + i), 0);
	}
	assert_int_equal(rte_eth_tx_burst(0, 0, tx, n), n);
	got = rx_some(1, rx, n, 3000);
	assert_int_equal(got, n);
	for (i = 0; i < got; i++) {
		uint32_t k = i / 2;

		assert_true(frame_ok(rx[i], sizes[k],
				     (uint8_t)(i % 2 ? 140 + k : 40 + k)));
		/* built in place: handed over as is; small ones went in
		 * lists and were copied */
		if (i % 2 == 0)
			assert_int_equal(!!RTE_MBUF_HAS_EXTBUF(rx[i]),
					 sizes[k] > EOP_DEFAULT_PACK_MAX);
	}
	/* held by the receiver (and small ones until the next burst) */
	assert_true(rte_mempool_in_use_count(pool) >= RTE_DIM(sizes));
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(rx[i]);
	assert_true(pool_drained(pool, 2000));

	/* small frames in lists: 64 and more to a burst, in order */
	for (n = 0; n < 10; n++) {
		struct rte_mbuf *big[96];

		for (i = 0; i < 96; i++)
			big[i] = pool_frame(pool, 60 + (i % 4) * 50, (uint8_t)(n + i));
		assert_int_equal(rte_eth_tx_burst(0, 0, big, 96), 96);
		got = rx_some(1, big, 96, 2000);
		assert_int_equal(got, 96);
		for (i = 0; i < got; i++) {
			assert_true(frame_ok(big[i], 60 + (i % 4) * 50, (uint8_t)(n + i)));
			rte_pktmbuf_free(big[i]);
		}
	}
	assert_true(pool_drained(pool, 2000));
	assert_true(xstat(1, "rx_malformed_frames") == 0);

	/* many rounds: every buffer is reused, nothing leaks */
	for (n = 0; n < 40; n++) {
		for (i = 0; i < 16; i++)
			tx[i] = pool_frame(pool, 1500, (uint8_t)(n + i));
		assert_int_equal(rte_eth_tx_burst(0, 0, tx, 16), 16);
		got = rx_some(1, rx, 16, 2000);
		assert_int_equal(got, 16);
		for (i = 0; i < got; i++) {
			assert_true(frame_ok(rx[i], 1500, (uint8_t)(n + i)));
			rte_pktmbuf_free(rx[i]);
		}
	}
	assert_true(pool_drained(pool, 2000));

	/* rx_copy on the receiver: copies, and the buffer returns at once */
	p1 = rte_eth_devices[1].data->dev_private;
	p1->rxq[0].copy_all = 1;
	p1->rxq[0].zc_min = 0;
	for (i = 0; i < 4; i++)
		tx[i] = pool_frame(pool, 1500, (uint8_t)(7 * i));
	assert_int_equal(rte_eth_tx_burst(0, 0, tx, 4), 4);
	got = rx_some(1, rx, 4, 2000);
	assert_int_equal(got, 4);
	assert_true(pool_drained(pool, 2000));     /* before rx[] are freed */
	for (i = 0; i < got; i++) {
		assert_false(RTE_MBUF_HAS_EXTBUF(rx[i]));
		assert_true(frame_ok(rx[i], 1500, (uint8_t)(7 * i)));
		rte_pktmbuf_free(rx[i]);
	}
	p1->rxq[0].copy_all = 0;
	p1->rxq[0].zc_min = p1->p.zc_min;
}

static void
test_rx_intr(void **state)
{
	struct rte_mbuf *m, *rx[4];
	struct pollfd pfd;
	int fd;

	(void)state;
	if (!eal_ok)
		skip();
	fd = rte_eth_dev_rx_intr_ctl_q_get_fd(1, 0);
	assert_true(fd >= 0);
	assert_int_equal(rte_eth_dev_rx_intr_enable(1, 0), 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* nothing pending: the eventfd stays quiet */
	assert_int_equal(poll(&pfd, 1, 100), 0);
	m = frame(300, 3, 0);
	assert_int_equal(rte_eth_tx_burst(0, 0, &m, 1), 1);
	/* the sender rings the doorbell, the alarm writes the eventfd */
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(rte_eth_dev_rx_intr_disable(1, 0), 0);
	{
		uint64_t v;

		assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	}
	assert_int_equal(rx_some(1, rx, 1, 1000), 1);
	rte_pktmbuf_free(rx[0]);
	/* a frame already waiting when the queue is armed wakes at once */
	m = frame(300, 4, 0);
	assert_int_equal(rte_eth_tx_burst(0, 0, &m, 1), 1);
	rte_delay_ms(50);
	assert_int_equal(rte_eth_dev_rx_intr_enable(1, 0), 0);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	rte_eth_dev_rx_intr_disable(1, 0);
	assert_int_equal(rx_some(1, rx, 1, 1000), 1);
	rte_pktmbuf_free(rx[0]);
	assert_true(xstat(0, "tx_doorbells") > 0);
}

/*
 * Zero-copy mbufs held across a cable cut: the channel must not come back
 * (and the peer must not overwrite their slots) until they are freed; their
 * data stays intact.
 */
static void
test_zc_hold_across_cut(void **state)
{
	struct rte_mbuf *tx[8], *held[8], *rx[8];
	uint64_t t0;
	uint16_t i, got;

	(void)state;
	if (!eal_ok)
		skip();
	for (i = 0; i < 8; i++)
		tx[i] = frame(1500, (uint8_t)(50 + i), 0);
	assert_int_equal(rte_eth_tx_burst(0, 0, tx, 8), 8);
	got = rx_some(1, held, 8, 2000);
	assert_int_equal(got, 8);
	assert_true(RTE_MBUF_HAS_EXTBUF(held[0]));     /* zero-copy */

	assert_int_equal(rte_pmd_ntb_shm_link_cut(fabric_path, 0, 1, 1), 0);
	assert_int_equal(wait_link(1, 0, 3000), 0);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fabric_path, 0, 1, 0), 0);
	/* Held mbufs keep port 1 from renegotiating (up to EOP_HOLDOFF_MS). */
	rte_delay_ms(400);
	assert_int_equal(wait_link(1, 1, 10), -ETIMEDOUT);
	/* the peer sends as soon as it can: nothing may land in held slots */
	t0 = rte_get_timer_cycles();
	for (i = 0; i < 8; i++) {
		assert_true(frame_ok(held[i], 1500, (uint8_t)(50 + i)));
		rte_pktmbuf_free(held[i]);
	}
	assert_int_equal(wait_link(1, 1, 5000), 0);
	assert_int_equal(wait_link(0, 1, 5000), 0);
	assert_true(rte_get_timer_cycles() - t0 < rte_get_timer_hz() * 5);
	for (i = 0; i < 8; i++)
		tx[i] = frame(1500, (uint8_t)(90 + i), 0);
	/* the sender may need a moment to see the new bring-up */
	got = 0;
	for (t0 = 0; t0 < 100 && got < 8; t0++) {
		got += rte_eth_tx_burst(0, 0, tx + got, (uint16_t)(8 - got));
		rte_delay_ms(10);
	}
	assert_int_equal(got, 8);
	got = rx_some(1, rx, 8, 2000);
	assert_int_equal(got, 8);
	for (i = 0; i < 8; i++) {
		assert_true(frame_ok(rx[i], 1500, (uint8_t)(90 + i)));
		rte_pktmbuf_free(rx[i]);
	}
	assert_true(xstat(1, "link_downs") >= 1);
}

/* Last: close port 1 while the application still holds zero-copy mbufs;
 * freeing them afterwards must be safe (ASan watches). */
static void
test_close_with_held_mbufs(void **state)
{
	struct rte_mbuf *tx[4], *held[4];
	uint16_t i;

	(void)state;
	if (!eal_ok)
		skip();
	for (i = 0; i < 4; i++)
		tx[i] = frame(2000, (uint8_t)(20 + i), 0);
	assert_int_equal(rte_eth_tx_burst(0, 0, tx, 4), 4);
	assert_int_equal(rx_some(1, held, 4, 2000), 4);
	assert_true(RTE_MBUF_HAS_EXTBUF(held[0]));
	assert_int_equal(rte_eth_dev_stop(1), 0);
	assert_int_equal(rte_eth_dev_close(1), 0);
	/* the peer sees its link go down */
	assert_int_equal(wait_link(0, 0, 3000), 0);
	for (i = 0; i < 4; i++) {
		assert_true(frame_ok(held[i], 2000, (uint8_t)(20 + i)));
		rte_pktmbuf_free(held[i]);
	}
	/* transmitting into a closed peer never crashes */
	tx[0] = frame(100, 1, 0);
	if (rte_eth_tx_burst(0, 0, tx, 1) == 0)
		rte_pktmbuf_free(tx[0]);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

static int
setup_eal(void **state)
{
	char shm0[PATH_MAX + 128], shm1[PATH_MAX + 128], prefix[64];
	char *argv[24];
	int argc = 0;

	(void)state;
	snprintf(fabric, sizeof(fabric), "eopu%d", getpid());
	snprintf(fabric_dir, sizeof(fabric_dir), "/dev/shm/eop_unit_%d", getpid());
	if (mkdir(fabric_dir, 0700) != 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "--file-prefix=eop_unit_%d", getpid());
	snprintf(shm0, sizeof(shm0), "ntb_shm0,fabric=%s,host=0,hosts=2,mw=1,mw_size=8M,dir=%s",
		 fabric, fabric_dir);
	snprintf(shm1, sizeof(shm1), "ntb_shm1,fabric=%s,host=1,hosts=2,mw=1,mw_size=8M,dir=%s",
		 fabric, fabric_dir);
	argv[argc++] = (char *)"test_eop";
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"256";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--log-level=lib.eal:error";
	argv[argc++] = (char *)"--vdev";
	argv[argc++] = shm0;
	argv[argc++] = (char *)"--vdev";
	argv[argc++] = shm1;
	argv[argc++] = (char *)"--vdev";
	argv[argc++] = (char *)"net_eop0,ntb=ntb_shm0,peer=1,queues=1,depth=128,tx_bufs=256";
	argv[argc++] = (char *)"--vdev";
	argv[argc] = (char *)"net_eop1,ntb=ntb_shm1,peer=0,queues=1,depth=128,tx_bufs=256";
	argc++;
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	if (rte_pmd_ntb_shm_fabric_path(fabric, fabric_dir, fabric_path,
					sizeof(fabric_path)) != 0)
		return -1;
	mp = rte_pktmbuf_pool_create("unit", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL || rte_eth_dev_count_avail() != 2)
		return -1;
	if (port_setup(0, 0) != 0 || port_setup(1, 1) != 0)
		return -1;
	if (wait_link(0, 1, 10000) != 0 || wait_link(1, 1, 10000) != 0)
		return -1;
	eal_ok = 1;
	return 0;
}

static int
teardown_eal(void **state)
{
	char cmd[PATH_MAX + 32];

	(void)state;
	if (rte_eth_dev_is_valid_port(0)) {
		rte_eth_dev_stop(0);
		rte_eth_dev_close(0);
	}
	if (rte_eth_dev_is_valid_port(1)) {
		rte_eth_dev_stop(1);
		rte_eth_dev_close(1);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fabric_dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/eop_unit_%d", getpid());
	return system(cmd) == 0 ? 0 : -1;
}


int
eop_unit_ports(void)
{
	const struct CMUnitTest ports[] = {
		cmocka_unit_test(test_traffic),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_rx_copy),
		cmocka_unit_test(test_tx_pool),
		cmocka_unit_test(test_rx_intr),
		cmocka_unit_test(test_zc_hold_across_cut),
		cmocka_unit_test(test_close_with_held_mbufs),
	};

	return cmocka_run_group_tests_name("ports", ports, setup_eal, teardown_eal);
}
