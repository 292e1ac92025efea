/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Interface and endpoints of the Marlin UCX transport.
 *
 * An endpoint talks to one peer host over the HRDMA channel to it (one
 * queue pair, shared by all endpoints to that peer). Everything is a SEND
 * into the peer's receive ring (uct_marlin_wire.h): active messages, puts
 * (applied by the owner's progress after checking the key), get requests
 * and their responses, flush requests and acknowledgements. Messages of a
 * queue pair arrive in order, so a fence is free and a flush is answered
 * once every earlier put is in place.
 */

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

static uct_iface_ops_t uct_marlin_iface_ops;

static ucs_config_field_t uct_marlin_iface_config_table[] = {
	{"", "", NULL, ucs_offsetof(uct_marlin_iface_config_t, super),
	 UCS_CONFIG_TYPE_TABLE(uct_iface_config_table)},
	{"SEG_SIZE", "8k",
	 "Size of one message slot of the HRDMA rings (a power of two, 64..64k;\n"
	 "the same on every host): the largest active message, put or get piece.",
	 ucs_offsetof(uct_marlin_iface_config_t, seg_size),
	 UCS_CONFIG_TYPE_MEMUNITS},
	{"DEPTH", "64",
	 "Message slots per ring (a power of two, 64..4096; the same on every host).",
	 ucs_offsetof(uct_marlin_iface_config_t, depth), UCS_CONFIG_TYPE_UINT},
	{"CONNECT_TIMEOUT", "30s",
	 "How long an endpoint waits for the link to a peer host to come up\n"
	 "before it fails.",
	 ucs_offsetof(uct_marlin_iface_config_t, connect_timeout),
	 UCS_CONFIG_TYPE_TIME},
	{"POLL_INTERVAL", "1ms",
	 "How often progress drives the channels (link state, handshakes), and\n"
	 "the tick of the event fd.",
	 ucs_offsetof(uct_marlin_iface_config_t, poll_interval),
	 UCS_CONFIG_TYPE_TIME},
	{NULL}
};

/* ---- sending ------------------------------------------------------------ */

static UCS_F_ALWAYS_INLINE uct_marlin_iface_t *
um_iface(uct_ep_h tl_ep)
{
	return ucs_derived_of(tl_ep->iface, uct_marlin_iface_t);
}

/* 0 -> OK; back-pressure or link not (yet) up -> NO_RESOURCE. */
static UCS_F_ALWAYS_INLINE ucs_status_t
um_ep_send(uct_marlin_ep_t *ep, const void *buf, uint32_t len, uint64_t imm)
{
	int rc;

	if (ucs_unlikely(ep->failed))
		return UCS_ERR_ENDPOINT_TIMEOUT;
	/* Requests queued earlier go first. */
	if (ucs_unlikely(!ucs_queue_is_empty(&ep->pending)))
		return UCS_ERR_NO_RESOURCE;
	rc = um_send(ep->port, buf, len, imm);
	if (ucs_likely(rc == 0)) {
		ucs_derived_of(ep->super.super.iface, uct_marlin_iface_t)->tx_msgs++;
		return UCS_OK;
	}
	return UCS_ERR_NO_RESOURCE;
}

static ucs_status_t
uct_marlin_ep_am_short(uct_ep_h tl_ep, uint8_t id, uint64_t header,
		       const void *payload, unsigned length)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);

	UCT_CHECK_AM_ID(id);
	UCT_CHECK_LENGTH(length + sizeof(header), 0, iface->seg_size, "am_short");
	/* UCP passes a NULL payload with length 0. */
	memcpy(iface->tx_buf, &header, sizeof(header));
	if (length > 0)
		memcpy((uint8_t *)iface->tx_buf + sizeof(header), payload, length);
	return um_ep_send(ep, iface->tx_buf, length + sizeof(header),
			  UM_IMM(UM_AM, id, 0, 0));
}

static ucs_status_t
uct_marlin_ep_am_short_iov(uct_ep_h tl_ep, uint8_t id, const uct_iov_t *iov,
			   size_t iovcnt)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_iov_iter_t it;
	size_t len;

	UCT_CHECK_AM_ID(id);
	UCT_CHECK_LENGTH(uct_iov_total_length(iov, iovcnt), 0, iface->seg_size,
			 "am_short_iov");
	ucs_iov_iter_init(&it);
	len = uct_iov_to_buffer(iov, iovcnt, &it, iface->tx_buf, iface->seg_size);
	return um_ep_send(ep, iface->tx_buf, (uint32_t)len,
			  UM_IMM(UM_AM, id, 0, 0));
}

