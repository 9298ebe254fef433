// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * roce_inject: RoCEv2 packets made by hand for UC and RC QPs, sent by the
 * peer host from an ordinary UDP socket, as any user there can (or any
 * host that can pass for it) who knows a QP's number (and for RC, a PSN
 * in its window; UC takes a message's first packet at any PSN). A packet
 * from this host to itself never reaches rxe (it comes in on lo, not on
 * rxe's netdev), so the sender is node 2 of a two-guest run. Both sides
 * use an IPv6 GID, so that the ICRC covers no header field that the
 * sender's kernel picks but the masked ones.
 *
 *   sender (node 2): roce_inject --sender [-d DEVICE] [-p PORT]
 *   target (node 1): roce_inject [-d DEVICE] [-p PORT] SENDER
 *
 * The target makes two UC QPs connected to the sender's GID, one on an
 * SRQ and one with its own receive queue, three RC QPs and a UD QP, and
 * swaps GIDs
 * with the sender over TCP; then it asks for one packet at a time (QP,
 * opcode, PSN, headers, payload length and pattern), which the sender
 * makes and sends, and it checks what its QPs completed.
 * The QP on an SRQ:
 * 1. A SEND of 64 bytes (SEND_ONLY): it must complete with the bytes,
 *    else the packets are not what rxe takes and nothing was tested.
 * 2. A message cut short by a length error: SEND_FIRST, a SEND_LAST with
 *    no payload, then a SEND_MIDDLE and a SEND_LAST of the failed
 *    message. Stock 6.12 and 7.3 complete the receive WQE in error at
 *    the length error but went on taking the message: the SEND_MIDDLE
 *    was copied through the WQE pointer they had cleared, a NULL pointer
 *    dereference in the kernel.
 * 3. A SEND, as in 1: the QP still receives.
 * 4. A message cut short by another (its SEND_LAST lost): SEND_FIRST,
 *    then a SEND_ONLY. 5. A SEND, as in 1: stock 6.1, 6.12 and 7.3 kept
 *    the cut message's opcode sequence, failed every later first packet
 *    on it, and never received again.
 * The QP with a receive queue:
 * 6. An RDMA WRITE with immediate of 64 bytes (WRITE_ONLY_IMM): it must
 *    complete with its immediate, and the bytes be there.
 * 7. A WRITE cut short by another (its WRITE_LAST lost): WRITE_FIRST,
 *    then a WRITE_ONLY_IMM. 8. A WRITE, as in 6: the same as 5, for a
 *    message without a receive WQE.
 * What the cut messages completed in between is printed, not checked.
 * The RC QP:
 * 9. An RDMA WRITE posted to a QP number the peer does not have (so
 *    that only the crafted packet answers it), then an ATOMIC
 *    ACKNOWLEDGE of its PSN, a response a WRITE cannot have: the WRITE
 *    must complete with IBV_WC_BAD_RESP_ERR, as on mlx5. Stock 6.1
 *    warned (WARN_ON_ONCE in rxe_completer(), a panic with panic_on_warn)
 *    and completed the WRITE as a success; 6.12 and 7.3 have the same
 *    code.
 * The QP with a receive queue again:
 * 10. An RDMA WRITE of zero bytes (its RETH's length) that carries 64
 *    bytes (WRITE_ONLY). rxe takes a zero-length WRITE without an rkey,
 *    so without an MR, and then copied the payload to that MR: stock 6.1
 *    dereferenced the NULL MR (a kernel oops, from one packet that needs
 *    no rkey); 6.12 and 7.3 warned (WARN_ON in rxe_mr_copy()) for every
 *    such packet. It is a length error: UC drops it. 11. A WRITE, as in 6.
 * A second RC QP (step 9 failed the first), as a responder:
 * 12. A SEND with Invalidate (SEND_ONLY_WITH_INVALIDATE) naming a type 2
 *    memory window that was allocated and never bound: rxe invalidated
 *    a window in the FREE state, which holds no QP and no MR, and put
 *    both NULL pointers (stock 6.1, 6.12 and 7.3: a kernel oops; a local
 *    Local Invalidate of the window does the same). The receive WQE must
 *    complete with an error.
 * A UD QP, its receive WQEs of 40 bytes of GRH and 64 of payload:
 * 13. A datagram of 64 bytes (SEND_ONLY): it must complete with its
 *    bytes after the GRH. 14. A datagram of 128 bytes, which does not
 *    fit. 15. A datagram, as in 13: stock 6.1 failed the receive WQE as
 *    malformed at 14 and put the QP in the error state. By the same
 *    code (not run here) it does so to QP1, whose receives the MAD layer
 *    posts for 256 bytes, at a longer datagram from any host: the
 *    device's MADs, rdma_cm's among them, stop. 6.12 and 7.3 drop it
 *    (C9-92).
 * A third RC QP (remote READ and atomics, one responder resource), and an
 * MR of another PD that no QP of the sender's can reach:
 * 16. An RDMA READ of 64 bytes (READ_REQUEST): its response, which comes
 *    to the sender's host (to a QP it has not, so its rxe drops it; a raw
 *    socket sees it), must carry them, else nothing here is seen.
 * 17. A FLUSH of placement type 0 and selectivity MR (6.2 on), a FETCH_ADD
 *    in the same responder resource, then a READ at the FETCH_ADD's PSN:
 *    it must not be answered. Stock rxe replayed it from the atomic's
 *    resource, whose READ view held the FLUSH's va as rkey and length,
 *    and looked that rkey up in the whole device: the response carried
 *    the other PD's MR (6.12; 7.3 the same code). On 6.1 (no FLUSH) the
 *    READ was answered from step 16's rkey.
 * 18. A READ, as in 16: the QP still answers.
 * 19. A SEND with Invalidate naming a type 2 window of the other PD,
 *    bound over that MR: the receive must complete with an error. Stock
 *    rxe (6.1, 6.12, 7.3) invalidated it: neither the window's PD nor
 *    an MR's was checked (a kernel ULP's fast-registered MRs, which
 *    remote invalidation is for, are as exposed; not run).
 * The UC QPs again, the one on an SRQ, then the other:
 * 20, 22. A SEND of 2064 bytes (FIRST, MIDDLE, LAST) to receive WQEs of
 *    2048: stock rxe (6.1, 6.12, 7.3) failed the WQE as malformed and put
 *    the QP in the error state (copy_data() said -EINVAL where its caller
 *    looks for -ENOSPC). 21, 23. A SEND, as in 1: the QP still receives.
 * A fourth RC QP, as a requester (to a QP number the peer does not have,
 * so that only crafted packets answer it):
 * 24. An RDMA READ of 64 bytes, answered first by an ACK of its PSN, then
 *    by a READ response of 64 bytes. An ACK never answers a READ: one at
 *    its PSN says that the response was lost, as one past it does (rxe's
 *    responder acks a duplicate SEND or WRITE with the PSN of the last
 *    request it executed, an atomic's if that came last). Stock rxe
 *    (6.1, 6.12, 7.3) completed the READ at the ACK, as a success with
 *    none of its bytes; it must complete at the response, with them.
 * 25. A FETCH_ADD, the same way (an ACK, then an ATOMIC ACKNOWLEDGE): it
 *    must complete at the second, with its original value.
 * The target exits 0 when all of that held, 1 with a message when not.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "odp_verbs.h"
#include "rc_conn.h"

#define MTU 1024
#define BUF_LEN (16 * 1024)	/* an endpoint's buffer */
#define RECV_LEN 2048		/* a receive WQE's part of it */
#define NRECV 4
#define GRH 40			/* what a UD receive takes before the payload */
#define UD_RECV_LEN (GRH + 64)	/* a UD receive WQE's: 64 bytes of payload */
#define UD_QKEY 0x11111111
#define SECRET_LEN 4096
#define ROCE_PORT 4791
#define UC_SEND_FIRST 0x20
#define UC_SEND_MIDDLE 0x21
#define UC_SEND_LAST 0x22
#define UC_SEND_ONLY 0x24
#define UC_WRITE_FIRST 0x26
#define UC_WRITE_ONLY 0x2a
#define UC_WRITE_ONLY_IMM 0x2b
#define RC_READ_REQ 0x0c
#define RC_READ_RESP_FIRST 0x0d
#define RC_READ_RESP_MIDDLE 0x0e
#define RC_READ_RESP_ONLY 0x10
#define RC_ACK 0x11
#define RC_ATOMIC_ACK 0x12
#define RC_FETCH_ADD 0x14
#define RC_SEND_ONLY_INV 0x17
#define RC_FLUSH 0x1c
#define FETH_SEL_MR 0x10	/* FLUSH of the whole MR, placement type 0 */
#define CAPTURE 0xfe		/* a command: the sender's next READ response */
#define UD_SEND_ONLY 0x64
#define FAKE_QPN 0xabcd		/* a QP number the sender's host has not */

/* The target's request for one packet; opcode 0: the end. */
struct pkt_cmd {
	uint8_t opcode, seed;
	uint16_t len;		/* payload bytes */
	uint32_t qpn, psn;
	uint32_t rkey, dlen;	/* RETH: a WRITE's first or only packet */
	uint64_t va;
	uint32_t imm;		/* IMMDT: WRITE_ONLY_IMM; IETH: SEND_ONLY_INV */
	uint32_t aeth;		/* AETH: ACK, READ_RESP_ONLY, ATOMIC_ACK (then
				 * AtomicAckETH: va)
				 */
	uint32_t qkey;		/* DETH: UD_SEND_ONLY, from QP number FAKE_QPN */
	uint32_t feth;		/* FETH: FLUSH (then a RETH) */
	uint64_t add;		/* AtomicETH: FETCH_ADD (va, rkey, add, 0) */
};

/*
 * The sender's answer to CAPTURE: the first RDMA READ response packet
 * (any of FIRST, MIDDLE, LAST, ONLY) to FAKE_QPN at the command's PSN
 * that came to the sender's host within its len milliseconds, if one
 * did. (6.12 and later also answer a FLUSH with an empty READ response.)
 */
struct cap_reply {
	uint32_t seen;		/* 0: none came */
	uint32_t psn, len;	/* its PSN, its payload bytes */
	uint8_t data[64];	/* the first of them */
};

/* A QP of the target, on an SRQ or with its own receive queue. */
struct uc_ep {
	struct ibv_cq *cq;
	struct ibv_srq *srq;	/* NULL: the QP's own receive queue */
	struct ibv_qp *qp;
	struct ibv_mr *mr;	/* over buf: local and remote write */
	uint8_t *buf;		/* receive buffers of RECV_LEN, then WRITE space */
	uint32_t recv_len;	/* what a receive WQE takes: UD_RECV_LEN for UD */
	int next_recv;		/* the buffer the next receive WQE takes */
	uint32_t psn;		/* the PSN of the next packet to ask for */
};

struct inject {
	struct ibv_context *ctx;
	int gid_index;
	union ibv_gid gid;
	struct sockaddr_in6 addr;	/* the GID's address */
	int tcp;			/* to the other side */
	/* the target */
	struct ibv_pd *pd;
	struct uc_ep srq_ep, rq_ep, rc_ep, rc2_ep, ud_ep, rc3_ep, rc4_ep;
	struct ibv_mr *rc3_amr;	/* over rc3's buffer: remote READ and atomic */
	struct ibv_pd *pd2;	/* a PD that no QP of the sender reaches */
	struct ibv_mr *secret_mr;	/* in pd2: remote READ, window binds */
	uint8_t *secret;
	struct uc_ep bind_ep;	/* an RC QP of pd2's: binds mw2 */
	struct ibv_mw *mw2;	/* type 2, in pd2, bound over the secret */
	uint32_t mw2_rkey;
	/* the sender */
	int udp;
	int raw;		/* UDP over IPv6 as it comes in: READ responses */
	uint16_t sport;
	struct sockaddr_in6 to;	/* the target's GID address, ROCE_PORT */
};

static int die(const char *what)
{
	fprintf(stderr, "roce_inject: %s\n", what);
	return 1;
}

/* CRC-32 (IEEE 802.3, reflected), as rxe's ICRC and zlib's crc32() */
static uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* An IPv6 RoCEv2 GID of port 1 that is not IPv4-mapped, and its address. */
static int find_ipv6_gid(struct inject *in)
{
	struct ibv_gid_entry e;
	int i;

	for (i = 0; i < 16; i++) {
		if (ibv_query_gid_ex(in->ctx, 1, i, &e, 0))
			continue;
		if (e.gid_type != IBV_GID_TYPE_ROCE_V2 ||
		    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)e.gid.raw) ||
		    IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)e.gid.raw))
			continue;
		in->gid_index = i;
		in->gid = e.gid;
		memset(&in->addr, 0, sizeof(in->addr));
		in->addr.sin6_family = AF_INET6;
		memcpy(&in->addr.sin6_addr, e.gid.raw, 16);
		in->addr.sin6_scope_id = e.ndev_ifindex;
		return 0;
	}
	return -1;
}

