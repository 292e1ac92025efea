/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * HRDMA unit tests over a loopback pair of fake NTB devices in one process:
 * device A's outbound window is device B's inbound memory and the other way
 * round; scratchpads cross the same way. This exercises the handshake, every
 * operation, back-pressure, link loss and a hostile peer without any driver.
 */

#include "hrdma_helpers.h"

/* ---- tests -------------------------------------------------------------- */

static void
test_handshake(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_info i0, i1;

	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, NULL, 0, 0, 0, 0),
			 -ENOLINK);
	bring_up(f);
	assert_int_equal(rte_marlin_hrdma_channel_info(f->ch[0], &i0), 0);
	assert_int_equal(rte_marlin_hrdma_channel_info(f->ch[1], &i1), 0);
	assert_int_equal(i0.state, RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(i0.nb_qp, 2);
	assert_true(i0.local_epoch == i1.peer_epoch);
	assert_true(i1.local_epoch == i0.peer_epoch);
	assert_true(i0.remote_region_len == i1.local_region_len);
	assert_true(i0.local_region_len > 0);
	assert_true(i0.link_ups == 1);
	assert_null(rte_marlin_hrdma_qp_get(f->ch[0], 2));
	assert_int_equal(rte_errno, EINVAL);
	/* a second channel to the same peer is refused */
	assert_null(rte_marlin_hrdma_channel_create(f->dev[0]->dev_id, 0, NULL));
	assert_int_equal(rte_errno, EEXIST);
}

static void
test_write_read(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[4];
	uint8_t buf[8192], back[8192];
	size_t rlen;
	uint8_t *region = rte_marlin_hrdma_local_region(f->ch[1], &rlen);
	unsigned int i;

	bring_up(f);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE, buf,
			       sizeof(buf), 4096, 1, RTE_MARLIN_HRDMA_F_SIGNALED), 1);
	assert_memory_equal(region + 4096, buf, sizeof(buf));
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 4), 1);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_WRITE);
	assert_true(cqe[0].cookie == (1 ^ 0xc0ffee));
	assert_int_equal(cqe[0].len, sizeof(buf));

	/* READ it back from the other side of the region */
	memset(back, 0, sizeof(back));
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_READ, back,
			       sizeof(back), 4096, 2, RTE_MARLIN_HRDMA_F_SIGNALED), 1);
	assert_memory_equal(back, buf, sizeof(buf));

	/* the very end of the region is reachable, one past it is not */
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE, buf, 16,
			       rlen - 16, 3, 0), 1);
	assert_memory_equal(region + rlen - 16, buf, 16);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE, buf, 16,
			       rlen - 15, 4, 0), 1);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_READ, buf, 16,
			       UINT64_MAX - 8, 5, 0), 1);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 4), 3);
	assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_READ);
	assert_int_equal(cqe[1].status, -ERANGE);   /* unsignaled but failed */
	assert_int_equal(cqe[2].status, -ERANGE);
}

static void
test_notify(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[4];
	uint8_t big[1000], small[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t rlen;
	uint8_t *region = rte_marlin_hrdma_local_region(f->ch[1], &rlen);

	bring_up(f);
	memset(big, 0xab, sizeof(big));
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, big,
			       sizeof(big), 64, 0x1111, 0), 1);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, small,
			       sizeof(small), 8, 0x2222, 0), 1);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 4), 0);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 2);
	assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_RECV_NOTIFY);
	assert_true(cqe[0].imm == 0x1111);
	assert_int_equal(cqe[0].offset, 64);
	assert_int_equal(cqe[0].len, sizeof(big));
	assert_memory_equal(region + 64, big, sizeof(big));
	/* the inline one is in the region once it is delivered */
	assert_true(cqe[1].imm == 0x2222);
	assert_memory_equal(region + 8, small, sizeof(small));
	assert_ptr_equal(cqe[1].data, region + 8);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 3), -EINVAL);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 2), 0);
	/* other queue pair is independent */
	assert_int_equal(rte_marlin_hrdma_recv(rte_marlin_hrdma_qp_get(f->ch[1], 1),
			 cqe, 4), 0);
}

/* rte_marlin_hrdma_write_notify(): the fields-only post of one WRITE_NOTIFY
 * gives what rte_marlin_hrdma_post() gives, refusals included. */
