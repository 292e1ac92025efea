/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_ivshmem core: BAR2 layout, link state from peers' epochs and
 * heartbeats, and the NTB class ops table. The class has checked every
 * index and doorbell bit before an op runs. Peer pages are read field by
 * field into private copies and checked before anything is used.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_io.h>
#include <rte_random.h>

#include "ivshmem_private.h"
#include "rte_marlin_args.h"
#include "rte_marlin_pci.h"

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RLX(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

#define IVSH_REFRESH_PER_SEC 1000    /* link state: at most every 1 ms */
#define IVSH_HEARTBEAT_US (100 * 1000)

RTE_LOG_REGISTER(ivsh_logtype, pmd.ntb.ivshmem, NOTICE);

static inline struct ivsh_dev *
to_ivsh(struct rte_marlin_ntb_dev *dev)
{
	return dev->priv;
}

static inline uint8_t *
mw_addr(const struct ivsh_dev *d, int owner, int peer, int widx)
{
	const struct ivsh_params *p = &d->p;
	uint64_t slot = ((uint64_t)owner * p->hosts + peer) * p->mw_count + widx;

	return d->bar2 + IVSH_WIRE_MW_OFF(p->hosts) + slot * p->mw_size;
}

/* ---- setup ---- */

static int
geometry_check(struct ivsh_params *p, uint64_t bar2_len, const char *name)
{
	uint64_t off = IVSH_WIRE_MW_OFF(p->hosts);
	uint64_t slots = (uint64_t)p->hosts * p->hosts * p->mw_count;
	uint64_t fit;
	char a[32], b[32];

	if (p->host < 0 || p->host >= p->hosts) {
		IVSH_LOG(ERR, "%s: this guest is host %d but hosts=%d: raise hosts= (every guest the same) or give the server fewer peers",
			name, p->host, p->hosts);
		return -EINVAL;
	}
	fit = bar2_len > off ? (bar2_len - off) / slots : 0;
	fit &= ~(uint64_t)(IVSH_WIRE_PAGE - 1);
	if (p->mw_size == 0)
		p->mw_size = fit;
	if (p->mw_size == 0 || p->mw_size > fit) {
		IVSH_LOG(ERR, "%s: shared memory of %s holds %d x %d windows of at most %s each, mw_size=%s asked: give the device more memory (server -l, memory-backend size) or lower hosts=, mw= or mw_size=",
			name, rte_marlin_size_format(bar2_len, a, sizeof(a)), p->hosts,
			p->mw_count, rte_marlin_size_format(fit, b, sizeof(b)),
			p->mw_size ? rte_marlin_size_format(p->mw_size, a, sizeof(a)) : "0");
		return -ENOSPC;
	}
	if (p->mw_size % IVSH_WIRE_PAGE != 0) {
		IVSH_LOG(ERR, "%s: mw_size=%" PRIu64 " is not a multiple of 4K",
			name, p->mw_size);
		return -EINVAL;
	}
	return 0;
}

/* Lay the global header out, or check the one another host wrote. */
static int
global_check(struct ivsh_dev *d, const char *name)
{
	struct ivsh_wire_global *g = (struct ivsh_wire_global *)d->bar2;
	const struct ivsh_params *p = &d->p;
	struct ivsh_wire_global c;
	char a[32], b[32];

	if (LOAD_ACQ(&g->magic) != IVSH_WIRE_MAGIC) {
		STORE_RLX(&g->version, IVSH_WIRE_VERSION);
		STORE_RLX(&g->hosts, (uint32_t)p->hosts);
		STORE_RLX(&g->mw_count, (uint32_t)p->mw_count);
		STORE_RLX(&g->mw_size, p->mw_size);
		STORE_RLX(&g->mw_off, IVSH_WIRE_MW_OFF(p->hosts));
		STORE_RLX(&g->spad_count, (uint32_t)p->spad_count);
		STORE_REL(&g->magic, IVSH_WIRE_MAGIC);
		IVSH_LOG(INFO, "%s: laid the shared memory out", name);
	}
	c.version = LOAD_RLX(&g->version);
	c.hosts = LOAD_RLX(&g->hosts);
	c.mw_count = LOAD_RLX(&g->mw_count);
	c.mw_size = LOAD_RLX(&g->mw_size);
	c.spad_count = LOAD_RLX(&g->spad_count);
	if (c.version != IVSH_WIRE_VERSION) {
		IVSH_LOG(ERR, "%s: shared memory holds layout version %u, this driver speaks %u: run one Marlin version in every guest, or restart the ivshmem server to clear the memory",
			name, c.version, IVSH_WIRE_VERSION);
		return -EPROTO;
	}
	if (c.hosts != (uint32_t)p->hosts ||
	    c.mw_count != (uint32_t)p->mw_count || c.mw_size != p->mw_size ||
	    c.spad_count != (uint32_t)p->spad_count) {
		IVSH_LOG(ERR, "%s: another guest laid the shared memory out as hosts=%u,mw=%u,mw_size=%s,spads=%u but this one asks hosts=%d,mw=%d,mw_size=%s,spads=%d: give every guest the same devargs (or restart the ivshmem server to clear the memory)",
			name, c.hosts, c.mw_count,
			rte_marlin_size_format(c.mw_size, a, sizeof(a)), c.spad_count,
			p->hosts, p->mw_count, rte_marlin_size_format(p->mw_size, b, sizeof(b)),
			p->spad_count);
		return -EINVAL;
	}
	return 0;
}

static void
heartbeat_alarm(void *arg)
{
	struct ivsh_dev *d = arg;

	ivsh_heartbeat(d);
	if (rte_eal_alarm_set(IVSH_HEARTBEAT_US, heartbeat_alarm, d) != 0)
		d->alarm_set = 0;
}

int
ivsh_open(struct ivsh_dev *d, const struct ivsh_params *p,
		const struct ivsh_hw *hw, const char *name)
{
	struct ivsh_wire_hdr *h;
	uint64_t old, epoch;
	int i, rc;

	d->p = *p;
	d->bar2 = hw->bar2;
	d->bar2_len = hw->bar2_len;
	d->bar0 = hw->bar0;
	d->doorbell = hw->doorbell;
	d->stats.doorbell = hw->doorbell;
	rc = geometry_check(&d->p, d->bar2_len, name);
	if (rc != 0)
		return rc;
	rc = global_check(d, name);
	if (rc != 0)
		return rc;

	d->regs = (struct ivsh_wire_regs *)(d->bar2 + IVSH_WIRE_REGS_OFF +
		(uint64_t)d->p.host * IVSH_WIRE_REGS_STRIDE);
	h = &d->regs->hdr;
	/* Unpublish what a previous life of this guest left, then clear its
	 * doorbells and scratchpads before the new epoch goes out. */
	old = LOAD_RLX(&h->epoch);
	STORE_REL(&h->magic, 0);
	memset(&d->regs->src, 0, sizeof(d->regs->src));
	do {
		epoch = rte_rand() ^ rte_get_timer_cycles();
	} while (epoch == 0 || epoch == old);
	d->epoch = epoch;
	STORE_RLX(&h->version, IVSH_WIRE_VERSION);
	STORE_RLX(&h->host_id, (uint32_t)d->p.host);
	STORE_RLX(&h->hosts, (uint32_t)d->p.hosts);
	STORE_RLX(&h->mw_size, d->p.mw_size);
	STORE_RLX(&h->mw_count, (uint32_t)d->p.mw_count);
	STORE_RLX(&h->spad_count, (uint32_t)d->p.spad_count);
	STORE_RLX(&h->epoch, epoch);
	STORE_RLX(&h->heartbeat, 1);
	STORE_RLX(&h->link_enable, 0);
	STORE_RLX(&h->vectors, 0);
	STORE_RLX(&h->irq_mask, 0);
	STORE_REL(&h->magic, IVSH_WIRE_MAGIC);

	d->npeers = d->p.hosts - 1;
	for (i = 0; i < d->npeers; i++) {
		struct ivsh_peer *pr = &d->peers[i];

		memset(pr, 0, sizeof(*pr));
		pr->host_id = i < d->p.host ? i : i + 1;
		pr->regs = (struct ivsh_wire_regs *)(d->bar2 +
			IVSH_WIRE_REGS_OFF +
			(uint64_t)pr->host_id * IVSH_WIRE_REGS_STRIDE);
	}
	if (rte_eal_alarm_set(IVSH_HEARTBEAT_US, heartbeat_alarm, d) == 0)
		d->alarm_set = 1;
	else
		IVSH_LOG(WARNING, "%s: no heartbeat timer; peers see this host alive only while it calls rte_marlin_ntb_poll()",
			name);
	IVSH_LOG(INFO, "%s: host %d of %d, epoch %" PRIx64 ", %d x %" PRIu64
		" byte windows per peer", name, d->p.host, d->p.hosts, epoch,
		d->p.mw_count, d->p.mw_size);
	return 0;
}

void
ivsh_shut(struct ivsh_dev *d)
{
	if (d->alarm_set) {
		rte_eal_alarm_cancel(heartbeat_alarm, d);
		d->alarm_set = 0;
	}
	if (d->regs == NULL)
		return;
	/* A clean exit pulls the cable at once instead of by timeout. */
	STORE_REL(&d->regs->hdr.link_enable, 0);
	STORE_REL(&d->regs->hdr.magic, 0);
	d->regs = NULL;
}

void
ivsh_heartbeat(struct ivsh_dev *d)
{
	struct ivsh_wire_regs *r = d->regs;

	if (r != NULL)
		STORE_REL(&r->hdr.heartbeat, LOAD_RLX(&r->hdr.heartbeat) + 1);
}

void
ivsh_irq_mask_publish(struct ivsh_dev *d)
{
	if (d->regs == NULL)
		return;
	STORE_RLX(&d->regs->hdr.vectors, (uint32_t)d->intr_vectors);
	STORE_REL(&d->regs->hdr.irq_mask,
		d->intr_vectors > 0 ? ~d->db_mask : 0);
}

void
ivsh_intr_drain(struct ivsh_dev *d)
{
	uint64_t n;
	int v, fd;

	for (v = 0; v < d->intr_vectors; v++) {
		fd = rte_marlin_pci_intr_fd(d->pci, d->intr_vectors, v);
		if (fd >= 0 && read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
			d->stats.irq_received += n;
	}
}

/* ---- link state ---- */

/* Private copy of a peer's header line, checked. */
static int
peer_hdr_valid(const struct ivsh_dev *d, const struct ivsh_peer *pr,
		struct ivsh_wire_hdr *c)
{
	const struct ivsh_wire_hdr *h = &pr->regs->hdr;

	c->magic = LOAD_ACQ(&h->magic);
	c->version = LOAD_RLX(&h->version);
	c->host_id = LOAD_RLX(&h->host_id);
	c->hosts = LOAD_RLX(&h->hosts);
	c->mw_size = LOAD_RLX(&h->mw_size);
	c->mw_count = LOAD_RLX(&h->mw_count);
	c->spad_count = LOAD_RLX(&h->spad_count);
	c->epoch = LOAD_RLX(&h->epoch);
	c->heartbeat = LOAD_RLX(&h->heartbeat);
	c->link_enable = LOAD_RLX(&h->link_enable);
	if (c->magic != IVSH_WIRE_MAGIC || c->epoch == 0)
		return 0; /* not published (yet, or any more) */
	if (c->version != IVSH_WIRE_VERSION ||
	    c->host_id != (uint32_t)pr->host_id ||
	    c->hosts != (uint32_t)d->p.hosts ||
	    c->mw_size != d->p.mw_size ||
	    c->mw_count != (uint32_t)d->p.mw_count ||
	    c->spad_count != (uint32_t)d->p.spad_count)
		return -1;
	return 1;
}

static void
peer_refresh(struct ivsh_dev *d, struct ivsh_peer *pr, uint64_t now)
{
	struct ivsh_wire_hdr c;
	uint64_t hz = rte_get_timer_hz();
	int valid, alive, up;
	const char *why = NULL;

	valid = peer_hdr_valid(d, pr, &c);
	if (valid < 0 && pr->refused_epoch != c.epoch) {
		pr->refused_epoch = c.epoch;
		d->stats.peer_refused++;
		IVSH_LOG(ERR, "%s: host %d published version %u, id %u, hosts=%u,mw=%u,mw_size=%" PRIu64 ",spads=%u: not linking; give every guest the same devargs and Marlin version",
			d->dev->name, pr->host_id, c.version, c.host_id,
			c.hosts, c.mw_count, c.mw_size, c.spad_count);
	}
	if (valid <= 0) {
		why = valid < 0 ? "refused" : "gone";
		up = 0;
		goto out;
	}
	if (c.epoch != pr->epoch) {
		/* A new incarnation: alive only once its heartbeat moves. */
		if (pr->link_up)
			why = "restarted";
		pr->epoch = c.epoch;
		pr->hb = c.heartbeat;
		pr->hb_tsc = now;
		pr->hb_seen = 0;
	} else if (c.heartbeat != pr->hb) {
		pr->hb = c.heartbeat;
		pr->hb_tsc = now;
		pr->hb_seen = 1;
	}
	alive = pr->hb_seen &&
		now - pr->hb_tsc < hz * (uint64_t)d->p.link_timeout_ms / 1000;
	up = why == NULL && d->link_enabled && c.link_enable == 1 && alive;
	if (why == NULL && !alive)
		why = "heartbeat stopped (guest dead, paused or not polling)";
	if (why == NULL && !c.link_enable)
		why = "disabled by the peer";
out:
	if (up == pr->link_up)
		return;
	pr->link_up = up;
	if (up) {
		d->stats.link_up++;
		IVSH_LOG(NOTICE, "%s: link with host %d up (epoch %" PRIx64 ")",
			d->dev->name, pr->host_id, pr->epoch);
	} else {
		d->stats.link_down++;
		IVSH_LOG(NOTICE, "%s: link with host %d down: %s",
			d->dev->name, pr->host_id,
			why != NULL ? why : "disabled here");
	}
}

static void
ivsh_refresh(struct ivsh_dev *d, int force)
{
	uint64_t now = rte_get_timer_cycles();
	int i;

	if (!force && now < d->next_refresh)
		return;
	d->next_refresh = now + rte_get_timer_hz() / IVSH_REFRESH_PER_SEC;
	for (i = 0; i < d->npeers; i++)
		peer_refresh(d, &d->peers[i], now);
}

/* ---- ops ---- */

static int
ivsh_port_number(struct rte_marlin_ntb_dev *dev)
{
	return to_ivsh(dev)->p.host;
}

static int
ivsh_peer_port_count(struct rte_marlin_ntb_dev *dev)
{
	return to_ivsh(dev)->npeers;
}

static int
ivsh_link_is_up(struct rte_marlin_ntb_dev *dev, int pidx,
		struct rte_marlin_ntb_link *link)
{
	struct ivsh_dev *d = to_ivsh(dev);
	struct ivsh_peer *pr = &d->peers[pidx];

	ivsh_refresh(d, 0);
	link->up = pr->link_up;
	/* Shared memory has no PCIe generation nor lanes: invent nothing. */
	link->speed = pr->link_up ? RTE_MARLIN_NTB_SPEED_UNKNOWN :
		RTE_MARLIN_NTB_SPEED_NONE;
	link->width = pr->link_up ? RTE_MARLIN_NTB_WIDTH_UNKNOWN :
		RTE_MARLIN_NTB_WIDTH_NONE;
	link->peer_epoch = pr->epoch;
	return 0;
}

static int
ivsh_link_enable(struct rte_marlin_ntb_dev *dev,
		enum rte_marlin_ntb_speed speed, enum rte_marlin_ntb_width width)
{
	struct ivsh_dev *d = to_ivsh(dev);

	RTE_SET_USED(speed);
	RTE_SET_USED(width);
	d->link_enabled = 1;
	STORE_REL(&d->regs->hdr.link_enable, 1);
	ivsh_heartbeat(d);
	ivsh_refresh(d, 1);
	return 0;
}

static int
ivsh_link_disable(struct rte_marlin_ntb_dev *dev)
{
	struct ivsh_dev *d = to_ivsh(dev);

	d->link_enabled = 0;
	STORE_REL(&d->regs->hdr.link_enable, 0);
	ivsh_refresh(d, 1);
	return 0;
}

static int
ivsh_mw_count(struct rte_marlin_ntb_dev *dev, int pidx)
{
	RTE_SET_USED(pidx);
	return to_ivsh(dev)->p.mw_count;
}

static int
ivsh_mw_get_align(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		struct rte_marlin_ntb_mw_align *align)
{
	RTE_SET_USED(pidx);
	RTE_SET_USED(widx);
	align->addr_align = IVSH_WIRE_PAGE;
	align->size_align = IVSH_WIRE_PAGE;
	align->size_max = to_ivsh(dev)->p.mw_size;
	return 0;
}

static int
ivsh_mw_set_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		void *addr, rte_iova_t iova, size_t size)
{
	RTE_SET_USED(pidx);
	RTE_SET_USED(addr);
	RTE_SET_USED(iova);
	RTE_SET_USED(size);
	IVSH_LOG(ERR, "%s: window %d is a fixed part of the shared memory and cannot be pointed elsewhere: use rte_marlin_ntb_mw_alloc() to get its memory",
		dev->name, widx);
	return -ENOTSUP;
}

static int
ivsh_mw_clear_trans(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(pidx);
	RTE_SET_USED(widx);
	return -ENOTSUP;
}

static int
ivsh_mw_alloc(struct rte_marlin_ntb_dev *dev, int pidx, int widx, size_t size,
		void **addr, size_t *len)
{
	struct ivsh_dev *d = to_ivsh(dev);
	char a[32], b[32];

	if (size > d->p.mw_size) {
		IVSH_LOG(ERR, "%s: window %d holds %s, %s asked: raise mw_size= (and the shared memory) or ask for less",
			dev->name, widx, rte_marlin_size_format(d->p.mw_size, a, sizeof(a)),
			rte_marlin_size_format(size, b, sizeof(b)));
		return -EINVAL;
	}
	*addr = mw_addr(d, d->p.host, d->peers[pidx].host_id, widx);
	*len = d->p.mw_size;
	return 0;
}

static int
ivsh_mw_free(struct rte_marlin_ntb_dev *dev, int pidx, int widx)
{
	/* The window is part of BAR2 and lives as long as the device. */
	RTE_SET_USED(dev);
	RTE_SET_USED(pidx);
	RTE_SET_USED(widx);
	return 0;
}

static int
ivsh_peer_mw_get_addr(struct rte_marlin_ntb_dev *dev, int pidx, int widx,
		void **base, size_t *size)
{
	struct ivsh_dev *d = to_ivsh(dev);

	*base = mw_addr(d, d->peers[pidx].host_id, d->p.host, widx);
	*size = d->p.mw_size;
	return 0;
}

static int
ivsh_db_valid_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask)
{
	RTE_SET_USED(dev);
	*mask = UINT64_MAX;
	return 0;
}

