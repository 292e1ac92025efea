/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the DMA engine class, one program over one EAL: layout, ops
 * validation and engine table (test_dma_ops.c), configuration and state
 * (test_dma_config.c), fast-path dispatch (test_dma_dispatch.c), statistics,
 * mem_iova and dump (test_dma_stats.c), all against the fake driver of
 * dma_class_fake.c. Built twice: plain, and with RTE_MARLIN_DEBUG for the
 * fast-path argument checks.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "dma_test.h"
#include "dma_class_fake.h"

/* cmocka_run_group_tests() for a group defined in another file */
#define RUN_GROUP(g) _cmocka_run_group_tests(#g, g, g##_n, NULL, NULL)

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "64", "--no-shconf", "--no-telemetry",
#ifdef RTE_MARLIN_DEBUG
		"--file-prefix=ut_dma_class_dbg",
#else
		"--file-prefix=ut_dma_class",
#endif
		"--log-level=lib.marlin.*:critical", "-l", "0",
	};
	int rc;

	(void)argc;
	if (dma_test_eal_init(RTE_DIM(eal_args), eal_args) != 0)
		return 1;
	rc = RUN_GROUP(dma_ops_tests);
	rc += RUN_GROUP(dma_config_tests);
	rc += RUN_GROUP(dma_dispatch_tests);
	rc += RUN_GROUP(dma_stats_tests);
	dma_test_eal_cleanup();
	return rc;
}
