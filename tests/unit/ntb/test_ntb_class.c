/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Unit tests of the NTB device class: ops validation, device table, argument
 * checks of every public call, default window allocation and event dispatch.
 * A fake driver below records what the class asks of it.
 */

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

#include "rte_marlin_ntb.h"
#include "rte_marlin_ntb_driver.h"

/* ---- fake driver -------------------------------------------------------- */

#define FAKE_PEERS 3
#define FAKE_MW 2
#define FAKE_SPADS 4

struct fake_priv {
	uint64_t link_mask;
	uint64_t db;
	uint64_t db_mask;
	uint32_t spad[FAKE_PEERS][FAKE_SPADS];
	uint32_t peer_spad[FAKE_PEERS][FAKE_SPADS];
	uint64_t peer_db[FAKE_PEERS];
	int enabled;
	int set_trans_calls;
	int clear_trans_calls;
	rte_iova_t last_iova;
	size_t last_size;
	int close_calls;
	int set_trans_rc;
};

static int *g_close_counter;

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

static uint8_t fake_aperture[FAKE_MW][4096];

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

static const struct rte_marlin_ntb_ops full_ops = {
	.port_number = f_port_number,
	.peer_port_count = f_peer_port_count,
	.link_is_up = f_link_is_up,
	.link_enable = f_link_enable,
	.link_disable = f_link_disable,
	.mw_count = f_mw_count,
	.mw_get_align = f_mw_get_align,
	.mw_set_trans = f_mw_set_trans,
	.mw_clear_trans = f_mw_clear_trans,
	.peer_mw_count = f_peer_mw_count,
	.peer_mw_get_addr = f_peer_mw_get_addr,
	.db_valid_mask = f_db_valid_mask,
	.db_read = f_db_read,
	.db_clear = f_db_clear,
	.db_set_mask = f_db_set_mask,
	.db_clear_mask = f_db_clear_mask,
	.db_read_mask = f_db_read_mask,
	.peer_db_set = f_peer_db_set,
	.spad_count = f_spad_count,
	.spad_read = f_spad_read,
	.spad_write = f_spad_write,
	.peer_spad_write = f_peer_spad_write,
	.close = f_close,
};

/* The smallest table the class accepts. */
static const struct rte_marlin_ntb_ops min_ops = {
	.port_number = f_port_number,
	.peer_port_count = f_peer_port_count,
	.link_is_up = f_link_is_up,
	.link_enable = f_link_enable,
	.link_disable = f_link_disable,
	.mw_count = f_mw_count,
	.mw_get_align = f_mw_get_align,
	.mw_set_trans = f_mw_set_trans,
	.mw_clear_trans = f_mw_clear_trans,
	.peer_mw_count = f_peer_mw_count,
	.peer_mw_get_addr = f_peer_mw_get_addr,
	.db_valid_mask = f_db_valid_mask,
	.db_read = f_db_read,
	.db_clear = f_db_clear,
	.peer_db_set = f_peer_db_set,
};

/* ---- ops validation ----------------------------------------------------- */

static void
test_validate_full_and_min(void **state)
{
	struct rte_marlin_ntb_ops out;

	(void)state;
	assert_int_equal(rte_marlin_ntb_ops_validate(&full_ops, &out), 0);
	assert_ptr_equal(out.spad_read, f_spad_read);
	assert_non_null(out.msg_read);
	assert_non_null(out.poll);

	assert_int_equal(rte_marlin_ntb_ops_validate(&min_ops, &out), 0);
	/* every gap is filled */
	assert_non_null(out.db_set_mask);
	assert_non_null(out.spad_read);
	assert_non_null(out.peer_msg_write);
	assert_non_null(out.mw_alloc);
	assert_non_null(out.close);
	assert_int_equal(rte_marlin_ntb_ops_validate(NULL, &out), -EINVAL);
	assert_int_equal(rte_marlin_ntb_ops_validate(&min_ops, NULL), -EINVAL);
}

