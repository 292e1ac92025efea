/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The rack manager's queries (status, hosts, links, map, grants): what it
 * knows, rendered as a table or as JSON. They change nothing, so anyone
 * who can connect may ask.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fabric.h"

static void
render_hosts(const struct mgr_state *s, struct sbuf *b, int json)
{
	uint32_t h;
	int n = 0;

	if (json)
		sb_printf(b, "\"hosts\":[");
	else
		sb_printf(b, "%-4s  %-12s  %-6s  %-8s  %-7s  %-14s  %s\n", "host",
			"state", "uid", "pid", "windows", "window size",
			"rack address");
	for (h = 0; h < MGR_MAX_HOSTS; h++) {
		const struct mgr_host *x = &s->host[h];

		if (!x->known)
			continue;
		if (json)
			sb_printf(b, "%s{\"id\":%u,\"connected\":%s,\"uid\":%u,\"pid\":%d,\"windows\":%u,\"window_size\":%" PRIu64 ",\"rack_base\":%" PRIu64 "}",
				n ? "," : "", h, x->client >= 0 ? "true" : "false",
				(unsigned int)x->uid, (int)x->pid, x->mw_count,
				x->mw_size, rack_addr_of(h, 0));
		else
			sb_printf(b, "%-4u  %-12s  %-6u  %-8d  %-7u  %-14" PRIu64 "  0x%012" PRIx64 "\n",
				h, x->client >= 0 ? "connected" : "disconnected",
				(unsigned int)x->uid, (int)x->pid, x->mw_count,
				x->mw_size, rack_addr_of(h, 0));
		n++;
	}
	if (json)
		sb_printf(b, "]");
	else if (n == 0)
		sb_printf(b, "no host has registered\n");
}

static void
render_links(const struct mgr_state *s, struct sbuf *b, int json)
{
	uint32_t a, c;
	int n = 0;

	sb_printf(b, json ? "\"links\":[" : "%-5s  %-5s  %s\n", "a", "b", "state");
	for (a = 0; a < MGR_MAX_HOSTS; a++)
		for (c = a + 1; c < MGR_MAX_HOSTS; c++) {
			int cut = s->cut[a] >> c & 1;
			const char *st = cut ? "cut" :
				state_link_up(s, a, c) ? "up" : "down";

			if (!cut && !(s->host[a].known && s->host[c].known))
				continue;
			if (json)
				sb_printf(b, "%s{\"a\":%u,\"b\":%u,\"state\":\"%s\"}",
					n ? "," : "", a, c, st);
			else
				sb_printf(b, "%-5u  %-5u  %s\n", a, c, st);
			n++;
		}
	if (json)
		sb_printf(b, "]");
}

static void
render_grants(const struct mgr_state *s, struct sbuf *b, int json)
{
	uint32_t o, p, w;
	int n = 0;

	sb_printf(b, json ? "\"grants\":[" : "%-5s  %-5s  %-6s  %-6s  %-14s  %s\n",
		"owner", "peer", "window", "access", "rack address", "memory object");
	for (o = 0; o < MGR_MAX_HOSTS; o++)
		for (p = 0; p < MGR_MAX_HOSTS; p++) {
			if (p == o || !state_pair_shown(s, o, p))
				continue;
			for (w = 0; w < state_windows_of(s, o); w++) {
				uint8_t a = s->grant[o][p][w];
				int obj = s->memfd[o][p][w] >= 0;

				if (a == RACK_ACCESS_NONE)
					continue;
				if (json)
					sb_printf(b, "%s{\"owner\":%u,\"peer\":%u,\"window\":%u,\"access\":\"%s\",\"rack_addr\":%" PRIu64 ",\"object\":%s,\"ranges\":%s}",
						n ? "," : "", o, p, w,
						rack_access_name(a),
						rack_addr_of(o, w),
						obj ? "true" : "false",
						s->host[o].ranges ? "true" : "false");
				else
					sb_printf(b, "%-5u  %-5u  %-6u  %-6s  0x%012" PRIx64 "  %s\n",
						o, p, w, rack_access_name(a),
						rack_addr_of(o, w),
						s->host[o].ranges ? "ranges" :
						obj ? "offered" : "-");
				n++;
			}
		}
	if (json)
		sb_printf(b, "]");
	else if (n == 0)
		sb_printf(b, "no grants between known hosts\n");
}

