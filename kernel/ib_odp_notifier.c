// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The invalidation side of an ODP mirror: the mmu interval notifier that
 * keeps the mirror from holding a page the CPU side dropped, and teardown.
 *
 * The notifier runs for munmap, MADV_DONTNEED, mprotect, COW breaks,
 * migration, swap-out, truncation and process exit (MMU_NOTIFY_RELEASE).
 * It takes the mirror lock, which the data path holds across every access
 * to mirrored pages: once it has the lock no access to the range is in
 * flight, and once it has cleared the entries none can start without
 * faulting again, which mmu_interval_read_retry() holds off until the
 * invalidation has ended.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "ib_odp.h"

/**
 * ib_odp_zap() - forget the mirror's pages in [start, end)
 * @m:		the mirror, locked
 * @start:	page-aligned user address inside the mirror
 * @end:	page-aligned end, <= ib_odp_end(m)
 *
 * Pages the device wrote are marked dirty first, so that writeback and
 * swap see the device's data.
 */
void ib_odp_zap(struct ib_odp_mirror *m, unsigned long start,
		unsigned long end)
{
	unsigned long *e = &m->entries[(start - m->start) >> PAGE_SHIFT];
	unsigned long i, n = (end - start) >> PAGE_SHIFT, zapped = 0;

	lockdep_assert_held(&m->lock);
	for (i = 0; i < n; i++) {
		if (!e[i])
			continue;
		if (e[i] & IB_ODP_DIRTY)
			set_page_dirty(compound_head(pfn_to_page(e[i] >> PAGE_SHIFT)));
		e[i] = 0;
		zapped++;
	}
	m->mapped -= zapped;
	ib_odp_count(m, IB_ODP_PAGE_INVALIDATIONS, zapped);
}

static bool ib_odp_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct ib_odp_mirror *m = container_of(mni, struct ib_odp_mirror,
					       notifier);
	/*
	 * Whole pages: a partial page at either end is invalidated too.
	 * Clamp before rounding up: process exit passes an end of ULONG_MAX,
	 * which rounding would wrap to 0.
	 */
	unsigned long start = max(range->start & PAGE_MASK, m->start);
	unsigned long end = PAGE_ALIGN(min(range->end, ib_odp_end(m)));
	u64 t0 = ib_odp_lat_start();
	bool empty;

	/*
	 * Never sleeps, so the OOM reaper (not blockable) may wait here too:
	 * for the copy or atomic in flight, nothing longer.
	 */
	spin_lock(&m->lock);
	ib_odp_lat_record(IB_ODP_LAT_INVAL_WAIT, t0);

	mmu_interval_set_seq(mni, cur_seq);
	if (start < end)
		ib_odp_zap(m, start, end);
	ib_odp_count(m, IB_ODP_PAGE_INVALIDATIONS_HANDLED, 1);
	empty = !m->mapped;
	spin_unlock(&m->lock);
	ib_odp_lat_record(IB_ODP_LAT_INVAL, t0);
	if (empty && m->emptied)
		m->emptied(m);
	return true;
}

const struct mmu_interval_notifier_ops ib_odp_notifier_ops = {
	.invalidate = ib_odp_invalidate,
};

/**
 * ib_odp_mirror_destroy() - tear a mirror down (deregistration)
 * @m:	the mirror; the caller guarantees no access is in flight or will
 *	start (for rxe: the MR's last reference is gone)
 *
 * Zaps while still registered, so dirty pages are marked while they are
 * certainly alive, then removes the notifier, which waits for an
 * invalidation in progress. Works after the process has exited too: the
 * notifier's RELEASE callback has then zapped everything already.
 */
void ib_odp_mirror_destroy(struct ib_odp_mirror *m)
{
	if (!m->entries)
		return;
	spin_lock(&m->lock);
	ib_odp_zap(m, m->start, ib_odp_end(m));
	spin_unlock(&m->lock);
	mmu_interval_notifier_remove(&m->notifier);
	kvfree(m->entries);
	m->entries = NULL;
}
