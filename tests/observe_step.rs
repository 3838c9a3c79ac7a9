//! `Backend::observe` under the stateful checker: a lockless read of state kept
//! outside the backend (as the kernel target's C memory is) folds only what it
//! read, which merges states a fold of the whole memory keeps apart, and it is
//! sound only because the reader goes on with nothing but that value: a reader
//! that reads outside the observe has one history for two different reads, and the
//! search merges states that differ.

use daxlock::check::checker::{Body, Checker, Control, Stop};
use daxlock::check::stats::SearchStats;
use daxlock::check::StatefulChecker;
use daxlock::sync::{Backend, Stateful};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

type B = Stateful;

/// How the reader reads cell 0 of the memory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Read {
    /// `observe`, returning the cell: what it folds is what the reader goes on with.
    Observe,
    /// `locked(memory)` folding the memory's whole hash, as a spin-lock acquire of
    /// the kernel target did before it folded only what the lock protects.
    Whole,
    /// `observe` returning nothing, the cell read after it: the contract broken.
    Outside,
}

/// A memory of two cells outside the backend and a backend mutex standing for it
/// (its value the cells' hash, stored by every writer, as every C unlock stores the
/// C state's hash). `w0` sets cell 0, `w1` changes cell 1, the reader reads cell 0
/// (as `read` says) and, having seen `hang_when` there while `x` has not finished,
/// waits for ever (a hang); `x` takes a lock of its own twice, so that the states
/// after the others' steps are branching points (fingerprinted).
fn program(read: Read, hang_when: Option<u64>) -> Body {
    Body::new(
        move |_| {
            let cells = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
            let memory = Arc::new(B::mutex(0u64));
            let writer = |which: usize| {
                let (c, m) = (cells.clone(), memory.clone());
                move || {
                    B::locked(&m, |v| {
                        c[which].fetch_add(1, Ordering::SeqCst);
                        *v = c[0].load(Ordering::SeqCst) << 32 | c[1].load(Ordering::SeqCst);
                    })
                }
            };
            // Every primitive made up front: ids follow creation order, which is
            // part of the state.
            let gate = Arc::new(B::mutex(()));
            let own = Arc::new(B::mutex(0u8));
            let (never, cv) = (Arc::new(B::mutex(())), Arc::new(B::condvar()));
            let (c, m, own_r) = (cells.clone(), memory.clone(), own.clone());
            let reader = move || {
                let seen = match read {
                    Read::Observe => B::observe(&m, || c[0].load(Ordering::SeqCst)),
                    Read::Whole => B::locked(&m, |all| (*all, c[0].load(Ordering::SeqCst))).1,
                    Read::Outside => {
                        B::observe(&m, || ());
                        c[0].load(Ordering::SeqCst)
                    }
                };
                B::locked(&gate, |_| ());
                if hang_when == Some(seen) && B::locked(&own_r, |o| *o) < 2 {
                    B::wait_until(&never, &cv, |_| None::<()>);
                }
            };
            let x = move || {
                B::locked(&own, |o| *o += 1);
                B::locked(&own, |o| *o += 1);
            };
            let handles = [
                B::spawn("w0".to_owned(), writer(0)),
                B::spawn("w1".to_owned(), writer(1)),
                B::spawn("x".to_owned(), x),
                B::spawn("reader".to_owned(), reader),
            ];
            for h in handles {
                let _ = B::join(h);
            }
            Control::default()
        },
        |_| Control::default(),
    )
}

/// The memory lives outside the backend, as the kernel's C state does, and is not
/// declared to it (`Backend::external_state`, which the kernel target uses): searched
/// without the partial-order reduction, which cannot see it.
fn search(read: Read, hang_when: Option<u64>) -> (SearchStats, Option<Stop>) {
    let checker = StatefulChecker {
        por: false,
        ..StatefulChecker::default()
    };
    let e = checker.explore(program(read, hang_when));
    (e.search.expect("figures"), e.stop)
}

#[test]
fn observe_folds_only_what_it_read() {
    let (observe, stop) = search(Read::Observe, None);
    assert!(stop.is_none() && observe.complete, "{stop:?}");
    let (whole, stop) = search(Read::Whole, None);
    assert!(stop.is_none() && whole.complete, "{stop:?}");
    // w1's change of cell 1 before or after the read is one state when the reader
    // folds cell 0 only, two when it folds the memory's hash.
    assert!(
        observe.states < whole.states,
        "observe {} states, whole {}",
        observe.states,
        whole.states
    );
}

/// A reader that goes on with more than its observe returned has the same history
/// whatever it read: the search merges states that differ in what the reader does
/// next. (Such a state is not lost outright here, because the checker runs every
/// execution it cuts to its end in one fair order, and in this small program that
/// order still reaches the reader's hang; the states it would branch from are.)
#[test]
fn a_read_outside_the_observe_merges_states_that_differ() {
    for seen in [0, 1] {
        for read in [Read::Observe, Read::Whole, Read::Outside] {
            let (_, stop) = search(read, Some(seen));
            assert!(
                matches!(&stop, Some(Stop::Deadlock(m)) if m.contains("reader")),
                "{read:?}, hang when it saw {seen}: {stop:?}"
            );
        }
    }
    let (observe, _) = search(Read::Observe, None);
    let (outside, _) = search(Read::Outside, None);
    assert!(observe.complete && outside.complete);
    assert!(
        outside.states < observe.states,
        "outside {} states, observe {}",
        outside.states,
        observe.states
    );
}
