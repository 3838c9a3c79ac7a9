//! The kernel target's test-only switches, as one table: each field turns off (or
//! narrows, or widens) one reduction of the stateful checker's, so that a test can
//! show the reduction merges states and that a wrong one is caught.
//! [`Switches::default`] is the shipped behaviour. They live in one thread-local
//! per OS thread: the stateful checker with one job runs its executions, and the
//! C code, on the thread that calls it, so a test sets them on its own thread
//! ([`Switches::set`], a guard that puts the previous table back when dropped)
//! and other tests' threads keep theirs.

use std::cell::Cell;

use crate::world::{DirtyDead, EntryScopeResult, Folds, TowriteBehind};

/// The test-only switches of the kernel target (see the module's doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    /// The [`Folds`] of the worlds made on this thread (`None`, the default: the
    /// process's, `DAXLOCK_KERNEL_FOLDS` or [`Folds::Narrow`]). Tests compare the
    /// folds (`kernel/tests/folds/mod.rs`, `kernel_state_spaces_are_pinned`,
    /// `radix_state_spaces_are_pinned`).
    pub folds: Option<Folds>,
    /// Off (`true`): the C memory is left out of the stateful checker's step
    /// footprints (no probe, no read at a lock's acquire) while the partial-order
    /// reduction stays on: an unsound reduction, to show that the tests comparing
    /// the reduced search with the full one can fail on the kernel target
    /// (`kernel/tests/por/mod.rs`).
    pub blind_footprints: bool,
    /// Off (`true`): a task that waits for the page-table lock in
    /// `World::under_ptl` does not fold that it waited, as before the fix: a task
    /// about to look at the lock and one woken to look again are one state with
    /// two futures (`kernel/tests/kernel_target.rs`, `a_ptl_wait_is_part_of_the_state`).
    pub unfolded_ptl_wait: bool,
    /// What a wait for an unlocked entry folds at its loop's tops and its return
    /// (`World::entry_scope_end`); narrower than [`EntryScopeResult::Whole`] (the
    /// default) to test whether a test can tell (`kernel/tests/entry_scope/mod.rs`).
    pub entry_scope_result: EntryScopeResult,
    /// On (the default): the radix era's grab_mapping_entry() is a scope whose
    /// result is the entry it returned, with its `restart:` label a loop top
    /// (`c/radix/radix_folds.h`); off: no scope, as before issue 18's eighth
    /// session (`kernel/tests/radix_era.rs`, `the_grab_scope_merges_restarts`).
    pub grab_scope: bool,
    /// On (the default): the radix era's wait loop has a second top where the
    /// task is queued (`DAXK_RADIX_QUEUED`); off: its lookup is its one top, as
    /// before issue 18's seventh session, and a queued task keeps which locked
    /// entry it found until it looks again (`kernel/tests/radix_era.rs`,
    /// `the_queued_loop_top_merges_sleepers`).
    pub queued_loop_top: bool,
    /// Off (`true`): the radix era's lockless tagged walk
    /// (`daxk_find_get_entries_tag()`, fsync's `find_get_entries_tag()`) folds
    /// every bit of the entries it hands back, as before issue 18's seventh
    /// session, not only what dax_writeback_one() reads of them
    /// (`kernel/tests/radix_era.rs`, `fsync_folds_what_the_writeback_reads_of_its_entries`).
    pub whole_tagged_fold: bool,
    /// Too wide (`true`): the TOWRITE marks are out of the fingerprint from the
    /// start, not only once every operation that is not a fault has returned
    /// (`World::non_fault_op_done`): unsound, to show that the tests of the sound
    /// rule can fail (`kernel/tests/kernel_target.rs`,
    /// `towrite_marks_are_state_until_the_last_writeback`).
    pub towrite_always_dead: bool,
    /// Off (`true`): the walk at the top of a wait for an unlocked entry is
    /// folded into the task's history, as before issue 18's eighth session (the
    /// fold is redundant: `World::wait_walk_unfolded` in `kernel/src/world.rs` argues
    /// it; `kernel/tests/entry_scope/mod.rs`, `the_wait_walk_is_a_function_of_the_state`).
    pub wait_walk_folded: bool,
    /// Which TOWRITE marks behind a running writeback's walk are out of the
    /// fingerprint (`World::towrite_dead_if_done`): [`TowriteBehind::Last`] the
    /// rule (the default), `Off` none, `Any` too wide (`kernel/tests/kernel_target.rs`,
    /// `towrite_marks_behind_the_walk_are_dead`).
    pub towrite_behind: TowriteBehind,
    /// Which dead DIRTY marks the fingerprint leaves out (`World::zero_dirty_rule`):
    /// [`DirtyDead::Zero`] the rule (the default), `Off` none
    /// (`kernel/tests/kernel_target.rs`, `dead_zero_dirty_marks_merge_states`).
    pub dirty_dead: DirtyDead,
    /// Off (`true`): the harness's fsync reads the entries it left DIRTY (the
    /// timeline's `fsync-done`) under the xarray lock, a step of the stateful
    /// checker, as before issue 18's ninth session, instead of without a step
    /// (`KernelMapping::left_dirty` argues it; `kernel/tests/kernel_target.rs`,
    /// `fsync_done_reads_the_marks_without_a_step`).
    pub left_dirty_locked: bool,
    /// On (the default): 4.13's hole-page locks are one lock of the checker's,
    /// its value the pfns locked (`PageLocks` in `kernel/src/world.rs`, which
    /// argues it); off: a lock each, made at the page's first lock_page(), as
    /// before issue 18's ninth session (`kernel/tests/radix_era.rs`,
    /// `hole_pages_are_named_by_index_and_kept_current`).
    pub page_locks_as_one: bool,
    /// On (the default): a write of C state outside every lock (4.13's hole
    /// pages: `daxk_c_wrote()` in `kernel/c/radix/radix_protos.h`) brings the C
    /// state the fingerprint holds up to date; off: it stays as the last unlock
    /// left it, as before issue 18's ninth session (`kernel/tests/radix_era.rs`,
    /// `hole_pages_are_named_by_index_and_kept_current`).
    pub c_wrote: bool,
    /// On (the default): 4.13's hole pages take their pfns from their index
    /// (`daxk_new_page()` in `kernel/c/radix/radix_common.c`, which argues it);
    /// off: in the order they are made, which names the same states differently
    /// according to which fault made its page first (`kernel/tests/radix_era.rs`,
    /// `hole_pages_are_named_by_index_and_kept_current`).
    pub hole_pfns_by_index: bool,
    /// On (the default): dax_writeback_mapping_range()'s walk over the TOWRITE
    /// entries is a scope whose loop top is each `xas_next_marked()`
    /// (`kernel/c/xa_folds.h` argues it; `World::walk_scope_top`); off: what each
    /// round met stays in the task's history until the writeback returns, as
    /// before issue 18's twelfth session (`kernel/tests/kernel_target.rs`,
    /// `the_writeback_walk_scope_merges_states`).
    pub writeback_walk_scope: bool,
}

