//! `std::sync` and `std::thread`: real threads, the reference backend.

/// Real threads on `std::sync` primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdSync;

super::std_shaped_backend!(StdSync, "std", std::sync, std::thread, false, true);
