/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the software NTB driver (ntb_shm) in one process: two vdevs
 * on one fabric are two hosts (each has its own lock, pages and windows, as
 * two processes would). A "fake host" made of hand-written files stands in
 * for a peer that runs another geometry or dies without cleaning up.
 * Every test works in its own temporary directory under /dev/shm.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_log.h>

#include "rte_marlin_ntb.h"
#include "rte_pmd_ntb_shm.h"
#include "shm_wire.h"

#define FABRIC "ut"
#define REGS_SIZE RTE_ALIGN_CEIL(sizeof(struct shm_wire_page), 4096)
#define MW_4M (UINT64_C(4) << 20)
#define WAIT_MS 3000 /* bound for link changes; the driver needs < 100 ms */

static char parent[64];      /* per-test temporary directory */
static char fpath[128];      /* the fabric directory inside it */

/* ---- helpers ---- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(parent, sizeof(parent), "/dev/shm/ut-ntbshm-XXXXXX");
	if (mkdtemp(parent) == NULL)
		return -1;
	snprintf(fpath, sizeof(fpath), "%s/marlin-fabric-" FABRIC, parent);
	return 0;
}

static int
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
static int
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

static int
dev_id(const char *name)
{
	int id = rte_marlin_ntb_get_by_name(name);

	assert_true(id >= 0);
	return id;
}

/* Entries in a directory, -1 if it does not exist. */
static int
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

static int
exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

static ino_t
inode_of(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Poll @dev until the link with @pidx is @up; bounded. */
static int
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
static int
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
static void
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

static void
cap_begin(void)
{
	cap_f = tmpfile();
	assert_non_null(cap_f);
	rte_openlog_stream(cap_f);
}

static const char *
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

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* A host made of hand-written files, as a crashed or foreign process would
 * leave them. */
struct fake_host {
	int host;
	int lock_fd;
	uint64_t mw_size;
	int mw_count;
	struct shm_wire_page *pg;
	uint8_t *mw[2];
};

static void
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
static void
fake_host_die(struct fake_host *f)
{
	if (f->lock_fd >= 0)
		close(f->lock_fd);
	f->lock_fd = -1;
}

static void
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

/* ---- tests ---- */

static void
test_probe_two_hosts(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	struct rte_marlin_ntb_mw_align al;
	struct rte_marlin_ntb_info info;
	int d0, d1;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2"), 0);
	d0 = dev_id("ntb_shm0");
	d1 = dev_id("ntb_shm1");

	assert_int_equal(rte_marlin_ntb_info_get(d1, &info), 0);
	assert_string_equal(info.name, "ntb_shm1");
	assert_string_equal(info.driver, "ntb_shm");
	assert_int_equal(info.topo, RTE_MARLIN_NTB_TOPO_SOFTWARE);
	assert_int_equal(info.port, 1);
	assert_int_equal(info.peer_count, 1);
	assert_int_equal(info.mw_count, 2);
	assert_int_equal(info.peer_mw_count, 2);
	assert_int_equal(info.spad_count, 16);
	assert_int_equal(info.msg_count, 0);
	assert_true(info.db_valid_mask == UINT64_MAX);
	assert_int_equal(info.mw_shared, 1);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d1, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d0, 0), 1);
	assert_int_equal(rte_marlin_ntb_mw_get_align(d0, 0, 1, &al), 0);
	assert_int_equal(al.addr_align, 4096);
	assert_int_equal(al.size_align, 4096);
	assert_true(al.size_max == MW_4M);

	/* The files of both hosts, nothing else. */
	assert_int_equal(count_entries(fpath), 8);
	assert_true(exists(fpath, "host-0.lock"));
	assert_true(exists(fpath, "host-0.regs"));
	assert_true(exists(fpath, "host-0.mw-0"));
	assert_true(exists(fpath, "host-1.mw-1"));

	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_int_equal(st.host_id, 1);
	assert_int_equal(st.present, 1);
	assert_int_equal(st.alive, 1);
	assert_int_equal(st.link_enabled, 0);
	assert_int_equal(st.pid, getpid());
	assert_true(st.epoch != 0);
	assert_true(st.cut_mask == 0);
	assert_int_equal(st.mw_count, 2);
	assert_true(st.mw_size == MW_4M);

	/* Links stay down until enabled. */
	assert_true(stays_down(d0, d1, 20));
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, 1), -ENOLINK);

	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(fpath), 4);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), -ENOENT);
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	/* The last host out removes the fabric directory. */
	assert_int_equal(count_entries(fpath), -1);
	assert_int_equal(count_entries(parent), 0);
}

static void
test_pidx_and_defaults(void **state)
{
	struct rte_marlin_ntb_info info;
	int d;

	(void)state;
	/* Defaults: hosts=8, mw_count=2, mw_size=4M, spads=16. */
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=3"), 0);
	d = dev_id("ntb_shm0");
	assert_int_equal(rte_marlin_ntb_info_get(d, &info), 0);
	assert_int_equal(info.port, 3);
	assert_int_equal(info.peer_count, 7);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 2), 2);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 3), 4);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 6), 7);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 7), 6);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 4), 3);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 3), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 8), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_count(d, 6), 2);
	assert_int_equal(rte_marlin_ntb_spad_count(d), 16);

	/* Custom geometry. */
	assert_int_equal(vdev("ntb_shm1",
		"fabric=other,host=0,hosts=64,mw_count=8,mw_size=64K,spads=64"), 0);
	d = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_info_get(d, &info), 0);
	assert_int_equal(info.peer_count, 63);
	assert_int_equal(info.mw_count, 8);
	assert_int_equal(info.spad_count, 64);
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(parent), 0);
}

