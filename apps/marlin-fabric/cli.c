/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-fabric: the rack manager (serve) and its CLI, plus the commands
 * that work on an ntb_shm fabric directory without a manager. This file:
 * the command line, and the CLI side of the manager protocol.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_marlin_rack.h>

#include "fabric.h"

#define CLI_TIMEOUT_MS 10000

const char *prog = "marlin-fabric";

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
"       %s [--dir PATH] FABRIC status|cut A B|restore A B|clean\n"
"\n"
"The rack manager and its CLI. 'serve' runs the manager; the other commands\n"
"ask it over its Unix socket.\n"
"\n"
"Manager:\n"
"  serve               run the manager in the foreground until SIGTERM/SIGINT\n"
"    --run-dir DIR     its directory (socket, lock, state); default %s as\n"
"                      root, else $XDG_RUNTIME_DIR/marlin or /tmp/marlin-UID.\n"
"                      Created 0700 (0750 with --group); an existing one must\n"
"                      be a directory of this uid that others cannot write\n"
"    --policy FILE     who may hold which host ids, who administers, default\n"
"                      grants (doc/guides/manager.rst); default: this uid\n"
"                      holds every host id and all pairs are granted rw\n"
"    --state FILE      saved hosts, grants and cuts; default DIR/state\n"
"    --group NAME      let this group reach the socket (hosts of other users)\n"
"    --fabric NAME     also apply cut/restore to this ntb_shm fabric\n"
"    --dir PATH        its parent directory (the hosts' dir= devarg)\n"
"    --idle-ms N       close a client that sends no request for N ms\n"
"                      (default 10000; registered hosts stay)\n"
"\n"
"Asking the manager (--socket PATH or --run-dir DIR to find it, --json for\n"
"JSON output):\n"
"  status              the manager, and the hosts\n"
"  hosts               registered hosts: state, uid, pid, windows\n"
"  links               links between known hosts: up, down or cut\n"
"  map                 the rack address map: every host's windows\n"
"  grants              who may reach which window of whom\n"
"  grant OWNER PEER rw|ro [WINDOW]\n"
"                      let PEER reach OWNER's window (all windows if none)\n"
"  revoke OWNER PEER [WINDOW] [--wait-ms N]\n"
"                      take it back; returns once OWNER confirmed that it\n"
"                      moved the pages (PEER's stores no longer land), or\n"
"                      exits 1 if it did not within N ms (default 2000,\n"
"                      1..60000; the revocation stays recorded)\n"
"  cut A B             cut the link between hosts A and B (a drill)\n"
"  restore A B         reconnect them\n"
"\n"
"On an ntb_shm fabric directory (FABRIC is the hosts' fabric= devarg; write\n"
"--fabric NAME if it is named like a command):\n"
"  FABRIC status       table of the hosts: id, alive, pid, epoch, link, cuts;\n"
"                      hosts with manager= show only whether they are alive,\n"
"                      and the manager's links follow (--socket/--run-dir)\n"
"  FABRIC cut A B      cut the link between hosts A and B; survives restarts\n"
"                      (hosts with manager=: asks the manager to cut it)\n"
"  FABRIC restore A B  reconnect them (an emptied fabric directory goes)\n"
"  FABRIC clean        remove the files of hosts that died without cleaning\n"
"                      up; the directory goes too once no host is left\n"
"  --dir PATH          parent of the fabric directory (the hosts' dir=);\n"
"                      default: hugetlbfs mounts, then /dev/shm\n"
"\n"
"  -h, --help          show this text\n"
"\n"
"Exit status: 0 done, 1 the operation failed or was refused, 2 bad command\n"
"line.\n"
"\n"
"Examples:\n"
"  %s serve --run-dir /run/marlin --policy /etc/marlin/policy\n"
"  %s grant 0 1 rw 0\n"
"  %s --json grants\n"
"  %s rack0 status\n"
"  %s --dir /tmp/fab rack0 cut 0 1\n",
		prog, prog, RTE_MARLIN_RACK_RUN_DIR, prog, prog, prog, prog, prog);
}

int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

int
parse_host(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 ||
			v >= MGR_MAX_HOSTS)
		return -1;
	*out = (int)v;
	return 0;
}

/* ---- asking the manager ---- */

struct cli_opts {
	const char *socket;
	const char *run_dir;
	int json;
	uint32_t wait_ms;    /* revoke --wait-ms; 0: the manager's default */
};

