/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* DMA engine class: engine table, ops validation, control API and the
 * fast-path table the inline calls of rte_marlin_dma.h dispatch through. */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "rte_marlin_dma.h"
#include "rte_marlin_dma_driver.h"

RTE_LOG_REGISTER_SUFFIX(marlin_dma_logtype, dma, NOTICE);

#define DMA_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, marlin_dma_logtype, \
		"marlin.dma: " fmt "\n", ##__VA_ARGS__)

struct rte_marlin_dma_fp_obj rte_marlin_dma_fp_objs[RTE_MARLIN_DMA_MAX_DEVS];

static struct rte_marlin_dma_dev *dma_devs[RTE_MARLIN_DMA_MAX_DEVS];

static_assert(sizeof(struct rte_marlin_dma_fp_obj) == RTE_CACHE_LINE_SIZE,
	"one fast-path object per cache line");

/* ---- fast-path stubs of engines that are not started ---- */

static int
stopped_copy(void *p, uint16_t qid, const void *src, rte_iova_t si, void *dst,
		rte_iova_t di, uint32_t len, uint64_t flags)
{
	RTE_SET_USED(p); RTE_SET_USED(qid); RTE_SET_USED(src); RTE_SET_USED(si);
	RTE_SET_USED(dst); RTE_SET_USED(di); RTE_SET_USED(len); RTE_SET_USED(flags);
	return -ENODEV;
}

static int
stopped_submit(void *p, uint16_t qid)
{
	RTE_SET_USED(p); RTE_SET_USED(qid);
	return -ENODEV;
}

static uint16_t
stopped_completed(void *p, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		bool *has_error)
{
	RTE_SET_USED(p); RTE_SET_USED(qid); RTE_SET_USED(nb);
	RTE_SET_USED(last_idx); RTE_SET_USED(has_error);
	return 0;
}

static uint16_t
stopped_completed_status(void *p, uint16_t qid, uint16_t nb,
		uint16_t *last_idx, int *status)
{
	RTE_SET_USED(p); RTE_SET_USED(qid); RTE_SET_USED(nb);
	RTE_SET_USED(last_idx); RTE_SET_USED(status);
	return 0;
}

static uint16_t
stopped_burst_capacity(const void *p, uint16_t qid)
{
	RTE_SET_USED(p); RTE_SET_USED(qid);
	return 0;
}

static const struct rte_marlin_dma_fp_ops stopped_fp_ops = {
	.copy = stopped_copy,
	.submit = stopped_submit,
	.completed = stopped_completed,
	.completed_status = stopped_completed_status,
	.burst_capacity = stopped_burst_capacity,
};

static void
fp_obj_reset(uint16_t dev_id)
{
	struct rte_marlin_dma_fp_obj *obj = &rte_marlin_dma_fp_objs[dev_id];

	memset(obj, 0, sizeof(*obj));
	obj->ops = stopped_fp_ops;
}

RTE_INIT(marlin_dma_fp_init)
{
	uint16_t i;

	for (i = 0; i < RTE_MARLIN_DMA_MAX_DEVS; i++)
		fp_obj_reset(i);
}

/* ---- defaults for optional control ops ---- */

static int
default_mem_iova(struct rte_marlin_dma_dev *dev, const void *va, size_t len,
		rte_iova_t *iova)
{
	struct rte_marlin_dma_info info;
	int rc;

	RTE_SET_USED(va);
	RTE_SET_USED(len);
	memset(&info, 0, sizeof(info));
	rc = dev->ops.info_get(dev, &info);
	if (rc != 0)
		return rc;
	if ((info.capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA) ||
			!(info.capa & RTE_MARLIN_DMA_CAPA_VA))
		return -ENOTSUP;
	*iova = RTE_BAD_IOVA;
	return 0;
}

static int
nosup_stats_get(struct rte_marlin_dma_dev *d, uint16_t q,
		struct rte_marlin_dma_stats *s)
{
	RTE_SET_USED(d); RTE_SET_USED(q); RTE_SET_USED(s);
	return -ENOTSUP;
}

