/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * cmmc_perf: one host of the CMMC benchmark (scripts/bench/cmmc/cmmc_bench.py).
 * Public headers only; built by the script with pkg-config.
 *
 *   cmmc_perf [EAL options] -- --role server|client [--nt-threshold BYTES]
 *
 * --nt: streaming stores for copies of at least BYTES into the peer (0:
 * never); default rte_cmmc_conf_default()'s.
 *
 * Both hosts open CMMC on ntb_shm0 and connect; the server exports a
 * buffer of CMMC_PERF_BUF bytes to the client and sends the key as a CMMC
 * message. Then each reads commands on stdin and sleeps in read() between
 * them, so that a placement probe can run on the same cores in between:
 *
 *   server: serve              serve one test, print its JSON line
 *   client: run TEST SIZE ITERS run one test, print its JSON line
 *   both:   quit
 *
 * Tests (SIZE bytes per operation, ITERS timed operations after ITERS/10
 * untimed ones):
 *   write     WRITE into the same remote offset, one completion in 64; the
 *             server never touches the data (as ucx_perftest ucp_put_bw)
 *   consume   WRITE with notification into a ring of slots; the server
 *             copies every slot out into private memory and returns credits
 *             (a message) every quarter ring; the time ends when all is
 *             consumed
 *   read      READ from the same remote offset (as ucp_get)
 *   lat       8-byte WRITE with notification, ping-pong; one-way = half the
 *             round trip (as ucp_put_lat)
 * Output: {"test":..,"bytes":..,"iters":..,"gbs":..} or, for lat,
 * {"median_ns":..,"avg_ns":..,"min_ns":..,"p99_ns":..}; GB/s = 1e9 B/s.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include <rte_marlin_ntb.h>
#include <rte_cmmc.h>
#include <rte_marlin_stats.h>

#include "test_host.h"

#define CMMC_PERF_BUF (16u << 20)
#define SIGNAL_EVERY 64
#define TIMEOUT_NS (30ull * 1000000000ull)

enum msg_type { M_KEY = 1, M_START, M_READY, M_CREDIT, M_DONE, M_DONE_ACK };
enum test { T_WRITE = 1, T_CONSUME, T_READ, T_LAT };

struct msg {
	uint32_t type;
	uint32_t test;
	uint64_t size;
	uint64_t iters;
	uint64_t value;
};

struct key_msg {
	uint32_t type;
	uint32_t pad;
	struct rte_cmmc_key key;
};

static struct rte_cmmc *ctx;
static struct rte_cmmc_ep *ep;
static struct rte_cmmc_rkey *rk;     /* client: the server's buffer */
static struct rte_cmmc_mem *exp_mem; /* server: exported buffer */
static uint8_t *exp_buf;
static uint8_t *lbuf;                /* local source / destination */
static uint8_t *priv;                /* server: where consumed data goes */
static int peer;
static uint64_t *lat;

static int
fail(const char *what, int rc)
{
	printf("{\"error\":\"%s: %s\"}\n", what, strerror(rc < 0 ? -rc : rc));
	fflush(stdout);
	return -1;
}

static int
send_msg(const void *m, uint32_t len)
{
	uint64_t deadline = th_now_ns() + TIMEOUT_NS;
	int rc;

	while ((rc = rte_cmmc_msg_send(ep, m, len)) == -ENOSPC) {
		struct rte_cmmc_cpl c[8];

		rte_cmmc_poll_cq(ep, c, 8);
		if (th_now_ns() > deadline)
			return -ETIMEDOUT;
	}
	return rc;
}

static int
send_simple(uint32_t type, uint32_t test, uint64_t size, uint64_t iters,
		uint64_t value)
{
	struct msg m = { .type = type, .test = test, .size = size,
		.iters = iters, .value = value };

	return send_msg(&m, sizeof(m));
}

/* Next event; bounded. */
static int
next_event(struct rte_cmmc_event *ev)
{
	uint64_t deadline = th_now_ns() + TIMEOUT_NS, last = th_now_ns();
	unsigned int spins = 0;

	for (;;) {
		int n = rte_cmmc_recv(ep, ev, 1);
		uint64_t t;

		if (n == 1)
			return 0;
		if (n < 0 && n != -ENOLINK)
			return n;
		/* a spin on a line the peer writes pauses (as marlin-perf's
		 * latency loops do): without it the change costs a machine clear */
		rte_pause();
		/* the clock costs more than a look at the ring: now and then */
		if ((++spins & 1023) != 0)
			continue;
		t = th_now_ns();
		if (t - last > 1000000) {
			rte_cmmc_poll(ctx);
			last = t;
		}
		if (t > deadline)
			return -ETIMEDOUT;
	}
}

