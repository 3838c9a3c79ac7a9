//! daxlock: a model of the Linux kernel's DAX mapping-entry locking (`fs/dax.c`,
//! v4.13), generic over its synchronization primitives, and a harness that runs the
//! same code under loom, shuttle and real threads.
//!
//! - [`sync`]: the backend trait and its parking_lot, std, loom and shuttle
//!   implementations.
//! - [`dax`]: the protocol (production code; knows nothing of checkers).
//! - [`check`]: checkers, the generic scenario runner, verdicts, traces.
//! - [`scenario`]: scenario files.
#![warn(missing_docs)]

pub mod bench;
pub mod check;
pub mod dax;
pub mod gate;
pub mod lemma;
pub mod merge;
pub mod report;
pub mod scenario;
pub mod sync;
