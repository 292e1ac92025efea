/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef UCT_MARLIN_HOST_H
#define UCT_MARLIN_HOST_H

/**
 * @file
 * The Marlin side of the UCX transport: how a UCX process becomes a host of
 * a Marlin fabric, its HRDMA channels to the other hosts, and the table of
 * memory it registered for peers' put/get. This header uses neither DPDK
 * nor UCX types, so the UCX side (uct_marlin_md.c, uct_marlin_iface.c,
 * uct_marlin_send.c, uct_marlin_recv.c) and the Marlin side
 * (uct_marlin_host.c) compile apart.
 *
 * A process is brought up once, by the first UCX call that needs it, from
 * its environment (see doc/guides/ucx.rst):
 *   MARLIN_FABRIC   fabric name (required: without it the transport offers
 *                   no device)
 *   MARLIN_HOST     this process's host id (required)
 *   MARLIN_HOSTS    host ids on the fabric (default 8)
 *   MARLIN_DEVARGS  more ntb_shm devargs, e.g. "mw_size=8M,dir=/dev/shm"
 *   MARLIN_EAL_ARGS more EAL arguments, space-separated (e.g. "--huge")
 *   MARLIN_NTB_DEVICE use this NTB device (silicon, ivshmem) instead of an
 *                   ntb_shm software host; MARLIN_EAL_ARGS must make the
 *                   EAL probe it (e.g. "-a 0000:af:00.0 -d librte_ntb_intel.so");
 *                   the host id is the device's port number
 *
 * Threads: every call comes from the UCX worker's progress thread (the
 * transport does not support UCS_THREAD_MODE_MULTI).
 */

#include <stddef.h>
#include <stdint.h>

/** Most hosts on a fabric (ntb_shm's limit). */
#define UM_MAX_HOSTS 64

/** What a brought-up host is. */
struct um_host_info {
	uint64_t fabric_id;  /**< hash of the fabric name */
	uint16_t port;       /**< this host's id */
	uint16_t hosts;      /**< host ids on the fabric */
	char fabric[40];     /**< fabric name */
	char device[32];     /**< NTB device name */
};

/** Channel states (those of HRDMA). */
enum um_peer_state {
	UM_PEER_DOWN = 0,
	UM_PEER_NEGOTIATING = 1,
	UM_PEER_UP = 2,
	UM_PEER_ERROR = 3,
};

/** A received message, valid until um_recv_release(). */
struct um_msg {
	uint64_t imm;
	const void *data;
	uint32_t len;
};

/**
 * Bring this process up as a Marlin host (once; later calls return the
 * first result).
 * @param[out] info Filled on success.
 * @return 0; -ENODEV (MARLIN_FABRIC / MARLIN_HOST not set: not a host),
 *         -EINVAL (bad variable; logged), -EIO (EAL or device failed;
 *         logged).
 */
int um_host_get(struct um_host_info *info);

/**
 * Create one HRDMA channel per peer (once per process).
 * @param seg_size Message size (power of two), the same on every host.
 * @param depth    Ring entries, the same on every host.
 * @return 0; a negative errno (logged).
 */
int um_channels_open(uint32_t seg_size, uint16_t depth);

/** Release the channels (when the last interface closes). */
void um_channels_close(void);

/**
 * Drive the channels (handshakes, link changes).
 * @param[out] state Per port: enum um_peer_state (-1 for self/no channel).
 */
void um_channels_poll(int8_t state[UM_MAX_HOSTS]);

/** Why the channel to @p port is not up (static text), or NULL. */
const char *um_peer_error(int port);

/**
 * Send one message to @p port.
 * @return 0; -ENOSPC (ring full: retry later), -ENOLINK (not up),
 *         -EINVAL.
 */
/* Payloads up to this size ride in the descriptor line (HRDMA's
 * RTE_MARLIN_HRDMA_INLINE_MAX). */
#define UM_INLINE_MAX 32

int um_send(int port, const void *buf, uint32_t len, uint64_t imm);
/* A message built in place in the peer's ring: the slot (NULL when the
 * ring is full or the link down) and its size; then commit or abort, with
 * no other call on that port in between. */
void *um_send_reserve(int port, uint32_t *room);
int um_send_commit(int port, uint32_t len, uint64_t imm);
void um_send_abort(int port);

/**
 * Receive up to @p n messages from @p port, in order.
 * @return Count (>= 0); -ENOLINK, -EPROTO.
 */
