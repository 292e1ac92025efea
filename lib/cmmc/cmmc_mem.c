/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/* CMMC memory and keys: regions, allocations from the exportable area, key
 * export, revoke and import. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "rte_cmmc.h"
#include "cmmc_private.h"

/* ---- memory ------------------------------------------------------------- */

static int
lmr_add(struct rte_cmmc *c, void *addr, size_t len)
{
	int i;

	for (i = 0; i < CMMC_MAX_LMR; i++) {
		struct cmmc_lmr *l = &c->lmr[i];

		if (l->end != 0)
			continue;
		__atomic_store_n(&l->start, (uintptr_t)addr, __ATOMIC_RELAXED);
		__atomic_store_n(&l->iova, rte_eal_iova_mode() == RTE_IOVA_VA ?
				 (rte_iova_t)(uintptr_t)addr : 0, __ATOMIC_RELAXED);
		__atomic_store_n(&l->end, (uintptr_t)addr + len, __ATOMIC_RELEASE);
		return i;
	}
	return -ENOSPC;
}

static void
lmr_del(struct rte_cmmc *c, int i)
{
	__atomic_store_n(&c->lmr[i].end, 0, __ATOMIC_RELEASE);
}

/* Give [off, off + len) back to the peer's free extents, merging. */
static void
ext_free(struct cmmc_peer *p, size_t off, size_t len)
{
	unsigned int i, j;

	for (i = 0; i < p->nb_ext && p->ext[i].off < off; i++)
		;
	if (i > 0 && p->ext[i - 1].off + p->ext[i - 1].len == off) {
		p->ext[i - 1].len += len;
		if (i < p->nb_ext && off + len == p->ext[i].off) {
			p->ext[i - 1].len += p->ext[i].len;
			for (j = i; j + 1 < p->nb_ext; j++)
				p->ext[j] = p->ext[j + 1];
			p->nb_ext--;
		}
		return;
	}
	if (i < p->nb_ext && off + len == p->ext[i].off) {
		p->ext[i].off = off;
		p->ext[i].len += len;
		return;
	}
	if (p->nb_ext == CMMC_MAX_EXTENTS) {
		CMMC_LOG(WARNING, "peer %d: free list full, %zu bytes lost until close",
			p->port, len);
		return;
	}
	for (j = p->nb_ext; j > i; j--)
		p->ext[j] = p->ext[j - 1];
	p->ext[i].off = off;
	p->ext[i].len = len;
	p->nb_ext++;
}

