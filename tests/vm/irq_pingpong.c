/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * VM test helper: doorbell ping-pong between two guests in which both ends
 * sleep in rte_pmd_ntb_ivshmem_intr_wait() (epoll on the MSI-X event fds)
 * instead of spinning. Port 0 rings bit 0 and sleeps until bit 1; port 1
 * sleeps until bit 0 and rings bit 1.
 *
 *   marlin-vm-irq-pingpong <EAL args> -- DEVICE ROUNDS
 *
 * Prints "irq_pingpong: N rounds, W sleeps woken, T timeouts" and exits 0
 * when all rounds completed and most sleeps ended by an interrupt.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include <rte_marlin_ntb.h>
#include <rte_pmd_ntb_ivshmem.h>

#define WAIT_MS 1000
#define GIVE_UP_MS 60000

static int woken, timeouts;

/* Wait for doorbell @p bit, sleeping on interrupts; clear it. */
static int
await(uint16_t id, uint64_t bit)
{
	uint64_t bits;
	int rc, slept = 0;

	for (;;) {
		if (rte_marlin_ntb_db_read(id, &bits) == 0 && (bits & bit)) {
			rte_marlin_ntb_db_clear(id, bit);
			return 0;
		}
		if (slept >= GIVE_UP_MS) {
			fprintf(stderr, "irq_pingpong: no doorbell for %d ms\n",
				GIVE_UP_MS);
			return -ETIMEDOUT;
		}
		rc = rte_pmd_ntb_ivshmem_intr_wait(id, WAIT_MS);
		if (rc < 0) {
			fprintf(stderr, "irq_pingpong: intr_wait: %s\n",
				strerror(-rc));
			return rc;
		}
		if (rc == 0) {
			timeouts++;
			slept += WAIT_MS;
		} else {
			woken++;
		}
		rte_marlin_ntb_poll(id);
	}
}

int
main(int argc, char **argv)
{
	int n, id, rc, port, i, rounds;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "irq_pingpong: EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc != 3 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: marlin-vm-irq-pingpong <EAL args> -- DEVICE ROUNDS\n");
		rte_eal_cleanup();
		return 2;
	}
	id = rte_marlin_ntb_get_by_name(argv[1]);
	rc = id < 0 ? id : rte_marlin_ntb_db_clear_mask(id, 3);
	if (rc == 0)
		rc = rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc == 0)
		rc = rte_marlin_ntb_link_wait(id, 0, GIVE_UP_MS);
	if (rc != 0) {
		fprintf(stderr, "irq_pingpong: %s: %s\n", argv[1], strerror(-rc));
		rte_eal_cleanup();
		return 1;
	}
	port = rte_marlin_ntb_port_number(id);
	for (i = 0; i < rounds && rc == 0; i++) {
		if (port == 0) {
			rc = rte_marlin_ntb_peer_db_set(id, 0, 1);
			if (rc == 0)
				rc = await(id, 2);
		} else {
			rc = await(id, 1);
			if (rc == 0)
				rc = rte_marlin_ntb_peer_db_set(id, 0, 2);
		}
	}
	printf("irq_pingpong: port %d, %d rounds, %d sleeps woken, %d timeouts%s\n",
		port, i, woken, timeouts, rc != 0 ? " (failed)" : "");
	rte_marlin_ntb_link_disable(id);
	rte_eal_cleanup();
	/* Every round needs at least one wake-up or a pending bit; most
	 * sleeps must end by an interrupt, not by the timeout. */
	return rc == 0 && i == rounds && woken > 0 && timeouts <= rounds / 10 ?
		0 : 1;
}