/* OR of the doorbell bytes every peer has set on our page. */
static int
ivsh_db_read(struct rte_marlin_ntb_dev *dev, uint64_t *bits)
{
	struct ivsh_dev *d = to_ivsh(dev);
	uint64_t out = 0;
	int i;

	for (i = 0; i < d->npeers; i++)
		out |= rte_marlin_ntb_bank_db_read(
			&d->regs->src[d->peers[i].host_id]);
	*bits = out;
	return 0;
}

static int
ivsh_db_clear(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct ivsh_dev *d = to_ivsh(dev);
	int i;

	for (i = 0; i < d->npeers; i++)
		rte_marlin_ntb_bank_db_clear(
			&d->regs->src[d->peers[i].host_id], bits);
	return 0;
}

static int
ivsh_db_set_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct ivsh_dev *d = to_ivsh(dev);

	d->db_mask |= bits;
	ivsh_irq_mask_publish(d);
	return 0;
}

static int
ivsh_db_clear_mask(struct rte_marlin_ntb_dev *dev, uint64_t bits)
{
	struct ivsh_dev *d = to_ivsh(dev);

	d->db_mask &= ~bits;
	ivsh_irq_mask_publish(d);
	return 0;
}

static int
ivsh_db_read_mask(struct rte_marlin_ntb_dev *dev, uint64_t *mask)
{
	*mask = to_ivsh(dev)->db_mask;
	return 0;
}

