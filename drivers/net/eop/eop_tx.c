/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP transmit. Each frame is copied once, straight from the mbuf into the
 * peer's receive slots (HRDMA SEND), and the mbuf is freed; small frames
 * are gathered several to a packed message first. See eop_rx.c for how
 * bursts and the control thread share a queue.
 */

#include <string.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "eop_private.h"

#define FL_MASK(txq) (RTE_DIM((txq)->fl) - 1)

/* Give back every transmit-pool mbuf whose buffer the peer held. */
void
eop_txq_unhold(struct eop_txq *txq)
{
	uint32_t i;

	for (i = 0; i < RTE_DIM(txq->hold) && txq->held > 0; i++) {
		if (txq->hold[i] != NULL) {
			rte_pktmbuf_free(txq->hold[i]);
			txq->hold[i] = NULL;
			txq->held--;
		}
	}
}

static void
txq_new_gen(struct eop_txq *txq, uint32_t gen)
{
	uint32_t i;

	/* Frames whose slots the peer never gave back were in flight. */
	for (i = txq->fl_head; i != txq->fl_tail; i++)
		txq->lost_link += txq->fl[i & FL_MASK(txq)];
	eop_txq_unhold(txq);
	txq->fl_head = 0;
	txq->fl_tail = 0;
	txq->inflight = 0;
	txq->gen = gen;
}

/* The peer gave slots back: forget them. */
static inline void
txq_credit(struct eop_txq *txq, uint32_t cap)
{
	uint32_t now = txq->depth - cap, done = txq->inflight - now, i;

	/* buffers of the transmit pool come back with their slots */
	for (i = 0; i < done && txq->held > 0; i++) {
		struct rte_mbuf **h = &txq->hold[(txq->fl_head + i) & FL_MASK(txq)];

		if (*h != NULL) {
			rte_pktmbuf_free(*h);
			*h = NULL;
			txq->held--;
		}
	}
	txq->fl_head += done;
	txq->inflight = now;
}

/*
 * Describe one frame as SEND operations, one per slot. Returns the number
 * of operations, 0 when they do not fit in @room operations or @cap slots,
 * -1 for a frame that cannot be sent.
 */
static inline int
tx_frame_ops(struct eop_txq *txq, struct rte_mbuf *m,
		struct rte_marlin_hrdma_op *ops, uint32_t room, uint32_t cap)
{
	uint32_t len = m->pkt_len, slot = txq->slot_size;
	uint32_t pad = 0, flags = 0, count = 0, idx = 0;
	const struct rte_mbuf *seg;

	if (txq->zc_min != 0 && len >= txq->zc_min &&
			rte_pktmbuf_headroom(m) >= EOP_PAD) {
		pad = EOP_PAD;
		flags = EOP_IMM_F_PAD;
	}
	if (likely(m->nb_segs == 1 && len + pad <= slot)) {
		if (room < 1 || cap < 1)
			return 0;
		ops[0].opcode = RTE_MARLIN_HRDMA_OP_SEND;
		ops[0].flags = 0;
		ops[0].reserved = 0;
		ops[0].len = len + pad;
		ops[0].local = rte_pktmbuf_mtod(m, uint8_t *) - pad;
		ops[0].remote_off = 0;
		ops[0].imm = eop_imm_make(len, 0, 1, flags);
		ops[0].cookie = 0;
		txq->fl[txq->fl_tail++ & FL_MASK(txq)] = 1;
		return 1;
	}
	/* Count the slots first: every segment is cut at slot size. */
	for (seg = m; seg != NULL; seg = seg->next) {
		uint32_t left = seg->data_len, first = (seg == m) ? pad : 0;

		while (left > 0) {
			uint32_t chunk = RTE_MIN(left, slot - first);

			left -= chunk;
			first = 0;
			count++;
		}
	}
	if (unlikely(count == 0 || count > EOP_MAX_FRAGS))
		return -1;
	if (count > room || count > cap)
		return 0;
	for (seg = m; seg != NULL; seg = seg->next) {
		uint8_t *src = rte_pktmbuf_mtod(seg, uint8_t *);
		uint32_t left = seg->data_len, first = (seg == m) ? pad : 0;

		while (left > 0) {
			uint32_t chunk = RTE_MIN(left, slot - first);
			struct rte_marlin_hrdma_op *op = &ops[idx];

			op->opcode = RTE_MARLIN_HRDMA_OP_SEND;
			op->flags = 0;
			op->reserved = 0;
			op->len = chunk + first;
			op->local = src - first;
			op->remote_off = 0;
			op->imm = eop_imm_make(len, idx, count, flags);
			op->cookie = 0;
			src += chunk;
			left -= chunk;
			first = 0;
			idx++;
			/* the frame completes with its last slot */
			txq->fl[txq->fl_tail++ & FL_MASK(txq)] = idx == count;
		}
	}
	return (int)count;
}

