/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_DMA_H
#define RTE_MARLIN_DMA_H

/**
 * @file
 * Marlin DMA engine class.
 *
 * A DMA engine moves bytes from local memory into an NTB window (or back)
 * while the caller keeps polling. Two engines ship with Marlin:
 * - @c dma_cpu: the calling core copies (memcpy, or non-temporal stores for
 *   large copies); every operation is complete when it is submitted;
 * - @c dma_dmadev: any DPDK dmadev (Intel CBDMA/IOAT, DSA, the software
 *   @c dma_skeleton) does the copy; completions come later and are polled.
 *
 * The model follows DPDK's dmadev (rte_dmadev.h), trimmed to what Marlin
 * needs:
 *
 * - Devices. Engines are created by their drivers (EAL --vdev, or a driver's
 *   own create call) and found with rte_marlin_dma_get_by_name(). Ids are
 *   small integers below RTE_MARLIN_DMA_MAX_DEVS.
 * - Call order. rte_marlin_dma_info_get() -> rte_marlin_dma_configure()
 *   (number of queues, ring size) -> rte_marlin_dma_start() -> fast path ->
 *   rte_marlin_dma_stop() -> rte_marlin_dma_close(). Reconfiguring needs a
 *   stop first (-EBUSY otherwise).
 * - Queues. A device has 1..max_queues independent queues (@c qid). Each
 *   queue is a ring of @c nb_desc slots and is driven by one thread at a
 *   time (normally one polling core). On @c dma_dmadev, queue @c qid is the
 *   dmadev's virtual channel @c qid.
 * - Ring indices. Every accepted operation gets a ring index: the count of
 *   operations enqueued on that queue since rte_marlin_dma_start(), modulo
 *   2^16. The first operation after start has index 0, the one after index
 *   65535 has index 0 again. Completions are reported in enqueue order, so
 *   @c last_idx from rte_marlin_dma_completed() says how far the queue got.
 * - Submission. rte_marlin_dma_copy() only places an operation in the ring;
 *   rte_marlin_dma_submit() (or RTE_MARLIN_DMA_OP_FLAG_SUBMIT on the last
 *   copy of a burst) rings the doorbell. Operations that were never
 *   submitted never complete.
 * - Ordering. Operations on one queue may run in parallel and in any order
 *   unless RTE_MARLIN_DMA_OP_FLAG_FENCE is set: a fenced operation starts
 *   after every earlier operation of its queue has completed. Once an
 *   operation is reported complete, its data is visible to every core and
 *   ordered before any store the caller makes afterwards (e.g. a ring index
 *   written into a peer's window).
 * - Completion. rte_marlin_dma_completed() counts successful operations and
 *   stops at the first failed one (setting @c has_error);
 *   rte_marlin_dma_completed_status() reports failed ones too, one status
 *   per operation: 0 for success or a negative errno (see
 *   rte_marlin_dma_completed_status()). A slot is reused only after its
 *   completion has been reported by one of the two calls.
 * - Back-pressure. The only back-pressure code is -ENOSPC (ring full, or
 *   device-side queue full): nothing is logged, poll completions and retry.
 *   rte_marlin_dma_burst_capacity() tells how many copies fit now.
 * - Synchronous engines. An engine whose info has RTE_MARLIN_DMA_CAPA_SYNC
 *   completes each operation by the time the submitting call returns (the
 *   copy() carrying RTE_MARLIN_DMA_OP_FLAG_SUBMIT, or submit()). A caller may
 *   then treat the data as delivered at once and collect the completions
 *   lazily; with RTE_MARLIN_DMA_CONF_F_SILENT it need not collect them at
 *   all. Asynchronous engines must be polled.
 * - Addresses. Engines with RTE_MARLIN_DMA_CAPA_VA take process virtual
 *   addresses: use rte_marlin_dma_copy(). Engines with
 *   RTE_MARLIN_DMA_CAPA_NEEDS_IOVA need IO addresses as well: get the IOVA
 *   of each region once, at setup, with rte_marlin_dma_mem_iova() (which
 *   refuses memory the engine cannot reach) and pass VA and IOVA of every
 *   operation to rte_marlin_dma_copy_iova(). rte_marlin_dma_copy_iova() works
 *   on every engine, so code that must run on both kinds (HRDMA) always uses
 *   it with addresses from rte_marlin_dma_mem_iova().
 *
 * Thread safety. Control calls (everything that is not inline here) are not
 * thread-safe for one device: call them from one control thread, and never
 * while another thread is inside a fast-path call on the same device
 * (stop() and close() in particular). Fast-path calls (copy, copy_iova,
 * submit, completed, completed_status, burst_capacity) on one queue must be
 * made by one thread at a time, normally the core that polls that queue;
 * different queues of a device may be driven by different threads at once.
 * Fast-path calls take no lock, never log and check no argument; building
 * with the @c debug_checks option (RTE_MARLIN_DEBUG) adds argument checks.
 *
 * Errors: calls returning int return 0 (or a count / index) on success and a
 * negative errno on failure.
 */

