/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-ivshmem-server: the server QEMU's ivshmem-doorbell device connects
 * to (protocol: QEMU's docs/specs/ivshmem-spec.txt, "The ivshmem
 * Client-Server Protocol"). Each message is one little-endian int64,
 * optionally with one fd (SCM_RIGHTS):
 *
 *   to a new client:   0 (version), its id, -1 + shared memory fd,
 *                      for every other client: its id + one eventfd per
 *                      vector, then its own id + one eventfd per vector
 *   to the others:     the new id + its eventfds (connect), or the id
 *                      alone (disconnect)
 *
 * Built to outlive its guests. An id is a slot whose eventfds live as long
 * as the server: a guest that dies frees its slot, a guest that comes back
 * gets the lowest free id (its old one, when it was the only one to leave)
 * with the same eventfds the others already hold, and the same shared
 * memory. By default nobody is told that a guest left: QEMU (7.2's
 * hw/misc/ivshmem.c, close_peer_eventfds()) frees a peer's eventfd array
 * on a disconnect notification but writes into it on the next connect
 * notification for that id, so announcing a departure and then reusing
 * the id corrupts the surviving guests' QEMU (seen in tests/vm). With
 * --notify-gone departures are announced and ids are never reused, as
 * QEMU's example server does. Marlin's driver learns liveness from its
 * peers' heartbeats either way. A client that sends anything (clients
 * never do), stops reading or misbehaves is dropped without affecting the
 * others. One thread, poll(), no allocation per message.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_marlin_args.h>

#include "marlin_fdpass.h"

#define PRG "marlin-ivshmem-server"
#define MAX_VECTORS 64
#define MAX_PEERS_LIMIT 1024
#define DEFAULT_PEERS 16

struct client {
	int fd;          /* -1: no guest on this id now */
	int efd[MAX_VECTORS]; /* -1 until the id is first used */
	int retired;     /* --notify-gone: announced gone, never reused */
};

struct server {
	const char *sock_path;
	const char *shm_path;
	uint64_t size;
	int vectors;
	int max_peers;
	int verbose;
	int notify_gone;
	int lfd;
	int shm_fd;
	struct client *c;  /* indexed by peer id */
};

static volatile sig_atomic_t stop_sig;

static void
on_signal(int sig)
{
	stop_sig = sig;
}

static void
logf_(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "[%5lld.%03ld] " PRG ": ", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " PRG " --socket PATH --size SIZE [options]\n"
"Serve QEMU ivshmem-doorbell devices: every guest whose device names the\n"
"socket (-chardev socket,path=PATH,id=ID -device ivshmem-doorbell,\n"
"chardev=ID,vectors=N) shares one memory of SIZE and can ring the others'\n"
"MSI-X vectors. Guests may die and restart while the server runs.\n"
"\n"
"  -S, --socket PATH   Unix socket to listen on (a stale one is replaced;\n"
"                      a live server on it is an error)\n"
"  -l, --size SIZE     shared memory size, power of two, e.g. 4M (K/M/G)\n"
"  -m, --shm PATH      back the memory with this file (created or resized;\n"
"                      e.g. /dev/shm/NAME, or a hugetlbfs file); default:\n"
"                      an anonymous memfd that lives as long as the server\n"
"  -n, --vectors N     interrupt vectors per guest, 1..%d (default 2;\n"
"                      match vectors=N of the devices)\n"
"  -p, --peers N       most guests at once, 1..%d (default %d); ids are\n"
"                      0..N-1, lowest free first: a guest that restarts\n"
"                      gets its old id back when no other took it\n"
"  -g, --notify-gone   tell the guests when one leaves, and then never\n"
"                      reuse its id (QEMU mishandles a reused id after a\n"
"                      departure notice); default: departures are not\n"
"                      announced and ids are reused\n"
"  -v, --verbose       log every message\n"
"  -h, --help          this text\n"
"\n"
"Runs in the foreground; SIGINT/SIGTERM stop it and remove the socket.\n"
"Exit status: 0 stopped by a signal, 1 setup failed, 2 bad usage.\n",
		MAX_VECTORS, MAX_PEERS_LIMIT, DEFAULT_PEERS);
}

static int
parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Send one message; -1 when the client cannot take it (then drop it). */
static int
send_msg(struct server *s, int cfd, int64_t v, int fd)
{
	int64_t le = (int64_t)htole64((uint64_t)v);
	ssize_t n = marlin_fdpass_send(cfd, &le, sizeof(le), fd);

	if (s->verbose)
		logf_("  -> fd %d: %" PRId64 "%s", cfd, v, fd >= 0 ? " + fd" : "");
	return n == (ssize_t)sizeof(le) ? 0 : -1;
}

/* id + one eventfd per vector: a connect notification or interrupt setup. */
static int
send_peer(struct server *s, int cfd, int id)
{
	int v;

	for (v = 0; v < s->vectors; v++)
		if (send_msg(s, cfd, id, s->c[id].efd[v]) != 0)
			return -1;
	return 0;
}

