/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: following the link.
 *
 * The control thread (the main lcore) drives the HRDMA channel. A link
 * loss (cut, dead or restarted peer, refused peer) is remembered with its
 * time; without --reconnect it ends the run and report_lost() says in
 * words when it happened and how much was measured. With --reconnect the
 * main lcore waits (at most --timeout) for the channel to come back while
 * the other workers hold still, then bumps a generation number so that
 * every worker resynchronises its queue pairs, and the flap is counted.
 */

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include <rte_marlin_ntb.h>

#include "perf_host.h"

/* What a channel state means to the user. */
static const char *
state_words(int st)
{
	switch (st) {
	case RTE_MARLIN_HRDMA_STATE_DOWN:
		return "link down: cable cut, or the peer is gone";
	case RTE_MARLIN_HRDMA_STATE_NEGOTIATING:
		return "the peer restarted or the link flapped";
	case RTE_MARLIN_HRDMA_STATE_ERROR:
		return "the peer was refused or wrote garbage, see the log";
	default:
		return "the channel failed";
	}
}

/* Remember the first link loss (control thread only). */
static void
note_lost(struct perf_ctx *c, int st, uint64_t now)
{
	if (c->lost)
		return;
	c->lost = true;
	c->lost_tsc = now;
	c->lost_state = st;
}

/*
 * Drive the channel; only the main lcore does this. A loss is also a
 * bring-up we did not see go down: the count of bring-ups moved.
 */
int
poll_channel(struct perf_ctx *c, uint64_t now)
{
	struct rte_marlin_hrdma_info info;
	int st;

	c->last_poll = now;
	st = rte_marlin_hrdma_channel_poll(c->ch);
	if (st != RTE_MARLIN_HRDMA_STATE_UP) {
		note_lost(c, st, now);
		return -ENOLINK;
	}
	if (rte_marlin_hrdma_channel_info(c->ch, &info) == 0 &&
			info.link_ups != c->link_ups) {
		c->link_ups = info.link_ups;
		note_lost(c, RTE_MARLIN_HRDMA_STATE_NEGOTIATING, now);
		return -ENOLINK;
	}
	return 0;
}

int
maybe_poll_channel(struct perf_ctx *c, uint64_t now)
{
	if (c->lost)
		return -ENOLINK;
	if (now - c->last_poll < c->poll_cycles)
		return 0;
	return poll_channel(c, now);
}

/*
 * --reconnect: the link was lost; wait (at most --timeout) until the
 * channel is up again. Control thread only. 0: back; -ENOLINK: not back.
 */
static int
reconnect(struct perf_ctx *c)
{
	uint64_t t0 = rte_rdtsc(), now;
	struct rte_marlin_hrdma_info info;

	if (!c->o->reconnect)
		return -ENOLINK;
	for (;;) {
		now = rte_rdtsc();
		if (rte_marlin_hrdma_channel_poll(c->ch) ==
				RTE_MARLIN_HRDMA_STATE_UP)
			break;
		if (now - t0 > c->timeout_cycles || perf_force_quit) {
			set_err(c, "not back within %u s", c->o->timeout_s);
			return -ENOLINK;
		}
		idle_sleep_ns(PERF_IDLE_NS);
	}
	if (rte_marlin_hrdma_channel_info(c->ch, &info) == 0)
		c->link_ups = info.link_ups;
	c->flaps++;
	c->down_cycles += now - c->lost_tsc;
	if (c->o->verbose)
		fprintf(stderr, "marlin-perf: link back after %.3f s (flap %u)\n",
			cycles_to_ns(c, now - c->lost_tsc) / 1e9, c->flaps);
	c->lost = false;
	c->last_poll = now;
	return 0;
}

/*
 * The link looks lost (a poll said so, or a data-path call failed with
 * -ENOLINK): 0 when it is up (again, with --reconnect), else -ENOLINK.
 * Control thread only.
 */
int
link_recover(struct perf_ctx *c)
{
	if (!c->lost && poll_channel(c, rte_rdtsc()) == 0)
		return 0;
	return reconnect(c);
}

/* ---- in the worker loops ------------------------------------------------ */

