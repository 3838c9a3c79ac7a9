/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: stand-ins for the wait-queue, mm, iomap and DAX-device
 * interfaces that the extracted parts of kernel/sched/wait.c and fs/dax.c call.
 * Page tables, the filesystem's block map and the device live in Rust (the
 * daxk_* hooks); this file only gives them the kernel's names and types.
 */
#ifndef DAXK_MM_SHIM_H
#define DAXK_MM_SHIM_H

#include "shim.h"
/* daxlock radix era (4.13): the tree is lib/radix-tree.c, the rest is shared. */
#ifdef DAXK_RADIX
#include <linux/radix-tree.h>
#else
#include <linux/xarray.h>
#endif

/* ---- wait queues (include/linux/wait.h) ---- */
typedef struct wait_queue_entry wait_queue_entry_t;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);
#define WQ_FLAG_EXCLUSIVE 0x01
#define WQ_FLAG_WOKEN 0x02
#define WQ_FLAG_BOOKMARK 0x04
#define WQ_FLAG_CUSTOM 0x08
#define WQ_FLAG_DONE 0x10
#define WQ_FLAG_PRIORITY 0x20
struct wait_queue_entry {
	unsigned int flags;
	void *private;
	wait_queue_func_t func;
	struct list_head entry;
};
struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;
};
typedef struct wait_queue_head wait_queue_head_t;
struct lock_class_key { int unused; };
void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name, struct lock_class_key *key);
#define init_waitqueue_head(wq) __init_waitqueue_head((wq), #wq, NULL)
static inline void __add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{ list_add(&wq_entry->entry, &wq_head->head); }
static inline void __add_wait_queue_entry_tail(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{ list_add_tail(&wq_entry->entry, &wq_head->head); }
/* Kernel: waitqueue_active(): a lockless read that decides whether to wake. The
 * hook is a scheduling point, then the read; its result (all the caller goes on
 * with) is what the stateful checker folds into the reader's history. */
static inline unsigned long long daxk_read_waitqueue_active(void *wq_head)
{
	return !list_empty(&((struct wait_queue_head *)wq_head)->head);
}
static inline int daxk_waitqueue_active(struct wait_queue_head *wq_head, const char *func)
{
	return (int)daxk_lockless("waitqueue_active", func, daxk_read_waitqueue_active, wq_head);
}
#define waitqueue_active(wq) daxk_waitqueue_active(wq, __func__)
void init_wait_entry(struct wait_queue_entry *wq_entry, int flags);
int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync, void *key);
#define init_wait(wait) \
	do { (wait)->private = current; (wait)->func = autoremove_wake_function; \
	     INIT_LIST_HEAD(&(wait)->entry); (wait)->flags = 0; } while (0)
void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);
#ifdef DAXK_RADIX
void prepare_to_wait_exclusive(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);
#else
bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);
#endif
void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
static inline int default_wake_function(void *curr, unsigned mode, int wake_flags, void *key)
{
	wait_queue_entry_t *w = curr;
	(void)wake_flags; (void)key;
	return daxk_try_to_wake_up(w->private, mode, __func__);
}
/* finish_wait() reads the entry's list without the lock (list_empty_careful). */
static inline unsigned long long daxk_read_list_empty_careful(void *entry)
{
	const struct list_head *h = entry;
	return h->next == h && h->prev == h;
}
#undef list_empty_careful
#define list_empty_careful(h) ((int)daxk_lockless("list_empty_careful", __func__, \
	daxk_read_list_empty_careful, (void *)(h)))

/* ---- units ---- */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PMD_SHIFT 21
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define PUD_SHIFT 30
#define PMD_ORDER (PMD_SHIFT - PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#define PFN_PHYS(x) ((u64)(x) << PAGE_SHIFT)
#define SZ_4K 0x1000
#define SZ_2M 0x200000
#define LLONG_MAX_ LLONG_MAX

/* ---- pages and pfns ---- */
struct address_space;
struct dev_pagemap;
/* A struct folio overlays its head page (the folio era casts one to the other). */
#define DAXK_PAGE_FIELDS \
	unsigned long flags; \
	struct address_space *mapping; \
	union { \
		pgoff_t index; \
		unsigned long share; \
	}; \
	int refcount; \
	unsigned long pfn; \
	unsigned int gen; \
	/* the folio era's compound pages: */ \
	struct dev_pagemap *pgmap; \
	unsigned int order;		/* of a head page */ \
	struct page *head;		/* of a tail page */ \
	struct list_head _deferred_list; \
	/* the radix era's page lock (lock_page(): a hole page in the page cache): */ \
	spinlock_t daxk_lock;
