//! The synchronization backend the protocol is generic over.
//!
//! The DAX model in [`crate::dax`] never names a concrete mutex, condition variable,
//! reader-writer lock or thread: it asks its [`Backend`] for them. One implementation
//! per file:
//!
//! | backend | use |
//! |---|---|
//! | [`ParkingLot`] | production default; real threads |
//! | [`StdSync`] | real threads on `std::sync` |
//! | [`Loom`] | exhaustive exploration inside `loom::model` |
//! | [`Shuttle`] | random / PCT schedules inside a shuttle runner |
//! | [`Stateful`] | the stateful checker's search, on shuttle's engine |
//!
//! Loom's and shuttle's primitives only work inside their runners (they panic
//! elsewhere). Shared state is held in `std::sync::Arc` on every backend: shuttle's
//! `Arc` is std's, and loom's `Arc` turns a deadlock panic into an abort
//! (tokio-rs/loom#291), so the protocol never uses it.
//!
//! `wait` takes the guard by value (std style); parking_lot's `wait(&mut guard)` is
//! adapted inside its backend. Poisoning is ignored, in one place:
//! [`poison_free::unpoisoned`], which also gives the harness's own std locks
//! ([`poison_free::Mutex`], [`poison_free::RwLock`]).

use std::hash::Hash;
use std::ops::{Deref, DerefMut};

/// Parts of a lock's value, for [`Backend::locked_part`]: a set of page indices
/// (file pages, or virtual pages of a page table) folded onto 63 bits (page `p` is
/// bit `p % 63`), and one more bit for whatever the value holds besides its pages
/// ([`Parts::SIDE`]: a block map's generation, a page table's cache state). Two
/// pages that fold onto one bit only make more steps dependent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parts(u64);

impl Parts {
    /// No part.
    pub const NONE: Parts = Parts(0);
    /// The value's state besides its pages.
    pub const SIDE: Parts = Parts(1 << 63);
    /// Every part: the same as [`Backend::locked`].
    pub const ALL: Parts = Parts(u64::MAX);
    const PAGE_BITS: u64 = 63;

    /// Page `p`.
    pub const fn page(p: u64) -> Parts {
        Parts(1 << (p % Self::PAGE_BITS))
    }

    /// Pages `[first, first + pages)`.
    pub fn pages(first: u64, pages: u64) -> Parts {
        if pages >= Self::PAGE_BITS {
            return Parts(u64::MAX >> 1);
        }
        (first..first + pages).fold(Parts::NONE, |a, p| a.with(Parts::page(p)))
    }

    /// Both sets.
    pub const fn with(self, other: Parts) -> Parts {
        Parts(self.0 | other.0)
    }

    /// The set as bits (page `p` at bit `p % 63`, the side state at bit 63).
    pub const fn bits(self) -> u64 {
        self.0
    }
}

mod loom_backend;
mod parking_lot_backend;
pub mod poison_free;
mod shuttle_backend;
pub mod stateful_backend;
mod std_backend;

pub use loom_backend::{Loom, LOOM_MAX_THREADS};
pub use parking_lot_backend::ParkingLot;
pub use shuttle_backend::Shuttle;
pub use stateful_backend::Stateful;
pub use std_backend::StdSync;

/// The model thread number a thread name stands for: N for `tN`, 0 for any other
/// name or none (the execution's own thread).
pub fn thread_number_of(name: Option<&str>) -> usize {
    name.and_then(|n| n.strip_prefix('t').and_then(|d| d.parse().ok()))
        .unwrap_or(0)
}

/// A value carried out of a critical section ([`Backend::locked`],
/// [`Backend::wait_until`]) that hashes as nothing, so the stateful checker folds
/// nothing of it into the thread's history.
///
/// Only for what the thread uses for reports alone (trace events, branch visits),
/// never for what it does next: its history must still determine its future. The
/// kernel target wraps the page-table hooks' results that the C code never sees
/// (`kernel/src/world.rs`); `tests/stateful_scopes.rs` shows that a value the
/// thread goes on with, wrapped, merges states that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unhashed<T>(pub T);

