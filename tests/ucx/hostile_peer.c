/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * A hostile Marlin host against a UCX process (tests/ucx/ucx_test.py
 * hostile): it joins the fabric through the transport's own host layer
 * (uct_marlin_host.c), connects to "ucp_rma server PORT zero" like a
 * client, and sends what no honest transport sends: an active message id
 * beyond UCX's table, puts and gets with a wrong secret or outside a
 * registration, replies to requests never made, malformed messages,
 * acknowledgements of revocations never sent and a burst of revocations. The
 * server must survive, refuse them all and keep its buffer untouched.
 *
 *   hostile_peer PORT        (MARLIN_FABRIC/HOST/HOSTS from marlin-run)
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

#include "ucx_oob.h"

#include "uct_marlin_host.h"
#include "uct_marlin_wire.h"

static void
skip_blob(int fd)
{
	uint32_t len;
	char c;

	xfer(fd, &len, sizeof(len), 0);
	while (len-- > 0)
		xfer(fd, &c, 1, 0);
}

static int
send_retry(int port, const void *buf, uint32_t len, uint64_t imm)
{
	int8_t st[UM_MAX_HOSTS];
	int i, rc = -1;

	for (i = 0; i < 200000 && rc != 0; i++) {
		rc = um_send(port, buf, len, imm);
		if (rc != 0)
			um_channels_poll(st);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct um_host_info info;
	int8_t st[UM_MAX_HOSTS];
	uint8_t msg[512];
	struct um_put_hdr *ph = (struct um_put_hdr *)msg;
	struct um_get_req gr;
	struct um_get_resp resp;
	uint64_t base;
	int fd, i, peer = 0, bad = 0;
	char ack = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: hostile_peer PORT\n");
		return 2;
	}
	if (um_host_get(&info) != 0 || um_channels_open(8192, 64) != 0) {
		fprintf(stderr, "hostile_peer: cannot become a Marlin host\n");
		return 1;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	for (i = 0; connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0; i++) {
		if (i == 200) {
			perror("hostile_peer: connect");
			return 1;
		}
		usleep(50000);
	}
	skip_blob(fd);                          /* worker address */
	skip_blob(fd);                          /* packed key */
	xfer(fd, &base, sizeof(base), 0);
	/* The server progresses (and so brings the link up) from now on. */
	for (i = 0; i < 30000; i++) {          /* <= ~30 s */
		struct timespec ts = { 0, 1000000 };

		um_channels_poll(st);
		if (st[peer] == UM_PEER_UP)
			break;
		nanosleep(&ts, NULL);
	}
	if (st[peer] != UM_PEER_UP) {
		fprintf(stderr, "hostile_peer: link to host %d never came up\n", peer);
		return 1;
	}

	memset(msg, 0xa5, sizeof(msg));
	/* Active message ids beyond UCX's table of 64 handlers. */
	bad |= send_retry(peer, msg, 64, UM_IMM(UM_AM, 200, 0, 0));
	bad |= send_retry(peer, msg, 64, UM_IMM(UM_AM, 64, 0, 0));
	/* Puts: a guessed secret, a slot far away, a length that lies. */
	for (i = 0; i < 4; i++) {
		memset(ph, 0, sizeof(*ph));
		ph->idx = i == 1 ? 0xffffffu : 0;
		ph->secret = 0x1234567890abcdefULL + (uint64_t)i;
		ph->addr = base;
		ph->len = i == 2 ? 100000 : 256;
		bad |= send_retry(peer, msg, (uint32_t)sizeof(*ph) + 256,
				  UM_IMM(UM_PUT, 0, 0, 0));
	}
	bad |= send_retry(peer, msg, 8, UM_IMM(UM_PUT, 0, 0, 0)); /* short */
	/* Gets: wrong secret, too long, truncated request. */
	memset(&gr, 0, sizeof(gr));
	gr.addr = base;
	gr.len = 64;
	gr.secret = 42;
	bad |= send_retry(peer, &gr, sizeof(gr), UM_IMM(UM_GET_REQ, 0, 3, 7));
	gr.len = 0xffffffffu;
	bad |= send_retry(peer, &gr, sizeof(gr), UM_IMM(UM_GET_REQ, 0, 3, 7));
	bad |= send_retry(peer, &gr, 5, UM_IMM(UM_GET_REQ, 0, 3, 7));
	/* Replies to nothing, and kinds that do not exist. */
	memset(&resp, 0, sizeof(resp));
	resp.req = 5;
	bad |= send_retry(peer, &resp, sizeof(resp), UM_IMM(UM_GET_RESP, 0, 0, 0));
	bad |= send_retry(peer, NULL, 0, UM_IMM(UM_FLUSH_ACK, 0, 900, 12345));
	bad |= send_retry(peer, msg, 32, UM_IMM(0, 0, 0, 0));
	bad |= send_retry(peer, msg, 32, UM_IMM(250, 0, 0, 0));
	/* Acknowledgements of revocations never sent (ignored), and a burst
	 * of revocations (each answered, at most as many as the reply queue
	 * holds; the rest refused). */
	bad |= send_retry(peer, NULL, 0, UM_IMM(UM_REVOKE_ACK, 0, 0, 0xfffffff0u));
	bad |= send_retry(peer, msg, 32, UM_IMM(UM_REVOKE_ACK, 0, 0, 7));
	for (i = 0; i < 40; i++)
		bad |= send_retry(peer, NULL, 0, UM_IMM(UM_REVOKE, 0, 0, (uint32_t)i));
	if (bad) {
		fprintf(stderr, "hostile_peer: could not send everything\n");
		return 1;
	}
	/* Let the server's progress see all of it, answer its replies. */
	for (i = 0; i < 200; i++) {
		struct um_msg m[16];
		struct timespec ts = { 0, 1000000 };
		int n = um_recv(peer, m, 16);

		if (n > 0)
			um_recv_release(peer, (unsigned int)n);
		um_channels_poll(st);
		nanosleep(&ts, NULL);
	}
	xfer(fd, &ack, 1, 1);                   /* "done" */
	xfer(fd, &ack, 1, 0);                   /* the server's verdict */
	close(fd);
	um_channels_close();
	printf("hostile_peer: sent 58 hostile messages\n");
	return 0;
}
