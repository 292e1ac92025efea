/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef NTB_INTEL_PRIVATE_H
#define NTB_INTEL_PRIVATE_H

/*
 * Intel Xeon NTB driver internals (never installed).
 *
 * Register facts (offsets, bit meanings, errata) come from the public Linux
 * driver drivers/ntb/hw/intel (ntb_hw_intel.h, ntb_hw_gen1.[ch],
 * ntb_hw_gen3.[ch], ntb_hw_gen4.[ch]) and DPDK's drivers/raw/ntb
 * (ntb_hw_intel.h); each generation file says which facts it uses. None of
 * it has been checked on silicon by this project.
 *
 * Register access goes through the small accessor layer below. On hardware
 * the device's BAR0 is mapped by DPDK (vfio-pci) and accessed directly; the
 * unit tests attach a struct ntb_intel_io instead, whose callbacks run a
 * register model of two back-to-back ports.
 */

#include <stdint.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_io.h>
#include <rte_log.h>

#include <rte_marlin_ntb_driver.h>

#include "rte_pmd_ntb_intel.h"

extern int ntb_intel_logtype;

#define NTB_INTEL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ntb_intel_logtype, \
		"ntb_intel: " fmt "\n", ##__VA_ARGS__)

#define NTB_INTEL_DRIVER_NAME "ntb_intel"

/* PCI ids (vendor 0x8086), per the public Linux ntb_hw_intel.h / gen4.h. */
#define NTB_INTEL_VENDOR	0x8086
#define NTB_INTEL_ID_B2B_JSF	0x3725
#define NTB_INTEL_ID_PS_JSF	0x3726
#define NTB_INTEL_ID_SS_JSF	0x3727
#define NTB_INTEL_ID_B2B_SNB	0x3C0D
#define NTB_INTEL_ID_PS_SNB	0x3C0E
#define NTB_INTEL_ID_SS_SNB	0x3C0F
#define NTB_INTEL_ID_B2B_IVT	0x0E0D
#define NTB_INTEL_ID_PS_IVT	0x0E0E
#define NTB_INTEL_ID_SS_IVT	0x0E0F
#define NTB_INTEL_ID_B2B_HSX	0x2F0D
#define NTB_INTEL_ID_PS_HSX	0x2F0E
#define NTB_INTEL_ID_SS_HSX	0x2F0F
#define NTB_INTEL_ID_B2B_BDX	0x6F0D
#define NTB_INTEL_ID_PS_BDX	0x6F0E
#define NTB_INTEL_ID_SS_BDX	0x6F0F
#define NTB_INTEL_ID_B2B_SKX	0x201C
#define NTB_INTEL_ID_B2B_ICX	0x347E /* ICX for revisions 0x02-0x0F, SPR above */
#define NTB_INTEL_ID_B2B_GNR	0x0DB4
#define NTB_INTEL_ICX_REV_MIN	0x02
#define NTB_INTEL_ICX_REV_MAX	0x0F

/* Errata flags (names after the Linux driver's NTB_HWERR_* flags). */
#define NTB_INTEL_ERR_SDOORBELL_LOCKUP	RTE_BIT32(0) /* gen1: reach peer regs through a window */
#define NTB_INTEL_ERR_SB01BASE_LOCKUP	RTE_BIT32(1) /* gen1 IVT..BDX: db/spad unsafe under load */
#define NTB_INTEL_ERR_B2BDOORBELL_BIT14	RTE_BIT32(2) /* gen1: B2B doorbell bit 14 not mirrored */
#define NTB_INTEL_ERR_MSIX_VECTOR32_BAD	RTE_BIT32(3) /* gen3: vector 32 unusable, link on 31 */
#define NTB_INTEL_ERR_BAR_ALIGN		RTE_BIT32(4) /* translation aligned to the BAR size */

/* Register regions reachable through the accessor layer. */
enum ntb_intel_region {
	NTB_INTEL_REGION_SELF = 0, /**< own BAR0 */
	NTB_INTEL_REGION_PEER = 1, /**< gen1: peer's BAR0 seen through a window */
};

