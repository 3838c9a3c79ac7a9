//! Real threads on a production backend, with a watchdog that turns a hang into a
//! report instead of a stuck process.

use super::checker::{Body, Checker, Exploration, Stop};
use super::settings::Settings;
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
#[derive(Debug, Clone, Copy)]
pub struct ThreadsChecker<B> {
    /// Executions to run.
    pub iterations: usize,
    /// How long one execution may take before it counts as hung.
    pub watchdog: Duration,
    backend: PhantomData<B>,
}

impl<B> ThreadsChecker<B> {
    /// A stress run of `iterations` executions with a `watchdog` per execution.
    pub fn new(iterations: usize, watchdog: Duration) -> Self {
        ThreadsChecker {
            iterations,
            watchdog,
            backend: PhantomData,
        }
    }
}

impl<B: Backend> Checker for ThreadsChecker<B> {
    type Backend = B;

    fn name(&self) -> CheckerKind {
        CheckerKind::Threads
    }

    fn settings(&self) -> Settings {
        Settings {
            backend: Some(B::NAME.to_owned()),
            watchdog_ms: Some(self.watchdog.as_millis()),
            ..Settings::default()
        }
    }

    fn rerun_args(&self) -> Option<String> {
        Some(format!(
            "--checker threads --iterations {} --watchdog-ms {}",
            self.iterations,
            self.watchdog.as_millis()
        ))
    }

    fn budget(&self) -> Option<(usize, String)> {
        Some((self.iterations, format!("{} iterations", self.iterations)))
    }

    fn explore(&self, body: Body) -> Exploration {
        for i in 0..self.iterations {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let b = body.clone();
            std::thread::Builder::new()
                .name("scenario-main".into())
                .spawn(move || {
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.run()));
                    let _ = tx.send(r.map_err(|p| super::panic::panic_message(p.as_ref())));
                })
                .expect("spawning the scenario thread failed");
            match rx.recv_timeout(self.watchdog) {
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
                            self.watchdog.as_millis()
                        ))),
                        ..Exploration::default()
                    }
                }
            }
        }
        Exploration {
            executions: self.iterations,
            complete: true,
            ..Exploration::default()
        }
    }
}
