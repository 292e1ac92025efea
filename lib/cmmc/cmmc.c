/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


/*
 * CMMC control path: contexts, peers and their key tables, endpoints.
 * Memory and keys are in cmmc_mem.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_pause.h>

#include "rte_cmmc.h"
#include "cmmc_private.h"

RTE_LOG_REGISTER_DEFAULT(cmmc_logtype, NOTICE);

#define CTL_WRITE_TIMEOUT_MS 1000

/* ---- helpers ------------------------------------------------------------ */

/* Fill @buf from the kernel's random source; 0 or -EIO. */
static int
random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;
	int fd;

	while (got < len) {
		ssize_t r = getrandom(p + got, len - got, 0);

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	if (got == len)
		return 0;
	/* kernels without getrandom(): the device gives the same bytes */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -EIO;
	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			close(fd);
			return -EIO;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

uint64_t
cmmc_random_u64_nonzero(int *rc)
{
	uint64_t v = 0;

	do {
		*rc = random_bytes(&v, sizeof(v));
	} while (*rc == 0 && v == 0);
	return v;
}

struct cmmc_peer *
cmmc_peer_by_port(const struct rte_cmmc *c, int port)
{
	int i;

	for (i = 0; i < c->nb_peers; i++)
		if (c->peers[i]->port == port)
			return c->peers[i];
	return NULL;
}

/* ---- writes into the peer's memory through the control queue pair ------ */

static int
ctl_write(struct cmmc_peer *p, uint64_t off, const void *src, uint32_t len)
{
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_WRITE,
		.flags = RTE_MARLIN_HRDMA_F_SIGNALED | RTE_MARLIN_HRDMA_F_FENCE,
		.len = len,
		.local = (void *)(uintptr_t)src,
		.remote_off = off,
		.cookie = off,
	};
	struct rte_marlin_hrdma_cqe cqe;
	uint64_t deadline;
	int rc;

	rc = rte_marlin_hrdma_post(p->ctl_qp, &op, 1);
	if (rc < 0)
		return rc;
	deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * CTL_WRITE_TIMEOUT_MS / 1000;
	for (;;) {
		rc = rte_marlin_hrdma_poll_cq(p->ctl_qp, &cqe, 1);
		if (rc == 1)
			return cqe.status;
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_pause();
	}
}

/* Write entry @slot into the peer's copy: odd word, body, even word. */
int
cmmc_push_entry(struct cmmc_peer *p, unsigned int slot)
{
	const struct cmmc_wire_keyent *e = &p->own[slot];
	uint64_t off = sizeof(struct cmmc_wire_tab_hdr) +
		(uint64_t)slot * sizeof(*e);
	uint64_t busy = e->seq | 1;
	int rc;

	rc = ctl_write(p, off, &busy, sizeof(busy));
	if (rc == 0)
		rc = ctl_write(p, off + 8, (const uint8_t *)e + 8, sizeof(*e) - 8);
	if (rc == 0)
		rc = ctl_write(p, off, &e->seq, sizeof(e->seq));
	return rc;
}

/* Write our whole table for this peer: header cleared, entries, header. */
static int
push_table(struct cmmc_peer *p, uint32_t local_hrdma_epoch)
{
	static const uint64_t zero;
	int rc;

	p->own_hdr.magic = CMMC_TAB_MAGIC;
	p->own_hdr.inst_epoch = p->c->inst_epoch;
	p->own_hdr.hrdma_epoch = local_hrdma_epoch;
	p->own_hdr.owner = (uint16_t)p->c->port;
	p->own_hdr.importer = (uint16_t)p->port;
	p->own_hdr.nb_slots = CMMC_MAX_KEYS;
	rc = ctl_write(p, 0, &zero, sizeof(zero));
	if (rc == 0)
		rc = ctl_write(p, sizeof(p->own_hdr), p->own, sizeof(p->own));
	if (rc == 0)
		rc = ctl_write(p, 8, (const uint8_t *)&p->own_hdr + 8,
			       sizeof(p->own_hdr) - 8);
	if (rc == 0)
		rc = ctl_write(p, 0, &p->own_hdr.magic, sizeof(p->own_hdr.magic));
	return rc;
}

/*
 * Is the peer's table in our memory written for its current bring-up?
 * @inst_epoch 0: any instance.
 */
