/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_RACK_H
#define RTE_MARLIN_RACK_H

/**
 * @file
 * The rack: one global address map, and a host's link to the rack manager.
 *
 * Address map
 * -----------
 * Every host's exported memory sits at a fixed place in one 48-bit rack
 * address space: host h at h << RTE_MARLIN_RACK_HOST_SHIFT (42: 4 TiB per
 * host, 64 hosts), its inbound window w at w << RTE_MARLIN_RACK_WINDOW_SHIFT
 * (39: 512 GiB per window, 8 windows) inside that, then the byte offset in
 * the window:
 *
 *     47      42 41    39 38                                  0
 *    +----------+--------+-------------------------------------+
 *    |  host    | window |             offset                  |
 *    +----------+--------+-------------------------------------+
 *
 * The map is fixed: a rack address names the same byte on every host and
 * at every manager restart. How much of a slot is backed (the window's size)
 * is what the owner registered with the manager (marlin-fabric map).
 *
 * Manager client
 * --------------
 * A host registers with the rack manager (marlin-fabric serve) over its
 * Unix socket: rte_marlin_rack_register() sends the host id it wants and
 * the memory it exports; the manager checks the caller's uid (from the
 * kernel, SO_PEERCRED) against its policy and answers. From then on the
 * manager pushes events: grants (which peer may reach which window of
 * which owner, read-only or read-write, with the memory object of that
 * (owner, peer, window) when the owner handed one over), revocations and
 * link changes; rte_marlin_rack_event_get() returns them one at a time.
 * An owner hands the manager the memory object a peer may map with
 * rte_marlin_rack_offer(): a sealed memfd per (owner, peer, window).
 * When the manager revokes a grant of its memory, the owner makes the
 * peer's path to it unreachable (fresh backing, translation cleared) and
 * confirms with rte_marlin_rack_moved(): the manager's revoke waits for it.
 *
 * The data plane never waits on the manager: these are control-path calls,
 * one thread per client; the manager may stop without disturbing traffic
 * over memory already mapped. When it is back, rte_marlin_rack_resume()
 * registers the same process again without waiting; peers keep the
 * objects they hold from it meanwhile.
 *
 * Call order: rte_marlin_rack_register(), rte_marlin_rack_offer() for
 * each (peer, window) it exports, then rte_marlin_rack_event_get() from
 * the control loop (or when rte_marlin_rack_client_fd() is readable);
 * rte_marlin_rack_client_close() at the end.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bits of a rack address. */
#define RTE_MARLIN_RACK_ADDR_BITS 48
/** Host h's memory starts at h << RTE_MARLIN_RACK_HOST_SHIFT. */
#define RTE_MARLIN_RACK_HOST_SHIFT 42
/** Window w of a host starts w << RTE_MARLIN_RACK_WINDOW_SHIFT into it. */
#define RTE_MARLIN_RACK_WINDOW_SHIFT 39
/** Hosts in one rack address space. */
#define RTE_MARLIN_RACK_MAX_HOSTS 64
/** Windows per host in the map. */
#define RTE_MARLIN_RACK_MAX_WINDOWS 8
/**
 * Window number of a register bank in rte_marlin_rack_offer() and in
 * GRANT/REVOKE events: the page of one (owner, peer) where that peer rings
 * the owner's doorbells and writes its scratchpads. The owner offers a
 * sealed memfd of RTE_MARLIN_RACK_BANK_SIZE bytes per peer; the manager
 * passes it (read-write) to that peer only while some window of the owner
 * is granted to it, and revokes it with the last such grant. Not part of
 * the address map (rack_addr 0).
 */
#define RTE_MARLIN_RACK_BANK_WINDOW RTE_MARLIN_RACK_MAX_WINDOWS
/** Bytes of a register bank object. */
#define RTE_MARLIN_RACK_BANK_SIZE 4096
/**
 * Window number of a register header in rte_marlin_rack_offer() and in
 * GRANT/REVOKE events: one page per owner (its epoch, pid, link enable and
 * geometry) that the owner writes and every peer maps read-only. The owner
 * offers it once with peer = its own host id, as a memfd of
 * RTE_MARLIN_RACK_REGS_SIZE bytes sealed with F_SEAL_SHRINK | F_SEAL_GROW
 * | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL (after mapping it writable itself);
 * the manager passes it read-only to every other registered host, and
 * revokes it when the owner registers anew. Not part of the address map.
 */
