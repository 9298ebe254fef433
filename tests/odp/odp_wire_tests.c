// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The core ODP behaviours with the requester on the other side of the
 * wire. odp_core_tests drives an ODP MR from a QP of the same process,
 * which rxe serves over its loopback path; here an agent on the peer (node
 * 2 of a two-guest run, or another process on one guest) posts the RDMA
 * READs and WRITEs, and the packets cross the virtual Ethernet link. This
 * process owns the ODP MR, changes its address space between operations
 * (MADV_DONTNEED, MAP_FIXED remap, mprotect, fork and COW, truncate,
 * MADV_PAGEOUT) and compares the bytes the agent read or wrote.
 *
 *   agent:  odp_wire_tests --agent [-d DEV] [-g IDX] [-p PORT]
 *   tests:  odp_wire_tests [-d DEV] [-g IDX] [-p PORT] [-t TEST] AGENT
 *
 * The agent does what it is told over TCP: READ or WRITE a remote range
 * (pinned memory on its side; READ returns the bytes, WRITE sends a
 * pattern; a READ may be followed by a WRITE of zero bytes), or make a
 * new QP after an access error moved both QPs to the error state. Output
 * is TAP (cmocka).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "odp_mem.h"
#include "odp_verbs.h"
#include "rc_conn.h"

#define PAGE 4096UL
#define LEN (64 * 1024UL)	/* each test's buffer: 16 pages */
/* the agent's wait for a completion: READs whose responses are lost wait
 * for the requester's retransmit timer, several times (t_wire_read_retry)
 */
#define AGENT_WAIT_MS 60000
#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		IBV_ACCESS_REMOTE_READ)

/*
 * OP_READ_FENCED: a READ, then a WRITE of zero bytes in the same post.
 * OP_WRITE_FETCH_ADD: a WRITE of len - 8 bytes (the pattern of seed) at
 * addr + 8, then a FETCH_ADD of 1 at addr in the same post; the agent's
 * buffer (the original value, then the WRITE's bytes) comes back.
 */
enum agent_op { OP_READ = 1, OP_WRITE, OP_RECONNECT, OP_QUIT, OP_READ_FENCED,
		OP_WRITE_FETCH_ADD };

struct agent_cmd {
	uint32_t op, len, rkey, pad;
	uint64_t addr, seed;
};

/* Either side: a device, a QP and the TCP connection to the other side. */
struct side {
	const char *dev, *agent;
	int gid_index, port, sock;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	union ibv_gid gid;
	/* the agent's pinned buffer */
	uint8_t *buf;
	struct ibv_mr *mr;
};

static uint8_t pattern_byte(uint64_t seed, size_t i)
{
	return (uint8_t)((seed * 0x9e3779b97f4a7c15ULL) >> (i % 7 * 8)) ^ (uint8_t)(i / 7);
}

static void pattern_fill(uint8_t *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(seed, i);
}

/* Does @buf hold the pattern of @seed? Prints the first difference. */
static bool pattern_holds(const uint8_t *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != pattern_byte(seed, i)) {
			print_message("# byte %zu: %#x, the pattern of %#llx has %#x\n",
				      i, buf[i], (unsigned long long)seed,
				      pattern_byte(seed, i));
			return false;
		}
	}
	return true;
}

/* The tests' side takes atomics too (wire_atomic_after_write_acks_lost). */
#define QP_ACCESS (ACCESS | IBV_ACCESS_REMOTE_ATOMIC)

/* A new RC QP on @s, connected to the other side over @s->sock. */
static int side_connect(struct side *s)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct rc_wire me, peer;

	if (s->qp)
		ibv_destroy_qp(s->qp);
	qa.send_cq = qa.recv_cq = s->cq;
	s->qp = ibv_create_qp(s->pd, &qa);
	if (!s->qp)
		return -1;
	rc_wire_of(&me, s->qp, &s->gid);
	if (rc_send_all(s->sock, &me, sizeof(me)) ||
	    rc_recv_all(s->sock, &peer, sizeof(peer)))
		return -1;
	return rc_connect(s->qp, s->gid_index, &me, &peer,
			  s->agent ? QP_ACCESS : 0, 4);
}