/* Each mandatory op, removed in turn, makes the table invalid. */
static void
test_validate_each_mandatory(void **state)
{
	static const size_t mandatory[] = {
		offsetof(struct rte_marlin_ntb_ops, port_number),
		offsetof(struct rte_marlin_ntb_ops, peer_port_count),
		offsetof(struct rte_marlin_ntb_ops, link_is_up),
		offsetof(struct rte_marlin_ntb_ops, link_enable),
		offsetof(struct rte_marlin_ntb_ops, link_disable),
		offsetof(struct rte_marlin_ntb_ops, mw_count),
		offsetof(struct rte_marlin_ntb_ops, mw_get_align),
		offsetof(struct rte_marlin_ntb_ops, peer_mw_count),
		offsetof(struct rte_marlin_ntb_ops, peer_mw_get_addr),
		offsetof(struct rte_marlin_ntb_ops, db_valid_mask),
		offsetof(struct rte_marlin_ntb_ops, db_read),
		offsetof(struct rte_marlin_ntb_ops, db_clear),
		offsetof(struct rte_marlin_ntb_ops, peer_db_set),
	};
	struct rte_marlin_ntb_ops in, out;
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(mandatory); i++) {
		in = full_ops;
		memset((char *)&in + mandatory[i], 0, sizeof(void *));
		assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);
	}
}

static void
test_validate_pairs(void **state)
{
	struct rte_marlin_ntb_ops in, out;

	(void)state;
	in = full_ops;
	in.mw_clear_trans = NULL;              /* half a pair */
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = full_ops;
	in.db_clear_mask = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = min_ops;
	in.db_read_mask = f_db_read_mask;      /* needs set/clear mask */
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = full_ops;
	in.spad_read = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = full_ops;
	in.peer_spad_write = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = min_ops;
	in.spad_write = f_spad_write;          /* without spad_count & co */
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);

	in = min_ops;                          /* neither set_trans nor alloc */
	in.mw_set_trans = NULL;
	in.mw_clear_trans = NULL;
	assert_int_equal(rte_marlin_ntb_ops_validate(&in, &out), -EINVAL);
}

/* ---- device table ------------------------------------------------------- */

static struct rte_marlin_ntb_dev *
new_dev(const char *name, const struct rte_marlin_ntb_ops *ops)
{
	struct rte_marlin_ntb_dev *dev;

	dev = rte_marlin_ntb_dev_allocate(name, "fake", ops,
					  sizeof(struct fake_priv));
	assert_non_null(dev);
	return dev;
}