/*
 * Bytes first (release: window stores before the bell), then, for bits the
 * peer wants an interrupt for, one BAR0 doorbell write per MSI-X vector.
 */
static int
ivsh_peer_db_set(struct rte_marlin_ntb_dev *dev, int pidx, uint64_t bits)
{
	struct ivsh_dev *d = to_ivsh(dev);
	struct ivsh_peer *pr = &d->peers[pidx];
	uint64_t left, irq, vecs = 0;
	uint32_t nvec;
	int b;

	if (!pr->link_up)
		return -ENOLINK;
	rte_marlin_ntb_bank_db_ring(&pr->regs->src[d->p.host], bits);
	d->stats.db_rung += (uint64_t)__builtin_popcountll(bits);
	if (d->bar0 == NULL || !d->doorbell)
		return 0;
	/* Peer-written: one load each into a private copy, then checked. */
	nvec = LOAD_RLX(&pr->regs->hdr.vectors);
	irq = bits & LOAD_ACQ(&pr->regs->hdr.irq_mask);
	if (nvec == 0 || nvec > IVSH_WIRE_MAX_VECTORS)
		return 0;
	for (left = irq; left != 0; left &= left - 1) {
		b = (int)(rte_bsf64(left) % nvec);
		if (vecs & (UINT64_C(1) << b))
			continue;
		vecs |= UINT64_C(1) << b;
		rte_write32(((uint32_t)pr->host_id << 16) | (uint32_t)b,
			d->bar0 + IVSH_REG_DOORBELL);
		d->stats.irq_sent++;
	}
	return 0;
}

