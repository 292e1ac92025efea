/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* The rack address map (rte_marlin_rack.h). */

#include <errno.h>
#include <stddef.h>

#include "rack_wire.h"
#include "rte_marlin_rack.h"

static_assert(RTE_MARLIN_RACK_HOST_SHIFT == RACK_WIRE_HOST_SHIFT,
	"wire and API agree on the host shift");
static_assert(RTE_MARLIN_RACK_WINDOW_SHIFT == RACK_WIRE_WINDOW_SHIFT,
	"wire and API agree on the window shift");
static_assert(RTE_MARLIN_RACK_MAX_HOSTS ==
	1 << (RTE_MARLIN_RACK_ADDR_BITS - RTE_MARLIN_RACK_HOST_SHIFT),
	"host ids fill the top bits");
static_assert(RTE_MARLIN_RACK_MAX_WINDOWS ==
	1 << (RTE_MARLIN_RACK_HOST_SHIFT - RTE_MARLIN_RACK_WINDOW_SHIFT),
	"windows fill a host's slot");

#define SLOT (UINT64_C(1) << RTE_MARLIN_RACK_WINDOW_SHIFT)

int
rte_marlin_rack_addr(const struct rte_marlin_rack_loc *loc, uint64_t *addr)
{
	if (loc == NULL || addr == NULL)
		return -EINVAL;
	if (loc->host >= RTE_MARLIN_RACK_MAX_HOSTS ||
			loc->window >= RTE_MARLIN_RACK_MAX_WINDOWS ||
			loc->offset >= SLOT)
		return -ERANGE;
	*addr = (uint64_t)loc->host << RTE_MARLIN_RACK_HOST_SHIFT |
		(uint64_t)loc->window << RTE_MARLIN_RACK_WINDOW_SHIFT |
		loc->offset;
	return 0;
}

int
rte_marlin_rack_locate(uint64_t addr, uint64_t len,
		struct rte_marlin_rack_loc *loc)
{
	uint64_t off;

	if (loc == NULL || len == 0)
		return -EINVAL;
	if (addr >> RTE_MARLIN_RACK_ADDR_BITS != 0)
		return -ERANGE;
	off = addr & (SLOT - 1);
	if (len > SLOT - off)
		return -ERANGE;
	loc->host = (uint32_t)(addr >> RTE_MARLIN_RACK_HOST_SHIFT);
	loc->window = (uint32_t)(addr >> RTE_MARLIN_RACK_WINDOW_SHIFT) &
		(RTE_MARLIN_RACK_MAX_WINDOWS - 1);
	loc->offset = off;
	return 0;
}