static void
test_allocate_and_lookup(void **state)
{
	struct rte_marlin_ntb_dev *a, *b;
	struct rte_marlin_ntb_info info;
	struct rte_marlin_ntb_ops bad = full_ops;
	char longname[RTE_MARLIN_NTB_NAME_LEN + 8];

	(void)state;
	assert_int_equal(rte_marlin_ntb_count(), 0);
	a = new_dev("fake_a", &full_ops);
	b = new_dev("fake_b", &min_ops);
	assert_int_equal(rte_marlin_ntb_count(), 2);
	assert_int_equal(rte_marlin_ntb_get_by_name("fake_a"), a->dev_id);
	assert_int_equal(rte_marlin_ntb_get_by_name("fake_b"), b->dev_id);
	assert_int_equal(rte_marlin_ntb_get_by_name("nope"), -ENODEV);
	assert_int_equal(rte_marlin_ntb_get_by_name(NULL), -EINVAL);
	assert_true(rte_marlin_ntb_is_valid(a->dev_id));
	assert_false(rte_marlin_ntb_is_valid(RTE_MARLIN_NTB_MAX_DEVS));
	assert_ptr_equal(rte_marlin_ntb_dev_get("fake_b"), b);

	/* duplicate name, bad names, bad ops */
	assert_null(rte_marlin_ntb_dev_allocate("fake_a", "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EEXIST);
	assert_null(rte_marlin_ntb_dev_allocate("", "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_marlin_ntb_dev_allocate(NULL, "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(rte_marlin_ntb_dev_allocate(longname, "fake", &full_ops, 0));
	assert_int_equal(rte_errno, EINVAL);
	bad.link_is_up = NULL;
	assert_null(rte_marlin_ntb_dev_allocate("fake_c", "fake", &bad, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_marlin_ntb_count(), 2);

	assert_int_equal(rte_marlin_ntb_info_get(a->dev_id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_info_get(a->dev_id, &info), 0);
	assert_string_equal(info.name, "fake_a");
	assert_string_equal(info.driver, "fake");
	assert_int_equal(info.port, 1);
	assert_int_equal(info.peer_count, FAKE_PEERS);
	assert_int_equal(info.mw_count, FAKE_MW);
	assert_int_equal(info.spad_count, FAKE_SPADS);
	assert_int_equal(info.msg_count, 0);
	assert_true(info.db_valid_mask == 0xffff);
	assert_int_equal(rte_marlin_ntb_info_get(b->dev_id, &info), 0);
	assert_int_equal(info.spad_count, 0);

	assert_int_equal(rte_marlin_ntb_dev_release(a), 0);
	assert_int_equal(rte_marlin_ntb_dev_release(b), 0);
	assert_int_equal(rte_marlin_ntb_dev_release(NULL), 0);
	assert_int_equal(rte_marlin_ntb_count(), 0);
	assert_int_equal(rte_marlin_ntb_info_get(a->dev_id, &info), -ENODEV);
}

static void
test_table_full(void **state)
{
	struct rte_marlin_ntb_dev *devs[RTE_MARLIN_NTB_MAX_DEVS];
	char name[32];
	int i, closed = 0;

	(void)state;
	g_close_counter = &closed;
	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++) {
		snprintf(name, sizeof(name), "full%d", i);
		devs[i] = new_dev(name, &full_ops);
	}
	assert_null(rte_marlin_ntb_dev_allocate("onemore", "fake", &full_ops, 0));
	assert_int_equal(rte_errno, ENOSPC);
	/* a freed slot is reused */
	assert_int_equal(rte_marlin_ntb_dev_release(devs[5]), 0);
	devs[5] = new_dev("again", &full_ops);
	assert_int_equal(devs[5]->dev_id, 5);
	for (i = 0; i < RTE_MARLIN_NTB_MAX_DEVS; i++)
		assert_int_equal(rte_marlin_ntb_dev_release(devs[i]), 0);
	assert_int_equal(closed, RTE_MARLIN_NTB_MAX_DEVS + 1);
	g_close_counter = NULL;
}

/* ---- argument checks of the public API ---------------------------------- */

static void
test_unknown_device(void **state)
{
	const uint16_t id = RTE_MARLIN_NTB_MAX_DEVS - 1;
	struct rte_marlin_ntb_mw_align al;
	struct rte_marlin_ntb_link link;
	uint64_t u64;
	uint32_t u32;
	void *p;
	size_t sz;
	int pi;

	(void)state;
	assert_int_equal(rte_marlin_ntb_port_number(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_port_count(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 0), -ENODEV);
	assert_true(rte_marlin_ntb_link_is_up(id, NULL, NULL) == -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_get(id, 0, &link), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_disable(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_count(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, 0, &al), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, &al, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_clear_trans(id, 0, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, 0, &p, &sz), -ENODEV);
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_mw_count(id, 0), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, 0, &p, &sz), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_valid_mask(id, &u64), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_read(id, &u64), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_clear(id, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, &u64), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_spad_count(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, 0, &u32), -ENODEV);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, &u32), -ENODEV);
	assert_int_equal(rte_marlin_ntb_msg_count(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_msg_read(id, 0, &pi, &u32), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_msg_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, NULL, NULL), -ENODEV);
	assert_int_equal(rte_marlin_ntb_poll(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_wait(id, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_port_number(UINT16_MAX), -ENODEV);
}

static void
test_bad_indices(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("idx", &full_ops);
	uint16_t id = dev->dev_id;
	struct rte_marlin_ntb_mw_align al;
	struct rte_marlin_ntb_link link;
	uint32_t v;
	void *p;
	size_t sz;

	(void)state;
	/* peers */
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, -1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, FAKE_PEERS), -EINVAL);
	assert_int_equal(rte_marlin_ntb_link_get(id, FAKE_PEERS, &link), -EINVAL);
	assert_int_equal(rte_marlin_ntb_link_get(id, 0, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_count(id, -1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_mw_count(id, FAKE_PEERS), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, FAKE_PEERS, 1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_link_wait(id, -1, 1), -EINVAL);
	/* windows */
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, FAKE_MW, &al), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, -1, &al), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_get_align(id, 0, 0, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, FAKE_MW, &al, 0, 64), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, NULL, 0, 64), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_set_trans(id, 0, 0, &al, 0, 0), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_clear_trans(id, 0, FAKE_MW), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, FAKE_MW, 0, &p, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, 0, NULL, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, (2 << 20), &p, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 0), -ENOENT);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, FAKE_MW, &p, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, 0, NULL, &sz), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(id, 0, 0, &p, NULL), -EINVAL);
	/* doorbells: bits outside the valid mask, NULL outputs */
	assert_int_equal(rte_marlin_ntb_db_clear(id, 1ULL << 20), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 1ULL << 40), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 1ULL << 63), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1ULL << 16), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_read(id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_db_valid_mask(id, NULL), -EINVAL);
	/* scratchpads */
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, FAKE_SPADS, &v), -EINVAL);
	assert_int_equal(rte_marlin_ntb_spad_read(id, FAKE_PEERS, 0, &v), -EINVAL);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, 0, NULL), -EINVAL);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 0, -1, 0), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, FAKE_SPADS, 0), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, NULL), -EINVAL);
	/* ports */
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 1), -EINVAL); /* our own */
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, -3), -EINVAL);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, FAKE_PEERS + 1), -EINVAL);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

