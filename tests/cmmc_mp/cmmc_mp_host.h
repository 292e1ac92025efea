/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * What the two files of cmmc_mp_host share: the command side
 * (cmmc_mp_host.c: objects, the command table, setup) and the traffic
 * loops it runs for stream, soak, recv and serve (cmmc_mp_traffic.c).
 */

#ifndef CMMC_MP_HOST_H
#define CMMC_MP_HOST_H

#include <stdint.h>

#include <rte_cmmc.h>

#include "test_host.h"

#define LINE_MAX_LEN 1024
#define MAX_OBJ 64

/* the CMMC context of this host */
extern struct rte_cmmc *ctx;
/* memory objects by number (mem=I) */
extern struct rte_cmmc_mem *mems[MAX_OBJ];

/* stream PORT RK ROFF MEM LEN MS notify|plain: answers one line. */
void cmd_stream(struct rte_cmmc_ep *ep, struct rte_cmmc_rkey *rk,
		uint64_t roff, struct rte_cmmc_mem *m, uint64_t len, uint64_t ms,
		int notify);
/* soak PORT RK ROFF MEM LEN MS: answers one line. */
void cmd_soak(struct rte_cmmc_ep *ep, int port, struct rte_cmmc_rkey *rk,
		uint64_t roff, struct rte_cmmc_mem *m, uint64_t len, uint64_t ms);
/* recv PORT N MS (@serve 0) or serve PORT MS (@serve 1): one line. */
void cmd_recv(struct rte_cmmc_ep *ep, int port, uint64_t want, uint64_t ms,
		int serve);

#endif /* CMMC_MP_HOST_H */
