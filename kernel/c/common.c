/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the parts of the kernel world that every bug variant
 * shares (the file's mapping, the memmap, the xarray node allocator, RCU's
 * deferred frees, the page-table lock) and the mm/ and iomap pieces fs/dax.c
 * calls. Written for daxlock.
 */
#include "mm_shim.h"
#include <sys/mman.h>
#include <pthread.h>

__thread struct task_struct *daxk_current;
spinlock_t daxk_ptl;
struct page daxk_huge_zero_page = { .pfn = DAXK_HUGE_ZERO_PFN };
struct folio daxk_huge_zero_folio = { .page = { .pfn = DAXK_HUGE_ZERO_PFN } };
#ifndef DAXK_RADIX
struct kmem_cache *radix_tree_node_cachep;
#endif
unsigned long daxk_wait_buckets;

/* The file: at a fixed address, because fs/dax.c hashes the xarray's address
 * into the wait table, and the buckets two keys share must not change from one
 * run (or replay) to the next. */
struct daxk_file {
	struct address_space mapping;
	struct inode inode;
	struct file file;
};
#define DAXK_FIXED_ADDR ((void *)0x5a5a00000000UL)
static struct daxk_file *daxk_the_file;
static struct daxk_file daxk_fallback_file;

/* Maps the file once. It runs under pthread_once(): the first callers can be two
 * threads at once (a check starting on one of the gate's workers while the other
 * prints the target's description), and a second mmap() would fail on the first's
 * page and switch the file to the fallback under a running execution. */
static void daxk_map_file(void)
{
	void *p = mmap(DAXK_FIXED_ADDR, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	daxk_the_file = (p == DAXK_FIXED_ADDR) ? p : &daxk_fallback_file;
}

struct daxk_file *daxk_file(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, daxk_map_file);
	return daxk_the_file;
}

int daxk_file_is_fixed(void)
{
	return daxk_file() == DAXK_FIXED_ADDR;
}

struct address_space *daxk_mapping(void)
{
	return &daxk_file()->mapping;
}

/* ---- xarray nodes: freed all at once when the next execution starts ---- */
struct daxk_alloc { struct daxk_alloc *next; long pad; };
static struct daxk_alloc *daxk_allocs;
/* Allocations that fail: bit N-1 set makes the Nth of an execution return NULL
 * (--fail-alloc), which the hook reports. */
static unsigned long long daxk_fail_mask;
static unsigned int daxk_nalloc;

void daxk_fail_allocs(unsigned long long mask)
{
	daxk_fail_mask = mask;
}

/* `size` zeroed bytes that live until the next execution starts. */
void *daxk_alloc(size_t size)
{
	struct daxk_alloc *a = calloc(1, sizeof(*a) + size);
	if (!a)
		return NULL;
	a->next = daxk_allocs;
	daxk_allocs = a;
	return a + 1;
}

#ifndef DAXK_RADIX
void *kmem_cache_alloc_lru(struct kmem_cache *c, struct list_lru *lru, gfp_t gfp)
{
	(void)c; (void)lru;
	unsigned int nth = ++daxk_nalloc;
	if (nth <= 64 && (daxk_fail_mask >> (nth - 1)) & 1) {
		daxk_alloc_failed(nth, gfp);
		return NULL;
	}
	struct xa_node *node = daxk_alloc(sizeof(struct xa_node));
	if (!node)
		return NULL;
	/* The slab constructor's part (radix_tree_node_ctor()): an empty private list. */
	INIT_LIST_HEAD(&node->private_list);
	return node;
}
#endif

void kmem_cache_free(struct kmem_cache *c, void *p)
{
	/* Freed when the execution ends, like an RCU grace period that lasts it. */
	(void)c; (void)p;
}

#ifndef DAXK_RADIX
void radix_tree_node_rcu_free(struct rcu_head *head)
{
	(void)head;
}
#endif

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *))
{
	(void)head; (void)func;
}

/* ---- the memmap: struct pages for device frames, made on first use ---- */
#define DAXK_MEMMAP_SLOTS (1 << 15)
static struct page daxk_memmap[DAXK_MEMMAP_SLOTS];
static unsigned int daxk_generation = 1;
/* The pages in use this execution, for hashing. */
static struct page *daxk_used[DAXK_MEMMAP_SLOTS];
static unsigned long daxk_nused;