/* A device without the optional groups answers -ENOTSUP, never crashes. */
static void
test_missing_ops_enotsup(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("minimal", &min_ops);
	uint16_t id = dev->dev_id;
	uint64_t m;
	uint32_t v;
	int pidx;

	(void)state;
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, &m), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_spad_count(id), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 0, 0, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 0, 0, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, 0, 1), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_msg_count(id), 0);
	assert_int_equal(rte_marlin_ntb_msg_read(id, 0, &pidx, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_peer_msg_write(id, 0, 0, 1), -ENOTSUP);
	/* a full device's spad group works, peer_spad_read stays optional */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	dev = new_dev("full", &full_ops);
	id = dev->dev_id;
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 2, 3, 0xabcd), 0);
	assert_int_equal(((struct fake_priv *)dev->priv)->peer_spad[2][3], 0xabcd);
	assert_int_equal(rte_marlin_ntb_spad_write(id, 1, 0, 7), 0);
	assert_int_equal(rte_marlin_ntb_spad_read(id, 1, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(rte_marlin_ntb_peer_spad_read(id, 0, 0, &v), -ENOTSUP);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

static void
test_ports_default_numbering(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("ports", &full_ops);
	uint16_t id = dev->dev_id;

	(void)state;
	/* local port 1, peers at ports 0, 2, 3 */
	assert_int_equal(rte_marlin_ntb_port_number(id), 1);
	assert_int_equal(rte_marlin_ntb_peer_port_count(id), FAKE_PEERS);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 1), 2);
	assert_int_equal(rte_marlin_ntb_peer_port_number(id, 2), 3);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 0), 0);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 2), 1);
	assert_int_equal(rte_marlin_ntb_peer_port_idx(id, 3), 2);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

/* ---- windows ------------------------------------------------------------ */

