/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * NTB class unit tests: Ops table validation: mandatory ops, pairs, gaps filled with -ENOTSUP stubs.
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

/* ---- ops validation ----------------------------------------------------- */

static void
test_validate_full_and_min(void **state)
{
	struct rte_marlin_ntb_ops out;

	(void)state;
	assert_int_equal(rte_marlin_ntb_ops_validate(&full_ops, &out), 0);
	assert_ptr_equal(out.spad_read, full_ops.spad_read);
	assert_non_null(out.msg_read);
	assert_non_null(out.poll);

	assert_int_equal(rte_marlin_ntb_ops_validate(&min_ops, &out), 0);
	/* every gap is filled */
	assert_non_null(out.db_set_mask);
	assert_non_null(out.spad_read);
	assert_non_null(out.peer_msg_write);
	assert_non_null(out.mw_alloc);
	assert_non_null(out.close);
	assert_int_equal(rte_marlin_ntb_ops_validate(NULL, &out), -EINVAL);
	assert_int_equal(rte_marlin_ntb_ops_validate(&min_ops, NULL), -EINVAL);
}

/* Each mandatory op, removed in turn, makes the table invalid. */
static void
test_validate_each_mandatory(void **state)
{
	static const size_t mandatory[] = {
		offsetof(struct rte_marlin_ntb_ops, port_number),
		offsetof(struct rte_marlin_ntb_ops, peer_port_count),
		offsetof(struct rte_marlin_ntb_ops, link_is_up),
		offsetof(struct rte_marlin_ntb_ops, link_enable),
		offsetof(struct rte_marlin_ntb_ops, link_disable),
		offsetof(struct rte_marlin_ntb_ops, mw_count),
		offsetof(struct rte_marlin_ntb_ops, mw_get_align),
		offsetof(struct rte_marlin_ntb_ops, peer_mw_count),
		offsetof(struct rte_marlin_ntb_ops, peer_mw_get_addr),
		offsetof(struct rte_marlin_ntb_ops, db_valid_mask),
		offsetof(struct rte_marlin_ntb_ops, db_read),
		offsetof(struct rte_marlin_ntb_ops, db_clear),
		offsetof(struct rte_marlin_ntb_ops, peer_db_set),
	};
	struct rte_marlin_ntb_ops in, out;
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(mandatory); i++) {
		in = full_ops;
		memset((char *)&in + mandatory[i], 0, sizeof(void *));
		assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);
	}
}

static void
test_validate_pairs(void **state)
{
	struct rte_marlin_ntb_ops in, out;

	(void)state;
	in = full_ops;
	in.mw_clear_trans = NULL;              /* half a pair */
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = full_ops;
	in.db_clear_mask = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = min_ops;
	in.db_read_mask = full_ops.db_read_mask;    /* needs set/clear mask */
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = full_ops;
	in.spad_read = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = full_ops;
	in.peer_spad_write = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = min_ops;
	in.spad_write = full_ops.spad_write;        /* without spad_count & co */
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = min_ops;                          /* neither set_trans nor alloc */
	in.mw_set_trans = NULL;
	in.mw_clear_trans = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);
}

const struct CMUnitTest ntb_ops_tests[] = {
	cmocka_unit_test(test_validate_full_and_min),
	cmocka_unit_test(test_validate_each_mandatory),
	cmocka_unit_test(test_validate_pairs),
};
const size_t ntb_ops_tests_n = RTE_DIM(ntb_ops_tests);
