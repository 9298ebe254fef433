// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The ODP address space of one memory region: what the device sees through
 * the region, as mirrors (ib_odp_umem.c) of IB_ODP_CHUNK_SIZE chunks of
 * it, each with its own interval notifier, made the first time the device
 * touches the chunk and kept until deregistration; an implicit region's
 * chunk is freed earlier, once an invalidation left it empty and no access
 * uses it (odp_space_reap()).
 *
 * Explicit ODP: the registered range, cut at chunk boundaries (the first
 * and last chunks cover only the part of the range they hold).
 * Implicit ODP (the whole address space as one region, mlx5's
 * ibv_reg_mr(pd, NULL, SIZE_MAX, IBV_ACCESS_ON_DEMAND)): every chunk of
 * user space.
 *
 * Either way registration allocates nothing but the space, so it takes the
 * same time whatever the size, and memory follows what the device touched
 * (8 bytes per page of a touched chunk), never the size of the region. For
 * an implicit region it follows what is still mapped of what the device
 * touched: a process that maps and unmaps across its address space (an
 * allocator, an MPI library) does not grow the mirrors without bound.
 *
 * An access never spans two mirrors: ib_odp_space_copy() cuts it at chunk
 * boundaries and locks one mirror at a time.
 *
 * Lifetime: every access, fault and prefetch is a user of the space
 * (ib_odp_space_enter() / ib_odp_space_exit()). Deregistration first
 * revokes the space (ib_odp_space_revoke(): no new user, and a prefetch
 * stops at its next chunk), then waits for the users in progress, without
 * a timeout, before anything is freed: a fault can sleep in
 * hmm_range_fault() for as long as the backing store of the memory takes,
 * and the driver's own bounded wait for its references must not be what
 * frees the mirrors under it. mlx5 waits for its ODP mkeys the same way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "ib_odp.h"

/**
 * struct odp_chunk - one chunk's mirror, as the space holds it
 * @mirror:	the mirror of the region's part in the chunk
 * @space:	the space it belongs to
 * @refs:	1 while the space's xarray holds the chunk, plus 1 for each
 *		caller using it (odp_chunk_get()); the reaper takes it out
 *		only from 1 to 0, under the space's chunk_lock, after which
 *		nobody can take it again. Counted for implicit regions only:
 *		an explicit region's chunks are never reaped
 * @rcu:	frees it once lock-free lookups are done with it
 */
struct odp_chunk {
	struct ib_odp_mirror mirror;
	struct ib_odp_space *space;
	atomic_t refs;
	struct rcu_head rcu;
};

static struct odp_chunk *to_chunk(struct ib_odp_mirror *m)
{
	return container_of(m, struct odp_chunk, mirror);
}

static void odp_space_reap(struct work_struct *work);

static void odp_space_init(struct ib_odp_space *s, struct mm_struct *mm,
			   unsigned long addr, unsigned long end,
			   bool writable, atomic64_t *totals)
{
	int i;

	s->mm = mm;
	mmgrab(mm);
	s->addr = addr;
	s->end = end;
	s->writable = writable;
	s->totals = totals;
	xa_init(&s->chunks);
	mutex_init(&s->chunk_lock);
	seqcount_mutex_init(&s->chunks_seq, &s->chunk_lock);
	for (i = 0; i < IB_ODP_NUM_COUNTERS; i++)
		atomic64_set(&s->retired[i], 0);
	s->reap_empty = false;
	s->reap_off = false;
	INIT_DELAYED_WORK(&s->reap, odp_space_reap);
	atomic_set(&s->users, 0);
	s->dying = false;
	atomic_set(&s->async, 0);
}

/**
 * ib_odp_space_enter() - become a user of the space
 * @s:	the space
 *
 * Until the matching ib_odp_space_exit(), the space's mirrors stay
 * allocated: ib_odp_space_revoke() and ib_odp_space_destroy() wait.
 *
 * Return: true, or false when the space is being torn down (then the
 * caller is not a user and must not touch the space).
 */
