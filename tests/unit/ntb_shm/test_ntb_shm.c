/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the software NTB driver (ntb_shm) in one process: two vdevs
 * on one fabric are two hosts (each has its own lock, pages and windows, as
 * two processes would). A "fake host" made of hand-written files stands in
 * for a peer that runs another geometry or dies without cleaning up.
 * Every test works in its own temporary directory under /dev/shm.
 */

#include "ntb_shm_helpers.h"

/* ---- tests ---- */

static void
test_probe_two_hosts(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	struct rte_marlin_ntb_mw_align al;
	struct rte_marlin_ntb_info info;
	int d0, d1;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2"), 0);
	d0 = dev_id("ntb_shm0");
	d1 = dev_id("ntb_shm1");

	assert_int_equal(rte_marlin_ntb_info_get(d1, &info), 0);
	assert_string_equal(info.name, "ntb_shm1");
	assert_string_equal(info.driver, "ntb_shm");
	assert_int_equal(info.topo, RTE_MARLIN_NTB_TOPO_SOFTWARE);
	assert_int_equal(info.port, 1);
	assert_int_equal(info.peer_count, 1);
	assert_int_equal(info.mw_count, 2);
	assert_int_equal(info.peer_mw_count, 2);
	assert_int_equal(info.spad_count, 16);
	assert_int_equal(info.msg_count, 0);
	assert_true(info.db_valid_mask == UINT64_MAX);
	assert_int_equal(info.mw_shared, 1);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d1, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d0, 0), 1);
	assert_int_equal(rte_marlin_ntb_mw_get_align(d0, 0, 1, &al), 0);
	assert_int_equal(al.addr_align, 4096);
	assert_int_equal(al.size_align, 4096);
	assert_true(al.size_max == MW_4M);

	/* The files of both hosts, nothing else. */
	assert_int_equal(count_entries(fpath), 8);
	assert_true(exists(fpath, "host-0.lock"));
	assert_true(exists(fpath, "host-0.regs"));
	assert_true(exists(fpath, "host-0.mw-0"));
	assert_true(exists(fpath, "host-1.mw-1"));

	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_int_equal(st.host_id, 1);
	assert_int_equal(st.present, 1);
	assert_int_equal(st.alive, 1);
	assert_int_equal(st.link_enabled, 0);
	assert_int_equal(st.pid, getpid());
	assert_true(st.epoch != 0);
	assert_true(st.cut_mask == 0);
	assert_int_equal(st.mw_count, 2);
	assert_true(st.mw_size == MW_4M);

	/* Links stay down until enabled. */
	assert_true(stays_down(d0, d1, 20));
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, 1), -ENOLINK);

	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(fpath), 4);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), -ENOENT);
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	/* The last host out removes the fabric directory. */
	assert_int_equal(count_entries(fpath), -1);
	assert_int_equal(count_entries(parent), 0);
}

static void
test_pidx_and_defaults(void **state)
{
	struct rte_marlin_ntb_info info;
	int d;

	(void)state;
	/* Defaults: hosts=8, mw_count=2, mw_size=4M, spads=16. */
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=3"), 0);
	d = dev_id("ntb_shm0");
	assert_int_equal(rte_marlin_ntb_info_get(d, &info), 0);
	assert_int_equal(info.port, 3);
	assert_int_equal(info.peer_count, 7);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 2), 2);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 3), 4);
	assert_int_equal(rte_marlin_ntb_peer_port_number(d, 6), 7);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 7), 6);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 4), 3);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 3), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(d, 8), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_count(d, 6), 2);
	assert_int_equal(rte_marlin_ntb_spad_count(d), 16);

	/* Custom geometry. */
	assert_int_equal(vdev("ntb_shm1",
		"fabric=other,host=0,hosts=64,mw_count=8,mw_size=64K,spads=64"), 0);
	d = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_info_get(d, &info), 0);
	assert_int_equal(info.peer_count, 63);
	assert_int_equal(info.mw_count, 8);
	assert_int_equal(info.spad_count, 64);
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(count_entries(parent), 0);
}

