// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libodp's API (odp.h) against the device: capability query, device and
 * per-MR counters, prefetch, every function's bad inputs; and plain
 * ibv_advise_mr() with and without the libodp-advise.so preload.
 *
 *   odp_lib_tests               ibv_advise_mr() must give EOPNOTSUPP
 *                               (rdma-core 44's and 56's rxe providers
 *                               have none)
 *   LD_PRELOAD=.../libodp-advise.so odp_lib_tests --preloaded
 *                               ibv_advise_mr() must prefetch, on contexts
 *                               from ibv_open_device(), ibv_import_device()
 *                               and librdmacm alike
 *   odp_lib_tests --provider-advises
 *                               the same without the preload: the rxe
 *                               provider has advise_mr of its own
 *                               (rdma-core 65)
 *
 * Counters are checked against what happened (pages written, prefetched,
 * dropped) and against `rdma statistic mr`. Output is TAP; a device
 * without ODP skips.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <rdma/rdma_cma.h>

#include "odp.h"
#include "odp_mem.h"
#include "odp_test.h"
#include "odp_verbs.h"

#define KiB 1024UL
#define PAGE 4096UL
#define LEN (16 * PAGE)
#define PAGES (LEN / PAGE)

struct lib_state {
	struct odp_pair pair;	/* first: *state is also the pair */
	bool advises;		/* plain ibv_advise_mr() must prefetch: with
				 * libodp-advise.so, or a provider's own */
};

/* *state starts as the mode (a const bool *: advises or not). */
static int setup(void **state)
{
	struct lib_state *st = odp_test_state_open(sizeof(*st));

	if (!st)
		return -1;
	st->advises = *(const bool *)*state;
	*state = st;
	return 0;
}

static struct odp_pair *need_odp(void **state)
{
	struct odp_pair *p = *state;

	if (!odp_pair_has_odp(p, IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ)) {
		print_message("# SKIP: device reports no RC ODP\n");
		skip();
	}
	return p;
}

static struct ibv_mr *reg(struct odp_pair *p, void *buf, size_t len,
			  int access)
{
	struct ibv_mr *mr = ibv_reg_mr(p->pd, buf, len, access);

	if (!mr)
		print_message("# ibv_reg_mr: %s\n", strerror(errno));
	assert_non_null(mr);
	return mr;
}

/* The kernel caches hw_counters in sysfs for 10 ms: read fresh values. */
static struct odp_counters dev_counters(struct odp_pair *p)
{
	struct odp_counters c;

	usleep(50000);
	assert_int_equal(odp_query_dev_counters(p->ctx, 1, &c), 0);
	return c;
}

static bool all_ones(const void *buf, size_t len)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0xff)
			return false;
	return true;
}

static bool zeroed(const struct odp_counters *c)
{
	static const struct odp_counters zero;

	return !memcmp(c, &zero, sizeof(zero));
}

/* odp_query_caps() says what ibv_query_device_ex() says, and rxe_odp
 * reports explicit and implicit ODP with RC and UD operations.
 */
/* The kernel's values (ib_user_verbs.h: IB_UVERBS_DEVICE_FLUSH_GLOBAL,
 * IB_UVERBS_DEVICE_ATOMIC_WRITE, IB_UVERBS_ODP_SUPPORT_FLUSH and
 * _ATOMIC_WRITE), which rdma-core 44's headers lack.
 */
#define DEV_FLUSH_GLOBAL		(1ULL << 38)
#define DEV_ATOMIC_WRITE		(1ULL << 40)
#define ODP_SUPPORT_FLUSH		(1u << 6)
#define ODP_SUPPORT_ATOMIC_WRITE	(1u << 7)