static const struct {
	const char *name;
	uint32_t op;
	int nargs_min, nargs_max;
} commands[] = {
	{ "status", RACK_OP_STATUS, 0, 0 },
	{ "hosts", RACK_OP_HOSTS, 0, 0 },
	{ "links", RACK_OP_LINKS, 0, 0 },
	{ "map", RACK_OP_MAP, 0, 0 },
	{ "grants", RACK_OP_GRANTS, 0, 0 },
	{ "grant", RACK_OP_GRANT, 3, 4 },
	{ "revoke", RACK_OP_REVOKE, 2, 3 },
	{ "cut", RACK_OP_CUT, 2, 2 },
	{ "restore", RACK_OP_RESTORE, 2, 2 },
};

static int
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Build the request from the arguments; returns 0 or an exit code. */
static int
admin_args(int ci, int argc, char **argv, struct rack_wire_admin *a)
{
	int x, y;
	long w;
	char *end;

	if (argc < commands[ci].nargs_min || argc > commands[ci].nargs_max) {
		static char what[64];

		snprintf(what, sizeof(what), "'%s' takes %d%s argument%s",
			commands[ci].name, commands[ci].nargs_min,
			commands[ci].nargs_max > commands[ci].nargs_min ?
			" or more" : "", commands[ci].nargs_max == 1 ? "" : "s");
		return usage_error("%s", what);
	}
	memset(a, 0, sizeof(*a));
	a->op = commands[ci].op;
	if (argc == 0)
		return 0;
	if (parse_host(argv[0], &x) != 0)
		return usage_error("'%s' is not a host id (0..63)", argv[0]);
	if (parse_host(argv[1], &y) != 0)
		return usage_error("'%s' is not a host id (0..63)", argv[1]);
	if (x == y)
		return usage_error("two different hosts are needed, got %s twice",
			argv[0]);
	a->owner = (uint32_t)x;
	a->peer = (uint32_t)y;
	if (a->op == RACK_OP_GRANT) {
		if (strcmp(argv[2], "rw") == 0)
			a->access = RACK_ACCESS_RW;
		else if (strcmp(argv[2], "ro") == 0)
			a->access = RACK_ACCESS_RO;
		else
			return usage_error("access is rw or ro, not '%s'", argv[2]);
	}
	if (a->op == RACK_OP_GRANT || a->op == RACK_OP_REVOKE) {
		const char *ws = argc == commands[ci].nargs_max ?
			argv[argc - 1] : NULL;

		a->window = RACK_WIRE_ALL_WINDOWS;
		if (ws != NULL && strcmp(ws, "all") != 0) {
			errno = 0;
			w = strtol(ws, &end, 10);
			if (errno != 0 || end == ws || *end != '\0' || w < 0 ||
					w >= MGR_MAX_WINDOWS)
				return usage_error("'%s' is not a window (0..7 or all)",
					ws);
			a->window = (uint32_t)w;
		}
	}
	return 0;
}

static int
socket_path(const struct cli_opts *o, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (o->socket != NULL) {
		snprintf(buf, len, "%s", o->socket);
		return 0;
	}
	if (o->run_dir != NULL)
		snprintf(dir, sizeof(dir), "%s", o->run_dir);
	else if (default_run_dir(dir, sizeof(dir)) != 0)
		return -ENAMETOOLONG;
	return snprintf(buf, len, "%s/%s", dir, RTE_MARLIN_RACK_SOCKET) <
		(int)len ? 0 : -ENAMETOOLONG;
}

static void
print_json_error(const char *text, int status, const char *owner_ack)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "{\"ok\":false,\"status\":%d,", status);
	if (owner_ack != NULL)
		sb_printf(&b, "\"owner_ack\":\"%s\",", owner_ack);
	sb_printf(&b, "\"error\":");
	sb_json_str(&b, text);
	sb_printf(&b, "}\n");
	if (!b.oom)
		fputs(b.p, stdout);
	sb_free(&b);
}

static int
connect_manager(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(s);
		errno = e;
		return -1;
	}
	return s;
}

/* Read REPLY records of @p seq until the last; prints them. */
/* What a revoke's answer says about the owner's confirmation (JSON). */
static const char *
owner_ack_name(uint32_t op, int status, uint32_t flags)
{
	if (op != RACK_OP_REVOKE)
		return NULL;
	if (flags & RACK_REPLY_F_MOVED)
		return "moved";
	if (flags & RACK_REPLY_F_OWNER_AWAY)
		return "owner_away";
	if (status == -ETIMEDOUT)
		return "timeout";
	return status == 0 ? "none" : "failed";
}

