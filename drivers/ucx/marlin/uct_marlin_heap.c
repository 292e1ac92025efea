/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The heap of the UCX transport (uct_marlin_host.h): memory the memory
 * domain hands out from this host's inbound window UM_HEAP_WIDX, so that a
 * peer stores into it and loads from it directly through its outbound
 * window, the NTB way, instead of sending the bytes as HRDMA messages.
 *
 * The allocator's bookkeeping is private to the owner. Each block is
 * preceded in the window by a header (magic, secret, offset, length) that
 * a peer reads once, when it first uses a remote key, to refuse a key whose
 * block was freed (the secret is cleared first) or never existed. The
 * header sits in memory peers can write, so it proves nothing against a
 * hostile peer: it only keeps honest peers from using stale keys. What a
 * hostile peer can reach is the window itself, which holds nothing but
 * memory given out for remote access; the peer that maps checks every
 * range against the size of its own mapping, on a private copy.
 *
 * A peer checks a header once, then stores through the key without
 * reading across the bridge again. So that a key of freed memory cannot
 * reach what the owner allocates there next, a freed block is revoked:
 * its header's secret is cleared, the revocation count (the epoch) goes
 * up and the interface tells every peer (UM_REVOKE, uct_marlin_recv.c);
 * a peer that hears it checks each key again at its next use (its
 * um_heap_peer_gen goes up) and acknowledges. The block's space is reused
 * only once every peer whose link was up when it was freed has
 * acknowledged that epoch: a peer that never does keeps that space out of
 * the heap, never the owner's new memory at risk.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>

#include <rte_marlin_ntb.h>

#include "uct_marlin_host.h"

#define UM_HEAP_MAGIC UINT64_C(0x4d41524c494e4850) /* "MARLINHP" */
#define UM_HEAP_ALIGN 64u
#define UM_HEAP_PAGE 4096u

/* In the window, UM_HEAP_HDR bytes before each block. */
struct um_heap_hdr {
	uint64_t magic;
	uint64_t secret;   /* 0 once freed */
	uint64_t off;      /* of the block in the window */
	uint64_t len;      /* of the block */
};

/* A block in use, or freed and waiting for peers (private to the owner). */
struct um_heap_blk {
	uint64_t off;      /* of the header */
	uint64_t size;     /* header + block, aligned */
	uint32_t idx;      /* registration */
	uint32_t revoked;  /* 0: in use; else the epoch of its free */
	uint64_t need;     /* revoked: ports whose acknowledgement it waits for */
};

static struct {
	int state;                 /* 0: not tried, 1: on, -1: off */
	uint8_t *base;
	uint64_t size;
	struct um_heap_blk *blk;   /* sorted by offset */
	uint32_t nb_blk, max_blk;
	uint32_t epoch;            /* frees so far */
	uint32_t acked[UM_MAX_HOSTS]; /* last epoch each peer acknowledged */
	struct {
		uint8_t *base;     /* NULL: not mapped yet */
		uint64_t size;
	} peer[UM_MAX_HOSTS];
} heap;

uint32_t um_heap_peer_gen[UM_MAX_HOSTS];

/* Ports whose link is up now (they may have mapped this host's heap). */
static uint64_t
um_heap_ports_up(void)
{
	int64_t mask;
	uint64_t ports = 0;
	int ntb = um_host_ntb(), pidx, port;

	mask = rte_marlin_ntb_link_is_up((uint16_t)ntb, NULL, NULL);
	if (mask < 0)
		return ~UINT64_C(0);  /* unknown: wait for everyone */
	for (pidx = 0; pidx < 64; pidx++) {
		if (!((uint64_t)mask & (UINT64_C(1) << pidx)))
			continue;
		port = rte_marlin_ntb_peer_port_number((uint16_t)ntb, pidx);
		if (port >= 0 && port < UM_MAX_HOSTS)
			ports |= UINT64_C(1) << port;
	}
	return ports;
}

/* Give back the space of revoked blocks that every peer concerned has
 * acknowledged. */
static void
um_heap_reclaim(void)
{
	uint32_t i = 0, k;
	int done;

	while (i < heap.nb_blk) {
		struct um_heap_blk *b = &heap.blk[i];

		done = b->revoked != 0;
		for (k = 0; done && k < UM_MAX_HOSTS; k++)
			if ((b->need & (UINT64_C(1) << k)) &&
					(int32_t)(heap.acked[k] - b->revoked) < 0)
				done = 0;
		if (!done) {
			i++;
			continue;
		}
		memmove(&heap.blk[i], &heap.blk[i + 1],
			(heap.nb_blk - i - 1) * sizeof(*heap.blk));
		heap.nb_blk--;
	}
}

