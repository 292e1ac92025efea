/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * HRDMA link state: the scratchpad handshake, bring-up and reset of the
 * queue pairs, link and peer-restart tracking, recovery from peer faults.
 * The channel objects themselves are made in hrdma.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_hrdma.h"
#include "hrdma_private.h"

int hrdma_asym_fence;

/* Register for expedited private membarrier once, before any thread of
 * the process uses a queue pair (see hrdma_private.h). */
RTE_INIT(hrdma_fence_init)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	if (syscall(__NR_membarrier,
		    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		hrdma_asym_fence = 1;
}

void
hrdma_heavy_fence(void)
{
	/* A failure after a successful registration is not expected; a
	 * full fence is then the best this side can do. */
	if (hrdma_asym_fence &&
			syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
				0, 0) == 0)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
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

	/* The state was stored before: now every data-path thread either
	 * shows busy or sees that state (hrdma_private.h). */
	hrdma_heavy_fence();
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

void
hrdma_go_down(struct rte_marlin_hrdma_channel *ch, const char *why)
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
	spad_put(ch, HRDMA_SPAD_GEOM, hrdma_geom_word(&ch->conf));
	spad_put(ch, HRDMA_SPAD_SLICE, (uint32_t)(ch->slice_len / HRDMA_PAGE));
	spad_put(ch, HRDMA_SPAD_REGION,
		 (uint32_t)(ch->local_region_len / HRDMA_PAGE));
	spad_put(ch, HRDMA_SPAD_ACK, 0);
	spad_put(ch, HRDMA_SPAD_MAGIC, HRDMA_MAGIC | RTE_MARLIN_HRDMA_VERSION);
	set_state(ch, RTE_MARLIN_HRDMA_STATE_NEGOTIATING);
}

/*
 * Ranges mode: the peer exposes its rings for us before it announces its
 * handshake, but they reach this host through the rack manager, later.
 * Stores into them before they are mapped here would fault, so the
 * channel goes UP only once they are (devices that cannot tell: at once).
 * The peer waits the same way for ours, so neither end stores first.
 */
static int
peer_rings_mapped(struct rte_marlin_hrdma_channel *ch)
{
	int rc = rte_marlin_ntb_peer_mw_range_ready(ch->ntb_id, ch->pidx,
		ch->conf.widx, (size_t)(ch->remote_slice - ch->peer_win),
		ch->rings_len, RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE);

	if (rc == 1 || rc == -ENOTSUP)
		return 1;
	if (!ch->rings_wait_logged) {
		ch->rings_wait_logged = 1;
		ch_log(ch, RTE_LOG_INFO, "waiting for the peer's rings to be mapped (ranges mode: they come through the rack manager)%s%s",
			rc < 0 ? ": " : "", rc < 0 ? strerror(-rc) : "");
	}
	return 0;
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
	if (geom != hrdma_geom_word(&ch->conf)) {
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
	if (!peer_rings_mapped(ch))
		return;                          /* ranges mode: not yet */

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
			hrdma_go_down(ch, "link down");
		return RTE_MARLIN_HRDMA_STATE_DOWN;
	}

	st = __atomic_load_n(&ch->state, __ATOMIC_RELAXED);
	if (st != RTE_MARLIN_HRDMA_STATE_DOWN && link.peer_epoch != 0 &&
			link.peer_epoch != ch->ntb_peer_epoch) {
		hrdma_go_down(ch, "peer restarted");
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
			hrdma_go_down(ch, "peer renegotiating");
			st = RTE_MARLIN_HRDMA_STATE_DOWN;
		} else if (magic == 0 && st == RTE_MARLIN_HRDMA_STATE_UP) {
			/* The peer withdrew its handshake: its channel was
			 * destroyed, or it stopped after finding garbage and
			 * will negotiate again. */
			hrdma_go_down(ch, "peer withdrew its handshake: it closed the channel or found garbage in its rings");
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
