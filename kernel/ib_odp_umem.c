// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The per-region page mirror of an ODP memory region and its page-fault
 * path.
 *
 * The device looks a page up in the mirror under the mirror's lock. A page
 * that is missing (or read-only, for a write) is faulted in with
 * hmm_range_fault() outside the lock, following Documentation/mm/hmm.rst:
 *
 *	seq = mmu_interval_read_begin()
 *	hmm_range_fault() under mmap_read_lock
 *	take the mirror lock
 *	if mmu_interval_read_retry(seq): an invalidation ran, start again
 *	install the pages
 *
 * The invalidation callback (ib_odp_notifier.c) takes the same lock, sets
 * the sequence and clears entries, so no entry installed here can outlive
 * the CPU mapping it was read from.
 */
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/hmm.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/magic.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "ib_odp.h"

const char *const ib_odp_counter_names[IB_ODP_NUM_COUNTERS] = {
	[IB_ODP_PAGE_FAULTS] = "page_faults",
	[IB_ODP_PAGE_FAULTS_HANDLED] = "page_faults_handled",
	[IB_ODP_PAGE_INVALIDATIONS] = "page_invalidations",
	[IB_ODP_PAGE_INVALIDATIONS_HANDLED] = "page_invalidations_handled",
	[IB_ODP_PAGE_PREFETCH] = "page_prefetch",
};

/* Pages asked of one hmm_range_fault() call at most. */
#define IB_ODP_FAULT_CHUNK	256UL
/*
 * How long one fault may keep losing races against invalidations before
 * it fails for now (-EBUSY). Only retries count: a first try may take as
 * long as the memory's backing store takes. (hmm's own default, which
 * mlx5 has through ib_umem_odp, is 1 s; with it, the fuzzer's fork storm
 * on the debug kernel once left an RDMA READ's completer retrying for
 * over 30 s: each new call faults ahead again before narrowing to the
 * need, and a wide fault there loses most races.)
 */
#define IB_ODP_FAULT_TIMEOUT_MS	10000
/*
 * Pages ib_odp_visit() holds the mirror lock over at most: a visit may
 * span a whole region, and an invalidation waits for the pages it holds.
 */
#define IB_ODP_VISIT_PAGES	16UL

/*
 * Fault injection for the tests of what a device does with a fault that
 * fails for now, not for good (rxe: an RNR NAK, or its task run again;
 * never a QP in error). The next odp_fail_transient faults of the data
 * path (ib_odp_map_and_lock(): copies and atomics, not prefetch) fail
 * without faulting, alternately as a fault that keeps losing to
 * invalidations (-EBUSY) and one that finds memory short (-ENOMEM)
 * would. Root only; 0 (the default) costs one atomic read per
 * fault.
 *
 *	echo 3 > /sys/module/rdma_rxe_odp/parameters/odp_fail_transient
 */
static atomic_t odp_fail_transient = ATOMIC_INIT(0);

static int odp_fail_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n > INT_MAX)
		return -EINVAL;
	atomic_set(&odp_fail_transient, n);
	return 0;
}

static int odp_fail_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&odp_fail_transient));
}

static const struct kernel_param_ops odp_fail_ops = {
	.set = odp_fail_set,
	.get = odp_fail_get,
};
module_param_cb(odp_fail_transient, &odp_fail_ops, NULL, 0600);
MODULE_PARM_DESC(odp_fail_transient,
		 "fail this many data-path page faults as transient (tests)");

/* An injected failure for the fault about to be made, or 0. */
static int odp_injected_failure(void)
{
	int left;

	if (likely(!atomic_read(&odp_fail_transient)))
		return 0;
	left = atomic_dec_if_positive(&odp_fail_transient);
	if (left < 0)
		return 0;
	return left & 1 ? -ENOMEM : -EBUSY;
}

static unsigned long *odp_entry(struct ib_odp_mirror *m, unsigned long addr)
{
	return &m->entries[(addr - m->start) >> PAGE_SHIFT];
}

static struct page *odp_entry_page(unsigned long entry)
{
	return pfn_to_page(entry >> PAGE_SHIFT);
}

