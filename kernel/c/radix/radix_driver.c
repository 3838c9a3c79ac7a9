/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target, radix-tree era (4.13): the entry points Rust calls,
 * compiled into each variant's translation unit after the extracted fs/dax.c.
 * The filesystem (ext4's ->iomap_begin), the fault dispatch of mm/memory.c and
 * the page-cache insert of mm/filemap.c are written here in our own words.
 */
#include "driver_common.h"

static struct gendisk daxk_disk = { .disk_name = "pmem0" };
static struct block_device daxk_bdev = { .bd_disk = &daxk_disk };

/* Kernel: ext4_iomap_begin(): one extent from the model's block map. */
static int daxk_radix_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
				  unsigned flags, struct iomap *iomap)
{
	unsigned long long addr = 0, len = 0;
	int type = IOMAP_HOLE;
	int err = daxk_iomap_begin(pos, length, !!(flags & IOMAP_WRITE), &addr, &len, &type);

	(void)inode;
	if (err)
		return err;
	memset(iomap, 0, sizeof(*iomap));
	iomap->blkno = addr >> 9;
	iomap->offset = pos;
	iomap->length = len;
	iomap->type = type;
	iomap->bdev = &daxk_bdev;
	return 0;
}

static const struct iomap_ops daxk_iomap_ops = {
	.iomap_begin = daxk_radix_iomap_begin,
};

/* Kernel: page_cache_tree_insert() (mm/filemap.c) for a DAX mapping, under
 * tree_lock: the page takes the index's slot; a locked empty DAX entry there is
 * replaced and its waiters are all woken (a page there is -EEXIST). */
static int daxk_page_cache_tree_insert(struct address_space *mapping, struct page *page)
{
	struct radix_tree_node *node;
	void **slot, *p;
	int err;

	err = __radix_tree_create(&mapping->page_tree, page->index, 0, &node, &slot);
	if (err)
		return err;
	p = radix_tree_deref_slot_protected(slot, &mapping->tree_lock);
	if (p) {
		if (!radix_tree_exceptional_entry(p))
			return -EEXIST;
		mapping->nrexceptional--;
		WARN_ON_ONCE(p != dax_radix_locked_entry(0, RADIX_DAX_EMPTY));
		dax_wake_mapping_entry_waiter(mapping, page->index, p, true);
	}
	__radix_tree_replace(&mapping->page_tree, node, slot, page, NULL, NULL);
	mapping->nrpages++;
	return 0;
}

/* find_or_create_page()'s lockless lookup (find_get_entry()) and what it goes on
 * with: the page at `index` if there is one (not an exceptional entry), else a new
 * page. The allocator reads the pages without a lock as well, right after the
 * lookup with no scheduling point between, so both are one read. Returned as the
 * stateful checker folds it: the page's pfn and whether it was found. */
struct daxk_lookup {
	struct address_space *mapping;
	pgoff_t index;
	struct page *page;
	int found;
};
static unsigned long long daxk_read_lookup(void *ctx)
{
	struct daxk_lookup *l = ctx;
	struct page *page = __radix_tree_lookup(&l->mapping->page_tree, l->index, NULL, NULL);

	l->found = page && !radix_tree_exceptional_entry(page);
	l->page = l->found ? page : daxk_new_page(l->index);
	return (unsigned long long)l->page->pfn << 1 | (unsigned long long)l->found;
}

/* Kernel: find_or_create_page() (pagecache_get_page() with FGP_LOCK | FGP_CREAT):
 * a page already at `index` is returned locked; else a new locked page is added
 * (add_to_page_cache_lru(): preload, tree_lock, insert), retrying on -EEXIST; a
 * page that could not be added is put (freed). */
static struct page *find_or_create_page(struct address_space *mapping, pgoff_t index, gfp_t gfp)
{
	struct page *page;
	int err;

repeat:;
	struct daxk_lookup lookup = { mapping, index, NULL, 0 };
	daxk_lockless("find_get_entry", __func__, daxk_read_lookup, &lookup);
	page = lookup.page;
	if (lookup.found) {
		get_page(page);
		lock_page(page);
		if (page->mapping != mapping) {
			unlock_page(page);
			put_page(page);
			goto repeat;
		}
		return page;
	}
	lock_page(page);
	err = radix_tree_maybe_preload(gfp & ~__GFP_HIGHMEM);
	if (err) {
		unlock_page(page);
		put_page(page);
		return NULL;
	}
	spin_lock_irq(&mapping->tree_lock);
	page->mapping = mapping;
	page->index = index;
	err = daxk_page_cache_tree_insert(mapping, page);
	radix_tree_preload_end();
	spin_unlock_irq(&mapping->tree_lock);
	if (err) {
		page->mapping = NULL;
		page->index = 0;
		unlock_page(page);
		put_page(page); /* freed: the allocator may hand it out again */
		if (err == -EEXIST)
			goto repeat;
		return NULL;
	}
	return page;
}

/* Kernel: the PTE fault paths of __handle_mm_fault() for a DAX VMA. A fault on an
 * empty PTE is ext4_dax_fault() → dax_iomap_fault(PE_SIZE_PTE); a write to a
 * read-only PTE is do_wp_page(): a device frame in a shared VMA goes to
 * ->pfn_mkwrite (dax_pfn_mkwrite()), a hole page in a shared VMA to ->page_mkwrite
 * (ext4_dax_fault() again), and anything in a private VMA is copied
 * (wp_page_copy(), no DAX code). */
