/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Register model of two back-to-back Intel Xeon NTB ports (see the header).
 * Register offsets follow the public Linux driver, as the driver under test
 * does; the behaviour modelled is what that driver relies on, written down
 * here independently so that a wrong offset or a missing step in the
 * driver shows up as a failing test.
 */

#include <stdlib.h>
#include <string.h>

#include "ntb_intel_model.h"

#define MAX_STUCK 8

/* Offsets the model gives meaning to. */
enum {
	/* gen3 / gen4 */
	M_NTBCNTL = 0x0000,
	M_XBASE0 = 0x0010, M_XLMT0 = 0x0018, M_XBASE1 = 0x0020, M_XLMT1 = 0x0028,
	M_STATUS = 0x0040, M_DISABLE = 0x0048,
	M_MEMMISS = 0x0070,
	M_SPAD = 0x0080,
	M_DOORBELL = 0x0100,
	M3_PEER_SPAD = 0x0180,
	M3_EMBAR_XLMT0 = 0x4018,
	M3_EMBAR0 = 0x4510, M3_EMBAR1 = 0x4518, M3_EMBAR2 = 0x4520,
	M4_PEER_SPAD = 0x8080,
	M4_LINK_CTRL = 0xb050, M4_LINK_STATUS = 0xb052, M4_SLOTSTS = 0xb05a,
	M4_PPD0 = 0xb0d4, M4_PPD1 = 0xb4c0,
	/* gen1 */
	M1_PBAR23XLAT = 0x0010, M1_PBAR45XLAT = 0x0018,
	M1_SBAR23LMT = 0x0020, M1_SBAR23XLAT = 0x0030, M1_SBAR45XLAT = 0x0038,
	M1_SBAR0BASE = 0x0040, M1_SBAR23BASE = 0x0048,
	M1_NTBCNTL = 0x0058, M1_PDOORBELL = 0x0060,
	M1_B2B_SPAD = 0x0100, M1_B2B_DOORBELL = 0x0140, M1_B2B_XLAT_LO = 0x0144,
	/* config space */
	C_PPD = 0x00d4, C_LNKSTS = 0x01a2,
};

struct model_port {
	struct ntb_intel_model *m;
	int idx;
	uint8_t bar0[NTB_INTEL_MODEL_BAR0_SIZE];
	uint8_t cfg[NTB_INTEL_MODEL_CFG_SIZE];
	uint64_t bar_phys[6];
	uint8_t *ap[2];      /* outbound apertures behind BAR2 and BAR4 */
	uint8_t *shadow[2];  /* what was forwarded already */
	uint32_t stuck[MAX_STUCK];
	int nb_stuck;
	int no_training;
	struct ntb_intel_io io;
};

struct ntb_intel_model {
	int gen;
	uint16_t device_id;
	uint8_t revision;
	uint64_t bar_size;
	int cable;
	int link;
	uint64_t dropped;
	ntb_intel_model_iova_fn iova_fn;
	void *iova_arg;
	struct model_port p[2];
};

/* ---- raw storage ---- */

static uint64_t
get(const uint8_t *base, uint32_t off, unsigned int width)
{
	uint64_t v = 0;

	memcpy(&v, base + off, width);
	return v;
}

static void
put(uint8_t *base, uint32_t off, uint64_t v, unsigned int width)
{
	memcpy(base + off, &v, width);
}

static uint64_t
width_mask(unsigned int width)
{
	return width >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1;
}

static int
is_icx(const struct ntb_intel_model *m)
{
	return m->gen == 4 && m->device_id == NTB_INTEL_ID_B2B_ICX &&
		m->revision >= NTB_INTEL_ICX_REV_MIN &&
		m->revision <= NTB_INTEL_ICX_REV_MAX;
}

static int
in_range(uint32_t off, unsigned int width, uint32_t lo, uint32_t len)
{
	return off >= lo && off + width <= lo + len;
}

/* ---- link ---- */

static int
port_enabled(const struct ntb_intel_model *m, const struct model_port *p)
{
	switch (m->gen) {
	case 1:
		return !(get(p->bar0, M1_NTBCNTL, 4) & 0x2);
	case 3:
		return !(get(p->bar0, M_NTBCNTL, 4) & 0x2);
	default:
		return !(get(p->bar0, M4_LINK_CTRL, 2) & 0x10) &&
			(get(p->bar0, M4_PPD0, 4) & 0x8);
	}
}

