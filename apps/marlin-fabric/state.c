/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The manager's state: the policy file, hosts, grants and cuts, and their
 * persistence (a text file replaced atomically: write, fsync, rename, fsync
 * of the directory).
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_marlin_rack.h>

#include "fabric.h"

#define LINE_MAX_LEN 512
#define FILE_MAX_LEN (4u << 20)
#define STATE_MAGIC "marlin-fabric-state 1"

static const uint64_t ALL_HOSTS = UINT64_MAX;

/* ---- text buffers ---- */

void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p == NULL ? NULL : b->p + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *p;

			while (cap - b->len <= (size_t)n)
				cap *= 2;
			p = cap > FILE_MAX_LEN * 4 ? NULL : realloc(b->p, cap);
			if (p == NULL) {
				b->oom = 1;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}

void
sb_json_str(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			sb_printf(b, "\\u%04x", ch);
		else
			sb_printf(b, "%c", ch);
	}
	sb_printf(b, "\"");
}

void
sb_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- reading our text files ---- */

/* Read a whole regular file (never a FIFO or device: no hang). */
static char *
file_read(const char *path, int *err)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
			(uint64_t)st.st_size > FILE_MAX_LEN) {
		*err = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return buf;
}

/* Split @p line into at most @p max words; returns the count. */
static int
split(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t\r", &save); t != NULL && n < max;
			t = strtok_r(NULL, " \t\r", &save))
		w[n++] = t;
	return t != NULL ? max + 1 : n;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "all", "N", "N-M", or a comma list of those. */
