/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the cpu DMA engine: the copy routines (every source and
 * destination alignment 0..63, lengths 0..300 and large ones, canaries
 * around the destination) for each instruction set the CPU has, the same
 * sweep through the engine with streaming stores forced on, ring
 * semantics (indices, -ENOSPC, submit, wrap past 65535, silent queues),
 * statistics, stop/start, devargs, and the direct create call.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dma_test.h"

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_dma.h"
#include "rte_pmd_dma_cpu.h"
#include "rte_marlin_copy.h"

#define CANARY 0xa5
#define GUARD 64

/* Source pattern that differs at every offset and from the canary. */
static void
fill_src(uint8_t *s, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (uint8_t)(i * 7 + seed * 13 + 1) == CANARY ?
			0x5a : (uint8_t)(i * 7 + seed * 13 + 1);
}

/*
 * Check dst[GUARD + off, + len) == src[soff, + len) and that every byte
 * around it in a window of @p win bytes still holds the canary.
 */
static int
check_copy(const uint8_t *dstwin, size_t win, size_t off, const uint8_t *src,
		size_t len)
{
	size_t i;

	if (memcmp(dstwin + GUARD + off, src, len) != 0)
		return -1;
	for (i = 0; i < GUARD + off; i++)
		if (dstwin[i] != CANARY)
			return -2;
	for (i = GUARD + off + len; i < win; i++)
		if (dstwin[i] != CANARY)
			return -3;
	return 0;
}

/* ---- copy routines ------------------------------------------------------- */

typedef int (*copy_cb)(void *ctx, void *dst, const void *src, size_t len);

static int
routine_cb(void *ctx, void *dst, const void *src, size_t len)
{
	rte_marlin_copy_fn fn = (rte_marlin_copy_fn)ctx;

	fn(dst, src, len);
	rte_marlin_copy_fence();
	return 0;
}

/* Every (src, dst) alignment 0..63 x lengths 0..300, then large lengths. */
static void
sweep(copy_cb cb, void *ctx, const char *what)
{
	static const size_t large[] = {
		4096, 4097, 65535, 65536 + 63, (1u << 20) + 13, (3u << 20) + 5,
	};
	static const size_t large_doff[] = { 0, 1, 31, 32, 63 };
	static const size_t large_soff[] = { 0, 7, 63 };
	const size_t small_win = GUARD + 64 + 300 + GUARD;
	const size_t big = (3u << 20) + 5 + 64;
	uint8_t *src = malloc(big), *dst = malloc(big + 2 * GUARD);
	size_t soff, doff, len, i, j, k;
	int rc;

	assert_non_null(src);
	assert_non_null(dst);
	fill_src(src, big, 3);
	for (soff = 0; soff < 64; soff++) {
		for (doff = 0; doff < 64; doff++) {
			for (len = 0; len <= 300; len++) {
				memset(dst, CANARY, small_win);
				assert_int_equal(cb(ctx, dst + GUARD + doff,
						src + soff, len), 0);
				rc = check_copy(dst, small_win, doff, src + soff, len);
				if (rc != 0)
					fail_msg("%s: src align %zu dst align %zu len %zu: %s",
						what, soff, doff, len,
						rc == -1 ? "data differs" :
						"canary overwritten");
			}
		}
	}
	for (i = 0; i < RTE_DIM(large); i++) {
		for (j = 0; j < RTE_DIM(large_doff); j++) {
			for (k = 0; k < RTE_DIM(large_soff); k++) {
				size_t win = GUARD + large_doff[j] + large[i] + GUARD;

				memset(dst, CANARY, win);
				assert_int_equal(cb(ctx, dst + GUARD + large_doff[j],
						src + large_soff[k], large[i]), 0);
				rc = check_copy(dst, win, large_doff[j],
						src + large_soff[k], large[i]);
				if (rc != 0)
					fail_msg("%s: src align %zu dst align %zu len %zu: %s",
						what, large_soff[k], large_doff[j],
						large[i], rc == -1 ? "data differs" :
						"canary overwritten");
			}
		}
	}
	free(src);
	free(dst);
}

