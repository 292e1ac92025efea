/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-fabric FABRIC status|cut|restore|clean: look at and manage an
 * ntb_shm software fabric from outside its hosts. Needs no EAL: it works on
 * the fabric directory through the rte_pmd_ntb_shm_* calls; for hosts that
 * run with a rack manager (only a lock file each) it asks the manager.
 */

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_marlin_args.h>
#include <rte_pmd_ntb_shm.h>

#include "fabric.h"

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where the hosts would look (the driver's own search order); printed when
 * the fabric is not found. */
static void
print_searched(const char *fabric, const char *dir)
{
	struct rte_pmd_ntb_shm_place pl[8];
	int i, n;

	fprintf(stderr, "%s: fabric '%s' not found; looked for:\n", prog, fabric);
	if (dir != NULL) {
		fprintf(stderr, "  %s/marlin-fabric-%s\n", dir, fabric);
		return;
	}
	n = rte_pmd_ntb_shm_places(pl, RTE_DIM(pl));
	for (i = 0; i < n && i < (int)RTE_DIM(pl); i++)
		fprintf(stderr, "  %s/marlin-fabric-%s\n", pl[i].dir, fabric);
	fprintf(stderr, "Is a host running with fabric=%s? Pass --dir if the hosts use dir=.\n",
		fabric);
}

static void
fmt_mask(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	int h;

	buf[0] = '\0';
	for (h = 0; h < 64 && off < len; h++) {
		if (!(mask & (UINT64_C(1) << h)))
			continue;
		off += snprintf(buf + off, len - off, "%s%d", off ? "," : "", h);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

/* Does a host of the fabric run with a rack manager? */
static int
fabric_has_manager_hosts(const char *path)
{
	struct rte_pmd_ntb_shm_host_state st;
	int h;

	for (h = 0; h < RTE_PMD_NTB_SHM_MAX_HOSTS; h++)
		if (rte_pmd_ntb_shm_host_state(path, h, &st) == 0 && st.manager)
			return 1;
	return 0;
}

/* Hosts with manager= keep link state and cuts with the manager (its
 * link page): print its view of the links. */
static void
status_manager(const char *socket)
{
	struct rack_wire_admin a = { .op = RACK_OP_LINKS };

	printf("\nhosts with manager= take link state and cuts from the rack manager at %s:\n",
		socket);
	fflush(stdout);
	if (manager_request(socket, &a) != EXIT_OK)
		printf("(could not ask the rack manager: see above; --socket or --run-dir say where it is)\n");
}

static int
cmd_status(const char *fabric, const char *path, const char *socket)
{
	struct rte_pmd_ntb_shm_host_state st;
	char cuts[256], size[32];
	struct dirent *de;
	int h, rc, shown = 0, failed = 0, managed = 0;
	DIR *d;

	printf("fabric %s: %s\n", fabric, path);
	for (h = 0; h < RTE_PMD_NTB_SHM_MAX_HOSTS; h++) {
		rc = rte_pmd_ntb_shm_host_state(path, h, &st);
		if (rc == -ENOENT)
			continue;
		if (rc == -EPERM || rc == -ENOTDIR) {
			/* The directory itself: the reason is logged above. */
			fprintf(stderr, "%s: fabric %s: refusing %s: %s\n", prog,
				fabric, path, rc == -EPERM ?
				"not this user's, or writable by others" :
				"a symlink or not a directory");
			return EXIT_FAIL;
		}
		if (shown++ == 0)
			printf("%-4s  %-5s  %-8s  %-20s  %-8s  %-8s  %s\n", "host",
				"alive", "pid", "epoch", "link", "windows",
				"cut from");
		if (rc != 0) {
			printf("%-4d  %s\n", h, rc == -EPROTO ?
				"(register page not valid: starting, left by an old version, or not a regular file of this user or group)" :
				strerror(-rc));
			if (rc != -EPROTO)
				failed = 1;
			continue;
		}
		if (st.manager) {
			managed++;
			printf("%-4d  %-5s  %s\n", h, st.alive ? "yes" : "no",
				st.present ?
				"manager= (its header is a memory object; the register page file here is planted or stale and read by no host)" :
				"manager= (its header is a memory object, not a file)");
			continue;
		}
		fmt_mask(st.cut_mask, cuts, sizeof(cuts));
		rte_marlin_size_format(st.mw_size, size, sizeof(size));
		printf("%-4d  %-5s  %-8d  %-20" PRIu64 "  %-8s  %dx%-6s  %s\n",
			h, st.alive ? "yes" : "no", st.pid, st.epoch,
			st.link_enabled ? "enabled" : "disabled", st.mw_count,
			size, cuts);
	}
	if (shown == 0)
		printf("no host has a register page here\n");

	/* Cut records also cover hosts that are not running. */
	rc = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	d = rc >= 0 ? fdopendir(rc) : NULL;
	if (d == NULL && rc >= 0)
		close(rc);
	if (d != NULL) {
		int first = 1;

		while ((de = readdir(d)) != NULL) {
			int a, b;

			if (sscanf(de->d_name, "cut-%d-%d", &a, &b) != 2)
				continue;
			printf("%s%d-%d", first ? "cut links: " : " ", a, b);
			first = 0;
		}
		if (!first)
			printf("%s\n", managed ?
				" (hosts with manager= do not read these)" : "");
		closedir(d);
	}
	if (managed)
		status_manager(socket);
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* A restore may leave the directory empty (only cut records were left in
 * it): remove it then, under the directory lock hosts start with. */
static void
remove_if_empty(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX) == 0 && rmdir(path) == 0)
		printf("fabric directory %s removed (nothing left in it)\n", path);
	close(fd);
}

static int
cmd_cut(const char *fabric, const char *path, const char *socket, int a,
		int b, int cut)
{
	int rc;

	if (fabric_has_manager_hosts(path)) {
		struct rack_wire_admin req = {
			.op = cut ? RACK_OP_CUT : RACK_OP_RESTORE,
			.owner = (uint32_t)a, .peer = (uint32_t)b,
		};

		/* Their cuts are the manager's alone. */
		printf("fabric %s runs with a rack manager: asking it at %s\n",
			fabric, socket);
		fflush(stdout);
		return manager_request(socket, &req);
	}
	rc = rte_pmd_ntb_shm_link_cut(path, a, b, cut);

	if (rc != 0) {
		fprintf(stderr, "%s: cannot %s link %d-%d of fabric %s: %s\n",
			prog, cut ? "cut" : "restore", a, b, fabric,
			strerror(-rc));
		return EXIT_FAIL;
	}
	printf("link %d-%d of fabric %s %s\n", a, b, fabric,
		cut ? "cut" : "restored");
	if (!cut)
		remove_if_empty(path);
	return EXIT_OK;
}

static int
cmd_clean(const char *fabric, const char *path)
{
	int n = rte_pmd_ntb_shm_fabric_clean(path, 1);

	if (n < 0) {
		fprintf(stderr, "%s: cannot clean fabric %s (%s): %s\n", prog,
			fabric, path, strerror(-n));
		return EXIT_FAIL;
	}
	printf("removed the files of %d dead host%s\n", n, n == 1 ? "" : "s");
	if (!is_dir(path))
		printf("fabric directory %s removed (no host left)\n", path);
	return EXIT_OK;
}

/* Checks the command line first: exit 2 whether or not the fabric exists. */
int
fabric_dir_main(const char *dir, const char *fabric, const char *socket,
		int argc, char **argv)
{
	const char *cmd = argv[0];
	char path[PATH_MAX];
	int a = 0, b = 0, rc;

	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "cut") != 0 &&
			strcmp(cmd, "restore") != 0 && strcmp(cmd, "clean") != 0)
		return usage_error("unknown command '%s' (status, cut, restore, clean)",
			cmd);
	if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "clean") == 0) &&
			argc != 1)
		return usage_error("'%s' takes no arguments", cmd);
	if (strcmp(cmd, "cut") == 0 || strcmp(cmd, "restore") == 0) {
		if (argc != 3)
			return usage_error("'%s' takes two host ids", cmd);
		if (parse_host(argv[1], &a) != 0)
			return usage_error("'%s' is not a host id (0..63)", argv[1]);
		if (parse_host(argv[2], &b) != 0)
			return usage_error("'%s' is not a host id (0..63)", argv[2]);
		if (a == b)
			return usage_error("a link joins two different hosts, got %s twice",
				argv[1]);
	}
	rc = rte_pmd_ntb_shm_fabric_path(fabric, dir, path, sizeof(path));
	if (rc == -EINVAL)
		return usage_error("'%s' is not a fabric name (1..32 of [A-Za-z0-9_.-])",
			fabric);
	if (rc != 0) {
		fprintf(stderr, "%s: fabric %s: %s\n", prog, fabric, strerror(-rc));
		return EXIT_FAIL;
	}
	if (!is_dir(path)) {
		print_searched(fabric, dir);
		return EXIT_FAIL;
	}
	if (strcmp(cmd, "status") == 0)
		return cmd_status(fabric, path, socket);
	if (strcmp(cmd, "clean") == 0)
		return cmd_clean(fabric, path);
	return cmd_cut(fabric, path, socket, a, b, strcmp(cmd, "cut") == 0);
}