struct ev_log {
	int link_up[2];
	int link_down[2];
	uint64_t db_bits;
	int db_events;
};

static void
ev_cb(uint16_t dev_id, const struct rte_marlin_ntb_event *ev, void *arg)
{
	struct ev_log *l = arg;

	(void)dev_id;
	if (ev->type == RTE_MARLIN_NTB_EVENT_LINK && ev->pidx >= 0 && ev->pidx < 2) {
		if (ev->link_up)
			l->link_up[ev->pidx]++;
		else
			l->link_down[ev->pidx]++;
	} else if (ev->type == RTE_MARLIN_NTB_EVENT_DB) {
		l->db_bits |= ev->db_bits;
		l->db_events++;
	}
}

static void
test_link_needs_both_enabled(void **state)
{
	struct rte_pmd_ntb_shm_host_state s0, s1;
	enum rte_marlin_ntb_speed speed;
	enum rte_marlin_ntb_width width;
	struct rte_marlin_ntb_link l;
	struct ev_log ev;
	int d0, d1;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2"), 0);
	d0 = dev_id("ntb_shm0");
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_event_callback_register(d0, ev_cb, &ev), 0);

	/* One side enabled: down on both. */
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_true(stays_down(d0, d1, 30));
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &s0), 0);
	assert_int_equal(s0.link_enabled, 1);

	/* Both: up on both, with the peer's epoch; a software link has no
	 * PCIe speed or width to report. */
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &s0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &s1), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d0, 0, &l), 0);
	assert_true(l.peer_epoch == s1.epoch);
	assert_int_equal(l.speed, RTE_MARLIN_NTB_SPEED_UNKNOWN);
	assert_int_equal(l.width, RTE_MARLIN_NTB_WIDTH_UNKNOWN);
	assert_int_equal(rte_marlin_ntb_link_get(d1, 0, &l), 0);
	assert_true(l.peer_epoch == s0.epoch);
	assert_int_equal(rte_marlin_ntb_link_is_up(d0, &speed, &width), 1);
	assert_int_equal(speed, RTE_MARLIN_NTB_SPEED_UNKNOWN);
	assert_int_equal(width, RTE_MARLIN_NTB_WIDTH_UNKNOWN);
	assert_int_equal(ev.link_up[0], 1);

	/* Either side disabling takes it down on both. */
	assert_int_equal(rte_marlin_ntb_link_disable(d1), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d1, 0, &l), 0);
	assert_int_equal(l.up, 0);
	assert_int_equal(l.speed, RTE_MARLIN_NTB_SPEED_NONE);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d1, 0, 1), -ENOLINK);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d1, 0, 0, 1), -ENOLINK);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(ev.link_down[0], 1);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(ev.link_up[0], 2);
}

static void
test_windows(void **state)
{
	void *in0, *in1, *out0, *out1, *again;
	size_t len, size;
	volatile uint64_t *o;
	uint64_t *in;
	int d0, d1;

	(void)state;
	two_hosts_up("", &d0, &d1);

	/* Inbound: the host's own window file, zeroed, fixed. */
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 0, 0, &in0, &len), 0);
	assert_true(len == MW_4M);
	assert_true(((uint64_t *)in0)[0] == 0);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 1, 4096, &in1, &len), 0);
	assert_true(len == MW_4M);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 1, MW_4M + 1, &again,
		&len), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(d0, 0, 0, in0, 0, 4096),
		-ENOTSUP);

	/* Outbound: 1 -> 0 through window 0, 0 -> 1 through window 1. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out0, &size), 0);
	assert_true(size == MW_4M);
	o = out0;
	o[0] = 0x1122334455667788ULL;
	o[MW_4M / 8 - 1] = 0xa5a5a5a5a5a5a5a5ULL;
	in = in0;
	assert_true(in[0] == 0x1122334455667788ULL);
	assert_true(in[MW_4M / 8 - 1] == 0xa5a5a5a5a5a5a5a5ULL);

	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 1, &out1, &size), 0);
	memset(out1, 0x5a, 4096);
	assert_true(((uint8_t *)in1)[0] == 0x5a && ((uint8_t *)in1)[4095] == 0x5a);
	assert_true(((uint8_t *)in1)[4096] == 0);

	/* The same address every time. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &again, &size), 0);
	assert_ptr_equal(again, out0);

	/* mw_free keeps the fixed memory; mw_alloc gives it back. */
	assert_int_equal(rte_marlin_ntb_mw_free(d0, 0, 0), 0);
	assert_int_equal(rte_marlin_ntb_mw_free(d0, 0, 0), -ENOENT);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 0, 0, &again, &len), 0);
	assert_ptr_equal(again, in0);
}

