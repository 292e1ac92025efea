/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the dmadev DMA engine against DPDK's software dmadev,
 * dma_skeleton (a thread that copies what is submitted): copies verified
 * byte for byte, ring indices past 65535, fence, burst capacity and
 * -ENOSPC, stop/start/close, a dmadev that does not exist, the IOVA path
 * and its refusal of memory without an IOVA, and the mapping of dmadev
 * status codes.
 *
 * The skeleton driver is not linked: EAL loads it as a plugin with -d from
 * DPDK's driver directory. Without that file the test is skipped (77).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "rte_marlin_dma.h"
#include "rte_pmd_dma_dmadev.h"
#include "dmadev_status.h"

#define SKELETON_SO RTE_EAL_PMD_PATH "/librte_dma_skeleton.so"
#define WAIT_MS 5000

static void
fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed * 17 + 3);
}

/* Collect @p want completions on queue 0 within WAIT_MS; return how many
 * came (successful ones; stops at an error). */
static unsigned int
collect(int id, unsigned int want, uint16_t *last)
{
	uint64_t deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * WAIT_MS / 1000;
	unsigned int got = 0;
	bool err = false;

	while (got < want && rte_get_timer_cycles() < deadline) {
		uint16_t n = rte_marlin_dma_completed(id, 0,
				(uint16_t)RTE_MIN(want - got, 64u), last, &err);

		got += n;
		if (err)
			break;
		if (n == 0)
			rte_delay_us_sleep(50);
	}
	return got;
}

/* ---- lookup and creation ------------------------------------------------ */

static void
test_missing_dmadev(void **state)
{
	struct rte_marlin_dma_dmadev_conf conf;

	(void)state;
	assert_int_equal(rte_marlin_dma_dmadev_create("e_none", "no_such_dmadev",
			NULL), -ENODEV);
	assert_int_equal(rte_marlin_dma_dmadev_create("e_none", "999", NULL),
			-ENODEV);
	assert_int_equal(rte_marlin_dma_dmadev_create("e_none", "", NULL),
			-EINVAL);
	assert_int_equal(rte_marlin_dma_dmadev_create("e_none", NULL, NULL),
			-EINVAL);
	assert_int_equal(rte_marlin_dma_dmadev_create(NULL, "dma_skeleton0",
			NULL), -EINVAL);
	memset(&conf, 0, sizeof(conf));
	conf.reserved[2] = 1;
	assert_int_equal(rte_marlin_dma_dmadev_create("e_res", "dma_skeleton0",
			&conf), -EINVAL);
	conf.reserved[2] = 0;
	conf.flags = RTE_BIT64(9);
	assert_int_equal(rte_marlin_dma_dmadev_create("e_res", "dma_skeleton0",
			&conf), -EINVAL);
	/* vdev form: missing and unknown dmadev, unknown key, bad value */
	assert_true(rte_vdev_init("dma_dmadev_x1", "dmadev=no_such_dmadev") < 0);
	assert_true(rte_vdev_init("dma_dmadev_x2", NULL) < 0);
	assert_true(rte_vdev_init("dma_dmadev_x3", "dmadev=dma_skeleton0,bogus=1") < 0);
	assert_true(rte_vdev_init("dma_dmadev_x4", "dmadev=dma_skeleton0,iova=maybe") < 0);
	assert_int_equal(rte_marlin_dma_get_by_name("dma_dmadev_x1"), -ENODEV);
	assert_int_equal(rte_marlin_dma_get_by_name("e_none"), -ENODEV);
}

