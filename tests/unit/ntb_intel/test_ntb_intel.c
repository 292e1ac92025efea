/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_intel driver against the register model of two back-to-back ports:
 * every class op of gen3 and gen4, the gen1 errata paths, the error paths
 * (alignment, BAR too small, topology, unknown id, register read-back) and
 * an HRDMA-style scratchpad + doorbell bring-up between the two ports
 * through the NTB class API, followed by data through a window.
 */

#include "test_ntb_intel.h"

struct pair P;
void (*pair_tmpl_hook)(int port, struct ntb_intel_hw *tmpl);

int
pair_open(int gen, uint16_t devid, uint8_t rev, uint64_t bar_size,
		int b2b_doorbell_reg)
{
	struct ntb_intel_hw tmpl;
	char name[32];
	int i;

	memset(&P, 0, sizeof(P));
	P.m = ntb_intel_model_create(gen, devid, rev, bar_size);
	if (P.m == NULL)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		ntb_intel_model_template(P.m, i, &tmpl);
		tmpl.args.b2b_doorbell_reg = b2b_doorbell_reg;
		if (pair_tmpl_hook != NULL)
			pair_tmpl_hook(i, &tmpl);
		snprintf(name, sizeof(name), "model_%x_%d", devid, i);
		P.dev[i] = ntb_intel_dev_create(name, &tmpl);
		if (P.dev[i] == NULL)
			return -rte_errno;
		P.id[i] = P.dev[i]->dev_id;
	}
	return 0;
}

int
pair_close(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		if (P.dev[i] != NULL)
			rte_marlin_ntb_dev_release(P.dev[i]);
		P.dev[i] = NULL;
	}
	ntb_intel_model_destroy(P.m);
	P.m = NULL;
	return 0;
}

/* Create one device on port @p port of the current model; NULL on error. */
struct rte_marlin_ntb_dev *
one_dev(int port, const char *name)
{
	struct ntb_intel_hw tmpl;

	ntb_intel_model_template(P.m, port, &tmpl);
	return ntb_intel_dev_create(name, &tmpl);
}

