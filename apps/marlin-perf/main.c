/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: options, EAL arguments and the local two-host mode.
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

#define PERF_DEFAULT_SIZE 65536
#define PERF_EAL_MAX_ARGS 64
#define PERF_EAL_NOHUGE_MB "512"
/* Fabric files without hugepages (and without --dir). */
#define PERF_FABRIC_DIR "/dev/shm"

volatile int perf_force_quit;

static void
perf_signal(int sig)
{
	(void)sig;
	perf_force_quit = 1;
}

static void
usage(const char *prg)
{
	printf(
"Usage: %s [TEST] [options] [-- EAL options]\n"
"\n"
"Bandwidth and latency of HRDMA between two hosts, like perftest's\n"
"ib_write_bw / ib_write_lat. TEST is one of write_bw (default), read_bw,\n"
"send_bw, write_lat, send_lat.\n"
"\n"
"Where it runs:\n"
"  (nothing)            local two-host software rack: starts a server (host 0,\n"
"                       core 0) and a client (host 1, core 1) on a private\n"
"                       ntb_shm fabric, prints the client's report, cleans up\n"
"  --local-cores S,C    cores of server and client in local mode (default 0,1)\n"
"  --fabric NAME        one host of an ntb_shm fabric (EAL arguments are made\n"
"  --host ID            here: -l CORE --file-prefix marlin-perf-NAME-ID\n"
"  --peer ID            --no-pci, hugepages or --no-huge, --vdev ntb_shm0,...)\n"
"  --ntb-dev NAME       an NTB device probed by the EAL arguments after --\n"
"                       (real hardware); the peer is --peer PORT or the first\n"
"  --server, --client   role (default: the lower host id / port serves)\n"
"  --core LIST          lcores of this host (default: server 0, client 1);\n"
"                       queue pairs are spread over them\n"
"  --peer-core N        the other host's core, for the placement probe\n"
"                       (default: learned from the peer)\n"
"  --huge auto|yes|no   hugepages (auto: when hugetlbfs is mounted with free\n"
"                       pages, else --no-huge -m " PERF_EAL_NOHUGE_MB ")\n"
"  --mw-size SIZE       ntb_shm window size (default: enough for the sizes)\n"
"  --dir PATH           ntb_shm fabric parent directory\n"
"\n"
"Test options (give the same ones to server and client):\n"
"  -s, --size SIZE      message size in bytes (K/M suffixes: KiB/MiB;\n"
"                       default 65536, latency tests 8)\n"
"  -a, --all            sweep sizes 2 B .. 8 MiB, powers of two\n"
"  -n, --iters N        iterations per size (default 5000 bw, 10000 lat)\n"
"  -D, --duration SEC   run each size for SEC seconds instead\n"
"  -t, --tx-depth N     outstanding operations per queue pair (default 128)\n"
"  -q, --qp N           queue pairs (default 1, at most 16)\n"
"  -Q, --cq-mod N       ask for a completion every N operations (default 100)\n"
"  --engine E           copy engine: cpu (the polling core, default),\n"
"                       cpu-nt[:BYTES] (the cpu DMA engine, non-temporal\n"
"                       stores from BYTES on, default 64K), dmadev[:NAME]\n"
"                       (a DPDK dmadev, default a dma_skeleton0 vdev),\n"
"                       dev:NAME (an engine created by EAL arguments);\n"
"                       copies below 4 KiB stay on the polling core\n"
"  --nt BYTES           copies by the polling core of at least BYTES use\n"
"                       non-temporal stores (default 0: never)\n"
"  --consume            write_bw, send_bw: the server reads every byte that\n"
"                       arrived. write_bw:\n"
"                       the client writes into --slots slots of the server's\n"
"                       region and sends a WRITE_NOTIFY every --notify-every\n"
"                       writes; a slot is reused only after the server has\n"
"                       read it and returned the notification's ring credit\n"
"  --slots N            consume: slots per queue pair (default 4)\n"
"  --notify-every N     consume: writes per notification (default: as many\n"
"                       as make 64 KiB)\n"
"  --check              fill every message with a pattern and check it on\n"
"                       the receiver (slow; for correctness, not speed)\n"
"  --ring-depth N       HRDMA ring entries per queue pair (default: from -t)\n"
"  --msg-size N         HRDMA message slot size (default: from the sizes)\n"
"  --warmup N           untimed operations first (default: a tenth, <= 1000)\n"
"  --buf-offset N       start the local buffer N bytes (multiple of 8) into\n"
"                       a 4 KiB page (default 0: page-aligned)\n"
"  --timeout SEC        give up on a silent peer after SEC s (default 30)\n"
"  --reconnect          soak runs: ride out link flaps (wait up to --timeout\n"
"                       for the link, go on, count the flaps in the report);\n"
"                       without it a lost link ends the run with the\n"
"                       results measured so far, marked partial\n"
"  --json               print one JSON object instead of the table\n"
"  -v, --verbose        progress on stderr; local mode shows the server too\n"
"\n"
"Placement probe:\n"
"  --probe              only measure the one-way cache-line latency between\n"
"                       two cores (default 0,1) and print it (or --json)\n"
"  --probe-cores A,B    cores for --probe (default 0,1)\n"
"  --probe-rounds N     round trips per batch (default 20000, 5 batches)\n"
"\n"
"Examples:\n"
"  %s                                   # write_bw, 64 KiB, local rack\n"
"  %s write_bw -a -Q 64                 # size sweep\n"
"  %s write_bw -s 1M --consume --nt 64K # receiver reads the data\n"
"  %s write_lat -s 8 -n 100000 --json\n"
"  %s send_bw -s 4K -q 2 -D 2\n"
"  # two terminals, one software rack:\n"
"  %s --fabric rack --host 0 write_bw -s 64K\n"
"  %s --fabric rack --host 1 write_bw -s 64K\n"
"  %s --probe --json\n"
"\n"
"Output: GB/s = 1e9 B/s; latency in ns one-way (round trip / 2). The\n"
"header shows the placement probe before and after the run: near < %.0f ns\n"
"<= far. Exit status: 0 ok, 1 failure (peer, link, data check), 2 usage.\n",
	prg, prg, prg, prg, prg, prg, prg, prg, prg, PERF_NEAR_NS);
}

