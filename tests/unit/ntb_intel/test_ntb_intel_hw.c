/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * ntb_intel on a real port: probe through DPDK's PCI bus (vfio-pci), then
 * the checks that need no peer host: device description, registers left
 * sane by init, an inbound window set up and torn down, link state and
 * statistics readable. With a peer running the same test, the link comes up
 * and the scratchpad exchange is checked too.
 *
 * The port is MARLIN_NTB_INTEL_DEV (a PCI address), or the first Intel NTB
 * bound to vfio-pci. Without one, the test skips (exit 77) and says why.
 * Prints "N passed, N failed".
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include <rte_marlin_ntb.h>

#include "rte_pmd_ntb_intel.h"

#define SKIP 77

static const unsigned int ntb_ids[] = {
	0x3725, 0x3c0d, 0x0e0d, 0x2f0d, 0x6f0d, 0x201c, 0x347e, 0x0db4,
};

static int passed, failed;

#define CHECK(cond, ...) do { \
	if (cond) { \
		passed++; \
	} else { \
		failed++; \
		printf("FAIL %s:%d: ", __func__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} } while (0)

static unsigned int
read_hex(const char *addr, const char *attr)
{
	char path[512];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", addr, attr);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int
bound_to_vfio(const char *addr)
{
	char path[512], target[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return strstr(target, "/vfio-pci") != NULL;
}

static int
is_intel_ntb(const char *addr)
{
	unsigned int dev = read_hex(addr, "device");
	unsigned int i;

	if (read_hex(addr, "vendor") != 0x8086)
		return 0;
	for (i = 0; i < sizeof(ntb_ids) / sizeof(ntb_ids[0]); i++)
		if (ntb_ids[i] == dev)
			return 1;
	return 0;
}

static int
find_port(char *addr, size_t len)
{
	const char *env = getenv("MARLIN_NTB_INTEL_DEV");
	struct dirent *e;
	DIR *d;

	if (env != NULL && env[0] != '\0') {
		snprintf(addr, len, "%s", env);
		return 0;
	}
	d = opendir("/sys/bus/pci/devices");
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (is_intel_ntb(e->d_name) && bound_to_vfio(e->d_name)) {
			snprintf(addr, len, "%s", e->d_name);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

int
main(int argc, char **argv)
{
	char addr[300], prefix[64];
	char *eal[16];
	struct rte_marlin_ntb_info info;
	struct rte_pmd_ntb_intel_info hw;
	struct rte_pmd_ntb_intel_stats st;
	struct rte_marlin_ntb_link link;
	void *mw = NULL;
	size_t len = 0;
	uint64_t mask = 0;
	uint32_t v = 0;
	int n = 0, id, rc;

	(void)argc;
	if (find_port(addr, sizeof(addr)) != 0) {
		printf("SKIP: no Intel NTB port bound to vfio-pci on this machine (set MARLIN_NTB_INTEL_DEV=<PCI address> to name one)\n");
		return SKIP;
	}
	if (!is_intel_ntb(addr) || !bound_to_vfio(addr)) {
		printf("SKIP: %s is not an Intel NTB port bound to vfio-pci\n", addr);
		return SKIP;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=ntb_intel_hw_%d", (int)getpid());
	eal[n++] = argv[0];
	eal[n++] = "-l";
	eal[n++] = "0";
	eal[n++] = prefix;
	eal[n++] = "-a";
	eal[n++] = addr;
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0) {
		printf("SKIP: EAL could not start with %s (hugepages? permissions?)\n", addr);
		return SKIP;
	}
	id = rte_marlin_ntb_get_by_name(addr);
	CHECK(id >= 0, "%s was not probed by ntb_intel (see the log above)", addr);
	if (id < 0)
		goto out;

	CHECK(rte_marlin_ntb_info_get(id, &info) == 0, "info_get");
	CHECK(strcmp(info.driver, "ntb_intel") == 0, "driver %s", info.driver);
	CHECK(info.topo == RTE_MARLIN_NTB_TOPO_B2B_USD ||
		info.topo == RTE_MARLIN_NTB_TOPO_B2B_DSD, "topology %d", info.topo);
	CHECK(info.mw_count >= 1 && info.spad_count == 16, "mw %d spad %d",
		info.mw_count, info.spad_count);
	CHECK(rte_pmd_ntb_intel_info_get(id, &hw) == 0, "pmd info");
	printf("# %s: %s (gen%d), rev 0x%02x, BAR sizes %" PRIu64 "/%" PRIu64 ", WC %d/%d\n",
		addr, hw.chip, hw.generation, hw.revision, hw.bar_size[0],
		hw.bar_size[1], hw.wc[0], hw.wc[1]);
	CHECK(rte_marlin_ntb_db_read_mask(id, &mask) == 0 &&
		mask == info.db_valid_mask, "doorbells not all masked after init");

	rc = rte_marlin_ntb_mw_alloc(id, 0, 0, 0, &mw, &len);
	CHECK(rc == 0, "mw_alloc of window 0: %d (hugepages?)", rc);
	if (rc == 0)
		CHECK(rte_marlin_ntb_mw_free(id, 0, 0) == 0, "mw_free");

	CHECK(rte_marlin_ntb_link_enable(id, RTE_MARLIN_NTB_SPEED_AUTO,
		RTE_MARLIN_NTB_WIDTH_AUTO) == 0, "link_enable");
	if (rte_marlin_ntb_link_wait(id, 0, 10000) == 0) {
		CHECK(rte_marlin_ntb_link_get(id, 0, &link) == 0 && link.up &&
			link.speed > 0 && link.width > 0, "link state");
		printf("# link up: gen%d x%d\n", link.speed, link.width);
		CHECK(rte_marlin_ntb_peer_spad_write(id, 0, 15, 0x4d4c4e00u |
			(unsigned int)info.port) == 0, "peer_spad_write");
		CHECK(rte_marlin_ntb_peer_spad_read(id, 0, 15, &v) == 0 &&
			v == (0x4d4c4e00u | (unsigned int)info.port), "peer_spad read-back 0x%x", v);
	} else {
		printf("# link did not come up in 10 s (is the peer host running this test?): link checks not run\n");
	}
	CHECK(rte_pmd_ntb_intel_stats_get(id, &st) == 0, "stats");
	printf("# mem_miss %" PRIu64 " devsts 0x%x uncerr 0x%x corerr 0x%x\n",
		st.mem_miss, st.devsts, st.uncerrsts, st.corerrsts);
	rte_marlin_ntb_link_disable(id);
out:
	rte_eal_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
