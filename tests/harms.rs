//! The checks of what users lose (issue 16): durability (fsync's postcondition and
//! writable mappings on dirty entries), content (each mapped page maps what the
//! block map gives its file page) and spurious dirt (read faults leave entries
//! clean). For each: a zoo bug or a built state it catches, and the same state
//! passing once the check is switched off or bypassed: a check that cannot fail is a
//! defect. One small property per test.

use daxlock::check::target::maker_for;
use daxlock::check::{
    check, Checker, LoomChecker, Model, PctChecker, RandomChecker, StatefulChecker, Target, Verdict,
};
use daxlock::check::{check_on, Limits};
use daxlock::dax::pagetable::{MapTarget, Pte};
use daxlock::dax::tree::Tree;
use daxlock::dax::{
    Access, Bugs, Check, Entry, EntryKind, EntrySize, Extent, FaultSize, HarmKind, Mapping,
    MappingConfig, Truths, Vma,
};
use daxlock::scenario::Scenario;
use daxlock::sync::{Backend, StdSync};
use std::any::{Any, TypeId};
use std::path::Path;

const START: u64 = 0x7f00_0000_0000;
const FRAME: u64 = 0x80000;

fn catalogue(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("verify")
        .join(format!("{name}.toml"));
    Scenario::from_path(&path).expect("catalogue scenario")
}

/// A shared VMA over a 2 MiB file whose blocks are at `FRAME` on.
fn mapping(bugs: Bugs) -> (Vma, Mapping<StdSync>) {
    let vma = Vma {
        start: START,
        end: START + 0x200000,
        pgoff: 0,
        shared: true,
    };
    let mut config = MappingConfig::new(0x200, vec![vma]);
    config.file.extents = vec![Extent {
        pgoff: 0,
        pages: 0x200,
        frame: FRAME,
    }];
    config.bugs = bugs;
    (vma, Mapping::new(1, &config))
}

fn kinds(harms: &[daxlock::dax::Harm]) -> Vec<HarmKind> {
    harms.iter().map(|h| h.kind).collect()
}

fn entry(kind: EntryKind, dirty: bool) -> Entry {
    Entry {
        size: EntrySize::Pte,
        kind,
        locked: false,
        dirty,
    }
}

/// fsync of a store, in the fixed model: flushed, postcondition holds.
#[test]
fn fsync_flushes_a_store_made_before_it() {
    let (vma, m) = mapping(Bugs::fixed());
    m.access(vma.start, Access::Store, FaultSize::Pte);
    assert_eq!(m.page_table().unflushed(), [FRAME]);
    assert!(m.fsync().is_empty());
    assert!(m.page_table().unflushed().is_empty());
}

/// With writeback-skip-locked: page 0 stored to, then its entry locked (as a racing
/// fault holds it).
fn stored_and_locked() -> (Mapping<StdSync>, daxlock::dax::Held) {
    let bug = Bugs::fixed().with("writeback-skip-locked").unwrap();
    let (vma, m) = mapping(bug);
    m.access(vma.start, Access::Store, FaultSize::Pte);
    let held = m.grab(0, EntrySize::Pte).expect("the entry");
    (m, held)
}

/// writeback-skip-locked: fsync meets the entry locked (a fault holds it), skips it
/// and returns 0 with the store unflushed: fsync's postcondition reports it.
#[test]
fn fsync_postcondition_catches_a_skipped_locked_entry() {
    let (m, held) = stored_and_locked();
    let harms = m.fsync();
    assert_eq!(kinds(&harms), [HarmKind::LostWrite], "{harms:?}");
    m.put_locked(held.slot);
}

/// The same skip with the postcondition bypassed (the writeback alone, as before the
/// check): nothing reports it, not even the end state (the entry stays dirty under a
/// writable mapping, which is allowed). The postcondition is the only witness.
#[test]
fn without_the_postcondition_the_skip_is_invisible() {
    let (m, held) = stored_and_locked();
    let (slot, e) = m.entries()[0];
    m.writeback_one(slot, e);
    m.put_locked(held.slot);
    assert!(m.end_state_violations().is_empty());
    assert_eq!(m.page_table().unflushed(), [FRAME], "still unflushed");
}

/// A non-zero return from the writeback is a lost write by itself.
#[test]
fn fsync_returning_an_error_is_a_lost_write() {
    let (_, m) = mapping(Bugs::fixed());
    assert_eq!(kinds(&m.fsync_with(|| -5)), [HarmKind::LostWrite]);
    assert!(m.fsync_with(|| 0).is_empty());
}

