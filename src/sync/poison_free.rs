//! `std::sync`'s mutex and reader-writer lock without poisoning: the harness's own
//! locks (recorders, registries, collectors), not the model's.
//!
//! A std lock is poisoned when a thread panics while holding it, and every later
//! `lock()` returns `Err`. The harness panics on purpose (a model thread that
//! fails an assertion, a checker tearing an execution down), and what such a lock
//! protects (a list of events, a schedule being recorded) stays meaningful after a
//! panic, so every caller wants the guard anyway. This module recovers from poison
//! in one place, as tokio's `loom/std/mutex.rs` does: [`Mutex::lock`] returns the
//! guard, and [`unpoisoned`] takes the guard out of any std-shaped `LockResult`
//! (std's, loom's and shuttle's locks and condition variables all return std's
//! `LockResult`, so the backends in [`crate::sync`] use it too).

use std::sync::{
    LockResult, MutexGuard, PoisonError, RwLockReadGuard, RwLockWriteGuard, TryLockError,
    TryLockResult,
};

/// The guard in `result`, whether or not the lock was poisoned.
pub fn unpoisoned<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

/// The guard of a `try_lock()` (std-shaped: std's, loom's or shuttle's) that found
/// the lock free, whether or not it was poisoned; `None` if it would block.
pub fn untaken<G>(result: TryLockResult<G>) -> Option<G> {
    match result {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// A `std::sync::Mutex` whose [`lock`](Mutex::lock) ignores poisoning.
#[derive(Debug, Default)]
pub struct Mutex<T: ?Sized>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    /// A mutex holding `value` (usable in a `static`).
    pub const fn new(value: T) -> Self {
        Mutex(std::sync::Mutex::new(value))
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free; a panic of an earlier holder is
    /// ignored.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        unpoisoned(self.0.lock())
    }
}

/// A `std::sync::RwLock` whose [`read`](RwLock::read) and [`write`](RwLock::write)
/// ignore poisoning.
#[derive(Debug, Default)]
pub struct RwLock<T: ?Sized>(std::sync::RwLock<T>);

impl<T> RwLock<T> {
    /// A lock holding `value` (usable in a `static`).
    pub const fn new(value: T) -> Self {
        RwLock(std::sync::RwLock::new(value))
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Takes the lock shared; a panic of an earlier holder is ignored.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        unpoisoned(self.0.read())
    }

    /// Takes the lock exclusive; a panic of an earlier holder is ignored.
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        unpoisoned(self.0.write())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    /// Panics while holding a guard that `take` returns, so the lock is poisoned.
    fn poison<G>(take: impl FnOnce() -> G) {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let _held = take();
            panic!("a holder panics");
        }));
        assert!(r.is_err());
    }

    #[test]
    fn a_poisoned_mutex_still_locks_and_keeps_its_value() {
        let m = Mutex::new(vec![1]);
        poison(|| {
            let mut g = m.lock();
            g.push(2);
            g
        });
        assert!(m.0.is_poisoned(), "the std mutex underneath is poisoned");
        m.lock().push(3);
        assert_eq!(*m.lock(), [1, 2, 3]);
    }

    #[test]
    fn a_poisoned_rwlock_still_reads_and_writes() {
        let l = RwLock::new(1);
        poison(|| {
            let mut g = l.write();
            *g = 2;
            g
        });
        assert!(l.0.is_poisoned(), "the std lock underneath is poisoned");
        *l.write() += 1;
        assert_eq!(*l.read(), 3);
    }

    #[test]
    fn unpoisoned_takes_the_guard_out_of_a_poisoned_result() {
        let m = std::sync::Mutex::new(5);
        poison(|| m.lock().unwrap());
        assert!(m.lock().is_err(), "std reports the poison");
        assert_eq!(*unpoisoned(m.lock()), 5);
    }

    #[test]
    fn untaken_gives_a_free_lock_poisoned_or_not_and_none_for_a_held_one() {
        let m = std::sync::Mutex::new(7);
        assert_eq!(untaken(m.try_lock()).map(|g| *g), Some(7));
        poison(|| m.lock().unwrap());
        assert!(m.try_lock().is_err(), "std reports the poison");
        assert_eq!(untaken(m.try_lock()).map(|g| *g), Some(7));
        let held = untaken(m.try_lock());
        assert!(untaken(m.try_lock()).is_none(), "a held lock would block");
        drop(held);
    }
}
