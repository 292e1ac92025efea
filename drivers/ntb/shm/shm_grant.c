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
 * - register banks likewise: where peer P rings this host's doorbells
 *   and writes its scratchpads is one sealed memfd per P (one page),
 *   handed to P by the manager only while some window of this host is
 *   granted to it, and renewed (fresh memory) when the last grant goes;
 *   so no host can ring doorbells or write scratchpads in the name of
 *   another;
 * - cuts come from the manager's link page, a memfd the manager alone can
 *   write (sealed F_SEAL_FUTURE_WRITE), mapped read-only here; the cut
 *   masks in the fabric directory's register pages are not read.
 * The windows are not shared among peers (mw_shared = 0): window W seen
 * from peer P is its own memory, so a peer cannot write into another
 * peer's part. Except, when the owner asks for it (devarg shared_mw=W),
 * window W: one object handed to every granted peer, so that all of them
 * reach the same memory (what the UCX transport's heap needs); revoking
 * one peer moves it, with its contents, for all of them.
 *
 * The register header (epoch, pid, link enable) is a sealed memory
 * object too (shm_regs.c). Still in the fabric directory: the lock files,
 * which give liveness.
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

#include "rack_wire.h"
#include "shm_grant.h"

/* A fresh sealed object of one window (or of one range of it). */
int
shm_grant_object_new(struct shm_host *h, int pidx, int w, size_t size)
{
	char name[48];
	int fd;

	if (w == BANK)
		snprintf(name, sizeof(name), "marlin-h%d-p%d-bank", h->p.host,
			shm_pidx_to_host(h, pidx));
	else
		snprintf(name, sizeof(name), "marlin-h%d-p%d-w%d", h->p.host,
			shm_pidx_to_host(h, pidx), w);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0 ||
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
		(uint32_t)w, w == BANK ? g->own_bank_fd[pidx] : g->own_fd[pidx][w]);

	g->offer_pending[pidx][w] = rc == -EAGAIN;
	if (rc != 0 && rc != -EAGAIN && !g->lost)
		SHM_LOG(ERR, "%s: cannot hand %s %d for host %d to the manager: %s",
			h->name, w == BANK ? "the register bank" : "window",
			w == BANK ? 0 : w, shm_pidx_to_host(h, pidx), strerror(-rc));
}

/* A fresh register bank for peer pidx at the same address (its old one,
 * still held by a revoked peer, is read by nobody), handed to the manager. */
static int
own_bank_renew(struct shm_host *h, int pidx)
{
	struct shm_grant *g = h->grant;
	void *va, *old = g->own_bank[pidx];
	int fd, rc;

	fd = shm_grant_object_new(h, pidx, BANK, BANK_SIZE);
	if (fd < 0)
		return fd;
	va = mmap(old, BANK_SIZE, PROT_READ | PROT_WRITE,
		MAP_SHARED | (old != NULL ? MAP_FIXED : 0), fd, 0);
	if (va == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	g->own_bank[pidx] = va;
	if (g->own_bank_fd[pidx] >= 0)
		close(g->own_bank_fd[pidx]);
	g->own_bank_fd[pidx] = fd;
	own_window_offer(h, pidx, BANK);
	return 0;
}

/* Point this host's bank in peer pidx at a sink (no object). */
static void
peer_bank_sink(struct shm_grant *g, int pidx)
{
	if (g->peer_bank_fd[pidx] >= 0)
		close(g->peer_bank_fd[pidx]);
	g->peer_bank_fd[pidx] = -1;
	if (g->peer_bank[pidx] != NULL)
		shm_range_sink(g->peer_bank[pidx], BANK_SIZE);
}

/* Tell the manager a revocation of our memory is applied (the pages
 * moved): its revoke waits for this. */
static void
revoke_ack(struct shm_host *h, const struct rte_marlin_rack_event *ev,
		int status)
{
	struct shm_grant *g = h->grant;
	int rc;

	if (ev->ticket == 0)
		return;
	rc = rte_marlin_rack_moved(g->c, ev, status);
	if (rc == -EAGAIN && g->nack_pending < ACK_PENDING_MAX) {
		g->ack_pending[g->nack_pending] = *ev;
		g->ack_status[g->nack_pending++] = status;
	} else if (rc != 0 && !g->lost) {
		SHM_LOG(ERR, "%s: cannot confirm to the rack manager that window %u of host %u moved: %s (its revoke reports a timeout)",
			h->name, ev->window, ev->peer, strerror(-rc));
	}
}

static void
acks_retry(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i, n = g->nack_pending;

	g->nack_pending = 0;
	for (i = 0; i < n; i++)
		revoke_ack(h, &g->ack_pending[i], g->ack_status[i]);
}

/* Map the bank object owner pidx passed through the manager. */
static void
peer_bank_map(struct shm_host *h, int pidx, int fd)
{
	struct shm_grant *g = h->grant;
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);

	/* Straight over the old mapping: a doorbell rung meanwhile lands in
	 * one of the two (the same object when the owner resumed). */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || seals < 0 ||
			(seals & SEALS) != SEALS ||
			(size_t)st.st_size != BANK_SIZE ||
			mmap(g->peer_bank[pidx], BANK_SIZE, PROT_READ | PROT_WRITE,
				MAP_FIXED | MAP_SHARED, fd, 0) == MAP_FAILED) {
		SHM_LOG(ERR, "%s: the register bank host %d passed is not a sealed page-sized memfd: link with it stays down",
			h->name, shm_pidx_to_host(h, pidx));
		peer_bank_sink(g, pidx);
		close(fd);
		return;
	}
	if (g->peer_bank_fd[pidx] >= 0)
		close(g->peer_bank_fd[pidx]);
	g->peer_bank_fd[pidx] = fd;
}

