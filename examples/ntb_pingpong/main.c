/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * NTB ping-pong: two hosts bounce a sequence number across an NTB link and
 * measure the round trip. Everything is polled.
 *
 *   --mode mem  the pinger stores a 64-bit sequence number into its slot of
 *               the peer's inbound window; the ponger polls its own local
 *               memory and stores the same number back into the pinger's
 *               window. Only posted writes cross the bridge.
 *   --mode db   the same with doorbells: each side rings one bit on the other
 *               and polls its own doorbell register. The bit rotates over the
 *               valid doorbell bits so that a lost or doubled ring shows up.
 *
 * Before the run both sides agree on mode, role and count through
 * scratchpads, so two mismatched command lines fail at once instead of
 * waiting for each other.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pause.h>

#include <rte_marlin_ntb.h>

#define PP_DEFAULT_DEV "ntb_shm0"
#define PP_DEFAULT_ITERS 100000u
#define PP_DEFAULT_TIMEOUT 30u
/* Poll the device (link state, liveness) at least this often. */
#define PP_POLL_US 2000u
/* Spins between two looks at the clock while waiting for an answer. */
#define PP_SPIN_CHECK 1023u

/* Scratchpad handshake: what each side writes into its bank on the peer. */
#define PP_SPAD_HELLO 0
#define PP_SPAD_ITERS 1
#define PP_SPAD_NEEDED 2
#define PP_HELLO_MAGIC 0x4e500000u /* "NP" in the top half */
#define PP_HELLO_MAGIC_MASK 0xffff0000u
#define PP_HELLO_VERSION 1u

enum pp_mode { PP_MODE_MEM = 0, PP_MODE_DB = 1 };
enum pp_role { PP_ROLE_AUTO = -1, PP_ROLE_PONG = 0, PP_ROLE_PING = 1 };

struct pp_opts {
	const char *dev_name;
	enum pp_mode mode;
	enum pp_role role;
	uint32_t iters;
	unsigned int timeout_s;
	int peer_port; /* -1: first peer */
	bool json;
};

struct pp_ctx {
	struct pp_opts opt;
	uint16_t dev_id;
	int pidx;
	int port;
	int peer_port;
	enum pp_role role;
	struct rte_marlin_ntb_info info;
	struct rte_marlin_ntb_link link;
	volatile uint64_t *local_slot;  /* where the peer's stores land */
	volatile uint64_t *remote_slot; /* our slot in the peer's window */
	uint64_t db_bits[64];
	unsigned int db_nbits;
	uint64_t hz;
	uint64_t poll_cycles;
	uint64_t timeout_cycles;
	uint64_t last_poll;
	uint32_t warmup;
	uint64_t *rtt;          /* cycles, one per measured round trip */
	uint32_t done;          /* round trips completed (measured part) */
	FILE *msg;              /* human-readable messages */
};

static volatile sig_atomic_t force_quit;
static int quit_signal;

static void
signal_handler(int sig)
{
	quit_signal = sig;
	force_quit = 1;
}

static const char *
prog_name(const char *argv0)
{
	const char *p = strrchr(argv0, '/');

	return p != NULL ? p + 1 : argv0;
}

