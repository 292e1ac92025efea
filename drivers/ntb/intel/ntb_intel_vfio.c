/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The port's own VFIO container (manager= only). DPDK's default container
 * maps all of DPDK's memory for every device in it, so an NTB there would
 * let the peer's stores reach any DPDK memory its translation is pointed
 * at. In a container of its own the port's IOMMU domain holds only what
 * the rack manager granted (ntb_intel_grant.c maps and unmaps it), and a
 * read-only grant is mapped device-readable only.
 *
 * The group is bound to the new container before the device is mapped
 * (the driver maps it itself, not the bus), so DPDK's vfio setup finds it
 * there and leaves the default container out. Untested on silicon: the
 * unit tests run the same grant logic against a model IOMMU.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include <rte_bus_pci.h>
#include <rte_vfio.h>
#include <bus_pci_driver.h>

#include "ntb_intel_private.h"

static int
vfio_map(void *ctx, uint64_t iova, void *va, size_t len, int writable)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ |
			(writable ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	return ioctl((int)(intptr_t)ctx, VFIO_IOMMU_MAP_DMA, &m) == 0 ? 0 : -errno;
}

static int
vfio_unmap(void *ctx, uint64_t iova, size_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};

	if (ioctl((int)(intptr_t)ctx, VFIO_IOMMU_UNMAP_DMA, &u) != 0)
		return -errno;
	return u.size == len ? 0 : -EIO;
}

int
ntb_intel_vfio_own_container(struct rte_pci_device *pci,
		struct ntb_intel_hw *tmpl)
{
	int group = -1, container, rc;

	rc = rte_vfio_get_group_num(rte_pci_get_sysfs_path(), pci->name, &group);
	if (rc <= 0) {
		NTB_INTEL_LOG(ERR, "%s: manager= needs the port behind an IOMMU (vfio-pci with an IOMMU group); none found: enable the IOMMU (intel_iommu=on)",
			pci->name);
		return -ENODEV;
	}
	container = rte_vfio_container_create();
	if (container < 0) {
		NTB_INTEL_LOG(ERR, "%s: cannot create a VFIO container of its own (DPDK allows a few per process)",
			pci->name);
		return -ENOSPC;
	}
	if (rte_vfio_container_group_bind(container, group) < 0) {
		NTB_INTEL_LOG(ERR, "%s: cannot put IOMMU group %d in its own VFIO container (is another device of the group probed already?)",
			pci->name, group);
		rte_vfio_container_destroy(container);
		return -EBUSY;
	}
	tmpl->vfio_container = container;
	tmpl->iommu.map = vfio_map;
	tmpl->iommu.unmap = vfio_unmap;
	tmpl->iommu.ctx = (void *)(intptr_t)container;
	return 0;
}

void
ntb_intel_vfio_release(struct ntb_intel_hw *hw)
{
	if (hw->vfio_container >= 0) {
		rte_vfio_container_destroy(hw->vfio_container);
		hw->vfio_container = -1;
	}
}