static int
ivsh_spad_count(struct rte_marlin_ntb_dev *dev)
{
	return to_ivsh(dev)->p.spad_count;
}

static int
ivsh_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val)
{
	struct ivsh_dev *d = to_ivsh(dev);
	struct ivsh_peer *pr = &d->peers[pidx];
	const struct rte_marlin_ntb_bank *src = &d->regs->src[pr->host_id];
	uint64_t stamp = LOAD_ACQ(&src->epoch);

	/* A stamp we do not know may be from a peer that just restarted. */
	if (stamp != 0 && stamp != pr->epoch)
		ivsh_refresh(d, 0);
	*val = rte_marlin_ntb_bank_spad_get(src, pr->epoch, sidx);
	return 0;
}

static int
ivsh_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val)
{
	struct ivsh_dev *d = to_ivsh(dev);

	STORE_REL(&d->regs->src[d->peers[pidx].host_id].spad[sidx], val);
	return 0;
}

static int
ivsh_peer_spad_write(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t val)
{
	struct ivsh_dev *d = to_ivsh(dev);
	struct ivsh_peer *pr = &d->peers[pidx];

	if (!pr->link_up)
		return -ENOLINK;
	rte_marlin_ntb_bank_spad_put(&pr->regs->src[d->p.host], d->epoch, sidx,
		val);
	return 0;
}

