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

#define LINE_MAX_LEN 1024
#define MAX_OBJ 64
#define MAX_PORTS 64

static struct rte_cmmc *ctx;
static struct rte_cmmc_mem *mems[MAX_OBJ];
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

/*
 * stream: every 8th operation (cookie = its index) asks for a completion.
 * A failed operation completes whether it asked or not (rte_cmmc.h), so
 * only completions of signalled cookies count against the outstanding ones.
 */
static inline uint64_t
is_signaled(uint64_t cookie)
{
	return cookie % 8 == 7;
}

static void
cmd_stream(struct rte_cmmc_ep *ep, struct rte_cmmc_rkey *rk, uint64_t roff,
		struct rte_cmmc_mem *m, uint64_t len, uint64_t ms, int notify)
{
	uint8_t *src = rte_cmmc_mem_addr(m, NULL);
	uint64_t start = th_now_ns(), deadline = start + ms * 1000000u;
	uint64_t last_poll = 0, posted = 0, completed = 0, cpl_err = 0;
	uint64_t outstanding = 0, t_last_ok = 0, t_err = 0, t_drained;
	int post_err = 0, first_cpl_err = 0;
	struct rte_cmmc_cpl cpl[32];

	for (;;) {
		uint64_t t = th_now_ns();
		unsigned int flags = is_signaled(posted) ? RTE_CMMC_F_SIGNALED : 0;
		int rc, i, n;

		if (t >= deadline)
			break;
		if (t - last_poll > 1000000u) {
			rte_cmmc_poll(ctx);
			last_poll = t;
		}
		if (notify)
			rc = rte_cmmc_write_notify(ep, rk, roff, src, (uint32_t)len,
						   posted, posted, flags);
		else
			rc = rte_cmmc_write(ep, rk, roff, src, (uint32_t)len,
					    posted, flags);
		if (rc == 0) {
			posted++;
			outstanding += !!flags;
			t_last_ok = t;
		} else if (rc != -ENOSPC) {
			post_err = rc;
			t_err = th_now_ns();
			break;
		}
		n = rte_cmmc_poll_cq(ep, cpl, RTE_DIM(cpl));
		for (i = 0; i < n; i++) {
			completed++;
			outstanding -= is_signaled(cpl[i].cookie);
			if (cpl[i].status != 0) {
				if (cpl_err++ == 0)
					first_cpl_err = cpl[i].status;
			}
		}
	}
	/* everything outstanding must complete, with an error if need be */
	t_drained = th_now_ns() + 3000000000ull;
	while (outstanding > 0 && th_now_ns() < t_drained) {
		int i, n = rte_cmmc_poll_cq(ep, cpl, RTE_DIM(cpl));

		for (i = 0; i < n; i++) {
			completed++;
			outstanding -= is_signaled(cpl[i].cookie);
			if (cpl[i].status != 0 && cpl_err++ == 0)
				first_cpl_err = cpl[i].status;
		}
		rte_cmmc_poll(ctx);
	}
	th_reply("OK posted=%" PRIu64 " completed=%" PRIu64 " cpl_errors=%" PRIu64
		" first_cpl_err=%s post_err=%s outstanding=%" PRIu64
		" t_start_ns=%" PRIu64 " t_last_ok_ns=%" PRIu64 " t_err_ns=%" PRIu64,
		posted, completed, cpl_err,
		first_cpl_err ? th_errname(first_cpl_err) : "none",
		post_err ? th_errname(post_err) : "none", outstanding, start,
		t_last_ok, t_err);
}

/* What a long-running command saw of the link: how often the peer left
 * READY, and the last gaps of more than WATCH_GAP_NS in its traffic. */
#define WATCH_GAP_NS 50000000ull
#define WATCH_GAPS 16

struct watch {
	int port;
	int last_state;
	uint64_t downs;
	uint64_t t_down;         /* last time the peer left READY */
	uint64_t t_up;           /* last time it came back */
	uint64_t t_flow;         /* first traffic after that */
	uint64_t last_event;
	uint64_t gap_start[WATCH_GAPS];
	uint64_t gap_end[WATCH_GAPS];
	unsigned int ngaps;
};

static void
watch_init(struct watch *w, int port)
{
	memset(w, 0, sizeof(*w));
	w->port = port;
	w->last_state = RTE_CMMC_PEER_READY;
	w->last_event = th_now_ns();
}

/* Poll the context (every millisecond) and follow the peer's state. */
static void
watch_poll(struct watch *w)
{
	int st;

	rte_cmmc_poll(ctx);
	st = rte_cmmc_peer_state(ctx, w->port);
	if (w->last_state == RTE_CMMC_PEER_READY && st != RTE_CMMC_PEER_READY) {
		w->downs++;
		w->t_down = th_now_ns();
	} else if (w->last_state != RTE_CMMC_PEER_READY &&
			st == RTE_CMMC_PEER_READY) {
		w->t_up = th_now_ns();
		w->t_flow = 0;
	}
	w->last_state = st;
}

/* Traffic at @t: close a gap if there was one. */
static void
watch_event(struct watch *w, uint64_t t)
{
	if (t - w->last_event > WATCH_GAP_NS) {
		w->gap_start[w->ngaps % WATCH_GAPS] = w->last_event;
		w->gap_end[w->ngaps % WATCH_GAPS] = t;
		w->ngaps++;
	}
	if (w->t_flow == 0 && w->t_up != 0)
		w->t_flow = RTE_MAX(t, w->t_up);  /* @t may predate the poll */
	w->last_event = t;
}

