/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: <assert.h> for the kernel's radix-tree test suite
 * (tools/testing/radix-tree/), found before the C library's. A failed check ends
 * the test group it is in (radix_suite.c records it and goes on with the next
 * group) instead of aborting the test process. Written for daxlock.
 */
#ifndef DAXK_SUITE_ASSERT_H
#define DAXK_SUITE_ASSERT_H

extern unsigned long daxk_suite_checks;
void daxk_suite_failed(const char *cond, const char *file, int line);
#define assert(c) ((void)(daxk_suite_checks++, (c) ? 0 : (daxk_suite_failed(#c, __FILE__, __LINE__), 0)))

#endif
