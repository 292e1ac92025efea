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

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"
#include "rte_marlin_dma.h"
#include "rte_marlin_hrdma.h"
#include "rte_cmmc.h"
#include "cmmc_private.h"
#include "fake_ntb_pair.h"
#ifdef CMMC_TEST_DMA_CPU
#include "rte_pmd_dma_cpu.h"
#endif
#ifdef CMMC_TEST_DMADEV
#include "rte_pmd_dma_dmadev.h"
#endif

#define WIN_LEN (4u << 20)

/* the two hosts */
static struct fake_ntb_pair pair;

/* ---- fixture ------------------------------------------------------------ */

/* DMA engines for the engine variants of the data tests, one per host
 * (engine queue q serves queue pair q of the host using it); -1: none. */
static int engine_cpu[2] = { -1, -1 };
static int engine_dmadev[2] = { -1, -1 };

struct fx {
	struct rte_marlin_ntb_dev *dev[2];
	struct rte_cmmc_conf conf;
	struct rte_cmmc *c[2];
	struct rte_cmmc_ep *ep[2];
	uint8_t *lbuf[2];             /* registered local buffers */
	struct rte_cmmc_mem *lmem[2];
	const int *engine;            /* per host, or NULL: CPU copies */
};

#define LBUF_LEN (1u << 20)

static void
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
static int
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

static void
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

static void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) ^ seed);
}

/* Collect @want completions (bounded), checking they succeeded. */
static int
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
static int
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
static struct rte_cmmc_rkey *
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
static void
reforge(struct rte_cmmc_key *k, void (*edit)(struct cmmc_key_fields *f))
{
	struct cmmc_key_fields fl;
	const char *why = NULL;

	assert_int_equal(cmmc_key_decode(k->bytes, &fl, &why), 0);
	edit(&fl);
	cmmc_key_encode(&fl, k->bytes);
}

/* ---- pure parts --------------------------------------------------------- */

static void
test_key_codec(void **state)
{
	struct cmmc_key_fields f = {
		.access = RTE_CMMC_ACCESS_READ | RTE_CMMC_ACCESS_WRITE,
		.slot = 17, .owner = 3, .importer = 9, .gen = 0x01020304,
		.inst_epoch = 0x1122334455667788ull, .offset = 0x4000,
		.len = 0x123456, .secret = 0xdeadbeefcafef00dull,
	}, g;
	struct rte_cmmc_key k;
	struct rte_cmmc_key_info info;
	const char *why = NULL;
	unsigned int i;

	RTE_SET_USED(state);
	cmmc_key_encode(&f, k.bytes);
	/* fixed little-endian layout */
	assert_int_equal(k.bytes[0], 'C');
	assert_int_equal(k.bytes[3], 'Y');
	assert_int_equal(k.bytes[6], 17);
	assert_int_equal(k.bytes[12], 0x04);
	/* the public layout (rte_cmmc.h) names the same bytes */
	assert_int_equal(k.bytes[RTE_CMMC_KEY_OFF_MAGIC] |
			 k.bytes[RTE_CMMC_KEY_OFF_MAGIC + 3] << 24,
			 RTE_CMMC_KEY_MAGIC & 0xff0000ffu);
	assert_int_equal(k.bytes[RTE_CMMC_KEY_OFF_VERSION], RTE_CMMC_KEY_VERSION);
	assert_int_equal(k.bytes[RTE_CMMC_KEY_OFF_REGION], 17);
	assert_int_equal(k.bytes[RTE_CMMC_KEY_OFF_OWNER], 3);
	assert_int_equal(k.bytes[RTE_CMMC_KEY_OFF_IMPORTER], 9);
	assert_true(cmmc_get64(k.bytes + RTE_CMMC_KEY_OFF_LENGTH) == 0x123456);
	assert_true(cmmc_get64(k.bytes + RTE_CMMC_KEY_OFF_CHECKSUM) ==
		    rte_cmmc_key_checksum(&k));
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), 0);
	assert_int_equal(g.slot, 17);
	assert_int_equal(g.owner, 3);
	assert_int_equal(g.importer, 9);
	assert_true(g.gen == f.gen && g.inst_epoch == f.inst_epoch &&
		    g.offset == f.offset && g.len == f.len && g.secret == f.secret);
	assert_int_equal(rte_cmmc_key_info(&k, &info), 0);
	assert_int_equal(info.owner, 3);
	assert_int_equal(info.importer, 9);
	assert_int_equal(info.region_id, 17);
	assert_true(info.len == 0x123456);
	assert_int_equal(rte_cmmc_key_info(NULL, &info), -EINVAL);

	/* any damaged byte is caught */
	for (i = 0; i < RTE_CMMC_KEY_SIZE; i++) {
		struct rte_cmmc_key d = k;

		d.bytes[i] ^= 0x40;
		assert_int_equal(cmmc_key_decode(d.bytes, &g, &why), -EBADMSG);
	}
	/* well-formed but not acceptable */
	f.access = 0;
	cmmc_key_encode(&f, k.bytes);
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), -EBADMSG);
	f.access = 4;
	cmmc_key_encode(&f, k.bytes);
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), -EBADMSG);
	f.access = 1;
	f.slot = CMMC_MAX_KEYS;
	cmmc_key_encode(&f, k.bytes);
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), -EBADMSG);
	f.slot = 0;
	f.len = 0;
	cmmc_key_encode(&f, k.bytes);
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), -EBADMSG);
	f.len = 16;
	f.offset = UINT64_MAX - 8;
	cmmc_key_encode(&f, k.bytes);
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), -EBADMSG);
	f.offset = 0;
	cmmc_key_encode(&f, k.bytes);
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), 0);
	/* another version, correctly summed */
	k.bytes[4] = CMMC_KEY_VERSION + 1;
	cmmc_put64(k.bytes + 56, rte_cmmc_key_checksum(&k));
	assert_int_equal(cmmc_key_decode(k.bytes, &g, &why), -EPROTONOSUPPORT);
}

