// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>

#include "odp_verbs.h"

/* A completion takes far less; this only turns a hang into a failure. */
#define ODP_WAIT_MS 30000

static struct ibv_context *open_named(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n && !ctx; i++)
		if (!name || !strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return ctx;
}

static struct ibv_qp *make_qp(struct odp_pair *p, struct ibv_cq *cq,
			      struct ibv_srq *srq)
{
	struct ibv_qp_init_attr a = {
		.send_cq = cq,
		.recv_cq = cq,
		.srq = srq,
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = p->max_sge ? p->max_sge : 2,
			 .max_recv_sge = p->max_sge ? p->max_sge : 2 },
	};

	struct ibv_qp_init_attr_ex x = {
		.send_cq = cq, .recv_cq = cq, .srq = srq,
		.qp_type = IBV_QPT_RC, .cap = a.cap, .pd = p->pd,
		.comp_mask = IBV_QP_INIT_ATTR_PD |
			     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
		.send_ops_flags = p->qp_ex_ops ? p->qp_ex_ops :
				  IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD |
				  IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP,
	};

	if (p->use_qp_ex)
		return ibv_create_qp_ex(p->ctx, &x);
	return ibv_create_qp(p->pd, &a);
}

static int to_init(struct odp_pair *p, struct ibv_qp *qp)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_ATOMIC |
				   p->qp_access_extra,
	};

	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			     IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
}

static int to_rtr_rts(struct odp_pair *p, struct ibv_qp *qp, uint32_t dqpn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = IBV_MTU_1024,
		.dest_qp_num = dqpn,
		.rq_psn = 0,
		.max_dest_rd_atomic = qp == p->qp[1] && p->no_responder_resources ?
				      0 : 8,
		.min_rnr_timer = 1,
		.ah_attr = {
			.is_global = 1,
			.port_num = 1,
			.grh = { .dgid = p->gid, .sgid_index = p->gid_index,
				 .hop_limit = 1 },
		},
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = 0;
	a.max_rd_atomic = 8;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

static int connect_pair(struct odp_pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		p->qp[i] = make_qp(p, p->cq[i], i == 1 ? p->srq : NULL);
		if (!p->qp[i] || to_init(p, p->qp[i]))
			return -1;
	}
	if (to_rtr_rts(p, p->qp[0], p->qp[1]->qp_num) ||
	    to_rtr_rts(p, p->qp[1], p->qp[0]->qp_num))
		return -1;
	return 0;
}

static void destroy_qps(struct odp_pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p->qp[i])
			ibv_destroy_qp(p->qp[i]);
		p->qp[i] = NULL;
	}
}

int odp_pair_open(struct odp_pair *p)
{
	const char *gidx = getenv("RXE_ODP_GID_INDEX");
	int i;

	memset(p, 0, sizeof(*p));
	p->gid_index = gidx ? atoi(gidx) : 1;
	p->ctx = open_named(getenv("RXE_ODP_DEV"));
	if (!p->ctx)
		return -1;
	if (ibv_query_device_ex(p->ctx, NULL, &p->attr) ||
	    ibv_query_gid(p->ctx, 1, p->gid_index, &p->gid))
		return -1;
	p->pd = ibv_alloc_pd(p->ctx);
	if (!p->pd)
		return -1;
	for (i = 0; i < 2; i++) {
		p->cq[i] = ibv_create_cq(p->ctx, 64, NULL, NULL, 0);
		if (!p->cq[i])
			return -1;
	}
	p->scratch = mmap(NULL, ODP_SCRATCH, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->scratch == MAP_FAILED) {
		p->scratch = NULL;
		return -1;
	}
	p->scratch_mr = ibv_reg_mr(p->pd, p->scratch, ODP_SCRATCH,
				   IBV_ACCESS_LOCAL_WRITE |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ);
	if (!p->scratch_mr)
		return -1;
	return connect_pair(p);
}

