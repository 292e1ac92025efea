/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * CMMC data path: the issuer's key check, translation of operations into
 * HRDMA operations, completions, the owner's check of notifications, and
 * receive. One thread per endpoint; nothing here locks or allocates.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "rte_cmmc.h"
#include "cmmc_private.h"

#define CMMC_F_ALL (RTE_CMMC_F_SIGNALED | RTE_CMMC_F_FENCE | RTE_CMMC_F_NOTIFY)

const uint64_t cmmc_seq_none = 1;

/* The words of the peer's table header that hdr_check() tests (the peer
 * writes them), read once; and the peer's HRDMA epoch we expect there. */
struct hdr_copy {
	uint64_t magic;
	uint64_t magic_after;     /* read again after the others */
	uint64_t inst_epoch;
	uint32_t hrdma_epoch;
	uint32_t want;            /* 0: not connected */
};

/* Why the copy says the table is not current (-ENOLINK) or not from the
 * key's owner instance (-ESTALE); 0 if it is both. */
static __rte_noinline int
hdr_problem(const struct hdr_copy *c, uint64_t inst_epoch)
{
	if (c->magic != CMMC_TAB_MAGIC || c->want == 0 ||
			c->hrdma_epoch != c->want || c->magic_after != c->magic)
		return -ENOLINK;
	if (c->inst_epoch != inst_epoch)
		return -ESTALE;
	return 0;
}

/* Is the peer's table in our memory current, and from the key's owner
 * instance? Tested in one branch on the private copy (each branch costs on
 * the path from a notification's arrival to the answer,
 * doc/benchmarks/hrdma.md); hdr_problem() says why not. */
static inline int
hdr_check(const struct cmmc_peer *p, uint64_t inst_epoch)
{
	const struct cmmc_wire_tab_hdr *h = p->mirror_hdr;
	struct hdr_copy c;

	c.want = __atomic_load_n(&p->peer_hrdma_epoch, __ATOMIC_ACQUIRE);
	c.magic = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE);
	c.inst_epoch = __atomic_load_n(&h->inst_epoch, __ATOMIC_RELAXED);
	c.hrdma_epoch = __atomic_load_n(&h->hrdma_epoch, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c.magic_after = __atomic_load_n(&h->magic, __ATOMIC_RELAXED);
	if (likely((c.magic == CMMC_TAB_MAGIC) & (c.want != 0) &
			(c.hrdma_epoch == c.want) & (c.magic_after == c.magic) &
			(c.inst_epoch == inst_epoch)))
		return 0;
	return hdr_problem(&c, inst_epoch);
}

/* rkey_check() past its kept verdict: @kept says whether the verdict kept
 * for this endpoint is the key's (then it decides, the mirror entry is not
 * read again), else the entry is snapshotted and checked in full. */
static __rte_noinline int
rkey_check_full(struct rte_cmmc_ep *ep, const struct rte_cmmc_rkey *rk,
		unsigned int need, uint64_t off, uint64_t len, uint64_t *abs,
		int kept)
{
	const struct cmmc_peer *p = ep->peer;
	struct cmmc_wire_keyent s;
	int rc;

	if (kept) {
		if ((ep->rk_access & need) != need)
			return -EPERM;
		return -ERANGE;  /* the only other test of the kept verdict */
	}
	if (unlikely(cmmc_ent_snapshot(&p->mirror[rk->slot], &s) != 0))
		return -EKEYREVOKED;    /* revocation in progress */
	rc = cmmc_ent_check(&s, rk->gen, rk->verifier, need, off, len,
			    p->remote_region_len, abs);
	if (rc == 0) {
		ep->rk_kept = rk;
		ep->rk_seq = s.seq;
		ep->rk_verifier = rk->verifier;
		ep->rk_off = s.offset;
		ep->rk_len = s.len;
		ep->rk_gen = rk->gen;
		ep->rk_slot = rk->slot;
		ep->rk_access = s.access;
	}
	return rc;
}

/*
 * The issuer's check of [off, off + len) of an imported key. The table
 * header is checked every time; the key's mirror entry is snapshotted and
 * checked in full only when it or the handle changed since the last
 * success of this endpoint: while the entry's seq word stays (the owner
 * moves it with every rewrite, a revocation included) the checked copy
 * kept here decides, so a peer rewriting fields without moving seq changes
 * nothing. This sits on the path of every small write (~25 ns of a
 * notification's one-way with the full snapshot, doc/benchmarks/hrdma.md),
 * so the kept verdict is tested in one branch.
 */
