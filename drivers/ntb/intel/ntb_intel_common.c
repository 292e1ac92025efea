/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Pieces shared by the three generations: device identification, device
 * creation over a mapped BAR or a register model, and the class ops whose
 * behaviour only differs by register offsets (held in struct ntb_intel_hw).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_pci.h>
#include <bus_pci_driver.h>
#include <rte_common.h>
#include <rte_errno.h>

#include "ntb_intel_private.h"

RTE_LOG_REGISTER(ntb_intel_logtype, pmd.ntb.intel, NOTICE);

/* ---- identification ---- */

struct ntb_intel_id {
	uint16_t device_id;
	uint8_t rev_min;
	uint8_t rev_max;
	enum ntb_intel_chip chip;
	const char *name;
	const struct ntb_intel_gen_ops *gen;
	int b2b;    /* the id itself says back-to-back (gen1 has per-mode ids) */
};

/* Ids per the public Linux ntb_hw_intel.h and ntb_hw_gen4.h; the gen1
 * PS/SS ids (primary/secondary, i.e. transparent or root-port mode) are
 * listed so that probe can say what to change in BIOS. */
static const struct ntb_intel_id ntb_intel_ids[] = {
	{ NTB_INTEL_ID_B2B_JSF, 0, 0xff, NTB_INTEL_CHIP_JSF, "Jaketown (JSF)", &ntb_intel_gen1, 1 },
	{ NTB_INTEL_ID_PS_JSF, 0, 0xff, NTB_INTEL_CHIP_JSF, "Jaketown (JSF)", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_SS_JSF, 0, 0xff, NTB_INTEL_CHIP_JSF, "Jaketown (JSF)", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_B2B_SNB, 0, 0xff, NTB_INTEL_CHIP_SNB, "Sandy Bridge-EP", &ntb_intel_gen1, 1 },
	{ NTB_INTEL_ID_PS_SNB, 0, 0xff, NTB_INTEL_CHIP_SNB, "Sandy Bridge-EP", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_SS_SNB, 0, 0xff, NTB_INTEL_CHIP_SNB, "Sandy Bridge-EP", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_B2B_IVT, 0, 0xff, NTB_INTEL_CHIP_IVT, "Ivy Town", &ntb_intel_gen1, 1 },
	{ NTB_INTEL_ID_PS_IVT, 0, 0xff, NTB_INTEL_CHIP_IVT, "Ivy Town", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_SS_IVT, 0, 0xff, NTB_INTEL_CHIP_IVT, "Ivy Town", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_B2B_HSX, 0, 0xff, NTB_INTEL_CHIP_HSX, "Haswell-EP", &ntb_intel_gen1, 1 },
	{ NTB_INTEL_ID_PS_HSX, 0, 0xff, NTB_INTEL_CHIP_HSX, "Haswell-EP", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_SS_HSX, 0, 0xff, NTB_INTEL_CHIP_HSX, "Haswell-EP", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_B2B_BDX, 0, 0xff, NTB_INTEL_CHIP_BDX, "Broadwell-EP", &ntb_intel_gen1, 1 },
	{ NTB_INTEL_ID_PS_BDX, 0, 0xff, NTB_INTEL_CHIP_BDX, "Broadwell-EP", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_SS_BDX, 0, 0xff, NTB_INTEL_CHIP_BDX, "Broadwell-EP", &ntb_intel_gen1, 0 },
	{ NTB_INTEL_ID_B2B_SKX, 0, 0xff, NTB_INTEL_CHIP_SKX, "Skylake-SP", &ntb_intel_gen3, 1 },
	{ NTB_INTEL_ID_B2B_ICX, NTB_INTEL_ICX_REV_MIN, NTB_INTEL_ICX_REV_MAX,
	  NTB_INTEL_CHIP_ICX, "Ice Lake-SP", &ntb_intel_gen4, 1 },
	{ NTB_INTEL_ID_B2B_ICX, NTB_INTEL_ICX_REV_MAX + 1, 0xff,
	  NTB_INTEL_CHIP_SPR, "Sapphire Rapids", &ntb_intel_gen4, 1 },
	{ NTB_INTEL_ID_B2B_GNR, 0, 0xff, NTB_INTEL_CHIP_GNR, "Granite Rapids", &ntb_intel_gen4, 1 },
};