static void caps_query(void **state)
{
	struct odp_pair *p = *state;
	struct ibv_device_attr_ex attr;
	struct odp_caps caps;
	uint32_t rc;

	memset(&caps, 0xa5, sizeof(caps));
	assert_int_equal(odp_query_caps(p->ctx, &caps), 0);
	assert_int_equal(ibv_query_device_ex(p->ctx, NULL, &attr), 0);
	print_message("# general %#llx rc %#x uc %#x ud %#x xrc %#x\n",
		      (unsigned long long)caps.general, caps.rc, caps.uc,
		      caps.ud, caps.xrc);
	if (!(attr.odp_caps.general_caps & IBV_ODP_SUPPORT)) {
		/* no ODP: all zero, not an error */
		assert_true(caps.general == 0 && caps.rc == 0 && caps.uc == 0 &&
			    caps.ud == 0 && caps.xrc == 0);
		skip();
	}
	assert_int_equal(caps.general, attr.odp_caps.general_caps);
	assert_int_equal(caps.rc, attr.odp_caps.per_transport_caps.rc_odp_caps);
	assert_int_equal(caps.uc, attr.odp_caps.per_transport_caps.uc_odp_caps);
	assert_int_equal(caps.ud, attr.odp_caps.per_transport_caps.ud_odp_caps);
	assert_int_equal(caps.xrc, attr.xrc_odp_caps);
	/* what rdma_rxe_odp reports (rxe_odp_init_caps): RC's operations,
	 * and FLUSH and ATOMIC WRITE where its rxe has them (6.12), as the
	 * device's capability flags say
	 */
	rc = IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
	     IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
	     IBV_ODP_SUPPORT_ATOMIC | IBV_ODP_SUPPORT_SRQ_RECV;
	if (attr.device_cap_flags_ex & DEV_FLUSH_GLOBAL)
		rc |= ODP_SUPPORT_FLUSH;
	if (attr.device_cap_flags_ex & DEV_ATOMIC_WRITE)
		rc |= ODP_SUPPORT_ATOMIC_WRITE;
	assert_true(caps.general & IBV_ODP_SUPPORT_IMPLICIT);
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_RC), rc);
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_UD),
			 IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV);
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_UC), caps.uc);
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_XRC_SEND), caps.xrc);
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_XRC_RECV), caps.xrc);
}

static void caps_bad_inputs(void **state)
{
	struct odp_pair *p = *state;
	struct odp_caps caps;

	memset(&caps, 0xa5, sizeof(caps));
	assert_int_equal(odp_query_caps(NULL, &caps), EINVAL);
	assert_true(caps.general == 0 && caps.rc == 0 && caps.ud == 0);
	assert_int_equal(odp_query_caps(p->ctx, NULL), EINVAL);
	assert_int_equal(odp_transport_caps(NULL, IBV_QPT_RC), 0);
	/* transport bits without IBV_ODP_SUPPORT mean nothing */
	caps = (struct odp_caps){ .general = 0, .rc = IBV_ODP_SUPPORT_SEND };
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_RC), 0);
	caps.general = IBV_ODP_SUPPORT;
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_RC),
			 IBV_ODP_SUPPORT_SEND);
	assert_int_equal(odp_transport_caps(&caps, IBV_QPT_RAW_PACKET), 0);
	assert_int_equal(odp_transport_caps(&caps, (enum ibv_qp_type)77), 0);
}

/* Device counters follow faults, prefetch and invalidations; one MR's
 * counters follow only that MR, and agree with `rdma statistic mr`.
 */
static void counters_dev_and_mr(void **state)
{
	struct odp_pair *p = need_odp(state);
	uint8_t *buf = map_anon(LEN), *other = map_anon(LEN);
	struct ibv_mr *mr = reg(p, buf, LEN, ODP_ACCESS);
	struct ibv_mr *omr = reg(p, other, LEN, ODP_ACCESS);
	size_t half = LEN / 2;
	struct ibv_sge sge = { (uintptr_t)buf, half, mr->lkey };
	struct odp_counters d0, d, m;

	m = odp_test_mr_counters(mr);
	assert_true(zeroed(&m));
	d0 = dev_counters(p);

	/* first half prefetched, second half written by the "remote" QP */
	assert_int_equal(odp_advise_mr(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				       IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1), 0);
	memset(p->scratch, 0xff, half);
	assert_int_equal(odp_rdma(p, IBV_WR_RDMA_WRITE, p->scratch,
				  p->scratch_mr->lkey, half,
				  (uintptr_t)buf + half, mr->rkey),
			 IBV_WC_SUCCESS);
	assert_true(all_ones(buf + half, half));
	m = odp_test_mr_counters(mr);
	d = dev_counters(p);
	print_message("# MR: faults %llu handled %llu prefetch %llu; device +%llu +%llu +%llu\n",
		      (unsigned long long)m.page_faults,
		      (unsigned long long)m.page_faults_handled,
		      (unsigned long long)m.page_prefetch,
		      (unsigned long long)(d.page_faults - d0.page_faults),
		      (unsigned long long)(d.page_faults_handled - d0.page_faults_handled),
		      (unsigned long long)(d.page_prefetch - d0.page_prefetch));
	assert_int_equal(m.page_prefetch, PAGES / 2);
	assert_int_equal(m.page_faults, PAGES / 2);
	assert_true(m.page_faults_handled >= 1 &&
		    m.page_faults_handled <= PAGES / 2);
	assert_int_equal(m.page_invalidations, 0);
	assert_int_equal(d.page_prefetch - d0.page_prefetch, PAGES / 2);
	assert_int_equal(d.page_faults - d0.page_faults, PAGES / 2);
	assert_int_equal(d.page_faults_handled - d0.page_faults_handled,
			 m.page_faults_handled);

	/* the kernel drops every mirrored page */
	assert_int_equal(madvise(buf, LEN, MADV_DONTNEED), 0);
	m = odp_test_mr_counters(mr);
	d = dev_counters(p);
	assert_int_equal(m.page_invalidations, PAGES);
	assert_true(m.page_invalidations_handled >= 1);
	assert_int_equal(d.page_invalidations - d0.page_invalidations, PAGES);
	assert_int_equal(d.page_invalidations_handled -
			 d0.page_invalidations_handled,
			 m.page_invalidations_handled);

	/* the same numbers as the rdma tool, MR by MR */
	assert_int_equal(odp_tool_mr_counter(mr, "page_faults"),
			 m.page_faults);
	assert_int_equal(odp_tool_mr_counter(mr, "page_prefetch"),
			 m.page_prefetch);
	assert_int_equal(odp_tool_mr_counter(mr, "page_invalidations"),
			 m.page_invalidations);
	/* the other MR saw none of it */
	m = odp_test_mr_counters(omr);
	assert_true(zeroed(&m));

	assert_int_equal(ibv_dereg_mr(omr), 0);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	munmap(other, LEN);
	munmap(buf, LEN);
}

