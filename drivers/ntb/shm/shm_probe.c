/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm vdev glue: devargs, probe and remove.
 *
 *   --vdev ntb_shm0,fabric=NAME,host=ID[,hosts=N][,mw_count=N][,mw_size=SIZE]
 *                   [,spads=N][,dir=PATH][,manager=SOCKET][,shared_mw=W]
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_args.h"
#include "rte_marlin_ntb_driver.h"
#include "shm_private.h"

#define ARG_FABRIC "fabric"
#define ARG_HOST "host"
#define ARG_HOSTS "hosts"
#define ARG_MW_COUNT "mw_count"
#define ARG_MW_SIZE "mw_size"
#define ARG_SPADS "spads"
#define ARG_DIR "dir"
#define ARG_MANAGER "manager"
#define ARG_MW_RANGES "mw_ranges"
#define ARG_SHARED_MW "shared_mw"

static int
parse_fabric(const char *dev, const char *key, const char *v, void *dst)
{
	if (!shm_fabric_name_valid(v)) {
		SHM_LOG(ERR, "%s: %s=%s is not a valid fabric name: use 1..%d characters from [A-Za-z0-9_.-]",
			dev, key, v, SHM_FABRIC_NAME_MAX);
		return -EINVAL;
	}
	snprintf(dst, SHM_FABRIC_NAME_MAX + 1, "%s", v);
	return 0;
}

static int
parse_dir(const char *dev, const char *key, const char *v, void *dst)
{
	struct shm_params *p = dst;

	if (strlen(v) + sizeof(SHM_FABRIC_PREFIX) + SHM_FABRIC_NAME_MAX + 32 >=
			sizeof(p->dir)) {
		SHM_LOG(ERR, "%s: %s=%s is too long: use a shorter path", dev, key,
			v);
		return -ENAMETOOLONG;
	}
	snprintf(p->dir, sizeof(p->dir), "%s", v);
	return 0;
}

static int
parse_manager(const char *dev, const char *key, const char *v, void *dst)
{
	struct shm_params *p = dst;

	/* A Unix socket path: sun_path holds 108 bytes. */
	if (strlen(v) >= 108) {
		SHM_LOG(ERR, "%s: %s=%s is too long for a socket path (107 bytes at most)",
			dev, key, v);
		return -ENAMETOOLONG;
	}
	snprintf(p->manager, sizeof(p->manager), "%s", v);
	return 0;
}

enum { A_FABRIC, A_HOST, A_HOSTS, A_MW_COUNT, A_MW_SIZE, A_SPADS, A_DIR,
	A_MANAGER, A_MW_RANGES, A_SHARED_MW };

