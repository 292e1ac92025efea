/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_NTB_H
#define RTE_MARLIN_NTB_H

/**
 * @file
 * Marlin NTB device class.
 *
 * An NTB (Non-Transparent Bridge) port joins this host to one or more peer
 * hosts. Everything that crosses it is a memory write: data goes through
 * memory windows, notifications ring doorbells, small control values go
 * through scratchpads. This API models the Linux kernel's NTB API
 * (include/linux/ntb.h) in user space, so the vocabulary is the same:
 *
 * - Ports and peers. A device has a local port number and @c peer_count peers.
 *   Peers are addressed by index @c pidx (0 .. peer_count-1), not by port
 *   number; rte_marlin_ntb_peer_port_number() / _peer_port_idx() convert.
 * - Link. rte_marlin_ntb_link_enable() lets the link train; the link with a
 *   peer is up when both ends enabled it and both are alive.
 *   rte_marlin_ntb_link_is_up() returns a bit mask of peers whose link is up.
 * - Inbound memory windows (@c mw): local memory a peer can write through its
 *   outbound window. rte_marlin_ntb_mw_set_trans() points window @c widx at
 *   IOVA-contiguous local memory; rte_marlin_ntb_mw_alloc() is the common case
 *   (allocate suitably aligned memory and set the translation).
 * - Outbound memory windows (@c peer_mw): an aperture mapped in this process;
 *   stores into it land in the peer's inbound window. Reads work but are
 *   non-posted round trips across PCIe: keep them off fast paths.
 * - Doorbells (@c db): up to 64 bits. A peer sets bits with
 *   rte_marlin_ntb_peer_db_set() (write-1-to-set); the owner reads them with
 *   rte_marlin_ntb_db_read() and clears them with rte_marlin_ntb_db_clear().
 *   Masked bits stay readable but raise no doorbell event.
 * - Scratchpads (@c spad): 32-bit registers for link bring-up handshakes.
 *   Marlin keeps one bank per peer, so multi-peer devices do not share them:
 *   rte_marlin_ntb_spad_read(dev, pidx, sidx) reads what peer @c pidx wrote
 *   with rte_marlin_ntb_peer_spad_write(). (Linux has one shared bank; for
 *   single-peer silicon @c pidx is always 0 and the two models agree.)
 * - Message registers (@c msg): only on devices that have them.
 * - Events. rte_marlin_ntb_poll() checks the device and calls the registered
 *   callback for link changes and unmasked doorbells. Marlin is polled: there
 *   is no event thread unless the application makes one.
 *
 * Call order: rte_eal_init() (which probes devices, e.g. --vdev ntb_shm0,...),
 * rte_marlin_ntb_get_by_name(), rte_marlin_ntb_mw_alloc() for each inbound
 * window, rte_marlin_ntb_event_callback_register(), rte_marlin_ntb_link_enable(),
 * then rte_marlin_ntb_poll() until the link is up; then map the peer's
 * windows with rte_marlin_ntb_peer_mw_get_addr().
 *
 * Lifetime: whoever keeps using a device beyond one call (a channel, a port,
 * a polling loop or alarm) holds it with rte_marlin_ntb_user_get() and lets
 * go with rte_marlin_ntb_user_put() once it stopped polling and storing into
 * its windows. A device removed while held (rte_dev_remove(), hot unplug,
 * rte_eal_cleanup() removing it before its users) is gone for its users: their
 * next rte_marlin_ntb_poll() disables its link (peers see it drop) and
 * reports one link-down event per peer that was up; every call after that
 * returns -ENODEV. Yet its
 * memory, mapped windows included, stays valid until the last user lets go;
 * the driver then closes it (ntb_shm removes its fabric files) on that
 * user's thread. Teardown calls keep working on a removed device:
 * rte_marlin_ntb_mw_free() (0; the windows go with the device),
 * rte_marlin_ntb_event_callback_register() with a NULL callback and
 * rte_marlin_ntb_user_put().
 *
 * Thread safety: control calls (everything here) are not thread-safe for one
 * device; call them from one thread, or serialise them. Stores into a mapped
 * peer window and rte_marlin_ntb_peer_db_set() may be issued from any thread.
 *
 * Errors: calls returning int return 0 (or a count / mask) on success and a
 * negative errno on failure; -ENODEV for an unknown device id, -EINVAL for an
 * index out of range, -ENOTSUP when the device lacks the operation,
 * -ENOLINK when the operation needs a link that is down.
 */

