/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * net_eop unit tests. The driver's sources are compiled into this program
 * (so its static helpers are reachable); two software NTB hosts in this one
 * process (ntb_shm0 = host 0, ntb_shm1 = host 1) carry two EOP ports that
 * talk to each other:
 * - pure parts: devargs, immediates, frame and pack checks, MAC, speed;
 * - ports (test_eop_ports.c): frames of every kind both ways with their content checked,
 *   filters, copy-on-receive (rx_copy), oversize frames, receive interrupts through the eventfd,
 *   zero-copy mbufs held across a cable cut (their data must survive and
 *   the peer must not renegotiate under them), and mbufs held past close.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_mbuf.h>

#include "eop_private.h"
#include "rte_pmd_eop.h"
#include "rte_pmd_ntb_shm.h"
#include "test_eop.h"


/* ---- pure parts --------------------------------------------------------- */

static void
test_imm(void **state)
{
	uint64_t imm = eop_imm_make(9000, 3, 5, EOP_IMM_F_PAD);

	(void)state;
	assert_true(eop_imm_magic_ok(imm));
	assert_int_equal(eop_imm_len(imm), 9000);
	assert_int_equal(eop_imm_idx(imm), 3);
	assert_int_equal(eop_imm_count(imm), 5);
	assert_int_equal(eop_imm_flags(imm), EOP_IMM_F_PAD);
	assert_false(eop_imm_magic_ok(imm ^ (UINT64_C(1) << 50)));
	assert_int_equal(eop_rec_size(64), 68);
	assert_int_equal(eop_rec_size(61), 68);
	assert_int_equal(eop_tx_qp(1, 3), 6);
	assert_int_equal(eop_rx_qp(1, 3), 7);
	assert_int_equal(eop_tx_qp(0, 3), 7);
	assert_int_equal(eop_rx_qp(0, 3), 6);
}

static void
cqe_set(struct rte_marlin_hrdma_cqe *c, uint32_t len, uint64_t imm, void *data)
{
	memset(c, 0, sizeof(*c));
	c->opcode = RTE_MARLIN_HRDMA_OP_RECV;
	c->len = len;
	c->imm = imm;
	c->data = data;
}