static int
parse_size(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm': case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g': case 'G':
		mul = 1ull << 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end != '\0' || v > max / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_size(s, max, &v) != 0 || v < min)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_int_list(const char *s, int *out, int max)
{
	char buf[256], *tok, *save = NULL;
	int n = 0;
	uint32_t v;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (n == max || parse_u32(tok, 0, 1023, &v) != 0)
			return -EINVAL;
		out[n++] = (int)v;
	}
	return n > 0 ? n : -EINVAL;
}

static int
bad(const char *opt, const char *val)
{
	fprintf(stderr, "marlin-perf: bad value for %s: '%s' (see --help)\n",
		opt, val != NULL ? val : "");
	return -EINVAL;
}

enum {
	OPT_SERVER = 256, OPT_CLIENT, OPT_LOCAL_CORES, OPT_FABRIC, OPT_HOST,
	OPT_PEER, OPT_NTB_DEV, OPT_CORE, OPT_PEER_CORE, OPT_HUGE, OPT_MW_SIZE,
	OPT_DIR, OPT_ENGINE, OPT_CONSUME, OPT_SLOTS, OPT_NOTIFY, OPT_CHECK,
	OPT_RING, OPT_MSG, OPT_WARMUP, OPT_TIMEOUT, OPT_JSON, OPT_PROBE,
	OPT_PROBE_CORES, OPT_PROBE_ROUNDS, OPT_TEST, OPT_NT, OPT_BUF_OFFSET,
	OPT_RECONNECT, OPT_HELP,
};

