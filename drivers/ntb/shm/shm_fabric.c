/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm fabric location and locking: file names, where a fabric directory
 * lives (hugetlbfs with free pages, else /dev/shm, or dir=), creating it and
 * taking its lock, and the address ranges windows and pages are mapped into.
 * Nothing here needs EAL.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <rte_common.h>
#include <rte_log.h>

#include "shm_private.h"

RTE_LOG_REGISTER_DEFAULT(shm_logtype, NOTICE);

#define SHM_MAX_HUGETLBFS 4    /* hugetlbfs mounts considered */

/* ---- names and mappings ---- */

void
shm_host_file(char *buf, size_t len, int host, const char *what)
{
	snprintf(buf, len, "host-%d.%s", host, what);
}

void
shm_mw_file(char *buf, size_t len, int host, int widx)
{
	snprintf(buf, len, "host-%d.mw-%d", host, widx);
}

void
shm_cut_file(char *buf, size_t len, int a, int b)
{
	snprintf(buf, len, "cut-%d-%d", RTE_MIN(a, b), RTE_MAX(a, b));
}

int
shm_fabric_name_valid(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return 0;
	n = strnlen(name, SHM_FABRIC_NAME_MAX + 1);
	if (n == 0 || n > SHM_FABRIC_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '_' || c == '.' ||
				c == '-'))
			return 0;
	}
	return 1;
}

