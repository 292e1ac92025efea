/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Rack manager protocol: record checks and socket I/O (rack_proto.h).
 * Needs only libc, so the manager, the host side and the fuzz target all
 * build this one file.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "marlin_fdpass.h"
#include "rack_proto.h"

#define WINDOW_MAX_SIZE (UINT64_C(1) << RACK_WIRE_WINDOW_SHIFT)

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

#define BAD(text) do { *why = (text); return -EBADMSG; } while (0)

static int
two_hosts(uint32_t a, uint32_t b)
{
	return a < RACK_WIRE_MAX_HOSTS && b < RACK_WIRE_MAX_HOSTS && a != b;
}

static int
check_admin(const struct rack_wire_admin *a, const char **why)
{
	if (a->op == 0 || a->op >= RACK_OP_MAX)
		BAD("unknown admin operation");
	if (a->flags & ~RACK_ADMIN_F_JSON)
		BAD("unknown admin flags");
	switch (a->op) {
	case RACK_OP_GRANT:
	case RACK_OP_REVOKE:
		if (!two_hosts(a->owner, a->peer))
			BAD("owner and peer must be two host ids < 64");
		if (a->window >= RACK_WIRE_MAX_WINDOWS &&
				a->window != RACK_WIRE_ALL_WINDOWS)
			BAD("window out of range");
		if (a->op == RACK_OP_GRANT && a->access != RACK_ACCESS_RO &&
				a->access != RACK_ACCESS_RW)
			BAD("grant access must be ro or rw");
		if (a->op == RACK_OP_REVOKE && a->access != 0)
			BAD("revoke carries no access");
		if (a->op == RACK_OP_GRANT && a->wait_ms != 0)
			BAD("only revoke carries a wait");
		if (a->wait_ms > RACK_WIRE_REVOKE_WAIT_MAX_MS)
			BAD("revoke: wait beyond 60000 ms");
		break;
	case RACK_OP_CUT:
	case RACK_OP_RESTORE:
		if (!two_hosts(a->owner, a->peer))
			BAD("a link joins two host ids < 64");
		if (a->window != 0 || a->access != 0 || a->wait_ms != 0)
			BAD("cut/restore carry only two host ids");
		break;
	default:
		if (a->owner != 0 || a->peer != 0 || a->window != 0 ||
				a->access != 0 || a->wait_ms != 0)
			BAD("queries carry no arguments");
	}
	return 0;
}

static int
check_grant(const struct rack_wire_grant *g, unsigned int nfds,
		const char **why)
{
	uint64_t addr;

	if (!two_hosts(g->owner, g->peer))
		BAD("grant: owner and peer must be two host ids < 64");
	if (g->window > RACK_WIRE_REGS_WINDOW)
		BAD("grant: window out of range");
	if (g->access > RACK_ACCESS_RW)
		BAD("grant: unknown access");
	if (g->nfds > RACK_WIRE_MAX_FDS || g->nfds != nfds)
		BAD("grant: descriptor count does not match what came");
	if (g->access == RACK_ACCESS_NONE && g->nfds != 0)
		BAD("grant: a revocation carries no descriptor");
	if ((g->flags & RACK_GRANT_F_KEEP) &&
			(g->nfds != 0 || g->access == RACK_ACCESS_NONE))
		BAD("grant: keep goes only with a grant without descriptor");
	if (g->window == RACK_WIRE_REGS_WINDOW) {
		if (g->access == RACK_ACCESS_RW)
			BAD("grant: a register header is granted ro or not at all");
		if (g->rack_addr != 0 || (g->size != 0 &&
				g->size != RACK_WIRE_REGS_SIZE))
			BAD("grant: a register header has no rack address and one page");
		return 0;
	}
	if (g->window == RACK_WIRE_BANK_WINDOW) {
		if (g->access == RACK_ACCESS_RO)
			BAD("grant: a register bank is granted rw or not at all");
		if (g->rack_addr != 0 || (g->size != 0 &&
				g->size != RACK_WIRE_BANK_SIZE))
			BAD("grant: a register bank has no rack address and one page");
		return 0;
	}
	addr = (uint64_t)g->owner << RACK_WIRE_HOST_SHIFT |
		(uint64_t)g->window << RACK_WIRE_WINDOW_SHIFT;
	if (g->rack_addr != addr)
		BAD("grant: rack address does not match owner and window");
	if (g->size > WINDOW_MAX_SIZE)
		BAD("grant: size beyond the window slot");
	return 0;
}

