/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the entry points Rust calls, compiled into the same
 * translation unit as the extracted fs/dax.c (whose functions are static), once
 * per bug variant. DAXK(name) gives each variant its own symbols.
 */
#include "driver_common.h"

/* Kernel: the ->fault handler, ext4_dax_fault() → dax_iomap_fault(PE_SIZE_PTE). */
unsigned int DAXK(pte_fault)(const struct daxk_vma *v, unsigned long addr, int write)
{
	struct daxk_fault f;
	int err = 0;

	return dax_iomap_pte_fault(daxk_fault_begin(&f, v, addr, write), NULL, &err,
				   &daxk_iomap_ops);
}

/* Kernel: the ->huge_fault handler, ext4_dax_huge_fault() → dax_iomap_fault(PE_SIZE_PMD). */
unsigned int DAXK(pmd_fault)(const struct daxk_vma *v, unsigned long addr, int write)
{
	struct daxk_fault f;

	return dax_iomap_pmd_fault(daxk_fault_begin(&f, v, addr, write), NULL, &daxk_iomap_ops);
}

/* Kernel: fsync → dax_writeback_mapping_range() over the whole file. */
int DAXK(fsync)(void)
{
	struct writeback_control wbc = {
		.range_start = 0,
		.range_end = LLONG_MAX,
		.sync_mode = WB_SYNC_ALL,
	};
	int ret = dax_writeback_mapping_range(daxk_mapping(), NULL, &wbc);

	daxk_walk_scope_end(ret);
	daxk_towrite_walk_over();
	return ret;
}

/* Kernel: truncate_inode_pages_range() → dax_delete_mapping_entry(). */
int DAXK(delete_entry)(unsigned long index)
{
	return dax_delete_mapping_entry(daxk_mapping(), index);
}

/* Kernel: invalidate_inode_pages2_range() → dax_invalidate_mapping_entry_sync(). */
int DAXK(invalidate_entry)(unsigned long index)
{
	return dax_invalidate_mapping_entry_sync(daxk_mapping(), index);
}

/* Memory failure's lock and unlock of an entry: each era's own (era.h's choice). */
#if defined(DAXK_ERA_515)
#include "driver_515.c"
#else
/* 6.0 on, folios included: dax_lock_mapping_entry(). */
#include "driver_6.c"
#endif

/* Starts an execution: an empty wait table. */
void DAXK(reset)(void)
{
	init_dax_wait_table();
}
