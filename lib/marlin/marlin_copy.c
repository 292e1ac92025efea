/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Copy routines of the cpu DMA engine: libc memcpy, and non-temporal
 * (streaming store) copies for SSE2, AVX2 and AVX-512F. Debian builds DPDK
 * applications with -march=corei7, so the AVX routines are compiled with
 * target attributes and only called after a run-time CPU check.
 */

#include <stdint.h>
#include <string.h>

#include "rte_marlin_copy.h"

#ifdef RTE_ARCH_X86_64
#include <immintrin.h>
#endif

void
rte_marlin_copy_memcpy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

#ifdef RTE_ARCH_X86_64

/*
 * Copy the part before the first 64-byte boundary of @p *d with memcpy and
 * advance the cursors; return the bytes left.
 */
static inline size_t
nt_head(uint8_t **d, const uint8_t **s, size_t len)
{
	size_t head = (64 - ((uintptr_t)*d & 63)) & 63;

	if (head != 0) {
		memcpy(*d, *s, head);
		*d += head;
		*s += head;
		len -= head;
	}
	return len;
}

void
rte_marlin_copy_nt_sse2(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (len < RTE_MARLIN_COPY_NT_MIN_LEN) {
		memcpy(d, s, len);
		return;
	}
	len = nt_head(&d, &s, len);
	for (; len >= 64; len -= 64, d += 64, s += 64) {
		__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
		__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
		__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));

		_mm_stream_si128((__m128i *)(void *)d, x0);
		_mm_stream_si128((__m128i *)(void *)(d + 16), x1);
		_mm_stream_si128((__m128i *)(void *)(d + 32), x2);
		_mm_stream_si128((__m128i *)(void *)(d + 48), x3);
	}
	if (len != 0)
		memcpy(d, s, len);
}

__attribute__((target("avx2"))) void
rte_marlin_copy_nt_avx2(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (len < RTE_MARLIN_COPY_NT_MIN_LEN) {
		memcpy(d, s, len);
		return;
	}
	len = nt_head(&d, &s, len);
	for (; len >= 128; len -= 128, d += 128, s += 128) {
		__m256i y0 = _mm256_loadu_si256((const __m256i *)(const void *)s);
		__m256i y1 = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
		__m256i y2 = _mm256_loadu_si256((const __m256i *)(const void *)(s + 64));
		__m256i y3 = _mm256_loadu_si256((const __m256i *)(const void *)(s + 96));

		_mm256_stream_si256((__m256i *)(void *)d, y0);
		_mm256_stream_si256((__m256i *)(void *)(d + 32), y1);
		_mm256_stream_si256((__m256i *)(void *)(d + 64), y2);
		_mm256_stream_si256((__m256i *)(void *)(d + 96), y3);
	}
	if (len >= 64) {
		__m256i y0 = _mm256_loadu_si256((const __m256i *)(const void *)s);
		__m256i y1 = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));

		_mm256_stream_si256((__m256i *)(void *)d, y0);
		_mm256_stream_si256((__m256i *)(void *)(d + 32), y1);
		len -= 64;
		d += 64;
		s += 64;
	}
	/* Leave the upper YMM halves clean before returning to SSE code. */
	_mm256_zeroupper();
	if (len != 0)
		memcpy(d, s, len);
}

__attribute__((target("avx512f"))) void
rte_marlin_copy_nt_avx512(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (len < RTE_MARLIN_COPY_NT_MIN_LEN) {
		memcpy(d, s, len);
		return;
	}
	len = nt_head(&d, &s, len);
	for (; len >= 128; len -= 128, d += 128, s += 128) {
		__m512i z0 = _mm512_loadu_si512((const void *)s);
		__m512i z1 = _mm512_loadu_si512((const void *)(s + 64));

		_mm512_stream_si512((void *)d, z0);
		_mm512_stream_si512((void *)(d + 64), z1);
	}
	if (len >= 64) {
		__m512i z0 = _mm512_loadu_si512((const void *)s);

		_mm512_stream_si512((void *)d, z0);
		len -= 64;
		d += 64;
		s += 64;
	}
	_mm256_zeroupper();
	if (len != 0)
		memcpy(d, s, len);
}

#endif /* RTE_ARCH_X86_64 */

int
rte_marlin_copy_isa_supported(enum rte_marlin_copy_isa isa)
{
	switch (isa) {
	case RTE_MARLIN_COPY_NT_NONE:
		return 1;
#ifdef RTE_ARCH_X86_64
	case RTE_MARLIN_COPY_NT_SSE2:
		return 1;
	case RTE_MARLIN_COPY_NT_AVX2:
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2") != 0;
	case RTE_MARLIN_COPY_NT_AVX512:
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx512f") != 0;
#else
	default:
		break;
#endif
	}
	return 0;
}

rte_marlin_copy_fn
rte_marlin_copy_nt_fn(enum rte_marlin_copy_isa isa)
{
	if (!rte_marlin_copy_isa_supported(isa))
		return NULL;
	switch (isa) {
	case RTE_MARLIN_COPY_NT_NONE:
		return rte_marlin_copy_memcpy;
#ifdef RTE_ARCH_X86_64
	case RTE_MARLIN_COPY_NT_SSE2:
		return rte_marlin_copy_nt_sse2;
	case RTE_MARLIN_COPY_NT_AVX2:
		return rte_marlin_copy_nt_avx2;
	case RTE_MARLIN_COPY_NT_AVX512:
		return rte_marlin_copy_nt_avx512;
#else
	default:
		break;
#endif
	}
	return NULL;
}

enum rte_marlin_copy_isa
rte_marlin_copy_isa_default(void)
{
	if (rte_marlin_copy_isa_supported(RTE_MARLIN_COPY_NT_AVX2))
		return RTE_MARLIN_COPY_NT_AVX2;
	if (rte_marlin_copy_isa_supported(RTE_MARLIN_COPY_NT_SSE2))
		return RTE_MARLIN_COPY_NT_SSE2;
	return RTE_MARLIN_COPY_NT_NONE;
}

const char *
rte_marlin_copy_isa_name(enum rte_marlin_copy_isa isa)
{
	switch (isa) {
	case RTE_MARLIN_COPY_NT_NONE: return "none";
	case RTE_MARLIN_COPY_NT_SSE2: return "sse2";
	case RTE_MARLIN_COPY_NT_AVX2: return "avx2";
	case RTE_MARLIN_COPY_NT_AVX512: return "avx512";
	}
	return "?";
}
