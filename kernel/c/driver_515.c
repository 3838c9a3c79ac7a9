/* SPDX-License-Identifier: GPL-2.0-only */
/* daxlock kernel target: the 5.15 era's entry points (included by driver.c). */

/*
 * Kernel: mf_generic_kill_procs() (mm/memory-failure.c, 5.15): dax_lock_page()
 * on the failing pfn's page, then dax_unlock_page(). The failing pfn is the one
 * the entry at `index` maps (read under the xarray lock); an index without
 * storage has no page whose memory can fail, and nothing is locked. The page's
 * mapping and index are the ones dax_associate_entry() set in the memmap.
 * Returns whether an entry was locked.
 */
int DAXK(lock_unlock_entry)(unsigned long index)
{
	struct address_space *mapping = daxk_mapping();
	XA_STATE(xas, &mapping->i_pages, index);
	struct page *page;
	dax_entry_t cookie;
	void *entry;

	xas_lock_irq(&xas);
	entry = xas_load(&xas);
	xas_unlock_irq(&xas);
	if (!xa_is_value(entry) || dax_is_zero_entry(entry) || dax_is_empty_entry(entry))
		return 0;
	page = pfn_to_page(dax_to_pfn(entry) +
			   (index & ((1UL << dax_entry_order(entry)) - 1)));
	cookie = dax_lock_page(page);
	if (!cookie)
		return 0;
	dax_unlock_page(page, cookie);
	return cookie != ~0UL;
}
