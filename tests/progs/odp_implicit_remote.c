// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_implicit_remote: the rkey of an implicit ODP MR, used by a peer.
 *
 *   server:  odp_implicit_remote [-d DEV] [-g GIDX] [-p PORT]
 *   client:  odp_implicit_remote [-d DEV] [-g GIDX] [-p PORT] SERVER
 *
 * The server registers one implicit ODP MR (ibv_reg_mr(pd, NULL, SIZE_MAX,
 * ...ON_DEMAND)) and hands its rkey and three addresses in different
 * 2 MiB chunks to the client, over TCP: a source filled with a pattern, a
 * target never touched, and a 64-bit word for atomics. The client (pinned
 * memory on its side) RDMA READs the source, RDMA WRITEs the target, does
 * FETCH_AND_ADD and CMP_AND_SWP on the word and reads it back, checking
 * every byte and old value; at last a READ of a page the server unmapped
 * must fail with a remote access error. The server then checks the bytes
 * written and the word, and that its MR faulted the pages in (libodp's
 * per-MR counters). Both exit 0 only if everything held.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "odp.h"

#define CHUNK (2UL << 20)
#define LEN (64 * 1024UL)	/* bytes read and written */
#define ATOMIC_INIT 5ULL
#define ATOMIC_ADD 7ULL
#define ATOMIC_SWAP 0x1234abcdULL

struct wire {
	uint32_t qpn, psn, rkey, pad;
	uint8_t gid[16];
	uint64_t src, dst, word, hole;	/* server addresses */
};

struct node {
	const char *dev, *server;
	int gidx, port;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	union ibv_gid gid;
	int sock;
};

static uint8_t pattern(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 31 + seed + (i >> 12));
}

static int die(const char *what)
{
	fprintf(stderr, "odp_implicit_remote: %s: %s\n", what, strerror(errno));
	return 1;
}

static int open_dev(struct node *n)
{
	struct ibv_device **l = ibv_get_device_list(NULL);
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 8, .max_recv_wr = 1, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};

	if (!l)
		return die("ibv_get_device_list");
	for (int i = 0; l[i] && !n->ctx; i++)
		if (!n->dev || !strcmp(ibv_get_device_name(l[i]), n->dev))
			n->ctx = ibv_open_device(l[i]);
	ibv_free_device_list(l);
	if (!n->ctx)
		return die("no such device");
	n->pd = ibv_alloc_pd(n->ctx);
	n->cq = n->pd ? ibv_create_cq(n->ctx, 8, NULL, NULL, 0) : NULL;
	qa.send_cq = qa.recv_cq = n->cq;
	n->qp = n->cq ? ibv_create_qp(n->pd, &qa) : NULL;
	if (!n->qp || ibv_query_gid(n->ctx, 1, n->gidx, &n->gid))
		return die("pd/cq/qp/gid");
	return 0;
}

static int connect_qp(struct node *n, const struct wire *peer, uint32_t psn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_ATOMIC,
	};

	if (ibv_modify_qp(n->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return die("INIT");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = peer->qpn;
	a.rq_psn = peer->psn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.port_num = 1;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.grh.sgid_index = n->gidx;
	memcpy(a.ah_attr.grh.dgid.raw, peer->gid, 16);
	if (ibv_modify_qp(n->qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return die("RTR");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 20;		/* 4 s: slow TCG guests */
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = psn;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(n->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			  IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		return die("RTS");
	return 0;
}

static int tcp_open(struct node *n)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char port[16];
	int fd, one = 1;

	snprintf(port, sizeof(port), "%d", n->port);
	if (n->server) {
		if (getaddrinfo(n->server, port, &hints, &ai))
			return die("getaddrinfo");
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			freeaddrinfo(ai);
			fprintf(stderr, "odp_implicit_remote: couldn't connect to %s:%s\n",
				n->server, port);
			return 1;
		}
		freeaddrinfo(ai);
		n->sock = fd;
		return 0;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(n->port) };
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1))
		return die("listen");
	n->sock = accept(fd, NULL, NULL);
	close(fd);
	return n->sock < 0 ? die("accept") : 0;
}

