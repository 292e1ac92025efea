/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * CMMC unit tests: the key codec and entry checks (pure), forged keys,
 * revocation, hostile notifications, link loss, an overwritten table and
 * owner restarts.
 */

#include "test_cmmc.h"

/* ---- pure parts --------------------------------------------------------- */

void
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

void
test_entry_check(void **state)
{
	struct cmmc_wire_keyent e = {
		.seq = 2, .verifier = 77, .offset = CMMC_KEYTAB_LEN + 4096,
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
void
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


/* ---- keys: forgery, revocation, restarts --------------------------------- */

static void ed_secret(struct cmmc_key_fields *f) { f->secret ^= 1; }
static void ed_len(struct cmmc_key_fields *f) { f->len += 4096; }
static void ed_access(struct cmmc_key_fields *f) { f->access = 3; }
static void ed_importer(struct cmmc_key_fields *f) { f->importer = 1; }
static void ed_owner(struct cmmc_key_fields *f) { f->owner = 7; }
static void ed_gen(struct cmmc_key_fields *f) { f->gen += 1; }
static void ed_slot(struct cmmc_key_fields *f) { f->slot = 200; }

void
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

	/* a handle whose verifier is changed in memory is refused at use */
	rk = rte_cmmc_key_import(f->c[0], &k);
	assert_non_null(rk);
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	rk->verifier ^= 0x100;
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EACCES);
	rk->verifier ^= 0x100;
	rk->len = 8192;                        /* widening the handle is useless */
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 4096, f->lbuf[0], 64, 0, 0),
			 -ERANGE);
}

void
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
void
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

void
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
void
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

void
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
