/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The rack: address map (rte_marlin_rack_addr/locate), the manager
 * protocol's record checks and descriptor passing (rack_proto.c), and the
 * host client against a fake manager that answers badly.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_marlin_rack.h>

#include "rack_proto.h"

#define SLOT (UINT64_C(1) << RTE_MARLIN_RACK_WINDOW_SHIFT)

/* ---- address map ---- */

static void
test_addr_roundtrip(void **state)
{
	struct rte_marlin_rack_loc in, out;
	uint64_t a;
	uint32_t h, w;

	(void)state;
	for (h = 0; h < RTE_MARLIN_RACK_MAX_HOSTS; h += 7)
		for (w = 0; w < RTE_MARLIN_RACK_MAX_WINDOWS; w++) {
			in.host = h;
			in.window = w;
			in.offset = (SLOT - 1) / (w + 1);
			assert_int_equal(rte_marlin_rack_addr(&in, &a), 0);
			assert_int_equal(a >> RTE_MARLIN_RACK_ADDR_BITS, 0);
			assert_int_equal(rte_marlin_rack_locate(a, 1, &out), 0);
			assert_int_equal(out.host, h);
			assert_int_equal(out.window, w);
			assert_int_equal(out.offset, in.offset);
		}
	/* The documented layout: host 1 window 1 at 2^42 + 2^39. */
	in.host = 1;
	in.window = 1;
	in.offset = 0;
	assert_int_equal(rte_marlin_rack_addr(&in, &a), 0);
	assert_int_equal(a, (UINT64_C(1) << 42) | (UINT64_C(1) << 39));
	/* The last byte of the space. */
	in.host = 63;
	in.window = 7;
	in.offset = SLOT - 1;
	assert_int_equal(rte_marlin_rack_addr(&in, &a), 0);
	assert_int_equal(a, (UINT64_C(1) << 48) - 1);
}

static void
test_addr_ranges(void **state)
{
	struct rte_marlin_rack_loc l = { 0 };
	uint64_t a = 0;

	(void)state;
	assert_int_equal(rte_marlin_rack_addr(NULL, &a), -EINVAL);
	assert_int_equal(rte_marlin_rack_addr(&l, NULL), -EINVAL);
	l.host = 64;
	assert_int_equal(rte_marlin_rack_addr(&l, &a), -ERANGE);
	l.host = 0;
	l.window = 8;
	assert_int_equal(rte_marlin_rack_addr(&l, &a), -ERANGE);
	l.window = 0;
	l.offset = SLOT;
	assert_int_equal(rte_marlin_rack_addr(&l, &a), -ERANGE);

	assert_int_equal(rte_marlin_rack_locate(0, 1, NULL), -EINVAL);
	assert_int_equal(rte_marlin_rack_locate(0, 0, &l), -EINVAL);
	assert_int_equal(rte_marlin_rack_locate(UINT64_C(1) << 48, 1, &l), -ERANGE);
	assert_int_equal(rte_marlin_rack_locate(UINT64_MAX, 1, &l), -ERANGE);
	/* A range may fill a slot, not cross into the next window. */
	assert_int_equal(rte_marlin_rack_locate(SLOT, SLOT, &l), 0);
	assert_int_equal(l.window, 1);
	assert_int_equal(rte_marlin_rack_locate(SLOT, SLOT + 1, &l), -ERANGE);
	assert_int_equal(rte_marlin_rack_locate(2 * SLOT - 8, 16, &l), -ERANGE);
	assert_int_equal(rte_marlin_rack_locate(2 * SLOT - 8, UINT64_MAX, &l),
		-ERANGE);
}

/* ---- records ---- */

static uint8_t rec[RACK_WIRE_MAX_RECORD + 64];

static int
build(uint16_t type, const void *body, size_t blen)
{
	return rack_msg_build(rec, sizeof(rec), type, 5, body, blen, NULL, 0);
}

/* Parse rec[0..len) and expect failure naming @p why. */
static void
refused(size_t len, unsigned int nfds, const char *why)
{
	struct rack_msg m;
	const char *w = NULL;

	assert_int_not_equal(rack_msg_parse(rec, len, nfds, &m, &w), 0);
	assert_non_null(w);
	if (strstr(w, why) == NULL)
		fail_msg("'%s' does not say '%s'", w, why);
}

