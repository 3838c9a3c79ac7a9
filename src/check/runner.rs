//! The scenario runner: one execution body, generic over the backend, explored by
//! any [`Checker`].
//!
//! A checker only decides *which schedules* run; what one execution does (build the
//! mapping, spawn the scenario's threads, run their operations, check the end
//! state) and how its outcome becomes a verdict are written once, here.

use super::coverage::Coverage;
use super::settings::Settings;
use super::stateful::SearchStats;
use super::target::{Model, SystemMaker, Target};
use super::trace::{Event, Recorder};
use crate::dax::{Access, AccessResult, Bugs, Harm, HarmKind, MappingConfig, System};
use crate::kind::CheckerKind;
use crate::scenario::{Op, Scenario};
use crate::sync::poison_free::Mutex;
use crate::sync::Backend;
use crate::verdict::Verdict;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why an exploration stopped before its budget ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Every thread blocked (or the watchdog fired): a hang.
    Deadlock(String),
    /// The model itself panicked: a defect of the model or harness, not a verdict.
    Crash(String),
    /// The body asked to stop (loom's only way); not a failure.
    Requested,
}

/// What a checker reports after exploring.
#[derive(Debug, Clone, Default)]
pub struct Exploration {
    /// Executions run.
    pub executions: usize,
    /// Whether the whole space (loom) or the whole budget (shuttle, threads) was run.
    pub complete: bool,
    /// What ended the exploration early, if anything.
    pub stop: Option<Stop>,
    /// Replayable schedule of the stopping execution (shuttle only).
    pub stop_schedule: Option<String>,
    /// Replayable schedules of the executions whose body asked to keep theirs, in
    /// order (shuttle only).
    pub kept: Vec<String>,
    /// Contended scheduling steps of a calibration execution (PCT only).
    pub steps: Option<usize>,
    /// The figures of a stateful search.
    pub search: Option<SearchStats>,
}

/// What an execution body asks of its checker after one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Control {
    /// Keep this execution's schedule (it found a new kind of failure).
    pub keep: bool,
    /// Run no more executions (the caller only wanted the first failure).
    pub stop: bool,
}

/// What a body's closures do with one execution; `counted` is false for a rerun of
/// an execution already counted.
type BodyFn = dyn Fn(bool) -> Control + Send + Sync;

/// One execution body: runs one schedule's execution.
#[derive(Clone)]
pub struct Body {
    run: Arc<BodyFn>,
    abandoned: Arc<BodyFn>,
    counted: bool,
}

impl Body {
    /// A body that runs `run`; `abandoned` judges an execution the checker ended
    /// before it finished. Both are told whether the execution counts towards the
    /// check's branch coverage (see [`Body::recount`]).
    pub fn new(
        run: impl Fn(bool) -> Control + Send + Sync + 'static,
        abandoned: impl Fn(bool) -> Control + Send + Sync + 'static,
    ) -> Self {
        Body {
            run: Arc::new(run),
            abandoned: Arc::new(abandoned),
            counted: true,
        }
    }

    /// The same body, for rerunning an execution the exploration already ran and
    /// counted (the stateful checker replays its shortest hang for the trace): its
    /// branches are not counted again.
    pub fn recount(&self) -> Body {
        Body {
            counted: false,
            ..self.clone()
        }
    }

    /// Runs one execution to its end.
    pub fn run(&self) -> Control {
        (self.run)(self.counted)
    }

    /// Judges the execution that just ran on this OS thread and was ended early by
    /// the checker (the stateful checker cuts executions at known states): a kernel
    /// WARN it already fired is a finding even though the execution did not finish,
    /// and the branches it visited count.
    pub fn abandoned(&self) -> Control {
        (self.abandoned)(self.counted)
    }
}

/// What a replay reports (as [`Stop::Crash`]) when its schedule does not fit the
/// scenario; the runner turns it into [`CheckError::ScheduleMisfit`].
pub const SCHEDULE_MISFIT: &str =
    "the schedule does not fit this scenario: another file, or a missing or extra --bug?";