static void
test_write_notify_fields(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_qp_stats st;
	struct rte_marlin_hrdma_cqe cqe[4];
	uint8_t big[100], small[8];
	uint8_t *region;
	size_t rlen;
	int n;

	memset(small, 0x5e, sizeof(small));
	memset(big, 0xcd, sizeof(big));
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], small, 8, 0, 1,
			 0, 0), -ENOLINK);
	bring_up(f);
	region = rte_marlin_hrdma_local_region(f->ch[1], &rlen);
	/* inline, signalled */
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], small, 8, 40,
			 0x41, 7, RTE_MARLIN_HRDMA_F_SIGNALED), 0);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 4), 1);
	assert_true(cqe[0].cookie == 7);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY);
	/* longer than a descriptor holds, and fenced: the general path */
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], big, sizeof(big),
			 200, 0x42, 0, RTE_MARLIN_HRDMA_F_FENCE), 0);
	/* immediate only */
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], NULL, 0, 16,
			 0x43, 0, 0), 0);
	/* outside the peer's region: taken, completes refused, nothing sent */
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], small, 8,
			 rlen - 4, 0x44, 9, 0), 0);
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], small, 8,
			 UINT64_MAX - 2, 0x45, 10, 0), 0);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 4), 2);
	assert_int_equal(cqe[0].status, -ERANGE);
	assert_true(cqe[0].cookie == 9);
	assert_int_equal(cqe[1].status, -ERANGE);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 3);
	assert_true(cqe[0].imm == 0x41);
	assert_ptr_equal(cqe[0].data, region + 40);
	assert_memory_equal(region + 40, small, sizeof(small));
	assert_true(cqe[1].imm == 0x42);
	assert_int_equal(cqe[1].len, sizeof(big));
	assert_memory_equal(region + 200, big, sizeof(big));
	assert_true(cqe[2].imm == 0x43);
	assert_int_equal(cqe[2].len, 0);
	assert_int_equal(cqe[2].offset, 16);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 0);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 3), 0);
	assert_int_equal(rte_marlin_hrdma_qp_stats_get(f->qp[0], &st), 0);
	assert_true(st.malformed == 0);
	/* the ring fills: -ENOSPC, and back once the peer credits */
	for (n = 0; n < 10000; n++)
		if (rte_marlin_hrdma_write_notify(f->qp[0], small, 8, 0, n, 0, 0)
				!= 0)
			break;
	assert_int_equal(n, conf_default().depth);
	assert_int_equal(rte_marlin_hrdma_write_notify(f->qp[0], small, 8, 0, 0,
			 0, 0), -ENOSPC);
}

/* Refuses notifications outside [arg's first word, second word). */
static int
notify_window(void *arg, uint64_t offset, uint32_t len, uint64_t imm)
{
	const uint64_t *w = arg;

	(void)imm;
	return offset >= w[0] && offset + len <= w[1] ? 0 : -EACCES;
}

static void
test_notify_check(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[4];
	uint64_t window[2] = { 256, 512 };
	uint8_t small[8] = { 9, 8, 7, 6, 5, 4, 3, 2 }, zero[8] = { 0 };
	size_t rlen;
	uint8_t *region = rte_marlin_hrdma_local_region(f->ch[1], &rlen);

	bring_up(f);
	assert_int_equal(rte_marlin_hrdma_qp_notify_check(NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(rte_marlin_hrdma_qp_notify_check(f->qp[1],
			 notify_window, window), 0);
	memset(region, 0, 1024);
	/* outside the window: returned refused, inline bytes not applied */
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, small,
			       sizeof(small), 16, 0x31, 0), 1);
	/* inside: applied */
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, small,
			       sizeof(small), 256, 0x32, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 2);
	assert_int_equal(cqe[0].status, -EACCES);
	assert_null(cqe[0].data);
	assert_true(cqe[0].imm == 0x31);
	assert_memory_equal(region + 16, zero, sizeof(zero));
	assert_int_equal(cqe[1].status, 0);
	assert_ptr_equal(cqe[1].data, region + 256);
	assert_memory_equal(region + 256, small, sizeof(small));
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 2), 0);
	/* removed: everything is applied again */
	assert_int_equal(rte_marlin_hrdma_qp_notify_check(f->qp[1], NULL, NULL), 0);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, small,
			       sizeof(small), 16, 0x33, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 1);
	assert_int_equal(cqe[0].status, 0);
	assert_memory_equal(region + 16, small, sizeof(small));
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 1), 0);
}

