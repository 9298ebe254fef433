// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connection plumbing of the examples (rc_conn.h).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rc_conn.h"

struct ibv_context *rc_open(const char *prog, const char *dev, int gid_index,
			    int need_odp, union ibv_gid *gid)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_device_attr_ex attr;
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i] && !ctx; i++)
		if (!dev || !strcmp(ibv_get_device_name(list[i]), dev))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!ctx) {
		fprintf(stderr, "%s: no device %s\n", prog, dev ? dev : "");
		return NULL;
	}
	if (need_odp && (ibv_query_device_ex(ctx, NULL, &attr) ||
			 !(attr.odp_caps.general_caps & IBV_ODP_SUPPORT))) {
		fprintf(stderr, "%s: %s reports no ODP\n", prog,
			ibv_get_device_name(ctx->device));
		goto err;
	}
	if (ibv_query_gid(ctx, 1, gid_index, gid)) {
		fprintf(stderr, "%s: no GID %d on %s\n", prog, gid_index,
			ibv_get_device_name(ctx->device));
		goto err;
	}
	return ctx;
err:
	ibv_close_device(ctx);
	return NULL;
}

int rc_send_all(int sock, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(sock, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rc_recv_all(int sock, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(sock, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rc_exchange(const char *prog, const char *server, int port,
		const void *me, void *peer, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
				  .ai_flags = server ? 0 : AI_PASSIVE };
	struct addrinfo *res;
	char portstr[16];
	int s, sock = -1, one = 1, tries;

	snprintf(portstr, sizeof(portstr), "%d", port);
	if (getaddrinfo(server, portstr, &hints, &res)) {
		fprintf(stderr, "%s: cannot resolve %s\n", prog, server ? server : "");
		return -1;
	}
	s = socket(res->ai_family, res->ai_socktype, 0);
	if (s >= 0 && server) {
		/* the server may not be listening yet */
		for (tries = 0; tries < 50 && sock < 0; tries++) {
			if (!connect(s, res->ai_addr, res->ai_addrlen))
				sock = s;
			else
				usleep(100000);
		}
	} else if (s >= 0) {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(s, res->ai_addr, res->ai_addrlen) && !listen(s, 1))
			sock = accept(s, NULL, NULL);
		close(s);
	}
	freeaddrinfo(res);
	if (sock < 0) {
		if (s >= 0 && server)
			close(s);
		fprintf(stderr, "%s: failed to connect %s port %d\n", prog,
			server ? server : "a client on", port);
		return -1;
	}
	if (!rc_send_all(sock, me, len) && !rc_recv_all(sock, peer, len))
		return sock;
	close(sock);
	fprintf(stderr, "%s: cannot exchange QP details with %s\n", prog,
		server ? server : "a client");
	return -1;
}

void rc_wire_of(struct rc_wire *w, struct ibv_qp *qp, const union ibv_gid *gid)
{
	w->qpn = qp->qp_num;
	w->psn = lrand48() & 0xffffff;
	memcpy(w->gid, gid->raw, sizeof(w->gid));
}

int rc_connect(struct ibv_qp *qp, int gid_index, const struct rc_wire *me,
	       const struct rc_wire *peer, int access, int rd_atomic)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = access,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = peer->qpn;
	a.rq_psn = peer->psn;
	a.max_dest_rd_atomic = rd_atomic;
	a.min_rnr_timer = 1;
	a.ah_attr.is_global = 1;
	a.ah_attr.port_num = 1;
	memcpy(a.ah_attr.grh.dgid.raw, peer->gid, 16);
	a.ah_attr.grh.sgid_index = gid_index;
	a.ah_attr.grh.hop_limit = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 18;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = me->psn;
	a.max_rd_atomic = rd_atomic;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

void rc_print_counters(const struct odp_counters *after,
		       const struct odp_counters *before)
{
	static const struct odp_counters zero;
	const struct odp_counters *b = before ? before : &zero;

	printf(" page_faults %" PRIu64 " page_faults_handled %" PRIu64
	       " page_invalidations %" PRIu64 " page_invalidations_handled %" PRIu64
	       " page_prefetch %" PRIu64 "\n",
	       after->page_faults - b->page_faults,
	       after->page_faults_handled - b->page_faults_handled,
	       after->page_invalidations - b->page_invalidations,
	       after->page_invalidations_handled - b->page_invalidations_handled,
	       after->page_prefetch - b->page_prefetch);
}