/**
 * ib_odp_mirror_init() - set up an empty mirror of a user address range
 * @m:		the mirror, zeroed by the caller
 * @mm:		the address space (the registering process's)
 * @addr:	start of the range, any alignment
 * @length:	bytes, > 0
 * @writable:	whether the device may write the range
 * @totals:	IB_ODP_NUM_COUNTERS device-wide counters to add to, or NULL
 *
 * Pins and faults nothing: memory cost is the mirror itself, 8 bytes per
 * page of the range. Must be called in process context.
 *
 * Return: 0, -EINVAL for an empty or wrapping range, -EFAULT for a range
 * beyond user space, -ENOMEM.
 */
int ib_odp_mirror_init(struct ib_odp_mirror *m, struct mm_struct *mm,
		       unsigned long addr, size_t length, bool writable,
		       atomic64_t *totals)
{
	unsigned long end;
	int ret;

	if (!length || check_add_overflow(addr, (unsigned long)length, &end))
		return -EINVAL;
	if (end > TASK_SIZE_MAX)
		return -EFAULT;

	m->addr = addr;
	m->length = length;
	m->start = addr & PAGE_MASK;
	m->npages = (PAGE_ALIGN(end) - m->start) >> PAGE_SHIFT;
	m->writable = writable;
	m->totals = totals;
	spin_lock_init(&m->lock);

	m->entries = kvcalloc(m->npages, sizeof(*m->entries),
			      GFP_KERNEL_ACCOUNT);
	if (!m->entries)
		return -ENOMEM;

	ret = mmu_interval_notifier_insert(&m->notifier, mm, m->start,
					   m->npages << PAGE_SHIFT,
					   &ib_odp_notifier_ops);
	if (ret)
		goto err_free;
	return 0;

err_free:
	kvfree(m->entries);
	m->entries = NULL;
	return ret;
}

/* First page of [start, end) that cannot serve this access, else end. */
static unsigned long odp_first_missing(struct ib_odp_mirror *m,
				       unsigned long start, unsigned long end,
				       bool write)
{
	unsigned long need = IB_ODP_PRESENT | (write ? IB_ODP_WRITABLE : 0);
	unsigned long a;

	for (a = start; a < end; a += PAGE_SIZE)
		if ((*odp_entry(m, a) & need) != need)
			return a;
	return end;
}

/* What hmm_range_fault() must make present: for an access, or nothing. */
static unsigned long odp_req_flags(bool write)
{
	return HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0);
}

/*
 * Record what hmm_range_fault() returned and count the pages added on
 * @counter (page faults or prefetch). Called with m->lock held.
 */
static void odp_install(struct ib_odp_mirror *m, unsigned long start,
			const unsigned long *pfns, unsigned long npages,
			enum ib_odp_counter counter)
{
	unsigned long *e = odp_entry(m, start);
	unsigned long i, flags, added = 0;

	lockdep_assert_held(&m->lock);
	for (i = 0; i < npages; i++) {
		if (!(pfns[i] & HMM_PFN_VALID))
			continue;
		flags = IB_ODP_PRESENT;
		if (m->writable && (pfns[i] & HMM_PFN_WRITE))
			flags |= IB_ODP_WRITABLE;
		if (!(e[i] & IB_ODP_PRESENT))
			added++;
		/* A present entry maps the same page: keep its dirty bit. */
		e[i] = (page_to_pfn(hmm_pfn_to_page(pfns[i])) << PAGE_SHIFT) |
		       flags |
		       (e[i] & IB_ODP_DIRTY);
	}
	m->mapped += added;
	ib_odp_count(m, counter, added);
	if (counter == IB_ODP_PAGE_FAULTS)
		ib_odp_count(m, IB_ODP_PAGE_FAULTS_HANDLED, 1);
}

/*
 * Whether the pages of @vma lie outside the kernel's direct map, where
 * ib_odp_kaddr() (page_address()) reaches every page the device uses:
 * memfd_secret() memory. Secretmem removes its pages from the direct map
 * as it faults them in; GUP refuses such a VMA, so a pinned region of it
 * fails with -EFAULT, but hmm_range_fault() faults it in like any other.
 * vma_is_secretmem() is not exported (6.1, 6.12): the file's pseudo
 * filesystem says the same. The other VMAs hmm_range_fault() serves have
 * their pages in the direct map or are refused by it (VM_IO, VM_PFNMAP,
 * special ptes without a struct page).
 */
static bool odp_vma_no_kaddr(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       file_inode(vma->vm_file)->i_sb->s_magic == SECRETMEM_MAGIC;
}

