/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: the process. Parses the command line (params.c), then runs
 * the probe alone, or one host (EAL arguments made here, then run.c), or
 * the local two-host mode: two copies of itself, watched until they end.
 *
 * Three ways to run:
 * - local (default when no role and no host is given): start a two-host
 *   software rack on this machine, i.e. two child processes of this program
 *   on one ntb_shm fabric, server on the first core and client on the
 *   second, print the client's table and remove the fabric afterwards;
 * - one host of a software rack: --fabric NAME --host ID [--peer ID];
 * - one host on real hardware: --ntb-dev NAME -- <EAL arguments>.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#ifdef MARLIN_PERF_HAVE_NTB_SHM
#include <rte_pmd_ntb_shm.h>
#endif

#include "perf.h"

#define PERF_EAL_MAX_ARGS 64
/* EAL file prefix of host ID of fabric NAME */
#define PERF_FILE_PREFIX "marlin-perf-%s-%d"
/* Fabric files without hugepages (and without --dir). */
#define PERF_FABRIC_DIR "/dev/shm"

volatile int perf_force_quit;

static void
perf_signal(int sig)
{
	(void)sig;
	perf_force_quit = 1;
}

/* ---- hugepages ---------------------------------------------------------- */

#ifndef MARLIN_PERF_HAVE_NTB_SHM
struct rte_pmd_ntb_shm_place { char dir[256]; long free_pages; uint64_t page_size; };
#endif

/* The first hugetlbfs mount a host would use (the driver's own search);
 * false if none. */
static bool
find_hugetlbfs(struct rte_pmd_ntb_shm_place *pl)
{
#ifdef MARLIN_PERF_HAVE_NTB_SHM
	return rte_pmd_ntb_shm_places(pl, 1) > 1 && pl->hugetlbfs;
#else
	RTE_SET_USED(pl);
	return false;
#endif
}

/* --mw-size, or what the test needs for @hosts hosts; 0: bad options. */
static uint64_t
window_size(const struct perf_opts *o, const struct perf_sizes *sz, int hosts)
{
	uint64_t mw = o->mw_size != 0 ? o->mw_size :
		perf_window_size(o, sz, hosts);

	if (mw == 0)
		fprintf(stderr, "marlin-perf: the ring options make no HRDMA "
			"channel (see the message above)\n");
	return mw;
}

/*
 * Decide on hugepages: yes when a hugetlbfs is mounted and has enough free
 * pages for both hosts' windows and heaps.
 */
static bool
use_hugepages(const struct perf_opts *o, uint64_t mw, const struct perf_sizes *sz)
{
	struct rte_pmd_ntb_shm_place pl;
	uint64_t need;

	if (strcmp(o->huge, "no") == 0)
		return false;
	if (!find_hugetlbfs(&pl))
		return false;
	if (strcmp(o->huge, "yes") == 0)
		return true;
	need = 2 * (mw + 2 * o->nb_qp * sz->size[sz->n - 1] + (64u << 20));
	return pl.free_pages > 0 && (uint64_t)pl.free_pages * pl.page_size >= need;
}

/*
 * Where the fabric files go: --dir, else the hugetlbfs mount when hugepages
 * are used (windows in hugepages, as on the ntb_shm default), else /dev/shm.
 * Named explicitly so that both hosts pick the same place.
 */
static const char *
fabric_dir(const struct perf_opts *o, bool huge, char *buf, size_t len)
{
	struct rte_pmd_ntb_shm_place pl;

	if (o->dir[0] != '\0')
		return o->dir;
	if (huge && find_hugetlbfs(&pl)) {
		snprintf(buf, len, "%s", pl.dir);
		return buf;
	}
	return PERF_FABRIC_DIR;
}

/* ---- EAL ---------------------------------------------------------------- */

struct eal_args {
	char *argv[PERF_EAL_MAX_ARGS];
	int argc;
	char buf[8][512];
	int nbuf;
};

static int
eal_add(struct eal_args *a, const char *s)
{
	if (a->argc >= PERF_EAL_MAX_ARGS - 1)
		return -E2BIG;
	a->argv[a->argc++] = (char *)(uintptr_t)s;
	a->argv[a->argc] = NULL;
	return 0;
}

static char *
eal_buf(struct eal_args *a)
{
	return a->nbuf < 8 ? a->buf[a->nbuf++] : NULL;
}

#define PERF_MEMORY_LEN 320

