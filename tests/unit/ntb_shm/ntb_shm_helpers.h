/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */


#ifndef NTB_SHM_HELPERS_H
#define NTB_SHM_HELPERS_H

/* Shared by the ntb_shm unit test files (test_ntb_shm.c, test_ntb_shm_fabric.c
 * and ntb_shm_helpers.c). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_log.h>

#include "rte_marlin_ntb.h"
#include "rte_pmd_ntb_shm.h"
#include "shm_wire.h"

#define FABRIC "ut"
#define REGS_SIZE RTE_ALIGN_CEIL(sizeof(struct shm_wire_page), 4096)
#define MW_4M (UINT64_C(4) << 20)
#define WAIT_MS 3000 /* bound for link changes; the driver needs < 100 ms */

extern char parent[64];      /* per-test temporary directory */
extern char fpath[128];      /* the fabric directory inside it */

/* A host made of hand-written files, as a crashed or foreign process would
 * leave them. */
struct fake_host {
	int host;
	int lock_fd;
	uint64_t mw_size;
	int mw_count;
	struct shm_wire_page *pg;
	uint8_t *mw[2];
};

/* ntb_shm_helpers.c */
int setup(void **state);
int teardown(void **state);
int vdev(const char *name, const char *fmt, ...);
int dev_id(const char *name);
int count_entries(const char *path);
int exists(const char *dir, const char *name);
ino_t inode_of(const char *dir, const char *name);
void sleep_ms(unsigned int ms);
int wait_link(int dev, int pidx, int up);
int stays_down(int d0, int d1, unsigned int ms);
void two_hosts_up(const char *extra, int *d0, int *d1);
void cap_begin(void);
const char *cap_end(void);
int count_str(const char *hay, const char *needle);
void fake_host_make(struct fake_host *f, int host, int hosts, int mw_count,
		uint64_t mw_size, uint64_t epoch, int hold_lock);
void fake_host_die(struct fake_host *f);
void fake_host_unmap(struct fake_host *f);
void rm_tree(const char *path);

/* test_ntb_shm_fabric.c: fabric files, devargs, places, the tool */
void test_dead_peer_files_stay(void **state);
void test_restart_over_stale_files(void **state);
void test_same_host_twice(void **state);
void test_devargs_errors(void **state);
void test_geometry_mismatch(void **state);
void test_mw_size_suffixes(void **state);
void test_dir_not_writable(void **state);
void test_fabric_calls(void **state);
void test_hugetlbfs(void **state);
void test_marlin_fabric_tool(void **state);
void test_places(void **state);
void test_hostile_files(void **state);

#endif /* NTB_SHM_HELPERS_H */