/* ---- the sender ------------------------------------------------------- */

/* A UDP socket on the GID's address; in->sport its port. */
static int udp_up(struct inject *in)
{
	struct sockaddr_in6 me = in->addr;
	socklen_t len = sizeof(me);
	int rcvbuf = 1 << 20;	/* all UDP that comes in until a CAPTURE */

	in->udp = socket(AF_INET6, SOCK_DGRAM, 0);
	in->raw = socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
	if (in->udp < 0 || in->raw < 0 ||
	    setsockopt(in->raw, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		return -1;
	if (bind(in->udp, (struct sockaddr *)&me, sizeof(me)) ||
	    getsockname(in->udp, (struct sockaddr *)&me, &len))
		return -1;
	in->sport = ntohs(me.sin6_port);
	return 0;
}

/* The headers after the BTH that @c's opcode has, at @p: their length. */
static size_t ext_headers(const struct pkt_cmd *c, uint8_t *p)
{
	size_t n = 0;
	uint64_t va = htobe64(c->va);
	uint32_t v;

	if (c->opcode == RC_FLUSH) {
		v = htonl(c->feth);
		memcpy(p, &v, 4);
		n = 4;
	}
	if (c->opcode == UC_WRITE_FIRST || c->opcode == UC_WRITE_ONLY ||
	    c->opcode == UC_WRITE_ONLY_IMM || c->opcode == RC_READ_REQ ||
	    c->opcode == RC_FLUSH) {
		memcpy(p + n, &va, 8);
		v = htonl(c->rkey);
		memcpy(p + n + 8, &v, 4);
		v = htonl(c->dlen);
		memcpy(p + n + 12, &v, 4);
		n += 16;
	}
	if (c->opcode == RC_FETCH_ADD) {
		uint64_t add = htobe64(c->add);

		memcpy(p, &va, 8);
		v = htonl(c->rkey);
		memcpy(p + 8, &v, 4);
		memcpy(p + 12, &add, 8);	/* the compare value stays 0 */
		n = 28;
	}
	if (c->opcode == UC_WRITE_ONLY_IMM || c->opcode == RC_SEND_ONLY_INV) {
		v = htonl(c->imm);
		memcpy(p + n, &v, 4);
		n += 4;
	}
	if (c->opcode == UD_SEND_ONLY) {
		v = htonl(c->qkey);
		memcpy(p, &v, 4);
		v = htonl(FAKE_QPN);
		memcpy(p + 4, &v, 4);
		n = 8;
	}
	if (c->opcode == RC_ACK || c->opcode == RC_READ_RESP_ONLY ||
	    c->opcode == RC_ATOMIC_ACK) {
		v = htonl(c->aeth);
		memcpy(p, &v, 4);
		n = 4;
	}
	if (c->opcode == RC_ATOMIC_ACK) {
		memcpy(p + 4, &va, 8);
		n = 12;
	}
	return n;
}

/*
 * Send the packet @c asks for. The ICRC covers 8 bytes of ones (the LRH
 * that RoCEv2 lacks), the IPv6 and UDP headers with traffic class, flow
 * label, hop limit and checksum as ones, the BTH with its reserved byte
 * as ones, the other headers, the payload and its pad.
 */
static int send_packet(struct inject *in, const struct pkt_cmd *c)
{
	uint8_t pkt[12 + 28 + MTU + 3 + 4], pseudo[8 + 40 + 8 + 12];
	size_t len = c->len, pad = (4 - len % 4) % 4, hdr, n;
	uint32_t qpn = htonl(c->qpn & 0xffffff), apsn = htonl(c->psn & 0xffffff);
	uint16_t ulen, port;
	uint32_t crc;

	if (len > MTU)
		return -1;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = c->opcode;
	pkt[1] = pad << 4;		/* SE 0, M 0, pad, TVer 0 */
	pkt[2] = pkt[3] = 0xff;		/* the default P_Key */
	memcpy(pkt + 4, &qpn, 4);
	memcpy(pkt + 8, &apsn, 4);
	hdr = 12 + ext_headers(c, pkt + 12);
	fill(pkt + hdr, len, c->seed);
	n = hdr + len + pad;
	ulen = htons(8 + n + 4);

	memset(pseudo, 0xff, sizeof(pseudo));
	pseudo[8] = 0x6f;	/* IPv6: version 6, class and label masked */
	memcpy(pseudo + 8 + 4, &ulen, 2);	/* payload length: the UDP's */
	pseudo[8 + 6] = IPPROTO_UDP;
	memcpy(pseudo + 8 + 8, &in->addr.sin6_addr, 16);	/* source */
	memcpy(pseudo + 8 + 24, &in->to.sin6_addr, 16);	/* destination */
	port = htons(in->sport);
	memcpy(pseudo + 48, &port, 2);
	port = htons(ROCE_PORT);
	memcpy(pseudo + 50, &port, 2);
	memcpy(pseudo + 52, &ulen, 2);		/* the checksum stays ones */
	memcpy(pseudo + 56, pkt, 12);
	pseudo[56 + 4] = 0xff;			/* BTH resv8a */
	crc = crc32_ieee(0, pseudo, sizeof(pseudo));
	crc = crc32_ieee(crc, pkt + 12, n - 12);
	/*
	 * rxe's opcode table gives FLUSH no payload offset (6.2 on), so
	 * its "payload" starts at the BTH and its ICRC covers the whole
	 * packet a second time, BTH unmasked: what rxe sends and takes
	 */
	if (c->opcode == RC_FLUSH)
		crc = crc32_ieee(crc, pkt, n);
	/* little-endian, as rxe compares it */
	pkt[n] = crc;
	pkt[n + 1] = crc >> 8;
	pkt[n + 2] = crc >> 16;
	pkt[n + 3] = crc >> 24;
	return sendto(in->udp, pkt, n + 4, 0, (struct sockaddr *)&in->to,
		      sizeof(in->to)) == (ssize_t)(n + 4) ? 0 : -1;
}

/*
 * CAPTURE: wait up to @ms for an RDMA READ response to FAKE_QPN at @psn
 * (this host's rxe drops it: no such QP) and describe the first in @r. A raw
 * socket gets a copy of every UDP datagram that comes in, whoever takes
 * it after.
 */
static int capture(struct inject *in, int ms, uint32_t psn,
		   struct cap_reply *r)
{
	uint8_t d[8 + 12 + 4 + MTU + 3 + 4 + 64];
	struct pollfd pfd = { .fd = in->raw, .events = POLLIN };
	struct timespec t0, t;
	size_t hdr, pay;
	ssize_t n;
	uint8_t op;
	int left;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
				      (t.tv_nsec - t0.tv_nsec) / 1000000);

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, left) < 0)
			return -1;
		if (!(pfd.revents & POLLIN))
			continue;
		n = recv(in->raw, d, sizeof(d), 0);
		if (n < 8 + 12 + 4 || (d[2] << 8 | d[3]) != ROCE_PORT)
			continue;
		op = d[8];
		if (op < RC_READ_RESP_FIRST || op > RC_READ_RESP_ONLY ||
		    ((uint32_t)d[8 + 5] << 16 | d[8 + 6] << 8 | d[8 + 7]) != FAKE_QPN ||
		    ((uint32_t)d[8 + 9] << 16 | d[8 + 10] << 8 | d[8 + 11]) != psn)
			continue;
		hdr = 8 + 12 + (op == RC_READ_RESP_MIDDLE ? 0 : 4);
		pay = (size_t)n - hdr - 4 - ((d[8 + 1] >> 4) & 3);
		if ((size_t)n < hdr + 4 || pay > (size_t)n)
			continue;
		r->seen = 1;
		r->psn = psn;
		r->len = pay;
		memcpy(r->data, d + hdr, pay < sizeof(r->data) ? pay : sizeof(r->data));
		return 0;
	}
}

