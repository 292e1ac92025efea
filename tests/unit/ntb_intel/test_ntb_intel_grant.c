/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_intel under the rack manager: a real marlin-fabric serve (started
 * here, in a temporary directory, with a policy that grants nothing by
 * itself) and the register model, whose inbound stores go through a model
 * IOMMU holding exactly what the driver mapped. Both ports run with
 * manager=: port 1 is rack host 1 (peer=0), whose inbound window is
 * checked; port 0 is host 0, the peer that stores. An ungranted peer reaches nothing; a grant opens the window to
 * exactly the application's memory; a revocation leaves no translation and
 * no IOMMU mapping reaching that memory until a new grant, and memory the
 * application moved away from stays out of reach.
 */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_marlin_rack.h>

#include "test_ntb_intel.h"

#define OWNER_PORT 1      /* the managed port: rack host 1 */
#define WIN_SIZE (BAR_SIZE / 4)
#define MAX_MAPS 8

/* ---- a model IOMMU: the port's domain ---- */

struct iommu_map {
	uint64_t iova;
	size_t len;
	void *va;
	int writable;
};

static struct {
	struct iommu_map map[MAX_MAPS];
	int n;
} dom;

static int
dom_map(void *ctx, uint64_t iova, void *va, size_t len, int writable)
{
	(void)ctx;
	if (dom.n == MAX_MAPS)
		return -ENOSPC;
	dom.map[dom.n++] = (struct iommu_map){ iova, len, va, writable };
	return 0;
}

static int
dom_unmap(void *ctx, uint64_t iova, size_t len)
{
	int i;

	(void)ctx;
	for (i = 0; i < dom.n; i++) {
		if (dom.map[i].iova == iova && dom.map[i].len == len) {
			dom.map[i] = dom.map[--dom.n];
			return 0;
		}
	}
	return -ENOENT;
}

/* The model's inbound path: a store lands only inside a writable mapping. */
static void *
dom_translate(uint64_t iova, size_t len, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < dom.n; i++) {
		const struct iommu_map *m = &dom.map[i];

		if (m->writable && iova >= m->iova && len <= m->len &&
				iova - m->iova <= m->len - len)
			return (uint8_t *)m->va + (iova - m->iova);
	}
	return NULL;
}

/* Does any mapping reach [p, p + len)? */
static int
dom_reaches(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	int i;

	for (i = 0; i < dom.n; i++) {
		uintptr_t v = (uintptr_t)dom.map[i].va;

		if (a < v + dom.map[i].len && v < a + len)
			return 1;
	}
	return 0;
}

/* ---- the manager ---- */

static struct {
	char dir[64];
	char sock[108];
	char tool[PATH_MAX];
	pid_t pid;
} mgr = { .pid = -1 };

/* Remove @p dir and what the manager left in it (files, and its run
 * directory one level down). */
static void
rm_dir(const char *dir, int depth)
{
	char path[256];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%.120s/%.120s", dir, e->d_name);
		if (unlink(path) != 0 && errno == EISDIR && depth > 0)
			rm_dir(path, depth - 1);
	}
	closedir(d);
	rmdir(dir);
}

/* The port polled while the CLI runs (a revoke waits for its owner to
 * confirm, which it does from its poll), or -1. */
static int cli_poll_dev = -1;

