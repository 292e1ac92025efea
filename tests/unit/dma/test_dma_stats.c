/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * DMA class unit tests: statistics summing, the default mem_iova, dump.
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

/* ---- stats, mem_iova, dump ---------------------------------------------- */

static void
test_stats(void **state)
{
	struct rte_marlin_dma_dev *d = fake_new("stats", &full_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct rte_marlin_dma_dev *m = fake_new("nostats", &min_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct fake_priv *p = d->priv;
	struct rte_marlin_dma_conf c = conf_of(3, 16);
	struct rte_marlin_dma_stats st;
	uint16_t q;

	(void)state;
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id, 0, &st), -EINVAL);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), 0);
	for (q = 0; q < 3; q++) {
		p->stats[q].submitted = 10 * (q + 1);
		p->stats[q].completed = 9 * (q + 1);
		p->stats[q].errors = q;
		p->stats[q].bytes = 1000 * (q + 1);
	}
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id, 1, NULL), -EINVAL);
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id, 1, &st), 0);
	assert_int_equal(st.submitted, 20);
	assert_int_equal(st.bytes, 2000);
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id, 3, &st), -EINVAL);
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id,
			RTE_MARLIN_DMA_ALL_QUEUES, &st), 0);
	assert_int_equal(st.submitted, 60);
	assert_int_equal(st.completed, 54);
	assert_int_equal(st.errors, 3);
	assert_int_equal(st.bytes, 6000);
	assert_int_equal(rte_marlin_dma_stats_reset(d->dev_id, 0), 0);
	assert_int_equal(rte_marlin_dma_stats_reset(d->dev_id, 9), -EINVAL);
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id,
			RTE_MARLIN_DMA_ALL_QUEUES, &st), 0);
	assert_int_equal(st.submitted, 50);
	assert_int_equal(rte_marlin_dma_stats_reset(d->dev_id,
			RTE_MARLIN_DMA_ALL_QUEUES), 0);
	assert_int_equal(p->stats_reset_calls, 4);
	assert_int_equal(rte_marlin_dma_stats_get(d->dev_id,
			RTE_MARLIN_DMA_ALL_QUEUES, &st), 0);
	assert_int_equal(st.submitted + st.completed + st.errors + st.bytes, 0);

	/* a driver without counters says so */
	assert_int_equal(rte_marlin_dma_configure(m->dev_id, &c), 0);
	assert_int_equal(rte_marlin_dma_stats_get(m->dev_id, 0, &st), -ENOTSUP);
	assert_int_equal(rte_marlin_dma_stats_get(m->dev_id,
			RTE_MARLIN_DMA_ALL_QUEUES, &st), -ENOTSUP);
	assert_int_equal(rte_marlin_dma_stats_reset(m->dev_id, 0), -ENOTSUP);

	assert_int_equal(rte_marlin_dma_close(d->dev_id), 0);
	assert_int_equal(rte_marlin_dma_close(m->dev_id), 0);
}

static void
test_mem_iova_default(void **state)
{
	struct rte_marlin_dma_dev *va = fake_new("va", &min_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct rte_marlin_dma_dev *io = fake_new("io", &min_ops,
			RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
	uint8_t buf[64];
	rte_iova_t iova = 0;

	(void)state;
	assert_int_equal(rte_marlin_dma_mem_iova(va->dev_id, buf, sizeof(buf),
			&iova), 0);
	assert_true(iova == RTE_BAD_IOVA);
	assert_int_equal(rte_marlin_dma_mem_iova(va->dev_id, NULL, 8, &iova),
			-EINVAL);
	assert_int_equal(rte_marlin_dma_mem_iova(va->dev_id, buf, 0, &iova),
			-EINVAL);
	assert_int_equal(rte_marlin_dma_mem_iova(va->dev_id, buf, 8, NULL),
			-EINVAL);
	/* an engine that needs IOVAs but cannot translate is refused */
	assert_int_equal(rte_marlin_dma_mem_iova(io->dev_id, buf, sizeof(buf),
			&iova), -ENOTSUP);
	assert_int_equal(rte_marlin_dma_close(va->dev_id), 0);
	assert_int_equal(rte_marlin_dma_close(io->dev_id), 0);
}

static void
test_dump(void **state)
{
	struct rte_marlin_dma_dev *d = fake_new("dumped", &full_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct rte_marlin_dma_conf c = conf_of(1, 16);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(rte_marlin_dma_dump(d->dev_id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), 0);
	assert_int_equal(rte_marlin_dma_dump(d->dev_id, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "dumped"));
	assert_non_null(strstr(text, "configured"));
	free(text);
	assert_int_equal(rte_marlin_dma_close(d->dev_id), 0);
}

const struct CMUnitTest dma_stats_tests[] = {
	cmocka_unit_test(test_stats),
	cmocka_unit_test(test_mem_iova_default),
	cmocka_unit_test(test_dump),
};
const size_t dma_stats_tests_n = RTE_DIM(dma_stats_tests);
