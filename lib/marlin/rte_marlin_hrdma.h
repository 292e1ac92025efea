/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_HRDMA_H
#define RTE_MARLIN_HRDMA_H

/**
 * @file
 * HRDMA: remote DMA between hosts through an NTB, in poll mode.
 *
 * Model
 * -----
 * A channel joins this host to one peer over one NTB device. It has
 * @c nb_qp queue pairs; each queue pair is owned by one polling thread
 * (lcore) and carries:
 * - one-sided operations on the peer's exported region: WRITE (local buffer
 *   -> offset in the peer's region), READ (peer's region -> local buffer;
 *   a non-posted read across PCIe, slow: keep it off fast paths),
 *   WRITE_NOTIFY (a WRITE followed by a 64-bit immediate that the peer
 *   receives after the data);
 * - two-sided messages: SEND copies up to @c msg_size bytes into the peer's
 *   receive ring; the peer gets them from rte_marlin_hrdma_recv().
 *
 * Memory. Each host's inbound window is split per peer. The part a peer owns
 * in our window holds, written only by that peer: the queue pairs' ring
 * headers, descriptor rings and message slots, then the exported region its
 * one-sided operations target. rte_marlin_hrdma_local_region() gives the
 * address of the region peers write into on this host.
 *
 * Ranges mode (a device whose windows are reached range by range: ntb_shm
 * with manager= and mw_ranges=1). A channel exposes to its peer its rings
 * for that peer and nothing else (rte_marlin_ntb_mw_expose()); the region
 * only where the application exposes it (rte_marlin_hrdma_region_expose()).
 * The channel goes UP only once this host maps the peer's rings
 * (rte_marlin_ntb_peer_mw_range_ready()), so neither end stores into a
 * range the other has not mapped yet; one-sided operations must target
 * ranges of the peer's region that rte_marlin_hrdma_remote_region_ready()
 * says are mapped, else they fault in this process.
 *
 * Rings that cross the bridge are written only by the remote sender and read
 * only locally; the receiver returns credits (its consumer index) the same
 * way, into the sender's memory. Producer and consumer indices sit on
 * separate cache lines. The order of stores is payload, descriptor, write
 * barrier, index. Every value a peer writes (indices, sequence numbers,
 * lengths, offsets, handshake values) is checked before use; a peer that
 * writes garbage stops its own traffic, nothing more.
 *
 * Recovery from garbage. A channel that finds garbage in what the peer
 * wrote (a descriptor or credit that cannot be) goes to
 * RTE_MARLIN_HRDMA_STATE_ERROR at its next rte_marlin_hrdma_channel_poll()
 * and withdraws its handshake as going down does, so the peer's channel
 * goes DOWN at the peer's next poll: both ends are down within one poll
 * interval of each end after the garbage is seen. Operations outstanding on
 * either end complete with -ENOLINK, as at a link loss. The channel holds
 * ERROR for a backoff (10 ms, doubling while faults follow each other within
 * a second of coming up, at most 200 ms), then both ends negotiate again
 * with fresh epochs: once the garbage stops, the channel is UP again within
 * 200 ms plus about six poll intervals of the slower end. Log lines about
 * a channel are rate limited (a few, then one per second).
 * rte_marlin_hrdma_channel_fault() lets an upper layer start the same
 * recovery when it finds the peer's data in the region malformed.
 *
 * Bring-up. rte_marlin_hrdma_channel_poll() runs a versioned handshake over
 * the NTB scratchpads (version, queue count, ring size, message size, region
 * sizes, a fresh epoch per bring-up). A mismatch is refused with a log line
 * naming both values. A link flap or a peer restart resets both sides and
 * negotiates again; operations outstanding at a link loss complete with
 * status -ENOLINK.
 *
 * Completions. Every posted operation gets a completion (struct
 * rte_marlin_hrdma_cqe) from rte_marlin_hrdma_poll_cq() if it asked for one
 * with RTE_MARLIN_HRDMA_F_SIGNALED, or if it failed. Like perftest's -Q,
 * signalling one operation in N keeps completion work low.
 *
 * Threads. Channel calls (create, poll, destroy, info) are control path: one
 * thread. The data-path calls (post, poll_cq, recv, recv_release) on one
 * queue pair must come from one thread at a time, the owner of that queue
 * pair; different queue pairs may be driven by different threads.
 *
 * Back-pressure is always -ENOSPC (or a short count), and never logs.
 */

