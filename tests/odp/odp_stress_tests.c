// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ODP under concurrency: traffic against invalidations, deregistration
 * and process death while operations are in flight.
 *
 * stress_invalidate_vs_traffic proves the mirror's central rule: no RDMA
 * operation reads a page after its invalidation returned, and no RDMA
 * write is lost into a page the process no longer has. Every 8-byte word
 * of the region carries a tag (page, generation). A mutator thread keeps
 * dropping pages (MADV_DONTNEED, MAP_FIXED replacement) and write-protecting
 * them, and after a drop re-tags the page with a new generation; it bumps a
 * per-page sequence around each change (odd while changing). Traffic
 * threads, each with its own QP pair and its own ODP MR over the same
 * memory, READ and WRITE pages and check:
 *   - a READ never returns a generation older than the last drop that had
 *     returned before the READ was posted (zero fill is always allowed);
 *   - a READ or WRITE that no mutation overlapped (sequence even and
 *     unchanged across it) sees, or leaves, exactly the expected bytes.
 *
 * What races and what does not: drops and write-protection race the RDMA
 * operations freely, since that is what is under test. Writes of data
 * (the mutator's re-tagging, RDMA WRITEs and the CPU's fix-ups after them)
 * never overlap a READ of the same page: a page's rwlock keeps them apart.
 * RDMA gives no atomicity between a READ and a concurrent write of the
 * same bytes (the copy may tear a word at any byte, and under TCG it does),
 * so a torn word would prove nothing about invalidation.
 *
 * stress_transient_vs_traffic is the same run with a third side: an
 * injector that keeps making the next few page faults fail for now, not
 * for good (the module's odp_fail_transient; what memory short or losing
 * to invalidations for seconds gives), which rxe answers with RNR NAKs, no
 * answer to a READ, or its task run again (issue 15 item 4). The same
 * rules must hold, and the injected failures must have been met.
 *
 * ODP_STRESS_SECONDS sets the duration (default 8). ODP_STRESS_EXCLUDE="a
 * b" leaves those tests out (not selected, not skipped): the upstream
 * reference run has no fault injection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "odp_test.h"
#include "odp_verbs.h"

#define PAGE 4096UL
#define NPAGES 64
#define TRAFFIC_THREADS 3

struct stress {
	uint8_t *region;
	_Atomic uint32_t seq[NPAGES];		/* odd while the mutator works */
	_Atomic uint32_t gen_dropped[NPAGES];	/* last drop that returned */
	_Atomic uint64_t expect[NPAGES];	/* every word of a quiet page */
	/* held for reading across a READ, for writing across any write of
	 * a page's data (not across drops and mprotect, which race freely)
	 */
	pthread_rwlock_t data[NPAGES];
	/* held by the mutator while a page is write-protected and by a
	 * writer's CPU fix-up, which would fault on a read-only page
	 */
	pthread_mutex_t cpu[NPAGES];
	atomic_bool stop;
	atomic_long injected;			/* transient failures met */
	atomic_long mutations, reads, writes, quiet_checks, op_errors;
	atomic_long stale, lost, corrupt;
};

static uint64_t tag(unsigned int page, uint32_t gen)
{
	return (uint64_t)(page + 1) << 32 | gen;
}

static void tag_page(struct stress *s, unsigned int page, uint32_t gen)
{
	uint64_t *w = (uint64_t *)(s->region + page * PAGE);
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		w[i] = tag(page, gen);
}

