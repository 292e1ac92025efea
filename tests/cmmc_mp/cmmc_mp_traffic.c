/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The traffic loops of cmmc_mp_host (see cmmc_mp_host.c for the commands):
 * stream (post until an error or the time is up), soak (signalled notified
 * writes across link losses, with the gaps in the flow), recv and serve
 * (notifications and messages in).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "cmmc_mp_host.h"

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

void
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
void
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

void
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