static void
test_entry_check(void **state)
{
	struct cmmc_wire_keyent e = {
		.seq = 2, .secret = 77, .offset = CMMC_KEYTAB_LEN + 4096,
		.len = 1000, .gen = 5, .access = RTE_CMMC_ACCESS_WRITE,
		.state = CMMC_ENT_LIVE,
	}, s;
	uint64_t abs = 0, region = 1u << 20;

	RTE_SET_USED(state);
	assert_int_equal(cmmc_ent_snapshot(&e, &s), 0);
	assert_int_equal(cmmc_ent_check(&s, 5, 77, RTE_CMMC_ACCESS_WRITE, 10, 990,
					region, &abs), 0);
	assert_true(abs == CMMC_KEYTAB_LEN + 4096 + 10);
	assert_int_equal(cmmc_ent_check(&s, 5, 77, RTE_CMMC_ACCESS_WRITE, 10, 991,
					region, &abs), -ERANGE);
	assert_int_equal(cmmc_ent_check(&s, 5, 77, RTE_CMMC_ACCESS_WRITE,
					UINT64_MAX, 2, region, &abs), -ERANGE);
	assert_int_equal(cmmc_ent_check(&s, 5, 77, RTE_CMMC_ACCESS_READ, 0, 1,
					region, &abs), -EPERM);
	assert_int_equal(cmmc_ent_check(&s, 5, 78, RTE_CMMC_ACCESS_WRITE, 0, 1,
					region, &abs), -EACCES);
	assert_int_equal(cmmc_ent_check(&s, 4, 77, RTE_CMMC_ACCESS_WRITE, 0, 1,
					region, &abs), -EKEYREVOKED);
	/* a peer's entry pointing into the key table or past the region */
	s.offset = 0;
	assert_int_equal(cmmc_ent_check(&s, 5, 77, 0, 0, 0, region, &abs), -ERANGE);
	s.offset = region - 999;
	assert_int_equal(cmmc_ent_check(&s, 5, 77, 0, 0, 0, region, &abs), -ERANGE);
	/* revoked */
	e.state = CMMC_ENT_REVOKED;
	assert_int_equal(cmmc_ent_snapshot(&e, &s), 0);
	assert_int_equal(cmmc_ent_check(&s, 5, 77, 0, 0, 0, region, &abs),
			 -EKEYREVOKED);
	/* a writer that never finishes */
	e.seq = 3;
	assert_int_equal(cmmc_ent_snapshot(&e, &s), -EBUSY);
}

/* An entry left half rewritten (odd sequence word) in the importer's copy
 * means a revocation in progress: refused as revoked, not retried forever. */
static void
test_entry_being_revoked(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_key k;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, &k);
	struct cmmc_wire_keyent *e = (struct cmmc_wire_keyent *)
		&f->c[0]->peers[0]->mirror[rk->slot];

	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	e->seq |= 1;
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EKEYREVOKED);
	assert_null(rte_cmmc_key_import(f->c[0], &k));
	assert_int_equal(rte_errno, EKEYREVOKED);
	e->seq += 1;
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
}

/* ---- contexts and memory ------------------------------------------------ */