bool ib_odp_space_enter(struct ib_odp_space *s)
{
	atomic_inc(&s->users);
	/* pairs with the barrier in ib_odp_space_revoke() */
	smp_mb__after_atomic();
	if (READ_ONCE(s->dying)) {
		ib_odp_space_exit(s);
		return false;
	}
	return true;
}

/**
 * ib_odp_space_exit() - stop being a user of the space
 * @s:	the space; the caller must not touch it afterwards, since a waiting
 *	ib_odp_space_revoke() may then return and its caller free it
 *
 * wake_up_var() only hashes the address, so it is safe on memory that
 * the woken task may already have freed.
 */
void ib_odp_space_exit(struct ib_odp_space *s)
{
	if (atomic_dec_and_test(&s->users))
		wake_up_var(&s->users);
}

/**
 * ib_odp_space_async_get() - count one more asynchronous prefetch
 * @s:		the space
 * @max:	how many may be queued or running on it at once
 *
 * Return: true, or false (nothing counted) when @max are in flight.
 */
bool ib_odp_space_async_get(struct ib_odp_space *s, int max)
{
	return atomic_add_unless(&s->async, 1, max);
}

/**
 * ib_odp_space_async_put() - an asynchronous prefetch is done
 * @s:	the space; call before ib_odp_space_exit()
 */
void ib_odp_space_async_put(struct ib_odp_space *s)
{
	atomic_dec(&s->async);
}

/**
 * ib_odp_space_init_explicit() - the space of an explicit ODP region
 * @s:		zeroed space
 * @mm:		the registering process's address space
 * @addr:	start of the region, any alignment
 * @length:	bytes
 * @writable:	the device may write the region
 * @totals:	device-wide counters (enum ib_odp_counter), or NULL
 *
 * Allocates nothing but the space itself: chunks are mirrored on first
 * touch.
 *
 * Return: 0, -EINVAL for an empty or wrapping range, -EFAULT for a range
 * beyond user space.
 */
int ib_odp_space_init_explicit(struct ib_odp_space *s, struct mm_struct *mm,
			       unsigned long addr, size_t length,
			       bool writable, atomic64_t *totals)
{
	unsigned long end;

	if (!length || check_add_overflow(addr, (unsigned long)length, &end))
		return -EINVAL;
	if (end > TASK_SIZE_MAX)
		return -EFAULT;
	odp_space_init(s, mm, addr, end, writable, totals);
	return 0;
}

/**
 * ib_odp_space_init_implicit() - the space of an implicit ODP region
 * @s:		zeroed space
 * @mm:		the registering process's address space
 * @writable:	the device may write
 * @totals:	device-wide counters (enum ib_odp_counter), or NULL
 *
 * Allocates nothing but the space itself. Its chunks are freed once
 * invalidated to empty and idle.
 *
 * Return: 0.
 */
int ib_odp_space_init_implicit(struct ib_odp_space *s, struct mm_struct *mm,
			       bool writable, atomic64_t *totals)
{
	odp_space_init(s, mm, 0, TASK_SIZE_MAX, writable, totals);
	s->reap_empty = true;
	return 0;
}

/*
 * An invalidation left the chunk's mirror empty (an implicit region's
 * chunk): have the reaper look at it. Runs in the notifier callback, which
 * must not sleep (the OOM reaper's is not blockable). The chunk may
 * already be out of the xarray (being freed): then the mark is not set.
 */
static void odp_chunk_emptied(struct ib_odp_mirror *m)
{
	struct ib_odp_space *s = to_chunk(m)->space;

	xa_set_mark(&s->chunks, m->start >> IB_ODP_CHUNK_SHIFT, XA_MARK_0);
	/*
	 * Not after ib_odp_space_destroy() has removed the notifiers, which
	 * waits for this callback: the work is then cancelled for good.
	 */
	mod_delayed_work(system_wq, &s->reap, 0);
}