/* One change to one page, bracketed by the page's sequence. */
static void mutate(struct stress *s, unsigned int page, uint32_t gen,
		   unsigned int kind)
{
	uint8_t *addr = s->region + page * PAGE;

	atomic_fetch_add(&s->seq[page], 1);
	switch (kind) {
	case 0:		/* drop: zero fill from now on */
		if (madvise(addr, PAGE, MADV_DONTNEED))
			abort();
		atomic_store(&s->gen_dropped[page], gen);
		break;
	case 1:		/* replace the mapping in place */
		if (mmap(addr, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != addr)
			abort();
		atomic_store(&s->gen_dropped[page], gen);
		break;
	default:	/* write-protect for a moment: nothing is dropped */
		pthread_mutex_lock(&s->cpu[page]);
		if (mprotect(addr, PAGE, PROT_READ))
			abort();
		usleep(200);
		if (mprotect(addr, PAGE, PROT_READ | PROT_WRITE))
			abort();
		pthread_mutex_unlock(&s->cpu[page]);
		break;
	}
	if (kind < 2) {
		pthread_rwlock_wrlock(&s->data[page]);
		tag_page(s, page, gen);
		atomic_store(&s->expect[page], tag(page, gen));
		pthread_rwlock_unlock(&s->data[page]);
	}
	atomic_fetch_add(&s->seq[page], 1);
	atomic_fetch_add(&s->mutations, 1);
}

static void *mutator(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 1;
	uint32_t gen = 1;

	while (!atomic_load(&s->stop)) {
		mutate(s, rand_r(&seed) % NPAGES, ++gen, rand_r(&seed) % 3);
		usleep(rand_r(&seed) % 500);
	}
	return NULL;
}

/*
 * Every few milliseconds, make the next 1-3 page faults of the data path
 * fail for now; count those that faults met.
 */
static void *injector(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 7;
	int armed = 0, left;

	while (!atomic_load(&s->stop)) {
		left = odp_fail_transient(-1);
		if (left >= 0 && left <= armed)
			atomic_fetch_add(&s->injected, armed - left);
		armed = odp_fail_transient(1 + rand_r(&seed) % 3);
		if (armed < 0) {
			atomic_fetch_add(&s->corrupt, 1);
			fprintf(stderr, "# %s: cannot set\n", ODP_FAIL_TRANSIENT);
			return NULL;
		}
		usleep(2000 + rand_r(&seed) % 8000);
	}
	/* none left for the tests after this one */
	if (odp_fail_transient(0) < 0)
		atomic_fetch_add(&s->corrupt, 1);
	return NULL;
}

struct traffic {
	struct stress *s;
	struct odp_pair pair;
	struct ibv_mr *mr;
	unsigned int id;
	int setup_failed;
};

/* Check a page the device read. */
static void check_read(struct stress *s, const uint64_t *w, unsigned int page,
		       uint32_t min_gen, int quiet, uint64_t expect)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++) {
		if (w[i] == 0)
			continue;	/* zero fill after a drop */
		if ((w[i] >> 32) != page + 1) {
			fprintf(stderr, "# page %u: word %zu belongs to no page of ours: %#llx\n",
				page, i, (unsigned long long)w[i]);
			atomic_fetch_add(&s->corrupt, 1);
			return;
		}
		/* writers' stamps are above every mutator generation */
		if ((uint32_t)w[i] < min_gen) {
			fprintf(stderr, "# page %u: read generation %u after the drop of %u had returned (word %zu; words 0, 511: %#llx %#llx; now dropped %u, expect %#llx)\n",
				page, (uint32_t)w[i], min_gen, i,
				(unsigned long long)w[0], (unsigned long long)w[511],
				atomic_load(&s->gen_dropped[page]),
				(unsigned long long)atomic_load(&s->expect[page]));
			atomic_fetch_add(&s->stale, 1);
			return;
		}
	}
	if (!quiet)
		return;
	for (i = 0; i < PAGE / 8; i++) {
		if (w[i] != expect) {
			fprintf(stderr, "# page %u: quiet read word %zu is %#llx, not %#llx\n",
				page, i, (unsigned long long)w[i],
				(unsigned long long)expect);
			atomic_fetch_add(&s->stale, 1);
			return;
		}
	}
	atomic_fetch_add(&s->quiet_checks, 1);
}

static void op_failed(struct traffic *t)
{
	atomic_fetch_add(&t->s->op_errors, 1);
	if (odp_pair_reset(&t->pair))
		atomic_fetch_add(&t->s->corrupt, 1);
}

static void one_read(struct traffic *t, unsigned int page)
{
	struct stress *s = t->s;
	uint32_t seq0, min_gen;
	uint64_t expect;
	int st, quiet;

	pthread_rwlock_rdlock(&s->data[page]);
	seq0 = atomic_load(&s->seq[page]);
	min_gen = atomic_load(&s->gen_dropped[page]);
	expect = atomic_load(&s->expect[page]);
	st = odp_remote_read(&t->pair, t->mr, s->region + page * PAGE, PAGE);
	quiet = !(seq0 & 1) && atomic_load(&s->seq[page]) == seq0;
	pthread_rwlock_unlock(&s->data[page]);
	if (st != IBV_WC_SUCCESS) {
		op_failed(t);
		return;
	}
	atomic_fetch_add(&s->reads, 1);
	check_read(s, (uint64_t *)t->pair.scratch, page, min_gen, quiet, expect);
}

