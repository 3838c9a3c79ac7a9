//! Budgets (the overrides with a target and limits), running planned checks, and the
//! verification gate over the catalogue. Which checkers run, and with what, is
//! [`crate::check::plan`]'s.

use crate::check::plan::{self, Overrides, Planned, Purpose, Skip};
use crate::check::stateful::Progress;
use crate::check::target::Target;
use crate::check::{
    check_on, CheckError, CheckReport, CheckerConfig, Limits, ThreadsChecker, Verdict,
};
use crate::dax::{Branch, BranchSet, Bugs};
use crate::scenario::Scenario;
use crate::schema::{Part, ResultDoc, Row, RowId};
use crate::sync::{Backend, ParkingLot, StdSync};
use std::sync::Arc;
use std::time::Duration;

pub use crate::kind::CheckerKind;

/// What to check with, beyond the checkers' parameters: where, with what limits.
#[derive(Debug, Clone)]
pub struct Budget {
    /// The parameters stated (the command line's); [`plan::configure`] fills in the
    /// rest.
    pub overrides: Overrides,
    /// Stop at the first failing execution (benchmarks of schedules to first failure).
    pub first_failure_only: bool,
    /// Stateful: live counters for a progress bar.
    pub progress: Option<Arc<Progress>>,
    /// Where scenarios run: the model (default) or a registered target (kernel).
    pub target: Arc<dyn Target>,
    /// Stop each check after this long (verdict `incomplete` unless it found a
    /// failure); `None`: no time limit.
    pub max_time: Option<Duration>,
    /// Stateful: a visited set shared with other processes (`--jobs N` on a serial
    /// target: see [`crate::check::StatefulChecker::shared_visited`]).
    pub shared_visited: Option<Arc<crate::check::shared_set::SharedSet>>,
    /// Stateful, on a serial target: runs a row's search as processes over one
    /// shared visited set (`verify --jobs N` on the kernel target; the front end
    /// sets it, as only it can start this program again). `None`: in this process.
    pub processes: Option<Processes>,
}

/// Runs one stateful check of a serial target as several processes over one
/// visited set in shared memory (`--jobs N`: the kernel's C state is global to a
/// process) and returns its result as one search's: [`verify`] runs each stateful
/// row of such a budget through it, one row at a time.
#[derive(Clone)]
pub struct Processes(pub Arc<ProcessRunner>);

/// What [`Processes`] calls: the scenario, the row's configuration, the variant and
/// the verdict expected, to the row's one result.
pub type ProcessRunner =
    dyn Fn(&Scenario, &CheckerConfig, Bugs, Verdict) -> ResultDoc + Send + Sync;

impl std::fmt::Debug for Processes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Processes")
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            overrides: Overrides::default(),
            first_failure_only: false,
            progress: None,
            target: Arc::new(crate::check::Model),
            max_time: None,
            shared_visited: None,
            processes: None,
        }
    }
}

impl Budget {
    /// The default budget with these overrides.
    pub fn with(overrides: Overrides) -> Self {
        Budget {
            overrides,
            ..Budget::default()
        }
    }
}

/// Runs one checker on one scenario variant, configured by [`plan::configure`] (a
/// replay needs a schedule: an error).
pub fn run_checker(
    kind: CheckerKind,
    scenario: &Scenario,
    bugs: Bugs,
    budget: &Budget,
) -> Result<CheckReport, CheckError> {
    let config = plan::configure(kind, scenario, &budget.overrides, &*budget.target);
    run_config(config, scenario, bugs, budget)
}

