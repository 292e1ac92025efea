/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * NTB class unit tests: Default window allocation, peer windows, link state and the events a poll
 * dispatches (link, doorbells, masks).
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

/* ---- windows ------------------------------------------------------------ */

static void
test_mw_alloc_default(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("mw", &full_ops);
	struct fake_priv *fp = dev->priv;
	uint16_t id = dev->dev_id;
	void *a = NULL, *b = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 1, 10000, &a, &len), 0);
	assert_non_null(a);
	assert_int_equal(len, 12288);                 /* rounded to size_align */
	assert_int_equal(((uintptr_t)a) % 4096, 0);   /* addr_align */
	assert_int_equal(fp->set_trans_calls, 1);
	assert_int_equal(fp->last_size, 12288);
	assert_true(fp->last_iova == rte_mem_virt2iova(a));
	memset(a, 0x5a, len);                         /* memory is usable */

	/* same window again: same memory, no new translation */
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 1, 4096, &b, NULL), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(fp->set_trans_calls, 1);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 1, 1 << 20, &b, NULL), -EBUSY);

	/* whole window by default */
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 2, 0, 0, &b, &len), 0);
	assert_int_equal(len, 1 << 20);

	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 1), 0);
	assert_int_equal(fp->clear_trans_calls, 1);
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 1), -ENOENT);

	/* a translation the device refuses releases the memory */
	fp->set_trans_rc = -EIO;
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 1, 0, 4096, &a, NULL), -EIO);
	fp->set_trans_rc = 0;
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 1, 0, 4096, &a, NULL), 0);

	/* release clears what is left (the window of pidx 2 and pidx 1) */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	assert_null(rte_memzone_lookup("mln_mw_0_2_0"));
}

static void
test_peer_mw(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("pmw", &full_ops);
	void *base;
	size_t size;

	(void)state;
	assert_int_equal(rte_marlin_ntb_peer_mw_count(dev->dev_id, 0), FAKE_MW);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(dev->dev_id, 1, 1, &base,
			&size), 0);
	assert_ptr_equal(base, fake_aperture[1]);
	assert_int_equal(size, 4096);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

/* ---- link and events ---------------------------------------------------- */

static void
test_link_and_events(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("ev", &full_ops);
	struct fake_priv *fp = dev->priv;
	uint16_t id = dev->dev_id;
	enum rte_marlin_ntb_speed sp;
	enum rte_marlin_ntb_width wd;
	struct rte_marlin_ntb_link link;
	struct ev_log log = { 0 };
	uint64_t bits;

	(void)state;
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, record_ev, &log), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(fp->enabled, 1);

	/* nothing changed, nothing reported */
	assert_int_equal(rte_marlin_ntb_poll(id), 0);
	assert_true(rte_marlin_ntb_link_is_up(id, &sp, &wd) == 0);
	assert_int_equal(sp, RTE_MARLIN_NTB_SPEED_NONE);
	assert_int_equal(rte_marlin_ntb_link_wait(id, 0, 5), -ETIMEDOUT);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1), -ENOLINK);

	/* peers 0 and 2 come up: two events */
	fp->link_mask = 0x5;
	assert_int_equal(rte_marlin_ntb_poll(id), 2);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ev[0].type, RTE_MARLIN_NTB_EVENT_LINK);
	assert_int_equal(log.ev[0].pidx, 0);
	assert_int_equal(log.ev[0].link_up, 1);
	assert_int_equal(log.ev[1].pidx, 2);
	assert_true(rte_marlin_ntb_link_is_up(id, &sp, &wd) == 0x5);
	assert_int_equal(sp, RTE_MARLIN_NTB_SPEED_GEN3);
	assert_int_equal(wd, RTE_MARLIN_NTB_WIDTH_8);
	assert_int_equal(rte_marlin_ntb_link_get(id, 2, &link), 0);
	assert_int_equal(link.up, 1);
	assert_true(link.peer_epoch == 42);
	assert_int_equal(rte_marlin_ntb_link_wait(id, 2, 5), 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 2, 0x30), 0);
	assert_true(fp->peer_db[2] == 0x30);

	/* doorbell: reported once until cleared */
	fp->db = 0x11;
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_int_equal(log.ev[2].type, RTE_MARLIN_NTB_EVENT_DB);
	assert_true(log.ev[2].db_bits == 0x11);
	assert_int_equal(rte_marlin_ntb_poll(id), 0);
	assert_int_equal(rte_marlin_ntb_db_read(id, &bits), 0);
	assert_true(bits == 0x11);
	assert_int_equal(rte_marlin_ntb_db_clear(id, 0x11), 0);
	assert_int_equal(rte_marlin_ntb_db_read(id, &bits), 0);
	assert_true(bits == 0);
	fp->db = 0x1;                                /* rung again */
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_true(log.ev[3].db_bits == 0x1);
	assert_int_equal(rte_marlin_ntb_db_clear(id, 0x1), 0);

	/* masked bits raise nothing until unmasked */
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 0x4), 0);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, &bits), 0);
	assert_true(bits == 0x4);
	fp->db = 0x4;
	assert_int_equal(rte_marlin_ntb_poll(id), 0);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 0x4), 0);
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_true(log.ev[4].db_bits == 0x4);

	/* link down of peer 0 */
	fp->link_mask = 0x4;
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_int_equal(log.ev[5].type, RTE_MARLIN_NTB_EVENT_LINK);
	assert_int_equal(log.ev[5].pidx, 0);
	assert_int_equal(log.ev[5].link_up, 0);

	/* without a callback events are still counted */
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, NULL, NULL), 0);
	fp->link_mask = 0;
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_int_equal(log.n, 6);

	assert_int_equal(rte_marlin_ntb_link_disable(id), 0);
	assert_int_equal(fp->enabled, 0);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

const struct CMUnitTest ntb_events_tests[] = {
	cmocka_unit_test(test_mw_alloc_default),
	cmocka_unit_test(test_peer_mw),
	cmocka_unit_test(test_link_and_events),
};
const size_t ntb_events_tests_n = RTE_DIM(ntb_events_tests);
