/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP devargs: parsing and checking, with messages that name the key, the
 * valid values and what to do.
 *
 *   --vdev net_eop0,ntb=NTBDEV,peer=HOSTID[,queues=N][,depth=N][,slot=BYTES]
 *                   [,zc_min=BYTES][,pack_max=BYTES][,nt_min=BYTES][,mw=WIDX]
 *                   [,mac=XX:XX:XX:XX:XX:XX]
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_kvargs.h>

#include "eop_private.h"

#define ARG_NTB "ntb"
#define ARG_PEER "peer"
#define ARG_QUEUES "queues"
#define ARG_DEPTH "depth"
#define ARG_SLOT "slot"
#define ARG_ZC_MIN "zc_min"
#define ARG_MW "mw"
#define ARG_PACK_MAX "pack_max"
#define ARG_NT_MIN "nt_min"
#define ARG_MAC "mac"

static const char *const eop_keys[] = {
	ARG_NTB, ARG_PEER, ARG_QUEUES, ARG_DEPTH, ARG_SLOT, ARG_ZC_MIN,
	ARG_PACK_MAX, ARG_NT_MIN, ARG_MW, ARG_MAC, NULL,
};

#define EOP_KEYS_TEXT "ntb, peer, queues, depth, slot, zc_min, pack_max, nt_min, mw, mac"

static int
key_known(const char *key)
{
	int i;

	for (i = 0; eop_keys[i] != NULL; i++)
		if (strcmp(key, eop_keys[i]) == 0)
			return 1;
	return 0;
}

