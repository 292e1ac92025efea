/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef IVSHMEM_PRIVATE_H
#define IVSHMEM_PRIVATE_H

/*
 * ntb_ivshmem internals (never installed). The core (ivshmem_ops.c) works
 * on a BAR2 pointer and an optional BAR0 pointer, so the unit tests run two
 * hosts over one buffer; the PCI glue (ivshmem_probe.c) gets both from a
 * vfio-pci function.
 */

#include <stdint.h>

#include <rte_log.h>

#include <rte_marlin_ntb_driver.h>

#include "ivshmem_wire.h"
#include "rte_pmd_ntb_ivshmem.h"

extern int ivsh_logtype;

#define IVSH_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ivsh_logtype, \
		"ntb_ivshmem: " fmt "\n", ##__VA_ARGS__)

#define IVSH_DRIVER_NAME "ntb_ivshmem"

/** Options from devargs plus what the device says. */
struct ivsh_params {
	int host;            /**< own port: IVPosition, or devarg host= */
	int hosts;           /**< devarg hosts= */
	int mw_count;        /**< devarg mw= */
	uint64_t mw_size;    /**< devarg mw_size= (0: largest that fits) */
	int spad_count;      /**< devarg spads= */
	int link_timeout_ms; /**< devarg link_timeout_ms= */
	int wc;              /**< devarg wc=: -1 auto, 0 off, 1 required */
	int intr;            /**< devarg intr=: -1 auto, 0 off, 1 required */
};

/** What we know of one peer (private copies only). */
struct ivsh_peer {
	int host_id;
	struct ivsh_wire_regs *regs;  /**< its page (peer-written) */
	uint64_t epoch;               /**< last accepted epoch, 0 if none */
	uint64_t hb;                  /**< last heartbeat value seen */
	uint64_t hb_tsc;              /**< when it last changed */
	int hb_seen;                  /**< hb has moved since we looked */
	int link_up;
	uint64_t refused_epoch;       /**< epoch already logged as refused */
};

/** Device private data (dev->priv). */
struct ivsh_dev {
	struct rte_marlin_ntb_dev *dev;
	struct ivsh_params p;
	uint8_t *bar2;               /**< shared memory (WC mapping if any) */
	uint64_t bar2_len;
	volatile uint8_t *bar0;      /**< registers, NULL: no doorbell regs */
	int doorbell;                /**< 1: ivshmem-doorbell (MSI-X) */
	struct ivsh_wire_regs *regs; /**< own register page */
	uint64_t epoch;
	uint64_t db_mask;
	int link_enabled;
	int npeers;
	struct ivsh_peer peers[IVSH_WIRE_MAX_HOSTS - 1];
	uint64_t next_refresh;       /**< tsc of the next link refresh */
	int alarm_set;
	/* interrupts */
	struct rte_pci_device *pci;  /**< NULL in the unit tests */
	int intr_vectors;            /**< enabled MSI-X vectors, 0 if off */
	void *wc_va;                 /**< our WC mapping of BAR2, or NULL */
	int epfd;                    /**< epoll set of the vectors, -1: none */
	struct rte_pmd_ntb_ivshmem_stats stats;
};

/** Fixed part of a device: where its BARs are. */
struct ivsh_hw {
	uint8_t *bar2;
	uint64_t bar2_len;
	volatile uint8_t *bar0;  /**< NULL for none */
	int doorbell;
};

extern const struct rte_marlin_ntb_ops ivsh_ops;

/**
 * Set up a host over @p hw with @p p (checked here: geometry against the
 * BAR and the global header). Publishes the own register page.
 * @return 0 or a negative errno (logged).
 */
int ivsh_open(struct ivsh_dev *d, const struct ivsh_params *p,
		const struct ivsh_hw *hw, const char *name);

/** Unpublish the own page and stop the heartbeat. */
void ivsh_shut(struct ivsh_dev *d);

/** Bump the own heartbeat (alarm, poll). */
void ivsh_heartbeat(struct ivsh_dev *d);

/** Publish which doorbell bits want an interrupt. */
void ivsh_irq_mask_publish(struct ivsh_dev *d);

/** Drain the interrupt event fds; counts interrupts. */
void ivsh_intr_drain(struct ivsh_dev *d);

struct ivsh_dev *ivsh_dev_by_id(uint16_t dev_id);

#endif /* IVSHMEM_PRIVATE_H */
