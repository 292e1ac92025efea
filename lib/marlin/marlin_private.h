/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef MARLIN_PRIVATE_H
#define MARLIN_PRIVATE_H

/* Internal to librte_marlin; never installed. */

#include <rte_log.h>

extern int marlin_ntb_logtype;

#define NTB_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, marlin_ntb_logtype, \
		"marlin.ntb: " fmt "\n", ##__VA_ARGS__)

#endif /* MARLIN_PRIVATE_H */
