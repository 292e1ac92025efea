/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the NTB device class, one program over one EAL: ops
 * validation (test_ntb_ops.c), device table and argument checks
 * (test_ntb_api.c), windows, link and events (test_ntb_events.c), device
 * lifetime (test_ntb_lifetime.c). The fake driver they share, which records
 * what the class asks of it, is ntb_class_fake.c. The groups run in this
 * order: each leaves the device table empty for the next.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "ntb_class_fake.h"

/* cmocka_run_group_tests() for a group defined in another file */
#define RUN_GROUP(g) _cmocka_run_group_tests(#g, g, g##_n, NULL, NULL)

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "64", "--no-shconf",
		"--file-prefix=ut_ntb_class", "--log-level=lib.marlin.*:error",
		"-l", "0",
	};
	int rc;

	(void)argc;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = RUN_GROUP(ntb_ops_tests);
	rc += RUN_GROUP(ntb_api_tests);
	rc += RUN_GROUP(ntb_events_tests);
	rc += RUN_GROUP(ntb_lifetime_tests);
	rte_eal_cleanup();
	return rc;
}
