/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * libFuzzer target for what the UCX transport's receive side takes from a
 * peer (drivers/ucx/marlin/uct_marlin_recv.c, included below): messages of
 * every kind with hostile immediates, lengths, registration indexes,
 * secrets, addresses, get slots and offsets, delivered to the real um_rx()
 * and answered by the real reply queue, checked against the real
 * registration table (uct_marlin_reg.c). The HRDMA side (um_send() and the
 * channel calls) and the sending side (flush, pending) are stubs.
 *
 * A shadow model checks every step: a put changes exactly the bytes it
 * names, and only when they lie in a live registration with its secret;
 * anything refused leaves every registered (and deregistered) buffer as it
 * was; get replies go out in order, in pieces of the message size, carry
 * the bytes of a live registration (checked again for every piece) or a
 * refusal; a get response fills only the requester's buffer, in order, and
 * completes its request once; a flush acknowledgement never moves back,
 * past what was sent, or on an endpoint to another host; active messages
 * reach the handler table only with an id inside it. Message payloads, registrations and get buffers are
 * allocated at their exact size, so AddressSanitizer sees any access
 * outside them.
 *
 * Input: 8 setup bytes (message size, registration and get sizes), then
 * records: an op byte (message, deregistration, reply run, ring room, link
 * state) and its bytes. A message record may take the registration index,
 * secret and address from the model (mutated by small amounts) so that the
 * fuzzer reaches the accepting paths despite the random secrets.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/ucx/marlin/uct_marlin_recv.c"

#define NB_REG 4u
#define NB_EP_GETS 4u
#define FIFO_MAX UM_MAX_JOBS
#define PEER_A 1
#define PEER_B 2
#define EP_A 0        /* endpoint id to PEER_A */
#define EP_B 3        /* endpoint id to PEER_B */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct sh_reg {
	uint8_t *buf;      /* the registered memory, exact size */
	uint8_t *shadow;   /* what it must hold */
	uint32_t len;
	uint32_t idx;
	uint64_t secret;
	int live;
};

struct sh_get {
	uint8_t *buf;      /* zcopy destination or bcopy copy, exact size */
	uint8_t *shadow;
	uint32_t len;
	uint32_t got;
	int busy;
	int bcopy;
	int completions;   /* calls of its completion */
	int want;          /* calls the model expects */
	ucs_status_t status;
	ucs_status_t want_status;
	uct_completion_t comp;
};

/* A reply the model expects, in order. */
struct sh_reply {
	uint8_t ack;       /* UM_FLUSH_ACK / UM_REVOKE_ACK, 0: a get reply */
	uint16_t port;
	uint16_t ep_id;
	uint32_t seq;      /* ack: sequence; get: requester's generation */
	uint32_t req;
	int ok;            /* get accepted at request time */
	unsigned k;        /* get: registration */
	uint64_t off;      /* get: offset in it */
	uint32_t len;
	uint32_t sent;
};

static struct {
	uct_marlin_iface_t *iface;
	struct sh_reg reg[NB_REG];
	struct sh_get get[2][NB_EP_GETS];
	struct sh_reply fifo[FIFO_MAX];
	unsigned head, count;
	unsigned room;          /* sends um_send() takes before -ENOSPC */
	uint32_t seg;
	const struct um_msg *am_msg;
	int am_calls;
	uint32_t acked[UM_MAX_HOSTS];
	int acked_calls, revoked_calls;
} fz;

/* ---- stubs of the host and sending sides ---------------------------- */

void
um_flush_progress(uct_marlin_ep_t *ep, ucs_status_t status)
{
	(void)ep;
	(void)status;
}

void
um_putz_progress(uct_marlin_ep_t *ep, ucs_status_t status)
{
	(void)ep;
	(void)status;
}

unsigned
um_pending_dispatch(uct_marlin_iface_t *iface)
{
	(void)iface;
	return 0;
}

void
um_channels_poll(int8_t state[UM_MAX_HOSTS])
{
	memcpy(state, fz.iface->state, UM_MAX_HOSTS);
}

int
um_recv(int port, struct um_msg *m, unsigned int n)
{
	(void)port;
	(void)m;
	(void)n;
	return 0;
}

