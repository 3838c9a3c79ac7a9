/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: the userspace stand-ins for the kernel headers that
 * lib/xarray.c, include/linux/xarray.h, kernel/sched/wait.c and fs/dax.c use.
 *
 * Written for daxlock, not copied: types are declared with the fields the
 * extracted code touches, and every lock, sleep, wakeup and lockless read that
 * decides a wakeup calls into the checker (the daxk_* hooks, in Rust).
 */
#ifndef DAXK_SHIM_H
#define DAXK_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <limits.h>
/* The hooks Rust implements, generated from kernel/src/decls.rs. */
#include "daxk_hooks.h"

/* ---- compiler and basic types ---- */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;
#include <sys/types.h>
typedef unsigned long pgoff_t;
typedef unsigned int gfp_t;
typedef unsigned int vm_fault_t;
typedef unsigned long dax_entry_t;
typedef long ssize_t;

#define __rcu
#define __init
#define __must_check
#undef __always_inline
#define __always_inline inline
#define __force
#define __bitwise
#define __maybe_unused __attribute__((unused))
#define noinline __attribute__((noinline))
#define __must_hold(x)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BITS_PER_LONG 64
#define BITS_PER_BYTE 8
#define CONFIG_64BIT 1
#define CONFIG_BASE_SMALL 0
#define CONFIG_XARRAY_MULTI 1
#define CONFIG_FS_DAX_PMD 1
/* IS_ENABLED(CONFIG_X): 1 when CONFIG_X is defined to 1 (include/linux/kconfig.h's trick). */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __is_defined(option)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define fs_initcall(x)
#define BUILD_BUG_ON(x) ((void)sizeof(char[1 - 2 * !!(x)]))
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define smp_mb() __sync_synchronize()
#define smp_wmb() __sync_synchronize()
#define smp_rmb() __sync_synchronize()
#define smp_store_release(p, v) WRITE_ONCE(*(p), v)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* y a power of two, as the kernel's round_down()/round_up() require. */
#define round_down(x, y) ((x) & ~(__typeof__(x))((y) - 1))
#define round_up(x, y) ((((x) - 1) | (__typeof__(x))((y) - 1)) + 1)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BITS_TO_LONGS(n) DIV_ROUND_UP(n, BITS_PER_LONG)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define MAX_ERRNO 4095
#define EINVAL 22
#define ENOMEM 12
#define EBUSY 16
#define EIO 5
#define EFAULT 14
#define ENOENT 2
#define EEXIST 17
#define ENOSPC 28
#define ERANGE 34
#define pr_info(...) ((void)0)
#define pr_cont(...) ((void)0)
#define pr_err(...) ((void)0)
#define printk(...) ((void)0)
#define cond_resched() ((void)0)
#define might_sleep() ((void)0)
#define might_alloc(gfp) ((void)(gfp))
#define lockdep_is_held(l) 1
#define lockdep_assert_held(l) ((void)0)
#define lockdep_set_class_and_name(l, k, n) ((void)0)
#define __SPIN_LOCK_UNLOCKED(name) { 0 }

static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO; }

/* ---- bugs and warnings: reported to the checker ---- */
/* `file` and `line` are the tree's: extracted and copied kernel code carries
 * #line directives (kernel/src/extract.rs). */
#define WARN_ON(c) ({ int __c = !!(c); if (__c) daxk_warn(#c, __func__, __FILE__, __LINE__); __c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define WARN(c, ...) WARN_ON(c)
#define BUG_ON(c) do { if (c) daxk_bug(#c, __func__, __FILE__, __LINE__); } while (0)
#define BUG() daxk_bug("BUG()", __func__, __FILE__, __LINE__)
#define VM_BUG_ON(c) BUG_ON(c)
#define VM_WARN_ON_ONCE(c) WARN_ON(c)

/* ---- bit operations ---- */
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline int test_bit(long nr, const unsigned long *addr)
{ return 1UL & (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)); }
static inline void __set_bit(long nr, unsigned long *addr)
{ addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG); }
static inline void __clear_bit(long nr, unsigned long *addr)
{ addr[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG)); }
static inline int __test_and_set_bit(long nr, unsigned long *addr)
{ int old = test_bit(nr, addr); __set_bit(nr, addr); return old; }
static inline int __test_and_clear_bit(long nr, unsigned long *addr)
{ int old = test_bit(nr, addr); __clear_bit(nr, addr); return old; }
static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	for (; offset < size; offset++)
		if (test_bit(offset, addr))
			return offset;
	return size;
}
static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{ for (unsigned int i = 0; i < nbits; i++) __set_bit(i, dst); }
static inline void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{ for (unsigned int i = start; i < start + len; i++) __clear_bit(i, map); }
static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{ return find_next_bit(src, nbits, 0) == nbits; }

