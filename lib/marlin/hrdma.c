/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * HRDMA control path: channel creation, window layout, the scratchpad
 * handshake, link and peer-restart tracking.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_copy.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "hrdma_private.h"

RTE_LOG_REGISTER_SUFFIX(marlin_hrdma_logtype, hrdma, NOTICE);

/* One channel per (device, peer) in this process. */
static struct rte_marlin_hrdma_channel *
	channels[RTE_MARLIN_NTB_MAX_DEVS][RTE_MARLIN_NTB_MAX_PEERS];

static int
log2_exact(uint32_t v)
{
	return rte_is_power_of_2(v) ? (int)rte_log2_u32(v) : -1;
}

static int
conf_fill(struct rte_marlin_hrdma_conf *c, const struct rte_marlin_hrdma_conf *in)
{
	if (in != NULL)
		*c = *in;
	else {
		memset(c, 0, sizeof(*c));
		c->dma_dev_id = -1;
	}
	if (c->nb_qp == 0)
		c->nb_qp = 1;
	if (c->depth == 0)
		c->depth = 256;
	if (c->msg_size == 0)
		c->msg_size = 2048;
	if (c->cpu_threshold == 0)
		c->cpu_threshold = 4096;
	if (c->nb_qp > RTE_MARLIN_HRDMA_MAX_QP) {
		HRDMA_LOG(ERR, "nb_qp %u: at most %d queue pairs", c->nb_qp,
			RTE_MARLIN_HRDMA_MAX_QP);
		return -EINVAL;
	}
	if (log2_exact(c->depth) < 6 || c->depth > 4096) {
		HRDMA_LOG(ERR, "depth %u: must be a power of two in 64..4096", c->depth);
		return -EINVAL;
	}
	if (log2_exact(c->msg_size) < 6 || c->msg_size > 65536) {
		HRDMA_LOG(ERR, "msg_size %u: must be a power of two in 64..65536",
			c->msg_size);
		return -EINVAL;
	}
	if (c->widx < 0) {
		HRDMA_LOG(ERR, "widx %d: must be >= 0", c->widx);
		return -EINVAL;
	}
	if (c->dma_dev_id != -1) {
		struct rte_marlin_dma_info di;

		if (c->dma_dev_id < 0 ||
				rte_marlin_dma_info_get(c->dma_dev_id, &di) != 0) {
			HRDMA_LOG(ERR, "dma_dev_id %d: no such DMA engine (-1 for copies by the polling core)",
				c->dma_dev_id);
			return -EINVAL;
		}
		if (!di.started || di.nb_queues == 0) {
			HRDMA_LOG(ERR, "DMA engine %s: configure it (queue q serves queue pair q; queue pairs beyond its queues copy by the CPU) and start it before creating the channel",
				di.name);
			return -EINVAL;
		}
	}
	return 0;
}

/* Engine addressing for a queue pair; refuses memory the engine can't reach. */
static int
qp_dma_setup(struct rte_marlin_hrdma_channel *ch, struct rte_marlin_hrdma_qp *qp)
{
	struct rte_marlin_dma_info di;
	rte_iova_t win_iova = 0;
	int rc;

	qp->nt_copy = rte_marlin_copy_nt_fn(rte_marlin_copy_isa_default());
	qp->nt_threshold = ch->conf.nt_threshold != 0 && qp->nt_copy != NULL ?
		ch->conf.nt_threshold : UINT32_MAX;
	if (qp->nt_copy == NULL)
		qp->nt_copy = rte_marlin_copy_memcpy;
	qp->dma_id = ch->conf.dma_dev_id;
	qp->cpu_threshold = ch->conf.cpu_threshold;
	if (qp->dma_id < 0)
		return 0;
	qp->dma_q = qp->qid;
	rte_marlin_dma_info_get(qp->dma_id, &di);
	if (qp->qid >= di.nb_queues) {
		/* more queue pairs than engine queues: this one copies by CPU */
		qp->dma_id = -1;
		return 0;
	}
	qp->need_iova = !!(di.capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA);
	if (!qp->need_iova)
		return 0;
	rc = rte_marlin_dma_mem_iova(qp->dma_id, ch->peer_win, ch->peer_win_len,
				     &win_iova);
	if (rc != 0) {
		HRDMA_LOG(ERR, "DMA engine %s needs IO addresses and the peer's window has none it can use (%s); software NTB windows are plain files: use copies by the polling core (dma_dev_id -1) or an engine that takes virtual addresses",
			di.name, strerror(-rc));
		return -ENOTSUP;
	}
	qp->remote_region_iova = win_iova + (size_t)(qp->remote_region - ch->peer_win);
	qp->tx_slots_iova = win_iova + (size_t)(qp->tx_slots - ch->peer_win);
	return 0;
}

