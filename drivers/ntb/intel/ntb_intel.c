/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Intel Xeon NTB driver: PCI glue. Probe maps the BARs through DPDK
 * (vfio-pci), parses devargs, creates the NTB class device named by the
 * PCI address and, where the kernel offers it, maps the outbound windows
 * write-combining. Interrupt mode (MSI-X through DPDK's interrupt API) is
 * here too.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <bus_pci_driver.h>
#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_interrupts.h>

#include "ntb_intel_private.h"
#include "rte_marlin_args.h"
#include "rte_marlin_rack.h"
#include "rte_marlin_pci.h"

#define NTB_INTEL_ARG_WC	"wc"
#define NTB_INTEL_ARG_B2B_MW	"b2b_mw"
#define NTB_INTEL_ARG_MANAGER	"manager"
#define NTB_INTEL_ARG_HOST	"host"
#define NTB_INTEL_ARG_PEER	"peer"
#define NTB_INTEL_ARG_MW_RANGES	"mw_ranges"

static int
parse_devargs(const char *name, const struct rte_devargs *da,
		struct ntb_intel_args *args)
{
	int b2b_mw = 1, rc;
	const struct rte_marlin_arg table[] = {
		{ .key = NTB_INTEL_ARG_WC, .type = RTE_MARLIN_ARG_AUTO_BOOL,
		  .dst = &args->wc },
		{ .key = NTB_INTEL_ARG_B2B_MW, .type = RTE_MARLIN_ARG_BOOL,
		  .dst = &b2b_mw,
		  .hint = " (1: reach the peer's registers through a window)" },
		{ .key = NTB_INTEL_ARG_MANAGER, .type = RTE_MARLIN_ARG_STRING,
		  .dst = args->manager, .dst_len = sizeof(args->manager),
		  .hint = " (the rack manager's socket)" },
		{ .key = NTB_INTEL_ARG_HOST, .type = RTE_MARLIN_ARG_INT,
		  .min = 0, .max = RTE_MARLIN_RACK_MAX_HOSTS - 1, .dst = &args->host,
		  .hint = " (this port's rack host id, with manager=)" },
		{ .key = NTB_INTEL_ARG_PEER, .type = RTE_MARLIN_ARG_INT,
		  .min = 0, .max = RTE_MARLIN_RACK_MAX_HOSTS - 1, .dst = &args->peer,
		  .hint = " (rack host id across the cable, with manager=)" },
		{ .key = NTB_INTEL_ARG_MW_RANGES, .type = RTE_MARLIN_ARG_BOOL,
		  .dst = &args->mw_ranges,
		  .hint = " (1: the IOMMU maps only ranges exposed with rte_marlin_ntb_mw_expose(), with manager=)" },
	};

	args->wc = -1;
	args->host = -1;
	args->peer = -1;
	rc = rte_marlin_devargs_parse(name, da != NULL ? da->args : NULL, table,
				      RTE_DIM(table), NULL);
	args->b2b_doorbell_reg = !b2b_mw;
	return rc;
}

/*
 * Outbound windows are mapped write-combining through the shared PCI
 * helper (sysfs resourceN_wc): DPDK's own vfio mapping is uncached, which
 * makes stores into the peer's memory many times slower (DPDK's NTB guide
 * quotes > 10x).
 */
static int
setup_wc(struct ntb_intel_hw *hw)
{
	int w, rc;

	if (hw->args.wc == 0)
		return 0;
	for (w = 0; w < hw->mw_count; w++) {
		int barno = hw->mw_bar[w];

		rc = hw->pci == NULL ? -ENODEV :
			rte_marlin_pci_map_wc(hw->pci, barno, hw->bar[barno].len,
					      (void **)&hw->bar[barno].wc_va);
		if (rc == 0)
			continue;
		if (hw->args.wc == 1) {
			NTB_INTEL_LOG(ERR, "%s: wc=on but BAR%d cannot be mapped write-combining (%s): the BAR must be prefetchable and the kernel must offer resource%d_wc",
				hw->dev->name, barno, strerror(-rc), barno);
			return rc;
		}
		NTB_INTEL_LOG(NOTICE, "%s: window %d (BAR%d) is mapped uncached (%s); stores to the peer will be slow. Make the BAR prefetchable in BIOS if it offers that",
			hw->dev->name, w, barno, strerror(-rc));
	}
	return 0;
}

static void
unmap_wc(struct ntb_intel_hw *hw)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(hw->bar); i++) {
		rte_marlin_pci_unmap_wc(hw->bar[i].wc_va, hw->bar[i].len);
		hw->bar[i].wc_va = NULL;
	}
}

