/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * HRDMA unit tests over a loopback pair of fake NTB devices in one process:
 * device A's outbound window is device B's inbound memory and the other way
 * round; scratchpads cross the same way. This exercises the handshake, every
 * operation, back-pressure, link loss and a hostile peer without any driver.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "rte_pmd_dma_dmadev.h"
#include "hrdma_private.h"

#define WIN_LEN (4u << 20)
#define SPADS 16

struct side {
	int port;
	int enabled;
	uint64_t epoch;
	uint8_t *win;
	uint32_t spad[SPADS];     /* written by the other side */
	struct side *peer;
};

static struct side sides[2];
static int cable_cut;

static struct side *S(struct rte_marlin_ntb_dev *d) { return *(struct side **)d->priv; }

static int f_port(struct rte_marlin_ntb_dev *d) { return S(d)->port; }
static int f_peers(struct rte_marlin_ntb_dev *d) { (void)d; return 1; }

static int
f_link(struct rte_marlin_ntb_dev *d, int pidx, struct rte_marlin_ntb_link *l)
{
	struct side *s = S(d);

	(void)pidx;
	l->up = s->enabled && s->peer->enabled && !cable_cut;
	l->peer_epoch = l->up ? s->peer->epoch : 0;
	return 0;
}

static int
f_enable(struct rte_marlin_ntb_dev *d, enum rte_marlin_ntb_speed sp,
		enum rte_marlin_ntb_width w)
{
	(void)sp; (void)w;
	S(d)->enabled = 1;
	return 0;
}

static int f_disable(struct rte_marlin_ntb_dev *d) { S(d)->enabled = 0; return 0; }
static int f_one(struct rte_marlin_ntb_dev *d, int p) { (void)d; (void)p; return 1; }

static int
f_align(struct rte_marlin_ntb_dev *d, int p, int w, struct rte_marlin_ntb_mw_align *a)
{
	(void)d; (void)p; (void)w;
	a->addr_align = a->size_align = 4096;
	a->size_max = WIN_LEN;
	return 0;
}

static int
f_mw_alloc(struct rte_marlin_ntb_dev *d, int p, int w, size_t size, void **addr,
		size_t *len)
{
	(void)p; (void)w;
	if (size > WIN_LEN)
		return -EINVAL;
	*addr = S(d)->win;
	*len = WIN_LEN;
	return 0;
}

static int f_mw_free(struct rte_marlin_ntb_dev *d, int p, int w) { (void)d; (void)p; (void)w; return 0; }

static int
f_peer_mw(struct rte_marlin_ntb_dev *d, int p, int w, void **base, size_t *size)
{
	(void)p; (void)w;
	*base = S(d)->peer->win;
	*size = WIN_LEN;
	return 0;
}

static int f_dbmask(struct rte_marlin_ntb_dev *d, uint64_t *m) { (void)d; *m = 1; return 0; }
static int f_dbread(struct rte_marlin_ntb_dev *d, uint64_t *b) { (void)d; *b = 0; return 0; }
static int f_dbclear(struct rte_marlin_ntb_dev *d, uint64_t b) { (void)d; (void)b; return 0; }
static int f_peer_db(struct rte_marlin_ntb_dev *d, int p, uint64_t b) { (void)d; (void)p; (void)b; return 0; }
static int f_spads(struct rte_marlin_ntb_dev *d) { (void)d; return SPADS; }

static int
f_spad_read(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t *v)
{
	(void)p;
	*v = S(d)->spad[s];
	return 0;
}

static int
f_peer_spad_write(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t v)
{
	(void)p;
	if (cable_cut || !S(d)->enabled || !S(d)->peer->enabled)
		return -ENOLINK;
	S(d)->peer->spad[s] = v;
	return 0;
}

static const struct rte_marlin_ntb_ops pair_ops = {
	.port_number = f_port,
	.peer_port_count = f_peers,
	.link_is_up = f_link,
	.link_enable = f_enable,
	.link_disable = f_disable,
	.mw_count = f_one,
	.mw_get_align = f_align,
	.mw_alloc = f_mw_alloc,
	.mw_free = f_mw_free,
	.peer_mw_count = f_one,
	.peer_mw_get_addr = f_peer_mw,
	.db_valid_mask = f_dbmask,
	.db_read = f_dbread,
	.db_clear = f_dbclear,
	.peer_db_set = f_peer_db,
	.spad_count = f_spads,
	.spad_read = f_spad_read,
	.peer_spad_write = f_peer_spad_write,
};

struct fixture {
	struct rte_marlin_ntb_dev *dev[2];
	struct rte_marlin_hrdma_channel *ch[2];
	struct rte_marlin_hrdma_qp *qp[2];
};