/* What daxk_common_hash() last hashed of the page daxk_used[i] (i < daxk_nsnap),
 * and that page's hash (0: a page as made, or a free hole page: not hashed);
 * daxk_pages_sum is the sum of those hashes. Reset with the execution. */
struct daxk_page_snap {
	unsigned long flags, index;
	void *mapping;
	void *head;
	unsigned long order;
	long refcount;
	int free;
	unsigned long long h;
};
static struct daxk_page_snap daxk_snap[DAXK_MEMMAP_SLOTS];
static unsigned long daxk_nsnap;
static unsigned long long daxk_pages_sum;


struct page *pfn_to_page(unsigned long pfn)
{
	if (pfn == DAXK_HUGE_ZERO_PFN)
		return &daxk_huge_zero_page;
	unsigned long h = (pfn * 0x9E3779B97F4A7C15UL) >> 49;
	for (unsigned long i = 0; i < DAXK_MEMMAP_SLOTS; i++) {
		struct page *p = &daxk_memmap[(h + i) % DAXK_MEMMAP_SLOTS];
		if (p->gen != daxk_generation) {
			memset(p, 0, sizeof(*p));
			p->gen = daxk_generation;
			p->pfn = pfn;
			p->refcount = 1;
			daxk_used[daxk_nused++] = p;
			return p;
		}
		if (p->pfn == pfn)
			return p;
	}
	daxk_bug("memmap full", __func__, __FILE__, __LINE__);
	return &daxk_huge_zero_page;
}

/* The pfn of the page whose lock (lock_page(): the radix era's hole pages) is
 * `l`, or ~0 if `l` is no page's lock (World::page_lock_pfn in kernel/src/world.rs). */
unsigned long long daxk_page_lock_pfn(const struct spinlock *l)
{
	uintptr_t a = (uintptr_t)l, lo = (uintptr_t)daxk_memmap;

	if (a < lo || a >= (uintptr_t)(daxk_memmap + DAXK_MEMMAP_SLOTS))
		return ~0ULL;
	struct page *p = &daxk_memmap[(a - lo) / sizeof(struct page)];
	return &p->daxk_lock == l ? p->pfn : ~0ULL;
}

/* Whether the TOWRITE marks are dead (World::non_fault_op_done in
 * kernel/src/world.rs, which argues it): every operation of the scenario that
 * is not a fault has returned, and no fault path, nor the harness's end-state
 * checks, reads a TOWRITE mark. Then the fingerprint leaves them out. Reset
 * with the execution. Not in the radix era (never set there). */
static int daxk_towrite_dead;

void daxk_set_towrite_dead(int dead)
{
	daxk_towrite_dead = dead;
}

/* The TOWRITE marks behind the running writeback's walk (World::towrite_dead_if_done
 * in kernel/src/world.rs argues it): while the writeback is the last operation of
 * the scenario that is not a fault (daxk_towrite_last, from Rust), a TOWRITE mark
 * on an entry that ends below the walk's position (daxk_towrite_walk, the walk's
 * xa_state index after its last xas_find_marked()/xas_next_marked() for TOWRITE,
 * kernel/c/xa_folds.h; ULONG_MAX once the walk found nothing more) is read by
 * nothing any more, and the fingerprint leaves it out. daxk_towrite_walking: a
 * walk has a position (cleared when the writeback returns, driver.c's fsync).
 * daxk_towrite_behind (from Rust): 1, the rule; 0, off; 2 (tests only,
 * unsound), the rule without the last-operation condition. The others are reset
 * with the execution. */
static int daxk_towrite_last;
static int daxk_towrite_walking;
static unsigned long daxk_towrite_walk;
static int daxk_towrite_behind = 1;

void daxk_set_towrite_last(int last)
{
	daxk_towrite_last = last;
}

void daxk_set_towrite_behind(int mode)
{
	daxk_towrite_behind = mode;
}

/* See daxk_dirty_mark_dead() below. */
static int daxk_dirty_dead;

/* The TOWRITE walk of dax_writeback_mapping_range() is at `index` (found: it
 * returned an entry there) or past its end (not found). */
void daxk_towrite_walk_at(unsigned long index, int found)
{
	daxk_towrite_walking = 1;
	daxk_towrite_walk = found ? index : ULONG_MAX;
	if (daxk_towrite_last)
		daxk_dirty_dead = 1;
}