/**
 * Register access hooks. NULL on hardware (direct MMIO and DPDK config
 * space calls); set by the unit tests to run a register model.
 */
struct ntb_intel_io {
	uint64_t (*read)(void *ctx, enum ntb_intel_region region, uint32_t off,
			unsigned int width);
	void (*write)(void *ctx, enum ntb_intel_region region, uint32_t off,
			uint64_t val, unsigned int width);
	/** Config space; return @p len on success, negative on failure. */
	int (*cfg_read)(void *ctx, uint32_t off, void *buf, size_t len);
	int (*cfg_write)(void *ctx, uint32_t off, const void *buf, size_t len);
	void *ctx;
};

struct rte_pci_device;
struct ntb_intel_hw;

/** One PCI BAR as the driver sees it. */
struct ntb_intel_bar {
	uint8_t *va;     /**< DPDK's mapping (uncached under vfio-pci) */
	uint64_t phys;   /**< bus address from sysfs (limit registers need it) */
	uint64_t len;    /**< size set by BIOS */
	uint8_t *wc_va;  /**< our own write-combining mapping, or NULL */
};

/** Silicon variants. */
enum ntb_intel_chip {
	NTB_INTEL_CHIP_UNKNOWN = 0,
	NTB_INTEL_CHIP_JSF,
	NTB_INTEL_CHIP_SNB,
	NTB_INTEL_CHIP_IVT,
	NTB_INTEL_CHIP_HSX,
	NTB_INTEL_CHIP_BDX,
	NTB_INTEL_CHIP_SKX,
	NTB_INTEL_CHIP_ICX,
	NTB_INTEL_CHIP_SPR,
	NTB_INTEL_CHIP_GNR,
};

/** Per-generation entry points besides the class ops table. */
struct ntb_intel_gen_ops {
	int gen;                                    /**< 1, 3 or 4 */
	const struct rte_marlin_ntb_ops *ops;       /**< class ops table */
	/** Check topology, set registers to a safe state, fill hw fields. */
	int (*init)(struct ntb_intel_hw *hw);
	/** Mask doorbells, close windows; the device stays mapped. */
	void (*uninit)(struct ntb_intel_hw *hw);
	/** Re-read link status into hw->lnk_sta, acknowledge link events. */
	void (*link_refresh)(struct ntb_intel_hw *hw);
	/** Fold hardware error counters into hw->stats. */
	void (*stats_update)(struct ntb_intel_hw *hw);
};

/** Options from devargs. */
struct ntb_intel_args {
	int wc;        /**< -1 auto, 0 off, 1 required */
	/** gen1: ring the peer through the B2B doorbell register instead of
	 *  the last window (devarg b2b_mw=0; risks the SDOORBELL erratum). */
	int b2b_doorbell_reg;
	/** manager=: the rack manager's socket ("" none): inbound windows
	 *  open only as far as its grants allow (ntb_intel_grant.c). */
	char manager[108];
	int host;      /**< host=: rack host id of this port (manager=) */
	int peer;      /**< peer=: rack host id across the cable (manager=) */
	int mw_ranges; /**< mw_ranges=1: the IOMMU maps exposed ranges only */
};

/**
 * The IOMMU domain the port's inbound traffic is translated by: with
 * manager=, the driver's own VFIO container on hardware
 * (ntb_intel_vfio.c), a model in the tests. Only granted memory is mapped.
 */
struct ntb_intel_iommu {
	/** Map [iova, iova + len) to @p va, device-writable if @p writable. */
	int (*map)(void *ctx, uint64_t iova, void *va, size_t len, int writable);
	/** Remove the mapping made at @p iova; 0 or a negative errno. */
	int (*unmap)(void *ctx, uint64_t iova, size_t len);
	void *ctx;
};

#define NTB_INTEL_MAX_RANGES 16