static void
usage(const char *prg)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "\n"
	       "Bounce a sequence number between two hosts over an NTB link and\n"
	       "report the one-way latency (half the round trip).\n"
	       "\n"
	       "Options:\n"
	       "  --dev NAME         NTB device name (default %s)\n"
	       "  --mode mem|db      mem: stores into the peer's window, polled in\n"
	       "                     local memory (default); db: doorbell round trips\n"
	       "  --iters N          round trips to measure (default %u)\n"
	       "  --role ping|pong   force the role (default: the lower port pings)\n"
	       "  --peer PORT        peer port number (default: the first peer)\n"
	       "  --timeout SEC      give up waiting for the peer after SEC seconds\n"
	       "                     (default %u); also the longest stall allowed\n"
	       "  --json             print the result as one JSON object on stdout\n"
	       "  --help             this text\n"
	       "\n"
	       "Example: two hosts on one machine over the software NTB, one per core\n"
	       "(start them in two terminals, in either order):\n"
	       "  %s -l 0 --no-pci --file-prefix=pp0 \\\n"
	       "      --vdev ntb_shm0,fabric=pp,host=0,hosts=2 -- --mode mem\n"
	       "  %s -l 1 --no-pci --file-prefix=pp1 \\\n"
	       "      --vdev ntb_shm0,fabric=pp,host=1,hosts=2 -- --mode mem\n"
	       "Add --no-huge -m 256 to both when no hugepages are reserved.\n"
	       "\n"
	       "Exit status: 0 success, 1 failure (peer absent, link lost, wrong\n"
	       "sequence number), 2 bad usage, 128+N on signal N.\n",
	       prg, PP_DEFAULT_DEV, PP_DEFAULT_ITERS, PP_DEFAULT_TIMEOUT, prg, prg);
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct pp_opts *opt)
{
	enum { OPT_DEV = 256, OPT_MODE, OPT_ITERS, OPT_ROLE, OPT_PEER,
		OPT_TIMEOUT, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "iters", required_argument, NULL, OPT_ITERS },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "peer", required_argument, NULL, OPT_PEER },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	opt->dev_name = PP_DEFAULT_DEV;
	opt->mode = PP_MODE_MEM;
	opt->role = PP_ROLE_AUTO;
	opt->iters = PP_DEFAULT_ITERS;
	opt->timeout_s = PP_DEFAULT_TIMEOUT;
	opt->peer_port = -1;
	opt->json = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DEV:
			opt->dev_name = optarg;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "mem") == 0)
				opt->mode = PP_MODE_MEM;
			else if (strcmp(optarg, "db") == 0)
				opt->mode = PP_MODE_DB;
			else {
				fprintf(stderr, "--mode: 'mem' or 'db', not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_ITERS:
			if (parse_uint(optarg, UINT32_MAX, &v) != 0 || v == 0) {
				fprintf(stderr, "--iters: 1..%u\n", UINT32_MAX);
				return -EINVAL;
			}
			opt->iters = (uint32_t)v;
			break;
		case OPT_ROLE:
			if (strcmp(optarg, "ping") == 0)
				opt->role = PP_ROLE_PING;
			else if (strcmp(optarg, "pong") == 0)
				opt->role = PP_ROLE_PONG;
			else if (strcmp(optarg, "auto") == 0)
				opt->role = PP_ROLE_AUTO;
			else {
				fprintf(stderr, "--role: 'ping', 'pong' or 'auto'\n");
				return -EINVAL;
			}
			break;
		case OPT_PEER:
			if (parse_uint(optarg, INT_MAX, &v) != 0) {
				fprintf(stderr, "--peer: a port number\n");
				return -EINVAL;
			}
			opt->peer_port = (int)v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, 24 * 3600, &v) != 0 || v == 0) {
				fprintf(stderr, "--timeout: 1..86400 seconds\n");
				return -EINVAL;
			}
			opt->timeout_s = (unsigned int)v;
			break;
		case OPT_JSON:
			opt->json = true;
			break;
		case OPT_HELP:
			usage(prog_name(argv[0]));
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/*
 * Best effort: turn our own command line into the one the peer needs, by
 * swapping host=, the file prefix and a single-core -l.
 */
static void
print_peer_hint(FILE *f, int argc, char **argv, int me, int peer)
{
	char mine[24], theirs[24];
	bool next_prefix = false, next_lcore = false;
	int i;

	snprintf(mine, sizeof(mine), "host=%d", me);
	snprintf(theirs, sizeof(theirs), "host=%d", peer);
	fprintf(f, "start the other host with:\n ");
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *h = strstr(a, mine);
		size_t hl = strlen(mine);

		fputc(' ', f);
		if (next_lcore && (strcmp(a, "0") == 0 || strcmp(a, "1") == 0)) {
			fputs(a[0] == '0' ? "1" : "0", f);
		} else if (next_prefix || strncmp(a, "--file-prefix=", 14) == 0) {
			const char *v = next_prefix ? a : a + 14;

			if (!next_prefix)
				fputs("--file-prefix=", f);
			fprintf(f, "%s-peer%d", v, peer);
		} else if (h != NULL && (h[hl] == '\0' || h[hl] == ',') &&
				(h == a || h[-1] == ',')) {
			fprintf(f, "%.*s%s%s", (int)(h - a), a, theirs, h + hl);
		} else {
			fputs(a, f);
		}
		next_prefix = strcmp(a, "--file-prefix") == 0;
		next_lcore = strcmp(a, "-l") == 0 || strcmp(a, "--lcores") == 0;
	}
	fputc('\n', f);
}