static void
test_routines(void **state)
{
	static const enum rte_marlin_copy_isa isas[] = {
		RTE_MARLIN_COPY_NT_NONE, RTE_MARLIN_COPY_NT_SSE2, RTE_MARLIN_COPY_NT_AVX2,
		RTE_MARLIN_COPY_NT_AVX512,
	};
	unsigned int i, ran = 0;

	(void)state;
	for (i = 0; i < RTE_DIM(isas); i++) {
		rte_marlin_copy_fn fn = rte_marlin_copy_nt_fn(isas[i]);

		if (fn == NULL) {
			print_message("copy routine %s: not supported by this CPU, not tested\n",
				rte_marlin_copy_isa_name(isas[i]));
			continue;
		}
		sweep(routine_cb, (void *)fn, rte_marlin_copy_isa_name(isas[i]));
		ran++;
	}
#ifdef RTE_ARCH_X86_64
	assert_true(ran >= 2); /* memcpy and SSE2 at least */
#endif
	assert_int_equal(rte_marlin_copy_isa_supported(RTE_MARLIN_COPY_NT_NONE), 1);
	assert_string_equal(rte_marlin_copy_isa_name(RTE_MARLIN_COPY_NT_AVX2), "avx2");
}

/* ---- the engine --------------------------------------------------------- */

struct engine_ctx {
	int id;
	uint16_t next;
	int flags_round;
};

/* Copy through the engine: enqueue, submit, collect, check the index. */
static int
engine_cb(void *p, void *dst, const void *src, size_t len)
{
	struct engine_ctx *e = p;
	static const uint64_t flags[] = {
		RTE_MARLIN_DMA_OP_FLAG_SUBMIT,
		0,
		RTE_MARLIN_DMA_OP_FLAG_FENCE | RTE_MARLIN_DMA_OP_FLAG_SUBMIT,
		RTE_MARLIN_DMA_OP_FLAG_LLC,
	};
	uint64_t f = flags[e->flags_round++ & 3];
	uint16_t last = 0;
	bool err = true;
	int idx;

	idx = rte_marlin_dma_copy(e->id, 0, src, dst, (uint32_t)len, f);
	if (idx != e->next)
		return -1;
	if (!(f & RTE_MARLIN_DMA_OP_FLAG_SUBMIT) &&
			rte_marlin_dma_submit(e->id, 0) != 0)
		return -2;
	if (rte_marlin_dma_completed(e->id, 0, 4, &last, &err) != 1 || err ||
			last != e->next)
		return -3;
	e->next++;
	return 0;
}

static void
test_engine_sweep(void **state)
{
	struct engine_ctx e = { 0 };
	int rc;

	(void)state;
	/* streaming stores for every copy from 1 byte up */
	rc = rte_vdev_init("dma_cpu_sweep", "nt_threshold=1");
	assert_int_equal(rc, 0);
	e.id = rte_marlin_dma_get_by_name("dma_cpu_sweep");
	assert_true(e.id >= 0);
	assert_int_equal(dma_test_configure_start(e.id, 1, 16, 0), 0);
	sweep(engine_cb, &e, "engine nt_threshold=1");
	assert_int_equal(rte_vdev_uninit("dma_cpu_sweep"), 0);
	assert_int_equal(rte_marlin_dma_get_by_name("dma_cpu_sweep"), -ENODEV);

	/* and with the SSE2 routine forced */
	if (rte_marlin_copy_isa_supported(RTE_MARLIN_COPY_NT_SSE2)) {
		rc = rte_vdev_init("dma_cpu_sse2", "nt_threshold=1,nt_isa=sse2");
		assert_int_equal(rc, 0);
		memset(&e, 0, sizeof(e));
		e.id = rte_marlin_dma_get_by_name("dma_cpu_sse2");
		assert_int_equal(dma_test_configure_start(e.id, 1, 16, 0), 0);
		sweep(engine_cb, &e, "engine nt_isa=sse2");
		assert_int_equal(rte_vdev_uninit("dma_cpu_sse2"), 0);
	}
}