/// Runs one configured check on one scenario variant, with `budget`'s target,
/// limits and live counters.
pub fn run_config(
    config: CheckerConfig,
    scenario: &Scenario,
    bugs: Bugs,
    budget: &Budget,
) -> Result<CheckReport, CheckError> {
    let limits = Limits {
        first_failure_only: budget.first_failure_only,
        max_time: budget.max_time,
    };
    let target = &*budget.target;
    match config {
        CheckerConfig::Loom(c) => check_on(target, &c, scenario, bugs, limits),
        CheckerConfig::Random(c) => check_on(target, &c, scenario, bugs, limits),
        CheckerConfig::Pct(c) => check_on(target, &c, scenario, bugs, limits),
        CheckerConfig::Stateful(mut c) => {
            c.progress = budget.progress.clone().unwrap_or_default();
            c.first_failure_only = budget.first_failure_only;
            c.shared_visited = budget.shared_visited.clone();
            check_on(target, &c, scenario, bugs, limits)
        }
        CheckerConfig::Threads(c) if c.backend == StdSync::NAME => check_on(
            target,
            &ThreadsChecker::<StdSync>::from_config(c),
            scenario,
            bugs,
            limits,
        ),
        CheckerConfig::Threads(c) => check_on(
            target,
            &ThreadsChecker::<ParkingLot>::from_config(c),
            scenario,
            bugs,
            limits,
        ),
        CheckerConfig::Replay(_) => Err(CheckError::NeedsSchedule {
            name: scenario.name.clone(),
            checker: config.kind(),
        }),
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

/// One gate row to run: scenario, configuration, variant, expected verdict.
type Job<'a> = (&'a Scenario, CheckerConfig, Bugs, Verdict);

/// Why the gate does not run a checker [`plan::plan`] left out, one sentence.
fn skip_reason(skip: Skip) -> String {
    match skip {
        Skip::TooManyThreads { threads, max } => format!(
            "{threads} threads, more than loom models ({max}); the stateful rows search them"
        ),
        // Loom's exploration is not sharded: shard 0 runs it whole (as `run --shard`
        // does).
        Skip::NotShard0(shard) => {
            format!("loom does not shard: it runs in shard 0 (this is shard {shard})")
        }
    }
}

/// The overrides as the gate plans with them.
fn gate_overrides(budget: &Budget) -> Overrides {
    Overrides {
        purpose: Purpose::Gate,
        ..budget.overrides.clone()
    }
}

/// The gate's rows: those that run, in catalogue order, and those skipped, with why.
/// Checkers the overrides leave out are neither (the user chose them away).
fn rows_of<'a>(scenarios: &'a [Scenario], budget: &Budget) -> (Vec<Job<'a>>, Vec<Skipped>) {
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    let known = budget.target.bug_names();
    let overrides = gate_overrides(budget);
    for s in scenarios {
        for Planned { kind, config } in plan::plan(s, &overrides, &*budget.target) {
            for (bugs, expected) in expectations(s) {
                let skip = |reason: String| Skipped {
                    scenario: s.name.clone(),
                    bugs,
                    checker: kind,
                    reason,
                };
                let config = match &config {
                    Ok(c) => c.clone(),
                    Err(why) => {
                        skipped.push(skip(skip_reason(*why)));
                        continue;
                    }
                };
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
                jobs.push((s, search_on(s, config, bugs, expected), bugs, expected));
            }
        }
    }
    (jobs, skipped)
}

/// A stateful row whose coverage the gate judges ([`mark_unvisited`]: the fixed
/// variant of a scenario with `[expect] visits`) and whose expected verdict is a
/// hang searches on after the first hang (`--all-hangs`), so that its visits are
/// judged over the whole space: a hang is the one failure that stops the search
/// (every other failure is counted and searched past, `SearchStats::failing`).
fn search_on(s: &Scenario, config: CheckerConfig, bugs: Bugs, expected: Verdict) -> CheckerConfig {
    match config {
        CheckerConfig::Stateful(mut c)
            if bugs == Bugs::fixed() && expected == Verdict::Hang && !s.visits.is_empty() =>
        {
            c.all_hangs = true;
            CheckerConfig::Stateful(c)
        }
        config => config,
    }
}

/// The rows [`verify`] skips with the same budget, and why.
pub fn skipped_rows(scenarios: &[Scenario], budget: &Budget) -> Vec<Skipped> {
    rows_of(scenarios, budget).1
}

/// The checkers the gate chooses for any of `scenarios` (run or skipped), in the
/// order of [`CheckerKind::CHOOSABLE`].
pub fn chosen_checkers(scenarios: &[Scenario], budget: &Budget) -> Vec<CheckerKind> {
    let overrides = gate_overrides(budget);
    let chosen: Vec<CheckerKind> = scenarios
        .iter()
        .flat_map(|s| plan::plan(s, &overrides, &*budget.target))
        .map(|p| p.kind)
        .collect();
    CheckerKind::CHOOSABLE
        .into_iter()
        .filter(|k| chosen.contains(k))
        .collect()
}

/// Runs every scenario × expected variant ([`expectations`]) × checker on worker threads (each check is
/// independent: loom and shuttle keep their state per OS thread): one for the loom
/// jobs, the other cores for the rest. The overrides' checkers restrict the checkers; loom is skipped (not failed)
/// for scenarios with more threads than it models, unless the scenario names loom
/// explicitly; in a shard other than 0 (`budget.shard`) loom is left out, as it does
/// not shard. `progress` is told each row as it finishes; the rows are returned in
/// catalogue order; the rows it skips are [`skipped_rows`].
pub fn verify(scenarios: &[Scenario], budget: &Budget, progress: impl FnMut(&Row)) -> Vec<Row> {
    let (jobs, _) = rows_of(scenarios, budget);
    let mut rows = run_jobs(&jobs, budget, progress);
    if budget.target.tracks_branches() {
        mark_unvisited(scenarios, &mut rows, &*budget.target);
    }
    rows
}