/* An implicit MR's counters sum its 2 MiB chunks. */
static void counters_implicit_mr(void **state)
{
	struct odp_pair *p = need_odp(state);
	size_t len = 4 * 1024 * KiB;	/* spans at least two chunks */
	uint8_t *buf = map_anon(len);
	struct ibv_mr *mr;
	struct odp_counters m;
	struct ibv_sge sge[2];

	if (!(p->attr.odp_caps.general_caps & IBV_ODP_SUPPORT_IMPLICIT))
		skip();
	mr = reg(p, NULL, SIZE_MAX, ODP_ACCESS);
	sge[0] = (struct ibv_sge){ (uintptr_t)buf, PAGE, mr->lkey };
	sge[1] = (struct ibv_sge){ (uintptr_t)buf + len - 2 * PAGE, 2 * PAGE,
				   mr->lkey };
	assert_int_equal(odp_advise_mr(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				       IBV_ADVISE_MR_FLAG_FLUSH, sge, 2), 0);
	m = odp_test_mr_counters(mr);
	assert_int_equal(m.page_prefetch, 3);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	munmap(buf, len);
}

static void counters_bad_inputs(void **state)
{
	struct odp_pair *p = need_odp(state);
	uint8_t *buf = map_anon(LEN);
	struct ibv_mr *pinned = reg(p, buf, LEN, IBV_ACCESS_LOCAL_WRITE);
	struct ibv_mr *mr = reg(p, buf, LEN, ODP_ACCESS), fake;
	struct odp_counters c;
	pid_t pid;
	int status;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(odp_query_dev_counters(NULL, 1, &c), EINVAL);
	assert_true(zeroed(&c));
	assert_int_equal(odp_query_dev_counters(p->ctx, 1, NULL), EINVAL);
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(odp_query_dev_counters(p->ctx, 0, &c), EINVAL);
	assert_true(zeroed(&c));
	assert_int_equal(odp_query_dev_counters(p->ctx, 2, &c), EINVAL);
	assert_int_equal(odp_query_dev_counters(p->ctx, 255, &c), EINVAL);

	assert_int_equal(odp_query_mr_counters(NULL, &c), EINVAL);
	assert_int_equal(odp_query_mr_counters(mr, NULL), EINVAL);
	/* a pinned MR has no ODP counters */
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(odp_query_mr_counters(pinned, &c), ENODATA);
	assert_true(zeroed(&c));
	/* no MR has this lkey */
	fake = *mr;
	fake.lkey = mr->lkey ^ 0xffff00;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(odp_query_mr_counters(&fake, &c), ENOENT);
	assert_true(zeroed(&c));
	/* without CAP_NET_ADMIN the kernel hides the keys: EPERM */
	if (geteuid() == 0) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int err;

			if (setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534))
				_exit(100);
			err = odp_query_mr_counters(mr, &c);
			_exit(err == EPERM && zeroed(&c) ? 0 : 10 + err);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		print_message("# unprivileged child: exit %d (0: EPERM)\n",
			      WEXITSTATUS(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(ibv_dereg_mr(mr), 0);
	assert_int_equal(ibv_dereg_mr(pinned), 0);
	munmap(buf, LEN);
}

/* An advise_mr function: odp_advise_mr, or a context's ibv_advise_mr. */
typedef int (*advise_fn)(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			 uint32_t flags, struct ibv_sge *sg_list,
			 uint32_t num_sge);

static int plain_advise(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			uint32_t flags, struct ibv_sge *sg_list,
			uint32_t num_sge)
{
	return ibv_advise_mr(pd, advice, flags, sg_list, num_sge);
}

/*
 * Prefetch through @advise: sync and async, NO_FAULT; the counters and
 * the resident pages show it happened; every bad input gets mlx5's error
 * and changes nothing.
 */
static void check_advise(struct odp_pair *p, advise_fn advise, bool null_ok)
{
	uint8_t *buf = map_anon(LEN), *cold = map_anon(LEN);
	struct ibv_mr *mr = reg(p, buf, LEN, ODP_ACCESS);
	struct ibv_mr *cmr = reg(p, cold, LEN, ODP_ACCESS);
	struct ibv_mr *ro = reg(p, cold, LEN, IBV_ACCESS_ON_DEMAND);
	struct ibv_sge sge = { (uintptr_t)buf, LEN, mr->lkey };
	struct ibv_sge csge = { (uintptr_t)cold, LEN, cmr->lkey };
	struct ibv_sge two[2], bad;
	struct odp_counters m;
	int i;

	/* bad inputs first: afterwards, nothing was mirrored */
	bad = sge;
	bad.lkey = mr->lkey ^ 0xffff00;
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
				IBV_ADVISE_MR_FLAG_FLUSH, &bad, 1), ENOENT);
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH, 0,
				&bad, 1), ENOENT);
	two[0] = sge;
	two[1] = bad;	/* one bad SGE fails the list before anything */
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				IBV_ADVISE_MR_FLAG_FLUSH, two, 2), ENOENT);
	bad = sge;
	bad.lkey = p->scratch_mr->lkey;		/* pinned, not ODP */
	bad.addr = (uintptr_t)p->scratch;
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
				IBV_ADVISE_MR_FLAG_FLUSH, &bad, 1), ENOENT);
	bad = sge;
	bad.lkey = ro->lkey;			/* ODP but not writable */
	bad.addr = (uintptr_t)cold;
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				IBV_ADVISE_MR_FLAG_FLUSH, &bad, 1), ENOENT);
	assert_int_equal(advise(p->pd, (enum ibv_advise_mr_advice)7,
				IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1), EOPNOTSUPP);
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
				1u << 7, &sge, 1), EINVAL);
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
				IBV_ADVISE_MR_FLAG_FLUSH, &sge, 0), EINVAL);
	if (null_ok) {
		assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
					IBV_ADVISE_MR_FLAG_FLUSH, NULL, 1),
				 EINVAL);
		assert_int_equal(advise(NULL, IBV_ADVISE_MR_ADVICE_PREFETCH,
					IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1),
				 EINVAL);
	}
	bad = sge;
	bad.addr = (uintptr_t)buf + LEN;	/* past the MR */
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
				IBV_ADVISE_MR_FLAG_FLUSH, &bad, 1), EFAULT);
	m = odp_test_mr_counters(mr);
	assert_true(zeroed(&m));
	assert_int_equal(resident_pages(buf, LEN), 0);

	/* synchronous: mirrored (and made resident) on return */
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1), 0);
	m = odp_test_mr_counters(mr);
	assert_int_equal(m.page_prefetch, PAGES);
	assert_int_equal(resident_pages(buf, LEN), PAGES);
	/* ... so the device writes without a fault */
	memset(p->scratch, 0xff, LEN);
	assert_int_equal(odp_remote_write(p, mr, buf, LEN), IBV_WC_SUCCESS);
	assert_true(all_ones(buf, LEN));
	assert_int_equal(odp_test_mr_counters(mr).page_faults, 0);

	/* NO_FAULT on untouched memory: nothing to mirror */
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT,
				IBV_ADVISE_MR_FLAG_FLUSH, &csge, 1), 0);
	assert_int_equal(odp_test_mr_counters(cmr).page_prefetch, 0);
	assert_int_equal(resident_pages(cold, LEN), 0);

	/* asynchronous: the pages arrive in the background */
	assert_int_equal(advise(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH, 0,
				&csge, 1), 0);
	for (i = 0; i < 200 &&
		    odp_test_mr_counters(cmr).page_prefetch < PAGES; i++)
		usleep(50000);
	assert_int_equal(odp_test_mr_counters(cmr).page_prefetch, PAGES);

	assert_int_equal(ibv_dereg_mr(ro), 0);
	assert_int_equal(ibv_dereg_mr(cmr), 0);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	munmap(cold, LEN);
	munmap(buf, LEN);
}

