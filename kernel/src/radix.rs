//! The radix-tree era (4.13, the seed's own code) on the Rust side: what its
//! code cannot run, and where its verdicts differ from the model's (the README's
//! model-vs-4.13 table). The build side is `build_radix.rs` and `c/radix/`.

use daxlock::check::Verdict;
use daxlock::scenario::{Op, Scenario};

/// The era name `variants.rs` gives a radix-tree tree.
pub const RADIX_ERA: &str = "radix-tree";

/// Why a radix-era tree cannot run `scenario`, if it cannot.
pub fn cannot_run(scenario: &Scenario) -> Option<String> {
    scenario
        .threads
        .iter()
        .flatten()
        .any(|op| matches!(op, Op::MemoryFailure { .. }))
        .then(|| {
            "4.13 has no dax_lock_mapping_entry() (added in 4.20): `memory-failure` cannot run on it"
                .to_owned()
        })
}

/// Where 4.13's own code ends a catalogue scenario differently from the model
/// (whose verdicts are the scenarios' expectations): (scenario, variant, 4.13's
/// verdict, why).
pub const RADIX_EXPECTATIONS: &[(&str, &str, Verdict, &str)] = &[
    (
        "aligned-pmd-pte",
        "fixed",
        Verdict::LostWrite,
        crate::kernel::MKCLEAN_FIRST_INDEX,
    ),
    (
        "aligned-pmd-pte",
        "misaligned-pmd",
        Verdict::LostWrite,
        crate::kernel::MKCLEAN_FIRST_INDEX,
    ),
    (
        "invalidate-wakes-all",
        "fixed",
        Verdict::Hang,
        "4.13's __dax_invalidate_mapping_entry() wakes one waiter after deleting an entry (the model's fixed build has the v5.13 fix, 'dax: Wake up all waiters after invalidating dax entry'; 4.13 is the model's `invalidate-wake-one`)",
    ),
    (
        "bug-no-pagetable-recheck",
        "no-pagetable-recheck",
        Verdict::Warning,
        "without the recheck, 4.13's PTE fault reaches vm_insert_mixed() under the huge PMD another fault just installed, where insert_pfn()'s get_locked_pte() would walk a huge PMD as a PTE table (a BUG on real hardware); the shim reports it there, a step before the model's end-state check sees the huge and PTE mappings collide",
    ),
    (
        "bug-grab-after-iomap",
        "fixed",
        Verdict::WrongPage,
        HOLE_PAGE,
    ),
];

const HOLE_PAGE: &str = "4.13 fills a PTE read fault on a hole with a page-cache page: find_or_create_page() replaces the locked empty entry with the locked page and wakes the entry's waiters before the fault maps it; write(2)'s invalidation, woken, finds a page where it looked up a DAX entry, leaves it (dax_invalidate_mapping_entry_sync() returns 0), unmaps, and the fault then maps the hole page over the newly written block. The model abstracts the hole page as a zero PTE entry kept locked until the PTE is mapped (as 4.15 on did), so it cannot see this";

thread_local! {
    /// See [`set_hole_pfns_by_index`].
    static HOLE_PFNS_BY_INDEX: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    /// See [`set_page_locks_as_one`].
    static PAGE_LOCKS_AS_ONE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    /// See [`set_c_wrote`].
    static C_WROTE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// For tests only: while `on` (the default), 4.13's hole-page locks are one lock
/// of the checker's, their value the pfns locked (`PageLocks` in
/// `kernel/src/world.rs`, which argues it); off, a lock each, made at the
/// page's first lock_page() (as before issue 18's ninth session). Set it on the
/// thread that runs the check, before the world is made.
#[doc(hidden)]
pub fn set_page_locks_as_one(on: bool) {
    PAGE_LOCKS_AS_ONE.with(|f| f.set(on));
}

/// Whether the hole-page locks are one lock ([`set_page_locks_as_one`]).
pub(crate) fn page_locks_as_one() -> bool {
    PAGE_LOCKS_AS_ONE.with(|f| f.get())
}

/// For tests only: while `on` (the default), a write of C state outside every
/// lock (4.13's hole pages: `daxk_c_wrote()` in `kernel/c/radix/radix_protos.h`)
/// brings the C state the fingerprint holds up to date; off, it stays as the
/// last unlock left it (as before issue 18's ninth session).
#[doc(hidden)]
pub fn set_c_wrote(on: bool) {
    C_WROTE.with(|f| f.set(on));
}

/// Whether [`set_c_wrote`] is on.
pub(crate) fn c_wrote() -> bool {
    C_WROTE.with(|f| f.get())
}

/// For tests only: while `on` (the default), 4.13's hole pages take their pfns
/// from their index (`daxk_new_page()` in `kernel/c/radix/radix_common.c`, which
/// argues it); off, in the order they are made (the allocator before, which names
/// the same states differently according to which fault made its page first).
/// Read on the OS thread the checker runs the C code on, so set it on the thread
/// that runs the check (`kernel/tests/radix_era.rs`,
/// `hole_pfns_by_index_merge_states`).
#[doc(hidden)]
pub fn set_hole_pfns_by_index(on: bool) {
    HOLE_PFNS_BY_INDEX.with(|f| f.set(on));
}

/// Kernel: none; the C side of [`set_hole_pfns_by_index`].
#[no_mangle]
extern "C" fn daxk_hole_pfns_by_index() -> std::ffi::c_int {
    std::ffi::c_int::from(HOLE_PFNS_BY_INDEX.with(|f| f.get()))
}
