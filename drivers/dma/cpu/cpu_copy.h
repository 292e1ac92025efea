/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef DMA_CPU_COPY_H
#define DMA_CPU_COPY_H

/*
 * Copy routines of the cpu DMA engine (internal to librte_dma_cpu and the
 * copy benchmark).
 *
 * The non-temporal routines write whole 64-byte destination lines with
 * streaming stores that bypass the cache: the head up to the first 64-byte
 * boundary of the destination and the tail after the last one are written
 * with memcpy, the body with unaligned loads and aligned streaming stores.
 * Streaming stores are weakly ordered: the caller must issue an sfence
 * (dma_cpu_copy_fence()) before any store that has to be seen after the
 * copied data, e.g. a ring index.
 */

#include <stddef.h>

#include <rte_config.h>

/** A copy routine; @p dst and @p src must not overlap. */
typedef void (*dma_cpu_copy_fn)(void *dst, const void *src, size_t len);

/** Instruction sets with a non-temporal routine. */
enum dma_cpu_nt_isa {
	DMA_CPU_NT_NONE = 0,   /* no streaming stores: memcpy */
	DMA_CPU_NT_SSE2,       /* 16-byte _mm_stream_si128 (every x86-64) */
	DMA_CPU_NT_AVX2,       /* 32-byte _mm256_stream_si256 */
	DMA_CPU_NT_AVX512,     /* 64-byte _mm512_stream_si512 */
};

/* Copies shorter than this never use streaming stores. */
#define DMA_CPU_NT_MIN_LEN 256

/** libc memcpy behind the routine signature. */
void dma_cpu_copy_memcpy(void *dst, const void *src, size_t len);

#ifdef RTE_ARCH_X86_64
void dma_cpu_copy_nt_sse2(void *dst, const void *src, size_t len);
void dma_cpu_copy_nt_avx2(void *dst, const void *src, size_t len);
void dma_cpu_copy_nt_avx512(void *dst, const void *src, size_t len);
#endif

/** 1 if this CPU (and OS) can run the routine for @p isa. */
int dma_cpu_nt_isa_supported(enum dma_cpu_nt_isa isa);

/** The routine for @p isa (memcpy for DMA_CPU_NT_NONE); NULL if the CPU
 *  cannot run it. */
dma_cpu_copy_fn dma_cpu_nt_copy_fn(enum dma_cpu_nt_isa isa);

/** The instruction set the engine uses by default on this CPU. */
enum dma_cpu_nt_isa dma_cpu_nt_isa_default(void);

/** Name of an instruction set ("none", "sse2", "avx2", "avx512"). */
const char *dma_cpu_nt_isa_name(enum dma_cpu_nt_isa isa);

/** Order earlier streaming stores before later stores (sfence). */
static inline void
dma_cpu_copy_fence(void)
{
#ifdef RTE_ARCH_X86_64
	__builtin_ia32_sfence();
#endif
}

#endif /* DMA_CPU_COPY_H */
