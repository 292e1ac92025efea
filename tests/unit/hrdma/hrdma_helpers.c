/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* Helpers of the HRDMA unit tests: the fixture over the fake NTB pair. */

#include "hrdma_helpers.h"

struct fake_ntb_pair pair;

struct rte_marlin_hrdma_conf
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

void
poll_both(struct fixture *f, int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		rte_marlin_hrdma_channel_poll(f->ch[0]);
		rte_marlin_hrdma_channel_poll(f->ch[1]);
	}
}

int
setup_with(void **state, const struct rte_marlin_hrdma_conf *c0,
		const struct rte_marlin_hrdma_conf *c1)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	assert_int_equal(fake_ntb_pair_create(&pair, "pair", WIN_LEN, 100), 0);
	for (i = 0; i < 2; i++) {
		f->dev[i] = pair.dev[i];
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

int
setup(void **state)
{
	struct rte_marlin_hrdma_conf c = conf_default();

	return setup_with(state, &c, &c);
}

int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 2; i++) {
		rte_marlin_hrdma_channel_destroy(f->ch[i]);
	}
	fake_ntb_pair_destroy(&pair);
	free(f);
	return 0;
}

void
bring_up(struct fixture *f)
{
	poll_both(f, 4);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[0], 100), 0);
	assert_int_equal(rte_marlin_hrdma_channel_wait_up(f->ch[1], 100), 0);
}

int
post1(struct rte_marlin_hrdma_qp *qp, uint8_t opcode, void *local, uint32_t len,
		uint64_t off, uint64_t imm, uint8_t flags)
{
	struct rte_marlin_hrdma_op op = {
		.opcode = opcode, .flags = flags, .len = len, .local = local,
		.remote_off = off, .imm = imm, .cookie = imm ^ 0xc0ffee,
	};

	return rte_marlin_hrdma_post(qp, &op, 1);
}
