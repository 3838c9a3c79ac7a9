//! Shuttle replay of one recorded schedule.

use super::runner::{Body, Checker, Exploration};
use crate::sync::Shuttle;

/// Reruns exactly one schedule recorded by the random or PCT checker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayChecker {
    schedule: String,
}

impl ReplayChecker {
    /// A replay of `schedule`; an error if it is not a shuttle schedule.
    pub fn new(schedule: &str) -> Result<Self, String> {
        let schedule = schedule.trim().to_owned();
        if shuttle_engine::scheduler::serialization::deserialize_schedule(&schedule).is_none() {
            return Err(format!("`{schedule}` is not a shuttle schedule"));
        }
        Ok(ReplayChecker { schedule })
    }
}

impl Checker for ReplayChecker {
    type Backend = Shuttle;

    fn name(&self) -> &'static str {
        "replay"
    }

    fn settings(&self) -> String {
        "one recorded schedule".to_owned()
    }

    fn explore(&self, body: Body) -> Exploration {
        super::shuttle::replay(&self.schedule, body)
    }
}