int um_recv(int port, struct um_msg *m, unsigned int n);

/** Give back the @p n oldest received slots of @p port. */
void um_recv_release(int port, unsigned int n);

/**
 * Register memory for peers' put/get.
 * @param[out] idx    Table slot.
 * @param[out] secret Random value a peer must present.
 * @return 0; -ENOMEM.
 */
int um_reg_add(void *addr, size_t len, uint32_t *idx, uint64_t *secret);

/** Revoke a registration: later requests naming it are refused. */
void um_reg_del(uint32_t idx);

/**
 * What live registration @p idx covers.
 * @return 0; -ENOENT (no such live registration).
 */
int um_reg_get(uint32_t idx, uint64_t *addr, uint64_t *len, uint64_t *secret);

/**
 * Check a peer's request against the table.
 * @return The local address of @p addr when [addr, addr+len) lies inside
 *         live registration @p idx with @p secret; NULL otherwise.
 */
void *um_reg_check(uint32_t idx, uint64_t secret, uint64_t addr,
		uint32_t len);

/** Device id of this host's NTB device (after um_host_get() succeeded). */
int um_host_ntb(void);

/** Log a line of the transport: @p level 0 info, 1 notice, 2 error. */
void um_host_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The heap (uct_marlin_heap.c): memory in this host's inbound window
 * UM_HEAP_WIDX that peers store into and load from directly. Used when
 * that window is the same memory for every peer (ntb_shm without a
 * manager, or a single peer); otherwise everything goes by HRDMA messages.
 */

/** Inbound window of the heap (HRDMA uses window 0). */
#define UM_HEAP_WIDX 1
/** Bytes before each block: the header peers check a key against. */
#define UM_HEAP_HDR 64

/**
 * Allocate @p len bytes in the heap and register them (um_reg_add()).
 * @param[out] addr   Local address.
 * @param[out] off    Offset of the block in the window (what a key names).
 * @param[out] idx    Registration slot.
 * @param[out] secret Registration secret, also in the block's header.
 * @return 0; -ENOTSUP (no heap on this host), -ENOMEM (heap full).
 */
int um_heap_alloc(size_t len, void **addr, uint64_t *off, uint32_t *idx,
		uint64_t *secret);

/** Whether @p addr lies in this host's heap. */
int um_heap_owns(const void *addr);

/**
 * The live heap block that holds all of [addr, addr+len), if any: what
 * registering memory inside it gives out (the block's own key, so peers
 * reach it directly; it lives until the block is freed).
 * @param[out] blk    Local address of the block.
 * @param[out] off    Offset of the block in the window.
 * @param[out] blen   Bytes of the block (as allocated).
 * @param[out] idx    The block's registration slot.
 * @param[out] secret The block's secret.
 * @return 0; -ENOENT (not inside one live block).
 */
int um_heap_find(const void *addr, size_t len, void **blk, uint64_t *off,
		uint64_t *blen, uint32_t *idx, uint64_t *secret);

/**
 * Revoke a block of um_heap_alloc() (also its registration) and free it:
 * its space is reused once every peer whose link is up now acknowledged
 * the revocation (um_heap_acked()).
 */
void um_heap_free(void *addr);

/** Revocations (frees) so far: what peers must acknowledge (UM_REVOKE). */
uint32_t um_heap_epoch(void);

/** Peer @p port acknowledged revocations up to @p epoch (its value). */
void um_heap_acked(int port, uint32_t epoch);

/**
 * Peer @p port revoked heap memory (or its link came back: @p relinked):
 * keys of its heap are checked again at their next use.
 */
void um_heap_peer_revoked(int port, int relinked);

/**
 * Per peer: goes up whenever that peer's keys must be checked again. A
 * key checked at one value is used directly while the value is the same.
 */
extern uint32_t um_heap_peer_gen[UM_MAX_HOSTS]
	__attribute__((visibility("hidden")));

/**
 * Map block @p off of peer @p port's heap for direct access.
 * @param len    Bytes the key covers from @p off.
 * @param[out] addr Where the block is in this host's outbound window.
 * @return 0; -EACCES (no such live block with @p secret, or out of the
 *         window: refuse the key), -EAGAIN (window not mapped yet: link
 *         never up), -ENOTSUP (that peer has no heap window), -EINVAL.
 */
int um_heap_map(int port, uint64_t off, uint64_t len, uint64_t secret,
		void **addr);

#endif /* UCT_MARLIN_HOST_H */
