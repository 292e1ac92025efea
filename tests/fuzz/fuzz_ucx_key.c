/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * libFuzzer target for the UCX transport's remote keys and heap
 * (drivers/ucx/marlin/uct_marlin_heap.c and uct_marlin_send.c, included
 * below, with the NTB calls and the message sends as stubs): a peer hands over key
 * bytes (read by um_rkey_wire_read(), as uct_marlin_rkey_unpack() does) and
 * writes the block headers in its own heap window, which this host reads
 * through its outbound window when it maps a key (um_heap_map()). Both are
 * fuzzed together, and each key is used as the transport uses it: a put
 * short or a get bcopy at an address near the key's base, through the real
 * endpoint code (um_direct()). A key the map accepts must lie inside the
 * peer's window as this host mapped it, behind a header that matched when
 * read; an operation that goes directly changes only the bytes it names,
 * inside the key's range; one that goes by HRDMA names the key's
 * registration for the owner to check; a refused one changes nothing. The
 * window is a buffer of exactly its size, so AddressSanitizer also sees any
 * access a forged key could cause.
 *
 * The owner's side runs too: allocations and frees in this host's heap,
 * acknowledgements of revocations with hostile epochs, links going up and
 * down. A shadow model checks that a block is never handed out while
 * another one in use (or freed but not acknowledged by every peer that was
 * up) overlaps it, that blocks lie inside the heap with a true header, and
 * that an acknowledgement never moves back nor past the epoch sent.
 *
 * Input: 4 setup bytes (peer window size, heap size), the rest fills the
 * peer window (its headers included), and its second half is read as
 * records: an op byte and its bytes (a key: 40 bytes, then a signed 16-bit
 * address delta and a length).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* UCX's offsetof is the null-pointer idiom, which UBSan reports wherever
 * the transport derives its objects: the standard one instead. */
#include <stddef.h>
#include <ucs/sys/compiler_def.h>
#undef ucs_offsetof
#define ucs_offsetof(_type, _member) offsetof(_type, _member)

#include "../../drivers/ucx/marlin/uct_marlin_heap.c"
#include "../../drivers/ucx/marlin/uct_marlin_send.c"

#define PEER 1            /* the peer whose heap keys name */
#define NB_PEERS 3        /* ports 1..3 */
#define MAX_BLK 32
#define SEG_SIZE 4096u    /* message size: puts up to 4072 B in one */
#define KEY_REC 44        /* a key record: key, address delta, length */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct sh_blk {
	uint8_t *addr;     /* NULL: slot unused */
	uint64_t off;      /* of the block (what a key names) */
	size_t len;
	uint32_t idx;
	uint64_t secret;
	uint8_t fill;      /* what the owner wrote into it */
	uint32_t revoked;  /* 0: in use; else the epoch of its free */
	uint64_t need;     /* revoked: ports that must acknowledge */
};

static struct {
	uint8_t *win;          /* the peer's heap window, as mapped here */
	uint8_t *snap;         /* its bytes before an operation */
	size_t win_len;
	uct_marlin_iface_t *iface;
	uct_marlin_ep_t *ep;   /* to PEER */
	uint8_t src[SEG_SIZE]; /* what puts store */
	uint8_t *slot;         /* the peer's ring slot (stub), exact size */
	int reserved;          /* a message is being built in it */
	const struct um_rkey_wire *w;   /* key of the operation going on */
	uint64_t remote;       /* its address */
	uint32_t length;
	unsigned sent;         /* messages it sent */
	uint8_t *own;          /* this host's heap window */
	size_t own_len;
	uint64_t up;           /* ports whose link is up */
	struct sh_blk blk[MAX_BLK];
	uint32_t epoch;
	uint32_t acked[UM_MAX_HOSTS];
} fz;

/* ---- stubs: one host of a fabric of four, its NTB device ------------ */

int
um_host_get(struct um_host_info *info)
{
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	return 0;
}

int
um_host_ntb(void)
{
	return 0;
}

void
um_host_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

int
rte_marlin_ntb_peer_port_count(uint16_t dev_id)
{
	(void)dev_id;
	return NB_PEERS;
}

int
rte_marlin_ntb_peer_port_number(uint16_t dev_id, int pidx)
{
	(void)dev_id;
	return pidx >= 0 && pidx < NB_PEERS ? pidx + 1 : -EINVAL;
}

