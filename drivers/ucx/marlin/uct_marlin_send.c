/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* Marlin UCX transport, sending: active messages, puts, gets, flush and
 * pending requests (uct_marlin_iface.c has the model). */

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

/* ---- sending ------------------------------------------------------------ */

static UCS_F_ALWAYS_INLINE uct_marlin_iface_t *
um_iface(uct_ep_h tl_ep)
{
	return ucs_derived_of(tl_ep->iface, uct_marlin_iface_t);
}

/* Whether the HRDMA operations before the last fence are done. */
static int
um_fence_done(uct_marlin_ep_t *ep)
{
	if ((int32_t)(ep->put_acked - ep->fence_put) >= 0 &&
			ep->get_done >= ep->fence_get) {
		ep->fence_wait = 1;
		return 1;
	}
	/* Ask for the acknowledgement the fence waits for. */
	if (ep->flush_asked != ep->put_seq &&
			um_send(ep->port, NULL, 0,
				UM_IMM(UM_FLUSH_REQ, 0, ep->id, ep->put_seq)) == 0)
		ep->flush_asked = ep->put_seq;
	return 0;
}

/* 0 -> OK; back-pressure or link not (yet) up -> NO_RESOURCE. */
static UCS_F_ALWAYS_INLINE ucs_status_t
um_ep_send(uct_marlin_ep_t *ep, const void *buf, uint32_t len, uint64_t imm)
{
	int rc;

	if (ucs_unlikely(ep->failed))
		return UCS_ERR_ENDPOINT_TIMEOUT;
	/* Requests queued earlier, and a put still going out, go first. */
	if (ucs_unlikely(!ucs_queue_is_empty(&ep->pending) || ep->putz.busy))
		return UCS_ERR_NO_RESOURCE;
	rc = um_send(ep->port, buf, len, imm);
	if (ucs_likely(rc == 0)) {
		ucs_derived_of(ep->super.super.iface, uct_marlin_iface_t)->tx_msgs++;
		return UCS_OK;
	}
	return UCS_ERR_NO_RESOURCE;
}

/* The peer's next ring slot for a message built in place, or NULL (the
 * endpoint failed, requests wait before it, the ring is full). */
static UCS_F_ALWAYS_INLINE uint8_t *
um_ep_reserve(uct_marlin_ep_t *ep)
{
	uint32_t room;

	if (ucs_unlikely(ep->failed || !ucs_queue_is_empty(&ep->pending) ||
			 ep->putz.busy))
		return NULL;
	return um_send_reserve(ep->port, &room);
}

static UCS_F_ALWAYS_INLINE ucs_status_t
um_ep_commit(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface, uint32_t len,
	     uint64_t imm)
{
	if (ucs_unlikely(um_send_commit(ep->port, len, imm) != 0))
		return UCS_ERR_INVALID_PARAM;
	iface->tx_msgs++;
	return UCS_OK;
}

ucs_status_t
uct_marlin_ep_am_short(uct_ep_h tl_ep, uint8_t id, uint64_t header,
		       const void *payload, unsigned length)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	uint8_t *p;

	UCT_CHECK_AM_ID(id);
	UCT_CHECK_LENGTH(length + sizeof(header), 0, iface->seg_size, "am_short");
	/* One that rides in the descriptor line goes by the inline path. */
	if (length + sizeof(header) > UM_INLINE_MAX) {
		p = um_ep_reserve(ep);
		if (p == NULL)
			return ep->failed ? UCS_ERR_ENDPOINT_TIMEOUT :
			       UCS_ERR_NO_RESOURCE;
		memcpy(p, &header, sizeof(header));
		memcpy(p + sizeof(header), payload, length);
		return um_ep_commit(ep, iface, length + sizeof(header),
				    UM_IMM(UM_AM, id, 0, 0));
	}
	/* UCP passes a NULL payload with length 0. */
	memcpy(iface->tx_buf, &header, sizeof(header));
	if (length > 0)
		memcpy((uint8_t *)iface->tx_buf + sizeof(header), payload, length);
	return um_ep_send(ep, iface->tx_buf, length + sizeof(header),
			  UM_IMM(UM_AM, id, 0, 0));
}

