//! Real threads on a production backend, with a watchdog that turns a hang into a
//! report instead of a stuck process.

use super::checker::{Body, Checker, Exploration, Stop};
use crate::kind::CheckerKind;
use crate::sync::Backend;
use std::marker::PhantomData;
use std::time::Duration;

/// The shortest watchdog the command line accepts. Below it, spawning and joining a
/// scenario's OS threads on a loaded machine can take longer than the watchdog, and
/// the fixed build "hangs".
pub const MIN_WATCHDOG_MS: u64 = 100;

/// Runs the scenario on real OS threads `iterations` times; an execution that does
/// not finish within `watchdog` is reported as a hang (its threads are abandoned,
/// still blocked, as a hung kernel task would be). That hang is a timeout, not a
/// proven deadlock: a slow execution looks the same.
#[derive(Debug, Clone)]
pub struct ThreadsChecker<B> {
    config: ThreadsConfig,
    backend: PhantomData<B>,
}

/// A real-thread check's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThreadsConfig {
    /// The backend's name ([`Backend::NAME`]: `parking_lot`, `std`).
    pub backend: String,
    /// Executions to run.
    pub iterations: usize,
    /// How long one execution may take before it counts as hung.
    pub watchdog: Duration,
}

impl<B: Backend> ThreadsChecker<B> {
    /// A stress run of `iterations` executions with a `watchdog` per execution.
    pub fn new(iterations: usize, watchdog: Duration) -> Self {
        ThreadsChecker {
            config: ThreadsConfig {
                backend: B::NAME.to_owned(),
                iterations,
                watchdog,
            },
            backend: PhantomData,
        }
    }

    /// Its parameters.
    pub fn config(&self) -> &ThreadsConfig {
        &self.config
    }

    /// A stress run as `config` states it (its backend must be `B`'s).
    pub fn from_config(config: ThreadsConfig) -> Self {
        debug_assert_eq!(config.backend, B::NAME);
        ThreadsChecker {
            config,
            backend: PhantomData,
        }
    }
}

impl<B: Backend> Checker for ThreadsChecker<B> {
    type Backend = B;

    fn name(&self) -> CheckerKind {
        CheckerKind::Threads
    }

    fn budget(&self) -> Option<(usize, String)> {
        Some((
            self.config.iterations,
            format!("{} iterations", self.config.iterations),
        ))
    }

    fn explore(&self, body: Body) -> Exploration {
        for i in 0..self.config.iterations {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let b = body.clone();
            std::thread::Builder::new()
                .name("scenario-main".into())
                .spawn(move || {
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.run()));
                    let _ = tx.send(r.map_err(|p| super::panic::panic_message(p.as_ref())));
                })
                .expect("spawning the scenario thread failed");
            match rx.recv_timeout(self.config.watchdog) {
                Ok(Ok(control)) if control.stop => {
                    return Exploration {
                        executions: i + 1,
                        ..Exploration::default()
                    }
                }
                Ok(Ok(_)) => {}
                Ok(Err(msg)) => {
                    return Exploration {
                        executions: i,
                        stop: Some(Stop::Crash(msg)),
                        ..Exploration::default()
                    }
                }
                Err(_) => {
                    return Exploration {
                        executions: i,
                        stop: Some(Stop::Deadlock(format!(
                            "watchdog timeout: execution {} did not finish within {} ms (not a proven deadlock: a slow execution looks the same)",
                            i + 1,
                            self.config.watchdog.as_millis()
                        ))),
                        ..Exploration::default()
                    }
                }
            }
        }
        Exploration {
            executions: self.config.iterations,
            complete: true,
            ..Exploration::default()
        }
    }
}
