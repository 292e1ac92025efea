/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_PMD_DMA_CPU_H
#define RTE_PMD_DMA_CPU_H

/**
 * @file
 * The cpu DMA engine (librte_dma_cpu): the calling core copies.
 *
 * Each rte_marlin_dma_copy() runs the copy at once, on the thread that
 * calls it: libc memcpy below the non-temporal threshold, streaming stores
 * (AVX2, else SSE2, chosen at run time; AVX-512F with nt_isa=avx512) from
 * the threshold up, unless the operation carries
 * RTE_MARLIN_DMA_OP_FLAG_LLC. Submitting (the SUBMIT
 * flag or rte_marlin_dma_submit()) issues the store fence that orders the
 * streaming stores, so a submitted operation is complete and visible: the
 * engine reports RTE_MARLIN_DMA_CAPA_SYNC and accepts
 * RTE_MARLIN_DMA_CONF_F_SILENT. A FENCE flag fences earlier streaming
 * stores before the operation.
 *
 * Create it with EAL's --vdev:
 *
 *   --vdev dma_cpu0[,nt_threshold=BYTES][,nt_isa=auto|none|sse2|avx2|avx512]
 *
 * (BYTES takes a K, M or G suffix; 0 turns streaming stores off),
 * or, without EAL arguments, with rte_marlin_dma_cpu_create().
 */

#include <rte_compat.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Default non-temporal threshold in bytes: copies at least this long use
 * streaming stores. Chosen from single-core measurements (doc/guides/dma.rst):
 * libc memcpy is faster while source and destination fit in the caches,
 * streaming stores win once a copy is DRAM-sized.
 */
#define RTE_MARLIN_RTE_MARLIN_COPY_NT_DEFAULT (2u << 20)

/** Options of rte_marlin_dma_cpu_create(). */
struct rte_marlin_dma_cpu_conf {
	/** Copies of at least this many bytes use streaming stores; 0: never.
	 *  Start from RTE_MARLIN_RTE_MARLIN_COPY_NT_DEFAULT. */
	uint32_t nt_threshold;
	uint32_t reserved0;    /**< zero */
	uint64_t reserved[3];  /**< zero */
};

/**
 * Create a cpu engine without EAL arguments (e.g. HRDMA's default engine).
 * Destroy it with rte_marlin_dma_close().
 *
 * Control thread, after rte_eal_init().
 * @param name Unique engine name (< RTE_MARLIN_DMA_NAME_LEN characters).
 * @param conf Options, or NULL for the defaults.
 * @return Engine id (>= 0); -EINVAL (bad name, reserved field set),
 *         -EEXIST (name taken), -ENOSPC (no free engine id), -ENOMEM.
 */
__rte_experimental
int rte_marlin_dma_cpu_create(const char *name,
		const struct rte_marlin_dma_cpu_conf *conf);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_DMA_CPU_H */
