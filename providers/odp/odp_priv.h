/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What libodp.so and libodp-advise.so share, not exported by either: the
 * uverbs ioctls, and the netlink helpers behind the per-MR counters.
 */
#ifndef RXE_ODP_ODP_PRIV_H
#define RXE_ODP_ODP_PRIV_H

#include <stdint.h>

#include <infiniband/verbs.h>

/*
 * odp_ioctl_advise_mr - UVERBS_METHOD_ADVISE_MR on @ctx's command fd, as
 * an rxe device. Return: 0 or an errno value.
 */
int odp_ioctl_advise_mr(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			uint32_t flags, struct ibv_sge *sg_list,
			uint32_t num_sge);

/*
 * odp_ioctl_is_rxe - does the kernel drive @ctx with rxe? Asks it with an
 * ioctl that changes nothing (UVERBS_METHOD_QUERY_CONTEXT, no attributes)
 * made as the rxe driver: the kernel refuses a driver id not its own with
 * EINVAL before it looks at anything else. Return: 1 yes, 0 no; errno
 * may change.
 */
int odp_ioctl_is_rxe(struct ibv_context *ctx);

struct odp_counters;

/* The ODP counters, in struct odp_counters' order, with the kernel's names. */
#define ODP_NUM_COUNTERS 5
extern const char *const odp_counter_names[ODP_NUM_COUNTERS];
uint64_t *odp_counter_slot(struct odp_counters *c, int i);

/*
 * odp_nl_mr_counters - the ODP counters of the MR with @lkey on device
 * @ibdev, over RDMA netlink. Return: 0 or an errno value (see
 * odp_query_mr_counters()).
 */
int odp_nl_mr_counters(const char *ibdev, uint32_t lkey,
		       struct odp_counters *counters);

#endif /* RXE_ODP_ODP_PRIV_H */
