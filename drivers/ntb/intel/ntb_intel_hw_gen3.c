/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Gen3: Skylake-SP (8086:201C), back-to-back only.
 *
 * Offsets and bit meanings per the public Linux driver
 * (drivers/ntb/hw/intel/ntb_hw_gen3.h, ntb_hw_gen3.c, ntb_hw_intel.h):
 * config space holds the port definition (PPD) and the PCIe link status,
 * BAR0 holds the translation, doorbell and scratchpad registers, and the
 * peer's doorbells and scratchpads are reached through BAR0 itself (no
 * window has to be given up, unlike gen1).
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_common.h>

#include "ntb_intel_private.h"

/* Config space. */
#define G3_CFG_PPD		0x00d4	/* byte: bits 1:0 mode, bit 4 DSD, bit 6 split BAR */
#define G3_CFG_LNKSTS		0x01a2
#define G3_CFG_DEVSTS		0x009a
#define G3_CFG_UNCERRSTS	0x014c
#define G3_CFG_CORERRSTS	0x0158
#define G3_PPD_CONN_MASK	0x03
#define G3_PPD_CONN_B2B		0x01
#define G3_PPD_DEV_DSD		0x10
#define G3_PPD_SPLIT_BAR	0x40

/* BAR0. */
#define G3_NTBCNTL		0x0000
#define G3_IMBAR_XBASE(i)	(0x0010 + 0x10 * (i))	/* inbound translation */
#define G3_IMBAR_XLMT(i)	(0x0018 + 0x10 * (i))	/* inbound limit */
#define G3_INT_STATUS		0x0040	/* W1C, bits 0-31 doorbells, 32 link */
#define G3_INT_DISABLE		0x0048
#define G3_USMEMMISS		0x0070	/* 16-bit counter */
#define G3_SPAD			0x0080
#define G3_INTVEC		0x00d0	/* 33 bytes: status bit -> MSI-X vector */
#define G3_PEER_DOORBELL	0x0100	/* 32-bit write of 1 at +4*bit rings the peer */
#define G3_PEER_SPAD		0x0180
#define G3_EMBAR_XLMT(i)	(0x4018 + 0x10 * (i))	/* link-side limit */
#define G3_SPCICMD		0x4504
#define G3_EMBAR(i)		(0x4518 + 8 * (i))	/* link-side BAR base (low 4 bits flags) */

#define G3_CNTL_CFG_LOCK	RTE_BIT32(0)
#define G3_CNTL_LINK_DISABLE	RTE_BIT32(1)
#define G3_CNTL_SNOOP_ALL	(RTE_BIT32(2) | RTE_BIT32(4) | RTE_BIT32(6) | RTE_BIT32(8))

#define G3_DB_COUNT		32
#define G3_DB_LINK_BIT		RTE_BIT64(32)
#define G3_VECTORS		33
#define G3_SPAD_COUNT		16
#define G3_PCI_CMD_MEM_MASTER	0x0006

static enum rte_marlin_ntb_topo
g3_topo(uint8_t ppd)
{
	if ((ppd & G3_PPD_CONN_MASK) != G3_PPD_CONN_B2B)
		return RTE_MARLIN_NTB_TOPO_NONE;
	return (ppd & G3_PPD_DEV_DSD) ? RTE_MARLIN_NTB_TOPO_B2B_DSD :
		RTE_MARLIN_NTB_TOPO_B2B_USD;
}

static const char *
g3_mode_name(uint8_t ppd)
{
	switch (ppd & G3_PPD_CONN_MASK) {
	case 0:
		return "transparent bridge";
	case 2:
		return "root port";
	default:
		return "unknown";
	}
}

