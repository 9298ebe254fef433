// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Lock-wait and lock-hold times of the ODP core, for the benchmarks.
 *
 * The design promise of the mirror lock is that an invalidation waits for
 * at most the one access in flight on its mirror. These histograms let a
 * benchmark check it from the kernel's side, where a userspace timing of
 * munmap() also sees the mmap lock, TLB flushes and the scheduler:
 *
 *	inval_wait	an invalidation's wait for the mirror lock
 *	inval		the whole invalidation callback (wait and zap)
 *	copy_hold	the mirror lock held by one copy (one packet)
 *	install_hold	the mirror lock held by a fault installing its pages
 *	fault_mmap_hold	the mmap lock held (for read) by hmm_range_fault(),
 *			which munmap() and mmap() wait for
 *
 * Off by default; then each recording point costs one load of a flag
 * and a branch. (Not a static key: switching one patches the code of
 * every recording point while other CPUs may run it, and under qemu's TCG
 * a vCPU once still ran the int3 of a finished patch in odp_fault_range()
 * on 6.12, an oops.)
 * The module parameter odp_latency switches them:
 *
 *	echo 1 > /sys/module/rdma_rxe_odp/parameters/odp_latency  # reset, on
 *	echo 0 > /sys/module/rdma_rxe_odp/parameters/odp_latency  # off
 *	cat /sys/module/rdma_rxe_odp/parameters/odp_latency
 *
 * Reading gives one line per histogram:
 *	name count sum_ns max_ns p50_ns p90_ns p99_ns p999_ns
 * Percentiles are the upper bounds of buckets 1/8 of an octave wide (so
 * within 12.5% above the true value), never above max_ns.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>

#include "ib_odp.h"

/* Recording is on; written under odp_lat_mutex, read without a lock. */
bool ib_odp_lat_on;

/* 8 buckets per power of two: index = octave * 8 + the 3 bits after the msb */
#define LAT_SUB_BITS	3
#define LAT_SUB		BIT(LAT_SUB_BITS)
#define LAT_BUCKETS	(LAT_SUB * (64 - LAT_SUB_BITS + 1))

/**
 * struct odp_lat_hist - one latency distribution
 * @count:	samples
 * @sum:	their total, ns
 * @max:	the largest, ns
 * @buckets:	samples per bucket (see lat_bucket())
 *
 * All lock-free; a reset while samples land may keep or lose those.
 */
struct odp_lat_hist {
	atomic64_t count;
	atomic64_t sum;
	atomic64_t max;
	atomic64_t buckets[LAT_BUCKETS];
};

static struct odp_lat_hist odp_lat[IB_ODP_LAT_NUM];

static const char *const odp_lat_names[IB_ODP_LAT_NUM] = {
	[IB_ODP_LAT_INVAL_WAIT] = "inval_wait",
	[IB_ODP_LAT_INVAL] = "inval",
	[IB_ODP_LAT_COPY_HOLD] = "copy_hold",
	[IB_ODP_LAT_INSTALL_HOLD] = "install_hold",
	[IB_ODP_LAT_FAULT_MMAP_HOLD] = "fault_mmap_hold",
};

/* Serializes switching and resetting (not recording). */
static DEFINE_MUTEX(odp_lat_mutex);

static unsigned int lat_bucket(u64 ns)
{
	unsigned int msb;

	if (ns < LAT_SUB)
		return ns;
	msb = fls64(ns) - 1;
	return (msb - LAT_SUB_BITS + 1) * LAT_SUB +
	       ((ns >> (msb - LAT_SUB_BITS)) & (LAT_SUB - 1));
}

/* The largest value that falls in bucket @i. */
static u64 lat_bucket_top(unsigned int i)
{
	unsigned int octave = i / LAT_SUB, sub = i % LAT_SUB;

	if (i < LAT_SUB)
		return i;
	return ((u64)(LAT_SUB + sub + 1) << (octave - 1)) - 1;
}

/**
 * __ib_odp_lat_record() - add one sample; use ib_odp_lat_record()
 * @k:	the histogram
 * @t0:	ktime_get_ns() at the start of the interval
 */
void __ib_odp_lat_record(enum ib_odp_lat k, u64 t0)
{
	struct odp_lat_hist *h = &odp_lat[k];
	u64 ns = ktime_get_ns() - t0;
	s64 old = atomic64_read(&h->max);

	atomic64_inc(&h->count);
	atomic64_add(ns, &h->sum);
	atomic64_inc(&h->buckets[lat_bucket(ns)]);
	while (ns > old && !atomic64_try_cmpxchg(&h->max, &old, ns))
		;
}

static void odp_lat_reset(void)
{
	unsigned int k, i;

	for (k = 0; k < IB_ODP_LAT_NUM; k++) {
		atomic64_set(&odp_lat[k].count, 0);
		atomic64_set(&odp_lat[k].sum, 0);
		atomic64_set(&odp_lat[k].max, 0);
		for (i = 0; i < LAT_BUCKETS; i++)
			atomic64_set(&odp_lat[k].buckets[i], 0);
	}
}

/* The smallest bucket top with at least @q/1000 of the samples at or below. */
static u64 odp_lat_pct(struct odp_lat_hist *h, u64 count, u64 max,
		       unsigned int q)
{
	u64 want = DIV_ROUND_UP(count * q, 1000), seen = 0;
	unsigned int i;

	for (i = 0; i < LAT_BUCKETS; i++) {
		seen += atomic64_read(&h->buckets[i]);
		if (seen >= want)
			return min(lat_bucket_top(i), max);
	}
	return max;
}

static int odp_lat_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&odp_lat_mutex);
	/*
	 * A recording that started before the reset may still land after
	 * it, as it could with the static key this replaced: one sample.
	 */
	WRITE_ONCE(ib_odp_lat_on, false);
	if (on) {
		odp_lat_reset();
		WRITE_ONCE(ib_odp_lat_on, true);
	}
	mutex_unlock(&odp_lat_mutex);
	return 0;
}

static int odp_lat_get(char *buf, const struct kernel_param *kp)
{
	int len = 0;
	unsigned int k;

	for (k = 0; k < IB_ODP_LAT_NUM; k++) {
		struct odp_lat_hist *h = &odp_lat[k];
		u64 count = atomic64_read(&h->count);
		u64 max = atomic64_read(&h->max);

		len += scnprintf(buf + len, PAGE_SIZE - len,
				 "%s %llu %llu %llu %llu %llu %llu %llu\n",
				 odp_lat_names[k], count,
				 (u64)atomic64_read(&h->sum), max,
				 odp_lat_pct(h, count, max, 500),
				 odp_lat_pct(h, count, max, 900),
				 odp_lat_pct(h, count, max, 990),
				 odp_lat_pct(h, count, max, 999));
	}
	return len;
}

static const struct kernel_param_ops odp_lat_ops = {
	.set = odp_lat_set,
	.get = odp_lat_get,
};

module_param_cb(odp_latency, &odp_lat_ops, NULL, 0644);
MODULE_PARM_DESC(odp_latency,
		 "write 1: reset and record ODP lock wait/hold times, 0: stop; read: name count sum max p50 p90 p99 p999 (ns)");
