/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Gen4: Ice Lake-SP (8086:347E, revisions 0x02-0x0F), Sapphire Rapids
 * (8086:347E, later revisions) and Granite Rapids (8086:0DB4, which the
 * public reference drives with the same ops).
 *
 * Offsets and bit meanings per the public Linux driver
 * (drivers/ntb/hw/intel/ntb_hw_gen4.h, ntb_hw_gen4.c) and DPDK's
 * drivers/raw/ntb/ntb_hw_intel.h (the Sapphire Rapids topology bits):
 * unlike gen3, link control, link status and the port definition moved
 * from config space into BAR0, the peer's scratchpads sit at 0x8080, and
 * the inbound windows have a "base index" register (log2 of the size).
 * Only Ice Lake needs the translation base aligned to the whole BAR
 * (Linux NTB_HWERR_BAR_ALIGN); later parts need 4 KiB. Granite Rapids is
 * decoded like Sapphire Rapids; that is an assumption of this driver.
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_common.h>

#include "ntb_intel_private.h"

/* Config space. */
#define G4_CFG_DEVSTS		0x004a
#define G4_CFG_UNCERRSTS	0x0104
#define G4_CFG_CORERRSTS	0x0110

/* BAR0. */
#define G4_NTBCNTL		0x0000
#define G4_XBASE(i)		(0x0010 + 0x10 * (i))
#define G4_XLMT(i)		(0x0018 + 0x10 * (i))
#define G4_INT_STATUS		0x0040
#define G4_INT_DISABLE		0x0048
#define G4_INTVEC		0x0050
#define G4_XBASEIDX(i)		(0x0074 + 2 * (i))	/* 16-bit, log2(window size) */
#define G4_SPAD			0x0080
#define G4_PEER_DOORBELL	0x0100
#define G4_PEER_SPAD		0x8080
#define G4_LINK_CTRL		0xb050
#define G4_LINK_STATUS		0xb052
#define G4_SLOTSTS		0xb05a
#define G4_PPD0			0xb0d4
#define G4_PPD1			0xb4c0

#define G4_CNTL_SNOOP_ALL	(RTE_BIT32(2) | RTE_BIT32(4) | RTE_BIT32(6) | RTE_BIT32(8))
#define G4_LINK_CTRL_DISABLE	0x0010
#define G4_SLOTSTS_DLLSCS	0x0100
#define G4_PPD0_LINKTRN		0x0008

/* Port definition (PPD1): connection type and upstream/downstream side. */
#define ICX_PPD_CONN_MASK	0x0300
#define ICX_PPD_DEV_DSD		0x1000
#define SPR_PPD_CONN_MASK	0x0700
#define SPR_PPD_DEV_DSD		0x4000
#define G4_PPD_CONN_B2B		0x0200

#define G4_DB_COUNT		32
#define G4_DB_LINK_BIT		RTE_BIT64(32)
#define G4_VECTORS		33
#define G4_SPAD_COUNT		16
#define G4_PAGE			4096

static enum rte_marlin_ntb_topo
g4_topo(const struct ntb_intel_hw *hw, uint32_t ppd1)
{
	uint32_t conn_mask, dsd;

	if (hw->chip == NTB_INTEL_CHIP_ICX) {
		conn_mask = ICX_PPD_CONN_MASK;
		dsd = ICX_PPD_DEV_DSD;
	} else {
		conn_mask = SPR_PPD_CONN_MASK;
		dsd = SPR_PPD_DEV_DSD;
	}
	if ((ppd1 & conn_mask) != G4_PPD_CONN_B2B)
		return RTE_MARLIN_NTB_TOPO_NONE;
	return (ppd1 & dsd) ? RTE_MARLIN_NTB_TOPO_B2B_DSD :
		RTE_MARLIN_NTB_TOPO_B2B_USD;
}

