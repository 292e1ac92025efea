/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef UCX_TEST_OOB_H
#define UCX_TEST_OOB_H

/* The localhost TCP socket the UCX test programs exchange addresses and
 * keys over (out of band), and their UCP setup. Also used by
 * scripts/bench/ucx/progress_cost.c. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

#endif /* UCX_TEST_OOB_H */
