/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The fake DMA driver of the DMA class unit tests (test_dma_*.c): its ops
 * record what the class asks of them (struct fake_priv). One program per
 * build (test_dma_class.c, plain and RTE_MARLIN_DEBUG) runs every file's
 * group.
 */

#ifndef DMA_CLASS_FAKE_H
#define DMA_CLASS_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rte_marlin_dma.h"
#include "rte_marlin_dma_driver.h"

#define FAKE_QUEUES 4

struct fake_priv {
	uint64_t capa;
	int configure_rc;
	int start_rc;
	int configure_calls, start_calls, stop_calls, close_calls;
	struct rte_marlin_dma_conf last_conf;
	/* last copy */
	uint16_t copy_qid;
	const void *copy_src;
	void *copy_dst;
	rte_iova_t copy_src_iova, copy_dst_iova;
	uint32_t copy_len;
	uint64_t copy_flags;
	int copy_calls, submit_calls;
	struct rte_marlin_dma_stats stats[FAKE_QUEUES];
	int stats_reset_calls;
	void *fp_priv_seen;
};

/* counts f_close calls of any fake engine while set */
extern int *g_close_counter;
/* every control op of the fake driver */
extern const struct rte_marlin_dma_ops full_ops;
/* the mandatory ops only */
extern const struct rte_marlin_dma_ops min_ops;
/* the fake fast path */
extern const struct rte_marlin_dma_fp_ops fake_fp;

/* Allocate fake engine @name with @ops and capabilities @capa (asserts). */
struct rte_marlin_dma_dev *fake_new(const char *name,
		const struct rte_marlin_dma_ops *ops, uint64_t capa);

/* A configuration of @nb_queues queues of @nb_desc descriptors. */
struct rte_marlin_dma_conf conf_of(uint16_t nb_queues, uint32_t nb_desc);

/* The test groups, one per file, and their lengths. */
extern const struct CMUnitTest dma_ops_tests[];      /* layout, ops, table */
extern const size_t dma_ops_tests_n;
extern const struct CMUnitTest dma_config_tests[];   /* configure, state */
extern const size_t dma_config_tests_n;
extern const struct CMUnitTest dma_dispatch_tests[]; /* fast path */
extern const size_t dma_dispatch_tests_n;
extern const struct CMUnitTest dma_stats_tests[];    /* stats, iova, dump */
extern const size_t dma_stats_tests_n;

#endif /* DMA_CLASS_FAKE_H */