static void
test_peer_window_before_peer_exists(void **state)
{
	void *out, *in;
	size_t size, len;
	volatile uint8_t *o;
	int d0, d1;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2,mw_size=64K"), 0);
	d0 = dev_id("ntb_shm0");
	/* Never seen host 1: the range exists, stores go nowhere. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 0, &out, &size), 0);
	assert_true(size == 65536);
	o = out;
	o[0] = 0x77;
	o[65535] = 0x78;

	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 0, 0, &in, &len), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(((uint8_t *)in)[0], 0);
	assert_int_equal(o[0], 0);
	o[1] = 0x99;
	assert_int_equal(((uint8_t *)in)[1], 0x99);
}

static void
test_doorbells(void **state)
{
	uint64_t bits, mask;
	struct ev_log ev;
	int d0, d1;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	two_hosts_up("", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_event_callback_register(d1, ev_cb, &ev), 0);

	/* 0 -> 1 */
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, 0x5 | (UINT64_C(1) << 63)), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == (0x5 | (UINT64_C(1) << 63)));
	assert_int_equal(rte_marlin_ntb_db_read(d0, &bits), 0);
	assert_true(bits == 0);
	rte_marlin_ntb_poll(d1);
	assert_int_equal(ev.db_events, 1);
	assert_true(ev.db_bits == (0x5 | (UINT64_C(1) << 63)));
	/* Write-1-to-clear, only the bits named. */
	assert_int_equal(rte_marlin_ntb_db_clear(d1, 0x1), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == (0x4 | (UINT64_C(1) << 63)));
	assert_int_equal(rte_marlin_ntb_db_clear(d1, UINT64_MAX), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == 0);

	/* Masked bits are readable but raise no event until unmasked. */
	assert_int_equal(rte_marlin_ntb_db_set_mask(d1, UINT64_C(1) << 10), 0);
	assert_int_equal(rte_marlin_ntb_db_read_mask(d1, &mask), 0);
	assert_true(mask == (UINT64_C(1) << 10));
	ev.db_bits = 0;
	ev.db_events = 0;
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, UINT64_C(1) << 10), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == (UINT64_C(1) << 10));
	rte_marlin_ntb_poll(d1);
	assert_int_equal(ev.db_events, 0);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(d1, UINT64_C(1) << 10), 0);
	assert_int_equal(rte_marlin_ntb_db_read_mask(d1, &mask), 0);
	assert_true(mask == 0);
	rte_marlin_ntb_poll(d1);
	assert_int_equal(ev.db_events, 1);
	assert_true(ev.db_bits == (UINT64_C(1) << 10));
	assert_int_equal(rte_marlin_ntb_db_clear(d1, UINT64_C(1) << 10), 0);

	/* 1 -> 0 */
	assert_int_equal(rte_marlin_ntb_peer_db_set(d1, 0, UINT64_C(1) << 33), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d0, &bits), 0);
	assert_true(bits == (UINT64_C(1) << 33));
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == 0);
}

static void
test_scratchpads(void **state)
{
	uint32_t v;
	int d0, d1;

	(void)state;
	two_hosts_up("", &d0, &d1);

	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 3, 0xdeadbeef), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 3, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(d0, 0, 3, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	/* Banks are per writer: host 0 did not write its own. */
	assert_int_equal(rte_marlin_ntb_spad_read(d0, 0, 3, &v), 0);
	assert_int_equal(v, 0);

	assert_int_equal(rte_marlin_ntb_peer_spad_write(d1, 0, 15, 42), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d0, 0, 15, &v), 0);
	assert_int_equal(v, 42);

	/* The owner may clear an entry of its local bank. */
	assert_int_equal(rte_marlin_ntb_spad_write(d1, 0, 3, 0), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 16, &v), -EINVAL);

	/* A restarted writer's old values are gone. */
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 4, 7), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(wait_link(d1, 0, 0), 0);
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	d0 = dev_id("ntb_shm0");
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 4, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 5, 9), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 5, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 4, &v), 0);
	assert_int_equal(v, 0);
}

static void
test_cut_restore(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	void *in0, *out0;
	volatile uint64_t *o;
	volatile uint64_t *in;
	size_t len, size;
	int d0, d1;

	(void)state;
	two_hosts_up(",mw_size=64K", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 0, 0, &in0, &len), 0);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out0, &size), 0);
	in = in0;
	o = out0;
	o[0] = 1;
	assert_true(in[0] == 1);

	/* Cut: both sides down, stores fall into the sink. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 1, 0, 1), 0);
	assert_true(exists(fpath, "cut-0-1"));
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), 0);
	assert_true(st.cut_mask == 2);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.cut_mask == 1);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(wait_link(d1, 0, 0), 0);
	o[0] = 2;
	o[1] = 3;
	assert_true(in[0] == 1);
	assert_true(in[1] == 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d1, 0, 1), -ENOLINK);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 0, 1), -ENOLINK);

	/* The cut outlives a restart of either host. */
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.cut_mask == 1);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_true(stays_down(d0, d1, 30));
	/* Same outbound address for host 0 of the new host 1. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out0, &size), 0);
	o = out0;

	/* Restore: up again, the window shows the peer's memory. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 1, 0), 0);
	assert_false(exists(fpath, "cut-0-1"));
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);
	assert_true(o[0] == 1);
	o[1] = 4;
	assert_true(in[1] == 4);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), 0);
	assert_true(st.cut_mask == 0);

	/* Restoring twice, cutting a host that is not there. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 1, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 5, 1), 0);
	assert_true(exists(fpath, "cut-0-5"));
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 5, 0, 0), 0);
	assert_false(exists(fpath, "cut-0-5"));
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 0, 1), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 64, 1), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, -1, 1, 1), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_link_cut("/dev/shm/no-such-fabric-dir",
		0, 1, 1), -ENOENT);
}

static void
test_liveness_uninit(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	struct rte_marlin_ntb_link l;
	void *out, *out2, *in;
	size_t size, len;
	uint64_t e1;
	int d0, d1;

	(void)state;
	two_hosts_up(",mw_size=64K", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 1, &out, &size), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d0, 0, &l), 0);
	e1 = l.peer_epoch;
	assert_true(e1 != 0);

	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -ENOENT);
	memset(out, 0xee, 64); /* lands in the sink, never faults */

	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d0, 0, &l), 0);
	assert_true(l.peer_epoch != 0);
	assert_true(l.peer_epoch != e1);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.epoch == l.peer_epoch);

	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 1, &out2, &size), 0);
	assert_ptr_equal(out2, out);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 1, 0, &in, &len), 0);
	assert_int_equal(((uint8_t *)in)[0], 0);
	memset(out, 0x3c, 64);
	assert_int_equal(((uint8_t *)in)[63], 0x3c);
}