static inline int
rkey_check(struct rte_cmmc_ep *ep, const struct rte_cmmc_rkey *rk,
		unsigned int need, uint64_t off, uint64_t len, uint64_t *abs)
{
	const struct cmmc_peer *p = ep->peer;
	uint64_t seq;
	int rc, kept;

	if (unlikely(rk == NULL))
		return -EINVAL;
	if (unlikely(rk->peer != p))
		return -EXDEV;
	rc = hdr_check(p, rk->inst_epoch);
	if (unlikely(rc != 0))
		return rc;
	seq = __atomic_load_n(&p->mirror[rk->slot].seq, __ATOMIC_ACQUIRE);
	kept = (ep->rk_kept == rk) & (rk->slot == ep->rk_slot) &
		(rk->gen == ep->rk_gen) & (rk->verifier == ep->rk_verifier) &
		(seq == ep->rk_seq);
	if (likely(kept & ((ep->rk_access & need) == need) &
			(len <= ep->rk_len) & (off <= ep->rk_len - len))) {
		*abs = ep->rk_off + off;
		return 0;
	}
	return rkey_check_full(ep, rk, need, off, len, abs, kept);
}

/* local_check() past the hinted range: every range. */
static __rte_noinline int
local_check_all(struct rte_cmmc_ep *ep, uintptr_t a, uint32_t len,
		rte_iova_t *iova)
{
	uint32_t i;

	for (i = 0; i < CMMC_MAX_LMR; i++) {
		const struct cmmc_lmr *l = &ep->c->lmr[i];
		uintptr_t end = __atomic_load_n(&l->end, __ATOMIC_ACQUIRE);
		uintptr_t start = __atomic_load_n(&l->start, __ATOMIC_RELAXED);

		if (a >= start && a < end && len <= end - a) {
			rte_iova_t base = __atomic_load_n(&l->iova,
							  __ATOMIC_RELAXED);

			ep->lmr_hint = i;
			if (base != 0)
				*iova = base + (a - start);
			return 0;
		}
	}
	return -EFAULT;
}

/* Is [p, p + len) inside registered or allocated memory? The range used
 * last first, in one branch (the words may be changing under another
 * thread's register or free: each bound is tested on its own, so a start
 * and an end of two ranges never take more than either). */
static inline int
local_check(struct rte_cmmc_ep *ep, const void *ptr, uint32_t len,
		rte_iova_t *iova)
{
	const struct cmmc_lmr *l = &ep->c->lmr[ep->lmr_hint];
	uintptr_t a = (uintptr_t)ptr, start, end;
	rte_iova_t base;

	*iova = 0;
	if (unlikely(len == 0))
		return 0;
	end = __atomic_load_n(&l->end, __ATOMIC_ACQUIRE);
	start = __atomic_load_n(&l->start, __ATOMIC_RELAXED);
	if (unlikely(!((a >= start) & (a < end) & (len <= end - a))))
		return local_check_all(ep, a, len, iova);
	base = __atomic_load_n(&l->iova, __ATOMIC_RELAXED);
	if (base != 0)
		*iova = base + (a - start);
	return 0;
}

/*
 * Check one operation and write its HRDMA operations into @h (room for
 * RTE_CMMC_MAX_IOV). Returns how many (>= 1) or a negative errno.
 */
static inline int
op_translate(struct rte_cmmc_ep *ep, const struct rte_cmmc_op *op,
		struct rte_marlin_hrdma_op *h)
{
	const struct rte_cmmc_iov one = { .base = op->local, .len = op->len };
	const struct rte_cmmc_iov *iov = &one;
	unsigned int need, k, pieces = 1;
	uint64_t total, abs;
	int rc;

