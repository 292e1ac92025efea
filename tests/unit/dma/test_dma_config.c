/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * DMA class unit tests: configuration checks and the state machine.
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

/* ---- configuration and state -------------------------------------------- */

static void
test_configure_checks(void **state)
{
	struct rte_marlin_dma_dev *d = fake_new("cfg", &full_ops,
			RTE_MARLIN_DMA_CAPA_VA);
	struct fake_priv *p = d->priv;
	struct rte_marlin_dma_conf c;
	struct rte_marlin_dma_info info;

	(void)state;
	assert_int_equal(rte_marlin_dma_info_get(d->dev_id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_dma_info_get(d->dev_id, &info), 0);
	assert_string_equal(info.name, "cfg");
	assert_string_equal(info.driver, "fake");
	assert_int_equal(info.nb_queues, 0);
	assert_int_equal(info.nb_desc, 0);
	assert_int_equal(info.max_queues, FAKE_QUEUES);
	assert_int_equal(info.started, 0);

	assert_int_equal(rte_marlin_dma_configure(d->dev_id, NULL), -EINVAL);
	c = conf_of(0, 16);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	c = conf_of(FAKE_QUEUES + 1, 16);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	c = conf_of(1, 3);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	c = conf_of(1, 1025);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	c = conf_of(1, 16);
	c.flags = RTE_BIT64(7);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	c = conf_of(1, 16);
	c.reserved[3] = 1;
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	c = conf_of(1, 16);
	c.reserved0 = 1;
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EINVAL);
	/* silent needs the capability */
	c = conf_of(1, 16);
	c.flags = RTE_MARLIN_DMA_CONF_F_SILENT;
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -ENOTSUP);
	assert_int_equal(p->configure_calls, 0);

	/* start before configure, stats before configure */
	assert_int_equal(rte_marlin_dma_start(d->dev_id), -EINVAL);
	assert_int_equal(rte_marlin_dma_stats_reset(d->dev_id, 0), -EINVAL);

	/* driver refusal is passed on and leaves the engine unconfigured */
	p->configure_rc = -EIO;
	c = conf_of(2, 64);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EIO);
	assert_int_equal(rte_marlin_dma_start(d->dev_id), -EINVAL);
	p->configure_rc = 0;

	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), 0);
	assert_int_equal(p->last_conf.nb_queues, 2);
	assert_int_equal(p->last_conf.nb_desc, 64);
	assert_int_equal(rte_marlin_dma_info_get(d->dev_id, &info), 0);
	assert_int_equal(info.nb_queues, 2);
	assert_int_equal(info.nb_desc, 64);

	/* start failure keeps it stopped */
	p->start_rc = -EIO;
	assert_int_equal(rte_marlin_dma_start(d->dev_id), -EIO);
	assert_int_equal(rte_marlin_dma_copy(d->dev_id, 0, &c, &info, 4, 0),
			-ENODEV);
	p->start_rc = 0;

	assert_int_equal(rte_marlin_dma_start(d->dev_id), 0);
	assert_int_equal(rte_marlin_dma_start(d->dev_id), 0); /* idempotent */
	assert_int_equal(p->start_calls, 2);
	assert_int_equal(rte_marlin_dma_info_get(d->dev_id, &info), 0);
	assert_int_equal(info.started, 1);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), -EBUSY);
	assert_int_equal(rte_marlin_dma_stop(d->dev_id), 0);
	assert_int_equal(rte_marlin_dma_stop(d->dev_id), 0); /* idempotent */
	assert_int_equal(p->stop_calls, 1);
	/* reconfigure after stop */
	c = conf_of(1, 8);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), 0);
	assert_int_equal(rte_marlin_dma_start(d->dev_id), 0);
	/* close of a started engine stops it first */
	assert_int_equal(rte_marlin_dma_close(d->dev_id), 0);
	assert_int_equal(rte_marlin_dma_get_by_name("cfg"), -ENODEV);
}

/* A driver may pick its fast path in configure; start checks it again. */
static int
f_configure_breaks_fp(struct rte_marlin_dma_dev *d,
		const struct rte_marlin_dma_conf *c)
{
	RTE_SET_USED(c);
	d->fp_ops.submit = NULL;
	return 0;
}

static void
test_fp_checked_at_start(void **state)
{
	struct rte_marlin_dma_ops ops = full_ops;
	struct rte_marlin_dma_conf c = conf_of(1, 8);
	struct rte_marlin_dma_dev *d;

	(void)state;
	ops.configure = f_configure_breaks_fp;
	d = fake_new("fpcheck", &ops, RTE_MARLIN_DMA_CAPA_VA);
	assert_int_equal(rte_marlin_dma_configure(d->dev_id, &c), 0);
	assert_int_equal(rte_marlin_dma_start(d->dev_id), -EINVAL);
	assert_int_equal(rte_marlin_dma_submit(d->dev_id, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_close(d->dev_id), 0);
}

const struct CMUnitTest dma_config_tests[] = {
	cmocka_unit_test(test_configure_checks),
	cmocka_unit_test(test_fp_checked_at_start),
};
const size_t dma_config_tests_n = RTE_DIM(dma_config_tests);