static void
test_send_ring_and_credits(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_op ops[80];
	struct rte_marlin_hrdma_cqe cqe[80];
	struct rte_marlin_hrdma_qp_stats st;
	uint8_t msg[80][256];
	uint32_t total = 0, got = 0;
	int i, n, round;

	bring_up(f);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 64);
	for (round = 0; round < 20; round++) {      /* wraps the ring many times */
		for (i = 0; i < 80; i++) {
			uint32_t len = (uint32_t)((i * 37 + round) % 257);

			memset(msg[i], (uint8_t)(total + i), sizeof(msg[i]));
			ops[i] = (struct rte_marlin_hrdma_op){
				.opcode = RTE_MARLIN_HRDMA_OP_SEND,
				.len = len > 256 ? 256 : len, .local = msg[i],
				.imm = total + i, .cookie = total + i,
			};
		}
		n = rte_marlin_hrdma_post(f->qp[0], ops, 80);
		assert_true(n > 0 && n <= 64);              /* short: ring full */
		if (round > 0)
			assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 80), -ENOSPC);
		assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 80), n);
		for (i = 0; i < n; i++) {
			assert_int_equal(cqe[i].opcode, RTE_MARLIN_HRDMA_OP_RECV);
			assert_true(cqe[i].imm == total + i);
			assert_true(cqe[i].cookie == got + i + 1);
			assert_int_equal(cqe[i].len, ops[i].len);
			assert_memory_equal(cqe[i].data, msg[i], ops[i].len);
		}
		got += n;
		total += n;
		assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], (uint16_t)n), 0);
		assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 64);
	}
	assert_int_equal(rte_marlin_hrdma_qp_stats_get(f->qp[0], &st), 0);
	assert_true(st.posted == total);
	assert_true(st.ring_full >= 19);
	assert_int_equal(rte_marlin_hrdma_qp_stats_get(f->qp[1], &st), 0);
	assert_true(st.rx_msgs == total);

	/* too long for a slot, bad opcode: taken, completed with an error */
	ops[0] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_SEND,
		.len = 257, .local = msg[0] };
	ops[1] = (struct rte_marlin_hrdma_op){ .opcode = 99, .len = 1, .local = msg[0] };
	ops[2] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_WRITE,
		.len = 4, .local = NULL };
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 3), 3);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 80), 3);
	assert_int_equal(cqe[0].status, -ERANGE);
	assert_int_equal(cqe[1].status, -EINVAL);
	assert_int_equal(cqe[2].status, -EINVAL);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 80), 0);
}

/* Messages built in place in the peer's ring, mixed with posted ones. */
static void
test_send_in_place(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[64];
	uint8_t m[256];
	uint32_t room, i;
	uint8_t *slot;
	int k;

	bring_up(f);
	for (i = 0; i < 200; i++) {           /* wraps the 64-deep ring */
		uint32_t len = (i * 53) % 257;

		if (i % 3 == 2) {
			memset(m, (int)i, sizeof(m));
			assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND,
					       m, len, 0, i, 0), 1);
		} else {
			slot = rte_marlin_hrdma_send_reserve(f->qp[0], &room);
			assert_non_null(slot);
			assert_int_equal(room, 256);
			memset(slot, (int)i, room);
			assert_int_equal(rte_marlin_hrdma_send_commit(f->qp[0],
						len, i), 0);
		}
		assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 1);
		assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_RECV);
		assert_true(cqe[0].imm == i);
		assert_int_equal(cqe[0].len, len);
		memset(m, (int)i, sizeof(m));
		assert_memory_equal(cqe[0].data, m, len);
		assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 1), 0);
	}
	/* abort: nothing goes, the same slot comes back */
	slot = rte_marlin_hrdma_send_reserve(f->qp[0], &room);
	assert_non_null(slot);
	memset(slot, 0xee, room);
	rte_marlin_hrdma_send_abort(f->qp[0]);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 0);
	assert_ptr_equal(rte_marlin_hrdma_send_reserve(f->qp[0], &room), slot);
	/* too long: refused, nothing sent, the queue pair still works */
	assert_int_equal(rte_marlin_hrdma_send_commit(f->qp[0], room + 1, 7),
			 -ERANGE);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 0);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, 8, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 4), 1);
	assert_true(cqe[0].imm == 8);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 1), 0);
	/* a full ring: no slot until the receiver releases */
	for (k = 0; k < 64; k++) {
		slot = rte_marlin_hrdma_send_reserve(f->qp[0], &room);
		assert_non_null(slot);
		assert_int_equal(rte_marlin_hrdma_send_commit(f->qp[0], 4, k), 0);
	}
	assert_null(rte_marlin_hrdma_send_reserve(f->qp[0], &room));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 64), 64);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 64), 0);
	assert_non_null(rte_marlin_hrdma_send_reserve(f->qp[0], &room));
	rte_marlin_hrdma_send_abort(f->qp[0]);
	/* link down: no slot */
	pair.cable_cut = 1;
	poll_both(f, 1);
	assert_null(rte_marlin_hrdma_send_reserve(f->qp[0], &room));
	assert_int_equal(rte_errno, ENOLINK);
	pair.cable_cut = 0;
}