int
rte_marlin_ntb_peer_port_idx(uint16_t dev_id, int port)
{
	(void)dev_id;
	return port >= 1 && port <= NB_PEERS ? port - 1 : -EINVAL;
}

int64_t
rte_marlin_ntb_link_is_up(uint16_t dev_id, enum rte_marlin_ntb_speed *speed,
			  enum rte_marlin_ntb_width *width)
{
	int64_t mask = 0;
	int port;

	(void)dev_id;
	(void)speed;
	(void)width;
	for (port = 1; port <= NB_PEERS; port++)
		if (fz.up & (UINT64_C(1) << port))
			mask |= INT64_C(1) << (port - 1);
	return mask;
}

int
rte_marlin_ntb_mw_count(uint16_t dev_id, int pidx)
{
	(void)dev_id;
	(void)pidx;
	return 2;
}

int
rte_marlin_ntb_mw_alloc(uint16_t dev_id, int pidx, int widx, size_t sz,
			void **addr, size_t *len)
{
	(void)dev_id;
	(void)pidx;
	(void)sz;
	if (widx != UM_HEAP_WIDX)
		return -EINVAL;
	*addr = fz.own;
	*len = fz.own_len;
	return 0;
}

int
rte_marlin_ntb_peer_mw_count(uint16_t dev_id, int pidx)
{
	(void)dev_id;
	(void)pidx;
	return 2;
}

int
rte_marlin_ntb_peer_mw_get_addr(uint16_t dev_id, int pidx, int widx,
				void **base, size_t *sz)
{
	(void)dev_id;
	if (widx != UM_HEAP_WIDX || pidx != PEER - 1)
		return -ENOLINK;
	*base = fz.win;
	*sz = fz.win_len;
	return 0;
}

/*
 * What goes by HRDMA (the key does not reach the heap directly): a put or
 * a get request naming the key's registration, secret and address, for
 * the owner to check; sent from a buffer or built in the peer's ring slot.
 */
static void
check_msg(const void *buf, uint32_t len, uint64_t imm)
{
	const struct um_put_hdr *h = buf;
	const struct um_get_req *q = buf;

	CHECK(fz.w != NULL && len <= SEG_SIZE);
	fz.sent++;
	if (UM_IMM_KIND(imm) == UM_PUT) {
		CHECK(len == sizeof(*h) + h->len && h->idx == fz.w->idx &&
		      h->secret == fz.w->secret && h->addr == fz.remote &&
		      h->len == fz.length &&
		      memcmp(h + 1, fz.src, fz.length) == 0);
	} else {
		CHECK(UM_IMM_KIND(imm) == UM_GET_REQ && len == sizeof(*q) &&
		      q->idx == fz.w->idx && q->secret == fz.w->secret &&
		      q->addr == fz.remote && q->len == fz.length);
	}
}

int
um_send(int port, const void *buf, uint32_t len, uint64_t imm)
{
	CHECK(port == PEER && !fz.reserved);
	check_msg(buf, len, imm);
	return 0;
}

void *
um_send_reserve(int port, uint32_t *room)
{
	CHECK(port == PEER && !fz.reserved);
	fz.reserved = 1;
	*room = SEG_SIZE;
	return fz.slot;
}

int
um_send_commit(int port, uint32_t len, uint64_t imm)
{
	CHECK(port == PEER && fz.reserved);
	fz.reserved = 0;
	check_msg(fz.slot, len, imm);
	return 0;
}

void
um_send_abort(int port)
{
	CHECK(port == PEER && fz.reserved);
	fz.reserved = 0;
}

/* A direct get hands the window's bytes to the caller here. */
static void
get_unpack(void *arg, const void *data, size_t length)
{
	const uint8_t *p = data;
	unsigned __int128 at = (uintptr_t)p - (uintptr_t)fz.win;

	(void)arg;
	CHECK(length == fz.length && p >= fz.win + fz.w->heap_off &&
	      at + length <= (unsigned __int128)fz.w->heap_off + fz.w->len &&
	      at + length <= fz.win_len);
	CHECK(memcmp(p, fz.snap + at, length) == 0);
}

/*
 * Use key @p w as the transport does (uct_marlin_rkey_unpack()'s result,
 * then a put short or a get bcopy at @p delta from the key's base): it
 * maps (again) through um_heap_map(), and the operation goes directly
 * into the window or by HRDMA. Only the bytes it names may change, and
 * only inside the key's range of the window.
 */
