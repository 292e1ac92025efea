/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * One ntb_shm host's view of its peers: their register pages and outbound
 * windows, mapped at fixed addresses (the peer's files, or with a manager
 * the objects it passed, while the link is up; anonymous sinks otherwise),
 * liveness checks and the link state.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <rte_common.h>

#include "rte_marlin_args.h"
#include "shm_private.h"

void
shm_peer_lock_close(struct shm_peer *pr)
{
	if (pr->lock_open)
		close(pr->lock_fd);
	pr->lock_open = 0;
}

static void
peer_regs_drop(struct shm_host *h, struct shm_peer *pr)
{
	shm_peer_lock_close(pr);
	if (pr->regs_mapped)
		shm_range_sink(pr->regs, h->regs_size);
	pr->regs_mapped = 0;
	pr->epoch = 0;
	pr->alive = 0;
	pr->geometry_ok = 0;
}

/* Is the peer's page one we can link with? Logs once per epoch if not. */
static int
peer_geometry_ok(struct shm_host *h, struct shm_peer *pr)
{
	const struct shm_wire_hdr *hd = &pr->regs->hdr;
	char what[128], a[32], b[32];
	uint32_t v;

	if ((v = LOAD_RLX(&hd->version)) != SHM_WIRE_VERSION)
		snprintf(what, sizeof(what), "register page version %u, this host %u",
			v, SHM_WIRE_VERSION);
	else if ((v = LOAD_RLX(&hd->host_id)) != (uint32_t)pr->host_id)
		snprintf(what, sizeof(what), "a page that claims host id %u", v);
	else if ((v = LOAD_RLX(&hd->hosts)) != (uint32_t)h->p.hosts)
		snprintf(what, sizeof(what), "hosts=%u, this host hosts=%d",
			v, h->p.hosts);
	else if ((v = LOAD_RLX(&hd->mw_count)) != (uint32_t)h->p.mw_count)
		snprintf(what, sizeof(what), "mw_count=%u, this host mw_count=%d",
			v, h->p.mw_count);
	else if (!!(LOAD_RLX(&hd->flags) & SHM_WIRE_F_MANAGER) !=
			(h->grant != NULL))
		snprintf(what, sizeof(what), "%s, this host %s",
			(LOAD_RLX(&hd->flags) & SHM_WIRE_F_MANAGER) ?
			"manager=" : "no manager=", h->grant != NULL ?
			"manager=" : "none");
	else if (LOAD_RLX(&hd->mw_size) != h->p.mw_size)
		snprintf(what, sizeof(what), "mw_size=%s, this host mw_size=%s",
			rte_marlin_size_format(LOAD_RLX(&hd->mw_size), a, sizeof(a)),
			rte_marlin_size_format(h->p.mw_size, b, sizeof(b)));
	else
		return 1;
	if (pr->refused_epoch != pr->epoch) {
		pr->refused_epoch = pr->epoch;
		SHM_LOG(ERR, "%s: refusing link with host %d of fabric %s: it runs with %s; start every host of a fabric with the same hosts=, mw= and mw_size=, and manager= on all or none",
			h->name, pr->host_id, h->p.fabric, what);
	}
	return 0;
}

/* A file of the peer that is not what it should be: say so once per
 * inode. */
static void
peer_file_refused(struct shm_host *h, struct shm_peer *pr, const char *name,
		int rc)
{
	char why[160];
	struct stat st;

	if (rc != -EPROTO || fstatat(h->dir_fd, name, &st,
			AT_SYMLINK_NOFOLLOW) != 0 || (st.st_ino == pr->refused_ino &&
			st.st_dev == pr->refused_dev))
		return;
	pr->refused_ino = st.st_ino;
	pr->refused_dev = st.st_dev;
	shm_file_refusal(h->dir_fd, name, why, sizeof(why));
	SHM_LOG(ERR, "%s: refusing %s/%s of host %d: %s", h->name, h->path,
		name, pr->host_id, why);
}

/*
 * A peer found alive keeps its lock file open here: while its owner holds
 * the lock and the page is published, nothing else can have changed (a new
 * page comes only with a new lock holder), so the check is one flock()
 * instead of a stat, an open, a flock and a close per peer every 10 ms. A
 * shared lock that succeeds means the owner is gone (or replaced the
 * file): the full check follows. Returns 1 when the peer is still alive.
 */