	if (unlikely(op->flags & ~CMMC_F_ALL))
		return -EINVAL;
	switch (op->opcode) {
	case RTE_CMMC_OP_WRITE:
		need = RTE_CMMC_ACCESS_WRITE;
		break;
	case RTE_CMMC_OP_READ:
		if (unlikely(op->flags & RTE_CMMC_F_NOTIFY))
			return -EINVAL;
		need = RTE_CMMC_ACCESS_READ;
		break;
	default:
		return -EINVAL;
	}
	total = op->len;
	if (op->nb_iov != 0) {
		if (unlikely(op->nb_iov > RTE_CMMC_MAX_IOV || op->iov == NULL))
			return -EINVAL;
		iov = op->iov;
		pieces = op->nb_iov;
		total = 0;
		for (k = 0; k < pieces; k++)
			total += iov[k].len;
	}
	rc = rkey_check(ep, op->rkey, need, op->remote_off, total, &abs);
	if (unlikely(rc != 0))
		return rc;
	for (k = 0; k < pieces; k++) {
		struct rte_marlin_hrdma_op *o = &h[k];

		rc = local_check(ep, iov[k].base, iov[k].len, &o->local_iova);
		if (unlikely(rc != 0))
			return rc;
		o->opcode = need == RTE_CMMC_ACCESS_WRITE ?
			RTE_MARLIN_HRDMA_OP_WRITE : RTE_MARLIN_HRDMA_OP_READ;
		o->flags = 0;
		o->reserved = 0;
		o->len = iov[k].len;
		o->local = iov[k].base;
		o->remote_off = abs;
		o->imm = 0;
		o->cookie = op->cookie;
		abs += iov[k].len;
	}
	if (op->flags & RTE_CMMC_F_FENCE)
		h[0].flags |= RTE_MARLIN_HRDMA_F_FENCE;
	if (op->flags & RTE_CMMC_F_SIGNALED)
		h[pieces - 1].flags |= RTE_MARLIN_HRDMA_F_SIGNALED;
	if (op->flags & RTE_CMMC_F_NOTIFY) {
		h[pieces - 1].opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY;
		h[pieces - 1].imm = op->imm;
	}
	return (int)pieces;
}

/*
 * One operation on one buffer: the latency-critical case. The same checks
 * as op_translate() (flags, opcode, key, local range) written out for one
 * piece: everything here sits between a notification's arrival and the
 * answer's store when an application answers from its receive loop, and
 * each instruction there costs more than its share (doc/benchmarks/hrdma.md,
 * "CMMC notify").
 */
static inline int
post_one(struct rte_cmmc_ep *ep, const struct rte_cmmc_op *op)
{
	struct rte_marlin_hrdma_op h;
	unsigned int need;
	uint64_t abs;
	int rc;

	if (unlikely(op->flags & ~CMMC_F_ALL))
		rc = -EINVAL;
	else if (likely(op->opcode == RTE_CMMC_OP_WRITE))
		rc = 0;
	else if (op->opcode == RTE_CMMC_OP_READ &&
			!(op->flags & RTE_CMMC_F_NOTIFY))
		rc = 0;
	else
		rc = -EINVAL;
	if (likely(rc == 0)) {
		need = op->opcode == RTE_CMMC_OP_WRITE ?
			RTE_CMMC_ACCESS_WRITE : RTE_CMMC_ACCESS_READ;
		rc = rkey_check(ep, op->rkey, need, op->remote_off, op->len,
				&abs);
	}
	if (likely(rc == 0))
		rc = local_check(ep, op->local, op->len, &h.local_iova);
	if (unlikely(rc != 0)) {
		ep->stats.refused_ops++;
		return rc;
	}
	h.opcode = op->flags & RTE_CMMC_F_NOTIFY ?
		RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY :
		op->opcode == RTE_CMMC_OP_WRITE ?
		RTE_MARLIN_HRDMA_OP_WRITE : RTE_MARLIN_HRDMA_OP_READ;
	h.flags = (op->flags & RTE_CMMC_F_FENCE ? RTE_MARLIN_HRDMA_F_FENCE : 0) |
		(op->flags & RTE_CMMC_F_SIGNALED ? RTE_MARLIN_HRDMA_F_SIGNALED : 0);
	h.reserved = 0;
	h.len = op->len;
	h.local = op->local;
	h.remote_off = abs;
	h.imm = op->flags & RTE_CMMC_F_NOTIFY ? op->imm : 0;
	h.cookie = op->cookie;
	rc = rte_marlin_hrdma_post(ep->qp, &h, 1);
	if (unlikely(rc != 1))
		return rc < 0 ? rc : -ENOSPC;
	ep->stats.ops++;
	if (op->opcode == RTE_CMMC_OP_WRITE)
		ep->stats.tx_bytes += op->len;
	else
		ep->stats.rx_bytes += op->len;
	return 1;
}