#include <rte_compat.h>
#include <stdint.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Maximum number of NTB devices in one process. */
#define RTE_MARLIN_NTB_MAX_DEVS 32
/** Maximum length of a device name, including the terminating NUL. */
#define RTE_MARLIN_NTB_NAME_LEN 64
/** Maximum number of peers one device can address (link masks are 64-bit). */
#define RTE_MARLIN_NTB_MAX_PEERS 64

/** PCIe link speed (generation); NONE when the link is down, UNKNOWN when
 *  it is up but is no PCIe link (a software fabric such as ntb_shm, whose
 *  topology is RTE_MARLIN_NTB_TOPO_SOFTWARE: memory has no lanes). */
enum rte_marlin_ntb_speed {
	RTE_MARLIN_NTB_SPEED_AUTO = -1, /**< link_enable(): no limit */
	RTE_MARLIN_NTB_SPEED_NONE = 0,
	RTE_MARLIN_NTB_SPEED_GEN1 = 1,  /**< 2.5 GT/s */
	RTE_MARLIN_NTB_SPEED_GEN2 = 2,  /**< 5 GT/s */
	RTE_MARLIN_NTB_SPEED_GEN3 = 3,  /**< 8 GT/s */
	RTE_MARLIN_NTB_SPEED_GEN4 = 4,  /**< 16 GT/s */
	RTE_MARLIN_NTB_SPEED_GEN5 = 5,  /**< 32 GT/s */
	RTE_MARLIN_NTB_SPEED_UNKNOWN = 255, /**< up, no PCIe speed to report */
};

/** PCIe link width in lanes; NONE when the link is down, UNKNOWN when it
 *  is up but has no lanes (software fabric). */
enum rte_marlin_ntb_width {
	RTE_MARLIN_NTB_WIDTH_AUTO = -1, /**< link_enable(): no limit */
	RTE_MARLIN_NTB_WIDTH_NONE = 0,
	RTE_MARLIN_NTB_WIDTH_1 = 1,
	RTE_MARLIN_NTB_WIDTH_2 = 2,
	RTE_MARLIN_NTB_WIDTH_4 = 4,
	RTE_MARLIN_NTB_WIDTH_8 = 8,
	RTE_MARLIN_NTB_WIDTH_12 = 12,
	RTE_MARLIN_NTB_WIDTH_16 = 16,
	RTE_MARLIN_NTB_WIDTH_32 = 32,
	RTE_MARLIN_NTB_WIDTH_UNKNOWN = 255, /**< up, no lanes to report */
};

/** Port topology, as Linux's enum ntb_topo. */
enum rte_marlin_ntb_topo {
	RTE_MARLIN_NTB_TOPO_NONE = 0,
	RTE_MARLIN_NTB_TOPO_B2B_USD,  /**< back-to-back, upstream side */
	RTE_MARLIN_NTB_TOPO_B2B_DSD,  /**< back-to-back, downstream side */
	RTE_MARLIN_NTB_TOPO_SWITCH,   /**< multi-port switch */
	RTE_MARLIN_NTB_TOPO_SOFTWARE, /**< shared-memory fabric (ntb_shm) */
};

/** Device description, filled by rte_marlin_ntb_info_get(). */
struct rte_marlin_ntb_info {
	char name[RTE_MARLIN_NTB_NAME_LEN]; /**< device name, e.g. "ntb_shm0" */
	const char *driver;      /**< driver name, e.g. "ntb_shm" */
	enum rte_marlin_ntb_topo topo;
	int port;                /**< local port number */
	int peer_count;          /**< number of peers (valid pidx values) */
	int mw_count;            /**< inbound windows per peer */
	int peer_mw_count;       /**< outbound windows per peer */
	int spad_count;          /**< scratchpads per bank (0 if none) */
	int msg_count;           /**< message registers (0 if none) */
	uint64_t db_valid_mask;  /**< doorbell bits that exist */
	/** Non-zero when all peers reach the same inbound memory through a
	 *  given widx (ntb_shm): upper layers must split it among peers. */
	int mw_shared;
	uint64_t reserved[8];    /**< zero; for future fields */
};

/** Alignment and size limits of an inbound window. */
struct rte_marlin_ntb_mw_align {
	uint64_t addr_align;  /**< required alignment of the local address */
	uint64_t size_align;  /**< required alignment of the size */
	uint64_t size_max;    /**< largest translation the window accepts */
};