/*
 * Create the mirror of the chunk at @index, with a reference for the
 * caller; chunk_lock held. The device touches a chunk first from whatever
 * context it runs in (for rxe, a worker thread): the memory is charged to
 * the region's process's memory cgroup all the same, as it would have been
 * at registration.
 */
static struct odp_chunk *odp_chunk_create(struct ib_odp_space *s,
					  unsigned long index)
{
	struct ib_odp_charge charge;
	unsigned long start, end;
	struct odp_chunk *c;
	int ret;

	/* a notifier needs a live address space */
	if (!mmget_not_zero(s->mm))
		return ERR_PTR(-EFAULT);
	ib_odp_charge_begin(&charge, s->mm);
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	c->space = s;
	/* the xarray's and the caller's */
	atomic_set(&c->refs, 2);
	if (s->reap_empty)
		c->mirror.emptied = odp_chunk_emptied;
	/* the part of the region in this chunk */
	start = max(index << IB_ODP_CHUNK_SHIFT, s->addr);
	end = min((index << IB_ODP_CHUNK_SHIFT) + IB_ODP_CHUNK_SIZE, s->end);
	ret = ib_odp_mirror_init(&c->mirror, s->mm, start, end - start,
				 s->writable, s->totals);
	if (ret)
		goto out;
	ret = xa_err(xa_store(&s->chunks, index, c, GFP_KERNEL_ACCOUNT));
	if (ret)
		ib_odp_mirror_destroy(&c->mirror);
out:
	ib_odp_charge_end(&charge);
	/* maybe the last reference: see odp_fault_range() */
	mmput_async(s->mm);
	if (ret) {
		kfree(c);
		return ERR_PTR(ret);
	}
	return c;
}

/*
 * An explicit region's chunks live until ib_odp_space_destroy(), which
 * waits for the users of the space first: a user needs no reference on
 * one. Only an implicit region's chunks are reaped earlier.
 */
static bool odp_chunks_stay(struct ib_odp_space *s)
{
	return !s->reap_empty;
}

/*
 * The mirror that covers @addr, with a reference (odp_chunk_put()): made
 * on first use if @create (may sleep: the first notifier of a process
 * takes its mmap lock for writing), else ERR_PTR(-EWOULDBLOCK) for a chunk
 * not made yet, whose mirror would have no page anyway. ERR_PTR(-EFAULT)
 * for an address outside the region or a process that is exiting,
 * ERR_PTR(-ENOMEM). Call as a user of the space.
 */
static struct ib_odp_mirror *odp_chunk_get(struct ib_odp_space *s,
					   unsigned long addr, bool create)
{
	unsigned long index = addr >> IB_ODP_CHUNK_SHIFT;
	struct odp_chunk *c;

	if (addr < s->addr || addr >= s->end)
		return ERR_PTR(-EFAULT);
	/*
	 * Explicit: most accesses are in the chunk of the one before
	 * (a packet after another of the same message): no lookup, and no
	 * atomic operation on a reference.
	 */
	if (odp_chunks_stay(s)) {
		/* pairs with the release below: seen, seen initialized */
		c = smp_load_acquire(&s->last);
		if (c && addr >= c->mirror.start && addr < ib_odp_end(&c->mirror))
			return &c->mirror;
	}

	rcu_read_lock();
	c = xa_load(&s->chunks, index);
	if (c && !atomic_inc_not_zero(&c->refs))
		c = NULL;
	rcu_read_unlock();
	if (!c) {
		/* nor wait for chunk_lock: its holder may be making one */
		if (!create)
			return ERR_PTR(-EWOULDBLOCK);
		mutex_lock(&s->chunk_lock);
		/* under chunk_lock, a chunk in the xarray has refs >= 1 */
		c = xa_load(&s->chunks, index);
		if (c)
			atomic_inc(&c->refs);
		else
			c = odp_chunk_create(s, index);
		mutex_unlock(&s->chunk_lock);
		if (IS_ERR(c))
			return ERR_CAST(c);
	}
	if (odp_chunks_stay(s)) {
		atomic_dec(&c->refs);
		/* pairs with the acquire above: published initialized */
		smp_store_release(&s->last, c);
	}
	return &c->mirror;
}

