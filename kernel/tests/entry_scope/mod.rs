//! The stateful checker's fold of a wait for an unlocked entry on the kernel
//! target (`DAXK_ENTRY_SCOPE`, `kernel/c/xa_folds.h`; `World::entry_scope_end`)
//! against narrower ones (`daxlock_kernel::Switches::entry_scope_result`). A module of
//! `kernel_target.rs` (built only with a kernel tree).

use super::por::{catalogue, kernel_rows};
use super::support::radix_era;
use daxlock::check::target::Target;
use daxlock::check::{check_on, CheckReport, Limits, StatefulChecker, Verdict};
use daxlock::dax::Bugs;
use daxlock::scenario::Scenario;
use daxlock_kernel::{end_states, entry_walks, EntryScopeResult, KernelTarget, Switches};
use std::collections::BTreeMap;

/// The searches compared stop here (all of them store the same states).
const BUDGET: usize = 5_000;

/// What a search found: its verdict, its state count (when complete), the digest
/// of its states' fingerprints, the C states its executions ended in, and its
/// waits' walks ([`entry_walks`]).
type Found = (
    Verdict,
    Option<usize>,
    u128,
    Vec<u64>,
    Vec<((u64, u64), usize)>,
);

/// The full search (no reduction: the folds alone differ) of `s` with `bugs` on
/// `target` with the wait's fold `r`, to at most [`BUDGET`] states.
fn search(target: &KernelTarget, s: &Scenario, bugs: Bugs, r: EntryScopeResult) -> Found {
    let c = StatefulChecker {
        all_hangs: true,
        max_states: BUDGET,
        por: false,
        ..StatefulChecker::default()
    };
    let switches = Switches {
        entry_scope_result: r,
        ..Switches::default()
    }
    .set();
    end_states(true);
    entry_walks(true);
    let rep = std::panic::catch_unwind(|| check_on(target, &c, s, bugs, Limits::default()));
    let (ends, walks) = (end_states(false), entry_walks(false));
    drop(switches);
    let rep: CheckReport = rep.expect("the search ran").unwrap();
    let st = rep.search.expect("figures");
    (
        rep.verdict,
        st.complete.then_some(st.states),
        st.digest,
        ends,
        walks,
    )
}

/// Where a walk starts ([`entry_walks`]): none before the wait's first walk, a
/// reset xa_state, or the caller's in place.
const FIRST: u64 = 0;
const RESET: u64 = 1;
const IN_PLACE: u64 = 2;

/// Where the walk a wait returns from started is a function of the task's history
/// at the wait's opening, so the fold of it (and of the entry) is read again before
/// it matters: on every catalogue row whose full search finishes in [`BUDGET`]
/// states, unpatched and with `--patch writeback-waits`, the fold without the walk
/// start and the fold of nothing store exactly the states of the real fold, with
/// the same verdict and C end states. Why (README, *the entry wait's fold*): the
/// xa_state a wait gets is the caller's local; every walk after a sleep starts from
/// a reset xa_state (the sleep resets it); and a walk that starts in place (the
/// caller's iteration hands its xa_state on, `dax_writeback_one()`, finding 1)
/// never sleeps: xas_find_conflict() on an order-0 xa_state in a node returns NULL
/// without reading the slot. That is what the walks counted check: the pairs
/// (previous walk's start, this walk's) are only (first, reset), (first, in place)
/// and (reset, reset); the in-place hand-off is there on the unpatched tree and
/// gone with `writeback-waits` (its `xas_reset()`), so the count sees the walk start;
/// and some wait slept and walked again (reset, reset). The narrower folds are
/// live (on most rows the digest of the states' fingerprints differs from the real
/// fold's): they merge nothing more because nothing they drop is read.
#[test]
fn a_waits_walk_start_is_decided_before_the_wait() {
    if radix_era(true, "a_waits_walk_start_is_decided_before_the_wait") {
        return;
    }
    for patch in [None, Some("writeback-waits")] {
        let target = match patch {
            None => KernelTarget::default(),
            Some(p) => KernelTarget::patched(p).expect("the patch applies"),
        };
        let mut walks: BTreeMap<(u64, u64), usize> = BTreeMap::new();
        let mut compared = 0;
        // Comparisons in which the narrower fold's states hashed otherwise.
        let mut live = 0;
        for s in catalogue() {
            for bugs in kernel_rows(&s) {
                if target.supports(&s, bugs).is_err() {
                    continue;
                }
                let what = format!("{} [{}] {patch:?}", s.name, bugs.variant());
                let (verdict, states, digest, ends, w) =
                    search(&target, &s, bugs, EntryScopeResult::Whole);
                for (pair, n) in w {
                    *walks.entry(pair).or_default() += n;
                }
                let Some(states) = states else {
                    continue;
                };
                for r in [
                    EntryScopeResult::WithoutWalkStart,
                    EntryScopeResult::Nothing,
                ] {
                    let (v, st, d, e, _) = search(&target, &s, bugs, r);
                    eprintln!(
                        "{what}: {r:?} {v:?} {st:?} (digest {}); Whole {verdict:?} {states}",
                        if d == digest { "same" } else { "other" }
                    );
                    assert_eq!(v, verdict, "{what}: {r:?} gives another verdict");
                    assert_eq!(st, Some(states), "{what}: {r:?} stores other states");
                    assert_eq!(e, ends, "{what}: {r:?} ends in other C states");
                    live += usize::from(d != digest);
                }
                compared += 1;
            }
        }
        eprintln!("{patch:?}: {compared} rows compared; walks {walks:?}");
        assert!(compared >= 5, "{patch:?}: only {compared} rows compared");
        // The switch is live: the narrower folds' histories hash otherwise.
        assert!(
            live >= compared,
            "{patch:?}: {live} of {compared} rows differ"
        );
        let allowed = [(FIRST, RESET), (FIRST, IN_PLACE), (RESET, RESET)];
        for pair in walks.keys() {
            assert!(
                allowed.contains(pair),
                "{patch:?}: a walk {pair:?}: {walks:?}"
            );
        }
        let in_place = walks.get(&(FIRST, IN_PLACE)).copied().unwrap_or(0);
        match patch {
            None => assert!(in_place > 0, "no in-place hand-off seen: {walks:?}"),
            Some(_) => assert_eq!(in_place, 0, "writeback-waits resets it: {walks:?}"),
        }
        assert!(
            walks.get(&(RESET, RESET)).is_some_and(|&n| n > 0),
            "{patch:?}: no wait slept: {walks:?}"
        );
    }
}

