/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * CMMC unit tests: contexts and memory, data (write, read, notify,
 * scatter/gather, bounds and rights), messages and notification bursts.
 */

#include "test_cmmc.h"

/* ---- contexts and memory ------------------------------------------------ */

void
test_open_and_state(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_conf bad;

	assert_int_equal(rte_cmmc_port(f->c[0]), 0);
	assert_int_equal(rte_cmmc_port(f->c[1]), 1);
	assert_int_equal(rte_cmmc_peer_state(f->c[0], 1), RTE_CMMC_PEER_READY);
	assert_int_equal(rte_cmmc_peer_state(f->c[0], 5), -ENOENT);
	assert_int_equal(rte_cmmc_peer_wait(f->c[0], 1, 100), 0);
	assert_int_equal(rte_cmmc_poll(f->c[0]), 1);
	assert_true(rte_cmmc_exportable_len(f->c[0], 1) > (1u << 20));
	assert_true(rte_cmmc_exportable_len(f->c[0], 7) == 0);
	/* a second context on the same device and peer */
	assert_null(rte_cmmc_open(f->dev[0]->dev_id, NULL));
	assert_int_equal(rte_errno, EEXIST);
	rte_cmmc_conf_default(&bad);
	bad.nb_ep = RTE_CMMC_MAX_EP + 1;
	assert_null(rte_cmmc_open(f->dev[0]->dev_id, &bad));
	assert_int_equal(rte_errno, EINVAL);
	rte_cmmc_conf_default(&bad);
	bad.reserved[1] = 1;
	assert_null(rte_cmmc_open(f->dev[0]->dev_id, &bad));
	assert_int_equal(rte_errno, EINVAL);
	/* endpoints */
	assert_null(rte_cmmc_ep_create(f->c[0], 1, 0));
	assert_int_equal(rte_errno, EEXIST);
	assert_null(rte_cmmc_ep_create(f->c[0], 1, 2));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_cmmc_ep_create(f->c[0], 4, 1));
	assert_int_equal(rte_errno, ENOENT);
}

void
test_memory(void **state)
{
	struct fx *f = *state;
	size_t total = rte_cmmc_exportable_len(f->c[1], 0), len;
	struct rte_cmmc_mem *a, *b, *all;
	struct rte_cmmc_key k;
	uint8_t *p;
	void *heap;

	a = rte_cmmc_alloc(f->c[1], 0, 100, 0);
	assert_non_null(a);
	p = rte_cmmc_mem_addr(a, &len);
	assert_int_equal(len, 100);
	assert_int_equal((uintptr_t)p % 64, 0);
	assert_int_equal(p[0], 0);               /* zeroed, not the 0xee */
	assert_int_equal(p[99], 0);
	b = rte_cmmc_alloc(f->c[1], 0, 5000, 1u << 16);
	assert_non_null(b);
	assert_int_equal((uintptr_t)rte_cmmc_mem_addr(b, NULL) % (1u << 16), 0);
	/* never over the key table at the start of the region */
	assert_true((uint8_t *)rte_cmmc_mem_addr(a, NULL) >= pair.side[1].win + 0);
	/* too much, bad arguments */
	assert_null(rte_cmmc_alloc(f->c[1], 0, total, 0));
	assert_int_equal(rte_errno, ENOMEM);
	assert_null(rte_cmmc_alloc(f->c[1], 0, 0, 0));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_cmmc_alloc(f->c[1], 0, 64, 48));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(rte_cmmc_alloc(f->c[1], 3, 64, 0));
	assert_int_equal(rte_errno, ENOENT);
	/* live keys pin memory */
	assert_int_equal(rte_cmmc_key_export(b, 0, 5000, RTE_CMMC_ACCESS_READ, &k), 0);
	assert_int_equal(rte_cmmc_mem_free(b), -EBUSY);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), 0);
	assert_int_equal(rte_cmmc_mem_free(b), 0);
	assert_int_equal(rte_cmmc_mem_free(a), 0);
	/* everything came back and merged: the whole span is one piece again */
	all = rte_cmmc_alloc(f->c[1], 0, total, 0);
	assert_non_null(all);
	assert_int_equal(rte_cmmc_mem_free(all), 0);
	/* registration: DPDK memory only */
	heap = malloc(4096);
	assert_null(rte_cmmc_mem_register(f->c[0], heap, 4096));
	assert_int_equal(rte_errno, EFAULT);
	free(heap);
	assert_null(rte_cmmc_mem_register(f->c[0], NULL, 4096));
	assert_int_equal(rte_errno, EINVAL);
	/* registered memory cannot be exported */
	assert_int_equal(rte_cmmc_key_export(f->lmem[0], 0, 64,
					     RTE_CMMC_ACCESS_READ, &k), -EINVAL);
	assert_int_equal(rte_cmmc_mem_free(NULL), 0);
}