enum ntb_intel_chip
ntb_intel_chip_lookup(uint16_t device_id, uint8_t revision,
		const struct ntb_intel_gen_ops **gen, const char **name,
		int *b2b_id)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(ntb_intel_ids); i++) {
		const struct ntb_intel_id *id = &ntb_intel_ids[i];

		if (id->device_id != device_id || revision < id->rev_min ||
				revision > id->rev_max)
			continue;
		if (gen != NULL)
			*gen = id->gen;
		if (name != NULL)
			*name = id->name;
		if (b2b_id != NULL)
			*b2b_id = id->b2b;
		return id->chip;
	}
	return NTB_INTEL_CHIP_UNKNOWN;
}

const char *
ntb_intel_size_str(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (UINT64_C(1) << 30) && (bytes & ((UINT64_C(1) << 30) - 1)) == 0)
		snprintf(buf, len, "%" PRIu64 " GiB", bytes >> 30);
	else if (bytes >= (UINT64_C(1) << 20) && (bytes & ((UINT64_C(1) << 20) - 1)) == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", bytes >> 20);
	else if (bytes >= 1024 && (bytes & 1023) == 0)
		snprintf(buf, len, "%" PRIu64 " KiB", bytes >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
	return buf;
}

/* ---- config space ---- */

int
ntb_intel_cfg_read(struct ntb_intel_hw *hw, uint32_t off, void *buf, size_t len)
{
	int rc;

	if (hw->io != NULL)
		rc = hw->io->cfg_read(hw->io->ctx, off, buf, len);
	else if (hw->pci != NULL)
		rc = rte_pci_read_config(hw->pci, buf, len, off);
	else
		rc = -ENODEV;
	if (rc != (int)len) {
		memset(buf, 0xff, len);
		return -EIO;
	}
	return 0;
}

int
ntb_intel_cfg_write(struct ntb_intel_hw *hw, uint32_t off, const void *buf,
		size_t len)
{
	int rc;

	if (hw->io != NULL)
		rc = hw->io->cfg_write(hw->io->ctx, off, buf, len);
	else if (hw->pci != NULL)
		rc = rte_pci_write_config(hw->pci, buf, len, off);
	else
		rc = -ENODEV;
	return rc == (int)len ? 0 : -EIO;
}

/* ---- device creation ---- */

struct rte_marlin_ntb_dev *
ntb_intel_dev_create(const char *name, const struct ntb_intel_hw *tmpl)
{
	const struct ntb_intel_gen_ops *gen = NULL;
	struct rte_marlin_ntb_dev *dev;
	struct ntb_intel_hw *hw;
	const char *chip_name = NULL;
	enum ntb_intel_chip chip;
	int b2b_id = 0, rc;

	chip = ntb_intel_chip_lookup(tmpl->device_id, tmpl->revision, &gen,
			&chip_name, &b2b_id);
	if (chip == NTB_INTEL_CHIP_UNKNOWN) {
		NTB_INTEL_LOG(ERR, "%s: device 8086:%04x revision 0x%02x is not an Intel NTB this driver knows",
			name, tmpl->device_id, tmpl->revision);
		rte_errno = ENODEV;
		return NULL;
	}
	if (tmpl->mmio == NULL && tmpl->io == NULL) {
		NTB_INTEL_LOG(ERR, "%s: BAR0 (registers) is not mapped: bind the port to vfio-pci",
			name);
		rte_errno = EINVAL;
		return NULL;
	}
	dev = rte_marlin_ntb_dev_allocate(name, NTB_INTEL_DRIVER_NAME, gen->ops,
			sizeof(*hw));
	if (dev == NULL)
		return NULL;
	hw = dev->priv;
	*hw = *tmpl;
	hw->dev = dev;
	hw->gen = gen;
	hw->chip = chip;
	hw->chip_name = chip_name;
	hw->b2b_idx = -1;
	if (!b2b_id) {
		NTB_INTEL_LOG(ERR, "%s: %s NTB id 8086:%04x is a primary/secondary (transparent or root-port) port; Marlin drives back-to-back ports only: set the port to \"NTB to NTB\" in BIOS",
			name, chip_name, tmpl->device_id);
		rc = -EINVAL;
		goto fail;
	}
	rc = gen->init(hw);
	if (rc != 0)
		goto fail;
	rc = ntb_intel_grant_attach(hw);
	if (rc != 0)
		goto fail_grant;
	dev->topo = hw->topo;
	dev->device = hw->pci != NULL ? &hw->pci->device : NULL;
	gen->link_refresh(hw);
	hw->stats.lnksts = hw->lnk_sta;
	NTB_INTEL_LOG(INFO, "%s: %s (gen%d) %s, %d windows, %d doorbells, %d scratchpads",
		name, chip_name, gen->gen,
		hw->topo == RTE_MARLIN_NTB_TOPO_B2B_USD ? "B2B upstream side" :
		"B2B downstream side", hw->mw_count, hw->db_count, hw->spad_count);
	return dev;
fail_grant:
	gen->uninit(hw);
fail:
	/* Do not let close() touch registers of a half-initialised device. */
	hw->gen = NULL;
	rte_marlin_ntb_dev_release(dev);
	rte_errno = -rc;
	return NULL;
}

/* ---- common ops ---- */

int
ntb_intel_port_number(struct rte_marlin_ntb_dev *dev)
{
	/* As Linux's default: the upstream side is port 0, downstream 1. */
	return ntb_intel_hw(dev)->topo == RTE_MARLIN_NTB_TOPO_B2B_DSD ? 1 : 0;
}

int
ntb_intel_peer_port_count(struct rte_marlin_ntb_dev *dev)
{
	RTE_SET_USED(dev);
	return 1;
}

int
ntb_intel_link_is_up(struct rte_marlin_ntb_dev *dev, int pidx,
		struct rte_marlin_ntb_link *link)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	uint16_t old = hw->lnk_sta;

	RTE_SET_USED(pidx);
	hw->gen->link_refresh(hw);
	if ((old ^ hw->lnk_sta) & NTB_INTEL_LNKSTS_ACTIVE) {
		if (hw->lnk_sta & NTB_INTEL_LNKSTS_ACTIVE)
			hw->stats.link_up++;
		else
			hw->stats.link_down++;
	}
	hw->stats.lnksts = hw->lnk_sta;
	if (hw->lnk_sta & NTB_INTEL_LNKSTS_ACTIVE) {
		link->up = 1;
		link->speed = (enum rte_marlin_ntb_speed)
			NTB_INTEL_LNKSTS_SPEED(hw->lnk_sta);
		link->width = (enum rte_marlin_ntb_width)
			NTB_INTEL_LNKSTS_WIDTH(hw->lnk_sta);
	} else {
		link->up = 0;
		link->speed = RTE_MARLIN_NTB_SPEED_NONE;
		link->width = RTE_MARLIN_NTB_WIDTH_NONE;
	}
	link->peer_epoch = 0; /* the silicon cannot tell a peer restart */
	return 0;
}

