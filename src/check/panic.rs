//! Panics the checkers turn into verdicts: reading a payload, classifying it, and
//! keeping the process's panic hook quiet about them.

use super::checker::{Stop, STOP_REQUESTED};

/// Turns a panic payload into its message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

/// Classifies a panic that ended an exploration: loom's `deadlock; threads = ...`
/// and shuttle's `deadlock! blocked tasks: ...` are hangs; anything else is a crash.
pub fn classify_panic(payload: &(dyn std::any::Any + Send)) -> Stop {
    let msg = panic_message(payload);
    if msg == STOP_REQUESTED {
        Stop::Requested
    } else if msg.starts_with("deadlock") {
        Stop::Deadlock(msg.lines().next().unwrap_or_default().to_owned())
    } else {
        Stop::Crash(msg)
    }
}

/// Silences the panics the checkers turn into verdicts.
///
/// Loom and shuttle report a deadlock by panicking; the harness catches it. Shuttle
/// also installs, once, a panic hook that prints a schedule for *every* panic in the
/// process (loom's included). This lets shuttle install its hook, then replaces it
/// with one that stays quiet for deadlocks and prints anything else as the default
/// hook would. Call it once at start-up (the binary does).
pub fn quiet_checker_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        shuttle::check_random(|| {}, 1);
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| {
            // Outside the stateful checker's arena: what the default hook sets up
            // for the process (a backtrace's symbol cache) must outlive a restore.
            crate::sync::stateful_backend::arena::outside(|| {
                let msg = panic_message(info.payload());
                if !msg.starts_with("deadlock") && msg != STOP_REQUESTED {
                    default(info);
                }
            });
        }));
    });
}
