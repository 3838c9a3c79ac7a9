//! Running a check: one execution body, generic over the backend, explored by any
//! [`Checker`]; executions folded by [`super::fold`].
//!
//! A checker only decides *which schedules* run; what one execution does (build the
//! mapping, spawn the scenario's threads, run their operations, check the end
//! state) and how its outcome becomes a verdict are written once, here.

use super::binding::Binding;
use super::checker::{Body, Checker, Control, Exploration, Numbering, Stop, SCHEDULE_MISFIT};
use super::config::Configured;
use super::fold::{CheckError, CheckReport, Collector, ExecOutcome, Failure, Limits};
use super::target::{Model, SystemMaker, Target};
use super::trace::{Event, Recorder};
use crate::dax::{Access, AccessResult, Bugs, Harm, HarmKind, MappingConfig, System};
use crate::scenario::{Op, Scenario};
use crate::sync::poison_free::Mutex;
use crate::sync::stateful_backend::arena;
use crate::sync::Backend;
use crate::verdict::Verdict;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub use super::target::MAPPING_ID;

/// Runs one thread's operations; returns problems it met.
fn run_ops<B: Backend>(m: &dyn System<B>, ops: &[Op]) -> ExecOutcome {
    let out = run_each_op(m, ops);
    // All this thread has left to do is to return `out`: how it got here is
    // forgotten, so that the stateful checker merges the states of a finished
    // thread that differ only in its history (its joiner reads `out`, nothing else).
    B::checkpoint(&("finished", &out));
    out
}

/// [`run_ops`] but the last checkpoint.
fn run_each_op<B: Backend>(m: &dyn System<B>, ops: &[Op]) -> ExecOutcome {
    let mut out = ExecOutcome::default();
    for (i, op) in ops.iter().enumerate() {
        // All this thread holds between two operations: where it is and what it found.
        B::checkpoint(&(i, &out));
        match *op {
            Op::Fault { addr, size, write } => {
                match m.access(addr, Access::from_write(write), size) {
                    AccessResult::Mapped { .. } => {}
                    AccessResult::WrongPage {
                        mapped, expected, ..
                    } => out.harms.push(Harm::new(
                        HarmKind::WrongPage,
                        format!(
                            "access at {addr:#x} went through a mapping of frame {mapped:#x} where the block map gives {}",
                            expected.map_or("a hole".to_owned(), |e| format!("frame {e:#x}"))
                        ),
                    )),
                    AccessResult::Sigbus { spurious: false } => return out,
                    AccessResult::Sigbus { spurious: true } => {
                        out.sigbus
                            .push(format!("SIGBUS at {addr:#x} inside the file"));
                        return out;
                    }
                    AccessResult::NoProgress => out.harms.push(Harm::invariant(format!(
                        "access at {addr:#x} made no progress after {} faults",
                        m.fault_limit()
                    ))),
                    AccessResult::NoVma => out
                        .harms
                        .push(Harm::invariant(format!("no VMA contains {addr:#x}"))),
                }
            }
            Op::Fsync => out.harms.extend(m.fsync()),
            Op::Truncate { size_pages } => m.truncate(size_pages),
            Op::Write { pgoff, pages } => m.write(pgoff, pages),
            Op::MemoryFailure { pgoff } => m.memory_failure(pgoff),
        }
    }
    out
}
/// One execution: build the system, run every thread, join, check the end state.
/// The runner's recorder, reached by address from an execution's mapping.
struct Borrowed(*const Recorder);

// SAFETY: a `Recorder` is `Sync`; the runner keeps it (in an `Arc`) for longer than
// any execution, and a stopped execution's leaked mapping never runs again.
unsafe impl Send for Borrowed {}
// SAFETY: as above.
unsafe impl Sync for Borrowed {}