static void
test_open_and_state(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_conf bad;

	assert_int_equal(rte_cmmc_port(f->c[0]), 0);
	assert_int_equal(rte_cmmc_port(f->c[1]), 1);
	assert_int_equal(rte_cmmc_peer_state(f->c[0], 1), RTE_CMMC_PEER_READY);
	assert_int_equal(rte_cmmc_peer_state(f->c[0], 5), -ENOENT);
	assert_int_equal(rte_cmmc_peer_wait(f->c[0], 1, 100), 0);
	assert_int_equal(rte_cmmc_poll(f->c[0]), 1);
	assert_true(rte_cmmc_exportable_len(f->c[0], 1) > (1u << 20));
	assert_true(rte_cmmc_exportable_len(f->c[0], 7) == 0);
	/* a second context on the same device and peer */
	assert_null(rte_cmmc_open(f->dev[0]->dev_id, NULL));
	assert_int_equal(rte_errno, EEXIST);
	rte_cmmc_conf_default(&bad);
	bad.nb_ep = RTE_CMMC_MAX_EP + 1;
	assert_null(rte_cmmc_open(f->dev[0]->dev_id, &bad));
	assert_int_equal(rte_errno, EINVAL);
	rte_cmmc_conf_default(&bad);
	bad.reserved[1] = 1;
	assert_null(rte_cmmc_open(f->dev[0]->dev_id, &bad));
	assert_int_equal(rte_errno, EINVAL);
	/* endpoints */
	assert_null(rte_cmmc_ep_create(f->c[0], 1, 0));
	assert_int_equal(rte_errno, EEXIST);
	assert_null(rte_cmmc_ep_create(f->c[0], 1, 2));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_cmmc_ep_create(f->c[0], 4, 1));
	assert_int_equal(rte_errno, ENOENT);
}

static void
test_memory(void **state)
{
	struct fx *f = *state;
	size_t total = rte_cmmc_exportable_len(f->c[1], 0), len;
	struct rte_cmmc_mem *a, *b, *all;
	struct rte_cmmc_key k;
	uint8_t *p;
	void *heap;

	a = rte_cmmc_alloc(f->c[1], 0, 100, 0);
	assert_non_null(a);
	p = rte_cmmc_mem_addr(a, &len);
	assert_int_equal(len, 100);
	assert_int_equal((uintptr_t)p % 64, 0);
	assert_int_equal(p[0], 0);               /* zeroed, not the 0xee */
	assert_int_equal(p[99], 0);
	b = rte_cmmc_alloc(f->c[1], 0, 5000, 1u << 16);
	assert_non_null(b);
	assert_int_equal((uintptr_t)rte_cmmc_mem_addr(b, NULL) % (1u << 16), 0);
	/* never over the key table at the start of the region */
	assert_true((uint8_t *)rte_cmmc_mem_addr(a, NULL) >= pair.side[1].win + 0);
	/* too much, bad arguments */
	assert_null(rte_cmmc_alloc(f->c[1], 0, total, 0));
	assert_int_equal(rte_errno, ENOMEM);
	assert_null(rte_cmmc_alloc(f->c[1], 0, 0, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_cmmc_alloc(f->c[1], 0, 64, 48));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_cmmc_alloc(f->c[1], 3, 64, 0));
	assert_int_equal(rte_errno, ENOENT);
	/* live keys pin memory */
	assert_int_equal(rte_cmmc_key_export(b, 0, 5000, RTE_CMMC_ACCESS_READ, &k), 0);
	assert_int_equal(rte_cmmc_mem_free(b), -EBUSY);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), 0);
	assert_int_equal(rte_cmmc_mem_free(b), 0);
	assert_int_equal(rte_cmmc_mem_free(a), 0);
	/* everything came back and merged: the whole span is one piece again */
	all = rte_cmmc_alloc(f->c[1], 0, total, 0);
	assert_non_null(all);
	assert_int_equal(rte_cmmc_mem_free(all), 0);
	/* registration: DPDK memory only */
	heap = malloc(4096);
	assert_null(rte_cmmc_mem_register(f->c[0], heap, 4096));
	assert_int_equal(rte_errno, EFAULT);
	free(heap);
	assert_null(rte_cmmc_mem_register(f->c[0], NULL, 4096));
	assert_int_equal(rte_errno, EINVAL);
	/* registered memory cannot be exported */
	assert_int_equal(rte_cmmc_key_export(f->lmem[0], 0, 64,
					     RTE_CMMC_ACCESS_READ, &k), -EINVAL);
	assert_int_equal(rte_cmmc_mem_free(NULL), 0);
}

/* ---- data --------------------------------------------------------------- */