static int
build_eal(struct perf_opts *o, const struct perf_sizes *sz, char *prg,
		struct eal_args *a, char *memory)
{
	char *cores, *prefix, *vdev, *eng, dirbuf[256];
	const char *dir;
	int hosts = RTE_MAX(2, RTE_MAX(o->host, o->peer) + 1);
	bool huge;
	uint64_t mw;
	int i, off = 0, rc = 0;

	memset(a, 0, sizeof(*a));
	cores = eal_buf(a);
	prefix = eal_buf(a);
	vdev = eal_buf(a);
	eng = eal_buf(a);

	if (o->nb_cores == 0) {
		o->cores[0] = o->role == PERF_ROLE_CLIENT ? 1 : 0;
		o->nb_cores = 1;
	}
	for (i = 0; i < o->nb_cores; i++)
		off += snprintf(cores + off, 512 - off, "%s%d", i ? "," : "",
				o->cores[i]);
	rc |= eal_add(a, prg);
	if (o->ntb_dev[0] == '\0') {
		rc |= eal_add(a, "-l");
		rc |= eal_add(a, cores);
		snprintf(prefix, 512, "--file-prefix=" PERF_FILE_PREFIX,
			 o->fabric, o->host);
		rc |= eal_add(a, prefix);
		rc |= eal_add(a, "--no-pci");
		mw = window_size(o, sz, hosts);
		if (mw == 0)
			return -EINVAL;
		huge = use_hugepages(o, mw, sz);
		dir = fabric_dir(o, huge, dirbuf, sizeof(dirbuf));
		if (huge) {
			rc |= eal_add(a, "--huge-unlink");
		} else {
			rc |= eal_add(a, "--no-huge");
			rc |= eal_add(a, "-m");
			rc |= eal_add(a, PERF_EAL_NOHUGE_MB);
		}
		snprintf(memory, PERF_MEMORY_LEN, "%s, windows in %s",
			 huge ? "hugepages" : "no-huge", dir);
		snprintf(vdev, 512, "--vdev=ntb_shm0,fabric=%s,host=%d,hosts=%d,"
			 "mw_count=1,mw_size=%llu,dir=%s", o->fabric, o->host, hosts,
			 (unsigned long long)mw, dir);
		rc |= eal_add(a, vdev);
		rc |= eal_add(a, "--no-telemetry");
		if (!o->verbose) {
			rc |= eal_add(a, "--log-level=lib.eal:warning");
			rc |= eal_add(a, "--log-level=lib.marlin.hrdma:warning");
		}
	} else {
		snprintf(memory, PERF_MEMORY_LEN, "as given");
		if (o->nb_cores > 0 && o->eal_argc == 0) {
			rc |= eal_add(a, "-l");
			rc |= eal_add(a, cores);
		}
	}
	/* Engines made from EAL arguments. */
	if (strncmp(o->engine, "cpu-nt", 6) == 0) {
		uint64_t thr = 64u << 10;

		if (o->engine[6] == ':' &&
				perf_parse_size(o->engine + 7, UINT32_MAX,
					&thr) != 0) {
			fprintf(stderr, "marlin-perf: bad --engine '%s'\n",
				o->engine);
			return -EINVAL;
		}
		snprintf(eng, 512, "--vdev=dma_cpu_perf0,nt_threshold=%llu",
			 (unsigned long long)thr);
		rc |= eal_add(a, eng);
	} else if (strncmp(o->engine, "dmadev", 6) == 0) {
		/* A software dmadev unless a name is given (then it must
		 * exist: a PCI device, or a vdev among the EAL arguments). */
		const char *dd = o->engine[6] == ':' ? o->engine + 7 :
			"dma_skeleton0";

		if (o->engine[6] != ':')
			rc |= eal_add(a, "--vdev=dma_skeleton0");
		snprintf(eng, 512, "--vdev=dma_dmadev_perf0,dmadev=%s", dd);
		rc |= eal_add(a, eng);
	}
	for (i = 0; i < o->eal_argc; i++)
		rc |= eal_add(a, o->eal_argv[i]);
	if (rc != 0) {
		fprintf(stderr, "marlin-perf: too many EAL arguments\n");
		return -E2BIG;
	}
	return 0;
}

/* Remove this process's EAL runtime directory (files one level deep). */
static void
remove_runtime_dir(const char *dir)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (dir == NULL || dir[0] == '\0')
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
				strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) <
				(int)sizeof(p))
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * Remove the runtime directory of a host that could not (it died): where
 * EAL puts it for this user and file prefix.
 */
