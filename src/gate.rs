//! Choosing checkers and budgets, and the verification gate over the catalogue.

use crate::check::shuttle::Shard;
use crate::check::stateful::{Progress, DEFAULT_MAX_STATES};
use crate::check::target::Target;
use crate::check::{
    check_on, CheckError, CheckReport, Limits, LoomChecker, PctChecker, RandomChecker,
    StatefulChecker, ThreadsChecker, Verdict,
};
use crate::dax::{Branch, BranchSet, Bugs};
use crate::scenario::Scenario;
use crate::sync::ParkingLot;
use std::sync::Arc;
use std::time::Duration;

pub use crate::kind::CheckerKind;

/// How much to explore.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Shuttle / real-thread iterations; `None`: the scenario's, else 2000 (shuttle)
    /// or 200 (threads).
    pub iterations: Option<usize>,
    /// Base seed of shuttle runs.
    pub seed: u64,
    /// The part of the shuttle budget to run.
    pub shard: Shard,
    /// Loom preemption bound; `None`: the scenario's, else the default.
    pub preemption_bound: Option<usize>,
    /// PCT depth; `None`: the scenario's, else 3.
    pub depth: Option<usize>,
    /// Multiplies shuttle and thread iterations (the gate's `--deep`).
    pub scale: usize,
    /// Real-thread watchdog.
    pub watchdog: Duration,
    /// Stop at the first failing execution (benchmarks of schedules to first failure).
    pub first_failure_only: bool,
    /// Stateful: stop (verdict `incomplete`) after this many distinct states.
    pub max_states: usize,
    /// Stateful: parallel workers over one visited set.
    pub jobs: usize,
    /// Loom's bound where neither the command line nor the scenario states one
    /// (`None`: loom's own default, unbounded for two threads). The gate sets
    /// [`GATE_LOOM_BOUND`]: its exhaustive rows are the stateful ones.
    pub loom_default_bound: Option<usize>,
    /// Stateful: search on after the first hang (count hang states, shortest path).
    pub all_hangs: bool,
    /// Stateful: the hang with the fewest scheduling decisions (depth-aware caching).
    pub shortest: bool,
    /// Stateful: no partial-order reduction (`--no-por`).
    pub no_por: bool,
    /// Stateful: live counters for a progress bar.
    pub progress: Option<Arc<Progress>>,
    /// Where scenarios run: the model (default) or a registered target (kernel).
    pub target: Arc<dyn Target>,
    /// Stop each check after this long (verdict `incomplete` unless it found a
    /// failure); `None`: no time limit.
    pub max_time: Option<Duration>,
    /// Stateful: a visited set shared with other processes (`--jobs N` on a serial
    /// target: see [`StatefulChecker::shared_visited`]).
    pub shared_visited: Option<Arc<crate::check::shared_set::SharedSet>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            iterations: None,
            seed: 0,
            shard: Shard::default(),
            preemption_bound: None,
            depth: None,
            scale: 1,
            watchdog: Duration::from_secs(2),
            first_failure_only: false,
            max_states: DEFAULT_MAX_STATES,
            jobs: 1,
            loom_default_bound: None,
            all_hangs: false,
            shortest: false,
            no_por: false,
            progress: None,
            target: Arc::new(crate::check::Model),
            max_time: None,
            shared_visited: None,
        }
    }
}

/// Default shuttle iterations per check.
pub const DEFAULT_ITERATIONS: usize = 2000;
/// The gate's loom bound for scenarios that state none: loom is the cross-check
/// there; the unbounded runs are the stateful rows, and the loom suite
/// (`RUSTFLAGS="--cfg loom" cargo test --release`) runs two-thread scenarios
/// unbounded and compares them with stateful.
pub const GATE_LOOM_BOUND: usize = 3;
/// Default PCT depth.
pub const DEFAULT_PCT_DEPTH: usize = 3;