struct ev_log {
	int link_up[2];
	int link_down[2];
	uint64_t db_bits;
	int db_events;
};

static void
ev_cb(uint16_t dev_id, const struct rte_marlin_ntb_event *ev, void *arg)
{
	struct ev_log *l = arg;

	(void)dev_id;
	if (ev->type == RTE_MARLIN_NTB_EVENT_LINK && ev->pidx >= 0 && ev->pidx < 2) {
		if (ev->link_up)
			l->link_up[ev->pidx]++;
		else
			l->link_down[ev->pidx]++;
	} else if (ev->type == RTE_MARLIN_NTB_EVENT_DB) {
		l->db_bits |= ev->db_bits;
		l->db_events++;
	}
}

static void
test_link_needs_both_enabled(void **state)
{
	struct rte_pmd_ntb_shm_host_state s0, s1;
	enum rte_marlin_ntb_speed speed;
	enum rte_marlin_ntb_width width;
	struct rte_marlin_ntb_link l;
	struct ev_log ev;
	int d0, d1;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2"), 0);
	d0 = dev_id("ntb_shm0");
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_event_callback_register(d0, ev_cb, &ev), 0);

	/* One side enabled: down on both. */
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_true(stays_down(d0, d1, 30));
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &s0), 0);
	assert_int_equal(s0.link_enabled, 1);

	/* Both: up on both, with the peer's epoch; a software link has no
	 * PCIe speed or width to report. */
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &s0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &s1), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d0, 0, &l), 0);
	assert_true(l.peer_epoch == s1.epoch);
	assert_int_equal(l.speed, RTE_MARLIN_NTB_SPEED_UNKNOWN);
	assert_int_equal(l.width, RTE_MARLIN_NTB_WIDTH_UNKNOWN);
	assert_int_equal(rte_marlin_ntb_link_get(d1, 0, &l), 0);
	assert_true(l.peer_epoch == s0.epoch);
	assert_int_equal(rte_marlin_ntb_link_is_up(d0, &speed, &width), 1);
	assert_int_equal(speed, RTE_MARLIN_NTB_SPEED_UNKNOWN);
	assert_int_equal(width, RTE_MARLIN_NTB_WIDTH_UNKNOWN);
	assert_int_equal(ev.link_up[0], 1);

	/* Either side disabling takes it down on both. */
	assert_int_equal(rte_marlin_ntb_link_disable(d1), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d1, 0, &l), 0);
	assert_int_equal(l.up, 0);
	assert_int_equal(l.speed, RTE_MARLIN_NTB_SPEED_NONE);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d1, 0, 1), -ENOLINK);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d1, 0, 0, 1), -ENOLINK);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(ev.link_down[0], 1);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(ev.link_up[0], 2);
}

static void
test_windows(void **state)
{
	void *in0, *in1, *out0, *out1, *again;
	size_t len, size;
	volatile uint64_t *o;
	uint64_t *in;
	int d0, d1;

	(void)state;
	two_hosts_up("", &d0, &d1);

	/* Inbound: the host's own window file, zeroed, fixed. */
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 0, 0, &in0, &len), 0);
	assert_true(len == MW_4M);
	assert_true(((uint64_t *)in0)[0] == 0);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 1, 4096, &in1, &len), 0);
	assert_true(len == MW_4M);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 1, MW_4M + 1, &again,
		&len), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(d0, 0, 0, in0, 0, 4096),
		-ENOTSUP);

	/* Outbound: 1 -> 0 through window 0, 0 -> 1 through window 1. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out0, &size), 0);
	assert_true(size == MW_4M);
	o = out0;
	o[0] = 0x1122334455667788ULL;
	o[MW_4M / 8 - 1] = 0xa5a5a5a5a5a5a5a5ULL;
	in = in0;
	assert_true(in[0] == 0x1122334455667788ULL);
	assert_true(in[MW_4M / 8 - 1] == 0xa5a5a5a5a5a5a5a5ULL);

	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 1, &out1, &size), 0);
	memset(out1, 0x5a, 4096);
	assert_true(((uint8_t *)in1)[0] == 0x5a && ((uint8_t *)in1)[4095] == 0x5a);
	assert_true(((uint8_t *)in1)[4096] == 0);

	/* The same address every time. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &again, &size), 0);
	assert_ptr_equal(again, out0);

	/* mw_free keeps the fixed memory; mw_alloc gives it back. */
	assert_int_equal(rte_marlin_ntb_mw_free(d0, 0, 0), 0);
	assert_int_equal(rte_marlin_ntb_mw_free(d0, 0, 0), -ENOENT);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 0, 0, &again, &len), 0);
	assert_ptr_equal(again, in0);
}

