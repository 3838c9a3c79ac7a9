/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the shims that differ between the eras of fs/dax.c
 * (kernel/src/era.rs recognises a tree's era; the build defines DAXK_ERA_*).
 * What the eras agree on stays in shim.h and mm_shim.h.
 */
#ifndef DAXK_ERA_H
#define DAXK_ERA_H

/* The DAX device maps its page N to frame N (every era's dax_direct_access()). */
static inline unsigned long daxk_device_access(pgoff_t pgoff, void **kaddr)
{
	static char daxk_device_byte;
	if (kaddr)
		*kaddr = &daxk_device_byte;
	return pgoff;
}

#if defined(DAXK_ERA_515)
#include "era_515.h"
#elif defined(DAXK_ERA_6)
#include "era_6.h"
#elif defined(DAXK_ERA_FOLIO)
#include "era_folio.h"
#elif defined(DAXK_RADIX)
/* The radix-tree era (4.13); its other shims are under c/radix/. */
void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);
/* Kernel: dax_direct_access() (drivers/dax/super.c), 4.13: no access mode. The
 * kernel address is page_address()'s for the frame, so that dax_writeback_one()'s
 * dax_flush(dax_dev, kaddr, size) reports the frames it flushes. */
static inline long dax_direct_access(struct dax_device *d, pgoff_t pgoff, long nr_pages,
				     void **kaddr, pfn_t *pfn)
{
	(void)d;
	if (kaddr)
		*kaddr = (void *)(DAXK_KADDR_BASE + (pgoff << 12));
	if (pfn)
		pfn->val = pgoff | PFN_DEV | PFN_MAP;
	return nr_pages;
}
#else
#error "no DAXK_ERA_* defined: the build script names the tree's era"
#endif

#endif /* DAXK_ERA_H */