static void
test_write_read_notify(void **state)
{
	struct fx *f = *state;
	const size_t len = 256 * 1024;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, len, RTE_CMMC_ACCESS_READ |
					 RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	uint8_t *dst = rte_cmmc_mem_addr(mem, NULL);
	uint8_t *src = f->lbuf[0], *back = f->lbuf[0] + len;
	struct rte_cmmc_cpl cpl[8];
	struct rte_cmmc_event ev[8];
	struct rte_cmmc_ep_stats st;

	assert_true(rte_cmmc_rkey_len(rk) == len);
	fill(src, len, 1);
	/* plain write of everything, signalled */
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, src, len, 0xa1,
					RTE_CMMC_F_SIGNALED), 0);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_true(cpl[0].cookie == 0xa1);
	assert_int_equal(cpl[0].status, 0);
	assert_int_equal(cpl[0].opcode, RTE_CMMC_OP_WRITE);
	assert_memory_equal(dst, src, len);

	/* write with notification into the middle; then an 8-byte one */
	fill(src, 5000, 2);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 1000, src, 5000,
					       0x1234, 0xa2, 0), 0);
	fill(src + 8192, 8, 3);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, len - 8, src + 8192,
					       8, 0x5678, 0xa3, 0), 0);
	assert_int_equal(recv_wait(f->ep[1], f->ep[0], ev, 2), 2);
	assert_int_equal(ev[0].type, RTE_CMMC_EVENT_NOTIFY);
	assert_true(ev[0].imm == 0x1234);
	assert_ptr_equal(ev[0].mem, mem);
	assert_int_equal(ev[0].offset, 1000);
	assert_int_equal(ev[0].len, 5000);
	assert_ptr_equal(ev[0].data, dst + 1000);
	assert_memory_equal(dst + 1000, src, 5000);
	assert_true(ev[1].imm == 0x5678);
	assert_int_equal(ev[1].offset, len - 8);
	assert_memory_equal(dst + len - 8, src + 8192, 8);
	/* the 0-byte notification: only the immediate */
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, NULL, 0, 9, 0, 0), 0);
	assert_int_equal(recv_wait(f->ep[1], f->ep[0], ev, 1), 1);
	assert_int_equal(ev[0].len, 0);
	assert_true(ev[0].imm == 9);

	/* read back all of it */
	memset(back, 0, len);
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, back, len, 0xb1,
				       RTE_CMMC_F_SIGNALED), 0);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_int_equal(cpl[0].opcode, RTE_CMMC_OP_READ);
	assert_int_equal(cpl[0].status, 0);
	assert_memory_equal(back, dst, len);

	/* the other direction: host 1 reads host 0's memory it was given */
	{
		struct rte_cmmc_mem *m0 = rte_cmmc_alloc(f->c[0], 1, 4096, 0);
		struct rte_cmmc_key k;
		struct rte_cmmc_rkey *rk1;

		assert_non_null(m0);
		fill(rte_cmmc_mem_addr(m0, NULL), 4096, 9);
		assert_int_equal(rte_cmmc_key_export(m0, 0, 4096,
				 RTE_CMMC_ACCESS_READ, &k), 0);
		rk1 = rte_cmmc_key_import(f->c[1], &k);
		assert_non_null(rk1);
		/* into memory host 1 allocated for host 0: zero copies in between */
		assert_int_equal(rte_cmmc_read(f->ep[1], rk1, 0, dst, 4096, 1,
					       RTE_CMMC_F_SIGNALED), 0);
		assert_int_equal(cq_wait(f->ep[1], cpl, 1), 1);
		assert_memory_equal(dst, rte_cmmc_mem_addr(m0, NULL), 4096);
		assert_int_equal(rte_cmmc_rkey_release(rk1), 0);
	}
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[0], &st), 0);
	assert_true(st.tx_bytes == len + 5000 + 8);
	assert_true(st.rx_bytes == len);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.notify_rx == 3);
	assert_true(st.refused_notify == 0);
}