/* ---- data --------------------------------------------------------------- */

void
test_write_read_notify(void **state)
{
	struct fx *f = *state;
	const size_t len = 256 * 1024;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, len, RTE_CMMC_ACCESS_READ |
					 RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	uint8_t *dst = rte_cmmc_mem_addr(mem, NULL);
	uint8_t *src = f->lbuf[0], *back = f->lbuf[0] + len;
	struct rte_cmmc_cpl cpl[8];
	struct rte_cmmc_event ev[8];
	struct rte_cmmc_ep_stats st;

	assert_true(rte_cmmc_rkey_len(rk) == len);
	fill(src, len, 1);
	/* plain write of everything, signalled */
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, src, len, 0xa1,
					RTE_CMMC_F_SIGNALED), 0);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_true(cpl[0].cookie == 0xa1);
	assert_int_equal(cpl[0].status, 0);
	assert_int_equal(cpl[0].opcode, RTE_CMMC_OP_WRITE);
	assert_memory_equal(dst, src, len);

	/* write with notification into the middle; then an 8-byte one */
	fill(src, 5000, 2);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 1000, src, 5000,
					       0x1234, 0xa2, 0), 0);
	fill(src + 8192, 8, 3);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, len - 8, src + 8192,
					       8, 0x5678, 0xa3, 0), 0);
	assert_int_equal(recv_wait(f->ep[1], f->ep[0], ev, 2), 2);
	assert_int_equal(ev[0].type, RTE_CMMC_EVENT_NOTIFY);
	assert_true(ev[0].imm == 0x1234);
	assert_ptr_equal(ev[0].mem, mem);
	assert_int_equal(ev[0].offset, 1000);
	assert_int_equal(ev[0].len, 5000);
	assert_ptr_equal(ev[0].data, dst + 1000);
	assert_memory_equal(dst + 1000, src, 5000);
	assert_true(ev[1].imm == 0x5678);
	assert_int_equal(ev[1].offset, len - 8);
	assert_memory_equal(dst + len - 8, src + 8192, 8);
	/* the 0-byte notification: only the immediate */
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, NULL, 0, 9, 0, 0), 0);
	assert_int_equal(recv_wait(f->ep[1], f->ep[0], ev, 1), 1);
	assert_int_equal(ev[0].len, 0);
	assert_true(ev[0].imm == 9);

	/* read back all of it */
	memset(back, 0, len);
	assert_int_equal(rte_cmmc_read(f->ep[0], rk, 0, back, len, 0xb1,
				       RTE_CMMC_F_SIGNALED), 0);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_int_equal(cpl[0].opcode, RTE_CMMC_OP_READ);
	assert_int_equal(cpl[0].status, 0);
	assert_memory_equal(back, dst, len);

	/* the other direction: host 1 reads host 0's memory it was given */
	{
		struct rte_cmmc_mem *m0 = rte_cmmc_alloc(f->c[0], 1, 4096, 0);
		struct rte_cmmc_key k;
		struct rte_cmmc_rkey *rk1;

		assert_non_null(m0);
		fill(rte_cmmc_mem_addr(m0, NULL), 4096, 9);
		assert_int_equal(rte_cmmc_key_export(m0, 0, 4096,
				 RTE_CMMC_ACCESS_READ, &k), 0);
		rk1 = rte_cmmc_key_import(f->c[1], &k);
		assert_non_null(rk1);
		/* into memory host 1 allocated for host 0: zero copies in between */
		assert_int_equal(rte_cmmc_read(f->ep[1], rk1, 0, dst, 4096, 1,
					       RTE_CMMC_F_SIGNALED), 0);
		assert_int_equal(cq_wait(f->ep[1], cpl, 1), 1);
		assert_memory_equal(dst, rte_cmmc_mem_addr(m0, NULL), 4096);
		assert_int_equal(rte_cmmc_rkey_release(rk1), 0);
	}
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[0], &st), 0);
	assert_true(st.tx_bytes == len + 5000 + 8);
	assert_true(st.rx_bytes == len);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.notify_rx == 3);
	assert_true(st.refused_notify == 0);
}

