/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * One host of a multi-process NTB test, driven line by line by a harness.
 *
 *   mp_host [EAL options]            host mode: probes the NTB device given
 *                                    with --vdev, prints "READY ...", then
 *                                    reads commands on stdin
 *   mp_host --ctl cut|restore FABRIC DIR A B
 *                                    cut or restore the link between hosts
 *                                    A and B of a fabric (no EAL)
 *   mp_host --ctl path FABRIC DIR    print the fabric directory (no EAL)
 *
 * Every command gets exactly one answer line, "OK ..." or "ERR ...", except
 * wait_down, which first prints "WATCHING" once it polls. Peers are named
 * by port number (= host id on ntb_shm). Between commands the device is
 * polled every millisecond, so link changes are seen without a command.
 * Times are CLOCK_MONOTONIC nanoseconds, comparable across processes.
 *
 * Window traffic: every inbound window is split into one slice per host
 * when the device says the windows are shared (ntb_shm); host S writes
 * slice S of host D's window. A pattern is a sequence of 64-bit words
 * derived from (seed, source, destination, window, word index).
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <rte_atomic.h>
#include <rte_common.h>

#include "test_host.h"
#include <rte_eal.h>
#include <rte_errno.h>

#include <rte_marlin_ntb.h>
#include <rte_pmd_ntb_shm.h>

#define MP_LINE_MAX 512
#define MP_MAX_MW 8
/* Bytes of a slice that a pattern covers (the whole slice if smaller). */
#define MP_PATTERN_MAX (256u * 1024u)

struct mp_host {
	uint16_t dev_id;
	struct rte_marlin_ntb_info info;
	void *mw[MP_MAX_MW];
	size_t mw_len[MP_MAX_MW];
	int hosts;
};

static struct mp_host mp;

/* splitmix64: a cheap, well-mixed word per index. */
static uint64_t
pattern_word(uint64_t seed, int src, int dst, int widx, uint64_t i)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ull ^
		((uint64_t)src << 48) ^ ((uint64_t)dst << 40) ^
		((uint64_t)widx << 32) ^ i;

	return th_mix64(z + 0x9e3779b97f4a7c15ull);
}

static int
port_to_pidx(const char *arg, int *pidx, int *port)
{
	char *end;
	long p = strtol(arg, &end, 0);
	int rc;

	if (*arg == '\0' || *end != '\0' || p < 0 || p > 1000) {
		th_reply("ERR bad port '%s'", arg);
		return -EINVAL;
	}
	rc = rte_marlin_ntb_peer_port_idx(mp.dev_id, (int)p);
	if (rc < 0) {
		th_reply("ERR port %ld is not a peer: %s", p, strerror(-rc));
		return rc;
	}
	*pidx = rc;
	*port = (int)p;
	return 0;
}

static size_t
slice_len(size_t win_len)
{
	size_t s = mp.info.mw_shared ? win_len / (size_t)mp.hosts : win_len;

	s &= ~(size_t)7;
	return RTE_MIN(s, (size_t)MP_PATTERN_MAX);
}

static size_t
slice_off(size_t win_len, int src)
{
	return mp.info.mw_shared ? win_len / (size_t)mp.hosts * (size_t)src : 0;
}

/* write PORT SEED: our pattern into every window of the peer. */
static void
cmd_write(int pidx, int port, uint64_t seed)
{
	size_t total = 0;
	int w, n = rte_marlin_ntb_peer_mw_count(mp.dev_id, pidx);

	if (n <= 0) {
		th_reply("ERR peer_mw_count: %d", n);
		return;
	}
	for (w = 0; w < n; w++) {
		void *base;
		size_t len, off, cnt, i;
		volatile uint64_t *p;
		int rc = rte_marlin_ntb_peer_mw_get_addr(mp.dev_id, pidx, w,
				&base, &len);

		if (rc != 0) {
			th_reply("ERR peer_mw_get_addr(port %d, widx %d): %s", port, w,
				strerror(-rc));
			return;
		}
		off = slice_off(len, mp.info.port);
		cnt = slice_len(len) / 8;
		p = (volatile uint64_t *)((char *)base + off);
		for (i = 0; i < cnt; i++)
			p[i] = pattern_word(seed, mp.info.port, port, w, i);
		total += cnt * 8;
	}
	rte_wmb();
	th_reply("OK bytes=%zu", total);
}

/*
 * verify PORT SEED: the peer's pattern is in our windows (expect = 1);
 * absent PORT SEED: not one word of it landed (expect = 0).
 */
