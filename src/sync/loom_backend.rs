//! `loom::sync` and `loom::thread`: every interleaving, inside `loom::model`.
//!
//! Loom caps a model at [`LOOM_MAX_THREADS`] threads including the main thread; the
//! loom checker checks that before it starts. Loom's `Arc` is never used (see the
//! module docs of [`crate::sync`]).

/// Loom's hard cap on threads in one model, its main thread included (loom's own
/// `MAX_THREADS`, which it does not export). The one place this number is stated.
pub const LOOM_MAX_THREADS: usize = 5;

/// Loom's modelled primitives; usable only inside `loom::model`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

super::std_shaped_backend!(Loom, "loom", loom::sync, loom::thread, true, false);
