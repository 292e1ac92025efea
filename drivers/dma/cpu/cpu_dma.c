/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The cpu DMA engine: the polling core copies at enqueue time. Glue (vdev
 * probe/remove, devargs, rte_marlin_dma_cpu_create()), control ops and the
 * fast path live here; the copy routines in librte_marlin (marlin_copy.c).
 *
 * Ring bookkeeping per queue, all uint16_t and wrapping like ring indices:
 *   done <= sub <= enq
 * enq: index of the next operation (copied already when enqueued);
 * sub: operations before it are submitted (fenced, so complete);
 * done: operations before it were reported by completed().
 * A queue is full when enq - done == nb_desc. Silent queues move done along
 * with sub, so they never fill.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <bus_vdev_driver.h>

#include "rte_marlin_dma.h"
#include "rte_marlin_dma_driver.h"
#include "rte_pmd_dma_cpu.h"
#include "rte_marlin_args.h"
#include "rte_marlin_copy.h"

RTE_LOG_REGISTER_DEFAULT(dma_cpu_logtype, NOTICE);

#define CPU_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dma_cpu_logtype, \
		"dma_cpu: " fmt "\n", ##__VA_ARGS__)

#define CPU_DRIVER_NAME "dma_cpu"
#define CPU_MAX_DESC 32768
#define CPU_ARG_NT_THRESHOLD "nt_threshold"
#define CPU_ARG_NT_ISA "nt_isa"

struct cpu_queue {
	uint16_t enq;
	uint16_t sub;
	uint16_t done;
	uint16_t nb_desc;
	uint8_t nt_dirty;       /* streaming stores not fenced yet */
	uint8_t silent;
	uint64_t nt_threshold;  /* UINT64_MAX: never */
	rte_marlin_copy_fn nt_copy;
	uint64_t pending_bytes; /* enqueued, not submitted */
	uint64_t submitted;
	uint64_t completed;
	uint64_t bytes;
} __rte_cache_aligned;

struct cpu_priv {
	struct cpu_queue q[RTE_MARLIN_DMA_MAX_QUEUES];
	uint64_t nt_threshold;
	enum rte_marlin_copy_isa isa;
	rte_marlin_copy_fn nt_copy;
	uint16_t nb_queues;
};

/* ---- fast path ---- */

static inline void
cpu_queue_submit(struct cpu_queue *q)
{
	uint16_t n = q->enq - q->sub;

	if (q->nt_dirty) {
		rte_marlin_copy_fence();
		q->nt_dirty = 0;
	}
	q->submitted += n;
	q->bytes += q->pending_bytes;
	q->pending_bytes = 0;
	q->sub = q->enq;
	if (q->silent) {
		q->completed += n;
		q->done = q->sub;
	}
}

static int
cpu_copy(void *p, uint16_t qid, const void *src, rte_iova_t src_iova,
		void *dst, rte_iova_t dst_iova, uint32_t len, uint64_t flags)
{
	struct cpu_queue *q = &((struct cpu_priv *)p)->q[qid];
	uint16_t idx;

	RTE_SET_USED(src_iova);
	RTE_SET_USED(dst_iova);
	if (unlikely((uint16_t)(q->enq - q->done) >= q->nb_desc))
		return -ENOSPC;
	if ((flags & RTE_MARLIN_DMA_OP_FLAG_FENCE) && q->nt_dirty) {
		rte_marlin_copy_fence();
		q->nt_dirty = 0;
	}
	if (len >= q->nt_threshold && !(flags & RTE_MARLIN_DMA_OP_FLAG_LLC)) {
		q->nt_copy(dst, src, len);
		q->nt_dirty = 1;
	} else {
		memcpy(dst, src, len);
	}
	q->pending_bytes += len;
	idx = q->enq++;
	if (flags & RTE_MARLIN_DMA_OP_FLAG_SUBMIT)
		cpu_queue_submit(q);
	return idx;
}

static int
cpu_submit(void *p, uint16_t qid)
{
	cpu_queue_submit(&((struct cpu_priv *)p)->q[qid]);
	return 0;
}

static inline uint16_t
cpu_take(struct cpu_queue *q, uint16_t nb, uint16_t *last_idx)
{
	uint16_t n = RTE_MIN(nb, (uint16_t)(q->sub - q->done));

	q->done += n;
	q->completed += n;
	*last_idx = q->done - 1;
	return n;
}

static uint16_t
cpu_completed(void *p, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		bool *has_error)
{
	RTE_SET_USED(has_error); /* the class cleared it; copies never fail */
	return cpu_take(&((struct cpu_priv *)p)->q[qid], nb, last_idx);
}

static uint16_t
cpu_completed_status(void *p, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		int *status)
{
	uint16_t n = cpu_take(&((struct cpu_priv *)p)->q[qid], nb, last_idx);

	memset(status, 0, n * sizeof(*status));
	return n;
}

