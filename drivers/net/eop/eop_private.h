/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef EOP_PRIVATE_H
#define EOP_PRIVATE_H

/* Internal to librte_net_eop; never installed. */

#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_hrdma.h"
#include "eop_wire.h"

#define EOP_DRIVER_NAME "net_eop"

extern int eop_logtype;

#define EOP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, eop_logtype, \
		"net_eop: " fmt "\n", ##__VA_ARGS__)

/* Defaults and limits of the devargs. */
#define EOP_DEFAULT_QUEUES 1
/* depth= not given: the largest ring up to this that the window holds */
#define EOP_DEFAULT_DEPTH 0
#define EOP_AUTO_DEPTH_MAX 1024
#define EOP_MIN_DEPTH 64      /* HRDMA ring limits */
#define EOP_MAX_DEPTH 4096
/* slot= not given: the largest up to this that the window holds */
#define EOP_DEFAULT_SLOT 0
#define EOP_PREF_SLOT 2048
#define EOP_DEFAULT_ZC_MIN 512
#define EOP_DEFAULT_PACK_MAX 256
#define EOP_MIN_SLOT 256
#define EOP_MAX_SLOT 32768  /* an mbuf buf_len is 16 bits */
#define EOP_MAX_MTU 9000
#define EOP_DEFAULT_MTU 1500
/* Transmit pool (frames built in the peer's memory): buffer size. */
#define EOP_TXBUF_SIZE RTE_MBUF_DEFAULT_BUF_SIZE
#define EOP_MAX_TX_BUFS 65535
/* L2 bytes a frame may carry beyond the MTU: header and one VLAN tag. */
#define EOP_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 4)

/* Control-path timing. */
#define EOP_ALARM_US 10000         /* link and handshake polling */
#define EOP_ALARM_INTR_US 1000     /* while a receive queue sleeps */
#define EOP_QUIESCE_MS 1000        /* longest wait for a burst to leave */
#define EOP_HOLDOFF_MS 1000        /* longest wait for zero-copy mbufs */

/* Cqes a receive queue keeps between bursts (partial frames, frames that
 * found no mbuf, frames beyond the caller's array). */
#define EOP_RX_BATCH 64
#define EOP_RX_PEND (EOP_RX_BATCH + EOP_MAX_FRAGS)
/* Operations per HRDMA post on transmit. */
#define EOP_TX_OPS 64
/* Packed messages gathered per post. */
#define EOP_TX_STAGE_PACKS 4

/* Devargs after parsing. */
struct eop_params {
	char ntb[RTE_MARLIN_NTB_NAME_LEN];
	int peer;              /* peer's host id (port number) */
	uint16_t queues;       /* queues each way */
	uint16_t depth;        /* ring slots per queue */
	uint32_t slot;         /* bytes per slot */
	uint32_t zc_min;       /* frames this long or longer: zero-copy */
	uint32_t pack_max;     /* frames this short or shorter: packed */
	uint32_t nt_threshold; /* copies this long or longer: streaming stores */
	int widx;              /* NTB window index */
	int rack;              /* one port to every peer (eop_rack.c) */
	int rx_copy;           /* copy every frame, checks on the copy */
	uint32_t tx_bufs;      /* transmit pool buffers in the peer's region */
	int mac_set;
	struct rte_ether_addr mac;
};

struct eop_zc_block;

/* One receive ring slot: its completion flag and, for zero-copy, the
 * shared-info record the mbuf points to. */
struct eop_zc_slot {
	struct rte_mbuf_ext_shared_info shinfo;
	struct eop_zc_block *blk;
	uint32_t done;         /* slot may be given back to the sender */
};

/*
 * Slot records of one receive queue for one generation of the channel.
 * refs = 1 while the queue owns the block + one per zero-copy mbuf segment
 * the application holds; whoever drops it to 0 frees the block.
 */
struct eop_zc_block {
	uint32_t refs;
	uint32_t depth;
	struct eop_zc_slot slot[];
};

struct eop_port;

/* Receive queue: the fields above the stats are touched only by the lcore
 * that polls it (and by stop/close once it is quiet). */