static void
link_update(struct ntb_intel_model *m)
{
	int up = m->cable && port_enabled(m, &m->p[0]) &&
		port_enabled(m, &m->p[1]);
	uint16_t sta = 0;
	int i;

	if (up == m->link)
		return;
	m->link = up;
	if (up) {
		if (m->gen == 1)
			sta = 0x2000 | 3 | (16 << 4);
		else if (m->gen == 3)
			sta = 0x2000 | 3 | (16 << 4);
		else
			sta = 0x2000 | 4 | (16 << 4);
	}
	for (i = 0; i < 2; i++) {
		struct model_port *p = &m->p[i];

		if (m->gen == 1) {
			put(p->bar0, M1_PDOORBELL,
				get(p->bar0, M1_PDOORBELL, 2) | 0x8000, 2);
			put(p->cfg, C_LNKSTS, sta, 2);
		} else {
			put(p->bar0, M_STATUS,
				get(p->bar0, M_STATUS, 8) | (UINT64_C(1) << 32), 8);
			if (m->gen == 3) {
				put(p->cfg, C_LNKSTS, sta, 2);
			} else {
				put(p->bar0, M4_LINK_STATUS, sta, 2);
				put(p->bar0, M4_SLOTSTS,
					get(p->bar0, M4_SLOTSTS, 2) | 0x100, 2);
			}
		}
	}
}

/* ---- per-generation write and read semantics ---- */

static uint64_t
xbase_mask(const struct ntb_intel_model *m)
{
	/* Address bits below the window's alignment are not kept. */
	if (m->gen == 4 && !is_icx(m))
		return ~UINT64_C(0xfff);
	return ~(m->bar_size - 1);
}

static void
ring(struct model_port *to, unsigned int bit)
{
	put(to->bar0, M_STATUS, get(to->bar0, M_STATUS, 8) | (UINT64_C(1) << bit), 8);
}

static void
write_gen34(struct model_port *p, uint32_t off, uint64_t val, unsigned int width)
{
	struct ntb_intel_model *m = p->m;
	struct model_port *peer = &m->p[!p->idx];
	uint32_t peer_spad = m->gen == 3 ? M3_PEER_SPAD : M4_PEER_SPAD;

	if (in_range(off, width, M_STATUS, 8)) {
		uint64_t clr = val << (8 * (off - M_STATUS));
		uint64_t sts = get(p->bar0, M_STATUS, 8);

		/* gen4: the link event sticks until the slot status change
		 * bit has been acknowledged. */
		if (m->gen == 4 && (get(p->bar0, M4_SLOTSTS, 2) & 0x100))
			clr &= ~(UINT64_C(1) << 32);
		put(p->bar0, M_STATUS, sts & ~clr, 8);
		return;
	}
	if (in_range(off, width, M_DOORBELL, 32 * 4)) {
		if (m->link)
			ring(peer, (off - M_DOORBELL) / 4);
		return;
	}
	if (in_range(off, width, peer_spad, 16 * 4)) {
		if (m->link)
			put(peer->bar0, M_SPAD + (off - peer_spad), val, width);
		return;
	}
	if (m->gen == 3 && in_range(off, width, M_MEMMISS, 2))
		return; /* read-only counter (gen4 has INTVEC[32] there) */
	if (off == M_XBASE0 || off == M_XBASE1) {
		put(p->bar0, off, val & xbase_mask(m), width);
		return;
	}
	if (m->gen == 3) {
		if (in_range(off, width, M3_EMBAR0, 0x18))
			return; /* link-side BAR bases are set by enumeration */
		put(p->bar0, off, val, width);
		if (off == M_NTBCNTL)
			link_update(m);
		return;
	}
	/* gen4 */
	if (in_range(off, width, M4_SLOTSTS, 2)) {
		put(p->bar0, off, get(p->bar0, off, 2) & ~val, 2);
		return;
	}
	if (in_range(off, width, M4_LINK_STATUS, 2) ||
			in_range(off, width, M4_PPD1, 4))
		return;
	if (off == M4_PPD0 && p->no_training)
		val &= ~UINT64_C(0x8);
	put(p->bar0, off, val, width);
	if (off == M4_LINK_CTRL || off == M4_PPD0)
		link_update(m);
}

