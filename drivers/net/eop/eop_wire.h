/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef EOP_WIRE_H
#define EOP_WIRE_H

/*
 * What one EOP host writes into another host's memory, on top of HRDMA.
 *
 * Queue pairs. An EOP port with Q queues each way runs one HRDMA channel of
 * 2 Q queue pairs to its peer, and uses every queue pair in one direction
 * only, so that a receive queue and a transmit queue of the same number can
 * be polled by different lcores:
 *
 *   the host with the lower port number sends queue q on queue pair 2q and
 *   receives queue q on 2q+1; the other host the other way round.
 *
 * Frames. A frame is one or more HRDMA messages (fragments), one ring slot
 * each, sent back to back on one queue pair. Each fragment's 64-bit
 * immediate describes the frame (struct layout below, built with
 * eop_imm_make()): every fragment of a frame carries the same length, count
 * and flags, and its own index. The first fragment may start with
 * EOP_PAD bytes of padding (flag EOP_IMM_F_PAD) so that a receiver can hand
 * the slot to the application as an mbuf with headroom (zero-copy receive);
 * the padding is not part of the frame.
 *
 * Packed frames. Small frames ride several to a slot: one message with
 * flag EOP_IMM_F_PACK holds back-to-back records (struct eop_wire_rec, then
 * the frame, then padding to 4 bytes); its immediate carries the message
 * length and the number of records (in place of the fragment count), and
 * fragment index 0. This spares a descriptor per small frame; the sender
 * gathers the frames locally and the message crosses in one copy.
 *
 * Frames built in place. A sender with a transmit pool
 * (rte_pmd_eop_tx_mempool()) has its frames written by the application
 * straight into buffers at the end of the receiver's exported HRDMA region,
 * and posts only a descriptor: an HRDMA WRITE_NOTIFY of no bytes whose
 * offset names where the frame starts in that region and whose immediate
 * (flag EOP_IMM_F_INPLACE, fragment 0 of 1) carries its length. The
 * receiver checks offset and length on its private copy of the completion
 * (eop_inplace_check()): EOP_PAD bytes of headroom and the frame inside the
 * region, after the control lines. The buffer belongs to the receiver until
 * it gives the ring entry back, as a slot does. Small frames go several to
 * a notification: flags EOP_IMM_F_INPLACE | EOP_IMM_F_LIST, the offset
 * names a list of struct eop_wire_ref (also built in place, in a buffer of
 * the pool), the count field the number of entries (at most
 * EOP_PACK_FRAMES) and the length field the list's bytes; the receiver
 * copies each entry once before checking and using it.
 *
 * Receive interrupts. The exported HRDMA region of each host starts with
 * one line per queue (struct eop_wire_ctl), written by the peer with HRDMA
 * WRITE: arm[q] is the peer's count of "receive queue q wants a doorbell".
 * A sender that sees arm[q] change after it posted frames on queue q rings
 * doorbell bit eop_db_bit(sender port, q) of the peer once.
 *
 * Every value here comes from the peer and is checked before use
 * (eop_imm_*() accessors, eop_frame_check()).
 */

#include <assert.h>
#include <stdint.h>

/** Most queues each way (HRDMA has 16 queue pairs per channel). */
#define EOP_MAX_QUEUES 8
/** Most fragments (ring slots) per frame. */
#define EOP_MAX_FRAGS 16
/** Padding in front of a padded first fragment. */
#define EOP_PAD 64
/** Largest frame the format can describe. */
#define EOP_FRAME_MAX 0xffff

/* Immediate: [15:0] frame length, [23:16] fragment index,
 * [31:24] fragment count, [39:32] flags, [63:40] magic. */
#define EOP_IMM_MAGIC UINT64_C(0x454f50)  /* "EOP" */
#define EOP_IMM_F_PAD 0x01u               /* first fragment starts with EOP_PAD */
#define EOP_IMM_F_PACK 0x02u              /* several frames, see above */
#define EOP_IMM_F_KNOWN (EOP_IMM_F_PAD | EOP_IMM_F_PACK)
#define EOP_IMM_F_INPLACE 0x04u           /* WRITE_NOTIFY: frame built in place */
#define EOP_IMM_F_LIST 0x08u              /* with INPLACE: a list of such frames */

/** One frame of an in-place list: where it starts in the receiver's
 *  region, and its length. */
struct eop_wire_ref {
	uint32_t off;
	uint16_t len;
	uint16_t reserved;    /**< zero */
};

static_assert(sizeof(struct eop_wire_ref) == 8, "list entry");

/** Most frames in one packed message. */
#define EOP_PACK_FRAMES 64
/** Largest packed message. */
#define EOP_PACK_BYTES 4096

/** Header of one frame in a packed message. */
struct eop_wire_rec {
	uint16_t len;         /**< frame bytes that follow */
	uint16_t reserved;    /**< zero */
};

static_assert(sizeof(struct eop_wire_rec) == 4, "record header");

/** Bytes a frame of @p len takes in a packed message. */
static inline uint32_t
eop_rec_size(uint32_t len)
{
	return (uint32_t)sizeof(struct eop_wire_rec) + ((len + 3u) & ~3u);
}

static inline uint64_t
eop_imm_make(uint32_t frame_len, uint32_t idx, uint32_t count, uint32_t flags)
{
	return (uint64_t)(frame_len & 0xffff) | (uint64_t)(idx & 0xff) << 16 |
		(uint64_t)(count & 0xff) << 24 | (uint64_t)(flags & 0xff) << 32 |
		EOP_IMM_MAGIC << 40;
}

static inline uint32_t eop_imm_len(uint64_t imm) { return (uint32_t)(imm & 0xffff); }
static inline uint32_t eop_imm_idx(uint64_t imm) { return (uint32_t)(imm >> 16) & 0xff; }
static inline uint32_t eop_imm_count(uint64_t imm) { return (uint32_t)(imm >> 24) & 0xff; }
static inline uint32_t eop_imm_flags(uint64_t imm) { return (uint32_t)(imm >> 32) & 0xff; }
static inline int eop_imm_magic_ok(uint64_t imm) { return (imm >> 40) == EOP_IMM_MAGIC; }

/** One line per queue at offset 0 of each host's exported HRDMA region. */
struct eop_wire_arm {
	uint64_t seq;         /**< written by the peer's receive queue q */
	uint8_t pad[56];
};

struct eop_wire_ctl {
	struct eop_wire_arm arm[EOP_MAX_QUEUES];
};

static_assert(sizeof(struct eop_wire_arm) == 64, "one line per queue");
static_assert(sizeof(struct eop_wire_ctl) == 64 * EOP_MAX_QUEUES, "ctl size");

/** Doorbell bit that sender port @p port rings for queue @p q. */
static inline unsigned int
eop_db_bit(int port, unsigned int q)
{
	return ((unsigned int)port * EOP_MAX_QUEUES + q) % 64;
}

/** HRDMA queue pair used to send queue @p q, by the host with the lower
 *  port number (@p low != 0) or the higher one. */
static inline uint16_t
eop_tx_qp(int low, unsigned int q)
{
	return (uint16_t)(2 * q + (low ? 0 : 1));
}

/** HRDMA queue pair used to receive queue @p q. */
static inline uint16_t
eop_rx_qp(int low, unsigned int q)
{
	return (uint16_t)(2 * q + (low ? 1 : 0));
}

#endif /* EOP_WIRE_H */