#include <rte_compat.h>
#include <stdint.h>
#include <stddef.h>

#include <sys/types.h>

#include <rte_common.h>
#include <rte_compat.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Protocol version carried in the handshake. */
#define RTE_MARLIN_HRDMA_VERSION 1
/** Most queue pairs per channel. */
#define RTE_MARLIN_HRDMA_MAX_QP 16
/** A SEND or WRITE_NOTIFY payload of at most this many bytes rides in its
 * descriptor line (one line crosses; a single such post takes the short
 * path to the sequence word). */
#define RTE_MARLIN_HRDMA_INLINE_MAX 32

struct rte_marlin_hrdma_channel;
struct rte_marlin_hrdma_qp;

/** Channel configuration; both ends must agree on nb_qp, depth, msg_size. */
struct rte_marlin_hrdma_conf {
	uint16_t nb_qp;        /**< queue pairs, 1..16 (0: 1) */
	uint16_t depth;        /**< ring entries per queue pair, power of two,
				    64..4096 (0: 256) */
	uint32_t msg_size;     /**< bytes per message slot, power of two,
				    64..65536 (0: 2048) */
	int widx;              /**< NTB window used (default 0) */
	int dma_dev_id;        /**< Marlin DMA engine for large copies, or -1
				    for copies by the polling core (default);
				    engine queue q serves queue pair q, queue
				    pairs beyond the engine's queues copy by
				    the polling core */
	uint32_t cpu_threshold;/**< with an engine: copies below this many
				    bytes stay on the CPU (0: 4096) */
	uint32_t nt_threshold; /**< CPU copies into the peer's window of at
				    least this many bytes use non-temporal
				    (streaming) stores; 0: never */
	uint64_t reserved[4];  /**< zero */
};

/** Channel states. */
enum rte_marlin_hrdma_state {
	RTE_MARLIN_HRDMA_STATE_DOWN = 0,    /**< link down */
	RTE_MARLIN_HRDMA_STATE_NEGOTIATING, /**< link up, handshake running */
	RTE_MARLIN_HRDMA_STATE_UP,          /**< traffic allowed */
	RTE_MARLIN_HRDMA_STATE_ERROR,       /**< refused handshake (cleared by
					       the peer's next bring-up or a
					       link flap), or garbage from the
					       peer (negotiates again by itself
					       after a backoff of at most
					       200 ms) */
};

/** Channel description. */
struct rte_marlin_hrdma_info {
	enum rte_marlin_hrdma_state state;
	uint16_t nb_qp;
	uint16_t depth;
	uint32_t msg_size;
	void *local_region;        /**< where peers' one-sided ops land */
	size_t local_region_len;
	size_t remote_region_len;  /**< the peer's exported region (0 if not up) */
	uint32_t local_epoch;      /**< this bring-up */
	uint32_t peer_epoch;
	uint64_t link_ups;         /**< times the channel reached UP */
	uint64_t peer_errors;      /**< times the peer was caught writing garbage */
	const char *error;         /**< last error since the channel was last
				        UP, static text; NULL if none */
	/** When the peer was refused for another queue geometry: the peer's
	 *  nb_qp, depth and msg_size as it announced them (peer-written, for
	 *  messages only); all 0 otherwise. Lets a layer above name its own
	 *  settings that differ. */
	uint32_t peer_nb_qp;
	uint32_t peer_depth;
	uint32_t peer_msg_size;
	uint32_t pad;
	uint64_t reserved[2];
};