void
test_scatter_gather(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 65536, RTE_CMMC_ACCESS_READ |
					 RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	uint8_t *dst = rte_cmmc_mem_addr(mem, NULL), *l = f->lbuf[0];
	struct rte_cmmc_iov iov[3] = {
		{ .base = l + 100, .len = 1000 },
		{ .base = l + 20000, .len = 7 },
		{ .base = l + 40000, .len = 3000 },
	};
	struct rte_cmmc_op op = {
		.opcode = RTE_CMMC_OP_WRITE, .flags = RTE_CMMC_F_NOTIFY |
		RTE_CMMC_F_SIGNALED, .nb_iov = 3, .iov = iov, .rkey = rk,
		.remote_off = 512, .imm = 77, .cookie = 5,
	};
	struct rte_cmmc_iov many[RTE_CMMC_MAX_IOV + 1];
	struct rte_cmmc_event ev[2];
	struct rte_cmmc_cpl cpl[2];
	unsigned int i;

	fill(l, 65536, 4);
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), 1);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_true(cpl[0].cookie == 5);
	assert_memory_equal(dst + 512, l + 100, 1000);
	assert_memory_equal(dst + 1512, l + 20000, 7);
	assert_memory_equal(dst + 1519, l + 40000, 3000);
	/* the notification names the last piece */
	assert_int_equal(recv_wait(f->ep[1], f->ep[0], ev, 1), 1);
	assert_true(ev[0].imm == 77);
	assert_int_equal(ev[0].offset, 1519);
	assert_int_equal(ev[0].len, 3000);

	/* scatter the same range back into three other places */
	memset(l + 50000, 0, 8000);
	iov[0].base = l + 50000;
	iov[1].base = l + 52000;
	iov[2].base = l + 53000;
	op.opcode = RTE_CMMC_OP_READ;
	op.flags = RTE_CMMC_F_SIGNALED;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), 1);
	assert_int_equal(cq_wait(f->ep[0], cpl, 1), 1);
	assert_memory_equal(l + 50000, l + 100, 1000);
	assert_memory_equal(l + 52000, l + 20000, 7);
	assert_memory_equal(l + 53000, l + 40000, 3000);

	/* the list as a whole must fit the key; too many pieces is refused */
	op.opcode = RTE_CMMC_OP_WRITE;
	op.remote_off = 65536 - 4006;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), -ERANGE);
	for (i = 0; i < RTE_DIM(many); i++) {
		many[i].base = l;
		many[i].len = 1;
	}
	op.iov = many;
	op.nb_iov = RTE_DIM(many);
	op.remote_off = 0;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), -EINVAL);
	/* one piece outside registered memory spoils the operation */
	op.nb_iov = 2;
	many[1].base = &i;
	assert_int_equal(rte_cmmc_post(f->ep[0], &op, 1), -EFAULT);
}

