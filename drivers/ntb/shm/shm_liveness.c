/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm liveness: a host is alive while it holds the exclusive flock on
 * its lock file; its register page says which epoch it runs and whether its
 * link to a peer is cut. Nothing here needs EAL.
 */

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

/*
 * Is host @host alive? Tries a shared lock on a fresh open of its lock file
 * (flock belongs to the open file description, so this works inside the
 * owner's process too): it fails while the owner holds its exclusive lock.
 * The lock file stays empty: hugetlbfs files cannot be written with write().
 *
 * @return 1 alive, 0 not, -errno when it cannot tell.
 */
int
shm_lock_probe(int dir_fd, int host)
{
	char name[SHM_FILE_NAME];
	int fd, rc;

	shm_host_file(name, sizeof(name), host, "lock");
	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return 0;
	}
	rc = errno == EWOULDBLOCK ? 1 : -errno;
	close(fd);
	return rc;
}

/* Copy the header of host @host's register page. */
int
shm_page_read(int dir_fd, int host, struct shm_wire_hdr *hd, uint64_t *cut)
{
	char name[SHM_FILE_NAME];
	const struct shm_wire_page *pg;
	struct stat st;
	int fd, rc = 0;

	shm_host_file(name, sizeof(name), host, "regs");
	fd = shm_file_open(dir_fd, name, O_RDONLY, &st);
	if (fd < 0)
		return fd;
	if (!S_ISREG(st.st_mode) ||
			(size_t)st.st_size < sizeof(struct shm_wire_page)) {
		close(fd);
		return -EPROTO;
	}
	pg = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (pg == MAP_FAILED)
		return -errno;
	if (LOAD_ACQ(&pg->hdr.magic) != SHM_WIRE_MAGIC ||
			LOAD_RLX(&pg->hdr.version) != SHM_WIRE_VERSION ||
			LOAD_RLX(&pg->hdr.host_id) != (uint32_t)host) {
		rc = -EPROTO;
	} else {
		memset(hd, 0, sizeof(*hd));
		hd->magic = SHM_WIRE_MAGIC;
		hd->version = SHM_WIRE_VERSION;
		hd->host_id = host;
		hd->hosts = LOAD_RLX(&pg->hdr.hosts);
		hd->mw_count = LOAD_RLX(&pg->hdr.mw_count);
		hd->spad_count = LOAD_RLX(&pg->hdr.spad_count);
		hd->mw_size = LOAD_RLX(&pg->hdr.mw_size);
		hd->epoch = LOAD_RLX(&pg->hdr.epoch);
		hd->pid = LOAD_RLX(&pg->hdr.pid);
		hd->link_enable = LOAD_ACQ(&pg->hdr.link_enable);
		hd->heartbeat = LOAD_RLX(&pg->hdr.heartbeat);
		if (cut != NULL)
			*cut = LOAD_ACQ(&pg->mgmt.cut_mask);
	}
	munmap((void *)(uintptr_t)pg, st.st_size);
	return rc;
}

/* Remove host @host's files; the lock file last. */
void
shm_host_files_unlink(int dir_fd, int host)
{
	char name[SHM_FILE_NAME];
	int w;

	shm_host_file(name, sizeof(name), host, "regs");
	unlinkat(dir_fd, name, 0);
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		shm_mw_file(name, sizeof(name), host, w);
		unlinkat(dir_fd, name, 0);
	}
	shm_host_file(name, sizeof(name), host, "lock");
	unlinkat(dir_fd, name, 0);
}

int
shm_host_has_files(int dir_fd, int host)
{
	char name[SHM_FILE_NAME];
	int w;

	shm_host_file(name, sizeof(name), host, "lock");
	if (faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	shm_host_file(name, sizeof(name), host, "regs");
	if (faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		shm_mw_file(name, sizeof(name), host, w);
		if (faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
	}
	return 0;
}