static void
test_create_and_info(void **state)
{
	struct rte_marlin_dma_cpu_conf conf;
	struct rte_marlin_dma_info info;
	rte_iova_t iova = 0;
	uint8_t buf[16];
	int id, id2;

	(void)state;
	id = rte_marlin_dma_cpu_create("cpu_default", NULL);
	assert_true(id >= 0);
	assert_int_equal(rte_marlin_dma_cpu_create("cpu_default", NULL), -EEXIST);
	assert_int_equal(rte_marlin_dma_cpu_create("", NULL), -EINVAL);
	assert_int_equal(rte_marlin_dma_cpu_create(NULL, NULL), -EINVAL);
	memset(&conf, 0, sizeof(conf));
	conf.reserved[1] = 1;
	assert_int_equal(rte_marlin_dma_cpu_create("cpu_res", &conf), -EINVAL);

	assert_int_equal(rte_marlin_dma_info_get(id, &info), 0);
	assert_string_equal(info.name, "cpu_default");
	assert_string_equal(info.driver, "dma_cpu");
	assert_true(info.capa & RTE_MARLIN_DMA_CAPA_VA);
	assert_true(info.capa & RTE_MARLIN_DMA_CAPA_SYNC);
	assert_true(info.capa & RTE_MARLIN_DMA_CAPA_SILENT);
	assert_false(info.capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
#ifdef RTE_ARCH_X86_64
	assert_true(info.capa & RTE_MARLIN_DMA_CAPA_NT_STORES);
#endif
	assert_int_equal(info.max_queues, RTE_MARLIN_DMA_MAX_QUEUES);
	assert_int_equal(info.min_desc, 1);
	assert_int_equal(info.max_desc, 32768);
	assert_int_equal(info.max_copy_len, UINT32_MAX);
	/* any memory is fine; the IOVA is not used */
	assert_int_equal(rte_marlin_dma_mem_iova(id, buf, sizeof(buf), &iova), 0);
	assert_true(iova == RTE_BAD_IOVA);

	/* streaming stores off */
	memset(&conf, 0, sizeof(conf));
	conf.nt_threshold = 0;
	id2 = rte_marlin_dma_cpu_create("cpu_nont", &conf);
	assert_true(id2 >= 0);
	assert_int_equal(rte_marlin_dma_info_get(id2, &info), 0);
	assert_false(info.capa & RTE_MARLIN_DMA_CAPA_NT_STORES);

	assert_int_equal(rte_marlin_dma_close(id), 0);
	assert_int_equal(rte_marlin_dma_close(id2), 0);
}

static void
test_ring(void **state)
{
	uint8_t src[64], dst[64];
	uint16_t last = 1234;
	bool err = true;
	int status[16];
	int id, i;

	(void)state;
	fill_src(src, sizeof(src), 1);
	id = rte_marlin_dma_cpu_create("cpu_ring", NULL);
	assert_true(id >= 0);
	assert_int_equal(dma_test_configure_start(id, 2, 8, 0), 0);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 8);

	/* right after start nothing is complete; last_idx is 65535 */
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, &last, &err), 0);
	assert_int_equal(last, 65535);
	assert_false(err);

	for (i = 0; i < 8; i++) {
		memset(dst, 0, sizeof(dst));
		assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 64, 0), i);
		/* synchronous: the data is there at once */
		assert_memory_equal(dst, src, 64);
	}
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 64, 0), -ENOSPC);
	/* the other queue is independent */
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 1), 8);
	assert_int_equal(rte_marlin_dma_copy(id, 1, src, dst, 64,
			RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 0);

	/* not submitted: not complete */
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, &last, &err), 0);
	assert_int_equal(last, 65535);
	assert_int_equal(rte_marlin_dma_submit(id, 0), 0);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 3, &last, &err), 3);
	assert_int_equal(last, 2);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 3);
	memset(status, 0x7f, sizeof(status));
	assert_int_equal(rte_marlin_dma_completed_status(id, 0, 16, &last,
			status), 5);
	assert_int_equal(last, 7);
	for (i = 0; i < 5; i++)
		assert_int_equal(status[i], 0);
	assert_int_equal(status[5], 0x7f7f7f7f);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, &last, &err), 0);
	assert_int_equal(last, 7); /* unchanged when nothing new */
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 8);
	assert_int_equal(rte_marlin_dma_completed(id, 1, 8, &last, &err), 1);
	assert_int_equal(last, 0);

	/* zero-length copies are operations like any other */
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 0,
			RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 8);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, &last, NULL), 1);
	assert_int_equal(last, 8);

	/* stop: fast path refuses; start: indices restart at 0 */
	assert_int_equal(rte_marlin_dma_stop(id), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 64, 0), -ENODEV);
	assert_int_equal(rte_marlin_dma_start(id), 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 64,
			RTE_MARLIN_DMA_OP_FLAG_SUBMIT), 0);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 8, &last, NULL), 1);
	assert_int_equal(last, 0);
	assert_int_equal(rte_marlin_dma_close(id), 0);
}