int
cmmc_mirror_current(const struct cmmc_peer *p, uint32_t peer_hrdma_epoch)
{
	const struct cmmc_wire_tab_hdr *h = p->mirror_hdr;
	uint64_t m1 = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE);
	uint32_t he = __atomic_load_n(&h->hrdma_epoch, __ATOMIC_RELAXED);
	uint16_t owner = __atomic_load_n(&h->owner, __ATOMIC_RELAXED);
	uint16_t importer = __atomic_load_n(&h->importer, __ATOMIC_RELAXED);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return m1 == CMMC_TAB_MAGIC &&
		__atomic_load_n(&h->magic, __ATOMIC_RELAXED) == m1 &&
		peer_hrdma_epoch != 0 && he == peer_hrdma_epoch &&
		owner == p->port && importer == p->c->port;
}

/* What no honest owner of this release writes into the peer's table
 * header (cmmc_tab_hdr_problem() on a private copy), or NULL. */
static const char *
mirror_problem(const struct cmmc_peer *p)
{
	struct cmmc_wire_tab_hdr h;

	memcpy(&h, (const void *)p->mirror_hdr, sizeof(h));
	return cmmc_tab_hdr_problem(&h, (uint16_t)p->port, (uint16_t)p->c->port);
}

/* ---- configuration ------------------------------------------------------ */

void
rte_cmmc_conf_default(struct rte_cmmc_conf *conf)
{
	if (conf == NULL)
		return;
	memset(conf, 0, sizeof(*conf));
	conf->nb_ep = 1;
	conf->dma_dev_id = -1;
	conf->nt_threshold = RTE_CMMC_NT_THRESHOLD_DEFAULT;
}

static int
conf_fill(struct rte_cmmc_conf *c, const struct rte_cmmc_conf *in)
{
	unsigned int i;

	if (in == NULL)
		rte_cmmc_conf_default(c);
	else
		*c = *in;
	for (i = 0; i < RTE_DIM(c->reserved); i++) {
		if (c->reserved[i] != 0) {
			CMMC_LOG(ERR, "conf.reserved[%u] is not zero", i);
			return -EINVAL;
		}
	}
	if (c->nb_ep == 0)
		c->nb_ep = 1;
	if (c->nb_ep > RTE_CMMC_MAX_EP) {
		CMMC_LOG(ERR, "nb_ep %u: at most %d endpoints per peer", c->nb_ep,
			RTE_CMMC_MAX_EP);
		return -EINVAL;
	}
	return 0;
}

/* ---- context ------------------------------------------------------------ */

static void
peer_free(struct cmmc_peer *p)
{
	unsigned int i;

	if (p == NULL)
		return;
	for (i = 0; i < RTE_CMMC_MAX_EP; i++) {
		if (p->ep[i] != NULL) {
			rte_marlin_hrdma_qp_notify_check(p->ep[i]->qp, NULL, NULL);
			rte_free(p->ep[i]);
		}
	}
	for (i = 0; i < p->own_hw; i++)
		cmmc_export_unexpose(p, i);
	if (p->keytab_exposed)
		rte_marlin_hrdma_region_unexpose(p->ch, 0, CMMC_KEYTAB_PAGES);
	rte_marlin_hrdma_channel_destroy(p->ch);
	rte_free(p);
}

static int
peer_open(struct rte_cmmc *c, int pidx, const struct rte_marlin_hrdma_conf *hc,
		struct cmmc_peer **out)
{
	struct cmmc_peer *p;
	void *region;
	size_t len = 0;
	int port, rc;

