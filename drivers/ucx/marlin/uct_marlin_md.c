/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Component and memory domain of the Marlin UCX transport.
 *
 * Registering memory adds it to this host's registration table
 * (uct_marlin_host.c) under a random secret; the packed remote key carries
 * the owner's host id, the table slot, the range and the secret. Peers'
 * put/get requests are checked against the table by the owner before any
 * byte moves; deregistration revokes the secret. Memory inside a heap
 * block (uct_marlin_heap.c) is given that block's key instead, which
 * peers use directly; it is revoked when the block is freed.
 */

#include <stdio.h>
#include <string.h>

#include <ucs/arch/cpu.h>
#include <ucs/debug/memtrack_int.h>
#include <ucs/sys/string.h>
#include <ucs/type/class.h>
#include <ucp/api/ucp.h>
#include <uct/api/version.h>

#include "uct_marlin.h"

static ucs_config_field_t uct_marlin_md_config_table[] = {
	{"", "", NULL, 0, UCS_CONFIG_TYPE_TABLE(uct_md_config_table)},
	{NULL}
};

static ucs_status_t
uct_marlin_md_query(uct_md_h md, uct_md_attr_t *attr)
{
	(void)md;
	memset(attr, 0, sizeof(*attr));
	attr->cap.flags = UCT_MD_FLAG_REG | UCT_MD_FLAG_NEED_RKEY |
			  UCT_MD_FLAG_ALLOC;
	attr->cap.alloc_mem_types = UCS_BIT(UCS_MEMORY_TYPE_HOST);
	attr->cap.max_alloc = SIZE_MAX;
	attr->cap.reg_mem_types = UCS_BIT(UCS_MEMORY_TYPE_HOST);
	attr->cap.access_mem_types = UCS_BIT(UCS_MEMORY_TYPE_HOST);
	attr->cap.max_reg = SIZE_MAX;
	attr->rkey_packed_size = sizeof(struct um_rkey_wire);
	attr->reg_cost = ucs_linear_func_make(200e-9, 0);
	memset(&attr->local_cpus, 0xff, sizeof(attr->local_cpus));
	return UCS_OK;
}

static ucs_status_t
uct_marlin_mem_reg(uct_md_h md, void *address, size_t length, unsigned flags,
		   uct_mem_h *memh_p)
{
	uct_marlin_memh_t *mh;
	int rc;

	(void)md;
	(void)flags;
	mh = ucs_calloc(1, sizeof(*mh), "marlin memh");
	if (mh == NULL)
		return UCS_ERR_NO_MEMORY;
	/* Inside one heap block (UCP registers each rendezvous buffer, and
	 * buffers it allocated come from the heap): the block's key, so the
	 * peer reaches the memory directly. Peers can reach all of the heap
	 * anyway; the key lives as long as the block, not this handle. */
	if (um_heap_find(address, length, &mh->addr, &mh->heap_off, &mh->len,
			 &mh->idx, &mh->secret) == 0) {
		*memh_p = mh;
		return UCS_OK;
	}
	rc = um_reg_add(address, length, &mh->idx, &mh->secret);
	if (rc != 0) {
		ucs_free(mh);
		ucs_error("marlin: cannot register %zu bytes at %p: %s", length,
			  address, strerror(-rc));
		return UCS_ERR_NO_MEMORY;
	}
	mh->addr = address;
	mh->len = length;
	*memh_p = mh;
	return UCS_OK;
}

/*
 * Memory in the heap (this host's window), where peers store and load
 * directly. When the heap is full or this host has none, ordinary memory,
 * registered: UCX does not fall back to its next allocation method once a
 * memory domain that allocates has failed, and that memory still works,
 * by HRDMA messages.
 */