static ssize_t
uct_marlin_ep_am_bcopy(uct_ep_h tl_ep, uint8_t id, uct_pack_callback_t pack_cb,
		       void *arg, unsigned flags)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	size_t len;

	(void)flags;
	UCT_CHECK_AM_ID(id);
	if (ucs_unlikely(ep->failed))
		return UCS_ERR_ENDPOINT_TIMEOUT;
	if (ucs_unlikely(!ucs_queue_is_empty(&ep->pending) ||
			 iface->state[ep->port] != UM_PEER_UP))
		return UCS_ERR_NO_RESOURCE;
	len = pack_cb(iface->tx_buf, arg);
	UCT_CHECK_LENGTH(len, 0, iface->seg_size, "am_bcopy");
	st = um_ep_send(ep, iface->tx_buf, (uint32_t)len,
			UM_IMM(UM_AM, id, 0, 0));
	return st == UCS_OK ? (ssize_t)len : st;
}

/* A put of @p len bytes already packed after the header in tx_buf. */
static ucs_status_t
um_put_send(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface, size_t len,
	    uint64_t remote_addr, uct_rkey_t rkey)
{
	const uct_marlin_rkey_t *rk = (const uct_marlin_rkey_t *)rkey;
	struct um_put_hdr *h = iface->tx_buf;
	ucs_status_t st;

	h->idx = rk->w.idx;
	h->len = (uint32_t)len;
	h->secret = rk->w.secret;
	h->addr = remote_addr;
	st = um_ep_send(ep, h, (uint32_t)(sizeof(*h) + len),
			UM_IMM(UM_PUT, 0, ep->id, 0));
	if (st == UCS_OK)
		ep->put_seq++;
	return st;
}

static UCS_F_ALWAYS_INLINE size_t
um_put_max(const uct_marlin_iface_t *iface)
{
	return iface->seg_size - sizeof(struct um_put_hdr);
}

static ucs_status_t
uct_marlin_ep_put_short(uct_ep_h tl_ep, const void *buffer, unsigned length,
			uint64_t remote_addr, uct_rkey_t rkey)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);

	UCT_CHECK_LENGTH(length, 0, um_put_max(iface), "put_short");
	memcpy((uint8_t *)iface->tx_buf + sizeof(struct um_put_hdr), buffer,
	       length);
	return um_put_send(ucs_derived_of(tl_ep, uct_marlin_ep_t), iface,
			   length, remote_addr, rkey);
}

static ssize_t
uct_marlin_ep_put_bcopy(uct_ep_h tl_ep, uct_pack_callback_t pack_cb, void *arg,
			uint64_t remote_addr, uct_rkey_t rkey)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	size_t len;

	if (ucs_unlikely(ep->failed))
		return UCS_ERR_ENDPOINT_TIMEOUT;
	if (ucs_unlikely(!ucs_queue_is_empty(&ep->pending) ||
			 iface->state[ep->port] != UM_PEER_UP))
		return UCS_ERR_NO_RESOURCE;
	len = pack_cb((uint8_t *)iface->tx_buf + sizeof(struct um_put_hdr), arg);
	UCT_CHECK_LENGTH(len, 0, um_put_max(iface), "put_bcopy");
	st = um_put_send(ep, iface, len, remote_addr, rkey);
	return st == UCS_OK ? (ssize_t)len : st;
}

/* The data is in the peer's ring when the post returns: complete at once. */
static ucs_status_t
uct_marlin_ep_put_zcopy(uct_ep_h tl_ep, const uct_iov_t *iov, size_t iovcnt,
			uint64_t remote_addr, uct_rkey_t rkey,
			uct_completion_t *comp)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	ucs_iov_iter_t it;
	size_t len;

	(void)comp;
	UCT_CHECK_LENGTH(uct_iov_total_length(iov, iovcnt), 0, um_put_max(iface),
			 "put_zcopy");
	ucs_iov_iter_init(&it);
	len = uct_iov_to_buffer(iov, iovcnt, &it,
				(uint8_t *)iface->tx_buf + sizeof(struct um_put_hdr),
				um_put_max(iface));
	return um_put_send(ucs_derived_of(tl_ep, uct_marlin_ep_t), iface, len,
			   remote_addr, rkey);
}

