/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_ivshmem PCI glue: probe a QEMU ivshmem function bound to vfio-pci,
 * parse devargs, map BAR2 write-combining where the kernel offers it,
 * enable MSI-X through the shared PCI helper, and create the NTB class
 * device named by the PCI address.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <string.h>

#include <rte_bus_pci.h>
#include <bus_pci_driver.h>
#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_io.h>

#include "ivshmem_private.h"
#include "rte_marlin_args.h"
#include "rte_marlin_pci.h"

#define IVSH_VENDOR 0x1af4
#define IVSH_DEVICE 0x1110

#define IVSH_DEFAULT_HOSTS 2
#define IVSH_DEFAULT_SPADS 16
#define IVSH_DEFAULT_LINK_TIMEOUT_MS 2000

static int
parse_devargs(const char *name, const struct rte_devargs *da,
		struct ivsh_params *p)
{
	const struct rte_marlin_arg table[] = {
		{ .key = "host", .type = RTE_MARLIN_ARG_INT, .min = 0,
		  .max = IVSH_WIRE_MAX_HOSTS - 1, .dst = &p->host,
		  .hint = " (this guest's port; ivshmem-plain only: "
			  "ivshmem-doorbell takes the server's peer id)" },
		{ .key = "hosts", .type = RTE_MARLIN_ARG_INT, .min = 2,
		  .max = IVSH_WIRE_MAX_HOSTS, .dst = &p->hosts,
		  .hint = " (guests sharing the memory, the same in each)" },
		{ .key = "mw", .type = RTE_MARLIN_ARG_INT, .min = 1,
		  .max = IVSH_WIRE_MAX_MW, .dst = &p->mw_count },
		{ .key = "mw_size", .type = RTE_MARLIN_ARG_SIZE,
		  .min = IVSH_WIRE_PAGE, .max = INT64_MAX, .dst = &p->mw_size },
		{ .key = "spads", .type = RTE_MARLIN_ARG_INT, .min = 0,
		  .max = IVSH_WIRE_MAX_SPADS, .dst = &p->spad_count },
		{ .key = "link_timeout_ms", .type = RTE_MARLIN_ARG_INT,
		  .min = 10, .max = 600000, .dst = &p->link_timeout_ms },
		{ .key = "wc", .type = RTE_MARLIN_ARG_AUTO_BOOL, .dst = &p->wc },
		{ .key = "intr", .type = RTE_MARLIN_ARG_AUTO_BOOL,
		  .dst = &p->intr },
	};

	p->host = -1;
	p->hosts = IVSH_DEFAULT_HOSTS;
	p->mw_count = 1;
	p->mw_size = 0;
	p->spad_count = IVSH_DEFAULT_SPADS;
	p->link_timeout_ms = IVSH_DEFAULT_LINK_TIMEOUT_MS;
	p->wc = -1;
	p->intr = -1;
	return rte_marlin_devargs_parse(name, da != NULL ? da->args : NULL,
		table, RTE_DIM(table), NULL);
}

/* The own port: the server's peer id on ivshmem-doorbell, host= on plain. */
static int
pick_host(const char *name, struct ivsh_params *p, volatile uint8_t *bar0,
		int doorbell)
{
	int32_t id;

	if (!doorbell) {
		if (p->host < 0) {
			IVSH_LOG(ERR, "%s: ivshmem-plain has no peer id: give each guest host=N (0..hosts-1, all different)",
				name);
			return -EINVAL;
		}
		return 0;
	}
	id = (int32_t)rte_read32(bar0 + IVSH_REG_IVPOSITION);
	if (id < 0 || id >= IVSH_WIRE_MAX_HOSTS) {
		IVSH_LOG(ERR, "%s: the ivshmem server gave this guest peer id %d; the driver takes ids 0..%d: restart the server, or start fewer guests",
			name, id, IVSH_WIRE_MAX_HOSTS - 1);
		return -ERANGE;
	}
	if (p->host >= 0 && p->host != id) {
		IVSH_LOG(ERR, "%s: host=%d given but the ivshmem server says this guest is peer %d: drop host= on ivshmem-doorbell",
			name, p->host, id);
		return -EINVAL;
	}
	p->host = id;
	return 0;
}

