/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * One ntb_shm host: start (claim the host id, remove stale files of a dead
 * predecessor, create the register page and window files, or with a
 * manager only the lock file, take the lock)
 * and stop (drop the link, unmap, remove the files and, last one out, the
 * fabric directory).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <rte_common.h>
#include <rte_log.h>

#include "rte_marlin_args.h"
#include "shm_private.h"

#define SHM_CLAIM_TRIES 50     /* 1 ms apart: rides out peers' lock probes */

static int
host_claim(struct shm_host *h)
{
	char name[SHM_FILE_NAME];
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	int fd, i, created = 0, rc = 0;

	shm_host_file(name, sizeof(name), h->p.host, "lock");
	fd = openat(h->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
		O_NOFOLLOW | O_NONBLOCK, 0660);
	if (fd >= 0) {
		created = 1;
		if (fchmod(fd, 0660) != 0)
			SHM_LOG(DEBUG, "%s: chmod %s: %s", h->name, name,
				strerror(errno));
	} else if (errno == EEXIST) {
		struct stat st;

		fd = shm_file_open(h->dir_fd, name, O_RDWR, &st);
		if (fd == -EPROTO) {
			char why[160];

			shm_file_refusal(h->dir_fd, name, why, sizeof(why));
			SHM_LOG(ERR, "%s: refusing %s/%s: %s", h->name, h->path,
				name, why);
			return -EPERM;
		}
		if (fd < 0)
			errno = -fd;
	}
	if (fd < 0) {
		rc = -errno;
		SHM_LOG(ERR, "%s: cannot open %s/%s: %s%s", h->name, h->path,
			name, strerror(-rc), rc == -EACCES ?
			": give this user write access to the fabric directory or choose another parent with dir=" :
			"");
		return rc;
	}
	for (i = 0; ; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			rc = 0;
			break;
		}
		rc = -errno;
		if (rc != -EWOULDBLOCK || i >= SHM_CLAIM_TRIES)
			break;
		nanosleep(&ms, NULL);
	}
	if (rc != 0) {
		if (rc == -EWOULDBLOCK) {
			struct shm_wire_hdr hd;
			char who[48] = "an unknown process";

			/* The holder published its page under the directory
			 * lock we hold now (with a manager: no page to read,
			 * and the manager named any holder it knows). */
			if (h->grant == NULL &&
					shm_page_read(h->dir_fd, h->p.host, &hd, NULL) == 0)
				snprintf(who, sizeof(who), "pid %u%s", hd.pid,
					hd.pid == (uint32_t)getpid() ?
					" (this process)" : "");
			SHM_LOG(ERR, "%s: host=%d of fabric %s is already taken by %s (it holds %s/%s): choose another host= or stop that process",
				h->name, h->p.host, h->p.fabric, who, h->path,
				name);
			rc = -EBUSY;
		} else {
			SHM_LOG(ERR, "%s: cannot lock %s/%s: %s", h->name,
				h->path, name, strerror(-rc));
		}
		if (created)
			unlinkat(h->dir_fd, name, 0);
		close(fd);
		return rc;
	}
	h->lock_fd = fd;
	return 0;
}

/* Epoch of a new incarnation: never 0, never the previous one. */
static uint64_t
epoch_new(uint64_t prev)
{
	struct timespec ts;
	uint64_t e;

	clock_gettime(CLOCK_REALTIME, &ts);
	e = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
	if (e <= prev)
		e = prev + 1;
	return e == 0 ? 1 : e;
}

/* Create a file of @size bytes (new inode), reserve its memory, map it. */
static int
file_create(struct shm_host *h, const char *name, size_t size, mode_t mode,
		void **va)
{
	char sz[32];
	void *p;
	int fd, rc;

	fd = openat(h->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
		O_NOFOLLOW | O_NONBLOCK, mode);
	if (fd < 0) {
		rc = -errno;
		SHM_LOG(ERR, "%s: cannot create %s/%s: %s", h->name, h->path,
			name, strerror(-rc));
		return rc;
	}
	if (fchmod(fd, mode) != 0 || ftruncate(fd, size) != 0) {
		rc = -errno;
		SHM_LOG(ERR, "%s: cannot size %s/%s to %zu bytes: %s", h->name,
			h->path, name, size, strerror(-rc));
		goto fail;
	}
	/* Take the memory now, so running short fails here rather than as
	 * SIGBUS on a store later. */
	if (fallocate(fd, 0, 0, size) != 0 && errno != EOPNOTSUPP &&
			errno != ENOSYS) {
		rc = -errno;
		SHM_LOG(ERR, "%s: no room for %s (%s) in %s: %s; %s", h->name,
			name, rte_marlin_size_format(size, sz, sizeof(sz)), h->path,
			strerror(-rc), h->hugetlb ?
			"reserve more hugepages, or lower mw=/mw_size=" :
			"free memory, or lower mw=/mw_size=");
		goto fail;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		SHM_LOG(ERR, "%s: cannot map %s/%s (%s): %s", h->name, h->path,
			name, rte_marlin_size_format(size, sz, sizeof(sz)), strerror(-rc));
		goto fail;
	}
	close(fd);
	*va = p;
	return 0;
fail:
	close(fd);
	unlinkat(h->dir_fd, name, 0);
	return rc;
}