static int
nosup_stats_reset(struct rte_marlin_dma_dev *d, uint16_t q)
{
	RTE_SET_USED(d); RTE_SET_USED(q);
	return -ENOTSUP;
}

static int
nop_dump(struct rte_marlin_dma_dev *d, FILE *f)
{
	RTE_SET_USED(d); RTE_SET_USED(f);
	return 0;
}

static void
nop_close(struct rte_marlin_dma_dev *d)
{
	RTE_SET_USED(d);
}

#define NEED(op) do { \
	if (in->op == NULL) { \
		DMA_LOG(ERR, "ops table lacks mandatory op %s", #op); \
		return -EINVAL; \
	} } while (0)

#define PAIR(a, b) do { \
	if ((in->a == NULL) != (in->b == NULL)) { \
		DMA_LOG(ERR, "ops %s and %s must be provided together", #a, #b); \
		return -EINVAL; \
	} } while (0)

#define FILL(op, stub) do { if (out->op == NULL) out->op = (stub); } while (0)

int
rte_marlin_dma_ops_validate(const struct rte_marlin_dma_ops *in,
		struct rte_marlin_dma_ops *out)
{
	if (in == NULL || out == NULL)
		return -EINVAL;
	NEED(info_get);
	NEED(configure);
	NEED(start);
	NEED(stop);
	PAIR(stats_get, stats_reset);

	*out = *in;
	FILL(stats_get, nosup_stats_get);
	FILL(stats_reset, nosup_stats_reset);
	FILL(mem_iova, default_mem_iova);
	FILL(dump, nop_dump);
	FILL(close, nop_close);
	return 0;
}

int
rte_marlin_dma_fp_ops_validate(const struct rte_marlin_dma_fp_ops *in)
{
	if (in == NULL) {
		DMA_LOG(ERR, "no fast-path ops table");
		return -EINVAL;
	}
	NEED(copy);
	NEED(submit);
	NEED(completed);
	NEED(completed_status);
	NEED(burst_capacity);
	return 0;
}

/* ---- engine table ---- */

struct rte_marlin_dma_dev *
rte_marlin_dma_dev_get(const char *name)
{
	int i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < RTE_MARLIN_DMA_MAX_DEVS; i++)
		if (dma_devs[i] != NULL && strcmp(dma_devs[i]->name, name) == 0)
			return dma_devs[i];
	return NULL;
}

struct rte_marlin_dma_dev *
rte_marlin_dma_dev_get_by_id(uint16_t dev_id)
{
	return dev_id < RTE_MARLIN_DMA_MAX_DEVS ? dma_devs[dev_id] : NULL;
}

