/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_intel under the rack manager (devargs manager=SOCKET,host=H,peer=P).
 *
 * The port registers with the manager as host H. Its inbound windows are
 * what host P (across the cable) reaches of this host, so a window opens
 * only while the manager grants (owner H, peer P, window w):
 *
 * - the application's translation (mw_set_trans) is recorded; the
 *   translation and limit registers are programmed, to exactly that
 *   memory, only while the grant stands; before, the window stays closed
 *   (zero length: the peer's stores hit nothing);
 * - the same memory, and nothing else, is mapped in the port's IOMMU
 *   domain (the driver's own VFIO container on hardware), device-writable
 *   only for a read-write grant: a read-only grant is enforced by the
 *   IOMMU, which Intel NTB translations cannot do alone, so without an
 *   IOMMU domain a read-only grant leaves the window closed;
 * - a revocation closes the window and removes the IOMMU mapping at once.
 *   This is what the software fabric's owner does by moving its pages to
 *   fresh memory: the peer's only path to the pages (translation, then
 *   IOMMU) is gone, and a store that arrives after the unmap faults in the
 *   IOMMU. A later grant reopens the window to the memory the application
 *   set (an HRDMA channel on it comes back without being recreated); a new
 *   mw_set_trans moves it elsewhere at any time.
 *
 * With mw_ranges=1 the translation still covers the whole window, but the
 * IOMMU maps only the ranges the application exposed
 * (rte_marlin_ntb_mw_expose()), writable only where both the grant and
 * the range allow: a store to any other page of the window faults in the
 * IOMMU. Without an IOMMU domain such a window stays closed.
 *
 * The data plane never waits on the manager: events are read from the
 * device's poll without blocking; when the manager goes away the windows
 * stay as they are and the driver registers again once it is back.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>

#include <rte_marlin_rack.h>

#include "ntb_intel_private.h"

/* How often to try the manager again after it went away. */
#define GRANT_RESUME_MS 1000

static const char *
access_name(uint32_t access)
{
	return access == RTE_MARLIN_RACK_ACCESS_RW ? "rw" :
		access == RTE_MARLIN_RACK_ACCESS_RO ? "ro" : "none";
}

/* IOMMU mapping of exposed range @i of window @w (ranges mode). */
static int
range_map(struct ntb_intel_hw *hw, int w, int i)
{
	struct ntb_intel_grant_win *g = &hw->gw[w];
	int rc;

	if (g->range[i].mapped)
		return 0;
	rc = hw->iommu.map(hw->iommu.ctx, g->iova + g->range[i].off,
		(uint8_t *)g->addr + g->range[i].off, g->range[i].len,
		g->access == RTE_MARLIN_RACK_ACCESS_RW && g->range[i].writable);
	if (rc != 0) {
		NTB_INTEL_LOG(ERR, "%s: window %d: IOMMU map of range 0x%zx+0x%zx failed: %s; host %d cannot reach it",
			hw->dev->name, w, g->range[i].off, g->range[i].len,
			strerror(-rc), hw->args.peer);
		return rc;
	}
	g->range[i].mapped = 1;
	return 0;
}

static void
range_unmap(struct ntb_intel_hw *hw, int w, int i)
{
	struct ntb_intel_grant_win *g = &hw->gw[w];
	int rc;

	if (!g->range[i].mapped)
		return;
	rc = hw->iommu.unmap(hw->iommu.ctx, g->iova + g->range[i].off,
		g->range[i].len);
	if (rc != 0)
		NTB_INTEL_LOG(ERR, "%s: window %d: IOMMU unmap of range 0x%zx+0x%zx failed: %s",
			hw->dev->name, w, g->range[i].off, g->range[i].len,
			strerror(-rc));
	g->range[i].mapped = 0;
}

static void
ranges_unmap(struct ntb_intel_hw *hw, int w)
{
	int i;

	for (i = 0; i < hw->gw[w].nranges; i++)
		range_unmap(hw, w, i);
}

/* Close window @w: translation and limit first (the peer's stores stop
 * landing), then the IOMMU mapping. */
static void
win_close(struct ntb_intel_hw *hw, int w)
{
	struct ntb_intel_grant_win *g = &hw->gw[w];
	int rc;

	if (g->open)
		hw->gen->ops->mw_clear_trans(hw->dev, 0, w);
	g->open = 0;
	ranges_unmap(hw, w);
	if (g->mapped && hw->iommu.map != NULL) {
		rc = hw->iommu.unmap(hw->iommu.ctx, g->iova, g->size);
		if (rc != 0)
			NTB_INTEL_LOG(ERR, "%s: window %d: IOMMU unmap of 0x%" PRIx64 "+%zu failed: %s",
				hw->dev->name, w, g->iova, g->size, strerror(-rc));
	}
	g->mapped = 0;
}

/* Open window @w as far as its grant allows, to the recorded memory. */
static int
win_open(struct ntb_intel_hw *hw, int w)
{
	struct ntb_intel_grant_win *g = &hw->gw[w];
	int rc;

	if (!g->want || g->open || g->access == 0)
		return 0;
	if (hw->iommu.map == NULL && g->access == RTE_MARLIN_RACK_ACCESS_RO) {
		NTB_INTEL_LOG(ERR, "%s: window %d: host %d may only read it, which an Intel NTB translation cannot enforce without the IOMMU: the window stays closed (grant rw, or run with an IOMMU)",
			hw->dev->name, w, hw->args.peer);
		return -EPERM;
	}
	if (hw->args.mw_ranges && hw->iommu.map == NULL) {
		NTB_INTEL_LOG(ERR, "%s: window %d: mw_ranges=1 needs the IOMMU to map exposed ranges only: the window stays closed",
			hw->dev->name, w);
		return -EPERM;
	}
	if (hw->args.mw_ranges) {
		int i;

		for (i = 0; i < g->nranges; i++)
			range_map(hw, w, i);
	} else if (hw->iommu.map != NULL) {
		rc = hw->iommu.map(hw->iommu.ctx, g->iova, g->addr, g->size,
				g->access == RTE_MARLIN_RACK_ACCESS_RW);
		if (rc != 0) {
			NTB_INTEL_LOG(ERR, "%s: window %d: IOMMU map of 0x%" PRIx64 "+%zu failed: %s; the window stays closed",
				hw->dev->name, w, g->iova, g->size, strerror(-rc));
			return rc;
		}
		g->mapped = 1;
	}
	rc = hw->gen->ops->mw_set_trans(hw->dev, 0, w, g->addr, g->iova, g->size);
	if (rc != 0) {
		win_close(hw, w);
		return rc;
	}
	g->open = 1;
	NTB_INTEL_LOG(INFO, "%s: window %d open to host %d (%s, %zu bytes)",
		hw->dev->name, w, hw->args.peer, access_name(g->access), g->size);
	return 0;
}

static int
grant_set_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx, void *addr,
		rte_iova_t iova, size_t size)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	struct ntb_intel_grant_win *g = &hw->gw[widx];

	RTE_SET_USED(pidx);
	win_close(hw, widx);
	g->want = 1;
	g->addr = addr;
	g->iova = iova;
	g->size = size;
	if (g->access == 0) {
		NTB_INTEL_LOG(INFO, "%s: window %d is not granted to host %d yet: it stays closed until the rack manager grants it (marlin-fabric grant %d %d rw %d)",
			dev->name, widx, hw->args.peer, hw->args.host,
			hw->args.peer, widx);
		return 0;
	}
	return win_open(hw, widx);
}