/// A store flushed and then stored again after fsync began is not owed by that
/// fsync: only stores made before it began count.
#[test]
fn a_store_after_the_flush_is_not_owed() {
    let (vma, m) = mapping(Bugs::fixed());
    m.access(vma.start, Access::Store, FaultSize::Pte);
    let harms = m.fsync_with(|| {
        m.record_flush(FRAME, 1);
        StdSync::locked(m.page_table_lock(), |pt| pt.record_store(FRAME));
        0
    });
    assert!(harms.is_empty(), "{harms:?}");
    assert_eq!(m.page_table().unflushed(), [FRAME]);
}

/// Every checker catches writeback-skip-locked on the fsync scenario as lost-write,
/// and verifies the fixed model.
#[test]
fn every_checker_catches_writeback_skip_locked() {
    daxlock::check::panic::quiet_checker_panics();
    let s = catalogue("fsync-vs-read-fault");
    let bug = Bugs::fixed().with("writeback-skip-locked").unwrap();
    fn both<C: Checker + daxlock::check::Configured>(c: &C, s: &Scenario, bug: Bugs) {
        let fixed = check(c, s, Bugs::fixed()).unwrap();
        assert_eq!(fixed.verdict, Verdict::Verified, "{}", c.name());
        let r = check(c, s, bug).unwrap();
        assert_eq!(r.verdict, Verdict::LostWrite, "{}", c.name());
    }
    both(
        &LoomChecker {
            preemption_bound: Some(3),
            max_executions: None,
        },
        &s,
        bug,
    );
    both(
        &RandomChecker {
            iterations: 300,
            seed: 1,
            shard: Default::default(),
        },
        &s,
        bug,
    );
    both(
        &PctChecker {
            iterations: 300,
            depth: 3,
            seed: 1,
            shard: Default::default(),
        },
        &s,
        bug,
    );
    both(&StatefulChecker::default(), &s, bug);
}

/// A writable mapping of storage on a clean entry: the next fsync cannot find it.
#[test]
fn a_writable_mapping_on_a_clean_entry_is_a_lost_write() {
    let (vma, m) = mapping(Bugs::fixed());
    let pte = Pte {
        target: MapTarget::Frame(FRAME),
        writable: true,
    };
    StdSync::locked(m.page_table_lock(), |pt| pt.set_pte(vma.start, pte));
    for (dirty, want) in [(false, vec![HarmKind::LostWrite]), (true, vec![])] {
        let mut tree = Tree::default();
        tree.insert(0, entry(EntryKind::Mapped { frame: FRAME }, dirty))
            .unwrap();
        let harms = m.end_state_violations_of(&tree, &[], &Truths::default());
        assert_eq!(kinds(&harms), want, "dirty {dirty}: {harms:?}");
    }
}

/// A mapping that agrees with the tree but not with the block map: the tree-based
/// checks pass it, the content check reports a wrong page.
#[test]
fn the_content_check_judges_from_the_block_map() {
    let (vma, m) = mapping(Bugs::fixed());
    let wrong = FRAME + 7;
    let pte = Pte {
        target: MapTarget::Frame(wrong),
        writable: false,
    };
    StdSync::locked(m.page_table_lock(), |pt| pt.set_pte(vma.start, pte));
    let mut tree = Tree::default();
    tree.insert(0, entry(EntryKind::Mapped { frame: wrong }, false))
        .unwrap();
    let harms = m.end_state_violations_of(&tree, &[], &Truths::default());
    assert_eq!(kinds(&harms), [HarmKind::WrongPage], "{harms:?}");
}

/// An access through that mapping is reported when it completes, with the frames.
#[test]
fn an_access_through_a_wrong_mapping_is_reported() {
    let (vma, m) = mapping(Bugs::fixed());
    let pte = Pte {
        target: MapTarget::Frame(FRAME + 7),
        writable: false,
    };
    StdSync::locked(m.page_table_lock(), |pt| pt.set_pte(vma.start, pte));
    let r = m.access(vma.start, Access::Load, FaultSize::Pte);
    assert_eq!(
        r,
        daxlock::dax::AccessResult::WrongPage {
            faults: 0,
            mapped: FRAME + 7,
            expected: Some(FRAME)
        }
    );
}

