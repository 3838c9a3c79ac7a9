//! Shuttle with uniformly random scheduling.

use super::checker::{Body, Checker, Exploration, Numbering};
use super::shuttle::{explore, Shard, Strategy};
use crate::kind::CheckerKind;
use crate::sync::Shuttle;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use shuttle::scheduler::{Task, TaskId};

/// Picks uniformly among runnable tasks at every step.
pub struct RandomStrategy {
    rng: Pcg64Mcg,
}

impl Strategy for RandomStrategy {
    fn begin(&mut self, seed: Option<u64>) {
        self.rng = Pcg64Mcg::seed_from_u64(seed.unwrap_or_default());
    }
    fn pick(&mut self, runnable: &[&Task], _: Option<TaskId>, _: bool) -> TaskId {
        runnable
            .choose(&mut self.rng)
            .expect("a runnable task")
            .id()
    }
}

/// Random schedules with shuttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomChecker {
    /// Iterations in the whole budget (all shards).
    pub iterations: usize,
    /// Base seed.
    pub seed: u64,
    /// The part of the budget this run takes.
    pub shard: Shard,
}

impl Checker for RandomChecker {
    type Backend = Shuttle;

    fn name(&self) -> CheckerKind {
        CheckerKind::Random
    }

    fn budget(&self) -> Option<(usize, String)> {
        Some(self.shard.budget(self.iterations))
    }

    fn numbering(&self) -> Numbering {
        Numbering {
            calibrations: 0,
            shard: self.shard,
        }
    }

    fn explore(&self, body: Body) -> Exploration {
        let strategy = RandomStrategy {
            rng: Pcg64Mcg::seed_from_u64(self.seed),
        };
        explore(strategy, self.seed, self.iterations, self.shard, body)
    }
}
