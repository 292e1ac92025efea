/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * A revoke returns once it took effect. The manager records the
 * revocation at once, pushes it to the owner with a ticket, and answers
 * whoever asked only when the owner has confirmed (MOVED with that ticket)
 * that every revoked window is on fresh backing, so the revoked peer's
 * stores no longer reach its memory. If the owner does not confirm within
 * the request's wait, the answer says so (-ETIMEDOUT, naming the owner),
 * and the revocation stays recorded. An owner that is not connected, or
 * goes away while the manager waits, counts as done: a dead owner's memory
 * goes with it, and a live one applies the revocation when it registers
 * again (the manager pushes it then).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fabric.h"

#define MAX_WAITS 64

struct revoke_wait {
	struct client *cli;     /* NULL: free slot */
	uint32_t seq;           /* the request's, echoed in the answer */
	uint32_t ticket;
	uint32_t owner, peer;
	uint32_t pending;       /* bit w: window w (8: bank) not confirmed */
	int status;             /* first failure the owner reported */
	uint32_t failed_window;
	int64_t start_ms, deadline_ms;
	char text[320];         /* the decision, as logged */
};

static struct revoke_wait waits[MAX_WAITS];
static uint32_t next_ticket;

static void
wait_answer(struct revoke_wait *rw, int status, uint32_t flags,
		const char *outcome)
{
	char text[768];
	int n;

	n = snprintf(text, sizeof(text), "%s; %s", rw->text, outcome);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	mgr_log("uid=%u pid=%d: %s", (unsigned int)client_uid(rw->cli),
		(int)client_pid(rw->cli), text);
	client_reply_flags(rw->cli, rw->seq, status, flags, text, (size_t)n);
	rw->cli = NULL;
}

struct revoke_wait *
revoke_wait_new(struct client *cli, uint32_t seq, uint32_t owner,
		uint32_t peer, uint32_t wait_ms)
{
	int i;

	for (i = 0; i < MAX_WAITS && waits[i].cli != NULL; i++)
		;
	if (i == MAX_WAITS)
		return NULL;
	memset(&waits[i], 0, sizeof(waits[i]));
	if (++next_ticket == 0)
		next_ticket = 1;
	waits[i].cli = cli;
	waits[i].seq = seq;
	waits[i].ticket = next_ticket;
	waits[i].owner = owner;
	waits[i].peer = peer;
	waits[i].start_ms = mgr_now_ms();
	waits[i].deadline_ms = waits[i].start_ms +
		(wait_ms != 0 ? wait_ms : RACK_WIRE_REVOKE_WAIT_MS);
	/* the CLI stays quiet meanwhile: not idle */
	client_keep_until(cli, waits[i].deadline_ms + 1000);
	return &waits[i];
}

uint32_t
revoke_wait_ticket(const struct revoke_wait *rw)
{
	return rw->ticket;
}

void
revoke_wait_expect(struct revoke_wait *rw, uint32_t window)
{
	rw->pending |= UINT32_C(1) << window;
}

static void
wait_done(struct revoke_wait *rw)
{
	char outcome[256];

	if (rw->status != 0) {
		char what[32];

		if (rw->failed_window == RACK_WIRE_BANK_WINDOW)
			snprintf(what, sizeof(what), "its register bank");
		else
			snprintf(what, sizeof(what), "window %u",
				rw->failed_window);
		snprintf(outcome, sizeof(outcome),
			"host %u could not move %s to fresh memory: %s (host %u may still reach it)",
			rw->owner, what, strerror(-rw->status), rw->peer);
		wait_answer(rw, rw->status, 0, outcome);
		return;
	}
	snprintf(outcome, sizeof(outcome),
		"host %u moved the pages to fresh memory (confirmed in %lld ms): host %u's stores no longer reach it",
		rw->owner, (long long)(mgr_now_ms() - rw->start_ms), rw->peer);
	wait_answer(rw, 0, RACK_REPLY_F_MOVED, outcome);
}

void
revoke_wait_arm(struct revoke_wait *rw, const char *text)
{
	snprintf(rw->text, sizeof(rw->text), "%s", text);
	if (rw->pending == 0)
		wait_done(rw); /* nothing was pushed: nothing to wait for */
}

void
revoke_wait_moved(struct client *c, int host, const struct rack_msg *r)
{
	const struct rack_wire_moved *mv = &r->u.moved;
	int i;

	if (host < 0) {
		mgr_log("uid=%u pid=%d: moved: ignored: not a registered host",
			(unsigned int)client_uid(c), (int)client_pid(c));
		return;
	}
	for (i = 0; i < MAX_WAITS; i++) {
		struct revoke_wait *rw = &waits[i];

		if (rw->cli == NULL || rw->ticket != mv->ticket ||
				rw->owner != (uint32_t)host ||
				rw->peer != mv->peer ||
				!(rw->pending >> mv->window & 1))
			continue;
		rw->pending &= ~(UINT32_C(1) << mv->window);
		if (mv->status != 0 && rw->status == 0) {
			rw->status = mv->status;
			rw->failed_window = mv->window;
		}
		if (rw->pending == 0)
			wait_done(rw);
		return;
	}
	/* Late (the wait ran out) or from an earlier request: nothing to do. */
}

void
revoke_wait_host_gone(int host)
{
	char outcome[192];
	int i;

	for (i = 0; i < MAX_WAITS; i++) {
		struct revoke_wait *rw = &waits[i];

		if (rw->cli == NULL || rw->owner != (uint32_t)host)
			continue;
		snprintf(outcome, sizeof(outcome),
			"host %u went away before confirming: its memory goes with it (a process that registers again applies the revocation first)",
			rw->owner);
		wait_answer(rw, 0, RACK_REPLY_F_OWNER_AWAY, outcome);
	}
}

void
revoke_wait_client_gone(const struct client *c)
{
	int i;

	for (i = 0; i < MAX_WAITS; i++)
		if (waits[i].cli == c)
			waits[i].cli = NULL;
}

int64_t
revoke_wait_next_deadline(void)
{
	int64_t next = INT64_MAX;
	int i;

	for (i = 0; i < MAX_WAITS; i++)
		if (waits[i].cli != NULL && waits[i].deadline_ms < next)
			next = waits[i].deadline_ms;
	return next;
}

void
revoke_wait_expire(int64_t now_ms)
{
	char outcome[384];
	int i;

	for (i = 0; i < MAX_WAITS; i++) {
		struct revoke_wait *rw = &waits[i];

		if (rw->cli == NULL || rw->deadline_ms > now_ms)
			continue;
		snprintf(outcome, sizeof(outcome),
			"but host %u did not confirm within %lld ms that it moved its pages (it is not polling its device, or hangs): the revocation is recorded, and host %u's stores may land in host %u's memory until host %u polls",
			rw->owner, (long long)(rw->deadline_ms - rw->start_ms),
			rw->peer, rw->owner, rw->owner);
		wait_answer(rw, -ETIMEDOUT, 0, outcome);
	}
}