/*
 * Done with a mirror of odp_chunk_get(). Never the last reference: the
 * xarray's is dropped by the reaper alone. An explicit region's chunk has
 * none to drop (odp_chunks_stay()).
 */
static void odp_chunk_put(struct ib_odp_mirror *m)
{
	struct odp_chunk *c = to_chunk(m);

	if (!odp_chunks_stay(c->space))
		atomic_dec(&c->refs);
}

/*
 * Free the chunk at @index if no access uses it and its mirror maps
 * nothing; chunk_lock held (may sleep). Return: 0 (freed), -EBUSY (in use),
 * -EEXIST (it maps pages again).
 */
static int odp_chunk_reap(struct ib_odp_space *s, unsigned long index,
			  struct odp_chunk *c)
{
	unsigned long mapped;
	int i;

	/*
	 * Nobody can take it from now on: a lookup's fast path fails and its
	 * slow path waits for chunk_lock.
	 */
	if (atomic_cmpxchg(&c->refs, 1, 0) != 1)
		return -EBUSY;
	/* pages a fault installed before it dropped its reference */
	spin_lock(&c->mirror.lock);
	mapped = c->mirror.mapped;
	spin_unlock(&c->mirror.lock);
	if (mapped) {
		atomic_set(&c->refs, 1);
		return -EEXIST;
	}
	/*
	 * No invalidation runs on it once its notifier is gone, so its
	 * counters are final: they move to the space's as the chunk leaves
	 * the xarray, in one step for the readers of ib_odp_space_counter().
	 */
	ib_odp_mirror_destroy(&c->mirror);
	write_seqcount_begin(&s->chunks_seq);
	xa_erase(&s->chunks, index);
	for (i = 0; i < IB_ODP_NUM_COUNTERS; i++)
		atomic64_add(atomic64_read(&c->mirror.counters[i]),
			     &s->retired[i]);
	write_seqcount_end(&s->chunks_seq);
	/* lock-free lookups may still read it */
	kfree_rcu(c, rcu);
	return 0;
}

/* Chunks the reaper frees per pass; how long it waits for one in use. */
#define IB_ODP_REAP_BATCH	16
#define IB_ODP_REAP_RETRY	(HZ / 10)

/*
 * Free the chunks that an invalidation left empty (XA_MARK_0), unless an
 * access, fault or prefetch holds them: those are looked at again shortly.
 * A chunk that got pages back meanwhile loses its mark and stays. The mark
 * is cleared before the chunk is looked at, so an invalidation that
 * empties it again meanwhile sets it again.
 */
static void odp_space_reap(struct work_struct *work)
{
	struct ib_odp_space *s = container_of(to_delayed_work(work),
					      struct ib_odp_space, reap);
	struct odp_chunk *c;
	unsigned long index;
	bool busy = false;
	int n = 0, ret;

	mutex_lock(&s->chunk_lock);
	if (s->reap_off) {
		mutex_unlock(&s->chunk_lock);
		return;
	}
	xa_for_each_marked(&s->chunks, index, c, XA_MARK_0) {
		xa_clear_mark(&s->chunks, index, XA_MARK_0);
		ret = odp_chunk_reap(s, index, c);
		if (ret == -EBUSY) {
			xa_set_mark(&s->chunks, index, XA_MARK_0);
			busy = true;
		} else if (!ret && ++n == IB_ODP_REAP_BATCH) {
			break;
		}
	}
	mutex_unlock(&s->chunk_lock);

	/* the rest in another pass: chunk creation waits for chunk_lock */
	if (n == IB_ODP_REAP_BATCH)
		mod_delayed_work(system_wq, &s->reap, 0);
	else if (busy)
		mod_delayed_work(system_wq, &s->reap, IB_ODP_REAP_RETRY);
}

