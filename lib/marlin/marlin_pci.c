/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * PCI/VFIO helper shared by the PCI NTB drivers (see rte_marlin_pci.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <bus_pci_driver.h>
#include <rte_common.h>
#include <rte_interrupts.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "rte_marlin_pci.h"

#define PCI_LOG(lt, level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, (uint32_t)(lt), fmt "\n", ##__VA_ARGS__)

#define PCI_CFG_STATUS		0x06
#define PCI_CFG_STATUS_CAPS	0x10
#define PCI_CFG_CAP_PTR		0x34
#define PCI_CAP_ID_MSIX		0x11
#define PCI_MSIX_FLAGS		2
#define PCI_MSIX_QSIZE		0x07ff

static const char *
kdrv_name(enum rte_pci_kernel_driver k)
{
	switch (k) {
	case RTE_PCI_KDRV_VFIO:
		return "vfio-pci";
	case RTE_PCI_KDRV_IGB_UIO:
		return "igb_uio";
	case RTE_PCI_KDRV_UIO_GENERIC:
		return "uio_pci_generic";
	case RTE_PCI_KDRV_NONE:
		return "no driver";
	default:
		return "an unknown driver";
	}
}

int
rte_marlin_pci_check(struct rte_pci_device *pci, int logtype)
{
	const char *name = pci->device.name;
	int noiommu = 0;

	if (pci->kdrv != RTE_PCI_KDRV_VFIO) {
		PCI_LOG(logtype, WARNING,
			"%s: bound to %s; Marlin is meant to use vfio-pci (dpdk-devbind.py -b vfio-pci %s)",
			name, kdrv_name(pci->kdrv), name);
	} else if (rte_vfio_noiommu_is_enabled() == 1) {
		noiommu = 1;
		PCI_LOG(logtype, NOTICE,
			"%s: VFIO runs in no-IOMMU mode: the device's DMA is not isolated and the kernel is tainted; use an IOMMU (intel_iommu=on) where there is one",
			name);
	} else {
		PCI_LOG(logtype, INFO, "%s: vfio-pci with an IOMMU", name);
	}
	if (rte_pci_set_bus_master(pci, true) != 0) {
		PCI_LOG(logtype, ERR,
			"%s: cannot enable bus mastering; MSI-X and DMA would silently not work",
			name);
		return -EIO;
	}
	return noiommu;
}

int
rte_marlin_pci_map_wc(const struct rte_pci_device *pci, int bar, size_t len,
		void **va)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	if (pci == NULL || va == NULL || bar < 0 || bar >= PCI_MAX_RESOURCE ||
	    len == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/resource%d_wc",
		rte_pci_get_sysfs_path(), pci->name, bar);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	*va = p;
	return 0;
}

void
rte_marlin_pci_unmap_wc(void *va, size_t len)
{
	if (va != NULL)
		munmap(va, len);
}

int
rte_marlin_pci_msix_count(const struct rte_pci_device *pci)
{
	uint16_t status, flags;
	uint8_t pos, hdr[2];
	int hops;

	if (rte_pci_read_config(pci, &status, 2, PCI_CFG_STATUS) != 2)
		return -EIO;
	if (!(status & PCI_CFG_STATUS_CAPS))
		return 0;
	if (rte_pci_read_config(pci, &pos, 1, PCI_CFG_CAP_PTR) != 1)
		return -EIO;
	/* A capability list has at most 48 entries in 256 bytes. */
	for (hops = 0; hops < 48 && pos >= 0x40; hops++) {
		pos &= ~3u;
		if (rte_pci_read_config(pci, hdr, 2, pos) != 2)
			return -EIO;
		if (hdr[0] == PCI_CAP_ID_MSIX) {
			if (rte_pci_read_config(pci, &flags, 2,
					pos + PCI_MSIX_FLAGS) != 2)
				return -EIO;
			return (flags & PCI_MSIX_QSIZE) + 1;
		}
		pos = hdr[1];
	}
	return 0;
}

int
rte_marlin_pci_intr_enable(struct rte_pci_device *pci, int nvec, int logtype)
{
	const char *name = pci->device.name;
	struct rte_intr_handle *ih = pci->intr_handle;

	if (nvec < 1 || nvec > RTE_MAX_RXTX_INTR_VEC_ID)
		return -EINVAL;
	if (ih == NULL || !rte_intr_cap_multiple(ih)) {
		PCI_LOG(logtype, ERR,
			"%s: no MSI-X through this kernel driver; bind the function to vfio-pci",
			name);
		return -ENOTSUP;
	}
	/* Vector 0 is the handle's own fd; vectors 1..n-1 get event fds. */
	if (nvec > 1 && rte_intr_efd_enable(ih, (uint32_t)(nvec - 1)) != 0) {
		PCI_LOG(logtype, ERR, "%s: cannot create %d interrupt event fds",
			name, nvec - 1);
		return -EIO;
	}
	if (rte_intr_enable(ih) != 0) {
		PCI_LOG(logtype, ERR, "%s: DPDK could not enable %d MSI-X vectors",
			name, nvec);
		rte_intr_efd_disable(ih);
		return -EIO;
	}
	return nvec;
}

void
rte_marlin_pci_intr_disable(struct rte_pci_device *pci)
{
	if (pci == NULL || pci->intr_handle == NULL)
		return;
	rte_intr_disable(pci->intr_handle);
	rte_intr_efd_disable(pci->intr_handle);
}

int
rte_marlin_pci_intr_fd(const struct rte_pci_device *pci, int nvec,
		int vector)
{
	if (pci == NULL || pci->intr_handle == NULL || vector < 0 ||
	    vector >= nvec)
		return -EINVAL;
	if (vector == 0)
		return rte_intr_fd_get(pci->intr_handle);
	return rte_intr_efds_index_get(pci->intr_handle, vector - 1);
}