static uint16_t
cpu_burst_capacity(const void *p, uint16_t qid)
{
	const struct cpu_queue *q = &((const struct cpu_priv *)p)->q[qid];

	return q->nb_desc - (uint16_t)(q->enq - q->done);
}

static const struct rte_marlin_dma_fp_ops cpu_fp_ops = {
	.copy = cpu_copy,
	.submit = cpu_submit,
	.completed = cpu_completed,
	.completed_status = cpu_completed_status,
	.burst_capacity = cpu_burst_capacity,
};

/* ---- control path ---- */

static int
cpu_info_get(struct rte_marlin_dma_dev *dev, struct rte_marlin_dma_info *info)
{
	struct cpu_priv *c = dev->priv;

	info->capa = RTE_MARLIN_DMA_CAPA_VA | RTE_MARLIN_DMA_CAPA_SYNC |
		RTE_MARLIN_DMA_CAPA_SILENT;
	if (c->nt_threshold != UINT64_MAX && c->isa != RTE_MARLIN_COPY_NT_NONE)
		info->capa |= RTE_MARLIN_DMA_CAPA_NT_STORES;
	info->max_queues = RTE_MARLIN_DMA_MAX_QUEUES;
	info->min_desc = 1;
	info->max_desc = CPU_MAX_DESC;
	info->max_copy_len = UINT32_MAX;
	info->numa_node = -1;
	return 0;
}

static int
cpu_configure(struct rte_marlin_dma_dev *dev,
		const struct rte_marlin_dma_conf *conf)
{
	struct cpu_priv *c = dev->priv;
	uint16_t i;

	memset(c->q, 0, sizeof(c->q));
	for (i = 0; i < conf->nb_queues; i++) {
		struct cpu_queue *q = &c->q[i];

		q->nb_desc = conf->nb_desc;
		q->silent = !!(conf->flags & RTE_MARLIN_DMA_CONF_F_SILENT);
		q->nt_threshold = c->nt_threshold;
		q->nt_copy = c->nt_copy;
	}
	c->nb_queues = conf->nb_queues;
	return 0;
}

static int
cpu_start(struct rte_marlin_dma_dev *dev)
{
	struct cpu_priv *c = dev->priv;
	uint16_t i;

	for (i = 0; i < c->nb_queues; i++) {
		struct cpu_queue *q = &c->q[i];

		q->enq = q->sub = q->done = 0;
		q->nt_dirty = 0;
		q->pending_bytes = 0;
	}
	return 0;
}

static int
cpu_stop(struct rte_marlin_dma_dev *dev)
{
	RTE_SET_USED(dev);
	/* Copies ran at enqueue; order whatever streaming stores are left. */
	rte_marlin_copy_fence();
	return 0;
}

static int
cpu_stats_get(struct rte_marlin_dma_dev *dev, uint16_t qid,
		struct rte_marlin_dma_stats *stats)
{
	const struct cpu_queue *q = &((struct cpu_priv *)dev->priv)->q[qid];

	stats->submitted = q->submitted;
	stats->completed = q->completed;
	stats->errors = 0;
	stats->bytes = q->bytes;
	return 0;
}

static int
cpu_stats_reset(struct rte_marlin_dma_dev *dev, uint16_t qid)
{
	struct cpu_queue *q = &((struct cpu_priv *)dev->priv)->q[qid];

	q->submitted = 0;
	q->completed = 0;
	q->bytes = 0;
	return 0;
}

static int
cpu_mem_iova(struct rte_marlin_dma_dev *dev, const void *va, size_t len,
		rte_iova_t *iova)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(va);
	RTE_SET_USED(len);
	/* Any mapped memory works; the IOVA is not used. */
	*iova = RTE_BAD_IOVA;
	return 0;
}

static int
cpu_dump(struct rte_marlin_dma_dev *dev, FILE *f)
{
	struct cpu_priv *c = dev->priv;
	uint16_t i;

	if (c->nt_threshold == UINT64_MAX)
		fprintf(f, "  streaming stores: off\n");
	else
		fprintf(f, "  streaming stores: %s from %" PRIu64 " bytes\n",
			rte_marlin_copy_isa_name(c->isa), c->nt_threshold);
	for (i = 0; i < c->nb_queues; i++)
		fprintf(f, "  queue %u: enq %u sub %u done %u / %u%s\n", i,
			c->q[i].enq, c->q[i].sub, c->q[i].done, c->q[i].nb_desc,
			c->q[i].silent ? " silent" : "");
	return 0;
}

static const struct rte_marlin_dma_ops cpu_ops = {
	.info_get = cpu_info_get,
	.configure = cpu_configure,
	.start = cpu_start,
	.stop = cpu_stop,
	.stats_get = cpu_stats_get,
	.stats_reset = cpu_stats_reset,
	.mem_iova = cpu_mem_iova,
	.dump = cpu_dump,
};