static void
use_key(const struct um_rkey_wire *w, int16_t delta, uint32_t length, int get)
{
	uct_marlin_rkey_t rk = { .w = *w, .path = w->heap_off != 0 ?
				 UM_RK_UNKNOWN : UM_RK_HRDMA };
	uct_ep_h tl_ep = &fz.ep->super.super;
	unsigned __int128 at = 0;
	ucs_status_t st;
	size_t i;

	fz.w = &rk.w;
	fz.remote = w->base + (uint64_t)(int64_t)delta;
	fz.length = length;
	fz.sent = 0;
	memcpy(fz.snap, fz.win, fz.win_len);
	if (get)
		st = uct_marlin_ep_get_bcopy(tl_ep, get_unpack, NULL, length,
					     fz.remote, (uintptr_t)&rk, NULL);
	else
		st = uct_marlin_ep_put_short(tl_ep, fz.src, length, fz.remote,
					     (uintptr_t)&rk);
	if (rk.path == UM_RK_DIRECT && st == UCS_OK && fz.sent == 0) {
		/* Went directly: the range lies in the key's, in the window. */
		CHECK(rk.direct == fz.win + w->heap_off && w->owner == PEER);
		at = (unsigned __int128)w->heap_off + (fz.remote - w->base);
		CHECK(fz.remote >= w->base && fz.remote - w->base <= w->len &&
		      at + length <= (unsigned __int128)w->heap_off + w->len &&
		      at + length <= fz.win_len);
		if (!get)
			CHECK(memcmp(fz.win + (size_t)at, fz.src, length) == 0);
	} else {
		length = 0;  /* nothing may change */
	}
	for (i = 0; i < fz.win_len; i++)
		CHECK(fz.win[i] == fz.snap[i] ||
		      (i >= at && i < at + length));
	/* Refused keys are refused without a message; a message built in
	 * the ring is committed or given back. */
	CHECK(rk.path != UM_RK_REFUSED || fz.sent == 0);
	CHECK(!fz.reserved);
	fz.w = NULL;
}

/* ---- the peer's keys --------------------------------------------------- */

/*
 * A key from the input. With @p crafted, it names a header the input put
 * in the window (offset, length and secret taken from it and moved by the
 * input's small amounts), so that the fuzzer reaches keys that map.
 */
static void
try_key(const uint8_t *p, int crafted, int get)
{
	struct um_rkey_wire w;
	struct um_heap_hdr h;
	unsigned __int128 end;
	uint8_t *addr;
	void *got = NULL;
	int rc;

	if (um_rkey_wire_read(p, &w) != 0)
		return;  /* refused at unpack */
	if (crafted) {
		uint64_t at = (uint64_t)(p[4] | p[5] << 8) % (fz.win_len + 1);

		if (at + sizeof(h) <= fz.win_len) {
			memcpy(&h, fz.win + at, sizeof(h));
			w.heap_off = at + UM_HEAP_HDR + (uint64_t)(int64_t)(int8_t)p[6];
			w.len = h.len + (uint64_t)(int64_t)(int8_t)p[7];
			w.secret = h.secret ^ (p[8] & 1);
			w.owner = p[8] & 2 ? w.owner : PEER;
		}
	}
	use_key(&w, (int16_t)(p[40] | p[41] << 8),
		(uint32_t)(p[42] | p[43] << 8) % 4000, get);
	if (w.heap_off == 0)
		return;  /* an HRDMA key: the owner checks each request */
	rc = um_heap_map(PEER, w.heap_off, w.len, w.secret, &got);
	if (rc != 0) {
		CHECK(rc == -EACCES);
		return;
	}
	/* Inside the window as mapped here, behind a header that matched. */
	addr = got;
	end = (unsigned __int128)w.heap_off + w.len;
	CHECK(addr == fz.win + w.heap_off && w.heap_off >= UM_HEAP_HDR &&
	      end <= fz.win_len && w.secret != 0);
	memcpy(&h, addr - UM_HEAP_HDR, sizeof(h));
	CHECK(h.magic == UM_HEAP_MAGIC && h.secret == w.secret &&
	      h.off == w.heap_off && h.len >= w.len);
	/* The stores a direct put through this key may do. */
	memset(addr, 0x5a, w.len);
}

/* ---- the owner's heap -------------------------------------------------- */

