//! The protocol: DAX mapping-entry locking as fs/dax.c had it in v4.13.
//!
//! Generic over [`crate::sync::Backend`]; it knows nothing of checkers. Protocol
//! events go to the mapping's [`observe::Observer`] and, as `tracing` events (target
//! `daxlock::dax::*`, field `event`), to any subscriber; kernel WARN_ON_ONCE
//! conditions are `warn` events (WARN level for `tracing`): execution goes on, as in
//! the kernel.

pub mod branch;
pub mod bugs;
pub mod entry;
pub mod fault;
pub mod file;
pub mod harm;
mod invariants;
pub mod mapping;
pub mod observe;
pub mod pagetable;
pub mod system;
pub mod tree;
pub mod units;
pub mod wait;

pub use branch::{Branch, BranchSet};
pub use bugs::{Bugs, ALL_BUGS};
pub use entry::{Entry, EntryKind, EntrySize};
pub use fault::{Access, AccessResult, FaultResult, FaultSize};
pub use file::{Block, Extent, FileLayout, Filesystem, Vma};
pub use harm::{Check, Harm, HarmKind, Truths};
pub use mapping::{GrabError, Held, Invalidate, Mapping, MappingConfig};
pub use pagetable::Install;
pub use system::System;
pub use wait::{WaitKey, WaitTable, WakeMode};

#[cfg(test)]
mod tests {
    /// The protocol shares state only through backend primitives: no std locks,
    /// atomics, lazily initialised cells or interior mutability in `src/dax` (an
    /// `Arc` of immutable data is fine; the event observer is a write-only sink the
    /// protocol never reads back). The
    /// stateful checker's soundness rests on it (see `check::stateful`), so a
    /// violation fails here, naming the file and line.
    #[test]
    fn no_shared_state_outside_the_backend() {
        const FORBIDDEN: &[&str] = &[
            "std::sync",
            "std::cell",
            "Atomic",
            "OnceLock",
            "OnceCell",
            "LazyLock",
            "RefCell",
            "Cell<",
            "UnsafeCell",
            "static mut",
            "thread_local!",
            "lazy_static",
            "parking_lot::",
            "crossbeam",
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dax");
        let mut bad = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/dax") {
            let path = entry.expect("a file").path();
            let text = std::fs::read_to_string(&path).expect("readable");
            // The tests below `#[cfg(test)]` may use real threads.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                // Immutable sharing is fine.
                if line.trim() == "use std::sync::Arc;" {
                    continue;
                }
                for f in FORBIDDEN {
                    if line.contains(f) {
                        bad.push(format!("{}:{}: {f}", path.display(), n + 1));
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "shared state outside the backend:\n{}",
            bad.join("\n")
        );
    }
}
