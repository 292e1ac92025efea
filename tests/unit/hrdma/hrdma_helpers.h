/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


#ifndef HRDMA_HELPERS_H
#define HRDMA_HELPERS_H

/* Shared by the HRDMA unit test files (test_hrdma.c, test_hrdma_fault.c and
 * hrdma_helpers.c). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "rte_pmd_dma_dmadev.h"
#include "hrdma_private.h"
#include "fake_ntb_pair.h"

#define WIN_LEN (4u << 20)

extern struct fake_ntb_pair pair;

struct fixture {
	struct rte_marlin_ntb_dev *dev[2];
	struct rte_marlin_hrdma_channel *ch[2];
	struct rte_marlin_hrdma_qp *qp[2];
};

/* hrdma_helpers.c */
struct rte_marlin_hrdma_conf conf_default(void);
void poll_both(struct fixture *f, int rounds);
int setup_with(void **state, const struct rte_marlin_hrdma_conf *c0,
		const struct rte_marlin_hrdma_conf *c1);
int setup(void **state);
int teardown(void **state);
void bring_up(struct fixture *f);
int post1(struct rte_marlin_hrdma_qp *qp, uint8_t opcode, void *local,
		uint32_t len, uint64_t off, uint64_t imm, uint8_t flags);

/* test_hrdma_fault.c: DMA engine cases (engine_id is set up by main) and
 * recovery from peer faults */
extern int engine_id;
int setup_engine(void **state);
void test_engine_order(void **state);
void test_engine_link_loss(void **state);
void test_fault_recovery(void **state);
void test_fault_stalled_ring(void **state);
void test_no_fault_when_slow(void **state);
void test_fault_credit_overwritten(void **state);
void test_fault_by_upper_layer(void **state);
void test_fault_flushes_peer(void **state);
void test_backoff(void **state);
void test_fault_storm(void **state);
void test_rx_parse(void **state);

/* test_hrdma_line.c: one-line messages and the release/reset race */
void test_line_format(void **state);
void test_line_every_length(void **state);
void test_line_torn_forged(void **state);
void test_line_torn_in_ring(void **state);
void test_release_after_reset(void **state);
void test_release_vs_reset_race(void **state);

#endif /* HRDMA_HELPERS_H */