/** Link state of one peer. */
struct rte_marlin_ntb_link {
	int up;                          /**< 1 when up */
	enum rte_marlin_ntb_speed speed; /**< NONE when down */
	enum rte_marlin_ntb_width width; /**< NONE when down */
	uint64_t peer_epoch; /**< changes each time the peer (re)starts; 0 if unknown */
};

/** Event types passed to an event callback. */
enum rte_marlin_ntb_event_type {
	RTE_MARLIN_NTB_EVENT_LINK = 1, /**< link with @c pidx went up or down */
	RTE_MARLIN_NTB_EVENT_DB = 2,   /**< unmasked doorbell bits are pending */
	RTE_MARLIN_NTB_EVENT_MSG = 3,  /**< a message register was written */
};

/** One event delivered by rte_marlin_ntb_poll(). */
struct rte_marlin_ntb_event {
	enum rte_marlin_ntb_event_type type;
	int pidx;          /**< LINK: the peer; DB/MSG: -1 when not known */
	int link_up;       /**< LINK: new state */
	uint64_t db_bits;  /**< DB: pending unmasked bits (not cleared) */
};

/**
 * Event callback. Runs on the thread calling rte_marlin_ntb_poll().
 *
 * @param dev_id Device that raised the event.
 * @param ev     The event; valid only during the call.
 * @param arg    The argument given at registration.
 */
typedef void (*rte_marlin_ntb_event_cb_t)(uint16_t dev_id,
		const struct rte_marlin_ntb_event *ev, void *arg);

/**
 * Number of NTB devices probed in this process.
 *
 * @return Count (>= 0).
 */
__rte_experimental
int rte_marlin_ntb_count(void);

/**
 * Find a device by name.
 *
 * @param name Device name (e.g. "ntb_shm0", or a PCI address for silicon).
 * @return Device id (>= 0); -EINVAL if @p name is NULL, -ENODEV if absent
 *         (or removed).
 */
__rte_experimental
int rte_marlin_ntb_get_by_name(const char *name);

/**
 * Check a device id.
 *
 * @param dev_id Device id.
 * @return 1 if the id names a probed device, 0 otherwise.
 */
__rte_experimental
int rte_marlin_ntb_is_valid(uint16_t dev_id);

/**
 * Become a user of a device: it stays in memory, its windows mapped and its
 * id valid, until this user calls rte_marlin_ntb_user_put(), even when the
 * device is removed meanwhile (see "Lifetime" above). Any thread.
 *
 * @param dev_id Device id.
 * @return 0; -ENODEV (no such device, or removed already).
 */
__rte_experimental
int rte_marlin_ntb_user_get(uint16_t dev_id);

/**
 * Stop being a user of a device. Call it after the last poll, doorbell and
 * store into the device's windows. When the device was removed and this was
 * its last user, the device is closed and freed before this returns. Any
 * thread.
 *
 * @param dev_id Device id.
 * @return 0; -ENODEV (no such device), -EINVAL (no user holds it).
 */
__rte_experimental
int rte_marlin_ntb_user_put(uint16_t dev_id);

/**
 * Describe a device.
 *
 * @param dev_id Device id.
 * @param info   Filled on success (zeroed first).
 * @return 0; -ENODEV, -EINVAL (@p info NULL).
 */
__rte_experimental
int rte_marlin_ntb_info_get(uint16_t dev_id, struct rte_marlin_ntb_info *info);

/**
 * Local port number.
 * @param dev_id Device id.
 * @return Port number (>= 0); -ENODEV.
 */
__rte_experimental
int rte_marlin_ntb_port_number(uint16_t dev_id);

/**
 * Number of peers.
 * @param dev_id Device id.
 * @return Count (>= 1); -ENODEV.
 */
__rte_experimental
int rte_marlin_ntb_peer_port_count(uint16_t dev_id);

/**
 * Port number of peer @p pidx.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @return Port number (>= 0); -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_peer_port_number(uint16_t dev_id, int pidx);

/**
 * Peer index of port number @p port.
 * @param dev_id Device id.
 * @param port   A peer's port number.
 * @return Peer index (>= 0); -ENODEV, -EINVAL (not a peer's port).
 */
__rte_experimental
int rte_marlin_ntb_peer_port_idx(uint16_t dev_id, int port);

