/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * EOP devargs, read through the shared option vocabulary
 * (rte_marlin_devargs_parse()), plus the checks that only EOP knows.
 *
 *   --vdev net_eop0,ntb=NTBDEV,peer=HOSTID[,queues=N][,depth=N][,slot=BYTES]
 *                   [,zc_min=BYTES][,pack_max=BYTES][,nt_threshold=BYTES]
 *                   [,widx=WIDX][,mac=XX:XX:XX:XX:XX:XX][,rx_copy=0|1]
 *                   [,tx_bufs=N]
 *   --vdev net_eop0,ntb=NTBDEV,rack=1[,...]   (one port to every peer)
 *
 * Deprecated names still accepted (with a log line): mw= for widx=,
 * nt_min= for nt_threshold=.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "rte_marlin_args.h"
#include "eop_private.h"

/* mac=: a unicast address. */
static int
parse_mac(const char *dev, const char *key, const char *value, void *dst)
{
	struct rte_ether_addr *mac = dst;

	if (rte_ether_unformat_addr(value, mac) != 0 ||
			!rte_is_valid_assigned_ether_addr(mac)) {
		EOP_LOG(ERR, "%s: %s=%s is not a unicast MAC address: write %s=02:00:00:00:00:01",
			dev, key, value, key);
		return -EINVAL;
	}
	return 0;
}

/* A value that must be a power of two (both hosts alike). */
static int
check_pow2(const char *dev, const char *key, uint64_t v)
{
	if (rte_is_power_of_2((uint32_t)v))
		return 0;
	EOP_LOG(ERR, "%s: %s=%" PRIu64 " is not a power of two: use e.g. %s=%u",
		dev, key, v, key, rte_align32pow2((uint32_t)v));
	return -EINVAL;
}

/* Table order: the bits of @given below. */
enum { A_NTB, A_PEER, A_QUEUES, A_DEPTH, A_SLOT, A_ZC, A_PACK, A_NT, A_WIDX,
       A_MAC, A_RACK, A_RXCOPY,
       A_TXBUFS };

