//! What a check reports and how its executions fold into it: the worst verdict,
//! the first failure of each kind, the branches visited.

use super::checker::{Numbering, SCHEDULE_MISFIT};
use super::config::CheckerConfig;
use super::coverage::Coverage;
use super::stats::SearchStats;
use super::trace::{Event, Recorder};
use crate::dax::Harm;
use crate::kind::CheckerKind;
use crate::verdict::Verdict;
use std::time::Duration;

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
    /// The checker's configuration; it prints as the report's settings line.
    pub settings: CheckerConfig,
    /// The `daxlock run` arguments that rerun this check
    /// ([`CheckerConfig::run_flags`], with the time limit).
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
pub(super) struct ExecOutcome {
    pub(super) harms: Vec<Harm>,
    pub(super) sigbus: Vec<String>,
}

impl ExecOutcome {
    /// A copy made where the caller allocates (the collector's side of the
    /// stateful checker's arena).
    pub(super) fn copied(&self) -> ExecOutcome {
        ExecOutcome {
            harms: self.harms.clone(),
            sigbus: self.sigbus.clone(),
        }
    }

    /// The worst verdict this execution earns (none for a clean one, warnings
    /// aside), with the details of the failures of that verdict.
    pub(super) fn worst(self) -> Option<(Verdict, Vec<String>)> {
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

/// Folds executions into a verdict and keeps the first failure of each kind.
#[derive(Default)]
pub(super) struct Collector {
    pub(super) executions: usize,
    pub(super) first: Vec<Failure>,
    pub(super) first_failure_at: Option<usize>,
    /// Failing executions recorded (every one, not only the first of its verdict).
    pub(super) failing: usize,
    pub(super) coverage: Coverage,
}

impl Collector {
    /// Counts the branches the execution that just ended on this OS thread visited
    /// (unless `counted` is false: a rerun of one already counted).
    pub(super) fn visited(&mut self, recorder: &Recorder, counted: bool) {
        let visited = recorder.take_visited();
        if counted {
            self.coverage.add(visited);
        }
    }

    /// Records one finished execution, numbered `number` (the checker's own count,
    /// [`super::Checker::live_execution`]) or else by the executions recorded so
    /// far; true when it is the first of its verdict.
    pub(super) fn record(
        &mut self,
        outcome: ExecOutcome,
        recorder: &Recorder,
        number: Option<usize>,
    ) -> bool {
        self.executions += 1;
        let number = number.unwrap_or(self.executions);
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
        self.add(verdict, details, warnings, trace, number)
    }

    pub(super) fn add(
        &mut self,
        verdict: Verdict,
        details: Vec<String>,
        warnings: Vec<String>,
        trace: Vec<Event>,
        execution: usize,
    ) -> bool {
        // The least number: a hang the checker numbers itself is added last.
        self.first_failure_at = Some(
            self.first_failure_at
                .map_or(execution, |n| n.min(execution)),
        );
        self.failing += 1;
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
