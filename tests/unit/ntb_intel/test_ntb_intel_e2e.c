/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_intel end to end: an HRDMA-style scratchpad and doorbell bring-up
 * over the class API, then the real HRDMA library over two model ports.
 */

#include "test_ntb_intel.h"


/* ---- end to end: HRDMA-style bring-up over the class API ---- */

/* Scratchpad layout of the HRDMA handshake (lib/marlin/hrdma_wire.h). */
enum { SP_MAGIC, SP_EPOCH, SP_GEOM, SP_SLICE, SP_REGION, SP_ACK };
#define HS_MAGIC 0x484d4101u

struct host {
	uint16_t id;
	uint32_t epoch;
	uint32_t peer_epoch;
	int up;
	void *inbound;
	size_t inbound_len;
	struct ev_log ev;
};

static int
hs_publish(struct host *h, size_t region)
{
	int rc = 0;

	/* Magic cleared first and written last, so a half-written handshake
	 * is never taken. */
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_MAGIC, 0);
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_EPOCH, h->epoch);
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_GEOM, 1 | (6 << 8) | (11 << 16));
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_SLICE, (uint32_t)(region / 4096));
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_REGION, (uint32_t)(region / 4096));
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_ACK, h->peer_epoch);
	rte_wmb();
	rc |= rte_marlin_ntb_peer_spad_write(h->id, 0, SP_MAGIC, HS_MAGIC);
	rc |= rte_marlin_ntb_peer_db_set(h->id, 0, 1);
	return rc;
}

/* One step; returns 1 once both sides acknowledged each other's epoch. */
static int
hs_step(struct host *h, size_t region)
{
	uint32_t magic, epoch, ack, geom;

	rte_marlin_ntb_poll(h->id);
	if (!(h->ev.db_bits & 1))
		return h->up;
	h->ev.db_bits &= ~UINT64_C(1);
	rte_marlin_ntb_db_clear(h->id, 1);
	rte_marlin_ntb_spad_read(h->id, 0, SP_MAGIC, &magic);
	if (magic != HS_MAGIC)
		return h->up;
	rte_marlin_ntb_spad_read(h->id, 0, SP_EPOCH, &epoch);
	rte_marlin_ntb_spad_read(h->id, 0, SP_GEOM, &geom);
	rte_marlin_ntb_spad_read(h->id, 0, SP_ACK, &ack);
	assert_int_equal(geom, 1 | (6 << 8) | (11 << 16));
	assert_int_not_equal(epoch, 0);
	if (epoch != h->peer_epoch) {
		/* New peer epoch: acknowledge it. */
		h->peer_epoch = epoch;
		assert_int_equal(hs_publish(h, region), 0);
	}
	if (ack == h->epoch)
		h->up = 1;
	return h->up;
}

static void
run_handshake(struct host *a, struct host *b, size_t region)
{
	int i;

	a->up = b->up = 0;
	a->ev.db_bits = b->ev.db_bits = 0;
	assert_int_equal(hs_publish(a, region), 0);
	assert_int_equal(hs_publish(b, region), 0);
	for (i = 0; i < 16 && !(a->up && b->up); i++) {
		hs_step(a, region);
		hs_step(b, region);
	}
	assert_true(a->up);
	assert_true(b->up);
	assert_int_equal(a->peer_epoch, b->epoch);
	assert_int_equal(b->peer_epoch, a->epoch);
	/* Drop rings that were in flight when both went up. */
	rte_marlin_ntb_db_clear(a->id, 1);
	rte_marlin_ntb_db_clear(b->id, 1);
	rte_marlin_ntb_poll(a->id);
	rte_marlin_ntb_poll(b->id);
}

