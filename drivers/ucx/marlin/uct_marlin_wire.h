/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef UCT_MARLIN_WIRE_H
#define UCT_MARLIN_WIRE_H

/**
 * @file
 * What one host of the UCX transport writes to another: HRDMA SEND
 * messages whose 64-bit immediate says what they are, and the remote key.
 *
 * Immediate: bits 0..7 kind (enum um_kind), 8..15 active message id (AM
 * only), 16..31 the sender's endpoint id (requests that are answered),
 * 32..63 a sequence number (FLUSH_*, REVOKE_*) or the endpoint's
 * generation (GET_*), echoed in the answer. Every field is checked by the
 * receiver before use: a peer is untrusted.
 */

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

/** Layout version, in every remote key. */
#define UM_WIRE_VERSION 3

enum um_kind {
	UM_AM = 1,         /**< payload: the active message */
	UM_PUT = 2,        /**< payload: struct um_put_hdr + data */
	UM_GET_REQ = 3,    /**< payload: struct um_get_req */
	UM_GET_RESP = 4,   /**< payload: struct um_get_resp + data */
	UM_FLUSH_REQ = 5,  /**< no payload; answered by FLUSH_ACK */
	UM_FLUSH_ACK = 6,  /**< no payload; every earlier PUT is in place */
	UM_REVOKE = 7,     /**< no payload; the sender freed heap memory:
			        check its keys again. Sequence: its epoch */
	UM_REVOKE_ACK = 8, /**< no payload; keys of the receiver's heap are
			        checked again from here on. Sequence: the
			        epoch acknowledged */
};

#define UM_IMM(kind, am_id, ep_id, seq) \
	((uint64_t)(kind) | ((uint64_t)(am_id) << 8) | \
	 ((uint64_t)(ep_id) << 16) | ((uint64_t)(seq) << 32))
#define UM_IMM_KIND(imm)  ((uint8_t)(imm))
#define UM_IMM_AM_ID(imm) ((uint8_t)((imm) >> 8))
#define UM_IMM_EP(imm)    ((uint16_t)((imm) >> 16))
#define UM_IMM_SEQ(imm)   ((uint32_t)((imm) >> 32))

/** Packed remote key (uct_md_mkey_pack): names a registration. */
struct um_rkey_wire {
	uint16_t version;  /**< UM_WIRE_VERSION */
	uint16_t owner;    /**< owner's host id */
	uint32_t idx;      /**< slot in the owner's registration table */
	uint64_t base;     /**< registered address in the owner */
	uint64_t len;      /**< registered bytes */
	uint64_t secret;   /**< the owner checks it; revoked at deregistration */
	uint64_t heap_off; /**< 0, or where @c base is in the owner's heap
			        window (direct access, uct_marlin_heap.c) */
};
static_assert(sizeof(struct um_rkey_wire) == 40, "rkey layout");

/**
 * Copy a packed remote key (bytes from a peer) into @p w, the private copy
 * every later check reads. Only the version is checked here: a key with
 * @c heap_off is checked against the owner's heap at its first use
 * (um_heap_map()), any other by the owner at every request.
 * @return 0; -EPROTO (another layout version).
 */
static inline int
um_rkey_wire_read(const void *buf, struct um_rkey_wire *w)
{
	memcpy(w, buf, sizeof(*w));
	return w->version == UM_WIRE_VERSION ? 0 : -EPROTO;
}

/** A put: @c len bytes follow. */
struct um_put_hdr {
	uint32_t idx;
	uint32_t len;
	uint64_t secret;
	uint64_t addr;     /**< target address in the owner */
};
static_assert(sizeof(struct um_put_hdr) == 24, "put header layout");

/** A get request; answered by one GET_RESP with the same @c req. */
struct um_get_req {
	uint32_t idx;
	uint32_t len;
	uint64_t secret;
	uint64_t addr;
	uint32_t req;      /**< the requester's get slot */
	uint32_t reserved;
};
static_assert(sizeof(struct um_get_req) == 32, "get request layout");

/**
 * A piece of a get response: on success @c len bytes of data follow, to be
 * placed at @c offset of the requested range. Pieces of one request come
 * in order and cover the range; an error ends the request at once.
 */
struct um_get_resp {
	uint32_t req;
	int32_t status;    /**< 0, or -EACCES (refused by the owner) */
	uint32_t offset;   /**< of this piece in the requested range */
	uint32_t reserved;
};
static_assert(sizeof(struct um_get_resp) == 16, "get response layout");

/** Largest get (answered in pieces of one message each). */
#define UM_GET_MAX (256u << 10)

#endif /* UCT_MARLIN_WIRE_H */
