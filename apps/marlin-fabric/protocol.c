/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * What the rack manager answers: a host's HELLO and OFFER, the CLI's ADMIN
 * requests (the decisions: grant, revoke, cut, restore; queries are in
 * queries.c), and what it pushes to hosts when a decision or a
 * host's arrival changes what they may reach. Every decision is logged
 * with the uid and pid that asked.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_pmd_ntb_shm.h>

#include "fabric.h"

#define SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static const char *const op_name[RACK_OP_MAX] = {
	[RACK_OP_STATUS] = "status", [RACK_OP_HOSTS] = "hosts",
	[RACK_OP_LINKS] = "links", [RACK_OP_MAP] = "map",
	[RACK_OP_GRANTS] = "grants", [RACK_OP_GRANT] = "grant",
	[RACK_OP_REVOKE] = "revoke", [RACK_OP_CUT] = "cut",
	[RACK_OP_RESTORE] = "restore",
};

/* Reply with a formatted line, log it as a decision if @p log. */
static void
answer(struct client *c, uint32_t seq, int status, int log,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
answer(struct client *c, uint32_t seq, int status, int log,
		const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	if (log)
		mgr_log("uid=%u pid=%d: %s", (unsigned int)client_uid(c),
			(int)client_pid(c), text);
	client_reply(c, seq, status, text, (size_t)n);
}

/* Windows of @p o that exist (all 8 if it never registered). */
uint32_t
state_windows_of(const struct mgr_state *s, uint32_t o)
{
	return s->host[o].known ? s->host[o].mw_count : MGR_MAX_WINDOWS;
}

/* Tell @p to about grant (o, p, w) as it stands now; a revocation pushed
 * to the owner with a non-zero @p ticket asks it to confirm (MOVED). */
static void
push_grant_ticket(struct mgr_state *s, struct client *to, uint32_t o,
		uint32_t p, uint32_t w, uint32_t ticket)
{
	struct rack_wire_grant g;
	int fd = -1, ro = -1;

	if (to == NULL)
		return;
	memset(&g, 0, sizeof(g));
	g.owner = o;
	g.peer = p;
	g.window = w;
	if (w == RACK_WIRE_BANK_WINDOW) {
		g.access = state_bank_access(s, o, p);
		g.size = RACK_WIRE_BANK_SIZE;
	} else {
		g.access = s->grant[o][p][w];
		g.rack_addr = rack_addr_of(o, w);
		g.size = s->host[o].known ? s->host[o].mw_size : 0;
	}
	/* Only the peer receives the owner's memory object; read-only
	 * grants a descriptor opened read-only, which cannot be mapped for
	 * writing. */
	if (g.access != RACK_ACCESS_NONE && client_host(to) == (int)p &&
			s->memfd[o][p][w] >= 0 &&
			(w >= RACK_WIRE_MAX_WINDOWS || !s->host[o].ranges)) {
		fd = s->memfd[o][p][w];
		if (g.access == RACK_ACCESS_RO) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			ro = open(path, O_RDONLY | O_CLOEXEC);
			fd = ro;
		}
		g.nfds = fd >= 0;
	}
	/* Without an object, the peer drops the one it holds only if it is
	 * known to be stale: the owner started anew and has not offered yet.
	 * An owner that resumed, or that this manager has not seen since it
	 * started, may still be using it. */
	if (g.access != RACK_ACCESS_NONE && client_host(to) == (int)p &&
			fd < 0 && (s->host[o].client < 0 || s->host[o].resumed))
		g.flags = RACK_GRANT_F_KEEP;
	if (w < RACK_WIRE_MAX_WINDOWS && s->host[o].ranges)
		g.flags |= RACK_GRANT_F_RANGES;
	if (g.access != RACK_ACCESS_NONE || client_host(to) != (int)o)
		ticket = 0;
	client_queue(to, RACK_MSG_GRANT, ticket, &g, sizeof(g), fd);
	if (ro >= 0)
		close(ro);
	/* ranges mode: what the peer may map are the exposed ranges */
	if ((g.flags & RACK_GRANT_F_RANGES) && g.access != RACK_ACCESS_NONE &&
			client_host(to) == (int)p)
		ranges_push(s, to, o, p, w);
}

/*
 * Tell @p to about @p o's register header: read-only with the object when
 * the owner offered one; without it, "keep what you map" while the owner
 * may still be the one that offered it (not connected here, or resumed),
 * else revoked (the owner started anew: the header mapped is stale).
 */