void
test_bounds_and_rights(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mw, *mr;
	struct rte_cmmc_rkey *wonly = share(f, 8192, RTE_CMMC_ACCESS_WRITE, &mw,
					    NULL);
	struct rte_cmmc_rkey *ronly = share(f, 8192, RTE_CMMC_ACCESS_READ, &mr,
					    NULL);
	uint8_t *src = f->lbuf[0], onstack[16];
	struct rte_cmmc_op ops[3];
	struct rte_cmmc_ep_stats st;

	memset(src, 0x5a, 8192);
	/* the last byte is in, one past is out, wrapping offsets are out */
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 8191, src, 1, 0, 0), 0);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 8192, src, 1, 0, 0), -ERANGE);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 1, src, 8192, 0, 0), -ERANGE);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, UINT64_MAX, src, 2, 0, 0),
			 -ERANGE);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], wonly, 8193, NULL, 0, 1,
					       0, 0), -ERANGE);
	/* rights */
	assert_int_equal(rte_cmmc_read(f->ep[0], wonly, 0, src, 8, 0, 0), -EPERM);
	assert_int_equal(rte_cmmc_write(f->ep[0], ronly, 0, src, 8, 0, 0), -EPERM);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], ronly, 0, src, 8, 1, 0, 0),
			 -EPERM);
	assert_int_equal(rte_cmmc_read(f->ep[0], ronly, 0, src, 8, 0, 0), 0);
	/* local side */
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 0, onstack, 16, 0, 0),
			 -EFAULT);
	assert_int_equal(rte_cmmc_write(f->ep[0], wonly, 0, f->lbuf[0] + LBUF_LEN - 8,
					16, 0, 0), -EFAULT);
	/* malformed operations */
	memset(ops, 0, sizeof(ops));
	ops[0].opcode = 9;
	ops[0].rkey = wonly;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	ops[0].opcode = RTE_CMMC_OP_READ;
	ops[0].flags = RTE_CMMC_F_NOTIFY;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	ops[0].opcode = RTE_CMMC_OP_WRITE;
	ops[0].flags = 0x80;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	ops[0].flags = 0;
	ops[0].rkey = NULL;
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 1), -EINVAL);
	/* a burst stops at the first bad operation */
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct rte_cmmc_op){ .opcode = RTE_CMMC_OP_WRITE, .len = 8,
		.local = src, .rkey = wonly };
	ops[1] = ops[0];
	ops[1].remote_off = 9000;
	ops[2] = ops[0];
	assert_int_equal(rte_cmmc_post(f->ep[0], ops, 3), 1);
	assert_int_equal(rte_cmmc_post(f->ep[0], ops + 1, 2), -ERANGE);
	assert_int_equal(rte_cmmc_post(f->ep[0], ops + 2, 1), 1);
	/* a key of this peer used on an endpoint to another peer is refused:
	 * there is only one peer here, so borrow host 1's endpoint */
	assert_int_equal(rte_cmmc_write(f->ep[1], wonly, 0, f->lbuf[1], 8, 0, 0),
			 -EXDEV);
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[0], &st), 0);
	assert_true(st.refused_ops >= 12);
}
void
test_messages(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_key k;
	struct rte_cmmc_mem *mem = rte_cmmc_alloc(f->c[1], 0, 4096, 0);
	struct rte_cmmc_event ev[4];
	struct rte_cmmc_rkey *rk;
	uint8_t big[300];

	/* a key travels as a message, then works */
	assert_non_null(mem);
	assert_int_equal(rte_cmmc_key_export(mem, 0, 4096, RTE_CMMC_ACCESS_WRITE,
					     &k), 0);
	assert_int_equal(rte_cmmc_msg_send(f->ep[1], &k, sizeof(k)), 0);
	assert_int_equal(recv_wait(f->ep[0], NULL, ev, 1), 1);
	assert_int_equal(ev[0].type, RTE_CMMC_EVENT_MSG);
	assert_int_equal(ev[0].len, sizeof(k));
	rk = rte_cmmc_key_import(f->c[0], ev[0].data);
	assert_non_null(rk);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 4096, 0, 0), 0);
	memset(big, 1, sizeof(big));
	assert_int_equal(rte_cmmc_msg_send(f->ep[1], big, sizeof(big)), -EMSGSIZE);
	/* endpoints pair by index: nothing arrives on endpoint 1 */
	{
		struct rte_cmmc_ep *e1 = rte_cmmc_ep_create(f->c[0], 1, 1);

		assert_non_null(e1);
		assert_int_equal(rte_cmmc_msg_send(f->ep[1], big, 10), 0);
		assert_int_equal(rte_cmmc_recv(e1, ev, 4), 0);
		assert_int_equal(recv_wait(f->ep[0], NULL, ev, 1), 1);
		assert_int_equal(rte_cmmc_ep_destroy(e1), 0);
	}
}