impl crate::dax::observe::Observer for Borrowed {
    fn event(&self, name: &'static str, fields: Vec<(&'static str, crate::dax::observe::Value)>) {
        // SAFETY: see the type's doc.
        unsafe { &*self.0 }.event(name, fields);
    }

    fn branch(&self, branch: crate::dax::Branch) {
        // SAFETY: see the type's doc.
        unsafe { &*self.0 }.branch(branch);
    }
}

fn execute<B: Backend>(
    maker: &SystemMaker<B>,
    config: &MappingConfig,
    recorder: &Arc<Recorder>,
    threads: &[Vec<Op>],
) -> ExecOutcome {
    // The recorder by reference: a count of the runner's recorder changed inside
    // an execution would not be restored with a stateful snapshot.
    let observer: Arc<dyn crate::dax::observe::Observer> =
        Arc::new(Borrowed(Arc::as_ptr(recorder)));
    let m = maker(config, observer);
    let handles: Vec<_> = threads
        .iter()
        .enumerate()
        .map(|(i, ops)| {
            let (m, ops) = (m.clone(), ops.clone());
            B::spawn(format!("t{}", i + 1), move || run_ops(&*m, &ops))
        })
        .collect();
    let mut outcome = ExecOutcome::default();
    for h in handles {
        match B::join(h) {
            Ok(o) => {
                outcome.harms.extend(o.harms);
                outcome.sigbus.extend(o.sigbus);
            }
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
    if !B::end_state_known() {
        outcome.harms.extend(m.end_state_violations());
    }
    outcome
}

/// Checks one scenario with `bugs` re-introduced under `checker`.
pub fn check<C: Checker + Configured>(
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
) -> Result<CheckReport, CheckError> {
    check_with(checker, scenario, bugs, false)
}

/// [`check`], stopping at the first failing execution when `first_failure_only` (for
/// measuring schedules to the first failure).
pub fn check_with<C: Checker + Configured>(
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
    first_failure_only: bool,
) -> Result<CheckReport, CheckError> {
    check_limited(
        checker,
        scenario,
        bugs,
        Limits {
            first_failure_only,
            max_time: None,
        },
    )
}

/// [`check`] within `limits`: a time limit, or only up to the first failure.
pub fn check_limited<C: Checker + Configured>(
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
    limits: Limits,
) -> Result<CheckReport, CheckError> {
    check_on(&Model, checker, scenario, bugs, limits)
}

/// Checks of a serial target ([`Target::serial`]) run one at a time in a process.
static SERIAL: Mutex<()> = Mutex::new(());

/// Holds the lock that serial targets' checks run under, for work of a serial
/// target outside a check (the kernel target's xarray self-test shares its C state).
pub fn serial_guard() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock()
}

/// [`check_limited`] on `target` (the model, or a registered one such as the kernel):
/// refuses what cannot run (`admit`), explores the executions of one
/// `ExecutionBody` with `checker`, folds a stop into the failures (`fold_stop`) and
/// concludes the report (`conclude`).
pub fn check_on<C: Checker + Configured>(
    target: &dyn Target,
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
    limits: Limits,
) -> Result<CheckReport, CheckError> {
    let (maker, binding) = admit(target, checker, scenario, bugs)?;
    let _serial = target.serial().then(|| SERIAL.lock());
    let recorder = Recorder::new::<C::Backend>();
    super::trace::install();
    let shared = Arc::new(ExecutionBody::new(
        maker, target, checker, scenario, bugs, limits, &recorder,
    ));
    let body = {
        let (run, abandoned) = (shared.clone(), shared.clone());
        Body::new(
            move |counted| run.run::<C>(counted),
            move |counted| abandoned.abandoned::<C>(counted),
        )
    };
    // A target that keeps state outside the backend's primitives without declaring
    // it: the stateful search's partial-order reduction cannot see it.
    let exploration = super::stateful::snapshots_allowed(target.snapshots(), || {
        super::stateful::opaque_state(target.opaque_state(), || checker.explore(body))
    });
    super::trace::forget_model_threads();
    let timed_out = shared.timed_out.load(Ordering::Relaxed);
    let mut c = shared.take_collector();
    let unscheduled = c.first.iter_mut().filter(|f| f.schedule.is_none());
    for (failure, schedule) in unscheduled.zip(exploration.kept.iter()) {
        failure.schedule = Some(schedule.clone());
    }
    let executions = fold_stop(&mut c, &recorder, &exploration, scenario, checker)?;
    let schedules = executions.max(exploration.executions);
    if schedules == 0 {
        // Whatever the checker: a check that ran nothing has no verdict.
        return Err(no_execution(
            scenario,
            bugs,
            checker,
            format!("the check ({})", checker.config()),
        ));
    }
    let numbering = checker.numbering();
    let found = conclude(c, &exploration, &binding, checker, timed_out);
    Ok(CheckReport {
        target: target.name(),
        target_args: target.run_args(),
        checker: checker.name(),
        settings: checker.config(),
        // A rerun keeps the time limit: without it a loom rerun could run for hours.
        rerun: checker
            .config()
            .run_flags()
            .map(|args| match limits.max_time {
                Some(t) => format!("{args} --max-seconds {}", t.as_secs_f64()),
                None => args,
            }),
        schedules,
        complete: found.complete,
        verdict: found.verdict,
        failure: found.failure,
        lesser: found.lesser,
        first_failure_at: found.first_failure_at,
        steps: exploration.steps,
        search: exploration.search,
        coverage: found.coverage,
        seconds: shared.start.elapsed().as_secs_f64(),
        timed_out,
        numbering,
    })
}

/// The check of `scenario` cannot run: it ran (or would run) no execution.
fn no_execution<C: Checker>(
    scenario: &Scenario,
    bugs: Bugs,
    checker: &C,
    budget: String,
) -> CheckError {
    CheckError::NoExecution {
        name: scenario.name.clone(),
        variant: bugs.variant(),
        checker: checker.name(),
        budget,
    }
}

/// What [`check_on`] refuses before it runs anything: a scenario the target does
/// not support or has no system for on the checker's backend, a recorded schedule
/// bound to another scenario, variant or target, more threads than the checker
/// models, a budget of no executions. Else the target's system maker and what
/// schedules are bound to.
fn admit<C: Checker>(
    target: &dyn Target,
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
) -> Result<(SystemMaker<C::Backend>, Binding), CheckError> {
    let unsupported = |message| CheckError::Unsupported {
        name: scenario.name.clone(),
        target: target.name(),
        message,
    };
    target.supports(scenario, bugs).map_err(unsupported)?;
    let maker = super::target::maker::<C::Backend>(target).map_err(unsupported)?;
    let binding = Binding::of(target, scenario, bugs);
    if let Some(why) = checker.binding().and_then(|b| b.differences(&binding)) {
        return Err(CheckError::ScheduleBinding {
            name: scenario.name.clone(),
            why,
        });
    }
    if let Some(max) = checker.max_threads() {
        if scenario.threads.len() > max {
            return Err(CheckError::TooManyThreads {
                name: scenario.name.clone(),
                threads: scenario.threads.len(),
                checker: checker.name(),
                max,
            });
        }
    }
    if let Some((0, what)) = checker.budget() {
        return Err(no_execution(scenario, bugs, checker, what));
    }
    Ok((maker, binding))
}

/// What every execution of one check shares: how to build and run it, where its
/// outcome goes, and when to stop. The [`Body`] a checker explores calls
/// [`ExecutionBody::run`] for each execution and [`ExecutionBody::abandoned`] for
/// one the checker ended before it finished.
struct ExecutionBody<B: Backend> {
    maker: SystemMaker<B>,
    config: MappingConfig,
    threads: Vec<Vec<Op>>,
    recorder: Arc<Recorder>,
    collector: Mutex<Collector>,
    /// Executions started.
    started: AtomicUsize,
    /// `scenario [variant] checker`, for the debug log.
    label: String,
    numbering: Numbering,
    first_failure_only: bool,
    start: Instant,
    max_time: Option<std::time::Duration>,
    /// The time limit has passed.
    timed_out: AtomicBool,
    /// This body's number, which the OS threads' [`COVERAGE_PART`]s name.
    id: u64,
    /// The branch counts of abandoned executions without a warning, one part per
    /// OS thread that ran some (added to the collector's when the check is done):
    /// the stateful search abandons most of its executions, and with N workers one
    /// lock taken by each of them would move its cache line between the cores at
    /// every execution.
    parts: Mutex<Vec<CoveragePart>>,
}

/// One OS thread's part of an [`ExecutionBody`]'s branch counts.
type CoveragePart = Arc<super::coverage::ThreadCoverage>;

thread_local! {
    /// This OS thread's part of an [`ExecutionBody`]'s branch counts: the body's
    /// number and the part (registered in its `parts`).
    static COVERAGE_PART: std::cell::RefCell<Option<(u64, CoveragePart)>> =
        const { std::cell::RefCell::new(None) };
}

impl<B: Backend> ExecutionBody<B> {
    /// The executions of `checker`'s check of `scenario` with `bugs` on `target`,
    /// within `limits`, recording into `recorder`; `maker` builds each execution's
    /// system. The clock starts now.
    fn new<C: Checker<Backend = B>>(
        maker: SystemMaker<B>,
        target: &dyn Target,
        checker: &C,
        scenario: &Scenario,
        bugs: Bugs,
        limits: Limits,
        recorder: &Arc<Recorder>,
    ) -> Self {
        let truths = scenario
            .checks
            .iter()
            .fold(target.truths(), |t, c| t.forcing(*c));
        ExecutionBody {
            maker,
            config: MappingConfig {
                bugs,
                truths,
                // Counted from the threads this body runs, so it cannot disagree
                // with them.
                non_faults: Some(
                    scenario
                        .threads
                        .iter()
                        .flatten()
                        .filter(|op| !matches!(op, Op::Fault { .. }))
                        .count(),
                ),
                ..scenario.config.clone()
            },
            threads: scenario.threads.clone(),
            recorder: recorder.clone(),
            collector: Mutex::new(Collector::default()),
            started: AtomicUsize::new(0),
            label: format!("{} [{}] {}", scenario.name, bugs.variant(), checker.name()),
            numbering: checker.numbering(),
            first_failure_only: limits.first_failure_only,
            start: Instant::now(),
            max_time: limits.max_time,
            timed_out: AtomicBool::new(false),
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, Ordering::Relaxed)
            },
            parts: Mutex::new(Vec::new()),
        }
    }

    /// Counts an execution's branches `visited` in this OS thread's part.
    fn count_in_part(&self, visited: crate::dax::BranchSet) {
        COVERAGE_PART.with(|p| {
            let mut p = p.borrow_mut();
            if p.as_ref().is_none_or(|(id, _)| *id != self.id) {
                // Made outside the stateful checker's arena: it outlives the
                // execution.
                let part: CoveragePart = arena::outside(|| Arc::new(Default::default()));
                self.parts.lock().push(part.clone());
                *p = Some((self.id, part));
            }
            if let Some((_, part)) = p.as_ref() {
                part.add(visited);
            }
        });
    }

    /// The collector, with every thread's part of the branch counts added: the
    /// check is done.
    fn take_collector(&self) -> Collector {
        let mut c = std::mem::take(&mut *self.collector.lock());
        for part in std::mem::take(&mut *self.parts.lock()) {
            // Every thread that counted is done (its checker's exploration is).
            c.coverage.merge(&part.counted());
        }
        c
    }

    /// Whether the time limit has passed; checked after every execution.
    fn out_of_time(&self) -> bool {
        let over = self.max_time.is_some_and(|t| self.start.elapsed() >= t);
        if over {
            self.timed_out.store(true, Ordering::Relaxed);
        }
        over
    }

    /// One execution, folded into the collector; a new kind of failure keeps its
    /// schedule.
    fn run<C: Checker<Backend = B>>(&self, counted: bool) -> Control {
        self.recorder.reset();
        let n = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(
            "--- {}: execution {} ---",
            self.label,
            self.numbering.global(n)
        );
        let outcome = execute::<B>(&self.maker, &self.config, &self.recorder, &self.threads);
        // The collector is the checker's: what it keeps is made outside the
        // stateful checker's arena (a copy of the outcome, which is in it).
        arena::outside(|| {
            let outcome = outcome.copied();
            let mut c = self.collector.lock();
            c.visited(&self.recorder, counted);
            let before = c.failing;
            let keep = c.record(outcome, &self.recorder, C::live_execution());
            if keep {
                if let Some(f) = c.first.last_mut() {
                    f.schedule = C::live_schedule();
                }
            }
            Control {
                keep,
                stop: (self.first_failure_only && c.first_failure_at.is_some())
                    || self.out_of_time(),
                failed: c.failing > before,
            }
        })
    }

    /// An execution the checker ended before it finished: its branches count, and a
    /// warning it raised is a failure.
    fn abandoned<C: Checker<Backend = B>>(&self, counted: bool) -> Control {
        if !self.recorder.has_warning() {
            // The common case (a cut execution), without the collector's lock.
            let visited = self.recorder.take_visited();
            if counted {
                self.count_in_part(visited);
            }
            return Control {
                keep: false,
                stop: self.out_of_time(),
                failed: false,
            };
        }
        let mut c = self.collector.lock();
        c.visited(&self.recorder, counted);
        let trace = self.recorder.events();
        let execution = C::live_execution().unwrap_or(c.executions + 1);
        let keep = c.add(
            Verdict::Warning,
            Vec::new(),
            warnings(&trace),
            trace,
            execution,
        );
        if keep {
            if let Some(f) = c.first.last_mut() {
                f.schedule = C::live_schedule();
            }
        }
        Control {
            keep,
            stop: self.first_failure_only || self.out_of_time(),
            failed: true,
        }
    }
}

