/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: runs the tree's own lib/test_xarray.c (the kernel's
 * XArray test module) against the shims the DAX code is built with, so that a
 * shim that silently changes the xarray's behaviour (a config macro, a node
 * allocator, a list helper) fails the kernel's own checks.
 *
 * The module's printk goes to a buffer the Rust side reads; its module
 * boilerplate is empty. lib/test_xarray.c is copied from the tree at build time
 * (DAXK_HAVE_TEST_XARRAY); a tree without it builds a stub that says so.
 */
#include "mm_shim.h"
#include <stdarg.h>
#include <stdio.h>

#ifdef DAXK_HAVE_TEST_XARRAY
/* The module's own xa_dump() stub applies (it is not built with XA_DEBUG). */
#define __KERNEL__ 1
#undef printk
#undef pr_info

static char daxk_selftest_log[1 << 16];
static size_t daxk_selftest_len;

static void daxk_selftest_printk(const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(daxk_selftest_log) - daxk_selftest_len;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(daxk_selftest_log + daxk_selftest_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		daxk_selftest_len += (size_t)n < room ? (size_t)n : room - 1;
}

#define printk(...) daxk_selftest_printk(__VA_ARGS__)
#define pr_info(...) daxk_selftest_printk(__VA_ARGS__)
#define dump_stack() ((void)0)
#define module_init(fn)
#define module_exit(fn)
#define MODULE_AUTHOR(who)
#define MODULE_LICENSE(lic)
#define MODULE_DESCRIPTION(what)

#include "test_xarray.c"

/*
 * Runs the module's init function once. Returns its result (0 when every check
 * passed, -EINVAL otherwise); the counts and the printk log go to the pointers.
 */
int daxk_xarray_selftest(unsigned int *run, unsigned int *passed, const char **log)
{
	int ret;

	daxk_selftest_len = 0;
	daxk_selftest_log[0] = '\0';
	tests_run = 0;
	tests_passed = 0;
	ret = xarray_checks();
	*run = tests_run;
	*passed = tests_passed;
	*log = daxk_selftest_log;
	return ret;
}
#else
int daxk_xarray_selftest(unsigned int *run, unsigned int *passed, const char **log)
{
	*run = 0;
	*passed = 0;
	*log = "the tree has no lib/test_xarray.c";
	return -ENOENT;
}
#endif
