//! The defaults of every checker's parameters.

/// Shuttle iterations per check where neither the command line nor the scenario
/// states them.
pub const DEFAULT_ITERATIONS: usize = 2000;
/// Real-thread iterations per check where the command line states none.
pub const DEFAULT_THREAD_ITERATIONS: usize = 200;
/// PCT's depth where neither the command line nor the scenario states it.
pub const DEFAULT_PCT_DEPTH: usize = 3;
/// The real-thread watchdog, in milliseconds, where the command line states none.
pub const DEFAULT_WATCHDOG_MS: u64 = 2000;
/// The gate's loom bound for scenarios that state none: loom is the cross-check
/// there; the unbounded runs are the stateful rows, and the loom suite
/// (`RUSTFLAGS="--cfg loom" cargo test --release`) runs two-thread scenarios
/// unbounded and compares them with stateful.
pub const GATE_LOOM_BOUND: usize = 3;
pub use super::stateful::DEFAULT_MAX_STATES;

use super::config::{CheckerConfig, Recorded};
use super::loom::LoomChecker;
use super::pct::PctChecker;
use super::random::RandomChecker;
use super::stateful::StatefulChecker;
use super::threads::ThreadsConfig;
use crate::kind::CheckerKind;
use std::time::Duration;

/// `kind`'s configuration with every parameter at its default (loom unbounded, the
/// real threads on `parking_lot`).
pub fn default_config(kind: CheckerKind) -> CheckerConfig {
    match kind {
        CheckerKind::Loom => CheckerConfig::Loom(LoomChecker {
            preemption_bound: None,
            max_executions: None,
        }),
        CheckerKind::Random => CheckerConfig::Random(RandomChecker {
            iterations: DEFAULT_ITERATIONS,
            seed: 0,
            shard: Default::default(),
        }),
        CheckerKind::Pct => CheckerConfig::Pct(PctChecker {
            iterations: DEFAULT_ITERATIONS,
            depth: DEFAULT_PCT_DEPTH,
            seed: 0,
            shard: Default::default(),
        }),
        CheckerKind::Threads => CheckerConfig::Threads(ThreadsConfig {
            backend: "parking_lot".into(),
            iterations: DEFAULT_THREAD_ITERATIONS,
            watchdog: Duration::from_millis(DEFAULT_WATCHDOG_MS),
        }),
        CheckerKind::Stateful => CheckerConfig::Stateful(StatefulChecker::default()),
        CheckerKind::Replay => CheckerConfig::Replay(Recorded::Schedule),
    }
}