static void
cmd_check(int port, uint64_t seed, int expect)
{
	size_t words = 0, found = 0;
	int w;

	rte_rmb();
	for (w = 0; w < mp.info.mw_count && w < MP_MAX_MW; w++) {
		size_t off = slice_off(mp.mw_len[w], port);
		size_t cnt = slice_len(mp.mw_len[w]) / 8, i;
		const volatile uint64_t *p = (const volatile uint64_t *)
			((char *)mp.mw[w] + off);

		for (i = 0; i < cnt; i++) {
			uint64_t want = pattern_word(seed, port, mp.info.port, w, i);
			uint64_t got = p[i];

			words++;
			if (got == want) {
				found++;
				continue;
			}
			if (expect) {
				th_reply("ERR widx %d offset %zu: got 0x%016" PRIx64
					", want 0x%016" PRIx64 " (pattern of port %d "
					"seed %" PRIu64 ")", w, off + i * 8, got,
					want, port, seed);
				return;
			}
		}
	}
	if (words == 0) {
		th_reply("ERR no window memory to check");
		return;
	}
	if (!expect && found != 0) {
		th_reply("ERR %zu of %zu words of port %d seed %" PRIu64
			" landed", found, words, port, seed);
		return;
	}
	th_reply("OK words=%zu", words);
}

static void
print_link(int pidx, int port, const char *prefix, uint64_t t)
{
	struct rte_marlin_ntb_link l;
	int rc = rte_marlin_ntb_link_get(mp.dev_id, pidx, &l);

	if (rc != 0) {
		th_reply("ERR link_get: %s", strerror(-rc));
		return;
	}
	th_reply("%s port=%d up=%d epoch=0x%" PRIx64 " speed=%d width=%d t_ns=%"
		PRIu64, prefix, port, l.up, l.peer_epoch, (int)l.speed,
		(int)l.width, t);
}

/* Poll every ms until the link with @pidx is @want, at most @ms. */
static int
wait_link(int pidx, int want, unsigned long ms, uint64_t *when)
{
	uint64_t deadline = th_now_ns() + (uint64_t)ms * 1000000u;
	struct rte_marlin_ntb_link l;

	for (;;) {
		rte_marlin_ntb_poll(mp.dev_id);
		*when = th_now_ns();
		if (rte_marlin_ntb_link_get(mp.dev_id, pidx, &l) == 0 &&
				!!l.up == want)
			return 0;
		if (*when >= deadline)
			return -ETIMEDOUT;
		th_sleep_us(1000);
	}
}

static void
cmd_db_wait(uint64_t bits, unsigned long ms)
{
	uint64_t deadline = th_now_ns() + (uint64_t)ms * 1000000u, got = 0;

	for (;;) {
		rte_marlin_ntb_poll(mp.dev_id);
		if (rte_marlin_ntb_db_read(mp.dev_id, &got) != 0)
			got = 0;
		if ((got & bits) == bits)
			break;
		if (th_now_ns() >= deadline) {
			th_reply("ERR timeout: doorbell bits 0x%" PRIx64 ", waited "
				"for 0x%" PRIx64, got, bits);
			return;
		}
		th_sleep_us(1000);
	}
	rte_marlin_ntb_db_clear(mp.dev_id, bits);
	th_reply("OK bits=0x%" PRIx64, got);
}

/* Between commands the harness waits: keep the device polled. */
static void
poll_device(void *arg)
{
	RTE_SET_USED(arg);
	rte_marlin_ntb_poll(mp.dev_id);
}

/* Returns 1 on quit. */
static int
handle(int argc, char **argv, void *arg)
{
	uint64_t a = 0, b = 0, c = 0, t;
	int pidx = 0, port = 0, rc;

	RTE_SET_USED(arg);

#define NEED_ARGS(n) do { if (argc != (n) + 1) { \
		th_reply("ERR %s takes %d argument(s)", argv[0], (n)); return 0; } \
	} while (0)
#define NUM(i, v) do { if (th_parse_u64(argv[i], &(v)) != 0) { \
		th_reply("ERR bad number '%s'", argv[i]); return 0; } } while (0)
