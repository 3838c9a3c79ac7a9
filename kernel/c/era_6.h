/* SPDX-License-Identifier: GPL-2.0-only */
/* daxlock kernel target: the 6.0-6.14 era (6.1, 6.12): pfn_t, dax_access_mode. */
int __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);

/* Kernel: dax_direct_access() (drivers/dax/super.c), 6.0 on. */
static inline long dax_direct_access(struct dax_device *d, pgoff_t pgoff, long nr_pages,
				     enum dax_access_mode mode, void **kaddr, pfn_t *pfn)
{
	(void)d; (void)mode;
	if (pfn)
		pfn->val = daxk_device_access(pgoff, kaddr) | PFN_DEV | PFN_MAP;
	return nr_pages;
}