/* Whether the model lets block @p b's space be given out again. */
static int
sh_reusable(const struct sh_blk *b)
{
	int port;

	if (b->revoked == 0)
		return 0;
	for (port = 0; port < UM_MAX_HOSTS; port++)
		if ((b->need & (UINT64_C(1) << port)) &&
		    (int32_t)(fz.acked[port] - b->revoked) < 0)
			return 0;
	return 1;
}

/* After every step; @p full: every byte of every block (else its ends). */
static void
sh_check(int full)
{
	const struct um_heap_hdr *h;
	unsigned i;
	size_t k;

	for (i = 0; i < MAX_BLK; i++) {
		const struct sh_blk *b = &fz.blk[i];

		if (b->addr == NULL || b->revoked != 0)
			continue;
		for (k = 0; k < b->len; k = full || k + 1 == b->len ? k + 1 : b->len - 1)
			CHECK(b->addr[k] == b->fill);
		h = (const struct um_heap_hdr *)(b->addr - UM_HEAP_HDR);
		CHECK(h->magic == UM_HEAP_MAGIC && h->secret == b->secret &&
		      h->off == b->off && h->len >= b->len);
		CHECK(um_reg_check(b->idx, b->secret, (uintptr_t)b->addr,
				   (uint32_t)b->len) == b->addr);
	}
	/* The owner's bookkeeping: sorted, apart, inside the heap. */
	for (i = 0; i < heap.nb_blk; i++) {
		CHECK(heap.blk[i].off + heap.blk[i].size <= heap.size);
		CHECK(i == 0 || heap.blk[i - 1].off + heap.blk[i - 1].size <=
		      heap.blk[i].off);
	}
}

static void
do_alloc(size_t len, uint8_t fill)
{
	struct sh_blk *b = NULL, *o;
	uint64_t off;
	uint32_t idx;
	uint64_t secret;
	void *addr;
	unsigned i;
	int rc;

	for (i = 0; i < MAX_BLK && b == NULL; i++)
		if (fz.blk[i].addr == NULL)
			b = &fz.blk[i];
	if (b == NULL)
		return;
	rc = um_heap_alloc(len, &addr, &off, &idx, &secret);
	if (rc != 0) {
		CHECK(rc == -ENOMEM);
		return;
	}
	CHECK((uint8_t *)addr == fz.own + off && off >= UM_HEAP_HDR &&
	      off + len <= fz.own_len && secret != 0);
	CHECK(len < UM_HEAP_PAGE || ((uintptr_t)addr & (UM_HEAP_PAGE - 1)) == 0);
	/* Nothing in use, or freed and not acknowledged, overlaps it (its
	 * header included). */
	for (i = 0; i < MAX_BLK; i++) {
		o = &fz.blk[i];
		if (o->addr == NULL || sh_reusable(o))
			continue;
		CHECK(off + len + UM_HEAP_HDR <= o->off ||
		      o->off + o->len + UM_HEAP_HDR <= off);
	}
	*b = (struct sh_blk){ .addr = addr, .off = off, .len = len, .idx = idx,
			      .secret = secret, .fill = fill };
	memset(addr, fill, len);
}

static void
do_free(unsigned i)
{
	struct sh_blk *b = &fz.blk[i % MAX_BLK];
	unsigned k;

	if (b->addr == NULL || b->revoked != 0)
		return;
	um_heap_free(b->addr);
	if (++fz.epoch == 0)
		fz.epoch = 1;
	CHECK(um_heap_epoch() == fz.epoch);
	CHECK(um_reg_check(b->idx, b->secret, (uintptr_t)b->addr, 1) == NULL);
	CHECK(((const struct um_heap_hdr *)(b->addr - UM_HEAP_HDR))->secret == 0);
	b->revoked = fz.epoch;
	b->need = fz.up;
	/* Blocks whose space may be reused are out of the model. */
	for (k = 0; k < MAX_BLK; k++)
		if (fz.blk[k].addr != NULL && sh_reusable(&fz.blk[k]))
			fz.blk[k].addr = NULL;
}

static void
do_ack(int port, uint32_t epoch)
{
	uint32_t before = heap.acked[port];
	unsigned k;

	um_heap_acked(port, epoch);
	/* Forward only, never past what was sent. */
	CHECK((int32_t)(heap.acked[port] - before) >= 0);
	CHECK((int32_t)(heap.epoch - heap.acked[port]) >= 0);
	CHECK(heap.acked[port] == before || heap.acked[port] == epoch);
	fz.acked[port] = heap.acked[port];
	for (k = 0; k < MAX_BLK; k++)
		if (fz.blk[k].addr != NULL && sh_reusable(&fz.blk[k]))
			fz.blk[k].addr = NULL;
}