/** One inbound window under the rack manager's grants. */
struct ntb_intel_grant_win {
	uint32_t access;   /**< RTE_MARLIN_RACK_ACCESS_RO/_RW, 0: none */
	int want;          /**< the application set a translation */
	int open;          /**< translation programmed now */
	int mapped;        /**< IOMMU mapping in place now */
	void *addr;        /**< what the application asked for */
	rte_iova_t iova;
	size_t size;
	uint64_t revoked;  /**< revocations seen */
	int seen;          /**< confirmed since registering again */
	/** mw_ranges=1: the ranges exposed (rte_marlin_ntb_mw_expose()),
	 *  the only memory the IOMMU maps while the window is open. */
	struct {
		size_t off, len;
		int refs;
		int writable;
		int mapped;
	} range[NTB_INTEL_MAX_RANGES];
	int nranges;
};

struct rte_marlin_rack_client;

/** Device private data (dev->priv). */
struct ntb_intel_hw {
	struct rte_marlin_ntb_dev *dev;
	const struct ntb_intel_gen_ops *gen;
	enum ntb_intel_chip chip;
	const char *chip_name;
	uint16_t device_id;
	uint8_t revision;
	uint32_t errata;            /**< NTB_INTEL_ERR_* */
	struct ntb_intel_args args;

	const struct ntb_intel_io *io;  /**< NULL on hardware */
	struct rte_pci_device *pci;     /**< NULL when driven by a model */
	uint8_t *mmio;                  /**< BAR0 */
	uint8_t *peer_mmio;             /**< gen1 b2b window (peer's BAR0) */
	struct ntb_intel_bar bar[6];

	enum rte_marlin_ntb_topo topo;
	int mw_count;               /**< usable windows */
	int mw_bar[3];              /**< BAR behind window widx */
	int b2b_idx;                /**< window sharing its BAR with peer regs, -1 none */
	uint64_t b2b_off;           /**< offset of the usable part in that BAR */
	int b2b_bar;                /**< gen1: BAR spent on peer regs, 0 none */
	int spad_count;
	int db_count;
	uint64_t db_valid_mask;
	uint64_t db_link_mask;      /**< status bits that signal link changes */
	uint64_t db_mask;           /**< cached doorbell mask register */
	int db_vec_count;           /**< MSI-X vectors carrying doorbells */
	int db_vec_shift;           /**< status bits per vector */

	/* Register layout of this generation (offsets in BAR0). */
	uint32_t reg_ntbcntl;
	uint32_t reg_db_status;     /**< local doorbell status (W1C) */
	uint32_t reg_db_mask;       /**< local doorbell mask */
	unsigned int db_width;      /**< bytes of the status/mask registers */
	uint32_t reg_spad;          /**< local scratchpads */
	uint32_t reg_peer_spad;     /**< peer scratchpads (region below) */
	uint32_t reg_peer_db;       /**< peer doorbell */
	enum ntb_intel_region peer_region;

	uint16_t lnk_sta;           /**< last PCIe link status word */
	uint16_t memmiss_last;      /**< last raw memory-miss counter */
	struct rte_pmd_ntb_intel_stats stats;

	/* Interrupt mode (MSI-X through DPDK's interrupt API). */
	int intr_enabled;
	int intr_vectors;

	/* Rack manager grants (manager= only; ntb_intel_grant.c). */
	struct ntb_intel_iommu iommu;  /**< map NULL: none */
	struct rte_marlin_rack_client *rack;
	struct ntb_intel_grant_win gw[3];
	uint64_t rack_retry_at;     /**< timer cycles of the next resume */
	int rack_resync;            /**< registered again: grants not yet
				     *   confirmed are gone */
	int vfio_container;         /**< own container fd, -1 none */
};

static inline struct ntb_intel_hw *
ntb_intel_hw(struct rte_marlin_ntb_dev *dev)
{
	return dev->priv;
}

/* ---- accessor layer ---- */

