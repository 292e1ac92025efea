/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RACK_PROTO_H
#define RACK_PROTO_H

/*
 * The rack manager protocol (rack_wire.h): checking received records and
 * building records, plus the socket calls that move them with their
 * descriptors. Used by the manager (marlin-fabric) and by the host side in
 * librte_marlin (rack_client.c); internal, never installed.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rack_wire.h"

/** One received record, checked, on a private copy. */
struct rack_msg {
	uint16_t type;     /**< enum rack_wire_type */
	uint32_t seq;
	unsigned int nfds; /**< descriptors that came with it */
	union {
		struct rack_wire_hello hello;
		struct rack_wire_welcome welcome;
		struct rack_wire_admin admin;
		struct rack_wire_reply reply;
		struct rack_wire_grant grant;
		struct rack_wire_offer offer;
		struct rack_wire_link link;
		struct rack_wire_moved moved;
		struct rack_wire_range range;
	} u;
	/** REPLY: its text, inside the caller's record buffer (no NUL). */
	const char *text;
};

/**
 * Check one record and copy its fields out.
 *
 * @param rec  The record as received (header + body).
 * @param len  Its length.
 * @param nfds Descriptors received with it.
 * @param m    Filled on success.
 * @param why  On failure: what was wrong (static text).
 * @return 0; -EBADMSG (malformed), -EPROTONOSUPPORT (other version).
 */
int rack_msg_parse(const void *rec, size_t len, unsigned int nfds,
		struct rack_msg *m, const char **why);

/**
 * Build one record.
 *
 * @param buf   Output buffer.
 * @param cap   Its size.
 * @param type  enum rack_wire_type.
 * @param seq   Sequence number.
 * @param body  Fixed part of the body.
 * @param blen  Its size.
 * @param text  REPLY text or NULL.
 * @param tlen  Its length.
 * @return record length; -EMSGSIZE if it does not fit.
 */
int rack_msg_build(void *buf, size_t cap, uint16_t type, uint32_t seq,
		const void *body, size_t blen, const char *text, size_t tlen);

/**
 * Send one record, with @p fd attached unless it is negative.
 * @return 0; -EAGAIN (socket full, nothing sent), -errno.
 */
int rack_sock_send(int sock, const void *rec, size_t len, int fd);

/**
 * Receive one record and the descriptors that came with it. At most
 * RACK_WIRE_MAX_FDS are kept (the first in @p fd, else -1); any others are
 * closed at once but counted in @p nfds, so that the parser refuses.
 *
 * @return record length; 0 at end of stream; -EAGAIN; -EMSGSIZE (record
 *         longer than @p cap, dropped); -errno.
 */
ssize_t rack_sock_recv(int sock, void *buf, size_t cap, int *fd,
		unsigned int *nfds);

/** Fixed body size of a record type (REPLY: without its text); 0 if
 *  the type is unknown. */
size_t rack_msg_body_size(uint16_t type);

/** Name of an access mode ("ro", "rw", "none"). */
const char *rack_access_name(uint32_t access);

#endif /* RACK_PROTO_H */
