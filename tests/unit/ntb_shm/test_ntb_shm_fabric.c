/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* ntb_shm unit tests, fabric side: files left by dead or foreign hosts,
 * devargs, geometry, directories, hugetlbfs, places and marlin-fabric.
 * main() is in test_ntb_shm.c. */

#include "ntb_shm_helpers.h"

void
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

void
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

void
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

void
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
		{ "fabric=" FABRIC ",host=0,mw_size=5000", -EINVAL, "not a whole number of 4K pages" },
		{ "fabric=" FABRIC ",host=0,mw_size=12289", -EINVAL, "mw_size=16K" },
		{ "fabric=" FABRIC ",host=0,mw_size=2K", -EINVAL, "out of range" },
		{ "fabric=" FABRIC ",host=0,mw_size=4X", -EINVAL, "not a size" },
		{ "fabric=" FABRIC ",host=0,mw_size=", -EINVAL, "not a size" },
		{ "fabric=" FABRIC ",host=0,spads=0", -EINVAL, "spads=0" },
		{ "fabric=" FABRIC ",host=0,spads=65", -EINVAL, "spads=65" },
		{ "fabric=" FABRIC ",host=0,shared_mw=8", -EINVAL, "shared_mw=8" },
		{ "fabric=" FABRIC ",host=0,mw_count=2,shared_mw=2", -EINVAL,
			"shared_mw=2 names no window" },
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

void
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

void
test_mw_size_suffixes(void **state)
{
	static const struct { const char *arg; uint64_t size; } ok[] = {
		{ "4096", 4096 }, { "8k", 8192 }, { "64K", 65536 },
		{ "1M", UINT64_C(1) << 20 }, { "2m", UINT64_C(2) << 20 },
		/* windows are sized to need, not rounded to a power of two */
		{ "12288", 12288 }, { "3M", UINT64_C(3) << 20 },
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

void
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

	/* A fabric directory of another user (here root's, read-only):
	 * refused, naming the owner, and left as it was. */
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
	if (euid == 0) {
		assert_int_equal(rc, -EPERM);
		assert_non_null(strstr(log, "belongs to uid 0, not to this user"));
	} else {
		assert_int_equal(rc, -EACCES);
		assert_non_null(strstr(log, "is not writable"));
	}
	assert_int_equal(count_entries(p), 0);

	/* dir= that does not exist yet is created (mkdir -p). */
	snprintf(args, sizeof(args), "fabric=" FABRIC ",host=0,dir=%s/new/deep", parent);
	assert_int_equal(rte_vdev_init("ntb_shm0", args), 0);
	snprintf(ro, sizeof(ro), "%s/new/deep/marlin-fabric-" FABRIC, parent);
	assert_int_equal(count_entries(ro), 4);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(ro), -1);
}

void
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

void
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

void
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
void
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

/* Start host 0 of a 2-host fabric, capturing its log. */
static int
start_logged(const char **log)
{
	int rc;

	cap_begin();
	rc = vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2,mw_size=64K");
	*log = cap_end();
	return rc;
}

/* Poll for 300 ms. */
static void
poll_a_while(int d)
{
	int i;

	for (i = 0; i < 30; i++) {
		rte_marlin_ntb_poll(d);
		sleep_ms(10);
	}
}

/* Hostile files without a manager: a fabric directory writable by all or
 * a symlink, a FIFO or a symlink where a host's file should be, a
 * truncated page: each refused with a line naming it, within a bound
 * (SIGALRM ends the test if anything hangs), and no signal. */