/**
 * Which peers the link is up with.
 *
 * @param dev_id Device id.
 * @param speed  If not NULL: speed of the lowest-indexed peer that is up.
 * @param width  If not NULL: width of that peer.
 * @return Bit mask (bit pidx set when up; >= 0); -ENODEV.
 */
__rte_experimental
int64_t rte_marlin_ntb_link_is_up(uint16_t dev_id,
		enum rte_marlin_ntb_speed *speed, enum rte_marlin_ntb_width *width);

/**
 * Link state of one peer, with the peer's epoch.
 *
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param link   Filled on success.
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_link_get(uint16_t dev_id, int pidx,
		struct rte_marlin_ntb_link *link);

/**
 * Enable the link (let it train) with every peer.
 *
 * @param dev_id    Device id.
 * @param max_speed Highest speed to train to, or RTE_MARLIN_NTB_SPEED_AUTO.
 * @param max_width Widest width, or RTE_MARLIN_NTB_WIDTH_AUTO.
 * @return 0; -ENODEV, -EIO (hardware refused).
 */
__rte_experimental
int rte_marlin_ntb_link_enable(uint16_t dev_id,
		enum rte_marlin_ntb_speed max_speed, enum rte_marlin_ntb_width max_width);

/**
 * Disable the link. Afterwards no stores go out through outbound windows.
 *
 * @param dev_id Device id.
 * @return 0; -ENODEV, -EIO.
 */
__rte_experimental
int rte_marlin_ntb_link_disable(uint16_t dev_id);

/**
 * Number of inbound windows for peer @p pidx.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @return Count (>= 0); -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_mw_count(uint16_t dev_id, int pidx);

/**
 * Alignment and size limits of inbound window @p widx.
 *
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @param align  Filled on success.
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_mw_get_align(uint16_t dev_id, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align);

/**
 * Point inbound window @p widx at local memory.
 *
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @param addr   Virtual address of the memory (kept for mw_get_addr).
 * @param iova   Its IOVA; the memory must be IOVA-contiguous.
 * @param size   Size in bytes.
 * @return 0; -ENODEV, -EINVAL (alignment or size: the log says which),
 *         -ENOTSUP (the window's memory is fixed by the device),
 *         -EIO (the device did not accept the translation).
 */
__rte_experimental
int rte_marlin_ntb_mw_set_trans(uint16_t dev_id, int pidx, int widx,
		void *addr, rte_iova_t iova, size_t size);

/**
 * Undo rte_marlin_ntb_mw_set_trans().
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP.
 */
__rte_experimental
int rte_marlin_ntb_mw_clear_trans(uint16_t dev_id, int pidx, int widx);

/** Rights of an exposed range (rte_marlin_ntb_mw_expose()). */
#define RTE_MARLIN_NTB_MW_READ 1u
#define RTE_MARLIN_NTB_MW_WRITE 2u
/** Granularity of exposed ranges. */
#define RTE_MARLIN_NTB_MW_RANGE_ALIGN 4096u

/**
 * Expose one range of inbound window @p widx to peer @p pidx: on a device
 * whose windows are in *ranges mode* (ntb_shm with manager= and
 * mw_ranges=1) the peer reaches only the ranges exposed to it, and a range
 * reaches it only while the rack manager grants it the window (rights
 * capped by the grant); on ntb_intel with manager= and mw_ranges=1 the
 * exposed ranges are the only IOMMU mappings of a granted window. The
 * range's current bytes stay; from this call on
 * they live in memory the peer can reach. Ranges are whole pages
 * (RTE_MARLIN_NTB_MW_RANGE_ALIGN); the same range exposed twice is
 * counted, and needs as many rte_marlin_ntb_mw_unexpose() calls; a range
 * that overlaps another without being equal to it is refused.
 * Control path; not thread-safe against other calls on the device.
 *
 * Devices whose windows are not in ranges mode: ntb_shm, and ntb_intel
 * with manager=, return 0 and enforce nothing more (the whole window is
 * reachable, as granted); others return -ENOTSUP. On ntb_intel a range is
 * of the memory given to rte_marlin_ntb_mw_set_trans() (-EINVAL before).
 *
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @param off    Offset in the window, a multiple of 4096.
 * @param len    Length, a multiple of 4096, > 0.
 * @param rights RTE_MARLIN_NTB_MW_READ, optionally | RTE_MARLIN_NTB_MW_WRITE.
 * @return 0; -ENODEV; -EINVAL (alignment, range outside the window,
 *         rights); -EEXIST (overlaps another exposed range); -ENOSPC (too
 *         many ranges); -ENOTSUP; -EAGAIN (the manager's socket is full:
 *         nothing changed, call again); -errno (memfd, mmap).
 */
