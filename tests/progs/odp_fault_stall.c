// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_fault_stall: tear an ODP MR down while the device's page fault into
 * it is stuck in the file system (issue 15 item 1).
 *
 *   odp_fault_stall -a read|write|recv|atomic|local-read|prefetch|
 *                      sync-prefetch|send
 *                   -m dereg|destroy-qp|destroy-peer|exit|wait -c CTLDIR FILE
 *
 * FILE is a file of fuse_stall (tests/progs/fuse_stall.c), whose reads
 * block until CTLDIR/release exists. Its first 2 MiB (two of the ODP
 * core's 1 MiB fault chunks) are mapped and registered as an ODP MR, then
 * faulted into by the device:
 *
 *   -a read      an RDMA READ of it from a loopback QP: the responder of
 *                the other QP faults, in an rxe worker
 *   -a write     the same with an RDMA WRITE of 4 KiB into it (mapped
 *                private and writable: the write fault reads the page)
 *   -a recv      the same with a SEND of 512 bytes into a receive buffer
 *                in it, posted on the other QP
 *   -a atomic    the same with a FETCH_AND_ADD on its first 8 bytes
 *                For these four, ibv_post_send() must return while the
 *                fault is blocked: the responder of a loopback request
 *                runs in the poster's call unless it would fault, and
 *                the MR could have been another process's. It prints
 *                "posted" once it has.
 *   -a local-read  an RDMA READ of 128 KiB from pinned memory INTO it: the
 *                responder of the other QP runs on its worker (a READ
 *                longer than 64 KiB) and hands each response to this
 *                QP's completer, which faults. Only with -m destroy-peer.
 *   -a prefetch  an asynchronous advise_mr PREFETCH: the prefetch work
 *                faults; then more are queued on the MR until the driver
 *                refuses one (its bound on prefetches in flight, reported),
 *                and an RDMA READ between pinned buffers must still
 *                complete (stalled prefetches hold up no QP)
 *   -a sync-prefetch  a synchronous advise_mr PREFETCH (FLUSH) of all of
 *                it, from a thread: the caller faults
 *   -a send      a SEND of three SGEs from a thread: a pinned MTU's
 *                worth (the first packet goes), 512 bytes of the file (the
 *                requester faults building the second packet), then an
 *                SGE that runs past the end of its MR. The retransmit
 *                timer (67 ms) fires while the fault is blocked; once the
 *                file system answers, the requester meets the bad SGE
 *                and the SEND must complete with a local protection error
 *                (6.12's rxe: a local QP operation error)
 *
 * Once CTLDIR/stalled exists (the fault reached the file system), it
 * prints "stalled", then "<mode> start" and does:
 *
 *   -m dereg       ibv_dereg_mr() of the MR
 *   -m destroy-qp  ibv_destroy_qp() of the QP whose responder faults
 *   -m destroy-peer  ibv_destroy_qp() of the QP whose task does not
 *                  fault (with -a local-read the responder's, qp[1];
 *                  with the other requests the requester's, qp[0]) from
 *                  a child forked before the request, which must return
 *                  while the fault is blocked: the faulting QP holds
 *                  the other's packets (a READ's responses, a request),
 *                  and the QP is destroyed by another process (the
 *                  device file is shared; the child's own mm, not this
 *                  one's, whose lock the fault holds, takes the
 *                  unmapping of the QP's rings)
 *   -m exit        _exit(0): the kernel tears everything down
 *   -m wait        nothing: wait for the synchronous prefetch, which must
 *                  succeed however long its first chunk was blocked (a
 *                  first try may take as long as the file system takes;
 *                  only retries after lost races are bounded); with -a
 *                  send, wait for CTLDIR/release and then for the SEND's
 *                  completion, which must come within 20 s, in error
 *
 * and prints "<mode> returned <ret> after <seconds> s" (the call must not
 * return before the test releases the file system, nor fail), what became
 * of the READ, and "done". Exit status 0 unless a step failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "odp.h"

#include "odp_verbs.h"

#define MAP_LEN		(2u << 20)
#define STALL_WAIT_MS	120000
/* far above any bound a driver would put on prefetches in flight */
#define PREFETCH_TRIES	4096

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	printf("FAIL: %s (%s)\n", what, strerror(errno));
	exit(1);
}

/* Wait until @path exists. */
static int wait_for(const char *path, int ms)
{
	while (ms > 0) {
		if (access(path, F_OK) == 0)
			return 0;
		poll(NULL, 0, 20);
		ms -= 20;
	}
	return -1;
}

/* One completion on @cq within @ms: its status, or -1. */
static int poll_one(struct ibv_cq *cq, int ms)
{
	struct ibv_wc wc;
	int n;

	while (ms > 0) {
		n = ibv_poll_cq(cq, 1, &wc);
		if (n < 0)
			return -1;
		if (n == 1)
			return wc.status;
		poll(NULL, 0, 10);
		ms -= 10;
	}
	return -1;
}

/*
 * Post @op (RDMA READ or WRITE, SEND, FETCH_AND_ADD) of @len bytes at
 * @laddr on qp[0], towards @raddr/@rkey of qp[1]'s side.
 */
static void post_op(struct odp_pair *p, enum ibv_wr_opcode op, void *laddr,
		    uint32_t lkey, size_t len, void *raddr, uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)laddr, .length = len, .lkey = lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	if (op == IBV_WR_ATOMIC_FETCH_AND_ADD) {
		wr.wr.atomic.remote_addr = (uintptr_t)raddr;
		wr.wr.atomic.compare_add = 1;
		wr.wr.atomic.rkey = rkey;
	} else if (op != IBV_WR_SEND) {
		wr.wr.rdma.remote_addr = (uintptr_t)raddr;
		wr.wr.rdma.rkey = rkey;
	}
	if (ibv_post_send(p->qp[0], &wr, &bad))
		die("ibv_post_send");
}

/*
 * Whether @kind is one of the requests of qp[0], whose fault the other
 * QP's responder or qp[0]'s completer takes.
 */
static int request_kind(const char *kind)
{
	return !strcmp(kind, "read") || !strcmp(kind, "write") ||
	       !strcmp(kind, "recv") || !strcmp(kind, "atomic") ||
	       !strcmp(kind, "local-read");
}

/*
 * Queue asynchronous prefetches of @mr (whose first is stalled) until the
 * driver refuses one; report how many it took and the error. Then an RDMA
 * READ between pinned buffers must complete.
 */
static void prefetch_flood(struct odp_pair *p, struct ibv_mr *mr)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)mr->addr, .length = 4096, .lkey = mr->lkey,
	};
	int i, ret = 0, st;

	for (i = 0; i < PREFETCH_TRIES; i++) {
		ret = odp_advise_mr(p->pd, IBV_ADVISE_MR_ADVICE_PREFETCH, 0,
				    &sge, 1);
		if (ret)
			break;
	}
	printf("prefetches queued behind the stalled one: %d, then %s\n", i,
	       ret ? strerror(ret) : "no refusal");
	if (!ret) {
		printf("FAIL: no bound on asynchronous prefetches in flight\n");
		exit(1);
	}
	st = odp_rdma(p, IBV_WR_RDMA_READ, p->scratch, p->scratch_mr->lkey, 64,
		      (uintptr_t)p->scratch + 4096, p->scratch_mr->rkey);
	printf("RDMA READ between pinned buffers meanwhile: status %d\n", st);
	if (st) {
		printf("FAIL: a QP is held up by stalled prefetches\n");
		exit(1);
	}
}