/** Operation codes. */
enum rte_marlin_hrdma_opcode {
	RTE_MARLIN_HRDMA_OP_WRITE = 1,
	RTE_MARLIN_HRDMA_OP_READ = 2,
	RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY = 3,
	RTE_MARLIN_HRDMA_OP_SEND = 4,
	RTE_MARLIN_HRDMA_OP_RECV = 5,        /**< cqe only: a SEND arrived */
	RTE_MARLIN_HRDMA_OP_RECV_NOTIFY = 6, /**< cqe only: a WRITE_NOTIFY arrived */
};

/** Ask for a completion. */
#define RTE_MARLIN_HRDMA_F_SIGNALED (1u << 0)
/** Start only after every earlier operation of the queue pair is complete. */
#define RTE_MARLIN_HRDMA_F_FENCE    (1u << 1)

/** One operation to post. */
struct rte_marlin_hrdma_op {
	uint8_t opcode;       /**< enum rte_marlin_hrdma_opcode */
	uint8_t flags;        /**< RTE_MARLIN_HRDMA_F_* */
	uint16_t reserved;
	uint32_t len;         /**< bytes */
	void *local;          /**< source (WRITE, WRITE_NOTIFY, SEND) or
				   destination (READ) */
	uint64_t remote_off;  /**< offset in the peer's region (not SEND) */
	uint64_t imm;         /**< immediate (WRITE_NOTIFY, SEND) */
	uint64_t cookie;      /**< returned in the completion */
	rte_iova_t local_iova;/**< IOVA of @c local, for DMA engines that need
				   one; 0: looked up (slow; register memory
				   once and pass it) */
};

/** A completion, or a received message / notification. */
struct rte_marlin_hrdma_cqe {
	uint64_t cookie;   /**< post: the op's cookie; recv: sequence number */
	int32_t status;    /**< 0, or a negative errno: -ENOLINK (link lost),
			        -ERANGE (outside the peer's region or slot),
			        -EINVAL (bad opcode), -EIO (engine error);
			        RECV_NOTIFY: what a notify check refused it
			        with (rte_marlin_hrdma_qp_notify_check()) */
	uint8_t opcode;    /**< enum rte_marlin_hrdma_opcode */
	uint8_t qid;
	uint16_t reserved;
	uint32_t len;      /**< bytes moved / received */
	uint64_t imm;      /**< RECV, RECV_NOTIFY: the sender's immediate */
	uint64_t offset;   /**< RECV_NOTIFY: offset written in our region */
	void *data;        /**< RECV: the message in the receive ring (in
			        its slot, or, up to 32 bytes, in its
			        descriptor), valid until
			        rte_marlin_hrdma_recv_release() */
};

/** Per-queue-pair counters. */
struct rte_marlin_hrdma_qp_stats {
	uint64_t posted;       /**< operations accepted */
	uint64_t completed;    /**< operations completed (signalled or not) */
	uint64_t errors;       /**< operations completed with an error */
	uint64_t tx_bytes;     /**< bytes written or sent */
	uint64_t rx_bytes;     /**< bytes read or received as messages */
	uint64_t rx_msgs;      /**< RECV + RECV_NOTIFY delivered */
	uint64_t ring_full;    /**< posts refused for lack of ring space */
	uint64_t flushed;      /**< operations failed by a link loss */
	uint64_t malformed;    /**< peer-written entries refused */
	uint64_t reserved[7];
};

/**
 * Create a channel to peer @p pidx of NTB device @p ntb_id.
 *
 * Sets up the local window (rte_marlin_ntb_mw_alloc()) if nobody did, maps
 * the peer's window and starts negotiating as soon as the link is up. The
 * channel must be driven with rte_marlin_hrdma_channel_poll().
 *
 * @param ntb_id NTB device id.
 * @param pidx   Peer index.
 * @param conf   Configuration, or NULL for defaults.
 * @return The channel; NULL with rte_errno: ENODEV, EINVAL (conf; the log
 *         says which field), EEXIST (a channel to that peer exists), ENOMEM,
 *         ENOSPC (the window is too small for the rings; the log says how
 *         much is needed), ENOTSUP (the device lacks scratchpads).
 */
