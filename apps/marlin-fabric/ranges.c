/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Windows in ranges mode (a host that registered with RACK_HELLO_F_RANGES):
 * the owner hands over no object for a whole window, only one sealed memfd
 * per range it exposes to a peer (RANGE_OFFER). The manager passes a range
 * to that peer only while the peer holds a grant for the window, read-only
 * if the grant or the range is, and tells the peer when the owner takes it
 * back (RANGE_WITHDRAW) or the grant goes. So a peer reaches exactly the
 * exposed ranges, nothing else of the window.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabric.h"

#define MAX_RANGES 1024
#define SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

struct mgr_range {
	int fd;                 /* -1: free slot */
	uint32_t o, p, w, access;
	uint64_t off, len;
};

static struct mgr_range ranges[MAX_RANGES];
static int ranges_ready;

static void
ranges_init(void)
{
	int i;

	if (ranges_ready)
		return;
	for (i = 0; i < MAX_RANGES; i++)
		ranges[i].fd = -1;
	ranges_ready = 1;
}

/* One range to @p to (the peer): with its object while access allows. */
static void
range_push(struct client *to, const struct mgr_range *r, uint32_t access)
{
	struct rack_wire_range w = {
		.owner = r->o, .peer = r->p, .window = r->w,
		.offset = r->off, .length = r->len,
	};
	int fd = -1, ro = -1;

	if (to == NULL)
		return;
	w.access = access < r->access ? access : r->access;
	if (w.access != RACK_ACCESS_NONE && r->fd >= 0) {
		fd = r->fd;
		if (w.access == RACK_ACCESS_RO) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			ro = open(path, O_RDONLY | O_CLOEXEC);
			fd = ro;
		}
	}
	if (fd < 0)
		w.access = RACK_ACCESS_NONE;
	client_queue(to, RACK_MSG_RANGE, 0, &w, sizeof(w), fd);
	if (ro >= 0)
		close(ro);
}

void
ranges_push(const struct mgr_state *s, struct client *to, uint32_t o,
		uint32_t p, uint32_t w)
{
	int i;

	ranges_init();
	for (i = 0; i < MAX_RANGES; i++)
		if (ranges[i].fd >= 0 && ranges[i].o == o && ranges[i].p == p &&
				ranges[i].w == w)
			range_push(to, &ranges[i], s->grant[o][p][w]);
}

void
ranges_drop(uint32_t o, uint32_t p, uint32_t w)
{
	int i;

	ranges_init();
	for (i = 0; i < MAX_RANGES; i++)
		if (ranges[i].fd >= 0 && ranges[i].o == o && ranges[i].p == p &&
				ranges[i].w == w) {
			close(ranges[i].fd);
			ranges[i].fd = -1;
		}
}

/* Slot of exactly this range, of one overlapping it (*overlap), or -1. */
static int
range_find(const struct rack_wire_range *q, uint32_t o, int *overlap)
{
	int i;

	*overlap = 0;
	for (i = 0; i < MAX_RANGES; i++) {
		const struct mgr_range *r = &ranges[i];

		if (r->fd < 0 || r->o != o || r->p != q->peer || r->w != q->window)
			continue;
		if (r->off == q->offset && r->len == q->length)
			return i;
		if (r->off < q->offset + q->length && q->offset < r->off + r->len)
			*overlap = 1;
	}
	return -1;
}

void
ranges_handle(struct mgr_ctx *m, struct client *c, const struct rack_msg *msg,
		int *fd)
{
	const struct rack_wire_range *q = &msg->u.range;
	struct mgr_state *s = &m->st;
	int o = client_host(c), i, overlap;
	struct stat st;
	int seals;
	char what[96];

	ranges_init();
	snprintf(what, sizeof(what), "range 0x%" PRIx64 "+0x%" PRIx64
		" of window %u for host %u", q->offset, q->length, q->window,
		q->peer);
	if (o < 0 || !s->host[o].ranges || q->owner != (uint32_t)o ||
			q->window >= s->host[o].mw_count ||
			q->offset + q->length > s->host[o].mw_size) {
		client_reply(c, msg->seq, -EINVAL, "refused: a range is a host's own, of a window it registered in ranges mode", 74);
		mgr_log("uid=%u pid=%d: %s: refused: not a registered host in ranges mode, or not inside its window",
			(unsigned int)client_uid(c), (int)client_pid(c), what);
		return;
	}
	i = range_find(q, (uint32_t)o, &overlap);
	if (msg->type == RACK_MSG_RANGE_WITHDRAW) {
		if (i >= 0) {
			close(ranges[i].fd);
			ranges[i].fd = -1;
			/* the peer unmaps it */
			if (s->grant[o][q->peer][q->window] != RACK_ACCESS_NONE)
				range_push(client_of_host((int)q->peer), &ranges[i],
					RACK_ACCESS_NONE);
		}
		mgr_log("uid=%u pid=%d: host %d withdrew %s%s",
			(unsigned int)client_uid(c), (int)client_pid(c), o, what,
			i >= 0 ? "" : " (not exposed)");
		client_reply(c, msg->seq, i >= 0 ? 0 : -ENOENT, "withdrawn", 9);
		return;
	}
	seals = fcntl(*fd, F_GET_SEALS);
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode) || seals < 0 ||
			(seals & SEALS_NEEDED) != SEALS_NEEDED ||
			(uint64_t)st.st_size != q->length) {
		mgr_log("uid=%u pid=%d: host %d exposes %s: refused: not a sealed memfd of the range's size",
			(unsigned int)client_uid(c), (int)client_pid(c), o, what);
		client_reply(c, msg->seq, -EINVAL, "refused: a range is a sealed memfd of its size", 46);
		return;
	}
	if (i < 0 && overlap) {
		mgr_log("uid=%u pid=%d: host %d exposes %s: refused: it overlaps another exposed range",
			(unsigned int)client_uid(c), (int)client_pid(c), o, what);
		client_reply(c, msg->seq, -EEXIST, "refused: overlaps an exposed range", 34);
		return;
	}
	if (i < 0)
		for (i = 0; i < MAX_RANGES && ranges[i].fd >= 0; i++)
			;
	else
		close(ranges[i].fd);    /* a new object for the same range */
	if (i == MAX_RANGES) {
		client_reply(c, msg->seq, -ENOSPC, "refused: too many ranges", 24);
		return;
	}
	ranges[i] = (struct mgr_range){
		.fd = *fd, .o = (uint32_t)o, .p = q->peer, .w = q->window,
		.access = q->access, .off = q->offset, .len = q->length,
	};
	*fd = -1;
	if (s->grant[o][q->peer][q->window] != RACK_ACCESS_NONE)
		range_push(client_of_host((int)q->peer), &ranges[i],
			s->grant[o][q->peer][q->window]);
	client_reply(c, msg->seq, 0, "exposed", 7);
}
