/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: the command line. One table lists every option with its
 * field, range and help; getopt's tables and --help are made from it, and
 * a value is checked the same way for every option of a kind (sizes and
 * counts in Marlin's one vocabulary, rte_marlin_args.h: decimal with an
 * optional K/M/G/T suffix, powers of 1024). Options that need more than a range have
 * a setter function. After parsing, the combination is checked and the
 * defaults that depend on it are filled in.
 */

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <rte_marlin_args.h>

#include "perf.h"

#define PERF_DEFAULT_SIZE 65536
#define HELP_COL 23              /* where help text starts */

/* ---- values ------------------------------------------------------------- */

/* A size in the one vocabulary (rte_marlin_size_parse: K/M/G/T), <= @max. */
int
perf_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (rte_marlin_size_parse(s, &v) != 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_int_list(const char *s, int *out, int max)
{
	char buf[256], *tok, *save = NULL;
	uint64_t v;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (n == max || perf_parse_size(tok, 1023, &v) != 0)
			return -EINVAL;
		out[n++] = (int)v;
	}
	return n > 0 ? n : -EINVAL;
}

/* ---- setters for options that need more than a range --------------------- */

static int
set_server(struct perf_opts *o, const char *arg)
{
	(void)arg;
	o->role = PERF_ROLE_SERVER;
	return 0;
}

static int
set_client(struct perf_opts *o, const char *arg)
{
	(void)arg;
	o->role = PERF_ROLE_CLIENT;
	return 0;
}

static int
set_local_cores(struct perf_opts *o, const char *arg)
{
	if (parse_int_list(arg, o->local_cores, 2) != 2 ||
			o->local_cores[0] == o->local_cores[1])
		return -EINVAL;
	return 0;
}

static int
set_cores(struct perf_opts *o, const char *arg)
{
	o->nb_cores = parse_int_list(arg, o->cores, PERF_MAX_CORES);
	return o->nb_cores < 0 ? -EINVAL : 0;
}

static int
set_probe_cores(struct perf_opts *o, const char *arg)
{
	return parse_int_list(arg, o->probe_cores, 2) == 2 ? 0 : -EINVAL;
}

static int
set_huge(struct perf_opts *o, const char *arg)
{
	if (strcmp(arg, "auto") != 0 && strcmp(arg, "yes") != 0 &&
			strcmp(arg, "no") != 0)
		return -EINVAL;
	strcpy(o->huge, arg);
	return 0;
}

static int
set_mw_size(struct perf_opts *o, const char *arg)
{
	return perf_parse_size(arg, 1ull << 40, &o->mw_size) != 0 ||
		o->mw_size == 0 ? -EINVAL : 0;
}

static int
set_size(struct perf_opts *o, const char *arg)
{
	o->size_given = true;
	return perf_parse_size(arg, 1ull << 30, &o->size) != 0 ||
		o->size == 0 ? -EINVAL : 0;
}

static int
set_duration(struct perf_opts *o, const char *arg)
{
	char *end;

	o->duration_s = strtod(arg, &end);
	return *end != '\0' || !(o->duration_s > 0) ||
		o->duration_s > 3600 ? -EINVAL : 0;
}

static int
set_engine(struct perf_opts *o, const char *arg)
{
	if (strlen(arg) >= sizeof(o->engine) ||
			(strcmp(arg, "cpu") != 0 &&
			 strncmp(arg, "cpu-nt", 6) != 0 &&
			 strncmp(arg, "dmadev", 6) != 0 &&
			 strncmp(arg, "dev:", 4) != 0))
		return -EINVAL;
	strcpy(o->engine, arg);
	return 0;
}

static int
set_nt_threshold(struct perf_opts *o, const char *arg)
{
	uint64_t v;

	if (perf_parse_size(arg, UINT32_MAX, &v) != 0)
		return -EINVAL;
	o->nt_threshold = (uint32_t)v;
	return 0;
}

/* --nt: the old name of --nt-threshold (one name per idea). */
static int
set_nt_deprecated(struct perf_opts *o, const char *arg)
{
	fprintf(stderr, "marlin-perf: --nt is deprecated, use --nt-threshold "
		"(the same value)\n");
	return set_nt_threshold(o, arg);
}

