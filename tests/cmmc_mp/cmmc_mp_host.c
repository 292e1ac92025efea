/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * One host of a multi-process CMMC test, driven line by line by
 * cmmc_mp_test.py. Public headers only.
 *
 *   cmmc_mp_host [EAL options] -- [--engine none|cpu|skeleton]
 *   cmmc_mp_host --pmd-path          print DPDK's driver directory
 *
 * The host opens CMMC on ntb_shm0, prints "READY port=P pid=N", then
 * answers each command with one line "OK ..." or "ERR ...". Between
 * commands the context is polled every millisecond. Objects are numbered:
 * mem=I (allocated or registered memory), rk=I (imported keys); endpoints
 * are named by the peer's port (index 0 to that peer). Errors carry the
 * errno name (err=EKEYREVOKED). Times are CLOCK_MONOTONIC nanoseconds,
 * comparable between processes.
 *
 * Commands:
 *   wait PORT MS                       peer READY
 *   state PORT
 *   alloc PORT LEN                     memory PORT can reach
 *   reg LEN                            rte_malloc + register
 *   free MEM
 *   export MEM OFF LEN r|w|rw          -> key=HEX
 *   import HEX                         -> rk=I
 *   release RK
 *   revoke HEX                         -> t_ns= when it returned
 *   fill MEM OFF LEN SEED              pattern at positions OFF..
 *   check MEM OFF LEN SEED BASE        MEM[OFF+i] == pattern(BASE+i)
 *   write PORT RK ROFF MEM MOFF LEN [IMM]   signalled, waits completion
 *   read PORT RK ROFF MEM MOFF LEN
 *   writev PORT RK ROFF MEM MOFF LEN PIECES  gather from PIECES places
 *   recv PORT N MS                     -> n= ev=imm:mem:off:len,...
 *   serve PORT MS                      drain notifications for MS
 *   stream PORT RK ROFF MEM LEN MS notify|plain
 *                                      post until an error or MS passed
 *   soak PORT RK ROFF MEM LEN MS       post signalled notified writes for MS
 *                                      across link losses; -> downs= (peer
 *                                      left READY) t_down_ns= t_up_ns= (last
 *                                      times it left / came back) t_flow_ns=
 *                                      (first post taken after that)
 *                                      gaps=START-END,... (none taken for
 *                                      more than 50 ms)
 *   serve PORT MS                      (also -> the same, for notifications)
 *   woff MEM PORT                      -> woff= offset of MEM in window 0
 *                                      as PORT reaches it
 *   rpoke PORT WOFF                    raw store by a forked child at WOFF
 *                                      of PORT's window 0 -> exit=|signal=
 *   msg PORT TEXT / stats PORT / quit
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "test_host.h"
#include "cmmc_mp_host.h"
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include <rte_marlin_ntb.h>
#include <rte_marlin_dma.h>
#include <rte_cmmc.h>
#ifdef CMMC_MP_DMA_CPU
#include <rte_pmd_dma_cpu.h>
#endif
#ifdef CMMC_MP_DMADEV
#include <rte_pmd_dma_dmadev.h>
#endif

#define MAX_PORTS 64

struct rte_cmmc *ctx;
static uint16_t ntb_id;
struct rte_cmmc_mem *mems[MAX_OBJ];
static struct rte_cmmc_rkey *rkeys[MAX_OBJ];
static struct rte_cmmc_ep *eps[MAX_PORTS];
static int engine_id = -1;

/* Byte @pos of the pattern of @seed. */
static inline uint8_t
pattern(uint64_t seed, uint64_t pos)
{
	uint64_t z = th_mix64(seed * 0x9e3779b97f4a7c15ull + (pos >> 3));

	return (uint8_t)(z >> ((pos & 7) * 8));
}

static int
hex_to_key(const char *hex, struct rte_cmmc_key *k)
{
	size_t i;

	if (strlen(hex) != 2 * RTE_CMMC_KEY_SIZE)
		return -EINVAL;
	for (i = 0; i < RTE_CMMC_KEY_SIZE; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		k->bytes[i] = (uint8_t)b;
	}
	return 0;
}

