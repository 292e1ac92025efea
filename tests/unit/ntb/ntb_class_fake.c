/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* The fake NTB driver of the NTB class unit tests (see ntb_class_fake.h). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "ntb_class_fake.h"

int *g_close_counter;

static int f_port_number(struct rte_marlin_ntb_dev *d) { (void)d; return 1; }
static int f_peer_port_count(struct rte_marlin_ntb_dev *d) { (void)d; return FAKE_PEERS; }

static int
f_link_is_up(struct rte_marlin_ntb_dev *d, int pidx, struct rte_marlin_ntb_link *l)
{
	struct fake_priv *p = d->priv;

	l->up = !!(p->link_mask & (1ULL << pidx));
	l->speed = l->up ? RTE_MARLIN_NTB_SPEED_GEN3 : RTE_MARLIN_NTB_SPEED_NONE;
	l->width = l->up ? RTE_MARLIN_NTB_WIDTH_8 : RTE_MARLIN_NTB_WIDTH_NONE;
	l->peer_epoch = 40 + pidx;
	return 0;
}

static int
f_link_enable(struct rte_marlin_ntb_dev *d, enum rte_marlin_ntb_speed s,
		enum rte_marlin_ntb_width w)
{
	(void)s; (void)w;
	((struct fake_priv *)d->priv)->enabled = 1;
	return 0;
}

static int
f_link_disable(struct rte_marlin_ntb_dev *d)
{
	((struct fake_priv *)d->priv)->enabled = 0;
	return 0;
}

static int f_mw_count(struct rte_marlin_ntb_dev *d, int p) { (void)d; (void)p; return FAKE_MW; }

static int
f_mw_get_align(struct rte_marlin_ntb_dev *d, int p, int w,
		struct rte_marlin_ntb_mw_align *a)
{
	(void)d; (void)p; (void)w;
	a->addr_align = 4096;
	a->size_align = 4096;
	a->size_max = 1 << 20;
	return 0;
}

static int
f_mw_set_trans(struct rte_marlin_ntb_dev *d, int p, int w, void *addr,
		rte_iova_t iova, size_t size)
{
	struct fake_priv *fp = d->priv;

	(void)p; (void)w; (void)addr;
	fp->set_trans_calls++;
	fp->last_iova = iova;
	fp->last_size = size;
	return fp->set_trans_rc;
}

static int
f_mw_clear_trans(struct rte_marlin_ntb_dev *d, int p, int w)
{
	(void)p; (void)w;
	((struct fake_priv *)d->priv)->clear_trans_calls++;
	return 0;
}

static int f_peer_mw_count(struct rte_marlin_ntb_dev *d, int p) { (void)d; (void)p; return FAKE_MW; }

uint8_t fake_aperture[FAKE_MW][4096];

static int
f_peer_mw_get_addr(struct rte_marlin_ntb_dev *d, int p, int w, void **base,
		size_t *size)
{
	(void)d; (void)p;
	*base = fake_aperture[w];
	*size = sizeof(fake_aperture[w]);
	return 0;
}

static int f_db_valid_mask(struct rte_marlin_ntb_dev *d, uint64_t *m) { (void)d; *m = 0xffff; return 0; }
static int f_db_read(struct rte_marlin_ntb_dev *d, uint64_t *b) { *b = ((struct fake_priv *)d->priv)->db; return 0; }
static int f_db_clear(struct rte_marlin_ntb_dev *d, uint64_t b) { ((struct fake_priv *)d->priv)->db &= ~b; return 0; }
static int f_db_set_mask(struct rte_marlin_ntb_dev *d, uint64_t b) { ((struct fake_priv *)d->priv)->db_mask |= b; return 0; }
static int f_db_clear_mask(struct rte_marlin_ntb_dev *d, uint64_t b) { ((struct fake_priv *)d->priv)->db_mask &= ~b; return 0; }
static int f_db_read_mask(struct rte_marlin_ntb_dev *d, uint64_t *m) { *m = ((struct fake_priv *)d->priv)->db_mask; return 0; }

static int
f_peer_db_set(struct rte_marlin_ntb_dev *d, int p, uint64_t b)
{
	struct fake_priv *fp = d->priv;

	if (!(fp->link_mask & (1ULL << p)))
		return -ENOLINK;
	fp->peer_db[p] |= b;
	return 0;
}

static int f_spad_count(struct rte_marlin_ntb_dev *d) { (void)d; return FAKE_SPADS; }

static int
f_spad_read(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t *v)
{
	*v = ((struct fake_priv *)d->priv)->spad[p][s];
	return 0;
}

static int
f_spad_write(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t v)
{
	((struct fake_priv *)d->priv)->spad[p][s] = v;
	return 0;
}

static int
f_peer_spad_write(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t v)
{
	((struct fake_priv *)d->priv)->peer_spad[p][s] = v;
	return 0;
}

static void
f_close(struct rte_marlin_ntb_dev *d)
{
	((struct fake_priv *)d->priv)->close_calls++;
	if (g_close_counter)
		(*g_close_counter)++;
}

/* the ops every table needs (the class refuses one without any of them) */
#define FAKE_MANDATORY_OPS \
	.port_number = f_port_number, \
	.peer_port_count = f_peer_port_count, \
	.link_is_up = f_link_is_up, \
	.link_enable = f_link_enable, \
	.link_disable = f_link_disable, \
	.mw_count = f_mw_count, \
	.mw_get_align = f_mw_get_align, \
	.mw_set_trans = f_mw_set_trans, \
	.mw_clear_trans = f_mw_clear_trans, \
	.peer_mw_count = f_peer_mw_count, \
	.peer_mw_get_addr = f_peer_mw_get_addr, \
	.db_valid_mask = f_db_valid_mask, \
	.db_read = f_db_read, \
	.db_clear = f_db_clear, \
	.peer_db_set = f_peer_db_set

const struct rte_marlin_ntb_ops full_ops = {
	FAKE_MANDATORY_OPS,
	.db_set_mask = f_db_set_mask,
	.db_clear_mask = f_db_clear_mask,
	.db_read_mask = f_db_read_mask,
	.spad_count = f_spad_count,
	.spad_read = f_spad_read,
	.spad_write = f_spad_write,
	.peer_spad_write = f_peer_spad_write,
	.close = f_close,
};

const struct rte_marlin_ntb_ops min_ops = {
	FAKE_MANDATORY_OPS,
};

struct rte_marlin_ntb_dev *
new_dev(const char *name, const struct rte_marlin_ntb_ops *ops)
{
	struct rte_marlin_ntb_dev *dev;

	dev = rte_marlin_ntb_dev_allocate(name, "fake", ops,
					  sizeof(struct fake_priv));
	assert_non_null(dev);
	return dev;
}

void
record_ev(uint16_t id, const struct rte_marlin_ntb_event *ev, void *arg)
{
	struct ev_log *log = arg;

	(void)id;
	if (log->n < 16)
		log->ev[log->n] = *ev;
	log->n++;
}