static uint64_t
cycles_to_ns(const struct pp_ctx *c, uint64_t cycles)
{
	return (uint64_t)((double)cycles * 1e9 / (double)c->hz);
}

/* Poll the device when it is due; -ENOLINK once the link is down. */
static int
pp_poll(struct pp_ctx *c, uint64_t now)
{
	struct rte_marlin_ntb_link l;

	if (now - c->last_poll < c->poll_cycles)
		return 0;
	c->last_poll = now;
	rte_marlin_ntb_poll(c->dev_id);
	if (rte_marlin_ntb_link_get(c->dev_id, c->pidx, &l) != 0 || !l.up)
		return -ENOLINK;
	return 0;
}

/* Called every few spins of a wait: link, timeout, signals. */
static int
pp_stall_check(struct pp_ctx *c, uint64_t start)
{
	uint64_t now = rte_rdtsc();
	int rc;

	if (force_quit)
		return -EINTR;
	rc = pp_poll(c, now);
	if (rc != 0)
		return rc;
	if (now - start > c->timeout_cycles)
		return -ETIMEDOUT;
	return 0;
}

static void
report_wait_error(struct pp_ctx *c, int rc, uint64_t seq, const char *what)
{
	if (rc == -EINTR)
		return;
	if (rc == -ENOLINK)
		fprintf(stderr, "error: link to port %d went down while waiting "
			"for %s %" PRIu64 " (peer stopped or link cut)\n",
			c->peer_port, what, seq);
	else if (rc == -ETIMEDOUT)
		fprintf(stderr, "error: no %s %" PRIu64 " from port %d within "
			"%u s\n", what, seq, c->peer_port, c->opt.timeout_s);
}

/* Wait until *slot == want; a value other than want or want - 1 is an error. */
static int
mem_wait(struct pp_ctx *c, uint64_t want, const char *what)
{
	uint64_t start = 0, v;
	unsigned int spins = 0;
	int rc;

	for (;;) {
		v = __atomic_load_n(c->local_slot, __ATOMIC_ACQUIRE);
		if (v == want)
			return 0;
		if (v != want - 1) {
			fprintf(stderr, "error: %s: got sequence %" PRIu64
				", expected %" PRIu64 "\n", what, v, want);
			return -EPROTO;
		}
		if ((++spins & PP_SPIN_CHECK) == 0) {
			if (start == 0)
				start = rte_rdtsc();
			rc = pp_stall_check(c, start);
			if (rc != 0) {
				/* The last store may have landed before the
				 * peer went away. */
				if (__atomic_load_n(c->local_slot,
						__ATOMIC_ACQUIRE) == want)
					return 0;
				report_wait_error(c, rc, want, what);
				return rc;
			}
		}
		rte_pause();
	}
}

static inline uint64_t
db_bit_for(const struct pp_ctx *c, uint64_t seq)
{
	return c->db_bits[seq % c->db_nbits];
}

/* Wait for exactly the doorbell bit of @seq, then clear it. */
static int
db_wait(struct pp_ctx *c, uint64_t seq, const char *what)
{
	uint64_t want = db_bit_for(c, seq), bits = 0, start = 0;
	unsigned int spins = 0;
	int rc;

	for (;;) {
		rc = rte_marlin_ntb_db_read(c->dev_id, &bits);
		if (rc != 0) {
			fprintf(stderr, "error: db_read: %s\n", strerror(-rc));
			return rc;
		}
		if (bits != 0)
			break;
		if ((++spins & PP_SPIN_CHECK) == 0) {
			if (start == 0)
				start = rte_rdtsc();
			rc = pp_stall_check(c, start);
			if (rc != 0) {
				if (rte_marlin_ntb_db_read(c->dev_id, &bits) == 0 &&
						bits != 0)
					break;
				report_wait_error(c, rc, seq, what);
				return rc;
			}
		}
		rte_pause();
	}
	if (bits != want) {
		fprintf(stderr, "error: %s %" PRIu64 ": doorbell bits 0x%" PRIx64
			", expected 0x%" PRIx64 "\n", what, seq, bits, want);
		return -EPROTO;
	}
	rc = rte_marlin_ntb_db_clear(c->dev_id, bits);
	if (rc != 0)
		fprintf(stderr, "error: db_clear: %s\n", strerror(-rc));
	return rc;
}