static uint32_t
geom_word(const struct rte_marlin_hrdma_conf *c)
{
	return c->nb_qp | (uint32_t)log2_exact(c->depth) << 8 |
		(uint32_t)log2_exact(c->msg_size) << 16;
}

/* Lay out one queue pair's pointers; the slices are fixed for the channel. */
static void
qp_layout(struct rte_marlin_hrdma_channel *ch, struct rte_marlin_hrdma_qp *qp)
{
	size_t off = (size_t)qp->qid * ch->qp_area_len;
	uint8_t *l = ch->local_slice + off;
	uint8_t *r = ch->remote_slice + off;
	size_t descs = (size_t)ch->conf.depth * sizeof(struct hrdma_wire_desc);

	qp->depth = ch->conf.depth;
	qp->msg_size = ch->conf.msg_size;
	/* our slice on the peer: our credits for its ring, our descs & slots */
	qp->rx_credit = (struct hrdma_wire_credit *)r;
	qp->tx_prod = (struct hrdma_wire_credit *)(r + 64);
	qp->tx_desc = (struct hrdma_wire_desc *)(r + 128);
	qp->tx_slots = r + 128 + descs;
	/* the peer's slice here: its credits for our ring, its descs & slots */
	qp->tx_credit = (const struct hrdma_wire_credit *)l;
	qp->rx_prod = (const struct hrdma_wire_credit *)(l + 64);
	qp->rx_desc = (const struct hrdma_wire_desc *)(l + 128);
	qp->rx_slots = l + 128 + descs;
	qp->local_region = ch->local_region;
	qp->remote_region = ch->remote_slice + ch->rings_len;
}

/* Reset a queue pair for a new bring-up; the data path is quiet. */
static void
qp_reset(struct rte_marlin_hrdma_channel *ch, struct rte_marlin_hrdma_qp *qp)
{
	qp->tx_n = 0;
	qp->tx_consumed = 0;
	qp->tx_prod_sent = 0;
	qp->tx_credit_seen = 0;
	qp->rx_n = 0;
	qp->rx_released = 0;
	__atomic_store_n(&qp->rx_pub, 0, __ATOMIC_RELAXED);
	qp->stall_n = 0;
	qp->stall_polls = 0;
	qp->epoch = ch->epoch;
	qp->peer_epoch = 0;
	qp->remote_region_len = 0;
	qp->lim.epoch = ch->epoch;
	qp->lim.depth = ch->conf.depth;
	qp->lim.msg_size = ch->conf.msg_size;
	qp->lim.region_len = ch->local_region_len;
	__atomic_store_n(&qp->peer_error, 0, __ATOMIC_RELAXED);
	qp->peer_error_why = NULL;
}

static void
set_state(struct rte_marlin_hrdma_channel *ch, int st)
{
	__atomic_store_n(&ch->state, st, __ATOMIC_SEQ_CST);
}

/* Wait until no data-path call runs on any queue pair (bounded). */
static void
quiesce(struct rte_marlin_hrdma_channel *ch)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 10;
	uint16_t q;

	for (q = 0; q < ch->conf.nb_qp; q++) {
		while (__atomic_load_n(&ch->qp[q]->busy, __ATOMIC_SEQ_CST)) {
			if (rte_get_timer_cycles() > deadline) {
				HRDMA_LOG(WARNING, "queue pair %u still busy after 100 ms; its thread must stop before the channel resets",
					q);
				return;
			}
			rte_pause();
		}
	}
}

/*
 * Engine copies started in an earlier bring-up must land before the rings
 * are reset, or they could overwrite new data. Only the owner thread
 * collects them (rte_marlin_hrdma_poll_cq), so wait a bounded time.
 */
static void
drain_engine(struct rte_marlin_hrdma_channel *ch)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 10;
	uint16_t q;

	for (q = 0; q < ch->conf.nb_qp; q++) {
		while (__atomic_load_n(&ch->qp[q]->dma_inflight, __ATOMIC_ACQUIRE)) {
			if (rte_get_timer_cycles() > deadline) {
				HRDMA_LOG(WARNING, "queue pair %u: engine copies still outstanding after 100 ms; poll its completions before the link comes back",
					q);
				return;
			}
			rte_pause();
		}
	}
}