/// Runs one checker on one scenario variant.
pub fn run_checker(
    kind: CheckerKind,
    scenario: &Scenario,
    bugs: Bugs,
    budget: &Budget,
) -> Result<CheckReport, CheckError> {
    let iterations = budget
        .iterations
        .or(scenario.check.iterations)
        .unwrap_or(DEFAULT_ITERATIONS)
        * budget.scale.max(1);
    let limits = Limits {
        first_failure_only: budget.first_failure_only,
        max_time: budget.max_time,
    };
    match kind {
        CheckerKind::Loom => {
            let bound = budget
                .preemption_bound
                .or(scenario.check.preemption_bound)
                .or(budget.loom_default_bound);
            check_on(
                &*budget.target,
                &LoomChecker::for_threads(scenario.threads.len(), bound),
                scenario,
                bugs,
                limits,
            )
        }
        CheckerKind::Random => check_on(
            &*budget.target,
            &RandomChecker {
                iterations,
                seed: budget.seed,
                shard: budget.shard,
            },
            scenario,
            bugs,
            limits,
        ),
        CheckerKind::Pct => check_on(
            &*budget.target,
            &PctChecker {
                iterations,
                depth: budget
                    .depth
                    .or(scenario.check.pct_depth)
                    .unwrap_or(DEFAULT_PCT_DEPTH),
                seed: budget.seed,
                shard: budget.shard,
            },
            scenario,
            bugs,
            limits,
        ),
        CheckerKind::Stateful => check_on(
            &*budget.target,
            &StatefulChecker {
                max_states: budget.max_states,
                jobs: if budget.target.serial() {
                    1
                } else {
                    budget.jobs.max(1)
                },
                shard: budget.shard,
                replay: None,
                binding: None,
                progress: budget.progress.clone().unwrap_or_default(),
                first_failure_only: budget.first_failure_only,
                all_hangs: budget.all_hangs,
                fair_cycles: true,
                shortest: budget.shortest,
                // Off on serial targets too (`check::stateful::opaque_state`).
                por: !budget.no_por,
                por_blind: false,
                shared_visited: budget.shared_visited.clone(),
            },
            scenario,
            bugs,
            limits,
        ),
        CheckerKind::Threads => check_on(
            &*budget.target,
            &ThreadsChecker::<ParkingLot>::new(
                budget.iterations.unwrap_or(200) * budget.scale.max(1),
                budget.watchdog,
            ),
            scenario,
            bugs,
            limits,
        ),
        CheckerKind::Replay => Err(CheckError::NeedsSchedule {
            name: scenario.name.clone(),
            checker: kind,
        }),
    }
}

/// The checkers a scenario is gated with: its `[check] checkers`, else the default.
pub fn scenario_checkers(scenario: &Scenario) -> Vec<CheckerKind> {
    match &scenario.check.checkers {
        Some(kinds) => kinds.clone(),
        None => CheckerKind::GATE_DEFAULT.to_vec(),
    }
}

/// What the gate expects of a scenario: its `[expect]` table, or, for a scenario that
/// states none (a user's own file), `verified` in the fixed build.
pub fn expectations(scenario: &Scenario) -> Vec<(Bugs, Verdict)> {
    if scenario.expect.is_empty() {
        vec![(Bugs::fixed(), Verdict::Verified)]
    } else {
        scenario.expect.clone()
    }
}

/// What names a row of a results table, the gate's or a merge's: one scenario
/// variant under one checker, with what the scenario expects of it there. A
/// [`GateRow`] is one with its check's report; a merged row
/// ([`crate::merge::Row`]) one with the parts of every input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowId {
    /// Scenario name.
    pub scenario: String,
    /// Variant (`fixed` or a bug name).
    pub bugs: Bugs,
    /// Checker.
    pub checker: CheckerKind,
    /// What the scenario expects (on the target).
    pub expected: Verdict,
}

impl RowId {
    /// `scenario [variant] checker`, as messages name a row.
    pub fn name(&self) -> String {
        format!(
            "{} [{}] {}",
            self.scenario,
            self.bugs.variant(),
            self.checker
        )
    }
}

/// One row of the gate: one scenario variant under one checker, and its report.
#[derive(Debug)]
pub struct GateRow {
    /// The row: scenario, variant, checker, expected verdict (its fields read
    /// through the row: `row.scenario`).
    pub id: RowId,
    /// What it concluded, or why it could not run.
    pub report: Result<CheckReport, CheckError>,
    /// Branches the scenario requires (`[expect] visits`) that no row of its fixed
    /// variant visited; set on the fixed variant's rows once every row has run.
    pub unvisited: Vec<Branch>,
}