/* Map the link page of the latest registration, read-only. */
static void
links_map(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int fd = rte_marlin_rack_links_fd(g->c), seals;
	const struct rack_wire_links *l;
	struct stat st;
	void *va;

	if (g->links != NULL)
		munmap((void *)(uintptr_t)g->links, RACK_LINKS_SIZE);
	g->links = NULL;
	if (fd < 0) {
		SHM_LOG(ERR, "%s: the rack manager passed no link page (an older marlin-fabric?): links stay down",
			h->name);
		return;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || seals < 0 ||
			(seals & LINKS_SEALS) != LINKS_SEALS ||
			st.st_size != RACK_LINKS_SIZE) {
		SHM_LOG(ERR, "%s: the rack manager's link page is not a %u-byte memfd sealed against writes: links stay down",
			h->name, RACK_LINKS_SIZE);
		return;
	}
	va = mmap(NULL, RACK_LINKS_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (va == MAP_FAILED) {
		SHM_LOG(ERR, "%s: cannot map the rack manager's link page: %s",
			h->name, strerror(errno));
		return;
	}
	l = va;
	if (LOAD_ACQ(&l->magic) != RACK_LINKS_MAGIC ||
			LOAD_RLX(&l->version) != RACK_LINKS_VERSION) {
		SHM_LOG(ERR, "%s: the rack manager's link page has magic 0x%x version %u, this host knows version %u: links stay down",
			h->name, LOAD_RLX(&l->magic), LOAD_RLX(&l->version),
			RACK_LINKS_VERSION);
		munmap(va, RACK_LINKS_SIZE);
		return;
	}
	g->links = l;
}

/*
 * Window w of devarg shared_mw= is one object for every peer: hand the
 * object of peer pidx (mapped at its address) to every other peer too.
 */
static void
own_window_share(struct shm_host *h, int pidx, int w)
{
	struct shm_grant *g = h->grant;
	int i;

	for (i = 0; i < h->p.hosts - 1; i++) {
		if (i == pidx)
			continue;
		if (g->own_fd[i][w] >= 0)
			close(g->own_fd[i][w]);
		g->own_fd[i][w] = dup(g->own_fd[pidx][w]);
		g->own_va[i][w] = g->own_va[pidx][w];
		if (g->own_fd[i][w] >= 0)
			own_window_offer(h, i, w);
	}
}

/*
 * Back window w for peer pidx with a fresh object at the same address (a
 * translation reprogrammed) and hand it to the manager. With @p keep the
 * new object starts with the old one's bytes (a downgrade to read-only:
 * the peer may read on, not write into what this host uses; or a shared
 * window, which the other peers go on using).
 */
static int
own_window_renew(struct shm_host *h, int pidx, int w, int keep)
{
	struct shm_grant *g = h->grant;
	void *va, *old = g->own_va[pidx][w];
	int fd, rc;

	fd = shm_grant_object_new(h, pidx, w, h->p.mw_size);
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
	if (!h->p.mw_ranges)    /* ranges mode: peers get ranges only */
		own_window_offer(h, pidx, w);
	if (w == h->p.shared_mw)
		own_window_share(h, pidx, w);
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
		.flags = h->p.mw_ranges ? RTE_MARLIN_RACK_HOST_F_RANGES : 0,
	};
	struct shm_grant *g;
	int i, w, rc;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	for (i = 0; i < NPEER; i++) {
		for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
			g->own_fd[i][w] = -1;
			g->peer_fd[i][w] = -1;
		}
		g->own_bank_fd[i] = -1;
		g->peer_bank_fd[i] = -1;
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
	links_map(h);
	for (i = 0; i < h->p.hosts - 1; i++) {
		g->peer_bank[i] = shm_range_reserve(BANK_SIZE, SHM_SMALL_PAGE);
		if (g->peer_bank[i] == NULL)
			return -ENOMEM; /* the caller closes */
		rc = own_bank_renew(h, i);
		if (rc != 0) {
			SHM_LOG(ERR, "%s: cannot create the register bank for host %d: %s",
				h->name, shm_pidx_to_host(h, i), strerror(-rc));
			return rc;
		}
		for (w = 0; w < h->p.mw_count; w++) {
			if (w == h->p.shared_mw && g->own_fd[i][w] >= 0)
				continue;  /* made with peer 0's */
			rc = own_window_renew(h, i, w, 0);
			if (rc != 0) {
				SHM_LOG(ERR, "%s: cannot create window %d for host %d: %s",
					h->name, w, shm_pidx_to_host(h, i),
					strerror(-rc));
				return rc; /* the caller closes */
			}
		}
	}
	return 0;
}

