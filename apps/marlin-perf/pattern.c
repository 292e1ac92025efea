/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-perf: data patterns (--check) and reading what arrived
 * (--consume). A message's pattern follows from its queue pair and
 * sequence number, so the receiver can check it without being told.
 */

#include <string.h>

#include "perf_host.h"

static inline uint64_t
pat_base(uint32_t q, uint64_t seq)
{
	uint64_t x = (seq + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)q << 56);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

#define PAT_STEP 0xd6e8feb86659fd93ull

void
pat_fill(uint8_t *p, uint64_t len, uint32_t q, uint64_t seq)
{
	uint64_t w = pat_base(q, seq), i, words = len / 8;

	for (i = 0; i < words; i++, w += PAT_STEP)
		memcpy(p + 8 * i, &w, 8);
	for (i = words * 8; i < len; i++)
		p[i] = (uint8_t)(w >> (8 * (i & 7)));
}

/* Number of 8-byte words (or tail bytes) that differ from the pattern. */
uint64_t
pat_check(const volatile uint8_t *p, uint64_t len, uint32_t q, uint64_t seq)
{
	uint64_t w = pat_base(q, seq), i, words = len / 8, bad = 0, v;

	for (i = 0; i < words; i++, w += PAT_STEP) {
		memcpy(&v, (const uint8_t *)(uintptr_t)p + 8 * i, 8);
		bad += v != w;
	}
	for (i = words * 8; i < len; i++)
		bad += p[i] != (uint8_t)(w >> (8 * (i & 7)));
	return bad;
}

static volatile uint64_t perf_sink;

/* Read every byte (consume mode without --check). */
void
consume(const uint8_t *p, uint64_t len)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i, v[4];
	uint64_t words = len / 32;

	for (i = 0; i < words; i++) {
		memcpy(v, p + 32 * i, 32);
		a0 ^= v[0];
		a1 ^= v[1];
		a2 ^= v[2];
		a3 ^= v[3];
	}
	for (i = words * 32; i < len; i++)
		a0 += p[i];
	perf_sink ^= a0 ^ a1 ^ a2 ^ a3;
}
