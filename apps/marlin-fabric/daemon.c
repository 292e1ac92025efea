/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-fabric serve: the rack manager's process. It owns a directory
 * (socket, lock, state), accepts hosts and CLI clients on a SOCK_SEQPACKET
 * Unix socket and serves them from one nonblocking poll loop: a record is
 * read whole or not at all, every client has a deadline, a client that
 * stops reading is dropped, so no client can block another.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_marlin_rack.h>
#include <rte_pmd_ntb_shm.h>

#include "fabric.h"

#define MAX_CLIENTS 256
#define MAX_QUEUE 4096          /* records queued for one client */
#define RECORDS_PER_ROUND 16    /* fairness: then the next client */
#define CLOSE_GRACE_MS 1000

struct outrec {
	uint8_t *buf;
	size_t len;
	int fd;
};

struct client {
	int fd;                 /* -1: free slot */
	uid_t uid;
	pid_t pid;
	int host;               /* host id held, or -1 */
	int closing;            /* drop once the queue is sent */
	int64_t deadline;       /* ms; 0: none (a registered host) */
	struct outrec *q;
	size_t qhead, qlen;
};

static struct client clients[MAX_CLIENTS];
static struct mgr_ctx *ctx;
static int64_t accept_paused_until; /* out of descriptors: wait a little */
static volatile sig_atomic_t stop_sig;
static int idle_ms = 10000;
static uint8_t rxbuf[RACK_WIRE_MAX_RECORD];

int64_t
mgr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mgr_log(const char *fmt, ...)
{
	char stamp[32];
	struct tm tm;
	time_t t = time(NULL);
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s: ", stamp, prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

int
default_run_dir(char *buf, size_t len)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "%s", RTE_MARLIN_RACK_RUN_DIR);
	else if (x != NULL && x[0] == '/')
		n = snprintf(buf, len, "%s/marlin", x);
	else
		n = snprintf(buf, len, "/tmp/marlin-%u", (unsigned int)geteuid());
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* ---- the clients ---- */

uid_t client_uid(const struct client *c) { return c->uid; }
pid_t client_pid(const struct client *c) { return c->pid; }
int client_host(const struct client *c) { return c->host; }

void
client_set_host(struct client *c, int host)
{
	c->host = host;
	c->deadline = 0; /* a host stays as long as it lives */
	if (host >= 0)
		ctx->st.host[host].client = (int)(c - clients);
}

struct client *
client_of_host(int host)
{
	int i = ctx->st.host[host].client;

	return i >= 0 ? &clients[i] : NULL;
}

void
client_close_after_reply(struct client *c)
{
	c->closing = 1;
	c->deadline = mgr_now_ms() + CLOSE_GRACE_MS;
}

int
client_queue(struct client *c, uint16_t type, uint32_t seq, const void *body,
		size_t blen, int fd)
{
	struct outrec *r;
	uint8_t *buf;
	int len;

	if (c->fd < 0 || c->closing)
		return -ENOTCONN;
	if (c->qlen >= MAX_QUEUE) {
		mgr_log("uid=%u pid=%d: does not read its socket (%d records queued): dropped",
			(unsigned int)c->uid, (int)c->pid, MAX_QUEUE);
		client_close_after_reply(c);
		c->deadline = mgr_now_ms(); /* now */
		return -ENOBUFS;
	}
	if (fd >= 0) {
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			mgr_log("uid=%u pid=%d: cannot pass a memory object: %s",
				(unsigned int)c->uid, (int)c->pid, strerror(errno));
			return -errno;
		}
	}
	buf = malloc(sizeof(struct rack_wire_hdr) + blen);
	if (buf == NULL) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	len = rack_msg_build(buf, sizeof(struct rack_wire_hdr) + blen, type,
		seq, body, blen, NULL, 0);
	if (c->q == NULL) {
		c->q = calloc(MAX_QUEUE, sizeof(*c->q));
		if (c->q == NULL) {
			free(buf);
			if (fd >= 0)
				close(fd);
			return -ENOMEM;
		}
	}
	r = &c->q[(c->qhead + c->qlen) % MAX_QUEUE];
	r->buf = buf;
	r->len = (size_t)len;
	r->fd = fd;
	c->qlen++;
	return 0;
}

void
client_keep_until(struct client *c, int64_t until_ms)
{
	if (c->deadline != 0 && c->deadline < until_ms)
		c->deadline = until_ms;
}

void
client_reply(struct client *c, uint32_t seq, int status, const char *text,
		size_t len)
{
	client_reply_flags(c, seq, status, 0, text, len);
}

