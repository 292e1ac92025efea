/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* NTB device class: the public calls, each checking its arguments and
 * the device before calling the driver's op, and window memory. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"
#include "marlin_private.h"
#include "ntb_private.h"

/*
 * The argument checks of every public call, in the style of DPDK's
 * RTE_ETH_VALID_PORTID_OR_ERR_RET: each returns from the calling function.
 *   GET_DEV_OR_RET(dev, id)  declare @dev, the live device @id, or -ENODEV
 *   ARG_OR_RET(cond)         -EINVAL unless @cond (NULL outputs, sizes)
 *   CHECK_OR_RET(expr)       the non-zero result of a check_*() below
 * The order of the checks in a call is the order its errors take precedence.
 */
#define GET_DEV_OR_RET(dev, id) \
	struct rte_marlin_ntb_dev *dev = get_dev(id); \
	if (dev == NULL) \
		return -ENODEV

#define ARG_OR_RET(cond) do { \
	if (!(cond)) \
		return -EINVAL; \
} while (0)

#define CHECK_OR_RET(expr) do { \
	int check_rc_ = (expr); \
	if (check_rc_ != 0) \
		return check_rc_; \
} while (0)

static int
check_pidx(struct rte_marlin_ntb_dev *dev, int pidx)
{
	int n = dev->ops.peer_port_count(dev);

	return (pidx < 0 || pidx >= n) ? -EINVAL : 0;
}

static int
check_widx(struct rte_marlin_ntb_dev *dev, int pidx, int widx, int peer_side)
{
	int n;

	CHECK_OR_RET(check_pidx(dev, pidx));
	n = peer_side ? dev->ops.peer_mw_count(dev, pidx)
		      : dev->ops.mw_count(dev, pidx);
	if (n < 0)
		return n;
	return (widx < 0 || widx >= n) ? -EINVAL : 0;
}

static int
check_db_bits(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	uint64_t valid = 0;
	int rc = dev->ops.db_valid_mask(dev, &valid);

	if (rc != 0)
		return rc;
	return (bits & ~valid) ? -EINVAL : 0;
}

static int
check_sidx(struct rte_marlin_ntb_dev *dev, int pidx, int sidx)
{
	int n;

	CHECK_OR_RET(check_pidx(dev, pidx));
	n = dev->ops.spad_count(dev);
	if (n <= 0)
		return -ENOTSUP;
	return (sidx < 0 || sidx >= n) ? -EINVAL : 0;
}

int
rte_marlin_ntb_info_get(uint16_t dev_id, struct rte_marlin_ntb_info *info)
{
	GET_DEV_OR_RET(dev, dev_id);
	int rc;

	ARG_OR_RET(info != NULL);
	memset(info, 0, sizeof(*info));
	strlcpy(info->name, dev->name, sizeof(info->name));
	info->driver = dev->driver;
	info->topo = dev->topo;
	info->port = dev->ops.port_number(dev);
	info->peer_count = dev->ops.peer_port_count(dev);
	info->mw_count = info->peer_count > 0 ? dev->ops.mw_count(dev, 0) : 0;
	info->peer_mw_count = info->peer_count > 0 ?
		dev->ops.peer_mw_count(dev, 0) : 0;
	info->spad_count = dev->ops.spad_count(dev);
	info->msg_count = dev->ops.msg_count(dev);
	info->mw_shared = dev->mw_shared;
	rc = dev->ops.db_valid_mask(dev, &info->db_valid_mask);
	return rc < 0 ? rc : 0;
}

int
rte_marlin_ntb_port_number(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.port_number(dev);
}

int
rte_marlin_ntb_peer_port_count(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.peer_port_count(dev);
}

int
rte_marlin_ntb_peer_port_number(uint16_t dev_id, int pidx)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_pidx(dev, pidx));
	return dev->ops.peer_port_number(dev, pidx);
}

int
rte_marlin_ntb_peer_port_idx(uint16_t dev_id, int port)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.peer_port_idx(dev, port);
}

