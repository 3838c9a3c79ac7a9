//! `shuttle::sync` and `shuttle::thread`: randomized and PCT schedules, inside a
//! shuttle runner.

/// Shuttle's controlled primitives; usable only inside a shuttle runner.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

super::std_shaped_backend!(
    Shuttle,
    "shuttle",
    shuttle::sync,
    shuttle::thread,
    true,
    false
);
