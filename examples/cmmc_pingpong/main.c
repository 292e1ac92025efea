/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * CMMC ping-pong: two processes on two hosts bounce a buffer with one-sided
 * writes and notifications, zero-copy, and check every byte.
 *
 * Each side allocates two receive slots in the memory its peer reaches,
 * exports them with WRITE rights and sends the key, together with the run's
 * parameters, as a CMMC message over the fabric (an HRDMA SEND). The pinger
 * fills a local buffer with the pattern of iteration i and writes it into
 * the ponger's slot i % 2 with a notification; the ponger writes the bytes
 * back from where they landed (no copy in between) into the pinger's slot
 * i % 2, again with a notification, and then checks them. The pinger times
 * the round trip and checks what came back. Two slots let each side check
 * one iteration while the next one is in flight.
 *
 * Public headers only (rte_cmmc.h, rte_marlin_ntb.h); see README.rst.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include <rte_marlin_ntb.h>
#include <rte_cmmc.h>
#include <rte_marlin_stats.h>

#define PP_MAX_SIZES 16
#define PP_HELLO_MAGIC 0x434d5050u   /* "CMPP" */
#define PP_HELLO_VERSION 1u
#define PP_POLL_NS 1000000ull        /* rte_cmmc_poll() at least every ms */

struct pp_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t iters;
	uint32_t nb_sizes;
	uint32_t sizes[PP_MAX_SIZES];
	struct rte_cmmc_key key;      /* the sender's receive slots */
};

struct pp {
	const char *dev;
	int peer;
	int role;                     /* 1 ping, 0 pong, -1 by port */
	uint32_t iters;
	uint32_t sizes[PP_MAX_SIZES];
	uint32_t nb_sizes;
	uint32_t max_size;
	unsigned int timeout_s;

	struct rte_cmmc *c;
	struct rte_cmmc_ep *ep;
	struct rte_cmmc_mem *rx;      /* two slots the peer writes */
	uint8_t *rx_buf;
	struct rte_cmmc_mem *tx;      /* local source (pinger) */
	uint8_t *tx_buf;
	struct rte_cmmc_rkey *peer_rx;
	uint64_t *rtt;
	uint64_t last_poll;
	uint64_t deadline;
	uint64_t seq;                 /* iterations so far, all sizes */
};

static volatile int quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [--dev NAME] [--peer PORT]\n"
	       "       [--role ping|pong] [--sizes N,N,...] [--iters N] [--timeout S]\n"
	       "defaults: ntb_shm0, the first peer, lower port pings,\n"
	       "          sizes 8,4096,65536,1048576, 10000 iterations, 30 s\n",
	       prog);
}