static int
g4_init(struct ntb_intel_hw *hw)
{
	const char *name = hw->dev->name;
	uint32_t ppd1;
	uint16_t lnkctl;
	int i, w;

	ppd1 = ntb_intel_read32(hw, G4_PPD1);
	if (ppd1 == UINT32_MAX) {
		NTB_INTEL_LOG(ERR, "%s: BAR0 reads all-ones: the port is not reachable (powered down or not mapped)",
			name);
		return -EIO;
	}
	hw->topo = g4_topo(hw, ppd1);
	if (hw->topo == RTE_MARLIN_NTB_TOPO_NONE) {
		NTB_INTEL_LOG(ERR, "%s: port is not in back-to-back mode (PPD1 0x%08x); set it to \"NTB to NTB\" in BIOS on both hosts%s",
			name, ppd1, hw->chip == NTB_INTEL_CHIP_SPR ?
			" (Sapphire Rapids also needs \"Port Subsystem Mode = Gen4 only\")" : "");
		return -EINVAL;
	}
	if (hw->chip == NTB_INTEL_CHIP_ICX)
		hw->errata |= NTB_INTEL_ERR_BAR_ALIGN;

	hw->mw_count = 2;
	hw->mw_bar[0] = 2;
	hw->mw_bar[1] = 4;
	for (w = 0; w < hw->mw_count; w++) {
		if (hw->bar[hw->mw_bar[w]].len == 0) {
			NTB_INTEL_LOG(ERR, "%s: BAR%d (window %d) has no size: enable the NTB BARs in BIOS (IMBAR%d%dSZ/EMBAR%d%dSZ, same on both hosts)",
				name, hw->mw_bar[w], w, 2 + 2 * w, 3 + 2 * w,
				2 + 2 * w, 3 + 2 * w);
			return -EINVAL;
		}
	}
	hw->spad_count = G4_SPAD_COUNT;
	hw->db_count = G4_DB_COUNT;
	hw->db_link_mask = G4_DB_LINK_BIT;
	hw->db_valid_mask = RTE_BIT64(G4_DB_COUNT) - 1;
	hw->db_vec_count = G4_VECTORS;
	hw->db_vec_shift = 1;

	hw->reg_ntbcntl = G4_NTBCNTL;
	hw->reg_db_status = G4_INT_STATUS;
	hw->reg_db_mask = G4_INT_DISABLE;
	hw->db_width = 8;
	hw->reg_spad = G4_SPAD;
	hw->reg_peer_spad = G4_PEER_SPAD;
	hw->reg_peer_db = G4_PEER_DOORBELL;
	hw->peer_region = NTB_INTEL_REGION_SELF;

	/* Zero-length inbound windows until mw_set_trans. */
	for (w = 0; w < hw->mw_count; w++) {
		ntb_intel_write64(hw, G4_XLMT(w), hw->bar[hw->mw_bar[w]].phys);
		ntb_intel_write64(hw, G4_XBASE(w), 0);
	}
	hw->db_mask = hw->db_valid_mask;
	ntb_intel_write64(hw, G4_INT_DISABLE, hw->db_mask);

	/* Keep the link down until link_enable. */
	lnkctl = ntb_intel_read16(hw, G4_LINK_CTRL);
	ntb_intel_write16(hw, G4_LINK_CTRL, lnkctl | G4_LINK_CTRL_DISABLE);

	/* Status bit i -> MSI-X vector i (reset order is 1..32,0). */
	for (i = 0; i < G4_VECTORS; i++)
		ntb_intel_write8(hw, G4_INTVEC + i, i);

	/* The public reference reads no memory-miss counter on gen4. */
	hw->stats.mem_miss_supported = 0;
	return 0;
}

static void
g4_uninit(struct ntb_intel_hw *hw)
{
	int w;

	hw->db_mask = hw->db_valid_mask;
	ntb_intel_write64(hw, G4_INT_DISABLE, hw->db_mask);
	for (w = 0; w < hw->mw_count; w++) {
		ntb_intel_write64(hw, G4_XLMT(w), hw->bar[hw->mw_bar[w]].phys);
		ntb_intel_write64(hw, G4_XBASE(w), 0);
	}
}