static int sender(struct inject *in, int port)
{
	struct rc_wire me = { 0 }, peer;
	struct cap_reply r;
	struct pkt_cmd c;
	int32_t st;

	memcpy(me.gid, in->gid.raw, 16);
	in->tcp = rc_exchange("roce_inject", NULL, port, &me, &peer, sizeof(me));
	if (in->tcp < 0 || udp_up(in))
		return die("the sender could not set up");
	in->to = in->addr;	/* the same link: the same scope */
	memcpy(&in->to.sin6_addr, peer.gid, 16);
	in->to.sin6_port = htons(ROCE_PORT);
	while (!rc_recv_all(in->tcp, &c, sizeof(c)) && c.opcode) {
		st = c.opcode == CAPTURE ? capture(in, c.len, c.psn, &r) :
					   send_packet(in, &c);
		if (rc_send_all(in->tcp, &st, sizeof(st)) ||
		    (c.opcode == CAPTURE && rc_send_all(in->tcp, &r, sizeof(r))))
			break;
	}
	return 0;
}

/* ---- the target ------------------------------------------------------- */

static int post_recvs(struct uc_ep *ep, int n)
{
	struct ibv_recv_wr wr = { .num_sge = 1 }, *bad;
	struct ibv_sge sge;
	int i;

	for (i = 0; i < n; i++) {
		wr.wr_id = ep->next_recv++ % NRECV;
		sge.addr = (uintptr_t)(ep->buf + wr.wr_id * RECV_LEN);
		sge.length = ep->recv_len;
		sge.lkey = ep->mr->lkey;
		wr.sg_list = &sge;
		if (ep->srq ? ibv_post_srq_recv(ep->srq, &wr, &bad) :
			      ibv_post_recv(ep->qp, &wr, &bad))
			return -1;
	}
	return 0;
}

