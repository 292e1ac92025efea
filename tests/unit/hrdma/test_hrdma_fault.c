/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* HRDMA unit tests with a DMA engine, and recovery from a peer fault, over
 * the fake NTB pair. main() is in test_hrdma.c. */

#include "hrdma_helpers.h"

/* ---- with a DMA engine (DPDK's dma_skeleton behind the dmadev engine) --- */

int engine_id = -1;

int
setup_engine(void **state)
{
	struct rte_marlin_hrdma_conf c = conf_default();

	if (engine_id < 0) {
		print_message("no dma_skeleton engine: %s\n", "see main()");
		return -1;
	}
	c.nb_qp = 1;
	c.dma_dev_id = engine_id;
	c.cpu_threshold = 256;
	return setup_with(state, &c, &c);
}

/* Poll completions until @want arrived or a bounded time passed. */
static int
cq_collect(struct rte_marlin_hrdma_qp *qp, struct rte_marlin_hrdma_cqe *cqe,
		int want)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 5;
	int got = 0;

	while (got < want && rte_get_timer_cycles() < deadline)
		got += rte_marlin_hrdma_poll_cq(qp, cqe + got, (uint16_t)(want - got));
	return got;
}

/* Engine and CPU copies mixed: the peer sees everything in posting order. */
void
test_engine_order(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_op ops[6];
	struct rte_marlin_hrdma_cqe cqe[8], rx[8];
	static uint8_t big[3][8192];
	uint8_t small[16];
	size_t rlen;
	uint8_t *region = rte_marlin_hrdma_local_region(f->ch[1], &rlen);
	int i;

	bring_up(f);
	for (i = 0; i < 3; i++)
		memset(big[i], 0x10 + i, sizeof(big[i]));
	memset(small, 0x77, sizeof(small));
	ops[0] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_WRITE,
		.local = big[0], .len = 8192, .remote_off = 0, .cookie = 0 };
	ops[1] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY,
		.local = small, .len = 16, .remote_off = 8192, .imm = 1, .cookie = 1 };
	ops[2] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_SEND,
		.local = big[1], .len = 256, .imm = 2, .cookie = 2 };
	ops[3] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_SEND,
		.local = small, .len = 8, .imm = 3, .cookie = 3 };
	ops[4] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY,
		.local = big[2], .len = 4096, .remote_off = 16384, .imm = 4, .cookie = 4,
		.flags = RTE_MARLIN_HRDMA_F_SIGNALED };
	ops[5] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_WRITE,
		.local = big[0], .len = 8192, .remote_off = rlen - 100, .cookie = 5 };
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 6), 6);
	/* last op: out of range, completes with an error, in order */
	assert_int_equal(cq_collect(f->qp[0], cqe, 2), 2);
	assert_true(cqe[0].cookie == 4 && cqe[0].status == 0);
	assert_true(cqe[1].cookie == 5 && cqe[1].status == -ERANGE);

	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], rx, 8), 4);
	assert_true(rx[0].imm == 1 && rx[0].opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY);
	/* the notification comes after the engine's earlier WRITE landed */
	assert_memory_equal(region, big[0], 8192);
	assert_memory_equal(region + 8192, small, 16);
	assert_true(rx[1].imm == 2);
	assert_memory_equal(rx[1].data, big[1], 256);
	assert_true(rx[2].imm == 3);
	assert_memory_equal(rx[2].data, small, 8);
	assert_true(rx[3].imm == 4);
	assert_memory_equal(region + 16384, big[2], 4096);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 4), 0);
}

/* A link lost with engine copies outstanding: each completes with -ENOLINK. */
void
test_engine_link_loss(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_op ops[16];
	struct rte_marlin_hrdma_cqe cqe[32], rx[16];
	struct rte_marlin_hrdma_qp_stats st;
	static uint8_t big[8192];
	int i, n;

	bring_up(f);
	for (i = 0; i < 16; i++)
		ops[i] = (struct rte_marlin_hrdma_op){
			.opcode = i % 2 ? RTE_MARLIN_HRDMA_OP_SEND : RTE_MARLIN_HRDMA_OP_WRITE,
			.local = big, .len = i % 2 ? 256 : 8192,
			.remote_off = (uint64_t)i * 8192, .cookie = i };
	n = rte_marlin_hrdma_post(f->qp[0], ops, 16);
	assert_true(n > 0);
	pair.cable_cut = 1;
	poll_both(f, 1);
	assert_int_equal(cq_collect(f->qp[0], cqe, n), n);
	for (i = 0; i < n; i++) {
		assert_true(cqe[i].cookie == (uint64_t)i);
		assert_int_equal(cqe[i].status, -ENOLINK);
	}
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 32), 0);
	assert_int_equal(rte_marlin_hrdma_qp_stats_get(f->qp[0], &st), 0);
	assert_true(st.flushed == (uint64_t)n);
	/* back up: fresh rings, nothing stale delivered, traffic flows */
	pair.cable_cut = 0;
	bring_up(f);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], rx, 16), 0);
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], &ops[1], 1), 1);
	assert_int_equal(cq_collect(f->qp[0], cqe, 1), 0);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], rx, 16), 1);
	assert_memory_equal(rx[0].data, big, 256);
}