struct page {
	DAXK_PAGE_FIELDS
};
typedef struct { u64 val; } pfn_t;
#define PFN_DEV (1ULL << 62)
#define PFN_MAP (1ULL << 61)
#define PFN_FLAGS_MASK (3ULL << 61)
static inline pfn_t pfn_to_pfn_t(unsigned long pfn) { pfn_t p = { pfn }; return p; }
static inline unsigned long pfn_t_to_pfn(pfn_t p) { return p.val & ~PFN_FLAGS_MASK; }
static inline bool pfn_t_devmap(pfn_t p) { return (p.val & (PFN_DEV | PFN_MAP)) == (PFN_DEV | PFN_MAP); }
struct page *pfn_to_page(unsigned long pfn);
#define page_to_pfn(p) ((p)->pfn)
static inline pfn_t page_to_pfn_t(struct page *p) { return pfn_to_pfn_t(p->pfn); }
static inline int page_ref_count(struct page *p) { return p->refcount; }
/* A page's kernel address encodes its pfn (never dereferenced: the only use is
 * dax_writeback_one()'s dax_flush(), which the hook decodes back to frames). */
#define DAXK_KADDR_BASE 0x100000000000UL
static inline void *page_address(struct page *p) { return (void *)(DAXK_KADDR_BASE + (p->pfn << 12)); }
#define PAGE_MAPPING_DAX_COW 0x1UL
#define PAGE_MAPPING_DAX_SHARED ((void *)0x1)
#define DAXK_ZERO_PFN 0xfff00UL
#define DAXK_HUGE_ZERO_PFN 0xffe00UL
/* The radix era's hole pages (page-cache pages over holes) come from here on. */
#define DAXK_HOLE_PFN_BASE 0x40000000UL
#ifdef DAXK_RADIX
int daxk_hole_page_free(const struct page *p);
struct page *daxk_new_page(unsigned long index);
#endif
#define my_zero_pfn(addr) DAXK_ZERO_PFN
#define is_zero_pfn(pfn) ((pfn) == DAXK_ZERO_PFN)
static inline void __SetPageUptodate(struct page *p) { (void)p; }
static inline void clear_user_highpage(struct page *p, unsigned long a) { (void)p; (void)a; }
static inline void *kmap_atomic(struct page *p) { (void)p; return NULL; }
static inline void kunmap_atomic(void *p) { (void)p; }
static inline void copy_user_page(void *to, void *from, unsigned long a, struct page *p) { (void)to; (void)from; (void)a; (void)p; }

/* ---- the file ---- */
struct inode {
	loff_t i_size;
	unsigned int i_blkbits;
	unsigned short i_mode;
};
#define S_ISCHR(m) 0
#define I_DIRTY_PAGES 4
static inline void __mark_inode_dirty(struct inode *i, int f) { (void)i; (void)f; }
static inline loff_t i_size_read(const struct inode *i) { return i->i_size; }
#ifdef DAXK_RADIX
struct address_space_operations { void (*freepage)(struct page *); };
struct address_space {
	struct inode *host;
	struct radix_tree_root page_tree;
	spinlock_t tree_lock;
	unsigned long nrpages;
	unsigned long nrexceptional;
	const struct address_space_operations *a_ops;
	int i_mmap;
};
#define PAGECACHE_TAG_DIRTY 0
#define PAGECACHE_TAG_WRITEBACK 1
#define PAGECACHE_TAG_TOWRITE 2
#else
struct address_space {
	struct inode *host;
	struct xarray i_pages;
	unsigned long nrpages;
	int i_mmap;
};
#define PAGECACHE_TAG_DIRTY XA_MARK_0
#define PAGECACHE_TAG_WRITEBACK XA_MARK_1
#define PAGECACHE_TAG_TOWRITE XA_MARK_2
#define XA_CHECK_SCHED 4096
static inline unsigned long long daxk_read_mapping_empty(void *m)
{
	return xa_empty(&((struct address_space *)m)->i_pages);
}
static inline bool mapping_empty(struct address_space *m)
{
	return daxk_lockless("mapping_empty", __func__, daxk_read_mapping_empty, m);
}
#endif
static inline bool dax_mapping(struct address_space *m) { (void)m; return true; }
static inline gfp_t mapping_gfp_mask(struct address_space *m) { (void)m; return GFP_KERNEL; }
static inline void mapping_set_error(struct address_space *m, int e) { (void)m; (void)e; }
static inline bool mapping_mapped(struct address_space *m) { (void)m; return true; }
void tag_pages_for_writeback(struct address_space *mapping, pgoff_t start, pgoff_t end);
#define i_mmap_lock_read(m) ((void)(m))
#define i_mmap_unlock_read(m) ((void)(m))
struct file { struct address_space *f_mapping; };

