//! The harness: checkers that explore schedules of the protocol, one runner generic
//! over them, their settings and counterexample traces.

pub mod binding;
pub mod checker;
pub mod config;
pub mod coverage;
pub mod fold;
pub mod loom;
pub mod panic;
pub mod pct;
pub mod plan;
pub mod random;
pub mod replay;
pub mod run;
pub mod shard;
pub mod shared_set;
pub mod shuttle;
pub mod stateful;
pub mod stats;
pub mod target;
pub mod threads;
pub mod trace;

/// Verdicts live below scenarios ([`crate::verdict`]); this path stays for callers.
pub use crate::verdict;

pub use self::loom::LoomChecker;
pub use crate::kind::CheckerKind;
pub use crate::verdict::Verdict;
pub use checker::{Checker, Numbering};
pub use config::{CheckerConfig, Configured};
pub use coverage::Coverage;
pub use fold::{CheckError, CheckReport, Failure, Limits};
pub use pct::PctChecker;
pub use random::RandomChecker;
pub use replay::ReplayChecker;
pub use run::{check, check_limited, check_on, check_with};
pub use stateful::StatefulChecker;
pub use target::{Model, Target};
pub use threads::ThreadsChecker;

impl CheckReport {
    /// A report of one complete execution of `checker` on the model that reached
    /// `verdict`, with nothing else found: what tests build to exercise the reports
    /// and the gate's judgement without running a check.
    pub fn single(checker: CheckerKind, verdict: Verdict) -> Self {
        CheckReport {
            target: "model",
            target_args: String::new(),
            checker,
            settings: plan::default_config(checker),
            rerun: None,
            schedules: 1,
            complete: true,
            verdict,
            failure: None,
            lesser: Vec::new(),
            first_failure_at: None,
            steps: None,
            search: None,
            coverage: Coverage::default(),
            seconds: 0.0,
            timed_out: false,
            numbering: Default::default(),
        }
    }
}
