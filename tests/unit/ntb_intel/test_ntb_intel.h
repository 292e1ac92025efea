/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef TEST_NTB_INTEL_H
#define TEST_NTB_INTEL_H

/*
 * Shared by the ntb_intel unit test files: the two-port model fixture
 * (test_ntb_intel.c), the checks every generation runs
 * (test_ntb_intel_gen3.c) and the test cases main() lists.
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

#include <rte_atomic.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include <rte_marlin_hrdma.h>
#include <rte_marlin_ntb.h>
#include <rte_marlin_ntb_driver.h>

#include "ntb_intel_private.h"
#include "ntb_intel_model.h"
#include "rte_pmd_ntb_intel.h"

#define BAR_SIZE (UINT64_C(1) << 20)

struct pair {
	struct ntb_intel_model *m;
	struct rte_marlin_ntb_dev *dev[2];
	uint16_t id[2];
};

extern struct pair P;
/* If set, pair_open() lets it change each port's template (devargs). */
extern void (*pair_tmpl_hook)(int port, struct ntb_intel_hw *tmpl);

struct ev_log {
	int link_events;
	int last_up;
	uint64_t db_bits;
};

/* fixture (test_ntb_intel.c) */
int pair_open(int gen, uint16_t devid, uint8_t rev, uint64_t bar_size,
		int b2b_doorbell_reg);
int pair_close(void **state);
struct rte_marlin_ntb_dev *one_dev(int port, const char *name);
void link_up_both(void);

/* the HRDMA fixture (test_ntb_intel_e2e.c) */
int hrdma_close(void **state);

/* checks shared by the generations (test_ntb_intel_gen3.c) */
void ev_cb(uint16_t dev_id, const struct rte_marlin_ntb_event *ev, void *arg);
void check_link(int gen, int exp_speed);
void check_doorbells(uint64_t valid, uint64_t top_bit);
void check_spads(void);
void check_window_data(int gen, size_t size);
void check_window_errors(uint64_t align, uint32_t xbase_off);

/* the rack manager fixture (test_ntb_intel_grant.c) */
int grant_setup(void **state);
int grant_teardown(void **state);

/* test cases */
void test_grant_revoke(void **state);
void test_grant_bad_args(void **state);
void test_grant_manager_restart(void **state);
void test_grant_ranges(void **state);
void test_e2e_gen3(void **state);
void test_e2e_gen4(void **state);
void test_e2e_gen1(void **state);
void test_hrdma_gen3(void **state);
void test_hrdma_gen4(void **state);
void test_gen3_init(void **state);
void test_gen3_link(void **state);
void test_gen3_link_locked(void **state);
void test_gen3_doorbells(void **state);
void test_gen3_spads(void **state);
void test_gen3_windows(void **state);
void test_gen3_window_errors(void **state);
void test_gen3_link_side_limit_readback(void **state);
void test_gen3_topology(void **state);
void test_gen3_bar_disabled(void **state);
void test_gen4_icx(void **state);
void test_gen4_icx_ops(void **state);
void test_gen4_icx_baseidx_readback(void **state);
void test_gen4_spr(void **state);
void test_gen4_gnr(void **state);
void test_gen4_no_training(void **state);
void test_gen4_topology(void **state);
void test_gen1_window_workaround(void **state);
void test_gen1_b2b_doorbell_bit14(void **state);
void test_gen1_small_bar4(void **state);

#endif /* TEST_NTB_INTEL_H */
