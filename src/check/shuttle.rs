//! Shared shuttle plumbing: a scheduler that records the choices it makes (so any
//! execution, failing by panic or not, can be replayed), and a per-iteration seeded
//! strategy so that budgets split across shards deterministically.
//!
//! Iteration `k` of a run with seed `S` always explores the same schedule, whichever
//! shard runs it: its strategy is seeded from `(S, k)` alone. Shard `I/N` runs
//! iterations `I, I+N, I+2N, ...`.

use super::runner::{classify_panic, Body, Exploration};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use shuttle::{Config, FailurePersistence, Runner};
use shuttle_engine::scheduler::serialization::serialize_schedule;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Which part of a budget this run takes: shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("bad shard `{s}`: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The iterations of `0..total` this shard runs.
    pub fn iterations(&self, total: usize) -> impl Iterator<Item = usize> {
        (self.index..total).step_by(self.count)
    }

    /// This shard's part of a budget of `total` iterations, for
    /// [`Checker::budget`](super::runner::Checker::budget): how many it runs, and
    /// `shard 3/4 of 2 iterations` (or `2 iterations` unsharded).
    pub fn budget(&self, total: usize) -> (usize, String) {
        let what = if self.count > 1 {
            format!("shard {}/{} of {total} iterations", self.index, self.count)
        } else {
            format!("{total} iterations")
        };
        (self.iterations(total).count(), what)
    }
}

/// The seed of iteration `k` of a run seeded `seed` (SplitMix64 finalizer).
pub fn iteration_seed(seed: u64, k: usize) -> u64 {
    let mut z = seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How one execution picks the next task. One implementation per file: random, PCT.
pub trait Strategy: Send + 'static {
    /// Whether every run starts with one deterministic calibration execution
    /// (`begin(None)`), whose contended step count is then given to `calibrated`.
    fn calibrates(&self) -> bool {
        false
    }
    /// Starts an execution: seeded, or the calibration execution.
    fn begin(&mut self, seed: Option<u64>);
    /// Picks among `runnable`.
    fn pick(&mut self, runnable: &[&Task], current: Option<TaskId>, yielding: bool) -> TaskId;
    /// The calibration execution took `steps` contended steps.
    fn calibrated(&mut self, _steps: usize) {}
}

#[derive(Default)]
struct Recording {
    current: Schedule,
    contended: usize,
    calibration_steps: Option<usize>,
    kept: Vec<String>,
}

/// A shuttle scheduler over a [`Strategy`] that records every choice.
struct Recorded<S> {
    strategy: S,
    seed: u64,
    todo: std::vec::IntoIter<Option<usize>>,
    stop: Arc<AtomicBool>,
    started: bool,
    calibrating: bool,
    keep: Arc<AtomicBool>,
    rec: Arc<Mutex<Recording>>,
    rng: Pcg64Mcg,
}

impl<S> Recorded<S> {
    fn rec(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.rec.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finish_previous(&mut self) {
        if self.started && self.keep.swap(false, Ordering::Relaxed) {
            let mut r = self.rec();
            let s = serialize_schedule(&r.current);
            r.kept.push(s);
        }
    }
}

impl<S: Strategy> Scheduler for Recorded<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.finish_previous();
        if self.calibrating {
            let steps = self.rec().contended;
            self.rec().calibration_steps = Some(steps);
            self.strategy.calibrated(steps);
        }
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        let k = self.todo.next()?;
        self.started = true;
        self.calibrating = k.is_none();
        let seed = k.map_or(self.seed, |k| iteration_seed(self.seed, k));
        self.strategy.begin(k.map(|_| seed));
        self.rng = Pcg64Mcg::seed_from_u64(seed);
        let schedule = Schedule::new(seed);
        let mut r = self.rec();
        r.current = schedule.clone();
        r.contended = 0;
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        let t = self.strategy.pick(runnable, current, yielding);
        let mut r = self.rec();
        r.current.push_task(t);
        if runnable.len() > 1 {
            r.contended += 1;
        }
        Some(t)
    }

    fn next_u64(&mut self) -> u64 {
        self.rec().current.push_random();
        self.rng.gen()
    }
}

/// The shuttle configuration every checker uses: no failure printing (the harness
/// reports), no warnings.
pub fn config() -> Config {
    let mut c = Config::new();
    c.failure_persistence = FailurePersistence::None;
    c.silence_warnings = true;
    c
}

/// Runs `body` for every iteration of `shard` under `strategy` (after the strategy's
/// calibration execution, if it has one).
pub fn explore<S: Strategy>(
    strategy: S,
    seed: u64,
    iterations: usize,
    shard: Shard,
    body: Body,
) -> Exploration {
    let keep = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let rec = Arc::new(Mutex::new(Recording::default()));
    let calibration = strategy.calibrates().then_some(None);
    let todo: Vec<Option<usize>> = calibration
        .into_iter()
        .chain(shard.iterations(iterations).map(Some))
        .collect();
    let scheduler = Recorded {
        strategy,
        seed,
        todo: todo.into_iter(),
        stop: stop.clone(),
        started: false,
        calibrating: false,
        keep: keep.clone(),
        rec: rec.clone(),
        rng: Pcg64Mcg::seed_from_u64(seed),
    };
    let executions = Arc::new(AtomicUsize::new(0));
    let counted = executions.clone();
    let keep_flag = keep.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config()).run(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            let control = body.run();
            keep_flag.store(control.keep, Ordering::Relaxed);
            stop.store(control.stop, Ordering::Relaxed);
        })
    }));
    let n = executions.load(Ordering::Relaxed);
    let mut r = rec.lock().unwrap_or_else(|p| p.into_inner());
    if keep.swap(false, Ordering::Relaxed) {
        let s = serialize_schedule(&r.current);
        r.kept.push(s);
    }
    let kept = std::mem::take(&mut r.kept);
    let steps = r.calibration_steps;
    match result {
        Ok(_) => Exploration {
            executions: n,
            complete: true,
            kept,
            steps,
            ..Exploration::default()
        },
        Err(payload) => Exploration {
            executions: n,
            stop: Some(classify_panic(payload.as_ref())),
            stop_schedule: Some(serialize_schedule(&r.current)),
            kept,
            steps,
            ..Exploration::default()
        },
    }
}

/// Reruns one recorded schedule (already validated). Kernel developers get this as
/// `daxlock replay`.
pub fn replay(schedule: &str, body: Body) -> Exploration {
    let scheduler = shuttle::scheduler::ReplayScheduler::new_from_encoded(schedule.trim());
    let executions = Arc::new(AtomicUsize::new(0));
    let counted = executions.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config()).run(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            let _ = body.run();
        })
    }));
    let n = executions.load(Ordering::Relaxed);
    match result {
        Ok(_) => Exploration {
            executions: n,
            complete: true,
            ..Exploration::default()
        },
        Err(payload) => Exploration {
            executions: n,
            stop: Some(classify_panic(payload.as_ref())),
            stop_schedule: Some(schedule.trim().to_owned()),
            ..Exploration::default()
        },
    }
}
