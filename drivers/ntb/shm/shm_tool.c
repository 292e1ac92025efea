/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The rte_pmd_ntb_shm_* calls: cut and restore links, read a host's state,
 * clean a fabric. They serve tools (marlin-fabric) and test harnesses from
 * outside the hosts; nothing here needs EAL.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_common.h>

#include "shm_private.h"

/* hugetlbfs takes no write(): store through a mapping (a page truncated
 * meanwhile by a host of the fabric could raise SIGBUS here). */
static int
cut_store_mapped(int fd, const struct stat *st, int cut, uint64_t bit)
{
	struct shm_wire_page *pg;
	uint64_t mask;

	pg = mmap(NULL, st->st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pg == MAP_FAILED)
		return -errno;
	mask = LOAD_ACQ(&pg->mgmt.cut_mask);
	mask = cut ? (mask | bit) : (mask & ~bit);
	STORE_REL(&pg->mgmt.cut_mask, mask);
	munmap(pg, st->st_size);
	return 0;
}

/* Set or clear the cut bit in host @host's page: read and written with
 * pread/pwrite (never mapped: a file truncated meanwhile cannot raise
 * SIGBUS), only a regular file that passes shm_file_open(). */
static int
cut_apply(int dir_fd, int host, int other, int cut)
{
	char name[SHM_FILE_NAME];
	struct shm_wire_hdr hd;
	struct stat st;
	uint64_t mask, bit = UINT64_C(1) << other;
	int fd, rc = 0;

	shm_host_file(name, sizeof(name), host, "regs");
	fd = shm_file_open(dir_fd, name, O_RDWR, &st);
	/* A host with a rack manager keeps its page to itself (0640) and
	 * takes cuts from the manager only. */
	if (fd == -EACCES && shm_page_read(dir_fd, host, &hd, NULL) == 0 &&
			(hd.flags & SHM_WIRE_F_MANAGER))
		return 0;
	if (fd < 0) /* none, or not a host's page (a FIFO, another's file) */
		return fd == -ENOENT || fd == -EPROTO ? 0 : fd;
	if ((size_t)st.st_size < sizeof(struct shm_wire_page) ||
			pread(fd, &hd, sizeof(hd), 0) != (ssize_t)sizeof(hd) ||
			pread(fd, &mask, sizeof(mask),
				offsetof(struct shm_wire_page, mgmt.cut_mask)) !=
				(ssize_t)sizeof(mask)) {
		close(fd);
		return 0;
	}
	/* Starting hosts publish under the directory lock we hold: a page
	 * without magic is not a host's page. */
	if (hd.magic == SHM_WIRE_MAGIC) {
		mask = cut ? (mask | bit) : (mask & ~bit);
		if (pwrite(fd, &mask, sizeof(mask),
				offsetof(struct shm_wire_page, mgmt.cut_mask)) !=
				(ssize_t)sizeof(mask))
			rc = cut_store_mapped(fd, &st, cut, bit);
	}
	close(fd);
	return rc;
}

int
rte_pmd_ntb_shm_link_cut(const char *fabric_path, int host_a, int host_b,
		int cut)
{
	char name[SHM_FILE_NAME];
	int dir_fd, fd, rc = 0;

	if (fabric_path == NULL || host_a < 0 || host_b < 0 ||
			host_a >= RTE_PMD_NTB_SHM_MAX_HOSTS ||
			host_b >= RTE_PMD_NTB_SHM_MAX_HOSTS || host_a == host_b)
		return -EINVAL;
	dir_fd = shm_fabric_dir_open(fabric_path, 1);
	if (dir_fd < 0)
		return dir_fd;
	/* The record first: a host starting from now on reads it. */
	shm_cut_file(name, sizeof(name), host_a, host_b);
	if (cut) {
		fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC |
			O_NOFOLLOW | O_NONBLOCK, 0660);
		if (fd < 0)
			rc = -errno;
		else
			close(fd);
	} else if (unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
		rc = -errno;
	}
	if (rc == 0)
		rc = cut_apply(dir_fd, host_a, host_b, cut);
	if (rc == 0)
		rc = cut_apply(dir_fd, host_b, host_a, cut);
	close(dir_fd);
	return rc;
}

int
rte_pmd_ntb_shm_host_state(const char *fabric_path, int host_id,
		struct rte_pmd_ntb_shm_host_state *st)
{
	struct shm_wire_hdr hd;
	uint64_t cut = 0;
	char name[SHM_FILE_NAME];
	struct stat lk;
	int dir_fd, rc;

	if (fabric_path == NULL || st == NULL || host_id < 0 ||
			host_id >= RTE_PMD_NTB_SHM_MAX_HOSTS)
		return -EINVAL;
	dir_fd = shm_fabric_dir_open(fabric_path, 0);
	if (dir_fd < 0)
		return dir_fd;
	rc = shm_page_read(dir_fd, host_id, &hd, &cut);
	shm_host_file(name, sizeof(name), host_id, "lock");
	if ((rc != 0 || (hd.flags & SHM_WIRE_F_MANAGER)) &&
			fstatat(dir_fd, name, &lk, AT_SYMLINK_NOFOLLOW) == 0 &&
			S_ISREG(lk.st_mode)) {
		/* A host with manager= keeps its header to itself and the
		 * peers it registered with; a page file next to its lock is
		 * planted or stale, and says nothing. */
		memset(st, 0, sizeof(*st));
		st->host_id = host_id;
		st->present = rc == 0 || rc == -EPROTO;
		st->alive = shm_lock_probe(dir_fd, host_id) == 1;
		st->manager = 1;
		rc = 0;
	} else if (rc == 0) {
		memset(st, 0, sizeof(*st));
		st->host_id = host_id;
		st->present = 1;
		st->alive = shm_lock_probe(dir_fd, host_id) == 1;
		st->link_enabled = hd.link_enable != 0;
		st->pid = (int)hd.pid;
		st->epoch = hd.epoch;
		st->cut_mask = cut;
		st->mw_count = (int)hd.mw_count;
		st->mw_size = hd.mw_size;
	}
	close(dir_fd);
	return rc;
}

static void
cut_files_unlink(int dir_fd)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(dir_fd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "cut-", 4) == 0)
			unlinkat(dir_fd, de->d_name, 0);
	closedir(d);
}

int
rte_pmd_ntb_shm_fabric_clean(const char *fabric_path, int remove_dir)
{
	int dir_fd, h, n = 0, left = 0, rc;

	dir_fd = shm_fabric_dir_open(fabric_path, 1);
	if (dir_fd < 0)
		return dir_fd;
	for (h = 0; h < RTE_PMD_NTB_SHM_MAX_HOSTS; h++) {
		if (!shm_host_has_files(dir_fd, h))
			continue;
		rc = shm_lock_probe(dir_fd, h);
		if (rc != 0) {
			/* Alive, or cannot tell: leave it. */
			left++;
			continue;
		}
		shm_host_files_unlink(dir_fd, h);
		n++;
	}
	if (remove_dir && left == 0) {
		cut_files_unlink(dir_fd);
		if (rmdir(fabric_path) != 0 && errno != ENOTEMPTY &&
				errno != EEXIST && errno != ENOENT) {
			rc = -errno;
			close(dir_fd);
			return rc;
		}
	}
	close(dir_fd);
	return n;
}