static int
check_range(const struct rack_msg *m, const char **why)
{
	const struct rack_wire_range *r = &m->u.range;
	unsigned int want;

	if (!two_hosts(r->owner, r->peer))
		BAD("range: owner and peer must be two host ids < 64");
	if (r->window >= RACK_WIRE_MAX_WINDOWS)
		BAD("range: window out of range");
	if (r->access > RACK_ACCESS_RW)
		BAD("range: unknown access");
	if (r->length == 0 || r->offset % RACK_WIRE_PAGE != 0 ||
			r->length % RACK_WIRE_PAGE != 0 ||
			r->offset >= WINDOW_MAX_SIZE ||
			r->length > WINDOW_MAX_SIZE - r->offset)
		BAD("range: offset and length must be whole pages inside the window slot");
	if (m->type == RACK_MSG_RANGE_OFFER && r->access == RACK_ACCESS_NONE)
		BAD("range: an offer is ro or rw");
	if (m->type == RACK_MSG_RANGE_WITHDRAW && r->access != RACK_ACCESS_NONE)
		BAD("range: a withdrawal carries no access");
	want = m->type == RACK_MSG_RANGE_OFFER ||
		(m->type == RACK_MSG_RANGE && r->access != RACK_ACCESS_NONE);
	if (m->nfds != want)
		BAD("range: descriptor count does not match its access");
	return 0;
}

