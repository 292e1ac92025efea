/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * HRDMA data path: post, completions, receive, credits. One thread per queue
 * pair; nothing here locks, logs or allocates.
 */

#include <errno.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>

#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "hrdma_private.h"

static_assert(HRDMA_INLINE_MAX == RTE_MARLIN_HRDMA_INLINE_MAX,
	      "the public inline size is the wire's");

/*
 * Tell the control thread a data-path call runs (it waits for us before it
 * resets rings) and check the channel is usable. The busy store must be
 * seen before the state load (hrdma_private.h): with membarrier the
 * control thread forces that order on us, so only the compiler must keep
 * it; without, both are sequentially consistent (a full fence on x86).
 * The state load acquires what the control thread reset before UP.
 */
static inline int
dp_enter(struct rte_marlin_hrdma_qp *qp)
{
	if (likely(hrdma_asym_fence)) {
		__atomic_store_n(&qp->busy, 1, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		return __atomic_load_n(qp->state, __ATOMIC_ACQUIRE);
	}
	__atomic_store_n(&qp->busy, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(qp->state, __ATOMIC_SEQ_CST);
}

static inline void
dp_leave(struct rte_marlin_hrdma_qp *qp)
{
	__atomic_store_n(&qp->busy, 0, __ATOMIC_RELEASE);
}

static inline void
peer_garbage(struct rte_marlin_hrdma_qp *qp, const char *why)
{
	qp->stats.malformed++;
	qp->peer_error_why = why;
	__atomic_store_n(&qp->peer_error, 1, __ATOMIC_RELEASE);
}

/* Take the peer's latest credit; -1 if it wrote garbage. */
static inline int
refresh_credit(struct rte_marlin_hrdma_qp *qp)
{
	uint64_t word = __atomic_load_n(&qp->tx_credit->word, __ATOMIC_ACQUIRE);
	int64_t c;

	if (unlikely((uint32_t)(word >> 32) != qp->epoch)) {
		/* Another bring-up's word (or none yet) is "nothing new";
		 * once the peer has credited this bring-up it never writes
		 * another epoch there, so that is an overwritten credit. */
		if (unlikely(qp->tx_credit_seen)) {
			peer_garbage(qp, "credit word overwritten");
			return -1;
		}
		return 0;
	}
	c = hrdma_credit_parse(word, qp->epoch, qp->tx_n, qp->tx_consumed);
	if (unlikely(c < 0)) {
		peer_garbage(qp, "credit index out of range");
		return -1;
	}
	qp->tx_consumed = (uint32_t)c;
	qp->tx_credit_seen = 1;
	return 0;
}

/*
 * The ring is full: tell the peer how far we published (after the
 * descriptors' sequence words), so that it can tell a ring stalled on an
 * overwritten descriptor from an idle one. Only when nothing waits for an
 * engine (then every descriptor counted in tx_n is published). While the
 * ring stays full the word is stored again now and then, in case garbage
 * overwrote it.
 */
#define PROD_REFRESH 1024   /* full-ring calls between two stores */

static inline void
prod_publish(struct rte_marlin_hrdma_qp *qp)
{
	if (qp->pend_head != qp->pend_tail)
		return;
	if (qp->tx_prod_sent == qp->tx_n &&
			(++qp->tx_full_calls & (PROD_REFRESH - 1)) != 0)
		return;
	qp->tx_prod_sent = qp->tx_n;
	__atomic_store_n(&qp->tx_prod->word,
			 hrdma_seq_word(qp->peer_epoch, qp->tx_n), __ATOMIC_RELEASE);
}

/* Does [off, off + len) lie in the peer's region? Without a branch: it
 * sits on the inline post's path (rte_marlin_hrdma_write_notify()). */
static inline int
remote_range_ok(const struct rte_marlin_hrdma_qp *qp, uint64_t off,
		uint32_t len)
{
	return (len <= qp->remote_region_len) &
		(off <= qp->remote_region_len - len);
}

static inline int
op_check(const struct rte_marlin_hrdma_qp *qp, const struct rte_marlin_hrdma_op *op)
{
	if (unlikely(op->local == NULL && op->len != 0))
		return -EINVAL;
	switch (op->opcode) {
	case RTE_MARLIN_HRDMA_OP_WRITE:
	case RTE_MARLIN_HRDMA_OP_READ:
	case RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY:
		return remote_range_ok(qp, op->remote_off, op->len) ? 0 : -ERANGE;
	case RTE_MARLIN_HRDMA_OP_SEND:
		return op->len > qp->msg_size ? -ERANGE : 0;
	default:
		return -EINVAL;
	}
}

/* A CPU copy into the peer's window: streaming stores for large ones,
 * which need a store fence before anything later (*fence). */
static inline void
copy_out(struct rte_marlin_hrdma_qp *qp, void *dst, const void *src,
		uint32_t len, uint8_t *fence)
{
	if (len >= qp->nt_threshold) {
		qp->nt_copy(dst, src, len);
		*fence = 1;
	} else {
		memcpy(dst, src, len);
	}
}

/*
 * Descriptors written in this burst whose sequence word is still due.
 *
 * A descriptor is one cache line: body (opcode, length, immediate, up to
 * HRDMA_INLINE_MAX payload bytes) in its first 56 bytes, the sequence word
 * that validates it in the last 8. The body is composed in a private copy
 * and stored with a few wide stores, then the sequence word with one 8-byte
 * store, so the line the receiver polls changes hands once per message in
 * the common case. Order: every body (and slot payload) store before any
 * sequence word. On x86 (TSO) plain stores to cacheable memory become
 * visible in program order, so a compiler barrier (a store-release) is
 * enough when the peer's window is ordinary memory; a write-combining
 * window (PCIe BAR mapped WC) or streaming stores need a store fence, and
 * so do weaker architectures (rte_smp_wmb / rte_wmb).
 */
#define SEQ_BATCH 32

struct seq_batch {
	struct hrdma_wire_desc *d[SEQ_BATCH];
	uint64_t w[SEQ_BATCH];
	unsigned int n;
	uint8_t fence;    /* a store fence is needed before the words */
};

/* Payloads and descriptor bodies first, one barrier, then the words. */
static inline void
seq_flush(struct seq_batch *b)
{
	unsigned int i;

	if (b->n == 0)
		return;
	if (b->fence)
		rte_wmb();
	else
		rte_smp_wmb();
	for (i = 0; i < b->n; i++)
		__atomic_store_n(&b->d[i]->seq, b->w[i], __ATOMIC_RELEASE);
	b->n = 0;
}

/* Fill a descriptor body (payload already in place unless inline). */
static inline void
desc_fill(struct rte_marlin_hrdma_qp *qp, struct seq_batch *b, uint32_t desc_n,
		uint16_t wire_op, const void *inl, uint32_t len, uint64_t off,
		uint64_t imm)
{
	struct hrdma_wire_desc *d = &qp->tx_desc[(desc_n - 1) & (qp->depth - 1)];
	struct hrdma_wire_desc body;

	/* Composed here, so the peer's line takes a few wide stores and no
	 * byte of this stack frame beyond the payload reaches the peer. */
	memset(&body, 0, offsetof(struct hrdma_wire_desc, seq));
	if (inl != NULL) {
		body.flags = HRDMA_WIRE_F_INLINE;
		hrdma_inl_copy(body.inl, inl, len);
	}
	body.imm = imm;
	body.offset = wire_op == HRDMA_WIRE_NOTIFY ? off : 0;
	body.len = len;
	body.opcode = wire_op;
	memcpy(d, &body, offsetof(struct hrdma_wire_desc, seq));
	if (b->n == SEQ_BATCH)
		seq_flush(b);
	b->d[b->n] = d;
	b->w[b->n] = hrdma_seq_word(qp->peer_epoch, desc_n);
	b->n++;
}

/* Where the payload of a descriptor-carrying op goes on the peer. */
static inline void *
payload_dst(struct rte_marlin_hrdma_qp *qp, const struct rte_marlin_hrdma_op *op,
		uint16_t wire_op, uint32_t desc_n, rte_iova_t *iova)
{
	if (wire_op == HRDMA_WIRE_SEND) {
		size_t off = (size_t)((desc_n - 1) & (qp->depth - 1)) * qp->msg_size;

		*iova = qp->tx_slots_iova + off;
		return qp->tx_slots + off;
	}
	*iova = qp->remote_region_iova + op->remote_off;
	return qp->remote_region + op->remote_off;
}

static inline void
cqe_put(struct rte_marlin_hrdma_qp *qp, uint64_t cookie, int status,
		uint8_t opcode, uint32_t len, uint64_t off)
{
	struct rte_marlin_hrdma_cqe *c = &qp->cq[qp->cq_tail & (qp->cq_size - 1)];

	c->cookie = cookie;
	c->status = status;
	c->opcode = opcode;
	c->qid = (uint8_t)qp->qid;
	c->reserved = 0;
	c->len = status == 0 ? len : 0;
	c->imm = 0;
	c->offset = off;
	c->data = NULL;
	qp->cq_tail++;
}

static inline uint16_t
wire_op_of(uint8_t opcode)
{
	return opcode == RTE_MARLIN_HRDMA_OP_SEND ? HRDMA_WIRE_SEND :
	       opcode == RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY ? HRDMA_WIRE_NOTIFY : 0;
}

/*
 * Queue an operation behind earlier engine copies: its copy is started (by
 * the engine, or done now by the CPU) and its descriptor and completion wait
 * for rte_marlin_hrdma_poll_cq(). Returns 0, or -ENOSPC when the engine is
 * full (nothing was changed).
 */
static inline int
post_deferred(struct rte_marlin_hrdma_qp *qp, const struct rte_marlin_hrdma_op *op,
		int status, uint16_t wire_op, int engine, uint16_t *dma_cap)
{
	struct hrdma_pend *e = &qp->pend[qp->pend_tail & (qp->depth - 1)];
	uint32_t desc_n = 0;

	if (engine && status == 0) {
		rte_iova_t src_iova = op->local_iova, dst_iova = 0;
		const void *src = op->local;
		void *dst;
		int rc;

		if (*dma_cap == 0)
			return -ENOSPC;
		if (src_iova == 0 && qp->need_iova)
			src_iova = rte_mem_virt2iova(op->local);
		if (qp->need_iova && src_iova == RTE_BAD_IOVA) {
			status = -EFAULT;
			goto queue;
		}
		if (op->opcode == RTE_MARLIN_HRDMA_OP_READ) {
			dst = op->local;
			dst_iova = src_iova;
			src = qp->remote_region + op->remote_off;
			src_iova = qp->remote_region_iova + op->remote_off;
		} else {
			if (wire_op != 0)
				desc_n = qp->tx_n + 1;
			dst = payload_dst(qp, op, wire_op, desc_n, &dst_iova);
		}
		rc = rte_marlin_dma_copy_iova(qp->dma_id, qp->dma_q, src, src_iova,
					      dst, dst_iova, op->len, 0);
		if (rc < 0)
			return -ENOSPC;
		(*dma_cap)--;
		__atomic_fetch_add(&qp->dma_inflight, 1, __ATOMIC_RELAXED);
		e->dma = 1;
		e->done = 0;
		e->inl_len = 0;
	} else {
		e->dma = 0;
		e->done = 1;
		e->inl_len = 0;
		if (status == 0) {
			if (wire_op != 0)
				desc_n = qp->tx_n + 1;
			if (wire_op != 0 && op->len <= HRDMA_INLINE_MAX) {
				memcpy(e->inl, op->local, op->len);
				e->inl_len = (uint8_t)op->len;
			} else if (op->opcode == RTE_MARLIN_HRDMA_OP_READ) {
				memcpy(op->local, qp->remote_region + op->remote_off,
				       op->len);
			} else {
				rte_iova_t unused;

				memcpy(payload_dst(qp, op, wire_op, desc_n, &unused),
				       op->local, op->len);
			}
		}
	}
queue:
	if (desc_n != 0)
		qp->tx_n = desc_n;
	e->desc_n = status == 0 ? desc_n : 0;
	e->cookie = op->cookie;
	e->imm = op->imm;
	e->off = op->remote_off;
	e->len = op->len;
	e->epoch = qp->epoch;
	e->status = status;
	e->opcode = op->opcode;
	e->wire_op = (uint8_t)wire_op;
	e->cqe = (op->flags & RTE_MARLIN_HRDMA_F_SIGNALED) || status != 0;
	if (e->dma == 0 && status != 0)
		e->done = 1;
	qp->pend_tail++;
	return 0;
}

/*
 * One WRITE_NOTIFY or SEND whose payload fits in the descriptor, with
 * nothing queued behind an engine, room in the ring and, if it is
 * signalled, in the completion queue: the latency case, straight from the
 * call to the sequence word. Everything between a message's arrival and
 * the answer's store delays the answer (line_floor, modes ring vs desc),
 * so the bookkeeping comes after the store. Inside dp_enter(), state UP,
 * the operation checked. Takes the fields, not an operation: callers that
 * have them in registers need not build one (rte_marlin_hrdma_write_notify).
 */
static inline void
post_one_inline(struct rte_marlin_hrdma_qp *qp, uint16_t wire_op,
		uint8_t opcode, const void *local, uint32_t len, uint64_t off,
		uint64_t imm, uint64_t cookie, unsigned int flags)
{
	uint32_t desc_n = qp->tx_n + 1;
	struct hrdma_wire_desc *d = &qp->tx_desc[(desc_n - 1) & (qp->depth - 1)];
	struct hrdma_wire_desc body;

	memset(&body, 0, offsetof(struct hrdma_wire_desc, seq));
	body.flags = HRDMA_WIRE_F_INLINE;
	hrdma_inl_copy(body.inl, local, len);
	body.imm = imm;
	body.offset = wire_op == HRDMA_WIRE_NOTIFY ? off : 0;
	body.len = len;
	body.opcode = wire_op;
	memcpy(d, &body, offsetof(struct hrdma_wire_desc, seq));
	if (qp->wc_order)
		rte_wmb();
	else
		rte_smp_wmb();
	__atomic_store_n(&d->seq, hrdma_seq_word(qp->peer_epoch, desc_n),
			 __ATOMIC_RELEASE);
	qp->tx_n = desc_n;
	if (flags & RTE_MARLIN_HRDMA_F_SIGNALED)
		cqe_put(qp, cookie, 0, opcode, len, off);
	qp->stats.tx_bytes += len;
	qp->stats.completed++;
	qp->stats.posted++;
}

/*
 * Inside dp_enter(), state UP: is the peer's credit needed before @n more
 * descriptors, and if so is it sane? Reading the credit line (the peer
 * writes it) on every post pulls it across: one more cache-line hand-over
 * on the path of a small message, and the peer's next credit store must
 * take it back. So only when what we know to be free is no more than this
 * call asks for, or half the ring; a credit only ever frees more. -1: the
 * peer wrote garbage.
 */
static inline int
credit_before(struct rte_marlin_hrdma_qp *qp, uint32_t n)
{
	if (qp->depth - (qp->tx_n - qp->tx_consumed) <= RTE_MAX(n, qp->depth / 2))
		return refresh_credit(qp);
	return 0;
}

int
rte_marlin_hrdma_post(struct rte_marlin_hrdma_qp *qp,
		const struct rte_marlin_hrdma_op *ops, uint16_t n)
{
	struct seq_batch batch;
	uint32_t desc_free, cq_free;
	uint16_t dma_cap = 0, dma_used = 0;
	uint16_t i;

	if (unlikely(dp_enter(qp) != RTE_MARLIN_HRDMA_STATE_UP)) {
		dp_leave(qp);
		return -ENOLINK;
	}
	if (unlikely(credit_before(qp, n) != 0)) {
		dp_leave(qp);
		return -ENOLINK;
	}
	batch.n = 0;
	batch.fence = qp->wc_order;
	desc_free = qp->depth - (qp->tx_n - qp->tx_consumed);
	/* Every queued operation may still need a completion entry. */
	cq_free = qp->cq_size - (qp->cq_tail - qp->cq_head) -
		  (qp->pend_tail - qp->pend_head);
	if (n == 1 && ops[0].len <= HRDMA_INLINE_MAX && desc_free != 0 &&
			qp->pend_head == qp->pend_tail &&
			(ops[0].opcode == RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY ||
			 ops[0].opcode == RTE_MARLIN_HRDMA_OP_SEND) &&
			(cq_free != 0 ||
			 !(ops[0].flags & RTE_MARLIN_HRDMA_F_SIGNALED)) &&
			likely(op_check(qp, &ops[0]) == 0)) {
		post_one_inline(qp, wire_op_of(ops[0].opcode), ops[0].opcode,
				ops[0].local, ops[0].len, ops[0].remote_off,
				ops[0].imm, ops[0].cookie, ops[0].flags);
		if (unlikely(desc_free == 1))
			prod_publish(qp);
		dp_leave(qp);
		return 1;
	}
	if (qp->dma_id >= 0)
		dma_cap = rte_marlin_dma_burst_capacity(qp->dma_id, qp->dma_q);

	for (i = 0; i < n; i++) {
		const struct rte_marlin_hrdma_op *op = &ops[i];
		int status = op_check(qp, op);
		int cqe = (op->flags & RTE_MARLIN_HRDMA_F_SIGNALED) || status != 0;
		uint16_t wire_op = wire_op_of(op->opcode);
		int engine = qp->dma_id >= 0 && op->len >= qp->cpu_threshold &&
			     !(wire_op != 0 && op->len <= HRDMA_INLINE_MAX);

		if (status == 0 && wire_op != 0 && desc_free == 0) {
			qp->stats.ring_full++;
			break;
		}
		if (engine || qp->pend_head != qp->pend_tail) {
			/* Behind (or on) the engine: publish in order later. */
			if (cq_free == 0 ||
					qp->pend_tail - qp->pend_head == qp->depth)
				break;
			if (post_deferred(qp, op, status, wire_op, engine,
					  &dma_cap) != 0)
				break;
			dma_used += engine && status == 0;
			cq_free--;
			if (status == 0 && wire_op != 0)
				desc_free--;
			if (status == 0)
				qp->stats.tx_bytes += op->len;
			continue;
		}
		if (cqe && cq_free == 0)
			break;
		if (likely(status == 0)) {
			switch (op->opcode) {
			case RTE_MARLIN_HRDMA_OP_WRITE:
				copy_out(qp, qp->remote_region + op->remote_off,
					 op->local, op->len, &batch.fence);
				qp->stats.tx_bytes += op->len;
				break;
			case RTE_MARLIN_HRDMA_OP_READ:
				memcpy(op->local,
				       qp->remote_region + op->remote_off, op->len);
				qp->stats.rx_bytes += op->len;
				break;
			default: { /* WRITE_NOTIFY, SEND */
				uint32_t desc_n = qp->tx_n + 1;
				const void *inl = NULL;

				if (op->len <= HRDMA_INLINE_MAX) {
					/* one line crosses the bridge */
					inl = op->local;
				} else {
					rte_iova_t unused;

					copy_out(qp, payload_dst(qp, op, wire_op,
								 desc_n, &unused),
						 op->local, op->len, &batch.fence);
				}
				desc_fill(qp, &batch, desc_n, wire_op, inl,
					  op->len, op->remote_off, op->imm);
				qp->tx_n = desc_n;
				desc_free--;
				qp->stats.tx_bytes += op->len;
				break;
			}
			}
		} else {
			qp->stats.errors++;
		}
		if (cqe) {
			cqe_put(qp, op->cookie, status, op->opcode, op->len,
				op->remote_off);
			cq_free--;
		}
		qp->stats.completed++;
	}
	if (batch.fence && batch.n == 0)
		rte_wmb();   /* streaming or WC stores before anything later */
	seq_flush(&batch);
	if (unlikely(desc_free == 0))
		prod_publish(qp);
	if (dma_used)
		rte_marlin_dma_submit(qp->dma_id, qp->dma_q);
	qp->stats.posted += i;
	dp_leave(qp);
	if (i == 0 && n != 0)
		return -ENOSPC;
	return i;
}

int
rte_marlin_hrdma_write_notify(struct rte_marlin_hrdma_qp *qp, const void *local,
		uint32_t len, uint64_t remote_off, uint64_t imm, uint64_t cookie,
		unsigned int flags)
{
	struct rte_marlin_hrdma_op op;
	int rc;

	if (likely(len <= HRDMA_INLINE_MAX &&
			!(flags & ~RTE_MARLIN_HRDMA_F_SIGNALED))) {
		uint32_t desc_free;

		if (unlikely(dp_enter(qp) != RTE_MARLIN_HRDMA_STATE_UP)) {
			dp_leave(qp);
			return -ENOLINK;
		}
		if (unlikely(credit_before(qp, 1) != 0)) {
			dp_leave(qp);
			return -ENOLINK;
		}
		desc_free = qp->depth - (qp->tx_n - qp->tx_consumed);
		/* as rte_marlin_hrdma_post()'s inline case and op_check() */
		if (likely((desc_free != 0) & (qp->pend_head == qp->pend_tail) &
				((local != NULL) | (len == 0)) &
				remote_range_ok(qp, remote_off, len) &
				(!(flags & RTE_MARLIN_HRDMA_F_SIGNALED) ||
				 qp->cq_size - (qp->cq_tail - qp->cq_head) != 0))) {
			post_one_inline(qp, HRDMA_WIRE_NOTIFY,
					RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, local, len,
					remote_off, imm, cookie, flags);
			if (unlikely(desc_free == 1))
				prod_publish(qp);
			dp_leave(qp);
			return 0;
		}
		dp_leave(qp);
	}
	memset(&op, 0, sizeof(op));
	op.opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY;
	op.flags = (uint8_t)flags;
	op.len = len;
	op.local = (void *)(uintptr_t)local;
	op.remote_off = remote_off;
	op.imm = imm;
	op.cookie = cookie;
	rc = rte_marlin_hrdma_post(qp, &op, 1);
	return rc == 1 ? 0 : rc;
}

void *
rte_marlin_hrdma_send_reserve(struct rte_marlin_hrdma_qp *qp, uint32_t *room)
{
	if (unlikely(dp_enter(qp) != RTE_MARLIN_HRDMA_STATE_UP)) {
		dp_leave(qp);
		rte_errno = ENOLINK;
		return NULL;
	}
	/* The credit line only when the ring looks at least half used, as
	 * in rte_marlin_hrdma_post(). */
	if (qp->depth - (qp->tx_n - qp->tx_consumed) <= qp->depth / 2 &&
			unlikely(refresh_credit(qp) != 0)) {
		dp_leave(qp);
		rte_errno = ENOLINK;
		return NULL;
	}
	if (unlikely(qp->tx_n - qp->tx_consumed == qp->depth ||
			qp->pend_head != qp->pend_tail)) {
		if (qp->tx_n - qp->tx_consumed == qp->depth) {
			qp->stats.ring_full++;
			prod_publish(qp);
		}
		dp_leave(qp);
		rte_errno = ENOSPC;
		return NULL;
	}
	*room = qp->msg_size;
	return qp->tx_slots + (size_t)(qp->tx_n & (qp->depth - 1)) * qp->msg_size;
}

int
rte_marlin_hrdma_send_commit(struct rte_marlin_hrdma_qp *qp, uint32_t len,
		uint64_t imm)
{
	/* A fence in any case: the caller's stores may be streaming ones. */
	struct seq_batch batch = { .n = 0, .fence = 1 };
	uint32_t desc_n = qp->tx_n + 1;

	if (unlikely(len > qp->msg_size)) {
		dp_leave(qp);
		return -ERANGE;
	}
	desc_fill(qp, &batch, desc_n, HRDMA_WIRE_SEND, NULL, len, 0, imm);
	seq_flush(&batch);
	qp->tx_n = desc_n;
	if (unlikely(qp->tx_n - qp->tx_consumed == qp->depth))
		prod_publish(qp);
	qp->stats.tx_bytes += len;
	qp->stats.posted++;
	qp->stats.completed++;
	dp_leave(qp);
	return 0;
}

void
rte_marlin_hrdma_send_abort(struct rte_marlin_hrdma_qp *qp)
{
	dp_leave(qp);
}

/*
 * Take the engine's statuses, then publish queued operations in order up to
 * the first one whose copy is still running. Owner thread, inside dp_enter.
 */
static void
pend_progress(struct rte_marlin_hrdma_qp *qp, int up)
{
	const uint32_t mask = qp->depth - 1;
	struct seq_batch batch;
	int st[64];
	uint16_t got, k;

	if (qp->dma_id >= 0 &&
			__atomic_load_n(&qp->dma_inflight, __ATOMIC_RELAXED) != 0) {
		got = rte_marlin_dma_completed_status(qp->dma_id, qp->dma_q,
						      RTE_DIM(st), NULL, st);
		for (k = 0; k < got && qp->pend_dma != qp->pend_tail; ) {
			struct hrdma_pend *e = &qp->pend[qp->pend_dma & mask];

			if (e->dma && !e->done) {
				e->done = 1;
				if (st[k] != 0 && e->status == 0)
					e->status = -EIO;
				k++;
			}
			qp->pend_dma++;
		}
		__atomic_fetch_sub(&qp->dma_inflight, got, __ATOMIC_RELEASE);
	}

	batch.n = 0;
	/* engine copies completed: the engine's own ordering is not the
	 * CPU's, keep the store fence */
	batch.fence = 1;
	while (qp->pend_head != qp->pend_tail) {
		struct hrdma_pend *e = &qp->pend[qp->pend_head & mask];

		if (!e->done)
			break;
		if (e->status == 0 && (!up || e->epoch != qp->epoch)) {
			e->status = -ENOLINK;       /* lost with the link */
			qp->stats.flushed++;
		}
		if (e->status == 0 && e->desc_n != 0)
			desc_fill(qp, &batch, e->desc_n, e->wire_op,
				  e->inl_len || e->len == 0 ? e->inl : NULL,
				  e->len, e->off, e->imm);
		if (e->status != 0)
			qp->stats.errors++;
		if (e->cqe || e->status != 0)
			cqe_put(qp, e->cookie, e->status, e->opcode, e->len, e->off);
		qp->stats.completed++;
		qp->pend_head++;
	}
	if ((int32_t)(qp->pend_dma - qp->pend_head) < 0)
		qp->pend_dma = qp->pend_head;
	seq_flush(&batch);
}

int
rte_marlin_hrdma_poll_cq(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_cqe *cqe, uint16_t n)
{
	uint32_t avail;
	uint16_t i;

	if (qp->pend_head != qp->pend_tail) {
		int up = dp_enter(qp) == RTE_MARLIN_HRDMA_STATE_UP;

		pend_progress(qp, up);
		dp_leave(qp);
	}
	avail = qp->cq_tail - qp->cq_head;
	if (n > avail)
		n = (uint16_t)avail;
	for (i = 0; i < n; i++)
		cqe[i] = qp->cq[(qp->cq_head + i) & (qp->cq_size - 1)];
	qp->cq_head += n;
	return n;
}

int
rte_marlin_hrdma_recv(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_cqe *cqe, uint16_t n)
{
	const uint32_t mask = qp->depth - 1;
	struct hrdma_wire_desc d;
	const char *why = NULL;
	uint16_t i;
	int st;

	/*
	 * A poll that finds nothing is the common case: answer it from the
	 * next slot's sequence word alone, without the full barrier of
	 * dp_enter(). Only when the word is a plain "not yet" (another
	 * bring-up's, a fresh zero, or the previous lap's) and the channel is
	 * UP; anything else takes the checked path below. Should the control
	 * thread reset the rings meanwhile, this can only answer 0.
	 */
	if (likely(n != 0)) {
		uint32_t nx = qp->rx_n + 1;
		uint32_t ep = __atomic_load_n(&qp->lim.epoch, __ATOMIC_RELAXED);
		uint64_t seq = __atomic_load_n(&qp->rx_desc[qp->rx_n & mask].seq,
					       __ATOMIC_RELAXED);

		if (seq != hrdma_seq_word(ep, nx) &&
				((uint32_t)(seq >> 32) != ep ||
				 (uint32_t)seq == (uint32_t)(nx - qp->depth)) &&
				__atomic_load_n(qp->state, __ATOMIC_RELAXED) ==
				RTE_MARLIN_HRDMA_STATE_UP)
			return 0;
	}
	st = dp_enter(qp);
	if (unlikely(st != RTE_MARLIN_HRDMA_STATE_UP)) {
		dp_leave(qp);
		return st == RTE_MARLIN_HRDMA_STATE_ERROR ? -EPROTO : -ENOLINK;
	}
	for (i = 0; i < n; i++) {
		uint32_t slot = qp->rx_n & mask;
		struct rte_marlin_hrdma_cqe *c = &cqe[i];
		enum hrdma_rx_verdict v;

		if (qp->rx_n - qp->rx_released >= qp->depth)
			break;                  /* every slot is held */
		v = hrdma_rx_parse(&qp->rx_desc[slot], qp->rx_n + 1, &qp->lim,
				   &d, &why);
		if (v == HRDMA_RX_EMPTY)
			break;
		if (unlikely(v == HRDMA_RX_BAD)) {
			peer_garbage(qp, why);
			break;
		}
		c->cookie = qp->rx_n + 1;
		c->status = 0;
		c->qid = (uint8_t)qp->qid;
		c->reserved = 0;
		c->len = d.len;
		c->imm = d.imm;
		if (d.opcode == HRDMA_WIRE_SEND) {
			/* A message that rode in its descriptor is handed
			 * over where it is, like one in its slot: the line
			 * was just read and stays ours until the release, and
			 * no store (into a slot line 2 KiB on, often cold)
			 * sits ahead of the answer. The length is the checked
			 * copy's. */
			uint8_t *buf = d.flags & HRDMA_WIRE_F_INLINE ?
				(uint8_t *)(uintptr_t)qp->rx_desc[slot].inl :
				qp->rx_slots + (size_t)slot * qp->msg_size;

			c->opcode = RTE_MARLIN_HRDMA_OP_RECV;
			c->offset = 0;
			c->data = buf;
		} else {
			uint8_t *dst = qp->local_region + d.offset;

			/* The upper layer may refuse it before any byte of it
			 * is applied here (inline payloads). */
			if (qp->notify_check != NULL)
				c->status = qp->notify_check(qp->notify_check_arg,
						d.offset, d.len, d.imm);
			if (c->status != 0)
				dst = NULL;
			else if (d.flags & HRDMA_WIRE_F_INLINE)
				hrdma_inl_copy(dst, d.inl, d.len);
			c->opcode = RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
			c->offset = d.offset;
			c->data = dst;
		}
		qp->stats.rx_bytes += d.len;
		qp->rx_n++;
	}
	qp->stats.rx_msgs += i;
	if (i != 0)
		__atomic_store_n(&qp->rx_pub, qp->rx_n, __ATOMIC_RELEASE);
	dp_leave(qp);
	if (i == 0 && why != NULL)
		return -EPROTO;
	return i;
}

int
rte_marlin_hrdma_qp_notify_check(struct rte_marlin_hrdma_qp *qp,
		rte_marlin_hrdma_notify_check_t fn, void *arg)
{
	if (qp == NULL)
		return -EINVAL;
	qp->notify_check_arg = arg;
	qp->notify_check = fn;
	return 0;
}

/*
 * The count of released entries is ring state: the control thread resets
 * it with the rings, so it is only touched inside dp_enter() while UP.
 * (Counting it before the check let a release racing a link flap add to
 * the fresh count; the new bring-up then believed entries held that were
 * never received, and with enough of them stopped receiving.) Entries of
 * an earlier bring-up are gone with its rings: releasing them is a no-op.
 */
int
rte_marlin_hrdma_recv_release(struct rte_marlin_hrdma_qp *qp, uint16_t n)
{
	int rc = 0;

	if (n == 0)
		return 0;
	if (dp_enter(qp) == RTE_MARLIN_HRDMA_STATE_UP) {
		if (n > qp->rx_n - qp->rx_released) {
			rc = -EINVAL;
		} else {
			qp->rx_released += n;
			/* one 8-byte store into the sender's window */
			__atomic_store_n(&qp->rx_credit->word,
				hrdma_seq_word(qp->peer_epoch, qp->rx_released),
				__ATOMIC_RELEASE);
		}
	}
	dp_leave(qp);
	return rc;
}

int
rte_marlin_hrdma_send_capacity(struct rte_marlin_hrdma_qp *qp)
{
	int cap = 0;

	if (dp_enter(qp) == RTE_MARLIN_HRDMA_STATE_UP && refresh_credit(qp) == 0) {
		cap = (int)(qp->depth - (qp->tx_n - qp->tx_consumed));
		if (unlikely(cap == 0))
			prod_publish(qp);
	}
	dp_leave(qp);
	return cap;
}

int
rte_marlin_hrdma_qp_stats_get(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_qp_stats *stats)
{
	if (qp == NULL || stats == NULL)
		return -EINVAL;
	*stats = qp->stats;
	return 0;
}
