/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef CMMC_WIRE_H
#define CMMC_WIRE_H

/*
 * What CMMC puts where another host can see it.
 *
 * 1. The key (struct rte_cmmc_key): 64 bytes an application carries from the
 *    owner of a region to the one peer allowed to use it, by any means. Its
 *    layout is public: enum rte_cmmc_key_field and rte_cmmc_key_checksum()
 *    in rte_cmmc.h.
 *
 * 2. The key table. Each host's HRDMA region for a peer (the memory that
 *    peer's one-sided operations reach) starts with CMMC_KEYTAB_LEN bytes
 *    that only the peer writes: the peer's table of the keys it exported to
 *    this host. The owner writes it through its control queue pair (the
 *    channel's last);
 *    the importer reads it locally, before every operation, so a revocation
 *    reaches the importer as one posted write and nobody polls across the
 *    bridge.
 *
 *      header (64 bytes): magic word (written last, cleared first while the
 *        table is rewritten), owner's instance epoch, owner's HRDMA epoch of
 *        this bring-up, owner and importer ports, slot count
 *      CMMC_MAX_KEYS entries of 64 bytes, each guarded by a sequence word:
 *        odd while the owner rewrites the entry (written alone, first), the
 *        body, then the next even value (written alone, last). An 8-byte
 *        aligned word is carried by one store of the CPU or of a DMA engine.
 *
 *    An entry holds no secret: the table lives in the importer's memory, and
 *    anything there can be read by any code on the importing host (and by
 *    whoever else can read that memory). It holds a verifier instead:
 *    SipHash-2-4 of the entry's fields (slot, generation, rights, owner,
 *    importer, offset, length) keyed by the key's 64-bit secret and the
 *    owner's instance epoch (cmmc_key_verifier()). Whoever holds a key
 *    computes the verifier and compares; whoever only reads the table would
 *    have to recover the secret from a SipHash tag, which the PRF makes a
 *    search over 2^64 secrets. The owner keeps the secrets in its private
 *    memory (to check revocations). Version 1 tables (magic "CMMCKTB1")
 *    carried the secrets themselves; they are refused with a line saying
 *    the peer runs an older release.
 *
 * Everything read from the table is a peer's input: it is copied once,
 * checked, and only the copy is used.
 */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rte_cmmc.h"
#include "cmmc_siphash.h"

#define CMMC_KEY_MAGIC      RTE_CMMC_KEY_MAGIC
#define CMMC_KEY_VERSION    RTE_CMMC_KEY_VERSION
#define CMMC_KEY_LEN        RTE_CMMC_KEY_SIZE

#define CMMC_TAB_MAGIC      UINT64_C(0x3242544b434d4d43) /* "CMMCKTB2" */
/* The version 1 table (secrets in the clear), refused by name. */
#define CMMC_TAB_MAGIC_V1   UINT64_C(0x3142544b434d4d43) /* "CMMCKTB1" */
#define CMMC_MAX_KEYS       255
#define CMMC_KEYTAB_LEN     (64u * (CMMC_MAX_KEYS + 1))  /* 16 KiB */

#define CMMC_ACCESS_MASK    0x3u  /* RTE_CMMC_ACCESS_READ | _WRITE */

/* Entry states. */
enum cmmc_ent_state {
	CMMC_ENT_FREE = 0,
	CMMC_ENT_LIVE = 1,
	CMMC_ENT_REVOKED = 2,
};

struct cmmc_wire_tab_hdr {
	uint64_t magic;         /* CMMC_TAB_MAGIC when valid; written last */
	uint64_t inst_epoch;    /* owner's instance */
	uint32_t hrdma_epoch;   /* owner's HRDMA epoch of this bring-up */
	uint16_t owner;         /* owner's port */
	uint16_t importer;      /* port of the host this table is for */
	uint32_t nb_slots;      /* CMMC_MAX_KEYS */
	uint32_t pad;
	uint64_t reserved[4];
};