void
um_recv_release(int port, unsigned int n)
{
	(void)port;
	(void)n;
}

uint32_t
um_heap_epoch(void)
{
	return 0;
}

void
um_heap_acked(int port, uint32_t epoch)
{
	CHECK(port == PEER_A || port == PEER_B);
	fz.acked[port] = epoch;
	fz.acked_calls++;
}

void
um_heap_peer_revoked(int port, int relinked)
{
	CHECK((port == PEER_A || port == PEER_B) && relinked == 0);
	fz.revoked_calls++;
}

/* Whether [base+off, +len) lies in registration k now (model's view). */
static int
sh_in_reg(unsigned k, uint64_t addr, uint64_t len)
{
	const struct sh_reg *r = &fz.reg[k];
	unsigned __int128 a = addr, b = (uintptr_t)r->buf;

	return r->live && len <= r->len && a >= b && a + len <= b + r->len;
}

/* Drop replies to ports that went down: the queue skips them. */
static void
sh_skip_down(void)
{
	while (fz.count > 0 &&
	       fz.iface->state[fz.fifo[fz.head].port] != UM_PEER_UP) {
		fz.head = (fz.head + 1) % FIFO_MAX;
		fz.count--;
	}
}

/* After a run of the reply queue: the same replies wait as in the model
 * (a run that sent nothing may have skipped replies to ports down). */
static void
sh_sync(void)
{
	if (fz.iface->job_head == fz.iface->job_tail)
		sh_skip_down();
	CHECK(fz.count == fz.iface->job_tail - fz.iface->job_head);
}

/* Every reply must be the next one the model expects. */
int
um_send(int port, const void *buf, uint32_t len, uint64_t imm)
{
	const struct um_get_resp *r = buf;
	struct sh_reply *e;
	uint32_t piece;

	CHECK(len <= fz.seg);
	/* The queue skipped replies to ports that are down. */
	sh_skip_down();
	CHECK(fz.count > 0);
	if (fz.room == 0)
		return -ENOSPC;
	fz.room--;
	e = &fz.fifo[fz.head];
	CHECK(port == e->port && UM_IMM_EP(imm) == e->ep_id);
	if (e->ack != 0) {
		CHECK(buf == NULL && len == 0);
		CHECK(imm == UM_IMM(e->ack, 0, e->ep_id, e->seq));
	} else {
		CHECK(UM_IMM_KIND(imm) == UM_GET_RESP &&
		      UM_IMM_SEQ(imm) == e->seq && len >= sizeof(*r));
		CHECK(r->req == e->req && r->offset == e->sent);
		piece = (uint32_t)(len - sizeof(*r));
		if (e->ok && sh_in_reg(e->k, (uintptr_t)fz.reg[e->k].buf + e->off +
				       e->sent, ucs_min(fz.seg - sizeof(*r),
							(size_t)(e->len - e->sent)))) {
			/* Served: the next piece, from live memory. */
			CHECK(r->status == 0);
			CHECK(piece == ucs_min(fz.seg - sizeof(*r),
					       (size_t)(e->len - e->sent)));
			CHECK(memcmp(r + 1, fz.reg[e->k].shadow + e->off + e->sent,
				     piece) == 0);
			e->sent += piece;
			if (e->sent < e->len)
				return 0;
		} else {
			CHECK(r->status != 0 && piece == 0);
		}
	}
	fz.head = (fz.head + 1) % FIFO_MAX;
	fz.count--;
	return 0;
}

/* Replies built in place: the "slot" is the harness's, checked at commit
 * like a copy handed to um_send(). */
static uint8_t slot[4096];
static int slot_port = -1;

void *
um_send_reserve(int port, uint32_t *room)
{
	CHECK(slot_port < 0 && fz.seg <= sizeof(slot));
	/* As um_send(): the queue skipped replies to ports that are down. */
	sh_skip_down();
	CHECK(fz.count > 0);
	if (fz.room == 0)
		return NULL;
	slot_port = port;
	*room = fz.seg;
	memset(slot, 0xa5, fz.seg);
	return slot;
}

int
um_send_commit(int port, uint32_t len, uint64_t imm)
{
	CHECK(port == slot_port);
	slot_port = -1;
	return um_send(port, slot, len, imm);
}