static void
test_peer_window_before_peer_exists(void **state)
{
	void *out, *in;
	size_t size, len;
	volatile uint8_t *o;
	int d0, d1;

	(void)state;
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2,mw_size=64K"), 0);
	d0 = dev_id("ntb_shm0");
	/* Never seen host 1: the range exists, stores go nowhere. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 0, &out, &size), 0);
	assert_true(size == 65536);
	o = out;
	o[0] = 0x77;
	o[65535] = 0x78;

	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 0, 0, &in, &len), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(((uint8_t *)in)[0], 0);
	assert_int_equal(o[0], 0);
	o[1] = 0x99;
	assert_int_equal(((uint8_t *)in)[1], 0x99);
}

static void
test_doorbells(void **state)
{
	uint64_t bits, mask;
	struct ev_log ev;
	int d0, d1;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	two_hosts_up("", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_event_callback_register(d1, ev_cb, &ev), 0);

	/* 0 -> 1 */
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, 0x5 | (UINT64_C(1) << 63)), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == (0x5 | (UINT64_C(1) << 63)));
	assert_int_equal(rte_marlin_ntb_db_read(d0, &bits), 0);
	assert_true(bits == 0);
	rte_marlin_ntb_poll(d1);
	assert_int_equal(ev.db_events, 1);
	assert_true(ev.db_bits == (0x5 | (UINT64_C(1) << 63)));
	/* Write-1-to-clear, only the bits named. */
	assert_int_equal(rte_marlin_ntb_db_clear(d1, 0x1), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == (0x4 | (UINT64_C(1) << 63)));
	assert_int_equal(rte_marlin_ntb_db_clear(d1, UINT64_MAX), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == 0);

	/* Masked bits are readable but raise no event until unmasked. */
	assert_int_equal(rte_marlin_ntb_db_set_mask(d1, UINT64_C(1) << 10), 0);
	assert_int_equal(rte_marlin_ntb_db_read_mask(d1, &mask), 0);
	assert_true(mask == (UINT64_C(1) << 10));
	ev.db_bits = 0;
	ev.db_events = 0;
	assert_int_equal(rte_marlin_ntb_peer_db_set(d0, 0, UINT64_C(1) << 10), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == (UINT64_C(1) << 10));
	rte_marlin_ntb_poll(d1);
	assert_int_equal(ev.db_events, 0);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(d1, UINT64_C(1) << 10), 0);
	assert_int_equal(rte_marlin_ntb_db_read_mask(d1, &mask), 0);
	assert_true(mask == 0);
	rte_marlin_ntb_poll(d1);
	assert_int_equal(ev.db_events, 1);
	assert_true(ev.db_bits == (UINT64_C(1) << 10));
	assert_int_equal(rte_marlin_ntb_db_clear(d1, UINT64_C(1) << 10), 0);

	/* 1 -> 0 */
	assert_int_equal(rte_marlin_ntb_peer_db_set(d1, 0, UINT64_C(1) << 33), 0);
	assert_int_equal(rte_marlin_ntb_db_read(d0, &bits), 0);
	assert_true(bits == (UINT64_C(1) << 33));
	assert_int_equal(rte_marlin_ntb_db_read(d1, &bits), 0);
	assert_true(bits == 0);
}

