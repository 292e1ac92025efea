/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * UCP one-sided check over the Marlin transport (tests/ucx/ucx_test.py).
 *   ucp_rma server PORT      maps a buffer, sends its worker address and
 *                            rkey over a localhost TCP socket, waits
 *                            (sleeping in poll() on the worker's event fd
 *                            between bursts of progress)
 *   ucp_rma client PORT      puts a pattern into the server's buffer,
 *                            flushes, gets it back and checks it; then
 *                            tells the server, which checks it too
 *   ucp_rma server PORT multi N  serves N clients (up to 4), each given a
 *                            quarter of the buffer
 *   ucp_rma client PORT slice K  works in quarter K of the server's buffer
 *                            (8 B .. 256 KiB), for "server PORT multi N"
 *   ucp_rma server PORT zero as server, but expects its buffer to stay
 *                            zero (the client is tests/ucx/hostile_peer)
 *   ucp_rma server PORT fence
 *   ucp_rma client PORT fence  fence ordering: the client puts 64 KiB into
 *                            ordinary registered memory of the server (HRDMA
 *                            messages its progress applies), fences, then
 *                            puts a round number into the server's heap
 *                            (stored directly); the server, seeing a
 *                            round's number, finds that round's data in place
 *   ucp_rma server PORT revoked
 *   ucp_rma client PORT revoked  the server frees its memory after sending
 *                            the key; the client's put under it must fail
 *   ucp_rma server PORT realloc
 *   ucp_rma client PORT realloc  the client puts under the key (mapping it
 *                            for direct stores); the server frees the
 *                            memory and allocates until it gets the same
 *                            address again; the client's next put under
 *                            the old key must fail and the new memory
 *                            stay zero
 *   ucp_rma client PORT forged  against "server PORT zero": puts under
 *                            copies of the key with the Marlin part's
 *                            secret changed, and naming another host, fail
 *   ucp_rma client PORT loop puts and flushes until an operation fails
 *                            (the test kills the server): prints
 *                            "ucp_rma peer error: ..." and exits 3
 * Sizes 8 B .. 1 MiB. Prints "ucp_rma OK". Exit 1 on any mismatch.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ucx_oob.h"

#include <ucp/api/ucp.h>

#define BUF_LEN (1u << 20)
#define MAX_CLIENTS 4
#define SLICE_LEN (BUF_LEN / MAX_CLIENTS)

static void
die(const char *what, ucs_status_t st)
{
	fprintf(stderr, "ucp_rma: %s: %s\n", what, ucs_status_string(st));
	exit(1);
}

/* Wait for a request to finish; its status. */
static ucs_status_t
req_wait(ucp_worker_h w, void *req)
{
	ucs_status_t st;

	if (req == NULL)
		return UCS_OK;
	if (UCS_PTR_IS_ERR(req))
		return UCS_PTR_STATUS(req);
	do {
		ucp_worker_progress(w);
		st = ucp_request_check_status(req);
	} while (st == UCS_INPROGRESS);
	ucp_request_free(req);
	return st;
}

static void
wait_req(ucp_worker_h w, void *req, const char *what)
{
	ucs_status_t st = req_wait(w, req);

	if (st != UCS_OK)
		die(what, st);
}

/* Close an endpoint whose peer is gone or that saw an error. */
static void
close_force(ucp_worker_h w, ucp_ep_h ep)
{
	ucp_request_param_t rp = { .op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS,
				   .flags = UCP_EP_CLOSE_FLAG_FORCE };

	(void)req_wait(w, ucp_ep_close_nbx(ep, &rp));
}

/*
 * "forged": change the Marlin part of a packed key (found by the buffer's
 * address, which it carries after version, owner and slot: see
 * drivers/ucx/marlin/uct_marlin_wire.h) and check that a put under it
 * fails. Returns 0 when every forged key was refused.
 */