/*
 * Writes go to this thread's own pages only. A write that no mutation
 * overlapped must be exactly what the CPU sees afterwards; after any
 * write the thread re-establishes the page's expected content.
 */
static void one_write(struct traffic *t, unsigned int page, uint32_t stamp)
{
	struct stress *s = t->s;
	uint64_t *src = (uint64_t *)t->pair.scratch;
	uint64_t *dst = (uint64_t *)(s->region + page * PAGE);
	uint64_t want = tag(page, stamp);
	uint32_t seq0;
	size_t i;
	int st;

	for (i = 0; i < PAGE / 8; i++)
		src[i] = want;
	pthread_rwlock_wrlock(&s->data[page]);
	seq0 = atomic_load(&s->seq[page]);
	st = odp_remote_write(&t->pair, t->mr, dst, PAGE);

	pthread_mutex_lock(&s->cpu[page]);
	if (st == IBV_WC_SUCCESS) {
		atomic_fetch_add(&s->writes, 1);
		if (!(seq0 & 1) && atomic_load(&s->seq[page]) == seq0) {
			for (i = 0; i < PAGE / 8 && dst[i] == want; i++)
				;
			if (atomic_load(&s->seq[page]) != seq0) {
				/*
				 * A drop takes neither lock: one that began
				 * while the words were compared zeroed the
				 * rest (seen on 6.12: word 0 right, word 1
				 * zero). Only a comparison that no mutation
				 * overlapped counts.
				 */
			} else if (i < PAGE / 8) {
				fprintf(stderr, "# page %u: write of stamp %#x lost (word %zu: %#llx)\n",
					page, stamp, i, (unsigned long long)dst[i]);
				atomic_fetch_add(&s->lost, 1);
			} else {
				atomic_fetch_add(&s->quiet_checks, 1);
			}
		}
	}
	/* whatever happened, the page now holds the stamp */
	for (i = 0; i < PAGE / 8; i++)
		dst[i] = want;
	atomic_store(&s->expect[page], want);
	pthread_mutex_unlock(&s->cpu[page]);
	pthread_rwlock_unlock(&s->data[page]);
	if (st != IBV_WC_SUCCESS)
		op_failed(t);
}

static void *traffic(void *arg)
{
	struct traffic *t = arg;
	unsigned int seed = 100 + t->id, page;
	uint32_t stamp = 0x40000000u + t->id * 0x1000000u;

	while (!atomic_load(&t->s->stop)) {
		page = rand_r(&seed) % NPAGES;
		if (rand_r(&seed) % 3 == 0 && page % TRAFFIC_THREADS == t->id)
			one_write(t, page, ++stamp);
		else
			one_read(t, page);
	}
	return NULL;
}

static int seconds(void)
{
	const char *e = getenv("ODP_STRESS_SECONDS");

	return e && atoi(e) > 0 ? atoi(e) : 8;
}

