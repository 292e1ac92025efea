/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * A host's side of the rack manager protocol (rte_marlin_rack.h): register,
 * then read pushed grants, revocations and link changes, and hand over
 * memory objects. Control path only; no EAL needed.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "rack_proto.h"
#include "rte_marlin_rack.h"

RTE_LOG_REGISTER_SUFFIX(marlin_rack_logtype, rack, NOTICE);
#define RACK_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, marlin_rack_logtype, \
		"marlin.rack: " fmt "\n", ##__VA_ARGS__)

#define DEFAULT_TIMEOUT_MS 5000

struct rte_marlin_rack_client {
	int sock;
	uint32_t host_id;
	uint32_t mw_count;
	uint64_t mw_size;
	uint32_t hello_flags;   /* RACK_HELLO_F_RANGES or 0 */
	uint32_t seq;
	uint64_t base;
	int links_fd;           /* the manager's link page, or -1 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint8_t rec[RACK_WIRE_MAX_RECORD];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until @p sock is readable, at most @p ms (< 0: not at all). */
static int
wait_readable(int sock, int ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int rc;

	do {
		rc = poll(&p, 1, ms < 0 ? 0 : ms);
	} while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc;
}

static int
connect_to(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t end = now_ms() + timeout_ms;
	int s, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	for (;;) {
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return s;
		rc = -errno;
		/* A Unix socket's backlog full: try again until the end. */
		if (rc != -EAGAIN || now_ms() >= end)
			break;
		usleep(10 * 1000);
	}
	close(s);
	return rc;
}

/*
 * Receive and check one record, waiting at most @p ms. Returns 1 (one in
 * @p m, descriptor in @p fd), 0 (nothing), -errno.
 */
static int
recv_one(struct rte_marlin_rack_client *c, struct rack_msg *m, int *fd, int ms)
{
	unsigned int nfds;
	const char *why;
	ssize_t n;
	int rc;

	*fd = -1;
	rc = wait_readable(c->sock, ms);
	if (rc <= 0)
		return rc;
	n = rack_sock_recv(c->sock, c->rec, sizeof(c->rec), fd, &nfds);
	if (n == -EAGAIN)
		return 0;
	if (n == 0 || n == -ECONNRESET)
		return -ECONNRESET;
	if (n == -EMSGSIZE) {
		RACK_LOG(ERR, "manager sent a record over %u bytes: dropped",
			RACK_WIRE_MAX_RECORD);
		return -EPROTO;
	}
	if (n < 0)
		return (int)n;
	rc = rack_msg_parse(c->rec, (size_t)n, nfds, m, &why);
	if (rc != 0) {
		RACK_LOG(ERR, "malformed record from the manager (%s): dropped",
			why);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return 1;
}

static void
reply_text(const struct rack_msg *m, char *buf, size_t len)
{
	size_t n = m->u.reply.text_len < len - 1 ? m->u.reply.text_len : len - 1;

	memcpy(buf, m->text, n);
	buf[n] = '\0';
}

static int
hello_send(struct rte_marlin_rack_client *c, uint32_t flags)
{
	struct rack_wire_hello hello;
	uint8_t rec[sizeof(struct rack_wire_hdr) + sizeof(hello)];
	int len;

	memset(&hello, 0, sizeof(hello));
	hello.host_id = c->host_id;
	hello.mw_count = c->mw_count;
	hello.mw_size = c->mw_size;
	hello.flags = flags | c->hello_flags;
	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_HELLO, ++c->seq,
		&hello, sizeof(hello), NULL, 0);
	return rack_sock_send(c->sock, rec, (size_t)len, -1);
}

struct rte_marlin_rack_client *
rte_marlin_rack_register(const struct rte_marlin_rack_host_conf *conf)
{
	struct rte_marlin_rack_client *c;
	int tmo, rc, fd;
	struct rack_msg m;
	char text[256];
	int64_t end;

	if (conf == NULL || conf->socket == NULL ||
			conf->host_id >= RTE_MARLIN_RACK_MAX_HOSTS ||
			conf->mw_count == 0 ||
			conf->mw_count > RTE_MARLIN_RACK_MAX_WINDOWS ||
			conf->mw_size == 0 ||
			conf->mw_size > UINT64_C(1) << RTE_MARLIN_RACK_WINDOW_SHIFT ||
			(conf->flags & ~RTE_MARLIN_RACK_HOST_F_RANGES) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	tmo = conf->timeout_ms != 0 ? (int)conf->timeout_ms : DEFAULT_TIMEOUT_MS;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->links_fd = -1;
	c->host_id = conf->host_id;
	c->mw_count = conf->mw_count;
	c->mw_size = conf->mw_size;
	c->hello_flags = (conf->flags & RTE_MARLIN_RACK_HOST_F_RANGES) ?
		RACK_HELLO_F_RANGES : 0;
	if (strlen(conf->socket) >= sizeof(c->path)) {
		free(c);
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(c->path, conf->socket, strlen(conf->socket) + 1);
	c->sock = connect_to(conf->socket, tmo);
	if (c->sock < 0) {
		rc = c->sock;
		RACK_LOG(ERR, "cannot reach the rack manager at %s: %s%s",
			conf->socket, strerror(-rc),
			rc == -ENOENT || rc == -ECONNREFUSED ?
			" (is marlin-fabric serve running?)" :
			rc == -EACCES ? " (the socket is not open to this user)" : "");
		goto fail;
	}
	rc = hello_send(c, 0);
	if (rc != 0)
		goto fail_log;
	end = now_ms() + tmo;
	for (;;) {
		int64_t left = end - now_ms();

		rc = left > 0 ? recv_one(c, &m, &fd, (int)left) : 0;
		if (rc == 0) {
			rc = -ETIMEDOUT;
			goto fail_log;
		}
		if (rc < 0)
			goto fail_log;
		if (m.type == RACK_MSG_WELCOME &&
				m.u.welcome.host_id == conf->host_id) {
			c->base = m.u.welcome.rack_base;
			c->links_fd = fd;
			RACK_LOG(INFO, "registered as host %u with the rack manager",
				conf->host_id);
			return c;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == RACK_MSG_REPLY && m.seq == c->seq &&
				m.u.reply.status < 0) {
			rc = m.u.reply.status;
			reply_text(&m, text, sizeof(text));
			RACK_LOG(ERR, "the rack manager refused host %u: %s",
				conf->host_id, text);
			goto fail;
		}
		rc = -EPROTO;
		goto fail_log;
	}
fail_log:
	RACK_LOG(ERR, "registering host %u with the rack manager at %s: %s",
		conf->host_id, conf->socket, strerror(-rc));
fail:
	if (c->sock >= 0)
		close(c->sock);
	free(c);
	rte_errno = -rc;
	return NULL;
}

int
rte_marlin_rack_client_fd(const struct rte_marlin_rack_client *c)
{
	return c == NULL ? -EINVAL : c->sock;
}

int
rte_marlin_rack_links_fd(const struct rte_marlin_rack_client *c)
{
	if (c == NULL)
		return -EINVAL;
	return c->links_fd >= 0 ? c->links_fd : -ENOENT;
}

uint64_t
rte_marlin_rack_client_base(const struct rte_marlin_rack_client *c)
{
	return c == NULL ? UINT64_MAX : c->base;
}

int
rte_marlin_rack_event_get(struct rte_marlin_rack_client *c,
		struct rte_marlin_rack_event *ev, int timeout_ms)
{
	struct rack_msg m;
	int rc, fd;

	if (c == NULL || ev == NULL)
		return -EINVAL;
	rc = recv_one(c, &m, &fd, timeout_ms);
	if (rc <= 0)
		return rc;
	memset(ev, 0, sizeof(*ev));
	ev->fd = -1;
	switch (m.type) {
	case RACK_MSG_GRANT:
		ev->type = m.u.grant.access == RACK_ACCESS_NONE ?
			RTE_MARLIN_RACK_EV_REVOKE : RTE_MARLIN_RACK_EV_GRANT;
		ev->owner = m.u.grant.owner;
		ev->peer = m.u.grant.peer;
		ev->window = m.u.grant.window;
		ev->access = m.u.grant.access;
		ev->rack_addr = m.u.grant.rack_addr;
		ev->size = m.u.grant.size;
		ev->fd = fd;
		ev->keep = (m.u.grant.flags & RACK_GRANT_F_KEEP) != 0;
		if (m.u.grant.flags & RACK_GRANT_F_RANGES)
			ev->flags = RTE_MARLIN_RACK_GRANT_RANGES;
		/* A revocation of our own memory the manager waits on. */
		if (m.u.grant.access == RACK_ACCESS_NONE &&
				m.u.grant.owner == c->host_id)
			ev->ticket = m.seq;
		return 1;
	case RACK_MSG_WELCOME:
		if (m.u.welcome.host_id != c->host_id)
			return -EPROTO;
		c->base = m.u.welcome.rack_base;
		if (c->links_fd >= 0)
			close(c->links_fd);
		c->links_fd = fd;
		ev->type = RTE_MARLIN_RACK_EV_REGISTERED;
		ev->owner = c->host_id;
		return 1;
	case RACK_MSG_RANGE:
		ev->type = RTE_MARLIN_RACK_EV_RANGE;
		ev->owner = m.u.range.owner;
		ev->peer = m.u.range.peer;
		ev->window = m.u.range.window;
		ev->access = m.u.range.access;
		ev->offset = m.u.range.offset;
		ev->size = m.u.range.length;
		ev->fd = fd;
		return 1;
	case RACK_MSG_LINK:
		ev->type = RTE_MARLIN_RACK_EV_LINK;
		ev->owner = m.u.link.a;
		ev->peer = m.u.link.b;
		ev->up = (int32_t)m.u.link.up;
		return 1;
	case RACK_MSG_REPLY:
		ev->type = RTE_MARLIN_RACK_EV_REPLY;
		ev->status = m.u.reply.status;
		reply_text(&m, ev->text, sizeof(ev->text));
		return 1;
	default:
		if (fd >= 0)
			close(fd);
		RACK_LOG(ERR, "unexpected record type %u from the manager: dropped",
			m.type);
		return -EPROTO;
	}
}

int
rte_marlin_rack_offer(struct rte_marlin_rack_client *c, uint32_t peer,
		uint32_t window, int memfd)
{
	struct rack_wire_offer o;
	uint8_t rec[sizeof(struct rack_wire_hdr) + sizeof(o)];
	struct stat st;
	int len;

	if (c == NULL || memfd < 0 || peer >= RTE_MARLIN_RACK_MAX_HOSTS ||
			window > RTE_MARLIN_RACK_REGS_WINDOW ||
			(peer == c->host_id) !=
			(window == RTE_MARLIN_RACK_REGS_WINDOW))
		return -EINVAL;
	if (fstat(memfd, &st) != 0)
		return -errno;
	if (st.st_size <= 0)
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	o.peer = peer;
	o.window = window;
	o.size = (uint64_t)st.st_size;
	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_OFFER, ++c->seq, &o,
		sizeof(o), NULL, 0);
	return rack_sock_send(c->sock, rec, (size_t)len, memfd);
}

static int
range_send(struct rte_marlin_rack_client *c, uint16_t type, uint32_t peer,
		uint32_t window, uint64_t offset, uint64_t length,
		uint32_t access, int fd)
{
	struct rack_wire_range r;
	uint8_t rec[sizeof(struct rack_wire_hdr) + sizeof(r)];
	int len;

	if (c == NULL || peer >= RTE_MARLIN_RACK_MAX_HOSTS ||
			peer == c->host_id || window >= c->mw_count ||
			length == 0 || offset % RACK_WIRE_PAGE != 0 ||
			length % RACK_WIRE_PAGE != 0 || offset > c->mw_size ||
			length > c->mw_size - offset)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.owner = c->host_id;
	r.peer = peer;
	r.window = window;
	r.access = access;
	r.offset = offset;
	r.length = length;
	len = rack_msg_build(rec, sizeof(rec), type, ++c->seq, &r, sizeof(r),
		NULL, 0);
	return rack_sock_send(c->sock, rec, (size_t)len, fd);
}

int
rte_marlin_rack_range_offer(struct rte_marlin_rack_client *c, uint32_t peer,
		uint32_t window, uint64_t offset, int memfd, uint32_t access)
{
	struct stat st;

	if (memfd < 0 || (access != RTE_MARLIN_RACK_ACCESS_RO &&
			access != RTE_MARLIN_RACK_ACCESS_RW))
		return -EINVAL;
	if (fstat(memfd, &st) != 0)
		return -errno;
	if (st.st_size <= 0)
		return -EINVAL;
	return range_send(c, RACK_MSG_RANGE_OFFER, peer, window, offset,
		(uint64_t)st.st_size, access, memfd);
}

int
rte_marlin_rack_range_withdraw(struct rte_marlin_rack_client *c,
		uint32_t peer, uint32_t window, uint64_t offset, uint64_t length)
{
	return range_send(c, RACK_MSG_RANGE_WITHDRAW, peer, window, offset,
		length, RACK_ACCESS_NONE, -1);
}

int
rte_marlin_rack_moved(struct rte_marlin_rack_client *c,
		const struct rte_marlin_rack_event *ev, int status)
{
	struct rack_wire_moved mv;
	uint8_t rec[sizeof(struct rack_wire_hdr) + sizeof(mv)];
	int len;

	if (c == NULL || ev == NULL || status > 0 || status < -4095 ||
			ev->type != RTE_MARLIN_RACK_EV_REVOKE ||
			ev->owner != c->host_id ||
			ev->peer >= RTE_MARLIN_RACK_MAX_HOSTS ||
			ev->window > RTE_MARLIN_RACK_BANK_WINDOW)
		return -EINVAL;
	if (ev->ticket == 0)
		return 0;
	memset(&mv, 0, sizeof(mv));
	mv.peer = ev->peer;
	mv.window = ev->window;
	mv.ticket = ev->ticket;
	mv.status = status;
	len = rack_msg_build(rec, sizeof(rec), RACK_MSG_MOVED, ++c->seq, &mv,
		sizeof(mv), NULL, 0);
	return rack_sock_send(c->sock, rec, (size_t)len, -1);
}

int
rte_marlin_rack_resume(struct rte_marlin_rack_client *c)
{
	int s, rc;

	if (c == NULL)
		return -EINVAL;
	s = connect_to(c->path, 0); /* one try: no wait */
	if (s < 0)
		return s;
	close(c->sock);
	c->sock = s;
	rc = hello_send(c, RACK_HELLO_F_RESUME);
	if (rc != 0)
		RACK_LOG(ERR, "registering host %u again: %s", c->host_id,
			strerror(-rc));
	return rc;
}

int
rte_marlin_rack_memfd_own(const char *name, size_t size, void **va)
{
	void *p;
	int fd, rc;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	/* This mapping stays writable; nobody can map it writable again. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0) {
		rc = -errno;
		munmap(p, size);
		close(fd);
		return rc;
	}
	*va = p;
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

void
rte_marlin_rack_client_close(struct rte_marlin_rack_client *c)
{
	if (c == NULL)
		return;
	if (c->links_fd >= 0)
		close(c->links_fd);
	close(c->sock);
	free(c);
}