impl<T> Hash for Unhashed<T> {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// A family of synchronization primitives and a way to spawn threads.
///
/// Every method is an associated function so the protocol can be written once as
/// `impl<B: Backend> ...` and instantiated by each checker.
pub trait Backend: Sized + Send + Sync + 'static {
    /// Short name, for reports (`parking_lot`, `std`, `loom`, `shuttle`).
    const NAME: &'static str;
    /// Whether model threads are OS threads of their own (else every model thread of
    /// an execution runs on the OS thread that started it).
    const REAL_THREADS: bool = false;

    /// A mutual-exclusion lock.
    type Mutex<T: Send + Hash>: Send + Sync;
    /// The guard of a held [`Backend::Mutex`].
    type MutexGuard<'a, T: Send + Hash + 'a>: DerefMut<Target = T>;
    /// A condition variable, used with [`Backend::Mutex`].
    type Condvar: Send + Sync;
    /// A reader-writer lock.
    type RwLock<T: Send + Sync + Hash>: Send + Sync;
    /// A shared guard of a [`Backend::RwLock`].
    type ReadGuard<'a, T: Send + Sync + Hash + 'a>: Deref<Target = T>;
    /// An exclusive guard of a [`Backend::RwLock`].
    type WriteGuard<'a, T: Send + Sync + Hash + 'a>: DerefMut<Target = T>;
    /// A handle to join a spawned thread.
    type JoinHandle<T: Send + 'static>: Send;

    /// Creates a mutex holding `value`.
    fn mutex<T: Send + Hash>(value: T) -> Self::Mutex<T>;
    /// Locks `m`, blocking until it is free.
    fn lock<T: Send + Hash>(m: &Self::Mutex<T>) -> Self::MutexGuard<'_, T>;

    /// Creates a condition variable.
    fn condvar() -> Self::Condvar;
    /// Atomically releases `guard` and sleeps on `cv`; relocks before returning.
    fn wait<'a, T: Send + Hash>(
        cv: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T>;
    /// Creates a condition variable that will only ever be notified with
    /// [`Backend::notify_all`]: the order its sleepers queue in can never matter, so
    /// the stateful checker keeps them as a set (one state where a FIFO condvar
    /// has one per order) and refuses [`Backend::notify_one`] on it. Elsewhere the
    /// same as [`Backend::condvar`].
    fn broadcast_condvar() -> Self::Condvar {
        Self::condvar()
    }
    /// Wakes one sleeper of `cv`.
    fn notify_one(cv: &Self::Condvar);
    /// Wakes every sleeper of `cv`.
    fn notify_all(cv: &Self::Condvar);

    /// Creates a reader-writer lock holding `value`.
    fn rwlock<T: Send + Sync + Hash>(value: T) -> Self::RwLock<T>;
    /// Takes `l` shared.
    fn read<T: Send + Sync + Hash>(l: &Self::RwLock<T>) -> Self::ReadGuard<'_, T>;
    /// Takes `l` exclusive.
    fn write<T: Send + Sync + Hash>(l: &Self::RwLock<T>) -> Self::WriteGuard<'_, T>;

