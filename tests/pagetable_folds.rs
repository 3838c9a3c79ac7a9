//! The page table's folds under the stateful checker: a thread's history holds
//! what its page-table reads returned (`Backend::locked` folds the closure's
//! result), so the model's own MMU and fault code returns from each read only what
//! the thread goes on with (`Mapping::look`'s `Look`, fsync's one bit). These
//! tests show the other side: a read folded too narrowly, whose result the thread
//! goes on with but which is carried out of the closure unhashed, merges states
//! whose futures differ; and the page table's own
//! value keeps only what later steps can tell apart.

use daxlock::check::checker::{Body, Checker, Control};
use daxlock::check::StatefulChecker;
use daxlock::dax::pagetable::{MapTarget, PageTable, Pte};
use daxlock::sync::{Backend, Stateful, Unhashed};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

type B = Stateful;

const ADDR: u64 = 0x7f00_0020_0000;
const ZERO: Pte = Pte {
    target: MapTarget::Zero,
    writable: false,
};

/// The PMD/PTE race of `bug-no-pagetable-recheck` in small: `pmd` maps the 2 MiB
/// huge; `pte` looks whether a huge mapping is there and then, in one more step
/// either way (so that both answers leave it in the same phase), maps a 4 KiB page
/// in it unless it saw one. `z` takes a lock of its own twice so that the states
/// after the others' steps are branching points. `pte`'s look is folded, or
/// carried out of the closure as [`Unhashed`] (too narrow: the thread goes on
/// with it). An execution that ends with a huge mapping over a PTE table (the
/// race lost: what the real fault's recheck exists to prevent) sets `raced`.
fn race(narrow: bool, raced: Arc<AtomicBool>) -> Body {
    Body::new(
        move |_| {
            let pt = Arc::new(B::mutex(PageTable::default()));
            let own = Arc::new(B::mutex(0u8));
            let (pt_pmd, pt_pte, own_z) = (pt.clone(), pt.clone(), own.clone());
            let pmd = move || B::locked(&pt_pmd, |pt| pt.set_huge(ADDR, ZERO));
            let pte = move || {
                let huge = if narrow {
                    B::locked(&pt_pte, |pt| Unhashed(pt.has_huge(ADDR))).0
                } else {
                    B::locked(&pt_pte, |pt| pt.has_huge(ADDR))
                };
                B::locked(&pt_pte, |pt| {
                    if !huge {
                        pt.set_pte(ADDR + 0x1000, ZERO)
                    }
                });
            };
            let z = move || {
                B::locked(&own_z, |o| *o += 1);
                B::locked(&own_z, |o| *o += 1);
            };
            let handles = [
                B::spawn("pte".to_owned(), pte),
                B::spawn("pmd".to_owned(), pmd),
                B::spawn("z".to_owned(), z),
            ];
            for h in handles {
                let _ = B::join(h);
            }
            if B::locked(&pt, |pt| pt.has_huge(ADDR) && pt.has_pte_table(ADDR)) {
                raced.store(true, Ordering::Relaxed);
            }
            Control::default()
        },
        |_| Control::default(),
    )
}

/// Folded, the look's answer keeps "looked before the PMD was mapped" apart from
/// "looked after" (and some execution ends with the race lost). Carried
/// unhashed, the two states (the huge mapping there, `pte` past its look, about
/// to map or not) are one: fewer states, merged where the futures differ. (As
/// with `tests/stateful_scopes.rs`'s unhashed value, the search still reaches the
/// race here, on a path the merge does not cut; what the test pins is the merge.)
#[test]
fn a_page_table_read_folded_too_narrowly_merges_states_that_differ() {
    let search = |narrow: bool| {
        let raced = Arc::new(AtomicBool::new(false));
        let e = StatefulChecker::default().explore(race(narrow, raced.clone()));
        let st = e.search.expect("figures");
        assert!(st.complete && e.stop.is_none(), "{:?}", e.stop);
        (st.states, raced.load(Ordering::Relaxed))
    };
    let (folded, raced) = search(false);
    assert!(
        raced,
        "the folded search never reaches the race ({folded} states)"
    );
    let (narrow, _) = search(true);
    assert!(narrow < folded, "narrow {narrow} states, folded {folded}");
}

/// The cache state holds what later steps can tell apart, no history: a frame
/// stored and flushed twice is the frame stored and flushed once (equal values,
/// so equal states), and an fsync owes the frames dirty when it began until a
/// flush reaches them, not a store made after it began.
#[test]
fn the_cache_state_forgets_how_it_got_there() {
    let (frame, other) = (0x8_0003, 0x8_0005);
    let mut once = PageTable::default();
    once.record_store(frame);
    once.record_flush(frame, 1);
    let mut twice = once.clone();
    twice.record_store(frame);
    twice.record_flush(frame, 1);
    assert_eq!(once, twice);

    let mut pt = PageTable::default();
    assert!(!pt.fsync_begins(3), "nothing dirty: nothing owed");
    pt.record_store(frame);
    assert!(pt.fsync_begins(3));
    pt.record_store(other);
    assert_eq!(
        pt.fsync_ends(3),
        [frame],
        "owed what was dirty when it began"
    );
    assert!(pt.fsync_begins(3));
    pt.record_flush(frame, 1);
    pt.record_flush(other, 1);
    assert_eq!(pt.fsync_ends(3), Vec::<u64>::new());
    assert_eq!(pt, PageTable::default(), "flushed and owed nothing: as new");
}
