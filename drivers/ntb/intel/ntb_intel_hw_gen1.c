/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Gen1: Jaketown, Sandy Bridge-EP, Ivy Town, Haswell-EP, Broadwell-EP
 * (8086:3725/3C0D/0E0D/2F0D/6F0D in back-to-back mode).
 *
 * Offsets, B2B bus addresses and errata per the public Linux driver
 * (drivers/ntb/hw/intel/ntb_hw_gen1.h, ntb_hw_gen1.c):
 * - SDOORBELL_LOCKUP (all gen1): ringing the peer through the B2B doorbell
 *   register while the peer reaches our registers can hang the system. The
 *   workaround spends the last window (BAR4/5) on a view of the peer's
 *   BAR0: our outbound BAR4 is translated onto the peer's link-side BAR0,
 *   and peer doorbells/scratchpads are written there.
 * - B2BDOORBELL_BIT14: when the B2B doorbell register is used (devarg
 *   b2b_mw=0), bit 14 is not mirrored, so the valid mask shrinks to 14 bits.
 * - SB01BASE_LOCKUP (Ivy Town .. Broadwell): any access to the link-side
 *   BAR0 under bidirectional traffic may hang; there is no register-level
 *   workaround, so doorbells and scratchpads are only safe while no data
 *   flows (link bring-up). The driver warns; applications should notify
 *   through memory (polling), which Marlin's data path does anyway.
 * Split-BAR mode (BAR4 and BAR5 as two 32-bit windows) is refused.
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_common.h>

#include "ntb_intel_private.h"

/* BAR0. */
#define G1_PBAR23LMT		0x0000	/* outbound limits (0 = whole BAR) */
#define G1_PBAR45LMT		0x0008
#define G1_PBAR23XLAT		0x0010	/* outbound translation (peer bus address) */
#define G1_PBAR45XLAT		0x0018
#define G1_SBAR23LMT		0x0020	/* inbound limits */
#define G1_SBAR45LMT		0x0028
#define G1_SBAR23XLAT		0x0030	/* inbound translation (local IOVA) */
#define G1_SBAR45XLAT		0x0038
#define G1_SBAR0BASE		0x0040	/* link-side BAR bases */
#define G1_SBAR23BASE		0x0048
#define G1_SBAR45BASE		0x0050
#define G1_NTBCNTL		0x0058
#define G1_PDOORBELL		0x0060	/* 16-bit, local status (W1C) */
#define G1_PDBMSK		0x0062
#define G1_USMEMMISS		0x0070
#define G1_SPAD			0x0080
#define G1_B2B_SPAD		0x0100
#define G1_B2B_DOORBELL		0x0140
#define G1_B2B_XLAT_LO		0x0144	/* 64-bit but only takes 32-bit writes */
#define G1_B2B_XLAT_HI		0x0148
#define G1_SPCICMD		0x0504

/* Config space. */
#define G1_CFG_PBAR23SZ		0x00d0
#define G1_CFG_PBAR45SZ		0x00d1
#define G1_CFG_SBAR23SZ		0x00d2
#define G1_CFG_SBAR45SZ		0x00d3
#define G1_CFG_PPD		0x00d4
#define G1_CFG_LNKSTS		0x01a2
#define G1_CFG_UNCERRSTS	0x014c
#define G1_CFG_CORERRSTS	0x0158
#define G1_CFG_DEVSTS		0x059a

#define G1_PPD_CONN_MASK	0x03
#define G1_PPD_CONN_B2B		0x01
#define G1_PPD_DEV_DSD		0x10
#define G1_PPD_SPLIT_BAR	0x40

#define G1_CNTL_CFG_LOCK	RTE_BIT32(0)
#define G1_CNTL_LINK_DISABLE	RTE_BIT32(1)
#define G1_CNTL_SNOOP_ALL	(RTE_BIT32(2) | RTE_BIT32(4) | RTE_BIT32(6) | RTE_BIT32(8))