static int
next_msg(uint32_t type, struct msg *out)
{
	struct rte_cmmc_event ev;
	int rc;

	for (;;) {
		rc = next_event(&ev);
		if (rc != 0)
			return rc;
		if (ev.type == RTE_CMMC_EVENT_MSG && ev.len >= sizeof(uint32_t) &&
				*(const uint32_t *)ev.data == type) {
			if (out != NULL)
				memcpy(out, ev.data, RTE_MIN((size_t)ev.len, sizeof(*out)));
			return 0;
		}
	}
}

static uint32_t
slots_for(uint64_t size)
{
	uint64_t r = (1u << 20) / size;

	r = RTE_MAX(r, 4u);
	r = RTE_MIN(r, 64u);
	while (r * size > CMMC_PERF_BUF)
		r--;
	return (uint32_t)r;
}

/* ---- server ------------------------------------------------------------- */

static int
serve(void)
{
	struct rte_cmmc_event ev;
	struct msg start;
	uint64_t consumed = 0, bad = 0, slots = 1, credit_every = 1;
	int rc;

	rc = next_msg(M_START, &start);
	if (rc != 0)
		return fail("waiting for the client", rc);
	if (start.test == T_CONSUME) {
		slots = slots_for(start.size);
		credit_every = RTE_MAX(slots / 4, 1u);
	}
	rc = send_simple(M_READY, start.test, 0, 0, 0);
	if (rc != 0)
		return fail("ready", rc);
	for (;;) {
		rc = next_event(&ev);
		if (rc != 0)
			return fail("serving", rc);
		if (ev.type == RTE_CMMC_EVENT_MSG) {
			if (*(const uint32_t *)ev.data == M_DONE)
				break;
			continue;
		}
		if (start.test == T_LAT) {
			/* pong: the same 8 bytes back into the client's ring
			 * position, with the same immediate */
			do {
				rc = rte_cmmc_write_notify(ep, rk, 0, ev.data, 8, ev.imm,
							   0, 0);
			} while (rc == -ENOSPC);
			if (rc != 0)
				return fail("pong", rc);
		} else if (start.test == T_CONSUME) {
			uint64_t stamp;

			memcpy(priv, ev.data, ev.len);     /* read what arrived */
			memcpy(&stamp, priv, sizeof(stamp));
			bad += stamp != ev.imm;
			consumed++;
			if (consumed % credit_every == 0 || consumed == start.iters) {
				rc = send_simple(M_CREDIT, 0, 0, 0, consumed);
				if (rc != 0)
					return fail("credit", rc);
			}
		}
	}
	rc = send_simple(M_DONE_ACK, 0, 0, 0, consumed);
	printf("{\"role\":\"server\",\"test\":%u,\"consumed\":%" PRIu64
	       ",\"stamp_errors\":%" PRIu64 "}\n", start.test, consumed, bad);
	fflush(stdout);
	return rc == 0 && bad == 0 ? 0 : -1;
}

/* ---- client ------------------------------------------------------------- */

/* Collect completions; -errno if one failed. */
static int
reap(uint64_t *outstanding)
{
	struct rte_cmmc_cpl c[32];
	int i, n = rte_cmmc_poll_cq(ep, c, RTE_DIM(c));

	for (i = 0; i < n; i++) {
		if (c[i].status != 0)
			return c[i].status;
		(*outstanding)--;
	}
	return 0;
}

static int
client_bw(uint32_t test, uint64_t size, uint64_t iters, double *gbs)
{
	uint64_t warm = iters / 10 + 1, total = iters + warm, i, t0 = 0;
	uint64_t outstanding = 0, acked = 0, slots = slots_for(size);
	uint64_t deadline = th_now_ns() + TIMEOUT_NS;
	int rc;

	for (i = 0; i < total; i++) {
		unsigned int flags = (i % SIGNAL_EVERY == SIGNAL_EVERY - 1) ?
			RTE_CMMC_F_SIGNALED : 0;
		uint64_t roff = 0;

		if (i == warm)
			t0 = th_now_ns();
		if (test == T_CONSUME) {
			while (i - acked >= slots) {
				struct msg m;

				rc = next_msg(M_CREDIT, &m);
				if (rc != 0)
					return rc;
				acked = m.value;
			}
			roff = (i % slots) * size;
			memcpy(lbuf, &i, sizeof(i));     /* stamp checked by server */
		}
		for (;;) {
			if (test == T_READ)
				rc = rte_cmmc_read(ep, rk, roff, lbuf, (uint32_t)size, i,
						   flags);
			else if (test == T_CONSUME)
				rc = rte_cmmc_write_notify(ep, rk, roff, lbuf,
						(uint32_t)size, i, i, flags);
			else
				rc = rte_cmmc_write(ep, rk, roff, lbuf, (uint32_t)size,
						    i, flags);
			if (rc != -ENOSPC)
				break;
			rc = reap(&outstanding);
			if (rc != 0)
				return rc;
			if (th_now_ns() > deadline)
				return -ETIMEDOUT;
		}
		if (rc != 0)
			return rc;
		outstanding += !!flags;
		if (outstanding >= 4) {
			rc = reap(&outstanding);
			if (rc != 0)
				return rc;
		}
	}
	while (outstanding > 0) {
		rc = reap(&outstanding);
		if (rc != 0)
			return rc;
		if (th_now_ns() > deadline)
			return -ETIMEDOUT;
	}
	while (test == T_CONSUME && acked < total) {
		struct msg m;

		rc = next_msg(M_CREDIT, &m);
		if (rc != 0)
			return rc;
		acked = m.value;
	}
	*gbs = (double)(size * iters) / (double)(th_now_ns() - t0);
	return 0;
}