static void
test_scatter_gather(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 65536, RTE_CMMC_ACCESS_READ |
					 RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	uint8_t *dst = rte_cmmc_mem_addr(mem, NULL), *l = f->lbuf[0];
	struct rte_cmmc_iov iov[3] = {
		{ .base = l + 100, .len = 1000 },
		{ .base = l + 20000, .len = 7 },
		{ .base = l + 40000, .len = 3000 },
	};
	struct rte_cmmc_op op = {
		.opcode = RTE_CMMC_OP_WRITE, .flags = RTE_CMMC_F_NOTIFY |
		RTE_CMMC_F_SIGNALED, .nb_iov = 3, .iov = iov, .rkey = rk,
		.remote_off = 512, .imm = 77, .cookie = 5,
	};
	struct rte_cmmc_iov many[RTE_CMMC_MAX_IOV + 1];
	struct rte_cmmc_event ev[2];
	struct rte_cmmc_cpl cpl[2];
	unsigned int i;

	fill(l, 65536, 4);
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), 1);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_true(cpl[0].cookie == 5);
	assert_memory_equal(dst + 512, l + 100, 1000);
	assert_memory_equal(dst + 1512, l + 20000, 7);
	assert_memory_equal(dst + 1519, l + 40000, 3000);
	/* the notification names the last piece */
	assert_int_equal(recv_wait(f->ep[1], f->ep[0], ev, 1), 1);
	assert_true(ev[0].imm == 77);
	assert_int_equal(ev[0].offset, 1519);
	assert_int_equal(ev[0].len, 3000);

	/* scatter the same range back into three other places */
	memset(l + 50000, 0, 8000);
	iov[0].base = l + 50000;
	iov[1].base = l + 52000;
	iov[2].base = l + 53000;
	op.opcode = RTE_CMMC_OP_READ;
	op.flags = RTE_CMMC_F_SIGNALED;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), 1);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_memory_equal(l + 50000, l + 100, 1000);
	assert_memory_equal(l + 52000, l + 20000, 7);
	assert_memory_equal(l + 53000, l + 40000, 3000);

	/* the list as a whole must fit the key; too many pieces is refused */
	op.opcode = RTE_CMMC_OP_WRITE;
	op.remote_off = 65536 - 4006;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), -ERANGE);
	for (i = 0; i < RTE_DIM(many); i++) {
		many[i].base = l;
		many[i].len = 1;
	}
	op.iov = many;
	op.nb_iov = RTE_DIM(many);
	op.remote_off = 0;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), -EINVAL);
	/* one piece outside registered memory spoils the operation */
	op.nb_iov = 2;
	many[1].base = &i;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), -EFAULT);
}

static void
test_bounds_and_rights(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mw, *mr;
	struct rte_cmmc_rkey *wonly = share(f, 8192, RTE_CMMC_ACCESS_WRITE, &mw,
					    NULL);
	struct rte_cmmc_rkey *ronly = share(f, 8192, RTE_CMMC_ACCESS_READ, &mr,
					    NULL);
	uint8_t *src = f->lbuf[0], onstack[16];
	struct rte_cmmc_op ops[3];
	struct rte_cmmc_ep_stats st;

	memset(src, 0x5a, 8192);
	/* the last byte is in, one past is out, wrapping offsets are out */
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 8191, src, 1, 0, 0), 0);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 8192, src, 1, 0, 0), -ERANGE);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 1, src, 8192, 0, 0), -ERANGE);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, UINT64_MAX, src, 2, 0, 0),
			 -ERANGE);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], wonly, 8193, NULL, 0, 1,
					       0, 0), -ERANGE);
	/* rights */
	assert_int_equal(rte_cmmc_read(f->ep[0], wonly, 0, src, 8, 0, 0), -EPERM);
	assert_int_equal(rte_cmmc_write(f->ep[0], ronly, 0, src, 8, 0, 0), -EPERM);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], ronly, 0, src, 8, 1, 0, 0),
			 -EPERM);
	assert_int_equal(rte_cmmc_read(f->ep[0], ronly, 0, src, 8, 0, 0), 0);
	/* local side */
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 0, onstack, 16, 0, 0),
			 -EFAULT);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 0, f->lbuf[0] + LBUF_LEN - 8,
					16, 0, 0), -EFAULT);
	/* malformed operations */
	memset(ops, 0, sizeof(ops));
	ops[0].opcode = 9;
	ops[0].rkey = wonly;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	ops[0].opcode = RTE_CMMC_OP_READ;
	ops[0].flags = RTE_CMMC_F_NOTIFY;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	ops[0].opcode = RTE_CMMC_OP_WRITE;
	ops[0].flags = 0x80;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	ops[0].flags = 0;
	ops[0].rkey = NULL;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	/* a burst stops at the first bad operation */
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct rte_cmmc_op){ .opcode = RTE_CMMC_OP_WRITE, .len = 8,
		.local = src, .rkey = wonly };
	ops[1] = ops[0];
	ops[1].remote_off = 9000;
	ops[2] = ops[0];
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 3), 1);
	assert_int_equal(rte_cmmc_post(f->ep[0], ops + 1, 2), -ERANGE);
	assert_int_equal(rte_cmmc_post(f->ep[0], ops + 2, 1), 1);
	/* a key of this peer used on an endpoint to another peer is refused:
	 * there is only one peer here, so borrow host 1's endpoint */
	assert_int_equal(rte_cmmc_write(f->ep[1], wonly, 0, f->lbuf[1], 8, 0, 0),
			 -EXDEV);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[0], &st), 0);
	assert_true(st.refused_ops >= 12);
}