void
um_send_abort(int port)
{
	CHECK(port == slot_port);
	slot_port = -1;
}

/* ---- the model's expectations of um_rx() ---------------------------- */

static ucs_status_t
am_handler(void *arg, void *data, size_t length, unsigned flags)
{
	(void)arg;
	(void)flags;
	CHECK(fz.am_msg != NULL && data == fz.am_msg->data &&
	      length == fz.am_msg->len);
	fz.am_calls++;
	return UCS_OK;
}

static void
get_done(uct_completion_t *comp)
{
	/* (not ucs_container_of(): UBSan reads its offset trick as a null
	 * access) */
	struct sh_get *g = (struct sh_get *)(void *)
		((uint8_t *)comp - offsetof(struct sh_get, comp));

	g->completions++;
	g->status = comp->status;
}

static void
get_unpack(void *arg, const void *data, size_t length)
{
	struct sh_get *g = arg;

	CHECK(g->bcopy && length == g->len);
	memcpy(g->buf, data, length);
}

static struct sh_reply *
sh_queue(uint16_t port, uint64_t imm)
{
	struct sh_reply *e;

	if (fz.count == FIFO_MAX)
		return NULL;  /* the queue refuses it */
	e = &fz.fifo[(fz.head + fz.count++) % FIFO_MAX];
	memset(e, 0, sizeof(*e));
	e->port = port;
	e->ep_id = UM_IMM_EP(imm);
	e->seq = UM_IMM_SEQ(imm);
	return e;
}

static void
sh_check_memory(void)
{
	unsigned k, e, i;

	for (k = 0; k < NB_REG; k++)
		CHECK(memcmp(fz.reg[k].buf, fz.reg[k].shadow, fz.reg[k].len) == 0);
	for (e = 0; e < 2; e++)
		for (i = 0; i < NB_EP_GETS; i++)
			CHECK(memcmp(fz.get[e][i].buf, fz.get[e][i].shadow,
				     fz.get[e][i].len) == 0);
}

/* What um_rx() must do with @p m from @p port, applied to the model. */
static void
sh_expect(uint16_t port, const struct um_msg *m, int *am)
{
	uint64_t imm = m->imm;
	struct sh_reply *e;

	*am = 0;
	switch (UM_IMM_KIND(imm)) {
	case UM_AM:
		*am = m->data != NULL && UM_IMM_AM_ID(imm) < UCT_AM_ID_MAX;
		return;
	case UM_PUT: {
		struct um_put_hdr h;
		unsigned k;

		if (m->data == NULL || m->len < sizeof(h))
			return;
		memcpy(&h, m->data, sizeof(h));
		if ((uint64_t)h.len + sizeof(h) != m->len)
			return;
		for (k = 0; k < NB_REG; k++)
			if (fz.reg[k].live && fz.reg[k].idx == h.idx &&
			    fz.reg[k].secret == h.secret &&
			    sh_in_reg(k, h.addr, h.len))
				memcpy(fz.reg[k].shadow + (h.addr - (uintptr_t)fz.reg[k].buf),
				       (const uint8_t *)m->data + sizeof(h), h.len);
		return;
	}
	case UM_GET_REQ: {
		struct um_get_req q;
		unsigned k;

		if (m->data == NULL || m->len != sizeof(q))
			return;
		memcpy(&q, m->data, sizeof(q));
		e = sh_queue(port, imm);
		if (e == NULL)
			return;
		e->req = q.req;
		e->len = q.len;
		for (k = 0; k < NB_REG; k++)
			if (fz.reg[k].live && fz.reg[k].idx == q.idx &&
			    fz.reg[k].secret == q.secret && q.len > 0 &&
			    q.len <= UM_GET_MAX && sh_in_reg(k, q.addr, q.len)) {
				e->ok = 1;
				e->k = k;
				e->off = q.addr - (uintptr_t)fz.reg[k].buf;
			}
		return;
	}
	case UM_GET_RESP: {
		struct um_get_resp r;
		struct sh_get *g;
		uct_marlin_ep_t *ep;
		unsigned ei;
		uint32_t dlen;

		if (m->data == NULL || m->len < sizeof(r))
			return;
		ep = UM_IMM_EP(imm) < UM_MAX_EPS ? fz.iface->eps[UM_IMM_EP(imm)] : NULL;
		if (ep == NULL || ep->port != port)
			return;
		ei = ep->id == EP_A ? 0 : 1;
		memcpy(&r, m->data, sizeof(r));
		dlen = m->len - (uint32_t)sizeof(r);
		if (r.req >= NB_EP_GETS || UM_IMM_SEQ(imm) != ep->gen)
			return;
		g = &fz.get[ei][r.req];
		if (!g->busy)
			return;
		if (r.status == 0) {
			if (r.offset != g->got || dlen == 0 || dlen > g->len - g->got ||
			    (g->bcopy && dlen != g->len))
				return;
			memcpy(g->shadow + g->got, (const uint8_t *)m->data + sizeof(r),
			       dlen);
			g->got += dlen;
			if (g->got < g->len)
				return;
		}
		g->busy = 0;
		g->want++;
		g->want_status = r.status == 0 ? UCS_OK : UCS_ERR_INVALID_ADDR;
		return;
	}
	case UM_FLUSH_REQ:
		e = sh_queue(port, imm);
		if (e != NULL)
			e->ack = UM_FLUSH_ACK;
		return;
	case UM_REVOKE:
		e = sh_queue(port, imm);
		if (e != NULL)
			e->ack = UM_REVOKE_ACK;
		return;
	default:
		return;
	}
}