/* The engine given on the EAL command line (--vdev dma_dmadev0,...). */
static void
test_cmdline_engine(void **state)
{
	struct rte_marlin_dma_info info;
	struct rte_dma_info di;
	int id = rte_marlin_dma_get_by_name("dma_dmadev0");
	int16_t dma_id = rte_dma_get_dev_id_by_name("dma_skeleton0");

	(void)state;
	assert_true(id >= 0);
	assert_true(dma_id >= 0);
	assert_int_equal(rte_dma_info_get(dma_id, &di), 0);
	assert_int_equal(rte_marlin_dma_info_get(id, &info), 0);
	assert_string_equal(info.driver, "dma_dmadev");
	/* the skeleton takes virtual addresses */
	assert_true(info.capa & RTE_MARLIN_DMA_CAPA_VA);
	assert_false(info.capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
	assert_false(info.capa & RTE_MARLIN_DMA_CAPA_SYNC);
	assert_int_equal(info.max_queues, di.max_vchans);
	assert_int_equal(info.min_desc, di.min_desc);
	assert_int_equal(info.max_desc, di.max_desc);
	/* one engine per dmadev, by name or by id */
	assert_int_equal(rte_marlin_dma_dmadev_create("e_dup", "dma_skeleton0",
			NULL), -EBUSY);
	{
		char num[8];

		snprintf(num, sizeof(num), "%d", dma_id);
		assert_int_equal(rte_marlin_dma_dmadev_create("e_dup", num, NULL),
				-EBUSY);
	}
}

/* ---- data path ---------------------------------------------------------- */

static void
test_copies_verified(void **state)
{
	static const uint32_t lens[] = {
		1, 7, 63, 64, 65, 300, 4096, 4099, 65536, 100000, 1 << 20,
	};
	const size_t span = (1 << 20) + 4096;
	int id = rte_marlin_dma_get_by_name("dma_dmadev0");
	uint8_t *src = malloc(span), *dst = malloc(span + 128);
	struct rte_marlin_dma_stats st;
	uint64_t bytes = 0;
	unsigned int i, n = RTE_DIM(lens);
	uint16_t last = 0;
	int status[16];
	size_t off;

	(void)state;
	assert_non_null(src);
	assert_non_null(dst);
	assert_true(id >= 0);
	assert_int_equal(dma_test_configure_start(id, 1, 64, 0), 0);
	assert_int_equal(rte_marlin_dma_stats_reset(id, 0), 0);
	fill(src, span, 1);

	/* each length at an odd offset, checked with guard bytes */
	for (i = 0; i < n; i++) {
		memset(dst, 0xee, span + 128);
		off = 64 + (i * 13) % 64;
		assert_int_equal(rte_marlin_dma_copy(id, 0, src + (i * 7) % 64,
				dst + off, lens[i], RTE_MARLIN_DMA_OP_FLAG_SUBMIT),
				(int)i);
		bytes += lens[i];
		assert_int_equal(collect(id, 1, &last), 1);
		assert_int_equal(last, i);
		assert_memory_equal(dst + off, src + (i * 7) % 64, lens[i]);
		assert_int_equal(dst[off - 1], 0xee);
		assert_int_equal(dst[off + lens[i]], 0xee);
	}

	/* a burst with one doorbell, collected with per-op status */
	memset(dst, 0, span);
	for (i = 0; i < 16; i++)
		assert_int_equal(rte_marlin_dma_copy(id, 0, src + i * 4096,
				dst + i * 4096, 4096, 0), (int)(n + i));
	/* nothing completes before the doorbell */
	rte_delay_us_sleep(2000);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 16, &last, NULL), 0);
	assert_int_equal(last, n - 1);
	assert_int_equal(rte_marlin_dma_submit(id, 0), 0);
	bytes += 16 * 4096;
	{
		uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 5;
		unsigned int got = 0;

		while (got < 16 && rte_get_timer_cycles() < deadline) {
			uint16_t k = rte_marlin_dma_completed_status(id, 0,
					(uint16_t)(16 - got), &last, status);
			uint16_t j;

			for (j = 0; j < k; j++)
				assert_int_equal(status[j], 0);
			got += k;
			if (k == 0)
				rte_delay_us_sleep(50);
		}
		assert_int_equal(got, 16);
	}
	assert_int_equal(last, n + 15);
	assert_memory_equal(dst, src, 16 * 4096);

	assert_int_equal(rte_marlin_dma_stats_get(id, 0, &st), 0);
	assert_int_equal(st.submitted, n + 16);
	assert_int_equal(st.completed, n + 16);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.bytes, bytes);
	assert_int_equal(rte_marlin_dma_stop(id), 0);
	free(src);
	free(dst);
}

