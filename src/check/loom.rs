//! Loom: every interleaving, up to a preemption bound.

use super::checker::{Body, Checker, Exploration, STOP_REQUESTED};
use super::panic::classify_panic;
use crate::kind::CheckerKind;
use crate::sync::{Loom, LOOM_MAX_THREADS};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The most scenario threads loom models: its cap ([`LOOM_MAX_THREADS`]) less the
/// model's main thread.
pub const LOOM_MAX_SCENARIO_THREADS: usize = LOOM_MAX_THREADS - 1;

/// Exhaustive exploration with loom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoomChecker {
    /// Preemption bound; `None` explores every interleaving.
    pub preemption_bound: Option<usize>,
    /// Stop after this many executions (the report then says incomplete).
    pub max_executions: Option<usize>,
}

impl LoomChecker {
    /// The default for a scenario of `threads` threads: no bound for two threads or
    /// fewer, bound 3 above, `LOOM_MAX_PREEMPTIONS` overriding either; `explicit`
    /// (a scenario's or the command line's) overrides all.
    pub fn for_threads(threads: usize, explicit: Option<usize>) -> Self {
        let env = std::env::var("LOOM_MAX_PREEMPTIONS")
            .ok()
            .and_then(|v| v.parse().ok());
        let default = (threads > 2).then_some(3);
        LoomChecker {
            preemption_bound: explicit.or(env).or(default),
            max_executions: None,
        }
    }
}

impl Checker for LoomChecker {
    type Backend = Loom;

    fn name(&self) -> CheckerKind {
        CheckerKind::Loom
    }

    fn max_threads(&self) -> Option<usize> {
        Some(LOOM_MAX_SCENARIO_THREADS)
    }

    fn explore(&self, body: Body) -> Exploration {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = self.preemption_bound;
        builder.max_branches = 100_000;
        // Loom's counter starts at 1 and it stops once it reaches the cap: a cap of
        // m + 1 runs at most m executions; a run that reached m is not complete.
        builder.max_permutations = self.max_executions.map(|m| m + 1);
        builder.log = false;
        let executions = Arc::new(AtomicUsize::new(0));
        let counted = executions.clone();
        let result = catch_unwind(AssertUnwindSafe(|| {
            builder.check(move || {
                counted.fetch_add(1, Ordering::Relaxed);
                if body.run().stop {
                    std::panic::panic_any(STOP_REQUESTED);
                }
            })
        }));
        let n = executions.load(Ordering::Relaxed);
        match result {
            Ok(()) => Exploration {
                executions: n,
                complete: self.max_executions.is_none_or(|m| n < m),
                ..Exploration::default()
            },
            Err(payload) => Exploration {
                executions: n,
                stop: Some(classify_panic(payload.as_ref())),
                ..Exploration::default()
            },
        }
    }
}