/*
 * -a send: the SEND, and what ibv_post_send() returned (-1 while it has
 * not returned).
 */
struct bad_send {
	struct ibv_qp *qp;
	struct ibv_sge sge[3];
	atomic_int ret;
};

static void *bad_send(void *arg)
{
	struct bad_send *bs = arg;
	struct ibv_send_wr wr = {
		.sg_list = bs->sge, .num_sge = 3, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	/*
	 * rxe 6.1 builds a user QP's packets in this call; before patch
	 * 0016 it faulted here and blocked, now its worker does
	 */
	bs->ret = ibv_post_send(bs->qp, &wr, &bad);
	return NULL;
}

/*
 * -a send -m wait: after the release, the SEND's completion; 0 when it
 * came in error as it should.
 */
static int bad_send_done(struct odp_pair *p, const char *ctl, double t0)
{
	char release[4096];
	int st;

	snprintf(release, sizeof(release), "%s/release", ctl);
	if (wait_for(release, STALL_WAIT_MS)) {
		printf("FAIL: the test never released the file system\n");
		return 1;
	}
	st = poll_one(p->cq[0], 20000);
	printf("the SEND's completion, %.1f s into the wait: %d\n",
	       now_s() - t0, st);
	if (st < 0) {
		printf("FAIL: the SEND with a bad SGE behind the stalled page did not complete within 20 s of the release\n");
		return 1;
	}
	printf("the SEND with a bad SGE behind the stalled page: %s\n",
	       ibv_wc_status_str(st));
	/*
	 * mlx5's status, and 6.1 rxe's; 6.12 rxe's copy_data() gives
	 * -EINVAL for an SGE outside its MR, pinned or ODP, which its
	 * requester completes as a local QP operation error (odp_fuzz
	 * counts that as rxe's own status too)
	 */
	if (st != IBV_WC_LOC_PROT_ERR && st != IBV_WC_LOC_QP_OP_ERR) {
		printf("FAIL: expected %s (%s on 6.12's rxe)\n",
		       ibv_wc_status_str(IBV_WC_LOC_PROT_ERR),
		       ibv_wc_status_str(IBV_WC_LOC_QP_OP_ERR));
		return 1;
	}
	return 0;
}

/*
 * -m destroy-peer: fork a child that waits for a byte on the returned
 * pipe, then destroys qp[@peer] and reports it. Fork before the fault: a
 * fork takes this process's mmap lock for writing.
 */
static pid_t peer_destroyer(struct odp_pair *p, int peer, int *go)
{
	int fds[2];
	char c;
	double t0;
	pid_t pid;
	int ret;

	if (pipe(fds))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid) {
		close(fds[0]);
		*go = fds[1];
		return pid;
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		_exit(2);
	printf("destroying qp[%d]\n", peer);
	t0 = now_s();
	ret = ibv_destroy_qp(p->qp[peer]);
	printf("destroy-peer returned %d after %.1f s\n", ret, now_s() - t0);
	_exit(ret ? 1 : 0);
}

/* -a sync-prefetch: the prefetch, and what it returned. */
struct sync_prefetch {
	struct ibv_pd *pd;
	struct ibv_sge sge;
	int ret;
};

static void *sync_prefetch(void *arg)
{
	struct sync_prefetch *sp = arg;

	sp->ret = odp_advise_mr(sp->pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
				IBV_ADVISE_MR_FLAG_FLUSH, &sp->sge, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *access_kind = NULL, *mode = NULL, *ctl = NULL;
	char stalled[4096];
	struct odp_pair p = { 0 };
	struct sync_prefetch sp = { 0 };
	struct bad_send bs = { 0 };
	struct ibv_recv_wr rwr, *rbad;
	pthread_t thread;
	struct ibv_sge sge;
	struct ibv_mr *mr;
	double t0;
	void *map;
	int c, fd, ret, st, writable, access, peer_qp, go = -1;
	pid_t peer = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "a:m:c:")) != -1) {
		switch (c) {
		case 'a': access_kind = optarg; break;
		case 'm': mode = optarg; break;
		case 'c': ctl = optarg; break;
		default: goto usage;
		}
	}
	if (!access_kind || !mode || !ctl || optind != argc - 1)
		goto usage;
	snprintf(stalled, sizeof(stalled), "%s/stalled", ctl);

	if (odp_pair_open(&p))
		die("odp_pair_open");
	if (!strcmp(access_kind, "send")) {
		/* QPs of three SGEs */
		p.max_sge = 3;
		if (odp_pair_reset(&p))
			die("odp_pair_reset");
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0)
		die("open");
	/*
	 * The device writes the others: a private writable mapping, whose
	 * write fault first reads the page from the file system
	 */
	writable = request_kind(access_kind) && strcmp(access_kind, "read");
	map = mmap(NULL, MAP_LEN, PROT_READ | (writable ? PROT_WRITE : 0),
		   writable ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	access = IBV_ACCESS_ON_DEMAND | IBV_ACCESS_REMOTE_READ;
	if (writable)
		access |= IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			  IBV_ACCESS_REMOTE_ATOMIC;
	mr = ibv_reg_mr(p.pd, map, MAP_LEN, access);
	if (!mr)
		die("ODP ibv_reg_mr");

	/* -a local-read only with -m destroy-peer, which takes a request */
	if ((!strcmp(access_kind, "local-read") && strcmp(mode, "destroy-peer")) ||
	    (!strcmp(mode, "destroy-peer") && !request_kind(access_kind)))
		goto usage;
	/* the QP whose task does not fault */
	peer_qp = !strcmp(access_kind, "local-read");
	if (!strcmp(mode, "destroy-peer"))
		peer = peer_destroyer(&p, peer_qp, &go);

	if (!strcmp(access_kind, "read")) {
		post_op(&p, IBV_WR_RDMA_READ, p.scratch, p.scratch_mr->lkey,
			4096, map, mr->rkey);
	} else if (!strcmp(access_kind, "write")) {
		post_op(&p, IBV_WR_RDMA_WRITE, p.scratch, p.scratch_mr->lkey,
			4096, map, mr->rkey);
	} else if (!strcmp(access_kind, "recv")) {
		sge = (struct ibv_sge){
			.addr = (uintptr_t)map, .length = 4096,
			.lkey = mr->lkey,
		};
		rwr = (struct ibv_recv_wr){ .sg_list = &sge, .num_sge = 1 };
		if (ibv_post_recv(p.qp[1], &rwr, &rbad))
			die("ibv_post_recv");
		post_op(&p, IBV_WR_SEND, p.scratch, p.scratch_mr->lkey, 512,
			NULL, 0);
	} else if (!strcmp(access_kind, "atomic")) {
		post_op(&p, IBV_WR_ATOMIC_FETCH_AND_ADD, p.scratch,
			p.scratch_mr->lkey, 8, map, mr->rkey);
	} else if (!strcmp(access_kind, "local-read")) {
		post_op(&p, IBV_WR_RDMA_READ, map, mr->lkey, 128 << 10,
			p.scratch, p.scratch_mr->rkey);
	} else if (!strcmp(access_kind, "prefetch")) {
		sge = (struct ibv_sge){
			.addr = (uintptr_t)map, .length = MAP_LEN,
			.lkey = mr->lkey,
		};
		ret = odp_advise_mr(p.pd, IBV_ADVISE_MR_ADVICE_PREFETCH, 0,
				    &sge, 1);
		if (ret) {
			errno = ret;
			die("odp_advise_mr");
		}
	} else if (!strcmp(access_kind, "sync-prefetch")) {
		sp.pd = p.pd;
		sp.sge = (struct ibv_sge){
			.addr = (uintptr_t)map, .length = MAP_LEN,
			.lkey = mr->lkey,
		};
		if (pthread_create(&thread, NULL, sync_prefetch, &sp))
			die("pthread_create");
	} else if (!strcmp(access_kind, "send")) {
		sge = (struct ibv_sge){
			.addr = (uintptr_t)p.scratch + ODP_SCRATCH / 2,
			.length = 4096, .lkey = p.scratch_mr->lkey,
		};
		rwr = (struct ibv_recv_wr){ .sg_list = &sge, .num_sge = 1 };
		if (ibv_post_recv(p.qp[1], &rwr, &rbad))
			die("ibv_post_recv");
		bs.qp = p.qp[0];
		atomic_init(&bs.ret, -1);
		bs.sge[0] = (struct ibv_sge){
			.addr = (uintptr_t)p.scratch, .length = 1024,
			.lkey = p.scratch_mr->lkey,
		};
		bs.sge[1] = (struct ibv_sge){
			.addr = (uintptr_t)map, .length = 512, .lkey = mr->lkey,
		};
		bs.sge[2] = (struct ibv_sge){
			.addr = (uintptr_t)p.scratch + ODP_SCRATCH - 16,
			.length = 64, .lkey = p.scratch_mr->lkey,
		};
		if (pthread_create(&thread, NULL, bad_send, &bs))
			die("pthread_create");
	} else {
		goto usage;
	}
	if (request_kind(access_kind))
		printf("posted\n");
	if (!strcmp(mode, "wait") != (!strcmp(access_kind, "sync-prefetch") ||
				       !strcmp(access_kind, "send")))
		goto usage;
	if (wait_for(stalled, STALL_WAIT_MS)) {
		printf("FAIL: the fault never reached the file system\n");
		if (!strcmp(access_kind, "send"))
			printf("the SEND: ibv_post_send() %d, completion %d\n",
			       atomic_load(&bs.ret), poll_one(p.cq[0], 10));
		return 1;
	}
	printf("stalled\n");
	if (!strcmp(access_kind, "prefetch"))
		prefetch_flood(&p, mr);

	printf("%s start\n", mode);
	t0 = now_s();
	if (!strcmp(mode, "dereg")) {
		ret = ibv_dereg_mr(mr);
		mr = NULL;
	} else if (!strcmp(mode, "destroy-qp")) {
		ret = ibv_destroy_qp(p.qp[1]);
		p.qp[1] = NULL;
	} else if (!strcmp(mode, "destroy-peer")) {
		/* the child says when it returned */
		if (write(go, "g", 1) != 1 || waitpid(peer, &st, 0) != peer)
			die("destroy-peer child");
		ret = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		/* gone in the kernel: its userspace part is left to exit */
		p.qp[peer_qp] = NULL;
	} else if (!strcmp(mode, "exit")) {
		_exit(0);
	} else if (!strcmp(mode, "wait") && !strcmp(access_kind, "send")) {
		if (bad_send_done(&p, ctl, t0))
			return 1;
		pthread_join(thread, NULL);
		ret = bs.ret;
	} else if (!strcmp(mode, "wait")) {
		pthread_join(thread, NULL);
		ret = sp.ret;
	} else {
		goto usage;
	}
	if (strcmp(mode, "destroy-peer"))
		printf("%s returned %d after %.1f s\n", mode, ret,
		       now_s() - t0);
	if (ret) {
		printf("FAIL: %s: %s\n", mode, strerror(ret));
		return 1;
	}
	if (request_kind(access_kind)) {
		/*
		 * Any outcome is right for the request: done, failed, or
		 * (its target QP gone, and retry_cnt 7 being unlimited on
		 * rxe) still being retried when its QP is destroyed below.
		 */
		st = poll_one(p.cq[0], 2000);
		printf("the %s into the stalled page: %s %d\n", access_kind,
		       st < 0 ? "no completion yet," : "completed, status",
		       st);
	}
	if (mr && ibv_dereg_mr(mr))
		die("ibv_dereg_mr");
	munmap(map, MAP_LEN);
	close(fd);
	odp_pair_close(&p);
	printf("done\n");
	return 0;

usage:
	fprintf(stderr,
		"usage: %s -a read|write|recv|atomic|local-read|prefetch|sync-prefetch|send -m dereg|destroy-qp|destroy-peer|exit|wait -c CTLDIR FILE\n"
		"(-m wait with -a sync-prefetch or send, and only there; -a local-read with -m destroy-peer, and only there; -m destroy-peer with a request)\n",
		argv[0]);
	return 2;
}
