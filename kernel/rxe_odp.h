/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * rxe glue of the ODP core: the functions the patched rxe files call
 * (kernel/patches/0003-* on 6.1, kernel/patches-6.12/0002-* on 6.12).
 * Everything ODP-specific stays behind these.
 */
#ifndef RXE_ODP_H
#define RXE_ODP_H

#include <linux/bits.h>
#include <linux/types.h>

/*
 * rc_odp_caps bits for FLUSH and ATOMIC WRITE on ODP MRs: the values of
 * IB_ODP_SUPPORT_FLUSH and IB_ODP_SUPPORT_ATOMIC_WRITE in Linux 6.16's
 * ib_verbs.h (IB_UVERBS_ODP_SUPPORT_* in its uapi, IBV_ODP_SUPPORT_* in
 * rdma-core's verbs.h), which 6.12's lacks; uverbs passes the word
 * through. Reported where the rxe being patched has both operations.
 */
#define RXE_ODP_SUPPORT_FLUSH		BIT(6)
#define RXE_ODP_SUPPORT_ATOMIC_WRITE	BIT(7)

enum ib_uverbs_advise_mr_advice;
struct ib_device_attr;
struct ib_sge;
struct uverbs_attr_bundle;
struct ib_mr;
struct sk_buff;
struct page;
struct rxe_mr;
struct rxe_dev;
enum rxe_mr_copy_dir;

void rxe_odp_init_caps(struct ib_device_attr *attr);
int rxe_odp_mr_init(struct rxe_dev *rxe, struct rxe_mr *mr, u64 start,
		    u64 length, u64 iova, int access);
int rxe_odp_mr_check_rereg(struct rxe_mr *mr, int access);
void rxe_odp_mr_dereg(struct rxe_mr *mr);
void rxe_odp_mr_cleanup(struct rxe_mr *mr);
int rxe_odp_mr_copy(struct rxe_mr *mr, u64 iova, void *addr, int length,
		    enum rxe_mr_copy_dir dir, u64 extent);
int rxe_odp_mr_copy_mirrored(struct rxe_mr *mr, u64 iova, void *addr,
			     int length, enum rxe_mr_copy_dir dir);
u64 *rxe_odp_mr_lock_u64(struct rxe_mr *mr, u64 iova, void **lock);
u64 *rxe_odp_mr_lock_u64_mirrored(struct rxe_mr *mr, u64 iova, void **lock);
int rxe_odp_mr_lock_page(struct rxe_mr *mr, u64 iova, struct page **page,
			 unsigned int *offset, void **lock);
void rxe_odp_mr_unlock(void *lock);
int rxe_odp_flush_pmem_iova(struct rxe_mr *mr, u64 iova, u64 length);
int rxe_odp_fill_stat_mr_entry(struct sk_buff *msg, struct ib_mr *ibmr);
int rxe_odp_advise_mr(struct ib_pd *ibpd,
		      enum ib_uverbs_advise_mr_advice advice, u32 flags,
		      struct ib_sge *sg_list, u32 num_sge,
		      struct uverbs_attr_bundle *attrs);

int rxe_odp_init(void);
void rxe_odp_exit(void);

#endif /* RXE_ODP_H */