static void
test_parse_good(void **state)
{
	struct rack_wire_hello h = { .host_id = 3, .mw_count = 2, .mw_size = 4096 };
	struct rack_wire_grant g = {
		.owner = 3, .peer = 1, .window = 2, .access = RACK_ACCESS_RO,
		.nfds = 1, .rack_addr = (UINT64_C(3) << 42) | (UINT64_C(2) << 39),
		.size = 4096,
	};
	struct rack_wire_reply r = { .status = -EACCES, .text_len = 5 };
	struct rack_msg m;
	const char *why;
	int len;

	(void)state;
	len = build(RACK_MSG_HELLO, &h, sizeof(h));
	assert_int_equal(len, 16 + 32);
	assert_int_equal(rack_msg_parse(rec, (size_t)len, 0, &m, &why), 0);
	assert_int_equal(m.type, RACK_MSG_HELLO);
	assert_int_equal(m.seq, 5);
	assert_int_equal(m.u.hello.host_id, 3);

	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	assert_int_equal(rack_msg_parse(rec, (size_t)len, 1, &m, &why), 0);
	assert_int_equal(m.u.grant.window, 2);
	refused((size_t)len, 0, "descriptor count");

	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_REPLY, 9, &r, sizeof(r),
		"nope!", 5);
	assert_int_equal(rack_msg_parse(rec, (size_t)len, 0, &m, &why), 0);
	assert_int_equal(m.u.reply.status, -EACCES);
	assert_memory_equal(m.text, "nope!", 5);

	/* A record that does not fit is not built. */
	assert_int_equal(rack_msg_build(rec, 20, RACK_MSG_HELLO, 1, &h,
		sizeof(h), NULL, 0), -EMSGSIZE);
}

static void
test_parse_bad(void **state)
{
	struct rack_wire_hello h = { .host_id = 3, .mw_count = 2, .mw_size = 4096 };
	struct rack_wire_admin a = { .op = RACK_OP_GRANT, .owner = 0, .peer = 1,
		.window = RACK_WIRE_ALL_WINDOWS, .access = RACK_ACCESS_RW };
	struct rack_wire_reply r = { .status = 0, .text_len = 3 };
	struct rack_wire_hdr *hd = (struct rack_wire_hdr *)rec;
	struct rack_wire_hello *hb = (void *)(rec + sizeof(*hd));
	struct rack_wire_admin *ab = (void *)(rec + sizeof(*hd));
	struct rack_msg m;
	const char *why;
	int len;

	(void)state;
	len = build(RACK_MSG_HELLO, &h, sizeof(h));
	refused(10, 0, "shorter than its header");
	refused(RACK_WIRE_MAX_RECORD + 1, 0, "longer than");
	refused((size_t)len - 1, 0, "length field");
	refused((size_t)len, 1, "descriptors attached");
	hd->magic ^= 1;
	refused((size_t)len, 0, "bad magic");
	hd->magic ^= 1;
	hd->version = 2;
	assert_int_equal(rack_msg_parse(rec, (size_t)len, 0, &m, &why),
		-EPROTONOSUPPORT);
	hd->version = RACK_WIRE_VERSION;
	hd->type = 0;
	refused((size_t)len, 0, "unknown record type");
	hd->type = RACK_MSG_TYPE_MAX;
	refused((size_t)len, 0, "unknown record type");
	hd->type = RACK_MSG_LINK; /* 16-byte body type with a 32-byte body */
	refused((size_t)len, 0, "body size");
	hd->type = RACK_MSG_HELLO;
	hb->host_id = 64;
	refused((size_t)len, 0, "host id out of range");
	hb->host_id = 1;
	hb->mw_count = 9;
	refused((size_t)len, 0, "window count");
	hb->mw_count = 1;
	hb->mw_size = (UINT64_C(1) << 39) + 1;
	refused((size_t)len, 0, "window size");
	hb->mw_size = 1;
	hb->reserved[2] = 1;
	refused((size_t)len, 0, "reserved");
	hb->reserved[2] = 0;
	hb->flags = 4;
	refused((size_t)len, 0, "unknown flags");

	len = build(RACK_MSG_ADMIN, &a, sizeof(a));
	assert_int_equal(rack_msg_parse(rec, (size_t)len, 0, &m, &why), 0);
	ab->peer = 0;
	refused((size_t)len, 0, "two host ids");
	ab->peer = 1;
	ab->access = 3;
	refused((size_t)len, 0, "ro or rw");
	ab->access = RACK_ACCESS_RW;
	ab->window = 8;
	refused((size_t)len, 0, "window out of range");
	ab->window = 0;
	ab->op = RACK_OP_STATUS;
	refused((size_t)len, 0, "queries carry no arguments");
	ab->op = 99;
	refused((size_t)len, 0, "unknown admin operation");
	ab->op = RACK_OP_GRANT;
	ab->flags = 2;
	refused((size_t)len, 0, "flags");

	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_REPLY, 1, &r, sizeof(r),
		"a\0b", 3);
	refused((size_t)len, 0, "NUL");
	r.text_len = 2;
	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_REPLY, 1, &r, sizeof(r),
		"abc", 3);
	refused((size_t)len, 0, "text length");
	r.text_len = 3;
	r.status = 1;
	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_REPLY, 1, &r, sizeof(r),
		"abc", 3);
	refused((size_t)len, 0, "negative errno");
}