static ucs_status_t
uct_marlin_mem_alloc(uct_md_h md, size_t *length_p, void **address_p,
		     ucs_memory_type_t mem_type, unsigned flags,
		     const char *alloc_name, uct_mem_h *memh_p)
{
	static int told;
	uct_marlin_memh_t *mh;
	size_t len = *length_p;
	void *addr = NULL;
	int rc;

	if (mem_type != UCS_MEMORY_TYPE_HOST || (flags & UCT_MD_MEM_FLAG_FIXED))
		return UCS_ERR_UNSUPPORTED;
	if (len == 0)
		len = 1;
	mh = ucs_calloc(1, sizeof(*mh), "marlin memh");
	if (mh == NULL)
		return UCS_ERR_NO_MEMORY;
	rc = um_heap_alloc(len, &addr, &mh->heap_off, &mh->idx, &mh->secret);
	if (rc != 0) {
		if (rc == -ENOMEM && !told++)
			ucs_diag("marlin: heap full at %zu bytes for %s: this and later allocations are ordinary memory, reached by HRDMA messages (a bigger heap: MARLIN_DEVARGS=mw_size=...)",
				 len, alloc_name);
		if (ucs_posix_memalign(&addr, UCS_SYS_CACHE_LINE_SIZE, len,
				       alloc_name) != 0) {
			ucs_free(mh);
			return UCS_ERR_NO_MEMORY;
		}
		rc = um_reg_add(addr, len, &mh->idx, &mh->secret);
		if (rc != 0) {
			ucs_free(addr);
			ucs_free(mh);
			return UCS_ERR_NO_MEMORY;
		}
		mh->heap_off = 0;
	}
	mh->addr = addr;
	mh->len = len;
	mh->allocated = 1;
	*length_p = len;
	*address_p = addr;
	*memh_p = mh;
	return UCS_OK;
}

static ucs_status_t
uct_marlin_mem_free(uct_md_h md, uct_mem_h memh)
{
	uct_marlin_memh_t *mh = memh;

	(void)md;
	if (mh->heap_off != 0) {
		um_heap_free(mh->addr);
	} else {
		um_reg_del(mh->idx);
		ucs_free(mh->addr);
	}
	ucs_free(mh);
	return UCS_OK;
}

static ucs_status_t
uct_marlin_mem_dereg(uct_md_h md, const uct_md_mem_dereg_params_t *params)
{
	uct_marlin_memh_t *mh;

	(void)md;
	UCT_MD_MEM_DEREG_CHECK_PARAMS(params, 0);
	mh = params->memh;
	if (mh->heap_off == 0)
		um_reg_del(mh->idx);  /* a heap block's key goes with the block */
	ucs_free(mh);
	return UCS_OK;
}

static ucs_status_t
uct_marlin_mkey_pack(uct_md_h md, uct_mem_h memh,
		     const uct_md_mkey_pack_params_t *params, void *rkey_buffer)
{
	const uct_marlin_memh_t *mh = memh;
	struct um_host_info info;
	struct um_rkey_wire w;

	(void)md;
	(void)params;
	if (um_host_get(&info) != 0)
		return UCS_ERR_NO_DEVICE;
	memset(&w, 0, sizeof(w));
	w.version = UM_WIRE_VERSION;
	w.owner = info.port;
	w.idx = mh->idx;
	w.base = (uintptr_t)mh->addr;
	w.len = mh->len;
	w.secret = mh->secret;
	w.heap_off = mh->heap_off;
	memcpy(rkey_buffer, &w, sizeof(w));
	return UCS_OK;
}

static ucs_status_t
uct_marlin_rkey_unpack(uct_component_t *component, const void *rkey_buffer,
		       uct_rkey_t *rkey_p, void **handle_p)
{
	uct_marlin_rkey_t *rk;

	(void)component;
	rk = ucs_calloc(1, sizeof(*rk), "marlin rkey");
	if (rk == NULL)
		return UCS_ERR_NO_MEMORY;
	if (um_rkey_wire_read(rkey_buffer, &rk->w) != 0) {
		ucs_error("marlin: remote key of layout %u, this host speaks %u: run the same Marlin build on every host",
			  rk->w.version, UM_WIRE_VERSION);
		ucs_free(rk);
		return UCS_ERR_UNSUPPORTED;
	}
	/* Heap keys are mapped (and checked) at their first use, when the
	 * endpoint says which peer the key is for. */
	rk->path = rk->w.heap_off != 0 ? UM_RK_UNKNOWN : UM_RK_HRDMA;
	*rkey_p = (uintptr_t)rk;
	*handle_p = NULL;
	return UCS_OK;
}

static ucs_status_t
uct_marlin_rkey_release(uct_component_t *component, uct_rkey_t rkey,
			void *handle)
{
	(void)component;
	(void)handle;
	ucs_free((void *)rkey);
	return UCS_OK;
}