#include <rte_compat.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Maximum number of DMA engines in one process. */
#define RTE_MARLIN_DMA_MAX_DEVS 32
/** Maximum length of an engine name, including the terminating NUL. */
#define RTE_MARLIN_DMA_NAME_LEN 64
/** Maximum number of queues of one engine. */
#define RTE_MARLIN_DMA_MAX_QUEUES 64
/** @c qid value meaning "all queues" for the statistics calls. */
#define RTE_MARLIN_DMA_ALL_QUEUES UINT16_MAX

/**
 * @name Capabilities (rte_marlin_dma_info::capa)
 * @{
 */
/** Takes process virtual addresses: rte_marlin_dma_copy() works. */
#define RTE_MARLIN_DMA_CAPA_VA             RTE_BIT64(0)
/** Needs IO addresses: use rte_marlin_dma_copy_iova() with IOVAs from
 *  rte_marlin_dma_mem_iova(). */
#define RTE_MARLIN_DMA_CAPA_NEEDS_IOVA     RTE_BIT64(1)
/** Operations complete when submitted (see the file overview). */
#define RTE_MARLIN_DMA_CAPA_SYNC           RTE_BIT64(2)
/** Accepts RTE_MARLIN_DMA_CONF_F_SILENT. */
#define RTE_MARLIN_DMA_CAPA_SILENT         RTE_BIT64(3)
/** Reports failed operations and carries on with later ones. */
#define RTE_MARLIN_DMA_CAPA_HANDLES_ERRORS RTE_BIT64(4)
/** Uses non-temporal stores for large copies (cpu engine). */
#define RTE_MARLIN_DMA_CAPA_NT_STORES      RTE_BIT64(5)
/** @} */

/**
 * @name Operation flags (rte_marlin_dma_copy())
 * The values equal DPDK's RTE_DMA_OP_FLAG_* so dmadev engines pass them on.
 * @{
 */
/** Start this operation only after all earlier ones of the queue completed. */
#define RTE_MARLIN_DMA_OP_FLAG_FENCE  RTE_BIT64(0)
/** Ring the doorbell after enqueuing: same as a submit() right after. */
#define RTE_MARLIN_DMA_OP_FLAG_SUBMIT RTE_BIT64(1)
/** Hint: the destination will be read soon by this host, keep it in cache
 *  (cpu engine: never use non-temporal stores for this copy). */
#define RTE_MARLIN_DMA_OP_FLAG_LLC    RTE_BIT64(2)
/** @} */

/** Configuration flag: completions are never reported and never need to be
 *  collected; only engines with RTE_MARLIN_DMA_CAPA_SILENT accept it. */
#define RTE_MARLIN_DMA_CONF_F_SILENT  RTE_BIT64(0)