struct eop_rxq {
	struct rte_marlin_hrdma_qp *qp;
	struct rte_mempool *mp;
	struct eop_port *port;
	struct eop_zc_block *blk;      /* current generation; NULL: copy only */
	struct eop_zc_block *blocks[2];
	uint32_t mask;
	uint32_t head;                 /* slots taken from HRDMA */
	uint32_t rel;                  /* slots given back */
	uint32_t gen;
	uint32_t slot_size;
	uint32_t zc_min;
	uint32_t max_frame;
	uint16_t qid;
	uint16_t port_id;
	uint16_t npend;
	uint16_t pk_done;              /* records taken from the front pack */
	uint32_t pk_off;               /* byte offset in the front pack */
	uint16_t want;                 /* ring slots the application asked */
	uint8_t scatter;
	uint8_t configured;
	uint8_t copy_all;              /* rx_copy=1: no zero-copy, filter the copy */
	int busy;                      /* a burst runs */
	int started;
	int efd;                       /* eventfd for receive interrupts */
	int armed;                     /* interrupt enabled */
	uint64_t arm_seq;
	uint64_t iova_va;              /* 1: IOVA == VA */
	uint8_t *region;               /* our HRDMA region (peer-written) */
	uint32_t region_len;

	/* statistics (owner writes, anyone reads) */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t zc_frames;
	uint64_t copied;
	uint64_t malformed;
	uint64_t filtered;
	uint64_t too_big;
	uint64_t nombuf;
	uint64_t lost_link;
	uint64_t wakeups;

	struct rte_marlin_hrdma_cqe pend[EOP_RX_PEND];
} __rte_cache_aligned;

/* Transmit queue, touched only by the lcore that uses it. */
struct eop_txq {
	struct rte_marlin_hrdma_qp *qp;
	struct eop_port *port;
	const struct eop_wire_arm *arm; /* our region: the peer's arm line */
	uint64_t arm_seen;
	uint64_t db_bits;              /* doorbell rung when the peer is armed */
	uint32_t gen;
	uint32_t slot_size;
	uint32_t zc_min;
	uint32_t max_frame;
	uint32_t depth;
	uint32_t inflight;             /* slots not yet given back by the peer */
	uint32_t fl_head, fl_tail;     /* slots in flight: frames each ends */
	uint32_t pack_max;
	uint32_t pack_limit;           /* bytes per packed message */
	uint32_t stage_size;
	uint8_t *stage;                /* packed messages are gathered here */
	struct rte_mempool *pool;      /* transmit pool of the port, or NULL */
	uint8_t *rregion;              /* the peer's region, as we map it */
	uint32_t held;                 /* pool mbufs in @hold */
	uint8_t none;                  /* source of zero-byte notifications */
	uint16_t qid;
	uint16_t want;                 /* ring slots the application asked */
	uint8_t configured;
	int busy;
	int started;

	uint64_t pkts;
	uint64_t bytes;
	uint64_t ring_full;
	uint64_t link_down;
	uint64_t stale_pool;           /* pool frames refused: not rearmed */
	uint64_t lost_link;
	uint64_t errors;
	uint64_t doorbells;

	uint8_t fl[EOP_MAX_DEPTH];
	/* per slot in flight: the pool mbuf whose buffer the peer holds */
	struct rte_mbuf *hold[EOP_MAX_DEPTH];
} __rte_cache_aligned;

struct rte_eth_dev;
struct rte_intr_handle;

struct eop_port {
	struct eop_params p;
	struct rte_eth_dev *dev;
	uint16_t port_id;
	uint16_t ntb_id;
	int pidx;
	int local_port;
	int low;                       /* our port number is the lower */
	struct rte_marlin_hrdma_channel *ch;
	struct eop_wire_ctl *ctl;      /* start of our exported region */
	uint16_t depth;                /* ring slots of the channel now */
	int slices;                    /* hosts sharing the window */
	size_t slice_len;              /* our part of the window */
	struct rte_mempool *txpool;    /* rte_pmd_eop_tx_mempool(), or NULL */
	uint8_t *tx_area;              /* its buffers, in the peer's window */
	size_t tx_area_len;
	uint32_t txpool_stale;         /* set at link loss: frames of the pool
	                                * are refused until the application
	                                * rearms it (rte_pmd_eop_tx_pool_rearm) */

	rte_spinlock_t lock;           /* control state below */
	int hstate;                    /* HRDMA state after the last poll */
	uint32_t gen;                  /* bumped whenever the channel leaves UP */
	int started;
	int closing;
	int alarm_on;
	int ntb_gone;                  /* the NTB device was removed (logged) */
	uint32_t mismatch[3];          /* peer's queues/depth/slot last logged */
	int intr_rxq;                  /* receive interrupts configured */
	uint64_t holdoff_start;        /* timer cycles; 0: not holding */
	int holdoff_logged;
	uint64_t link_ups;
	uint64_t link_downs;
	uint64_t db_mask;              /* doorbell bits of our receive queues */
	uint32_t mtu;
	uint8_t promisc;
	uint8_t allmulti;
	struct rte_ether_addr mac;
	struct rte_intr_handle *intr;

