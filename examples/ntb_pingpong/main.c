/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * NTB ping-pong: two hosts bounce a sequence number across an NTB link and
 * time the round trips. It shows the NTB API in the order a program uses
 * it: find the device, set up the inbound window, enable the link, wait
 * for the peer, agree through scratchpads, then talk through the peer's
 * window (--mode mem) or its doorbells (--mode db), polling throughout.
 *
 *   --mode mem  the pinger stores the sequence number into its slot of the
 *               peer's window; the ponger polls its own memory and stores
 *               the number back. Only posted writes cross the bridge.
 *   --mode db   each side rings one doorbell bit on the other and polls its
 *               own doorbell register; the bit rotates over the valid bits,
 *               so a lost or doubled ring shows up.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pause.h>

#include <rte_marlin_ntb.h>
#include <rte_marlin_stats.h>

#define SPAD_HELLO 0             /* magic | mode << 4 | role */
#define SPAD_ITERS 1
#define HELLO_MAGIC 0x4e500100u
#define POLL_EVERY 1023u         /* spins between looks at link and clock */

enum mode { MODE_MEM, MODE_DB };

struct pingpong {
	const char *dev;
	enum mode mode;
	uint32_t iters;
	unsigned int timeout_s;
	uint16_t id;
	int pidx, port, peer_port;
	int ping;                    /* the lower port pings */
	volatile uint64_t *local;    /* where the peer's stores land */
	volatile uint64_t *remote;   /* our slot in the peer's window */
	uint64_t db_mask;
	uint64_t timeout_cycles;
};

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

#define OPTIONS "--dev NAME (default ntb_shm0), --mode mem|db (default mem),\n" \
	"--iters N (default 100000), --timeout SEC (default 30)"

/* 0: go on; 1: --help was asked; < 0: bad usage. */
static int
parse_args(int argc, char **argv, struct pingpong *p)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--help") == 0) {
			printf("Usage: marlin-ntb-pingpong [EAL options] -- "
			       "[options]\noptions: " OPTIONS "\n");
			return 1;
		}
		if (strcmp(argv[i], "--dev") == 0 && v != NULL)
			p->dev = v;
		else if (strcmp(argv[i], "--mode") == 0 && v != NULL &&
				(strcmp(v, "mem") == 0 || strcmp(v, "db") == 0))
			p->mode = strcmp(v, "db") == 0 ? MODE_DB : MODE_MEM;
		else if (strcmp(argv[i], "--iters") == 0 && v != NULL &&
				atol(v) > 0 && atol(v) <= 100000000)
			p->iters = (uint32_t)atol(v);
		else if (strcmp(argv[i], "--timeout") == 0 && v != NULL &&
				atoi(v) > 0)
			p->timeout_s = (unsigned int)atoi(v);
		else {
			fprintf(stderr, "bad option '%s' (or its value); "
				"options: " OPTIONS "\n", argv[i]);
			return -EINVAL;
		}
		i++;
	}
	return 0;
}

/* While waiting: the peer is still there, the clock, a signal. */
static int
check_wait(struct pingpong *p, uint64_t start)
{
	int64_t up;

	if (quit_signal)
		return -EINTR;
	rte_marlin_ntb_poll(p->id);      /* follow the link and the peer */
	up = rte_marlin_ntb_link_is_up(p->id, NULL, NULL);
	if (up < 0 || !(up & (INT64_C(1) << p->pidx)))
		return -ENOLINK;
	return rte_rdtsc() - start > p->timeout_cycles ? -ETIMEDOUT : 0;
}

static int
wait_error(struct pingpong *p, int rc, const char *what, uint64_t seq)
{
	if (rc == -ENOLINK)
		fprintf(stderr, "error: link to port %d lost while waiting for "
			"%s %" PRIu64 "\n", p->peer_port, what, seq);
	else if (rc == -ETIMEDOUT)
		fprintf(stderr, "error: no %s %" PRIu64 " from port %d within "
			"%u s\n", what, seq, p->peer_port, p->timeout_s);
	return rc;
}

/* The doorbell bit of @seq: it rotates over the valid bits. */
static uint64_t
db_bit(const struct pingpong *p, uint64_t seq)
{
	uint64_t m = p->db_mask;
	int k = (int)(seq % (uint64_t)__builtin_popcountll(m));

	while (k-- > 0)
		m &= m - 1;              /* drop the lowest set bit */
	return m & -m;
}

/* Send @seq to the peer: a store into its window, or a doorbell. */
static int
send_seq(struct pingpong *p, uint64_t seq)
{
	if (p->mode == MODE_DB)
		return rte_marlin_ntb_peer_db_set(p->id, p->pidx, db_bit(p, seq));
	__atomic_store_n(p->remote, seq, __ATOMIC_RELEASE);
	return 0;
}

