/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef MARLIN_FABRIC_H
#define MARLIN_FABRIC_H

/*
 * marlin-fabric: the rack manager (serve), its CLI, and the commands that
 * work on an ntb_shm fabric directory without a manager.
 *
 *   cli.c        main(): command line, manager client commands
 *   fabric_dir.c FABRIC status|cut|restore|clean (no manager)
 *   daemon.c     serve: socket directory, poll loop, clients, log
 *   protocol.c   what the manager answers: HELLO, OFFER, ADMIN
 *   revoke_wait.c a revoke answers once the owner confirmed the move
 *   ranges.c     windows in ranges mode: exposed ranges, not windows
 *   state.c      policy file, hosts, grants, cuts, persistence
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "rack_proto.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#define MGR_MAX_HOSTS RACK_WIRE_MAX_HOSTS
#define MGR_MAX_WINDOWS RACK_WIRE_MAX_WINDOWS
#define MGR_MAX_UIDS 64

extern const char *prog;

int usage_error(const char *fmt, const char *arg);
int parse_host(const char *s, int *out);

/* ---- fabric_dir.c ---- */
int fabric_dir_main(const char *dir, const char *fabric, const char *socket,
		int argc, char **argv);

/* ---- cli.c ---- */
/** Send one ADMIN request to the manager at @p path and print its answer;
 *  returns an exit status. */
int manager_request(const char *path, const struct rack_wire_admin *a);

/* ---- state.c ---- */

/** Policy: who may hold which host ids, who administers, default grants. */
struct mgr_policy {
	struct {
		uint64_t hosts; /* bit h: may hold host h */
		uid_t uid;
	} rule[MGR_MAX_UIDS];
	int nrules;
	uid_t admin[MGR_MAX_UIDS];
	int nadmins;
	/* Default grants, applied when there is no saved state. */
	uint8_t grant[MGR_MAX_HOSTS][MGR_MAX_HOSTS][MGR_MAX_WINDOWS];
	uint64_t named[MGR_MAX_HOSTS]; /* bit p: a rule named owner/peer */
};

struct mgr_host {
	int known;          /* registered at least once (persisted) */
	uint32_t mw_count;
	uint64_t mw_size;
	uid_t uid;          /* uid of the last holder */
	/* at run time only */
	int client;         /* connection holding it, or -1 */
	pid_t pid;
	int resumed;        /* registered again as the same process: peers
			     * keep its objects until it offers them again */
	int ranges;         /* its windows are in ranges mode (ranges.c) */
};

struct mgr_state {
	struct mgr_policy policy;
	struct mgr_host host[MGR_MAX_HOSTS];
	/* [owner][peer][window]: enum rack_wire_access */
	uint8_t grant[MGR_MAX_HOSTS][MGR_MAX_HOSTS][MGR_MAX_WINDOWS];
	/* bit p of explicit[o]: an admin (or a policy rule) named o->p */
	uint64_t explicit[MGR_MAX_HOSTS];
	uint64_t cut[MGR_MAX_HOSTS];  /* bit b of cut[a]: link a-b cut */
	/* the memory object of (owner, peer, window), offered by the owner;
	 * window RACK_WIRE_BANK_WINDOW: the owner's register bank for peer */
	int memfd[MGR_MAX_HOSTS][MGR_MAX_HOSTS][MGR_MAX_WINDOWS + 1];
	/* the owner's register header (RACK_WIRE_REGS_WINDOW), sealed
	 * against writes: passed read-only to every other registered host */
	int regs_fd[MGR_MAX_HOSTS];
	/* the link page (struct rack_wire_links): mapped here read-write,
	 * passed to hosts sealed against writes */
	int links_fd;
	struct rack_wire_links *links;
	uint64_t epoch;
	const char *state_path;
};

int policy_load(struct mgr_policy *p, const char *path, char *err,
		size_t elen);
void policy_default(struct mgr_policy *p);
int policy_may_hold(const struct mgr_policy *p, uid_t uid, uint32_t host);
int policy_is_admin(const struct mgr_policy *p, uid_t uid);

void state_init(struct mgr_state *s, const char *state_path);
int state_load(struct mgr_state *s, char *err, size_t elen);
int state_save(const struct mgr_state *s);
void state_memfd_drop(struct mgr_state *s, uint32_t o, uint32_t p,
		uint32_t w);
/** Close the register header object of @p o (its owner starts anew). */
void state_regs_drop(struct mgr_state *s, uint32_t o);
void state_fini(struct mgr_state *s);
/** Create the link page; 0 or -errno. */
int state_links_create(struct mgr_state *s);
/** Write the cuts into the link page. */
void state_links_sync(struct mgr_state *s);
/** Access of the peer to the owner's register bank: RACK_ACCESS_RW while
 *  some window of the owner is granted to it, else RACK_ACCESS_NONE. */
