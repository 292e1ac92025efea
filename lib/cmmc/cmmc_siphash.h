/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef CMMC_SIPHASH_H
#define CMMC_SIPHASH_H

/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): a 64-bit tag of a message under a 128-bit key, two compression
 * rounds per 8-byte block and four finalisation rounds. Written from the
 * published description; the unit tests check it against the paper's
 * vectors. Little-endian throughout, as the paper specifies.
 */

#include <stddef.h>
#include <stdint.h>

#define CMMC_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

struct cmmc_sip {
	uint64_t v0, v1, v2, v3;
};

static inline void
cmmc_sip_round(struct cmmc_sip *s)
{
	s->v0 += s->v1;
	s->v1 = CMMC_ROTL64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = CMMC_ROTL64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = CMMC_ROTL64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = CMMC_ROTL64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = CMMC_ROTL64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = CMMC_ROTL64(s->v2, 32);
}

static inline void
cmmc_sip_block(struct cmmc_sip *s, uint64_t m)
{
	s->v3 ^= m;
	cmmc_sip_round(s);
	cmmc_sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t
cmmc_sip_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* SipHash-2-4 of @len bytes at @in under the key (k0, k1): k0 is the key's
 * first 8 bytes read little-endian, k1 its last 8. */
static inline uint64_t
cmmc_siphash24(uint64_t k0, uint64_t k1, const void *in, size_t len)
{
	const uint8_t *p = in;
	struct cmmc_sip s = {
		.v0 = k0 ^ UINT64_C(0x736f6d6570736575),
		.v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
		.v2 = k0 ^ UINT64_C(0x6c7967656e657261),
		.v3 = k1 ^ UINT64_C(0x7465646279746573),
	};
	size_t left = len;
	int i;

	for (; left >= 8; left -= 8, p += 8)
		cmmc_sip_block(&s, cmmc_sip_le64(p, 8));
	cmmc_sip_block(&s, cmmc_sip_le64(p, left) | (uint64_t)(len & 0xff) << 56);
	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		cmmc_sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

#endif /* CMMC_SIPHASH_H */
