/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef DMA_DMADEV_STATUS_H
#define DMA_DMADEV_STATUS_H

/* DPDK dmadev completion status -> Marlin per-operation status (0 or a
 * negative errno). Internal to librte_dma_dmadev and its tests. */

#include <errno.h>

#include <rte_dmadev.h>

static inline int
ddev_status_to_errno(enum rte_dma_status_code s)
{
	switch (s) {
	case RTE_DMA_STATUS_SUCCESSFUL:
		return 0;
	case RTE_DMA_STATUS_USER_ABORT:
	case RTE_DMA_STATUS_NOT_ATTEMPTED:
		return -ECANCELED;
	case RTE_DMA_STATUS_INVALID_SRC_ADDR:
	case RTE_DMA_STATUS_INVALID_DST_ADDR:
	case RTE_DMA_STATUS_INVALID_ADDR:
	case RTE_DMA_STATUS_PAGE_FAULT:
		return -EFAULT;
	case RTE_DMA_STATUS_INVALID_LENGTH:
		return -EINVAL;
	case RTE_DMA_STATUS_INVALID_OPCODE:
		return -ENOTSUP;
	case RTE_DMA_STATUS_BUS_READ_ERROR:
	case RTE_DMA_STATUS_BUS_WRITE_ERROR:
	case RTE_DMA_STATUS_BUS_ERROR:
	case RTE_DMA_STATUS_DATA_POISION:
	case RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR:
	case RTE_DMA_STATUS_DEV_LINK_ERROR:
	case RTE_DMA_STATUS_ERROR_UNKNOWN:
		return -EIO;
	}
	return -EIO; /* codes added by later DPDK releases */
}

#endif /* DMA_DMADEV_STATUS_H */