/* rec[0..len) parses with @p nfds descriptors. */
static void
parses(int len, unsigned int nfds)
{
	struct rack_msg m;
	const char *why = NULL;

	if (rack_msg_parse(rec, (size_t)len, nfds, &m, &why) != 0)
		fail_msg("refused: %s", why);
}

/* MOVED (the owner confirms a revocation), the revoke's wait and the
 * flags of its answer. */
static void
test_moved_and_wait(void **state)
{
	struct rack_wire_moved mv = { .peer = 1, .window = 0, .ticket = 7 };
	struct rack_wire_admin a = { .op = RACK_OP_REVOKE, .owner = 0,
		.peer = 1, .window = RACK_WIRE_ALL_WINDOWS, .wait_ms = 500 };
	struct rack_wire_reply r = { .flags = RACK_REPLY_F_MOVED, .text_len = 2 };
	struct rack_wire_moved *mb = (void *)(rec + sizeof(struct rack_wire_hdr));
	struct rack_wire_admin *ab = (void *)(rec + sizeof(struct rack_wire_hdr));
	struct rack_wire_reply *rb = (void *)(rec + sizeof(struct rack_wire_hdr));
	struct rack_msg m;
	const char *why;
	int len;

	(void)state;
	len = build(RACK_MSG_MOVED, &mv, sizeof(mv));
	assert_int_equal(len, 16 + 16);
	assert_int_equal(rack_msg_parse(rec, (size_t)len, 0, &m, &why), 0);
	assert_int_equal(m.u.moved.ticket, 7);
	refused((size_t)len, 1, "descriptors attached");
	mb->ticket = 0;
	refused((size_t)len, 0, "no ticket");
	mb->ticket = 7;
	mb->window = RACK_WIRE_BANK_WINDOW;
	parses(len, 0);
	mb->window = RACK_WIRE_BANK_WINDOW + 1;
	refused((size_t)len, 0, "out of range");
	mb->window = 0;
	mb->peer = 64;
	refused((size_t)len, 0, "out of range");
	mb->peer = 1;
	mb->status = 5;
	refused((size_t)len, 0, "negative errno");
	mb->status = -ENOMEM;
	parses(len, 0);

	len = build(RACK_MSG_ADMIN, &a, sizeof(a));
	parses(len, 0);
	ab->wait_ms = RACK_WIRE_REVOKE_WAIT_MAX_MS + 1;
	refused((size_t)len, 0, "wait beyond");
	ab->wait_ms = 100;
	ab->op = RACK_OP_GRANT;
	ab->access = RACK_ACCESS_RW;
	refused((size_t)len, 0, "only revoke carries a wait");
	ab->op = RACK_OP_CUT;
	ab->access = 0;
	ab->window = 0;
	refused((size_t)len, 0, "only two host ids");
	ab->op = RACK_OP_HOSTS;
	ab->owner = ab->peer = 0;
	refused((size_t)len, 0, "no arguments");
	ab->wait_ms = 0;
	parses(len, 0);
	ab->reserved = 1;
	refused((size_t)len, 0, "reserved");

	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_REPLY, 1, &r, sizeof(r),
		"ok", 2);
	parses(len, 0);
	rb->flags = RACK_REPLY_F_MOVED | RACK_REPLY_F_OWNER_AWAY;
	refused((size_t)len, 0, "moved and owner away");
	rb->flags = 8;
	refused((size_t)len, 0, "unknown flags");
}

