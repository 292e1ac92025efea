/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The dmadev DMA engine: a DPDK rte_dma device behind the Marlin DMA class.
 * Glue (vdev probe/remove, devargs, rte_marlin_dma_dmadev_create()), control
 * ops and the fast path.
 *
 * Ring indices: rte_dma's ring_idx is a uint16_t of the device's own, which
 * a device may start anywhere. Marlin counts for itself instead: enq is the
 * index of the next operation, done the number of operations reported
 * (modulo 2^16). rte_dma reports completions in order, so after n more
 * completions the last one reported is done - 1.
 */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_string_fns.h>
#include <bus_vdev_driver.h>

#include "rte_marlin_args.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_dma_driver.h"
#include "rte_pmd_dma_dmadev.h"
#include "dmadev_status.h"

RTE_LOG_REGISTER_DEFAULT(dma_dmadev_logtype, NOTICE);

#define DDEV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dma_dmadev_logtype, \
		"dma_dmadev: " fmt "\n", ##__VA_ARGS__)

#define DDEV_DRIVER_NAME "dma_dmadev"
#define DDEV_ARG_DMADEV "dmadev"
#define DDEV_ARG_IOVA "iova"
/* How long stop() waits for in-flight operations. */
#define DDEV_STOP_WAIT_US (100 * 1000)

/* Marlin's op flags are DPDK's: they pass through unchanged. */
static_assert(RTE_MARLIN_DMA_OP_FLAG_FENCE == RTE_DMA_OP_FLAG_FENCE, "flag");
static_assert(RTE_MARLIN_DMA_OP_FLAG_SUBMIT == RTE_DMA_OP_FLAG_SUBMIT, "flag");
static_assert(RTE_MARLIN_DMA_OP_FLAG_LLC == RTE_DMA_OP_FLAG_LLC, "flag");
#define DDEV_OP_FLAGS (RTE_DMA_OP_FLAG_FENCE | RTE_DMA_OP_FLAG_SUBMIT | \
		RTE_DMA_OP_FLAG_LLC)
/* completed_status() lets the dmadev write its codes into the caller's
 * int array, then converts them in place. */
static_assert(sizeof(enum rte_dma_status_code) == sizeof(int), "status size");

struct ddev_queue {
	uint16_t enq;           /* Marlin index of the next operation */
	uint16_t done;          /* operations reported, mod 2^16 */
	uint16_t pending;       /* enqueued since the last doorbell */
	uint64_t pending_bytes;
	uint64_t submitted;
	uint64_t completed;
	uint64_t errors;
	uint64_t bytes;
} __rte_cache_aligned;

struct ddev_priv {
	int16_t dma_id;
	uint8_t use_iova;       /* pass IOVAs (else virtual addresses) */
	uint8_t dma_started;
	uint16_t nb_queues;
	struct ddev_queue *q;   /* nb_queues entries, from configure */
	uint64_t dma_capa;
	char dma_name[RTE_DEV_NAME_MAX_LEN];
};

/* ---- fast path ---- */

static __rte_always_inline void
ddev_account_submit(struct ddev_queue *q)
{
	q->submitted += q->pending;
	q->bytes += q->pending_bytes;
	q->pending = 0;
	q->pending_bytes = 0;
}

static __rte_always_inline int
ddev_enqueue(struct ddev_priv *d, uint16_t qid, rte_iova_t src,
		rte_iova_t dst, uint32_t len, uint64_t flags)
{
	struct ddev_queue *q = &d->q[qid];
	int rc;

	rc = rte_dma_copy(d->dma_id, qid, src, dst, len, flags & DDEV_OP_FLAGS);
	if (unlikely(rc < 0))
		return rc;
	q->pending++;
	q->pending_bytes += len;
	if (flags & RTE_MARLIN_DMA_OP_FLAG_SUBMIT)
		ddev_account_submit(q);
	return q->enq++;
}

/* SVA dmadev: the virtual addresses are the device's addresses. */
static int
ddev_copy_va(void *p, uint16_t qid, const void *src, rte_iova_t src_iova,
		void *dst, rte_iova_t dst_iova, uint32_t len, uint64_t flags)
{
	RTE_SET_USED(src_iova);
	RTE_SET_USED(dst_iova);
	return ddev_enqueue(p, qid, (rte_iova_t)(uintptr_t)src,
			(rte_iova_t)(uintptr_t)dst, len, flags);
}

static int
ddev_copy_iova(void *p, uint16_t qid, const void *src, rte_iova_t src_iova,
		void *dst, rte_iova_t dst_iova, uint32_t len, uint64_t flags)
{
	RTE_SET_USED(src);
	RTE_SET_USED(dst);
	return ddev_enqueue(p, qid, src_iova, dst_iova, len, flags);
}

