/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "fake_ntb_pair.h"

static struct fake_ntb_side *
S(struct rte_marlin_ntb_dev *d)
{
	return *(struct fake_ntb_side **)d->priv;
}

static int f_port(struct rte_marlin_ntb_dev *d) { return S(d)->port; }
static int f_peers(struct rte_marlin_ntb_dev *d) { RTE_SET_USED(d); return 1; }

static int
f_link(struct rte_marlin_ntb_dev *d, int pidx, struct rte_marlin_ntb_link *l)
{
	struct fake_ntb_side *s = S(d);

	RTE_SET_USED(pidx);
	l->up = s->enabled && s->peer->enabled && !s->pair->cable_cut;
	l->peer_epoch = l->up ? s->peer->epoch : 0;
	return 0;
}

static int
f_enable(struct rte_marlin_ntb_dev *d, enum rte_marlin_ntb_speed sp,
		enum rte_marlin_ntb_width w)
{
	RTE_SET_USED(sp);
	RTE_SET_USED(w);
	S(d)->enabled = 1;
	return 0;
}

static int f_disable(struct rte_marlin_ntb_dev *d) { S(d)->enabled = 0; return 0; }

static int
f_one(struct rte_marlin_ntb_dev *d, int p)
{
	RTE_SET_USED(d);
	RTE_SET_USED(p);
	return 1;
}

static int
f_align(struct rte_marlin_ntb_dev *d, int p, int w,
		struct rte_marlin_ntb_mw_align *a)
{
	RTE_SET_USED(p);
	RTE_SET_USED(w);
	a->addr_align = 4096;
	a->size_align = 4096;
	a->size_max = S(d)->pair->win_len;
	return 0;
}

static int
f_mw_alloc(struct rte_marlin_ntb_dev *d, int p, int w, size_t size,
		void **addr, size_t *len)
{
	RTE_SET_USED(p);
	RTE_SET_USED(w);
	if (size > S(d)->pair->win_len)
		return -EINVAL;
	*addr = S(d)->win;
	*len = S(d)->pair->win_len;
	return 0;
}

static int
f_mw_free(struct rte_marlin_ntb_dev *d, int p, int w)
{
	RTE_SET_USED(d);
	RTE_SET_USED(p);
	RTE_SET_USED(w);
	return 0;
}

static int
f_peer_mw(struct rte_marlin_ntb_dev *d, int p, int w, void **base,
		size_t *size)
{
	RTE_SET_USED(p);
	RTE_SET_USED(w);
	*base = S(d)->peer->win;
	*size = S(d)->pair->win_len;
	return 0;
}

static int
f_dbmask(struct rte_marlin_ntb_dev *d, uint64_t *m)
{
	RTE_SET_USED(d);
	*m = 1;
	return 0;
}

static int
f_dbread(struct rte_marlin_ntb_dev *d, uint64_t *b)
{
	RTE_SET_USED(d);
	*b = 0;
	return 0;
}

static int
f_dbclear(struct rte_marlin_ntb_dev *d, uint64_t b)
{
	RTE_SET_USED(d);
	RTE_SET_USED(b);
	return 0;
}

static int
f_peer_db(struct rte_marlin_ntb_dev *d, int p, uint64_t b)
{
	RTE_SET_USED(d);
	RTE_SET_USED(p);
	RTE_SET_USED(b);
	return 0;
}

static int f_spads(struct rte_marlin_ntb_dev *d) { RTE_SET_USED(d); return FAKE_NTB_SPADS; }

static int
f_spad_read(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t *v)
{
	RTE_SET_USED(p);
	*v = S(d)->spad[s];
	return 0;
}

static int
f_peer_spad_write(struct rte_marlin_ntb_dev *d, int p, int s, uint32_t v)
{
	struct fake_ntb_side *me = S(d);

	RTE_SET_USED(p);
	if (me->pair->cable_cut || !me->enabled || !me->peer->enabled)
		return -ENOLINK;
	me->peer->spad[s] = v;
	return 0;
}

static const struct rte_marlin_ntb_ops fake_pair_ops = {
	.port_number = f_port,
	.peer_port_count = f_peers,
	.link_is_up = f_link,
	.link_enable = f_enable,
	.link_disable = f_disable,
	.mw_count = f_one,
	.mw_get_align = f_align,
	.mw_alloc = f_mw_alloc,
	.mw_free = f_mw_free,
	.peer_mw_count = f_one,
	.peer_mw_get_addr = f_peer_mw,
	.db_valid_mask = f_dbmask,
	.db_read = f_dbread,
	.db_clear = f_dbclear,
	.peer_db_set = f_peer_db,
	.spad_count = f_spads,
	.spad_read = f_spad_read,
	.peer_spad_write = f_peer_spad_write,
};

int
fake_ntb_pair_create(struct fake_ntb_pair *p, const char *name, size_t win_len,
		uint64_t epoch0)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->win_len = win_len;
	for (i = 0; i < 2; i++) {
		struct fake_ntb_side *s = &p->side[i];
		char dev_name[32];

		s->port = i;
		s->epoch = epoch0 + (uint64_t)i;
		s->peer = &p->side[1 - i];
		s->pair = p;
		s->win = rte_malloc("fake_ntb_win", win_len, 4096);
		if (s->win == NULL)
			goto fail;
		memset(s->win, 0xee, win_len);
		snprintf(dev_name, sizeof(dev_name), "%s%d", name, i);
		p->dev[i] = rte_marlin_ntb_dev_allocate(dev_name, "fake_pair",
				&fake_pair_ops, sizeof(void *));
		if (p->dev[i] == NULL)
			goto fail;
		*(struct fake_ntb_side **)p->dev[i]->priv = s;
	}
	return 0;
fail:
	fake_ntb_pair_destroy(p);
	return -ENOMEM;
}

void
fake_ntb_pair_destroy(struct fake_ntb_pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p->dev[i] != NULL)
			rte_marlin_ntb_dev_release(p->dev[i]);
		rte_free(p->side[i].win);
		p->dev[i] = NULL;
		p->side[i].win = NULL;
	}
}
