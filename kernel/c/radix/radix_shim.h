/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target, radix-tree era (4.13): what lib/radix-tree.c and
 * include/linux/radix-tree.h need beyond the shared shims (shim.h). Written for
 * daxlock. Per-CPU data is per task (a preloaded task keeps its nodes until it
 * uses them, as a CPU with preemption disabled would); preemption and interrupts
 * are no-ops (the checker schedules only at the hooks).
 */
#ifndef DAXK_RADIX_SHIM_H
#define DAXK_RADIX_SHIM_H

#include "shim.h"

#define CONFIG_RADIX_TREE_MULTIORDER 1
typedef u64 sector_t;
#define __read_mostly
#define __GFP_DIRECT_RECLAIM GFP_KERNEL
#define GFP_NOFS GFP_KERNEL
#define ENXIO 6
#define ENOSPC 28
#define EAGAIN 11
#define EINTR 4
#define BITS_PER_LONG_LONG 64
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define __GFP_RECLAIM 0
#define uninitialized_var(x) x = x
#define pr_debug(...) ((void)0)
/* ilog2() of a constant power of two (IDA_BITMAP_BITS). */
#define ilog2(n) ((int)(8 * sizeof(unsigned long long) - 1 - __builtin_clzll(n)))
#define __GFP_BITS_MASK ((gfp_t)((1 << __GFP_BITS_SHIFT) - 1))

/* ---- per-CPU data: one copy per task ---- */
void *daxk_this_cpu_ptr(void *var, size_t size);
#define DEFINE_PER_CPU(type, name) __typeof__(type) name
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name
#define this_cpu_ptr(p) ((__typeof__(p))daxk_this_cpu_ptr((void *)(p), sizeof(*(p))))
#define per_cpu(var, cpu) (*this_cpu_ptr(&(var)))
#define this_cpu_read(var) (*this_cpu_ptr(&(var)))
#define this_cpu_cmpxchg(var, old, new) ({ \
	__typeof__(var) *__p = this_cpu_ptr(&(var)); __typeof__(var) __o = *__p; \
	if (__o == (old)) \
		*__p = (new); \
	__o; })
#define this_cpu_xchg(var, new) ({ \
	__typeof__(var) *__p = this_cpu_ptr(&(var)); __typeof__(var) __o = *__p; \
	*__p = (new); \
	__o; })
#define preempt_disable() ((void)0)
#define preempt_enable() ((void)0)
#define in_interrupt() 0

/* ---- slab: zeroed memory freed when the next execution starts ---- */
void *daxk_alloc(size_t size);
#define SLAB_PANIC 0
#define SLAB_RECLAIM_ACCOUNT 0
#define SLAB_ACCOUNT 0
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp);
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     unsigned long flags, void (*ctor)(void *));
#define kmalloc(size, gfp) daxk_alloc(size)
#define kzalloc(size, gfp) daxk_alloc(size)
#define kfree(p) ((void)(p))
#define kmemleak_update_trace(p) ((void)(p))

/* ---- lib/idr.c and the radix-tree test suite's IDA checks ---- */
#define DECLARE_BITMAP(name, bits) unsigned long name[((bits) + BITS_PER_LONG - 1) / BITS_PER_LONG]
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

/* ---- CPU hotplug (radix_tree_init()) ---- */
#define CPUHP_RADIX_DEAD 0
#define cpuhp_setup_state_nocalls(state, name, up, down) ((void)(down), 0)

/* ---- bits lib/radix-tree.c uses beyond shim.h ---- */
static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
#ifdef DAXK_SUITE_BROKEN_SHIM
	/* Deliberately wrong, only in the radix-tree suite's second build (the test
	 * that shows the suite catches a broken shim): skips the first bit asked for. */
	offset++;
#endif
	for (; offset < size; offset++)
		if (!test_bit(offset, addr))
			return offset;
	return size;
}
#define find_first_bit(addr, size) find_next_bit(addr, size, 0)
static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{ return find_next_zero_bit(src, nbits, 0) == nbits; }
static inline unsigned long ffz(unsigned long w) { return __builtin_ctzl(~w); }
static inline int fls_long(unsigned long l) { return l ? 64 - __builtin_clzl(l) : 0; }
static inline void set_bit(long nr, unsigned long *addr) { __set_bit(nr, addr); }
static inline void clear_bit(long nr, unsigned long *addr) { __clear_bit(nr, addr); }

/* ---- lists (4.13's __wake_up_common()) ---- */
#define list_for_each_entry_safe(pos, n, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member), \
	     n = list_next_entry(pos, member); &pos->member != (head); \
	     pos = n, n = list_next_entry(n, member))

/* ---- the radix era's page cache and reset (c/radix/radix_common.c) ---- */
struct address_space;
void daxk_radix_reset(struct address_space *mapping);

#endif /* DAXK_RADIX_SHIM_H */