/* ---- recovery from a peer fault ---------------------------------------- */

static int
state_of(struct rte_marlin_hrdma_channel *ch)
{
	struct rte_marlin_hrdma_info info;

	rte_marlin_hrdma_channel_info(ch, &info);
	return info.state;
}

/* Poll both ends (as two control threads would) until both are UP or
 * @ms pass; returns 0 when both are UP. */
static int
wait_both_up(struct fixture *f, unsigned int ms)
{
	struct timespec ts = { 0, 200 * 1000 };
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	for (;;) {
		poll_both(f, 1);
		if (state_of(f->ch[0]) == RTE_MARLIN_HRDMA_STATE_UP &&
				state_of(f->ch[1]) == RTE_MARLIN_HRDMA_STATE_UP)
			return 0;
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

/* Side 0 sends one message; side 1 finds its descriptor rewritten. */
static void
inject_garbage(struct fixture *f)
{
	struct rte_marlin_hrdma_cqe cqe[8];
	struct hrdma_wire_desc *d;
	uint8_t m[64] = { 0 };
	struct rte_marlin_hrdma_qp *rq = f->qp[1];

	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 1, 0), 1);
	d = (struct hrdma_wire_desc *)&rq->rx_desc[rq->rx_n & (rq->depth - 1)];
	d->opcode = 77;
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 8), -EPROTO);
}

/*
 * error -> withdraw -> the peer sees down -> both renegotiate with fresh
 * epochs after the backoff -> traffic flows.
 */
void
test_fault_recovery(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_info i0, i1, j0, j1;
	struct rte_marlin_hrdma_cqe cqe[8];
	uint8_t m[64];
	uint64_t t0;

	bring_up(f);
	rte_marlin_hrdma_channel_info(f->ch[0], &i0);
	rte_marlin_hrdma_channel_info(f->ch[1], &i1);
	inject_garbage(f);
	t0 = rte_get_timer_cycles();

	/* the end that saw garbage stops and withdraws its handshake */
	rte_marlin_hrdma_channel_poll(f->ch[1]);
	assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_ERROR);
	assert_int_equal(pair.side[0].spad[HRDMA_SPAD_MAGIC], 0);
	/* the peer goes down at its next poll and refuses traffic */
	rte_marlin_hrdma_channel_poll(f->ch[0]);
	assert_int_not_equal(state_of(f->ch[0]), RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 2, 0),
			 -ENOLINK);
	/* the faulted end holds ERROR through its backoff although the peer
	 * published a new bring-up (checked only while surely inside it) */
	poll_both(f, 2);
	if (rte_get_timer_cycles() - t0 <
			rte_get_timer_hz() * HRDMA_BACKOFF_MIN_MS / 1000 / 2)
		assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_ERROR);

	/* then both come back by themselves, with fresh epochs */
	assert_int_equal(wait_both_up(f, 2000), 0);
	rte_marlin_hrdma_channel_info(f->ch[0], &j0);
	rte_marlin_hrdma_channel_info(f->ch[1], &j1);
	assert_true(j0.local_epoch != i0.local_epoch);
	assert_true(j1.local_epoch != i1.local_epoch);
	assert_true(j0.peer_epoch == j1.local_epoch);
	assert_true(j1.peer_epoch == j0.local_epoch);
	assert_true(j0.link_ups == i0.link_ups + 1);
	assert_true(j1.link_ups == i1.link_ups + 1);
	assert_true(j1.peer_errors == 1);
	assert_null(j1.error);
	/* nothing of the old bring-up is delivered; new traffic flows */
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 8), 0);
	memset(m, 0x37, sizeof(m));
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 9, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 8), 1);
	assert_true(cqe[0].imm == 9);
	assert_memory_equal(cqe[0].data, m, 64);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 1), 0);
}