/*
 * @ep's QP of @type (on an SRQ with @srq) in INIT, its receives posted;
 * an RC or UC QP takes remote WRITEs, and what @access adds.
 */
static int ep_create(struct inject *in, struct uc_ep *ep, enum ibv_qp_type type,
		     int srq, int access)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = NRECV, .max_sge = 1 } };
	struct ibv_qp_init_attr qa = {
		.qp_type = type,
		.cap = { .max_send_wr = 1, .max_send_sge = 1,
			 .max_recv_wr = NRECV, .max_recv_sge = 1 },
	};
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | access,
		.qkey = UD_QKEY,
	};
	int ud = type == IBV_QPT_UD;

	ep->recv_len = ud ? UD_RECV_LEN : RECV_LEN;
	ep->buf = calloc(1, BUF_LEN);
	ep->cq = ep->buf ? ibv_create_cq(in->ctx, 16, NULL, NULL, 0) : NULL;
	ep->mr = ep->cq ? ibv_reg_mr(in->pd, ep->buf, BUF_LEN,
				     IBV_ACCESS_LOCAL_WRITE |
				     IBV_ACCESS_REMOTE_WRITE) : NULL;
	if (!ep->mr)
		return -1;
	if (srq) {
		ep->srq = ibv_create_srq(in->pd, &sa);
		if (!ep->srq)
			return -1;
	}
	qa.send_cq = qa.recv_cq = ep->cq;
	qa.srq = ep->srq;
	ep->qp = ibv_create_qp(in->pd, &qa);
	if (!ep->qp || ibv_modify_qp(ep->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				     IBV_QP_PORT | (ud ? IBV_QP_QKEY :
						    IBV_QP_ACCESS_FLAGS)))
		return -1;
	return post_recvs(ep, NRECV);
}

/*
 * RTR towards @gid, receive PSN 0; the RC QP to RTS too, send PSN 0, to
 * a QP number the peer has not (the UC ones send nothing).
 */
static int ep_connect(struct inject *in, struct uc_ep *ep, const uint8_t *gid)
{
	int rc = ep->qp->qp_type == IBV_QPT_RC;
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR, .path_mtu = IBV_MTU_1024,
		.dest_qp_num = FAKE_QPN, .rq_psn = 0,
		.max_dest_rd_atomic = 1, .min_rnr_timer = 12,
		.ah_attr = {
			.is_global = 1, .port_num = 1,
			.grh = { .sgid_index = in->gid_index, .hop_limit = 1 },
		},
	};

	if (ep->qp->qp_type == IBV_QPT_UD)	/* receives only */
		return ibv_modify_qp(ep->qp, &a, IBV_QP_STATE);
	memcpy(a.ah_attr.grh.dgid.raw, gid, 16);
	if (ibv_modify_qp(ep->qp, &a, IBV_QP_STATE | IBV_QP_AV |
			  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  (rc ? IBV_QP_MAX_DEST_RD_ATOMIC |
				IBV_QP_MIN_RNR_TIMER : 0)))
		return -1;
	if (!rc)
		return 0;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0;
	a.timeout = 18;		/* 1 s: the crafted answer comes first */
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(ep->qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN |
			     IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			     IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC);
}

