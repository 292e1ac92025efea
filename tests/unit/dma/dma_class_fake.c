/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* The fake DMA driver of the DMA class unit tests (see dma_class_fake.h). */

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

int *g_close_counter;

static int
f_info_get(struct rte_marlin_dma_dev *d, struct rte_marlin_dma_info *info)
{
	struct fake_priv *p = d->priv;

	info->capa = p->capa;
	info->max_queues = FAKE_QUEUES;
	info->min_desc = 4;
	info->max_desc = 1024;
	info->max_copy_len = 1 << 20;
	return 0;
}

static int
f_configure(struct rte_marlin_dma_dev *d, const struct rte_marlin_dma_conf *c)
{
	struct fake_priv *p = d->priv;

	p->configure_calls++;
	p->last_conf = *c;
	return p->configure_rc;
}

static int
f_start(struct rte_marlin_dma_dev *d)
{
	struct fake_priv *p = d->priv;

	p->start_calls++;
	return p->start_rc;
}

static int
f_stop(struct rte_marlin_dma_dev *d)
{
	((struct fake_priv *)d->priv)->stop_calls++;
	return 0;
}

static int
f_stats_get(struct rte_marlin_dma_dev *d, uint16_t q,
		struct rte_marlin_dma_stats *s)
{
	*s = ((struct fake_priv *)d->priv)->stats[q];
	return 0;
}

static int
f_stats_reset(struct rte_marlin_dma_dev *d, uint16_t q)
{
	struct fake_priv *p = d->priv;

	memset(&p->stats[q], 0, sizeof(p->stats[q]));
	p->stats_reset_calls++;
	return 0;
}

static void
f_close(struct rte_marlin_dma_dev *d)
{
	((struct fake_priv *)d->priv)->close_calls++;
	if (g_close_counter != NULL)
		(*g_close_counter)++;
}

static int
f_copy(void *fp, uint16_t qid, const void *src, rte_iova_t si, void *dst,
		rte_iova_t di, uint32_t len, uint64_t flags)
{
	struct fake_priv *p = fp;

	p->fp_priv_seen = fp;
	p->copy_qid = qid;
	p->copy_src = src;
	p->copy_dst = dst;
	p->copy_src_iova = si;
	p->copy_dst_iova = di;
	p->copy_len = len;
	p->copy_flags = flags;
	return p->copy_calls++ & 0xffff;
}

static int
f_submit(void *fp, uint16_t qid)
{
	struct fake_priv *p = fp;

	p->submit_calls++;
	return qid == 3 ? -EIO : 0;
}

static uint16_t
f_completed(void *fp, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		bool *has_error)
{
	RTE_SET_USED(fp);
	*last_idx = 1000 + qid;
	/* report an error on queue 2 after half */
	if (qid == 2) {
		*has_error = true;
		return nb / 2;
	}
	return nb;
}

static uint16_t
f_completed_status(void *fp, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		int *status)
{
	uint16_t i;

	RTE_SET_USED(fp);
	*last_idx = 2000 + qid;
	for (i = 0; i < nb; i++)
		status[i] = i == 1 ? -EIO : 0;
	return nb;
}

static uint16_t
f_burst_capacity(const void *fp, uint16_t qid)
{
	RTE_SET_USED(fp);
	return 100 + qid;
}

/* the ops every table needs */
#define FAKE_MANDATORY_OPS \
	.info_get = f_info_get, \
	.configure = f_configure, \
	.start = f_start, \
	.stop = f_stop

const struct rte_marlin_dma_ops full_ops = {
	FAKE_MANDATORY_OPS,
	.stats_get = f_stats_get,
	.stats_reset = f_stats_reset,
	.close = f_close,
};

const struct rte_marlin_dma_ops min_ops = {
	FAKE_MANDATORY_OPS,
};

const struct rte_marlin_dma_fp_ops fake_fp = {
	.copy = f_copy,
	.submit = f_submit,
	.completed = f_completed,
	.completed_status = f_completed_status,
	.burst_capacity = f_burst_capacity,
};

struct rte_marlin_dma_dev *
fake_new(const char *name, const struct rte_marlin_dma_ops *ops, uint64_t capa)
{
	struct rte_marlin_dma_dev *d;

	d = rte_marlin_dma_dev_allocate(name, "fake", ops, &fake_fp,
			sizeof(struct fake_priv));
	assert_non_null(d);
	((struct fake_priv *)d->priv)->capa = capa;
	return d;
}

struct rte_marlin_dma_conf
conf_of(uint16_t nb_queues, uint32_t nb_desc)
{
	struct rte_marlin_dma_conf c;

	memset(&c, 0, sizeof(c));
	c.nb_queues = nb_queues;
	c.nb_desc = nb_desc;
	return c;
}
