//! `Backend::scope_begin`/`scope_end` under the stateful checker: a call whose
//! effect on the caller's locals does not depend on what it read (the kernel
//! target's wait-queue calls, `kernel/c/scopes.h`) is forgotten at its return but
//! for its result, which merges states that differ only in what the call met; and
//! the merge is sound only because the caller goes on with nothing but the
//! result: a caller that keeps what it read inside the scope has one history for
//! two different reads, and the search merges states that differ. Likewise a
//! value carried out of `locked` as `Unhashed` (folded as nothing): sound for what
//! a thread only reports, a merge of states that differ for what it goes on with.

use daxlock::check::checker::{Body, Checker, Control, Stop};
use daxlock::check::stats::SearchStats;
use daxlock::check::StatefulChecker;
use daxlock::sync::{Backend, Stateful, Unhashed};
use std::sync::Arc;

type B = Stateful;

/// How the caller wraps its read of `x`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Call {
    /// No scope: the read stays in the caller's history.
    Plain,
    /// A scope whose result is what the caller goes on with (the read's outcome).
    Scoped,
    /// A scope returning nothing while the caller goes on with what it read: the
    /// contract broken.
    Leaky,
}

/// `w` sets `x` to 1, `z` sets `y` to 1 and then takes a lock of its own twice (so
/// that the states after the others' steps are branching points). The caller, in
/// one call, reads `x` and `y` (two steps: the call has a scheduling point inside),
/// keeps `x == 1` (and nothing else, for [`Call::Scoped`]), looks at whether `z`
/// has finished and, having seen `hang_when` while it has not, waits for ever (a
/// hang).
fn program(call: Call, hang_when: Option<bool>) -> Body {
    Body::new(
        move |_| {
            // Every primitive made up front: ids follow creation order.
            let x = Arc::new(B::mutex(0u8));
            let y = Arc::new(B::mutex(0u8));
            let own = Arc::new(B::mutex(0u8));
            let (never, cv) = (Arc::new(B::mutex(())), Arc::new(B::condvar()));
            let (xw, own_c, yz) = (x.clone(), own.clone(), y.clone());
            let caller = move || {
                if call != Call::Plain {
                    B::scope_begin();
                }
                let seen = B::locked(&x, |v| *v);
                // Read and dropped: what the call met that its result leaves out.
                let _ = B::locked(&y, |v| *v);
                let one = seen == 1;
                match call {
                    Call::Plain => {}
                    Call::Scoped => B::scope_end(&one),
                    Call::Leaky => B::scope_end(&()),
                }
                // A scheduling point after the call: the merge shows there.
                let z_done = B::locked(&own_c, |o| *o) == 2;
                if hang_when == Some(one) && !z_done {
                    B::wait_until(&never, &cv, |_| None::<()>);
                }
            };
            let z = move || {
                B::locked(&yz, |v| *v = 1);
                B::locked(&own, |o| *o += 1);
                B::locked(&own, |o| *o += 1);
            };
            let handles = [
                B::spawn("w".to_owned(), move || B::locked(&xw, |v| *v = 1)),
                B::spawn("z".to_owned(), z),
                B::spawn("caller".to_owned(), caller),
            ];
            for h in handles {
                let _ = B::join(h);
            }
            Control::default()
        },
        |_| Control::default(),
    )
}

fn search(call: Call, hang_when: Option<bool>, por: bool) -> (SearchStats, Option<Stop>) {
    let checker = StatefulChecker {
        por,
        ..StatefulChecker::default()
    };
    let e = checker.explore(program(call, hang_when));
    (e.search.expect("figures"), e.stop)
}

/// With the scope, the caller's history after the call holds only its result:
/// fewer states than without, and both hangs are still found.
#[test]
fn a_scope_forgets_what_the_call_read_but_its_result() {
    for por in [false, true] {
        let (plain, stop) = search(Call::Plain, None, por);
        assert!(stop.is_none() && plain.complete, "{stop:?}");
        let (scoped, stop) = search(Call::Scoped, None, por);
        assert!(stop.is_none() && scoped.complete, "{stop:?}");
        // The same result reached by reading 0 or 1 of another order of `y`'s
        // steps: one state after the call with the scope.
        assert!(
            scoped.states < plain.states,
            "por {por}: scoped {} states, plain {}",
            scoped.states,
            plain.states
        );
        for seen in [false, true] {
            for call in [Call::Plain, Call::Scoped] {
                let (_, stop) = search(call, Some(seen), por);
                assert!(
                    matches!(&stop, Some(Stop::Deadlock(m)) if m.contains("caller")),
                    "{call:?}, por {por}, hang when it saw {seen}: {stop:?}"
                );
            }
        }
    }
}

/// A scope whose result leaves out what the caller goes on with merges states
/// that differ in what the caller does next: fewer states than the sound scope.
#[test]
fn a_scope_that_drops_what_the_caller_keeps_merges_states_that_differ() {
    let (scoped, _) = search(Call::Scoped, None, false);
    let (leaky, _) = search(Call::Leaky, None, false);
    assert!(scoped.complete && leaky.complete);
    assert!(
        leaky.states < scoped.states,
        "leaky {} states, scoped {}",
        leaky.states,
        scoped.states
    );
}