static int side_open(struct side *s)
{
	int one = 1, peer;

	s->ctx = rc_open("odp_wire_tests", s->dev, s->gid_index, !!s->agent,
			 &s->gid);
	if (!s->ctx)
		return -1;
	s->pd = ibv_alloc_pd(s->ctx);
	s->cq = s->pd ? ibv_create_cq(s->ctx, 8, NULL, NULL, 0) : NULL;
	if (!s->cq)
		return -1;
	/* a token exchange opens the TCP connection; QPs come next */
	s->sock = rc_exchange("odp_wire_tests", s->agent, s->port, &one,
			      &peer, sizeof(one));
	return s->sock < 0 ? -1 : side_connect(s);
}

/* ---- the agent ---------------------------------------------------------- */

/* Wait for @n completions: the first status that is not a success, else
 * success; -1 when one did not come.
 */
static int agent_wait(struct side *s, int n)
{
	int st = IBV_WC_SUCCESS;
	struct ibv_wc wc;

	for (; n; n--) {
		if (odp_wait_wc(s->cq, AGENT_WAIT_MS, &wc)) {
			fprintf(stderr, "odp_wire_tests --agent: no completion within %d ms\n",
				AGENT_WAIT_MS);
			return -1;
		}
		if (st == IBV_WC_SUCCESS)
			st = wc.status;
	}
	return st;
}

/* OP_WRITE_FETCH_ADD: both completions' first status that is not a success. */
static int agent_write_fetch_add(struct side *s, const struct agent_cmd *c)
{
	struct ibv_sge wsge = { (uintptr_t)s->buf + 8, c->len - 8, s->mr->lkey };
	struct ibv_sge asge = { (uintptr_t)s->buf, 8, s->mr->lkey };
	struct ibv_send_wr fadd = {
		.sg_list = &asge, .num_sge = 1,
		.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = { .remote_addr = c->addr, .compare_add = 1,
			       .rkey = c->rkey },
	}, wr = {
		.sg_list = &wsge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = c->addr + 8, .rkey = c->rkey },
		.next = &fadd,
	}, *bad;

	if (c->len < 8)
		return -1;
	memset(s->buf, 0xee, 8);	/* not what a FETCH_ADD returns here */
	pattern_fill(s->buf + 8, c->len - 8, c->seed);
	if (ibv_post_send(s->qp, &wr, &bad))
		return -1;
	return agent_wait(s, 2);
}

static int agent_op(struct side *s, const struct agent_cmd *c)
{
	struct ibv_sge sge = { (uintptr_t)s->buf, c->len, s->mr->lkey };
	struct ibv_send_wr empty = {
		.opcode = IBV_WR_RDMA_WRITE, .send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = c->addr, .rkey = c->rkey },
	}, wr = {
		.sg_list = &sge, .num_sge = 1,
		.opcode = c->op == OP_WRITE ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_READ,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = c->addr, .rkey = c->rkey },
		.next = c->op == OP_READ_FENCED ? &empty : NULL,
	}, *bad;

	if (c->op == OP_WRITE)
		pattern_fill(s->buf, c->len, c->seed);
	if (ibv_post_send(s->qp, &wr, &bad))
		return -1;
	return agent_wait(s, wr.next ? 2 : 1);
}

static int agent(struct side *s)
{
	struct agent_cmd c;
	int32_t st;

	if (side_open(s) || posix_memalign((void **)&s->buf, PAGE, LEN))
		return 1;
	s->mr = ibv_reg_mr(s->pd, s->buf, LEN, IBV_ACCESS_LOCAL_WRITE);
	if (!s->mr)
		return 1;
	while (!rc_recv_all(s->sock, &c, sizeof(c)) && c.op != OP_QUIT) {
		if (c.op == OP_RECONNECT) {
			st = side_connect(s);
		} else if ((c.op == OP_READ || c.op == OP_WRITE ||
			    c.op == OP_READ_FENCED) && c.len <= LEN) {
			st = agent_op(s, &c);
		} else if (c.op == OP_WRITE_FETCH_ADD && c.len <= LEN) {
			st = agent_write_fetch_add(s, &c);
		} else {
			fprintf(stderr, "odp_wire_tests --agent: bad command %u\n", c.op);
			return 1;
		}
		if (rc_send_all(s->sock, &st, sizeof(st)) ||
		    (c.op != OP_WRITE && !st && rc_send_all(s->sock, s->buf, c.len)))
			return 1;
	}
	return 0;
}