/*
 * -EFAULT if a VMA that meets [@start, @end) is one whose pages the device
 * cannot reach (odp_vma_no_kaddr()), else 0. Called with the mmap lock
 * held, which keeps the VMAs as they are until hmm_range_fault() is done.
 */
static int odp_check_vmas(struct mm_struct *mm, unsigned long start,
			  unsigned long end)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;

	for_each_vma_range(vmi, vma, end)
		if (odp_vma_no_kaddr(vma))
			return -EFAULT;
	return 0;
}

/*
 * End of the fault-ahead part of a fault, given that the access needs
 * [.., @need_end) and the window would go to @end: only as far as the VMA
 * of the last needed page goes, and only where that VMA allows the
 * access and the device can reach its pages, so that faulting ahead never
 * faults what the process could not touch itself nor what the device could
 * not use. Called with the mmap lock held.
 */
static unsigned long odp_ahead_end(struct mm_struct *mm,
				   unsigned long need_end, unsigned long end,
				   bool write)
{
	struct vm_area_struct *vma = vma_lookup(mm, need_end - 1);

	if (!vma || vma->vm_flags & (VM_IO | VM_PFNMAP) ||
	    !(vma->vm_flags & (write ? VM_WRITE : VM_READ)) ||
	    odp_vma_no_kaddr(vma))
		return need_end;
	return min(end, vma->vm_end);
}

/*
 * Fault [start, need_end) in (@req_flags: odp_req_flags(), or 0 to take
 * only the pages already present; then @end must be @need_end), with as
 * much of [need_end, end) as odp_ahead_end() allows, and install it: the
 * mmu_interval_read_begin() / hmm_range_fault() / read_retry() loop.
 * Takes and drops m->lock.
 * *@done is set to the end of what was installed. A fault that keeps
 * losing to invalidations gives up after IB_ODP_FAULT_TIMEOUT_MS: -EBUSY.
 * A range that meets memory the device cannot reach (odp_check_vmas()) is
 * refused with -EFAULT, whether its pages are to be faulted or only taken
 * where present: an entry for such a page must never exist.
 */
static int odp_fault_range(struct ib_odp_mirror *m, unsigned long start,
			   unsigned long need_end, unsigned long end,
			   unsigned long req_flags,
			   enum ib_odp_counter counter, unsigned long *done)
{
	struct mm_struct *mm = m->notifier.mm;
	struct hmm_range range = {
		.notifier = &m->notifier,
		.start = start,
		.default_flags = req_flags,
	};
	unsigned long deadline = 0;
	struct ib_odp_charge charge;
	unsigned int busy = 0;
	bool retry = false;
	u64 t0;
	int ret;

	range.hmm_pfns = kvmalloc_array((end - start) >> PAGE_SHIFT,
					sizeof(unsigned long), GFP_KERNEL);
	if (!range.hmm_pfns)
		return -ENOMEM;

	/* The process is exiting: its pages are going away. */
	if (!mmget_not_zero(mm)) {
		ret = -EFAULT;
		goto out_free;
	}
	/*
	 * The pages are the process's: page cache (a file mapping's pages)
	 * is charged to the current task's cgroup, which for a kworker
	 * would be the root.
	 */
	ib_odp_charge_begin(&charge, mm);

