/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef DMA_TEST_H
#define DMA_TEST_H

/* Shared by the DMA unit tests. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_marlin_dma.h"

/* rte_eal_init() with @eal_args; 0, or -1 after saying why on stderr. */
static inline int
dma_test_eal_init(int nb_args, char **eal_args)
{
	if (rte_eal_init(nb_args, eal_args) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Configure engine @id with @nb_queues queues of @nb_desc descriptors and
 * @flags, then start it; 0 or the first call's negative errno. */
static inline int
dma_test_configure_start(int id, uint16_t nb_queues, uint32_t nb_desc,
		uint64_t flags)
{
	struct rte_marlin_dma_conf c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.nb_queues = nb_queues;
	c.nb_desc = nb_desc;
	c.flags = flags;
	rc = rte_marlin_dma_configure(id, &c);
	if (rc == 0)
		rc = rte_marlin_dma_start(id);
	return rc;
}

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
