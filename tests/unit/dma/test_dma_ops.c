/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * DMA class unit tests: the layout of the fast-path table, ops validation, the engine table
 * and unknown engines.
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

/* ---- layout ------------------------------------------------------------- */

static void
test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct rte_marlin_dma_fp_obj), RTE_CACHE_LINE_SIZE);
	assert_int_equal(((uintptr_t)&rte_marlin_dma_fp_objs[1]) %
			RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(offsetof(struct rte_marlin_dma_fp_obj, fp_priv), 0);
	assert_int_equal(offsetof(struct rte_marlin_dma_fp_obj, ops), 8);
	/* the op flags are DPDK's, so dmadev engines pass them through */
	assert_int_equal(RTE_MARLIN_DMA_OP_FLAG_FENCE, 1);
	assert_int_equal(RTE_MARLIN_DMA_OP_FLAG_SUBMIT, 2);
	assert_int_equal(RTE_MARLIN_DMA_OP_FLAG_LLC, 4);
}


/* ---- ops validation ----------------------------------------------------- */

static void
test_validate(void **state)
{
	struct rte_marlin_dma_ops in, out;
	struct rte_marlin_dma_fp_ops fp;
	static const size_t mandatory[] = {
		offsetof(struct rte_marlin_dma_ops, info_get),
		offsetof(struct rte_marlin_dma_ops, configure),
		offsetof(struct rte_marlin_dma_ops, start),
		offsetof(struct rte_marlin_dma_ops, stop),
	};
	static const size_t fp_all[] = {
		offsetof(struct rte_marlin_dma_fp_ops, copy),
		offsetof(struct rte_marlin_dma_fp_ops, submit),
		offsetof(struct rte_marlin_dma_fp_ops, completed),
		offsetof(struct rte_marlin_dma_fp_ops, completed_status),
		offsetof(struct rte_marlin_dma_fp_ops, burst_capacity),
	};
	unsigned int i;

	(void)state;
	assert_int_equal(rte_marlin_dma_ops_validate(&full_ops, &out), 0);
	assert_ptr_equal(out.stats_get, full_ops.stats_get);
	assert_non_null(out.mem_iova);
	assert_non_null(out.dump);

	assert_int_equal(rte_marlin_dma_ops_validate(&min_ops, &out), 0);
	assert_non_null(out.stats_get);
	assert_non_null(out.stats_reset);
	assert_non_null(out.mem_iova);
	assert_non_null(out.dump);
	assert_non_null(out.close);
	assert_int_equal(rte_marlin_dma_ops_validate(NULL, &out), -EINVAL);
	assert_int_equal(rte_marlin_dma_ops_validate(&min_ops, NULL), -EINVAL);

	for (i = 0; i < RTE_DIM(mandatory); i++) {
		in = full_ops;
		memset((char *)&in + mandatory[i], 0, sizeof(void *));
		assert_int_equal(rte_marlin_dma_ops_validate(&in, &out), -EINVAL);
	}
	/* half a pair */
	in = min_ops;
	in.stats_get = full_ops.stats_get;
	assert_int_equal(rte_marlin_dma_ops_validate(&in, &out), -EINVAL);
	in = min_ops;
	in.stats_reset = full_ops.stats_reset;
	assert_int_equal(rte_marlin_dma_ops_validate(&in, &out), -EINVAL);

	assert_int_equal(rte_marlin_dma_fp_ops_validate(&fake_fp), 0);
	assert_int_equal(rte_marlin_dma_fp_ops_validate(NULL), -EINVAL);
	for (i = 0; i < RTE_DIM(fp_all); i++) {
		fp = fake_fp;
		memset((char *)&fp + fp_all[i], 0, sizeof(void *));
		assert_int_equal(rte_marlin_dma_fp_ops_validate(&fp), -EINVAL);
		/* and allocate refuses it */
		assert_null(rte_marlin_dma_dev_allocate("bad_fp", "fake",
				&full_ops, &fp, 0));
		assert_int_equal(rte_errno, EINVAL);
	}
}

/* ---- engine table ------------------------------------------------------- */