int
rte_cmmc_write_notify(struct rte_cmmc_ep *ep, const struct rte_cmmc_rkey *rk,
		uint64_t roff, const void *src, uint32_t len, uint64_t imm,
		uint64_t cookie, unsigned int flags)
{
	rte_iova_t iova;
	uint64_t abs;
	int rc;

	if (unlikely(len > RTE_MARLIN_HRDMA_INLINE_MAX ||
			(flags & ~RTE_CMMC_F_SIGNALED))) {
		const struct rte_cmmc_op op = {
			.opcode = RTE_CMMC_OP_WRITE,
			.flags = (uint8_t)(flags | RTE_CMMC_F_NOTIFY),
			.len = len, .local = (void *)(uintptr_t)src, .rkey = rk,
			.remote_off = roff, .imm = imm, .cookie = cookie,
		};

		rc = post_one(ep, &op);
		return rc == 1 ? 0 : rc;
	}
	/* post_one()'s checks on the arguments themselves: an operation
	 * stored here and read back at once cost ~10 ns of the one-way
	 * (doc/benchmarks/hrdma.md, "CMMC notify, third pass") */
	rc = rkey_check(ep, rk, RTE_CMMC_ACCESS_WRITE, roff, len, &abs);
	if (likely(rc == 0))
		rc = local_check(ep, src, len, &iova);
	if (unlikely(rc != 0)) {
		ep->stats.refused_ops++;
		return rc;
	}
	rc = rte_marlin_hrdma_write_notify(ep->qp, src, len, abs, imm, cookie,
			flags & RTE_CMMC_F_SIGNALED ? RTE_MARLIN_HRDMA_F_SIGNALED : 0);
	if (unlikely(rc != 0))
		return rc;
	ep->stats.ops++;
	ep->stats.tx_bytes += len;
	return 0;
}

/* Several operations, or scattered ones: in chunks of HRDMA operations.
 * Out of line, so that a single post does not set up its frame. */
static __rte_noinline int
post_burst(struct rte_cmmc_ep *ep, const struct rte_cmmc_op *ops, uint16_t n)
{
	struct rte_marlin_hrdma_op h[CMMC_POST_CHUNK];
	uint16_t end[CMMC_POST_CHUNK];
	uint16_t done = 0;

	while (done < n) {
		unsigned int nh = 0, nc = 0, k;
		int err = 0, rc;

		/* translate as many whole operations as fit in a chunk */
		while (done + nc < n) {
			const struct rte_cmmc_op *op = &ops[done + nc];
			unsigned int pieces = op->nb_iov == 0 ? 1 : op->nb_iov;

			if (nh + RTE_MIN(pieces, (unsigned int)RTE_CMMC_MAX_IOV) >
					CMMC_POST_CHUNK)
				break;
			rc = op_translate(ep, op, &h[nh]);
			if (unlikely(rc < 0)) {
				err = rc;
				ep->stats.refused_ops++;
				break;
			}
			nh += (unsigned int)rc;
			end[nc++] = (uint16_t)nh;
		}
		if (nh > 0) {
			rc = rte_marlin_hrdma_post(ep->qp, h, (uint16_t)nh);
			if (rc < 0) {
				err = rc;
				rc = 0;
			}
			/* whole operations taken */
			for (k = 0; k < nc && end[k] <= (unsigned int)rc; k++) {
				const struct rte_cmmc_op *op = &ops[done + k];
				uint64_t bytes = op->len;

				if (op->nb_iov != 0) {
					unsigned int j;

					bytes = 0;
					for (j = 0; j < op->nb_iov; j++)
						bytes += op->iov[j].len;
				}
				if (op->opcode == RTE_CMMC_OP_WRITE)
					ep->stats.tx_bytes += bytes;
				else
					ep->stats.rx_bytes += bytes;
			}
			ep->stats.ops += k;
			done = (uint16_t)(done + k);
			if (k < nc)
				return done > 0 ? done : (err != 0 ? err : -ENOSPC);
		}
		if (err != 0)
			return done > 0 ? done : err;
	}
	return done;
}

int
rte_cmmc_post(struct rte_cmmc_ep *ep, const struct rte_cmmc_op *ops, uint16_t n)
{
	if (likely(n == 1 && ops[0].nb_iov == 0))
		return post_one(ep, &ops[0]);
	return post_burst(ep, ops, n);
}