/* What arrived for @seq: the slot's new value or the doorbell bits; 0: none. */
static uint64_t
peek(struct pingpong *p, uint64_t seq)
{
	uint64_t v = 0;

	if (p->mode == MODE_DB) {
		rte_marlin_ntb_db_read(p->id, &v);
		return v;
	}
	v = __atomic_load_n(p->local, __ATOMIC_ACQUIRE);
	return v == seq - 1 ? 0 : v;
}

/* Wait until the peer sent @seq; anything else is an error. */
static int
wait_seq(struct pingpong *p, uint64_t seq, const char *what)
{
	uint64_t start = rte_rdtsc(), got, want;
	unsigned int spins = 0;
	int rc;

	while ((got = peek(p, seq)) == 0) {
		if ((++spins & POLL_EVERY) == 0 &&
				(rc = check_wait(p, start)) != 0) {
			/* it may have landed just before the peer left */
			got = peek(p, seq);
			if (got != 0)
				break;
			return wait_error(p, rc, what, seq);
		}
		rte_pause();
	}
	want = p->mode == MODE_DB ? db_bit(p, seq) : seq;
	if (got != want) {
		fprintf(stderr, "error: %s %" PRIu64 ": got 0x%" PRIx64
			", expected 0x%" PRIx64 "\n", what, seq, got, want);
		return -EPROTO;
	}
	if (p->mode == MODE_DB)
		rte_marlin_ntb_db_clear(p->id, got);
	return 0;
}

/* Both sides tell each other mode, role and iterations by scratchpads. */
static int
handshake(struct pingpong *p)
{
	uint32_t mine = HELLO_MAGIC | (uint32_t)p->mode << 4 | (uint32_t)p->ping;
	uint32_t hello = 0, iters = 0;
	uint64_t start = rte_rdtsc();
	int rc;

	rte_marlin_ntb_peer_spad_write(p->id, p->pidx, SPAD_ITERS, p->iters);
	rte_marlin_ntb_peer_spad_write(p->id, p->pidx, SPAD_HELLO, mine);
	for (;;) {
		rte_marlin_ntb_spad_read(p->id, p->pidx, SPAD_HELLO, &hello);
		if ((hello & 0xffffff00u) == HELLO_MAGIC)
			break;
		if ((rc = check_wait(p, start)) != 0) {
			/* it may have landed just before the peer left (a peer
			 * that refuses our parameters exits at once) */
			rte_marlin_ntb_spad_read(p->id, p->pidx, SPAD_HELLO, &hello);
			if ((hello & 0xffffff00u) == HELLO_MAGIC)
				break;
			return wait_error(p, rc, "handshake from the peer", 0);
		}
		rte_delay_us_sleep(100);
	}
	rte_marlin_ntb_spad_read(p->id, p->pidx, SPAD_ITERS, &iters);
	rte_marlin_ntb_spad_write(p->id, p->pidx, SPAD_HELLO, 0); /* consumed */
	if ((hello >> 4 & 0xf) != (uint32_t)p->mode || (int)(hello & 1) == p->ping) {
		fprintf(stderr, "error: port %d runs another --mode or role\n",
			p->peer_port);
		return -EPROTO;
	}
	if (iters != p->iters) {
		fprintf(stderr, "error: port %d runs --iters %u, we run --iters "
			"%u\n", p->peer_port, iters, p->iters);
		return -EPROTO;
	}
	return 0;
}

/* Ping (time each round trip) or pong (answer each ping). */
static int
run(struct pingpong *p)
{
	uint32_t warmup = p->iters >= 10000 ? 1000 : p->iters / 10;
	uint64_t seq, t0, *rtt = calloc(p->iters, sizeof(*rtt));
	double ns = 1e9 / (double)rte_get_tsc_hz() / 2; /* one-way = RTT / 2 */
	int rc = 0;

	if (rtt == NULL)
		return -ENOMEM;
	for (seq = 1; seq <= warmup + p->iters && rc == 0; seq++) {
		t0 = rte_rdtsc();
		if (p->ping) {
			rc = send_seq(p, seq);
			if (rc == 0)
				rc = wait_seq(p, seq, "pong");
		} else {
			rc = wait_seq(p, seq, "ping");
			if (rc == 0)
				rc = send_seq(p, seq);
		}
		if (seq > warmup)
			rtt[seq - warmup - 1] = rte_rdtsc() - t0;
	}
	if (rc == 0 && p->ping) {
		rte_marlin_stats_sort_u64(rtt, p->iters);
		printf("ntb_pingpong: %u round trips, one-way latency ns: min %.0f "
		       "median %.0f max %.0f\n", p->iters, rtt[0] * ns,
		       rte_marlin_stats_median_u64(rtt, p->iters) * ns,
		       rtt[p->iters - 1] * ns);
	} else if (rc == 0) {
		printf("ntb_pingpong: answered %u round trips (mode %s)\n",
		       p->iters, p->mode == MODE_DB ? "db" : "mem");
	}
	free(rtt);
	return rc;
}