void
shm_grant_banks_bind(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i;

	for (i = 0; i < h->npeers; i++) {
		h->in_bank[i] = g->own_bank[i];
		h->out_bank[i] = g->peer_bank[i];
	}
}

void
shm_grant_close(struct shm_host *h)
{
	struct shm_grant *g = h->grant;
	int i, w;

	if (g == NULL)
		return;
	for (i = 0; i < NPEER; i++) {
		for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
			if (g->own_va[i][w] != NULL &&
					(w != h->p.shared_mw || i == 0))
				munmap(g->own_va[i][w], h->p.mw_size);
			if (g->own_fd[i][w] >= 0)
				close(g->own_fd[i][w]);
			if (g->peer_fd[i][w] >= 0)
				close(g->peer_fd[i][w]);
		}
		if (g->own_bank[i] != NULL)
			munmap(g->own_bank[i], BANK_SIZE);
		if (g->own_bank_fd[i] >= 0)
			close(g->own_bank_fd[i]);
		if (g->peer_bank[i] != NULL)
			munmap(g->peer_bank[i], BANK_SIZE);
		if (g->peer_bank_fd[i] >= 0)
			close(g->peer_bank_fd[i]);
	}
	if (g->links != NULL)
		munmap((void *)(uintptr_t)g->links, RACK_LINKS_SIZE);
	shm_ranges_free(h);
	rte_marlin_rack_client_close(g->c);
	free(g);
	h->grant = NULL;
}

