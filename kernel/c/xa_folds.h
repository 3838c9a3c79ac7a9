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

/*
 * The waits for an unlocked entry (get_unlocked_entry() in 5.15 to 6.12,
 * get_next_unlocked_entry() and wait_entry_unlocked_exclusive() in 7.1), called
 * with the xarray lock held and returning with it held: every call of them is a
 * scope of the stateful checker (the build script, kernel/build.rs's scoped(),
 * defines each name as DAXK_ENTRY_SCOPE around its calls). Inside one, each
 * xas_find_conflict() or xas_load() is the top of the wait's loop
 * (daxk_entry_scope_top(): the task's history goes back to the wait's opening,
 * with whether the xa_state is reset folded), and at the return the history is
 * the opening's with the entry returned, the index, and whether the last walk
 * started from a reset xa_state folded (World::entry_scope_end). So a task that
 * slept in the wait, once or several times, woken by whichever waker, and a task
 * that found the entry unlocked at once, have the same history once the call
 * returns the same entry from a walk that started alike: the loop's sleeps (the
 * queue, the wakeups, finish_wait()'s look) are forgotten.
 *
 * Why that is sound. Such a call takes the caller's xa_state and an order or an
 * entry by value, returns one entry, and writes nothing of the caller's but the
 * xa_state: the walk moves it, and a sleep resets it (xas_reset()) so that the
 * next walk starts from the root. Its locals (the wait entry and its key, the
 * head) are gone at the return; the wait entry is off every queue by then
 * (finish_wait()), and the task is running. Everything else it did is C state
 * (the queues, the task states, the tree), which the fingerprint holds. At the
 * top of the loop the live locals are the arguments and the xa_state: the wait
 * entry's key and head are written before they are read in each round, and its
 * one field that differs after a first round (the exclusive flag) is set again
 * before the entry is queued. The xa_state is folded as every wrapped walk
 * folds it (kernel/c/xa_folds.h's wrappers: the index and the error, never the
 * node, whose place is the tree's shape), plus what a sleep changes of it,
 * which the wrappers never needed: whether the walk starts from a reset
 * xa_state or from where the caller's left it (the writeback's walk hands its
 * xa_state on in place, and finding 1 is that difference).

 */
/* Which state a wait's walk starts from (World::entry_scope_top). */
#define DAXK_WALK_RESET 1ULL
#define DAXK_WALK_IN_PLACE 2ULL

/* A call of a wait for an unlocked entry (above) on xa_state `xas`, as one
 * expression whose value is the entry; `call` names the xa_state __daxk_sx. */
#define DAXK_ENTRY_SCOPE(xas, call) ({ \
	struct xa_state *__daxk_sx = (xas); \
	daxk_entry_scope_begin(); \
	void *__daxk_se = (call); \
	daxk_entry_scope_end(daxk_xa_canon(__daxk_se), __daxk_sx->xa_index); \
	__daxk_se; })

/* The top of a wait's loop, if the task is in a wait: an xarray walk or load
 * about to run on `xas`. */
#define DAXK_WALK_TOP(xas) \
	daxk_entry_scope_top((xas)->xa_node == XAS_RESTART ? DAXK_WALK_RESET : DAXK_WALK_IN_PLACE)

/* The position of dax_writeback_mapping_range()'s walk over the TOWRITE entries
 * (kernel/c/common.c: the marks behind it are dead while the writeback is the
 * last operation that reads them). Only that walk calls xas_find_marked() or
 * xas_next_marked() with PAGECACHE_TAG_TOWRITE in fs/dax.c (5.15 to 7.1).
 * After such a call the walk's index only grows until the writeback returns,
 * except back to the first index of the entry it is on (a sibling slot sends it
 * to the entry's canonical one): an entry that ends below the index is never
 * visited again. */
void daxk_towrite_walk_at(unsigned long index, int found);
void daxk_towrite_walk_over(void);
#define DAXK_TOWRITE_WALK(xas, mark, e) ({ \
	void *__daxk_w = (e); \
	if ((mark) == PAGECACHE_TAG_TOWRITE) \
		daxk_towrite_walk_at((xas)->xa_index, __daxk_w != NULL); \
	__daxk_w; })