static void
test_allocate_and_lookup(void **state)
{
	struct rte_marlin_dma_dev *a, *b;
	char longname[RTE_MARLIN_DMA_NAME_LEN + 1];
	int closes = 0, n0 = rte_marlin_dma_count();

	(void)state;
	a = fake_new("fake_a", &full_ops, RTE_MARLIN_DMA_CAPA_VA);
	b = fake_new("fake_b", &min_ops, RTE_MARLIN_DMA_CAPA_VA);
	assert_int_equal(rte_marlin_dma_count(), n0 + 2);
	assert_int_equal(rte_marlin_dma_get_by_name("fake_a"), a->dev_id);
	assert_int_equal(rte_marlin_dma_get_by_name("fake_b"), b->dev_id);
	assert_int_equal(rte_marlin_dma_get_by_name("nope"), -ENODEV);
	assert_int_equal(rte_marlin_dma_get_by_name(NULL), -EINVAL);
	assert_true(rte_marlin_dma_is_valid(a->dev_id));
	assert_false(rte_marlin_dma_is_valid(RTE_MARLIN_DMA_MAX_DEVS));
	assert_ptr_equal(rte_marlin_dma_dev_get("fake_a"), a);
	assert_ptr_equal(rte_marlin_dma_dev_get_by_id(b->dev_id), b);
	assert_null(rte_marlin_dma_dev_get(NULL));
	assert_ptr_equal(a->fp_priv, a->priv);

	/* duplicate, empty and too long names */
	assert_null(rte_marlin_dma_dev_allocate("fake_a", "fake", &full_ops,
			&fake_fp, 0));
	assert_int_equal(rte_errno, EEXIST);
	assert_null(rte_marlin_dma_dev_allocate("", "fake", &full_ops,
			&fake_fp, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_marlin_dma_dev_allocate(NULL, "fake", &full_ops,
			&fake_fp, 0));
	assert_int_equal(rte_errno, EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(rte_marlin_dma_dev_allocate(longname, "fake", &full_ops,
			&fake_fp, 0));
	assert_int_equal(rte_errno, EINVAL);

	g_close_counter = &closes;
	assert_int_equal(rte_marlin_dma_close(a->dev_id), 0);
	assert_int_equal(closes, 1);
	assert_int_equal(rte_marlin_dma_get_by_name("fake_a"), -ENODEV);
	assert_int_equal(rte_marlin_dma_dev_release(b), 0);
	g_close_counter = NULL;
	assert_int_equal(rte_marlin_dma_count(), n0);
	assert_int_equal(rte_marlin_dma_dev_release(NULL), 0);
}

static void
test_table_full(void **state)
{
	struct rte_marlin_dma_dev *devs[RTE_MARLIN_DMA_MAX_DEVS];
	char name[32];
	int i, n = 0;

	(void)state;
	for (i = 0; i < RTE_MARLIN_DMA_MAX_DEVS; i++) {
		snprintf(name, sizeof(name), "full%d", i);
		devs[n] = rte_marlin_dma_dev_allocate(name, "fake", &min_ops,
				&fake_fp, 0);
		if (devs[n] == NULL)
			break;
		n++;
	}
	assert_int_equal(rte_marlin_dma_count(), RTE_MARLIN_DMA_MAX_DEVS);
	assert_null(rte_marlin_dma_dev_allocate("one_more", "fake", &min_ops,
			&fake_fp, 0));
	assert_int_equal(rte_errno, ENOSPC);
	for (i = 0; i < n; i++)
		assert_int_equal(rte_marlin_dma_dev_release(devs[i]), 0);
}

static void
test_unknown_engine(void **state)
{
	struct rte_marlin_dma_conf c = conf_of(1, 16);
	struct rte_marlin_dma_info info;
	struct rte_marlin_dma_stats st;
	rte_iova_t iova;
	uint16_t id = RTE_MARLIN_DMA_MAX_DEVS - 1;

	(void)state;
	assert_false(rte_marlin_dma_is_valid(id));
	assert_int_equal(rte_marlin_dma_info_get(id, &info), -ENODEV);
	assert_int_equal(rte_marlin_dma_configure(id, &c), -ENODEV);
	assert_int_equal(rte_marlin_dma_start(id), -ENODEV);
	assert_int_equal(rte_marlin_dma_stop(id), -ENODEV);
	assert_int_equal(rte_marlin_dma_close(id), -ENODEV);
	assert_int_equal(rte_marlin_dma_stats_get(id, 0, &st), -ENODEV);
	assert_int_equal(rte_marlin_dma_stats_reset(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_mem_iova(id, &c, 1, &iova), -ENODEV);
	assert_int_equal(rte_marlin_dma_dump(id, stdout), -ENODEV);
	assert_int_equal(rte_marlin_dma_info_get(UINT16_MAX, &info), -ENODEV);
	/* the fast path of an id nobody owns refuses work */
	assert_int_equal(rte_marlin_dma_copy(id, 0, &c, &info, 1, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_submit(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, NULL, NULL), 0);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 0);
}

const struct CMUnitTest dma_ops_tests[] = {
	cmocka_unit_test(test_layout),
	cmocka_unit_test(test_validate),
	cmocka_unit_test(test_allocate_and_lookup),
	cmocka_unit_test(test_table_full),
	cmocka_unit_test(test_unknown_engine),
};
const size_t dma_ops_tests_n = RTE_DIM(dma_ops_tests);