int64_t
rte_marlin_ntb_link_is_up(uint16_t dev_id, enum rte_marlin_ntb_speed *speed,
		enum rte_marlin_ntb_width *width)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct rte_marlin_ntb_link link;
	int n = dev->ops.peer_port_count(dev);
	int64_t mask = 0;
	int pidx, first = 1;

	if (speed)
		*speed = RTE_MARLIN_NTB_SPEED_NONE;
	if (width)
		*width = RTE_MARLIN_NTB_WIDTH_NONE;
	for (pidx = 0; pidx < n && pidx < RTE_MARLIN_NTB_MAX_PEERS; pidx++) {
		memset(&link, 0, sizeof(link));
		if (dev->ops.link_is_up(dev, pidx, &link) != 0 || !link.up)
			continue;
		mask |= INT64_C(1) << pidx;
		if (first) {
			if (speed)
				*speed = link.speed;
			if (width)
				*width = link.width;
			first = 0;
		}
	}
	return mask;
}

int
rte_marlin_ntb_link_get(uint16_t dev_id, int pidx,
		struct rte_marlin_ntb_link *link)
{
	GET_DEV_OR_RET(dev, dev_id);
	ARG_OR_RET(link != NULL);
	CHECK_OR_RET(check_pidx(dev, pidx));
	memset(link, 0, sizeof(*link));
	return dev->ops.link_is_up(dev, pidx, link);
}

int
rte_marlin_ntb_link_enable(uint16_t dev_id, enum rte_marlin_ntb_speed max_speed,
		enum rte_marlin_ntb_width max_width)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.link_enable(dev, max_speed, max_width);
}

int
rte_marlin_ntb_link_disable(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.link_disable(dev);
}

int
rte_marlin_ntb_mw_count(uint16_t dev_id, int pidx)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_pidx(dev, pidx));
	return dev->ops.mw_count(dev, pidx);
}

int
rte_marlin_ntb_mw_get_align(uint16_t dev_id, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align)
{
	GET_DEV_OR_RET(dev, dev_id);
	ARG_OR_RET(align != NULL);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	memset(align, 0, sizeof(*align));
	return dev->ops.mw_get_align(dev, pidx, widx, align);
}

int
rte_marlin_ntb_mw_set_trans(uint16_t dev_id, int pidx, int widx, void *addr,
		rte_iova_t iova, size_t size)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	ARG_OR_RET(addr != NULL && size != 0);
	return dev->ops.mw_set_trans(dev, pidx, widx, addr, iova, size);
}

int
rte_marlin_ntb_mw_clear_trans(uint16_t dev_id, int pidx, int widx)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	return dev->ops.mw_clear_trans(dev, pidx, widx);
}

/* A range of whole pages, not empty, without overflow. */
static int
check_range(size_t off, size_t len)
{
	if (len == 0 || off % RTE_MARLIN_NTB_MW_RANGE_ALIGN != 0 ||
			len % RTE_MARLIN_NTB_MW_RANGE_ALIGN != 0 ||
			off + len < off) {
		NTB_LOG(ERR, "range 0x%zx+0x%zx: a range is a non-empty run of whole %u-byte pages",
			off, len, RTE_MARLIN_NTB_MW_RANGE_ALIGN);
		return -EINVAL;
	}
	return 0;
}

int
rte_marlin_ntb_mw_expose(uint16_t dev_id, int pidx, int widx, size_t off,
		size_t len, unsigned int rights)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	CHECK_OR_RET(check_range(off, len));
	if (!(rights & RTE_MARLIN_NTB_MW_READ) ||
			(rights & ~(RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE)))
		return -EINVAL;
	return dev->ops.mw_expose(dev, pidx, widx, off, len, rights);
}

int
rte_marlin_ntb_mw_unexpose(uint16_t dev_id, int pidx, int widx, size_t off,
		size_t len)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	CHECK_OR_RET(check_range(off, len));
	return dev->ops.mw_unexpose(dev, pidx, widx, off, len);
}

static struct rte_marlin_ntb_mw_mem *
mw_mem_slot(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	int peers = dev->ops.peer_port_count(dev);

	if (widx >= RTE_MARLIN_NTB_MAX_MW)
		return NULL;
	if (dev->mw_mem == NULL) {
		dev->mw_mem = rte_zmalloc("marlin_ntb_mw",
			sizeof(*dev->mw_mem) * RTE_MARLIN_NTB_MAX_MW * peers, 0);
		if (dev->mw_mem == NULL)
			return NULL;
	}
	if (dev->mw_shared)
		pidx = 0;
	return &dev->mw_mem[pidx * RTE_MARLIN_NTB_MAX_MW + widx];
}