static int xfer(int fd, void *buf, size_t len, bool out)
{
	for (size_t done = 0; done < len;) {
		ssize_t r = out ? write(fd, (char *)buf + done, len - done) :
				  read(fd, (char *)buf + done, len - done);
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

/* One work request from the client, waited for: the completion status. */
static int post(struct node *n, struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	int got;

	wr->send_flags = IBV_SEND_SIGNALED;
	if (ibv_post_send(n->qp, wr, &bad))
		return die("ibv_post_send"), -1;
	while ((got = ibv_poll_cq(n->cq, 1, &wc)) == 0)
		;
	return got < 0 ? -1 : (int)wc.status;
}

static int run_client(struct node *n, const struct wire *s)
{
	size_t blen = 2 * LEN;
	uint8_t *buf = mmap(NULL, blen, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ibv_mr *mr = ibv_reg_mr(n->pd, buf, blen, IBV_ACCESS_LOCAL_WRITE);
	struct ibv_sge sge = { (uintptr_t)buf, LEN, 0 };
	struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1 };
	uint64_t *word = (uint64_t *)(buf + LEN);
	int st, errors = 0;

	if (!mr)
		return die("ibv_reg_mr (client)");
	sge.lkey = mr->lkey;

	wr.opcode = IBV_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = s->src;
	wr.wr.rdma.rkey = s->rkey;
	st = post(n, &wr);
	for (size_t i = 0; st == 0 && i < LEN; i++)
		if (buf[i] != pattern(i, 1)) {
			printf("READ: byte %zu is %#x, expected %#x\n", i, buf[i],
			       pattern(i, 1));
			st = -2;
		}
	printf("RDMA READ %lu bytes from the implicit MR: %s\n", LEN,
	       st ? (st == -2 ? "wrong data" : ibv_wc_status_str(st)) : "ok");
	errors += st != 0;

	for (size_t i = 0; i < LEN; i++)
		buf[i] = pattern(i, 2);
	wr.opcode = IBV_WR_RDMA_WRITE;
	wr.wr.rdma.remote_addr = s->dst;
	st = post(n, &wr);
	printf("RDMA WRITE %lu bytes into untouched memory: %s\n", LEN,
	       st ? ibv_wc_status_str(st) : "ok");
	errors += st != 0;

	sge.addr = (uintptr_t)word;
	sge.length = 8;
	wr.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
	wr.wr.atomic.remote_addr = s->word;
	wr.wr.atomic.rkey = s->rkey;
	wr.wr.atomic.compare_add = ATOMIC_ADD;
	st = post(n, &wr);
	printf("FETCH_AND_ADD %llu: %s, old %#" PRIx64 " (expected %#llx)\n",
	       ATOMIC_ADD, st ? ibv_wc_status_str(st) : "ok", *word,
	       ATOMIC_INIT);
	errors += st != 0 || *word != ATOMIC_INIT;

	wr.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
	wr.wr.atomic.compare_add = ATOMIC_INIT + ATOMIC_ADD;
	wr.wr.atomic.swap = ATOMIC_SWAP;
	st = post(n, &wr);
	printf("CMP_AND_SWP %#llx -> %#llx: %s, old %#" PRIx64 "\n",
	       ATOMIC_INIT + ATOMIC_ADD, ATOMIC_SWAP,
	       st ? ibv_wc_status_str(st) : "ok", *word);
	errors += st != 0 || *word != ATOMIC_INIT + ATOMIC_ADD;

	*word = 0;
	wr.opcode = IBV_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = s->word;
	wr.wr.rdma.rkey = s->rkey;
	st = post(n, &wr);
	printf("READ the word back: %#" PRIx64 " (expected %#llx)\n", *word,
	       ATOMIC_SWAP);
	errors += st != 0 || *word != ATOMIC_SWAP;

	/* a page the server unmapped: the implicit MR covers it, nothing maps it */
	sge.addr = (uintptr_t)buf;
	sge.length = 4096;
	wr.wr.rdma.remote_addr = s->hole;
	st = post(n, &wr);
	printf("RDMA READ of an unmapped page: %s (expected %s)\n",
	       st >= 0 ? ibv_wc_status_str(st) : "no completion",
	       ibv_wc_status_str(IBV_WC_REM_ACCESS_ERR));
	errors += st != IBV_WC_REM_ACCESS_ERR;
	ibv_dereg_mr(mr);
	return errors;
}

static int run_server(uint8_t *mem, size_t len,
		      struct ibv_mr *mr)
{
	const uint8_t *dst = mem + 2 * CHUNK + 4096;
	volatile uint64_t *word = (uint64_t *)(mem + 3 * CHUNK + 512);
	struct odp_counters c;
	int errors = 0, err;
	size_t i;

	for (i = 0; i < LEN && dst[i] == pattern(i, 2); i++)
		;
	printf("server: written bytes %s", i == LEN ? "ok\n" : "wrong");
	if (i < LEN)
		printf(" (byte %zu is %#x, expected %#x)\n", i, dst[i],
		       pattern(i, 2));
	errors += i != LEN;
	printf("server: atomic word %#" PRIx64 " (expected %#llx)\n", *word,
	       ATOMIC_SWAP);
	errors += *word != ATOMIC_SWAP;

	err = odp_query_mr_counters(mr, &c);
	if (err) {
		printf("server: odp_query_mr_counters: %s\n", strerror(err));
		errors += err != EPERM;	/* EPERM: not root, cannot tell */
	} else {
		/* the write target and the word were faulted in by the NIC */
		printf("server: MR page_faults %" PRIu64 ", handled %" PRIu64
		       "\n", c.page_faults, c.page_faults_handled);
		errors += c.page_faults < LEN / 4096 + 1;
	}
	munmap(mem, len);
	return errors;
}

int main(int argc, char **argv)
{
	struct node n = { .gidx = 1, .port = 18700 };
	struct wire me = { 0 }, peer;
	size_t len = 5 * CHUNK;
	uint8_t *mem = NULL;
	struct ibv_mr *mr = NULL;
	int opt, errors, ack = 0;

	while ((opt = getopt(argc, argv, "d:g:p:")) != -1) {
		switch (opt) {
		case 'd': n.dev = optarg; break;
		case 'g': n.gidx = atoi(optarg); break;
		case 'p': n.port = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: odp_implicit_remote [-d DEV] [-g GIDX] [-p PORT] [SERVER]\n");
			return 2;
		}
	}
	n.server = optind < argc ? argv[optind] : NULL;
	if (open_dev(&n))
		return 1;
	if (!n.server) {
		mr = ibv_reg_mr(n.pd, NULL, SIZE_MAX, IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE |
				IBV_ACCESS_REMOTE_ATOMIC | IBV_ACCESS_ON_DEMAND);
		if (!mr)
			return die("implicit ODP ibv_reg_mr");
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			return die("mmap");
		for (size_t i = 0; i < LEN; i++)
			mem[CHUNK + i] = pattern(i, 1);
		*(uint64_t *)(mem + 3 * CHUNK + 512) = ATOMIC_INIT;
		munmap(mem + 4 * CHUNK, 4096);	/* the hole */
		me.rkey = mr->rkey;
		me.src = (uintptr_t)mem + CHUNK;
		me.dst = (uintptr_t)mem + 2 * CHUNK + 4096;
		me.word = (uintptr_t)mem + 3 * CHUNK + 512;
		me.hole = (uintptr_t)mem + 4 * CHUNK;
	}
	me.qpn = n.qp->qp_num;
	me.psn = (uint32_t)getpid() & 0xffffff;
	memcpy(me.gid, n.gid.raw, 16);
	if (tcp_open(&n) || xfer(n.sock, &me, sizeof(me), true) ||
	    xfer(n.sock, &peer, sizeof(peer), false))
		return 1;
	if (connect_qp(&n, &peer, me.psn))
		return 1;
	if (xfer(n.sock, &ack, sizeof(ack), true) ||
	    xfer(n.sock, &ack, sizeof(ack), false))	/* both ready */
		return 1;
	if (n.server) {
		errors = run_client(&n, &peer);
		if (xfer(n.sock, &errors, sizeof(errors), true) ||
		    xfer(n.sock, &ack, sizeof(ack), false))
			return 1;
		printf("client: %d errors; server: %d\n", errors, ack);
		errors += ack;
	} else {
		if (xfer(n.sock, &ack, sizeof(ack), false))	/* client done */
			return 1;
		errors = run_server(mem, len, mr);
		if (xfer(n.sock, &errors, sizeof(errors), true))
			return 1;
	}
	if (mr)
		ibv_dereg_mr(mr);
	ibv_destroy_qp(n.qp);
	ibv_destroy_cq(n.cq);
	ibv_dealloc_pd(n.pd);
	ibv_close_device(n.ctx);
	printf("%s\n", errors ? "FAILED" : "PASSED");
	return errors ? 1 : 0;
}