static int
ivsh_peer_spad_read(struct rte_marlin_ntb_dev *dev, int pidx, int sidx,
		uint32_t *val)
{
	struct ivsh_dev *d = to_ivsh(dev);
	struct ivsh_peer *pr = &d->peers[pidx];

	if (!pr->link_up)
		return -ENOLINK;
	*val = rte_marlin_ntb_bank_spad_get(&pr->regs->src[d->p.host], d->epoch,
		sidx);
	return 0;
}

static int
ivsh_poll(struct rte_marlin_ntb_dev *dev)
{
	struct ivsh_dev *d = to_ivsh(dev);

	ivsh_refresh(d, 0);
	ivsh_heartbeat(d);
	if (d->intr_vectors > 0)
		ivsh_intr_drain(d);
	return 0;
}

static void
ivsh_close(struct rte_marlin_ntb_dev *dev)
{
	struct ivsh_dev *d = to_ivsh(dev);

	if (d == NULL)
		return;
	if (d->epfd >= 0) {
		close(d->epfd);
		d->epfd = -1;
	}
	if (d->intr_vectors > 0) {
		ivsh_intr_drain(d);
		d->intr_vectors = 0;
		ivsh_irq_mask_publish(d);
		rte_marlin_pci_intr_disable(d->pci);
	}
	ivsh_shut(d);
	IVSH_LOG(INFO, "%s: closed; doorbells rung %" PRIu64 ", MSI-X sent %"
		PRIu64 ", MSI-X received %" PRIu64, dev->name, d->stats.db_rung,
		d->stats.irq_sent, d->stats.irq_received);
	rte_marlin_pci_unmap_wc(d->wc_va, d->bar2_len);
	d->wc_va = NULL;
}