static void
e2e(int gen, uint16_t devid, uint8_t rev)
{
	struct host h[2];
	void *ap = NULL;
	size_t aplen = 0;
	int i;

	assert_int_equal(pair_open(gen, devid, rev, BAR_SIZE, 0), 0);
	memset(h, 0, sizeof(h));
	for (i = 0; i < 2; i++) {
		h[i].id = P.id[i];
		h[i].epoch = 0x100u + (uint32_t)i;
		assert_int_equal(rte_marlin_ntb_mw_alloc(h[i].id, 0, 0, 0,
			&h[i].inbound, &h[i].inbound_len), 0);
		assert_int_equal(rte_marlin_ntb_event_callback_register(h[i].id,
			ev_cb, &h[i].ev), 0);
		assert_int_equal(rte_marlin_ntb_db_clear_mask(h[i].id, 0x3), 0);
	}
	link_up_both();
	run_handshake(&h[0], &h[1], h[0].inbound_len);

	/* Data: payload, write barrier, then the doorbell. */
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(h[0].id, 0, 0, &ap,
		&aplen), 0);
	memcpy((char *)ap + 4096, "payload from host 0", 20);
	rte_wmb();
	assert_int_equal(rte_marlin_ntb_peer_db_set(h[0].id, 0, 2), 0);
	ntb_intel_model_flush(P.m); /* the bridge delivers the posted writes */
	h[1].ev.db_bits = 0;
	assert_int_equal(rte_marlin_ntb_poll(h[1].id), 1);
	assert_true(h[1].ev.db_bits & 2);
	assert_string_equal((char *)h[1].inbound + 4096, "payload from host 0");
	assert_int_equal(rte_marlin_ntb_db_clear(h[1].id, 2), 0);

	/* Cable pulled: both see the link go down; after replug a fresh
	 * epoch brings the pair up again. */
	h[0].ev.link_events = h[1].ev.link_events = 0;
	ntb_intel_model_cable(P.m, 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(rte_marlin_ntb_poll(h[i].id), 1);
		assert_int_equal(h[i].ev.last_up, 0);
		assert_int_equal(rte_marlin_ntb_peer_spad_write(h[i].id, 0,
			SP_MAGIC, 0), -ENOLINK);
	}
	ntb_intel_model_cable(P.m, 1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(rte_marlin_ntb_link_wait(h[i].id, 0, 100), 0);
		h[i].epoch += 0x10;
		rte_marlin_ntb_poll(h[i].id);
	}
	run_handshake(&h[0], &h[1], h[0].inbound_len);
	for (i = 0; i < 2; i++)
		rte_marlin_ntb_event_callback_register(h[i].id, NULL, NULL);
}

void
test_e2e_gen3(void **state)
{
	(void)state;
	e2e(3, NTB_INTEL_ID_B2B_SKX, 0);
}

void
test_e2e_gen4(void **state)
{
	(void)state;
	e2e(4, NTB_INTEL_ID_B2B_ICX, 0x20);
}

void
test_e2e_gen1(void **state)
{
	(void)state;
	e2e(1, NTB_INTEL_ID_B2B_IVT, 0);
}

/* ---- end to end: the real HRDMA library over two model ports ---- */

static struct rte_marlin_hrdma_channel *hch[2];

int
hrdma_close(void **state)
{
	int i;

	for (i = 0; i < 2; i++) {
		rte_marlin_hrdma_channel_destroy(hch[i]);
		hch[i] = NULL;
	}
	return pair_close(state);
}

/* Drive both channels, the bridge delivering posted writes in between. */
static void
hrdma_drive(int *s0, int *s1)
{
	*s0 = rte_marlin_hrdma_channel_poll(hch[0]);
	ntb_intel_model_flush(P.m);
	*s1 = rte_marlin_hrdma_channel_poll(hch[1]);
	ntb_intel_model_flush(P.m);
}

