//! daxlock: a model of the Linux kernel's DAX mapping-entry locking (`fs/dax.c`,
//! v4.13), generic over its synchronization primitives, and a harness that runs the
//! same code under loom, shuttle and real threads.
//!
//! The layers, lowest first; a module imports only from its own layer and those
//! below it (`tests::no_layer_imports_from_above` checks):
//!
//! - [`sync`]: the backend trait and its parking_lot, std, loom, shuttle and
//!   stateful implementations.
//! - [`dax`]: the protocol (production code; knows nothing of checkers).
//! - [`verdict`], [`kind`]: the names of verdicts and checkers.
//! - [`scenario`]: scenario files.
//! - [`check`]: checkers, the generic scenario runner, settings, traces.
//! - [`gate`]: choosing checkers and budgets, the verification gate; [`lemma`],
//!   [`bench`].
//! - [`report`]: text and JSON of results; [`merge`] of sharded reports.
//! - [`cli`]: the command line (`src/main.rs` only calls [`cli::main`]).
#![warn(missing_docs)]

pub mod bench;
pub mod check;
pub mod cli;
pub mod dax;
pub mod gate;
pub mod kind;
pub mod lemma;
pub mod merge;
pub mod report;
pub mod scenario;
pub mod sync;
pub mod verdict;