/// The warnings among an execution's events.
fn warnings(trace: &[Event]) -> Vec<String> {
    trace
        .iter()
        .filter(|e| e.is_warning())
        .map(Event::warning_text)
        .collect()
}

/// Folds what stopped the exploration into the collector: a hang is one more
/// execution, with its trace and schedule; a crash is the check's error. Returns the
/// executions run.
fn fold_stop<C: Checker>(
    c: &mut Collector,
    recorder: &Recorder,
    exploration: &Exploration,
    scenario: &Scenario,
    checker: &C,
) -> Result<usize, CheckError> {
    let mut executions = c.executions;
    match &exploration.stop {
        Some(Stop::Deadlock(message)) => {
            executions += 1;
            let number = exploration.stop_execution.unwrap_or(executions);
            // The hung execution never returned to the body (loom and shuttle panic
            // out of it): count its branches here. Where the checker already counted
            // them (the stateful checker's abandoned hang), they were taken then.
            c.visited(recorder, true);
            let trace = recorder.events();
            let warnings = warnings(&trace);
            c.add(
                Verdict::Hang,
                vec![message.clone()],
                warnings,
                trace,
                number,
            );
            if let Some(f) = c.first.iter_mut().find(|f| f.verdict == Verdict::Hang) {
                f.schedule.clone_from(&exploration.stop_schedule);
            }
        }
        Some(Stop::Requested) | None => {}
        // The stateful checker reports a misfit with the same message.
        Some(Stop::Crash(message)) if message == SCHEDULE_MISFIT => {
            return Err(CheckError::ScheduleMisfit {
                name: scenario.name.clone(),
            })
        }
        Some(Stop::Crash(message)) => {
            return Err(CheckError::ModelPanicked {
                name: scenario.name.clone(),
                checker: checker.name(),
                message: message.clone(),
            })
        }
    }
    Ok(executions)
}

