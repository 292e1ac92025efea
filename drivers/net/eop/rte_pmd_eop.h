/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_PMD_EOP_H
#define RTE_PMD_EOP_H

/**
 * @file
 * net_eop (Ethernet over PCIe): calls beyond the ethdev API.
 */

#include <stdint.h>

#include <rte_compat.h>
#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * The transmit pool of an EOP port: mbufs whose data buffers lie in the
 * peer host's memory (the end of the part of its NTB window this host
 * writes), so that a frame written into such an mbuf is already where the
 * peer receives it. rte_eth_tx_burst() then posts one descriptor per frame
 * and copies nothing; the peer receives the buffer itself (zero-copy, or a
 * copy with its rx_copy=1), and the mbuf goes back to the pool when the
 * peer gives the buffer back. Frames in mbufs of other pools are still
 * sent (copied) as before; a multi-segment mbuf of this pool is copied too.
 *
 * A frame built in such a buffer lives in the peer's memory: a peer that
 * restarts sets that memory up anew. So from the link loss on,
 * rte_eth_tx_burst() stops before the first frame of this pool (it stays
 * the application's; counted in the xstat tx_qN_stale_pool_frames) until
 * the application calls rte_pmd_eop_tx_pool_rearm(): on a link event, free
 * the frames of this pool built but not sent, and once the link is up
 * again, rearm and build them anew.
 *
 * Writing into these buffers crosses the bridge (posted writes, fast);
 * reading them does too (slow on real NTB hardware): build frames, do not
 * read them back. The peer can read them.
 *
 * The port must have been probed with devarg tx_bufs=N (N buffers of
 * RTE_MBUF_DEFAULT_DATAROOM bytes plus headroom), and its link must have
 * been up once (the peer's window is mapped then). The pool is created at
 * the first call and freed when the port is closed: free its mbufs before
 * closing the port. Control path; not thread-safe against closing the port.
 *
 * @param port_id An EOP link port (a rack port has no transmit pool).
 * @return The pool; NULL with rte_errno: ENODEV (not an EOP link port),
 *         ENOTSUP (no tx_bufs=), EAGAIN (link never up yet),
 *         ENOSPC (the window cannot hold the buffers; the log says what
 *         size would), ENOMEM.
 */
__rte_experimental
struct rte_mempool *rte_pmd_eop_tx_mempool(uint16_t port_id);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Accept frames of the transmit pool again after a link loss. Call it once
 * the link is up, after freeing (or building anew) every frame of the pool
 * that was built before: those may lie in memory the peer has set up anew.
 *
 * @return 0; -EAGAIN if the link is not up (call again after the next link
 *         event), -ENODEV (not an EOP link port), -ENOTSUP (no transmit pool).
 */
__rte_experimental
int rte_pmd_eop_tx_pool_rearm(uint16_t port_id);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_EOP_H */
