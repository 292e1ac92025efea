/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_COPY_H
#define RTE_MARLIN_COPY_H

/*
 * Copy routines for stores into windows (internal API of librte_marlin,
 * used by HRDMA's CPU path, the cpu DMA engine and the copy benchmark).
 *
 * The non-temporal routines write whole 64-byte destination lines with
 * streaming stores that bypass the cache: the head up to the first 64-byte
 * boundary of the destination and the tail after the last one are written
 * with memcpy, the body with unaligned loads and aligned streaming stores.
 * Streaming stores are weakly ordered: the caller must issue an sfence
 * (rte_marlin_copy_fence()) before any store that has to be seen after the
 * copied data, e.g. a ring index.
 */

#include <rte_compat.h>
#include <stddef.h>

#include <rte_config.h>

/** A copy routine; @p dst and @p src must not overlap. */
typedef void (*rte_marlin_copy_fn)(void *dst, const void *src, size_t len);

/** Instruction sets with a non-temporal routine. */
enum rte_marlin_copy_isa {
	RTE_MARLIN_COPY_NT_NONE = 0,   /* no streaming stores: memcpy */
	RTE_MARLIN_COPY_NT_SSE2,       /* 16-byte _mm_stream_si128 (every x86-64) */
	RTE_MARLIN_COPY_NT_AVX2,       /* 32-byte _mm256_stream_si256 */
	RTE_MARLIN_COPY_NT_AVX512,     /* 64-byte _mm512_stream_si512 */
};

/* Copies shorter than this never use streaming stores. */
#define RTE_MARLIN_COPY_NT_MIN_LEN 256

/** libc memcpy behind the routine signature. */
__rte_internal
void rte_marlin_copy_memcpy(void *dst, const void *src, size_t len);

#ifdef RTE_ARCH_X86_64
__rte_internal
void rte_marlin_copy_nt_sse2(void *dst, const void *src, size_t len);
__rte_internal
void rte_marlin_copy_nt_avx2(void *dst, const void *src, size_t len);
__rte_internal
void rte_marlin_copy_nt_avx512(void *dst, const void *src, size_t len);
#endif

/** 1 if this CPU (and OS) can run the routine for @p isa. */
__rte_internal
int rte_marlin_copy_isa_supported(enum rte_marlin_copy_isa isa);

/** The routine for @p isa (memcpy for RTE_MARLIN_COPY_NT_NONE); NULL if the CPU
 *  cannot run it. */
__rte_internal
rte_marlin_copy_fn rte_marlin_copy_nt_fn(enum rte_marlin_copy_isa isa);

/** The instruction set the engine uses by default on this CPU. */
__rte_internal
enum rte_marlin_copy_isa rte_marlin_copy_isa_default(void);

/** Name of an instruction set ("none", "sse2", "avx2", "avx512"). */
__rte_internal
const char *rte_marlin_copy_isa_name(enum rte_marlin_copy_isa isa);

/** Order earlier streaming stores before later stores (sfence). */
static inline void
rte_marlin_copy_fence(void)
{
#ifdef RTE_ARCH_X86_64
	__builtin_ia32_sfence();
#endif
}

#endif /* RTE_MARLIN_COPY_H */
