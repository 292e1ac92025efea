/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The Marlin side of the UCX transport (see uct_marlin_host.h): EAL and
 * ntb_shm bring-up from the environment, one HRDMA channel per peer, and
 * (the registration table peers' put/get requests are checked against is
 * in uct_marlin_reg.c).
 */

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <rte_marlin_hrdma.h>
#include <rte_marlin_ntb.h>

#include "uct_marlin_host.h"

#define UM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, um_logtype, "uct_marlin: " fmt "\n", \
		##__VA_ARGS__)

/* Before the EAL is up its log goes nowhere useful: stderr. */
#define UM_EARLY_ERR(fmt, ...) \
	fprintf(stderr, "[marlin ucx] error: " fmt "\n", ##__VA_ARGS__)

#define UM_MAX_ARGS 48

static int um_logtype = RTE_LOGTYPE_USER1;

struct um_peer {
	struct rte_marlin_hrdma_channel *ch;
	struct rte_marlin_hrdma_qp *qp;
};

static struct {
	int result;        /* 1: not tried; else um_host_get()'s result */
	struct um_host_info info;
	uint16_t ntb_id;
	int channels;      /* interfaces using the channels */
	struct um_peer peer[UM_MAX_HOSTS];
} um = { .result = 1 };

static uint64_t
um_fnv(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static int
um_env_uint(const char *name, unsigned long max, unsigned long *out)
{
	const char *v = getenv(name);
	char *end;

	if (v == NULL || *v == '\0')
		return -ENOENT;
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max) {
		UM_EARLY_ERR("%s='%s' is not a number in 0..%lu", name, v, max);
		return -EINVAL;
	}
	return 0;
}

/* "--lcores=0@(a,b,...)": the EAL's one lcore keeps this thread's CPUs. */
static void
um_lcores_arg(char *buf, size_t len)
{
	cpu_set_t set;
	size_t n;
	int cpu, first = 1;

	n = (size_t)snprintf(buf, len, "--lcores=0@(");
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (cpu = 0; cpu < CPU_SETSIZE && n + 8 < len; cpu++) {
			if (!CPU_ISSET(cpu, &set))
				continue;
			n += (size_t)snprintf(buf + n, len - n, "%s%d",
					      first ? "" : ",", cpu);
			first = 0;
		}
	}
	if (first)
		n += (size_t)snprintf(buf + n, len - n, "0");
	snprintf(buf + n, len - n, ")");
}

