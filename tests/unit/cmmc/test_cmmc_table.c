/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * CMMC unit tests: the key table the owner keeps in the importer's memory.
 * SipHash-2-4 against the published vectors, the table header parser, a
 * table reader that tries to mint keys from what it can read, and revoked
 * keys that a hostile importer tries to bring back.
 */

#include "test_cmmc.h"

#define MINT_SECRET_OFF RTE_CMMC_KEY_OFF_SECRET

/* SipHash-2-4 with key 00 01 .. 0f over messages 00 01 .. (n - 1), from the
 * SipHash paper (n = 15) and its reference test vectors (n = 0, 1, 8). */
void
test_siphash_vectors(void **state)
{
	static const struct { size_t n; uint64_t tag; } v[] = {
		{ 0, UINT64_C(0x726fdb47dd0e0e31) },
		{ 1, UINT64_C(0x74f839c593dc67fd) },
		{ 8, UINT64_C(0x93f5f5799a932462) },
		{ 15, UINT64_C(0xa129ca6149be45e5) },
	};
	uint8_t m[16];
	uint64_t k0, k1;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	k0 = cmmc_get64(m);
	k1 = cmmc_get64(m + 8);
	for (i = 0; i < RTE_DIM(v); i++)
		assert_true(cmmc_siphash24(k0, k1, m, v[i].n) == v[i].tag);
}

/* The verifier changes with every field it binds, and with the secret. */
void
test_verifier_binds_fields(void **state)
{
	struct cmmc_key_fields f = {
		.access = RTE_CMMC_ACCESS_WRITE, .slot = 3, .owner = 1,
		.importer = 0, .gen = 9, .inst_epoch = 0x55aa, .offset = 65536,
		.len = 4096, .secret = 0x0123456789abcdefull,
	}, g;
	uint64_t v = cmmc_key_verifier(&f);
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < 9; i++) {
		g = f;
		switch (i) {
		case 0: g.access = 3; break;
		case 1: g.slot++; break;
		case 2: g.owner++; break;
		case 3: g.importer++; break;
		case 4: g.gen++; break;
		case 5: g.inst_epoch++; break;
		case 6: g.offset += 4096; break;
		case 7: g.len++; break;
		default: g.secret ^= 1; break;
		}
		assert_true(cmmc_key_verifier(&g) != v);
	}
	assert_true(cmmc_key_verifier(&f) == v);
}

void
test_table_header_parse(void **state)
{
	struct cmmc_wire_tab_hdr h = {
		.magic = CMMC_TAB_MAGIC, .owner = 1, .importer = 0,
		.nb_slots = CMMC_MAX_KEYS,
	};
	const char *why;

	RTE_SET_USED(state);
	assert_null(cmmc_tab_hdr_problem(&h, 1, 0));
	h.magic = 0;                   /* being written: not an error yet */
	assert_null(cmmc_tab_hdr_problem(&h, 1, 0));
	h.magic = CMMC_TAB_MAGIC_V1;   /* an older release */
	why = cmmc_tab_hdr_problem(&h, 1, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "version 1"));
	h.magic = 0x6172626167650a00ull;
	why = cmmc_tab_hdr_problem(&h, 1, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "garbage"));
	h.magic = CMMC_TAB_MAGIC;      /* a table for another pair of hosts */
	assert_non_null(cmmc_tab_hdr_problem(&h, 2, 0));
	assert_non_null(cmmc_tab_hdr_problem(&h, 1, 3));
	h.nb_slots = 16;
	assert_non_null(cmmc_tab_hdr_problem(&h, 1, 0));
}

/* Import @k with its secret replaced by @secret; returns rte_errno (0 on
 * success, the handle released). */
static int
import_with_secret(struct fx *f, const struct rte_cmmc_key *k, uint64_t secret)
{
	struct cmmc_key_fields fl;
	struct rte_cmmc_key m = *k;
	struct rte_cmmc_rkey *rk;
	const char *why = NULL;

	assert_int_equal(cmmc_key_decode(m.bytes, &fl, &why), 0);
	fl.secret = secret;
	cmmc_key_encode(&fl, m.bytes);
	rk = rte_cmmc_key_import(f->c[0], &m);
	if (rk == NULL)
		return rte_errno;
	rte_cmmc_rkey_release(rk);
	return 0;
}

