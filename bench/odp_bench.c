// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_bench: on-demand paging against pinned memory, measured side by side
 * in one process over a loopback RC QP pair (tests/odp/odp_verbs): qp[0]
 * posts RDMA WRITE and READ into a memory region that qp[1]'s side owns,
 * so the region under test is always the responder's. Every figure of a
 * table comes from this one run: under TCG, where absolute times mean
 * little, the ratios between columns are what count.
 *
 *   odp_bench [--quick] [--out DIR] [TEST...]
 *
 * Tests (all by default), numbered as in the benchmark issue:
 *   cold        2. first touch (every page faults) against warm, + prefetch
 *   reg         3. registration time against size, ODP and pinned
 *   inval       4. munmap / MADV_DONTNEED time with and without an ODP MR
 *   mem         5. mirror memory per page from the memory cgroup's
 *                  accounting; implicit MR memory against bytes touched
 *   faultlat    6. per-operation latency on cold pages: p50 and p99
 *   invtraffic  7. invalidation latency while traffic uses the range
 *
 * Output: per test a "== name: title ==" line, a "# column..." line and
 * rows of whitespace-separated fields ("-" where there is no value), then
 * "ratio NAME VALUE TARGET" lines; with --out, each table also goes to
 * DIR/NAME.tsv (the column line and the rows) for the report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "odp.h"
#include "odp_verbs.h"

#define KIB 1024UL
#define MIB (1024UL * KIB)
#define GIB (1024UL * MIB)
#define PAGE 4096UL
#define DEPTH 8			/* RDMA operations in flight (send queue: 16) */
#define STALL_NS (30LL * 1000000000LL)
#define PINNED_ACCESS (ODP_ACCESS & ~IBV_ACCESS_ON_DEMAND)
#define MTU 1024		/* odp_verbs' QPs: IBV_MTU_1024 */

/* ODP counters rdma_rxe_odp keeps in rxe0's hw_counters. */
enum { C_FAULTS, C_FAULTS_HANDLED, C_INVAL, C_PREFETCH, C_NUM };
static const char *const counter_names[C_NUM] = {
	"page_faults", "page_faults_handled", "page_invalidations",
	"page_prefetch",
};

/**
 * struct bench - one benchmark run
 * @p:		the loopback QP pair and its device
 * @quick:	small sizes and few repetitions (the smoke test)
 * @outdir:	where the tables go as NAME.tsv, or NULL
 * @tsv:	the current table's file, or NULL
 * @memstat:	memory.stat of this process's cgroup, or NULL
 * @counters:	the device's hw_counters directory
 * @failed:	a measurement failed (exit status 1)
 */
struct bench {
	struct odp_pair p;
	bool quick;
	const char *outdir;
	FILE *tsv;
	char *memstat;
	char counters[256];
	bool failed;
};

/* ---- time and statistics ---------------------------------------------- */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/**
 * pct() - a percentile of samples (sorts them)
 * @v:	samples
 * @n:	how many (0 gives NaN)
 * @q:	0..100; nearest rank
 *
 * Return: the sample at rank ceil(q/100 * n).
 */
static double pct(double *v, size_t n, double q)
{
	size_t r;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	r = (size_t)(q / 100.0 * n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return v[r - 1];
}

static double median(double *v, size_t n)
{
	return pct(v, n, 50);
}

/* ---- output ------------------------------------------------------------- */

static void table(struct bench *b, const char *name, const char *title,
		  const char *columns)
{
	char path[512];

	if (b->tsv)
		fclose(b->tsv);
	b->tsv = NULL;
	printf("\n== %s: %s ==\n# %s\n", name, title, columns);
	if (b->outdir) {
		snprintf(path, sizeof(path), "%s/%s.tsv", b->outdir, name);
		b->tsv = fopen(path, "w");
		if (!b->tsv) {
			perror(path);
			b->failed = true;
		} else {
			fprintf(b->tsv, "# %s\n", columns);
		}
	}
}

/* One row of the current table, printf-style. */
static void __attribute__((format(printf, 2, 3)))
row(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (b->tsv) {
		va_start(ap, fmt);
		vfprintf(b->tsv, fmt, ap);
		va_end(ap);
		fputc('\n', b->tsv);
	}
	fflush(stdout);
}

/* "ratio NAME VALUE TARGET": what the report checks against the targets. */
static void ratio(struct bench *b, const char *name, double v,
		  const char *target)
{
	if (isnan(v) || isinf(v))
		printf("ratio %s - %s\n", name, target);
	else
		printf("ratio %s %.3f %s\n", name, v, target);
	if (b->outdir) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/ratios.tsv", b->outdir);
		f = fopen(path, "a");
		if (f) {
			if (isnan(v) || isinf(v))
				fprintf(f, "%s\t-\t%s\n", name, target);
			else
				fprintf(f, "%s\t%.3f\t%s\n", name, v, target);
			fclose(f);
		}
	}
	fflush(stdout);
}

static void warn_fail(struct bench *b, const char *what)
{
	fprintf(stderr, "odp_bench: %s failed\n", what);
	printf("error: %s failed\n", what);
	b->failed = true;
}

/* ---- device counters and memory accounting ------------------------------ */

static uint64_t counter(struct bench *b, int c)
{
	char path[320];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", b->counters, counter_names[c]);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* memory.stat of our own cgroup (cgroup v2), if the memory controller is on. */
static char *find_memstat(void)
{
	char line[512], *path = NULL;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		if (asprintf(&path, "/sys/fs/cgroup%s/memory.stat",
			     line + 3) < 0)
			path = NULL;
		break;
	}
	fclose(f);
	if (path && access(path, R_OK)) {
		free(path);
		path = NULL;
	}
	return path;
}

/* Kernel memory charged to our cgroup, without page tables and stacks. */
struct kmem {
	long long kernel, pagetables, stack, slab, vmalloc, global;
};

static long long global_kmem(void);

static int read_kmem(struct bench *b, struct kmem *k)
{
	char key[64];
	long long v;
	FILE *f;

	memset(k, 0, sizeof(*k));
	/*
	 * The cgroup's statistics are per-cpu, folded in at least every 2 s
	 * (FLUSH_TIME in mm/memcontrol.c): let them settle first.
	 */
	usleep(2200 * 1000);
	f = fopen(b->memstat, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "kernel"))
			k->kernel = v;
		else if (!strcmp(key, "pagetables"))
			k->pagetables = v;
		else if (!strcmp(key, "kernel_stack"))
			k->stack = v;
		else if (!strcmp(key, "slab_unreclaimable"))
			k->slab = v;
		else if (!strcmp(key, "vmalloc"))
			k->vmalloc = v;
	}
	fclose(f);
	k->global = global_kmem();
	return 0;
}

