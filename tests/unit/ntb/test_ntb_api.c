/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * NTB class unit tests: The device table (allocate, look up, full table) and the argument checks of
 * every public call (unknown devices, bad indices, missing optional ops).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "ntb_class_fake.h"

/* ---- device table ------------------------------------------------------- */

static void
test_allocate_and_lookup(void **state)
{
	struct rte_marlin_ntb_dev *a, *b;
	struct rte_marlin_ntb_info info;
	struct rte_marlin_ntb_ops bad = full_ops;
	char longname[RTE_MARLIN_NTB_NAME_LEN + 8];

	(void)state;
	assert_int_equal(rte_marlin_ntb_count(), 0);
	a = new_dev("fake_a", &full_ops);
	b = new_dev("fake_b", &min_ops);
	assert_int_equal(rte_marlin_ntb_count(), 2);
	assert_int_equal(rte_marlin_ntb_get_by_name("fake_a"), a->dev_id);
	assert_int_equal(rte_marlin_ntb_get_by_name("fake_b"), b->dev_id);
	assert_int_equal(rte_marlin_ntb_get_by_name("nope"), -ENODEV);
	assert_int_equal(rte_marlin_ntb_get_by_name(NULL), -EINVAL);
	assert_true(rte_marlin_ntb_is_valid(a->dev_id));
	assert_false(rte_marlin_ntb_is_valid(RTE_MARLIN_NTB_MAX_DEVS));
	assert_ptr_equal(rte_marlin_ntb_dev_get("fake_b"), b);

	/* duplicate name, bad names, bad ops */
	assert_null(rte_marlin_ntb_dev_allocate("fake_a", "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EEXIST);
	assert_null(rte_marlin_ntb_dev_allocate("", "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_marlin_ntb_dev_allocate(NULL, "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(rte_marlin_ntb_dev_allocate(longname, "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EINVAL);
	bad.link_is_up = NULL;
	assert_null(rte_marlin_ntb_dev_allocate("fake_c", "fake", &bad, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_marlin_ntb_count(), 2);

	assert_int_equal(rte_marlin_ntb_info_get(a->dev_id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_info_get(a->dev_id, &info), 0);
	assert_string_equal(info.name, "fake_a");
	assert_string_equal(info.driver, "fake");
	assert_int_equal(info.port, 1);
	assert_int_equal(info.peer_count, FAKE_PEERS);
	assert_int_equal(info.mw_count, FAKE_MW);
	assert_int_equal(info.spad_count, FAKE_SPADS);
	assert_int_equal(info.msg_count, 0);
	assert_true(info.db_valid_mask == 0xffff);
	assert_int_equal(rte_marlin_ntb_info_get(b->dev_id, &info), 0);
	assert_int_equal(info.spad_count, 0);

	assert_int_equal(rte_marlin_ntb_dev_release(a), 0);
	assert_int_equal(rte_marlin_ntb_dev_release(b), 0);
	assert_int_equal(rte_marlin_ntb_dev_release(NULL), 0);
	assert_int_equal(rte_marlin_ntb_count(), 0);
	assert_int_equal(rte_marlin_ntb_info_get(a->dev_id, &info), -ENODEV);
}

static void
test_table_full(void **state)
{
	struct rte_marlin_ntb_dev *devs[RTE_MARLIN_NTB_MAX_DEVS];
	char name[32];
	int i, closed = 0;

	(void)state;
	g_close_counter = &closed;
	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++) {
		snprintf(name, sizeof(name), "full%d", i);
		devs[i] = new_dev(name, &full_ops);
	}
	assert_null(rte_marlin_ntb_dev_allocate("onemore", "fake", &full_ops, 0));
	assert_int_equal(rte_errno, ENOSPC);
	/* a freed slot is reused */
	assert_int_equal(rte_marlin_ntb_dev_release(devs[5]), 0);
	devs[5] = new_dev("again", &full_ops);
	assert_int_equal(devs[5]->dev_id, 5);
	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++)
		assert_int_equal(rte_marlin_ntb_dev_release(devs[i]), 0);
	assert_int_equal(closed, RTE_MARLIN_NTB_MAX_DEVS + 1);
	g_close_counter = NULL;
}

/* ---- argument checks of the public API ---------------------------------- */

static void
test_unknown_device(void **state)
{
	const uint16_t id = RTE_MARLIN_NTB_MAX_DEVS - 1;
	struct rte_marlin_ntb_mw_align al;
	struct rte_marlin_ntb_link link;
	uint64_t u64;
	uint32_t u32;
	void *p;
	size_t sz;
	int pi;

	(void)state;
	assert_int_equal(rte_marlin_ntb_port_number(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_port_count(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 0), -ENODEV);
	assert_true(rte_marlin_ntb_link_is_up(id, NULL, NULL) == -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_get(id, 0, &link), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_disable(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_count(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, 0, &al), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, &al, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_clear_trans(id, 0, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, 0, &p, &sz), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_mw_count(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, 0, &p, &sz), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_valid_mask(id, &u64), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_read(id, &u64), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_clear(id, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, &u64), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_spad_count(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, 0, &u32), -ENODEV);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, &u32), -ENODEV);
	assert_int_equal(rte_marlin_ntb_msg_count(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_msg_read(id, 0, &pi, &u32), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_msg_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, NULL, NULL), -ENODEV);
	assert_int_equal(rte_marlin_ntb_poll(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_wait(id, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_port_number(UINT16_MAX), -ENODEV);
}

static void
test_bad_indices(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("idx", &full_ops);
	uint16_t id = dev->dev_id;
	struct rte_marlin_ntb_mw_align al;
	struct rte_marlin_ntb_link link;
	uint32_t v;
	void *p;
	size_t sz;

	(void)state;
	/* peers */
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, -1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, FAKE_PEERS), -EINVAL);
	assert_int_equal(rte_marlin_ntb_link_get(id, FAKE_PEERS, &link), -EINVAL);
	assert_int_equal(rte_marlin_ntb_link_get(id, 0, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_count(id, -1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_mw_count(id, FAKE_PEERS), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, FAKE_PEERS, 1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_link_wait(id, -1, 1), -EINVAL);
	/* windows */
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, FAKE_MW, &al), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, -1, &al), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, 0, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, FAKE_MW, &al, 0, 64), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, NULL, 0, 64), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, &al, 0, 0), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_clear_trans(id, 0, FAKE_MW), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, FAKE_MW, 0, &p, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, 0, NULL, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, (2 << 20), &p, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 0), -ENOENT);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, FAKE_MW, &p, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, 0, NULL, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, 0, &p, NULL), -EINVAL);
	/* doorbells: bits outside the valid mask, NULL outputs */
	assert_int_equal(rte_marlin_ntb_db_clear(id, 1ULL << 20), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 1ULL << 40), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 1ULL << 63), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1ULL << 16), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_read(id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_valid_mask(id, NULL), -EINVAL);
	/* scratchpads */
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, FAKE_SPADS, &v), -EINVAL);
	assert_int_equal(rte_marlin_ntb_spad_read(id, FAKE_PEERS, 0, &v), -EINVAL);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, 0, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 0, -1, 0), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, FAKE_SPADS, 0), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, NULL), -EINVAL);
	/* ports */
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 1), -EINVAL); /* our own */
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, -3), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, FAKE_PEERS + 1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

