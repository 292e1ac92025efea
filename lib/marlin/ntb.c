/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* NTB device class: the device table, ops validation, device allocation
 * and release, users, and lookup by name or id. */

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

RTE_LOG_REGISTER_SUFFIX(marlin_ntb_logtype, ntb, NOTICE);

struct rte_marlin_ntb_dev *marlin_ntb_devs[RTE_MARLIN_NTB_MAX_DEVS];
/* Guards the table slots and every device's users/removed fields: a device
 * may be removed on one thread while a user lets go of it on another. */
static rte_spinlock_t ntb_devs_lock = RTE_SPINLOCK_INITIALIZER;

/* -ENOTSUP stubs for missing optional ops. */
static int nosup_set_trans(struct rte_marlin_ntb_dev *d, int p, int w, void *a,
		rte_iova_t i, size_t s) { (void)d; (void)p; (void)w; (void)a; (void)i; (void)s; return -ENOTSUP; }
static int nosup_2idx(struct rte_marlin_ntb_dev *d, int p, int w) { (void)d; (void)p; (void)w; return -ENOTSUP; }
static int nosup_mw_alloc(struct rte_marlin_ntb_dev *d, int p, int w, size_t s,
		void **a, size_t *l) { (void)d; (void)p; (void)w; (void)s; (void)a; (void)l; return -ENOTSUP; }
static int nosup_expose(struct rte_marlin_ntb_dev *d, int p, int w, size_t o,
		size_t l, unsigned int r) { (void)d; (void)p; (void)w; (void)o; (void)l; (void)r; return -ENOTSUP; }
static int nosup_unexpose(struct rte_marlin_ntb_dev *d, int p, int w, size_t o,
		size_t l) { (void)d; (void)p; (void)w; (void)o; (void)l; return -ENOTSUP; }
static int nosup_bits(struct rte_marlin_ntb_dev *d, uint64_t b) { (void)d; (void)b; return -ENOTSUP; }
static int nosup_pbits(struct rte_marlin_ntb_dev *d, uint64_t *b) { (void)d; (void)b; return -ENOTSUP; }
static int nosup_spad_rd(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t *v) { (void)d; (void)p; (void)s; (void)v; return -ENOTSUP; }
static int nosup_spad_wr(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t v) { (void)d; (void)p; (void)s; (void)v; return -ENOTSUP; }
static int zero_count(struct rte_marlin_ntb_dev *d) { (void)d; return 0; }
static int nosup_msg_rd(struct rte_marlin_ntb_dev *d, int m, int *p, uint32_t *v) { (void)d; (void)m; (void)p; (void)v; return -ENOTSUP; }
static int nosup_poll(struct rte_marlin_ntb_dev *d) { (void)d; return 0; }
static void nop_close(struct rte_marlin_ntb_dev *d) { (void)d; }

/* Default port numbering: peers take the port numbers other than ours. */
static int
default_peer_port_number(struct rte_marlin_ntb_dev *dev, int pidx)
{
	int port = dev->ops.port_number(dev);

	return pidx >= port ? pidx + 1 : pidx;
}

static int
default_peer_port_idx(struct rte_marlin_ntb_dev *dev, int port)
{
	int local = dev->ops.port_number(dev);
	int count = dev->ops.peer_port_count(dev);
	int pidx;

	if (port == local || port < 0)
		return -EINVAL;
	pidx = port > local ? port - 1 : port;
	return pidx < count ? pidx : -EINVAL;
}

#define NEED(op) do { \
	if (in->op == NULL) { \
		NTB_LOG(ERR, "ops table lacks mandatory op %s", #op); \
		return -EINVAL; \
	} } while (0)

/* All of a group or none of it. */
#define GROUP2(a, b) do { \
	if ((in->a == NULL) != (in->b == NULL)) { \
		NTB_LOG(ERR, "ops %s and %s must be provided together", #a, #b); \
		return -EINVAL; \
	} } while (0)

#define FILL(op, stub) do { if (out->op == NULL) out->op = (stub); } while (0)

int
rte_marlin_ntb_ops_validate(const struct rte_marlin_ntb_ops *in,
		struct rte_marlin_ntb_ops *out)
{
	if (in == NULL || out == NULL)
		return -EINVAL;

	NEED(port_number);
	NEED(peer_port_count);
	NEED(link_is_up);
	NEED(link_enable);
	NEED(link_disable);
	NEED(mw_count);
	NEED(mw_get_align);
	NEED(peer_mw_count);
	NEED(peer_mw_get_addr);
	NEED(db_valid_mask);
	NEED(db_read);
	NEED(db_clear);
	NEED(peer_db_set);