/* ---- keys: forgery, revocation, restarts --------------------------------- */

static void ed_secret(struct cmmc_key_fields *f) { f->secret ^= 1; }
static void ed_len(struct cmmc_key_fields *f) { f->len += 4096; }
static void ed_access(struct cmmc_key_fields *f) { f->access = 3; }
static void ed_importer(struct cmmc_key_fields *f) { f->importer = 1; }
static void ed_owner(struct cmmc_key_fields *f) { f->owner = 7; }
static void ed_gen(struct cmmc_key_fields *f) { f->gen += 1; }
static void ed_slot(struct cmmc_key_fields *f) { f->slot = 200; }

static void
test_forged_keys(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_key k, d;
	struct rte_cmmc_rkey *rk;

	mem = rte_cmmc_alloc(f->c[1], 0, 8192, 0);
	assert_non_null(mem);
	assert_int_equal(rte_cmmc_key_export(mem, 0, 4096, RTE_CMMC_ACCESS_READ,
					     &k), 0);
	d = k;
	d.bytes[45] ^= 1;                      /* no checksum fix: damaged */
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EBADMSG);
	d = k;
	reforge(&d, ed_secret);
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EACCES);
	d = k;
	reforge(&d, ed_len);
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EACCES);
	d = k;
	reforge(&d, ed_access);
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EACCES);
	d = k;
	reforge(&d, ed_importer);
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EINVAL);
	d = k;
	reforge(&d, ed_owner);
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, ENOENT);
	d = k;
	reforge(&d, ed_gen);
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EKEYREVOKED);
	d = k;
	reforge(&d, ed_slot);                  /* a slot never given out */
	assert_null(rte_cmmc_key_import(f->c[0], &d));
	assert_int_equal(rte_errno, EKEYREVOKED);
	/* the owner cannot be fooled into revoking with a forged key */
	d = k;
	reforge(&d, ed_secret);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &d), -ENOENT);
	assert_int_equal(rte_cmmc_key_revoke(f->c[0], &k), -EINVAL);

	/* a handle whose secret is changed in memory is refused at use */
	rk = rte_cmmc_key_import(f->c[0], &k);
	assert_non_null(rk);
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	rk->secret ^= 0x100;
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EACCES);
	rk->secret ^= 0x100;
	rk->len = 8192;                        /* widening the handle is useless */
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 4096, f->lbuf[0], 64, 0, 0),
			 -ERANGE);
}

static void
test_revoke(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_key k, k2;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE |
					 RTE_CMMC_ACCESS_READ, &mem, &k), *rk2;
	uint8_t *dst = rte_cmmc_mem_addr(mem, NULL);
	struct rte_cmmc_event ev[4];
	struct rte_cmmc_ep_stats st;
	int i, n;

	memset(f->lbuf[0], 0x11, 64);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	assert_int_equal(dst[63], 0x11);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), 0);
	/* at once: no poll of either side in between */
	memset(f->lbuf[0], 0x22, 64);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EKEYREVOKED);
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EKEYREVOKED);
	assert_int_equal(dst[0], 0x11);
	assert_null(rte_cmmc_key_import(f->c[0], &k));
	assert_int_equal(rte_errno, EKEYREVOKED);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), -ENOENT);

	/* new keys on the same memory get new generations; the old stays dead
	 * even once its slot is given out again */
	for (i = 0; i < CMMC_MAX_KEYS; i++) {
		assert_int_equal(rte_cmmc_key_export(mem, 0, 4096,
				 RTE_CMMC_ACCESS_WRITE, &k2), 0);
		assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k2), 0);
	}
	assert_int_equal(rte_cmmc_key_export(mem, 0, 4096, RTE_CMMC_ACCESS_WRITE,
					     &k2), 0);
	rk2 = rte_cmmc_key_import(f->c[0], &k2);
	assert_non_null(rk2);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EKEYREVOKED);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk2, 0, f->lbuf[0], 64, 0, 0), 0);
	assert_int_equal(dst[0], 0x22);
	/* table full of live keys */
	for (i = 0; i < CMMC_MAX_KEYS - 1; i++)
		assert_int_equal(rte_cmmc_key_export(mem, 0, 64,
				 RTE_CMMC_ACCESS_READ, &k), 0);
	assert_int_equal(rte_cmmc_key_export(mem, 0, 64, RTE_CMMC_ACCESS_READ, &k),
			 -ENOSPC);

	/* a notification posted before the revocation but received after it
	 * is dropped by the owner */
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk2, 0, f->lbuf[0], 64,
					       0x99, 0, 0), 0);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k2), 0);
	n = 0;
	for (i = 0; i < 100; i++)
		n += rte_cmmc_recv(f->ep[1], ev, 4);
	assert_int_equal(n, 0);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.refused_notify == 1);
	assert_int_equal(rte_cmmc_rkey_release(rk), 0);
	assert_int_equal(rte_cmmc_rkey_release(rk2), 0);
}