/* Device, peer, role, and the window or doorbells the mode needs. */
static int
setup(struct pingpong *p)
{
	struct rte_marlin_ntb_info info;
	void *local, *remote;
	size_t llen, rlen, slice_l = 0, slice_r = 0;
	int id = rte_marlin_ntb_get_by_name(p->dev), rc;

	if (id < 0 || rte_marlin_ntb_info_get((uint16_t)id, &info) != 0 ||
			info.peer_count < 1) {
		fprintf(stderr, "error: no NTB device '%s' with a peer: add e.g. "
			"--vdev %s,fabric=NAME,host=0 to the EAL options\n",
			p->dev, p->dev);
		return -ENODEV;
	}
	p->id = (uint16_t)id;
	p->pidx = 0;
	p->port = info.port;
	p->peer_port = rte_marlin_ntb_peer_port_number(p->id, p->pidx);
	p->ping = p->port < p->peer_port;
	if (p->mode == MODE_DB) {
		p->db_mask = info.db_valid_mask;
		if (p->db_mask == 0) {
			fprintf(stderr, "error: %s has no doorbells\n", p->dev);
			return -ENOTSUP;
		}
		return rte_marlin_ntb_db_clear(p->id, p->db_mask); /* stale */
	}
	/* Inbound memory before the link: the peer may write at once. */
	rc = rte_marlin_ntb_mw_alloc(p->id, p->pidx, 0, 0, &local, &llen);
	if (rc == 0)
		rc = rte_marlin_ntb_peer_mw_get_addr(p->id, p->pidx, 0, &remote,
				&rlen);
	if (rc != 0) {
		fprintf(stderr, "error: %s: no memory window (%s): use --mode "
			"db\n", p->dev, strerror(-rc));
		return rc;
	}
	/* A window shared by all hosts has one slice per source port. */
	if (info.mw_shared) {
		slice_l = llen / (size_t)(info.peer_count + 1);
		slice_r = rlen / (size_t)(info.peer_count + 1);
	}
	p->local = (volatile uint64_t *)((char *)local +
			slice_l * (size_t)p->peer_port);
	p->remote = (volatile uint64_t *)((char *)remote +
			slice_r * (size_t)p->port);
	*p->local = 0;
	return 0;
}

/* What the link is: PCIe speed and width, or a software link. */
static void
say_link(struct pingpong *p)
{
	struct rte_marlin_ntb_link l;

	if (rte_marlin_ntb_link_get(p->id, p->pidx, &l) != 0)
		return;
	if (l.speed == RTE_MARLIN_NTB_SPEED_UNKNOWN)
		printf("link up to port %d: software link\n", p->peer_port);
	else
		printf("link up to port %d: PCIe gen%d x%d\n", p->peer_port,
		       (int)l.speed, (int)l.width);
}

int
main(int argc, char **argv)
{
	struct pingpong p = { .dev = "ntb_shm0", .mode = MODE_MEM,
			      .iters = 100000, .timeout_s = 30 };
	int n, rc;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "error: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	rc = parse_args(argc - n - 1, argv + n + 1, &p);
	if (rc != 0) {
		rte_eal_cleanup();
		return rc > 0 ? 0 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.timeout_cycles = rte_get_tsc_hz() * p.timeout_s;
	rc = setup(&p);
	if (rc == 0)
		rc = rte_marlin_ntb_link_enable(p.id, RTE_MARLIN_NTB_SPEED_AUTO,
				RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc == 0) {
		printf("port %d waiting up to %u s for port %d (%s, mode %s)\n",
		       p.port, p.timeout_s, p.peer_port, p.ping ? "ping" : "pong",
		       p.mode == MODE_DB ? "db" : "mem");
		for (n = 0; n < (int)p.timeout_s * 10 && !quit_signal; n++) {
			rc = rte_marlin_ntb_link_wait(p.id, p.pidx, 100);
			if (rc != -ETIMEDOUT)
				break;
		}
		if (rc == -ETIMEDOUT && !quit_signal)
			fprintf(stderr, "error: port %d did not come up within "
				"%u s: start the other host, the same command "
				"with host=%d in its --vdev\n", p.peer_port,
				p.timeout_s, p.peer_port);
		if (rc == 0)
			say_link(&p);
		if (rc == 0)
			rc = handshake(&p);
		if (rc == 0)
			rc = run(&p);
		rte_marlin_ntb_link_disable(p.id);
	}
	if (p.mode == MODE_MEM && p.local != NULL)
		rte_marlin_ntb_mw_free(p.id, p.pidx, 0);
	rte_eal_cleanup();
	if (quit_signal)
		return 128 + quit_signal;
	return rc == 0 ? 0 : 1;
}
