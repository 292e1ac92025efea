/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


#ifndef MARLIN_NTB_PRIVATE_H
#define MARLIN_NTB_PRIVATE_H

/* Shared by ntb.c (the device table) and ntb_api.c (the public calls);
 * internal to librte_marlin, never installed. */

#include <stdint.h>

#include "rte_marlin_ntb_driver.h"

/* Slots change under ntb.c's lock; readers load them with acquire. */
extern struct rte_marlin_ntb_dev *marlin_ntb_devs[RTE_MARLIN_NTB_MAX_DEVS];

static inline int
dev_removed(const struct rte_marlin_ntb_dev *dev)
{
	return __atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE);
}

/* Slot of a device, removed or not. */
static inline struct rte_marlin_ntb_dev *
get_slot(uint16_t dev_id)
{
	return dev_id < RTE_MARLIN_NTB_MAX_DEVS ?
		__atomic_load_n(&marlin_ntb_devs[dev_id], __ATOMIC_ACQUIRE) : NULL;
}

/* A device that is there for its users: not removed. */
static inline struct rte_marlin_ntb_dev *
get_dev(uint16_t dev_id)
{
	struct rte_marlin_ntb_dev *dev = get_slot(dev_id);

	return dev != NULL && !dev_removed(dev) ? dev : NULL;
}

/* Unmap and free every window buffer of a device (at its release). */
void ntb_mw_mem_release_all(struct rte_marlin_ntb_dev *dev);

#endif /* MARLIN_NTB_PRIVATE_H */
