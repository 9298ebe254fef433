// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_file_target: a zero-copy storage target over ODP. The target maps a
 * file MAP_SHARED and registers the mapping with IBV_ACCESS_ON_DEMAND, so
 * the page cache itself (or, on a DAX filesystem, the persistent memory
 * itself) is the RDMA buffer: nothing is pinned and nothing is copied
 * through a bounce buffer. A client reads the file's blocks with RDMA READ
 * and writes blocks with RDMA WRITE, then asks the target to persist them
 * (msync); the target can check what reached the disk with O_DIRECT.
 *
 *   target:  odp_file_target [options] FILE
 *   client:  odp_file_target [options] -c TARGET
 *
 * Data is a pattern of a seed and the file offset, so each side can check
 * the other's bytes: the target --fill SEED writes it into the file before
 * registering, the client --read SEED checks every block it reads,
 * --write SEED writes blocks of it, and the target --check SEED compares
 * the file on disk (O_DIRECT, past the page cache) once the client is done.
 * Each side ends with a summary: bytes moved and MB/s (client), the MR's
 * faults and invalidations and what the device counted (target).
 *
 * For comparison, the target can instead be what a target without ODP
 * does: --pin registers the same mapping pinned, and --bounce copies
 * (pread, pwrite) each block between the file and a pinned buffer of
 * -b BYTES that the client reads and writes, asking for each copy over
 * the control connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "odp.h"
#include "rc_conn.h"

#define PROG "odp_file_target"

struct opts {
	const char *dev, *target, *file;
	int gid_index, port;
	size_t block;
	unsigned int rounds;
	bool fill, check, read, write, pin, bounce, no_persist;
	uint64_t fill_seed, check_seed, read_seed, write_seed;
};

/* What the target tells the client besides its QP: where its file is (or,
 * with WIRE_BOUNCE, its bounce buffer of @block bytes). The client sends
 * the same, with only @qp set.
 */
struct target_wire {
	struct rc_wire qp;
	uint64_t addr, size, block;
	uint32_t rkey, flags;
};

#define WIRE_BOUNCE	1u

/* Control messages from the client, one byte each; the target answers
 * MSG_PERSIST with a 4-byte errno (0: the file's pages are on disk).
 * MSG_VERIFY is followed by an 8-byte seed: the target persists, then reads
 * the file on disk back (O_DIRECT) and answers 0 when it holds the pattern
 * of that seed, EIO when not, or msync's errno.
 * To a --bounce target, MSG_STAGE and MSG_COMMIT, each followed by an
 * 8-byte file offset and an 8-byte length: copy that much of the file into
 * the bounce buffer (for an RDMA READ of it), or the bounce buffer into
 * the file (after an RDMA WRITE into it); the answer is a 4-byte errno.
 */
enum {
	MSG_PERSIST = 'P', MSG_VERIFY = 'V', MSG_DONE = 'D',
	MSG_STAGE = 'S', MSG_COMMIT = 'C',
};

struct ctx {
	struct opts o;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	union ibv_gid gid;
	int sock;
	/* a --bounce target's buffer and file, and what it copied */
	uint8_t *bounce;
	int fd;
	uint64_t staged, committed;
};

/* Byte @off of the file as the pattern of @seed has it. */
static uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	uint64_t w = seed ^ ((off / 8 + 1) * 0x9e3779b97f4a7c15ULL);

	return (uint8_t)(w >> (off % 8 * 8));
}

static void pattern_fill(uint8_t *buf, uint64_t off, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(seed, off + i);
}