/* Run the CLI with @p args (bounded: killed after 10 s); its exit code. */
static int
cli(const char *fmt, ...)
{
	char line[256], *argv[16];
	int argc = 0, st = 0, i;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = mgr.tool;
	argv[argc++] = (char *)"--socket";
	argv[argc++] = mgr.sock;
	for (char *t = strtok(line, " "); t != NULL && argc < 15; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		execv(mgr.tool, argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (cli_poll_dev >= 0)
			rte_marlin_ntb_poll((uint16_t)cli_poll_dev);
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void
mgr_stop(int kill9, int keep_dir)
{
	int st, i;

	if (mgr.pid > 0) {
		kill(mgr.pid, kill9 ? SIGKILL : SIGTERM);
		for (i = 0; i < 500 && waitpid(mgr.pid, &st, WNOHANG) != mgr.pid; i++)
			usleep(10000);
		if (i == 500) {
			kill(mgr.pid, SIGKILL);
			waitpid(mgr.pid, &st, 0);
		}
		mgr.pid = -1;
	}
	if (keep_dir)
		return;
	if (mgr.dir[0] != '\0')
		rm_dir(mgr.dir, 1);
	mgr.dir[0] = '\0';
}

/* Start marlin-fabric serve with a policy that lets this uid hold every
 * host id and grants nothing, in a new directory (or again in the same one,
 * @again: its state reloaded); 0, or -1 (skip: no tool), or -2 (failed). */
static int
mgr_start(int again)
{
	const char *bdir = getenv("MARLIN_BUILD_DIR");
	char pol[96], run[96], state[96];
	char buf[512];
	struct pollfd pfd;
	size_t got = 0;
	int out[2], fd;
	FILE *f;

	if (bdir == NULL)
		return -1;
	snprintf(mgr.tool, sizeof(mgr.tool), "%s/apps/marlin-fabric/marlin-fabric", bdir);
	if (access(mgr.tool, X_OK) != 0)
		return -1;
	if (!again) {
		snprintf(mgr.dir, sizeof(mgr.dir), "/tmp/mgr-hw-ntb-intel-XXXXXX");
		if (mkdtemp(mgr.dir) == NULL)
			return -2;
	}
	snprintf(pol, sizeof(pol), "%.63s/policy", mgr.dir);
	snprintf(run, sizeof(run), "%.63s/run", mgr.dir);
	snprintf(state, sizeof(state), "%.63s/state", mgr.dir);
	snprintf(mgr.sock, sizeof(mgr.sock), "%.63s/run/%s", mgr.dir,
		 RTE_MARLIN_RACK_SOCKET);
	f = fopen(pol, "w");
	if (f == NULL)
		return -2;
	fprintf(f, "host all uid %u\nadmin uid %u\n", (unsigned int)geteuid(),
		(unsigned int)geteuid());
	fclose(f);
	if (pipe(out) != 0)
		return -2;
	mgr.pid = fork();
	if (mgr.pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		execl(mgr.tool, mgr.tool, "serve", "--run-dir", run, "--policy", pol,
		      "--state", state, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	fd = out[0];
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* "ready SOCKET" within 10 s */
	while (got < sizeof(buf) - 1 && poll(&pfd, 1, 10000) == 1) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (strstr(buf, "ready ") != NULL && strchr(buf, '\n') != NULL) {
			close(fd);
			return 0;
		}
	}
	close(fd);
	return -2;
}

/* ---- fixture ---- */

/* Both ports run under the manager: port p is rack host p. */
/* Ports opened next are in ranges mode (devarg mw_ranges=1). */
static int ranges_mode;

static void
managed_tmpl(int port, struct ntb_intel_hw *tmpl)
{
	snprintf(tmpl->args.manager, sizeof(tmpl->args.manager), "%.107s", mgr.sock);
	tmpl->args.host = port;
	tmpl->args.peer = 1 - port;
	tmpl->iommu.map = dom_map;
	tmpl->iommu.unmap = dom_unmap;
	tmpl->args.mw_ranges = ranges_mode;
}

int
grant_setup(void **state)
{
	int rc;

	(void)state;
	memset(&dom, 0, sizeof(dom));
	rc = mgr_start(0);
	if (rc == -1) {
		fprintf(stderr, "marlin-fabric not built (MARLIN_BUILD_DIR): grant tests skipped\n");
		return 0;
	}
	return rc;
}

int
grant_teardown(void **state)
{
	cli_poll_dev = -1;
	pair_close(state);
	pair_tmpl_hook = NULL;
	mgr_stop(0, 0);
	return 0;
}

/* Poll the managed port until window 0's grant reads @access (bounded). */
static void
wait_access(uint32_t access)
{
	struct rte_pmd_ntb_intel_grant g;
	int i;

	for (i = 0; i < 500; i++) {
		rte_marlin_ntb_poll(P.id[OWNER_PORT]);
		assert_int_equal(rte_pmd_ntb_intel_grant_get(P.id[OWNER_PORT], 0, &g), 0);
		if (g.access == access)
			return;
		usleep(10000);
	}
	fail_msg("grant of window 0 never became %u (is %u)", access, g.access);
}

/* The peer (port 0) stores @tag at a fresh offset of its outbound window
 * (kept in store_off) and the bridge delivers; returns the bytes delivered
 * (the tag without its terminator: the aperture there was zero). */
static size_t store_off;

static size_t
peer_store(const char *tag)
{
	static unsigned int k;
	void *ap = NULL;
	size_t aplen = 0;

	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(P.id[0], 0, 0, &ap,
		&aplen), 0);
	store_off = 64 + 32 * (k++ % 256);
	memcpy((char *)ap + store_off, tag, strlen(tag) + 1);
	return ntb_intel_model_flush(P.m);
}

/* The peer stores @tag at offset @off of its outbound window; returns the
 * bytes the bridge delivered. */
static size_t
peer_store_at(size_t off, const char *tag)
{
	void *ap = NULL;
	size_t aplen = 0;

	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(P.id[0], 0, 0, &ap,
		&aplen), 0);
	memcpy((char *)ap + off, tag, strlen(tag) + 1);
	return ntb_intel_model_flush(P.m);
}

/* Nothing the peer can reach: closed registers, no mapping of @mem. */
static void
assert_unreachable(const void *mem)
{
	struct rte_pmd_ntb_intel_grant g;

	assert_int_equal(rte_pmd_ntb_intel_grant_get(P.id[OWNER_PORT], 0, &g), 0);
	assert_int_equal(g.open, 0);
	assert_int_equal(g.iommu_mapped, 0);
	assert_false(dom_reaches(mem, WIN_SIZE));
	/* translation base cleared, limit back at the BAR base: zero length */
	assert_true(ntb_intel_model_peek(P.m, OWNER_PORT, 0x0010, 8) == 0);
}

/* Two gen3 model ports under the manager, link up, stores through the
 * model IOMMU. */
static void
managed_pair_up(void)
{
	struct ntb_intel_hw *hw;

	pair_tmpl_hook = managed_tmpl;
	assert_int_equal(pair_open(3, NTB_INTEL_ID_B2B_SKX, 0, BAR_SIZE, 0), 0);
	ntb_intel_model_set_iova_fn(P.m, dom_translate, NULL);
	hw = ntb_intel_hw_by_id(P.id[OWNER_PORT]);
	assert_non_null(hw);
	assert_non_null(hw->rack);
	cli_poll_dev = P.id[OWNER_PORT];
	link_up_both();
}

void
test_grant_revoke(void **state)
{
	uint8_t *old, *fresh;
	size_t n;

	(void)state;
	if (mgr.pid <= 0)
		skip();
	managed_pair_up();
	old = rte_zmalloc("old", WIN_SIZE, BAR_SIZE);
	fresh = rte_zmalloc("fresh", WIN_SIZE, BAR_SIZE);
	assert_non_null(old);
	assert_non_null(fresh);

	/* Ungranted: the translation is taken but the window stays shut. */
	assert_int_equal(rte_marlin_ntb_mw_set_trans(P.id[OWNER_PORT], 0, 0, old,
		rte_malloc_virt2iova(old), WIN_SIZE), 0);
	assert_int_equal(peer_store("nothing"), 0);
	assert_unreachable(old);
	assert_int_equal(old[store_off], 0);
	/* a grant to another host does not open it for this peer */
	assert_int_equal(cli("grant 1 2 rw 0"), 0);
	assert_int_equal(cli("grant 0 1 rw 0"), 0);
	wait_access(0);
	rte_marlin_ntb_poll(P.id[OWNER_PORT]);
	assert_int_equal(peer_store("still nothing"), 0);
	assert_unreachable(old);

	/* Granted: exactly the application's memory. */
	assert_int_equal(cli("grant 1 0 rw 0"), 0);
	wait_access(RTE_MARLIN_RACK_ACCESS_RW);
	assert_true(dom_reaches(old, WIN_SIZE));
	assert_int_equal(dom.n, 1);
	assert_int_equal(dom.map[0].len, WIN_SIZE);
	n = peer_store("granted");
	assert_int_equal(n, 7);
	assert_string_equal((char *)old + store_off, "granted");

	/* Revoked: no translation, no mapping, nothing lands. */
	assert_int_equal(cli("revoke 1 0 0"), 0);
	wait_access(0);
	assert_unreachable(old);
	assert_int_equal(peer_store("revoked"), 0);
	assert_int_equal(old[store_off], 0);
	/* a new grant reopens the window to the application's memory */
	assert_int_equal(cli("grant 1 0 rw 0"), 0);
	wait_access(RTE_MARLIN_RACK_ACCESS_RW);
	assert_true(dom_reaches(old, WIN_SIZE));
	assert_int_equal(peer_store("regranted"), 9);
	assert_string_equal((char *)old + store_off, "regranted");
	/* moved to fresh memory by the application: the old is out of reach */
	assert_int_equal(rte_marlin_ntb_mw_set_trans(P.id[OWNER_PORT], 0, 0, fresh,
		rte_malloc_virt2iova(fresh), WIN_SIZE), 0);
	assert_false(dom_reaches(old, WIN_SIZE));
	assert_int_equal(peer_store("fresh"), 5);
	assert_string_equal((char *)fresh + store_off, "fresh");
	assert_int_equal(old[store_off], 0);
	/* revoked again: neither memory is reachable */
	assert_int_equal(cli("revoke 1 0 0"), 0);
	wait_access(0);
	assert_unreachable(old);
	assert_unreachable(fresh);
	assert_int_equal(peer_store("gone"), 0);
	assert_int_equal(fresh[store_off], 0);
	assert_int_equal(old[store_off], 0);

	/* Read-only: mapped, but the IOMMU refuses the peer's stores. */
	assert_int_equal(cli("grant 1 0 ro 0"), 0);
	wait_access(RTE_MARLIN_RACK_ACCESS_RO);
	assert_int_equal(dom.n, 1);
	assert_int_equal(dom.map[0].writable, 0);
	assert_int_equal(peer_store("ro"), 0);
	assert_int_equal(fresh[store_off], 0);

	/* Detached (device closed): nothing stays mapped. */
	assert_int_equal(rte_marlin_ntb_mw_clear_trans(P.id[OWNER_PORT], 0, 0), 0);
	assert_int_equal(dom.n, 0);
	rte_free(old);
	rte_free(fresh);
}

/* manager= without host=/peer=, or with no manager there: the device is
 * refused with a line saying why, nothing is left behind. */
void
test_grant_bad_args(void **state)
{
	struct ntb_intel_model *m;
	struct ntb_intel_hw tmpl;

	(void)state;
	if (mgr.pid <= 0)
		skip();
	m = ntb_intel_model_create(3, NTB_INTEL_ID_B2B_SKX, 0, BAR_SIZE);
	assert_non_null(m);
	ntb_intel_model_template(m, 1, &tmpl);
	snprintf(tmpl.args.manager, sizeof(tmpl.args.manager), "%.107s", mgr.sock);
	tmpl.args.host = 1;
	tmpl.args.peer = 1;
	assert_null(ntb_intel_dev_create("grant_bad_ids", &tmpl));
	assert_int_equal(rte_errno, EINVAL);
	snprintf(tmpl.args.manager, sizeof(tmpl.args.manager), "%.90s.none", mgr.sock);
	tmpl.args.peer = 0;
	assert_null(ntb_intel_dev_create("grant_no_mgr", &tmpl));
	assert_true(rte_errno == ENOENT || rte_errno == ECONNREFUSED);
	/* without manager= the grant query says so */
	tmpl.args.manager[0] = '\0';
	P.dev[0] = ntb_intel_dev_create("grant_none", &tmpl);
	assert_non_null(P.dev[0]);
	{
		struct rte_pmd_ntb_intel_grant g;

		assert_int_equal(rte_pmd_ntb_intel_grant_get(P.dev[0]->dev_id, 0, &g),
				 -ENOTSUP);
	}
	rte_marlin_ntb_dev_release(P.dev[0]);
	P.dev[0] = NULL;
	ntb_intel_model_destroy(m);
}

/*
 * The manager killed -9 while a window is open: the peer's stores keep
 * landing (the data plane never waits on it); once it is back (its state
 * reloaded) the port registers again by itself and a revocation still
 * closes the window.
 */
void
test_grant_manager_restart(void **state)
{
	uint8_t *mem;

	(void)state;
	if (mgr.pid <= 0)
		skip();
	managed_pair_up();
	mem = rte_zmalloc("mem", WIN_SIZE, BAR_SIZE);
	assert_non_null(mem);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(P.id[OWNER_PORT], 0, 0, mem,
		rte_malloc_virt2iova(mem), WIN_SIZE), 0);
	assert_int_equal(cli("grant 1 0 rw 0"), 0);
	wait_access(RTE_MARLIN_RACK_ACCESS_RW);

	mgr_stop(1, 1);
	for (int i = 0; i < 20; i++)
		rte_marlin_ntb_poll(P.id[OWNER_PORT]);
	assert_int_equal(peer_store("no manager"), 10);
	assert_string_equal((char *)mem + store_off, "no manager");

	assert_int_equal(mgr_start(1), 0);
	/* the port resumes within a second; the revocation then reaches it */
	assert_int_equal(cli("revoke 1 0 0"), 0);
	wait_access(0);
	assert_unreachable(mem);
	assert_int_equal(peer_store("after restart"), 0);
	assert_int_equal(mem[store_off], 0);
	rte_free(mem);
}

/* mw_ranges=1: the IOMMU maps only the exposed pages of a granted window. */
void
test_grant_ranges(void **state)
{
	uint16_t id;
	uint8_t *mem;
	const unsigned int rw = RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE;

	(void)state;
	if (mgr.pid <= 0)
		skip();
	ranges_mode = 1;
	managed_pair_up();
	ranges_mode = 0;
	id = P.id[OWNER_PORT];
	mem = rte_zmalloc("ranges", WIN_SIZE, BAR_SIZE);
	assert_non_null(mem);
	/* ranges are of the memory the application set */
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 4096, 4096, rw),
		-EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, mem,
		rte_malloc_virt2iova(mem), WIN_SIZE), 0);
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 4096, 4096, rw), 0);
	assert_int_equal(dom.n, 0);     /* not granted: nothing mapped */

	assert_int_equal(cli("grant 1 0 rw 0"), 0);
	wait_access(RTE_MARLIN_RACK_ACCESS_RW);
	assert_int_equal(dom.n, 1);     /* exactly the exposed page */
	assert_ptr_equal(dom.map[0].va, mem + 4096);
	assert_int_equal(dom.map[0].len, 4096);
	assert_false(dom_reaches(mem, 4096));
	assert_false(dom_reaches(mem + 8192, WIN_SIZE - 8192));
	assert_int_equal(peer_store_at(100, "outside"), 0);
	assert_int_equal(mem[100], 0);
	assert_int_equal(peer_store_at(4096 + 100, "inside"), 6);
	assert_string_equal((char *)mem + 4096 + 100, "inside");

	/* overlapping refused, the same range counted */
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 0, 8192, rw),
		-EEXIST);
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 4096, 4096, rw), 0);
	assert_int_equal(rte_marlin_ntb_mw_unexpose(id, 0, 0, 4096, 4096), 0);
	assert_int_equal(dom.n, 1);
	assert_int_equal(rte_marlin_ntb_mw_unexpose(id, 0, 0, 4096, 4096), 0);
	assert_int_equal(dom.n, 0);
	assert_int_equal(peer_store_at(4096 + 200, "gone"), 0);
	assert_int_equal(rte_marlin_ntb_mw_unexpose(id, 0, 0, 4096, 4096),
		-ENOENT);

	/* a read-only range is mapped, not device-writable */
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 8192, 4096,
		RTE_MARLIN_NTB_MW_READ), 0);
	assert_int_equal(dom.n, 1);
	assert_int_equal(dom.map[0].writable, 0);
	assert_int_equal(peer_store_at(8192 + 8, "ro"), 0);
	assert_int_equal(mem[8192 + 8], 0);

	/* revoked: no mapping at all, and none after a new grant but the
	 * exposed ranges */
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 12288, 8192, rw), 0);
	assert_int_equal(dom.n, 2);
	assert_int_equal(cli("revoke 1 0 0"), 0);
	wait_access(0);
	assert_int_equal(dom.n, 0);
	assert_int_equal(peer_store_at(12288 + 8, "revoked"), 0);
	assert_int_equal(cli("grant 1 0 rw 0"), 0);
	wait_access(RTE_MARLIN_RACK_ACCESS_RW);
	assert_int_equal(dom.n, 2);
	assert_int_equal(peer_store_at(12288 + 512, "back"), 4);
	assert_string_equal((char *)mem + 12288 + 512, "back");
	rte_free(mem);
}