/* Bytes from @addr to the end of the mirror that holds it. */
static size_t odp_left_in_mirror(struct ib_odp_mirror *m, unsigned long addr)
{
	return ib_odp_end(m) - addr;
}

/*
 * Run @fn over the first piece of [*addr, *addr + *length); advance.
 * @create: as odp_chunk_get() takes it.
 */
static int odp_space_piece(struct ib_odp_space *s, unsigned long *addr,
			   size_t *length, bool create,
			   int (*fn)(struct ib_odp_mirror *m,
				     unsigned long addr, size_t n, void *arg),
			   void *arg)
{
	struct ib_odp_mirror *m = odp_chunk_get(s, *addr, create);
	size_t n;
	int ret;

	if (IS_ERR(m))
		return PTR_ERR(m);
	if (*addr < m->start || *addr >= ib_odp_end(m)) {
		odp_chunk_put(m);
		return -EFAULT;
	}
	n = min(*length, odp_left_in_mirror(m, *addr));
	ret = fn(m, *addr, n, arg);
	odp_chunk_put(m);
	if (ret)
		return ret;
	*addr += n;
	*length -= n;
	return 0;
}

/*
 * Run @fn over the pieces of [addr, addr + length), one mirror each, as a
 * user of the space. A space being torn down stops it between pieces, so
 * a long prefetch ends within one chunk of deregistration.
 */
static int odp_space_for_each(struct ib_odp_space *s, unsigned long addr,
			      size_t length, bool create,
			      int (*fn)(struct ib_odp_mirror *m,
					unsigned long addr, size_t n,
					void *arg),
			      void *arg)
{
	int ret = 0;

	if (!ib_odp_space_enter(s))
		return -EFAULT;
	while (length) {
		if (READ_ONCE(s->dying)) {
			ret = -EFAULT;
			break;
		}
		ret = odp_space_piece(s, &addr, &length, create, fn, arg);
		if (ret)
			break;
	}
	ib_odp_space_exit(s);
	return ret;
}

struct odp_copy_arg {
	void *buf;
	bool to_space;
	bool fault;
	unsigned long op_end;
};

static int odp_copy_piece(struct ib_odp_mirror *m, unsigned long addr,
			  size_t n, void *arg)
{
	struct odp_copy_arg *c = arg;
	int ret = ib_odp_copy(m, addr, c->buf, n, c->to_space, c->op_end,
			      c->fault);

	c->buf += n;
	return ret;
}

/**
 * ib_odp_space_copy() - copy between a kernel buffer and the space
 * @s:		the space
 * @addr:	user address
 * @buf:	kernel buffer
 * @length:	bytes, > 0
 * @to_space:	write the space (else read it)
 * @extent:	bytes from @addr that the operation this copy belongs to
 *		will access (the rest of its message): how far a fault brings
 *		pages in, and a write fault no further. @length or less: only
 *		what this copy accesses.
 * @fault:	fault in what the mirror lacks; else stop with -EWOULDBLOCK
 *		at the first chunk whose part of the range has a page the
 *		mirror lacks, or that is not made yet (the chunks before it
 *		were copied)
 *
 * Return: 0 or an error of ib_odp_copy() / odp_chunk_get().
 */
int ib_odp_space_copy(struct ib_odp_space *s, unsigned long addr, void *buf,
		      size_t length, bool to_space, size_t extent, bool fault)
{
	struct odp_copy_arg c = {
		.buf = buf, .to_space = to_space, .fault = fault,
	};

	/* past the end of the address space: the range check refuses it */
	if (check_add_overflow(addr, max(extent, length), &c.op_end))
		c.op_end = ULONG_MAX;

	return odp_space_for_each(s, addr, length, fault, odp_copy_piece,
				  &c);
}

struct odp_prefetch_arg {
	bool write;
	bool fault;
};

static int odp_prefetch_piece(struct ib_odp_mirror *m, unsigned long addr,
			      size_t n, void *arg)
{
	struct odp_prefetch_arg *p = arg;

	return ib_odp_prefetch(m, addr, n, p->write, p->fault);
}

