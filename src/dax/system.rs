//! What a scenario's operations run against.
//!
//! The model's [`Mapping`] is one implementation; the kernel target (a separate,
//! GPL crate running a Linux tree's own fs/dax.c) is another. The runner drives
//! either through this trait, so verdicts, traces and replay are one code path.

use super::fault::{Access, AccessResult, FaultSize};
use super::harm::Harm;
use super::mapping::Mapping;
use crate::sync::Backend;

/// A file with its mappings, as the scenario's threads use it.
pub trait System<B: Backend>: Send + Sync + 'static {
    /// A load or store at `addr`, faulting until it is mapped; [`FaultSize::Pmd`]
    /// tries the PMD handler first.
    /// Kernel: __handle_mm_fault() and the DAX fault handlers.
    fn access(&self, addr: u64, access: Access, size: FaultSize) -> AccessResult;
    /// Kernel: vfs_fsync() → dax_writeback_mapping_range(). Returns what its
    /// postcondition found broken (see [`Mapping::fsync_with`]); empty when fsync
    /// kept its promise.
    fn fsync(&self) -> Vec<Harm>;
    /// Kernel: truncate(2) → truncate_pagecache() → dax_delete_mapping_entry().
    fn truncate(&self, size_pages: u64);
    /// Kernel: write(2) → block allocation and dax_invalidate_mapping_entry_sync().
    fn write(&self, pgoff: u64, pages: u64);
    /// Kernel: memory_failure() → mf_dax_kill_procs() → dax_lock_mapping_entry() and
    /// dax_unlock_mapping_entry().
    fn memory_failure(&self, pgoff: u64);
    /// Faults one access may take before it counts as making no progress.
    fn fault_limit(&self) -> usize;
    /// Every end-state check failed, each with its class of harm; call with no
    /// thread running.
    fn end_state_violations(&self) -> Vec<Harm>;
}

impl<B: Backend> System<B> for Mapping<B> {
    fn access(&self, addr: u64, access: Access, size: FaultSize) -> AccessResult {
        Mapping::access(self, addr, access, size)
    }
    fn fsync(&self) -> Vec<Harm> {
        Mapping::fsync(self)
    }
    fn truncate(&self, size_pages: u64) {
        Mapping::truncate(self, size_pages)
    }
    fn write(&self, pgoff: u64, pages: u64) {
        Mapping::write(self, pgoff, pages)
    }
    fn memory_failure(&self, pgoff: u64) {
        Mapping::memory_failure(self, pgoff);
    }
    fn fault_limit(&self) -> usize {
        Mapping::fault_limit(self)
    }
    fn end_state_violations(&self) -> Vec<Harm> {
        Mapping::end_state_violations(self)
    }
}
