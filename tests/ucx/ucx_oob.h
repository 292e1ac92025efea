/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef UCX_TEST_OOB_H
#define UCX_TEST_OOB_H

/* The localhost TCP socket the UCX test programs exchange addresses and
 * keys over (out of band). */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

#endif /* UCX_TEST_OOB_H */