/// The panic payload loom's body raises to end an exploration early on request (loom
/// has no other way to stop); the loom checker recognises it and reports no failure.
pub const STOP_REQUESTED: &str = "daxlock: stop requested";

/// A way to run an execution body over many schedules.
pub trait Checker {
    /// The primitives the body runs on.
    type Backend: Backend;
    /// Which checker it is (`loom`, `random`, `pct`, `replay`, `threads`,
    /// `stateful`).
    fn name(&self) -> CheckerKind;
    /// Its settings, for reports (`bound 3`, `seed 1 shard 0/1`...).
    fn settings(&self) -> Settings;
    /// The most scenario threads it can run, if limited.
    fn max_threads(&self) -> Option<usize> {
        None
    }
    /// For checkers that run a set number of executions: how many this run's budget
    /// holds, and how to say it (`shard 3/4 of 2 iterations`). `None` for searches,
    /// whose number of executions is only known at the end.
    fn budget(&self) -> Option<(usize, String)> {
        None
    }
    /// The `daxlock run` arguments that rerun this check as it ran (`--checker loom
    /// --preemption-bound 3`): how a failure without a replayable schedule is
    /// reproduced. `None` when `run` cannot rerun it (a replay).
    fn rerun_args(&self) -> Option<String> {
        Some(format!("--checker {}", self.name()))
    }
    /// How this checker's executions are numbered across shards (identity unless
    /// the checker runs one shard of a numbered budget).
    fn numbering(&self) -> Numbering {
        Numbering::default()
    }
    /// For a replay of a bound schedule: what it was recorded on (the runner refuses
    /// to replay it on anything else).
    fn binding(&self) -> Option<super::binding::Binding> {
        None
    }
    /// Runs `body` over this checker's schedules.
    fn explore(&self, body: Body) -> Exploration;
    /// The replayable schedule of the execution running on this OS thread, if the
    /// checker can tell it while the execution runs (the stateful checker's workers
    /// run in parallel, so its schedules are taken at the moment a failure is kept).
    fn live_schedule() -> Option<String>
    where
        Self: Sized,
    {
        None
    }
}

/// How a checker's executions map to execution numbers that mean the same in every
/// shard: shard `I/N` of a shuttle budget runs iterations `I, I+N, ...`, after
/// `calibrations` executions every shard repeats (PCT's). Execution `n` of this shard
/// (1-based) is execution [`Numbering::global`]`(n)` of the whole budget, the number
/// an unsharded run of the same budget gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Numbering {
    /// Executions every shard runs first (not sharded).
    pub calibrations: usize,
    /// The shard this run takes.
    pub shard: super::shuttle::Shard,
}

impl Numbering {
    /// The whole budget's number of this shard's execution `local` (both 1-based).
    pub fn global(&self, local: usize) -> usize {
        let c = self.calibrations;
        if local <= c || local == 0 {
            local
        } else {
            c + self.shard.index + (local - c - 1) * self.shard.count + 1
        }
    }

    /// Whether this run is one shard of several.
    pub fn sharded(&self) -> bool {
        self.shard.count > 1
    }
}

/// One failure found, with its evidence.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Its verdict.
    pub verdict: Verdict,
    /// The 1-based execution that found it.
    pub execution: usize,
    /// What broke: the deadlock message, violated invariants, spurious SIGBUSes.
    pub details: Vec<String>,
    /// Kernel WARN conditions that fired in that execution before the end.
    pub warnings: Vec<String>,
    /// The protocol events of that execution.
    pub trace: Vec<Event>,
    /// A schedule `daxlock replay` can rerun (shuttle and stateful checkers), bound
    /// to the scenario, variant and target ([`super::binding`]).
    pub schedule: Option<String>,
}