/*
 * System-wide unreclaimable slab plus vmalloc, in bytes: catches what is
 * allocated on behalf of this process but charged to another cgroup (an
 * allocation made in a kernel worker thread). Read after read_kmem(), so
 * the per-cpu vmstat counters have been folded in too.
 */
static long long global_kmem(void)
{
	char key[64];
	long long v, slab = -1, vmalloc = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, "nr_slab_unreclaimable"))
			slab = v * (long long)PAGE;
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63[^:]: %lld%*[^\n]\n", key, &v) == 2)
		if (!strcmp(key, "VmallocUsed"))
			vmalloc = v * 1024;
	fclose(f);
	return slab < 0 || vmalloc < 0 ? -1 : slab + vmalloc;
}

static long long kmem_delta(const struct kmem *a, const struct kmem *z)
{
	return (z->kernel - z->pagetables - z->stack) -
	       (a->kernel - a->pagetables - a->stack);
}

/*
 * read_kmem() once the figures have settled: the same cgroup figure five
 * reads in a row, 50 ms apart (memory freed after an RCU grace period or
 * by a kernel worker), or 4 s. 0, or -1 when a read fails.
 */
static int settle_kmem(struct bench *b, struct kmem *k)
{
	long long last = LLONG_MIN;
	int same = 0, i;

	for (i = 0; i < 80 && same < 5; i++) {
		if (read_kmem(b, k))
			return -1;
		same = k->kernel == last ? same + 1 : 0;
		last = k->kernel;
		usleep(50 * 1000);
	}
	return 0;
}

/* ---- memory and RDMA helpers ------------------------------------------- */

static void *map(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

/* Touch every page from the CPU (the pages exist, the mirror is empty). */
static void touch(uint8_t *m, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		m[i] = (uint8_t)i | 1;
}

static int post(struct odp_pair *p, enum ibv_wr_opcode op, size_t loff,
		uint32_t len, uint64_t raddr, uint32_t rkey, uint64_t id)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)p->scratch + loff, .length = len,
		.lkey = p->scratch_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	}, *bad;

	return ibv_post_send(p->qp[0], &wr, &bad);
}

/* Poll up to @max completions of qp[0]; their number, or -1. */
static int reap(struct odp_pair *p, int max, int64_t *last)
{
	struct ibv_wc wc[DEPTH];
	int i, n;

	n = ibv_poll_cq(p->cq[0], max < DEPTH ? max : DEPTH, wc);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (wc[i].status != IBV_WC_SUCCESS) {
			fprintf(stderr, "odp_bench: completion %s\n",
				ibv_wc_status_str(wc[i].status));
			return -1;
		}
	if (n) {
		*last = now_ns();
	} else {
		if (now_ns() - *last > STALL_NS)
			return -1;
		/*
		 * rxe does the work in a kernel worker, which may be queued on
		 * this very CPU: spinning would keep it waiting for the rest
		 * of our time slice (milliseconds), so let it run.
		 */
		sched_yield();
	}
	return n;
}

/**
 * xfer() - move @len bytes between the scratch buffer and a region
 * @p:		the pair
 * @op:		IBV_WR_RDMA_WRITE (into the region) or IBV_WR_RDMA_READ
 * @addr:	the region's bytes
 * @len:	how many
 * @msg:	bytes per operation (at most ODP_SCRATCH)
 * @rkey:	the region's MR
 *
 * Keeps DEPTH operations in flight, polling (and yielding the CPU).
 *
 * Return: elapsed nanoseconds, or -1 on an error completion or a stall.
 */
static int64_t xfer(struct odp_pair *p, enum ibv_wr_opcode op, uint8_t *addr,
		    size_t len, size_t msg, uint32_t rkey)
{
	size_t off = 0, ops = (len + msg - 1) / msg, posted = 0, done = 0;
	int64_t t0 = now_ns(), last = t0;
	int n;

	while (done < ops) {
		while (posted < ops && posted - done < DEPTH) {
			size_t l = len - off < msg ? len - off : msg;

			if (post(p, op, off % ODP_SCRATCH, l, (uintptr_t)addr + off, rkey, posted))
				return -1;
			off += l;
			posted++;
		}
		n = reap(p, (int)(posted - done), &last);
		if (n < 0)
			return -1;
		done += n;
	}
	return now_ns() - t0;
}

/* One operation, waited for: its latency in microseconds, or -1. */
static double one_op(struct odp_pair *p, enum ibv_wr_opcode op, uint8_t *addr,
		     size_t len, uint32_t rkey)
{
	int64_t ns = xfer(p, op, addr, len, len, rkey);

	return ns < 0 ? -1 : ns / 1000.0;
}

static double mbps(size_t bytes, int64_t ns)
{
	return ns > 0 ? bytes / (ns / 1000.0) : NAN;
}

static const char *op_name(enum ibv_wr_opcode op)
{
	return op == IBV_WR_RDMA_WRITE ? "write" : "read";
}

static struct ibv_mr *reg(struct bench *b, void *addr, size_t len, bool odp)
{
	return ibv_reg_mr(b->p.pd, addr, len, odp ? ODP_ACCESS : PINNED_ACCESS);
}

/* "%.1f", or "-" for NaN: into one of a few rotating buffers. */
static const char *num(double v, int prec)
{
	static char buf[16][32];
	static int i;
	char *s = buf[i++ % 16];

	if (isnan(v) || isinf(v))
		return "-";
	snprintf(s, 32, "%.*f", prec, v);
	return s;
}

/* ---- 2. cold first touch ------------------------------------------------ */

/* A fresh region, registered; @how: 0 untouched, 1 CPU-touched. */
static int fresh(struct bench *b, size_t len, bool odp, int how,
		 uint8_t **m, struct ibv_mr **mr)
{
	*m = map(len);
	if (!*m)
		return -1;
	if (how || !odp)
		touch(*m, len);
	*mr = reg(b, *m, len, odp);
	if (!*mr) {
		munmap(*m, len);
		return -1;
	}
	return 0;
}

