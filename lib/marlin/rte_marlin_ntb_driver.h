/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_NTB_DRIVER_H
#define RTE_MARLIN_NTB_DRIVER_H

/**
 * @file
 * What an NTB driver implements (internal API, not for applications).
 *
 * A driver fills one const struct rte_marlin_ntb_ops per silicon generation
 * and calls rte_marlin_ntb_dev_allocate() from its probe. The class checks
 * the table once:
 * - mandatory: port_number, peer_port_count, link_is_up, link_enable,
 *   link_disable, mw_count, mw_get_align, peer_mw_count, peer_mw_get_addr,
 *   db_valid_mask, db_read, db_clear, peer_db_set;
 * - paired (both or neither): mw_set_trans/mw_clear_trans,
 *   db_set_mask/db_clear_mask (db_read_mask optional with them),
 *   spad_count/spad_read/peer_spad_write (spad_write, peer_spad_read optional
 *   with them), msg_count/msg_read/peer_msg_write;
 * - optional: peer_port_number/peer_port_idx (default: port = pidx + 1 for a
 *   peer whose index is at or above the local port, else pidx), mw_alloc/
 *   mw_free (default: an IOVA-contiguous memzone plus mw_set_trans), poll
 *   (default: link and doorbell changes found by reading state), close.
 * Missing optional ops are replaced by functions returning -ENOTSUP, so the
 * class never tests for NULL on a call.
 *
 * Index arguments (pidx, widx, sidx, midx) and doorbell bits are validated by
 * the class before an op is called; ops may trust them.
 */

#include <rte_compat.h>
#include <stdint.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "rte_marlin_ntb.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_marlin_ntb_dev;

/** Driver operations. All return 0 / a count or a negative errno. */
struct rte_marlin_ntb_ops {
	int (*port_number)(struct rte_marlin_ntb_dev *dev);
	int (*peer_port_count)(struct rte_marlin_ntb_dev *dev);
	int (*peer_port_number)(struct rte_marlin_ntb_dev *dev, int pidx);
	int (*peer_port_idx)(struct rte_marlin_ntb_dev *dev, int port);

	/** Fill @p link for peer @p pidx (refresh state if needed). */
	int (*link_is_up)(struct rte_marlin_ntb_dev *dev, int pidx,
			struct rte_marlin_ntb_link *link);
	int (*link_enable)(struct rte_marlin_ntb_dev *dev,
			enum rte_marlin_ntb_speed speed, enum rte_marlin_ntb_width width);
	int (*link_disable)(struct rte_marlin_ntb_dev *dev);

	int (*mw_count)(struct rte_marlin_ntb_dev *dev, int pidx);
	int (*mw_get_align)(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
			struct rte_marlin_ntb_mw_align *align);
	int (*mw_set_trans)(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
			void *addr, rte_iova_t iova, size_t size);
	int (*mw_clear_trans)(struct rte_marlin_ntb_dev *dev, int pidx, int widx);
	/** Provide memory for the window (drivers whose windows are fixed). */
	int (*mw_alloc)(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
			size_t size, void **addr, size_t *len);
	int (*mw_free)(struct rte_marlin_ntb_dev *dev, int pidx, int widx);
	/** Ranges mode (optional, paired): expose / take back a range. */
	int (*mw_expose)(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
			size_t off, size_t len, unsigned int rights);
	int (*mw_unexpose)(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
			size_t off, size_t len);

	int (*peer_mw_count)(struct rte_marlin_ntb_dev *dev, int pidx);
	int (*peer_mw_get_addr)(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
			void **base, size_t *size);

	int (*db_valid_mask)(struct rte_marlin_ntb_dev *dev, uint64_t *mask);
	int (*db_read)(struct rte_marlin_ntb_dev *dev, uint64_t *bits);
	int (*db_clear)(struct rte_marlin_ntb_dev *dev, uint64_t bits);
	int (*db_set_mask)(struct rte_marlin_ntb_dev *dev, uint64_t bits);
	int (*db_clear_mask)(struct rte_marlin_ntb_dev *dev, uint64_t bits);
	int (*db_read_mask)(struct rte_marlin_ntb_dev *dev, uint64_t *mask);
	int (*peer_db_set)(struct rte_marlin_ntb_dev *dev, int pidx, uint64_t bits);

	int (*spad_count)(struct rte_marlin_ntb_dev *dev);
	int (*spad_read)(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
			uint32_t *val);
	int (*spad_write)(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
			uint32_t val);
	int (*peer_spad_read)(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
			uint32_t *val);
	int (*peer_spad_write)(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
			uint32_t val);

	int (*msg_count)(struct rte_marlin_ntb_dev *dev);
	int (*msg_read)(struct rte_marlin_ntb_dev *dev, int midx, int *pidx,
			uint32_t *msg);
	int (*peer_msg_write)(struct rte_marlin_ntb_dev *dev, int pidx, int midx,
			uint32_t msg);