struct cmmc_wire_keyent {
	uint64_t seq;           /* even: stable; odd: being rewritten */
	uint64_t verifier;      /* cmmc_key_verifier() of the key's fields */
	uint64_t offset;        /* in the owner's region for the importer */
	uint64_t len;
	uint32_t gen;           /* bumped each time the slot is given out */
	uint8_t access;
	uint8_t state;          /* enum cmmc_ent_state */
	uint16_t pad;
	uint64_t reserved[3];
};

static_assert(sizeof(struct cmmc_wire_tab_hdr) == 64, "header is one line");
static_assert(sizeof(struct cmmc_wire_keyent) == 64, "entry is one line");
static_assert(offsetof(struct cmmc_wire_keyent, seq) == 0, "seq first");
static_assert(CMMC_KEYTAB_LEN == sizeof(struct cmmc_wire_tab_hdr) +
	      CMMC_MAX_KEYS * sizeof(struct cmmc_wire_keyent), "table size");
static_assert(CMMC_KEYTAB_LEN % 4096 == 0, "table is whole pages");
static_assert(RTE_CMMC_KEY_OFF_CHECKSUM + 8 == RTE_CMMC_KEY_SIZE,
	      "the checksum is the last word of a key");

/* The decoded fields of a key. */
struct cmmc_key_fields {
	uint8_t version;
	uint8_t access;
	uint16_t slot;
	uint16_t owner;
	uint16_t importer;
	uint32_t gen;
	uint64_t inst_epoch;
	uint64_t offset;
	uint64_t len;
	uint64_t secret;
};

