/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Two fake NTB devices wired back to back in one process, for unit tests
 * of everything above the NTB class (HRDMA, CMMC, ...): what one side
 * writes through its outbound window lands in the other side's inbound
 * window, scratchpads cross the same way, and a test can cut the cable
 * (cable_cut), disable a side, change a side's epoch (a "restart") or
 * write into the windows and scratchpads directly (a hostile peer).
 * Doorbells are accepted and dropped: the code under test polls.
 */

#ifndef MARLIN_FAKE_NTB_PAIR_H
#define MARLIN_FAKE_NTB_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "rte_marlin_ntb_driver.h"

#define FAKE_NTB_SPADS 16

struct fake_ntb_pair;

/** One side of the pair: its state is the test's to read and change. */
struct fake_ntb_side {
	int port;                         /**< port number (0 or 1) */
	int enabled;                      /**< link enabled on this side */
	uint64_t epoch;                   /**< device epoch seen by the peer */
	uint8_t *win;                     /**< inbound window (win_len bytes) */
	uint32_t spad[FAKE_NTB_SPADS];    /**< written by the other side */
	struct fake_ntb_side *peer;
	struct fake_ntb_pair *pair;
};

struct fake_ntb_pair {
	struct fake_ntb_side side[2];
	struct rte_marlin_ntb_dev *dev[2];
	size_t win_len;
	int cable_cut;                    /**< non-zero: link down both ways */
};

/**
 * Register the two devices ("<name>0", "<name>1") with windows of
 * @win_len bytes (rte_malloc'd, 4 KiB aligned, filled with 0xee: garbage
 * until used) and epochs @epoch0 and @epoch0 + 1. The links start
 * disabled.
 *
 * @return 0, or a negative errno (nothing left allocated).
 */
int fake_ntb_pair_create(struct fake_ntb_pair *p, const char *name,
		size_t win_len, uint64_t epoch0);

/** Release both devices and free the windows. */
void fake_ntb_pair_destroy(struct fake_ntb_pair *p);

#endif /* MARLIN_FAKE_NTB_PAIR_H */