static uint64_t
read_gen34(struct model_port *p, uint32_t off, unsigned int width)
{
	struct ntb_intel_model *m = p->m;
	struct model_port *peer = &m->p[!p->idx];
	uint32_t peer_spad = m->gen == 3 ? M3_PEER_SPAD : M4_PEER_SPAD;

	if (in_range(off, width, M_DOORBELL, 32 * 4))
		return 0;
	if (in_range(off, width, peer_spad, 16 * 4)) {
		if (!m->link)
			return width_mask(width); /* a failed read across PCIe */
		return get(peer->bar0, M_SPAD + (off - peer_spad), width);
	}
	return get(p->bar0, off, width);
}

/* gen1: does a store from @p through @p b2b_reg reach @p peer's BAR0? */
static int
g1_reaches_peer_bar0(const struct model_port *p, const struct model_port *peer,
		uint64_t xlat)
{
	return p->m->link &&
		(xlat & ~UINT64_C(0xf)) ==
		(get(peer->bar0, M1_SBAR0BASE, 8) & ~UINT64_C(0xf));
}

/* Link-side (secondary) access to a gen1 port's BAR0. */
static void
g1_link_side_write(struct model_port *to, uint32_t off, uint64_t val,
		unsigned int width)
{
	if (in_range(off, width, M1_PDOORBELL, 2))
		put(to->bar0, M1_PDOORBELL,
			get(to->bar0, M1_PDOORBELL, 2) | (val & 0xffff), 2);
	else if (in_range(off, width, M_SPAD, 16 * 4))
		put(to->bar0, off, val, width);
}

static void
write_gen1(struct model_port *p, enum ntb_intel_region region, uint32_t off,
		uint64_t val, unsigned int width)
{
	struct ntb_intel_model *m = p->m;
	struct model_port *peer = &m->p[!p->idx];
	uint64_t b2b_xlat = get(p->bar0, M1_B2B_XLAT_LO, 8);

	if (region == NTB_INTEL_REGION_PEER) {
		/* Our BAR4 store, translated by PBAR45XLAT onto the link. */
		if (g1_reaches_peer_bar0(p, peer, get(p->bar0, M1_PBAR45XLAT, 8)))
			g1_link_side_write(peer, off, val, width);
		return;
	}
	if (in_range(off, width, M1_PDOORBELL, 2)) {
		put(p->bar0, off, get(p->bar0, off, 2) & ~val, 2);
		return;
	}
	if (in_range(off, width, M1_B2B_DOORBELL, 2)) {
		/* Erratum: bit 14 of the B2B doorbell is not mirrored. */
		if (g1_reaches_peer_bar0(p, peer, b2b_xlat))
			g1_link_side_write(peer, M1_PDOORBELL, val & ~0x4000u, 2);
		return;
	}
	if (in_range(off, width, M1_B2B_SPAD, 16 * 4)) {
		if (g1_reaches_peer_bar0(p, peer, b2b_xlat))
			g1_link_side_write(peer, M_SPAD + (off - M1_B2B_SPAD), val,
					width);
		return;
	}
	if (in_range(off, width, M_MEMMISS, 2))
		return;
	if (off == M1_SBAR23XLAT || off == M1_SBAR45XLAT) {
		put(p->bar0, off, val & xbase_mask(m), width);
		return;
	}
	put(p->bar0, off, val, width);
	if (off == M1_NTBCNTL)
		link_update(m);
}

static uint64_t
read_gen1(struct model_port *p, enum ntb_intel_region region, uint32_t off,
		unsigned int width)
{
	struct ntb_intel_model *m = p->m;
	struct model_port *peer = &m->p[!p->idx];

	if (region == NTB_INTEL_REGION_PEER) {
		if (!g1_reaches_peer_bar0(p, peer, get(p->bar0, M1_PBAR45XLAT, 8)))
			return width_mask(width);
		return get(peer->bar0, off, width);
	}
	if (in_range(off, width, M1_B2B_SPAD, 16 * 4)) {
		if (!g1_reaches_peer_bar0(p, peer, get(p->bar0, M1_B2B_XLAT_LO, 8)))
			return width_mask(width);
		return get(peer->bar0, M_SPAD + (off - M1_B2B_SPAD), width);
	}
	return get(p->bar0, off, width);
}