/* rte_vdev_uninit() of a device a user holds: the peer sees the link drop
 * at the holder's next poll, the holder's windows stay mapped and its files
 * stay until it lets go; then they are gone. */
static void
test_uninit_while_held(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	void *out, *in;
	size_t size, len;
	int d0, d1;

	(void)state;
	two_hosts_up(",mw_size=64K", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out, &size), 0);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 0, 0, &in, &len), 0);
	assert_int_equal(rte_marlin_ntb_user_get(d1), 0);

	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(rte_marlin_ntb_get_by_name("ntb_shm1"), -ENODEV);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	memset(out, 0x5a, 64);                  /* still mapped: no fault */
	memset(in, 0xa5, 64);
	assert_true(rte_marlin_ntb_poll(d1) >= 1);   /* link-down event */
	assert_int_equal(rte_marlin_ntb_poll(d1), -ENODEV);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);

	assert_int_equal(rte_marlin_ntb_user_put(d1), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -ENOENT);
	assert_int_equal(rte_marlin_ntb_user_put(d1), -ENODEV);
}

static void
test_dead_peer_files_stay(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	struct fake_host f;
	volatile uint8_t *o;
	void *out;
	size_t size;
	int d0;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2,mw_size=64K"), 0);
	d0 = dev_id("ntb_shm0");
	fake_host_make(&f, 1, 2, 2, 65536, 12345, 1);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_int_equal(st.alive, 1);
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 0, &out, &size), 0);
	o = out;
	o[5] = 0x42;
	assert_int_equal(f.mw[0][5], 0x42);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, 0x6), 0);
	assert_int_equal(f.pg->src[0].db.bit[1], 1);
	assert_int_equal(f.pg->src[0].db.bit[2], 1);
	assert_int_equal(f.pg->src[0].db.bit[0], 0);

	/* The process dies (its lock goes with it), its files stay. */
	fake_host_die(&f);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_int_equal(st.alive, 0);
	o[6] = 0x43;
	assert_int_equal(f.mw[0][6], 0);

	/* Cleaning removes the dead host's files only. */
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 1), 1);
	assert_false(exists(fpath, "host-1.regs"));
	assert_false(exists(fpath, "host-1.lock"));
	assert_false(exists(fpath, "host-1.mw-0"));
	assert_true(exists(fpath, "host-0.regs"));
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 1), 0);
	assert_true(exists(fpath, "host-0.lock"));
	fake_host_unmap(&f);
}

static void
test_restart_over_stale_files(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	struct fake_host f;
	uint64_t old_epoch = UINT64_C(1) << 62; /* beyond any clock reading */
	ino_t old_regs, old_mw;
	void *in;
	size_t len;
	int d1, fd;
	char p[PATH_MAX];

	(void)state;
	fake_host_make(&f, 1, 2, 2, 65536, old_epoch, 0);
	f.mw[0][0] = 0xff;
	snprintf(p, sizeof(p), "%s/host-1.mw-5", fpath);
	fd = open(p, O_RDWR | O_CREAT, 0660);
	assert_true(fd >= 0);
	close(fd);
	old_regs = inode_of(fpath, "host-1.regs");
	old_mw = inode_of(fpath, "host-1.mw-0");

	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	/* New inodes: old mappings (f's) never see a truncated file. */
	assert_true(inode_of(fpath, "host-1.regs") != old_regs);
	assert_true(inode_of(fpath, "host-1.mw-0") != old_mw);
	assert_false(exists(fpath, "host-1.mw-5"));
	assert_int_equal(f.mw[0][0], 0xff);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 0, 0, &in, &len), 0);
	assert_int_equal(((uint8_t *)in)[0], 0);
	/* The epoch moves on from the previous incarnation's. */
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.epoch == old_epoch + 1);
	fake_host_unmap(&f);
}

static void
test_same_host_twice(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	char pid[32];
	const char *log;
	int rc;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	cap_begin();
	rc = vdev("ntb_shm1", "fabric=" FABRIC ",host=0,hosts=2");
	log = cap_end();
	assert_int_equal(rc, -EBUSY);
	snprintf(pid, sizeof(pid), "pid %d", (int)getpid());
	assert_non_null(strstr(log, pid));
	assert_non_null(strstr(log, "host=0"));
	assert_int_equal(rte_marlin_ntb_get_by_name("ntb_shm1"), -ENODEV);
	/* The owner is untouched. */
	assert_int_equal(count_entries(fpath), 4);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), 0);
	assert_int_equal(st.alive, 1);
}

