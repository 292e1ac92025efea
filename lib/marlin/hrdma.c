/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * HRDMA channel objects: configuration, window layout, creation and
 * destruction, information. The link state machine is in hrdma_link.c,
 * the data path in hrdma_dp.c.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_copy.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "hrdma_private.h"

RTE_LOG_REGISTER_SUFFIX(marlin_hrdma_logtype, hrdma, NOTICE);

/* One channel per (device, peer) in this process. */
static struct rte_marlin_hrdma_channel *
	channels[RTE_MARLIN_NTB_MAX_DEVS][RTE_MARLIN_NTB_MAX_PEERS];

static int
conf_fill(struct rte_marlin_hrdma_conf *c, const struct rte_marlin_hrdma_conf *in)
{
	if (in != NULL)
		*c = *in;
	else {
		memset(c, 0, sizeof(*c));
		c->dma_dev_id = -1;
	}
	if (c->nb_qp == 0)
		c->nb_qp = 1;
	if (c->depth == 0)
		c->depth = 256;
	if (c->msg_size == 0)
		c->msg_size = 2048;
	if (c->cpu_threshold == 0)
		c->cpu_threshold = 4096;
	if (c->nb_qp > RTE_MARLIN_HRDMA_MAX_QP) {
		HRDMA_LOG(ERR, "nb_qp %u: at most %d queue pairs", c->nb_qp,
			RTE_MARLIN_HRDMA_MAX_QP);
		return -EINVAL;
	}
	if (hrdma_log2_exact(c->depth) < 6 || c->depth > 4096) {
		HRDMA_LOG(ERR, "depth %u: must be a power of two in 64..4096", c->depth);
		return -EINVAL;
	}
	if (hrdma_log2_exact(c->msg_size) < 6 || c->msg_size > 65536) {
		HRDMA_LOG(ERR, "msg_size %u: must be a power of two in 64..65536",
			c->msg_size);
		return -EINVAL;
	}
	if (c->widx < 0) {
		HRDMA_LOG(ERR, "widx %d: must be >= 0", c->widx);
		return -EINVAL;
	}
	if (c->dma_dev_id != -1) {
		struct rte_marlin_dma_info di;

		if (c->dma_dev_id < 0 ||
				rte_marlin_dma_info_get(c->dma_dev_id, &di) != 0) {
			HRDMA_LOG(ERR, "dma_dev_id %d: no such DMA engine (-1 for copies by the polling core)",
				c->dma_dev_id);
			return -EINVAL;
		}
		if (!di.started || di.nb_queues == 0) {
			HRDMA_LOG(ERR, "DMA engine %s: configure it (queue q serves queue pair q; queue pairs beyond its queues copy by the CPU) and start it before creating the channel",
				di.name);
			return -EINVAL;
		}
	}
	return 0;
}