/* A device without the optional groups answers -ENOTSUP, never crashes. */
static void
test_missing_ops_enotsup(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("minimal", &min_ops);
	uint16_t id = dev->dev_id;
	uint64_t m;
	uint32_t v;
	int pidx;

	(void)state;
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, &m), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_spad_count(id), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, 0, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 0, 0, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, 0, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_msg_count(id), 0);
	assert_int_equal(rte_marlin_ntb_msg_read(id, 0, &pidx, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_peer_msg_write(id, 0, 0, 1), -ENOTSUP);
	/* ranges: arguments checked first, then -ENOTSUP without the ops */
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 0, 4096,
		RTE_MARLIN_NTB_MW_READ), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_mw_unexpose(id, 0, 0, 0, 4096), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 100, 4096,
		RTE_MARLIN_NTB_MW_READ), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 0, 0,
		RTE_MARLIN_NTB_MW_READ), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, SIZE_MAX - 4095,
		8192, RTE_MARLIN_NTB_MW_READ), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_expose(id, 0, 0, 0, 4096,
		RTE_MARLIN_NTB_MW_WRITE), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_unexpose(id, 0, 0, 4096, 10), -EINVAL);
	/* a full device's spad group works, peer_spad_read stays optional */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	dev = new_dev("full", &full_ops);
	id = dev->dev_id;
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 2, 3, 0xabcd), 0);
	assert_int_equal(((struct fake_priv *)dev->priv)->peer_spad[2][3], 0xabcd);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 1, 0, 7), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 1, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

static void
test_ports_default_numbering(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("ports", &full_ops);
	uint16_t id = dev->dev_id;

	(void)state;
	/* local port 1, peers at ports 0, 2, 3 */
	assert_int_equal(rte_marlin_ntb_port_number(id), 1);
	assert_int_equal(rte_marlin_ntb_peer_port_count(id), FAKE_PEERS);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 1), 2);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 2), 3);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 2), 1);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 3), 2);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

const struct CMUnitTest ntb_api_tests[] = {
	cmocka_unit_test(test_allocate_and_lookup),
	cmocka_unit_test(test_table_full),
	cmocka_unit_test(test_unknown_device),
	cmocka_unit_test(test_bad_indices),
	cmocka_unit_test(test_missing_ops_enotsup),
	cmocka_unit_test(test_ports_default_numbering),
};
const size_t ntb_api_tests_n = RTE_DIM(ntb_api_tests);