struct bad_arg {
	const char *args;
	int rc;
	const char *says; /* a word the error line must contain */
};

static void
test_devargs_errors(void **state)
{
	static const struct bad_arg bad[] = {
		{ "", -EINVAL, "fabric=NAME is required" },
		{ "host=0", -EINVAL, "fabric=NAME is required" },
		{ "fabric=" FABRIC, -EINVAL, "host=ID is required" },
		{ "fabric=" FABRIC ",host=8", -EINVAL, "host=8 is out of range" },
		{ "fabric=" FABRIC ",host=-1", -EINVAL, "out of range" },
		{ "fabric=" FABRIC ",host=x", -EINVAL, "not a number" },
		{ "fabric=" FABRIC ",host=2,hosts=2", -EINVAL, "use 0..1" },
		{ "fabric=" FABRIC ",host=0,hosts=65", -EINVAL, "hosts=65" },
		{ "fabric=" FABRIC ",host=0,hosts=1", -EINVAL, "hosts=1" },
		{ "fabric=" FABRIC ",host=0,mw_count=0", -EINVAL, "mw_count=0" },
		{ "fabric=" FABRIC ",host=0,mw_count=9", -EINVAL, "mw_count=9" },
		{ "fabric=" FABRIC ",host=0,mw_size=3M", -EINVAL, "not a power of two" },
		{ "fabric=" FABRIC ",host=0,mw_size=12288", -EINVAL, "mw_size=16K" },
		{ "fabric=" FABRIC ",host=0,mw_size=2K", -EINVAL, "out of range" },
		{ "fabric=" FABRIC ",host=0,mw_size=4X", -EINVAL, "not a size" },
		{ "fabric=" FABRIC ",host=0,mw_size=", -EINVAL, "not a size" },
		{ "fabric=" FABRIC ",host=0,spads=0", -EINVAL, "spads=0" },
		{ "fabric=" FABRIC ",host=0,spads=65", -EINVAL, "spads=65" },
		{ "fabric=" FABRIC ",host=0,bogus=1", -EINVAL, "unknown devarg \"bogus\"" },
		{ "fabric=" FABRIC ",host=0,host=1", -EINVAL, "more than once" },
		{ "fabric=a/b,host=0", -EINVAL, "not a valid fabric name" },
		{ "fabric=abcdefghijklmnopqrstuvwxyz0123456,host=0", -EINVAL,
			"not a valid fabric name" },
	};
	const char *log;
	unsigned int i;
	int rc;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		cap_begin();
		rc = vdev("ntb_shm0", "%s", bad[i].args);
		log = cap_end();
		if (rc != bad[i].rc || strstr(log, bad[i].says) == NULL)
			fail_msg("devargs \"%s\": rc %d (want %d), log lacks \"%s\"",
				bad[i].args, rc, bad[i].rc, bad[i].says);
		/* one line, naming the device */
		assert_int_equal(count_str(log, "ntb_shm0: "), 1);
		assert_int_equal(rte_marlin_ntb_get_by_name("ntb_shm0"), -ENODEV);
		assert_int_equal(count_entries(parent), 0);
	}
	/* The old name of mw_count= still works, with one line saying so. */
	cap_begin();
	rc = vdev("ntb_shm0", "fabric=" FABRIC ",host=0,mw=1");
	log = cap_end();
	assert_int_equal(rc, 0);
	assert_non_null(strstr(log, "devarg mw is deprecated: write mw_count=1"));
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(parent), 0);
	/* A name of exactly 32 characters is fine. */
	assert_int_equal(vdev("ntb_shm0",
		"fabric=abcdefghijklmnopqrstuvwxyz012345,host=0"), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(parent), 0);
}

static void
test_geometry_mismatch(void **state)
{
	static const char *const other[] = {
		"hosts=4", "mw_count=1", "mw_size=8M",
	};
	struct fake_host f;
	const char *log;
	unsigned int i;
	int rc, d0;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0"), 0);
	for (i = 0; i < RTE_DIM(other); i++) {
		cap_begin();
		rc = vdev("ntb_shm1", "fabric=" FABRIC ",host=1,%s", other[i]);
		log = cap_end();
		assert_int_equal(rc, -EINVAL);
		/* One line naming both values. */
		assert_non_null(strstr(log, other[i]));
		assert_non_null(strstr(log, i == 0 ? "hosts=8" : i == 1 ? "mw_count=2" :
			"mw_size=4M"));
		assert_int_equal(count_str(log, "ntb_shm: "), 1);
		assert_int_equal(count_entries(fpath), 4);
	}

	/* A peer that shows up later with another geometry: no link, and
	 * one log line for it. */
	d0 = dev_id("ntb_shm0");
	fake_host_make(&f, 1, 8, 2, MW_4M * 2, 777, 1);
	cap_begin();
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	for (i = 0; i < 40; i++) {
		rte_marlin_ntb_poll(d0);
		sleep_ms(1);
	}
	log = cap_end();
	assert_int_equal(rte_marlin_ntb_link_is_up(d0, NULL, NULL), 0);
	assert_int_equal(count_str(log, "refusing link with host 1"), 1);
	assert_non_null(strstr(log, "mw_size=8M"));
	assert_non_null(strstr(log, "mw_size=4M"));
	fake_host_unmap(&f);
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 0), 1);
}