ucs_status_t
uct_marlin_ep_am_short_iov(uct_ep_h tl_ep, uint8_t id, const uct_iov_t *iov,
			   size_t iovcnt)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_iov_iter_t it;
	size_t len;
	uint8_t *p;

	UCT_CHECK_AM_ID(id);
	len = uct_iov_total_length(iov, iovcnt);
	UCT_CHECK_LENGTH(len, 0, iface->seg_size, "am_short_iov");
	ucs_iov_iter_init(&it);
	if (len > UM_INLINE_MAX) {
		p = um_ep_reserve(ep);
		if (p == NULL)
			return ep->failed ? UCS_ERR_ENDPOINT_TIMEOUT :
			       UCS_ERR_NO_RESOURCE;
		len = uct_iov_to_buffer(iov, iovcnt, &it, p, iface->seg_size);
		return um_ep_commit(ep, iface, (uint32_t)len,
				    UM_IMM(UM_AM, id, 0, 0));
	}
	len = uct_iov_to_buffer(iov, iovcnt, &it, iface->tx_buf, iface->seg_size);
	return um_ep_send(ep, iface->tx_buf, (uint32_t)len,
			  UM_IMM(UM_AM, id, 0, 0));
}

ssize_t
uct_marlin_ep_am_bcopy(uct_ep_h tl_ep, uint8_t id, uct_pack_callback_t pack_cb,
		       void *arg, unsigned flags)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	size_t len;
	uint8_t *p;

	(void)flags;
	UCT_CHECK_AM_ID(id);
	if (ucs_unlikely(iface->state[ep->port] != UM_PEER_UP))
		return ep->failed ? UCS_ERR_ENDPOINT_TIMEOUT :
		       UCS_ERR_NO_RESOURCE;
	/* Packed straight into the peer's ring. */
	p = um_ep_reserve(ep);
	if (p == NULL)
		return ep->failed ? UCS_ERR_ENDPOINT_TIMEOUT : UCS_ERR_NO_RESOURCE;
	len = pack_cb(p, arg);
	if (ucs_unlikely(len > iface->seg_size)) {
		um_send_abort(ep->port);
		ucs_error("marlin: am_bcopy packed %zu bytes, more than the %u of a segment",
			  len, iface->seg_size);
		return UCS_ERR_INVALID_PARAM;
	}
	st = um_ep_commit(ep, iface, (uint32_t)len, UM_IMM(UM_AM, id, 0, 0));
	return st == UCS_OK ? (ssize_t)len : st;
}

/* ---- direct access to the peer's heap ------------------------------- */

/* Map a heap key at its first use (the endpoint names the peer). */
static UCS_F_NOINLINE void
um_rkey_resolve(uct_marlin_ep_t *ep, uct_marlin_rkey_t *rk)
{
	void *p;
	int rc;

	rc = um_heap_map(ep->port, rk->w.heap_off, rk->w.len, rk->w.secret, &p);
	if (rc == 0) {
		rk->direct = p;
		rk->path = UM_RK_DIRECT;
		rk->gen = um_heap_peer_gen[ep->port];
	} else if (rc == -EACCES) {
		ucs_error("marlin: remote key of host %u (%" PRIu64 " bytes at heap offset %" PRIu64 ") refused: the owner freed that memory or never gave it out; unpack a fresh key",
			  ep->port, rk->w.len, rk->w.heap_off);
		rk->path = UM_RK_REFUSED;
	} else {
		/* Not mapped (yet): again at the next use. */
		rk->path = rc == -EAGAIN ? UM_RK_UNKNOWN : UM_RK_HRDMA;
	}
}

/*
 * Where [remote_addr, +len) of @p rkey is in the window, or NULL when the
 * operation goes by HRDMA messages; *st says whether it may go at all.
 * Every check is on the private copy of the key.
 */