/* 70000 copies: Marlin's indices and last_idx wrap from 65535 to 0. */
static void
test_wrap(void **state)
{
	int id = rte_marlin_dma_get_by_name("dma_dmadev0");
	uint8_t src[256], dst[256];
	uint32_t total = 0, done = 0;
	uint16_t last = 0;
	int idx, saw_wrap = 0;

	(void)state;
	fill(src, sizeof(src), 2);
	assert_int_equal(dma_test_configure_start(id, 1, 512, 0), 0);
	while (total < 70000) {
		unsigned int burst = 200, i;

		for (i = 0; i < burst; i++) {
			src[0] = (uint8_t)total;
			idx = rte_marlin_dma_copy(id, 0, src, dst, sizeof(dst),
				i == burst - 1 ? RTE_MARLIN_DMA_OP_FLAG_SUBMIT : 0);
			assert_int_equal(idx, total & 0xffff);
			if (idx == 0 && total > 0)
				saw_wrap = 1;
			total++;
		}
		assert_int_equal(collect(id, burst, &last), burst);
		done += burst;
		assert_int_equal(last, (done - 1) & 0xffff);
	}
	/* the last copy carried the last source byte */
	assert_int_equal(dst[0], (uint8_t)(total - 1));
	assert_memory_equal(dst + 1, src + 1, sizeof(dst) - 1);
	assert_true(saw_wrap);
	assert_int_equal(rte_marlin_dma_stop(id), 0);
}

/* A fenced copy reads what the copy before it wrote. */
static void
test_fence(void **state)
{
	const size_t len = 1 << 20;
	int id = rte_marlin_dma_get_by_name("dma_dmadev0");
	uint8_t *a = malloc(len), *b = calloc(1, len), *c = calloc(1, len);
	uint16_t last;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	fill(a, len, 3);
	assert_int_equal(dma_test_configure_start(id, 1, 64, 0), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, a, b, len, 0), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, b, c, len,
			RTE_MARLIN_DMA_OP_FLAG_FENCE | RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 1);
	assert_int_equal(collect(id, 2, &last), 2);
	assert_int_equal(last, 1);
	assert_memory_equal(c, a, len);
	assert_int_equal(rte_marlin_dma_stop(id), 0);
	free(a);
	free(b);
	free(c);
}

static void
test_capacity(void **state)
{
	int id = rte_marlin_dma_get_by_name("dma_dmadev0");
	uint8_t src[64], dst[64];
	uint16_t cap, cap2, last;
	unsigned int taken = 0;
	int rc;

	(void)state;
	fill(src, sizeof(src), 4);
	assert_int_equal(dma_test_configure_start(id, 1, 32, 0), 0);
	cap = rte_marlin_dma_burst_capacity(id, 0);
	assert_true(cap > 0 && cap <= 32);
	for (;;) {
		rc = rte_marlin_dma_copy(id, 0, src, dst, sizeof(dst), 0);
		if (rc < 0)
			break;
		assert_int_equal(rc, taken);
		taken++;
		assert_true(taken <= 64);
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(taken, cap);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 0);
	assert_int_equal(rte_marlin_dma_submit(id, 0), 0);
	assert_int_equal(collect(id, taken, &last), taken);
	assert_int_equal(last, taken - 1);
	cap2 = rte_marlin_dma_burst_capacity(id, 0);
	assert_int_equal(cap2, cap);
	/* configuration the skeleton refuses is passed on */
	assert_int_equal(rte_marlin_dma_stop(id), 0);
	{
		struct rte_marlin_dma_conf c;

		memset(&c, 0, sizeof(c));
		c.nb_queues = 1;
		c.nb_desc = 100; /* not a power of two */
		assert_int_equal(rte_marlin_dma_configure(id, &c), -EINVAL);
		c.nb_queues = 2; /* skeleton has one vchan */
		c.nb_desc = 64;
		assert_int_equal(rte_marlin_dma_configure(id, &c), -EINVAL);
	}
}