/*
 * A log line about this channel, rate limited so that a peer cycling it
 * through faults cannot flood the log: HRDMA_LOG_BURST lines, then one per
 * HRDMA_LOG_INTERVAL_MS; the next line printed says how many were left out.
 */
static void __rte_format_printf(3, 4)
ch_log(struct rte_marlin_hrdma_channel *ch, uint32_t level, const char *fmt, ...)
{
	uint64_t now, iv;
	char msg[320];
	va_list ap;

	if (!rte_log_can_log(marlin_hrdma_logtype, level))
		return;
	now = rte_get_timer_cycles();
	iv = rte_get_timer_hz() * HRDMA_LOG_INTERVAL_MS / 1000;
	if (ch->log_refill_at == 0) {
		ch->log_tokens = HRDMA_LOG_BURST;
		ch->log_refill_at = now + iv;
	} else if (now >= ch->log_refill_at) {
		uint64_t n = (now - ch->log_refill_at) / iv + 1;

		ch->log_tokens = (uint32_t)RTE_MIN(ch->log_tokens + n,
						   (uint64_t)HRDMA_LOG_BURST);
		ch->log_refill_at += n * iv;
	}
	if (ch->log_tokens == 0) {
		ch->log_suppressed++;
		return;
	}
	ch->log_tokens--;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ch->log_suppressed != 0)
		rte_log(level, marlin_hrdma_logtype,
			"marlin.hrdma: ntb %u peer %d: %s (%" PRIu64 " earlier lines about this channel left out)\n",
			ch->ntb_id, ch->pidx, msg, ch->log_suppressed);
	else
		rte_log(level, marlin_hrdma_logtype,
			"marlin.hrdma: ntb %u peer %d: %s\n", ch->ntb_id, ch->pidx,
			msg);
	ch->log_suppressed = 0;
}

/* Withdraw our handshake: the peer sees the channel go down at its next
 * poll and can no longer take stale values. */
static void
withdraw(struct rte_marlin_hrdma_channel *ch)
{
	rte_marlin_ntb_peer_spad_write(ch->ntb_id, ch->pidx, HRDMA_SPAD_MAGIC, 0);
}

static void
go_down(struct rte_marlin_hrdma_channel *ch, const char *why)
{
	int st = __atomic_load_n(&ch->state, __ATOMIC_RELAXED);

	if (st == RTE_MARLIN_HRDMA_STATE_UP)
		ch_log(ch, RTE_LOG_NOTICE, "channel down (%s)", why);
	set_state(ch, RTE_MARLIN_HRDMA_STATE_DOWN);
	quiesce(ch);
	withdraw(ch);
	ch->error = NULL;
}

/* The handshake was refused: stay in ERROR, published, until the peer
 * starts a new bring-up (it sees the refusal too) or the link flaps. */
static void
go_error(struct rte_marlin_hrdma_channel *ch, const char *why)
{
	set_state(ch, RTE_MARLIN_HRDMA_STATE_ERROR);
	quiesce(ch);
	ch->error = why;
	ch->peer_errors++;
	ch->retry_at = 0;
	if (!ch->error_logged) {
		ch_log(ch, RTE_LOG_ERR, "channel stopped: %s", why);
		ch->error_logged = 1;
	}
}

/*
 * The peer wrote garbage while UP. Stop using the rings, withdraw the
 * handshake as going down does (so the peer goes down at its next poll and
 * operations in flight on both ends complete with -ENOLINK), then hold
 * ERROR for a backoff that grows while faults repeat; afterwards
 * rte_marlin_hrdma_channel_poll() negotiates again with a fresh epoch.
 */
static void
go_fault(struct rte_marlin_hrdma_channel *ch, const char *why)
{
	uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz();
	int healthy = ch->up_at != 0 &&
		now - ch->up_at >= hz * HRDMA_HEALTHY_MS / 1000;

	set_state(ch, RTE_MARLIN_HRDMA_STATE_ERROR);
	quiesce(ch);
	withdraw(ch);
	ch->error = why;
	ch->peer_errors++;
	ch->backoff_ms = hrdma_backoff_next(ch->backoff_ms, healthy);
	ch->retry_at = now + hz * ch->backoff_ms / 1000;
	if (ch->retry_at == 0)
		ch->retry_at = 1;
	ch_log(ch, RTE_LOG_ERR,
		"channel stopped: %s (peer fault %" PRIu64 "); the peer is told and both ends negotiate again in %u ms",
		why, ch->peer_errors, ch->backoff_ms);
}

