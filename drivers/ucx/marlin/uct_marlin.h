/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef UCT_MARLIN_H
#define UCT_MARLIN_H

/**
 * @file
 * UCX side of the Marlin transport: component, memory domain, interface,
 * endpoints. See doc/guides/ucx.rst for the model.
 */

#include <uct/base/uct_iface.h>
#include <uct/base/uct_md.h>
#include <ucs/datastruct/list.h>
#include <ucs/datastruct/queue.h>
#include <ucs/sys/iovec.h>

#include "uct_marlin_host.h"
#include "uct_marlin_wire.h"

#define UCT_MARLIN_NAME     "marlin"
#define UM_MAX_EPS          1024   /* endpoints per interface */
#define UM_MAX_GETS         32     /* gets in flight per endpoint */
#define UM_MAX_FLUSH        16     /* flush completions waiting per endpoint */
#define UM_MAX_JOBS         256    /* replies waiting to be sent */
#define UM_PUT_ZCOPY_MAX    (1u << 20) /* largest put zcopy (HRDMA: in pieces) */
#define UM_PUT_SHORT_MAX    (1u << 20) /* largest put short (HRDMA: staged) */
#define UM_MAX_IOV          8
#define UM_CLOCK_EVERY      64     /* progress calls per look at the clock */

extern uct_component_t uct_marlin_component;

typedef struct uct_marlin_md {
	uct_md_t super;
} uct_marlin_md_t;

/** What mem_reg returns. */
typedef struct uct_marlin_memh {
	uint32_t idx;
	uint64_t secret;
	void *addr;
	size_t len;
	uint64_t heap_off;  /* 0: registered; else a heap block (its key) */
	uint8_t allocated;  /* by mem_alloc (heap or, when full, malloc) */
} uct_marlin_memh_t;

/** An unpacked remote key (uct_rkey_t points to it). */
/* How an endpoint reaches the memory of a remote key. */
enum um_rkey_path {
	UM_RK_UNKNOWN = 0,  /* heap key not mapped yet */
	UM_RK_DIRECT,       /* loads and stores through the window */
	UM_RK_HRDMA,        /* messages the owner applies */
	UM_RK_REFUSED,      /* stale or forged: every operation fails */
};

/** An unpacked remote key (uct_rkey_t points to it). */
typedef struct uct_marlin_rkey {
	struct um_rkey_wire w;   /* private copy of what the peer packed */
	uint8_t path;            /* enum um_rkey_path */
	uint8_t *direct;         /* UM_RK_DIRECT: w.base in the window */
	uint32_t gen;            /* UM_RK_DIRECT: um_heap_peer_gen when
				    checked; checked again when it moved */
} uct_marlin_rkey_t;

typedef struct uct_marlin_iface_config {
	uct_iface_config_t super;
	size_t seg_size;
	unsigned depth;
	double connect_timeout;
	double poll_interval;
} uct_marlin_iface_config_t;

struct uct_marlin_get {
	uct_completion_t *comp;
	uct_unpack_callback_t unpack;  /* bcopy */
	void *arg;                     /* bcopy: unpack arg; zcopy: buffer */
	uint32_t len;
	uint32_t got;                  /* bytes arrived so far */
	uint8_t busy;
};

struct uct_marlin_flush {
	uct_completion_t *comp;
	uint32_t put_seq;
	uint64_t get_seq;
};

typedef struct uct_marlin_ep {
	uct_base_ep_t super;
	uint16_t port;
	uint16_t id;                 /* slot in the interface's table */
	uint32_t gen;                /* tells this endpoint from earlier ones
					of the same id */
	uint8_t failed;
	uint8_t was_up;
	ucs_time_t created;
	ucs_queue_head_t pending;
	uint32_t put_seq;            /* puts sent */
	uint32_t put_acked;          /* puts known applied */
	uint32_t flush_asked;        /* last put_seq a FLUSH_REQ was sent for */
	uint64_t get_issued;
	uint64_t get_done;
	unsigned gets_out;
	struct uct_marlin_get gets[UM_MAX_GETS];
	unsigned nb_flush;
	struct uct_marlin_flush flush[UM_MAX_FLUSH];
	/* Direct access to the peer's heap (uct_marlin_heap.c). */
	volatile uint8_t *last_store; /* stored since the last flush, or NULL */
	uint8_t fence_wait;          /* a fence waits for HRDMA ops before it */
	uint32_t fence_put;          /* put_seq at that fence */
	uint64_t fence_get;          /* get_issued at that fence */
	uint64_t direct_ops;         /* puts and gets done directly */
	/* A put larger than one message, going out by HRDMA in pieces as the
	 * ring has room; later operations wait for it. A put short's data is
	 * staged in @stage first (allocated at the first such put). */
	struct {
		uint8_t busy;
		uint8_t *stage;
		size_t stage_size;
		uct_iov_t iov[UM_MAX_IOV];
		size_t iovcnt;
		ucs_iov_iter_t it;
		uint64_t addr;       /* where the next piece goes */
		size_t left;
		uint32_t idx;
		uint64_t secret;
		uct_completion_t *comp;
	} putz;
} uct_marlin_ep_t;

