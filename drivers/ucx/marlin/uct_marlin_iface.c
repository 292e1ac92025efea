/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Interface and endpoints of the Marlin UCX transport.
 *
 * An endpoint talks to one peer host over the HRDMA channel to it (one
 * queue pair, shared by all endpoints to that peer). Everything is a SEND
 * into the peer's receive ring (uct_marlin_wire.h): active messages, puts
 * (applied by the owner's progress after checking the key), get requests
 * and their responses, flush requests and acknowledgements. Messages of a
 * queue pair arrive in order, so a fence is free and a flush is answered
 * once every earlier put is in place.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <ucs/sys/string.h>
#include <ucs/time/time.h>
#include <ucs/type/class.h>
#include <uct/base/uct_iov.inl>

#include "uct_marlin.h"

/* How soon the event fd fires when work waits for room at a peer. */
#define UM_REARM_NS 20000

static uct_iface_ops_t uct_marlin_iface_ops;

static ucs_config_field_t uct_marlin_iface_config_table[] = {
	{"", "", NULL, ucs_offsetof(uct_marlin_iface_config_t, super),
	 UCS_CONFIG_TYPE_TABLE(uct_iface_config_table)},
	{"SEG_SIZE", "8k",
	 "Size of one message slot of the HRDMA rings (a power of two, 64..64k;\n"
	 "the same on every host): the largest active message, put or get piece.",
	 ucs_offsetof(uct_marlin_iface_config_t, seg_size),
	 UCS_CONFIG_TYPE_MEMUNITS},
	{"DEPTH", "64",
	 "Message slots per ring (a power of two, 64..4096; the same on every host).",
	 ucs_offsetof(uct_marlin_iface_config_t, depth), UCS_CONFIG_TYPE_UINT},
	{"CONNECT_TIMEOUT", "30s",
	 "How long an endpoint waits for the link to a peer host to come up\n"
	 "before it fails.",
	 ucs_offsetof(uct_marlin_iface_config_t, connect_timeout),
	 UCS_CONFIG_TYPE_TIME},
	{"POLL_INTERVAL", "1ms",
	 "How often progress drives the channels (link state, handshakes), and\n"
	 "the tick of the event fd. Progress reads the clock once every 64 calls\n"
	 "and after a sleep.",
	 ucs_offsetof(uct_marlin_iface_config_t, poll_interval),
	 UCS_CONFIG_TYPE_TIME},
	{NULL}
};

/* ---- endpoints --------------------------------------------------------- */

static UCS_CLASS_INIT_FUNC(uct_marlin_ep_t, const uct_ep_params_t *params)
{
	uct_marlin_iface_t *iface = ucs_derived_of(params->iface,
						   uct_marlin_iface_t);
	uint16_t port;
	unsigned i;

	UCT_EP_PARAMS_CHECK_DEV_IFACE_ADDRS(params);
	memcpy(&port, params->iface_addr, sizeof(port));
	if (port >= UM_MAX_HOSTS || iface->state[port] < 0) {
		ucs_error("marlin: host %u is not a peer of host %u on fabric %s",
			  port, iface->host.port, iface->host.fabric);
		return UCS_ERR_UNREACHABLE;
	}
	for (i = 0; i < UM_MAX_EPS && iface->eps[i] != NULL; i++)
		;
	if (i == UM_MAX_EPS) {
		ucs_error("marlin: more than %u endpoints on one interface",
			  UM_MAX_EPS);
		return UCS_ERR_EXCEEDS_LIMIT;
	}
	UCS_CLASS_CALL_SUPER_INIT(uct_base_ep_t, &iface->super);
	self->port = port;
	self->id = (uint16_t)i;
	self->gen = ++iface->ep_gen;
	self->failed = 0;
	self->was_up = iface->state[port] == UM_PEER_UP;
	self->created = ucs_get_time();
	ucs_queue_head_init(&self->pending);
	self->put_seq = self->put_acked = self->flush_asked = 0;
	self->get_issued = self->get_done = 0;
	self->gets_out = 0;
	memset(self->gets, 0, sizeof(self->gets));
	self->nb_flush = 0;
	self->last_store = NULL;
	self->fence_wait = 0;
	self->fence_put = 0;
	self->fence_get = 0;
	self->direct_ops = 0;
	memset(&self->putz, 0, sizeof(self->putz));
	iface->eps[i] = self;
	iface->nb_eps++;
	return UCS_OK;
}

static UCS_CLASS_CLEANUP_FUNC(uct_marlin_ep_t)
{
	uct_marlin_iface_t *iface = ucs_derived_of(self->super.super.iface,
						   uct_marlin_iface_t);

	uct_marlin_ep_pending_purge(&self->super.super, NULL, NULL);
	free(self->putz.stage);
	iface->direct_ops += self->direct_ops;
	iface->eps[self->id] = NULL;
	iface->nb_eps--;
}

UCS_CLASS_DEFINE(uct_marlin_ep_t, uct_base_ep_t);
static UCS_CLASS_DEFINE_NEW_FUNC(uct_marlin_ep_t, uct_ep_t,
				 const uct_ep_params_t *);
static UCS_CLASS_DEFINE_DELETE_FUNC(uct_marlin_ep_t, uct_ep_t);

/* ---- events ----------------------------------------------------------- */

/*
 * The software NTB raises no interrupt a process could sleep on, so the
 * event fd is a timer that fires every POLL_INTERVAL: a program waiting in
 * ucp_worker_wait() sleeps in those steps instead of spinning, and sees a
 * message at most one interval late.
 */
static ucs_status_t
uct_marlin_iface_event_fd_get(uct_iface_h tl_iface, int *fd_p)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	struct itimerspec its;
	double sec = ucs_time_to_sec(iface->poll_interval);

	if (iface->event_fd < 0) {
		iface->event_fd = timerfd_create(CLOCK_MONOTONIC,
						 TFD_NONBLOCK | TFD_CLOEXEC);
		if (iface->event_fd < 0) {
			ucs_error("marlin: timerfd_create: %m");
			return UCS_ERR_IO_ERROR;
		}
		memset(&its, 0, sizeof(its));
		its.it_interval.tv_sec = (time_t)sec;
		its.it_interval.tv_nsec = (long)((sec - (time_t)sec) * 1e9);
		if (its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 0)
			its.it_interval.tv_nsec = 1000000;
		its.it_value = its.it_interval;
		if (timerfd_settime(iface->event_fd, 0, &its, NULL) != 0) {
			ucs_error("marlin: timerfd_settime: %m");
			close(iface->event_fd);
			iface->event_fd = -1;
			return UCS_ERR_IO_ERROR;
		}
	}
	*fd_p = iface->event_fd;
	return UCS_OK;
}