static int
setup_wc(struct ivsh_dev *d, struct rte_pci_device *pci, int wc)
{
	void *va;
	int rc;

	if (wc == 0)
		return 0;
	rc = rte_marlin_pci_map_wc(pci, 2, pci->mem_resource[2].len, &va);
	if (rc == 0) {
		d->wc_va = va;
		d->stats.wc = 1;
		return 0;
	}
	if (wc == 1) {
		IVSH_LOG(ERR, "%s: wc=on but BAR2 cannot be mapped write-combining (%s)",
			pci->device.name, strerror(-rc));
		return rc;
	}
	IVSH_LOG(INFO, "%s: BAR2 mapped uncached (%s)", pci->device.name,
		strerror(-rc));
	return 0;
}

static int
setup_intr(struct ivsh_dev *d, struct rte_pci_device *pci, int intr)
{
	int n, rc;

	if (intr == 0 || !d->doorbell)
		return 0;
	n = rte_marlin_pci_msix_count(pci);
	if (n > IVSH_WIRE_MAX_VECTORS)
		n = IVSH_WIRE_MAX_VECTORS;
	if (n <= 0) {
		if (intr == 1) {
			IVSH_LOG(ERR, "%s: intr=on but the device has no MSI-X vectors: use ivshmem-doorbell with vectors=N",
				pci->device.name);
			return -ENOTSUP;
		}
		return 0;
	}
	rc = rte_marlin_pci_intr_enable(pci, n, ivsh_logtype);
	if (rc < 0) {
		if (intr == 1)
			return rc;
		IVSH_LOG(NOTICE, "%s: doorbells by polling only", pci->device.name);
		return 0;
	}
	d->intr_vectors = n;
	d->stats.vectors = n;
	ivsh_irq_mask_publish(d);
	return 0;
}

static int
ivsh_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	const char *name = pci->device.name;
	struct rte_marlin_ntb_dev *dev;
	struct ivsh_params p;
	struct ivsh_hw hw;
	struct ivsh_dev *d;
	int rc, noiommu;

	RTE_SET_USED(drv);
	rc = parse_devargs(name, pci->device.devargs, &p);
	if (rc != 0)
		return rc;
	noiommu = rte_marlin_pci_check(pci, ivsh_logtype);
	if (noiommu < 0)
		return noiommu;
	if (pci->mem_resource[2].addr == NULL ||
	    pci->mem_resource[2].len < IVSH_WIRE_MW_OFF(2)) {
		IVSH_LOG(ERR, "%s: BAR2 (shared memory) is missing or smaller than %u KiB",
			name, (unsigned int)(IVSH_WIRE_MW_OFF(2) / 1024));
		return -ENODEV;
	}
	memset(&hw, 0, sizeof(hw));
	hw.bar2 = pci->mem_resource[2].addr;
	hw.bar2_len = pci->mem_resource[2].len;
	if (pci->mem_resource[0].addr != NULL &&
	    pci->mem_resource[0].len >= IVSH_BAR0_MIN_LEN)
		hw.bar0 = pci->mem_resource[0].addr;
	/* Both models are 1af4:1110; only the doorbell one has MSI-X. */
	hw.doorbell = hw.bar0 != NULL && rte_marlin_pci_msix_count(pci) > 0;
	rc = pick_host(name, &p, hw.bar0, hw.doorbell);
	if (rc != 0)
		return rc;

	dev = rte_marlin_ntb_dev_allocate(name, IVSH_DRIVER_NAME, &ivsh_ops,
		sizeof(struct ivsh_dev));
	if (dev == NULL)
		return -rte_errno;
	d = dev->priv;
	d->dev = dev;
	d->pci = pci;
	d->epfd = -1;
	d->stats.noiommu = noiommu;
	dev->topo = RTE_MARLIN_NTB_TOPO_SWITCH;
	dev->mw_shared = 0;
	dev->device = &pci->device;
	rc = setup_wc(d, pci, p.wc);
	if (rc == 0 && d->wc_va != NULL)
		hw.bar2 = d->wc_va;
	if (rc == 0)
		rc = ivsh_open(d, &p, &hw, name);
	if (rc == 0)
		rc = setup_intr(d, pci, p.intr);
	if (rc != 0) {
		rte_marlin_ntb_dev_release(dev);
		return rc;
	}
	IVSH_LOG(NOTICE, "%s: ivshmem-%s, host %d of %d, %d x %" PRIu64
		" KiB windows per peer, %s, BAR2 %s%s", name,
		hw.doorbell ? "doorbell" : "plain", d->p.host, d->p.hosts,
		d->p.mw_count, d->p.mw_size >> 10,
		d->intr_vectors > 0 ? "MSI-X doorbells" : "doorbells by polling",
		d->wc_va != NULL ? "write-combining" : "uncached",
		noiommu ? ", VFIO no-IOMMU mode" : "");
	return 0;
}