static int
ddev_submit(void *p, uint16_t qid)
{
	struct ddev_priv *d = p;
	int rc;

	rc = rte_dma_submit(d->dma_id, qid);
	if (unlikely(rc < 0))
		return rc;
	ddev_account_submit(&d->q[qid]);
	return 0;
}

static uint16_t
ddev_completed(void *p, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		bool *has_error)
{
	struct ddev_priv *d = p;
	struct ddev_queue *q = &d->q[qid];
	uint16_t n;

	n = rte_dma_completed(d->dma_id, qid, nb, NULL, has_error);
	q->done += n;
	q->completed += n;
	*last_idx = q->done - 1;
	return n;
}

static uint16_t
ddev_completed_status(void *p, uint16_t qid, uint16_t nb, uint16_t *last_idx,
		int *status)
{
	struct ddev_priv *d = p;
	struct ddev_queue *q = &d->q[qid];
	uint16_t n, i;

	n = rte_dma_completed_status(d->dma_id, qid, nb, NULL,
			(enum rte_dma_status_code *)status);
	for (i = 0; i < n; i++) {
		if (likely(status[i] == RTE_DMA_STATUS_SUCCESSFUL))
			continue;
		status[i] = ddev_status_to_errno((enum rte_dma_status_code)
				(unsigned int)status[i]);
		q->errors++;
	}
	q->done += n;
	q->completed += n;
	*last_idx = q->done - 1;
	return n;
}

static uint16_t
ddev_burst_capacity(const void *p, uint16_t qid)
{
	const struct ddev_priv *d = p;

	return rte_dma_burst_capacity(d->dma_id, qid);
}

static const struct rte_marlin_dma_fp_ops ddev_fp_ops_va = {
	.copy = ddev_copy_va,
	.submit = ddev_submit,
	.completed = ddev_completed,
	.completed_status = ddev_completed_status,
	.burst_capacity = ddev_burst_capacity,
};

static const struct rte_marlin_dma_fp_ops ddev_fp_ops_iova = {
	.copy = ddev_copy_iova,
	.submit = ddev_submit,
	.completed = ddev_completed,
	.completed_status = ddev_completed_status,
	.burst_capacity = ddev_burst_capacity,
};

/* ---- control path ---- */

static int
ddev_info_get(struct rte_marlin_dma_dev *dev, struct rte_marlin_dma_info *info)
{
	struct ddev_priv *d = dev->priv;
	struct rte_dma_info di;
	int rc;

	rc = rte_dma_info_get(d->dma_id, &di);
	if (rc != 0)
		return rc;
	info->capa = d->use_iova ? RTE_MARLIN_DMA_CAPA_NEEDS_IOVA :
		RTE_MARLIN_DMA_CAPA_VA;
	if (di.dev_capa & RTE_DMA_CAPA_HANDLES_ERRORS)
		info->capa |= RTE_MARLIN_DMA_CAPA_HANDLES_ERRORS;
	info->max_queues = di.max_vchans;
	info->min_desc = di.min_desc;
	info->max_desc = di.max_desc;
	info->max_copy_len = UINT32_MAX;
	info->numa_node = di.numa_node;
	return 0;
}

static int
ddev_configure(struct rte_marlin_dma_dev *dev,
		const struct rte_marlin_dma_conf *conf)
{
	struct ddev_priv *d = dev->priv;
	struct rte_dma_conf dc;
	struct rte_dma_vchan_conf vc;
	struct ddev_queue *q;
	uint16_t i;
	int rc;

	memset(&dc, 0, sizeof(dc));
	dc.nb_vchans = conf->nb_queues;
	dc.enable_silent = false;
	rc = rte_dma_configure(d->dma_id, &dc);
	if (rc != 0) {
		DDEV_LOG(ERR, "%s: rte_dma_configure(%s, %u vchans): %s",
			dev->name, d->dma_name, conf->nb_queues,
			rte_strerror(-rc));
		return rc;
	}
	for (i = 0; i < conf->nb_queues; i++) {
		memset(&vc, 0, sizeof(vc));
		vc.direction = RTE_DMA_DIR_MEM_TO_MEM;
		vc.nb_desc = conf->nb_desc;
		rc = rte_dma_vchan_setup(d->dma_id, i, &vc);
		if (rc != 0) {
			DDEV_LOG(ERR, "%s: rte_dma_vchan_setup(%s, vchan %u, %u descriptors): %s%s",
				dev->name, d->dma_name, i, conf->nb_desc,
				rte_strerror(-rc),
				rte_is_power_of_2(conf->nb_desc) ? "" :
				" (many dmadevs want a power of two)");
			return rc;
		}
	}
	q = rte_zmalloc_socket("dma_dmadev_q", sizeof(*q) * conf->nb_queues,
			RTE_CACHE_LINE_SIZE, SOCKET_ID_ANY);
	if (q == NULL)
		return -ENOMEM;
	rte_free(d->q);
	d->q = q;
	d->nb_queues = conf->nb_queues;
	return 0;
}

