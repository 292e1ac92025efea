/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef HRDMA_WIRE_H
#define HRDMA_WIRE_H

/*
 * What one host writes into another host's memory for HRDMA. Everything here
 * is written by the remote sender and read by the local owner, or the other
 * way round; nothing is written by both.
 *
 * Handshake: scratchpads 0..HRDMA_SPAD_COUNT-1 of the bank each host owns on
 * its peer (rte_marlin_ntb_peer_spad_write), read by the peer with
 * rte_marlin_ntb_spad_read. The magic word is cleared first and written last.
 *
 * Window: the owner's inbound window is split into slices, one per port
 * number when the device shares windows among peers (ntb_shm), else one
 * slice covering the window. The slice of port P, written only by P, is:
 *
 *   qp 0: [credit line][producer line][desc 0 .. depth-1][slot 0 .. depth-1]
 *   qp 1: ...
 *   (4 KiB aligned) region: target of P's WRITE / READ / WRITE_NOTIFY
 *
 * Credit line of qp q in the slice of P: P's consumption of the ring that
 * the owner sends to P on qp q (so the owner reads its credits locally).
 *
 * Producer line of qp q in the slice of P: (owner's epoch << 32) | number of
 * descriptors P has published to the owner on qp q, stored by P (after
 * the descriptors' sequence words) when it finds its ring full. It lets the
 * owner tell a ring stalled on an overwritten descriptor from an idle one.
 *
 * Descriptor validity: the last 8 bytes of a descriptor are its sequence
 * word, (receiver epoch << 32) | (n + 1) for the n-th descriptor of the
 * queue pair in this bring-up, stored after a write barrier. The receiver
 * polls the word of the next slot: a different epoch or the previous lap's
 * number means "not yet"; anything else that is not the expected word is a
 * protocol error.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define HRDMA_MAGIC          0x484d4100u /* "HMA" + version byte */
#define HRDMA_MAGIC_MASK     0xffffff00u

enum hrdma_spad {
	HRDMA_SPAD_MAGIC = 0,   /* HRDMA_MAGIC | version */
	HRDMA_SPAD_EPOCH = 1,   /* writer's epoch for this bring-up, != 0 */
	HRDMA_SPAD_GEOM = 2,    /* nb_qp | log2(depth) << 8 | log2(msg_size) << 16 */
	HRDMA_SPAD_SLICE = 3,   /* slice size, 4 KiB units */
	HRDMA_SPAD_REGION = 4,  /* region the writer exports, 4 KiB units */
	HRDMA_SPAD_ACK = 5,     /* the reader's epoch the writer has accepted */
	HRDMA_SPAD_COUNT = 6,
};

#define HRDMA_PAGE 4096u

/* Descriptor opcodes on the wire. */
enum hrdma_wire_op {
	HRDMA_WIRE_SEND = 1,     /* message in the slot (or inline) */
	HRDMA_WIRE_NOTIFY = 2,   /* immediate after a write at offset/len */
};

#define HRDMA_WIRE_F_INLINE 0x1  /* payload in inl[], not in slot/region */
#define HRDMA_INLINE_MAX 32

struct hrdma_wire_desc {
	uint64_t imm;
	uint64_t offset;          /* NOTIFY: offset in the receiver's region */
	uint32_t len;
	uint16_t opcode;          /* enum hrdma_wire_op */
	uint16_t flags;           /* HRDMA_WIRE_F_* */
	uint8_t inl[HRDMA_INLINE_MAX];
	uint64_t seq;             /* written last */
};

static_assert(sizeof(struct hrdma_wire_desc) == 64, "descriptor is one line");
static_assert(offsetof(struct hrdma_wire_desc, seq) == 56, "seq ends the line");

/* (epoch of the sender's bring-up << 32) | consumed count, one 8-byte store. */
struct hrdma_wire_credit {
	uint64_t word;
	uint8_t pad[56];
};

static_assert(sizeof(struct hrdma_wire_credit) == 64, "credit has its own line");

static inline uint64_t
hrdma_seq_word(uint32_t epoch, uint32_t n)
{
	return ((uint64_t)epoch << 32) | n;
}

/*
 * An inline payload into or out of a descriptor: copy @len <= HRDMA_INLINE_MAX bytes without a call into the C library:
 * two overlapping fixed-size moves per size class. Every byte of
 * [dst, dst + len) is written (some twice, with the same value) and no
 * byte outside [src, src + len) is read. A call with a variable length sat
 * between a message's arrival and its answer twice per one-way (compose on
 * send, apply on receive); scripts/bench/hrdma/line_floor compares the two
 * (modes desc, desc1).
 */
static inline void
hrdma_inl_copy(void *dst, const void *src, uint32_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (len >= 16) {
		memcpy(d, s, 16);
		memcpy(d + len - 16, s + len - 16, 16);
	} else if (len >= 8) {
		memcpy(d, s, 8);
		memcpy(d + len - 8, s + len - 8, 8);
	} else if (len >= 4) {
		memcpy(d, s, 4);
		memcpy(d + len - 4, s + len - 4, 4);
	} else if (len != 0) {
		d[0] = s[0];
		d[len / 2] = s[len / 2];
		d[len - 1] = s[len - 1];
	}
}

/* Bytes of one queue pair's area in a slice. */
static inline uint64_t
hrdma_qp_area_len(uint32_t depth, uint32_t msg_size)
{
	return 2 * 64 + (uint64_t)depth * sizeof(struct hrdma_wire_desc) +
		(uint64_t)depth * msg_size;
}

#endif /* HRDMA_WIRE_H */
