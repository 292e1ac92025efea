/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_intel on gen4 (Ice Lake, Sapphire Rapids, Granite Rapids) and gen1
 * (the errata paths) ports.
 */

#include "test_ntb_intel.h"

/* ---- gen4 ---- */

void
test_gen4_icx(void **state)
{
	struct rte_marlin_ntb_mw_align al;
	struct rte_pmd_ntb_intel_info hwinfo;
	struct rte_marlin_ntb_info info;
	uint64_t mask;
	void *p;
	int i;

	(void)state;
	assert_int_equal(pair_open(4, NTB_INTEL_ID_B2B_ICX, 0x04, BAR_SIZE, 0), 0);
	assert_int_equal(rte_marlin_ntb_info_get(P.id[1], &info), 0);
	assert_int_equal(info.topo, RTE_MARLIN_NTB_TOPO_B2B_DSD);
	assert_int_equal(info.db_valid_mask, UINT64_C(0xffffffff));
	assert_int_equal(rte_pmd_ntb_intel_info_get(P.id[0], &hwinfo), 0);
	assert_string_equal(hwinfo.chip, "Ice Lake-SP");
	assert_true(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_BAR_ALIGN);
	assert_int_equal(hwinfo.db_vectors, 33);
	assert_int_equal(rte_pmd_ntb_intel_db_vector_mask(P.id[0], 31, &mask), 0);
	assert_int_equal(mask, UINT64_C(1) << 31);
	for (i = 0; i < 33; i++)
		assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x50 + i, 1), i);
	/* Link held down after init. */
	assert_true(ntb_intel_model_peek(P.m, 0, 0xb050, 2) & 0x10);

	check_link(4, RTE_MARLIN_NTB_SPEED_GEN4);
	assert_true(ntb_intel_model_peek(P.m, 0, 0xb0d4, 4) & 0x8);

	assert_int_equal(rte_marlin_ntb_mw_get_align(P.id[0], 0, 0, &al), 0);
	assert_int_equal(al.addr_align, BAR_SIZE);
	assert_int_equal(rte_marlin_ntb_mw_alloc(P.id[0], 0, 1, BAR_SIZE / 2, &p,
		NULL), 0);
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x20, 8), (uintptr_t)p);
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x28, 8),
		UINT64_C(0x300000000000) + BAR_SIZE / 2);
	/* Base index = log2(size). */
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x76, 2), 19);
	assert_int_equal(rte_marlin_ntb_mw_free(P.id[0], 0, 1), 0);
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x76, 2), 0);
	/* Ice Lake wants power-of-two sizes. */
	assert_int_equal(rte_marlin_ntb_mw_alloc(P.id[0], 0, 1, 3 * 4096, &p,
		NULL), -EINVAL);
}

void
test_gen4_icx_ops(void **state)
{
	(void)state;
	assert_int_equal(pair_open(4, NTB_INTEL_ID_B2B_ICX, 0x04, BAR_SIZE, 0), 0);
	check_doorbells(UINT64_C(0xffffffff), UINT64_C(1) << 31);
	check_spads();
	check_window_data(4, BAR_SIZE / 2);
	check_window_errors(BAR_SIZE, 0x10);
}

void
test_gen4_icx_baseidx_readback(void **state)
{
	void *p;

	(void)state;
	assert_int_equal(pair_open(4, NTB_INTEL_ID_B2B_ICX, 0x04, BAR_SIZE, 0), 0);
	ntb_intel_model_stick(P.m, 0, 0x74);
	assert_int_equal(rte_marlin_ntb_mw_alloc(P.id[0], 0, 0, 0, &p, NULL), -EIO);
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x10, 8), 0);
}

