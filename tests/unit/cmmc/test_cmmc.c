/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * CMMC unit tests. Two hosts live in this one process as two fake NTB
 * devices wired back to back: what one writes through its outbound window
 * lands in the other's inbound memory, scratchpads cross the same way, and
 * the test can cut the cable or "restart" a host (new device epoch). Each
 * host runs a CMMC context on its device, so everything from the key codec
 * to revocation, hostile notifications and owner restarts is exercised
 * without a driver or a second process.
 */

#include "test_cmmc.h"

/* the two hosts */
struct fake_ntb_pair pair;

/* ---- fixture ------------------------------------------------------------ */

/* DMA engines for the engine variants of the data tests, one per host
 * (engine queue q serves queue pair q of the host using it); -1: none. */
static int engine_cpu[2] = { -1, -1 };
static int engine_dmadev[2] = { -1, -1 };

void
poll_both(struct fx *f, int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		if (f->c[0] != NULL)
			rte_cmmc_poll(f->c[0]);
		if (f->c[1] != NULL)
			rte_cmmc_poll(f->c[1]);
	}
}

/* Poll both contexts until each sees the other READY (bounded). */
int
wait_ready(struct fx *f)
{
	int i;

	for (i = 0; i < 200; i++) {
		poll_both(f, 1);
		if (rte_cmmc_peer_state(f->c[0], 1) == RTE_CMMC_PEER_READY &&
				rte_cmmc_peer_state(f->c[1], 0) == RTE_CMMC_PEER_READY)
			return 0;
	}
	return -ETIMEDOUT;
}

void
open_host(struct fx *f, int i)
{
	struct rte_cmmc_conf conf = f->conf;

	if (f->engine != NULL)
		conf.dma_dev_id = f->engine[i];
	f->c[i] = rte_cmmc_open(f->dev[i]->dev_id, &conf);
	assert_non_null(f->c[i]);
	f->ep[i] = rte_cmmc_ep_create(f->c[i], 1 - i, 0);
	assert_non_null(f->ep[i]);
	f->lmem[i] = rte_cmmc_mem_register(f->c[i], f->lbuf[i], LBUF_LEN);
	assert_non_null(f->lmem[i]);
}

static int
setup_engine(void **state, const int *engine)
{
	struct fx *f = calloc(1, sizeof(*f));
	int i;

	if (f == NULL)
		return -1;
	rte_cmmc_conf_default(&f->conf);
	f->conf.nb_ep = 2;
	f->conf.depth = 64;
	f->conf.msg_size = 256;
	f->engine = engine;
	f->conf.cpu_threshold = engine != NULL ? 256 : 0;
	if (fake_ntb_pair_create(&pair, "cmmcfake", WIN_LEN, 1000) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		f->dev[i] = pair.dev[i];
		f->lbuf[i] = rte_zmalloc("lbuf", LBUF_LEN, 4096);
		if (f->lbuf[i] == NULL)
			return -1;
	}
	*state = f;
	for (i = 0; i < 2; i++)
		open_host(f, i);
	return wait_ready(f) == 0 ? 0 : -1;
}

static int setup(void **state) { return setup_engine(state, NULL); }
static int setup_cpu_engine(void **state) { return setup_engine(state, engine_cpu); }
static int setup_dmadev_engine(void **state) { return setup_engine(state, engine_dmadev); }

static int
teardown(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < 2; i++) {
		rte_cmmc_close(f->c[i]);
		rte_free(f->lbuf[i]);
	}
	fake_ntb_pair_destroy(&pair);
	free(f);
	return 0;
}

void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) ^ seed);
}

/* Collect @want completions (bounded), checking they succeeded. */
int
cq_wait(struct rte_cmmc_ep *ep, struct rte_cmmc_cpl *cpl, int want)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 5;
	int got = 0;

	while (got < want && rte_get_timer_cycles() < deadline)
		got += rte_cmmc_poll_cq(ep, cpl + got, (uint16_t)(want - got));
	return got;
}

/* Receive until @want events arrived (bounded); completions are collected
 * on @issuer meanwhile so that engine copies get published. */
int
recv_wait(struct rte_cmmc_ep *ep, struct rte_cmmc_ep *issuer,
		struct rte_cmmc_event *ev, int want)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 5;
	struct rte_cmmc_cpl sink[8];
	int got = 0, rc;

	while (got < want && rte_get_timer_cycles() < deadline) {
		if (issuer != NULL)
			rte_cmmc_poll_cq(issuer, sink, RTE_DIM(sink));
		rc = rte_cmmc_recv(ep, ev + got, (uint16_t)(want - got));
		if (rc < 0)
			return rc;
		got += rc;
	}
	return got;
}

/* Host 1 exports @len bytes of fresh memory with @access; host 0 imports. */
struct rte_cmmc_rkey *
share(struct fx *f, size_t len, unsigned int access, struct rte_cmmc_mem **mem,
		struct rte_cmmc_key *key)
{
	struct rte_cmmc_key k;
	struct rte_cmmc_rkey *rk;