static int
spad_put(struct rte_marlin_hrdma_channel *ch, int sidx, uint32_t v)
{
	return rte_marlin_ntb_peer_spad_write(ch->ntb_id, ch->pidx, sidx, v);
}

static uint32_t
spad_get(struct rte_marlin_hrdma_channel *ch, int sidx)
{
	uint32_t v = 0;

	if (rte_marlin_ntb_spad_read(ch->ntb_id, ch->pidx, sidx, &v) != 0)
		return 0;
	return v;
}

static void
bring_up(struct rte_marlin_hrdma_channel *ch, uint64_t ntb_peer_epoch)
{
	uint16_t q;

	quiesce(ch);
	drain_engine(ch);
	do {
		ch->epoch = (uint32_t)rte_rand();
	} while (ch->epoch == 0 || ch->epoch == ch->peer_epoch);
	ch->peer_epoch = 0;
	ch->ntb_peer_epoch = ntb_peer_epoch;
	ch->remote_region_len = 0;
	ch->error_logged = 0;
	ch->peer_geom = 0;
	ch->retry_at = 0;
	/* Nothing of an earlier bring-up may be taken for new data: clear the
	 * credit lines and descriptor rings. Message slots are left alone, as
	 * a receiver may still be reading messages of the last bring-up in
	 * place (zero-copy users hold them until released); only a valid
	 * descriptor ever points at a slot. */
	for (q = 0; q < ch->conf.nb_qp; q++) {
		memset(ch->local_slice + (size_t)q * ch->qp_area_len, 0,
		       128 + (size_t)ch->conf.depth * sizeof(struct hrdma_wire_desc));
		qp_reset(ch, ch->qp[q]);
	}

	spad_put(ch, HRDMA_SPAD_MAGIC, 0);
	spad_put(ch, HRDMA_SPAD_EPOCH, ch->epoch);
	spad_put(ch, HRDMA_SPAD_GEOM, geom_word(&ch->conf));
	spad_put(ch, HRDMA_SPAD_SLICE, (uint32_t)(ch->slice_len / HRDMA_PAGE));
	spad_put(ch, HRDMA_SPAD_REGION,
		 (uint32_t)(ch->local_region_len / HRDMA_PAGE));
	spad_put(ch, HRDMA_SPAD_ACK, 0);
	spad_put(ch, HRDMA_SPAD_MAGIC, HRDMA_MAGIC | RTE_MARLIN_HRDMA_VERSION);
	set_state(ch, RTE_MARLIN_HRDMA_STATE_NEGOTIATING);
}

/* One step of the handshake. The peer's values are checked before use. */
static void
negotiate(struct rte_marlin_hrdma_channel *ch)
{
	uint32_t magic = spad_get(ch, HRDMA_SPAD_MAGIC);
	uint32_t epoch, geom, slice, region, ack;
	uint16_t q;

	if (magic == 0)
		return;                          /* peer not there yet */
	if ((magic & HRDMA_MAGIC_MASK) != HRDMA_MAGIC) {
		go_error(ch, "peer's handshake has a bad magic number");
		return;
	}
	if ((magic & 0xff) != RTE_MARLIN_HRDMA_VERSION) {
		HRDMA_LOG(ERR, "peer speaks HRDMA version %u, this host %u",
			magic & 0xff, RTE_MARLIN_HRDMA_VERSION);
		go_error(ch, "HRDMA version mismatch");
		return;
	}
	epoch = spad_get(ch, HRDMA_SPAD_EPOCH);
	geom = spad_get(ch, HRDMA_SPAD_GEOM);
	slice = spad_get(ch, HRDMA_SPAD_SLICE);
	region = spad_get(ch, HRDMA_SPAD_REGION);
	ack = spad_get(ch, HRDMA_SPAD_ACK);
	if (epoch == 0)
		return;
	if (geom != geom_word(&ch->conf)) {
		HRDMA_LOG(ERR, "peer uses nb_qp=%u depth=%u msg_size=%u; this host nb_qp=%u depth=%u msg_size=%u: configure both ends alike",
			geom & 0xff, 1u << ((geom >> 8) & 0x1f),
			1u << ((geom >> 16) & 0x1f), ch->conf.nb_qp,
			ch->conf.depth, ch->conf.msg_size);
		ch->peer_geom = geom;
		go_error(ch, "queue geometry mismatch");
		return;
	}
	if ((uint64_t)slice * HRDMA_PAGE != ch->slice_len) {
		HRDMA_LOG(ERR, "peer's window slice is %" PRIu64 " bytes, ours %zu: give both hosts the same window size and host count",
			(uint64_t)slice * HRDMA_PAGE, ch->slice_len);
		go_error(ch, "window size mismatch");
		return;
	}
	if ((uint64_t)region * HRDMA_PAGE > ch->slice_len - ch->rings_len) {
		go_error(ch, "peer announces a region larger than its slice");
		return;
	}
	if (epoch != ch->peer_epoch) {
		/* A new bring-up of the peer: accept it. */
		ch->peer_epoch = epoch;
		ch->remote_region_len = (size_t)region * HRDMA_PAGE;
		spad_put(ch, HRDMA_SPAD_ACK, epoch);
	}
	if (ack != ch->epoch)
		return;                          /* peer has not seen ours yet */

	for (q = 0; q < ch->conf.nb_qp; q++) {
		struct rte_marlin_hrdma_qp *qp = ch->qp[q];

		qp->peer_epoch = ch->peer_epoch;
		qp->remote_region_len = ch->remote_region_len;
	}
	ch->link_ups++;
	ch->error = NULL;
	ch->up_at = rte_get_timer_cycles();
	set_state(ch, RTE_MARLIN_HRDMA_STATE_UP);
	ch_log(ch, RTE_LOG_INFO, "channel up (epoch %08x, peer %08x)",
		ch->epoch, ch->peer_epoch);
}