static const struct option longopts[] = {
	{ "server", no_argument, NULL, OPT_SERVER },
	{ "client", no_argument, NULL, OPT_CLIENT },
	{ "local-cores", required_argument, NULL, OPT_LOCAL_CORES },
	{ "fabric", required_argument, NULL, OPT_FABRIC },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "ntb-dev", required_argument, NULL, OPT_NTB_DEV },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "peer-core", required_argument, NULL, OPT_PEER_CORE },
	{ "huge", required_argument, NULL, OPT_HUGE },
	{ "mw-size", required_argument, NULL, OPT_MW_SIZE },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "size", required_argument, NULL, 's' },
	{ "all", no_argument, NULL, 'a' },
	{ "iters", required_argument, NULL, 'n' },
	{ "duration", required_argument, NULL, 'D' },
	{ "tx-depth", required_argument, NULL, 't' },
	{ "qp", required_argument, NULL, 'q' },
	{ "cq-mod", required_argument, NULL, 'Q' },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "consume", no_argument, NULL, OPT_CONSUME },
	{ "nt", required_argument, NULL, OPT_NT },
	{ "buf-offset", required_argument, NULL, OPT_BUF_OFFSET },
	{ "slots", required_argument, NULL, OPT_SLOTS },
	{ "notify-every", required_argument, NULL, OPT_NOTIFY },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "ring-depth", required_argument, NULL, OPT_RING },
	{ "msg-size", required_argument, NULL, OPT_MSG },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "probe-cores", required_argument, NULL, OPT_PROBE_CORES },
	{ "probe-rounds", required_argument, NULL, OPT_PROBE_ROUNDS },
	{ "test", required_argument, NULL, OPT_TEST },
	{ "reconnect", no_argument, NULL, OPT_RECONNECT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Local-mode cores (server, client). */
static int local_cores[2] = { 0, 1 };
static bool size_given;

static int
parse_args(int argc, char **argv, struct perf_opts *o)
{
	uint64_t v64;
	uint32_t v;
	int c, dd = -1, i, t;

	memset(o, 0, sizeof(*o));
	o->test = PERF_WRITE_BW;
	o->role = PERF_ROLE_AUTO;
	o->size = PERF_DEFAULT_SIZE;
	o->tx_depth = 128;
	o->nb_qp = 1;
	o->cq_mod = 100;
	o->slots = 4;
	o->timeout_s = 30;
	o->host = -1;
	o->peer = -1;
	o->peer_core = -1;
	o->probe_cores[0] = 0;
	o->probe_cores[1] = 1;
	o->probe_rounds = 20000;
	o->probe_batches = 5;
	strcpy(o->engine, "cpu");
	strcpy(o->huge, "auto");

	/* Everything after "--" is for EAL. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	if (dd >= 0) {
		o->eal_argc = argc - dd - 1;
		o->eal_argv = &argv[dd + 1];
		argc = dd;
	}

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:an:D:t:q:Q:vh", longopts,
			NULL)) != -1) {
		switch (c) {
		case OPT_SERVER:
			o->role = PERF_ROLE_SERVER;
			break;
		case OPT_CLIENT:
			o->role = PERF_ROLE_CLIENT;
			break;
		case OPT_LOCAL_CORES:
			if (parse_int_list(optarg, local_cores, 2) != 2 ||
					local_cores[0] == local_cores[1])
				return bad("--local-cores", optarg);
			break;
		case OPT_FABRIC:
			if (strlen(optarg) == 0 ||
					strlen(optarg) >= sizeof(o->fabric))
				return bad("--fabric", optarg);
			strcpy(o->fabric, optarg);
			break;
		case OPT_HOST:
			if (parse_u32(optarg, 0, 63, &v) != 0)
				return bad("--host", optarg);
			o->host = (int)v;
			break;
		case OPT_PEER:
			if (parse_u32(optarg, 0, 65535, &v) != 0)
				return bad("--peer", optarg);
			o->peer = (int)v;
			break;
		case OPT_NTB_DEV:
			if (strlen(optarg) == 0 ||
					strlen(optarg) >= sizeof(o->ntb_dev))
				return bad("--ntb-dev", optarg);
			strcpy(o->ntb_dev, optarg);
			break;
		case OPT_CORE:
			o->nb_cores = parse_int_list(optarg, o->cores,
					PERF_MAX_CORES);
			if (o->nb_cores < 0)
				return bad("--core", optarg);
			break;
		case OPT_PEER_CORE:
			if (parse_u32(optarg, 0, 1023, &v) != 0)
				return bad("--peer-core", optarg);
			o->peer_core = (int)v;
			break;
		case OPT_HUGE:
			if (strcmp(optarg, "auto") != 0 &&
					strcmp(optarg, "yes") != 0 &&
					strcmp(optarg, "no") != 0)
				return bad("--huge", optarg);
			strcpy(o->huge, optarg);
			break;
		case OPT_MW_SIZE:
			if (parse_size(optarg, 1ull << 40, &v64) != 0 ||
					v64 == 0)
				return bad("--mw-size", optarg);
			snprintf(o->mw_size, sizeof(o->mw_size), "%llu",
				 (unsigned long long)v64);
			break;
		case OPT_DIR:
			if (strlen(optarg) >= sizeof(o->dir))
				return bad("--dir", optarg);
			strcpy(o->dir, optarg);
			break;
		case 's':
			if (parse_size(optarg, 1ull << 30, &o->size) != 0 ||
					o->size == 0)
				return bad("-s", optarg);
			size_given = true;
			break;
		case 'a':
			o->sweep = true;
			break;
		case 'n':
			if (parse_size(optarg, UINT64_MAX, &o->iters) != 0 ||
					o->iters == 0)
				return bad("-n", optarg);
			break;
		case 'D': {
			char *end;

			o->duration_s = strtod(optarg, &end);
			if (*end != '\0' || !(o->duration_s > 0) ||
					o->duration_s > 3600)
				return bad("-D", optarg);
			break;
		}
		case 't':
			if (parse_u32(optarg, 1, 4096, &o->tx_depth) != 0)
				return bad("-t", optarg);
			break;
		case 'q':
			if (parse_u32(optarg, 1, PERF_MAX_QP, &o->nb_qp) != 0)
				return bad("-q", optarg);
			break;
		case 'Q':
			if (parse_u32(optarg, 1, 65536, &o->cq_mod) != 0)
				return bad("-Q", optarg);
			break;
		case OPT_ENGINE:
			if (strlen(optarg) >= sizeof(o->engine) ||
					(strcmp(optarg, "cpu") != 0 &&
					 strncmp(optarg, "cpu-nt", 6) != 0 &&
					 strncmp(optarg, "dmadev", 6) != 0 &&
					 strncmp(optarg, "dev:", 4) != 0))
				return bad("--engine", optarg);
			strcpy(o->engine, optarg);
			break;
		case OPT_CONSUME:
			o->consume = true;
			break;
		case OPT_BUF_OFFSET:
			if (parse_u32(optarg, 0, 4095, &o->buf_offset) != 0 ||
					o->buf_offset % 8 != 0)
				return bad("--buf-offset", optarg);
			break;
		case OPT_NT:
			if (parse_u32(optarg, 0, UINT32_MAX,
					&o->nt_threshold) != 0)
				return bad("--nt", optarg);
			break;
		case OPT_SLOTS:
			if (parse_u32(optarg, 1, 4096, &o->slots) != 0)
				return bad("--slots", optarg);
			break;
		case OPT_NOTIFY:
			if (parse_u32(optarg, 1, 65536, &o->notify_every) != 0)
				return bad("--notify-every", optarg);
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_RING:
			if (parse_u32(optarg, 64, 4096, &o->ring_depth) != 0 ||
					!rte_is_power_of_2(o->ring_depth))
				return bad("--ring-depth", optarg);
			break;
		case OPT_MSG:
			if (parse_u32(optarg, 64, 65536, &o->msg_size) != 0 ||
					!rte_is_power_of_2(o->msg_size))
				return bad("--msg-size", optarg);
			break;
		case OPT_WARMUP:
			if (parse_u32(optarg, 0, UINT32_MAX, &o->warmup) != 0)
				return bad("--warmup", optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_u32(optarg, 1, 3600, &v) != 0)
				return bad("--timeout", optarg);
			o->timeout_s = v;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PROBE:
			o->probe_only = true;
			break;
		case OPT_PROBE_CORES:
			if (parse_int_list(optarg, o->probe_cores, 2) != 2)
				return bad("--probe-cores", optarg);
			break;
		case OPT_PROBE_ROUNDS:
			if (parse_u32(optarg, 100, 10000000, &o->probe_rounds))
				return bad("--probe-rounds", optarg);
			break;
		case OPT_TEST:
			t = perf_test_by_name(optarg);
			if (t < 0)
				return bad("--test", optarg);
			o->test = (enum perf_test)t;
			break;
		case OPT_RECONNECT:
			o->reconnect = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(argv[0]);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	for (; optind < argc; optind++) {
		t = perf_test_by_name(argv[optind]);
		if (t < 0) {
			fprintf(stderr, "marlin-perf: unknown test '%s' "
				"(see --help)\n", argv[optind]);
			return -EINVAL;
		}
		o->test = (enum perf_test)t;
	}
	if (perf_test_is_lat(o->test) && !size_given)
		o->size = 8;
	if (o->iters == 0)
		o->iters = perf_test_is_lat(o->test) ? 10000 : 5000;
	if (o->consume && o->test != PERF_WRITE_BW && o->test != PERF_SEND_BW) {
		fprintf(stderr, "marlin-perf: --consume goes with write_bw or "
			"send_bw\n");
		return -EINVAL;
	}
	if (o->ntb_dev[0] != '\0' && o->fabric[0] != '\0') {
		fprintf(stderr, "marlin-perf: --ntb-dev and --fabric exclude "
			"each other\n");
		return -EINVAL;
	}
	if (o->fabric[0] != '\0' && o->host < 0) {
		fprintf(stderr, "marlin-perf: --fabric needs --host\n");
		return -EINVAL;
	}
	if (o->host >= 0 && o->fabric[0] == '\0')
		strcpy(o->fabric, "marlin-perf");
	if (o->fabric[0] != '\0') {
		/* Two-host fabric by default: the other host is the peer. */
		if (o->peer < 0)
			o->peer = o->host == 0 ? 1 : 0;
		if (o->peer == o->host) {
			fprintf(stderr, "marlin-perf: --peer equals --host\n");
			return -EINVAL;
		}
		if (o->role == PERF_ROLE_AUTO)
			o->role = o->host < o->peer ? PERF_ROLE_SERVER :
				PERF_ROLE_CLIENT;
	}
	o->local = !o->probe_only && o->fabric[0] == '\0' &&
		o->ntb_dev[0] == '\0';
	return 0;
}