#define G1_DB_COUNT		15
#define G1_DB_LINK_BIT		RTE_BIT64(15)
#define G1_VECTORS		4
#define G1_VECTOR_SHIFT		5
#define G1_SPAD_COUNT		16
#define G1_PCI_CMD_MEM_MASTER	0x0006

/* Bus addresses the two ports use between them on the B2B link. */
#define G1_B2B_ADDR_BAR0	UINT64_C(0x1000000000000000)
#define G1_B2B_ADDR_BAR2	UINT64_C(0x2000000000000000)
#define G1_B2B_ADDR_BAR4	UINT64_C(0x4000000000000000)
/* The peer's link-side register space is 32 KiB. */
#define G1_B2B_MIN_SIZE		0x8000

static const uint32_t g1_sbar_base[2] = { G1_SBAR23BASE, G1_SBAR45BASE };
static const uint32_t g1_sbar_lmt[2] = { G1_SBAR23LMT, G1_SBAR45LMT };
static const uint32_t g1_sbar_xlat[2] = { G1_SBAR23XLAT, G1_SBAR45XLAT };

static uint32_t
g1_errata(enum ntb_intel_chip chip)
{
	uint32_t e = NTB_INTEL_ERR_SDOORBELL_LOCKUP |
		NTB_INTEL_ERR_B2BDOORBELL_BIT14 | NTB_INTEL_ERR_BAR_ALIGN;

	if (chip == NTB_INTEL_CHIP_IVT || chip == NTB_INTEL_CHIP_HSX ||
			chip == NTB_INTEL_CHIP_BDX)
		e |= NTB_INTEL_ERR_SB01BASE_LOCKUP;
	return e;
}

static void
g1_setup_b2b(struct ntb_intel_hw *hw)
{
	uint8_t sz;

	/* Link-side BAR sizes follow ours, except the BAR spent on the peer
	 * register view, which the peer must not use as a window. */
	ntb_intel_cfg_read(hw, G1_CFG_PBAR23SZ, &sz, 1);
	ntb_intel_cfg_write(hw, G1_CFG_SBAR23SZ, &sz, 1);
	ntb_intel_cfg_read(hw, G1_CFG_PBAR45SZ, &sz, 1);
	if (hw->b2b_bar == 4)
		sz = 0;
	ntb_intel_cfg_write(hw, G1_CFG_SBAR45SZ, &sz, 1);

	/* Where our link-side BARs decode. With the register window, the
	 * peer reaches our BAR0 at the address its BAR4 translates to. */
	ntb_intel_write64(hw, G1_SBAR0BASE,
			hw->b2b_bar == 4 ? G1_B2B_ADDR_BAR4 : G1_B2B_ADDR_BAR0);
	ntb_intel_write64(hw, G1_SBAR23BASE, G1_B2B_ADDR_BAR2);
	if (hw->b2b_bar != 4)
		ntb_intel_write64(hw, G1_SBAR45BASE, G1_B2B_ADDR_BAR4);

	/* Inbound windows closed (limit == base), no translation yet. */
	ntb_intel_write64(hw, G1_SBAR23LMT, G1_B2B_ADDR_BAR2);
	ntb_intel_write64(hw, G1_SBAR45LMT, G1_B2B_ADDR_BAR4);
	ntb_intel_write64(hw, G1_SBAR23XLAT, 0);
	ntb_intel_write64(hw, G1_SBAR45XLAT, 0);

	/* Outbound: whole BARs, translated to the peer's link-side bases. */
	ntb_intel_write64(hw, G1_PBAR23LMT, 0);
	ntb_intel_write64(hw, G1_PBAR45LMT, 0);
	ntb_intel_write64(hw, G1_PBAR23XLAT, G1_B2B_ADDR_BAR2);
	ntb_intel_write64(hw, G1_PBAR45XLAT, G1_B2B_ADDR_BAR4);

	/* Where the B2B doorbell/scratchpad registers reach on the peer. */
	ntb_intel_write32(hw, G1_B2B_XLAT_LO, (uint32_t)(hw->b2b_bar == 4 ?
			G1_B2B_ADDR_BAR4 : G1_B2B_ADDR_BAR0));
	ntb_intel_write32(hw, G1_B2B_XLAT_HI, (uint32_t)((hw->b2b_bar == 4 ?
			G1_B2B_ADDR_BAR4 : G1_B2B_ADDR_BAR0) >> 32));

	ntb_intel_write16(hw, G1_SPCICMD, G1_PCI_CMD_MEM_MASTER);
}