static void
g4_link_refresh(struct ntb_intel_hw *hw)
{
	/* The link event only clears once the slot status change bit is
	 * acknowledged first (per the Linux gen4 driver's note on ICX). */
	ntb_intel_write16(hw, G4_SLOTSTS, G4_SLOTSTS_DLLSCS);
	ntb_intel_write64(hw, G4_INT_STATUS, hw->db_link_mask);
	hw->lnk_sta = ntb_intel_read16(hw, G4_LINK_STATUS);
	if (hw->lnk_sta == UINT16_MAX)
		hw->lnk_sta = 0; /* device gone */
}

static void
g4_stats_update(struct ntb_intel_hw *hw)
{
	ntb_intel_cfg_read(hw, G4_CFG_DEVSTS, &hw->stats.devsts, 2);
	ntb_intel_cfg_read(hw, G4_CFG_UNCERRSTS, &hw->stats.uncerrsts, 4);
	ntb_intel_cfg_read(hw, G4_CFG_CORERRSTS, &hw->stats.corerrsts, 4);
}

static int
g4_link_enable(struct rte_marlin_ntb_dev *dev, enum rte_marlin_ntb_speed speed,
		enum rte_marlin_ntb_width width)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint16_t lnkctl;
	uint32_t ppd0;

	if (speed != RTE_MARLIN_NTB_SPEED_AUTO || width != RTE_MARLIN_NTB_WIDTH_AUTO)
		NTB_INTEL_LOG(DEBUG, "%s: speed/width limits ignored", dev->name);
	ntb_intel_write32(hw, G4_NTBCNTL, G4_CNTL_SNOOP_ALL);
	lnkctl = ntb_intel_read16(hw, G4_LINK_CTRL);
	ntb_intel_write16(hw, G4_LINK_CTRL, lnkctl & ~G4_LINK_CTRL_DISABLE);
	ppd0 = ntb_intel_read32(hw, G4_PPD0);
	ntb_intel_write32(hw, G4_PPD0, ppd0 | G4_PPD0_LINKTRN);
	ppd0 = ntb_intel_read32(hw, G4_PPD0);
	if (!(ppd0 & G4_PPD0_LINKTRN)) {
		NTB_INTEL_LOG(ERR, "%s: link training did not start (PPD0 0x%08x); check the cable and the peer port's BIOS settings",
			dev->name, ppd0);
		return -EIO;
	}
	return 0;
}

static int
g4_link_disable(struct rte_marlin_ntb_dev *dev)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint32_t cntl;
	uint16_t lnkctl;

	cntl = ntb_intel_read32(hw, G4_NTBCNTL);
	ntb_intel_write32(hw, G4_NTBCNTL, cntl & ~G4_CNTL_SNOOP_ALL);
	lnkctl = ntb_intel_read16(hw, G4_LINK_CTRL);
	ntb_intel_write16(hw, G4_LINK_CTRL, lnkctl | G4_LINK_CTRL_DISABLE);
	return 0;
}

static uint64_t
g4_addr_align(const struct ntb_intel_hw *hw, int widx)
{
	if (hw->errata & NTB_INTEL_ERR_BAR_ALIGN)
		return hw->bar[hw->mw_bar[widx]].len;
	return G4_PAGE;
}

static int
g4_mw_get_align(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	RTE_SET_USED(pidx);
	align->addr_align = g4_addr_align(hw, widx);
	/* Ice Lake also wants a power-of-two size (checked by mw_set_trans);
	 * the class's default allocation takes the whole BAR, which is one. */
	align->size_align = 1;
	align->size_max = hw->bar[hw->mw_bar[widx]].len;
	return 0;
}

static void
g4_close_window(struct ntb_intel_hw *hw, int widx)
{
	ntb_intel_write64(hw, G4_XLMT(widx), hw->bar[hw->mw_bar[widx]].phys);
	ntb_intel_write64(hw, G4_XBASE(widx), 0);
	if (hw->errata & NTB_INTEL_ERR_BAR_ALIGN)
		ntb_intel_write16(hw, G4_XBASEIDX(widx), 0);
}

