/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef HRDMA_PRIVATE_H
#define HRDMA_PRIVATE_H

/* HRDMA internals shared by the control path, the data path and the tests. */

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "rte_marlin_hrdma.h"
#include "hrdma_wire.h"

extern int marlin_hrdma_logtype;

#define HRDMA_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, marlin_hrdma_logtype, \
		"marlin.hrdma: " fmt "\n", ##__VA_ARGS__)

/*
 * Recovery from a peer fault. A channel that finds garbage written by the
 * peer withdraws its handshake, holds ERROR for a backoff, then negotiates
 * again. The backoff starts at HRDMA_BACKOFF_MIN_MS and doubles while faults
 * follow each other (the channel did not stay UP for HRDMA_HEALTHY_MS in
 * between), up to HRDMA_BACKOFF_MAX_MS, which bounds recovery once the
 * garbage stops (see doc/guides/hrdma.rst).
 */
#define HRDMA_BACKOFF_MIN_MS 10
#define HRDMA_BACKOFF_MAX_MS 200
#define HRDMA_HEALTHY_MS 1000
/* Control-path log lines per channel: a burst, then one per interval. */
#define HRDMA_LOG_BURST 4
#define HRDMA_LOG_INTERVAL_MS 1000

/* Next backoff after a fault: @prev_ms is the last one, @healthy whether
 * the channel stayed UP long enough since. Pure (unit tested). */
static inline uint32_t
hrdma_backoff_next(uint32_t prev_ms, int healthy)
{
	if (healthy || prev_ms < HRDMA_BACKOFF_MIN_MS)
		return HRDMA_BACKOFF_MIN_MS;
	return prev_ms >= HRDMA_BACKOFF_MAX_MS / 2 ? HRDMA_BACKOFF_MAX_MS :
		prev_ms * 2;
}

static inline int
hrdma_log2_exact(uint32_t v)
{
	return rte_is_power_of_2(v) ? (int)rte_log2_u32(v) : -1;
}

/* The geometry word of the handshake (HRDMA_SPAD_GEOM) for @c. */
static inline uint32_t
hrdma_geom_word(const struct rte_marlin_hrdma_conf *c)
{
	return c->nb_qp | (uint32_t)hrdma_log2_exact(c->depth) << 8 |
		(uint32_t)hrdma_log2_exact(c->msg_size) << 16;
}

/* ---- receive-side checks (pure: fuzzed by tests/fuzz) ------------------- */

enum hrdma_rx_verdict {
	HRDMA_RX_BAD = -1,   /* peer wrote something impossible */
	HRDMA_RX_EMPTY = 0,  /* nothing new in this slot yet */
	HRDMA_RX_READY = 1,  /* *out holds a checked descriptor */
};

/* What a peer's descriptors must stay within. */
struct hrdma_rx_limits {
	uint32_t epoch;       /* our epoch for this bring-up */
	uint32_t depth;       /* ring entries, power of two */
	uint32_t msg_size;    /* slot size */
	uint64_t region_len;  /* our exported region */
};

/*
 * Look at receive slot @slot, expected to hold descriptor number @n (1-based,
 * modulo 2^32). The descriptor is copied once into @out and only the copy is
 * checked and used afterwards, so a peer rewriting the slot meanwhile cannot
 * change what was checked.
 */
static inline enum hrdma_rx_verdict
hrdma_rx_parse(const struct hrdma_wire_desc *slot, uint32_t n,
		const struct hrdma_rx_limits *lim, struct hrdma_wire_desc *out,
		const char **why)
{
	uint64_t seq = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);

	if (seq != hrdma_seq_word(lim->epoch, n)) {
		/* another bring-up's entry, a fresh zero, or last lap: not yet */
		if ((uint32_t)(seq >> 32) != lim->epoch ||
				(uint32_t)seq == (uint32_t)(n - lim->depth))
			return HRDMA_RX_EMPTY;
		*why = "descriptor sequence number out of order";
		return HRDMA_RX_BAD;
	}
	memcpy(out, slot, sizeof(*out));
	out->seq = seq;

	if (out->flags & ~(uint16_t)HRDMA_WIRE_F_INLINE) {
		*why = "unknown descriptor flags";
		return HRDMA_RX_BAD;
	}
	if ((out->flags & HRDMA_WIRE_F_INLINE) && out->len > HRDMA_INLINE_MAX) {
		*why = "inline payload longer than a descriptor holds";
		return HRDMA_RX_BAD;
	}
	switch (out->opcode) {
	case HRDMA_WIRE_SEND:
		if (out->len > lim->msg_size) {
			*why = "message longer than the slot";
			return HRDMA_RX_BAD;
		}
		break;
	case HRDMA_WIRE_NOTIFY:
		if (out->len > lim->region_len ||
				out->offset > lim->region_len - out->len) {
			*why = "notification outside the exported region";
			return HRDMA_RX_BAD;
		}
		break;
	default:
		*why = "unknown descriptor opcode";
		return HRDMA_RX_BAD;
	}
	return HRDMA_RX_READY;
}

