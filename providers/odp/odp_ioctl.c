// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The uverbs ioctls libodp makes on a context's command fd, built from the
 * ioctl ABI of linux-libc-dev. The kernel checks every attribute; this
 * file only lays them out. Shared by libodp.so and libodp-advise.so.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_user_ioctl.h>

#include "odp_priv.h"

#define ADVISE_ATTRS 4

struct advise_cmd {
	struct ib_uverbs_ioctl_hdr hdr;
	struct ib_uverbs_attr attrs[ADVISE_ATTRS];
};

int odp_ioctl_advise_mr(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			uint32_t flags, struct ibv_sge *sg_list,
			uint32_t num_sge)
{
	struct advise_cmd cmd;

	if (!pd || !sg_list || !num_sge)
		return EINVAL;
	if (num_sge > UINT16_MAX / sizeof(*sg_list))	/* attr len is a u16 */
		return EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.hdr.length = sizeof(cmd);
	cmd.hdr.object_id = UVERBS_OBJECT_MR;	/* the method hangs off MR */
	cmd.hdr.method_id = UVERBS_METHOD_ADVISE_MR;
	cmd.hdr.num_attrs = ADVISE_ATTRS;
	cmd.hdr.driver_id = RDMA_DRIVER_RXE;

	cmd.attrs[0].attr_id = UVERBS_ATTR_ADVISE_MR_PD_HANDLE;
	cmd.attrs[0].data = pd->handle;
	cmd.attrs[1].attr_id = UVERBS_ATTR_ADVISE_MR_ADVICE;
	cmd.attrs[1].len = sizeof(uint64_t);
	cmd.attrs[1].data = advice;
	cmd.attrs[2].attr_id = UVERBS_ATTR_ADVISE_MR_FLAGS;
	cmd.attrs[2].len = sizeof(uint32_t);
	cmd.attrs[2].data = flags;
	cmd.attrs[3].attr_id = UVERBS_ATTR_ADVISE_MR_SGE_LIST;
	cmd.attrs[3].len = num_sge * sizeof(*sg_list);
	cmd.attrs[3].data = (uintptr_t)sg_list;
	/* every attribute is one the kernel must understand */
	for (int i = 0; i < ADVISE_ATTRS; i++)
		cmd.attrs[i].flags = UVERBS_ATTR_F_MANDATORY;

	if (ioctl(pd->context->cmd_fd, RDMA_VERBS_IOCTL, &cmd))
		return errno;
	return 0;
}

/*
 * The kernel checks an ioctl's driver id before anything else and refuses
 * one not its device's with EINVAL. Past that check this method, without
 * attributes, only reads: it succeeds, or fails with EOPNOTSUPP (a driver
 * without query_ucontext, rxe on 6.1), or EPROTONOSUPPORT (a kernel
 * without the method).
 */
int odp_ioctl_is_rxe(struct ibv_context *ctx)
{
	struct ib_uverbs_ioctl_hdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.length = sizeof(hdr);
	hdr.object_id = UVERBS_OBJECT_DEVICE;
	hdr.method_id = UVERBS_METHOD_QUERY_CONTEXT;
	hdr.driver_id = RDMA_DRIVER_RXE;
	if (ioctl(ctx->cmd_fd, RDMA_VERBS_IOCTL, &hdr) == 0)
		return 1;
	return errno == EOPNOTSUPP || errno == EPROTONOSUPPORT;
}
