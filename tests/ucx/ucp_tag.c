/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * UCP tag messages over the Marlin transport (tests/ucx/ucx_test.py).
 *   ucp_tag server PORT heap|plain   receives and checks every message
 *   ucp_tag client PORT heap|plain   sends them
 * heap: both sides' buffers come from ucp_mem_map(ALLOCATE) (Marlin's
 * heap), and messages are sent from an address inside that block, not at
 * its start; plain: malloc()ed buffers. Sizes 8 B .. 1 MiB, each sent
 * twice with different contents: eager ones and rendezvous ones, whose
 * data the receiver fetches (from the heap: straight through the window;
 * plain memory: by HRDMA messages). The client has every message of a
 * size in flight at once and the server posts its receives only after a
 * pause, so most arrive unexpected. Prints "ucp_tag OK". Exit 1 on any
 * mismatch.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ucx_oob.h"

#include <ucp/api/ucp.h>

#define MAX_LEN (1u << 20)
#define BUF_LEN (2 * MAX_LEN + 8192)
#define NB_SIZES 9
#define COPIES 2
#define SEND_OFF 4160  /* inside the block: a page and a line in */

/* Eager and rendezvous sizes, odd ones among them. */
static const size_t sizes[NB_SIZES] = {
	8, 100, 4096, 8200, 65536, 65539, 262144, 1000003, MAX_LEN };

static void
die(const char *what, ucs_status_t st)
{
	fprintf(stderr, "ucp_tag: %s: %s\n", what, ucs_status_string(st));
	exit(1);
}

static uint8_t
pat(size_t len, unsigned copy, size_t i)
{
	return (uint8_t)(len * 7 + copy * 131 + i * 13 + (i >> 9));
}

static void
wait_req(ucp_worker_h w, void *req, const char *what)
{
	ucs_status_t st;

	if (req == NULL)
		return;
	if (UCS_PTR_IS_ERR(req))
		die(what, UCS_PTR_STATUS(req));
	do {
		ucp_worker_progress(w);
		st = ucp_request_check_status(req);
	} while (st == UCS_INPROGRESS);
	ucp_request_free(req);
	if (st != UCS_OK)
		die(what, st);
}

/* A buffer of BUF_LEN: from UCP (Marlin's heap) or malloc(). */
static uint8_t *
buf_get(ucp_context_h ctx, int heap, ucp_mem_h *mh)
{
	uint8_t *p;

	*mh = NULL;
	if (heap)
		return oob_mem_alloc(ctx, BUF_LEN, mh);
	p = malloc(BUF_LEN);
	if (p == NULL)
		exit(1);
	return p;
}

static void
buf_put(ucp_context_h ctx, uint8_t *p, ucp_mem_h mh)
{
	if (mh != NULL)
		ucp_mem_unmap(ctx, mh);
	else
		free(p);
}

/* Receive COPIES messages of @len and check them. */
static int
serve(ucp_worker_h w, uint8_t *buf, int fd, size_t len)
{
	ucp_request_param_t rp = { .op_attr_mask = 0 };
	void *req[COPIES];
	unsigned c;
	size_t i;
	char ack = 1;

	/* The client sends every copy, then says so: the first arrive
	 * before any receive is posted. */
	xfer(fd, &ack, 1, 0);
	memset(buf, 0, COPIES * len);
	for (c = 0; c < COPIES; c++)
		req[c] = ucp_tag_recv_nbx(w, buf + c * len, len, len,
					  UINT64_MAX, &rp);
	for (c = 0; c < COPIES; c++)
		wait_req(w, req[c], "tag receive");
	for (c = 0; c < COPIES; c++)
		for (i = 0; i < len; i++)
			if (buf[c * len + i] != pat(len, c, i)) {
				fprintf(stderr, "ucp_tag server: %zu B copy %u: byte %zu is %u, expected %u\n",
					len, c, i, buf[c * len + i], pat(len, c, i));
				return 1;
			}
	xfer(fd, &ack, 1, 1);
	return 0;
}