static int
ddev_start(struct rte_marlin_dma_dev *dev)
{
	struct ddev_priv *d = dev->priv;
	uint16_t i;
	int rc;

	rc = rte_dma_start(d->dma_id);
	if (rc != 0) {
		DDEV_LOG(ERR, "%s: rte_dma_start(%s): %s", dev->name,
			d->dma_name, rte_strerror(-rc));
		return rc;
	}
	d->dma_started = 1;
	for (i = 0; i < d->nb_queues; i++) {
		d->q[i].enq = 0;
		d->q[i].done = 0;
		d->q[i].pending = 0;
		d->q[i].pending_bytes = 0;
	}
	return 0;
}

/* Wait, bounded, until no vchan has work in flight. */
static void
ddev_wait_idle(struct rte_marlin_dma_dev *dev)
{
	struct ddev_priv *d = dev->priv;
	uint64_t deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() / 1000000 * DDEV_STOP_WAIT_US;
	enum rte_dma_vchan_status st;
	uint16_t i;

	for (i = 0; i < d->nb_queues; i++) {
		for (;;) {
			if (rte_dma_vchan_status(d->dma_id, i, &st) != 0 ||
					st != RTE_DMA_VCHAN_ACTIVE)
				break;
			if (rte_get_timer_cycles() > deadline) {
				DDEV_LOG(NOTICE, "%s: stopping %s with operations still in flight on vchan %u",
					dev->name, d->dma_name, i);
				return;
			}
			rte_delay_us_sleep(100);
		}
	}
}

static int
ddev_stop(struct rte_marlin_dma_dev *dev)
{
	struct ddev_priv *d = dev->priv;
	int rc;

	if (!d->dma_started)
		return 0;
	ddev_wait_idle(dev);
	rc = rte_dma_stop(d->dma_id);
	d->dma_started = 0;
	if (rc != 0)
		DDEV_LOG(ERR, "%s: rte_dma_stop(%s): %s", dev->name, d->dma_name,
			rte_strerror(-rc));
	return rc;
}

static int
ddev_stats_get(struct rte_marlin_dma_dev *dev, uint16_t qid,
		struct rte_marlin_dma_stats *stats)
{
	const struct ddev_queue *q = &((struct ddev_priv *)dev->priv)->q[qid];

	stats->submitted = q->submitted;
	stats->completed = q->completed;
	stats->errors = q->errors;
	stats->bytes = q->bytes;
	return 0;
}

static int
ddev_stats_reset(struct rte_marlin_dma_dev *dev, uint16_t qid)
{
	struct ddev_queue *q = &((struct ddev_priv *)dev->priv)->q[qid];

	q->submitted = 0;
	q->completed = 0;
	q->errors = 0;
	q->bytes = 0;
	return 0;
}

static int
ddev_mem_iova(struct rte_marlin_dma_dev *dev, const void *va, size_t len,
		rte_iova_t *iova)
{
	struct ddev_priv *d = dev->priv;
	const struct rte_memseg_list *msl;
	const struct rte_memseg *ms;
	const uint8_t *p = va, *end = p + len;
	rte_iova_t base = RTE_BAD_IOVA, cur;

	if (!d->use_iova) {
		*iova = RTE_BAD_IOVA; /* the dmadev takes virtual addresses */
		return 0;
	}
	msl = rte_mem_virt2memseg_list(va);
	if (msl == NULL) {
		DDEV_LOG(ERR, "%s: %p is not DPDK memory, %s cannot reach it: use a memzone or rte_malloc, or register it with rte_extmem_register() and map it for DMA",
			dev->name, va, d->dma_name);
		return -EINVAL;
	}
	if ((uintptr_t)end > (uintptr_t)msl->base_va + msl->len ||
			(uintptr_t)end < (uintptr_t)p) {
		DDEV_LOG(ERR, "%s: region %p + %zu runs past its DPDK memory segment list",
			dev->name, va, len);
		return -EINVAL;
	}
	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		*iova = (rte_iova_t)(uintptr_t)va;
		return 0;
	}
	while (p < end) {
		ms = rte_mem_virt2memseg(p, msl);
		if (ms == NULL || ms->iova == RTE_BAD_IOVA) {
			DDEV_LOG(ERR, "%s: no IO address for %p (offset %zu of the region): EAL runs without physical addresses (--no-huge?) and not in IOVA-as-VA mode",
				dev->name, p, (size_t)(p - (const uint8_t *)va));
			return -EINVAL;
		}
		cur = ms->iova + (p - (const uint8_t *)ms->addr);
		if (p == va)
			base = cur;
		else if (cur != base + (rte_iova_t)(p - (const uint8_t *)va)) {
			DDEV_LOG(ERR, "%s: region %p + %zu is not IOVA-contiguous (break at offset %zu): allocate it IOVA-contiguous (RTE_MEMZONE_IOVA_CONTIG)",
				dev->name, va, len,
				(size_t)(p - (const uint8_t *)va));
			return -EINVAL;
		}
		p = (const uint8_t *)ms->addr + ms->len;
	}
	*iova = base;
	return 0;
}