static struct rte_cmmc_ep *
ep_of(uint64_t port)
{
	if (port >= MAX_PORTS)
		return NULL;
	if (eps[port] == NULL)
		eps[port] = rte_cmmc_ep_create(ctx, (int)port, 0);
	return eps[port];
}

static int
slot_put(void **tab, void *obj)
{
	int i;

	for (i = 0; i < MAX_OBJ; i++) {
		if (tab[i] == NULL) {
			tab[i] = obj;
			return i;
		}
	}
	return -1;
}

/* Wait for one completion, polling; bounded. */
static int
wait_cpl(struct rte_cmmc_ep *ep, uint64_t cookie)
{
	uint64_t deadline = th_now_ns() + 5000000000ull;
	struct rte_cmmc_cpl c;

	while (th_now_ns() < deadline) {
		if (rte_cmmc_poll_cq(ep, &c, 1) == 1) {
			if (c.cookie != cookie)
				continue;
			return c.status;
		}
		rte_cmmc_poll(ctx);
	}
	return -ETIMEDOUT;
}

/* Between commands the harness waits: keep the device polled. */
static void
poll_device(void *arg)
{
	RTE_SET_USED(arg);
	rte_cmmc_poll(ctx);
}

/* Returns 1 on quit. */
static int
handle(int argc, char **argv, void *arg)
{
	uint64_t v[TH_ARGS_MAX] = { 0 };
	int rc, i;

	RTE_SET_USED(arg);
	for (i = 1; i < argc; i++)
		th_parse_u64(argv[i], &v[i]);

#define NEED(n) do { if (argc < (n) + 1) { \
		th_reply("ERR %s takes %d argument(s)", argv[0], (n)); return 0; } \
	} while (0)
#define MEM(i) ({ struct rte_cmmc_mem *m_ = v[i] < MAX_OBJ ? mems[v[i]] : NULL; \
		if (m_ == NULL) { th_reply("ERR no mem %s", argv[i]); return 0; } m_; })
#define RK(i) ({ struct rte_cmmc_rkey *r_ = v[i] < MAX_OBJ ? rkeys[v[i]] : NULL; \
		if (r_ == NULL) { th_reply("ERR no rk %s", argv[i]); return 0; } r_; })