static void drop(uint8_t *m, size_t len, struct ibv_mr *mr)
{
	ibv_dereg_mr(mr);
	munmap(m, len);
}

enum { K_PINNED, K_WARM, K_COLD, K_COLD_TOUCHED, K_PREFETCH,
       K_PREFETCH_TOTAL, K_NUM };

static void bench_cold(struct bench *b)
{
	const size_t len = b->quick ? 2 * MIB : 32 * MIB;
	const int reps = b->quick ? 1 : 3;
	const size_t msgs[] = { 4 * KIB, 64 * KIB, MIB };
	const enum ibv_wr_opcode ops[] = { IBV_WR_RDMA_WRITE, IBV_WR_RDMA_READ };
	double worst = INFINITY, worst_pf = INFINITY;
	size_t oi, mi;
	int r, k;

	table(b, "cold", "first touch against warm, MB/s (median)",
	      "op msg pinned odp_warm odp_cold odp_cold_touched odp_prefetched "
	      "odp_prefetch_total cold/warm touched/warm prefetched/warm "
	      "pages_per_fault");
	printf("# region %zu MiB, fresh each time; cold: untouched memory, MR "
	       "just registered; cold_touched: CPU-touched, mirror empty;\n"
	       "# prefetched: after odp_advise_mr(FLUSH) (prefetch_total "
	       "counts its time too); warm: the same again\n", len / MIB);
	for (oi = 0; oi < 2; oi++)
		for (mi = 0; mi < 3; mi++) {
			enum ibv_wr_opcode op = ops[oi];
			size_t msg = msgs[mi];
			double v[K_NUM][8], ppf[8], med[K_NUM];
			int nppf = 0;

			for (r = 0; r < reps; r++) {
				uint8_t *m;
				struct ibv_mr *mr;
				uint64_t f0, h0;
				int64_t t, tp;

				for (k = 0; k < K_NUM; k++)
					v[k][r] = NAN;
				/* pinned, warm (its pages are pinned) */
				if (fresh(b, len, false, 1, &m, &mr))
					goto fail;
				t = xfer(&b->p, op, m, len, msg, mr->rkey);
				v[K_PINNED][r] = mbps(len, t);
				drop(m, len, mr);
				/* ODP: cold, then warm */
				if (fresh(b, len, true, 0, &m, &mr))
					goto fail;
				f0 = counter(b, C_FAULTS);
				h0 = counter(b, C_FAULTS_HANDLED);
				t = xfer(&b->p, op, m, len, msg, mr->rkey);
				v[K_COLD][r] = mbps(len, t);
				if (counter(b, C_FAULTS_HANDLED) > h0)
					ppf[nppf++] = (double)(counter(b, C_FAULTS) - f0) /
						      (counter(b, C_FAULTS_HANDLED) - h0);
				t = xfer(&b->p, op, m, len, msg, mr->rkey);
				v[K_WARM][r] = mbps(len, t);
				drop(m, len, mr);
				/* ODP, CPU-touched: only the mirror is cold */
				if (fresh(b, len, true, 1, &m, &mr))
					goto fail;
				t = xfer(&b->p, op, m, len, msg, mr->rkey);
				v[K_COLD_TOUCHED][r] = mbps(len, t);
				drop(m, len, mr);
				/* ODP, prefetched */
				if (fresh(b, len, true, 0, &m, &mr))
					goto fail;
				{
					struct ibv_sge sge = {
						.addr = (uintptr_t)m, .length = len,
						.lkey = mr->lkey,
					};
					int64_t t0 = now_ns();

					if (odp_advise_mr(b->p.pd,
							  op == IBV_WR_RDMA_WRITE ?
							  IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE :
							  IBV_ADVISE_MR_ADVICE_PREFETCH,
							  IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1))
						tp = -1;
					else
						tp = now_ns() - t0;
				}
				t = xfer(&b->p, op, m, len, msg, mr->rkey);
				if (tp >= 0 && t >= 0) {
					v[K_PREFETCH][r] = mbps(len, t);
					v[K_PREFETCH_TOTAL][r] = mbps(len, t + tp);
				}
				drop(m, len, mr);
			}
			for (k = 0; k < K_NUM; k++)
				med[k] = median(v[k], reps);
			row(b, "%s %zu %s %s %s %s %s %s %s %s %s %s", op_name(op), msg,
			    num(med[K_PINNED], 1), num(med[K_WARM], 1),
			    num(med[K_COLD], 1), num(med[K_COLD_TOUCHED], 1),
			    num(med[K_PREFETCH], 1), num(med[K_PREFETCH_TOTAL], 1),
			    num(med[K_COLD] / med[K_WARM], 3),
			    num(med[K_COLD_TOUCHED] / med[K_WARM], 3),
			    num(med[K_PREFETCH] / med[K_WARM], 3),
			    num(median(ppf, nppf), 1));
			if (med[K_COLD] / med[K_WARM] < worst)
				worst = med[K_COLD] / med[K_WARM];
			if (med[K_PREFETCH_TOTAL] / med[K_WARM] < worst_pf)
				worst_pf = med[K_PREFETCH_TOTAL] / med[K_WARM];
			continue;
fail:
			warn_fail(b, "cold: region setup");
			return;
		}
	ratio(b, "cold/warm_min", worst, ">=0.5");
	ratio(b, "prefetch_total/warm_min", worst_pf, ">=0.5");
}

/* ---- 3. registration time ------------------------------------------------ */

