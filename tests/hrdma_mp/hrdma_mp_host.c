/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * One host of the HRDMA multi-process tests (driven by hrdma_mp_test.py).
 *
 *   hrdma_mp_host EAL... -- --role tx|rx [--engine cpu|dmadev] [--stats-ms N] [--ranges]
 *
 * Both roles open an HRDMA channel to the other host of a two-host ntb_shm
 * fabric and poll it every millisecond. The sender streams SENDs (a sequence
 * number and a checksummed payload) and 8 KiB WRITE_NOTIFYs, every one
 * signalled, so each operation it posts must come back as a completion; the
 * receiver checks every message. Lines on stdout, one per event:
 *
 *   STATE UP|DOWN|NEGOTIATING|ERROR epoch=E peer=P
 *   DRAINED posted=N completed=N enolink=N     (tx, after a link loss)
 *   HANG outstanding=N                          (tx: completions missing)
 *   STATS role=.. msgs=N bad=N ...              (every N ms, 500 by default,
 *                                                and at exit)
 *
 * --ranges (ntb_shm mw_ranges=1): the channel exposes only its rings, so
 * the host exposes its region too, and the sender posts WRITE_NOTIFYs only
 * once the peer's region is mapped here.
 *
 * "quit" on stdin ends the process cleanly (exit 0 unless a check failed);
 * "reset" zeroes the bad/errors counters (after a test corrupted the rings
 * on purpose) and answers "RESET".
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "rte_marlin_ntb.h"
#include "rte_pmd_dma_dmadev.h"
#include "test_host.h"

#define MSG_LEN 1000
#define NOTIFY_LEN 8192
#define BURST 16

struct msg {
	uint64_t seq;
	uint32_t sum;
	uint8_t body[MSG_LEN - 12];
};

static int quit;

