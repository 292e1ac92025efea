/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm ops table. The class has checked every index and doorbell bit
 * before an op runs. Link state is refreshed by poll and link_is_up at most
 * once per millisecond (page flags) and once per 10 ms (files, liveness).
 */

#include <errno.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "rte_marlin_ntb_driver.h"
#include "rte_marlin_args.h"
#include "shm_private.h"


#define SHM_FAST_PER_SEC 1000 /* page flags: every 1 ms */
#define SHM_SLOW_PER_SEC 100  /* files and locks: every 10 ms */

static inline struct shm_dev *
to_shm(struct rte_marlin_ntb_dev *dev)
{
	return dev->priv;
}

static inline struct shm_host *
to_host(struct rte_marlin_ntb_dev *dev)
{
	return &to_shm(dev)->host;
}

static void
shm_refresh(struct shm_dev *sd, int force)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t hz = rte_get_timer_hz();
	int slow;

	if (!force && now < sd->next_fast)
		return;
	slow = force || now >= sd->next_slow;
	sd->next_fast = now + hz / SHM_FAST_PER_SEC;
	if (slow)
		sd->next_slow = now + hz / SHM_SLOW_PER_SEC;
	shm_host_refresh(&sd->host, slow);
}

static int
shm_port_number(struct rte_marlin_ntb_dev *dev)
{
	return to_host(dev)->p.host;
}

static int
shm_peer_port_count(struct rte_marlin_ntb_dev *dev)
{
	return to_host(dev)->npeers;
}

static int
shm_peer_port_number(struct rte_marlin_ntb_dev *dev, int pidx)
{
	return shm_pidx_to_host(to_host(dev), pidx);
}

static int
shm_peer_port_idx(struct rte_marlin_ntb_dev *dev, int port)
{
	struct shm_host *h = to_host(dev);

	if (port < 0 || port >= h->p.hosts || port == h->p.host)
		return -EINVAL;
	return shm_host_to_pidx(h, port);
}

static int
shm_link_is_up(struct rte_marlin_ntb_dev *dev, int pidx,
		struct rte_marlin_ntb_link *link)
{
	struct shm_dev *sd = to_shm(dev);
	struct shm_peer *pr = &sd->host.peers[pidx];
	int up;

	shm_refresh(sd, 0);
	up = LOAD_ACQ(&pr->link_up);
	link->up = up;
	/* Memory has no PCIe generation nor lanes: say so, invent nothing. */
	link->speed = up ? RTE_MARLIN_NTB_SPEED_UNKNOWN : RTE_MARLIN_NTB_SPEED_NONE;
	link->width = up ? RTE_MARLIN_NTB_WIDTH_UNKNOWN : RTE_MARLIN_NTB_WIDTH_NONE;
	link->peer_epoch = pr->epoch;
	return 0;
}

static int
shm_link_enable(struct rte_marlin_ntb_dev *dev,
		enum rte_marlin_ntb_speed speed, enum rte_marlin_ntb_width width)
{
	struct shm_dev *sd = to_shm(dev);

	RTE_SET_USED(speed);
	RTE_SET_USED(width);
	shm_host_link_set(&sd->host, 1);
	shm_refresh(sd, 1);
	return 0;
}

static int
shm_link_disable(struct rte_marlin_ntb_dev *dev)
{
	shm_host_link_set(to_host(dev), 0);
	return 0;
}

static int
shm_mw_count(struct rte_marlin_ntb_dev *dev, int pidx)
{
	RTE_SET_USED(pidx);
	return to_host(dev)->p.mw_count;
}

static int
shm_mw_get_align(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align)
{
	struct shm_host *h = to_host(dev);

	RTE_SET_USED(pidx);
	RTE_SET_USED(widx);
	align->addr_align = h->page_size;
	align->size_align = h->page_size;
	align->size_max = h->p.mw_size;
	return 0;
}