static int
ddev_dump(struct rte_marlin_dma_dev *dev, FILE *f)
{
	struct ddev_priv *d = dev->priv;

	fprintf(f, "  dmadev %s (id %d), %s addresses\n", d->dma_name, d->dma_id,
		d->use_iova ? "IO" : "virtual");
	return rte_dma_dump(d->dma_id, f);
}

static void ddev_release_claim(int16_t dma_id);

static void
ddev_close(struct rte_marlin_dma_dev *dev)
{
	struct ddev_priv *d = dev->priv;

	(void)ddev_stop(dev);
	rte_free(d->q);
	d->q = NULL;
	ddev_release_claim(d->dma_id);
}

static const struct rte_marlin_dma_ops ddev_ops = {
	.info_get = ddev_info_get,
	.configure = ddev_configure,
	.start = ddev_start,
	.stop = ddev_stop,
	.stats_get = ddev_stats_get,
	.stats_reset = ddev_stats_reset,
	.mem_iova = ddev_mem_iova,
	.dump = ddev_dump,
	.close = ddev_close,
};

/* ---- creation ---- */

/* dmadevs owned by an engine of this driver. */
static int16_t ddev_claimed[RTE_MARLIN_DMA_MAX_DEVS];
static unsigned int ddev_nb_claimed;

static int
ddev_is_claimed(int16_t dma_id)
{
	unsigned int i;

	for (i = 0; i < ddev_nb_claimed; i++)
		if (ddev_claimed[i] == dma_id)
			return 1;
	return 0;
}

static void
ddev_release_claim(int16_t dma_id)
{
	unsigned int i;

	for (i = 0; i < ddev_nb_claimed; i++) {
		if (ddev_claimed[i] == dma_id) {
			ddev_claimed[i] = ddev_claimed[--ddev_nb_claimed];
			return;
		}
	}
}

/* A dmadev name, else a decimal id; -ENODEV if neither exists. */
static int
ddev_resolve(const char *s)
{
	char *end;
	long v;
	int id;

	id = rte_dma_get_dev_id_by_name(s);
	if (id >= 0)
		return id;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == 0 && end != s && *end == '\0' && v >= 0 &&
			v <= INT16_MAX && rte_dma_is_valid((int16_t)v))
		return (int)v;
	return -ENODEV;
}

static int
ddev_create(const char *name, const char *dmadev, uint64_t flags,
		struct rte_device *device)
{
	struct rte_marlin_dma_dev *dev;
	struct ddev_priv *d;
	struct rte_dma_info di;
	int dma_id, use_iova, rc;