static void drop(struct server *s, int id, const char *why);

static void
close_efds(struct server *s, int id)
{
	struct client *c = &s->c[id];
	int v;

	for (v = 0; v < s->vectors; v++) {
		if (c->efd[v] >= 0)
			close(c->efd[v]);
		c->efd[v] = -1;
	}
}

static void
drop(struct server *s, int id, const char *why)
{
	int o;

	if (s->c[id].fd < 0)
		return;
	close(s->c[id].fd);
	s->c[id].fd = -1;
	logf_("peer %d gone (%s)", id, why);
	if (!s->notify_gone)
		return; /* the slot and its eventfds wait for the next guest */
	close_efds(s, id);
	s->c[id].retired = 1;
	for (o = 0; o < s->max_peers; o++)
		if (s->c[o].fd >= 0 && send_msg(s, s->c[o].fd, id, -1) != 0)
			drop(s, o, "cannot take a disconnect notification");
}

/* Eventfds of a slot: created on first use, drained on reuse (a ring for
 * a guest that was down is not meant for the one that comes back). */
static int
slot_efds(struct server *s, int id, int *fresh)
{
	struct client *c = &s->c[id];
	uint64_t n;
	int v;

	*fresh = c->efd[0] < 0;
	for (v = 0; v < s->vectors; v++) {
		if (c->efd[v] >= 0) {
			while (read(c->efd[v], &n, sizeof(n)) > 0)
				;
			continue;
		}
		c->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->efd[v] < 0) {
			logf_("eventfd: %s", strerror(errno));
			close_efds(s, id);
			return -1;
		}
	}
	return 0;
}

static void
accept_one(struct server *s)
{
	int fd, id, o, fresh;

	fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			logf_("accept: %s", strerror(errno));
		return;
	}
	for (id = 0; id < s->max_peers &&
	     (s->c[id].fd >= 0 || s->c[id].retired); id++)
		;
	if (id == s->max_peers) {
		logf_("refused a guest: all %d ids in use%s (raise --peers)",
		      s->max_peers, s->notify_gone ? " or retired" : "");
		close(fd);
		return;
	}
	if (slot_efds(s, id, &fresh) != 0) {
		close(fd);
		return;
	}
	s->c[id].fd = fd;
	if (send_msg(s, fd, 0, -1) != 0 || send_msg(s, fd, id, -1) != 0 ||
	    send_msg(s, fd, -1, s->shm_fd) != 0)
		goto fail;
	/* every other slot with eventfds, whether its guest is up or not */
	for (o = 0; o < s->max_peers; o++)
		if (o != id && s->c[o].efd[0] >= 0 && send_peer(s, fd, o) != 0)
			goto fail;
	if (send_peer(s, fd, id) != 0)
		goto fail;
	logf_("peer %d connected%s", id, fresh ? "" : " (id reused)");
	/* the others hold this slot's eventfds already unless it is new */
	for (o = 0; fresh && o < s->max_peers; o++)
		if (o != id && s->c[o].fd >= 0 &&
		    send_peer(s, s->c[o].fd, id) != 0)
			drop(s, o, "cannot take a connect notification");
	return;
fail:
	logf_("peer %d: setup messages not taken; closing it", id);
	close(fd);
	s->c[id].fd = -1;
}