static ucs_status_t
um_get_post(uct_marlin_ep_t *ep, void *unpack_or_null, void *arg, size_t len,
	    uint64_t remote_addr, uct_rkey_t rkey, uct_completion_t *comp)
{
	uct_marlin_iface_t *iface = ucs_derived_of(ep->super.super.iface,
						   uct_marlin_iface_t);
	const uct_marlin_rkey_t *rk = (const uct_marlin_rkey_t *)rkey;
	struct um_get_req req;
	ucs_status_t st;
	unsigned slot;

	UCT_CHECK_LENGTH(len, 0, unpack_or_null != NULL ?
			 iface->seg_size - sizeof(struct um_get_resp) : UM_GET_MAX,
			 "get");
	if (ep->gets_out == UM_MAX_GETS)
		return UCS_ERR_NO_RESOURCE;
	for (slot = 0; ep->gets[slot].busy; slot++)
		;
	memset(&req, 0, sizeof(req));
	req.idx = rk->w.idx;
	req.len = (uint32_t)len;
	req.secret = rk->w.secret;
	req.addr = remote_addr;
	req.req = slot;
	st = um_ep_send(ep, &req, sizeof(req),
			UM_IMM(UM_GET_REQ, 0, ep->id, ep->gen));
	if (st != UCS_OK)
		return st;
	ep->gets[slot].busy = 1;
	ep->gets[slot].comp = comp;
	ep->gets[slot].unpack = (uct_unpack_callback_t)unpack_or_null;
	ep->gets[slot].arg = arg;
	ep->gets[slot].len = (uint32_t)len;
	ep->gets[slot].got = 0;
	ep->gets_out++;
	ep->get_issued++;
	return UCS_INPROGRESS;
}

static ucs_status_t
uct_marlin_ep_get_bcopy(uct_ep_h tl_ep, uct_unpack_callback_t unpack_cb,
			void *arg, size_t length, uint64_t remote_addr,
			uct_rkey_t rkey, uct_completion_t *comp)
{
	return um_get_post(ucs_derived_of(tl_ep, uct_marlin_ep_t),
			   (void *)unpack_cb, arg, length, remote_addr, rkey,
			   comp);
}

static ucs_status_t
uct_marlin_ep_get_zcopy(uct_ep_h tl_ep, const uct_iov_t *iov, size_t iovcnt,
			uint64_t remote_addr, uct_rkey_t rkey,
			uct_completion_t *comp)
{
	if (iovcnt != 1)
		return UCS_ERR_UNSUPPORTED;
	return um_get_post(ucs_derived_of(tl_ep, uct_marlin_ep_t), NULL,
			   iov[0].buffer, iov[0].length * iov[0].count,
			   remote_addr, rkey, comp);
}

/* ---- flush, fence, pending ------------------------------------------- */

static int
um_flush_done(const uct_marlin_ep_t *ep, uint32_t put_seq, uint64_t get_seq)
{
	return (int32_t)(ep->put_acked - put_seq) >= 0 && ep->get_done >= get_seq;
}

static ucs_status_t
uct_marlin_ep_flush(uct_ep_h tl_ep, unsigned flags, uct_completion_t *comp)
{
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;

	if (ep->failed)
		return UCS_ERR_ENDPOINT_TIMEOUT;
	if (flags & UCT_FLUSH_FLAG_CANCEL) {
		uct_ep_pending_purge(tl_ep, NULL, NULL);
		return UCS_OK;
	}
	if (!ucs_queue_is_empty(&ep->pending))
		return UCS_ERR_NO_RESOURCE;
	if (um_flush_done(ep, ep->put_seq, ep->get_issued))
		return UCS_OK;
	if (ep->put_seq != ep->flush_asked) {
		st = um_ep_send(ep, NULL, 0,
				UM_IMM(UM_FLUSH_REQ, 0, ep->id, ep->put_seq));
		if (st != UCS_OK)
			return st;
		ep->flush_asked = ep->put_seq;
	}
	if (comp != NULL) {
		if (ep->nb_flush == UM_MAX_FLUSH)
			return UCS_ERR_NO_RESOURCE;
		ep->flush[ep->nb_flush].comp = comp;
		ep->flush[ep->nb_flush].put_seq = ep->put_seq;
		ep->flush[ep->nb_flush].get_seq = ep->get_issued;
		ep->nb_flush++;
	}
	return UCS_INPROGRESS;
}

static void
um_flush_progress(uct_marlin_ep_t *ep, ucs_status_t status)
{
	unsigned i = 0;

	while (i < ep->nb_flush) {
		struct uct_marlin_flush f = ep->flush[i];

		if (status == UCS_OK && !um_flush_done(ep, f.put_seq, f.get_seq)) {
			i++;
			continue;
		}
		ep->flush[i] = ep->flush[--ep->nb_flush];
		uct_invoke_completion(f.comp, status);
	}
}