/*
 * UCP arms in two ways. An active interface is armed by ucp_worker_arm()
 * with the worker's events (receive and send completion); BUSY makes the
 * program progress again. An interface that UCP's adaptive progress keeps
 * idle (no endpoint of this worker uses it: a target that only serves
 * puts and gets) is armed with UCT_EVENT_RECV alone, from a progress
 * callback that UCP runs again only while progress returns more than 0
 * or the event fd fires: a BUSY after a progress that did nothing would
 * leave that program asleep with nothing to wake it. So BUSY only when
 * the last progress did work (there may be more); replies owed to peers
 * whose rings are full are left to the timer, which then fires soon
 * instead of after a whole POLL_INTERVAL.
 */
static ucs_status_t
uct_marlin_iface_event_arm(uct_iface_h tl_iface, unsigned events)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	struct itimerspec its;
	uint64_t ticks;

	if (iface->last_work > 0)
		return UCS_ERR_BUSY;
	/* Requests waiting for room complete only by progress. */
	if ((events & UCT_EVENT_SEND_COMP) &&
			(iface->nb_pending > 0 || iface->nb_putz > 0))
		return UCS_ERR_BUSY;
	/* The progress after the sleep follows the links. */
	iface->clock_due = 1;
	if (iface->event_fd < 0)
		return UCS_OK;
	if (read(iface->event_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return UCS_ERR_IO_ERROR;
	if (iface->job_head != iface->job_tail || iface->nb_pending > 0 ||
			iface->nb_putz > 0) {
		/* Work waits for a peer to make room: look again soon. */
		if (timerfd_gettime(iface->event_fd, &its) != 0)
			return UCS_ERR_IO_ERROR;
		its.it_value.tv_sec = 0;
		its.it_value.tv_nsec = UM_REARM_NS;
		if (timerfd_settime(iface->event_fd, 0, &its, NULL) != 0)
			return UCS_ERR_IO_ERROR;
	}
	return UCS_OK;
}

/* ---- interface ---------------------------------------------------------- */

static ucs_status_t
uct_marlin_iface_query(uct_iface_h tl_iface, uct_iface_attr_t *attr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	size_t put_max = um_put_max(iface);
	size_t get_max = iface->seg_size - sizeof(struct um_get_resp);

	uct_base_iface_query(&iface->super, attr);
	attr->iface_addr_len = sizeof(uint16_t);
	attr->device_addr_len = sizeof(uint64_t);
	attr->ep_addr_len = 0;
	attr->cap.flags = UCT_IFACE_FLAG_CONNECT_TO_IFACE |
			  UCT_IFACE_FLAG_AM_SHORT | UCT_IFACE_FLAG_AM_BCOPY |
			  UCT_IFACE_FLAG_PUT_SHORT | UCT_IFACE_FLAG_PUT_BCOPY |
			  UCT_IFACE_FLAG_PUT_ZCOPY | UCT_IFACE_FLAG_GET_BCOPY |
			  UCT_IFACE_FLAG_GET_ZCOPY | UCT_IFACE_FLAG_PENDING |
			  UCT_IFACE_FLAG_CB_SYNC |
			  UCT_IFACE_FLAG_ERRHANDLE_PEER_FAILURE;
	attr->cap.event_flags = UCT_IFACE_FLAG_EVENT_SEND_COMP |
				UCT_IFACE_FLAG_EVENT_RECV |
				UCT_IFACE_FLAG_EVENT_FD;

	attr->cap.am.max_short = iface->seg_size - sizeof(uint64_t);
	attr->cap.am.max_bcopy = iface->seg_size;
	attr->cap.am.opt_zcopy_align = 1;
	attr->cap.am.align_mtu = 1;
	attr->cap.am.max_iov = SIZE_MAX;

	/* Larger puts to memory reached by HRDMA are staged, so UCP sends a
	 * put into the heap as one store however large. */
	attr->cap.put.max_short = UM_PUT_SHORT_MAX;
	attr->cap.put.max_bcopy = put_max;
	attr->cap.put.min_zcopy = 0;
	attr->cap.put.max_zcopy = UM_PUT_ZCOPY_MAX;
	attr->cap.put.opt_zcopy_align = 1;
	attr->cap.put.align_mtu = 1;
	attr->cap.put.max_iov = UM_MAX_IOV;

	attr->cap.get.max_bcopy = get_max;
	attr->cap.get.min_zcopy = 0;
	attr->cap.get.max_zcopy = UM_GET_MAX;
	attr->cap.get.opt_zcopy_align = 1;
	attr->cap.get.align_mtu = 1;
	attr->cap.get.max_iov = 1;

	/* A store across the bridge plus the peer's poll; the copy rate of
	 * one core. Both well ahead of TCP so UCP picks this transport
	 * between hosts of a rack. */
	attr->latency = ucs_linear_func_make(600e-9, 0);
	attr->bandwidth.dedicated = 8000.0 * UCS_MBYTE;
	attr->bandwidth.shared = 0;
	attr->overhead = 50e-9;
	attr->priority = 0;
	return UCS_OK;
}

static ucs_status_t
uct_marlin_iface_get_device_address(uct_iface_h tl_iface,
				    uct_device_addr_t *addr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);

	memcpy(addr, &iface->host.fabric_id, sizeof(uint64_t));
	return UCS_OK;
}