static void
push_regs(struct mgr_state *s, struct client *to, uint32_t o)
{
	struct rack_wire_grant g;
	char path[64];
	int fd = -1;

	if (to == NULL || client_host(to) < 0 || client_host(to) == (int)o)
		return;
	memset(&g, 0, sizeof(g));
	g.owner = o;
	g.peer = (uint32_t)client_host(to);
	g.window = RACK_WIRE_REGS_WINDOW;
	g.size = RACK_WIRE_REGS_SIZE;
	g.access = RACK_ACCESS_RO;
	if (s->regs_fd[o] >= 0) {
		/* Sealed against writes already; a read-only descriptor on
		 * top, as for read-only windows. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", s->regs_fd[o]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		g.nfds = fd >= 0;
	}
	if (fd < 0 && (s->host[o].client < 0 || s->host[o].resumed))
		g.flags = RACK_GRANT_F_KEEP;
	else if (fd < 0)
		g.access = RACK_ACCESS_NONE;
	client_queue(to, RACK_MSG_GRANT, 0, &g, sizeof(g), fd);
	if (fd >= 0)
		close(fd);
}

/* @p o's register header to every other connected host. */
static void
push_regs_all(struct mgr_state *s, uint32_t o)
{
	uint32_t p;

	for (p = 0; p < MGR_MAX_HOSTS; p++)
		if (p != o && s->host[p].client >= 0)
			push_regs(s, client_of_host((int)p), o);
}

static void
push_grant(struct mgr_state *s, struct client *to, uint32_t o, uint32_t p,
		uint32_t w)
{
	push_grant_ticket(s, to, o, p, w, 0);
}

static void
push_grant_both(struct mgr_state *s, uint32_t o, uint32_t p, uint32_t w)
{
	push_grant(s, client_of_host((int)o), o, p, w);
	push_grant(s, client_of_host((int)p), o, p, w);
}

/* A revocation to both ends; the owner confirms it if @p rw waits. */
static void
push_revoke_both(struct mgr_state *s, uint32_t o, uint32_t p, uint32_t w,
		struct revoke_wait *rw)
{
	struct client *owner = client_of_host((int)o);

	push_grant(s, client_of_host((int)p), o, p, w);
	if (owner == NULL)
		return;
	push_grant_ticket(s, owner, o, p, w,
		rw != NULL ? revoke_wait_ticket(rw) : 0);
	if (rw != NULL)
		revoke_wait_expect(rw, w);
}

static void
push_link(struct mgr_state *s, uint32_t a, uint32_t b)
{
	struct rack_wire_link l = {
		.a = a, .b = b, .up = (uint32_t)state_link_up(s, a, b),
	};
	struct client *c;

	if ((c = client_of_host((int)a)) != NULL)
		client_queue(c, RACK_MSG_LINK, 0, &l, sizeof(l), -1);
	if ((c = client_of_host((int)b)) != NULL)
		client_queue(c, RACK_MSG_LINK, 0, &l, sizeof(l), -1);
}

static void
save_or_log(struct mgr_state *s)
{
	int rc = state_save(s);

	if (rc != 0)
		mgr_log("cannot save the state to %s: %s (the decision holds until the manager stops)",
			s->state_path, strerror(-rc));
}

/* ---- HELLO ---- */

/* Tell @p c (host @p id) which grants between it and @p p stand revoked. */
static void
push_revoked_to(struct mgr_state *s, struct client *c, uint32_t id, uint32_t p)
{
	uint32_t w;

	for (w = 0; w < state_windows_of(s, id); w++)
		if (s->grant[id][p][w] == RACK_ACCESS_NONE)
			push_grant(s, c, id, p, w);
	for (w = 0; w < state_windows_of(s, p); w++)
		if (s->grant[p][id][w] == RACK_ACCESS_NONE)
			push_grant(s, c, p, id, w);
	if (state_bank_access(s, id, p) == RACK_ACCESS_NONE)
		push_grant(s, c, id, p, RACK_WIRE_BANK_WINDOW);
	if (state_bank_access(s, p, id) == RACK_ACCESS_NONE)
		push_grant(s, c, p, id, RACK_WIRE_BANK_WINDOW);
}

static void
handle_hello(struct mgr_ctx *m, struct client *c, const struct rack_msg *r)
{
	const struct rack_wire_hello *h = &r->u.hello;
	struct mgr_state *s = &m->st;
	uint32_t id = h->host_id, p, w;
	uid_t uid = client_uid(c);
	struct rack_wire_welcome wel;

	if (client_host(c) >= 0) {
		answer(c, r->seq, -EALREADY, 0,
			"this connection already holds host %d", client_host(c));
		return;
	}
	if (!policy_may_hold(&s->policy, uid, id)) {
		answer(c, r->seq, -EACCES, 1,
			"hello host %u: refused: the policy does not let uid %u hold host %u",
			id, (unsigned int)uid, id);
		client_close_after_reply(c);
		return;
	}
	if (s->host[id].client >= 0) {
		answer(c, r->seq, -EBUSY, 1,
			"hello host %u: refused: held by pid %d (uid %u)", id,
			(int)s->host[id].pid, (unsigned int)s->host[id].uid);
		client_close_after_reply(c);
		return;
	}
	/* Memory objects of an earlier run of this host are stale; those of
	 * a process that registers again (after a manager restart, or a
	 * dropped connection) are not. */
	s->host[id].resumed = (h->flags & RACK_HELLO_F_RESUME) != 0;
	s->host[id].ranges = (h->flags & RACK_HELLO_F_RANGES) != 0;
	for (p = 0; p < MGR_MAX_HOSTS && !s->host[id].resumed; p++)
		for (w = 0; w <= RACK_WIRE_BANK_WINDOW; w++)
			state_memfd_drop(s, id, p, w);
	if (!s->host[id].resumed)
		state_regs_drop(s, id);
	s->host[id].known = 1;
	s->host[id].uid = uid;
	s->host[id].pid = client_pid(c);
	s->host[id].mw_count = h->mw_count;
	s->host[id].mw_size = h->mw_size;
	client_set_host(c, (int)id);
	mgr_log("uid=%u pid=%d: hello host %u (%u window%s of %" PRIu64 " bytes): registered%s",
		(unsigned int)uid, (int)client_pid(c), id, h->mw_count,
		h->mw_count == 1 ? "" : "s", h->mw_size,
		s->host[id].resumed ? " again (same process)" : "");
	save_or_log(s);

	memset(&wel, 0, sizeof(wel));
	wel.host_id = id;
	wel.host_shift = RACK_WIRE_HOST_SHIFT;
	wel.window_shift = RACK_WIRE_WINDOW_SHIFT;
	wel.rack_base = rack_addr_of(id, 0);
	wel.epoch = s->epoch;
	wel.flags = s->links_fd >= 0 ? RACK_WELCOME_F_LINKS : 0;
	client_queue(c, RACK_MSG_WELCOME, r->seq, &wel, sizeof(wel),
		s->links_fd);

	/* Grants between this host and every other known host, both ways,
	 * to both ends; then the links. A process that registers again also
	 * hears what was revoked while it was away: as owner it moves those
	 * pages, as peer it drops those objects. */
	for (p = 0; p < MGR_MAX_HOSTS; p++) {
		if (p == id || !s->host[p].known)
			continue;
		if (s->host[id].resumed)
			push_revoked_to(s, c, id, p);
		for (w = 0; w < state_windows_of(s, id); w++)
			if (s->grant[id][p][w] != RACK_ACCESS_NONE)
				push_grant_both(s, id, p, w);
		for (w = 0; w < state_windows_of(s, p); w++)
			if (s->grant[p][id][w] != RACK_ACCESS_NONE)
				push_grant_both(s, p, id, w);
		if (state_bank_access(s, id, p) != RACK_ACCESS_NONE)
			push_grant_both(s, id, p, RACK_WIRE_BANK_WINDOW);
		if (state_bank_access(s, p, id) != RACK_ACCESS_NONE)
			push_grant_both(s, p, id, RACK_WIRE_BANK_WINDOW);
		if (s->host[p].client >= 0)
			push_link(s, id, p);
		push_regs(s, c, p);
	}
	/* The others drop the header of this host's previous run. */
	if (!s->host[id].resumed)
		push_regs_all(s, id);
}

void
proto_host_gone(struct mgr_ctx *m, int host)
{
	struct mgr_state *s = &m->st;
	uint32_t p;

	s->host[host].client = -1;
	s->host[host].resumed = 0;
	mgr_log("host %d (pid %d) disconnected", host, (int)s->host[host].pid);
	s->host[host].pid = 0;
	revoke_wait_host_gone(host);
	for (p = 0; p < MGR_MAX_HOSTS; p++)
		if ((int)p != host && s->host[p].client >= 0)
			push_link(s, (uint32_t)host, p);
}

/* ---- OFFER ---- */

/* Is @p fd a memfd sealed against shrinking, growing and sealing, of
 * @p size bytes? Answers the refusal itself. */
static int
offer_object_ok(struct client *c, const struct rack_msg *r, int o,
		const char *what, int fd, uint64_t size, uint64_t max)
{
	struct stat st;
	int seals;

	seals = fcntl(fd, F_GET_SEALS);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || seals < 0) {
		answer(c, r->seq, -EINVAL, 1,
			"offer from host %d for peer %u %s: refused: not a memfd",
			o, r->u.offer.peer, what);
		return 0;
	}
	if ((seals & SEALS_NEEDED) != SEALS_NEEDED) {
		answer(c, r->seq, -EPERM, 1,
			"offer from host %d for peer %u %s: refused: the memfd must be sealed with F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL (has 0x%x)",
			o, r->u.offer.peer, what, (unsigned int)seals);
		return 0;
	}
	if ((uint64_t)st.st_size != size || size > max) {
		answer(c, r->seq, -EINVAL, 1,
			"offer from host %d for peer %u %s: refused: size %" PRIu64
			" (memfd %lld) must match and be at most %" PRIu64,
			o, r->u.offer.peer, what, size, (long long)st.st_size, max);
		return 0;
	}
	return 1;
}

/* The owner's register bank for one peer: passed on while any window of
 * the owner is granted to that peer. */
static void
handle_offer_bank(struct mgr_state *s, struct client *c,
		const struct rack_msg *r, int o, int *fd)
{
	uint32_t p = r->u.offer.peer;

	if (p == (uint32_t)o) {
		answer(c, r->seq, -EINVAL, 1,
			"offer from host %d: refused: a register bank is for another host",
			o);
		return;
	}
	if (!offer_object_ok(c, r, o, "register bank", *fd,
			r->u.offer.size, RACK_WIRE_BANK_SIZE))
		return;
	state_memfd_drop(s, (uint32_t)o, p, RACK_WIRE_BANK_WINDOW);
	s->memfd[o][p][RACK_WIRE_BANK_WINDOW] = *fd;
	*fd = -1;
	if (state_bank_access(s, (uint32_t)o, p) != RACK_ACCESS_NONE &&
			s->host[p].client >= 0) {
		push_grant(s, client_of_host((int)p), (uint32_t)o, p,
			RACK_WIRE_BANK_WINDOW);
		answer(c, r->seq, 0, 1,
			"offer from host %d for peer %u register bank: kept, passed to host %u",
			o, p, p);
	} else {
		answer(c, r->seq, 0, 1,
			"offer from host %d for peer %u register bank: kept, passed on once host %u is granted and connected",
			o, p, p);
	}
}

/* The owner's register header: sealed against writes too, for every
 * other registered host. */
static void
handle_offer_regs(struct mgr_state *s, struct client *c,
		const struct rack_msg *r, int o, int *fd)
{
	int seals;

	if (r->u.offer.peer != (uint32_t)o) {
		answer(c, r->seq, -EINVAL, 1,
			"offer from host %d: refused: a register header is offered with the owner's own id as peer",
			o);
		return;
	}
	if (!offer_object_ok(c, r, o, "register header", *fd,
			r->u.offer.size, RACK_WIRE_REGS_SIZE))
		return;
	seals = fcntl(*fd, F_GET_SEALS);
	if (!(seals & F_SEAL_FUTURE_WRITE)) {
		answer(c, r->seq, -EPERM, 1,
			"offer from host %d register header: refused: it must be sealed with F_SEAL_FUTURE_WRITE too (peers map it read-only)",
			o);
		return;
	}
	state_regs_drop(s, (uint32_t)o);
	s->regs_fd[o] = *fd;
	*fd = -1;
	push_regs_all(s, (uint32_t)o);
	answer(c, r->seq, 0, 1,
		"offer from host %d register header: kept, passed read-only to every other registered host",
		o);
}

static void
handle_offer(struct mgr_ctx *m, struct client *c, const struct rack_msg *r,
		int *fd)
{
	const struct rack_wire_offer *of = &r->u.offer;
	struct mgr_state *s = &m->st;
	int o = client_host(c);
	char what[32];

	if (o < 0) {
		answer(c, r->seq, -EPERM, 1,
			"offer: refused: register as a host first");
		return;
	}
	if (of->window == RACK_WIRE_BANK_WINDOW) {
		handle_offer_bank(s, c, r, o, fd);
		return;
	}
	if (of->window == RACK_WIRE_REGS_WINDOW) {
		handle_offer_regs(s, c, r, o, fd);
		return;
	}
	if (of->peer == (uint32_t)o || of->window >= s->host[o].mw_count) {
		answer(c, r->seq, -EINVAL, 1,
			"offer from host %d: refused: peer %u / window %u is not another host / one of its %u windows",
			o, of->peer, of->window, s->host[o].mw_count);
		return;
	}
	snprintf(what, sizeof(what), "window %u", of->window);
	if (!offer_object_ok(c, r, o, what, *fd, of->size,
			s->host[o].mw_size))
		return;
	state_memfd_drop(s, (uint32_t)o, of->peer, of->window);
	s->memfd[o][of->peer][of->window] = *fd;
	*fd = -1;
	if (s->grant[o][of->peer][of->window] != RACK_ACCESS_NONE &&
			s->host[of->peer].client >= 0) {
		push_grant(s, client_of_host((int)of->peer), (uint32_t)o,
			of->peer, of->window);
		answer(c, r->seq, 0, 1,
			"offer from host %d for peer %u window %u: kept, passed to host %u",
			o, of->peer, of->window, of->peer);
	} else {
		answer(c, r->seq, 0, 1,
			"offer from host %d for peer %u window %u: kept, passed on once host %u is %s",
			o, of->peer, of->window, of->peer,
			s->grant[o][of->peer][of->window] == RACK_ACCESS_NONE ?
			"granted" : "connected");
	}
}

/* ---- ADMIN: decisions ---- */

static void
handle_grant(struct mgr_ctx *m, struct client *c, const struct rack_msg *r)
{
	const struct rack_wire_admin *a = &r->u.admin;
	struct mgr_state *s = &m->st;
	int grant = a->op == RACK_OP_GRANT;
	uint32_t w, w0 = 0, w1 = MGR_MAX_WINDOWS;
	uint8_t bank = state_bank_access(s, a->owner, a->peer);
	struct revoke_wait *rw = NULL;
	char win[16], text[320];

	if (a->window != RACK_WIRE_ALL_WINDOWS) {
		if (s->host[a->owner].known &&
				a->window >= s->host[a->owner].mw_count) {
			answer(c, r->seq, -EINVAL, 1,
				"%s %u %u window %u: refused: host %u has %u window%s",
				op_name[a->op], a->owner, a->peer, a->window,
				a->owner, s->host[a->owner].mw_count,
				s->host[a->owner].mw_count == 1 ? "" : "s");
			return;
		}
		w0 = a->window;
		w1 = a->window + 1;
		snprintf(win, sizeof(win), "%u", a->window);
	} else {
		snprintf(win, sizeof(win), "all");
	}
	/* A revoke answers once the owner moved the pages (revoke_wait.c). */
	if (!grant && client_of_host((int)a->owner) != NULL)
		rw = revoke_wait_new(c, r->seq, a->owner, a->peer, a->wait_ms);
	for (w = w0; w < w1; w++) {
		s->grant[a->owner][a->peer][w] =
			(uint8_t)(grant ? a->access : RACK_ACCESS_NONE);
		if (!grant)
			state_memfd_drop(s, a->owner, a->peer, w);
		if (w >= state_windows_of(s, a->owner))
			continue;
		if (grant)
			push_grant_both(s, a->owner, a->peer, w);
		else
			push_revoke_both(s, a->owner, a->peer, w, rw);
	}
	/* The register bank follows: granted with the first window, revoked
	 * (and its object dropped: the owner makes a fresh one) with the
	 * last. */
	if (state_bank_access(s, a->owner, a->peer) != bank) {
		if (bank != RACK_ACCESS_NONE) {
			state_memfd_drop(s, a->owner, a->peer,
				RACK_WIRE_BANK_WINDOW);
			push_revoke_both(s, a->owner, a->peer,
				RACK_WIRE_BANK_WINDOW, rw);
		} else {
			push_grant_both(s, a->owner, a->peer,
				RACK_WIRE_BANK_WINDOW);
		}
	}
	s->explicit[a->owner] |= UINT64_C(1) << a->peer;
	save_or_log(s);
	if (grant) {
		answer(c, r->seq, 0, 1,
			"grant %u %u %s window %s: granted: host %u may %s window %s of host %u",
			a->owner, a->peer, rack_access_name(a->access), win,
			a->peer, a->access == RACK_ACCESS_RW ? "read and write" :
			"read", win, a->owner);
		return;
	}
	snprintf(text, sizeof(text),
		"revoke %u %u window %s: revoked: host %u may no longer reach window %s of host %u",
		a->owner, a->peer, win, a->peer, win, a->owner);
	if (rw != NULL) {
		mgr_log("uid=%u pid=%d: %s; waiting up to %u ms for host %u to move its pages",
			(unsigned int)client_uid(c), (int)client_pid(c), text,
			a->wait_ms != 0 ? a->wait_ms : RACK_WIRE_REVOKE_WAIT_MS,
			a->owner);
		revoke_wait_arm(rw, text);
	} else if (client_of_host((int)a->owner) != NULL) {
		answer(c, r->seq, -EAGAIN, 1,
			"%s; but too many revokes wait for their owners already: host %u's move is not confirmed, ask again to wait for it",
			text, a->owner);
	} else {
		char t2[512];
		int n = snprintf(t2, sizeof(t2),
			"%s; host %u is not connected: nothing to wait for (a live process applies the revocation when it registers again)",
			text, a->owner);

		mgr_log("uid=%u pid=%d: %s", (unsigned int)client_uid(c),
			(int)client_pid(c), t2);
		client_reply_flags(c, r->seq, 0, RACK_REPLY_F_OWNER_AWAY, t2,
			n < (int)sizeof(t2) ? (size_t)n : sizeof(t2) - 1);
	}
}

static void
handle_cut(struct mgr_ctx *m, struct client *c, const struct rack_msg *r)
{
	const struct rack_wire_admin *a = &r->u.admin;
	struct mgr_state *s = &m->st;
	int cut = a->op == RACK_OP_CUT, rc = 0;
	char fab[256] = "";

	if (cut) {
		s->cut[a->owner] |= UINT64_C(1) << a->peer;
		s->cut[a->peer] |= UINT64_C(1) << a->owner;
	} else {
		s->cut[a->owner] &= ~(UINT64_C(1) << a->peer);
		s->cut[a->peer] &= ~(UINT64_C(1) << a->owner);
	}
	save_or_log(s);
	state_links_sync(s);
	push_link(s, a->owner, a->peer);
	if (m->fabric_path != NULL) {
		rc = rte_pmd_ntb_shm_link_cut(m->fabric_path, (int)a->owner,
			(int)a->peer, cut);
		snprintf(fab, sizeof(fab), "; ntb_shm fabric %s: %s",
			m->fabric_path, rc == 0 ? "applied" :
			rc == -ENOENT ? "no fabric directory yet (hosts read the cut from the manager)" :
			strerror(-rc));
	}
	answer(c, r->seq, 0, 1, "%s %u %u: link %s%s", op_name[a->op],
		a->owner, a->peer, cut ? "cut" : "restored", fab);
}

static void
handle_admin(struct mgr_ctx *m, struct client *c, const struct rack_msg *r)
{
	uint32_t op = r->u.admin.op;

	if (op <= RACK_OP_GRANTS) {
		proto_handle_query(m, c, r);
		return;
	}
	if (!policy_is_admin(&m->st.policy, client_uid(c))) {
		answer(c, r->seq, -EPERM, 1,
			"%s: refused: uid %u may not administer this rack (no admin line for it in the policy)",
			op_name[op], (unsigned int)client_uid(c));
		return;
	}
	if (op == RACK_OP_GRANT || op == RACK_OP_REVOKE)
		handle_grant(m, c, r);
	else
		handle_cut(m, c, r);
}

void
proto_handle(struct mgr_ctx *m, struct client *c, const struct rack_msg *r,
		int fd)
{
	switch (r->type) {
	case RACK_MSG_HELLO:
		handle_hello(m, c, r);
		break;
	case RACK_MSG_OFFER:
		handle_offer(m, c, r, &fd);
		break;
	case RACK_MSG_ADMIN:
		handle_admin(m, c, r);
		break;
	case RACK_MSG_MOVED:
		revoke_wait_moved(c, client_host(c), r);
		break;
	case RACK_MSG_RANGE_OFFER:
	case RACK_MSG_RANGE_WITHDRAW:
		ranges_handle(m, c, r, &fd);
		break;
	default:
		answer(c, r->seq, -EBADMSG, 1,
			"record type %u is not a request: connection closed",
			r->type);
		client_close_after_reply(c);
	}
	if (fd >= 0)
		close(fd);
}