static void
test_frame_check(void **state)
{
	static uint8_t buf[4][2048];
	struct rte_marlin_hrdma_cqe c[4];
	uint32_t len = 0, pad = 0;
	uint16_t used = 0;

	(void)state;
	/* one slot, padded */
	cqe_set(&c[0], 64 + 100, eop_imm_make(100, 0, 1, EOP_IMM_F_PAD), buf[0]);
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_OK);
	assert_int_equal(used, 1);
	assert_int_equal(len, 100);
	assert_int_equal(pad, 64);
	/* three slots */
	cqe_set(&c[0], 2048, eop_imm_make(5000, 0, 3, 0), buf[0]);
	cqe_set(&c[1], 2048, eop_imm_make(5000, 1, 3, 0), buf[1]);
	cqe_set(&c[2], 904, eop_imm_make(5000, 2, 3, 0), buf[2]);
	assert_int_equal(eop_frame_check(c, 3, 2048, &used, &len, &pad), EOP_FRAME_OK);
	assert_int_equal(used, 3);
	assert_int_equal(len, 5000);
	assert_int_equal(eop_frame_check(c, 2, 2048, &used, &len, &pad),
			 EOP_FRAME_PARTIAL);
	/* lengths do not add up */
	c[2].len = 903;
	assert_int_equal(eop_frame_check(c, 3, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	assert_int_equal(used, 3);
	c[2].len = 904;
	/* a fragment out of place: drop what came before it */
	c[1].imm = eop_imm_make(5000, 2, 3, 0);
	assert_int_equal(eop_frame_check(c, 3, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	assert_int_equal(used, 1);
	/* frame not starting at index 0 */
	assert_int_equal(eop_frame_check(&c[1], 2, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	assert_int_equal(used, 1);
	/* runt, bad magic, unknown flag, too many fragments, wrong opcode */
	cqe_set(&c[0], 10, eop_imm_make(10, 0, 1, 0), buf[0]);
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	cqe_set(&c[0], 100, eop_imm_make(100, 0, 1, 0) & ~(UINT64_C(0xff) << 56), buf[0]);
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	cqe_set(&c[0], 100, eop_imm_make(100, 0, 1, 0x80), buf[0]);
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	cqe_set(&c[0], 100, eop_imm_make(100, 0, EOP_MAX_FRAGS + 1, 0), buf[0]);
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	cqe_set(&c[0], 100, eop_imm_make(100, 0, 1, 0), buf[0]);
	c[0].opcode = RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_BAD);
	/* padding longer than the slot content */
	cqe_set(&c[0], 32, eop_imm_make(0, 0, 1, EOP_IMM_F_PAD), buf[0]);
	assert_int_equal(eop_frame_check(c, 1, 2048, &used, &len, &pad), EOP_FRAME_BAD);
}

static uint32_t
pack_put(uint8_t *msg, uint32_t off, uint16_t len, uint8_t fill)
{
	struct eop_wire_rec r = { .len = len, .reserved = 0 };

	memcpy(msg + off, &r, sizeof(r));
	memset(msg + off + sizeof(r), fill, len);
	return off + eop_rec_size(len);
}

static void
test_pack(void **state)
{
	static uint8_t msg[2048];
	struct rte_marlin_hrdma_cqe c;
	const uint8_t *f;
	uint32_t off = 0, len = 0, end;

	(void)state;
	end = pack_put(msg, 0, 60, 0xa1);
	end = pack_put(msg, end, 61, 0xa2);
	end = pack_put(msg, end, 200, 0xa3);
	cqe_set(&c, end, eop_imm_make(end, 0, 3, EOP_IMM_F_PACK), msg);
	assert_true(eop_pack_check(&c, 2048));
	f = eop_pack_next(msg, end, &off, &len);
	assert_non_null(f);
	assert_int_equal(len, 60);
	assert_int_equal(f[0], 0xa1);
	f = eop_pack_next(msg, end, &off, &len);
	assert_int_equal(len, 61);
	assert_int_equal(f[60], 0xa2);
	f = eop_pack_next(msg, end, &off, &len);
	assert_int_equal(len, 200);
	assert_int_equal(f[199], 0xa3);
	assert_int_equal(off, end);
	assert_null(eop_pack_next(msg, end, &off, &len));      /* no more */
	/* a record running past the message */
	off = 0;
	assert_null(eop_pack_next(msg, 50, &off, &len));
	/* runt record, reserved field set */
	pack_put(msg, 0, 10, 0);
	off = 0;
	assert_null(eop_pack_next(msg, end, &off, &len));
	pack_put(msg, 0, 60, 0);
	msg[2] = 1;
	off = 0;
	assert_null(eop_pack_next(msg, end, &off, &len));
	/* header checks */
	c.imm = eop_imm_make(end, 0, 0, EOP_IMM_F_PACK);
	assert_false(eop_pack_check(&c, 2048));
	c.imm = eop_imm_make(end, 0, EOP_PACK_FRAMES + 1, EOP_IMM_F_PACK);
	assert_false(eop_pack_check(&c, 2048));
	c.imm = eop_imm_make(end + 4, 0, 3, EOP_IMM_F_PACK);
	assert_false(eop_pack_check(&c, 2048));
	c.imm = eop_imm_make(end, 1, 3, EOP_IMM_F_PACK);
	assert_false(eop_pack_check(&c, 2048));
	c.imm = eop_imm_make(end, 0, 3, EOP_IMM_F_PACK | EOP_IMM_F_PAD);
	assert_false(eop_pack_check(&c, 2048));
}

static void
test_devargs(void **state)
{
	struct eop_params p;

	(void)state;
	assert_int_equal(eop_parse_devargs("t", "ntb=ntb_shm0,peer=3", &p), 0);
	assert_string_equal(p.ntb, "ntb_shm0");
	assert_int_equal(p.peer, 3);
	assert_int_equal(p.queues, EOP_DEFAULT_QUEUES);
	assert_int_equal(p.depth, EOP_DEFAULT_DEPTH);
	assert_int_equal(p.slot, EOP_DEFAULT_SLOT);  /* 0: fits the window */
	assert_int_equal(p.zc_min, EOP_DEFAULT_ZC_MIN);
	assert_int_equal(p.pack_max, EOP_DEFAULT_PACK_MAX);
	assert_int_equal(p.mac_set, 0);
	assert_int_equal(eop_parse_devargs("t",
		"ntb=x,peer=1,queues=8,depth=1024,slot=4096,zc_min=0,pack_max=0,nt_threshold=1024,widx=1,mac=02:00:00:00:00:09",
		&p), 0);
	assert_int_equal(p.queues, 8);
	assert_int_equal(p.depth, 1024);
	assert_int_equal(p.slot, 4096);
	assert_int_equal(p.zc_min, 0);
	assert_int_equal(p.pack_max, 0);
	assert_int_equal(p.nt_threshold, 1024);
	assert_int_equal(p.widx, 1);
	assert_int_equal(p.mac_set, 1);
	assert_int_equal(p.mac.addr_bytes[5], 9);
	/* the shared vocabulary: sizes with suffixes */
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,slot=4K,nt_threshold=1K", &p), 0);
	assert_int_equal(p.slot, 4096);
	assert_int_equal(p.nt_threshold, 1024);
	/* deprecated names still work and mean the same */
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,nt_min=512,mw=2", &p), 0);
	assert_int_equal(p.nt_threshold, 512);
	assert_int_equal(p.widx, 2);
	/* one idea, one key: the old and the new name together are a repeat */
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,mw=1,widx=1", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,widx=64", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "peer=1", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,foo=2", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,peer=2", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=abc", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=-1", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,queues=0", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,queues=9", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,depth=100", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,depth=32", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,slot=3000", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,slot=128", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,slot=65536", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,mac=01:00:00:00:00:01", &p),
			 -EINVAL);  /* multicast */
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,mac=zz", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=,peer=1", &p), -EINVAL);
	/* copy-on-receive: off unless asked, a boolean */
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1", &p), 0);
	assert_int_equal(p.rx_copy, 0);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,rx_copy=1", &p), 0);
	assert_int_equal(p.rx_copy, 1);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,rx_copy=2", &p), -EINVAL);
	/* transmit pool: off unless asked */
	assert_int_equal(p.tx_bufs, 0);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,tx_bufs=512", &p), 0);
	assert_int_equal(p.tx_bufs, 512);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,tx_bufs=-1", &p), -EINVAL);
	assert_int_equal(eop_parse_devargs("t", "ntb=x,peer=1,tx_bufs=65536", &p), -EINVAL);
}

