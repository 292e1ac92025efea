/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef UCX_TEST_OOB_H
#define UCX_TEST_OOB_H

/* The localhost TCP socket the UCX test programs exchange addresses and
 * keys over (out of band), and their UCP setup. Also used by
 * scripts/bench/ucx/progress_cost.c. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ucp/api/ucp.h>

/* Send or receive exactly @len bytes; exit(1) if the socket closes. */
static void
xfer(int fd, void *p, size_t len, int send_it)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send_it ? write(fd, (char *)p + done, len - done) :
				      read(fd, (char *)p + done, len - done);
		if (n <= 0) {
			fprintf(stderr, "socket closed by the other side\n");
			exit(1);
		}
		done += (size_t)n;
	}
}

/* A UCP context with @features, its single-threaded worker and the
 * worker's address; exit(1) with a line on failure. */
static inline void
oob_ucp_open(uint64_t features, ucp_context_h *ctx, ucp_worker_h *w,
	     ucp_address_t **addr, size_t *addr_len)
{
	ucp_params_t params = { .field_mask = UCP_PARAM_FIELD_FEATURES,
				.features = features };
	ucp_worker_params_t wp = { .field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE,
				   .thread_mode = UCS_THREAD_MODE_SINGLE };
	ucs_status_t st;

	st = ucp_init(&params, NULL, ctx);
	if (st == UCS_OK)
		st = ucp_worker_create(*ctx, &wp, w);
	if (st == UCS_OK)
		st = ucp_worker_get_address(*w, addr, addr_len);
	if (st != UCS_OK) {
		fprintf(stderr, "UCP setup failed: %s\n", ucs_status_string(st));
		exit(1);
	}
}

/* @len bytes from ucp_mem_map(ALLOCATE) (Marlin's heap first); exit(1)
 * on failure. */
static inline void *
oob_mem_alloc(ucp_context_h ctx, size_t len, ucp_mem_h *mh)
{
	ucp_mem_map_params_t mp = {
		.field_mask = UCP_MEM_MAP_PARAM_FIELD_LENGTH |
			      UCP_MEM_MAP_PARAM_FIELD_FLAGS,
		.length = len, .flags = UCP_MEM_MAP_ALLOCATE };
	ucp_mem_attr_t ma = { .field_mask = UCP_MEM_ATTR_FIELD_ADDRESS };
	ucs_status_t st;

	st = ucp_mem_map(ctx, &mp, mh);
	if (st == UCS_OK)
		st = ucp_mem_query(*mh, &ma);
	if (st != UCS_OK) {
		fprintf(stderr, "ucp_mem_map of %zu bytes: %s\n", len,
			ucs_status_string(st));
		exit(1);
	}
	return ma.address;
}

/* 127.0.0.1:@port. */
static inline struct sockaddr_in
oob_sockaddr(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_port = htons((uint16_t)atoi(port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* A socket listening on @sa for @backlog clients; exit(1) on failure. */
static inline int
oob_listen(const struct sockaddr_in *sa, int backlog, const char *who)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 ||
			listen(fd, backlog) != 0) {
		fprintf(stderr, "%s: cannot listen on port %u: ", who,
			ntohs(sa->sin_port));
		perror("");
		exit(1);
	}
	return fd;
}

/* One client of oob_listen(), connected; exit(1) after 10 s of refusals. */
static inline int
oob_connect(const struct sockaddr_in *sa, const char *who)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), tries;

	for (tries = 0; connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0;
			tries++) {
		if (tries == 200) {
			fprintf(stderr, "%s: nobody listens on port %u: ", who,
				ntohs(sa->sin_port));
			perror("");
			exit(1);
		}
		usleep(50000);
	}
	return fd;
}

/* A length-prefixed blob over the socket (a worker address, a key). */
static inline void
oob_send_blob(int fd, const void *p, uint32_t len)
{
	xfer(fd, &len, sizeof(len), 1);
	xfer(fd, (void *)(uintptr_t)p, len, 1);
}

/* The blob oob_send_blob() sent, in memory to free(). */
static inline void *
oob_recv_blob(int fd, uint32_t *len)
{
	void *p;

	xfer(fd, len, sizeof(*len), 0);
	p = malloc(*len);
	if (p == NULL)
		exit(1);
	xfer(fd, p, *len, 0);
	return p;
}

#endif /* UCX_TEST_OOB_H */