uint8_t state_bank_access(const struct mgr_state *s, uint32_t o, uint32_t p);
uint64_t rack_addr_of(uint32_t host, uint32_t window);
/* Windows of @p o that exist (all of them if it never registered). */
uint32_t state_windows_of(const struct mgr_state *s, uint32_t o);
/** Is pair owner->peer worth showing (granted, and hosts known or named). */
int state_pair_shown(const struct mgr_state *s, uint32_t o, uint32_t p);
int state_link_up(const struct mgr_state *s, uint32_t a, uint32_t b);

/* ---- text/JSON output (state.c) ---- */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_json_str(struct sbuf *b, const char *s);
void sb_free(struct sbuf *b);

/* ---- daemon.c ---- */
struct serve_opts {
	const char *run_dir;
	const char *policy;
	const char *state;
	const char *group;
	const char *fabric;
	const char *fabric_dir;
	int idle_ms;
};
int serve_main(const struct serve_opts *o);
void mgr_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Monotonic milliseconds (deadlines of the manager's loop). */
int64_t mgr_now_ms(void);
int default_run_dir(char *buf, size_t len);

struct client;
/** Queue one record for a client (the descriptor is duplicated). */
int client_queue(struct client *c, uint16_t type, uint32_t seq,
		const void *body, size_t blen, int fd);
/** Queue a reply, split into records; the client is closed after it if
 *  @p last_word. */
void client_reply(struct client *c, uint32_t seq, int status,
		const char *text, size_t len);
/** client_reply() with RACK_REPLY_F_* flags on its last record. */
void client_reply_flags(struct client *c, uint32_t seq, int status,
		uint32_t flags, const char *text, size_t len);
void client_close_after_reply(struct client *c);
/** Do not close a quiet client before @p until_ms (monotonic ms). */
void client_keep_until(struct client *c, int64_t until_ms);
uid_t client_uid(const struct client *c);
pid_t client_pid(const struct client *c);
int client_host(const struct client *c);
void client_set_host(struct client *c, int host);
struct client *client_of_host(int host);

/* ---- protocol.c ---- */
struct mgr_ctx {
	struct mgr_state st;
	const char *socket_path;
	const char *fabric_path; /* ntb_shm fabric to apply cuts to, or NULL */
	int64_t started_ms;
	int nclients;
};
void proto_handle(struct mgr_ctx *m, struct client *c, const struct rack_msg *r,
		int fd);
void proto_host_gone(struct mgr_ctx *m, int host);
/* queries.c: status, hosts, links, map, grants (table or JSON). */
void proto_handle_query(struct mgr_ctx *m, struct client *c,
		const struct rack_msg *r);

/* ---- ranges.c ---- */
/** RANGE_OFFER / RANGE_WITHDRAW from a host (takes *fd on success). */
void ranges_handle(struct mgr_ctx *m, struct client *c,
		const struct rack_msg *msg, int *fd);
/** Pass the exposed ranges of (o, p, w) to @p to, capped by the grant. */
void ranges_push(const struct mgr_state *s, struct client *to, uint32_t o,
		uint32_t p, uint32_t w);
/** Forget the ranges of (o, p, w) (revoked, or a new owner process). */
void ranges_drop(uint32_t o, uint32_t p, uint32_t w);

/* ---- revoke_wait.c ---- */
struct revoke_wait;
/** A revoke that waits for its owner; NULL if too many wait already. */
struct revoke_wait *revoke_wait_new(struct client *cli, uint32_t seq,
		uint32_t owner, uint32_t peer, uint32_t wait_ms);
/** The ticket to push the revocations to the owner with. */
uint32_t revoke_wait_ticket(const struct revoke_wait *rw);
/** Window @p window (or the bank) was pushed to the owner with the ticket. */
void revoke_wait_expect(struct revoke_wait *rw, uint32_t window);
/** All pushed: answer once confirmed (at once if nothing was pushed). */
void revoke_wait_arm(struct revoke_wait *rw, const char *text);
/** A MOVED record from @p host. */
void revoke_wait_moved(struct client *c, int host, const struct rack_msg *r);
void revoke_wait_host_gone(int host);
void revoke_wait_client_gone(const struct client *c);
/** Earliest deadline (monotonic ms), INT64_MAX if none. */
int64_t revoke_wait_next_deadline(void);
/** Answer the revokes whose wait ran out. */
void revoke_wait_expire(int64_t now_ms);

#endif /* MARLIN_FABRIC_H */