    /// Spawns a named thread running `f`.
    fn spawn<F, T>(name: String, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Waits for a spawned thread; `Err` carries its panic payload.
    fn join<T: Send + 'static>(h: Self::JoinHandle<T>) -> std::thread::Result<T>;
    /// The name given to the current thread at spawn, if any.
    fn thread_name() -> Option<String>;
    /// The current thread's model thread number: N for a thread named `tN`, 0
    /// otherwise ([`thread_number_of`] its name). The recorder asks it at every
    /// protocol event; a backend may answer without building the name.
    fn thread_number() -> usize {
        thread_number_of(Self::thread_name().as_deref())
    }
    /// A scheduling point with no other effect.
    fn yield_now();

    /// Whether the running execution's end state need not be checked: the
    /// stateful checker cut it at a state it had explored before and only runs it
    /// to its end, so every end state it can reach is reached, and checked, by an
    /// execution of a complete search that was not cut (see
    /// [`crate::check::stateful`], *End states of cut executions*). False on every
    /// other backend.
    fn end_state_known() -> bool {
        false
    }

    /// Runs `f` on the value of `m` with `m` locked and returns `f`'s result: the
    /// same as `f(&mut *Self::lock(m))`.
    ///
    /// It tells the stateful checker that the calling thread takes nothing out of
    /// the critical section but the result (`f` is `Fn`, so it cannot write to what
    /// it captured, and `src/dax` admits no interior mutability outside backend
    /// locks), so the checker folds the result, not the whole value, into the
    /// thread's history: two threads that read different page tables but got the
    /// same answer are in the same state.
    fn locked<T: Send + Hash, R: Hash>(m: &Self::Mutex<T>, f: impl Fn(&mut T) -> R) -> R {
        f(&mut Self::lock(m))
    }

    /// [`Backend::locked`] for a closure that touches only part of `m`'s value: `f`
    /// reads nothing of the value outside `reads` (its result and what it writes
    /// depend only on those parts) and changes nothing outside `writes`. Other
    /// backends: the same as `locked(m, f)`.
    ///
    /// The stateful checker's partial-order reduction then takes the step as a
    /// read of `reads` and, if the value's hash changed, a write of `writes`,
    /// instead of a read or write of the whole lock: two such steps on one lock
    /// whose parts do not meet commute (each reads the same parts in either order,
    /// and the value after both is the same), so a write(2) that allocates page 1's
    /// block is independent of one allocating page 2's. The value is still hashed
    /// whole at the release (the state is unchanged); only the footprint is finer.
    /// A key that leaves out a part the closure reads or writes makes the
    /// reduction unsound (test `a_part_key_that_leaves_out_a_write_loses_states`).
    fn locked_part<T: Send + Hash, R: Hash>(
        m: &Self::Mutex<T>,
        reads: Parts,
        writes: Parts,
        f: impl Fn(&mut T) -> R,
    ) -> R {
        let _ = (reads, writes);
        Self::locked(m, f)
    }

    /// [`Backend::locked_part`] in the calling thread's current step: the
    /// stateful checker takes no scheduling point before it where `m` is free, so
    /// no other thread moves between what the thread did last and `f` (where
    /// another thread holds `m`, the ordinary point). Other backends: the same as
    /// `locked_part`.
    ///
    /// This drops interleavings, so it is for a caller that argues no verdict
    /// needs them ([`crate::dax::Mapping::fsync_with`]'s end check does). The
    /// footprint and folds are `locked_part`'s: `reads`, and `writes` if the
    /// value's hash changed, added to the step's; `f`'s result folded into the
    /// thread's history.
    fn locked_part_in_step<T: Send + Hash, R: Hash>(
        m: &Self::Mutex<T>,
        reads: Parts,
        writes: Parts,
        f: impl Fn(&mut T) -> R,
    ) -> R {
        Self::locked_part(m, reads, writes, f)
    }

    /// A lockless read of shared state that lives outside the backend's primitives
    /// (the kernel target's C memory), which `m` stands for: a scheduling point as
    /// [`Backend::locked`] on `m` is, then `read` runs at once (no other thread
    /// moves in between) and its result is returned. `read` must only read, and
    /// its result must be all the calling thread continues with.
    ///
    /// The stateful checker folds `read`'s result, and nothing of `m`'s value, into
    /// the thread's history (`locked(m, |_| all of memory)` would fold everything
    /// the thread could have read, where it read one bit), and counts the step as a
    /// read of `m` (it touches `m` and changes nothing), so a step that changes
    /// what `m` stands for, and says so by storing a new value in `m`, is dependent
    /// with it. Other backends: the same as `locked(m, |_| ())` then `read()`.
    fn observe<T: Send + Hash, R: Hash>(m: &Self::Mutex<T>, read: impl FnOnce() -> R) -> R {
        Self::locked(m, |_| ());
        read()
    }

    /// Declares that `m` stands for shared state that lives outside the backend's
    /// primitives (the kernel target's C memory), and that `probe` hashes all of it,
    /// for the execution running on this OS thread. Other backends ignore it.
    ///
    /// The stateful checker calls `probe` at the start and the end of every step
    /// its partial-order reduction records (between two scheduling points of one
    /// thread, while it hashes) and takes a step after which `probe` returns
    /// another value as a write of `m`: whatever the step wrote that state with,
    /// under a lock or without one, it is then dependent with every step that
    /// reads `m` ([`Backend::observe`], [`Backend::reads_external`]) or stores a
    /// value in it. `probe` runs inside the checker: it must not use the backend.
    fn external_state<T: Send + Hash>(_m: &Self::Mutex<T>, _probe: Box<dyn Fn() -> u128>) {}

    /// Tells the stateful checker that the calling thread's current step reads the
    /// state `m` stands for (declared with [`Backend::external_state`]) other than
    /// through [`Backend::observe`]: for example what a lock it just took protects.
    /// No scheduling point; the step is then dependent with every step that
    /// changes that state. Other backends ignore it.
    fn reads_external<T: Send + Hash>(_m: &Self::Mutex<T>) {}

    /// Releases a lock the caller built on `m` (and `cv`, if given), as the kernel
    /// target's C spin locks are: `m` holds the lock's state and is only ever used
    /// through [`Backend::locked`] and [`Backend::wait_until`] (never held across a
    /// scheduling point), waiters wait on `cv`, and the caller holds the lock `m`
    /// stands for. Runs `f` on `m`'s value, then notifies one waiter of `cv`.
    ///
    /// The same as `locked(m, f)` then `notify_one(cv)`. The stateful checker makes
    /// it no scheduling point, as its own releases are none: a release is a left
    /// mover (Lipton), since all another thread could have done with the lock in
    /// between is fail to take it (and block, to be notified here).
    fn release<T: Send + Hash>(m: &Self::Mutex<T>, f: impl Fn(&mut T), cv: Option<&Self::Condvar>) {
        Self::locked(m, f);
        if let Some(cv) = cv {
            Self::notify_one(cv);
        }
    }

    /// Waits on `cv` until `f` returns `Some` for the value of `m`, and returns it:
    /// lock, then `f`, then wait and `f` again while it returns `None`.
    ///
    /// As with [`Backend::locked`], the stateful checker folds only `f`'s results
    /// into the thread's history.
    fn wait_until<T: Send + Hash, R: Hash>(
        m: &Self::Mutex<T>,
        cv: &Self::Condvar,
        f: impl Fn(&mut T) -> Option<R>,
    ) -> R {
        let mut g = Self::lock(m);
        loop {
            if let Some(r) = f(&mut g) {
                return r;
            }
            g = Self::wait(cv, g);
        }
    }

    /// Declares the calling thread's entire local state at this point: what it
    /// still has to do and everything it has computed so far that it will use. The
    /// stateful checker then forgets how the thread got here (its history is
    /// replaced by `local`); other backends do nothing. Call it only where `local`
    /// really is all of it (for example between two scenario operations).
    fn checkpoint<S: Hash + ?Sized>(_local: &S) {}

    /// The top of iteration `n` (from 0) of a retry loop that gives up after `limit`
    /// retries; whether iteration `n` may retry (when it may not, the loop ends after
    /// the iteration's first look at shared state, as `Mapping::access_with` does).
    ///
    /// Call it only where the calling thread's whole local state at the top of every
    /// iteration is its state at the loop's entry plus `n`, and `n` is used for
    /// nothing but this bound and for figures no check reads. Every backend but the
    /// stateful one gives up after `limit`. The stateful checker, when it judges
    /// progress by fair cycles, runs the loop without a bound and forgets `n`: the
    /// thread's history at the top of each iteration goes back to what it was at the
    /// loop's entry, so a retry that meets the same shared state closes a cycle
    /// instead of making a new state (see [`crate::check::stateful`]).
    fn retry(n: usize, limit: usize) -> bool {
        n < limit
    }

    /// Opens a scope around a call whose effect on the calling thread's local
    /// state does not depend on what the call read (only the matching
    /// [`Backend::scope_end`]'s `result` does): e.g. a call that returns nothing
    /// the caller uses and changes its locals the same way whatever it met. Scopes
    /// nest. Other backends do nothing.
    fn scope_begin() {}

    /// Closes the scope opened last ([`Backend::scope_begin`]). The stateful
    /// checker replaces the thread's history by its history at the scope's opening
    /// with `result` folded in: what the call read inside changed shared state,
    /// which the state holds anyway, and left the thread's locals as a function of
    /// what they were at the opening and of `result`. Scheduling points inside the
    /// scope keep the whole history (the thread is still in the call there).
    fn scope_end<S: Hash + ?Sized>(_result: &S) {}

    /// The thread is back at the top of a loop that runs inside the scope it
    /// opened last ([`Backend::scope_begin`]), and its locals there are a function
    /// of what they were at the opening and of `result`: the stateful checker
    /// replaces its history by the history at the opening with `result` folded, as
    /// [`Backend::scope_end`] would, and the scope stays open. So the loop's
    /// iterations, however many ran, leave nothing behind but `result`. Other
    /// backends do nothing.
    fn scope_again<S: Hash + ?Sized>(_result: &S) {}
}

/// A guard of a std-shaped backend. With `LEAK` set it is forgotten, not dropped,
/// when its thread is already panicking.
///
/// Loom reports a deadlock by panicking inside the blocked thread, then tears the
/// execution down by unwinding every other model thread. A loom guard dropped during
/// that unwinding calls back into loom's runtime, which has no active thread any
/// more and panics again: a panic in a destructor during unwinding, which aborts the
/// process (the same trap as tokio-rs/loom#291). The execution is being abandoned,
/// so leaking its guards is harmless; on real threads (std) guards always drop.
pub struct Guard<G, const LEAK: bool>(Option<G>);

impl<G, const LEAK: bool> Guard<G, LEAK> {
    fn new(g: G) -> Self {
        Guard(Some(g))
    }
    fn into_inner(mut self) -> G {
        self.0.take().expect("a guard holds its lock until dropped")
    }
}

impl<G: Deref, const LEAK: bool> Deref for Guard<G, LEAK> {
    type Target = G::Target;
    fn deref(&self) -> &G::Target {
        self.0
            .as_ref()
            .expect("a guard holds its lock until dropped")
    }
}

impl<G: DerefMut, const LEAK: bool> DerefMut for Guard<G, LEAK> {
    fn deref_mut(&mut self) -> &mut G::Target {
        self.0
            .as_mut()
            .expect("a guard holds its lock until dropped")
    }
}

impl<G, const LEAK: bool> Drop for Guard<G, LEAK> {
    fn drop(&mut self) {
        if let Some(g) = self.0.take() {
            if LEAK && std::thread::panicking() {
                std::mem::forget(g);
            } else {
                drop(g);
            }
        }
    }
}

/// Implements [`Backend`] for a unit struct over a crate whose `sync` and `thread`
/// modules have std's shape (std itself, loom, shuttle): `lock()` returning a
/// `LockResult`, `Condvar::wait(guard)`, `thread::Builder::name`. `$leak` says
/// whether guards are leaked when dropped during a panic (see [`Guard`]); `$real`
/// whether its threads are OS threads.
macro_rules! std_shaped_backend {
    ($ty:ident, $name:literal, $sync:path, $thread:path, $leak:literal, $real:literal) => {
        use std::hash::Hash;
        use $crate::sync::poison_free::unpoisoned;
        use $crate::sync::Guard;
        use $sync as sync_mod;
        use $thread as thread_mod;

        impl $crate::sync::Backend for $ty {
            const NAME: &'static str = $name;
            const REAL_THREADS: bool = $real;
            type Mutex<T: Send + Hash> = sync_mod::Mutex<T>;
            type MutexGuard<'a, T: Send + Hash + 'a> = Guard<sync_mod::MutexGuard<'a, T>, $leak>;
            type Condvar = sync_mod::Condvar;
            type RwLock<T: Send + Sync + Hash> = sync_mod::RwLock<T>;
            type ReadGuard<'a, T: Send + Sync + Hash + 'a> =
                Guard<sync_mod::RwLockReadGuard<'a, T>, $leak>;
            type WriteGuard<'a, T: Send + Sync + Hash + 'a> =
                Guard<sync_mod::RwLockWriteGuard<'a, T>, $leak>;
            type JoinHandle<T: Send + 'static> = thread_mod::JoinHandle<T>;

            fn mutex<T: Send + Hash>(value: T) -> Self::Mutex<T> {
                sync_mod::Mutex::new(value)
            }
            fn lock<T: Send + Hash>(m: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
                Guard::new(unpoisoned(m.lock()))
            }
            fn condvar() -> Self::Condvar {
                sync_mod::Condvar::new()
            }
            fn wait<'a, T: Send + Hash>(
                cv: &Self::Condvar,
                guard: Self::MutexGuard<'a, T>,
            ) -> Self::MutexGuard<'a, T> {
                Guard::new(unpoisoned(cv.wait(guard.into_inner())))
            }
            fn notify_one(cv: &Self::Condvar) {
                cv.notify_one()
            }
            fn notify_all(cv: &Self::Condvar) {
                cv.notify_all()
            }
            fn rwlock<T: Send + Sync + Hash>(value: T) -> Self::RwLock<T> {
                sync_mod::RwLock::new(value)
            }
            fn read<T: Send + Sync + Hash>(l: &Self::RwLock<T>) -> Self::ReadGuard<'_, T> {
                Guard::new(unpoisoned(l.read()))
            }
            fn write<T: Send + Sync + Hash>(l: &Self::RwLock<T>) -> Self::WriteGuard<'_, T> {
                Guard::new(unpoisoned(l.write()))
            }
            fn spawn<F, T>(name: String, f: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                thread_mod::Builder::new()
                    .name(name)
                    .spawn(f)
                    .expect("spawning a thread failed")
            }
            fn join<T: Send + 'static>(h: Self::JoinHandle<T>) -> std::thread::Result<T> {
                h.join()
            }
            fn thread_name() -> Option<String> {
                thread_mod::current().name().map(str::to_owned)
            }
            fn yield_now() {
                thread_mod::yield_now()
            }
        }
    };
}
use std_shaped_backend;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A one-shot flag handed between two threads, written once against the trait.
    fn handoff<B: Backend>() -> bool {
        let state = Arc::new((B::mutex(false), B::condvar()));
        let s2 = state.clone();
        let h = B::spawn("setter".into(), move || {
            *B::lock(&s2.0) = true;
            B::notify_all(&s2.1);
            B::thread_name()
        });
        let mut g = B::lock(&state.0);
        while !*g {
            g = B::wait(&state.1, g);
        }
        drop(g);
        let name = B::join(h).unwrap();
        name.as_deref() == Some("setter")
    }

    fn rw<B: Backend>() -> u32 {
        let l = B::rwlock(1u32);
        *B::write(&l) += 1;
        let r = *B::read(&l);
        r
    }

    #[test]
    fn real_thread_backends_hand_off() {
        assert!(handoff::<ParkingLot>());
        assert!(handoff::<StdSync>());
        assert_eq!(rw::<ParkingLot>(), 2);
        assert_eq!(rw::<StdSync>(), 2);
    }

    #[test]
    fn loom_backend_hands_off() {
        loom::model(|| {
            assert!(handoff::<Loom>());
            assert_eq!(rw::<Loom>(), 2);
        });
    }

    #[test]
    fn shuttle_backend_hands_off() {
        shuttle::check_random(
            || {
                assert!(handoff::<Shuttle>());
                assert_eq!(rw::<Shuttle>(), 2);
            },
            50,
        );
    }
}