static int
grant_clear_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);

	RTE_SET_USED(pidx);
	win_close(hw, widx);
	hw->gw[widx].want = 0;
	return 0;
}

/* Ranges mode: expose a range of a window; mapped at once if it is open. */
static int
grant_mw_expose(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		size_t off, size_t len, unsigned int rights)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	struct ntb_intel_grant_win *g = &hw->gw[widx];
	int i, rc;

	RTE_SET_USED(pidx);
	if (!hw->args.mw_ranges)
		return 0;       /* the whole window is what the grant opens */
	if (!g->want || off + len > g->size)
		return -EINVAL; /* ranges of the memory mw_set_trans gave */
	for (i = 0; i < g->nranges; i++) {
		if (g->range[i].off == off && g->range[i].len == len) {
			g->range[i].refs++;
			return 0;
		}
		if (g->range[i].off < off + len && off < g->range[i].off +
				g->range[i].len)
			return -EEXIST;
	}
	if (g->nranges == NTB_INTEL_MAX_RANGES)
		return -ENOSPC;
	i = g->nranges++;
	memset(&g->range[i], 0, sizeof(g->range[i]));
	g->range[i].off = off;
	g->range[i].len = len;
	g->range[i].refs = 1;
	g->range[i].writable = (rights & RTE_MARLIN_NTB_MW_WRITE) != 0;
	if (g->open) {
		rc = range_map(hw, widx, i);
		if (rc != 0) {
			g->nranges--;
			return rc;
		}
	}
	return 0;
}