#define RTE_MARLIN_RACK_REGS_WINDOW (RTE_MARLIN_RACK_MAX_WINDOWS + 1)
/** Bytes of a register header object. */
#define RTE_MARLIN_RACK_REGS_SIZE 4096

/** A place in the rack address space. */
struct rte_marlin_rack_loc {
	uint32_t host;   /**< owner host id */
	uint32_t window; /**< owner's inbound window */
	uint64_t offset; /**< byte offset in the window */
};

/**
 * Rack address of (host, window, offset).
 *
 * @param loc  Where.
 * @param addr Its rack address on success.
 * @return 0; -EINVAL (NULL); -ERANGE (host >= 64, window >= 8, or offset
 *         beyond the 2^39-byte window slot).
 */
__rte_experimental
int rte_marlin_rack_addr(const struct rte_marlin_rack_loc *loc,
		uint64_t *addr);

/**
 * Where a range of rack addresses lies.
 *
 * @param addr Rack address of the first byte.
 * @param len  Bytes in the range (>= 1); the range must stay in one window
 *             slot.
 * @param loc  Filled on success.
 * @return 0; -EINVAL (NULL, len 0); -ERANGE (beyond 48 bits, or the range
 *         crosses into the next window slot).
 */
__rte_experimental
int rte_marlin_rack_locate(uint64_t addr, uint64_t len,
		struct rte_marlin_rack_loc *loc);

/** Default directory of the manager's socket when run by root. */
#define RTE_MARLIN_RACK_RUN_DIR "/run/marlin"
/** Socket file name inside the manager's directory. */
#define RTE_MARLIN_RACK_SOCKET "manager.sock"

/** What a host tells the manager when it registers. */
struct rte_marlin_rack_host_conf {
	const char *socket;  /**< path of the manager's socket */
	uint32_t host_id;    /**< host id to hold (the policy must allow it) */
	uint32_t mw_count;   /**< inbound windows exported, 1..8 */
	uint64_t mw_size;    /**< bytes per window, 1..2^39 */
	uint32_t timeout_ms; /**< how long to wait for the answer (0: 5000) */
	uint32_t flags;      /**< RTE_MARLIN_RACK_HOST_F_* */
	uint32_t reserved[2];/**< zero */
};
/** This host's windows are in ranges mode: peers reach only what it
 *  exposes with rte_marlin_rack_range_offer(), never a whole window. */
#define RTE_MARLIN_RACK_HOST_F_RANGES 1u

/** A host's connection to the manager. */
struct rte_marlin_rack_client;

/** Event kinds from rte_marlin_rack_event_get(). */
enum rte_marlin_rack_event_type {
	RTE_MARLIN_RACK_EV_GRANT = 1,  /**< a grant exists (or changed) */
	RTE_MARLIN_RACK_EV_REVOKE = 2, /**< a grant was revoked */
	RTE_MARLIN_RACK_EV_LINK = 3,   /**< a link went up or down */
	RTE_MARLIN_RACK_EV_REPLY = 4,  /**< the answer to an offer, or a
					*   refused rte_marlin_rack_resume() */
	RTE_MARLIN_RACK_EV_REGISTERED = 5, /**< rte_marlin_rack_resume() done */
	RTE_MARLIN_RACK_EV_RANGE = 6,  /**< a range of a window in ranges mode
					*   was exposed to this host (fd) or
					*   taken back (access 0, no fd) */
};

/** GRANT event flag: the owner's window is in ranges mode: no object for
 *  the whole window comes, only RTE_MARLIN_RACK_EV_RANGE events. */
#define RTE_MARLIN_RACK_GRANT_RANGES 1u

/** Access in a grant. */
#define RTE_MARLIN_RACK_ACCESS_RO 1
#define RTE_MARLIN_RACK_ACCESS_RW 2