/* 70000 operations: ring indices and last_idx wrap from 65535 to 0. */
static void
test_wrap(void **state)
{
	uint8_t src[32], dst[32];
	uint32_t total = 0, done = 0;
	uint16_t last;
	int id, idx, saw_wrap = 0;

	(void)state;
	fill_src(src, sizeof(src), 2);
	id = rte_marlin_dma_cpu_create("cpu_wrap", NULL);
	assert_true(id >= 0);
	assert_int_equal(dma_test_configure_start(id, 1, 64, 0), 0);
	while (total < 70000) {
		int burst = 50, i;

		for (i = 0; i < burst; i++) {
			idx = rte_marlin_dma_copy(id, 0, src, dst, sizeof(dst),
				i == burst - 1 ? RTE_MARLIN_DMA_OP_FLAG_SUBMIT : 0);
			assert_int_equal(idx, total & 0xffff);
			if (idx == 0 && total > 0)
				saw_wrap = 1;
			total++;
		}
		assert_int_equal(rte_marlin_dma_completed(id, 0, 64, &last, NULL),
				burst);
		done += burst;
		assert_int_equal(last, (done - 1) & 0xffff);
	}
	assert_true(saw_wrap);
	assert_int_equal(rte_marlin_dma_close(id), 0);
}

static void
test_silent_and_stats(void **state)
{
	struct rte_marlin_dma_stats st;
	uint8_t src[100], dst[100];
	uint16_t last = 99;
	int id, i;

	(void)state;
	fill_src(src, sizeof(src), 4);
	id = rte_marlin_dma_cpu_create("cpu_silent", NULL);
	assert_true(id >= 0);
	assert_int_equal(dma_test_configure_start(id, 1, 4,
			RTE_MARLIN_DMA_CONF_F_SILENT), 0);
	/* far more operations than slots: silent queues never fill up
	 * once submitted */
	for (i = 0; i < 100; i++)
		assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 100,
				RTE_MARLIN_DMA_OP_FLAG_SUBMIT), i);
	/* unsubmitted ones still take slots */
	for (i = 0; i < 4; i++)
		assert_true(rte_marlin_dma_copy(id, 0, src, dst, 10, 0) >= 0);
	assert_int_equal(rte_marlin_dma_copy(id, 0, src, dst, 10, 0), -ENOSPC);
	assert_int_equal(rte_marlin_dma_submit(id, 0), 0);
	assert_int_equal(rte_marlin_dma_burst_capacity(id, 0), 4);
	assert_int_equal(rte_marlin_dma_completed(id, 0, 16, &last, NULL), 0);

	assert_int_equal(rte_marlin_dma_stats_get(id, 0, &st), 0);
	assert_int_equal(st.submitted, 104);
	assert_int_equal(st.completed, 104);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.bytes, 100 * 100 + 4 * 10);
	assert_int_equal(rte_marlin_dma_stats_reset(id, RTE_MARLIN_DMA_ALL_QUEUES), 0);
	assert_int_equal(rte_marlin_dma_stats_get(id, RTE_MARLIN_DMA_ALL_QUEUES,
			&st), 0);
	assert_int_equal(st.submitted + st.completed + st.bytes, 0);
	assert_int_equal(rte_marlin_dma_close(id), 0);

	/* normal queue: counters follow submit and completion */
	id = rte_marlin_dma_cpu_create("cpu_stats", NULL);
	assert_true(id >= 0);
	assert_int_equal(dma_test_configure_start(id, 2, 16, 0), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(rte_marlin_dma_copy(id, 1, src, dst, 20, 0), i);
	assert_int_equal(rte_marlin_dma_stats_get(id, 1, &st), 0);
	assert_int_equal(st.submitted, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(rte_marlin_dma_submit(id, 1), 0);
	assert_int_equal(rte_marlin_dma_completed(id, 1, 2, &last, NULL), 2);
	assert_int_equal(rte_marlin_dma_stats_get(id, 1, &st), 0);
	assert_int_equal(st.submitted, 5);
	assert_int_equal(st.completed, 2);
	assert_int_equal(st.bytes, 100);
	assert_int_equal(rte_marlin_dma_stats_get(id, 0, &st), 0);
	assert_int_equal(st.submitted, 0);
	assert_int_equal(rte_marlin_dma_close(id), 0);
}

static void
test_devargs(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int id;

	(void)state;
	assert_true(rte_vdev_init("dma_cpu_bad1", "nt_threshold=abc") < 0);
	assert_true(rte_vdev_init("dma_cpu_bad2", "nt_threshold=-5") < 0);
	assert_true(rte_vdev_init("dma_cpu_bad3", "nt_threshold=8T") < 0);
	assert_true(rte_vdev_init("dma_cpu_bad4", "nt_threshold=5G") < 0);
	assert_true(rte_vdev_init("dma_cpu_bad5", "bogus=1") < 0);
	assert_true(rte_vdev_init("dma_cpu_bad6", "nt_isa=mmx") < 0);
	assert_int_equal(rte_marlin_dma_get_by_name("dma_cpu_bad1"), -ENODEV);

	assert_int_equal(rte_vdev_init("dma_cpu_k", "nt_threshold=4K"), 0);
	id = rte_marlin_dma_get_by_name("dma_cpu_k");
	assert_true(id >= 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(rte_marlin_dma_dump(id, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "from 4096 bytes"));
	free(text);
	/* the application may close a vdev engine; removal copes */
	assert_int_equal(rte_marlin_dma_close(id), 0);
	assert_int_equal(rte_vdev_uninit("dma_cpu_k"), 0);

	assert_int_equal(rte_vdev_init("dma_cpu_off", "nt_isa=none"), 0);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(rte_marlin_dma_dump(
			rte_marlin_dma_get_by_name("dma_cpu_off"), f), 0);
	fclose(f);
	assert_non_null(strstr(text, "streaming stores: off"));
	free(text);
	assert_int_equal(rte_vdev_uninit("dma_cpu_off"), 0);

	assert_int_equal(rte_vdev_init("dma_cpu_m", "nt_threshold=1M,nt_isa=auto"), 0);
	assert_int_equal(rte_vdev_uninit("dma_cpu_m"), 0);
	assert_int_equal(rte_vdev_init("dma_cpu_plain", NULL), 0);
	assert_int_equal(rte_vdev_uninit("dma_cpu_plain"), 0);
}

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "64", "--no-shconf", "--no-telemetry",
		"--file-prefix=ut_dma_cpu", "--log-level=lib.marlin.*:critical",
		"--log-level=pmd.dma.cpu:critical", "-l", "0",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routines),
		cmocka_unit_test(test_create_and_info),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_silent_and_stats),
		cmocka_unit_test(test_devargs),
		cmocka_unit_test(test_engine_sweep),
	};
	int rc;

	(void)argc;
	if (dma_test_eal_init(RTE_DIM(eal_args), eal_args) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dma_test_eal_cleanup();
	return rc;
}
