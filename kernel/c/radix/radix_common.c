/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target, radix-tree era (4.13): the parts every variant shares
 * beyond c/common.c: per-task "per-CPU" data (radix_tree_preload()'s nodes), the
 * node allocator, the mapping's reset, the page-cache walks mm/ does for DAX
 * (tag_pages_for_writeback(), find_get_entries_tag(), deleting a hole page), and
 * the tree as the end-state checks read it. Written for daxlock.
 */
#include "mm_shim.h"
#include "radix_protos.h"
/* The harness's walks below fold what they hand back by hand (daxk_xa_read());
 * the other walks and lookups here fold nothing: see daxk_collect(). */
#define DAXK_RADIX_NO_WRAPPERS
#include "radix_folds.h"

struct address_space *daxk_mapping(void);

/* ---- per-CPU data, one copy per task ---- */
#define DAXK_TASKS 64
#define DAXK_PERCPU_VARS 4
#define DAXK_PERCPU_BYTES 64
static struct {
	void *var;
	unsigned char data[DAXK_PERCPU_BYTES];
} daxk_percpu[DAXK_TASKS][DAXK_PERCPU_VARS];

void *daxk_this_cpu_ptr(void *var, size_t size)
{
	unsigned int task = current ? current->id : 0;

	if (task >= DAXK_TASKS || size > DAXK_PERCPU_BYTES) {
		daxk_bug("per-task copy of a per-CPU variable out of room", __func__, __FILE__, __LINE__);
		return var;
	}
	for (int i = 0; i < DAXK_PERCPU_VARS; i++) {
		if (daxk_percpu[task][i].var == var)
			return daxk_percpu[task][i].data;
		if (!daxk_percpu[task][i].var) {
			daxk_percpu[task][i].var = var;
			memcpy(daxk_percpu[task][i].data, var, size);
			return daxk_percpu[task][i].data;
		}
	}
	daxk_bug("too many per-CPU variables", __func__, __FILE__, __LINE__);
	return var;
}

/* ---- the node cache ---- */
struct kmem_cache { int unused; };
static struct kmem_cache daxk_node_cache;

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     unsigned long flags, void (*ctor)(void *))
{
	(void)name; (void)size; (void)align; (void)flags; (void)ctor;
	return &daxk_node_cache;
}

void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	(void)c; (void)gfp;
	struct radix_tree_node *node = daxk_alloc(sizeof(*node));
	/* The slab constructor's part (radix_tree_node_ctor()): zeroed, an empty list. */
	if (node)
		INIT_LIST_HEAD(&node->private_list);
	return node;
}

/* kmem_cache_free() and call_rcu() are common.c's (freed at the next reset). */

void radix_tree_init(void);
/* The hole pages made this execution (their pfns; daxk_new_page()). */
static unsigned long daxk_hole[64];
static unsigned long daxk_nhole;

/* Starts an execution: an empty tree, no preloaded nodes (they were freed). */
void daxk_radix_reset(struct address_space *mapping)
{
	static int initialised;

	memset(daxk_percpu, 0, sizeof(daxk_percpu));
	daxk_nhole = 0;
	if (!initialised) {
		radix_tree_init();
		initialised = 1;
	}
	static const struct address_space_operations daxk_aops; /* ext4_dax_aops: no ->freepage */

	mapping->a_ops = &daxk_aops;
	INIT_RADIX_TREE(&mapping->page_tree, GFP_ATOMIC | __GFP_ACCOUNT);
	spin_lock_init(&mapping->tree_lock);
}

/* Whether hole page `p` is free again: no task and no page cache holds it (its
 * references all put, its mapping gone). A task holding the page has a
 * reference (find_or_create_page() takes one before it sleeps on the page lock),
 * and a PTE maps a hole page only while it is in the page cache. Its stale index
 * is read by no one and cleared when it is handed out again. Every pfn from
 * DAXK_HOLE_PFN_BASE on is a hole page made by daxk_new_page(). */
int daxk_hole_page_free(const struct page *p)
{
	return p->pfn >= DAXK_HOLE_PFN_BASE && p->refcount <= 0 && !p->mapping && !p->flags;
}

