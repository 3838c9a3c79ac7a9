//! Branch coverage (`dax::branch`): the protocol reports each branch it takes to its
//! observer, and every checker counts, per branch, the executions that visited it.
//!
//! First the protocol alone, driven sequentially on the `StdSync` backend with an
//! observer that collects the branches: each small sequence visits the branch it is
//! built for, and a plain fault visits none. Then the checkers over catalogue
//! scenarios: the races the scenarios are written for are reached, the count is the
//! same code path for every checker, and a hang's execution counts once.

use daxlock::check::{
    check, Checker, LoomChecker, PctChecker, RandomChecker, ReplayChecker, StatefulChecker,
    ThreadsChecker, Verdict,
};
use daxlock::dax::observe::{Observer, Value};
use daxlock::dax::units::PMD_SIZE;
use daxlock::dax::{Access, Branch, Bugs, Extent, FaultSize, Mapping, MappingConfig, Vma};
use daxlock::scenario::{load_catalogue, Scenario};
use daxlock::sync::{ParkingLot, StdSync};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const START: u64 = 0x7f00_0000_0000;
const PAGE: u64 = 4096;

/// Collects the branches the protocol reports, in order.
#[derive(Default)]
struct Branches(Mutex<Vec<Branch>>);

impl Observer for Branches {
    fn event(&self, _: &'static str, _: Vec<(&'static str, Value)>) {}
    fn branch(&self, b: Branch) {
        self.0.lock().unwrap().push(b);
    }
}

fn vma(start: u64, len: u64, pgoff: u64, shared: bool) -> Vma {
    Vma {
        start,
        end: start + len,
        pgoff,
        shared,
    }
}

/// A mapping of a `pages`-page file with `extents`, mapped by `vmas`, and the
/// branches it reports.
fn observed(pages: u64, extents: Vec<Extent>, vmas: Vec<Vma>) -> (Mapping<StdSync>, Arc<Branches>) {
    let mut config = MappingConfig::new(pages, vmas);
    config.file.extents = extents;
    let seen = Arc::new(Branches::default());
    let observer: Arc<dyn Observer> = seen.clone();
    (Mapping::observed(1, &config, Some(observer)), seen)
}

fn seen(b: &Branches) -> Vec<Branch> {
    b.0.lock().unwrap().clone()
}

/// A read PMD fault over an aligned hole takes no branch: the straight path.
#[test]
fn a_plain_pmd_read_visits_no_branch() {
    let (m, b) = observed(0x800, vec![], vec![vma(START, 2 * PMD_SIZE, 0, true)]);
    assert!(matches!(
        m.access(START, Access::Load, FaultSize::Pmd),
        daxlock::dax::AccessResult::Mapped { .. }
    ));
    assert_eq!(seen(&b), []);
}

/// A PTE fault through a second VMA onto a zero PMD entry downgrades it (unmapping
/// the huge zero page): grab-downgrade-zero.
#[test]
fn a_pte_fault_over_a_zero_pmd_entry_downgrades_it() {
    let other = START + 2 * PMD_SIZE;
    let (m, b) = observed(
        0x800,
        vec![],
        vec![vma(START, PMD_SIZE, 0, true), vma(other, PMD_SIZE, 0, true)],
    );
    m.access(START, Access::Load, FaultSize::Pmd);
    assert_eq!(seen(&b), []);
    m.access(other + 5 * PAGE, Access::Load, FaultSize::Pte);
    assert_eq!(seen(&b), [Branch::GrabDowngradeZero]);
}

/// One shared VMA over the first 4 MiB of the file, 2 MiB aligned.
fn aligned() -> Vec<Vma> {
    vec![vma(START, 2 * PMD_SIZE, 0, true)]
}

/// The seed's colours: vm_pgoff 1 against a 2 MiB-aligned start.
#[test]
fn a_pmd_fault_with_the_wrong_colour_falls_back() {
    let (m, b) = observed(0x800, vec![], vec![vma(START, 2 * PMD_SIZE, 1, true)]);
    m.access(START + PMD_SIZE, Access::Load, FaultSize::Pmd);
    assert!(
        seen(&b).contains(&Branch::PmdColourFallback),
        "{:?}",
        seen(&b)
    );
}

/// A store to a private mapping: the PMD handler falls back, the PTE one copies.
#[test]
fn a_store_to_a_private_mapping_falls_back_and_copies() {
    let (m, b) = observed(0x800, vec![], vec![vma(START, 2 * PMD_SIZE, 0, false)]);
    m.access(START, Access::Store, FaultSize::Pmd);
    assert_eq!(seen(&b), [Branch::PmdPrivateWriteFallback, Branch::PteCow]);
}