/// One job's row: its check, run (a stateful search of a budget with
/// [`Budget::processes`]: by those processes, one such row at a time).
fn run_job((s, config, bugs, expected): &Job<'_>, budget: &Budget) -> Row {
    let id = RowId {
        scenario: s.name.clone(),
        bugs: *bugs,
        checker: config.kind(),
        expected: *expected,
    };
    if let (Some(Processes(run)), CheckerConfig::Stateful(c)) = (&budget.processes, config) {
        if !c.shortest && !c.fewest_preemptions {
            let _one_at_a_time = crate::check::run::serial_guard();
            let part = Part {
                file: String::new(),
                result: run(s, config, *bugs, *expected),
                check: None,
            };
            return Row {
                id,
                parts: vec![part],
                unvisited: Vec::new(),
            };
        }
    }
    Row::of_check(
        id,
        s.path.as_deref(),
        run_config(config.clone(), s, *bugs, budget),
    )
}

/// The two work queues of [`run_jobs`], filled before any worker starts (a worker
/// takes jobs until its queues are empty): the loom jobs, and the rest, stateful
/// searches (the longest) first.
fn work_queues(
    jobs: &[Job<'_>],
) -> (
    crossbeam_channel::Receiver<usize>,
    crossbeam_channel::Receiver<usize>,
) {
    let (loom, mut rest): (Vec<usize>, Vec<usize>) =
        (0..jobs.len()).partition(|&i| jobs[i].1.kind() == CheckerKind::Loom);
    rest.sort_by_key(|&i| jobs[i].1.kind() != CheckerKind::Stateful);
    let queue = |jobs: Vec<usize>| {
        let (tx, rx) = crossbeam_channel::unbounded();
        jobs.into_iter()
            .for_each(|i| tx.send(i).expect("the queue is open"));
        rx
    };
    (queue(loom), queue(rest))
}

/// Runs `jobs` on worker threads and returns their rows in job order; `progress` is
/// told each row as it finishes.
///
/// Two loom runs in one process slow each other down fourfold (every execution maps
/// and unmaps its threads' stacks, and each unmap interrupts the other core): one
/// worker takes the loom jobs, one at a time, then helps with the rest; the other
/// cores take the rest ([`work_queues`]).
fn run_jobs(jobs: &[Job<'_>], budget: &Budget, mut progress: impl FnMut(&Row)) -> Vec<Row> {
    let (loom, rest) = work_queues(jobs);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rest_workers = cores.saturating_sub(1).max(1);
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut rows: Vec<Option<Row>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        for w in 0..=rest_workers {
            let queues = if w == 0 {
                vec![loom.clone(), rest.clone()]
            } else {
                vec![rest.clone()]
            };
            let tx = tx.clone();
            scope.spawn(move || {
                for i in queues.iter().flat_map(|q| q.try_iter()) {
                    if tx.send((i, run_job(&jobs[i], budget))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Rows arrive as they finish; each goes to its place in job order.
        for (i, row) in rx {
            progress(&row);
            rows[i] = Some(row);
        }
    });
    rows.into_iter().flatten().collect()
}

/// Checks every scenario's `[expect] visits` against its fixed variant's rows: a
/// required branch counts as reached if any row of the fixed variant (any checker)
/// visited it in any execution; each branch no such row visited is recorded on every
/// one of those rows, which then fail. A scenario none of whose fixed rows ran (say
/// `verify --checker` left its checkers out, or every one could not run, which
/// fails those rows already) claims no fixed verdict and is not checked here.
pub fn mark_unvisited(scenarios: &[Scenario], rows: &mut [Row], target: &dyn Target) {
    for s in scenarios.iter().filter(|s| !s.visits.is_empty()) {
        let fixed = |r: &Row| r.scenario == s.name && r.bugs == Bugs::fixed();
        let mut visited = crate::dax::BranchSet::EMPTY;
        let mut ran = false;
        for r in rows.iter().filter(|r| fixed(r)) {
            for coverage in r.parts.iter().filter_map(Part::coverage) {
                ran = true;
                coverage.visited().iter().for_each(|b| visited.insert(b));
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
pub fn missed_visits(rows: &[Row]) -> Vec<(&str, &[Branch])> {
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
pub fn unvisited_branches(rows: &[Row], visible: BranchSet) -> Vec<Branch> {
    let mut visited = crate::dax::BranchSet::EMPTY;
    for r in rows {
        for coverage in r.parts.iter().filter_map(Part::coverage) {
            coverage.visited().iter().for_each(|b| visited.insert(b));
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
pub fn uncovered_bugs(rows: &[Row]) -> Vec<&'static str> {
    uncovered_bugs_of(rows, &crate::check::Model)
}

/// [`uncovered_bugs`] among the bugs `target` can re-introduce.
pub fn uncovered_bugs_of(rows: &[Row], target: &dyn Target) -> Vec<&'static str> {
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

    fn row(bugs: Bugs, expected: Verdict, got: Option<Verdict>) -> Row {
        let id = RowId {
            scenario: "s".into(),
            bugs,
            checker: CheckerKind::Pct,
            expected,
        };
        let check = match got {
            Some(verdict) => Ok(CheckReport::single(CheckerKind::Pct, verdict)),
            None => Err(CheckError::NoExecution {
                name: "s".into(),
                variant: bugs.variant(),
                checker: CheckerKind::Pct,
                budget: "0 iterations".into(),
            }),
        };
        Row::of_check(id, None, check)
    }

    /// A one-fault scenario `s` with this `[expect]` table.
    fn one_fault(expect: &str) -> Scenario {
        let text = format!(
            r#"name = "s"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000000000 }} ]
[expect]
{expect}
"#
        );
        Scenario::from_toml(&text, "s.toml").unwrap()
    }

    /// A required branch is reached if any fixed row of the scenario (any checker)
    /// visited it; otherwise every fixed row of the scenario fails, naming it. Bug
    /// rows and other scenarios are untouched, and a scenario none of whose fixed
    /// rows ran is not checked.
    #[test]
    fn visits_are_the_union_of_the_fixed_rows() {
        let s = one_fault(
            r#"visits = ["grab-wait", "pte-cow"]
fixed = "verified"
misaligned-pmd = "verified""#,
        );
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        let visiting = |bugs: Bugs, branches: &[Branch]| {
            let mut r = row(bugs, Verdict::Verified, Some(Verdict::Verified));
            if let crate::schema::Body::Ran(ran) = &mut r.parts[0].result.body {
                ran.coverage.add(branches.iter().copied().collect());
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
        assert!(rows.iter().all(Row::ok));
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
        let budget = Budget::with(Overrides {
            checkers: Some(vec![
                CheckerKind::Pct,
                CheckerKind::Loom,
                CheckerKind::Stateful,
                CheckerKind::Random,
            ]),
            iterations: Some(5),
            preemption_bound: Some(1),
            max_states: Some(5000),
            ..Overrides::default()
        });
        let mut heard = 0;
        let rows = verify(&scenarios, &budget, |_| heard += 1);
        let (jobs, _) = rows_of(&scenarios, &budget);
        let want: Vec<_> = jobs
            .iter()
            .map(|(s, c, b, _)| (s.name.as_str(), c.kind(), *b))
            .collect();
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.scenario.as_str(), r.checker, r.bugs))
            .collect();
        assert_eq!(got, want);
        assert_eq!(heard, jobs.len());
        assert!(rows.iter().all(|r| r.parts[0].error().is_none()));
    }

    /// A fixed stateful row expected to hang on a scenario with visits searches on
    /// after the first hang; without visits, or another verdict, it stops there
    /// (`a_failing_row_is_searched_to_the_end`, tests/stateful_suite.rs, shows what
    /// stopping misses).
    #[test]
    fn a_fixed_hang_row_with_visits_searches_on() {
        let budget = Budget::with(Overrides {
            checkers: Some(vec![CheckerKind::Stateful]),
            ..Overrides::default()
        });
        let all_hangs = |visits: &str| -> Vec<(Bugs, bool)> {
            let s = one_fault(&format!(
                "{visits}\nfixed = \"hang\"\nmisaligned-pmd = \"hang\""
            ));
            let (jobs, _) = rows_of(std::slice::from_ref(&s), &budget);
            jobs.iter()
                .map(|(_, c, b, _)| match c {
                    CheckerConfig::Stateful(c) => (*b, c.all_hangs),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        assert_eq!(
            all_hangs(r#"visits = ["grab-wait"]"#),
            [(Bugs::fixed(), true), (bug, false)]
        );
        assert_eq!(all_hangs(""), [(Bugs::fixed(), false), (bug, false)]);
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