static int
read_replies(int s, uint32_t seq, int json, uint32_t op, long tmo_ms)
{
	int query = op <= RACK_OP_GRANTS;
	const char *ack;
	uint32_t flags = 0;
	static uint8_t rec[RACK_WIRE_MAX_RECORD];
	struct timespec t0, t;
	struct sbuf all = { 0 };
	struct rack_msg m;
	const char *why;
	unsigned int nfds;
	int fd, rc, status = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = tmo_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
			(t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			fprintf(stderr, "%s: no answer from the manager within %ld ms\n",
				prog, tmo_ms);
			sb_free(&all);
			return EXIT_FAIL;
		}
		n = rack_sock_recv(s, rec, sizeof(rec), &fd, &nfds);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (fd >= 0)
			close(fd);
		if (n <= 0) {
			fprintf(stderr, "%s: the manager closed the connection%s%s\n",
				prog, n < 0 ? ": " : "",
				n < 0 ? strerror((int)-n) : "");
			sb_free(&all);
			return EXIT_FAIL;
		}
		rc = rack_msg_parse(rec, (size_t)n, nfds, &m, &why);
		if (rc != 0 || m.type != RACK_MSG_REPLY || m.seq != seq) {
			fprintf(stderr, "%s: unexpected answer from the manager: %s\n",
				prog, rc != 0 ? why : "not the reply to this request");
			sb_free(&all);
			return EXIT_FAIL;
		}
		sb_printf(&all, "%.*s", (int)m.u.reply.text_len, m.text);
		status = m.u.reply.status;
		flags = m.u.reply.flags;
		if (!(m.u.reply.flags & RACK_REPLY_F_MORE))
			break;
	}
	if (all.oom) {
		fprintf(stderr, "%s: out of memory\n", prog);
		sb_free(&all);
		return EXIT_FAIL;
	}
	if (all.p == NULL)
		sb_printf(&all, "%s", "");
	ack = owner_ack_name(op, status, flags);
	if (status != 0) {
		fprintf(stderr, "%s: %s\n", prog, all.p);
		if (json)
			print_json_error(all.p, status, ack);
	} else if (json && !query) {
		struct sbuf b = { 0 };

		sb_printf(&b, "{\"ok\":true,");
		if (ack != NULL)
			sb_printf(&b, "\"owner_ack\":\"%s\",", ack);
		sb_printf(&b, "\"message\":");
		sb_json_str(&b, all.p);
		sb_printf(&b, "}\n");
		fputs(b.oom ? "" : b.p, stdout);
		sb_free(&b);
	} else {
		fputs(all.p, stdout);
		if (all.len > 0 && all.p[all.len - 1] != '\n')
			fputc('\n', stdout);
	}
	sb_free(&all);
	return status == 0 ? EXIT_OK : EXIT_FAIL;
}

int
manager_request(const char *path, const struct rack_wire_admin *ap)
{
	uint8_t rec[sizeof(struct rack_wire_hdr) + sizeof(struct rack_wire_admin)];
	struct rack_wire_admin a = *ap;
	int rc, s, len;

	s = connect_manager(path);
	if (s < 0) {
		fprintf(stderr, "%s: cannot reach the manager at %s: %s%s\n", prog,
			path, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ?
			" (is 'marlin-fabric serve' running? --socket/--run-dir say where)" :
			errno == EACCES ? " (the manager's directory is not open to this user: see serve --group)" :
			"");
		return EXIT_FAIL;
	}
	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_ADMIN, 1, &a,
		sizeof(a), NULL, 0);
	rc = rack_sock_send(s, rec, (size_t)len, -1);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot send to the manager: %s\n", prog,
			strerror(-rc));
		close(s);
		return EXIT_FAIL;
	}
	rc = read_replies(s, 1, (a.flags & RACK_ADMIN_F_JSON) != 0, a.op,
		CLI_TIMEOUT_MS + (a.op == RACK_OP_REVOKE ?
			(long)(a.wait_ms != 0 ? a.wait_ms :
			       RACK_WIRE_REVOKE_WAIT_MS) : 0));
	close(s);
	return rc;
}

static int
admin_main(const struct cli_opts *o, int ci, int argc, char **argv)
{
	struct rack_wire_admin a;
	char path[PATH_MAX];
	int rc;

	rc = admin_args(ci, argc, argv, &a);
	if (rc != 0)
		return rc;
	if (o->json)
		a.flags |= RACK_ADMIN_F_JSON;
	if (o->wait_ms != 0 && a.op != RACK_OP_REVOKE)
		return usage_error("%s", "--wait-ms goes with 'revoke'");
	a.wait_ms = o->wait_ms;
	if (socket_path(o, path, sizeof(path)) != 0)
		return usage_error("%s", "socket path too long");
	return manager_request(path, &a);
}

