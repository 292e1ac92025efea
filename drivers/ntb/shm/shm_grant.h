/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef SHM_GRANT_H
#define SHM_GRANT_H

/*
 * ntb_shm with a rack manager: the state shared by shm_grant.c (windows,
 * banks, link page, events) and shm_ranges.c (ranges mode). Internal.
 */

#include <assert.h>

#include <rte_marlin_ntb_bank.h>
#include <rte_marlin_rack.h>

#include "rack_wire.h"
#include "shm_private.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define LINKS_SEALS (SEALS | F_SEAL_FUTURE_WRITE)
#define NPEER (SHM_WIRE_MAX_HOSTS - 1)
#define BANK RTE_MARLIN_RACK_BANK_WINDOW
#define BANK_SIZE ((size_t)RTE_MARLIN_RACK_BANK_SIZE)
#define ACK_PENDING_MAX 16

#define SHM_MAX_RANGES 64

/* One exposed range of one window for one peer. */
struct shm_range {
	size_t off, len;
	int fd;                 /* its sealed memfd */
	int refs;               /* owner: exposures not taken back yet */
	uint8_t access;         /* RTE_MARLIN_RACK_ACCESS_* */
	uint8_t offer_pending;  /* owner: not handed to the manager yet */
};

struct shm_ranges {
	int n;
	struct shm_range r[SHM_MAX_RANGES];
};

struct shm_grant {
	struct rte_marlin_rack_client *c;
	/* Owner side: window w as peer pidx sees it. */
	int own_fd[NPEER][SHM_WIRE_MAX_MW];
	void *own_va[NPEER][SHM_WIRE_MAX_MW];
	uint8_t own_access[NPEER][SHM_WIRE_MAX_MW];
	/* Peer side: what owner pidx granted us of its window w. */
	int peer_fd[NPEER][SHM_WIRE_MAX_MW];
	uint8_t peer_access[NPEER][SHM_WIRE_MAX_MW];
	/* Register banks: where peer pidx writes into this host (own), and
	 * where this host writes into peer pidx (peer: a sink until the
	 * manager passes the object). Fixed addresses. */
	int own_bank_fd[NPEER];
	struct rte_marlin_ntb_bank *own_bank[NPEER];
	uint8_t own_bank_granted[NPEER];
	int peer_bank_fd[NPEER];
	struct rte_marlin_ntb_bank *peer_bank[NPEER];
	/* The manager's link page, read-only; NULL: none (links down). */
	const struct rack_wire_links *links;
	uint8_t offer_pending[NPEER][SHM_WIRE_MAX_MW + 1];
	/* Revocations applied but not yet confirmed to the manager (its
	 * socket was full): sent again from the next poll. */
	struct rte_marlin_rack_event ack_pending[ACK_PENDING_MAX];
	int ack_status[ACK_PENDING_MAX];
	int nack_pending;
	int lost;               /* the manager went away */
	uint64_t next_resume;   /* timer cycles of the next try */
	/* Ranges mode (mw_ranges=1, shm_ranges.c): what this host exposes
	 * to peer pidx of window w, and what owner pidx exposes to us of
	 * its window w (allocated on first use). */
	struct shm_ranges *own_ranges[NPEER][SHM_WIRE_MAX_MW];
	struct shm_ranges *peer_ranges[NPEER][SHM_WIRE_MAX_MW];
	uint8_t peer_ranged[NPEER][SHM_WIRE_MAX_MW];
};

/* shm_grant.c */
int shm_grant_object_new(struct shm_host *h, int pidx, int w, size_t size);

/* shm_ranges.c */
/* A revocation or downgrade of (pidx, w) in ranges mode: move every
 * exposed range to fresh backing, keeping its bytes; 0 or -errno. */
int shm_ranges_own_move_all(struct shm_host *h, int pidx, int w);
/* Hand pending ranges to the manager (after a full socket, registering
 * again). */
void shm_ranges_offer_pending(struct shm_host *h, int all);
/* RANGE event from the manager (owner pidx exposes or takes back). */
void shm_ranges_event(struct shm_host *h, const struct rte_marlin_rack_event *ev);
/* Peer side: the grant of owner pidx's window w changed. */
void shm_ranges_peer_grant(struct shm_host *h, int pidx, int w, int granted);
/* Peer side: map window w of pr in ranges mode (PROT_NONE but the
 * exposed ranges). */
int shm_ranges_peer_map(struct shm_host *h, struct shm_peer *pr, int pidx,
		int w);
void shm_ranges_free(struct shm_host *h);

static_assert(sizeof(struct rte_marlin_ntb_bank) <= RTE_MARLIN_RACK_BANK_SIZE,
	"a bank fits its object");
static_assert(RTE_MARLIN_RACK_BANK_WINDOW == RACK_WIRE_BANK_WINDOW &&
	RTE_MARLIN_RACK_BANK_SIZE == RACK_WIRE_BANK_SIZE &&
	SHM_WIRE_MAX_MW == RTE_MARLIN_RACK_MAX_WINDOWS, "bank geometry");

#endif /* SHM_GRANT_H */
