/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The fake NTB driver of the NTB class unit tests (test_ntb_*.c): a device
 * with FAKE_PEERS peers, FAKE_MW windows each way and FAKE_SPADS scratchpads
 * whose ops record what the class asks of them, plus the helpers the test
 * files share. One test program (test_ntb_class.c) runs every file's group.
 */

#ifndef NTB_CLASS_FAKE_H
#define NTB_CLASS_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"

#define FAKE_PEERS 3
#define FAKE_MW 2
#define FAKE_SPADS 4

struct fake_priv {
	uint64_t link_mask;
	uint64_t db;
	uint64_t db_mask;
	uint32_t spad[FAKE_PEERS][FAKE_SPADS];
	uint32_t peer_spad[FAKE_PEERS][FAKE_SPADS];
	uint64_t peer_db[FAKE_PEERS];
	int enabled;
	int set_trans_calls;
	int clear_trans_calls;
	rte_iova_t last_iova;
	size_t last_size;
	int close_calls;
	int set_trans_rc;
};

/* counts f_close calls of any fake device while set */
extern int *g_close_counter;
/* what peer_mw_get_addr hands out, one page per window */
extern uint8_t fake_aperture[FAKE_MW][4096];
/* every op of the fake driver */
extern const struct rte_marlin_ntb_ops full_ops;
/* the smallest table the class accepts */
extern const struct rte_marlin_ntb_ops min_ops;

/* Allocate a fake device @name with @ops (asserts it worked). */
struct rte_marlin_ntb_dev *new_dev(const char *name,
		const struct rte_marlin_ntb_ops *ops);

/* Up to 16 events an event callback saw (and how many in all). */
struct ev_log {
	int n;
	struct rte_marlin_ntb_event ev[16];
};

/* Event callback appending to the struct ev_log @arg. */
void record_ev(uint16_t id, const struct rte_marlin_ntb_event *ev, void *arg);

/* The test groups, one per file, and their lengths. */
extern const struct CMUnitTest ntb_ops_tests[];      /* ops table validation */
extern const size_t ntb_ops_tests_n;
extern const struct CMUnitTest ntb_api_tests[];      /* table, argument checks */
extern const size_t ntb_api_tests_n;
extern const struct CMUnitTest ntb_events_tests[];   /* windows, link, events */
extern const size_t ntb_events_tests_n;
extern const struct CMUnitTest ntb_lifetime_tests[]; /* removal while in use */
extern const size_t ntb_lifetime_tests_n;

#endif /* NTB_CLASS_FAKE_H */