/* ---- the tests' side --------------------------------------------------- */

/* The agent READs @len bytes at @addr of @rkey into @out (@op: OP_READ or
 * OP_READ_FENCED): the status.
 */
static int remote_read_op(struct side *s, uint32_t op, uint32_t rkey,
			  const void *addr, size_t len, uint8_t *out)
{
	struct agent_cmd c = { .op = op, .len = len, .rkey = rkey,
			       .addr = (uintptr_t)addr };
	int32_t st;

	if (rc_send_all(s->sock, &c, sizeof(c)) || rc_recv_all(s->sock, &st, sizeof(st)))
		fail_msg("the agent went away");
	if (!st && rc_recv_all(s->sock, out, len))
		fail_msg("the agent went away");
	return st;
}

static int remote_read(struct side *s, struct ibv_mr *mr, const void *addr,
		       size_t len, uint8_t *out)
{
	return remote_read_op(s, OP_READ, mr->rkey, addr, len, out);
}

/* The agent WRITEs the pattern of @seed at @addr of @mr: the status. */
static int remote_write(struct side *s, struct ibv_mr *mr, void *addr,
			size_t len, uint64_t seed)
{
	struct agent_cmd c = { .op = OP_WRITE, .len = len, .rkey = mr->rkey,
			       .addr = (uintptr_t)addr, .seed = seed };
	int32_t st;

	if (rc_send_all(s->sock, &c, sizeof(c)) || rc_recv_all(s->sock, &st, sizeof(st)))
		fail_msg("the agent went away");
	return st;
}

/* After an access error: new QPs on both sides. */
static void reconnect(struct side *s)
{
	struct agent_cmd c = { .op = OP_RECONNECT };
	int32_t st;

	assert_int_equal(rc_send_all(s->sock, &c, sizeof(c)), 0);
	assert_int_equal(side_connect(s), 0);
	assert_int_equal(rc_recv_all(s->sock, &st, sizeof(st)), 0);
	assert_int_equal(st, 0);
}

static struct ibv_mr *reg_odp(struct side *s, void *buf, size_t len)
{
	struct ibv_mr *mr = ibv_reg_mr(s->pd, buf, len, ACCESS | IBV_ACCESS_ON_DEMAND);

	assert_non_null(mr);
	return mr;
}

/* The remote sees what the process wrote, and the process what it wrote. */
static void check_both_ways(struct side *s, struct ibv_mr *mr, uint8_t *buf,
			    uint64_t cpu_seed, uint64_t nic_seed)
{
	uint8_t *seen = malloc(LEN);

	assert_non_null(seen);
	pattern_fill(buf, LEN, cpu_seed);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(pattern_holds(seen, LEN, cpu_seed));
	assert_int_equal(remote_write(s, mr, buf, LEN, nic_seed), IBV_WC_SUCCESS);
	assert_true(pattern_holds(buf, LEN, nic_seed));
	free(seen);
}

/* MADV_DONTNEED: the remote READ sees zero fill, never the old data; what
 * the process writes next, and what the remote writes, are seen.
 */
static void wire_dontneed(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	struct ibv_mr *mr = reg_odp(s, buf, LEN);

	check_both_ways(s, mr, buf, 0x11, 0x12);
	assert_int_equal(madvise(buf, LEN, MADV_DONTNEED), 0);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(all_zero(seen, LEN));
	check_both_ways(s, mr, buf, 0x13, 0x14);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	free(seen);
	munmap(buf, LEN);
}

/* A new mapping put over the MR's range (MAP_FIXED): the remote sees the
 * new pages, and writes into them.
 */