static int
parse_args(struct pp *pp, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "peer", required_argument, NULL, 'p' },
		{ "role", required_argument, NULL, 'r' },
		{ "sizes", required_argument, NULL, 's' },
		{ "iters", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *tok, *save = NULL, *end;
	int o;

	pp->dev = "ntb_shm0";
	pp->peer = -1;
	pp->role = -1;
	pp->iters = 10000;
	pp->timeout_s = 30;
	pp->sizes[0] = 8;
	pp->sizes[1] = 4096;
	pp->sizes[2] = 65536;
	pp->sizes[3] = 1048576;
	pp->nb_sizes = 4;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			pp->dev = optarg;
			break;
		case 'p':
			pp->peer = atoi(optarg);
			break;
		case 'r':
			if (strcmp(optarg, "ping") != 0 && strcmp(optarg, "pong") != 0)
				return -1;
			pp->role = strcmp(optarg, "ping") == 0;
			break;
		case 's':
			pp->nb_sizes = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
					tok = strtok_r(NULL, ",", &save)) {
				unsigned long v = strtoul(tok, &end, 0);

				if (*end != '\0' || v == 0 || v > (64u << 20) ||
						pp->nb_sizes == PP_MAX_SIZES)
					return -1;
				pp->sizes[pp->nb_sizes++] = (uint32_t)v;
			}
			if (pp->nb_sizes == 0)
				return -1;
			break;
		case 'i':
			pp->iters = (uint32_t)strtoul(optarg, &end, 0);
			if (*end != '\0' || pp->iters == 0)
				return -1;
			break;
		case 't':
			pp->timeout_s = (unsigned int)strtoul(optarg, &end, 0);
			if (*end != '\0' || pp->timeout_s == 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* 64-bit words of the pattern of iteration @it; the tail byte-wise. */
static inline uint64_t
pat_word(uint32_t it, uint64_t w)
{
	return (((uint64_t)it << 40) ^ w) * 0x9e3779b97f4a7c15ull + it;
}

static void
pat_fill(uint8_t *p, uint32_t len, uint32_t it)
{
	uint64_t w, n = len / 8;
	uint32_t k;

	for (w = 0; w < n; w++) {
		uint64_t v = pat_word(it, w);

		memcpy(p + w * 8, &v, 8);
	}
	for (k = (uint32_t)n * 8; k < len; k++)
		p[k] = (uint8_t)(pat_word(it, n) >> ((k % 8) * 8));
}

/* Index of the first wrong byte, or -1. */
static int64_t
pat_check(const uint8_t *p, uint32_t len, uint32_t it)
{
	uint64_t w, n = len / 8;
	uint32_t k;

	for (w = 0; w < n; w++) {
		uint64_t v;

		memcpy(&v, p + w * 8, 8);
		if (v != pat_word(it, w)) {
			for (k = 0; k < 8; k++)
				if (p[w * 8 + k] != (uint8_t)(pat_word(it, w) >> (k * 8)))
					return (int64_t)(w * 8 + k);
		}
	}
	for (k = (uint32_t)n * 8; k < len; k++)
		if (p[k] != (uint8_t)(pat_word(it, n) >> ((k % 8) * 8)))
			return k;
	return -1;
}

/* Control duties while waiting; -1 on timeout, signal or a lost peer. */
static int
keep_alive(struct pp *pp)
{
	uint64_t t = now_ns();

	if (t - pp->last_poll >= PP_POLL_NS) {
		pp->last_poll = t;
		rte_cmmc_poll(pp->c);
		if (rte_cmmc_peer_state(pp->c, pp->peer) != RTE_CMMC_PEER_READY) {
			fprintf(stderr, "peer %d lost\n", pp->peer);
			return -1;
		}
	}
	if (quit_signal != 0) {
		fprintf(stderr, "interrupted by signal %d\n", quit_signal);
		return -1;
	}
	if (t > pp->deadline) {
		fprintf(stderr, "no progress for %u s\n", pp->timeout_s);
		return -1;
	}
	return 0;
}

/* Next event from the peer (bounded by the deadline). */
static int
next_event(struct pp *pp, struct rte_cmmc_event *ev)
{
	for (;;) {
		int n = rte_cmmc_recv(pp->ep, ev, 1);

		if (n == 1)
			return 0;
		if (n < 0 && n != -ENOLINK) {
			fprintf(stderr, "receive: %s\n", strerror(-n));
			return -1;
		}
		if (keep_alive(pp) != 0)
			return -1;
	}
}

static int
write_notify(struct pp *pp, uint64_t roff, const void *src, uint32_t len,
		uint64_t imm)
{
	for (;;) {
		int rc = rte_cmmc_write_notify(pp->ep, pp->peer_rx, roff, src, len,
					       imm, imm, 0);

		if (rc == 0)
			return 0;
		if (rc != -ENOSPC) {
			fprintf(stderr, "write: %s\n", strerror(-rc));
			return -1;
		}
		if (keep_alive(pp) != 0)
			return -1;
	}
}

/* Send our key and parameters; take the peer's; both must agree. */
static int
exchange_keys(struct pp *pp)
{
	struct pp_hello mine, *theirs;
	struct rte_cmmc_event ev;
	int rc;

	memset(&mine, 0, sizeof(mine));
	mine.magic = PP_HELLO_MAGIC;
	mine.version = PP_HELLO_VERSION;
	mine.iters = pp->iters;
	mine.nb_sizes = pp->nb_sizes;
	memcpy(mine.sizes, pp->sizes, sizeof(mine.sizes));
	rc = rte_cmmc_key_export(pp->rx, 0, 2 * (size_t)pp->max_size,
				 RTE_CMMC_ACCESS_WRITE, &mine.key);
	if (rc != 0) {
		fprintf(stderr, "key export: %s\n", strerror(-rc));
		return -1;
	}
	while ((rc = rte_cmmc_msg_send(pp->ep, &mine, sizeof(mine))) != 0) {
		if (rc != -ENOSPC && rc != -ENOLINK) {
			fprintf(stderr, "sending the key: %s\n", strerror(-rc));
			return -1;
		}
		if (keep_alive(pp) != 0)
			return -1;
	}
	if (next_event(pp, &ev) != 0)
		return -1;
	theirs = ev.data;
	if (ev.type != RTE_CMMC_EVENT_MSG || ev.len != sizeof(*theirs) ||
			theirs->magic != PP_HELLO_MAGIC ||
			theirs->version != PP_HELLO_VERSION) {
		fprintf(stderr, "the peer's first message is not a ping-pong hello\n");
		return -1;
	}
	if (theirs->iters != pp->iters || theirs->nb_sizes != pp->nb_sizes ||
			memcmp(theirs->sizes, pp->sizes, sizeof(pp->sizes)) != 0) {
		fprintf(stderr, "the peer runs other sizes or iterations (peer: %u iterations, %u sizes, first %u): use the same --sizes and --iters on both\n",
			theirs->iters, theirs->nb_sizes, theirs->sizes[0]);
		return -1;
	}
	pp->peer_rx = rte_cmmc_key_import(pp->c, &theirs->key);
	if (pp->peer_rx == NULL) {
		fprintf(stderr, "importing the peer's key: %s\n",
			strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* One size; returns bytes verified or -1. */
static int64_t
run_size(struct pp *pp, uint32_t size)
{
	uint32_t warm = RTE_MIN(pp->iters / 10 + 1, 1000u);
	uint32_t total = pp->iters + warm, i;
	struct rte_cmmc_event ev;
	int64_t bad;

	/*
	 * Slots alternate over the whole run, not per size: the pong side
	 * checks a slot after echoing it, and the next write into that slot
	 * must be two iterations away even where one size ends and the next
	 * begins.
	 */
	/* the pinger prepares iteration 0 before the clock runs */
	if (pp->role)
		pat_fill(pp->tx_buf + (pp->seq & 1) * (uint64_t)pp->max_size,
			 size, 0);
	for (i = 0; i < total; i++, pp->seq++) {
		uint64_t slot = (pp->seq & 1) * (uint64_t)pp->max_size, t0 = 0;
		uint64_t imm = ((uint64_t)size << 32) | i;

		pp->deadline = now_ns() + (uint64_t)pp->timeout_s * 1000000000ull;
		if (pp->role) {
			t0 = now_ns();
			if (write_notify(pp, slot, pp->tx_buf + slot, size, imm) != 0)
				return -1;
		}
		if (next_event(pp, &ev) != 0)
			return -1;
		if (ev.type != RTE_CMMC_EVENT_NOTIFY || ev.imm != imm ||
				ev.offset != slot || ev.len != size ||
				ev.mem != pp->rx) {
			fprintf(stderr, "iteration %u of size %u: unexpected event (type %u imm %#" PRIx64 " offset %" PRIu64 " len %u)\n",
				i, size, ev.type, ev.imm, ev.offset, ev.len);
			return -1;
		}
		if (pp->role) {
			uint64_t rtt = now_ns() - t0;

			if (i >= warm)
				pp->rtt[i - warm] = rtt;
			/* next iteration's bytes go into the other local slot */
			if (i + 1 < total)
				pat_fill(pp->tx_buf + ((pp->seq + 1) & 1) *
					 (uint64_t)pp->max_size, size, i + 1);
		} else if (write_notify(pp, slot, ev.data, size, imm) != 0) {
			return -1;          /* echoed from where it landed */
		}
		bad = pat_check(ev.data, size, i);
		if (bad >= 0) {
			fprintf(stderr, "iteration %u of size %u: byte %" PRId64 " wrong\n",
				i, size, bad);
			return -1;
		}
	}
	if (pp->role) {
		struct rte_marlin_stats_u64 st;
		double med;

		if (rte_marlin_stats_summarize_u64(pp->rtt, pp->iters, &st) != 0)
			return -1;
		med = st.median / 2.0;
		printf("size=%u iters=%u one_way_ns min=%.0f median=%.0f p99=%.0f max=%.0f bandwidth_GBps=%.2f\n",
		       size, pp->iters, st.min / 2.0, med, st.p99 / 2.0,
		       st.max / 2.0, size / med);    /* bytes per ns = GB/s */
	}
	return (int64_t)size * total;
}

int
main(int argc, char **argv)
{
	struct pp pp;
	struct sigaction sa;
	uint64_t verified = 0;
	int rc, dev, ret = 1;
	uint32_t k;

	memset(&pp, 0, sizeof(pp));
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= rc;
	argv += rc;
	if (parse_args(&pp, argc, argv) != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	dev = rte_marlin_ntb_get_by_name(pp.dev);
	if (dev < 0) {
		fprintf(stderr, "no NTB device %s (give one with --vdev)\n", pp.dev);
		goto out;
	}
	pp.c = rte_cmmc_open((uint16_t)dev, NULL);
	if (pp.c == NULL) {
		fprintf(stderr, "rte_cmmc_open: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (pp.peer < 0)
		pp.peer = rte_marlin_ntb_peer_port_number((uint16_t)dev, 0);
	if (pp.role < 0)
		pp.role = rte_cmmc_port(pp.c) < pp.peer;
	printf("host %d, peer %d, %s; waiting up to %u s for the peer\n",
	       rte_cmmc_port(pp.c), pp.peer, pp.role ? "ping" : "pong",
	       pp.timeout_s);
	rc = rte_cmmc_peer_wait(pp.c, pp.peer, pp.timeout_s * 1000);
	if (rc != 0) {
		fprintf(stderr, "peer %d not ready: %s\n", pp.peer, strerror(-rc));
		goto out;
	}
	pp.ep = rte_cmmc_ep_create(pp.c, pp.peer, 0);
	for (k = 0; k < pp.nb_sizes; k++)
		pp.max_size = RTE_MAX(pp.max_size, pp.sizes[k]);
	pp.max_size = RTE_ALIGN_CEIL(pp.max_size, 64);
	pp.rx = rte_cmmc_alloc(pp.c, pp.peer, 2 * (size_t)pp.max_size, 4096);
	pp.tx_buf = rte_malloc("pp_tx", 2 * (size_t)pp.max_size, 4096);
	pp.rtt = calloc(pp.iters, sizeof(*pp.rtt));
	if (pp.ep == NULL || pp.rx == NULL || pp.tx_buf == NULL || pp.rtt == NULL) {
		fprintf(stderr, "out of memory (2 x %u bytes for the peer: %zu exportable)\n",
			pp.max_size, rte_cmmc_exportable_len(pp.c, pp.peer));
		goto out;
	}
	pp.rx_buf = rte_cmmc_mem_addr(pp.rx, NULL);
	pp.tx = rte_cmmc_mem_register(pp.c, pp.tx_buf, 2 * (size_t)pp.max_size);
	if (pp.tx == NULL) {
		fprintf(stderr, "register: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	pp.last_poll = now_ns();
	pp.deadline = now_ns() + (uint64_t)pp.timeout_s * 1000000000ull;
	if (exchange_keys(&pp) != 0)
		goto out;
	for (k = 0; k < pp.nb_sizes; k++) {
		int64_t v = run_size(&pp, pp.sizes[k]);

		if (v < 0)
			goto out;
		verified += (uint64_t)v;
	}
	ret = 0;
out:
	printf("RESULT %s role=%s verified_bytes=%" PRIu64 "\n",
	       ret == 0 ? "OK" : "FAIL", pp.role ? "ping" : "pong", verified);
	/* the pinger's last echo must not be cut off by our exit: linger */
	if (ret == 0 && !pp.role) {
		uint64_t until = now_ns() + 100000000ull;

		while (now_ns() < until)
			rte_cmmc_poll(pp.c);
	}
	rte_cmmc_rkey_release(pp.peer_rx);
	rte_cmmc_close(pp.c);
	rte_free(pp.tx_buf);
	free(pp.rtt);
	rte_eal_cleanup();
	if (quit_signal != 0)
		return 128 + quit_signal;
	return ret;
}