__rte_experimental
struct rte_marlin_hrdma_channel *
rte_marlin_hrdma_channel_create(uint16_t ntb_id, int pidx,
		const struct rte_marlin_hrdma_conf *conf);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Window bytes a channel needs on each of its two hosts.
 *
 * In each host's inbound window a channel takes a part written only by the
 * other host: the rings of every queue pair (ring headers, descriptor
 * rings, message slots), then the region the peer's one-sided operations
 * target. This is the size of that part for @p conf and a region of at
 * least @p region_len bytes; rte_marlin_hrdma_channel_create() refuses a
 * window that gives less (ENOSPC). A window the device shares among hosts
 * (rte_marlin_ntb_info.mw_shared, e.g. ntb_shm) is split evenly among all
 * of them (peer_count + 1 parts): it needs this size times that count.
 * Needs no device and no EAL: a tool may size windows before starting.
 *
 * @param conf       Configuration as given to
 *                   rte_marlin_hrdma_channel_create(), or NULL for the
 *                   defaults. dma_dev_id and widx are not looked at.
 * @param region_len Region bytes wanted; rounded up to 4 KiB, at least
 *                   4 KiB (what a channel always keeps).
 * @return Bytes (a multiple of 4096); -EINVAL: @p conf out of range (the
 *         log says which field); -E2BIG: the size does not fit in ssize_t.
 */
__rte_experimental
ssize_t rte_marlin_hrdma_window_size(const struct rte_marlin_hrdma_conf *conf,
		size_t region_len);

/**
 * Destroy a channel. Outstanding operations are dropped; the peer sees the
 * channel go down. Data-path threads must have stopped using its queue pairs.
 *
 * @param ch Channel (NULL is ignored).
 * @return 0.
 */
__rte_experimental
int rte_marlin_hrdma_channel_destroy(struct rte_marlin_hrdma_channel *ch);

/**
 * Drive the channel: poll the NTB device, follow the link, run the
 * handshake, notice peer restarts. Call it regularly (every few ms) from
 * the control thread; it does not touch data-path state except to flag a
 * link loss that the queue pairs act on.
 *
 * @param ch Channel.
 * @return The state (enum rte_marlin_hrdma_state); -EINVAL.
 */
__rte_experimental
int rte_marlin_hrdma_channel_poll(struct rte_marlin_hrdma_channel *ch);

/**
 * Report that the peer's data is malformed (found by an upper layer, e.g. in
 * a table the peer keeps in this host's region). Control thread only. The
 * channel recovers as from garbage in its rings: ERROR, handshake
 * withdrawn (the peer goes down), operations in flight complete with
 * -ENOLINK, a new bring-up after the backoff.
 *
 * @param ch  Channel.
 * @param why Static text for the log and rte_marlin_hrdma_info.error
 *            (NULL: a generic one).
 * @return 0; -EINVAL; -ENOLINK when the channel is not UP (nothing done).
 */
__rte_experimental
int rte_marlin_hrdma_channel_fault(struct rte_marlin_hrdma_channel *ch,
		const char *why);

/**
 * Poll until the channel is UP.
 *
 * @param ch         Channel.
 * @param timeout_ms Give up after this long.
 * @return 0; -EINVAL, -ETIMEDOUT, -EPROTO (the peer was refused, or the
 *         channel stopped on garbage from the peer and is still recovering:
 *         see log and rte_marlin_hrdma_info.error).
 */
__rte_experimental
int rte_marlin_hrdma_channel_wait_up(struct rte_marlin_hrdma_channel *ch,
		unsigned int timeout_ms);

/**
 * Describe a channel.
 *
 * @param ch   Channel.
 * @param info Filled on success.
 * @return 0; -EINVAL.
 */