/// The walk at a wait's loop top is left out of the task's history
/// (`World::wait_walk_unfolded` in `kernel/src/world.rs` argues it: the task holds the
/// xarray lock from the walk until it has queued itself, so the entry the walk
/// returned is the tree's at the index the loop top's fold holds, and once the
/// task is queued the entry is dead). On every catalogue row whose full search
/// finishes in [`BUDGET`] states with the walk folded
/// (`daxlock_kernel::Switches::wait_walk_folded`), unpatched and with
/// `--patch writeback-waits`: the same verdict and C end states, never more
/// states, and fewer on some rows (the switch is live; with the fold on, the
/// test fails there).
#[test]
fn the_wait_walk_is_a_function_of_the_state() {
    if radix_era(true, "the_wait_walk_is_a_function_of_the_state") {
        return;
    }
    let run = |target: &KernelTarget, s: &Scenario, bugs: Bugs, folded: bool| {
        let switches = Switches {
            wait_walk_folded: folded,
            ..Switches::default()
        }
        .set();
        end_states(true);
        let c = StatefulChecker {
            all_hangs: true,
            max_states: BUDGET,
            por: false,
            ..StatefulChecker::default()
        };
        let rep = std::panic::catch_unwind(|| check_on(target, &c, s, bugs, Limits::default()));
        let ends = end_states(false);
        drop(switches);
        let rep: CheckReport = rep.expect("the search ran").unwrap();
        let st = rep.search.expect("figures");
        (rep.verdict, st.complete.then_some(st.states), ends)
    };
    for patch in [None, Some("writeback-waits")] {
        let target = match patch {
            None => KernelTarget::default(),
            Some(p) => KernelTarget::patched(p).expect("the patch applies"),
        };
        let (mut compared, mut fewer) = (0, 0);
        for s in catalogue() {
            for bugs in kernel_rows(&s) {
                if target.supports(&s, bugs).is_err() {
                    continue;
                }
                let what = format!("{} [{}] {patch:?}", s.name, bugs.variant());
                let (verdict, Some(states), ends) = run(&target, &s, bugs, true) else {
                    continue;
                };
                let (v, st, e) = run(&target, &s, bugs, false);
                eprintln!("{what}: folded {verdict:?} {states}, unfolded {v:?} {st:?}");
                assert_eq!(v, verdict, "{what}: another verdict");
                assert_eq!(e, ends, "{what}: other C end states");
                let st = st.expect("complete with fewer states");
                assert!(
                    st <= states,
                    "{what}: {st} states unfolded, {states} folded"
                );
                fewer += usize::from(st < states);
                compared += 1;
            }
        }
        eprintln!("{patch:?}: {compared} rows compared, {fewer} with fewer states");
        assert!(compared >= 5, "{patch:?}: only {compared} rows compared");
        assert!(fewer > 0, "{patch:?}: the walk's fold merged nothing");
    }
}