void
test_gen4_spr(void **state)
{
	struct rte_marlin_ntb_mw_align al;
	struct rte_pmd_ntb_intel_info hwinfo;
	void *buf;
	char dummy;

	(void)state;
	assert_int_equal(pair_open(4, NTB_INTEL_ID_B2B_ICX, 0x20, BAR_SIZE, 0), 0);
	assert_int_equal(P.dev[1]->topo, RTE_MARLIN_NTB_TOPO_B2B_DSD);
	assert_int_equal(rte_pmd_ntb_intel_info_get(P.id[0], &hwinfo), 0);
	assert_string_equal(hwinfo.chip, "Sapphire Rapids");
	assert_false(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_BAR_ALIGN);
	/* Only page alignment; no base index register. */
	assert_int_equal(rte_marlin_ntb_mw_get_align(P.id[0], 0, 0, &al), 0);
	assert_int_equal(al.addr_align, 4096);
	buf = aligned_alloc(BAR_SIZE, BAR_SIZE);
	assert_non_null(buf);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(P.id[0], 0, 0, &dummy,
		(uintptr_t)buf + 8192, 3 * 4096), 0);
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x10, 8), (uintptr_t)buf + 8192);
	assert_int_equal(ntb_intel_model_peek(P.m, 0, 0x74, 2), 0);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(P.id[0], 0, 0, &dummy,
		(uintptr_t)buf + 100, 4096), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_clear_trans(P.id[0], 0, 0), 0);
	free(buf);
	check_doorbells(UINT64_C(0xffffffff), UINT64_C(1) << 31);
	check_window_data(4, BAR_SIZE);
}

void
test_gen4_gnr(void **state)
{
	struct rte_pmd_ntb_intel_info hwinfo;

	(void)state;
	assert_int_equal(pair_open(4, NTB_INTEL_ID_B2B_GNR, 0x01, BAR_SIZE, 0), 0);
	assert_int_equal(rte_pmd_ntb_intel_info_get(P.id[0], &hwinfo), 0);
	assert_string_equal(hwinfo.chip, "Granite Rapids");
	assert_int_equal(hwinfo.generation, 4);
	check_spads();
}

void
test_gen4_no_training(void **state)
{
	(void)state;
	assert_int_equal(pair_open(4, NTB_INTEL_ID_B2B_ICX, 0x04, BAR_SIZE, 0), 0);
	ntb_intel_model_no_training(P.m, 0);
	assert_int_equal(rte_marlin_ntb_link_enable(P.id[0],
		RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO), -EIO);
}

void
test_gen4_topology(void **state)
{
	(void)state;
	P.m = ntb_intel_model_create(4, NTB_INTEL_ID_B2B_ICX, 0x04, BAR_SIZE);
	assert_non_null(P.m);
	/* Root-port / transparent connection types. */
	ntb_intel_model_set_ppd(P.m, 0, 0x0100);
	assert_null(one_dev(0, "icx_topo"));
	assert_int_equal(rte_errno, EINVAL);
	ntb_intel_model_set_ppd(P.m, 0, 0x0000);
	assert_null(one_dev(0, "icx_topo"));
	/* An SPR-style DSD bit means nothing on Ice Lake: still USD. */
	ntb_intel_model_set_ppd(P.m, 0, 0x4200);
	P.dev[0] = one_dev(0, "icx_topo");
	assert_non_null(P.dev[0]);
	assert_int_equal(P.dev[0]->topo, RTE_MARLIN_NTB_TOPO_B2B_USD);
	rte_marlin_ntb_dev_release(P.dev[0]);
	P.dev[0] = NULL;
	/* Dead device. */
	ntb_intel_model_set_ppd(P.m, 0, UINT32_MAX);
	assert_null(one_dev(0, "icx_topo"));
	assert_int_equal(rte_errno, EIO);
}

/* ---- gen1 errata paths ---- */

