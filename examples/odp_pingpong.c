// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_pingpong: an RC ping-pong, in the manner of ibv_rc_pingpong, made to
 * show on-demand paging. Messages live in a buffer far larger than what
 * they touch, registered with IBV_ACCESS_ON_DEMAND (explicitly, or as one
 * implicit MR over the whole address space); every few iterations the
 * touched pages are dropped with MADV_DONTNEED, so the NIC must fault them
 * in again; at the end it prints what the device's ODP counters saw.
 *
 *   server:  odp_pingpong [options]
 *   client:  odp_pingpong [options] SERVER
 *
 * Every byte of a message is a function of its iteration, its offset and
 * its sender, and the receiver checks the whole message, so a stale,
 * shifted or partly written page (a fault or invalidation gone wrong)
 * fails the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "odp.h"
#include "rc_conn.h"

#define SLOT (64 * 1024)	/* messages go to 64 KiB apart slots */
#define SLOTS 16

struct opts {
	const char *dev, *server;
	int gid_index, port, iters, drop_every;
	size_t size, buf_mib;
	bool implicit, prefetch;
};

struct pp {
	struct opts o;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	uint8_t *buf;
	size_t buf_len;
	union ibv_gid gid;
	int sock;
};


static void usage(void)
{
	printf("usage: odp_pingpong [options] [SERVER]\n"
	       "  -d DEV     device (default: first)\n"
	       "  -g IDX     GID index (default 1)\n"
	       "  -p PORT    TCP port for the exchange (default 18600)\n"
	       "  -s BYTES   message size (default 4096, at most %d)\n"
	       "  -n ITERS   iterations (default 1000)\n"
	       "  -b MIB     ODP buffer size (default 1024)\n"
	       "  -m N       MADV_DONTNEED the touched pages every N iterations (0: never; default 100)\n"
	       "  -i         one implicit ODP MR over the whole address space\n"
	       "  -P         prefetch the touched range before the run (libodp)\n"
	       "  -h         this help\n",
	       SLOT);
}

/* 0: run; 1: -h printed the usage; -1: bad options (usage printed) */
static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .gid_index = 1, .port = 18600, .iters = 1000,
			    .drop_every = 100, .size = 4096, .buf_mib = 1024 };
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "d:g:p:s:n:b:m:iPh", longs, NULL)) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 'g': o->gid_index = atoi(optarg); break;
		case 'p': o->port = atoi(optarg); break;
		case 's': o->size = strtoul(optarg, NULL, 0); break;
		case 'n': o->iters = atoi(optarg); break;
		case 'b': o->buf_mib = strtoul(optarg, NULL, 0); break;
		case 'm': o->drop_every = atoi(optarg); break;
		case 'i': o->implicit = true; break;
		case 'P': o->prefetch = true; break;
		case 'h': usage(); return 1;
		default: usage(); return -1;
		}
	}
	if (optind < argc)
		o->server = argv[optind];
	if (o->size < 8 || o->size > SLOT || o->iters < 1 || o->drop_every < 0 ||
	    o->buf_mib < (SLOT * SLOTS) / (1024 * 1024) || o->port <= 0) {
		fprintf(stderr, "odp_pingpong: bad option value\n");
		usage();
		return -1;
	}
	return 0;
}

static int open_dev(struct pp *p)
{
	struct ibv_device_attr_ex attr;

	p->ctx = rc_open("odp_pingpong", p->o.dev, p->o.gid_index, 1, &p->gid);
	if (!p->ctx)
		return -1;
	if (p->o.implicit &&
	    (ibv_query_device_ex(p->ctx, NULL, &attr) ||
	     !(attr.odp_caps.general_caps & IBV_ODP_SUPPORT_IMPLICIT))) {
		fprintf(stderr, "odp_pingpong: %s reports no implicit ODP\n",
			ibv_get_device_name(p->ctx->device));
		return -1;
	}
	return 0;
}

static int setup(struct pp *p)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_ON_DEMAND;

	p->buf_len = p->o.buf_mib << 20;
	p->buf = mmap(NULL, p->buf_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->buf == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	p->pd = ibv_alloc_pd(p->ctx);
	p->cq = p->pd ? ibv_create_cq(p->ctx, 8, NULL, NULL, 0) : NULL;
	if (!p->cq)
		return -1;
	p->mr = p->o.implicit ? ibv_reg_mr(p->pd, NULL, SIZE_MAX, access) :
				ibv_reg_mr(p->pd, p->buf, p->buf_len, access);
	if (!p->mr) {
		perror("ibv_reg_mr(ODP)");
		return -1;
	}
	qa.send_cq = qa.recv_cq = p->cq;
	p->qp = ibv_create_qp(p->pd, &qa);
	return p->qp ? 0 : -1;
}

static uint8_t *slot(struct pp *p, int iter)
{
	return p->buf + (size_t)(iter % SLOTS) * SLOT;
}

/* Byte @i of the message of iteration @iter sent by the client or not. */
static uint8_t msg_byte(int iter, bool from_client, size_t i)
{
	return (uint8_t)(iter * 7 + from_client * 101 + i + i / 251);
}

static void msg_fill(uint8_t *m, size_t size, int iter, bool from_client)
{
	size_t i;

	for (i = 0; i < size; i++)
		m[i] = msg_byte(iter, from_client, i);
}

/* Offset of the first byte of @m that is not the peer's message, or -1. */
static long msg_check(const uint8_t *m, size_t size, int iter,
		      bool from_client)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (m[i] != msg_byte(iter, from_client, i))
			return (long)i;
	return -1;
}