void
link_up_both(void)
{
	assert_int_equal(rte_marlin_ntb_link_enable(P.id[0],
		RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(P.id[1],
		RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_wait(P.id[0], 0, 100), 0);
	assert_int_equal(rte_marlin_ntb_link_wait(P.id[1], 0, 100), 0);
	/* Let the class take the link events now. */
	rte_marlin_ntb_poll(P.id[0]);
	rte_marlin_ntb_poll(P.id[1]);
}

/* ---- identification ---- */

static void
test_ids(void **state)
{
	const struct ntb_intel_gen_ops *gen = NULL;
	const char *name = NULL;
	int b2b = -1;

	(void)state;
	assert_int_equal(ntb_intel_chip_lookup(0x201C, 0, &gen, &name, &b2b),
		NTB_INTEL_CHIP_SKX);
	assert_ptr_equal(gen, &ntb_intel_gen3);
	assert_int_equal(b2b, 1);
	assert_int_equal(ntb_intel_chip_lookup(0x347E, 0x04, &gen, &name, NULL),
		NTB_INTEL_CHIP_ICX);
	assert_ptr_equal(gen, &ntb_intel_gen4);
	assert_int_equal(ntb_intel_chip_lookup(0x347E, 0x10, &gen, &name, NULL),
		NTB_INTEL_CHIP_SPR);
	assert_int_equal(ntb_intel_chip_lookup(0x0DB4, 0, &gen, &name, NULL),
		NTB_INTEL_CHIP_GNR);
	assert_ptr_equal(gen, &ntb_intel_gen4);
	assert_int_equal(ntb_intel_chip_lookup(0x6F0D, 0, &gen, &name, &b2b),
		NTB_INTEL_CHIP_BDX);
	assert_ptr_equal(gen, &ntb_intel_gen1);
	assert_int_equal(b2b, 1);
	assert_int_equal(ntb_intel_chip_lookup(0x3C0E, 0, NULL, NULL, &b2b),
		NTB_INTEL_CHIP_SNB);
	assert_int_equal(b2b, 0);
	assert_int_equal(ntb_intel_chip_lookup(0x1234, 0, NULL, NULL, NULL),
		NTB_INTEL_CHIP_UNKNOWN);
	assert_int_equal(ntb_intel_chip_lookup(0x347E, 0x01, NULL, NULL, NULL),
		NTB_INTEL_CHIP_UNKNOWN);
}

static void
test_bad_device_id(void **state)
{
	(void)state;
	/* A model that reports an id the driver does not know. */
	P.m = ntb_intel_model_create(3, 0x1234, 0, BAR_SIZE);
	assert_non_null(P.m);
	rte_errno = 0;
	assert_null(one_dev(0, "bad_id"));
	assert_int_equal(rte_errno, ENODEV);
	assert_int_equal(rte_marlin_ntb_get_by_name("bad_id"), -ENODEV);
}

static void
test_non_b2b_gen1_id(void **state)
{
	(void)state;
	/* Sandy Bridge primary-side id: not back to back. */
	P.m = ntb_intel_model_create(1, NTB_INTEL_ID_PS_SNB, 0, BAR_SIZE);
	assert_non_null(P.m);
	rte_errno = 0;
	assert_null(one_dev(0, "snb_ps"));
	assert_int_equal(rte_errno, EINVAL);
}


static void
test_not_ours(void **state)
{
	struct rte_pmd_ntb_intel_stats st;

	(void)state;
	assert_int_equal(rte_pmd_ntb_intel_stats_get(RTE_MARLIN_NTB_MAX_DEVS - 1,
		&st), -ENODEV);
	assert_int_equal(rte_pmd_ntb_intel_intr_enable(RTE_MARLIN_NTB_MAX_DEVS - 1),
		-ENODEV);
	assert_int_equal(pair_open(3, NTB_INTEL_ID_B2B_SKX, 0, BAR_SIZE, 0), 0);
	assert_int_equal(rte_pmd_ntb_intel_stats_get(P.id[0], NULL), -EINVAL);
}

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "256", "--iova-mode=va",
		"--file-prefix=ntb_intel_unit", "--log-level=pmd.ntb.intel:critical",
		"--log-level=lib.eal:error", "--log-level=lib.marlin.*:error",
		"-l", "0", NULL,
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test_teardown(test_bad_device_id, pair_close),
		cmocka_unit_test_teardown(test_non_b2b_gen1_id, pair_close),
		cmocka_unit_test_teardown(test_gen3_init, pair_close),
		cmocka_unit_test_teardown(test_gen3_link, pair_close),
		cmocka_unit_test_teardown(test_gen3_link_locked, pair_close),
		cmocka_unit_test_teardown(test_gen3_doorbells, pair_close),
		cmocka_unit_test_teardown(test_gen3_spads, pair_close),
		cmocka_unit_test_teardown(test_gen3_windows, pair_close),
		cmocka_unit_test_teardown(test_gen3_window_errors, pair_close),
		cmocka_unit_test_teardown(test_gen3_link_side_limit_readback, pair_close),
		cmocka_unit_test_teardown(test_gen3_topology, pair_close),
		cmocka_unit_test_teardown(test_gen3_bar_disabled, pair_close),
		cmocka_unit_test_teardown(test_gen4_icx, pair_close),
		cmocka_unit_test_teardown(test_gen4_icx_ops, pair_close),
		cmocka_unit_test_teardown(test_gen4_icx_baseidx_readback, pair_close),
		cmocka_unit_test_teardown(test_gen4_spr, pair_close),
		cmocka_unit_test_teardown(test_gen4_gnr, pair_close),
		cmocka_unit_test_teardown(test_gen4_no_training, pair_close),
		cmocka_unit_test_teardown(test_gen4_topology, pair_close),
		cmocka_unit_test_teardown(test_gen1_window_workaround, pair_close),
		cmocka_unit_test_teardown(test_gen1_b2b_doorbell_bit14, pair_close),
		cmocka_unit_test_teardown(test_gen1_small_bar4, pair_close),
		cmocka_unit_test_teardown(test_e2e_gen3, pair_close),
		cmocka_unit_test_teardown(test_e2e_gen4, pair_close),
		cmocka_unit_test_teardown(test_e2e_gen1, pair_close),
		cmocka_unit_test_teardown(test_hrdma_gen3, hrdma_close),
		cmocka_unit_test_teardown(test_hrdma_gen4, hrdma_close),
		cmocka_unit_test_teardown(test_not_ours, pair_close),
		cmocka_unit_test_setup_teardown(test_grant_revoke, grant_setup,
						grant_teardown),
		cmocka_unit_test_setup_teardown(test_grant_bad_args, grant_setup,
						grant_teardown),
		cmocka_unit_test_setup_teardown(test_grant_manager_restart,
						grant_setup, grant_teardown),
		cmocka_unit_test_setup_teardown(test_grant_ranges, grant_setup,
						grant_teardown),
	};
	int rc;

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("ntb_intel", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
