/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_ivshmem core over a buffer that stands in for the shared BAR2 and
 * two small buffers for the hosts' BAR0: link from epochs and heartbeats,
 * windows, doorbells (bytes and MSI-X doorbell register writes),
 * scratchpads across a restart, and peers that publish hostile values.
 */

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "../../../drivers/ntb/ivshmem/ivshmem_ops.c"
#include "../../../drivers/ntb/ivshmem/ivshmem_probe.c"

#define SHM_LEN (1u << 20)

static uint8_t *shm;
static uint32_t bar0[2][64];
static struct rte_marlin_ntb_dev *host[2];

static struct ivsh_params
params(int h)
{
	struct ivsh_params p = {
		.host = h, .hosts = 2, .mw_count = 2, .mw_size = 0,
		.spad_count = 8, .link_timeout_ms = 200, .wc = 0, .intr = 0,
	};
	return p;
}

static int
open_host(int h, const struct ivsh_params *p, struct rte_marlin_ntb_dev **out)
{
	struct ivsh_hw hw = { .bar2 = shm, .bar2_len = SHM_LEN,
			      .bar0 = (volatile uint8_t *)bar0[h], .doorbell = 1 };
	char name[32];
	struct rte_marlin_ntb_dev *dev;
	struct ivsh_dev *d;
	int rc;

	snprintf(name, sizeof(name), "ivsh_ut%d_%d", h, rand());
	dev = rte_marlin_ntb_dev_allocate(name, IVSH_DRIVER_NAME, &ivsh_ops,
		sizeof(struct ivsh_dev));
	assert_non_null(dev);
	d = dev->priv;
	d->dev = dev;
	d->epfd = -1;
	rc = ivsh_open(d, p, &hw, name);
	if (rc != 0) {
		rte_marlin_ntb_dev_release(dev);
		return rc;
	}
	*out = dev;
	return 0;
}