/* The sender sends the packet of @c: 0, or 1 with a message. */
static int send_cmd(struct inject *in, const struct pkt_cmd *c)
{
	int32_t st;

	if (rc_send_all(in->tcp, c, sizeof(*c)) ||
	    rc_recv_all(in->tcp, &st, sizeof(st)))
		return die("the sender went away");
	return st ? die("the sender's sendto() failed") : 0;
}

/*
 * The sender's first READ response at @psn within @ms, in @r: 0, or 1
 * with a message.
 */
static int capture_cmd(struct inject *in, int ms, uint32_t psn,
		       struct cap_reply *r)
{
	struct pkt_cmd c = { .opcode = CAPTURE, .len = ms, .psn = psn };

	if (send_cmd(in, &c))
		return 1;
	return rc_recv_all(in->tcp, r, sizeof(*r)) ? die("the sender went away") : 0;
}

/*
 * The sender sends @opcode to @ep's QP with @len bytes of @seed's
 * pattern, at the next PSN (@skip PSNs on: packets lost on the way). A
 * WRITE's RETH names @off in @ep's buffer and @dlen bytes in all.
 */
static int ask(struct inject *in, struct uc_ep *ep, uint8_t opcode, int skip,
	       uint16_t len, uint8_t seed, size_t off, uint32_t dlen, uint32_t imm)
{
	struct pkt_cmd c = {
		.opcode = opcode, .seed = seed, .len = len,
		.qpn = ep->qp->qp_num, .psn = ep->psn + skip,
		.rkey = ep->mr->rkey, .dlen = dlen,
		.va = (uintptr_t)(ep->buf + off), .imm = imm, .qkey = UD_QKEY,
	};

	ep->psn += skip + 1;
	return send_cmd(in, &c);
}

/*
 * A message of one packet of 64 bytes, a SEND (@imm 0; a datagram on a UD
 * QP, after its GRH) or a WRITE with immediate @imm to the second half of
 * @ep's buffer, must complete with its bytes (and immediate); earlier
 * completions are printed, at most twice as many as it has receives.
 */
static int checked(struct inject *in, struct uc_ep *ep, uint8_t seed,
		   uint32_t imm, const char *what)
{
	size_t off = BUF_LEN / 2 + seed * 64;
	int ud = ep->qp->qp_type == IBV_QPT_UD, others = 0;
	size_t grh = ud ? GRH : 0;
	uint8_t msg[64];
	struct ibv_wc wc;

	fill(msg, sizeof(msg), seed);
	if (imm ? ask(in, ep, UC_WRITE_ONLY_IMM, 0, sizeof(msg), seed, off,
		      sizeof(msg), imm) :
		  ask(in, ep, ud ? UD_SEND_ONLY : UC_SEND_ONLY, 0, sizeof(msg),
		      seed, 0, 0, 0))
		return 1;
	for (;; others++) {
		if (odp_wait_wc(ep->cq, 5000, &wc)) {
			fprintf(stderr, "roce_inject: %s: no completion in 5 s\n", what);
			return 1;
		}
		if (wc.status == IBV_WC_SUCCESS &&
		    (imm ? wc.opcode == IBV_WC_RECV_RDMA_WITH_IMM &&
			   ntohl(wc.imm_data) == imm &&
			   !memcmp(ep->buf + off, msg, sizeof(msg)) :
			   wc.byte_len == grh + sizeof(msg) &&
			   !memcmp(ep->buf + wc.wr_id * RECV_LEN + grh, msg,
				   sizeof(msg))))
			break;
		printf("# %s: a completion before it: status %d (%s), %u bytes\n",
		       what, wc.status, ibv_wc_status_str(wc.status), wc.byte_len);
		if (others == 2 * NRECV)
			return die("other completions only: the QP does not receive");
		if (post_recvs(ep, 1))
			return die("cannot post a receive");
	}
	printf("# %s: completed with its 64 bytes\n", what);
	return post_recvs(ep, 1) ? die("cannot post a receive") : 0;
}

/*
 * 9. A WRITE that only a crafted ATOMIC ACKNOWLEDGE answers must complete
 * with IBV_WC_BAD_RESP_ERR.
 */
static int write_atomic_acked(struct inject *in, struct uc_ep *ep)
{
	struct ibv_sge sge = { (uintptr_t)ep->buf, 64, ep->mr->lkey };
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = 0x10000, .rkey = 0x1234 },
	}, *bad;
	struct pkt_cmd c = {
		.opcode = RC_ATOMIC_ACK, .qpn = ep->qp->qp_num, .psn = 0,
		.aeth = 1,	/* syndrome ACK, MSN 1 */
	};
	struct ibv_wc wc;

	if (ibv_post_send(ep->qp, &wr, &bad))
		return die("cannot post the RC WRITE");
	if (send_cmd(in, &c))
		return 1;
	if (odp_wait_wc(ep->cq, 5000, &wc))
		return die("9. the WRITE answered by an ATOMIC ACKNOWLEDGE: "
			   "no completion in 5 s");
	printf("# 9. the WRITE answered by an ATOMIC ACKNOWLEDGE: status %d (%s)\n",
	       wc.status, ibv_wc_status_str(wc.status));
	if (wc.status != IBV_WC_BAD_RESP_ERR)
		return die("9. the WRITE did not complete with IBV_WC_BAD_RESP_ERR");
	return 0;
}

/*
 * 24, 25. A READ (@read) or a FETCH_ADD that a crafted ACK of its PSN
 * answers first must not complete then, and must complete, with the
 * bytes or the original value, at the crafted response after it.
 */