static int
forged_keys(ucp_worker_h w, ucp_ep_h ep, const uint8_t *rkey, uint32_t len,
	    uint64_t base)
{
	ucp_request_param_t rp = { .op_attr_mask = 0 };
	uint8_t *copy = malloc(len);
	uint32_t at, kind;
	uint64_t v = 1;
	ucp_rkey_h rk;
	ucs_status_t st;
	int bad = 0;

	for (at = 8; at + 32 <= len; at++)
		if (memcmp(rkey + at, &base, sizeof(base)) == 0)
			break;
	if (copy == NULL || at + 32 > len) {
		fprintf(stderr, "ucp_rma client: no Marlin part in the key\n");
		free(copy);
		return 1;
	}
	for (kind = 0; kind < 2; kind++) {
		memcpy(copy, rkey, len);
		if (kind == 0)
			copy[at + 16] ^= 0x5a;          /* secret */
		else
			copy[at - 6] ^= 0x03;           /* owner: another host */
		st = ucp_ep_rkey_unpack(ep, copy, &rk);
		if (st != UCS_OK)
			continue;                       /* refused at unpack */
		st = req_wait(w, ucp_put_nbx(ep, &v, sizeof(v), base, rk, &rp));
		if (st == UCS_OK)
			st = req_wait(w, ucp_ep_flush_nbx(ep, &rp));
		ucp_rkey_destroy(rk);
		if (st == UCS_OK) {
			fprintf(stderr, "ucp_rma client: a put under a key with %s succeeded\n",
				kind == 0 ? "a forged secret" : "another owner");
			bad = 1;
		}
	}
	free(copy);
	if (!bad)
		printf("ucp_rma OK: puts under a forged secret and another host's key refused\n");
	return bad;
}

static uint8_t
pat(size_t len, size_t i)
{
	return (uint8_t)(len * 7 + i * 13 + (i >> 9));
}

#define FENCE_ROUNDS 50
#define FENCE_LEN (64u << 10)

/* Server of "fence": an ordinary registered buffer besides the heap one. */
static int
fence_server(ucp_context_h ctx, ucp_worker_h w, int fd, void *heap,
	     ucp_mem_h heap_mh, void *heap_rkey)
{
	uint8_t *reg = calloc(1, FENCE_LEN);
	ucp_mem_map_params_t mp = {
		.field_mask = UCP_MEM_MAP_PARAM_FIELD_ADDRESS |
			      UCP_MEM_MAP_PARAM_FIELD_LENGTH,
		.address = reg, .length = FENCE_LEN };
	volatile uint64_t *flag = heap;
	uint64_t base = (uintptr_t)reg, seen = 0, r;
	ucp_mem_h mh;
	void *rkey;
	size_t rkey_len, i;
	ucs_status_t st;
	char ack;

	if (reg == NULL)
		return 1;
	st = ucp_mem_map(ctx, &mp, &mh);
	if (st != UCS_OK)
		die("ucp_mem_map (registered)", st);
	st = ucp_rkey_pack(ctx, mh, &rkey, &rkey_len);
	if (st != UCS_OK)
		die("ucp_rkey_pack", st);
	oob_send_blob(fd, rkey, (uint32_t)rkey_len);
	xfer(fd, &base, sizeof(base), 1);
	while (seen < FENCE_ROUNDS) {
		ucp_worker_progress(w);
		r = *flag;
		if (r == seen)
			continue;
		/* Round r's number is here: its data (or a later round's)
		 * must be too. */
		for (i = 0; i < FENCE_LEN; i++)
			if (reg[i] < (uint8_t)r) {
				fprintf(stderr, "ucp_rma server: fence broken: round %lu flag seen but byte %zu is from round %u\n",
					(unsigned long)r, i, reg[i]);
				return 1;
			}
		seen = r;
	}
	xfer(fd, &ack, 1, 0);
	xfer(fd, &ack, 1, 1);
	ucp_rkey_buffer_release(rkey);
	ucp_rkey_buffer_release(heap_rkey);
	ucp_mem_unmap(ctx, mh);
	ucp_mem_unmap(ctx, heap_mh);
	free(reg);
	printf("ucp_rma server OK: fence held for %d rounds\n", FENCE_ROUNDS);
	return 0;
}