/* ---- setup and the record loop -------------------------------------- */

static uint8_t *
xalloc(size_t len)
{
	uint8_t *p = malloc(len);

	CHECK(p != NULL);
	return p;
}

static uct_marlin_ep_t *
mk_ep(uint16_t id, uint16_t port, uint32_t gen, unsigned ei, const uint8_t *cfg)
{
	uct_marlin_ep_t *ep = calloc(1, sizeof(*ep));
	unsigned i;

	CHECK(ep != NULL);
	ep->id = id;
	ep->port = port;
	ep->gen = gen;
	ep->put_seq = 100;
	ep->put_acked = 90;
	for (i = 0; i < NB_EP_GETS; i++) {
		struct sh_get *g = &fz.get[ei][i];

		g->len = 1 + (uint32_t)cfg[i % 2] * (i + 1) * 3;
		g->buf = xalloc(g->len);
		g->shadow = xalloc(g->len);
		memset(g->buf, 0xee, g->len);
		memset(g->shadow, 0xee, g->len);
		g->busy = 1;
		g->bcopy = i == 3;
		g->comp.func = get_done;
		g->comp.count = 1;
		g->comp.status = UCS_OK;
		ep->gets[i].comp = &g->comp;
		ep->gets[i].len = g->len;
		ep->gets[i].busy = 1;
		ep->gets[i].unpack = g->bcopy ? get_unpack : NULL;
		ep->gets[i].arg = g->bcopy ? (void *)g : (void *)g->buf;
	}
	ep->gets_out = NB_EP_GETS;
	fz.iface->eps[id] = ep;
	return ep;
}

static void
setup(const uint8_t *cfg)
{
	uct_marlin_iface_t *iface = calloc(1, sizeof(*iface));
	unsigned k, i;

	CHECK(iface != NULL);
	memset(&fz, 0, sizeof(fz));
	fz.iface = iface;
	fz.seg = 64u << (cfg[0] % 6);
	iface->seg_size = fz.seg;
	iface->tx_buf = xalloc(fz.seg);
	for (i = 0; i < UM_MAX_HOSTS; i++)
		iface->state[i] = -1;
	iface->state[PEER_A] = UM_PEER_UP;
	iface->state[PEER_B] = UM_PEER_UP;
	for (i = 0; i < UCT_AM_ID_MAX; i++)
		iface->super.am[i].cb = am_handler;
	for (k = 0; k < NB_REG; k++) {
		struct sh_reg *r = &fz.reg[k];

		r->len = 1 + (uint32_t)cfg[1 + k] * (k + 1);
		r->buf = xalloc(r->len);
		r->shadow = xalloc(r->len);
		for (i = 0; i < r->len; i++)
			r->buf[i] = r->shadow[i] = (uint8_t)(i * 7 + k);
		CHECK(um_reg_add(r->buf, r->len, &r->idx, &r->secret) == 0);
		r->live = 1;
	}
	mk_ep(EP_A, PEER_A, 0x1234, 0, cfg + 5);
	mk_ep(EP_B, PEER_B, 0xabcd, 1, cfg + 6);
	fz.room = cfg[7];
}

