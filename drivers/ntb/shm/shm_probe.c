/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm vdev glue: devargs, probe and remove.
 *
 *   --vdev ntb_shm0,fabric=NAME,host=ID[,hosts=N][,mw=COUNT][,mw_size=SIZE]
 *                   [,spads=N][,dir=PATH]
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
#include <rte_kvargs.h>

#include "rte_marlin_ntb_driver.h"
#include "shm_private.h"

#define ARG_FABRIC "fabric"
#define ARG_HOST "host"
#define ARG_HOSTS "hosts"
#define ARG_MW "mw"
#define ARG_MW_SIZE "mw_size"
#define ARG_SPADS "spads"
#define ARG_DIR "dir"

static const char *const shm_keys[] = {
	ARG_FABRIC, ARG_HOST, ARG_HOSTS, ARG_MW, ARG_MW_SIZE, ARG_SPADS,
	ARG_DIR, NULL,
};

#define SHM_KEYS_TEXT "fabric, host, hosts, mw, mw_size, spads, dir"

static int
key_known(const char *key)
{
	int i;

	for (i = 0; shm_keys[i] != NULL; i++)
		if (strcmp(key, shm_keys[i]) == 0)
			return 1;
	return 0;
}

static int
parse_int(const char *dev, const char *key, const char *val, int min, int max,
		const char *hint, int *out)
{
	char *end;
	long v;

	if (val == NULL || val[0] == '\0') {
		SHM_LOG(ERR, "%s: devarg %s has no value: write %s=N with N in %d..%d%s",
			dev, key, key, min, max, hint);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno != 0 || *end != '\0' || end == val) {
		SHM_LOG(ERR, "%s: %s=%s is not a number: use %d..%d%s",
			dev, key, val, min, max, hint);
		return -EINVAL;
	}
	if (v < min || v > max) {
		SHM_LOG(ERR, "%s: %s=%s is out of range: use %d..%d%s",
			dev, key, val, min, max, hint);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

/* "4096", "64K", "4M", "1G" (suffixes are powers of 1024). */
static int
parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int
shm_parse_devargs(const char *dev, const char *args, struct shm_params *p)
{
	struct rte_kvargs *kv;
	const char *v;
	char a[64], b[32];
	unsigned int i;
	int rc = -EINVAL;

	memset(p, 0, sizeof(*p));
	p->hosts = SHM_DEFAULT_HOSTS;
	p->mw_count = SHM_DEFAULT_MW;
	p->mw_size = SHM_DEFAULT_MW_SIZE;
	p->spad_count = SHM_DEFAULT_SPADS;

	kv = rte_kvargs_parse(args != NULL ? args : "", NULL);
	if (kv == NULL) {
		SHM_LOG(ERR, "%s: cannot parse devargs \"%s\": write key=value pairs separated by commas, e.g. %s,fabric=rack0,host=0",
			dev, args, dev);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;

		if (!key_known(key)) {
			SHM_LOG(ERR, "%s: unknown devarg \"%s\": valid keys are " SHM_KEYS_TEXT,
				dev, key);
			goto out;
		}
		if (rte_kvargs_count(kv, key) > 1) {
			SHM_LOG(ERR, "%s: devarg %s is given more than once: give it once",
				dev, key);
			goto out;
		}
	}

	v = rte_kvargs_get(kv, ARG_FABRIC);
	if (v == NULL || v[0] == '\0') {
		SHM_LOG(ERR, "%s: devarg fabric=NAME is required: every host of one fabric passes the same NAME, e.g. %s,fabric=rack0,host=0",
			dev, dev);
		goto out;
	}
	if (!shm_fabric_name_valid(v)) {
		SHM_LOG(ERR, "%s: fabric=%s is not a valid fabric name: use 1..%d characters from [A-Za-z0-9_.-]",
			dev, v, SHM_FABRIC_NAME_MAX);
		goto out;
	}
	snprintf(p->fabric, sizeof(p->fabric), "%s", v);

	if (rte_kvargs_count(kv, ARG_HOSTS) != 0 &&
			parse_int(dev, ARG_HOSTS, rte_kvargs_get(kv, ARG_HOSTS), 2,
				RTE_PMD_NTB_SHM_MAX_HOSTS, "", &p->hosts) != 0)
		goto out;

	if (rte_kvargs_count(kv, ARG_HOST) == 0) {
		SHM_LOG(ERR, "%s: devarg host=ID is required: give each host of fabric %s its own id in 0..%d",
			dev, p->fabric, p->hosts - 1);
		goto out;
	}
	snprintf(a, sizeof(a), " (hosts=%d; raise hosts= for more)", p->hosts);
	if (parse_int(dev, ARG_HOST, rte_kvargs_get(kv, ARG_HOST), 0,
			p->hosts - 1, a, &p->host) != 0)
		goto out;

	if (rte_kvargs_count(kv, ARG_MW) != 0 &&
			parse_int(dev, ARG_MW, rte_kvargs_get(kv, ARG_MW), 1,
				SHM_WIRE_MAX_MW, "", &p->mw_count) != 0)
		goto out;

	if (rte_kvargs_count(kv, ARG_SPADS) != 0 &&
			parse_int(dev, ARG_SPADS, rte_kvargs_get(kv, ARG_SPADS), 1,
				SHM_WIRE_MAX_SPADS, "", &p->spad_count) != 0)
		goto out;

	if (rte_kvargs_count(kv, ARG_MW_SIZE) != 0) {
		v = rte_kvargs_get(kv, ARG_MW_SIZE);
		if (parse_size(v, &p->mw_size) != 0) {
			SHM_LOG(ERR, "%s: mw_size=%s is not a size: write bytes or a number with K, M or G, e.g. mw_size=4M",
				dev, v ? v : "");
			goto out;
		}
		if (p->mw_size < SHM_MIN_MW_SIZE || p->mw_size > SHM_MAX_MW_SIZE) {
			SHM_LOG(ERR, "%s: mw_size=%s is out of range: use %s..%s",
				dev, v, shm_fmt_size(SHM_MIN_MW_SIZE, a, sizeof(a)),
				shm_fmt_size(SHM_MAX_MW_SIZE, b, sizeof(b)));
			goto out;
		}
		if (!rte_is_power_of_2(p->mw_size)) {
			SHM_LOG(ERR, "%s: mw_size=%s is not a power of two: use e.g. mw_size=%s",
				dev, v, shm_fmt_size(rte_align64pow2(p->mw_size),
					a, sizeof(a)));
			goto out;
		}
	}

	if (rte_kvargs_count(kv, ARG_DIR) != 0) {
		v = rte_kvargs_get(kv, ARG_DIR);
		if (v == NULL || v[0] == '\0') {
			SHM_LOG(ERR, "%s: devarg dir has no value: write dir=PATH, the directory that holds the fabric directory",
				dev);
			goto out;
		}
		if (strlen(v) + sizeof(SHM_FABRIC_PREFIX) + SHM_FABRIC_NAME_MAX +
				32 >= sizeof(p->dir)) {
			SHM_LOG(ERR, "%s: dir=%s is too long: use a shorter path",
				dev, v);
			goto out;
		}
		snprintf(p->dir, sizeof(p->dir), "%s", v);
	}
	rc = 0;
out:
	rte_kvargs_free(kv);
	return rc;
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
	dev->mw_shared = 1;
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
	"fabric=<name> host=<id> hosts=<2..64> mw=<1..8> mw_size=<size> spads=<1..64> dir=<path>");