/**
 * ib_odp_space_prefetch() - ib_odp_prefetch() over a space
 * @s:		the space
 * @addr:	user address
 * @length:	bytes, > 0
 * @write:	make the pages writable too
 * @fault:	fault missing pages in; else mirror only what is present
 *
 * Return: 0 or an error of ib_odp_prefetch() / odp_chunk_get().
 */
int ib_odp_space_prefetch(struct ib_odp_space *s, unsigned long addr,
			  size_t length, bool write, bool fault)
{
	struct odp_prefetch_arg p = { .write = write, .fault = fault };

	return odp_space_for_each(s, addr, length, true, odp_prefetch_piece,
				  &p);
}

struct odp_visit_arg {
	bool write;
	void (*fn)(void *kaddr, size_t n, void *arg);
	void *arg;
};

static int odp_visit_piece(struct ib_odp_mirror *m, unsigned long addr,
			   size_t n, void *arg)
{
	struct odp_visit_arg *v = arg;

	return ib_odp_visit(m, addr, n, v->write, v->fn, v->arg);
}

/**
 * ib_odp_space_visit() - ib_odp_visit() over a space
 * @s:		the space
 * @addr:	user address
 * @length:	bytes, > 0
 * @write:	@fn writes the pages
 * @fn:		as ib_odp_visit() takes it
 * @arg:	passed to @fn
 *
 * A space being torn down stops the visit at its next chunk (-EFAULT).
 *
 * Return: 0 or an error of ib_odp_visit() / odp_chunk_get().
 */
int ib_odp_space_visit(struct ib_odp_space *s, unsigned long addr,
		       size_t length, bool write,
		       void (*fn)(void *kaddr, size_t n, void *arg), void *arg)
{
	struct odp_visit_arg v = { .write = write, .fn = fn, .arg = arg };

	return odp_space_for_each(s, addr, length, true, odp_visit_piece,
				  &v);
}

/**
 * ib_odp_space_lock() - map a small range and lock its mirror
 * @s:		the space
 * @addr:	user address; [addr, addr + length) within one chunk
 * @length:	bytes, > 0
 * @write:	the caller will write
 * @fault:	fault in what the mirror lacks; else -EWOULDBLOCK where a
 *		page is missing or the chunk is not made yet, as
 *		ib_odp_space_copy() without @fault
 *
 * The caller stays a user of the space, and of the chunk, until
 * ib_odp_space_unlock(): neither deregistration nor the reaper frees the
 * mirror under it.
 *
 * Return: the locked mirror (unlock with ib_odp_space_unlock()), or an
 * ERR_PTR (-EFAULT when the space is being torn down).
 */
struct ib_odp_mirror *ib_odp_space_lock(struct ib_odp_space *s,
					unsigned long addr, size_t length,
					bool write, bool fault)
{
	struct ib_odp_mirror *m;
	int ret;

	if (!ib_odp_space_enter(s))
		return ERR_PTR(-EFAULT);
	m = odp_chunk_get(s, addr, fault);
	if (IS_ERR(m))
		goto err_exit;
	ret = ib_odp_map_and_lock(m, addr, length, write, addr + length,
				  fault);
	if (ret) {
		odp_chunk_put(m);
		m = ERR_PTR(ret);
		goto err_exit;
	}
	return m;

err_exit:
	ib_odp_space_exit(s);
	return m;
}

/**
 * ib_odp_space_unlock() - end what ib_odp_space_lock() began
 * @m:	the mirror it returned
 */
void ib_odp_space_unlock(struct ib_odp_mirror *m)
{
	struct ib_odp_space *s = to_chunk(m)->space;

	ib_odp_unlock(m);
	odp_chunk_put(m);
	ib_odp_space_exit(s);
}

/**
 * ib_odp_space_chunks() - how many chunk mirrors the space has now
 * @s:	the space
 *
 * Each costs its notifier and 8 bytes per page of the chunk's part of the
 * region (4 KiB for a whole 2 MiB chunk).
 *
 * Return: the count.
 */