/// The result of checking one scenario variant with one checker.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The target it ran on (`model`, `kernel`): a reproduce command names it.
    pub target: &'static str,
    /// The target's options it ran with (`--patch`, `--fail-alloc`; empty or
    /// starting with a space): a reproduce command repeats them.
    pub target_args: String,
    /// Checker.
    pub checker: CheckerKind,
    /// Checker settings.
    pub settings: Settings,
    /// The `daxlock run` arguments that rerun this check ([`Checker::rerun_args`]).
    pub rerun: Option<String>,
    /// Executions (schedules) explored.
    pub schedules: usize,
    /// Whether the space or budget was exhausted (false when stopped by a hang).
    pub complete: bool,
    /// The worst verdict over every execution.
    pub verdict: Verdict,
    /// The first failure of the worst verdict, if any.
    pub failure: Option<Failure>,
    /// The first failure of each lesser verdict, found in earlier executions than
    /// `failure` (a hang, say, after an invariant), in execution order.
    pub lesser: Vec<Failure>,
    /// The first execution that failed in any way (1-based), if any.
    pub first_failure_at: Option<usize>,
    /// Contended scheduling steps per execution, as PCT calibrated it (PCT only).
    pub steps: Option<usize>,
    /// The figures of a stateful search (states, transitions, depth...).
    pub search: Option<SearchStats>,
    /// Per branch, the executions that visited it (executions cut early and the one
    /// stopped at a hang included).
    pub coverage: Coverage,
    /// Wall time.
    pub seconds: f64,
    /// The check stopped because it ran out of time (`--max-seconds`): it is not
    /// complete, and its verdict is never `verified`.
    pub timed_out: bool,
    /// How its execution numbers read across shards (they are the whole budget's).
    pub numbering: Numbering,
}

/// What bounds a check besides its checker's own budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Stop at the first failing execution (benchmarks of schedules to the first
    /// failure).
    pub first_failure_only: bool,
    /// Stop once this much time has passed (checked after every execution); the check
    /// is then incomplete.
    pub max_time: Option<Duration>,
}

/// A scenario that cannot run under a checker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// More threads than the checker can model.
    #[error("{name}: {threads} threads, but {checker} models at most {max} ({} with its main thread); use --checker pct or random", .max + 1)]
    TooManyThreads {
        /// Scenario.
        name: String,
        /// Threads it has.
        threads: usize,
        /// Checker.
        checker: CheckerKind,
        /// Its limit.
        max: usize,
    },
    /// The check ran no execution: it verified nothing, so it has no verdict.
    #[error("{name} [{variant}] {checker}: {budget} runs no execution")]
    NoExecution {
        /// Scenario.
        name: String,
        /// Variant (`fixed` or the bugs).
        variant: String,
        /// Checker.
        checker: CheckerKind,
        /// The budget that held no execution.
        budget: String,
    },
    /// A replayed schedule does not fit the scenario (another file, another variant).
    #[error("{name}: {}", SCHEDULE_MISFIT)]
    ScheduleMisfit {
        /// Scenario.
        name: String,
    },
    /// A replayed schedule was recorded on another scenario, variant or target.
    #[error("{name}: the schedule does not belong here: {why}")]
    ScheduleBinding {
        /// Scenario.
        name: String,
        /// What differs.
        why: String,
    },
    /// The target cannot run this scenario or variant.
    #[error("{name}: the {target} target cannot run it: {message}")]
    Unsupported {
        /// Scenario.
        name: String,
        /// Target.
        target: &'static str,
        /// Why.
        message: String,
    },
    /// The checker reruns a recorded schedule and cannot be run by name.
    #[error("{name}: {checker} reruns one recorded schedule: use `daxlock replay --schedule`")]
    NeedsSchedule {
        /// Scenario.
        name: String,
        /// Checker.
        checker: CheckerKind,
    },
    /// The model panicked: a defect, reported as such.
    #[error("{name}: the model panicked under {checker}: {message}")]
    ModelPanicked {
        /// Scenario.
        name: String,
        /// Checker.
        checker: CheckerKind,
        /// The panic message.
        message: String,
    },
}

impl CheckError {
    /// A defect of the model or harness (the model panicked), not a problem with
    /// the scenario or the command: the command line exits 1 for it, as for a
    /// failure found, and 2 for the rest.
    pub fn is_defect(&self) -> bool {
        matches!(self, CheckError::ModelPanicked { .. })
    }
}