static int
parse_long(const char *dev, const char *key, const char *val, long min,
		long max, const char *hint, long *out)
{
	char *end;
	long v;

	if (val == NULL || val[0] == '\0') {
		EOP_LOG(ERR, "%s: devarg %s has no value: write %s=N with N in %ld..%ld%s",
			dev, key, key, min, max, hint);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno != 0 || *end != '\0' || end == val) {
		EOP_LOG(ERR, "%s: %s=%s is not a number: use %ld..%ld%s",
			dev, key, val, min, max, hint);
		return -EINVAL;
	}
	if (v < min || v > max) {
		EOP_LOG(ERR, "%s: %s=%s is out of range: use %ld..%ld%s",
			dev, key, val, min, max, hint);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_opt(const char *dev, struct rte_kvargs *kv, const char *key, long min,
		long max, const char *hint, long *out)
{
	if (rte_kvargs_count(kv, key) == 0)
		return 0;
	return parse_long(dev, key, rte_kvargs_get(kv, key), min, max, hint, out);
}

int
eop_parse_devargs(const char *dev, const char *args, struct eop_params *p)
{
	struct rte_kvargs *kv;
	const char *v;
	unsigned int i;
	long x;
	int rc = -EINVAL;

	memset(p, 0, sizeof(*p));
	p->peer = -1;
	p->queues = EOP_DEFAULT_QUEUES;
	p->depth = EOP_DEFAULT_DEPTH;
	p->slot = EOP_DEFAULT_SLOT;
	p->zc_min = EOP_DEFAULT_ZC_MIN;
	p->pack_max = EOP_DEFAULT_PACK_MAX;

	kv = rte_kvargs_parse(args != NULL ? args : "", NULL);
	if (kv == NULL) {
		EOP_LOG(ERR, "%s: cannot parse devargs \"%s\": write key=value pairs separated by commas, e.g. %s,ntb=ntb_shm0,peer=1",
			dev, args, dev);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;

		if (!key_known(key)) {
			EOP_LOG(ERR, "%s: unknown devarg \"%s\": valid keys are " EOP_KEYS_TEXT,
				dev, key);
			goto out;
		}
		if (rte_kvargs_count(kv, key) > 1) {
			EOP_LOG(ERR, "%s: devarg %s is given more than once: give it once",
				dev, key);
			goto out;
		}
	}

	v = rte_kvargs_get(kv, ARG_NTB);
	if (v == NULL || v[0] == '\0') {
		EOP_LOG(ERR, "%s: devarg ntb=NAME is required: name the NTB device of the link, e.g. %s,ntb=ntb_shm0,peer=1",
			dev, dev);
		goto out;
	}
	if (strlen(v) >= sizeof(p->ntb)) {
		EOP_LOG(ERR, "%s: ntb=%s is too long: NTB device names have at most %zu characters",
			dev, v, sizeof(p->ntb) - 1);
		goto out;
	}
	snprintf(p->ntb, sizeof(p->ntb), "%s", v);

	if (rte_kvargs_count(kv, ARG_PEER) == 0) {
		EOP_LOG(ERR, "%s: devarg peer=HOST is required: give the host id (NTB port number) at the other end of the link, e.g. %s,ntb=%s,peer=1",
			dev, dev, p->ntb);
		goto out;
	}
	if (parse_long(dev, ARG_PEER, rte_kvargs_get(kv, ARG_PEER), 0,
			RTE_MARLIN_NTB_MAX_PEERS - 1, " (a host id)", &x) != 0)
		goto out;
	p->peer = (int)x;

	x = p->queues;
	if (parse_opt(dev, kv, ARG_QUEUES, 1, EOP_MAX_QUEUES,
			" (queues each way; both hosts alike)", &x) != 0)
		goto out;
	p->queues = (uint16_t)x;

	x = p->depth;
	if (parse_opt(dev, kv, ARG_DEPTH, 64, 4096,
			" (a power of two; both hosts alike)", &x) != 0)
		goto out;
	if (!rte_is_power_of_2((uint32_t)x)) {
		EOP_LOG(ERR, "%s: depth=%ld is not a power of two: use e.g. depth=%u",
			dev, x, rte_align32pow2((uint32_t)x));
		goto out;
	}
	p->depth = (uint16_t)x;

	x = p->slot;
	if (parse_opt(dev, kv, ARG_SLOT, EOP_MIN_SLOT, EOP_MAX_SLOT,
			" (bytes, a power of two; both hosts alike)", &x) != 0)
		goto out;
	if (!rte_is_power_of_2((uint32_t)x)) {
		EOP_LOG(ERR, "%s: slot=%ld is not a power of two: use e.g. slot=%u",
			dev, x, rte_align32pow2((uint32_t)x));
		goto out;
	}
	p->slot = (uint32_t)x;

	x = p->zc_min;
	if (parse_opt(dev, kv, ARG_ZC_MIN, 0, EOP_FRAME_MAX,
			" (0 turns zero-copy receive off)", &x) != 0)
		goto out;
	p->zc_min = (uint32_t)x;

	x = p->pack_max;
	if (parse_opt(dev, kv, ARG_PACK_MAX, 0, 1024,
			" (bytes; 0 sends every frame in slots of its own)", &x) != 0)
		goto out;
	p->pack_max = (uint32_t)x;

	x = p->nt_min;
	if (parse_opt(dev, kv, ARG_NT_MIN, 0, EOP_MAX_SLOT,
			" (bytes; 0 never uses streaming stores)", &x) != 0)
		goto out;
	p->nt_min = (uint32_t)x;

	x = p->mw;
	if (parse_opt(dev, kv, ARG_MW, 0, 63, " (NTB window index)", &x) != 0)
		goto out;
	p->mw = (int)x;

	if (rte_kvargs_count(kv, ARG_MAC) != 0) {
		v = rte_kvargs_get(kv, ARG_MAC);
		if (v == NULL || rte_ether_unformat_addr(v, &p->mac) != 0 ||
				!rte_is_valid_assigned_ether_addr(&p->mac)) {
			EOP_LOG(ERR, "%s: mac=%s is not a unicast MAC address: write mac=02:00:00:00:00:01",
				dev, v != NULL ? v : "");
			goto out;
		}
		p->mac_set = 1;
	}
	rc = 0;
out:
	rte_kvargs_free(kv);
	return rc;
}