static void
remove_host_runtime_dir(const char *fabric, int host)
{
	const char *base = getuid() == 0 ? "/var/run" :
		getenv("XDG_RUNTIME_DIR");
	char prefix[128], dir[PATH_MAX];

	snprintf(prefix, sizeof(prefix), PERF_FILE_PREFIX, fabric, host);
	if (snprintf(dir, sizeof(dir), "%s/dpdk/%s",
			base != NULL ? base : "/tmp", prefix) < (int)sizeof(dir))
		remove_runtime_dir(dir);
}

/* ---- local mode --------------------------------------------------------- */

static pid_t children[2];
static volatile sig_atomic_t forwarded;   /* last signal sent to them */

static void
forward_signal(int sig)
{
	int i;

	perf_force_quit = 1;
	forwarded = sig;
	for (i = 0; i < 2; i++)
		if (children[i] > 0)
			kill(children[i], sig);
}

/* A host that died by a signal says nothing itself: say it for it. */
static void
report_child(int host, int core, int status)
{
	const char *abbrev;

	if (!WIFSIGNALED(status))
		return;
	abbrev = sigabbrev_np(WTERMSIG(status));
	fprintf(stderr, "marlin-perf: the %s (host %d, core %d) was killed by "
		"signal SIG%s (%s)%s%s\n", host == 0 ? "server" : "client", host,
		core, abbrev != NULL ? abbrev : "?", strsignal(WTERMSIG(status)),
		WCOREDUMP(status) ? ", core dumped" : "",
		WTERMSIG(status) == forwarded ? ", sent by marlin-perf" : "");
}

static pid_t
spawn(char **argv, bool quiet)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (quiet) {
			FILE *n = freopen("/dev/null", "w", stdout);

			(void)n;
		}
		execv("/proc/self/exe", argv);
		fprintf(stderr, "marlin-perf: cannot run myself: %s\n",
			strerror(errno));
		_exit(127);
	}
	return pid;
}

static int
run_local(int argc, char **argv, const struct perf_opts *o,
		const struct perf_sizes *sz)
{
	const char *huge_arg;
	uint64_t huge;
	char fabric[64], hostarg[2][12], peerarg[2][12], corearg[2][12],
		pcorearg[2][12];
	char **cargv[2];
	int i, j, status[2] = { 0, 0 }, left = 2, rc = 0;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint64_t waited_ms = 0, grace_ms = 0;

	snprintf(fabric, sizeof(fabric), "mperf-%d", (int)getpid());
	/* One decision for both hosts: they must share one fabric place. */
	huge = window_size(o, sz, 2);
	if (huge == 0)
		return 2;
	huge_arg = use_hugepages(o, huge, sz) ? "yes" : "no";
	for (i = 0; i < 2; i++) {
		int n = 0;

		cargv[i] = calloc((size_t)argc + 16, sizeof(char *));
		if (cargv[i] == NULL)
			return 1;
		snprintf(hostarg[i], sizeof(hostarg[i]), "%d", i);
		snprintf(peerarg[i], sizeof(peerarg[i]), "%d", 1 - i);
		snprintf(corearg[i], sizeof(corearg[i]), "%d", o->local_cores[i]);
		snprintf(pcorearg[i], sizeof(pcorearg[i]), "%d",
			 o->local_cores[1 - i]);
		cargv[i][n++] = argv[0];
		cargv[i][n++] = (char *)(uintptr_t)(i == 0 ? "--server" :
				"--client");
		cargv[i][n++] = (char *)(uintptr_t)"--fabric";
		cargv[i][n++] = fabric;
		cargv[i][n++] = (char *)(uintptr_t)"--host";
		cargv[i][n++] = hostarg[i];
		cargv[i][n++] = (char *)(uintptr_t)"--peer";
		cargv[i][n++] = peerarg[i];
		cargv[i][n++] = (char *)(uintptr_t)"--core";
		cargv[i][n++] = corearg[i];
		cargv[i][n++] = (char *)(uintptr_t)"--peer-core";
		cargv[i][n++] = pcorearg[i];
		cargv[i][n++] = (char *)(uintptr_t)"--huge";
		cargv[i][n++] = (char *)(uintptr_t)huge_arg;
		for (j = 1; j < argc; j++)
			cargv[i][n++] = argv[j];
		for (j = 1; j < argc && strcmp(argv[j], "--") != 0; j++)
			if (strcmp(argv[j], "--nt") == 0)   /* said once: here */
				cargv[i][n - argc + j] =
					(char *)(uintptr_t)"--nt-threshold";
		cargv[i][n] = NULL;
	}

	signal(SIGINT, forward_signal);
	signal(SIGTERM, forward_signal);
	signal(SIGHUP, forward_signal);
	children[0] = spawn(cargv[0], !o->verbose);
	children[1] = children[0] > 0 ? spawn(cargv[1], false) : -1;
	if (children[0] < 0 || children[1] < 0) {
		fprintf(stderr, "marlin-perf: fork: %s\n", strerror(errno));
		forward_signal(SIGTERM);
	}

	/*
	 * Wait for both. When one fails, the other gets a few seconds to
	 * notice (it would time out by itself) and is then terminated.
	 */
	while (left > 0) {
		for (i = 0; i < 2; i++) {
			pid_t r;

			if (children[i] <= 0)
				continue;
			r = waitpid(children[i], &status[i], WNOHANG);
			if (r == children[i]) {
				children[i] = 0;
				left--;
				report_child(i, o->local_cores[i], status[i]);
				if (!WIFEXITED(status[i]) ||
						WEXITSTATUS(status[i]) != 0)
					rc = 1;
			} else if (r < 0 && errno != EINTR) {
				children[i] = 0;
				left--;
				rc = 1;
			}
		}
		if (left == 0)
			break;
		if (left == 1 && rc != 0 && grace_ms == 0)
			grace_ms = waited_ms + 3000;
		if (grace_ms != 0 && waited_ms > grace_ms) {
			forward_signal(SIGTERM);
			grace_ms = waited_ms + 3000000;
		}
		if (waited_ms > (uint64_t)o->timeout_s * 1000 * 40 + 600000)
			forward_signal(SIGKILL);
		nanosleep(&ts, NULL);
		waited_ms += 20;
	}

#ifdef MARLIN_PERF_HAVE_NTB_SHM
	{
		char path[PATH_MAX];

		char dirbuf[256];

		if (rte_pmd_ntb_shm_fabric_path(fabric,
				fabric_dir(o, strcmp(huge_arg, "yes") == 0,
					   dirbuf, sizeof(dirbuf)),
				path, sizeof(path)) == 0)
			rte_pmd_ntb_shm_fabric_clean(path, 1);
	}
#endif
	for (i = 0; i < 2; i++) {
		if (WIFSIGNALED(status[i]))
			remove_host_runtime_dir(fabric, i);
		free(cargv[i]);
	}
	for (i = 0; i < 2; i++)
		if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 2)
			return 2;
	return rc;
}

