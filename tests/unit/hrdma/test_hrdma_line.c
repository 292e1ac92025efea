/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * One-line messages: what a small WRITE_NOTIFY / SEND puts on the wire,
 * lines torn or forged by the peer, and the release of received entries
 * racing the control thread's reset of the rings.
 */

#include <pthread.h>
#include <stdlib.h>

#include "hrdma_helpers.h"

/* The sender's descriptor for message @n in the peer's window. */
static const struct hrdma_wire_desc *
tx_line(struct rte_marlin_hrdma_qp *qp, uint32_t n)
{
	return &qp->tx_desc[(n - 1) & (qp->depth - 1)];
}

/* An 8-byte message is one line: payload, length, opcode and the sequence
 * word, and nothing of the sender's stack after the payload. */
void
test_line_format(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_qp *sq = f->qp[0];
	const struct hrdma_wire_desc *d;
	struct rte_marlin_hrdma_cqe cqe[2];
	uint8_t m[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int k;

	bring_up(f);
	assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, m, 8, 64,
			       0x1111, 0), 1);
	assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0,
			       0x2222, 0), 1);
	for (k = 1; k <= 2; k++) {
		d = tx_line(sq, k);
		assert_int_equal(d->seq, hrdma_seq_word(sq->peer_epoch, k));
		assert_int_equal(d->len, 8);
		assert_int_equal(d->flags, HRDMA_WIRE_F_INLINE);
		assert_memory_equal(d->inl, m, 8);
		for (unsigned int b = 8; b < HRDMA_INLINE_MAX; b++)
			assert_int_equal(d->inl[b], 0);
	}
	assert_int_equal(tx_line(sq, 1)->opcode, HRDMA_WIRE_NOTIFY);
	assert_int_equal(tx_line(sq, 1)->offset, 64);
	assert_int_equal(tx_line(sq, 1)->imm, 0x1111);
	assert_int_equal(tx_line(sq, 2)->opcode, HRDMA_WIRE_SEND);
	assert_int_equal(tx_line(sq, 2)->offset, 0);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 2), 2);
	assert_int_equal(cqe[0].imm, 0x1111);
	assert_memory_equal(cqe[0].data, m, 8);
	assert_int_equal(cqe[1].imm, 0x2222);
	assert_memory_equal(cqe[1].data, m, 8);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 2), 0);
}

/*
 * Lines a peer can leave half written or forge, checked by the parser on
 * its private copy: a valid sequence word over a body that is not (yet) a
 * descriptor is refused, never taken; a sequence word of another bring-up
 * or the last lap is "not yet"; one ahead of the ring is refused; and the
 * copy does not change when the peer rewrites the line afterwards.
 */
/* hrdma_inl_copy() writes exactly [dst, dst + len) and reads no byte past
 * src + len (the source ends a heap block: ASan would see it). */
static void
check_inl_copy(void)
{
	uint8_t dst[HRDMA_INLINE_MAX + 16];
	uint32_t len, k;

	for (len = 0; len <= HRDMA_INLINE_MAX; len++) {
		uint8_t *src = malloc(len + 1);

		assert_non_null(src);
		for (k = 0; k < len; k++)
			src[k] = (uint8_t)(0x40 + k + len);
		memset(dst, 0xee, sizeof(dst));
		hrdma_inl_copy(dst + 8, src, len);
		for (k = 0; k < sizeof(dst); k++) {
			if (k >= 8 && k < 8 + len)
				assert_int_equal(dst[k], src[k - 8]);
			else
				assert_int_equal(dst[k], 0xee);
		}
		free(src);
	}
}

/* Every inline length takes the single-message path: the line holds the
 * payload and zeros after it, the receiver applies exactly len bytes, a
 * signalled one completes, and a full ring is refused as on the general
 * path (counted, the producer word published). */