static int
shm_mw_set_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		void *addr, rte_iova_t iova, size_t size)
{
	RTE_SET_USED(pidx);
	RTE_SET_USED(addr);
	RTE_SET_USED(iova);
	RTE_SET_USED(size);
	SHM_LOG(ERR, "%s: window %d is a fixed file and cannot be pointed elsewhere: use rte_marlin_ntb_mw_alloc() to get its memory",
		dev->name, widx);
	return -ENOTSUP;
}

/* Ranges mode (manager= and mw_ranges=1); otherwise the whole window is
 * what the grant gives, and there is nothing to do. */
static int
shm_mw_expose(struct rte_marlin_ntb_dev *dev, int pidx, int widx, size_t off,
		size_t len, unsigned int rights)
{
	struct shm_host *h = to_host(dev);

	if (h->grant == NULL || !h->p.mw_ranges)
		return off + len <= h->p.mw_size ? 0 : -EINVAL;
	return shm_grant_expose(h, pidx, widx, off, len, rights);
}

static int
shm_mw_unexpose(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		size_t off, size_t len)
{
	struct shm_host *h = to_host(dev);

	if (h->grant == NULL || !h->p.mw_ranges)
		return off + len <= h->p.mw_size ? 0 : -EINVAL;
	return shm_grant_unexpose(h, pidx, widx, off, len);
}

static int
shm_mw_clear_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(pidx);
	RTE_SET_USED(widx);
	return -ENOTSUP;
}

static int
shm_mw_alloc(struct rte_marlin_ntb_dev *dev, int pidx, int widx, size_t size,
		void **addr, size_t *len)
{
	struct shm_host *h = to_host(dev);
	char a[32], b[32];

	if (size > h->p.mw_size) {
		SHM_LOG(ERR, "%s: window %d holds %s, %s asked: raise mw_size= or ask for less",
			dev->name, widx,
			rte_marlin_size_format(h->p.mw_size, a, sizeof(a)),
			rte_marlin_size_format(size, b, sizeof(b)));
		return -EINVAL;
	}
	*addr = h->grant != NULL ? shm_grant_mw(h, pidx, widx) : h->mw[widx];
	*len = h->p.mw_size;
	return 0;
}

static int
shm_mw_free(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	/* The window file lives as long as the device. */
	RTE_SET_USED(dev);
	RTE_SET_USED(pidx);
	RTE_SET_USED(widx);
	return 0;
}

static int
shm_peer_mw_get_addr(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		void **base, size_t *size)
{
	struct shm_host *h = to_host(dev);
	void *va = shm_peer_mw_get(h, pidx, widx);

	if (va == NULL) {
		SHM_LOG(ERR, "%s: no address space left for window %d of peer %d",
			dev->name, widx, pidx);
		return -ENOMEM;
	}
	*base = va;
	*size = h->p.mw_size;
	return 0;
}

static int
shm_db_valid_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask)
{
	RTE_SET_USED(dev);
	*mask = UINT64_MAX;
	return 0;
}

/* OR of the doorbell bytes every peer has set on our page. */
static int
shm_db_read(struct rte_marlin_ntb_dev *dev, uint64_t *bits)
{
	struct shm_host *h = to_host(dev);
	uint64_t out = 0;
	int i;

	for (i = 0; i < h->npeers; i++)
		out |= rte_marlin_ntb_bank_db_read(h->in_bank[i]);
	*bits = out;
	return 0;
}

static int
shm_db_clear(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct shm_host *h = to_host(dev);
	int i;

	for (i = 0; i < h->npeers; i++)
		rte_marlin_ntb_bank_db_clear(h->in_bank[i], bits);
	return 0;
}

static int
shm_db_set_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	to_host(dev)->db_mask |= bits;
	return 0;
}

static int
shm_db_clear_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	to_host(dev)->db_mask &= ~bits;
	return 0;
}

static int
shm_db_read_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask)
{
	*mask = to_host(dev)->db_mask;
	return 0;
}