	struct eop_rxq rxq[EOP_MAX_QUEUES];
	struct eop_txq txq[EOP_MAX_QUEUES];
};

/* A burst marks its queue busy, then looks whether the queue runs; the
 * control thread clears "started", then waits for "busy" to drop. */
static inline int
eop_q_enter(int *busy, const int *started)
{
	__atomic_store_n(busy, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(started, __ATOMIC_SEQ_CST);
}

static inline void
eop_q_leave(int *busy)
{
	__atomic_store_n(busy, 0, __ATOMIC_RELEASE);
}

/* eop_tx.c */
uint16_t eop_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);

void eop_txq_unhold(struct eop_txq *txq);

/* eop_txpool.c: frames built in the peer's memory */
void eop_txpool_bind(struct eop_port *port);
void eop_txpool_free(struct eop_port *port);

/* eop_rx.c */
uint16_t eop_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
int eop_rxq_init(struct eop_rxq *rxq, int socket);
void eop_rxq_fini(struct eop_rxq *rxq);
int eop_rxq_intr_arm(struct eop_rxq *rxq);
uint32_t eop_rxq_zc_held(const struct eop_rxq *rxq);
void eop_zc_free_cb(void *addr, void *opaque);

/* eop_frame.c: frame check on the receive side (pure; unit-tested). */
enum eop_frame_verdict {
	EOP_FRAME_OK = 0,
	EOP_FRAME_PARTIAL = 1,   /* more fragments still to come */
	EOP_FRAME_BAD = -1,      /* drop @p *used cqes */
};

int eop_frame_check(const struct rte_marlin_hrdma_cqe *c, uint16_t n,
		uint32_t slot_size, uint16_t *used, uint32_t *frame_len,
		uint32_t *pad);
int eop_pack_check(const struct rte_marlin_hrdma_cqe *c, uint32_t slot_size);
int eop_inplace_check(const struct rte_marlin_hrdma_cqe *c, uint32_t region_len,
		uint32_t *frame_len);
int eop_list_check(const struct rte_marlin_hrdma_cqe *c, uint32_t region_len);
const uint8_t *eop_list_next(const uint8_t *region, uint32_t region_len,
		const struct rte_marlin_hrdma_cqe *c, uint32_t k,
		uint32_t *frame_len);
const uint8_t *eop_pack_next(const uint8_t *msg, uint32_t msg_len,
		uint32_t *off, uint32_t *frame_len);

/* eop_rings.c: channel and ring sizes */
size_t eop_window_need(uint16_t queues, uint32_t depth, uint32_t slot);
uint32_t eop_depth_fit(uint16_t queues, uint32_t slot, size_t slice_len,
		uint32_t cap);
uint32_t eop_depth_max(const struct eop_port *port);
int eop_rings_auto(const char *name, struct eop_params *p, uint16_t ntb_id,
		int pidx, int slices);
void eop_window_hint(const struct eop_port *port, uint32_t depth, char *buf,
		size_t len);
void eop_window_text(int slices, uint16_t queues, uint32_t depth,
		uint32_t slot, char *buf, size_t len);
int eop_depth_pick(struct eop_port *port, const char *dir, uint16_t qid,
		uint16_t nb_desc, uint16_t *depth);
struct rte_marlin_hrdma_channel *eop_channel_open(const char *name,
		const struct eop_params *p, uint16_t ntb_id, int pidx,
		uint16_t depth);
void eop_queues_bind(struct eop_port *port);
int eop_rings_apply(struct eop_port *port);

/* eop_rack.c: rack mode */
struct rte_vdev_device;
int eop_rack_probe(struct rte_vdev_device *vdev, const struct eop_params *p,
		const char *fabric);
int eop_rack_remove(struct rte_eth_dev *dev);

/* eop_devargs.c */
int eop_parse_devargs(const char *name, const char *args,
		struct eop_params *p);

/* eop_ethdev.c: probe and remove */
void eop_mac_make(const char *fabric, int local_port, int peer_port,
		struct rte_ether_addr *mac);

/* eop_alarm.c: control alarm, link, receive interrupts */
uint64_t eop_link_speed_mbps(int speed, int width);
void eop_alarm(void *arg);
int eop_link_refresh(struct eop_port *port);
void eop_quiesce(struct eop_port *port, const char *why);
void eop_intr_free(struct eop_port *port);
int eop_intr_setup(struct eop_port *port, uint16_t nb_rxq);

/* eop_ops.c: ethdev operations and statistics */
struct eth_dev_ops;
extern const struct eth_dev_ops eop_ops;
int eop_dev_close(struct rte_eth_dev *dev);

#endif /* EOP_PRIVATE_H */