static void
render_map(const struct mgr_state *s, struct sbuf *b, int json)
{
	uint32_t h, w;
	int n = 0;

	if (json)
		sb_printf(b, "\"address_bits\":48,\"host_shift\":%u,\"window_shift\":%u,\"hosts\":[",
			RACK_WIRE_HOST_SHIFT, RACK_WIRE_WINDOW_SHIFT);
	else
		sb_printf(b, "rack address = host << %u | window << %u | offset (48 bits)\n"
			"%-4s  %-6s  %-16s  %-16s  %s\n",
			RACK_WIRE_HOST_SHIFT, RACK_WIRE_WINDOW_SHIFT, "host",
			"window", "start", "end", "bytes");
	for (h = 0; h < MGR_MAX_HOSTS; h++) {
		const struct mgr_host *x = &s->host[h];

		if (!x->known)
			continue;
		if (json)
			sb_printf(b, "%s{\"id\":%u,\"base\":%" PRIu64 ",\"windows\":[",
				n ? "," : "", h, rack_addr_of(h, 0));
		for (w = 0; w < x->mw_count; w++) {
			uint64_t a = rack_addr_of(h, w);

			if (json)
				sb_printf(b, "%s{\"window\":%u,\"start\":%" PRIu64 ",\"size\":%" PRIu64 "}",
					w ? "," : "", w, a, x->mw_size);
			else
				sb_printf(b, "%-4u  %-6u  0x%012" PRIx64 "    0x%012" PRIx64 "    %" PRIu64 "\n",
					h, w, a, a + x->mw_size - 1, x->mw_size);
		}
		if (json)
			sb_printf(b, "]}");
		n++;
	}
	if (json)
		sb_printf(b, "]");
	else if (n == 0)
		sb_printf(b, "no host has registered: the map is empty\n");
}

static void
render_status(const struct mgr_ctx *m, struct sbuf *b, int json)
{
	const struct mgr_state *s = &m->st;
	int known = 0, conn = 0, cuts = 0;
	struct timespec ts;
	int64_t up;
	uint32_t a, c;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	up = ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - m->started_ms) / 1000;
	for (a = 0; a < MGR_MAX_HOSTS; a++) {
		known += s->host[a].known;
		conn += s->host[a].client >= 0;
		for (c = a + 1; c < MGR_MAX_HOSTS; c++)
			cuts += (int)(s->cut[a] >> c & 1);
	}
	if (json) {
		sb_printf(b, "\"manager\":{\"pid\":%d,\"socket\":", (int)getpid());
		sb_json_str(b, m->socket_path);
		sb_printf(b, ",\"state_file\":");
		sb_json_str(b, s->state_path);
		sb_printf(b, ",\"fabric\":");
		if (m->fabric_path != NULL)
			sb_json_str(b, m->fabric_path);
		else
			sb_printf(b, "null");
		sb_printf(b, ",\"uptime_s\":%" PRId64 ",\"epoch\":%" PRIu64 ",\"clients\":%d},\"hosts_known\":%d,\"hosts_connected\":%d,\"cuts\":%d,",
			up, s->epoch, m->nclients, known, conn, cuts);
		render_hosts(s, b, 1);
		return;
	}
	sb_printf(b, "manager pid %d, up %" PRId64 " s, socket %s\nstate %s\n",
		(int)getpid(), up, m->socket_path, s->state_path);
	if (m->fabric_path != NULL)
		sb_printf(b, "ntb_shm fabric %s\n", m->fabric_path);
	sb_printf(b, "%d host%s known, %d connected, %d link%s cut, %d client%s\n\n",
		known, known == 1 ? "" : "s", conn, cuts, cuts == 1 ? "" : "s",
		m->nclients, m->nclients == 1 ? "" : "s");
	render_hosts(s, b, 0);
}

void
proto_handle_query(struct mgr_ctx *m, struct client *c, const struct rack_msg *r)
{
	int json = (r->u.admin.flags & RACK_ADMIN_F_JSON) != 0;
	struct sbuf b = { 0 };

	if (json)
		sb_printf(&b, "{");
	switch (r->u.admin.op) {
	case RACK_OP_STATUS:
		render_status(m, &b, json);
		break;
	case RACK_OP_HOSTS:
		render_hosts(&m->st, &b, json);
		break;
	case RACK_OP_LINKS:
		render_links(&m->st, &b, json);
		break;
	case RACK_OP_MAP:
		render_map(&m->st, &b, json);
		break;
	default:
		render_grants(&m->st, &b, json);
		break;
	}
	if (json)
		sb_printf(&b, "}\n");
	if (b.oom)
		client_reply(c, r->seq, -ENOMEM, "out of memory",
			     sizeof("out of memory") - 1);
	else
		client_reply(c, r->seq, 0, b.p, b.len);
	sb_free(&b);
}
