/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * A host as the rack manager sees it, for tests/manager/manager_test.py:
 * registers through rte_marlin_rack_register(), hands over sealed memfds
 * (--offer PEER:WINDOW), and prints every event as one key=value line.
 * It reads nothing from the manager's memory objects but their first
 * bytes, which the owner filled with a line naming (owner, peer, window).
 * With --scribble BYTE it is a hostile peer: it keeps the first window
 * object it is granted (or exposed range) mapped for good and fills its first 4 KiB with BYTE over and
 * over, revoked or not, but for the 64-bit word at offset 8, a counter
 * it bumps each time. It also tries to map every object it receives for
 * writing and says whether that worked (write_map=). With --bank-scribble
 * it keeps every register bank it is granted mapped and writes its
 * scratchpads (0xbadbad00 | index) and stamp over and over. At start it
 * tries every way to write the manager's link page and prints what
 * worked (links ...). A revocation of its own memory is confirmed to the
 * manager (rte_marlin_rack_moved(): it holds no pages a peer could still
 * reach), unless --no-ack: then the manager's revoke waits in vain. With
 * --tight the scribbler stores without pause (no 10 ms sleep between
 * rounds).
 * Exits at end of stdin, after --seconds, or when the manager goes away.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_marlin_rack.h>

#define MAX_OFFERS 16

static void
usage(void)
{
	fprintf(stderr,
"Usage: rack_host --socket PATH --host ID [--windows N] [--size BYTES]\n"
"                 [--offer PEER:WINDOW]... [--unsealed] [--seconds S]\n"
"                 [--scribble BYTE] [--bank-scribble] [--tight] [--no-ack]\n");
}

static int
make_memfd(int host, unsigned int peer, unsigned int win, size_t size,
		int sealed)
{
	char line[64];
	int fd, n;

	fd = memfd_create("rack-host-window", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		return -1;
	n = snprintf(line, sizeof(line), "owner=%d peer=%u window=%u", host,
		peer, win);
	if (pwrite(fd, line, (size_t)n + 1, 0) != n + 1)
		return -1;
	if (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			F_SEAL_SEAL) != 0)
		return -1;
	return fd;
}

/* What a peer does with a received object: map it, read it, try to
 * shrink it. */
static void
look_at(int fd, uint64_t size)
{
	char text[64] = "";
	void *p;

	p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		size_t i;

		memcpy(text, p, sizeof(text) - 1);
		text[strnlen(text, sizeof(text) - 1)] = '\0';
		for (i = 0; text[i] != '\0'; i++) /* one printable line */
			if (text[i] < 0x20 || text[i] > 0x7e || text[i] == '"')
				text[i] = '?';
		munmap(p, (size_t)size);
	}
	printf(" data=\"%s\" shrink=%s", p == MAP_FAILED ? "(mmap failed)" : text,
		ftruncate(fd, 0) == 0 ? "allowed" : "refused");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf(" write_map=%s", p == MAP_FAILED ? "refused" : "allowed");
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

/* --scribble: the object kept mapped, and the byte to fill it with. */
static volatile uint8_t *scribble_va;
static int scribble = -1;
static uint64_t scribbles;
/* --bank-scribble: banks kept mapped. */
static int bank_scribble;
/* --tight: no pause between scribbling rounds; --no-ack: never confirm. */
static int tight, no_ack;
static struct rte_marlin_rack_client *client;
static volatile uint32_t *banks[RTE_MARLIN_RACK_MAX_HOSTS];

/* Every way a host could try to write an object only its maker may
 * write (the manager's link page, an owner's register header). */
static void
write_attack(int fd)
{
	char path[64];
	void *p;
	int w, rw;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf(" write_map=%s", p == MAP_FAILED ? "refused" : "allowed");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	w = p != MAP_FAILED && mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0;
	printf(" mprotect=%s", w ? "allowed" : "refused");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	printf(" pwrite=%s", pwrite(fd, "x", 1, 64) == 1 ? "allowed" : "refused");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	w = 0;
	if (rw >= 0) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
		w = p != MAP_FAILED || pwrite(rw, "x", 1, 64) == 1;
		if (p != MAP_FAILED)
			munmap(p, 4096);
		close(rw);
	}
	printf(" reopen_rw=%s", w ? "allowed" : "refused");
	printf(" shrink=%s", ftruncate(fd, 0) == 0 ? "allowed" : "refused");
}

