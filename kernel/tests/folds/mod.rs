//! What the stateful checker folds into a task's history on the kernel target
//! (`World::guarded`, `kernel/c/xa_folds.h`): the narrow folds against the whole
//! C state's. A module of `kernel_target.rs`
//! (built only with a kernel tree).

use super::por::{catalogue, kernel_rows};
use super::support::run;
use daxlock::check::{CheckReport, StatefulChecker, Verdict};
use daxlock::dax::bugs::Bugs;
use daxlock::scenario::Scenario;
use daxlock_kernel::{end_states, Folds, Switches, KERNEL_ERA};
use std::path::Path;

/// The whole-fold searches compared stop here (the narrow ones get the same
/// budget; they store fewer states).
const BUDGET: usize = 5_000;

/// The full search (no reduction: the folds alone differ) of `s` with `bugs`
/// under `folds`, on after hangs, to at most [`BUDGET`] states, with the C
/// states its executions ended in ([`end_states`]).
fn search(s: &Scenario, bugs: Bugs, folds: Folds) -> (CheckReport, Vec<u64>) {
    search_as(s, bugs, folds, BUDGET)
}

/// [`search`] to at most `budget` states.
fn search_as(s: &Scenario, bugs: Bugs, folds: Folds, budget: usize) -> (CheckReport, Vec<u64>) {
    let c = StatefulChecker {
        all_hangs: true,
        max_states: budget,
        por: false,
        ..StatefulChecker::default()
    };
    let switches = Switches {
        folds: Some(folds),
        ..Switches::default()
    }
    .set();
    end_states(true);
    let r = std::panic::catch_unwind(|| run(&c, s, bugs));
    let ends = end_states(false);
    drop(switches);
    (r.expect("the search ran").unwrap(), ends)
}

/// The verdict, the C states executions ended in and, when the search
/// finished, its state count.
fn outcome((r, ends): (CheckReport, Vec<u64>)) -> (Verdict, Vec<u64>, Option<usize>) {
    let st = r.search.expect("figures");
    (r.verdict, ends, st.complete.then_some(st.states))
}

/// Every kernel catalogue row whose search with the whole C state folded at
/// every acquire (`Folds::Whole`) finishes in [`BUDGET`] states: the narrow
/// folds (the xarray calls' per read, or in the radix era (4.13) the radix-tree
/// calls', `Folds::Narrow`; and the tree at the xarray lock's or tree_lock's
/// acquire, `Folds::Acquire`) finish too, in no more states, with
/// the same verdict, and their executions end in the same set of C states
/// ([`end_states`]). (A fold of too little is caught by the pinned state
/// counts, `kernel_state_spaces_are_pinned`, not here: with the xarray calls'
/// folds switched off no verdict changed and no end state was lost on these
/// rows, whose executions end in one to three C states.)
#[test]
fn narrow_folds_agree_with_the_whole_fold_on_the_kernel_catalogue() {
    let mut compared = 0;
    for s in catalogue() {
        for bugs in kernel_rows(&s) {
            let (verdict, ends, whole) = outcome(search(&s, bugs, Folds::Whole));
            let Some(whole) = whole else {
                continue;
            };
            let what = format!("{} [{}]", s.name, bugs.variant());
            for folds in [Folds::Narrow, Folds::Acquire] {
                let (v, e, states) = outcome(search(&s, bugs, folds));
                eprintln!(
                    "{what}: {folds:?} {v:?} {states:?} states, {} end states; Whole {verdict:?} {whole} states, {} end states",
                    e.len(),
                    ends.len()
                );
                assert_eq!(v, verdict, "{what}: {folds:?} gives another verdict");
                let states = states.unwrap_or_else(|| panic!("{what}: {folds:?} unfinished"));
                assert!(states <= whole, "{what}: {folds:?} stores more states");
                assert_eq!(e, ends, "{what}: {folds:?} ends in other C states");
            }
            compared += 1;
        }
    }
    eprintln!("{compared} rows compared");
    assert!(compared >= 5, "only {compared} rows compared");
}

/// An execution the stateful checker cuts at a known state skips its end-state
/// checks (`Backend::end_state_known`): every end state it could reach is reached
/// by an execution that was not cut. On every kernel catalogue row whose search
/// (reduced, the default) finishes in [`BUDGET`] states, the C states that the
/// checked executions end in ([`end_states`], recorded by the end-state checks)
/// are the same set as when every execution checks its end state
/// (`check_cut_ends`), and the verdict is the same. (With the skip applied to
/// every execution the recorded set is empty and this fails.)
#[test]
fn cut_executions_skip_end_checks_and_lose_no_end_state() {
    let search = |s: &Scenario, bugs: Bugs, check_cut_ends: bool| {
        let c = StatefulChecker {
            all_hangs: true,
            max_states: BUDGET,
            check_cut_ends,
            ..StatefulChecker::default()
        };
        end_states(true);
        let r = std::panic::catch_unwind(|| run(&c, s, bugs));
        let ends = end_states(false);
        outcome((r.expect("the search ran").unwrap(), ends))
    };
    let mut compared = 0;
    for s in catalogue() {
        for bugs in kernel_rows(&s) {
            let (verdict, ends, states) = search(&s, bugs, true);
            if states.is_none() {
                continue;
            }
            let what = format!("{} [{}]", s.name, bugs.variant());
            let (v, e, st) = search(&s, bugs, false);
            assert_eq!(v, verdict, "{what}: another verdict");
            assert_eq!(st, states, "{what}: other states");
            if ends.is_empty() {
                // Every execution hangs before it ends (4.13's seed-sequential with
                // misaligned-pmd: its one thread sleeps on the entry it left locked):
                // no end state to lose, and the search with every end checked
                // recorded none either.
                assert!(
                    e.is_empty() && verdict == Verdict::Hang,
                    "{what}: no end state checked"
                );
                continue;
            }
            assert_eq!(
                e, ends,
                "{what}: skipping cut executions' end checks lost an end state"
            );
            compared += 1;
        }
    }
    eprintln!("{compared} rows compared");
    assert!(compared >= 5, "only {compared} rows compared");
}