/* ---- VMAs, faults and page tables ---- */
typedef struct { unsigned long addr; } pmd_t;
typedef void *pgtable_t;
struct mm_struct { int unused; };
typedef struct { unsigned long val; } pgprot_t;
#define VM_SHARED 0x08UL
#define VM_SYNC 0x00800000UL
struct vm_area_struct {
	unsigned long vm_start, vm_end, vm_pgoff, vm_flags;
	struct file *vm_file;
	struct mm_struct *vm_mm;
	pgprot_t vm_page_prot;
};
#define FAULT_FLAG_WRITE 0x01
struct vm_fault {
	struct vm_area_struct *vma;
	unsigned int flags;
	pgoff_t pgoff;
	unsigned long address;
	pmd_t *pmd;
	struct page *cow_page;
	/* 4.13's fields (the hole page and the allocation mask). */
	struct page *page;
	gfp_t gfp_mask;
};
#define VM_FAULT_OOM 0x000001
#define VM_FAULT_SIGBUS 0x000002
#define VM_FAULT_MAJOR 0x000004
#define VM_FAULT_HWPOISON 0x000010
#define VM_FAULT_HWPOISON_LARGE 0x000020
#define VM_FAULT_SIGSEGV 0x000040
#define VM_FAULT_NOPAGE 0x000100
#define VM_FAULT_LOCKED 0x000200
#define VM_FAULT_RETRY 0x000400
#define VM_FAULT_FALLBACK 0x000800
#define VM_FAULT_DONE_COW 0x001000
#define VM_FAULT_NEEDDSYNC 0x002000
#define VM_FAULT_ERROR (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | \
			VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK)
static inline vm_fault_t vmf_error(int err) { return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS; }
#define count_vm_event(e) ((void)0)
#define count_memcg_event_mm(m, e) ((void)0)
static inline unsigned long linear_page_index(struct vm_area_struct *vma, unsigned long address)
{ return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff; }
/* Page-table reads and writes: the checker's page table (hooks, by address). */
#define pmd_none(p) daxk_pmd_is((p).addr, 0, __func__)
#define pmd_trans_huge(p) daxk_pmd_is((p).addr, 1, __func__)
#define pmd_devmap(p) daxk_pmd_is((p).addr, 1, __func__)
#define vmf_insert_mixed(vma, addr, pfn) daxk_insert_pte(addr, pfn_t_to_pfn(pfn), 0, __func__)
#define vmf_insert_mixed_mkwrite(vma, addr, pfn) daxk_insert_pte(addr, pfn_t_to_pfn(pfn), 1, __func__)
#ifdef DAXK_RADIX
/* 4.13: vm_insert_mixed() returns an errno; a write upgrade is dax_pfn_mkwrite()'s. */
#define vm_insert_mixed(vma, addr, pfn) (daxk_insert_pte(addr, pfn_t_to_pfn(pfn), 0, __func__), 0)
#define vmf_insert_pfn_pmd(vma, addr, pmd, pfn, write) daxk_insert_pmd(addr, pfn_t_to_pfn(pfn), write, __func__)
#define unmap_mapping_range(m, start, len, cows) \
	daxk_unmap((unsigned long)(start) >> PAGE_SHIFT, (unsigned long)(len) >> PAGE_SHIFT, __func__)
#else
#define vmf_insert_pfn_pmd(vmf, pfn, write) daxk_insert_pmd((vmf)->address, pfn_t_to_pfn(pfn), write, __func__)
#endif
#define split_huge_pmd(vma, pmd, addr) daxk_split_huge_pmd(addr, __func__)
#define unmap_mapping_pages(m, first, nr, cows) daxk_unmap(first, nr, __func__)
#ifdef DAXK_RADIX
/* 4.13 maps a hole page (a page-cache page: the model's zero page) or the COW copy. */
#define finish_fault(vmf) ((vmf)->cow_page ? daxk_finish_cow((vmf)->address, __func__) \
	: (daxk_insert_pte((vmf)->address, DAXK_ZERO_PFN, 0, __func__), 0))
#else
#define finish_fault(vmf) daxk_finish_cow((vmf)->address, __func__)
#endif
extern spinlock_t daxk_ptl;
extern struct page daxk_huge_zero_page;
struct folio {
	union {
		struct page page;
		struct { DAXK_PAGE_FIELDS };
	};
};
extern struct folio daxk_huge_zero_folio;
#define mm_get_huge_zero_folio(mm) (&daxk_huge_zero_folio)
#define pmd_lock(mm, pmd) (spin_lock(&daxk_ptl), &daxk_ptl)
#define mm_get_huge_zero_page(mm) (&daxk_huge_zero_page)
#define arch_needs_pgtable_deposit() 0
#define pte_alloc_one(mm) NULL
#define pte_free(mm, p) ((void)0)
#define pgtable_trans_huge_deposit(mm, pmd, p) ((void)0)
#define mm_inc_nr_ptes(mm) ((void)0)
#define mk_pmd(page, prot) (*vmf->pmd)
#define pmd_mkhuge(p) (p)
#define set_pmd_at(mm, addr, pmdp, entry) daxk_set_huge_zero(addr, __func__)
/* Kernel: vma_interval_tree_foreach() over the one mapping of the scenario's VMAs
 * (the hook write-protects every VMA's range). */
