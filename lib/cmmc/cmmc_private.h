/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef CMMC_PRIVATE_H
#define CMMC_PRIVATE_H

/* CMMC internals shared by the control path, the data path and the tests. */

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_memory.h>
#include <rte_spinlock.h>

#include <rte_marlin_ntb.h>
#include <rte_marlin_hrdma.h>

#include "rte_cmmc.h"
#include "cmmc_wire.h"

extern int cmmc_logtype;

#define CMMC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, cmmc_logtype, "cmmc: " fmt "\n", ##__VA_ARGS__)

/* Bytes of the key table page-rounded: what a peer is let write into in
 * ranges mode besides the pages of exports. */
#define CMMC_KEYTAB_PAGES RTE_ALIGN_CEIL(CMMC_KEYTAB_LEN, 4096u)

/* Local memory ranges (registered + allocated) an endpoint may use. */
#define CMMC_MAX_LMR 64
/* Free extents of one peer's exportable memory. */
#define CMMC_MAX_EXTENTS 256
/* Attempts at a consistent snapshot of a key entry. */
#define CMMC_SNAP_TRIES 16
/* After a bring-up, the peer's table must arrive within this long (it
 * sends it at its first poll that sees the channel UP), or the channel is
 * reset as after garbage. */
#define CMMC_TABLE_WAIT_MS 2000
/* A table header whose magic word is neither 0 nor the table's magic can
 * only be garbage (the owner clears the word before rewriting and sets it
 * last); once the owner has had this long to send its new table, such a
 * header resets the channel at once instead of after CMMC_TABLE_WAIT_MS. */
#define CMMC_TABLE_GARBAGE_MS 250
/* HRDMA operations per chunk of rte_cmmc_post(). */
#define CMMC_POST_CHUNK 64
/* Events taken from HRDMA per rte_cmmc_recv() call. */
#define CMMC_RECV_BURST 64

enum cmmc_mem_type {
	CMMC_MEM_ALLOC = 1,
	CMMC_MEM_REG = 2,
};

struct cmmc_peer;

struct rte_cmmc_mem {
	struct rte_cmmc *c;
	struct cmmc_peer *peer;   /* ALLOC: who reaches it */
	uint8_t *addr;
	size_t len;
	uint64_t region_off;      /* ALLOC: offset in the peer's region */
	size_t carve_off;         /* ALLOC: extent given by the allocator */
	size_t carve_len;
	int type;                 /* enum cmmc_mem_type */
	int lmr;                  /* index in c->lmr */
	uint32_t live_keys;
	struct rte_cmmc_mem *next;
};

/* A local range, read by data-path threads: words change only under the
 * context lock, with atomic stores. end == 0: unused. */
struct cmmc_lmr {
	uintptr_t start;
	uintptr_t end;
	rte_iova_t iova;          /* IOVA of start when IOVA == VA, else 0 */
};

struct cmmc_extent {
	size_t off;
	size_t len;
};

struct rte_cmmc_rkey {
	struct cmmc_peer *peer;
	uint64_t inst_epoch;
	uint64_t verifier;        /* cmmc_key_verifier() of the key */
	uint64_t len;
	uint32_t gen;
	uint16_t slot;
	uint8_t access;
	struct rte_cmmc_rkey *next;
	struct rte_cmmc_rkey *prev;
};

struct rte_cmmc_ep {
	/* hot: read on every operation */
	struct rte_marlin_hrdma_qp *qp;
	struct cmmc_peer *peer;
	struct rte_cmmc *c;
	uint32_t lmr_hint;
	uint16_t held;            /* recv entries not yet released */
	uint16_t release_at;      /* release once this many are held */
	uint16_t index;
	int refused_logged;
	int own_hint;             /* last key slot a notification matched */
	/* What the snapshot of own[own_hint] said when it last matched, valid
	 * while that entry's seq word (*chk_seqp; &cmmc_seq_none while
	 * nothing is kept) is still chk_seq: every rewrite of an own entry
	 * moves it (cmmc_ent_begin/end). */
	const uint64_t *chk_seqp;
	uint64_t chk_seq;
	uint64_t chk_off;
	uint64_t chk_len;
	uint32_t last_seq;        /* HRDMA sequence of the last entry taken */
	/* The issuer's check of the key used last (rk_kept): what the
	 * snapshot of its mirror entry said, valid while that entry's seq
	 * word is rk_seq and the handle still names the same slot,
	 * generation and verifier. Private to the endpoint's thread. */
	const struct rte_cmmc_rkey *rk_kept;
	uint64_t rk_seq;
	uint64_t rk_verifier;
	uint64_t rk_off;
	uint64_t rk_len;
	uint32_t rk_gen;
	uint16_t rk_slot;
	uint8_t rk_access;
	uint32_t msg_size;
	struct rte_cmmc_ep_stats stats;
} __rte_cache_aligned;

struct cmmc_peer {
	struct rte_cmmc *c;
	int pidx;
	int port;
	struct rte_marlin_hrdma_channel *ch;
	struct rte_marlin_hrdma_qp *ctl_qp;
	uint8_t *region;          /* our memory this peer reaches */
	size_t region_len;
	const struct cmmc_wire_tab_hdr *mirror_hdr;  /* peer writes */
	const struct cmmc_wire_keyent *mirror;       /* peer writes */
	size_t remote_region_len;

	/* The peer's HRDMA epoch for which its table in our memory must be
	 * written; 0 when not connected. Control thread stores, data path
	 * loads. */
	uint32_t peer_hrdma_epoch;
	int state;                /* enum rte_cmmc_peer_state */
	uint64_t pushed_link_ups; /* bring-up our table was sent for */
	int pushed;
	int mirror_seen;          /* the peer's table was current this bring-up */
	uint64_t pushed_at;       /* timer cycles when ours was sent */