	port = rte_marlin_ntb_peer_port_number(c->ntb_id, pidx);
	if (port < 0)
		return port;
	p = rte_zmalloc("cmmc_peer", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL)
		return -ENOMEM;
	p->c = c;
	p->pidx = pidx;
	p->port = port;
	p->ch = rte_marlin_hrdma_channel_create(c->ntb_id, pidx, hc);
	if (p->ch == NULL) {
		rc = -rte_errno;
		CMMC_LOG(ERR, "peer %d: cannot create its HRDMA channel: %s", port,
			strerror(rte_errno));
		rte_free(p);
		return rc;
	}
	region = rte_marlin_hrdma_local_region(p->ch, &len);
	if (region == NULL || len < CMMC_KEYTAB_LEN + 4096) {
		CMMC_LOG(ERR, "peer %d: HRDMA leaves it %zu bytes of this host's window; CMMC needs at least %u (key table + one page): use a larger window (mw_size), fewer hosts or smaller rings",
			port, len, CMMC_KEYTAB_LEN + 4096);
		rte_marlin_hrdma_channel_destroy(p->ch);
		rte_free(p);
		return -ENOSPC;
	}
	p->region = region;
	p->region_len = len;
	p->mirror_hdr = (const struct cmmc_wire_tab_hdr *)p->region;
	p->mirror = (const struct cmmc_wire_keyent *)(p->region +
		sizeof(struct cmmc_wire_tab_hdr));
	/* nothing of an earlier instance of either side counts */
	memset(p->region, 0, CMMC_KEYTAB_LEN);
	/* Ranges mode: the peer writes its key table here, and reaches
	 * nothing else of the region but the pages of exports. */
	rc = rte_marlin_hrdma_region_expose(p->ch, 0, CMMC_KEYTAB_PAGES,
		RTE_MARLIN_NTB_MW_READ | RTE_MARLIN_NTB_MW_WRITE);
	if (rc != 0 && rc != -ENOTSUP) {
		CMMC_LOG(ERR, "peer %d: cannot expose its key table: %s", port,
			strerror(-rc));
		rte_marlin_hrdma_channel_destroy(p->ch);
		rte_free(p);
		return rc;
	}
	p->keytab_exposed = rc == 0;
	/* the last queue pair: endpoints take the engine's first queues */
	p->ctl_qp = rte_marlin_hrdma_qp_get(p->ch, c->conf.nb_ep);
	p->ext[0].off = CMMC_KEYTAB_LEN;
	p->ext[0].len = len - CMMC_KEYTAB_LEN;
	p->nb_ext = 1;
	p->state = RTE_CMMC_PEER_DOWN;
	*out = p;
	return 0;
}

struct rte_cmmc *
rte_cmmc_open(uint16_t ntb_id, const struct rte_cmmc_conf *conf)
{
	struct rte_marlin_hrdma_conf hc;
	struct rte_marlin_ntb_info info;
	struct rte_cmmc *c;
	int pidx, rc;

	rc = rte_marlin_ntb_info_get(ntb_id, &info);
	if (rc != 0) {
		rte_errno = -rc;
		return NULL;
	}
	c = rte_zmalloc("cmmc", sizeof(*c), RTE_CACHE_LINE_SIZE);
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_recursive_init(&c->lock);
	c->ntb_id = ntb_id;
	c->port = info.port;
	rc = conf_fill(&c->conf, conf);
	if (rc != 0)
		goto fail;
	c->inst_epoch = cmmc_random_u64_nonzero(&rc);
	if (rc != 0) {
		CMMC_LOG(ERR, "no random source (getrandom, /dev/urandom)");
		goto fail;
	}

	memset(&hc, 0, sizeof(hc));
	hc.nb_qp = (uint16_t)(c->conf.nb_ep + 1);
	hc.depth = c->conf.depth;
	hc.msg_size = c->conf.msg_size;
	hc.widx = c->conf.widx;
	hc.dma_dev_id = c->conf.dma_dev_id;
	hc.cpu_threshold = c->conf.cpu_threshold;
	hc.nt_threshold = c->conf.nt_threshold;

	rc = rte_marlin_ntb_link_enable(ntb_id, RTE_MARLIN_NTB_SPEED_AUTO,
					RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc != 0 && rc != -EALREADY) {
		CMMC_LOG(ERR, "%s: cannot enable the link: %s", info.name,
			strerror(-rc));
		goto fail;
	}
	for (pidx = 0; pidx < info.peer_count &&
			pidx < RTE_MARLIN_NTB_MAX_PEERS; pidx++) {
		int port = rte_marlin_ntb_peer_port_number(ntb_id, pidx);
		struct cmmc_peer *p = NULL;

		if (c->conf.peer_mask != 0 &&
				(port < 0 || port >= 64 ||
				 !(c->conf.peer_mask & (UINT64_C(1) << port))))
			continue;
		rc = peer_open(c, pidx, &hc, &p);
		if (rc != 0)
			goto fail;
		c->peers[c->nb_peers++] = p;
	}
	if (c->nb_peers == 0) {
		CMMC_LOG(ERR, "%s: no peer selected (peer_mask 0x%" PRIx64 ")",
			info.name, c->conf.peer_mask);
		rc = -EINVAL;
		goto fail;
	}
	CMMC_LOG(INFO, "%s: port %d, %d peers, %u endpoints each, instance %016" PRIx64,
		info.name, c->port, c->nb_peers, c->conf.nb_ep, c->inst_epoch);
	rte_cmmc_poll(c);
	return c;

fail:
	while (c->nb_peers > 0)
		peer_free(c->peers[--c->nb_peers]);
	rte_free(c);
	rte_errno = -rc;
	return NULL;
}