static void
test_scratchpads(void **state)
{
	uint32_t v;
	int d0, d1;

	(void)state;
	two_hosts_up("", &d0, &d1);

	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 3, 0xdeadbeef), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 3, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(d0, 0, 3, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	/* Banks are per writer: host 0 did not write its own. */
	assert_int_equal(rte_marlin_ntb_spad_read(d0, 0, 3, &v), 0);
	assert_int_equal(v, 0);

	assert_int_equal(rte_marlin_ntb_peer_spad_write(d1, 0, 15, 42), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d0, 0, 15, &v), 0);
	assert_int_equal(v, 42);

	/* The owner may clear an entry of its local bank. */
	assert_int_equal(rte_marlin_ntb_spad_write(d1, 0, 3, 0), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 16, &v), -EINVAL);

	/* A restarted writer's old values are gone. */
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 4, 7), 0);
	assert_int_equal(rte_vdev_uninit("ntb_shm0"), 0);
	assert_int_equal(wait_link(d1, 0, 0), 0);
	assert_int_equal(vdev("ntb_shm0", "fabric=" FABRIC ",host=0,hosts=2"), 0);
	d0 = dev_id("ntb_shm0");
	assert_int_equal(rte_marlin_ntb_link_enable(d0, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 4, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 5, 9), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 5, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(rte_marlin_ntb_spad_read(d1, 0, 4, &v), 0);
	assert_int_equal(v, 0);
}

static void
test_cut_restore(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	void *in0, *out0;
	volatile uint64_t *o;
	volatile uint64_t *in;
	size_t len, size;
	int d0, d1;

	(void)state;
	two_hosts_up(",mw_size=64K", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d0, 0, 0, 0, &in0, &len), 0);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out0, &size), 0);
	in = in0;
	o = out0;
	o[0] = 1;
	assert_true(in[0] == 1);

	/* Cut: both sides down, stores fall into the sink. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 1, 0, 1), 0);
	assert_true(exists(fpath, "cut-0-1"));
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), 0);
	assert_true(st.cut_mask == 2);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.cut_mask == 1);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(wait_link(d1, 0, 0), 0);
	o[0] = 2;
	o[1] = 3;
	assert_true(in[0] == 1);
	assert_true(in[1] == 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(d1, 0, 1), -ENOLINK);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(d0, 0, 0, 1), -ENOLINK);

	/* The cut outlives a restart of either host. */
	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.cut_mask == 1);
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_true(stays_down(d0, d1, 30));
	/* Same outbound address for host 0 of the new host 1. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out0, &size), 0);
	o = out0;

	/* Restore: up again, the window shows the peer's memory. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 1, 0), 0);
	assert_false(exists(fpath, "cut-0-1"));
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(wait_link(d1, 0, 1), 0);
	assert_true(o[0] == 1);
	o[1] = 4;
	assert_true(in[1] == 4);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 0, &st), 0);
	assert_true(st.cut_mask == 0);

	/* Restoring twice, cutting a host that is not there. */
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 1, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 5, 1), 0);
	assert_true(exists(fpath, "cut-0-5"));
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 5, 0, 0), 0);
	assert_false(exists(fpath, "cut-0-5"));
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 0, 1), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, 0, 64, 1), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_link_cut(fpath, -1, 1, 1), -EINVAL);
	assert_int_equal(rte_pmd_ntb_shm_link_cut("/dev/shm/no-such-fabric-dir",
		0, 1, 1), -ENOENT);
}