static void run_stress(bool transient)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct traffic t[TRAFFIC_THREADS] = { 0 };
	pthread_t mut, inj, thr[TRAFFIC_THREADS];
	unsigned int i;
	long end;

	assert_non_null(s);
	if (transient && odp_fail_transient(-1) < 0)
		print_message("# %s: %s\n", ODP_FAIL_TRANSIENT, strerror(errno));
	assert_true(!transient || odp_fail_transient(0) == 0);
	s->region = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(s->region != MAP_FAILED);
	for (i = 0; i < NPAGES; i++) {
		pthread_rwlock_init(&s->data[i], NULL);
		pthread_mutex_init(&s->cpu[i], NULL);
		tag_page(s, i, 0);
		s->expect[i] = tag(i, 0);
	}

	for (i = 0; i < TRAFFIC_THREADS; i++) {
		t[i].s = s;
		t[i].id = i;
		assert_int_equal(odp_pair_open(&t[i].pair), 0);
		if (!odp_pair_has_odp(&t[i].pair, IBV_ODP_SUPPORT_READ |
						    IBV_ODP_SUPPORT_WRITE)) {
			print_message("# SKIP: no RC ODP\n");
			skip();
		}
		t[i].mr = ibv_reg_mr(t[i].pair.pd, s->region, NPAGES * PAGE,
				     ODP_ACCESS);
		assert_non_null(t[i].mr);
	}

	assert_int_equal(pthread_create(&mut, NULL, mutator, s), 0);
	if (transient)
		assert_int_equal(pthread_create(&inj, NULL, injector, s), 0);
	for (i = 0; i < TRAFFIC_THREADS; i++)
		assert_int_equal(pthread_create(&thr[i], NULL, traffic, &t[i]), 0);
	end = now_ms() + seconds() * 1000L;
	while (now_ms() < end)
		usleep(100000);
	atomic_store(&s->stop, true);
	pthread_join(mut, NULL);
	if (transient)
		pthread_join(inj, NULL);
	for (i = 0; i < TRAFFIC_THREADS; i++)
		pthread_join(thr[i], NULL);

	print_message("# %ds: %ld mutations, %ld reads, %ld writes, %ld exact checks, %ld access errors (expected: write-protected or replaced pages), %ld transient fault failures met; stale %ld, lost %ld, corrupt %ld\n",
		      seconds(), atomic_load(&s->mutations), atomic_load(&s->reads),
		      atomic_load(&s->writes), atomic_load(&s->quiet_checks),
		      atomic_load(&s->op_errors), atomic_load(&s->injected),
		      atomic_load(&s->stale), atomic_load(&s->lost),
		      atomic_load(&s->corrupt));
	if (transient)
		assert_true(atomic_load(&s->injected) > 20);
	assert_int_equal(atomic_load(&s->stale), 0);
	assert_int_equal(atomic_load(&s->lost), 0);
	assert_int_equal(atomic_load(&s->corrupt), 0);
	/* the run must have exercised both sides, or it proves nothing */
	assert_true(atomic_load(&s->mutations) > 50);
	assert_true(atomic_load(&s->reads) > 50);
	assert_true(atomic_load(&s->writes) > 5);
	assert_true(atomic_load(&s->quiet_checks) > 10);

	for (i = 0; i < TRAFFIC_THREADS; i++) {
		assert_int_equal(ibv_dereg_mr(t[i].mr), 0);
		odp_pair_close(&t[i].pair);
	}
	munmap(s->region, NPAGES * PAGE);
	free(s);
}

static void stress_invalidate_vs_traffic(void **state)
{
	(void)state;
	run_stress(false);
}

static void stress_transient_vs_traffic(void **state)
{
	(void)state;
	run_stress(true);
}

/* Post a burst of WRITEs into an ODP MR without waiting. */
static int post_burst(struct odp_pair *p, struct ibv_mr *mr, uint8_t *dst,
		      size_t len, int n)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)p->scratch, .length = len,
		.lkey = p->scratch_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = (uintptr_t)dst, .rkey = mr->rkey },
	}, *bad;
	int i;

	for (i = 0; i < n; i++)
		if (ibv_post_send(p->qp[0], &wr, &bad))
			return i;
	return n;
}

/* Deregistering an ODP MR while WRITEs into it are in flight: dereg
 * succeeds, every WRITE completes (done, an access error, or flushed once
 * the QP went to error), nothing hangs, and no WRITE lands after dereg
 * returned: the CPU refills the region right after dereg, and none of the
 * WRITEs' pattern may show up in it afterwards.
 */
static void dereg_during_traffic(void **state)
{
	struct odp_pair p;
	size_t len = 1 << 20, i, stray = 0;	/* 12 MiB in flight: dereg lands mid-stream */
	uint8_t *buf;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	int posted, done = 0, ok = 0, bad_status = 0;
	long deadline;

	(void)state;
	assert_int_equal(odp_pair_open(&p), 0);
	if (!odp_pair_has_odp(&p, IBV_ODP_SUPPORT_WRITE))
		skip();
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	memset(buf, 0x11, len);
	memset(p.scratch, 0xa5, len);
	mr = ibv_reg_mr(p.pd, buf, len, ODP_ACCESS);
	assert_non_null(mr);

	posted = post_burst(&p, mr, buf, len, 12);
	assert_true(posted > 0);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	memset(buf, 0x22, len);

	deadline = now_ms() + 30000;
	while (done < posted && now_ms() < deadline) {
		if (ibv_poll_cq(p.cq[0], 1, &wc) == 1) {
			done++;
			ok += wc.status == IBV_WC_SUCCESS;
			bad_status += wc.status != IBV_WC_SUCCESS &&
				      wc.status != IBV_WC_REM_ACCESS_ERR &&
				      wc.status != IBV_WC_WR_FLUSH_ERR;
		} else {
			usleep(1000);
		}
	}
	usleep(100000);	/* anything still on its way would land now */
	for (i = 0; i < len; i++)
		stray += buf[i] != 0x22;
	print_message("# %d WRITEs posted, %d completed (%d before the MR went away), %zu bytes changed after dereg\n",
		      posted, done, ok, stray);
	assert_int_equal(done, posted);
	assert_int_equal(bad_status, 0);
	assert_int_equal(stray, 0);
	odp_pair_close(&p);
	munmap(buf, len);
}