void odp_pair_close(struct odp_pair *p)
{
	int i;

	destroy_qps(p);
	if (p->implicit_mr)
		ibv_dereg_mr(p->implicit_mr);
	if (p->srq)
		ibv_destroy_srq(p->srq);
	if (p->scratch_mr)
		ibv_dereg_mr(p->scratch_mr);
	if (p->scratch)
		munmap(p->scratch, ODP_SCRATCH);
	for (i = 0; i < 2; i++)
		if (p->cq[i])
			ibv_destroy_cq(p->cq[i]);
	if (p->pd)
		ibv_dealloc_pd(p->pd);
	if (p->ctx)
		ibv_close_device(p->ctx);
	memset(p, 0, sizeof(*p));
}

int odp_pair_reset(struct odp_pair *p)
{
	struct ibv_wc wc;
	int i;

	destroy_qps(p);
	for (i = 0; i < 2; i++)
		while (ibv_poll_cq(p->cq[i], 1, &wc) > 0)
			;
	return connect_pair(p);
}

int odp_pair_use_srq(struct odp_pair *p)
{
	struct ibv_srq_init_attr a = {
		.attr = { .max_wr = 16, .max_sge = p->max_sge ? p->max_sge : 1 },
	};

	destroy_qps(p);
	if (p->srq)
		ibv_destroy_srq(p->srq);
	p->srq = ibv_create_srq(p->pd, &a);
	if (!p->srq)
		return -1;
	return odp_pair_reset(p);
}

int odp_pair_no_srq(struct odp_pair *p)
{
	destroy_qps(p);
	if (p->srq)
		ibv_destroy_srq(p->srq);
	p->srq = NULL;
	return odp_pair_reset(p);
}

int odp_pair_use_qp_ex(struct odp_pair *p)
{
	p->use_qp_ex = 1;
	return odp_pair_reset(p);
}

int odp_pair_use_qp_ex_ops(struct odp_pair *p, uint64_t ops,
			   unsigned int qp_access)
{
	p->use_qp_ex = 1;
	p->qp_ex_ops = ops;
	p->qp_access_extra = qp_access;
	return odp_pair_reset(p);
}

int odp_pair_has_odp(const struct odp_pair *p, uint32_t rc_caps)
{
	const struct ibv_odp_caps *c = &p->attr.odp_caps;

	return (c->general_caps & IBV_ODP_SUPPORT) &&
	       (c->per_transport_caps.rc_odp_caps & rc_caps) == rc_caps;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int odp_wait_wc(struct ibv_cq *cq, long ms, struct ibv_wc *wc)
{
	long deadline = now_ms() + ms;
	int n;

	while (now_ms() < deadline) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n < 0)
			return -1;
		if (n == 1)
			return 0;
		poll(NULL, 0, 1);
	}
	return -1;
}

int odp_wait_cq(struct ibv_cq *cq, long ms)
{
	struct ibv_wc wc;

	return odp_wait_wc(cq, ms, &wc) ? -1 : (int)wc.status;
}

/*
 * How long to wait for a completion: ODP_WAIT_MS, or by hand the
 * environment's ODP_WAIT_MS, to see what a test reports when a completion
 * is late.
 */
static int wait_ms(void)
{
	const char *env = getenv("ODP_WAIT_MS");
	int ms = env ? atoi(env) : 0;

	return ms > 0 ? ms : ODP_WAIT_MS;
}

/* odp_wait_cq() for wait_ms(), saying so on stderr if it times out. */
static int wait_one(struct ibv_cq *cq)
{
	int ms = wait_ms();
	long t0 = now_ms();
	int st = odp_wait_cq(cq, ms);

	if (st < 0 && now_ms() - t0 >= ms)
		fprintf(stderr, "no completion within %d ms\n", ms);
	return st;
}

int odp_rdma(struct odp_pair *p, enum ibv_wr_opcode op, void *laddr,
	     uint32_t lkey, size_t len, uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)laddr, .length = len, .lkey = lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	}, *bad;

	if (ibv_post_send(p->qp[0], &wr, &bad))
		return -1;
	return wait_one(p->cq[0]);
}