static UCS_F_ALWAYS_INLINE uint8_t *
um_direct(uct_marlin_ep_t *ep, uct_rkey_t rkey, uint64_t remote_addr,
	  size_t len, ucs_status_t *st)
{
	uct_marlin_rkey_t *rk = (uct_marlin_rkey_t *)rkey;

	*st = UCS_OK;
	if (ucs_unlikely(rk->w.owner != ep->port)) {
		ucs_error("marlin: remote key of host %u used on an endpoint to host %u: refused",
			  rk->w.owner, ep->port);
		*st = UCS_ERR_INVALID_PARAM;
		return NULL;
	}
	/* Unchecked yet, or the owner freed heap memory since. */
	if (ucs_unlikely(rk->path == UM_RK_UNKNOWN ||
			 (rk->path == UM_RK_DIRECT &&
			  rk->gen != um_heap_peer_gen[ep->port])))
		um_rkey_resolve(ep, rk);
	if (rk->path == UM_RK_HRDMA || rk->path == UM_RK_UNKNOWN)
		return NULL;
	if (ucs_unlikely(rk->path == UM_RK_REFUSED || remote_addr < rk->w.base ||
			 len > rk->w.len ||
			 remote_addr - rk->w.base > rk->w.len - len)) {
		*st = UCS_ERR_INVALID_PARAM;
		return NULL;
	}
	if (ucs_unlikely(ep->failed)) {
		*st = UCS_ERR_ENDPOINT_TIMEOUT;
		return NULL;
	}
	/* Queued requests go first; a fence holds until the HRDMA operations
	 * before it are done; stores while the link is down would be lost. */
	if (ucs_unlikely(!ucs_queue_is_empty(&ep->pending) || ep->putz.busy ||
			 um_iface(&ep->super.super)->state[ep->port] != UM_PEER_UP ||
			 (ep->fence_wait && !um_fence_done(ep)))) {
		*st = UCS_ERR_NO_RESOURCE;
		return NULL;
	}
	ep->direct_ops++;
	return rk->direct + (remote_addr - rk->w.base);
}

/* A store into the window: what a flush must make visible. */
static UCS_F_ALWAYS_INLINE void
um_direct_put(uct_marlin_ep_t *ep, uint8_t *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	if (len > 0)
		ep->last_store = dst + len - 1;
}

/* The header of a put of @p len bytes at @p remote_addr under @p rkey. */
static UCS_F_ALWAYS_INLINE void
um_put_hdr_fill(struct um_put_hdr *h, uct_rkey_t rkey, size_t len,
		uint64_t remote_addr)
{
	const uct_marlin_rkey_t *rk = (const uct_marlin_rkey_t *)rkey;

	h->idx = rk->w.idx;
	h->len = (uint32_t)len;
	h->secret = rk->w.secret;
	h->addr = remote_addr;
}

/* A put of @p len bytes already packed after the header in tx_buf. */
static ucs_status_t
um_put_send(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface, size_t len,
	    uint64_t remote_addr, uct_rkey_t rkey)
{
	struct um_put_hdr *h = iface->tx_buf;
	ucs_status_t st;

	um_put_hdr_fill(h, rkey, len, remote_addr);
	st = um_ep_send(ep, h, (uint32_t)(sizeof(*h) + len),
			UM_IMM(UM_PUT, 0, ep->id, 0));
	if (st == UCS_OK)
		ep->put_seq++;
	return st;
}

/* A put of @p len bytes from @p src, built in the peer's ring slot. */
static ucs_status_t
um_put_inplace(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface,
	       const void *src, size_t len, uint64_t remote_addr,
	       uct_rkey_t rkey)
{
	struct um_put_hdr h;
	ucs_status_t st;
	uint8_t *p;

	p = um_ep_reserve(ep);
	if (p == NULL)
		return ep->failed ? UCS_ERR_ENDPOINT_TIMEOUT : UCS_ERR_NO_RESOURCE;
	um_put_hdr_fill(&h, rkey, len, remote_addr);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), src, len);
	st = um_ep_commit(ep, iface, (uint32_t)(sizeof(h) + len),
			  UM_IMM(UM_PUT, 0, ep->id, 0));
	if (st == UCS_OK)
		ep->put_seq++;
	return st;
}

/* Whether a put in pieces may start now on @p ep. */
static ucs_status_t
um_putz_ready(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface)
{
	if (ucs_unlikely(ep->failed))
		return UCS_ERR_ENDPOINT_TIMEOUT;
	if (!ucs_queue_is_empty(&ep->pending) || ep->putz.busy ||
	    iface->state[ep->port] != UM_PEER_UP)
		return UCS_ERR_NO_RESOURCE;
	return UCS_OK;
}

/* Start sending [@p iov, @p iovcnt) (@p len bytes) in pieces as the ring
 * takes them: UCS_OK when all went at once, else UCS_INPROGRESS and
 * @p comp (may be NULL) is completed when the last piece is sent. */
static ucs_status_t
um_putz_start(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface,
	      const uct_iov_t *iov, size_t iovcnt, size_t len,
	      uint64_t remote_addr, uct_rkey_t rkey, uct_completion_t *comp)
{
	const uct_marlin_rkey_t *rk = (const uct_marlin_rkey_t *)rkey;

	memcpy(ep->putz.iov, iov, iovcnt * sizeof(*iov));
	ep->putz.iovcnt = iovcnt;
	ucs_iov_iter_init(&ep->putz.it);
	ep->putz.addr = remote_addr;
	ep->putz.left = len;
	ep->putz.idx = rk->w.idx;
	ep->putz.secret = rk->w.secret;
	ep->putz.comp = NULL;  /* UCS_OK, if all goes now, completes */
	ep->putz.busy = 1;
	um_putz_progress(ep, UCS_OK);
	if (!ep->putz.busy)
		return UCS_OK;
	ep->putz.comp = comp;
	iface->nb_putz++;
	return UCS_INPROGRESS;
}