/** Engine description, filled by rte_marlin_dma_info_get(). */
struct rte_marlin_dma_info {
	char name[RTE_MARLIN_DMA_NAME_LEN]; /**< engine name, e.g. "dma_cpu0" */
	const char *driver;     /**< driver name, e.g. "dma_cpu" */
	uint64_t capa;          /**< RTE_MARLIN_DMA_CAPA_* */
	uint16_t max_queues;    /**< queues the engine can have */
	uint16_t nb_queues;     /**< configured queues (0 before configure) */
	uint32_t min_desc;      /**< smallest ring size */
	uint32_t max_desc;      /**< largest ring size (at most 65535) */
	uint32_t nb_desc;       /**< configured ring size (0 before configure) */
	uint32_t max_copy_len;  /**< longest single copy, bytes */
	int numa_node;          /**< -1 if unknown */
	int started;            /**< 1 between start() and stop() */
	uint64_t reserved[8];   /**< zero; for future fields */
};

/** Engine configuration for rte_marlin_dma_configure(). */
struct rte_marlin_dma_conf {
	uint16_t nb_queues;     /**< 1 .. info.max_queues */
	uint16_t reserved0;     /**< zero */
	uint32_t nb_desc;       /**< ring size per queue, min_desc .. max_desc
				 *   (dmadev engines may want a power of two) */
	uint64_t flags;         /**< RTE_MARLIN_DMA_CONF_F_* */
	uint64_t reserved[4];   /**< zero */
};

/** Per-queue (or summed) counters. */
struct rte_marlin_dma_stats {
	uint64_t submitted;     /**< operations submitted to the engine */
	uint64_t completed;     /**< operations reported complete (ok or not) */
	uint64_t errors;        /**< operations reported failed */
	uint64_t bytes;         /**< payload bytes of the submitted operations */
	uint64_t reserved[4];   /**< zero */
};

/**
 * Number of engines.
 *
 * Any thread (control).
 * @return Count (>= 0).
 */
__rte_experimental
int rte_marlin_dma_count(void);

/**
 * Find an engine by name.
 *
 * Any thread (control).
 * @param name Engine name, as given to --vdev or to a driver's create call.
 * @return Engine id (>= 0); -EINVAL if @p name is NULL, -ENODEV if absent.
 */
__rte_experimental
int rte_marlin_dma_get_by_name(const char *name);

/**
 * Check an engine id.
 *
 * Any thread (control).
 * @param dev_id Engine id.
 * @return 1 if the id names an engine, 0 otherwise.
 */
__rte_experimental
int rte_marlin_dma_is_valid(uint16_t dev_id);

/**
 * Describe an engine.
 *
 * Control thread.
 * @param dev_id Engine id.
 * @param info   Filled on success (zeroed first).
 * @return 0; -ENODEV (unknown id), -EINVAL (@p info NULL), or the driver's
 *         negative errno.
 */
__rte_experimental
int rte_marlin_dma_info_get(uint16_t dev_id, struct rte_marlin_dma_info *info);

/**
 * Configure queues and ring size. All queues get @c nb_desc slots.
 *
 * Control thread.
 * @param dev_id Engine id.
 * @param conf   Configuration; reserved fields must be zero.
 * @return 0; -ENODEV; -EBUSY (started); -EINVAL (NULL, queue count or ring
 *         size out of range, unknown flag, reserved field set); -ENOTSUP
 *         (SILENT on an engine without RTE_MARLIN_DMA_CAPA_SILENT); or the
 *         driver's negative errno (logged).
 */
__rte_experimental
int rte_marlin_dma_configure(uint16_t dev_id,
		const struct rte_marlin_dma_conf *conf);

/**
 * Start the engine: fast-path calls work from now on. Ring indices restart
 * at 0.
 *
 * Control thread.
 * @param dev_id Engine id.
 * @return 0 (also when already started); -ENODEV; -EINVAL (not configured);
 *         or the driver's negative errno.
 */
__rte_experimental
int rte_marlin_dma_start(uint16_t dev_id);

/**
 * Stop the engine. Operations not yet reported complete are abandoned: an
 * engine waits a bounded time for in-flight copies, then drops them. After
 * stop, fast-path calls return -ENODEV (copy/submit) or 0 (completion and
 * capacity calls) until the next start.
 *
 * Control thread; no thread may be inside a fast-path call of the engine.
 * @param dev_id Engine id.
 * @return 0 (also when not started); -ENODEV; or the driver's negative errno.
 */