struct rte_marlin_dma_dev *
rte_marlin_dma_dev_allocate(const char *name, const char *driver,
		const struct rte_marlin_dma_ops *ops,
		const struct rte_marlin_dma_fp_ops *fp_ops, size_t priv_size)
{
	struct rte_marlin_dma_dev *dev;
	int slot = -1, i;

	if (name == NULL || name[0] == '\0' ||
			strnlen(name, RTE_MARLIN_DMA_NAME_LEN) >= RTE_MARLIN_DMA_NAME_LEN) {
		DMA_LOG(ERR, "engine name missing or longer than %d characters",
			RTE_MARLIN_DMA_NAME_LEN - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if (rte_marlin_dma_dev_get(name) != NULL) {
		DMA_LOG(ERR, "engine %s exists already", name);
		rte_errno = EEXIST;
		return NULL;
	}
	for (i = 0; i < RTE_MARLIN_DMA_MAX_DEVS; i++) {
		if (dma_devs[i] == NULL) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		DMA_LOG(ERR, "cannot add %s: all %d engine ids are in use",
			name, RTE_MARLIN_DMA_MAX_DEVS);
		rte_errno = ENOSPC;
		return NULL;
	}
	dev = rte_zmalloc("marlin_dma_dev", sizeof(*dev), RTE_CACHE_LINE_SIZE);
	if (dev == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (rte_marlin_dma_ops_validate(ops, &dev->ops) != 0 ||
			rte_marlin_dma_fp_ops_validate(fp_ops) != 0) {
		DMA_LOG(ERR, "driver %s: invalid ops table, engine %s not created",
			driver ? driver : "?", name);
		rte_free(dev);
		rte_errno = EINVAL;
		return NULL;
	}
	dev->fp_ops = *fp_ops;
	if (priv_size > 0) {
		dev->priv = rte_zmalloc("marlin_dma_priv", priv_size,
					RTE_CACHE_LINE_SIZE);
		if (dev->priv == NULL) {
			rte_free(dev);
			rte_errno = ENOMEM;
			return NULL;
		}
	}
	dev->fp_priv = dev->priv;
	strlcpy(dev->name, name, sizeof(dev->name));
	dev->driver = driver ? driver : "unknown";
	dev->dev_id = slot;
	dev->state = RTE_MARLIN_DMA_STATE_NEW;
	fp_obj_reset(slot);
	dma_devs[slot] = dev;
	return dev;
}

static int dev_stop(struct rte_marlin_dma_dev *dev);

int
rte_marlin_dma_dev_release(struct rte_marlin_dma_dev *dev)
{
	if (dev == NULL)
		return 0;
	if (dev->dev_id >= RTE_MARLIN_DMA_MAX_DEVS || dma_devs[dev->dev_id] != dev)
		return -EINVAL;
	if (dev->state == RTE_MARLIN_DMA_STATE_STARTED)
		(void)dev_stop(dev);
	dev->ops.close(dev);
	fp_obj_reset(dev->dev_id);
	dma_devs[dev->dev_id] = NULL;
	rte_free(dev->priv);
	rte_free(dev);
	return 0;
}

/* ---- public control API ---- */

#define GET_DEV_OR_RET(dev, id) \
	struct rte_marlin_dma_dev *dev = rte_marlin_dma_dev_get_by_id(id); \
	if (dev == NULL) \
		return -ENODEV

int
rte_marlin_dma_count(void)
{
	int i, n = 0;

	for (i = 0; i < RTE_MARLIN_DMA_MAX_DEVS; i++)
		n += dma_devs[i] != NULL;
	return n;
}

int
rte_marlin_dma_get_by_name(const char *name)
{
	struct rte_marlin_dma_dev *dev;

	if (name == NULL)
		return -EINVAL;
	dev = rte_marlin_dma_dev_get(name);
	return dev ? dev->dev_id : -ENODEV;
}

int
rte_marlin_dma_is_valid(uint16_t dev_id)
{
	return rte_marlin_dma_dev_get_by_id(dev_id) != NULL;
}

static int
dev_info(struct rte_marlin_dma_dev *dev, struct rte_marlin_dma_info *info)
{
	int rc;

	memset(info, 0, sizeof(*info));
	info->numa_node = -1;
	rc = dev->ops.info_get(dev, info);
	if (rc != 0)
		return rc;
	strlcpy(info->name, dev->name, sizeof(info->name));
	info->driver = dev->driver;
	if (info->max_desc > UINT16_MAX)
		info->max_desc = UINT16_MAX;
	if (info->max_queues > RTE_MARLIN_DMA_MAX_QUEUES)
		info->max_queues = RTE_MARLIN_DMA_MAX_QUEUES;
	if (dev->state != RTE_MARLIN_DMA_STATE_NEW) {
		info->nb_queues = dev->conf.nb_queues;
		info->nb_desc = dev->conf.nb_desc;
	}
	info->started = dev->state == RTE_MARLIN_DMA_STATE_STARTED;
	return 0;
}

int
rte_marlin_dma_info_get(uint16_t dev_id, struct rte_marlin_dma_info *info)
{
	GET_DEV_OR_RET(dev, dev_id);

	if (info == NULL)
		return -EINVAL;
	return dev_info(dev, info);
}

static int
reserved_zero(const uint64_t *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i] != 0)
			return 0;
	return 1;
}

int
rte_marlin_dma_configure(uint16_t dev_id, const struct rte_marlin_dma_conf *conf)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct rte_marlin_dma_info info;
	int rc;

	if (conf == NULL)
		return -EINVAL;
	if (dev->state == RTE_MARLIN_DMA_STATE_STARTED) {
		DMA_LOG(ERR, "%s: configure while started; stop it first",
			dev->name);
		return -EBUSY;
	}
	rc = dev_info(dev, &info);
	if (rc != 0)
		return rc;
	if (conf->nb_queues == 0 || conf->nb_queues > info.max_queues) {
		DMA_LOG(ERR, "%s: %u queues requested, engine has 1..%u",
			dev->name, conf->nb_queues, info.max_queues);
		return -EINVAL;
	}
	if (conf->nb_desc < info.min_desc || conf->nb_desc > info.max_desc ||
			conf->nb_desc == 0) {
		DMA_LOG(ERR, "%s: ring size %u out of range %u..%u", dev->name,
			conf->nb_desc, info.min_desc, info.max_desc);
		return -EINVAL;
	}
	if (conf->flags & ~RTE_MARLIN_DMA_CONF_F_SILENT) {
		DMA_LOG(ERR, "%s: unknown configuration flags 0x%" PRIx64,
			dev->name, conf->flags & ~RTE_MARLIN_DMA_CONF_F_SILENT);
		return -EINVAL;
	}
	if (conf->reserved0 != 0 ||
			!reserved_zero(conf->reserved, RTE_DIM(conf->reserved))) {
		DMA_LOG(ERR, "%s: reserved configuration fields must be zero",
			dev->name);
		return -EINVAL;
	}
	if ((conf->flags & RTE_MARLIN_DMA_CONF_F_SILENT) &&
			!(info.capa & RTE_MARLIN_DMA_CAPA_SILENT)) {
		DMA_LOG(ERR, "%s: driver %s cannot run silent", dev->name,
			dev->driver);
		return -ENOTSUP;
	}
	rc = dev->ops.configure(dev, conf);
	if (rc != 0) {
		DMA_LOG(ERR, "%s: driver refused the configuration: %s",
			dev->name, rte_strerror(-rc));
		return rc;
	}
	dev->conf = *conf;
	dev->state = RTE_MARLIN_DMA_STATE_CONFIGURED;
	return 0;
}

