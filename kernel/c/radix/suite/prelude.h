/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: included first (-include) in every translation unit
 * of the kernel's radix-tree test suite build (tools/testing/radix-tree/ with a
 * second, private copy of lib/radix-tree.c and lib/idr.c). It provides what the
 * suite's own linux.c and linux/ headers would, except for the things being
 * checked: the kernel headers, the slab, per-CPU data, bit helpers and RCU are
 * daxlock's shims (c/radix/, c/, shim/), the same ones fs/dax.c is built with.
 * Written for daxlock.
 */
#ifndef DAXK_SUITE_PRELUDE_H
#define DAXK_SUITE_PRELUDE_H

#include <assert.h> /* suite/assert.h: the suite's own headers bring it in */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define __weak __attribute__((weak))

/* The suite's globals (its linux.c, which is not built: our slab is checked). */
extern int nr_allocated;
extern int preempt_count;
extern int test_verbose;
extern int kmalloc_verbose;

/* Output goes to a log the Rust side reads (stdio was included above, so its
 * declarations keep their names). */
int daxk_suite_printf(const char *fmt, ...);
#define printf(...) daxk_suite_printf(__VA_ARGS__)
#define printv(level, fmt, ...) \
	do { if (test_verbose >= (level)) printf(fmt, ##__VA_ARGS__); } while (0)

/* abort() in a test ends its group, as a failed assert() does (suite/assert.h). */
void daxk_suite_failed(const char *cond, const char *file, int line);
#define abort() daxk_suite_failed("abort()", __FILE__, __LINE__)

/* The one rule of the suite's own slab (its linux.c) that its checks rely on:
 * an allocation with __GFP_NOWARN fails, so lib/radix-tree.c's non-blocking
 * node allocation falls back to the per-CPU preloads (ida_check_nomem() expects
 * -EAGAIN from it). Every other allocation is the shim's kmem_cache_alloc(). */
#define kmem_cache_alloc(c, gfp) daxk_suite_kmem_cache_alloc(c, gfp)

/* A clock that advances 10 s a reading: the suite's timed loops (ida_check_random()
 * repeats for 10 s) run once, so a run does the same work on any machine. */
time_t daxk_suite_time(time_t *t);
#define time(t) daxk_suite_time(t)

/* RCU as the shims have it: call_rcu() frees nothing before the next reset, so
 * a barrier has nothing to wait for; the suite's single-threaded part registers
 * no reader threads. */
static inline void rcu_barrier(void) {}
static inline void rcu_register_thread(void) {}
static inline void rcu_unregister_thread(void) {}

#endif