/* ---- probe only --------------------------------------------------------- */

static int
run_probe(const struct perf_opts *o)
{
	struct perf_probe p;
	int rc;

	rc = perf_probe_run(o->probe_cores[0], o->probe_cores[1],
			o->probe_rounds, o->probe_batches, &p);
	if (o->json) {
		perf_print_probe_json(stdout, &p);
		fputc('\n', stdout);
	} else if (rc == 0) {
		printf("probe: %.1f ns one-way between cores %d and %d -> %s "
		       "(near < %.0f ns <= far)\n", p.ns, p.cores[0],
		       p.cores[1], perf_placement(p.ns), PERF_NEAR_NS);
	} else {
		fprintf(stderr, "probe: %s\n", p.why);
	}
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct perf_opts o;
	struct perf_sizes sz;
	struct eal_args ea;
	char memory[PERF_MEMORY_LEN] = "?";
	char runtime_dir[PATH_MAX] = "";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (perf_parse_args(argc, argv, &o) != 0)
		return 2;
	perf_build_sizes(&o, &sz);
	if (o.probe_only)
		return run_probe(&o);
	if (o.local)
		return run_local(argc, argv, &o, &sz);

	if (build_eal(&o, &sz, argv[0], &ea, memory) != 0)
		return 2;
	if (o.verbose) {
		int i;

		fprintf(stderr, "marlin-perf: EAL");
		for (i = 1; i < ea.argc; i++)
			fprintf(stderr, " %s", ea.argv[i]);
		fprintf(stderr, "\n");
	}
	signal(SIGINT, perf_signal);
	signal(SIGTERM, perf_signal);
	rc = rte_eal_init(ea.argc, ea.argv);
	if (rc < 0) {
		fprintf(stderr, "marlin-perf: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		 rte_eal_get_runtime_dir());

	rc = perf_run(&o, &sz, memory);

	rte_eal_cleanup();
	if (o.ntb_dev[0] == '\0')
		remove_runtime_dir(runtime_dir);
	return rc;
}
