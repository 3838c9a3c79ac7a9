//! daxlock's kernel target (GPL-2.0-only): a Linux tree's own fs/dax.c entry
//! locking, compiled in userspace and run under daxlock's checkers.
//!
//! The build script extracts the entry-locking items of the tree's `fs/dax.c` and
//! the wake functions of `kernel/sched/wait.c`, compiles them with `lib/xarray.c`
//! against the shims in `c/` and `shim/`, once per bug variant ([`patches`]). This
//! crate registers a `kernel` [`daxlock::check::Target`] whose system runs each
//! scenario operation through that C code, with every lock, sleep and wakeup a
//! hook into the checker's backend (the private `world` module). It is a separate
//! crate because the kernel's code is GPL-2.0-only; daxlock itself does not depend
//! on it.

#[macro_use]
#[allow(unused_macros)]
pub mod decls;
pub mod era;
pub mod extract;
pub mod patches;
pub mod patches_radix;
#[cfg(daxk_kernel)]
mod world;
#[cfg(daxk_kernel)]
pub use world::{
    check_used_heads, end_states, entry_walks, folds_from_env, walk_bounds,
    writeback_walk_counts_rounds, DirtyDead, EntryScopeResult, Folds, TowriteBehind, WalkBounds,
};
#[cfg(daxk_kernel)]
pub mod switches;
#[cfg(daxk_kernel)]
pub use switches::{Switches, SwitchesGuard};

#[cfg(daxk_kernel)]
pub mod differential;
#[cfg(daxk_kernel)]
mod kernel;
#[cfg(daxk_kernel)]
pub mod radix;
#[cfg(daxk_kernel)]
pub mod selftest;
#[cfg(daxk_kernel)]
pub use kernel::{
    expectations, hole_page_probe, wait_bucket, KernelMapping, KernelTarget, ERA_EXPECTATIONS,
    ERA_UNREACHABLE, KERNEL_ERA, KERNEL_EXPECTATIONS, KERNEL_SRC, KERNEL_UNVISITED, KERNEL_VERSION,
    READS_DIRTY_EXPECTATIONS, READ_FAULTS_LEAVE_ENTRIES_CLEAN, SKIPPED, VARIANTS,
    VARIANT_READS_CLEAN,
};

/// Why this build has no kernel target, if it has none.
pub fn unavailable() -> Option<&'static str> {
    #[cfg(daxk_kernel)]
    {
        None
    }
    #[cfg(not(daxk_kernel))]
    {
        mod none {
            include!(concat!(env!("OUT_DIR"), "/variants.rs"));
        }
        Some(none::NO_KERNEL)
    }
}

/// Registers the kernel target with daxlock's `--target`, when this build has one.
pub fn register() {
    #[cfg(daxk_kernel)]
    daxlock::check::target::register(std::sync::Arc::new(KernelTarget::default()));
}