static void bench_reg(struct bench *b)
{
	static const size_t full[] = { 4 * KIB, 64 * KIB, MIB, 16 * MIB,
				       256 * MIB, GIB, 4 * GIB };
	static const size_t quick[] = { 4 * KIB, MIB, 16 * MIB };
	const size_t *sizes = b->quick ? quick : full;
	const int nsizes = b->quick ? 3 : 7;
	const size_t pinned_max = b->quick ? MIB : 256 * MIB;
	double first_odp = NAN, last_odp = NAN, last_size = 0;
	int i, r;

	table(b, "reg", "registration time against size, usec (median)",
	      "size pinned_reg odp_reg pinned_dereg odp_dereg pinned/odp_reg");
	printf("# pinned: memory touched first, then ibv_reg_mr pins it; only up "
	       "to %zu MiB (the guest has 2 GiB of RAM)\n", pinned_max / MIB);
	for (i = 0; i < nsizes; i++) {
		size_t len = sizes[i];
		int reps = b->quick ? 3 : (len <= 16 * MIB ? 9 : 3);
		double pr[9], po[9], dr[9], dpo[9], mp[4];
		int k;

		for (k = 0; k < 4; k++)
			mp[k] = NAN;
		for (k = 0; k < 2; k++) {
			bool odp = k;
			uint8_t *m;

			if (!odp && len > pinned_max)
				continue;
			m = map(len);
			if (!m) {
				warn_fail(b, "reg: mmap");
				return;
			}
			if (!odp)
				touch(m, len);
			for (r = 0; r < reps; r++) {
				int64_t t0 = now_ns(), t1;
				struct ibv_mr *mr = reg(b, m, len, odp);

				t1 = now_ns();
				if (!mr) {
					printf("# %s registration of %zu bytes failed: %s\n",
					       odp ? "ODP" : "pinned", len, strerror(errno));
					break;
				}
				ibv_dereg_mr(mr);
				(odp ? po : pr)[r] = (t1 - t0) / 1000.0;
				(odp ? dpo : dr)[r] = (now_ns() - t1) / 1000.0;
			}
			if (r == reps) {
				mp[odp ? 1 : 0] = median(odp ? po : pr, reps);
				mp[odp ? 3 : 2] = median(odp ? dpo : dr, reps);
			}
			munmap(m, len);
		}
		row(b, "%zu %s %s %s %s %s", len, num(mp[0], 1), num(mp[1], 1),
		    num(mp[2], 1), num(mp[3], 1), num(mp[0] / mp[1], 2));
		if (i == 0)
			first_odp = mp[1];
		last_odp = mp[1];
		last_size = len;
	}
	printf("# ODP registration time grows %.1fx from %zu bytes to %.0f MiB\n",
	       last_odp / first_odp, sizes[0], last_size / MIB);
	ratio(b, "odp_reg_largest/smallest", last_odp / first_odp,
	      "flat (close to 1)");
}

/* ---- 4. invalidation cost ------------------------------------------------ */

enum { I_NONE, I_EMPTY, I_MIRRORED, I_PINNED, I_NUM };

static void bench_inval(struct bench *b)
{
	const size_t len = b->quick ? 4 * MIB : 32 * MIB;
	const int reps = b->quick ? 1 : 5;
	double mirrored_ratio = NAN;
	int o, c, r;

	table(b, "inval", "munmap and MADV_DONTNEED time, usec (median)",
	      "op region no_mr odp_mr_empty odp_mr_mirrored pinned_mr "
	      "mirrored/no_mr usec_per_page_mirrored");
	printf("# region CPU-touched; odp_mr_mirrored: every page mirrored by an "
	       "RDMA READ first; pinned: MADV_DONTNEED only (pages stay pinned)\n");
	for (o = 0; o < 2; o++) {
		bool unmap = o;
		double v[I_NUM][8], med[I_NUM];

		for (c = 0; c < I_NUM; c++) {
			for (r = 0; r < reps; r++) {
				uint8_t *m = map(len);
				struct ibv_mr *mr = NULL;
				int64_t t0;

				v[c][r] = NAN;
				if (!m) {
					warn_fail(b, "inval: mmap");
					return;
				}
				touch(m, len);
				if (c != I_NONE) {
					mr = reg(b, m, len, c != I_PINNED);
					if (!mr) {
						warn_fail(b, "inval: ibv_reg_mr");
						munmap(m, len);
						return;
					}
				}
				if (c == I_MIRRORED &&
				    xfer(&b->p, IBV_WR_RDMA_READ, m, len, MIB,
					 mr->rkey) < 0) {
					warn_fail(b, "inval: RDMA READ");
					drop(m, len, mr);
					return;
				}
				if (unmap && c == I_PINNED) {
					drop(m, len, mr);
					continue;
				}
				t0 = now_ns();
				if (unmap ? munmap(m, len) :
				    madvise(m, len, MADV_DONTNEED)) {
					warn_fail(b, unmap ? "munmap" : "madvise");
					return;
				}
				v[c][r] = (now_ns() - t0) / 1000.0;
				if (mr)
					ibv_dereg_mr(mr);
				if (!unmap)
					munmap(m, len);
			}
			med[c] = (unmap && c == I_PINNED) ? NAN : median(v[c], reps);
		}
		row(b, "%s %zu %s %s %s %s %s %s", unmap ? "munmap" : "madv_dontneed",
		    len, num(med[I_NONE], 1), num(med[I_EMPTY], 1),
		    num(med[I_MIRRORED], 1), num(med[I_PINNED], 1),
		    num(med[I_MIRRORED] / med[I_NONE], 2),
		    num(med[I_MIRRORED] / (len / PAGE), 3));
		if (!unmap)
			mirrored_ratio = med[I_MIRRORED] / med[I_NONE];
		else if (med[I_MIRRORED] / med[I_NONE] > mirrored_ratio)
			mirrored_ratio = med[I_MIRRORED] / med[I_NONE];
	}
	ratio(b, "inval_mirrored/no_mr_max", mirrored_ratio, "(cost; lower is better)");
}

/* ---- 5. mirror memory ---------------------------------------------------- */

/* One row of the mem table: both deltas, and per page of @pages. */
static void mem_row(struct bench *b, const char *kind, size_t bytes,
		    size_t pages, const struct kmem *k0, const struct kmem *k1,
		    const char *upstream)
{
	long long cg = kmem_delta(k0, k1);
	long long gl = k0->global < 0 || k1->global < 0 ? 0 :
		       k1->global - k0->global;

	row(b, "%s %zu %zu %lld %lld %s %s %s", kind, bytes, pages, cg, gl,
	    num((double)cg / pages, 2), num((double)gl / pages, 2), upstream);
}

