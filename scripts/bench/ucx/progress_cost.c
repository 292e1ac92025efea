/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * What one idle ucp_worker_progress() costs with a transport, the part of
 * a one-sided latency that the waiting side adds while it polls (ucx_perftest
 * ucp_put_lat polls its buffer and progresses in turn). Two processes: the
 * server only waits; the client connects (so its interface is active, as
 * in ucx_perftest), then times N progress calls with nothing to do.
 *
 *   progress_cost server PORT
 *   progress_cost client PORT [N]   prints "progress_ns X"
 *
 * Run both under the transport to measure (UCX_TLS=..., marlin-run for
 * Marlin); scripts/bench/ucx/ucx_bench.py --progress-cost does.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ucx_oob.h"   /* tests/ucx: socket and UCP setup */

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	long i, n = argc > 3 ? atol(argv[3]) : 2000000;
	ucp_context_h ctx;
	ucp_worker_h w;
	ucp_address_t *addr;
	size_t addr_len;
	uint32_t len;
	int fd;
	char ack = 0;

	if (argc < 3 || n <= 0 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		fprintf(stderr, "usage: progress_cost server|client PORT [N]\n");
		return 2;
	}
	sa = oob_sockaddr(argv[2]);
	oob_ucp_open(UCP_FEATURE_RMA, &ctx, &w, &addr, &addr_len);
	if (strcmp(argv[1], "server") == 0) {
		int lfd = oob_listen(&sa, 1, "progress_cost");

		fd = accept(lfd, NULL, NULL);
		close(lfd);
		oob_send_blob(fd, addr, (uint32_t)addr_len);
		xfer(fd, &ack, 1, 0);   /* the client is done */
	} else {
		ucp_ep_params_t ep_params = {
			.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS };
		ucp_request_param_t rp = { .op_attr_mask = 0 };
		ucp_ep_h ep;
		void *peer, *req;
		double t0, t1;

		fd = oob_connect(&sa, "progress_cost");
		peer = oob_recv_blob(fd, &len);
		ep_params.address = peer;
		if (ucp_ep_create(w, &ep_params, &ep) != UCS_OK) {
			fprintf(stderr, "progress_cost: ucp_ep_create failed\n");
			return 1;
		}
		for (i = 0; i < n / 10; i++)   /* warm up */
			ucp_worker_progress(w);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			ucp_worker_progress(w);
		t1 = now_ns();
		printf("progress_ns %.2f\n", (t1 - t0) / (double)n);
		req = ucp_ep_close_nbx(ep, &rp);
		if (UCS_PTR_IS_PTR(req)) {
			while (ucp_request_check_status(req) == UCS_INPROGRESS)
				ucp_worker_progress(w);
			ucp_request_free(req);
		}
		free(peer);
		xfer(fd, &ack, 1, 1);
	}
	close(fd);
	ucp_worker_release_address(w, addr);
	ucp_worker_destroy(w);
	ucp_cleanup(ctx);
	return 0;
}