/* Checks the fixed part; @p body is the private copy in @p m. */
static int
check_body(struct rack_msg *m, size_t blen, const char **why)
{
	switch (m->type) {
	case RACK_MSG_HELLO:
		if (m->u.hello.host_id >= RACK_WIRE_MAX_HOSTS)
			BAD("hello: host id out of range (0..63)");
		if (m->u.hello.mw_count == 0 ||
				m->u.hello.mw_count > RACK_WIRE_MAX_WINDOWS)
			BAD("hello: window count out of range (1..8)");
		if (m->u.hello.mw_size == 0 ||
				m->u.hello.mw_size > WINDOW_MAX_SIZE)
			BAD("hello: window size out of range (1..2^39)");
		if (m->u.hello.flags & ~(RACK_HELLO_F_RESUME | RACK_HELLO_F_RANGES))
			BAD("hello: unknown flags");
		if (!all_zero(m->u.hello.reserved, sizeof(m->u.hello.reserved)))
			BAD("hello: reserved field not zero");
		break;
	case RACK_MSG_WELCOME:
		if (m->u.welcome.host_id >= RACK_WIRE_MAX_HOSTS ||
				m->u.welcome.host_shift != RACK_WIRE_HOST_SHIFT ||
				m->u.welcome.window_shift != RACK_WIRE_WINDOW_SHIFT ||
				m->u.welcome.rack_base != (uint64_t)m->u.welcome.host_id <<
					RACK_WIRE_HOST_SHIFT)
			BAD("welcome: address map does not match this library");
		if (m->u.welcome.flags & ~RACK_WELCOME_F_LINKS)
			BAD("welcome: unknown flags");
		if (m->nfds != ((m->u.welcome.flags & RACK_WELCOME_F_LINKS) ? 1u : 0u))
			BAD("welcome: descriptor count does not match its flags");
		break;
	case RACK_MSG_ADMIN:
		if (m->u.admin.reserved != 0)
			BAD("admin: reserved field not zero");
		return check_admin(&m->u.admin, why);
	case RACK_MSG_REPLY:
		if (m->u.reply.status > 0 || m->u.reply.status < -4095)
			BAD("reply: status is not 0 or a negative errno");
		if (m->u.reply.flags & ~(RACK_REPLY_F_MORE | RACK_REPLY_F_MOVED |
				RACK_REPLY_F_OWNER_AWAY))
			BAD("reply: unknown flags");
		if ((m->u.reply.flags & RACK_REPLY_F_MOVED) &&
				(m->u.reply.flags & RACK_REPLY_F_OWNER_AWAY))
			BAD("reply: moved and owner away at once");
		if (m->u.reply.reserved != 0)
			BAD("reply: reserved field not zero");
		if (m->u.reply.text_len != blen - sizeof(m->u.reply))
			BAD("reply: text length does not match the record");
		break;
	case RACK_MSG_GRANT:
		if (m->u.grant.flags & ~(RACK_GRANT_F_KEEP | RACK_GRANT_F_RANGES))
			BAD("grant: unknown flags");
		if ((m->u.grant.flags & RACK_GRANT_F_RANGES) &&
				(m->u.grant.nfds != 0 ||
				 m->u.grant.window >= RACK_WIRE_MAX_WINDOWS))
			BAD("grant: a window in ranges mode comes without object");
		return check_grant(&m->u.grant, m->nfds, why);
	case RACK_MSG_OFFER:
		if (m->u.offer.peer >= RACK_WIRE_MAX_HOSTS ||
				m->u.offer.window > RACK_WIRE_REGS_WINDOW)
			BAD("offer: peer or window out of range");
		if (m->u.offer.window == RACK_WIRE_BANK_WINDOW &&
				m->u.offer.size != RACK_WIRE_BANK_SIZE)
			BAD("offer: a register bank is one page");
		if (m->u.offer.window == RACK_WIRE_REGS_WINDOW &&
				m->u.offer.size != RACK_WIRE_REGS_SIZE)
			BAD("offer: a register header is one page");
		if (m->u.offer.size == 0 || m->u.offer.size > WINDOW_MAX_SIZE)
			BAD("offer: size out of range (1..2^39)");
		if (m->u.offer.reserved != 0)
			BAD("offer: reserved field not zero");
		if (m->nfds != 1)
			BAD("offer: must carry exactly one descriptor");
		break;
	case RACK_MSG_LINK:
		if (!two_hosts(m->u.link.a, m->u.link.b) || m->u.link.up > 1 ||
				m->u.link.reserved != 0)
			BAD("link: bad host ids or state");
		break;
	case RACK_MSG_RANGE_OFFER:
	case RACK_MSG_RANGE_WITHDRAW:
	case RACK_MSG_RANGE:
		return check_range(m, why);
	case RACK_MSG_MOVED:
		if (m->u.moved.peer >= RACK_WIRE_MAX_HOSTS ||
				m->u.moved.window > RACK_WIRE_BANK_WINDOW)
			BAD("moved: peer or window out of range");
		if (m->u.moved.ticket == 0)
			BAD("moved: no ticket");
		if (m->u.moved.status > 0 || m->u.moved.status < -4095)
			BAD("moved: status is not 0 or a negative errno");
		break;
	}
	return 0;
}

static const size_t body_size[RACK_MSG_TYPE_MAX] = {
	[RACK_MSG_HELLO] = sizeof(struct rack_wire_hello),
	[RACK_MSG_WELCOME] = sizeof(struct rack_wire_welcome),
	[RACK_MSG_ADMIN] = sizeof(struct rack_wire_admin),
	[RACK_MSG_REPLY] = sizeof(struct rack_wire_reply),
	[RACK_MSG_GRANT] = sizeof(struct rack_wire_grant),
	[RACK_MSG_OFFER] = sizeof(struct rack_wire_offer),
	[RACK_MSG_LINK] = sizeof(struct rack_wire_link),
	[RACK_MSG_MOVED] = sizeof(struct rack_wire_moved),
	[RACK_MSG_RANGE_OFFER] = sizeof(struct rack_wire_range),
	[RACK_MSG_RANGE_WITHDRAW] = sizeof(struct rack_wire_range),
	[RACK_MSG_RANGE] = sizeof(struct rack_wire_range),
};