/*
 * Is the receive ring of @qp stalled on an overwritten descriptor? The
 * peer's producer line says it published descriptors beyond what we took,
 * yet the next slot holds no valid entry, on two polls in a row with no
 * progress. The producer word is read before the slot: the peer stores
 * it after the descriptors' sequence words, so those are visible unless
 * they were overwritten. Control thread, channel UP.
 */
static const char *
rx_stall_check(struct rte_marlin_hrdma_qp *qp)
{
	uint32_t n = __atomic_load_n(&qp->rx_pub, __ATOMIC_ACQUIRE);
	uint64_t pw = __atomic_load_n(&qp->rx_prod->word, __ATOMIC_ACQUIRE);
	uint32_t ahead = (uint32_t)pw - n;
	uint64_t seq;

	if ((uint32_t)(pw >> 32) != qp->lim.epoch || ahead == 0 ||
			(int32_t)ahead < 0) {
		qp->stall_polls = 0;     /* idle, or the word is stale */
		return NULL;
	}
	if (ahead > qp->depth)
		return "producer index ahead of the ring";
	seq = __atomic_load_n(&qp->rx_desc[n & (qp->depth - 1)].seq,
			      __ATOMIC_ACQUIRE);
	if (seq == hrdma_seq_word(qp->lim.epoch, n + 1) ||
			n != qp->stall_n) {
		qp->stall_n = n;
		qp->stall_polls = 0;
		return NULL;
	}
	if (++qp->stall_polls < 2)
		return NULL;
	return "descriptor overwritten (the producer index is past a slot with no valid entry)";
}