#define EP(i) ({ struct rte_cmmc_ep *e_ = ep_of(v[i]); \
		if (e_ == NULL) { th_reply("ERR no endpoint to %s: %s", argv[i], \
			rte_strerror(rte_errno)); return 0; } e_; })

	if (strcmp(argv[0], "quit") == 0)
		return 1;
	if (strcmp(argv[0], "wait") == 0) {
		NEED(2);
		rc = rte_cmmc_peer_wait(ctx, (int)v[1], (unsigned int)v[2]);
		if (rc != 0)
			th_reply("ERR err=%s", th_errname(rc));
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "state") == 0) {
		NEED(1);
		rte_cmmc_poll(ctx);
		th_reply("OK state=%d", rte_cmmc_peer_state(ctx, (int)v[1]));
	} else if (strcmp(argv[0], "alloc") == 0 || strcmp(argv[0], "reg") == 0) {
		struct rte_cmmc_mem *m;
		int id;

		if (argv[0][0] == 'a') {
			NEED(2);
			m = rte_cmmc_alloc(ctx, (int)v[1], v[2], 4096);
		} else {
			void *p;

			NEED(1);
			p = rte_zmalloc("mp_reg", v[1], 4096);
			m = p == NULL ? NULL : rte_cmmc_mem_register(ctx, p, v[1]);
			if (m == NULL)
				rte_free(p);
		}
		if (m == NULL) {
			th_reply("ERR err=%s", th_errname(-rte_errno));
			return 0;
		}
		id = slot_put((void **)mems, m);
		th_reply("OK mem=%d", id);
	} else if (strcmp(argv[0], "free") == 0) {
		struct rte_cmmc_mem *m;

		NEED(1);
		m = MEM(1);
		rc = rte_cmmc_mem_free(m);
		if (rc == 0)
			mems[v[1]] = NULL;
		th_reply(rc == 0 ? "OK" : "ERR err=%s", th_errname(rc));
	} else if (strcmp(argv[0], "export") == 0) {
		struct rte_cmmc_key k;
		char hex[2 * RTE_CMMC_KEY_SIZE + 1];
		unsigned int acc = 0;

		NEED(4);
		if (strchr(argv[4], 'r'))
			acc |= RTE_CMMC_ACCESS_READ;
		if (strchr(argv[4], 'w'))
			acc |= RTE_CMMC_ACCESS_WRITE;
		rc = rte_cmmc_key_export(MEM(1), v[2], v[3], acc, &k);
		if (rc != 0) {
			th_reply("ERR err=%s", th_errname(rc));
			return 0;
		}
		for (i = 0; i < RTE_CMMC_KEY_SIZE; i++)
			snprintf(hex + 2 * i, 3, "%02x", k.bytes[i]);
		th_reply("OK key=%s", hex);
	} else if (strcmp(argv[0], "import") == 0 || strcmp(argv[0], "revoke") == 0) {
		struct rte_cmmc_key k;

		NEED(1);
		if (hex_to_key(argv[1], &k) != 0) {
			th_reply("ERR bad key text");
			return 0;
		}
		if (argv[0][0] == 'i') {
			struct rte_cmmc_rkey *rk = rte_cmmc_key_import(ctx, &k);

			if (rk == NULL)
				th_reply("ERR err=%s", th_errname(-rte_errno));
			else
				th_reply("OK rk=%d", slot_put((void **)rkeys, rk));
		} else {
			rc = rte_cmmc_key_revoke(ctx, &k);
			if (rc != 0)
				th_reply("ERR err=%s", th_errname(rc));
			else
				th_reply("OK t_ns=%" PRIu64, th_now_ns());
		}
	} else if (strcmp(argv[0], "woff") == 0) {
		/* woff MEM PORT: offset of MEM in window 0 of this host as peer
		 * PORT (the one MEM was allocated for) reaches it (where its raw
		 * stores would land: rpoke) */
		uint8_t *base = NULL, *a;
		size_t len = 0;
		void *w;

		NEED(2);
		a = rte_cmmc_mem_addr(MEM(1), NULL);
		rc = rte_marlin_ntb_peer_port_idx(ntb_id, (int)v[2]);
		if (rc >= 0)
			rc = rte_marlin_ntb_mw_alloc(ntb_id, rc, 0, 0, &w, &len);
		base = rc == 0 ? w : NULL;
		if (base == NULL || a < base || a >= base + len)
			th_reply("ERR woff: not in window 0 (%s)", th_errname(rc));
		else
			th_reply("OK woff=%zu", (size_t)(a - base));
	} else if (strcmp(argv[0], "rpoke") == 0) {
		/* rpoke PORT WOFF: a hostile raw store, by a forked child, at
		 * WOFF of PORT's window 0 as this host maps it */
		void *base;
		size_t size;

		NEED(2);
		rc = rte_marlin_ntb_peer_port_idx(ntb_id, (int)v[1]);
		if (rc >= 0)
			rc = rte_marlin_ntb_peer_mw_get_addr(ntb_id, rc, 0, &base,
				&size);
		if (rc != 0 || v[2] > size - 8 || v[2] % 8 != 0) {
			th_reply("ERR rpoke: no window, or offset outside it");
			return 0;
		}
		th_store_probe((volatile uint64_t *)((char *)base + v[2]),
			0x726f6b65706f6b65ull);
	} else if (strcmp(argv[0], "release") == 0) {
		NEED(1);
		rte_cmmc_rkey_release(RK(1));
		rkeys[v[1]] = NULL;
		th_reply("OK");
	} else if (strcmp(argv[0], "fill") == 0 || strcmp(argv[0], "check") == 0) {
		struct rte_cmmc_mem *m;
		uint8_t *p;
		size_t len;
		uint64_t k;

		NEED(argv[0][0] == 'f' ? 4 : 5);
		m = MEM(1);
		p = rte_cmmc_mem_addr(m, &len);
		if (v[2] > len || v[3] > len - v[2]) {
			th_reply("ERR outside mem (%zu bytes)", len);
			return 0;
		}
		if (argv[0][0] == 'f') {
			for (k = 0; k < v[3]; k++)
				p[v[2] + k] = pattern(v[4], v[2] + k);
			th_reply("OK");
			return 0;
		}
		for (k = 0; k < v[3]; k++) {
			uint8_t want = pattern(v[4], v[5] + k);

			if (p[v[2] + k] != want) {
				th_reply("ERR mismatch at %" PRIu64 ": got 0x%02x want 0x%02x",
					v[2] + k, p[v[2] + k], want);
				return 0;
			}
		}
		th_reply("OK bytes=%" PRIu64, v[3]);
	} else if (strcmp(argv[0], "write") == 0 || strcmp(argv[0], "read") == 0) {
		struct rte_cmmc_ep *ep;
		struct rte_cmmc_rkey *rk;
		uint8_t *p;
		size_t len;
		uint64_t cookie = th_now_ns();

		NEED(6);
		ep = EP(1);
		rk = RK(2);
		p = rte_cmmc_mem_addr(MEM(4), &len);
		if (v[5] > len || v[6] > len - v[5]) {
			th_reply("ERR outside mem (%zu bytes)", len);
			return 0;
		}
		if (argv[0][0] == 'r')
			rc = rte_cmmc_read(ep, rk, v[3], p + v[5], (uint32_t)v[6],
					   cookie, RTE_CMMC_F_SIGNALED);
		else if (argc > 7)
			rc = rte_cmmc_write_notify(ep, rk, v[3], p + v[5],
					(uint32_t)v[6], v[7], cookie,
					RTE_CMMC_F_SIGNALED);
		else
			rc = rte_cmmc_write(ep, rk, v[3], p + v[5], (uint32_t)v[6],
					    cookie, RTE_CMMC_F_SIGNALED);
		if (rc == 0)
			rc = wait_cpl(ep, cookie);
		if (rc != 0)
			th_reply("ERR err=%s", th_errname(rc));
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "writev") == 0) {
		struct rte_cmmc_iov iov[RTE_CMMC_MAX_IOV];
		struct rte_cmmc_op op;
		uint64_t piece, k, cookie = th_now_ns();
		uint8_t *p;
		size_t len;

		NEED(7);
		p = rte_cmmc_mem_addr(MEM(4), &len);
		if (v[7] == 0 || v[7] > RTE_CMMC_MAX_IOV || v[6] % v[7] != 0 ||
				v[5] > len || v[6] > len - v[5]) {
			th_reply("ERR bad pieces");
			return 0;
		}
		/* pieces taken from the source in reverse order */
		piece = v[6] / v[7];
		for (k = 0; k < v[7]; k++) {
			iov[k].base = p + v[5] + (v[7] - 1 - k) * piece;
			iov[k].len = (uint32_t)piece;
			iov[k].reserved = 0;
		}
		memset(&op, 0, sizeof(op));
		op.opcode = RTE_CMMC_OP_WRITE;
		op.flags = RTE_CMMC_F_SIGNALED;
		op.nb_iov = (uint16_t)v[7];
		op.iov = iov;
		op.rkey = RK(2);
		op.remote_off = v[3];
		op.cookie = cookie;
		rc = rte_cmmc_post(EP(1), &op, 1);
		rc = rc == 1 ? wait_cpl(EP(1), cookie) : rc;
		if (rc != 0)
			th_reply("ERR err=%s", th_errname(rc));
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "recv") == 0) {
		NEED(3);
		cmd_recv(EP(1), (int)v[1], v[2], v[3], 0);
	} else if (strcmp(argv[0], "serve") == 0) {
		NEED(2);
		cmd_recv(EP(1), (int)v[1], 0, v[2], 1);
	} else if (strcmp(argv[0], "soak") == 0) {
		NEED(6);
		cmd_soak(EP(1), (int)v[1], RK(2), v[3], MEM(4), v[5], v[6]);
	} else if (strcmp(argv[0], "stream") == 0) {
		NEED(7);
		cmd_stream(EP(1), RK(2), v[3], MEM(4), v[5], v[6],
			   strcmp(argv[7], "notify") == 0);
	} else if (strcmp(argv[0], "msg") == 0) {
		NEED(2);
		rc = rte_cmmc_msg_send(EP(1), argv[2], (uint32_t)strlen(argv[2]));
		th_reply(rc == 0 ? "OK" : "ERR err=%s", th_errname(rc));
	} else if (strcmp(argv[0], "stats") == 0) {
		struct rte_cmmc_ep_stats st;

		NEED(1);
		rte_cmmc_ep_stats_get(EP(1), &st);
		th_reply("OK ops=%" PRIu64 " tx=%" PRIu64 " rx=%" PRIu64
			" refused_ops=%" PRIu64 " notify_rx=%" PRIu64
			" refused_notify=%" PRIu64 " msg_tx=%" PRIu64 " msg_rx=%" PRIu64,
			st.ops, st.tx_bytes, st.rx_bytes, st.refused_ops,
			st.notify_rx, st.refused_notify, st.msg_tx, st.msg_rx);
	} else {
		th_reply("ERR unknown command '%s'", argv[0]);
	}
	return 0;