static void
test_mw_alloc_default(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("mw", &full_ops);
	struct fake_priv *fp = dev->priv;
	uint16_t id = dev->dev_id;
	void *a = NULL, *b = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 1, 10000, &a, &len), 0);
	assert_non_null(a);
	assert_int_equal(len, 12288);                 /* rounded to size_align */
	assert_int_equal(((uintptr_t)a) % 4096, 0);   /* addr_align */
	assert_int_equal(fp->set_trans_calls, 1);
	assert_int_equal(fp->last_size, 12288);
	assert_true(fp->last_iova == rte_mem_virt2iova(a));
	memset(a, 0x5a, len);                         /* memory is usable */

	/* same window again: same memory, no new translation */
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 1, 4096, &b, NULL), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(fp->set_trans_calls, 1);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 1, 1 << 20, &b, NULL), -EBUSY);

	/* whole window by default */
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 2, 0, 0, &b, &len), 0);
	assert_int_equal(len, 1 << 20);

	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 1), 0);
	assert_int_equal(fp->clear_trans_calls, 1);
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 1), -ENOENT);

	/* a translation the device refuses releases the memory */
	fp->set_trans_rc = -EIO;
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 1, 0, 4096, &a, NULL), -EIO);
	fp->set_trans_rc = 0;
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 1, 0, 4096, &a, NULL), 0);

	/* release clears what is left (the window of pidx 2 and pidx 1) */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	assert_null(rte_memzone_lookup("mln_mw_0_2_0"));
}

static void
test_peer_mw(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("pmw", &full_ops);
	void *base;
	size_t size;

	(void)state;
	assert_int_equal(rte_marlin_ntb_peer_mw_count(dev->dev_id, 0), FAKE_MW);
	assert_int_equal(rte_marlin_ntb_peer_mw_get_addr(dev->dev_id, 1, 1, &base,
			&size), 0);
	assert_ptr_equal(base, fake_aperture[1]);
	assert_int_equal(size, 4096);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

/* ---- link and events ---------------------------------------------------- */

struct ev_log {
	int n;
	struct rte_marlin_ntb_event ev[16];
};

static void
record_ev(uint16_t id, const struct rte_marlin_ntb_event *ev, void *arg)
{
	struct ev_log *log = arg;

	(void)id;
	if (log->n < 16)
		log->ev[log->n] = *ev;
	log->n++;
}

static void
test_link_and_events(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("ev", &full_ops);
	struct fake_priv *fp = dev->priv;
	uint16_t id = dev->dev_id;
	enum rte_marlin_ntb_speed sp;
	enum rte_marlin_ntb_width wd;
	struct rte_marlin_ntb_link link;
	struct ev_log log = { 0 };
	uint64_t bits;

	(void)state;
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, record_ev, &log), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(fp->enabled, 1);

	/* nothing changed, nothing reported */
	assert_int_equal(rte_marlin_ntb_poll(id), 0);
	assert_true(rte_marlin_ntb_link_is_up(id, &sp, &wd) == 0);
	assert_int_equal(sp, RTE_MARLIN_NTB_SPEED_NONE);
	assert_int_equal(rte_marlin_ntb_link_wait(id, 0, 5), -ETIMEDOUT);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1), -ENOLINK);

	/* peers 0 and 2 come up: two events */
	fp->link_mask = 0x5;
	assert_int_equal(rte_marlin_ntb_poll(id), 2);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ev[0].type, RTE_MARLIN_NTB_EVENT_LINK);
	assert_int_equal(log.ev[0].pidx, 0);
	assert_int_equal(log.ev[0].link_up, 1);
	assert_int_equal(log.ev[1].pidx, 2);
	assert_true(rte_marlin_ntb_link_is_up(id, &sp, &wd) == 0x5);
	assert_int_equal(sp, RTE_MARLIN_NTB_SPEED_GEN3);
	assert_int_equal(wd, RTE_MARLIN_NTB_WIDTH_8);
	assert_int_equal(rte_marlin_ntb_link_get(id, 2, &link), 0);
	assert_int_equal(link.up, 1);
	assert_true(link.peer_epoch == 42);
	assert_int_equal(rte_marlin_ntb_link_wait(id, 2, 5), 0);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 2, 0x30), 0);
	assert_true(fp->peer_db[2] == 0x30);

	/* doorbell: reported once until cleared */
	fp->db = 0x11;
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_int_equal(log.ev[2].type, RTE_MARLIN_NTB_EVENT_DB);
	assert_true(log.ev[2].db_bits == 0x11);
	assert_int_equal(rte_marlin_ntb_poll(id), 0);
	assert_int_equal(rte_marlin_ntb_db_read(id, &bits), 0);
	assert_true(bits == 0x11);
	assert_int_equal(rte_marlin_ntb_db_clear(id, 0x11), 0);
	assert_int_equal(rte_marlin_ntb_db_read(id, &bits), 0);
	assert_true(bits == 0);
	fp->db = 0x1;                                /* rung again */
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_true(log.ev[3].db_bits == 0x1);
	assert_int_equal(rte_marlin_ntb_db_clear(id, 0x1), 0);

	/* masked bits raise nothing until unmasked */
	assert_int_equal(rte_marlin_ntb_db_set_mask(id, 0x4), 0);
	assert_int_equal(rte_marlin_ntb_db_read_mask(id, &bits), 0);
	assert_true(bits == 0x4);
	fp->db = 0x4;
	assert_int_equal(rte_marlin_ntb_poll(id), 0);
	assert_int_equal(rte_marlin_ntb_db_clear_mask(id, 0x4), 0);
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_true(log.ev[4].db_bits == 0x4);

	/* link down of peer 0 */
	fp->link_mask = 0x4;
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_int_equal(log.ev[5].type, RTE_MARLIN_NTB_EVENT_LINK);
	assert_int_equal(log.ev[5].pidx, 0);
	assert_int_equal(log.ev[5].link_up, 0);

	/* without a callback events are still counted */
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, NULL, NULL), 0);
	fp->link_mask = 0;
	assert_int_equal(rte_marlin_ntb_poll(id), 1);
	assert_int_equal(log.n, 6);

	assert_int_equal(rte_marlin_ntb_link_disable(id), 0);
	assert_int_equal(fp->enabled, 0);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
}

