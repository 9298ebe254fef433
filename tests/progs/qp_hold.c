// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * qp_hold: open an RDMA device, create a PD, CQ, MR and RC QP, say so on
 * stdout ("ready"), then hold them until killed or until stdin closes.
 * The module tests use it to have live verbs objects while they try to
 * unload the driver.
 *
 *   qp_hold [-d DEVICE] [-p MIB [-k]]
 *
 * -p MIB also registers an ODP MR over MIB MiB of fresh anonymous memory
 * and starts an asynchronous PREFETCH_WRITE of all of it (advise_mr
 * without FLUSH, through libodp) before saying "ready": a process that is
 * killed right after leaves a background prefetch behind.
 * -k (with -p): right after "ready", which then also gives the device's
 * page_prefetch counter read after the advice, the process kills itself
 * with SIGKILL: no time for the prefetch to finish first, however fast
 * the machine faults pages in (a kill from the test's shell came too late
 * once page zeroing in the guest got faster).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "odp.h"

struct holder {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	struct ibv_qp *qp;
	void *buf;
	struct ibv_mr *odp_mr;	/* -p */
	void *odp_buf;
	size_t odp_len;
	int kill_self;		/* -k */
};

static struct ibv_context *open_device(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list) {
		perror("ibv_get_device_list");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!name || !strcmp(ibv_get_device_name(list[i]), name)) {
			ctx = ibv_open_device(list[i]);
			if (!ctx)
				perror("ibv_open_device");
			break;
		}
	}
	if (i == n)
		fprintf(stderr, "qp_hold: no device %s\n", name ? name : "at all");
	ibv_free_device_list(list);
	return ctx;
}

static int create_objects(struct holder *h, const char *name)
{
	struct ibv_qp_init_attr attr = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 1, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	const size_t len = 4096;

	h->ctx = open_device(name);
	if (!h->ctx)
		return -1;
	h->pd = ibv_alloc_pd(h->ctx);
	if (!h->pd)
		return perror("ibv_alloc_pd"), -1;
	h->cq = ibv_create_cq(h->ctx, 4, NULL, NULL, 0);
	if (!h->cq)
		return perror("ibv_create_cq"), -1;
	h->buf = calloc(1, len);
	if (!h->buf)
		return perror("calloc"), -1;
	h->mr = ibv_reg_mr(h->pd, h->buf, len, IBV_ACCESS_LOCAL_WRITE);
	if (!h->mr)
		return perror("ibv_reg_mr"), -1;
	attr.send_cq = h->cq;
	attr.recv_cq = h->cq;
	h->qp = ibv_create_qp(h->pd, &attr);
	if (!h->qp)
		return perror("ibv_create_qp"), -1;
	return 0;
}

/* -p: an ODP MR of h->odp_len bytes and a background prefetch of it. */
static int start_prefetch(struct holder *h)
{
	struct ibv_sge sge;
	int err;

	h->odp_buf = mmap(NULL, h->odp_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->odp_buf == MAP_FAILED) {
		h->odp_buf = NULL;
		return perror("mmap"), -1;
	}
	h->odp_mr = ibv_reg_mr(h->pd, h->odp_buf, h->odp_len,
			       IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE);
	if (!h->odp_mr)
		return perror("ibv_reg_mr(IBV_ACCESS_ON_DEMAND)"), -1;
	sge.addr = (uintptr_t)h->odp_buf;
	sge.length = h->odp_len;
	sge.lkey = h->odp_mr->lkey;
	err = odp_advise_mr(h->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE, 0,
			    &sge, 1);
	if (err) {
		fprintf(stderr, "odp_advise_mr: %s\n", strerror(err));
		return -1;
	}
	return 0;
}

/* The device's page_prefetch counter (libodp), or -1 if it cannot be read */
static long long prefetch_counter(struct ibv_context *ctx)
{
	struct odp_counters c;

	if (odp_query_dev_counters(ctx, 1, &c))
		return -1;
	return (long long)c.page_prefetch;
}

static void destroy_objects(struct holder *h)
{
	if (h->odp_mr)
		ibv_dereg_mr(h->odp_mr);
	if (h->odp_buf)
		munmap(h->odp_buf, h->odp_len);
	if (h->qp)
		ibv_destroy_qp(h->qp);
	if (h->mr)
		ibv_dereg_mr(h->mr);
	if (h->cq)
		ibv_destroy_cq(h->cq);
	if (h->pd)
		ibv_dealloc_pd(h->pd);
	if (h->ctx)
		ibv_close_device(h->ctx);
	free(h->buf);
}

int main(int argc, char **argv)
{
	struct holder h = { 0 };
	const char *name = NULL;
	char c;
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "d:p:k")) != -1) {
		switch (opt) {
		case 'd':
			name = optarg;
			break;
		case 'p':
			h.odp_len = strtoul(optarg, NULL, 0) << 20;
			if (h.odp_len)
				break;
			goto usage;
		case 'k':
			h.kill_self = 1;
			break;
		default:
			goto usage;
		}
	}
	if (h.kill_self && !h.odp_len)
		goto usage;
	if (create_objects(&h, name) == 0 &&
	    (!h.odp_len || start_prefetch(&h) == 0)) {
		if (h.kill_self) {
			printf("ready qpn %u page_prefetch %lld\n",
			       h.qp->qp_num, prefetch_counter(h.ctx));
			fflush(stdout);
			raise(SIGKILL);
		}
		printf("ready qpn %u\n", h.qp->qp_num);
		fflush(stdout);
		/* Hold until stdin closes (or a signal ends the process). */
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
		ret = 0;
	}
	destroy_objects(&h);
	return ret;
usage:
	fprintf(stderr, "usage: qp_hold [-d DEVICE] [-p MIB [-k]]\n");
	return 2;
}