static int ack_then_response(struct inject *in, struct uc_ep *ep, int read,
			     const char *what)
{
	uint64_t orig = 0x5eed0000c0ffee00ULL, got;
	struct ibv_sge sge = { (uintptr_t)ep->buf, read ? 64 : 8, ep->mr->lkey };
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .send_flags = IBV_SEND_SIGNALED,
		.opcode = read ? IBV_WR_RDMA_READ : IBV_WR_ATOMIC_FETCH_AND_ADD,
	}, *bad;
	struct pkt_cmd ack = {
		.opcode = RC_ACK, .qpn = ep->qp->qp_num, .psn = ep->psn,
		.aeth = 1,	/* syndrome ACK, MSN 1 */
	}, resp = ack;
	uint8_t want[64];
	struct ibv_wc wc;

	if (read) {
		wr.wr.rdma.remote_addr = 0x10000;
		wr.wr.rdma.rkey = 0x1234;
		resp.opcode = RC_READ_RESP_ONLY;
		resp.len = sizeof(want);
		resp.seed = 24;
		fill(want, sizeof(want), resp.seed);
	} else {
		wr.wr.atomic.remote_addr = 0x10000;
		wr.wr.atomic.rkey = 0x1234;
		wr.wr.atomic.compare_add = 1;
		resp.opcode = RC_ATOMIC_ACK;
		resp.va = orig;
	}
	memset(ep->buf, 0, 64);
	if (ibv_post_send(ep->qp, &wr, &bad))
		return die("cannot post the RC READ or FETCH_ADD");
	if (send_cmd(in, &ack))
		return 1;
	if (!odp_wait_wc(ep->cq, 500, &wc)) {
		fprintf(stderr, "roce_inject: %s: the ACK of its PSN completed it: "
			"status %d (%s)\n", what, wc.status,
			ibv_wc_status_str(wc.status));
		return 1;
	}
	printf("# %s: no completion 500 ms after the ACK of its PSN\n", what);
	if (send_cmd(in, &resp))
		return 1;
	if (odp_wait_wc(ep->cq, 5000, &wc)) {
		fprintf(stderr, "roce_inject: %s: no completion in 5 s after its "
			"response\n", what);
		return 1;
	}
	printf("# %s: completed at its response: status %d (%s)\n", what,
	       wc.status, ibv_wc_status_str(wc.status));
	if (wc.status != IBV_WC_SUCCESS)
		return die("the response did not complete it with success");
	memcpy(&got, ep->buf, sizeof(got));
	if (read ? memcmp(ep->buf, want, sizeof(want)) : got != orig)
		return die("the completion has not the response's bytes");
	ep->psn++;
	return 0;
}

/*
 * 12. A SEND with Invalidate of a type 2 window that was never bound: the
 * receive WQE must complete with an error (and the QP go to the error
 * state, class J), where rxe let go of the NULL QP and MR the FREE window
 * holds.
 */
static int send_inv_free_mw(struct inject *in, struct uc_ep *ep)
{
	struct ibv_mw *mw = ibv_alloc_mw(in->pd, IBV_MW_TYPE_2);
	struct ibv_wc wc;
	int ret;

	if (!mw)
		return die("12. cannot allocate a type 2 memory window");
	ret = ask(in, ep, RC_SEND_ONLY_INV, 0, 16, 12, 0, 0, mw->rkey);
	if (!ret && odp_wait_wc(ep->cq, 5000, &wc))
		ret = die("12. the SEND with Invalidate of a free window: "
			  "no completion in 5 s");
	if (!ret) {
		printf("# 12. the SEND with Invalidate of a free window: "
		       "status %d (%s)\n", wc.status, ibv_wc_status_str(wc.status));
		if (wc.status == IBV_WC_SUCCESS || wc.status == IBV_WC_WR_FLUSH_ERR)
			ret = die("12. the receive did not complete with the "
				  "invalidation's error");
	}
	if (ibv_dealloc_mw(mw))
		ret = die("12. cannot free the memory window");
	return ret;
}

/* What rc3's READs may read (and the atomic add to): remote READ, atomic. */
static int secret_setup(struct inject *in)
{
	struct uc_ep *ep = &in->rc3_ep;

	in->rc3_amr = ibv_reg_mr(in->pd, ep->buf, BUF_LEN,
				 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
				 IBV_ACCESS_REMOTE_ATOMIC);
	in->pd2 = ibv_alloc_pd(in->ctx);
	if (!in->rc3_amr || !in->pd2 ||
	    posix_memalign((void **)&in->secret, 4096, SECRET_LEN))
		return -1;
	fill(in->secret, SECRET_LEN, 0x5e);
	in->secret_mr = ibv_reg_mr(in->pd2, in->secret, SECRET_LEN,
				   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_MW_BIND);
	return in->secret_mr ? 0 : -1;
}

/*
 * A type 2 window of pd2 over the secret, bound by a Bind Memory Window
 * work request on an RC QP of pd2's (in RTS towards nobody: a bind sends
 * no packet).
 */
static int mw2_bind(struct inject *in)
{
	struct uc_ep *ep = &in->bind_ep;
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 1, .max_send_sge = 1,
			 .max_recv_wr = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_READ,
	};
	struct ibv_send_wr wr = {
		.opcode = IBV_WR_BIND_MW, .send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	struct ibv_wc wc;

	ep->cq = ibv_create_cq(in->ctx, 4, NULL, NULL, 0);
	qa.send_cq = qa.recv_cq = ep->cq;
	ep->qp = ep->cq ? ibv_create_qp(in->pd2, &qa) : NULL;
	in->mw2 = ibv_alloc_mw(in->pd2, IBV_MW_TYPE_2);
	if (!ep->qp || !in->mw2 ||
	    ibv_modify_qp(ep->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS) ||
	    ep_connect(in, ep, in->gid.raw))
		return die("19. cannot set up pd2's QP and window");
	in->mw2_rkey = ibv_inc_rkey(in->mw2->rkey);
	wr.bind_mw.mw = in->mw2;
	wr.bind_mw.rkey = in->mw2_rkey;
	wr.bind_mw.bind_info.mr = in->secret_mr;
	wr.bind_mw.bind_info.addr = (uintptr_t)in->secret;
	wr.bind_mw.bind_info.length = SECRET_LEN;
	wr.bind_mw.bind_info.mw_access_flags = IBV_ACCESS_REMOTE_READ;
	if (ibv_post_send(ep->qp, &wr, &bad) || odp_wait_wc(ep->cq, 5000, &wc))
		return die("19. the window's bind did not complete");
	if (wc.status != IBV_WC_SUCCESS) {
		fprintf(stderr, "roce_inject: 19. the window's bind: status %d (%s)\n",
			wc.status, ibv_wc_status_str(wc.status));
		return 1;
	}
	return 0;
}

/*
 * 19. A SEND with Invalidate naming a bound type 2 window of another PD
 * (pd2, which no QP of the sender's reaches) must not invalidate it: the
 * receive completes with an error (class J). Stock rxe looked the window
 * (and an MR: a kernel ULP's fast-registered one) up in the whole device
 * and did not check its PD: whoever knew the key could revoke it.
 */