static void bench_mem(struct bench *b)
{
	static const size_t sizes[] = { 64 * MIB, GIB, 4 * GIB };
	static const size_t touched[] = { 2 * MIB, 16 * MIB, 128 * MIB };
	const int nsizes = b->quick ? 1 : 3, ntouched = b->quick ? 1 : 3;
	const size_t span = b->quick ? 8 * MIB : 128 * MIB;
	const size_t sparse_span = b->quick ? 16 * MIB : GIB;
	double explicit_bpp = NAN, kept = NAN;
	struct kmem k0, k1;
	int i;

	table(b, "mem", "mirror memory, bytes, from the kernel's accounting",
	      "kind bytes pages cgroup_delta global_delta cgroup_per_page "
	      "global_per_page upstream_6.1_per_page");
	if (!b->memstat) {
		printf("# no memory.stat for this process's cgroup (cgroup v2 with "
		       "the memory controller): skipped\n");
		ratio(b, "mirror_bytes_per_page", NAN, "<=16 (6.1: 16, 6.16: 8)");
		return;
	}
	printf("# cgroup_delta: this process's memory cgroup, memory.stat "
	       "'kernel' minus page tables and stacks (%s);\n# global_delta: "
	       "the whole guest, unreclaimable slab + VmallocUsed (misses large "
	       "kmallocs; slab grows in whole slabs, 32 KiB for 4 KiB objects). After minus before.\n# implicit: per "
	       "page the device touched (each touched 2 MiB chunk gets a mirror "
	       "of its own, freed once the chunk is unmapped)\n", b->memstat);
	/*
	 * explicit ODP: registration alone (the mirror is made per 2 MiB chunk
	 * on first touch), then the whole region prefetched (every chunk
	 * mirrored; read faults of untouched memory map the zero page, so
	 * only the mirror and page tables grow, and page tables are not
	 * counted). Up to 1 GiB: prefetching more takes too long under TCG.
	 */
	for (i = 0; i < nsizes; i++) {
		size_t len = sizes[i];
		uint8_t *m = map(len);
		struct ibv_mr *mr;
		struct ibv_sge sge;

		if (!m || read_kmem(b, &k0)) {
			warn_fail(b, "mem: setup");
			return;
		}
		mr = reg(b, m, len, true);
		if (!mr || read_kmem(b, &k1)) {
			warn_fail(b, "mem: ODP registration");
			munmap(m, len);
			return;
		}
		mem_row(b, "explicit_odp_registered", len, len / PAGE, &k0, &k1,
			"16");
		if (len <= GIB) {
			sge = (struct ibv_sge){ .addr = (uintptr_t)m,
						.length = (uint32_t)len,
						.lkey = mr->lkey };
			if (odp_advise_mr(b->p.pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
					  IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1) ||
			    read_kmem(b, &k0)) {
				warn_fail(b, "mem: ODP prefetch of the region");
				drop(m, len, mr);
				return;
			}
			mem_row(b, "explicit_odp", len, len / PAGE, &k1, &k0,
				"16");
			explicit_bpp = (double)kmem_delta(&k1, &k0) /
				       (len / PAGE);
		}
		drop(m, len, mr);
	}
	/* pinned, for comparison: the MR's own bookkeeping */
	{
		size_t len = b->quick ? 8 * MIB : 64 * MIB;
		uint8_t *m = map(len);
		struct ibv_mr *mr;

		if (!m) {
			warn_fail(b, "mem: mmap");
			return;
		}
		touch(m, len);
		if (read_kmem(b, &k0) || !(mr = reg(b, m, len, false)) ||
		    read_kmem(b, &k1)) {
			warn_fail(b, "mem: pinned registration");
			munmap(m, len);
			return;
		}
		mem_row(b, "pinned", len, len / PAGE, &k0, &k1, "-");
		drop(m, len, mr);
	}
	/* implicit ODP: memory against bytes the device touched */
	for (i = 0; i <= ntouched; i++) {
		bool sparse = i == ntouched;
		size_t spn = sparse ? sparse_span : span;
		size_t want = sparse ? spn / (2 * MIB) * PAGE : touched[i];
		uint8_t *raw = map(spn + 2 * MIB), *m;
		struct ibv_mr *mr;
		size_t off;
		bool ok = true;

		if (!raw) {
			warn_fail(b, "mem: mmap");
			return;
		}
		m = (uint8_t *)(((uintptr_t)raw + 2 * MIB - 1) & ~(2 * MIB - 1));
		/* the CPU touches first: page tables exist before the baseline */
		if (sparse)
			for (off = 0; off < spn; off += 2 * MIB)
				touch(m + off, PAGE);
		else
			touch(m, want);
		mr = ibv_reg_mr(b->p.pd, NULL, SIZE_MAX, ODP_ACCESS);
		if (!mr) {
			printf("# implicit ODP registration failed: %s\n",
			       strerror(errno));
			munmap(raw, spn + 2 * MIB);
			break;
		}
		ok = !read_kmem(b, &k0);
		if (sparse)
			for (off = 0; ok && off < spn; off += 2 * MIB)
				ok = one_op(&b->p, IBV_WR_RDMA_READ, m + off, PAGE,
					    mr->rkey) >= 0;
		else
			ok = ok && xfer(&b->p, IBV_WR_RDMA_READ, m, want, MIB,
					mr->rkey) >= 0;
		if (!ok || read_kmem(b, &k1)) {
			warn_fail(b, "mem: implicit traffic");
			ibv_dereg_mr(mr);
			munmap(raw, spn + 2 * MIB);
			return;
		}
		mem_row(b, sparse ? "implicit_sparse_1_page_per_2MiB" :
			"implicit_contiguous", want, want / PAGE, &k0, &k1, "16");
		if (sparse) {
			/*
			 * unmapped, the chunks' mirrors are freed (after an RCU
			 * grace period): what stays, per page touched before
			 */
			double peak = (double)kmem_delta(&k0, &k1);

			munmap(raw, spn + 2 * MIB);
			if (settle_kmem(b, &k1)) {
				warn_fail(b, "mem: after munmap");
				ibv_dereg_mr(mr);
				return;
			}
			mem_row(b, "implicit_sparse_after_munmap", want,
				want / PAGE, &k0, &k1, "-");
			if (peak > 0)
				kept = (double)kmem_delta(&k0, &k1) / peak;
		} else {
			munmap(raw, spn + 2 * MIB);
		}
		ibv_dereg_mr(mr);
	}
	ratio(b, "mirror_bytes_per_page", explicit_bpp, "<=16 (6.1: 16, 6.16: 8)");
	ratio(b, "implicit_kept_after_munmap", kept,
	      "<=0.25 (mirrors of unmapped chunks freed; upstream: no implicit ODP)");
}