/*
 * A fabric is all manager= hosts or none. Under the directory lock a live
 * host without manager= has a register page file, one with manager= none
 * (its header is a memory object): only their presence is looked at, no
 * file is read. A host without manager= refuses to join hosts with one.
 * A host with manager= only warns: anyone who may write the directory can
 * plant a page file, and that must not keep it from starting; it never
 * links with a host that is not granted through the manager anyway.
 */
static int
fabric_check_mixed(struct shm_host *h, int o)
{
	char name[SHM_FILE_NAME];
	int has_page;

	shm_host_file(name, sizeof(name), o, "regs");
	has_page = faccessat(h->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	if (has_page == (h->grant == NULL))
		return 0;
	if (h->grant != NULL) {
		SHM_LOG(WARNING, "%s: host %d of fabric %s holds its lock and has a register page file %s/%s: it seems to run without a rack manager (or someone planted the file); this host never links with it: hosts of one fabric must all use manager= (or none)",
			h->name, o, h->p.fabric, h->path, name);
		return 0;
	}
	SHM_LOG(ERR, "%s: host %d of fabric %s runs with a rack manager (it holds %s/host-%d.lock but has no register page file), this host without: hosts of one fabric must all use manager= (or none): a host without one can reach every window by name",
		h->name, o, h->p.fabric, h->path, o);
	return -EPERM;
}

/* Refuse to join a fabric whose live hosts run another geometry. */
static int
fabric_check_hosts(struct shm_host *h)
{
	char a[32], b[32], what[160];
	struct shm_wire_hdr hd;
	int o, rc;

	for (o = 0; o < SHM_WIRE_MAX_HOSTS; o++) {
		if (o == h->p.host || shm_lock_probe(h->dir_fd, o) != 1)
			continue;
		rc = fabric_check_mixed(h, o);
		if (rc != 0)
			return rc;
		/* With a manager the geometry is checked on the header
		 * object when the link comes up. */
		if (h->grant != NULL ||
				shm_page_read(h->dir_fd, o, &hd, NULL) != 0)
			continue;
		if (hd.flags & SHM_WIRE_F_MANAGER) {
			SHM_LOG(ERR, "%s: host %d (pid %u) of fabric %s runs with a rack manager, this host without: hosts of one fabric must all use manager= (or none): a host without one can reach every window by name",
				h->name, o, hd.pid, h->p.fabric);
			return -EPERM;
		}
		if (hd.hosts != (uint32_t)h->p.hosts)
			snprintf(what, sizeof(what), "hosts=%u but %s asks for hosts=%d",
				hd.hosts, h->name, h->p.hosts);
		else if (hd.mw_count != (uint32_t)h->p.mw_count)
			snprintf(what, sizeof(what), "mw_count=%u but %s asks for mw_count=%d",
				hd.mw_count, h->name, h->p.mw_count);
		else if (hd.mw_size != h->p.mw_size)
			snprintf(what, sizeof(what), "mw_size=%s but %s asks for mw_size=%s",
				rte_marlin_size_format(hd.mw_size, a, sizeof(a)), h->name,
				rte_marlin_size_format(h->p.mw_size, b, sizeof(b)));
		else
			continue;
		SHM_LOG(ERR, "%s: host %d (pid %u) of fabric %s runs with %s: use the same hosts=, mw= and mw_size= on every host of a fabric",
			h->name, o, hd.pid, h->p.fabric, what);
		return -EINVAL;
	}
	return 0;
}

/*
 * What a previous incarnation of this host left: remember its epoch, then
 * remove its files at once, so that no peer takes its page for ours while
 * we hold the lock.
 */
static uint64_t
host_stale_remove(struct shm_host *h)
{
	char name[SHM_FILE_NAME];
	struct shm_wire_hdr old;
	uint64_t prev = 0;
	int w;

	if (h->grant == NULL &&
			shm_page_read(h->dir_fd, h->p.host, &old, NULL) == 0)
		prev = old.epoch;
	shm_host_file(name, sizeof(name), h->p.host, "regs");
	unlinkat(h->dir_fd, name, 0);
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		shm_mw_file(name, sizeof(name), h->p.host, w);
		unlinkat(h->dir_fd, name, 0);
	}
	return prev;
}