static int
g4_mw_set_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx, void *addr,
		rte_iova_t iova, size_t size)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	const struct ntb_intel_bar *bar = &hw->bar[hw->mw_bar[widx]];
	uint16_t idx, got;
	int rc;

	RTE_SET_USED(pidx);
	RTE_SET_USED(addr);
	rc = ntb_intel_check_trans(hw, widx, iova, size, g4_addr_align(hw, widx));
	if (rc != 0)
		return rc;
	if ((hw->errata & NTB_INTEL_ERR_BAR_ALIGN) && !rte_is_power_of_2(size)) {
		NTB_INTEL_LOG(ERR, "%s: window %d: size %zu is not a power of two; Ice Lake programs the window as log2(size): ask for a power of two (or 0 for the whole BAR)",
			dev->name, widx, size);
		hw->stats.xlat_errors++;
		return -EINVAL;
	}
	rc = ntb_intel_write64_verify(hw, G4_XBASE(widx), iova,
			"inbound translation base");
	if (rc == 0)
		rc = ntb_intel_write64_verify(hw, G4_XLMT(widx), bar->phys + size,
				"inbound limit");
	if (rc == 0 && (hw->errata & NTB_INTEL_ERR_BAR_ALIGN)) {
		idx = (uint16_t)rte_log2_u64(size);
		ntb_intel_write16(hw, G4_XBASEIDX(widx), idx);
		got = ntb_intel_read16(hw, G4_XBASEIDX(widx));
		if (got != idx) {
			NTB_INTEL_LOG(ERR, "%s: window %d: base index read back %u after writing %u",
				dev->name, widx, got, idx);
			hw->stats.xlat_errors++;
			rc = -EIO;
		}
	}
	if (rc != 0) {
		g4_close_window(hw, widx);
		return rc;
	}
	hw->stats.xlat_set++;
	return 0;
}

static int
g4_mw_clear_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	RTE_SET_USED(pidx);
	g4_close_window(ntb_intel_hw(dev), widx);
	return 0;
}

static int
g4_peer_db_set(struct rte_marlin_ntb_dev *dev, int pidx, uint64_t bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	unsigned int bit;

	RTE_SET_USED(pidx);
	while (bits != 0) {
		bit = (unsigned int)rte_bsf64(bits);
		bits &= bits - 1;
		ntb_intel_write32(hw, G4_PEER_DOORBELL + 4 * bit, 1);
		hw->stats.db_rung++;
	}
	return 0;
}

static const struct rte_marlin_ntb_ops g4_ops = {
	.port_number = ntb_intel_port_number,
	.peer_port_count = ntb_intel_peer_port_count,
	.link_is_up = ntb_intel_link_is_up,
	.link_enable = g4_link_enable,
	.link_disable = g4_link_disable,
	.mw_count = ntb_intel_mw_count,
	.mw_get_align = g4_mw_get_align,
	.mw_set_trans = g4_mw_set_trans,
	.mw_clear_trans = g4_mw_clear_trans,
	.peer_mw_count = ntb_intel_peer_mw_count,
	.peer_mw_get_addr = ntb_intel_peer_mw_get_addr,
	.db_valid_mask = ntb_intel_db_valid_mask,
	.db_read = ntb_intel_db_read,
	.db_clear = ntb_intel_db_clear,
	.db_set_mask = ntb_intel_db_set_mask,
	.db_clear_mask = ntb_intel_db_clear_mask,
	.db_read_mask = ntb_intel_db_read_mask,
	.peer_db_set = g4_peer_db_set,
	.spad_count = ntb_intel_spad_count,
	.spad_read = ntb_intel_spad_read,
	.spad_write = ntb_intel_spad_write,
	.peer_spad_read = ntb_intel_peer_spad_read,
	.peer_spad_write = ntb_intel_peer_spad_write,
	.poll = ntb_intel_poll,
	.close = ntb_intel_close,
};

const struct ntb_intel_gen_ops ntb_intel_gen4 = {
	.gen = 4,
	.ops = &g4_ops,
	.init = g4_init,
	.uninit = g4_uninit,
	.link_refresh = g4_link_refresh,
	.stats_update = g4_stats_update,
};
