// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * rxe glue of the ODP core: what rxe reports, how an ODP MR is made and
 * torn down, and the data-path entry points. rxe's own files call these
 * from small hooks (kernel/patches/0003-*); the mirror, fault path and
 * invalidation live in ib_odp_umem.c and ib_odp_notifier.c.
 *
 * Context: every caller is an rxe task function (requester, responder,
 * completer), which patch 0002 runs in process context, so faulting may
 * sleep.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <rdma/rdma_netlink.h>

#include "rxe.h"
#include "ib_odp.h"

/* What mlx5 reports for explicit ODP, and upstream rxe ODP supports. */
void rxe_odp_init_caps(struct ib_device_attr *attr)
{
	attr->kernel_cap_flags |= IBK_ON_DEMAND_PAGING;
	attr->odp_caps.general_caps = IB_ODP_SUPPORT;
	attr->odp_caps.per_transport_caps.rc_odp_caps =
		IB_ODP_SUPPORT_SEND | IB_ODP_SUPPORT_RECV |
		IB_ODP_SUPPORT_WRITE | IB_ODP_SUPPORT_READ |
		IB_ODP_SUPPORT_ATOMIC | IB_ODP_SUPPORT_SRQ_RECV;
	attr->odp_caps.per_transport_caps.ud_odp_caps =
		IB_ODP_SUPPORT_SEND | IB_ODP_SUPPORT_RECV;
}

#define RXE_ODP_WRITE_ACCESS	(IB_ACCESS_LOCAL_WRITE | \
				 IB_ACCESS_REMOTE_WRITE | \
				 IB_ACCESS_REMOTE_ATOMIC)

/**
 * rxe_odp_mr_init() - give a user MR an (empty) ODP mirror
 * @rxe:	the device, whose hw_counters total the MR's ODP counters
 * @mr:		the MR being registered with IB_ACCESS_ON_DEMAND
 * @start:	user address
 * @length:	bytes
 * @access:	IB_ACCESS_* flags of the registration
 *
 * Called from reg_user_mr in the registering process. Pins nothing.
 *
 * Return: 0 or a negative errno of ib_odp_mirror_init().
 */
int rxe_odp_mr_init(struct rxe_dev *rxe, struct rxe_mr *mr, u64 start,
		    u64 length, int access)
{
	struct ib_odp_mirror *m;
	int err;

	/* rxe's hw counters hold the ODP totals in the core's order */
	BUILD_BUG_ON(RXE_CNT_ODP_PAGE_PREFETCH - RXE_CNT_ODP_PAGE_FAULTS !=
		     IB_ODP_PAGE_PREFETCH - IB_ODP_PAGE_FAULTS);

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	err = ib_odp_mirror_init(m, current->mm, start, length,
				 access & RXE_ODP_WRITE_ACCESS,
				 &rxe->stats_counters[RXE_CNT_ODP_PAGE_FAULTS]);
	if (err) {
		kfree(m);
		return err;
	}
	mr->odp = m;
	return 0;
}

/* Deregistration: no packet holds the MR any more (rxe_cleanup waited). */
void rxe_odp_mr_cleanup(struct rxe_mr *mr)
{
	if (!mr->odp)
		return;
	ib_odp_mirror_destroy(mr->odp);
	kfree(mr->odp);
	mr->odp = NULL;
}

static unsigned long rxe_odp_uaddr(struct rxe_mr *mr, u64 iova)
{
	return mr->odp->addr + (iova - mr->ibmr.iova);
}

/**
 * rxe_odp_mr_copy() - rxe_mr_copy() for an ODP MR
 * @mr:		the MR
 * @iova:	first byte in the MR's iova space
 * @addr:	kernel buffer (packet payload)
 * @length:	bytes
 * @dir:	RXE_TO_MR_OBJ writes the MR, RXE_FROM_MR_OBJ reads it
 *
 * Return: 0, or -EFAULT when the range is outside the MR or not mapped in
 * the process (the caller turns that into the access error a pinned MR
 * would give), -EACCES, -EBUSY, -ENOMEM.
 */
int rxe_odp_mr_copy(struct rxe_mr *mr, u64 iova, void *addr, int length,
		    enum rxe_mr_copy_dir dir)
{
	if (length == 0)
		return 0;
	if (length < 0 || mr_check_range(mr, iova, length))
		return -EFAULT;
	return ib_odp_copy(mr->odp, rxe_odp_uaddr(mr, iova), addr, length,
			   dir == RXE_TO_MR_OBJ);
}

/**
 * rxe_odp_mr_lock_u64() - map the 8 bytes of an atomic and lock the MR
 * @mr:		the MR
 * @iova:	8-byte aligned iova of the operand
 * @err:	set to the error when NULL is returned
 *
 * Return: kernel address of the operand, the MR's mirror locked until
 * rxe_odp_mr_unlock(); NULL on error.
 */
u64 *rxe_odp_mr_lock_u64(struct rxe_mr *mr, u64 iova, int *err)
{
	unsigned long uaddr = rxe_odp_uaddr(mr, iova);

	if (mr_check_range(mr, iova, sizeof(u64))) {
		*err = -EFAULT;
		return NULL;
	}
	*err = ib_odp_map_and_lock(mr->odp, uaddr, sizeof(u64), true);
	if (*err)
		return NULL;
	return ib_odp_kaddr(mr->odp, uaddr, true);
}

void rxe_odp_mr_unlock(struct rxe_mr *mr)
{
	ib_odp_unlock(mr->odp);
}

/* `rdma statistic mr`: the per-MR ODP counters, with mlx5's names. */
int rxe_odp_fill_stat_mr_entry(struct sk_buff *msg, struct ib_mr *ibmr)
{
	struct rxe_mr *mr = to_rmr(ibmr);
	struct nlattr *table;
	int i;

	if (!mr->odp)
		return 0;
	table = nla_nest_start(msg, RDMA_NLDEV_ATTR_STAT_HWCOUNTERS);
	if (!table)
		return -EMSGSIZE;
	for (i = 0; i < IB_ODP_NUM_COUNTERS; i++) {
		if (rdma_nl_stat_hwcounter_entry(msg, ib_odp_counter_names[i],
				atomic64_read(&mr->odp->counters[i]))) {
			nla_nest_cancel(msg, table);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, table);
	return 0;
}