__rte_experimental
int rte_marlin_ntb_mw_expose(uint16_t dev_id, int pidx, int widx,
		size_t off, size_t len, unsigned int rights);

/**
 * Take back a range exposed with rte_marlin_ntb_mw_expose(). When its
 * count drops to zero the range moves to fresh backing (its bytes kept for
 * this host) before this call returns, so from then on the peer's stores
 * no longer reach this host's memory; the manager tells the peer, which
 * unmaps it.
 *
 * @return 0; -ENODEV; -EINVAL; -ENOENT (not exposed); -ENOTSUP; -errno.
 */
__rte_experimental
int rte_marlin_ntb_mw_unexpose(uint16_t dev_id, int pidx, int widx,
		size_t off, size_t len);

/**
 * Allocate local memory for inbound window @p widx and set the translation.
 *
 * The memory is IOVA-contiguous, aligned as the window needs and zeroed.
 * Calling it again for the same window returns the same memory if @p size
 * fits, -EBUSY otherwise.
 *
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @param size   Bytes wanted; 0 means the window's maximum.
 * @param[out] addr Where to store the address.
 * @param[out] len  If not NULL: the size actually mapped (>= @p size).
 * @return 0; -ENODEV, -EINVAL, -ENOMEM, -EBUSY, or an error of
 *         rte_marlin_ntb_mw_set_trans().
 */
__rte_experimental
int rte_marlin_ntb_mw_alloc(uint16_t dev_id, int pidx, int widx, size_t size,
		void **addr, size_t *len);

/**
 * Release what rte_marlin_ntb_mw_alloc() set up.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @return 0; -ENODEV, -EINVAL, -ENOENT (nothing allocated).
 */
__rte_experimental
int rte_marlin_ntb_mw_free(uint16_t dev_id, int pidx, int widx);

/**
 * Number of outbound windows towards peer @p pidx.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @return Count (>= 0); -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_peer_mw_count(uint16_t dev_id, int pidx);

/**
 * Map outbound window @p widx towards peer @p pidx.
 *
 * The mapping stays valid (same address) until the device is closed, across
 * link flaps and peer restarts: while the link is down, stores into it are
 * dropped, as on a bridge whose cable is out. Stores are posted writes;
 * order them with rte_wmb() before ringing a doorbell or writing an index.
 *
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param widx   Window index.
 * @param[out] base Mapped address.
 * @param[out] size Window size in bytes.
 * @return 0; -ENODEV, -EINVAL, -ENOLINK (never been up, size unknown yet),
 *         -ENOMEM.
 */
__rte_experimental
int rte_marlin_ntb_peer_mw_get_addr(uint16_t dev_id, int pidx, int widx,
		void **base, size_t *size);

/**
 * Doorbell bits that exist on this device.
 * @param dev_id Device id.
 * @param[out] mask The mask.
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_db_valid_mask(uint16_t dev_id, uint64_t *mask);

/**
 * Read the local doorbell bits that peers have set.
 * @param dev_id Device id.
 * @param[out] bits The pending bits.
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_db_read(uint16_t dev_id, uint64_t *bits);

/**
 * Clear local doorbell bits (write-1-to-clear).
 * @param dev_id Device id.
 * @param bits   Bits to clear; must be within the valid mask.
 * @return 0; -ENODEV, -EINVAL.
 */
__rte_experimental
int rte_marlin_ntb_db_clear(uint16_t dev_id, uint64_t bits);

/**
 * Mask doorbell bits: they stay readable but raise no event.
 * @param dev_id Device id.
 * @param bits   Bits to mask.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP.
 */
__rte_experimental
int rte_marlin_ntb_db_set_mask(uint16_t dev_id, uint64_t bits);

/**
 * Unmask doorbell bits. A bit pending at that moment raises an event at the
 * next rte_marlin_ntb_poll().
 * @param dev_id Device id.
 * @param bits   Bits to unmask.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP.
 */
__rte_experimental
int rte_marlin_ntb_db_clear_mask(uint16_t dev_id, uint64_t bits);

/**
 * Read the doorbell mask.
 * @param dev_id Device id.
 * @param[out] mask The mask.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP.
 */
