/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* Marlin UCX transport, receiving: progress, incoming messages, replies
 * waiting to be sent, channel and endpoint failure (uct_marlin_iface.c has
 * the model). */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <ucs/sys/string.h>
#include <ucs/time/time.h>
#include <ucs/type/class.h>
#include <uct/base/uct_iov.inl>

#include "uct_marlin.h"

/* ---- receiving ------------------------------------------------------ */

static uct_marlin_ep_t *
um_ep_by_id(uct_marlin_iface_t *iface, uint16_t port, uint16_t id)
{
	uct_marlin_ep_t *ep = id < UM_MAX_EPS ? iface->eps[id] : NULL;

	return ep != NULL && ep->port == port ? ep : NULL;
}

static void
um_refuse(uct_marlin_iface_t *iface, uint16_t port, const char *what)
{
	if (iface->refused++ == 0)
		ucs_warn("marlin: refused %s from host %u (first of its kind is logged; see the owner's registrations)",
			 what, port);
}

static void
um_job_run(uct_marlin_iface_t *iface)
{
	size_t piece_max = iface->seg_size - sizeof(struct um_get_resp);

	while (iface->job_head != iface->job_tail) {
		struct uct_marlin_job *j = &iface->job[iface->job_head % UM_MAX_JOBS];
		struct um_get_resp *r;
		uint32_t len = 0, room;
		const void *src;
		int rc;

		if (iface->state[j->port] != UM_PEER_UP) {
			iface->job_head++;  /* the peer is gone */
			continue;
		}
		if (j->ack != 0) {
			rc = um_send(j->port, NULL, 0,
				     UM_IMM(j->ack, 0, j->ep_id, j->req));
		} else if (j->status != 0) {
			r = iface->tx_buf;
			memset(r, 0, sizeof(*r));
			r->req = j->req;
			r->status = j->status;
			r->offset = j->sent;
			rc = um_send(j->port, r, (uint32_t)sizeof(*r),
				     UM_IMM(UM_GET_RESP, 0, j->ep_id, j->gen));
		} else {
			len = (uint32_t)ucs_min(piece_max, (size_t)(j->len - j->sent));
			/* Checked again for every piece: the owner may have
			 * deregistered the memory meanwhile. */
			src = um_reg_check(j->idx, j->secret, j->addr + j->sent,
					   len);
			if (src == NULL) {
				j->status = -EACCES;
				continue;   /* answered as refused */
			}
			/* The piece is copied once, into the peer's slot. */
			r = um_send_reserve(j->port, &room);
			if (r == NULL)
				return;     /* ring full: later */
			r->req = j->req;
			r->status = 0;
			r->offset = j->sent;
			r->reserved = 0;
			memcpy(r + 1, src, len);
			rc = um_send_commit(j->port, (uint32_t)sizeof(*r) + len,
					    UM_IMM(UM_GET_RESP, 0, j->ep_id, j->gen));
		}
		if (rc != 0)
			return;  /* ring full: later */
		iface->tx_msgs++;
		j->sent += len;
		if (j->ack != 0 || j->status != 0 || j->sent == j->len)
			iface->job_head++;
	}
}

/* Queue a reply; NULL (and the request is refused) when the queue is full. */
static struct uct_marlin_job *
um_job_add(uct_marlin_iface_t *iface, uint16_t port, uint64_t imm)
{
	struct uct_marlin_job *j;

	if (iface->job_tail - iface->job_head == UM_MAX_JOBS) {
		um_refuse(iface, port, "a request beyond the reply queue");
		return NULL;
	}
	j = &iface->job[iface->job_tail++ % UM_MAX_JOBS];
	memset(j, 0, sizeof(*j));
	j->port = port;
	j->ep_id = UM_IMM_EP(imm);
	return j;
}

