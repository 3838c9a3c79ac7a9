//! Shuttle with Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).
//!
//! Each execution gives every task a random priority and picks `depth - 1` change
//! points among the steps; the highest-priority runnable task runs, and at a change
//! point the running task drops to the lowest priority. A bug of depth `d` is found
//! by one execution with probability at least `1 / (n * k^(d-1))` for `n` threads and
//! `k` steps. Shuttle's own `PctScheduler` learns `k` as it goes, which makes an
//! iteration depend on the ones before it; here every run starts with one
//! deterministic calibration execution (tasks by creation order, no change points)
//! that measures `k`, and every other choice is seeded by the iteration alone, so a
//! budget shards deterministically.

use super::checker::{Body, Checker, Exploration, Numbering};
use super::shuttle::{explore, Shard, Strategy};
use crate::kind::CheckerKind;
use crate::sync::Shuttle;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use shuttle::scheduler::{Task, TaskId};
use std::collections::HashMap;

/// PCT's choice of task.
pub struct PctStrategy {
    depth: usize,
    max_steps: usize,
    rng: Pcg64Mcg,
    priorities: HashMap<TaskId, u64>,
    lowered: u64,
    change_points: Vec<usize>,
    steps: usize,
    calibrating: bool,
    /// Calibration executions begun so far: round `r` runs task `r` first.
    round: usize,
}

/// Calibration executions per run: rounds 0..4 give the main thread and threads 1, 2
/// and 3 the highest priority in turn, and `k` is the most contended steps any of them
/// took. One round in creation order undercounts: the first thread runs alone while
/// the others have not started, and in other orders a thread's path (fallbacks,
/// retries, waits) is longer; change points then all fall early, and a bug whose window
/// lies later is never hit (seen: downgrade-wake-one on a three-thread shape, verified
/// over 20,000 schedules).
pub const CALIBRATIONS: usize = 4;

impl PctStrategy {
    /// A strategy finding bugs of depth up to `depth`.
    pub fn new(depth: usize) -> Self {
        PctStrategy {
            depth: depth.max(1),
            max_steps: 2,
            rng: Pcg64Mcg::seed_from_u64(0),
            priorities: HashMap::new(),
            lowered: 0,
            change_points: Vec::new(),
            steps: 0,
            calibrating: false,
            round: 0,
        }
    }
}

impl Strategy for PctStrategy {
    fn calibrations(&self) -> usize {
        CALIBRATIONS
    }

    fn begin(&mut self, seed: Option<u64>) {
        self.priorities.clear();
        self.lowered = u64::MAX / 2;
        self.steps = 0;
        self.change_points.clear();
        self.calibrating = seed.is_none();
        let Some(seed) = seed else {
            // Calibration: task `round` first, then the others in creation order, no
            // change points.
            self.rng = Pcg64Mcg::seed_from_u64(0);
            self.round += 1;
            return;
        };
        self.rng = Pcg64Mcg::seed_from_u64(seed);
        let points = (self.depth - 1).min(self.max_steps.saturating_sub(1));
        self.change_points = sample(&mut self.rng, self.max_steps - 1, points)
            .iter()
            .map(|v| v + 1)
            .collect();
    }

    fn pick(&mut self, runnable: &[&Task], current: Option<TaskId>, yielding: bool) -> TaskId {
        let calibrating = self.calibrating;
        let first = self.round.saturating_sub(1) as u64;
        for t in runnable {
            let rng = &mut self.rng;
            // Random priorities, all above the lowered range (smaller runs first).
            self.priorities.entry(t.id()).or_insert_with(|| {
                if calibrating {
                    (usize::from(t.id()) as u64).wrapping_sub(first) % 64
                } else {
                    rng.gen_range(0..u64::MAX / 2)
                }
            });
        }
        if runnable.len() > 1 {
            self.steps += 1;
            if self.change_points.contains(&self.steps) || yielding {
                if let Some(c) = current {
                    self.lowered += 1;
                    self.priorities.insert(c, self.lowered);
                }
            }
        }
        runnable
            .iter()
            .min_by_key(|t| self.priorities[&t.id()])
            .expect("a runnable task")
            .id()
    }

    fn calibrated(&mut self, steps: usize) {
        self.max_steps = self.max_steps.max(steps);
    }
}

/// PCT schedules with shuttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PctChecker {
    /// Iterations in the whole budget (all shards).
    pub iterations: usize,
    /// Bug depth targeted.
    pub depth: usize,
    /// Base seed.
    pub seed: u64,
    /// The part of the budget this run takes.
    pub shard: Shard,
}

impl Checker for PctChecker {
    type Backend = Shuttle;

    fn name(&self) -> CheckerKind {
        CheckerKind::Pct
    }

    fn budget(&self) -> Option<(usize, String)> {
        Some(self.shard.budget(self.iterations))
    }

    fn numbering(&self) -> Numbering {
        Numbering {
            calibrations: CALIBRATIONS,
            shard: self.shard,
        }
    }

    fn explore(&self, body: Body) -> Exploration {
        explore(
            PctStrategy::new(self.depth),
            self.seed,
            self.iterations,
            self.shard,
            body,
        )
    }
}