static int
client_lat(uint64_t iters, double *med, double *avg, double *min, double *p99)
{
	uint64_t warm = iters / 10 + 1, total = iters + warm, i;
	uint64_t deadline = th_now_ns() + TIMEOUT_NS, spins;
	double hz = (double)rte_get_tsc_hz() / 1e9;
	struct rte_marlin_stats_u64 st;
	struct rte_cmmc_event ev;
	int rc;

	for (i = 0; i < total; i++) {
		uint64_t t0 = rte_rdtsc(), t1;

		memcpy(lbuf, &i, sizeof(i));
		do {
			rc = rte_cmmc_write_notify(ep, rk, 0, lbuf, 8, i, 0, 0);
		} while (rc == -ENOSPC);
		if (rc != 0)
			return rc;
		/* spin on the receive path; the clock only now and then */
		for (spins = 0;; spins++) {
			int n = rte_cmmc_recv(ep, &ev, 1);

			if (n == 1)
				break;
			if (n < 0)
				return n;
			rte_pause();
			if ((spins & 0xffff) == 0xffff && th_now_ns() > deadline)
				return -ETIMEDOUT;
		}
		t1 = rte_rdtsc();
		if (ev.type != RTE_CMMC_EVENT_NOTIFY || ev.imm != i ||
				*(const uint64_t *)ev.data != i)
			return -EPROTO;
		if (i >= warm)
			lat[i - warm] = t1 - t0;
	}
	if (rte_marlin_stats_summarize_u64(lat, iters, &st) != 0)
		return -EINVAL;
	*med = st.median / hz / 2;
	*avg = st.mean / hz / 2;
	*min = st.min / hz / 2;
	*p99 = st.p99 / hz / 2;
	return 0;
}

static int
client_run(const char *name, uint64_t size, uint64_t iters)
{
	static const char *const names[] = { "", "write", "consume", "read", "lat" };
	uint32_t test;
	double gbs = 0, med = 0, avg = 0, min = 0, p99 = 0;
	int rc;

	for (test = T_WRITE; test <= T_LAT; test++)
		if (strcmp(name, names[test]) == 0)
			break;
	if (test > T_LAT)
		return fail("unknown test", EINVAL);
	if (test == T_LAT)
		size = 8;
	if (size == 0 || size > CMMC_PERF_BUF || iters == 0)
		return fail("size or iterations", EINVAL);
	/* the server learns the total (warm-up included) to credit the end */
	rc = send_simple(M_START, test, size, iters + iters / 10 + 1, 0);
	if (rc == 0)
		rc = next_msg(M_READY, NULL);
	if (rc != 0)
		return fail("start", rc);
	if (test == T_LAT) {
		lat = realloc(lat, (iters + 1) * sizeof(*lat));
		if (lat == NULL)
			return fail("memory", ENOMEM);
		rc = client_lat(iters, &med, &avg, &min, &p99);
	} else {
		rc = client_bw(test, size, iters, &gbs);
	}
	if (rc != 0)
		return fail(names[test], rc);
	rc = send_simple(M_DONE, 0, 0, 0, 0);
	if (rc == 0)
		rc = next_msg(M_DONE_ACK, NULL);
	if (rc != 0)
		return fail("done", rc);
	if (test == T_LAT)
		printf("{\"role\":\"client\",\"test\":\"lat\",\"bytes\":8,\"iters\":%"
		       PRIu64 ",\"median_ns\":%.1f,\"avg_ns\":%.1f,\"min_ns\":%.1f,"
		       "\"p99_ns\":%.1f}\n", iters, med, avg, min, p99);
	else
		printf("{\"role\":\"client\",\"test\":\"%s\",\"bytes\":%" PRIu64
		       ",\"iters\":%" PRIu64 ",\"slots\":%u,\"gbs\":%.3f}\n", name,
		       size, iters, test == T_CONSUME ? slots_for(size) : 1, gbs);
	fflush(stdout);
	return 0;
}