static int
g1_init(struct ntb_intel_hw *hw)
{
	const char *name = hw->dev->name;
	char b1[32];
	uint8_t ppd;
	int w;

	hw->errata |= g1_errata(hw->chip);
	if (ntb_intel_cfg_read(hw, G1_CFG_PPD, &ppd, 1) != 0) {
		NTB_INTEL_LOG(ERR, "%s: cannot read the port definition (config 0x%x)",
			name, G1_CFG_PPD);
		return -EIO;
	}
	if ((ppd & G1_PPD_CONN_MASK) != G1_PPD_CONN_B2B) {
		NTB_INTEL_LOG(ERR, "%s: port is not in back-to-back mode (PPD 0x%02x); set it to \"NTB to NTB\" in BIOS on both hosts",
			name, ppd);
		return -EINVAL;
	}
	hw->topo = (ppd & G1_PPD_DEV_DSD) ? RTE_MARLIN_NTB_TOPO_B2B_DSD :
		RTE_MARLIN_NTB_TOPO_B2B_USD;
	if (ppd & G1_PPD_SPLIT_BAR) {
		NTB_INTEL_LOG(ERR, "%s: split BAR mode is set (PPD 0x%02x); disable \"split BAR\" for the NTB in BIOS",
			name, ppd);
		return -EINVAL;
	}
	for (w = 0; w < 2; w++) {
		int barno = 2 + 2 * w;

		if (hw->bar[barno].len == 0) {
			NTB_INTEL_LOG(ERR, "%s: BAR%d has no size: enable the NTB BARs in BIOS (PBAR%d%dSZ, same on both hosts)",
				name, barno, barno, barno + 1);
			return -EINVAL;
		}
	}

	hw->spad_count = G1_SPAD_COUNT;
	hw->db_count = G1_DB_COUNT;
	hw->db_link_mask = G1_DB_LINK_BIT;
	hw->db_vec_count = G1_VECTORS;
	hw->db_vec_shift = G1_VECTOR_SHIFT;
	hw->reg_ntbcntl = G1_NTBCNTL;
	hw->reg_db_status = G1_PDOORBELL;
	hw->reg_db_mask = G1_PDBMSK;
	hw->db_width = 2;
	hw->reg_spad = G1_SPAD;
	hw->mw_bar[0] = 2;
	hw->mw_bar[1] = 4;

	if (!hw->args.b2b_doorbell_reg) {
		/* SDOORBELL_LOCKUP workaround: BAR4 becomes the peer register
		 * view, leaving one window for data. */
		struct ntb_intel_bar *bar = &hw->bar[4];

		if (bar->len < G1_B2B_MIN_SIZE) {
			NTB_INTEL_LOG(ERR, "%s: BAR4 is %s, too small for the peer register view (needs 32 KiB): raise PBAR45SZ in BIOS, or pass devarg b2b_mw=0 to use the B2B doorbell register (erratum risk)",
				name, ntb_intel_size_str(bar->len, b1, sizeof(b1)));
			return -EINVAL;
		}
		if (hw->io == NULL && bar->va == NULL) {
			NTB_INTEL_LOG(ERR, "%s: BAR4 is not mapped; bind the port to vfio-pci",
				name);
			return -EINVAL;
		}
		hw->b2b_bar = 4;
		hw->peer_mmio = bar->va;
		hw->mw_count = 1;
		hw->reg_peer_db = G1_PDOORBELL;
		hw->reg_peer_spad = G1_SPAD;
		hw->peer_region = NTB_INTEL_REGION_PEER;
	} else {
		hw->b2b_bar = 0;
		hw->mw_count = 2;
		hw->reg_peer_db = G1_B2B_DOORBELL;
		hw->reg_peer_spad = G1_B2B_SPAD;
		hw->peer_region = NTB_INTEL_REGION_SELF;
		NTB_INTEL_LOG(WARNING, "%s: b2b_mw=0: ringing the peer through the B2B doorbell register, which the %s erratum says can hang the system",
			name, hw->chip_name);
		if (hw->errata & NTB_INTEL_ERR_B2BDOORBELL_BIT14)
			hw->db_count = 14;
	}
	if (hw->args.b2b_doorbell_reg)
		hw->errata &= ~NTB_INTEL_ERR_SDOORBELL_LOCKUP;
	else
		hw->errata &= ~NTB_INTEL_ERR_B2BDOORBELL_BIT14;
	if (hw->errata & NTB_INTEL_ERR_SB01BASE_LOCKUP)
		NTB_INTEL_LOG(WARNING, "%s: %s erratum: doorbell and scratchpad accesses may hang the system while data crosses the bridge in both directions; use them for link bring-up only",
			name, hw->chip_name);
	hw->db_valid_mask = RTE_BIT64(hw->db_count) - 1;

	g1_setup_b2b(hw);
	hw->db_mask = hw->db_valid_mask;
	ntb_intel_write16(hw, G1_PDBMSK, (uint16_t)hw->db_mask);
	hw->memmiss_last = ntb_intel_read16(hw, G1_USMEMMISS);
	hw->stats.mem_miss_supported = 1;
	return 0;
}