static int
ntb_intel_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	struct rte_marlin_ntb_dev *dev;
	struct ntb_intel_hw tmpl, *hw;
	const char *name = pci->device.name;
	uint8_t rev = 0;
	int i, rc;

	RTE_SET_USED(drv);
	memset(&tmpl, 0, sizeof(tmpl));
	rc = parse_devargs(name, pci->device.devargs, &tmpl.args);
	if (rc != 0)
		return rc;
	rc = rte_marlin_pci_check(pci, ntb_intel_logtype);
	if (rc < 0)
		return rc;
	/* With manager=, the port's IOMMU group goes in a VFIO container of
	 * its own before the device is mapped (ntb_intel_vfio.c). */
	tmpl.vfio_container = -1;
	if (tmpl.args.manager[0] != '\0') {
		rc = ntb_intel_vfio_own_container(pci, &tmpl);
		if (rc != 0)
			return rc;
	}
	rc = rte_pci_map_device(pci);
	if (rc != 0) {
		NTB_INTEL_LOG(ERR, "%s: cannot map the device's BARs (bound to vfio-pci?)",
			name);
		ntb_intel_vfio_release(&tmpl);
		return -EIO;
	}
	if (rte_pci_read_config(pci, &rev, 1, 0x08) != 1)
		NTB_INTEL_LOG(WARNING, "%s: cannot read the revision id", name);
	tmpl.pci = pci;
	tmpl.device_id = pci->id.device_id;
	tmpl.revision = rev;
	for (i = 0; i < (int)RTE_DIM(tmpl.bar); i++) {
		tmpl.bar[i].va = pci->mem_resource[i].addr;
		tmpl.bar[i].phys = pci->mem_resource[i].phys_addr;
		tmpl.bar[i].len = pci->mem_resource[i].len;
	}
	tmpl.mmio = tmpl.bar[0].va;

	dev = ntb_intel_dev_create(name, &tmpl);
	if (dev == NULL) {
		rc = -rte_errno;
		rte_pci_unmap_device(pci);
		ntb_intel_vfio_release(&tmpl);
		return rc;
	}
	hw = dev->priv;
	rc = setup_wc(hw);
	if (rc != 0) {
		rte_marlin_ntb_dev_release(dev);
		rte_pci_unmap_device(pci);
		ntb_intel_vfio_release(&tmpl);
		return rc;
	}
	NTB_INTEL_LOG(NOTICE, "%s: %s NTB ready (device 8086:%04x rev 0x%02x)",
		name, hw->chip_name, hw->device_id, hw->revision);
	return 0;
}

static int
ntb_intel_remove(struct rte_pci_device *pci)
{
	struct rte_marlin_ntb_dev *dev = rte_marlin_ntb_dev_get(pci->device.name);
	struct ntb_intel_hw last;
	int users;

	if (dev == NULL)
		return 0;
	/* The PCI bus unmaps the BARs once we return: a device still in use
	 * (its windows mapped by a channel) cannot outlive that. */
	users = rte_marlin_ntb_dev_users(dev);
	if (users > 0) {
		NTB_INTEL_LOG(ERR, "%s: cannot remove: %d user%s (HRDMA channels, EOP ports, CMMC contexts) still hold%s it; close them first",
			pci->device.name, users, users > 1 ? "s" : "",
			users > 1 ? "" : "s");
		return -EBUSY;
	}
	if (ntb_intel_hw(dev)->intr_enabled)
		rte_pmd_ntb_intel_intr_disable(dev->dev_id);
	last.vfio_container = ntb_intel_hw(dev)->vfio_container;
	users = rte_marlin_ntb_dev_release(dev);
	/* the device was mapped by probe, not by the bus */
	rte_pci_unmap_device(pci);
	ntb_intel_vfio_release(&last);
	return users;
}

