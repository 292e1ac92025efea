/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_PMD_NTB_INTEL_H
#define RTE_PMD_NTB_INTEL_H

/**
 * @file
 * Intel Xeon NTB driver (ntb_intel): calls beyond the NTB class API.
 *
 * The driver binds Intel Xeon NTB ports (gen1 Sandy Bridge .. Broadwell-EP,
 * gen3 Skylake-SP, gen4 Ice Lake / Sapphire Rapids / Granite Rapids) that
 * the kernel has handed to vfio-pci, and serves them through the Marlin NTB
 * class (rte_marlin_ntb.h): a device is named by its PCI address, e.g.
 * "0000:af:00.0". Everything common (link, windows, doorbells, scratchpads)
 * goes through the class; this header adds:
 *
 * - statistics and hardware error state (rte_pmd_ntb_intel_stats_get());
 * - a description of the silicon (rte_pmd_ntb_intel_info_get());
 * - interrupt mode: MSI-X vectors that fire on unmasked doorbells, as file
 *   descriptors an application can sleep on (epoll) before calling
 *   rte_marlin_ntb_poll().
 *
 * Thread safety: as the class control calls (one thread per device).
 */

#include <rte_compat.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Counters and error state of one device. */
struct rte_pmd_ntb_intel_stats {
	/** Inbound writes from the peer that hit no open window (hardware
	 *  upstream memory-miss counter, widened to 64 bits). Only counted
	 *  where the silicon has the counter (gen1, gen3). */
	uint64_t mem_miss;
	uint64_t db_rung;        /**< doorbell bits rung on the peer */
	uint64_t db_cleared;     /**< local doorbell bits cleared */
	uint64_t link_up;        /**< link-up transitions seen */
	uint64_t link_down;      /**< link-down transitions seen */
	uint64_t xlat_set;       /**< translations programmed */
	uint64_t xlat_errors;    /**< translations refused or not read back */
	uint16_t devsts;         /**< PCIe device status (config space) */
	uint16_t lnksts;         /**< last PCIe link status */
	uint32_t uncerrsts;      /**< AER uncorrectable error status */
	uint32_t corerrsts;      /**< AER correctable error status */
	int mem_miss_supported;  /**< 1 when mem_miss is counted */
	uint64_t reserved[8];
};

/** Description of the silicon behind a device. */
struct rte_pmd_ntb_intel_info {
	const char *chip;        /**< "Skylake-SP", "Ice Lake-SP", ... */
	int generation;          /**< 1, 3 or 4 (Granite Rapids runs gen4 ops) */
	uint16_t device_id;
	uint8_t revision;
	uint32_t errata;         /**< RTE_PMD_NTB_INTEL_ERRATUM_* */
	uint64_t bar_size[2];    /**< BIOS-set size of the BARs behind widx 0/1 */
	int wc[2];               /**< 1 when outbound window widx is mapped WC */
	int db_vectors;          /**< MSI-X vectors carrying doorbells */
	uint64_t reserved[8];
};

/** gen1: peer doorbell/scratchpad registers reached through the last window. */
#define RTE_PMD_NTB_INTEL_ERRATUM_SDOORBELL_LOCKUP (1u << 0)
/** gen1 (Ivy Town .. Broadwell): doorbells/scratchpads unsafe under traffic. */
#define RTE_PMD_NTB_INTEL_ERRATUM_SB01BASE_LOCKUP  (1u << 1)
/** gen1: B2B doorbell bit 14 is not mirrored; the valid mask drops it. */
#define RTE_PMD_NTB_INTEL_ERRATUM_B2BDOORBELL_BIT14 (1u << 2)
/** gen3: MSI-X vector 32 is unusable; link moves to 31, doorbell 31 dropped. */
#define RTE_PMD_NTB_INTEL_ERRATUM_MSIX_VECTOR32_BAD (1u << 3)
/** Translation address must be aligned to the BAR size. */
#define RTE_PMD_NTB_INTEL_ERRATUM_BAR_ALIGN         (1u << 4)

/**
 * Read counters and error state.
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @param stats  Filled on success.
 * @return 0; -ENODEV (no such device or not ntb_intel), -EINVAL (NULL).
 */
__rte_experimental
int rte_pmd_ntb_intel_stats_get(uint16_t dev_id,
		struct rte_pmd_ntb_intel_stats *stats);

/**
 * Reset the software counters (hardware error status is left alone).
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @return 0; -ENODEV.
 */
__rte_experimental
int rte_pmd_ntb_intel_stats_reset(uint16_t dev_id);

/**
 * Describe the silicon.
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @param info   Filled on success.
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_pmd_ntb_intel_info_get(uint16_t dev_id,
		struct rte_pmd_ntb_intel_info *info);

/**
 * Enable MSI-X doorbell interrupts through DPDK's interrupt API (vfio-pci).
 * Each vector gets an event fd (see rte_pmd_ntb_intel_intr_fd()); a vector
 * fires when one of its doorbell bits is set while unmasked
 * (rte_marlin_ntb_db_clear_mask()). Interrupts only wake the application:
 * it still reads and clears doorbells with the class calls.
 *
 * Not tested on hardware by this project.
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @return Number of vectors (> 0); -ENODEV, -ENOTSUP (no PCI device, e.g.
 *         a register model, or the kernel driver offers no MSI-X),
 *         -EIO (DPDK could not enable the vectors).
 */
__rte_experimental
int rte_pmd_ntb_intel_intr_enable(uint16_t dev_id);

/**
 * Disable what rte_pmd_ntb_intel_intr_enable() set up.
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @return 0; -ENODEV.
 */
__rte_experimental
int rte_pmd_ntb_intel_intr_disable(uint16_t dev_id);

/**
 * Event fd of MSI-X vector @p vector (readable when it fired; read 8 bytes
 * to re-arm).
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @param vector 0 .. (vectors - 1).
 * @return fd (>= 0); -ENODEV, -EINVAL (bad vector or interrupts off).
 */
__rte_experimental
int rte_pmd_ntb_intel_intr_fd(uint16_t dev_id, int vector);

/**
 * Doorbell bits carried by MSI-X vector @p vector.
 *
 * @param dev_id NTB class device id of an ntb_intel device.
 * @param vector Vector number.
 * @param[out] mask Doorbell bits (within the valid mask).
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_pmd_ntb_intel_db_vector_mask(uint16_t dev_id, int vector,
		uint64_t *mask);

/** An inbound window under the rack manager's grants (manager=). */
struct rte_pmd_ntb_intel_grant {
	uint32_t access;    /**< RTE_MARLIN_RACK_ACCESS_RO/_RW; 0: not granted */
	int open;           /**< translation programmed now */
	int iommu_mapped;   /**< memory mapped in the port's IOMMU domain */
	uint64_t revoked;   /**< revocations seen */
	uint64_t reserved[4];
};

/**
 * What the rack manager's grants make of inbound window @p widx.
 *
 * @return 0; -ENODEV (not an ntb_intel device); -EINVAL (NULL, bad
 *         window); -ENOTSUP (the device runs without manager=).
 */
__rte_experimental
int rte_pmd_ntb_intel_grant_get(uint16_t dev_id, int widx,
		struct rte_pmd_ntb_intel_grant *g);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_NTB_INTEL_H */