static ucs_status_t
uct_marlin_iface_get_address(uct_iface_h tl_iface, uct_iface_addr_t *addr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);

	memcpy(addr, &iface->host.port, sizeof(uint16_t));
	return UCS_OK;
}

/* Same fabric, a peer of ours, and the link to it up (waiting a little for
 * a peer that is still starting). */
static int
uct_marlin_iface_is_reachable(const uct_iface_h tl_iface,
			      const uct_device_addr_t *dev_addr,
			      const uct_iface_addr_t *iface_addr)
{
	uct_marlin_iface_t *iface = ucs_derived_of(tl_iface, uct_marlin_iface_t);
	ucs_time_t deadline;
	uint64_t fabric;
	uint16_t port;

	if (dev_addr == NULL || iface_addr == NULL)
		return 0;
	memcpy(&fabric, dev_addr, sizeof(fabric));
	memcpy(&port, iface_addr, sizeof(port));
	if (fabric != iface->host.fabric_id || port >= UM_MAX_HOSTS ||
			iface->state[port] < 0)
		return 0;
	deadline = ucs_get_time() + iface->connect_timeout;
	while (iface->state[port] == UM_PEER_DOWN && ucs_get_time() < deadline) {
		um_channels_follow(iface, ucs_get_time());
		if (iface->state[port] == UM_PEER_DOWN)
			sched_yield();
	}
	if (iface->state[port] == UM_PEER_UP ||
			iface->state[port] == UM_PEER_NEGOTIATING)
		return 1;
	ucs_warn("marlin: host %u unreachable from host %u: link %s (%s)", port,
		 iface->host.port,
		 iface->state[port] == UM_PEER_DOWN ? "down" : "in error",
		 um_peer_error(port) != NULL ? um_peer_error(port) : "no detail");
	return 0;
}