/* The writeback returned: its walk has no position any more. */
void daxk_towrite_walk_over(void)
{
	daxk_towrite_walking = 0;
}

/* Whether the TOWRITE mark of the entry at [index, index + 2^order) is dead. */
static int daxk_towrite_mark_dead(unsigned long index, unsigned int order)
{
	if (daxk_towrite_dead)
		return 1;
	if (!daxk_towrite_walking || !daxk_towrite_behind ||
	    !(daxk_towrite_last || daxk_towrite_behind == 2))
		return 0;
	return index + ((1UL << order) - 1) < daxk_towrite_walk;
}

/* A zero entry's DIRTY mark, once dead, is left out of the fingerprint
 * (World::zero_dirty_rule in kernel/src/world.rs argues it). daxk_zero_dirty_truth
 * (from Rust, per execution): every fault of the running variant marks DIRTY the
 * entry it inserts or finds (6.1's dax_insert_entry(): `dirty` is
 * !dax_fault_is_synchronous(), and no VMA here is VM_SYNC). daxk_zero_dirty_fold
 * (from Rust, tests only): 1, the rule; 0, off. daxk_dirty_dead: set, for good,
 * when the walk over the TOWRITE entries steps while its writeback is the last
 * operation of the scenario that is not a fault (daxk_towrite_walk_at(), under the
 * xarray lock: the value the fingerprint holds changes only at an unlock, as
 * the tree does). Zero entries: DAX_ZERO_PAGE, bit 2 of the value in every
 * xarray tree built (5.15.85, 6.1, 6.12, 7.1.5). Reset with the execution. */
static int daxk_zero_dirty_truth;
static int daxk_zero_dirty_fold = 1;

void daxk_set_zero_dirty(int truth, int fold)
{
	daxk_zero_dirty_truth = truth;
	daxk_zero_dirty_fold = fold;
}

/* Whether the DIRTY mark of the entry with `value` is dead. */
static int daxk_dirty_mark_dead(unsigned long value)
{
	return daxk_dirty_dead && daxk_zero_dirty_truth && daxk_zero_dirty_fold &&
	       (value & (1UL << 2));
}

/* Starts a new execution: an empty file of `size` bytes, no pages, no nodes, a
 * wait table of `buckets` heads (see daxk_hash_long()). */
void daxk_reset_common(long long size, unsigned long buckets)
{
	daxk_wait_buckets = buckets;
	daxk_fail_mask = 0;
	daxk_nalloc = 0;
	struct daxk_file *f = daxk_file();
	while (daxk_allocs) {
		struct daxk_alloc *a = daxk_allocs;
		daxk_allocs = a->next;
		free(a);
	}
	daxk_generation++;
	daxk_nused = 0;
	daxk_nsnap = 0;
	daxk_pages_sum = 0;
	daxk_towrite_dead = 0;
	daxk_towrite_last = 0;
	daxk_towrite_walking = 0;
	daxk_zero_dirty_truth = 0;
	daxk_dirty_dead = 0;
	memset(f, 0, sizeof(*f));
	f->inode.i_size = size;
	f->inode.i_blkbits = PAGE_SHIFT;
	f->mapping.host = &f->inode;
	f->file.f_mapping = &f->mapping;
#ifdef DAXK_RADIX
	daxk_radix_reset(&f->mapping);
#else
	xa_init_flags(&f->mapping.i_pages, XA_FLAGS_LOCK_IRQ | XA_FLAGS_ACCOUNT);
#endif
	spin_lock_init(&daxk_ptl);
	daxk_current = NULL;
}

/* The wait-table head fs/dax.c's dax_entry_waitqueue() picks for key `index` of
 * the file (its DAX_WAIT_TABLE_BITS is 12 in every tree built). */
unsigned long daxk_wait_bucket(unsigned long index)
{
#ifdef DAXK_RADIX
	/* 4.13 hashes the address_space itself. */
	return hash_long((unsigned long)daxk_mapping() ^ index, 12);
#else
	return hash_long((unsigned long)&daxk_mapping()->i_pages ^ index, 12);
#endif
}

/* The lock of the file's tree (the xarray's xa_lock; the radix era's
 * tree_lock), for the world to make its checker lock first (World::new). */
spinlock_t *daxk_tree_lock(void)
{
#ifdef DAXK_RADIX
	return &daxk_mapping()->tree_lock;
#else
	return &daxk_mapping()->i_pages.xa_lock;
#endif
}