static int
fence_client(ucp_worker_h w, ucp_ep_h ep, int fd, ucp_rkey_h heap_rk,
	     uint64_t heap_base, void *peer_addr, void *heap_rkey)
{
	ucp_request_param_t rp = { .op_attr_mask = 0 };
	uint8_t *data = malloc(FENCE_LEN);
	ucp_rkey_h rk;
	uint64_t base, r;
	void *rkey;
	uint32_t l;
	ucs_status_t st;
	char ack = 0;

	if (data == NULL)
		return 1;
	rkey = oob_recv_blob(fd, &l);
	xfer(fd, &base, sizeof(base), 0);
	st = ucp_ep_rkey_unpack(ep, rkey, &rk);
	if (st != UCS_OK)
		die("ucp_ep_rkey_unpack", st);
	for (r = 1; r <= FENCE_ROUNDS; r++) {
		memset(data, (int)r, FENCE_LEN);
		wait_req(w, ucp_put_nbx(ep, data, FENCE_LEN, base, rk, &rp), "put");
		st = ucp_worker_fence(w);
		if (st != UCS_OK)
			die("ucp_worker_fence", st);
		wait_req(w, ucp_put_nbx(ep, &r, sizeof(r), heap_base, heap_rk, &rp),
			 "put flag");
	}
	wait_req(w, ucp_ep_flush_nbx(ep, &rp), "flush");
	xfer(fd, &ack, 1, 1);
	xfer(fd, &ack, 1, 0);
	ucp_rkey_destroy(rk);
	ucp_rkey_destroy(heap_rk);
	wait_req(w, ucp_ep_close_nbx(ep, &rp), "close");
	free(data);
	free(rkey);
	free(heap_rkey);
	free(peer_addr);
	printf("ucp_rma OK: fence between HRDMA and direct puts, %d rounds\n",
	       FENCE_ROUNDS);
	return 0;
}

/* Wait for one byte on the socket while progressing (peers' requests and
 * revocations are answered by progress); 0, or 1 after 20 s. */
static int
progress_until_byte(ucp_worker_h w, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char b;
	int i;

	for (i = 0; i < 200000; i++) {
		ucp_worker_progress(w);
		if (poll(&pfd, 1, 0) == 1) {
			xfer(fd, &b, 1, 0);
			return 0;
		}
		usleep(100);
	}
	fprintf(stderr, "ucp_rma: nothing from the other side for 20 s\n");
	return 1;
}

#define REALLOC_TRIES 64

/*
 * Server of "realloc": once the client used the key, free the memory and
 * allocate until the heap gives the same address back (it does once the
 * client acknowledged the revocation); then the client puts under the old
 * key, and the new memory must stay zero.
 */
static int
realloc_server(ucp_context_h ctx, ucp_worker_h w, int fd, ucp_mem_h mh,
	       void *rkey, void *old)
{
	ucp_mem_map_params_t mp = {
		.field_mask = UCP_MEM_MAP_PARAM_FIELD_LENGTH |
			      UCP_MEM_MAP_PARAM_FIELD_FLAGS,
		.length = BUF_LEN, .flags = UCP_MEM_MAP_ALLOCATE };
	ucp_mem_attr_t ma = { .field_mask = UCP_MEM_ATTR_FIELD_ADDRESS };
	ucp_mem_h got[REALLOC_TRIES];
	unsigned n = 0, k, i;
	uint8_t *p = NULL;
	ucs_status_t st;
	int ret = 1;
	char ack = 0;

	if (progress_until_byte(w, fd) != 0)
		return 1;
	ucp_rkey_buffer_release(rkey);
	ucp_mem_unmap(ctx, mh);
	while (n < REALLOC_TRIES) {
		st = ucp_mem_map(ctx, &mp, &got[n]);
		if (st != UCS_OK)
			die("ucp_mem_map (again)", st);
		ucp_mem_query(got[n], &ma);
		if (ma.address == old) {
			p = ma.address;
			break;
		}
		/* Keep it (freeing would be one more revocation) and let
		 * the acknowledgement come in. */
		n++;
		for (k = 0; k < 500; k++) {
			ucp_worker_progress(w);
			usleep(100);
		}
	}
	if (p == NULL) {
		fprintf(stderr, "ucp_rma server: freed heap memory not reused after %d allocations\n",
			REALLOC_TRIES);
	} else {
		memset(p, 0, BUF_LEN);
		xfer(fd, &ack, 1, 1);
		if (progress_until_byte(w, fd) == 0) {
			for (i = 0; i < BUF_LEN && p[i] == 0; i++)
				;
			if (i < BUF_LEN)
				fprintf(stderr, "ucp_rma server: byte %u of the new memory written under the old key\n",
					i);
			else
				ret = 0;
		}
		n++;
	}
	xfer(fd, &ack, 1, 1);
	for (k = 0; k < n; k++)
		ucp_mem_unmap(ctx, got[k]);
	if (ret == 0)
		printf("ucp_rma server OK: memory reallocated at the freed address (after %u other allocations) stayed zero\n",
		       n - 1);
	return ret;
}