void
test_line_every_length(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_qp *sq = f->qp[0], *rq = f->qp[1];
	struct rte_marlin_hrdma_cqe cqe[2];
	struct rte_marlin_hrdma_qp_stats st;
	uint8_t m[HRDMA_INLINE_MAX];
	uint32_t len, n = 0, k;

	check_inl_copy();
	bring_up(f);
	for (len = 0; len <= HRDMA_INLINE_MAX; len++) {
		uint8_t *region = rq->local_region + 256;

		for (k = 0; k < len; k++)
			m[k] = (uint8_t)(len * 7 + k);
		memset(region, 0xee, 64);
		assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, m, len,
				       256, len, 0), 1);
		assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, len, 0,
				       len | 0x100, 0), 1);
		for (k = 1; k <= 2; k++) {
			const struct hrdma_wire_desc *d = tx_line(sq, n + k);

			assert_int_equal(d->len, len);
			assert_int_equal(d->flags, HRDMA_WIRE_F_INLINE);
			assert_memory_equal(d->inl, m, len);
			for (unsigned int b = len; b < HRDMA_INLINE_MAX; b++)
				assert_int_equal(d->inl[b], 0);
		}
		n += 2;
		assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 2), 2);
		assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_RECV_NOTIFY);
		assert_int_equal(cqe[0].len, len);
		assert_int_equal(cqe[0].imm, len);
		assert_ptr_equal(cqe[0].data, region);
		assert_memory_equal(region, m, len);
		for (k = len; k < 64; k++)
			assert_int_equal(region[k], 0xee);
		assert_int_equal(cqe[1].opcode, RTE_MARLIN_HRDMA_OP_RECV);
		assert_int_equal(cqe[1].len, len);
		assert_memory_equal(cqe[1].data, m, len);
		/* handed over in its descriptor line, not copied */
		assert_ptr_equal(cqe[1].data,
				 rq->rx_desc[(n - 1) & (rq->depth - 1)].inl);
		assert_int_equal(rte_marlin_hrdma_recv_release(rq, 2), 0);
	}

	/* signalled: one completion with its cookie */
	assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, 0x77,
			       RTE_MARLIN_HRDMA_F_SIGNALED), 1);
	assert_int_equal(rte_marlin_hrdma_poll_cq(sq, cqe, 2), 1);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(cqe[0].cookie, 0x77 ^ 0xc0ffee);
	assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_SEND);
	n++;

	/* fill the ring one message at a time */
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 1), 1);
	assert_int_equal(rte_marlin_hrdma_recv_release(rq, 1), 0);
	assert_int_equal(rte_marlin_hrdma_qp_stats_get(sq, &st), 0);
	k = 0;
	while (post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, k, 0) == 1)
		assert_true(++k <= sq->depth);
	assert_int_equal(k, sq->depth);
	assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, k, 0),
			 -ENOSPC);
	assert_int_equal(sq->tx_prod->word,
			 hrdma_seq_word(sq->peer_epoch, sq->tx_n));
	{
		struct rte_marlin_hrdma_qp_stats st2;

		assert_int_equal(rte_marlin_hrdma_qp_stats_get(sq, &st2), 0);
		assert_true(st2.ring_full > st.ring_full);
		assert_true(st2.posted == st.posted + sq->depth);
	}
}

void
test_line_torn_forged(void **state)
{
	struct hrdma_rx_limits lim = { .epoch = 9, .depth = 64, .msg_size = 256,
				       .region_len = 4096 };
	struct hrdma_wire_desc slot, out;
	const char *why = NULL;

	(void)state;
	/* torn: the sequence word arrived, the body is last lap's zeros */
	memset(&slot, 0, sizeof(slot));
	slot.seq = hrdma_seq_word(9, 1);
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	assert_non_null(why);
	/* torn: inline flag with the length of a larger message */
	slot.opcode = HRDMA_WIRE_SEND;
	slot.flags = HRDMA_WIRE_F_INLINE;
	slot.len = HRDMA_INLINE_MAX + 1;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	/* forged: notification reaching past the region by its length */
	slot.opcode = HRDMA_WIRE_NOTIFY;
	slot.flags = HRDMA_WIRE_F_INLINE;
	slot.len = 8;
	slot.offset = 4096 - 4;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	/* forged: an epoch that is not ours is not a message */
	slot.offset = 0;
	slot.seq = hrdma_seq_word(10, 1);
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_EMPTY);
	/* forged: ours, but a message number ahead of the ring */
	slot.seq = hrdma_seq_word(9, 1 + 64);
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	/* a good line; the peer rewrites it after the check */
	slot.seq = hrdma_seq_word(9, 1);
	memcpy(slot.inl, "abcdefgh", 8);
	slot.imm = 42;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_READY);
	slot.len = 100000;
	slot.offset = UINT64_MAX;
	slot.imm = 43;
	memset(slot.inl, 0xff, sizeof(slot.inl));
	assert_int_equal(out.len, 8);
	assert_int_equal(out.offset, 0);
	assert_int_equal(out.imm, 42);
	assert_memory_equal(out.inl, "abcdefgh", 8);
}

/* A torn line in the ring while UP stops the channel, as garbage does. */
void
test_line_torn_in_ring(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_qp *rq = f->qp[1];
	struct rte_marlin_hrdma_cqe cqe[2];
	struct hrdma_wire_desc *d;

	bring_up(f);
	d = (struct hrdma_wire_desc *)&rq->rx_desc[0];
	memset(d, 0, offsetof(struct hrdma_wire_desc, seq));
	__atomic_store_n(&d->seq, hrdma_seq_word(rq->lim.epoch, 1),
			 __ATOMIC_RELEASE);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 2), -EPROTO);
	poll_both(f, 1);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 2), -EPROTO);
}