int odp_atomic(struct odp_pair *p, enum ibv_wr_opcode op, uint64_t raddr,
	       uint32_t rkey, uint64_t compare_add, uint64_t swap,
	       uint64_t *old)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)p->scratch, .length = 8,
		.lkey = p->scratch_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = { .remote_addr = raddr, .rkey = rkey,
			       .compare_add = compare_add, .swap = swap },
	}, *bad;
	int st;

	if (ibv_post_send(p->qp[0], &wr, &bad))
		return -1;
	st = wait_one(p->cq[0]);
	memcpy(old, p->scratch, 8);
	return st;
}

int odp_atomic_ex(struct odp_pair *p, enum ibv_wr_opcode op, uint64_t raddr,
		  uint32_t rkey, uint64_t compare_add, uint64_t swap,
		  uint64_t *old)
{
	struct ibv_qp_ex *qx = ibv_qp_to_qp_ex(p->qp[0]);
	int st;

	if (!qx)
		return -1;
	ibv_wr_start(qx);
	qx->wr_flags = IBV_SEND_SIGNALED;
	if (op == IBV_WR_ATOMIC_CMP_AND_SWP)
		ibv_wr_atomic_cmp_swp(qx, rkey, raddr, compare_add, swap);
	else
		ibv_wr_atomic_fetch_add(qx, rkey, raddr, compare_add);
	ibv_wr_set_sge(qx, p->scratch_mr->lkey, (uintptr_t)p->scratch, 8);
	if (ibv_wr_complete(qx))
		return -1;
	st = wait_one(p->cq[0]);
	memcpy(old, p->scratch, 8);
	return st;
}

int odp_atomic_write(struct odp_pair *p, uint64_t raddr, uint32_t rkey,
		     uint64_t value)
{
	struct ibv_qp_ex *qx = ibv_qp_to_qp_ex(p->qp[0]);

	if (!qx)
		return -1;
	ibv_wr_start(qx);
	qx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_atomic_write(qx, rkey, raddr, &value);
	if (ibv_wr_complete(qx))
		return -1;
	return wait_one(p->cq[0]);
}

int odp_local_inv(struct odp_pair *p, uint32_t rkey)
{
	struct ibv_qp_ex *qx = ibv_qp_to_qp_ex(p->qp[0]);

	if (!qx)
		return -1;
	ibv_wr_start(qx);
	qx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_local_inv(qx, rkey);
	if (ibv_wr_complete(qx))
		return -1;
	return wait_one(p->cq[0]);
}

#ifdef ODP_HAVE_IBV_FLUSH
int odp_flush(struct odp_pair *p, uint64_t raddr, uint32_t rkey, size_t len,
	      uint8_t type, uint8_t level)
{
	struct ibv_qp_ex *qx = ibv_qp_to_qp_ex(p->qp[0]);

	if (!qx)
		return -1;
	ibv_wr_start(qx);
	qx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_flush(qx, rkey, raddr, len, type, level);
	if (ibv_wr_complete(qx))
		return -1;
	return wait_one(p->cq[0]);
}
#endif

int odp_send_recv(struct odp_pair *p, void *src, uint32_t skey, void *dst,
		  uint32_t dkey, size_t len)
{
	struct ibv_sge rsge = {
		.addr = (uintptr_t)dst, .length = len, .lkey = dkey,
	};
	struct ibv_recv_wr rwr = { .sg_list = &rsge, .num_sge = 1 }, *rbad;
	int st;

	if (p->srq ? ibv_post_srq_recv(p->srq, &rwr, &rbad) :
		     ibv_post_recv(p->qp[1], &rwr, &rbad))
		return -1;
	st = odp_rdma(p, IBV_WR_SEND, src, skey, len, 0, 0);
	if (st != IBV_WC_SUCCESS)
		return st;
	return wait_one(p->cq[1]);
}

int odp_remote_write(struct odp_pair *p, struct ibv_mr *mr, void *dst,
		     size_t len)
{
	return odp_rdma(p, IBV_WR_RDMA_WRITE, p->scratch, p->scratch_mr->lkey,
			len, (uintptr_t)dst, mr->rkey);
}