int
rte_marlin_dma_start(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct rte_marlin_dma_fp_obj *obj = &rte_marlin_dma_fp_objs[dev_id];
	struct rte_marlin_dma_info info;
	int rc;

	if (dev->state == RTE_MARLIN_DMA_STATE_STARTED)
		return 0;
	if (dev->state != RTE_MARLIN_DMA_STATE_CONFIGURED) {
		DMA_LOG(ERR, "%s: start before configure", dev->name);
		return -EINVAL;
	}
	if (rte_marlin_dma_fp_ops_validate(&dev->fp_ops) != 0)
		return -EINVAL;
	rc = dev_info(dev, &info);
	if (rc != 0)
		return rc;
	rc = dev->ops.start(dev);
	if (rc != 0) {
		DMA_LOG(ERR, "%s: start failed: %s", dev->name, rte_strerror(-rc));
		return rc;
	}
	obj->fp_priv = dev->fp_priv;
	obj->ops = dev->fp_ops;
	obj->nb_queues = dev->conf.nb_queues;
	obj->max_copy_len = info.max_copy_len;
	obj->capa = info.capa;
	obj->started = 1;
	dev->state = RTE_MARLIN_DMA_STATE_STARTED;
	return 0;
}

static int
dev_stop(struct rte_marlin_dma_dev *dev)
{
	int rc;

	fp_obj_reset(dev->dev_id);
	rc = dev->ops.stop(dev);
	dev->state = RTE_MARLIN_DMA_STATE_CONFIGURED;
	if (rc != 0)
		DMA_LOG(WARNING, "%s: driver stop reported %s", dev->name,
			rte_strerror(-rc));
	return rc;
}

