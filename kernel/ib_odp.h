/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * ib_odp: a driver-agnostic on-demand-paging mirror for software RDMA
 * devices.
 *
 * An ODP memory region pins nothing. The device keeps a mirror of the
 * process page table for the region: one entry per page, filled by the
 * page-fault path (hmm_range_fault) when the device first touches a page,
 * and cleared by an mmu interval notifier whenever the CPU side unmaps,
 * migrates, swaps, write-protects or frees the page.
 *
 * ib_odp_umem.c      the mirror and the fault path
 * ib_odp_notifier.c  the invalidation side and teardown
 * ib_odp_space.c     a region's mirrors: one per touched 2 MiB chunk of
 *                    the region (explicit ODP) or of the address space
 *                    (implicit ODP)
 * ib_odp_latency.c   lock wait/hold histograms for the benchmarks
 *
 * A software device reads and writes the mirrored pages with the CPU, so
 * there is no DMA mapping: an entry is a page frame number and three flag
 * bits, 8 bytes per page of the region.
 */
#ifndef IB_ODP_H
#define IB_ODP_H

#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/xarray.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/timekeeping.h>
#include <linux/wait_bit.h>
#include <linux/seqlock.h>
#include <linux/workqueue.h>

/* Mirror entry: pfn << PAGE_SHIFT | flags; 0 is "not mirrored". */
#define IB_ODP_PRESENT	BIT(0)	/* the page may be read */
#define IB_ODP_WRITABLE	BIT(1)	/* the page may be written */
#define IB_ODP_DIRTY	BIT(2)	/* the device wrote it: dirty on zap */

/**
 * enum ib_odp_counter - what a mirror did, in the terms mlx5 reports
 * @IB_ODP_PAGE_FAULTS:	pages the fault path brought into the mirror
 * @IB_ODP_PAGE_FAULTS_HANDLED:	fault requests completed (each >= 1 page)
 * @IB_ODP_PAGE_INVALIDATIONS:	mirrored pages an invalidation removed
 * @IB_ODP_PAGE_INVALIDATIONS_HANDLED:	invalidations of the mirror's range
 * @IB_ODP_PAGE_PREFETCH:	pages brought in by prefetch (advise_mr)
 * @IB_ODP_NUM_COUNTERS:	number of counters
 */
enum ib_odp_counter {
	IB_ODP_PAGE_FAULTS,
	IB_ODP_PAGE_FAULTS_HANDLED,
	IB_ODP_PAGE_INVALIDATIONS,
	IB_ODP_PAGE_INVALIDATIONS_HANDLED,
	IB_ODP_PAGE_PREFETCH,
	IB_ODP_NUM_COUNTERS
};

/* Their names, as `rdma statistic` shows them (mlx5's). */
extern const char *const ib_odp_counter_names[IB_ODP_NUM_COUNTERS];

/**
 * struct ib_odp_mirror - the device's view of one ODP region
 * @notifier:	mmu interval notifier over [@start, @start + @npages pages)
 * @lock:	serializes @entries against the invalidation callback. The
 *		data path holds it across each access to mirrored pages (one
 *		packet's copy, one atomic, or 16 pages of a visit such as a
 *		persistent FLUSH: ib_odp_visit()), so an invalidation never
 *		returns while the device still reads or writes a page of its
 *		range, and waits for at most the accesses already holding or
 *		queued on it. A spinlock: nothing done under it sleeps, so a
 *		waiting invalidation spins for a copy instead of sleeping and
 *		being woken, and the copy path has no preemption point. Never
 *		held while faulting (the fault path takes the mmap lock, which
 *		invalidations may hold).
 * @entries:	one per page, under @lock
 * @mapped:	entries that map a page (non-zero), under @lock
 * @emptied:	called after an invalidation that leaves no entry mapped
 *		(@mapped 0), with @lock not held, from the notifier callback:
 *		must not sleep. NULL: nothing to do. The mirror's owner may
 *		then free it once no access uses it (an implicit region's
 *		chunks, ib_odp_space.c); the callback may run until the
 *		notifier is removed (ib_odp_mirror_destroy()).
 * @addr:	user address the region was registered with (not aligned)
 * @length:	length in bytes of the region
 * @start:	@addr rounded down to a page
 * @npages:	pages mirrored
 * @writable:	the region may be written (faults ask for write access)
 * @counters:	this mirror's statistics (enum ib_odp_counter), lock-free
 * @totals:	the device's statistics, the same counters, or NULL
 * @ahead_next:	where the last fault (with its fault-ahead) ended
 * @ahead_pages: pages the last fault brought in from its first missing
 *		page (0 when it failed). Both are hints of the fault path,
 *		read and written without a lock: a race costs one smaller
 *		fault, nothing else.
 */