/* ---- lists ---- */
struct list_head { struct list_head *next, *prev; };
struct rcu_head { struct rcu_head *next; void (*func)(struct rcu_head *); };
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{ next->prev = n; n->next = next; n->prev = prev; prev->next = n; }
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void __list_del(struct list_head *prev, struct list_head *next)
{ next->prev = prev; prev->next = next; }
static inline void list_del(struct list_head *e) { __list_del(e->prev, e->next); e->next = e->prev = NULL; }
static inline void list_del_init(struct list_head *e) { __list_del(e->prev, e->next); INIT_LIST_HEAD(e); }
static inline void list_del_init_careful(struct list_head *e) { list_del_init(e); }
static inline int list_empty(const struct list_head *h) { return h->next == h; }
static inline int list_empty_careful(const struct list_head *h) { return h->next == h && h->prev == h; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_first_entry_or_null(ptr, type, member) ({ \
	struct list_head *__head = (ptr); struct list_head *__first = READ_ONCE(__head->next); \
	__first != __head ? list_entry(__first, type, member) : NULL; })
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry_safe_from(pos, n, head, member) \
	for (n = list_next_entry(pos, member); &pos->member != (head); \
	     pos = n, n = list_next_entry(n, member))
#define list_for_each_entry(pos, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_next_entry(pos, member))

/* ---- spinlocks: each one a lock of the checker's backend ---- */
typedef struct spinlock { unsigned int id; } spinlock_t;
#define spin_lock_init(l) ((l)->id = 0)
#define spin_lock(l) daxk_spin_lock(l, __func__)
#define spin_unlock(l) daxk_spin_unlock(l, __func__)
#define spin_trylock(l) daxk_spin_trylock(l, __func__)
#define spin_lock_irq(l) spin_lock(l)
#define spin_unlock_irq(l) spin_unlock(l)
#define spin_lock_bh(l) spin_lock(l)
#define spin_unlock_bh(l) spin_unlock(l)
#define spin_lock_irqsave(l, f) do { (f) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) do { (void)(f); spin_unlock(l); } while (0)
#define spin_lock_nested(l, s) spin_lock(l)
#define spin_lock_bh_nested(l, s) spin_lock(l)
#define spin_lock_irq_nested(l, s) spin_lock(l)
#define spin_lock_irqsave_nested(l, f, s) spin_lock_irqsave(l, f)

/* ---- RCU: readers run under the checker's locks; frees wait for the next reset ---- */
#define rcu_read_lock() ((void)0)
#define rcu_read_unlock() ((void)0)
#define rcu_dereference_check(p, c) (p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_dereference_raw(p) (p)
#define rcu_dereference(p) (p)
#define rcu_assign_pointer(p, v) ((p) = (v))
#define RCU_INIT_POINTER(p, v) ((p) = (v))
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *));

/* ---- allocation (xarray nodes) ---- */
#define GFP_KERNEL 0x1u
#define GFP_NOWAIT 0x2u
#define GFP_ATOMIC 0x4u
#define __GFP_NOWARN 0x8u
#define __GFP_ACCOUNT 0x10u
#define __GFP_HIGHMEM 0x20u
#define __GFP_ZERO 0x40u
#define __GFP_BITS_SHIFT 26
static inline bool gfpflags_allow_blocking(gfp_t gfp) { return gfp & GFP_KERNEL; }
struct kmem_cache;
struct list_lru;
void *kmem_cache_alloc_lru(struct kmem_cache *c, struct list_lru *lru, gfp_t gfp);
/* 5.15 allocates nodes without a list_lru (the radix-tree era has its own
 * kmem_cache_alloc(), c/radix/radix_common.c). */
#ifndef DAXK_RADIX
#define kmem_cache_alloc(c, gfp) kmem_cache_alloc_lru(c, NULL, gfp)
#endif
void kmem_cache_free(struct kmem_cache *c, void *p);
/* lib/radix-tree.c (4.13) keeps these two static. */
#ifndef DAXK_RADIX
extern struct kmem_cache *radix_tree_node_cachep;
void radix_tree_node_rcu_free(struct rcu_head *head);
#endif

/* ---- tasks: state and sleeping are the checker's ---- */
#define TASK_RUNNING 0x0000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NORMAL (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)
struct task_struct { unsigned int __state; unsigned int id; const char *comm; };
extern __thread struct task_struct *daxk_current;
#define current daxk_current
#define set_current_state(s) daxk_set_state(s, __func__)
#define __set_current_state(s) daxk_set_state(s, __func__)
#define schedule() daxk_schedule(__func__)
/* Kernel: default_wake_function() in kernel/sched/core.c. */
static inline int default_wake_function(void *curr, unsigned mode, int wake_flags, void *key);


/* ---- hashing (include/linux/hash.h) ---- */
#define GOLDEN_RATIO_64 0x61C8864680B583EBull
static inline u64 hash_64(u64 val, unsigned int bits) { return val * GOLDEN_RATIO_64 >> (64 - bits); }
/* The wait table's hash (dax_entry_waitqueue() is its one user): the kernel's,
 * folded onto the scenario's `wait_buckets` first heads when it asks for fewer than
 * the table has (daxk_wait_buckets, set per execution; 0 or more: the kernel's). */
extern unsigned long daxk_wait_buckets;
static inline u64 daxk_hash_long(u64 val, unsigned int bits)
{
	u64 h = hash_64(val, bits);
	return daxk_wait_buckets && daxk_wait_buckets < (1ULL << bits) ? h % daxk_wait_buckets : h;
}
#define hash_long(val, bits) daxk_hash_long(val, bits)

#endif /* DAXK_SHIM_H */