static void
teardown(void)
{
	unsigned k, e, i;

	for (k = 0; k < NB_REG; k++) {
		if (fz.reg[k].live)
			um_reg_del(fz.reg[k].idx);
		free(fz.reg[k].buf);
		free(fz.reg[k].shadow);
	}
	for (e = 0; e < 2; e++)
		for (i = 0; i < NB_EP_GETS; i++) {
			free(fz.get[e][i].buf);
			free(fz.get[e][i].shadow);
		}
	free(fz.iface->eps[EP_A]);
	free(fz.iface->eps[EP_B]);
	free(fz.iface->tx_buf);
	free(fz.iface);
}

/*
 * Take the registration fields of a put or get header from the model.
 * @p mode: bit 1 raw index, bit 2 flip a bit of the secret (bit 6: which),
 * bit 3 raw address (else the registration's plus the raw field's low 16
 * bits, signed), bits 4-5 the registration.
 */
static void
fill_from_model(uint8_t mode, uint32_t *idx, uint64_t *secret, uint64_t *addr)
{
	const struct sh_reg *r = &fz.reg[(mode >> 4) % NB_REG];

	if (!(mode & 0x02))
		*idx = r->idx;
	*secret = r->secret ^ (mode & 0x04 ? (uint64_t)1 << (mode & 0x40 ? 63 : 0) : 0);
	if (!(mode & 0x08))
		*addr = (uintptr_t)r->buf + (uint64_t)(int64_t)(int16_t)*addr;
}

/*
 * One message from the input; returns the bytes used. Layout: flags (bit 0
 * second peer; bit 1 put length / get response offset off by the raw
 * field's low byte (signed); bit 2 raw
 * generation; bit 3 raw endpoint id), mode (bit 0 no data, bit 7 fields
 * from the model, the rest as fill_from_model() says), immediate (8),
 * length (2), payload.
 */