static int
realloc_client(ucp_worker_h w, ucp_ep_h ep, int fd, ucp_rkey_h rk,
	       uint64_t base)
{
	ucp_request_param_t rp = { .op_attr_mask = 0 };
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;
	ucs_status_t st;
	char ack = 0;

	/* First use: the key is checked and mapped for direct stores. */
	wait_req(w, ucp_put_nbx(ep, &v, sizeof(v), base, rk, &rp), "put");
	wait_req(w, ucp_ep_flush_nbx(ep, &rp), "flush");
	xfer(fd, &ack, 1, 1);
	if (progress_until_byte(w, fd) != 0)
		return 1;
	st = req_wait(w, ucp_put_nbx(ep, &v, sizeof(v), base, rk, &rp));
	if (st == UCS_OK)
		st = req_wait(w, ucp_ep_flush_nbx(ep, &rp));
	xfer(fd, &ack, 1, 1);
	xfer(fd, &ack, 1, 0);
	if (st == UCS_OK) {
		fprintf(stderr, "ucp_rma client: a put under the key of freed and reallocated memory succeeded\n");
		return 1;
	}
	printf("ucp_rma OK: put under the key of freed and reallocated memory refused (%s)\n",
	       ucs_status_string(st));
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	ucp_context_h ctx;
	ucp_worker_h w;
	ucp_address_t *addr;
	size_t addr_len, i, len;
	ucs_status_t st;
	int server, fd, efd, ret = 0;
	unsigned long sleeps = 0;
	uint8_t *buf;
	char ack;
	int fence = argc > 3 && strcmp(argv[3], "fence") == 0;
	int revoked = argc > 3 && strcmp(argv[3], "revoked") == 0;
	int forged = argc > 3 && strcmp(argv[3], "forged") == 0;
	int re_alloc = argc > 3 && strcmp(argv[3], "realloc") == 0;
	int zero = argc > 3 && strcmp(argv[3], "zero") == 0;
	int nclients = 1, c, done_clients = 0, cfd[MAX_CLIENTS];
	uint8_t client_done[MAX_CLIENTS] = { 0 };
	size_t slice = 0, off = 0, max_len = BUF_LEN;

	if (argc < 3 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		fprintf(stderr, "usage: ucp_rma server|client PORT [loop]\n");
		return 2;
	}
	server = strcmp(argv[1], "server") == 0;
	if (argc > 4 && strcmp(argv[3], "multi") == 0)
		nclients = atoi(argv[4]);
	if (argc > 4 && strcmp(argv[3], "slice") == 0) {
		slice = (size_t)atoi(argv[4]);
		off = slice * SLICE_LEN;
		max_len = SLICE_LEN;
	}
	if (nclients < 1 || nclients > MAX_CLIENTS || slice >= MAX_CLIENTS) {
		fprintf(stderr, "ucp_rma: 1..%d clients, slices 0..%d\n",
			MAX_CLIENTS, MAX_CLIENTS - 1);
		return 2;
	}
	sa = oob_sockaddr(argv[2]);
	oob_ucp_open(UCP_FEATURE_RMA | (server ? UCP_FEATURE_WAKEUP : 0), &ctx,
		     &w, &addr, &addr_len);

	if (server) {
		ucp_mem_attr_t ma;
		ucp_mem_h mh;
		void *rkey;
		size_t rkey_len;
		uint64_t base;
		int lfd;

		ma.address = oob_mem_alloc(ctx, BUF_LEN, &mh);
		/* Whatever allocator UCP used (Marlin's heap first): a buffer
		 * of pages starts on a page, or copies between such buffers
		 * stall on 4K aliasing. */
		if ((uintptr_t)ma.address % 4096 != 0) {
			fprintf(stderr, "ucp_rma server: a %u-byte UCP allocation at %p does not start on a page\n",
				BUF_LEN, ma.address);
			return 1;
		}
		memset(ma.address, 0, BUF_LEN);
		st = ucp_rkey_pack(ctx, mh, &rkey, &rkey_len);
		if (st != UCS_OK)
			die("ucp_rkey_pack", st);
		lfd = oob_listen(&sa, MAX_CLIENTS, "ucp_rma");
		base = (uintptr_t)ma.address;
		for (c = 0; c < nclients; c++) {
			cfd[c] = accept(lfd, NULL, NULL);
			oob_send_blob(cfd[c], addr, (uint32_t)addr_len);
			oob_send_blob(cfd[c], rkey, (uint32_t)rkey_len);
			xfer(cfd[c], &base, sizeof(base), 1);
		}
		close(lfd);
		fd = cfd[0];
		if (fence) {
			if (fence_server(ctx, w, fd, ma.address, mh, rkey) != 0)
				return 1;
			goto done;
		}
		if (re_alloc) {
			ret = realloc_server(ctx, w, fd, mh, rkey, ma.address);
			goto done;
		}
		if (revoked) {
			/* Free the memory before the client uses the key. */
			ucp_rkey_buffer_release(rkey);
			ucp_mem_unmap(ctx, mh);
			xfer(fd, &ack, 1, 1);
			xfer(fd, &ack, 1, 0);
			printf("ucp_rma server OK: memory freed under a key\n");
			goto done;
		}
		/* Serve until the clients say they are done: progress, then
		 * sleep on the worker's event fd (and the sockets). */
		st = ucp_worker_get_efd(w, &efd);
		if (st != UCS_OK)
			die("ucp_worker_get_efd", st);
		while (done_clients < nclients) {
			struct pollfd pfd[1 + MAX_CLIENTS] = {
				{ .fd = efd, .events = POLLIN } };
			ssize_t n;

			for (c = 0; c < nclients; c++) {
				pfd[1 + c].fd = client_done[c] ? -1 : cfd[c];
				pfd[1 + c].events = POLLIN;
				if (client_done[c])
					continue;
				n = recv(cfd[c], &ack, 1, MSG_DONTWAIT);
				if (n == 0) {
					fprintf(stderr, "ucp_rma: client went away\n");
					return 1;
				}
				if (n == 1) {
					client_done[c] = 1;
					done_clients++;
				}
			}
			if (done_clients == nclients)
				break;
			while (ucp_worker_progress(w) != 0)
				;
			st = ucp_worker_arm(w);
			if (st == UCS_ERR_BUSY)
				continue;
			if (st != UCS_OK)
				die("ucp_worker_arm", st);
			/* Only the event fd or the socket may wake us: a
			 * transport that never signals leaves us here. */
			if (poll(pfd, 1 + (nfds_t)nclients, 10000) == 0) {
				fprintf(stderr, "ucp_rma server: no event for 10 s while the client waits\n");
				return 1;
			}
			sleeps++;
		}
		/* One client: the whole buffer; more: a quarter each. */
		len = nclients == 1 ? BUF_LEN : SLICE_LEN;
		for (c = 0; c < nclients; c++) {
			buf = (uint8_t *)ma.address + (nclients == 1 ? 0 : c * SLICE_LEN);
			for (i = 0; i < len; i++)
				if (buf[i] != (zero ? 0 : pat(len, i))) {
					fprintf(stderr, "ucp_rma server: byte %zu of client %d is %u, expected %u\n",
						i, c, buf[i], zero ? 0 : pat(len, i));
					return 1;
				}
		}
		for (c = 0; c < nclients; c++) {
			xfer(cfd[c], &ack, 1, 1);
			if (c > 0)
				close(cfd[c]);
		}
		ucp_rkey_buffer_release(rkey);
		ucp_mem_unmap(ctx, mh);
		printf("ucp_rma server OK (%d client%s, slept %lu times)\n",
		       nclients, nclients > 1 ? "s" : "", sleeps);
	} else {
		ucp_ep_params_t ep_params = {
			.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS |
				      UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE,
			.err_mode = UCP_ERR_HANDLING_MODE_PEER };
		ucp_request_param_t rp = { .op_attr_mask = 0 };
		ucp_rkey_h rk;
		ucp_ep_h ep;
		void *peer_addr, *rkey;
		uint32_t l;
		uint64_t base;

		fd = oob_connect(&sa, "ucp_rma");
		peer_addr = oob_recv_blob(fd, &l);
		rkey = oob_recv_blob(fd, &l);
		xfer(fd, &base, sizeof(base), 0);
		ep_params.address = peer_addr;
		st = ucp_ep_create(w, &ep_params, &ep);
		if (st != UCS_OK)
			die("ucp_ep_create", st);
		st = ucp_ep_rkey_unpack(ep, rkey, &rk);
		if (st != UCS_OK)
			die("ucp_ep_rkey_unpack", st);
		if (fence) {
			if (fence_client(w, ep, fd, rk, base, peer_addr, rkey) != 0)
				return 1;
			goto done;
		}
		if (re_alloc) {
			ret = realloc_client(w, ep, fd, rk, base);
			ucp_rkey_destroy(rk);
			close_force(w, ep);
			free(peer_addr);
			free(rkey);
			goto done;
		}
		if (forged) {
			if (forged_keys(w, ep, rkey, l, base) != 0)
				return 1;
			xfer(fd, &ack, 1, 1);
			xfer(fd, &ack, 1, 0);
			ucp_rkey_destroy(rk);
			close_force(w, ep);
			free(peer_addr);
			free(rkey);
			goto done;
		}
		if (revoked) {
			uint64_t v = 1;

			xfer(fd, &ack, 1, 0);
			st = req_wait(w, ucp_put_nbx(ep, &v, sizeof(v), base, rk, &rp));
			if (st == UCS_OK)
				st = req_wait(w, ucp_ep_flush_nbx(ep, &rp));
			if (st == UCS_OK) {
				fprintf(stderr, "ucp_rma client: a put under a freed key succeeded\n");
				return 1;
			}
			xfer(fd, &ack, 1, 1);
			ucp_rkey_destroy(rk);
			close_force(w, ep);
			free(peer_addr);
			free(rkey);
			printf("ucp_rma OK: put under a freed key refused (%s)\n",
			       ucs_status_string(st));
			goto done;
		}
		buf = malloc(BUF_LEN);
		if (argc > 3 && strcmp(argv[3], "loop") == 0) {
			printf("ucp_rma looping\n");
			fflush(stdout);
			do {
				st = req_wait(w, ucp_put_nbx(ep, buf, 4096, base, rk, &rp));
				if (st == UCS_OK)
					st = req_wait(w, ucp_ep_flush_nbx(ep, &rp));
			} while (st == UCS_OK);
			printf("ucp_rma peer error: %s\n", ucs_status_string(st));
			fflush(stdout);
			ucp_rkey_destroy(rk);
			close_force(w, ep);
			free(buf);
			free(peer_addr);
			free(rkey);
			ret = 3;
			goto done;
		}
		for (len = 8; len <= max_len;
				len = len < max_len && len * 8 > max_len ? max_len : len * 8) {
			for (i = 0; i < len; i++)
				buf[i] = pat(len, i);
			wait_req(w, ucp_put_nbx(ep, buf, len, base + off, rk, &rp), "put");
			wait_req(w, ucp_ep_flush_nbx(ep, &rp), "flush");
			memset(buf, 0, len);
			wait_req(w, ucp_get_nbx(ep, buf, len, base + off, rk, &rp), "get");
			wait_req(w, ucp_ep_flush_nbx(ep, &rp), "flush");
			for (i = 0; i < len; i++)
				if (buf[i] != pat(len, i)) {
					fprintf(stderr, "ucp_rma client: %zu bytes: byte %zu is %u, expected %u\n",
						len, i, buf[i], pat(len, i));
					return 1;
				}
		}
		xfer(fd, &ack, 1, 1);
		xfer(fd, &ack, 1, 0);
		ucp_rkey_destroy(rk);
		wait_req(w, ucp_ep_close_nbx(ep, &rp), "close");
		free(buf);
		free(peer_addr);
		free(rkey);
		printf("ucp_rma OK: put/flush/get 8 B .. %zu KiB verified\n",
		       max_len >> 10);
	}
done:
	close(fd);
	ucp_worker_release_address(w, addr);
	ucp_worker_destroy(w);
	ucp_cleanup(ctx);
	return ret;
}
