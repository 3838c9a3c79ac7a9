//! `parking_lot`: the production backend, real threads.
//!
//! parking_lot does not poison and its condition variable waits on `&mut guard`;
//! `wait` adapts that to the by-value shape of [`Backend::wait`].

use super::{Backend, StdSync};
use std::hash::Hash;

/// Real threads on parking_lot primitives (the default backend).
#[derive(Debug, Clone, Copy, Default)]
pub struct ParkingLot;

impl Backend for ParkingLot {
    const NAME: &'static str = "parking_lot";
    const REAL_THREADS: bool = true;
    type Mutex<T: Send + Hash> = parking_lot::Mutex<T>;
    type MutexGuard<'a, T: Send + Hash + 'a> = parking_lot::MutexGuard<'a, T>;
    type Condvar = parking_lot::Condvar;
    type RwLock<T: Send + Sync + Hash> = parking_lot::RwLock<T>;
    type ReadGuard<'a, T: Send + Sync + Hash + 'a> = parking_lot::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: Send + Sync + Hash + 'a> = parking_lot::RwLockWriteGuard<'a, T>;
    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;

    fn mutex<T: Send + Hash>(value: T) -> Self::Mutex<T> {
        parking_lot::Mutex::new(value)
    }
    fn lock<T: Send + Hash>(m: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        m.lock()
    }
    fn condvar() -> Self::Condvar {
        parking_lot::Condvar::new()
    }
    fn wait<'a, T: Send + Hash>(
        cv: &Self::Condvar,
        mut guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        cv.wait(&mut guard);
        guard
    }
    fn notify_one(cv: &Self::Condvar) {
        cv.notify_one();
    }
    fn notify_all(cv: &Self::Condvar) {
        cv.notify_all();
    }
    fn rwlock<T: Send + Sync + Hash>(value: T) -> Self::RwLock<T> {
        parking_lot::RwLock::new(value)
    }
    fn read<T: Send + Sync + Hash>(l: &Self::RwLock<T>) -> Self::ReadGuard<'_, T> {
        l.read()
    }
    fn write<T: Send + Sync + Hash>(l: &Self::RwLock<T>) -> Self::WriteGuard<'_, T> {
        l.write()
    }
    // Threads are std's: delegate to the std backend.
    fn spawn<F, T>(name: String, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        StdSync::spawn(name, f)
    }
    fn join<T: Send + 'static>(h: Self::JoinHandle<T>) -> std::thread::Result<T> {
        StdSync::join(h)
    }
    fn thread_name() -> Option<String> {
        StdSync::thread_name()
    }
    fn yield_now() {
        StdSync::yield_now()
    }
}
