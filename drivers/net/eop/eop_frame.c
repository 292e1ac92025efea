/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP frame checks on the receive side: pure functions over completions and
 * packed messages that the peer wrote (unit-tested on their own). Every
 * value they look at comes from the peer; what they accept is safe to
 * describe as mbufs.
 */

#include <string.h>

#include <rte_ether.h>

#include "eop_private.h"

static inline int
frag_ok(const struct rte_marlin_hrdma_cqe *c, uint64_t first_imm, uint32_t idx)
{
	uint64_t imm = c->imm;

	return c->opcode == RTE_MARLIN_HRDMA_OP_RECV && c->status == 0 &&
		eop_imm_magic_ok(imm) && eop_imm_idx(imm) == idx &&
		(imm & ~UINT64_C(0xff0000)) == (first_imm & ~UINT64_C(0xff0000));
}

int
eop_frame_check(const struct rte_marlin_hrdma_cqe *c, uint16_t n,
		uint32_t slot_size, uint16_t *used, uint32_t *frame_len,
		uint32_t *pad)
{
	uint64_t imm;
	uint32_t count, len, flags, sum, p, i;

	if (n == 0) {
		*used = 0;
		return EOP_FRAME_PARTIAL;
	}
	imm = c[0].imm;
	*used = 1;
	if (c[0].opcode != RTE_MARLIN_HRDMA_OP_RECV || c[0].status != 0 ||
			!eop_imm_magic_ok(imm) || eop_imm_idx(imm) != 0)
		return EOP_FRAME_BAD;
	count = eop_imm_count(imm);
	len = eop_imm_len(imm);
	flags = eop_imm_flags(imm);
	if (count == 0 || count > EOP_MAX_FRAGS || (flags & ~EOP_IMM_F_KNOWN))
		return EOP_FRAME_BAD;
	p = (flags & EOP_IMM_F_PAD) ? EOP_PAD : 0;
	if (c[0].len < p || c[0].len > slot_size)
		return EOP_FRAME_BAD;
	sum = c[0].len - p;
	for (i = 1; i < count; i++) {
		if (i >= n)
			return EOP_FRAME_PARTIAL;
		if (!frag_ok(&c[i], imm, i) || c[i].len > slot_size) {
			*used = (uint16_t)i;    /* drop what belonged to it */
			return EOP_FRAME_BAD;
		}
		sum += c[i].len;
	}
	*used = (uint16_t)count;
	if (sum != len || len < RTE_ETHER_HDR_LEN)
		return EOP_FRAME_BAD;
	*frame_len = len;
	*pad = p;
	return EOP_FRAME_OK;
}

int
eop_pack_check(const struct rte_marlin_hrdma_cqe *c, uint32_t slot_size)
{
	uint64_t imm = c->imm;
	uint32_t count = eop_imm_count(imm);

	return c->opcode == RTE_MARLIN_HRDMA_OP_RECV && c->status == 0 &&
		eop_imm_magic_ok(imm) && eop_imm_idx(imm) == 0 &&
		eop_imm_flags(imm) == EOP_IMM_F_PACK &&
		count >= 1 && count <= EOP_PACK_FRAMES &&
		eop_imm_len(imm) == c->len && c->len <= slot_size;
}

const uint8_t *
eop_pack_next(const uint8_t *msg, uint32_t msg_len, uint32_t *off,
		uint32_t *frame_len)
{
	struct eop_wire_rec r;
	uint32_t o = *off;

	if (o > msg_len || msg_len - o < sizeof(r))
		return NULL;
	/* One copy of the header: the peer may rewrite the slot meanwhile. */
	memcpy(&r, msg + o, sizeof(r));
	if (r.reserved != 0 || r.len < RTE_ETHER_HDR_LEN ||
			eop_rec_size(r.len) > msg_len - o)
		return NULL;
	*off = o + eop_rec_size(r.len);
	*frame_len = r.len;
	return msg + o + sizeof(r);
}

/*
 * A frame the peer built in place in our region (flag EOP_IMM_F_INPLACE):
 * @c is our private copy of the notification. The frame must leave EOP_PAD
 * bytes of headroom after the control lines and end inside the region.
 * Returns 1 with *frame_len set, or 0.
 */
int
eop_inplace_check(const struct rte_marlin_hrdma_cqe *c, uint32_t region_len,
		uint32_t *frame_len)
{
	uint64_t imm = c->imm, off = c->offset;
	uint32_t len = eop_imm_len(imm);

	if (c->opcode != RTE_MARLIN_HRDMA_OP_RECV_NOTIFY || c->status != 0 ||
			c->len != 0 || !eop_imm_magic_ok(imm) ||
			eop_imm_idx(imm) != 0 || eop_imm_count(imm) != 1 ||
			eop_imm_flags(imm) != EOP_IMM_F_INPLACE ||
			len < RTE_ETHER_HDR_LEN)
		return 0;
	if (off < sizeof(struct eop_wire_ctl) + EOP_PAD || off > region_len ||
			len > region_len - off)
		return 0;
	*frame_len = len;
	return 1;
}

/* A list of small frames built in place (EOP_IMM_F_LIST): the list itself
 * must lie in the region after the control lines. Returns 1 or 0. */
int
eop_list_check(const struct rte_marlin_hrdma_cqe *c, uint32_t region_len)
{
	uint64_t imm = c->imm, off = c->offset;
	uint32_t count = eop_imm_count(imm);

	return c->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY && c->status == 0 &&
		c->len == 0 && eop_imm_magic_ok(imm) && eop_imm_idx(imm) == 0 &&
		eop_imm_flags(imm) == (EOP_IMM_F_INPLACE | EOP_IMM_F_LIST) &&
		count >= 1 && count <= EOP_PACK_FRAMES &&
		eop_imm_len(imm) == count * sizeof(struct eop_wire_ref) &&
		off >= sizeof(struct eop_wire_ctl) && off <= region_len &&
		eop_imm_len(imm) <= region_len - off;
}

/* Entry @k of a checked list: one copy of it, then the frame it names must
 * lie in the region after the control lines. Returns the frame or NULL. */
const uint8_t *
eop_list_next(const uint8_t *region, uint32_t region_len,
		const struct rte_marlin_hrdma_cqe *c, uint32_t k,
		uint32_t *frame_len)
{
	struct eop_wire_ref r;

	memcpy(&r, region + c->offset + (size_t)k * sizeof(r), sizeof(r));
	if (r.reserved != 0 || r.len < RTE_ETHER_HDR_LEN ||
			r.off < sizeof(struct eop_wire_ctl) || r.off > region_len ||
			r.len > region_len - r.off)
		return NULL;
	*frame_len = r.len;
	return region + r.off;
}