int
rte_marlin_hrdma_channel_poll(struct rte_marlin_hrdma_channel *ch)
{
	struct rte_marlin_ntb_link link;
	uint16_t q;
	int st;

	if (ch == NULL)
		return -EINVAL;
	rte_marlin_ntb_poll(ch->ntb_id);
	memset(&link, 0, sizeof(link));
	if (rte_marlin_ntb_link_get(ch->ntb_id, ch->pidx, &link) != 0 || !link.up) {
		if (__atomic_load_n(&ch->state, __ATOMIC_RELAXED) !=
				RTE_MARLIN_HRDMA_STATE_DOWN)
			go_down(ch, "link down");
		return RTE_MARLIN_HRDMA_STATE_DOWN;
	}

	st = __atomic_load_n(&ch->state, __ATOMIC_RELAXED);
	if (st != RTE_MARLIN_HRDMA_STATE_DOWN && link.peer_epoch != 0 &&
			link.peer_epoch != ch->ntb_peer_epoch) {
		go_down(ch, "peer restarted");
		st = RTE_MARLIN_HRDMA_STATE_DOWN;
	}
	if (st == RTE_MARLIN_HRDMA_STATE_ERROR && ch->retry_at != 0) {
		/* After a peer fault: withdrawn until the backoff ends,
		 * whatever the peer publishes meanwhile. */
		if ((int64_t)(rte_get_timer_cycles() - ch->retry_at) >= 0) {
			set_state(ch, RTE_MARLIN_HRDMA_STATE_DOWN);
			st = RTE_MARLIN_HRDMA_STATE_DOWN;
		}
	} else if (st == RTE_MARLIN_HRDMA_STATE_UP ||
			st == RTE_MARLIN_HRDMA_STATE_ERROR) {
		/* The peer started a new bring-up (its own flap or an error). */
		uint32_t e = spad_get(ch, HRDMA_SPAD_EPOCH);
		uint32_t magic = spad_get(ch, HRDMA_SPAD_MAGIC);

		if (magic != 0 && e != 0 && e != ch->peer_epoch) {
			go_down(ch, "peer renegotiating");
			st = RTE_MARLIN_HRDMA_STATE_DOWN;
		} else if (magic == 0 && st == RTE_MARLIN_HRDMA_STATE_UP) {
			/* The peer withdrew its handshake: its channel was
			 * destroyed, or it stopped after finding garbage and
			 * will negotiate again. */
			go_down(ch, "peer withdrew its handshake: it closed the channel or found garbage in its rings");
			st = RTE_MARLIN_HRDMA_STATE_DOWN;
		}
	}
	if (st == RTE_MARLIN_HRDMA_STATE_UP) {
		for (q = 0; q < ch->conf.nb_qp; q++) {
			struct rte_marlin_hrdma_qp *qp = ch->qp[q];
			const char *why = NULL;

			if (__atomic_load_n(&qp->peer_error, __ATOMIC_ACQUIRE))
				why = qp->peer_error_why != NULL ?
					qp->peer_error_why :
					"peer wrote a malformed entry";
			else
				why = rx_stall_check(qp);
			if (why != NULL) {
				go_fault(ch, why);
				break;
			}
		}
	}
	st = __atomic_load_n(&ch->state, __ATOMIC_RELAXED);
	if (st == RTE_MARLIN_HRDMA_STATE_DOWN)
		bring_up(ch, link.peer_epoch);
	if (__atomic_load_n(&ch->state, __ATOMIC_RELAXED) ==
			RTE_MARLIN_HRDMA_STATE_NEGOTIATING)
		negotiate(ch);
	return __atomic_load_n(&ch->state, __ATOMIC_RELAXED);
}

int
rte_marlin_hrdma_channel_fault(struct rte_marlin_hrdma_channel *ch,
		const char *why)
{
	if (ch == NULL)
		return -EINVAL;
	if (__atomic_load_n(&ch->state, __ATOMIC_RELAXED) !=
			RTE_MARLIN_HRDMA_STATE_UP)
		return -ENOLINK;
	go_fault(ch, why != NULL ? why : "the upper layer found the peer's data malformed");
	return 0;
}

