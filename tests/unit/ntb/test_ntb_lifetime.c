/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * NTB class unit tests: Device lifetime: removed while users hold it, users without removal.
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

/*
 * The teardown rule: a device removed while users hold it is gone for them
 * (link-down events, then -ENODEV; its link disabled so that peers see it
 * drop) but stays in memory, windows included, until the last user lets go;
 * only then does the driver close it.
 */
static void
test_removed_while_used(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("held", &full_ops), *again;
	struct fake_priv *fp = dev->priv;
	uint16_t id = dev->dev_id;
	struct rte_marlin_ntb_link link;
	struct ev_log log = { 0 };
	int closed = 0, before = rte_marlin_ntb_count();
	void *win = NULL;
	size_t len = 0;

	(void)state;
	g_close_counter = &closed;
	assert_int_equal(rte_marlin_ntb_user_put(id), -EINVAL);  /* no user */
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, record_ev, &log), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, 4096, &win, &len), 0);
	fp->link_mask = 0x5;
	assert_int_equal(rte_marlin_ntb_poll(id), 2);
	assert_int_equal(rte_marlin_ntb_user_get(id), 0);
	assert_int_equal(rte_marlin_ntb_user_get(id), 0);
	assert_int_equal(rte_marlin_ntb_dev_users(dev), 2);

	/* removed (driver remove, rte_eal_cleanup): kept, but gone */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	assert_int_equal(closed, 0);
	assert_int_equal(fp->close_calls, 0);
	assert_int_equal(fp->clear_trans_calls, 0);
	memset(win, 0xab, len);                  /* windows still mapped */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), -EINVAL);
	assert_int_equal(rte_marlin_ntb_get_by_name("held"), -ENODEV);
	assert_null(rte_marlin_ntb_dev_get("held"));
	assert_int_equal(rte_marlin_ntb_is_valid(id), 0);
	assert_int_equal(rte_marlin_ntb_count(), before - 1);
	assert_int_equal(rte_marlin_ntb_user_get(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_get(id, 0, &link), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, record_ev, &log),
			 -ENODEV);

	/* the next poll drops the link and reports it, once */
	assert_int_equal(fp->enabled, 1);
	assert_int_equal(rte_marlin_ntb_poll(id), 2);
	assert_int_equal(fp->enabled, 0);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.ev[2].type, RTE_MARLIN_NTB_EVENT_LINK);
	assert_int_equal(log.ev[2].pidx, 0);
	assert_int_equal(log.ev[2].link_up, 0);
	assert_int_equal(log.ev[3].pidx, 2);
	assert_int_equal(log.ev[3].link_up, 0);
	assert_int_equal(rte_marlin_ntb_poll(id), -ENODEV);
	assert_int_equal(log.n, 4);

	/* teardown calls of a user still work */
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 0), 0);
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, NULL, NULL), 0);

	/* the name is free for a new device meanwhile */
	again = new_dev("held", &full_ops);
	assert_int_not_equal(again->dev_id, id);
	assert_int_equal(rte_marlin_ntb_get_by_name("held"), again->dev_id);
	assert_int_equal(rte_marlin_ntb_dev_release(again), 0);
	assert_int_equal(closed, 1);
	closed = 0;

	/* freed with the last user, not before */
	assert_int_equal(rte_marlin_ntb_user_put(id), 0);
	assert_int_equal(closed, 0);
	assert_int_equal(fp->clear_trans_calls, 0);
	assert_int_equal(rte_marlin_ntb_user_put(id), 0);
	assert_int_equal(closed, 1);
	assert_int_equal(rte_marlin_ntb_user_put(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_count(), before - 1);
	g_close_counter = NULL;
}

/* Without users a removed device goes at once; users hold an unremoved
 * device without keeping it from closing later. */
static void
test_users_without_removal(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("plain", &full_ops);
	uint16_t id = dev->dev_id;
	int closed = 0;

	(void)state;
	g_close_counter = &closed;
	assert_int_equal(rte_marlin_ntb_user_get(id), 0);
	assert_int_equal(rte_marlin_ntb_user_put(id), 0);
	assert_int_equal(closed, 0);
	assert_int_equal(rte_marlin_ntb_is_valid(id), 1);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	assert_int_equal(closed, 1);
	assert_int_equal(rte_marlin_ntb_user_get(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_user_get(RTE_MARLIN_NTB_MAX_DEVS), -ENODEV);
	assert_int_equal(rte_marlin_ntb_user_put(RTE_MARLIN_NTB_MAX_DEVS), -ENODEV);
	assert_int_equal(rte_marlin_ntb_dev_users(NULL), -EINVAL);
	g_close_counter = NULL;
}

const struct CMUnitTest ntb_lifetime_tests[] = {
	cmocka_unit_test(test_removed_while_used),
	cmocka_unit_test(test_users_without_removal),
};
const size_t ntb_lifetime_tests_n = RTE_DIM(ntb_lifetime_tests);