/// The zero page mapped over an allocated block with no entry left (a lost
/// invalidation): the tree check lets a zero page without entry pass; only the
/// content check sees the hole is gone.
#[test]
fn a_zero_page_over_a_block_is_a_wrong_page() {
    let (vma, m) = mapping(Bugs::fixed());
    let pte = Pte {
        target: MapTarget::Zero,
        writable: false,
    };
    StdSync::locked(m.page_table_lock(), |pt| pt.set_pte(vma.start, pte));
    let harms = m.end_state_violations_of(&Tree::default(), &[], &Truths::default());
    assert_eq!(kinds(&harms), [HarmKind::WrongPage], "{harms:?}");
}

/// A dirty zero entry is spurious where read faults leave entries clean; where the
/// target's truths say they do not, the check is off and it passes.
#[test]
fn a_dirty_zero_entry_is_spurious_only_where_reads_stay_clean() {
    let vma = Vma {
        start: START,
        end: START + 0x200000,
        pgoff: 0,
        shared: true,
    };
    let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x200, vec![vma]));
    let mut tree = Tree::default();
    tree.insert(3, entry(EntryKind::Zero, true)).unwrap();
    let harms = m.end_state_violations_of(&tree, &[], &Truths::default());
    assert_eq!(kinds(&harms), [HarmKind::SpuriousDirty], "{harms:?}");
    let off = Truths {
        read_faults_leave_entries_clean: false,
    };
    assert!(m.end_state_violations_of(&tree, &[], &off).is_empty());
}

/// A dirty storage entry is needed while its frame holds an unflushed store, and
/// spurious once it is flushed with nothing mapped writable.
#[test]
fn a_dirty_storage_entry_needs_a_store_or_a_writable_mapping() {
    let (_, m) = mapping(Bugs::fixed());
    let mut tree = Tree::default();
    tree.insert(0, entry(EntryKind::Mapped { frame: FRAME }, true))
        .unwrap();
    StdSync::locked(m.page_table_lock(), |pt| pt.record_store(FRAME));
    assert!(m
        .end_state_violations_of(&tree, &[], &Truths::default())
        .is_empty());
    m.record_flush(FRAME, 1);
    let harms = m.end_state_violations_of(&tree, &[], &Truths::default());
    assert_eq!(kinds(&harms), [HarmKind::SpuriousDirty], "{harms:?}");
}

/// The model with read faults dirtying entries is caught by the read-fault scenario
/// as spurious-dirty; the fixed model is verified.
#[test]
fn read_fault_dirty_is_caught_as_spurious_dirty() {
    let s = catalogue("read-fault-leaves-entry-clean");
    assert_eq!(s.checks, [Check::ReadFaultClean]);
    let r = check(&StatefulChecker::default(), &s, Bugs::fixed()).unwrap();
    assert_eq!(r.verdict, Verdict::Verified);
    assert!(r.search.expect("stateful").complete);
    let bug = Bugs::fixed().with("read-fault-dirty").unwrap();
    let r = check(&StatefulChecker::default(), &s, bug).unwrap();
    assert_eq!(r.verdict, Verdict::SpuriousDirty);
}

/// The model, on a target whose truths say read faults dirty their entries (as the
/// kernel target declares for 6.1).
#[derive(Debug, Clone, Copy)]
struct DirtyReads;

impl Target for DirtyReads {
    fn name(&self) -> &'static str {
        "dirty-reads"
    }
    fn supports(&self, _: &Scenario, _: Bugs) -> Result<(), String> {
        Ok(())
    }
    fn maker(&self, backend: TypeId) -> Option<Box<dyn Any>> {
        maker_for(&Model, backend)
    }
    fn truths(&self) -> Truths {
        Truths {
            read_faults_leave_entries_clean: false,
        }
    }
}

/// On a target whose truths switch the check off, a dirty read entry passes, unless
/// the scenario forces the check (`[expect] checks`): then it is the finding.
#[test]
fn a_scenario_forces_the_read_fault_check_past_the_targets_truths() {
    let forced = catalogue("read-fault-leaves-entry-clean");
    let mut unforced = forced.clone();
    unforced.checks.clear();
    let bug = Bugs::fixed().with("read-fault-dirty").unwrap();
    let run = |s: &Scenario| {
        check_on(
            &DirtyReads,
            &StatefulChecker::default(),
            s,
            bug,
            Limits::default(),
        )
        .unwrap()
        .verdict
    };
    assert_eq!(run(&unforced), Verdict::Verified);
    assert_eq!(run(&forced), Verdict::SpuriousDirty);
}