void
test_gen1_window_workaround(void **state)
{
	struct rte_pmd_ntb_intel_info hwinfo;
	struct rte_marlin_ntb_info info;
	uint64_t bits;
	uint32_t v;

	(void)state;
	assert_int_equal(pair_open(1, NTB_INTEL_ID_B2B_HSX, 0, BAR_SIZE, 0), 0);
	assert_int_equal(rte_marlin_ntb_info_get(P.id[0], &info), 0);
	/* BAR4 is spent on the peer register view. */
	assert_int_equal(info.mw_count, 1);
	assert_int_equal(info.db_valid_mask, UINT64_C(0x7fff));
	assert_int_equal(rte_pmd_ntb_intel_info_get(P.id[0], &hwinfo), 0);
	assert_true(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_SDOORBELL_LOCKUP);
	assert_true(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_SB01BASE_LOCKUP);
	assert_false(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_B2BDOORBELL_BIT14);
	/* The link-side BAR4 of each port is disabled (size 0). */
	assert_int_equal(ntb_intel_model_cfg_peek(P.m, 0, 0xd3, 1), 0);
	check_link(1, RTE_MARLIN_NTB_SPEED_GEN3);

	/* Peer doorbells through the window: all 15 bits arrive, 14 too. */
	assert_int_equal(rte_marlin_ntb_peer_db_set(P.id[0], 0, 0x4001), 0);
	assert_int_equal(rte_marlin_ntb_db_read(P.id[1], &bits), 0);
	assert_int_equal(bits, 0x4001);
	assert_int_equal(rte_marlin_ntb_db_clear(P.id[1], 0x4001), 0);
	assert_int_equal(rte_marlin_ntb_db_read(P.id[1], &bits), 0);
	assert_int_equal(bits, 0);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(P.id[1], 0, 2, 0xbeef), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(P.id[0], 0, 2, &v), 0);
	assert_int_equal(v, 0xbeef);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(P.id[1], 0, 2, &v), 0);
	assert_int_equal(v, 0xbeef);
	check_window_data(1, BAR_SIZE / 2);
}

void
test_gen1_b2b_doorbell_bit14(void **state)
{
	struct rte_pmd_ntb_intel_info hwinfo;
	struct rte_marlin_ntb_info info;
	uint64_t bits;
	uint32_t v;

	(void)state;
	assert_int_equal(pair_open(1, NTB_INTEL_ID_B2B_SNB, 0, BAR_SIZE, 1), 0);
	assert_int_equal(rte_marlin_ntb_info_get(P.id[0], &info), 0);
	assert_int_equal(info.mw_count, 2);
	/* Bit 14 of the B2B doorbell is not mirrored: 14 doorbells. */
	assert_int_equal(info.db_valid_mask, UINT64_C(0x3fff));
	assert_int_equal(rte_pmd_ntb_intel_info_get(P.id[0], &hwinfo), 0);
	assert_true(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_B2BDOORBELL_BIT14);
	assert_false(hwinfo.errata & RTE_PMD_NTB_INTEL_ERRATUM_SB01BASE_LOCKUP);
	link_up_both();
	assert_int_equal(rte_marlin_ntb_peer_db_set(P.id[0], 0, 0x2001), 0);
	assert_int_equal(rte_marlin_ntb_db_read(P.id[1], &bits), 0);
	assert_int_equal(bits, 0x2001);
	assert_int_equal(rte_marlin_ntb_peer_db_set(P.id[0], 0, 0x4000), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(P.id[0], 0, 9, 42), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(P.id[1], 0, 9, &v), 0);
	assert_int_equal(v, 42);
	check_window_data(1, BAR_SIZE);
}

void
test_gen1_small_bar4(void **state)
{
	struct ntb_intel_hw tmpl;

	(void)state;
	P.m = ntb_intel_model_create(1, NTB_INTEL_ID_B2B_BDX, 0, BAR_SIZE);
	assert_non_null(P.m);
	ntb_intel_model_template(P.m, 0, &tmpl);
	tmpl.bar[4].len = 16384; /* BIOS set BAR4 below the 32 KiB needed */
	rte_errno = 0;
	assert_null(ntb_intel_dev_create("bdx_small", &tmpl));
	assert_int_equal(rte_errno, EINVAL);
	/* Without the register window it is usable. */
	tmpl.args.b2b_doorbell_reg = 1;
	P.dev[0] = ntb_intel_dev_create("bdx_small", &tmpl);
	assert_non_null(P.dev[0]);
	/* Split BAR refused. */
	ntb_intel_model_set_ppd(P.m, 1, 0x41);
	assert_null(one_dev(1, "bdx_split"));
	assert_int_equal(rte_errno, EINVAL);
}
