/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef TEST_CMMC_H
#define TEST_CMMC_H

/*
 * Shared by the CMMC unit test files: the two-host fixture and its helpers
 * (test_cmmc.c) and the test cases main() lists.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "rte_cmmc.h"
#include "cmmc_private.h"
#include "fake_ntb_pair.h"
#ifdef CMMC_TEST_DMA_CPU
#include "rte_pmd_dma_cpu.h"
#endif
#ifdef CMMC_TEST_DMADEV
#include "rte_pmd_dma_dmadev.h"
#endif

#define WIN_LEN (4u << 20)
/* the two hosts */
extern struct fake_ntb_pair pair;

struct fx {
	struct rte_marlin_ntb_dev *dev[2];
	struct rte_cmmc_conf conf;
	struct rte_cmmc *c[2];
	struct rte_cmmc_ep *ep[2];
	uint8_t *lbuf[2];             /* registered local buffers */
	struct rte_cmmc_mem *lmem[2];
	const int *engine;            /* per host, or NULL: CPU copies */
};

#define LBUF_LEN (1u << 20)

/* fixture and helpers (test_cmmc.c) */
void poll_both(struct fx *f, int rounds);
int wait_ready(struct fx *f);
void open_host(struct fx *f, int i);
void fill(uint8_t *p, size_t len, uint32_t seed);
int cq_wait(struct rte_cmmc_ep *ep, struct rte_cmmc_cpl *cpl, int want);
int recv_wait(struct rte_cmmc_ep *ep, struct rte_cmmc_ep *issuer,
		struct rte_cmmc_event *ev, int want);
struct rte_cmmc_rkey *share(struct fx *f, size_t len, unsigned int access,
		struct rte_cmmc_mem **mem, struct rte_cmmc_key *key);
void reforge(struct rte_cmmc_key *k, void (*edit)(struct cmmc_key_fields *f));

/* test cases */
void test_open_and_state(void **state);
void test_memory(void **state);
void test_write_read_notify(void **state);
void test_scatter_gather(void **state);
void test_bounds_and_rights(void **state);
void test_messages(void **state);
void test_many_notifications(void **state);
void test_notify_check_kept(void **state);
void test_notify_burst_two_keys(void **state);
void test_local_range_kept(void **state);
void test_issuer_check_kept(void **state);
void test_key_codec(void **state);
void test_entry_check(void **state);
void test_entry_being_revoked(void **state);
void test_forged_keys(void **state);
void test_revoke(void **state);
void test_owner_refuses_notify(void **state);
void test_link_loss(void **state);
void test_table_overwritten(void **state);
void test_owner_restart(void **state);
void test_siphash_vectors(void **state);
void test_verifier_binds_fields(void **state);
void test_table_header_parse(void **state);
void test_table_reader_cannot_mint(void **state);
void test_revoked_keys_stay_dead(void **state);

#endif /* TEST_CMMC_H */
