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

#include "rte_marlin_hrdma.h"
#include "hrdma_private.h"

/*
 * Tell the control thread a data-path call runs (it waits for us before it
 * resets rings) and check the channel is usable. The store and the load
 * must not be reordered: both are sequentially consistent.
 */
static inline int
dp_enter(struct rte_marlin_hrdma_qp *qp)
{
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
	int64_t c = hrdma_credit_parse(word, qp->epoch, qp->tx_n, qp->tx_consumed);

	if (unlikely(c < 0)) {
		peer_garbage(qp, "credit index out of range");
		return -1;
	}
	qp->tx_consumed = (uint32_t)c;
	return 0;
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
		if (op->len > qp->remote_region_len ||
				op->remote_off > qp->remote_region_len - op->len)
			return -ERANGE;
		return 0;
	case RTE_MARLIN_HRDMA_OP_SEND:
		return op->len > qp->msg_size ? -ERANGE : 0;
	default:
		return -EINVAL;
	}
}

/* Descriptors written in this burst whose sequence word is still due. */
#define SEQ_BATCH 32

struct seq_batch {
	struct hrdma_wire_desc *d[SEQ_BATCH];
	uint64_t w[SEQ_BATCH];
	unsigned int n;
};

/* Payloads and descriptor bodies first, one barrier, then the words. */
static inline void
seq_flush(struct seq_batch *b)
{
	unsigned int i;

	if (b->n == 0)
		return;
	rte_wmb();
	for (i = 0; i < b->n; i++)
		__atomic_store_n(&b->d[i]->seq, b->w[i], __ATOMIC_RELEASE);
	b->n = 0;
}

static inline void
post_desc(struct rte_marlin_hrdma_qp *qp, struct seq_batch *b,
		const struct rte_marlin_hrdma_op *op, uint16_t wire_op)
{
	uint32_t slot = qp->tx_n & (qp->depth - 1);
	struct hrdma_wire_desc *d = &qp->tx_desc[slot];
	uint16_t flags = 0;

	if (op->len <= HRDMA_INLINE_MAX) {
		/* Small payloads ride in the descriptor: one line crosses. */
		flags = HRDMA_WIRE_F_INLINE;
		memcpy(d->inl, op->local, op->len);
	} else if (wire_op == HRDMA_WIRE_SEND) {
		memcpy(qp->tx_slots + (size_t)slot * qp->msg_size, op->local,
		       op->len);
	} else {
		memcpy(qp->remote_region + op->remote_off, op->local, op->len);
	}
	d->imm = op->imm;
	d->offset = wire_op == HRDMA_WIRE_NOTIFY ? op->remote_off : 0;
	d->len = op->len;
	d->opcode = wire_op;
	d->flags = flags;
	qp->tx_n++;
	if (b->n == SEQ_BATCH)
		seq_flush(b);
	b->d[b->n] = d;
	b->w[b->n] = hrdma_seq_word(qp->peer_epoch, qp->tx_n);
	b->n++;
}