int
rte_cmmc_poll_cq(struct rte_cmmc_ep *ep, struct rte_cmmc_cpl *cpl, uint16_t n)
{
	struct rte_marlin_hrdma_cqe cqe[32];
	int got, i;

	if (n > RTE_DIM(cqe))
		n = RTE_DIM(cqe);
	got = rte_marlin_hrdma_poll_cq(ep->qp, cqe, n);
	for (i = 0; i < got; i++) {
		struct rte_cmmc_cpl *c = &cpl[i];

		c->cookie = cqe[i].cookie;
		c->status = cqe[i].status;
		c->opcode = cqe[i].opcode == RTE_MARLIN_HRDMA_OP_READ ?
			RTE_CMMC_OP_READ :
			cqe[i].opcode == RTE_MARLIN_HRDMA_OP_SEND ?
			RTE_CMMC_OP_MSG : RTE_CMMC_OP_WRITE;
		memset(c->reserved, 0, sizeof(c->reserved));
		c->len = cqe[i].len;
		c->reserved2 = 0;
	}
	return got;
}

/* The full check of a notification: every entry, the one that matched last
 * first. Kept out of line so that the kept test below saves no registers. */
static __rte_noinline int
notify_check_scan(struct rte_cmmc_ep *ep, uint64_t offset, uint32_t len)
{
	const struct cmmc_peer *p = ep->peer;
	uint16_t hw = __atomic_load_n(&p->own_hw, __ATOMIC_ACQUIRE);
	int i, slot;

	for (i = -1; i < (int)hw; i++) {
		struct cmmc_wire_keyent s;

		slot = i < 0 ? ep->own_hint : i;
		if (slot >= (int)hw || (i >= 0 && slot == ep->own_hint))
			continue;
		if (cmmc_ent_snapshot(&p->own[slot], &s) != 0)
			continue;
		if (s.state == CMMC_ENT_LIVE && (s.access & RTE_CMMC_ACCESS_WRITE) &&
				offset >= s.offset && len <= s.len &&
				offset - s.offset <= s.len - len) {
			ep->own_hint = slot;
			ep->chk_seqp = &p->own[slot].seq;
			ep->chk_seq = s.seq;
			ep->chk_off = s.offset;
			ep->chk_len = s.len;
			return 0;
		}
	}
	return -EACCES;
}

/*
 * The owner's check of a notification from the peer, run by HRDMA before
 * anything of it is applied: its range must lie in a live key with WRITE
 * rights that we exported to this peer. Our private table decides, never
 * what the peer wrote.
 *
 * It runs between a notification's arrival and the application's answer,
 * so its first test is short: the entry that matched last, if its seq word
 * has not moved since (then it is the entry whose snapshot was checked),
 * against the range kept from that snapshot. A full snapshot per
 * notification cost ~50 ns of a ~310 ns one-way, and the registers the
 * full scan saves on entry ~30 ns more when it shared this function
 * (doc/benchmarks/hrdma.md).
 */
int
cmmc_notify_check(void *arg, uint64_t offset, uint32_t len, uint64_t imm)
{
	struct rte_cmmc_ep *ep = arg;

	uint64_t seq = __atomic_load_n(ep->chk_seqp, __ATOMIC_ACQUIRE);

	RTE_SET_USED(imm);
	/* One branch: each test costs on this path (doc/benchmarks/hrdma.md).
	 * An offset below chk_off wraps to more than chk_len (the kept range
	 * lies in our region), so it fails the last test. */
	if (likely((seq == ep->chk_seq) & (len <= ep->chk_len) &
			(offset - ep->chk_off <= ep->chk_len - len)))
		return 0;
	return notify_check_scan(ep, offset, len);
}

/* Does export @m hold [off, off + len) of our region? */
static inline int
mem_covers(const struct rte_cmmc_mem *m, uint64_t off, uint32_t len)
{
	return off >= m->region_off && len <= m->len &&
		off - m->region_off <= m->len - len;
}

static __rte_noinline struct rte_cmmc_mem *
notify_mem_scan(const struct cmmc_peer *p, uint64_t off, uint32_t len)
{
	uint16_t hw = __atomic_load_n(&p->own_hw, __ATOMIC_ACQUIRE);
	unsigned int i;

	for (i = 0; i < hw; i++) {
		struct rte_cmmc_mem *m = __atomic_load_n(&p->own_mem[i],
							 __ATOMIC_ACQUIRE);

		if (m != NULL && mem_covers(m, off, len))
			return m;
	}
	return NULL;
}