__rte_experimental
int rte_marlin_hrdma_channel_info(struct rte_marlin_hrdma_channel *ch,
		struct rte_marlin_hrdma_info *info);

/**
 * Queue pair @p qid of a channel.
 *
 * @param ch  Channel.
 * @param qid 0 .. nb_qp-1.
 * @return The queue pair; NULL with rte_errno EINVAL.
 */
__rte_experimental
struct rte_marlin_hrdma_qp *
rte_marlin_hrdma_qp_get(struct rte_marlin_hrdma_channel *ch, uint16_t qid);

/**
 * Post operations. Owner thread of @p qp only.
 *
 * Copies by the CPU happen inside this call; copies by a DMA engine are
 * started here and finished by rte_marlin_hrdma_poll_cq(), which also
 * publishes their descriptors to the peer, in posting order: a later
 * operation never becomes visible to the peer before an earlier one. Local
 * buffers of engine copies must stay untouched until their operation
 * completes (a SIGNALED one, or any later one). An operation that
 * cannot be carried out (outside the peer's region, message too long, bad
 * opcode) is still taken and completes with an error status.
 *
 * @param qp  Queue pair.
 * @param ops Operations.
 * @param n   How many.
 * @return Number taken (0..n; fewer when the ring or completion queue is
 *         full: retry after rte_marlin_hrdma_poll_cq()); -ENOSPC when none
 *         fit; -ENOLINK when the channel is not UP.
 */
__rte_experimental
int rte_marlin_hrdma_post(struct rte_marlin_hrdma_qp *qp,
		const struct rte_marlin_hrdma_op *ops, uint16_t n);

/**
 * Post one WRITE_NOTIFY given by its fields: rte_marlin_hrdma_post() of one
 * operation without building one. Owner thread of @p qp only.
 *
 * A payload of up to RTE_MARLIN_HRDMA_INLINE_MAX bytes rides in the
 * descriptor, so the peer sees it in one cache line; the arguments go
 * from the registers straight into that line (an operation built in memory
 * just before the call and read back at once measured ~10 ns of a one-way
 * notification, doc/benchmarks/hrdma.md). Longer payloads, flags other
 * than RTE_MARLIN_HRDMA_F_SIGNALED, or operations queued behind a copy
 * engine take rte_marlin_hrdma_post()'s path, with the same result.
 *
 * @param qp         Queue pair.
 * @param local      Payload (NULL only when @p len is 0).
 * @param len        Bytes.
 * @param remote_off Offset in the peer's region.
 * @param imm        Immediate delivered with the notification.
 * @param cookie     Returned in the completion.
 * @param flags      RTE_MARLIN_HRDMA_F_SIGNALED, RTE_MARLIN_HRDMA_F_FENCE.
 * @return 0 when taken (outside the peer's region it is still taken and
 *         completes with an error status, as with rte_marlin_hrdma_post());
 *         -ENOSPC (ring or completion queue full: retry after
 *         rte_marlin_hrdma_poll_cq()), -ENOLINK (channel not UP).
 */
__rte_experimental
int rte_marlin_hrdma_write_notify(struct rte_marlin_hrdma_qp *qp,
		const void *local, uint32_t len, uint64_t remote_off, uint64_t imm,
		uint64_t cookie, unsigned int flags);

/**
 * Reserve the next SEND slot of @p qp to build a message in place, in the
 * peer's receive ring (through the outbound window), instead of in a
 * buffer that rte_marlin_hrdma_post() copies from: one copy fewer for a
 * message packed by a callback. Owner thread only.
 *
 * Until rte_marlin_hrdma_send_commit() or rte_marlin_hrdma_send_abort(),
 * the queue pair is inside a data-path call: the control thread waits for
 * it before it resets the rings, so keep the window short (no blocking,
 * no other call on this queue pair). The caller only stores into the slot
 * (reads through a PCIe window are slow); nothing is visible to the peer
 * before the commit.
 *
 * @param qp   Queue pair.
 * @param room Set to the slot's size (the channel's msg_size).
 * @return The slot; NULL with rte_errno ENOSPC when the ring is full or
 *         operations wait for a copy engine (retry after
 *         rte_marlin_hrdma_poll_cq()), ENOLINK when the channel is not UP.
 */