__rte_experimental
int rte_marlin_dma_stop(uint16_t dev_id);

/**
 * Stop (if needed) and destroy the engine. The id becomes free.
 *
 * Control thread; no thread may be inside a fast-path call of the engine.
 * @param dev_id Engine id.
 * @return 0; -ENODEV.
 */
__rte_experimental
int rte_marlin_dma_close(uint16_t dev_id);

/**
 * Read counters. The owning threads update them without atomics; read from
 * another thread they may lag by a few operations.
 *
 * Any thread (control).
 * @param dev_id Engine id.
 * @param qid    Queue, or RTE_MARLIN_DMA_ALL_QUEUES for the sum.
 * @param stats  Filled on success (zeroed first).
 * @return 0; -ENODEV; -EINVAL (@p stats NULL, not configured, @p qid out of
 *         range); -ENOTSUP (driver has no counters).
 */
__rte_experimental
int rte_marlin_dma_stats_get(uint16_t dev_id, uint16_t qid,
		struct rte_marlin_dma_stats *stats);

/**
 * Zero counters.
 *
 * Control thread, while no thread drives the queue(s) concerned.
 * @param dev_id Engine id.
 * @param qid    Queue, or RTE_MARLIN_DMA_ALL_QUEUES.
 * @return 0; -ENODEV; -EINVAL (not configured, @p qid out of range);
 *         -ENOTSUP.
 */
__rte_experimental
int rte_marlin_dma_stats_reset(uint16_t dev_id, uint16_t qid);

/**
 * Check that the engine can reach a memory region and give its IO address.
 * Call it once per region (a buffer pool, a peer window) at setup; add
 * offsets on the fast path. On engines without
 * RTE_MARLIN_DMA_CAPA_NEEDS_IOVA it succeeds for any region and the IOVA
 * may be RTE_BAD_IOVA (it is not used). On engines that need IOVAs the
 * region must be DPDK memory (memzone, rte_malloc, or external memory
 * registered with rte_extmem_register() and mapped for DMA) with one
 * contiguous IOVA range: anything else is refused with a log saying why.
 *
 * Control thread.
 * @param dev_id Engine id.
 * @param va     Start of the region.
 * @param len    Length of the region, > 0.
 * @param iova   Set to the IOVA of @p va on success.
 * @return 0; -ENODEV; -EINVAL (NULL, zero length, or memory the engine
 *         cannot reach: no IOVA, not DPDK memory, not IOVA-contiguous).
 */
__rte_experimental
int rte_marlin_dma_mem_iova(uint16_t dev_id, const void *va, size_t len,
		rte_iova_t *iova);

/**
 * Print the engine's state and counters.
 *
 * Control thread.
 * @param dev_id Engine id.
 * @param f      Output stream.
 * @return 0; -ENODEV; -EINVAL (@p f NULL).
 */
__rte_experimental
int rte_marlin_dma_dump(uint16_t dev_id, FILE *f);

#include "rte_marlin_dma_core.h"

/**
 * Enqueue a copy of @p len bytes given by virtual addresses. Only for
 * engines with RTE_MARLIN_DMA_CAPA_VA; otherwise use
 * rte_marlin_dma_copy_iova().
 *
 * Thread: the one driving queue @p qid.
 * @param dev_id Engine id (started).
 * @param qid    Queue.
 * @param src    Source (not NULL, even for a zero length).
 * @param dst    Destination (not NULL); must not overlap @p src.
 * @param len    Bytes, 0 .. info.max_copy_len.
 * @param flags  RTE_MARLIN_DMA_OP_FLAG_*.
 * @return Ring index (0 .. 65535); -ENOSPC when the ring is full (never
 *         logged: collect completions and retry); -ENODEV when the engine
 *         is not started; with RTE_MARLIN_DEBUG also -EINVAL for a bad
 *         queue, length or address and -ENODEV for a bad id.
 */