/* Stop with work in flight returns in bounded time; start restarts the
 * indices; close frees the dmadev for a new engine. */
static void
test_stop_start_close(void **state)
{
	uint8_t src[128], dst[128];
	uint64_t t0;
	uint16_t last;
	int id, id2, i;

	(void)state;
	fill(src, sizeof(src), 5);
	assert_int_equal(rte_vdev_init("dma_skeleton1", NULL), 0);
	id = rte_marlin_dma_dmadev_create("e_stop", "dma_skeleton1", NULL);
	assert_true(id >= 0);
	assert_int_equal(dma_test_configure_start(id, 1, 64, 0), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, sizeof(dst),
				0), i);
	/* never submitted: stop gives up waiting after a bounded time */
	t0 = rte_get_timer_cycles();
	assert_int_equal(rte_marlin_dma_stop(id), 0);
	assert_true(rte_get_timer_cycles() - t0 < rte_get_timer_hz() * 2);
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, sizeof(dst), 0),
			-ENODEV);
	assert_int_equal(rte_marlin_dma_start(id), 0);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, sizeof(dst),
			RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 0);
	assert_int_equal(collect(id, 1, &last), 1);
	assert_int_equal(last, 0);
	assert_memory_equal(dst, src, sizeof(dst));
	/* close a started engine; the dmadev is free again */
	assert_int_equal(rte_marlin_dma_close(id), 0);
	assert_int_equal(rte_marlin_dma_get_by_name("e_stop"), -ENODEV);

	/* the vdev form on the same dmadev */
	assert_int_equal(rte_vdev_init("dma_dmadev_v", "dmadev=dma_skeleton1"), 0);
	id2 = rte_marlin_dma_get_by_name("dma_dmadev_v");
	assert_true(id2 >= 0);
	assert_int_equal(dma_test_configure_start(id2, 1, 32, 0), 0);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(rte_marlin_dma_copy(id2, 0, src, dst, 100,
			RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 0);
	assert_int_equal(collect(id2, 1, &last), 1);
	assert_memory_equal(dst, src, 100);
	assert_int_equal(dst[100], 0);
	assert_int_equal(rte_vdev_uninit("dma_dmadev_v"), 0);
	assert_int_equal(rte_marlin_dma_get_by_name("dma_dmadev_v"), -ENODEV);
	assert_int_equal(rte_vdev_uninit("dma_skeleton1"), 0);
}