static size_t
deliver(const uint8_t *p, size_t n)
{
	uint8_t flags, mode, *payload = NULL;
	uint16_t port, want;
	uint64_t imm;
	struct um_msg m;
	uct_marlin_ep_t *fl, *ep;
	uint32_t acked0[2];
	size_t len;
	unsigned e, i;
	int am, before, acks, revokes;

	if (n < 12)
		return n;
	flags = p[0];
	port = flags & 1 ? PEER_B : PEER_A;
	mode = p[1];
	memcpy(&imm, p + 2, sizeof(imm));
	want = (uint16_t)(p[10] | p[11] << 8);
	len = want % (fz.seg + 1u);
	if (len > n - 12)
		len = n - 12;
	if (fz.iface->state[port] != UM_PEER_UP)
		return 12 + len;  /* progress reads only channels that are up */
	if (mode & 0x01) {
		/* A completion without data (not a SEND). */
		m.data = NULL;
		m.len = 0;
	} else {
		payload = xalloc(len == 0 ? 1 : len);
		memcpy(payload, p + 12, len);
		if (mode & 0x80 && UM_IMM_KIND(imm) == UM_PUT &&
		    len >= sizeof(struct um_put_hdr)) {
			struct um_put_hdr h;

			memcpy(&h, payload, sizeof(h));
			fill_from_model(mode, &h.idx, &h.secret, &h.addr);
			/* The length it has, or off by a little. */
			h.len = (uint32_t)(len - sizeof(h)) +
				(flags & 0x02 ? (uint32_t)(int8_t)h.len : 0);
			memcpy(payload, &h, sizeof(h));
		} else if (mode & 0x80 && UM_IMM_KIND(imm) == UM_GET_REQ &&
			   len >= sizeof(struct um_get_req)) {
			struct um_get_req q;

			memcpy(&q, payload, sizeof(q));
			fill_from_model(mode, &q.idx, &q.secret, &q.addr);
			memcpy(payload, &q, sizeof(q));
		} else if (mode & 0x80 && UM_IMM_KIND(imm) == UM_GET_RESP &&
			   len >= sizeof(struct um_get_resp)) {
			/* Aim at a live request of an endpoint (this port's,
			 * or the one the immediate names). */
			struct um_get_resp r;
			uint16_t id = flags & 0x08 ? UM_IMM_EP(imm) :
				port == PEER_A ? EP_A : EP_B;

			ep = id < UM_MAX_EPS ? fz.iface->eps[id] : NULL;
			memcpy(&r, payload, sizeof(r));
			r.req %= NB_EP_GETS;
			if (ep != NULL)
				r.offset = fz.get[ep->id == EP_A ? 0 : 1][r.req].got +
					(flags & 0x02 ? (uint32_t)(int8_t)r.offset : 0);
			memcpy(payload, &r, sizeof(r));
			imm = UM_IMM(UM_GET_RESP, 0, id, flags & 0x04 || ep == NULL ?
				     UM_IMM_SEQ(imm) : ep->gen);
		}
		m.data = payload;
		m.len = (uint32_t)len;
	}
	m.imm = imm;
	fl = fz.iface->eps[port == PEER_A ? EP_A : EP_B];
	acked0[0] = fz.iface->eps[EP_A]->put_acked;
	acked0[1] = fz.iface->eps[EP_B]->put_acked;
	acks = fz.acked_calls;
	revokes = fz.revoked_calls;
	sh_expect(port, &m, &am);
	before = fz.am_calls;
	fz.am_msg = &m;
	um_rx(fz.iface, port, &m);
	fz.am_msg = NULL;
	CHECK(fz.am_calls == before + am);
	CHECK(fz.acked_calls == acks + (UM_IMM_KIND(imm) == UM_REVOKE_ACK));
	CHECK(fz.revoked_calls == revokes + (UM_IMM_KIND(imm) == UM_REVOKE));
	/* Completions: exactly those the model ended, once, with why. */
	for (e = 0; e < 2; e++)
		for (i = 0; i < NB_EP_GETS; i++) {
			struct sh_get *g = &fz.get[e][i];

			CHECK(g->completions == g->want && g->want <= 1);
			CHECK(g->want == 0 || g->status == g->want_status);
			CHECK(fz.iface->eps[e == 0 ? EP_A : EP_B]->gets[i].busy ==
			      g->busy);
		}
	/* An acknowledgement never goes back nor past what was sent, and
	 * moves only the endpoint to the port it came from. */
	for (e = 0; e < 2; e++) {
		ep = fz.iface->eps[e == 0 ? EP_A : EP_B];
		CHECK((int32_t)(ep->put_seq - ep->put_acked) >= 0 &&
		      (int32_t)(ep->put_acked - acked0[e]) >= 0);
		CHECK(ep == fl || ep->put_acked == acked0[e]);
	}
	sh_sync();
	free(payload);
	sh_check_memory();
	return 12 + len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 8;
	uint8_t op;

	/* Refusals are logged once per interface: not on every input. */
	ucs_global_opts.log_component.log_level = UCS_LOG_LEVEL_ERROR;

	if (size < 8)
		return 0;
	setup(data);
	while (at < size) {
		op = data[at++];
		switch (op & 7) {
		case 0:
			at += deliver(data + at, size - at);
			break;
		case 1: {
			/* The owner deregisters memory (a get may be going out). */
			struct sh_reg *r = &fz.reg[(op >> 3) % NB_REG];

			if (r->live)
				um_reg_del(r->idx);
			r->live = 0;
			break;
		}
		case 2:
			fz.room = op >> 3;
			um_job_run(fz.iface);
			sh_sync();
			break;
		case 3:
			fz.room = op >> 3;
			break;
		default:
			/* A link goes down or comes back. */
			fz.iface->state[op & 0x20 ? PEER_B : PEER_A] =
				op & 0x40 ? UM_PEER_DOWN : UM_PEER_UP;
			break;
		}
	}
	/* Everything owed goes out, in order, as the model expects. */
	fz.room = ~0u;
	um_job_run(fz.iface);
	sh_sync();
	CHECK(fz.count == 0);
	teardown();
	return 0;
}