static void
reset(void)
{
	unsigned i;

	for (i = 0; i < MAX_BLK; i++)
		if (fz.blk[i].addr != NULL && fz.blk[i].revoked == 0)
			um_reg_del(fz.blk[i].idx);
	free(heap.blk);
	memset(&heap, 0, sizeof(heap));
	memset(um_heap_peer_gen, 0, sizeof(um_heap_peer_gen));
	free(fz.win);
	free(fz.snap);
	free(fz.own);
	free(fz.iface->tx_buf);
	free(fz.slot);
	free(fz.iface);
	free(fz.ep);
	memset(&fz, 0, sizeof(fz));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at, n;
	uint8_t op;

	/* Every refused key is logged: not on every input. */
	ucs_global_opts.log_component.log_level = UCS_LOG_LEVEL_FATAL;

	if (size < 4)
		return 0;
	memset(&fz, 0, sizeof(fz));
	fz.win_len = 1 + ((size_t)(data[0] | data[1] << 8) % 8192);
	fz.own_len = 128 + ((size_t)(data[2] | data[3] << 8) % 32768);
	fz.win = calloc(1, fz.win_len);
	fz.snap = malloc(fz.win_len);
	fz.own = calloc(1, fz.own_len);
	fz.iface = calloc(1, sizeof(*fz.iface));
	fz.ep = calloc(1, sizeof(*fz.ep));
	CHECK(fz.win != NULL && fz.snap != NULL && fz.own != NULL &&
	      fz.iface != NULL && fz.ep != NULL);
	fz.iface->seg_size = SEG_SIZE;
	fz.iface->tx_buf = malloc(SEG_SIZE);
	fz.slot = malloc(SEG_SIZE);
	CHECK(fz.iface->tx_buf != NULL && fz.slot != NULL);
	fz.iface->state[PEER] = UM_PEER_UP;
	fz.ep->super.super.iface = &fz.iface->super.super;
	fz.ep->port = PEER;
	ucs_queue_head_init(&fz.ep->pending);
	memset(fz.src, 0xc3, sizeof(fz.src));
	fz.up = UINT64_C(0xe);  /* ports 1..3 */
	/* The peer's window: what the input says (headers at its offsets). */
	n = size - 4 < fz.win_len ? size - 4 : fz.win_len;
	memcpy(fz.win, data + 4, n);
	at = 4 + n / 2;  /* its second half doubles as records */
	while (at < size) {
		op = data[at++];
		switch (op & 7) {
		case 0:
		case 1:
			/* A key, as packed bytes (40), then how it is used. */
			if (size - at < KEY_REC)
				goto out;
			try_key(data + at, op & 1, op & 0x80);
			at += KEY_REC;
			break;
		case 2:
			/* The peer writes 8 bytes of its window. */
			if (size - at < 10)
				goto out;
			n = (size_t)(data[at] | data[at + 1] << 8) % fz.win_len;
			memcpy(fz.win + n, data + at + 2,
			       fz.win_len - n < 8 ? fz.win_len - n : 8);
			at += 10;
			break;
		case 3:
			/* The link to the peer came back: mapped again, and
			 * the window may be smaller now. */
			um_heap_peer_revoked(PEER, 1);
			n = 1 + (op >> 3 & 0x0f) * 64u;
			if (op & 0x80 && n < fz.win_len)
				fz.win_len -= n;
			break;
		case 4:
			if (size - at < 2)
				goto out;
			do_alloc(1 + ((size_t)(data[at] | data[at + 1] << 8) %
				      (op & 0x80 ? 16384 : 512)), op);
			at += 2;
			break;
		case 5:
			do_free(op >> 3);
			break;
		case 6:
			/* A peer acknowledges an epoch near the one sent. */
			if (size - at < 1)
				goto out;
			do_ack(1 + (op >> 3) % NB_PEERS,
			       fz.epoch + (uint32_t)(int32_t)(int8_t)data[at]);
			at++;
			break;
		default:
			/* A peer's link goes down or comes up. */
			fz.up ^= UINT64_C(1) << (1 + (op >> 3) % NB_PEERS);
			break;
		}
		sh_check(0);
	}
out:
	sh_check(1);
	reset();
	return 0;
}
