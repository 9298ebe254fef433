// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_fuzz: bad and racing input against ODP, for a bounded time (issue 15
 * item 7). Seeded, so that a run can be replayed.
 *
 *   odp_fuzz [-s SEED] [-t SECONDS] [-p PROCS] [-f]
 *
 * PROCS worker processes (default 2), each with a loopback RC QP pair on
 * $RXE_ODP_DEV and an arena of memory, do at random, for SECONDS (default
 * 60):
 *
 *   - ODP registrations: inside the arena (kept, up to MRS at a time, then
 *     used by the traffic), and of bad forms (addresses past user space,
 *     wrapping ranges, length 0, unknown access bits, the implicit form
 *     with odd access): made and at once deregistered if they succeed
 *   - deregistration, rereg (access, translation) of the kept MRs
 *   - advise_mr with any advice, flags, SGE count, lkey and range
 *   - RDMA WRITE, READ and atomics from qp[0] with a random local SGE
 *     (pinned scratch, a kept MR, a bad lkey) at a random remote address
 *     and rkey (a kept MR's, a bad one), of up to 64 KiB
 *   - RDMA WRITE with 2..max_sge such local SGEs (max_sge: the device's,
 *     at most MAX_SGE)
 *   - SEND from qp[0] into a RECV posted on qp[1], each with 1..max_sge
 *     random SGEs (the receive's inside the arena or the scratch buffer:
 *     kept MRs, pinned scratch, bad lkeys), one in eight too small for
 *     what is sent; when the device reports RC SRQ_RECV, qp[1] has a
 *     shared receive queue half the time (chosen anew with each new pair
 *     of QPs) and the receives go there
 *   - UD SEND and RECV of up to the port's MTU between two UD QPs made for
 *     the operation (odp_ud_send_recv_sgl()), each with 1..max_sge random
 *     SGEs, when the device reports UD SEND and RECV: one receive in eight
 *     too small for the GRH and the payload; half of them through a
 *     shared receive queue of the receiving QP (when the device does not
 *     report UD SRQ_RECV, such a receive is in the pinned scratch buffer)
 *
 * while a second thread churns the arena under them: anonymous and memfd
 * remaps over parts of it, mprotect, madvise (DONTNEED, FREE, COLD,
 * PAGEOUT), "unmapping" (PROT_NONE remaps, so that nothing else can take
 * the hole), touches, and fork()s whose child touches pages and exits.
 * The parent kills a worker with SIGKILL now and then (process exit with
 * MRs, faults and traffic in flight) and starts a new one. With -f it also
 * makes the next one to three page faults of the data path fail for now
 * (rdma_rxe_odp's odp_fail_transient) at each of its turns: a fault that
 * fails for now is retried (RNR for the responder, a retry for the
 * requester), so none of the checks below may see it; only a UD message
 * whose receive into ODP memory failed so is dropped, as UD may be
 * (counted as ud_lost, see ud()), and a UD message into too small a
 * receive may be dropped (ud_small_dropped).
 *
 * Remote addresses and the SGEs of the traffic stay inside the arena and
 * the scratch buffer, so that what the device writes never lands in the
 * worker's own heap or stack through a valid key.
 *
 * A failure is: an error code that ibv_reg_mr(), ibv_advise_mr(),
 * ibv_rereg_mr(), ibv_post_send() and ibv_post_recv() do not give for bad
 * input (their man pages, mlx5), a completion status of a multi-SGE WRITE,
 * a SEND, a RECV or a UD operation that ibv_poll_cq(3) and mlx5 do not give
 * for its input (see send_recv(); rxe's own statuses where mlx5 gives
 * another are counted apart, as rxe_status: see rxe_status()), a
 * deregistration that fails, a registration of kernel addresses that
 * succeeds, an operation that gets no completion within 30 s, a worker
 * that dies of anything but our SIGKILL. Each is printed as "FAIL:".
 * Kernel reports are the harness's part (the guest log is scanned).
 * Ends with one line of counts; exit status 0 when nothing failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "odp.h"
#include "odp_verbs.h"

#define PAGE		4096UL
#define ARENA_PAGES	256
#define ARENA		(ARENA_PAGES * PAGE)
#define MRS		8
#define MAX_XFER	(64 * 1024)
/* x86_64 user space ends below this with 4-level page tables */
#define USER_END	0x00007ffffffff000ULL
/* and always below this (the kernel's half) */
#define KERNEL_HALF	0x8000000000000000ULL
#define MAX_PROCS	8
/* SGEs of a work request at most (fewer when the device has fewer) */
#define MAX_SGE		8
/* UD: what the receiver gets before the payload */
#define GRH		40
/*
 * UD: how long to wait for the completion of a receive too small for its
 * message, without an SRQ, where 6.6 and later rxe drop the message: long
 * enough for a completion that comes (6.1 rxe, mlx5: a loopback message
 * takes milliseconds), short enough not to make those runs mostly waiting.
 * A completion later than that is drained unseen, a wrong one too.
 */
#define UD_SMALL_MS	1000

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

enum count {
	C_REG, C_REG_OK, C_BAD_REG, C_DEREG, C_REREG, C_REREG_OK, C_ADVISE,
	C_ADVISE_OK, C_POST, C_WC_OK, C_WC_ERR, C_RESET, C_CHURN, C_FORK,
	C_SEND, C_RECV, C_SRQ, C_UD, C_UD_LOST, C_UD_SRQ, C_UD_SMALL,
	C_UD_SMALL_DROPPED, C_SGE_MULTI, C_RXE_STATUS, C_FAIL, C_NUM
};

static const char *const count_names[C_NUM] = {
	"reg", "reg_ok", "bad_reg", "dereg", "rereg", "rereg_ok", "advise",
	"advise_ok", "post", "wc_ok", "wc_err", "qp_reset", "churn", "fork",
	"send", "recv", "srq", "ud", "ud_lost", "ud_srq", "ud_small",
	"ud_small_dropped", "sge_multi", "rxe_status", "FAILURES",
};

/* Counts of one worker, in memory shared with the parent. */
struct counts {
	uint64_t c[C_NUM];
};

struct worker {
	uint64_t rng;			/* the op thread's */
	uint64_t churn_rng;		/* the churn thread's */
	struct odp_pair pair;
	uint8_t *arena;
	struct ibv_mr *mr[MRS];
	uint32_t rc_caps, ud_caps;	/* ODP per transport (0: no ODP) */
	unsigned int max_sge;		/* of the RC QPs and the SRQ */
	unsigned int ud_mtu;		/* bytes */
	bool use_srq;			/* qp[1] receives from pair.srq */
	bool inject;			/* -f: transient fault failures */
	struct counts *counts;
	volatile bool stop;
};

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static void count(struct worker *w, enum count c)
{
	__atomic_add_fetch(&w->counts->c[c], 1, __ATOMIC_RELAXED);
}

static void failure(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void failure(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	count(w, C_FAIL);
	va_start(ap, fmt);
	printf("FAIL: [%d] ", (int)getpid());
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Is @err one of the @n codes of @allowed? */
static bool errno_in(int err, const int *allowed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (err == allowed[i])
			return true;
	return false;
}

#define ALLOWED(err, ...) \
	errno_in(err, (const int[]){ __VA_ARGS__ }, \
		 sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))

/* ---- the churn thread ---------------------------------------------------- */

static void churn_one(struct worker *w)
{
	uint64_t *r = &w->churn_rng;
	size_t first = below(r, ARENA_PAGES), n = 1 + below(r, 32), i;
	uint8_t *at = w->arena + first * PAGE;
	volatile uint8_t sink = 0;
	static const int advice[] = {
		MADV_DONTNEED, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
	};
	static const int prot[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
	};
	void *p;
	pid_t pid;
	int fd;

	if (first + n > ARENA_PAGES)
		n = ARENA_PAGES - first;
	count(w, C_CHURN);
	switch (below(r, 8)) {
	case 0:	/* a fresh anonymous mapping */
		p = mmap(at, n * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED)
			failure(w, "mmap MAP_FIXED anonymous: %s", strerror(errno));
		break;
	case 1:	/* a shared file (memfd) */
		fd = memfd_create("odp-fuzz", 0);
		if (fd < 0 || ftruncate(fd, n * PAGE) ||
		    mmap(at, n * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
			failure(w, "memfd remap: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		break;
	case 2:	/* "unmapped": nothing else may take the hole */
		if (mmap(at, n * PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			failure(w, "PROT_NONE remap: %s", strerror(errno));
		break;
	case 3:
		mprotect(at, n * PAGE, prot[below(r, 3)]);
		break;
	case 4:
		madvise(at, n * PAGE, advice[below(r, 4)]);
		break;
	case 5:	/* fork: COW of the private pages; the child touches, exits */
		count(w, C_FORK);
		pid = fork();
		if (pid == 0) {
			/* a page not writable here faults: the child dies,
			 * which is as good an exit as any
			 */
			at[0] = 1;
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	default: /* touch what is readable */
		for (i = 0; i < n; i++)
			if (mprotect(at + i * PAGE, PAGE,
				     PROT_READ | PROT_WRITE) == 0)
				sink += at[i * PAGE]++;
		break;
	}
	(void)sink;
}

static void *churn_thread(void *arg)
{
	struct worker *w = arg;

	while (!w->stop) {
		churn_one(w);
		usleep(below(&w->churn_rng, 2000));
	}
	return NULL;
}

/* ---- registrations ------------------------------------------------------- */

static int random_access(uint64_t *r)
{
	static const int good[] = {
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC,
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ,
		IBV_ACCESS_REMOTE_READ,
		IBV_ACCESS_LOCAL_WRITE,
		0,
	};

	if (below(r, 16) == 0)	/* any bits, unknown ones too */
		return (int)rnd(r) | IBV_ACCESS_ON_DEMAND;
	/* full access half the time: MRs the traffic can use */
	return good[below(r, 2) ? 0 : below(r, 5)] | IBV_ACCESS_ON_DEMAND;
}

/* A registration of a bad form: made, checked, dropped. */
static void bad_registration(struct worker *w)
{
	uint64_t *r = &w->rng;
	uint64_t addr, len;
	struct ibv_mr *mr;
	int access = random_access(r);

	switch (below(r, 5)) {
	case 0:	/* past the end of user space */
		addr = USER_END - below(r, 4) * PAGE;
		len = (1 + below(r, 8)) * PAGE + PAGE * 4;
		break;
	case 1:	/* a kernel address */
		addr = 0xffff888000000000ULL + below(r, 1 << 20) * PAGE;
		len = PAGE;
		break;
	case 2:	/* wrapping */
		addr = (uintptr_t)w->arena;
		len = UINT64_MAX - below(r, 4096);
		break;
	case 3:	/* length 0 */
		addr = (uintptr_t)w->arena + below(r, ARENA);
		len = 0;
		break;
	default: /* the implicit form, any access */
		addr = 0;
		len = SIZE_MAX;
		break;
	}
	count(w, C_BAD_REG);
	errno = 0;
	mr = ibv_reg_mr(w->pair.pd, (void *)(uintptr_t)addr, len, access);
	if (!mr) {
		if (!ALLOWED(errno, EINVAL, EFAULT, ENOMEM, EOPNOTSUPP,
			     EACCES, EPERM))
			failure(w, "ibv_reg_mr(0x%" PRIx64 ", 0x%" PRIx64
				", 0x%x): unexpected %s", addr, len, access,
				strerror(errno));
		return;
	}
	if (len != SIZE_MAX && (addr + len < addr || addr >= KERNEL_HALF))
		failure(w, "ibv_reg_mr(0x%" PRIx64 ", 0x%" PRIx64
			") of kernel addresses succeeded", addr, len);
	if (ibv_dereg_mr(mr))
		failure(w, "ibv_dereg_mr of a bad-form MR: %s", strerror(errno));
}

static void registration(struct worker *w)
{
	uint64_t *r = &w->rng;
	size_t first = below(r, ARENA_PAGES), n = 1 + below(r, ARENA_PAGES);
	unsigned int slot = below(r, MRS);
	size_t off = below(r, 4) ? 0 : below(r, PAGE);
	int access = random_access(r);

	if (first + n > ARENA_PAGES)
		n = ARENA_PAGES - first;
	if (w->mr[slot])
		return;
	count(w, C_REG);
	errno = 0;
	w->mr[slot] = ibv_reg_mr(w->pair.pd, w->arena + first * PAGE + off,
				 n * PAGE - off, access);
	if (w->mr[slot])
		count(w, C_REG_OK);
	else if (!ALLOWED(errno, EINVAL, EFAULT, ENOMEM, EOPNOTSUPP, EACCES,
			  EPERM))
		failure(w, "ibv_reg_mr(arena + %zu, %zu, 0x%x): unexpected %s",
			first * PAGE + off, n * PAGE - off, access,
			strerror(errno));
}

static void deregistration(struct worker *w)
{
	unsigned int slot = below(&w->rng, MRS);

	if (!w->mr[slot])
		return;
	count(w, C_DEREG);
	if (ibv_dereg_mr(w->mr[slot]))
		failure(w, "ibv_dereg_mr: %s", strerror(errno));
	w->mr[slot] = NULL;
}


static void reregistration(struct worker *w)
{
	uint64_t *r = &w->rng;
	unsigned int slot = below(r, MRS);
	size_t first = below(r, ARENA_PAGES), n = 1 + below(r, 64);
	int flags = 0, ret;

	if (!w->mr[slot])
		return;
	if (first + n > ARENA_PAGES)
		n = ARENA_PAGES - first;
	if (below(r, 2))
		flags |= IBV_REREG_MR_CHANGE_ACCESS;
	if (below(r, 2))
		flags |= IBV_REREG_MR_CHANGE_TRANSLATION;
	if (!flags || below(r, 16) == 0)
		flags = (int)below(r, 16);
	count(w, C_REREG);
	/*
	 * half straight to the kernel: rdma-core 44's rxe provider has no
	 * rereg_mr, and the kernel's is what any user can reach anyway
	 */
	if (below(r, 2)) {
		ret = odp_rereg_raw(w->mr[slot], flags, w->pair.pd,
				    w->arena + first * PAGE, n * PAGE,
				    random_access(r));
		if (!ret)
			count(w, C_REREG_OK);
		else if (!ALLOWED(ret, EINVAL, EFAULT, ENOMEM, EOPNOTSUPP,
				  EACCES, EPERM))
			failure(w, "rereg_mr (uverbs, flags 0x%x): unexpected %s",
				flags, strerror(ret));
		return;
	}
	errno = 0;
	ret = ibv_rereg_mr(w->mr[slot], flags, w->pair.pd,
			   w->arena + first * PAGE, n * PAGE,
			   random_access(r));
	if (!ret) {
		count(w, C_REREG_OK);
		return;
	}
	if (errno && !ALLOWED(errno, EINVAL, EFAULT, ENOMEM, EOPNOTSUPP,
			      EACCES, EPERM, ENOSYS))
		failure(w, "ibv_rereg_mr(flags 0x%x): %d, unexpected %s", flags,
			ret, strerror(errno));
	/* whatever became of it, the MR must still go cleanly */
	if (ret == IBV_REREG_MR_ERR_CMD_AND_DO_FORK_NEW ||
	    ret == IBV_REREG_MR_ERR_DO_FORK_OLD) {
		if (ibv_dereg_mr(w->mr[slot]))
			failure(w, "ibv_dereg_mr after a failed rereg: %s",
				strerror(errno));
		w->mr[slot] = NULL;
	}
}

/* A random lkey: a kept MR's, the scratch buffer's, or none at all. */
static uint32_t random_lkey(struct worker *w)
{
	struct ibv_mr *mr = w->mr[below(&w->rng, MRS)];

	if (mr && below(&w->rng, 4))
		return mr->lkey;
	return below(&w->rng, 2) ? w->pair.scratch_mr->lkey :
				   (uint32_t)rnd(&w->rng);
}

static void advise(struct worker *w)
{
	uint64_t *r = &w->rng;
	static const uint32_t flags[] = { 0, IBV_ADVISE_MR_FLAG_FLUSH, 2 };
	struct ibv_sge sge[4];
	uint32_t n = below(r, 5), i, advice = below(r, 5), fl;
	int ret;

	fl = flags[below(r, 3)];
	for (i = 0; i < 4; i++) {
		sge[i].lkey = random_lkey(w);
		sge[i].addr = (uintptr_t)w->arena + below(r, ARENA + PAGE);
		sge[i].length = below(r, 8) ? below(r, ARENA) : (uint32_t)rnd(r);
	}
	count(w, C_ADVISE);
	ret = odp_advise_mr(w->pair.pd, advice, fl, sge, n);
	if (!ret)
		count(w, C_ADVISE_OK);
	else if (!ALLOWED(ret, EOPNOTSUPP, ENOENT, EFAULT, EINVAL, ENOMEM) &&
		 /* a write fault on pages the churn made read-only: mlx5's too */
		 !(ret == EPERM && advice == IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE &&
		   (fl & IBV_ADVISE_MR_FLAG_FLUSH)))
		failure(w, "advise_mr(advice %u, flags 0x%x, %u SGEs): "
			"unexpected %s", advice, fl, n, strerror(ret));
}

/* ---- traffic ------------------------------------------------------------- */

/*
 * New QPs, after an error completion or to begin with; qp[1] with an SRQ
 * half the time when the device has ODP SRQ_RECV for RC (a new one: none
 * of the old one's receives may stay for the next SEND). Returns 0, or -1
 * after a failure.
 */
static int new_qps(struct worker *w)
{
	w->use_srq = (w->rc_caps & (IBV_ODP_SUPPORT_SEND |
				    IBV_ODP_SUPPORT_SRQ_RECV)) ==
		     (IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_SRQ_RECV) &&
		     below(&w->rng, 2);
	if (w->use_srq ? odp_pair_use_srq(&w->pair) :
			 odp_pair_no_srq(&w->pair)) {
		failure(w, "cannot make the QPs (%u SGEs%s): %s", w->max_sge,
			w->use_srq ? ", an SRQ" : "", strerror(errno));
		return -1;
	}
	return 0;
}

static void reset_pair(struct worker *w)
{
	count(w, C_RESET);
	new_qps(w);
}

static void traffic(struct worker *w)
{
	uint64_t *r = &w->rng;
	struct ibv_mr *rmr = w->mr[below(r, MRS)];
	uint32_t rkey, lkey = random_lkey(w);
	size_t len = below(r, 4) ? below(r, MAX_XFER) : below(r, 64);
	uint64_t raddr = (uintptr_t)w->arena + below(r, ARENA), old = 0;
	uint8_t *laddr;
	int st, kind = below(r, 4);

	rkey = rmr && below(r, 8) ? rmr->rkey : (uint32_t)rnd(r);
	/* the local side: the scratch buffer or the arena, never elsewhere */
	if (lkey == w->pair.scratch_mr->lkey || below(r, 2))
		laddr = w->pair.scratch + below(r, ODP_SCRATCH - MAX_XFER);
	else
		laddr = w->arena + below(r, ARENA - MAX_XFER);
	/*
	 * Three in four: aimed inside a kept MR from the scratch buffer, so
	 * that traffic mostly succeeds and races the churn, not only the
	 * checks that refuse it
	 */
	if (rmr && below(r, 4)) {
		rkey = rmr->rkey;
		raddr = (uintptr_t)rmr->addr + below(r, rmr->length);
		lkey = w->pair.scratch_mr->lkey;
		laddr = w->pair.scratch + below(r, ODP_SCRATCH - MAX_XFER);
	}
	if (raddr + len > (uintptr_t)w->arena + ARENA)
		len = (uintptr_t)w->arena + ARENA - raddr;
	count(w, C_POST);
	switch (kind) {
	case 0:
		st = odp_rdma(&w->pair, IBV_WR_RDMA_WRITE, laddr, lkey, len,
			      raddr, rkey);
		break;
	case 1:
		st = odp_rdma(&w->pair, IBV_WR_RDMA_READ, laddr, lkey, len,
			      raddr, rkey);
		break;
	case 2:
		st = odp_atomic(&w->pair, IBV_WR_ATOMIC_FETCH_AND_ADD,
				raddr & ~7ULL, rkey, 1, 0, &old);
		break;
	default:
		st = odp_atomic(&w->pair, IBV_WR_ATOMIC_CMP_AND_SWP,
				raddr & ~7ULL, rkey, old, 0, &old);
		break;
	}
	if (st == IBV_WC_SUCCESS) {
		count(w, C_WC_OK);
		return;
	}
	if (st < 0) {
		/* odp_rdma(): the post was refused, or no completion came */
		failure(w, "op %d of %zu bytes (lkey 0x%x, rkey 0x%x): no "
			"completion or refused post (%s)", kind, len, lkey,
			rkey, strerror(errno));
	} else {
		count(w, C_WC_ERR);
	}
	reset_pair(w);
}

/*
 * @sge: @len bytes (up to MAX_XFER) at a random place in the pinned
 * scratch buffer. Returns @len.
 */
static uint32_t scratch_sge(struct worker *w, struct ibv_sge *sge, size_t len)
{
	sge->addr = (uintptr_t)w->pair.scratch +
		    below(&w->rng, ODP_SCRATCH - MAX_XFER);
	sge->lkey = w->pair.scratch_mr->lkey;
	sge->length = len;
	return len;
}

/*
 * A random SGE of up to @len bytes, which stays inside the scratch buffer
 * or the arena whatever its key: the pinned scratch, inside a kept MR, or
 * anywhere in the arena with any lkey (a kept MR's, the scratch's, a bad
 * one). Returns its length.
 */
static uint32_t random_sge(struct worker *w, struct ibv_sge *sge, size_t len)
{
	uint64_t *r = &w->rng;
	struct ibv_mr *mr = w->mr[below(r, MRS)];
	uintptr_t arena = (uintptr_t)w->arena, at;

	if (len > MAX_XFER)
		len = MAX_XFER;
	switch (below(r, 4)) {
	case 0:
		return scratch_sge(w, sge, len);
	case 1: case 2:
		at = mr ? (uintptr_t)mr->addr + below(r, mr->length) : 0;
		if (at >= arena && at < arena + ARENA) {
			sge->lkey = mr->lkey;
			break;
		}
		/* fall through */
	default:
		at = arena + below(r, ARENA);
		sge->lkey = random_lkey(w);
		break;
	}
	if (at + len > arena + ARENA)
		len = arena + ARENA - at;
	sge->addr = at;
	sge->length = len;
	return len;
}

/*
 * What is wrong with the @n SGEs, as far as the worker knows, for a
 * failure's message: "a bad lkey" (of no MR of ours), "outside its MR",
 * or "" (their keys and ranges are good: the memory itself, if anything).
 */
static const char *sge_fault(const struct worker *w,
			     const struct ibv_sge *sge, unsigned int n)
{
	const struct ibv_mr *mr;
	const char *what = "";
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!sge[i].length)
			continue;
		mr = sge[i].lkey == w->pair.scratch_mr->lkey ?
		     w->pair.scratch_mr : NULL;
		for (j = 0; j < MRS && !mr; j++)
			if (w->mr[j] && w->mr[j]->lkey == sge[i].lkey)
				mr = w->mr[j];
		if (!mr)
			return " (a bad lkey)";
		if (sge[i].addr < (uintptr_t)mr->addr ||
		    sge[i].addr + sge[i].length >
		    (uintptr_t)mr->addr + mr->length)
			what = " (an SGE outside its MR)";
	}
	return what;
}

/*
 * @n random SGEs of about @total bytes together (some may be empty); the
 * bytes they really have.
 */
static size_t random_sges(struct worker *w, struct ibv_sge *sge,
			  unsigned int n, size_t total)
{
	size_t sum = 0;
	unsigned int i;
	uint64_t part;

	for (i = 0; i < n; i++) {
		part = i + 1 < n ? below(&w->rng, 2 * total / n + 1) :
				   total - sum;
		sum += random_sge(w, &sge[i], part < total - sum ?
				  part : total - sum);
	}
	return sum;
}

/* 1..max_sge SGEs: 1 half the time, else 2..max_sge. */
static unsigned int random_sge_count(struct worker *w)
{
	if (w->max_sge < 2 || below(&w->rng, 2))
		return 1;
	return 2 + below(&w->rng, w->max_sge - 1);
}

/*
 * Wait for one completion on @cq: its status, or -1 (a failure, said:
 * @what, and the operation's shape @op when there is one).
 */
static int wait_wc(struct worker *w, struct ibv_cq *cq, const char *what,
		   const char *op)
{
	int st = odp_wait_cq(cq, 30000);

	if (st < 0)
		failure(w, "%s: no completion within 30 s%s%s", what,
			op ? ": " : "", op ? op : "");
	return st;
}

#define STATUS_IN(st, ...) ALLOWED((int)(st), __VA_ARGS__)

/*
 * rxe's own completion status where mlx5 gives another, for pinned and
 * ODP MRs alike (stock rxe of 6.1 and 6.12, not our ODP code): the
 * sending side with a bad lkey, or an SGE outside its MR on 6.12, gets
 * IBV_WC_LOC_QP_OP_ERR (copy_data()'s -EINVAL; mlx5: LOC_PROT_ERR), and a
 * receive rxe cannot fill (a bad or unfaultable SGE) gets
 * IBV_WC_LOC_QP_OP_ERR with IBV_WC_REM_OP_ERR on the SEND (mlx5:
 * LOC_PROT_ERR). A receive too small for the message (@too_small) gets
 * IBV_WC_REM_INV_REQ_ERR (mlx5: LOC_LEN_ERR): copy_data()'s -ENOSPC,
 * rxe_resp.c's RESPST_ERR_LENGTH, for RC with the invalid request NAK,
 * so IBV_WC_REM_INV_REQ_ERR on the SEND, as on mlx5 (kernel/patches 0028,
 * kernel/patches-6.12 0023; before them a malformed WQE, LOC_QP_OP_ERR
 * with REM_OP_ERR on the SEND); a UD receive through an SRQ too small
 * for GRH and payload the same ("UC/UD - class E"; without an SRQ the
 * message is dropped there, with no completion). Counted as rxe_status,
 * not as failures: any other status still fails.
 */
static bool rxe_status(struct worker *w, int st, bool why, bool too_small)
{
	if (!(st == IBV_WC_LOC_QP_OP_ERR && why) &&
	    !(st == IBV_WC_REM_INV_REQ_ERR && too_small))
		return false;
	count(w, C_RXE_STATUS);
	return true;
}

/*
 * RDMA WRITE from 2..max_sge local SGEs. A bad or unfaultable local SGE is
 * IBV_WC_LOC_PROT_ERR, a bad rkey, range or remote page
 * IBV_WC_REM_ACCESS_ERR (ibv_poll_cq(3), mlx5).
 */
static void write_multi(struct worker *w)
{
	uint64_t *r = &w->rng;
	struct ibv_mr *rmr = w->mr[below(r, MRS)];
	struct ibv_sge sge[MAX_SGE];
	unsigned int n;
	uint64_t raddr = (uintptr_t)w->arena + below(r, ARENA);
	uint32_t rkey = rmr && below(r, 8) ? rmr->rkey : (uint32_t)rnd(r);
	struct ibv_send_wr wr = {
		.sg_list = sge, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	size_t len;
	int st;

	if (w->max_sge < 2)
		return;
	n = 2 + below(r, w->max_sge - 1);
	if (rmr && below(r, 4))
		raddr = (uintptr_t)rmr->addr + below(r, rmr->length);
	if (raddr < (uintptr_t)w->arena || raddr >= (uintptr_t)w->arena + ARENA)
		raddr = (uintptr_t)w->arena;
	len = (uintptr_t)w->arena + ARENA - raddr;
	if (len > MAX_XFER)
		len = MAX_XFER;
	len = random_sges(w, sge, n, below(r, len + 1));
	wr.num_sge = n;
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;

	count(w, C_POST);
	count(w, C_SGE_MULTI);
	if (ibv_post_send(w->pair.qp[0], &wr, &bad)) {
		failure(w, "WRITE of %u SGEs: post refused: %s", n,
			strerror(errno));
		reset_pair(w);
		return;
	}
	st = wait_wc(w, w->pair.cq[0], "WRITE of SGEs", NULL);
	if (st == IBV_WC_SUCCESS) {
		count(w, C_WC_OK);
		return;
	}
	if (st >= 0) {
		count(w, C_WC_ERR);
		if (!STATUS_IN(st, IBV_WC_LOC_PROT_ERR, IBV_WC_REM_ACCESS_ERR) &&
		    !rxe_status(w, st, *sge_fault(w, sge, n), false))
			failure(w, "WRITE of %u SGEs%s, %zu bytes (rkey 0x%x): "
				"unexpected status %s", n,
				sge_fault(w, sge, n),
				len, rkey, ibv_wc_status_str(st));
	}
	reset_pair(w);
}

/*
 * SEND from qp[0] into a RECV posted on qp[1] (or its SRQ), each with
 * 1..max_sge random SGEs. What ibv_poll_cq(3) and mlx5 give:
 *  - the SEND fails locally (a bad or unfaultable SGE of its own):
 *    IBV_WC_LOC_PROT_ERR, and the RECV is not consumed;
 *  - the RECV fails: a bad or unfaultable SGE of its own is
 *    IBV_WC_LOC_PROT_ERR there and IBV_WC_REM_OP_ERR on the SEND; a
 *    receive smaller than the message IBV_WC_LOC_LEN_ERR there and
 *    IBV_WC_REM_INV_REQ_ERR on the SEND;
 *  - a SEND that succeeds had its RECV succeed.
 */
static void send_recv(struct worker *w)
{
	uint64_t *r = &w->rng;
	struct ibv_sge ssge[MAX_SGE], rsge[MAX_SGE];
	unsigned int ns = random_sge_count(w), nr = random_sge_count(w);
	struct ibv_recv_wr rwr = { .sg_list = rsge, .num_sge = nr }, *rbad;
	struct ibv_send_wr swr = {
		.sg_list = ssge, .num_sge = ns, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *sbad;
	size_t slen, rlen;
	char what[256];
	bool small;
	int st, rst;

	slen = random_sges(w, ssge, ns, below(r, 4) ? below(r, MAX_XFER) :
				      below(r, 64));
	/* one in eight too small (when there is something to send) */
	small = slen && below(r, 8) == 0;
	rlen = random_sges(w, rsge, nr, small ? below(r, slen) :
				  slen + below(r, 2 * PAGE));
	small = rlen < slen;
	/* the operation, for a failure's message */
	snprintf(what, sizeof(what), "%u SGEs%s, %zu bytes, into %u SGEs%s%s, %zu",
		 ns, sge_fault(w, ssge, ns), slen, nr, sge_fault(w, rsge, nr),
		 w->use_srq ? " (SRQ)" : "", rlen);
	count(w, C_POST);
	count(w, C_RECV);
	if (w->use_srq)
		count(w, C_SRQ);
	if (nr > 1)
		count(w, C_SGE_MULTI);
	if (w->use_srq ? ibv_post_srq_recv(w->pair.srq, &rwr, &rbad) :
			 ibv_post_recv(w->pair.qp[1], &rwr, &rbad)) {
		failure(w, "RECV of %u SGEs%s: post refused: %s", nr,
			w->use_srq ? " (SRQ)" : "", strerror(errno));
		reset_pair(w);
		return;
	}
	count(w, C_SEND);
	if (ns > 1)
		count(w, C_SGE_MULTI);
	if (ibv_post_send(w->pair.qp[0], &swr, &sbad)) {
		failure(w, "SEND of %u SGEs: post refused: %s", ns,
			strerror(errno));
		reset_pair(w);
		return;
	}
	st = wait_wc(w, w->pair.cq[0], "SEND", what);
	if (st < 0)
		goto reset;
	/* failed before the wire: the RECV stays posted, and new QPs */
	if (!STATUS_IN(st, IBV_WC_SUCCESS, IBV_WC_REM_OP_ERR,
		       IBV_WC_REM_INV_REQ_ERR)) {
		count(w, C_WC_ERR);
		if (st != IBV_WC_LOC_PROT_ERR &&
		    !rxe_status(w, st, *sge_fault(w, ssge, ns), false))
			failure(w, "SEND of %s: unexpected status %s", what,
				ibv_wc_status_str(st));
		goto reset;
	}
	if (st == IBV_WC_REM_INV_REQ_ERR && !small)
		failure(w, "SEND of %zu bytes into %zu: %s, but the receive "
			"is large enough", slen, rlen, ibv_wc_status_str(st));
	rst = wait_wc(w, w->pair.cq[1], "RECV", what);
	if (rst < 0)
		goto reset;
	if (st == IBV_WC_SUCCESS && rst == IBV_WC_SUCCESS) {
		count(w, C_WC_OK);
		return;
	}
	count(w, C_WC_ERR);
	if (st == IBV_WC_SUCCESS)
		failure(w, "SEND succeeded, its RECV (%u SGEs, %zu of %zu "
			"bytes%s) completed %s", nr, slen, rlen,
			w->use_srq ? ", SRQ" : "", ibv_wc_status_str(rst));
	else if (!(rst == IBV_WC_LOC_PROT_ERR ||
		   (rst == IBV_WC_LOC_LEN_ERR && small) ||
		   rxe_status(w, rst, st == IBV_WC_REM_OP_ERR,
			      small && st == IBV_WC_REM_INV_REQ_ERR)))
		failure(w, "RECV of %u SGEs%s%s, %zu bytes into %zu: "
			"unexpected status %s (the SEND's %s)", nr,
			w->use_srq ? " (SRQ)" : "",
			sge_fault(w, rsge, nr), slen,
			rlen, ibv_wc_status_str(rst), ibv_wc_status_str(st));
reset:
	reset_pair(w);
}

/* @n SGEs of @total bytes together, in the pinned scratch buffer. */
static size_t scratch_sges(struct worker *w, struct ibv_sge *sge,
			   unsigned int n, size_t total)
{
	size_t sum = 0, part;
	unsigned int i;

	for (i = 0; i < n; i++) {
		part = i + 1 < n ? below(&w->rng, total - sum + 1) :
				   total - sum;
		sum += scratch_sge(w, &sge[i], part);
	}
	return sum;
}

/*
 * The @n SGEs of a UD receive for @need bytes (GRH and payload): less
 * room than that when @small, else all of it; in the pinned scratch
 * buffer alone when @pinned, else random_sges(). Returns their room.
 */
static size_t ud_recv_sges(struct worker *w, struct ibv_sge *d, unsigned int n,
			   size_t need, bool small, bool pinned)
{
	size_t want = small ? below(&w->rng, need) : need, room;
	struct ibv_sge *last = &d[n - 1];

	room = pinned ? scratch_sges(w, d, n, want) :
			random_sges(w, d, n, want);
	if (room >= need || small)
		return room;
	/*
	 * cut short by the arena's end: the last SGE takes the rest in the
	 * scratch buffer (with a bad lkey half the time), since a receive
	 * meant to hold all must, or UD drops it and the check learns nothing
	 */
	scratch_sge(w, last, last->length + need - room);
	if (!below(&w->rng, 2))
		last->lkey = (uint32_t)rnd(&w->rng);
	return need;
}

/* Do the @n SGEs with bytes all have the pinned scratch buffer's lkey? */
static bool all_scratch(const struct worker *w, const struct ibv_sge *sge,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (sge[i].length && sge[i].lkey != w->pair.scratch_mr->lkey)
			return false;
	return true;
}

/* Empty both CQs (what a UD QP that odp_ud_send_recv_sgl() dropped left). */
static void drain(struct worker *w)
{
	struct ibv_wc wc;
	int i;

	for (i = 0; i < 2; i++)
		while (ibv_poll_cq(w->pair.cq[i], 1, &wc) > 0)
			;
}

/*
 * UD SEND of up to the MTU (rxe completes a larger one without sending
 * it) from 1..max_sge random SGEs into a receive of 1..max_sge, through
 * odp_ud_send_recv_sgl(). Half the time the receive goes to an SRQ (the
 * device's max_sge is at most its max_srq_sge here: worker_caps()); when
 * the device does not report UD SRQ_RECV, ODP is not promised there, and
 * that receive is in the pinned scratch buffer. One in eight receives is
 * too small for the GRH and the payload. Accepted:
 *  - any receive: IBV_WC_LOC_PROT_ERR for a bad or unfaultable SGE on
 *    either side (mlx5; rxe's LOC_QP_OP_ERR, see rxe_status()), since
 *    which side failed is not known here; with -f, no receive completion
 *    when the receive is in ODP memory whose fault failed for now (UD
 *    drops the message, as mlx5 does): ud_lost;
 *  - one with room: success (a bad SGE the data does not reach is no
 *    error on rxe);
 *  - a too small one, never success (the message was cut): mlx5's
 *    IBV_WC_LOC_LEN_ERR; without an SRQ no completion (6.6 and later rxe
 *    drop it, and the WQE stays): ud_small_dropped; rxe's own statuses
 *    (rxe_status()). No QP state outlives the operation: its QPs are its
 *    own.
 */
static void ud(struct worker *w)
{
	uint64_t *r = &w->rng;
	struct ibv_sge s[MAX_SGE], d[MAX_SGE];
	unsigned int ns = random_sge_count(w), nd = random_sge_count(w);
	bool srq = w->pair.attr.orig_attr.max_srq > 0 && below(r, 2);
	bool pinned = srq && !(w->ud_caps & IBV_ODP_SUPPORT_SRQ_RECV);
	bool small = below(r, 8) == 0;
	size_t len, room;
	int st;

	len = random_sges(w, s, ns, below(r, w->ud_mtu + 1));
	room = ud_recv_sges(w, d, nd, len + GRH, small, pinned);
	count(w, C_POST);
	count(w, C_UD);
	if (ns > 1 || nd > 1)
		count(w, C_SGE_MULTI);
	if (srq)
		count(w, C_UD_SRQ);
	if (small)
		count(w, C_UD_SMALL);
	errno = 0;
	st = odp_ud_send_recv_sgl(&w->pair, s, ns, d, nd, srq,
				  small && !srq ? UD_SMALL_MS :
				  w->inject ? 3000 : 30000);
	drain(w);
	if (st == IBV_WC_SUCCESS && !small) {
		count(w, C_WC_OK);
		return;
	}
	if (st == ODP_UD_LOST && small && !srq) {
		count(w, C_UD_SMALL_DROPPED);
		return;
	}
	if (st == ODP_UD_LOST && w->inject && !all_scratch(w, d, nd)) {
		count(w, C_UD_LOST);
		return;
	}
	if (st < 0 && st != ODP_UD_LOST) {
		failure(w, "UD SEND of %zu bytes (%u SGEs into %u%s): no "
			"completion, or no UD QP, SRQ or AH (%s)", len, ns, nd,
			srq ? ", SRQ" : "", strerror(errno));
		return;
	}
	if (st > 0)
		count(w, C_WC_ERR);
	if (st == IBV_WC_LOC_PROT_ERR ||
	    (small && st == IBV_WC_LOC_LEN_ERR) ||
	    rxe_status(w, st, true, small && srq))
		return;
	failure(w, "UD SEND of %zu bytes from %u SGEs%s into %zu bytes of "
		"%u SGEs%s%s: %s", len, ns, sge_fault(w, s, ns), room, nd,
		sge_fault(w, d, nd), srq ? " (SRQ)" : "",
		st == ODP_UD_LOST ? "sent, and no receive completion" :
		st == IBV_WC_SUCCESS ? "received in full into too small a "
				       "receive" :
		ibv_wc_status_str(st));
}

/* ---- a worker ------------------------------------------------------------ */

#define RC_SEND_RECV	(IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV)
#define UD_SEND_RECV	(IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV)

/*
 * What the device reports, and the QPs for it: as many SGEs as it allows
 * (up to MAX_SGE). Returns 0, or 1 after a failure.
 */
static int worker_caps(struct worker *w)
{
	const struct ibv_device_attr_ex *a = &w->pair.attr;
	struct ibv_port_attr port;
	int sges = a->orig_attr.max_sge;

	if (a->odp_caps.general_caps & IBV_ODP_SUPPORT) {
		w->rc_caps = a->odp_caps.per_transport_caps.rc_odp_caps;
		w->ud_caps = a->odp_caps.per_transport_caps.ud_odp_caps;
	}
	if (a->orig_attr.max_srq_sge < sges)
		sges = a->orig_attr.max_srq_sge;
	w->max_sge = sges < 1 ? 1 : sges > MAX_SGE ? MAX_SGE : sges;
	w->pair.max_sge = w->max_sge;
	if (ibv_query_port(w->pair.ctx, 1, &port)) {
		failure(w, "ibv_query_port: %s", strerror(errno));
		return 1;
	}
	w->ud_mtu = 128u << port.active_mtu;	/* IBV_MTU_256 is 1 */
	return new_qps(w) ? 1 : 0;
}

static int worker_run(uint64_t seed, time_t end, struct counts *counts,
		      bool inject)
{
	struct worker w = { .rng = seed | 1, .churn_rng = (seed * 7) | 1,
			    .counts = counts, .inject = inject };
	pthread_t churn;
	unsigned int i;

	if (odp_pair_open(&w.pair)) {
		failure(&w, "cannot open the device and connect a QP pair");
		return 1;
	}
	if (worker_caps(&w))
		return 1;
	w.arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w.arena == MAP_FAILED) {
		failure(&w, "arena: %s", strerror(errno));
		return 1;
	}
	if (pthread_create(&churn, NULL, churn_thread, &w)) {
		failure(&w, "pthread_create");
		return 1;
	}
	while (time(NULL) < end) {
		switch (below(&w.rng, 21)) {
		case 0: case 1: case 2:
			registration(&w);
			break;
		case 3:
			bad_registration(&w);
			break;
		case 4: case 5:
			deregistration(&w);
			break;
		case 6:
			reregistration(&w);
			break;
		case 7: case 8:
			advise(&w);
			break;
		case 16: case 17: case 18:
			if ((w.rc_caps & RC_SEND_RECV) == RC_SEND_RECV)
				send_recv(&w);
			break;
		case 19:
			write_multi(&w);
			break;
		case 20:
			if ((w.ud_caps & UD_SEND_RECV) == UD_SEND_RECV)
				ud(&w);
			break;
		default:
			traffic(&w);
			break;
		}
	}
	w.stop = true;
	pthread_join(churn, NULL);
	for (i = 0; i < MRS; i++)
		if (w.mr[i] && ibv_dereg_mr(w.mr[i]))
			failure(&w, "ibv_dereg_mr at the end: %s",
				strerror(errno));
	odp_pair_close(&w.pair);
	return counts->c[C_FAIL] ? 1 : 0;
}

/* ---- the parent ---------------------------------------------------------- */

struct run {
	uint64_t seed;
	int seconds, procs;
	uint64_t rng;
	struct counts *counts;		/* MAX_PROCS, shared: one per worker slot */
	pid_t pid[MAX_PROCS];
	unsigned int started, kills, deaths;
	bool inject;			/* -f */
	unsigned int armed;		/* injected failures not yet met */
	uint64_t injected;		/* injected failures met */
};

/*
 * -f: account for the injected failures met since the last turn, then arm
 * @n more. 0, or -1 when the module's parameter is not there.
 */
static int inject(struct run *run, unsigned int n)
{
	int left = odp_fail_transient(-1);

	if (left < 0 || (unsigned int)left > run->armed) {
		printf("FAIL: odp_fail_transient: %s\n",
		       left < 0 ? strerror(errno) : "more left than armed");
		return -1;
	}
	run->injected += run->armed - left;
	if (odp_fail_transient(n) < 0) {
		printf("FAIL: odp_fail_transient: cannot arm: %s\n",
		       strerror(errno));
		return -1;
	}
	run->armed = n;
	return 0;
}

static void start_worker(struct run *run, int i, time_t end)
{
	uint64_t seed = run->seed + 0x9e3779b97f4a7c15ULL * ++run->started;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(worker_run(seed, end, &run->counts[i], run->inject));
	run->pid[i] = pid;
}

/* Reap worker @i; @killed: we sent it SIGKILL. */
static void reap(struct run *run, int i, bool killed)
{
	int status;

	if (waitpid(run->pid[i], &status, 0) < 0)
		return;
	run->pid[i] = 0;
	if (killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	run->deaths++;
	printf("FAIL: worker %d ended with %s %d\n", i,
	       WIFSIGNALED(status) ? "signal" : "exit status",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static int parse(int argc, char **argv, struct run *run)
{
	int c;

	run->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	run->seconds = 60;
	run->procs = 2;
	while ((c = getopt(argc, argv, "s:t:p:f")) != -1) {
		switch (c) {
		case 's': run->seed = strtoull(optarg, NULL, 0); break;
		case 't': run->seconds = atoi(optarg); break;
		case 'p': run->procs = atoi(optarg); break;
		case 'f': run->inject = true; break;
		default: return -1;
		}
	}
	if (optind != argc || run->seconds < 1 || run->procs < 1 ||
	    run->procs > MAX_PROCS) {
		fprintf(stderr, "usage: odp_fuzz [-s SEED] [-t SECONDS] "
			"[-p PROCS (1-%d)] [-f]\n", MAX_PROCS);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct run run = { 0 };
	struct counts total = { 0 };
	time_t end;
	int i, c;

	if (parse(argc, argv, &run))
		return 2;
	run.rng = run.seed | 1;
	run.counts = mmap(NULL, sizeof(struct counts) * MAX_PROCS,
			  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			  -1, 0);
	if (run.counts == MAP_FAILED) {
		perror("odp_fuzz: mmap");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("odp_fuzz: seed 0x%" PRIx64 ", %d s, %d processes%s\n",
	       run.seed, run.seconds, run.procs,
	       run.inject ? ", transient fault failures injected" : "");
	if (run.inject && inject(&run, 0))
		return 2;
	end = time(NULL) + run.seconds;
	for (i = 0; i < run.procs; i++)
		start_worker(&run, i, end);
	/* now and then kill a worker mid-run and start another */
	while (time(NULL) < end - 2) {
		usleep(500000 + below(&run.rng, 2000000));
		if (time(NULL) >= end - 2)
			break;
		if (run.inject && inject(&run, 1 + below(&run.rng, 3)))
			run.deaths++;
		i = below(&run.rng, run.procs);
		if (below(&run.rng, 3))
			continue;
		kill(run.pid[i], SIGKILL);
		reap(&run, i, true);
		run.kills++;
		start_worker(&run, i, end);
	}
	for (i = 0; i < run.procs; i++)
		if (run.pid[i])
			reap(&run, i, false);
	if (run.inject && inject(&run, 0))
		run.deaths++;

	for (i = 0; i < MAX_PROCS; i++)
		for (c = 0; c < C_NUM; c++)
			total.c[c] += run.counts[i].c[c];
	printf("odp_fuzz: seed 0x%" PRIx64 ": %u workers, %u killed;",
	       run.seed, run.started, run.kills);
	for (c = 0; c < C_NUM; c++)
		printf(" %s %" PRIu64, count_names[c], total.c[c]);
	if (run.inject)
		printf(" injected %" PRIu64, run.injected);
	printf("\n");
	return total.c[C_FAIL] || run.deaths ? 1 : 0;
}