void daxk_set_size(long long size)
{
	daxk_file()->inode.i_size = size;
}

#ifndef DAXK_RADIX
/* Kernel: tag_pages_for_writeback() (mm/page-writeback.c): mark every dirty entry
 * of the range TOWRITE, under the xarray lock. */
void tag_pages_for_writeback(struct address_space *mapping, pgoff_t start, pgoff_t end)
{
	XA_STATE(xas, &mapping->i_pages, start);
	void *page;

	xas_lock_irq(&xas);
	xas_for_each_marked(&xas, page, end, PAGECACHE_TAG_DIRTY) {
		xas_set_mark(&xas, PAGECACHE_TAG_TOWRITE);
	}
	xas_unlock_irq(&xas);
}

/* Kernel: iomap_iter(): one mapping per fault, from the filesystem (Rust). */
int iomap_iter(struct iomap_iter *iter, const struct iomap_ops *ops)
{
	(void)ops;
	if (iter->daxk_started)
		return iter->processed < 0 ? (int)iter->processed : iter->status < 0 ? iter->status : 0;
	iter->daxk_started = 1;
	unsigned long long addr = 0, length = 0;
	int type = IOMAP_HOLE;
	int err = daxk_iomap_begin(iter->pos, iter->len, !!(iter->flags & IOMAP_WRITE),
				   &addr, &length, &type);
	if (err)
		return err;
	iter->iomap.addr = addr;
	iter->iomap.offset = iter->pos;
	iter->iomap.length = length;
	iter->iomap.type = type;
	iter->srcmap.type = IOMAP_HOLE;
	iter->srcmap.addr = addr;
	return 1;
}
#endif /* !DAXK_RADIX */

typedef void (*daxk_entry_fn)(void *ctx, unsigned long index, unsigned int order,
			      unsigned long value, int dirty, int towrite, void *entry);
#ifdef DAXK_RADIX
void daxk_entries(void *ctx, daxk_entry_fn fn);
#else
/* The tree, for the end-state checks: every entry with its first index, order,
 * value and marks. Called with no thread running. */
void daxk_entries(void *ctx, daxk_entry_fn fn)
{
	XA_STATE(xas, &daxk_mapping()->i_pages, 0);
	void *entry;

	xas_for_each(&xas, entry, ULONG_MAX) {
		if (!xa_is_value(entry))
			continue;
		unsigned int order = xa_get_order(xas.xa, xas.xa_index);
		fn(ctx, xas.xa_index & ~((1UL << order) - 1), order, xa_to_value(entry),
		   xas_get_mark(&xas, PAGECACHE_TAG_DIRTY),
		   xas_get_mark(&xas, PAGECACHE_TAG_TOWRITE), entry);
	}
}
#endif

/* A fingerprint of the shared kernel state: the tree with its marks, nrpages,
 * i_size and the pages' owners (for the stateful checker). */
/* Inlined: the crate builds its C at -O1, which calls a static function it does not
 * inline, and the fingerprint calls this about 3,600 times per walk with a PMD entry
 * (512 pages). */
