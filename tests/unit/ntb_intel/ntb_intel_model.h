/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef NTB_INTEL_MODEL_H
#define NTB_INTEL_MODEL_H

/*
 * A register model of two Intel Xeon NTB ports cabled back to back, for
 * running the ntb_intel driver without silicon.
 *
 * Each port has a BAR0 register file and a config space. The driver reads
 * and writes them through struct ntb_intel_io (the driver's accessor hook);
 * every write is trapped and given the semantics the public Linux driver
 * relies on:
 * - doorbell status is write-1-to-clear; a doorbell rung on one port sets
 *   the bit in the other port's status, only while the link is up;
 * - scratchpad writes to the peer bank land in the other port's local
 *   scratchpads; peer reads while the link is down return all-ones;
 * - the link is up when the cable is in and both ports enabled it (gen1/3:
 *   NTB control; gen4: link control plus the PPD0 training bit); a change
 *   raises the link status bit on both ports and updates LNKSTS;
 * - gen4: the link status bit only clears after the slot status change
 *   bit was acknowledged;
 * - translation registers keep only the bits the window size allows, so a
 *   misaligned base reads back different from what was written;
 * - outbound apertures are plain memory; ntb_intel_model_flush() forwards
 *   the bytes stored into them since the last flush to the other host's
 *   memory through that host's inbound translation, counting stores that
 *   hit no open window in the memory-miss counter (gen1/gen3).
 * Fault injection: stuck registers (writes ignored), cable pull.
 *
 * Gen1 is modelled as far as the driver's errata paths need: the peer
 * register view through the last window (accepted only when the sender's
 * outbound translation points at the receiver's link-side BAR0), the B2B
 * doorbell register with bit 14 not mirrored, 16-bit doorbells.
 */

#include <stdint.h>
#include <stddef.h>

#include "ntb_intel_private.h"

#define NTB_INTEL_MODEL_BAR0_SIZE 0x10000
#define NTB_INTEL_MODEL_CFG_SIZE  0x1000

struct ntb_intel_model;

/** Translate a store of @p len bytes at an IOVA of the test process into a
 *  pointer (default: identity), or NULL: the IOMMU refuses it (dropped). */
typedef void *(*ntb_intel_model_iova_fn)(uint64_t iova, size_t len, void *arg);

/**
 * Create two ports. Port 0 is the upstream side (USD), port 1 downstream.
 *
 * @param gen       1, 3 or 4.
 * @param device_id PCI device id both ports report.
 * @param revision  Revision id (tells Ice Lake from Sapphire Rapids).
 * @param bar_size  Size of BAR2 and BAR4 (power of two, >= 4 KiB).
 * @return The model, or NULL.
 */
struct ntb_intel_model *ntb_intel_model_create(int gen, uint16_t device_id,
		uint8_t revision, uint64_t bar_size);

void ntb_intel_model_destroy(struct ntb_intel_model *m);

/** Set how IOVAs become pointers when forwarding stores. */
void ntb_intel_model_set_iova_fn(struct ntb_intel_model *m,
		ntb_intel_model_iova_fn fn, void *arg);

/**
 * Fill a driver template (as probe would from a PCI device) for @p port:
 * ids, BARs (apertures are the model's buffers) and the io hook.
 */
void ntb_intel_model_template(struct ntb_intel_model *m, int port,
		struct ntb_intel_hw *tmpl);

/** Write the raw port definition (gen1/gen3: config PPD; gen4: PPD1). */
void ntb_intel_model_set_ppd(struct ntb_intel_model *m, int port, uint32_t ppd);

/** Plug (1) or pull (0) the cable. */
void ntb_intel_model_cable(struct ntb_intel_model *m, int plugged);

/** 1 when the model's link is up. */
int ntb_intel_model_link_up(const struct ntb_intel_model *m);

/** Make a BAR0 register ignore writes (fault injection). */
void ntb_intel_model_stick(struct ntb_intel_model *m, int port, uint32_t off);

/** Stop the gen4 PPD0 training bit from sticking (link never trains). */
void ntb_intel_model_no_training(struct ntb_intel_model *m, int port);

/** Raw BAR0 register value (no side effects). */
uint64_t ntb_intel_model_peek(const struct ntb_intel_model *m, int port,
		uint32_t off, unsigned int width);

/** Raw BAR0 register store (no side effects), e.g. to preset a value. */
void ntb_intel_model_poke(struct ntb_intel_model *m, int port, uint32_t off,
		uint64_t val, unsigned int width);

/** Raw config space value (no side effects). */
uint64_t ntb_intel_model_cfg_peek(const struct ntb_intel_model *m, int port,
		uint32_t off, unsigned int width);

/** Raw config space store (no side effects). */
void ntb_intel_model_cfg_poke(struct ntb_intel_model *m, int port,
		uint32_t off, uint64_t val, unsigned int width);

/**
 * Forward what was stored into both ports' outbound apertures since the
 * last call to the other port's memory.
 *
 * @return Bytes delivered; stores that hit no open window are dropped and
 *         counted (memory-miss register) and not included.
 */
size_t ntb_intel_model_flush(struct ntb_intel_model *m);

/** Bytes dropped by ntb_intel_model_flush() since creation. */
uint64_t ntb_intel_model_dropped(const struct ntb_intel_model *m);

#endif /* NTB_INTEL_MODEL_H */
