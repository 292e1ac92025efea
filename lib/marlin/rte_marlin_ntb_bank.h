/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_NTB_BANK_H
#define RTE_MARLIN_NTB_BANK_H

/**
 * @file
 * Register bank of memory-based NTB drivers (internal, for drivers).
 *
 * Drivers whose "registers" are memory that several hosts map (ntb_shm's
 * register page files, ntb_ivshmem's BAR2) give each (owner, source host)
 * pair one bank in the owner's register page. Only the source writes it,
 * except that the owner clears doorbell bytes and may write its own
 * scratchpad entries. Across the bridge there are only plain loads and
 * stores (no read-modify-write), so:
 * - a doorbell bit is a byte: the source stores 1 (write-1-to-set), the
 *   owner stores 0 to clear, and scans eight bytes at a time;
 * - the scratchpad bank carries the epoch of the source that wrote it; the
 *   owner trusts the values only while that equals the source's current
 *   epoch, so nothing a previous life of the source wrote is ever read.
 *
 * Wire format: this struct is part of the drivers' wire headers; its size
 * and offsets are asserted below and must never change.
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_MARLIN_NTB_BANK_DB_BITS 64
#define RTE_MARLIN_NTB_BANK_SPADS 64

/** What source host S writes on owner O's register page. */
struct rte_marlin_ntb_bank {
	/** Doorbell bytes. Line 0. */
	union {
		uint8_t bit[RTE_MARLIN_NTB_BANK_DB_BITS];
		uint64_t word[RTE_MARLIN_NTB_BANK_DB_BITS / 8];
	} db;
	/** Epoch of S when it last wrote its scratchpads here. Line 1. */
	uint64_t epoch;
	uint8_t pad[56];
	/** Scratchpads of S. Lines 2..5. */
	uint32_t spad[RTE_MARLIN_NTB_BANK_SPADS];
};

static_assert(offsetof(struct rte_marlin_ntb_bank, epoch) == 64,
	"epoch stamp on its own line");
static_assert(offsetof(struct rte_marlin_ntb_bank, spad) == 128,
	"scratchpads start on line 2");
static_assert(sizeof(struct rte_marlin_ntb_bank) == 6 * 64,
	"a bank is 6 cache lines");

/** Owner: the doorbell bits set in @p b. */
static inline uint64_t
rte_marlin_ntb_bank_db_read(const struct rte_marlin_ntb_bank *b)
{
	uint64_t out = 0, x;
	int w, k;

	for (w = 0; w < RTE_MARLIN_NTB_BANK_DB_BITS / 8; w++) {
		x = __atomic_load_n(&b->db.word[w], __ATOMIC_ACQUIRE);
		if (x == 0)
			continue;
		for (k = 0; k < 8; k++)
			if ((x >> (8 * k)) & 0xff)
				out |= UINT64_C(1) << (8 * w + k);
	}
	return out;
}

/** Owner: clear @p bits in @p b. */
static inline void
rte_marlin_ntb_bank_db_clear(struct rte_marlin_ntb_bank *b, uint64_t bits)
{
	uint64_t left;
	int i;

	for (left = bits; left != 0; left &= left - 1) {
		i = (int)rte_bsf64(left);
		if (__atomic_load_n(&b->db.bit[i], __ATOMIC_ACQUIRE) != 0)
			__atomic_store_n(&b->db.bit[i], 0, __ATOMIC_RELEASE);
	}
}

/** Source: ring @p bits (release: earlier window stores are seen first). */
static inline void
rte_marlin_ntb_bank_db_ring(struct rte_marlin_ntb_bank *b, uint64_t bits)
{
	uint64_t left;

	for (left = bits; left != 0; left &= left - 1)
		__atomic_store_n(&b->db.bit[rte_bsf64(left)], 1,
			__ATOMIC_RELEASE);
}

/**
 * Read scratchpad @p sidx of a bank, trusted only when stamped with
 * @p epoch (the writer's current epoch); 0 otherwise.
 */
static inline uint32_t
rte_marlin_ntb_bank_spad_get(const struct rte_marlin_ntb_bank *b,
		uint64_t epoch, int sidx)
{
	uint64_t stamp = __atomic_load_n(&b->epoch, __ATOMIC_ACQUIRE);

	return (stamp != 0 && stamp == epoch) ?
		__atomic_load_n(&b->spad[sidx], __ATOMIC_ACQUIRE) : 0;
}

/**
 * Source: write scratchpad @p sidx as the incarnation @p epoch. The first
 * write of an incarnation drops the old bank, then stamps it, so the owner
 * trusts it again.
 */
static inline void
rte_marlin_ntb_bank_spad_put(struct rte_marlin_ntb_bank *b, uint64_t epoch,
		int sidx, uint32_t val)
{
	int i;

	if (__atomic_load_n(&b->epoch, __ATOMIC_ACQUIRE) != epoch) {
		for (i = 0; i < RTE_MARLIN_NTB_BANK_SPADS; i++)
			__atomic_store_n(&b->spad[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->epoch, epoch, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&b->spad[sidx], val, __ATOMIC_RELEASE);
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_NTB_BANK_H */