/* Clients never send; anything readable is a hang-up or garbage. */
static void
client_event(struct server *s, int id, short revents)
{
	char buf[256];
	ssize_t n;

	if (revents & POLLIN) {
		n = recv(s->c[id].fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			drop(s, id, "it sent data; ivshmem clients never do");
			return;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		drop(s, id, n == 0 ? "closed its connection" :
		     strerror(errno));
		return;
	}
	if (revents & (POLLHUP | POLLERR | POLLNVAL))
		drop(s, id, "hang-up");
}

static int
open_shm(struct server *s)
{
	struct stat st;
	int fd;

	if (s->shm_path != NULL)
		fd = open(s->shm_path,
			  O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	else
		fd = memfd_create("marlin-ivshmem", MFD_CLOEXEC);
	if (fd < 0) {
		logf_("cannot create the shared memory %s: %s",
		      s->shm_path != NULL ? s->shm_path : "(memfd)",
		      strerror(errno));
		return -1;
	}
	/* Guests' memory: a regular file of ours that nobody else may open
	 * (not a FIFO, a device or another user's file planted there). */
	if (s->shm_path != NULL && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
			st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
		logf_("refusing %s: not a regular file of this user with mode 0600",
		      s->shm_path);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, (off_t)s->size) != 0) {
		logf_("cannot size the shared memory to %" PRIu64 " bytes: %s",
		      s->size, strerror(errno));
		close(fd);
		return -1;
	}
	s->shm_fd = fd;
	return 0;
}

static int
open_socket(struct server *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, probe, rc;

	if (strlen(s->sock_path) >= sizeof(a.sun_path)) {
		logf_("socket path too long (max %zu bytes): %s",
		      sizeof(a.sun_path) - 1, s->sock_path);
		return -1;
	}
	strcpy(a.sun_path, s->sock_path);
	/* Replace a stale socket, never a live server's. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
		close(probe);
		logf_("another server is listening on %s; stop it or pick another path",
		      s->sock_path);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	if (unlink(s->sock_path) != 0 && errno != ENOENT) {
		logf_("cannot remove the stale socket %s: %s", s->sock_path,
		      strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Whoever connects gets the guests' memory: the socket is for this
	 * user only, whatever the umask (chmod it to share on purpose). */
	old_mask = umask(077);
	rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old_mask);
	if (fd < 0 || rc != 0 || listen(fd, 16) != 0) {
		logf_("cannot listen on %s: %s", s->sock_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	s->lfd = fd;
	return 0;
}

static int
parse_args(struct server *s, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'l' },
		{ "shm", required_argument, NULL, 'm' },
		{ "vectors", required_argument, NULL, 'n' },
		{ "peers", required_argument, NULL, 'p' },
		{ "notify-gone", no_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "S:l:m:n:p:gvh", lo, NULL)) != -1) {
		switch (o) {
		case 'S':
			s->sock_path = optarg;
			break;
		case 'l':
			if (rte_marlin_size_parse(optarg, &s->size) != 0 ||
			    s->size < 4096 || (s->size & (s->size - 1)) != 0) {
				fprintf(stderr, PRG ": --size %s: a power of two of at least 4K, e.g. 4M\n",
					optarg);
				return -1;
			}
			break;
		case 'm':
			s->shm_path = optarg;
			break;
		case 'n':
			if (parse_int(optarg, 1, MAX_VECTORS, &s->vectors) != 0) {
				fprintf(stderr, PRG ": --vectors %s: 1..%d\n",
					optarg, MAX_VECTORS);
				return -1;
			}
			break;
		case 'p':
			if (parse_int(optarg, 1, MAX_PEERS_LIMIT,
				      &s->max_peers) != 0) {
				fprintf(stderr, PRG ": --peers %s: 1..%d\n",
					optarg, MAX_PEERS_LIMIT);
				return -1;
			}
			break;
		case 'g':
			s->notify_gone = 1;
			break;
		case 'v':
			s->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PRG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -1;
	}
	if (s->sock_path == NULL || s->size == 0) {
		fprintf(stderr, PRG ": --socket and --size are required (see --help)\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct server s = { .vectors = 2, .max_peers = DEFAULT_PEERS,
			    .lfd = -1, .shm_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd *pfd;
	int *ids;
	int i, j, n, rc = 0;

	if (parse_args(&s, argc, argv) != 0)
		return 2;
	s.c = calloc((size_t)s.max_peers, sizeof(*s.c));
	pfd = calloc((size_t)s.max_peers + 1, sizeof(*pfd));
	ids = calloc((size_t)s.max_peers + 1, sizeof(*ids));
	if (s.c == NULL || pfd == NULL || ids == NULL) {
		fprintf(stderr, PRG ": out of memory\n");
		return 1;
	}
	for (i = 0; i < s.max_peers; i++) {
		s.c[i].fd = -1;
		for (j = 0; j < MAX_VECTORS; j++)
			s.c[i].efd[j] = -1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (open_shm(&s) != 0 || open_socket(&s) != 0) {
		rc = 1;
		goto out;
	}
	logf_("listening on %s: %" PRIu64 " bytes of shared memory%s%s, %d vectors, ids 0..%d",
	      s.sock_path, s.size, s.shm_path != NULL ? " in " : "",
	      s.shm_path != NULL ? s.shm_path : "", s.vectors, s.max_peers - 1);

	while (!stop_sig) {
		n = 0;
		pfd[n].fd = s.lfd;
		pfd[n].events = POLLIN;
		ids[n++] = -1;
		for (i = 0; i < s.max_peers; i++) {
			if (s.c[i].fd < 0)
				continue;
			pfd[n].fd = s.c[i].fd;
			pfd[n].events = POLLIN;
			ids[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			logf_("poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		for (i = 1; i < n; i++)
			/* skip clients dropped while serving earlier ones */
			if (pfd[i].revents != 0 && s.c[ids[i]].fd == pfd[i].fd)
				client_event(&s, ids[i], pfd[i].revents);
		if (pfd[0].revents & POLLIN)
			accept_one(&s);
	}
	if (stop_sig)
		logf_("stopping on signal %d", (int)stop_sig);
out:
	for (i = 0; i < s.max_peers; i++) {
		if (s.c[i].fd >= 0)
			close(s.c[i].fd);
		close_efds(&s, i);
	}
	if (s.lfd >= 0) {
		close(s.lfd);
		unlink(s.sock_path);
	}
	if (s.shm_fd >= 0)
		close(s.shm_fd);
	free(s.c);
	free(pfd);
	free(ids);
	return rc;
}