void
client_reply_flags(struct client *c, uint32_t seq, int status, uint32_t flags,
		const char *text, size_t len)
{
	size_t off = 0;

	do {
		size_t n = len - off < RACK_WIRE_MAX_TEXT ? len - off :
			RACK_WIRE_MAX_TEXT;
		struct {
			struct rack_wire_reply r;
			char text[RACK_WIRE_MAX_TEXT];
		} b;

		memset(&b.r, 0, sizeof(b.r));
		b.r.status = status;
		b.r.text_len = (uint32_t)n;
		b.r.flags = off + n < len ? RACK_REPLY_F_MORE : flags;
		memcpy(b.text, text + off, n);
		if (client_queue(c, RACK_MSG_REPLY, seq, &b,
				sizeof(b.r) + n, -1) != 0)
			return;
		off += n;
	} while (off < len);
}

static void
client_drop(struct client *c)
{
	while (c->qlen > 0) {
		struct outrec *r = &c->q[c->qhead];

		free(r->buf);
		if (r->fd >= 0)
			close(r->fd);
		c->qhead = (c->qhead + 1) % MAX_QUEUE;
		c->qlen--;
	}
	free(c->q);
	close(c->fd);
	c->fd = -1;
	revoke_wait_client_gone(c);
	c->q = NULL;
	ctx->nclients--;
	if (c->host >= 0) {
		int h = c->host;

		c->host = -1;
		proto_host_gone(ctx, h);
	}
}

/* Send what is queued; returns -1 if the client was dropped. */
static int
client_flush(struct client *c)
{
	while (c->qlen > 0) {
		struct outrec *r = &c->q[c->qhead];
		int rc = rack_sock_send(c->fd, r->buf, r->len, r->fd);

		if (rc == -EAGAIN)
			return 0;
		if (rc != 0) {
			client_drop(c);
			return -1;
		}
		free(r->buf);
		if (r->fd >= 0)
			close(r->fd);
		c->qhead = (c->qhead + 1) % MAX_QUEUE;
		c->qlen--;
	}
	if (c->closing) {
		client_drop(c);
		return -1;
	}
	return 0;
}

static void
client_read(struct client *c)
{
	struct rack_msg m;
	const char *why;
	unsigned int nfds;
	int i, fd, rc;
	ssize_t n;

	for (i = 0; i < RECORDS_PER_ROUND && c->fd >= 0 && !c->closing; i++) {
		n = rack_sock_recv(c->fd, rxbuf, sizeof(rxbuf), &fd, &nfds);
		if (n == -EAGAIN)
			return;
		if (n == 0 || (n < 0 && n != -EMSGSIZE)) {
			client_drop(c);
			return;
		}
		if (n == -EMSGSIZE) {
			why = "record longer than 32768 bytes";
			rc = -EMSGSIZE;
		} else {
			rc = rack_msg_parse(rxbuf, (size_t)n, nfds, &m, &why);
		}
		if (rc != 0) {
			char text[160];
			int len;

			if (fd >= 0)
				close(fd);
			mgr_log("uid=%u pid=%d: malformed record (%s): connection closed",
				(unsigned int)c->uid, (int)c->pid, why);
			len = snprintf(text, sizeof(text), "malformed record: %s", why);
			client_reply(c, 0, rc, text, (size_t)len);
			client_close_after_reply(c);
			return;
		}
		if (c->host < 0)
			c->deadline = mgr_now_ms() + idle_ms;
		proto_handle(ctx, c, &m, fd); /* takes fd */
	}
}

static void
client_accept(int lfd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int i, fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Or poll would wake us for it forever. */
				mgr_log("out of file descriptors (%s): not accepting for 1 s",
					strerror(errno));
				accept_paused_until = mgr_now_ms() + 1000;
			}
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) {
			close(fd);
			continue;
		}
		for (i = 0; i < MAX_CLIENTS && clients[i].fd >= 0; i++)
			;
		if (i == MAX_CLIENTS) {
			mgr_log("uid=%u pid=%d: refused, %d connections already",
				(unsigned int)cr.uid, (int)cr.pid, MAX_CLIENTS);
			close(fd);
			continue;
		}
		memset(&clients[i], 0, sizeof(clients[i]));
		clients[i].fd = fd;
		clients[i].uid = cr.uid;
		clients[i].pid = cr.pid;
		clients[i].host = -1;
		clients[i].deadline = mgr_now_ms() + idle_ms;
		ctx->nclients++;
	}
}

/* ---- the directory the manager owns ---- */

static const char *
file_kind(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISREG(m))
		return "a regular file";
	return "a device or special file";
}

/*
 * Create @p dir (0700, or 0750 with group @p gid) or accept an existing
 * one only if it is a real directory of ours that nobody else may write.
 * Returns an O_DIRECTORY descriptor or -1 (after saying why).
 */
