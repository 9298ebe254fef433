// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libodp-advise.so: plain ibv_advise_mr() on rxe for programs that know
 * nothing of libodp, loaded with LD_PRELOAD or /etc/ld.so.preload.
 *
 * ibv_advise_mr() is an inline of <infiniband/verbs.h>: it calls the
 * advise_mr slot of the context's public struct verbs_context. rdma-core
 * 44's rxe provider leaves that slot at libibverbs' default, which returns
 * EOPNOTSUPP. This library interposes the two public calls that make a
 * context, ibv_open_device() (IBVERBS_1.1) and ibv_import_device()
 * (IBVERBS_1.10): each calls libibverbs' own, then, before the caller sees
 * the context, points its advise_mr slot at odp_ioctl_advise_mr() (the
 * uverbs ioctl UVERBS_METHOD_ADVISE_MR on the context's command fd), when
 * and only when
 *   - the context is an extended one whose verbs_context (by its sz) has
 *     the advise_mr slot,
 *   - the slot holds a function of libibverbs itself (its default), not a
 *     provider's: a provider that implements advise_mr keeps its own, and
 *   - the kernel drives the context with rxe (odp_ioctl_is_rxe()).
 * Nothing else is touched: no other slot, no other context, no libibverbs
 * state; no constructor, and no libraries pulled in (libibverbs is found
 * among those the process has already loaded), so a process that never
 * opens a device is unaffected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <infiniband/verbs.h>

#include "odp_priv.h"

#define IBVERBS_SONAME "libibverbs.so.1"

typedef struct ibv_context *(*open_device_fn)(struct ibv_device *device);
typedef struct ibv_context *(*import_device_fn)(int cmd_fd);
typedef int (*advise_mr_fn)(struct ibv_pd *pd,
			    enum ibv_advise_mr_advice advice, uint32_t flags,
			    struct ibv_sge *sg_list, uint32_t num_sges);

/*
 * libibverbs' definition of @name@@@version: the next one after ours in
 * the global scope, else in the copy of libibverbs already loaded (a
 * dlopen()ed module, such as a Python extension, may have loaded it out
 * of the global scope). NULL when libibverbs is not loaded.
 */
static void *real_symbol(const char *name, const char *version)
{
	void *sym = dlvsym(RTLD_NEXT, name, version);
	void *lib;

	if (sym)
		return sym;
	lib = dlopen(IBVERBS_SONAME, RTLD_NOW | RTLD_NOLOAD);
	if (!lib)
		return NULL;
	sym = dlvsym(lib, name, version);
	dlclose(lib);	/* drops only the reference NOLOAD took */
	return sym;
}

/* Are @a and @b code of the same loaded object? */
static bool same_object(const void *a, const void *b)
{
	Dl_info ia, ib;

	return dladdr(a, &ia) && dladdr(b, &ib) && ia.dli_fbase == ib.dli_fbase;
}

/*
 * Fill @ctx's advise_mr slot if it is libibverbs' default and the device
 * is rxe. @libibverbs_fn: any function of libibverbs, to recognise its
 * code by.
 */
static void fill_advise_mr(struct ibv_context *ctx, const void *libibverbs_fn)
{
	struct verbs_context *vctx;
	advise_mr_fn cur;
	int saved_errno = errno;	/* the caller's, untouched by the probe */

	if (!ctx)
		return;
	vctx = verbs_get_ctx(ctx);
	if (!vctx || vctx->sz < sizeof(*vctx) -
				offsetof(struct verbs_context, advise_mr))
		return;
	cur = vctx->advise_mr;
	if (cur && !same_object((const void *)cur, libibverbs_fn))
		return;	/* the provider's own */
	if (odp_ioctl_is_rxe(ctx))
		vctx->advise_mr = odp_ioctl_advise_mr;
	errno = saved_errno;
}

/* The public ibv_open_device@@IBVERBS_1.1 (odp_preload.map). */
struct ibv_context *ibv_open_device(struct ibv_device *device)
{
	open_device_fn real = (open_device_fn)real_symbol("ibv_open_device",
							  "IBVERBS_1.1");
	struct ibv_context *ctx;

	if (!real)
		return NULL;
	ctx = real(device);
	fill_advise_mr(ctx, (const void *)real);
	return ctx;
}

/* The public ibv_import_device@@IBVERBS_1.10 (odp_preload.map). */
struct ibv_context *ibv_import_device(int cmd_fd)
{
	import_device_fn real = (import_device_fn)real_symbol(
		"ibv_import_device", "IBVERBS_1.10");
	struct ibv_context *ctx;

	if (!real)
		return NULL;
	ctx = real(cmd_fd);
	fill_advise_mr(ctx, (const void *)real);
	return ctx;
}