/* Ranges mode: RANGE_OFFER / RANGE_WITHDRAW / RANGE, and the flags. */
static void
test_range_records(void **state)
{
	struct rack_wire_range q = { .owner = 0, .peer = 1, .window = 2,
		.access = RACK_ACCESS_RW, .offset = 8192, .length = 4096 };
	struct rack_wire_range *qb = (void *)(rec + sizeof(struct rack_wire_hdr));
	struct rack_wire_grant g = { .owner = 0, .peer = 1, .window = 0,
		.access = RACK_ACCESS_RW, .flags = RACK_GRANT_F_RANGES };
	struct rack_wire_grant *gb = (void *)(rec + sizeof(struct rack_wire_hdr));
	int len;

	(void)state;
	len = build(RACK_MSG_RANGE_OFFER, &q, sizeof(q));
	parses(len, 1);
	refused((size_t)len, 0, "descriptor count");
	qb->offset = 8193;
	refused((size_t)len, 1, "whole pages");
	qb->offset = (UINT64_C(1) << 39) - 4096;
	qb->length = 8192;
	refused((size_t)len, 1, "whole pages");
	qb->offset = 0;
	qb->length = 0;
	refused((size_t)len, 1, "whole pages");
	qb->length = 4096;
	qb->access = RACK_ACCESS_NONE;
	refused((size_t)len, 1, "ro or rw");
	qb->access = RACK_ACCESS_RO;
	qb->peer = 0;
	refused((size_t)len, 1, "two host ids");
	qb->peer = 1;
	qb->window = 8;
	refused((size_t)len, 1, "window out of range");

	q.access = RACK_ACCESS_NONE;
	len = build(RACK_MSG_RANGE_WITHDRAW, &q, sizeof(q));
	parses(len, 0);
	refused((size_t)len, 1, "descriptor");
	qb->access = RACK_ACCESS_RW;
	refused((size_t)len, 0, "no access");

	len = build(RACK_MSG_RANGE, &q, sizeof(q));
	parses(len, 0);         /* taken back: no descriptor */
	refused((size_t)len, 1, "descriptor count");
	qb->access = RACK_ACCESS_RO;
	parses(len, 1);
	refused((size_t)len, 0, "descriptor count");

	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	parses(len, 0);
	gb->nfds = 1;
	refused((size_t)len, 1, "without object");
}