int odp_remote_read(struct odp_pair *p, struct ibv_mr *mr, void *src,
		    size_t len)
{
	return odp_rdma(p, IBV_WR_RDMA_READ, p->scratch, p->scratch_mr->lkey,
			len, (uintptr_t)src, mr->rkey);
}

/*
 * A UD QP in RTS with @ns send SGEs and @nr receive SGEs, or receiving
 * from @srq (then it has no receive queue of its own).
 */
static struct ibv_qp *make_ud_qp(struct odp_pair *p, struct ibv_cq *cq,
				 struct ibv_srq *srq, int ns, int nr)
{
	struct ibv_qp_init_attr a = {
		.send_cq = cq, .recv_cq = cq, .srq = srq,
		.qp_type = IBV_QPT_UD,
		.cap = { .max_send_wr = 4, .max_recv_wr = srq ? 0 : 4,
			 .max_send_sge = ns, .max_recv_sge = srq ? 0 : nr },
	};
	struct ibv_qp_attr m = {
		.qp_state = IBV_QPS_INIT, .port_num = 1, .qkey = 0x11111111,
	};
	struct ibv_qp *qp = ibv_create_qp(p->pd, &a);

	if (!qp)
		return NULL;
	if (ibv_modify_qp(qp, &m, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_QKEY))
		goto err;
	m.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(qp, &m, IBV_QP_STATE))
		goto err;
	m.qp_state = IBV_QPS_RTS;
	m.sq_psn = 0;
	if (ibv_modify_qp(qp, &m, IBV_QP_STATE | IBV_QP_SQ_PSN))
		goto err;
	return qp;
err:
	ibv_destroy_qp(qp);
	return NULL;
}

int odp_ud_send_recv(struct odp_pair *p, void *src, uint32_t skey,
		     void *dst, uint32_t dkey, size_t len)
{
	int ms = wait_ms();
	int st = odp_ud_send_recv_within(p, src, skey, dst, dkey, len, ms);

	if (st == ODP_UD_LOST) {
		fprintf(stderr, "no receive completion within %d ms\n", ms);
		st = -1;
	}
	return st;
}

int odp_ud_send_recv_sgl(struct odp_pair *p, const struct ibv_sge *s, int ns,
			 const struct ibv_sge *d, int nd, bool use_srq,
			 int recv_ms)
{
	struct ibv_ah_attr aa = {
		.is_global = 1, .port_num = 1,
		.grh = { .dgid = p->gid, .sgid_index = p->gid_index,
			 .hop_limit = 1 },
	};
	struct ibv_srq_init_attr sa = {
		.attr = { .max_wr = 4, .max_sge = nd },
	};
	/* the verbs take the lists as writable, and do not write them */
	struct ibv_recv_wr rwr = {
		.sg_list = (struct ibv_sge *)d, .num_sge = nd,
	}, *rbad;
	struct ibv_send_wr swr = {
		.sg_list = (struct ibv_sge *)s, .num_sge = ns,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	}, *sbad;
	struct ibv_srq *srq = use_srq ? ibv_create_srq(p->pd, &sa) : NULL;
	struct ibv_qp *tx = make_ud_qp(p, p->cq[0], NULL, ns, 1);
	struct ibv_qp *rx = make_ud_qp(p, p->cq[1], srq, 1, nd);
	struct ibv_ah *ah = ibv_create_ah(p->pd, &aa);
	int st = -1;

	if (!tx || !rx || !ah || (use_srq && !srq))
		goto out;
	swr.wr.ud.ah = ah;
	swr.wr.ud.remote_qpn = rx->qp_num;
	swr.wr.ud.remote_qkey = 0x11111111;
	if ((srq ? ibv_post_srq_recv(srq, &rwr, &rbad) :
		   ibv_post_recv(rx, &rwr, &rbad)) ||
	    ibv_post_send(tx, &swr, &sbad))
		goto out;
	st = wait_one(p->cq[0]);
	if (st == IBV_WC_SUCCESS) {
		st = odp_wait_cq(p->cq[1], recv_ms);
		if (st < 0)
			st = ODP_UD_LOST;
	}
out:
	if (ah)
		ibv_destroy_ah(ah);
	if (tx)
		ibv_destroy_qp(tx);
	if (rx)
		ibv_destroy_qp(rx);
	/* after its QP: an SRQ in use cannot go */
	if (srq)
		ibv_destroy_srq(srq);
	return st;
}

