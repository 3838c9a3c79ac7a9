/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target, radix-tree era (4.13): the twin of c/xa_folds.h. Every
 * radix-tree call 4.13's fs/dax.c (and the driver compiled with it) makes under
 * mapping->tree_lock that hands it something it goes on with, wrapped so that,
 * at the call's return, what the call returned goes to the daxk_xa_read() hook
 * (Rust: World::xa_read in kernel/src/world.rs), which folds it into the task's
 * history for the stateful checker. Written for daxlock.
 *
 * The calls wrapped, and what each folds (canonically: the same for the same
 * thing in every run, see daxk_radix_canon()):
 *
 * - __radix_tree_lookup(): the entry it returned and the index asked. The node
 *   and slot it hands back through its pointers are the tree's shape (where
 *   the entry lives), which no fold covers (the whole-state fold hashes the
 *   entries and tags, never the nodes): whatever the caller reads through the
 *   slot later is read by radix_tree_deref_slot_protected(), which folds it.
 * - radix_tree_deref_slot_protected(): the entry in the slot.
 * - __radix_tree_insert() and __radix_tree_create(): the error (0, or -EEXIST
 *   when an entry is in the way), with the index.
 * - radix_tree_tag_get(): the answer, with the index and the tag.
 *
 * Not wrapped: radix_tree_replace_slot() and __radix_tree_replace() return
 * nothing; radix_tree_delete(), radix_tree_tag_set() and radix_tree_tag_clear()
 * return the item, which fs/dax.c drops. What those read inside (the old entry,
 * the node's counts, the tags above the slot) decides only what they write,
 * which the fingerprint holds. radix_tree_exceptional_entry() and the
 * dax_is_*_entry() helpers are functions of a value already folded.
 * radix_tree_preload() reads and fills the caller's own per-task node pool
 * (c/radix/radix_common.c), which is its locals.
 *
 * Included into each variant's translation unit after the prelude (so it wraps
 * fs/dax.c's calls and the driver's). A macro's own name is not expanded again
 * inside its body: the inner calls are lib/radix-tree.c's.
 */
#ifndef DAXK_RADIX_FOLDS_H
#define DAXK_RADIX_FOLDS_H

/* Which call folded (part of the fold; numbered apart from the xarray's). */
enum daxk_radix_call {
	DAXK_RADIX_LOOKUP = 0x41,
	DAXK_RADIX_DEREF,
	DAXK_RADIX_INSERT,
	DAXK_RADIX_CREATE,
	DAXK_RADIX_TAG_GET,
	/* An entry with its order (daxlock's own walks in radix_common.c). */
	DAXK_RADIX_ORDER,
};

/* What stands for an internal node or sibling entry (its address is not state). */
#define DAXK_RADIX_NODE 0x6e6f6465ULL

/* An entry as the same value in every run: NULL as 0, an exceptional (DAX)
 * entry as itself (its flags and sector), a hole page (a struct page) as its
 * pfn shifted left twice (its low two bits clear, where an exceptional entry
 * has bit 1 set), an internal entry as one marker. */
static inline unsigned long long daxk_radix_canon(void *e)
{
	if (!e)
		return 0;
	if (radix_tree_is_internal_node(e))
		return DAXK_RADIX_NODE;
	if (radix_tree_exceptional_entry(e))
		return (unsigned long long)(uintptr_t)e;
	return (unsigned long long)((struct page *)e)->pfn << 2;
}

/* Folds entry `e` that call `call` at `index` returned; returns `e`. */
static inline void *daxk_radix_fold(unsigned int call, unsigned long index, void *e)
{
	daxk_xa_read(call, daxk_radix_canon(e), index, 0);
	return e;
}

/* Folds error `err` that call `call` at `index` returned; returns `err`. */
static inline int daxk_radix_fold_err(unsigned int call, unsigned long index, int err)
{
	daxk_xa_read(call, 0, index, err);
	return err;
}

