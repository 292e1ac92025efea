/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_PMD_NTB_SHM_H
#define RTE_PMD_NTB_SHM_H

/**
 * @file
 * ntb_shm: the software NTB. Driver-specific calls.
 *
 * A fabric is a directory, named after the devarg fabric=NAME, on hugetlbfs
 * (the first hugetlbfs mount found in /proc/mounts) or, failing that, in
 * /dev/shm; devarg dir=PATH picks the parent directory explicitly. Each host
 * process on it owns one register page and its inbound windows as files.
 *
 * These calls work on a fabric directory directly and need neither EAL nor
 * a probed device, so a test harness or the marlin-fabric tool can use them
 * from outside the hosts ("pull the cable").
 */

#include <rte_compat.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of hosts on one fabric. */
#define RTE_PMD_NTB_SHM_MAX_HOSTS 64

/**
 * Resolve a fabric name to its directory, as a host with the same devargs
 * would.
 *
 * @param fabric Fabric name (devarg fabric=), [A-Za-z0-9_.-], 1..32 chars.
 * @param dir    Parent directory (devarg dir=), or NULL for the default
 *               search: an existing fabric directory under a hugetlbfs mount,
 *               then under /dev/shm; if none exists, hugetlbfs if mounted,
 *               else /dev/shm.
 * @param buf    Output buffer.
 * @param len    Its size.
 * @return 0; -EINVAL (bad name), -ENAMETOOLONG.
 */
__rte_experimental
int rte_pmd_ntb_shm_fabric_path(const char *fabric, const char *dir,
		char *buf, size_t len);

/** A directory that can hold fabrics, as the default search sees it. */
struct rte_pmd_ntb_shm_place {
	char dir[256];        /**< parent directory (a fabric is
				   dir/marlin-fabric-NAME) */
	int hugetlbfs;        /**< 1: a hugetlbfs mount; 0: /dev/shm */
	uint64_t page_size;   /**< hugetlbfs: its page size; else 0 */
	long free_pages;      /**< hugetlbfs: pages it can still hand out
				   (reserved ones and a size= limit taken
				   off); -1 unknown or not hugetlbfs */
	uint64_t reserved[2]; /**< zero */
};

/**
 * The places the default fabric search looks at, in its order: every
 * hugetlbfs mount (at most 4, from /proc/mounts), then /dev/shm. Tools use
 * it to say where they looked, or to put a fabric where hosts will find it,
 * without parsing mounts themselves.
 *
 * @param places Filled with up to @p max entries (may be NULL if max is 0).
 * @param max    Room in @p places.
 * @return Number of places (>= 1; may exceed @p max: only @p max were
 *         written); -EINVAL (@p places NULL with @p max > 0).
 */
__rte_experimental
int rte_pmd_ntb_shm_places(struct rte_pmd_ntb_shm_place *places,
		unsigned int max);

/**
 * Cut or restore the link between hosts @p host_a and @p host_b, like
 * pulling or reconnecting a cable. Both hosts see the link go down within
 * 100 ms (as long as they poll); stores through windows between them are
 * dropped while it is cut. The cut survives host restarts until restored.
 *
 * @param fabric_path Fabric directory (see rte_pmd_ntb_shm_fabric_path()).
 * @param host_a One host id.
 * @param host_b The other host id (!= host_a).
 * @param cut    1 to cut, 0 to restore.
 * @return 0; -EINVAL (ids), -ENOENT (no such fabric), -errno of file calls.
 */
__rte_experimental
int rte_pmd_ntb_shm_link_cut(const char *fabric_path, int host_a, int host_b,
		int cut);

/** State of one host on a fabric, as seen from outside. */
struct rte_pmd_ntb_shm_host_state {
	int host_id;
	int present;      /**< register page exists */
	int alive;        /**< owning process is running */
	int link_enabled; /**< owner called link_enable */
	int pid;          /**< owning process id (0 if unknown) */
	uint64_t epoch;   /**< changes each time the host starts */
	uint64_t cut_mask;/**< bit h set: link to host h is cut */
	int mw_count;
	uint64_t mw_size;
	int manager;      /**< the host runs with a rack manager (devarg
			       manager=): its register header is a memory
			       object, not a file; present says whether a
			       (planted or stale) page file is there too,
			       which such hosts never read; link_enabled,
			       pid, epoch, cut_mask and the geometry are 0:
			       ask the manager */
};

/**
 * Read the state of one host of a fabric (for tools and tests).
 *
 * @param fabric_path Fabric directory.
 * @param host_id     Host id.
 * @param st          Filled on success.
 * A host with a lock file but no valid register page runs with a rack
 * manager: 0 with @c manager set, @c alive from its lock.
 *
 * @return 0; -EINVAL, -ENOENT (no register page nor lock: host never
 *         started or cleaned up), -EPROTO (file is not a valid register
 *         page and there is no lock file).
 */
__rte_experimental
int rte_pmd_ntb_shm_host_state(const char *fabric_path, int host_id,
		struct rte_pmd_ntb_shm_host_state *st);

/**
 * Remove the files of hosts that are no longer alive (after crashes).
 *
 * @param fabric_path Fabric directory.
 * @param remove_dir  Also remove the directory if no host is left.
 * @return Number of hosts whose files were removed (>= 0); -ENOENT, -errno.
 */
__rte_experimental
int rte_pmd_ntb_shm_fabric_clean(const char *fabric_path, int remove_dir);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_NTB_SHM_H */