static void
uct_marlin_md_close(uct_md_h md)
{
	ucs_free(md);
}

static ucs_status_t
uct_marlin_md_open(uct_component_t *component, const char *md_name,
		   const uct_md_config_t *config, uct_md_h *md_p)
{
	static uct_md_ops_t md_ops = {
		.close = uct_marlin_md_close,
		.query = uct_marlin_md_query,
		.mem_alloc = uct_marlin_mem_alloc,
		.mem_free = uct_marlin_mem_free,
		.mem_reg = uct_marlin_mem_reg,
		.mem_dereg = uct_marlin_mem_dereg,
		.mkey_pack = uct_marlin_mkey_pack,
		.detect_memory_type = (uct_md_detect_memory_type_func_t)
			ucs_empty_function_return_unsupported,
	};
	uct_marlin_md_t *md;

	(void)md_name;
	(void)config;
	md = ucs_calloc(1, sizeof(*md), "marlin md");
	if (md == NULL)
		return UCS_ERR_NO_MEMORY;
	md->super.ops = &md_ops;
	md->super.component = component;
	*md_p = &md->super;
	return UCS_OK;
}

/* One memory domain when this process is a Marlin host, none otherwise. */
static ucs_status_t
uct_marlin_query_md_resources(uct_component_t *component,
			      uct_md_resource_desc_t **resources_p,
			      unsigned *num_resources_p)
{
	int rc = um_host_get(NULL);

	if (rc != 0) {
		if (rc == -ENODEV)
			ucs_debug("marlin: MARLIN_FABRIC not set: this process is no Marlin host");
		return uct_md_query_empty_md_resource(resources_p,
						      num_resources_p);
	}
	return uct_md_query_single_md_resource(component, resources_p,
					       num_resources_p);
}

uct_component_t uct_marlin_component = {
	.query_md_resources = uct_marlin_query_md_resources,
	.md_open = uct_marlin_md_open,
	.cm_open = (uct_component_cm_open_func_t)
		ucs_empty_function_return_unsupported,
	.rkey_unpack = uct_marlin_rkey_unpack,
	.rkey_ptr = (uct_component_rkey_ptr_func_t)
		ucs_empty_function_return_unsupported,
	.rkey_release = uct_marlin_rkey_release,
	.name = UCT_MARLIN_NAME,
	.md_config = {
		.name = "Marlin memory domain",
		.prefix = "MARLIN_",
		.table = uct_marlin_md_config_table,
		.size = sizeof(uct_md_config_t),
	},
	.cm_config = UCS_CONFIG_EMPTY_GLOBAL_LIST_ENTRY,
	.tl_list = UCT_COMPONENT_TL_LIST_INITIALIZER(&uct_marlin_component),
	.flags = 0,
	.md_vfs_init = (uct_component_md_vfs_init_func_t)ucs_empty_function,
};

extern uct_tl_t UCT_TL_NAME(marlin);
static int uct_marlin_registered;

/*
 * Loaded with LD_PRELOAD (UCX 1.13 only opens modules it was built with):
 * register with UCT here, but only into the UCX this plugin was built for.
 */
UCS_F_CTOR void
uct_marlin_init(void)
{
	unsigned major, minor, release;

	/* libucp comes from the same UCX build as the libuct we run in. */
	ucp_get_version(&major, &minor, &release);
	if (major != UCT_VERNO_MAJOR || minor != UCT_VERNO_MINOR) {
		fprintf(stderr,
			"[marlin ucx] error: libuct_marlin was built for UCX %d.%d but this process runs UCX %u.%u.%u: the Marlin transport is disabled. Rebuild Marlin against the installed UCX (scripts/setup.sh fetches the matching headers).\n",
			UCT_VERNO_MAJOR, UCT_VERNO_MINOR, major, minor, release);
		return;
	}
	uct_component_register(&uct_marlin_component);
	uct_tl_register(&uct_marlin_component, &UCT_TL_NAME(marlin));
	uct_marlin_registered = 1;
}

UCS_F_DTOR void
uct_marlin_cleanup(void)
{
	if (!uct_marlin_registered)
		return;
	uct_tl_unregister(&UCT_TL_NAME(marlin));
	uct_component_unregister(&uct_marlin_component);
}