static ucs_status_t
uct_marlin_iface_flush(uct_iface_h tl_iface, unsigned flags,
		       uct_completion_t *comp)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	ucs_status_t st, ret = UCS_OK;
	unsigned i;

	if (comp != NULL)
		return UCS_ERR_UNSUPPORTED;
	for (i = 0; i < UM_MAX_EPS; i++) {
		if (iface->eps[i] == NULL || iface->eps[i]->failed)
			continue;
		st = uct_marlin_ep_flush(&iface->eps[i]->super.super, flags, NULL);
		if (st == UCS_ERR_NO_RESOURCE || st == UCS_INPROGRESS)
			ret = UCS_INPROGRESS;
	}
	return ret;
}

static ucs_status_t
uct_marlin_ep_pending_add(uct_ep_h tl_ep, uct_pending_req_t *req,
			  unsigned flags)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);

	/* Always queued (never UCS_ERR_BUSY): a ring with room says nothing
	 * about the get slots an operation may also be waiting for. */
	(void)flags;
	iface->nb_pending++;  /* a hint; um_pending_dispatch() recounts */
	uct_pending_req_queue_push(&ep->pending, req);
	return UCS_OK;
}

static void
uct_marlin_ep_pending_purge(uct_ep_h tl_ep, uct_pending_purge_callback_t cb,
			    void *arg)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	uct_pending_req_priv_queue_t *priv;

	(void)iface;
	while (!ucs_queue_is_empty(&ep->pending)) {
		priv = ucs_queue_pull_elem_non_empty(&ep->pending,
						     uct_pending_req_priv_queue_t,
						     queue_elem);
		if (cb != NULL)
			cb(ucs_container_of(priv, uct_pending_req_t, priv), arg);
	}
}

static void
um_pending_dispatch(uct_marlin_iface_t *iface)
{
	uct_pending_req_priv_queue_t *priv;
	unsigned i;

	for (i = 0; i < UM_MAX_EPS && iface->nb_pending > 0; i++) {
		uct_marlin_ep_t *ep = iface->eps[i];
		ucs_queue_head_t q;

		if (ep == NULL || ucs_queue_is_empty(&ep->pending) ||
				iface->state[ep->port] != UM_PEER_UP)
			continue;
		/* The requests call back into the send functions, which
		 * refuse while ep->pending holds anything: dispatch from a
		 * detached queue and put back what is left. */
		ucs_queue_head_init(&q);
		ucs_queue_splice(&q, &ep->pending);
		uct_pending_queue_dispatch(priv, &q, 1);
		ucs_queue_splice(&q, &ep->pending);
		ucs_queue_splice(&ep->pending, &q);
	}
	/* Recount: requests may have been added while dispatching. */
	iface->nb_pending = 0;
	for (i = 0; i < UM_MAX_EPS; i++)
		if (iface->eps[i] != NULL &&
				!ucs_queue_is_empty(&iface->eps[i]->pending))
			iface->nb_pending++;
}

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
		struct um_get_resp *r = iface->tx_buf;
		uint32_t len = 0;
		const void *src = NULL;
		int rc;

		if (iface->state[j->port] != UM_PEER_UP) {
			iface->job_head++;  /* the peer is gone */
			continue;
		}
		if (j->flush_ack) {
			rc = um_send(j->port, NULL, 0,
				     UM_IMM(UM_FLUSH_ACK, 0, j->ep_id, j->req));
		} else {
			if (j->status == 0) {
				len = (uint32_t)ucs_min(piece_max, (size_t)(j->len - j->sent));
				/* Checked again for every piece: the owner may
				 * have deregistered the memory meanwhile. */
				src = um_reg_check(j->idx, j->secret,
						   j->addr + j->sent, len);
				if (src == NULL) {
					j->status = -EACCES;
					len = 0;
				}
			}
			r->req = j->req;
			r->status = j->status;
			r->offset = j->sent;
			r->reserved = 0;
			if (len > 0)
				memcpy(r + 1, src, len);
			rc = um_send(j->port, r, (uint32_t)sizeof(*r) + len,
				     UM_IMM(UM_GET_RESP, 0, j->ep_id, j->gen));
		}
		if (rc != 0)
			return;  /* ring full: later */
		iface->tx_msgs++;
		j->sent += len;
		if (j->flush_ack || j->status != 0 || j->sent == j->len)
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
			j->flush_ack = 1;
			j->req = UM_IMM_SEQ(imm);
			um_job_run(iface);
		}
		return;
	}
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
		um_flush_progress(ep, UCS_ERR_ENDPOINT_TIMEOUT);
		ucs_diag("marlin: host %u %s: failing its endpoint", port,
			 ep->was_up ? "lost (link down)" : "never came up");
		uct_iface_handle_ep_err(&iface->super.super, &ep->super.super,
					UCS_ERR_ENDPOINT_TIMEOUT);
	}
}