/* A frame the application built in the peer's memory (transmit pool):
 * one notification of no bytes names it. */
static inline int
tx_inplace(const struct eop_txq *txq, const struct rte_mbuf *m)
{
	return m->pool == txq->pool && txq->pool != NULL && m->nb_segs == 1 &&
		rte_pktmbuf_headroom(m) >= EOP_PAD;
}

static inline void
tx_inplace_op(struct eop_txq *txq, struct rte_mbuf *m,
		struct rte_marlin_hrdma_op *op)
{
	op->opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY;
	op->flags = 0;
	op->reserved = 0;
	op->len = 0;
	op->local = &txq->none;
	op->remote_off = (uint64_t)(rte_pktmbuf_mtod(m, uint8_t *) - txq->rregion);
	op->imm = eop_imm_make(m->pkt_len, 0, 1, EOP_IMM_F_INPLACE);
	op->cookie = 0;
	op->local_iova = 0;
	txq->hold[txq->fl_tail & FL_MASK(txq)] = m;
	txq->fl[txq->fl_tail++ & FL_MASK(txq)] = 1;
}

/* Open a list of small frames built in place: its entries go into a
 * buffer of the pool (in the peer's memory too); the frames are chained
 * behind it, so that the whole list is freed as one when the peer gives
 * the slot back. Returns the list mbuf or NULL (no buffer left). */
static inline struct rte_mbuf *
tx_list_open(struct eop_txq *txq, struct rte_marlin_hrdma_op *op)
{
	struct rte_mbuf *l = rte_pktmbuf_alloc(txq->pool);

	if (l == NULL)
		return NULL;
	op->opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY;
	op->flags = 0;
	op->reserved = 0;
	op->len = 0;
	op->local = &txq->none;
	op->remote_off = (uint64_t)(rte_pktmbuf_mtod(l, uint8_t *) - txq->rregion);
	op->cookie = 0;
	op->local_iova = 0;
	txq->hold[txq->fl_tail & FL_MASK(txq)] = l;
	txq->fl[txq->fl_tail++ & FL_MASK(txq)] = 0;
	return l;
}

static inline void
tx_list_add(struct eop_txq *txq, struct rte_marlin_hrdma_op *op,
		struct rte_mbuf *l, struct rte_mbuf **tail, struct rte_mbuf *m,
		uint32_t count)
{
	struct eop_wire_ref r = {
		.off = (uint32_t)(rte_pktmbuf_mtod(m, uint8_t *) - txq->rregion),
		.len = (uint16_t)m->pkt_len, .reserved = 0 };

	memcpy(rte_pktmbuf_mtod_offset(l, uint8_t *, (count - 1) * sizeof(r)),
	       &r, sizeof(r));
	(*tail)->next = m;
	*tail = m;
	op->imm = eop_imm_make(count * (uint32_t)sizeof(r), 0, count,
			       EOP_IMM_F_INPLACE | EOP_IMM_F_LIST);
	txq->fl[(txq->fl_tail - 1) & FL_MASK(txq)]++;
}

/* Gather a small frame into the packed message of @op. */
static inline void
tx_pack_add(struct rte_marlin_hrdma_op *op, const struct rte_mbuf *m,
		uint32_t count)
{
	uint8_t *dst = (uint8_t *)op->local + op->len;
	struct eop_wire_rec r = { .len = (uint16_t)m->pkt_len, .reserved = 0 };
	const struct rte_mbuf *seg;

	memcpy(dst, &r, sizeof(r));
	dst += sizeof(r);
	if (likely(m->nb_segs == 1)) {
		rte_memcpy(dst, rte_pktmbuf_mtod(m, const uint8_t *), m->pkt_len);
	} else {
		for (seg = m; seg != NULL; seg = seg->next) {
			rte_memcpy(dst, rte_pktmbuf_mtod(seg, const uint8_t *),
				   seg->data_len);
			dst += seg->data_len;
		}
	}
	op->len += eop_rec_size(m->pkt_len);
	op->imm = eop_imm_make(op->len, 0, count, EOP_IMM_F_PACK);
}

