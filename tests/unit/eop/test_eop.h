/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */
#ifndef TEST_EOP_H
#define TEST_EOP_H

/* The port tests (test_eop_ports.c), one cmocka group with its own EAL. */
int eop_unit_ports(void);

#endif