/* ---- the command line ---- */

/* Options that take a value; @p dst is where it goes. */
struct opt_val {
	const char *name;
	const char **dst;
};

int
main(int argc, char **argv)
{
	struct serve_opts so = { 0 };
	struct cli_opts co = { 0 };
	const char *fabric = NULL, *idle = NULL, *wait = NULL;
	const struct opt_val vals[] = {
		{ "--dir", &so.fabric_dir }, { "--run-dir", &so.run_dir },
		{ "--socket", &co.socket }, { "--policy", &so.policy },
		{ "--state", &so.state }, { "--group", &so.group },
		{ "--fabric", &fabric }, { "--idle-ms", &idle },
		{ "--wait-ms", &wait },
	};
	char **pos;
	int i, npos = 0, ci;

	pos = calloc((size_t)argc + 1, sizeof(*pos));
	if (pos == NULL)
		return EXIT_FAIL;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		size_t k, nl;
		int found = 0;

		if (arg[0] != '-' || strcmp(arg, "-") == 0) {
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			free(pos);
			return EXIT_OK;
		}
		if (strcmp(arg, "--json") == 0) {
			co.json = 1;
			continue;
		}
		for (k = 0; k < sizeof(vals) / sizeof(vals[0]) && !found; k++) {
			nl = strlen(vals[k].name);
			if (strncmp(arg, vals[k].name, nl) != 0)
				continue;
			if (arg[nl] == '=') {
				*vals[k].dst = arg + nl + 1;
				found = 1;
			} else if (arg[nl] == '\0') {
				if (i + 1 >= argc) {
					free(pos);
					return usage_error("%s needs a value", arg);
				}
				*vals[k].dst = argv[++i];
				found = 1;
			}
		}
		if (!found) {
			free(pos);
			return usage_error("unknown option '%s'", arg);
		}
	}
	co.run_dir = so.run_dir;

	if (npos == 0) {
		usage(stderr);
		free(pos);
		return EXIT_USAGE;
	}
	if (strcmp(pos[0], "serve") == 0) {
		int rc;

		if (npos != 1 || co.socket != NULL || co.json) {
			free(pos);
			return usage_error("%s", "'serve' takes only its options (--socket/--json are for the other commands)");
		}
		if (idle != NULL) {
			char *end;
			long v = strtol(idle, &end, 10);

			if (*end != '\0' || v < 100 || v > 3600000) {
				free(pos);
				return usage_error("--idle-ms '%s': 100..3600000", idle);
			}
			so.idle_ms = (int)v;
		}
		so.fabric = fabric;
		rc = serve_main(&so);
		free(pos);
		return rc;
	}
	if (so.policy != NULL || so.state != NULL || so.group != NULL ||
			idle != NULL) {
		free(pos);
		return usage_error("%s", "--policy, --state, --group and --idle-ms go with 'serve'");
	}
	if (wait != NULL) {
		char *end;
		long v = strtol(wait, &end, 10);

		if (*end != '\0' || end == wait || v < 1 ||
				v > (long)RACK_WIRE_REVOKE_WAIT_MAX_MS) {
			free(pos);
			return usage_error("--wait-ms '%s': 1..60000", wait);
		}
		co.wait_ms = (uint32_t)v;
	}
	ci = fabric == NULL ? find_command(pos[0]) : -1;
	if (ci >= 0) {
		int rc;

		if (so.fabric_dir != NULL) {
			free(pos);
			return usage_error("%s", "--dir names a fabric directory: 'FABRIC COMMAND', not a manager command");
		}
		rc = admin_main(&co, ci, npos - 1, pos + 1);
		free(pos);
		return rc;
	}
	/* FABRIC COMMAND ...: on the fabric directory; the manager is asked
	 * only about hosts that run with one. */
	if (co.json || wait != NULL) {
		free(pos);
		return usage_error("%s", "--json and --wait-ms are for manager commands");
	}
	{
		char **cmd = pos, sock[PATH_MAX];
		int ncmd = npos, rc;

		if (socket_path(&co, sock, sizeof(sock)) != 0) {
			free(pos);
			return usage_error("%s", "socket path too long");
		}
		if (fabric == NULL) {
			fabric = cmd[0];
			cmd++;
			ncmd--;
		}
		if (ncmd == 0)
			rc = usage_error("fabric '%s': which command? (status, cut, restore, clean)",
				fabric);
		else
			rc = fabric_dir_main(so.fabric_dir, fabric, sock, ncmd,
				cmd);
		free(pos);
		return rc;
	}
}
