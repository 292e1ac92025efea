/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the DMA engine class: ops validation, engine table, state
 * machine, configuration checks, fast-path dispatch (and the stubs of
 * stopped engines), statistics summing, the default mem_iova, and the
 * layout of the fast-path table. A fake driver records what it is asked.
 * Built twice: plain, and with RTE_MARLIN_DEBUG for the fast-path checks.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dma_test.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_dma.h"
#include "rte_marlin_dma_driver.h"

/* ---- fake driver -------------------------------------------------------- */

#define FAKE_QUEUES 4

struct fake_priv {
	uint64_t capa;
	int configure_rc;
	int start_rc;
	int configure_calls, start_calls, stop_calls, close_calls;
	struct rte_marlin_dma_conf last_conf;
	/* last copy */
	uint16_t copy_qid;
	const void *copy_src;
	void *copy_dst;
	rte_iova_t copy_src_iova, copy_dst_iova;
	uint32_t copy_len;
	uint64_t copy_flags;
	int copy_calls, submit_calls;
	struct rte_marlin_dma_stats stats[FAKE_QUEUES];
	int stats_reset_calls;
	void *fp_priv_seen;
};

static int *g_close_counter;

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

static const struct rte_marlin_dma_ops full_ops = {
	.info_get = f_info_get,
	.configure = f_configure,
	.start = f_start,
	.stop = f_stop,
	.stats_get = f_stats_get,
	.stats_reset = f_stats_reset,
	.close = f_close,
};

static const struct rte_marlin_dma_ops min_ops = {
	.info_get = f_info_get,
	.configure = f_configure,
	.start = f_start,
	.stop = f_stop,
};

static const struct rte_marlin_dma_fp_ops fake_fp = {
	.copy = f_copy,
	.submit = f_submit,
	.completed = f_completed,
	.completed_status = f_completed_status,
	.burst_capacity = f_burst_capacity,
};

static struct rte_marlin_dma_dev *
fake_new(const char *name, const struct rte_marlin_dma_ops *ops, uint64_t capa)
{
	struct rte_marlin_dma_dev *d;

	d = rte_marlin_dma_dev_allocate(name, "fake", ops, &fake_fp,
			sizeof(struct fake_priv));
	assert_non_null(d);
	((struct fake_priv *)d->priv)->capa = capa;
	return d;
}

static struct rte_marlin_dma_conf
conf_of(uint16_t nb_queues, uint32_t nb_desc)
{
	struct rte_marlin_dma_conf c;

	memset(&c, 0, sizeof(c));
	c.nb_queues = nb_queues;
	c.nb_desc = nb_desc;
	return c;
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
	assert_ptr_equal(out.stats_get, f_stats_get);
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
	in.stats_get = f_stats_get;
	assert_int_equal(rte_marlin_dma_ops_validate(&in, &out), -EINVAL);
	in = min_ops;
	in.stats_reset = f_stats_reset;
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

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "64", "--no-shconf", "--no-telemetry",
#ifdef RTE_MARLIN_DEBUG
		"--file-prefix=ut_dma_class_dbg",
#else
		"--file-prefix=ut_dma_class",
#endif
		"--log-level=lib.marlin.*:critical", "-l", "0",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_allocate_and_lookup),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_unknown_engine),
		cmocka_unit_test(test_configure_checks),
		cmocka_unit_test(test_fp_checked_at_start),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_mem_iova_default),
		cmocka_unit_test(test_dump),
#ifdef RTE_MARLIN_DEBUG
		cmocka_unit_test(test_debug_checks),
#endif
	};
	int rc;

	(void)argc;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dma_test_eal_cleanup();
	return rc;
}