int
ntb_intel_mw_count(struct rte_marlin_ntb_dev *dev, int pidx)
{
	RTE_SET_USED(pidx);
	return ntb_intel_hw(dev)->mw_count;
}

int
ntb_intel_peer_mw_count(struct rte_marlin_ntb_dev *dev, int pidx)
{
	/* Inbound and outbound windows pair up BAR by BAR. */
	RTE_SET_USED(pidx);
	return ntb_intel_hw(dev)->mw_count;
}

int
ntb_intel_peer_mw_get_addr(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		void **base, size_t *size)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	struct ntb_intel_bar *bar = &hw->bar[hw->mw_bar[widx]];
	uint64_t off = widx == hw->b2b_idx ? hw->b2b_off : 0;
	uint8_t *va = bar->wc_va != NULL ? bar->wc_va : bar->va;

	RTE_SET_USED(pidx);
	if (va == NULL || bar->len <= off)
		return -ENOMEM;
	*base = va + off;
	*size = bar->len - off;
	return 0;
}

int
ntb_intel_db_valid_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask)
{
	*mask = ntb_intel_hw(dev)->db_valid_mask;
	return 0;
}

int
ntb_intel_db_read(struct rte_marlin_ntb_dev *dev, uint64_t *bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	*bits = ntb_intel_rd(hw, NTB_INTEL_REGION_SELF, hw->reg_db_status,
			hw->db_width) & hw->db_valid_mask;
	return 0;
}