	GROUP2(peer_port_number, peer_port_idx);
	GROUP2(mw_set_trans, mw_clear_trans);
	GROUP2(mw_expose, mw_unexpose);
	GROUP2(mw_alloc, mw_free);
	if (in->mw_set_trans == NULL && in->mw_alloc == NULL) {
		NTB_LOG(ERR, "ops table needs mw_set_trans or mw_alloc: inbound windows cannot be set up otherwise");
		return -EINVAL;
	}
	GROUP2(db_set_mask, db_clear_mask);
	if (in->db_read_mask != NULL && in->db_set_mask == NULL) {
		NTB_LOG(ERR, "op db_read_mask needs db_set_mask and db_clear_mask");
		return -EINVAL;
	}
	GROUP2(spad_count, spad_read);
	GROUP2(spad_count, peer_spad_write);
	if ((in->spad_write != NULL || in->peer_spad_read != NULL) &&
			in->spad_count == NULL) {
		NTB_LOG(ERR, "ops spad_write/peer_spad_read need spad_count, spad_read and peer_spad_write");
		return -EINVAL;
	}
	GROUP2(msg_count, msg_read);
	GROUP2(msg_count, peer_msg_write);

	*out = *in;
	FILL(peer_port_number, default_peer_port_number);
	FILL(peer_port_idx, default_peer_port_idx);
	FILL(mw_set_trans, nosup_set_trans);
	FILL(mw_clear_trans, nosup_2idx);
	FILL(mw_alloc, nosup_mw_alloc);
	FILL(mw_free, nosup_2idx);
	FILL(mw_expose, nosup_expose);
	FILL(mw_unexpose, nosup_unexpose);
	FILL(db_set_mask, nosup_bits);
	FILL(db_clear_mask, nosup_bits);
	FILL(db_read_mask, nosup_pbits);
	FILL(spad_count, zero_count);
	FILL(spad_read, nosup_spad_rd);
	FILL(spad_write, nosup_spad_wr);
	FILL(peer_spad_read, nosup_spad_rd);
	FILL(peer_spad_write, nosup_spad_wr);
	FILL(msg_count, zero_count);
	FILL(msg_read, nosup_msg_rd);
	FILL(peer_msg_write, nosup_spad_wr);
	FILL(poll, nosup_poll);
	FILL(close, nop_close);
	return 0;
}

struct rte_marlin_ntb_dev *
rte_marlin_ntb_dev_get(const char *name)
{
	int i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++)
		if (marlin_ntb_devs[i] != NULL && !dev_removed(marlin_ntb_devs[i]) &&
				strcmp(marlin_ntb_devs[i]->name, name) == 0)
			return marlin_ntb_devs[i];
	return NULL;
}