static int send_inv_other_pd(struct inject *in, struct uc_ep *ep)
{
	struct ibv_wc wc;

	if (mw2_bind(in) ||
	    ask(in, ep, RC_SEND_ONLY_INV, 0, 16, 19, 0, 0, in->mw2_rkey))
		return 1;
	if (odp_wait_wc(ep->cq, 5000, &wc))
		return die("19. the SEND with Invalidate of another PD's window: "
			   "no completion in 5 s");
	printf("# 19. the SEND with Invalidate of another PD's window: "
	       "status %d (%s), flags %#x\n", wc.status,
	       ibv_wc_status_str(wc.status), wc.wc_flags);
	if (wc.status == IBV_WC_SUCCESS || wc.status == IBV_WC_WR_FLUSH_ERR)
		return die("19. the window of another PD was invalidated (the "
			   "receive did not complete with the invalidation's error)");
	return 0;
}

/* Whether the running kernel's rxe has FLUSH (6.2 on). */
static int kernel_has_flush(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > 6 || (major == 6 && minor >= 2);
}

/*
 * The sender sends an RDMA READ of @ep's buffer at @off (64 bytes of
 * @seed's pattern, written here first), at the next PSN, through rc3's
 * MR; its response, which comes to the sender's host, must carry them.
 */
static int read_checked(struct inject *in, struct uc_ep *ep, size_t off,
			uint8_t seed, const char *what)
{
	struct pkt_cmd c = {
		.opcode = RC_READ_REQ, .qpn = ep->qp->qp_num, .psn = ep->psn++,
		.rkey = in->rc3_amr->rkey, .dlen = 64,
		.va = (uintptr_t)(ep->buf + off),
	};
	struct cap_reply r;

	fill(ep->buf + off, 64, seed);
	if (send_cmd(in, &c) || capture_cmd(in, 5000, c.psn, &r))
		return 1;
	if (!r.seen) {
		struct ibv_qp_attr qa;
		struct ibv_qp_init_attr qia;

		fprintf(stderr, "roce_inject: %s: no READ response came to the "
			"sender in 5 s (the QP's state: %d)\n", what,
			ibv_query_qp(ep->qp, &qa, IBV_QP_STATE, &qia) ? -1 :
			(int)qa.qp_state);
		return 1;
	}
	if (r.psn != c.psn || r.len != 64 || memcmp(r.data, ep->buf + off, 64)) {
		fprintf(stderr, "roce_inject: %s: the READ response (PSN %u, "
			"%u bytes) is not the READ's (PSN %u, 64 bytes)\n",
			what, r.psn, r.len, c.psn);
		return 1;
	}
	printf("# %s: its response came with the 64 bytes\n", what);
	return 0;
}

/*
 * 17. A READ sent again at the PSN of an atomic (a duplicate, by its PSN)
 * must not be answered: the responder resource at that PSN is not a
 * READ's. Stock rxe replays a READ from whichever resource covers the
 * PSN, taking its rkey and length from the READ view of the resource's
 * union, which the atomic (orig_val: va_org) and, before it in the same
 * slot, a FLUSH (va: rkey and length) left there:
 * - 6.2 on: a FLUSH of placement type 0 and selectivity MR, which needs
 *   any MR of the QP's PD and no access right, whose RETH va is
 *   (length << 32 | rkey) of an MR in another PD; then a FETCH_ADD (add
 *   0) of a word that holds that MR's address; then the READ at the
 *   FETCH_ADD's PSN, naming that rkey. rxe_recheck_mr() looks the rkey up
 *   device-wide: the response carries another PD's MR.
 * - 6.1 (no FLUSH): the rkey and length are step 16's READ's, and the
 *   address is the atomic's orig_val: a READ nobody asked for at that
 *   PSN (of an MR the peer could read anyway).
 */
static int dup_read_other_type(struct inject *in, struct uc_ep *ep)
{
	uint64_t *word = (uint64_t *)(ep->buf + BUF_LEN / 2);
	int flush = kernel_has_flush();
	struct pkt_cmd f = {
		.opcode = RC_FLUSH, .qpn = ep->qp->qp_num,
		.feth = FETH_SEL_MR, .rkey = in->rc3_amr->rkey,
		.va = (uint64_t)SECRET_LEN << 32 | in->secret_mr->rkey,
	}, a = {
		.opcode = RC_FETCH_ADD, .qpn = ep->qp->qp_num,
		.rkey = in->rc3_amr->rkey, .va = (uintptr_t)word,
	}, d = {
		.opcode = RC_READ_REQ, .qpn = ep->qp->qp_num, .dlen = 64,
		.rkey = flush ? in->secret_mr->rkey : in->rc3_amr->rkey,
	};
	struct cap_reply r;

	if (read_checked(in, ep, 0, 16, "16. a crafted READ"))
		return 1;
	*word = flush ? (uintptr_t)in->secret : (uintptr_t)ep->buf;
	d.va = *word;
	if (flush) {
		f.psn = ep->psn++;
		if (send_cmd(in, &f))
			return 1;
	}
	a.psn = d.psn = ep->psn++;
	if (send_cmd(in, &a) || send_cmd(in, &d) ||
	    capture_cmd(in, 1000, d.psn, &r))
		return 1;
	printf("# 17. sent %sa FETCH_ADD, then a READ at its PSN %u\n",
	       flush ? "a FLUSH (placement type 0, the MR), " : "", d.psn);
	if (r.seen) {
		fprintf(stderr, "roce_inject: 17. the READ at the atomic's PSN was "
			"answered (PSN %u, %u bytes)%s\n", r.psn, r.len,
			!memcmp(r.data, (void *)(uintptr_t)d.va, sizeof(r.data)) ?
			(flush ? ": with the bytes of an MR of another PD" :
				 ": with the bytes of step 16's READ") : "");
		return 1;
	}
	printf("# 17. no READ response in 1 s\n");
	return read_checked(in, ep, 64, 18, "18. a READ after it");
}

/*
 * 20, 22. A UC SEND of MTU + MTU + 16 bytes (FIRST, MIDDLE, LAST) to
 * receive WQEs of RECV_LEN (2 MTUs): too long for the WQE. rxe's
 * copy_data() failed it as a malformed WQE (-EINVAL), a class A error
 * that put the QP in the error state (stock 6.1, 6.12 and 7.3): one
 * message from the peer host, no key. It is a length error: on an SRQ
 * the WQE completes in error and the rest is dropped, without one the
 * message is dropped. The next SEND (21, 23) must arrive.
 */
static int send_too_long(struct inject *in, struct uc_ep *ep, const char *step)
{
	if (ask(in, ep, UC_SEND_FIRST, 0, MTU, 20, 0, 0, 0) ||
	    ask(in, ep, UC_SEND_MIDDLE, 0, MTU, 20, 0, 0, 0) ||
	    ask(in, ep, UC_SEND_LAST, 0, 16, 20, 0, 0, 0))
		return 1;
	printf("# %s sent a SEND of %d bytes to receives of %d\n", step,
	       2 * MTU + 16, RECV_LEN);
	return 0;
}