	/* our exports to this peer: the table we keep in its memory */
	struct cmmc_wire_tab_hdr own_hdr;
	struct cmmc_wire_keyent own[CMMC_MAX_KEYS];
	uint64_t own_secret[CMMC_MAX_KEYS]; /* never leaves this host */
	struct rte_cmmc_mem *own_mem[CMMC_MAX_KEYS];
	uint16_t own_hw;          /* slots ever used (scan bound) */
	/* Ranges mode: the pages each live export exposes to the peer
	 * (region offset and length, 0: none) with their rights; the device
	 * counts equal ranges, so each export exposes and takes back its own
	 * once. keytab_exposed: the table this peer writes here is exposed. */
	uint64_t own_xoff[CMMC_MAX_KEYS];
	uint64_t own_xlen[CMMC_MAX_KEYS];
	uint8_t own_xrights[CMMC_MAX_KEYS];
	int keytab_exposed;

	/* allocator over [CMMC_KEYTAB_LEN, region_len) */
	struct cmmc_extent ext[CMMC_MAX_EXTENTS];
	unsigned int nb_ext;

	struct rte_cmmc_ep *ep[RTE_CMMC_MAX_EP];
};

struct rte_cmmc {
	uint16_t ntb_id;
	int port;
	uint64_t inst_epoch;
	struct rte_cmmc_conf conf;
	rte_spinlock_recursive_t lock;
	int nb_peers;
	struct cmmc_peer *peers[RTE_MARLIN_NTB_MAX_PEERS];
	struct cmmc_lmr lmr[CMMC_MAX_LMR];
	struct rte_cmmc_mem *mems;
	struct rte_cmmc_rkey *rkeys;
};

/* ---- key table snapshots (pure: unit tested) ---------------------------- */

/*
 * Copy entry @e into @out consistently: the sequence word must be even and
 * unchanged around the copy. Returns 0, or -EBUSY after CMMC_SNAP_TRIES
 * attempts (the owner is rewriting it). The owner rewrites an entry that
 * someone may hold a key for only to revoke it (export takes free or
 * revoked slots, and sends the entry before the key exists), so callers
 * treat -EBUSY as "being revoked".
 */
static inline int
cmmc_ent_snapshot(const struct cmmc_wire_keyent *e, struct cmmc_wire_keyent *out)
{
	unsigned int t;

	for (t = 0; t < CMMC_SNAP_TRIES; t++) {
		uint64_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

		if (s1 & 1)
			continue;
		out->verifier = __atomic_load_n(&e->verifier, __ATOMIC_RELAXED);
		out->offset = __atomic_load_n(&e->offset, __ATOMIC_RELAXED);
		out->len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
		out->gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
		out->access = __atomic_load_n(&e->access, __ATOMIC_RELAXED);
		out->state = __atomic_load_n(&e->state, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == s1) {
			out->seq = s1;
			return 0;
		}
	}
	memset(out, 0, sizeof(*out));
	return -EBUSY;
}

/*
 * Check an access of [off, off + len) of a key's range against a snapshot of
 * its entry, as the importer does before every operation; @verifier is the
 * key's (cmmc_key_verifier()), computed once at import. @region_len is the
 * owner's region as HRDMA negotiated it (the entry comes from the peer and is
 * checked too). On success *abs is the offset in the owner's region.
 */
static inline int
cmmc_ent_check(const struct cmmc_wire_keyent *s, uint32_t gen, uint64_t verifier,
		unsigned int need, uint64_t off, uint64_t len,
		uint64_t region_len, uint64_t *abs)
{
	if (s->gen != gen || s->state != CMMC_ENT_LIVE)
		return -EKEYREVOKED;
	if (s->verifier != verifier)
		return -EACCES;
	if ((s->access & need) != need)
		return -EPERM;
	if (len > s->len || off > s->len - len)
		return -ERANGE;
	/* the owner's own entry must stay in its exportable memory */
	if (s->offset < CMMC_KEYTAB_LEN || s->len > region_len ||
			s->offset > region_len - s->len)
		return -ERANGE;
	*abs = s->offset + off;
	return 0;
}

/* Internal to the library, shared by its files. */
int cmmc_notify_check(void *arg, uint64_t offset, uint32_t len, uint64_t imm);
/* A seq word no entry's equals when it is stable (odd), for an endpoint's
 * kept notify verdict while it has none (chk_seq 0 never matches it). */
extern const uint64_t cmmc_seq_none;

/* cmmc.c, used by cmmc_mem.c: a nonzero random word (*rc 0 or -EIO), the
 * peer on a port, writing our entry @slot into the peer's mirror, and
 * whether that mirror matches the peer's current HRDMA epoch. */
uint64_t cmmc_random_u64_nonzero(int *rc);
struct cmmc_peer *cmmc_peer_by_port(const struct rte_cmmc *c, int port);
int cmmc_push_entry(struct cmmc_peer *p, unsigned int slot);
int cmmc_mirror_current(const struct cmmc_peer *p, uint32_t peer_hrdma_epoch);

/* Begin / end rewriting one of our private entries (seen by endpoints). */
static inline void
cmmc_ent_begin(struct cmmc_wire_keyent *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
cmmc_ent_end(struct cmmc_wire_keyent *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}

/* cmmc_mem.c: ranges mode, take back the pages of export @slot. */
void cmmc_export_unexpose(struct cmmc_peer *p, unsigned int slot);

#endif /* CMMC_PRIVATE_H */