/* A frame built in place: the notification names it; everything the
 * peer wrote is checked. */
static void
test_inplace_check(void **state)
{
	struct rte_marlin_hrdma_cqe c;
	uint32_t len = 0, ok = sizeof(struct eop_wire_ctl) + EOP_PAD;
	uint64_t imm = eop_imm_make(1500, 0, 1, EOP_IMM_F_INPLACE);

	(void)state;
	memset(&c, 0, sizeof(c));
	c.opcode = RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
	c.imm = imm;
	c.offset = ok;
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 1);
	assert_int_equal(len, 1500);
	c.offset = (1 << 20) - 1500;            /* ends at the region's end */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 1);
	c.offset = (1 << 20) - 1499;            /* one byte beyond */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.offset = UINT64_MAX - 10;             /* wraps */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.offset = ok - 1;                      /* no headroom / control lines */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.offset = ok;
	c.len = 4;                              /* carries bytes: not ours */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.len = 0;
	c.status = -ERANGE;
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.status = 0;
	c.opcode = RTE_MARLIN_HRDMA_OP_RECV;
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.opcode = RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
	c.imm = eop_imm_make(1500, 0, 2, EOP_IMM_F_INPLACE);   /* 2 fragments */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.imm = eop_imm_make(1500, 0, 1, EOP_IMM_F_INPLACE | EOP_IMM_F_PACK);
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.imm = eop_imm_make(10, 0, 1, EOP_IMM_F_INPLACE);     /* runt */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
	c.imm = imm ^ (UINT64_C(1) << 60);                    /* magic */
	assert_int_equal(eop_inplace_check(&c, 1 << 20, &len), 0);
}