	/**
	 * Optional: refresh device state (liveness, link) without delivering
	 * anything; the class compares link and doorbell state before and after
	 * and raises the events itself. Called by rte_marlin_ntb_poll().
	 */
	int (*poll)(struct rte_marlin_ntb_dev *dev);
	/** Optional: release driver resources; called by dev_release(). */
	void (*close)(struct rte_marlin_ntb_dev *dev);
};

/** Per-window bookkeeping for the class's default mw_alloc. */
struct rte_marlin_ntb_mw_mem {
	const struct rte_memzone *mz; /**< memzone, or NULL if the driver owns it */
	void *addr;
	size_t len;
	int pidx;
};

/** Maximum inbound windows per peer the class tracks for mw_alloc. */
#define RTE_MARLIN_NTB_MAX_MW 8

/** An NTB device, as drivers see it. */
struct rte_marlin_ntb_dev {
	char name[RTE_MARLIN_NTB_NAME_LEN];
	const char *driver;            /**< static string */
	uint16_t dev_id;
	enum rte_marlin_ntb_topo topo;
	struct rte_marlin_ntb_ops ops; /**< validated copy, no NULLs */
	void *priv;                    /**< driver data (priv_size bytes) */
	struct rte_device *device;     /**< the bus device, may be NULL */
	int mw_shared;                 /**< see rte_marlin_ntb_info::mw_shared */

	/* Class state; drivers do not touch. */
	uint32_t users;                /**< rte_marlin_ntb_user_get() holders */
	int removed;                   /**< atomic: released while users held it */
	int link_dropped;              /**< removed: link_disable done by poll */
	rte_marlin_ntb_event_cb_t cb;
	void *cb_arg;
	uint64_t link_mask;            /**< last mask reported by poll */
	uint64_t db_reported;          /**< bits already reported as events */
	/** [pidx * RTE_MARLIN_NTB_MAX_MW + widx], allocated on first mw_alloc;
	 *  when mw_shared only pidx 0 is used. */
	struct rte_marlin_ntb_mw_mem *mw_mem;
};

/**
 * Check an ops table and fill the gaps with -ENOTSUP stubs.
 *
 * @param in  The driver's table.
 * @param out Validated copy.
 * @return 0; -EINVAL when a mandatory op is missing or a pair is half
 *         filled (the log names the op).
 */
__rte_internal
int rte_marlin_ntb_ops_validate(const struct rte_marlin_ntb_ops *in,
		struct rte_marlin_ntb_ops *out);

/**
 * Create a device. Called by a driver's probe.
 *
 * @param name      Unique device name.
 * @param driver    Driver name (static string).
 * @param ops       Ops table; validated here.
 * @param priv_size Bytes of zeroed driver data at dev->priv.
 * @return The device; NULL with rte_errno set: EINVAL (bad name or ops),
 *         EEXIST (name taken), ENOSPC (no free slot), ENOMEM.
 */
__rte_internal
struct rte_marlin_ntb_dev *rte_marlin_ntb_dev_allocate(const char *name,
		const char *driver, const struct rte_marlin_ntb_ops *ops,
		size_t priv_size);

/**
 * Destroy a device: calls ops.close, frees class-allocated windows. Called
 * by a driver's remove (and by a failed probe).
 *
 * While users hold the device (rte_marlin_ntb_user_get()), it is only
 * marked removed: lookups by name no longer find it, its users get -ENODEV
 * from every call and one link-down event per peer that was up from their
 * next rte_marlin_ntb_poll(). That poll calls ops.link_disable once, on the
 * poller's thread, so that peers see the link drop; no other op is called;
 * its memory (windows, mappings, @c priv) stays valid until the last user
 * calls rte_marlin_ntb_user_put(), which then calls ops.close and frees it
 * on that user's thread. @c dev->device is cleared at once (the bus frees
 * it), so ops.close must not use it. A driver whose mappings the bus takes
 * away at remove regardless (PCI BARs) cannot be kept in memory that way;
 * see rte_marlin_ntb_dev_users().
 *
 * @param dev The device (NULL is ignored).
 * @return 0; -EINVAL (not a device, or removed already).
 */
__rte_internal
int rte_marlin_ntb_dev_release(struct rte_marlin_ntb_dev *dev);

/**
 * Number of users holding a device (rte_marlin_ntb_user_get()).
 *
 * @param dev The device.
 * @return Count (>= 0); -EINVAL.
 */
__rte_internal
int rte_marlin_ntb_dev_users(const struct rte_marlin_ntb_dev *dev);

/**
 * Look a device up by name, for drivers' remove callbacks.
 * @param name Device name.
 * @return The device, or NULL.
 */
__rte_internal
struct rte_marlin_ntb_dev *rte_marlin_ntb_dev_get(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_NTB_DRIVER_H */
