/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef SHM_WIRE_H
#define SHM_WIRE_H

/*
 * ntb_shm wire format: everything one host reads or writes in files that
 * another host owns. Host H of a fabric owns, in the fabric directory:
 *
 *   host-H.lock   held with flock(LOCK_EX) for the life of the process;
 *                 empty (hugetlbfs files cannot be written with write());
 *                 the owner's pid is in its register page
 *   host-H.regs   the register page below (struct shm_wire_page)
 *   host-H.mw-W   inbound window W, mw_size bytes of raw memory
 *   cut-A-B       (A < B) present while the link A<->B is cut
 *
 * Writers of the register page of host H:
 * - H itself writes the header (line 0) and, before it publishes the page,
 *   the management line;
 * - the fabric manager (rte_pmd_ntb_shm_link_cut()) writes the management
 *   line while holding flock(LOCK_EX) on the fabric directory;
 * - source host S writes only src[S]: its doorbell bytes, its scratchpad
 *   bank and its epoch stamp. The owner writes src[S] only to clear
 *   doorbell bytes and (spad_write) scratchpad entries.
 * Nothing enforces these roles: any process that may write the file can
 * write any of it. Hosts with a rack manager (devarg manager=, shm_grant.c)
 * therefore have no page file: their header and management line are a
 * sealed memfd the owner alone writes, passed read-only to peers by the
 * manager (shm_regs.c); their banks are memfds per (owner, peer); cuts
 * come from the manager's link page.
 *
 * Across the bridge there are only plain loads and stores: no
 * read-modify-write atomics. Fields are host byte order (all hosts of a
 * fabric run on one machine, or on machines of one byte order).
 *
 * Publication: the owner creates the file zeroed, fills every field, then
 * stores magic with release semantics. Readers load magic with acquire
 * semantics and ignore the page unless magic and version match.
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_marlin_ntb_bank.h>

/** "MLNS" in memory on little-endian hosts. */
#define SHM_WIRE_MAGIC 0x534e4c4du
/** Bumped on any incompatible layout change. */
#define SHM_WIRE_VERSION 1u

#define SHM_WIRE_LINE 64
#define SHM_WIRE_MAX_HOSTS 64
#define SHM_WIRE_MAX_SPADS 64
#define SHM_WIRE_DB_BITS 64
#define SHM_WIRE_MAX_MW 8

/** Line 0 of the page: identity, geometry and state, written by the owner. */
struct shm_wire_hdr {
	uint32_t magic;       /**< SHM_WIRE_MAGIC once complete, 0 before */
	uint32_t version;     /**< SHM_WIRE_VERSION */
	uint32_t host_id;     /**< owner's host id (file name agrees) */
	uint32_t hosts;       /**< devarg hosts= */
	uint32_t mw_count;    /**< devarg mw= */
	uint32_t spad_count;  /**< devarg spads= */
	uint64_t mw_size;     /**< devarg mw_size=, bytes */
	uint64_t epoch;       /**< non-zero, new at each start */
	uint32_t pid;         /**< owning process */
	uint32_t link_enable; /**< 1 after link_enable, 0 after link_disable */
	uint64_t heartbeat;   /**< bumped by poll; information only */
	uint64_t flags;       /**< SHM_WIRE_F_* */
};

/** The host runs with a rack manager (devarg manager=): hosts with and
 *  without one refuse each other. */
#define SHM_WIRE_F_MANAGER UINT64_C(1)

/** Line 1: written by the fabric manager (cut tool). */
struct shm_wire_mgmt {
	uint64_t cut_mask;    /**< bit h: the link to host h is cut */
	uint8_t pad[SHM_WIRE_LINE - 8];
};

/* Area that only source host S writes on the owner's page: the shared
 * register bank of memory-based NTB drivers (rte_marlin_ntb_bank.h). */
static_assert(SHM_WIRE_DB_BITS == RTE_MARLIN_NTB_BANK_DB_BITS &&
	SHM_WIRE_MAX_SPADS == RTE_MARLIN_NTB_BANK_SPADS, "bank geometry");

/** The register page of one host. */
struct shm_wire_page {
	struct shm_wire_hdr hdr;
	struct shm_wire_mgmt mgmt;
	struct rte_marlin_ntb_bank src[SHM_WIRE_MAX_HOSTS];
};

static_assert(sizeof(struct shm_wire_hdr) == SHM_WIRE_LINE,
	"header is one cache line");
static_assert(offsetof(struct shm_wire_hdr, magic) == 0, "magic first");
static_assert(offsetof(struct shm_wire_hdr, version) == 4, "version second");
static_assert(offsetof(struct shm_wire_hdr, mw_size) == 24, "mw_size offset");
static_assert(offsetof(struct shm_wire_hdr, epoch) == 32, "epoch offset");
static_assert(offsetof(struct shm_wire_hdr, pid) == 40, "pid offset");
static_assert(offsetof(struct shm_wire_hdr, link_enable) == 44,
	"link_enable offset");
static_assert(offsetof(struct shm_wire_hdr, heartbeat) == 48,
	"heartbeat offset");
static_assert(sizeof(struct shm_wire_mgmt) == SHM_WIRE_LINE,
	"management area is one cache line");
static_assert(offsetof(struct shm_wire_page, mgmt) == SHM_WIRE_LINE,
	"management on line 1");
static_assert(offsetof(struct shm_wire_page, src) == 2 * SHM_WIRE_LINE,
	"source areas start on line 2");
static_assert(sizeof(struct shm_wire_page) ==
	2 * SHM_WIRE_LINE + SHM_WIRE_MAX_HOSTS * 6 * SHM_WIRE_LINE,
	"page size");

#endif /* SHM_WIRE_H */