static int
db_ring(struct pp_ctx *c, uint64_t seq)
{
	int rc = rte_marlin_ntb_peer_db_set(c->dev_id, c->pidx, db_bit_for(c, seq));

	if (rc != 0)
		fprintf(stderr, "error: ringing doorbell %" PRIu64 " on port %d: "
			"%s\n", seq, c->peer_port, strerror(-rc));
	return rc;
}

static int
run_ping(struct pp_ctx *c)
{
	uint64_t total = (uint64_t)c->warmup + c->opt.iters;
	uint64_t seq, t0, t1;
	int rc;

	for (seq = 1; seq <= total; seq++) {
		if (force_quit)
			return -EINTR;
		t0 = rte_rdtsc();
		if (c->opt.mode == PP_MODE_MEM) {
			__atomic_store_n(c->remote_slot, seq, __ATOMIC_RELEASE);
			rc = mem_wait(c, seq, "pong");
		} else {
			rc = db_ring(c, seq);
			if (rc == 0)
				rc = db_wait(c, seq, "pong");
		}
		t1 = rte_rdtsc();
		if (rc != 0)
			return rc;
		if (seq > c->warmup)
			c->rtt[c->done++] = t1 - t0;
		/* Keep the device polled between round trips. */
		rc = pp_poll(c, t1);
		if (rc != 0 && seq < total) {
			report_wait_error(c, rc, seq + 1, "pong");
			return rc;
		}
	}
	return 0;
}

static int
run_pong(struct pp_ctx *c)
{
	uint64_t total = (uint64_t)c->warmup + c->opt.iters;
	uint64_t seq;
	int rc;

	for (seq = 1; seq <= total; seq++) {
		if (c->opt.mode == PP_MODE_MEM) {
			rc = mem_wait(c, seq, "ping");
			if (rc == 0)
				__atomic_store_n(c->remote_slot, seq,
						__ATOMIC_RELEASE);
		} else {
			rc = db_wait(c, seq, "ping");
			if (rc == 0)
				rc = db_ring(c, seq);
		}
		if (rc != 0)
			return rc;
		if (seq > c->warmup)
			c->done++;
		rc = pp_poll(c, rte_rdtsc());
		if (rc != 0 && seq < total) {
			report_wait_error(c, rc, seq + 1, "ping");
			return rc;
		}
	}
	return 0;
}

static uint32_t
hello_word(enum pp_mode mode, enum pp_role role)
{
	return PP_HELLO_MAGIC | (PP_HELLO_VERSION << 8) |
		((uint32_t)mode << 4) | (uint32_t)role;
}

/*
 * Tell the peer what we are about to do and check that it agrees. Each side
 * writes its bank on the peer and reads the peer's bank locally.
 */
