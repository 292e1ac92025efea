/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * libFuzzer target for what HRDMA reads from a peer: receive descriptors and
 * credit words. The input is a peer-written receive ring plus the limits the
 * receiver runs with; the loop below does what rte_marlin_hrdma_recv() does
 * with each verdict, including the copies into the slot and the region, so
 * AddressSanitizer sees any access a hostile ring could cause.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrdma_private.h"

#define MAX_DEPTH 64u
#define MSG_SIZE 256u
#define REGION 8192u

static uint8_t slots[MAX_DEPTH][MSG_SIZE];
static uint8_t region[REGION];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrdma_wire_desc ring[MAX_DEPTH], d;
	struct hrdma_rx_limits lim;
	uint32_t n, held = 0, i, sent, last;
	const char *why;
	uint64_t credit;

	if (size < 16)
		return 0;
	memset(ring, 0, sizeof(ring));
	lim.epoch = (uint32_t)data[0] << 8 | data[1] | 1;
	lim.depth = 1u << (data[2] % 7);               /* 1..64 */
	lim.msg_size = MSG_SIZE >> (data[3] % 3);
	lim.region_len = (uint64_t)(data[4] | data[5] << 8) % (REGION + 1);
	n = (uint32_t)data[6] << 24 | (uint32_t)data[7] << 16 | data[8] << 8 | data[9];
	memcpy(&credit, data + 8, sizeof(credit));
	sent = n;
	last = n - (data[10] % (lim.depth + 1));
	memcpy(ring, data + 16, RTE_MIN(size - 16, sizeof(ring)));

	/* Credits never run ahead of what was sent nor backwards. */
	{
		int64_t c = hrdma_credit_parse(credit, lim.epoch, sent, last);

		if (c >= 0 && (uint32_t)(sent - (uint32_t)c) > (uint32_t)(sent - last))
			abort();
	}

	for (i = 0; i < 2 * MAX_DEPTH; i++) {
		uint32_t slot = n & (lim.depth - 1);
		enum hrdma_rx_verdict v;

		if (held >= lim.depth)
			break;
		why = NULL;
		v = hrdma_rx_parse(&ring[slot], n + 1, &lim, &d, &why);
		if (v == HRDMA_RX_EMPTY)
			break;
		if (v == HRDMA_RX_BAD) {
			if (why == NULL)
				abort();
			break;
		}
		if (d.opcode == HRDMA_WIRE_SEND) {
			if (d.len > lim.msg_size)
				abort();
			if (d.flags & HRDMA_WIRE_F_INLINE)
				memcpy(slots[slot], d.inl, d.len);
		} else {
			if (d.offset + d.len > lim.region_len)
				abort();
			if (d.flags & HRDMA_WIRE_F_INLINE)
				memcpy(region + d.offset, d.inl, d.len);
			else if (d.len)
				region[d.offset + d.len - 1] ^= 1;
		}
		n++;
		held++;
	}
	return 0;
}