static void
um_channels_follow(uct_marlin_iface_t *iface, ucs_time_t now)
{
	int8_t st[UM_MAX_HOSTS];
	unsigned i, k;

	um_channels_poll(st);
	for (i = 0; i < iface->nb_ports; i++) {
		uint16_t port = iface->ports[i];

		if (st[port] == UM_PEER_UP && iface->state[port] != UM_PEER_UP)
			for (k = 0; k < UM_MAX_EPS; k++)
				if (iface->eps[k] != NULL &&
						iface->eps[k]->port == port)
					iface->eps[k]->was_up = 1;
		if (st[port] != UM_PEER_UP)
			um_fail_eps(iface, port,
				    iface->state[port] != UM_PEER_UP, now);
		iface->state[port] = st[port];
	}
}

static unsigned
uct_marlin_iface_progress(uct_iface_h tl_iface)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	struct um_msg m[16];
	unsigned i, count = 0;
	ucs_time_t now = ucs_get_time();
	int n, k;

	if (now >= iface->next_poll) {
		iface->next_poll = now + iface->poll_interval;
		um_channels_follow(iface, now);
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
		um_pending_dispatch(iface);
	iface->last_rx = count;
	return count;
}

/* ---- endpoints --------------------------------------------------------- */

static UCS_CLASS_INIT_FUNC(uct_marlin_ep_t, const uct_ep_params_t *params)
{
	uct_marlin_iface_t *iface = ucs_derived_of(params->iface,
						   uct_marlin_iface_t);
	uint16_t port;
	unsigned i;

	UCT_EP_PARAMS_CHECK_DEV_IFACE_ADDRS(params);
	memcpy(&port, params->iface_addr, sizeof(port));
	if (port >= UM_MAX_HOSTS || iface->state[port] < 0) {
		ucs_error("marlin: host %u is not a peer of host %u on fabric %s",
			  port, iface->host.port, iface->host.fabric);
		return UCS_ERR_UNREACHABLE;
	}
	for (i = 0; i < UM_MAX_EPS && iface->eps[i] != NULL; i++)
		;
	if (i == UM_MAX_EPS) {
		ucs_error("marlin: more than %u endpoints on one interface",
			  UM_MAX_EPS);
		return UCS_ERR_EXCEEDS_LIMIT;
	}
	UCS_CLASS_CALL_SUPER_INIT(uct_base_ep_t, &iface->super);
	self->port = port;
	self->id = (uint16_t)i;
	self->gen = ++iface->ep_gen;
	self->failed = 0;
	self->was_up = iface->state[port] == UM_PEER_UP;
	self->created = ucs_get_time();
	ucs_queue_head_init(&self->pending);
	self->put_seq = self->put_acked = self->flush_asked = 0;
	self->get_issued = self->get_done = 0;
	self->gets_out = 0;
	memset(self->gets, 0, sizeof(self->gets));
	self->nb_flush = 0;
	iface->eps[i] = self;
	iface->nb_eps++;
	return UCS_OK;
}

static UCS_CLASS_CLEANUP_FUNC(uct_marlin_ep_t)
{
	uct_marlin_iface_t *iface = ucs_derived_of(self->super.super.iface,
						   uct_marlin_iface_t);

	uct_marlin_ep_pending_purge(&self->super.super, NULL, NULL);
	iface->eps[self->id] = NULL;
	iface->nb_eps--;
}

UCS_CLASS_DEFINE(uct_marlin_ep_t, uct_base_ep_t);
static UCS_CLASS_DEFINE_NEW_FUNC(uct_marlin_ep_t, uct_ep_t,
				 const uct_ep_params_t *);
static UCS_CLASS_DEFINE_DELETE_FUNC(uct_marlin_ep_t, uct_ep_t);

/* ---- events ----------------------------------------------------------- */

/*
 * The software NTB raises no interrupt a process could sleep on, so the
 * event fd is a timer that fires every POLL_INTERVAL: a program waiting in
 * ucp_worker_wait() sleeps in those steps instead of spinning, and sees a
 * message at most one interval late.
 */