/// What the collected failures conclude ([`conclude`]).
struct Conclusion {
    complete: bool,
    verdict: Verdict,
    failure: Option<Failure>,
    lesser: Vec<Failure>,
    first_failure_at: Option<usize>,
    coverage: super::coverage::Coverage,
}

/// The verdict of the collected failures: execution numbers of the whole budget,
/// schedules bound, the worst failure and the lesser ones before it, complete or
/// not.
fn conclude<C: Checker + Configured>(
    mut c: Collector,
    exploration: &Exploration,
    binding: &Binding,
    checker: &C,
    timed_out: bool,
) -> Conclusion {
    let numbering = checker.numbering();
    // Execution numbers of the whole budget, not of this shard.
    for f in &mut c.first {
        f.execution = numbering.global(f.execution);
    }
    let first_failure_at = c.first_failure_at.map(|n| numbering.global(n));
    // Every schedule reported is bound to what it was recorded on.
    for f in &mut c.first {
        f.schedule = f.schedule.take().map(|s| binding.bind(&s));
    }
    let failure = c.first.iter().max_by_key(|f| f.verdict).cloned();
    let mut lesser: Vec<Failure> = match &failure {
        Some(worst) => c
            .first
            .iter()
            .filter(|f| f.verdict < worst.verdict && f.execution != worst.execution)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    lesser.sort_by_key(|f| f.execution);
    // A check stopped by its time limit did not run its whole space or budget; a
    // replay ran one path of a space, never the whole.
    let complete = exploration
        .search
        .map_or(exploration.complete, |s| s.complete)
        && !timed_out
        && checker.config().recorded().is_none();
    let verdict = match &failure {
        Some(f) => f.verdict,
        // A search that stopped on its budget verifies nothing.
        None if !complete => Verdict::Incomplete,
        None => Verdict::Verified,
    };
    Conclusion {
        complete,
        verdict,
        failure,
        lesser,
        first_failure_at,
        coverage: c.coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::stateful::StatefulChecker;
    use crate::dax::{Branch, BranchSet};
    use crate::scenario::load_catalogue;

    fn body() -> ExecutionBody<crate::sync::Stateful> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
        let scenario = (load_catalogue(&dir).unwrap().into_iter())
            .find(|s| s.name == "truncate-vs-fault")
            .unwrap();
        let checker = StatefulChecker::default();
        let (maker, _) = admit(&Model, &checker, &scenario, Bugs::fixed()).unwrap();
        let recorder = Recorder::new::<crate::sync::Stateful>();
        let limits = Limits {
            first_failure_only: false,
            max_time: None,
        };
        ExecutionBody::new(
            maker,
            &Model,
            &checker,
            &scenario,
            Bugs::fixed(),
            limits,
            &recorder,
        )
    }

    /// The branch counts of abandoned executions, kept per OS thread without the
    /// collector's lock, all reach the collector: from threads still running and
    /// from threads gone, and each body's counts stay its own (a thread that ran
    /// another body's executions before starts a new part).
    #[test]
    fn every_threads_part_of_the_branch_counts_reaches_the_collector() {
        let (a, b) = (body(), body());
        let mut set = BranchSet::default();
        set.insert(Branch::GrabWait);
        set.insert(Branch::InvalidateDelete);
        let mut other = BranchSet::default();
        other.insert(Branch::GrabWait);
        // This thread: a, then b, then a again (a new part of a's).
        a.count_in_part(set);
        b.count_in_part(other);
        a.count_in_part(set);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        a.count_in_part(set);
                    }
                    b.count_in_part(other);
                });
            }
        });
        let (ca, cb) = (a.take_collector(), b.take_collector());
        assert_eq!(ca.coverage.get(Branch::GrabWait), 3002);
        assert_eq!(ca.coverage.get(Branch::InvalidateDelete), 3002);
        assert_eq!(cb.coverage.get(Branch::GrabWait), 4);
        assert_eq!(cb.coverage.get(Branch::InvalidateDelete), 0);
        // Taken once: the parts are not counted again.
        assert_eq!(a.take_collector().coverage.get(Branch::GrabWait), 0);
    }
}
