//! The checker trait: what a checker is told (an execution [`Body`]) and what it
//! reports back ([`Exploration`]); the orchestration that drives it is in
//! [`super::run`].

use super::shard::Shard;
use super::stats::SearchStats;
use crate::kind::CheckerKind;
use crate::sync::Backend;
use std::sync::Arc;

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
    /// The checker's own number of the stopping execution (the stateful search's
    /// count, [`Checker::live_execution`]); `None`: the one after the executions
    /// that reached the body's end.
    pub stop_execution: Option<usize>,
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
    /// The execution failed (any verdict but `verified`, a hang aside: a hang never
    /// returns to the body). The stateful checker counts these
    /// ([`super::stats::SearchStats::failing`]).
    pub failed: bool,
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
/// scenario; the runner turns it into
/// [`CheckError::ScheduleMisfit`](super::fold::CheckError::ScheduleMisfit).
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
    /// The number the search gives the execution running on this OS thread, if the
    /// checker numbers its executions itself (the stateful checker counts every
    /// execution it starts, those it cuts at a known state too, and reports that
    /// count as its total: a failure's number is then of the same count). `None`:
    /// the runner numbers the executions that reach the body's end.
    fn live_execution() -> Option<usize>
    where
        Self: Sized,
    {
        None
    }
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
    pub shard: Shard,
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