/** One event from the manager. */
struct rte_marlin_rack_event {
	uint32_t type;      /**< enum rte_marlin_rack_event_type */
	uint32_t owner;     /**< GRANT/REVOKE: owner; LINK: one end */
	uint32_t peer;      /**< GRANT/REVOKE: peer; LINK: other end */
	uint32_t window;    /**< GRANT/REVOKE: owner's window */
	uint32_t access;    /**< GRANT: RTE_MARLIN_RACK_ACCESS_RO or _RW */
	int32_t up;         /**< LINK: 1 up, 0 down */
	int32_t status;     /**< REPLY: 0 or a negative errno */
	int32_t fd;         /**< GRANT: memory object of (owner, peer, window)
			     *   if the owner handed one over, else -1; the
			     *   caller owns it and closes it */
	int32_t keep;       /**< GRANT without fd: 1 if the object held for
			     *   it may still be good (its owner resumed, or
			     *   the manager has not seen it since it
			     *   started), 0 if any object held is stale */
	uint64_t rack_addr; /**< GRANT/REVOKE: rack address of the window */
	uint64_t size;      /**< GRANT: window bytes (0: not registered) */
	char text[128];     /**< REPLY: the manager's words, NUL-terminated */
	uint32_t ticket;    /**< REVOKE of this host's own memory: non-zero
			     *   when the manager waits for the owner to
			     *   confirm (rte_marlin_rack_moved()); else 0 */
	uint32_t flags;     /**< GRANT: RTE_MARLIN_RACK_GRANT_RANGES */
	uint64_t offset;    /**< RANGE: offset of the range in the window
			     *   (its length in size) */
};

/**
 * Connect to the manager and register as a host.
 *
 * @param conf What to register.
 * @return The client, or NULL with rte_errno: EINVAL (conf), ENOENT /
 *         ECONNREFUSED (no manager there), EACCES (the socket is not open
 *         to this user, or the policy does not let this uid hold the host
 *         id), EBUSY (another process holds it), ETIMEDOUT (no answer),
 *         EPROTO (the answer was malformed). The manager's reason is
 *         logged.
 */
__rte_experimental
struct rte_marlin_rack_client *
rte_marlin_rack_register(const struct rte_marlin_rack_host_conf *conf);

/**
 * The socket, to poll for readability next to other work.
 *
 * @return A descriptor; -EINVAL for NULL.
 */
__rte_experimental
int rte_marlin_rack_client_fd(const struct rte_marlin_rack_client *c);

/**
 * Rack address of this host (its host id << RTE_MARLIN_RACK_HOST_SHIFT).
 *
 * @return The address; UINT64_MAX for NULL.
 */
__rte_experimental
uint64_t rte_marlin_rack_client_base(const struct rte_marlin_rack_client *c);

/**
 * Next event from the manager.
 *
 * @param c          The client.
 * @param ev         Filled when one is returned.
 * @param timeout_ms 0: do not wait; > 0: wait at most that long.
 * @return 1 (an event); 0 (none yet); -EINVAL; -ECONNRESET (the manager
 *         went away: traffic on mapped memory goes on, register again to
 *         see new grants); -EPROTO (the manager sent a malformed record,
 *         which is dropped and logged).
 */
__rte_experimental
int rte_marlin_rack_event_get(struct rte_marlin_rack_client *c,
		struct rte_marlin_rack_event *ev, int timeout_ms);

/**
 * Hand the manager the memory object a peer may map: one per (this host,
 * @p peer, @p window). It must be a memfd sealed against shrinking, growing
 * and further sealing (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) of
 * exactly the window's size. The manager passes it to @p peer while a
 * grant allows, and answers with an RTE_MARLIN_RACK_EV_REPLY event.
 * The caller keeps its own descriptor. @p window may be
 * RTE_MARLIN_RACK_BANK_WINDOW (a register bank for @p peer) or
 * RTE_MARLIN_RACK_REGS_WINDOW (the register header, @p peer = this host's
 * own id: it goes to every peer).
 *
 * @return 0 (sent); -EINVAL (arguments); -EAGAIN (socket full: retry);
 *         -errno of sendmsg.
 */
__rte_experimental
int rte_marlin_rack_offer(struct rte_marlin_rack_client *c, uint32_t peer,
		uint32_t window, int memfd);

/**
 * Expose one range of this host's window @p window to @p peer (ranges
 * mode, RTE_MARLIN_RACK_HOST_F_RANGES): @p memfd holds exactly that
 * range (sealed like a window object, a whole number of 4096-byte pages);
 * the manager passes it to @p peer while @p peer holds a grant for the
 * window, read-only if either the grant or @p access is. The answer comes
 * as an RTE_MARLIN_RACK_EV_REPLY event.
 *
 * @param access RTE_MARLIN_RACK_ACCESS_RO or _RW.
 * @return 0 (sent); -EINVAL (arguments, unaligned range); -EAGAIN (socket
 *         full: retry); -errno of sendmsg.
 */