#define vma_interval_tree_foreach(vma, root, start, last) \
	for (int __once = ((vma) = NULL, 1); __once; __once = 0)
#define pfn_mkclean_range(pfn, count, index, vma) daxk_mkclean(index, count, __func__)

/* ---- iomap and the DAX device: the filesystem's answers come from Rust ---- */
#define IOMAP_HOLE 0
#define IOMAP_DELALLOC 1
#define IOMAP_MAPPED 2
#define IOMAP_UNWRITTEN 3
#define IOMAP_INLINE 4
#define IOMAP_F_NEW 0x01
#define IOMAP_F_DIRTY 0x02
#define IOMAP_F_SHARED 0x04
#define IOMAP_WRITE (1 << 0)
#define IOMAP_ZERO (1 << 1)
#define IOMAP_REPORT (1 << 2)
#define IOMAP_FAULT (1 << 3)
#define IOMAP_DIRECT (1 << 4)
#define IOMAP_NOWAIT (1 << 5)
#define IOMAP_OVERWRITE_ONLY (1 << 6)
#define IOMAP_UNSHARE (1 << 7)
#define IOMAP_DAX (1 << 8)
struct dax_device;
struct block_device;
struct iomap {
	u64 addr;
	/* 4.13 names the storage by sector on a block device (5.15 too: bdev). */
	u64 blkno;
	struct block_device *bdev;
	loff_t offset;
	u64 length;
	u16 type;
	u16 flags;
	struct dax_device *dax_dev;
};
struct iomap_iter {
	struct inode *inode;
	loff_t pos;
	u64 len;
	s64 processed;
	unsigned flags;
	struct iomap iomap;
	struct iomap srcmap;
	void *private;
	int status;	/* 6.15 on: what the last iteration returned */
	int daxk_started;
};
#ifdef DAXK_RADIX
/* 4.13's fault handlers call ->iomap_begin()/->iomap_end() themselves. */
struct inode;
struct iomap_ops {
	int (*iomap_begin)(struct inode *inode, loff_t pos, loff_t length, unsigned flags, struct iomap *iomap);
	int (*iomap_end)(struct inode *inode, loff_t pos, loff_t length, ssize_t written, unsigned flags, struct iomap *iomap);
};
#else
struct iomap_ops { int unused; };
#endif
int iomap_iter(struct iomap_iter *iter, const struct iomap_ops *ops);
static inline u64 iomap_length(const struct iomap_iter *iter)
{
	u64 end = iter->iomap.offset + iter->iomap.length;
	return min(iter->len, end - iter->pos);
}
enum dax_access_mode { DAX_ACCESS, DAX_RECOVERY_WRITE };
static inline int dax_read_lock(void) { return 0; }
static inline void dax_read_unlock(int id) { (void)id; }
/* Kernel: dax_flush() writes the CPU cache lines of [a, a + s) back to the
 * device: a hook reports the frames (decoded from page_address()). */
#define dax_flush(d, a, s) daxk_flush((unsigned long)(a), (s), __func__)
static inline int dax_iomap_cow_copy(loff_t pos, u64 length, size_t align, const struct iomap *src, void *daddr)
{ (void)pos; (void)length; (void)align; (void)src; (void)daddr; return 0; }

/* Reflinked extents (IOMAP_F_SHARED) are not in the scenarios' file layouts: the
 * copy-around of a shared extent is never reached (6.12's name). */
static inline int dax_iomap_copy_around(loff_t pos, u64 length, size_t align, const struct iomap *src, void *daddr)
{ (void)pos; (void)length; (void)align; (void)src; (void)daddr; return 0; }
static inline const struct iomap *iomap_iter_srcmap(const struct iomap_iter *i)
{ return i->srcmap.type != IOMAP_HOLE ? &i->srcmap : &i->iomap; }

/* ---- writeback ---- */
enum writeback_sync_modes { WB_SYNC_NONE, WB_SYNC_ALL };
struct writeback_control {
	loff_t range_start, range_end;
	enum writeback_sync_modes sync_mode;
};

/* ---- what differs between the eras of fs/dax.c (kernel/src/era.rs) ---- */
#include "era.h"

#endif /* DAXK_MM_SHIM_H */