static int
um_host_init(void)
{
	static char prefix[96], lcores[512], vdev[512], extra[512];
	char *argv[UM_MAX_ARGS + 1];
	const char *fabric = getenv("MARLIN_FABRIC");
	const char *devargs = getenv("MARLIN_DEVARGS");
	const char *eal_args = getenv("MARLIN_EAL_ARGS");
	const char *device = getenv("MARLIN_NTB_DEVICE");
	unsigned long host = 0, hosts = 8;
	int argc = 0, huge = 0, rc, dev, soft;
	char *tok, *save = NULL;
	const char *f;

	if (fabric == NULL || *fabric == '\0')
		return -ENODEV;
	if (strlen(fabric) >= sizeof(um.info.fabric)) {
		UM_EARLY_ERR("MARLIN_FABRIC='%s' is too long", fabric);
		return -EINVAL;
	}
	for (f = fabric; *f != '\0'; f++)
		if (strchr("=, ", *f) != NULL) {
			UM_EARLY_ERR("MARLIN_FABRIC='%s' contains '%c'", fabric, *f);
			return -EINVAL;
		}
	/* Without MARLIN_NTB_DEVICE this process is a software host
	 * (ntb_shm); with it, the EAL probes that device (silicon, ivshmem)
	 * as MARLIN_EAL_ARGS say, and the device tells the host id. */
	soft = device == NULL || *device == '\0';
	if (soft) {
		rc = um_env_uint("MARLIN_HOST", UM_MAX_HOSTS - 1, &host);
		if (rc == -ENOENT) {
			UM_EARLY_ERR("MARLIN_FABRIC is set but MARLIN_HOST is not: give every process its host id (marlin-run does it from the MPI rank)");
			return -EINVAL;
		}
		if (rc != 0)
			return rc;
		rc = um_env_uint("MARLIN_HOSTS", UM_MAX_HOSTS, &hosts);
		if (rc == -EINVAL)
			return rc;
		if (hosts < 2 || host >= hosts) {
			UM_EARLY_ERR("MARLIN_HOST=%lu must be below MARLIN_HOSTS=%lu (at least 2)",
				     host, hosts);
			return -EINVAL;
		}
		device = "ntb_shm_ucx";
		snprintf(prefix, sizeof(prefix), "--file-prefix=ucx-%s-%lu",
			 fabric, host);
		snprintf(vdev, sizeof(vdev), "--vdev=%s,fabric=%s,host=%lu,hosts=%lu%s%s",
			 device, fabric, host, hosts,
			 devargs != NULL && *devargs != '\0' ? "," : "",
			 devargs != NULL ? devargs : "");
	} else {
		snprintf(prefix, sizeof(prefix), "--file-prefix=ucx-%s-p%d",
			 fabric, (int)getpid());
	}
	um_lcores_arg(lcores, sizeof(lcores));
	argv[argc++] = (char *)(uintptr_t)"uct_marlin";
	argv[argc++] = prefix;
	argv[argc++] = lcores;
	argv[argc++] = (char *)(uintptr_t)"--no-telemetry";
	argv[argc++] = (char *)(uintptr_t)"--log-level=lib.eal:warning";
	if (soft) {
		argv[argc++] = (char *)(uintptr_t)"--no-pci";
		argv[argc++] = vdev;
	}
	if (eal_args != NULL) {
		snprintf(extra, sizeof(extra), "%s", eal_args);
		for (tok = strtok_r(extra, " ", &save); tok != NULL;
				tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "--huge") == 0) {
				huge = 1;
				continue;
			}
			if (argc >= UM_MAX_ARGS - 2) {
				UM_EARLY_ERR("MARLIN_EAL_ARGS has too many arguments");
				return -EINVAL;
			}
			argv[argc++] = tok;
		}
	}
	/* --in-memory leaves no files behind but refuses --no-huge. */
	argv[argc++] = (char *)(uintptr_t)(huge ? "--in-memory" : "--no-huge");
	if (!huge)
		argv[argc++] = (char *)(uintptr_t)"--no-shconf";
	argv[argc] = NULL;

	if (rte_eal_init(argc, argv) < 0) {
		UM_EARLY_ERR("EAL start failed (%s) with: %s %s %s%s%s%s%s",
			     rte_strerror(rte_errno), prefix, lcores,
			     soft ? vdev : "",
			     huge ? " --in-memory" : " --no-huge --no-shconf",
			     soft ? " --no-pci" : "",
			     eal_args != NULL ? " MARLIN_EAL_ARGS=" : "",
			     eal_args != NULL ? eal_args : "");
		return -EIO;
	}
	/* Nothing lives in the runtime directory of this configuration:
	 * leave none behind (fails harmlessly when something does). */
	rmdir(rte_eal_get_runtime_dir());
	rc = rte_log_register_type_and_pick_level("pmd.ucx.marlin", RTE_LOG_NOTICE);
	if (rc >= 0)
		um_logtype = rc;
	dev = rte_marlin_ntb_get_by_name(device);
	if (dev < 0) {
		UM_LOG(ERR, "no NTB device %s after EAL start (%s): %s", device,
		       soft ? "the ntb_shm vdev failed" :
		       "MARLIN_EAL_ARGS must make the EAL probe it",
		       strerror(-dev));
		return -EIO;
	}
	um.ntb_id = (uint16_t)dev;
	rc = rte_marlin_ntb_link_enable(um.ntb_id, RTE_MARLIN_NTB_SPEED_AUTO,
					RTE_MARLIN_NTB_WIDTH_AUTO);
	if (rc != 0 && rc != -EALREADY) {
		UM_LOG(ERR, "cannot enable the NTB link: %s", strerror(-rc));
		return -EIO;
	}
	rc = rte_marlin_ntb_port_number(um.ntb_id);
	if (rc < 0 || rc >= UM_MAX_HOSTS) {
		UM_LOG(ERR, "%s: port number %d is outside 0..%d", device, rc,
		       UM_MAX_HOSTS - 1);
		return -EIO;
	}
	um.info.fabric_id = um_fnv(fabric);
	um.info.port = (uint16_t)rc;
	um.info.hosts = (uint16_t)(rte_marlin_ntb_peer_port_count(um.ntb_id) + 1);
	snprintf(um.info.fabric, sizeof(um.info.fabric), "%s", fabric);
	snprintf(um.info.device, sizeof(um.info.device), "%s", device);
	UM_LOG(INFO, "host %u of %u on fabric %s (device %s)", um.info.port,
	       um.info.hosts, fabric, device);
	return 0;
}

int
um_host_get(struct um_host_info *info)
{
	if (um.result == 1)
		um.result = um_host_init();
	if (um.result == 0 && info != NULL)
		*info = um.info;
	return um.result;
}

/*
 * At exit, a software host removes its device once no channel uses it:
 * with a rack manager, that deregisters and frees what the driver keeps
 * in ordinary memory (which leak checkers would otherwise report, since
 * the device's own state lives in the EAL's heap).
 */
__attribute__((destructor)) static void
um_host_fini(void)
{
	if (um.result != 0 || um.channels > 0 ||
			strcmp(um.info.device, "ntb_shm_ucx") != 0)
		return;
	rte_vdev_uninit(um.info.device);
}

int
um_host_ntb(void)
{
	return um.ntb_id;
}

void
um_host_log(int level, const char *fmt, ...)
{
	static const uint32_t lv[] = { RTE_LOG_INFO, RTE_LOG_NOTICE, RTE_LOG_ERR };
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rte_log(lv[level < 0 ? 0 : level > 2 ? 2 : level], um_logtype,
		"uct_marlin: %s\n", line);
}