struct rte_cmmc_mem *
rte_cmmc_alloc(struct rte_cmmc *c, int port, size_t len, size_t align)
{
	struct rte_cmmc_mem *m;
	struct cmmc_peer *p;
	unsigned int i, j;
	int lmr;

	if (c == NULL || len == 0 || (align != 0 && !rte_is_power_of_2(align))) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (align < RTE_CACHE_LINE_SIZE)
		align = RTE_CACHE_LINE_SIZE;
	if (len > SIZE_MAX - align - RTE_CACHE_LINE_SIZE) {
		rte_errno = ENOMEM;
		return NULL;
	}
	m = rte_zmalloc("cmmc_mem", sizeof(*m), 0);
	if (m == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_recursive_lock(&c->lock);
	p = cmmc_peer_by_port(c, port);
	if (p == NULL) {
		rte_errno = ENOENT;
		goto fail;
	}
	for (i = 0; i < p->nb_ext; i++) {
		struct cmmc_extent *e = &p->ext[i];
		uintptr_t base = (uintptr_t)(p->region + e->off);
		size_t pad = RTE_ALIGN_CEIL(base, align) - base;
		size_t take = RTE_ALIGN_CEIL(pad + len, RTE_CACHE_LINE_SIZE);

		if (take > e->len)
			continue;
		lmr = lmr_add(c, p->region + e->off + pad, len);
		if (lmr < 0) {
			CMMC_LOG(ERR, "too many memory objects (%d)", CMMC_MAX_LMR);
			rte_errno = ENOSPC;
			goto fail;
		}
		m->c = c;
		m->peer = p;
		m->type = CMMC_MEM_ALLOC;
		m->addr = p->region + e->off + pad;
		m->len = len;
		m->region_off = e->off + pad;
		m->carve_off = e->off;
		m->carve_len = take;
		m->lmr = lmr;
		e->off += take;
		e->len -= take;
		if (e->len == 0) {
			for (j = i; j + 1 < p->nb_ext; j++)
				p->ext[j] = p->ext[j + 1];
			p->nb_ext--;
		}
		memset(m->addr, 0, len);
		m->next = c->mems;
		c->mems = m;
		rte_spinlock_recursive_unlock(&c->lock);
		return m;
	}
	rte_errno = ENOMEM;
fail:
	rte_spinlock_recursive_unlock(&c->lock);
	rte_free(m);
	return NULL;
}

size_t
rte_cmmc_exportable_len(struct rte_cmmc *c, int port)
{
	struct cmmc_peer *p;

	if (c == NULL)
		return 0;
	p = cmmc_peer_by_port(c, port);
	return p == NULL ? 0 : p->region_len - CMMC_KEYTAB_LEN;
}

struct rte_cmmc_mem *
rte_cmmc_mem_register(struct rte_cmmc *c, void *addr, size_t len)
{
	const struct rte_memseg_list *msl;
	struct rte_cmmc_mem *m;
	int lmr;

	if (c == NULL || addr == NULL || len == 0 ||
			(uintptr_t)addr + len < (uintptr_t)addr) {
		rte_errno = EINVAL;
		return NULL;
	}
	msl = rte_mem_virt2memseg_list(addr);
	if (msl == NULL ||
			rte_mem_virt2memseg_list((uint8_t *)addr + len - 1) != msl) {
		CMMC_LOG(ERR, "register %p+%zu: not DPDK memory (use rte_malloc, a memzone or a mempool)",
			addr, len);
		rte_errno = EFAULT;
		return NULL;
	}
	m = rte_zmalloc("cmmc_mem", sizeof(*m), 0);
	if (m == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_recursive_lock(&c->lock);
	lmr = lmr_add(c, addr, len);
	if (lmr < 0) {
		rte_spinlock_recursive_unlock(&c->lock);
		rte_free(m);
		CMMC_LOG(ERR, "too many memory objects (%d)", CMMC_MAX_LMR);
		rte_errno = ENOSPC;
		return NULL;
	}
	m->c = c;
	m->type = CMMC_MEM_REG;
	m->addr = addr;
	m->len = len;
	m->lmr = lmr;
	m->next = c->mems;
	c->mems = m;
	rte_spinlock_recursive_unlock(&c->lock);
	return m;
}

int
rte_cmmc_mem_free(struct rte_cmmc_mem *m)
{
	struct rte_cmmc *c;
	struct rte_cmmc_mem **pp;

	if (m == NULL)
		return 0;
	c = m->c;
	rte_spinlock_recursive_lock(&c->lock);
	if (m->live_keys != 0) {
		rte_spinlock_recursive_unlock(&c->lock);
		return -EBUSY;
	}
	lmr_del(c, m->lmr);
	if (m->type == CMMC_MEM_ALLOC)
		ext_free(m->peer, m->carve_off, m->carve_len);
	for (pp = &c->mems; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	rte_spinlock_recursive_unlock(&c->lock);
	rte_free(m);
	return 0;
}

void *
rte_cmmc_mem_addr(const struct rte_cmmc_mem *m, size_t *len)
{
	if (m == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (len != NULL)
		*len = m->len;
	return m->addr;
}

/* ---- keys --------------------------------------------------------------- */

/*
 * Ranges mode: let the peer reach the pages of export @slot, [off, off +
 * len) of its region rounded out to whole pages, with the key's rights.
 * Exports of the same pages share one range (counted by the device); pages
 * shared with a different range or other rights are refused (-EEXIST):
 * the device keeps one set of rights per range. Not in ranges mode: 0.
 */
static int
export_expose(struct cmmc_peer *p, unsigned int slot, uint64_t off,
		uint64_t len, unsigned int access)
{
	uint64_t lo = RTE_ALIGN_FLOOR(off, 4096u);
	uint64_t n = RTE_ALIGN_CEIL(off + len, 4096u) - lo;
	unsigned int rights = RTE_MARLIN_NTB_MW_READ |
		((access & RTE_CMMC_ACCESS_WRITE) ? RTE_MARLIN_NTB_MW_WRITE : 0);
	unsigned int i;
	int rc;

	for (i = 0; i < p->own_hw; i++)
		if (p->own_xlen[i] != 0 && p->own_xoff[i] == lo &&
				p->own_xlen[i] == n && p->own_xrights[i] != rights)
			return -EEXIST;
	rc = rte_marlin_hrdma_region_expose(p->ch, lo, n, rights);
	if (rc == -ENOTSUP)
		return 0;       /* no ranges: the whole region is reachable */
	if (rc != 0)
		return rc;
	p->own_xoff[slot] = lo;
	p->own_xlen[slot] = n;
	p->own_xrights[slot] = (uint8_t)rights;
	return 0;
}

void
cmmc_export_unexpose(struct cmmc_peer *p, unsigned int slot)
{
	int rc;

	if (p->own_xlen[slot] == 0)
		return;
	rc = rte_marlin_hrdma_region_unexpose(p->ch, p->own_xoff[slot],
		p->own_xlen[slot]);
	if (rc != 0)
		CMMC_LOG(ERR, "peer %d: cannot take back pages 0x%" PRIx64 "+0x%" PRIx64 " of a revoked key: %s",
			p->port, p->own_xoff[slot], p->own_xlen[slot],
			strerror(-rc));
	p->own_xlen[slot] = 0;
}

int
rte_cmmc_key_export(struct rte_cmmc_mem *m, size_t off, size_t len,
		unsigned int access, struct rte_cmmc_key *key)
{
	struct cmmc_key_fields f;
	struct cmmc_wire_keyent *e;
	struct cmmc_peer *p;
	struct rte_cmmc *c;
	uint64_t secret;
	int slot = -1, i, rc;

	if (m == NULL || key == NULL || m->type != CMMC_MEM_ALLOC || len == 0 ||
			off > m->len || len > m->len - off || access == 0 ||
			(access & ~CMMC_ACCESS_MASK) != 0)
		return -EINVAL;
	secret = cmmc_random_u64_nonzero(&rc);
	if (rc != 0)
		return -EIO;
	c = m->c;
	p = m->peer;
	rte_spinlock_recursive_lock(&c->lock);
	/* a never used slot, else the first free one, else a revoked one */
	if (p->own_hw < CMMC_MAX_KEYS)
		slot = p->own_hw;
	for (i = 0; slot < 0 && i < p->own_hw; i++)
		if (p->own[i].state == CMMC_ENT_FREE)
			slot = i;
	for (i = 0; slot < 0 && i < p->own_hw; i++)
		if (p->own[i].state == CMMC_ENT_REVOKED)
			slot = i;
	if (slot < 0) {
		rte_spinlock_recursive_unlock(&c->lock);
		return -ENOSPC;
	}
	rc = export_expose(p, (unsigned int)slot, m->region_off + off, len,
		access);
	if (rc != 0) {
		rte_spinlock_recursive_unlock(&c->lock);
		CMMC_LOG(ERR, "peer %d: cannot expose the pages of an export of 0x%zx bytes: %s%s",
			p->port, len, strerror(-rc), rc == -EEXIST ?
			" (they share a page with another export of other bounds or rights: allocate with 4096 alignment)" : "");
		return rc;
	}
	e = &p->own[slot];
	memset(&f, 0, sizeof(f));
	f.access = (uint8_t)access;
	f.slot = (uint16_t)slot;
	f.owner = (uint16_t)c->port;
	f.importer = (uint16_t)p->port;
	f.gen = e->gen + 1;
	f.inst_epoch = c->inst_epoch;
	f.offset = m->region_off + off;
	f.len = len;
	f.secret = secret;
	p->own_secret[slot] = secret;
	cmmc_ent_begin(e);
	e->verifier = cmmc_key_verifier(&f);
	e->offset = f.offset;
	e->len = len;
	e->gen = f.gen;
	e->access = (uint8_t)access;
	e->state = CMMC_ENT_LIVE;
	cmmc_ent_end(e);
	if (slot == p->own_hw)
		__atomic_store_n(&p->own_hw, (uint16_t)(slot + 1), __ATOMIC_RELEASE);
	__atomic_store_n(&p->own_mem[slot], m, __ATOMIC_RELEASE);
	m->live_keys++;
	if (p->pushed && cmmc_push_entry(p, (unsigned int)slot) != 0)
		p->pushed = 0;   /* the whole table goes at the next bring-up */
	cmmc_key_encode(&f, key->bytes);
	rte_spinlock_recursive_unlock(&c->lock);
	return 0;
}

int
rte_cmmc_key_revoke(struct rte_cmmc *c, const struct rte_cmmc_key *key)
{
	struct cmmc_key_fields f;
	struct cmmc_wire_keyent *e;
	struct cmmc_peer *p;
	const char *why = NULL;
	int rc;

	if (c == NULL || key == NULL)
		return -EINVAL;
	rc = cmmc_key_decode(key->bytes, &f, &why);
	if (rc != 0)
		return rc;
	if (f.owner != c->port || f.inst_epoch != c->inst_epoch)
		return -EINVAL;
	rte_spinlock_recursive_lock(&c->lock);
	p = cmmc_peer_by_port(c, f.importer);
	if (p == NULL) {
		rte_spinlock_recursive_unlock(&c->lock);
		return -EINVAL;
	}
	e = &p->own[f.slot];
	if (e->state != CMMC_ENT_LIVE || e->gen != f.gen ||
			p->own_secret[f.slot] != f.secret) {
		rte_spinlock_recursive_unlock(&c->lock);
		return -ENOENT;
	}
	cmmc_ent_begin(e);
	e->state = CMMC_ENT_REVOKED;
	cmmc_ent_end(e);
	p->own_mem[f.slot]->live_keys--;
	__atomic_store_n(&p->own_mem[f.slot], NULL, __ATOMIC_RELEASE);
	if (p->pushed && cmmc_push_entry(p, f.slot) != 0)
		p->pushed = 0;
	/* The entry says revoked first; then the pages leave the peer's
	 * reach (moved to fresh memory before this returns). */
	cmmc_export_unexpose(p, f.slot);
	rte_spinlock_recursive_unlock(&c->lock);
	return 0;
}

int
rte_cmmc_key_info(const struct rte_cmmc_key *key, struct rte_cmmc_key_info *info)
{
	struct cmmc_key_fields f;
	const char *why = NULL;
	int rc;

	if (key == NULL || info == NULL)
		return -EINVAL;
	rc = cmmc_key_decode(key->bytes, &f, &why);
	if (rc != 0)
		return rc;
	memset(info, 0, sizeof(*info));
	info->owner = f.owner;
	info->importer = f.importer;
	info->access = f.access;
	info->region_id = f.slot;
	info->generation = f.gen;
	info->len = f.len;
	return 0;
}

/* Ranges mode: the key's pages reach this host through the rack manager
 * some time after the export; until they are mapped, -EAGAIN. */
static int
import_mapped(struct cmmc_peer *p, const struct cmmc_key_fields *f)
{
	unsigned int rights = RTE_MARLIN_NTB_MW_READ |
		((f->access & RTE_CMMC_ACCESS_WRITE) ? RTE_MARLIN_NTB_MW_WRITE : 0);
	int rc = rte_marlin_hrdma_remote_region_ready(p->ch, f->offset, f->len,
		rights);

	return rc == 1 ? 0 : rc == 0 ? -EAGAIN : rc;
}

struct rte_cmmc_rkey *
rte_cmmc_key_import(struct rte_cmmc *c, const struct rte_cmmc_key *key)
{
	struct cmmc_wire_keyent s;
	struct cmmc_key_fields f;
	struct rte_cmmc_rkey *rk;
	struct cmmc_peer *p;
	const char *why = NULL;
	uint32_t want;
	uint64_t abs;
	int rc;

	if (c == NULL || key == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	rc = cmmc_key_decode(key->bytes, &f, &why);
	if (rc != 0) {
		CMMC_LOG(ERR, "import refused: %s", why);
		rte_errno = -rc;
		return NULL;
	}
	if (f.importer != c->port) {
		CMMC_LOG(ERR, "import refused: key of host %u was made for host %u, this is host %d",
			f.owner, f.importer, c->port);
		rte_errno = EINVAL;
		return NULL;
	}
	rte_spinlock_recursive_lock(&c->lock);
	p = cmmc_peer_by_port(c, f.owner);
	if (p == NULL) {
		rc = -ENOENT;
		goto fail;
	}
	want = __atomic_load_n(&p->peer_hrdma_epoch, __ATOMIC_ACQUIRE);
	if (!cmmc_mirror_current(p, want)) {
		rc = -ENOLINK;
		goto fail;
	}
	if (__atomic_load_n(&p->mirror_hdr->inst_epoch, __ATOMIC_RELAXED) !=
			f.inst_epoch) {
		rc = -ESTALE;
		goto fail;
	}
	rc = cmmc_ent_snapshot(&p->mirror[f.slot], &s) != 0 ? -EKEYREVOKED : 0;
	if (rc == 0)
		rc = cmmc_ent_check(&s, f.gen, cmmc_key_verifier(&f), 0, 0, 0,
				    p->remote_region_len, &abs);
	if (rc == 0 && (s.offset != f.offset || s.len != f.len ||
			s.access != f.access))
		rc = -EACCES;
	if (rc == 0)
		rc = import_mapped(p, &f);
	if (rc != 0)
		goto fail;
	rk = rte_zmalloc("cmmc_rkey", sizeof(*rk), 0);
	if (rk == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rk->peer = p;
	rk->inst_epoch = f.inst_epoch;
	rk->verifier = cmmc_key_verifier(&f);
	rk->len = f.len;
	rk->gen = f.gen;
	rk->slot = f.slot;
	rk->access = f.access;
	rk->next = c->rkeys;
	if (c->rkeys != NULL)
		c->rkeys->prev = rk;
	c->rkeys = rk;
	rte_spinlock_recursive_unlock(&c->lock);
	return rk;

fail:
	rte_spinlock_recursive_unlock(&c->lock);
	if (rc != -EAGAIN)      /* not mapped yet: the caller tries again */
		CMMC_LOG(ERR, "import of key %u.%u from host %u refused: %s",
			f.slot, f.gen, f.owner, strerror(-rc));
	rte_errno = -rc;
	return NULL;
}

int
rte_cmmc_rkey_release(struct rte_cmmc_rkey *rk)
{
	struct rte_cmmc *c;

	if (rk == NULL)
		return 0;
	c = rk->peer->c;
	rte_spinlock_recursive_lock(&c->lock);
	if (rk->prev != NULL)
		rk->prev->next = rk->next;
	else
		c->rkeys = rk->next;
	if (rk->next != NULL)
		rk->next->prev = rk->prev;
	rte_spinlock_recursive_unlock(&c->lock);
	rte_free(rk);
	return 0;
}

uint64_t
rte_cmmc_rkey_len(const struct rte_cmmc_rkey *rk)
{
	return rk == NULL ? 0 : rk->len;
}