/* A peer that bypasses the library: raw HRDMA notifications. */
static void
test_owner_refuses_notify(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mw, *mr;
	struct rte_cmmc_rkey *rkw = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mw, NULL);
	struct rte_cmmc_rkey *rkr = share(f, 4096, RTE_CMMC_ACCESS_READ, &mr, NULL);
	struct rte_marlin_hrdma_qp *raw = f->ep[0]->qp;
	uint64_t wo = mw->region_off, ro = mr->region_off;
	uint8_t *region = f->c[1]->peers[0]->region;
	uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, before[8];
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, .len = 8,
		.local = bytes,
	};
	const uint64_t bad[] = {
		ro,                     /* read-only key */
		wo + 4096 - 4,          /* straddles the end of a writable key */
		64,                     /* the key table itself */
		wo + 3 * 4096 * 8,      /* memory nobody exported */
	};
	struct rte_cmmc_event ev[8];
	struct rte_cmmc_ep_stats st;
	unsigned int i;
	int got = 0, tries;

	RTE_SET_USED(rkw);
	RTE_SET_USED(rkr);
	for (i = 0; i < RTE_DIM(bad); i++) {
		memcpy(before, region + bad[i], sizeof(before));
		op.remote_off = bad[i];
		op.imm = i;
		assert_int_equal(rte_marlin_hrdma_post(raw, &op, 1), 1);
		for (tries = 0; tries < 100; tries++)
			got += rte_cmmc_recv(f->ep[1], ev, 8);
		assert_int_equal(got, 0);
		/* inline payload never applied */
		assert_memory_equal(region + bad[i], before, sizeof(before));
	}
	/* inside the writable key: delivered */
	op.remote_off = wo + 8;
	op.imm = 42;
	assert_int_equal(rte_marlin_hrdma_post(raw, &op, 1), 1);
	assert_int_equal(recv_wait(f->ep[1], NULL, ev, 1), 1);
	assert_true(ev[0].imm == 42);
	assert_int_equal(ev[0].offset, 8);
	assert_memory_equal(region + wo + 8, bytes, 8);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.refused_notify == RTE_DIM(bad));
	assert_true(st.notify_rx == 1);
}

static void
test_messages(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_key k;
	struct rte_cmmc_mem *mem = rte_cmmc_alloc(f->c[1], 0, 4096, 0);
	struct rte_cmmc_event ev[4];
	struct rte_cmmc_rkey *rk;
	uint8_t big[300];

	/* a key travels as a message, then works */
	assert_non_null(mem);
	assert_int_equal(rte_cmmc_key_export(mem, 0, 4096, RTE_CMMC_ACCESS_WRITE,
					     &k), 0);
	assert_int_equal(rte_cmmc_msg_send(f->ep[1], &k, sizeof(k)), 0);
	assert_int_equal(recv_wait(f->ep[0], NULL, ev, 1), 1);
	assert_int_equal(ev[0].type, RTE_CMMC_EVENT_MSG);
	assert_int_equal(ev[0].len, sizeof(k));
	rk = rte_cmmc_key_import(f->c[0], ev[0].data);
	assert_non_null(rk);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 4096, 0, 0), 0);
	memset(big, 1, sizeof(big));
	assert_int_equal(rte_cmmc_msg_send(f->ep[1], big, sizeof(big)), -EMSGSIZE);
	/* endpoints pair by index: nothing arrives on endpoint 1 */
	{
		struct rte_cmmc_ep *e1 = rte_cmmc_ep_create(f->c[0], 1, 1);

		assert_non_null(e1);
		assert_int_equal(rte_cmmc_msg_send(f->ep[1], big, 10), 0);
		assert_int_equal(rte_cmmc_recv(e1, ev, 4), 0);
		assert_int_equal(recv_wait(f->ep[0], NULL, ev, 1), 1);
		assert_int_equal(rte_cmmc_ep_destroy(e1), 0);
	}
}

