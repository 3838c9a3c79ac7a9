//! The figures of a stateful search ([`super::stateful`]), as checkers report them.

use serde::Serialize;

/// What a finished search reports: SPIN's and CHESS's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
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