static int
peer_still_alive(struct shm_peer *pr)
{
	if (!pr->lock_open || !pr->alive || !pr->regs_mapped)
		return 0;
	if (flock(pr->lock_fd, LOCK_SH | LOCK_NB) != 0 &&
			errno == EWOULDBLOCK &&
			LOAD_ACQ(&pr->regs->hdr.magic) == SHM_WIRE_MAGIC &&
			LOAD_RLX(&pr->regs->hdr.epoch) == pr->epoch)
		return 1;
	shm_peer_lock_close(pr);
	return 0;
}

/* The published page: its epoch, geometry and the owner's lock. */
static void
peer_page_check(struct shm_host *h, struct shm_peer *pr)
{
	char name[SHM_FILE_NAME];
	struct stat st;
	uint64_t epoch;
	int fd, rc;

	if (LOAD_ACQ(&pr->regs->hdr.magic) != SHM_WIRE_MAGIC) {
		/* Not published yet, or its owner closed. */
		pr->epoch = 0;
		pr->alive = 0;
		return;
	}
	epoch = LOAD_RLX(&pr->regs->hdr.epoch);
	pr->epoch = epoch;
	pr->geometry_ok = peer_geometry_ok(h, pr);
	if (epoch == pr->dead_epoch) {
		pr->alive = 0;
		return;
	}
	rc = shm_lock_probe(h->dir_fd, pr->host_id);
	pr->alive = rc == 1;
	if (rc == 0)
		pr->dead_epoch = epoch;
	if (pr->alive && pr->geometry_ok) {
		shm_host_file(name, sizeof(name), pr->host_id, "lock");
		fd = shm_file_open(h->dir_fd, name, O_RDONLY, &st);
		if (fd >= 0) {
			pr->lock_fd = fd;
			pr->lock_open = 1;
		}
	}
}

/*
 * With a manager: the header is the object the manager passed (mapped
 * read-only by shm_regs.c, or a sink), and liveness is a lock on that
 * object, not a file: its owner holds flock(LOCK_EX) on it from creation
 * until it dies, and a shared lock tried on this host's own descriptor
 * (an open file description of its own) fails while it does. So no file
 * of the fabric directory is read here: one flock() per check.
 */
static void
peer_header_check(struct shm_host *h, struct shm_peer *pr)
{
	uint64_t epoch;

	if (!pr->regs_mapped || pr->regs_fd < 0 ||
			LOAD_ACQ(&pr->regs->hdr.magic) != SHM_WIRE_MAGIC) {
		/* None yet, not published yet, or its owner closed. */
		pr->epoch = 0;
		pr->alive = 0;
		return;
	}
	epoch = LOAD_RLX(&pr->regs->hdr.epoch);
	if (epoch != pr->epoch || !pr->geometry_ok) {
		pr->epoch = epoch;
		pr->geometry_ok = peer_geometry_ok(h, pr);
	}
	if (epoch == pr->dead_epoch) {
		pr->alive = 0;
		return;
	}
	if (flock(pr->regs_fd, LOCK_SH | LOCK_NB) == 0) {
		/* Nobody holds it: the owner is gone. */
		flock(pr->regs_fd, LOCK_UN);
		pr->alive = 0;
		pr->dead_epoch = epoch;
		return;
	}
	pr->alive = errno == EWOULDBLOCK;
}

/* Files and liveness: stat, remap on a new inode, probe the lock. */
static void
peer_files_check(struct shm_host *h, struct shm_peer *pr)
{
	char name[SHM_FILE_NAME];
	struct stat st;
	int fd, rc;

	if (h->grant != NULL) {
		peer_header_check(h, pr);
		return;
	}
	if (peer_still_alive(pr))
		return;
	shm_host_file(name, sizeof(name), pr->host_id, "regs");
	rc = fstatat(h->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW);
	if (rc != 0 || !S_ISREG(st.st_mode) ||
			(size_t)st.st_size < h->regs_size) {
		if (rc == 0 && !S_ISREG(st.st_mode))
			peer_file_refused(h, pr, name, -EPROTO);
		peer_regs_drop(h, pr);
		return;
	}
	if (!pr->regs_mapped || st.st_ino != pr->regs_ino ||
			st.st_dev != pr->regs_dev) {
		peer_regs_drop(h, pr);
		fd = shm_file_open(h->dir_fd, name, O_RDWR, &st);
		if (fd < 0) {
			peer_file_refused(h, pr, name, fd);
			return;
		}
		if ((size_t)st.st_size < h->regs_size ||
				shm_range_map_file(pr->regs, h->regs_size, fd) != 0) {
			close(fd);
			return;
		}
		close(fd);
		pr->regs_mapped = 1;
		pr->regs_ino = st.st_ino;
		pr->regs_dev = st.st_dev;
	}
	peer_page_check(h, pr);
}

