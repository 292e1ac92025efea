/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_DMA_CORE_H
#define RTE_MARLIN_DMA_CORE_H

/**
 * @file
 * Fast-path structures of the Marlin DMA engine class. Included by
 * rte_marlin_dma.h; do not include it directly.
 *
 * Every engine id owns one cache line in rte_marlin_dma_fp_objs[]: the
 * driver's private pointer and its five fast-path functions. The inline
 * calls of rte_marlin_dma.h index that table and call through it; when an
 * engine is not started its line holds functions that refuse the work, so
 * no call ever tests for NULL.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifndef RTE_MARLIN_DMA_H
#error "include rte_marlin_dma.h instead of rte_marlin_dma_core.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Enqueue a copy; see rte_marlin_dma_copy_iova(). */
typedef int (*rte_marlin_dma_copy_t)(void *fp_priv, uint16_t qid,
		const void *src, rte_iova_t src_iova, void *dst,
		rte_iova_t dst_iova, uint32_t len, uint64_t flags);
/** Ring the doorbell; see rte_marlin_dma_submit(). */
typedef int (*rte_marlin_dma_submit_t)(void *fp_priv, uint16_t qid);
/** Collect successful completions; see rte_marlin_dma_completed().
 *  @p last_idx and @p has_error are never NULL; *has_error is false. */
typedef uint16_t (*rte_marlin_dma_completed_t)(void *fp_priv, uint16_t qid,
		uint16_t nb, uint16_t *last_idx, bool *has_error);
/** Collect completions with status; see rte_marlin_dma_completed_status().
 *  @p last_idx is never NULL. */
typedef uint16_t (*rte_marlin_dma_completed_status_t)(void *fp_priv,
		uint16_t qid, uint16_t nb, uint16_t *last_idx, int *status);
/** Free ring slots; see rte_marlin_dma_burst_capacity(). */
typedef uint16_t (*rte_marlin_dma_burst_capacity_t)(const void *fp_priv,
		uint16_t qid);

/** The fast-path functions of an engine (all mandatory). */
struct rte_marlin_dma_fp_ops {
	rte_marlin_dma_copy_t copy;
	rte_marlin_dma_submit_t submit;
	rte_marlin_dma_completed_t completed;
	rte_marlin_dma_completed_status_t completed_status;
	rte_marlin_dma_burst_capacity_t burst_capacity;
};

/** One engine's fast-path line. Written only by the control path. */
struct rte_marlin_dma_fp_obj {
	void *fp_priv;                   /**< driver data passed to the ops */
	struct rte_marlin_dma_fp_ops ops;
	/* Below: read by the inline calls only with RTE_MARLIN_DEBUG. */
	uint16_t nb_queues;
	uint8_t started;
	uint8_t reserved0;
	uint32_t max_copy_len;
	uint64_t capa;
} __rte_cache_aligned;

/** Fast-path table, indexed by engine id. Owned by the class. */
extern struct rte_marlin_dma_fp_obj rte_marlin_dma_fp_objs[RTE_MARLIN_DMA_MAX_DEVS];

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_DMA_CORE_H */