static int
ivsh_remove(struct rte_pci_device *pci)
{
	struct rte_marlin_ntb_dev *dev = rte_marlin_ntb_dev_get(pci->device.name);

	if (dev == NULL || strcmp(dev->driver, IVSH_DRIVER_NAME) != 0)
		return 0;
	return rte_marlin_ntb_dev_release(dev);
}

struct ivsh_dev *
ivsh_dev_by_id(uint16_t dev_id)
{
	struct rte_marlin_ntb_info info;
	struct rte_marlin_ntb_dev *dev;

	if (rte_marlin_ntb_info_get(dev_id, &info) != 0 ||
	    strcmp(info.driver, IVSH_DRIVER_NAME) != 0)
		return NULL;
	dev = rte_marlin_ntb_dev_get(info.name);
	return dev != NULL ? dev->priv : NULL;
}

int
rte_pmd_ntb_ivshmem_stats_get(uint16_t dev_id,
		struct rte_pmd_ntb_ivshmem_stats *stats)
{
	struct ivsh_dev *d = ivsh_dev_by_id(dev_id);

	if (d == NULL)
		return -ENODEV;
	if (stats == NULL)
		return -EINVAL;
	*stats = d->stats;
	return 0;
}

int
rte_pmd_ntb_ivshmem_intr_fd(uint16_t dev_id, int vector)
{
	struct ivsh_dev *d = ivsh_dev_by_id(dev_id);

	if (d == NULL)
		return -ENODEV;
	if (d->intr_vectors == 0 || d->pci == NULL)
		return -ENOTSUP;
	return rte_marlin_pci_intr_fd(d->pci, d->intr_vectors, vector);
}

/* One epoll set over the vectors' event fds, made on first use. */
static int
intr_epoll(struct ivsh_dev *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int v, fd;

	if (d->epfd >= 0)
		return d->epfd;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -EIO;
	for (v = 0; v < d->intr_vectors; v++) {
		fd = rte_marlin_pci_intr_fd(d->pci, d->intr_vectors, v);
		ev.data.u32 = (uint32_t)v;
		if (fd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			IVSH_LOG(ERR, "%s: cannot watch MSI-X vector %d: %s",
				d->dev->name, v, strerror(errno));
			close(d->epfd);
			d->epfd = -1;
			return -EIO;
		}
	}
	return d->epfd;
}

int
rte_pmd_ntb_ivshmem_intr_wait(uint16_t dev_id, unsigned int timeout_ms)
{
	struct ivsh_dev *d = ivsh_dev_by_id(dev_id);
	struct epoll_event ev[8];
	uint64_t bits;
	int ep, n;

	if (d == NULL)
		return -ENODEV;
	if (d->intr_vectors == 0 || d->pci == NULL)
		return -ENOTSUP;
	ep = intr_epoll(d);
	if (ep < 0)
		return ep;
	/* The fds stay readable until drained: drain, then look at the
	 * bytes, then sleep; a ring after the look wakes the sleep. */
	ivsh_intr_drain(d);
	if (d->dev->ops.db_read(d->dev, &bits) == 0 && (bits & ~d->db_mask))
		return 1;
	if (timeout_ms > INT_MAX)
		timeout_ms = INT_MAX;
	do {
		n = epoll_wait(ep, ev, RTE_DIM(ev), (int)timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -EIO;
	return n > 0 ? 1 : 0;
}

static const struct rte_pci_id ivsh_pci_ids[] = {
	{ RTE_PCI_DEVICE(IVSH_VENDOR, IVSH_DEVICE) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver ivsh_pmd = {
	.id_table = ivsh_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = ivsh_probe,
	.remove = ivsh_remove,
};

RTE_PMD_REGISTER_PCI(ntb_ivshmem, ivsh_pmd);
RTE_PMD_REGISTER_PCI_TABLE(ntb_ivshmem, ivsh_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(ntb_ivshmem, "vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(ntb_ivshmem,
	"host=<0..15> hosts=<2..16> mw=<1..8> mw_size=<size> spads=<0..64> "
	"link_timeout_ms=<ms> wc=auto|on|off intr=auto|on|off");