static int
setup(void **state)
{
	struct ivsh_params p0 = params(0), p1 = params(1);

	(void)state;
	shm = aligned_alloc(4096, SHM_LEN);
	if (shm == NULL)
		return -1;
	memset(shm, 0, SHM_LEN);
	memset(bar0, 0, sizeof(bar0));
	if (open_host(0, &p0, &host[0]) != 0 || open_host(1, &p1, &host[1]) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rte_marlin_ntb_dev_release(host[0]);
	rte_marlin_ntb_dev_release(host[1]);
	host[0] = host[1] = NULL;
	free(shm);
	return 0;
}

static struct ivsh_dev *
D(int h)
{
	return host[h]->priv;
}

/* Poll both hosts (or only @p only) until the link of host 0 is @p up. */
static int
wait_link(int up, int only)
{
	struct rte_marlin_ntb_link l;
	int i, h;

	for (i = 0; i < 2000; i++) {
		for (h = 0; h < 2; h++)
			if (only < 0 || only == h)
				rte_marlin_ntb_poll(host[h]->dev_id);
		rte_marlin_ntb_link_get(host[0]->dev_id, 0, &l);
		if (l.up == up)
			return 0;
		rte_delay_us_sleep(1000);
	}
	return -1;
}

static void
link_both(void)
{
	assert_int_equal(rte_marlin_ntb_link_enable(host[0]->dev_id,
		RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(host[1]->dev_id,
		RTE_MARLIN_NTB_SPEED_AUTO, RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(wait_link(1, -1), 0);
}

static void
test_link_and_windows(void **state)
{
	void *a, *b, *pa, *pb;
	size_t la, lb;

	(void)state;
	assert_int_equal(rte_marlin_ntb_port_number(host[0]->dev_id), 0);
	assert_int_equal(rte_marlin_ntb_port_number(host[1]->dev_id), 1);
	assert_int_equal(rte_marlin_ntb_peer_port_number(host[1]->dev_id, 0), 0);
	link_both();
	/* Host 0's inbound window 1 for host 1 is what host 1 writes into. */
	assert_int_equal(rte_marlin_ntb_mw_alloc(host[0]->dev_id, 0, 1, 0,
		&a, &la), 0);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(host[1]->dev_id, 0, 1,
		&pb, &lb), 0);
	assert_ptr_equal(a, pb);
	assert_int_equal(la, lb);
	assert_int_equal(rte_marlin_ntb_mw_alloc(host[1]->dev_id, 0, 1, 0,
		&b, &lb), 0);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(host[0]->dev_id, 0, 1,
		&pa, &la), 0);
	assert_ptr_equal(b, pa);
	assert_ptr_not_equal(a, b);
	/* Windows do not overlap each other or the register pages. */
	assert_true((uint8_t *)a >= shm + IVSH_WIRE_MW_OFF(2));
	assert_true((uint8_t *)a + la <= shm + SHM_LEN);
	assert_true((uint8_t *)b + lb <= (uint8_t *)a ||
		    (uint8_t *)a + la <= (uint8_t *)b);
	assert_int_equal(rte_marlin_ntb_mw_alloc(host[0]->dev_id, 0, 0,
		la + 4096, &a, &la), -EINVAL);
}

static void
test_doorbells(void **state)
{
	uint64_t bits;

	(void)state;
	link_both();
	assert_int_equal(rte_marlin_ntb_peer_db_set(host[0]->dev_id, 0,
		RTE_BIT64(3) | RTE_BIT64(40)), 0);
	assert_int_equal(rte_marlin_ntb_db_read(host[1]->dev_id, &bits), 0);
	assert_int_equal(bits, RTE_BIT64(3) | RTE_BIT64(40));
	/* No interrupts wanted by host 1: no doorbell register write. */
	assert_int_equal(bar0[0][IVSH_REG_DOORBELL / 4], 0);
	assert_int_equal(rte_marlin_ntb_db_clear(host[1]->dev_id, bits), 0);
	assert_int_equal(rte_marlin_ntb_db_read(host[1]->dev_id, &bits), 0);
	assert_int_equal(bits, 0);

	/* Host 1 takes interrupts on 4 vectors, bit 6 masked. */
	D(1)->intr_vectors = 4;
	assert_int_equal(rte_marlin_ntb_db_set_mask(host[1]->dev_id,
		RTE_BIT64(6)), 0);
	assert_int_equal(wait_link(1, -1), 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(host[0]->dev_id, 0,
		RTE_BIT64(6)), 0);
	assert_int_equal(bar0[0][IVSH_REG_DOORBELL / 4], 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(host[0]->dev_id, 0,
		RTE_BIT64(5)), 0);
	/* peer id 1 in the high half, vector 5 % 4 in the low half */
	assert_int_equal(bar0[0][IVSH_REG_DOORBELL / 4], (1u << 16) | 1u);
	assert_int_equal(D(0)->stats.irq_sent, 1);
	D(1)->intr_vectors = 0;
	/* Without a PCI function there are no interrupts to sleep on. */
	assert_int_equal(rte_pmd_ntb_ivshmem_intr_wait(host[1]->dev_id, 1),
		-ENOTSUP);
}

static void
test_spads_across_restart(void **state)
{
	struct ivsh_params p1 = params(1);
	struct rte_marlin_ntb_link l;
	uint64_t epoch;
	uint32_t v;

	(void)state;
	link_both();
	assert_int_equal(rte_marlin_ntb_peer_spad_write(host[1]->dev_id, 0, 2,
		0xabcd), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(host[0]->dev_id, 0, 2, &v), 0);
	assert_int_equal(v, 0xabcd);
	rte_marlin_ntb_link_get(host[0]->dev_id, 0, &l);
	epoch = l.peer_epoch;

	/* Host 1's guest dies: no clean exit, its heartbeat just stops. */
	rte_eal_alarm_cancel(heartbeat_alarm, D(1));
	D(1)->alarm_set = 0;
	assert_int_equal(wait_link(0, 0), 0);
	assert_int_equal(D(0)->stats.link_down, 1);
	assert_int_equal(rte_marlin_ntb_peer_db_set(host[0]->dev_id, 0, 1),
		-ENOLINK);

	/* It comes back over the same memory with a new epoch; what its
	 * previous life wrote is not trusted. */
	D(1)->regs = NULL;
	rte_marlin_ntb_dev_release(host[1]);
	assert_int_equal(open_host(1, &p1, &host[1]), 0);
	rte_marlin_ntb_link_enable(host[1]->dev_id, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO);
	assert_int_equal(wait_link(1, -1), 0);
	rte_marlin_ntb_link_get(host[0]->dev_id, 0, &l);
	assert_true(l.peer_epoch != epoch && l.peer_epoch != 0);
	assert_int_equal(rte_marlin_ntb_spad_read(host[0]->dev_id, 0, 2, &v), 0);
	assert_int_equal(v, 0);

	/* A clean exit takes the link down at once. */
	rte_marlin_ntb_dev_release(host[1]);
	host[1] = NULL;
	assert_int_equal(wait_link(0, 0), 0);
	assert_int_equal(open_host(1, &p1, &host[1]), 0);
}

static void
test_hostile_peer(void **state)
{
	struct ivsh_wire_hdr *h1;

	(void)state;
	link_both();
	h1 = &D(1)->regs->hdr;
	/* Out-of-range vector count: never used for a doorbell write. */
	h1->vectors = 100000;
	h1->irq_mask = UINT64_MAX;
	assert_int_equal(rte_marlin_ntb_peer_db_set(host[0]->dev_id, 0, 1), 0);
	assert_int_equal(bar0[0][IVSH_REG_DOORBELL / 4], 0);
	/* A page claiming another geometry or id is refused, logged once. */
	h1->mw_size = 12345;
	assert_int_equal(wait_link(0, 0), 0);
	assert_int_equal(D(0)->stats.peer_refused, 1);
	h1->mw_size = D(0)->p.mw_size;
	h1->host_id = 7;
	rte_delay_us_sleep(5000);
	rte_marlin_ntb_poll(host[0]->dev_id);
	assert_int_equal(D(0)->peers[0].link_up, 0);
	h1->host_id = 1;
	assert_int_equal(wait_link(1, -1), 0);
}

static void
test_geometry_checks(void **state)
{
	struct ivsh_params p = params(1);
	struct rte_marlin_ntb_dev *dev = NULL;

	(void)state;
	/* Another guest laid the memory out with mw=2: mw=1 is refused. */
	p.mw_count = 1;
	assert_int_equal(open_host(1, &p, &dev), -EINVAL);
	/* A peer id beyond hosts= */
	p = params(2);
	assert_int_equal(open_host(2, &p, &dev), -EINVAL);
	/* Windows that do not fit */
	p = params(1);
	p.mw_size = SHM_LEN;
	assert_int_equal(open_host(1, &p, &dev), -ENOSPC);
}

/* The EAL leaves its runtime directory (flat) behind: remove it. */
static void
rm_runtime_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_and_windows, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_doorbells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spads_across_restart, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_hostile_peer, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_geometry_checks, setup,
			teardown),
	};
	char prefix[64], runtime[PATH_MAX];
	char *eal_args[] = {
		argv[0], "-l", "0", "--no-pci", "--no-huge", "-m", "64",
		"--no-telemetry", prefix,
		"--log-level=lib.eal:error", "--log-level=pmd.ntb.ivshmem:error",
		NULL,
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut_ivsh_%d",
		(int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "EAL init failed: cannot run the ntb_ivshmem tests\n");
		return 1;
	}
	snprintf(runtime, sizeof(runtime), "%s", rte_eal_get_runtime_dir());
	rc = cmocka_run_group_tests_name("ntb_ivshmem", tests, NULL, NULL);
	rte_eal_cleanup();
	rm_runtime_dir(runtime);
	return rc;
}