/* A reply owed to a peer, sent in order when its ring has room. */
struct uct_marlin_job {
	uint8_t ack;           /* UM_FLUSH_ACK or UM_REVOKE_ACK with @c req
				  as sequence; 0: a get reply */
	uint16_t port;
	uint32_t req;
	uint16_t ep_id;
	int32_t status;
	uint32_t idx;          /* get: registration, checked for every piece */
	uint64_t secret;
	uint64_t addr;
	uint32_t len;
	uint32_t sent;         /* get: bytes answered so far */
	uint32_t gen;          /* get: the requester's endpoint generation */
};

typedef struct uct_marlin_iface {
	uct_base_iface_t super;
	struct um_host_info host;
	uint32_t seg_size;
	void *tx_buf;                 /* bounce buffer for one message */
	ucs_time_t next_poll;
	ucs_time_t poll_interval;
	unsigned calls;               /* progress calls, for the clock */
	uint8_t clock_due;            /* look at the clock at the next one */
	ucs_time_t connect_timeout;
	int8_t state[UM_MAX_HOSTS];
	uint16_t ports[UM_MAX_HOSTS]; /* peers with a channel */
	unsigned nb_ports;
	uct_marlin_ep_t *eps[UM_MAX_EPS];
	unsigned nb_eps;
	uint32_t ep_gen;              /* generations handed out */
	unsigned nb_pending;          /* endpoints with pending requests */
	unsigned nb_putz;             /* endpoints with a put going out (hint) */
	struct uct_marlin_job job[UM_MAX_JOBS];
	unsigned job_head, job_tail;
	uint64_t refused;
	int event_fd;                 /* timerfd, -1 until asked for */
	unsigned last_work;           /* what the last progress did: messages
					 received and sent, requests run */
	uint64_t tx_msgs;             /* messages sent */
	uint64_t rx_msgs;             /* messages received */
	uint64_t direct_ops;          /* puts and gets of closed endpoints
					 done directly */
	uint32_t revoke_sent[UM_MAX_HOSTS]; /* heap epoch told each peer */
} uct_marlin_iface_t;

/* Maximal payload of one put message. */
static UCS_F_ALWAYS_INLINE size_t
um_put_max(const uct_marlin_iface_t *iface)
{
	return iface->seg_size - sizeof(struct um_put_hdr);
}

/* uct_marlin_send.c: the interface's send operations, and what progress
 * calls to finish flushes and run pending requests. */
ucs_status_t uct_marlin_ep_am_short(uct_ep_h tl_ep, uint8_t id, uint64_t header,
		const void *payload, unsigned length);
ucs_status_t uct_marlin_ep_am_short_iov(uct_ep_h tl_ep, uint8_t id,
		const uct_iov_t *iov, size_t iovcnt);
ssize_t uct_marlin_ep_am_bcopy(uct_ep_h tl_ep, uint8_t id,
		uct_pack_callback_t pack_cb, void *arg, unsigned flags);
ucs_status_t uct_marlin_ep_put_short(uct_ep_h tl_ep, const void *buffer,
		unsigned length, uint64_t remote_addr, uct_rkey_t rkey);
ssize_t uct_marlin_ep_put_bcopy(uct_ep_h tl_ep, uct_pack_callback_t pack_cb,
		void *arg, uint64_t remote_addr, uct_rkey_t rkey);
ucs_status_t uct_marlin_ep_put_zcopy(uct_ep_h tl_ep, const uct_iov_t *iov,
		size_t iovcnt, uint64_t remote_addr, uct_rkey_t rkey,
		uct_completion_t *comp);
ucs_status_t uct_marlin_ep_get_bcopy(uct_ep_h tl_ep,
		uct_unpack_callback_t unpack_cb, void *arg, size_t length,
		uint64_t remote_addr, uct_rkey_t rkey, uct_completion_t *comp);
ucs_status_t uct_marlin_ep_get_zcopy(uct_ep_h tl_ep, const uct_iov_t *iov,
		size_t iovcnt, uint64_t remote_addr, uct_rkey_t rkey,
		uct_completion_t *comp);
ucs_status_t uct_marlin_ep_pending_add(uct_ep_h tl_ep, uct_pending_req_t *req,
		unsigned flags);
void uct_marlin_ep_pending_purge(uct_ep_h tl_ep,
		uct_pending_purge_callback_t cb, void *arg);
ucs_status_t uct_marlin_ep_flush(uct_ep_h tl_ep, unsigned flags,
		uct_completion_t *comp);
ucs_status_t uct_marlin_ep_fence(uct_ep_h tl_ep, unsigned flags);
ucs_status_t uct_marlin_iface_fence(uct_iface_h tl_iface, unsigned flags);
ucs_status_t uct_marlin_iface_flush(uct_iface_h tl_iface, unsigned flags,
		uct_completion_t *comp);
void um_flush_progress(uct_marlin_ep_t *ep, ucs_status_t status);
void um_putz_progress(uct_marlin_ep_t *ep, ucs_status_t status);
unsigned um_pending_dispatch(uct_marlin_iface_t *iface);

/* uct_marlin_recv.c: progress, and the channel follower the interface
 * calls at setup. */
unsigned uct_marlin_iface_progress(uct_iface_h tl_iface);
void um_channels_follow(uct_marlin_iface_t *iface, ucs_time_t now);

#endif /* UCT_MARLIN_H */