int
ntb_intel_db_clear(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	bits &= hw->db_valid_mask;
	ntb_intel_wr(hw, NTB_INTEL_REGION_SELF, hw->reg_db_status, bits,
			hw->db_width);
	hw->stats.db_cleared += (uint64_t)__builtin_popcountll(bits);
	return 0;
}

static void
db_mask_write(struct ntb_intel_hw *hw)
{
	ntb_intel_wr(hw, NTB_INTEL_REGION_SELF, hw->reg_db_mask, hw->db_mask,
			hw->db_width);
}

int
ntb_intel_db_set_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	hw->db_mask |= bits & hw->db_valid_mask;
	db_mask_write(hw);
	return 0;
}

int
ntb_intel_db_clear_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	hw->db_mask &= ~(bits & hw->db_valid_mask);
	db_mask_write(hw);
	return 0;
}

int
ntb_intel_db_read_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	*mask = ntb_intel_rd(hw, NTB_INTEL_REGION_SELF, hw->reg_db_mask,
			hw->db_width) & hw->db_valid_mask;
	return 0;
}

int
ntb_intel_spad_count(struct rte_marlin_ntb_dev *dev)
{
	return ntb_intel_hw(dev)->spad_count;
}

int
ntb_intel_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	RTE_SET_USED(pidx);
	*val = ntb_intel_read32(hw, hw->reg_spad + 4 * (uint32_t)sidx);
	return 0;
}

int
ntb_intel_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	RTE_SET_USED(pidx);
	ntb_intel_write32(hw, hw->reg_spad + 4 * (uint32_t)sidx, val);
	return 0;
}

/* Scratchpad accesses to the peer cross the link: refuse them while it is
 * down rather than let a read return all-ones. */
static int
peer_link_check(struct ntb_intel_hw *hw)
{
	hw->gen->link_refresh(hw);
	return (hw->lnk_sta & NTB_INTEL_LNKSTS_ACTIVE) ? 0 : -ENOLINK;
}

int
ntb_intel_peer_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	int rc = peer_link_check(hw);

	RTE_SET_USED(pidx);
	if (rc != 0)
		return rc;
	*val = (uint32_t)ntb_intel_rd(hw, hw->peer_region,
			hw->reg_peer_spad + 4 * (uint32_t)sidx, 4);
	return 0;
}

int
ntb_intel_peer_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	int rc = peer_link_check(hw);

	RTE_SET_USED(pidx);
	if (rc != 0)
		return rc;
	ntb_intel_wr(hw, hw->peer_region, hw->reg_peer_spad + 4 * (uint32_t)sidx,
			val, 4);
	return 0;
}

int
ntb_intel_poll(struct rte_marlin_ntb_dev *dev)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	hw->gen->stats_update(hw);
	ntb_intel_grant_poll(hw);
	return 0;
}

void
ntb_intel_close(struct rte_marlin_ntb_dev *dev)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	if (hw == NULL)
		return;
	ntb_intel_grant_detach(hw);
	if (hw->gen != NULL)
		hw->gen->uninit(hw);
	ntb_intel_pci_close(hw);
}

/* ---- translation checks ---- */

int
ntb_intel_check_trans(struct ntb_intel_hw *hw, int widx, rte_iova_t iova,
		size_t size, uint64_t addr_align)
{
	int barno = hw->mw_bar[widx];
	uint64_t bar_len = hw->bar[barno].len;
	uint64_t usable = bar_len - (widx == hw->b2b_idx ? hw->b2b_off : 0);
	char b1[32], b2[32];

	if (addr_align != 0 && (iova & (addr_align - 1)) != 0) {
		NTB_INTEL_LOG(ERR, "%s: window %d: IOVA 0x%" PRIx64 " is not aligned to %s%s; allocate the buffer with that alignment (rte_marlin_ntb_mw_alloc() does), or make BAR%d smaller in BIOS so that hugepages can meet the alignment",
			hw->dev->name, widx, (uint64_t)iova,
			ntb_intel_size_str(addr_align, b1, sizeof(b1)),
			addr_align == bar_len ? " (the BAR size, a rule of this silicon)" : "",
			barno);
		hw->stats.xlat_errors++;
		return -EINVAL;
	}
	if (size > usable) {
		NTB_INTEL_LOG(ERR, "%s: window %d: %s asked but BAR%d is only %s (set by BIOS); raise the NTB BAR%d size in BIOS setup (same on both hosts) or ask for less",
			hw->dev->name, widx,
			ntb_intel_size_str(size, b1, sizeof(b1)), barno,
			ntb_intel_size_str(usable, b2, sizeof(b2)), barno);
		hw->stats.xlat_errors++;
		return -EINVAL;
	}
	return 0;
}