static int
g3_init(struct ntb_intel_hw *hw)
{
	const char *name = hw->dev->name;
	uint8_t ppd;
	int i, w;

	if (ntb_intel_cfg_read(hw, G3_CFG_PPD, &ppd, 1) != 0) {
		NTB_INTEL_LOG(ERR, "%s: cannot read the port definition (config 0x%x)",
			name, G3_CFG_PPD);
		return -EIO;
	}
	hw->topo = g3_topo(ppd);
	if (hw->topo == RTE_MARLIN_NTB_TOPO_NONE) {
		NTB_INTEL_LOG(ERR, "%s: port is in %s mode (PPD 0x%02x); Marlin drives back-to-back ports only: set it to \"NTB to NTB\" in BIOS on both hosts",
			name, g3_mode_name(ppd), ppd);
		return -EINVAL;
	}
	if (ppd & G3_PPD_SPLIT_BAR) {
		NTB_INTEL_LOG(ERR, "%s: split BAR mode is set (PPD 0x%02x); disable \"split BAR\" for the NTB in BIOS",
			name, ppd);
		return -EINVAL;
	}

	hw->mw_count = 2;
	hw->mw_bar[0] = 2;
	hw->mw_bar[1] = 4;
	for (w = 0; w < hw->mw_count; w++) {
		if (hw->bar[hw->mw_bar[w]].len == 0) {
			NTB_INTEL_LOG(ERR, "%s: BAR%d (window %d) has no size: enable the NTB BARs in BIOS (IMBAR%dSZ/EMBAR%dSZ, same on both hosts)",
				name, hw->mw_bar[w], w, w + 1, w + 1);
			return -EINVAL;
		}
	}
	hw->spad_count = G3_SPAD_COUNT;
	hw->db_count = G3_DB_COUNT;
	hw->db_link_mask = G3_DB_LINK_BIT;
	/* Erratum (Linux NTB_HWERR_MSIX_VECTOR32_BAD, all SKX): MSI-X vector
	 * 32 does not work, so the link status is routed to vector 31 and
	 * doorbell 31 is given up. */
	hw->errata |= NTB_INTEL_ERR_MSIX_VECTOR32_BAD | NTB_INTEL_ERR_BAR_ALIGN;
	hw->db_link_mask |= RTE_BIT64(31);
	hw->db_count = 31;
	hw->db_valid_mask = RTE_BIT64(hw->db_count) - 1;
	hw->db_vec_count = G3_VECTORS - 1;
	hw->db_vec_shift = 1;

	hw->reg_ntbcntl = G3_NTBCNTL;
	hw->reg_db_status = G3_INT_STATUS;
	hw->reg_db_mask = G3_INT_DISABLE;
	hw->db_width = 8;
	hw->reg_spad = G3_SPAD;
	hw->reg_peer_spad = G3_PEER_SPAD;
	hw->reg_peer_db = G3_PEER_DOORBELL;
	hw->peer_region = NTB_INTEL_REGION_SELF;

	/* Close both inbound windows: limit == base is a zero-length window,
	 * so nothing the peer writes lands anywhere until mw_set_trans. */
	for (w = 0; w < hw->mw_count; w++) {
		ntb_intel_write64(hw, G3_IMBAR_XLMT(w), hw->bar[hw->mw_bar[w]].phys);
		ntb_intel_write64(hw, G3_IMBAR_XBASE(w), 0);
	}
	/* Memory space and bus mastering on the link side. */
	ntb_intel_write16(hw, G3_SPCICMD, G3_PCI_CMD_MEM_MASTER);

	/* Mask every doorbell; the link bit stays unmasked. */
	hw->db_mask = hw->db_valid_mask;
	ntb_intel_write64(hw, G3_INT_DISABLE, hw->db_mask);

	/* Status bit i -> vector i (reset order is 1..32,0), then move the
	 * link to vector 31 for the erratum above. */
	for (i = 0; i < G3_VECTORS; i++)
		ntb_intel_write8(hw, G3_INTVEC + i, i);
	ntb_intel_write8(hw, G3_INTVEC + 32, 31);

	hw->memmiss_last = ntb_intel_read16(hw, G3_USMEMMISS);
	hw->stats.mem_miss_supported = 1;
	return 0;
}