impl std::ops::Deref for GateRow {
    type Target = RowId;
    fn deref(&self) -> &RowId {
        &self.id
    }
}

impl GateRow {
    /// The verdict matched the expectation, and the scenario still reaches every
    /// branch it requires.
    pub fn ok(&self) -> bool {
        self.verdict_ok() && self.unvisited.is_empty()
    }

    /// The verdict matched the expectation.
    pub fn verdict_ok(&self) -> bool {
        matches!(&self.report, Ok(r) if r.verdict == self.expected)
    }
}

/// A gate row that does not run, and why: the gate lists it (text and JSON) and
/// counts it, never drops it silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Scenario name.
    pub scenario: String,
    /// Variant.
    pub bugs: Bugs,
    /// Checker.
    pub checker: CheckerKind,
    /// Why it does not run, one sentence.
    pub reason: String,
}

/// One gate row to run: scenario, checker, variant, expected verdict.
type Job<'a> = (&'a Scenario, CheckerKind, Bugs, Verdict);

/// The gate's rows: those that run, in catalogue order, and those skipped, with why.
/// Checkers `only` leaves out are neither (the user chose them away).
fn plan<'a>(
    scenarios: &'a [Scenario],
    only: Option<&[CheckerKind]>,
    budget: &Budget,
) -> (Vec<Job<'a>>, Vec<Skipped>) {
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    let known = budget.target.bug_names();
    for s in scenarios {
        let explicit = s.check.checkers.is_some();
        for kind in scenario_checkers(s) {
            if only.is_some_and(|o| !o.contains(&kind)) {
                continue;
            }
            let max = crate::check::loom::LOOM_MAX_SCENARIO_THREADS;
            let loom_skip = if kind != CheckerKind::Loom {
                None
            } else if !explicit && s.threads.len() > max {
                Some(format!(
                    "{} threads, more than loom models ({max}); the stateful rows search them",
                    s.threads.len()
                ))
            } else if budget.shard.index > 0 {
                // Loom's exploration is not sharded: shard 0 runs it whole (as `run
                // --shard` does).
                Some(format!(
                    "loom does not shard: it runs in shard 0 (this is shard {})",
                    budget.shard
                ))
            } else {
                None
            };
            for (bugs, expected) in expectations(s) {
                let skip = |reason: String| Skipped {
                    scenario: s.name.clone(),
                    bugs,
                    checker: kind,
                    reason,
                };
                if let Some(reason) = &loom_skip {
                    skipped.push(skip(reason.clone()));
                    continue;
                }
                // A scenario the target has no code for (a kernel tree older than one
                // of its operations) does not run.
                if let Some(why) = budget.target.cannot_run(s) {
                    skipped.push(skip(why));
                    continue;
                }
                // A variant the target cannot re-introduce (a model-only bug on the
                // kernel target) does not run; bug coverage asks only for its bugs.
                if let Some(missing) = bugs.names().into_iter().find(|n| !known.contains(n)) {
                    skipped.push(skip(format!(
                        "the {} target cannot re-introduce {missing}",
                        budget.target.name()
                    )));
                    continue;
                }
                let expected = budget.target.expected(&s.name, bugs, expected);
                jobs.push((s, kind, bugs, expected));
            }
        }
    }
    (jobs, skipped)
}

/// The rows [`verify`] skips with the same arguments, and why.
pub fn skipped_rows(
    scenarios: &[Scenario],
    only: Option<&[CheckerKind]>,
    budget: &Budget,
) -> Vec<Skipped> {
    plan(scenarios, only, budget).1
}