static void advise_libodp(void **state)
{
	check_advise(need_odp(state), odp_advise_mr, true);
}

/* ibv_advise_mr() on a context: EOPNOTSUPP without the preload (rdma-core
 * 44's and 56's rxe), a prefetch with it or with a provider's advise_mr.
 */
static void expect_plain(struct lib_state *st, struct ibv_pd *pd,
			 const char *how)
{
	uint8_t *buf = map_anon(LEN);
	struct ibv_mr *mr = ibv_reg_mr(pd, buf, LEN, ODP_ACCESS);
	struct ibv_sge sge = { (uintptr_t)buf, LEN, 0 };
	int err;

	assert_non_null(mr);
	sge.lkey = mr->lkey;
	err = ibv_advise_mr(pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			    IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
	print_message("# ibv_advise_mr on a context from %s: %s\n", how,
		      err ? strerror(err) : "ok");
	if (st->advises) {
		assert_int_equal(err, 0);
		assert_int_equal(resident_pages(buf, LEN), PAGES);
		assert_int_equal(odp_test_mr_counters(mr).page_prefetch, PAGES);
	} else {
		assert_int_equal(err, EOPNOTSUPP);
		assert_int_equal(resident_pages(buf, LEN), 0);
	}
	assert_int_equal(ibv_dereg_mr(mr), 0);
	munmap(buf, LEN);
}

static void advise_plain(void **state)
{
	struct lib_state *st = *state;
	struct odp_pair *p = need_odp(state);

	expect_plain(st, p->pd, "ibv_open_device");
	if (st->advises)	/* the same behaviour as odp_advise_mr */
		check_advise(p, plain_advise, false);
}

/* A context imported from a duplicate of the command fd. */
static void advise_plain_imported(void **state)
{
	struct lib_state *st = *state;
	struct odp_pair *p = need_odp(state);
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	int fd = dup(p->ctx->cmd_fd);

	assert_true(fd >= 0);
	ctx = ibv_import_device(fd);
	if (!ctx && errno == EOPNOTSUPP) {
		/* the provider cannot import (rdma-core 44's rxe) */
		close(fd);
		print_message("# SKIP: ibv_import_device: %s\n", strerror(errno));
		skip();
	}
	if (!ctx)
		print_message("# ibv_import_device: %s\n", strerror(errno));
	assert_non_null(ctx);
	pd = ibv_alloc_pd(ctx);
	assert_non_null(pd);
	expect_plain(st, pd, "ibv_import_device");
	assert_int_equal(ibv_dealloc_pd(pd), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

/* A context librdmacm opened (as UCX and rdma_cm programs get theirs). */
static void advise_plain_rdmacm(void **state)
{
	struct lib_state *st = *state;
	struct odp_pair *p = need_odp(state);
	const char *name = ibv_get_device_name(p->ctx->device);
	struct ibv_context **ctxs, *ctx = NULL;
	struct ibv_pd *pd;
	int n, i;

	ctxs = rdma_get_devices(&n);
	if (!ctxs) {
		print_message("# SKIP: rdma_get_devices: %s\n", strerror(errno));
		skip();
	}
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(ctxs[i]->device), name))
			ctx = ctxs[i];
	assert_non_null(ctx);
	pd = ibv_alloc_pd(ctx);
	assert_non_null(pd);
	expect_plain(st, pd, "librdmacm");
	assert_int_equal(ibv_dealloc_pd(pd), 0);
	rdma_free_devices(ctxs);
}

int main(int argc, char **argv)
{
	static const bool plain_mode, advises_mode = true;
	bool preloaded = argc > 1 && !strcmp(argv[1], "--preloaded");
	bool provider = argc > 1 && !strcmp(argv[1], "--provider-advises");
	const bool *mode = preloaded || provider ? &advises_mode : &plain_mode;
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, \
						       odp_test_teardown, \
						       (void *)mode)
		T(caps_query),
		T(caps_bad_inputs),
		T(counters_dev_and_mr),
		T(counters_implicit_mr),
		T(counters_bad_inputs),
		T(advise_libodp),
		T(advise_plain),
		T(advise_plain_imported),
		T(advise_plain_rdmacm),
#undef T
	};

	if (argc > 1 && !preloaded && !provider) {
		fprintf(stderr, "usage: odp_lib_tests [--preloaded | --provider-advises]\n");
		return 2;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name(preloaded ? "odp_lib_preloaded" :
					   provider ? "odp_lib_provider" : "odp_lib",
					   tests, NULL, NULL);
}