/* Signalled completions fill the completion queue; it pushes back. */
static void
test_cq_backpressure(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_op ops[200];
	struct rte_marlin_hrdma_cqe cqe[200];
	uint8_t b[8] = { 0 };
	int i;

	bring_up(f);
	for (i = 0; i < 200; i++)
		ops[i] = (struct rte_marlin_hrdma_op){
			.opcode = RTE_MARLIN_HRDMA_OP_WRITE, .len = 8, .local = b,
			.remote_off = 0, .cookie = i,
			.flags = (i % 10 == 9) ? RTE_MARLIN_HRDMA_F_SIGNALED : 0 };
	/* 1 in 10 signalled: 100 writes, 10 completions */
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 100), 100);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 100), 10);
	assert_true(cqe[9].cookie == 99);
	/* the completion queue holds 2 x depth entries */
	for (i = 0; i < 200; i++)
		ops[i].flags = RTE_MARLIN_HRDMA_F_SIGNALED;
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 200), 128);
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 1), -ENOSPC);
	assert_int_equal(rte_marlin_hrdma_poll_cq(f->qp[0], cqe, 200), 128);
}

static void
test_link_loss_and_return(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[8];
	struct rte_marlin_hrdma_info info;
	uint8_t m[64];
	uint32_t e0;

	bring_up(f);
	memset(m, 0x42, sizeof(m));
	/* two messages left unreceived when the cable is pulled */
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 1, 0), 1);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 2, 0), 1);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	e0 = info.local_epoch;
	pair.cable_cut = 1;
	poll_both(f, 1);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_DOWN);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 3, 0),
			 -ENOLINK);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 8), -ENOLINK);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 0);

	pair.cable_cut = 0;
	bring_up(f);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_true(info.local_epoch != e0);
	assert_true(info.link_ups == 2);
	/* nothing of the old bring-up is delivered; new traffic flows */
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 8), 0);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 4, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 8), 1);
	assert_true(cqe[0].imm == 4);
	assert_true(cqe[0].cookie == 1);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 1), 0);

	/* the peer restarts (new device epoch): renegotiation */
	pair.side[1].epoch = 555;
	poll_both(f, 1);
	bring_up(f);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_true(info.link_ups == 3);
}