/* Engine addressing for a queue pair; refuses memory the engine can't reach. */
static int
qp_dma_setup(struct rte_marlin_hrdma_channel *ch, struct rte_marlin_hrdma_qp *qp)
{
	struct rte_marlin_dma_info di;
	rte_iova_t win_iova = 0;
	int rc;

	qp->nt_copy = rte_marlin_copy_nt_fn(rte_marlin_copy_isa_default());
	qp->nt_threshold = ch->conf.nt_threshold != 0 && qp->nt_copy != NULL ?
		ch->conf.nt_threshold : UINT32_MAX;
	if (qp->nt_copy == NULL)
		qp->nt_copy = rte_marlin_copy_memcpy;
	qp->dma_id = ch->conf.dma_dev_id;
	qp->cpu_threshold = ch->conf.cpu_threshold;
	if (qp->dma_id < 0)
		return 0;
	qp->dma_q = qp->qid;
	rte_marlin_dma_info_get(qp->dma_id, &di);
	if (qp->qid >= di.nb_queues) {
		/* more queue pairs than engine queues: this one copies by CPU */
		qp->dma_id = -1;
		return 0;
	}
	qp->need_iova = !!(di.capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
	if (!qp->need_iova)
		return 0;
	rc = rte_marlin_dma_mem_iova(qp->dma_id, ch->peer_win, ch->peer_win_len,
				     &win_iova);
	if (rc != 0) {
		HRDMA_LOG(ERR, "DMA engine %s needs IO addresses and the peer's window has none it can use (%s); software NTB windows are plain files: use copies by the polling core (dma_dev_id -1) or an engine that takes virtual addresses",
			di.name, strerror(-rc));
		return -ENOTSUP;
	}
	qp->remote_region_iova = win_iova + (size_t)(qp->remote_region - ch->peer_win);
	qp->tx_slots_iova = win_iova + (size_t)(qp->tx_slots - ch->peer_win);
	return 0;
}

/* Lay out one queue pair's pointers; the slices are fixed for the channel. */
static void
qp_layout(struct rte_marlin_hrdma_channel *ch, struct rte_marlin_hrdma_qp *qp)
{
	size_t off = (size_t)qp->qid * ch->qp_area_len;
	uint8_t *l = ch->local_slice + off;
	uint8_t *r = ch->remote_slice + off;
	size_t descs = (size_t)ch->conf.depth * sizeof(struct hrdma_wire_desc);

	qp->depth = ch->conf.depth;
	qp->msg_size = ch->conf.msg_size;
	/* our slice on the peer: our credits for its ring, our descs & slots */
	qp->rx_credit = (struct hrdma_wire_credit *)r;
	qp->tx_prod = (struct hrdma_wire_credit *)(r + 64);
	qp->tx_desc = (struct hrdma_wire_desc *)(r + 128);
	qp->tx_slots = r + 128 + descs;
	/* the peer's slice here: its credits for our ring, its descs & slots */
	qp->tx_credit = (const struct hrdma_wire_credit *)l;
	qp->rx_prod = (const struct hrdma_wire_credit *)(l + 64);
	qp->rx_desc = (const struct hrdma_wire_desc *)(l + 128);
	qp->rx_slots = l + 128 + descs;
	qp->local_region = ch->local_region;
	qp->remote_region = ch->remote_slice + ch->rings_len;
}

/* Bytes of the rings of every queue pair in a slice, page aligned. */
static size_t
rings_len(const struct rte_marlin_hrdma_conf *c)
{
	size_t qp_area = RTE_ALIGN_CEIL(hrdma_qp_area_len(c->depth, c->msg_size),
					64);

	return RTE_ALIGN_CEIL(qp_area * c->nb_qp, HRDMA_PAGE);
}

ssize_t
rte_marlin_hrdma_window_size(const struct rte_marlin_hrdma_conf *conf,
		size_t region_len)
{
	struct rte_marlin_hrdma_conf in, c;
	size_t rings;

	if (conf != NULL)
		in = *conf;
	else
		memset(&in, 0, sizeof(in));
	in.dma_dev_id = -1;
	in.widx = 0;
	if (conf_fill(&c, &in) != 0)
		return -EINVAL;
	rings = rings_len(&c);
	if (region_len > (size_t)SSIZE_MAX - rings - HRDMA_PAGE)
		return -E2BIG;
	return (ssize_t)(rings + RTE_MAX(RTE_ALIGN_CEIL(region_len, HRDMA_PAGE),
					 (size_t)HRDMA_PAGE));
}

static void
rings_unexpose(struct rte_marlin_hrdma_channel *ch)
{
	if (!ch->rings_exposed)
		return;
	rte_marlin_ntb_mw_unexpose(ch->ntb_id, ch->pidx, ch->conf.widx,
		(size_t)(ch->local_slice - ch->local_win), ch->rings_len);
	ch->rings_exposed = 0;
}

struct rte_marlin_hrdma_channel *
rte_marlin_hrdma_channel_create(uint16_t ntb_id, int pidx,
		const struct rte_marlin_hrdma_conf *conf)
{
	struct rte_marlin_hrdma_channel *ch = NULL;
	struct rte_marlin_ntb_info info;
	size_t need, slices;
	void *addr = NULL;
	size_t len = 0;
	uint16_t q;
	int rc;

	rc = rte_marlin_ntb_info_get(ntb_id, &info);
	if (rc != 0) {
		rte_errno = -rc;
		return NULL;
	}
	if (pidx < 0 || pidx >= info.peer_count ||
			pidx >= RTE_MARLIN_NTB_MAX_PEERS) {
		HRDMA_LOG(ERR, "%s: peer index %d out of range (0..%d)", info.name,
			pidx, info.peer_count - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if (channels[ntb_id][pidx] != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (info.spad_count < HRDMA_SPAD_COUNT) {
		HRDMA_LOG(ERR, "%s: HRDMA needs %d scratchpads, the device has %d",
			info.name, HRDMA_SPAD_COUNT, info.spad_count);
		rte_errno = ENOTSUP;
		return NULL;
	}

	ch = rte_zmalloc("hrdma_channel", sizeof(*ch), RTE_CACHE_LINE_SIZE);
	if (ch == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rc = conf_fill(&ch->conf, conf);
	if (rc != 0)
		goto fail_rc;
	if (ch->conf.widx >= info.mw_count || ch->conf.widx >= info.peer_mw_count) {
		HRDMA_LOG(ERR, "%s: window %d does not exist (%d windows)", info.name,
			ch->conf.widx, info.mw_count);
		rc = -EINVAL;
		goto fail_rc;
	}
	ch->ntb_id = ntb_id;
	ch->pidx = pidx;
	ch->local_port = info.port;
	ch->peer_port = rte_marlin_ntb_peer_port_number(ntb_id, pidx);

	rc = rte_marlin_ntb_mw_alloc(ntb_id, pidx, ch->conf.widx, 0, &addr, &len);
	if (rc != 0) {
		HRDMA_LOG(ERR, "%s: cannot set up inbound window %d: %s", info.name,
			ch->conf.widx, strerror(-rc));
		goto fail_rc;
	}
	ch->local_win = addr;
	ch->local_win_len = len;

	/* Shared windows are split by port number among every possible host. */
	slices = info.mw_shared ? (size_t)info.peer_count + 1 : 1;
	ch->slice_len = RTE_ALIGN_FLOOR(len / slices, HRDMA_PAGE);
	ch->qp_area_len = RTE_ALIGN_CEIL(
		hrdma_qp_area_len(ch->conf.depth, ch->conf.msg_size), 64);
	ch->rings_len = rings_len(&ch->conf);
	need = ch->rings_len + HRDMA_PAGE;
	if (ch->slice_len < need) {
		HRDMA_LOG(ERR, "%s: %d queue pairs of %u x %u bytes need %zu bytes per peer; the window gives %zu (%zu bytes shared by %zu hosts): use a larger window (mw_size=), fewer hosts, or smaller rings (a lower depth or msg_size in the channel configuration; marlin-perf: --ring-depth)",
			info.name, ch->conf.nb_qp, ch->conf.depth, ch->conf.msg_size,
			need, ch->slice_len, len, slices);
		rc = -ENOSPC;
		goto fail_rc;
	}
	ch->local_slice = ch->local_win +
		(info.mw_shared ? (size_t)ch->peer_port * ch->slice_len : 0);
	ch->local_region = ch->local_slice + ch->rings_len;
	ch->local_region_len = ch->slice_len - ch->rings_len;

	/* Ranges mode: the peer reaches our rings for it and nothing else of
	 * the window (the region only as rte_marlin_hrdma_region_expose()
	 * says). Other devices expose nothing (-ENOTSUP): whole windows. */
	rc = rte_marlin_ntb_mw_expose(ntb_id, pidx, ch->conf.widx,
		(size_t)(ch->local_slice - ch->local_win), ch->rings_len,
		RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE);
	if (rc == 0) {
		ch->rings_exposed = 1;
	} else if (rc != -ENOTSUP) {
		HRDMA_LOG(ERR, "%s: cannot expose the rings of window %d to peer %d: %s",
			info.name, ch->conf.widx, pidx, strerror(-rc));
		goto fail_rc;
	}

	rc = rte_marlin_ntb_peer_mw_get_addr(ntb_id, pidx, ch->conf.widx, &addr, &len);
	if (rc != 0) {
		HRDMA_LOG(ERR, "%s: cannot map the peer's window %d: %s", info.name,
			ch->conf.widx, strerror(-rc));
		goto fail_rc;
	}
	if (len != ch->local_win_len) {
		HRDMA_LOG(ERR, "%s: the peer's window is %zu bytes, ours %zu: both hosts need the same window size",
			info.name, len, ch->local_win_len);
		rc = -EINVAL;
		goto fail_rc;
	}
	ch->peer_win = addr;
	ch->peer_win_len = len;
	ch->remote_slice = ch->peer_win +
		(info.mw_shared ? (size_t)ch->local_port * ch->slice_len : 0);

	for (q = 0; q < ch->conf.nb_qp; q++) {
		struct rte_marlin_hrdma_qp *qp;

		qp = rte_zmalloc("hrdma_qp", sizeof(*qp), RTE_CACHE_LINE_SIZE);
		if (qp == NULL) {
			rc = -ENOMEM;
			goto fail_rc;
		}
		ch->qp[q] = qp;
		qp->qid = q;
		qp->state = &ch->state;
		/* Only the software NTB is known to map windows as plain
		 * cacheable memory; silicon BARs may be write-combining. */
		qp->wc_order = info.driver == NULL ||
			strcmp(info.driver, "ntb_shm") != 0;
		/* queued engine copies may hold one entry each: room for both */
		qp->cq_size = 2u * ch->conf.depth;
		qp->cq = rte_zmalloc("hrdma_cq", sizeof(*qp->cq) * qp->cq_size,
				     RTE_CACHE_LINE_SIZE);
		if (qp->cq == NULL) {
			rc = -ENOMEM;
			goto fail_rc;
		}
		qp->pend = rte_zmalloc("hrdma_pend", sizeof(*qp->pend) * ch->conf.depth,
				       RTE_CACHE_LINE_SIZE);
		if (qp->pend == NULL) {
			rc = -ENOMEM;
			goto fail_rc;
		}
		qp_layout(ch, qp);
		rc = qp_dma_setup(ch, qp);
		if (rc != 0)
			goto fail_rc;
	}
	/* Hold the device: it stays in memory while this channel exists. */
	rc = rte_marlin_ntb_user_get(ntb_id);
	if (rc != 0)
		goto fail_rc;
	ch->state = RTE_MARLIN_HRDMA_STATE_DOWN;
	channels[ntb_id][pidx] = ch;
	rte_marlin_hrdma_channel_poll(ch);
	return ch;

fail_rc:
	rings_unexpose(ch);
	for (q = 0; q < RTE_MARLIN_HRDMA_MAX_QP; q++) {
		if (ch->qp[q] != NULL) {
			rte_free(ch->qp[q]->pend);
			rte_free(ch->qp[q]->cq);
			rte_free(ch->qp[q]);
		}
	}
	rte_free(ch);
	rte_errno = -rc;
	return NULL;
}

int
rte_marlin_hrdma_channel_destroy(struct rte_marlin_hrdma_channel *ch)
{
	uint16_t q, ntb_id;

	if (ch == NULL)
		return 0;
	hrdma_go_down(ch, "channel destroyed");
	if (channels[ch->ntb_id][ch->pidx] == ch)
		channels[ch->ntb_id][ch->pidx] = NULL;
	for (q = 0; q < ch->conf.nb_qp; q++) {
		rte_free(ch->qp[q]->pend);
		rte_free(ch->qp[q]->cq);
		rte_free(ch->qp[q]);
	}
	rings_unexpose(ch);
	ntb_id = ch->ntb_id;
	rte_free(ch);
	/* Last: frees the device when it was removed meanwhile. */
	rte_marlin_ntb_user_put(ntb_id);
	return 0;
}

int
rte_marlin_hrdma_channel_info(struct rte_marlin_hrdma_channel *ch,
		struct rte_marlin_hrdma_info *info)
{
	if (ch == NULL || info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->state = __atomic_load_n(&ch->state, __ATOMIC_RELAXED);
	info->nb_qp = ch->conf.nb_qp;
	info->depth = ch->conf.depth;
	info->msg_size = ch->conf.msg_size;
	info->local_region = ch->local_region;
	info->local_region_len = ch->local_region_len;
	info->remote_region_len =
		info->state == RTE_MARLIN_HRDMA_STATE_UP ? ch->remote_region_len : 0;
	info->local_epoch = ch->epoch;
	info->peer_epoch = ch->peer_epoch;
	info->link_ups = ch->link_ups;
	info->peer_errors = ch->peer_errors;
	info->error = ch->error;
	if (ch->peer_geom != 0) {
		/* Peer-written: decoded with bounded shifts, reported only. */
		info->peer_nb_qp = ch->peer_geom & 0xff;
		info->peer_depth = UINT32_C(1) << ((ch->peer_geom >> 8) & 0x1f);
		info->peer_msg_size = UINT32_C(1) << ((ch->peer_geom >> 16) & 0x1f);
	}
	return 0;
}

struct rte_marlin_hrdma_qp *
rte_marlin_hrdma_qp_get(struct rte_marlin_hrdma_channel *ch, uint16_t qid)
{
	if (ch == NULL || qid >= ch->conf.nb_qp) {
		rte_errno = EINVAL;
		return NULL;
	}
	return ch->qp[qid];
}

void *
rte_marlin_hrdma_local_region(struct rte_marlin_hrdma_channel *ch, size_t *len)
{
	if (ch == NULL || len == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	*len = ch->local_region_len;
	return ch->local_region;
}

/* Expose [off, off + len) of this host's region with @rights, or take it
 * back (@take_back); -EINVAL if the range is not in it. */
static int
region_range(struct rte_marlin_hrdma_channel *ch, size_t off, size_t len,
		unsigned int rights, int take_back)
{
	size_t woff;

	if (ch == NULL || len == 0 || off > ch->local_region_len ||
			len > ch->local_region_len - off)
		return -EINVAL;
	woff = (size_t)(ch->local_region - ch->local_win) + off;
	if (take_back)
		return rte_marlin_ntb_mw_unexpose(ch->ntb_id, ch->pidx,
			ch->conf.widx, woff, len);
	return rte_marlin_ntb_mw_expose(ch->ntb_id, ch->pidx, ch->conf.widx,
		woff, len, rights);
}

int
rte_marlin_hrdma_region_expose(struct rte_marlin_hrdma_channel *ch,
		size_t off, size_t len, unsigned int rights)
{
	return region_range(ch, off, len, rights, 0);
}

int
rte_marlin_hrdma_region_unexpose(struct rte_marlin_hrdma_channel *ch,
		size_t off, size_t len)
{
	return region_range(ch, off, len, 0, 1);
}

int
rte_marlin_hrdma_remote_region_ready(struct rte_marlin_hrdma_channel *ch,
		size_t off, size_t len, unsigned int rights)
{
	size_t base;
	int rc;

	if (ch == NULL || len == 0 || off > ch->slice_len - ch->rings_len ||
			len > ch->slice_len - ch->rings_len - off)
		return -EINVAL;
	base = (size_t)(ch->remote_slice - ch->peer_win) + ch->rings_len;
	rc = rte_marlin_ntb_peer_mw_range_ready(ch->ntb_id, ch->pidx,
		ch->conf.widx, base + off, len, rights);
	return rc == -ENOTSUP ? 1 : rc;
}