struct ib_odp_mirror {
	struct mmu_interval_notifier notifier;
	spinlock_t lock;
	unsigned long *entries;
	unsigned long mapped;
	void (*emptied)(struct ib_odp_mirror *m);
	unsigned long addr;
	size_t length;
	unsigned long start;
	unsigned long npages;
	bool writable;
	atomic64_t counters[IB_ODP_NUM_COUNTERS];
	atomic64_t *totals;
	unsigned long ahead_next;
	unsigned long ahead_pages;
};

/* The mirror's footprint per page, as reported by the benchmarks. */
#define IB_ODP_BYTES_PER_PAGE	sizeof(unsigned long)

/*
 * Implicit ODP mirrors the address space in chunks of this size, each
 * with its own notifier: 2 MiB, so a chunk's mirror is one 4 KiB page.
 */
#define IB_ODP_CHUNK_SHIFT	21
#define IB_ODP_CHUNK_SIZE	(1UL << IB_ODP_CHUNK_SHIFT)

struct odp_chunk;

/**
 * struct ib_odp_space - what a device sees through one ODP region
 * @mm:		the address space (mmgrab'ed)
 * @addr:	user address of the region's first byte (0 when implicit)
 * @end:	user address just past its last (TASK_SIZE_MAX when implicit)
 * @writable:	the device may write
 * @totals:	device-wide counters, or NULL
 * @chunks:	the region's parts in each IB_ODP_CHUNK_SIZE chunk of the
 *		address space, by address >> IB_ODP_CHUNK_SHIFT (struct
 *		odp_chunk, ib_odp_space.c), made on first touch. Lookups
 *		take no lock (RCU); a chunk is freed at the earliest after a
 *		grace period. XA_MARK_0: invalidated to empty, to be reaped.
 * @chunk_lock:	serializes chunk creation and removal
 * @chunks_seq:	@chunks and @retired change together under it (a chunk
 *		removed before ib_odp_space_destroy() adds its counters to
 *		@retired), so a reader of a counter neither misses the chunk
 *		nor counts it twice
 * @retired:	counters of the chunks removed so far
 * @reap_empty:	free a chunk once an invalidation left it empty and no
 *		access uses it (implicit regions, whose chunks are not bounded
 *		by the region's size; mlx5 frees idle implicit children too)
 * @reap_off:	set by ib_odp_space_destroy(), under @chunk_lock: @reap stops
 * @reap:	frees the chunks marked empty (odp_space_reap())
 * @users:	accesses, faults and prefetches using the space now, plus
 *		asynchronous prefetches queued on it (ib_odp_space_enter()).
 *		Its mirrors are not freed while it is non-zero: a fault may
 *		sleep in hmm_range_fault() for as long as the memory's backing
 *		store takes (a FUSE daemon that does not answer, a hard NFS
 *		mount), so nothing bounds how long that is.
 * @dying:	set once by ib_odp_space_revoke(): no new user may enter,
 *		and prefetches stop at their next chunk. Read without a lock
 *		(READ_ONCE), ordered against @users by full barriers.
 * @async:	asynchronous prefetches queued or running on the space,
 *		bounded by the caller of ib_odp_space_async_get()
 * @last:	explicit regions: the chunk of the latest lookup (struct
 *		odp_chunk), published with release semantics; it lives as
 *		long as the space, whose users look it up without a reference
 */
struct ib_odp_space {
	struct mm_struct *mm;
	unsigned long addr;
	unsigned long end;
	bool writable;
	atomic64_t *totals;
	struct xarray chunks;
	struct mutex chunk_lock;
	seqcount_mutex_t chunks_seq;
	atomic64_t retired[IB_ODP_NUM_COUNTERS];
	bool reap_empty;
	bool reap_off;
	struct delayed_work reap;
	atomic_t users;
	bool dying;
	atomic_t async;
	struct odp_chunk *last;
};

/* ib_odp_space.c */
int ib_odp_space_init_explicit(struct ib_odp_space *s, struct mm_struct *mm,
			       unsigned long addr, size_t length,
			       bool writable, atomic64_t *totals);
int ib_odp_space_init_implicit(struct ib_odp_space *s, struct mm_struct *mm,
			       bool writable, atomic64_t *totals);
void ib_odp_space_revoke(struct ib_odp_space *s);
void ib_odp_space_destroy(struct ib_odp_space *s);
bool ib_odp_space_enter(struct ib_odp_space *s);
void ib_odp_space_exit(struct ib_odp_space *s);
bool ib_odp_space_async_get(struct ib_odp_space *s, int max);
void ib_odp_space_async_put(struct ib_odp_space *s);
int ib_odp_space_copy(struct ib_odp_space *s, unsigned long addr, void *buf,
		      size_t length, bool to_space, size_t extent, bool fault);
struct ib_odp_mirror *ib_odp_space_lock(struct ib_odp_space *s,
					unsigned long addr, size_t length,
					bool write, bool fault);