/* ---- io hooks ---- */

static uint64_t
io_read(void *ctx, enum ntb_intel_region region, uint32_t off,
		unsigned int width)
{
	struct model_port *p = ctx;

	if (off + width > NTB_INTEL_MODEL_BAR0_SIZE)
		return width_mask(width);
	if (p->m->gen == 1)
		return read_gen1(p, region, off, width);
	return read_gen34(p, off, width);
}

static void
io_write(void *ctx, enum ntb_intel_region region, uint32_t off, uint64_t val,
		unsigned int width)
{
	struct model_port *p = ctx;
	int i;

	if (off + width > NTB_INTEL_MODEL_BAR0_SIZE)
		return;
	val &= width_mask(width);
	if (region == NTB_INTEL_REGION_SELF) {
		for (i = 0; i < p->nb_stuck; i++)
			if (p->stuck[i] == off)
				return;
	}
	if (p->m->gen == 1)
		write_gen1(p, region, off, val, width);
	else
		write_gen34(p, off, val, width);
}

static int
io_cfg_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct model_port *p = ctx;

	if (off + len > NTB_INTEL_MODEL_CFG_SIZE)
		return -EIO;
	memcpy(buf, p->cfg + off, len);
	return (int)len;
}

static int
io_cfg_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct model_port *p = ctx;

	if (off + len > NTB_INTEL_MODEL_CFG_SIZE)
		return -EIO;
	/* Identification and link status are read-only. */
	if (off < 0x10 || (off <= C_LNKSTS + 1 && off + len > C_LNKSTS))
		return (int)len;
	memcpy(p->cfg + off, buf, len);
	return (int)len;
}

/* ---- setup ---- */

static void
port_reset(struct ntb_intel_model *m, struct model_port *p, int idx)
{
	unsigned int log2sz = 0;
	uint64_t s = m->bar_size;

	while (s > 1) {
		s >>= 1;
		log2sz++;
	}
	p->m = m;
	p->idx = idx;
	p->bar_phys[0] = UINT64_C(0x90000000) + (uint64_t)idx * 0x100000;
	p->bar_phys[2] = UINT64_C(0x200000000000) + ((uint64_t)idx << 40);
	p->bar_phys[4] = UINT64_C(0x300000000000) + ((uint64_t)idx << 40);
	put(p->cfg, 0x00, NTB_INTEL_VENDOR, 2);
	put(p->cfg, 0x02, m->device_id, 2);
	put(p->cfg, 0x08, m->revision, 1);
	switch (m->gen) {
	case 1:
		put(p->cfg, C_PPD, idx ? 0x11 : 0x01, 1);
		put(p->cfg, 0xd0, log2sz, 1);
		put(p->cfg, 0xd1, log2sz, 1);
		put(p->bar0, M1_NTBCNTL, 0x3, 4); /* disabled and locked */
		break;
	case 3:
		put(p->cfg, C_PPD, idx ? 0x11 : 0x01, 1);
		put(p->cfg, 0xd0, log2sz, 1);
		put(p->cfg, 0xd1, log2sz, 1);
		put(p->cfg, 0xd2, log2sz, 1);
		put(p->cfg, 0xd3, log2sz, 1);
		put(p->bar0, M_NTBCNTL, 0x3, 4);
		put(p->bar0, M3_EMBAR0, UINT64_C(0x1000000000000000) | 0xc, 8);
		put(p->bar0, M3_EMBAR1, UINT64_C(0x2000000000000000) | 0xc, 8);
		put(p->bar0, M3_EMBAR2, UINT64_C(0x4000000000000000) | 0xc, 8);
		break;
	default:
		put(p->bar0, M4_PPD1, is_icx(m) ? (idx ? 0x1200 : 0x0200) :
			(idx ? 0x4200 : 0x0200), 4);
		put(p->cfg, 0xc4, log2sz, 1);
		put(p->cfg, 0xc5, log2sz, 1);
		put(p->cfg, 0xc6, log2sz, 1);
		put(p->cfg, 0xc7, log2sz, 1);
		break;
	}
	p->io.read = io_read;
	p->io.write = io_write;
	p->io.cfg_read = io_cfg_read;
	p->io.cfg_write = io_cfg_write;
	p->io.ctx = p;
}