static void
links_attack(struct rte_marlin_rack_client *c)
{
	int fd = rte_marlin_rack_links_fd(c);
	struct stat st;

	if (fd < 0) {
		printf("links none rc=%d\n", fd);
		return;
	}
	printf("links size=%lld", fstat(fd, &st) == 0 ? (long long)st.st_size : -1LL);
	write_attack(fd);
	printf("\n");
}

static void
banks_scribble(void)
{
	int h, i;

	for (h = 0; h < RTE_MARLIN_RACK_MAX_HOSTS; h++) {
		if (banks[h] == NULL)
			continue;
		/* the stamp at byte 64, scratchpads from byte 128 */
		((volatile uint64_t *)banks[h])[8] = UINT64_MAX;
		for (i = 0; i < 64; i++)
			banks[h][32 + i] = 0xbadbad00u | (uint32_t)i;
	}
}

static void
print_event(const struct rte_marlin_rack_event *ev)
{
	switch (ev->type) {
	case RTE_MARLIN_RACK_EV_GRANT:
	case RTE_MARLIN_RACK_EV_REVOKE:
		printf("event=%s owner=%u peer=%u window=%u access=%s addr=0x%llx size=%llu fd=%d",
			ev->type == RTE_MARLIN_RACK_EV_GRANT ? "grant" : "revoke",
			ev->owner, ev->peer, ev->window,
			ev->access == RTE_MARLIN_RACK_ACCESS_RW ? "rw" :
			ev->access == RTE_MARLIN_RACK_ACCESS_RO ? "ro" : "none",
			(unsigned long long)ev->rack_addr,
			(unsigned long long)ev->size, ev->fd >= 0);
		if (ev->flags & RTE_MARLIN_RACK_GRANT_RANGES)
			printf(" ranges=1");
		if (ev->fd >= 0 && bank_scribble &&
				ev->window == RTE_MARLIN_RACK_REGS_WINDOW) {
			printf(" header");
			write_attack(ev->fd);
		} else if (ev->fd >= 0 && bank_scribble &&
				ev->window == RTE_MARLIN_RACK_BANK_WINDOW &&
				ev->owner < RTE_MARLIN_RACK_MAX_HOSTS) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED, ev->fd, 0);

			if (p != MAP_FAILED) {
				if (banks[ev->owner] != NULL)
					munmap((void *)(uintptr_t)banks[ev->owner],
						4096);
				banks[ev->owner] = p;
			}
			printf(" bank_scribbling=%s", p != MAP_FAILED ? "yes" : "no");
		} else if (ev->fd >= 0 && scribble >= 0 && scribble_va == NULL &&
				ev->window != RTE_MARLIN_RACK_BANK_WINDOW) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED, ev->fd, 0);

			if (p != MAP_FAILED)
				scribble_va = p;
			printf(" scribbling=%s", p != MAP_FAILED ? "yes" : "no");
		}
		if (ev->fd >= 0) {
			look_at(ev->fd, ev->size);
			close(ev->fd);
		}
		if (ev->type == RTE_MARLIN_RACK_EV_REVOKE && ev->ticket != 0)
			printf(" ack=%s", no_ack ? "withheld" :
				rte_marlin_rack_moved(client, ev, 0) == 0 ?
				"sent" : "failed");
		printf("\n");
		break;
	case RTE_MARLIN_RACK_EV_RANGE:
		printf("event=range owner=%u peer=%u window=%u access=%s offset=%llu size=%llu fd=%d",
			ev->owner, ev->peer, ev->window,
			ev->access == RTE_MARLIN_RACK_ACCESS_RW ? "rw" :
			ev->access == RTE_MARLIN_RACK_ACCESS_RO ? "ro" : "none",
			(unsigned long long)ev->offset,
			(unsigned long long)ev->size, ev->fd >= 0);
		if (ev->fd >= 0 && scribble >= 0 && scribble_va == NULL) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED, ev->fd, 0);

			if (p != MAP_FAILED)
				scribble_va = p;
			printf(" scribbling=%s", p != MAP_FAILED ? "yes" : "no");
		}
		if (ev->fd >= 0)
			close(ev->fd);
		printf("\n");
		break;
	case RTE_MARLIN_RACK_EV_LINK:
		printf("event=link a=%u b=%u up=%d\n", ev->owner, ev->peer, ev->up);
		break;
	case RTE_MARLIN_RACK_EV_REPLY:
		printf("event=reply status=%d text=\"%s\"\n", ev->status, ev->text);
		break;
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct rte_marlin_rack_host_conf conf = { .mw_count = 1, .mw_size = 65536 };
	unsigned int offer_peer[MAX_OFFERS], offer_win[MAX_OFFERS];
	int i, noffers = 0, sealed = 1, seconds = 30, rc;
	struct rte_marlin_rack_client *c;
	struct rte_marlin_rack_event ev;
	long host = -1;
	time_t end;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--unsealed") == 0) {
			sealed = 0;
			continue;
		}
		if (strcmp(argv[i], "--bank-scribble") == 0) {
			bank_scribble = 1;
			continue;
		}
		if (strcmp(argv[i], "--tight") == 0) {
			tight = 1;
			continue;
		}
		if (strcmp(argv[i], "--no-ack") == 0) {
			no_ack = 1;
			continue;
		}
		if (v == NULL) {
			usage();
			return 2;
		}
		if (strcmp(argv[i], "--socket") == 0)
			conf.socket = v;
		else if (strcmp(argv[i], "--host") == 0)
			host = strtol(v, NULL, 10);
		else if (strcmp(argv[i], "--windows") == 0)
			conf.mw_count = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--size") == 0)
			conf.mw_size = strtoull(v, NULL, 0);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atoi(v);
		else if (strcmp(argv[i], "--scribble") == 0)
			scribble = (int)strtol(v, NULL, 0) & 0xff;
		else if (strcmp(argv[i], "--offer") == 0 && noffers < MAX_OFFERS &&
				sscanf(v, "%u:%u", &offer_peer[noffers],
					&offer_win[noffers]) == 2)
			noffers++;
		else {
			usage();
			return 2;
		}
		i++;
	}
	if (conf.socket == NULL || host < 0) {
		usage();
		return 2;
	}
	conf.host_id = (uint32_t)host;
	c = rte_marlin_rack_register(&conf);
	if (c == NULL) {
		printf("refused errno=%d (%s)\n", rte_errno, strerror(rte_errno));
		return 1;
	}
	client = c;
	printf("registered host=%ld base=0x%llx\n", host,
		(unsigned long long)rte_marlin_rack_client_base(c));
	links_attack(c);
	fflush(stdout);
	for (i = 0; i < noffers; i++) {
		int fd = make_memfd((int)host, offer_peer[i], offer_win[i],
			(size_t)conf.mw_size, sealed);

		rc = fd < 0 ? -errno : rte_marlin_rack_offer(c, offer_peer[i],
			offer_win[i], fd);
		printf("offered peer=%u window=%u rc=%d\n", offer_peer[i],
			offer_win[i], rc);
		if (fd >= 0)
			close(fd);
	}
	fflush(stdout);
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		struct pollfd p[2] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = rte_marlin_rack_client_fd(c), .events = POLLIN },
		};

		int k;

		if (poll(p, 2, tight ? 0 : scribble_va != NULL || bank_scribble ?
				10 : 1000) < 0 && errno != EINTR)
			break;
		banks_scribble();
		for (k = 0; scribble_va != NULL && k < (tight ? 1000 : 1); k++) {
			memset((void *)scribble_va, scribble, 4096);
			((volatile uint64_t *)scribble_va)[1] = ++scribbles;
		}
		if (p[0].revents) {
			char buf[64];

			if (read(0, buf, sizeof(buf)) <= 0)
				break;
		}
		while ((rc = rte_marlin_rack_event_get(c, &ev, 0)) == 1)
			print_event(&ev);
		if (rc < 0) {
			printf("manager gone rc=%d\n", rc);
			fflush(stdout);
			break;
		}
	}
	rte_marlin_rack_client_close(c);
	return 0;
}