static inline int
rte_marlin_dma_copy(uint16_t dev_id, uint16_t qid, const void *src, void *dst,
		uint32_t len, uint64_t flags)
{
	struct rte_marlin_dma_fp_obj *obj;

#ifdef RTE_MARLIN_DEBUG
	if (dev_id >= RTE_MARLIN_DMA_MAX_DEVS)
		return -ENODEV;
#endif
	obj = &rte_marlin_dma_fp_objs[dev_id];
#ifdef RTE_MARLIN_DEBUG
	if (obj->started && (qid >= obj->nb_queues || len > obj->max_copy_len ||
			src == NULL || dst == NULL ||
			!(obj->capa & RTE_MARLIN_DMA_CAPA_VA)))
		return -EINVAL;
#endif
	return obj->ops.copy(obj->fp_priv, qid, src, RTE_BAD_IOVA, dst,
			RTE_BAD_IOVA, len, flags);
}

/**
 * Enqueue a copy, giving virtual and IO addresses of both ends. Works on
 * every engine: each uses the addresses it needs. IOVAs come from
 * rte_marlin_dma_mem_iova() (region IOVA plus offset).
 *
 * Thread: the one driving queue @p qid.
 * @param dev_id   Engine id (started).
 * @param qid      Queue.
 * @param src      Source virtual address.
 * @param src_iova Source IO address (RTE_BAD_IOVA on VA-only engines).
 * @param dst      Destination virtual address; must not overlap @p src.
 * @param dst_iova Destination IO address.
 * @param len      Bytes, 0 .. info.max_copy_len.
 * @param flags    RTE_MARLIN_DMA_OP_FLAG_*.
 * @return As rte_marlin_dma_copy(); with RTE_MARLIN_DEBUG -EINVAL also for
 *         an IOVA of RTE_BAD_IOVA on an engine that needs IOVAs.
 */
static inline int
rte_marlin_dma_copy_iova(uint16_t dev_id, uint16_t qid, const void *src,
		rte_iova_t src_iova, void *dst, rte_iova_t dst_iova,
		uint32_t len, uint64_t flags)
{
	struct rte_marlin_dma_fp_obj *obj;

#ifdef RTE_MARLIN_DEBUG
	if (dev_id >= RTE_MARLIN_DMA_MAX_DEVS)
		return -ENODEV;
#endif
	obj = &rte_marlin_dma_fp_objs[dev_id];
#ifdef RTE_MARLIN_DEBUG
	if (obj->started && (qid >= obj->nb_queues || len > obj->max_copy_len))
		return -EINVAL;
	if (obj->started && (obj->capa & RTE_MARLIN_DMA_CAPA_NEEDS_IOVA) &&
			(src_iova == RTE_BAD_IOVA || dst_iova == RTE_BAD_IOVA))
		return -EINVAL;
	if (obj->started && (obj->capa & RTE_MARLIN_DMA_CAPA_VA) &&
			(src == NULL || dst == NULL))
		return -EINVAL;
#endif
	return obj->ops.copy(obj->fp_priv, qid, src, src_iova, dst, dst_iova,
			len, flags);
}

/**
 * Ring the doorbell: everything enqueued on the queue so far may start. On
 * engines with RTE_MARLIN_DMA_CAPA_SYNC those operations are complete (and
 * their stores ordered) when this returns.
 *
 * Thread: the one driving queue @p qid.
 * @param dev_id Engine id (started).
 * @param qid    Queue.
 * @return 0; -ENODEV when not started; with RTE_MARLIN_DEBUG also -EINVAL
 *         for a bad queue; or the driver's negative errno.
 */
static inline int
rte_marlin_dma_submit(uint16_t dev_id, uint16_t qid)
{
	struct rte_marlin_dma_fp_obj *obj;

#ifdef RTE_MARLIN_DEBUG
	if (dev_id >= RTE_MARLIN_DMA_MAX_DEVS)
		return -ENODEV;
#endif
	obj = &rte_marlin_dma_fp_objs[dev_id];
#ifdef RTE_MARLIN_DEBUG
	if (obj->started && qid >= obj->nb_queues)
		return -EINVAL;
#endif
	return obj->ops.submit(obj->fp_priv, qid);
}

