/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxlock kernel target: fs/dax.c's calls into the wait queue, each wrapped in a
 * scope of the stateful checker (the daxk_scope_begin()/daxk_scope_end() hooks,
 * Backend::scope_begin()/scope_end() in Rust). Written for daxlock.
 *
 * fs/dax.c uses none of these calls' results (6.1's __wake_up() and
 * prepare_to_wait_exclusive() return one; fs/dax.c drops it), and each leaves
 * the caller's locals the same way whatever it met: __wake_up() reads the key it
 * is given and changes only the queue and the woken tasks (shared state, which the
 * checker's state holds); prepare_to_wait_exclusive() queues the caller's wait
 * entry (its place in the queue is shared state) and sets its flag and the task
 * state; finish_wait() leaves the entry off the queue and the task running. So
 * once the call returns, what it read inside (the queue, whether a wake found its
 * task asleep, whether the entry was still queued) is no longer part of the
 * caller's state: the checker forgets it (see World::scope_end in
 * kernel/src/world.rs).
 *
 * fs/dax.c's own dax_wake_entry() is a scope too (the build script,
 * kernel/build.rs's scoped(), defines dax_wake_entry(...) as
 * DAXK_SCOPED_CALL(dax_wake_entry(...)) around its definition, so every call
 * of it, and no other code, is wrapped): it returns nothing, reads the caller's
 * xa_state (the array and index, for the key and the head) without writing it,
 * and writes only its own locals (the key, the head); what it reads besides,
 * waitqueue_active()'s answer, decides only whether __wake_up() runs, whose
 * effects are on shared state (the queue, the woken tasks' states). So after it
 * returns, the caller's locals are what they were before, whether it found
 * waiters or not, and the checker forgets the lockless read. 4.13's waker,
 * dax_wake_mapping_entry_waiter(mapping, index, entry, wake_all), is one by the
 * same argument: it returns nothing, computes the key and head from its
 * arguments (the entry only for whether it is a PMD), writes only them, and
 * what waitqueue_active() answers decides only whether __wake_up() runs. It is
 * a global function most of whose callers come before its definition, so the
 * macro (of the variant's name for it) is defined at the start of the extract
 * too, and undefined over the definition.
 *
 * A macro's own name is not expanded again inside its body: the inner calls are
 * the tree's functions.
 */
#ifndef DAXK_SCOPES_H
#define DAXK_SCOPES_H

/* A call, as one expression, in a scope: its value (void) dropped. */
#define DAXK_SCOPED_CALL(call) (daxk_scope_begin(), (void)(call), daxk_scope_end())

#define __wake_up(...) \
	(daxk_scope_begin(), (void)__wake_up(__VA_ARGS__), daxk_scope_end())
#define prepare_to_wait_exclusive(...) \
	(daxk_scope_begin(), (void)prepare_to_wait_exclusive(__VA_ARGS__), daxk_scope_end())
#define finish_wait(...) \
	(daxk_scope_begin(), finish_wait(__VA_ARGS__), daxk_scope_end())

#endif
