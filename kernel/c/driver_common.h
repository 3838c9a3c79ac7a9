/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the parts of the per-variant driver every era shares
 * (included by driver.c and radix/radix_driver.c, in the variant's translation
 * unit): the VMA a fault is in, the fault's setup, the wait-table walk.
 */
#define DAXK_CAT2(a, b) a##_##b
#define DAXK_CAT(a, b) DAXK_CAT2(a, b)
#define DAXK(name) DAXK_CAT(DAXK_VARIANT, name)

struct daxk_file;
struct address_space *daxk_mapping(void);
static const struct iomap_ops daxk_iomap_ops;

/* What Rust passes for the VMA a fault is in. */
struct daxk_vma {
	unsigned long start, end, pgoff;
	int shared;
};

/* The wait table: calls fn for every queued waiter (bucket, task id, key index). */
typedef void (*daxk_waiter_fn)(void *ctx, unsigned long bucket, unsigned int task,
			       unsigned long key_index, int exclusive);

/* The entry points Rust calls, generated from kernel/src/decls.rs. */
#include "daxk_entry_points.h"

static void daxk_fault_setup(struct vm_area_struct *vma, struct file *file,
			     struct vm_fault *vmf, pmd_t *pmd,
			     const struct daxk_vma *v, unsigned long addr, int write)
{
	static struct page daxk_cow_page;
	static struct mm_struct daxk_mm;

	memset(vma, 0, sizeof(*vma));
	vma->vm_start = v->start;
	vma->vm_end = v->end;
	vma->vm_pgoff = v->pgoff;
	vma->vm_flags = v->shared ? VM_SHARED : 0;
	file->f_mapping = daxk_mapping();
	vma->vm_file = file;
	vma->vm_mm = &daxk_mm;
	memset(vmf, 0, sizeof(*vmf));
	vmf->vma = vma;
	vmf->address = addr;
	vmf->flags = write ? FAULT_FLAG_WRITE : 0;
	vmf->pgoff = linear_page_index(vma, addr);
	vmf->gfp_mask = GFP_KERNEL;
	pmd->addr = addr & PMD_MASK;
	vmf->pmd = pmd;
	/* Kernel: do_cow_fault() gives a private write fault a page to copy into. */
	if (write && !v->shared)
		vmf->cow_page = &daxk_cow_page;
}

/* A fault entry point's locals: the VMA, file, fault and PMD the handler sees. */
struct daxk_fault {
	struct vm_area_struct vma;
	struct file file;
	struct vm_fault vmf;
	pmd_t pmd;
};

/* Sets `f` up for a fault at `addr` in `v`; returns its vm_fault. */
static struct vm_fault *daxk_fault_begin(struct daxk_fault *f, const struct daxk_vma *v,
					 unsigned long addr, int write)
{
	daxk_fault_setup(&f->vma, &f->file, &f->vmf, &f->pmd, v, addr, write);
	return &f->vmf;
}

#ifndef DAXK_RADIX
/* An entry of the tree as the model sees it, read by the tree's own helpers. */
void DAXK(decode)(void *entry, int *locked, int *pmd, int *zero, int *empty,
		  unsigned long long *pfn)
{
	*locked = dax_is_locked(entry);
	*pmd = dax_is_pmd_entry(entry);
	*zero = dax_is_zero_entry(entry);
	*empty = dax_is_empty_entry(entry);
	*pfn = dax_to_pfn(entry);
}
#endif

/* The waiters queued on wait-table head i, in queue order. */
void DAXK(waiters_at)(void *ctx, daxk_waiter_fn fn, unsigned long i)
{
	struct wait_queue_head *wq = &wait_table[i];
	struct wait_queue_entry *w;

	if (list_empty(&wq->head))
		return;
	list_for_each_entry(w, &wq->head, entry) {
		struct wait_exceptional_entry_queue *ew =
			container_of(w, struct wait_exceptional_entry_queue, wait);
		struct task_struct *t = w->private;
		fn(ctx, i, t ? t->id : 0, ew->key.entry_start,
		   !!(w->flags & WQ_FLAG_EXCLUSIVE));
	}
}

void DAXK(waiters)(void *ctx, daxk_waiter_fn fn)
{
	for (unsigned long i = 0; i < DAX_WAIT_TABLE_ENTRIES; i++)
		DAXK(waiters_at)(ctx, fn, i);
}

/* The wait-table head whose lock is `lock`, or -1 if it is another lock (a waiter
 * is queued and dequeued only under its head's lock: the stateful checker walks
 * only the heads whose lock was taken). */
long DAXK(head_of)(const void *lock)
{
	const char *p = lock, *base = (const char *)wait_table;
	unsigned long i;

	if (p < base || p >= base + sizeof(wait_table))
		return -1;
	i = (unsigned long)(p - base) / sizeof(wait_table[0]);
	return lock == (const void *)&wait_table[i].lock ? (long)i : -1;
}