static void wire_remap(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	struct ibv_mr *mr = reg_odp(s, buf, LEN);

	check_both_ways(s, mr, buf, 0x21, 0x22);
	assert_true(mmap(buf, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == buf);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(all_zero(seen, LEN));
	check_both_ways(s, mr, buf, 0x23, 0x24);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	free(seen);
	munmap(buf, LEN);
}

/* mprotect(PROT_READ): the remote WRITE fails with a remote access error
 * and changes nothing; READ works; with PROT_WRITE back, WRITE works.
 */
static void wire_mprotect(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	struct ibv_mr *mr = reg_odp(s, buf, LEN);

	check_both_ways(s, mr, buf, 0x31, 0x32);
	pattern_fill(buf, LEN, 0x33);
	assert_int_equal(mprotect(buf, LEN, PROT_READ), 0);
	assert_int_equal(remote_write(s, mr, buf, LEN, 0x34), IBV_WC_REM_ACCESS_ERR);
	assert_true(pattern_holds(buf, LEN, 0x33));
	reconnect(s);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(pattern_holds(seen, LEN, 0x33));
	assert_int_equal(mprotect(buf, LEN, PROT_READ | PROT_WRITE), 0);
	check_both_ways(s, mr, buf, 0x35, 0x36);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	free(seen);
	munmap(buf, LEN);
}

/* fork, then the parent's COW break: the remote follows the parent's new
 * pages, and a remote WRITE into pages still shared with the child (no CPU
 * write after fork) changes the parent's view only.
 */
static void wire_fork_cow(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	struct ibv_mr *mr = reg_odp(s, buf, LEN);
	int go[2], status;
	pid_t pid;
	char c;

	check_both_ways(s, mr, buf, 0x41, 0x42);
	pattern_fill(buf, LEN, 0x43);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(pattern_holds(buf, LEN, 0x43) ? 0 : 1);
	}
	close(go[0]);
	/* the first half: the remote writes pages the child still shares */
	assert_int_equal(remote_write(s, mr, buf, LEN / 2, 0x44), IBV_WC_SUCCESS);
	assert_true(pattern_holds(buf, LEN / 2, 0x44));
	/* the second half: the parent writes first (COW break), then reads */
	pattern_fill(buf + LEN / 2, LEN / 2, 0x45);
	assert_int_equal(remote_read(s, mr, buf + LEN / 2, LEN / 2, seen),
			 IBV_WC_SUCCESS);
	assert_true(pattern_holds(seen, LEN / 2, 0x45));
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	free(seen);
	munmap(buf, LEN);
}

/* A shared file mapping rewritten and truncated under the MR (issue 14
 * item 3), on a disk file system when tests/guest/t_odp_wire.sh gives one
 * (ODP_WIRE_DISK: ext4 on a loop device), else in /tmp: the remote READ
 * sees what pwrite() put in the file, never the data before it; while the
 * file is short, the remote READ and WRITE of the range get a remote
 * access error and the WRITE does not grow the file; after the file grows
 * back the remote READ finds zeros (never the old data), and the remote's
 * writes reach the file.
 */
static void wire_truncate(void **state)
{
	struct side *s = *state;
	const char *dir = getenv("ODP_WIRE_DISK");
	char path[256];
	uint8_t *buf, *seen = malloc(LEN);
	struct ibv_mr *mr;
	struct stat st;
	int fd;

	assert_non_null(seen);
	snprintf(path, sizeof(path), "%s/odp_wire_XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, LEN), 0);
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(buf != MAP_FAILED);
	mr = reg_odp(s, buf, LEN);
	check_both_ways(s, mr, buf, 0x51, 0x52);

	/* rewritten through the file, not the mapping */
	pattern_fill(seen, LEN, 0x54);
	assert_int_equal(pwrite(fd, seen, LEN, 0), (ssize_t)LEN);
	memset(seen, 0, LEN);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(pattern_holds(seen, LEN, 0x54));

	/* short: no access, and no write past the end */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_REM_ACCESS_ERR);
	reconnect(s);
	assert_int_equal(remote_write(s, mr, buf, LEN, 0x55), IBV_WC_REM_ACCESS_ERR);
	reconnect(s);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* grown back: zeros, then the remote's writes */
	assert_int_equal(ftruncate(fd, LEN), 0);
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(all_zero(seen, LEN));
	assert_int_equal(remote_write(s, mr, buf, LEN, 0x53), IBV_WC_SUCCESS);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	assert_int_equal(munmap(buf, LEN), 0);
	assert_int_equal(pread(fd, seen, LEN, 0), (ssize_t)LEN);
	assert_true(pattern_holds(seen, LEN, 0x53));
	close(fd);
	free(seen);
}