/*
 * The teardown rule: a device removed while users hold it is gone for them
 * (link-down events, then -ENODEV; its link disabled so that peers see it
 * drop) but stays in memory, windows included, until the last user lets go;
 * only then does the driver close it.
 */
static void
test_removed_while_used(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("held", &full_ops), *again;
	struct fake_priv *fp = dev->priv;
	uint16_t id = dev->dev_id;
	struct rte_marlin_ntb_link link;
	struct ev_log log = { 0 };
	int closed = 0, before = rte_marlin_ntb_count();
	void *win = NULL;
	size_t len = 0;

	(void)state;
	g_close_counter = &closed;
	assert_int_equal(rte_marlin_ntb_user_put(id), -EINVAL);  /* no user */
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, record_ev, &log), 0);
	assert_int_equal(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
			RTE_MARLIN_NTB_WIDTH_AUTO), 0);
	assert_int_equal(rte_marlin_ntb_mw_alloc(id, 0, 0, 4096, &win, &len), 0);
	fp->link_mask = 0x5;
	assert_int_equal(rte_marlin_ntb_poll(id), 2);
	assert_int_equal(rte_marlin_ntb_user_get(id), 0);
	assert_int_equal(rte_marlin_ntb_user_get(id), 0);
	assert_int_equal(rte_marlin_ntb_dev_users(dev), 2);

	/* removed (driver remove, rte_eal_cleanup): kept, but gone */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	assert_int_equal(closed, 0);
	assert_int_equal(fp->close_calls, 0);
	assert_int_equal(fp->clear_trans_calls, 0);
	memset(win, 0xab, len);                  /* windows still mapped */
	assert_int_equal(rte_marlin_ntb_dev_release(dev), -EINVAL);
	assert_int_equal(rte_marlin_ntb_get_by_name("held"), -ENODEV);
	assert_null(rte_marlin_ntb_dev_get("held"));
	assert_int_equal(rte_marlin_ntb_is_valid(id), 0);
	assert_int_equal(rte_marlin_ntb_count(), before - 1);
	assert_int_equal(rte_marlin_ntb_user_get(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_link_get(id, 0, &link), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_db_set(id, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_peer_spad_write(id, 0, 0, 1), -ENODEV);
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, record_ev, &log),
			 -ENODEV);

	/* the next poll drops the link and reports it, once */
	assert_int_equal(fp->enabled, 1);
	assert_int_equal(rte_marlin_ntb_poll(id), 2);
	assert_int_equal(fp->enabled, 0);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.ev[2].type, RTE_MARLIN_NTB_EVENT_LINK);
	assert_int_equal(log.ev[2].pidx, 0);
	assert_int_equal(log.ev[2].link_up, 0);
	assert_int_equal(log.ev[3].pidx, 2);
	assert_int_equal(log.ev[3].link_up, 0);
	assert_int_equal(rte_marlin_ntb_poll(id), -ENODEV);
	assert_int_equal(log.n, 4);

	/* teardown calls of a user still work */
	assert_int_equal(rte_marlin_ntb_mw_free(id, 0, 0), 0);
	assert_int_equal(rte_marlin_ntb_event_callback_register(id, NULL, NULL), 0);

	/* the name is free for a new device meanwhile */
	again = new_dev("held", &full_ops);
	assert_int_not_equal(again->dev_id, id);
	assert_int_equal(rte_marlin_ntb_get_by_name("held"), again->dev_id);
	assert_int_equal(rte_marlin_ntb_dev_release(again), 0);
	assert_int_equal(closed, 1);
	closed = 0;

	/* freed with the last user, not before */
	assert_int_equal(rte_marlin_ntb_user_put(id), 0);
	assert_int_equal(closed, 0);
	assert_int_equal(fp->clear_trans_calls, 0);
	assert_int_equal(rte_marlin_ntb_user_put(id), 0);
	assert_int_equal(closed, 1);
	assert_int_equal(rte_marlin_ntb_user_put(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_count(), before - 1);
	g_close_counter = NULL;
}