	for (;;) {
		if (retry && time_after(jiffies, deadline)) {
			ret = -EBUSY;
			break;
		}
		/* a retry after an invalidation: let others run meanwhile */
		cond_resched();
		range.notifier_seq = mmu_interval_read_begin(&m->notifier);
		mmap_read_lock(mm);
		t0 = ib_odp_lat_start();
		range.end = end > need_end ?
			    odp_ahead_end(mm, need_end, end,
					  req_flags & HMM_PFN_REQ_WRITE) :
			    need_end;
		/* every VMA of the range: the need may span several */
		ret = odp_check_vmas(mm, start, range.end);
		if (!ret)
			ret = hmm_range_fault(&range);
		ib_odp_lat_record(IB_ODP_LAT_FAULT_MMAP_HOLD, t0);
		mmap_read_unlock(mm);
		/* the deadline counts from the end of the first try */
		if (!retry) {
			retry = true;
			deadline = jiffies +
				   msecs_to_jiffies(IB_ODP_FAULT_TIMEOUT_MS);
		}
		/*
		 * -EBUSY: an invalidation met the walk. The first is most
		 * often the walk's own (a write fault that replaces the zero
		 * page or breaks COW invalidates what it replaces): the same
		 * range again finds those pages present. Another means that
		 * others keep invalidating it (reclaim, as after a failed
		 * read_retry() below): fault only the need from then on.
		 */
		if (ret == -EBUSY && !busy++)
			continue;
		if (ret && range.end > need_end) {
			/* the same for any error, e.g. past the end of a file */
			end = need_end;
			continue;
		}
		if (ret == -EBUSY)
			continue;
		if (ret)
			break;

		spin_lock(&m->lock);
		if (mmu_interval_read_retry(&m->notifier, range.notifier_seq)) {
			spin_unlock(&m->lock);
			/*
			 * Fault only the need from now on: under a memory
			 * cgroup at its limit, faulting ahead can reclaim
			 * pages of this very range, and each pass would
			 * invalidate itself.
			 */
			end = need_end;
			continue;
		}
		t0 = ib_odp_lat_start();
		odp_install(m, start, range.hmm_pfns,
			    (range.end - start) >> PAGE_SHIFT, counter);
		ib_odp_lat_record(IB_ODP_LAT_INSTALL_HOLD, t0);
		spin_unlock(&m->lock);
		*done = range.end;
		break;
	}
	ib_odp_charge_end(&charge);
	/*
	 * Ours may be the last reference, if the process exited meanwhile:
	 * its exit_mmap() belongs on a worker of its own, not in an rxe task
	 * or in another process's post_send.
	 */
	mmput_async(mm);
out_free:
	kvfree(range.hmm_pfns);
	return ret;
}

/*
 * Where a fault that needs [miss, need_end) should stop, fault-ahead
 * included. It brings in the rest of the operation it serves, up to
 * @op_end (the rest of the message, of the READ, of the SGE), as much of
 * it as one call takes (IB_ODP_FAULT_CHUNK pages): the operation will
 * touch those pages, and one call for them costs less than one for each
 * packet's page (mlx5 faults a message's extent the same way). Past the
 * operation, a device that walks a buffer (the next message where the
 * previous one ended) misses on the page where its previous fault ended:
 * each such miss doubles the window, up to IB_ODP_FAULT_CHUNK pages, so a
 * walk of n pages takes about log2(n) faults instead of n. Never past the
 * mirror; for a write, never past @op_end either, since a write fault is
 * not free for pages nobody writes (page_mkwrite and block allocation in
 * a shared file, a COW copy in private memory, pages that writeback then
 * writes for nothing).
 */
static unsigned long odp_fault_ahead(struct ib_odp_mirror *m,
				     unsigned long miss,
				     unsigned long need_end,
				     unsigned long op_end, bool write)
{
	unsigned long pages = 1, end;

	if (miss == READ_ONCE(m->ahead_next))
		pages = clamp(2 * READ_ONCE(m->ahead_pages), 1UL,
			      IB_ODP_FAULT_CHUNK);
	end = max(miss + (pages << PAGE_SHIFT),
		  min(op_end, miss + (IB_ODP_FAULT_CHUNK << PAGE_SHIFT)));
	if (write)
		end = min(end, op_end);
	end = min(ib_odp_end(m), end);
	return max(need_end, end);
}

/*
 * Check an access of @length bytes at @addr against the mirror; give the
 * pages it covers as [*start, *end).
 */
static int odp_page_range(struct ib_odp_mirror *m, unsigned long addr,
			  size_t length, bool write, unsigned long *start,
			  unsigned long *end)
{
	if (write && !m->writable)
		return -EACCES;
	if (!length || addr < m->start ||
	    check_add_overflow(addr, (unsigned long)length, end) ||
	    *end > ib_odp_end(m))
		return -EFAULT;
	*start = addr & PAGE_MASK;
	*end = PAGE_ALIGN(*end);
	return 0;
}

