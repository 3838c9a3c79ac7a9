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

/// Kernel: none; the C side of `Switches::hole_pfns_by_index` (read on the OS
/// thread the checker runs the C code on).
#[no_mangle]
extern "C" fn daxk_hole_pfns_by_index() -> std::ffi::c_int {
    std::ffi::c_int::from(crate::switches::switches().hole_pfns_by_index)
}