/* Hostile peer: garbage in our ring stops the channel, never more. */
static void
test_hostile_descriptors(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe cqe[8];
	struct rte_marlin_hrdma_qp_stats st;
	struct rte_marlin_hrdma_info info;
	struct rte_marlin_hrdma_qp *rq;
	struct hrdma_wire_desc *d;
	uint8_t m[64] = { 0 };
	int kind;

	for (kind = 0; kind < 5; kind++) {
		bring_up(f);
		rq = f->qp[1];
		assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 1, 0), 1);
		/* the peer (side 0) rewrites its descriptor in our memory */
		d = (struct hrdma_wire_desc *)rq->rx_desc;
		switch (kind) {
		case 0: d->opcode = 77; break;
		case 1: d->len = 100000; break;
		case 2: d->opcode = HRDMA_WIRE_NOTIFY; d->offset = UINT64_MAX - 10; d->len = 64; break;
		case 3: d->flags = HRDMA_WIRE_F_INLINE; d->len = 33; break;
		case 4: d->seq = hrdma_seq_word(rq->lim.epoch, 12345); break;
		}
		assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 8), -EPROTO);
		assert_int_equal(rte_marlin_hrdma_qp_stats_get(rq, &st), 0);
		assert_true(st.malformed == (uint64_t)kind + 1);
		poll_both(f, 1);
		rte_marlin_hrdma_channel_info(f->ch[1], &info);
		assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);
		assert_non_null(info.error);
		assert_true(info.peer_errors == (uint64_t)kind + 1);
		assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 8), -EPROTO);
		assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[1], 5), -EPROTO);
		/* a link flap clears it */
		pair.cable_cut = 1;
		poll_both(f, 1);
		pair.cable_cut = 0;
	}
}

/* A peer that writes past its credits cannot take a slot we still hold. */
static void
test_hostile_overrun(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_op ops[64];
	struct rte_marlin_hrdma_cqe cqe[64];
	struct rte_marlin_hrdma_qp *rq;
	struct hrdma_wire_desc *d;
	uint8_t m[8] = { 0 };
	int i;

	bring_up(f);
	rq = f->qp[1];
	for (i = 0; i < 64; i++)
		ops[i] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_SEND,
			.len = 8, .local = m, .imm = i };
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 64), 64);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 64), 64);
	/* all 64 held; the peer forges descriptor 65 into slot 0 */
	d = (struct hrdma_wire_desc *)rq->rx_desc;
	d->seq = hrdma_seq_word(rq->lim.epoch, 65);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 64), 0);
	assert_int_equal(rte_marlin_hrdma_recv_release(rq, 1), 0);
	assert_int_equal(rte_marlin_hrdma_recv(rq, cqe, 64), 1);
	assert_true(cqe[0].cookie == 65);
}

static void
test_hostile_credit(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_info info;
	struct rte_marlin_hrdma_op ops[64];
	struct hrdma_wire_credit *c;
	uint8_t m[8] = { 0 };
	int i;

	bring_up(f);
	/* B claims to have consumed 1000 messages A never sent. A post reads
	 * the credit when it needs more than the free half of the ring it
	 * knows of: this one (the whole ring) does, and refuses it. */
	c = (struct hrdma_wire_credit *)f->qp[0]->tx_credit;
	c->word = hrdma_seq_word(f->qp[0]->epoch, 1000);
	for (i = 0; i < 64; i++)
		ops[i] = (struct rte_marlin_hrdma_op){ .opcode = RTE_MARLIN_HRDMA_OP_SEND,
			.len = 8, .local = m };
	assert_int_equal(rte_marlin_hrdma_post(f->qp[0], ops, 64), -ENOLINK);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 0);
	poll_both(f, 1);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);
	/* a credit word of another bring-up is ignored, not an error */
	pair.cable_cut = 1;
	poll_both(f, 1);
	pair.cable_cut = 0;
	bring_up(f);
	c->word = hrdma_seq_word(f->qp[0]->epoch + 1, 1000);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 8, 0, 1, 0), 1);
}

/* Garbage in the handshake. */
static void
test_hostile_handshake(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_info info;

	pair.side[1].spad[HRDMA_SPAD_MAGIC] = 0xdeadbeef; /* B's bank, written by A */
	pair.side[0].enabled = 1;
	rte_marlin_hrdma_channel_poll(f->ch[1]);
	rte_marlin_hrdma_channel_info(f->ch[1], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);

	/* region larger than the slice */
	pair.cable_cut = 1;
	poll_both(f, 1);
	pair.cable_cut = 0;
	rte_marlin_hrdma_channel_poll(f->ch[0]);
	pair.side[1].spad[HRDMA_SPAD_REGION] = 0xffffffff;
	rte_marlin_hrdma_channel_poll(f->ch[1]);
	rte_marlin_hrdma_channel_info(f->ch[1], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);
}

