/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target, radix-tree era (4.13): what the extracted fs/dax.c
 * calls from mm/ and the block layer, declared or written for it in our own
 * words. Included into each variant's translation unit after the renames, so
 * dax_wake_mapping_entry_waiter() here is the variant's.
 */
#ifndef DAXK_RADIX_PROTOS_H
#define DAXK_RADIX_PROTOS_H

void dax_wake_mapping_entry_waiter(struct address_space *mapping, pgoff_t index,
				   void *entry, bool wake_all);

/* ---- pages: a hole page is a page-cache page with a sleeping lock ---- */
#define PG_locked 1UL
/* Which read of a page folds (daxk_xa_read(); numbered apart from the radix-tree
 * calls' DAXK_RADIX_* of radix_folds.h). */
#define DAXK_RADIX_PAGE_LOCKED 0x51
/* Kernel: lock_page(): sleeps while another task holds the page. What every
 * caller reads of the page once it holds it is whether it is still in the
 * mapping (grab_mapping_entry()'s and find_or_create_page()'s "page got
 * truncated?", the hole-page unmap's `page->mapping == mapping`; a page is only
 * ever in this one mapping, at the index it was found at, and its mapping and
 * index are written only under its lock), so that is what the task folds here,
 * with the page's pfn (the same in every run), not every page's fields (the
 * lock's acquire folds i_size alone, daxk_other_lock_hash()). Its other
 * fields the holder reads only to decide writes (get_page()'s count,
 * __delete_from_page_cache()). */
static inline void lock_page(struct page *p)
{
	daxk_spin_lock(&p->daxk_lock, "lock_page");
	p->flags |= PG_locked;
	daxk_c_wrote();
	daxk_xa_read(DAXK_RADIX_PAGE_LOCKED, p->mapping != NULL, p->pfn, 0);
}
static inline void unlock_page(struct page *p)
{
	p->flags &= ~PG_locked;
	daxk_spin_unlock(&p->daxk_lock, "unlock_page");
}
/* A page's reference count is written outside every lock (put_page() after
 * unlock_page(), dax_load_hole()'s get_page() for the PTE), as is the lock bit
 * lock_page() sets once it holds the page: each such write tells the checker
 * (daxk_c_wrote(), World::c_wrote), whose copy of the C state an unlock sets. */
static inline void get_page(struct page *p) { p->refcount++; daxk_c_wrote(); }
static inline void put_page(struct page *p) { p->refcount--; daxk_c_wrote(); }
static struct page *find_or_create_page(struct address_space *mapping, pgoff_t index, gfp_t gfp);
void __delete_from_page_cache(struct page *page, void *shadow);
struct page *daxk_new_page(unsigned long index);

/* ---- the block device and the DAX device ---- */
struct gendisk { char disk_name[32]; };
struct block_device { struct gendisk *bd_disk; };
struct dax_device;
/* Kernel: bdev_dax_pgoff(): the device page of a sector (the partition starts at 0). */
static inline int bdev_dax_pgoff(struct block_device *bdev, sector_t sector, size_t size,
				 pgoff_t *pgoff)
{
	u64 phys_off = sector * 512;

	(void)bdev;
	if (pgoff)
		*pgoff = PHYS_PFN(phys_off);
	if (phys_off % PAGE_SIZE || size % PAGE_SIZE)
		return -EINVAL;
	return 0;
}
static inline struct dax_device *dax_get_by_host(const char *host)
{
	(void)host;
	return (struct dax_device *)1;
}
static inline void put_dax(struct dax_device *d) { (void)d; }

/* ---- writeback ---- */
#define PAGEVEC_SIZE 14
struct pagevec { unsigned long nr; struct page *pages[PAGEVEC_SIZE]; };
#define pagevec_init(pv, cold) ((pv)->nr = 0)
unsigned daxk_find_get_entries_tag(struct address_space *mapping, pgoff_t start, int tag,
				   unsigned int nr_entries, void **entries, pgoff_t *indices);
#define find_get_entries_tag(m, start, tag, nr, entries, indices) \
	daxk_find_get_entries_tag(m, start, tag, nr, (void **)(entries), indices)

/* Kernel: dax_mapping_entry_mkclean() walks every shared VMA's page table at
 * `index` with follow_pte_pmd() and write-protects the PTE or PMD mapping `pfn`:
 * here one step on the model's page table (the page at `index`, or the huge
 * mapping over it). */
static void dax_mapping_entry_mkclean(struct address_space *mapping, pgoff_t index,
				      unsigned long pfn)
{
	(void)mapping; (void)pfn;
	daxk_mkclean(index, 1, "dax_mapping_entry_mkclean");
}

/* Kernel: finish_mkwrite_fault(): the PTE made writable (the pfn_mkwrite path). */
static inline void finish_mkwrite_fault(struct vm_fault *vmf)
{
	daxk_pte_mkwrite(vmf->address, "finish_mkwrite_fault");
}

#endif /* DAXK_RADIX_PROTOS_H */
