//! Every branch of `Mapping::grab` (kernel: grab_mapping_entry()), driven directly on
//! the `StdSync` backend, mostly single-threaded. Each test states the property it
//! checks and asserts the tree (`entries()`), the wait table (`queued_waiters()`) and,
//! where it matters, the page table and the protocol's own tracing events.
//!
//! Events are captured with a thread-local tracing subscriber (`with_default`), so
//! only the calling thread's events are seen. The same subscriber gives a hook on the
//! `preload` event, which grab emits with `tree_lock` dropped, between its lookup and
//! its insert: running a second real thread from that hook puts that thread's insert
//! exactly inside grab's preallocation window, the race the `no-recheck` fix closes.

use daxlock::dax::units::{PMD_PAGES, PMD_SIZE};
use daxlock::dax::{
    Access, AccessResult, Bugs, Entry, EntryKind, EntrySize, Extent, FaultSize, GrabError, Held,
    Mapping, MappingConfig, Vma, WaitKey, WakeMode,
};
use daxlock::sync::StdSync;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing::{Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

type M = Mapping<StdSync>;

/// A 2 MiB-aligned VMA mapping file page 0 at its start, 4 MiB long.
const START: u64 = 0x7f00_0000_0000;
const FILE_PAGES: u64 = 0x800;
/// How long a thread that should finish may take.
const FINISH: Duration = Duration::from_secs(5);

fn vma() -> Vma {
    Vma {
        start: START,
        end: START + 2 * PMD_SIZE,
        pgoff: 0,
        shared: true,
    }
}

fn config(bugs: Bugs) -> MappingConfig {
    MappingConfig {
        bugs,
        ..MappingConfig::new(FILE_PAGES, vec![vma()])
    }
}

fn mapping() -> M {
    M::new(1, &config(Bugs::fixed()))
}

fn entry(size: EntrySize, kind: EntryKind, locked: bool) -> Entry {
    Entry {
        size,
        kind,
        locked,
        dirty: false,
    }
}

fn locked_empty(size: EntrySize) -> Entry {
    Entry::new_locked_empty(size)
}

fn unlocked(mut e: Entry) -> Entry {
    e.locked = false;
    e
}

// ---------------------------------------------------------------------------------
// Event capture (thread-local tracing subscriber) with an optional hook.

/// One protocol event as seen by the capture layer.
#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    name: String,
    fields: Vec<(String, String)>,
}