/* File offset of the first byte of @buf (at @off) not in the pattern, or -1. */
static int64_t pattern_diff(const uint8_t *buf, uint64_t off, size_t len,
			    uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_byte(seed, off + i))
			return (int64_t)(off + i);
	return -1;
}

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void usage(void)
{
	printf("usage: " PROG " [options] FILE        (target)\n"
	       "       " PROG " [options] -c TARGET   (client)\n"
	       "  -d DEV          device (default: first)\n"
	       "  -g IDX          GID index (default 1)\n"
	       "  -p PORT         TCP port for the exchange (default 18610)\n"
	       "  -h, --help      this help\n"
	       "target:\n"
	       "  --fill SEED     write the pattern of SEED into FILE before registering\n"
	       "  --check SEED    once the client is done, FILE on disk (O_DIRECT) must\n"
	       "                  hold the pattern of SEED\n"
	       "  --pin           register pinned memory instead of ODP (for comparison:\n"
	       "                  a DAX mapping cannot be pinned)\n"
	       "  --bounce        no registration of the file: copy each block between it\n"
	       "                  and a pinned buffer of -b BYTES, as the client asks\n"
	       "client:\n"
	       "  -b BYTES        block size (default 65536); a --bounce target's buffer\n"
	       "  --read SEED     RDMA READ every block, check it holds the pattern of SEED\n"
	       "  --write SEED    RDMA WRITE the pattern of SEED into every block, then ask\n"
	       "                  the target to persist the file\n"
	       "  --rounds N      write N times, with seeds SEED to SEED+N-1; after each\n"
	       "                  round but the last the target persists and checks the\n"
	       "                  file on disk (writeback must see every round's writes)\n"
	       "  --no-persist    do not ask for the last round to be persisted: the\n"
	       "                  target's --check finds it on disk after dereg and munmap\n");
}

static int parse_seed(const char *s, uint64_t *seed)
{
	char *end;

	errno = 0;
	*seed = strtoull(s, &end, 0);
	return errno || *end || end == s ? -1 : 0;
}

/* 0: run; 1: --help printed the usage; -1: bad options (usage printed) */
static int parse(int argc, char **argv, struct opts *o)
{
	enum { O_FILL = 256, O_CHECK, O_READ, O_WRITE, O_PIN, O_BOUNCE, O_ROUNDS,
	       O_NO_PERSIST };
	static const struct option longs[] = {
		{ "fill", required_argument, NULL, O_FILL },
		{ "check", required_argument, NULL, O_CHECK },
		{ "read", required_argument, NULL, O_READ },
		{ "write", required_argument, NULL, O_WRITE },
		{ "pin", no_argument, NULL, O_PIN },
		{ "bounce", no_argument, NULL, O_BOUNCE },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "no-persist", no_argument, NULL, O_NO_PERSIST },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, bad = 0;

	*o = (struct opts){ .gid_index = 1, .port = 18610, .block = 65536, .rounds = 1 };
	while ((c = getopt_long(argc, argv, "d:g:p:b:c:h", longs, NULL)) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 'g': o->gid_index = atoi(optarg); break;
		case 'p': o->port = atoi(optarg); break;
		case 'b': o->block = strtoul(optarg, NULL, 0); break;
		case 'c': o->target = optarg; break;
		case O_FILL: o->fill = true; bad |= parse_seed(optarg, &o->fill_seed); break;
		case O_CHECK: o->check = true; bad |= parse_seed(optarg, &o->check_seed); break;
		case O_READ: o->read = true; bad |= parse_seed(optarg, &o->read_seed); break;
		case O_WRITE: o->write = true; bad |= parse_seed(optarg, &o->write_seed); break;
		case O_PIN: o->pin = true; break;
		case O_BOUNCE: o->bounce = true; break;
		case O_ROUNDS: o->rounds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case O_NO_PERSIST: o->no_persist = true; break;
		case 'h': usage(); return 1;
		default: usage(); return -1;
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (bad || optind < argc || o->port <= 0 || !o->block ||
	    o->block > (64u << 20) || !o->target == !o->file ||
	    o->rounds < 1 || o->rounds > 1000 ||
	    ((o->rounds > 1 || o->no_persist) && !o->write) ||
	    (o->pin && o->bounce) ||
	    (o->target && (o->fill || o->check || o->pin || o->bounce)) ||
	    (o->file && (o->read || o->write))) {
		fprintf(stderr, PROG ": bad options (a target takes FILE, a client -c TARGET)\n");
		usage();
		return -1;
	}
	return 0;
}

static int setup(struct ctx *c)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};

	c->ctx = rc_open(PROG, c->o.dev, c->o.gid_index,
			 !c->o.pin && !c->o.bounce, &c->gid);
	if (!c->ctx)
		return -1;
	c->pd = ibv_alloc_pd(c->ctx);
	c->cq = c->pd ? ibv_create_cq(c->ctx, 8, NULL, NULL, 0) : NULL;
	if (!c->cq)
		return -1;
	qa.send_cq = qa.recv_cq = c->cq;
	c->qp = ibv_create_qp(c->pd, &qa);
	return c->qp ? 0 : -1;
}