static void
test_mw_size_suffixes(void **state)
{
	static const struct { const char *arg; uint64_t size; } ok[] = {
		{ "4096", 4096 }, { "8k", 8192 }, { "64K", 65536 },
		{ "1M", UINT64_C(1) << 20 }, { "2m", UINT64_C(2) << 20 },
	};
	struct rte_marlin_ntb_mw_align al;
	unsigned int i;
	int d;

	(void)state;
	for (i = 0; i < RTE_DIM(ok); i++) {
		assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2,mw_count=1,mw_size=%s",
			ok[i].arg), 0);
		d = dev_id("ntb_shm0");
		assert_int_equal(rte_marlin_ntb_mw_get_align(d, 0, 0, &al), 0);
		assert_true(al.size_max == ok[i].size);
		assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	}
	assert_int_equal(count_entries(parent), 0);
}

static void
test_dir_not_writable(void **state)
{
	char ro[256], p[PATH_MAX], args[PATH_MAX + 64];
	const char *log;
	uid_t euid = geteuid();
	int rc;

	(void)state;
	snprintf(ro, sizeof(ro), "%s/ro", parent);
	assert_int_equal(mkdir(ro, 0555), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	snprintf(args, sizeof(args), "fabric=" FABRIC ",host=0,dir=%s", ro);
	cap_begin();
	/* root ignores permissions: act as nobody for this call. */
	if (euid == 0)
		assert_int_equal(seteuid(65534), 0);
	rc = rte_vdev_init("ntb_shm0", args);
	if (euid == 0)
		assert_int_equal(seteuid(0), 0);
	log = cap_end();
	assert_int_equal(rc, -EACCES);
	assert_non_null(strstr(log, "dir="));
	assert_int_equal(count_entries(ro), 0);

	/* A missing parent under it cannot be made either. */
	snprintf(args, sizeof(args), "fabric=" FABRIC ",host=0,dir=%s/sub/dir", ro);
	if (euid == 0)
		assert_int_equal(seteuid(65534), 0);
	rc = rte_vdev_init("ntb_shm0", args);
	if (euid == 0)
		assert_int_equal(seteuid(0), 0);
	assert_int_equal(rc, -EACCES);
	assert_int_equal(count_entries(ro), 0);

	/* Let "nobody" reach into the test directory: now the fabric
	 * directory itself cannot be made in ro. */
	assert_int_equal(chmod(parent, 0755), 0);
	snprintf(args, sizeof(args), "fabric=" FABRIC ",host=0,dir=%s", ro);
	cap_begin();
	if (euid == 0)
		assert_int_equal(seteuid(65534), 0);
	rc = rte_vdev_init("ntb_shm0", args);
	if (euid == 0)
		assert_int_equal(seteuid(0), 0);
	log = cap_end();
	assert_int_equal(rc, -EACCES);
	assert_non_null(strstr(log, "cannot create or open fabric directory"));
	assert_int_equal(count_entries(ro), 0);

	/* A fabric directory that exists but is read-only: refused, and
	 * left as it was. */
	snprintf(ro, sizeof(ro), "%s/rw", parent);
	assert_int_equal(mkdir(ro, 0777), 0);
	assert_int_equal(chmod(ro, 0777), 0);
	snprintf(p, sizeof(p), "%s/marlin-fabric-" FABRIC, ro);
	assert_int_equal(mkdir(p, 0555), 0);
	assert_int_equal(chmod(p, 0555), 0);
	snprintf(args, sizeof(args), "fabric=" FABRIC ",host=0,dir=%s", ro);
	cap_begin();
	if (euid == 0)
		assert_int_equal(seteuid(65534), 0);
	rc = rte_vdev_init("ntb_shm0", args);
	if (euid == 0)
		assert_int_equal(seteuid(0), 0);
	log = cap_end();
	assert_int_equal(rc, -EACCES);
	assert_non_null(strstr(log, "is not writable"));
	assert_int_equal(count_entries(p), 0);

	/* dir= that does not exist yet is created (mkdir -p). */
	snprintf(args, sizeof(args), "fabric=" FABRIC ",host=0,dir=%s/new/deep", parent);
	assert_int_equal(rte_vdev_init("ntb_shm0", args), 0);
	snprintf(ro, sizeof(ro), "%s/new/deep/marlin-fabric-" FABRIC, parent);
	assert_int_equal(count_entries(ro), 4);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(ro), -1);
}