/* Many notifications: credits go back in batches and nothing stalls. */
void
test_many_notifications(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 65536, RTE_CMMC_ACCESS_WRITE, &mem,
					 NULL);
	uint64_t *dst = rte_cmmc_mem_addr(mem, NULL);
	uint64_t *src = (uint64_t *)f->lbuf[0];
	struct rte_cmmc_event ev[64];
	uint32_t sent = 0, seen = 0, loops = 0;
	const uint32_t total = 5000;

	while (seen < total && loops++ < 1000000) {
		int rc, i;

		if (sent < total) {
			src[sent % 512] = sent;
			rc = rte_cmmc_write_notify(f->ep[0], rk, (sent % 512) * 8,
						   &src[sent % 512], 8, sent, 0, 0);
			if (rc == 0)
				sent++;
			else
				assert_int_equal(rc, -ENOSPC);
		}
		rc = rte_cmmc_recv(f->ep[1], ev, RTE_DIM(ev));
		assert_true(rc >= 0);
		for (i = 0; i < rc; i++) {
			assert_true(ev[i].imm == seen);
			assert_true(dst[ev[i].offset / 8] % 512 == seen % 512);
			seen++;
		}
	}
	assert_int_equal(seen, total);
}

/* The owner's notify check keeps what the last matching entry said while
 * that entry is unchanged: another key, a range outside the kept one and a
 * revocation after a notification was accepted all go back to the table. */
void
test_notify_check_kept(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *m1, *m2;
	struct rte_cmmc_key k1;
	struct rte_cmmc_rkey *rk1 = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &m1, &k1);
	struct rte_cmmc_rkey *rk2 = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &m2, NULL);
	struct rte_marlin_hrdma_qp *raw = f->ep[0]->qp;
	uint64_t o1 = m1->region_off, o2 = m2->region_off;
	uint8_t *region = f->c[1]->peers[0]->region;
	uint8_t bytes[8] = { 9, 8, 7, 6, 5, 4, 3, 2 }, before[8];
	const struct { uint64_t off; int ok; } seq[] = {
		{ o1 + 8, 1 },          /* fills the kept entry */
		{ o1 + 16, 1 },         /* from what was kept */
		{ o2 + 8, 1 },          /* another key: the table */
		{ o1 + 4096 - 4, 0 },   /* straddles the end of key 1 */
		{ o1 + 8, 1 },
		{ o1 + 24, -1 },        /* after key 1 is revoked */
		{ o2 + 16, 1 },
	};
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, .len = 8,
		.local = bytes,
	};
	struct rte_cmmc_event ev[4];
	struct rte_cmmc_ep_stats st;
	unsigned int i, refused = 0, rx = 0;
	int got, tries;

	RTE_SET_USED(rk1);
	RTE_SET_USED(rk2);
	for (i = 0; i < RTE_DIM(seq); i++) {
		if (seq[i].ok < 0)
			assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k1), 0);
		memcpy(before, region + seq[i].off, sizeof(before));
		op.remote_off = seq[i].off;
		op.imm = i;
		assert_int_equal(rte_marlin_hrdma_post(raw, &op, 1), 1);
		if (seq[i].ok > 0) {
			assert_int_equal(recv_wait(f->ep[1], NULL, ev, 1), 1);
			assert_true(ev[0].imm == i);
			assert_memory_equal(region + seq[i].off, bytes, 8);
			rx++;
			continue;
		}
		for (got = 0, tries = 0; tries < 100; tries++)
			got += rte_cmmc_recv(f->ep[1], ev, 4);
		assert_int_equal(got, 0);
		assert_memory_equal(region + seq[i].off, before, sizeof(before));
		refused++;
	}
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.refused_notify == refused);
	assert_true(st.notify_rx == rx);
}

/* The issuer's local check starts from the range used last: once that
 * memory is freed (unregistered) the next post from it is refused, and a
 * post that only straddles its end is refused too. */
void
test_local_range_kept(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, NULL);
	uint8_t *buf = rte_malloc("cmmc_ut_lr", 4096, 64);
	struct rte_cmmc_mem *reg;

	assert_non_null(buf);
	reg = rte_cmmc_mem_register(f->c[0], buf, 4096);
	assert_non_null(reg);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, buf, 64, 0, 0), 0);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, buf + 4096 - 8, 16, 0, 0),
			 -EFAULT);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, buf + 8, 64, 0, 0), 0);
	assert_int_equal(rte_cmmc_mem_free(reg), 0);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, buf, 64, 0, 0), -EFAULT);
	assert_int_equal(rte_cmmc_write_notify(f->ep[0], rk, 0, buf, 8, 1, 0, 0),
			 -EFAULT);
	/* the registered buffer of the fixture still works */
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	rte_free(buf);
}