static int
host_files_create(struct shm_host *h, uint64_t prev)
{
	char name[SHM_FILE_NAME];
	struct shm_wire_hdr *hd;
	uint64_t cut = 0;
	void *va;
	int o, w, rc;

	/* Cuts recorded while we were away (with a manager: its link
	 * page has them). */
	for (o = 0; o < SHM_WIRE_MAX_HOSTS && h->grant == NULL; o++) {
		if (o == h->p.host)
			continue;
		shm_cut_file(name, sizeof(name), h->p.host, o);
		if (faccessat(h->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			cut |= UINT64_C(1) << o;
	}

	/* With a manager the header is the memory object made at
	 * registration (shm_regs.c); banks and windows are objects too. */
	if (h->grant == NULL) {
		shm_host_file(name, sizeof(name), h->p.host, "regs");
		rc = file_create(h, name, h->regs_size, 0660, &va);
		if (rc != 0)
			return rc;
		h->regs = va;
	}
	for (w = 0; w < h->p.mw_count && h->grant == NULL; w++) {
		shm_mw_file(name, sizeof(name), h->p.host, w);
		rc = file_create(h, name, h->p.mw_size, 0660, &va);
		if (rc != 0)
			return rc;
		h->mw[w] = va;
	}

	h->epoch = epoch_new(prev);
	hd = &h->regs->hdr;
	hd->version = SHM_WIRE_VERSION;
	hd->host_id = h->p.host;
	hd->hosts = h->p.hosts;
	hd->mw_count = h->p.mw_count;
	hd->spad_count = h->p.spad_count;
	hd->mw_size = h->p.mw_size;
	hd->epoch = h->epoch;
	hd->pid = (uint32_t)getpid();
	hd->link_enable = 0;
	hd->heartbeat = 0;
	hd->flags = h->grant != NULL ? SHM_WIRE_F_MANAGER : 0;
	h->regs->mgmt.cut_mask = cut;
	/* Everything above becomes visible with the magic. */
	STORE_REL(&hd->magic, SHM_WIRE_MAGIC);
	return 0;
}

int
shm_host_open(struct shm_host *h, const struct shm_params *p,
		const char *devname)
{
	char why[PATH_MAX + 64], a[32], b[32];
	struct statfs sf;
	uint64_t prev;
	int rc, i, w;

	memset(h, 0, sizeof(*h));
	h->dir_fd = -1;
	h->lock_fd = -1;
	h->regs_obj_fd = -1;
	for (i = 0; i < SHM_WIRE_MAX_HOSTS - 1; i++)
		h->peers[i].regs_fd = -1;
	h->p = *p;
	snprintf(h->name, sizeof(h->name), "%s", devname);

	if (p->dir[0] != '\0') {
		rc = shm_fabric_join(p->dir, p->fabric, h->path, sizeof(h->path));
		if (rc == 0) {
			rc = shm_mkdir_parents(p->dir);
			if (rc != 0)
				SHM_LOG(ERR, "%s: cannot create dir=%s: %s%s",
					h->name, p->dir, strerror(-rc),
					rc == -EACCES ? ": choose a writable parent with dir=" : "");
		}
	} else {
		rc = shm_fabric_search(p->fabric, p, h->path, sizeof(h->path), why,
			sizeof(why));
		if (rc == 0 && why[0] != '\0')
			SHM_LOG(NOTICE, "%s: %s: fabric %s goes to /dev/shm (4 KiB pages); reserve hugepages or pass dir= to choose",
				h->name, why, p->fabric);
	}
	if (rc == -ENAMETOOLONG)
		SHM_LOG(ERR, "%s: fabric path for dir=%s and fabric=%s is too long: use a shorter dir=",
			h->name, p->dir, p->fabric);
	if (rc != 0)
		return rc;

	why[0] = '\0';
	rc = shm_fabric_dir_lock(h->path, &h->created_dir, why, sizeof(why));
	if (rc == -EPERM && why[0] != '\0') {
		SHM_LOG(ERR, "%s: refusing fabric directory %s: %s", h->name,
			h->path, why);
		goto fail;
	}
	if (rc < 0) {
		SHM_LOG(ERR, "%s: cannot create or open fabric directory %s: %s%s",
			h->name, h->path, strerror(-rc), rc == -EACCES ?
			": give this user write access to its parent or choose another parent with dir=" :
			rc == -ENOTDIR ? " (a symlink or a file is there: remove it)" : "");
		goto fail;
	}
	h->dir_fd = rc;
	if (faccessat(h->dir_fd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
		rc = -errno;
		SHM_LOG(ERR, "%s: fabric directory %s is not writable: %s: give this user write access to it or choose another parent with dir=",
			h->name, h->path, strerror(-rc));
		goto fail;
	}
	if (fstatfs(h->dir_fd, &sf) != 0) {
		rc = -errno;
		SHM_LOG(ERR, "%s: statfs %s: %s", h->name, h->path,
			strerror(-rc));
		goto fail;
	}
	h->hugetlb = sf.f_type == HUGETLBFS_MAGIC;
	h->page_size = h->hugetlb ? (size_t)sf.f_bsize : SHM_SMALL_PAGE;
	if (h->page_size < SHM_SMALL_PAGE)
		h->page_size = SHM_SMALL_PAGE;
	if (p->mw_size % h->page_size != 0) {
		SHM_LOG(ERR, "%s: mw_size=%s is not a multiple of the %s hugepage size of %s: use a multiple of %s, or put the fabric in /dev/shm with dir=/dev/shm",
			h->name, rte_marlin_size_format(p->mw_size, a, sizeof(a)),
			rte_marlin_size_format(h->page_size, b, sizeof(b)), h->path, b);
		rc = -EINVAL;
		goto fail;
	}
	h->regs_size = RTE_ALIGN_CEIL(sizeof(struct shm_wire_page),
		h->page_size);

	if (p->manager[0] != '\0') {
		rc = shm_grant_open(h); /* the manager decides who is host N */
		if (rc != 0)
			goto fail;
		rc = shm_regs_create(h);
		if (rc != 0) {
			SHM_LOG(ERR, "%s: cannot create the register header object: %s",
				h->name, strerror(-rc));
			goto fail;
		}
	}
	rc = host_claim(h);
	if (rc != 0)
		goto fail;
	prev = host_stale_remove(h);
	rc = fabric_check_hosts(h);
	if (rc != 0)
		goto fail;

	/* Fixed ranges for the peers' register pages, sinks until seen. */
	h->npeers = p->hosts - 1;
	for (i = 0; i < h->npeers; i++) {
		struct shm_peer *pr = &h->peers[i];

		pr->host_id = shm_pidx_to_host(h, i);
		pr->regs = shm_range_reserve(h->regs_size, h->page_size);
		if (pr->regs == NULL) {
			rc = -ENOMEM;
			SHM_LOG(ERR, "%s: cannot reserve address space for peer pages",
				h->name);
			goto fail;
		}
		for (w = 0; w < SHM_WIRE_MAX_MW; w++)
			pr->mw[w] = NULL;
	}

	rc = host_files_create(h, prev);
	if (rc != 0)
		goto fail;
	if (h->grant != NULL) {
		shm_grant_banks_bind(h);
	} else {
		for (i = 0; i < h->npeers; i++) {
			h->in_bank[i] = &h->regs->src[h->peers[i].host_id];
			h->out_bank[i] = &h->peers[i].regs->src[p->host];
		}
	}
	flock(h->dir_fd, LOCK_UN);
	h->opened = 1;
	SHM_LOG(INFO, "%s: host %d of %d on %s, epoch %" PRIu64 ", %d x %s windows",
		h->name, p->host, p->hosts, h->path, h->epoch, p->mw_count,
		rte_marlin_size_format(p->mw_size, a, sizeof(a)));
	return 0;
fail:
	shm_host_close(h);
	return rc;
}

void
shm_host_close(struct shm_host *h)
{
	int i, w;

	/* Let peers see the link drop before the files go. */
	if (h->regs != NULL) {
		STORE_REL(&h->regs->hdr.link_enable, 0);
		STORE_REL(&h->regs->hdr.magic, 0);
	}
	for (i = 0; i < h->npeers; i++) {
		struct shm_peer *pr = &h->peers[i];

		STORE_REL(&pr->link_up, 0);
		shm_peer_lock_close(pr);
		if (pr->regs_fd >= 0)
			close(pr->regs_fd);
		pr->regs_fd = -1;
		if (pr->regs != NULL)
			munmap(pr->regs, h->regs_size);
		pr->regs = NULL;
		for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
			if (pr->mw[w] != NULL)
				munmap(pr->mw[w], h->p.mw_size);
			pr->mw[w] = NULL;
		}
	}
	h->npeers = 0;
	if (h->regs_obj_fd >= 0)
		shm_regs_destroy(h);
	else if (h->regs != NULL)
		munmap(h->regs, h->regs_size);
	h->regs = NULL;
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		if (h->mw[w] != NULL)
			munmap(h->mw[w], h->p.mw_size);
		h->mw[w] = NULL;
	}
	if (h->dir_fd >= 0) {
		/* No-op when the failed open still holds it. */
		flock(h->dir_fd, LOCK_EX);
		if (h->lock_fd >= 0)
			shm_host_files_unlink(h->dir_fd, h->p.host);
	}
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	h->lock_fd = -1;
	if (h->dir_fd >= 0) {
		/* Last one out removes the directory (fails while not empty);
		 * a failed start only removes one it made itself. */
		if (h->opened || h->created_dir)
			rmdir(h->path);
		close(h->dir_fd);
	}
	h->opened = 0;
	h->dir_fd = -1;
	shm_grant_close(h);
}

