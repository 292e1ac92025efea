/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_DMA_DRIVER_H
#define RTE_MARLIN_DMA_DRIVER_H

/**
 * @file
 * What a DMA engine driver implements (internal API, not for applications).
 *
 * A driver fills a const struct rte_marlin_dma_ops (control path) and a
 * struct rte_marlin_dma_fp_ops (fast path) and calls
 * rte_marlin_dma_dev_allocate() from its probe or create call. The class
 * checks the tables once:
 * - control, mandatory: info_get, configure, start, stop;
 * - control, paired (both or neither): stats_get/stats_reset;
 * - control, optional: mem_iova (default: accept any region with
 *   RTE_BAD_IOVA on engines with RTE_MARLIN_DMA_CAPA_VA and without
 *   RTE_MARLIN_DMA_CAPA_NEEDS_IOVA, -ENOTSUP on the others), dump, close;
 * - fast path: all five functions are mandatory.
 * Missing optional ops are replaced by functions returning -ENOTSUP (or
 * doing nothing), so the class never tests for NULL on a call.
 *
 * The class checks ids, state and the configuration ranges the driver
 * reported in info_get before calling configure; queue ids passed to
 * stats_get/stats_reset are below the configured queue count. A driver may
 * change dev->fp_ops and dev->fp_priv in configure (to pick a variant for
 * the configuration); they are checked again at start and copied into the
 * fast-path table, which is reset to refusing stubs at stop.
 */

#include <rte_compat.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "rte_marlin_dma.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_marlin_dma_dev;

/** Control operations. All return 0 or a negative errno. */
struct rte_marlin_dma_ops {
	/** Fill capa, max_queues, min_desc, max_desc, max_copy_len,
	 *  numa_node. The class fills name, driver, nb_queues, nb_desc and
	 *  started itself. */
	int (*info_get)(struct rte_marlin_dma_dev *dev,
			struct rte_marlin_dma_info *info);
	/** Set up queues; the arguments are range-checked already. */
	int (*configure)(struct rte_marlin_dma_dev *dev,
			const struct rte_marlin_dma_conf *conf);
	/** Start; ring indices restart at 0. */
	int (*start)(struct rte_marlin_dma_dev *dev);
	/** Stop; wait a bounded time for in-flight work, then drop it. */
	int (*stop)(struct rte_marlin_dma_dev *dev);
	/** Counters of queue @p qid (below nb_queues). */
	int (*stats_get)(struct rte_marlin_dma_dev *dev, uint16_t qid,
			struct rte_marlin_dma_stats *stats);
	int (*stats_reset)(struct rte_marlin_dma_dev *dev, uint16_t qid);
	/** See rte_marlin_dma_mem_iova(); arguments are non-NULL, len > 0. */
	int (*mem_iova)(struct rte_marlin_dma_dev *dev, const void *va,
			size_t len, rte_iova_t *iova);
	/** Print driver state (after the class's own lines). */
	int (*dump)(struct rte_marlin_dma_dev *dev, FILE *f);
	/** Release driver resources; called stopped, from dev_release(). */
	void (*close)(struct rte_marlin_dma_dev *dev);
};

/** Class state of an engine. */
enum rte_marlin_dma_state {
	RTE_MARLIN_DMA_STATE_NEW = 0,    /**< allocated, not configured */
	RTE_MARLIN_DMA_STATE_CONFIGURED, /**< configured, stopped */
	RTE_MARLIN_DMA_STATE_STARTED,
};

/** A DMA engine, as drivers see it. */
struct rte_marlin_dma_dev {
	char name[RTE_MARLIN_DMA_NAME_LEN];
	const char *driver;              /**< static string */
	uint16_t dev_id;
	struct rte_marlin_dma_ops ops;   /**< validated copy, no NULLs */
	struct rte_marlin_dma_fp_ops fp_ops; /**< may be changed in configure */
	void *fp_priv;                   /**< passed to fp_ops; default priv */
	void *priv;                      /**< driver data (priv_size bytes) */
	struct rte_device *device;       /**< the bus device, may be NULL */

	/* Class state; drivers read it, never write it. */
	enum rte_marlin_dma_state state;
	struct rte_marlin_dma_conf conf; /**< last accepted configuration */
};

/**
 * Check a control ops table and fill the gaps.
 *
 * @param in  The driver's table.
 * @param out Validated copy.
 * @return 0; -EINVAL when a mandatory op is missing or a pair is half
 *         filled (the log names the op).
 */
__rte_internal
int rte_marlin_dma_ops_validate(const struct rte_marlin_dma_ops *in,
		struct rte_marlin_dma_ops *out);

/**
 * Check a fast-path table.
 *
 * @param fp The table.
 * @return 0; -EINVAL when @p fp is NULL or lacks a function (logged).
 */
__rte_internal
int rte_marlin_dma_fp_ops_validate(const struct rte_marlin_dma_fp_ops *fp);

/**
 * Create an engine. Called by a driver's probe or create call.
 *
 * @param name      Unique engine name.
 * @param driver    Driver name (static string).
 * @param ops       Control ops; validated here.
 * @param fp_ops    Fast-path ops; validated here.
 * @param priv_size Bytes of zeroed, cache-aligned driver data at dev->priv
 *                  (dev->fp_priv points there too).
 * @return The engine; NULL with rte_errno set: EINVAL (bad name or ops),
 *         EEXIST (name taken), ENOSPC (no free id), ENOMEM.
 */
__rte_internal
struct rte_marlin_dma_dev *rte_marlin_dma_dev_allocate(const char *name,
		const char *driver, const struct rte_marlin_dma_ops *ops,
		const struct rte_marlin_dma_fp_ops *fp_ops, size_t priv_size);

/**
 * Destroy an engine: stops it if started, calls ops.close, frees it.
 *
 * @param dev The engine (NULL is ignored).
 * @return 0; -EINVAL (not a live engine).
 */
__rte_internal
int rte_marlin_dma_dev_release(struct rte_marlin_dma_dev *dev);

/**
 * Look an engine up by name, for drivers' remove callbacks.
 *
 * @param name Engine name.
 * @return The engine, or NULL.
 */
__rte_internal
struct rte_marlin_dma_dev *rte_marlin_dma_dev_get(const char *name);

/**
 * Look an engine up by id.
 *
 * @param dev_id Engine id.
 * @return The engine, or NULL.
 */
__rte_internal
struct rte_marlin_dma_dev *rte_marlin_dma_dev_get_by_id(uint16_t dev_id);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_DMA_DRIVER_H */