/* How many pages one index may have made at once (the page cache's, and one per
 * task between its lookup and its insert or put: eight tasks at most). */
#define DAXK_HOLE_SLOTS 16UL

/* For tests only (kernel/src/radix.rs, set_hole_pfns_by_index()): 0, pfns in
 * the order pages are made (the allocator before issue 18's ninth session). */
int daxk_hole_pfns_by_index(void);

/* Kernel: the page allocator (__page_cache_alloc()): a new page for the page cache
 * (a hole page) at `index`, from the memmap. A freed page is handed out again,
 * so a page that was made and freed leaves the state as if it never was (the
 * fingerprint skips free hole pages, see daxk_common_hash()), and retries that
 * each make and free a page meet again.
 *
 * Which pfn: the k-th page made for `index` is DAXK_HOLE_PFN_BASE + index *
 * DAXK_HOLE_SLOTS + k, and the lowest free one of those is handed out first
 * (k is nearly always 0: a second page at one index is made only while a task
 * holds the first one, found truncated, or two tasks each made one to insert).
 * So a page's pfn follows from its index and how many pages that index holds,
 * not from the order in which tasks made pages at different indexes: two runs
 * that made the pages of indexes 1 and 5 in either order have the same pages.
 * Why that is sound: the kernel's allocator may hand out any free page, so this
 * is one of its choices, and nothing reads a hole page's pfn but to tell pages
 * apart (the PTE maps the zero page's frame, finish_fault() in mm_shim.h; the
 * folds and the fingerprint hold the pfn as the page's name). Before, the pfn
 * was the lowest free one overall, in the order pages were made: the same
 * states under other names, which the fingerprint told apart (the lookup below
 * folds the pfn; bug-downgrade-wake-one's t1, t2 and t3 each make one page, at
 * indexes 1, 2 and 5, in any of six orders). */
struct page *daxk_new_page(unsigned long index)
{
	unsigned long first = DAXK_HOLE_PFN_BASE;

	if (daxk_hole_pfns_by_index())
		first += index * DAXK_HOLE_SLOTS;
	for (unsigned long k = 0; k < DAXK_HOLE_SLOTS || !daxk_hole_pfns_by_index(); k++) {
		unsigned long pfn = first + k;
		int made = 0;

		for (unsigned long i = 0; i < daxk_nhole; i++)
			made |= daxk_hole[i] == pfn;
		struct page *p = pfn_to_page(pfn);
		if (!made) {
			if (daxk_nhole == sizeof(daxk_hole) / sizeof(daxk_hole[0]))
				break;
			daxk_hole[daxk_nhole++] = pfn;
			return p;
		}
		if (daxk_hole_page_free(p)) {
			p->refcount = 1;
			p->index = 0;
			return p;
		}
	}
	daxk_bug("too many hole pages", __func__, __FILE__, __LINE__);
	return pfn_to_page(first);
}

/* Kernel: __delete_from_page_cache() for a hole page (mm/filemap.c), under
 * tree_lock: its slot emptied, its tags cleared, the page unowned. */
void __delete_from_page_cache(struct page *page, void *shadow)
{
	struct address_space *mapping = page->mapping;
	struct radix_tree_node *node;
	void **slot;

	if (!__radix_tree_lookup(&mapping->page_tree, page->index, &node, &slot)) {
		daxk_bug("deleting a page the tree does not hold", __func__, __FILE__, __LINE__);
		return;
	}
	radix_tree_clear_tags(&mapping->page_tree, node, slot);
	__radix_tree_replace(&mapping->page_tree, node, slot, shadow, NULL, NULL);
	page->mapping = NULL;
	mapping->nrpages--;
}

/* Kernel: tag_pages_for_writeback() (mm/page-writeback.c): every DIRTY entry in
 * [start, end] also TOWRITE, under tree_lock. */
void tag_pages_for_writeback(struct address_space *mapping, pgoff_t start, pgoff_t end)
{
	struct radix_tree_iter iter;
	void **slot;

	spin_lock_irq(&mapping->tree_lock);
	radix_tree_for_each_tagged(slot, &mapping->page_tree, &iter, start, PAGECACHE_TAG_DIRTY) {
		if (iter.index > end)
			break;
		radix_tree_iter_tag_set(&mapping->page_tree, &iter, PAGECACHE_TAG_TOWRITE);
	}
	spin_unlock_irq(&mapping->tree_lock);
}

