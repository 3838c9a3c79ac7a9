//! `loom::sync` and `loom::thread`: every interleaving, inside `loom::model`.
//!
//! Loom caps a model at 5 threads including the main thread; the checker in
//! [`crate::check::loom`] checks that before it starts. Loom's `Arc` is never used
//! (see the module docs of [`crate::sync`]).

/// Loom's modelled primitives; usable only inside `loom::model`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

super::std_shaped_backend!(Loom, "loom", loom::sync, loom::thread, true, false);
