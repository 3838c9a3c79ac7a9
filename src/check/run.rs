//! Running a check: one execution body, generic over the backend, explored by any
//! [`Checker`]; executions folded by [`super::fold`].
//!
//! A checker only decides *which schedules* run; what one execution does (build the
//! mapping, spawn the scenario's threads, run their operations, check the end
//! state) and how its outcome becomes a verdict are written once, here.

use super::checker::{Body, Checker, Control, Stop, SCHEDULE_MISFIT};
use super::fold::{CheckError, CheckReport, Collector, ExecOutcome, Failure, Limits};
use super::target::{Model, SystemMaker, Target};
use super::trace::{Event, Recorder};
use crate::dax::{Access, AccessResult, Bugs, Harm, HarmKind, MappingConfig, System};
use crate::scenario::{Op, Scenario};
use crate::sync::poison_free::Mutex;
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