static UCS_CLASS_INIT_FUNC(uct_marlin_iface_t, uct_md_h md, uct_worker_h worker,
			   const uct_iface_params_t *params,
			   const uct_iface_config_t *tl_config)
{
	uct_marlin_iface_config_t *config =
		ucs_derived_of(tl_config, uct_marlin_iface_config_t);
	ucs_time_t now;
	unsigned port;
	int rc;

	UCS_CLASS_CALL_SUPER_INIT(uct_base_iface_t, &uct_marlin_iface_ops,
				  &uct_base_iface_internal_ops, md, worker,
				  params, tl_config
				  UCS_STATS_ARG((params->field_mask &
						 UCT_IFACE_PARAM_FIELD_STATS_ROOT) ?
						params->stats_root : NULL)
				  UCS_STATS_ARG(UCT_MARLIN_NAME));

	if (ucs_derived_of(worker, uct_priv_worker_t)->thread_mode ==
			UCS_THREAD_MODE_MULTI) {
		ucs_error("marlin: a multi-threaded UCX worker is not supported");
		return UCS_ERR_UNSUPPORTED;
	}
	if (config->seg_size < 64 || config->seg_size > 65536 ||
			!ucs_is_pow2(config->seg_size)) {
		ucs_error("marlin: UCX_MARLIN_SEG_SIZE=%zu: a power of two from 64 to 64k",
			  config->seg_size);
		return UCS_ERR_INVALID_PARAM;
	}
	if (config->depth < 64 || config->depth > 4096 ||
			!ucs_is_pow2(config->depth)) {
		ucs_error("marlin: UCX_MARLIN_DEPTH=%u: a power of two from 64 to 4096",
			  config->depth);
		return UCS_ERR_INVALID_PARAM;
	}
	if (um_host_get(&self->host) != 0)
		return UCS_ERR_NO_DEVICE;
	self->seg_size = (uint32_t)config->seg_size;
	self->connect_timeout = ucs_time_from_sec(config->connect_timeout);
	self->poll_interval = ucs_time_from_sec(config->poll_interval);
	self->tx_buf = ucs_malloc(self->seg_size, "marlin tx");
	if (self->tx_buf == NULL)
		return UCS_ERR_NO_MEMORY;
	rc = um_channels_open(self->seg_size, (uint16_t)config->depth);
	if (rc != 0) {
		ucs_free(self->tx_buf);
		return UCS_ERR_IO_ERROR;
	}
	memset(self->eps, 0, sizeof(self->eps));
	/* Memory freed before this interface: tell the peers. */
	for (port = 0; port < UM_MAX_HOSTS; port++)
		self->revoke_sent[port] = um_heap_epoch() -
			(um_heap_epoch() != 0);
	self->nb_eps = self->nb_pending = self->nb_putz = 0;
	self->job_head = self->job_tail = 0;
	self->refused = self->tx_msgs = self->rx_msgs = self->direct_ops = 0;
	/* Not 0: replies meant for an earlier interface of this process
	 * (the channels outlive it) must not match. */
	self->ep_gen = (uint32_t)ucs_get_time();
	self->event_fd = -1;
	self->last_work = 0;
	now = ucs_get_time();
	self->next_poll = now;
	self->calls = 0;
	self->clock_due = 1;
	um_channels_poll(self->state);
	self->nb_ports = 0;
	for (port = 0; port < UM_MAX_HOSTS; port++)
		if (self->state[port] >= 0)
			self->ports[self->nb_ports++] = (uint16_t)port;
	ucs_debug("marlin: interface of host %u on fabric %s, %u peers, %u-byte slots",
		  self->host.port, self->host.fabric, self->nb_ports,
		  self->seg_size);
	return UCS_OK;
}