/* A batch that did not go: slot @pos holds nothing any more; a list gives
 * its frames back unchained (they stay the application's). */
static void
tx_unhold_unsent(struct eop_txq *txq, uint32_t pos, struct rte_mbuf **frames,
		uint16_t nfr)
{
	struct rte_mbuf *l = txq->hold[pos & FL_MASK(txq)], *nx;
	uint16_t j;

	txq->hold[pos & FL_MASK(txq)] = NULL;
	if (l == NULL)
		return;
	for (j = 0; j < nfr; j++)
		if (frames[j] == l)
			return;         /* a single frame, not a list */
	nx = l->next;
	l->next = NULL;
	rte_pktmbuf_free(l);            /* the list buffer itself */
	while (nx != NULL) {
		struct rte_mbuf *m = nx;

		nx = m->next;
		m->next = NULL;
	}
}

uint16_t
eop_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct eop_txq *txq = queue;
	struct eop_port *port = txq->port;
	struct rte_marlin_hrdma_op ops[EOP_TX_OPS];
	uint16_t sent = 0, posted = 0;
	uint32_t gen, cap;
	int rc;

	if (unlikely(!eop_q_enter(&txq->busy, &txq->started))) {
		eop_q_leave(&txq->busy);
		return 0;
	}
	gen = __atomic_load_n(&port->gen, __ATOMIC_ACQUIRE);
	if (unlikely(gen != txq->gen))
		txq_new_gen(txq, gen);
	if (unlikely(txq->pool != NULL &&
		     __atomic_load_n(&port->txpool_stale, __ATOMIC_ACQUIRE))) {
		uint16_t i = 0;

		/* send up to the first frame of the pool: it may have been
		 * built in the peer's memory before the peer set it up anew */
		while (i < n && !tx_inplace(txq, pkts[i]))
			i++;
		if (i < n) {
			txq->stale_pool += n - i;
			n = i;
		}
		if (n == 0) {
			eop_q_leave(&txq->busy);
			return 0;
		}
	}
	rc = rte_marlin_hrdma_send_capacity(txq->qp);
	if (unlikely(rc <= 0)) {
		if (__atomic_load_n(&port->hstate, __ATOMIC_RELAXED) !=
				RTE_MARLIN_HRDMA_STATE_UP)
			txq->link_down += n;
		else
			txq->ring_full += n;
		eop_q_leave(&txq->busy);
		return 0;
	}
	cap = (uint32_t)rc;
	txq_credit(txq, cap);

	while (sent < n && cap > 0) {
		uint32_t nops = 0, first_tail = txq->fl_tail, staged = 0;
		uint32_t pk_count = 0, nkeep = 0, lst_count = 0, j;
		int pk = -1;            /* operation of the open packed message */
		int lst = -1;           /* operation of the open in-place list */
		struct rte_mbuf *lst_m = NULL, *lst_tail = NULL;
		uint16_t nfr = 0;
		/* frames whose buffer the peer will hold (not freed here) */
		uint64_t kept[EOP_TX_OPS * EOP_PACK_FRAMES / 64];
		uint64_t bytes = 0;

		while (sent + nfr < n) {
			struct rte_mbuf *m = pkts[sent + nfr];
			uint32_t len = m->pkt_len;
			int k;

			if (unlikely(len < RTE_ETHER_HDR_LEN || len > txq->max_frame)) {
				if (nfr > 0)
					break;  /* send what precedes it first */
				txq->errors++;
				rte_pktmbuf_free(m);
				sent++;
				continue;
			}
			if (tx_inplace(txq, m)) {
				if (nkeep == 0)
					memset(kept, 0, sizeof(kept));
				if (len <= txq->pack_max &&
						rte_mbuf_refcnt_read(m) == 1) {
					if (lst < 0 || lst_count == EOP_PACK_FRAMES) {
						if (nops == EOP_TX_OPS || cap == 0)
							break;
						lst_m = tx_list_open(txq, &ops[nops]);
						if (lst_m == NULL)
							goto single;
						lst = (int)nops++;
						cap--;
						lst_tail = lst_m;
						lst_count = 0;
					}
					tx_list_add(txq, &ops[lst], lst_m, &lst_tail,
						    m, ++lst_count);
					goto kept;
				}
single:
				if (nops == EOP_TX_OPS || cap == 0)
					break;
				tx_inplace_op(txq, m, &ops[nops++]);
				cap--;
				lst = -1;
kept:
				kept[nfr / 64] |= UINT64_C(1) << (nfr % 64);
				nkeep++;
				pk = -1;
				bytes += len;
				nfr++;
				continue;
			}
			if (len <= txq->pack_max) {
				if (pk < 0 || pk_count == EOP_PACK_FRAMES ||
						ops[pk].len + eop_rec_size(len) >
						txq->pack_limit) {
					if (nops == EOP_TX_OPS || cap == 0 ||
							staged + txq->pack_limit >
							txq->stage_size)
						break;
					pk = (int)nops++;
					cap--;
					ops[pk].opcode = RTE_MARLIN_HRDMA_OP_SEND;
					ops[pk].flags = 0;
					ops[pk].reserved = 0;
					ops[pk].len = 0;
					ops[pk].local = txq->stage + staged;
					ops[pk].remote_off = 0;
					ops[pk].cookie = 0;
					staged += txq->pack_limit;
					pk_count = 0;
					txq->fl[txq->fl_tail++ & FL_MASK(txq)] = 0;
				}
				lst = -1;
				tx_pack_add(&ops[pk], m, ++pk_count);
				txq->fl[(txq->fl_tail - 1) & FL_MASK(txq)]++;
				bytes += len;
				nfr++;
				continue;
			}
			k = tx_frame_ops(txq, m, ops + nops, EOP_TX_OPS - nops, cap);
			if (unlikely(k < 0)) {
				if (nfr > 0)
					break;
				txq->errors++;
				rte_pktmbuf_free(m);
				sent++;
				continue;
			}
			if (k == 0)
				break;
			/* Later small frames may not overtake this one. */
			pk = -1;
			lst = -1;
			nops += (uint32_t)k;
			cap -= (uint32_t)k;
			bytes += len;
			nfr++;
		}
		if (nops == 0)
			break;
		rc = rte_marlin_hrdma_post(txq->qp, ops, (uint16_t)nops);
		if (unlikely(rc < 0)) {
			/* Link lost under us: nothing of this batch went; the
			 * frames stay the application's. */
			for (j = first_tail; j != txq->fl_tail; j++)
				tx_unhold_unsent(txq, j, pkts + sent, nfr);
			txq->fl_tail = first_tail;
			txq->link_down += n - sent;
			break;
		}
		txq->inflight += (uint32_t)rc;
		if (unlikely((uint32_t)rc != nops)) {
			/* Not expected (capacity was checked): frames cut short
			 * are consumed and counted as errors. */
			for (j = first_tail + (uint32_t)rc; j != txq->fl_tail; j++) {
				struct rte_mbuf **h = &txq->hold[j & FL_MASK(txq)];

				/* a list frees the frames chained to it */
				rte_pktmbuf_free(*h);
				*h = NULL;
			}
			txq->fl_tail = first_tail + (uint32_t)rc;
			txq->errors++;
		}
		if (likely(nkeep == 0)) {
			rte_pktmbuf_free_bulk(pkts + sent, nfr);
		} else {
			/* pool mbufs whose notification went stay held until
			 * the peer gives their buffer back (txq_credit()); those
			 * cut short were freed above */
			for (j = first_tail; j != txq->fl_tail; j++)
				txq->held += txq->hold[j & FL_MASK(txq)] != NULL;
			for (j = 0; j < nfr; j++)
				if (!(kept[j / 64] & (UINT64_C(1) << (j % 64))))
					rte_pktmbuf_free(pkts[sent + j]);
		}
		txq->pkts += nfr;
		txq->bytes += bytes;
		sent = (uint16_t)(sent + nfr);
		posted = (uint16_t)(posted + nfr);
		if ((uint32_t)rc != nops)
			break;
	}
	if (sent < n && cap == 0)
		txq->ring_full += n - sent;

	if (posted > 0) {
		/* Frames are visible; now see whether the peer sleeps. */
		uint64_t a;

		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
		a = __atomic_load_n(&txq->arm->seq, __ATOMIC_ACQUIRE);
		if (unlikely(a != txq->arm_seen)) {
			txq->arm_seen = a;
			if (rte_marlin_ntb_peer_db_set(port->ntb_id, port->pidx,
						       txq->db_bits) == 0)
				txq->doorbells++;
		}
	}
	eop_q_leave(&txq->busy);
	return sent;
}