/*
 * Check a credit word written by the peer: it must carry our epoch and may
 * not run ahead of what we sent nor back from what it said before.
 * Returns the consumed count, or -1 for garbage; a word from another
 * bring-up counts as "nothing consumed yet".
 */
static inline int64_t
hrdma_credit_parse(uint64_t word, uint32_t epoch, uint32_t sent,
		uint32_t last_consumed)
{
	uint32_t consumed = (uint32_t)word;

	if ((uint32_t)(word >> 32) != epoch)
		return last_consumed;
	if ((uint32_t)(sent - consumed) > (uint32_t)(sent - last_consumed))
		return -1;  /* behind what it said before, or ahead of us */
	return consumed;
}

/* ---- data path vs control thread ---------------------------------------- */

/*
 * A data-path call marks its queue pair busy and then reads the channel
 * state; the control thread stores the state and then waits for busy to
 * clear before it resets rings (Dekker's pattern: each side stores, then
 * loads what the other stored). Each side needs its store ordered before
 * its load, which x86 (TSO) does not give without a full fence.
 *
 * With membarrier(2) registered (MEMBARRIER_CMD_PRIVATE_EXPEDITED), the
 * control thread alone pays: after storing the state it makes every running
 * thread of the process execute a full barrier, so a data-path thread
 * either published busy before that point (the control thread sees it and
 * waits) or loads the state after it (and sees the new state). The data
 * path then needs only a compiler barrier between the two. Without
 * membarrier both sides use a sequentially consistent fence as before.
 * Set once by a constructor of this library, before any thread runs.
 */
extern int hrdma_asym_fence;

/* Control thread: the heavy half, between storing the state and loading
 * the busy flags. */
void hrdma_heavy_fence(void);

/* ---- objects ------------------------------------------------------------ */

/*
 * An operation waiting for its turn to be published: with a DMA engine,
 * copies finish out of the caller's sight, and descriptors and completions
 * must still appear in posting order.
 */
struct hrdma_pend {
	uint64_t cookie;
	uint64_t imm;
	uint64_t off;
	uint32_t len;
	uint32_t desc_n;        /* descriptor number (tx_n after it), 0: none */
	uint32_t epoch;         /* qp epoch when posted */
	int32_t status;
	uint8_t opcode;         /* enum rte_marlin_hrdma_opcode */
	uint8_t wire_op;        /* enum hrdma_wire_op, 0: no descriptor */
	uint8_t dma;            /* copy by the engine */
	uint8_t done;           /* engine reported it */
	uint8_t cqe;            /* completion wanted */
	uint8_t inl_len;        /* bytes in inl (inline payload) */
	uint8_t inl[HRDMA_INLINE_MAX];
};

struct rte_marlin_hrdma_qp {
	/* transmit: written by this host into the peer's slice */
	struct hrdma_wire_desc *tx_desc;        /* peer's window */
	uint8_t *tx_slots;                      /* peer's window */
	const struct hrdma_wire_credit *tx_credit; /* ours: peer writes */
	uint8_t *remote_region;                 /* peer's window */
	uint64_t remote_region_len;
	struct hrdma_wire_credit *tx_prod;      /* peer's window: we write */
	uint32_t tx_n;          /* descriptors sent this bring-up */
	uint32_t tx_consumed;   /* peer's last credit */
	uint32_t tx_prod_sent;  /* last value stored in tx_prod */
	uint32_t tx_full_calls; /* calls that found the ring full */
	uint8_t tx_credit_seen; /* a credit of this bring-up arrived */
	uint32_t depth;
	uint32_t msg_size;
	uint32_t epoch;         /* ours */
	uint32_t peer_epoch;

	/* receive: written by the peer into our slice */
	const struct hrdma_wire_desc *rx_desc;  /* ours */
	uint8_t *rx_slots;                      /* ours */
	struct hrdma_wire_credit *rx_credit;    /* peer's window: we write */
	uint8_t *local_region;
	const struct hrdma_wire_credit *rx_prod; /* ours: peer writes */
	uint32_t rx_n;          /* descriptors received */
	uint32_t rx_released;   /* descriptors released (credits given) */
	uint32_t rx_pub;        /* rx_n as the control thread may read it */
	struct hrdma_rx_limits lim;

