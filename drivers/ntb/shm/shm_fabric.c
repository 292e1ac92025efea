/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_shm fabric: the fabric directory and the files each host owns,
 * liveness (a flock held for the life of the owner), link cuts, and each
 * host's view of its peers (register pages and outbound windows mapped at
 * fixed addresses). Nothing here needs EAL: the rte_pmd_ntb_shm_* calls
 * serve tools and test harnesses from outside the hosts.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
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

#include "shm_private.h"

RTE_LOG_REGISTER_DEFAULT(shm_logtype, NOTICE);

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RLX(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

#define SHM_MAX_HUGETLBFS 4    /* hugetlbfs mounts considered */
#define SHM_CLAIM_TRIES 50     /* 1 ms apart: rides out peers' lock probes */
#define SHM_FILE_NAME 32

/* ---- small helpers ---- */

static void
host_file(char *buf, size_t len, int host, const char *what)
{
	snprintf(buf, len, "host-%d.%s", host, what);
}

static void
mw_file(char *buf, size_t len, int host, int widx)
{
	snprintf(buf, len, "host-%d.mw-%d", host, widx);
}

static void
cut_file(char *buf, size_t len, int a, int b)
{
	snprintf(buf, len, "cut-%d-%d", RTE_MIN(a, b), RTE_MAX(a, b));
}

const char *
shm_fmt_size(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % (UINT64_C(1) << 30) == 0)
		snprintf(buf, len, "%" PRIu64 "G", v >> 30);
	else if (v != 0 && v % (UINT64_C(1) << 20) == 0)
		snprintf(buf, len, "%" PRIu64 "M", v >> 20);
	else if (v != 0 && v % (UINT64_C(1) << 10) == 0)
		snprintf(buf, len, "%" PRIu64 "K", v >> 10);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
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

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Anonymous private memory: stores land here and go nowhere. */
static int
range_sink(void *va, size_t size)
{
	void *r = mmap(va, size, PROT_READ | PROT_WRITE,
		MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return r == MAP_FAILED ? -errno : 0;
}

/* Reserve @size bytes aligned to @align, backed by a sink. */
static void *
range_reserve(size_t size, size_t align)
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
static int
range_map_file(void *va, size_t size, int fd)
{
	void *r = mmap(va, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED,
		fd, 0);
	int rc;

	if (r != MAP_FAILED)
		return 0;
	rc = -errno;
	range_sink(va, size);
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
static int
fabric_search(const char *fabric, const struct shm_params *p, char *buf,
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

static int
fabric_join(const char *dir, const char *fabric, char *buf, size_t len)
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
		return fabric_join(dir, fabric, buf, len);
	return fabric_search(fabric, NULL, buf, len, NULL, 0);
}

/* mkdir -p with the default mode for the parents. */
static int
mkdir_parents(const char *path)
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
static int
fabric_dir_lock(const char *path, int *created)
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
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
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
static int
fabric_dir_open(const char *path, int lock)
{
	int fd, rc;

	if (path == NULL)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (lock && flock(fd, LOCK_EX) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* ---- liveness ---- */

/*
 * Is host @host alive? Tries a shared lock on a fresh open of its lock file
 * (flock belongs to the open file description, so this works inside the
 * owner's process too): it fails while the owner holds its exclusive lock.
 * The lock file stays empty: hugetlbfs files cannot be written with write().
 *
 * @return 1 alive, 0 not, -errno when it cannot tell.
 */
static int
lock_probe(int dir_fd, int host)
{
	char name[SHM_FILE_NAME];
	int fd, rc;

	host_file(name, sizeof(name), host, "lock");
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
static int
page_read(int dir_fd, int host, struct shm_wire_hdr *hd, uint64_t *cut)
{
	char name[SHM_FILE_NAME];
	const struct shm_wire_page *pg;
	struct stat st;
	int fd, rc = 0;

	host_file(name, sizeof(name), host, "regs");
	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
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
static void
host_files_unlink(int dir_fd, int host)
{
	char name[SHM_FILE_NAME];
	int w;

	host_file(name, sizeof(name), host, "regs");
	unlinkat(dir_fd, name, 0);
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		mw_file(name, sizeof(name), host, w);
		unlinkat(dir_fd, name, 0);
	}
	host_file(name, sizeof(name), host, "lock");
	unlinkat(dir_fd, name, 0);
}

static int
host_has_files(int dir_fd, int host)
{
	char name[SHM_FILE_NAME];
	int w;

	host_file(name, sizeof(name), host, "lock");
	if (faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	host_file(name, sizeof(name), host, "regs");
	if (faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		mw_file(name, sizeof(name), host, w);
		if (faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
	}
	return 0;
}

/* ---- the rte_pmd_ntb_shm_* calls ---- */

static int
cut_apply(int dir_fd, int host, int other, int cut)
{
	char name[SHM_FILE_NAME];
	struct shm_wire_page *pg;
	struct stat st;
	uint64_t mask, bit = UINT64_C(1) << other;
	int fd;

	host_file(name, sizeof(name), host, "regs");
	fd = openat(dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
			(size_t)st.st_size < sizeof(*pg)) {
		close(fd);
		return 0;
	}
	pg = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (pg == MAP_FAILED)
		return -errno;
	/* Starting hosts publish under the directory lock we hold: a page
	 * without magic is not a host's page. */
	if (LOAD_ACQ(&pg->hdr.magic) == SHM_WIRE_MAGIC) {
		mask = LOAD_ACQ(&pg->mgmt.cut_mask);
		mask = cut ? (mask | bit) : (mask & ~bit);
		STORE_REL(&pg->mgmt.cut_mask, mask);
	}
	munmap(pg, st.st_size);
	return 0;
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
	dir_fd = fabric_dir_open(fabric_path, 1);
	if (dir_fd < 0)
		return dir_fd;
	/* The record first: a host starting from now on reads it. */
	cut_file(name, sizeof(name), host_a, host_b);
	if (cut) {
		fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC |
			O_NOFOLLOW, 0660);
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
	int dir_fd, rc;

	if (fabric_path == NULL || st == NULL || host_id < 0 ||
			host_id >= RTE_PMD_NTB_SHM_MAX_HOSTS)
		return -EINVAL;
	dir_fd = fabric_dir_open(fabric_path, 0);
	if (dir_fd < 0)
		return dir_fd;
	rc = page_read(dir_fd, host_id, &hd, &cut);
	if (rc == 0) {
		memset(st, 0, sizeof(*st));
		st->host_id = host_id;
		st->present = 1;
		st->alive = lock_probe(dir_fd, host_id) == 1;
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

	dir_fd = fabric_dir_open(fabric_path, 1);
	if (dir_fd < 0)
		return dir_fd;
	for (h = 0; h < RTE_PMD_NTB_SHM_MAX_HOSTS; h++) {
		if (!host_has_files(dir_fd, h))
			continue;
		rc = lock_probe(dir_fd, h);
		if (rc != 0) {
			/* Alive, or cannot tell: leave it. */
			left++;
			continue;
		}
		host_files_unlink(dir_fd, h);
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

/* ---- one host: start and stop ---- */

static int
host_claim(struct shm_host *h)
{
	char name[SHM_FILE_NAME];
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	int fd, i, created = 0, rc = 0;

	host_file(name, sizeof(name), h->p.host, "lock");
	fd = openat(h->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
		O_NOFOLLOW, 0660);
	if (fd >= 0) {
		created = 1;
		if (fchmod(fd, 0660) != 0)
			SHM_LOG(DEBUG, "%s: chmod %s: %s", h->name, name,
				strerror(errno));
	} else if (errno == EEXIST) {
		fd = openat(h->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
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
			 * lock we hold now. */
			if (page_read(h->dir_fd, h->p.host, &hd, NULL) == 0)
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
file_create(struct shm_host *h, const char *name, size_t size, void **va)
{
	char sz[32];
	void *p;
	int fd, rc;

	fd = openat(h->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
		O_NOFOLLOW, 0660);
	if (fd < 0) {
		rc = -errno;
		SHM_LOG(ERR, "%s: cannot create %s/%s: %s", h->name, h->path,
			name, strerror(-rc));
		return rc;
	}
	if (fchmod(fd, 0660) != 0 || ftruncate(fd, size) != 0) {
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
			name, shm_fmt_size(size, sz, sizeof(sz)), h->path,
			strerror(-rc), h->hugetlb ?
			"reserve more hugepages, or lower mw=/mw_size=" :
			"free memory, or lower mw=/mw_size=");
		goto fail;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		SHM_LOG(ERR, "%s: cannot map %s/%s (%s): %s", h->name, h->path,
			name, shm_fmt_size(size, sz, sizeof(sz)), strerror(-rc));
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

/* Refuse to join a fabric whose live hosts run another geometry. */
static int
fabric_check_hosts(struct shm_host *h)
{
	char a[32], b[32], what[96];
	struct shm_wire_hdr hd;
	int o;

	for (o = 0; o < SHM_WIRE_MAX_HOSTS; o++) {
		if (o == h->p.host || page_read(h->dir_fd, o, &hd, NULL) != 0)
			continue;
		if (lock_probe(h->dir_fd, o) != 1)
			continue;
		if (hd.hosts != (uint32_t)h->p.hosts)
			snprintf(what, sizeof(what), "hosts=%u but %s asks for hosts=%d",
				hd.hosts, h->name, h->p.hosts);
		else if (hd.mw_count != (uint32_t)h->p.mw_count)
			snprintf(what, sizeof(what), "mw=%u but %s asks for mw=%d",
				hd.mw_count, h->name, h->p.mw_count);
		else if (hd.mw_size != h->p.mw_size)
			snprintf(what, sizeof(what), "mw_size=%s but %s asks for mw_size=%s",
				shm_fmt_size(hd.mw_size, a, sizeof(a)), h->name,
				shm_fmt_size(h->p.mw_size, b, sizeof(b)));
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

	if (page_read(h->dir_fd, h->p.host, &old, NULL) == 0)
		prev = old.epoch;
	host_file(name, sizeof(name), h->p.host, "regs");
	unlinkat(h->dir_fd, name, 0);
	for (w = 0; w < SHM_WIRE_MAX_MW; w++) {
		mw_file(name, sizeof(name), h->p.host, w);
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

	/* Cuts recorded while we were away. */
	for (o = 0; o < SHM_WIRE_MAX_HOSTS; o++) {
		if (o == h->p.host)
			continue;
		cut_file(name, sizeof(name), h->p.host, o);
		if (faccessat(h->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			cut |= UINT64_C(1) << o;
	}

	host_file(name, sizeof(name), h->p.host, "regs");
	rc = file_create(h, name, h->regs_size, &va);
	if (rc != 0)
		return rc;
	h->regs = va;
	for (w = 0; w < h->p.mw_count; w++) {
		mw_file(name, sizeof(name), h->p.host, w);
		rc = file_create(h, name, h->p.mw_size, &va);
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
	h->p = *p;
	snprintf(h->name, sizeof(h->name), "%s", devname);

	if (p->dir[0] != '\0') {
		rc = fabric_join(p->dir, p->fabric, h->path, sizeof(h->path));
		if (rc == 0) {
			rc = mkdir_parents(p->dir);
			if (rc != 0)
				SHM_LOG(ERR, "%s: cannot create dir=%s: %s%s",
					h->name, p->dir, strerror(-rc),
					rc == -EACCES ? ": choose a writable parent with dir=" : "");
		}
	} else {
		rc = fabric_search(p->fabric, p, h->path, sizeof(h->path), why,
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

	rc = fabric_dir_lock(h->path, &h->created_dir);
	if (rc < 0) {
		SHM_LOG(ERR, "%s: cannot create or open fabric directory %s: %s%s",
			h->name, h->path, strerror(-rc), rc == -EACCES ?
			": give this user write access to its parent or choose another parent with dir=" :
			"");
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
		SHM_LOG(ERR, "%s: mw_size=%s is not a multiple of the %s hugepage size of %s: use mw_size=%s or larger, or put the fabric in /dev/shm with dir=/dev/shm",
			h->name, shm_fmt_size(p->mw_size, a, sizeof(a)),
			shm_fmt_size(h->page_size, b, sizeof(b)), h->path, b);
		rc = -EINVAL;
		goto fail;
	}
	h->regs_size = RTE_ALIGN_CEIL(sizeof(struct shm_wire_page),
		h->page_size);

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
		pr->regs = range_reserve(h->regs_size, h->page_size);
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
	flock(h->dir_fd, LOCK_UN);
	h->opened = 1;
	SHM_LOG(INFO, "%s: host %d of %d on %s, epoch %" PRIu64 ", %d x %s windows",
		h->name, p->host, p->hosts, h->path, h->epoch, p->mw_count,
		shm_fmt_size(p->mw_size, a, sizeof(a)));
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
	if (h->regs != NULL)
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
			host_files_unlink(h->dir_fd, h->p.host);
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
}

/* ---- one host: its view of the peers ---- */

static void
peer_regs_drop(struct shm_host *h, struct shm_peer *pr)
{
	if (pr->regs_mapped)
		range_sink(pr->regs, h->regs_size);
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
		snprintf(what, sizeof(what), "mw=%u, this host mw=%d",
			v, h->p.mw_count);
	else if (LOAD_RLX(&hd->mw_size) != h->p.mw_size)
		snprintf(what, sizeof(what), "mw_size=%s, this host mw_size=%s",
			shm_fmt_size(LOAD_RLX(&hd->mw_size), a, sizeof(a)),
			shm_fmt_size(h->p.mw_size, b, sizeof(b)));
	else
		return 1;
	if (pr->refused_epoch != pr->epoch) {
		pr->refused_epoch = pr->epoch;
		SHM_LOG(ERR, "%s: refusing link with host %d of fabric %s: it runs with %s; start every host of a fabric with the same hosts=, mw= and mw_size=",
			h->name, pr->host_id, h->p.fabric, what);
	}
	return 0;
}

/* Files and liveness: stat, remap on a new inode, probe the lock. */
static void
peer_files_check(struct shm_host *h, struct shm_peer *pr)
{
	char name[SHM_FILE_NAME];
	struct stat st;
	uint64_t epoch;
	int fd, rc;

	host_file(name, sizeof(name), pr->host_id, "regs");
	if (fstatat(h->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			!S_ISREG(st.st_mode) || (size_t)st.st_size < h->regs_size) {
		peer_regs_drop(h, pr);
		return;
	}
	if (!pr->regs_mapped || st.st_ino != pr->regs_ino ||
			st.st_dev != pr->regs_dev) {
		peer_regs_drop(h, pr);
		fd = openat(h->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return;
		if (fstat(fd, &st) != 0 || (size_t)st.st_size < h->regs_size ||
				range_map_file(pr->regs, h->regs_size, fd) != 0) {
			close(fd);
			return;
		}
		close(fd);
		pr->regs_mapped = 1;
		pr->regs_ino = st.st_ino;
		pr->regs_dev = st.st_dev;
	}
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
	rc = lock_probe(h->dir_fd, pr->host_id);
	pr->alive = rc == 1;
	if (rc == 0)
		pr->dead_epoch = epoch;
}

static int
peer_window_map(struct shm_host *h, struct shm_peer *pr, int w)
{
	char name[SHM_FILE_NAME];
	struct stat st;
	int fd, rc;

	mw_file(name, sizeof(name), pr->host_id, w);
	fd = openat(h->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < h->p.mw_size) {
		close(fd);
		return -EPROTO;
	}
	rc = range_map_file(pr->mw[w], h->p.mw_size, fd);
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
				range_sink(pr->mw[w], h->p.mw_size);
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
			!(LOAD_ACQ(&h->regs->mgmt.cut_mask) & bit_peer) &&
			!(LOAD_ACQ(&pr->regs->mgmt.cut_mask) & bit_me);
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
		pr->mw[widx] = range_reserve(h->p.mw_size, h->page_size);
		if (pr->mw[widx] == NULL)
			return NULL;
		pr->mw_epoch[widx] = 0;
		if (LOAD_ACQ(&pr->link_up))
			peer_link_update(h, pr);
	}
	return pr->mw[widx];
}