unsigned int DAXK(pte_fault)(const struct daxk_vma *v, unsigned long addr, int write)
{
	struct daxk_fault f;
	struct vm_fault *vmf = daxk_fault_begin(&f, v, addr, write);

	if (write) {
		int target = daxk_pte_target(addr, __func__);
		if (target >= 0 && !v->shared)
			return daxk_finish_cow(addr, "wp_page_copy") | VM_FAULT_NOPAGE;
		if (target == 1) {
			daxk_pfn_mkwrite_begins();
			return dax_pfn_mkwrite(vmf);
		}
		if (target == 2)
			return VM_FAULT_NOPAGE;
	}
	return dax_iomap_pte_fault(vmf, &daxk_iomap_ops);
}

/* Kernel: the ->huge_fault handler, ext4_dax_huge_fault() → dax_iomap_fault(PE_SIZE_PMD). */
unsigned int DAXK(pmd_fault)(const struct daxk_vma *v, unsigned long addr, int write)
{
	struct daxk_fault f;

	return dax_iomap_pmd_fault(daxk_fault_begin(&f, v, addr, write), &daxk_iomap_ops);
}

/* Kernel: fsync → dax_writeback_mapping_range() over the whole file. */
int DAXK(fsync)(void)
{
	struct writeback_control wbc = {
		.range_start = 0,
		.range_end = LLONG_MAX,
		.sync_mode = WB_SYNC_ALL,
	};
	return dax_writeback_mapping_range(daxk_mapping(), &daxk_bdev, &wbc);
}

/* A hole page at `index`, if the tree holds one there (looked up under tree_lock;
 * returned with a reference). */
static struct page *daxk_hole_page(unsigned long index)
{
	struct address_space *mapping = daxk_mapping();
	struct page *page;

	spin_lock_irq(&mapping->tree_lock);
	page = __radix_tree_lookup(&mapping->page_tree, index, NULL, NULL);
	if (page && radix_tree_exceptional_entry(page))
		page = NULL;
	if (page)
		get_page(page);
	spin_unlock_irq(&mapping->tree_lock);
	return page;
}

/* Kernel: truncate_inode_page() / invalidate_complete_page2() (mm/truncate.c) on a
 * hole page: locked, unmapped, deleted from the page cache if still there. */
static int daxk_drop_hole_page(struct page *page)
{
	struct address_space *mapping = daxk_mapping();
	int dropped = 0;

	lock_page(page);
	if (page->mapping == mapping) {
		unmap_mapping_range(mapping, (loff_t)page->index << PAGE_SHIFT, PAGE_SIZE, 0);
		spin_lock_irq(&mapping->tree_lock);
		__delete_from_page_cache(page, NULL);
		spin_unlock_irq(&mapping->tree_lock);
		put_page(page);
		dropped = 1;
	}
	unlock_page(page);
	put_page(page);
	return dropped;
}

/* Kernel: truncate_inode_pages_range(): a hole page is truncated as a page, a DAX
 * entry by dax_delete_mapping_entry(). */
int DAXK(delete_entry)(unsigned long index)
{
	struct page *page = daxk_hole_page(index);

	if (page)
		return daxk_drop_hole_page(page);
	return dax_delete_mapping_entry(daxk_mapping(), index);
}

/* Kernel: invalidate_inode_pages2_range(): a (clean) hole page is dropped, a DAX
 * entry goes to dax_invalidate_mapping_entry_sync(). */
int DAXK(invalidate_entry)(unsigned long index)
{
	struct page *page = daxk_hole_page(index);

	if (page)
		return daxk_drop_hole_page(page);
	return dax_invalidate_mapping_entry_sync(daxk_mapping(), index);
}

/* 4.13 has no dax_lock_mapping_entry() (memory failure's entry lock came in
 * 4.20): the kernel target refuses scenarios that need it on this era. */
int DAXK(lock_unlock_entry)(unsigned long index)
{
	(void)index;
	return 0;
}

/* An entry of the tree as the model sees it: a DAX entry read by the tree's own
 * helpers and bits (dax_is_*_entry(), RADIX_DAX_ENTRY_LOCK, dax_radix_sector());
 * a hole page (a struct page, not an exceptional entry) is a zero PTE entry,
 * locked while its page lock is held. */
void DAXK(decode)(void *entry, int *locked, int *pmd, int *zero, int *empty,
		  unsigned long long *pfn)
{
	if (!radix_tree_exceptional_entry(entry)) {
		struct page *p = entry;

		*locked = !!(p->flags & PG_locked);
		*pmd = *empty = 0;
		*zero = 1;
		*pfn = 0;
		return;
	}
	*locked = !!((unsigned long)entry & RADIX_DAX_ENTRY_LOCK);
	*pmd = dax_is_pmd_entry(entry);
	*zero = dax_is_zero_entry(entry);
	*empty = dax_is_empty_entry(entry);
	*pfn = dax_radix_sector(entry) >> (PAGE_SHIFT - 9);
}

/* Starts an execution: an empty wait table. */
void DAXK(reset)(void)
{
	init_dax_wait_table();
}
