/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_PMD_NTB_IVSHMEM_H
#define RTE_PMD_NTB_IVSHMEM_H

/**
 * @file
 * ivshmem NTB driver (ntb_ivshmem): calls beyond the NTB class API.
 *
 * The driver binds QEMU's inter-VM shared memory device (PCI 1af4:1110,
 * ivshmem-doorbell or ivshmem-plain) handed to vfio-pci inside a guest and
 * serves it through the Marlin NTB class (rte_marlin_ntb.h), named by its
 * PCI address. The shared BAR2 is split into a header page, one register
 * page per host and one inbound window per (owner, peer); doorbells are
 * bytes in the owner's register page, and on ivshmem-doorbell a doorbell
 * bit the peer has unmasked also rings its MSI-X vector through BAR0.
 *
 * This header adds statistics and interrupt file descriptors (one per
 * MSI-X vector, readable when a peer rang) an application can sleep on
 * (epoll) before calling rte_marlin_ntb_poll().
 *
 * Thread safety: as the class control calls (one thread per device).
 */

#include <rte_compat.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Counters of one device. */
struct rte_pmd_ntb_ivshmem_stats {
	uint64_t db_rung;        /**< doorbell bits rung on peers */
	uint64_t irq_sent;       /**< MSI-X doorbells written to BAR0 */
	uint64_t irq_received;   /**< MSI-X interrupts received */
	uint64_t link_up;        /**< link-up transitions seen */
	uint64_t link_down;      /**< link-down transitions seen */
	uint64_t peer_refused;   /**< peer pages refused (bad magic/geometry) */
	int noiommu;             /**< 1: VFIO in no-IOMMU mode */
	int wc;                  /**< 1: BAR2 mapped write-combining */
	int doorbell;            /**< 1: ivshmem-doorbell, 0: ivshmem-plain */
	int vectors;             /**< MSI-X vectors enabled (0: polling) */
	uint64_t reserved[8];
};

/**
 * Read the counters.
 * @param dev_id NTB device id.
 * @param stats  Filled.
 * @return 0; -ENODEV (not an ntb_ivshmem device), -EINVAL (NULL).
 */
__rte_experimental
int rte_pmd_ntb_ivshmem_stats_get(uint16_t dev_id,
		struct rte_pmd_ntb_ivshmem_stats *stats);

/**
 * File descriptor (an eventfd) that becomes readable when MSI-X vector
 * @p vector fires. Interrupts are on when the device has MSI-X and devarg
 * intr= is not off; rte_marlin_ntb_poll() drains the counters.
 *
 * @param dev_id NTB device id.
 * @param vector 0 .. vectors-1 (stats.vectors).
 * @return The fd; -ENODEV, -ENOTSUP (interrupts off), -EINVAL (vector).
 */
__rte_experimental
int rte_pmd_ntb_ivshmem_intr_fd(uint16_t dev_id, int vector);

/**
 * Sleep until a peer rings an unmasked doorbell as an MSI-X interrupt, or
 * @p timeout_ms passes. Returns at once when an unmasked doorbell bit is
 * already pending, so a ring between the caller's last check and the sleep
 * is not lost. Doorbell bits stay set: read and clear them with the class
 * calls (rte_marlin_ntb_db_read(), rte_marlin_ntb_db_clear()) or let
 * rte_marlin_ntb_poll() report them.
 *
 * @param dev_id     NTB device id.
 * @param timeout_ms Longest sleep in milliseconds; 0 only checks.
 * @return 1 when a doorbell is pending or an interrupt arrived; 0 on
 *         timeout; -ENODEV, -ENOTSUP (interrupts off: poll instead), -EIO.
 */
__rte_experimental
int rte_pmd_ntb_ivshmem_intr_wait(uint16_t dev_id, unsigned int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_NTB_IVSHMEM_H */