const struct rte_marlin_ntb_ops ivsh_ops = {
	.port_number = ivsh_port_number,
	.peer_port_count = ivsh_peer_port_count,
	.link_is_up = ivsh_link_is_up,
	.link_enable = ivsh_link_enable,
	.link_disable = ivsh_link_disable,
	.mw_count = ivsh_mw_count,
	.mw_get_align = ivsh_mw_get_align,
	.mw_set_trans = ivsh_mw_set_trans,
	.mw_clear_trans = ivsh_mw_clear_trans,
	.mw_alloc = ivsh_mw_alloc,
	.mw_free = ivsh_mw_free,
	.peer_mw_count = ivsh_mw_count,
	.peer_mw_get_addr = ivsh_peer_mw_get_addr,
	.db_valid_mask = ivsh_db_valid_mask,
	.db_read = ivsh_db_read,
	.db_clear = ivsh_db_clear,
	.db_set_mask = ivsh_db_set_mask,
	.db_clear_mask = ivsh_db_clear_mask,
	.db_read_mask = ivsh_db_read_mask,
	.peer_db_set = ivsh_peer_db_set,
	.spad_count = ivsh_spad_count,
	.spad_read = ivsh_spad_read,
	.spad_write = ivsh_spad_write,
	.peer_spad_read = ivsh_peer_spad_read,
	.peer_spad_write = ivsh_peer_spad_write,
	.poll = ivsh_poll,
	.close = ivsh_close,
};