/*
 * The memory a notification that passed the check wrote into: the export
 * that holds its range (exports to one peer never overlap in its region, so
 * that is the memory of the key that passed), the one that matched last
 * first. NULL if no export holds it any more (its key was revoked since).
 * Our private records decide; nothing here comes from the peer but the
 * range, already checked.
 */
static inline struct rte_cmmc_mem *
notify_mem(const struct rte_cmmc_ep *ep, const struct cmmc_peer *p,
		uint64_t off, uint32_t len)
{
	struct rte_cmmc_mem *m = __atomic_load_n(&p->own_mem[ep->own_hint],
						 __ATOMIC_ACQUIRE);

	if (likely(m != NULL && mem_covers(m, off, len)))
		return m;
	return notify_mem_scan(p, off, len);
}

int
rte_cmmc_recv(struct rte_cmmc_ep *ep, struct rte_cmmc_event *ev, uint16_t n)
{
	struct rte_marlin_hrdma_cqe cqe[CMMC_RECV_BURST];
	const struct cmmc_peer *p = ep->peer;
	int got, i, k = 0;

	if (ep->held >= ep->release_at) {
		/* -EINVAL: the channel was reset since; nothing to give back */
		rte_marlin_hrdma_recv_release(ep->qp, ep->held);
		ep->held = 0;
	}
	if (n > CMMC_RECV_BURST)
		n = CMMC_RECV_BURST;
	got = rte_marlin_hrdma_recv(ep->qp, cqe, n);
	if (got <= 0) {
		if (got < 0)
			ep->held = 0;   /* the channel resets its rings */
		return got;
	}
	if ((uint32_t)cqe[0].cookie != ep->last_seq + 1)
		ep->held = 0;           /* a new bring-up since the last call */
	ep->last_seq = (uint32_t)cqe[got - 1].cookie;
	ep->held = (uint16_t)(ep->held + got);
	for (i = 0; i < got; i++) {
		const struct rte_marlin_hrdma_cqe *c = &cqe[i];
		struct rte_cmmc_event *e = &ev[k];

		if (c->opcode == RTE_MARLIN_HRDMA_OP_RECV) {
			e->type = RTE_CMMC_EVENT_MSG;
			memset(e->reserved, 0, sizeof(e->reserved));
			e->len = c->len;
			e->imm = c->imm;
			e->mem = NULL;
			e->offset = 0;
			e->data = c->data;
			ep->stats.msg_rx++;
			k++;
			continue;
		}
		/* RECV_NOTIFY: checked before anything of it was applied */
		{
			struct rte_cmmc_mem *m = c->status != 0 ? NULL :
				notify_mem(ep, p, c->offset, c->len);

			if (c->status != 0 || m == NULL) {
				ep->stats.refused_notify++;
				if (!ep->refused_logged) {
					ep->refused_logged = 1;
					CMMC_LOG(WARNING, "peer %d endpoint %u: refused a notification of %u bytes at offset %#" PRIx64 " (no live writable key covers it); further ones are only counted",
						p->port, ep->index, c->len, c->offset);
				}
				continue;
			}
			e->type = RTE_CMMC_EVENT_NOTIFY;
			memset(e->reserved, 0, sizeof(e->reserved));
			e->len = c->len;
			e->imm = c->imm;
			e->mem = m;
			e->offset = c->offset - m->region_off;
			e->data = c->data;
			ep->stats.notify_rx++;
			k++;
		}
	}
	return k;
}

int
rte_cmmc_msg_send(struct rte_cmmc_ep *ep, const void *buf, uint32_t len)
{
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_SEND,
		.len = len,
		.local = (void *)(uintptr_t)buf,
		.cookie = UINT64_MAX,
	};
	int rc;

	if (unlikely(len > ep->msg_size))
		return -EMSGSIZE;
	rc = rte_marlin_hrdma_post(ep->qp, &op, 1);
	if (rc == 1) {
		ep->stats.msg_tx++;
		return 0;
	}
	return rc;
}

int
rte_cmmc_ep_stats_get(struct rte_cmmc_ep *ep, struct rte_cmmc_ep_stats *stats)
{
	if (ep == NULL || stats == NULL)
		return -EINVAL;
	*stats = ep->stats;
	return 0;
}
