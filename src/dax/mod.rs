//! The protocol: DAX mapping-entry locking as fs/dax.c had it in v4.13.
//!
//! Generic over [`crate::sync::Backend`]; it knows nothing of checkers. Protocol
//! events are `tracing` events (target `daxlock::dax::*`, field `event`), and kernel
//! WARN_ON_ONCE conditions are WARN-level events with `event = "warn"`: execution goes
//! on, as in the kernel.

pub mod bugs;
pub mod entry;
pub mod fault;
pub mod file;
mod invariants;
pub mod mapping;
pub mod pagetable;
pub mod tree;
pub mod units;
pub mod wait;

pub use bugs::{Bugs, ALL_BUGS};
pub use entry::{Entry, EntryKind, EntrySize};
pub use fault::{AccessResult, FaultResult};
pub use file::{Block, Extent, FileLayout, Vma};
pub use mapping::{GrabError, Held, Mapping, MappingConfig};
pub use wait::{WaitKey, WaitTable, WakeMode};