static inline void
cmmc_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
cmmc_put32(uint8_t *p, uint32_t v)
{
	cmmc_put16(p, (uint16_t)v);
	cmmc_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void
cmmc_put64(uint8_t *p, uint64_t v)
{
	cmmc_put32(p, (uint32_t)v);
	cmmc_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t
cmmc_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t
cmmc_get32(const uint8_t *p)
{
	return cmmc_get16(p) | (uint32_t)cmmc_get16(p + 2) << 16;
}

static inline uint64_t
cmmc_get64(const uint8_t *p)
{
	return cmmc_get32(p) | (uint64_t)cmmc_get32(p + 4) << 32;
}

/* Serialise @f into the 64 bytes at @out. */
static inline void
cmmc_key_encode(const struct cmmc_key_fields *f, uint8_t *out)
{
	memset(out, 0, CMMC_KEY_LEN);
	cmmc_put32(out + RTE_CMMC_KEY_OFF_MAGIC, CMMC_KEY_MAGIC);
	out[RTE_CMMC_KEY_OFF_VERSION] = CMMC_KEY_VERSION;
	out[RTE_CMMC_KEY_OFF_ACCESS] = f->access;
	cmmc_put16(out + RTE_CMMC_KEY_OFF_REGION, f->slot);
	cmmc_put16(out + RTE_CMMC_KEY_OFF_OWNER, f->owner);
	cmmc_put16(out + RTE_CMMC_KEY_OFF_IMPORTER, f->importer);
	cmmc_put32(out + RTE_CMMC_KEY_OFF_GENERATION, f->gen);
	cmmc_put64(out + RTE_CMMC_KEY_OFF_INSTANCE, f->inst_epoch);
	cmmc_put64(out + RTE_CMMC_KEY_OFF_OFFSET, f->offset);
	cmmc_put64(out + RTE_CMMC_KEY_OFF_LENGTH, f->len);
	cmmc_put64(out + RTE_CMMC_KEY_OFF_SECRET, f->secret);
	cmmc_put64(out + RTE_CMMC_KEY_OFF_CHECKSUM,
		   rte_cmmc_key_checksum((const struct rte_cmmc_key *)out));
}

/*
 * The verifier the owner stores in place of a key's secret: SipHash-2-4
 * keyed by (secret, owner's instance epoch) over the entry's fields, so the
 * tag binds the secret to that one slot, generation, range and pair of
 * hosts. The instance epoch is public (it is in the table header and the
 * key); it only makes tags of different owner instances unrelated.
 */
static inline uint64_t
cmmc_key_verifier(const struct cmmc_key_fields *f)
{
	uint8_t m[32];

	cmmc_put16(m, f->slot);
	cmmc_put16(m + 2, f->owner);
	cmmc_put16(m + 4, f->importer);
	m[6] = f->access;
	m[7] = 0;
	cmmc_put32(m + 8, f->gen);
	cmmc_put32(m + 12, 0);
	cmmc_put64(m + 16, f->offset);
	cmmc_put64(m + 24, f->len);
	return cmmc_siphash24(f->secret, f->inst_epoch, m, sizeof(m));
}

/*
 * What is wrong with a private copy of a peer's table header, or NULL when
 * it is a table of this release from @owner for @importer (or a zero magic
 * word: being written, not an error yet).
 */
static inline const char *
cmmc_tab_hdr_problem(const struct cmmc_wire_tab_hdr *h, uint16_t owner,
		uint16_t importer)
{
	if (h->magic == 0)
		return NULL;
	if (h->magic == CMMC_TAB_MAGIC_V1)
		return "the peer writes a version 1 key table (secrets in the clear): it runs an older CMMC release; run the same release on both hosts";
	if (h->magic != CMMC_TAB_MAGIC)
		return "the peer's key table header in this host's memory is garbage";
	if (h->owner != owner || h->importer != importer)
		return "the key table in this host's memory names another owner or importer than this pair of hosts";
	if (h->nb_slots != CMMC_MAX_KEYS)
		return "the peer's key table has another slot count than this release's 255";
	return NULL;
}

/*
 * Parse 64 key bytes. Returns 0; -EBADMSG (not a key, damaged, or a field
 * out of range: *why says which); -EPROTONOSUPPORT (another key version).
 */
static inline int
cmmc_key_decode(const uint8_t *in, struct cmmc_key_fields *f, const char **why)
{
	memset(f, 0, sizeof(*f));
	if (cmmc_get32(in + RTE_CMMC_KEY_OFF_MAGIC) != CMMC_KEY_MAGIC) {
		*why = "not a CMMC key (bad magic)";
		return -EBADMSG;
	}
	if (cmmc_get64(in + RTE_CMMC_KEY_OFF_CHECKSUM) !=
	    rte_cmmc_key_checksum((const struct rte_cmmc_key *)in)) {
		*why = "key damaged (checksum mismatch)";
		return -EBADMSG;
	}
	if (in[RTE_CMMC_KEY_OFF_VERSION] != CMMC_KEY_VERSION) {
		*why = "key of another CMMC version";
		return -EPROTONOSUPPORT;
	}
	f->version = in[RTE_CMMC_KEY_OFF_VERSION];
	f->access = in[RTE_CMMC_KEY_OFF_ACCESS];
	f->slot = cmmc_get16(in + RTE_CMMC_KEY_OFF_REGION);
	f->owner = cmmc_get16(in + RTE_CMMC_KEY_OFF_OWNER);
	f->importer = cmmc_get16(in + RTE_CMMC_KEY_OFF_IMPORTER);
	f->gen = cmmc_get32(in + RTE_CMMC_KEY_OFF_GENERATION);
	f->inst_epoch = cmmc_get64(in + RTE_CMMC_KEY_OFF_INSTANCE);
	f->offset = cmmc_get64(in + RTE_CMMC_KEY_OFF_OFFSET);
	f->len = cmmc_get64(in + RTE_CMMC_KEY_OFF_LENGTH);
	f->secret = cmmc_get64(in + RTE_CMMC_KEY_OFF_SECRET);
	if (cmmc_get64(in + RTE_CMMC_KEY_OFF_RESERVED) != 0) {
		*why = "reserved key field is not zero";
		return -EBADMSG;
	}
	if (f->access == 0 || (f->access & ~CMMC_ACCESS_MASK) != 0) {
		*why = "key has invalid access bits";
		return -EBADMSG;
	}
	if (f->slot >= CMMC_MAX_KEYS) {
		*why = "key names a region id out of range";
		return -EBADMSG;
	}
	if (f->len == 0 || f->offset + f->len < f->offset) {
		*why = "key has an empty or wrapping range";
		return -EBADMSG;
	}
	return 0;
}

#endif /* CMMC_WIRE_H */