static void teardown(struct ctx *c)
{
	if (c->qp)
		ibv_destroy_qp(c->qp);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->ctx)
		ibv_close_device(c->ctx);
	if (c->sock >= 0)
		close(c->sock);
}

/* ---- target ------------------------------------------------------------ */

/* The pattern of @seed into the whole file, through the page cache. */
static int file_fill(int fd, uint64_t size, uint64_t seed)
{
	static uint8_t buf[1 << 20];
	uint64_t off;
	size_t n;

	for (off = 0; off < size; off += n) {
		n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		pattern_fill(buf, off, n, seed);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			return -1;
	}
	return fsync(fd);
}

/* Does @path on disk (O_DIRECT) hold the pattern of @seed? 0, 1, or -1. */
static int file_check(const char *path, uint64_t size, uint64_t seed)
{
	size_t chunk = 1 << 20;
	uint8_t *buf;
	uint64_t off;
	int64_t bad = -1;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign((void **)&buf, 4096, chunk)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (off = 0; off < size && bad < 0; off += (uint64_t)n) {
		n = pread(fd, buf, chunk, (off_t)off);
		if (n <= 0) {
			fprintf(stderr, PROG ": O_DIRECT read of %s at %" PRIu64 ": %s\n",
				path, off, n ? strerror(errno) : "end of file");
			bad = (int64_t)off;
			break;
		}
		if ((uint64_t)n > size - off)
			n = (ssize_t)(size - off);
		bad = pattern_diff(buf, off, (size_t)n, seed);
	}
	if (bad >= 0)
		fprintf(stderr, PROG ": on disk, byte %" PRId64 " of %s is not the pattern of %#" PRIx64 "\n",
			bad, path, seed);
	else
		printf("on disk: all %" PRIu64 " bytes of %s hold the pattern of %#" PRIx64 "\n",
		       size, path, seed);
	free(buf);
	close(fd);
	return bad >= 0;
}

/* All @len bytes at @off of the file, to (@commit: from) the bounce buffer:
 * 0, or an errno.
 */
static int32_t bounce_copy(struct ctx *c, uint64_t size, bool commit)
{
	uint64_t at[2], off, len;
	ssize_t n;

	if (rc_recv_all(c->sock, at, sizeof(at)))
		return -1;
	off = at[0];
	len = at[1];
	if (off > size || len > size - off || len > c->o.block)
		return EINVAL;
	for (; len; off += (uint64_t)n, len -= (uint64_t)n) {
		if (commit)
			n = pwrite(c->fd, c->bounce + (off - at[0]), len, (off_t)off);
		else
			n = pread(c->fd, c->bounce + (off - at[0]), len, (off_t)off);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return n ? errno : EIO;
		if (commit)
			c->committed += (uint64_t)n;
		else
			c->staged += (uint64_t)n;
	}
	return 0;
}

/* Serve the client's control messages until it is done. A --bounce target
 * has no mapping (@map NULL): it persists with fdatasync.
 */
static int serve(struct ctx *c, uint8_t *map, uint64_t size, int *persists)
{
	uint64_t seed;
	int32_t err;
	char msg;

	for (;;) {
		if (rc_recv_all(c->sock, &msg, 1))
			return -1;	/* the client went away */
		if (msg == MSG_DONE)
			return 0;
		if (c->o.bounce && (msg == MSG_STAGE || msg == MSG_COMMIT)) {
			err = bounce_copy(c, size, msg == MSG_COMMIT);
			if (err < 0 || rc_send_all(c->sock, &err, sizeof(err)))
				return -1;
			continue;
		}
		if (msg != MSG_PERSIST && msg != MSG_VERIFY)
			return -1;
		if (msg == MSG_VERIFY && rc_recv_all(c->sock, &seed, sizeof(seed)))
			return -1;
		if (map)
			err = msync(map, size, MS_SYNC) ? errno : 0;
		else
			err = fdatasync(c->fd) ? errno : 0;
		(*persists)++;
		if (!err && msg == MSG_VERIFY)
			err = file_check(c->o.file, size, seed) ? EIO : 0;
		if (rc_send_all(c->sock, &err, sizeof(err)))
			return -1;
	}
}

