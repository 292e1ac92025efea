/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm ranges mode (devargs manager=SOCKET,mw_ranges=1): a peer granted
 * a window of this host reaches only the ranges this host exposes to it
 * (rte_marlin_ntb_mw_expose()), never the whole window.
 *
 * Owner side: each exposed range is its own sealed memfd. Exposing copies
 * the range's current bytes into it and maps it MAP_FIXED over this host's
 * own view of the window (as the revoke page move does), then hands it to
 * the manager, which passes it to the peer only while the peer holds a
 * grant for the window (read-only if the grant is). Taking a range back
 * maps fresh memory over it (bytes kept) before telling the manager, so
 * from then on the peer's stores reach nothing of this host. A revocation
 * or a downgrade to read-only moves every exposed range the same way and
 * hands the new objects over (passed again on the next grant).
 *
 * Peer side: the window is a PROT_NONE reservation; each range the manager
 * passes is mapped at its offset, with the rights it came with; a range
 * taken back becomes PROT_NONE again. Stores outside the exposed ranges
 * fault.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_marlin_ntb.h>

#include "shm_grant.h"

static struct shm_ranges *
ranges_of(struct shm_ranges **slot)
{
	if (*slot == NULL)
		*slot = calloc(1, sizeof(**slot));
	return *slot;
}

static struct shm_range *
range_find(struct shm_ranges *rs, size_t off, size_t len, int *overlap)
{
	int i;

	*overlap = 0;
	for (i = 0; rs != NULL && i < rs->n; i++) {
		struct shm_range *r = &rs->r[i];

		if (r->off == off && r->len == len)
			return r;
		if (r->off < off + len && off < r->off + r->len)
			*overlap = 1;
	}
	return NULL;
}

static void
range_remove(struct shm_ranges *rs, struct shm_range *r)
{
	*r = rs->r[--rs->n];
}

/*
 * Back [off, off + len) of this host's view of (pidx, w) with a fresh
 * sealed memfd holding the same bytes; its descriptor, or -errno.
 */