void
ntb_mw_mem_release_all(struct rte_marlin_ntb_dev *dev)
{
	int peers, i;

	if (dev->mw_mem == NULL)
		return;
	peers = dev->ops.peer_port_count(dev);
	for (i = 0; i < peers * RTE_MARLIN_NTB_MAX_MW; i++) {
		struct rte_marlin_ntb_mw_mem *m = &dev->mw_mem[i];

		if (m->addr == NULL)
			continue;
		if (m->mz != NULL) {
			dev->ops.mw_clear_trans(dev, i / RTE_MARLIN_NTB_MAX_MW,
						i % RTE_MARLIN_NTB_MAX_MW);
			rte_memzone_free(m->mz);
		} else {
			dev->ops.mw_free(dev, i / RTE_MARLIN_NTB_MAX_MW,
					 i % RTE_MARLIN_NTB_MAX_MW);
		}
		memset(m, 0, sizeof(*m));
	}
}

int
rte_marlin_ntb_mw_alloc(uint16_t dev_id, int pidx, int widx, size_t size,
		void **addr, size_t *len)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct rte_marlin_ntb_mw_align align;
	struct rte_marlin_ntb_mw_mem *m;
	const struct rte_memzone *mz;
	char mzname[RTE_MEMZONE_NAMESIZE];
	size_t got = 0;
	void *va = NULL;
	int rc;

	ARG_OR_RET(addr != NULL);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	m = mw_mem_slot(dev, pidx, widx);
	if (m == NULL)
		return widx >= RTE_MARLIN_NTB_MAX_MW ? -EINVAL : -ENOMEM;
	if (m->addr != NULL) {
		if (size > m->len)
			return -EBUSY;
		*addr = m->addr;
		if (len)
			*len = m->len;
		return 0;
	}

	/* Drivers whose window memory is fixed provide it themselves. */
	rc = dev->ops.mw_alloc(dev, pidx, widx, size, &va, &got);
	if (rc == 0) {
		memset(m, 0, sizeof(*m));
		m->addr = va;
		m->len = got;
		m->pidx = pidx;
		*addr = va;
		if (len)
			*len = got;
		return 0;
	}
	if (rc != -ENOTSUP)
		return rc;

	memset(&align, 0, sizeof(align));
	rc = dev->ops.mw_get_align(dev, pidx, widx, &align);
	if (rc != 0)
		return rc;
	if (size == 0)
		size = align.size_max;
	if (align.size_max != 0 && size > align.size_max) {
		NTB_LOG(ERR, "%s: window %d holds at most %" PRIu64 " bytes, %zu asked",
			dev->name, widx, align.size_max, size);
		return -EINVAL;
	}
	if (align.size_align > 1)
		size = RTE_ALIGN_CEIL(size, align.size_align);
	snprintf(mzname, sizeof(mzname), "mln_mw_%u_%d_%d", dev->dev_id, pidx, widx);
	mz = rte_memzone_reserve_aligned(mzname, size, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG,
		align.addr_align > RTE_CACHE_LINE_SIZE ? align.addr_align :
		RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		NTB_LOG(ERR, "%s: no IOVA-contiguous memory for window %d (%zu bytes, align %" PRIu64 "): reserve more hugepages",
			dev->name, widx, size, align.addr_align);
		return -ENOMEM;
	}
	memset(mz->addr, 0, size);
	rc = dev->ops.mw_set_trans(dev, pidx, widx, mz->addr, mz->iova, size);
	if (rc != 0) {
		rte_memzone_free(mz);
		return rc;
	}
	m->mz = mz;
	m->addr = mz->addr;
	m->len = size;
	m->pidx = pidx;
	*addr = mz->addr;
	if (len)
		*len = size;
	return 0;
}

int
rte_marlin_ntb_mw_free(uint16_t dev_id, int pidx, int widx)
{
	struct rte_marlin_ntb_dev *dev = get_slot(dev_id);
	struct rte_marlin_ntb_mw_mem *m;
	if (dev == NULL)
		return -ENODEV;
	/* A removed device frees its windows when its last user lets go;
	 * a user tearing down does not touch the driver meanwhile. */
	if (dev_removed(dev))
		return 0;
	CHECK_OR_RET(check_widx(dev, pidx, widx, 0));
	if (widx >= RTE_MARLIN_NTB_MAX_MW || dev->mw_mem == NULL)
		return -ENOENT;
	m = mw_mem_slot(dev, pidx, widx);
	if (m == NULL || m->addr == NULL)
		return -ENOENT;
	if (m->mz != NULL) {
		dev->ops.mw_clear_trans(dev, pidx, widx);
		rte_memzone_free(m->mz);
	} else {
		dev->ops.mw_free(dev, pidx, widx);
	}
	memset(m, 0, sizeof(*m));
	return 0;
}