static void
test_grant_and_offer_checks(void **state)
{
	struct rack_wire_grant g = {
		.owner = 1, .peer = 2, .window = 0, .access = RACK_ACCESS_NONE,
		.nfds = 1, .rack_addr = UINT64_C(1) << 42,
	};
	struct rack_wire_offer o = { .peer = 2, .window = 0, .size = 4096 };
	int i, len;

	(void)state;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "revocation carries no descriptor");
	g.access = RACK_ACCESS_RW;
	g.rack_addr += 4096;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "rack address");
	g.rack_addr = UINT64_C(1) << 42;
	g.size = (UINT64_C(1) << 39) + 1;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "size beyond");

	g.size = 4096;
	g.flags = RACK_GRANT_F_KEEP;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "keep goes only");
	g.nfds = 0;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	{
		struct rack_msg m;
		const char *why;

		assert_int_equal(rack_msg_parse(rec, (size_t)len, 0, &m, &why), 0);
	}
	g.flags = 4;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 0, "unknown flags");

	len = build(RACK_MSG_OFFER, &o, sizeof(o));
	refused((size_t)len, 0, "exactly one descriptor");
	refused((size_t)len, 2, "exactly one descriptor");
	o.size = 0;
	len = build(RACK_MSG_OFFER, &o, sizeof(o));
	refused((size_t)len, 1, "size out of range");
	/* Register banks: pseudo window 8, one page, rw or nothing, no rack
	 * address; register headers: window 9, one page, ro or nothing;
	 * window 10 is nothing. */
	for (i = 0; i < 2; i++) {
		o.window = i == 0 ? RACK_WIRE_BANK_WINDOW : RACK_WIRE_REGS_WINDOW;
		o.size = 65536;
		len = build(RACK_MSG_OFFER, &o, sizeof(o));
		refused((size_t)len, 1, i == 0 ? "register bank is one page" :
			"register header is one page");
		o.size = 4096;
		len = build(RACK_MSG_OFFER, &o, sizeof(o));
		parses(len, 1);
	}
	static_assert(RACK_WIRE_BANK_SIZE == 4096 &&
		RACK_WIRE_REGS_SIZE == 4096, "one page each");
	o.window = RACK_WIRE_REGS_WINDOW + 1;
	len = build(RACK_MSG_OFFER, &o, sizeof(o));
	refused((size_t)len, 1, "out of range");
	memset(&g, 0, sizeof(g));
	g.owner = 1;
	g.peer = 2;
	g.window = RACK_WIRE_BANK_WINDOW;
	g.access = RACK_ACCESS_RW;
	g.nfds = 1;
	g.size = RACK_WIRE_BANK_SIZE;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	parses(len, 1);
	g.access = RACK_ACCESS_RO;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "rw or not at all");
	g.access = RACK_ACCESS_RW;
	g.rack_addr = UINT64_C(2) << 42;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "no rack address");
	g.rack_addr = 0;
	g.window = RACK_WIRE_REGS_WINDOW;
	g.size = RACK_WIRE_REGS_SIZE;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "ro or not at all");
	g.access = RACK_ACCESS_RO;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	parses(len, 1);
	g.size = 8192;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "no rack address and one page");
	g.size = RACK_WIRE_REGS_SIZE;
	g.window = RACK_WIRE_REGS_WINDOW + 1;
	len = build(RACK_MSG_GRANT, &g, sizeof(g));
	refused((size_t)len, 1, "window out of range");
}

/* A WELCOME carries the link page exactly when its flag says so. */
static void
test_welcome_links(void **state)
{
	struct rack_wire_welcome w = {
		.host_id = 3, .host_shift = RACK_WIRE_HOST_SHIFT,
		.window_shift = RACK_WIRE_WINDOW_SHIFT,
		.rack_base = UINT64_C(3) << RACK_WIRE_HOST_SHIFT,
	};
	int len;

	(void)state;
	len = build(RACK_MSG_WELCOME, &w, sizeof(w));
	parses(len, 0);
	refused((size_t)len, 1, "descriptor count");
	w.flags = RACK_WELCOME_F_LINKS;
	len = build(RACK_MSG_WELCOME, &w, sizeof(w));
	parses(len, 1);
	refused((size_t)len, 0, "descriptor count");
	w.flags = 2;
	len = build(RACK_MSG_WELCOME, &w, sizeof(w));
	refused((size_t)len, 0, "unknown flags");
}

/* ---- descriptors over the socket ---- */

