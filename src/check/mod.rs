//! The harness: checkers that explore schedules of the protocol, one runner generic
//! over them, their settings and counterexample traces.

pub mod binding;
pub mod coverage;
pub mod loom;
pub mod pct;
pub mod random;
pub mod replay;
pub mod runner;
pub mod settings;
pub mod shuttle;
pub mod stateful;
pub mod target;
pub mod threads;
pub mod trace;

/// Verdicts live below scenarios ([`crate::verdict`]); this path stays for callers.
pub use crate::verdict;

pub use self::loom::LoomChecker;
pub use crate::kind::CheckerKind;
pub use crate::verdict::Verdict;
pub use coverage::Coverage;
pub use pct::PctChecker;
pub use random::RandomChecker;
pub use replay::ReplayChecker;
pub use runner::{
    check, check_limited, check_on, check_with, CheckError, CheckReport, Checker, Failure, Limits,
    Numbering,
};
pub use settings::Settings;
pub use stateful::StatefulChecker;
pub use target::{Model, Target};
pub use threads::ThreadsChecker;