/* ib_odp_map_and_lock(); without @fault, -EWOULDBLOCK where it would fault */
static int odp_map_and_lock(struct ib_odp_mirror *m, unsigned long addr,
			    size_t length, bool write, unsigned long op_end,
			    bool fault)
{
	unsigned long start, end, miss, need_end, done;
	int ret;

	ret = odp_page_range(m, addr, length, write, &start, &end);
	if (ret)
		return ret;
	/* past the end of the address space: no more than the access */
	op_end = op_end > ULONG_MAX - PAGE_SIZE ? end :
		 max(end, PAGE_ALIGN(op_end));

	for (;;) {
		spin_lock(&m->lock);
		miss = odp_first_missing(m, start, end, write);
		if (miss == end)
			return 0;
		spin_unlock(&m->lock);
		if (!fault)
			return -EWOULDBLOCK;

		need_end = min(end, miss + (IB_ODP_FAULT_CHUNK << PAGE_SHIFT));
		ret = odp_injected_failure();
		if (!ret)
			ret = odp_fault_range(m, miss, need_end,
					      odp_fault_ahead(m, miss, need_end,
							      op_end, write),
					      odp_req_flags(write),
					      IB_ODP_PAGE_FAULTS, &done);
		/*
		 * The next window doubles what this fault installed, not
		 * what it asked for: one that lost races narrowed to its
		 * need, and one that failed (a cgroup at its limit, an
		 * invalidation storm) starts the next from one page, else
		 * each retry of the same access would ask for twice as much.
		 */
		if (ret) {
			WRITE_ONCE(m->ahead_pages, 0);
			return ret;
		}
		WRITE_ONCE(m->ahead_pages, (done - miss) >> PAGE_SHIFT);
		WRITE_ONCE(m->ahead_next, done);
	}
}

/**
 * ib_odp_map_and_lock() - make a range of the mirror usable and lock it
 * @m:		the mirror
 * @addr:	user address of the access
 * @length:	bytes, > 0
 * @write:	the device will write
 * @op_end:	the end of what the operation will access (the rest of its
 *		message, of its READ, of its SGE; at least @addr + @length):
 *		a fault brings in up to there (odp_fault_ahead()), and a
 *		write fault no further.
 * @fault:	fault in what the mirror lacks; else return -EWOULDBLOCK
 *		where a page of the range is missing (or read-only, for
 *		@write), without sleeping
 *
 * Faults in whatever pages of the range the mirror lacks (may sleep: call
 * from process context with no spinlock held), then returns with m->lock
 * held and every page of the range present (and writable, for @write)
 * until ib_odp_unlock(). Invalidations of the range wait meanwhile, so
 * hold it for one bounded access (a packet's copy, an atomic) and do not
 * sleep under it: it is a spinlock.
 *
 * Return: 0 with the lock held; else the lock is not held and -EFAULT
 * (outside the region, or not mapped in the process, or memory the device
 * cannot reach (odp_vma_no_kaddr(): memfd_secret()), or exiting),
 * -EACCES (@write to a read-only region), -EBUSY (kept losing races with
 * invalidations), -ENOMEM; the last two fail for now, not for good (and
 * odp_fail_transient injects them); -EWOULDBLOCK (without @fault).
 */
int ib_odp_map_and_lock(struct ib_odp_mirror *m, unsigned long addr,
			size_t length, bool write, unsigned long op_end,
			bool fault)
{
	return odp_map_and_lock(m, addr, length, write, op_end, fault);
}

/**
 * ib_odp_prefetch() - bring a range into the mirror ahead of use
 * @m:		the mirror
 * @addr:	user address
 * @length:	bytes, > 0
 * @write:	make the pages writable too
 * @fault:	fault missing pages in; else mirror only what is present
 *
 * May sleep. Counts the pages it adds as page_prefetch.
 *
 * Return: 0, or -EFAULT, -EACCES, -EBUSY, -ENOMEM as
 * ib_odp_map_and_lock(); -EFAULT for memory the device cannot reach
 * (memfd_secret()) with or without @fault.
 */