__rte_experimental
int rte_marlin_ntb_db_read_mask(uint16_t dev_id, uint64_t *mask);

/**
 * Ring doorbell bits on peer @p pidx (write-1-to-set). Any thread.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param bits   Bits to set; within the valid mask.
 * @return 0; -ENODEV, -EINVAL, -ENOLINK.
 */
__rte_experimental
int rte_marlin_ntb_peer_db_set(uint16_t dev_id, int pidx, uint64_t bits);

/**
 * Number of scratchpads in one bank.
 * @param dev_id Device id.
 * @return Count (>= 0; 0 when the device has none); -ENODEV.
 */
__rte_experimental
int rte_marlin_ntb_spad_count(uint16_t dev_id);

/**
 * Read local scratchpad @p sidx of the bank peer @p pidx writes.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param sidx   Scratchpad index.
 * @param[out] val The value.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP.
 */
__rte_experimental
int rte_marlin_ntb_spad_read(uint16_t dev_id, int pidx, int sidx, uint32_t *val);

/**
 * Write local scratchpad @p sidx of bank @p pidx (e.g. to clear it).
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param sidx   Scratchpad index.
 * @param val    Value.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP.
 */
__rte_experimental
int rte_marlin_ntb_spad_write(uint16_t dev_id, int pidx, int sidx, uint32_t val);

/**
 * Write scratchpad @p sidx of the bank this host owns on peer @p pidx.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param sidx   Scratchpad index.
 * @param val    Value.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP, -ENOLINK.
 */
__rte_experimental
int rte_marlin_ntb_peer_spad_write(uint16_t dev_id, int pidx, int sidx,
		uint32_t val);

/**
 * Read back scratchpad @p sidx of this host's bank on peer @p pidx.
 * A read across the bridge: slow, control path only.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param sidx   Scratchpad index.
 * @param[out] val The value.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP, -ENOLINK.
 */
__rte_experimental
int rte_marlin_ntb_peer_spad_read(uint16_t dev_id, int pidx, int sidx,
		uint32_t *val);

/**
 * Number of inbound message registers.
 * @param dev_id Device id.
 * @return Count (>= 0; 0 when the device has none); -ENODEV.
 */
__rte_experimental
int rte_marlin_ntb_msg_count(uint16_t dev_id);

/**
 * Read inbound message register @p midx.
 * @param dev_id Device id.
 * @param midx   Message register index.
 * @param[out] pidx Sender's peer index.
 * @param[out] msg  The message.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP, -EAGAIN (register empty).
 */
__rte_experimental
int rte_marlin_ntb_msg_read(uint16_t dev_id, int midx, int *pidx, uint32_t *msg);

/**
 * Write message register @p midx of peer @p pidx.
 * @param dev_id Device id.
 * @param pidx   Peer index.
 * @param midx   Message register index.
 * @param msg    The message.
 * @return 0; -ENODEV, -EINVAL, -ENOTSUP, -ENOLINK, -EAGAIN (peer's register full).
 */
__rte_experimental
int rte_marlin_ntb_peer_msg_write(uint16_t dev_id, int pidx, int midx,
		uint32_t msg);

/**
 * Register the event callback (one per device; replaces the previous one).
 *
 * @param dev_id Device id.
 * @param cb     Callback, or NULL to unregister.
 * @param arg    Passed to @p cb.
 * @return 0; -ENODEV.
 */
__rte_experimental
int rte_marlin_ntb_event_callback_register(uint16_t dev_id,
		rte_marlin_ntb_event_cb_t cb, void *arg);

/**
 * Check the device for link changes and unmasked doorbells and deliver them
 * to the callback. Link state is only refreshed by this call (and by
 * rte_marlin_ntb_link_is_up()), so call it regularly: at least every 10 ms
 * for ntb_shm to notice a dead peer within 100 ms.
 *
 * @param dev_id Device id.
 * @return Number of events delivered (>= 0); -ENODEV.
 */
__rte_experimental
int rte_marlin_ntb_poll(uint16_t dev_id);

/**
 * Wait for the link with peer @p pidx to come up, polling the device.
 *
 * @param dev_id     Device id.
 * @param pidx       Peer index.
 * @param timeout_ms Give up after this long.
 * @return 0 when up; -ENODEV, -EINVAL, -ETIMEDOUT.
 */
__rte_experimental
int rte_marlin_ntb_link_wait(uint16_t dev_id, int pidx, unsigned int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_NTB_H */