void ib_odp_space_unlock(struct ib_odp_mirror *m);
unsigned long ib_odp_space_chunks(struct ib_odp_space *s);
u64 ib_odp_space_counter(struct ib_odp_space *s, enum ib_odp_counter c);
int ib_odp_space_prefetch(struct ib_odp_space *s, unsigned long addr,
			  size_t length, bool write, bool fault);
int ib_odp_space_visit(struct ib_odp_space *s, unsigned long addr,
		       size_t length, bool write,
		       void (*fn)(void *kaddr, size_t n, void *arg), void *arg);

/* ib_odp_umem.c */
int ib_odp_mirror_init(struct ib_odp_mirror *m, struct mm_struct *mm,
		       unsigned long addr, size_t length, bool writable,
		       atomic64_t *totals);
void ib_odp_mirror_destroy(struct ib_odp_mirror *m);
int ib_odp_map_and_lock(struct ib_odp_mirror *m, unsigned long addr,
			size_t length, bool write, unsigned long op_end,
			bool fault);
void *ib_odp_kaddr(struct ib_odp_mirror *m, unsigned long addr, bool write);
int ib_odp_copy(struct ib_odp_mirror *m, unsigned long addr, void *buf,
		size_t length, bool to_mirror, unsigned long op_end, bool fault);
int ib_odp_prefetch(struct ib_odp_mirror *m, unsigned long addr,
		    size_t length, bool write, bool fault);
int ib_odp_visit(struct ib_odp_mirror *m, unsigned long addr, size_t length,
		 bool write, void (*fn)(void *kaddr, size_t n, void *arg),
		 void *arg);

/* ib_odp_notifier.c */
extern const struct mmu_interval_notifier_ops ib_odp_notifier_ops;
void ib_odp_zap(struct ib_odp_mirror *m, unsigned long start,
		unsigned long end);

static inline void ib_odp_unlock(struct ib_odp_mirror *m)
{
	spin_unlock(&m->lock);
}

/* Count @n events on the mirror and on the device's totals. */
static inline void ib_odp_count(struct ib_odp_mirror *m,
				enum ib_odp_counter c, u64 n)
{
	atomic64_add(n, &m->counters[c]);
	if (m->totals)
		atomic64_add(n, &m->totals[c]);
}

/**
 * enum ib_odp_lat - what ib_odp_latency.c times
 * @IB_ODP_LAT_INVAL_WAIT:	an invalidation waiting for the mirror lock
 * @IB_ODP_LAT_INVAL:		a whole invalidation callback
 * @IB_ODP_LAT_COPY_HOLD:	a copy holding the mirror lock
 * @IB_ODP_LAT_INSTALL_HOLD:	a fault holding it to install its pages
 * @IB_ODP_LAT_FAULT_MMAP_HOLD:	a fault holding the mmap lock (for read)
 * @IB_ODP_LAT_NUM:		number of histograms
 */
enum ib_odp_lat {
	IB_ODP_LAT_INVAL_WAIT,
	IB_ODP_LAT_INVAL,
	IB_ODP_LAT_COPY_HOLD,
	IB_ODP_LAT_INSTALL_HOLD,
	IB_ODP_LAT_FAULT_MMAP_HOLD,
	IB_ODP_LAT_NUM
};

extern bool ib_odp_lat_on;
void __ib_odp_lat_record(enum ib_odp_lat k, u64 t0);

/* Start of a timed interval: 0 when timing is off. */
static inline u64 ib_odp_lat_start(void)
{
	if (unlikely(READ_ONCE(ib_odp_lat_on)))
		return ktime_get_ns();
	return 0;
}

/* End of an interval that ib_odp_lat_start() began. */
static inline void ib_odp_lat_record(enum ib_odp_lat k, u64 t0)
{
	if (t0)
		__ib_odp_lat_record(k, t0);
}

/**
 * struct ib_odp_charge - whose memory cgroup an allocation is charged to
 * @memcg:	the process's, held while charging to it
 * @old:	the one that was active before
 */
struct ib_odp_charge {
	struct mem_cgroup *memcg;
	struct mem_cgroup *old;
};

/*
 * Charge what the current task allocates (kernel memory with __GFP_ACCOUNT,
 * page cache, anonymous pages) to @mm's memory cgroup until
 * ib_odp_charge_end(). The device works for the region's process from
 * whatever context it runs in: an rxe worker thread has no mm of its own,
 * and a kworker's charges would go to the root cgroup, beyond the
 * process's limit.
 */
static inline void ib_odp_charge_begin(struct ib_odp_charge *c,
				       struct mm_struct *mm)
{
	c->memcg = get_mem_cgroup_from_mm(mm);
	c->old = set_active_memcg(c->memcg);
}

static inline void ib_odp_charge_end(struct ib_odp_charge *c)
{
	set_active_memcg(c->old);
	mem_cgroup_put(c->memcg);
}

static inline unsigned long ib_odp_end(const struct ib_odp_mirror *m)
{
	return m->start + (m->npages << PAGE_SHIFT);
}

#endif /* IB_ODP_H */