/*
 * Follow the link from a worker loop. The main lcore drives the channel;
 * with --reconnect it holds the other workers (c->down) while it waits for
 * the link and bumps c->gen when it is back. 0: go on; -ENOLINK: stop.
 */
int
worker_link(struct perf_worker *w, uint64_t now)
{
	struct perf_ctx *c = w->ctx;
	int rc;

	if (!w->is_main)
		return 0;
	if (!w->link_err && maybe_poll_channel(c, now) == 0)
		return 0;
	w->link_err = false;
	c->down = 1;
	rc = link_recover(c);
	if (rc == 0)
		c->gen++;
	c->down = 0;
	return rc;
}

/*
 * A data-path call or a completion said the link is gone (-ENOLINK,
 * -EPROTO). With --reconnect the loop waits for the main lcore to bring it
 * back; without, it stops. Returns true when the loop must stop.
 */
bool
worker_link_error(struct perf_worker *w, int rc)
{
	struct perf_ctx *c = w->ctx;

	if (c->o->reconnect) {
		w->link_err = w->is_main;
		return false;
	}
	w->rc = rc;
	c->stop = 1;
	return true;
}

/* Hold still while the main lcore waits for the link (--reconnect). */
void
worker_hold(struct perf_worker *w, uint64_t now)
{
	struct perf_ctx *c = w->ctx;
	int i;

	for (i = 0; i < w->nq; i++)
		c->run[w->qids[i]].last_progress = now;
	rte_pause();
}

/* After the workers: a failure while the link is gone is a link loss. */
int
run_settle(struct perf_ctx *c, int rc)
{
	if (c->lost)
		return -ENOLINK;
	if (rc != 0 && poll_channel(c, rte_rdtsc()) != 0)
		return -ENOLINK;
	return rc;
}

/* ---- the report --------------------------------------------------------- */

/* Link events for the header. */
void
link_summary(struct perf_ctx *c, int rc)
{
	struct perf_header *h = &c->hdr;

	h->reconnect = c->o->reconnect;
	h->flaps = c->flaps;
	h->down_s = cycles_to_ns(c, c->down_cycles) / 1e9;
	h->lost = rc == -ENOLINK;
	if (!h->lost)
		return;
	if (!c->lost) {         /* e.g. the peer said goodbye unexpectedly */
		c->lost_tsc = rte_rdtsc();
		c->lost_state = RTE_MARLIN_HRDMA_STATE_DOWN;
	}
	h->lost_at_s = cycles_to_ns(c, c->lost_tsc - c->up_tsc) / 1e9;
	h->lost_into_s = c->size_tsc != 0 && c->lost_tsc >= c->size_tsc ?
		cycles_to_ns(c, c->lost_tsc - c->size_tsc) / 1e9 : -1;
	h->lost_why = state_words(c->lost_state);
	if (h->probe_after.ns < 0)
		h->probe_after.why = "not run: the link was lost";
}

/* Say in words what happened to the link (stderr). */
void
report_lost(const struct perf_ctx *c)
{
	const struct perf_header *h = &c->hdr;
	char what[160] = "";

	if (h->lost_into_s < 0)
		snprintf(what, sizeof(what), "before the first measurement");
	else if (c->server)
		snprintf(what, sizeof(what), "%.2f s into the %llu B run; what "
			 "was measured is the client's to report", h->lost_into_s,
			 (unsigned long long)h->lost_size);
	else if (h->lost_ops > 0)
		snprintf(what, sizeof(what), "%.2f s into the %llu B run, "
			 "after %llu operations; the %llu B row is partial",
			 h->lost_into_s, (unsigned long long)h->lost_size,
			 (unsigned long long)h->lost_ops,
			 (unsigned long long)h->lost_size);
	else
		snprintf(what, sizeof(what), "%.2f s into the %llu B run, "
			 "before its first measured operation",
			 h->lost_into_s, (unsigned long long)h->lost_size);
	fprintf(stderr, "marlin-perf %s: link to the peer (port %d) lost "
		"%.2f s after it came up, %s (%s)%s%s\n", h->role,
		rte_marlin_ntb_peer_port_number(c->ntb_id, c->pidx),
		h->lost_at_s, what, h->lost_why,
		c->o->reconnect ? "; --reconnect: " : "",
		c->o->reconnect ? c->err : "");
}