int ib_odp_prefetch(struct ib_odp_mirror *m, unsigned long addr,
		    size_t length, bool write, bool fault)
{
	unsigned long start, end, a, next, done;
	int ret;

	ret = odp_page_range(m, addr, length, write, &start, &end);
	if (ret)
		return ret;
	for (a = start; a < end; a = next) {
		next = min(end, a + (IB_ODP_FAULT_CHUNK << PAGE_SHIFT));
		ret = odp_fault_range(m, a, next, next,
				      fault ? odp_req_flags(write) : 0,
				      IB_ODP_PAGE_PREFETCH, &done);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A software device reaches mirrored pages through the kernel's direct
 * map, as rxe does with pinned pages.
 */
static_assert(!IS_ENABLED(CONFIG_HIGHMEM));

/**
 * ib_odp_kaddr() - kernel address of a byte of a locked, mapped range
 * @m:		the mirror, locked by ib_odp_map_and_lock() over @addr
 * @addr:	user address
 * @write:	the caller will write there (the page is then dirty)
 *
 * Return: the address, valid until ib_odp_unlock().
 */
void *ib_odp_kaddr(struct ib_odp_mirror *m, unsigned long addr, bool write)
{
	unsigned long *e = odp_entry(m, addr);

	lockdep_assert_held(&m->lock);
	if (write)
		*e |= IB_ODP_DIRTY;
	return page_address(odp_entry_page(*e)) + offset_in_page(addr);
}

/**
 * ib_odp_visit() - run a function over the pages of an ODP range, locked
 * @m:		the mirror
 * @addr:	user address in the region
 * @length:	bytes, > 0
 * @write:	@fn writes the pages (they are faulted in writable and dirty)
 * @fn:		called with the kernel address and length of each piece of
 *		the range that lies in one page, in order, with m->lock held:
 *		it must not sleep
 * @arg:	passed to @fn
 *
 * For an operation that may cover a whole region (a FLUSH of an MR): the
 * range is faulted in and locked IB_ODP_VISIT_PAGES pages at a time, so an
 * invalidation waits for a few pages at most, never for the whole range,
 * and no page is touched after its invalidation returned. May sleep.
 *
 * Return: 0, or an error of ib_odp_map_and_lock(); @fn may then have run
 * over a first part of the range.
 */
int ib_odp_visit(struct ib_odp_mirror *m, unsigned long addr, size_t length,
		 bool write, void (*fn)(void *kaddr, size_t n, void *arg),
		 void *arg)
{
	unsigned long batch_end;
	size_t n, in_batch;
	int ret;

	while (length) {
		batch_end = (addr & PAGE_MASK) +
			    (IB_ODP_VISIT_PAGES << PAGE_SHIFT);
		in_batch = min_t(size_t, length, batch_end - addr);
		ret = ib_odp_map_and_lock(m, addr, in_batch, write,
					  addr + in_batch, true);
		if (ret)
			return ret;
		while (in_batch) {
			n = min_t(size_t, in_batch,
				  PAGE_SIZE - offset_in_page(addr));
			fn(ib_odp_kaddr(m, addr, write), n, arg);
			addr += n;
			length -= n;
			in_batch -= n;
		}
		ib_odp_unlock(m);
		cond_resched();
	}
	return 0;
}

/**
 * ib_odp_copy() - copy between a kernel buffer and an ODP range
 * @m:		the mirror
 * @addr:	user address in the region
 * @buf:	kernel buffer
 * @length:	bytes, > 0
 * @to_mirror:	copy @buf into the region (else the region into @buf)
 * @op_end:	the end of what the operation accesses, as
 *		ib_odp_map_and_lock() takes it
 * @fault:	fault in what the mirror lacks; else copy nothing and return
 *		-EWOULDBLOCK when the range has a page the mirror lacks (a
 *		caller that must not wait for the backing store: the fault
 *		can wait for a file system for ever)
 *
 * Faults in what is missing, then copies with the mirror locked, so an
 * invalidation of the range waits for the copy and a page is never read
 * or written after its invalidation returned.
 *
 * Return: 0, -EWOULDBLOCK (without @fault), or an error of
 * ib_odp_map_and_lock().
 */
int ib_odp_copy(struct ib_odp_mirror *m, unsigned long addr, void *buf,
		size_t length, bool to_mirror, unsigned long op_end, bool fault)
{
	size_t n;
	void *kaddr;
	u64 t0;
	int ret;

	ret = odp_map_and_lock(m, addr, length, to_mirror, op_end, fault);
	if (ret)
		return ret;
	t0 = ib_odp_lat_start();

	while (length) {
		n = min_t(size_t, length, PAGE_SIZE - offset_in_page(addr));
		kaddr = ib_odp_kaddr(m, addr, to_mirror);
		if (to_mirror)
			memcpy(kaddr, buf, n);
		else
			memcpy(buf, kaddr, n);
		addr += n;
		buf += n;
		length -= n;
	}
	ib_odp_lat_record(IB_ODP_LAT_COPY_HOLD, t0);
	ib_odp_unlock(m);
	return 0;
}