static ucs_status_t
uct_marlin_iface_event_fd_get(uct_iface_h tl_iface, int *fd_p)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	struct itimerspec its;
	double sec = ucs_time_to_sec(iface->poll_interval);

	if (iface->event_fd < 0) {
		iface->event_fd = timerfd_create(CLOCK_MONOTONIC,
						 TFD_NONBLOCK | TFD_CLOEXEC);
		if (iface->event_fd < 0) {
			ucs_error("marlin: timerfd_create: %m");
			return UCS_ERR_IO_ERROR;
		}
		memset(&its, 0, sizeof(its));
		its.it_interval.tv_sec = (time_t)sec;
		its.it_interval.tv_nsec = (long)((sec - (time_t)sec) * 1e9);
		if (its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 0)
			its.it_interval.tv_nsec = 1000000;
		its.it_value = its.it_interval;
		if (timerfd_settime(iface->event_fd, 0, &its, NULL) != 0) {
			ucs_error("marlin: timerfd_settime: %m");
			close(iface->event_fd);
			iface->event_fd = -1;
			return UCS_ERR_IO_ERROR;
		}
	}
	*fd_p = iface->event_fd;
	return UCS_OK;
}

static ucs_status_t
uct_marlin_iface_event_arm(uct_iface_h tl_iface, unsigned events)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	uint64_t ticks;

	(void)events;
	/* Traffic just now, or requests waiting for room: keep polling. */
	if (iface->last_rx > 0 || iface->nb_pending > 0 ||
			iface->job_head != iface->job_tail)
		return UCS_ERR_BUSY;
	if (iface->event_fd >= 0 &&
			read(iface->event_fd, &ticks, sizeof(ticks)) < 0 &&
			errno != EAGAIN)
		return UCS_ERR_IO_ERROR;
	return UCS_OK;
}

/* ---- interface ---------------------------------------------------------- */

static ucs_status_t
uct_marlin_iface_query(uct_iface_h tl_iface, uct_iface_attr_t *attr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	size_t put_max = um_put_max(iface);
	size_t get_max = iface->seg_size - sizeof(struct um_get_resp);

	uct_base_iface_query(&iface->super, attr);
	attr->iface_addr_len = sizeof(uint16_t);
	attr->device_addr_len = sizeof(uint64_t);
	attr->ep_addr_len = 0;
	attr->cap.flags = UCT_IFACE_FLAG_CONNECT_TO_IFACE |
			  UCT_IFACE_FLAG_AM_SHORT | UCT_IFACE_FLAG_AM_BCOPY |
			  UCT_IFACE_FLAG_PUT_SHORT | UCT_IFACE_FLAG_PUT_BCOPY |
			  UCT_IFACE_FLAG_PUT_ZCOPY | UCT_IFACE_FLAG_GET_BCOPY |
			  UCT_IFACE_FLAG_GET_ZCOPY | UCT_IFACE_FLAG_PENDING |
			  UCT_IFACE_FLAG_CB_SYNC |
			  UCT_IFACE_FLAG_ERRHANDLE_PEER_FAILURE;
	attr->cap.event_flags = UCT_IFACE_FLAG_EVENT_SEND_COMP |
				UCT_IFACE_FLAG_EVENT_RECV |
				UCT_IFACE_FLAG_EVENT_FD;

	attr->cap.am.max_short = iface->seg_size - sizeof(uint64_t);
	attr->cap.am.max_bcopy = iface->seg_size;
	attr->cap.am.opt_zcopy_align = 1;
	attr->cap.am.align_mtu = 1;
	attr->cap.am.max_iov = SIZE_MAX;

	attr->cap.put.max_short = (unsigned)put_max;
	attr->cap.put.max_bcopy = put_max;
	attr->cap.put.min_zcopy = 0;
	attr->cap.put.max_zcopy = put_max;
	attr->cap.put.opt_zcopy_align = 1;
	attr->cap.put.align_mtu = 1;
	attr->cap.put.max_iov = 8;

	attr->cap.get.max_bcopy = get_max;
	attr->cap.get.min_zcopy = 0;
	attr->cap.get.max_zcopy = UM_GET_MAX;
	attr->cap.get.opt_zcopy_align = 1;
	attr->cap.get.align_mtu = 1;
	attr->cap.get.max_iov = 1;

	/* A store across the bridge plus the peer's poll; the copy rate of
	 * one core. Both well ahead of TCP so UCP picks this transport
	 * between hosts of a rack. */
	attr->latency = ucs_linear_func_make(600e-9, 0);
	attr->bandwidth.dedicated = 8000.0 * UCS_MBYTE;
	attr->bandwidth.shared = 0;
	attr->overhead = 50e-9;
	attr->priority = 0;
	return UCS_OK;
}

static ucs_status_t
uct_marlin_iface_get_device_address(uct_iface_h tl_iface,
				    uct_device_addr_t *addr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);

	memcpy(addr, &iface->host.fabric_id, sizeof(uint64_t));
	return UCS_OK;
}

static ucs_status_t
uct_marlin_iface_get_address(uct_iface_h tl_iface, uct_iface_addr_t *addr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);

	memcpy(addr, &iface->host.port, sizeof(uint16_t));
	return UCS_OK;
}