/* Lists of small frames built in place: the list and every entry. */
static void
test_list_check(void **state)
{
	static uint8_t region[8192];
	struct eop_wire_ref r[3] = {
		{ .off = 4096, .len = 60 }, { .off = 8192 - 64, .len = 64 },
		{ .off = 600, .len = 100 } };
	struct rte_marlin_hrdma_cqe c;
	uint32_t len = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.opcode = RTE_MARLIN_HRDMA_OP_RECV_NOTIFY;
	c.offset = 2048;
	c.imm = eop_imm_make(3 * 8, 0, 3, EOP_IMM_F_INPLACE | EOP_IMM_F_LIST);
	memcpy(region + 2048, r, sizeof(r));
	assert_true(eop_list_check(&c, sizeof(region)));
	assert_ptr_equal(eop_list_next(region, sizeof(region), &c, 0, &len),
			 region + 4096);
	assert_int_equal(len, 60);
	assert_ptr_equal(eop_list_next(region, sizeof(region), &c, 1, &len),
			 region + 8192 - 64);
	/* entries out of the region, into the control lines, runts, junk */
	r[0].off = 8192 - 59;
	r[1].off = 100;
	r[2].len = 10;
	memcpy(region + 2048, r, sizeof(r));
	assert_null(eop_list_next(region, sizeof(region), &c, 0, &len));
	assert_null(eop_list_next(region, sizeof(region), &c, 1, &len));
	assert_null(eop_list_next(region, sizeof(region), &c, 2, &len));
	r[0].off = 4096;
	r[0].reserved = 1;
	memcpy(region + 2048, r, sizeof(r));
	assert_null(eop_list_next(region, sizeof(region), &c, 0, &len));
	/* the list itself */
	c.imm = eop_imm_make(3 * 8, 0, 4, EOP_IMM_F_INPLACE | EOP_IMM_F_LIST);
	assert_false(eop_list_check(&c, sizeof(region)));     /* len != count */
	c.imm = eop_imm_make(65 * 8, 0, 65, EOP_IMM_F_INPLACE | EOP_IMM_F_LIST);
	assert_false(eop_list_check(&c, sizeof(region)));     /* too many */
	c.imm = eop_imm_make(3 * 8, 0, 3, EOP_IMM_F_INPLACE | EOP_IMM_F_LIST);
	c.offset = 8192 - 16;                                 /* runs out */
	assert_false(eop_list_check(&c, sizeof(region)));
	c.offset = 100;                                       /* control lines */
	assert_false(eop_list_check(&c, sizeof(region)));
	c.offset = 2048;
	c.imm = eop_imm_make(3 * 8, 0, 3, EOP_IMM_F_LIST);    /* no INPLACE */
	assert_false(eop_list_check(&c, sizeof(region)));
	c.imm = eop_imm_make(3 * 8, 0, 3, EOP_IMM_F_INPLACE | EOP_IMM_F_LIST);
	c.opcode = RTE_MARLIN_HRDMA_OP_RECV;
	assert_false(eop_list_check(&c, sizeof(region)));
}

