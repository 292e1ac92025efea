/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * libFuzzer target for what EOP's receive side reads from a peer: the
 * immediates, lengths and offsets of HRDMA completions, packed messages in
 * receive slots, and in-place frames and frame lists in the receiver's
 * region (drivers/net/eop/eop_frame.c). The loop walks the completions as
 * eop_rx_burst() does and reads every byte of every frame a check accepts,
 * from buffers of exactly the slot and region size, so AddressSanitizer sees
 * any read a hostile peer could cause; the checks' own promises (fragments
 * used, frame length, bounds) are verified with abort().
 *
 * Input: byte 0 slot size selector, bytes 1-2 region length, byte 3 number
 * of completions; then per completion 24 bytes (opcode bit, len, imm,
 * offset); what follows fills the slots and then the region.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eop_private.h"

#define MAX_CQE 32u
#define CQE_BYTES 24u
#define MAX_REGION 16384u

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every byte of a frame the checks accepted. */
static void
touch(const uint8_t *p, uint32_t len)
{
	uint8_t x = 0;
	uint32_t i;

	for (i = 0; i < len; i++)
		x ^= p[i];
	sink ^= x;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void
walk_pack(const struct rte_marlin_hrdma_cqe *c, const uint8_t *region,
	  uint32_t region_len, uint32_t slot_size)
{
	uint32_t count = eop_imm_count(c->imm), k, off = 0, len;
	int list = c->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
	const uint8_t *f;

	if (list ? !eop_list_check(c, region_len) : !eop_pack_check(c, slot_size))
		return;
	for (k = 0; k < count; k++) {
		len = 0;
		if (list)
			f = eop_list_next(region, region_len, c, k, &len);
		else
			f = eop_pack_next(c->data, c->len, &off, &len);
		if (f == NULL)
			return;
		if (len < RTE_ETHER_HDR_LEN)
			abort();
		touch(f, len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_marlin_hrdma_cqe cqe[MAX_CQE];
	uint8_t *slot[MAX_CQE] = { NULL };
	uint32_t slot_size, region_len, n, i;
	const uint8_t *rest;
	size_t left;
	uint8_t *region;

	if (size < 4)
		return 0;
	slot_size = 64u << (data[0] % 7);                    /* 64 B .. 4 KiB */
	region_len = (uint32_t)(data[1] | data[2] << 8) % (MAX_REGION + 1);
	n = data[3] % (MAX_CQE + 1);
	if (size < 4 + (size_t)n * CQE_BYTES)
		return 0;
	rest = data + 4 + (size_t)n * CQE_BYTES;
	left = size - 4 - (size_t)n * CQE_BYTES;

	/* Exactly sized buffers: a read one past their end is a report. */
	region = malloc(region_len ? region_len : 1);
	if (region == NULL)
		return 0;
	memset(region, 0, region_len);
	for (i = 0; i < n; i++) {
		const uint8_t *r = data + 4 + (size_t)i * CQE_BYTES;
		struct rte_marlin_hrdma_cqe *c = &cqe[i];
		uint32_t fill;

		memset(c, 0, sizeof(*c));
		c->opcode = (r[0] & 1) ? RTE_MARLIN_HRDMA_OP_RECV_NOTIFY :
					 RTE_MARLIN_HRDMA_OP_RECV;
		c->status = (r[0] & 0x80) ? -ERANGE : 0;
		c->imm = get64(r + 8);
		c->offset = get64(r + 16);
		if (c->opcode == RTE_MARLIN_HRDMA_OP_RECV) {
			/* HRDMA never hands out more than a slot. */
			c->len = (uint32_t)(r[2] | r[3] << 8) % (slot_size + 1);
			slot[i] = malloc(slot_size);
			if (slot[i] == NULL)
				goto out;
			memset(slot[i], 0, slot_size);
			fill = (uint32_t)RTE_MIN((size_t)slot_size, left);
			memcpy(slot[i], rest, fill);
			rest += fill;
			left -= fill;
			c->data = slot[i];
		} else {
			c->len = (r[1] & 1) ? (uint32_t)(r[2] | r[3] << 8) : 0;
		}
	}
	memcpy(region, rest, RTE_MIN((size_t)region_len, left));

	i = 0;
	while (i < n) {
		const struct rte_marlin_hrdma_cqe *c = &cqe[i];
		uint32_t len = 0, pad = 0, k, sum;
		uint16_t used = 0;
		int v;

		if (c->opcode == RTE_MARLIN_HRDMA_OP_RECV_NOTIFY &&
				!(eop_imm_flags(c->imm) & EOP_IMM_F_LIST)) {
			if (eop_inplace_check(c, region_len, &len)) {
				/* the receiver hands out the headroom as well */
				touch(region + c->offset - EOP_PAD, len + EOP_PAD);
			}
			i++;
			continue;
		}
		if (eop_imm_flags(c->imm) & (EOP_IMM_F_PACK | EOP_IMM_F_LIST)) {
			walk_pack(c, region, region_len, slot_size);
			i++;
			continue;
		}
		v = eop_frame_check(c, (uint16_t)(n - i), slot_size, &used,
				    &len, &pad);
		if (used > n - i)
			abort();
		if (v == EOP_FRAME_PARTIAL)
			break;
		if (used == 0)
			abort();
		if (v == EOP_FRAME_OK) {
			sum = 0;
			for (k = 0; k < used; k++) {
				uint32_t skip = k == 0 ? pad : 0;

				if (c[k].len < skip)
					abort();
				touch((const uint8_t *)c[k].data + skip,
				      c[k].len - skip);
				sum += c[k].len - skip;
			}
			if (sum != len || len < RTE_ETHER_HDR_LEN)
				abort();
		}
		i += used;
	}
out:
	for (i = 0; i < n; i++)
		free(slot[i]);
	free(region);
	return 0;
}
