/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the 5.15 era: the device is reached through the block
 * device's sectors (bdev_dax_pgoff()), dax_direct_access() has no access mode,
 * __wake_up() returns nothing, and fault sizes are an enum page_entry_size.
 */
typedef u64 sector_t;
struct block_device;
void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);
enum page_entry_size { PE_SIZE_PTE = 0, PE_SIZE_PMD, PE_SIZE_PUD };

/* Kernel: bdev_dax_pgoff() (drivers/dax/super.c): the device page of a sector
 * (the partition starts at sector 0). */
static inline int bdev_dax_pgoff(struct block_device *bdev, sector_t sector, size_t size,
				 pgoff_t *pgoff)
{
	u64 phys_off = sector << 9;

	(void)bdev;
	if (pgoff)
		*pgoff = (pgoff_t)(phys_off >> PAGE_SHIFT);
	return (phys_off % PAGE_SIZE || size % PAGE_SIZE) ? -EINVAL : 0;
}

/* Kernel: dax_direct_access() (drivers/dax/super.c), 5.15. */
static inline long dax_direct_access(struct dax_device *d, pgoff_t pgoff, long nr_pages,
				     void **kaddr, pfn_t *pfn)
{
	(void)d;
	if (pfn)
		pfn->val = daxk_device_access(pgoff, kaddr) | PFN_DEV | PFN_MAP;
	return nr_pages;
}

/*
 * Kernel: dax_entry_mkclean() (5.15's fs/dax.c; not extracted, because it walks
 * the page tables itself with follow_invalidate_pte()). It write-protects, in
 * every shared VMA, the mapping of `index` alone: the PTE at its address or the
 * PMD over it. The hook does the same on the checker's page table (for one page,
 * where 5.18 on write-protect every page of the entry with pfn_mkclean_range()).
 */
static inline void dax_entry_mkclean(struct address_space *mapping, pgoff_t index,
				     unsigned long pfn)
{
	(void)mapping; (void)pfn;
	i_mmap_lock_read(mapping);
	daxk_mkclean(index, 1, "dax_entry_mkclean");
	i_mmap_unlock_read(mapping);
}
