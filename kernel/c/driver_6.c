/* SPDX-License-Identifier: GPL-2.0-only */
/* daxlock kernel target: the 6.0-6.14 era's entry points (included by driver.c). */

/* Kernel: dax_lock_mapping_entry() then dax_unlock_mapping_entry() (memory
 * failure's way of pinning an entry). Returns whether an entry was locked. */
int DAXK(lock_unlock_entry)(unsigned long index)
{
	struct page *page = NULL;
	dax_entry_t cookie = dax_lock_mapping_entry(daxk_mapping(), index, &page);

	if (!cookie)
		return 0;
	dax_unlock_mapping_entry(daxk_mapping(), index, cookie);
	return cookie != ~0UL;
}
