/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "test_host.h"

uint64_t
th_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
th_sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

void
th_reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Split @line into words; hand them to @handle. */
static int
dispatch(char *line, int (*handle)(int argc, char **argv, void *arg),
		void *arg)
{
	char *argv[TH_ARGS_MAX + 1];
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok != NULL &&
			argc < TH_ARGS_MAX; tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc == 0 ? 0 : handle(argc, argv, arg);
}

/* The bytes of stdin read but not yet dispatched (one stdin a process). */
static char line_buf[TH_LINE_MAX];
static size_t line_have;

int
th_command_poll(int (*handle)(int argc, char **argv, void *arg), void *arg)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char *nl;
	ssize_t n;
	int rc;

	rc = poll(&pfd, 1, 0);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	n = read(STDIN_FILENO, line_buf + line_have,
		 sizeof(line_buf) - 1 - line_have);
	if (n == 0)
		return 1; /* the harness went away: leave cleanly */
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	line_have += (size_t)n;
	line_buf[line_have] = '\0';
	while ((nl = strchr(line_buf, '\n')) != NULL) {
		size_t used = (size_t)(nl - line_buf) + 1;

		*nl = '\0';
		if (dispatch(line_buf, handle, arg))
			return 1;
		memmove(line_buf, line_buf + used, line_have - used + 1);
		line_have -= used;
	}
	if (line_have == sizeof(line_buf) - 1) {
		th_reply("ERR line too long");
		line_have = 0;
	}
	return 0;
}

int
th_command_loop(void (*idle)(void *arg),
		int (*handle)(int argc, char **argv, void *arg), void *arg)
{
	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		int rc;

		if (idle != NULL)
			idle(arg);
		rc = poll(&pfd, 1, 1);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc <= 0)
			continue;
		rc = th_command_poll(handle, arg);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
}

int
th_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno != 0 || *end != '\0') ? -EINVAL : 0;
}

uint64_t
th_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

const char *
th_errname(int rc)
{
	static char buf[32];

	switch (-rc) {
	case EKEYREVOKED: return "EKEYREVOKED";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ERANGE: return "ERANGE";
	case ESTALE: return "ESTALE";
	case ENOLINK: return "ENOLINK";
	case EBADMSG: return "EBADMSG";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EFAULT: return "EFAULT";
	case ENOSPC: return "ENOSPC";
	case EXDEV: return "EXDEV";
	case EBUSY: return "EBUSY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EPROTO: return "EPROTO";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOMEM: return "ENOMEM";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case ENOTSUP: return "ENOTSUP";
	case ENODEV: return "ENODEV";
	default:
		snprintf(buf, sizeof(buf), "E%d", -rc);
		return buf;
	}
}

void
th_store_probe(volatile uint64_t *addr, uint64_t val)
{
	pid_t child;
	int st;

	child = fork();
	if (child == 0) {
		signal(SIGSEGV, SIG_DFL);       /* not the sanitizer's report */
		signal(SIGBUS, SIG_DFL);
		*addr = val;
		_exit(0);
	}
	if (child < 0 || waitpid(child, &st, 0) != child) {
		th_reply("ERR store probe: fork: %s", strerror(errno));
		return;
	}
	if (WIFSIGNALED(st))
		th_reply("OK signal=%d", WTERMSIG(st));
	else
		th_reply("OK exit=%d", WEXITSTATUS(st));
}