static void
build_sizes(const struct perf_opts *o, struct perf_sizes *sz)
{
	uint64_t s;

	sz->n = 0;
	if (!o->sweep) {
		sz->size[sz->n++] = o->size;
		return;
	}
	for (s = 2; s <= (8u << 20) && sz->n < PERF_MAX_SIZES; s <<= 1)
		sz->size[sz->n++] = s;
}

/* ---- hugepages ---------------------------------------------------------- */

/* First hugetlbfs mount and its page size; false if none. */
static bool
find_hugetlbfs(char *path, size_t len, uint64_t *page_size)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[256], mnt[256], type[64], opts[512];
	bool found = false;

	if (f == NULL)
		return false;
	while (fscanf(f, "%255s %255s %63s %511s %*d %*d", dev, mnt, type,
			opts) == 4) {
		char *ps;

		if (strcmp(type, "hugetlbfs") != 0)
			continue;
		*page_size = 2u << 20;
		ps = strstr(opts, "pagesize=");
		if (ps != NULL) {
			uint64_t v;
			char tmp[32];
			size_t k = 0;

			ps += 9;
			while (ps[k] != '\0' && ps[k] != ',' && k < 31) {
				tmp[k] = ps[k];
				k++;
			}
			tmp[k] = '\0';
			if (parse_size(tmp, 1ull << 40, &v) == 0)
				*page_size = v;
		}
		snprintf(path, len, "%s", mnt);
		found = true;
		break;
	}
	fclose(f);
	return found;
}