/* A --bounce target's pinned buffer of -b bytes, registered for the
 * client's RDMA READs and WRITEs; NULL on failure (said).
 */
static struct ibv_mr *bounce_setup(struct ctx *c)
{
	struct ibv_mr *mr;

	if (posix_memalign((void **)&c->bounce, 4096, c->o.block)) {
		c->bounce = NULL;
		fprintf(stderr, PROG ": no memory for a bounce buffer of %zu bytes\n",
			c->o.block);
		return NULL;
	}
	memset(c->bounce, 0, c->o.block);
	mr = ibv_reg_mr(c->pd, c->bounce, c->o.block,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
			IBV_ACCESS_REMOTE_WRITE);
	if (!mr)
		fprintf(stderr, PROG ": registration of the bounce buffer: %s\n",
			strerror(errno));
	return mr;
}

static int run_target(struct ctx *c)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
		     IBV_ACCESS_REMOTE_WRITE | (c->o.pin ? 0 : IBV_ACCESS_ON_DEMAND);
	struct odp_counters before = { 0 }, after = { 0 }, mrc = { 0 };
	struct target_wire me, peer;
	struct ibv_mr *mr;
	struct stat st;
	uint8_t *map = NULL;
	int fd, ret = 1, persists = 0, mr_err;

	fd = open(c->o.file, O_RDWR);
	c->fd = fd;
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, PROG ": %s: %s\n", c->o.file, strerror(errno));
		return 1;
	}
	if (st.st_size <= 0) {
		fprintf(stderr, PROG ": %s is empty (make it the size to serve)\n", c->o.file);
		goto out_close;
	}
	if (c->o.fill && file_fill(fd, (uint64_t)st.st_size, c->o.fill_seed)) {
		fprintf(stderr, PROG ": filling %s: %s\n", c->o.file, strerror(errno));
		goto out_close;
	}
	if (c->o.bounce) {
		mr = bounce_setup(c);
		if (!mr)
			goto out_close;
		printf("target: %s, %jd bytes, not registered: blocks copied through a pinned buffer of %zu bytes (rkey %#x)\n",
		       c->o.file, (intmax_t)st.st_size, c->o.block, mr->rkey);
		me = (struct target_wire){ .block = c->o.block, .flags = WIRE_BOUNCE };
	} else {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			fprintf(stderr, PROG ": mmap %s: %s\n", c->o.file, strerror(errno));
			map = NULL;
			goto out_close;
		}
		mr = ibv_reg_mr(c->pd, map, (size_t)st.st_size, access);
		if (!mr) {
			fprintf(stderr, PROG ": %s registration of the mapping of %s: %s\n",
				c->o.pin ? "pinned" : "ODP", c->o.file, strerror(errno));
			goto out_unmap;
		}
		printf("target: %s, %jd bytes, mapped MAP_SHARED and registered %s (rkey %#x)\n",
		       c->o.file, (intmax_t)st.st_size, c->o.pin ? "pinned" : "ODP", mr->rkey);
		me = (struct target_wire){ 0 };
	}
	fflush(stdout);

	rc_wire_of(&me.qp, c->qp, &c->gid);
	me.addr = (uintptr_t)mr->addr;
	me.size = (uint64_t)st.st_size;
	me.rkey = mr->rkey;
	c->sock = rc_exchange(PROG, NULL, c->o.port, &me, &peer, sizeof(me));
	if (c->sock < 0 || rc_connect(c->qp, c->o.gid_index, &me.qp, &peer.qp,
				      IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE, 4)) {
		fprintf(stderr, PROG ": cannot connect the QP\n");
		goto out_dereg;
	}
	if (odp_query_dev_counters(c->ctx, 1, &before))
		memset(&before, 0, sizeof(before));
	if (serve(c, map, (uint64_t)st.st_size, &persists)) {
		fprintf(stderr, PROG ": the client went away\n");
		goto out_dereg;
	}
	usleep(20000);	/* past the kernel's 10 ms hw_counters cache */
	if (odp_query_dev_counters(c->ctx, 1, &after))
		memset(&after, 0, sizeof(after));
	mr_err = c->o.pin || c->o.bounce ? EINVAL : odp_query_mr_counters(mr, &mrc);
	printf("target: %d persist request(s) served (%s)\n", persists,
	       map ? "msync" : "fdatasync");
	if (c->o.bounce)
		printf("target: copied through the bounce buffer: %" PRIu64 " bytes read from the file, %" PRIu64 " written to it\n",
		       c->staged, c->committed);
	if (!mr_err) {
		printf("target: this MR:");
		rc_print_counters(&mrc, NULL);
	}
	printf("target: this device during the run:");
	rc_print_counters(&after, &before);
	ret = 0;