static inline __attribute__((always_inline)) unsigned long long
daxk_mix(unsigned long long h, unsigned long long v)
{
	h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

struct daxk_hash_ctx { unsigned long long h; };

static int daxk_same_fields(const struct daxk_page_snap *a, const struct daxk_page_snap *b)
{
	return a->flags == b->flags && a->index == b->index && a->mapping == b->mapping &&
	       a->head == b->head && a->order == b->order && a->refcount == b->refcount &&
	       a->free == b->free;
}
static void daxk_hash_entry(void *ctx, unsigned long index, unsigned int order,
			    unsigned long value, int dirty, int towrite, void *entry)
{
	(void)entry;
	struct daxk_hash_ctx *c = ctx;
	if (towrite && daxk_towrite_mark_dead(index, order))
		towrite = 0;
	if (dirty && daxk_dirty_mark_dead(value))
		dirty = 0;
	c->h = daxk_mix(c->h, index);
	c->h = daxk_mix(c->h, order);
	c->h = daxk_mix(c->h, value);
	c->h = daxk_mix(c->h, (dirty << 1) | towrite);
}

/* The pages as a set: a sum of per-page hashes, so that the order in which an
 * execution first touched them (daxk_used[]) is not part of the state. A page's
 * hash is kept with a copy of the fields it hashed (daxk_snap[]) and computed
 * again only when one of them differs: every page is still looked at, but a PMD
 * entry's 512 pages cost a comparison each, not seven mixes. */
static unsigned long long daxk_pages_hash(void)
{
	for (unsigned long i = 0; i < daxk_nused; i++) {
		struct page *p = daxk_used[i];
		struct daxk_page_snap now = {
			.flags = p->flags, .index = p->index, .mapping = p->mapping,
			.head = p->head, .order = p->order, .refcount = p->refcount,
#ifdef DAXK_RADIX
			/* A free hole page is as if never made: the next allocation may take it. */
			.free = daxk_hole_page_free(p),
#endif
		};
		struct daxk_page_snap *was = &daxk_snap[i];
		if (i < daxk_nsnap && daxk_same_fields(was, &now))
			continue;
		now.h = 0;
		if (!now.free && (p->mapping || p->index || p->flags || p->order || p->head ||
				  p->refcount != 1)) {
			unsigned long long h = daxk_mix(0x452821E638D01377ULL, p->pfn);
			h = daxk_mix(h, p->flags);
			h = daxk_mix(h, (unsigned long long)(uintptr_t)p->mapping);
			h = daxk_mix(h, p->index);
			/* The folio era's compound pages and references. */
			h = daxk_mix(h, p->order);
			h = daxk_mix(h, p->head ? p->head->pfn : 0);
			h = daxk_mix(h, (unsigned long long)p->refcount);
			now.h = h;
		}
		daxk_pages_sum += now.h - (i < daxk_nsnap ? was->h : 0);
		*was = now;
	}
	if (daxk_nsnap < daxk_nused)
		daxk_nsnap = daxk_nused;
	return daxk_pages_sum;
}

unsigned long long daxk_common_hash(void)
{
	struct daxk_hash_ctx c = { 0x243F6A8885A308D3ULL };
	struct daxk_file *f = daxk_file();
	daxk_entries(&c, daxk_hash_entry);
	c.h = daxk_mix(c.h, f->mapping.nrpages);
	c.h = daxk_mix(c.h, (unsigned long long)f->inode.i_size);
	/* Which allocation fails next depends on how many were made (--fail-alloc). */
	if (daxk_fail_mask)
		c.h = daxk_mix(c.h, daxk_nalloc);
	c.h = daxk_mix(c.h, daxk_pages_hash());
	return c.h;
}

/* daxk_common_hash() with the zero entries' DIRTY rule as shipped (fold 1), for
 * the end states a test compares across the rule's switch (every operation has
 * returned there, so the rule leaves every zero entry's DIRTY out if its truth
 * holds). */
unsigned long long daxk_end_hash(void)
{
	int fold = daxk_zero_dirty_fold;
	daxk_zero_dirty_fold = 1;
	unsigned long long h = daxk_common_hash();
	daxk_zero_dirty_fold = fold;
	return h;
}

/* What the acquirer of the xarray lock folds besides what each xarray call
 * returns (kernel/c/xa_folds.h; World::guarded in kernel/src/world.rs): i_size,
 * and in the 5.15 era the pages, whose mapping and index memory failure's
 * dax_lock_page() reads under the lock into its locals. Not the tree, whose
 * every read the wrapped calls fold; not nrpages, which fs/dax.c only adds to
 * and subtracts from; not, after 5.15, the pages: fs/dax.c's reads of their
 * fields under the lock (dax_associate_entry(), dax_disassociate_entry() and
 * their helpers) decide only what those functions write and whether a WARN
 * fires, and leave the caller's locals as they were (6.1, 6.12, 7.1.5 read;
 * dax_busy_page(), whose result is a page, is reached from no entry point).
 *
 * The radix era (4.13) likewise folds i_size alone at its tree_lock: each
 * radix-tree call under it folds what it returned (c/radix/radix_folds.h), and
 * the hole pages' fields are read there only to decide writes (get_page()'s
 * count; __delete_from_page_cache() of a page the task holds locked, whose
 * mapping and index no one else changes meanwhile). Its page locks fold the pages
 * (daxk_other_lock_hash()). */
unsigned long long daxk_acquire_hash(void)
{
	unsigned long long h = daxk_mix(0x13198A2E03707344ULL,
					(unsigned long long)daxk_file()->inode.i_size);
	/* Which allocation fails next depends on how many were made (--fail-alloc). */
	if (daxk_fail_mask)
		h = daxk_mix(h, daxk_nalloc);
#ifdef DAXK_ERA_515
	h = daxk_mix(h, daxk_pages_hash());
#endif
	return h;
}

/* What the acquirer of any other lock but a wait-table head's and the page
 * table's folds (World::guarded): in the radix era a hole page's lock, after
 * which fs/dax.c reads page->mapping into a branch (grab_mapping_entry()'s and
 * find_or_create_page()'s "page got truncated?"): lock_page() folds that read
 * itself (c/radix/radix_protos.h), so the acquire folds what the tree's lock
 * does, i_size (it folded every page's fields before, issue 18's seventh
 * session); the xarray eras take no such lock. */
unsigned long long daxk_other_lock_hash(void)
{
	return daxk_acquire_hash();
}

/* A probe of the radix era's hole-page allocator, for the tests (after a reset):
 * pfns[0] and pfns[1] are two pages made while both are held, pfns[2] the page
 * made after the second was put in the page cache, taken out and put (free
 * again, a stale index left), pfns[3] a page made last at a lower index (its pfn
 * follows its index, radix_common.c's daxk_new_page()). Returns whether the
 * fingerprint once it was free equals the one before it was made (1 or 0), or -1
 * in the xarray era. */
int daxk_hole_page_probe(unsigned long *pfns)
{
#ifdef DAXK_RADIX
	struct page *a = daxk_new_page(5);
	unsigned long long before = daxk_common_hash();
	struct page *b = daxk_new_page(5);
	pfns[0] = a->pfn;
	pfns[1] = b->pfn;
	b->mapping = daxk_mapping();
	b->index = 5;
	int differs_in_cache = daxk_common_hash() != before;
	b->mapping = NULL;
	b->refcount = 0;
	unsigned long long after = daxk_common_hash();
	pfns[2] = daxk_new_page(5)->pfn;
	pfns[3] = daxk_new_page(1)->pfn;
	return differs_in_cache && after == before;
#else
	(void)pfns;
	return -1;
#endif
}

void daxk_set_current(struct task_struct *t)
{
	daxk_current = t;
}

struct task_struct *daxk_get_current(void)
{
	return daxk_current;
}

/* The walks below run under the xarray lock in a task, and the harness goes on
 * with what they collect: each folds what it hands back (daxk_xa_read(), as
 * kernel/c/xa_folds.h's wrappers do for fs/dax.c's calls), and nothing else of
 * what it walked past. The walks above (the fingerprint's, the end-state
 * checks', and tag_pages_for_writeback()'s, which returns nothing and decides
 * only which marks it sets) fold nothing. */
#define DAXK_XA_NO_WRAPPERS
#include "xa_folds.h"

#ifndef DAXK_RADIX
/* The first index of every entry in [start, end], under the xarray lock (the
 * page-cache walks of truncate and invalidate_inode_pages2_range()). */
int daxk_collect(unsigned long start, unsigned long end, unsigned long *out, int max)
{
	XA_STATE(xas, &daxk_mapping()->i_pages, start);
	void *entry;
	int n = 0;

	xas_lock_irq(&xas);
	xas_for_each(&xas, entry, end) {
		if (n < max) {
			daxk_xa_read(DAXK_XA_FIND, 0, xas.xa_index, 0);
			out[n++] = xas.xa_index;
		}
	}
	xas_unlock_irq(&xas);
	return n;
}

/* Every entry carrying `mark` (PAGECACHE_TAG_DIRTY is 0, TOWRITE 2) as its first
 * index and the entry itself, under the xarray lock: what fsync has to write back. */
int daxk_collect_marked(unsigned int mark, unsigned long *index, void **value, int max)
{
	XA_STATE(xas, &daxk_mapping()->i_pages, 0);
	void *entry;
	int n = 0;

	xas_lock_irq(&xas);
	xas_for_each_marked(&xas, entry, ULONG_MAX, (xa_mark_t)mark) {
		if (n < max && xa_is_value(entry)) {
			unsigned int order = xa_get_order(xas.xa, xas.xa_index);
			daxk_xa_read(DAXK_XA_ORDER, daxk_xa_canon(entry) ^ ((u64)order << 56),
				     xas.xa_index, 0);
			index[n] = xas.xa_index & ~((1UL << order) - 1);
			value[n++] = entry;
		}
	}
	xas_unlock_irq(&xas);
	return n;
}
#endif