static int
range_rebase(struct shm_host *h, int pidx, int w, size_t off, size_t len)
{
	uint8_t *view = (uint8_t *)h->grant->own_va[pidx][w] + off;
	void *tmp;
	int fd, rc;

	fd = shm_grant_object_new(h, pidx, w, len);
	if (fd < 0)
		return fd;
	tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (tmp == MAP_FAILED)
		goto fail;
	memcpy(tmp, view, len);
	munmap(tmp, len);
	if (mmap(view, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
			0) == MAP_FAILED)
		goto fail;
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

static void
range_offer(struct shm_host *h, int pidx, int w, struct shm_range *r)
{
	struct shm_grant *g = h->grant;
	int rc = rte_marlin_rack_range_offer(g->c,
		(uint32_t)shm_pidx_to_host(h, pidx), (uint32_t)w, r->off, r->fd,
		r->access);

	r->offer_pending = rc != 0;
	if (rc != 0 && rc != -EAGAIN && !g->lost)
		SHM_LOG(ERR, "%s: cannot hand range 0x%zx+0x%zx of window %d for host %d to the manager: %s (again from the next poll)",
			h->name, r->off, r->len, w, shm_pidx_to_host(h, pidx),
			strerror(-rc));
}

int
shm_grant_expose(struct shm_host *h, int pidx, int w, size_t off, size_t len,
		unsigned int rights)
{
	struct shm_grant *g = h->grant;
	struct shm_ranges *rs;
	struct shm_range *r;
	int overlap, fd;

	if (off + len > h->p.mw_size || g->own_va[pidx][w] == NULL)
		return -EINVAL;
	rs = ranges_of(&g->own_ranges[pidx][w]);
	if (rs == NULL)
		return -ENOMEM;
	r = range_find(rs, off, len, &overlap);
	if (r != NULL) {
		r->refs++;
		return 0;
	}
	if (overlap)
		return -EEXIST;
	if (rs->n == SHM_MAX_RANGES)
		return -ENOSPC;
	fd = range_rebase(h, pidx, w, off, len);
	if (fd < 0)
		return fd;
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->off = off;
	r->len = len;
	r->fd = fd;
	r->refs = 1;
	r->access = (rights & RTE_MARLIN_NTB_MW_WRITE) ?
		RTE_MARLIN_RACK_ACCESS_RW : RTE_MARLIN_RACK_ACCESS_RO;
	range_offer(h, pidx, w, r);
	return 0;
}

int
shm_grant_unexpose(struct shm_host *h, int pidx, int w, size_t off, size_t len)
{
	struct shm_grant *g = h->grant;
	struct shm_ranges *rs = g->own_ranges[pidx][w];
	struct shm_range *r;
	int overlap, fd, rc;

	r = range_find(rs, off, len, &overlap);
	if (r == NULL)
		return -ENOENT;
	if (--r->refs > 0)
		return 0;
	/* Out of the peer's reach first: fresh memory under this host's
	 * view; the object the peer may still hold is read by nobody. */
	fd = range_rebase(h, pidx, w, off, len);
	if (fd < 0) {
		r->refs++;
		return fd;
	}
	close(fd);      /* the mapping keeps it; it is never offered */
	close(r->fd);
	range_remove(rs, r);
	rc = rte_marlin_rack_range_withdraw(g->c,
		(uint32_t)shm_pidx_to_host(h, pidx), (uint32_t)w, off, len);
	if (rc != 0 && !g->lost)
		SHM_LOG(NOTICE, "%s: could not tell the manager that range 0x%zx+0x%zx of window %d is taken back from host %d (%s): it is out of that host's reach all the same",
			h->name, off, len, w, shm_pidx_to_host(h, pidx),
			strerror(-rc));
	return 0;
}

int
shm_ranges_own_move_all(struct shm_host *h, int pidx, int w)
{
	struct shm_ranges *rs = h->grant->own_ranges[pidx][w];
	int i, fd, rc = 0;

	for (i = 0; rs != NULL && i < rs->n; i++) {
		struct shm_range *r = &rs->r[i];

		fd = range_rebase(h, pidx, w, r->off, r->len);
		if (fd < 0) {
			rc = fd;
			continue;
		}
		close(r->fd);
		r->fd = fd;
		range_offer(h, pidx, w, r); /* passed on the next grant */
	}
	return rc;
}

void
shm_ranges_offer_pending(struct shm_host *h, int all)
{
	struct shm_grant *g = h->grant;
	int i, w, k;

	for (i = 0; i < h->p.hosts - 1; i++)
		for (w = 0; w < h->p.mw_count; w++) {
			struct shm_ranges *rs = g->own_ranges[i][w];

			for (k = 0; rs != NULL && k < rs->n; k++)
				if (all || rs->r[k].offer_pending)
					range_offer(h, i, w, &rs->r[k]);
		}
}

/* ---- peer side ---- */

static int
peer_window_mapped(struct shm_host *h, int pidx, int w)
{
	const struct shm_peer *pr = &h->peers[pidx];

	return pr->mw[w] != NULL && pr->mw_epoch[w] != 0;
}

static int
peer_range_map(struct shm_host *h, int pidx, int w, const struct shm_range *r)
{
	uint8_t *va = (uint8_t *)h->peers[pidx].mw[w] + r->off;
	int prot = r->access == RTE_MARLIN_RACK_ACCESS_RW ?
		PROT_READ | PROT_WRITE : PROT_READ;

	if (mmap(va, r->len, prot, MAP_SHARED | MAP_FIXED, r->fd, 0) ==
			MAP_FAILED)
		return -errno;
	return 0;
}

static void
peer_range_unmap(struct shm_host *h, int pidx, int w, size_t off, size_t len)
{
	if (h->peers[pidx].mw[w] != NULL)
		mmap((uint8_t *)h->peers[pidx].mw[w] + off, len, PROT_NONE,
			MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			-1, 0);
}

static void
peer_ranges_drop(struct shm_host *h, int pidx, int w)
{
	struct shm_ranges *rs = h->grant->peer_ranges[pidx][w];

	while (rs != NULL && rs->n > 0) {
		close(rs->r[rs->n - 1].fd);
		rs->n--;
	}
}

int
shm_grant_peer_ready(struct shm_host *h, int pidx, int w, size_t off,
		size_t len, unsigned int rights)
{
	struct shm_grant *g = h->grant;
	const struct shm_ranges *rs = g->peer_ranges[pidx][w];
	size_t lo = RTE_ALIGN_FLOOR(off, RTE_MARLIN_NTB_MW_RANGE_ALIGN);
	size_t hi, covered = 0;
	int i;

	if (!g->peer_ranged[pidx][w])
		return 1;       /* whole windows: the link says when */
	if (off > h->p.mw_size || len > h->p.mw_size - off)
		return -EINVAL;
	hi = RTE_ALIGN_CEIL(off + len, RTE_MARLIN_NTB_MW_RANGE_ALIGN);
	if (g->peer_access[pidx][w] == 0 || !peer_window_mapped(h, pidx, w))
		return 0;
	if ((rights & RTE_MARLIN_NTB_MW_WRITE) &&
			g->peer_access[pidx][w] != RTE_MARLIN_RACK_ACCESS_RW)
		return 0;
	/* Ranges never overlap: the bytes of [lo, hi) they cover add up. */
	for (i = 0; rs != NULL && i < rs->n; i++) {
		const struct shm_range *r = &rs->r[i];
		size_t a = RTE_MAX(lo, r->off), b = RTE_MIN(hi, r->off + r->len);

		if (a >= b)
			continue;
		if ((rights & RTE_MARLIN_NTB_MW_WRITE) &&
				r->access != RTE_MARLIN_RACK_ACCESS_RW)
			return 0;
		covered += b - a;
	}
	return covered == hi - lo;
}

/*
 * A grant without keep (the caller maps the window again at the next link
 * update): the ranges held are of an earlier run of the owner, or the
 * grant changed. Either way they go: the manager passes the current ones
 * right after the grant. Kept, a restarted owner's old ranges would be
 * mapped again and count as ready, and stores meant for the new run would
 * land in the dead one's memory.
 */
void
shm_ranges_peer_grant(struct shm_host *h, int pidx, int w, int granted)
{
	h->grant->peer_ranged[pidx][w] = (uint8_t)granted;
	peer_ranges_drop(h, pidx, w);
}

int
shm_ranges_peer_map(struct shm_host *h, struct shm_peer *pr, int pidx, int w)
{
	struct shm_ranges *rs = h->grant->peer_ranges[pidx][w];
	int i, rc;

	if (mmap(pr->mw[w], h->p.mw_size, PROT_NONE, MAP_FIXED | MAP_PRIVATE |
			MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED)
		return -errno;
	for (i = 0; rs != NULL && i < rs->n; i++) {
		rc = peer_range_map(h, pidx, w, &rs->r[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
shm_ranges_event(struct shm_host *h, const struct rte_marlin_rack_event *ev)
{
	struct shm_grant *g = h->grant;
	int me = h->p.host, pidx, w = (int)ev->window, overlap, seals;
	struct shm_ranges *rs;
	struct shm_range *r;
	struct stat st;

	if ((int)ev->peer != me || (int)ev->owner == me ||
			(int)ev->owner >= h->p.hosts || w >= h->p.mw_count ||
			ev->size == 0 || ev->offset > h->p.mw_size ||
			ev->size > h->p.mw_size - ev->offset)
		goto drop;
	pidx = shm_host_to_pidx(h, (int)ev->owner);
	rs = ranges_of(&g->peer_ranges[pidx][w]);
	if (rs == NULL)
		goto drop;
	r = range_find(rs, ev->offset, ev->size, &overlap);
	if (ev->fd < 0) {
		/* taken back: out of our mapping */
		if (r != NULL) {
			close(r->fd);
			range_remove(rs, r);
			peer_range_unmap(h, pidx, w, ev->offset, ev->size);
		}
		return;
	}
	seals = fcntl(ev->fd, F_GET_SEALS);
	if (fstat(ev->fd, &st) != 0 || !S_ISREG(st.st_mode) || seals < 0 ||
			(seals & SEALS) != SEALS ||
			(uint64_t)st.st_size != ev->size ||
			(r == NULL && (overlap || rs->n == SHM_MAX_RANGES))) {
		SHM_LOG(ERR, "%s: range 0x%" PRIx64 "+0x%" PRIx64 " of window %d of host %u: not a sealed memfd of its size, or overlapping another: ignored",
			h->name, ev->offset, ev->size, w, ev->owner);
		goto drop;
	}
	if (r == NULL) {
		r = &rs->r[rs->n++];
		memset(r, 0, sizeof(*r));
		r->off = ev->offset;
		r->len = ev->size;
	} else {
		close(r->fd);
	}
	r->fd = ev->fd;
	r->access = (uint8_t)ev->access;
	if (peer_window_mapped(h, pidx, w) && peer_range_map(h, pidx, w, r) != 0)
		SHM_LOG(ERR, "%s: cannot map range 0x%zx+0x%zx of window %d of host %u: %s",
			h->name, r->off, r->len, w, ev->owner, strerror(errno));
	return;
drop:
	if (ev->fd >= 0)
		close(ev->fd);
}

void
shm_ranges_free(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i, w, k;

	for (i = 0; i < NPEER; i++)
		for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
			struct shm_ranges *o = g->own_ranges[i][w];
			struct shm_ranges *p = g->peer_ranges[i][w];

			for (k = 0; o != NULL && k < o->n; k++)
				close(o->r[k].fd);
			for (k = 0; p != NULL && k < p->n; k++)
				close(p->r[k].fd);
			free(o);
			free(p);
		}
}