#undef NEED
#undef MEM
#undef RK
#undef EP
}

static int
engine_open(const char *kind)
{
	struct rte_marlin_dma_conf dc = { .nb_queues = 2, .nb_desc = 256 };
	int id = -1;

	if (strcmp(kind, "none") == 0)
		return -1;
#ifdef CMMC_MP_DMA_CPU
	if (strcmp(kind, "cpu") == 0)
		id = rte_marlin_dma_cpu_create("mp_cpu", NULL);
#endif
#ifdef CMMC_MP_DMADEV
	if (strcmp(kind, "skeleton") == 0) {
		id = rte_marlin_dma_dmadev_create("mp_skel", "dma_skeleton0", NULL);
		dc.nb_queues = 1;
	}
#endif
	if (id < 0)
		return -2;
	if (rte_marlin_dma_configure(id, &dc) != 0 || rte_marlin_dma_start(id) != 0) {
		rte_marlin_dma_close(id);
		return -2;
	}
	return id;
}

int
main(int argc, char **argv)
{
	struct rte_cmmc_conf conf;
	const char *engine = "none";
	int rc, id, i;

	if (argc == 2 && strcmp(argv[1], "--pmd-path") == 0) {
		printf("%s\n", RTE_EAL_PMD_PATH);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		th_reply("FATAL rte_eal_init: %s", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--engine") == 0)
			engine = argv[i + 1];
	engine_id = engine_open(engine);
	if (engine_id == -2) {
		th_reply("FATAL engine %s not available", engine);
		rte_eal_cleanup();
		return 1;
	}
	id = rte_marlin_ntb_get_by_name("ntb_shm0");
	if (id < 0) {
		th_reply("FATAL no device ntb_shm0: %s", strerror(-id));
		rte_eal_cleanup();
		return 1;
	}
	ntb_id = (uint16_t)id;
	rte_cmmc_conf_default(&conf);
	conf.dma_dev_id = engine_id;
	conf.cpu_threshold = engine_id >= 0 ? 1024 : 0;
	ctx = rte_cmmc_open((uint16_t)id, &conf);
	if (ctx == NULL) {
		th_reply("FATAL rte_cmmc_open: %s", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	th_reply("READY port=%d pid=%d engine=%s", rte_cmmc_port(ctx), (int)getpid(),
		engine);
	rc = th_command_loop(poll_device, handle, NULL) == 0 ? 0 : 1;
	rte_cmmc_close(ctx);
	if (engine_id >= 0) {
		rte_marlin_dma_stop(engine_id);
		rte_marlin_dma_close(engine_id);
	}
	th_reply("BYE");
	rte_eal_cleanup();
	return rc;
}