/* ---- 6. fault latency distribution ------------------------------------- */

static void bench_faultlat(struct bench *b)
{
	const size_t npages = b->quick ? 64 : 512;
	const int reps = b->quick ? 1 : 3;
	const size_t msgs[] = { 4 * KIB, 64 * KIB };
	const enum ibv_wr_opcode ops[] = { IBV_WR_RDMA_WRITE, IBV_WR_RDMA_READ };
	double worst50 = 0, worst99 = 0;
	size_t mi, oi;

	table(b, "faultlat", "latency of one operation, usec",
	      "op msg kind samples p50 p99 p50/warm p99/warm");
	printf("# one operation at a time onto pages not yet in the mirror "
	       "(cold: untouched memory; cold_touched: CPU-touched), against the "
	       "same pages warm and pinned\n");
	for (oi = 0; oi < 2; oi++)
		for (mi = 0; mi < 2; mi++) {
			enum ibv_wr_opcode op = ops[oi];
			size_t msg = msgs[mi], len = npages * PAGE;
			size_t nops = len / msg, n = nops * reps, i;
			double *s[4], res[4][2];
			static const char *const kinds[4] = {
				"pinned", "odp_warm", "odp_cold", "odp_cold_touched" };
			int r, k;

			for (k = 0; k < 4; k++)
				s[k] = calloc(n, sizeof(double));
			for (r = 0; r < reps; r++) {
				uint8_t *m;
				struct ibv_mr *mr;

				/* pinned */
				if (fresh(b, len, false, 1, &m, &mr))
					goto fail;
				for (i = 0; i < nops; i++)
					s[0][r * nops + i] = one_op(&b->p, op, m + i * msg,
								    msg, mr->rkey);
				drop(m, len, mr);
				/* cold, then warm */
				if (fresh(b, len, true, 0, &m, &mr))
					goto fail;
				for (i = 0; i < nops; i++)
					s[2][r * nops + i] = one_op(&b->p, op, m + i * msg,
								    msg, mr->rkey);
				for (i = 0; i < nops; i++)
					s[1][r * nops + i] = one_op(&b->p, op, m + i * msg,
								    msg, mr->rkey);
				drop(m, len, mr);
				if (fresh(b, len, true, 1, &m, &mr))
					goto fail;
				for (i = 0; i < nops; i++)
					s[3][r * nops + i] = one_op(&b->p, op, m + i * msg,
								    msg, mr->rkey);
				drop(m, len, mr);
			}
			for (k = 0; k < 4; k++) {
				for (i = 0; i < n; i++)
					if (s[k][i] < 0)
						goto fail;
				res[k][0] = pct(s[k], n, 50);
				res[k][1] = pct(s[k], n, 99);
			}
			for (k = 0; k < 4; k++)
				row(b, "%s %zu %s %zu %s %s %s %s", op_name(op), msg,
				    kinds[k], n, num(res[k][0], 1), num(res[k][1], 1),
				    num(res[k][0] / res[1][0], 2),
				    num(res[k][1] / res[1][1], 2));
			if (res[2][0] / res[1][0] > worst50)
				worst50 = res[2][0] / res[1][0];
			if (res[2][1] / res[1][1] > worst99)
				worst99 = res[2][1] / res[1][1];
			for (k = 0; k < 4; k++)
				free(s[k]);
			continue;
fail:
			for (k = 0; k < 4; k++)
				free(s[k]);
			warn_fail(b, "faultlat");
			return;
		}
	ratio(b, "fault_p50/warm_p50_max", worst50, "(lower is better)");
	ratio(b, "fault_p99/warm_p99_max", worst99, "(lower is better)");
}

/* ---- 7. invalidation latency under traffic ------------------------------ */

/**
 * struct traffic - RDMA WRITEs and READs over a region until told to stop
 * @p:		its own QP pair (the measuring thread keeps the other)
 * @m:		the region
 * @len:	its length
 * @rkey:	its ODP MR, of @p's PD
 * @stop:	set by the measuring thread
 * @running:	set by the traffic thread once it started
 * @bytes:	moved
 * @ns:		in how long
 * @error:	an operation failed
 */
struct traffic {
	struct odp_pair *p;
	uint8_t *m;
	size_t len;
	uint32_t rkey;
	atomic_bool stop;
	atomic_bool running;
	uint64_t bytes;
	int64_t ns;
	bool error;
};

static void *traffic_run(void *arg)
{
	struct traffic *t = arg;
	const size_t msg = 64 * KIB;
	size_t posted = 0, done = 0, off = 0;
	int64_t t0 = now_ns(), last = t0;
	int n;

	atomic_store(&t->running, true);
	while (!atomic_load(&t->stop) || done < posted) {
		while (!atomic_load(&t->stop) && posted - done < DEPTH) {
			if (post(t->p, posted & 1 ? IBV_WR_RDMA_READ :
				 IBV_WR_RDMA_WRITE, off % ODP_SCRATCH, msg,
				 (uintptr_t)t->m + off, t->rkey, posted)) {
				t->error = true;
				goto out;
			}
			off = (off + msg) % t->len;
			posted++;
		}
		n = reap(t->p, (int)(posted - done), &last);
		if (n < 0) {
			t->error = true;
			goto out;
		}
		done += n;
	}
out:
	t->bytes = done * msg;
	t->ns = now_ns() - t0;
	return NULL;
}

enum { T_IDLE, T_ELSEWHERE, T_SAME, T_NUM };
static const char *const modes[T_NUM] = { "none", "other_region",
					  "this_region" };

/* The ODP core's lock-time histograms (kernel/ib_odp_latency.c). */
#define KLAT_PARAM "/sys/module/rdma_rxe_odp/parameters/odp_latency"
enum {
	KL_INVAL_WAIT, KL_INVAL, KL_COPY_HOLD, KL_INSTALL_HOLD, KL_FAULT_MMAP,
	KL_NUM
};
static const char *const klat_names[KL_NUM] = {
	"inval_wait", "inval", "copy_hold", "install_hold", "fault_mmap_hold",
};

/* One histogram as the kernel reports it; times in usec, NAN if none. */
struct klat {
	double count, max, p50, p99;
};

/* Reset and start (@on) or stop the kernel's lock timing. */
static int klat_switch(bool on)
{
	FILE *f = fopen(KLAT_PARAM, "w");

	if (!f)
		return -1;
	fputs(on ? "1\n" : "0\n", f);
	return fclose(f) ? -1 : 0;
}

