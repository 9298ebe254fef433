/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the examples share: opening a device, swapping QP details with the
 * peer over TCP (the server listens, the client connects), bringing an RC
 * QP to RTS, and printing ODP counters by name.
 */
#ifndef RC_CONN_H
#define RC_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>

#include "odp.h"

/* What the two sides swap to connect their QPs. */
struct rc_wire {
	uint32_t qpn, psn;
	uint8_t gid[16];
};

/*
 * Open device @dev (NULL: the first) and read its GID @gid_index; with
 * @need_odp, it must report ODP. Errors are printed as "@prog: ...".
 * Returns the context, or NULL.
 */
struct ibv_context *rc_open(const char *prog, const char *dev, int gid_index,
			    int need_odp, union ibv_gid *gid);

/*
 * Connect to @server:@port (the client), or listen on @port and take one
 * connection (the server, @server NULL); then send @len bytes of @me and
 * receive @len bytes into @peer. Returns the socket, kept open for the
 * program's own messages, or -1.
 */
int rc_exchange(const char *prog, const char *server, int port,
		const void *me, void *peer, size_t len);

/* Fill @w with this side of @qp. */
void rc_wire_of(struct rc_wire *w, struct ibv_qp *qp, const union ibv_gid *gid);

/*
 * Bring @qp to RTS towards @peer (RoCE: GRH from @gid_index), remote
 * access @access for the peer's operations, @rd_atomic outstanding RDMA
 * READs either way.
 */
int rc_connect(struct ibv_qp *qp, int gid_index, const struct rc_wire *me,
	       const struct rc_wire *peer, int access, int rd_atomic);

/* Send or receive exactly @len bytes on the socket: 0, or -1. */
int rc_send_all(int sock, const void *buf, size_t len);
int rc_recv_all(int sock, void *buf, size_t len);

/* Print " name value" for each ODP counter, @after minus @before (NULL: 0). */
void rc_print_counters(const struct odp_counters *after,
		       const struct odp_counters *before);

#endif /* RC_CONN_H */
