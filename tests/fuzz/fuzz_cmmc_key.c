/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * libFuzzer target for what CMMC reads from another host: a 64-byte key
 * (handed over by any means), the 64-byte header of the owner's key table
 * and one 64-byte entry of it (both in the importer's memory, written by
 * the peer). The input is cut into those three pieces (missing bytes are
 * zero). Whatever the parsers accept must hold what the data path relies
 * on: a decoded key re-encodes to the same bytes and has a valid range and
 * rights; an access the entry check allows lies inside the entry and
 * inside the owner's exportable memory.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmmc_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION_LEN (UINT64_C(1) << 24)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[3 * 64], again[CMMC_KEY_LEN];
	struct cmmc_wire_tab_hdr hdr;
	struct cmmc_wire_keyent ent, snap;
	struct cmmc_key_fields f;
	const char *why = NULL;
	uint64_t abs = 0, off, len;
	int rc;

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	memcpy(&hdr, in + 64, sizeof(hdr));
	memcpy(&ent, in + 128, sizeof(ent));

	(void)cmmc_tab_hdr_problem(&hdr, 1, 0);
	if (cmmc_tab_hdr_problem(&hdr, 1, 0) == NULL && hdr.magic != 0 &&
			(hdr.magic != CMMC_TAB_MAGIC || hdr.owner != 1 ||
			 hdr.importer != 0 || hdr.nb_slots != CMMC_MAX_KEYS))
		abort();

	rc = cmmc_key_decode(in, &f, &why);
	if (rc != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	cmmc_key_encode(&f, again);
	if (memcmp(again, in, CMMC_KEY_LEN) != 0)
		abort();
	if (f.access == 0 || (f.access & ~CMMC_ACCESS_MASK) != 0 ||
			f.slot >= CMMC_MAX_KEYS || f.len == 0 ||
			f.offset + f.len < f.offset)
		abort();

	/* the entry as the importer sees it, checked for an access taken from
	 * the key's own range words */
	if (cmmc_ent_snapshot(&ent, &snap) != 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		/* the key's whole range, then one byte at its offset word */
		off = i == 0 ? 0 : f.offset;
		len = i == 0 ? f.len : 1;
		rc = cmmc_ent_check(&snap, f.gen, cmmc_key_verifier(&f), f.access,
				    off, len, REGION_LEN, &abs);
		if (rc == 0 && (snap.state != CMMC_ENT_LIVE || snap.gen != f.gen ||
				(snap.access & f.access) != f.access ||
				len > snap.len || off > snap.len - len ||
				snap.offset < CMMC_KEYTAB_LEN ||
				abs < snap.offset || abs + len > REGION_LEN ||
				abs + len < abs))
			abort();
	}
	return 0;
}