static void
g1_close_window(struct ntb_intel_hw *hw, int widx)
{
	uint64_t base = ntb_intel_read64(hw, g1_sbar_base[widx]) & ~UINT64_C(0xf);

	ntb_intel_write64(hw, g1_sbar_xlat[widx], 0);
	ntb_intel_write64(hw, g1_sbar_lmt[widx], base);
}

static void
g1_uninit(struct ntb_intel_hw *hw)
{
	int w;

	hw->db_mask = hw->db_valid_mask;
	ntb_intel_write16(hw, G1_PDBMSK, (uint16_t)hw->db_mask);
	for (w = 0; w < hw->mw_count; w++)
		g1_close_window(hw, w);
}

static void
g1_link_refresh(struct ntb_intel_hw *hw)
{
	uint16_t sta;

	ntb_intel_write16(hw, G1_PDOORBELL, (uint16_t)hw->db_link_mask);
	if (ntb_intel_cfg_read(hw, G1_CFG_LNKSTS, &sta, 2) != 0)
		sta = 0;
	hw->lnk_sta = sta;
}

static void
g1_stats_update(struct ntb_intel_hw *hw)
{
	uint16_t miss = ntb_intel_read16(hw, G1_USMEMMISS);

	hw->stats.mem_miss += (uint16_t)(miss - hw->memmiss_last);
	hw->memmiss_last = miss;
	ntb_intel_cfg_read(hw, G1_CFG_DEVSTS, &hw->stats.devsts, 2);
	ntb_intel_cfg_read(hw, G1_CFG_UNCERRSTS, &hw->stats.uncerrsts, 4);
	ntb_intel_cfg_read(hw, G1_CFG_CORERRSTS, &hw->stats.corerrsts, 4);
}

static int
g1_link_enable(struct rte_marlin_ntb_dev *dev, enum rte_marlin_ntb_speed speed,
		enum rte_marlin_ntb_width width)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint32_t cntl;

	RTE_SET_USED(speed);
	RTE_SET_USED(width);
	cntl = ntb_intel_read32(hw, G1_NTBCNTL);
	cntl &= ~(G1_CNTL_LINK_DISABLE | G1_CNTL_CFG_LOCK);
	cntl |= G1_CNTL_SNOOP_ALL;
	ntb_intel_write32(hw, G1_NTBCNTL, cntl);
	return 0;
}

