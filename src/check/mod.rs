//! The harness: checkers that explore schedules of the protocol, one runner generic
//! over them, verdicts and counterexample traces.

pub mod coverage;
pub mod loom;
pub mod pct;
pub mod random;
pub mod replay;
pub mod runner;
pub mod shuttle;
pub mod stateful;
pub mod threads;
pub mod trace;
pub mod verdict;

pub use self::loom::LoomChecker;
pub use coverage::Coverage;
pub use pct::PctChecker;
pub use random::RandomChecker;
pub use replay::ReplayChecker;
pub use runner::{check, check_with, CheckError, CheckReport, Checker, Failure};
pub use stateful::StatefulChecker;
pub use threads::ThreadsChecker;
pub use verdict::Verdict;