int
ntb_intel_write64_verify(struct ntb_intel_hw *hw, uint32_t off, uint64_t val,
		const char *what)
{
	uint64_t got;

	ntb_intel_write64(hw, off, val);
	got = ntb_intel_read64(hw, off);
	if (got != val) {
		NTB_INTEL_LOG(ERR, "%s: %s (BAR0+0x%x) read back 0x%" PRIx64 " after writing 0x%" PRIx64 "; the port may be locked by BIOS (NTB configuration lock) or the value is outside what the register holds",
			hw->dev->name, what, off, got, val);
		hw->stats.xlat_errors++;
		return -EIO;
	}
	return 0;
}

/* ---- driver-specific public API ---- */

struct ntb_intel_hw *
ntb_intel_hw_by_id(uint16_t dev_id)
{
	struct rte_marlin_ntb_info info;
	struct rte_marlin_ntb_dev *dev;

	if (rte_marlin_ntb_info_get(dev_id, &info) != 0)
		return NULL;
	dev = rte_marlin_ntb_dev_get(info.name);
	if (dev == NULL || dev->driver == NULL ||
			strcmp(dev->driver, NTB_INTEL_DRIVER_NAME) != 0)
		return NULL;
	return dev->priv;
}

int
rte_pmd_ntb_intel_stats_get(uint16_t dev_id,
		struct rte_pmd_ntb_intel_stats *stats)
{
	struct ntb_intel_hw *hw = ntb_intel_hw_by_id(dev_id);

	if (hw == NULL)
		return -ENODEV;
	if (stats == NULL)
		return -EINVAL;
	hw->gen->stats_update(hw);
	*stats = hw->stats;
	return 0;
}

int
rte_pmd_ntb_intel_stats_reset(uint16_t dev_id)
{
	struct ntb_intel_hw *hw = ntb_intel_hw_by_id(dev_id);

	if (hw == NULL)
		return -ENODEV;
	hw->gen->stats_update(hw);
	hw->stats.mem_miss = 0;
	hw->stats.db_rung = 0;
	hw->stats.db_cleared = 0;
	hw->stats.link_up = 0;
	hw->stats.link_down = 0;
	hw->stats.xlat_set = 0;
	hw->stats.xlat_errors = 0;
	return 0;
}

int
rte_pmd_ntb_intel_info_get(uint16_t dev_id, struct rte_pmd_ntb_intel_info *info)
{
	struct ntb_intel_hw *hw = ntb_intel_hw_by_id(dev_id);
	int i;

	if (hw == NULL)
		return -ENODEV;
	if (info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->chip = hw->chip_name;
	info->generation = hw->gen->gen;
	info->device_id = hw->device_id;
	info->revision = hw->revision;
	info->errata = hw->errata;
	for (i = 0; i < 2 && i < hw->mw_count; i++) {
		const struct ntb_intel_bar *bar = &hw->bar[hw->mw_bar[i]];

		info->bar_size[i] = bar->len;
		info->wc[i] = bar->wc_va != NULL;
	}
	info->db_vectors = hw->db_vec_count;
	return 0;
}

int
rte_pmd_ntb_intel_db_vector_mask(uint16_t dev_id, int vector, uint64_t *mask)
{
	struct ntb_intel_hw *hw = ntb_intel_hw_by_id(dev_id);
	uint64_t m;

	if (hw == NULL)
		return -ENODEV;
	if (mask == NULL || vector < 0 || vector >= hw->db_vec_count)
		return -EINVAL;
	m = (RTE_BIT64(hw->db_vec_shift) - 1) << (hw->db_vec_shift * vector);
	*mask = m & hw->db_valid_mask;
	return 0;
}