size_t
rack_msg_body_size(uint16_t type)
{
	return type < RACK_MSG_TYPE_MAX ? body_size[type] : 0;
}

int
rack_msg_parse(const void *rec, size_t len, unsigned int nfds,
		struct rack_msg *m, const char **why)
{
	struct rack_wire_hdr h;
	const uint8_t *body;
	size_t blen;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(h))
		BAD("record shorter than its header");
	if (len > RACK_WIRE_MAX_RECORD)
		BAD("record longer than the protocol allows");
	memcpy(&h, rec, sizeof(h));
	if (h.magic != RACK_WIRE_MAGIC)
		BAD("bad magic: not a Marlin rack manager record");
	if (h.version != RACK_WIRE_VERSION) {
		*why = "protocol version not supported";
		return -EPROTONOSUPPORT;
	}
	if (h.type == 0 || h.type >= RACK_MSG_TYPE_MAX || body_size[h.type] == 0)
		BAD("unknown record type");
	if (h.length != len - sizeof(h))
		BAD("length field does not match the record");
	blen = h.length;
	if (blen < body_size[h.type] ||
			(h.type != RACK_MSG_REPLY && blen != body_size[h.type]))
		BAD("body size wrong for its type");
	if (nfds != 0 && h.type != RACK_MSG_GRANT && h.type != RACK_MSG_OFFER &&
			h.type != RACK_MSG_WELCOME && h.type != RACK_MSG_RANGE_OFFER &&
			h.type != RACK_MSG_RANGE)
		BAD("descriptors attached to a record that takes none");
	body = (const uint8_t *)rec + sizeof(h);
	m->type = h.type;
	m->seq = h.seq;
	m->nfds = nfds;
	memcpy(&m->u, body, body_size[h.type]);
	if (h.type == RACK_MSG_REPLY) {
		m->text = (const char *)body + sizeof(m->u.reply);
		if (memchr(m->text, '\0', blen - sizeof(m->u.reply)) != NULL)
			BAD("reply: NUL inside the text");
	}
	return check_body(m, blen, why);
}

int
rack_msg_build(void *buf, size_t cap, uint16_t type, uint32_t seq,
		const void *body, size_t blen, const char *text, size_t tlen)
{
	struct rack_wire_hdr h = {
		.magic = RACK_WIRE_MAGIC,
		.version = RACK_WIRE_VERSION,
		.type = type,
		.seq = seq,
	};
	size_t len = sizeof(h) + blen + tlen;

	if (len > cap || len > RACK_WIRE_MAX_RECORD)
		return -EMSGSIZE;
	h.length = (uint32_t)(blen + tlen);
	memcpy(buf, &h, sizeof(h));
	if (blen != 0)
		memcpy((uint8_t *)buf + sizeof(h), body, blen);
	if (tlen != 0)
		memcpy((uint8_t *)buf + sizeof(h) + blen, text, tlen);
	return (int)len;
}

int
rack_sock_send(int sock, const void *rec, size_t len, int fd)
{
	ssize_t n = marlin_fdpass_send(sock, rec, len, fd);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

ssize_t
rack_sock_recv(int sock, void *buf, size_t cap, int *fd, unsigned int *nfds)
{
	return marlin_fdpass_recv(sock, buf, cap, fd, nfds);
}

const char *
rack_access_name(uint32_t access)
{
	switch (access) {
	case RACK_ACCESS_RO:
		return "ro";
	case RACK_ACCESS_RW:
		return "rw";
	default:
		return "none";
	}
}