/* Read the histograms into @k; -1 (all NAN) if the module has none. */
static int klat_read(struct klat k[KL_NUM])
{
	char name[32];
	unsigned long long c, sum, mx, p50, p90, p99, p999;
	FILE *f = fopen(KLAT_PARAM, "r");
	int i, found = 0;

	for (i = 0; i < KL_NUM; i++)
		k[i] = (struct klat){ NAN, NAN, NAN, NAN };
	if (!f)
		return -1;
	while (fscanf(f, "%31s %llu %llu %llu %llu %llu %llu %llu", name, &c,
		      &sum, &mx, &p50, &p90, &p99, &p999) == 8) {
		for (i = 0; i < KL_NUM; i++) {
			if (strcmp(name, klat_names[i]))
				continue;
			k[i].count = c;
			k[i].max = c ? mx / 1000.0 : NAN;
			k[i].p50 = c ? p50 / 1000.0 : NAN;
			k[i].p99 = c ? p99 / 1000.0 : NAN;
			found++;
		}
	}
	fclose(f);
	return found == KL_NUM ? 0 : -1;
}

/* Invalidate [m, m + len): MADV_DONTNEED, or a new mapping in its place. */
static int invalidate(uint8_t *m, size_t len, bool unmap)
{
	if (unmap)
		return mmap(m, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		       MAP_FAILED;
	return madvise(m, len, MADV_DONTNEED);
}

/*
 * One row: @iters timed invalidations of an ODP region with traffic
 * nowhere (T_IDLE), on another region (T_ELSEWHERE) or on this one
 * (T_SAME). Fills @p50, @p99, @mx (usec) and @rate (the traffic's MB/s),
 * and @k with the kernel's lock times over the series.
 * Return: 0, or -1 when setup, the traffic or an invalidation failed.
 */
static int inv_series(struct bench *b, struct odp_pair *p2, bool unmap,
		      int mode, int iters, double *p50, double *p99,
		      double *mx, double *rate, struct klat k[KL_NUM])
{
	const size_t len = 256 * KIB;
	struct odp_pair *own = mode == T_SAME ? p2 : &b->p;
	uint8_t *m = map(len), *other = NULL;
	struct ibv_mr *mr = NULL, *omr = NULL;
	struct traffic t = { .p = p2, .len = len };
	double *s = calloc(iters, sizeof(double));
	bool fail = false, started = false;
	pthread_t th;
	int i;

	*rate = NAN;
	if (!m || !s)
		goto out;
	touch(m, len);
	mr = ibv_reg_mr(own->pd, m, len, ODP_ACCESS);
	if (!mr)
		goto out;
	t.m = m;
	t.rkey = mr->rkey;
	if (mode == T_ELSEWHERE) {
		other = map(len);
		if (!other)
			goto out;
		touch(other, len);
		omr = ibv_reg_mr(p2->pd, other, len, ODP_ACCESS);
		if (!omr)
			goto out;
		t.m = other;
		t.rkey = omr->rkey;
	}
	if (mode != T_IDLE) {
		if (pthread_create(&th, NULL, traffic_run, &t))
			goto out;
		started = true;
		while (!atomic_load(&t.running))
			sched_yield();
	}
	klat_switch(true);
	for (i = 0; i < iters && !fail; i++) {
		struct timespec gap = { 0, (1 + rand() % 3) * 1000000L };
		int64_t t0;

		if (mode != T_SAME)	/* the whole region mirrored again */
			fail = xfer(&b->p, IBV_WR_RDMA_READ, m, len, 64 * KIB,
				    mr->rkey) < 0;
		nanosleep(&gap, NULL);
		t0 = now_ns();
		fail |= invalidate(m, len, unmap) != 0;
		s[i] = (now_ns() - t0) / 1000.0;
	}
	klat_read(k);
	klat_switch(false);
	if (started) {
		atomic_store(&t.stop, true);
		pthread_join(th, NULL);
		fail |= t.error;
		if (t.bytes)
			*rate = mbps(t.bytes, t.ns);
	}
	if (!fail) {
		*mx = pct(s, iters, 100);
		*p99 = pct(s, iters, 99);
		*p50 = pct(s, iters, 50);
	}
out:
	if (omr)
		ibv_dereg_mr(omr);
	if (mr)
		ibv_dereg_mr(mr);
	if (other)
		munmap(other, len);
	if (m)
		munmap(m, len);
	free(s);
	return (!mr || fail || (mode == T_ELSEWHERE && !omr) ||
		(mode != T_IDLE && !started)) ? -1 : 0;
}

/*
 * Item 7 as the ODP core saw it: the kernel's lock times of each series
 * of bench_invtraffic() (@k: [munmap][traffic mode]), and how the longest
 * wait for the mirror lock compares with the longest copy holding it.
 */
static void klat_table(struct bench *b, struct klat k[2][T_NUM][KL_NUM])
{
	double kworst = NAN;
	int o, mode;

	table(b, "invlock",
	      "the same runs seen by the ODP core: mirror lock times, usec",
	      "op traffic invalidations wait_p50 wait_p99 wait_max "
	      "callback_p99 copies copy_hold_p50 copy_hold_p99 copy_hold_max "
	      "install_hold_p99 install_hold_max fault_mmap_p99 "
	      "fault_mmap_max");
	printf("# wait: an invalidation waiting for the mirror lock; callback: "
	       "the whole invalidation (wait and zap);\n# copy_hold: one "
	       "packet's copy holding the lock; install_hold: a fault "
	       "installing its pages;\n# fault_mmap: hmm_range_fault() holding "
	       "the mmap lock, which munmap waits for (kernel/ib_odp_latency.c)"
	       "\n");
	for (o = 0; o < 2; o++) {
		for (mode = 0; mode < T_NUM; mode++) {
			struct klat *q = k[o][mode];

			row(b, "%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s",
			    o ? "munmap" : "madv_dontneed", modes[mode],
			    num(q[KL_INVAL_WAIT].count, 0),
			    num(q[KL_INVAL_WAIT].p50, 2),
			    num(q[KL_INVAL_WAIT].p99, 2),
			    num(q[KL_INVAL_WAIT].max, 2),
			    num(q[KL_INVAL].p99, 2),
			    num(q[KL_COPY_HOLD].count, 0),
			    num(q[KL_COPY_HOLD].p50, 2),
			    num(q[KL_COPY_HOLD].p99, 2),
			    num(q[KL_COPY_HOLD].max, 2),
			    num(q[KL_INSTALL_HOLD].p99, 2),
			    num(q[KL_INSTALL_HOLD].max, 2),
			    num(q[KL_FAULT_MMAP].p99, 2),
			    num(q[KL_FAULT_MMAP].max, 2));
		}
		/* A wait with no copy to wait for has no ratio. */
		if (k[o][T_SAME][KL_COPY_HOLD].max > 0 &&
		    !(k[o][T_SAME][KL_INVAL_WAIT].max /
		      k[o][T_SAME][KL_COPY_HOLD].max <= kworst))
			kworst = k[o][T_SAME][KL_INVAL_WAIT].max /
				 k[o][T_SAME][KL_COPY_HOLD].max;
	}
	ratio(b, "kernel_inval_wait_max/copy_hold_max", kworst,
	      "<=1 (waits for one copy at most)");
}

static void bench_invtraffic(struct bench *b)
{
	const int iters = b->quick ? 20 : 300;
	double worst = 0, excess = 0, packet_us = NAN;
	struct klat k[2][T_NUM][KL_NUM];
	struct odp_pair p2;
	int o, mode;

	table(b, "invtraffic",
	      "invalidation time while RDMA traffic uses the range, usec",
	      "op traffic samples p50 p99 max traffic_MBps p99/other_region_p99");
	printf("# 256 KiB ODP region; traffic (a second QP pair): 64 KiB RDMA "
	       "WRITEs and READs, %d in flight, sweeping this region or another "
	       "one (same CPU load, no shared range);\n# without traffic on "
	       "it, the region is mirrored again before each call\n# munmap: "
	       "the range replaced by mmap MAP_FIXED (unmapped and mapped anew "
	       "in one call: traffic never meets a hole)\n", DEPTH);
	if (odp_pair_open(&p2)) {
		odp_pair_close(&p2);
		warn_fail(b, "invtraffic: second QP pair");
		return;
	}
	for (o = 0; o < 2; o++) {
		double p50[T_NUM], p99[T_NUM], mx[T_NUM], rate[T_NUM];

		for (mode = 0; mode < T_NUM; mode++) {
			if (inv_series(b, &p2, o, mode, iters, &p50[mode],
				       &p99[mode], &mx[mode], &rate[mode],
				       k[o][mode])) {
				warn_fail(b, "invtraffic: traffic or invalidation");
				odp_pair_close(&p2);
				return;
			}
			row(b, "%s %s %d %s %s %s %s %s",
			    o ? "munmap" : "madv_dontneed", modes[mode], iters,
			    num(p50[mode], 1), num(p99[mode], 1), num(mx[mode], 1),
			    num(rate[mode], 1),
			    mode ? num(p99[mode] / p99[T_ELSEWHERE], 2) : "-");
		}
		if (p99[T_SAME] / p99[T_ELSEWHERE] > worst)
			worst = p99[T_SAME] / p99[T_ELSEWHERE];
		if (p99[T_SAME] - p99[T_ELSEWHERE] > excess)
			excess = p99[T_SAME] - p99[T_ELSEWHERE];
		if (isnan(packet_us) && rate[T_SAME] > 0)
			packet_us = MTU / rate[T_SAME];
	}
	odp_pair_close(&p2);
	printf("# one packet (%d bytes) at the traffic's rate: %s usec; p99 "
	       "beyond traffic elsewhere: %s usec\n", MTU, num(packet_us, 2),
	       num(excess, 1));
	ratio(b, "inval_p99_this/other_region_max", worst, "(1: never waits)");
	ratio(b, "inval_p99_wait/packet_time", excess / packet_us, "<=1");

	klat_table(b, k);
}

/* ---- main ------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(struct bench *b);
} tests[] = {
	{ "cold", bench_cold },
	{ "reg", bench_reg },
	{ "inval", bench_inval },
	{ "mem", bench_mem },
	{ "faultlat", bench_faultlat },
	{ "invtraffic", bench_invtraffic },
};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: odp_bench [--quick] [--out DIR] [TEST...]\ntests:");
	for (i = 0; i < NTESTS; i++)
		fprintf(f, " %s", tests[i].name);
	fprintf(f, " (default: all)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { 0 };
	bool want[NTESTS] = { 0 }, any = false;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "qo:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': b.quick = true; break;
		case 'o': b.outdir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (; optind < argc; optind++) {
		for (i = 0; i < NTESTS; i++)
			if (!strcmp(argv[optind], tests[i].name))
				break;
		if (i == NTESTS) {
			fprintf(stderr, "odp_bench: unknown test '%s'\n", argv[optind]);
			usage(stderr);
			return 2;
		}
		want[i] = any = true;
	}
	if (b.outdir) {
		char path[512];

		snprintf(path, sizeof(path), "%s/ratios.tsv", b.outdir);
		if (unlink(path) && errno != ENOENT) {
			perror(path);
			return 2;
		}
	}
	if (odp_pair_open(&b.p)) {
		fprintf(stderr, "odp_bench: cannot open the device and a QP pair "
			"($RXE_ODP_DEV, $RXE_ODP_GID_INDEX)\n");
		odp_pair_close(&b.p);
		return 2;
	}
	if (!odp_pair_has_odp(&b.p, IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ)) {
		fprintf(stderr, "odp_bench: %s has no ODP for RC WRITE and READ\n",
			ibv_get_device_name(b.p.ctx->device));
		odp_pair_close(&b.p);
		return 77;
	}
	snprintf(b.counters, sizeof(b.counters),
		 "/sys/class/infiniband/%s/ports/1/hw_counters",
		 ibv_get_device_name(b.p.ctx->device));
	b.memstat = find_memstat();
	printf("odp_bench: %s, %s mode\n", ibv_get_device_name(b.p.ctx->device),
	       b.quick ? "quick" : "full");
	for (i = 0; i < NTESTS; i++)
		if (!any || want[i])
			tests[i].fn(&b);
	if (b.tsv)
		fclose(b.tsv);
	free(b.memstat);
	odp_pair_close(&b.p);
	return b.failed ? 1 : 0;
}