/* Same fabric, a peer of ours, and the link to it up (waiting a little for
 * a peer that is still starting). */
static int
uct_marlin_iface_is_reachable(const uct_iface_h tl_iface,
			      const uct_device_addr_t *dev_addr,
			      const uct_iface_addr_t *iface_addr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	ucs_time_t deadline;
	uint64_t fabric;
	uint16_t port;

	if (dev_addr == NULL || iface_addr == NULL)
		return 0;
	memcpy(&fabric, dev_addr, sizeof(fabric));
	memcpy(&port, iface_addr, sizeof(port));
	if (fabric != iface->host.fabric_id || port >= UM_MAX_HOSTS ||
			iface->state[port] < 0)
		return 0;
	deadline = ucs_get_time() + iface->connect_timeout;
	while (iface->state[port] == UM_PEER_DOWN && ucs_get_time() < deadline) {
		um_channels_follow(iface, ucs_get_time());
		if (iface->state[port] == UM_PEER_DOWN)
			sched_yield();
	}
	if (iface->state[port] == UM_PEER_UP ||
			iface->state[port] == UM_PEER_NEGOTIATING)
		return 1;
	ucs_warn("marlin: host %u unreachable from host %u: link %s (%s)", port,
		 iface->host.port,
		 iface->state[port] == UM_PEER_DOWN ? "down" : "in error",
		 um_peer_error(port) != NULL ? um_peer_error(port) : "no detail");
	return 0;
}

static ucs_status_t
uct_marlin_ep_fence(uct_ep_h tl_ep, unsigned flags)
{
	/* One in-order ring per peer: nothing overtakes. */
	(void)tl_ep;
	(void)flags;
	return UCS_OK;
}

static UCS_CLASS_INIT_FUNC(uct_marlin_iface_t, uct_md_h md, uct_worker_h worker,
			   const uct_iface_params_t *params,
			   const uct_iface_config_t *tl_config)
{
	uct_marlin_iface_config_t *config =
		ucs_derived_of(tl_config, uct_marlin_iface_config_t);
	ucs_time_t now;
	unsigned port;
	int rc;

	UCS_CLASS_CALL_SUPER_INIT(uct_base_iface_t, &uct_marlin_iface_ops,
				  &uct_base_iface_internal_ops, md, worker,
				  params, tl_config
				  UCS_STATS_ARG((params->field_mask &
						 UCT_IFACE_PARAM_FIELD_STATS_ROOT) ?
						params->stats_root : NULL)
				  UCS_STATS_ARG(UCT_MARLIN_NAME));

	if (ucs_derived_of(worker, uct_priv_worker_t)->thread_mode ==
			UCS_THREAD_MODE_MULTI) {
		ucs_error("marlin: a multi-threaded UCX worker is not supported");
		return UCS_ERR_UNSUPPORTED;
	}
	if (config->seg_size < 64 || config->seg_size > 65536 ||
			!ucs_is_pow2(config->seg_size)) {
		ucs_error("marlin: UCX_MARLIN_SEG_SIZE=%zu: a power of two from 64 to 64k",
			  config->seg_size);
		return UCS_ERR_INVALID_PARAM;
	}
	if (config->depth < 64 || config->depth > 4096 ||
			!ucs_is_pow2(config->depth)) {
		ucs_error("marlin: UCX_MARLIN_DEPTH=%u: a power of two from 64 to 4096",
			  config->depth);
		return UCS_ERR_INVALID_PARAM;
	}
	if (um_host_get(&self->host) != 0)
		return UCS_ERR_NO_DEVICE;
	self->seg_size = (uint32_t)config->seg_size;
	self->connect_timeout = ucs_time_from_sec(config->connect_timeout);
	self->poll_interval = ucs_time_from_sec(config->poll_interval);
	self->tx_buf = ucs_malloc(self->seg_size, "marlin tx");
	if (self->tx_buf == NULL)
		return UCS_ERR_NO_MEMORY;
	rc = um_channels_open(self->seg_size, (uint16_t)config->depth);
	if (rc != 0) {
		ucs_free(self->tx_buf);
		return UCS_ERR_IO_ERROR;
	}
	memset(self->eps, 0, sizeof(self->eps));
	self->nb_eps = self->nb_pending = 0;
	self->job_head = self->job_tail = 0;
	self->refused = self->tx_msgs = self->rx_msgs = 0;
	/* Not 0: replies meant for an earlier interface of this process
	 * (the channels outlive it) must not match. */
	self->ep_gen = (uint32_t)ucs_get_time();
	self->event_fd = -1;
	self->last_rx = 0;
	now = ucs_get_time();
	self->next_poll = now;
	um_channels_poll(self->state);
	self->nb_ports = 0;
	for (port = 0; port < UM_MAX_HOSTS; port++)
		if (self->state[port] >= 0)
			self->ports[self->nb_ports++] = (uint16_t)port;
	ucs_debug("marlin: interface of host %u on fabric %s, %u peers, %u-byte slots",
		  self->host.port, self->host.fabric, self->nb_ports,
		  self->seg_size);
	return UCS_OK;
}