/* Kernel: find_get_entries_tag() (mm/filemap.c): up to nr_entries entries tagged
 * `tag` from `start`, read without tree_lock (RCU): a scheduling point. */
struct daxk_tagged {
	struct address_space *mapping;
	pgoff_t start;
	int tag;
	unsigned int nr_entries;
	void **entries;
	pgoff_t *indices;
	unsigned int ret;
};
static unsigned long long daxk_read_tagged(void *ctx);

/* For tests (Rust: daxlock_kernel::set_whole_tagged_fold, per OS thread):
 * whether the tagged walk folds its entries whole, every bit, as before. */
int daxk_tagged_whole(void);

/* A tagged entry as dax_writeback_one() reads it (daxk_read_tagged()): an
 * exceptional entry less its lock and PMD bits (the two lowest of the four flag
 * bits above the exceptional bits, as daxk_radix_value() below reads them). */
static unsigned long daxk_tagged_canon(void *entry)
{
	unsigned long e = (unsigned long)entry;

	if (!radix_tree_exceptional_entry(entry))
		return ((struct page *)entry)->pfn << 2 | 1;
	if (daxk_tagged_whole())
		return e;
	return e & ~(3UL << RADIX_TREE_EXCEPTIONAL_SHIFT);
}

unsigned daxk_find_get_entries_tag(struct address_space *mapping, pgoff_t start, int tag,
				   unsigned int nr_entries, void **entries, pgoff_t *indices)
{
	struct daxk_tagged t = { mapping, start, tag, nr_entries, entries, indices, 0 };

	daxk_lockless("find_get_entries_tag", __func__, daxk_read_tagged, &t);
	return t.ret;
}

/* The walk of daxk_find_get_entries_tag(), returned as the stateful checker folds
 * it: a hash of the count, each index and each entry as its caller reads it,
 * which is all the caller goes on with. The caller is 4.13's
 * dax_writeback_mapping_range(), which hands each entry to dax_writeback_one();
 * that reads of it only whether it is exceptional (else a WARN and -EIO), its
 * sector (dax_radix_sector(), against the entry it then finds under tree_lock)
 * and its EMPTY and HZP bits (a WARN), and then overwrites it with what
 * lock_slot() returns (folded by the deref it makes). So an exceptional entry
 * folds as its sector with those two bits, not its lock and PMD bits, which
 * the writeback never reads (daxk_tagged_canon()); a page as its pfn. */
static unsigned long long daxk_read_tagged(void *ctx)
{
	struct daxk_tagged *t = ctx;
	struct address_space *mapping = t->mapping;
	pgoff_t start = t->start;
	int tag = t->tag;
	unsigned int nr_entries = t->nr_entries;
	void **entries = t->entries;
	pgoff_t *indices = t->indices;
	struct radix_tree_iter iter;
	void **slot;
	unsigned int ret = 0;
	unsigned long long h = 0x243F6A8885A308D3ULL;

	radix_tree_for_each_tagged(slot, &mapping->page_tree, &iter, start, tag) {
		void *entry = radix_tree_deref_slot(slot);
		if (!entry)
			continue;
		if (radix_tree_exception(entry) && radix_tree_deref_retry(entry)) {
			slot = radix_tree_iter_retry(&iter);
			continue;
		}
		indices[ret] = iter.index;
		entries[ret] = entry;
		h = (h ^ iter.index) * 0x100000001b3ULL;
		h = (h ^ daxk_tagged_canon(entry)) * 0x100000001b3ULL;
		if (++ret == nr_entries)
			break;
	}
	t->ret = ret;
	return (h ^ ret) * 0x100000001b3ULL;
}

/* An entry as the fingerprint folds it, the same for the same entry in every run
 * (a hole page's address need not be): a DAX entry's four flag bits and frame, a
 * hole page as a zero PTE entry with its lock. What the entry is, Rust reads
 * through the variant's DAXK(decode)(). */