int
rte_marlin_hrdma_post(struct rte_marlin_hrdma_qp *qp,
		const struct rte_marlin_hrdma_op *ops, uint16_t n)
{
	struct seq_batch batch;
	uint32_t desc_free, cq_free;
	uint16_t i;

	if (unlikely(dp_enter(qp) != RTE_MARLIN_HRDMA_STATE_UP)) {
		dp_leave(qp);
		return -ENOLINK;
	}
	if (unlikely(refresh_credit(qp) != 0)) {
		dp_leave(qp);
		return -ENOLINK;
	}
	batch.n = 0;
	desc_free = qp->depth - (qp->tx_n - qp->tx_consumed);
	cq_free = qp->cq_size - (qp->cq_tail - qp->cq_head);

	for (i = 0; i < n; i++) {
		const struct rte_marlin_hrdma_op *op = &ops[i];
		int status = op_check(qp, op);
		int cqe = (op->flags & RTE_MARLIN_HRDMA_F_SIGNALED) || status != 0;
		int desc = op->opcode == RTE_MARLIN_HRDMA_OP_SEND ||
			   op->opcode == RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY;

		if (cqe && cq_free == 0)
			break;
		if (status == 0 && desc && desc_free == 0) {
			qp->stats.ring_full++;
			break;
		}
		if (likely(status == 0)) {
			switch (op->opcode) {
			case RTE_MARLIN_HRDMA_OP_WRITE:
				memcpy(qp->remote_region + op->remote_off,
				       op->local, op->len);
				qp->stats.tx_bytes += op->len;
				break;
			case RTE_MARLIN_HRDMA_OP_READ:
				memcpy(op->local,
				       qp->remote_region + op->remote_off, op->len);
				qp->stats.rx_bytes += op->len;
				break;
			case RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY:
				post_desc(qp, &batch, op, HRDMA_WIRE_NOTIFY);
				desc_free--;
				qp->stats.tx_bytes += op->len;
				break;
			default: /* SEND */
				post_desc(qp, &batch, op, HRDMA_WIRE_SEND);
				desc_free--;
				qp->stats.tx_bytes += op->len;
				break;
			}
		} else {
			qp->stats.errors++;
		}
		if (cqe) {
			struct rte_marlin_hrdma_cqe *c =
				&qp->cq[qp->cq_tail & (qp->cq_size - 1)];

			c->cookie = op->cookie;
			c->status = status;
			c->opcode = op->opcode;
			c->qid = (uint8_t)qp->qid;
			c->len = status == 0 ? op->len : 0;
			c->imm = 0;
			c->offset = op->remote_off;
			c->data = NULL;
			qp->cq_tail++;
			cq_free--;
		}
		qp->stats.completed++;
	}
	seq_flush(&batch);
	qp->stats.posted += i;
	dp_leave(qp);
	if (i == 0 && n != 0) {
		return -ENOSPC;
	}
	return i;
}

int
rte_marlin_hrdma_poll_cq(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_cqe *cqe, uint16_t n)
{
	uint32_t avail = qp->cq_tail - qp->cq_head;
	uint16_t i;

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
			uint8_t *buf = qp->rx_slots + (size_t)slot * qp->msg_size;

			if (d.flags & HRDMA_WIRE_F_INLINE)
				memcpy(buf, d.inl, d.len);
			c->opcode = RTE_MARLIN_HRDMA_OP_RECV;
			c->offset = 0;
			c->data = buf;
		} else {
			uint8_t *dst = qp->local_region + d.offset;

			if (d.flags & HRDMA_WIRE_F_INLINE)
				memcpy(dst, d.inl, d.len);
			c->opcode = RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
			c->offset = d.offset;
			c->data = dst;
		}
		qp->stats.rx_bytes += d.len;
		qp->rx_n++;
	}
	qp->stats.rx_msgs += i;
	dp_leave(qp);
	if (i == 0 && why != NULL)
		return -EPROTO;
	return i;
}

int
rte_marlin_hrdma_recv_release(struct rte_marlin_hrdma_qp *qp, uint16_t n)
{
	if (n > qp->rx_n - qp->rx_released)
		return -EINVAL;
	if (n == 0)
		return 0;
	qp->rx_released += n;
	if (dp_enter(qp) == RTE_MARLIN_HRDMA_STATE_UP)
		__atomic_store_n(&qp->rx_credit->word,
			hrdma_seq_word(qp->peer_epoch, qp->rx_released),
			__ATOMIC_RELEASE);
	dp_leave(qp);
	return 0;
}

int
rte_marlin_hrdma_send_capacity(struct rte_marlin_hrdma_qp *qp)
{
	int cap = 0;

	if (dp_enter(qp) == RTE_MARLIN_HRDMA_STATE_UP && refresh_credit(qp) == 0)
		cap = (int)(qp->depth - (qp->tx_n - qp->tx_consumed));
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