static int
grant_mw_unexpose(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		size_t off, size_t len)
{
	struct ntb_intel_hw *hw = ntb_intel_hw(dev);
	struct ntb_intel_grant_win *g = &hw->gw[widx];
	int i;

	RTE_SET_USED(pidx);
	if (!hw->args.mw_ranges)
		return 0;
	for (i = 0; i < g->nranges; i++)
		if (g->range[i].off == off && g->range[i].len == len)
			break;
	if (i == g->nranges)
		return -ENOENT;
	if (--g->range[i].refs > 0)
		return 0;
	range_unmap(hw, widx, i);       /* out of the peer's reach now */
	g->range[i] = g->range[--g->nranges];
	return 0;
}

/* A grant for (this host, peer, window) changed to @access (0: revoked). */
static void
grant_change(struct ntb_intel_hw *hw, uint32_t w, uint32_t access)
{
	struct ntb_intel_grant_win *g = &hw->gw[w];

	if (access == g->access)
		return;
	if (access == 0) {
		win_close(hw, (int)w);
		if (g->want)
			NTB_INTEL_LOG(NOTICE, "%s: window %u: grant to host %d revoked: translation cleared and IOMMU mapping removed",
				hw->dev->name, w, hw->args.peer);
		g->access = 0;
		g->revoked++;
		return;
	}
	/* new grant, or another access: reprogram from scratch */
	win_close(hw, (int)w);
	g->access = access;
	win_open(hw, (int)w);
}

/* Confirm a revocation of this host's memory that the manager waits on. */
static void
revoke_confirm(struct ntb_intel_hw *hw, const struct rte_marlin_rack_event *ev)
{
	int rc;

	if (ev->type != RTE_MARLIN_RACK_EV_REVOKE || ev->ticket == 0 ||
			ev->owner != (uint32_t)hw->args.host)
		return;
	rc = rte_marlin_rack_moved(hw->rack, ev, 0);
	if (rc != 0)
		NTB_INTEL_LOG(ERR, "%s: cannot confirm the revocation of window %u for host %u to the rack manager: %s (its revoke reports a timeout)",
			hw->dev->name, ev->window, ev->peer, strerror(-rc));
}

static void
rack_event(struct ntb_intel_hw *hw, const struct rte_marlin_rack_event *ev)
{
	uint32_t access;

	if (ev->fd >= 0)
		close(ev->fd);   /* memory objects are for ntb_shm hosts */
	if (ev->type == RTE_MARLIN_RACK_EV_REGISTERED) {
		int w;

		NTB_INTEL_LOG(NOTICE, "%s: registered again with the rack manager",
			hw->dev->name);
		hw->rack_resync = 1;
		for (w = 0; w < (int)RTE_DIM(hw->gw); w++)
			hw->gw[w].seen = 0;
		return;
	}
	if (ev->type == RTE_MARLIN_RACK_EV_REPLY && ev->status < 0)
		NTB_INTEL_LOG(ERR, "%s: the rack manager: %s", hw->dev->name,
			ev->text);
	if (ev->type != RTE_MARLIN_RACK_EV_GRANT &&
			ev->type != RTE_MARLIN_RACK_EV_REVOKE)
		return;
	/* Only our inbound side is ours to enforce: grants of the peer's
	 * memory to us are enforced by the peer's port. */
	if (ev->owner != (uint32_t)hw->args.host ||
			ev->peer != (uint32_t)hw->args.peer ||
			ev->window >= (uint32_t)hw->mw_count) {
		revoke_confirm(hw, ev); /* nothing of ours behind it */
		return;
	}
	access = ev->type == RTE_MARLIN_RACK_EV_REVOKE ? 0 : ev->access;
	if (access != RTE_MARLIN_RACK_ACCESS_RO &&
			access != RTE_MARLIN_RACK_ACCESS_RW)
		access = 0;
	hw->gw[ev->window].seen = 1;
	grant_change(hw, ev->window, access);
	/* Translation cleared, IOMMU mapping gone: the manager's revoke
	 * may return. */
	revoke_confirm(hw, ev);
}

/*
 * After registering again the manager sends the grants that stand, right
 * behind its welcome; a window it did not confirm was revoked while this
 * port was not connected.
 */