static void
test_sock_fds(void **state)
{
	struct rack_wire_link l = { .a = 0, .b = 1, .up = 1 };
	uint8_t buf[256];
	int sv[2], p[2], fd, len;
	unsigned int nfds;
	struct stat a, b;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	len = build(RACK_MSG_LINK, &l, sizeof(l));
	assert_int_equal(rack_sock_send(sv[0], rec, (size_t)len, p[0]), 0);
	assert_int_equal(rack_sock_recv(sv[1], buf, sizeof(buf), &fd, &nfds), len);
	assert_int_equal(nfds, 1);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(p[0], &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	/* Nothing queued: -EAGAIN, never a wait. */
	assert_int_equal(rack_sock_recv(sv[1], buf, sizeof(buf), &fd, &nfds),
		-EAGAIN);

	/* A record longer than the buffer is dropped, with its fd. */
	assert_int_equal(rack_sock_send(sv[0], rec, (size_t)len, p[0]), 0);
	assert_int_equal(rack_sock_recv(sv[1], buf, 8, &fd, &nfds), -EMSGSIZE);
	assert_int_equal(fd, -1);

	/* End of stream. */
	close(sv[0]);
	assert_int_equal(rack_sock_recv(sv[1], buf, sizeof(buf), &fd, &nfds), 0);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

/* ---- the client against a fake manager ---- */

enum fake_mode { FAKE_SILENT, FAKE_REFUSE, FAKE_GARBAGE, FAKE_WELCOME };

struct fake {
	char path[108];
	int lfd;
	enum fake_mode mode;
	uint32_t hello_flags; /* flags of the HELLO it received */
	pthread_t thr;
};

static void *
fake_run(void *arg)
{
	struct fake *f = arg;
	uint8_t in[256], out[512];
	unsigned int nfds;
	int c, fd, len = 0;

	c = accept(f->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	usleep(20000);
	{
		ssize_t n = rack_sock_recv(c, in, sizeof(in), &fd, &nfds);
		struct rack_msg m;
		const char *why;

		if (n > 0 && rack_msg_parse(in, (size_t)n, nfds, &m, &why) == 0 &&
				m.type == RACK_MSG_HELLO)
			f->hello_flags = m.u.hello.flags;
	}
	if (f->mode == FAKE_REFUSE) {
		struct rack_wire_reply r = { .status = -EACCES, .text_len = 9 };

		len = rack_msg_build(out, sizeof(out), RACK_MSG_REPLY, 1, &r,
			sizeof(r), "not yours", 9);
	} else if (f->mode == FAKE_GARBAGE) {
		struct rack_wire_welcome w = { .host_id = 2, .host_shift = 40,
			.window_shift = 39 };

		len = rack_msg_build(out, sizeof(out), RACK_MSG_WELCOME, 1, &w,
			sizeof(w), NULL, 0);
	} else if (f->mode == FAKE_WELCOME) {
		struct rack_wire_welcome w = { .host_id = 2, .host_shift = 42,
			.window_shift = 39, .rack_base = UINT64_C(2) << 42 };
		struct rack_wire_link l = { .a = 2, .b = 5, .up = 1 };

		len = rack_msg_build(out, sizeof(out), RACK_MSG_WELCOME, 1, &w,
			sizeof(w), NULL, 0);
		rack_sock_send(c, out, (size_t)len, -1);
		len = rack_msg_build(out, sizeof(out), RACK_MSG_LINK, 0, &l,
			sizeof(l), NULL, 0);
	}
	if (len > 0)
		rack_sock_send(c, out, (size_t)len, -1);
	usleep(300000);
	close(c);
	return NULL;
}

static void
fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof(f->path), "/tmp/marlin-ut-rack-%d.sock",
		(int)getpid());
	unlink(f->path);
	memcpy(sa.sun_path, f->path, sizeof(f->path));
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	f->mode = mode;
	f->hello_flags = 0;
	assert_int_equal(pthread_create(&f->thr, NULL, fake_run, f), 0);
}

static void
fake_stop(struct fake *f)
{
	pthread_join(f->thr, NULL);
	close(f->lfd);
	unlink(f->path);
}

/* Register with the fake; a silent one is given 200 ms, the others
 * enough to answer on a loaded machine. */
static struct rte_marlin_rack_client *
reg(struct fake *f)
{
	struct rte_marlin_rack_host_conf c = {
		.socket = f->path, .host_id = 2, .mw_count = 1, .mw_size = 4096,
		.timeout_ms = f->mode == FAKE_SILENT ? 200 : 5000,
	};

	return rte_marlin_rack_register(&c);
}

static void
test_client_bad_managers(void **state)
{
	struct rte_marlin_rack_host_conf bad = { .socket = "/nonexistent/x",
		.host_id = 2, .mw_count = 1, .mw_size = 4096, .timeout_ms = 100 };
	struct rte_marlin_rack_client *c;
	static struct fake f;

	(void)state;
	assert_null(rte_marlin_rack_register(&bad));
	assert_int_equal(rte_errno, ENOENT);
	bad.mw_count = 0;
	assert_null(rte_marlin_rack_register(&bad));
	assert_int_equal(rte_errno, EINVAL);

	fake_start(&f, FAKE_SILENT);
	c = reg(&f);
	assert_null(c);
	assert_int_equal(rte_errno, ETIMEDOUT);
	fake_stop(&f);

	fake_start(&f, FAKE_REFUSE);
	assert_null(reg(&f));
	assert_int_equal(rte_errno, EACCES);
	fake_stop(&f);

	fake_start(&f, FAKE_GARBAGE);
	assert_null(reg(&f));
	assert_int_equal(rte_errno, EPROTO);
	fake_stop(&f);
}

static void
test_client_events(void **state)
{
	struct rte_marlin_rack_event ev;
	struct rte_marlin_rack_client *c;
	static struct fake f;

	(void)state;
	fake_start(&f, FAKE_WELCOME);
	c = reg(&f);
	assert_non_null(c);
	assert_int_equal(rte_marlin_rack_client_base(c), UINT64_C(2) << 42);
	assert_true(rte_marlin_rack_client_fd(c) >= 0);
	/* This manager passed no link page. */
	assert_int_equal(rte_marlin_rack_links_fd(c), -ENOENT);
	assert_int_equal(rte_marlin_rack_links_fd(NULL), -EINVAL);
	assert_int_equal(rte_marlin_rack_event_get(c, &ev, 1000), 1);
	assert_int_equal(ev.type, RTE_MARLIN_RACK_EV_LINK);
	assert_int_equal(ev.peer, 5);
	assert_int_equal(ev.up, 1);
	assert_int_equal(ev.fd, -1);
	assert_int_equal(rte_marlin_rack_offer(c, 2, 0, 0), -EINVAL);
	assert_int_equal(rte_marlin_rack_offer(c, 3, 8, 0), -EINVAL);
	/* The register header goes with this host's own id, only. */
	assert_int_equal(rte_marlin_rack_offer(c, 3,
		RTE_MARLIN_RACK_REGS_WINDOW, 0), -EINVAL);
	assert_int_equal(rte_marlin_rack_offer(c, 2,
		RTE_MARLIN_RACK_REGS_WINDOW + 1, 0), -EINVAL);
	/* The fake closes: the client says so, and does not wait. */
	assert_int_equal(rte_marlin_rack_event_get(c, &ev, 2000), -ECONNRESET);
	fake_stop(&f);

	/* Nobody there: resume says so at once. */
	assert_int_equal(rte_marlin_rack_resume(c), -ENOENT);
	/* A manager again: resume sends HELLO with the resume flag and the
	 * WELCOME comes as an event. */
	fake_start(&f, FAKE_WELCOME);
	assert_int_equal(rte_marlin_rack_resume(c), 0);
	assert_int_equal(rte_marlin_rack_event_get(c, &ev, 2000), 1);
	assert_int_equal(ev.type, RTE_MARLIN_RACK_EV_REGISTERED);
	assert_int_equal(f.hello_flags, RACK_HELLO_F_RESUME);
	assert_int_equal(rte_marlin_rack_event_get(c, &ev, 2000), 1);
	assert_int_equal(ev.type, RTE_MARLIN_RACK_EV_LINK);
	assert_int_equal(rte_marlin_rack_resume(NULL), -EINVAL);
	rte_marlin_rack_client_close(c);
	rte_marlin_rack_client_close(NULL);
	fake_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_roundtrip),
		cmocka_unit_test(test_addr_ranges),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_grant_and_offer_checks),
		cmocka_unit_test(test_moved_and_wait),
		cmocka_unit_test(test_range_records),
		cmocka_unit_test(test_welcome_links),
		cmocka_unit_test(test_sock_fds),
		cmocka_unit_test(test_client_bad_managers),
		cmocka_unit_test(test_client_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