static void
test_liveness_uninit(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	struct rte_marlin_ntb_link l;
	void *out, *out2, *in;
	size_t size, len;
	uint64_t e1;
	int d0, d1;

	(void)state;
	two_hosts_up(",mw_size=64K", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 1, &out, &size), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d0, 0, &l), 0);
	e1 = l.peer_epoch;
	assert_true(e1 != 0);

	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -ENOENT);
	memset(out, 0xee, 64); /* lands in the sink, never faults */

	assert_int_equal(vdev("ntb_shm1", "fabric=" FABRIC ",host=1,hosts=2,mw_size=64K"), 0);
	d1 = dev_id("ntb_shm1");
	assert_int_equal(rte_marlin_ntb_link_enable(d1, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(d0, 0, 1), 0);
	assert_int_equal(rte_marlin_ntb_link_get(d0, 0, &l), 0);
	assert_true(l.peer_epoch != 0);
	assert_true(l.peer_epoch != e1);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	assert_true(st.epoch == l.peer_epoch);

	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d0, 0, 1, &out2, &size), 0);
	assert_ptr_equal(out2, out);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 1, 0, &in, &len), 0);
	assert_int_equal(((uint8_t *)in)[0], 0);
	memset(out, 0x3c, 64);
	assert_int_equal(((uint8_t *)in)[63], 0x3c);
}

/* rte_vdev_uninit() of a device a user holds: the peer sees the link drop
 * at the holder's next poll, the holder's windows stay mapped and its files
 * stay until it lets go; then they are gone. */
static void
test_uninit_while_held(void **state)
{
	struct rte_pmd_ntb_shm_host_state st;
	void *out, *in;
	size_t size, len;
	int d0, d1;

	(void)state;
	two_hosts_up(",mw_size=64K", &d0, &d1);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(d1, 0, 0, &out, &size), 0);
	assert_int_equal(rte_marlin_ntb_mw_alloc(d1, 0, 0, 0, &in, &len), 0);
	assert_int_equal(rte_marlin_ntb_user_get(d1), 0);

	assert_int_equal(rte_vdev_uninit("ntb_shm1"), 0);
	assert_int_equal(rte_marlin_ntb_get_by_name("ntb_shm1"), -ENODEV);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);
	memset(out, 0x5a, 64);                  /* still mapped: no fault */
	memset(in, 0xa5, 64);
	assert_true(rte_marlin_ntb_poll(d1) >= 1);   /* link-down event */
	assert_int_equal(rte_marlin_ntb_poll(d1), -ENODEV);
	assert_int_equal(wait_link(d0, 0, 0), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), 0);

	assert_int_equal(rte_marlin_ntb_user_put(d1), 0);
	assert_int_equal(rte_pmd_ntb_shm_host_state(fpath, 1, &st), -ENOENT);
	assert_int_equal(rte_marlin_ntb_user_put(d1), -ENODEV);
}


int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_two_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidx_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_needs_both_enabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_window_before_peer_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratchpads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_liveness_uninit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uninit_while_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_peer_files_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_over_stale_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_host_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devargs_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geometry_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mw_size_suffixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_not_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fabric_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlbfs, setup, teardown),
		cmocka_unit_test(test_places),
		cmocka_unit_test_setup_teardown(test_marlin_fabric_tool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_files, setup, teardown),
	};
	char prefix[64], runtime[PATH_MAX];
	char *eal_args[] = {
		argv[0], "-l", "0", "--no-pci", "--no-huge", "-m", "128",
		"--no-telemetry", prefix, "--log-level=lib.eal:error", NULL,
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut_ntb_shm_%d",
		(int)getpid());
	if (rte_eal_init(RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "EAL init failed: cannot run the ntb_shm tests\n");
		return 1;
	}
	snprintf(runtime, sizeof(runtime), "%s", rte_eal_get_runtime_dir());
	rc = cmocka_run_group_tests_name("ntb_shm", tests, NULL, NULL);
	rte_eal_cleanup();
	rm_tree(runtime);
	return rc;
}