static inline uint64_t
ntb_intel_rd(const struct ntb_intel_hw *hw, enum ntb_intel_region region,
		uint32_t off, unsigned int width)
{
	const uint8_t *base;

	if (unlikely(hw->io != NULL))
		return hw->io->read(hw->io->ctx, region, off, width);
	base = region == NTB_INTEL_REGION_PEER ? hw->peer_mmio : hw->mmio;
	switch (width) {
	case 1:
		return rte_read8(base + off);
	case 2:
		return rte_read16(base + off);
	case 4:
		return rte_read32(base + off);
	default:
		return rte_read64(base + off);
	}
}

static inline void
ntb_intel_wr(const struct ntb_intel_hw *hw, enum ntb_intel_region region,
		uint32_t off, uint64_t val, unsigned int width)
{
	uint8_t *base;

	if (unlikely(hw->io != NULL)) {
		hw->io->write(hw->io->ctx, region, off, val, width);
		return;
	}
	base = region == NTB_INTEL_REGION_PEER ? hw->peer_mmio : hw->mmio;
	switch (width) {
	case 1:
		rte_write8((uint8_t)val, base + off);
		break;
	case 2:
		rte_write16((uint16_t)val, base + off);
		break;
	case 4:
		rte_write32((uint32_t)val, base + off);
		break;
	default:
		rte_write64(val, base + off);
		break;
	}
}

#define ntb_intel_read8(hw, off)  ((uint8_t)ntb_intel_rd(hw, NTB_INTEL_REGION_SELF, off, 1))
#define ntb_intel_read16(hw, off) ((uint16_t)ntb_intel_rd(hw, NTB_INTEL_REGION_SELF, off, 2))
#define ntb_intel_read32(hw, off) ((uint32_t)ntb_intel_rd(hw, NTB_INTEL_REGION_SELF, off, 4))
#define ntb_intel_read64(hw, off) ntb_intel_rd(hw, NTB_INTEL_REGION_SELF, off, 8)
#define ntb_intel_write8(hw, off, v)  ntb_intel_wr(hw, NTB_INTEL_REGION_SELF, off, v, 1)
#define ntb_intel_write16(hw, off, v) ntb_intel_wr(hw, NTB_INTEL_REGION_SELF, off, v, 2)
#define ntb_intel_write32(hw, off, v) ntb_intel_wr(hw, NTB_INTEL_REGION_SELF, off, v, 4)
#define ntb_intel_write64(hw, off, v) ntb_intel_wr(hw, NTB_INTEL_REGION_SELF, off, v, 8)

/** Read @p len bytes of config space; 0 or -EIO. */
int ntb_intel_cfg_read(struct ntb_intel_hw *hw, uint32_t off, void *buf,
		size_t len);
/** Write @p len bytes of config space; 0 or -EIO. */
int ntb_intel_cfg_write(struct ntb_intel_hw *hw, uint32_t off,
		const void *buf, size_t len);

/* ---- shared helpers (ntb_intel_common.c) ---- */

/** Format a byte count as "N KiB/MiB/GiB" into @p buf. */
const char *ntb_intel_size_str(uint64_t bytes, char *buf, size_t len);

/** Identify a device; returns the chip or UNKNOWN (bad id). */
enum ntb_intel_chip ntb_intel_chip_lookup(uint16_t device_id, uint8_t revision,
		const struct ntb_intel_gen_ops **gen, const char **name,
		int *b2b_id);

/**
 * Create a class device over prepared hardware state: @p tmpl holds the
 * io hooks or the PCI device, the BARs, the ids and the options. Runs the
 * generation's init (topology check, register setup).
 *
 * @return The device; NULL with rte_errno set (ENODEV unknown id, EINVAL
 *         topology/BAR problem, ENOMEM, EEXIST).
 */
struct rte_marlin_ntb_dev *ntb_intel_dev_create(const char *name,
		const struct ntb_intel_hw *tmpl);

/** Link status word helpers (PCIe LNKSTS layout, all generations). */
#define NTB_INTEL_LNKSTS_ACTIVE	0x2000
#define NTB_INTEL_LNKSTS_SPEED(x)	((x) & 0x000f)
#define NTB_INTEL_LNKSTS_WIDTH(x)	(((x) & 0x03f0) >> 4)