	/* Stores into the peer's window may be write-combined (a PCIe BAR
	 * mapped WC), so the descriptor body needs a store fence before its
	 * sequence word. 0: the window is cacheable memory (ntb_shm), where
	 * program order of plain stores is what other CPUs see on x86. */
	uint8_t wc_order;

	/* CPU copies into the peer's window */
	uint32_t nt_threshold;    /* UINT32_MAX: never streaming stores */
	void (*nt_copy)(void *dst, const void *src, size_t len);

	/* DMA engine (dma_id < 0: the polling core copies everything) */
	int dma_id;
	uint16_t dma_q;
	uint8_t need_iova;
	uint32_t cpu_threshold;
	rte_iova_t remote_region_iova;
	rte_iova_t tx_slots_iova;
	struct hrdma_pend *pend;  /* depth entries */
	uint32_t pend_head;       /* next to publish */
	uint32_t pend_tail;       /* next to fill */
	uint32_t pend_dma;        /* next waiting for an engine status */
	uint32_t dma_inflight;    /* engine copies not collected (atomic) */

	/* completions, local */
	struct rte_marlin_hrdma_cqe *cq;
	uint32_t cq_size;       /* power of two */
	uint32_t cq_head;       /* next to hand out */
	uint32_t cq_tail;       /* next to fill */

	/* control thread only: a receive ring seen stalled on a slot */
	uint32_t stall_n;
	uint32_t stall_polls;

	/* state shared with the control thread */
	int *state;             /* &channel->state */
	int busy;               /* data-path call in progress */
	int peer_error;         /* set by the data path: garbage seen */
	const char *peer_error_why;
	uint16_t qid;

	/* optional check of received notifications (owner thread sets it) */
	rte_marlin_hrdma_notify_check_t notify_check;
	void *notify_check_arg;

	struct rte_marlin_hrdma_qp_stats stats;
} __rte_cache_aligned;

struct rte_marlin_hrdma_channel {
	uint16_t ntb_id;
	int pidx;
	struct rte_marlin_hrdma_conf conf;
	int state;                      /* enum rte_marlin_hrdma_state */
	int local_port;
	int peer_port;

	uint8_t *local_win;             /* our inbound window */
	size_t local_win_len;
	uint8_t *peer_win;              /* the peer's window, mapped */
	size_t peer_win_len;
	size_t slice_len;
	size_t qp_area_len;             /* one qp */
	size_t rings_len;               /* all qps, 4 KiB aligned */
	uint8_t *local_slice;           /* written by the peer */
	uint8_t *remote_slice;          /* written by us */
	uint8_t *local_region;
	size_t local_region_len;
	size_t remote_region_len;

	uint32_t epoch;                 /* ours, this bring-up */
	uint32_t peer_epoch;            /* the peer's, accepted */
	uint64_t ntb_peer_epoch;        /* device-level epoch of the peer */
	uint64_t link_ups;
	uint64_t peer_errors;
	const char *error;              /* last error since the last UP */
	int error_logged;
	uint32_t peer_geom;             /* geometry word of a refused peer; 0: none */

	/* Recovery from a peer fault (garbage seen while UP): the handshake
	 * is withdrawn and the channel stays in ERROR until retry_at, then
	 * negotiates again with a fresh epoch. 0: not a fault (a refused
	 * handshake waits for the peer's next bring-up instead). */
	uint64_t retry_at;              /* timer cycles */
	uint32_t backoff_ms;            /* hold of the last fault */
	uint64_t up_at;                 /* timer cycles when it last came UP */

	/* Rate limit of this channel's control-path log lines. */
	uint64_t log_refill_at;         /* timer cycles */
	uint32_t log_tokens;
	uint64_t log_suppressed;

	struct rte_marlin_hrdma_qp *qp[RTE_MARLIN_HRDMA_MAX_QP];

	/* Ranges mode (rte_marlin_ntb_mw_expose()): our rings are exposed to
	 * the peer (taken back at destroy); the channel goes UP only once
	 * this host maps the peer's rings for us (rings_wait_logged: the
	 * wait was logged once). */
	int rings_exposed;
	int rings_wait_logged;
};

/* hrdma_link.c: stop the channel (state DOWN, data path quiet, handshake
 * withdrawn); @why is logged when it was UP. Control thread. */
void hrdma_go_down(struct rte_marlin_hrdma_channel *ch, const char *why);

#endif /* HRDMA_PRIVATE_H */
