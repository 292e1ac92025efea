/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Peers for the HRDMA benchmark that need no library: the bandwidth of
 * process_vm_writev() between two processes pinned to two cores, and a
 * plain single-core memcpy loop (used when marlin-copy-bench is not built).
 * Built by meson with -Dbenchmarks=true (scripts/bench/meson.build).
 *
 *   pvw_bw pvw  SIZE ITERS WRITER_CORE TARGET_CORE
 *       a child pinned to TARGET_CORE owns a SIZE-byte buffer; the parent,
 *       pinned to WRITER_CORE, writes SIZE bytes into it ITERS times with
 *       process_vm_writev() (after ITERS/10 untimed calls)
 *   pvw_bw copy SIZE TOTAL_BYTES CORE
 *       memcpy of SIZE bytes between two SIZE-byte buffers, repeated until
 *       TOTAL_BYTES moved, pinned to CORE
 *
 * Output: one JSON object on stdout; GB/s = 1e9 B/s.
 */

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_host.h"

static int
pin(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void *
buffer(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, size) != 0)
		return NULL;
	memset(p, 0x5a, size);
	return p;
}

static int
run_pvw(size_t size, long iters, int wcore, int tcore)
{
	int up[2], down[2];
	uintptr_t addr = 0;
	pid_t child;
	char *src;
	double t0, t1;
	long i, warm = iters / 10;
	int status;

	if (pipe(up) != 0 || pipe(down) != 0) {
		perror("pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		char *dst, c;

		close(up[0]);
		close(down[1]);
		if (pin(tcore) != 0)
			_exit(2);
		dst = buffer(size);
		if (dst == NULL)
			_exit(3);
		addr = (uintptr_t)dst;
		if (write(up[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(4);
		/* Sleep until the writer is done (EOF). */
		while (read(down[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (pin(wcore) != 0 || read(up[0], &addr, sizeof(addr)) !=
			sizeof(addr)) {
		fprintf(stderr, "pvw: child did not start\n");
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return 1;
	}
	src = buffer(size);
	if (src == NULL)
		return 1;
	t0 = 0;
	for (i = 0; i < warm + iters; i++) {
		struct iovec l = { src, size };
		struct iovec r = { (void *)addr, size };
		ssize_t n;

		if (i == warm)
			t0 = ((double)th_now_ns() * 1e-9);
		n = process_vm_writev(child, &l, 1, &r, 1, 0);
		if (n != (ssize_t)size) {
			fprintf(stderr, "pvw: process_vm_writev: %s\n",
				n < 0 ? strerror(errno) : "short write");
			close(down[1]);
			waitpid(child, &status, 0);
			return 1;
		}
	}
	t1 = ((double)th_now_ns() * 1e-9);
	close(down[1]);
	waitpid(child, &status, 0);
	printf("{\"test\": \"process_vm_writev\", \"bytes\": %zu, "
	       "\"iterations\": %ld, \"seconds\": %.6f, \"gbs\": %.3f, "
	       "\"us_per_call\": %.3f, \"cores\": [%d, %d]}\n", size, iters,
	       t1 - t0, (double)size * (double)iters / (t1 - t0) / 1e9,
	       (t1 - t0) / (double)iters * 1e6, wcore, tcore);
	free(src);
	return 0;
}

static int
run_copy(size_t size, double total, int core)
{
	char *a, *b;
	double t0, t1;
	long i, n = (long)(total / (double)size) + 1;

	if (pin(core) != 0) {
		perror("sched_setaffinity");
		return 1;
	}
	a = buffer(size);
	b = buffer(size);
	if (a == NULL || b == NULL)
		return 1;
	for (i = 0; i < n / 10 + 1; i++)
		memcpy(b, a, size);
	t0 = ((double)th_now_ns() * 1e-9);
	for (i = 0; i < n; i++) {
		memcpy(b, a, size);
		__asm__ volatile("" : : "r"(b) : "memory");
	}
	t1 = ((double)th_now_ns() * 1e-9);
	printf("{\"test\": \"memcpy\", \"bytes\": %zu, \"iterations\": %ld, "
	       "\"seconds\": %.6f, \"gbs\": %.3f, \"core\": %d}\n", size, n,
	       t1 - t0, (double)size * (double)n / (t1 - t0) / 1e9, core);
	free(a);
	free(b);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "pvw") == 0)
		return run_pvw(strtoul(argv[2], NULL, 0),
			       strtol(argv[3], NULL, 0), atoi(argv[4]),
			       atoi(argv[5]));
	if (argc == 5 && strcmp(argv[1], "copy") == 0)
		return run_copy(strtoul(argv[2], NULL, 0),
				strtod(argv[3], NULL), atoi(argv[4]));
	fprintf(stderr, "usage: %s pvw SIZE ITERS WRITER_CORE TARGET_CORE\n"
		"       %s copy SIZE TOTAL_BYTES CORE\n", argv[0], argv[0]);
	return 2;
}
