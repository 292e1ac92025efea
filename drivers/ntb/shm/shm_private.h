/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef SHM_PRIVATE_H
#define SHM_PRIVATE_H

/* Internal to librte_ntb_shm; never installed. */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <rte_log.h>

#include "rte_pmd_ntb_shm.h"
#include "shm_wire.h"

#define SHM_DRIVER_NAME "ntb_shm"

extern int shm_logtype;

#define SHM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, shm_logtype, \
		"ntb_shm: " fmt "\n", ##__VA_ARGS__)

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RLX(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/** Longest file name in a fabric directory. */
#define SHM_FILE_NAME 32

/** Longest fabric name. */
#define SHM_FABRIC_NAME_MAX 32
/** Fabric directory name prefix. */
#define SHM_FABRIC_PREFIX "marlin-fabric-"

#define SHM_DEFAULT_HOSTS 8
#define SHM_DEFAULT_MW 2
#define SHM_DEFAULT_MW_SIZE (UINT64_C(4) << 20)
#define SHM_DEFAULT_SPADS 16
#define SHM_MIN_MW_SIZE (UINT64_C(4) << 10)
#define SHM_MAX_MW_SIZE (UINT64_C(16) << 30)
#define SHM_SMALL_PAGE 4096

/* Devargs after parsing. */
struct shm_params {
	char fabric[SHM_FABRIC_NAME_MAX + 1];
	char dir[PATH_MAX];  /* parent directory; "" = default search */
	int host;
	int hosts;
	int mw_count;
	uint64_t mw_size;
	int spad_count;
	char manager[PATH_MAX]; /* rack manager socket; "" = none */
	int mw_ranges;          /* with manager: peers reach exposed ranges only */
	int shared_mw;          /* with a manager: the window that is one
				   object for every peer; -1 = none */
};

/* What this host knows about one peer. */
struct shm_peer {
	int host_id;
	/* The peer's register page, at a fixed address for the life of the
	 * device: the peer's file while it exists (with a manager: its
	 * header object, read-only), else an anonymous sink. */
	struct shm_wire_page *regs;
	int regs_mapped;        /* regs shows the peer's file or object */
	int regs_fd;            /* with a manager: the header object mapped */
	dev_t regs_dev;
	ino_t regs_ino;
	uint64_t epoch;         /* epoch of the mapped page; 0: none or invalid */
	uint64_t dead_epoch;    /* an epoch whose owner was found dead */
	uint64_t refused_epoch; /* epoch whose incompatibility was logged */
	uint64_t failed_epoch;  /* epoch whose window mapping failure was logged */
	dev_t refused_dev;      /* file whose refusal was logged */
	ino_t refused_ino;
	int geometry_ok;        /* page compatible with ours */
	int alive;              /* lock held at the last liveness check */
	int lock_open;          /* lock_fd holds the live peer's lock file */
	int lock_fd;            /* kept open while the peer is alive, so a
				   liveness check is one flock() call */
	int link_up;            /* atomic: read by any thread */
	/* Outbound windows: NULL until first asked for, then fixed. */
	void *mw[SHM_WIRE_MAX_MW];
	uint64_t mw_epoch[SHM_WIRE_MAX_MW]; /* epoch mapped; 0 = sink */
};

/* One host of a fabric: the files it owns and its view of the peers. */
struct shm_host {
	struct shm_params p;
	char name[64];               /* for log lines */
	char path[PATH_MAX];         /* fabric directory */
	int dir_fd;
	int lock_fd;
	int created_dir;             /* this open made the fabric directory */
	int opened;                  /* open completed */
	int hugetlb;                 /* fabric on hugetlbfs */
	size_t page_size;            /* 4 KiB, or the hugepage size */
	size_t regs_size;            /* register file size */
	struct shm_wire_page *regs;  /* own register page; with a manager
					only its header and management
					line, a sealed memfd (shm_regs.c) */
	int regs_obj_fd;             /* that memfd, or -1 */
	int regs_offer_pending;      /* the manager's socket was full */
	void *mw[SHM_WIRE_MAX_MW];   /* own inbound windows */
	uint64_t epoch;
	int link_enabled;
	uint64_t db_mask;
	int npeers;
	struct shm_peer peers[SHM_WIRE_MAX_HOSTS - 1];
	struct shm_grant *grant;     /* windows from the manager, or NULL */
	/* Register banks, fixed for the life of the device: where peer
	 * pidx rings this host's doorbells and writes its scratchpads
	 * (in_bank), and where this host does so into peer pidx (out_bank).
	 * Without a manager they are parts of the register pages; with one,
	 * memory objects of their own (shm_grant.c). */
	struct rte_marlin_ntb_bank *in_bank[SHM_WIRE_MAX_HOSTS - 1];
	struct rte_marlin_ntb_bank *out_bank[SHM_WIRE_MAX_HOSTS - 1];
};

/* Device private data (dev->priv). */
struct shm_dev {
	struct shm_host host;
	int opened;
	uint64_t next_fast;   /* timer cycles of the next page check */
	uint64_t next_slow;   /* ... of the next file and liveness check */
};

static inline int
shm_pidx_to_host(const struct shm_host *h, int pidx)
{
	return pidx < h->p.host ? pidx : pidx + 1;
}

static inline int
shm_host_to_pidx(const struct shm_host *h, int host)
{
	return host < h->p.host ? host : host - 1;
}

/* shm_fabric.c: location and locking */
int shm_fabric_name_valid(const char *name);
void shm_host_file(char *buf, size_t len, int host, const char *what);
void shm_mw_file(char *buf, size_t len, int host, int widx);
void shm_cut_file(char *buf, size_t len, int a, int b);
/* Open a file of the fabric directory (never following a link, never
 * blocking on a FIFO) and stat it; only a regular file of this user, of
 * the directory's owner or of its sharing group. Returns the descriptor,
 * -EPROTO (something else is there: shm_file_refusal() says what) or
 * -errno. */
int shm_file_open(int dir_fd, const char *name, int flags, struct stat *st);
int shm_range_sink(void *va, size_t size);
void *shm_range_reserve(size_t size, size_t align);
int shm_range_map_file(void *va, size_t size, int fd);
int shm_fabric_search(const char *fabric, const struct shm_params *p, char *buf,
		size_t len, char *why, size_t whylen);
int shm_fabric_join(const char *dir, const char *fabric, char *buf, size_t len);
int shm_mkdir_parents(const char *path);
int shm_fabric_dir_lock(const char *path, int *created, char *why,
		size_t whylen);
/* May this user trust the fabric directory @dir_fd (owned by it or shared
 * with one of its groups, not writable by all)? 0, or -errno and @why. */
int shm_dir_trusted(int dir_fd, char *why, size_t len);
const char *shm_file_kind(const struct stat *st);
void shm_file_refusal(int dir_fd, const char *name, char *why, size_t len);
int shm_fabric_dir_open(const char *path, int lock);

/* shm_liveness.c */
int shm_lock_probe(int dir_fd, int host);
int shm_page_read(int dir_fd, int host, struct shm_wire_hdr *hd, uint64_t *cut);
void shm_host_files_unlink(int dir_fd, int host);
int shm_host_has_files(int dir_fd, int host);

/* shm_host.c: one host's start and stop */
int shm_host_open(struct shm_host *h, const struct shm_params *p,
		const char *devname);
void shm_host_close(struct shm_host *h);

/* shm_peer.c: one host's view of its peers */
void shm_host_refresh(struct shm_host *h, int slow);
void shm_peer_lock_close(struct shm_peer *pr);
void shm_host_link_set(struct shm_host *h, int enable);
void shm_host_heartbeat(struct shm_host *h);
void *shm_peer_mw_get(struct shm_host *h, int pidx, int widx);

/* shm_grant.c: windows granted by the rack manager (devarg manager=) */
struct shm_grant;
int shm_grant_open(struct shm_host *h);
void shm_grant_close(struct shm_host *h);
void *shm_grant_mw(struct shm_host *h, int pidx, int widx);
int shm_grant_peer_map(struct shm_host *h, struct shm_peer *pr, int widx);
int shm_grant_link_ok(struct shm_host *h, int pidx);
void shm_grant_banks_bind(struct shm_host *h);
void shm_grant_poll(struct shm_host *h);
int shm_grant_expose(struct shm_host *h, int pidx, int widx, size_t off,
		size_t len, unsigned int rights);
int shm_grant_unexpose(struct shm_host *h, int pidx, int widx, size_t off,
		size_t len);

struct rte_marlin_rack_client *shm_grant_client(struct shm_host *h);

/* shm_regs.c: the register header as a memory object (manager=) */
struct rte_marlin_rack_event;
int shm_regs_create(struct shm_host *h);
void shm_regs_destroy(struct shm_host *h);
void shm_regs_offer(struct shm_host *h);
void shm_regs_event(struct shm_host *h, const struct rte_marlin_rack_event *ev);

/* shm_ops.c */
struct rte_marlin_ntb_ops;
extern const struct rte_marlin_ntb_ops shm_ops;

#endif /* SHM_PRIVATE_H */