static int
g1_link_disable(struct rte_marlin_ntb_dev *dev)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint32_t cntl;

	cntl = ntb_intel_read32(hw, G1_NTBCNTL);
	cntl &= ~G1_CNTL_SNOOP_ALL;
	cntl |= G1_CNTL_LINK_DISABLE | G1_CNTL_CFG_LOCK;
	ntb_intel_write32(hw, G1_NTBCNTL, cntl);
	return 0;
}

static int
g1_mw_get_align(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint64_t len = hw->bar[hw->mw_bar[widx]].len;

	RTE_SET_USED(pidx);
	align->addr_align = len;
	align->size_align = 1;
	align->size_max = len;
	return 0;
}

static int
g1_mw_set_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx, void *addr,
		rte_iova_t iova, size_t size)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint64_t len = hw->bar[hw->mw_bar[widx]].len;
	uint64_t base, limit;
	int rc;

	RTE_SET_USED(pidx);
	RTE_SET_USED(addr);
	rc = ntb_intel_check_trans(hw, widx, iova, size, len);
	if (rc != 0)
		return rc;
	/* Gen1 limits are link-side bus addresses; 0 means the whole BAR. */
	base = ntb_intel_read64(hw, g1_sbar_base[widx]) & ~UINT64_C(0xf);
	limit = size == len ? 0 : base + size;
	rc = ntb_intel_write64_verify(hw, g1_sbar_xlat[widx], iova,
			"inbound translation");
	if (rc == 0)
		rc = ntb_intel_write64_verify(hw, g1_sbar_lmt[widx], limit,
				"inbound limit");
	if (rc != 0) {
		g1_close_window(hw, widx);
		return rc;
	}
	hw->stats.xlat_set++;
	return 0;
}

static int
g1_mw_clear_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	RTE_SET_USED(pidx);
	g1_close_window(ntb_intel_hw(dev), widx);
	return 0;
}

static int
g1_peer_db_set(struct rte_marlin_ntb_dev *dev, int pidx, uint64_t bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	RTE_SET_USED(pidx);
	/* One 16-bit register, write-1-to-set on the peer. */
	ntb_intel_wr(hw, hw->peer_region, hw->reg_peer_db,
			bits & hw->db_valid_mask, 2);
	hw->stats.db_rung += (uint64_t)__builtin_popcountll(bits);
	return 0;
}

static const struct rte_marlin_ntb_ops g1_ops = {
	.port_number = ntb_intel_port_number,
	.peer_port_count = ntb_intel_peer_port_count,
	.link_is_up = ntb_intel_link_is_up,
	.link_enable = g1_link_enable,
	.link_disable = g1_link_disable,
	.mw_count = ntb_intel_mw_count,
	.mw_get_align = g1_mw_get_align,
	.mw_set_trans = g1_mw_set_trans,
	.mw_clear_trans = g1_mw_clear_trans,
	.peer_mw_count = ntb_intel_peer_mw_count,
	.peer_mw_get_addr = ntb_intel_peer_mw_get_addr,
	.db_valid_mask = ntb_intel_db_valid_mask,
	.db_read = ntb_intel_db_read,
	.db_clear = ntb_intel_db_clear,
	.db_set_mask = ntb_intel_db_set_mask,
	.db_clear_mask = ntb_intel_db_clear_mask,
	.db_read_mask = ntb_intel_db_read_mask,
	.peer_db_set = g1_peer_db_set,
	.spad_count = ntb_intel_spad_count,
	.spad_read = ntb_intel_spad_read,
	.spad_write = ntb_intel_spad_write,
	.peer_spad_read = ntb_intel_peer_spad_read,
	.peer_spad_write = ntb_intel_peer_spad_write,
	.poll = ntb_intel_poll,
	.close = ntb_intel_close,
};

const struct ntb_intel_gen_ops ntb_intel_gen1 = {
	.gen = 1,
	.ops = &g1_ops,
	.init = g1_init,
	.uninit = g1_uninit,
	.link_refresh = g1_link_refresh,
	.stats_update = g1_stats_update,
};