int
rte_marlin_ntb_peer_mw_count(uint16_t dev_id, int pidx)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_pidx(dev, pidx));
	return dev->ops.peer_mw_count(dev, pidx);
}

int
rte_marlin_ntb_peer_mw_get_addr(uint16_t dev_id, int pidx, int widx,
		void **base, size_t *size)
{
	GET_DEV_OR_RET(dev, dev_id);
	ARG_OR_RET(base != NULL && size != NULL);
	CHECK_OR_RET(check_widx(dev, pidx, widx, 1));
	return dev->ops.peer_mw_get_addr(dev, pidx, widx, base, size);
}

int
rte_marlin_ntb_db_valid_mask(uint16_t dev_id, uint64_t *mask)
{
	GET_DEV_OR_RET(dev, dev_id);
	ARG_OR_RET(mask != NULL);
	return dev->ops.db_valid_mask(dev, mask);
}

int
rte_marlin_ntb_db_read(uint16_t dev_id, uint64_t *bits)
{
	GET_DEV_OR_RET(dev, dev_id);
	ARG_OR_RET(bits != NULL);
	return dev->ops.db_read(dev, bits);
}

int
rte_marlin_ntb_db_clear(uint16_t dev_id, uint64_t bits)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_db_bits(dev, bits));
	dev->db_reported &= ~bits;
	return dev->ops.db_clear(dev, bits);
}

int
rte_marlin_ntb_db_set_mask(uint16_t dev_id, uint64_t bits)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_db_bits(dev, bits));
	return dev->ops.db_set_mask(dev, bits);
}

int
rte_marlin_ntb_db_clear_mask(uint16_t dev_id, uint64_t bits)
{
	GET_DEV_OR_RET(dev, dev_id);
	int rc;

	CHECK_OR_RET(check_db_bits(dev, bits));
	rc = dev->ops.db_clear_mask(dev, bits);
	/* A bit pending while masked fires once it is unmasked. */
	if (rc == 0)
		dev->db_reported &= ~bits;
	return rc;
}

int
rte_marlin_ntb_db_read_mask(uint16_t dev_id, uint64_t *mask)
{
	GET_DEV_OR_RET(dev, dev_id);
	ARG_OR_RET(mask != NULL);
	return dev->ops.db_read_mask(dev, mask);
}

int
rte_marlin_ntb_peer_db_set(uint16_t dev_id, int pidx, uint64_t bits)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_pidx(dev, pidx));
	CHECK_OR_RET(check_db_bits(dev, bits));
	return dev->ops.peer_db_set(dev, pidx, bits);
}

int
rte_marlin_ntb_spad_count(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.spad_count(dev);
}

int
rte_marlin_ntb_spad_read(uint16_t dev_id, int pidx, int sidx, uint32_t *val)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_sidx(dev, pidx, sidx));
	ARG_OR_RET(val != NULL);
	return dev->ops.spad_read(dev, pidx, sidx, val);
}

int
rte_marlin_ntb_spad_write(uint16_t dev_id, int pidx, int sidx, uint32_t val)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_sidx(dev, pidx, sidx));
	return dev->ops.spad_write(dev, pidx, sidx, val);
}

int
rte_marlin_ntb_peer_spad_write(uint16_t dev_id, int pidx, int sidx, uint32_t val)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_sidx(dev, pidx, sidx));
	return dev->ops.peer_spad_write(dev, pidx, sidx, val);
}

int
rte_marlin_ntb_peer_spad_read(uint16_t dev_id, int pidx, int sidx, uint32_t *val)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_sidx(dev, pidx, sidx));
	ARG_OR_RET(val != NULL);
	return dev->ops.peer_spad_read(dev, pidx, sidx, val);
}

int
rte_marlin_ntb_msg_count(uint16_t dev_id)
{
	GET_DEV_OR_RET(dev, dev_id);
	return dev->ops.msg_count(dev);
}

static int
check_midx(struct rte_marlin_ntb_dev *dev, int midx)
{
	int n = dev->ops.msg_count(dev);

	if (n <= 0)
		return -ENOTSUP;
	return (midx < 0 || midx >= n) ? -EINVAL : 0;
}

