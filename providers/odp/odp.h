/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libodp: what Debian 12's rdma-core lacks for on-demand paging on
 * Soft-RoCE (rdma_rxe_odp), on public interfaces only: libibverbs and the
 * kernel's uverbs ioctl ABI.
 */
#ifndef RXE_ODP_ODP_H
#define RXE_ODP_ODP_H

#include <stdint.h>

#include <infiniband/verbs.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * odp_advise_mr - prefetch ranges of ODP memory regions
 * @pd:		protection domain of the MRs
 * @advice:	IBV_ADVISE_MR_ADVICE_PREFETCH (fault in for reading),
 *		IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE (for writing; the MR must
 *		have IBV_ACCESS_LOCAL_WRITE) or
 *		IBV_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT (mirror only the pages
 *		already present in memory)
 * @flags:	IBV_ADVISE_MR_FLAG_FLUSH: return when done; else the kernel
 *		prefetches in the background (deregistration waits for it)
 * @sg_list:	the ranges: lkey of an ODP MR of @pd, address, length
 * @num_sge:	how many
 *
 * The same call as ibv_advise_mr(), made directly to the kernel, for
 * providers (Debian 12's rxe) that do not implement ibv_advise_mr().
 *
 * Return: 0, or an errno value: EOPNOTSUPP (no advise_mr in the kernel
 * driver, or an unknown advice), ENOENT (an lkey that is not an ODP MR of
 * @pd), EFAULT (with FLUSH: a range that is not mapped), EINVAL.
 */
int odp_advise_mr(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
		  uint32_t flags, struct ibv_sge *sg_list, uint32_t num_sge);

#ifdef __cplusplus
}
#endif

#endif /* RXE_ODP_ODP_H */
