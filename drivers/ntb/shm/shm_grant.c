/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm with a rack manager (devarg manager=PATH): windows are granted,
 * not found by name.
 *
 * The host registers with the manager (marlin-fabric serve) before it
 * claims its host id; the manager's policy decides. Its inbound windows
 * are then no files in the fabric directory: following the Linux
 * multi-port model, each (this host, peer, window) is its own memory
 * object, a memfd sealed against shrinking and growing, handed to the
 * manager, which passes it to that peer only while a grant allows
 * (read-only grants get a read-only descriptor). A peer maps what the
 * manager passed, nothing else. So:
 * - a host reaches only windows granted to it: there is nothing to open
 *   by name, and it never receives the others;
 * - nothing it maps can be shrunk (no SIGBUS);
 * - revocation takes effect: the owner moves the pages it uses for that
 *   peer to fresh backing (as an NTB reprograms a translation), so the
 *   revoked peer's stores land in an object nobody reads any more, and the
 *   link between them goes down on both sides;
 * - the manager's link state (marlin-fabric cut/restore) holds besides the
 *   cut records in the fabric directory.
 * The windows are not shared among peers (mw_shared = 0): window W seen
 * from peer P is its own memory, so a peer cannot write into another
 * peer's part.
 *
 * Not yet: the register pages are still files in the fabric directory
 * (doorbells, scratchpads, link state and cuts), with their old trust.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_marlin_rack.h>

#include "shm_private.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define NPEER (SHM_WIRE_MAX_HOSTS - 1)

struct shm_grant {
	struct rte_marlin_rack_client *c;
	/* Owner side: window w as peer pidx sees it. */
	int own_fd[NPEER][SHM_WIRE_MAX_MW];
	void *own_va[NPEER][SHM_WIRE_MAX_MW];
	uint8_t own_access[NPEER][SHM_WIRE_MAX_MW];
	/* Peer side: what owner pidx granted us of its window w. */
	int peer_fd[NPEER][SHM_WIRE_MAX_MW];
	uint8_t peer_access[NPEER][SHM_WIRE_MAX_MW];
	/* The manager says the link with pidx is down (cut, or the peer
	 * left it); it alone writes this. */
	uint8_t mgr_down[NPEER];
	uint8_t offer_pending[NPEER][SHM_WIRE_MAX_MW];
	int lost;               /* the manager went away */
	uint64_t next_resume;   /* timer cycles of the next try */
};

/* A fresh sealed object of one window. */
static int
object_new(struct shm_host *h, int pidx, int w)
{
	char name[48];
	int fd;

	snprintf(name, sizeof(name), "marlin-h%d-p%d-w%d", h->p.host,
		shm_pidx_to_host(h, pidx), w);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)h->p.mw_size) != 0 ||
			fcntl(fd, F_ADD_SEALS, SEALS) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* Hand the object of (pidx, w) to the manager; if its socket is full,
 * again from the next poll. */
static void
own_window_offer(struct shm_host *h, int pidx, int w)
{
	struct shm_grant *g = h->grant;
	int rc = rte_marlin_rack_offer(g->c, (uint32_t)shm_pidx_to_host(h, pidx),
		(uint32_t)w, g->own_fd[pidx][w]);

	g->offer_pending[pidx][w] = rc == -EAGAIN;
	if (rc != 0 && rc != -EAGAIN && !g->lost)
		SHM_LOG(ERR, "%s: cannot hand window %d for host %d to the manager: %s",
			h->name, w, shm_pidx_to_host(h, pidx), strerror(-rc));
}

/*
 * Back window w for peer pidx with a fresh object at the same address (a
 * translation reprogrammed) and hand it to the manager. With @p keep the
 * new object starts with the old one's bytes (a downgrade to read-only:
 * the peer may read on, not write into what this host uses).
 */