static UCS_CLASS_CLEANUP_FUNC(uct_marlin_iface_t)
{
	unsigned i;

	uct_base_iface_progress_disable(&self->super.super,
					UCT_PROGRESS_SEND | UCT_PROGRESS_RECV);
	if (self->refused > 0)
		ucs_diag("marlin: refused %" PRIu64 " messages from peers",
			 self->refused);
	/* One line for tests and users who want to see that traffic went
	 * over Marlin. */
	for (i = 0; i < UM_MAX_EPS; i++)
		if (self->eps[i] != NULL)
			self->direct_ops += self->eps[i]->direct_ops;
	if (getenv("MARLIN_UCX_STATS") != NULL)
		fprintf(stderr, "[marlin ucx] host %u: %" PRIu64 " messages sent, %" PRIu64 " received, %" PRIu64 " refused, %" PRIu64 " direct puts/gets\n",
			self->host.port, self->tx_msgs, self->rx_msgs,
			self->refused, self->direct_ops);
	um_channels_close();
	if (self->event_fd >= 0)
		close(self->event_fd);
	ucs_free(self->tx_buf);
}

UCS_CLASS_DEFINE(uct_marlin_iface_t, uct_base_iface_t);
static UCS_CLASS_DEFINE_NEW_FUNC(uct_marlin_iface_t, uct_iface_t, uct_md_h,
				 uct_worker_h, const uct_iface_params_t *,
				 const uct_iface_config_t *);
static UCS_CLASS_DEFINE_DELETE_FUNC(uct_marlin_iface_t, uct_iface_t);

static uct_iface_ops_t uct_marlin_iface_ops = {
	.ep_am_short = uct_marlin_ep_am_short,
	.ep_am_short_iov = uct_marlin_ep_am_short_iov,
	.ep_am_bcopy = uct_marlin_ep_am_bcopy,
	.ep_put_short = uct_marlin_ep_put_short,
	.ep_put_bcopy = uct_marlin_ep_put_bcopy,
	.ep_put_zcopy = uct_marlin_ep_put_zcopy,
	.ep_get_bcopy = uct_marlin_ep_get_bcopy,
	.ep_get_zcopy = uct_marlin_ep_get_zcopy,
	.ep_pending_add = uct_marlin_ep_pending_add,
	.ep_pending_purge = uct_marlin_ep_pending_purge,
	.ep_flush = uct_marlin_ep_flush,
	.ep_fence = uct_marlin_ep_fence,
	.ep_check = (uct_ep_check_func_t)ucs_empty_function_return_unsupported,
	.ep_create = UCS_CLASS_NEW_FUNC_NAME(uct_marlin_ep_t),
	.ep_destroy = UCS_CLASS_DELETE_FUNC_NAME(uct_marlin_ep_t),
	.iface_flush = uct_marlin_iface_flush,
	.iface_fence = uct_marlin_iface_fence,
	.iface_progress_enable = uct_base_iface_progress_enable,
	.iface_progress_disable = uct_base_iface_progress_disable,
	.iface_progress = uct_marlin_iface_progress,
	.iface_event_fd_get = uct_marlin_iface_event_fd_get,
	.iface_event_arm = uct_marlin_iface_event_arm,
	.iface_close = UCS_CLASS_DELETE_FUNC_NAME(uct_marlin_iface_t),
	.iface_query = uct_marlin_iface_query,
	.iface_get_device_address = uct_marlin_iface_get_device_address,
	.iface_get_address = uct_marlin_iface_get_address,
	.iface_is_reachable = uct_marlin_iface_is_reachable,
};

static ucs_status_t
uct_marlin_query_devices(uct_md_h md, uct_tl_device_resource_t **devices_p,
			 unsigned *num_devices_p)
{
	struct um_host_info info;

	if (um_host_get(&info) != 0) {
		*devices_p = NULL;
		*num_devices_p = 0;
		return UCS_OK;
	}
	return uct_single_device_resource(md, info.device, UCT_DEVICE_TYPE_NET,
					  UCS_SYS_DEVICE_ID_UNKNOWN, devices_p,
					  num_devices_p);
}

UCT_TL_DEFINE_ENTRY(&uct_marlin_component, marlin, uct_marlin_query_devices,
		    uct_marlin_iface_t, "MARLIN_", uct_marlin_iface_config_table,
		    uct_marlin_iface_config_t);