static uint64_t
free_hugepages(uint64_t page_size)
{
	char p[128];
	unsigned long long n = 0;
	FILE *f;

	snprintf(p, sizeof(p),
		 "/sys/kernel/mm/hugepages/hugepages-%llukB/free_hugepages",
		 (unsigned long long)(page_size >> 10));
	f = fopen(p, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

static uint64_t
pow2_ceil64(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Window size: both hosts' slices (rings + region), a power of two. */
static uint64_t
mw_size_needed(const struct perf_opts *o, const struct perf_sizes *sz)
{
	uint64_t depth = perf_ring_depth(o), msg = perf_msg_size(o, sz);
	uint64_t rings = o->nb_qp * (128 + depth * 64 + depth * msg);
	uint64_t slice = RTE_ALIGN_CEIL(rings, 4096) +
		perf_region_needed(o, sz) + 4096;

	return RTE_MAX(pow2_ceil64(2 * slice), (uint64_t)64 << 20);
}

/*
 * Decide on hugepages: yes when a hugetlbfs is mounted and has enough free
 * pages for both hosts' windows and heaps.
 */
static bool
use_hugepages(const struct perf_opts *o, uint64_t mw, const struct perf_sizes *sz)
{
	char mnt[256];
	uint64_t ps, need;

	if (strcmp(o->huge, "no") == 0)
		return false;
	if (!find_hugetlbfs(mnt, sizeof(mnt), &ps))
		return false;
	if (strcmp(o->huge, "yes") == 0)
		return true;
	need = 2 * (mw + 2 * o->nb_qp * sz->size[sz->n - 1] + (64u << 20));
	return free_hugepages(ps) * ps >= need;
}

/*
 * Where the fabric files go: --dir, else the hugetlbfs mount when hugepages
 * are used (windows in hugepages, as on the ntb_shm default), else /dev/shm.
 * Named explicitly so that both hosts pick the same place.
 */
static const char *
fabric_dir(const struct perf_opts *o, bool huge, char *buf, size_t len)
{
	uint64_t ps;

	if (o->dir[0] != '\0')
		return o->dir;
	if (huge && find_hugetlbfs(buf, len, &ps))
		return buf;
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
		snprintf(prefix, 512, "--file-prefix=marlin-perf-%s-%d",
			 o->fabric, o->host);
		rc |= eal_add(a, prefix);
		rc |= eal_add(a, "--no-pci");
		if (o->mw_size[0] != '\0')
			mw = strtoull(o->mw_size, NULL, 10);
		else
			mw = mw_size_needed(o, sz);
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
			 "mw=1,mw_size=%llu,dir=%s", o->fabric, o->host,
			 RTE_MAX(2, RTE_MAX(o->host, o->peer) + 1),
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
				parse_size(o->engine + 7, UINT32_MAX, &thr) != 0) {
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
	char fabric[64], hostarg[2][8], peerarg[2][8], corearg[2][8],
		pcorearg[2][8];
	char **cargv[2];
	int i, j, status[2] = { 0, 0 }, left = 2, rc = 0;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint64_t waited_ms = 0, grace_ms = 0;

	snprintf(fabric, sizeof(fabric), "mperf-%d", (int)getpid());
	/* One decision for both hosts: they must share one fabric place. */
	huge = o->mw_size[0] != '\0' ? strtoull(o->mw_size, NULL, 10) :
		mw_size_needed(o, sz);
	huge_arg = use_hugepages(o, huge, sz) ? "yes" : "no";
	for (i = 0; i < 2; i++) {
		int n = 0;

		cargv[i] = calloc((size_t)argc + 16, sizeof(char *));
		if (cargv[i] == NULL)
			return 1;
		snprintf(hostarg[i], sizeof(hostarg[i]), "%d", i);
		snprintf(peerarg[i], sizeof(peerarg[i]), "%d", 1 - i);
		snprintf(corearg[i], sizeof(corearg[i]), "%d", local_cores[i]);
		snprintf(pcorearg[i], sizeof(pcorearg[i]), "%d",
			 local_cores[1 - i]);
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
				report_child(i, local_cores[i], status[i]);
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
	for (i = 0; i < 2; i++)
		free(cargv[i]);
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
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	build_sizes(&o, &sz);
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
