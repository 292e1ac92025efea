/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * libFuzzer target for the rack manager's parser: what any local user can
 * write into the manager's socket (and what the manager sends a host). The
 * first input byte is the number of descriptors that "came" with the
 * record, the rest is the record. A record the parser accepts must be
 * exactly what rack_msg_build() makes of the parsed fields, and its fields
 * must be in the ranges the manager indexes its tables with.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rack_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t again[RACK_WIRE_MAX_RECORD];

static void
check_ranges(const struct rack_msg *m)
{
	switch (m->type) {
	case RACK_MSG_HELLO:
		if (m->u.hello.host_id >= RACK_WIRE_MAX_HOSTS ||
				m->u.hello.mw_count - 1 >= RACK_WIRE_MAX_WINDOWS)
			abort();
		break;
	case RACK_MSG_ADMIN:
		if (m->u.admin.op == RACK_OP_GRANT || m->u.admin.op == RACK_OP_REVOKE ||
				m->u.admin.op == RACK_OP_CUT ||
				m->u.admin.op == RACK_OP_RESTORE) {
			if (m->u.admin.owner >= RACK_WIRE_MAX_HOSTS ||
					m->u.admin.peer >= RACK_WIRE_MAX_HOSTS ||
					m->u.admin.owner == m->u.admin.peer)
				abort();
			if (m->u.admin.window >= RACK_WIRE_MAX_WINDOWS &&
					m->u.admin.window != RACK_WIRE_ALL_WINDOWS)
				abort();
		}
		if (m->u.admin.wait_ms > RACK_WIRE_REVOKE_WAIT_MAX_MS ||
				(m->u.admin.wait_ms != 0 &&
				 m->u.admin.op != RACK_OP_REVOKE))
			abort();
		if (m->u.admin.op == 0 || m->u.admin.op >= RACK_OP_MAX)
			abort();
		break;
	case RACK_MSG_OFFER:
		if (m->u.offer.peer >= RACK_WIRE_MAX_HOSTS ||
				m->u.offer.window > RACK_WIRE_REGS_WINDOW ||
				(m->u.offer.window == RACK_WIRE_BANK_WINDOW &&
				 m->u.offer.size != RACK_WIRE_BANK_SIZE) ||
				(m->u.offer.window == RACK_WIRE_REGS_WINDOW &&
				 m->u.offer.size != RACK_WIRE_REGS_SIZE) ||
				m->nfds != 1)
			abort();
		break;
	case RACK_MSG_GRANT:
		if (m->u.grant.owner >= RACK_WIRE_MAX_HOSTS ||
				m->u.grant.peer >= RACK_WIRE_MAX_HOSTS ||
				m->u.grant.window > RACK_WIRE_REGS_WINDOW ||
				(m->u.grant.window == RACK_WIRE_BANK_WINDOW &&
				 (m->u.grant.access == RACK_ACCESS_RO ||
				  m->u.grant.rack_addr != 0)) ||
				(m->u.grant.window == RACK_WIRE_REGS_WINDOW &&
				 (m->u.grant.access == RACK_ACCESS_RW ||
				  m->u.grant.rack_addr != 0)) ||
				m->u.grant.nfds != m->nfds)
			abort();
		break;
	case RACK_MSG_WELCOME:
		if (m->nfds != ((m->u.welcome.flags & RACK_WELCOME_F_LINKS) ?
				1u : 0u))
			abort();
		break;
	case RACK_MSG_REPLY:
		if (memchr(m->text, 0, m->u.reply.text_len) != NULL)
			abort();
		break;
	case RACK_MSG_RANGE_OFFER:
	case RACK_MSG_RANGE_WITHDRAW:
	case RACK_MSG_RANGE:
		if (m->u.range.owner >= RACK_WIRE_MAX_HOSTS ||
				m->u.range.peer >= RACK_WIRE_MAX_HOSTS ||
				m->u.range.window >= RACK_WIRE_MAX_WINDOWS ||
				m->u.range.length == 0 ||
				m->u.range.offset % RACK_WIRE_PAGE != 0 ||
				m->u.range.length % RACK_WIRE_PAGE != 0 ||
				m->u.range.offset + m->u.range.length >
					(UINT64_C(1) << RACK_WIRE_WINDOW_SHIFT) ||
				m->nfds > 1)
			abort();
		break;
	case RACK_MSG_MOVED:
		if (m->u.moved.peer >= RACK_WIRE_MAX_HOSTS ||
				m->u.moved.window > RACK_WIRE_BANK_WINDOW ||
				m->u.moved.ticket == 0 || m->u.moved.status > 0 ||
				m->nfds != 0)
			abort();
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rack_msg m;
	const char *why = NULL;
	uint8_t *rec;
	int len;

	if (size < 1)
		return 0;
	/* A private, exactly sized copy: ASan sees any read past the end. */
	rec = malloc(size - 1 ? size - 1 : 1);
	if (rec == NULL)
		return 0;
	memcpy(rec, data + 1, size - 1);
	if (rack_msg_parse(rec, size - 1, data[0] % 4, &m, &why) != 0) {
		if (why == NULL)
			abort(); /* every refusal says why */
		free(rec);
		return 0;
	}
	if (m.type == 0 || m.type >= RACK_MSG_TYPE_MAX)
		abort();
	check_ranges(&m);
	len = rack_msg_build(again, sizeof(again), m.type, m.seq, &m.u,
		rack_msg_body_size(m.type), m.text, m.type == RACK_MSG_REPLY ?
		m.u.reply.text_len : 0);
	if (len < 0 || (size_t)len != size - 1 || memcmp(again, rec, size - 1) != 0)
		abort(); /* accepted bytes are exactly the fields parsed */
	free(rec);
	return 0;
}