impl Switches {
    /// The shipped behaviour (as a `const`, for the thread-local's initial value).
    pub const SHIPPED: Switches = Switches {
        folds: None,
        blind_footprints: false,
        unfolded_ptl_wait: false,
        entry_scope_result: EntryScopeResult::Whole,
        grab_scope: true,
        queued_loop_top: true,
        whole_tagged_fold: false,
        towrite_always_dead: false,
        wait_walk_folded: false,
        towrite_behind: TowriteBehind::Last,
        dirty_dead: DirtyDead::Zero,
        left_dirty_locked: false,
        page_locks_as_one: true,
        c_wrote: true,
        hole_pfns_by_index: true,
        writeback_walk_scope: true,
    };

    /// The switches on this OS thread now.
    pub fn current() -> Switches {
        SWITCHES.with(Cell::get)
    }

    /// Makes `self` this OS thread's switches until the guard is dropped, which
    /// puts back the ones before (also when a test panics). Set them before the
    /// world is made: some are read once per world.
    #[must_use = "the switches are put back when the guard is dropped"]
    pub fn set(self) -> SwitchesGuard {
        SwitchesGuard {
            previous: SWITCHES.with(|s| s.replace(self)),
        }
    }
}

impl Default for Switches {
    fn default() -> Self {
        Switches::SHIPPED
    }
}

/// Puts back the switches [`Switches::set`] replaced, when dropped.
#[derive(Debug)]
pub struct SwitchesGuard {
    previous: Switches,
}

impl Drop for SwitchesGuard {
    fn drop(&mut self) {
        SWITCHES.with(|s| s.set(self.previous));
    }
}

thread_local! {
    /// This OS thread's switches ([`Switches::set`]).
    static SWITCHES: Cell<Switches> = const { Cell::new(Switches::SHIPPED) };
}

/// This OS thread's switches (short for [`Switches::current`]).
pub(crate) fn switches() -> Switches {
    Switches::current()
}