__rte_experimental
void *rte_marlin_hrdma_send_reserve(struct rte_marlin_hrdma_qp *qp,
		uint32_t *room);

/**
 * Send the message built in the slot of rte_marlin_hrdma_send_reserve():
 * a store fence orders the caller's stores before the descriptor. The
 * message completes at once (no completion entry).
 *
 * @param qp  Queue pair, after a successful reserve.
 * @param len Bytes of the slot to send (<= room).
 * @param imm Immediate data for the receiver.
 * @return 0; -ERANGE when @p len exceeds the slot (nothing is sent).
 */
__rte_experimental
int rte_marlin_hrdma_send_commit(struct rte_marlin_hrdma_qp *qp, uint32_t len,
		uint64_t imm);

/**
 * Give back a slot of rte_marlin_hrdma_send_reserve() without sending.
 *
 * @param qp Queue pair, after a successful reserve.
 */
__rte_experimental
void rte_marlin_hrdma_send_abort(struct rte_marlin_hrdma_qp *qp);

/**
 * Collect completions of posted operations. Owner thread only.
 *
 * @param qp   Queue pair.
 * @param cqe  Array to fill.
 * @param n    Its size.
 * With a DMA engine this call also collects the engine's completions and
 * publishes descriptors; call it regularly while operations are outstanding.
 *
 * @return Number filled (>= 0). After a link loss every outstanding
 *         operation completes here with -ENOLINK.
 */
__rte_experimental
int rte_marlin_hrdma_poll_cq(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_cqe *cqe, uint16_t n);

/**
 * Receive messages (RECV) and notifications (RECV_NOTIFY) in arrival order.
 * Owner thread only. Each entry returned holds a ring slot until released
 * with rte_marlin_hrdma_recv_release(); RECV data is read in place.
 *
 * @param qp   Queue pair.
 * @param cqe  Array to fill.
 * @param n    Its size.
 * @return Number filled (>= 0); -ENOLINK when the channel is not UP,
 *         -EPROTO when the peer wrote garbage (the channel stops at its
 *         next poll and recovers by itself).
 */
__rte_experimental
int rte_marlin_hrdma_recv(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_cqe *cqe, uint16_t n);

/**
 * Check of a received notification, run by rte_marlin_hrdma_recv() before
 * anything of it is applied (an inline payload is written into the region
 * only if the check accepts it).
 *
 * @param arg    As given to rte_marlin_hrdma_qp_notify_check().
 * @param offset Offset in this host's region that the peer names (already
 *               checked to lie, with @p len, inside the region).
 * @param len    Bytes the peer says it wrote.
 * @param imm    The peer's immediate.
 * @return 0 to accept; a negative errno to refuse.
 */
typedef int (*rte_marlin_hrdma_notify_check_t)(void *arg, uint64_t offset,
		uint32_t len, uint64_t imm);

/**
 * Install (or with @p fn NULL remove) a check that rte_marlin_hrdma_recv()
 * runs on every notification of @p qp, so that an upper layer can refuse
 * notifications that name memory it did not open to the peer. A refused
 * notification is still returned, with @c status set to the check's return
 * value and @c data NULL, and its slot must be released like any other.
 * Owner thread of @p qp, outside rte_marlin_hrdma_recv().
 *
 * @param qp  Queue pair.
 * @param fn  Check, or NULL.
 * @param arg Passed to @p fn.
 * @return 0; -EINVAL.
 */
__rte_experimental
int rte_marlin_hrdma_qp_notify_check(struct rte_marlin_hrdma_qp *qp,
		rte_marlin_hrdma_notify_check_t fn, void *arg);