static int
own_window_renew(struct shm_host *h, int pidx, int w, int keep)
{
	struct shm_grant *g = h->grant;
	void *va, *old = g->own_va[pidx][w];
	int fd, rc;

	fd = object_new(h, pidx, w);
	if (fd < 0)
		return fd;
	if (keep && old != NULL) {
		void *tmp = mmap(NULL, h->p.mw_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);

		if (tmp == MAP_FAILED) {
			rc = -errno;
			close(fd);
			return rc;
		}
		memcpy(tmp, old, h->p.mw_size);
		munmap(tmp, h->p.mw_size);
	}
	va = mmap(old, h->p.mw_size, PROT_READ | PROT_WRITE,
		MAP_SHARED | (old != NULL ? MAP_FIXED : 0), fd, 0);
	if (va == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	g->own_va[pidx][w] = va;
	if (g->own_fd[pidx][w] >= 0)
		close(g->own_fd[pidx][w]);
	g->own_fd[pidx][w] = fd;
	own_window_offer(h, pidx, w);
	return 0;
}

int
shm_grant_open(struct shm_host *h)
{
	struct rte_marlin_rack_host_conf conf = {
		.socket = h->p.manager,
		.host_id = (uint32_t)h->p.host,
		.mw_count = (uint32_t)h->p.mw_count,
		.mw_size = h->p.mw_size,
	};
	struct shm_grant *g;
	int i, w, rc;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	for (i = 0; i < NPEER; i++)
		for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
			g->own_fd[i][w] = -1;
			g->peer_fd[i][w] = -1;
		}
	g->c = rte_marlin_rack_register(&conf);
	if (g->c == NULL) {
		rc = -rte_errno;
		SHM_LOG(ERR, "%s: the rack manager at %s did not let this process hold host %d: %s (its reason is logged above)",
			h->name, h->p.manager, h->p.host, strerror(-rc));
		free(g);
		return rc;
	}
	h->grant = g;
	for (i = 0; i < h->p.hosts - 1; i++)
		for (w = 0; w < h->p.mw_count; w++) {
			rc = own_window_renew(h, i, w, 0);
			if (rc != 0) {
				SHM_LOG(ERR, "%s: cannot create window %d for host %d: %s",
					h->name, w, shm_pidx_to_host(h, i),
					strerror(-rc));
				return rc; /* the caller closes */
			}
		}
	return 0;
}

void
shm_grant_close(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i, w;

	if (g == NULL)
		return;
	for (i = 0; i < NPEER; i++)
		for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
			if (g->own_va[i][w] != NULL)
				munmap(g->own_va[i][w], h->p.mw_size);
			if (g->own_fd[i][w] >= 0)
				close(g->own_fd[i][w]);
			if (g->peer_fd[i][w] >= 0)
				close(g->peer_fd[i][w]);
		}
	rte_marlin_rack_client_close(g->c);
	free(g);
	h->grant = NULL;
}

void *
shm_grant_mw(struct shm_host *h, int pidx, int w)
{
	return h->grant->own_va[pidx][w];
}