struct rte_marlin_ntb_dev *
rte_marlin_ntb_dev_allocate(const char *name, const char *driver,
		const struct rte_marlin_ntb_ops *ops, size_t priv_size)
{
	struct rte_marlin_ntb_dev *dev;
	int slot = -1, i;

	if (name == NULL || name[0] == '\0' ||
			strnlen(name, RTE_MARLIN_NTB_NAME_LEN) >= RTE_MARLIN_NTB_NAME_LEN) {
		NTB_LOG(ERR, "device name missing or longer than %d characters",
			RTE_MARLIN_NTB_NAME_LEN - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if (rte_marlin_ntb_dev_get(name) != NULL) {
		NTB_LOG(ERR, "device %s exists already", name);
		rte_errno = EEXIST;
		return NULL;
	}
	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++) {
		if (marlin_ntb_devs[i] == NULL) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		NTB_LOG(ERR, "cannot add %s: all %d device slots are in use",
			name, RTE_MARLIN_NTB_MAX_DEVS);
		rte_errno = ENOSPC;
		return NULL;
	}
	dev = rte_zmalloc("marlin_ntb_dev", sizeof(*dev), RTE_CACHE_LINE_SIZE);
	if (dev == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (rte_marlin_ntb_ops_validate(ops, &dev->ops) != 0) {
		NTB_LOG(ERR, "driver %s: invalid ops table, device %s not created",
			driver ? driver : "?", name);
		rte_free(dev);
		rte_errno = EINVAL;
		return NULL;
	}
	if (priv_size > 0) {
		dev->priv = rte_zmalloc("marlin_ntb_priv", priv_size,
					RTE_CACHE_LINE_SIZE);
		if (dev->priv == NULL) {
			rte_free(dev);
			rte_errno = ENOMEM;
			return NULL;
		}
	}
	strlcpy(dev->name, name, sizeof(dev->name));
	dev->driver = driver ? driver : "unknown";
	rte_spinlock_lock(&ntb_devs_lock);
	if (marlin_ntb_devs[slot] != NULL) {
		/* Another thread took it meanwhile: take the next free one. */
		for (slot = 0; slot < RTE_MARLIN_NTB_MAX_DEVS; slot++)
			if (marlin_ntb_devs[slot] == NULL)
				break;
	}
	if (slot < RTE_MARLIN_NTB_MAX_DEVS) {
		dev->dev_id = slot;
		marlin_ntb_devs[slot] = dev;
	}
	rte_spinlock_unlock(&ntb_devs_lock);
	if (slot >= RTE_MARLIN_NTB_MAX_DEVS) {
		rte_free(dev->priv);
		rte_free(dev);
		rte_errno = ENOSPC;
		return NULL;
	}
	return dev;
}
/* Free a device nobody uses any more; its slot is already empty. */
static void
dev_free(struct rte_marlin_ntb_dev *dev)
{
	ntb_mw_mem_release_all(dev);
	dev->ops.close(dev);
	rte_free(dev->mw_mem);
	rte_free(dev->priv);
	rte_free(dev);
}

int
rte_marlin_ntb_dev_release(struct rte_marlin_ntb_dev *dev)
{
	uint32_t users;

	if (dev == NULL)
		return 0;
	rte_spinlock_lock(&ntb_devs_lock);
	if (dev->dev_id >= RTE_MARLIN_NTB_MAX_DEVS || marlin_ntb_devs[dev->dev_id] != dev ||
			dev_removed(dev)) {
		rte_spinlock_unlock(&ntb_devs_lock);
		return -EINVAL;
	}
	users = dev->users;
	if (users > 0) {
		/* Gone for its users, alive in memory until the last lets go. */
		__atomic_store_n(&dev->removed, 1, __ATOMIC_RELEASE);
		dev->device = NULL;    /* the bus frees it when we return */
		rte_spinlock_unlock(&ntb_devs_lock);
		NTB_LOG(NOTICE, "%s removed while %u user%s still hold%s it: they see the link down and -ENODEV; it is freed when the last one lets go",
			dev->name, users, users > 1 ? "s" : "", users > 1 ? "" : "s");
		return 0;
	}
	marlin_ntb_devs[dev->dev_id] = NULL;
	rte_spinlock_unlock(&ntb_devs_lock);
	dev_free(dev);
	return 0;
}

int
rte_marlin_ntb_dev_users(const struct rte_marlin_ntb_dev *dev)
{
	uint32_t n;

	if (dev == NULL)
		return -EINVAL;
	rte_spinlock_lock(&ntb_devs_lock);
	n = dev->users;
	rte_spinlock_unlock(&ntb_devs_lock);
	return (int)n;
}

int
rte_marlin_ntb_user_get(uint16_t dev_id)
{
	struct rte_marlin_ntb_dev *dev;
	int rc = -ENODEV;

	if (dev_id >= RTE_MARLIN_NTB_MAX_DEVS)
		return -ENODEV;
	rte_spinlock_lock(&ntb_devs_lock);
	dev = marlin_ntb_devs[dev_id];
	if (dev != NULL && !dev_removed(dev)) {
		dev->users++;
		rc = 0;
	}
	rte_spinlock_unlock(&ntb_devs_lock);
	return rc;
}

int
rte_marlin_ntb_user_put(uint16_t dev_id)
{
	struct rte_marlin_ntb_dev *dev;
	int last = 0;

	if (dev_id >= RTE_MARLIN_NTB_MAX_DEVS)
		return -ENODEV;
	rte_spinlock_lock(&ntb_devs_lock);
	dev = marlin_ntb_devs[dev_id];
	if (dev == NULL || dev->users == 0) {
		rte_spinlock_unlock(&ntb_devs_lock);
		return dev == NULL ? -ENODEV : -EINVAL;
	}
	dev->users--;
	if (dev->users == 0 && dev_removed(dev)) {
		marlin_ntb_devs[dev_id] = NULL;
		last = 1;
	}
	rte_spinlock_unlock(&ntb_devs_lock);
	if (last) {
		NTB_LOG(INFO, "%s: last user gone, device freed", dev->name);
		dev_free(dev);
	}
	return 0;
}
/* ---- lookup ---- */

int
rte_marlin_ntb_count(void)
{
	int i, n = 0;

	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++)
		n += get_dev(i) != NULL;
	return n;
}

int
rte_marlin_ntb_get_by_name(const char *name)
{
	struct rte_marlin_ntb_dev *dev;

	if (name == NULL)
		return -EINVAL;
	dev = rte_marlin_ntb_dev_get(name);
	return dev ? dev->dev_id : -ENODEV;
}

int
rte_marlin_ntb_is_valid(uint16_t dev_id)
{
	return get_dev(dev_id) != NULL;
}