/* Is the caller in group @gid? */
static int
in_group(gid_t gid)
{
	gid_t groups[256];
	int i, n;

	if (gid == getegid())
		return 1;
	n = getgroups(RTE_DIM(groups), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int
shm_dir_trusted(int dir_fd, char *why, size_t len)
{
	struct stat st;

	if (fstat(dir_fd, &st) != 0) {
		snprintf(why, len, "cannot stat it: %s", strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "it is not a directory");
		return -ENOTDIR;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(why, len, "it is writable by every user (mode %04o): anyone could plant or replace a host's files; remove it, or chmod o-w if it is yours",
			(unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	if (st.st_uid != geteuid() &&
			!((st.st_mode & S_IWGRP) && in_group(st.st_gid))) {
		snprintf(why, len, "it belongs to uid %u, not to this user (uid %u), and is not shared with a group of this user (group %u%s): remove it, or let its owner share it by group (chmod g+ws)",
			(unsigned int)st.st_uid, (unsigned int)geteuid(),
			(unsigned int)st.st_gid,
			(st.st_mode & S_IWGRP) ? "" : ", not group-writable");
		return -EPERM;
	}
	return 0;
}

int
shm_file_open(int dir_fd, const char *name, int flags, struct stat *st)
{
	struct stat ds;
	int fd, rc;

	/* O_NONBLOCK: a FIFO planted under this name never blocks the open;
	 * O_NOFOLLOW: nor does a symlink lead elsewhere. */
	fd = openat(dir_fd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EPROTO : -errno;
	if (fstat(fd, st) != 0 || fstat(dir_fd, &ds) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* A regular file of this user, of the directory's owner, or of its
	 * sharing group: who else could have put it there is refused. */
	if (!S_ISREG(st->st_mode) || (st->st_uid != geteuid() &&
			st->st_uid != ds.st_uid &&
			!((ds.st_mode & S_IWGRP) && st->st_gid == ds.st_gid))) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

const char *
shm_file_kind(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFIFO: return "a FIFO";
	case S_IFLNK: return "a symlink";
	case S_IFDIR: return "a directory";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "not a regular file";
	}
}

/* Why a file of the fabric directory was refused, for a log line. */
void
shm_file_refusal(int dir_fd, const char *name, char *why, size_t len)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		snprintf(why, len, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "it is %s, not a regular file: remove it",
			shm_file_kind(&st));
	else
		snprintf(why, len, "it belongs to uid %u gid %u, neither this user, the directory's owner nor its group: remove it",
			(unsigned int)st.st_uid, (unsigned int)st.st_gid);
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Anonymous private memory: stores land here and go nowhere. */
int
shm_range_sink(void *va, size_t size)
{
	void *r = mmap(va, size, PROT_READ | PROT_WRITE,
		MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return r == MAP_FAILED ? -errno : 0;
}

/* Reserve @size bytes aligned to @align, backed by a sink. */
void *
shm_range_reserve(size_t size, size_t align)
{
	size_t total = size + align;
	uint8_t *va, *start;
	size_t head, tail;

	va = mmap(NULL, total, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED)
		return NULL;
	start = RTE_PTR_ALIGN_CEIL(va, align);
	head = start - va;
	tail = total - head - size;
	if (head != 0)
		munmap(va, head);
	if (tail != 0)
		munmap(start + size, tail);
	return start;
}

/* Map @fd over a reserved range; on failure the range becomes a sink. */
int
shm_range_map_file(void *va, size_t size, int fd)
{
	void *r = mmap(va, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED,
		fd, 0);
	int rc;

	if (r != MAP_FAILED)
		return 0;
	rc = -errno;
	shm_range_sink(va, size);
	return rc;
}

/* ---- where fabrics live ---- */

static int
hugetlbfs_mounts(char mounts[][PATH_MAX], int max)
{
	struct mntent ent, *m;
	char buf[4096];
	FILE *f;
	int n = 0;

	f = setmntent("/proc/mounts", "r");
	if (f == NULL)
		return 0;
	while (n < max && (m = getmntent_r(f, &ent, buf, sizeof(buf))) != NULL) {
		if (strcmp(m->mnt_type, "hugetlbfs") != 0)
			continue;
		snprintf(mounts[n], PATH_MAX, "%s", m->mnt_dir);
		n++;
	}
	endmntent(f);
	return n;
}

static long
read_long_file(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Hugepages a mount can still hand out; -1 if it is not usable. */
static long
hugetlbfs_free_pages(const char *mnt, size_t *page_size)
{
	char path[128];
	struct statfs sf;
	long nfree, resv;

	if (statfs(mnt, &sf) != 0 || sf.f_type != HUGETLBFS_MAGIC ||
			sf.f_bsize <= 0)
		return -1;
	*page_size = (size_t)sf.f_bsize;
	snprintf(path, sizeof(path),
		"/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		*page_size / 1024);
	nfree = read_long_file(path);
	snprintf(path, sizeof(path),
		"/sys/kernel/mm/hugepages/hugepages-%zukB/resv_hugepages",
		*page_size / 1024);
	resv = read_long_file(path);
	if (nfree < 0)
		return -1;
	if (resv > 0)
		nfree -= resv;
	/* A size= limit on the mount shows in statfs. */
	if (sf.f_blocks > 0 && (long)sf.f_bavail < nfree)
		nfree = (long)sf.f_bavail;
	return nfree < 0 ? 0 : nfree;
}

/* Hugepages one host needs: register page plus windows. */
static long
pages_needed(const struct shm_params *p, size_t page_size)
{
	uint64_t regs, mw;

	if (p == NULL)
		return 1;
	regs = RTE_ALIGN_CEIL(sizeof(struct shm_wire_page), page_size);
	mw = RTE_ALIGN_CEIL(p->mw_size, page_size);
	return (long)((regs + (uint64_t)p->mw_count * mw) / page_size);
}

/*
 * The default search: an existing fabric directory on a hugetlbfs mount,
 * then in /dev/shm; else the first hugetlbfs mount with enough free pages,
 * else /dev/shm (and @why says why hugetlbfs was not used).
 */
int
shm_fabric_search(const char *fabric, const struct shm_params *p, char *buf,
		size_t len, char *why, size_t whylen)
{
	char mounts[SHM_MAX_HUGETLBFS][PATH_MAX];
	size_t page_size = 0;
	long avail, need;
	int n, i, r;

	if (buf == NULL || len == 0)
		return -EINVAL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	n = hugetlbfs_mounts(mounts, SHM_MAX_HUGETLBFS);
	for (i = 0; i < n; i++) {
		r = snprintf(buf, len, "%s/" SHM_FABRIC_PREFIX "%s", mounts[i],
			fabric);
		if (r < 0 || (size_t)r >= len)
			return -ENAMETOOLONG;
		if (is_dir(buf))
			return 0;
	}
	r = snprintf(buf, len, "/dev/shm/" SHM_FABRIC_PREFIX "%s", fabric);
	if (r < 0 || (size_t)r >= len)
		return -ENAMETOOLONG;
	if (is_dir(buf))
		return 0;
	for (i = 0; i < n; i++) {
		avail = hugetlbfs_free_pages(mounts[i], &page_size);
		if (avail < 0)
			continue;
		need = pages_needed(p, page_size);
		if (avail >= need) {
			r = snprintf(buf, len, "%s/" SHM_FABRIC_PREFIX "%s",
				mounts[i], fabric);
			if (r < 0 || (size_t)r >= len)
				return -ENAMETOOLONG;
			return 0;
		}
		if (why != NULL && whylen > 0 && why[0] == '\0')
			snprintf(why, whylen,
				"hugetlbfs at %.256s has %ld free hugepages, %ld needed",
				mounts[i], avail, need);
	}
	if (why != NULL && whylen > 0 && why[0] == '\0')
		snprintf(why, whylen, n == 0 ? "no hugetlbfs is mounted" :
			"no usable hugetlbfs mount");
	r = snprintf(buf, len, "/dev/shm/" SHM_FABRIC_PREFIX "%s", fabric);
	return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

int
rte_pmd_ntb_shm_places(struct rte_pmd_ntb_shm_place *places, unsigned int max)
{
	char mounts[SHM_MAX_HUGETLBFS][PATH_MAX];
	unsigned int i, n;

	if (places == NULL && max > 0)
		return -EINVAL;
	n = (unsigned int)hugetlbfs_mounts(mounts, SHM_MAX_HUGETLBFS);
	for (i = 0; i <= n && i < max; i++) {
		struct rte_pmd_ntb_shm_place *pl = &places[i];
		size_t ps = 0;

		memset(pl, 0, sizeof(*pl));
		pl->free_pages = -1;
		if (i == n) {
			snprintf(pl->dir, sizeof(pl->dir), "/dev/shm");
			break;
		}
		snprintf(pl->dir, sizeof(pl->dir), "%.255s", mounts[i]);
		pl->hugetlbfs = 1;
		pl->free_pages = hugetlbfs_free_pages(mounts[i], &ps);
		pl->page_size = ps;
	}
	return (int)n + 1;
}

int
shm_fabric_join(const char *dir, const char *fabric, char *buf, size_t len)
{
	size_t dl = strlen(dir);
	int r;

	/* Drop trailing slashes, but keep "/" itself. */
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	r = snprintf(buf, len, "%.*s%s" SHM_FABRIC_PREFIX "%s", (int)dl, dir,
		(dl == 1 && dir[0] == '/') ? "" : "/", fabric);
	return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

int
rte_pmd_ntb_shm_fabric_path(const char *fabric, const char *dir, char *buf,
		size_t len)
{
	if (!shm_fabric_name_valid(fabric) || buf == NULL || len == 0)
		return -EINVAL;
	if (dir != NULL && dir[0] != '\0')
		return shm_fabric_join(dir, fabric, buf, len);
	return shm_fabric_search(fabric, NULL, buf, len, NULL, 0);
}

/* mkdir -p with the default mode for the parents. */
int
shm_mkdir_parents(const char *path)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
			return -errno;
		if (i < n)
			tmp[i] = '/';
	}
	return is_dir(path) ? 0 : -ENOTDIR;
}

/*
 * Create (if needed) and open the fabric directory, holding flock(LOCK_EX)
 * on it. The lock serialises hosts creating or removing their files, the
 * removal of the directory and the cut tool; the identity check catches a
 * directory removed between our mkdir and our lock.
 */
int
shm_fabric_dir_lock(const char *path, int *created, char *why, size_t whylen)
{
	struct stat a, b;
	int fd, i;

	for (i = 0; i < 16; i++) {
		if (mkdir(path, 0770) == 0) {
			*created = 1;
			/* mkdir applied the umask; the fabric is group-shared. */
			if (chmod(path, 0770) != 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return errno == ELOOP || errno == ENOTDIR ? -ENOTDIR :
				-errno;
		}
		if (shm_dir_trusted(fd, why, whylen) != 0) {
			close(fd);
			return -EPERM;
		}
		if (flock(fd, LOCK_EX) != 0) {
			int rc = -errno;

			close(fd);
			return rc;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
				a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	return -EAGAIN;
}

/* Open an existing fabric directory, optionally locked. */
int
shm_fabric_dir_open(const char *path, int lock)
{
	char why[256];
	int fd, rc;

	if (path == NULL)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno;
	if (shm_dir_trusted(fd, why, sizeof(why)) != 0) {
		SHM_LOG(ERR, "refusing fabric directory %s: %s", path, why);
		close(fd);
		return -EPERM;
	}
	if (lock && flock(fd, LOCK_EX) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