int odp_ud_send_recv_within(struct odp_pair *p, void *src, uint32_t skey,
			    void *dst, uint32_t dkey, size_t len, int recv_ms)
{
	struct ibv_sge s = {
		.addr = (uintptr_t)src, .length = len, .lkey = skey,
	};
	struct ibv_sge d = {
		.addr = (uintptr_t)dst, .length = len + 40, .lkey = dkey,
	};

	return odp_ud_send_recv_sgl(p, &s, 1, &d, 1, false, recv_ms);
}

int odp_rereg_raw(struct ibv_mr *mr, uint32_t flags, struct ibv_pd *pd,
		  void *addr, size_t len, int access)
{
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_rereg_mr cmd;
	} req;
	struct ib_uverbs_rereg_mr_resp resp;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.hdr.command = IB_USER_VERBS_CMD_REREG_MR;
	req.hdr.in_words = sizeof(req) / 4;
	req.hdr.out_words = sizeof(resp) / 4;
	req.cmd.response = (uintptr_t)&resp;
	req.cmd.mr_handle = mr->handle;
	req.cmd.flags = flags;
	req.cmd.start = (uintptr_t)addr;
	req.cmd.length = len;
	req.cmd.hca_va = (uintptr_t)addr;
	req.cmd.pd_handle = pd ? pd->handle : 0;
	req.cmd.access_flags = access;
	if (write(mr->context->cmd_fd, &req, sizeof(req)) != sizeof(req))
		return errno;
	mr->lkey = resp.lkey;
	mr->rkey = resp.rkey;
	if (flags & IBV_REREG_MR_CHANGE_TRANSLATION) {
		mr->addr = addr;
		mr->length = len;
	}
	return 0;
}

long long odp_tool_mr_counter(struct ibv_mr *mr, const char *name)
{
	char key[64], line[4096], *at;
	long long mrn = -1, cur = -1, v = -1;
	size_t len = strlen(name);
	FILE *f;

	/* the tool names MRs by their resource id: find ours by its lkey */
	f = popen("rdma resource show mr 2>/dev/null", "r");
	if (!f)
		return -1;
	snprintf(key, sizeof(key), "lkey 0x%x ", mr->lkey);
	while (fgets(line, sizeof(line), f))
		if (mrn < 0 && strstr(line, key) && (at = strstr(line, "mrn ")))
			mrn = strtoll(at + 4, NULL, 0);
	pclose(f);
	if (mrn < 0)
		return -1;
	f = popen("rdma statistic mr 2>/dev/null", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if ((at = strstr(line, "mrn ")))
			cur = strtoll(at + 4, NULL, 0);
		if (v >= 0 || cur != mrn)
			continue;
		/* NAME as a whole word followed by its value */
		for (at = strstr(line, name); at; at = strstr(at + 1, name))
			if ((at == line || at[-1] == ' ') && at[len] == ' ') {
				v = strtoll(at + len + 1, NULL, 0);
				break;
			}
	}
	pclose(f);
	return v;
}

int odp_fail_transient(int set)
{
	FILE *f = fopen(ODP_FAIL_TRANSIENT, set < 0 ? "r" : "w");
	int n = -1;

	if (!f)
		return -1;
	if (set < 0 ? fscanf(f, "%d", &n) != 1 : fprintf(f, "%d\n", set) < 0)
		n = -1;
	else if (set >= 0)
		n = set;
	if (fclose(f))
		n = -1;
	return n;
}
