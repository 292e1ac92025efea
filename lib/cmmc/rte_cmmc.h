/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_CMMC_H
#define RTE_CMMC_H

/**
 * @file
 * CMMC: cross-machine memory copy. One-sided, zero-copy transfers between
 * processes on different hosts of a Marlin rack, in poll mode.
 *
 * Model
 * -----
 * A CMMC context (rte_cmmc_open()) runs on one NTB device of a host and
 * joins it to its peers, one HRDMA channel per peer. Peers are named by
 * their port number (the host id on the software NTB).
 *
 * Memory. What a peer can reach is physically limited to the part of this
 * host's inbound window that the device gives that peer, so exported memory
 * is per peer: rte_cmmc_alloc() carves a buffer out of the memory that one
 * peer reaches (hugepage-backed when the window is). Local memory that only
 * serves as the source or destination of this host's own transfers is
 * registered with rte_cmmc_mem_register() (DPDK memory: rte_malloc() and
 * friends). Allocated memory is usable as local memory too, so a buffer that
 * a peer wrote can be written on to another peer without a copy.
 *
 * Keys. rte_cmmc_key_export() opens a range of allocated memory to its peer
 * with READ and/or WRITE rights and returns a key: 64 bytes
 * (struct rte_cmmc_key) that the application carries to the peer by any
 * means (an rte_cmmc_msg_send() message, a socket, a file). The key holds
 * the owner and importer ports, a region id and generation, the range, the
 * rights, the owner's instance epoch and a 64-bit random secret, with a
 * checksum. The peer turns it into a remote handle with
 * rte_cmmc_key_import(). The owner can revoke a key at any time.
 *
 * Transfers. An endpoint (rte_cmmc_ep_create()) is one HRDMA queue pair to
 * one peer, owned by one polling thread. rte_cmmc_post() takes WRITE and
 * READ operations between local memory and a range of an imported key, at
 * an offset inside the key's range, from one buffer or a list of buffers
 * (gather for WRITE, scatter for READ). A WRITE may carry a notification:
 * a 64-bit immediate that the owner receives from rte_cmmc_recv() after the
 * data, together with where the data landed. Data moves once, from the
 * source buffer straight into the destination buffer (by the polling core,
 * or by a DMA engine given in the configuration). Completions are polled
 * with rte_cmmc_poll_cq() and carry the caller's cookie. Small two-sided
 * messages (rte_cmmc_msg_send(), received by rte_cmmc_recv()) carry
 * anything else, keys included.
 *
 * Endpoint i of a host pairs with endpoint i of the peer: notifications and
 * messages sent on endpoint i arrive on the peer's endpoint i.
 *
 * Security
 * --------
 * Across a PCIe window (or the shared files of the software NTB) a peer's
 * CPU or DMA engine can physically store anywhere in the part of the window
 * that this host gives it; no host can stop that. What CMMC guarantees:
 *
 * - On the issuing side the library checks every operation against the
 *   key's current state in the owner's key table, which the owner keeps in
 *   the importer's memory (written by the owner, read locally by the
 *   importer): range (-ERANGE), rights (-EPERM), secret and generation
 *   (-EACCES for a forged secret, -EKEYREVOKED for a revoked key), the
 *   owner's instance (-ESTALE for a key from before an owner restart).
 *   Such an operation is refused before any byte moves.
 * - On the owning side every notification is checked before it is
 *   delivered (or, for payloads carried inline in the descriptor, applied):
 *   its range must lie inside a live key with WRITE rights that was
 *   exported to that peer. Others are dropped, counted
 *   (rte_cmmc_ep_stats.refused_notify) and logged once per endpoint.
 *   The owner's own key table, not the peer, decides. A notification
 *   carries no key: the check is where it lands, not who sent it (any
 *   code on the peer that posts on the channel can notify any range a live
 *   WRITE key covers), and one-sided writes themselves are not checked by
 *   the owner.
 * - The table in the importer's memory holds no secrets, only a keyed
 *   verifier per entry (SipHash-2-4 under the key's secret): reading it
 *   does not yield keys.
 * - Revocation. rte_cmmc_key_revoke() marks the key revoked in the owner's
 *   table and writes that entry into the importer's copy before it returns.
 *   From the moment that write is visible to the importer (at once on the
 *   software NTB and other coherent fabrics; after one posted-write latency,
 *   about a microsecond, across PCIe) every new operation with the key is
 *   refused. An operation the importer had already checked may still land:
 *   at most the rte_cmmc_post() call running at that moment on each of the
 *   importer's endpoints (with a DMA engine: until its copies complete).
 *   Notifications that arrive after the revocation are refused by the owner.
 * - Keys name their owner's instance: after the owner restarts, every old
 *   key is refused (-ESTALE on import and on use).
 * - Secrets come from getrandom(). A key is a capability: whoever holds its
 *   bytes on the importing host can use it.
 *
 * Threads
 * -------
 * Control calls (open, close, poll, peer_*, alloc, register, free,
 * key_export, key_revoke, key_import, rkey_release, ep_create, ep_destroy)
 * take the context's lock and may come from any thread; rte_cmmc_poll() must
 * be called regularly (every few milliseconds) by one of them so links and
 * key tables are followed. Data-path calls (post, poll_cq, recv, msg_send,
 * the inline helpers) on one endpoint come from its owner thread only; they
 * take no lock, never allocate and log only the first refused notification.
 *
 * Back-pressure is -ENOSPC (or a short count) and never logs.
 */