/**
 * Collect successful completions, in order, stopping at the first failed
 * operation. When @p has_error comes back true, the failed operation is
 * still pending: call rte_marlin_dma_completed_status() to learn its status
 * and free its slot.
 *
 * Thread: the one driving queue @p qid.
 * @param dev_id    Engine id (started).
 * @param qid       Queue.
 * @param nb        Most completions to collect.
 * @param last_idx  If not NULL: ring index of the last operation reported;
 *                  when 0 are reported, of the last one reported before
 *                  (65535 right after start). Unchanged when not started.
 * @param has_error If not NULL: set true when collection stopped at a
 *                  failed operation, else false.
 * @return Number of operations reported (0 .. @p nb); 0 when not started.
 */
static inline uint16_t
rte_marlin_dma_completed(uint16_t dev_id, uint16_t qid, uint16_t nb,
		uint16_t *last_idx, bool *has_error)
{
	struct rte_marlin_dma_fp_obj *obj;
	uint16_t idx;
	bool err;

	if (last_idx == NULL)
		last_idx = &idx;
	if (has_error == NULL)
		has_error = &err;
	*has_error = false;
#ifdef RTE_MARLIN_DEBUG
	if (dev_id >= RTE_MARLIN_DMA_MAX_DEVS)
		return 0;
#endif
	obj = &rte_marlin_dma_fp_objs[dev_id];
#ifdef RTE_MARLIN_DEBUG
	if (obj->started && qid >= obj->nb_queues)
		return 0;
#endif
	return obj->ops.completed(obj->fp_priv, qid, nb, last_idx, has_error);
}

/**
 * Collect completions, successful or not, in order, with one status per
 * operation: 0 for success, otherwise a negative errno:
 * -EFAULT (bad source/destination address, page fault), -EIO (bus, link,
 * data or descriptor error, or an unknown device error), -EINVAL (length
 * the device refused), -ENOTSUP (operation the device cannot do),
 * -ECANCELED (aborted, or not attempted because of an earlier error).
 *
 * Thread: the one driving queue @p qid.
 * @param dev_id   Engine id (started).
 * @param qid      Queue.
 * @param nb       Most completions to collect; size of @p status.
 * @param last_idx If not NULL: as for rte_marlin_dma_completed().
 * @param status   Array of @p nb entries; the first (return value) are set.
 * @return Number of operations reported (0 .. @p nb); 0 when not started.
 */
static inline uint16_t
rte_marlin_dma_completed_status(uint16_t dev_id, uint16_t qid, uint16_t nb,
		uint16_t *last_idx, int *status)
{
	struct rte_marlin_dma_fp_obj *obj;
	uint16_t idx;

	if (last_idx == NULL)
		last_idx = &idx;
#ifdef RTE_MARLIN_DEBUG
	if (dev_id >= RTE_MARLIN_DMA_MAX_DEVS || status == NULL)
		return 0;
#endif
	obj = &rte_marlin_dma_fp_objs[dev_id];
#ifdef RTE_MARLIN_DEBUG
	if (obj->started && qid >= obj->nb_queues)
		return 0;
#endif
	return obj->ops.completed_status(obj->fp_priv, qid, nb, last_idx,
			status);
}

/**
 * How many copies can be enqueued on the queue right now without -ENOSPC.
 *
 * Thread: the one driving queue @p qid.
 * @param dev_id Engine id (started).
 * @param qid    Queue.
 * @return Free slots; 0 when not started (and, with RTE_MARLIN_DEBUG, for a
 *         bad id or queue).
 */
static inline uint16_t
rte_marlin_dma_burst_capacity(uint16_t dev_id, uint16_t qid)
{
	struct rte_marlin_dma_fp_obj *obj;

#ifdef RTE_MARLIN_DEBUG
	if (dev_id >= RTE_MARLIN_DMA_MAX_DEVS)
		return 0;
#endif
	obj = &rte_marlin_dma_fp_objs[dev_id];
#ifdef RTE_MARLIN_DEBUG
	if (obj->started && qid >= obj->nb_queues)
		return 0;
#endif
	return obj->ops.burst_capacity(obj->fp_priv, qid);
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_DMA_H */