/*
 * A put short larger than one message to memory reached by HRDMA: the
 * data is copied to the endpoint's staging buffer (the caller may reuse
 * @p buffer at once) and goes out in pieces; a flush waits for the last.
 */
static ucs_status_t
um_put_staged(uct_marlin_ep_t *ep, uct_marlin_iface_t *iface,
	      const void *buffer, size_t length, uint64_t remote_addr,
	      uct_rkey_t rkey)
{
	uct_iov_t iov = { .count = 1, .length = length };
	ucs_status_t st;
	uint8_t *p;

	st = um_putz_ready(ep, iface);
	if (st != UCS_OK)
		return st;
	if (ep->putz.stage_size < length) {
		p = realloc(ep->putz.stage, UM_PUT_SHORT_MAX);
		if (p == NULL) {
			ucs_error("marlin: no memory to stage a %zu-byte put to host %u",
				  length, ep->port);
			return UCS_ERR_NO_MEMORY;
		}
		ep->putz.stage = p;
		ep->putz.stage_size = UM_PUT_SHORT_MAX;
	}
	memcpy(ep->putz.stage, buffer, length);
	iov.buffer = ep->putz.stage;
	st = um_putz_start(ep, iface, &iov, 1, length, remote_addr, rkey, NULL);
	return st == UCS_INPROGRESS ? UCS_OK : st;
}

ucs_status_t
uct_marlin_ep_put_short(uct_ep_h tl_ep, const void *buffer, unsigned length,
			uint64_t remote_addr, uct_rkey_t rkey)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	uint8_t *dst;

	UCT_CHECK_LENGTH(length, 0, UM_PUT_SHORT_MAX, "put_short");
	dst = um_direct(ep, rkey, remote_addr, length, &st);
	if (dst != NULL) {
		um_direct_put(ep, dst, buffer, length);
		return UCS_OK;
	}
	if (st != UCS_OK)
		return st;
	if (length > um_put_max(iface))
		return um_put_staged(ep, iface, buffer, length, remote_addr,
				     rkey);
	/* Longer than a descriptor line: straight into the peer's ring. */
	if (sizeof(struct um_put_hdr) + length > UM_INLINE_MAX)
		return um_put_inplace(ep, iface, buffer, length, remote_addr,
				      rkey);
	memcpy((uint8_t *)iface->tx_buf + sizeof(struct um_put_hdr), buffer,
	       length);
	return um_put_send(ucs_derived_of(tl_ep, uct_marlin_ep_t), iface,
			   length, remote_addr, rkey);
}

ssize_t
uct_marlin_ep_put_bcopy(uct_ep_h tl_ep, uct_pack_callback_t pack_cb, void *arg,
			uint64_t remote_addr, uct_rkey_t rkey)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	size_t len;

	uint8_t *dst;

	/* Packed straight into the window when the largest piece fits in the
	 * key's range from there; else through the bounce buffer, checked. */
	dst = um_direct(ep, rkey, remote_addr, um_put_max(iface), &st);
	if (dst != NULL) {
		len = pack_cb(dst, arg);
		if (len > 0)
			ep->last_store = dst + len - 1;
		return (ssize_t)len;
	}
	if (st != UCS_OK && st != UCS_ERR_INVALID_PARAM)
		return st;
	if (ucs_unlikely(ep->failed))
		return UCS_ERR_ENDPOINT_TIMEOUT;
	if (ucs_unlikely(!ucs_queue_is_empty(&ep->pending) ||
			 iface->state[ep->port] != UM_PEER_UP))
		return UCS_ERR_NO_RESOURCE;
	len = pack_cb((uint8_t *)iface->tx_buf + sizeof(struct um_put_hdr), arg);
	UCT_CHECK_LENGTH(len, 0, um_put_max(iface), "put_bcopy");
	dst = um_direct(ep, rkey, remote_addr, len, &st);
	if (dst != NULL) {
		um_direct_put(ep, dst,
			      (uint8_t *)iface->tx_buf + sizeof(struct um_put_hdr),
			      len);
		return (ssize_t)len;
	}
	if (st != UCS_OK)
		return st;
	st = um_put_send(ep, iface, len, remote_addr, rkey);
	return st == UCS_OK ? (ssize_t)len : st;
}

