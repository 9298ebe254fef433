/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libodp: what Debian 12's rdma-core lacks for on-demand paging on
 * Soft-RoCE (rdma_rxe_odp), on public interfaces only: libibverbs, sysfs,
 * RDMA netlink and the kernel's uverbs ioctl ABI.
 *
 * Every function returns 0 or a positive errno value (as ibv_advise_mr()
 * does) and leaves errno alone. Link with `pkg-config --libs libodp`; see
 * libodp(3).
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
 * providers (Debian 12's rxe) that do not implement ibv_advise_mr(). With
 * libodp-advise.so preloaded, plain ibv_advise_mr() makes this call too.
 *
 * Return: 0, or an errno value: EOPNOTSUPP (no advise_mr in the kernel
 * driver, or an unknown advice), ENOENT (an lkey that is not an ODP MR of
 * @pd, or not writable for PREFETCH_WRITE; nothing is done), EFAULT (with
 * FLUSH: a range outside the MR or not mapped), EINVAL (NULL @pd or
 * @sg_list, @num_sge 0 or above 4095, unknown @flags, or a device that is
 * not rxe).
 */
int odp_advise_mr(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
		  uint32_t flags, struct ibv_sge *sg_list, uint32_t num_sge);

/**
 * struct odp_caps - what a device supports of ODP
 * @general:	IBV_ODP_SUPPORT (explicit ODP MRs: ibv_reg_mr() with
 *		IBV_ACCESS_ON_DEMAND), IBV_ODP_SUPPORT_IMPLICIT (implicit ODP
 *		MRs: ibv_reg_mr(pd, NULL, SIZE_MAX, ...ON_DEMAND))
 * @rc:		IBV_ODP_SUPPORT_SEND, _RECV, _WRITE, _READ, _ATOMIC, _SRQ_RECV:
 *		what an RC QP may do on ODP memory
 * @uc:		the same for UC
 * @ud:		the same for UD
 * @xrc:	the same for XRC
 *
 * A device without ODP has every field 0; so has every transport field
 * when @general lacks IBV_ODP_SUPPORT, whatever the device said.
 */
struct odp_caps {
	uint64_t general;
	uint32_t rc;
	uint32_t uc;
	uint32_t ud;
	uint32_t xrc;
};

/**
 * odp_query_caps - what a device supports of ODP
 * @ctx:	an open device
 * @caps:	filled in
 *
 * From ibv_query_device_ex()'s odp_caps. A device without ODP is not an
 * error: it gives 0 and @caps all zero.
 *
 * Return: 0, EINVAL (NULL argument), or ibv_query_device_ex()'s error
 * (then @caps is all zero).
 */
int odp_query_caps(struct ibv_context *ctx, struct odp_caps *caps);

/**
 * odp_transport_caps - the ODP operations a QP type may use
 * @caps:	from odp_query_caps()
 * @qp_type:	IBV_QPT_RC, IBV_QPT_UC, IBV_QPT_UD, IBV_QPT_XRC_SEND or
 *		IBV_QPT_XRC_RECV
 *
 * Return: IBV_ODP_SUPPORT_* bits; 0 for another type, a NULL @caps, or a
 * device without ODP.
 */
uint32_t odp_transport_caps(const struct odp_caps *caps,
			    enum ibv_qp_type qp_type);

/**
 * struct odp_counters - ODP event counts, with mlx5's names
 * @page_faults:		pages the device's fault path brought into its
 *				mirror (pages it found missing on access)
 * @page_faults_handled:	fault requests completed (each one or more
 *				pages)
 * @page_invalidations:		mirrored pages the kernel made the device drop
 *				(unmap, MADV_DONTNEED, migration, COW,
 *				swap-out, exit)
 * @page_invalidations_handled:	invalidations of a mirrored range handled
 *				(each zero or more pages)
 * @page_prefetch:		pages brought into the mirror by advise_mr
 *				prefetch
 */
struct odp_counters {
	uint64_t page_faults;
	uint64_t page_faults_handled;
	uint64_t page_invalidations;
	uint64_t page_invalidations_handled;
	uint64_t page_prefetch;
};

/**
 * odp_query_dev_counters - a device port's ODP counters
 * @ctx:	an open device
 * @port:	its port number (1 for rxe)
 * @counters:	filled in: totals over every ODP MR since the device was made
 *
 * Read from the port's hw_counters in sysfs (what `rdma statistic show`
 * prints); needs no privilege. The kernel refreshes those values at most
 * once per hw_counters/lifespan (10 ms by default): read again after that
 * to see an event that just happened.
 *
 * Return: 0; EINVAL (NULL argument, or no such port); EOPNOTSUPP (the
 * device has no ODP counters); or the errno of reading them. On error
 * @counters is all zero.
 */
int odp_query_dev_counters(struct ibv_context *ctx, uint8_t port,
			   struct odp_counters *counters);

/**
 * odp_query_mr_counters - one ODP MR's counters
 * @mr:		a memory region of this process
 * @counters:	filled in: counts since the MR was registered
 *
 * Asked of the kernel over RDMA netlink (what `rdma statistic mr` prints).
 * The kernel names MRs to netlink by their own index and shows their keys
 * only to a process with CAP_NET_ADMIN; this finds @mr's index by its
 * lkey, so it needs that capability.
 *
 * Return: 0; EINVAL (NULL argument); EPERM (no CAP_NET_ADMIN); ENOENT
 * (the kernel has no MR with @mr's lkey on its device); ENODATA (the MR
 * has no ODP counters: not an ODP MR, or a driver without them); or a
 * netlink error. On error @counters is all zero.
 */
int odp_query_mr_counters(struct ibv_mr *mr, struct odp_counters *counters);

#ifdef __cplusplus
}
#endif

#endif /* RXE_ODP_ODP_H */