/// Runs every scenario × expected variant ([`expectations`]) × checker on worker threads (each check is
/// independent: loom and shuttle keep their state per OS thread): one for the loom
/// jobs, the other cores for the rest. `only` restricts the checkers; loom is skipped (not failed)
/// for scenarios with more threads than it models, unless the scenario names loom
/// explicitly; in a shard other than 0 (`budget.shard`) loom is left out, as it does
/// not shard. `progress` is told each row as it finishes; the rows are returned in
/// catalogue order; the rows it skips are [`skipped_rows`].
pub fn verify(
    scenarios: &[Scenario],
    only: Option<&[CheckerKind]>,
    budget: &Budget,
    mut progress: impl FnMut(&GateRow),
) -> Vec<GateRow> {
    let (jobs, _) = plan(scenarios, only, budget);
    // Two loom runs in one process slow each other down fourfold (every execution
    // maps and unmaps its threads' stacks, and each unmap interrupts the other core):
    // one worker takes the loom jobs, one at a time, then helps with the rest; the
    // others take the rest, stateful searches (the longest) first.
    let (loom, mut rest): (Vec<usize>, Vec<usize>) =
        (0..jobs.len()).partition(|&i| jobs[i].1 == CheckerKind::Loom);
    rest.sort_by_key(|&i| jobs[i].1 != CheckerKind::Stateful);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rest_workers = cores.saturating_sub(1).max(1);
    // Two work queues, filled before any worker starts: a worker takes jobs until
    // its queues are empty.
    let queue = |jobs: Vec<usize>| {
        let (tx, rx) = crossbeam_channel::unbounded();
        jobs.into_iter()
            .for_each(|i| tx.send(i).expect("the queue is open"));
        rx
    };
    let (loom, rest) = (queue(loom), queue(rest));
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut rows: Vec<Option<GateRow>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        for w in 0..=rest_workers {
            let queues = if w == 0 {
                vec![loom.clone(), rest.clone()]
            } else {
                vec![rest.clone()]
            };
            let (tx, jobs) = (tx.clone(), &jobs);
            scope.spawn(move || {
                for i in queues.iter().flat_map(|q| q.try_iter()) {
                    let (s, kind, bugs, expected) = jobs[i];
                    let row = GateRow {
                        id: RowId {
                            scenario: s.name.clone(),
                            bugs,
                            checker: kind,
                            expected,
                        },
                        report: run_checker(kind, s, bugs, budget),
                        unvisited: Vec::new(),
                    };
                    if tx.send((i, row)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Rows arrive as they finish; each goes to its place in catalogue order.
        for (i, row) in rx {
            progress(&row);
            rows[i] = Some(row);
        }
    });
    let mut rows: Vec<GateRow> = rows.into_iter().flatten().collect();
    if budget.target.tracks_branches() {
        mark_unvisited(scenarios, &mut rows, &*budget.target);
    }
    rows
}

/// Checks every scenario's `[expect] visits` against its fixed variant's rows: a
/// required branch counts as reached if any row of the fixed variant (any checker)
/// visited it in any execution; each branch no such row visited is recorded on every
/// one of those rows, which then fail. A scenario none of whose fixed rows ran (say
/// `verify --checker` left its checkers out, or every one could not run, which
/// fails those rows already) claims no fixed verdict and is not checked here.
pub fn mark_unvisited(scenarios: &[Scenario], rows: &mut [GateRow], target: &dyn Target) {
    for s in scenarios.iter().filter(|s| !s.visits.is_empty()) {
        let fixed = |r: &GateRow| r.scenario == s.name && r.bugs == Bugs::fixed();
        let mut visited = crate::dax::BranchSet::EMPTY;
        let mut ran = false;
        for r in rows.iter().filter(|r| fixed(r)) {
            if let Ok(report) = &r.report {
                ran = true;
                report
                    .coverage
                    .visited()
                    .iter()
                    .for_each(|b| visited.insert(b));
            }
        }
        if !ran {
            continue;
        }
        let missing: Vec<Branch> = s
            .visits
            .iter()
            .copied()
            .filter(|b| target.demands_visit(&s.name, *b) && !visited.contains(*b))
            .collect();
        for r in rows.iter_mut().filter(|r| fixed(r)) {
            r.unvisited.clone_from(&missing);
        }
    }
}

/// Scenarios that no longer reach a branch they require, with those branches, in
/// row order.
pub fn missed_visits(rows: &[GateRow]) -> Vec<(&str, &[Branch])> {
    let mut out: Vec<(&str, &[Branch])> = Vec::new();
    for r in rows.iter().filter(|r| !r.unvisited.is_empty()) {
        if !out.iter().any(|(s, _)| *s == r.scenario) {
            out.push((&r.scenario, &r.unvisited));
        }
    }
    out
}

/// Branches of `visible` (the target's) that no row of the gate visited, in any
/// scenario, variant or checker.
pub fn unvisited_branches(rows: &[GateRow], visible: BranchSet) -> Vec<Branch> {
    let mut visited = crate::dax::BranchSet::EMPTY;
    for r in rows {
        if let Ok(report) = &r.report {
            report
                .coverage
                .visited()
                .iter()
                .for_each(|b| visited.insert(b));
        }
    }
    visible.iter().filter(|b| !visited.contains(*b)).collect()
}

/// Bugs that no row of the gate caught: the gate fails on any.
///
/// A bug is covered by a row that re-introduced it alone, ran, and reached the
/// failing verdict its scenario expects (verdict == expected != verified). An
/// `[expect]` line alone covers nothing: a scenario whose checkers never ran it (say
/// `[check] checkers = []`, or `verify --checker` leaving them out), or whose row
/// failed, does not count.
pub fn uncovered_bugs(rows: &[GateRow]) -> Vec<&'static str> {
    uncovered_bugs_of(rows, &crate::check::Model)
}

/// [`uncovered_bugs`] among the bugs `target` can re-introduce.
pub fn uncovered_bugs_of(rows: &[GateRow], target: &dyn Target) -> Vec<&'static str> {
    let candidates = crate::dax::bugs::ALL_BUGS
        .iter()
        .filter(|b| target.bug_names().contains(&b.name))
        .filter(|b| !target.unreachable_bugs().iter().any(|(n, _)| *n == b.name))
        .map(|b| b.name);
    uncaught(candidates, rows.iter().map(|r| (&r.id, r.verdict_ok())))
}

/// Of `candidates` (bug names, in the order to list them), those no row caught: the
/// one rule of bug coverage, for the gate's rows and a merge's. Each row is given
/// with whether it ran and reached its expected verdict; a bug is caught by a row
/// that re-introduced it alone and reached the failing verdict its scenario expects.
pub fn uncaught<'a>(
    candidates: impl IntoIterator<Item = &'static str>,
    rows: impl IntoIterator<Item = (&'a RowId, bool)>,
) -> Vec<&'static str> {
    let caught: Vec<&'static str> = rows
        .into_iter()
        .filter(|(id, reached)| *reached && id.expected != Verdict::Verified)
        .filter_map(|(id, _)| match id.bugs.names()[..] {
            [bug] => Some(bug),
            _ => None,
        })
        .collect();
    candidates
        .into_iter()
        .filter(|b| !caught.contains(b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bugs: Bugs, expected: Verdict, got: Option<Verdict>) -> GateRow {
        GateRow {
            id: RowId {
                scenario: "s".into(),
                bugs,
                checker: CheckerKind::Pct,
                expected,
            },
            report: match got {
                Some(verdict) => Ok(CheckReport::single(CheckerKind::Pct, verdict)),
                None => Err(CheckError::NoExecution {
                    name: "s".into(),
                    variant: bugs.variant(),
                    checker: CheckerKind::Pct,
                    budget: "0 iterations".into(),
                }),
            },
            unvisited: Vec::new(),
        }
    }

    /// A required branch is reached if any fixed row of the scenario (any checker)
    /// visited it; otherwise every fixed row of the scenario fails, naming it. Bug
    /// rows and other scenarios are untouched, and a scenario none of whose fixed
    /// rows ran is not checked.
    #[test]
    fn visits_are_the_union_of_the_fixed_rows() {
        let text = r#"name = "s"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000 } ]
[expect]
visits = ["grab-wait", "pte-cow"]
fixed = "verified"
misaligned-pmd = "verified"
"#;
        let s = Scenario::from_toml(text, "s.toml").unwrap();
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        let visiting = |bugs: Bugs, branches: &[Branch]| {
            let mut r = row(bugs, Verdict::Verified, Some(Verdict::Verified));
            if let Ok(report) = &mut r.report {
                report.coverage.add(branches.iter().copied().collect());
            }
            r
        };
        // grab-wait by one checker, pte-cow by another: reached.
        let mut rows = vec![
            visiting(Bugs::fixed(), &[Branch::GrabWait]),
            visiting(Bugs::fixed(), &[Branch::PteCow]),
        ];
        mark_unvisited(
            std::slice::from_ref(&s),
            &mut rows,
            &crate::check::target::Model,
        );
        assert!(rows.iter().all(GateRow::ok));
        assert!(missed_visits(&rows).is_empty());
        // pte-cow only by the bug's row: both fixed rows fail.
        let mut rows = vec![
            visiting(Bugs::fixed(), &[Branch::GrabWait]),
            visiting(Bugs::fixed(), &[]),
            visiting(bug, &[Branch::PteCow]),
        ];
        mark_unvisited(
            std::slice::from_ref(&s),
            &mut rows,
            &crate::check::target::Model,
        );
        assert_eq!(rows[0].unvisited, [Branch::PteCow]);
        assert_eq!(rows[1].unvisited, [Branch::PteCow]);
        assert!(!rows[0].ok() && rows[0].verdict_ok());
        assert!(rows[2].ok());
        assert_eq!(missed_visits(&rows), [("s", &[Branch::PteCow][..])]);
        assert_eq!(
            unvisited_branches(&rows, BranchSet::all()).len(),
            Branch::COUNT - 2,
            "grab-wait and pte-cow were visited"
        );
        // No fixed row ran: nothing to check.
        let mut rows = vec![row(Bugs::fixed(), Verdict::Verified, None)];
        mark_unvisited(
            std::slice::from_ref(&s),
            &mut rows,
            &crate::check::target::Model,
        );
        assert!(rows[0].unvisited.is_empty());
    }

    /// However the work queues hand the rows out (the stateful ones first, loom on
    /// one worker), every planned row comes back once, in catalogue order, and
    /// progress hears of each.
    #[test]
    fn verify_returns_every_row_in_plan_order() {
        let scenarios: Vec<Scenario> = crate::scenario::builtin_catalogue()
            .unwrap()
            .into_iter()
            .filter(|s| ["bug-no-recheck", "fsync-vs-read-fault"].contains(&s.name.as_str()))
            .collect();
        assert_eq!(scenarios.len(), 2);
        let budget = Budget {
            iterations: Some(5),
            preemption_bound: Some(1),
            max_states: 5000,
            ..Budget::default()
        };
        let only = [
            CheckerKind::Pct,
            CheckerKind::Loom,
            CheckerKind::Stateful,
            CheckerKind::Random,
        ];
        let mut heard = 0;
        let rows = verify(&scenarios, Some(&only), &budget, |_| heard += 1);
        let (jobs, _) = plan(&scenarios, Some(&only), &budget);
        let want: Vec<_> = jobs
            .iter()
            .map(|(s, k, b, _)| (s.name.as_str(), *k, *b))
            .collect();
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.scenario.as_str(), r.checker, r.bugs))
            .collect();
        assert_eq!(got, want);
        assert_eq!(heard, jobs.len());
        assert!(rows.iter().all(|r| r.report.is_ok()));
    }

    /// Only a row that ran and caught its bug covers it.
    #[test]
    fn coverage_comes_from_rows_that_caught_their_bug() {
        let all: Vec<&str> = crate::dax::bugs::ALL_BUGS.iter().map(|b| b.name).collect();
        assert_eq!(uncovered_bugs(&[]), all);
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        let others: Vec<&str> = all
            .iter()
            .copied()
            .filter(|n| *n != "misaligned-pmd")
            .collect();
        // Caught as expected: covered.
        let caught = [row(bug, Verdict::Hang, Some(Verdict::Hang))];
        assert_eq!(uncovered_bugs(&caught), others);
        // Expected but missed, not run, or expected to verify: not covered.
        for rows in [
            [row(bug, Verdict::Hang, Some(Verdict::Verified))],
            [row(bug, Verdict::Hang, Some(Verdict::Invariant))],
            [row(bug, Verdict::Hang, None)],
            [row(bug, Verdict::Verified, Some(Verdict::Verified))],
        ] {
            assert_eq!(uncovered_bugs(&rows), all);
        }
    }
}