void
test_hostile_files(void **state)
{
	char p[PATH_MAX], q[PATH_MAX], tool[PATH_MAX] = "", args[PATH_MAX];
	char cmd[PATH_MAX], out[8192];
	const char *bdir = getenv("MARLIN_BUILD_DIR");
	struct rte_pmd_ntb_shm_host_state st;
	const char *log;
	int d0, rc, fd;

	(void)state;
	alarm(30);
	/* marlin-fabric status and clean meet the same files, if built. */
	if (bdir != NULL) {
		snprintf(tool, sizeof(tool), "%s/apps/marlin-fabric/marlin-fabric",
			bdir);
		if (access(tool, X_OK) != 0)
			tool[0] = '\0';
	}
	snprintf(args, sizeof(args), "--dir %s " FABRIC " status", parent);
	/* A fabric directory every user can write. */
	assert_int_equal(mkdir(fpath, 0777), 0);
	assert_int_equal(chmod(fpath, 0777), 0);
	rc = start_logged(&log);
	assert_int_equal(rc, -EPERM);
	assert_non_null(strstr(log, "writable by every user"));
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), -EPERM);
	if (tool[0] != '\0') {
		assert_int_equal(run_tool(tool, args, out, sizeof(out)), 1);
		assert_non_null(strstr(out, "writable by every user"));
	}
	assert_int_equal(rmdir(fpath), 0);

	/* A symlink in its place. */
	snprintf(p, sizeof(p), "%s/elsewhere", parent);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(symlink(p, fpath), 0);
	rc = start_logged(&log);
	assert_true(rc < 0);
	assert_non_null(strstr(log, "a symlink or a file is there"));
	assert_int_equal(count_entries(p), 0);
	assert_int_equal(unlink(fpath), 0);

	/* A FIFO as the lock of the host that starts. */
	assert_int_equal(mkdir(fpath, 0770), 0);
	snprintf(p, sizeof(p), "%s/host-0.lock", fpath);
	assert_int_equal(mkfifo(p, 0660), 0);
	rc = start_logged(&log);
	assert_int_equal(rc, -EPERM);
	assert_non_null(strstr(log, "host-0.lock: it is a FIFO"));
	assert_int_equal(unlink(p), 0);

	/* A running host meets a FIFO as its peer's lock and page, then a
	 * symlink, then a truncated page: the link stays down, the poll
	 * returns, the refusal is logged. */
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2,mw_size=64K"), 0);
	d0 = dev_id("ntb_shm0");
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	snprintf(p, sizeof(p), "%s/host-1.lock", fpath);
	assert_int_equal(mkfifo(p, 0660), 0);
	snprintf(q, sizeof(q), "%s/host-1.regs", fpath);
	assert_int_equal(mkfifo(q, 0660), 0);
	cap_begin();
	poll_a_while(d0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -EPROTO);
	log = cap_end();
	if (tool[0] != '\0') {
		assert_int_equal(run_tool(tool, args, out, sizeof(out)), 0);
		assert_non_null(strstr(out, "not a regular file of this user"));
		snprintf(cmd, sizeof(cmd), "--dir %s " FABRIC " clean", parent);
		assert_int_equal(run_tool(tool, cmd, out, sizeof(out)), 0);
	}
	assert_int_equal(rte_marlin_ntb_link_is_up(d0, NULL, NULL), 0);
	assert_non_null(strstr(log, "host-1.regs of host 1: it is a FIFO"));
	assert_int_equal(unlink(q), 0);
	assert_int_equal(symlink("host-0.regs", q), 0);
	cap_begin();
	poll_a_while(d0);
	log = cap_end();
	assert_non_null(strstr(log, "host-1.regs of host 1: it is a symlink"));
	assert_int_equal(rte_marlin_ntb_link_is_up(d0, NULL, NULL), 0);
	assert_int_equal(unlink(q), 0);
	fd = open(q, O_RDWR | O_CREAT | O_EXCL, 0660);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100), 0);
	close(fd);
	poll_a_while(d0);
	assert_int_equal(rte_marlin_ntb_link_is_up(d0, NULL, NULL), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -EPROTO);
	/* A full-size page planted by another user (as root only). */
	if (geteuid() == 0) {
		assert_int_equal(unlink(q), 0);
		fd = open(q, O_RDWR | O_CREAT | O_EXCL, 0660);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, REGS_SIZE), 0);
		assert_int_equal(fchown(fd, 65534, 65534), 0);
		close(fd);
		cap_begin();
		poll_a_while(d0);
		log = cap_end();
		assert_non_null(strstr(log, "belongs to uid 65534"));
		assert_int_equal(rte_marlin_ntb_link_is_up(d0, NULL, NULL), 0);
	}
	/* The cut tool leaves a page that is not a host's alone; the cut
	 * record holds. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 1, 1), 0);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 1, 0), 0);
	alarm(0);
}