/* MADV_PAGEOUT after a remote WRITE: the pages go to swap, and the remote
 * READ brings back what it wrote.
 */
static void wire_pageout(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	struct ibv_mr *mr = reg_odp(s, buf, LEN);
	size_t resident;
	int err;

	check_both_ways(s, mr, buf, 0x61, 0x62);
	/* The device's faults ran on an rxe worker, maybe on the other CPU,
	 * whose batch of pages not yet on the LRU page-out cannot take (16
	 * pages may all be there): compaction drains every CPU's batch first.
	 */
	err = write_file("/proc/sys/vm/compact_memory", "1");
	if (err)
		print_message("# compact_memory: %s\n", strerror(err));
	assert_int_equal(madvise(buf, LEN, MADV_PAGEOUT), 0);
	resident = resident_pages(buf, LEN);
	print_message("# %zu of %lu pages resident after MADV_PAGEOUT\n",
		      resident, LEN / PAGE);
	assert_true(resident < LEN / PAGE);	/* swap is there: t_odp_wire.sh */
	assert_int_equal(remote_read(s, mr, buf, LEN, seen), IBV_WC_SUCCESS);
	assert_true(pattern_holds(seen, LEN, 0x62));
	assert_int_equal(ibv_dereg_mr(mr), 0);
	free(seen);
	munmap(buf, LEN);
}

/* A READ whose response is lost, followed by a WRITE of zero bytes: the
 * WRITE's acknowledgement tells the requester that the response was lost,
 * and it sends the READ again, a duplicate at the responder, which must
 * answer it from the READ's own resource. t_wire_read_retry.sh drops the
 * first response of each READ on node 2 (elsewhere this is a plain READ).
 * The READs of 64 bytes of a pinned MR and of an ODP one must return their
 * bytes, and a READ of zero bytes, rkey 0 (C9-88: a zero-length request
 * need not give a valid rkey), must succeed. Stock 6.12 and 7.3 answered
 * the duplicate with the MR of the last new request, the empty WRITE's,
 * which has none: a WARN in rxe_mr_copy() and a remote access error.
 */
static void wire_read_replayed_after_empty_write(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	struct ibv_mr *mr[2];
	int i;

	assert_non_null(seen);
	mr[0] = ibv_reg_mr(s->pd, buf, LEN / 2, ACCESS);
	assert_non_null(mr[0]);
	mr[1] = reg_odp(s, buf + LEN / 2, LEN / 2);
	for (i = 0; i < 2; i++) {
		uint8_t *at = buf + i * LEN / 2 + 1024;

		pattern_fill(at, 64, 0x71 + i);
		memset(seen, 0, 64);
		assert_int_equal(remote_read_op(s, OP_READ_FENCED, mr[i]->rkey,
						at, 64, seen), IBV_WC_SUCCESS);
		assert_true(pattern_holds(seen, 64, 0x71 + i));
	}
	assert_int_equal(remote_read_op(s, OP_READ_FENCED, 0, buf, 0, seen),
			 IBV_WC_SUCCESS);
	for (i = 0; i < 2; i++)
		assert_int_equal(ibv_dereg_mr(mr[i]), 0);
	free(seen);
	munmap(buf, LEN);
}

