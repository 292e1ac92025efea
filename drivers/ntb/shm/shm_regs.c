/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm with a rack manager: the register header as a memory object.
 *
 * Without a manager a host's header (epoch, pid, link enable, geometry)
 * is line 0 of its register page file. With one, nothing a host reads
 * lies in the fabric directory except the peers' lock files: the owner
 * makes its header a memfd of one page, maps it writable, then seals it
 * (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL: its own
 * mapping stays writable, nobody can map it writable again, write() it or
 * shrink it) and offers it to the manager under the pseudo window
 * RTE_MARLIN_RACK_REGS_WINDOW. The manager passes it read-only to every
 * other registered host, which maps it read-only at the fixed address of
 * that peer's page: the poll reads link enable and epoch straight from
 * shared memory, no syscall, and the owner's link changes reach the peers
 * with the manager stopped. A process that can write the fabric directory
 * can no longer forge a header: there is no file to replace.
 *
 * Liveness comes with it: the owner holds flock(LOCK_EX) on the object
 * from its creation to its death; a peer's shared lock on its own
 * descriptor fails while it does (shm_peer.c). So with a manager the
 * fabric directory holds nothing a running host reads; the lock file there
 * only claims the host id at start.
 *
 * The owner offers the object before it claims its lock file and
 * publishes the magic only after. When the owner registers anew, the
 * manager revokes the old object: peers drop it (its magic may still be
 * set if its process was killed) before they see the new one.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_marlin_rack.h>

#include "shm_private.h"

#define REGS_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | \
	F_SEAL_SEAL)
#define REGS_SIZE ((size_t)RTE_MARLIN_RACK_REGS_SIZE)

static_assert(2 * sizeof(struct shm_wire_hdr) <= RTE_MARLIN_RACK_REGS_SIZE,
	"header and management line fit the object");

int
shm_regs_create(struct shm_host *h)
{
	char name[32];
	void *va;
	int fd;

	snprintf(name, sizeof(name), "marlin-h%d-regs", h->p.host);
	fd = rte_marlin_rack_memfd_own(name, REGS_SIZE, &va);
	if (fd < 0)
		return fd;
	/* Liveness: held until this process ends, however it ends. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int rc = -errno;

		munmap(va, REGS_SIZE);
		close(fd);
		return rc;
	}
	h->regs = va;
	h->regs_obj_fd = fd;
	shm_regs_offer(h);
	return 0;
}

void
shm_regs_destroy(struct shm_host *h)
{
	if (h->regs_obj_fd < 0)
		return;
	if (h->regs != NULL)
		munmap(h->regs, REGS_SIZE);
	h->regs = NULL;
	close(h->regs_obj_fd);
	h->regs_obj_fd = -1;
}

void
shm_regs_offer(struct shm_host *h)
{
	char path[64];
	int rc, fd;

	if (h->regs_obj_fd < 0)
		return;
	/* A descriptor of its own (a new open file description): the one
	 * holding the liveness lock must never leave this process, or the
	 * lock would outlive it. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", h->regs_obj_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		SHM_LOG(ERR, "%s: cannot reopen the register header to hand it over: %s",
			h->name, strerror(errno));
		return;
	}
	rc = rte_marlin_rack_offer(shm_grant_client(h), (uint32_t)h->p.host,
		RTE_MARLIN_RACK_REGS_WINDOW, fd);
	close(fd);
	h->regs_offer_pending = rc == -EAGAIN;
	/* A manager that went away gets it when this host registers again. */
	if (rc != 0 && rc != -EAGAIN && rc != -EPIPE && rc != -ECONNRESET &&
			rc != -ENOTCONN)
		SHM_LOG(ERR, "%s: cannot hand the register header to the rack manager: %s",
			h->name, strerror(-rc));
}

/* Forget what was known of the peer's header: checked afresh. */
static void
peer_header_reset(struct shm_peer *pr)
{
	shm_peer_lock_close(pr);
	pr->epoch = 0;
	pr->alive = 0;
	pr->geometry_ok = 0;
	STORE_REL(&pr->link_up, 0);
}

/* Point the peer's page at a sink: no header, link down. */
static void
peer_header_sink(struct shm_host *h, struct shm_peer *pr)
{
	if (pr->regs_fd >= 0)
		close(pr->regs_fd);
	pr->regs_fd = -1;
	if (pr->regs_mapped)
		shm_range_sink(pr->regs, h->regs_size);
	pr->regs_mapped = 0;
	peer_header_reset(pr);
}

static void
peer_header_map(struct shm_host *h, struct shm_peer *pr, int fd)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || seals < 0 ||
			(seals & REGS_SEALS) != REGS_SEALS ||
			(size_t)st.st_size != REGS_SIZE) {
		SHM_LOG(ERR, "%s: the register header of host %d is not a page-sized memfd sealed against writes: link with it stays down",
			h->name, pr->host_id);
		peer_header_sink(h, pr);
		close(fd);
		return;
	}
	if (pr->regs_mapped && st.st_ino == pr->regs_ino &&
			st.st_dev == pr->regs_dev) {
		/* The same object again (its owner registered again). */
		close(pr->regs_fd);
		pr->regs_fd = fd;
		return;
	}
	if (mmap(pr->regs, REGS_SIZE, PROT_READ, MAP_FIXED | MAP_SHARED, fd,
			0) == MAP_FAILED) {
		SHM_LOG(ERR, "%s: cannot map the register header of host %d: %s",
			h->name, pr->host_id, strerror(errno));
		peer_header_sink(h, pr);
		close(fd);
		return;
	}
	if (pr->regs_fd >= 0)
		close(pr->regs_fd);
	pr->regs_fd = fd;
	pr->regs_mapped = 1;
	pr->regs_ino = st.st_ino;
	pr->regs_dev = st.st_dev;
	peer_header_reset(pr);
}

void
shm_regs_event(struct shm_host *h, const struct rte_marlin_rack_event *ev)
{
	int granted = ev->type == RTE_MARLIN_RACK_EV_GRANT;
	struct shm_peer *pr;

	if ((int)ev->peer != h->p.host || (int)ev->owner == h->p.host ||
			(int)ev->owner >= h->p.hosts) {
		if (ev->fd >= 0)
			close(ev->fd);
		return;
	}
	pr = &h->peers[shm_host_to_pidx(h, (int)ev->owner)];
	if (granted && ev->fd >= 0)
		peer_header_map(h, pr, ev->fd);
	else if (!(granted && ev->keep))
		peer_header_sink(h, pr);
}