#include <rte_compat.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a serialised key. */
#define RTE_CMMC_KEY_SIZE 64
/** Most endpoints per peer. */
#define RTE_CMMC_MAX_EP 15
/** Most buffers in one operation's list. */
#define RTE_CMMC_MAX_IOV 16

/**
 * Default of rte_cmmc_conf.nt_threshold: CPU copies into a peer of at least
 * 2 MiB use streaming stores. Measured on the machines Marlin is developed
 * on (doc/benchmarks/cmmc.md): below that size plain copies win while the
 * data fits the caches, above it streaming stores do.
 */
#define RTE_CMMC_NT_THRESHOLD_DEFAULT (2u << 20)

/** Peer may READ the range. */
#define RTE_CMMC_ACCESS_READ  (1u << 0)
/** Peer may WRITE the range (with or without notification). */
#define RTE_CMMC_ACCESS_WRITE (1u << 1)

struct rte_cmmc;
struct rte_cmmc_mem;
struct rte_cmmc_rkey;
struct rte_cmmc_ep;

/**
 * A serialised key: send these bytes as they are.
 *
 * The layout is public and stable within a key version, so that tools and
 * other languages can read (never forge: the secret is the owner's) a key.
 * Every field is little-endian at the offset named by enum
 * rte_cmmc_key_field; rte_cmmc_key_info() decodes and checks all of them.
 */
struct rte_cmmc_key {
	uint8_t bytes[RTE_CMMC_KEY_SIZE];
};

/** First four bytes of every key: "CMKY" read as a little-endian u32. */
#define RTE_CMMC_KEY_MAGIC 0x594b4d43u
/** Key layout version (byte RTE_CMMC_KEY_OFF_VERSION). */
#define RTE_CMMC_KEY_VERSION 1

/** Byte offsets of a key's fields (the width follows each name). */
enum rte_cmmc_key_field {
	RTE_CMMC_KEY_OFF_MAGIC = 0,       /**< u32, RTE_CMMC_KEY_MAGIC */
	RTE_CMMC_KEY_OFF_VERSION = 4,     /**< u8, RTE_CMMC_KEY_VERSION */
	RTE_CMMC_KEY_OFF_ACCESS = 5,      /**< u8, RTE_CMMC_ACCESS_* bits */
	RTE_CMMC_KEY_OFF_REGION = 6,      /**< u16, owner's region id */
	RTE_CMMC_KEY_OFF_OWNER = 8,       /**< u16, owner's NTB port */
	RTE_CMMC_KEY_OFF_IMPORTER = 10,   /**< u16, the one port it is for */
	RTE_CMMC_KEY_OFF_GENERATION = 12, /**< u32, generation of the region */
	RTE_CMMC_KEY_OFF_INSTANCE = 16,   /**< u64, owner's instance epoch */
	RTE_CMMC_KEY_OFF_OFFSET = 24,     /**< u64, offset in exported memory */
	RTE_CMMC_KEY_OFF_LENGTH = 32,     /**< u64, bytes */
	RTE_CMMC_KEY_OFF_SECRET = 40,     /**< u64, random, owner-checked */
	RTE_CMMC_KEY_OFF_RESERVED = 48,   /**< u64, zero */
	RTE_CMMC_KEY_OFF_CHECKSUM = 56,   /**< u64, rte_cmmc_key_checksum() */
};