	*mem = rte_cmmc_alloc(f->c[1], 0, len, 4096);
	assert_non_null(*mem);
	assert_int_equal(rte_cmmc_key_export(*mem, 0, len, access, &k), 0);
	rk = rte_cmmc_key_import(f->c[0], &k);
	assert_non_null(rk);
	if (key != NULL)
		*key = k;
	return rk;
}

/* Re-encode a key after changing a field (a forger who knows the format). */
void
reforge(struct rte_cmmc_key *k, void (*edit)(struct cmmc_key_fields *f))
{
	struct cmmc_key_fields fl;
	const char *why = NULL;

	assert_int_equal(cmmc_key_decode(k->bytes, &fl, &why), 0);
	edit(&fl);
	cmmc_key_encode(&fl, k->bytes);
}


/* Start one engine; -1 if it cannot be used. */
static int
engine_start(int id, uint16_t queues)
{
	struct rte_marlin_dma_conf dc = { .nb_queues = queues, .nb_desc = 256 };

	if (id < 0)
		return -1;
	if (rte_marlin_dma_configure(id, &dc) != 0 || rte_marlin_dma_start(id) != 0) {
		rte_marlin_dma_close(id);
		return -1;
	}
	return id;
}

static void
engine_stop(int id)
{
	if (id >= 0) {
		rte_marlin_dma_stop(id);
		rte_marlin_dma_close(id);
	}
}

#define DATA_TESTS(setup_fn) \
	cmocka_unit_test_setup_teardown(test_write_read_notify, setup_fn, teardown), \
	cmocka_unit_test_setup_teardown(test_scatter_gather, setup_fn, teardown), \
	cmocka_unit_test_setup_teardown(test_many_notifications, setup_fn, teardown)

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "256", "--no-shconf",
		"--no-telemetry",
		"--file-prefix=ut_cmmc", "--log-level=lib.marlin.*:critical",
		"--log-level=lib.cmmc:critical", "-l", "0",
#ifdef CMMC_TEST_DMADEV
		"-d", RTE_EAL_PMD_PATH "/librte_dma_skeleton.so",
		"--vdev", "dma_skeleton0", "--vdev", "dma_skeleton1",
#endif
	};
	const struct CMUnitTest base[] = {
		cmocka_unit_test(test_key_codec),
		cmocka_unit_test(test_entry_check),
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_verifier_binds_fields),
		cmocka_unit_test(test_table_header_parse),
		cmocka_unit_test_setup_teardown(test_open_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		DATA_TESTS(setup),
		cmocka_unit_test_setup_teardown(test_bounds_and_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_being_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_refuses_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_check_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_burst_two_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_range_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issuer_check_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_reader_cannot_mint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_keys_stay_dead, setup, teardown),
	};
	/* the data tests again with DMA engines doing the large copies */
	const struct CMUnitTest with_cpu[] = { DATA_TESTS(setup_cpu_engine) };
	const struct CMUnitTest with_dmadev[] = { DATA_TESTS(setup_dmadev_engine) };
	char rundir[PATH_MAX];
	int rc, i;

	RTE_SET_USED(argc);
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (i = 0; i < 2; i++) {
		char name[32];

		RTE_SET_USED(name);
#ifdef CMMC_TEST_DMA_CPU
		snprintf(name, sizeof(name), "cmmc_cpu%d", i);
		engine_cpu[i] = engine_start(rte_marlin_dma_cpu_create(name, NULL), 4);
#endif
#ifdef CMMC_TEST_DMADEV
		snprintf(name, sizeof(name), "cmmc_skel%d", i);
		{
			char dev[32];

			snprintf(dev, sizeof(dev), "dma_skeleton%d", i);
			engine_dmadev[i] = engine_start(
				rte_marlin_dma_dmadev_create(name, dev, NULL), 1);
		}
#endif
	}
	rc = cmocka_run_group_tests_name("cmmc", base, NULL, NULL);
	if (engine_cpu[0] >= 0 && engine_cpu[1] >= 0)
		rc += cmocka_run_group_tests_name("cmmc over dma_cpu", with_cpu,
						  NULL, NULL);
	else
		printf("dma_cpu engine tests not run: engine not built or not started\n");
	if (engine_dmadev[0] >= 0 && engine_dmadev[1] >= 0)
		rc += cmocka_run_group_tests_name("cmmc over dma_skeleton",
						  with_dmadev, NULL, NULL);
	else
		printf("dmadev engine tests not run: dma_skeleton not available\n");
	for (i = 0; i < 2; i++) {
		engine_stop(engine_cpu[i]);
		engine_stop(engine_dmadev[i]);
	}
	/* leave no EAL runtime directory behind */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return rc;
}