static uint32_t
checksum(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

static void
fill_msg(struct msg *m, uint64_t seq)
{
	size_t i;

	m->seq = seq;
	for (i = 0; i < sizeof(m->body); i++)
		m->body[i] = (uint8_t)(seq * 7 + i);
	m->sum = checksum(m->body, sizeof(m->body));
}

static int reset_asked;

/* A command from the harness: "quit" or "reset" (other lines ignored). */
static int
handle_cmd(int argc, char **argv, void *arg)
{
	(void)argc; (void)arg;
	if (strcmp(argv[0], "quit") == 0)
		return 1;
	if (strcmp(argv[0], "reset") == 0)
		reset_asked = 1;
	return 0;
}

/* Count the completions @qp has now into @completed, @enolink, @other_err. */
static void
reap(struct rte_marlin_hrdma_qp *qp, uint64_t *completed, uint64_t *enolink,
		uint64_t *other_err)
{
	struct rte_marlin_hrdma_cqe cqe[64];
	int n = rte_marlin_hrdma_poll_cq(qp, cqe, RTE_DIM(cqe)), i;

	for (i = 0; i < n; i++) {
		(*completed)++;
		if (cqe[i].status == -ENOLINK)
			(*enolink)++;
		else if (cqe[i].status != 0)
			(*other_err)++;
	}
}

static const char *
state_name(int st)
{
	switch (st) {
	case RTE_MARLIN_HRDMA_STATE_UP: return "UP";
	case RTE_MARLIN_HRDMA_STATE_DOWN: return "DOWN";
	case RTE_MARLIN_HRDMA_STATE_NEGOTIATING: return "NEGOTIATING";
	default: return "ERROR";
	}
}

int
main(int argc, char **argv)
{
	static uint8_t big[NOTIFY_LEN];
	struct rte_marlin_hrdma_conf conf;
	struct rte_marlin_hrdma_channel *ch;
	struct rte_marlin_hrdma_qp *qp;
	struct rte_marlin_hrdma_info info;
	struct rte_marlin_hrdma_cqe cqe[64];
	struct msg msgs[BURST];
	const char *role = "tx", *engine = "cpu";
	uint64_t hz, next_poll = 0, next_stats = 0, down_since = 0, stats_ms = 500;
	uint64_t posted = 0, completed = 0, enolink = 0, other_err = 0;
	uint64_t next_seq = 1, rx_msgs = 0, rx_notify = 0, bad = 0, last_seq = 0;
	int eng = -1, ntb, st, last_st = -1, rc, opt, i, tx, drained = 1;
	int ranges = 0, region_ok = 0;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	static const struct option lopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "engine", required_argument, NULL, 'e' },
		{ "stats-ms", required_argument, NULL, 's' },
		{ "ranges", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (opt == 'r')
			role = optarg;
		else if (opt == 'e')
			engine = optarg;
		else if (opt == 's')
			stats_ms = strtoull(optarg, NULL, 10);
		else if (opt == 'g')
			ranges = 1;
		else
			return 2;
	}
	tx = strcmp(role, "tx") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);

	ntb = rte_marlin_ntb_get_by_name("ntb_shm0");
	if (ntb < 0) {
		printf("FATAL no ntb_shm0\n");
		return 1;
	}
	if (strcmp(engine, "dmadev") == 0) {
		struct rte_marlin_dma_conf dc = { .nb_queues = 1, .nb_desc = 256 };

		eng = rte_marlin_dma_dmadev_create("mp_eng", "dma_skeleton0", NULL);
		if (eng < 0 || rte_marlin_dma_configure(eng, &dc) != 0 ||
				rte_marlin_dma_start(eng) != 0) {
			printf("FATAL no dmadev engine (%d)\n", eng);
			return 1;
		}
	}
	rte_marlin_ntb_link_enable(ntb, RTE_MARLIN_NTB_SPEED_AUTO,
				   RTE_MARLIN_NTB_WIDTH_AUTO);
	memset(&conf, 0, sizeof(conf));
	conf.nb_qp = 1;
	conf.depth = 64;
	conf.msg_size = 1024;
	conf.dma_dev_id = eng;
	conf.cpu_threshold = 4096;
	ch = rte_marlin_hrdma_channel_create(ntb, 0, &conf);
	if (ch == NULL) {
		printf("FATAL channel: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (ranges) {
		/* ranges mode: the channel exposes only its rings; the
		 * sender's WRITE_NOTIFYs land in our region */
		size_t rlen;

		rte_marlin_hrdma_local_region(ch, &rlen);
		rc = rte_marlin_hrdma_region_expose(ch, 0, rlen,
			RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE);
		if (rc != 0) {
			printf("FATAL region expose: %s\n", strerror(-rc));
			return 1;
		}
	}
	qp = rte_marlin_hrdma_qp_get(ch, 0);
	memset(big, 0x5c, sizeof(big));
	hz = rte_get_timer_hz();
	printf("READY role=%s engine=%s\n", role, engine);

	while (!quit) {
		uint64_t now = rte_get_timer_cycles();

		if (now >= next_poll) {
			next_poll = now + hz / 1000;
			st = rte_marlin_hrdma_channel_poll(ch);
			if (st != last_st) {
				rte_marlin_hrdma_channel_info(ch, &info);
				printf("STATE %s epoch=%08x peer=%08x\n",
				       state_name(st), info.local_epoch,
				       info.peer_epoch);
				region_ok = 0;
				if (last_st == RTE_MARLIN_HRDMA_STATE_UP) {
					down_since = now;
					drained = 0;
				}
				last_st = st;
			}
			/* one-sided ops only once the peer's region is
			 * mapped here (ranges mode: after its expose) */
			if (!region_ok && st == RTE_MARLIN_HRDMA_STATE_UP)
				region_ok = rte_marlin_hrdma_remote_region_ready(
					ch, 0, info.remote_region_len,
					RTE_MARLIN_NTB_MW_READ |
					RTE_MARLIN_NTB_MW_WRITE) == 1;
			if (th_command_poll(handle_cmd, NULL) != 0)
				quit = 1;
			if (reset_asked) {
				bad = other_err = 0;
				last_seq = 0;
				reset_asked = 0;
				printf("RESET\n");
			}
		}
		if (tx) {
			int n;

			/* every op is signalled: each must come back */
			reap(qp, &completed, &enolink, &other_err);
			if (!drained && posted == completed) {
				printf("DRAINED posted=%" PRIu64 " completed=%" PRIu64
				       " enolink=%" PRIu64 "\n", posted, completed,
				       enolink);
				drained = 1;
			} else if (!drained && now - down_since > 2 * hz) {
				printf("HANG outstanding=%" PRIu64 "\n",
				       posted - completed);
				drained = 1;
			}
			if (last_st == RTE_MARLIN_HRDMA_STATE_UP && region_ok &&
					posted - completed < 48) {
				struct rte_marlin_hrdma_op ops[BURST];
				int k;

				for (k = 0; k < BURST; k++) {
					if (k % 4 == 3) {
						ops[k] = (struct rte_marlin_hrdma_op){
							.opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY,
							.flags = RTE_MARLIN_HRDMA_F_SIGNALED,
							.local = big, .len = NOTIFY_LEN,
							.remote_off = (next_seq % 8) * NOTIFY_LEN,
							.imm = next_seq, .cookie = next_seq };
					} else {
						fill_msg(&msgs[k], next_seq);
						ops[k] = (struct rte_marlin_hrdma_op){
							.opcode = RTE_MARLIN_HRDMA_OP_SEND,
							.flags = RTE_MARLIN_HRDMA_F_SIGNALED,
							.local = &msgs[k], .len = MSG_LEN,
							.imm = next_seq, .cookie = next_seq };
					}
					next_seq++;
				}
				/* SEND payloads are copied at post time (below
				 * cpu_threshold); only the 8 KiB notifications
				 * may go by the engine, from a constant buffer */
				n = rte_marlin_hrdma_post(qp, ops, BURST);
				if (n > 0) {
					posted += n;
					next_seq -= BURST - n;
				} else {
					next_seq -= BURST;
				}
			}
		} else if (last_st == RTE_MARLIN_HRDMA_STATE_UP) {
			int n = rte_marlin_hrdma_recv(qp, cqe, RTE_DIM(cqe));

			for (i = 0; i < n; i++) {
				if (cqe[i].imm <= last_seq)
					bad++;          /* duplicate or reordered */
				last_seq = cqe[i].imm;
				if (cqe[i].opcode == RTE_MARLIN_HRDMA_OP_RECV) {
					const struct msg *m = cqe[i].data;

					if (cqe[i].len != MSG_LEN || m->seq != cqe[i].imm ||
					    m->sum != checksum(m->body, sizeof(m->body)))
						bad++;
					rx_msgs++;
				} else {
					const uint8_t *d = cqe[i].data;

					if (cqe[i].len != NOTIFY_LEN || d[0] != 0x5c ||
					    d[NOTIFY_LEN - 1] != 0x5c)
						bad++;
					rx_notify++;
				}
			}
			if (n > 0)
				rte_marlin_hrdma_recv_release(qp, (uint16_t)n);
		}
		if (now >= next_stats) {
			next_stats = now + hz * stats_ms / 1000;
			rte_marlin_hrdma_channel_info(ch, &info);
			printf("STATS role=%s posted=%" PRIu64 " completed=%" PRIu64
			       " enolink=%" PRIu64 " errors=%" PRIu64 " msgs=%" PRIu64
			       " notifies=%" PRIu64 " bad=%" PRIu64 " link_ups=%" PRIu64
			       " peer_errors=%" PRIu64 "\n", role,
			       posted, completed, enolink, other_err, rx_msgs,
			       rx_notify, bad, info.link_ups, info.peer_errors);
		}
		if (last_st != RTE_MARLIN_HRDMA_STATE_UP)
			th_sleep_us(200);
	}
	/* stop posting; what is in flight must still complete (bounded) */
	if (tx) {
		uint64_t until = rte_get_timer_cycles() + 2 * hz;

		while (posted != completed && rte_get_timer_cycles() < until)
			reap(qp, &completed, &enolink, &other_err);
	}
	printf("STATS role=%s posted=%" PRIu64 " completed=%" PRIu64
	       " enolink=%" PRIu64 " errors=%" PRIu64 " msgs=%" PRIu64
	       " notifies=%" PRIu64 " bad=%" PRIu64 "\n", role, posted,
	       completed, enolink, other_err, rx_msgs, rx_notify, bad);
	rte_marlin_hrdma_channel_destroy(ch);
	if (eng >= 0)
		rte_marlin_dma_close(eng);
	rte_eal_cleanup();
	printf("BYE\n");
	return bad || other_err ? 1 : 0;
}