static void
g3_uninit(struct ntb_intel_hw *hw)
{
	int w;

	hw->db_mask = hw->db_valid_mask;
	ntb_intel_write64(hw, G3_INT_DISABLE, hw->db_mask);
	for (w = 0; w < hw->mw_count; w++) {
		ntb_intel_write64(hw, G3_IMBAR_XLMT(w), hw->bar[hw->mw_bar[w]].phys);
		ntb_intel_write64(hw, G3_IMBAR_XBASE(w), 0);
	}
}

static void
g3_link_refresh(struct ntb_intel_hw *hw)
{
	uint16_t sta;

	/* Acknowledge the link event bits, then read the PCIe link status. */
	ntb_intel_write64(hw, G3_INT_STATUS, hw->db_link_mask);
	if (ntb_intel_cfg_read(hw, G3_CFG_LNKSTS, &sta, 2) != 0)
		sta = 0;
	hw->lnk_sta = sta;
}

static void
g3_stats_update(struct ntb_intel_hw *hw)
{
	uint16_t miss = ntb_intel_read16(hw, G3_USMEMMISS);

	hw->stats.mem_miss += (uint16_t)(miss - hw->memmiss_last);
	hw->memmiss_last = miss;
	ntb_intel_cfg_read(hw, G3_CFG_DEVSTS, &hw->stats.devsts, 2);
	ntb_intel_cfg_read(hw, G3_CFG_UNCERRSTS, &hw->stats.uncerrsts, 4);
	ntb_intel_cfg_read(hw, G3_CFG_CORERRSTS, &hw->stats.corerrsts, 4);
}

static int
g3_link_enable(struct rte_marlin_ntb_dev *dev, enum rte_marlin_ntb_speed speed,
		enum rte_marlin_ntb_width width)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint32_t cntl;

	/* The silicon trains to what BIOS set; limits are not programmable. */
	if (speed != RTE_MARLIN_NTB_SPEED_AUTO || width != RTE_MARLIN_NTB_WIDTH_AUTO)
		NTB_INTEL_LOG(DEBUG, "%s: speed/width limits ignored", dev->name);
	cntl = ntb_intel_read32(hw, G3_NTBCNTL);
	cntl &= ~(G3_CNTL_LINK_DISABLE | G3_CNTL_CFG_LOCK);
	cntl |= G3_CNTL_SNOOP_ALL;
	ntb_intel_write32(hw, G3_NTBCNTL, cntl);
	if (ntb_intel_read32(hw, G3_NTBCNTL) & G3_CNTL_LINK_DISABLE) {
		NTB_INTEL_LOG(ERR, "%s: the link-disable bit did not clear; check that BIOS does not lock the NTB configuration",
			dev->name);
		return -EIO;
	}
	return 0;
}

static int
g3_link_disable(struct rte_marlin_ntb_dev *dev)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint32_t cntl;

	cntl = ntb_intel_read32(hw, G3_NTBCNTL);
	cntl &= ~G3_CNTL_SNOOP_ALL;
	cntl |= G3_CNTL_LINK_DISABLE | G3_CNTL_CFG_LOCK;
	ntb_intel_write32(hw, G3_NTBCNTL, cntl);
	return 0;
}

static int
g3_mw_get_align(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint64_t len = hw->bar[hw->mw_bar[widx]].len;

	RTE_SET_USED(pidx);
	/* The translation base must be aligned to the whole BAR. */
	align->addr_align = len;
	align->size_align = 1;
	align->size_max = len;
	return 0;
}

static void
g3_close_window(struct ntb_intel_hw *hw, int widx)
{
	uint64_t ext = ntb_intel_read64(hw, G3_EMBAR(widx)) & ~UINT64_C(0xf);

	ntb_intel_write64(hw, G3_IMBAR_XLMT(widx), hw->bar[hw->mw_bar[widx]].phys);
	ntb_intel_write64(hw, G3_IMBAR_XBASE(widx), 0);
	ntb_intel_write64(hw, G3_EMBAR_XLMT(widx), ext);
}

