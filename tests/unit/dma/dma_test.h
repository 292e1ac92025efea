/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef DMA_TEST_H
#define DMA_TEST_H

/* Shared by the DMA unit tests. */

#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

/* rte_eal_cleanup(), then remove the (empty, --no-shconf) runtime
 * directory EAL made for this test's file prefix. */
static inline void
dma_test_eal_cleanup(void)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (dir[0] != '\0')
		(void)rmdir(dir);
}

#endif /* DMA_TEST_H */
