/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: every xarray call fs/dax.c (and the driver compiled
 * with it) makes that hands it something it goes on with, wrapped so that, at
 * the call's return, what the call returned goes to the daxk_xa_read() hook
 * (Rust: World::xa_read in kernel/src/world.rs), which folds it into the task's
 * history for the stateful checker. Written for daxlock.
 *
 * What a wrapper folds is what the caller keeps of the call, canonically (the
 * same for the same thing in every run): the entry it returned (a value entry
 * as itself, NULL as 0, the xarray's retry and zero entries as themselves, a
 * node, which only a walk that stops above the bottom returns, as one marker:
 * its address differs from run to run), the xa_state's index afterwards (the
 * iterators move it) and its error (an allocation that failed). The node the
 * xa_state points into is the tree's shape, which no fold covers (as before:
 * the whole-state fold hashes the entries, never the nodes): the calls' results
 * are functions of the entries and marks, never of the shape.
 *
 * xas_set_mark() and xas_clear_mark() return nothing and leave the xa_state as
 * it was: what they read (the marks above the slot) decides only what they
 * write, which the fingerprint holds. So they are not wrapped.
 *
 * The radix-tree era (4.13) has no xarray: it keeps its fold of the whole C
 * memory at the tree lock (World::guarded).
 *
 * A macro's own name is not expanded again inside its body: the inner calls are
 * the xarray's functions.
 */
#ifndef DAXK_XA_FOLDS_H
#define DAXK_XA_FOLDS_H
#ifndef DAXK_RADIX

/* Which call folded (part of the fold: two calls that return the same differ). */
enum daxk_xa_call {
	DAXK_XA_LOAD = 1,
	DAXK_XA_STORE,
	DAXK_XA_FIND_CONFLICT,
	DAXK_XA_GET_MARK,
	DAXK_XA_FIND,
	DAXK_XA_NEXT_ENTRY,
	DAXK_XA_FIND_MARKED,
	DAXK_XA_NEXT_MARKED,
	/* An entry with its order (daxlock's own walks in common.c). */
	DAXK_XA_ORDER,
};

/* What stands for a node, or for a pointer that is not an xarray entry. */
#define DAXK_XA_NODE 0x6e6f6465ULL
#define DAXK_XA_POINTER 0x70747221ULL

/* An entry as the same value in every run. */
static inline unsigned long long daxk_xa_canon(void *e)
{
	if (xa_is_node(e))
		return DAXK_XA_NODE;
	if (e && !xa_is_value(e) && !xa_is_internal(e))
		return DAXK_XA_POINTER;
	return (unsigned long long)(uintptr_t)e;
}

/* Folds what call `call` returned (`e`) and left in `xas`; returns `e`. */
static inline void *daxk_xa_fold(unsigned int call, const struct xa_state *xas, void *e)
{
	daxk_xa_read(call, daxk_xa_canon(e), xas->xa_index, xas_error(xas));
	return e;
}

#ifndef DAXK_XA_NO_WRAPPERS
#define xas_load(xas) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_LOAD, __daxk_x, xas_load(__daxk_x)); })
#define xas_store(xas, entry) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_STORE, __daxk_x, xas_store(__daxk_x, entry)); })
#define xas_find_conflict(xas) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_FIND_CONFLICT, __daxk_x, xas_find_conflict(__daxk_x)); })
#define xas_find(xas, max) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_FIND, __daxk_x, xas_find(__daxk_x, max)); })
#define xas_next_entry(xas, max) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_NEXT_ENTRY, __daxk_x, xas_next_entry(__daxk_x, max)); })
#define xas_find_marked(xas, max, mark) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_FIND_MARKED, __daxk_x, xas_find_marked(__daxk_x, max, mark)); })
#define xas_next_marked(xas, max, mark) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_NEXT_MARKED, __daxk_x, xas_next_marked(__daxk_x, max, mark)); })
#define xas_get_mark(xas, mark) ({ \
	struct xa_state *__daxk_x = (struct xa_state *)(xas); \
	bool __daxk_m = xas_get_mark(__daxk_x, mark); \
	daxk_xa_read(DAXK_XA_GET_MARK, __daxk_m, __daxk_x->xa_index, xas_error(__daxk_x)); \
	__daxk_m; })
#endif /* !DAXK_XA_NO_WRAPPERS */

#endif /* !DAXK_RADIX */
#endif