	if (name == NULL || dmadev == NULL || dmadev[0] == '\0') {
		DDEV_LOG(ERR, "engine name and dmadev (name or id) are required");
		return -EINVAL;
	}
	dma_id = ddev_resolve(dmadev);
	if (dma_id < 0) {
		DDEV_LOG(ERR, "%s: dmadev \"%s\" not found (%u dmadevs present): give a dmadev name or id; a --vdev dmadev must come before this engine's --vdev, and its driver must be loaded (linked, or EAL -d librte_dma_<name>.so)",
			name, dmadev, rte_dma_count_avail());
		return -ENODEV;
	}
	if (ddev_is_claimed(dma_id)) {
		DDEV_LOG(ERR, "%s: dmadev \"%s\" is already used by another engine",
			name, dmadev);
		return -EBUSY;
	}
	if (ddev_nb_claimed >= RTE_DIM(ddev_claimed))
		return -ENOSPC;
	rc = rte_dma_info_get(dma_id, &di);
	if (rc != 0) {
		DDEV_LOG(ERR, "%s: rte_dma_info_get(%s): %s", name, dmadev,
			rte_strerror(-rc));
		return rc;
	}
	if (!(di.dev_capa & RTE_DMA_CAPA_MEM_TO_MEM) ||
			!(di.dev_capa & RTE_DMA_CAPA_OPS_COPY)) {
		DDEV_LOG(ERR, "%s: dmadev %s cannot copy memory to memory",
			name, di.dev_name);
		return -ENOTSUP;
	}
	use_iova = !(di.dev_capa & RTE_DMA_CAPA_SVA) ||
		(flags & RTE_MARLIN_DMA_DMADEV_F_IOVA);
	if ((di.dev_capa & RTE_DMA_CAPA_SVA) && use_iova &&
			rte_eal_iova_mode() != RTE_IOVA_VA) {
		DDEV_LOG(ERR, "%s: dmadev %s reads addresses as virtual (SVA); passing IO addresses needs IOVA-as-VA mode (--iova-mode=va)",
			name, di.dev_name);
		return -EINVAL;
	}
	dev = rte_marlin_dma_dev_allocate(name, DDEV_DRIVER_NAME, &ddev_ops,
			use_iova ? &ddev_fp_ops_iova : &ddev_fp_ops_va,
			sizeof(struct ddev_priv));
	if (dev == NULL)
		return -rte_errno;
	d = dev->priv;
	d->dma_id = (int16_t)dma_id;
	d->use_iova = (uint8_t)use_iova;
	d->dma_capa = di.dev_capa;
	strlcpy(d->dma_name, di.dev_name, sizeof(d->dma_name));
	dev->device = device;
	ddev_claimed[ddev_nb_claimed++] = (int16_t)dma_id;
	DDEV_LOG(DEBUG, "%s: on dmadev %s (id %d), %s addresses", name,
		d->dma_name, dma_id, use_iova ? "IO" : "virtual");
	return dev->dev_id;
}

int
rte_marlin_dma_dmadev_create(const char *name, const char *dmadev,
		const struct rte_marlin_dma_dmadev_conf *conf)
{
	uint64_t flags = 0;

	if (conf != NULL) {
		if (conf->reserved[0] != 0 || conf->reserved[1] != 0 ||
				conf->reserved[2] != 0 ||
				(conf->flags & ~RTE_MARLIN_DMA_DMADEV_F_IOVA)) {
			DDEV_LOG(ERR, "%s: unknown flags or reserved fields set",
				name ? name : "?");
			return -EINVAL;
		}
		flags = conf->flags;
	}
	return ddev_create(name, dmadev, flags, NULL);
}

/* ---- vdev glue ---- */

static int
ddev_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	char dmadev[RTE_DEV_NAME_MAX_LEN] = "";
	int iova = 0, rc;
	const struct rte_marlin_arg args[] = {
		{ .key = DDEV_ARG_DMADEV, .type = RTE_MARLIN_ARG_STRING,
		  .dst = dmadev, .dst_len = sizeof(dmadev),
		  .hint = " (a DPDK dmadev name or id)" },
		{ .key = DDEV_ARG_IOVA, .type = RTE_MARLIN_ARG_BOOL, .dst = &iova },
	};

	rc = rte_marlin_devargs_parse(name, rte_vdev_device_args(vdev), args,
				      RTE_DIM(args), NULL);
	if (rc != 0)
		return rc;
	if (dmadev[0] == '\0') {
		DDEV_LOG(ERR, "%s: devarg %s=<dmadev name or id> is required",
			name, DDEV_ARG_DMADEV);
		return -EINVAL;
	}
	rc = ddev_create(name, dmadev, iova ? RTE_MARLIN_DMA_DMADEV_F_IOVA : 0,
			&vdev->device);
	return rc < 0 ? rc : 0;
}

static int
ddev_remove(struct rte_vdev_device *vdev)
{
	struct rte_marlin_dma_dev *dev;

	dev = rte_marlin_dma_dev_get(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0; /* closed by the application already */
	return rte_marlin_dma_dev_release(dev);
}

static struct rte_vdev_driver ddev_vdev_drv = {
	.probe = ddev_probe,
	.remove = ddev_remove,
};

RTE_PMD_REGISTER_VDEV(dma_dmadev, ddev_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(dma_dmadev,
	DDEV_ARG_DMADEV "=<dmadev name or id> "
	DDEV_ARG_IOVA "=0|1");