/**
 * Release the @p n oldest entries returned by rte_marlin_hrdma_recv(),
 * giving their slots back to the sender. Owner thread only. While the
 * channel is not UP this does nothing and returns 0: the entries went with
 * the rings of that bring-up (after the channel comes UP again, entries
 * of the old bring-up count as not held).
 *
 * @param qp Queue pair.
 * @param n  Entries to release (at most the number held).
 * @return 0; -EINVAL (more than held in this bring-up).
 */
__rte_experimental
int rte_marlin_hrdma_recv_release(struct rte_marlin_hrdma_qp *qp, uint16_t n);

/**
 * Free ring entries for posting right now (operations that carry a
 * descriptor: SEND, WRITE_NOTIFY). Owner thread only.
 *
 * @param qp Queue pair.
 * @return Count (>= 0).
 */
__rte_experimental
int rte_marlin_hrdma_send_capacity(struct rte_marlin_hrdma_qp *qp);

/**
 * Read a queue pair's counters (any thread; values may be slightly stale).
 *
 * @param qp    Queue pair.
 * @param stats Filled.
 * @return 0; -EINVAL.
 */
__rte_experimental
int rte_marlin_hrdma_qp_stats_get(struct rte_marlin_hrdma_qp *qp,
		struct rte_marlin_hrdma_qp_stats *stats);

/**
 * Address and size of this host's region that the peer's one-sided
 * operations write into and read from.
 *
 * @param ch  Channel.
 * @param[out] len Region size.
 * @return The region; NULL with rte_errno EINVAL.
 */
__rte_experimental
void *rte_marlin_hrdma_local_region(struct rte_marlin_hrdma_channel *ch,
		size_t *len);

/**
 * Ranges mode (a device whose windows are exposed range by range, e.g.
 * ntb_shm with manager= and mw_ranges=1): let the peer reach
 * [@p off, @p off + @p len) of this host's region
 * (rte_marlin_hrdma_local_region()). In ranges mode a channel exposes only
 * its rings; the peer's one-sided operations reach the region only where
 * it is exposed (elsewhere they fault in the peer). Counted like
 * rte_marlin_ntb_mw_expose(); on devices that are not in ranges mode it
 * changes nothing. Control path, the channel's control thread.
 *
 * @param ch     Channel.
 * @param off    Offset in the region, a multiple of 4096.
 * @param len    Length, a multiple of 4096, > 0.
 * @param rights RTE_MARLIN_NTB_MW_READ, optionally | RTE_MARLIN_NTB_MW_WRITE.
 * @return 0; -EINVAL (outside the region, alignment, rights); -ENOTSUP
 *         (the device has no ranges: the whole region is reachable);
 *         other codes of rte_marlin_ntb_mw_expose().
 */
__rte_experimental
int rte_marlin_hrdma_region_expose(struct rte_marlin_hrdma_channel *ch,
		size_t off, size_t len, unsigned int rights);

/**
 * Take back a range exposed with rte_marlin_hrdma_region_expose(): once
 * the last exposure of it is taken back, the peer's stores no longer reach
 * it (rte_marlin_ntb_mw_unexpose()).
 *
 * @return 0; -EINVAL; -ENOENT (not exposed); -ENOTSUP; -errno.
 */
__rte_experimental
int rte_marlin_hrdma_region_unexpose(struct rte_marlin_hrdma_channel *ch,
		size_t off, size_t len);

/**
 * Does this host map [@p off, @p off + @p len) of the peer's region with
 * @p rights? Call it before one-sided operations on a range the peer
 * announced: in ranges mode a range reaches this host through the rack
 * manager, after the peer exposed it, and an operation on it before then
 * faults. Control path.
 *
 * @return 1 mapped (also on devices that cannot tell, and when the peer's
 *         windows are not in ranges mode); 0 not yet; -EINVAL (outside the
 *         region, rights); -ENODEV.
 */
__rte_experimental
int rte_marlin_hrdma_remote_region_ready(struct rte_marlin_hrdma_channel *ch,
		size_t off, size_t len, unsigned int rights);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_HRDMA_H */