static struct rte_marlin_hrdma_conf
conf_default(void)
{
	struct rte_marlin_hrdma_conf c;

	memset(&c, 0, sizeof(c));
	c.nb_qp = 2;
	c.depth = 64;
	c.msg_size = 256;
	c.dma_dev_id = -1;
	return c;
}

static void
poll_both(struct fixture *f, int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		rte_marlin_hrdma_channel_poll(f->ch[0]);
		rte_marlin_hrdma_channel_poll(f->ch[1]);
	}
}

static int
setup_with(void **state, const struct rte_marlin_hrdma_conf *c0,
		const struct rte_marlin_hrdma_conf *c1)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	cable_cut = 0;
	for (i = 0; i < 2; i++) {
		char name[16];

		memset(&sides[i], 0, sizeof(sides[i]));
		sides[i].port = i;
		sides[i].epoch = 100 + i;
		sides[i].win = aligned_alloc(4096, WIN_LEN);
		memset(sides[i].win, 0xee, WIN_LEN);  /* garbage until reset */
		sides[i].peer = &sides[1 - i];
		snprintf(name, sizeof(name), "pair%d", i);
		f->dev[i] = rte_marlin_ntb_dev_allocate(name, "pair", &pair_ops,
							sizeof(void *));
		assert_non_null(f->dev[i]);
		*(struct side **)f->dev[i]->priv = &sides[i];
		rte_marlin_ntb_link_enable(f->dev[i]->dev_id,
			RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO);
	}
	f->ch[0] = rte_marlin_hrdma_channel_create(f->dev[0]->dev_id, 0, c0);
	f->ch[1] = rte_marlin_hrdma_channel_create(f->dev[1]->dev_id, 0, c1);
	assert_non_null(f->ch[0]);
	assert_non_null(f->ch[1]);
	f->qp[0] = rte_marlin_hrdma_qp_get(f->ch[0], 0);
	f->qp[1] = rte_marlin_hrdma_qp_get(f->ch[1], 0);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	struct rte_marlin_hrdma_conf c = conf_default();

	return setup_with(state, &c, &c);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 2; i++) {
		rte_marlin_hrdma_channel_destroy(f->ch[i]);
		rte_marlin_ntb_dev_release(f->dev[i]);
		free(sides[i].win);
	}
	free(f);
	return 0;
}

static void
bring_up(struct fixture *f)
{
	poll_both(f, 4);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[0], 100), 0);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[1], 100), 0);
}

static int
post1(struct rte_marlin_hrdma_qp *qp, uint8_t opcode, void *local, uint32_t len,
		uint64_t off, uint64_t imm, uint8_t flags)
{
	struct rte_marlin_hrdma_op op = {
		.opcode = opcode, .flags = flags, .len = len, .local = local,
		.remote_off = off, .imm = imm, .cookie = imm ^ 0xc0ffee,
	};

	return rte_marlin_hrdma_post(qp, &op, 1);
}

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
	cable_cut = 1;
	poll_both(f, 1);
	rte_marlin_hrdma_channel_info(f->ch[0], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_DOWN);
	assert_int_equal(post1(f->qp[0], RTE_MARLIN_HRDMA_OP_SEND, m, 64, 0, 3, 0),
			 -ENOLINK);
	assert_int_equal(rte_marlin_hrdma_recv(f->qp[1], cqe, 8), -ENOLINK);
	assert_int_equal(rte_marlin_hrdma_send_capacity(f->qp[0]), 0);

	cable_cut = 0;
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
	sides[1].epoch = 555;
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
		cable_cut = 1;
		poll_both(f, 1);
		cable_cut = 0;
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
	cable_cut = 1;
	poll_both(f, 1);
	cable_cut = 0;
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

	sides[1].spad[HRDMA_SPAD_MAGIC] = 0xdeadbeef; /* B's bank, written by A */
	sides[0].enabled = 1;
	rte_marlin_hrdma_channel_poll(f->ch[1]);
	rte_marlin_hrdma_channel_info(f->ch[1], &info);
	assert_int_equal(info.state, RTE_MARLIN_HRDMA_STATE_ERROR);

	/* region larger than the slice */
	cable_cut = 1;
	poll_both(f, 1);
	cable_cut = 0;
	rte_marlin_hrdma_channel_poll(f->ch[0]);
	sides[1].spad[HRDMA_SPAD_REGION] = 0xffffffff;
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

/* ---- with a DMA engine (DPDK's dma_skeleton behind the dmadev engine) --- */

static int engine_id = -1;

static int
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
static void
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
static void
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
	cable_cut = 1;
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
	cable_cut = 0;
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
static void
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
	assert_int_equal(sides[0].spad[HRDMA_SPAD_MAGIC], 0);
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
static void
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
static void
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
static void
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
static void
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
static void
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
static void
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
static void
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
static void
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
		cmocka_unit_test_setup_teardown(test_send_ring_and_credits, setup, teardown),
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