/* IO addresses: checked once per region, then used on the fast path. */
static void
test_iova_path(void **state)
{
	struct rte_marlin_dma_dmadev_conf conf;
	struct rte_marlin_dma_info info;
	const size_t len = 256 * 1024;
	uint8_t *src, *dst, *plain;
	rte_iova_t si = 0, di = 0, pi = 0;
	uint16_t last;
	int id, rc;

	(void)state;
	assert_int_equal(rte_vdev_init("dma_skeleton2", NULL), 0);
	memset(&conf, 0, sizeof(conf));
	conf.flags = RTE_MARLIN_DMA_DMADEV_F_IOVA;
	id = rte_marlin_dma_dmadev_create("e_iova", "dma_skeleton2", &conf);
	if (rte_eal_iova_mode() != RTE_IOVA_VA) {
		/* the skeleton reads addresses as virtual: refused */
		assert_int_equal(id, -EINVAL);
		print_message("not in IOVA-as-VA mode: IOVA copies not run\n");
		assert_int_equal(rte_vdev_uninit("dma_skeleton2"), 0);
		return;
	}
	assert_true(id >= 0);
	assert_int_equal(rte_marlin_dma_info_get(id, &info), 0);
	assert_true(info.capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
	assert_false(info.capa & RTE_MARLIN_DMA_CAPA_VA);

	src = rte_malloc("dma_test_src", len, 4096);
	dst = rte_malloc("dma_test_dst", len, 4096);
	plain = malloc(len);
	assert_non_null(src);
	assert_non_null(dst);
	assert_non_null(plain);

	/* DPDK memory has an IOVA; libc memory is refused at setup */
	assert_int_equal(rte_marlin_dma_mem_iova(id, src, len, &si), 0);
	assert_true(si == rte_malloc_virt2iova(src));
	assert_int_equal(rte_marlin_dma_mem_iova(id, dst, len, &di), 0);
	assert_true(di == rte_malloc_virt2iova(dst));
	rc = rte_marlin_dma_mem_iova(id, plain, len, &pi);
	assert_int_equal(rc, -EINVAL);

	fill(src, len, 6);
	memset(dst, 0, len);
	assert_int_equal(dma_test_configure_start(id, 1, 64, 0), 0);
	assert_int_equal(rte_marlin_dma_copy_iova(id, 0, src + 100, si + 100,
			dst + 3, di + 3, len - 200, RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 0);
	assert_int_equal(collect(id, 1, &last), 1);
	assert_memory_equal(dst + 3, src + 100, len - 200);
	assert_int_equal(dst[2], 0);
	assert_int_equal(dst[3 + len - 200], 0);

	/* VA engines report no IOVA, and need none */
	assert_int_equal(rte_marlin_dma_mem_iova(
			rte_marlin_dma_get_by_name("dma_dmadev0"), plain, len, &pi), 0);
	assert_true(pi == RTE_BAD_IOVA);

	assert_int_equal(rte_marlin_dma_close(id), 0);
	assert_int_equal(rte_vdev_uninit("dma_skeleton2"), 0);
	rte_free(src);
	rte_free(dst);
	free(plain);
}

static void
test_status_map(void **state)
{
	(void)state;
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_SUCCESSFUL), 0);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_USER_ABORT), -ECANCELED);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_NOT_ATTEMPTED), -ECANCELED);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_INVALID_SRC_ADDR), -EFAULT);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_INVALID_DST_ADDR), -EFAULT);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_INVALID_ADDR), -EFAULT);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_PAGE_FAULT), -EFAULT);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_INVALID_LENGTH), -EINVAL);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_INVALID_OPCODE), -ENOTSUP);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_BUS_READ_ERROR), -EIO);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_BUS_WRITE_ERROR), -EIO);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_BUS_ERROR), -EIO);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_DATA_POISION), -EIO);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR), -EIO);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_DEV_LINK_ERROR), -EIO);
	assert_int_equal(ddev_status_to_errno(RTE_DMA_STATUS_ERROR_UNKNOWN), -EIO);
	assert_int_equal(ddev_status_to_errno((enum rte_dma_status_code)0x7777), -EIO);
}

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "128", "--no-shconf", "--no-telemetry",
		"--file-prefix=ut_dma_dmadev", "-l", "0",
		"-d", SKELETON_SO,
		"--vdev=dma_skeleton0",
		"--vdev=dma_dmadev0,dmadev=dma_skeleton0",
		"--log-level=lib.marlin.*:critical",
		"--log-level=pmd.dma.dmadev:critical",
		"--log-level=dma.skeleton:critical",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_map),
		cmocka_unit_test(test_missing_dmadev),
		cmocka_unit_test(test_cmdline_engine),
		cmocka_unit_test(test_copies_verified),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_fence),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_stop_start_close),
		cmocka_unit_test(test_iova_path),
	};
	int rc, id;

	(void)argc;
	if (access(SKELETON_SO, R_OK) != 0) {
		printf("SKIP: DPDK's dma_skeleton driver (%s) is not installed\n",
			SKELETON_SO);
		return 77;
	}
	if (dma_test_eal_init(RTE_DIM(eal_args), eal_args) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	id = rte_marlin_dma_get_by_name("dma_dmadev0");
	if (id >= 0)
		rte_marlin_dma_close(id);
	rte_vdev_uninit("dma_skeleton0");
	dma_test_eal_cleanup();
	return rc;
}