#define PEER(i) do { if (port_to_pidx(argv[i], &pidx, &port) != 0) \
		return 0; } while (0)

	if (strcmp(argv[0], "quit") == 0) {
		return 1;
	} else if (strcmp(argv[0], "info") == 0) {
		char ports[MP_LINE_MAX] = "";
		size_t used = 0;
		int i;

		for (i = 0; i < mp.info.peer_count; i++) {
			int p = rte_marlin_ntb_peer_port_number(mp.dev_id, i);

			used += snprintf(ports + used, sizeof(ports) - used,
				"%s%d", i ? "," : "", p);
			if (used >= sizeof(ports))
				break;
		}
		th_reply("OK port=%d peers=%d ports=%s mw=%d peer_mw=%d spads=%d "
			"db_mask=0x%" PRIx64 " mw_shared=%d mw_len=%zu topo=%d",
			mp.info.port, mp.info.peer_count, ports, mp.info.mw_count,
			mp.info.peer_mw_count, mp.info.spad_count,
			mp.info.db_valid_mask, mp.info.mw_shared, mp.mw_len[0],
			(int)mp.info.topo);
	} else if (strcmp(argv[0], "enable") == 0) {
		rc = rte_marlin_ntb_link_enable(mp.dev_id,
				RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO);
		if (rc != 0)
			th_reply("ERR link_enable: %s", strerror(-rc));
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "disable") == 0) {
		rc = rte_marlin_ntb_link_disable(mp.dev_id);
		if (rc != 0)
			th_reply("ERR link_disable: %s", strerror(-rc));
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "link") == 0) {
		NEED_ARGS(1);
		PEER(1);
		rte_marlin_ntb_poll(mp.dev_id);
		print_link(pidx, port, "OK", th_now_ns());
	} else if (strcmp(argv[0], "wait_up") == 0 ||
			strcmp(argv[0], "wait_down") == 0) {
		int want = argv[0][5] == 'u';

		NEED_ARGS(2);
		PEER(1);
		NUM(2, a);
		if (!want)
			th_reply("WATCHING");
		if (wait_link(pidx, want, (unsigned long)a, &t) != 0) {
			th_reply("ERR timeout: link with port %d not %s after %"
				PRIu64 " ms", port, want ? "up" : "down", a);
			return 0;
		}
		print_link(pidx, port, "OK", t);
	} else if (strcmp(argv[0], "write") == 0) {
		NEED_ARGS(2);
		PEER(1);
		NUM(2, a);
		cmd_write(pidx, port, a);
	} else if (strcmp(argv[0], "verify") == 0 ||
			strcmp(argv[0], "absent") == 0) {
		NEED_ARGS(2);
		PEER(1);
		NUM(2, a);
		cmd_check(port, a, argv[0][0] == 'v');
	} else if (strcmp(argv[0], "db") == 0) {
		NEED_ARGS(2);
		PEER(1);
		NUM(2, a);
		rc = rte_marlin_ntb_peer_db_set(mp.dev_id, pidx, a);
		if (rc != 0)
			th_reply("ERR peer_db_set: %s (%d)", strerror(-rc), rc);
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "db_wait") == 0) {
		NEED_ARGS(2);
		NUM(1, a);
		NUM(2, b);
		cmd_db_wait(a, (unsigned long)b);
	} else if (strcmp(argv[0], "db_read") == 0) {
		rte_marlin_ntb_poll(mp.dev_id);
		rc = rte_marlin_ntb_db_read(mp.dev_id, &a);
		if (rc != 0)
			th_reply("ERR db_read: %s", strerror(-rc));
		else
			th_reply("OK bits=0x%" PRIx64, a);
	} else if (strcmp(argv[0], "peek") == 0) {
		/* peek OFF: the 64-bit word at OFF of inbound window 0 */
		NEED_ARGS(1);
		NUM(1, a);
		if (a > mp.mw_len[0] - 8 || a % 8 != 0) {
			th_reply("ERR offset %" PRIu64 " outside window 0", a);
			return 0;
		}
		rte_rmb();
		th_reply("OK val=0x%016" PRIx64,
			*(volatile uint64_t *)((char *)mp.mw[0] + a));
	} else if (strcmp(argv[0], "expose") == 0 ||
			strcmp(argv[0], "unexpose") == 0) {
		/* expose PEER OFF LEN rw|ro / unexpose PEER OFF LEN: a range
		 * of inbound window 0 (ranges mode, mw_ranges=1) */
		int expose = argv[0][0] == 'e';

		NEED_ARGS(expose ? 4 : 3);
		PEER(1);
		NUM(2, a);
		NUM(3, b);
		rc = expose ? rte_marlin_ntb_mw_expose(mp.dev_id, pidx, 0,
			(size_t)a, (size_t)b, strcmp(argv[4], "rw") == 0 ?
			RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE :
			RTE_MARLIN_NTB_MW_READ) :
			rte_marlin_ntb_mw_unexpose(mp.dev_id, pidx, 0, (size_t)a,
				(size_t)b);
		if (rc != 0)
			th_reply("ERR %s: %s", argv[0], strerror(-rc));
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "poke") == 0) {
		/* poke PEER OFF: a forked child stores one word at OFF of
		 * PEER's window 0; says whether it lived (ranges mode: stores
		 * outside the exposed ranges fault) */
		void *base;
		size_t size;

		NEED_ARGS(2);
		PEER(1);
		NUM(2, a);
		rc = rte_marlin_ntb_peer_mw_get_addr(mp.dev_id, pidx, 0, &base,
			&size);
		if (rc != 0 || a > size - 8 || a % 8 != 0) {
			th_reply("ERR poke: no window, or offset outside it");
			return 0;
		}
		th_store_probe((volatile uint64_t *)((char *)base + a),
			0x706f6b65);
	} else if (strcmp(argv[0], "ready") == 0) {
		/* ready PEER OFF LEN: is [OFF, +LEN) of PEER's window 0
		 * mapped here for writing (ranges mode: exposed to us)? */
		NEED_ARGS(3);
		PEER(1);
		NUM(2, a);
		NUM(3, b);
		rte_marlin_ntb_poll(mp.dev_id);
		rc = rte_marlin_ntb_peer_mw_range_ready(mp.dev_id, pidx, 0,
			(size_t)a, (size_t)b,
			RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE);
		if (rc < 0)
			th_reply("ERR ready: %s", strerror(-rc));
		else
			th_reply("OK ready=%d", rc);
	} else if (strcmp(argv[0], "spad_w") == 0) {
		NEED_ARGS(3);
		PEER(1);
		NUM(2, b);
		NUM(3, c);
		rc = rte_marlin_ntb_peer_spad_write(mp.dev_id, pidx, (int)b,
				(uint32_t)c);
		if (rc != 0)
			th_reply("ERR peer_spad_write: %s (%d)", strerror(-rc), rc);
		else
			th_reply("OK");
	} else if (strcmp(argv[0], "spad_r") == 0) {
		uint32_t v = 0;

		NEED_ARGS(2);
		PEER(1);
		NUM(2, b);
		rc = rte_marlin_ntb_spad_read(mp.dev_id, pidx, (int)b, &v);
		if (rc != 0)
			th_reply("ERR spad_read: %s (%d)", strerror(-rc), rc);
		else
			th_reply("OK val=0x%08x", v);
	} else {
		th_reply("ERR unknown command '%s'", argv[0]);
	}
	return 0;
