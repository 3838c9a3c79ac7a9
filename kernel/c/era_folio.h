/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the folio era (6.15 on, 7.1): DAX pages are folios
 * (mapping, index, share, pgmap), pfn_t is gone (pfns are unsigned long), and
 * faults insert pages and folios.
 */
int __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);

/* Kernel: dax_direct_access() (drivers/dax/super.c), 6.15 on: a plain pfn. */
static inline long dax_direct_access(struct dax_device *d, pgoff_t pgoff, long nr_pages,
				     enum dax_access_mode mode, void **kaddr, unsigned long *pfn)
{
	(void)d; (void)mode;
	unsigned long p = daxk_device_access(pgoff, kaddr);
	if (pfn)
		*pfn = p;
	return nr_pages;
}

/*
 * Folios. A DAX folio is its head page in the memmap; prep_compound_page() makes
 * the tail pages point at it. Page references: the checker's page table holds the
 * mappings, and vmf_insert_*() take no reference here, so a page's count stays at
 * the memmap's own 1 and folio_ref_count() (the references beyond it) reads 0,
 * as dax_folio_init() and dax_folio_put() expect of a page with no DMA or GUP pin.
 */
static inline struct folio *page_folio(struct page *p)
{ return (struct folio *)(p->head ? p->head : p); }
static inline struct folio *pfn_folio(unsigned long pfn) { return page_folio(pfn_to_page(pfn)); }
static inline unsigned long folio_pfn(struct folio *f) { return f->pfn; }
static inline unsigned int folio_order(struct folio *f) { return f->order; }
static inline struct page *folio_page(struct folio *f, unsigned long i) { return pfn_to_page(f->pfn + i); }
static inline struct dev_pagemap *page_pgmap(struct page *p) { return p->pgmap; }
static inline int folio_ref_count(struct folio *f) { return f->refcount - 1; }
static inline int folio_mapcount(struct folio *f) { (void)f; return 0; }
static inline void folio_ref_inc(struct folio *f) { f->refcount++; }
static inline void folio_put(struct folio *f) { f->refcount--; }
static inline void folio_reset_order(struct folio *f) { f->order = 0; }
static inline void ClearPageHead(struct page *p) { (void)p; }
static inline void clear_compound_head(struct page *p) { p->head = NULL; }
static inline void prep_compound_page(struct page *head, unsigned int order)
{
	head->order = order;
	for (unsigned long i = 1; i < (1UL << order); i++)
		pfn_to_page(head->pfn + i)->head = head;
}

/* Kernel: the mm's insertions of 6.15 on, by page and by folio. */
#define zero_pfn(addr) DAXK_ZERO_PFN
#define vmf_insert_page_mkwrite(vmf, page, write) \
	daxk_insert_pte((vmf)->address, (page)->pfn, write, __func__)
static inline vm_fault_t daxk_insert_folio_pmd(struct vm_fault *vmf, struct folio *f, int write,
					       const char *func)
{
	/* The huge zero folio (dax_pmd_load_hole()) is set like 6.x's set_pmd_at(). */
	if (f->pfn == DAXK_HUGE_ZERO_PFN) {
		daxk_set_huge_zero(vmf->address, func);
		return VM_FAULT_NOPAGE;
	}
	return daxk_insert_pmd(vmf->address, f->pfn, write, func);
}
#define vmf_insert_folio_pmd(vmf, folio, write) daxk_insert_folio_pmd(vmf, folio, write, __func__)

/* Kernel: iomap_iter_advance() (fs/iomap/iter.c): consume `count` bytes. */
static inline int iomap_iter_advance(struct iomap_iter *iter, u64 count)
{
	iter->pos += count;
	iter->len -= count;
	return 0;
}