static int
parse_hosts(const char *s, uint64_t *mask)
{
	char buf[LINE_MAX_LEN], *save = NULL, *t;

	if (strcmp(s, "all") == 0) {
		*mask = ALL_HOSTS;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (t = strtok_r(buf, ",", &save); t != NULL;
			t = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(t, '-');
		uint64_t a, b, h;

		if (dash != NULL)
			*dash = '\0';
		if (parse_u64(t, MGR_MAX_HOSTS - 1, &a) != 0)
			return -1;
		b = a;
		if (dash != NULL && parse_u64(dash + 1, MGR_MAX_HOSTS - 1, &b) != 0)
			return -1;
		if (b < a)
			return -1;
		for (h = a; h <= b; h++)
			*mask |= UINT64_C(1) << h;
	}
	return *mask != 0 ? 0 : -1;
}

static int
parse_uid(const char *kind, const char *val, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uint64_t v;

	if (strcmp(kind, "uid") == 0) {
		if (parse_u64(val, UINT32_MAX - 1, &v) != 0)
			return -1;
		*uid = (uid_t)v;
		return 0;
	}
	if (strcmp(kind, "user") == 0 &&
			getpwnam_r(val, &pw, buf, sizeof(buf), &res) == 0 &&
			res != NULL) {
		*uid = pw.pw_uid;
		return 0;
	}
	return -1;
}

static int
parse_access(const char *s)
{
	if (strcmp(s, "rw") == 0)
		return RACK_ACCESS_RW;
	if (strcmp(s, "ro") == 0)
		return RACK_ACCESS_RO;
	return -1;
}

/* "all" or a window index. */
static int
parse_window(const char *s, uint32_t *w)
{
	uint64_t v;

	if (strcmp(s, "all") == 0) {
		*w = RACK_WIRE_ALL_WINDOWS;
		return 0;
	}
	if (parse_u64(s, MGR_MAX_WINDOWS - 1, &v) != 0)
		return -1;
	*w = (uint32_t)v;
	return 0;
}

static void
grant_apply(uint8_t g[MGR_MAX_HOSTS][MGR_MAX_HOSTS][MGR_MAX_WINDOWS],
		uint64_t *named, uint64_t owners, uint64_t peers,
		uint32_t window, int access)
{
	uint32_t o, p, w;

	for (o = 0; o < MGR_MAX_HOSTS; o++) {
		if (!(owners >> o & 1))
			continue;
		for (p = 0; p < MGR_MAX_HOSTS; p++) {
			if (!(peers >> p & 1) || p == o)
				continue;
			for (w = 0; w < MGR_MAX_WINDOWS; w++)
				if (window == RACK_WIRE_ALL_WINDOWS || window == w)
					g[o][p][w] = (uint8_t)access;
			if (named != NULL && owners != ALL_HOSTS &&
					peers != ALL_HOSTS)
				named[o] |= UINT64_C(1) << p;
		}
	}
}

void
policy_default(struct mgr_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->rule[0].hosts = ALL_HOSTS;
	p->rule[0].uid = geteuid();
	p->nrules = 1;
	p->admin[0] = geteuid();
	p->nadmins = 1;
	grant_apply(p->grant, NULL, ALL_HOSTS, ALL_HOSTS,
		RACK_WIRE_ALL_WINDOWS, RACK_ACCESS_RW);
}

/* One line of the policy file; returns NULL or what is wrong. */
static const char *
policy_line(struct mgr_policy *p, char **w, int n)
{
	uint64_t hosts, peers;
	uint32_t window;
	uid_t uid;
	int acc;

	if (strcmp(w[0], "host") == 0) {
		if (n != 4)
			return "expected: host IDS user NAME|uid N";
		if (parse_hosts(w[1], &hosts) != 0)
			return "host ids: all, N, N-M or a comma list (0..63)";
		if (parse_uid(w[2], w[3], &uid) != 0)
			return "unknown user or bad uid";
		if (p->nrules >= MGR_MAX_UIDS)
			return "too many host rules (64)";
		p->rule[p->nrules].hosts = hosts;
		p->rule[p->nrules++].uid = uid;
		return NULL;
	}
	if (strcmp(w[0], "admin") == 0) {
		if (n != 3)
			return "expected: admin user NAME|uid N";
		if (parse_uid(w[1], w[2], &uid) != 0)
			return "unknown user or bad uid";
		if (p->nadmins >= MGR_MAX_UIDS)
			return "too many admins (64)";
		p->admin[p->nadmins++] = uid;
		return NULL;
	}
	if (strcmp(w[0], "grant") == 0) {
		if (n != 4 && n != 5)
			return "expected: grant OWNERS PEERS rw|ro [WINDOW|all]";
		if (parse_hosts(w[1], &hosts) != 0 || parse_hosts(w[2], &peers) != 0)
			return "host ids: all, N, N-M or a comma list (0..63)";
		acc = parse_access(w[3]);
		if (acc < 0)
			return "access is rw or ro";
		window = RACK_WIRE_ALL_WINDOWS;
		if (n == 5 && parse_window(w[4], &window) != 0)
			return "window is 0..7 or all";
		grant_apply(p->grant, p->named, hosts, peers, window, acc);
		return NULL;
	}
	return "unknown keyword (host, admin, grant)";
}

/* Calls @p fn on each non-empty, non-comment line. */
static int
lines_parse(char *text, const char *path, char *err, size_t elen,
		const char *(*fn)(void *arg, char **w, int n), void *arg)
{
	char *line = text, *next, *hash, *w[9];
	int lineno = 0, n;

	for (; line != NULL && *line != '\0'; line = next) {
		const char *why;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (strlen(line) > LINE_MAX_LEN) {
			snprintf(err, elen, "%s line %d: longer than %d bytes",
				path, lineno, LINE_MAX_LEN);
			return -EINVAL;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		n = split(line, w, 8);
		if (n == 0)
			continue;
		why = n > 8 ? "too many words" : fn(arg, w, n);
		if (why != NULL) {
			snprintf(err, elen, "%s line %d: %s", path, lineno, why);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *
policy_line_cb(void *arg, char **w, int n)
{
	return policy_line(arg, w, n);
}

int
policy_load(struct mgr_policy *p, const char *path, char *err, size_t elen)
{
	char *text;
	int e = 0, rc;

	memset(p, 0, sizeof(*p));
	text = file_read(path, &e);
	if (text == NULL) {
		snprintf(err, elen, "cannot read policy file %s: %s", path,
			e == EINVAL ? "not a regular file" : strerror(e));
		return -e;
	}
	rc = lines_parse(text, path, err, elen, policy_line_cb, p);
	free(text);
	if (rc == 0 && p->nadmins == 0) {
		snprintf(err, elen, "%s: no admin line: nobody could grant or revoke",
			path);
		rc = -EINVAL;
	}
	return rc;
}

int
policy_may_hold(const struct mgr_policy *p, uid_t uid, uint32_t host)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if (p->rule[i].uid == uid && (p->rule[i].hosts >> host & 1))
			return 1;
	return 0;
}

int
policy_is_admin(const struct mgr_policy *p, uid_t uid)
{
	int i;

	for (i = 0; i < p->nadmins; i++)
		if (p->admin[i] == uid)
			return 1;
	return 0;
}

/* ---- state ---- */

uint64_t
rack_addr_of(uint32_t host, uint32_t window)
{
	return (uint64_t)host << RACK_WIRE_HOST_SHIFT |
		(uint64_t)window << RACK_WIRE_WINDOW_SHIFT;
}

void
state_init(struct mgr_state *s, const char *state_path)
{
	uint32_t o, p, w;

	memset(s->host, 0, sizeof(s->host));
	memset(s->grant, 0, sizeof(s->grant));
	memset(s->explicit, 0, sizeof(s->explicit));
	memset(s->cut, 0, sizeof(s->cut));
	for (o = 0; o < MGR_MAX_HOSTS; o++) {
		s->host[o].client = -1;
		s->regs_fd[o] = -1;
		for (p = 0; p < MGR_MAX_HOSTS; p++)
			for (w = 0; w <= MGR_MAX_WINDOWS; w++)
				s->memfd[o][p][w] = -1;
	}
	s->links_fd = -1;
	s->links = NULL;
	s->state_path = state_path;
}

int
state_links_create(struct mgr_state *s)
{
	void *va;
	int fd;

	fd = rte_marlin_rack_memfd_own("marlin-links", RACK_LINKS_SIZE, &va);
	if (fd < 0)
		return fd;
	s->links = va;
	s->links_fd = fd;
	s->links->version = RACK_LINKS_VERSION;
	s->links->epoch = s->epoch;
	state_links_sync(s);
	__atomic_store_n(&s->links->magic, RACK_LINKS_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

void
state_links_sync(struct mgr_state *s)
{
	uint32_t h;

	if (s->links == NULL)
		return;
	for (h = 0; h < MGR_MAX_HOSTS; h++)
		__atomic_store_n(&s->links->cut[h], s->cut[h], __ATOMIC_RELEASE);
}

uint8_t
state_bank_access(const struct mgr_state *s, uint32_t o, uint32_t p)
{
	uint32_t w;

	for (w = 0; w < MGR_MAX_WINDOWS; w++)
		if (s->grant[o][p][w] != RACK_ACCESS_NONE)
			return RACK_ACCESS_RW;
	return RACK_ACCESS_NONE;
}

void
state_memfd_drop(struct mgr_state *s, uint32_t o, uint32_t p, uint32_t w)
{
	if (s->memfd[o][p][w] >= 0)
		close(s->memfd[o][p][w]);
	s->memfd[o][p][w] = -1;
	if (w < MGR_MAX_WINDOWS)
		ranges_drop(o, p, w);   /* a window's ranges go with it */
}

void
state_regs_drop(struct mgr_state *s, uint32_t o)
{
	if (s->regs_fd[o] >= 0)
		close(s->regs_fd[o]);
	s->regs_fd[o] = -1;
}

void
state_fini(struct mgr_state *s)
{
	uint32_t o, p, w;

	for (o = 0; o < MGR_MAX_HOSTS; o++) {
		state_regs_drop(s, o);
		for (p = 0; p < MGR_MAX_HOSTS; p++)
			for (w = 0; w <= MGR_MAX_WINDOWS; w++)
				state_memfd_drop(s, o, p, w);
	}
	if (s->links != NULL)
		munmap(s->links, RACK_LINKS_SIZE);
	if (s->links_fd >= 0)
		close(s->links_fd);
	s->links = NULL;
	s->links_fd = -1;
}

int
state_pair_shown(const struct mgr_state *s, uint32_t o, uint32_t p)
{
	uint32_t w;
	int any = 0;

	for (w = 0; w < MGR_MAX_WINDOWS; w++)
		any |= s->grant[o][p][w] != RACK_ACCESS_NONE;
	return any && ((s->host[o].known && s->host[p].known) ||
		(s->explicit[o] >> p & 1));
}

int
state_link_up(const struct mgr_state *s, uint32_t a, uint32_t b)
{
	return s->host[a].client >= 0 && s->host[b].client >= 0 &&
		!(s->cut[a] >> b & 1);
}

static const char *
state_line(void *arg, char **w, int n)
{
	struct mgr_state *s = arg;
	uint64_t a, b, c, sz;
	uint32_t win;
	int acc;

	if (strcmp(w[0], "host") == 0) {
		/* host H uid U windows C size S */
		if (n != 8 || parse_u64(w[1], MGR_MAX_HOSTS - 1, &a) != 0 ||
				strcmp(w[2], "uid") != 0 ||
				parse_u64(w[3], UINT32_MAX - 1, &b) != 0 ||
				strcmp(w[4], "windows") != 0 ||
				parse_u64(w[5], MGR_MAX_WINDOWS, &c) != 0 || c == 0 ||
				strcmp(w[6], "size") != 0 ||
				parse_u64(w[7], UINT64_C(1) << RACK_WIRE_WINDOW_SHIFT,
					&sz) != 0 || sz == 0)
			return "expected: host H uid U windows C size S";
		s->host[a].known = 1;
		s->host[a].uid = (uid_t)b;
		s->host[a].mw_count = (uint32_t)c;
		s->host[a].mw_size = sz;
		return NULL;
	}
	if (strcmp(w[0], "grant") == 0) {
		/* grant O P W|all rw|ro [explicit] */
		if ((n != 5 && n != 6) ||
				parse_u64(w[1], MGR_MAX_HOSTS - 1, &a) != 0 ||
				parse_u64(w[2], MGR_MAX_HOSTS - 1, &b) != 0 || a == b ||
				parse_window(w[3], &win) != 0 ||
				(acc = parse_access(w[4])) < 0 ||
				(n == 6 && strcmp(w[5], "explicit") != 0))
			return "expected: grant OWNER PEER WINDOW|all rw|ro [explicit]";
		grant_apply(s->grant, NULL, UINT64_C(1) << a, UINT64_C(1) << b,
			win, acc);
		if (n == 6)
			s->explicit[a] |= UINT64_C(1) << b;
		return NULL;
	}
	if (strcmp(w[0], "cut") == 0) {
		if (n != 3 || parse_u64(w[1], MGR_MAX_HOSTS - 1, &a) != 0 ||
				parse_u64(w[2], MGR_MAX_HOSTS - 1, &b) != 0 || a == b)
			return "expected: cut A B";
		s->cut[a] |= UINT64_C(1) << b;
		s->cut[b] |= UINT64_C(1) << a;
		return NULL;
	}
	if (strcmp(w[0], "marlin-fabric-state") == 0 && n == 2 &&
			strcmp(w[1], "1") == 0)
		return NULL; /* the first line, checked by the caller */
	return "unknown keyword (host, grant, cut)";
}

int
state_load(struct mgr_state *s, char *err, size_t elen)
{
	char *text;
	int e = 0, rc;

	text = file_read(s->state_path, &e);
	if (text == NULL && e == ENOENT) {
		/* First start: the policy's defaults. */
		memcpy(s->grant, s->policy.grant, sizeof(s->grant));
		memcpy(s->explicit, s->policy.named, sizeof(s->explicit));
		return 0;
	}
	if (text == NULL) {
		snprintf(err, elen, "cannot read state file %s: %s", s->state_path,
			e == EINVAL ? "not a regular file" : strerror(e));
		return -e;
	}
	if (strncmp(text, STATE_MAGIC "\n", strlen(STATE_MAGIC) + 1) != 0) {
		snprintf(err, elen, "%s is not a marlin-fabric state file (version 1): move it away to start from the policy defaults",
			s->state_path);
		free(text);
		return -EINVAL;
	}
	rc = lines_parse(text, s->state_path, err, elen, state_line, s);
	free(text);
	return rc;
}

/* Windows of o->p as one "all" line when they agree. */
static void
save_pair(struct sbuf *b, const struct mgr_state *s, uint32_t o, uint32_t p)
{
	const char *ex = (s->explicit[o] >> p & 1) ? " explicit" : "";
	uint32_t w;
	int same = 1;

	for (w = 1; w < MGR_MAX_WINDOWS; w++)
		same &= s->grant[o][p][w] == s->grant[o][p][0];
	if (same) {
		if (s->grant[o][p][0] != RACK_ACCESS_NONE)
			sb_printf(b, "grant %u %u all %s%s\n", o, p,
				rack_access_name(s->grant[o][p][0]), ex);
		return;
	}
	for (w = 0; w < MGR_MAX_WINDOWS; w++)
		if (s->grant[o][p][w] != RACK_ACCESS_NONE)
			sb_printf(b, "grant %u %u %u %s%s\n", o, p, w,
				rack_access_name(s->grant[o][p][w]), ex);
}

int
state_save(const struct mgr_state *s)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	struct sbuf b = { 0 };
	uint32_t o, p;
	size_t off = 0;
	int fd, dfd, rc = 0;

	sb_printf(&b, STATE_MAGIC "\n");
	for (o = 0; o < MGR_MAX_HOSTS; o++)
		if (s->host[o].known)
			sb_printf(&b, "host %u uid %u windows %u size %llu\n", o,
				(unsigned int)s->host[o].uid, s->host[o].mw_count,
				(unsigned long long)s->host[o].mw_size);
	for (o = 0; o < MGR_MAX_HOSTS; o++)
		for (p = 0; p < MGR_MAX_HOSTS; p++)
			if (p != o)
				save_pair(&b, s, o, p);
	for (o = 0; o < MGR_MAX_HOSTS; o++)
		for (p = o + 1; p < MGR_MAX_HOSTS; p++)
			if (s->cut[o] >> p & 1)
				sb_printf(&b, "cut %u %u\n", o, p);
	if (b.oom) {
		sb_free(&b);
		return -ENOMEM;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", s->state_path) >= (int)sizeof(tmp)) {
		sb_free(&b);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		sb_free(&b);
		return rc;
	}
	while (off < b.len) {
		ssize_t n = write(fd, b.p + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	sb_free(&b);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, s->state_path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	/* The rename itself must reach the disk. */
	snprintf(dir, sizeof(dir), "%s", s->state_path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0)
			rc = -errno;
		close(dfd);
	}
	return rc;
}