static void
test_geometry_mismatch(void **state)
{
	struct rte_marlin_hrdma_conf a = conf_default(), b = conf_default();
	struct rte_marlin_hrdma_info info;
	struct fixture *f;

	b.depth = 128;
	setup_with(state, &a, &b);
	f = *state;
	poll_both(f, 4);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[0], 10), -EPROTO);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);
	assert_string_equal(info.error, "queue geometry mismatch");
	teardown(state);
}


static void
test_bad_conf(void **state)
{
	struct rte_marlin_hrdma_conf c;
	struct fixture *f;
	uint16_t id;

	setup(state);
	f = *state;
	id = f->dev[0]->dev_id;
	rte_marlin_hrdma_channel_destroy(f->ch[0]);
	f->ch[0] = NULL;

	c = conf_default(); c.depth = 100;
	assert_null(rte_marlin_hrdma_channel_create(id, 0, &c));
	assert_int_equal(rte_errno, EINVAL);
	c = conf_default(); c.msg_size = 32;
	assert_null(rte_marlin_hrdma_channel_create(id, 0, &c));
	c = conf_default(); c.nb_qp = 17;
	assert_null(rte_marlin_hrdma_channel_create(id, 0, &c));
	c = conf_default(); c.widx = 3;
	assert_null(rte_marlin_hrdma_channel_create(id, 0, &c));
	c = conf_default(); c.nb_qp = 16; c.depth = 4096; c.msg_size = 65536;
	assert_null(rte_marlin_hrdma_channel_create(id, 0, &c));
	assert_int_equal(rte_errno, ENOSPC);
	assert_null(rte_marlin_hrdma_channel_create(id, 1, NULL));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_marlin_hrdma_channel_create(RTE_MARLIN_NTB_MAX_DEVS - 1, 0, NULL));
	assert_int_equal(rte_errno, ENODEV);
	assert_int_equal(rte_marlin_hrdma_channel_poll(NULL), -EINVAL);
	assert_int_equal(rte_marlin_hrdma_channel_info(NULL, NULL), -EINVAL);
	assert_int_equal(rte_marlin_hrdma_channel_destroy(NULL), 0);
	f->ch[0] = rte_marlin_hrdma_channel_create(id, 0, NULL);
	assert_non_null(f->ch[0]);
	teardown(state);
}

/*
 * The window size the library states is the one channel_create() holds
 * windows to: a window one page smaller is refused, that size is taken
 * and leaves the region asked for.
 */
static void
test_window_size(void **state)
{
	struct rte_marlin_hrdma_conf c = conf_default();
	struct rte_marlin_ntb_info info;
	struct rte_marlin_hrdma_info hi;
	struct fixture *f;
	ssize_t need, big;
	size_t slice;
	uint16_t id;

	(void)state;
	/* defaults: 1 x (128 + 256 x (64 + 2048)) = 540800 -> 133 pages,
	 * + 1 page of region */
	assert_int_equal(rte_marlin_hrdma_window_size(NULL, 0), 134 * 4096);
	assert_int_equal(rte_marlin_hrdma_window_size(NULL, 1), 134 * 4096);
	assert_int_equal(rte_marlin_hrdma_window_size(NULL, 4097), 135 * 4096);
	c.nb_qp = 2; c.depth = 64; c.msg_size = 64;
	/* 2 x (128 + 64 x 128) = 16640 -> 5 pages, + 2 pages of region */
	assert_int_equal(rte_marlin_hrdma_window_size(&c, 8192), 7 * 4096);
	/* dma_dev_id and widx play no part */
	c.dma_dev_id = 12345; c.widx = -7;
	assert_int_equal(rte_marlin_hrdma_window_size(&c, 8192), 7 * 4096);
	c = conf_default(); c.depth = 100;
	assert_int_equal(rte_marlin_hrdma_window_size(&c, 0), -EINVAL);
	c = conf_default(); c.nb_qp = 17;
	assert_int_equal(rte_marlin_hrdma_window_size(&c, 0), -EINVAL);
	assert_int_equal(rte_marlin_hrdma_window_size(NULL, SIZE_MAX), -E2BIG);

	/* What channel_create() holds the window to, on this fixture. */
	setup(state);
	f = *state;
	id = f->dev[0]->dev_id;
	rte_marlin_hrdma_channel_destroy(f->ch[0]);
	f->ch[0] = NULL;
	assert_int_equal(rte_marlin_ntb_info_get(id, &info), 0);
	assert_int_equal(info.mw_shared, 0);   /* one slice: the window */
	slice = WIN_LEN;
	/* the largest ring that fits, and the one above it */
	c = conf_default();
	c.msg_size = 2048;
	for (c.depth = 4096; c.depth >= 64; c.depth /= 2) {
		need = rte_marlin_hrdma_window_size(&c, 0);
		if (need > 0 && (size_t)need <= slice)
			break;
	}
	assert_true(c.depth >= 64 && c.depth < 4096);
	f->ch[0] = rte_marlin_hrdma_channel_create(id, 0, &c);
	assert_non_null(f->ch[0]);
	assert_int_equal(rte_marlin_hrdma_channel_info(f->ch[0], &hi), 0);
	assert_true(hi.local_region_len >= 4096);
	assert_int_equal(hi.local_region_len, slice - (size_t)need + 4096);
	rte_marlin_hrdma_channel_destroy(f->ch[0]);
	c.depth *= 2;
	big = rte_marlin_hrdma_window_size(&c, 0);
	assert_true(big > 0 && (size_t)big > slice);
	f->ch[0] = rte_marlin_hrdma_channel_create(id, 0, &c);
	assert_null(f->ch[0]);
	assert_int_equal(rte_errno, ENOSPC);
	teardown(state);
}