impl Captured {
    fn field(&self, k: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct FieldVisitor {
    name: Option<String>,
    fields: Vec<(String, String)>,
}

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "event" {
            self.name = Some(value.to_owned());
        } else {
            self.fields
                .push((field.name().to_owned(), value.to_owned()));
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .push((field.name().to_owned(), value.to_string()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields
            .push((field.name().to_owned(), value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

type Hook = Box<dyn FnOnce() + Send>;

struct CaptureLayer {
    events: Arc<Mutex<Vec<Captured>>>,
    /// Runs once, when the named event is emitted.
    hook: Mutex<Option<(&'static str, Hook)>>,
}

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut v = FieldVisitor::default();
        event.record(&mut v);
        let Some(name) = v.name else { return };
        self.events.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            name: name.clone(),
            fields: v.fields,
        });
        let mut hook = self.hook.lock().unwrap();
        if hook.as_ref().is_some_and(|(on, _)| *on == name) {
            let (_, f) = hook.take().expect("checked above");
            drop(hook);
            f();
        }
    }
}

/// Runs `f` on this thread with its protocol events captured; `hook` (event name,
/// action) runs once at the first event of that name.
fn captured<R>(hook: Option<(&'static str, Hook)>, f: impl FnOnce() -> R) -> (R, Vec<Captured>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let layer = CaptureLayer {
        events: events.clone(),
        hook: Mutex::new(hook),
    };
    let subscriber = tracing_subscriber::registry().with(layer);
    let r = tracing::subscriber::with_default(subscriber, f);
    let ev = events.lock().unwrap().clone();
    (r, ev)
}

fn names(events: &[Captured]) -> Vec<&str> {
    events.iter().map(|e| e.name.as_str()).collect()
}

// ---------------------------------------------------------------------------------
// No entry present.

/// No entry at the index: a PTE grab inserts a locked empty PTE entry at exactly that
/// index and returns it; nobody waits.
#[test]
fn no_entry_pte_grab_inserts_locked_empty_pte() {
    let m = mapping();
    let held = m.grab(0x42, EntrySize::Pte).expect("grab on an empty tree");
    let want = locked_empty(EntrySize::Pte);
    assert_eq!(
        held,
        Held {
            slot: 0x42,
            entry: want
        }
    );
    assert_eq!(m.entries(), vec![(0x42, want)]);
    assert!(m.queued_waiters().is_empty());
}

/// No entry in the 2 MiB range: a PMD grab at an unaligned index inserts a locked
/// empty PMD entry at the range's 2 MiB-aligned slot (index rounded down to 512).
#[test]
fn no_entry_pmd_grab_at_unaligned_index_inserts_at_aligned_slot() {
    let m = mapping();
    let index = 0x205;
    let held = m
        .grab(index, EntrySize::Pmd)
        .expect("grab on an empty tree");
    let want = locked_empty(EntrySize::Pmd);
    assert_eq!(held.slot, 0x200);
    assert_eq!(held.slot % PMD_PAGES, 0);
    assert_eq!(held.entry, want);
    assert_eq!(m.entries(), vec![(0x200, want)]);
    assert!(m.queued_waiters().is_empty());
}

// ---------------------------------------------------------------------------------
// A usable, unlocked entry present.

/// An unlocked PTE entry (left by put_locked) is locked and returned as it is: no new
/// entry, same slot, nobody waits.
#[test]
fn unlocked_pte_entry_is_locked_and_returned() {
    let m = mapping();
    m.grab(7, EntrySize::Pte).unwrap();
    m.put_locked(7);
    assert_eq!(
        m.entries(),
        vec![(7, unlocked(locked_empty(EntrySize::Pte)))]
    );
    let held = m.grab(7, EntrySize::Pte).expect("unlocked entry is usable");
    assert_eq!(
        held,
        Held {
            slot: 7,
            entry: locked_empty(EntrySize::Pte)
        }
    );
    assert_eq!(m.entries(), vec![(7, locked_empty(EntrySize::Pte))]);
    assert!(m.queued_waiters().is_empty());
}

/// An unlocked PMD entry serves a PMD request at any index it covers: grab locks the
/// entry at its aligned slot and returns it, inserting nothing.
#[test]
fn unlocked_pmd_entry_serves_pmd_request_at_any_covered_index() {
    let m = mapping();
    m.grab(0x200, EntrySize::Pmd).unwrap();
    m.put_locked(0x200);
    assert_eq!(
        m.entries(),
        vec![(0x200, unlocked(locked_empty(EntrySize::Pmd)))]
    );
    let held = m
        .grab(0x3ff, EntrySize::Pmd)
        .expect("unlocked PMD is usable");
    assert_eq!(
        held,
        Held {
            slot: 0x200,
            entry: locked_empty(EntrySize::Pmd)
        }
    );
    assert_eq!(m.entries(), vec![(0x200, locked_empty(EntrySize::Pmd))]);
    assert!(m.queued_waiters().is_empty());
}

// ---------------------------------------------------------------------------------
// PMD wanted, PTE entry present.

/// A PMD grab whose lookup finds an (unlocked) PTE entry fails with
/// `PteEntryPresent` (kernel -EEXIST, fall back to PTE faults) and leaves the tree
/// exactly as it was: the PTE entry stays, unlocked.
#[test]
fn pmd_request_over_pte_entry_fails_and_leaves_tree_unchanged() {
    let m = mapping();
    let i = 0x200; // aligned: the PMD grab looks exactly this index up
    m.grab(i, EntrySize::Pte).unwrap();
    m.put_locked(i);
    let before = m.entries();
    assert_eq!(before, vec![(i, unlocked(locked_empty(EntrySize::Pte)))]);
    assert_eq!(m.grab(i, EntrySize::Pmd), Err(GrabError::PteEntryPresent));
    assert_eq!(m.entries(), before);
    assert!(m.queued_waiters().is_empty());
}

/// Outcome of one waiter thread.
type Outcome = (&'static str, Result<Held, GrabError>);

/// Sets up: the test thread (A) holds the PTE entry at `i`; thread B (a PMD grab at
/// `i`) and then thread C (a PTE grab at `i`, unlocking what it gets) are queued on
/// the entry's key, B first. Returns the mapping and the channel of outcomes.
fn holder_and_two_waiters(bugs: Bugs, i: u64) -> (Arc<M>, mpsc::Receiver<Outcome>) {
    let m = Arc::new(M::new(1, &config(bugs)));
    m.grab(i, EntrySize::Pte).expect("A takes the PTE entry");
    let (tx, rx) = mpsc::channel::<Outcome>();
    let key = m.wait_key(i, EntrySize::Pte);

    let (mb, txb) = (m.clone(), tx.clone());
    std::thread::spawn(move || {
        let r = mb.grab(i, EntrySize::Pmd);
        let _ = txb.send(("B", r));
    });
    wait_for_queue(&m, &[key]);

    let (mc, txc) = (m.clone(), tx);
    std::thread::spawn(move || {
        let r = mc.grab(i, EntrySize::Pte);
        if r.is_ok() {
            mc.put_locked(i);
        }
        let _ = txc.send(("C", r));
    });
    wait_for_queue(&m, &[key, key]);
    (m, rx)
}

/// Polls until the wait table holds exactly `want` (the waiters have queued).
fn wait_for_queue(m: &M, want: &[WaitKey]) {
    let deadline = Instant::now() + FINISH;
    while m.queued_waiters() != want {
        assert!(
            Instant::now() < deadline,
            "waiters never queued: have {:?}, want {want:?}",
            m.queued_waiters()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The fix of "lost wakeup on -EEXIST": A holds the PTE entry at `i`; B (PMD grab)
/// and C (PTE grab) sleep on its key, B queued first. A's unlock wakes one waiter.
/// Whichever is woken first (FIFO: B), both finish: B with `PteEntryPresent`, having
/// passed the wakeup on, and C with the PTE entry. Afterwards the entry is unlocked
/// and nobody waits.
#[test]
fn pte_entry_present_passes_the_wakeup_on() {
    let i = 0x400;
    let (m, rx) = holder_and_two_waiters(Bugs::fixed(), i);
    m.put_locked(i);
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(rx.recv_timeout(FINISH).unwrap_or_else(|_| {
            panic!(
                "a waiter did not finish within {FINISH:?}; finished: {got:?}; queued: {:?}",
                m.queued_waiters()
            )
        }));
    }
    got.sort_by_key(|(who, _)| *who);
    assert_eq!(got[0], ("B", Err(GrabError::PteEntryPresent)));
    assert_eq!(
        got[1],
        (
            "C",
            Ok(Held {
                slot: i,
                entry: locked_empty(EntrySize::Pte)
            })
        )
    );
    assert_eq!(
        m.entries(),
        vec![(i, unlocked(locked_empty(EntrySize::Pte)))]
    );
    assert!(m.queued_waiters().is_empty());
}

/// The same setup with bug `eexist-no-pass`: B, woken first (FIFO), returns
/// `PteEntryPresent` without passing the wakeup on, so C stays asleep on an unlocked
/// entry (its key still queued) until somebody else wakes its key. The test then
/// wakes it by hand so no thread is left behind.
#[test]
fn eexist_no_pass_swallows_the_wakeup() {
    let i = 0x400;
    let (m, rx) = holder_and_two_waiters(Bugs::fixed().with("eexist-no-pass").unwrap(), i);
    m.put_locked(i);
    let first = rx.recv_timeout(FINISH).expect("B is woken by A's unlock");
    assert_eq!(first, ("B", Err(GrabError::PteEntryPresent)));
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "C finished although nobody passed the wakeup on"
    );
    assert_eq!(
        m.entries(),
        vec![(i, unlocked(locked_empty(EntrySize::Pte)))]
    );
    assert_eq!(m.queued_waiters(), vec![m.wait_key(i, EntrySize::Pte)]);
    // Rescue C: a wakeup on its key lets it take the (unlocked) entry.
    assert_eq!(m.wake(i, EntrySize::Pte, WakeMode::All), 1);
    let second = rx.recv_timeout(FINISH).expect("C finishes once woken");
    assert_eq!(
        second,
        (
            "C",
            Ok(Held {
                slot: i,
                entry: locked_empty(EntrySize::Pte)
            })
        )
    );
    assert!(m.queued_waiters().is_empty());
}

// ---------------------------------------------------------------------------------
// PTE wanted, PMD placeholder present: downgrade.

/// A PTE grab inside an unlocked *empty* PMD entry downgrades it: the PMD entry is
/// deleted (every waiter of its key woken: `wake all=true`) and a locked empty PTE
/// entry is inserted at the requested index.
#[test]
fn pte_request_downgrades_unlocked_empty_pmd() {
    let m = mapping();
    m.grab(0x200, EntrySize::Pmd).unwrap();
    m.put_locked(0x200);
    let (held, events) = captured(None, || m.grab(0x203, EntrySize::Pte));
    assert_eq!(
        held,
        Ok(Held {
            slot: 0x203,
            entry: locked_empty(EntrySize::Pte)
        })
    );
    assert_eq!(m.entries(), vec![(0x203, locked_empty(EntrySize::Pte))]);
    assert!(m.queued_waiters().is_empty());
    let downgrade = events
        .iter()
        .find(|e| e.name == "downgrade")
        .unwrap_or_else(|| panic!("no downgrade event in {:?}", names(&events)));
    assert_eq!(downgrade.field("kind"), Some("empty"));
    let wake = events
        .iter()
        .find(|e| e.name == "wake")
        .expect("the downgrade wakes the PMD entry's key");
    assert_eq!(wake.field("key"), Some("512")); // 0x200
    assert_eq!(wake.field("all"), Some("true"));
    assert!(
        !names(&events).contains(&"unmap"),
        "an empty PMD entry maps nothing: no unmap"
    );
}

/// A PMD read fault on a hole in an aligned VMA leaves a zero PMD entry and the huge
/// zero page mapped. A PTE grab inside it downgrades: the PMD entry is gone, a locked
/// empty PTE entry is at the index, and the huge zero mapping is removed from the
/// page table.
#[test]
fn pte_request_downgrades_zero_pmd_and_unmaps_the_huge_zero_page() {
    let m = mapping();
    assert_eq!(
        m.access(START, Access::Load, FaultSize::Pmd),
        AccessResult::Mapped { faults: 1 }
    );
    assert_eq!(
        m.entries(),
        vec![(0, entry(EntrySize::Pmd, EntryKind::Zero, false))]
    );
    let pt = m.page_table();
    assert!(pt.has_huge(START), "huge zero page mapped");
    assert_eq!(
        pt.slot(START)
            .and_then(|s| s.huge)
            .map(|h| (h.target, h.writable)),
        Some((daxlock::dax::pagetable::MapTarget::Zero, false))
    );

    let held = m.grab(5, EntrySize::Pte);
    assert_eq!(
        held,
        Ok(Held {
            slot: 5,
            entry: locked_empty(EntrySize::Pte)
        })
    );
    assert_eq!(m.entries(), vec![(5, locked_empty(EntrySize::Pte))]);
    let pt = m.page_table();
    assert!(!pt.has_huge(START), "the huge zero mapping was removed");
    assert_eq!(pt.lookup(START + 5 * 4096), None);
    assert!(m.queued_waiters().is_empty());
}

// ---------------------------------------------------------------------------------
// PTE wanted, mapped PMD present: no downgrade.

/// Over a 2 MiB extent whose frame is 2 MiB aligned, a PMD read fault installs a
/// mapped PMD entry and a huge mapping. A PTE grab inside it locks and returns that
/// PMD entry (its slot, not the PTE index): no downgrade, no PTE entry, the huge
/// mapping stays. put_locked at the PTE index unlocks it again.
#[test]
fn pte_request_on_mapped_pmd_locks_it_without_downgrade() {
    let frame = 0x80000;
    assert_eq!(frame % PMD_PAGES, 0);
    let mut cfg = config(Bugs::fixed());
    cfg.file.extents = vec![Extent {
        pgoff: 0,
        pages: PMD_PAGES,
        frame,
    }];
    let m = M::new(1, &cfg);
    assert_eq!(
        m.access(START, Access::Load, FaultSize::Pmd),
        AccessResult::Mapped { faults: 1 }
    );
    let mapped = entry(EntrySize::Pmd, EntryKind::Mapped { frame }, false);
    assert_eq!(m.entries(), vec![(0, mapped)]);
    assert!(m.page_table().has_huge(START));

    let (held, events) = captured(None, || m.grab(5, EntrySize::Pte));
    let locked = Entry {
        locked: true,
        ..mapped
    };
    assert_eq!(
        held,
        Ok(Held {
            slot: 0,
            entry: locked
        })
    );
    assert_eq!(m.entries(), vec![(0, locked)]);
    assert!(m.page_table().has_huge(START), "huge mapping untouched");
    assert!(!names(&events).contains(&"downgrade"));
    m.put_locked(5);
    assert_eq!(m.entries(), vec![(0, mapped)]);
    assert!(m.queued_waiters().is_empty());
}

// ---------------------------------------------------------------------------------
// Insert collision.

/// A PTE entry at base+5 is not on a PMD grab's lookup path (it looks up the aligned
/// base), so the grab goes on to insert a PMD entry over the range, and the insert
/// collides: `Collision`, tree unchanged.
#[test]
fn pmd_insert_over_pte_inside_its_range_collides() {
    let m = mapping();
    let base = 0x200;
    m.grab(base + 5, EntrySize::Pte).unwrap();
    m.put_locked(base + 5);
    let before = m.entries();
    let (r, events) = captured(None, || m.grab(base, EntrySize::Pmd));
    assert_eq!(r, Err(GrabError::Collision));
    assert_eq!(m.entries(), before);
    assert!(m.queued_waiters().is_empty());
    assert!(names(&events).contains(&"grab-collision"));
    assert!(!names(&events).contains(&"restart"));
}

// ---------------------------------------------------------------------------------
// put_locked without a locked entry.

/// put_locked where there is no locked entry (none at all, or an unlocked one) is a
/// kernel WARN_ON_ONCE: it records a WARN-level `warn` event naming
/// dax_unlock_mapping_entry, changes nothing, wakes nobody and does not panic.
#[test]
fn put_locked_without_locked_entry_warns_and_changes_nothing() {
    let m = mapping();
    let ((), events) = captured(None, || m.put_locked(9));
    assert!(m.entries().is_empty());
    let warns: Vec<_> = events.iter().filter(|e| e.name == "warn").collect();
    assert_eq!(warns.len(), 1, "events: {events:?}");
    assert_eq!(warns[0].level, Level::WARN);
    assert_eq!(warns[0].field("site"), Some("dax_unlock_mapping_entry"));
    assert_eq!(warns[0].field("index"), Some("9"));

    m.grab(7, EntrySize::Pte).unwrap();
    m.put_locked(7);
    let before = m.entries();
    let ((), events) = captured(None, || m.put_locked(7));
    assert_eq!(m.entries(), before);
    assert!(m.queued_waiters().is_empty());
    assert_eq!(names(&events), vec!["warn"]);
}

// ---------------------------------------------------------------------------------
// The recheck after preallocation (bug switch `no-recheck`).

/// A grab's result, its events, and the racing thread's grab result.
type RacedGrab = (
    Result<Held, GrabError>,
    Vec<Captured>,
    Option<Result<Held, GrabError>>,
);

/// Runs a PTE grab at `i` on `m` while, inside its preallocation window (at its
/// `preload` event, `tree_lock` dropped), a second real thread grabs and unlocks the
/// PTE entry at `i`. Returns the first grab's result, its events, and the second
/// thread's result.
fn grab_racing_an_insert_in_the_preload_window(m: &Arc<M>, i: u64) -> RacedGrab {
    let other = Arc::new(Mutex::new(None));
    let (m2, other2) = (m.clone(), other.clone());
    let hook: Hook = Box::new(move || {
        let r = std::thread::spawn(move || {
            let r = m2.grab(i, EntrySize::Pte);
            if r.is_ok() {
                m2.put_locked(i);
            }
            r
        })
        .join()
        .expect("the racing thread does not panic");
        *other2.lock().unwrap() = Some(r);
    });
    let (r, events) = captured(Some(("preload", hook)), || m.grab(i, EntrySize::Pte));
    let o = *other.lock().unwrap();
    (r, events, o)
}

/// Fixed: another thread inserts (and unlocks) the entry at `i` while grab has
/// `tree_lock` dropped to preallocate. Grab looks again, sees it, restarts once, and
/// locks and returns that entry: one entry, no collision.
#[test]
fn recheck_restarts_when_an_entry_appears_during_preload() {
    let i = 0x33;
    let m = Arc::new(mapping());
    let (r, events, other) = grab_racing_an_insert_in_the_preload_window(&m, i);
    assert_eq!(
        other,
        Some(Ok(Held {
            slot: i,
            entry: locked_empty(EntrySize::Pte)
        })),
        "the racing thread inserted the entry inside the window"
    );
    assert_eq!(
        r,
        Ok(Held {
            slot: i,
            entry: locked_empty(EntrySize::Pte)
        })
    );
    let n = names(&events);
    assert_eq!(n.iter().filter(|e| **e == "restart").count(), 1, "{n:?}");
    assert!(!n.contains(&"grab-collision"), "{n:?}");
    assert_eq!(n.last(), Some(&"locked"), "{n:?}");
    assert_eq!(m.entries(), vec![(i, locked_empty(EntrySize::Pte))]);
    assert!(m.queued_waiters().is_empty());
}

/// Bug `no-recheck`, same forced interleaving: grab does not look again and inserts
/// over the other thread's entry; the insert fails and grab returns `Collision`
/// (a spurious SIGBUS in the fault path). No restart happens; the other thread's
/// entry is left as it was.
#[test]
fn no_recheck_collides_when_an_entry_appears_during_preload() {
    let i = 0x33;
    let m = Arc::new(M::new(
        1,
        &config(Bugs::fixed().with("no-recheck").unwrap()),
    ));
    let (r, events, other) = grab_racing_an_insert_in_the_preload_window(&m, i);
    assert!(matches!(other, Some(Ok(_))), "{other:?}");
    assert_eq!(r, Err(GrabError::Collision));
    let n = names(&events);
    assert!(!n.contains(&"restart"), "{n:?}");
    assert!(n.contains(&"grab-collision"), "{n:?}");
    assert_eq!(
        m.entries(),
        vec![(i, unlocked(locked_empty(EntrySize::Pte)))]
    );
    assert!(m.queued_waiters().is_empty());
}

// ---------------------------------------------------------------------------------
// i_mmap_sem scope.

/// ext4 holds i_mmap_sem for reading inside each fault-handler call, not across the
/// PMD handler and the PTE handler it falls back to: a truncate queued while the PMD
/// fault runs gets in between, and the PTE fault reads the new i_size (SIGBUS past
/// EOF). With the lock held across both handlers the truncate would wait for the PTE
/// fault, which would map the page first (and this test would wait for it in vain).
#[test]
fn truncate_runs_between_a_pmd_fallback_and_the_pte_fault() {
    // vm_pgoff 1: the PMD fault falls back at once (colours differ).
    let misaligned = Vma { pgoff: 1, ..vma() };
    let m = Arc::new(M::new(1, &MappingConfig::new(FILE_PAGES, vec![misaligned])));
    let m2 = m.clone();
    let hook: Hook = Box::new(move || {
        // Between the handlers: a truncate on another thread gets i_mmap_sem.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            m2.truncate(0);
            tx.send(()).unwrap();
        });
        rx.recv_timeout(FINISH)
            .expect("the truncate ran between the PMD and the PTE handler");
    });
    let (result, events) = captured(Some(("pte-handler", hook)), || {
        m.access(START + 0x5000, Access::Load, FaultSize::Pmd)
    });
    assert_eq!(
        result,
        AccessResult::Sigbus { spurious: false },
        "{:?}",
        names(&events)
    );
    let order = names(&events);
    let fallback = order.iter().position(|n| *n == "fallback").unwrap();
    let sigbus = order.iter().position(|n| *n == "sigbus").unwrap();
    assert!(fallback < sigbus, "{order:?}");
    assert!(m.entries().is_empty());
}
