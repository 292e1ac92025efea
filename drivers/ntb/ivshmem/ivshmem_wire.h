/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef IVSHMEM_WIRE_H
#define IVSHMEM_WIRE_H

/*
 * ntb_ivshmem wire format: the layout of the ivshmem BAR2 that every guest
 * of one ivshmem server (or one ivshmem-plain memory backend) shares, and
 * of the BAR0 registers QEMU defines.
 *
 * BAR2, for H = hosts, W = mw, S = mw_size (all devargs, equal on every
 * host; a host whose geometry differs never links):
 *
 *   0                         global header (struct ivsh_wire_global), one
 *                             4 KiB page: magic, version, geometry
 *   IVSH_WIRE_REGS_OFF + h * IVSH_WIRE_REGS_STRIDE
 *                             register page of host h (struct ivsh_wire_regs)
 *   mw_off + ((o * H + p) * W + w) * S
 *                             inbound window w of owner o for peer p: only p
 *                             writes it, only o reads it (slot o == p unused)
 *
 * Writers:
 * - the global header: any host that finds it unset (magic 0) writes the
 *   geometry, then magic; every host then checks it against its own;
 * - the header line of regs[h]: host h only (cleared and re-published at
 *   each start with a new epoch);
 * - regs[h].src[s]: host s only (doorbell bytes, its spad bank, its epoch
 *   stamp), except that h clears doorbell bytes and writes spad entries of
 *   its own bank (spad_write), as on ntb_shm.
 *
 * Every field another guest writes is untrusted: readers load it once into
 * a private copy, check it, and use only the copy.
 *
 * BAR0 (QEMU's ivshmem): 32-bit registers IntrMask, IntrStatus (legacy
 * INTx only), IVPosition (this guest's peer id from the server, read only;
 * not meaningful on ivshmem-plain) and Doorbell (write (peer id << 16) |
 * vector to raise MSI-X vector 'vector' in guest 'peer id').
 *
 * Fields are host byte order (all guests run on one host).
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_marlin_ntb_bank.h>

/** "MLIV" on little-endian hosts. */
#define IVSH_WIRE_MAGIC 0x56494c4du
/** Bumped on any incompatible layout change. */
#define IVSH_WIRE_VERSION 1u

#define IVSH_WIRE_LINE 64
#define IVSH_WIRE_PAGE 4096u
#define IVSH_WIRE_MAX_HOSTS 16
#define IVSH_WIRE_MAX_SPADS 64
#define IVSH_WIRE_DB_BITS 64
#define IVSH_WIRE_MAX_MW 8
/** Largest MSI-X vector count a host may publish. */
#define IVSH_WIRE_MAX_VECTORS 64

/* BAR0 register offsets. */
#define IVSH_REG_INTR_MASK	0x00
#define IVSH_REG_INTR_STATUS	0x04
#define IVSH_REG_IVPOSITION	0x08
#define IVSH_REG_DOORBELL	0x0c
#define IVSH_BAR0_MIN_LEN	0x10

/** Page 0 of BAR2. */
struct ivsh_wire_global {
	uint32_t magic;      /**< IVSH_WIRE_MAGIC once complete, 0 before */
	uint32_t version;    /**< IVSH_WIRE_VERSION */
	uint32_t hosts;      /**< devarg hosts= */
	uint32_t mw_count;   /**< devarg mw= */
	uint64_t mw_size;    /**< devarg mw_size=, bytes */
	uint64_t mw_off;     /**< byte offset of the first window */
	uint32_t spad_count; /**< devarg spads= */
	uint32_t reserved0;
	uint8_t pad[IVSH_WIRE_PAGE - 40];
};

/** Line 0 of a host's register page: written by that host only. */
struct ivsh_wire_hdr {
	uint32_t magic;       /**< IVSH_WIRE_MAGIC once published */
	uint32_t version;     /**< IVSH_WIRE_VERSION */
	uint32_t host_id;     /**< the owner's port (= its page index) */
	uint32_t hosts;       /**< geometry copy, checked before linking */
	uint64_t mw_size;     /**< geometry copy */
	uint32_t mw_count;    /**< geometry copy */
	uint32_t spad_count;  /**< geometry copy */
	uint64_t epoch;       /**< non-zero, new at each start */
	uint64_t heartbeat;   /**< bumped about every 100 ms while alive */
	uint32_t link_enable; /**< 1 after link_enable, 0 after link_disable */
	uint32_t vectors;     /**< MSI-X vectors it takes doorbells on (0: none) */
	uint64_t irq_mask;    /**< doorbell bits it wants an interrupt for */
};

/* Area of host h's page that only source host s writes: the shared
 * register bank of memory-based NTB drivers (rte_marlin_ntb_bank.h). */
static_assert(IVSH_WIRE_DB_BITS == RTE_MARLIN_NTB_BANK_DB_BITS &&
	IVSH_WIRE_MAX_SPADS == RTE_MARLIN_NTB_BANK_SPADS, "bank geometry");

/** The register page of one host. */
struct ivsh_wire_regs {
	struct ivsh_wire_hdr hdr;
	uint8_t pad[IVSH_WIRE_LINE];
	struct rte_marlin_ntb_bank src[IVSH_WIRE_MAX_HOSTS];
};

#define IVSH_WIRE_REGS_OFF IVSH_WIRE_PAGE
#define IVSH_WIRE_REGS_STRIDE (2 * IVSH_WIRE_PAGE)
/** Where windows start for @p hosts hosts (page aligned). */
#define IVSH_WIRE_MW_OFF(hosts) \
	(IVSH_WIRE_REGS_OFF + (uint64_t)(hosts) * IVSH_WIRE_REGS_STRIDE)

static_assert(sizeof(struct ivsh_wire_global) == IVSH_WIRE_PAGE,
	"global header is one page");
static_assert(offsetof(struct ivsh_wire_global, magic) == 0, "magic first");
static_assert(offsetof(struct ivsh_wire_global, version) == 4,
	"version second");
static_assert(offsetof(struct ivsh_wire_global, mw_size) == 16,
	"mw_size offset");
static_assert(offsetof(struct ivsh_wire_global, spad_count) == 32,
	"spad_count offset");
static_assert(sizeof(struct ivsh_wire_hdr) == IVSH_WIRE_LINE,
	"host header is one cache line");
static_assert(offsetof(struct ivsh_wire_hdr, magic) == 0, "magic first");
static_assert(offsetof(struct ivsh_wire_hdr, version) == 4, "version second");
static_assert(offsetof(struct ivsh_wire_hdr, epoch) == 32, "epoch offset");
static_assert(offsetof(struct ivsh_wire_hdr, heartbeat) == 40,
	"heartbeat offset");
static_assert(offsetof(struct ivsh_wire_hdr, irq_mask) == 56,
	"irq_mask offset");
static_assert(offsetof(struct ivsh_wire_regs, src) == 2 * IVSH_WIRE_LINE,
	"source areas start on line 2");
static_assert(sizeof(struct ivsh_wire_regs) <= IVSH_WIRE_REGS_STRIDE,
	"register page fits its stride");
static_assert(IVSH_WIRE_MW_OFF(1) % IVSH_WIRE_PAGE == 0,
	"windows are page aligned");

#endif /* IVSHMEM_WIRE_H */