static int
peer_window_map(struct shm_host *h, struct shm_peer *pr, int w)
{
	char name[SHM_FILE_NAME];
	struct stat st;
	int fd, rc;

	if (h->grant != NULL)
		return shm_grant_peer_map(h, pr, w);
	shm_mw_file(name, sizeof(name), pr->host_id, w);
	fd = shm_file_open(h->dir_fd, name, O_RDWR, &st);
	if (fd < 0) {
		peer_file_refused(h, pr, name, fd);
		return fd;
	}
	if ((uint64_t)st.st_size < h->p.mw_size) {
		close(fd);
		return -EPROTO;
	}
	rc = shm_range_map_file(pr->mw[w], h->p.mw_size, fd);
	close(fd);
	return rc;
}

/* Point the reserved windows at the peer's files (up) or at sinks. */
static int
peer_windows_sync(struct shm_host *h, struct shm_peer *pr, int up)
{
	int w, rc, ret = 0;

	for (w = 0; w < h->p.mw_count; w++) {
		if (pr->mw[w] == NULL)
			continue;
		if (!up) {
			if (pr->mw_epoch[w] != 0)
				shm_range_sink(pr->mw[w], h->p.mw_size);
			pr->mw_epoch[w] = 0;
			continue;
		}
		if (pr->mw_epoch[w] == pr->epoch)
			continue;
		rc = peer_window_map(h, pr, w);
		if (rc != 0) {
			pr->mw_epoch[w] = 0;
			if (pr->failed_epoch != pr->epoch) {
				pr->failed_epoch = pr->epoch;
				SHM_LOG(ERR, "%s: cannot map window %d of host %d: %s; link stays down",
					h->name, w, pr->host_id, strerror(-rc));
			}
			ret = rc;
			continue;
		}
		pr->mw_epoch[w] = pr->epoch;
	}
	return ret;
}

/* Page flags: is the link up now? Moves the windows accordingly. */
static void
peer_link_update(struct shm_host *h, struct shm_peer *pr)
{
	const struct shm_wire_hdr *hd = &pr->regs->hdr;
	uint64_t bit_me = UINT64_C(1) << h->p.host;
	uint64_t bit_peer = UINT64_C(1) << pr->host_id;
	int up = 0;

	if (h->link_enabled && pr->regs_mapped && pr->epoch != 0 &&
			pr->geometry_ok && pr->alive)
		up = LOAD_ACQ(&hd->magic) == SHM_WIRE_MAGIC &&
			LOAD_RLX(&hd->epoch) == pr->epoch &&
			LOAD_ACQ(&hd->link_enable) != 0 &&
			(h->grant != NULL ? shm_grant_link_ok(h,
				shm_host_to_pidx(h, pr->host_id)) :
			 (!(LOAD_ACQ(&h->regs->mgmt.cut_mask) & bit_peer) &&
			  !(LOAD_ACQ(&pr->regs->mgmt.cut_mask) & bit_me)));
	if (!up) {
		/* Stop callers first, then pull the windows. */
		STORE_REL(&pr->link_up, 0);
		peer_windows_sync(h, pr, 0);
		return;
	}
	if (peer_windows_sync(h, pr, 1) != 0) {
		STORE_REL(&pr->link_up, 0);
		peer_windows_sync(h, pr, 0);
		return;
	}
	STORE_REL(&pr->link_up, 1);
}

void
shm_host_refresh(struct shm_host *h, int slow)
{
	int i;

	if (slow && h->grant != NULL)
		shm_grant_poll(h);
	for (i = 0; i < h->npeers; i++) {
		if (slow)
			peer_files_check(h, &h->peers[i]);
		peer_link_update(h, &h->peers[i]);
	}
}

void
shm_host_link_set(struct shm_host *h, int enable)
{
	h->link_enabled = !!enable;
	STORE_REL(&h->regs->hdr.link_enable, (uint32_t)!!enable);
	if (!enable)
		shm_host_refresh(h, 0);
}

void
shm_host_heartbeat(struct shm_host *h)
{
	STORE_RLX(&h->regs->hdr.heartbeat,
		LOAD_RLX(&h->regs->hdr.heartbeat) + 1);
}

void *
shm_peer_mw_get(struct shm_host *h, int pidx, int widx)
{
	struct shm_peer *pr = &h->peers[pidx];

	if (pr->mw[widx] == NULL) {
		pr->mw[widx] = shm_range_reserve(h->p.mw_size, h->page_size);
		if (pr->mw[widx] == NULL)
			return NULL;
		pr->mw_epoch[widx] = 0;
		if (LOAD_ACQ(&pr->link_up))
			peer_link_update(h, pr);
	}
	return pr->mw[widx];
}