struct rte_marlin_rack_client *
shm_grant_client(struct shm_host *h)
{
	return h->grant->c;
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

	if (g->peer_ranged[pidx][w])
		return g->peer_access[pidx][w] != 0 ?
			shm_ranges_peer_map(h, pr, pidx, w) : -EACCES;
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
 * of its windows, and holds the object of one of the peer's and of the
 * peer's register bank for it), and the manager's link page must say it
 * is not cut. */
int
shm_grant_link_ok(struct shm_host *h, int pidx)
{
	struct shm_grant *g = h->grant;
	int w, out = 0, in = 0, other = shm_pidx_to_host(h, pidx);

	for (w = 0; w < h->p.mw_count; w++) {
		out |= g->own_access[pidx][w] != 0;
		in |= g->peer_fd[pidx][w] >= 0 ||
			(g->peer_ranged[pidx][w] && g->peer_access[pidx][w] != 0);
	}
	if (g->links == NULL)
		return 0;
	return out && in && g->peer_bank_fd[pidx] >= 0 &&
		!(LOAD_ACQ(&g->links->cut[h->p.host]) >> other & 1);
}

/* A register bank was granted or revoked. */
static void
bank_event(struct shm_host *h, const struct rte_marlin_rack_event *ev,
		int granted)
{
	struct shm_grant *g = h->grant;
	int me = h->p.host, pidx, rc;

	if ((int)ev->owner == me && (int)ev->peer != me &&
			(int)ev->peer < h->p.hosts) {
		pidx = shm_host_to_pidx(h, (int)ev->peer);
		rc = 0;
		if (!granted && g->own_bank_granted[pidx]) {
			rc = own_bank_renew(h, pidx);
			SHM_LOG(NOTICE, "%s: register bank of host %u revoked: %s",
				h->name, ev->peer, rc == 0 ?
				"it writes to memory nobody reads" :
				strerror(-rc));
		}
		g->own_bank_granted[pidx] = (uint8_t)granted;
		if (!granted)
			revoke_ack(h, ev, rc);
	} else if ((int)ev->peer == me && (int)ev->owner != me &&
			(int)ev->owner < h->p.hosts) {
		pidx = shm_host_to_pidx(h, (int)ev->owner);
		if (granted && ev->fd >= 0) {
			peer_bank_map(h, pidx, ev->fd);
			return;
		}
		if (!(granted && ev->keep))
			peer_bank_sink(g, pidx);
		return;
	} else if (!granted && (int)ev->owner == me) {
		revoke_ack(h, ev, 0); /* nothing of ours was reachable */
	}
	if (ev->fd >= 0)
		close(ev->fd);
}

/* A grant or revocation that concerns this host. */
static void
grant_event(struct shm_host *h, const struct rte_marlin_rack_event *ev)
{
	struct shm_grant *g = h->grant;
	int me = h->p.host, w = (int)ev->window, pidx, rc;
	int granted = ev->type == RTE_MARLIN_RACK_EV_GRANT;

	if (w == BANK) {
		bank_event(h, ev, granted);
		return;
	}
	if (w == RTE_MARLIN_RACK_REGS_WINDOW) {
		shm_regs_event(h, ev);
		return;
	}
	if ((int)ev->owner == me && (int)ev->peer != me &&
			(int)ev->peer < h->p.hosts && w < h->p.mw_count) {
		pidx = shm_host_to_pidx(h, (int)ev->peer);
		rc = 0;
		if (h->p.mw_ranges && ((!granted && g->own_access[pidx][w] != 0) ||
				(granted && ev->access == RTE_MARLIN_RACK_ACCESS_RO &&
				 g->own_access[pidx][w] == RTE_MARLIN_RACK_ACCESS_RW))) {
			/* Ranges mode: only the exposed ranges were within
			 * the peer's reach; they move, bytes kept. */
			rc = shm_ranges_own_move_all(h, pidx, w);
			SHM_LOG(NOTICE, "%s: window %d %s for host %u: %s",
				h->name, w, granted ? "read-only" : "revoked",
				ev->peer, rc == 0 ?
				"its exposed ranges moved to fresh memory" :
				strerror(-rc));
		} else if (!granted && g->own_access[pidx][w] != 0) {
			/* Reprogram the translation: the revoked peer keeps
			 * an object nobody reads. */
			rc = own_window_renew(h, pidx, w,
					      w == h->p.shared_mw);
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
		if (!granted)
			revoke_ack(h, ev, rc);
	} else if ((int)ev->peer == me && (int)ev->owner != me &&
			(int)ev->owner < h->p.hosts && w < h->p.mw_count) {
		pidx = shm_host_to_pidx(h, (int)ev->owner);
		/* Ranges mode: the ranges held stay only with keep (the owner
		 * resumed); else the manager passes the current ones next. */
		if (!(granted && ev->keep))
			shm_ranges_peer_grant(h, pidx, w, granted &&
				(ev->flags & RTE_MARLIN_RACK_GRANT_RANGES));
		if (granted && ev->fd < 0 && ev->keep) {
			/* The owner registered again: what we map is its. */
			g->peer_access[pidx][w] = (uint8_t)ev->access;
			if (ev->flags & RTE_MARLIN_RACK_GRANT_RANGES)
				g->peer_ranged[pidx][w] = 1;
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
	} else if (!granted && (int)ev->owner == me) {
		revoke_ack(h, ev, 0); /* nothing of ours was reachable */
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
	links_map(h);
	shm_regs_offer(h);
	for (i = 0; i < h->p.hosts - 1; i++) {
		if (g->own_bank_fd[i] >= 0)
			own_window_offer(h, i, BANK);
		for (w = 0; w < h->p.mw_count && !h->p.mw_ranges; w++)
			if (g->own_fd[i][w] >= 0)
				own_window_offer(h, i, w);
	}
	shm_ranges_offer_pending(h, 1);
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

	if (h->regs_offer_pending)
		shm_regs_offer(h);
	for (i = 0; i < h->p.hosts - 1; i++) {
		for (w = 0; w < h->p.mw_count; w++)
			if (g->offer_pending[i][w])
				own_window_offer(h, i, w);
		if (g->offer_pending[i][BANK])
			own_window_offer(h, i, BANK);
	}
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
		case RTE_MARLIN_RACK_EV_LINK:
			/* Cuts are read from the link page; liveness from
			 * the peers' locks. */
			break;
		case RTE_MARLIN_RACK_EV_REPLY:
			if (ev.status != 0)
				SHM_LOG(ERR, "%s: the rack manager: %s", h->name,
					ev.text);
			break;
		case RTE_MARLIN_RACK_EV_REGISTERED:
			registered_again(h);
			break;
		case RTE_MARLIN_RACK_EV_RANGE:
			shm_ranges_event(h, &ev);
			break;
		default:
			break;
		}
	}
	if (rc == -ECONNRESET) {
		manager_lost(h);
	} else {
		offers_retry(h);
		acks_retry(h);
		shm_ranges_offer_pending(h, 0);
	}
}