out_dereg:
	if (ibv_dereg_mr(mr))
		ret = 1;
out_unmap:
	if (map)
		munmap(map, (size_t)st.st_size);
	free(c->bounce);
	if (!ret && c->o.check)
		ret = file_check(c->o.file, (uint64_t)st.st_size, c->o.check_seed) ? 1 : 0;
out_close:
	close(fd);
	return ret;
}

/* ---- client ------------------------------------------------------------ */

/* One RDMA READ or WRITE of @len bytes between @buf and the target's @raddr. */
static int rdma_op(struct ctx *c, enum ibv_wr_opcode op, struct ibv_mr *mr,
		   size_t len, uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = { (uintptr_t)mr->addr, (uint32_t)len, mr->lkey };
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	int n;

	if (ibv_post_send(c->qp, &wr, &bad))
		return -1;
	do {
		n = ibv_poll_cq(c->cq, 1, &wc);
	} while (n == 0);
	if (n < 0 || wc.status != IBV_WC_SUCCESS) {
		fprintf(stderr, PROG ": RDMA %s at +%#" PRIx64 ": %s\n",
			op == IBV_WR_RDMA_READ ? "READ" : "WRITE",
			raddr, n < 0 ? "poll failed" : ibv_wc_status_str(wc.status));
		return -1;
	}
	return 0;
}

/* Ask a --bounce target to copy @len bytes at @off of its file into its
 * bounce buffer (@msg MSG_STAGE) or from it into the file (MSG_COMMIT).
 */
static int bounce_ask(struct ctx *c, char msg, uint64_t off, size_t len)
{
	uint64_t at[2] = { off, len };
	uint8_t req[1 + sizeof(at)];
	int32_t err;

	/* one send: a message in two would wait for the first's ACK (Nagle) */
	req[0] = (uint8_t)msg;
	memcpy(req + 1, at, sizeof(at));
	if (rc_send_all(c->sock, req, sizeof(req)) ||
	    rc_recv_all(c->sock, &err, sizeof(err))) {
		fprintf(stderr, PROG ": the target went away\n");
		return -1;
	}
	if (err) {
		fprintf(stderr, PROG ": the target could not copy %zu bytes at %" PRIu64 " %s its file: %s\n",
			len, off, msg == MSG_STAGE ? "from" : "to", strerror(err));
		return -1;
	}
	return 0;
}

/* Every block of the target: RDMA READ and check (@write false), or fill
 * and RDMA WRITE. Through a --bounce target's buffer, the target copies
 * each block out of the file before the READ, or into it after the WRITE.
 * Prints the phase's figures.
 */