static void *
identity_iova(uint64_t iova, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	return (void *)(uintptr_t)iova;
}

struct ntb_intel_model *
ntb_intel_model_create(int gen, uint16_t device_id, uint8_t revision,
		uint64_t bar_size)
{
	struct ntb_intel_model *m;
	int i, w;

	if ((gen != 1 && gen != 3 && gen != 4) || bar_size < 4096 ||
			(bar_size & (bar_size - 1)) != 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->gen = gen;
	m->device_id = device_id;
	m->revision = revision;
	m->bar_size = bar_size;
	m->cable = 1;
	m->iova_fn = identity_iova;
	for (i = 0; i < 2; i++) {
		port_reset(m, &m->p[i], i);
		for (w = 0; w < 2; w++) {
			m->p[i].ap[w] = calloc(1, bar_size);
			m->p[i].shadow[w] = calloc(1, bar_size);
			if (m->p[i].ap[w] == NULL || m->p[i].shadow[w] == NULL) {
				ntb_intel_model_destroy(m);
				return NULL;
			}
		}
	}
	return m;
}

void
ntb_intel_model_destroy(struct ntb_intel_model *m)
{
	int i, w;

	if (m == NULL)
		return;
	for (i = 0; i < 2; i++) {
		for (w = 0; w < 2; w++) {
			free(m->p[i].ap[w]);
			free(m->p[i].shadow[w]);
		}
	}
	free(m);
}

void
ntb_intel_model_set_iova_fn(struct ntb_intel_model *m,
		ntb_intel_model_iova_fn fn, void *arg)
{
	m->iova_fn = fn != NULL ? fn : identity_iova;
	m->iova_arg = arg;
}

void
ntb_intel_model_template(struct ntb_intel_model *m, int port,
		struct ntb_intel_hw *tmpl)
{
	struct model_port *p = &m->p[port];

	memset(tmpl, 0, sizeof(*tmpl));
	tmpl->io = &p->io;
	tmpl->device_id = m->device_id;
	tmpl->revision = m->revision;
	tmpl->mmio = p->bar0;
	tmpl->bar[0].va = p->bar0;
	tmpl->bar[0].phys = p->bar_phys[0];
	tmpl->bar[0].len = NTB_INTEL_MODEL_BAR0_SIZE;
	tmpl->bar[2].va = p->ap[0];
	tmpl->bar[2].phys = p->bar_phys[2];
	tmpl->bar[2].len = m->bar_size;
	tmpl->bar[4].va = p->ap[1];
	tmpl->bar[4].phys = p->bar_phys[4];
	tmpl->bar[4].len = m->bar_size;
	tmpl->args.wc = 0;
	tmpl->vfio_container = -1;
}

void
ntb_intel_model_set_ppd(struct ntb_intel_model *m, int port, uint32_t ppd)
{
	if (m->gen == 4)
		put(m->p[port].bar0, M4_PPD1, ppd, 4);
	else
		put(m->p[port].cfg, C_PPD, ppd, 1);
}

void
ntb_intel_model_cable(struct ntb_intel_model *m, int plugged)
{
	m->cable = plugged;
	link_update(m);
}

int
ntb_intel_model_link_up(const struct ntb_intel_model *m)
{
	return m->link;
}

void
ntb_intel_model_stick(struct ntb_intel_model *m, int port, uint32_t off)
{
	struct model_port *p = &m->p[port];

	if (p->nb_stuck < MAX_STUCK)
		p->stuck[p->nb_stuck++] = off;
}

void
ntb_intel_model_no_training(struct ntb_intel_model *m, int port)
{
	m->p[port].no_training = 1;
}

uint64_t
ntb_intel_model_peek(const struct ntb_intel_model *m, int port, uint32_t off,
		unsigned int width)
{
	return get(m->p[port].bar0, off, width);
}

void
ntb_intel_model_poke(struct ntb_intel_model *m, int port, uint32_t off,
		uint64_t val, unsigned int width)
{
	put(m->p[port].bar0, off, val, width);
}

uint64_t
ntb_intel_model_cfg_peek(const struct ntb_intel_model *m, int port,
		uint32_t off, unsigned int width)
{
	return get(m->p[port].cfg, off, width);
}

void
ntb_intel_model_cfg_poke(struct ntb_intel_model *m, int port, uint32_t off,
		uint64_t val, unsigned int width)
{
	put(m->p[port].cfg, off, val, width);
}

/* ---- data path: forwarding aperture stores ---- */

/* Where a store at @p off of window @p w lands on @p to, or NULL (miss). */
static uint8_t *
inbound_target(struct ntb_intel_model *m, struct model_port *from,
		struct model_port *to, int w, uint64_t off, size_t len)
{
	uint64_t xbase, wlen;
	int barno = 2 + 2 * w;

	if (!m->link)
		return NULL;
	if (m->gen == 1) {
		uint64_t out = get(from->bar0, w ? M1_PBAR45XLAT : M1_PBAR23XLAT, 8);
		uint64_t base = get(to->bar0, M1_SBAR23BASE + 8 * w, 8) & ~UINT64_C(0xf);
		uint64_t lmt = get(to->bar0, M1_SBAR23LMT + 8 * w, 8);

		if ((out & ~UINT64_C(0xf)) != base)
			return NULL;
		wlen = lmt == 0 ? m->bar_size : lmt - base;
		xbase = get(to->bar0, M1_SBAR23XLAT + 8 * w, 8);
	} else {
		uint64_t lmt = get(to->bar0, M_XLMT0 + 0x10 * w, 8);

		wlen = lmt - to->bar_phys[barno];
		if (m->gen == 3) {
			uint64_t ext = get(to->bar0, M3_EMBAR1 + 8 * w, 8) & ~UINT64_C(0xf);
			uint64_t elmt = get(to->bar0, M3_EMBAR_XLMT0 + 0x10 * w, 8);

			if (elmt - ext < wlen)
				wlen = elmt - ext;
		}
		xbase = get(to->bar0, M_XBASE0 + 0x10 * w, 8);
	}
	if (wlen > m->bar_size || off + len > wlen || xbase == 0)
		return NULL;
	return (uint8_t *)m->iova_fn(xbase + off, len, m->iova_arg);
}

static void
count_miss(struct ntb_intel_model *m, struct model_port *to, size_t len)
{
	m->dropped += len;
	if (m->gen != 4)
		put(to->bar0, M_MEMMISS, (get(to->bar0, M_MEMMISS, 2) + 1) & 0xffff, 2);
}

size_t
ntb_intel_model_flush(struct ntb_intel_model *m)
{
	size_t delivered = 0;
	int i, w;

	for (i = 0; i < 2; i++) {
		struct model_port *from = &m->p[i], *to = &m->p[!i];

		for (w = 0; w < 2; w++) {
			uint8_t *ap = from->ap[w], *sh = from->shadow[w];
			uint64_t off = 0, end;

			/* gen1: BAR4 may be the peer register view, not memory. */
			if (m->gen == 1 && w == 1 &&
					g1_reaches_peer_bar0(from, to,
					get(from->bar0, M1_PBAR45XLAT, 8)))
				continue;
			while (off < m->bar_size) {
				uint8_t *dst;

				if (ap[off] == sh[off]) {
					off++;
					continue;
				}
				end = off;
				while (end < m->bar_size && ap[end] != sh[end])
					end++;
				dst = inbound_target(m, from, to, w, off, end - off);
				if (dst != NULL) {
					memcpy(dst, ap + off, end - off);
					delivered += end - off;
				} else {
					count_miss(m, to, end - off);
				}
				memcpy(sh + off, ap + off, end - off);
				off = end;
			}
		}
	}
	return delivered;
}

uint64_t
ntb_intel_model_dropped(const struct ntb_intel_model *m)
{
	return m->dropped;
}