static void
hrdma_e2e(int gen, uint16_t devid, uint8_t rev)
{
	struct rte_marlin_hrdma_conf conf;
	struct rte_marlin_hrdma_info info[2];
	struct rte_marlin_hrdma_op op;
	struct rte_marlin_hrdma_cqe cqe[4];
	struct rte_marlin_hrdma_qp *q0, *q1;
	static char msg[] = "hello over the model bridge";
	int s0 = 0, s1 = 0, i, n = 0;

	assert_int_equal(pair_open(gen, devid, rev, BAR_SIZE, 0), 0);
	memset(&conf, 0, sizeof(conf));
	conf.nb_qp = 1;
	conf.depth = 64;
	conf.msg_size = 256;
	conf.dma_dev_id = -1;
	for (i = 0; i < 2; i++) {
		hch[i] = rte_marlin_hrdma_channel_create(P.id[i], 0, &conf);
		assert_non_null(hch[i]);
	}
	link_up_both();
	for (i = 0; i < 1000 && !(s0 == RTE_MARLIN_HRDMA_STATE_UP &&
			s1 == RTE_MARLIN_HRDMA_STATE_UP); i++)
		hrdma_drive(&s0, &s1);
	assert_int_equal(s0, RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(s1, RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(rte_marlin_hrdma_channel_info(hch[0], &info[0]), 0);
	assert_int_equal(rte_marlin_hrdma_channel_info(hch[1], &info[1]), 0);
	assert_int_equal(info[0].peer_epoch, info[1].local_epoch);
	assert_int_equal(info[1].peer_epoch, info[0].local_epoch);

	/* A SEND from host 0 arrives in host 1's receive ring. */
	q0 = rte_marlin_hrdma_qp_get(hch[0], 0);
	q1 = rte_marlin_hrdma_qp_get(hch[1], 0);
	assert_non_null(q0);
	assert_non_null(q1);
	memset(&op, 0, sizeof(op));
	op.opcode = RTE_MARLIN_HRDMA_OP_SEND;
	op.flags = RTE_MARLIN_HRDMA_F_SIGNALED;
	op.len = sizeof(msg);
	op.local = msg;
	op.imm = 77;
	op.cookie = 5;
	assert_int_equal(rte_marlin_hrdma_post(q0, &op, 1), 1);
	for (i = 0; i < 100 && n == 0; i++) {
		hrdma_drive(&s0, &s1);
		n = rte_marlin_hrdma_recv(q1, cqe, 4);
	}
	assert_int_equal(n, 1);
	assert_int_equal(cqe[0].opcode, RTE_MARLIN_HRDMA_OP_RECV);
	assert_int_equal(cqe[0].len, sizeof(msg));
	assert_int_equal(cqe[0].imm, 77);
	assert_memory_equal(cqe[0].data, msg, sizeof(msg));
	assert_int_equal(rte_marlin_hrdma_recv_release(q1, 1), 0);
	n = 0;
	for (i = 0; i < 100 && n == 0; i++) {
		hrdma_drive(&s0, &s1);
		n = rte_marlin_hrdma_poll_cq(q0, cqe, 4);
	}
	assert_int_equal(n, 1);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(cqe[0].cookie, 5);

	/* Cable pulled: both channels leave UP; re-plugged: UP again with
	 * fresh epochs. */
	ntb_intel_model_cable(P.m, 0);
	hrdma_drive(&s0, &s1);
	assert_int_not_equal(s0, RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_not_equal(s1, RTE_MARLIN_HRDMA_STATE_UP);
	ntb_intel_model_cable(P.m, 1);
	for (i = 0; i < 1000 && !(s0 == RTE_MARLIN_HRDMA_STATE_UP &&
			s1 == RTE_MARLIN_HRDMA_STATE_UP); i++)
		hrdma_drive(&s0, &s1);
	assert_int_equal(s0, RTE_MARLIN_HRDMA_STATE_UP);
	assert_int_equal(s1, RTE_MARLIN_HRDMA_STATE_UP);
}

void
test_hrdma_gen3(void **state)
{
	(void)state;
	hrdma_e2e(3, NTB_INTEL_ID_B2B_SKX, 0);
}

void
test_hrdma_gen4(void **state)
{
	(void)state;
	hrdma_e2e(4, NTB_INTEL_ID_B2B_ICX, 0x20);
}