/* Bring the pair up and fill side 0's send ring (depth 64) with SENDs. */
static void
fill_ring(struct fixture *f)
{
	struct rte_marlin_hrdma_op ops[64];
	uint8_t m[8] = { 0 };
	int i;

	bring_up(f);
	for (i = 0; i < 64; i++)
		ops[i] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_SEND,
			.len = 8, .local = m, .imm = i };
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 64), 64);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 0);
}

/* A descriptor overwritten after it was published stalls the receiver
 * ("not yet" forever) and, once the ring is full, the sender: the producer
 * line tells the receiver, which stops and recovers. */
void
test_fault_stalled_ring(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[64];
	struct rte_marlin_hrdma_qp *rq = f->qp[1];
	uint8_t m[8] = { 0 };

	fill_ring(f);
	/* the first slot's sequence word is overwritten with junk */
	((struct hrdma_wire_desc *)rq->rx_desc)->seq = 0x0123456789abcdefull;
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 64), 0);
	poll_both(f, 4);
	assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_ERROR);
	assert_int_not_equal(state_of(f->ch[0]), RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(wait_both_up(f, 2000), 0);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, 1, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 64), 1);
}

/* An idle ring, or one the application does not poll, is no fault. */
void
test_no_fault_when_slow(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[64];

	fill_ring(f);
	poll_both(f, 8);
	assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 64), 64);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 64), 0);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 64);
	poll_both(f, 8);
	assert_int_equal(state_of(f->ch[0]), RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_UP);
}

/* A credit word overwritten after the peer credited this bring-up. */
void
test_fault_credit_overwritten(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[4];
	uint8_t m[8] = { 0 };

	bring_up(f);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, 1, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 1);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 1), 0);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 64);
	((struct hrdma_wire_credit *)f->qp[0]->tx_credit)->word = 0xfeedfacecafebeefull;
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 0);
	rte_marlin_hrdma_channel_poll(f->ch[0]);
	assert_int_equal(state_of(f->ch[0]), RTE_MARLIN_HRDMA_STATE_ERROR);
	assert_int_equal(wait_both_up(f, 2000), 0);
}

/* The upper layer reports garbage: the same recovery. */
void
test_fault_by_upper_layer(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_info info;

	assert_int_equal(rte_marlin_hrdma_channel_fault(NULL, "x"), -EINVAL);
	assert_int_equal(rte_marlin_hrdma_channel_fault(f->ch[0], "x"), -ENOLINK);
	bring_up(f);
	assert_int_equal(rte_marlin_hrdma_channel_fault(f->ch[0],
			"table in the region is garbage"), 0);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);
	assert_string_equal(info.error, "table in the region is garbage");
	rte_marlin_hrdma_channel_poll(f->ch[1]);
	assert_int_not_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(wait_both_up(f, 2000), 0);
}

/* Engine copies in flight on the peer when one end faults: each completes
 * with -ENOLINK there, none vanishes. */
void
test_fault_flushes_peer(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_op ops[16];
	struct rte_marlin_hrdma_cqe cqe[32];
	static uint8_t big[8192];
	int i, n;

	bring_up(f);
	for (i = 0; i < 16; i++)
		ops[i] = (struct rte_marlin_hrdma_op){
			.opcode = RTE_MARLIN_HRDMA_OP_WRITE, .local = big,
			.len = 8192, .remote_off = (uint64_t)i * 8192, .cookie = i };
	n = rte_marlin_hrdma_post(f->qp[0], ops, 16);
	assert_true(n > 0);
	/* side 1 stops on garbage (a credit it cannot have been given) */
	((struct hrdma_wire_credit *)f->qp[1]->tx_credit)->word =
		hrdma_seq_word(f->qp[1]->epoch, 1000);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[1]), 0);
	rte_marlin_hrdma_channel_poll(f->ch[1]);
	assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_ERROR);
	rte_marlin_hrdma_channel_poll(f->ch[0]);
	assert_int_not_equal(state_of(f->ch[0]), RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(cq_collect(f->qp[0], cqe, n), n);
	for (i = 0; i < n; i++) {
		assert_true(cqe[i].cookie == (uint64_t)i);
		assert_int_equal(cqe[i].status, -ENOLINK);
	}
	assert_int_equal(wait_both_up(f, 2000), 0);
}

