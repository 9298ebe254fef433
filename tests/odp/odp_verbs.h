/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A loopback RC QP pair on one RDMA device, for tests that drive a memory
 * region from the "remote" side: qp[0] posts RDMA WRITE, READ, SEND and
 * atomics; qp[1] is their target. Both live in this process, so the test
 * can change its own address space between operations and look at the
 * bytes the device read or wrote.
 */
#ifndef ODP_VERBS_H
#define ODP_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>

#define ODP_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		    IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC | \
		    IBV_ACCESS_ON_DEMAND)

/* Size of the pinned scratch buffer each pair has. */
#define ODP_SCRATCH (4u << 20)

struct odp_pair {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq[2];
	struct ibv_qp *qp[2];
	int gid_index;
	union ibv_gid gid;
	struct ibv_device_attr_ex attr;
	/* an implicit ODP MR (the whole address space), when in use */
	struct ibv_mr *implicit_mr;
	/* set by odp_pair_use_srq(): qp[1] receives from it */
	struct ibv_srq *srq;
	/*
	 * SGEs a work request of the RC QPs (and of the SRQ) may have, for
	 * the QPs odp_pair_reset() and odp_pair_use_srq() make next (0: 2 on
	 * the QPs, 1 on the SRQ)
	 */
	unsigned int max_sge;
	/* set by odp_pair_use_qp_ex(): the QPs have the ibv_wr_*() API */
	int use_qp_ex;
	/* set by odp_pair_use_qp_ex_ops(): their send_ops_flags (0: the
	 * atomics) and access flags besides remote READ, WRITE and atomic
	 */
	uint64_t qp_ex_ops;
	unsigned int qp_access_extra;
	/* set before odp_pair_reset(): qp[1] gets no responder resources
	 * (max_dest_rd_atomic 0), qp[0] its usual 8
	 */
	int no_responder_resources;
	/* pinned, for the requester's side of an operation */
	uint8_t *scratch;
	struct ibv_mr *scratch_mr;
};

/* CLOCK_MONOTONIC in milliseconds. */
long now_ms(void);
/*
 * Wait up to @ms for one completion on @cq, polling every millisecond:
 * its status, or -1 on timeout or a polling error.
 */
int odp_wait_cq(struct ibv_cq *cq, long ms);
/* odp_wait_cq() that keeps the whole completion in *@wc: 0, or -1. */
int odp_wait_wc(struct ibv_cq *cq, long ms, struct ibv_wc *wc);

/* Open the device ($RXE_ODP_DEV, else the first), connect the pair. */
int odp_pair_open(struct odp_pair *p);
void odp_pair_close(struct odp_pair *p);
/* After an error completion both QPs are in error: make new ones. */
int odp_pair_reset(struct odp_pair *p);
/*
 * Give qp[1] a shared receive queue (new QPs); RECVs go to the SRQ. Called
 * again, it makes a new SRQ: the receives posted to the old one go with it.
 */
int odp_pair_use_srq(struct odp_pair *p);
/* Back to a receive queue of qp[1]'s own (new QPs, the SRQ destroyed). */
int odp_pair_no_srq(struct odp_pair *p);
/* Make both QPs again with the extended send API (ibv_qp_ex, atomics). */
int odp_pair_use_qp_ex(struct odp_pair *p);
/*
 * odp_pair_use_qp_ex() with these IBV_QP_EX_WITH_* send operations, and
 * these IBV_ACCESS_* flags on the QPs too (FLUSH: the responder's QP must
 * allow the placement type). Returns 0, or -1 with errno (EOPNOTSUPP,
 * EINVAL: the provider or the kernel has not the operation).
 */
int odp_pair_use_qp_ex_ops(struct odp_pair *p, uint64_t ops,
			   unsigned int qp_access);
/* Does the device report explicit ODP for RC with these caps? */
int odp_pair_has_odp(const struct odp_pair *p, uint32_t rc_caps);

/*
 * One operation from qp[0], waited for. @laddr/@lkey: qp[0]'s buffer;
 * @raddr/@rkey: the target. Returns the completion status, or -1 when no
 * completion came (a bug: the tests treat it as a failure).
 */
int odp_rdma(struct odp_pair *p, enum ibv_wr_opcode op, void *laddr,
	     uint32_t lkey, size_t len, uint64_t raddr, uint32_t rkey);
/* Fetch-and-add or compare-and-swap on @raddr; old value in *old. */
int odp_atomic(struct odp_pair *p, enum ibv_wr_opcode op, uint64_t raddr,
	       uint32_t rkey, uint64_t compare_add, uint64_t swap,
	       uint64_t *old);
/*
 * odp_atomic() through ibv_wr_atomic_*() (after odp_pair_use_qp_ex()):
 * the provider queues what it is given, without the checks its
 * ibv_post_send() makes (rxe's refuses a misaligned atomic itself), so
 * that the responder in the kernel sees it.
 */
int odp_atomic_ex(struct odp_pair *p, enum ibv_wr_opcode op, uint64_t raddr,
		  uint32_t rkey, uint64_t compare_add, uint64_t swap,
		  uint64_t *old);