static int
um_heap_init(void)
{
	void *addr, *first = NULL;
	size_t len = 0, first_len = 0;
	int ntb, n, pidx, rc;

	if (heap.state != 0)
		return heap.state > 0 ? 0 : -ENOTSUP;
	heap.state = -1;
	if (um_host_get(NULL) != 0)
		return -ENOTSUP;
	ntb = um_host_ntb();
	n = rte_marlin_ntb_peer_port_count((uint16_t)ntb);
	if (n <= 0 || rte_marlin_ntb_mw_count((uint16_t)ntb, 0) <= UM_HEAP_WIDX) {
		um_host_log(1, "no heap: the device has no window %d (ntb_shm: mw_count=2 or more); remote memory goes by HRDMA messages",
			    UM_HEAP_WIDX);
		return -ENOTSUP;
	}
	/* One heap serves every peer only when the window is the same memory
	 * for all of them (ntb_shm without a manager, or a single peer). */
	for (pidx = 0; pidx < n; pidx++) {
		rc = rte_marlin_ntb_mw_alloc((uint16_t)ntb, pidx, UM_HEAP_WIDX, 0,
					     &addr, &len);
		if (rc != 0) {
			um_host_log(1, "no heap: window %d for peer %d: %s",
				    UM_HEAP_WIDX, pidx, strerror(-rc));
			return -ENOTSUP;
		}
		if (pidx == 0) {
			first = addr;
			first_len = len;
		} else if (addr != first || len != first_len) {
			um_host_log(1, "no heap: window %d is a different memory per peer (a managed fabric); remote memory goes by HRDMA messages",
				    UM_HEAP_WIDX);
			return -ENOTSUP;
		}
	}
	if (first == NULL || first_len < 2 * UM_HEAP_HDR) {
		um_host_log(1, "no heap: window %d is too small", UM_HEAP_WIDX);
		return -ENOTSUP;
	}
	heap.base = first;
	heap.size = first_len;
	heap.state = 1;
	um_host_log(0, "heap: %" PRIu64 " bytes in window %d at %p", heap.size,
		    UM_HEAP_WIDX, (void *)heap.base);
	return 0;
}

/* Where a header at or after offset @p at puts its block on @p align. */
static uint64_t
um_heap_start(uint64_t at, uint64_t align)
{
	uintptr_t blk = (uintptr_t)heap.base + at + UM_HEAP_HDR;

	return at + (RTE_ALIGN_CEIL(blk, align) - blk);
}

int
um_heap_alloc(size_t len, void **addr, uint64_t *off, uint32_t *idx,
	      uint64_t *secret)
{
	struct um_heap_hdr *h;
	struct um_heap_blk *b;
	uint64_t need, align, at = 0;
	uint32_t i, k;
	int rc;

	rc = um_heap_init();
	if (rc != 0)
		return rc;
	if (len == 0 || len > heap.size)
		return -ENOMEM;
	um_heap_reclaim();
	need = RTE_ALIGN_CEIL((uint64_t)len, UM_HEAP_ALIGN) + UM_HEAP_HDR;
	/* Blocks of a page or more start on a page, as memory from the
	 * system's allocators does: a copy between two buffers whose
	 * addresses differ by a few lines modulo 4 KiB stalls on false
	 * store-to-load dependencies (4K aliasing). */
	align = len >= UM_HEAP_PAGE ? UM_HEAP_PAGE : UM_HEAP_ALIGN;
	/* First fit between the blocks in use. */
	for (i = 0; i <= heap.nb_blk; i++) {
		uint64_t end = i < heap.nb_blk ? heap.blk[i].off : heap.size;
		uint64_t start = um_heap_start(at, align);

		if (end >= start && end - start >= need) {
			at = start;
			break;
		}
		if (i < heap.nb_blk)
			at = heap.blk[i].off + heap.blk[i].size;
	}
	if (i > heap.nb_blk)
		return -ENOMEM;
	if (heap.nb_blk == heap.max_blk) {
		k = heap.max_blk == 0 ? 64 : heap.max_blk * 2;
		b = realloc(heap.blk, k * sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		heap.blk = b;
		heap.max_blk = k;
	}
	rc = um_reg_add(heap.base + at + UM_HEAP_HDR, len, idx, secret);
	if (rc != 0)
		return rc;
	memmove(&heap.blk[i + 1], &heap.blk[i],
		(heap.nb_blk - i) * sizeof(*heap.blk));
	heap.blk[i].off = at;
	heap.blk[i].size = need;
	heap.blk[i].idx = *idx;
	heap.blk[i].revoked = 0;
	heap.blk[i].need = 0;
	heap.nb_blk++;
	h = (struct um_heap_hdr *)(heap.base + at);
	h->magic = UM_HEAP_MAGIC;
	h->off = at + UM_HEAP_HDR;
	h->len = need - UM_HEAP_HDR;
	/* The secret last: a peer that sees it sees the rest. */
	__atomic_store_n(&h->secret, *secret, __ATOMIC_RELEASE);
	*addr = heap.base + at + UM_HEAP_HDR;
	*off = at + UM_HEAP_HDR;
	return 0;
}

int
um_heap_owns(const void *addr)
{
	const uint8_t *p = addr;

	return heap.state > 0 && p >= heap.base + UM_HEAP_HDR &&
		p < heap.base + heap.size;
}

int
um_heap_find(const void *addr, size_t len, void **blk, uint64_t *off,
	     uint64_t *blen, uint32_t *idx, uint64_t *secret)
{
	const uint8_t *p = addr;
	uint64_t at, a, l, s;
	uint32_t lo = 0, hi, mid;

	if (!um_heap_owns(addr) || heap.nb_blk == 0)
		return -ENOENT;
	at = (uint64_t)(p - heap.base);
	/* The last block whose header is at or before @p addr. */
	hi = heap.nb_blk;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (heap.blk[mid].off <= at)
			lo = mid;
		else
			hi = mid;
	}
	if (heap.blk[lo].off > at || heap.blk[lo].revoked != 0 ||
			um_reg_get(heap.blk[lo].idx, &a, &l, &s) != 0)
		return -ENOENT;
	if ((uintptr_t)p < a || len > l || (uintptr_t)p - a > l - len)
		return -ENOENT;
	*blk = (void *)(uintptr_t)a;
	*off = heap.blk[lo].off + UM_HEAP_HDR;
	*blen = l;
	*idx = heap.blk[lo].idx;
	*secret = s;
	return 0;
}