/* One receive call that takes notifications for two exports, interleaved:
 * each event names the memory its range lies in (the owner finds it from
 * its private records, the export that matched last first), and one into a
 * revoked export in the same burst is refused without spoiling the others. */
void
test_notify_burst_two_keys(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *m1, *m2, *m3;
	struct rte_cmmc_key k3;
	struct rte_cmmc_rkey *rk1 = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &m1, NULL);
	struct rte_cmmc_rkey *rk2 = share(f, 8192, RTE_CMMC_ACCESS_WRITE, &m2, NULL);
	struct rte_cmmc_rkey *rk3 = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &m3, &k3);
	struct rte_marlin_hrdma_qp *raw = f->ep[0]->qp;
	const struct { int key; uint64_t off; } seq[] = {
		{ 0, 8 }, { 1, 4096 + 16 }, { 0, 24 }, { 2, 0 }, { 1, 0 },
		{ 0, 4096 - 8 },
	};
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_WRITE_NOTIFY, .len = 8,
		.local = f->lbuf[0],
	};
	struct rte_cmmc_mem *mem[3];
	struct rte_cmmc_event ev[8];
	struct rte_cmmc_ep_stats st;
	unsigned int i, k;
	int got = 0, tries;

	RTE_SET_USED(rk1);
	RTE_SET_USED(rk2);
	RTE_SET_USED(rk3);
	mem[0] = m1;    /* the owner's handles */
	mem[1] = m2;
	mem[2] = m3;
	/* key 3 takes one notification, then is revoked before the burst */
	op.remote_off = m3->region_off;
	op.imm = 100;
	assert_int_equal(rte_marlin_hrdma_post(raw, &op, 1), 1);
	assert_int_equal(recv_wait(f->ep[1], NULL, ev, 1), 1);
	assert_ptr_equal(ev[0].mem, m3);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k3), 0);
	for (i = 0; i < RTE_DIM(seq); i++) {
		op.remote_off = mem[seq[i].key]->region_off + seq[i].off;
		op.imm = i;
		assert_int_equal(rte_marlin_hrdma_post(raw, &op, 1), 1);
	}
	for (tries = 0; got < (int)RTE_DIM(seq) - 1 && tries < 100000; tries++) {
		int n = rte_cmmc_recv(f->ep[1], ev + got, 8 - got);

		assert_true(n >= 0);
		got += n;
	}
	assert_int_equal(got, RTE_DIM(seq) - 1);
	for (i = 0, k = 0; i < RTE_DIM(seq); i++) {
		if (seq[i].key == 2)
			continue;
		assert_true(ev[k].type == RTE_CMMC_EVENT_NOTIFY);
		assert_true(ev[k].imm == i);
		assert_ptr_equal(ev[k].mem, mem[seq[i].key]);
		assert_true(ev[k].offset == seq[i].off);
		k++;
	}
	assert_int_equal(rte_cmmc_ep_stats_get(f->ep[1], &st), 0);
	assert_true(st.refused_notify == 1);
}

/* The issuer keeps what its last check of a key's mirror entry said while
 * the entry's seq word stays: fields rewritten without moving it (what only
 * a misbehaving owner does) widen nothing; a revocation moves it. */
void
test_issuer_check_kept(void **state)
{
	struct fx *f = *state;
	struct rte_cmmc_mem *mem;
	struct rte_cmmc_key k;
	struct rte_cmmc_rkey *rk = share(f, 4096, RTE_CMMC_ACCESS_WRITE, &mem, &k);
	struct cmmc_wire_keyent *e = (struct cmmc_wire_keyent *)(uintptr_t)
		&f->c[0]->peers[0]->mirror[rk->slot];

	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0), 0);
	e->len = 2 * 4096;              /* seq unchanged */
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 4096, f->lbuf[0], 64, 0, 0),
			 -ERANGE);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 64, f->lbuf[0], 64, 0, 0), 0);
	assert_int_equal(rte_cmmc_key_revoke(f->c[1], &k), 0);
	assert_int_equal(rte_cmmc_write(f->ep[0], rk, 0, f->lbuf[0], 64, 0, 0),
			 -EKEYREVOKED);
	assert_int_equal(rte_cmmc_rkey_release(rk), 0);
}