/*
 * ATOMIC WRITE of the 8 bytes @value to @raddr (ibv_wr_atomic_write(),
 * after odp_pair_use_qp_ex_ops() with IBV_QP_EX_WITH_ATOMIC_WRITE).
 */
int odp_atomic_write(struct odp_pair *p, uint64_t raddr, uint32_t rkey,
		     uint64_t value);
/*
 * Local Invalidate of @rkey on qp[0] (ibv_wr_local_inv(), after
 * odp_pair_use_qp_ex_ops() with IBV_QP_EX_WITH_LOCAL_INV).
 */
int odp_local_inv(struct odp_pair *p, uint32_t rkey);
#ifdef ODP_HAVE_IBV_FLUSH
/*
 * FLUSH of @len bytes at @raddr, placement @type (IBV_FLUSH_GLOBAL,
 * IBV_FLUSH_PERSISTENT), selectivity @level (IBV_FLUSH_RANGE, _MR), after
 * odp_pair_use_qp_ex_ops() with IBV_QP_EX_WITH_FLUSH.
 */
int odp_flush(struct odp_pair *p, uint64_t raddr, uint32_t rkey, size_t len,
	      uint8_t type, uint8_t level);
#endif
/* qp[0] SENDs @len bytes at @src (lkey @skey) into a RECV at @dst on qp[1]. */
int odp_send_recv(struct odp_pair *p, void *src, uint32_t skey, void *dst,
		  uint32_t dkey, size_t len);

/*
 * UD: a SEND of @len bytes at @src from one UD QP to another, received at
 * @dst (which gets the 40-byte GRH first, then the payload).
 */
int odp_ud_send_recv(struct odp_pair *p, void *src, uint32_t skey,
		     void *dst, uint32_t dkey, size_t len);

/* odp_ud_send_recv() gave up on the receive: the SEND completed, and no
 * receive completion came within its time (UD may drop a message)
 */
#define ODP_UD_LOST (-2)

/*
 * odp_ud_send_recv() that waits @recv_ms for the receive once the SEND
 * completed, and then returns ODP_UD_LOST.
 */
int odp_ud_send_recv_within(struct odp_pair *p, void *src, uint32_t skey,
			    void *dst, uint32_t dkey, size_t len, int recv_ms);

/*
 * odp_ud_send_recv_within() with @ns SGEs @s to send and @nd SGEs @d to
 * receive into, as they are: the GRH and then the payload land there, and
 * a receive with less room than that is the caller's to want (UD drops
 * the message, or completes the receive in error). With @use_srq the
 * receive goes to a shared receive queue made for the receiving QP. The
 * QPs (and the SRQ) are made for the one operation and destroyed after
 * it, so that no error state outlives it. Returns the SEND's status when
 * it failed, else the receive's, ODP_UD_LOST, or -1 (no QP, SRQ or AH, a
 * post refused, no SEND completion).
 */
int odp_ud_send_recv_sgl(struct odp_pair *p, const struct ibv_sge *s, int ns,
			 const struct ibv_sge *d, int nd, bool use_srq,
			 int recv_ms);

/* Shorthands with the scratch buffer as qp[0]'s side. */
int odp_remote_write(struct odp_pair *p, struct ibv_mr *mr, void *dst,
		     size_t len);
int odp_remote_read(struct odp_pair *p, struct ibv_mr *mr, void *src,
		    size_t len);

/*
 * rereg_mr issued to the kernel as the uverbs REREG_MR command, with the
 * IBV_REREG_MR_* @flags, @pd (for CHANGE_PD), @addr and @len (for
 * CHANGE_TRANSLATION) and @access (for CHANGE_ACCESS): Debian 12's rxe
 * provider has no rereg_mr, so ibv_rereg_mr() never gets there. Returns 0
 * or an errno; on success @mr has the keys (and range) the kernel gave.
 */
int odp_rereg_raw(struct ibv_mr *mr, uint32_t flags, struct ibv_pd *pd,
		  void *addr, size_t len, int access);

/*
 * @mr's counter @name as `rdma statistic mr` prints it (iproute2), or -1.
 * iproute2 6.1 (Debian 12) prints an MR's counters on its "dev ... mrn N"
 * line, iproute2 6.15 (Debian 13) one per line under it: a counter
 * belongs to the last "mrn N" seen, on its line or above.
 */
long long odp_tool_mr_counter(struct ibv_mr *mr, const char *name);

/* rdma_rxe_odp's fault injection (kernel/ib_odp_umem.c). */
#define ODP_FAIL_TRANSIENT \
	"/sys/module/rdma_rxe_odp/parameters/odp_fail_transient"
/*
 * Make the next @set page faults of the data path fail for now, not for
 * good (@set >= 0), or read how many of those are still to come (@set
 * -1). Returns that number, or -1 (errno) when the parameter cannot be
 * read or written: a kernel without it, or not root.
 */
int odp_fail_transient(int set);

#endif /* ODP_VERBS_H */