static int
handshake(struct pp_ctx *c)
{
	uint64_t start = rte_rdtsc();
	uint32_t hello = 0, iters = 0, want;
	int rc, n;

	n = rte_marlin_ntb_spad_count(c->dev_id);
	if (n < PP_SPAD_NEEDED) {
		fprintf(c->msg, "note: %d scratchpads, skipping the parameter "
			"check: both sides must use the same --mode and --iters\n",
			n < 0 ? 0 : n);
		return 0;
	}
	rc = rte_marlin_ntb_peer_spad_write(c->dev_id, c->pidx, PP_SPAD_ITERS,
			c->opt.iters);
	if (rc == 0)
		rc = rte_marlin_ntb_peer_spad_write(c->dev_id, c->pidx,
				PP_SPAD_HELLO, hello_word(c->opt.mode, c->role));
	if (rc != 0) {
		fprintf(stderr, "error: writing scratchpads on port %d: %s\n",
			c->peer_port, strerror(-rc));
		return rc;
	}
	for (;;) {
		rc = rte_marlin_ntb_spad_read(c->dev_id, c->pidx, PP_SPAD_HELLO,
				&hello);
		if (rc != 0) {
			fprintf(stderr, "error: spad_read: %s\n", strerror(-rc));
			return rc;
		}
		if ((hello & PP_HELLO_MAGIC_MASK) == PP_HELLO_MAGIC)
			break;
		rc = pp_stall_check(c, start);
		if (rc != 0) {
			if (rc == -ETIMEDOUT)
				fprintf(stderr, "error: port %d is up but did not "
					"answer the handshake within %u s: is it "
					"running %s?\n", c->peer_port,
					c->opt.timeout_s, "marlin-ntb-pingpong");
			else
				report_wait_error(c, rc, 0, "handshake");
			return rc;
		}
		rte_delay_us_sleep(100);
	}
	rte_marlin_ntb_spad_read(c->dev_id, c->pidx, PP_SPAD_ITERS, &iters);
	/* Consume it, so that a later run does not see a stale hello. */
	rte_marlin_ntb_spad_write(c->dev_id, c->pidx, PP_SPAD_HELLO, 0);

	want = hello_word(c->opt.mode, c->role == PP_ROLE_PING ?
			PP_ROLE_PONG : PP_ROLE_PING);
	if (((hello >> 8) & 0xff) != PP_HELLO_VERSION) {
		fprintf(stderr, "error: port %d speaks handshake version %u, "
			"we speak %u\n", c->peer_port, (hello >> 8) & 0xff,
			PP_HELLO_VERSION);
		return -EPROTO;
	}
	if (((hello >> 4) & 0xf) != (uint32_t)c->opt.mode) {
		fprintf(stderr, "error: port %d runs --mode %s, we run --mode %s\n",
			c->peer_port, ((hello >> 4) & 0xf) == PP_MODE_DB ?
			"db" : "mem", c->opt.mode == PP_MODE_DB ? "db" : "mem");
		return -EPROTO;
	}
	if (hello != want) {
		fprintf(stderr, "error: both sides want to %s: give one of them "
			"--role %s\n", c->role == PP_ROLE_PING ? "ping" : "pong",
			c->role == PP_ROLE_PING ? "pong" : "ping");
		return -EPROTO;
	}
	if (iters != c->opt.iters) {
		fprintf(stderr, "error: port %d runs --iters %u, we run "
			"--iters %u\n", c->peer_port, iters, c->opt.iters);
		return -EPROTO;
	}
	return 0;
}

static int
wait_for_peer(struct pp_ctx *c, int argc, char **argv)
{
	uint64_t deadline = rte_rdtsc() + c->timeout_cycles;
	int rc;

	fprintf(c->msg, "waiting up to %u s for port %d ...\n",
		c->opt.timeout_s, c->peer_port);
	for (;;) {
		if (force_quit)
			return -EINTR;
		rc = rte_marlin_ntb_link_wait(c->dev_id, c->pidx, 100);
		if (rc == 0)
			return 0;
		if (rc != -ETIMEDOUT) {
			fprintf(stderr, "error: link_wait: %s\n", strerror(-rc));
			return rc;
		}
		if (rte_rdtsc() >= deadline)
			break;
	}
	fprintf(stderr, "error: port %d did not come up within %u s.\n",
		c->peer_port, c->opt.timeout_s);
	print_peer_hint(stderr, argc, argv, c->port, c->peer_port);
	return -ETIMEDOUT;
}