static void
test_fabric_calls(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	char buf[PATH_MAX], small[16], p[PATH_MAX];
	struct stat sb;
	int fd;

	(void)state;
	assert_int_equal(rte_pmd_ntb_shm_fabric_path(FABRIC, parent, buf,
		sizeof(buf)), 0);
	assert_string_equal(buf, fpath);
	snprintf(p, sizeof(p), "%s//", parent);
	assert_int_equal(rte_pmd_ntb_shm_fabric_path(FABRIC, p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, fpath);
	assert_int_equal(rte_pmd_ntb_shm_fabric_path(FABRIC, parent, small,
		sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(rte_pmd_ntb_shm_fabric_path("a b", parent, buf,
		sizeof(buf)), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_fabric_path(NULL, parent, buf,
		sizeof(buf)), -EINVAL);
	/* Default search: somewhere that ends in the fabric directory name. */
	assert_int_equal(rte_pmd_ntb_shm_fabric_path("ut-nowhere", NULL, buf,
		sizeof(buf)), 0);
	assert_non_null(strstr(buf, "/marlin-fabric-ut-nowhere"));

	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), -ENOENT);
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 1), -ENOENT);
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 64, &st), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, -1, &st), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, NULL), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -ENOENT);

	/* The fabric directory is group-shared. */
	assert_int_equal(stat(fpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0770);

	/* A register page that is not one. */
	snprintf(p, sizeof(p), "%s/host-5.regs", fpath);
	fd = open(p, O_RDWR | O_CREAT, 0660);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, REGS_SIZE), 0);
	close(fd);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 5, &st), -EPROTO);
	/* ... is a dead host's leftover for fabric_clean. */
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 1), 1);
	assert_false(exists(fpath, "host-5.regs"));

	/* With no host left, clean removes the directory and cut records. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 2, 3, 1), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_true(exists(fpath, "cut-2-3"));
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 0), 0);
	assert_true(exists(fpath, "cut-2-3"));
	assert_int_equal(rte_pmd_ntb_shm_fabric_clean(fpath, 1), 0);
	assert_int_equal(count_entries(fpath), -1);
}

/* First hugetlbfs mount with at least @pages free 2 MiB pages, or "". */
static void
hugetlbfs_with_pages(long pages, char *mnt, size_t len)
{
	char line[1024], dev[256], dir[512], type[64];
	long nfree = -1, resv = 0;
	FILE *f;

	mnt[0] = '\0';
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &nfree) != 1)
			nfree = -1;
		fclose(f);
	}
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &resv) != 1)
			resv = 0;
		fclose(f);
	}
	if (nfree - resv < pages)
		return;
	f = fopen("/proc/mounts", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
				strcmp(type, "hugetlbfs") == 0 &&
				strstr(line, "pagesize=2M") != NULL) {
			snprintf(mnt, len, "%s", dir);
			break;
		}
	}
	fclose(f);
}

static void
test_hugetlbfs(void **state)
{
	struct rte_marlin_ntb_mw_align al;
	char mnt[512], fabric[64], args[PATH_MAX], want[PATH_MAX], got[PATH_MAX];
	void *in, *out;
	volatile uint64_t *o;
	size_t len, size;
	const char *log;
	int d0, d1, rc;

	(void)state;
	/* Two hosts: a 2 MiB register page and two 4 MiB windows each. */
	hugetlbfs_with_pages(10, mnt, sizeof(mnt));
	if (mnt[0] == '\0') {
		fprintf(stderr, "no 2 MiB hugetlbfs mount with 10 free pages: hugetlbfs case not run\n");
		skip();
	}
	/* No dir=: the default search must pick the hugetlbfs mount. */
	snprintf(fabric, sizeof(fabric), "ut-huge-%d", (int)getpid());
	snprintf(want, sizeof(want), "%s/marlin-fabric-%s", mnt, fabric);
	snprintf(args, sizeof(args), "fabric=%s,host=0,hosts=2", fabric);
	cap_begin();
	rc = rte_vdev_init("ntb_shm0", args);
	log = cap_end();
	assert_int_equal(rc, 0);
	assert_null(strstr(log, "/dev/shm"));
	assert_int_equal(count_entries(want), 4);
	assert_int_equal(rte_pmd_ntb_shm_fabric_path(fabric, NULL, got,
		sizeof(got)), 0);
	assert_string_equal(got, want);
	snprintf(args, sizeof(args), "fabric=%s,host=1,hosts=2", fabric);
	assert_int_equal(rte_vdev_init("ntb_shm1", args), 0);
	d0 = dev_id("ntb_shm0");
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_mw_get_align(d0, 0, 0, &al), 0);
	assert_true(al.addr_align == (UINT64_C(2) << 20));
	assert_true(al.size_align == (UINT64_C(2) << 20));
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);

	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 0, 0, &in, &len), 0);
	assert_true(((uintptr_t)in & ((UINT64_C(2) << 20) - 1)) == 0);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 0, &out, &size), 0);
	assert_true(((uintptr_t)out & ((UINT64_C(2) << 20) - 1)) == 0);
	o = out;
	o[0] = 11;
	o[MW_4M / 8 - 1] = 12;
	assert_true(((uint64_t *)in)[0] == 11);
	assert_true(((uint64_t *)in)[MW_4M / 8 - 1] == 12);

	/* Cut: the hugetlb mapping gives way to a sink, and comes back. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(want, 0, 1, 1), 0);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	o[0] = 13;
	assert_true(((uint64_t *)in)[0] == 11);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(want, 0, 1, 0), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_true(o[0] == 11);

	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(count_entries(want), -1);

	/* A fabric on hugetlbfs refuses windows that are not whole pages. */
	snprintf(args, sizeof(args), "fabric=%s,host=0,hosts=2,mw_size=64K,dir=%s",
		fabric, mnt);
	cap_begin();
	rc = rte_vdev_init("ntb_shm0", args);
	log = cap_end();
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(log, "not a multiple of the 2M hugepage size"));
	assert_int_equal(count_entries(want), -1);
}