/* Entries released after the rings were reset: nothing happens, and the
 * next bring-up's ring keeps working past a full lap. */
void
test_release_after_reset(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_qp *sq = f->qp[0], *rq = f->qp[1];
	struct rte_marlin_hrdma_cqe cqe[4];
	uint8_t m[8] = { 0 };
	uint32_t i;

	bring_up(f);
	for (i = 0; i < 3; i++)
		assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, i, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 4), 3);
	pair.cable_cut = 1;
	poll_both(f, 1);
	/* down, rings reset: the three are gone, releasing them is a no-op */
	assert_int_equal(rte_marlin_hrdma_recv_release(rq, 3), 0);
	assert_int_equal(rq->rx_released, 0);
	pair.cable_cut = 0;
	bring_up(f);
	assert_int_equal(rte_marlin_hrdma_recv_release(rq, 1), -EINVAL);
	for (i = 0; i < 3 * rq->depth; i++) {
		assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, i, 0), 1);
		assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 1), 1);
		assert_int_equal(cqe[0].imm, i);
		assert_int_equal(rte_marlin_hrdma_recv_release(rq, 1), 0);
	}
}

/*
 * The owner thread sends, receives and releases while a control thread
 * flaps the link and resets the rings (the busy/state handshake, with
 * membarrier on the control side where the kernel has it). Afterwards
 * the ring must carry two full laps in order: a release counted into a
 * reset ring would leave entries "held" that never came, and stop it.
 */
struct flapper {
	struct fixture *f;
	int stop;
	int flaps;
};

static void *
flap_thread(void *arg)
{
	struct flapper *fl = arg;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000 };

	while (!__atomic_load_n(&fl->stop, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&pair.cable_cut, 1, __ATOMIC_RELAXED);
		poll_both(fl->f, 1);
		__atomic_store_n(&pair.cable_cut, 0, __ATOMIC_RELAXED);
		poll_both(fl->f, 6);
		nanosleep(&ts, NULL);
		fl->flaps++;
	}
	/* leave it UP, reset by this thread for the last time */
	poll_both(fl->f, 6);
	return NULL;
}

void
test_release_vs_reset_race(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_qp *sq = f->qp[0], *rq = f->qp[1];
	struct rte_marlin_hrdma_cqe cqe[8], cq[64];
	struct flapper fl = { .f = f };
	uint64_t end, deadline;
	uint8_t m[8] = { 0 };
	pthread_t th;
	uint32_t i;
	int n;

	bring_up(f);
	assert_int_equal(pthread_create(&th, NULL, flap_thread, &fl), 0);
	end = rte_get_timer_cycles() + rte_get_timer_hz() / 2;
	while (rte_get_timer_cycles() < end) {
		post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, 0, 0);
		n = rte_marlin_hrdma_recv(rq, cqe, 8);
		if (n > 0)
			rte_marlin_hrdma_recv_release(rq, (uint16_t)n);
		rte_marlin_hrdma_poll_cq(sq, cq, 64);
	}
	__atomic_store_n(&fl.stop, 1, __ATOMIC_RELEASE);
	/* keep using the queue pairs while the last reset runs */
	while (pthread_tryjoin_np(th, NULL) != 0) {
		n = rte_marlin_hrdma_recv(rq, cqe, 8);
		if (n > 0)
			rte_marlin_hrdma_recv_release(rq, (uint16_t)n);
	}
	assert_true(fl.flaps > 0);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[0], 1000), 0);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[1], 1000), 0);
	/* drain what the last bring-up already carries */
	while ((n = rte_marlin_hrdma_recv(rq, cqe, 8)) > 0)
		assert_int_equal(rte_marlin_hrdma_recv_release(rq, (uint16_t)n), 0);
	for (i = 0; i < 2 * rq->depth; i++) {
		assert_int_equal(post1(sq, RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0,
				       1000 + i, 0), 1);
		deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 10;
		while ((n = rte_marlin_hrdma_recv(rq, cqe, 1)) == 0 &&
				rte_get_timer_cycles() < deadline)
			;
		assert_int_equal(n, 1);
		assert_int_equal(cqe[0].imm, 1000 + i);
		assert_int_equal(rte_marlin_hrdma_recv_release(rq, 1), 0);
		rte_marlin_hrdma_poll_cq(sq, cq, 64);
	}
}
