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

	struct stat st;

	shm_host_file(name, sizeof(name), host, "lock");
	fd = shm_file_open(dir_fd, name, O_RDONLY, &st);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return 0;
	}
	rc = errno == EWOULDBLOCK ? 1 : -errno;
	close(fd);
	return rc;
}

/*
 * Copy the header of host @host's register page: read (never mapped, so a
 * file truncated meanwhile cannot raise SIGBUS) into a private copy, and
 * checked there.
 */
int
shm_page_read(int dir_fd, int host, struct shm_wire_hdr *hd, uint64_t *cut)
{
	char name[SHM_FILE_NAME];
	struct {
		struct shm_wire_hdr hdr;
		struct shm_wire_mgmt mgmt;
	} pg;
	struct stat st;
	ssize_t n;
	int fd;

	shm_host_file(name, sizeof(name), host, "regs");
	fd = shm_file_open(dir_fd, name, O_RDONLY, &st);
	if (fd < 0)
		return fd;
	if ((size_t)st.st_size < sizeof(struct shm_wire_page)) {
		close(fd);
		return -EPROTO;
	}
	n = pread(fd, &pg, sizeof(pg), 0);
	close(fd);
	if (n != (ssize_t)sizeof(pg))
		return n < 0 ? -errno : -EPROTO;
	if (pg.hdr.magic != SHM_WIRE_MAGIC || pg.hdr.version != SHM_WIRE_VERSION ||
			pg.hdr.host_id != (uint32_t)host)
		return -EPROTO;
	*hd = pg.hdr;
	if (cut != NULL)
		*cut = pg.mgmt.cut_mask;
	return 0;
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