int
rte_marlin_ntb_msg_read(uint16_t dev_id, int midx, int *pidx, uint32_t *msg)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_midx(dev, midx));
	ARG_OR_RET(pidx != NULL && msg != NULL);
	return dev->ops.msg_read(dev, midx, pidx, msg);
}

int
rte_marlin_ntb_peer_msg_write(uint16_t dev_id, int pidx, int midx, uint32_t msg)
{
	GET_DEV_OR_RET(dev, dev_id);
	CHECK_OR_RET(check_midx(dev, midx));
	CHECK_OR_RET(check_pidx(dev, pidx));
	return dev->ops.peer_msg_write(dev, pidx, midx, msg);
}

int
rte_marlin_ntb_event_callback_register(uint16_t dev_id,
		rte_marlin_ntb_event_cb_t cb, void *arg)
{
	struct rte_marlin_ntb_dev *dev = get_slot(dev_id);

	/* Unregistering stays allowed on a removed device (user teardown). */
	if (dev == NULL || (cb != NULL && dev_removed(dev)))
		return -ENODEV;
	dev->cb = cb;
	dev->cb_arg = arg;
	return 0;
}

/* Report every peer whose link state differs from the last report. */
static int
link_events(struct rte_marlin_ntb_dev *dev, uint64_t mask)
{
	struct rte_marlin_ntb_event ev;
	uint64_t changed = mask ^ dev->link_mask;
	int pidx, n = 0;

	dev->link_mask = mask;
	while (changed != 0) {
		pidx = (int)rte_bsf64(changed);
		changed &= changed - 1;
		if (dev->cb != NULL) {
			memset(&ev, 0, sizeof(ev));
			ev.type = RTE_MARLIN_NTB_EVENT_LINK;
			ev.pidx = pidx;
			ev.link_up = !!(mask & (UINT64_C(1) << pidx));
			dev->cb(dev->dev_id, &ev, dev->cb_arg);
		}
		n++;
	}
	return n;
}

int
rte_marlin_ntb_poll(uint16_t dev_id)
{
	struct rte_marlin_ntb_dev *dev = get_slot(dev_id);
	struct rte_marlin_ntb_event ev;
	uint64_t mask, bits = 0, dbmask = 0;
	int64_t up;
	int n, rc;

	if (dev == NULL)
		return -ENODEV;
	if (dev_removed(dev)) {
		/* Once, on the poller's thread (no other op of it runs): pull
		 * the cable so that peers see the link drop. Then its users
		 * hear that every link went down, then -ENODEV. */
		if (!dev->link_dropped) {
			dev->link_dropped = 1;
			dev->ops.link_disable(dev);
		}
		n = link_events(dev, 0);
		return n > 0 ? n : -ENODEV;
	}
	rc = dev->ops.poll(dev);
	if (rc < 0)
		return rc;

	up = rte_marlin_ntb_link_is_up(dev_id, NULL, NULL);
	mask = up < 0 ? 0 : (uint64_t)up;
	n = link_events(dev, mask);

	if (dev->ops.db_read(dev, &bits) != 0)
		return n;
	if (dev->ops.db_read_mask(dev, &dbmask) != 0)
		dbmask = 0;
	/* Drop bits cleared since the last report, report new unmasked ones. */
	dev->db_reported &= bits;
	bits &= ~dbmask & ~dev->db_reported;
	if (bits != 0) {
		dev->db_reported |= bits;
		if (dev->cb != NULL) {
			memset(&ev, 0, sizeof(ev));
			ev.type = RTE_MARLIN_NTB_EVENT_DB;
			ev.pidx = -1;
			ev.db_bits = bits;
			dev->cb(dev_id, &ev, dev->cb_arg);
		}
		n++;
	}
	return n;
}

int
rte_marlin_ntb_link_wait(uint16_t dev_id, int pidx, unsigned int timeout_ms)
{
	GET_DEV_OR_RET(dev, dev_id);
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	uint64_t deadline = rte_get_timer_cycles() +
		(uint64_t)timeout_ms * rte_get_timer_hz() / 1000;
	struct rte_marlin_ntb_link link;

	CHECK_OR_RET(check_pidx(dev, pidx));
	for (;;) {
		dev->ops.poll(dev);
		memset(&link, 0, sizeof(link));
		if (dev->ops.link_is_up(dev, pidx, &link) == 0 && link.up)
			return 0;
		if (rte_get_timer_cycles() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}