static int
shm_peer_db_set(struct rte_marlin_ntb_dev *dev, int pidx, uint64_t bits)
{
	struct shm_host *h = to_host(dev);
	struct shm_peer *pr = &h->peers[pidx];

	if (!LOAD_ACQ(&pr->link_up))
		return -ENOLINK;
	rte_marlin_ntb_bank_db_ring(h->out_bank[pidx], bits);
	return 0;
}

static int
shm_spad_count(struct rte_marlin_ntb_dev *dev)
{
	return to_host(dev)->p.spad_count;
}

static int
shm_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val)
{
	struct shm_dev *sd = to_shm(dev);
	struct shm_host *h = &sd->host;
	struct shm_peer *pr = &h->peers[pidx];
	const struct rte_marlin_ntb_bank *src = h->in_bank[pidx];
	uint64_t stamp = LOAD_ACQ(&src->epoch);

	/* A stamp we do not know may be from a peer that just restarted. */
	if (stamp != 0 && stamp != pr->epoch)
		shm_refresh(sd, 0);
	*val = rte_marlin_ntb_bank_spad_get(src, pr->epoch, sidx);
	return 0;
}

static int
shm_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val)
{
	struct shm_host *h = to_host(dev);

	STORE_REL(&h->in_bank[pidx]->spad[sidx], val);
	return 0;
}

static int
shm_peer_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val)
{
	struct shm_host *h = to_host(dev);
	struct shm_peer *pr = &h->peers[pidx];

	if (!LOAD_ACQ(&pr->link_up))
		return -ENOLINK;
	rte_marlin_ntb_bank_spad_put(h->out_bank[pidx], h->epoch, sidx, val);
	return 0;
}

static int
shm_peer_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val)
{
	struct shm_host *h = to_host(dev);
	struct shm_peer *pr = &h->peers[pidx];

	if (!LOAD_ACQ(&pr->link_up))
		return -ENOLINK;
	*val = rte_marlin_ntb_bank_spad_get(h->out_bank[pidx], h->epoch, sidx);
	return 0;
}

static int
shm_poll(struct rte_marlin_ntb_dev *dev)
{
	struct shm_dev *sd = to_shm(dev);

	shm_refresh(sd, 0);
	shm_host_heartbeat(&sd->host);
	return 0;
}

static void
shm_close(struct rte_marlin_ntb_dev *dev)
{
	struct shm_dev *sd = to_shm(dev);

	if (sd == NULL || !sd->opened)
		return;
	shm_host_close(&sd->host);
	sd->opened = 0;
}

const struct rte_marlin_ntb_ops shm_ops = {
	.port_number = shm_port_number,
	.peer_port_count = shm_peer_port_count,
	.peer_port_number = shm_peer_port_number,
	.peer_port_idx = shm_peer_port_idx,
	.link_is_up = shm_link_is_up,
	.link_enable = shm_link_enable,
	.link_disable = shm_link_disable,
	.mw_count = shm_mw_count,
	.mw_get_align = shm_mw_get_align,
	.mw_set_trans = shm_mw_set_trans,
	.mw_expose = shm_mw_expose,
	.mw_unexpose = shm_mw_unexpose,
	.mw_clear_trans = shm_mw_clear_trans,
	.mw_alloc = shm_mw_alloc,
	.mw_free = shm_mw_free,
	.peer_mw_count = shm_mw_count,
	.peer_mw_get_addr = shm_peer_mw_get_addr,
	.db_valid_mask = shm_db_valid_mask,
	.db_read = shm_db_read,
	.db_clear = shm_db_clear,
	.db_set_mask = shm_db_set_mask,
	.db_clear_mask = shm_db_clear_mask,
	.db_read_mask = shm_db_read_mask,
	.peer_db_set = shm_peer_db_set,
	.spad_count = shm_spad_count,
	.spad_read = shm_spad_read,
	.spad_write = shm_spad_write,
	.peer_spad_read = shm_peer_spad_read,
	.peer_spad_write = shm_peer_spad_write,
	.poll = shm_poll,
	.close = shm_close,
};