/* The data is in the peer's ring when the post returns: complete at once. */
ucs_status_t
uct_marlin_ep_put_zcopy(uct_ep_h tl_ep, const uct_iov_t *iov, size_t iovcnt,
			uint64_t remote_addr, uct_rkey_t rkey,
			uct_completion_t *comp)
{
	uct_marlin_iface_t *iface = um_iface(tl_ep);
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_iov_iter_t it;
	ucs_status_t st;
	uint8_t *dst, *p;
	size_t len;

	len = uct_iov_total_length(iov, iovcnt);
	UCT_CHECK_LENGTH(len, 0, UM_PUT_ZCOPY_MAX, "put_zcopy");
	UCT_CHECK_PARAM(iovcnt <= UM_MAX_IOV, "put_zcopy: %zu iovs", iovcnt);
	dst = um_direct(ep, rkey, remote_addr, len, &st);
	if (dst != NULL) {
		ucs_iov_iter_init(&it);
		len = uct_iov_to_buffer(iov, iovcnt, &it, dst, len);
		if (len > 0)
			ep->last_store = dst + len - 1;
		return UCS_OK;
	}
	if (st != UCS_OK)
		return st;
	if (len > um_put_max(iface)) {
		st = um_putz_ready(ep, iface);
		if (st != UCS_OK)
			return st;
		return um_putz_start(ep, iface, iov, iovcnt, len, remote_addr,
				     rkey, comp);
	}
	/* One message, gathered straight into the peer's ring slot. */
	p = um_ep_reserve(ep);
	if (p == NULL)
		return ep->failed ? UCS_ERR_ENDPOINT_TIMEOUT : UCS_ERR_NO_RESOURCE;
	ucs_iov_iter_init(&it);
	len = uct_iov_to_buffer(iov, iovcnt, &it, p + sizeof(struct um_put_hdr),
				um_put_max(iface));
	um_put_hdr_fill((struct um_put_hdr *)p, rkey, len, remote_addr);
	st = um_ep_commit(ep, iface, (uint32_t)(sizeof(struct um_put_hdr) + len),
			  UM_IMM(UM_PUT, 0, ep->id, 0));
	if (st == UCS_OK)
		ep->put_seq++;
	return st;
}

/* Send what the ring takes of the put going out in pieces; complete it
 * when all is sent (or with @p status when the endpoint failed). */