/*
 * dax_writeback_mapping_range()'s walk over the TOWRITE entries,
 *
 *	xas_for_each_marked(&xas, entry, end_index, PAGECACHE_TAG_TOWRITE) {
 *		ret = dax_writeback_one(&xas, ...);  ... ++scanned ...
 *	}
 *	xas_unlock_irq(&xas); trace...(inode, xas.xa_index, end_index); return ret;
 *
 * is a scope of the stateful checker (5.15 to 7.1: the same loop and tail in
 * each): opened as its xas_find_marked() is about to run
 * (daxk_walk_scope_begin()), its loop top each return of that xas_find_marked()
 * and of its xas_next_marked() (daxk_walk_scope_top(): the task's history goes
 * back to the opening with what the loop goes on with folded), and closed when
 * the writeback has
 * returned (driver.c's fsync, daxk_walk_scope_end(), its return value folded).
 * So once a round is over, whatever it met on the way (the entry locked and
 * skipped or written back, a sleep, the xarray calls' answers, the walk's own
 * find of the entry) is forgotten: two runs whose walks go on from the same
 * entry with the xa_state alike after the same number of rounds are one state,
 * and two whose walks have ended are one state whatever they visited, or
 * whether they found anything at all (World::walk_scope_top in
 * kernel/src/world.rs).
 *
 * Why that is sound. As the xas_find_marked() or an xas_next_marked()
 * returns, the caller's live locals are: `entry`, what it returned (folded as
 * daxk_xa_canon() gives it); the xa_state; `scanned`, the rounds so far, which
 * is the number of loop tops met in the scope less one (each round that does
 * not break out increments it once and comes to the next top once, through the
 * XA_CHECK_SCHED pause or not), folded where it can reach XA_CHECK_SCHED
 * (World::writeback_walk_bound argues why it is dead elsewhere); `ret`, 0 at
 * every top (0 as initialised at the first; dax_writeback_one() returns 0 or
 * -EIO in every tree built, and -EIO breaks out of the loop before the next
 * top); and the arguments
 * (mapping, inode, end_index, the writeback_control, which nothing writes),
 * which the opening's history holds. dax_writeback_one() writes nothing of its
 * caller's but the xa_state; what else it did is C state or the model's page
 * table and block map, which the state holds. When the call found an entry,
 * the xa_state is folded as the wrappers above fold it and more
 * (daxk_xas_shape()): its index and error, its order, siblings and whether it
 * holds an allocated node; the array is the mapping's. Its place in the tree
 * (the node, NULL for an entry at the head, and the offset) is the tree's
 * shape, left out as every wrapper leaves it out: the task holds the xarray
 * lock and the call has just moved the xa_state under that hold to the slot of
 * the entry it returned, so its place is the tree's path to the index. (Folding
 * the place too, as the node's shift and offset or only whether there is a
 * node, kept states apart that the fingerprint, which hashes the entries and
 * never the nodes, merges: eexist-starves-fsync on 6.1, 10,199 states against
 * 9,818 without the scope.) When it found nothing (NULL) the loop is over: what is left reads
 * `ret` (0) and, of the xa_state, only the array (its lock) and the index for
 * a trace (a no-op here: the build script defines the traces away), so neither
 * `scanned` nor the xa_state is live and the fold is the NULL alone.
 */
/* The xa_state `xas` as the same value in every run (see above): all of it
 * but the array, the index and its place in the tree (its node and offset). */
static inline unsigned long long daxk_xas_shape(const struct xa_state *xas)
{
	return ((unsigned long long)(-xas_error(xas) & 0xfff) << 44) |
	       ((unsigned long long)xas->xa_shift << 24) |
	       ((unsigned long long)xas->xa_sibs << 32) |
	       ((unsigned long long)(xas->xa_alloc != NULL) << 40);
}

/* A marked walk's call `e` (call `call`, mark `mark`) on xa_state `x`, folded,
 * and for TOWRITE a top of the writeback walk's scope (above); its value is
 * the entry. */
#define DAXK_TOWRITE_STEP(x, mark, call, e) ({ \
	void *__daxk_n = daxk_xa_fold(call, x, DAXK_TOWRITE_WALK(x, mark, e)); \
	if ((mark) == PAGECACHE_TAG_TOWRITE) \
		daxk_walk_scope_top(daxk_xas_shape(x), (x)->xa_index, daxk_xa_canon(__daxk_n)); \
	__daxk_n; })

#ifndef DAXK_XA_NO_WRAPPERS
#define xas_load(xas) ({ \
	struct xa_state *__daxk_x = (xas); \
	DAXK_WALK_TOP(__daxk_x); \
	daxk_xa_fold(DAXK_XA_LOAD, __daxk_x, xas_load(__daxk_x)); })
#define xas_store(xas, entry) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_STORE, __daxk_x, xas_store(__daxk_x, entry)); })
#define xas_find_conflict(xas) ({ \
	struct xa_state *__daxk_x = (xas); \
	DAXK_WALK_TOP(__daxk_x); \
	daxk_xa_fold(DAXK_XA_FIND_CONFLICT, __daxk_x, xas_find_conflict(__daxk_x)); })
#define xas_find(xas, max) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_FIND, __daxk_x, xas_find(__daxk_x, max)); })
#define xas_next_entry(xas, max) ({ \
	struct xa_state *__daxk_x = (xas); \
	daxk_xa_fold(DAXK_XA_NEXT_ENTRY, __daxk_x, xas_next_entry(__daxk_x, max)); })
#define xas_find_marked(xas, max, mark) ({ \
	struct xa_state *__daxk_x = (xas); \
	if ((mark) == PAGECACHE_TAG_TOWRITE) \
		daxk_walk_scope_begin(); \
	DAXK_TOWRITE_STEP(__daxk_x, mark, DAXK_XA_FIND_MARKED, \
			  xas_find_marked(__daxk_x, max, mark)); })
#define xas_next_marked(xas, max, mark) ({ \
	struct xa_state *__daxk_x = (xas); \
	DAXK_TOWRITE_STEP(__daxk_x, mark, DAXK_XA_NEXT_MARKED, \
			  xas_next_marked(__daxk_x, max, mark)); })
#define xas_get_mark(xas, mark) ({ \
	struct xa_state *__daxk_x = (struct xa_state *)(xas); \
	bool __daxk_m = xas_get_mark(__daxk_x, mark); \
	daxk_xa_read(DAXK_XA_GET_MARK, __daxk_m, __daxk_x->xa_index, xas_error(__daxk_x)); \
	__daxk_m; })
#endif /* !DAXK_XA_NO_WRAPPERS */

#endif /* !DAXK_RADIX */
#endif