/// A VMA of 1 MiB holds no 2 MiB mapping.
#[test]
fn a_pmd_fault_in_a_small_vma_falls_back() {
    let (m, b) = observed(0x800, vec![], vec![vma(START, PMD_SIZE / 2, 0, true)]);
    m.access(START, Access::Load, FaultSize::Pmd);
    assert_eq!(seen(&b), [Branch::PmdVmaFallback]);
}

/// A file of 0x100 pages ends inside the first 2 MiB.
#[test]
fn a_pmd_fault_past_the_file_end_falls_back() {
    let (m, b) = observed(0x100, vec![], aligned());
    m.access(START, Access::Load, FaultSize::Pmd);
    assert_eq!(seen(&b), [Branch::PmdEofFallback]);
}

/// Storage 2 MiB aligned in the file but not on the device.
#[test]
fn a_pmd_fault_on_unaligned_frames_falls_back() {
    let (m, b) = observed(
        0x800,
        vec![Extent {
            pgoff: 0,
            pages: 0x200,
            frame: 0x80001,
        }],
        aligned(),
    );
    m.access(START, Access::Load, FaultSize::Pmd);
    // The fallback leaves an empty PMD entry, which the PTE fault downgrades.
    assert_eq!(
        seen(&b),
        [Branch::PmdPfnFallback, Branch::GrabDowngradeEmpty]
    );
}

/// Half the 2 MiB allocated: iomap has no single extent.
#[test]
fn a_pmd_fault_over_half_allocated_storage_falls_back() {
    let (m, b) = observed(
        0x800,
        vec![Extent {
            pgoff: 0,
            pages: 0x100,
            frame: 0x80000,
        }],
        aligned(),
    );
    m.access(START, Access::Load, FaultSize::Pmd);
    assert_eq!(
        seen(&b),
        [Branch::PmdIomapFallback, Branch::GrabDowngradeEmpty]
    );
}

/// Two VMAs map the same first 2 MiB of the file: a PTE read through the first
/// leaves a PTE entry that the PMD fault through the second finds (-EEXIST, PTE
/// fallback). Nobody waits, so the wakeup passed on wakes no one.
#[test]
fn a_pmd_fault_over_a_pte_entry_finds_it_exists() {
    let (m, b) = observed(
        0x800,
        vec![],
        vec![
            vma(START, PMD_SIZE, 0, true),
            vma(START + PMD_SIZE, PMD_SIZE, 0, true),
        ],
    );
    m.access(START, Access::Load, FaultSize::Pte);
    m.access(START + PMD_SIZE, Access::Load, FaultSize::Pmd);
    assert_eq!(seen(&b), [Branch::GrabPteExists]);
}

/// A read of a hole, then a store: storage replaces the zero page.
#[test]
fn a_store_after_a_hole_read_maps_storage_over_the_zero_page() {
    let (m, b) = observed(0x800, vec![], aligned());
    m.access(START + 7 * PAGE, Access::Load, FaultSize::Pte);
    m.access(START + 7 * PAGE, Access::Store, FaultSize::Pte);
    assert_eq!(seen(&b), [Branch::InsertOverZero]);
}

/// A store dirties the entry; fsync writes it back; truncate deletes it; a fault
/// past the new end gets SIGBUS from either handler.
#[test]
fn fsync_writes_back_truncate_deletes_and_faults_past_the_end_fail() {
    let (m, b) = observed(0x800, vec![], aligned());
    m.access(START + PAGE, Access::Store, FaultSize::Pte);
    m.fsync();
    m.truncate(0);
    m.access(START, Access::Load, FaultSize::Pte);
    // (The first 2 MiB has a PTE table now: a PMD fault in the second one.)
    m.access(START + PMD_SIZE, Access::Load, FaultSize::Pmd);
    assert_eq!(
        seen(&b),
        [
            Branch::WritebackDirty,
            Branch::TruncateDelete,
            Branch::PteBeyondEof,
            Branch::PmdBeyondEof,
        ]
    );
}

/// write(2) over a dirty entry and a hole: the invalidation leaves the dirty entry
/// alone and deletes the clean zero entry.
#[test]
fn write_invalidates_the_clean_entry_and_skips_the_dirty_one() {
    let (m, b) = observed(0x800, vec![], aligned());
    m.access(START, Access::Store, FaultSize::Pte);
    m.access(START + PAGE, Access::Load, FaultSize::Pte);
    m.write(0, 3);
    assert_eq!(
        seen(&b),
        [Branch::InvalidateSkipDirty, Branch::InvalidateDelete]
    );
}