static void
test_identity(void **state)
{
	struct rte_ether_addr a, b, c;

	(void)state;
	eop_mac_make("rack0", 0, 1, &a);
	eop_mac_make("rack0", 0, 1, &b);
	eop_mac_make("rack1", 0, 1, &c);
	assert_memory_equal(&a, &b, sizeof(a));     /* stable */
	assert_memory_not_equal(&a, &c, sizeof(a)); /* fabric matters */
	assert_true(rte_is_valid_assigned_ether_addr(&a));
	assert_int_equal(a.addr_bytes[0] & 0x03, 0x02); /* local, unicast */
	assert_int_equal(a.addr_bytes[4], 0);
	assert_int_equal(a.addr_bytes[5], 1);
	eop_mac_make("rack0", 1, 0, &b);
	assert_memory_not_equal(&a, &b, sizeof(a));
	assert_int_equal(eop_link_speed_mbps(RTE_MARLIN_NTB_SPEED_GEN4, 16), 252064);
	assert_int_equal(eop_link_speed_mbps(RTE_MARLIN_NTB_SPEED_GEN3, 8), 63016);
	assert_int_equal(eop_link_speed_mbps(RTE_MARLIN_NTB_SPEED_NONE, 16), 0);
	assert_int_equal(eop_link_speed_mbps(9, 16), 0);
	/* a software fabric reports no PCIe speed: nothing is derived */
	assert_int_equal(eop_link_speed_mbps(RTE_MARLIN_NTB_SPEED_UNKNOWN,
			RTE_MARLIN_NTB_WIDTH_UNKNOWN), 0);
	assert_int_equal(eop_link_speed_mbps(RTE_MARLIN_NTB_SPEED_GEN4,
			RTE_MARLIN_NTB_WIDTH_UNKNOWN), 0);
}

/* Ring sizes that fit a window slice, and the window a size needs. */
static void
test_ring_fit(void **state)
{
	char buf[160];

	(void)state;
	/* 16 MiB shared by 2 hosts: 8 MiB each */
	assert_int_equal(eop_depth_fit(1, 2048, 8 << 20, EOP_MAX_DEPTH), 1024);
	assert_int_equal(eop_depth_fit(1, 2048, 8 << 20, 512), 512);
	assert_int_equal(eop_depth_fit(2, 2048, 8 << 20, EOP_MAX_DEPTH), 512);
	/* 32 MiB / 2 holds OVS's 2048 descriptors, not 4096 */
	assert_int_equal(eop_depth_fit(1, 2048, 16 << 20, EOP_MAX_DEPTH), 2048);
	/* nothing fits: the smallest ring (the channel then refuses) */
	assert_int_equal(eop_depth_fit(1, 2048, 64 << 10, EOP_MAX_DEPTH),
			 EOP_MIN_DEPTH);
	/* what fits is what the channel needs */
	assert_true(eop_window_need(1, 1024, 2048) <= (8u << 20));
	assert_true(eop_window_need(1, 2048, 2048) > (8u << 20));
	assert_true(eop_window_need(1, 64, 512) <= (128u << 10));
	assert_true(eop_window_need(1, 64, 1024) > (128u << 10));
	/* the window named is what both slices need, in whole 2 MiB pages
	 * (a size hugetlbfs takes); 2 x 16.8 MiB needs 34 MiB, not 64 */
	eop_window_text(2, 1, 4096, 2048, buf, sizeof(buf));
	assert_true(2 * eop_window_need(1, 4096, 2048) > (32u << 20));
	assert_true(2 * eop_window_need(1, 4096, 2048) <= (34u << 20));
	assert_non_null(strstr(buf, "mw_size=34M "));
	eop_window_text(8, 4, 64, 256, buf, sizeof(buf));
	assert_non_null(strstr(buf, "mw_size=2M "));
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_imm),
		cmocka_unit_test(test_frame_check),
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_devargs),
		cmocka_unit_test(test_inplace_check),
		cmocka_unit_test(test_list_check),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_ring_fit),
	};
	int rc;

	rc = cmocka_run_group_tests_name("pure", pure, NULL, NULL);
	rc += eop_unit_ports();
	return rc;
}
