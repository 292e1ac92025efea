/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef MARLIN_FDPASS_H
#define MARLIN_FDPASS_H

/*
 * One message with at most one file descriptor over a Unix socket
 * (SCM_RIGHTS): the rack protocol (rack_proto.c) and marlin-ivshmem-server
 * both pass memory and eventfds this way. Internal, never installed; built
 * into librte_marlin (symbols local) and by the programs that build
 * rack_proto.c themselves.
 *
 * Both calls are non-blocking (MSG_DONTWAIT), retry EINTR, never raise
 * SIGPIPE. The peer is untrusted: a receive keeps the first descriptor,
 * closes any other, counts them all and refuses a truncated message.
 */

#include <stddef.h>
#include <sys/types.h>

/**
 * Send @len bytes of @buf on @sock, with descriptor @fd attached when
 * @fd >= 0.
 *
 * @return the bytes sent (a short count is the caller's to judge);
 *   -EAGAIN when the socket is full; another negative errno of sendmsg().
 */
ssize_t marlin_fdpass_send(int sock, const void *buf, size_t len, int fd);

/**
 * Receive one message of at most @cap bytes on @sock.
 *
 * @param fd
 *   Set to the first descriptor received (close-on-exec), -1 for none.
 * @param nfds
 *   Set to how many descriptors came (more than 1, or a control part the
 *   kernel cut, means the sender broke the one-descriptor rule).
 * @return the bytes received (0: the peer closed); -EAGAIN when nothing
 *   is waiting; -EMSGSIZE when the message was longer than @cap (no
 *   descriptor is kept then); another negative errno of recvmsg().
 */
ssize_t marlin_fdpass_recv(int sock, void *buf, size_t cap, int *fd,
		unsigned int *nfds);

#endif /* MARLIN_FDPASS_H */