/*
 * A WRITE and a FETCH_ADD posted together, both of their responses lost
 * once (node 2's ingress filters drop the first ACK and the first ATOMIC
 * ACKNOWLEDGE: t_wire_ack_lost): the requester sends both again; the
 * responder acks the duplicate WRITE with the PSN of the last request it
 * executed, the FETCH_ADD's, and replays the FETCH_ADD's response. That
 * ACK completes the WRITE, and must not complete the FETCH_ADD, which an
 * ACK never answers: stock rxe (6.1, 6.12, 7.3) did, as a success whose
 * original value never reached the requester's buffer. The FETCH_ADD
 * must return the value the target held, and add once; the WRITE's
 * bytes must be there. On a pinned MR.
 */
static void wire_atomic_after_write_acks_lost(void **state)
{
	struct side *s = *state;
	uint8_t *buf = map_anon(LEN), *seen = malloc(LEN);
	const uint64_t orig = 0x0123456789abcd00ULL;
	const size_t wlen = 64;
	struct agent_cmd c = {
		.op = OP_WRITE_FETCH_ADD, .len = 8 + wlen, .seed = 0x3c,
	};
	struct ibv_mr *mr;
	uint64_t got;
	int32_t st;

	assert_non_null(seen);
	mr = ibv_reg_mr(s->pd, buf, LEN, ACCESS | IBV_ACCESS_REMOTE_ATOMIC);
	assert_non_null(mr);
	c.rkey = mr->rkey;
	c.addr = (uintptr_t)buf + PAGE;
	memcpy(buf + PAGE, &orig, 8);
	if (rc_send_all(s->sock, &c, sizeof(c)) ||
	    rc_recv_all(s->sock, &st, sizeof(st)))
		fail_msg("the agent went away");
	assert_int_equal(st, IBV_WC_SUCCESS);
	if (rc_recv_all(s->sock, seen, c.len))
		fail_msg("the agent went away");
	memcpy(&got, seen, 8);
	print_message("# the FETCH_ADD returned %#llx (the target held %#llx)\n",
		      (unsigned long long)got, (unsigned long long)orig);
	assert_true(got == orig);
	memcpy(&got, buf + PAGE, 8);
	assert_true(got == orig + 1);
	assert_true(pattern_holds(buf + PAGE + 8, wlen, c.seed));
	assert_int_equal(ibv_dereg_mr(mr), 0);
	free(seen);
	munmap(buf, LEN);
}

static int usage(void)
{
	fprintf(stderr, "usage: odp_wire_tests [-d DEV] [-g IDX] [-p PORT] [-t TEST] AGENT\n"
			"       odp_wire_tests --agent [-d DEV] [-g IDX] [-p PORT]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "agent", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct side s = { .gid_index = 1, .port = 18620, .sock = -1 };
	bool is_agent = false;
	struct agent_cmd quit = { .op = OP_QUIT };
	const char *only = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "d:g:p:t:", longs, NULL)) != -1) {
		switch (c) {
		case 'd': s.dev = optarg; break;
		case 'g': s.gid_index = atoi(optarg); break;
		case 'p': s.port = atoi(optarg); break;
		case 't': only = optarg; break;
		case 'a': is_agent = true; break;
		default: return usage();
		}
	}
	if (is_agent == (optind < argc) || argc > optind + 1)
		return usage();
	if (is_agent)
		return agent(&s);
	s.agent = argv[optind];
	if (side_open(&s)) {
		fprintf(stderr, "odp_wire_tests: cannot reach the agent on %s\n", s.agent);
		return 1;
	}
	{
		const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_prestate(fn, &s)
			T(wire_dontneed),
			T(wire_remap),
			T(wire_mprotect),
			T(wire_fork_cow),
			T(wire_truncate),
			T(wire_pageout),
			T(wire_read_replayed_after_empty_write),
			T(wire_atomic_after_write_acks_lost),
#undef T
		};

		cmocka_set_message_output(CM_OUTPUT_TAP);
		if (only)
			cmocka_set_test_filter(only);
		ret = cmocka_run_group_tests_name("odp_wire", tests, NULL, NULL);
	}
	rc_send_all(s.sock, &quit, sizeof(quit));
	return ret;
}