/*
 * Host 1 exports two regions to host 0 and hands over only the first key.
 * Everything host 0 can read of the table (all of it: it is in host 0's
 * memory) holds neither secret, and no 64-bit word of it turns the second
 * region's public fields (slot, generation, range, rights: all in the
 * table) into a key that imports. The real secret does.
 */
void
test_table_reader_cannot_mint(void **state)
{
	struct fx *f = *state;
	const uint8_t *tab = f->c[0]->peers[0]->region;
	struct rte_cmmc_mem *m1, *m2;
	struct rte_cmmc_key k1, k2;
	struct rte_cmmc_rkey *rk1 = share(f, 4096, RTE_CMMC_ACCESS_WRITE |
					  RTE_CMMC_ACCESS_READ, &m1, &k1);
	uint64_t s1, s2;
	size_t off;

	assert_non_null(rk1);
	m2 = rte_cmmc_alloc(f->c[1], 0, 4096, 4096);
	assert_non_null(m2);
	assert_int_equal(rte_cmmc_key_export(m2, 0, 4096, RTE_CMMC_ACCESS_WRITE |
					     RTE_CMMC_ACCESS_READ, &k2), 0);
	poll_both(f, 4);
	s1 = cmmc_get64(k1.bytes + MINT_SECRET_OFF);
	s2 = cmmc_get64(k2.bytes + MINT_SECRET_OFF);
	for (off = 0; off + 8 <= CMMC_KEYTAB_LEN; off++) {
		uint64_t w = cmmc_get64(tab + off);

		assert_true(w != s1);
		assert_true(w != s2);
	}
	/* every aligned word of the table tried as the second key's secret */
	for (off = 0; off < CMMC_KEYTAB_LEN; off += 8)
		assert_int_equal(import_with_secret(f, &k2, cmmc_get64(tab + off)),
				 EACCES);
	/* the entry itself is live and matches: only the secret was missing */
	assert_int_equal(import_with_secret(f, &k2, s2), 0);
	/* a forged key is refused on use too, not only at import */
	rk1->verifier = cmmc_get64(tab + sizeof(struct cmmc_wire_tab_hdr) +
		(size_t)rk1->slot * sizeof(struct cmmc_wire_keyent) + 8) ^ 1;
	assert_int_equal(rte_cmmc_write(f->ep[0], rk1, 0, f->lbuf[0], 64, 0, 0),
			 -EACCES);
}

/*
 * A revoked key stays dead: import and use are refused; when the importer
 * (hostile) writes the entry in its own copy of the table back to live, its
 * own library believes it, but the owner, whose private table decides,
 * still refuses the key's notifications and its revocation; and a key
 * forged from the revoked one for a later generation fails the verifier.
 */
void
test_revoked_keys_stay_dead(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_key k, k2;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, &k);
	struct cmmc_wire_keyent *e = (struct cmmc_wire_keyent *)
		&f->c[0]->peers[0]->mirror[rk->slot];
	struct cmmc_key_fields fl;
	struct rte_cmmc_ep_stats st0, st;
	struct rte_cmmc_event ev[2];
	const char *why = NULL;
	uint64_t seq;
	int got = 0, i;

	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st0), 0);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), 0);
	assert_null(rte_cmmc_key_import(f->c[0], &k));
	assert_int_equal(rte_errno, EKEYREVOKED);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, f->lbuf[0], 64, 1,
					       0, 0), -EKEYREVOKED);
	/* the importer brings its copy of the entry back to life */
	seq = e->seq;
	e->seq = seq + 1;
	e->state = CMMC_ENT_LIVE;
	e->seq = seq + 2;
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, f->lbuf[0], 64, 2,
					       0, 0), 0);
	for (i = 0; i < 200 && got == 0; i++) {
		poll_both(f, 1);
		got = rte_cmmc_recv(f->ep[1], ev, RTE_DIM(ev));
	}
	assert_int_equal(got, 0);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.refused_notify == st0.refused_notify + 1);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), -ENOENT);
	/* the old secret under a later generation: not a key */
	k2 = k;
	assert_int_equal(cmmc_key_decode(k2.bytes, &fl, &why), 0);
	fl.gen++;
	cmmc_key_encode(&fl, k2.bytes);
	seq = e->seq;
	e->seq = seq + 1;
	e->gen = fl.gen;
	e->seq = seq + 2;
	assert_null(rte_cmmc_key_import(f->c[0], &k2));
	assert_int_equal(rte_errno, EACCES);
}