static void
resync_done(struct ntb_intel_hw *hw)
{
	int w;

	hw->rack_resync = 0;
	for (w = 0; w < hw->mw_count; w++) {
		if (!hw->gw[w].seen && hw->gw[w].access != 0) {
			NTB_INTEL_LOG(NOTICE, "%s: window %d: the rack manager no longer grants it to host %d (revoked while it was away)",
				hw->dev->name, w, hw->args.peer);
			grant_change(hw, (uint32_t)w, 0);
		}
	}
}

void
ntb_intel_grant_poll(struct ntb_intel_hw *hw)
{
	struct rte_marlin_rack_event ev;
	int rc, n;

	if (hw->rack == NULL)
		return;
	for (n = 0; n < 64; n++) {
		rc = rte_marlin_rack_event_get(hw->rack, &ev, 0);
		if (rc == 1) {
			rack_event(hw, &ev);
			continue;
		}
		if (rc == 0 && hw->rack_resync)
			resync_done(hw);
		if (rc == -ECONNRESET &&
				rte_get_timer_cycles() >= hw->rack_retry_at) {
			/* windows stay as they are; register again */
			hw->rack_retry_at = rte_get_timer_cycles() +
				rte_get_timer_hz() * GRANT_RESUME_MS / 1000;
			rte_marlin_rack_resume(hw->rack);
		}
		break;
	}
}

int
ntb_intel_grant_attach(struct ntb_intel_hw *hw)
{
	struct rte_marlin_rack_host_conf conf;
	uint64_t size = UINT64_MAX;
	int w;

	if (hw->args.manager[0] == '\0')
		return 0;
	if (hw->args.host < 0 || hw->args.peer < 0 ||
			hw->args.host == hw->args.peer) {
		NTB_INTEL_LOG(ERR, "%s: manager= needs host=ID (this port's rack host id) and peer=ID (the host across the cable), two different ids in 0..%d",
			hw->dev->name, RTE_MARLIN_RACK_MAX_HOSTS - 1);
		return -EINVAL;
	}
	for (w = 0; w < hw->mw_count; w++) {
		uint64_t len = hw->bar[hw->mw_bar[w]].len;

		if (w == hw->b2b_idx)
			len -= hw->b2b_off;
		if (len < size)
			size = len;
	}
	memset(&conf, 0, sizeof(conf));
	conf.socket = hw->args.manager;
	conf.host_id = (uint32_t)hw->args.host;
	conf.mw_count = (uint32_t)hw->mw_count;
	conf.mw_size = size;
	hw->rack = rte_marlin_rack_register(&conf);
	if (hw->rack == NULL) {
		int rc = -rte_errno;

		NTB_INTEL_LOG(ERR, "%s: cannot register as host %d with the rack manager at %s: %s",
			hw->dev->name, hw->args.host, hw->args.manager,
			strerror(rte_errno));
		return rc;
	}
	hw->dev->ops.mw_set_trans = grant_set_trans;
	hw->dev->ops.mw_clear_trans = grant_clear_trans;
	hw->dev->ops.mw_expose = grant_mw_expose;
	hw->dev->ops.mw_unexpose = grant_mw_unexpose;
	NTB_INTEL_LOG(INFO, "%s: registered as host %d with the rack manager; windows open to host %d as it grants",
		hw->dev->name, hw->args.host, hw->args.peer);
	ntb_intel_grant_poll(hw);
	return 0;
}

void
ntb_intel_grant_detach(struct ntb_intel_hw *hw)
{
	int w;

	if (hw->rack == NULL)
		return;
	for (w = 0; w < hw->mw_count && w < (int)RTE_DIM(hw->gw); w++) {
		if (hw->gen != NULL)
			win_close(hw, w);
		hw->gw[w].want = 0;
	}
	rte_marlin_rack_client_close(hw->rack);
	hw->rack = NULL;
}

int
rte_pmd_ntb_intel_grant_get(uint16_t dev_id, int widx,
		struct rte_pmd_ntb_intel_grant *g)
{
	struct ntb_intel_hw *hw = ntb_intel_hw_by_id(dev_id);

	if (hw == NULL)
		return -ENODEV;
	if (g == NULL || widx < 0 || widx >= hw->mw_count)
		return -EINVAL;
	if (hw->rack == NULL)
		return -ENOTSUP;
	memset(g, 0, sizeof(*g));
	g->access = hw->gw[widx].access;
	g->open = hw->gw[widx].open;
	g->iommu_mapped = hw->gw[widx].mapped;
	g->revoked = hw->gw[widx].revoked;
	return 0;
}
