/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_PMD_DMA_DMADEV_H
#define RTE_PMD_DMA_DMADEV_H

/**
 * @file
 * The dmadev DMA engine (librte_dma_dmadev): any DPDK rte_dma device as a
 * Marlin DMA engine.
 *
 * The engine owns one dmadev: it configures it (one virtual channel per
 * Marlin queue, memory to memory, queue @c qid = vchan @c qid), starts and
 * stops it, and maps the fast path one to one onto rte_dma_copy(),
 * rte_dma_submit(), rte_dma_completed(), rte_dma_completed_status() and
 * rte_dma_burst_capacity(). Ring indices are Marlin's (counted from 0 at
 * start), not the dmadev's; per-operation status codes become negative
 * errno values (see rte_marlin_dma_completed_status()).
 *
 * Addresses: a dmadev with RTE_DMA_CAPA_SVA takes virtual addresses; the
 * engine then reports RTE_MARLIN_DMA_CAPA_VA. Any other dmadev needs IO
 * addresses: the engine reports RTE_MARLIN_DMA_CAPA_NEEDS_IOVA, the caller
 * gets region IOVAs from rte_marlin_dma_mem_iova() (which refuses memory
 * that is not DPDK memory or not IOVA-contiguous) and enqueues with
 * rte_marlin_dma_copy_iova().
 *
 * Create it with EAL's --vdev, after the dmadev it wraps:
 *
 *   --vdev dma_skeleton0 --vdev dma_dmadev0,dmadev=dma_skeleton0[,iova=1]
 *
 * (@c dmadev takes a dmadev name or id; a PCI dmadev such as
 * 0000:00:04.0 probes before any vdev), or with rte_marlin_dma_dmadev_create().
 * A dmadev driver that is not linked into the application is loaded with
 * EAL's -d (Debian keeps them in /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0,
 * which a shared-library EAL also scans by itself).
 */

#include <rte_compat.h>
#include <stdint.h>

#include <rte_bitops.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Pass IO addresses even though the dmadev has RTE_DMA_CAPA_SVA. Such a
 * device reads them as virtual addresses, so this is only accepted in
 * IOVA-as-VA mode, where the two agree; it exists to run the IOVA path
 * (and rte_marlin_dma_mem_iova()'s checks) on a software dmadev.
 */
#define RTE_MARLIN_DMA_DMADEV_F_IOVA RTE_BIT64(0)

/** Options of rte_marlin_dma_dmadev_create(). */
struct rte_marlin_dma_dmadev_conf {
	uint64_t flags;        /**< RTE_MARLIN_DMA_DMADEV_F_* */
	uint64_t reserved[3];  /**< zero */
};

/**
 * Create an engine on a dmadev. Destroy it with rte_marlin_dma_close(); the
 * dmadev is stopped, not closed.
 *
 * Control thread, after rte_eal_init().
 * @param name   Unique engine name (< RTE_MARLIN_DMA_NAME_LEN characters).
 * @param dmadev Name (e.g. "dma_skeleton0", "0000:00:04.0") or decimal id
 *               of the dmadev.
 * @param conf   Options, or NULL for none.
 * @return Engine id (>= 0); -EINVAL (bad name or option, or F_IOVA on an
 *         SVA dmadev outside IOVA-as-VA mode); -ENODEV (no such dmadev:
 *         logged with hints); -EBUSY (another engine owns the dmadev);
 *         -ENOTSUP (the dmadev cannot copy memory to memory); -EEXIST;
 *         -ENOSPC; -ENOMEM.
 */
__rte_experimental
int rte_marlin_dma_dmadev_create(const char *name, const char *dmadev,
		const struct rte_marlin_dma_dmadev_conf *conf);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_DMA_DMADEV_H */