static UCS_CLASS_CLEANUP_FUNC(uct_marlin_iface_t)
{
	uct_base_iface_progress_disable(&self->super.super,
					UCT_PROGRESS_SEND | UCT_PROGRESS_RECV);
	if (self->refused > 0)
		ucs_diag("marlin: refused %" PRIu64 " messages from peers",
			 self->refused);
	/* One line for tests and users who want to see that traffic went
	 * over Marlin. */
	if (getenv("MARLIN_UCX_STATS") != NULL)
		fprintf(stderr, "[marlin ucx] host %u: %" PRIu64 " messages sent, %" PRIu64 " received, %" PRIu64 " refused\n",
			self->host.port, self->tx_msgs, self->rx_msgs,
			self->refused);
	um_channels_close();
	if (self->event_fd >= 0)
		close(self->event_fd);
	ucs_free(self->tx_buf);
}

UCS_CLASS_DEFINE(uct_marlin_iface_t, uct_base_iface_t);
static UCS_CLASS_DEFINE_NEW_FUNC(uct_marlin_iface_t, uct_iface_t, uct_md_h,
				 uct_worker_h, const uct_iface_params_t *,
				 const uct_iface_config_t *);
static UCS_CLASS_DEFINE_DELETE_FUNC(uct_marlin_iface_t, uct_iface_t);

static uct_iface_ops_t uct_marlin_iface_ops = {
	.ep_am_short = uct_marlin_ep_am_short,
	.ep_am_short_iov = uct_marlin_ep_am_short_iov,
	.ep_am_bcopy = uct_marlin_ep_am_bcopy,
	.ep_put_short = uct_marlin_ep_put_short,
	.ep_put_bcopy = uct_marlin_ep_put_bcopy,
	.ep_put_zcopy = uct_marlin_ep_put_zcopy,
	.ep_get_bcopy = uct_marlin_ep_get_bcopy,
	.ep_get_zcopy = uct_marlin_ep_get_zcopy,
	.ep_pending_add = uct_marlin_ep_pending_add,
	.ep_pending_purge = uct_marlin_ep_pending_purge,
	.ep_flush = uct_marlin_ep_flush,
	.ep_fence = uct_marlin_ep_fence,
	.ep_check = (uct_ep_check_func_t)ucs_empty_function_return_unsupported,
	.ep_create = UCS_CLASS_NEW_FUNC_NAME(uct_marlin_ep_t),
	.ep_destroy = UCS_CLASS_DELETE_FUNC_NAME(uct_marlin_ep_t),
	.iface_flush = uct_marlin_iface_flush,
	.iface_fence = (uct_iface_fence_func_t)ucs_empty_function_return_success,
	.iface_progress_enable = uct_base_iface_progress_enable,
	.iface_progress_disable = uct_base_iface_progress_disable,
	.iface_progress = uct_marlin_iface_progress,
	.iface_event_fd_get = uct_marlin_iface_event_fd_get,
	.iface_event_arm = uct_marlin_iface_event_arm,
	.iface_close = UCS_CLASS_DELETE_FUNC_NAME(uct_marlin_iface_t),
	.iface_query = uct_marlin_iface_query,
	.iface_get_device_address = uct_marlin_iface_get_device_address,
	.iface_get_address = uct_marlin_iface_get_address,
	.iface_is_reachable = uct_marlin_iface_is_reachable,
};

static ucs_status_t
uct_marlin_query_devices(uct_md_h md, uct_tl_device_resource_t **devices_p,
			 unsigned *num_devices_p)
{
	struct um_host_info info;

	if (um_host_get(&info) != 0) {
		*devices_p = NULL;
		*num_devices_p = 0;
		return UCS_OK;
	}
	return uct_single_device_resource(md, info.device, UCT_DEVICE_TYPE_NET,
					  UCS_SYS_DEVICE_ID_UNKNOWN, devices_p,
					  num_devices_p);
}

UCT_TL_DEFINE_ENTRY(&uct_marlin_component, marlin, uct_marlin_query_devices,
		    uct_marlin_iface_t, "MARLIN_", uct_marlin_iface_config_table,
		    uct_marlin_iface_config_t);
