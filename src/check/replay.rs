//! Shuttle replay of one recorded schedule.

use super::binding::Binding;
use super::checker::{Body, Checker, Exploration};
use super::shuttle::decode_shuttle_schedule;
use crate::kind::CheckerKind;
use crate::sync::Shuttle;
use shuttle::scheduler::Schedule;

/// Reruns exactly one schedule recorded by the random or PCT checker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayChecker {
    schedule: Schedule,
    /// The schedule as given, without its binding and whitespace: how its failures
    /// print it again.
    text: String,
    /// What it was recorded on, if it says.
    binding: Option<Binding>,
}

impl ReplayChecker {
    /// A replay of `schedule` (bound or not, see [`super::binding`]); an error (one
    /// line) if it is not a shuttle schedule.
    pub fn new(schedule: &str) -> Result<Self, String> {
        let (binding, schedule) = Binding::split(schedule)?;
        Ok(ReplayChecker {
            schedule: decode_shuttle_schedule(schedule)?,
            text: schedule.split_whitespace().collect(),
            binding,
        })
    }
}

impl Checker for ReplayChecker {
    type Backend = Shuttle;

    fn name(&self) -> CheckerKind {
        CheckerKind::Replay
    }

    fn budget(&self) -> Option<(usize, String)> {
        Some((1, "one recorded schedule".to_owned()))
    }

    fn binding(&self) -> Option<Binding> {
        self.binding
    }

    fn explore(&self, body: Body) -> Exploration {
        super::shuttle::replay(&self.schedule, &self.text, body)
    }
}