/* Common class ops shared by the generation tables. */
int ntb_intel_port_number(struct rte_marlin_ntb_dev *dev);
int ntb_intel_peer_port_count(struct rte_marlin_ntb_dev *dev);
int ntb_intel_link_is_up(struct rte_marlin_ntb_dev *dev, int pidx,
		struct rte_marlin_ntb_link *link);
int ntb_intel_mw_count(struct rte_marlin_ntb_dev *dev, int pidx);
int ntb_intel_peer_mw_count(struct rte_marlin_ntb_dev *dev, int pidx);
int ntb_intel_peer_mw_get_addr(struct rte_marlin_ntb_dev *dev, int pidx,
		int widx, void **base, size_t *size);
int ntb_intel_db_valid_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask);
int ntb_intel_db_read(struct rte_marlin_ntb_dev *dev, uint64_t *bits);
int ntb_intel_db_clear(struct rte_marlin_ntb_dev *dev, uint64_t bits);
int ntb_intel_db_set_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits);
int ntb_intel_db_clear_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits);
int ntb_intel_db_read_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask);
int ntb_intel_spad_count(struct rte_marlin_ntb_dev *dev);
int ntb_intel_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val);
int ntb_intel_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val);
int ntb_intel_peer_spad_read(struct rte_marlin_ntb_dev *dev, int pidx,
		int sidx, uint32_t *val);
int ntb_intel_peer_spad_write(struct rte_marlin_ntb_dev *dev, int pidx,
		int sidx, uint32_t val);
int ntb_intel_poll(struct rte_marlin_ntb_dev *dev);
void ntb_intel_close(struct rte_marlin_ntb_dev *dev);

/**
 * Check a translation request against the window's rules and log what to
 * change when it does not fit.
 *
 * @param addr_align Alignment the IOVA needs.
 * @return 0; -EINVAL.
 */
int ntb_intel_check_trans(struct ntb_intel_hw *hw, int widx, rte_iova_t iova,
		size_t size, uint64_t addr_align);

/** Write a 64-bit register and verify it by reading back; 0 or -EIO. */
int ntb_intel_write64_verify(struct ntb_intel_hw *hw, uint32_t off,
		uint64_t val, const char *what);

/** The driver data of class device @p dev_id if it is an ntb_intel one. */
struct ntb_intel_hw *ntb_intel_hw_by_id(uint16_t dev_id);

/** Drop PCI-side resources (write-combining mappings); ntb_intel.c. */
void ntb_intel_pci_close(struct ntb_intel_hw *hw);

/* ---- rack manager grants (ntb_intel_grant.c) ---- */

/** With manager=: register with the manager and gate the device's
 *  translation ops by its grants; 0 or a negative errno (logged). */
int ntb_intel_grant_attach(struct ntb_intel_hw *hw);
/** Follow the manager's events (grants, revocations); from poll. */
void ntb_intel_grant_poll(struct ntb_intel_hw *hw);
/** Close every window, drop IOMMU mappings, leave the manager. */
void ntb_intel_grant_detach(struct ntb_intel_hw *hw);

/**
 * Put the port's IOMMU group in a VFIO container of its own, before the
 * device is mapped, and fill @p tmpl->iommu with it (ntb_intel_vfio.c).
 * Nothing is mapped in it until a grant. 0 or a negative errno (logged).
 */
int ntb_intel_vfio_own_container(struct rte_pci_device *pci,
		struct ntb_intel_hw *tmpl);
/** Destroy that container, if any. */
void ntb_intel_vfio_release(struct ntb_intel_hw *hw);

extern const struct ntb_intel_gen_ops ntb_intel_gen1;
extern const struct ntb_intel_gen_ops ntb_intel_gen3;
extern const struct ntb_intel_gen_ops ntb_intel_gen4;

#endif /* NTB_INTEL_PRIVATE_H */
