/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef MARLIN_PERF_H
#define MARLIN_PERF_H

/*
 * marlin-perf: bandwidth and latency of HRDMA between two hosts, in the
 * manner of perftest's ib_write_bw / ib_write_lat.
 *
 * Files: main.c (the process: EAL arguments, local two-host mode),
 * params.c (the command line), report.c (statistics, table, JSON), probe.c
 * (placement probe); one host's run is in run.c and the files listed in
 * perf_host.h (control, link, bandwidth, latency, setup, pattern).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PERF_MAX_SIZES 32
#define PERF_MAX_QP 16
#define PERF_MAX_CORES 16
#define PERF_NAME_LEN 64
/* EAL memory without hugepages (MB). */
#define PERF_EAL_NOHUGE_MB "512"

/* One-way cache-line latency below this many ns: "near" placement. */
#define PERF_NEAR_NS 80.0
/* Probe batches further apart than this (slowest / fastest): the cores were
 * disturbed (preempted, or the placement changed) while probing. */
#define PERF_STEADY_SPREAD 1.5

enum perf_test {
	PERF_WRITE_BW = 0,
	PERF_READ_BW,
	PERF_SEND_BW,
	PERF_WRITE_LAT,
	PERF_SEND_LAT,
	PERF_NB_TESTS,
};

enum perf_role {
	PERF_ROLE_AUTO = 0,
	PERF_ROLE_SERVER,
	PERF_ROLE_CLIENT,
};

/* Everything the command line says. */
struct perf_opts {
	enum perf_test test;
	enum perf_role role;
	bool local;              /* start both hosts here (default) */
	bool probe_only;         /* --probe */
	bool json;
	bool check;
	bool consume;
	bool sweep;              /* -a */
	bool verbose;
	bool reconnect;          /* --reconnect: ride out link flaps */
	uint64_t size;           /* -s */
	bool size_given;
	uint64_t iters;          /* -n (0: default for the test) */
	double duration_s;       /* -D (0: use iterations) */
	uint32_t tx_depth;       /* -t */
	uint32_t nb_qp;          /* -q */
	uint32_t cq_mod;         /* -Q */
	uint32_t slots;          /* --slots (consume) */
	uint32_t notify_every;   /* --notify-every (consume; 0: auto) */
	uint32_t ring_depth;     /* --ring-depth (0: auto) */
	uint32_t msg_size;       /* --msg-size (0: auto) */
	uint32_t warmup;         /* --warmup (0: auto) */
	uint32_t nt_threshold;   /* --nt-threshold BYTES (0: never) */
	uint32_t buf_offset;     /* --buf-offset: local buffer's page offset */
	unsigned int timeout_s;  /* --timeout */
	char engine[PERF_NAME_LEN];   /* "cpu", "dmadev[:NAME]", ... */
	/* ntb_shm mode */
	char fabric[PERF_NAME_LEN];
	int host;                /* -1: unset */
	int peer;                /* -1: the other host / first peer */
	int cores[PERF_MAX_CORES];
	int nb_cores;            /* 0: default (server 0, client 1) */
	int peer_core;           /* -1: unknown (learned from the peer) */
	uint64_t mw_size;        /* --mw-size, 0: computed */
	int local_cores[2];      /* --local-cores: server, client */
	char huge[16];           /* --huge auto|yes|no */
	char dir[256];           /* --dir: fabric parent directory */
	/* real hardware */
	char ntb_dev[PERF_NAME_LEN];
	/* probe */
	int probe_cores[2];      /* --probe-cores A,B */
	uint32_t probe_rounds;   /* round trips per batch */
	uint32_t probe_batches;
	/* extra EAL arguments (after --) */
	int eal_argc;
	char **eal_argv;
};

/* Sizes a run covers. */
struct perf_sizes {
	uint64_t size[PERF_MAX_SIZES];
	int n;
};

/* One measured row. */
struct perf_result {
	uint64_t size;
	uint64_t iters;          /* measured operations (all queue pairs) */
	double seconds;
	/* bandwidth tests, GB/s = 1e9 B/s */
	double bw_peak;
	double bw_avg;
	double mpps;
	/* latency tests, one-way ns */
	double t_min, t_median, t_avg, t_p99, t_p999, t_max;
	/* receiver side (from the server) */
	uint64_t rx_bytes;       /* bytes the receiver read or received */
	uint64_t check_errors;   /* words that did not match (both sides) */
	bool skipped;            /* size not possible (e.g. > msg_size) */
	bool partial;            /* the link was lost during this size */
};

/* Placement probe result. */
struct perf_probe {
	int cores[2];
	double ns;               /* median one-way ns; < 0 when not measured */
	double spread;           /* slowest / fastest batch (1: steady) */
	double batch_ns[16];
	int nb_batches;
	const char *why;         /* when not measured */
};

/* Header facts shared by the table and the JSON. */
struct perf_header {
	const char *test;
	const char *role;
	const char *device;
	const char *engine;
	const char *memory;      /* "hugepages" or "no-huge" */
	char sizes[64];          /* "65536" or "2..8388608 (23 sizes)" */
	int nb_qp;
	uint32_t tx_depth;
	uint32_t cq_mod;
	uint32_t ring_depth;
	uint32_t msg_size;
	uint32_t slots;
	uint32_t notify_every;
	uint32_t nt_threshold;
	bool consume;
	bool check;
	int cores[PERF_MAX_CORES];
	int nb_cores;
	int peer_core;
	uint64_t region_len;
	struct perf_probe probe_before;
	struct perf_probe probe_after;
	/* link events */
	bool reconnect;          /* --reconnect given */
	uint32_t flaps;          /* link losses ridden out (--reconnect) */
	double down_s;           /* time without a link during those */
	bool lost;               /* the run ended with the link lost */
	double lost_at_s;        /* since the channel first came up */
	double lost_into_s;      /* into the size being measured; < 0: none */
	uint64_t lost_size;      /* that size */
	uint64_t lost_ops;       /* operations measured in it before */
	const char *lost_why;    /* the channel state, in words */
};

/* probe.c */
int perf_probe_run(int core_a, int core_b, uint32_t rounds, uint32_t batches,
		struct perf_probe *res);
const char *perf_placement(double ns);
const char *perf_placement_pair(const struct perf_probe *a,
		const struct perf_probe *b);

/* report.c */
const char *perf_test_name(enum perf_test t);
int perf_test_by_name(const char *name);
bool perf_test_is_lat(enum perf_test t);
int perf_stats_lat(uint64_t *ns_rtt, uint64_t n, struct perf_result *r);
void perf_print_table(FILE *f, const struct perf_header *h,
		const struct perf_result *r, int n);
void perf_print_json(FILE *f, const struct perf_header *h,
		const struct perf_result *r, int n);
void perf_print_probe_json(FILE *f, const struct perf_probe *p);

/* params.c */
int perf_parse_args(int argc, char **argv, struct perf_opts *o);
void perf_build_sizes(const struct perf_opts *o, struct perf_sizes *sz);
int perf_parse_size(const char *s, uint64_t max, uint64_t *out);

/* run.c: one host's run, EAL up; returns the exit status */
int perf_run(const struct perf_opts *o, const struct perf_sizes *sz,
		const char *memory_kind);

/* setup.c */
uint64_t perf_window_size(const struct perf_opts *o,
		const struct perf_sizes *sz, int hosts);

/* Smallest --msg-size: a control message must fit in one ring slot (a
 * larger one is refused by HRDMA, and the peer would wait for nothing). */
#define PERF_CTL_SLOT_MIN 512

#endif /* MARLIN_PERF_H */
