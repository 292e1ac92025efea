/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP receive: bursts, receive interrupts and zero-copy receive buffers.
 *
 * Receive hands a frame to the application either as a copy into an mbuf
 * of the queue's pool (small frames) or as mbufs attached to the receive
 * slots themselves (zero-copy); a slot goes back to the sender when its
 * mbuf is freed. With rx_copy=1 every frame is copied: the lengths come
 * from the completion (a private copy), the bytes are read from the slot
 * once, and the MAC filter looks at the copy, so what the application sees
 * is what was checked. HRDMA gives slots back in ring order, so the queue keeps a
 * "done" flag per slot and returns the longest run of done slots at each
 * burst.
 *
 * Each queue is driven by one lcore. The control thread (the port's alarm)
 * may reset the channel underneath; it bumps the port generation and waits
 * until no burst runs (busy flag), and every burst starts by catching up
 * with the generation.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "eop_private.h"

/* ---- zero-copy blocks --------------------------------------------------- */

void
eop_zc_free_cb(void *addr, void *opaque)
{
	struct eop_zc_slot *s = opaque;
	struct eop_zc_block *b = s->blk;

	RTE_SET_USED(addr);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		rte_free(b);
}

static struct eop_zc_block *
zc_block_alloc(uint32_t depth, int socket)
{
	struct eop_zc_block *b;
	uint32_t i;

	b = rte_zmalloc_socket("eop_zc", sizeof(*b) + depth * sizeof(b->slot[0]),
			       RTE_CACHE_LINE_SIZE, socket);
	if (b == NULL)
		return NULL;
	b->refs = 1;
	b->depth = depth;
	for (i = 0; i < depth; i++) {
		b->slot[i].blk = b;
		b->slot[i].shinfo.free_cb = eop_zc_free_cb;
		b->slot[i].shinfo.fcb_opaque = &b->slot[i];
	}
	return b;
}

static void
zc_block_put(struct eop_zc_block *b)
{
	if (b != NULL && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		rte_free(b);
}

int
eop_rxq_init(struct eop_rxq *rxq, int socket)
{
	uint32_t depth = rxq->mask + 1;
	int i;

	for (i = 0; i < 2; i++) {
		rxq->blocks[i] = zc_block_alloc(depth, socket);
		if (rxq->blocks[i] == NULL) {
			eop_rxq_fini(rxq);
			return -ENOMEM;
		}
	}
	rxq->blk = rxq->blocks[0];
	rxq->efd = -1;
	return 0;
}

void
eop_rxq_fini(struct eop_rxq *rxq)
{
	int i;

	for (i = 0; i < 2; i++) {
		zc_block_put(rxq->blocks[i]);
		rxq->blocks[i] = NULL;
	}
	rxq->blk = NULL;
}

uint32_t
eop_rxq_zc_held(const struct eop_rxq *rxq)
{
	uint32_t held = 0;
	int i;

	for (i = 0; i < 2; i++)
		if (rxq->blocks[i] != NULL)
			held += __atomic_load_n(&rxq->blocks[i]->refs,
						__ATOMIC_ACQUIRE) - 1;
	return held;
}

/* Take a block no mbuf points into, with every flag clear. */
static void
rxq_pick_block(struct eop_rxq *rxq)
{
	int i;

	rxq->blk = NULL;
	for (i = 0; i < 2; i++) {
		struct eop_zc_block *b = rxq->blocks[i];
		uint32_t s;

		if (b == NULL || __atomic_load_n(&b->refs, __ATOMIC_ACQUIRE) != 1)
			continue;
		for (s = 0; s < b->depth; s++)
			b->slot[s].done = 0;
		rxq->blk = b;
		return;
	}
}

/* ---- receive ------------------------------------------------------------ */

/* The channel was reset: what HRDMA held for us is gone. */
static void
rxq_new_gen(struct eop_rxq *rxq, uint32_t gen)
{
	uint16_t i;

	for (i = 0; i < rxq->npend; i++)
		if (eop_imm_idx(rxq->pend[i].imm) == 0)
			rxq->lost_link++;
	rxq->npend = 0;
	rxq->pk_off = 0;
	rxq->pk_done = 0;
	rxq->head = 0;
	rxq->rel = 0;
	rxq_pick_block(rxq);
	rxq->gen = gen;
}

static inline void
rxq_sync(struct eop_rxq *rxq)
{
	uint32_t gen = __atomic_load_n(&rxq->port->gen, __ATOMIC_ACQUIRE);

	if (unlikely(gen != rxq->gen))
		rxq_new_gen(rxq, gen);
	else if (unlikely(rxq->blk == NULL) && rxq->head == rxq->rel)
		rxq_pick_block(rxq);
}

/* Give back to the sender the slots the application is done with. */
static inline void
rxq_release(struct eop_rxq *rxq)
{
	uint32_t start = rxq->rel;

	if (rxq->blk == NULL) {
		rxq->rel = rxq->head - rxq->npend;
	} else {
		struct eop_zc_slot *slot = rxq->blk->slot;

		while (rxq->rel != rxq->head) {
			struct eop_zc_slot *s = &slot[rxq->rel & rxq->mask];

			if (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
				break;
			s->done = 0;
			rxq->rel++;
		}
	}
	if (rxq->rel != start)
		rte_marlin_hrdma_recv_release(rxq->qp, (uint16_t)(rxq->rel - start));
}

static inline void
rxq_done(struct eop_rxq *rxq, uint32_t pos, uint16_t n)
{
	uint16_t i;

	if (rxq->blk == NULL)
		return;
	for (i = 0; i < n; i++)
		rxq->blk->slot[(pos + i) & rxq->mask].done = 1;
}

/* Drop frames the port does not accept in its current filter mode. */
static inline int
rx_filtered(const struct eop_port *port, const uint8_t *frame)
{
	const struct rte_ether_addr *dst = (const struct rte_ether_addr *)frame;

	if (port->promisc)
		return 0;
	if (rte_is_multicast_ether_addr(dst))
		return !(port->allmulti || rte_is_broadcast_ether_addr(dst));
	return !rte_is_same_ether_addr(dst, &port->mac);
}

/* rx_copy=1: the filter looks at the private copy, never again at the
 * slot the sender can still write. */
static inline int
rx_filtered_copy(const struct eop_port *port, const struct rte_mbuf *m)
{
	uint8_t dst[RTE_ETHER_ADDR_LEN];
	const uint8_t *d = rte_pktmbuf_read(m, 0, sizeof(dst), dst);

	return d == NULL || rx_filtered(port, d);
}

/* Append @len bytes to the chain that @m heads, adding mbufs as needed;
 * *seg is its last segment. */
static inline int
rx_append(struct eop_rxq *rxq, struct rte_mbuf *m, struct rte_mbuf **seg,
		const uint8_t *src, uint32_t len)
{
	struct rte_mbuf *s = *seg;

	while (len > 0) {
		uint32_t room = rte_pktmbuf_tailroom(s), chunk;

		if (room == 0) {
			struct rte_mbuf *nx;

			if (!rxq->scatter)
				return -EMSGSIZE;
			nx = rte_pktmbuf_alloc(rxq->mp);
			if (nx == NULL)
				return -ENOMEM;
			s->next = nx;
			s = nx;
			m->nb_segs++;
			continue;
		}
		chunk = RTE_MIN(room, len);
		rte_memcpy(rte_pktmbuf_mtod_offset(s, uint8_t *, s->data_len), src,
			   chunk);
		s->data_len = (uint16_t)(s->data_len + chunk);
		m->pkt_len += chunk;
		src += chunk;
		len -= chunk;
	}
	*seg = s;
	return 0;
}

/* Copy a frame of @k fragments into @m (and more mbufs if needed). */
static int
rx_copy(struct eop_rxq *rxq, struct rte_mbuf *m,
		const struct rte_marlin_hrdma_cqe *c, uint16_t k, uint32_t len,
		uint32_t pad)
{
	struct rte_mbuf *seg = m;
	uint16_t i;
	int rc;

	if (likely(k == 1 && len <= rte_pktmbuf_tailroom(m))) {
		rte_memcpy(rte_pktmbuf_mtod(m, uint8_t *),
			   (const uint8_t *)c[0].data + pad, len);
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		return 0;
	}
	if (len > rte_pktmbuf_tailroom(m) && !rxq->scatter)
		return -EMSGSIZE;
	for (i = 0; i < k; i++) {
		uint32_t off = i == 0 ? pad : 0;

		rc = rx_append(rxq, m, &seg, (const uint8_t *)c[i].data + off,
			       c[i].len - off);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Hand the slots themselves to the application: @m heads the chain, the
 * other k - 1 mbufs are in @more. */
static void
rx_attach(struct eop_rxq *rxq, struct rte_mbuf *m, struct rte_mbuf **more,
		const struct rte_marlin_hrdma_cqe *c, uint16_t k, uint32_t pos,
		uint32_t len, uint32_t pad)
{
	struct rte_mbuf *seg = m, *prev = NULL;
	uint16_t i;

	for (i = 0; i < k; i++) {
		struct eop_zc_slot *s = &rxq->blk->slot[(pos + i) & rxq->mask];
		uint32_t off = i == 0 ? pad : 0;
		rte_iova_t iova = rxq->iova_va ?
			(rte_iova_t)(uintptr_t)c[i].data : RTE_BAD_IOVA;

		if (i > 0)
			seg = more[i - 1];
		rte_mbuf_ext_refcnt_set(&s->shinfo, 1);
		rte_pktmbuf_attach_extbuf(seg, c[i].data, iova,
					  (uint16_t)c[i].len, &s->shinfo);
		seg->data_off = (uint16_t)off;
		seg->data_len = (uint16_t)(c[i].len - off);
		if (prev != NULL)
			prev->next = seg;
		prev = seg;
	}
	m->nb_segs = k;
	m->pkt_len = len;
}

/* Several frames behind one entry: a packed message or an in-place list. */
static inline int
is_pack(uint64_t imm)
{
	return (eop_imm_flags(imm) & (EOP_IMM_F_PACK | EOP_IMM_F_LIST)) != 0;
}

static inline void
rx_count_drop(struct eop_rxq *rxq, int rc)
{
	if (rc == -ENOMEM)
		rxq->nombuf++;
	else
		rxq->too_big++;
}

uint16_t
eop_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct eop_rxq *rxq = queue;
	struct eop_port *port = rxq->port;
	struct rte_mbuf *mb[EOP_RX_PEND + EOP_PACK_FRAMES];
	struct rte_mbuf *more[EOP_MAX_FRAGS];
	struct rte_marlin_hrdma_cqe *pend = rxq->pend;
	uint16_t out = 0, i = 0, nf = 0, taken = 0, want;
	uint32_t base, zc_refs = 0, cnt = 0;
	uint64_t bytes = 0;
	int rc;

	if (unlikely(!eop_q_enter(&rxq->busy, &rxq->started))) {
		eop_q_leave(&rxq->busy);
		return 0;
	}
	rxq_sync(rxq);
	rxq_release(rxq);

	want = (uint16_t)RTE_MIN((uint32_t)n, (uint32_t)(EOP_RX_PEND - rxq->npend));
	if (want > 0) {
		rc = rte_marlin_hrdma_recv(rxq->qp, pend + rxq->npend, want);
		if (rc > 0) {
			rxq->head += (uint32_t)rc;
			rxq->npend = (uint16_t)(rxq->npend + rc);
		}
	}
	if (rxq->npend == 0)
		goto out;
	base = rxq->head - rxq->npend;

	/* One mbuf per frame, in one go. */
	for (i = 0; i < rxq->npend && cnt < n; i++) {
		uint64_t imm = pend[i].imm;

		if (is_pack(imm))
			cnt += eop_imm_count(imm);
		else
			cnt += eop_imm_idx(imm) == 0;
	}
	nf = (uint16_t)RTE_MIN(RTE_MIN(cnt, (uint32_t)n), (uint32_t)RTE_DIM(mb));
	if (nf > 0 && unlikely(rte_pktmbuf_alloc_bulk(rxq->mp, mb, nf) != 0)) {
		rxq->nombuf++;
		nf = 0;
	}

	i = 0;
	while (i < rxq->npend) {
		const struct rte_marlin_hrdma_cqe *c = &pend[i];
		struct rte_marlin_hrdma_cqe tmp;
		uint32_t len = 0, pad = 0;
		uint16_t used;
		struct rte_mbuf *m;
		int v, inplace = 0;

		if (c->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY &&
				!(eop_imm_flags(c->imm) & EOP_IMM_F_LIST)) {
			/* built in place by the peer: offset and length come
			 * from our copy of the notification */
			if (unlikely(!eop_inplace_check(c, rxq->region_len, &len))) {
				rxq->malformed++;
				rxq_done(rxq, base + i, 1);
				i++;
				continue;
			}
			memset(&tmp, 0, sizeof(tmp));
			tmp.data = rxq->region + c->offset - EOP_PAD;
			tmp.len = len + EOP_PAD;
			c = &tmp;
			used = 1;
			pad = EOP_PAD;
			inplace = 1;
			goto frame;
		}
		if (is_pack(c->imm)) {
			uint32_t count = eop_imm_count(c->imm);
			int list = c->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;

			if (unlikely(list ? !eop_list_check(c, rxq->region_len) :
					!eop_pack_check(c, rxq->slot_size))) {
				rxq->malformed++;
				goto pack_done;
			}
			while (rxq->pk_done < count) {
				const uint8_t *f;

				if (taken == nf)
					goto stop;      /* resume here next time */
				if (list)
					f = eop_list_next(rxq->region,
							  rxq->region_len, c,
							  rxq->pk_done, &len);
				else
					f = eop_pack_next(c->data, c->len,
							  &rxq->pk_off, &len);
				if (unlikely(f == NULL)) {
					rxq->malformed++;
					break;
				}
				rxq->pk_done++;
				if (unlikely(len > rxq->max_frame)) {
					rxq->too_big++;
					continue;
				}
				if (unlikely(!rxq->copy_all && rx_filtered(port, f))) {
					rxq->filtered++;
					continue;
				}
				m = mb[taken++];
				if (likely(len <= rte_pktmbuf_tailroom(m))) {
					rte_memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, len);
					m->data_len = (uint16_t)len;
					m->pkt_len = len;
				} else {
					struct rte_mbuf *seg = m;

					rc = rx_append(rxq, m, &seg, f, len);
					if (unlikely(rc != 0)) {
						rx_count_drop(rxq, rc);
						rte_pktmbuf_free(m);
						continue;
					}
				}
				if (unlikely(rxq->copy_all &&
						rx_filtered_copy(port, m))) {
					rxq->filtered++;
					rte_pktmbuf_free(m);
					continue;
				}
				rxq->copied++;
				m->port = rxq->port_id;
				pkts[out++] = m;
				bytes += len;
			}
pack_done:
			rxq_done(rxq, base + i, 1);
			rxq->pk_off = 0;
			rxq->pk_done = 0;
			i++;
			continue;
		}

		v = eop_frame_check(c, (uint16_t)(rxq->npend - i), rxq->slot_size,
				    &used, &len, &pad);
		if (v == EOP_FRAME_PARTIAL)
			break;
		if (unlikely(v == EOP_FRAME_BAD)) {
			rxq->malformed++;
			rxq_done(rxq, base + i, used);
			i = (uint16_t)(i + used);
			continue;
		}
frame:
		if (unlikely(len > rxq->max_frame)) {
			rxq->too_big++;
			rxq_done(rxq, base + i, used);
			i = (uint16_t)(i + used);
			continue;
		}
		if (unlikely(!rxq->copy_all &&
				rx_filtered(port, (const uint8_t *)c->data + pad))) {
			rxq->filtered++;
			rxq_done(rxq, base + i, used);
			i = (uint16_t)(i + used);
			continue;
		}
		if (taken == nf)
			break;                  /* no mbuf left: keep it for later */
		m = mb[taken++];
		if (pad != 0 && rxq->blk != NULL && rxq->zc_min != 0 &&
				(inplace || len >= rxq->zc_min) &&
				(used == 1 || (rxq->scatter &&
				 rte_pktmbuf_alloc_bulk(rxq->mp, more, used - 1) == 0))) {
			rx_attach(rxq, m, more, c, used, base + i, len, pad);
			zc_refs += used;
			rxq->zc_frames++;
		} else {
			rc = rx_copy(rxq, m, c, used, len, pad);
			rxq_done(rxq, base + i, used);
			if (unlikely(rc != 0)) {
				rx_count_drop(rxq, rc);
				rte_pktmbuf_free(m);
				i = (uint16_t)(i + used);
				continue;
			}
			if (unlikely(rxq->copy_all && rx_filtered_copy(port, m))) {
				rxq->filtered++;
				rte_pktmbuf_free(m);
				i = (uint16_t)(i + used);
				continue;
			}
			rxq->copied++;
		}
		m->port = rxq->port_id;
		pkts[out++] = m;
		bytes += len;
		i = (uint16_t)(i + used);
	}
stop:
	if (taken < nf)
		rte_mempool_put_bulk(rxq->mp, (void **)&mb[taken], nf - taken);
	if (i > 0) {
		rxq->npend = (uint16_t)(rxq->npend - i);
		if (rxq->npend > 0)
			memmove(pend, pend + i, rxq->npend * sizeof(pend[0]));
	}
	if (zc_refs > 0)
		__atomic_add_fetch(&rxq->blk->refs, zc_refs, __ATOMIC_RELAXED);
	rxq_release(rxq);
	rxq->pkts += out;
	rxq->bytes += bytes;
out:
	eop_q_leave(&rxq->busy);
	return out;
}

/*
 * Arm the receive interrupt of a queue: tell the peer's sender to ring a
 * doorbell, then look once more, so that a frame sent in between is not
 * missed. Called on the lcore that polls the queue.
 */
int
eop_rxq_intr_arm(struct eop_rxq *rxq)
{
	struct rte_marlin_hrdma_op op;
	int pending = 0, rc;

	__atomic_store_n(&rxq->armed, 1, __ATOMIC_SEQ_CST);
	if (!eop_q_enter(&rxq->busy, &rxq->started)) {
		eop_q_leave(&rxq->busy);
		return 0;
	}
	rxq_sync(rxq);
	rxq->arm_seq++;
	memset(&op, 0, sizeof(op));
	op.opcode = RTE_MARLIN_HRDMA_OP_WRITE;
	op.len = sizeof(rxq->arm_seq);
	op.local = &rxq->arm_seq;
	op.remote_off = (uint64_t)rxq->qid * sizeof(struct eop_wire_arm) +
		offsetof(struct eop_wire_arm, seq);
	rte_marlin_hrdma_post(rxq->qp, &op, 1);
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rxq->npend > 0) {
		pending = 1;
	} else {
		rc = rte_marlin_hrdma_recv(rxq->qp, rxq->pend, 1);
		if (rc > 0) {
			rxq->head += (uint32_t)rc;
			rxq->npend = (uint16_t)rc;
			pending = 1;
		}
	}
	eop_q_leave(&rxq->busy);
	if (pending && rxq->efd >= 0) {
		uint64_t one = 1;

		if (write(rxq->efd, &one, sizeof(one)) == sizeof(one))
			rxq->wakeups++;
	}
	return 0;
}