int
shm_grant_peer_map(struct shm_host *h, struct shm_peer *pr, int w)
{
	struct shm_grant *g = h->grant;
	int pidx = shm_host_to_pidx(h, pr->host_id);
	int fd = g->peer_fd[pidx][w], seals, prot;
	struct stat st;
	void *va;

	if (fd < 0)
		return -EACCES; /* not granted, or not handed over yet */
	seals = fcntl(fd, F_GET_SEALS);
	if (fstat(fd, &st) != 0 || seals < 0 || (seals & SEALS) != SEALS ||
			(uint64_t)st.st_size < h->p.mw_size)
		return -EPROTO;
	prot = g->peer_access[pidx][w] == RTE_MARLIN_RACK_ACCESS_RW ?
		PROT_READ | PROT_WRITE : PROT_READ;
	va = mmap(pr->mw[w], h->p.mw_size, prot, MAP_FIXED | MAP_SHARED, fd, 0);
	if (va == MAP_FAILED) {
		int rc = -errno;

		mmap(pr->mw[w], h->p.mw_size, PROT_READ | PROT_WRITE, MAP_FIXED |
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		return rc;
	}
	return 0;
}

/* A link needs a translation each way (this host lets the peer reach one
 * of its windows, and holds the object of one of the peer's), and the
 * manager must not have cut it. */
int
shm_grant_link_ok(const struct shm_host *h, int pidx)
{
	const struct shm_grant *g = h->grant;
	int w, out = 0, in = 0;

	for (w = 0; w < h->p.mw_count; w++) {
		out |= g->own_access[pidx][w] != 0;
		in |= g->peer_fd[pidx][w] >= 0;
	}
	return out && in && !g->mgr_down[pidx];
}

/* A grant or revocation that concerns this host. */
static void
grant_event(struct shm_host *h, const struct rte_marlin_rack_event *ev)
{
	struct shm_grant *g = h->grant;
	int me = h->p.host, w = (int)ev->window, pidx, rc;
	int granted = ev->type == RTE_MARLIN_RACK_EV_GRANT;

	if ((int)ev->owner == me && (int)ev->peer != me &&
			(int)ev->peer < h->p.hosts && w < h->p.mw_count) {
		pidx = shm_host_to_pidx(h, (int)ev->peer);
		if (!granted && g->own_access[pidx][w] != 0) {
			/* Reprogram the translation: the revoked peer keeps
			 * an object nobody reads. */
			rc = own_window_renew(h, pidx, w, 0);
			SHM_LOG(NOTICE, "%s: window %d revoked for host %u: %s",
				h->name, w, ev->peer, rc == 0 ?
				"its pages moved to fresh memory" : strerror(-rc));
		} else if (granted && ev->access == RTE_MARLIN_RACK_ACCESS_RO &&
				g->own_access[pidx][w] == RTE_MARLIN_RACK_ACCESS_RW) {
			/* Down to read-only: a copy the peer cannot write. */
			rc = own_window_renew(h, pidx, w, 1);
			SHM_LOG(NOTICE, "%s: window %d read-only for host %u: %s",
				h->name, w, ev->peer, rc == 0 ?
				"its pages copied to memory it cannot write" :
				strerror(-rc));
		}
		g->own_access[pidx][w] = (uint8_t)(granted ? ev->access : 0);
	} else if ((int)ev->peer == me && (int)ev->owner != me &&
			(int)ev->owner < h->p.hosts && w < h->p.mw_count) {
		pidx = shm_host_to_pidx(h, (int)ev->owner);
		if (granted && ev->fd < 0 && ev->keep) {
			/* The owner registered again: what we map is its. */
			g->peer_access[pidx][w] = (uint8_t)ev->access;
			return;
		}
		if (g->peer_fd[pidx][w] >= 0)
			close(g->peer_fd[pidx][w]);
		g->peer_fd[pidx][w] = granted ? ev->fd : -1;
		g->peer_access[pidx][w] = (uint8_t)(granted ? ev->access : 0);
		/* Map again (or fail to) at the next link update. */
		h->peers[pidx].mw_epoch[w] = 0;
		if (!granted && h->peers[pidx].mw[w] != NULL)
			mmap(h->peers[pidx].mw[w], h->p.mw_size,
				PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE |
				MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		return;
	}
	if (ev->fd >= 0)
		close(ev->fd);
}

/* Registered again: hand the manager our objects again. */
static void
registered_again(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i, w;

	g->lost = 0;
	SHM_LOG(NOTICE, "%s: registered again with the rack manager", h->name);
	for (i = 0; i < h->p.hosts - 1; i++)
		for (w = 0; w < h->p.mw_count; w++)
			if (g->own_fd[i][w] >= 0)
				own_window_offer(h, i, w);
}

/* The manager went away: try to register again once a second, without
 * waiting (the data plane goes on meanwhile). */
static void
manager_lost(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	uint64_t now = rte_get_timer_cycles();

	if (!g->lost) {
		g->lost = 1;
		SHM_LOG(WARNING, "%s: the rack manager went away: mapped windows keep working; registering again once it is back",
			h->name);
		g->next_resume = now;
	}
	if (now < g->next_resume)
		return;
	g->next_resume = now + rte_get_timer_hz();
	rte_marlin_rack_resume(g->c);
}

static void
offers_retry(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i, w;

	for (i = 0; i < h->p.hosts - 1; i++)
		for (w = 0; w < h->p.mw_count; w++)
			if (g->offer_pending[i][w])
				own_window_offer(h, i, w);
}

void
shm_grant_poll(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	struct rte_marlin_rack_event ev;
	int rc, n;

	for (n = 0; n < 64; n++) {
		rc = rte_marlin_rack_event_get(g->c, &ev, 0);
		if (rc <= 0)
			break;
		switch (ev.type) {
		case RTE_MARLIN_RACK_EV_GRANT:
		case RTE_MARLIN_RACK_EV_REVOKE:
			grant_event(h, &ev);
			break;
		case RTE_MARLIN_RACK_EV_LINK: {
			int other = (int)(ev.owner == (uint32_t)h->p.host ?
				ev.peer : ev.owner);

			if (other != h->p.host && other < h->p.hosts)
				g->mgr_down[shm_host_to_pidx(h, other)] =
					(uint8_t)!ev.up;
			break;
		}
		case RTE_MARLIN_RACK_EV_REPLY:
			if (ev.status != 0)
				SHM_LOG(ERR, "%s: the rack manager: %s", h->name,
					ev.text);
			break;
		case RTE_MARLIN_RACK_EV_REGISTERED:
			registered_again(h);
			break;
		default:
			break;
		}
	}
	if (rc == -ECONNRESET)
		manager_lost(h);
	else
		offers_retry(h);
}