/// `DAXLOCK_KERNEL_FOLDS` chooses the folds of a `daxlock-kernel` run: in every
/// era `acquire` and `whole` store more states than `narrow` on
/// `seed-concurrent` (so the variable is read); a value it does not know is a
/// one-line error, exit 2.
#[test]
fn the_folds_variable_is_read_and_checked() {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../verify/seed-concurrent.toml"
    );
    let run = |folds: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_daxlock-kernel"))
            .args([
                "run",
                scenario,
                "--target",
                "kernel",
                "--checker",
                "stateful",
            ])
            .env("DAXLOCK_KERNEL_FOLDS", folds)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let states = |folds: &str| {
        let o = run(folds);
        assert!(o.status.success(), "{folds}: {o:?}");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.contains("search complete:"))
            .unwrap_or_else(|| panic!("{folds}: {text}"))
            .to_owned();
        let n: usize = line
            .split("search complete: ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        n
    };
    let narrow = states("narrow");
    assert!(states("acquire") > narrow);
    assert!(states("whole") > narrow);
    let o = run("sideways");
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("DAXLOCK_KERNEL_FOLDS"), "{err}");
}

/// The scenario built to need the fold of a call's result
/// (`tests/scenarios/collect-vs-fault.toml`): write(2) collects the entries of its
/// range under the tree's lock (`daxk_collect()`), then invalidates each, across
/// scheduling points, with nothing written in between; whether a racing fault's
/// entry is in the list depends on the order, and the write's next step does not.
/// With the calls' folds switched off (`Folds::Blind`, tests only) the search
/// merges the two orders and stores fewer states. On 4.13.9 it then misses the
/// hang of `late-wait-registration` (the write's wait on the fault's locked entry,
/// which only the order that collected the entry makes, sleeps forever), which the
/// search with the folds finds: a fold of too little loses a bug. On the fixed build
/// (and on 6.1, which has no such variant) the outcomes agree: the verdict, the C end
/// states and the branches visited.
#[test]
fn without_the_calls_folds_the_collection_orders_merge_and_a_hang_is_lost() {
    let s = Scenario::from_path(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/scenarios/collect-vs-fault.toml"
    )))
    .expect("the test scenario");
    let rows = kernel_rows(&s);
    let mut lost = 0;
    for bugs in &rows {
        let what = format!("{} [{}]", s.name, bugs.variant());
        let (narrow, narrow_visits) = with_visits(search_as(&s, *bugs, Folds::Narrow, 50_000));
        let (blind, blind_visits) = with_visits(search_as(&s, *bugs, Folds::Blind, 50_000));
        let (nv, ne, ns) = outcome(narrow);
        let (bv, be, bs) = outcome(blind);
        eprintln!("{what}: Narrow {nv:?} {ns:?} states, Blind {bv:?} {bs:?} states");
        let (ns, bs) = (ns.expect("narrow complete"), bs.expect("blind complete"));
        assert_eq!(
            Some(nv),
            s.expected(*bugs),
            "{what}: the narrow folds' verdict"
        );
        assert!(bs < ns, "{what}: the fold of the collection merged nothing");
        if nv == Verdict::Hang {
            assert_ne!(bv, Verdict::Hang, "{what}: the hang was not lost");
            lost += 1;
            continue;
        }
        assert_eq!(bv, nv, "{what}: verdict");
        assert_eq!(be, ne, "{what}: C end states");
        assert_eq!(blind_visits, narrow_visits, "{what}: branches visited");
        assert!(
            narrow_visits.contains(&"invalidate-wait"),
            "{what}: {narrow_visits:?}"
        );
    }
    if KERNEL_ERA == "radix-tree" {
        assert_eq!(
            lost, 1,
            "late-wait-registration's hang lost without the folds"
        );
    }
    assert!(!rows.is_empty());
}

/// The branches a search's executions visited, beside its report and end states.
fn with_visits(r: (CheckReport, Vec<u64>)) -> ((CheckReport, Vec<u64>), Vec<&'static str>) {
    let visited = r.0.coverage.visited().iter().map(|b| b.name()).collect();
    (r, visited)
}