int
rte_marlin_dma_stop(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);

	if (dev->state != RTE_MARLIN_DMA_STATE_STARTED)
		return 0;
	return dev_stop(dev);
}

int
rte_marlin_dma_close(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);

	return rte_marlin_dma_dev_release(dev);
}

int
rte_marlin_dma_stats_get(uint16_t dev_id, uint16_t qid,
		struct rte_marlin_dma_stats *stats)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct rte_marlin_dma_stats one;
	uint16_t q;
	int rc;

	if (stats == NULL)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	if (dev->state == RTE_MARLIN_DMA_STATE_NEW)
		return -EINVAL;
	if (qid != RTE_MARLIN_DMA_ALL_QUEUES) {
		if (qid >= dev->conf.nb_queues)
			return -EINVAL;
		return dev->ops.stats_get(dev, qid, stats);
	}
	for (q = 0; q < dev->conf.nb_queues; q++) {
		memset(&one, 0, sizeof(one));
		rc = dev->ops.stats_get(dev, q, &one);
		if (rc != 0) {
			memset(stats, 0, sizeof(*stats));
			return rc;
		}
		stats->submitted += one.submitted;
		stats->completed += one.completed;
		stats->errors += one.errors;
		stats->bytes += one.bytes;
	}
	return 0;
}

int
rte_marlin_dma_stats_reset(uint16_t dev_id, uint16_t qid)
{
	GET_DEV_OR_RET(dev, dev_id);
	uint16_t q;
	int rc;

	if (dev->state == RTE_MARLIN_DMA_STATE_NEW)
		return -EINVAL;
	if (qid != RTE_MARLIN_DMA_ALL_QUEUES) {
		if (qid >= dev->conf.nb_queues)
			return -EINVAL;
		return dev->ops.stats_reset(dev, qid);
	}
	for (q = 0; q < dev->conf.nb_queues; q++) {
		rc = dev->ops.stats_reset(dev, q);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
rte_marlin_dma_mem_iova(uint16_t dev_id, const void *va, size_t len,
		rte_iova_t *iova)
{
	GET_DEV_OR_RET(dev, dev_id);

	if (va == NULL || len == 0 || iova == NULL)
		return -EINVAL;
	return dev->ops.mem_iova(dev, va, len, iova);
}

static const char *
state_name(enum rte_marlin_dma_state s)
{
	switch (s) {
	case RTE_MARLIN_DMA_STATE_NEW: return "new";
	case RTE_MARLIN_DMA_STATE_CONFIGURED: return "configured";
	case RTE_MARLIN_DMA_STATE_STARTED: return "started";
	}
	return "?";
}

int
rte_marlin_dma_dump(uint16_t dev_id, FILE *f)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct rte_marlin_dma_info info;
	struct rte_marlin_dma_stats st;

	if (f == NULL)
		return -EINVAL;
	fprintf(f, "dma engine %u: %s (driver %s), %s\n", dev->dev_id,
		dev->name, dev->driver, state_name(dev->state));
	if (dev_info(dev, &info) == 0)
		fprintf(f, "  capa 0x%" PRIx64 ", queues %u/%u, ring %u (%u..%u), max copy %u\n",
			info.capa, info.nb_queues, info.max_queues, info.nb_desc,
			info.min_desc, info.max_desc, info.max_copy_len);
	if (rte_marlin_dma_stats_get(dev_id, RTE_MARLIN_DMA_ALL_QUEUES, &st) == 0)
		fprintf(f, "  submitted %" PRIu64 ", completed %" PRIu64
			", errors %" PRIu64 ", bytes %" PRIu64 "\n",
			st.submitted, st.completed, st.errors, st.bytes);
	return dev->ops.dump(dev, f);
}
