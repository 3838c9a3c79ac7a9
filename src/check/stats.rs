//! The figures of a stateful search ([`super::stateful`]), as checkers report them.

use serde::{Deserialize, Serialize};

/// What a finished search reports: SPIN's and CHESS's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchStats {
    /// Distinct states explored.
    pub states: usize,
    /// Transitions taken (arrivals at a branching point, new state or not).
    pub transitions: usize,
    /// Executions started (each replays its prefix from the start).
    pub executions: usize,
    /// Executions cut at an already explored state.
    pub cut: usize,
    /// The most branching points on one path.
    pub max_depth: usize,
    /// Distinct hang states met.
    pub hangs: usize,
    /// Executions that ran to their end (or were ended with a kernel WARN) and
    /// failed a check: a lost write, an invariant, a SIGBUS, ... (hangs are
    /// `hangs`). Such failures never stop the search (only `first_failure_only`
    /// does), so a complete search counts every one its uncut executions meet; a
    /// cut execution skips its end checks (the module doc of
    /// [`super::stateful`], *End states of cut executions*), so this counts
    /// failing paths to distinct (state, choice) pairs, not failing interleavings.
    pub failing: usize,
    /// Whether the whole space was explored (no budget or stop cut it short).
    pub complete: bool,
    /// The state budget.
    pub max_states: usize,
    /// Workers.
    pub jobs: usize,
    /// Seconds searching.
    pub seconds: f64,
    /// Whether sleep sets (partial-order reduction) pruned the search.
    pub por: bool,
    /// The wrapping sum of the visited states' fingerprints (equal sets of states,
    /// equal digests): tests compare the reduced search with the full one.
    #[serde(skip)]
    pub digest: u128,
    /// CPU seconds the workers spent searching, summed (0 where the system does not
    /// say: [`thread_cpu_seconds`]).
    #[serde(skip)]
    pub cpu_seconds: f64,
    /// CPU seconds of the worker that spent the most: with a core for each worker,
    /// the search would take about this long (`daxlock bench jobs`).
    #[serde(skip)]
    pub busiest_worker_seconds: f64,
    /// Executions that resumed a snapshot instead of replaying their prefix
    /// (the default on the model; counted in `executions` too).
    #[serde(skip)]
    pub resumed: usize,
}

impl SearchStats {
    /// States per second.
    pub fn states_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.states as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// CPU seconds the calling OS thread has run (Linux: `/proc/thread-self/schedstat`,
/// in nanoseconds); 0 where it cannot be read. Benchmarks compare it with the wall
/// clock, which on a shared machine measures the other programs too.
pub fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}