/**
 * The checksum a key carries at RTE_CMMC_KEY_OFF_CHECKSUM: FNV-1a 64 over
 * bytes 0..55. It detects damage in transit; it is no protection against
 * forgery (anyone can compute it; the secret and the owner's table are).
 *
 * @param key Key bytes.
 * @return The checksum the key should carry.
 */
static inline uint64_t
rte_cmmc_key_checksum(const struct rte_cmmc_key *key)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	unsigned int i;

	for (i = 0; i < RTE_CMMC_KEY_OFF_CHECKSUM; i++) {
		h ^= key->bytes[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/** Context configuration; both ends must agree on nb_ep, depth, msg_size. */
struct rte_cmmc_conf {
	uint16_t nb_ep;         /**< endpoints per peer, 1..RTE_CMMC_MAX_EP
				     (0: 1) */
	uint16_t depth;         /**< ring entries per endpoint, power of two,
				     64..4096 (0: 256) */
	uint32_t msg_size;      /**< largest message, power of two,
				     64..65536 (0: 2048) */
	int widx;               /**< NTB window (0) */
	int dma_dev_id;         /**< Marlin DMA engine for large copies, or -1
				     for copies by the polling core */
	uint32_t cpu_threshold; /**< with an engine: copies below this stay
				     on the CPU (0: 4096) */
	uint32_t nt_threshold;  /**< CPU copies of at least this many bytes
				     into a peer use streaming stores (0: never;
				     rte_cmmc_conf_default():
				     RTE_CMMC_NT_THRESHOLD_DEFAULT) */
	uint64_t peer_mask;     /**< bit p set: connect to the peer with port
				     p; 0: every peer of the device */
	uint64_t reserved[4];   /**< zero */
};

/** States of a peer, from rte_cmmc_peer_state(). */
enum rte_cmmc_peer_state {
	RTE_CMMC_PEER_DOWN = 0,     /**< no link */
	RTE_CMMC_PEER_CONNECTING,   /**< link up, tables being exchanged */
	RTE_CMMC_PEER_READY,        /**< keys can be imported and used */
	RTE_CMMC_PEER_ERROR,        /**< the peer was refused (see the log) */
};

/** Operation codes. */
enum rte_cmmc_opcode {
	RTE_CMMC_OP_WRITE = 1,  /**< local -> remote */
	RTE_CMMC_OP_READ = 2,   /**< remote -> local */
	RTE_CMMC_OP_MSG = 3,    /**< completion of a failed message only */
};

/** Ask for a completion. */
#define RTE_CMMC_F_SIGNALED (1u << 0)
/** Start after every earlier operation of the endpoint has completed. */
#define RTE_CMMC_F_FENCE    (1u << 1)
/** WRITE only: deliver @c imm to the owner after the data. */
#define RTE_CMMC_F_NOTIFY   (1u << 2)

/** One local buffer of a list. */
struct rte_cmmc_iov {
	void *base;
	uint32_t len;
	uint32_t reserved;
};

/** One operation. */
struct rte_cmmc_op {
	uint8_t opcode;       /**< RTE_CMMC_OP_WRITE or RTE_CMMC_OP_READ */
	uint8_t flags;        /**< RTE_CMMC_F_* */
	uint16_t nb_iov;      /**< 0: one buffer (@c local, @c len); else the
				   number of buffers in @c iov, at most
				   RTE_CMMC_MAX_IOV, laid end to end in the
				   remote range */
	uint32_t len;         /**< bytes, when @c nb_iov is 0 */
	void *local;          /**< local buffer, when @c nb_iov is 0 */
	const struct rte_cmmc_iov *iov; /**< buffers, when @c nb_iov > 0 */
	const struct rte_cmmc_rkey *rkey; /**< imported key */
	uint64_t remote_off;  /**< offset inside the key's range */
	uint64_t imm;         /**< immediate, with RTE_CMMC_F_NOTIFY */
	uint64_t cookie;      /**< returned in the completion */
};

/** A completion. */
struct rte_cmmc_cpl {
	uint64_t cookie;  /**< the operation's cookie */
	int32_t status;   /**< 0; -ENOLINK (peer lost), -EIO (engine error) */
	uint8_t opcode;   /**< enum rte_cmmc_opcode */
	uint8_t reserved[3];
	uint32_t len;     /**< bytes moved by the last piece of the operation */
	uint32_t reserved2;
};

/** What rte_cmmc_recv() delivers. */
enum rte_cmmc_event_type {
	RTE_CMMC_EVENT_NOTIFY = 1, /**< a peer's WRITE with notification landed */
	RTE_CMMC_EVENT_MSG = 2,    /**< a peer's message */
};

/** A received notification or message. */
struct rte_cmmc_event {
	uint8_t type;               /**< enum rte_cmmc_event_type */
	uint8_t reserved[3];
	uint32_t len;               /**< bytes written / message length */
	uint64_t imm;               /**< NOTIFY: the peer's immediate */
	struct rte_cmmc_mem *mem;   /**< NOTIFY: the allocated memory written */
	uint64_t offset;            /**< NOTIFY: where in @c mem */
	void *data;                 /**< NOTIFY: the first byte written;
				         MSG: the message, valid until the next
				         rte_cmmc_recv() on this endpoint */
};

/** Endpoint counters. */
struct rte_cmmc_ep_stats {
	uint64_t ops;            /**< operations taken */
	uint64_t tx_bytes;       /**< bytes written to the peer */
	uint64_t rx_bytes;       /**< bytes read from the peer */
	uint64_t refused_ops;    /**< operations refused by the key check */
	uint64_t notify_rx;      /**< notifications delivered */
	uint64_t refused_notify; /**< peer notifications refused and dropped */
	uint64_t msg_tx;         /**< messages sent */
	uint64_t msg_rx;         /**< messages delivered */
	uint64_t reserved[8];
};

/** What a key says (rte_cmmc_key_info()). */
struct rte_cmmc_key_info {
	uint16_t owner;     /**< port of the host that exported it */
	uint16_t importer;  /**< port of the host allowed to use it */
	uint8_t access;     /**< RTE_CMMC_ACCESS_* */
	uint8_t reserved0;
	uint16_t region_id; /**< slot in the owner's key table */
	uint32_t generation;
	uint64_t len;       /**< bytes in the range */
	uint64_t reserved[2];
};

/**
 * Fill a configuration with the defaults (CPU copies, streaming stores
 * from RTE_CMMC_NT_THRESHOLD_DEFAULT, one endpoint per peer, every peer).
 *
 * @param conf Filled.
 */
__rte_experimental
void rte_cmmc_conf_default(struct rte_cmmc_conf *conf);

/**
 * Open CMMC on an NTB device: enable the link, create an HRDMA channel per
 * peer (endpoint count + 1 queue pairs: endpoint i is queue pair i, the last
 * one carries CMMC's own key tables) and lay out the memory each peer
 * reaches. With a DMA engine, engine queue i serves endpoint i; endpoints
 * beyond the engine's queues copy by the polling core.
 *
 * @param ntb_id NTB device id (rte_marlin_ntb_get_by_name()).
 * @param conf   Configuration, or NULL for rte_cmmc_conf_default().
 * @return The context; NULL with rte_errno: ENODEV, EINVAL (conf; the log
 *         says which field), EEXIST (CMMC or HRDMA already runs on that
 *         device and peer), ENOSPC (the window leaves a peer too little
 *         memory; the log says how much is needed), ENOMEM, ENOTSUP, EIO
 *         (no random source).
 */
__rte_experimental
struct rte_cmmc *rte_cmmc_open(uint16_t ntb_id, const struct rte_cmmc_conf *conf);

/**
 * Close a context: every endpoint, imported key and memory object of it
 * is freed (pointers to them become invalid) and the peers see the channels
 * go down. Data-path threads must have stopped. The NTB link stays enabled.
 *
 * @param c Context (NULL is ignored).
 * @return 0.
 */
__rte_experimental
int rte_cmmc_close(struct rte_cmmc *c);

/**
 * Drive the context: follow links, run the HRDMA handshakes, send this
 * host's key tables to peers that came (back) up. Call it every few ms.
 *
 * @param c Context.
 * @return Number of peers READY (>= 0); -EINVAL.
 */
__rte_experimental
int rte_cmmc_poll(struct rte_cmmc *c);

/**
 * State of one peer (as of the last rte_cmmc_poll()).
 *
 * @param c    Context.
 * @param port Peer's port number.
 * @return enum rte_cmmc_peer_state; -EINVAL, -ENOENT (not a peer of this
 *         context).
 */
__rte_experimental
int rte_cmmc_peer_state(struct rte_cmmc *c, int port);

/**
 * Poll until a peer is READY.
 *
 * @param c          Context.
 * @param port       Peer's port number.
 * @param timeout_ms Give up after this long.
 * @return 0; -EINVAL, -ENOENT, -ETIMEDOUT, -EPROTO (the peer was refused).
 */
__rte_experimental
int rte_cmmc_peer_wait(struct rte_cmmc *c, int port, unsigned int timeout_ms);

/**
 * This host's port number.
 *
 * @param c Context.
 * @return Port (>= 0); -EINVAL.
 */
__rte_experimental
int rte_cmmc_port(struct rte_cmmc *c);

/**
 * Allocate memory that peer @p port can reach, for export. It is zeroed.
 *
 * @param c     Context.
 * @param port  Peer's port number.
 * @param len   Bytes (> 0).
 * @param align Alignment of the address, a power of two (0: 64). In
 *              ranges mode (ntb_shm mw_ranges=1) exports reach the peer as
 *              whole 4096-byte pages: use 4096 so that no other object
 *              shares a page with this one (rte_cmmc_key_export()).
 * @return Memory object; NULL with rte_errno: EINVAL, ENOENT (not a peer),
 *         ENOMEM (that peer's memory is used up; its size is
 *         rte_cmmc_exportable_len()).
 */
__rte_experimental
struct rte_cmmc_mem *rte_cmmc_alloc(struct rte_cmmc *c, int port, size_t len,
		size_t align);

/**
 * Bytes of exportable memory for a peer in total (used or not).
 *
 * @param c    Context.
 * @param port Peer's port number.
 * @return Bytes; 0 if @p port is not a peer.
 */
__rte_experimental
size_t rte_cmmc_exportable_len(struct rte_cmmc *c, int port);

/**
 * Register local DPDK memory (rte_malloc(), a memzone, a mempool) as a
 * source or destination of this host's transfers. Not exportable.
 *
 * @param c    Context.
 * @param addr Start.
 * @param len  Bytes (> 0).
 * @return Memory object; NULL with rte_errno: EINVAL (NULL, 0 or wrapping),
 *         EFAULT (not DPDK memory), ENOSPC (too many registrations: 64).
 */
__rte_experimental
struct rte_cmmc_mem *rte_cmmc_mem_register(struct rte_cmmc *c, void *addr,
		size_t len);

/**
 * Free allocated memory or drop a registration. Operations in flight on
 * it must have completed.
 *
 * @param m Memory (NULL is ignored).
 * @return 0; -EBUSY (keys on it are still live: revoke them first).
 */
__rte_experimental
int rte_cmmc_mem_free(struct rte_cmmc_mem *m);

/**
 * Address and length of a memory object.
 *
 * @param m        Memory.
 * @param[out] len Bytes (may be NULL).
 * @return Address; NULL with rte_errno EINVAL.
 */
__rte_experimental
void *rte_cmmc_mem_addr(const struct rte_cmmc_mem *m, size_t *len);

/**
 * Open a range of allocated memory to its peer and make a key for it.
 * The key is usable by the peer as soon as this returns (if the peer is
 * READY; otherwise once it is).
 *
 * Ranges mode (ntb_shm with manager= and mw_ranges=1): the export is a
 * fabric grant. Its bytes rounded out to whole 4096-byte pages become
 * reachable by the peer, read-only unless @p access has WRITE (so bytes
 * that share those pages become reachable too); the rest of the memory
 * is not mapped at the peer. Exports of exactly the same pages and rights
 * share them; pages shared with another export of other bounds or rights
 * are refused (-EEXIST).
 *
 * @param m      Memory from rte_cmmc_alloc().
 * @param off    Start of the range in @p m.
 * @param len    Bytes (> 0).
 * @param access RTE_CMMC_ACCESS_READ and/or RTE_CMMC_ACCESS_WRITE.
 * @param[out] key The key.
 * @return 0; -EINVAL (registered memory, empty or outside range, bad
 *         access), -ENOSPC (all CMMC_MAX_KEYS key slots for that peer are
 *         live), -EIO (no random source), -EEXIST (ranges mode: its pages
 *         overlap another export's of other bounds or rights), other codes
 *         of rte_marlin_ntb_mw_expose() (ranges mode).
 */
__rte_experimental
int rte_cmmc_key_export(struct rte_cmmc_mem *m, size_t off, size_t len,
		unsigned int access, struct rte_cmmc_key *key);

/**
 * Revoke a key this host exported (see "Revocation" above for when it takes
 * effect on the importer). In ranges mode the export's pages (when no
 * other live export holds them) also leave the peer's reach before this
 * returns: they move to fresh memory, bytes kept.
 *
 * @param c   Context.
 * @param key The key as exported.
 * @return 0; -EBADMSG (not a valid key), -EINVAL (not exported by this
 *         context), -ENOENT (not live: already revoked or replaced).
 */
__rte_experimental
int rte_cmmc_key_revoke(struct rte_cmmc *c, const struct rte_cmmc_key *key);

/**
 * Decode a key without using it (any thread, no context needed).
 *
 * @param key  Key bytes.
 * @param info Filled.
 * @return 0; -EINVAL (NULL), -EBADMSG (not a key or damaged),
 *         -EPROTONOSUPPORT (another key version).
 */
__rte_experimental
int rte_cmmc_key_info(const struct rte_cmmc_key *key,
		struct rte_cmmc_key_info *info);

/**
 * Import a peer's key. The owner's key table must list it as live with the
 * same secret, range and rights.
 *
 * @param c   Context.
 * @param key Key bytes received from the owner.
 * @return Remote handle; NULL with rte_errno: EBADMSG (not a key, damaged),
 *         EPROTONOSUPPORT, EINVAL (made for another host), ENOENT (owner is
 *         not a peer of this context), ENOLINK (owner not READY), ESTALE
 *         (from an earlier instance of the owner), EKEYREVOKED, EACCES
 *         (secret, range or rights differ from the owner's table: forged),
 *         EAGAIN (ranges mode: the key's pages are not mapped on this host
 *         yet; they come through the rack manager: call again), ENOMEM.
 */
__rte_experimental
struct rte_cmmc_rkey *rte_cmmc_key_import(struct rte_cmmc *c,
		const struct rte_cmmc_key *key);

/**
 * Release a remote handle. No operation using it may be in flight.
 *
 * @param rk Handle (NULL is ignored).
 * @return 0.
 */
__rte_experimental
int rte_cmmc_rkey_release(struct rte_cmmc_rkey *rk);

/**
 * Bytes in an imported key's range.
 *
 * @param rk Handle.
 * @return Bytes; 0 for NULL.
 */
__rte_experimental
uint64_t rte_cmmc_rkey_len(const struct rte_cmmc_rkey *rk);

/**
 * Create endpoint @p index to peer @p port. It is used by one thread.
 *
 * @param c     Context.
 * @param port  Peer's port number.
 * @param index 0 .. nb_ep-1; pairs with the peer's endpoint of that index.
 * @return Endpoint; NULL with rte_errno: EINVAL, ENOENT, EEXIST, ENOMEM.
 */
__rte_experimental
struct rte_cmmc_ep *rte_cmmc_ep_create(struct rte_cmmc *c, int port,
		uint16_t index);

/**
 * Destroy an endpoint. Its thread must have stopped using it.
 *
 * @param ep Endpoint (NULL is ignored).
 * @return 0.
 */
__rte_experimental
int rte_cmmc_ep_destroy(struct rte_cmmc_ep *ep);

/**
 * Post operations. Owner thread of @p ep only.
 *
 * Each operation is checked (local buffers registered or allocated, key
 * live, range, rights) before any byte of it moves. With the CPU engine the
 * copies happen inside this call: a WRITE's data is in the peer's memory,
 * and a READ's data in the local buffer, when it returns. With a DMA engine
 * that holds only once the operation has completed (a signalled one, or
 * any later one); until then the local buffer must not be touched.
 *
 * @param ep  Endpoint.
 * @param ops Operations.
 * @param n   How many.
 * @return Number taken, 0..n. Fewer than @p n: operation number (return
 *         value) was not taken, either for back-pressure (retry after
 *         rte_cmmc_poll_cq() / rte_cmmc_recv()) or because it is invalid
 *         (post it alone to learn why). When the first operation is not
 *         taken, a negative errno says why: -ENOSPC (ring or completion
 *         queue full), -ENOLINK (peer not READY or the owner's table not yet
 *         current after a reconnection), -EINVAL (bad opcode, flags, list or
 *         length), -EFAULT (local buffer not in registered or allocated
 *         memory), -ERANGE (outside the key's range), -EPERM (the key lacks
 *         the right), -EACCES (forged: secret differs), -EKEYREVOKED
 *         (also while the owner is revoking it), -ESTALE (owner restarted
 *         since the key was made), -EXDEV (key of another peer than the
 *         endpoint's).
 *         An operation whose buffer list was only partly written when
 *         back-pressure stopped it is reported as not taken; posting it
 *         again writes all of it again.
 */
__rte_experimental
int rte_cmmc_post(struct rte_cmmc_ep *ep, const struct rte_cmmc_op *ops,
		uint16_t n);

/**
 * Collect completions: one per operation that asked for one
 * (RTE_CMMC_F_SIGNALED) and one per operation or list piece that failed
 * after it was taken (link loss, engine error). Owner thread only.
 *
 * @param ep  Endpoint.
 * @param cpl Array to fill.
 * @param n   Its size.
 * @return Number filled (>= 0).
 */
__rte_experimental
int rte_cmmc_poll_cq(struct rte_cmmc_ep *ep, struct rte_cmmc_cpl *cpl,
		uint16_t n);

/**
 * Receive notifications and messages from the peer, in arrival order.
 * Refused notifications are dropped here (and counted). Owner thread only.
 *
 * @param ep Endpoint.
 * @param ev Array to fill.
 * @param n  Its size (at most 64 are returned per call).
 * @return Number filled (>= 0); -ENOLINK (peer not READY), -EPROTO (the
 *         peer wrote garbage; the channel stops until it reconnects).
 */
__rte_experimental
int rte_cmmc_recv(struct rte_cmmc_ep *ep, struct rte_cmmc_event *ev,
		uint16_t n);

/**
 * Send a message of up to msg_size bytes to the peer's endpoint of the
 * same index. Owner thread only.
 *
 * @param ep  Endpoint.
 * @param buf Bytes (any memory).
 * @param len Length.
 * @return 0; -EMSGSIZE, -ENOSPC (peer's ring full: retry after polling),
 *         -ENOLINK.
 */
__rte_experimental
int rte_cmmc_msg_send(struct rte_cmmc_ep *ep, const void *buf, uint32_t len);

/**
 * Read an endpoint's counters (any thread; may be slightly stale).
 *
 * @param ep    Endpoint.
 * @param stats Filled.
 * @return 0; -EINVAL.
 */
__rte_experimental
int rte_cmmc_ep_stats_get(struct rte_cmmc_ep *ep, struct rte_cmmc_ep_stats *stats);

/**
 * WRITE @p len bytes from @p src to offset @p roff of a key's range.
 * Owner thread of @p ep only.
 *
 * @param ep     Endpoint.
 * @param rk     Imported key.
 * @param roff   Offset in the key's range.
 * @param src    Local buffer (registered or allocated memory).
 * @param len    Bytes.
 * @param cookie Returned in the completion.
 * @param flags  RTE_CMMC_F_SIGNALED, RTE_CMMC_F_FENCE.
 * @return 0; a negative errno as from rte_cmmc_post().
 */
static inline int
rte_cmmc_write(struct rte_cmmc_ep *ep, const struct rte_cmmc_rkey *rk,
		uint64_t roff, const void *src, uint32_t len, uint64_t cookie,
		unsigned int flags)
{
	struct rte_cmmc_op op = {
		.opcode = RTE_CMMC_OP_WRITE, .flags = (uint8_t)flags,
		.len = len, .local = (void *)(uintptr_t)src, .rkey = rk,
		.remote_off = roff, .cookie = cookie,
	};
	int rc = rte_cmmc_post(ep, &op, 1);

	return rc == 1 ? 0 : rc;
}

/**
 * WRITE then notify the owner with @p imm. Owner thread of @p ep only.
 *
 * A function of the library, not an inline rte_cmmc_post() of one
 * operation: a payload of up to RTE_MARLIN_HRDMA_INLINE_MAX bytes goes from
 * the arguments through the same checks straight into HRDMA's descriptor
 * (rte_marlin_hrdma_write_notify()), with no operation built and read back
 * on the way (~30 ns of a ~300 ns one-way notification on the machine of
 * doc/benchmarks/hrdma.md).
 *
 * @param ep     Endpoint.
 * @param rk     Imported key.
 * @param roff   Offset in the key's range.
 * @param src    Local buffer (registered or allocated memory).
 * @param len    Bytes (0: only the immediate; @p roff must still lie in
 *               the key's range).
 * @param imm    Immediate.
 * @param cookie Returned in the completion.
 * @param flags  RTE_CMMC_F_SIGNALED, RTE_CMMC_F_FENCE.
 * @return 0; a negative errno as from rte_cmmc_post().
 */
__rte_experimental
int rte_cmmc_write_notify(struct rte_cmmc_ep *ep, const struct rte_cmmc_rkey *rk,
		uint64_t roff, const void *src, uint32_t len, uint64_t imm,
		uint64_t cookie, unsigned int flags);

/**
 * READ @p len bytes at offset @p roff of a key's range into @p dst.
 * Owner thread of @p ep only. A READ crosses the bridge as non-posted
 * reads: slow on real PCIe, keep it off latency-critical paths.
 *
 * @param ep     Endpoint.
 * @param rk     Imported key.
 * @param roff   Offset in the key's range.
 * @param dst    Local buffer (registered or allocated memory).
 * @param len    Bytes.
 * @param cookie Returned in the completion.
 * @param flags  RTE_CMMC_F_SIGNALED, RTE_CMMC_F_FENCE.
 * @return 0; a negative errno as from rte_cmmc_post().
 */
static inline int
rte_cmmc_read(struct rte_cmmc_ep *ep, const struct rte_cmmc_rkey *rk,
		uint64_t roff, void *dst, uint32_t len, uint64_t cookie,
		unsigned int flags)
{
	struct rte_cmmc_op op = {
		.opcode = RTE_CMMC_OP_READ, .flags = (uint8_t)flags,
		.len = len, .local = dst, .rkey = rk, .remote_off = roff,
		.cookie = cookie,
	};
	int rc = rte_cmmc_post(ep, &op, 1);

	return rc == 1 ? 0 : rc;
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_CMMC_H */