int
rte_marlin_hrdma_channel_wait_up(struct rte_marlin_hrdma_channel *ch,
		unsigned int timeout_ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000 };
	uint64_t deadline;
	int st;

	if (ch == NULL)
		return -EINVAL;
	deadline = rte_get_timer_cycles() +
		(uint64_t)timeout_ms * rte_get_timer_hz() / 1000;
	for (;;) {
		st = rte_marlin_hrdma_channel_poll(ch);
		if (st == RTE_MARLIN_HRDMA_STATE_UP)
			return 0;
		if (rte_get_timer_cycles() >= deadline)
			return st == RTE_MARLIN_HRDMA_STATE_ERROR ||
				ch->error != NULL ? -EPROTO : -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

/* Bytes of the rings of every queue pair in a slice, page aligned. */
static size_t
rings_len(const struct rte_marlin_hrdma_conf *c)
{
	size_t qp_area = RTE_ALIGN_CEIL(hrdma_qp_area_len(c->depth, c->msg_size),
					64);

	return RTE_ALIGN_CEIL(qp_area * c->nb_qp, HRDMA_PAGE);
}

ssize_t
rte_marlin_hrdma_window_size(const struct rte_marlin_hrdma_conf *conf,
		size_t region_len)
{
	struct rte_marlin_hrdma_conf in, c;
	size_t rings;

	if (conf != NULL)
		in = *conf;
	else
		memset(&in, 0, sizeof(in));
	in.dma_dev_id = -1;
	in.widx = 0;
	if (conf_fill(&c, &in) != 0)
		return -EINVAL;
	rings = rings_len(&c);
	if (region_len > (size_t)SSIZE_MAX - rings - HRDMA_PAGE)
		return -E2BIG;
	return (ssize_t)(rings + RTE_MAX(RTE_ALIGN_CEIL(region_len, HRDMA_PAGE),
					 (size_t)HRDMA_PAGE));
}

struct rte_marlin_hrdma_channel *
rte_marlin_hrdma_channel_create(uint16_t ntb_id, int pidx,
		const struct rte_marlin_hrdma_conf *conf)
{
	struct rte_marlin_hrdma_channel *ch = NULL;
	struct rte_marlin_ntb_info info;
	size_t need, slices;
	void *addr = NULL;
	size_t len = 0;
	uint16_t q;
	int rc;

	rc = rte_marlin_ntb_info_get(ntb_id, &info);
	if (rc != 0) {
		rte_errno = -rc;
		return NULL;
	}
	if (pidx < 0 || pidx >= info.peer_count ||
			pidx >= RTE_MARLIN_NTB_MAX_PEERS) {
		HRDMA_LOG(ERR, "%s: peer index %d out of range (0..%d)", info.name,
			pidx, info.peer_count - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if (channels[ntb_id][pidx] != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (info.spad_count < HRDMA_SPAD_COUNT) {
		HRDMA_LOG(ERR, "%s: HRDMA needs %d scratchpads, the device has %d",
			info.name, HRDMA_SPAD_COUNT, info.spad_count);
		rte_errno = ENOTSUP;
		return NULL;
	}

	ch = rte_zmalloc("hrdma_channel", sizeof(*ch), RTE_CACHE_LINE_SIZE);
	if (ch == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rc = conf_fill(&ch->conf, conf);
	if (rc != 0)
		goto fail_rc;
	if (ch->conf.widx >= info.mw_count || ch->conf.widx >= info.peer_mw_count) {
		HRDMA_LOG(ERR, "%s: window %d does not exist (%d windows)", info.name,
			ch->conf.widx, info.mw_count);
		rc = -EINVAL;
		goto fail_rc;
	}
	ch->ntb_id = ntb_id;
	ch->pidx = pidx;
	ch->local_port = info.port;
	ch->peer_port = rte_marlin_ntb_peer_port_number(ntb_id, pidx);

	rc = rte_marlin_ntb_mw_alloc(ntb_id, pidx, ch->conf.widx, 0, &addr, &len);
	if (rc != 0) {
		HRDMA_LOG(ERR, "%s: cannot set up inbound window %d: %s", info.name,
			ch->conf.widx, strerror(-rc));
		goto fail_rc;
	}
	ch->local_win = addr;
	ch->local_win_len = len;

	/* Shared windows are split by port number among every possible host. */
	slices = info.mw_shared ? (size_t)info.peer_count + 1 : 1;
	ch->slice_len = RTE_ALIGN_FLOOR(len / slices, HRDMA_PAGE);
	ch->qp_area_len = RTE_ALIGN_CEIL(
		hrdma_qp_area_len(ch->conf.depth, ch->conf.msg_size), 64);
	ch->rings_len = rings_len(&ch->conf);
	need = ch->rings_len + HRDMA_PAGE;
	if (ch->slice_len < need) {
		HRDMA_LOG(ERR, "%s: %d queue pairs of %u x %u bytes need %zu bytes per peer; the window gives %zu (%zu bytes shared by %zu hosts): use a larger window, fewer hosts or smaller rings",
			info.name, ch->conf.nb_qp, ch->conf.depth, ch->conf.msg_size,
			need, ch->slice_len, len, slices);
		rc = -ENOSPC;
		goto fail_rc;
	}
	ch->local_slice = ch->local_win +
		(info.mw_shared ? (size_t)ch->peer_port * ch->slice_len : 0);
	ch->local_region = ch->local_slice + ch->rings_len;
	ch->local_region_len = ch->slice_len - ch->rings_len;

	rc = rte_marlin_ntb_peer_mw_get_addr(ntb_id, pidx, ch->conf.widx, &addr, &len);
	if (rc != 0) {
		HRDMA_LOG(ERR, "%s: cannot map the peer's window %d: %s", info.name,
			ch->conf.widx, strerror(-rc));
		goto fail_rc;
	}
	if (len != ch->local_win_len) {
		HRDMA_LOG(ERR, "%s: the peer's window is %zu bytes, ours %zu: both hosts need the same window size",
			info.name, len, ch->local_win_len);
		rc = -EINVAL;
		goto fail_rc;
	}
	ch->peer_win = addr;
	ch->peer_win_len = len;
	ch->remote_slice = ch->peer_win +
		(info.mw_shared ? (size_t)ch->local_port * ch->slice_len : 0);

	for (q = 0; q < ch->conf.nb_qp; q++) {
		struct rte_marlin_hrdma_qp *qp;

		qp = rte_zmalloc("hrdma_qp", sizeof(*qp), RTE_CACHE_LINE_SIZE);
		if (qp == NULL) {
			rc = -ENOMEM;
			goto fail_rc;
		}
		ch->qp[q] = qp;
		qp->qid = q;
		qp->state = &ch->state;
		/* queued engine copies may hold one entry each: room for both */
		qp->cq_size = 2u * ch->conf.depth;
		qp->cq = rte_zmalloc("hrdma_cq", sizeof(*qp->cq) * qp->cq_size,
				     RTE_CACHE_LINE_SIZE);
		if (qp->cq == NULL) {
			rc = -ENOMEM;
			goto fail_rc;
		}
		qp->pend = rte_zmalloc("hrdma_pend", sizeof(*qp->pend) * ch->conf.depth,
				       RTE_CACHE_LINE_SIZE);
		if (qp->pend == NULL) {
			rc = -ENOMEM;
			goto fail_rc;
		}
		qp_layout(ch, qp);
		rc = qp_dma_setup(ch, qp);
		if (rc != 0)
			goto fail_rc;
	}
	/* Hold the device: it stays in memory while this channel exists. */
	rc = rte_marlin_ntb_user_get(ntb_id);
	if (rc != 0)
		goto fail_rc;
	ch->state = RTE_MARLIN_HRDMA_STATE_DOWN;
	channels[ntb_id][pidx] = ch;
	rte_marlin_hrdma_channel_poll(ch);
	return ch;

fail_rc:
	for (q = 0; q < RTE_MARLIN_HRDMA_MAX_QP; q++) {
		if (ch->qp[q] != NULL) {
			rte_free(ch->qp[q]->pend);
			rte_free(ch->qp[q]->cq);
			rte_free(ch->qp[q]);
		}
	}
	rte_free(ch);
	rte_errno = -rc;
	return NULL;
}

int
rte_marlin_hrdma_channel_destroy(struct rte_marlin_hrdma_channel *ch)
{
	uint16_t q, ntb_id;

	if (ch == NULL)
		return 0;
	go_down(ch, "channel destroyed");
	if (channels[ch->ntb_id][ch->pidx] == ch)
		channels[ch->ntb_id][ch->pidx] = NULL;
	for (q = 0; q < ch->conf.nb_qp; q++) {
		rte_free(ch->qp[q]->pend);
		rte_free(ch->qp[q]->cq);
		rte_free(ch->qp[q]);
	}
	ntb_id = ch->ntb_id;
	rte_free(ch);
	/* Last: frees the device when it was removed meanwhile. */
	rte_marlin_ntb_user_put(ntb_id);
	return 0;
}

int
rte_marlin_hrdma_channel_info(struct rte_marlin_hrdma_channel *ch,
		struct rte_marlin_hrdma_info *info)
{
	if (ch == NULL || info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->state = __atomic_load_n(&ch->state, __ATOMIC_RELAXED);
	info->nb_qp = ch->conf.nb_qp;
	info->depth = ch->conf.depth;
	info->msg_size = ch->conf.msg_size;
	info->local_region = ch->local_region;
	info->local_region_len = ch->local_region_len;
	info->remote_region_len =
		info->state == RTE_MARLIN_HRDMA_STATE_UP ? ch->remote_region_len : 0;
	info->local_epoch = ch->epoch;
	info->peer_epoch = ch->peer_epoch;
	info->link_ups = ch->link_ups;
	info->peer_errors = ch->peer_errors;
	info->error = ch->error;
	if (ch->peer_geom != 0) {
		/* Peer-written: decoded with bounded shifts, reported only. */
		info->peer_nb_qp = ch->peer_geom & 0xff;
		info->peer_depth = UINT32_C(1) << ((ch->peer_geom >> 8) & 0x1f);
		info->peer_msg_size = UINT32_C(1) << ((ch->peer_geom >> 16) & 0x1f);
	}
	return 0;
}

struct rte_marlin_hrdma_qp *
rte_marlin_hrdma_qp_get(struct rte_marlin_hrdma_channel *ch, uint16_t qid)
{
	if (ch == NULL || qid >= ch->conf.nb_qp) {
		rte_errno = EINVAL;
		return NULL;
	}
	return ch->qp[qid];
}

void *
rte_marlin_hrdma_local_region(struct rte_marlin_hrdma_channel *ch, size_t *len)
{
	if (ch == NULL || len == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	*len = ch->local_region_len;
	return ch->local_region;
}