__rte_experimental
int rte_marlin_rack_range_offer(struct rte_marlin_rack_client *c,
		uint32_t peer, uint32_t window, uint64_t offset, int memfd,
		uint32_t access);

/**
 * Take back a range exposed with rte_marlin_rack_range_offer(), after
 * moving it to fresh backing: the manager drops the object and tells the
 * peer, which unmaps it.
 *
 * @return 0 (sent); -EINVAL; -EAGAIN (socket full: retry); -errno.
 */
__rte_experimental
int rte_marlin_rack_range_withdraw(struct rte_marlin_rack_client *c,
		uint32_t peer, uint32_t window, uint64_t offset, uint64_t length);

/**
 * Confirm a revocation of this host's memory: after an
 * RTE_MARLIN_RACK_EV_REVOKE event with @p ev->owner == this host and a
 * non-zero @p ev->ticket, the owner moves the pages it uses for
 * (@p ev->peer, @p ev->window) to fresh backing (or closes the
 * translation) and then calls this. The manager's ``revoke`` answers once
 * every window it revoked is confirmed (or its wait runs out), so a
 * revoked peer's stores stop landing before ``revoke`` returns. An event
 * without ticket wants no confirmation (nothing is sent).
 *
 * @param c      The client.
 * @param ev     The REVOKE event, as rte_marlin_rack_event_get() gave it.
 * @param status 0 (moved), or a negative errno: the move failed (the
 *               manager reports it to whoever revoked).
 * @return 0 (sent, or nothing to send); -EINVAL (arguments, or not a
 *         revocation of this host's memory); -EAGAIN (socket full: call
 *         again); -errno of sendmsg.
 */
__rte_experimental
int rte_marlin_rack_moved(struct rte_marlin_rack_client *c,
		const struct rte_marlin_rack_event *ev, int status);

/**
 * The manager's link page, passed with the latest registration: a memfd
 * only the manager writes (sealed with F_SEAL_FUTURE_WRITE, so it can be
 * mapped read-only only), holding which links the manager cut. Its layout
 * is the manager protocol's (rack_wire.h, struct rack_wire_links). The
 * client owns the descriptor: it stays valid until the next
 * RTE_MARLIN_RACK_EV_REGISTERED event (then a new one replaces it) or
 * rte_marlin_rack_client_close().
 *
 * @return the descriptor; -EINVAL (NULL); -ENOENT (the manager sent none).
 */
__rte_experimental
int rte_marlin_rack_links_fd(const struct rte_marlin_rack_client *c);

/**
 * A page-granular memfd that only the caller's mapping can write: created
 * with @p size bytes, mapped writable here, then sealed with
 * F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL, so
 * whoever receives the descriptor can map it read-only only and nobody
 * can shrink it. The manager's link page and ntb_shm's register headers
 * are made this way. Internal.
 *
 * @param name Name for /proc (memfd_create()).
 * @param size Bytes.
 * @param va   Set to the writable mapping (munmap() it with @p size).
 * @return the descriptor; -errno of memfd_create, ftruncate, mmap, fcntl.
 */
__rte_internal
int rte_marlin_rack_memfd_own(const char *name, size_t size, void **va);

/**
 * Register again over a new connection, after rte_marlin_rack_event_get()
 * returned -ECONNRESET (the manager restarted, or the connection dropped),
 * as the same process: the memory objects handed over before stay valid
 * and peers keep them. Does not wait: the answer comes as an
 * RTE_MARLIN_RACK_EV_REGISTERED event, or an RTE_MARLIN_RACK_EV_REPLY
 * with a negative status (the policy or another process refused). Hand
 * the objects over again (rte_marlin_rack_offer()) once registered.
 *
 * @return 0 (asked); -EINVAL; -ENOENT / -ECONNREFUSED (no manager yet:
 *         try again later); -errno.
 */
__rte_experimental
int rte_marlin_rack_resume(struct rte_marlin_rack_client *c);

/**
 * Disconnect. The manager marks the host gone; its grants stay.
 *
 * @param c The client, or NULL.
 */
__rte_experimental
void rte_marlin_rack_client_close(struct rte_marlin_rack_client *c);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_RACK_H */