void
ntb_intel_pci_close(struct ntb_intel_hw *hw)
{
	if (hw->pci != NULL)
		unmap_wc(hw);
}

/* ---- interrupt mode ---- */

int
rte_pmd_ntb_intel_intr_enable(uint16_t dev_id)
{
	struct ntb_intel_hw *hw;
	int n;

	hw = ntb_intel_hw_by_id(dev_id);
	if (hw == NULL)
		return -ENODEV;
	if (hw->intr_enabled)
		return hw->intr_vectors;
	if (hw->pci == NULL || hw->pci->intr_handle == NULL)
		return -ENOTSUP;
	n = rte_marlin_pci_intr_enable(hw->pci, hw->db_vec_count,
				       ntb_intel_logtype);
	if (n < 0)
		return n;
	hw->intr_enabled = 1;
	hw->intr_vectors = n;
	return n;
}

int
rte_pmd_ntb_intel_intr_disable(uint16_t dev_id)
{
	struct ntb_intel_hw *hw;

	hw = ntb_intel_hw_by_id(dev_id);
	if (hw == NULL)
		return -ENODEV;
	if (!hw->intr_enabled)
		return 0;
	rte_marlin_pci_intr_disable(hw->pci);
	hw->intr_enabled = 0;
	hw->intr_vectors = 0;
	return 0;
}

int
rte_pmd_ntb_intel_intr_fd(uint16_t dev_id, int vector)
{
	struct ntb_intel_hw *hw;

	hw = ntb_intel_hw_by_id(dev_id);
	if (hw == NULL)
		return -ENODEV;
	if (!hw->intr_enabled)
		return -EINVAL;
	return rte_marlin_pci_intr_fd(hw->pci, hw->intr_vectors, vector);
}

/* ---- registration ---- */

static const struct rte_pci_id ntb_intel_pci_ids[] = {
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_JSF) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_PS_JSF) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_SS_JSF) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_SNB) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_PS_SNB) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_SS_SNB) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_IVT) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_PS_IVT) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_SS_IVT) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_HSX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_PS_HSX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_SS_HSX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_BDX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_PS_BDX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_SS_BDX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_SKX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_ICX) },
	{ RTE_PCI_DEVICE(NTB_INTEL_VENDOR, NTB_INTEL_ID_B2B_GNR) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver ntb_intel_pmd = {
	.id_table = ntb_intel_pci_ids,
	/* no RTE_PCI_DRV_NEED_MAPPING: probe maps the device itself, after
	 * choosing its VFIO container */
	.drv_flags = RTE_PCI_DRV_WC_ACTIVATE,
	.probe = ntb_intel_probe,
	.remove = ntb_intel_remove,
};

RTE_PMD_REGISTER_PCI(ntb_intel, ntb_intel_pmd);
RTE_PMD_REGISTER_PCI_TABLE(ntb_intel, ntb_intel_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(ntb_intel, "vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(ntb_intel,
	NTB_INTEL_ARG_WC "=auto|on|off "
	NTB_INTEL_ARG_B2B_MW "=0|1 "
	NTB_INTEL_ARG_MANAGER "=<socket> "
	NTB_INTEL_ARG_HOST "=<0-63> "
	NTB_INTEL_ARG_PEER "=<0-63> "
	NTB_INTEL_ARG_MW_RANGES "=0|1");