static void
um_rx_get_req(uct_marlin_iface_t *iface, uint16_t port, uint64_t imm,
	      const struct um_msg *m)
{
	struct um_get_req req;
	struct uct_marlin_job *j;

	if (m->len != sizeof(req)) {
		um_refuse(iface, port, "a malformed get request");
		return;
	}
	memcpy(&req, m->data, sizeof(req));
	j = um_job_add(iface, port, imm);
	if (j == NULL)
		return;
	j->req = req.req;
	j->gen = UM_IMM_SEQ(imm);
	j->len = req.len;
	j->idx = req.idx;
	j->secret = req.secret;
	j->addr = req.addr;
	j->status = req.len > 0 && req.len <= UM_GET_MAX &&
		um_reg_check(req.idx, req.secret, req.addr, req.len) != NULL ?
		0 : -EACCES;
	if (j->status != 0)
		um_refuse(iface, port, "a get outside its registration");
}

static void
um_rx_get_resp(uct_marlin_iface_t *iface, uint16_t port, uint64_t imm,
	       const struct um_msg *m)
{
	uct_marlin_ep_t *ep = um_ep_by_id(iface, port, UM_IMM_EP(imm));
	struct um_get_resp r;
	struct uct_marlin_get *g;
	ucs_status_t st;
	uint32_t dlen;

	if (ep == NULL || m->len < sizeof(r)) {
		um_refuse(iface, port, "a get response for no request");
		return;
	}
	memcpy(&r, m->data, sizeof(r));
	dlen = m->len - (uint32_t)sizeof(r);
	/* The generation tells a reply to an endpoint since destroyed (whose
	 * id was reused) from one to this endpoint. */
	if (r.req >= UM_MAX_GETS || !ep->gets[r.req].busy ||
			UM_IMM_SEQ(imm) != ep->gen) {
		um_refuse(iface, port, "a get response for no request");
		return;
	}
	g = &ep->gets[r.req];
	if (r.status == 0 && (r.offset != g->got || dlen == 0 ||
			      dlen > g->len - g->got ||
			      (g->unpack != NULL && dlen != g->len))) {
		um_refuse(iface, port, "a get response piece out of place");
		return;
	}
	if (r.status == 0) {
		if (g->unpack != NULL)
			g->unpack(g->arg, (const uint8_t *)m->data + sizeof(r), dlen);
		else
			memcpy((uint8_t *)g->arg + g->got,
			       (const uint8_t *)m->data + sizeof(r), dlen);
		g->got += dlen;
		if (g->got < g->len)
			return;  /* more pieces to come */
	}
	st = r.status == 0 ? UCS_OK : UCS_ERR_INVALID_ADDR;
	g->busy = 0;
	ep->gets_out--;
	ep->get_done++;
	if (g->comp != NULL)
		uct_invoke_completion(g->comp, st);
	um_flush_progress(ep, UCS_OK);
}

