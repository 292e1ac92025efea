/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* Helpers of the ntb_shm unit tests: per-test directories, vdevs, waits,
 * log capture and the fake host. */

#include "ntb_shm_helpers.h"

char parent[64];      /* per-test temporary directory */
char fpath[128];      /* the fabric directory inside it */

/* ---- helpers ---- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
setup(void **state)
{
	(void)state;
	snprintf(parent, sizeof(parent), "/dev/shm/ut-ntbshm-XXXXXX");
	if (mkdtemp(parent) == NULL)
		return -1;
	snprintf(fpath, sizeof(fpath), "%s/marlin-fabric-" FABRIC, parent);
	return 0;
}

int
teardown(void **state)
{
	static const char *const names[] = {
		"ntb_shm0", "ntb_shm1", "ntb_shm2", "ntb_shm3",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(names); i++)
		rte_vdev_uninit(names[i]);
	rm_tree(parent);
	return 0;
}

/* rte_vdev_init(name, "<args>,dir=<parent>") */
int
vdev(const char *name, const char *fmt, ...)
{
	char args[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(args + n, sizeof(args) - n, "%sdir=%s", n ? "," : "", parent);
	return rte_vdev_init(name, args);
}

int
dev_id(const char *name)
{
	int id = rte_marlin_ntb_get_by_name(name);

	assert_true(id >= 0);
	return id;
}

/* Entries in a directory, -1 if it does not exist. */
int
count_entries(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(path);

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int
exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

ino_t
inode_of(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Poll @dev until the link with @pidx is @up; bounded. */
int
wait_link(int dev, int pidx, int up)
{
	struct rte_marlin_ntb_link l;
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		rte_marlin_ntb_poll(dev);
		if (rte_marlin_ntb_link_get(dev, pidx, &l) == 0 && l.up == up)
			return 0;
		sleep_ms(1);
	}
	return -1;
}

/* Poll both for @ms and say whether either saw the link up. */
int
stays_down(int d0, int d1, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms; i++) {
		rte_marlin_ntb_poll(d0);
		rte_marlin_ntb_poll(d1);
		if (rte_marlin_ntb_link_is_up(d0, NULL, NULL) != 0 ||
				rte_marlin_ntb_link_is_up(d1, NULL, NULL) != 0)
			return 0;
		sleep_ms(1);
	}
	return 1;
}

/* Two hosts (0 and 1) of a two-host fabric, links up. */
void
two_hosts_up(const char *extra, int *d0, int *d1)
{
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2%s",
		extra), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2%s",
		extra), 0);
	*d0 = dev_id("ntb_shm0");
	*d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_link_enable(*d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(*d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(*d0, 0, 1), 0);
	assert_int_equal(wait_link(*d1, 0, 1), 0);
}

/* Log capture: what the driver printed during one call. */
static FILE *cap_f;
static char cap_buf[16384];

void
cap_begin(void)
{
	cap_f = tmpfile();
	assert_non_null(cap_f);
	rte_openlog_stream(cap_f);
}

const char *
cap_end(void)
{
	size_t n;

	rte_openlog_stream(NULL);
	fflush(cap_f);
	rewind(cap_f);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_f);
	cap_buf[n] = '\0';
	fclose(cap_f);
	cap_f = NULL;
	fputs(cap_buf, stderr);
	return cap_buf;
}

int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

void
fake_host_make(struct fake_host *f, int host, int hosts, int mw_count,
		uint64_t mw_size, uint64_t epoch, int hold_lock)
{
	char p[PATH_MAX], buf[32];
	int fd, w, n;

	memset(f, 0, sizeof(*f));
	f->host = host;
	f->mw_size = mw_size;
	f->mw_count = mw_count;
	mkdir(fpath, 0770);

	snprintf(p, sizeof(p), "%s/host-%d.lock", fpath, host);
	f->lock_fd = open(p, O_RDWR | O_CREAT, 0660);
	assert_true(f->lock_fd >= 0);
	if (hold_lock)
		assert_int_equal(flock(f->lock_fd, LOCK_EX | LOCK_NB), 0);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	assert_int_equal(pwrite(f->lock_fd, buf, n, 0), n);

	for (w = 0; w < mw_count && w < 2; w++) {
		snprintf(p, sizeof(p), "%s/host-%d.mw-%d", fpath, host, w);
		fd = open(p, O_RDWR | O_CREAT, 0660);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, mw_size), 0);
		f->mw[w] = mmap(NULL, mw_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
		assert_true(f->mw[w] != MAP_FAILED);
		close(fd);
	}

	snprintf(p, sizeof(p), "%s/host-%d.regs", fpath, host);
	fd = open(p, O_RDWR | O_CREAT, 0660);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, REGS_SIZE), 0);
	f->pg = mmap(NULL, REGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(f->pg != MAP_FAILED);
	close(fd);
	f->pg->hdr.version = SHM_WIRE_VERSION;
	f->pg->hdr.host_id = host;
	f->pg->hdr.hosts = hosts;
	f->pg->hdr.mw_count = mw_count;
	f->pg->hdr.spad_count = 16;
	f->pg->hdr.mw_size = mw_size;
	f->pg->hdr.epoch = epoch;
	f->pg->hdr.pid = (uint32_t)getpid();
	f->pg->hdr.link_enable = 1;
	__atomic_store_n(&f->pg->hdr.magic, SHM_WIRE_MAGIC, __ATOMIC_RELEASE);
}

/* The process "dies": its lock goes, its files stay. */
void
fake_host_die(struct fake_host *f)
{
	if (f->lock_fd >= 0)
		close(f->lock_fd);
	f->lock_fd = -1;
}

void
fake_host_unmap(struct fake_host *f)
{
	int w;

	fake_host_die(f);
	for (w = 0; w < 2; w++)
		if (f->mw[w] != NULL)
			munmap(f->mw[w], f->mw_size);
	if (f->pg != NULL)
		munmap(f->pg, REGS_SIZE);
	memset(f, 0, sizeof(*f));
	f->lock_fd = -1;
}