/// A reader that reads `x` twice and, when the two differ while `z` has not
/// finished, waits for ever (a hang); its first read is carried out of `locked`
/// as [`Unhashed`] or folded. Spawned in this order (the search's first
/// choices): a writer that sets `x`, the reader, and `z`, which takes a lock of
/// its own twice.
fn reread(unhashed: bool) -> Body {
    Body::new(
        move |_| {
            let x = Arc::new(B::mutex(0u8));
            // z's lock, which it takes twice: the states after the others' steps
            // are branching points (fingerprinted) while z runs.
            let own = Arc::new(B::mutex(0u8));
            let (never, cv) = (Arc::new(B::mutex(())), Arc::new(B::condvar()));
            let (xw, own_r) = (x.clone(), own.clone());
            let reader = move || {
                let first = if unhashed {
                    B::locked(&x, |v| Unhashed(*v)).0
                } else {
                    B::locked(&x, |v| *v)
                };
                let changed = B::locked(&x, |v| *v) != first;
                if changed && B::locked(&own_r, |o| *o) < 2 {
                    B::wait_until(&never, &cv, |_| None::<()>);
                }
            };
            let writer = move || B::locked(&xw, |v| *v = 1);
            let z = move || {
                B::locked(&own, |o| *o += 1);
                B::locked(&own, |o| *o += 1);
            };
            let handles = [
                B::spawn("w".to_owned(), writer),
                B::spawn("reader".to_owned(), reader),
                B::spawn("z".to_owned(), z),
            ];
            for h in handles {
                let _ = B::join(h);
            }
            Control::default()
        },
        |_| Control::default(),
    )
}

/// A value the thread goes on with, carried out of `locked` as [`Unhashed`] (which
/// the kernel target uses only for what its hooks report, never return to C),
/// merges states that differ: the reader that read 0 before the write and the one
/// that read 1 after it (the first may hang, the second cannot) meet with one
/// history, so the search keeps fewer states than with the
/// value folded. (Both still find the hang here, on a path the merge does not cut.)
#[test]
fn an_unhashed_value_the_thread_keeps_merges_states_that_differ() {
    let search = |unhashed: bool| {
        let e = StatefulChecker::default().explore(reread(unhashed));
        let hang = matches!(&e.stop, Some(Stop::Deadlock(m)) if m.contains("reader"));
        (e.search.expect("figures").states, hang)
    };
    let (folded, hang) = search(false);
    assert!(hang, "the folded search misses the hang");
    let (unhashed, _) = search(true);
    assert!(
        unhashed < folded,
        "unhashed {unhashed} states, folded {folded}: nothing was merged"
    );
}

/// What the looping caller folds at the top of its loop ([`Backend::scope_again`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Top {
    /// Nothing: each round stays in the history until the scope ends.
    Plain,
    /// Whether it has seen `x` at 0, which it goes on with.
    Sound,
}

/// `w` sets `x` to 1. The caller, in one scope, reads `x` in a loop until it is
/// 1, remembering whether it ever saw 0; after the loop it waits for ever if it
/// did and `hang` is set (a hang only a schedule that runs it before `w` reaches).
fn looping(top: Top, hang: bool) -> Body {
    Body::new(
        move |_| {
            let x = Arc::new(B::mutex(0u8));
            let (never, cv) = (Arc::new(B::mutex(())), Arc::new(B::condvar()));
            let xw = x.clone();
            let caller = move || {
                B::scope_begin();
                let mut saw_zero = false;
                loop {
                    match top {
                        Top::Plain => {}
                        Top::Sound => B::scope_again(&saw_zero),
                    }
                    if B::locked(&x, |v| *v) == 1 {
                        break;
                    }
                    saw_zero = true;
                }
                B::scope_end(&saw_zero);
                if hang && saw_zero {
                    B::wait_until(&never, &cv, |_| None::<()>);
                }
            };
            let handles = [
                B::spawn("w".to_owned(), move || B::locked(&xw, |v| *v = 1)),
                B::spawn("caller".to_owned(), caller),
            ];
            for h in handles {
                let _ = B::join(h);
            }
            Control::default()
        },
        |_| Control::default(),
    )
}

fn search_loop(top: Top, hang: bool) -> (SearchStats, Option<Stop>) {
    let checker = StatefulChecker {
        max_states: 2_000,
        por: false,
        ..StatefulChecker::default()
    };
    let e = checker.explore(looping(top, hang));
    (e.search.expect("figures"), e.stop)
}

/// The kernel target's wait for an unlocked entry (`kernel/c/xa_folds.h`) goes
/// back to its opening at the top of its loop with what it goes on with folded:
/// its rounds leave nothing else behind, so a loop that rereads until another
/// thread writes closes a cycle and the search completes, where without it every
/// round is a new history and the search runs into its bound; and the hang that
/// only a round that saw 0 leads to is found.
#[test]
fn a_loop_top_forgets_the_rounds_but_what_it_folds() {
    let (plain, _) = search_loop(Top::Plain, false);
    assert!(!plain.complete, "plain: {} states", plain.states);
    let (sound, stop) = search_loop(Top::Sound, false);
    assert!(stop.is_none() && sound.complete, "{stop:?}");
    let (_, stop) = search_loop(Top::Sound, true);
    assert!(
        matches!(&stop, Some(Stop::Deadlock(m)) if m.contains("caller")),
        "{stop:?}"
    );
}