int
eop_parse_devargs(const char *dev, const char *args, struct eop_params *p)
{
	int peer = -1, queues = EOP_DEFAULT_QUEUES, depth = EOP_DEFAULT_DEPTH;
	int widx = 0, rack = 0, rx_copy = 0, tx_bufs = 0;
	uint64_t slot = EOP_DEFAULT_SLOT, zc = EOP_DEFAULT_ZC_MIN;
	uint64_t pack = EOP_DEFAULT_PACK_MAX, nt = 0, given = 0;
	struct rte_marlin_arg t[] = {
		[A_NTB] = { .key = "ntb", .type = RTE_MARLIN_ARG_STRING,
			.dst = p->ntb, .dst_len = sizeof(p->ntb),
			.hint = " (the NTB device of the link, e.g. ntb=ntb_shm0)" },
		[A_PEER] = { .key = "peer", .type = RTE_MARLIN_ARG_INT,
			.min = 0, .max = RTE_MARLIN_NTB_MAX_PEERS - 1, .dst = &peer,
			.hint = " (a host id)" },
		[A_QUEUES] = { .key = "queues", .type = RTE_MARLIN_ARG_INT,
			.min = 1, .max = EOP_MAX_QUEUES, .dst = &queues,
			.hint = " (queues each way; both hosts alike)" },
		[A_DEPTH] = { .key = "depth", .type = RTE_MARLIN_ARG_INT,
			.min = EOP_MIN_DEPTH, .max = EOP_MAX_DEPTH, .dst = &depth,
			.hint = " (ring slots when the application asks for none; a power of two; default: the largest up to 1024 the window holds)" },
		[A_SLOT] = { .key = "slot", .type = RTE_MARLIN_ARG_SIZE,
			.min = EOP_MIN_SLOT, .max = EOP_MAX_SLOT, .dst = &slot,
			.hint = " (bytes, a power of two; both hosts alike; default: the largest up to 2048 the window holds)" },
		[A_ZC] = { .key = "zc_min", .type = RTE_MARLIN_ARG_SIZE,
			.min = 0, .max = EOP_FRAME_MAX, .dst = &zc,
			.hint = " (0 turns zero-copy receive off)" },
		[A_PACK] = { .key = "pack_max", .type = RTE_MARLIN_ARG_SIZE,
			.min = 0, .max = 1024, .dst = &pack,
			.hint = " (bytes; 0 sends every frame in slots of its own)" },
		[A_NT] = { .key = "nt_threshold", .type = RTE_MARLIN_ARG_SIZE,
			.min = 0, .max = EOP_MAX_SLOT, .dst = &nt,
			.deprecated = "nt_min",
			.hint = " (copies of this size and more use streaming stores; 0: never)" },
		[A_WIDX] = { .key = "widx", .type = RTE_MARLIN_ARG_INT,
			.min = 0, .max = 63, .dst = &widx, .deprecated = "mw",
			.hint = " (index of the NTB window the port uses)" },
		[A_MAC] = { .key = "mac", .type = RTE_MARLIN_ARG_FUNC,
			.parse = parse_mac, .dst = &p->mac },
		[A_RACK] = { .key = "rack", .type = RTE_MARLIN_ARG_BOOL,
			.dst = &rack,
			.hint = " (1: one port that reaches every peer)" },
		[A_RXCOPY] = { .key = "rx_copy", .type = RTE_MARLIN_ARG_BOOL,
			.dst = &rx_copy,
			.hint = " (1: copy every received frame into the application's mbufs, out of the sender's reach)" },
		[A_TXBUFS] = { .key = "tx_bufs", .type = RTE_MARLIN_ARG_INT,
			.min = 0, .max = EOP_MAX_TX_BUFS, .dst = &tx_bufs,
			.hint = " (buffers of rte_pmd_eop_tx_mempool(), in the peer's memory; 0: no such pool)" },
	};
	int rc;

	memset(p, 0, sizeof(*p));
	rc = rte_marlin_devargs_parse(dev, args, t, RTE_DIM(t), &given);
	if (rc != 0)
		return rc;
	if (!(given & (UINT64_C(1) << A_NTB))) {
		EOP_LOG(ERR, "%s: devarg ntb=NAME is required: name the NTB device of the link, e.g. %s,ntb=ntb_shm0,peer=1",
			dev, dev);
		return -EINVAL;
	}
	if (rack && (given & (UINT64_C(1) << A_PEER))) {
		EOP_LOG(ERR, "%s: rack=1 reaches every peer: leave out peer=", dev);
		return -EINVAL;
	}
	if (!rack && !(given & (UINT64_C(1) << A_PEER))) {
		EOP_LOG(ERR, "%s: devarg peer=HOST is required: give the host id (NTB port number) at the other end of the link, e.g. %s,ntb=%s,peer=1",
			dev, dev, p->ntb);
		return -EINVAL;
	}
	if ((depth != EOP_DEFAULT_DEPTH &&
			check_pow2(dev, "depth", (uint64_t)depth) != 0) ||
			(slot != EOP_DEFAULT_SLOT &&
			 check_pow2(dev, "slot", slot) != 0))
		return -EINVAL;
	p->peer = peer;
	p->queues = (uint16_t)queues;
	p->depth = (uint16_t)depth;
	p->slot = (uint32_t)slot;
	p->zc_min = (uint32_t)zc;
	p->pack_max = (uint32_t)pack;
	p->nt_threshold = (uint32_t)nt;
	p->widx = widx;
	p->rack = rack;
	p->rx_copy = rx_copy;
	p->tx_bufs = (uint32_t)tx_bufs;
	p->mac_set = !!(given & (UINT64_C(1) << A_MAC));
	return 0;
}