static int
cpu_create(const char *name, uint64_t nt_threshold, enum rte_marlin_copy_isa isa,
		struct rte_device *device)
{
	struct rte_marlin_dma_dev *dev;
	struct cpu_priv *c;

	dev = rte_marlin_dma_dev_allocate(name, CPU_DRIVER_NAME, &cpu_ops,
			&cpu_fp_ops, sizeof(struct cpu_priv));
	if (dev == NULL)
		return -rte_errno;
	c = dev->priv;
	c->isa = isa;
	c->nt_copy = rte_marlin_copy_nt_fn(isa);
	c->nt_threshold = (nt_threshold == 0 || isa == RTE_MARLIN_COPY_NT_NONE) ?
		UINT64_MAX : nt_threshold;
	dev->device = device;
	CPU_LOG(DEBUG, "%s: streaming stores %s from %" PRIu64 " bytes", name,
		rte_marlin_copy_isa_name(isa), nt_threshold);
	return dev->dev_id;
}

int
rte_marlin_dma_cpu_create(const char *name,
		const struct rte_marlin_dma_cpu_conf *conf)
{
	uint64_t nt = RTE_MARLIN_RTE_MARLIN_COPY_NT_DEFAULT;

	if (conf != NULL) {
		if (conf->reserved0 != 0 || conf->reserved[0] != 0 ||
				conf->reserved[1] != 0 || conf->reserved[2] != 0) {
			CPU_LOG(ERR, "%s: reserved fields of the options must be zero",
				name ? name : "?");
			return -EINVAL;
		}
		nt = conf->nt_threshold;
	}
	return cpu_create(name, nt, rte_marlin_copy_isa_default(), NULL);
}

/* ---- vdev glue ---- */

static int
parse_isa(const char *dev, const char *key, const char *value, void *opaque)
{
	enum rte_marlin_copy_isa *out = opaque;
	static const enum rte_marlin_copy_isa all[] = {
		RTE_MARLIN_COPY_NT_NONE, RTE_MARLIN_COPY_NT_SSE2, RTE_MARLIN_COPY_NT_AVX2,
		RTE_MARLIN_COPY_NT_AVX512,
	};
	unsigned int i;

	if (strcmp(value, "auto") == 0) {
		*out = rte_marlin_copy_isa_default();
		return 0;
	}
	for (i = 0; i < RTE_DIM(all); i++) {
		if (strcmp(value, rte_marlin_copy_isa_name(all[i])) != 0)
			continue;
		if (!rte_marlin_copy_isa_supported(all[i])) {
			CPU_LOG(ERR, "%s: %s=%s: this CPU cannot run it", dev, key,
				value);
			return -ENOTSUP;
		}
		*out = all[i];
		return 0;
	}
	CPU_LOG(ERR, "%s: %s=%s: expected auto, none, sse2, avx2 or avx512", dev,
		key, value);
	return -EINVAL;
}

static int
cpu_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	uint64_t nt = RTE_MARLIN_RTE_MARLIN_COPY_NT_DEFAULT;
	enum rte_marlin_copy_isa isa = rte_marlin_copy_isa_default();
	const struct rte_marlin_arg args[] = {
		{ .key = CPU_ARG_NT_THRESHOLD, .type = RTE_MARLIN_ARG_SIZE,
		  .min = 0, .max = UINT32_MAX, .dst = &nt,
		  .hint = " (copies of this size and more use streaming stores)" },
		{ .key = CPU_ARG_NT_ISA, .type = RTE_MARLIN_ARG_FUNC,
		  .parse = parse_isa, .dst = &isa },
	};
	int rc;

	rc = rte_marlin_devargs_parse(name, rte_vdev_device_args(vdev), args,
				      RTE_DIM(args), NULL);
	if (rc != 0)
		return rc;
	rc = cpu_create(name, nt, isa, &vdev->device);
	if (rc < 0) {
		CPU_LOG(ERR, "%s: cannot create engine: %s", name,
			rte_strerror(-rc));
		return rc;
	}
	return 0;
}

static int
cpu_remove(struct rte_vdev_device *vdev)
{
	struct rte_marlin_dma_dev *dev;

	dev = rte_marlin_dma_dev_get(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0; /* closed by the application already */
	return rte_marlin_dma_dev_release(dev);
}

static struct rte_vdev_driver cpu_vdev_drv = {
	.probe = cpu_probe,
	.remove = cpu_remove,
};

RTE_PMD_REGISTER_VDEV(dma_cpu, cpu_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(dma_cpu,
	CPU_ARG_NT_THRESHOLD "=<bytes> "
	CPU_ARG_NT_ISA "=auto|none|sse2|avx2|avx512");