static int
dir_prepare(const char *dir, gid_t gid)
{
	mode_t mode = gid != (gid_t)-1 ? 0750 : 0700;
	struct stat st;
	int fd;

	if (mkdir(dir, mode) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, dir,
			strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: refusing %s: it is %s, not a directory; remove it or pass --run-dir\n",
			prog, dir, file_kind(st.st_mode));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, dir,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "%s: refusing %s: it belongs to uid %u, not to this manager (uid %u); someone else prepared it: remove it or pass --run-dir\n",
			prog, dir, (unsigned int)st.st_uid, (unsigned int)geteuid());
		close(fd);
		return -1;
	}
	if (st.st_mode & 022) {
		fprintf(stderr, "%s: refusing %s: mode %04o lets other users write in it (the manager's directory must not be group/world writable): remove it or chmod go-w\n",
			prog, dir, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if ((gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0) ||
			fchmod(fd, mode) != 0) {
		fprintf(stderr, "%s: cannot set owner/mode of %s: %s\n", prog, dir,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Hold manager.lock: one manager per directory. */
static int
lock_take(int dfd, const char *dir)
{
	char pid[32], held[32] = "";
	struct stat st;
	int fd, n;

	fd = openat(dfd, "manager.lock", O_RDWR | O_CREAT | O_NOFOLLOW |
		O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: refusing %s/manager.lock: %s\n", prog, dir,
			fd < 0 ? strerror(errno) : file_kind(st.st_mode));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		n = (int)pread(fd, held, sizeof(held) - 1, 0);
		held[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "%s: another manager (pid %s) serves %s: stop it first\n",
			prog, held[0] ? held : "?", dir);
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		mgr_log("cannot write the pid into %s/manager.lock: %s", dir,
			strerror(errno));
	return fd;
}

static int
listen_on(int dfd, const char *dir, const char *path, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path %s is too long (%zu bytes max): pick a shorter --run-dir\n",
			prog, path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (fstatat(dfd, RTE_MARLIN_RACK_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "%s: refusing %s: it is %s, not a socket; remove it\n",
				prog, path, file_kind(st.st_mode));
			return -1;
		}
		/* A socket left by a manager that died: we hold the lock. */
		unlinkat(dfd, RTE_MARLIN_RACK_SOCKET, 0);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	old = umask(077);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			listen(s, 64) != 0) {
		umask(old);
		fprintf(stderr, "%s: cannot listen on %s: %s\n", prog, path,
			strerror(errno));
		close(s);
		return -1;
	}
	umask(old);
	if (gid != (gid_t)-1 &&
			(fchownat(dfd, RTE_MARLIN_RACK_SOCKET, (uid_t)-1, gid,
				AT_SYMLINK_NOFOLLOW) != 0 ||
			 fchmodat(dfd, RTE_MARLIN_RACK_SOCKET, 0660, 0) != 0))
		mgr_log("cannot open %s to group %u: %s", path,
			(unsigned int)gid, strerror(errno));
	(void)dir;
	return s;
}

/* The manager holds a descriptor per offered (owner, peer, window): up to
 * 64 x 63 x 8. Take what the hard limit allows. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		mgr_log("cannot raise the descriptor limit: %s", strerror(errno));
}

static void
on_signal(int sig)
{
	stop_sig = sig;
}

static void
serve_loop(int lfd)
{
	static struct pollfd pfd[MAX_CLIENTS + 1];
	static int idx[MAX_CLIENTS + 1];

	while (!stop_sig) {
		int64_t now = mgr_now_ms(), next = now + 1000;
		int i, n = 0, rc;

		pfd[n].fd = lfd;
		pfd[n].events = ctx->nclients < MAX_CLIENTS &&
			now >= accept_paused_until ? POLLIN : 0;
		if (now < accept_paused_until && accept_paused_until < next)
			next = accept_paused_until;
		revoke_wait_expire(now);
		if (revoke_wait_next_deadline() < next)
			next = revoke_wait_next_deadline();
		idx[n++] = -1;
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &clients[i];

			if (c->fd < 0)
				continue;
			if (c->deadline != 0 && c->deadline <= now) {
				if (!c->closing)
					mgr_log("uid=%u pid=%d: no request within %d ms: connection closed",
						(unsigned int)c->uid, (int)c->pid,
						idle_ms);
				client_drop(c);
				continue;
			}
			if (c->deadline != 0 && c->deadline < next)
				next = c->deadline;
			pfd[n].fd = c->fd;
			pfd[n].events = (c->closing ? 0 : POLLIN) |
				(c->qlen > 0 ? POLLOUT : 0);
			idx[n++] = i;
		}
		rc = poll(pfd, (nfds_t)n, (int)(next - now));
		if (rc < 0 && errno != EINTR) {
			mgr_log("poll: %s", strerror(errno));
			break;
		}
		if (rc <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			client_accept(lfd);
		for (i = 1; i < n; i++) {
			struct client *c = &clients[idx[i]];

			if (pfd[i].revents == 0 || c->fd != pfd[i].fd)
				continue;
			if (pfd[i].revents & POLLIN)
				client_read(c);
			if (c->fd >= 0 && (pfd[i].revents & (POLLERR | POLLHUP)) &&
					!(pfd[i].revents & POLLIN))
				client_drop(c);
		}
		/* Replies and pushes queued this round, to any client. */
		for (i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 &&
					(clients[i].qlen > 0 || clients[i].closing))
				client_flush(&clients[i]);
	}
}

int
serve_main(const struct serve_opts *o)
{
	static struct mgr_ctx m;
	char dir[PATH_MAX], sock[PATH_MAX], state[PATH_MAX], err[512];
	gid_t gid = (gid_t)-1;
	struct sigaction sa;
	int dfd, lockfd, lfd, i;

	ctx = &m;
	if (o->idle_ms > 0)
		idle_ms = o->idle_ms;
	if (o->group != NULL) {
		struct group *g = getgrnam(o->group);

		if (g == NULL)
			return usage_error("unknown group '%s'", o->group);
		gid = g->gr_gid;
	}
	if (o->run_dir != NULL)
		snprintf(dir, sizeof(dir), "%s", o->run_dir);
	else if (default_run_dir(dir, sizeof(dir)) != 0)
		return EXIT_FAIL;
	if (snprintf(sock, sizeof(sock), "%s/%s", dir, RTE_MARLIN_RACK_SOCKET) >=
			(int)sizeof(sock) ||
			snprintf(state, sizeof(state), "%s%s", o->state != NULL ?
				o->state : dir, o->state != NULL ? "" : "/state") >=
			(int)sizeof(state))
		return usage_error("%s", "--run-dir or --state path too long");

	if (o->policy != NULL) {
		if (policy_load(&m.st.policy, o->policy, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return EXIT_FAIL;
		}
	} else {
		policy_default(&m.st.policy);
	}
	dfd = dir_prepare(dir, gid);
	if (dfd < 0)
		return EXIT_FAIL;
	lockfd = lock_take(dfd, dir);
	if (lockfd < 0) {
		close(dfd);
		return EXIT_FAIL;
	}
	state_init(&m.st, state);
	if (state_load(&m.st, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		close(lockfd);
		close(dfd);
		return EXIT_FAIL;
	}
	lfd = listen_on(dfd, dir, sock, gid);
	if (lfd < 0) {
		close(lockfd);
		close(dfd);
		return EXIT_FAIL;
	}
	if (o->fabric != NULL) {
		static char fpath[PATH_MAX];

		if (rte_pmd_ntb_shm_fabric_path(o->fabric, o->fabric_dir, fpath,
				sizeof(fpath)) != 0) {
			close(lfd);
			close(lockfd);
			close(dfd);
			return usage_error("'%s' is not a fabric name (1..32 of [A-Za-z0-9_.-])",
				o->fabric);
		}
		m.fabric_path = fpath;
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	m.socket_path = sock;
	m.started_ms = mgr_now_ms();
	m.st.epoch = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	i = state_links_create(&m.st);
	if (i != 0) {
		fprintf(stderr, "%s: cannot create the link page (a sealed memfd): %s\n",
			prog, strerror(-i));
		close(lfd);
		unlinkat(dfd, RTE_MARLIN_RACK_SOCKET, 0);
		state_fini(&m.st);
		close(lockfd);
		close(dfd);
		return EXIT_FAIL;
	}

	raise_fd_limit();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	mgr_log("serving on %s (state %s, policy %s%s%s, pid %d)", sock, state,
		o->policy != NULL ? o->policy : "default: this uid holds every host, all pairs granted rw",
		m.fabric_path != NULL ? ", ntb_shm fabric " : "",
		m.fabric_path != NULL ? m.fabric_path : "", (int)getpid());
	printf("ready %s\n", sock);
	fflush(stdout);
	serve_loop(lfd);

	mgr_log("stopping (signal %d)", (int)stop_sig);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_drop(&clients[i]);
	unlinkat(dfd, RTE_MARLIN_RACK_SOCKET, 0);
	close(lfd);
	state_fini(&m.st);
	close(lockfd);
	close(dfd);
	return EXIT_OK;
}
