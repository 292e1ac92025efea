/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Several hosts of an ntb_shm rack in one process, for the scale benchmark
 * (scripts/bench/scale/scale.py drives it).
 *
 *   scale_host --window-size DEPTH MSG_SIZE   (0: default; no EAL)
 *   scale_host EAL... -- --fabric NAME --dir DIR --hosts N --first H
 *                        --count C [--mw-size BYTES] [--depth D]
 *                        [--msg-size S] [--t0 NS] [--poll-ms MS]
 *
 * The process opens hosts H..H+C-1 (one ntb_shm vdev each, created at run
 * time), a channel from each to every other host of the rack, and drives
 * all of them from its one thread. Between data phases it sleeps: every
 * channel is polled every --poll-ms (10 by default) and the thread sleeps
 * in between, so an idle host costs only its channel polls.
 *
 * Lines on stdout (one per event; "ERR ..." on a failure):
 *   UP ns=T channels=K            every channel of these hosts UP, T ns after
 *                                 --t0 (CLOCK_MONOTONIC; 0: process start)
 * Commands on stdin, one per line, each answered with one line:
 *   idle MS [POLL_MS]           -> IDLE ms=MS cpu_ns=X
 *       sleep, polling every channel every POLL_MS (default --poll-ms)
 *   a2a MS                      -> RATE rx=R tx=T ms=MS cpu_ns=X
 *       every host sends 8-byte SENDs to every peer and receives
 *   incast RX MS                -> RATE ...
 *       hosts other than RX send to RX only; RX receives from all
 *   lat ping|pong PEER ITERS send|notify
 *                               -> LAT n=I p50_ns=A p10_ns=B p90_ns=C
 *       (this process's first host against host PEER; one-way = rtt / 2)
 *   drain                       -> DRAINED n=M
 *       receive what is left on every channel (after all phases ended)
 *   quit                        -> BYE
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "rte_marlin_hrdma.h"
#include "rte_marlin_ntb.h"
#include "rte_marlin_stats.h"

#define MAX_LOCAL 32
#define MAX_HOSTS 64
#define BURST 8
#define LAT_WARM 1000
#define LAT_TIMEOUT_S 5

struct host {
	int id;
	int ntb;
	struct rte_marlin_hrdma_channel *ch[MAX_HOSTS]; /* by peer index */
	struct rte_marlin_hrdma_qp *qp[MAX_HOSTS];
	int peer_of[MAX_HOSTS];                        /* peer index -> host id */
};

static struct host hosts[MAX_LOCAL];
static int nb_local, nb_hosts, first_host;
static uint64_t poll_ms = 10;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		(uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Poll every channel once; returns how many are UP. */
static int
poll_all(void)
{
	int h, p, up = 0;

	for (h = 0; h < nb_local; h++)
		for (p = 0; p < nb_hosts - 1; p++)
			up += rte_marlin_hrdma_channel_poll(hosts[h].ch[p]) ==
				RTE_MARLIN_HRDMA_STATE_UP;
	return up;
}

static int
open_hosts(const char *fabric, const char *dir, uint64_t mw_size,
		const struct rte_marlin_hrdma_conf *conf)
{
	char name[32], args[512];
	int h, p;

	for (h = 0; h < nb_local; h++) {
		struct host *ho = &hosts[h];

		ho->id = first_host + h;
		snprintf(name, sizeof(name), "ntb_shm%d", h);
		snprintf(args, sizeof(args),
			 "fabric=%s,host=%d,hosts=%d,mw_count=1,mw_size=%" PRIu64 ",dir=%s",
			 fabric, ho->id, nb_hosts, mw_size, dir);
		if (rte_vdev_init(name, args) != 0) {
			printf("ERR host %d: vdev %s,%s refused (see log)\n",
			       ho->id, name, args);
			return -1;
		}
		ho->ntb = rte_marlin_ntb_get_by_name(name);
		if (ho->ntb < 0) {
			printf("ERR host %d: no device %s\n", ho->id, name);
			return -1;
		}
		rte_marlin_ntb_link_enable(ho->ntb, RTE_MARLIN_NTB_SPEED_AUTO,
					   RTE_MARLIN_NTB_WIDTH_AUTO);
		for (p = 0; p < nb_hosts - 1; p++) {
			ho->ch[p] = rte_marlin_hrdma_channel_create(ho->ntb, p, conf);
			if (ho->ch[p] == NULL) {
				printf("ERR host %d peer %d: channel: %s\n", ho->id,
				       p, rte_strerror(rte_errno));
				return -1;
			}
			ho->qp[p] = rte_marlin_hrdma_qp_get(ho->ch[p], 0);
			ho->peer_of[p] = rte_marlin_ntb_peer_port_number(ho->ntb, p);
		}
	}
	return 0;
}

static void
close_hosts(void)
{
	char name[32];
	int h, p;

	for (h = 0; h < nb_local; h++) {
		for (p = 0; p < nb_hosts - 1; p++)
			rte_marlin_hrdma_channel_destroy(hosts[h].ch[p]);
		snprintf(name, sizeof(name), "ntb_shm%d", h);
		if (hosts[h].ntb >= 0)
			rte_vdev_uninit(name);
	}
}

/* Peer index of host @id on @ho, or -1. */
static int
pidx_of(const struct host *ho, int id)
{
	int p;

	for (p = 0; p < nb_hosts - 1; p++)
		if (ho->peer_of[p] == id)
			return p;
	return -1;
}

/* Receive everything waiting on one queue pair; returns the count. */
static uint64_t
drain(struct rte_marlin_hrdma_qp *qp)
{
	struct rte_marlin_hrdma_cqe cqe[32];
	uint64_t got = 0;
	int n;

	while ((n = rte_marlin_hrdma_recv(qp, cqe, RTE_DIM(cqe))) > 0) {
		rte_marlin_hrdma_recv_release(qp, (uint16_t)n);
		got += (uint64_t)n;
	}
	return got;
}

static int
send_burst(struct rte_marlin_hrdma_qp *qp, const uint64_t *payload)
{
	struct rte_marlin_hrdma_op ops[BURST];
	int i;

	for (i = 0; i < BURST; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].opcode = RTE_MARLIN_HRDMA_OP_SEND;
		ops[i].len = sizeof(*payload);
		ops[i].local = (void *)(uintptr_t)payload;
	}
	i = rte_marlin_hrdma_post(qp, ops, BURST);
	return i > 0 ? i : 0;
}

/* All-to-all (rx < 0) or incast to host @rx for @ms milliseconds. */
static void
rate(int rx, uint64_t ms)
{
	static const uint64_t payload = 0x5ca1ab1e;
	uint64_t t_end, next_poll, c0 = cpu_ns(), txs = 0, rxs = 0, t;
	int h, p;

	t = now_ns();
	t_end = t + ms * 1000000u;
	next_poll = t + poll_ms * 1000000u;
	while ((t = now_ns()) < t_end) {
		for (h = 0; h < nb_local; h++) {
			struct host *ho = &hosts[h];

			for (p = 0; p < nb_hosts - 1; p++) {
				if (rx < 0 || ho->peer_of[p] == rx)
					txs += (uint64_t)send_burst(ho->qp[p], &payload);
				if (rx < 0 || ho->id == rx)
					rxs += drain(ho->qp[p]);
			}
		}
		if (t >= next_poll) {
			poll_all();
			next_poll = t + poll_ms * 1000000u;
		}
	}
	/* what is still in flight towards us */
	for (h = 0; h < nb_local; h++)
		for (p = 0; p < nb_hosts - 1; p++)
			rxs += drain(hosts[h].qp[p]);
	printf("RATE rx=%" PRIu64 " tx=%" PRIu64 " ms=%" PRIu64 " cpu_ns=%" PRIu64 "\n",
	       rxs, txs, ms, cpu_ns() - c0);
}

/* Take what peers sent after a phase ended here (they ran longer). */
static void
drain_all(void)
{
	uint64_t got = 0;
	int h, p;

	for (h = 0; h < nb_local; h++)
		for (p = 0; p < nb_hosts - 1; p++)
			got += drain(hosts[h].qp[p]);
	printf("DRAINED n=%" PRIu64 "\n", got);
}

static void
idle(uint64_t ms, uint64_t every_ms)
{
	uint64_t c0 = cpu_ns(), t_end = now_ns() + ms * 1000000u;

	while (now_ns() < t_end) {
		poll_all();
		sleep_ms(every_ms);
	}
	printf("IDLE ms=%" PRIu64 " cpu_ns=%" PRIu64 "\n", ms, cpu_ns() - c0);
}

/* Wait for one message on @qp; -1 after LAT_TIMEOUT_S. */
static int
wait_one(struct rte_marlin_hrdma_qp *qp, uint64_t deadline)
{
	struct rte_marlin_hrdma_cqe cqe;
	int n;

	for (;;) {
		n = rte_marlin_hrdma_recv(qp, &cqe, 1);
		if (n == 1) {
			rte_marlin_hrdma_recv_release(qp, 1);
			return 0;
		}
		if (n < 0)
			return n;
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
	}
}

/* Ping-pong between our first host and host @peer_id. */
static void
lat(int ping, int peer_id, uint32_t iters, int notify)
{
	struct host *ho = &hosts[0];
	int p = pidx_of(ho, peer_id);
	struct rte_marlin_hrdma_qp *qp;
	struct rte_marlin_hrdma_op op;
	struct rte_marlin_hrdma_cqe cqe[16];
	uint64_t *rtt, hz = rte_get_timer_hz(), payload = 42, deadline, t0;
	uint32_t i, total = iters + LAT_WARM;
	const char *what = "";
	int rc = 0;

	if (p < 0 || iters == 0) {
		printf("ERR lat: host %d is not a peer of host %d, or no iterations\n",
		       peer_id, ho->id);
		return;
	}
	qp = ho->qp[p];
	rtt = calloc(iters, sizeof(*rtt));
	if (rtt == NULL) {
		printf("ERR lat: out of memory\n");
		return;
	}
	memset(&op, 0, sizeof(op));
	op.opcode = notify ? RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY :
		RTE_MARLIN_HRDMA_OP_SEND;
	op.len = sizeof(payload);
	op.local = &payload;
	for (i = 0; i < total; i++) {
		/* every 64th signalled, so completions never pile up */
		op.flags = (i & 63) == 63 ? RTE_MARLIN_HRDMA_F_SIGNALED : 0;
		deadline = rte_get_timer_cycles() + hz * LAT_TIMEOUT_S;
		t0 = rte_rdtsc_precise();
		what = "waiting for the peer's message";
		if (!ping && (rc = wait_one(qp, deadline)) != 0)
			break;
		what = "posting";
		while ((rc = rte_marlin_hrdma_post(qp, &op, 1)) != 1)
			if (rc != -ENOSPC || rte_get_timer_cycles() > deadline)
				goto out;
		rc = 0;
		what = "waiting for the peer's answer";
		if (ping && (rc = wait_one(qp, deadline)) != 0)
			break;
		if (ping && i >= LAT_WARM)
			rtt[i - LAT_WARM] = rte_rdtsc_precise() - t0;
		rte_marlin_hrdma_poll_cq(qp, cqe, RTE_DIM(cqe));
	}
out:
	if (i < total) {
		struct rte_marlin_hrdma_info info;
		struct rte_marlin_hrdma_qp_stats st;

		rte_marlin_hrdma_channel_poll(ho->ch[p]);
		rte_marlin_hrdma_channel_info(ho->ch[p], &info);
		rte_marlin_hrdma_qp_stats_get(qp, &st);
		printf("ERR lat: stopped after %u of %u round trips %s: %s (channel state %d, ups %" PRIu64 ", epochs %x/%x, sent %" PRIu64 ", received %" PRIu64 ", malformed %" PRIu64 ", last error: %s)\n",
		       i, total, what, rte_strerror(-rc), info.state,
		       info.link_ups, info.local_epoch, info.peer_epoch,
		       st.posted, st.rx_msgs, st.malformed,
		       info.error != NULL ? info.error : "none");
	} else if (!ping) {
		printf("LAT n=%u pong\n", iters);
	} else {
		double ns = 1e9 / (double)rte_get_tsc_hz() / 2; /* one-way */

		rte_marlin_stats_sort_u64(rtt, iters);
		printf("LAT n=%u p50_ns=%.1f p10_ns=%.1f p90_ns=%.1f\n", iters,
		       rte_marlin_stats_median_u64(rtt, iters) * ns,
		       rte_marlin_stats_percentile_u64(rtt, iters, 1000) * ns,
		       rte_marlin_stats_percentile_u64(rtt, iters,
				RTE_MARLIN_STATS_P90) * ns);
	}
	free(rtt);
}

static void
usage(const char *prg)
{
	printf("usage: %s EAL... -- --fabric NAME --dir DIR --hosts N --first H --count C\n"
	       "       [--mw-size BYTES] [--depth D] [--msg-size S] [--t0 NS] [--poll-ms MS]\n"
	       "Runs hosts H..H+C-1 (C <= %d) of an N-host ntb_shm rack in this process;\n"
	       "commands on stdin: idle MS | a2a MS | incast RX MS |\n"
	       "  lat ping|pong PEER ITERS send|notify | quit\n"
	       "(see scripts/bench/scale/scale.py)\n", prg, MAX_LOCAL);
}

static int
commands(void)
{
	char line[128], a[16], b[16];
	unsigned long long x, y;
	int z;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		z = sscanf(line, "idle %llu %llu", &x, &y);
		if (z >= 1)
			idle(x, z == 2 && y != 0 ? y : poll_ms);
		else if (sscanf(line, "a2a %llu", &x) == 1)
			rate(-1, x);
		else if (sscanf(line, "incast %d %llu", &z, &x) == 2)
			rate(z, x);
		else if (sscanf(line, "lat %15s %d %llu %15s", a, &z, &y, b) == 4)
			lat(strcmp(a, "ping") == 0, z, (uint32_t)y,
			    strcmp(b, "notify") == 0);
		else if (strncmp(line, "drain", 5) == 0)
			drain_all();
		else if (strncmp(line, "quit", 4) == 0)
			break;
		else
			printf("ERR unknown command: %s", line);
		fflush(stdout);
	}
	printf("BYE\n");
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fabric", 1, NULL, 'f' }, { "dir", 1, NULL, 'd' },
		{ "hosts", 1, NULL, 'n' }, { "first", 1, NULL, 'F' },
		{ "count", 1, NULL, 'c' }, { "mw-size", 1, NULL, 'm' },
		{ "depth", 1, NULL, 'D' }, { "msg-size", 1, NULL, 'M' },
		{ "t0", 1, NULL, 't' }, { "poll-ms", 1, NULL, 'p' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct rte_marlin_hrdma_conf conf;
	const char *fabric = NULL, *dir = "/dev/shm";
	uint64_t mw_size = 4u << 20, t0 = 0, t_up, deadline;
	int rc, opt, want, up = 0;

	if (argc == 4 && strcmp(argv[1], "--window-size") == 0) {
		/* window bytes per peer for depth argv[2], msg_size argv[3] */
		memset(&conf, 0, sizeof(conf));
		conf.depth = (uint16_t)atoi(argv[2]);
		conf.msg_size = (uint32_t)atoi(argv[3]);
		printf("WINDOW bytes=%zd\n",
		       rte_marlin_hrdma_window_size(&conf, 0));
		return 0;
	}
	t0 = now_ns();
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		printf("ERR EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	memset(&conf, 0, sizeof(conf));
	conf.dma_dev_id = -1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'f': fabric = optarg; break;
		case 'd': dir = optarg; break;
		case 'n': nb_hosts = atoi(optarg); break;
		case 'F': first_host = atoi(optarg); break;
		case 'c': nb_local = atoi(optarg); break;
		case 'm': mw_size = strtoull(optarg, NULL, 0); break;
		case 'D': conf.depth = (uint16_t)atoi(optarg); break;
		case 'M': conf.msg_size = (uint32_t)atoi(optarg); break;
		case 't': t0 = strtoull(optarg, NULL, 0); break;
		case 'p': poll_ms = strtoull(optarg, NULL, 0); break;
		default:
			usage(argv[0]);
			rte_eal_cleanup();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (fabric == NULL || nb_hosts < 2 || nb_hosts > MAX_HOSTS ||
			nb_local < 1 || nb_local > MAX_LOCAL || first_host < 0 ||
			first_host + nb_local > nb_hosts || poll_ms == 0) {
		usage(argv[0]);
		printf("ERR bad arguments: need --fabric, 2 <= --hosts <= %d, 1 <= --count <= %d, --first + --count <= --hosts, --poll-ms > 0\n",
		       MAX_HOSTS, MAX_LOCAL);
		rte_eal_cleanup();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = open_hosts(fabric, dir, mw_size, &conf);
	want = nb_local * (nb_hosts - 1);
	deadline = now_ns() + 60ull * 1000000000u;
	while (rc == 0 && (up = poll_all()) < want) {
		if (now_ns() > deadline) {
			printf("ERR only %d of %d channels UP after 60 s\n", up, want);
			rc = -1;
			break;
		}
		sleep_ms(1);
	}
	if (rc == 0) {
		t_up = now_ns() - t0;
		printf("UP ns=%" PRIu64 " channels=%d\n", t_up, want);
		rc = commands();
	}
	close_hosts();
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