static int
set_test(struct perf_opts *o, const char *arg)
{
	int t = perf_test_by_name(arg);

	if (t < 0)
		return -EINVAL;
	o->test = (enum perf_test)t;
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

enum opt_kind {
	K_SECTION,               /* a heading in --help */
	K_TRUE,                  /* bool field set to true */
	K_U32,                   /* uint32_t field, [min, max], K/M suffixes */
	K_U64,                   /* uint64_t field, [min, max], K/M suffixes */
	K_INT,                   /* int field, [min, max] */
	K_STR,                   /* char array field, not empty */
	K_FN,                    /* a setter */
	K_HELP,
};

#define F_POW2 0x1               /* a power of two */
#define F_MUL8 0x2               /* a multiple of 8 */

struct opt_spec {
	const char *name;        /* long name (section: its title) */
	int short_name;          /* 0: none */
	const char *arg;         /* the value's name in --help; NULL: none */
	enum opt_kind kind;
	size_t off;              /* field in struct perf_opts */
	size_t len;              /* K_STR: its size */
	uint64_t min, max;
	unsigned int flags;
	int (*set)(struct perf_opts *o, const char *arg);
	const char *help;        /* lines separated by \n */
};

#define OFF(f) offsetof(struct perf_opts, f)
#define SECTION(t) { .name = t, .kind = K_SECTION }
#define FLAG(n, s, f, h) \
	{ .name = n, .short_name = s, .kind = K_TRUE, .off = OFF(f), .help = h }
#define NUM(k, n, s, a, f, lo, hi, fl, h) \
	{ .name = n, .short_name = s, .arg = a, .kind = k, .off = OFF(f), \
	  .min = lo, .max = hi, .flags = fl, .help = h }
#define STR(n, a, f, h) \
	{ .name = n, .arg = a, .kind = K_STR, .off = OFF(f), \
	  .len = sizeof(((struct perf_opts *)0)->f), .help = h }
#define FN(n, s, a, fn, h) \
	{ .name = n, .short_name = s, .arg = a, .kind = K_FN, .set = fn, \
	  .help = h }

static const struct opt_spec specs[] = {
	SECTION("Where it runs (default: a local two-host software rack: a "
		"server,\nhost 0 on core 0, and a client, host 1 on core 1, on a "
		"private\nntb_shm fabric; the client's report; the fabric is "
		"removed after):"),
	FN("local-cores", 0, "S,C", set_local_cores,
	   "cores of server and client in local mode (default 0,1)"),
	STR("fabric", "NAME", fabric,
	    "one host of an ntb_shm fabric; the EAL arguments are made\n"
	    "here: -l CORE --file-prefix marlin-perf-NAME-ID --no-pci,\n"
	    "hugepages or --no-huge, --vdev ntb_shm0,..."),
	NUM(K_INT, "host", 0, "ID", host, 0, 63, 0,
	    "this host's id on the fabric (--fabric)"),
	NUM(K_INT, "peer", 0, "ID", peer, 0, 65535, 0,
	    "the peer's host id / port (default: the other host, or the\n"
	    "first peer)"),
	STR("ntb-dev", "NAME", ntb_dev,
	    "an NTB device probed by the EAL arguments after --\n"
	    "(real hardware)"),
	FN("server", 0, NULL, set_server,
	   "serve (default: the lower host id / port serves)"),
	FN("client", 0, NULL, set_client, "be the client"),
	FN("core", 0, "LIST", set_cores,
	   "lcores of this host (default: server 0, client 1); queue\n"
	   "pairs are spread over them"),
	NUM(K_INT, "peer-core", 0, "N", peer_core, 0, 1023, 0,
	    "the other host's core, for the placement probe (default:\n"
	    "learned from the peer)"),
	FN("huge", 0, "auto|yes|no", set_huge,
	   "hugepages (auto: when hugetlbfs is mounted with free pages,\n"
	   "else --no-huge -m " PERF_EAL_NOHUGE_MB ")"),
	FN("mw-size", 0, "SIZE", set_mw_size,
	   "ntb_shm window size (default: enough for the sizes)"),
	STR("dir", "PATH", dir, "ntb_shm fabric parent directory"),

	SECTION("Test options (give the same ones to server and client):"),
	FN("size", 's', "SIZE", set_size,
	   "message size in bytes (default 65536, latency tests 8)"),
	FLAG("all", 'a', sweep, "sweep sizes 2 B .. 8 MiB, powers of two"),
	NUM(K_U64, "iters", 'n', "N", iters, 1, UINT64_MAX, 0,
	    "iterations per size (default 5000 bw, 10000 lat)"),
	FN("duration", 'D', "SEC", set_duration,
	   "run each size for SEC seconds instead"),
	NUM(K_U32, "tx-depth", 't', "N", tx_depth, 1, 4096, 0,
	    "outstanding operations per queue pair (default 128)"),
	NUM(K_U32, "qp", 'q', "N", nb_qp, 1, PERF_MAX_QP, 0,
	    "queue pairs (default 1, at most 16)"),
	NUM(K_U32, "cq-mod", 'Q', "N", cq_mod, 1, 65536, 0,
	    "ask for a completion every N operations (default 100)"),
	FN("engine", 0, "E", set_engine,
	   "copy engine: cpu (the polling core, default),\n"
	   "cpu-nt[:BYTES] (the cpu DMA engine, non-temporal stores\n"
	   "from BYTES on, default 64K), dmadev[:NAME] (a DPDK dmadev,\n"
	   "default a dma_skeleton0 vdev), dev:NAME (an engine created\n"
	   "by EAL arguments); copies below 4 KiB stay on the polling\n"
	   "core"),
	FN("nt-threshold", 0, "BYTES", set_nt_threshold,
	   "copies by the polling core of at least BYTES use\n"
	   "non-temporal stores (HRDMA nt_threshold; default 0: never)"),
	FN("nt", 0, "BYTES", set_nt_deprecated,
	   "deprecated name of --nt-threshold"),
	FLAG("consume", 0, consume,
	     "write_bw, send_bw: the server reads every byte that arrived.\n"
	     "write_bw: the client writes into --slots slots of the\n"
	     "server's region and sends a WRITE_NOTIFY every\n"
	     "--notify-every writes; a slot is reused only after the\n"
	     "server has read it and returned the notification's credit"),
	NUM(K_U32, "slots", 0, "N", slots, 1, 4096, 0,
	    "consume: slots per queue pair (default 4)"),
	NUM(K_U32, "notify-every", 0, "N", notify_every, 1, 65536, 0,
	    "consume: writes per notification (default: as many as\n"
	    "make 64 KiB)"),
	FLAG("check", 0, check,
	     "fill every message with a pattern and check it on the\n"
	     "receiver (slow; for correctness, not speed)"),
	NUM(K_U32, "ring-depth", 0, "N", ring_depth, 64, 4096, F_POW2,
	    "HRDMA ring entries per queue pair (default: from -t)"),
	NUM(K_U32, "msg-size", 0, "N", msg_size, PERF_CTL_SLOT_MIN, 65536, F_POW2,
	    "HRDMA message slot size, at least 512: control messages\n"
	    "travel in the same slots (default: from the sizes)"),
	NUM(K_U32, "warmup", 0, "N", warmup, 0, UINT32_MAX, 0,
	    "untimed operations first (default: a tenth, <= 1000)"),
	NUM(K_U32, "buf-offset", 0, "N", buf_offset, 0, 4095, F_MUL8,
	    "start the local buffer N bytes (multiple of 8) into a\n"
	    "4 KiB page (default 0: page-aligned)"),
	NUM(K_U32, "timeout", 0, "SEC", timeout_s, 1, 3600, 0,
	    "give up on a silent peer after SEC s (default 30)"),
	FLAG("reconnect", 0, reconnect,
	     "soak runs: ride out link flaps (wait up to --timeout for\n"
	     "the link, go on, count the flaps in the report); without\n"
	     "it a lost link ends the run with the results measured so\n"
	     "far, marked partial"),
	FN("test", 0, "TEST", set_test, "the test (or the first word)"),
	FLAG("json", 0, json, "print one JSON object instead of the table"),
	FLAG("verbose", 'v', verbose,
	     "progress on stderr; local mode shows the server too"),

	SECTION("Placement probe:"),
	FLAG("probe", 0, probe_only,
	     "only measure the one-way cache-line latency between two\n"
	     "cores (default 0,1) and print it (or --json)"),
	FN("probe-cores", 0, "A,B", set_probe_cores,
	   "cores for --probe (default 0,1)"),
	NUM(K_U32, "probe-rounds", 0, "N", probe_rounds, 100, 10000000, 0,
	    "round trips per batch (default 20000, 5 batches)"),
	{ .name = "help", .short_name = 'h', .kind = K_HELP,
	  .help = "this text" },
};

/* ---- --help ------------------------------------------------------------- */

static void
print_help_text(const char *text, int col)
{
	const char *p = text, *nl;

	for (;;) {
		nl = strchr(p, '\n');
		printf("%.*s\n", nl != NULL ? (int)(nl - p) : (int)strlen(p),
		       p);
		if (nl == NULL)
			break;
		p = nl + 1;
		printf("%*s", col, "");
	}
}

static void
usage(const char *prg)
{
	size_t i;

	printf("Usage: %s [TEST] [options] [-- EAL options]\n\n"
	       "Bandwidth and latency of HRDMA between two hosts, like "
	       "perftest's\nib_write_bw / ib_write_lat. TEST is one of "
	       "write_bw (default), read_bw,\nsend_bw, write_lat, "
	       "send_lat.\n", prg);
	for (i = 0; i < RTE_DIM(specs); i++) {
		const struct opt_spec *s = &specs[i];
		char left[64];
		int n;

		if (s->kind == K_SECTION) {
			printf("\n");
			print_help_text(s->name, 0);
			continue;
		}
		if (s->short_name != 0)
			n = snprintf(left, sizeof(left), "  -%c, --%s%s%s",
				     s->short_name, s->name, s->arg ? " " : "",
				     s->arg ? s->arg : "");
		else
			n = snprintf(left, sizeof(left), "  --%s%s%s", s->name,
				     s->arg ? " " : "", s->arg ? s->arg : "");
		if (n >= HELP_COL - 1)
			printf("%s\n%*s", left, HELP_COL, "");
		else
			printf("%-*s", HELP_COL, left);
		print_help_text(s->help, HELP_COL);
	}
	printf(
"\nExamples:\n"
"  %s                                   # write_bw, 64 KiB, local rack\n"
"  %s write_bw -a -Q 64                 # size sweep\n"
"  %s write_bw -s 1M --consume --nt-threshold 64K # the receiver reads\n"
"  %s write_lat -s 8 -n 100000 --json\n"
"  %s send_bw -s 4K -q 2 -D 2\n"
"  %s write_bw -D 3600 --reconnect      # soak run across link flaps\n"
"  # two terminals, one software rack:\n"
"  %s --fabric rack --host 0 write_bw -s 64K\n"
"  %s --fabric rack --host 1 write_bw -s 64K\n"
"  %s --probe --json\n"
"\n"
"Output: GB/s = 1e9 B/s; latency in ns one-way (round trip / 2). The\n"
"header shows the placement probe before and after the run: near < %.0f ns\n"
"<= far. A lost link is reported in words with the rows measured so far\n"
"(the last one marked partial). Exit status: 0 ok, 1 failure (peer, link,\n"
"data check, a local host killed by a signal), 2 usage.\n",
	prg, prg, prg, prg, prg, prg, prg, prg, prg, PERF_NEAR_NS);
}

/* ---- parsing ------------------------------------------------------------ */

static int
bad(const struct opt_spec *s, const char *val)
{
	char range[96] = "";

	if (s->kind == K_U32 || s->kind == K_U64 || s->kind == K_INT)
		snprintf(range, sizeof(range), "%llu..%llu%s; ",
			 (unsigned long long)s->min, (unsigned long long)s->max,
			 (s->flags & F_POW2) ? ", a power of two" :
			 (s->flags & F_MUL8) ? ", a multiple of 8" : "");
	fprintf(stderr, "marlin-perf: bad value for --%s: '%s' (%ssee --help)\n",
		s->name, val != NULL ? val : "", range);
	return -EINVAL;
}

/* Set one option's field from its value, checked by the table. */
static int
apply(const struct opt_spec *s, struct perf_opts *o, const char *arg)
{
	void *field = (char *)o + s->off;
	uint64_t v = 0;

	switch (s->kind) {
	case K_TRUE:
		*(bool *)field = true;
		return 0;
	case K_FN:
		return s->set(o, arg) == 0 ? 0 : bad(s, arg);
	case K_STR:
		if (arg[0] == '\0' || strlen(arg) >= s->len)
			return bad(s, arg);
		strcpy(field, arg);
		return 0;
	case K_U32:
	case K_U64:
	case K_INT:
		if (perf_parse_size(arg, s->max, &v) != 0 || v < s->min ||
				((s->flags & F_POW2) && !rte_is_power_of_2(v)) ||
				((s->flags & F_MUL8) && v % 8 != 0))
			return bad(s, arg);
		if (s->kind == K_U32)
			*(uint32_t *)field = (uint32_t)v;
		else if (s->kind == K_U64)
			*(uint64_t *)field = v;
		else
			*(int *)field = (int)v;
		return 0;
	default:
		return -EINVAL;
	}
}

static void
defaults(struct perf_opts *o)
{
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
	o->local_cores[1] = 1;
	o->probe_cores[1] = 1;
	o->probe_rounds = 20000;
	o->probe_batches = 5;
	strcpy(o->engine, "cpu");
	strcpy(o->huge, "auto");
}

/* The options together: conflicts, and defaults that follow from them. */
static int
check_combination(struct perf_opts *o)
{
	if (perf_test_is_lat(o->test) && !o->size_given)
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

/* getopt's tables from ours: long-only options get 256 + their index. */
static void
getopt_tables(struct option *lo, char *shorts)
{
	size_t i, n = 0, k = 0;

	for (i = 0; i < RTE_DIM(specs); i++) {
		const struct opt_spec *s = &specs[i];

		if (s->kind == K_SECTION)
			continue;
		lo[n].name = s->name;
		lo[n].has_arg = s->arg != NULL ? required_argument :
			no_argument;
		lo[n].flag = NULL;
		lo[n].val = s->short_name != 0 ? s->short_name : 256 + (int)i;
		n++;
		if (s->short_name != 0) {
			shorts[k++] = (char)s->short_name;
			if (s->arg != NULL)
				shorts[k++] = ':';
		}
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	shorts[k] = '\0';
}

static const struct opt_spec *
spec_of(int c)
{
	size_t i;

	if (c >= 256 && c - 256 < (int)RTE_DIM(specs))
		return &specs[c - 256];
	for (i = 0; i < RTE_DIM(specs); i++)
		if (specs[i].short_name == c)
			return &specs[i];
	return NULL;
}

int
perf_parse_args(int argc, char **argv, struct perf_opts *o)
{
	struct option lo[RTE_DIM(specs) + 1];
	char shorts[2 * RTE_DIM(specs) + 1];
	const struct opt_spec *s;
	int c, i, t;

	defaults(o);
	/* Everything after "--" is for EAL. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			o->eal_argc = argc - i - 1;
			o->eal_argv = &argv[i + 1];
			argc = i;
			break;
		}
	getopt_tables(lo, shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		s = spec_of(c);
		if (s == NULL)
			return -EINVAL;      /* getopt said what */
		if (s->kind == K_HELP) {
			usage(argv[0]);
			exit(0);
		}
		if (apply(s, o, optarg) != 0)
			return -EINVAL;
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
	return check_combination(o);
}

void
perf_build_sizes(const struct perf_opts *o, struct perf_sizes *sz)
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