static unsigned long daxk_radix_value(void *entry)
{
	unsigned long e = (unsigned long)entry;

	if (!radix_tree_exceptional_entry(entry)) {
		struct page *p = entry;
		return 4 | !!(p->flags & PG_locked);
	}
	unsigned long flags = (e >> RADIX_TREE_EXCEPTIONAL_SHIFT) & 0xf;
	unsigned long sector = e >> (RADIX_TREE_EXCEPTIONAL_SHIFT + 4);

	/* lock, PMD, HZP, EMPTY are the four bits above the exceptional bits. */
	return flags | (sector >> 3) << 4;
}

typedef void (*daxk_entry_fn)(void *ctx, unsigned long index, unsigned int order,
			      unsigned long value, int dirty, int towrite, void *entry);
/* The tree, for the end-state checks: every entry (each multi-order entry once,
 * at the first index of the slot that holds it) with the shift of that slot, its
 * value and tags. Called with no thread running. */
void daxk_entries(void *ctx, daxk_entry_fn fn)
{
	struct radix_tree_root *root = &daxk_mapping()->page_tree;
	struct radix_tree_iter iter;
	void **slot;

	radix_tree_for_each_slot(slot, root, &iter, 0) {
		void *entry = radix_tree_deref_slot(slot);
		if (!entry)
			continue;
		fn(ctx, iter.index, iter_shift(&iter), daxk_radix_value(entry),
		   radix_tree_tag_get(root, iter.index, PAGECACHE_TAG_DIRTY),
		   radix_tree_tag_get(root, iter.index, PAGECACHE_TAG_TOWRITE), entry);
	}
}

/* The first index of every entry in [start, end], under tree_lock (the
 * page-cache walks of truncate and invalidate_inode_pages2_range()).
 *
 * This walk and daxk_collect_marked() run under tree_lock in a task, and the
 * harness goes on with what they collect: each folds what it hands back
 * (daxk_xa_read(), as c/radix/radix_folds.h's wrappers do for fs/dax.c's calls),
 * and nothing else of what it walked past. The other walks and lookups in this
 * file fold nothing: daxk_entries() runs with no thread running (the end-state
 * checks, the fingerprint); tag_pages_for_writeback() returns nothing and decides
 * only which tags it sets; __delete_from_page_cache()'s lookup decides only what
 * it writes (and a BUG, an event of that instant); daxk_read_tagged() runs in a
 * lockless read, which folds what it returns. */
int daxk_collect(unsigned long start, unsigned long end, unsigned long *out, int max)
{
	struct address_space *mapping = daxk_mapping();
	struct radix_tree_iter iter;
	void **slot;
	int n = 0;

	spin_lock_irq(&mapping->tree_lock);
	radix_tree_for_each_slot(slot, &mapping->page_tree, &iter, start) {
		if (iter.index > end)
			break;
		if (radix_tree_deref_slot_protected(slot, &mapping->tree_lock) && n < max) {
			daxk_xa_read(DAXK_RADIX_ORDER, 0, iter.index, 0);
			out[n++] = iter.index;
		}
	}
	spin_unlock_irq(&mapping->tree_lock);
	return n;
}

/* Every DAX entry carrying tag `mark` (PAGECACHE_TAG_DIRTY is 0, TOWRITE 2) as its
 * first index and the entry itself, under tree_lock: what fsync has to
 * write back (the radix era's twin of common.c's). */
int daxk_collect_marked(unsigned int mark, unsigned long *index, void **value, int max)
{
	struct address_space *mapping = daxk_mapping();
	struct radix_tree_iter iter;
	void **slot;
	int n = 0;

	spin_lock_irq(&mapping->tree_lock);
	radix_tree_for_each_tagged(slot, &mapping->page_tree, &iter, 0, mark) {
		void *entry = radix_tree_deref_slot_protected(slot, &mapping->tree_lock);

		if (entry && radix_tree_exceptional_entry(entry) && n < max) {
			daxk_xa_read(DAXK_RADIX_ORDER,
				     daxk_radix_canon(entry) ^ ((u64)iter_shift(&iter) << 56),
				     iter.index, 0);
			index[n] = iter.index;
			value[n++] = entry;
		}
	}
	spin_unlock_irq(&mapping->tree_lock);
	return n;
}