/* Without users a removed device goes at once; users hold an unremoved
 * device without keeping it from closing later. */
static void
test_users_without_removal(void **state)
{
	struct rte_marlin_ntb_dev *dev = new_dev("plain", &full_ops);
	uint16_t id = dev->dev_id;
	int closed = 0;

	(void)state;
	g_close_counter = &closed;
	assert_int_equal(rte_marlin_ntb_user_get(id), 0);
	assert_int_equal(rte_marlin_ntb_user_put(id), 0);
	assert_int_equal(closed, 0);
	assert_int_equal(rte_marlin_ntb_is_valid(id), 1);
	assert_int_equal(rte_marlin_ntb_dev_release(dev), 0);
	assert_int_equal(closed, 1);
	assert_int_equal(rte_marlin_ntb_user_get(id), -ENODEV);
	assert_int_equal(rte_marlin_ntb_user_get(RTE_MARLIN_NTB_MAX_DEVS), -ENODEV);
	assert_int_equal(rte_marlin_ntb_user_put(RTE_MARLIN_NTB_MAX_DEVS), -ENODEV);
	assert_int_equal(rte_marlin_ntb_dev_users(NULL), -EINVAL);
	g_close_counter = NULL;
}

int
main(int argc, char **argv)
{
	char *eal_args[] = {
		argv[0], "--no-pci", "--no-huge", "-m", "64", "--no-shconf",
		"--file-prefix=ut_ntb_class", "--log-level=lib.marlin.*:error",
		"-l", "0",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_full_and_min),
		cmocka_unit_test(test_validate_each_mandatory),
		cmocka_unit_test(test_validate_pairs),
		cmocka_unit_test(test_allocate_and_lookup),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_unknown_device),
		cmocka_unit_test(test_bad_indices),
		cmocka_unit_test(test_missing_ops_enotsup),
		cmocka_unit_test(test_ports_default_numbering),
		cmocka_unit_test(test_mw_alloc_default),
		cmocka_unit_test(test_peer_mw),
		cmocka_unit_test(test_link_and_events),
		cmocka_unit_test(test_removed_while_used),
		cmocka_unit_test(test_users_without_removal),
	};
	int rc;

	(void)argc;
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
