/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * DMA class unit tests: fast-path dispatch (and the stubs of stopped engines);
 * with RTE_MARLIN_DEBUG the inline calls' argument checks.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "dma_class_fake.h"

/* ---- fast-path dispatch ------------------------------------------------- */

static void
test_dispatch(void **state)
{
	struct rte_marlin_dma_dev *d = fake_new("disp", &full_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct fake_priv *p = d->priv;
	struct rte_marlin_dma_conf c = conf_of(FAKE_QUEUES, 16);
	uint8_t a[8], b[8];
	uint16_t last = 0;
	bool err = true;
	int status[8];
	uint16_t id = d->dev_id;

	(void)state;
	assert_int_equal(rte_marlin_dma_configure(id, &c), 0);
	/* configured but not started: stubs */
	assert_int_equal(rte_marlin_dma_copy(id, 0, a, b, 8, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_copy_iova(id, 0, a, 1, b, 2, 8, 0),
			-ENODEV);
	assert_int_equal(rte_marlin_dma_submit(id, 0), -ENODEV);
	last = 77;
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, &last, &err), 0);
	assert_false(err);
	assert_int_equal(last, 77);
	assert_int_equal(rte_marlin_dma_completed_status(id, 0, 8, &last,
			status), 0);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 0);
	assert_int_equal(p->copy_calls, 0);

	assert_int_equal(rte_marlin_dma_start(id), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 1, a, b, 8,
			RTE_MARLIN_DMA_OP_FLAG_FENCE), 0);
	assert_ptr_equal(p->fp_priv_seen, p);
	assert_int_equal(p->copy_qid, 1);
	assert_ptr_equal(p->copy_src, a);
	assert_ptr_equal(p->copy_dst, b);
	assert_true(p->copy_src_iova == RTE_BAD_IOVA);
	assert_true(p->copy_dst_iova == RTE_BAD_IOVA);
	assert_int_equal(p->copy_len, 8);
	assert_int_equal(p->copy_flags, RTE_MARLIN_DMA_OP_FLAG_FENCE);
	assert_int_equal(rte_marlin_dma_copy_iova(id, 2, a, 0x1000, b, 0x2000,
			5, RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 1);
	assert_int_equal(p->copy_qid, 2);
	assert_true(p->copy_src_iova == 0x1000);
	assert_true(p->copy_dst_iova == 0x2000);
	assert_int_equal(p->copy_len, 5);
	assert_int_equal(p->copy_flags, RTE_MARLIN_DMA_OP_FLAG_SUBMIT);

	assert_int_equal(rte_marlin_dma_submit(id, 0), 0);
	assert_int_equal(rte_marlin_dma_submit(id, 3), -EIO);
	assert_int_equal(p->submit_calls, 2);

	err = true;
	assert_int_equal(rte_marlin_dma_completed(id, 1, 6, &last, &err), 6);
	assert_int_equal(last, 1001);
	assert_false(err); /* cleared by the class before the driver runs */
	assert_int_equal(rte_marlin_dma_completed(id, 2, 6, &last, &err), 3);
	assert_true(err);
	/* NULL out-arguments are fine */
	assert_int_equal(rte_marlin_dma_completed(id, 2, 6, NULL, NULL), 3);
	assert_int_equal(rte_marlin_dma_completed_status(id, 3, 4, &last,
			status), 4);
	assert_int_equal(last, 2003);
	assert_int_equal(status[0], 0);
	assert_int_equal(status[1], -EIO);
	assert_int_equal(rte_marlin_dma_completed_status(id, 3, 2, NULL,
			status), 2);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 3), 103);

	/* stop puts the stubs back */
	assert_int_equal(rte_marlin_dma_stop(id), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, a, b, 8, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 3), 0);
	assert_int_equal(rte_marlin_dma_close(id), 0);
	/* and close too */
	assert_int_equal(rte_marlin_dma_copy(id, 0, a, b, 8, 0), -ENODEV);
}


#ifdef RTE_MARLIN_DEBUG
/* With RTE_MARLIN_DEBUG the inline calls check their arguments. */
static void
test_debug_checks(void **state)
{
	struct rte_marlin_dma_dev *d = fake_new("dbg", &full_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct rte_marlin_dma_dev *io = fake_new("dbg_io", &full_ops,
			RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
	struct fake_priv *p = d->priv;
	struct rte_marlin_dma_conf c = conf_of(2, 16);
	uint8_t a[8], b[8];
	int status[4];

	(void)state;
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), 0);
	assert_int_equal(rte_marlin_dma_start(d->dev_id), 0);
	assert_int_equal(rte_marlin_dma_configure(io->dev_id, &c), 0);
	assert_int_equal(rte_marlin_dma_start(io->dev_id), 0);

	assert_int_equal(rte_marlin_dma_copy(RTE_MARLIN_DMA_MAX_DEVS, 0, a, b,
			8, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_copy(d->dev_id, 2, a, b, 8, 0), -EINVAL);
	assert_int_equal(rte_marlin_dma_copy(d->dev_id, 0, NULL, b, 8, 0),
			-EINVAL);
	assert_int_equal(rte_marlin_dma_copy(d->dev_id, 0, a, NULL, 8, 0),
			-EINVAL);
	assert_int_equal(rte_marlin_dma_copy(d->dev_id, 0, a, b, (1 << 20) + 1,
			0), -EINVAL);
	assert_int_equal(p->copy_calls, 0);
	assert_int_equal(rte_marlin_dma_copy(d->dev_id, 1, a, b, 8, 0), 0);
	/* VA copy on an IOVA-only engine, bad IOVAs */
	assert_int_equal(rte_marlin_dma_copy(io->dev_id, 0, a, b, 8, 0), -EINVAL);
	assert_int_equal(rte_marlin_dma_copy_iova(io->dev_id, 0, a, RTE_BAD_IOVA,
			b, 0x2000, 8, 0), -EINVAL);
	assert_int_equal(rte_marlin_dma_copy_iova(io->dev_id, 0, a, 0x1000, b,
			0x2000, 8, 0), 0);
	assert_int_equal(rte_marlin_dma_submit(d->dev_id, 2), -EINVAL);
	assert_int_equal(rte_marlin_dma_submit(RTE_MARLIN_DMA_MAX_DEVS, 0),
			-ENODEV);
	assert_int_equal(rte_marlin_dma_completed(d->dev_id, 2, 4, NULL, NULL),
			0);
	assert_int_equal(rte_marlin_dma_completed_status(d->dev_id, 0, 4, NULL,
			NULL), 0);
	assert_int_equal(rte_marlin_dma_completed_status(d->dev_id, 5, 4, NULL,
			status), 0);
	assert_int_equal(rte_marlin_dma_burst_capacity(d->dev_id, 2), 0);
	assert_int_equal(rte_marlin_dma_burst_capacity(d->dev_id, 1), 101);
	assert_int_equal(rte_marlin_dma_close(d->dev_id), 0);
	assert_int_equal(rte_marlin_dma_close(io->dev_id), 0);
}
#endif

const struct CMUnitTest dma_dispatch_tests[] = {
	cmocka_unit_test(test_dispatch),
#ifdef RTE_MARLIN_DEBUG
	cmocka_unit_test(test_debug_checks),
#endif
};
const size_t dma_dispatch_tests_n = RTE_DIM(dma_dispatch_tests);