/* The backoff grows while faults repeat, is capped, and resets. */
void
test_backoff(void **state)
{
	uint32_t b = 0;
	int i;

	(void)state;
	b = hrdma_backoff_next(b, 0);
	assert_int_equal(b, HRDMA_BACKOFF_MIN_MS);
	for (i = 0; i < 20; i++) {
		uint32_t nb = hrdma_backoff_next(b, 0);

		assert_true(nb >= b && nb <= HRDMA_BACKOFF_MAX_MS);
		b = nb;
	}
	assert_int_equal(b, HRDMA_BACKOFF_MAX_MS);
	assert_int_equal(hrdma_backoff_next(b, 1), HRDMA_BACKOFF_MIN_MS);
	assert_int_equal(hrdma_backoff_next(HRDMA_BACKOFF_MIN_MS, 0),
			 2 * HRDMA_BACKOFF_MIN_MS);
}

/* A peer that keeps writing garbage: the channel keeps recovering, each
 * fault waits out a growing backoff, and its log lines stay few. */
void
test_fault_storm(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_info info;
	char *buf = NULL;
	size_t len = 0, lines = 0;
	const char *p;
	FILE *mem, *old = rte_log_get_stream();
	int k;

	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	rte_openlog_stream(mem);
	rte_log_set_level_pattern("lib.marlin.hrdma", RTE_LOG_INFO);
	bring_up(f);
	for (k = 0; k < 12; k++) {
		inject_garbage(f);
		rte_marlin_hrdma_channel_poll(f->ch[1]);
		assert_int_equal(state_of(f->ch[1]), RTE_MARLIN_HRDMA_STATE_ERROR);
		/* skip the wait: the test is about the count, not the time */
		f->ch[1]->retry_at = rte_get_timer_cycles();
		assert_int_equal(wait_both_up(f, 2000), 0);
	}
	rte_marlin_hrdma_channel_info(f->ch[1], &info);
	assert_true(info.peer_errors == 12);
	assert_int_equal(f->ch[1]->backoff_ms, HRDMA_BACKOFF_MAX_MS);
	rte_log_set_level_pattern("lib.marlin.*", RTE_LOG_CRIT);
	rte_openlog_stream(old);
	fclose(mem);
	for (p = buf; p != NULL && (p = strstr(p, "ntb ")) != NULL; p++)
		lines++;
	/* 12 faults, each a stop + down + up on two channels: 72 events */
	assert_true(lines > 0);
	assert_true(lines <= 2 * (HRDMA_LOG_BURST + 1));
	free(buf);
}


/* The receive parser on its own: every verdict. */
void
test_rx_parse(void **state)
{
	struct hrdma_rx_limits lim = { .epoch = 7, .depth = 64, .msg_size = 256,
				       .region_len = 4096 };
	struct hrdma_wire_desc slot, out;
	const char *why = NULL;

	(void)state;
	memset(&slot, 0, sizeof(slot));
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_EMPTY);
	slot.seq = hrdma_seq_word(6, 1);               /* other bring-up */
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_EMPTY);
	slot.seq = hrdma_seq_word(7, 1);               /* last lap of slot 65 */
	assert_int_equal(hrdma_rx_parse(&slot, 65, &lim, &out, &why), HRDMA_RX_EMPTY);
	slot.seq = hrdma_seq_word(7, 2);
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	slot.seq = hrdma_seq_word(7, 1);
	slot.opcode = HRDMA_WIRE_SEND;
	slot.len = 256;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_READY);
	slot.opcode = HRDMA_WIRE_NOTIFY;
	slot.offset = 4096 - 256;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_READY);
	slot.offset++;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	slot.offset = 0;
	slot.flags = 0x8;
	assert_int_equal(hrdma_rx_parse(&slot, 1, &lim, &out, &why), HRDMA_RX_BAD);
	/* wrap of the 32-bit counter */
	slot.flags = 0;
	slot.seq = hrdma_seq_word(7, 0);
	assert_int_equal(hrdma_rx_parse(&slot, 0, &lim, &out, &why), HRDMA_RX_READY);
	slot.seq = hrdma_seq_word(7, (uint32_t)(3 - 64));
	assert_int_equal(hrdma_rx_parse(&slot, 3, &lim, &out, &why), HRDMA_RX_EMPTY);

	assert_int_equal(hrdma_credit_parse(hrdma_seq_word(5, 3), 5, 10, 2), 3);
	assert_int_equal(hrdma_credit_parse(hrdma_seq_word(5, 11), 5, 10, 2), -1);
	assert_int_equal(hrdma_credit_parse(hrdma_seq_word(5, 1), 5, 10, 2), -1);
	assert_int_equal(hrdma_credit_parse(hrdma_seq_word(4, 9), 5, 10, 2), 2);
	assert_int_equal(hrdma_credit_parse(hrdma_seq_word(5, 1), 5, 1, 0xffffffff), 1);
}
