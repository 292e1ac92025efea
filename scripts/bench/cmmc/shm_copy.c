/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * shm_copy: single-core memcpy bandwidth into a shared file mapping, the
 * kind of memory every cross-process copy writes into (an ntb_shm window on
 * hugetlbfs, a UCX sysv segment). A reference next to marlin-copy-bench,
 * whose source and destination are private heap buffers.
 *
 *   shm_copy SIZE TOTAL_BYTES CORE DIR
 *
 * The source is a private SIZE-byte buffer, the destination a SIZE-byte
 * MAP_SHARED mapping of a file created (and removed at once) in DIR. SIZE
 * bytes are copied back to back until TOTAL_BYTES moved, five times; the
 * best of the five is printed as {"gbs": ...} (1e9 B/s).
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "test_host.h"

int
main(int argc, char **argv)
{
	size_t size, total, map_len, moved;
	double best = 0;
	char path[4096];
	cpu_set_t set;
	void *dst, *src;
	int fd, r;

	if (argc != 5) {
		fprintf(stderr, "usage: shm_copy SIZE TOTAL_BYTES CORE DIR\n");
		return 2;
	}
	size = strtoull(argv[1], NULL, 0);
	total = (size_t)strtod(argv[2], NULL);
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[3]), &set);
	if (size == 0 || sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "bad size or core\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/marlin-shm-copy-%d", argv[4], getpid());
	fd = open(path, O_CREAT | O_RDWR | O_EXCL, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	unlink(path);
	map_len = (size + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	if (ftruncate(fd, (off_t)map_len) != 0) {
		fprintf(stderr, "ftruncate: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	dst = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	src = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
	if (dst == MAP_FAILED || src == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	for (r = 0; r < 5; r++) {
		double t = ((double)th_now_ns() * 1e-9), gbs;

		for (moved = 0; moved < total; moved += size) {
			memcpy(dst, src, size);
			__asm__ volatile("" : : : "memory");
		}
		gbs = (double)moved / (((double)th_now_ns() * 1e-9) - t) / 1e9;
		if (gbs > best)
			best = gbs;
	}
	printf("{\"gbs\": %.3f}\n", best);
	munmap(dst, map_len);
	free(src);
	return 0;
}