/*
 * 4.13's wait for an unlocked entry, get_unlocked_mapping_entry(mapping, index,
 * slotp), called with tree_lock held and returning with it held: every call of
 * it is a scope of the stateful checker, as the xarray eras' waits are
 * (c/xa_folds.h; the build script, kernel/build.rs's scoped(), defines the name
 * as DAXK_ENTRY_SCOPE around its calls). Inside one, its __radix_tree_lookup()
 * is the top of the wait's loop (daxk_entry_scope_top(): the task's history
 * goes back to the wait's opening), and at the return the history is the
 * opening's with the entry returned folded (World::entry_scope_end). So a task
 * that slept in the wait, once or several times, woken by whichever waker, and
 * a task that found the entry unlocked at once, have the same history once the
 * call returns the same entry: the loop's sleeps are forgotten.
 *
 * Why that is sound. The call takes the mapping, the index and slotp by value,
 * returns one entry, and writes nothing of the caller's but *slotp: the slot
 * its last lookup found, under tree_lock, which the caller still holds, so the
 * slot is where the tree (C state, which the fingerprint holds) keeps the
 * index's entry, as for every __radix_tree_lookup() (above: the node and slot
 * are the tree's shape, and what the caller reads through the slot later is
 * folded by radix_tree_deref_slot_protected()). Its locals (the wait entry and
 * its key, the head) are gone at the return; the wait entry is off every queue
 * by then (finish_wait()), and the task is running. Everything else it did is C
 * state (the queues, the task states, the tree). At the top of the loop the
 * live locals are the arguments alone: the wait entry's key and head are
 * written (dax_entry_waitqueue()) before they are read in each round, and its
 * one field that differs after a first round (the exclusive flag) is set again
 * (prepare_to_wait_exclusive()) before the entry is queued. Unlike an
 * xa_state, the lookup always walks from the root: there is no walk start to
 * fold (the top folds one constant, DAXK_RADIX_WALK_ROOT). The index is an
 * argument, which the history before the call decides: the end folds 0 for it.
 */
#define DAXK_RADIX_WALK_ROOT 1ULL

/*
 * A second top of the same loop: the return of its prepare_to_wait_exclusive()
 * (the wrapper below). From there to the next lookup the task unlocks, sleeps,
 * finish_wait()s and locks again, and what it goes on with is the arguments
 * alone once more: the entry and slot the round's lookup found are written by
 * the next lookup before they are read; the wait entry is queued, so its key
 * and exclusive flag are C state (the fingerprint's walk of every queued
 * waiter); the head, wq, is read by finish_wait() only while the entry is
 * still queued, and then it is the head the entry is queued on (C state too).
 * So the history goes back to the wait's opening here as well (folding
 * DAXK_RADIX_QUEUED): a task asleep, or woken and on its way back to the
 * lookup, no longer carries which locked entry it found (a PTE or PMD entry,
 * empty or mapped: the key it computed from that is in the queue).
 */
#define DAXK_RADIX_QUEUED 3ULL

/*
 * 4.13's grab_mapping_entry(mapping, index, size_flag) is a scope too (the build
 * script's scoped() wraps its calls in DAXK_GRAB_SCOPE, radix era only): at its
 * return the task's history is the opening's with the entry it returned folded,
 * canonically (daxk_radix_canon(): a locked DAX entry, a locked hole page as its
 * pfn, or an ERR_PTR() as itself). Its `restart:` label is the top of its loop
 * (DAXK_RADIX_RESTART: the history goes back to the opening), marked where the
 * code goes on from the label, the call of get_unlocked_mapping_entry() right
 * after the label's spin_lock_irq() (DAXK_ENTRY_SCOPE below; World::entry_scope_top
 * takes it only inside grab_mapping_entry() and outside its wait). So a fault
 * that restarted (the lookup after radix_tree_preload() found an entry another
 * task inserted meanwhile, or the hole page it locked was truncated) and one
 * that went straight on have the same history once grab returns the same entry.
 *
 * Why that is sound. The call takes the mapping, the index and size_flag by
 * value and writes nothing of its caller's: what the caller goes on with is the
 * entry returned. Its locals (entry, slot, pmd_downgrade, err) are gone at the
 * return. Everything else it did is C state, which the fingerprint holds: the
 * tree (the entry it locked or inserted, the one it deleted), the queues it woke,
 * tree_lock (released on every return), the hole page's lock and count (a page
 * returned is locked, its reference taken), mapping->nrexceptional. The task's
 * own node pool (radix_tree_preload(), per task in c/radix/radix_common.c) is
 * left full or partly used, which decides nothing: the allocator never fails
 * but with --fail-alloc, whose count of allocations the fingerprint holds. At
 * the restart top the live locals are the arguments alone: pmd_downgrade is
 * false on both ways back to the label (it is set only when the wait returned
 * an entry, and the lookup that restarts runs only when it returned none; the
 * truncated hole page is a page, not a PMD entry), and entry and slot are
 * written by the wait before they are read. tree_lock is held there (taken by
 * the label's spin_lock_irq(): its holder is C state); what the acquire folded
 * is read into no local. The top folds one constant: the label is the one
 * place grab goes back to.
 */
