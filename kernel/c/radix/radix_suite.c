/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target, radix-tree era: runs the kernel's own radix-tree test
 * suite (tools/testing/radix-tree/ of the tree) against the shims lib/radix-tree.c
 * is built with, as xarray_selftest.c runs lib/test_xarray.c for the xarray
 * eras. Written for daxlock; the suite's files are read from the tree at build
 * time (this file includes its main.c, the build script compiles the others).
 *
 * The suite's test files call functions lib/radix-tree.c keeps static, so (as
 * the suite's Makefile does) they link with their own copy of radix-tree.c and
 * idr.c with `static` removed. That copy, the suite and this file are linked
 * into one object whose only global symbol is DAXK_SUITE_ENTRY (objcopy
 * --keep-global-symbol): nothing clashes with the kernel target's radix-tree.c,
 * and every shim function (slab, per-CPU data, WARN/BUG, spinlocks) is the
 * kernel target's own.
 *
 * What runs: main()'s sequence less its multi-threaded and timed parts:
 * regression2_test(), regression3_test(), single_thread_tests() (multiorder,
 * locate, tag, gang, add, dynamic height, IDR, IDA, big gang, copy tag checks)
 * and radix_tree_cpu_dead(). Skipped: regression1_test(), iteration_test() and
 * ida_thread_tests() (threads that rely on real RCU and per-CPU preloads; the
 * shims run every task's code under the checker, one at a time, with per-CPU
 * data per checker task), and benchmark() (timing only).
 *
 * Without the suite (an xarray-era tree, or a radix-tree tree without
 * tools/testing/radix-tree/) the entry points are stubs that say so.
 */
#ifdef DAXK_HAVE_RADIX_SUITE
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include "main.c"

int nr_allocated;
int preempt_count;
int test_verbose;
int kmalloc_verbose;
unsigned long daxk_suite_checks;

static char daxk_suite_log[1 << 16];
static size_t daxk_suite_len;
static jmp_buf daxk_suite_group;

static void daxk_suite_vlog(const char *fmt, va_list ap)
{
	size_t room = sizeof(daxk_suite_log) - daxk_suite_len;
	int n;

	if (room <= 1)
		return;
	n = vsnprintf(daxk_suite_log + daxk_suite_len, room, fmt, ap);
	if (n > 0)
		daxk_suite_len += (size_t)n < room ? (size_t)n : room - 1;
}

#undef kmem_cache_alloc
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp);

void *daxk_suite_kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	if (gfp & __GFP_NOWARN)
		return NULL;
	return kmem_cache_alloc(c, gfp);
}

time_t daxk_suite_time(time_t *t)
{
	static time_t now;

	now += 10;
	if (t)
		*t = now;
	return now;
}

#undef printf
int daxk_suite_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	daxk_suite_vlog(fmt, ap);
	va_end(ap);
	return 0;
}

/* A failed check: logged as "FAILED cond at file:line", and its group ends. */
void daxk_suite_failed(const char *cond, const char *file, int line)
{
	const char *base = strrchr(file, '/');

	daxk_suite_printf("FAILED %s at %s:%d\n", cond, base ? base + 1 : file, line);
	longjmp(daxk_suite_group, 1);
}

/* main()'s parts that are not run (see above); reaching one is a harness bug. */
void regression1_test(void)
{
	daxk_suite_failed("regression1_test() is skipped", __FILE__, __LINE__);
}

void iteration_test(unsigned order, unsigned duration)
{
	(void)order;
	(void)duration;
	daxk_suite_failed("iteration_test() is skipped", __FILE__, __LINE__);
}

void benchmark(void)
{
	daxk_suite_failed("benchmark() is skipped", __FILE__, __LINE__);
}

static void daxk_suite_single_thread_tests(void)
{
	single_thread_tests(false);
}

/* Frees any remaining preloaded nodes, as main() does last. */
static void daxk_suite_cpu_dead(void)
{
	radix_tree_cpu_dead(0);
}

static const struct {
	const char *name;
	void (*run)(void);
} daxk_suite_groups[] = {
	{ "regression2_test", regression2_test },
	{ "regression3_test", regression3_test },
	{ "single_thread_tests", daxk_suite_single_thread_tests },
	{ "radix_tree_cpu_dead", daxk_suite_cpu_dead },
};

/*
 * Runs the suite once (seed 1). Returns how many groups failed; `checks` gets
 * the assert()s evaluated, `groups` the groups run, `log` the suite's output
 * with a line per group and a FAILED line per failed check.
 */
int DAXK_SUITE_ENTRY(unsigned long *checks, unsigned int *groups, const char **log)
{
	volatile int failed = 0;

	daxk_suite_len = 0;
	daxk_suite_log[0] = '\0';
	daxk_suite_checks = 0;
	srand(1);
	radix_tree_init();
	for (size_t i = 0; i < sizeof(daxk_suite_groups) / sizeof(daxk_suite_groups[0]); i++) {
		daxk_suite_printf("group %s\n", daxk_suite_groups[i].name);
		if (!setjmp(daxk_suite_group))
			daxk_suite_groups[i].run();
		else
			failed++;
	}
	*checks = daxk_suite_checks;
	*groups = sizeof(daxk_suite_groups) / sizeof(daxk_suite_groups[0]);
	*log = daxk_suite_log;
	return failed;
}
#else
static int daxk_no_radix_suite(unsigned long *checks, unsigned int *groups, const char **log)
{
	*checks = 0;
	*groups = 0;
	*log = "the tree has no tools/testing/radix-tree/ (the radix-tree era's test suite)";
	return -2;
}

int daxk_radix_suite(unsigned long *checks, unsigned int *groups, const char **log)
{
	return daxk_no_radix_suite(checks, groups, log);
}

int daxk_radix_suite_broken(unsigned long *checks, unsigned int *groups, const char **log)
{
	return daxk_no_radix_suite(checks, groups, log);
}
#endif