/// What one execution's threads reported: harms by kind, as the checks that found
/// them classed them, and spurious SIGBUSes.
#[derive(Debug, Default, Hash)]
struct ExecOutcome {
    harms: Vec<Harm>,
    sigbus: Vec<String>,
}

impl ExecOutcome {
    /// The worst verdict this execution earns (none for a clean one, warnings
    /// aside), with the details of the failures of that verdict.
    fn worst(self) -> Option<(Verdict, Vec<String>)> {
        let mut found: Vec<(Verdict, String)> = self
            .harms
            .into_iter()
            .map(|h| (Verdict::from(h.kind), h.text))
            .chain(self.sigbus.into_iter().map(|t| (Verdict::Sigbus, t)))
            .collect();
        let worst = found.iter().map(|(v, _)| *v).max()?;
        found.retain(|(v, _)| *v == worst);
        Some((worst, found.into_iter().map(|(_, t)| t).collect()))
    }
}

/// Runs one thread's operations; returns problems it met.
fn run_ops<B: Backend>(m: &dyn System<B>, ops: &[Op]) -> ExecOutcome {
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

/// The mapping id every check builds its mapping with.
///
/// It is part of every wait key, so it decides which keys share a wait-table bucket
/// (and lock stripe), and with it the schedules a checker explores: it must depend on
/// the scenario alone, never on what else ran in the process before. One constant for
/// every scenario (a scenario has one file); traces reach their check through the
/// mapping's observer (see [`crate::check::trace`]).
pub const MAPPING_ID: u64 = 1;

/// One execution: build the system, run every thread, join, check the end state.
fn execute<B: Backend>(
    maker: &SystemMaker<B>,
    config: &MappingConfig,
    recorder: &Arc<Recorder>,
    threads: &[Vec<Op>],
) -> ExecOutcome {
    let observer: Arc<dyn crate::dax::observe::Observer> = recorder.clone();
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
    outcome.harms.extend(m.end_state_violations());
    outcome
}

/// Folds executions into a verdict and keeps the first failure of each kind.
#[derive(Default)]
struct Collector {
    executions: usize,
    first: Vec<Failure>,
    first_failure_at: Option<usize>,
    coverage: Coverage,
}

impl Collector {
    /// Counts the branches the execution that just ended on this OS thread visited
    /// (unless `counted` is false: a rerun of one already counted).
    fn visited(&mut self, recorder: &Recorder, counted: bool) {
        let visited = recorder.take_visited();
        if counted {
            self.coverage.add(visited);
        }
    }

    /// Records one finished execution; true when it is the first of its verdict.
    fn record(&mut self, outcome: ExecOutcome, recorder: &Recorder) -> bool {
        self.executions += 1;
        let clean = outcome.harms.is_empty() && outcome.sigbus.is_empty();
        if clean && !recorder.has_warning() {
            return false;
        }
        let trace = recorder.events();
        let warnings: Vec<String> = trace
            .iter()
            .filter(|e| e.is_warning())
            .map(Event::warning_text)
            .collect();
        let (verdict, details) = if let Some(worst) = outcome.worst() {
            worst
        } else if !warnings.is_empty() {
            (Verdict::Warning, Vec::new())
        } else {
            return false;
        };
        self.add(verdict, details, warnings, trace, self.executions)
    }

    fn add(
        &mut self,
        verdict: Verdict,
        details: Vec<String>,
        warnings: Vec<String>,
        trace: Vec<Event>,
        execution: usize,
    ) -> bool {
        self.first_failure_at.get_or_insert(execution);
        if self.first.iter().any(|f| f.verdict == verdict) {
            return false;
        }
        self.first.push(Failure {
            verdict,
            execution,
            details,
            warnings,
            trace,
            schedule: None,
        });
        true
    }
}

/// Checks one scenario with `bugs` re-introduced under `checker`.
pub fn check<C: Checker>(
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
) -> Result<CheckReport, CheckError> {
    check_with(checker, scenario, bugs, false)
}

/// [`check`], stopping at the first failing execution when `first_failure_only` (for
/// measuring schedules to the first failure).
pub fn check_with<C: Checker>(
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
pub fn check_limited<C: Checker>(
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

/// [`check_limited`] on `target` (the model, or a registered one such as the kernel).
pub fn check_on<C: Checker>(
    target: &dyn Target,
    checker: &C,
    scenario: &Scenario,
    bugs: Bugs,
    limits: Limits,
) -> Result<CheckReport, CheckError> {
    if let Err(message) = target.supports(scenario, bugs) {
        return Err(CheckError::Unsupported {
            name: scenario.name.clone(),
            target: target.name(),
            message,
        });
    }
    let maker =
        super::target::maker::<C::Backend>(target).map_err(|message| CheckError::Unsupported {
            name: scenario.name.clone(),
            target: target.name(),
            message,
        })?;
    let binding = super::binding::Binding::of(target, scenario, bugs);
    if let Some(why) = checker.binding().and_then(|b| b.differences(&binding)) {
        return Err(CheckError::ScheduleBinding {
            name: scenario.name.clone(),
            why,
        });
    }
    let _serial = target.serial().then(|| SERIAL.lock());
    let Limits {
        first_failure_only,
        max_time,
    } = limits;
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
    let no_execution = |budget: String| CheckError::NoExecution {
        name: scenario.name.clone(),
        variant: bugs.variant(),
        checker: checker.name(),
        budget,
    };
    let budget = checker.budget();
    if let Some((0, what)) = budget {
        return Err(no_execution(what));
    }
    let start = Instant::now();
    let recorder = Recorder::new(C::Backend::thread_name, C::Backend::REAL_THREADS);
    super::trace::install();
    let collector = Arc::new(Mutex::new(Collector::default()));
    let truths = scenario
        .checks
        .iter()
        .fold(target.truths(), |t, c| t.forcing(*c));
    let config = Arc::new(MappingConfig {
        bugs,
        truths,
        ..scenario.config.clone()
    });
    let threads = Arc::new(scenario.threads.clone());
    let numbering = checker.numbering();
    let timed_out = Arc::new(AtomicBool::new(false));
    // Whether the time limit has passed; checked after every execution.
    let out_of_time = {
        let timed_out = timed_out.clone();
        move || {
            let over = max_time.is_some_and(|t| start.elapsed() >= t);
            if over {
                timed_out.store(true, Ordering::Relaxed);
            }
            over
        }
    };
    let out_of_time2 = out_of_time.clone();
    let started = Arc::new(AtomicUsize::new(0));
    let label = format!("{} [{}] {}", scenario.name, bugs.variant(), checker.name());
    let body = {
        let (recorder, collector) = (recorder.clone(), collector.clone());
        let (recorder2, collector2) = (recorder.clone(), collector.clone());
        Body::new(
            move |counted| {
                recorder.reset();
                let n = started.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::debug!("--- {label}: execution {} ---", numbering.global(n));
                let outcome = execute::<C::Backend>(&maker, &config, &recorder, &threads);
                let mut c = collector.lock();
                c.visited(&recorder, counted);
                let keep = c.record(outcome, &recorder);
                if keep {
                    if let Some(f) = c.first.last_mut() {
                        f.schedule = C::live_schedule();
                    }
                }
                Control {
                    keep,
                    stop: (first_failure_only && c.first_failure_at.is_some()) || out_of_time(),
                }
            },
            move |counted| {
                let mut c = collector2.lock();
                c.visited(&recorder2, counted);
                if !recorder2.has_warning() {
                    return Control {
                        keep: false,
                        stop: out_of_time2(),
                    };
                }
                let trace = recorder2.events();
                let execution = c.executions + 1;
                let warnings = trace
                    .iter()
                    .filter(|e| e.is_warning())
                    .map(Event::warning_text)
                    .collect();
                let keep = c.add(Verdict::Warning, Vec::new(), warnings, trace, execution);
                if keep {
                    if let Some(f) = c.first.last_mut() {
                        f.schedule = C::live_schedule();
                    }
                }
                Control {
                    keep,
                    stop: first_failure_only || out_of_time2(),
                }
            },
        )
    };
    // A serial target (the kernel's C globals) keeps state outside the backend's
    // primitives: the stateful search's partial-order reduction cannot see it.
    let exploration = super::stateful::opaque_state(target.serial(), || checker.explore(body));
    super::trace::forget_model_threads();
    let timed_out = timed_out.load(Ordering::Relaxed);
    let mut c = std::mem::take(&mut *collector.lock());
    let unscheduled = c.first.iter_mut().filter(|f| f.schedule.is_none());
    for (failure, schedule) in unscheduled.zip(exploration.kept.iter()) {
        failure.schedule = Some(schedule.clone());
    }
    let mut executions = c.executions;
    match exploration.stop {
        Some(Stop::Deadlock(message)) => {
            executions += 1;
            // The hung execution never returned to the body (loom and shuttle panic
            // out of it): count its branches here. Where the checker already counted
            // them (the stateful checker's abandoned hang), they were taken then.
            c.visited(&recorder, true);
            let trace = recorder.events();
            let warnings = trace
                .iter()
                .filter(|e| e.is_warning())
                .map(Event::warning_text)
                .collect();
            c.add(Verdict::Hang, vec![message], warnings, trace, executions);
            if let Some(f) = c.first.iter_mut().find(|f| f.verdict == Verdict::Hang) {
                f.schedule = exploration.stop_schedule;
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
                message,
            })
        }
    }
    let schedules = executions.max(exploration.executions);
    if schedules == 0 {
        // Whatever the checker: a check that ran nothing has no verdict.
        return Err(no_execution(format!("the check ({})", checker.settings())));
    }
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
        && checker.settings().recorded.is_none();
    let verdict = match &failure {
        Some(f) => f.verdict,
        // A search that stopped on its budget verifies nothing.
        None if !complete => Verdict::Incomplete,
        None => Verdict::Verified,
    };
    Ok(CheckReport {
        target: target.name(),
        target_args: target.run_args(),
        checker: checker.name(),
        settings: checker.settings(),
        // A rerun keeps the time limit: without it a loom rerun could run for hours.
        rerun: checker.rerun_args().map(|args| match max_time {
            Some(t) => format!("{args} --max-seconds {}", t.as_secs_f64()),
            None => args,
        }),
        schedules,
        complete,
        verdict,
        failure,
        lesser,
        first_failure_at,
        steps: exploration.steps,
        search: exploration.search,
        coverage: c.coverage,
        seconds: start.elapsed().as_secs_f64(),
        timed_out,
        numbering,
    })
}

/// Turns a panic payload into its message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

/// Classifies a panic that ended an exploration: loom's `deadlock; threads = ...`
/// and shuttle's `deadlock! blocked tasks: ...` are hangs; anything else is a crash.
pub fn classify_panic(payload: &(dyn std::any::Any + Send)) -> Stop {
    let msg = panic_message(payload);
    if msg == STOP_REQUESTED {
        Stop::Requested
    } else if msg.starts_with("deadlock") {
        Stop::Deadlock(msg.lines().next().unwrap_or_default().to_owned())
    } else {
        Stop::Crash(msg)
    }
}

/// Silences the panics the checkers turn into verdicts.
///
/// Loom and shuttle report a deadlock by panicking; the harness catches it. Shuttle
/// also installs, once, a panic hook that prints a schedule for *every* panic in the
/// process (loom's included). This lets shuttle install its hook, then replaces it
/// with one that stays quiet for deadlocks and prints anything else as the default
/// hook would. Call it once at start-up (the binary does).
pub fn quiet_checker_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        shuttle::check_random(|| {}, 1);
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| {
            let msg = panic_message(info.payload());
            if !msg.starts_with("deadlock") && msg != STOP_REQUESTED {
                default(info);
            }
        }));
    });
}