int
rte_cmmc_close(struct rte_cmmc *c)
{
	struct rte_cmmc_mem *m, *mn;
	struct rte_cmmc_rkey *rk, *rn;
	int i;

	if (c == NULL)
		return 0;
	rte_spinlock_recursive_lock(&c->lock);
	for (i = 0; i < c->nb_peers; i++)
		peer_free(c->peers[i]);
	for (m = c->mems; m != NULL; m = mn) {
		mn = m->next;
		rte_free(m);
	}
	for (rk = c->rkeys; rk != NULL; rk = rn) {
		rn = rk->next;
		rte_free(rk);
	}
	rte_spinlock_recursive_unlock(&c->lock);
	rte_free(c);
	return 0;
}

static void
peer_poll(struct cmmc_peer *p)
{
	struct rte_marlin_hrdma_info info;
	int st = rte_marlin_hrdma_channel_poll(p->ch);
	const char *problem;

	if (st != RTE_MARLIN_HRDMA_STATE_UP ||
			rte_marlin_hrdma_channel_info(p->ch, &info) != 0) {
		__atomic_store_n(&p->peer_hrdma_epoch, 0, __ATOMIC_RELEASE);
		p->pushed = 0;
		p->mirror_seen = 0;
		p->state = st == RTE_MARLIN_HRDMA_STATE_ERROR ? RTE_CMMC_PEER_ERROR :
			st == RTE_MARLIN_HRDMA_STATE_NEGOTIATING ?
			RTE_CMMC_PEER_CONNECTING : RTE_CMMC_PEER_DOWN;
		return;
	}
	if (!p->pushed || info.link_ups != p->pushed_link_ups) {
		if (info.remote_region_len < CMMC_KEYTAB_LEN + 4096) {
			if (p->state != RTE_CMMC_PEER_ERROR)
				CMMC_LOG(ERR, "peer %d exports only %zu bytes to this host; CMMC needs %u",
					p->port, info.remote_region_len,
					CMMC_KEYTAB_LEN + 4096);
			p->state = RTE_CMMC_PEER_ERROR;
			return;
		}
		/* Ranges mode: our table goes into pages of the peer that
		 * reach this host through the rack manager: not before. */
		if (rte_marlin_hrdma_remote_region_ready(p->ch, 0,
				CMMC_KEYTAB_PAGES, RTE_MARLIN_NTB_MW_READ |
				RTE_MARLIN_NTB_MW_WRITE) != 1) {
			p->state = RTE_CMMC_PEER_CONNECTING;
			return;           /* again at the next poll */
		}
		p->remote_region_len = info.remote_region_len;
		__atomic_store_n(&p->peer_hrdma_epoch, info.peer_epoch,
				 __ATOMIC_RELEASE);
		if (push_table(p, info.local_epoch) != 0) {
			p->state = RTE_CMMC_PEER_CONNECTING;
			return;           /* again at the next poll */
		}
		p->pushed = 1;
		p->pushed_link_ups = info.link_ups;
		p->pushed_at = rte_get_timer_cycles();
		p->mirror_seen = 0;
		CMMC_LOG(INFO, "peer %d: connected, key table sent (%u live slots)",
			p->port, p->own_hw);
	}
	if (cmmc_mirror_current(p, info.peer_epoch)) {
		p->mirror_seen = 1;
		p->state = RTE_CMMC_PEER_READY;
		return;
	}
	p->state = RTE_CMMC_PEER_CONNECTING;
	/*
	 * The peer writes its table header once per bring-up: a header that
	 * was current and no longer is, or one that never arrives, was
	 * overwritten. Reset the channel as HRDMA does for garbage in its
	 * rings (both ends go down and negotiate again, and the tables are
	 * sent anew); HRDMA rate-limits the log line.
	 */
	problem = mirror_problem(p);
	if (p->mirror_seen)
		rte_marlin_hrdma_channel_fault(p->ch,
			"the peer's key table in this host's memory was overwritten");
	else if (problem != NULL && rte_get_timer_cycles() - p->pushed_at >
			rte_get_timer_hz() * CMMC_TABLE_GARBAGE_MS / 1000)
		rte_marlin_hrdma_channel_fault(p->ch, problem);
	else if (rte_get_timer_cycles() - p->pushed_at >
			rte_get_timer_hz() * CMMC_TABLE_WAIT_MS / 1000)
		rte_marlin_hrdma_channel_fault(p->ch,
			"the peer's key table did not arrive (garbage, or the peer does not run CMMC on this channel)");
}