static int target(struct inject *in, const char *host, int port)
{
	struct rc_wire me = { 0 }, peer;
	struct pkt_cmd end = { 0 };
	struct uc_ep *s = &in->srq_ep, *r = &in->rq_ep, *rc = &in->rc_ep;
	struct uc_ep *rc2 = &in->rc2_ep, *ud = &in->ud_ep, *rc3 = &in->rc3_ep;
	struct uc_ep *rc4 = &in->rc4_ep;

	in->pd = ibv_alloc_pd(in->ctx);
	if (!in->pd || ep_create(in, s, IBV_QPT_UC, 1, 0) ||
	    ep_create(in, r, IBV_QPT_UC, 0, 0) ||
	    ep_create(in, rc, IBV_QPT_RC, 0, 0) ||
	    ep_create(in, rc2, IBV_QPT_RC, 0, 0) ||
	    ep_create(in, ud, IBV_QPT_UD, 0, 0) ||
	    ep_create(in, rc3, IBV_QPT_RC, 0,
		      IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC) ||
	    ep_create(in, rc4, IBV_QPT_RC, 0, 0) || secret_setup(in))
		return die("verbs setup failed");
	memcpy(me.gid, in->gid.raw, 16);
	in->tcp = rc_exchange("roce_inject", host, port, &me, &peer, sizeof(me));
	if (in->tcp < 0)
		return die("cannot reach the sender");
	if (ep_connect(in, s, peer.gid) || ep_connect(in, r, peer.gid) ||
	    ep_connect(in, rc, peer.gid) || ep_connect(in, rc2, peer.gid) ||
	    ep_connect(in, ud, peer.gid) || ep_connect(in, rc3, peer.gid) ||
	    ep_connect(in, rc4, peer.gid))
		return die("the QPs would not connect");
	printf("# UC QPs %u (SRQ) and %u, RC QPs %u, %u, %u and %u, UD QP %u, GID index %d\n",
	       s->qp->qp_num, r->qp->qp_num, rc->qp->qp_num, rc2->qp->qp_num,
	       rc3->qp->qp_num, rc4->qp->qp_num, ud->qp->qp_num, in->gid_index);

	if (checked(in, s, 1, 0, "1. the first crafted SEND"))
		return 1;
	if (ask(in, s, UC_SEND_FIRST, 0, MTU, 2, 0, 0, 0) ||
	    ask(in, s, UC_SEND_LAST, 0, 0, 2, 0, 0, 0))
		return 1;
	s->psn--;	/* the rest of the failed message */
	if (ask(in, s, UC_SEND_MIDDLE, 0, MTU, 2, 0, 0, 0) ||
	    ask(in, s, UC_SEND_LAST, 0, 16, 2, 0, 0, 0))
		return 1;
	printf("# 2. sent SEND_FIRST, an empty SEND_LAST, SEND_MIDDLE, SEND_LAST\n");
	if (checked(in, s, 3, 0, "3. a SEND after the length error"))
		return 1;
	if (ask(in, s, UC_SEND_FIRST, 0, MTU, 4, 0, 0, 0) ||
	    ask(in, s, UC_SEND_ONLY, 1, 64, 4, 0, 0, 0))
		return 1;
	printf("# 4. sent SEND_FIRST, then (its SEND_LAST lost) a SEND_ONLY\n");
	if (checked(in, s, 5, 0, "5. a SEND after the cut message"))
		return 1;

	if (checked(in, r, 6, 6, "6. the first crafted WRITE"))
		return 1;
	if (ask(in, r, UC_WRITE_FIRST, 0, MTU, 7, BUF_LEN / 2 + 4096, 2 * MTU, 0) ||
	    ask(in, r, UC_WRITE_ONLY_IMM, 1, 64, 7, BUF_LEN / 2, 64, 7))
		return 1;
	printf("# 7. sent WRITE_FIRST, then (its WRITE_LAST lost) a WRITE_ONLY_IMM\n");
	if (checked(in, r, 8, 8, "8. a WRITE after the cut WRITE"))
		return 1;
	printf("# the UC QPs took the cut messages and still receive\n");
	if (write_atomic_acked(in, rc))
		return 1;
	if (ask(in, r, UC_WRITE_ONLY, 0, 64, 10, BUF_LEN / 2, 0, 0))
		return 1;
	printf("# 10. sent a WRITE_ONLY of zero bytes with 64 bytes of payload\n");
	if (checked(in, r, 11, 11, "11. a WRITE after the empty WRITE with a payload") ||
	    send_inv_free_mw(in, rc2))
		return 1;
	if (checked(in, ud, 13, 0, "13. the first crafted datagram") ||
	    ask(in, ud, UD_SEND_ONLY, 0, 2 * 64, 14, 0, 0, 0))
		return 1;
	printf("# 14. sent a datagram of 128 bytes to receives of 64\n");
	if (checked(in, ud, 15, 0, "15. a datagram after the one too long") ||
	    dup_read_other_type(in, rc3) || send_inv_other_pd(in, rc3) ||
	    send_too_long(in, s, "20.") ||
	    checked(in, s, 21, 0, "21. a SEND after the one too long") ||
	    send_too_long(in, r, "22.") ||
	    checked(in, r, 23, 0, "23. a SEND after the one too long") ||
	    ack_then_response(in, rc4, 1, "24. a READ") ||
	    ack_then_response(in, rc4, 0, "25. a FETCH_ADD"))
		return 1;
	rc_send_all(in->tcp, &end, sizeof(end));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "sender", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct inject in = { .tcp = -1, .udp = -1, .raw = -1 };
	const char *dev = NULL;
	int c, port = 18631, is_sender = 0;

	while ((c = getopt_long(argc, argv, "d:p:", longs, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 's': is_sender = 1; break;
		default: goto usage;
		}
	}
	if (is_sender == (optind < argc) || argc > optind + 1)
		goto usage;
	in.ctx = rc_open("roce_inject", dev, 0, 0, &in.gid);
	if (!in.ctx)
		return 1;
	if (find_ipv6_gid(&in))
		return die("the device has no IPv6 RoCEv2 GID on port 1");
	return is_sender ? sender(&in, port) : target(&in, argv[optind], port);
usage:
	fprintf(stderr, "usage: roce_inject --sender [-d DEVICE] [-p PORT]\n"
			"       roce_inject [-d DEVICE] [-p PORT] SENDER\n");
	return 2;
}