static void
um_rx(uct_marlin_iface_t *iface, uint16_t port, const struct um_msg *m)
{
	uint64_t imm = m->imm;
	uct_marlin_ep_t *ep;

	switch (UM_IMM_KIND(imm)) {
	case UM_AM:
		/* The id indexes UCX's handler table: a peer's value. */
		if (m->data == NULL || UM_IMM_AM_ID(imm) >= UCT_AM_ID_MAX)
			break;
		uct_iface_invoke_am(&iface->super, UM_IMM_AM_ID(imm),
				    (void *)(uintptr_t)m->data, m->len, 0);
		return;
	case UM_PUT: {
		struct um_put_hdr h;
		void *dst;

		if (m->data == NULL || m->len < sizeof(h))
			break;
		memcpy(&h, m->data, sizeof(h));
		if (h.len != m->len - sizeof(h))
			break;
		dst = um_reg_check(h.idx, h.secret, h.addr, h.len);
		if (dst == NULL) {
			um_refuse(iface, port, "a put outside its registration");
			return;
		}
		memcpy(dst, (const uint8_t *)m->data + sizeof(h), h.len);
		return;
	}
	case UM_GET_REQ:
		if (m->data != NULL)
			um_rx_get_req(iface, port, imm, m);
		return;
	case UM_GET_RESP:
		if (m->data != NULL)
			um_rx_get_resp(iface, port, imm, m);
		return;
	case UM_FLUSH_REQ: {
		/* Answered in order after every earlier put and get reply. */
		struct uct_marlin_job *j = um_job_add(iface, port, imm);

		if (j != NULL) {
			j->ack = UM_FLUSH_ACK;
			j->req = UM_IMM_SEQ(imm);
			um_job_run(iface);
		}
		return;
	}
	case UM_REVOKE: {
		/* Keys of the sender's heap are checked again at their next
		 * use; only then is the acknowledgement sent (it follows
		 * every direct store made before it). */
		struct uct_marlin_job *j;

		um_heap_peer_revoked(port, 0);
		j = um_job_add(iface, port, imm);
		if (j != NULL) {
			j->ack = UM_REVOKE_ACK;
			j->req = UM_IMM_SEQ(imm);
			um_job_run(iface);
		}
		return;
	}
	case UM_REVOKE_ACK:
		um_heap_acked(port, UM_IMM_SEQ(imm));
		return;
	case UM_FLUSH_ACK:
		ep = um_ep_by_id(iface, port, UM_IMM_EP(imm));
		if (ep == NULL)
			return;
		if ((int32_t)(UM_IMM_SEQ(imm) - ep->put_acked) > 0 &&
				(int32_t)(ep->put_seq - UM_IMM_SEQ(imm)) >= 0)
			ep->put_acked = UM_IMM_SEQ(imm);
		um_flush_progress(ep, UCS_OK);
		return;
	default:
		break;
	}
	um_refuse(iface, port, "a malformed message");
}

/* Tell peers about heap memory freed since (uct_marlin_heap.c). */
static void
um_revoke_send(uct_marlin_iface_t *iface)
{
	uint32_t epoch = um_heap_epoch();
	unsigned i;

	for (i = 0; i < iface->nb_ports; i++) {
		uint16_t port = iface->ports[i];

		if (iface->revoke_sent[port] == epoch ||
				iface->state[port] != UM_PEER_UP ||
				um_send(port, NULL, 0,
					UM_IMM(UM_REVOKE, 0, 0, epoch)) != 0)
			continue;
		iface->tx_msgs++;
		iface->revoke_sent[port] = epoch;
	}
}

/* Fail every endpoint to @p port (link lost, or never came up). */
static void
um_fail_eps(uct_marlin_iface_t *iface, uint16_t port, int only_never_up,
	    ucs_time_t now)
{
	unsigned i, k;

	for (i = 0; i < UM_MAX_EPS; i++) {
		uct_marlin_ep_t *ep = iface->eps[i];

		if (ep == NULL || ep->port != port || ep->failed)
			continue;
		if (only_never_up && (ep->was_up ||
				      now - ep->created < iface->connect_timeout))
			continue;
		ep->failed = 1;
		for (k = 0; k < UM_MAX_GETS; k++) {
			if (!ep->gets[k].busy)
				continue;
			ep->gets[k].busy = 0;
			if (ep->gets[k].comp != NULL)
				uct_invoke_completion(ep->gets[k].comp,
						      UCS_ERR_ENDPOINT_TIMEOUT);
		}
		ep->gets_out = 0;
		if (ep->putz.busy)
			um_putz_progress(ep, UCS_ERR_ENDPOINT_TIMEOUT);
		um_flush_progress(ep, UCS_ERR_ENDPOINT_TIMEOUT);
		ucs_diag("marlin: host %u %s: failing its endpoint", port,
			 ep->was_up ? "lost (link down)" : "never came up");
		uct_iface_handle_ep_err(&iface->super.super, &ep->super.super,
					UCS_ERR_ENDPOINT_TIMEOUT);
	}
}