static int
shm_parse_devargs(const char *dev, const char *args, struct shm_params *p)
{
	const struct rte_marlin_arg t[] = {
		[A_FABRIC] = { .key = ARG_FABRIC, .type = RTE_MARLIN_ARG_FUNC,
			.parse = parse_fabric, .dst = p->fabric },
		[A_HOST] = { .key = ARG_HOST, .type = RTE_MARLIN_ARG_INT,
			.min = 0, .max = RTE_PMD_NTB_SHM_MAX_HOSTS - 1,
			.dst = &p->host },
		[A_HOSTS] = { .key = ARG_HOSTS, .type = RTE_MARLIN_ARG_INT,
			.min = 2, .max = RTE_PMD_NTB_SHM_MAX_HOSTS,
			.dst = &p->hosts },
		[A_MW_COUNT] = { .key = ARG_MW_COUNT, .type = RTE_MARLIN_ARG_INT,
			.min = 1, .max = SHM_WIRE_MAX_MW, .dst = &p->mw_count,
			.deprecated = "mw", .hint = " (inbound windows per host)" },
		[A_MW_SIZE] = { .key = ARG_MW_SIZE, .type = RTE_MARLIN_ARG_SIZE,
			.min = SHM_MIN_MW_SIZE, .max = SHM_MAX_MW_SIZE,
			.dst = &p->mw_size,
			.hint = ", a whole number of pages (2M on hugetlbfs, 4K in /dev/shm)" },
		[A_SPADS] = { .key = ARG_SPADS, .type = RTE_MARLIN_ARG_INT,
			.min = 1, .max = SHM_WIRE_MAX_SPADS, .dst = &p->spad_count },
		[A_DIR] = { .key = ARG_DIR, .type = RTE_MARLIN_ARG_FUNC,
			.parse = parse_dir, .dst = p,
			.hint = " (the directory that holds the fabric directory)" },
		[A_MANAGER] = { .key = ARG_MANAGER, .type = RTE_MARLIN_ARG_FUNC,
			.parse = parse_manager, .dst = p,
			.hint = " (the rack manager's socket, e.g. /run/marlin/manager.sock)" },
		[A_MW_RANGES] = { .key = ARG_MW_RANGES, .type = RTE_MARLIN_ARG_INT,
			.min = 0, .max = 1, .dst = &p->mw_ranges,
			.hint = " (1: peers reach only ranges exposed with rte_marlin_ntb_mw_expose(); needs manager=)" },
		[A_SHARED_MW] = { .key = ARG_SHARED_MW, .type = RTE_MARLIN_ARG_INT,
			.min = 0, .max = SHM_WIRE_MAX_MW - 1, .dst = &p->shared_mw,
			.hint = " (with manager=: the window that is one memory for every granted peer)" },
	};
	uint64_t given;
	char a[24], b[24];
	int rc;

	memset(p, 0, sizeof(*p));
	p->hosts = SHM_DEFAULT_HOSTS;
	p->mw_count = SHM_DEFAULT_MW;
	p->mw_size = SHM_DEFAULT_MW_SIZE;
	p->spad_count = SHM_DEFAULT_SPADS;
	p->shared_mw = -1;

	rc = rte_marlin_devargs_parse(dev, args, t, RTE_DIM(t), &given);
	if (rc != 0)
		return rc;
	if (!(given & (1u << A_FABRIC))) {
		SHM_LOG(ERR, "%s: devarg fabric=NAME is required: every host of one fabric passes the same NAME, e.g. %s,fabric=rack0,host=0",
			dev, dev);
		return -EINVAL;
	}
	if (!(given & (1u << A_HOST))) {
		SHM_LOG(ERR, "%s: devarg host=ID is required: give each host of fabric %s its own id in 0..%d",
			dev, p->fabric, p->hosts - 1);
		return -EINVAL;
	}
	if (p->host >= p->hosts) {
		SHM_LOG(ERR, "%s: host=%d is out of range: use 0..%d (hosts=%d; raise hosts= for more)",
			dev, p->host, p->hosts - 1, p->hosts);
		return -EINVAL;
	}
	if (p->mw_ranges && p->manager[0] == '\0')
		SHM_LOG(NOTICE, "%s: mw_ranges=1 without manager=: nothing is enforced (peers map whole windows by name); rte_marlin_ntb_mw_expose() does nothing",
			dev);
	if (p->shared_mw >= p->mw_count) {
		SHM_LOG(ERR, "%s: shared_mw=%d names no window: use 0..%d (mw_count=%d)",
			dev, p->shared_mw, p->mw_count - 1, p->mw_count);
		return -EINVAL;
	}
	if (p->mw_ranges && p->shared_mw >= 0) {
		SHM_LOG(ERR, "%s: mw_ranges=1 and shared_mw=%d exclude each other: a shared window is one object for every peer, ranges are per peer; drop one",
			dev, p->shared_mw);
		return -EINVAL;
	}
	if (p->mw_size % SHM_SMALL_PAGE != 0) {
		SHM_LOG(ERR, "%s: mw_size=%s is not a whole number of 4K pages: use e.g. mw_size=%s",
			dev, rte_marlin_size_format(p->mw_size, a, sizeof(a)),
			rte_marlin_size_format(RTE_ALIGN_CEIL(p->mw_size,
							SHM_SMALL_PAGE), b,
					       sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

static int
shm_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_marlin_ntb_dev *dev;
	struct shm_params p;
	struct shm_dev *sd;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		SHM_LOG(ERR, "%s: a secondary process cannot attach: run each host as its own primary process with its own --file-prefix",
			name);
		return -ENOTSUP;
	}
	rc = shm_parse_devargs(name, rte_vdev_device_args(vdev), &p);
	if (rc != 0)
		return rc;
	dev = rte_marlin_ntb_dev_allocate(name, SHM_DRIVER_NAME, &shm_ops,
		sizeof(struct shm_dev));
	if (dev == NULL)
		return -rte_errno;
	sd = dev->priv;
	rc = shm_host_open(&sd->host, &p, name);
	if (rc != 0) {
		rte_marlin_ntb_dev_release(dev);
		return rc;
	}
	sd->opened = 1;
	dev->topo = RTE_MARLIN_NTB_TOPO_SOFTWARE;
	/* With a manager, window W seen by each peer is its own object. */
	dev->mw_shared = sd->host.grant == NULL;
	dev->device = &vdev->device;
	return 0;
}

static int
shm_remove(struct rte_vdev_device *vdev)
{
	struct rte_marlin_ntb_dev *dev;

	dev = rte_marlin_ntb_dev_get(rte_vdev_device_name(vdev));
	if (dev == NULL || strcmp(dev->driver, SHM_DRIVER_NAME) != 0)
		return -ENODEV;
	return rte_marlin_ntb_dev_release(dev);
}

static struct rte_vdev_driver shm_vdev_driver = {
	.probe = shm_probe,
	.remove = shm_remove,
};

RTE_PMD_REGISTER_VDEV(ntb_shm, shm_vdev_driver);
RTE_PMD_REGISTER_PARAM_STRING(ntb_shm,
	"fabric=<name> host=<id> hosts=<2..64> mw_count=<1..8> mw_size=<size> spads=<1..64> dir=<path> manager=<socket> mw_ranges=<0|1> shared_mw=<0..7>");