static void
watch_fmt(const struct watch *w, char *buf, size_t len)
{
	unsigned int i = w->ngaps > WATCH_GAPS ? w->ngaps - WATCH_GAPS : 0;
	size_t used = (size_t)snprintf(buf, len, "downs=%" PRIu64
		" t_down_ns=%" PRIu64 " t_up_ns=%" PRIu64 " t_flow_ns=%" PRIu64
		" gaps=", w->downs, w->t_down, w->t_up, w->t_flow);

	if (i == w->ngaps)
		snprintf(buf + used, len - used, "-");
	/* whole entries only: a gap cut in half reads as garbage */
	for (; i < w->ngaps && used < len; i++) {
		char one[64];
		int n = snprintf(one, sizeof(one), "%s%" PRIu64 "-%" PRIu64,
			buf[used - 1] != '=' ? "," : "",
			w->gap_start[i % WATCH_GAPS], w->gap_end[i % WATCH_GAPS]);

		if (n < 0 || used + (size_t)n >= len)
			break;
		memcpy(buf + used, one, (size_t)n + 1);
		used += (size_t)n;
	}
}

/* Signalled notified writes for @ms, whatever happens to the link; every
 * operation taken must complete (with an error if the link is lost). */
static void
cmd_soak(struct rte_cmmc_ep *ep, int port, struct rte_cmmc_rkey *rk,
		uint64_t roff, struct rte_cmmc_mem *m, uint64_t len, uint64_t ms)
{
	uint8_t *src = rte_cmmc_mem_addr(m, NULL);
	uint64_t deadline = th_now_ns() + ms * 1000000u, last_poll = 0, drain;
	uint64_t posted = 0, completed = 0, cpl_err = 0, post_err = 0;
	int first_cpl_err = 0, first_post_err = 0;
	struct rte_cmmc_cpl cpl[32];
	char w_out[LINE_MAX_LEN / 2];
	struct watch w;

	watch_init(&w, port);
	for (;;) {
		uint64_t t = th_now_ns();
		int rc, i, n;

		if (t >= deadline)
			break;
		if (t - last_poll > 1000000u) {
			watch_poll(&w);
			last_poll = t;
		}
		rc = rte_cmmc_write_notify(ep, rk, roff, src, (uint32_t)len,
					   posted, posted, RTE_CMMC_F_SIGNALED);
		if (rc == 0) {
			posted++;
			watch_event(&w, t);
		} else if (rc != -ENOSPC) {
			if (post_err++ == 0)
				first_post_err = rc;
		}
		n = rte_cmmc_poll_cq(ep, cpl, RTE_DIM(cpl));
		for (i = 0; i < n; i++) {
			completed++;
			if (cpl[i].status != 0 && cpl_err++ == 0)
				first_cpl_err = cpl[i].status;
		}
	}
	drain = th_now_ns() + 3000000000ull;
	while (completed < posted && th_now_ns() < drain) {
		int i, n = rte_cmmc_poll_cq(ep, cpl, RTE_DIM(cpl));

		for (i = 0; i < n; i++) {
			completed++;
			if (cpl[i].status != 0 && cpl_err++ == 0)
				first_cpl_err = cpl[i].status;
		}
		rte_cmmc_poll(ctx);
	}
	watch_fmt(&w, w_out, sizeof(w_out));
	th_reply("OK posted=%" PRIu64 " completed=%" PRIu64 " cpl_errors=%" PRIu64
		" first_cpl_err=%s post_errors=%" PRIu64 " first_post_err=%s %s",
		posted, completed, cpl_err,
		first_cpl_err ? th_errname(first_cpl_err) : "none", post_err,
		first_post_err ? th_errname(first_post_err) : "none", w_out);
}

static void
cmd_recv(struct rte_cmmc_ep *ep, int port, uint64_t want, uint64_t ms,
		int serve)
{
	uint64_t deadline = th_now_ns() + ms * 1000000u, last_poll = 0;
	uint64_t notify = 0, msgs = 0;
	char out[LINE_MAX_LEN / 2] = "", w_out[LINE_MAX_LEN / 2] = "";
	size_t used = 0;
	struct watch w;

	watch_init(&w, port);
	while (th_now_ns() < deadline && (serve || notify + msgs < want)) {
		struct rte_cmmc_event ev[32];
		uint64_t t = th_now_ns();
		int i, n;

		if (t - last_poll > 1000000u) {
			watch_poll(&w);
			last_poll = t;
		}
		n = rte_cmmc_recv(ep, ev, RTE_DIM(ev));
		if (n > 0)
			watch_event(&w, t);
		for (i = 0; i < n; i++) {
			int id = -1, j;

			if (ev[i].type == RTE_CMMC_EVENT_MSG) {
				msgs++;
				continue;
			}
			notify++;
			if (serve)
				continue;
			for (j = 0; j < MAX_OBJ; j++)
				if (mems[j] == ev[i].mem)
					id = j;
			if (used < sizeof(out) - 64)
				used += snprintf(out + used, sizeof(out) - used,
					"%s%" PRIu64 ":%d:%" PRIu64 ":%u",
					used ? "," : "", ev[i].imm, id,
					ev[i].offset, ev[i].len);
		}
	}
	if (serve)
		watch_fmt(&w, w_out, sizeof(w_out));
	th_reply("OK n=%" PRIu64 " msgs=%" PRIu64 " ev=%s%s%s", notify, msgs,
		used ? out : "-", serve ? " " : "", w_out);
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