static int post(struct pp *p, int iter, bool send)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)slot(p, iter), .length = p->o.size,
		.lkey = p->mr->lkey,
	};
	struct ibv_send_wr swr = { .sg_list = &sge, .num_sge = 1,
				   .opcode = IBV_WR_SEND,
				   .send_flags = IBV_SEND_SIGNALED }, *sbad;
	struct ibv_recv_wr rwr = { .sg_list = &sge, .num_sge = 1 }, *rbad;

	if (send) {
		msg_fill(slot(p, iter), p->o.size, iter, p->o.server != NULL);
		return ibv_post_send(p->qp, &swr, &sbad);
	}
	return ibv_post_recv(p->qp, &rwr, &rbad);
}

static int wait_wc(struct pp *p, int iter, bool *got_recv)
{
	struct ibv_wc wc;
	long bad;
	int n;

	do {
		n = ibv_poll_cq(p->cq, 1, &wc);
	} while (n == 0);
	if (n < 0 || wc.status != IBV_WC_SUCCESS) {
		fprintf(stderr, "odp_pingpong: iteration %d: completion %s\n", iter,
			n < 0 ? "poll failed" : ibv_wc_status_str(wc.status));
		return -1;
	}
	if (wc.opcode == IBV_WC_RECV) {
		bad = msg_check(slot(p, iter), p->o.size, iter, p->o.server == NULL);
		if (bad >= 0) {
			fprintf(stderr, "odp_pingpong: iteration %d: byte %ld of the message is %#x, not %#x\n",
				iter, bad, slot(p, iter)[bad],
				msg_byte(iter, p->o.server == NULL, bad));
			return -1;
		}
		*got_recv = true;
	}
	return 0;
}

/* One round trip: the client sends first, the server answers. */
static int round_trip(struct pp *p, int iter)
{
	bool client = p->o.server, got_recv = false;
	int completions = 0;

	if (post(p, iter, false))
		return -1;
	if (client && post(p, iter, true))
		return -1;
	while (completions < 2) {
		bool before = got_recv;

		if (wait_wc(p, iter, &got_recv))
			return -1;
		completions++;
		if (!client && got_recv && !before && post(p, iter, true))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pp p = { .sock = -1 };
	struct rc_wire me, peer;
	struct odp_counters before, after, mrc;
	int mr_err, ret;
	struct timeval t0, t1;
	double usec;
	char ok = 1, peer_ok = 0;
	int iter;

	ret = parse(argc, argv, &p.o);
	if (ret)
		return ret > 0 ? 0 : 1;	/* -h: usage, and done */
	if (open_dev(&p) || setup(&p))
		return 1;
	rc_wire_of(&me, p.qp, &p.gid);
	p.sock = rc_exchange("odp_pingpong", p.o.server, p.o.port, &me, &peer,
			     sizeof(me));
	if (p.sock < 0 || rc_connect(p.qp, p.o.gid_index, &me, &peer, 0, 1)) {
		fprintf(stderr, "odp_pingpong: cannot connect the QP\n");
		return 1;
	}
	if (odp_query_dev_counters(p.ctx, 1, &before))
		memset(&before, 0, sizeof(before));
	if (p.o.prefetch) {
		struct ibv_sge sge = { (uintptr_t)p.buf, SLOT * SLOTS, p.mr->lkey };
		int err = odp_advise_mr(p.pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
					IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);

		if (err) {
			fprintf(stderr, "odp_pingpong: prefetch: %s\n", strerror(err));
			return 1;
		}
	}
	/* both sides ready before the clock starts */
	if (write(p.sock, &ok, 1) != 1 || read(p.sock, &peer_ok, 1) != 1)
		return 1;

	gettimeofday(&t0, NULL);
	for (iter = 0; iter < p.o.iters; iter++) {
		if (round_trip(&p, iter))
			return 1;
		if (p.o.drop_every && (iter + 1) % p.o.drop_every == 0 &&
		    madvise(p.buf, SLOT * SLOTS, MADV_DONTNEED))
			return perror("madvise"), 1;
	}
	gettimeofday(&t1, NULL);
	usec = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_usec - t0.tv_usec);
	usleep(20000);	/* past the kernel's 10 ms hw_counters cache */
	if (odp_query_dev_counters(p.ctx, 1, &after))
		memset(&after, 0, sizeof(after));
	mr_err = odp_query_mr_counters(p.mr, &mrc);

	printf("%d iters of %zu bytes in %.2f s = %.1f usec/iter\n",
	       p.o.iters, p.o.size, usec / 1e6, usec / p.o.iters);
	printf("ODP: %s MR, %zu MiB buffer, %zu KiB touched (%d slots), prefetch %s, MADV_DONTNEED every %d iters\n",
	       p.o.implicit ? "implicit" : "explicit", p.o.buf_mib,
	       SLOTS * p.o.size / 1024, SLOTS, p.o.prefetch ? "on" : "off",
	       p.o.drop_every);
	printf("this device during the run:");
	rc_print_counters(&after, &before);
	if (!mr_err) {
		printf("this MR:");
		rc_print_counters(&mrc, NULL);
	} else {
		printf("this MR: %s\n", strerror(mr_err));
	}

	ibv_destroy_qp(p.qp);
	ibv_dereg_mr(p.mr);
	ibv_destroy_cq(p.cq);
	ibv_dealloc_pd(p.pd);
	ibv_close_device(p.ctx);
	close(p.sock);
	return 0;
}