/* Run the marlin-fabric tool; returns its exit status, output in @out. */
static int
run_tool(const char *tool, const char *args, char *out, size_t len)
{
	char cmd[PATH_MAX * 2];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", tool, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	fprintf(stderr, "$ marlin-fabric %s\n%s", args, out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_marlin_fabric_tool(void **state)
{
	char tool[PATH_MAX], args[PATH_MAX], out[8192], pid[32];
	const char *bdir = getenv("MARLIN_BUILD_DIR");
	struct fake_host f;
	int d0, d1;

	(void)state;
	if (bdir == NULL) {
		fprintf(stderr, "MARLIN_BUILD_DIR not set: cannot find marlin-fabric\n");
		skip();
	}
	snprintf(tool, sizeof(tool), "%s/apps/marlin-fabric/marlin-fabric", bdir);
	if (access(tool, X_OK) != 0) {
		fprintf(stderr, "%s not built\n", tool);
		skip();
	}
	assert_int_equal(run_tool(tool, "--help", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Examples:"));
	assert_int_equal(run_tool(tool, "", out, sizeof(out)), 2);
	snprintf(args, sizeof(args), "--dir %s " FABRIC " status", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 1);
	assert_non_null(strstr(out, fpath));

	two_hosts_up("", &d0, &d1);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	assert_non_null(strstr(out, pid));
	assert_int_equal(count_str(out, "enabled"), 2);
	assert_int_equal(count_str(out, " yes "), 2);

	snprintf(args, sizeof(args), "--dir %s " FABRIC " cut 0 1", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 0);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(wait_link(d1, 0, 0), 0);
	snprintf(args, sizeof(args), "--dir %s " FABRIC " status", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "cut links: 0-1"));
	snprintf(args, sizeof(args), "--dir %s " FABRIC " restore 0 1", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);

	snprintf(args, sizeof(args), "--dir %s " FABRIC " cut 0 0", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 2);
	snprintf(args, sizeof(args), "--dir %s " FABRIC " cut 0 64", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 2);
	snprintf(args, sizeof(args), "--dir %s " FABRIC " frobnicate", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 2);
	snprintf(args, sizeof(args), "--dir %s bad/name status", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 2);
	assert_int_equal(run_tool(tool, "--bogus x status", out, sizeof(out)), 2);

	/* clean: a dead host goes, live ones stay. */
	fake_host_make(&f, 5, 8, 2, 65536, 99, 0);
	snprintf(args, sizeof(args), "--dir %s " FABRIC " clean", parent);
	assert_int_equal(run_tool(tool, args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "1 dead host"));
	assert_false(exists(fpath, "host-5.regs"));
	assert_true(exists(fpath, "host-0.regs"));
	fake_host_unmap(&f);
}

/* The places of the default search match /proc/mounts, read here
 * independently, and end with /dev/shm. */
static void
test_places(void **state)
{
	struct rte_pmd_ntb_shm_place pl[8];
	char dev[256], mnt[256], type[64];
	int n, i, mounts = 0;
	FILE *f;

	(void)state;
	f = fopen("/proc/mounts", "r");
	assert_non_null(f);
	while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, mnt, type) == 3)
		if (strcmp(type, "hugetlbfs") == 0 && mounts < 4)
			mounts++;
	fclose(f);

	assert_int_equal(rte_pmd_ntb_shm_places(NULL, 0), mounts + 1);
	assert_int_equal(rte_pmd_ntb_shm_places(NULL, 1), -EINVAL);
	n = rte_pmd_ntb_shm_places(pl, RTE_DIM(pl));
	assert_int_equal(n, mounts + 1);
	for (i = 0; i < n - 1; i++) {
		assert_int_equal(pl[i].hugetlbfs, 1);
		assert_true(pl[i].page_size >= 4096);
		assert_true(pl[i].free_pages >= -1);
	}
	assert_string_equal(pl[n - 1].dir, "/dev/shm");
	assert_int_equal(pl[n - 1].hugetlbfs, 0);
	assert_int_equal(pl[n - 1].free_pages, -1);
	/* only as many as asked are written */
	memset(pl, 0x5a, sizeof(pl));
	assert_int_equal(rte_pmd_ntb_shm_places(pl, 1), mounts + 1);
	assert_true((unsigned char)pl[1].dir[0] == 0x5a);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_two_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidx_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_needs_both_enabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_window_before_peer_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratchpads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_liveness_uninit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uninit_while_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_peer_files_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_over_stale_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_host_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devargs_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geometry_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mw_size_suffixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_not_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fabric_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlbfs, setup, teardown),
		cmocka_unit_test(test_places),
		cmocka_unit_test_setup_teardown(test_marlin_fabric_tool, setup, teardown),
	};
	char prefix[64], runtime[PATH_MAX];
	char *eal_args[] = {
		argv[0], "-l", "0", "--no-pci", "--no-huge", "-m", "128",
		"--no-telemetry", prefix, "--log-level=lib.eal:error", NULL,
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut_ntb_shm_%d",
		(int)getpid());
	if (rte_eal_init(RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "EAL init failed: cannot run the ntb_shm tests\n");
		return 1;
	}
	snprintf(runtime, sizeof(runtime), "%s", rte_eal_get_runtime_dir());
	rc = cmocka_run_group_tests_name("ntb_shm", tests, NULL, NULL);
	rte_eal_cleanup();
	rm_tree(runtime);
	return rc;
}