/// A store to the huge zero page of a shared mapping: the PMD handler maps storage
/// over it.
#[test]
fn a_store_to_the_huge_zero_page_maps_storage_over_it() {
    let (m, b) = observed(0x800, vec![], aligned());
    m.access(START, Access::Load, FaultSize::Pmd);
    m.access(START, Access::Store, FaultSize::Pmd);
    assert_eq!(seen(&b), [Branch::InsertOverZero]);
}

/// A store to the huge zero page of a private mapping: the PMD handler falls back,
/// the huge zero page is split, the PTE grab downgrades the zero PMD entry, and the
/// store copies.
#[test]
fn a_private_store_to_the_huge_zero_page_splits_downgrades_and_copies() {
    let (m, b) = observed(0x800, vec![], vec![vma(START, 2 * PMD_SIZE, 0, false)]);
    m.access(START, Access::Load, FaultSize::Pmd);
    m.access(START, Access::Store, FaultSize::Pmd);
    assert_eq!(
        seen(&b),
        [
            Branch::PmdPrivateWriteFallback,
            Branch::SplitHugePmd,
            Branch::GrabDowngradeZero,
            Branch::PteCow,
        ]
    );
}

// Three that need a race, with the race's other half run first and the handler
// called directly.

/// A PMD fault whose grab finds no entry although a PTE table is there (the PTE
/// entry was invalidated by write(2), the table stays): it retries.
#[test]
fn a_pmd_fault_that_finds_a_pte_table_but_no_entry_retries() {
    let (m, b) = observed(0x800, vec![], aligned());
    let v = aligned()[0];
    m.access(START + 5 * PAGE, Access::Load, FaultSize::Pte);
    m.write(5, 1);
    assert_eq!(seen(&b), [Branch::InvalidateDelete]);
    m.pmd_fault(&v, START, false, 0x800);
    assert_eq!(
        seen(&b),
        [Branch::InvalidateDelete, Branch::PmdRecheckPteTable]
    );
}

/// A PMD hole fault that finds the huge zero page already mapped when it comes to
/// map it: it falls back.
#[test]
fn a_pmd_hole_fault_that_finds_the_huge_zero_page_mapped_falls_back() {
    let (m, b) = observed(0x800, vec![], aligned());
    let v = aligned()[0];
    m.access(START, Access::Load, FaultSize::Pmd);
    m.pmd_fault(&v, START, false, 0x800);
    assert_eq!(seen(&b), [Branch::PmdLoadHoleBusy]);
}

/// A writeback of an entry that is no longer what fsync saw (written back, say, by
/// another fsync): nothing written.
#[test]
fn a_writeback_of_a_changed_entry_skips_it() {
    let (m, b) = observed(0x800, vec![], aligned());
    m.access(START, Access::Store, FaultSize::Pte);
    let (slot, mut e) = m.entries()[0];
    e.dirty = false;
    m.fsync();
    m.writeback_one(slot, e);
    assert_eq!(seen(&b), [Branch::WritebackDirty, Branch::WritebackSkip]);
}

/// Unlocking what nobody holds: the WARN.
#[test]
fn unlocking_an_entry_nobody_holds_warns() {
    let (m, b) = observed(0x800, vec![], aligned());
    m.put_locked(9);
    assert_eq!(seen(&b), [Branch::PutNoLockedEntry]);
}

fn catalogue(name: &str) -> Scenario {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    load_catalogue(&dir)
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no catalogue scenario {name}"))
}

fn pct(iterations: usize) -> PctChecker {
    PctChecker {
        iterations,
        depth: 3,
        seed: 0,
        shard: Default::default(),
    }
}