/* ---- setup -------------------------------------------------------------- */

static int
connect_peer(int server)
{
	struct key_msg km;
	struct rte_cmmc_event ev;
	int rc;

	rc = rte_cmmc_peer_wait(ctx, peer, 30000);
	if (rc != 0)
		return fail("peer", rc);
	ep = rte_cmmc_ep_create(ctx, peer, 0);
	lbuf = rte_malloc("perf_lbuf", CMMC_PERF_BUF, 4096);
	if (ep == NULL || lbuf == NULL ||
			rte_cmmc_mem_register(ctx, lbuf, CMMC_PERF_BUF) == NULL)
		return fail("endpoint or local buffer", ENOMEM);
	memset(lbuf, 0x5a, CMMC_PERF_BUF);
	/* each side exports a buffer; the client's is where pongs land */
	exp_mem = rte_cmmc_alloc(ctx, peer, server ? CMMC_PERF_BUF : 4096, 4096);
	if (exp_mem == NULL)
		return fail("exported buffer (window too small? use mw_size=64M)",
			    rte_errno);
	exp_buf = rte_cmmc_mem_addr(exp_mem, NULL);
	memset(&km, 0, sizeof(km));
	km.type = M_KEY;
	rc = rte_cmmc_key_export(exp_mem, 0, server ? CMMC_PERF_BUF : 4096,
				 RTE_CMMC_ACCESS_READ | RTE_CMMC_ACCESS_WRITE,
				 &km.key);
	if (rc == 0)
		rc = send_msg(&km, sizeof(km));
	if (rc != 0)
		return fail("key", rc);
	for (;;) {
		rc = next_event(&ev);
		if (rc != 0)
			return fail("peer's key", rc);
		if (ev.type == RTE_CMMC_EVENT_MSG && ev.len == sizeof(km) &&
				*(const uint32_t *)ev.data == M_KEY)
			break;
	}
	rk = rte_cmmc_key_import(ctx, &((const struct key_msg *)ev.data)->key);
	if (rk == NULL)
		return fail("import", rte_errno);
	if (server) {
		priv = rte_malloc("perf_priv", CMMC_PERF_BUF, 4096);
		if (priv == NULL)
			return fail("private buffer", ENOMEM);
		memset(priv, 0, CMMC_PERF_BUF);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_cmmc_conf conf;
	char line[256];
	int rc, dev, server = -1, i;
	long nt = -1;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= rc;
	argv += rc;
	for (i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--role") == 0)
			server = strcmp(argv[i + 1], "server") == 0;
		else if (strcmp(argv[i], "--nt-threshold") == 0 ||
				strcmp(argv[i], "--nt") == 0)   /* old name */
			nt = strtol(argv[i + 1], NULL, 0);
	}
	if (server < 0) {
		fprintf(stderr, "usage: cmmc_perf [EAL] -- --role server|client [--nt-threshold BYTES]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = rte_marlin_ntb_get_by_name("ntb_shm0");
	if (dev < 0) {
		fail("no ntb_shm0", dev);
		return 1;
	}
	rte_cmmc_conf_default(&conf);
	if (nt >= 0)
		conf.nt_threshold = (uint32_t)nt;
	ctx = rte_cmmc_open((uint16_t)dev, &conf);
	if (ctx == NULL) {
		fail("rte_cmmc_open", rte_errno);
		return 1;
	}
	peer = rte_marlin_ntb_peer_port_number((uint16_t)dev, 0);
	if (connect_peer(server) != 0)
		goto out;
	printf("{\"ready\":true,\"port\":%d,\"nt\":%u}\n", rte_cmmc_port(ctx),
	       conf.nt_threshold);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char name[32];
		uint64_t size = 0, iters = 0;

		if (strncmp(line, "quit", 4) == 0)
			break;
		if (server && strncmp(line, "serve", 5) == 0) {
			serve();
		} else if (!server &&
				sscanf(line, "run %31s %" SCNu64 " %" SCNu64, name,
				       &size, &iters) == 3) {
			client_run(name, size, iters);
		} else {
			fail("bad command", EINVAL);
		}
	}
out:
	rte_cmmc_close(ctx);
	rte_free(lbuf);
	rte_free(priv);
	free(lat);
	rte_eal_cleanup();
	return 0;
}