#define DAXK_RADIX_RESTART 4ULL

/* A call of grab_mapping_entry() (above), as one expression whose value is the
 * entry. */
#define DAXK_GRAB_SCOPE(call) ({ \
	daxk_grab_scope_begin(); \
	void *__daxk_ge = (call); \
	daxk_grab_scope_end(daxk_radix_canon(__daxk_ge)); \
	__daxk_ge; })

/* A call of get_unlocked_mapping_entry() (above) on `mapping`, as one
 * expression whose value is the entry; `call` names the mapping __daxk_sx.
 * Inside grab_mapping_entry() the call is where its `restart:` label goes on
 * (DAXK_RADIX_RESTART: a top of grab's loop; elsewhere nothing). */
#define DAXK_ENTRY_SCOPE(mapping, call) ({ \
	struct address_space *__daxk_sx = (mapping); \
	daxk_entry_scope_top(DAXK_RADIX_RESTART); \
	daxk_entry_scope_begin(); \
	void *__daxk_se = (call); \
	daxk_entry_scope_end(daxk_radix_canon(__daxk_se), 0); \
	__daxk_se; })

#ifndef DAXK_RADIX_NO_WRAPPERS
#define __radix_tree_lookup(root, index, nodep, slotp) ({ \
	unsigned long __daxk_i = (index); \
	daxk_entry_scope_top(DAXK_RADIX_WALK_ROOT); \
	daxk_radix_fold(DAXK_RADIX_LOOKUP, __daxk_i, \
			__radix_tree_lookup(root, __daxk_i, nodep, slotp)); })
#define radix_tree_deref_slot_protected(slot, lock) \
	daxk_radix_fold(DAXK_RADIX_DEREF, 0, radix_tree_deref_slot_protected(slot, lock))
#define __radix_tree_insert(root, index, order, item) ({ \
	unsigned long __daxk_i = (index); \
	daxk_radix_fold_err(DAXK_RADIX_INSERT, __daxk_i, \
			    __radix_tree_insert(root, __daxk_i, order, item)); })
#define __radix_tree_create(root, index, order, nodep, slotp) ({ \
	unsigned long __daxk_i = (index); \
	daxk_radix_fold_err(DAXK_RADIX_CREATE, __daxk_i, \
			    __radix_tree_create(root, __daxk_i, order, nodep, slotp)); })
#define radix_tree_tag_get(root, index, tag) ({ \
	unsigned long __daxk_i = (index); \
	unsigned int __daxk_t = (tag); \
	int __daxk_r = radix_tree_tag_get(root, __daxk_i, __daxk_t); \
	daxk_xa_read(DAXK_RADIX_TAG_GET, (unsigned long long)__daxk_r << 8 | __daxk_t, \
		     __daxk_i, 0); \
	__daxk_r; })
/* The wait-queue calls' scopes (c/scopes.h), with prepare_to_wait_exclusive()'s
 * return the wait's second loop top (DAXK_RADIX_QUEUED, above; nothing outside
 * a wait for an unlocked entry: World::entry_scope_top). 4.13's fs/dax.c calls
 * it only in get_unlocked_mapping_entry(). scopes.h's guard keeps the variant's
 * own include of it from redefining the macro. */
#include "scopes.h"
#undef prepare_to_wait_exclusive
#define prepare_to_wait_exclusive(...) \
	(daxk_scope_begin(), (void)prepare_to_wait_exclusive(__VA_ARGS__), daxk_scope_end(), \
	 daxk_entry_scope_top(DAXK_RADIX_QUEUED))
#endif /* !DAXK_RADIX_NO_WRAPPERS */

#endif