/* Streaming stores for large CPU copies deliver the same bytes. */
static int
setup_nt(void **state)
{
	struct rte_marlin_hrdma_conf c = conf_default();

	c.nt_threshold = 64;
	return setup_with(state, &c, &c);
}

static void
test_nt_copies(void **state)
{
	struct fixture *f = *state;
	struct rte_marlin_hrdma_cqe rx[4];
	static uint8_t buf[70000];
	size_t rlen;
	uint8_t *region = rte_marlin_hrdma_local_region(f->ch[1], &rlen);
	unsigned int i;

	bring_up(f);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	/* odd lengths and offsets: heads and tails around whole lines */
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE, buf + 3,
			       65537, 7, 1, 0), 1);
	assert_memory_equal(region + 7, buf + 3, 65537);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, buf + 1,
			       999, 70001, 2, 0), 1);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, buf + 5,
			       255, 0, 3, 0), 1);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], rx, 4), 2);
	assert_memory_equal(region + 70001, buf + 1, 999);
	assert_memory_equal(rx[1].data, buf + 5, 255);
	assert_int_equal(rte_marlin_hrdma_recv_release(f->qp[1], 2), 0);
}

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "64", "--no-shconf",
		"--file-prefix=ut_hrdma", "--log-level=lib.marlin.*:critical",
		"-l", "0", "-d", RTE_EAL_PMD_PATH "/librte_dma_skeleton.so",
		"--vdev", "dma_skeleton0",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_parse),
		cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_notify_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_ring_and_credits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cq_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_loss_and_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_credit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nt_copies, setup_nt, teardown),
		cmocka_unit_test(test_geometry_mismatch),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_fault_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_by_upper_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_stalled_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fault_when_slow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_credit_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_storm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_flushes_peer, setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_engine_order, setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_engine_link_loss, setup_engine, teardown),
		cmocka_unit_test(test_bad_conf),
		cmocka_unit_test(test_window_size),
		cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_every_length, setup, teardown),
		cmocka_unit_test(test_line_torn_forged),
		cmocka_unit_test_setup_teardown(test_line_torn_in_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_after_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_vs_reset_race, setup, teardown),
	};
	int rc;

	(void)argc;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	engine_id = rte_marlin_dma_dmadev_create("hrdma_eng", "dma_skeleton0", NULL);
	if (engine_id >= 0) {
		struct rte_marlin_dma_conf dc = { .nb_queues = 1, .nb_desc = 256 };

		if (rte_marlin_dma_configure(engine_id, &dc) != 0 ||
				rte_marlin_dma_start(engine_id) != 0)
			engine_id = -1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (engine_id >= 0)
		rte_marlin_dma_close(engine_id);
	rte_eal_cleanup();
	return rc;
}
