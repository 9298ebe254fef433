// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* odp_advise_mr(): prefetch through the uverbs ioctl ABI (odp_ioctl.c). */
#include "odp.h"
#include "odp_priv.h"

int odp_advise_mr(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
		  uint32_t flags, struct ibv_sge *sg_list, uint32_t num_sge)
{
	return odp_ioctl_advise_mr(pd, advice, flags, sg_list, num_sge);
}