#undef NEED_ARGS
#undef NUM
#undef PEER
}

static int
ctl_main(int argc, char **argv)
{
	char path[4096];
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: mp_host --ctl path FABRIC DIR\n"
			"       mp_host --ctl cut|restore FABRIC DIR A B\n");
		return 2;
	}
	rc = rte_pmd_ntb_shm_fabric_path(argv[3], argv[4][0] ? argv[4] : NULL,
			path, sizeof(path));
	if (rc != 0) {
		fprintf(stderr, "fabric_path: %s\n", strerror(-rc));
		return 1;
	}
	if (strcmp(argv[2], "path") == 0) {
		printf("%s\n", path);
		return 0;
	}
	if (argc != 7 || (strcmp(argv[2], "cut") != 0 &&
			strcmp(argv[2], "restore") != 0)) {
		fprintf(stderr, "mp_host --ctl: bad arguments\n");
		return 2;
	}
	rc = rte_pmd_ntb_shm_link_cut(path, atoi(argv[5]), atoi(argv[6]),
			strcmp(argv[2], "cut") == 0);
	if (rc != 0) {
		fprintf(stderr, "link_cut(%s, %s, %s): %s\n", path, argv[5],
			argv[6], strerror(-rc));
		return 1;
	}
	printf("OK %s %s %s\n", argv[2], argv[5], argv[6]);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc, w, id;

	if (argc >= 2 && strcmp(argv[1], "--ctl") == 0)
		return ctl_main(argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		th_reply("FATAL rte_eal_init: %s", rte_strerror(rte_errno));
		return 1;
	}
	id = rte_marlin_ntb_get_by_name("ntb_shm0");
	if (id < 0) {
		th_reply("FATAL no device ntb_shm0: %s", strerror(-id));
		rc = 1;
		goto out;
	}
	mp.dev_id = (uint16_t)id;
	rc = rte_marlin_ntb_info_get(mp.dev_id, &mp.info);
	if (rc != 0) {
		th_reply("FATAL info_get: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	mp.hosts = mp.info.peer_count + 1;
	for (w = 0; w < mp.info.mw_count && w < MP_MAX_MW; w++) {
		rc = rte_marlin_ntb_mw_alloc(mp.dev_id, 0, w, 0, &mp.mw[w],
				&mp.mw_len[w]);
		if (rc != 0) {
			th_reply("FATAL mw_alloc(widx %d): %s", w, strerror(-rc));
			rc = 1;
			goto out;
		}
	}
	th_reply("READY port=%d peers=%d pid=%d", mp.info.port, mp.info.peer_count,
		(int)getpid());
	rc = th_command_loop(poll_device, handle, NULL) == 0 ? 0 : 1;
	rte_marlin_ntb_link_disable(mp.dev_id);
	for (w = 0; w < mp.info.mw_count && w < MP_MAX_MW; w++)
		rte_marlin_ntb_mw_free(mp.dev_id, 0, w);
	th_reply("BYE");
out:
	rte_eal_cleanup();
	return rc;
}
