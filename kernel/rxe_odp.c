// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * rxe glue of the ODP core: what rxe reports, how an ODP MR is made and
 * torn down, and the data-path entry points. rxe's own files call these
 * from small hooks (kernel/patches/0003-* on 6.1, kernel/patches-6.12/
 * 0002-* on 6.12); the mirror, fault path and invalidation live in
 * ib_odp_umem.c and ib_odp_notifier.c. The same file builds for both
 * kernels: what differs between their rxe stays in the patches.
 *
 * Context: every caller is an rxe task function (requester, responder,
 * completer), which run in process context (6.1: patch 0002; 6.12: rxe's
 * own workqueue), so faulting may sleep.
 */
#include <linux/delay.h>
#include <linux/libnvdimm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <rdma/rdma_netlink.h>

#include "rxe.h"
#include "ib_odp.h"

/*
 * What mlx5 reports for ODP: explicit and implicit, RC with every
 * operation, UD send and receive.
 */
void rxe_odp_init_caps(struct ib_device_attr *attr)
{
	attr->kernel_cap_flags |= IBK_ON_DEMAND_PAGING;
	attr->odp_caps.general_caps = IB_ODP_SUPPORT | IB_ODP_SUPPORT_IMPLICIT;
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
 * rxe_odp_mr_init() - give a user MR an (empty) ODP address space
 * @rxe:	the device, whose hw_counters total the MR's ODP counters
 * @mr:		the MR being registered with IB_ACCESS_ON_DEMAND
 * @start:	user address
 * @length:	bytes
 * @iova:	the MR's iova (0 for an implicit MR)
 * @access:	IB_ACCESS_* flags of the registration
 *
 * Called from reg_user_mr in the registering process. Pins nothing.
 * @start 0 and @length U64_MAX (ibv_reg_mr(pd, NULL, SIZE_MAX, ...)) is an
 * implicit ODP MR over the whole address space, as on mlx5; its iova must
 * then be 0 too.
 *
 * Return: 0 or a negative errno: -EINVAL for an implicit MR with another
 * iova, else as ib_odp_mirror_init().
 */
int rxe_odp_mr_init(struct rxe_dev *rxe, struct rxe_mr *mr, u64 start,
		    u64 length, u64 iova, int access)
{
	atomic64_t *totals = &rxe->stats_counters[RXE_CNT_ODP_PAGE_FAULTS];
	bool writable = access & RXE_ODP_WRITE_ACCESS;
	struct ib_odp_space *s;
	int err;

	/* rxe's hw counters hold the ODP totals in the core's order */
	BUILD_BUG_ON(RXE_CNT_ODP_PAGE_PREFETCH - RXE_CNT_ODP_PAGE_FAULTS !=
		     IB_ODP_PAGE_PREFETCH - IB_ODP_PAGE_FAULTS);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	if (start == 0 && length == U64_MAX)
		err = iova ? -EINVAL :
		      ib_odp_space_init_implicit(s, current->mm, writable,
						 totals);
	else
		err = ib_odp_space_init_explicit(s, current->mm, start, length,
						 writable, totals);
	if (err) {
		kfree(s);
		return err;
	}
	mr->odp = s;
	return 0;
}

/**
 * rxe_odp_mr_check_rereg() - may an ODP MR take these access flags?
 * @mr:		the ODP MR, registered again with IB_MR_REREG_ACCESS
 * @access:	its new IB_ACCESS_* flags
 *
 * ib_umem_check_rereg() for an ODP MR, which has no umem: write access
 * that the registration lacked cannot be given, as the mirror faults its
 * pages in for reading only (mlx5 refuses it for its ODP umem through
 * ib_umem_check_rereg()). Taking write access away needs nothing here:
 * rxe checks the MR's access flags before any access. Nor can a rereg
 * make an ODP MR pinned.
 *
 * Return: 0, -EACCES for write access the registration lacked,
 * -EOPNOTSUPP for @access without IB_ACCESS_ON_DEMAND (what mlx5 answers
 * for an ODP MR's rereg that it cannot do in place).
 */
int rxe_odp_mr_check_rereg(struct rxe_mr *mr, int access)
{
	if (!(access & IB_ACCESS_ON_DEMAND))
		return -EOPNOTSUPP;
	if ((access & RXE_ODP_WRITE_ACCESS) && !mr->odp->writable)
		return -EACCES;
	return 0;
}

/**
 * rxe_odp_mr_dereg() - first step of deregistering an ODP MR
 * @mr:	the MR, still findable by its keys
 *
 * Called by dereg_mr before rxe's own cleanup, whose wait for the MR's
 * references is bounded: new accesses through the MR fail from now on
 * (as after a revoked mkey on mlx5), prefetches stop at their next chunk,
 * and this waits for the faults, copies and prefetches in progress, however
 * long they take (see ib_odp_space_revoke()), so that rxe's wait is short
 * and its cleanup never frees what a fault still uses. Nothing for a
 * pinned MR.
 */
void rxe_odp_mr_dereg(struct rxe_mr *mr)
{
	if (mr->odp)
		ib_odp_space_revoke(mr->odp);
}

/* Deregistration: no packet holds the MR any more (rxe_cleanup waited). */
void rxe_odp_mr_cleanup(struct rxe_mr *mr)
{
	if (!mr->odp)
		return;
	ib_odp_space_destroy(mr->odp);
	kfree(mr->odp);
	mr->odp = NULL;
}

static unsigned long rxe_odp_uaddr(struct rxe_mr *mr, u64 iova)
{
	return mr->odp->addr + (iova - mr->ibmr.iova);
}

/*
 * What the data path tells rxe of a failed fault. -ENOMEM (memory short)
 * and -EBUSY (lost to invalidations for as long as the ODP core tries)
 * fail for now, not for good: they become -EAGAIN, on which rxe asks the
 * peer to come back (an RNR NAK: a SEND, an RDMA WRITE, an atomic), or
 * runs its task again (an RDMA READ's response, which stays at the head
 * of the queue; a local buffer), as mlx5 does with a fault it cannot
 * resolve yet, instead of failing the QP. Back off a little first, so
 * that a task that runs again at once does not spin while memory is
 * short: such a READ is made again (about every millisecond while memory
 * is short) for as long as the failure lasts and the QP is valid, as mlx5
 * resumes a responder fault that lost to an invalidation and its hardware
 * faults again. Errors for good (-EFAULT: not mapped, or not memory the
 * device may reach; -EACCES) stay, and become access errors.
 */
static int rxe_odp_err(int err)
{
	if (err != -ENOMEM && err != -EBUSY)
		return err;
	might_sleep();
	usleep_range(500, 1000);
	return -EAGAIN;
}

static int rxe_odp_copy(struct rxe_mr *mr, u64 iova, void *addr, int length,
			enum rxe_mr_copy_dir dir, u64 extent, bool fault)
{
	if (length == 0)
		return 0;
	if (length < 0 || mr_check_range(mr, iova, length))
		return -EFAULT;
	/* the extent says how far ahead, never past the MR */
	extent = clamp_t(u64, extent, length,
			 mr->ibmr.iova + mr->ibmr.length - iova);
	return rxe_odp_err(ib_odp_space_copy(mr->odp, rxe_odp_uaddr(mr, iova),
					     addr, length, dir == RXE_TO_MR_OBJ,
					     extent, fault));
}

/**
 * rxe_odp_mr_copy() - rxe_mr_copy() for an ODP MR
 * @mr:		the MR
 * @iova:	first byte in the MR's iova space
 * @addr:	kernel buffer (packet payload)
 * @length:	bytes
 * @dir:	RXE_TO_MR_OBJ writes the MR, RXE_FROM_MR_OBJ reads it
 * @extent:	bytes from @iova that the operation will access in this MR
 *		(the rest of an RDMA WRITE's message, of an RDMA READ, of an
 *		SGE): how far a fault brings pages in, and a write fault no
 *		further. @length: only the pages this copy accesses.
 *
 * Return: 0, or -EFAULT when the range is outside the MR or not mapped in
 * the process (the caller turns that into the access error a pinned MR
 * would give), -EACCES, -EAGAIN (rxe_odp_err()).
 */
int rxe_odp_mr_copy(struct rxe_mr *mr, u64 iova, void *addr, int length,
		    enum rxe_mr_copy_dir dir, u64 extent)
{
	return rxe_odp_copy(mr, iova, addr, length, dir, extent, true);
}

/**
 * rxe_odp_mr_copy_mirrored() - rxe_odp_mr_copy() without a page fault
 * @mr:		the MR
 * @iova:	first byte in the MR's iova space
 * @addr:	kernel buffer (packet payload)
 * @length:	bytes
 * @dir:	RXE_TO_MR_OBJ writes the MR, RXE_FROM_MR_OBJ reads it
 *
 * For a task function that runs in the context of a user's system call
 * (rxe_run_task()): a fault there could hold that call for as long as
 * the MR's backing store takes (a FUSE file whose daemon does not
 * answer), where the memory may be another process's. Copies only what
 * the mirror has; the caller hands the rest to rxe's workqueue. Neither
 * faults nor makes a mirror chunk (the first of a process takes its mmap
 * lock for writing): waits for no lock but a mirror's spinlock.
 *
 * Return: as rxe_odp_mr_copy(), and -EWOULDBLOCK (which is -EAGAIN) when
 * a page is not in the mirror; the bytes before its chunk (2 MiB) may
 * have been copied.
 */
int rxe_odp_mr_copy_mirrored(struct rxe_mr *mr, u64 iova, void *addr,
			     int length, enum rxe_mr_copy_dir dir)
{
	return rxe_odp_copy(mr, iova, addr, length, dir, length, false);
}

/*
 * Check that the 8 bytes at @iova are in the MR, fault in the first
 * @length of them for writing (without @fault: only if the mirror has
 * them writable, else -EWOULDBLOCK) and lock their mirror (@length 8 when
 * aligned; 1 to lock the operand's first page alone). Return: the kernel
 * address of @iova, or ERR_PTR(-EFAULT, -EACCES, -EAGAIN).
 */
static u64 *rxe_odp_lock_operand(struct rxe_mr *mr, u64 iova, size_t length,
				 void **lock, bool fault)
{
	unsigned long uaddr = rxe_odp_uaddr(mr, iova);
	struct ib_odp_mirror *m;

	if (mr_check_range(mr, iova, sizeof(u64)))
		return ERR_PTR(-EFAULT);
	m = ib_odp_space_lock(mr->odp, uaddr, length, true, fault);
	if (IS_ERR(m))
		return ERR_PTR(rxe_odp_err(PTR_ERR(m)));
	*lock = m;
	return ib_odp_kaddr(m, uaddr, true);
}

/**
 * rxe_odp_mr_lock_u64() - map the 8 bytes of an atomic and lock them
 * @mr:		the MR
 * @iova:	8-byte aligned iova of the operand
 * @lock:	set to what rxe_odp_mr_unlock() takes
 *
 * Return: kernel address of the operand, its page held against
 * invalidation until rxe_odp_mr_unlock(); ERR_PTR(-EAGAIN) if it cannot
 * be mapped now (rxe_odp_err()), another ERR_PTR if it cannot be mapped.
 */
u64 *rxe_odp_mr_lock_u64(struct rxe_mr *mr, u64 iova, void **lock)
{
	return rxe_odp_lock_operand(mr, iova, sizeof(u64), lock, true);
}

/**
 * rxe_odp_mr_lock_u64_mirrored() - rxe_odp_mr_lock_u64() without a fault
 * @mr:		the MR
 * @iova:	8-byte aligned iova of the operand
 * @lock:	set to what rxe_odp_mr_unlock() takes
 *
 * For a task function that runs in a user's system call, as
 * rxe_odp_mr_copy_mirrored(): locks the operand only if the mirror has
 * its page writable.
 *
 * Return: as rxe_odp_mr_lock_u64(); ERR_PTR(-EWOULDBLOCK) (which is
 * -EAGAIN) when the page is not in the mirror, or not writable there.
 */
u64 *rxe_odp_mr_lock_u64_mirrored(struct rxe_mr *mr, u64 iova, void **lock)
{
	return rxe_odp_lock_operand(mr, iova, sizeof(u64), lock, false);
}

/**
 * rxe_odp_mr_lock_page() - rxe_odp_mr_lock_u64() for 6.12's atomics
 * @mr:		the MR
 * @iova:	iova of the 8-byte operand (ATOMIC or ATOMIC WRITE)
 * @page:	set to the operand's page
 * @offset:	set to its offset in @page
 * @lock:	set to what rxe_odp_mr_unlock() takes
 *
 * The operand's page is faulted in for writing and held against
 * invalidation until rxe_odp_mr_unlock(). The checks come in the order
 * rxe makes them for a pinned MR (range, page, alignment), which is also
 * upstream rxe's order for an ODP MR: an operand outside the MR or not
 * mapped is an access error even when misaligned. Its alignment is that
 * of the user address, where the operation takes place; an aligned
 * operand lies in the page of its first byte, which is all that is
 * locked (a misaligned one may cross into another chunk's mirror).
 *
 * Return: 0, -EFAULT when outside the MR or not mapped or not writable
 * (the caller's remote access error, as a pinned MR gives them), -EINVAL
 * when not 8-byte aligned (its misaligned atomic error), -EAGAIN when the
 * page cannot be had now (rxe_odp_err()); no lock is held on error.
 */
int rxe_odp_mr_lock_page(struct rxe_mr *mr, u64 iova, struct page **page,
			 unsigned int *offset, void **lock)
{
	u64 *va = rxe_odp_lock_operand(mr, iova, 1, lock, true);

	if (IS_ERR(va))
		return PTR_ERR(va) == -EAGAIN ? -EAGAIN : -EFAULT;
	if (!IS_ALIGNED((unsigned long)va, sizeof(u64))) {
		rxe_odp_mr_unlock(*lock);
		*lock = NULL;
		return -EINVAL;
	}
	*page = virt_to_page(va);
	*offset = offset_in_page(va);
	return 0;
}

/* Let an invalidation of the page locked above proceed; NULL: nothing. */
void rxe_odp_mr_unlock(void *lock)
{
	if (lock)
		ib_odp_space_unlock(lock);
}

/* Write one page's piece of a persistent FLUSH back from the CPU cache. */
static void rxe_odp_wb_piece(void *kaddr, size_t n, void *arg)
{
	arch_wb_cache_pmem(kaddr, n);
}

/**
 * rxe_odp_flush_pmem_iova() - rxe_flush_pmem_iova() for an ODP MR
 * @mr:		the MR
 * @iova:	first byte of the FLUSH's range
 * @length:	bytes, > 0
 *
 * A FLUSH of the persistence placement type makes what the MR holds in
 * the range persistent: its pages are faulted in (for reading: a flush
 * writes nothing, so nothing is made dirty or copied on write) and their
 * cache lines written back (arch_wb_cache_pmem(), as rxe does for a
 * pinned MR), a few pages at a time with the mirror locked over them
 * (ib_odp_space_visit()), so no page is touched after its invalidation
 * returned. As upstream rxe does for its ODP MRs, and unlike a pinned MR,
 * whose pages rxe checks to be persistent memory at registration, the
 * pages are not checked: an ODP MR's pages come and go after it.
 *
 * Return: 0, or -EFAULT when the range is outside the MR or not mapped
 * (the caller's remote access error), -EAGAIN (rxe_odp_err()).
 */
int rxe_odp_flush_pmem_iova(struct rxe_mr *mr, u64 iova, u64 length)
{
	if (mr_check_range(mr, iova, length))
		return -EFAULT;
	return rxe_odp_err(ib_odp_space_visit(mr->odp,
					      rxe_odp_uaddr(mr, iova), length,
					      false, rxe_odp_wb_piece, NULL));
}

/* Prefetch one SGE's range of an ODP MR. */
static int rxe_odp_prefetch_sge(struct rxe_mr *mr, u64 iova, u32 length,
				bool write, bool fault)
{
	if (!length)
		return 0;
	if (mr_check_range(mr, iova, length))
		return -EFAULT;
	return ib_odp_space_prefetch(mr->odp, rxe_odp_uaddr(mr, iova), length,
				     write, fault);
}

/*
 * The MR an SGE names, for prefetch: an ODP MR of this PD, and one the
 * device may write for PREFETCH_WRITE. Holds a reference.
 */
static struct rxe_mr *rxe_odp_prefetch_mr(struct rxe_pd *pd, u32 lkey,
					  bool write)
{
	struct rxe_mr *mr = lookup_mr(pd, write ? IB_ACCESS_LOCAL_WRITE : 0,
				      lkey, RXE_LOOKUP_LOCAL);

	if (mr && !mr->odp) {
		rxe_put(mr);
		mr = NULL;
	}
	return mr;
}

/*
 * Asynchronous prefetches run on a workqueue of their own, so that one
 * stalled in a fault (a FUSE file that does not answer) holds up other
 * prefetches at worst, never the tasks of any QP; module unload drains it
 * before the devices go away.
 */
static struct workqueue_struct *rxe_odp_prefetch_wq;

/*
 * Asynchronous prefetches queued or running per MR at most. Past it
 * advise_mr without FLUSH fails with -ENOMEM, as mlx5's does when it
 * cannot queue the work (and as a post to a full queue does). mlx5 has no
 * such bound, so it is well above what a program that prefetches before
 * each message keeps in flight (rdma-core's own ODP tests issue 100 in a
 * row), and as many as the workqueue runs at once (its default
 * max_active); the memory is charged to the caller's cgroup anyway.
 */
#define RXE_ODP_MAX_ASYNC_PREFETCH	256

/*
 * A prefetch: its ranges, their MRs referenced and their ODP spaces
 * entered (ib_odp_space_enter()) until it is done, so that deregistration
 * waits for it, and a queued one stops as soon as it runs.
 */
struct rxe_odp_prefetch {
	struct work_struct work;
	bool write;
	bool fault;
	bool async;
	u32 num_sge;
	struct {
		struct rxe_mr *mr;
		u64 iova;
		u32 length;
	} sge[];
};

/* Let go of one SGE's MR: leave its space, then drop the reference. */
static void rxe_odp_prefetch_put(struct rxe_odp_prefetch *p, u32 i)
{
	struct rxe_mr *mr = p->sge[i].mr;

	if (p->async)
		ib_odp_space_async_put(mr->odp);
	ib_odp_space_exit(mr->odp);
	rxe_put(mr);
}

/*
 * Prefetch the ranges of @p, let go of its MRs, free it. @stop: at the
 * first range that fails (FLUSH, as on mlx5), else go on to the next
 * (in the background: best effort). Return: 0 or the first error.
 */
static int rxe_odp_prefetch_run(struct rxe_odp_prefetch *p, bool stop)
{
	int err = 0, ret;
	u32 i;

	for (i = 0; i < p->num_sge; i++) {
		if (!err || !stop) {
			ret = rxe_odp_prefetch_sge(p->sge[i].mr, p->sge[i].iova,
						   p->sge[i].length, p->write,
						   p->fault);
			if (!err)
				err = ret;
		}
		rxe_odp_prefetch_put(p, i);
	}
	kvfree(p);
	return err;
}

/* An asynchronous prefetch: a failed range is left to fault later. */
static void rxe_odp_prefetch_work(struct work_struct *work)
{
	rxe_odp_prefetch_run(container_of(work, struct rxe_odp_prefetch,
					  work), false);
}

/*
 * Take one SGE's MR for @p: an ODP MR of @pd (writable for PREFETCH_WRITE)
 * whose space is not being torn down, and for an asynchronous prefetch one
 * with fewer than RXE_ODP_MAX_ASYNC_PREFETCH in flight.
 * Return: 0, -ENOENT, -ENOMEM (too many in flight).
 */
static int rxe_odp_prefetch_get(struct rxe_odp_prefetch *p, struct rxe_pd *pd,
				u32 i, struct ib_sge *sge)
{
	struct rxe_mr *mr = rxe_odp_prefetch_mr(pd, sge->lkey, p->write);

	if (!mr)
		return -ENOENT;
	if (!ib_odp_space_enter(mr->odp)) {
		rxe_put(mr);
		return -ENOENT;
	}
	if (p->async && !ib_odp_space_async_get(mr->odp,
						RXE_ODP_MAX_ASYNC_PREFETCH)) {
		ib_odp_space_exit(mr->odp);
		rxe_put(mr);
		return -ENOMEM;
	}
	p->sge[i].mr = mr;
	p->sge[i].iova = sge->addr;
	p->sge[i].length = sge->length;
	return 0;
}

/*
 * Take every SGE's MR first, so that a bad lkey fails the call before
 * anything is prefetched. The prefetch is charged to the caller's memory
 * cgroup (an SGE list may take ~100 KB). Return: the prefetch (holding the
 * MRs), or ERR_PTR(-ENOENT / -ENOMEM).
 */
static struct rxe_odp_prefetch *
rxe_odp_prefetch_prepare(struct rxe_pd *pd, bool write, bool fault,
			 bool async, struct ib_sge *sg_list, u32 num_sge)
{
	struct rxe_odp_prefetch *p;
	int err;
	u32 i;

	p = kvzalloc(struct_size(p, sge, num_sge), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->write = write;
	p->fault = fault;
	p->async = async;
	for (i = 0; i < num_sge; i++) {
		err = rxe_odp_prefetch_get(p, pd, i, &sg_list[i]);
		if (err)
			goto err_put;
		p->num_sge++;
	}
	return p;

err_put:
	while (i--)
		rxe_odp_prefetch_put(p, i);
	kvfree(p);
	return ERR_PTR(err);
}

/**
 * rxe_odp_advise_mr() - the advise_mr verb: prefetch into ODP MRs
 * @ibpd:	PD of the MRs
 * @advice:	PREFETCH, PREFETCH_WRITE or PREFETCH_NO_FAULT
 * @flags:	IB_UVERBS_ADVISE_MR_FLAG_FLUSH: wait until done
 * @sg_list:	ranges, by lkey and address
 * @num_sge:	their number
 * @attrs:	unused
 *
 * As on mlx5: without FLUSH the prefetch runs in the background (on its
 * own workqueue) and deregistration waits for it, or stops it at its next
 * chunk. An SGE whose lkey is not an ODP MR of the PD (or not writable,
 * for PREFETCH_WRITE) fails the call with -ENOENT before anything is done,
 * with or without FLUSH.
 *
 * Return: 0, -EOPNOTSUPP for another advice, -ENOENT, -ENOMEM (no memory,
 * or without FLUSH RXE_ODP_MAX_ASYNC_PREFETCH already in flight on one of
 * the MRs), or with FLUSH the first error of a range (-EFAULT for one
 * that is not mapped).
 */
int rxe_odp_advise_mr(struct ib_pd *ibpd,
		      enum ib_uverbs_advise_mr_advice advice, u32 flags,
		      struct ib_sge *sg_list, u32 num_sge,
		      struct uverbs_attr_bundle *attrs)
{
	bool write = advice == IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_WRITE;
	bool fault = advice != IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT;
	bool async = !(flags & IB_UVERBS_ADVISE_MR_FLAG_FLUSH);
	struct rxe_odp_prefetch *p;

	switch (advice) {
	case IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH:
	case IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_WRITE:
	case IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT:
		break;
	default:
		return -EOPNOTSUPP;
	}
	p = rxe_odp_prefetch_prepare(to_rpd(ibpd), write, fault, async,
				     sg_list, num_sge);
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!async)
		return rxe_odp_prefetch_run(p, true);
	INIT_WORK(&p->work, rxe_odp_prefetch_work);
	queue_work(rxe_odp_prefetch_wq, &p->work);
	return 0;
}

/**
 * rxe_odp_init() - module load: the prefetch workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int rxe_odp_init(void)
{
	rxe_odp_prefetch_wq = alloc_workqueue("rxe_odp_prefetch", WQ_UNBOUND,
					      0);
	return rxe_odp_prefetch_wq ? 0 : -ENOMEM;
}

/**
 * rxe_odp_exit() - module unload: finish the prefetches, first thing
 *
 * Every process that could queue one has closed its device by now (uverbs
 * holds the module), and deregistration waited for their faults; what may
 * be left is a prefetch's last steps (dropping its MR references), which
 * must end before the devices and their pools go away.
 */
void rxe_odp_exit(void)
{
	destroy_workqueue(rxe_odp_prefetch_wq);
}

/*
 * `rdma statistic mr`: the per-MR ODP counters, with mlx5's names, then
 * one gauge of ours: mirror_chunks, the 2 MiB chunks mirrored now (each a
 * notifier and up to 4 KiB of entries).
 */
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
				ib_odp_space_counter(mr->odp, i)))
			goto err_cancel;
	}
	if (rdma_nl_stat_hwcounter_entry(msg, "mirror_chunks",
					 ib_odp_space_chunks(mr->odp)))
		goto err_cancel;
	nla_nest_end(msg, table);
	return 0;

err_cancel:
	nla_nest_cancel(msg, table);
	return -EMSGSIZE;
}