int
um_channels_open(uint32_t seg_size, uint16_t depth)
{
	struct rte_marlin_hrdma_conf hc;
	int pidx, n, port;

	if (um.result != 0)
		return -ENODEV;
	if (um.channels++ > 0)
		return 0;
	memset(&hc, 0, sizeof(hc));
	hc.nb_qp = 1;
	hc.depth = depth;
	hc.msg_size = seg_size;
	hc.dma_dev_id = -1;
	n = rte_marlin_ntb_peer_port_count(um.ntb_id);
	for (pidx = 0; pidx < n; pidx++) {
		port = rte_marlin_ntb_peer_port_number(um.ntb_id, pidx);
		if (port < 0 || port >= UM_MAX_HOSTS)
			continue;
		um.peer[port].ch = rte_marlin_hrdma_channel_create(um.ntb_id,
								  pidx, &hc);
		if (um.peer[port].ch == NULL) {
			UM_LOG(ERR, "HRDMA channel to host %d: %s (UCX_MARLIN_SEG_SIZE=%u, UCX_MARLIN_DEPTH=%u; a bigger window: MARLIN_DEVARGS=mw_size=...)",
			       port, rte_strerror(rte_errno), seg_size, depth);
			um.channels = 1;
			um_channels_close();
			return -rte_errno;
		}
		um.peer[port].qp = rte_marlin_hrdma_qp_get(um.peer[port].ch, 0);
	}
	return 0;
}

void
um_channels_close(void)
{
	int port;

	if (um.channels == 0 || --um.channels > 0)
		return;
	for (port = 0; port < UM_MAX_HOSTS; port++) {
		rte_marlin_hrdma_channel_destroy(um.peer[port].ch);
		um.peer[port].ch = NULL;
		um.peer[port].qp = NULL;
	}
}

void
um_channels_poll(int8_t state[UM_MAX_HOSTS])
{
	struct rte_marlin_hrdma_cqe cqe[16];
	int port, st;

	for (port = 0; port < UM_MAX_HOSTS; port++) {
		if (um.peer[port].ch == NULL) {
			state[port] = -1;
			continue;
		}
		st = rte_marlin_hrdma_channel_poll(um.peer[port].ch);
		state[port] = (int8_t)(st < 0 ? UM_PEER_ERROR : st);
		/* SENDs complete in the post; collect what failed. */
		while (rte_marlin_hrdma_poll_cq(um.peer[port].qp, cqe,
						RTE_DIM(cqe)) > 0)
			;
	}
}

const char *
um_peer_error(int port)
{
	struct rte_marlin_hrdma_info info;

	if (port < 0 || port >= UM_MAX_HOSTS || um.peer[port].ch == NULL ||
			rte_marlin_hrdma_channel_info(um.peer[port].ch, &info) != 0)
		return "no channel to that host";
	return info.error;
}

int
um_send(int port, const void *buf, uint32_t len, uint64_t imm)
{
	struct rte_marlin_hrdma_op op = {
		.opcode = RTE_MARLIN_HRDMA_OP_SEND,
		.len = len,
		.local = (void *)(uintptr_t)buf,
		.imm = imm,
	};
	int rc;

	rc = rte_marlin_hrdma_post(um.peer[port].qp, &op, 1);
	return rc == 1 ? 0 : (rc == 0 ? -ENOSPC : rc);
}

_Static_assert(UM_INLINE_MAX == RTE_MARLIN_HRDMA_INLINE_MAX,
	       "UM_INLINE_MAX follows HRDMA");

void *
um_send_reserve(int port, uint32_t *room)
{
	return rte_marlin_hrdma_send_reserve(um.peer[port].qp, room);
}

int
um_send_commit(int port, uint32_t len, uint64_t imm)
{
	return rte_marlin_hrdma_send_commit(um.peer[port].qp, len, imm);
}

void
um_send_abort(int port)
{
	rte_marlin_hrdma_send_abort(um.peer[port].qp);
}

int
um_recv(int port, struct um_msg *m, unsigned int n)
{
	struct rte_marlin_hrdma_cqe cqe[16];
	int rc, i, k = 0;

	if (n > RTE_DIM(cqe))
		n = RTE_DIM(cqe);
	rc = rte_marlin_hrdma_recv(um.peer[port].qp, cqe, (uint16_t)n);
	if (rc <= 0)
		return rc;
	for (i = 0; i < rc; i++) {
		/* Only SENDs travel on this queue pair; anything else is
		 * handed on empty and refused by the caller. */
		m[k].imm = cqe[i].imm;
		m[k].len = cqe[i].opcode == RTE_MARLIN_HRDMA_OP_RECV ? cqe[i].len : 0;
		m[k].data = cqe[i].opcode == RTE_MARLIN_HRDMA_OP_RECV ? cqe[i].data : NULL;
		k++;
	}
	return k;
}

void
um_recv_release(int port, unsigned int n)
{
	rte_marlin_hrdma_recv_release(um.peer[port].qp, (uint16_t)n);
}