void
um_channels_follow(uct_marlin_iface_t *iface, ucs_time_t now)
{
	int8_t st[UM_MAX_HOSTS];
	unsigned i, k;

	um_channels_poll(st);
	for (i = 0; i < iface->nb_ports; i++) {
		uint16_t port = iface->ports[i];

		if (st[port] == UM_PEER_UP && iface->state[port] != UM_PEER_UP) {
			for (k = 0; k < UM_MAX_EPS; k++)
				if (iface->eps[k] != NULL &&
						iface->eps[k]->port == port)
					iface->eps[k]->was_up = 1;
			/* A new bring-up: revocations sent before may be
			 * lost, and the peer's heap checked again. */
			if (um_heap_epoch() != 0)
				iface->revoke_sent[port] = um_heap_epoch() - 1;
			um_heap_peer_revoked(port, 1);
		}
		if (st[port] != UM_PEER_UP)
			um_fail_eps(iface, port,
				    iface->state[port] != UM_PEER_UP, now);
		iface->state[port] = st[port];
	}
}

/* Once per POLL_INTERVAL: links, revocations, flushes waiting for a look. */
static UCS_F_NOINLINE void
um_poll_links(uct_marlin_iface_t *iface, ucs_time_t now)
{
	unsigned i;

	iface->next_poll = now + iface->poll_interval;
	um_channels_follow(iface, now);
	um_revoke_send(iface);
	/* Flushes of direct stores that waited for this look. */
	for (i = 0; i < UM_MAX_EPS; i++)
		if (iface->eps[i] != NULL && iface->eps[i]->nb_flush > 0)
			um_flush_progress(iface->eps[i], UCS_OK);
}

unsigned
uct_marlin_iface_progress(uct_iface_h tl_iface)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	struct um_msg m[16];
	unsigned i, count = 0;
	ucs_time_t now;
	uint64_t tx;
	int n, k;

	/* Reading the clock costs more than the rest of an idle progress on
	 * a virtual machine (rdtsc ~40 ns): look at it once every
	 * UM_CLOCK_EVERY calls, and at the first call after a sleep. */
	if (ucs_unlikely((++iface->calls & (UM_CLOCK_EVERY - 1)) == 0 ||
			 iface->clock_due)) {
		iface->clock_due = 0;
		now = ucs_get_time();
		if (now >= iface->next_poll)
			um_poll_links(iface, now);
	}
	/* Housekeeping above is no work for UCP: it checks that a progress
	 * at interface setup returns 0. */
	tx = iface->tx_msgs;
	if (iface->nb_putz > 0) {
		iface->nb_putz = 0;
		for (i = 0; i < UM_MAX_EPS; i++) {
			uct_marlin_ep_t *ep = iface->eps[i];

			if (ep == NULL || !ep->putz.busy)
				continue;
			if (iface->state[ep->port] == UM_PEER_UP && !ep->failed)
				um_putz_progress(ep, UCS_OK);
			iface->nb_putz += ep->putz.busy;
		}
	}
	for (i = 0; i < iface->nb_ports; i++) {
		uint16_t port = iface->ports[i];

		if (iface->state[port] != UM_PEER_UP)
			continue;
		n = um_recv(port, m, 16);
		for (k = 0; k < n; k++)
			um_rx(iface, port, &m[k]);
		if (n > 0) {
			um_recv_release(port, (unsigned)n);
			count += (unsigned)n;
			iface->rx_msgs += (unsigned)n;
		}
	}
	if (iface->job_head != iface->job_tail)
		um_job_run(iface);
	if (iface->nb_pending > 0)
		count += um_pending_dispatch(iface);
	/* Replies and pieces sent count as work done: UCP keeps progressing
	 * while this is not 0 and, with adaptive progress, arms the
	 * interface only after a progress that did nothing (see
	 * uct_marlin_iface_event_arm()). */
	count += (unsigned)(iface->tx_msgs - tx);
	iface->last_work = count;
	return count;
}