/* Progress until the client's last byte (it closes its endpoint first,
 * which may need this side), at most 20 s. */
static int
wait_bye(ucp_worker_h w, int fd)
{
	char b;
	long i;

	for (i = 0; i < 20000; i++) {
		ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);

		if (n == 1)
			return 0;
		if (n == 0)
			break;
		ucp_worker_progress(w);
		usleep(1000);
	}
	fprintf(stderr, "ucp_tag server: no last byte from the client\n");
	return 1;
}

/* Send COPIES messages of @len from inside @buf, all in flight at once. */
static void
send_all(ucp_worker_h w, ucp_ep_h ep, uint8_t *buf, int fd, size_t len)
{
	ucp_request_param_t rp = { .op_attr_mask = 0 };
	void *req[COPIES];
	unsigned c;
	size_t i;
	char ack = 1;

	for (c = 0; c < COPIES; c++) {
		uint8_t *p = buf + SEND_OFF + c * len;

		for (i = 0; i < len; i++)
			p[i] = pat(len, c, i);
		req[c] = ucp_tag_send_nbx(ep, p, len, len, &rp);
	}
	for (i = 0; i < 1000; i++)
		ucp_worker_progress(w);
	xfer(fd, &ack, 1, 1);
	for (c = 0; c < COPIES; c++)
		wait_req(w, req[c], "tag send");
	xfer(fd, &ack, 1, 0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	ucp_context_h ctx;
	ucp_worker_h w;
	ucp_address_t *addr;
	ucp_mem_h mh;
	size_t addr_len, k;
	uint8_t *buf;
	int server, heap, fd, ret = 0;
	uint32_t l;

	if (argc != 4 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
			(strcmp(argv[3], "heap") && strcmp(argv[3], "plain"))) {
		fprintf(stderr, "usage: ucp_tag server|client PORT heap|plain\n");
		return 2;
	}
	server = strcmp(argv[1], "server") == 0;
	heap = strcmp(argv[3], "heap") == 0;
	sa = oob_sockaddr(argv[2]);
	oob_ucp_open(UCP_FEATURE_TAG, &ctx, &w, &addr, &addr_len);
	buf = buf_get(ctx, heap, &mh);
	if (server) {
		int lfd = oob_listen(&sa, 1, "ucp_tag");

		fd = accept(lfd, NULL, NULL);
		close(lfd);
		oob_send_blob(fd, addr, (uint32_t)addr_len);
		for (k = 0; k < NB_SIZES && ret == 0; k++)
			ret = serve(w, buf, fd, sizes[k]);
		if (ret == 0)
			ret = wait_bye(w, fd);
		if (ret == 0)
			printf("ucp_tag server OK: 8 B .. 1 MiB into %s memory\n",
			       heap ? "heap" : "plain");
	} else {
		ucp_ep_params_t ep_params = {
			.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS };
		ucp_request_param_t rp = { .op_attr_mask = 0 };
		ucp_ep_h ep;
		ucs_status_t st;
		char bye = 1;

		fd = oob_connect(&sa, "ucp_tag");
		ep_params.address = oob_recv_blob(fd, &l);
		st = ucp_ep_create(w, &ep_params, &ep);
		if (st != UCS_OK)
			die("ucp_ep_create", st);
		for (k = 0; k < NB_SIZES; k++)
			send_all(w, ep, buf, fd, sizes[k]);
		wait_req(w, ucp_ep_close_nbx(ep, &rp), "close");
		xfer(fd, &bye, 1, 1);
		free((void *)ep_params.address);
		printf("ucp_tag OK: 8 B .. 1 MiB from %s memory, %d copies each\n",
		       heap ? "heap" : "plain", COPIES);
	}
	close(fd);
	buf_put(ctx, buf, mh);
	ucp_worker_release_address(w, addr);
	ucp_worker_destroy(w);
	ucp_cleanup(ctx);
	return ret;
}