unsigned long ib_odp_space_chunks(struct ib_odp_space *s)
{
	struct odp_chunk *c;
	unsigned long index, n = 0;

	rcu_read_lock();
	xa_for_each(&s->chunks, index, c)
		n++;
	rcu_read_unlock();
	return n;
}

/**
 * ib_odp_space_counter() - one counter of the whole space
 * @s:	the space
 * @c:	which
 *
 * Return: the sum over the space's mirrors, those freed included.
 */
u64 ib_odp_space_counter(struct ib_odp_space *s, enum ib_odp_counter c)
{
	struct odp_chunk *chunk;
	unsigned long index;
	unsigned int seq;
	u64 sum;

	do {
		seq = read_seqcount_begin(&s->chunks_seq);
		sum = atomic64_read(&s->retired[c]);
		rcu_read_lock();
		xa_for_each(&s->chunks, index, chunk)
			sum += atomic64_read(&chunk->mirror.counters[c]);
		rcu_read_unlock();
	} while (read_seqcount_retry(&s->chunks_seq, seq));
	return sum;
}

/* How long a revocation waits before it says why it is waiting. */
#define IB_ODP_REVOKE_NOTE_SECS	10

/**
 * ib_odp_space_revoke() - refuse new users and wait for those in progress
 * @s:	the space
 *
 * Deregistration calls it before the driver's own teardown: accesses that
 * start afterwards fail with -EFAULT, prefetches stop at their next chunk,
 * and it returns once no fault, copy or prefetch uses the space. A fault
 * sleeping in hmm_range_fault() is waited for however long it takes (as
 * mlx5 waits for its ODP mkeys): the mirrors cannot be freed under it.
 * The wait is uninterruptible but wakes every IB_ODP_REVOKE_NOTE_SECS
 * seconds, so the hung-task detector does not take a fault on a FUSE file
 * whose daemon does not answer, or on a hard NFS mount, for a kernel bug;
 * the kernel log says once which process waits and on what. Aborting the
 * file system's connection (or its server answering) ends the wait.
 *
 * May sleep. Idempotent.
 */
void ib_odp_space_revoke(struct ib_odp_space *s)
{
	bool noted = false;

	might_sleep();
	WRITE_ONCE(s->dying, true);
	/* pairs with the barrier in ib_odp_space_enter() */
	smp_mb();
	while (!wait_var_event_timeout(&s->users, !atomic_read(&s->users),
				       IB_ODP_REVOKE_NOTE_SECS * HZ)) {
		if (!noted)
			pr_info("%s[%d]: ODP deregistration waits for %d page fault(s) or prefetch(es) of its memory still in progress (backing store not answering?)\n",
				current->comm, task_pid_nr(current),
				atomic_read(&s->users));
		noted = true;
	}
}

/**
 * ib_odp_space_destroy() - tear the space down (deregistration)
 * @s:	the space, no longer reachable by new accesses
 *
 * Revokes the space (waiting for its users, see ib_odp_space_revoke()) if
 * that was not done yet, stops the reaper, then frees its mirrors. May
 * sleep.
 */
void ib_odp_space_destroy(struct ib_odp_space *s)
{
	struct odp_chunk *c;
	unsigned long index;

	if (!s->mm)
		return;
	ib_odp_space_revoke(s);
	/* a reaper pass from now on does nothing */
	mutex_lock(&s->chunk_lock);
	s->reap_off = true;
	mutex_unlock(&s->chunk_lock);
	xa_for_each(&s->chunks, index, c)
		ib_odp_mirror_destroy(&c->mirror);
	/* no notifier is left to queue the reaper: cancel it for good */
	cancel_delayed_work_sync(&s->reap);
	xa_for_each(&s->chunks, index, c)
		kfree_rcu(c, rcu);
	xa_destroy(&s->chunks);
	mmdrop(s->mm);
	s->mm = NULL;
}