void
um_heap_free(void *addr)
{
	uint64_t off;
	uint32_t i;

	if (!um_heap_owns(addr))
		return;
	off = (uint64_t)((uint8_t *)addr - heap.base) - UM_HEAP_HDR;
	for (i = 0; i < heap.nb_blk && heap.blk[i].off != off; i++)
		;
	if (i == heap.nb_blk || heap.blk[i].revoked != 0)
		return;
	/* Revoke (peers' new keys and HRDMA requests, and keys peers mapped
	 * once the interface told them); the space comes back when they
	 * acknowledged (um_heap_reclaim()). */
	__atomic_store_n(&((struct um_heap_hdr *)(heap.base + off))->secret, 0,
			 __ATOMIC_RELEASE);
	um_reg_del(heap.blk[i].idx);
	if (++heap.epoch == 0)
		heap.epoch = 1;
	heap.blk[i].revoked = heap.epoch;
	heap.blk[i].need = um_heap_ports_up();
	um_heap_reclaim();
}

uint32_t
um_heap_epoch(void)
{
	return heap.epoch;
}

void
um_heap_acked(int port, uint32_t epoch)
{
	/* A peer's value: only ever forward, never past what was sent. */
	if (port < 0 || port >= UM_MAX_HOSTS ||
			(int32_t)(epoch - heap.acked[port]) <= 0 ||
			(int32_t)(heap.epoch - epoch) < 0)
		return;
	heap.acked[port] = epoch;
}

void
um_heap_peer_revoked(int port, int relinked)
{
	if (port < 0 || port >= UM_MAX_HOSTS)
		return;
	um_heap_peer_gen[port]++;
	/* After a link loss the window may be mapped elsewhere. */
	if (relinked)
		heap.peer[port].base = NULL;
}

int
um_heap_map(int port, uint64_t off, uint64_t len, uint64_t secret,
	    void **addr)
{
	struct um_heap_hdr h;
	void *base;
	size_t size;
	int ntb, pidx, rc;

	if (port < 0 || port >= UM_MAX_HOSTS || um_host_get(NULL) != 0)
		return -EINVAL;
	ntb = um_host_ntb();
	if (heap.peer[port].base == NULL) {
		pidx = rte_marlin_ntb_peer_port_idx((uint16_t)ntb, port);
		if (pidx < 0)
			return -EINVAL;
		if (rte_marlin_ntb_peer_mw_count((uint16_t)ntb, pidx) <= UM_HEAP_WIDX)
			return -ENOTSUP;
		rc = rte_marlin_ntb_peer_mw_get_addr((uint16_t)ntb, pidx,
						     UM_HEAP_WIDX, &base, &size);
		if (rc != 0)
			return rc == -ENOLINK ? -EAGAIN : -ENOTSUP;
		heap.peer[port].base = base;
		heap.peer[port].size = size;
	}
	/* Everything below is checked against this host's own mapping. */
	size = heap.peer[port].size;
	if (secret == 0 || off < UM_HEAP_HDR || off > size || len > size - off)
		return -EACCES;
	/* One read across the bridge, into a private copy. */
	memcpy(&h, heap.peer[port].base + off - UM_HEAP_HDR, sizeof(h));
	if (h.magic != UM_HEAP_MAGIC || h.secret != secret || h.off != off ||
			h.len < len)
		return -EACCES;
	*addr = heap.peer[port].base + off;
	return 0;
}
