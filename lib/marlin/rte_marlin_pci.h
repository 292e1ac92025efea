/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_PCI_H
#define RTE_MARLIN_PCI_H

/**
 * @file
 * PCI/VFIO helper shared by Marlin's PCI NTB drivers (internal API, not for
 * applications). Every silicon driver (ntb_intel, ntb_ivshmem) goes through
 * these calls for what the kernel side of a device involves, so that the
 * VM test, which runs ntb_ivshmem on a real vfio-pci function, exercises
 * the same code as a driver that can only be tested on hardware:
 *
 * - rte_marlin_pci_check(): the kernel driver the function is bound to,
 *   whether VFIO runs with an IOMMU or in no-IOMMU mode (stated in the log),
 *   bus mastering (without it MSI-X messages are never delivered);
 * - rte_marlin_pci_map_wc(): a write-combining mapping of a prefetchable
 *   BAR through sysfs resourceN_wc, which works while vfio-pci owns the
 *   device (DPDK's own VFIO mapping is uncached);
 * - rte_marlin_pci_msix_count(), rte_marlin_pci_intr_enable(),
 *   rte_marlin_pci_intr_fd(), rte_marlin_pci_intr_disable(): MSI-X
 *   vectors through DPDK's interrupt API, one event fd per vector.
 *
 * Thread safety: control path, one thread per device.
 */

#include <rte_compat.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_pci_device;

/**
 * Check how a PCI function is bound and enable bus mastering. Logs, under
 * @p logtype, a warning when the function is not bound to vfio-pci and a
 * notice when VFIO runs in no-IOMMU mode (no DMA isolation).
 *
 * @param pci     The device.
 * @param logtype The driver's log type.
 * @return 1 when VFIO is in no-IOMMU mode, 0 otherwise; -EIO when bus
 *         mastering cannot be set (then MSI-X would never fire).
 */
__rte_internal
int rte_marlin_pci_check(struct rte_pci_device *pci, int logtype);

/**
 * Map BAR @p bar write-combining through sysfs resource<bar>_wc.
 *
 * @param pci The device.
 * @param bar BAR number (0..5).
 * @param len Bytes to map (the BAR's length).
 * @param[out] va The mapping.
 * @return 0; -EINVAL (bad arguments); the negative errno of open() (e.g.
 *         -ENOENT: the BAR is not prefetchable or the kernel offers no WC
 *         file) or of mmap().
 */
__rte_internal
int rte_marlin_pci_map_wc(const struct rte_pci_device *pci, int bar,
		size_t len, void **va);

/**
 * Undo rte_marlin_pci_map_wc().
 * @param va  The mapping (NULL is ignored).
 * @param len Its length.
 */
__rte_internal
void rte_marlin_pci_unmap_wc(void *va, size_t len);

/**
 * Number of MSI-X vectors of the function, from its config space.
 *
 * @param pci The device.
 * @return The table size (1..2048); 0 when the function has no MSI-X
 *         capability; -EIO when config space cannot be read.
 */
__rte_internal
int rte_marlin_pci_msix_count(const struct rte_pci_device *pci);

/**
 * Enable @p nvec MSI-X vectors through DPDK's interrupt API: vector 0 is
 * delivered on the handle's own fd, vectors 1..nvec-1 on event fds.
 *
 * @param pci     The device.
 * @param nvec    Vectors wanted (1..RTE_MAX_RXTX_INTR_VEC_ID).
 * @param logtype The driver's log type.
 * @return @p nvec; -EINVAL (nvec out of range), -ENOTSUP (no MSI-X through
 *         this kernel driver: bind to vfio-pci), -EIO (the kernel refused).
 */
__rte_internal
int rte_marlin_pci_intr_enable(struct rte_pci_device *pci, int nvec,
		int logtype);

/**
 * Disable what rte_marlin_pci_intr_enable() enabled.
 * @param pci The device.
 */
__rte_internal
void rte_marlin_pci_intr_disable(struct rte_pci_device *pci);

/**
 * The file descriptor that becomes readable (an eventfd counter) when
 * vector @p vector fires.
 *
 * @param pci    The device.
 * @param nvec   Vectors enabled.
 * @param vector 0..nvec-1.
 * @return The fd; -EINVAL.
 */
__rte_internal
int rte_marlin_pci_intr_fd(const struct rte_pci_device *pci, int nvec,
		int vector);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_PCI_H */