int
rte_cmmc_poll(struct rte_cmmc *c)
{
	int i, ready = 0;

	if (c == NULL)
		return -EINVAL;
	rte_spinlock_recursive_lock(&c->lock);
	for (i = 0; i < c->nb_peers; i++) {
		peer_poll(c->peers[i]);
		ready += c->peers[i]->state == RTE_CMMC_PEER_READY;
	}
	rte_spinlock_recursive_unlock(&c->lock);
	return ready;
}

int
rte_cmmc_peer_state(struct rte_cmmc *c, int port)
{
	struct cmmc_peer *p;
	int st;

	if (c == NULL)
		return -EINVAL;
	rte_spinlock_recursive_lock(&c->lock);
	p = cmmc_peer_by_port(c, port);
	st = p == NULL ? -ENOENT : p->state;
	rte_spinlock_recursive_unlock(&c->lock);
	return st;
}

int
rte_cmmc_peer_wait(struct rte_cmmc *c, int port, unsigned int timeout_ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000 };
	uint64_t deadline;
	int st;

	if (c == NULL)
		return -EINVAL;
	deadline = rte_get_timer_cycles() +
		(uint64_t)timeout_ms * rte_get_timer_hz() / 1000;
	for (;;) {
		rte_cmmc_poll(c);
		st = rte_cmmc_peer_state(c, port);
		if (st < 0)
			return st;
		if (st == RTE_CMMC_PEER_READY)
			return 0;
		if (rte_get_timer_cycles() >= deadline)
			return st == RTE_CMMC_PEER_ERROR ? -EPROTO : -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

int
rte_cmmc_port(struct rte_cmmc *c)
{
	return c == NULL ? -EINVAL : c->port;
}

/* ---- endpoints ---------------------------------------------------------- */

struct rte_cmmc_ep *
rte_cmmc_ep_create(struct rte_cmmc *c, int port, uint16_t index)
{
	struct rte_cmmc_ep *ep;
	struct rte_marlin_hrdma_info info;
	struct cmmc_peer *p;

	if (c == NULL || index >= c->conf.nb_ep) {
		rte_errno = EINVAL;
		return NULL;
	}
	rte_spinlock_recursive_lock(&c->lock);
	p = cmmc_peer_by_port(c, port);
	if (p == NULL) {
		rte_spinlock_recursive_unlock(&c->lock);
		rte_errno = ENOENT;
		return NULL;
	}
	if (p->ep[index] != NULL) {
		rte_spinlock_recursive_unlock(&c->lock);
		rte_errno = EEXIST;
		return NULL;
	}
	ep = rte_zmalloc("cmmc_ep", sizeof(*ep), RTE_CACHE_LINE_SIZE);
	if (ep == NULL) {
		rte_spinlock_recursive_unlock(&c->lock);
		rte_errno = ENOMEM;
		return NULL;
	}
	ep->c = c;
	ep->peer = p;
	ep->index = index;
	ep->qp = rte_marlin_hrdma_qp_get(p->ch, index);
	rte_marlin_hrdma_channel_info(p->ch, &info);
	/* credits go back in batches: a quarter of the ring */
	ep->release_at = (uint16_t)RTE_MAX(info.depth / 4, 1);
	ep->msg_size = info.msg_size;
	ep->own_hint = 0;
	ep->chk_seqp = &cmmc_seq_none;   /* nothing kept */
	ep->chk_seq = 0;
	rte_marlin_hrdma_qp_notify_check(ep->qp, cmmc_notify_check, ep);
	p->ep[index] = ep;
	rte_spinlock_recursive_unlock(&c->lock);
	return ep;
}

int
rte_cmmc_ep_destroy(struct rte_cmmc_ep *ep)
{
	struct rte_cmmc *c;

	if (ep == NULL)
		return 0;
	c = ep->c;
	rte_spinlock_recursive_lock(&c->lock);
	if (ep->held != 0)
		rte_marlin_hrdma_recv_release(ep->qp, ep->held);
	rte_marlin_hrdma_qp_notify_check(ep->qp, NULL, NULL);
	ep->peer->ep[ep->index] = NULL;
	rte_spinlock_recursive_unlock(&c->lock);
	rte_free(ep);
	return 0;
}