/* Many notifications: credits go back in batches and nothing stalls. */
static void
test_many_notifications(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 65536, RTE_CMMC_ACCESS_WRITE, &mem,
					 NULL);
	uint64_t *dst = rte_cmmc_mem_addr(mem, NULL);
	uint64_t *src = (uint64_t *)f->lbuf[0];
	struct rte_cmmc_event ev[64];
	uint32_t sent = 0, seen = 0, loops = 0;
	const uint32_t total = 5000;

	while (seen < total && loops++ < 1000000) {
		int rc, i;

		if (sent < total) {
			src[sent % 512] = sent;
			rc = rte_cmmc_write_notify(f->ep[0], rk, (sent % 512) * 8,
						   &src[sent % 512], 8, sent, 0, 0);
			if (rc == 0)
				sent++;
			else
				assert_int_equal(rc, -ENOSPC);
		}
		rc = rte_cmmc_recv(f->ep[1], ev, RTE_DIM(ev));
		assert_true(rc >= 0);
		for (i = 0; i < rc; i++) {
			assert_true(ev[i].imm == seen);
			assert_true(dst[ev[i].offset / 8] % 512 == seen % 512);
			seen++;
		}
	}
	assert_int_equal(seen, total);
}

static void
test_link_loss(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	struct rte_cmmc_event ev[2];

	pair.cable_cut = 1;
	poll_both(f, 3);
	assert_int_equal(rte_cmmc_peer_state(f->c[0], 1), RTE_CMMC_PEER_DOWN);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -ENOLINK);
	assert_int_equal(rte_cmmc_recv(f->ep[1], ev, 2), -ENOLINK);
	assert_int_equal(rte_cmmc_peer_wait(f->c[0], 1, 10), -ETIMEDOUT);
	pair.cable_cut = 0;
	assert_int_equal(wait_ready(f), 0);
	/* same owner instance: the key survives a flap */
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, f->lbuf[0], 64, 3,
					       0, 0), 0);
	assert_int_equal(recv_wait(f->ep[1], NULL, ev, 1), 1);
	assert_true(ev[0].imm == 3);
}

/*
 * The peer's key table header in our memory overwritten after it arrived:
 * the channel is reset as for ring garbage (both ends leave READY), both
 * come back by themselves after HRDMA's backoff, the table is sent anew and
 * the key imported before works again.
 */
static void
test_table_overwritten(void **state)
{
	struct fx *f = *state;
	struct timespec ts = { 0, 200 * 1000 };
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	struct cmmc_wire_tab_hdr *h =
		(struct cmmc_wire_tab_hdr *)f->c[0]->peers[0]->mirror_hdr;
	struct rte_cmmc_event ev[2];
	uint64_t deadline;

	h->magic = 0x6172626167650a00ull;   /* the peer (host 1) wrote junk */
	rte_cmmc_poll(f->c[0]);
	assert_int_not_equal(rte_cmmc_peer_state(f->c[0], 1), RTE_CMMC_PEER_READY);
	rte_cmmc_poll(f->c[1]);
	assert_int_not_equal(rte_cmmc_peer_state(f->c[1], 0), RTE_CMMC_PEER_READY);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -ENOLINK);
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 2;
	while (wait_ready(f) != 0 && rte_get_timer_cycles() < deadline)
		nanosleep(&ts, NULL);
	assert_int_equal(rte_cmmc_peer_state(f->c[0], 1), RTE_CMMC_PEER_READY);
	assert_int_equal(rte_cmmc_peer_state(f->c[1], 0), RTE_CMMC_PEER_READY);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, f->lbuf[0], 64, 5,
					       0, 0), 0);
	assert_int_equal(recv_wait(f->ep[1], NULL, ev, 1), 1);
	assert_true(ev[0].imm == 5);
}

static void
test_owner_restart(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_key k;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, &k);
	struct rte_cmmc_key_info info;

	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	/* host 1 "restarts": a new CMMC instance on a new device epoch */
	rte_cmmc_close(f->c[1]);
	f->c[1] = NULL;
	pair.side[1].epoch++;
	poll_both(f, 3);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -ENOLINK);
	open_host(f, 1);
	assert_int_equal(wait_ready(f), 0);
	/* every old key is refused, on use and on import */
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -ESTALE);
	assert_null(rte_cmmc_key_import(f->c[0], &k));
	assert_int_equal(rte_errno, ESTALE);
	/* and the new instance cannot revoke what the old one made */
	assert_int_equal(rte_cmmc_key_info(&k, &info), 0);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), -EINVAL);
	/* fresh keys work */
	rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
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
		cmocka_unit_test_setup_teardown(test_open_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		DATA_TESTS(setup),
		cmocka_unit_test_setup_teardown(test_bounds_and_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_being_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_refuses_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_restart, setup, teardown),
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