static int
g3_mw_set_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx, void *addr,
		rte_iova_t iova, size_t size)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	const struct ntb_intel_bar *bar = &hw->bar[hw->mw_bar[widx]];
	uint64_t ext;
	int rc;

	RTE_SET_USED(pidx);
	RTE_SET_USED(addr);
	rc = ntb_intel_check_trans(hw, widx, iova, size, bar->len);
	if (rc != 0)
		return rc;
	/* Inbound: where the window lands, and how far it reaches (limit is
	 * an address in our BAR's bus range, not in IOVA space). */
	rc = ntb_intel_write64_verify(hw, G3_IMBAR_XBASE(widx), iova,
			"inbound translation base");
	if (rc == 0)
		rc = ntb_intel_write64_verify(hw, G3_IMBAR_XLMT(widx),
				bar->phys + size, "inbound limit");
	if (rc == 0) {
		/* Link side: same limit relative to the BAR the peer targets. */
		ext = ntb_intel_read64(hw, G3_EMBAR(widx)) & ~UINT64_C(0xf);
		rc = ntb_intel_write64_verify(hw, G3_EMBAR_XLMT(widx),
				ext + size, "link-side limit");
	}
	if (rc != 0) {
		g3_close_window(hw, widx);
		return rc;
	}
	hw->stats.xlat_set++;
	return 0;
}

static int
g3_mw_clear_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	RTE_SET_USED(pidx);
	g3_close_window(ntb_intel_hw(dev), widx);
	return 0;
}

static int
g3_peer_db_set(struct rte_marlin_ntb_dev *dev, int pidx, uint64_t bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	unsigned int bit;

	RTE_SET_USED(pidx);
	/* One register per doorbell bit: write 1 to ring it. */
	while (bits != 0) {
		bit = (unsigned int)rte_bsf64(bits);
		bits &= bits - 1;
		ntb_intel_write32(hw, G3_PEER_DOORBELL + 4 * bit, 1);
		hw->stats.db_rung++;
	}
	return 0;
}

static const struct rte_marlin_ntb_ops g3_ops = {
	.port_number = ntb_intel_port_number,
	.peer_port_count = ntb_intel_peer_port_count,
	.link_is_up = ntb_intel_link_is_up,
	.link_enable = g3_link_enable,
	.link_disable = g3_link_disable,
	.mw_count = ntb_intel_mw_count,
	.mw_get_align = g3_mw_get_align,
	.mw_set_trans = g3_mw_set_trans,
	.mw_clear_trans = g3_mw_clear_trans,
	.peer_mw_count = ntb_intel_peer_mw_count,
	.peer_mw_get_addr = ntb_intel_peer_mw_get_addr,
	.db_valid_mask = ntb_intel_db_valid_mask,
	.db_read = ntb_intel_db_read,
	.db_clear = ntb_intel_db_clear,
	.db_set_mask = ntb_intel_db_set_mask,
	.db_clear_mask = ntb_intel_db_clear_mask,
	.db_read_mask = ntb_intel_db_read_mask,
	.peer_db_set = g3_peer_db_set,
	.spad_count = ntb_intel_spad_count,
	.spad_read = ntb_intel_spad_read,
	.spad_write = ntb_intel_spad_write,
	.peer_spad_read = ntb_intel_peer_spad_read,
	.peer_spad_write = ntb_intel_peer_spad_write,
	.poll = ntb_intel_poll,
	.close = ntb_intel_close,
};

const struct ntb_intel_gen_ops ntb_intel_gen3 = {
	.gen = 3,
	.ops = &g3_ops,
	.init = g3_init,
	.uninit = g3_uninit,
	.link_refresh = g3_link_refresh,
	.stats_update = g3_stats_update,
};
