/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The registration table of the UCX transport (uct_marlin_host.h): memory
 * this host registered for peers' put/get, each entry under a random
 * secret. Every request from a peer is checked here before a byte moves.
 * Plain C without DPDK or UCX, so that the fuzz target of the receive path
 * (tests/fuzz/fuzz_ucx_rx.c) checks against this very table.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "uct_marlin_host.h"

struct um_reg {
	uint64_t addr;
	uint64_t len;
	uint64_t secret;  /* 0: free slot */
};

static struct {
	struct um_reg *reg;
	uint32_t nb_reg;
	uint32_t reg_hint;
} regs;

/* A free slot of the table (grown when full); UINT32_MAX if out of memory. */
static uint32_t
um_reg_slot(void)
{
	struct um_reg *r;
	uint32_t i, k, nb;

	for (i = 0; i < regs.nb_reg; i++) {
		k = (regs.reg_hint + i) % regs.nb_reg;
		if (regs.reg[k].secret == 0)
			return k;
	}
	nb = regs.nb_reg == 0 ? 256 : regs.nb_reg * 2;
	r = realloc(regs.reg, nb * sizeof(*r));
	if (r == NULL)
		return UINT32_MAX;
	memset(r + regs.nb_reg, 0, (nb - regs.nb_reg) * sizeof(*r));
	k = regs.nb_reg;
	regs.reg = r;
	regs.nb_reg = nb;
	return k;
}

/* A fresh non-zero secret. UCP registers every rendezvous buffer, so
 * they are drawn from the kernel 32 at a time (a system call each was a
 * few per cent of a stream of 64 KiB messages). */
static int
um_reg_secret(uint64_t *s)
{
	static uint64_t pool[32];
	static unsigned int left;

	do {
		if (left == 0) {
			if (getrandom(pool, sizeof(pool), 0) != sizeof(pool))
				return -EIO;
			left = (unsigned int)(sizeof(pool) / sizeof(pool[0]));
		}
		*s = pool[--left];
		pool[left] = 0;
	} while (*s == 0);
	return 0;
}

int
um_reg_add(void *addr, size_t len, uint32_t *idx, uint64_t *secret)
{
	uint64_t s;
	uint32_t i;

	if (um_reg_secret(&s) != 0)
		return -EIO;
	i = um_reg_slot();
	if (i == UINT32_MAX)
		return -ENOMEM;
	regs.reg_hint = i + 1;
	regs.reg[i].addr = (uintptr_t)addr;
	regs.reg[i].len = len;
	regs.reg[i].secret = s;
	*idx = i;
	*secret = s;
	return 0;
}

void
um_reg_del(uint32_t idx)
{
	if (idx < regs.nb_reg)
		memset(&regs.reg[idx], 0, sizeof(regs.reg[idx]));
}

int
um_reg_get(uint32_t idx, uint64_t *addr, uint64_t *len, uint64_t *secret)
{
	if (idx >= regs.nb_reg || regs.reg[idx].secret == 0)
		return -ENOENT;
	*addr = regs.reg[idx].addr;
	*len = regs.reg[idx].len;
	*secret = regs.reg[idx].secret;
	return 0;
}

void *
um_reg_check(uint32_t idx, uint64_t secret, uint64_t addr, uint32_t len)
{
	const struct um_reg *r;

	if (idx >= regs.nb_reg || secret == 0)
		return NULL;
	r = &regs.reg[idx];
	if (r->secret != secret || addr < r->addr ||
			len > r->len || addr - r->addr > r->len - len)
		return NULL;
	return (void *)(uintptr_t)addr;
}