/// The races the catalogue is written for are reached, in the fixed build: the
/// downgrade of the zero PMD entry in aligned-pmd-pte (every interleaving, stateful),
/// the keyed wake that walks past another key and the -EEXIST path that passes its
/// wakeup on in keyed-wake-shared-bucket (PCT), the recheck after preload in
/// bug-no-recheck (loom, unbounded).
#[test]
fn catalogue_scenarios_reach_their_races() {
    daxlock::check::panic::quiet_checker_panics();
    let r = check(
        &StatefulChecker::default(),
        &catalogue("aligned-pmd-pte"),
        Bugs::fixed(),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Verified);
    assert!(
        r.coverage.get(Branch::GrabDowngradeZero) > 0,
        "{:?}",
        r.coverage
    );
    assert!(
        r.coverage.get(Branch::PteRecheckHuge) > 0,
        "{:?}",
        r.coverage
    );
    assert!(r.coverage.get(Branch::GrabDowngradeZero) <= r.schedules);

    let r = check(
        &pct(500),
        &catalogue("keyed-wake-shared-bucket"),
        Bugs::fixed(),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Verified);
    for b in [Branch::WakeSkipOtherKey, Branch::GrabPteExistsWake] {
        assert!(r.coverage.get(b) > 0, "{b}: {:?}", r.coverage);
    }

    let loom = LoomChecker {
        preemption_bound: None,
        max_executions: None,
    };
    let r = check(&loom, &catalogue("bug-no-recheck"), Bugs::fixed()).unwrap();
    assert!(
        r.coverage.get(Branch::GrabPreloadRestart) > 0,
        "{:?}",
        r.coverage
    );
    // With the recheck gone, that branch is never taken.
    let bug = Bugs::fixed().with("no-recheck").unwrap();
    let r = check(&loom, &catalogue("bug-no-recheck"), bug).unwrap();
    assert_eq!(r.verdict, Verdict::Sigbus);
    assert_eq!(r.coverage.get(Branch::GrabPreloadRestart), 0);
}

/// Coverage is counted by the runner, for every checker alike: seed-sequential's PMD
/// fault takes the colour fallback in every execution, so its count is the number of
/// executions, whichever checker ran them (the replay of a recorded schedule too).
#[test]
fn every_checker_counts_every_execution() {
    daxlock::check::panic::quiet_checker_panics();
    let s = catalogue("seed-sequential");
    fn count<C: Checker + daxlock::check::Configured>(c: &C, s: &Scenario) -> (usize, usize) {
        let r = check(c, s, Bugs::fixed()).unwrap();
        assert_eq!(r.verdict, Verdict::Verified, "{}", r.checker);
        (r.coverage.get(Branch::PmdColourFallback), r.schedules)
    }
    let loom = LoomChecker {
        preemption_bound: None,
        max_executions: None,
    };
    let random = RandomChecker {
        iterations: 20,
        seed: 3,
        shard: Default::default(),
    };
    let threads = ThreadsChecker::<ParkingLot>::new(5, Duration::from_secs(2));
    let schedule = {
        // A schedule to replay: any execution's (a verified one keeps none, so use
        // the bug's hang, which runs the same first fault).
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        check(&random, &s, bug)
            .unwrap()
            .failure
            .and_then(|f| f.schedule)
            .expect("a replayable hang")
    };
    let results = [
        count(&StatefulChecker::default(), &s),
        count(&loom, &s),
        count(&random, &s),
        count(&pct(20), &s),
        count(&threads, &s),
    ];
    for (i, (n, schedules)) in results.into_iter().enumerate() {
        assert!(n > 0 && n == schedules, "checker {i}: {n} of {schedules}");
    }
    let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
    let r = check(&ReplayChecker::new(&schedule).unwrap(), &s, bug).unwrap();
    assert_eq!(r.verdict, Verdict::Hang);
    assert_eq!(r.coverage.get(Branch::InsertWarn), 1);
}

/// The execution that hangs counts once, though it never returns to the runner
/// (loom and shuttle panic out of it) and the stateful checker runs it twice (once
/// in the search, once more for its trace).
#[test]
fn a_hang_counts_once() {
    daxlock::check::panic::quiet_checker_panics();
    let s = catalogue("seed-sequential");
    let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
    let loom = LoomChecker {
        preemption_bound: None,
        max_executions: None,
    };
    for r in [
        check(&StatefulChecker::default(), &s, bug).unwrap(),
        check(&loom, &s, bug).unwrap(),
        check(&pct(20), &s, bug).unwrap(),
    ] {
        assert_eq!(r.verdict, Verdict::Hang, "{}", r.checker);
        assert_eq!(r.schedules, 1, "{}", r.checker);
        assert_eq!(r.coverage.get(Branch::InsertWarn), 1, "{}", r.checker);
        assert_eq!(r.coverage.get(Branch::GrabWait), 1, "{}", r.checker);
    }
    let all_hangs = StatefulChecker {
        all_hangs: true,
        ..StatefulChecker::default()
    };
    let r = check(&all_hangs, &s, bug).unwrap();
    assert_eq!(r.coverage.get(Branch::InsertWarn), 1);
}

/// Every catalogue scenario states the branches its fixed variant must visit, and
/// they parse.
#[test]
fn every_catalogue_scenario_states_its_visits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    for s in load_catalogue(&dir).unwrap() {
        assert!(
            !s.visits.is_empty(),
            "{}: no [expect] visits = [...]",
            s.name
        );
    }
}