void
um_putz_progress(uct_marlin_ep_t *ep, ucs_status_t status)
{
	uct_marlin_iface_t *iface = um_iface(&ep->super.super);
	struct um_put_hdr *h;
	ucs_iov_iter_t at;
	uint32_t room;
	size_t n;

	while (status == UCS_OK && ep->putz.left > 0) {
		/* Each piece built in the peer's ring slot. */
		h = um_send_reserve(ep->port, &room);
		if (h == NULL)
			return;            /* no room (or link): again later */
		at = ep->putz.it;
		n = uct_iov_to_buffer(ep->putz.iov, ep->putz.iovcnt, &ep->putz.it,
				      h + 1, ucs_min(ep->putz.left,
						     um_put_max(iface)));
		h->idx = ep->putz.idx;
		h->len = (uint32_t)n;
		h->secret = ep->putz.secret;
		h->addr = ep->putz.addr;
		if (um_send_commit(ep->port, (uint32_t)(sizeof(*h) + n),
				   UM_IMM(UM_PUT, 0, ep->id, 0)) != 0) {
			ep->putz.it = at;  /* not sent: again later */
			return;
		}
		iface->tx_msgs++;
		ep->put_seq++;
		ep->putz.addr += n;
		ep->putz.left -= n;
	}
	ep->putz.busy = 0;
	if (ep->putz.comp != NULL)
		uct_invoke_completion(ep->putz.comp, status);
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

ucs_status_t
uct_marlin_ep_get_bcopy(uct_ep_h tl_ep, uct_unpack_callback_t unpack_cb,
			void *arg, size_t length, uint64_t remote_addr,
			uct_rkey_t rkey, uct_completion_t *comp)
{
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	uint8_t *src;

	UCT_CHECK_LENGTH(length, 0, um_iface(tl_ep)->seg_size -
			 sizeof(struct um_get_resp), "get_bcopy");
	src = um_direct(ep, rkey, remote_addr, length, &st);
	if (src != NULL) {
		unpack_cb(arg, src, length);
		return UCS_OK;
	}
	if (st != UCS_OK)
		return st;
	return um_get_post(ucs_derived_of(tl_ep, uct_marlin_ep_t),
			   (void *)unpack_cb, arg, length, remote_addr, rkey,
			   comp);
}

ucs_status_t
uct_marlin_ep_get_zcopy(uct_ep_h tl_ep, const uct_iov_t *iov, size_t iovcnt,
			uint64_t remote_addr, uct_rkey_t rkey,
			uct_completion_t *comp)
{
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);
	ucs_status_t st;
	uint8_t *src;
	size_t len;
	size_t i, n;

	len = uct_iov_total_length(iov, iovcnt);
	UCT_CHECK_LENGTH(len, 0, UM_GET_MAX, "get_zcopy");
	src = um_direct(ep, rkey, remote_addr, len, &st);
	if (src != NULL) {
		for (i = 0; i < iovcnt; i++) {
			n = uct_iov_get_length(&iov[i]);
			if (iov[i].count <= 1 || iov[i].stride == iov[i].length) {
				memcpy(iov[i].buffer, src, n);
			} else {
				size_t c;

				for (c = 0; c < iov[i].count; c++)
					memcpy((uint8_t *)iov[i].buffer +
					       c * iov[i].stride,
					       src + c * iov[i].length,
					       iov[i].length);
			}
			src += n;
		}
		return UCS_OK;
	}
	if (st != UCS_OK)
		return st;
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

ucs_status_t
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
	if (!ucs_queue_is_empty(&ep->pending) || ep->putz.busy)
		return UCS_ERR_NO_RESOURCE;
	/* Direct stores: order them, then read the last one back, which on
	 * PCIe returns only once the posted writes before it have landed. */
	if (ep->last_store != NULL) {
		ucs_memory_cpu_store_fence();
		(void)*ep->last_store;
		ep->last_store = NULL;
		/* A program that only puts directly and flushes never waits
		 * for progress: once per poll interval the flush does, so a
		 * lost peer fails the endpoint instead of absorbing stores. */
		if (um_flush_done(ep, ep->put_seq, ep->get_issued) &&
				ucs_get_time() < um_iface(tl_ep)->next_poll)
			return UCS_OK;
	} else if (um_flush_done(ep, ep->put_seq, ep->get_issued)) {
		return UCS_OK;
	}
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

void
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

/*
 * HRDMA messages of a queue pair arrive in order and direct stores go out
 * in program order once fenced, but an HRDMA put is applied by the owner's
 * progress, later: operations after a fence that go directly wait (as
 * NO_RESOURCE, so UCP queues them) until the HRDMA operations before it are
 * done. Direct stores before a fence precede any later HRDMA message.
 */
ucs_status_t
uct_marlin_ep_fence(uct_ep_h tl_ep, unsigned flags)
{
	uct_marlin_ep_t *ep = ucs_derived_of(tl_ep, uct_marlin_ep_t);

	(void)flags;
	ucs_memory_cpu_store_fence();
	if (ep->put_seq != ep->put_acked || ep->get_done != ep->get_issued) {
		ep->fence_wait = 1;
		ep->fence_put = ep->put_seq;
		ep->fence_get = ep->get_issued;
	}
	return UCS_OK;
}

ucs_status_t
uct_marlin_iface_fence(uct_iface_h tl_iface, unsigned flags)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	unsigned i;

	for (i = 0; i < UM_MAX_EPS; i++)
		if (iface->eps[i] != NULL)
			uct_marlin_ep_fence(&iface->eps[i]->super.super, flags);
	return UCS_OK;
}

ucs_status_t
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

ucs_status_t
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

void
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

unsigned
um_pending_dispatch(uct_marlin_iface_t *iface)
{
	uct_pending_req_priv_queue_t *priv;
	unsigned i, done = 0;

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
		/* Counts every request tried; the last one failed if any
		 * are left. */
		uct_pending_queue_dispatch(priv, &q, ++done > 0);
		if (!ucs_queue_is_empty(&q))
			done--;
		ucs_queue_splice(&q, &ep->pending);
		ucs_queue_splice(&ep->pending, &q);
	}
	/* Recount: requests may have been added while dispatching. */
	iface->nb_pending = 0;
	for (i = 0; i < UM_MAX_EPS; i++)
		if (iface->eps[i] != NULL &&
				!ucs_queue_is_empty(&iface->eps[i]->pending))
			iface->nb_pending++;
	return done;
}