static const char *
speed_str(enum rte_marlin_ntb_speed s)
{
	static const char *const names[] = {
		"none", "gen1", "gen2", "gen3", "gen4", "gen5" };

	if (s >= RTE_MARLIN_NTB_SPEED_NONE && s <= RTE_MARLIN_NTB_SPEED_GEN5)
		return names[s];
	return "auto";
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct pp_stats {
	uint64_t min, median, p99, max;
	double avg;
};

/* One-way latencies in ns from the round trips (each halved). */
static void
compute_stats(struct pp_ctx *c, struct pp_stats *s)
{
	uint32_t n = c->done, i99;
	double sum = 0;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		return;
	qsort(c->rtt, n, sizeof(c->rtt[0]), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)c->rtt[i];
	i99 = (uint32_t)(((uint64_t)n * 99 + 99) / 100);
	if (i99 > 0)
		i99--;
	s->min = cycles_to_ns(c, c->rtt[0]) / 2;
	s->max = cycles_to_ns(c, c->rtt[n - 1]) / 2;
	s->median = cycles_to_ns(c, (c->rtt[(n - 1) / 2] + c->rtt[n / 2]) / 2) / 2;
	s->p99 = cycles_to_ns(c, c->rtt[i99]) / 2;
	s->avg = sum / n * 1e9 / (double)c->hz / 2;
}

static void
print_result(struct pp_ctx *c, int rc)
{
	const char *mode = c->opt.mode == PP_MODE_DB ? "db" : "mem";
	const char *role = c->role == PP_ROLE_PING ? "ping" : "pong";
	struct pp_stats s;

	compute_stats(c, &s);
	if (c->opt.json) {
		printf("{\"mode\":\"%s\",\"role\":\"%s\",\"status\":\"%s\","
		       "\"error\":\"%s\",\"port\":%d,\"peer_port\":%d,"
		       "\"peer_epoch\":%" PRIu64 ",\"speed\":%d,\"width\":%d,"
		       "\"iters\":%u,\"warmup\":%u,\"round_trips\":%u",
		       mode, role, rc == 0 ? "ok" : "error",
		       rc == 0 ? "" : strerror(-rc), c->port, c->peer_port,
		       c->link.peer_epoch, (int)c->link.speed,
		       (int)c->link.width, c->opt.iters, c->warmup, c->done);
		if (c->role == PP_ROLE_PING && c->done > 0)
			printf(",\"one_way_ns\":{\"min\":%" PRIu64 ",\"median\":%"
			       PRIu64 ",\"avg\":%.1f,\"p99\":%" PRIu64
			       ",\"max\":%" PRIu64 "}",
			       s.min, s.median, s.avg, s.p99, s.max);
		printf("}\n");
		return;
	}
	if (c->role == PP_ROLE_PING && c->done > 0)
		printf("round trips: %u (+%u warm-up), mode %s, port %d -> port %d\n"
		       "one-way latency (RTT/2), ns: min %" PRIu64 "  median %"
		       PRIu64 "  avg %.1f  p99 %" PRIu64 "  max %" PRIu64 "\n",
		       c->done, c->warmup, mode, c->port, c->peer_port,
		       s.min, s.median, s.avg, s.p99, s.max);
	/* The one-line summary. */
	if (rc != 0)
		printf("ntb_pingpong: FAILED (%s, mode %s) after %u round trips: "
		       "%s\n", role, mode, c->done, strerror(-rc));
	else if (c->role == PP_ROLE_PING)
		printf("ntb_pingpong: %u round trips, one-way latency ns: min %"
		       PRIu64 " median %" PRIu64 " avg %.0f p99 %" PRIu64
		       " max %" PRIu64 "\n", c->done, s.min, s.median, s.avg,
		       s.p99, s.max);
	else
		printf("ntb_pingpong: answered %u round trips (mode %s)\n",
		       c->done, mode);
}

/* Find the windows and doorbells the chosen mode needs. */
static int
setup_mode(struct pp_ctx *c)
{
	void *local = NULL, *remote = NULL;
	size_t llen = 0, rlen = 0, lslice, rslice;
	int hosts = c->info.peer_count + 1;
	uint64_t mask = 0;
	int rc, b;

	if (c->opt.mode == PP_MODE_DB) {
		rc = rte_marlin_ntb_db_valid_mask(c->dev_id, &mask);
		if (rc != 0 || mask == 0) {
			fprintf(stderr, "error: %s has no doorbells\n",
				c->opt.dev_name);
			return rc != 0 ? rc : -ENOTSUP;
		}
		c->db_nbits = 0;
		for (b = 0; b < 64; b++)
			if (mask & (UINT64_C(1) << b))
				c->db_bits[c->db_nbits++] = UINT64_C(1) << b;
		return 0;
	}
	if (c->info.mw_count < 1 || c->info.peer_mw_count < 1) {
		fprintf(stderr, "error: %s has no memory window: use --mode db\n",
			c->opt.dev_name);
		return -ENOTSUP;
	}
	rc = rte_marlin_ntb_mw_alloc(c->dev_id, c->pidx, 0, 0, &local, &llen);
	if (rc != 0) {
		fprintf(stderr, "error: mw_alloc: %s\n", strerror(-rc));
		return rc;
	}
	rc = rte_marlin_ntb_peer_mw_get_addr(c->dev_id, c->pidx, 0, &remote, &rlen);
	if (rc != 0) {
		fprintf(stderr, "error: peer_mw_get_addr: %s\n", strerror(-rc));
		return rc;
	}
	/* A shared inbound window is split into one slice per source host. */
	lslice = c->info.mw_shared ? llen / hosts : 0;
	rslice = c->info.mw_shared ? rlen / hosts : 0;
	if ((c->info.mw_shared && (lslice < 64 || rslice < 64)) ||
			llen < 64 || rlen < 64) {
		fprintf(stderr, "error: windows too small (%zu / %zu bytes)\n",
			llen, rlen);
		return -ENOSPC;
	}
	c->local_slot = (volatile uint64_t *)((char *)local +
			lslice * (size_t)c->peer_port);
	c->remote_slot = (volatile uint64_t *)((char *)remote +
			rslice * (size_t)c->port);
	return 0;
}

static int
find_device(struct pp_ctx *c)
{
	int id, rc;

	id = rte_marlin_ntb_get_by_name(c->opt.dev_name);
	if (id < 0) {
		fprintf(stderr, "error: no NTB device '%s' (%d devices probed); "
			"add e.g. --vdev %s,fabric=NAME,host=0 to the EAL "
			"options\n", c->opt.dev_name, rte_marlin_ntb_count(),
			c->opt.dev_name);
		return id;
	}
	c->dev_id = (uint16_t)id;
	rc = rte_marlin_ntb_info_get(c->dev_id, &c->info);
	if (rc != 0)
		return rc;
	c->port = c->info.port;
	if (c->info.peer_count < 1) {
		fprintf(stderr, "error: %s has no peers\n", c->opt.dev_name);
		return -ENODEV;
	}
	if (c->opt.peer_port >= 0) {
		rc = rte_marlin_ntb_peer_port_idx(c->dev_id, c->opt.peer_port);
		if (rc < 0) {
			fprintf(stderr, "error: port %d is not a peer of %s "
				"(port %d)\n", c->opt.peer_port,
				c->opt.dev_name, c->port);
			return rc;
		}
		c->pidx = rc;
	} else {
		c->pidx = 0;
	}
	c->peer_port = rte_marlin_ntb_peer_port_number(c->dev_id, c->pidx);
	if (c->peer_port < 0)
		return c->peer_port;
	if (c->opt.role == PP_ROLE_AUTO)
		c->role = c->port < c->peer_port ? PP_ROLE_PING : PP_ROLE_PONG;
	else
		c->role = c->opt.role;
	return 0;
}

static int
has_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct pp_ctx ctx;
	struct pp_ctx *c = &ctx;
	struct sigaction sa;
	char **saved_argv;
	bool link_enabled = false, bad_usage = false;
	int rc, n, i;

	if (has_help(argc, argv)) {
		usage(prog_name(argv[0]));
		return 0;
	}
	memset(c, 0, sizeof(*c));
	c->msg = stdout;

	/* EAL reorders argv; keep a copy for the hint to start the peer. */
	saved_argv = calloc((size_t)argc + 1, sizeof(*saved_argv));
	if (saved_argv == NULL)
		return 1;
	for (i = 0; i < argc; i++)
		saved_argv[i] = argv[i];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "error: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		free(saved_argv);
		return 1;
	}
	if (parse_args(argc - n, argv + n, &c->opt) != 0) {
		fprintf(stderr, "see --help\n");
		bad_usage = true;
		rc = -EINVAL;
		goto out;
	}
	if (c->opt.json)
		c->msg = stderr;
	setvbuf(stdout, NULL, _IOLBF, 0);

	c->hz = rte_get_tsc_hz();
	c->poll_cycles = c->hz / 1000000 * PP_POLL_US;
	c->timeout_cycles = c->hz * c->opt.timeout_s;
	c->warmup = c->opt.iters >= 10000 ? 1000 : c->opt.iters / 10;

	rc = find_device(c);
	if (rc != 0)
		goto out;
	fprintf(c->msg, "%s: driver %s, port %d, %d peer(s), %d window(s)%s, "
		"%d scratchpads; talking to port %d as %s, mode %s\n",
		c->info.name, c->info.driver != NULL ? c->info.driver : "?",
		c->port, c->info.peer_count, c->info.mw_count,
		c->info.mw_shared ? " shared by all peers" : "",
		c->info.spad_count, c->peer_port,
		c->role == PP_ROLE_PING ? "pinger" : "ponger",
		c->opt.mode == PP_MODE_DB ? "db" : "mem");

	c->rtt = calloc(c->opt.iters, sizeof(c->rtt[0]));
	if (c->rtt == NULL) {
		fprintf(stderr, "error: no memory for %u samples\n", c->opt.iters);
		rc = -ENOMEM;
		goto out;
	}
	/* Inbound memory first, then the link, as the peer may write at once. */
	if (c->opt.mode == PP_MODE_MEM && c->info.mw_count > 0) {
		void *addr;

		rc = rte_marlin_ntb_mw_alloc(c->dev_id, c->pidx, 0, 0, &addr, NULL);
		if (rc != 0) {
			fprintf(stderr, "error: mw_alloc: %s\n", strerror(-rc));
			goto out;
		}
	}
	/* Stale bits from an earlier run would break the bit check. */
	if (c->info.db_valid_mask != 0)
		rte_marlin_ntb_db_clear(c->dev_id, c->info.db_valid_mask);

	rc = rte_marlin_ntb_link_enable(c->dev_id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc != 0) {
		fprintf(stderr, "error: link_enable: %s\n", strerror(-rc));
		goto out;
	}
	link_enabled = true;
	rc = wait_for_peer(c, argc, saved_argv);
	if (rc != 0)
		goto out;
	rte_marlin_ntb_link_get(c->dev_id, c->pidx, &c->link);
	if (c->link.speed == RTE_MARLIN_NTB_SPEED_UNKNOWN)
		fprintf(c->msg, "link up: port %d <-> port %d (pidx %d), software "
			"link, peer epoch 0x%" PRIx64 "\n", c->port, c->peer_port,
			c->pidx, c->link.peer_epoch);
	else
		fprintf(c->msg, "link up: port %d <-> port %d (pidx %d), %s x%d, "
			"peer epoch 0x%" PRIx64 "\n", c->port, c->peer_port, c->pidx,
			speed_str(c->link.speed), (int)c->link.width,
			c->link.peer_epoch);

	c->last_poll = rte_rdtsc();
	rc = setup_mode(c);
	if (rc == 0)
		rc = handshake(c);
	if (rc == 0) {
		fprintf(c->msg, "%s: %u round trips (+%u warm-up) ...\n",
			c->role == PP_ROLE_PING ? "pinging" : "answering",
			c->opt.iters, c->warmup);
		rc = c->role == PP_ROLE_PING ? run_ping(c) : run_pong(c);
	}
	if (rc == -EINTR || force_quit) {
		fprintf(c->msg, "interrupted by signal %d\n", quit_signal);
	} else {
		print_result(c, rc);
	}
out:
	if (link_enabled)
		rte_marlin_ntb_link_disable(c->dev_id);
	if (c->info.mw_count > 0 && c->opt.mode == PP_MODE_MEM)
		rte_marlin_ntb_mw_free(c->dev_id, c->pidx, 0);
	free(c->rtt);
	free(saved_argv);
	rte_eal_cleanup();
	if (force_quit)
		return 128 + quit_signal;
	if (bad_usage)
		return 2;
	return rc == 0 ? 0 : 1;
}