static int sweep(struct ctx *c, const struct target_wire *t, struct ibv_mr *mr,
		 bool write, uint64_t seed)
{
	bool bounce = t->flags & WIRE_BOUNCE;
	double t0 = now_s(), secs;
	uint64_t off;
	int64_t bad;
	size_t n;

	for (off = 0; off < t->size; off += n) {
		n = t->size - off < c->o.block ? t->size - off : c->o.block;
		if (write)
			pattern_fill(mr->addr, off, n, seed);
		if (bounce && !write && bounce_ask(c, MSG_STAGE, off, n))
			return -1;
		if (rdma_op(c, write ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_READ, mr,
			    n, t->addr + (bounce ? 0 : off), t->rkey))
			return -1;
		if (bounce && write && bounce_ask(c, MSG_COMMIT, off, n))
			return -1;
		if (!write) {
			bad = pattern_diff(mr->addr, off, n, seed);
			if (bad >= 0) {
				fprintf(stderr, PROG ": RDMA READ: byte %" PRId64 " of the file is not the pattern of %#" PRIx64 "\n",
					bad, seed);
				return -1;
			}
		}
	}
	secs = now_s() - t0;
	printf("client: RDMA %s of %" PRIu64 " bytes in %zu-byte blocks: %.3f s, %.1f MB/s%s%s\n",
	       write ? "WRITE" : "READ", t->size, c->o.block, secs,
	       t->size / 1e6 / (secs > 0 ? secs : 1e-9),
	       write ? "" : ", every byte checked",
	       bounce ? ", through the target's bounce buffer" : "");
	return 0;
}

static int run_client(struct ctx *c)
{
	struct target_wire me = { 0 }, t;
	struct ibv_mr *mr;
	unsigned int round;
	uint64_t seed;
	int32_t err;
	bool last;
	void *buf;
	char msg;
	int ret = 1;

	if (posix_memalign(&buf, 4096, c->o.block))
		return 1;
	mr = ibv_reg_mr(c->pd, buf, c->o.block, IBV_ACCESS_LOCAL_WRITE);
	if (!mr) {
		perror(PROG ": ibv_reg_mr");
		goto out_free;
	}
	rc_wire_of(&me.qp, c->qp, &c->gid);
	c->sock = rc_exchange(PROG, c->o.target, c->o.port, &me, &t, sizeof(me));
	if (c->sock < 0 || rc_connect(c->qp, c->o.gid_index, &me.qp, &t.qp, 0, 4)) {
		fprintf(stderr, PROG ": cannot connect the QP\n");
		goto out_dereg;
	}
	if ((t.flags & WIRE_BOUNCE) && c->o.block > t.block) {
		fprintf(stderr, PROG ": blocks of %zu bytes, but the target's bounce buffer has %" PRIu64 " (-b)\n",
			c->o.block, t.block);
		goto out_dereg;
	}
	printf("client: target file of %" PRIu64 " bytes at %#" PRIx64 ", rkey %#x%s\n",
	       t.size, t.addr, t.rkey,
	       t.flags & WIRE_BOUNCE ? " (a bounce buffer: the target copies)" : "");
	if (c->o.read && sweep(c, &t, mr, false, c->o.read_seed))
		goto out_dereg;
	for (round = 0; c->o.write && round < c->o.rounds; round++) {
		seed = c->o.write_seed + round;
		last = round + 1 == c->o.rounds;
		if (sweep(c, &t, mr, true, seed))
			goto out_dereg;
		if (last && c->o.no_persist)
			break;
		msg = last ? MSG_PERSIST : MSG_VERIFY;
		if (rc_send_all(c->sock, &msg, 1) ||
		    (!last && rc_send_all(c->sock, &seed, sizeof(seed))) ||
		    rc_recv_all(c->sock, &err, sizeof(err)))
			goto out_dereg;
		if (err) {
			fprintf(stderr, PROG ": round %u: the target could not persist%s: %s\n",
				round + 1, last ? "" : " and find it on disk", strerror(err));
			goto out_dereg;
		}
		if (last)
			printf("client: the target persisted the file (%s)\n",
			       t.flags & WIRE_BOUNCE ? "fdatasync" : "msync");
		else
			printf("client: round %u: the target persisted the file and found the pattern of %#" PRIx64 " on disk\n",
			       round + 1, seed);
	}
	msg = MSG_DONE;
	ret = rc_send_all(c->sock, &msg, 1) ? 1 : 0;
out_dereg:
	ibv_dereg_mr(mr);
out_free:
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	struct ctx c = { .sock = -1 };
	int ret;

	ret = parse(argc, argv, &c.o);
	if (ret)
		return ret > 0 ? 0 : 2;	/* -h: usage, and done */
	if (setup(&c)) {
		teardown(&c);
		return 1;
	}
	ret = c.o.target ? run_client(&c) : run_target(&c);
	teardown(&c);
	return ret;
}