/* The child of sigkill_during_traffic: WRITEs into an ODP MR that it keeps
 * dropping, counting in @good the WRITEs that completed and whose bytes it
 * found in place, until it is killed. Never returns.
 */
static void __attribute__((noreturn)) sigkill_child(int ready,
						     _Atomic long *good)
{
	struct odp_pair cp;
	size_t len = 1 << 20, slot = 65536;
	uint8_t *buf, *dst;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	unsigned int round = 0;
	bool signalled = false;
	int n;

	if (odp_pair_open(&cp))
		_exit(3);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(4);
	mr = ibv_reg_mr(cp.pd, buf, len, ODP_ACCESS);
	if (!mr)
		_exit(4);
	for (;;) {	/* keep WRITEs in flight until killed */
		dst = buf + (round % 15) * slot;
		memset(cp.scratch, (uint8_t)(round | 1), slot);
		if (post_burst(&cp, mr, dst, slot, 4) != 4)
			_exit(6);
		for (n = 0; n < 4;) {
			if (ibv_poll_cq(cp.cq[0], 1, &wc) != 1) {
				sched_yield();	/* rxe's worker may need this CPU */
				continue;
			}
			if (wc.status != IBV_WC_SUCCESS)
				_exit(7);
			n++;
		}
		if (memcmp(dst, cp.scratch, slot))
			_exit(8);
		atomic_fetch_add(good, 4);
		if (!signalled) {
			if (write(ready, "r", 1) != 1)
				_exit(5);
			signalled = true;
		}
		madvise(buf, len, MADV_DONTNEED);
		round++;
	}
}

/* A process killed with ODP MRs and traffic in flight: the release path
 * (mm teardown) races the data path; afterwards the device works. The
 * child's WRITEs must be succeeding, and still going on, when it is
 * killed, or the test proves nothing.
 */
static void sigkill_during_traffic(void **state)
{
	struct odp_pair p;
	_Atomic long *good;
	long at_ready, deadline;
	int ready[2], status;
	pid_t pid;
	char c;

	(void)state;
	good = mmap(NULL, sizeof(*good), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(good != MAP_FAILED);
	atomic_store(good, 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		sigkill_child(ready[1], good);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		fail_msg("the child's first WRITEs failed (exit %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	close(ready[0]);
	/* kill it while its traffic goes on: after more WRITEs succeeded */
	at_ready = atomic_load(good);
	deadline = now_ms() + 20000;
	while (atomic_load(good) < at_ready + 8 && now_ms() < deadline &&
	       waitpid(pid, &status, WNOHANG) == 0)
		usleep(10000);
	print_message("# the child's WRITEs that succeeded: %ld at first, %ld at the kill\n",
		      at_ready, atomic_load(good));
	assert_true(atomic_load(good) >= at_ready + 8);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	munmap(good, sizeof(*good));

	/* the device is still sound: a fresh pair moves data through ODP */
	assert_int_equal(odp_pair_open(&p), 0);
	{
		size_t len = 8192;
		uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct ibv_mr *mr = ibv_reg_mr(p.pd, buf, len, ODP_ACCESS);

		assert_non_null(mr);
		memset(p.scratch, 0x5a, len);
		assert_int_equal(odp_remote_write(&p, mr, buf, len), IBV_WC_SUCCESS);
		assert_int_equal(buf[0], 0x5a);
		assert_int_equal(buf[len - 1], 0x5a);
		assert_int_equal(ibv_dereg_mr(mr), 0);
		munmap(buf, len);
	}
	odp_pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stress_invalidate_vs_traffic),
		cmocka_unit_test(stress_transient_vs_traffic),
		cmocka_unit_test(dereg_during_traffic),
		cmocka_unit_test(sigkill_during_traffic),
	};
	struct CMUnitTest chosen[sizeof(tests) / sizeof(tests[0])];
	const char *exclude = getenv("ODP_STRESS_EXCLUDE");
	size_t i, n = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!odp_test_listed(exclude, tests[i].name))
			chosen[n++] = tests[i];
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("odp_stress", chosen, n, NULL, NULL);
}
