//! `stateful`: primitives of our own on a runtime of our own ([`runtime`]), each
//! keeping the execution's state fingerprint up to date for the stateful checker
//! ([`crate::check::stateful`]).
//!
//! The runtime runs every model thread as a coroutine on one OS thread and asks a
//! scheduler which task runs at every scheduling point. These primitives use only
//! its `switch`, `block` and `unblock`, so their scheduling points and the state
//! behind them are ours, exactly:
//!
//! - **acquire** (mutex lock, read lock, write lock): one scheduling point before the
//!   attempt; a task that finds the lock taken blocks and retries when a release
//!   unblocks it.
//! - **release**: no scheduling point. A release only enables other threads; moving
//!   it earlier, next to the step before it, reorders nothing another thread can see
//!   (Lipton: a release is a left mover).
//! - **condvar wait**: release, join the condvar's FIFO queue and block, atomically
//!   (std semantics); a notify moves the waiter to "reacquire the mutex".
//! - **notify**: one scheduling point before it (it races with waits).
//! - **spawn**: no scheduling point; **join**: one before it, then block until done.
//!
//! The state store keeps, for every primitive, the hash of its protected value as of
//! its creation or last release, its holders and its condvar queue; for every task,
//! its phase (which operation it is in) and its *chain*: a hash folding every
//! operation it performed, in order, with what it read (the value hash at each
//! acquire, the final chain of each thread it joined). See the soundness argument in
//! [`crate::check::stateful`].
//!
//! Outside a stateful execution every primitive panics, as loom's and shuttle's do
//! outside their runners.

pub mod arena;
mod explain;
pub mod runtime;
mod store;
pub use explain::{explaining, label_last, note, requested as explain_requested};

use super::poison_free::unpoisoned;
use super::{Backend, Parts};
use runtime::switch;
use std::hash::Hash;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex as StdMutex, RwLock as StdRwLock};
pub use store::{hash128, Footprint, Phase, Store, MAX_TASKS};
use store::{Object, Op, TaskState};

/// The stateful checker's primitives; usable only inside its runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stateful;

/// A new object holding `value` (its [`value_hash`]).
fn new_object_of<T: Hash>(value: &T) -> usize {
    let v = value_hash(value);
    Store::with(|s| s.new_object(v))
}

/// [`hash128`] of a value, or nothing once the execution is no longer hashed (the
/// replay of a prefix takes the hashes saved at its end back).
fn value_hash<T: Hash + ?Sized>(value: &T) -> u128 {
    if Store::with(|s| s.hashing) {
        hash128(value)
    } else {
        0
    }
}

/// The last path segment of `T`'s name (and of its generic arguments').
fn short_type<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(""));
    out
}

/// The running task: the one the checker chose last ([`Store::set_running`]).
/// The runtime runs a task only when its scheduler chose it, so this is
/// [`runtime::current`] without its lookup (the backend asks it several times per
/// operation); [`block_here`] checks the two agree.
fn me() -> usize {
    Store::running()
}

fn unblock_all(mut set: u64) {
    while set != 0 {
        let t = set.trailing_zeros() as usize;
        set &= set - 1;
        runtime::unblock(t);
    }
}

fn set_phase(task: usize, phase: Phase) {
    Store::with(|s| s.tasks[task].phase = phase);
}

/// The scheduling point before a notify. Acquires and joins make the same decision
/// inside their wait loops ([`acquire_when`], `join`), where they also block at once
/// if the operation is not enabled.
///
/// Lipton's reduction: an acquire is a right mover and a release a left mover, so a
/// task's steps between two scheduling points may be any acquires, then at most one
/// other visible operation, then any releases, and still be explored as one atomic
/// step. A task therefore only branches here if it has released (or notified) since
/// its last scheduling point; nested acquires run on.
fn point(task: usize, phase: Phase) {
    set_phase(task, phase);
    if Store::with(|s| std::mem::take(&mut s.moved[task])) {
        passed_point(task);
        switch_unless_alone(task);
    }
}

/// The runtime's switch at a scheduling point of `task`, left out when no other task
/// can ever run again in this execution ([`Store::alone`]): the checker could only
/// choose `task` there, without a branching point, so the switch decides nothing
/// (it is the main thread's end-state checks after its last join, mostly).
fn switch_unless_alone(task: usize) {
    if !Store::with(|s| s.alone(task)) {
        switch();
    }
}

/// Notes that `task` is at a scheduling point.
fn passed_point(task: usize) {
    Store::with(|s| s.joined[task] = false);
}

/// Before a spawn or the creation of a primitive: a scheduling point if the task
/// has joined a thread since its last one. The checker runs a join of a finished
/// thread without branching (its step commutes with every other task's), and
/// spawns and creations are global steps (their ids follow creation order), so they
/// must not ride on it. (The scenario runner never creates anything after a join.)
fn creation_point() {
    let me = me();
    if Store::with(|s| {
        let joined = std::mem::take(&mut s.joined[me]);
        if joined {
            s.moved[me] = false;
            s.tasks[me].phase = Phase::Running;
        }
        joined
    }) {
        switch_unless_alone(me);
    }
}

/// Blocks the current task until another unblocks it (a scheduling point).
fn block_here() {
    assert_eq!(
        me(),
        runtime::current(),
        "the running task is the one the checker chose"
    );
    passed_point(me());
    runtime::block();
    switch();
    Store::with(|s| s.moved[me()] = false);
}

/// Marks a release (or notify) by `task`: its next visible operation branches.
fn moved(s: &mut Store, task: usize) {
    s.moved[task] = true;
}

/// Blocks the current task until `ready` holds (checked with the store held), then
/// runs `take` on it. The caller has already passed the scheduling point.
fn acquire_when(id: usize, ready: impl Fn(&Object) -> bool, take: impl Fn(&mut Object, usize)) {
    acquire_as(id, true, ready, take);
}

/// [`acquire_when`]; `whole`: the step uses the whole lock (false: the caller notes
/// the parts it uses, [`Backend::locked_part`]; a lock found held is still a
/// whole use).
fn acquire_as(
    id: usize,
    whole: bool,
    ready: impl Fn(&Object) -> bool,
    take: impl Fn(&mut Object, usize),
) {
    let me = me();
    set_phase(me, Phase::Acquire(id));
    loop {
        // Some(true): taken; Some(false): not free, blocked; None: branch first.
        let got = Store::with(|s| {
            if whole {
                s.touch(id);
            }
            if !ready(&s.objects[id]) {
                // Not enabled: block at once rather than offer a choice that could
                // only block.
                s.blocked[id] |= 1 << me;
                s.change(id);
                return Some(false);
            }
            if std::mem::take(&mut s.moved[me]) {
                return None;
            }
            take(&mut s.objects[id], me);
            s.tasks[me].phase = Phase::Running;
            Some(true)
        });
        match got {
            Some(true) => return,
            Some(false) => block_here(),
            None => {
                passed_point(me);
                switch_unless_alone(me)
            }
        }
    }
}

/// The inner std lock of a primitive the store just gave us: never contended.
fn taken<G>(result: std::sync::TryLockResult<G>) -> G {
    crate::sync::poison_free::untaken(result).expect("the store says it is free")
}

/// Releases exclusive lock `id` held by `task`: stores the value's hash, folds `op`,
/// and returns the tasks blocked on it, to unblock.
fn release_exclusive(s: &mut Store, task: usize, id: usize, value: u128, op: Op) -> u64 {
    release_as(s, task, id, value, op, true)
}

/// [`release_exclusive`]; `whole`: the step uses the whole lock (false: the caller
/// noted the parts it used, [`Backend::locked_part`]).
fn release_as(s: &mut Store, task: usize, id: usize, value: u128, op: Op, whole: bool) -> u64 {
    if whole {
        s.store_value(id, value);
        s.touch(id);
    } else {
        s.objects[id].value = value;
    }
    s.objects[id].writer = None;
    s.fold(task, op, id, 0);
    moved(s, task);
    s.take_blocked(id)
}

/// Drops the exclusive guard `g` of lock `id`: hashes the value it leaves, then
/// releases the lock. A guard dropped while its task panics is forgotten instead: the
/// execution is being abandoned (see the shuttle backend's guards).
fn release_guard<G: Deref<Target = T>, T: Hash + ?Sized>(g: Option<G>, id: usize, op: Op) {
    let Some(g) = g else { return };
    if std::thread::panicking() {
        std::mem::forget(g);
        return;
    }
    let value = value_hash(&*g);
    drop(g);
    let blocked = Store::with(|s| release_exclusive(s, me(), id, value, op));
    unblock_all(blocked);
}

fn free(o: &Object) -> bool {
    o.writer.is_none() && o.readers == 0
}

/// A mutex whose value the store hashes at every release.
pub struct Mutex<T> {
    id: usize,
    inner: StdMutex<T>,
}

/// The guard of a held [`Mutex`].
pub struct MutexGuard<'a, T: Hash> {
    mutex: &'a Mutex<T>,
    inner: Option<std::sync::MutexGuard<'a, T>>,
}

impl<T: Hash> MutexGuard<'_, T> {
    /// Releases the lock: stores the value's hash, unblocks the blocked.
    fn release(&mut self) {
        release_guard(self.inner.take(), self.mutex.id, Op::Unlock);
    }
}

impl<T: Hash> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.release();
    }
}

impl<T: Hash> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a guard holds its lock")
    }
}

impl<T: Hash> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("a guard holds its lock")
    }
}

/// A condition variable with a FIFO queue of waiters (or, made by
/// [`Backend::broadcast_condvar`], a set of them: kept sorted by task).
pub struct Condvar {
    id: usize,
    broadcast: bool,
}

/// A reader-writer lock whose value the store hashes at every write release.
pub struct RwLock<T> {
    id: usize,
    inner: StdRwLock<T>,
}

/// A shared guard of a [`RwLock`].
pub struct ReadGuard<'a, T: Hash> {
    lock: &'a RwLock<T>,
    inner: Option<std::sync::RwLockReadGuard<'a, T>>,
}

impl<T: Hash> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        let Some(g) = self.inner.take() else { return };
        if std::thread::panicking() {
            std::mem::forget(g);
            return;
        }
        drop(g);
        let id = self.lock.id;
        let blocked = Store::with(|s| {
            let me = me();
            s.touch(id);
            s.objects[id].readers &= !(1 << me);
            s.fold(me, Op::ReadUnlock, id, 0);
            moved(s, me);
            if s.objects[id].readers == 0 {
                s.take_blocked(id)
            } else {
                0
            }
        });
        unblock_all(blocked);
    }
}

impl<T: Hash> Deref for ReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a guard holds its lock")
    }
}

/// An exclusive guard of a [`RwLock`].
pub struct WriteGuard<'a, T: Hash> {
    lock: &'a RwLock<T>,
    inner: Option<std::sync::RwLockWriteGuard<'a, T>>,
}

impl<T: Hash> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        release_guard(self.inner.take(), self.lock.id, Op::WriteUnlock);
    }
}

impl<T: Hash> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a guard holds its lock")
    }
}

impl<T: Hash> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("a guard holds its lock")
    }
}

/// A handle to join a thread spawned on the stateful backend.
pub struct JoinHandle<T> {
    task: usize,
    result: Arc<StdMutex<Option<T>>>,
}

impl Backend for Stateful {
    const NAME: &'static str = "stateful";
    type Mutex<T: Send + Hash> = Mutex<T>;
    type MutexGuard<'a, T: Send + Hash + 'a> = MutexGuard<'a, T>;
    type Condvar = Condvar;
    type RwLock<T: Send + Sync + Hash> = RwLock<T>;
    type ReadGuard<'a, T: Send + Sync + Hash + 'a> = ReadGuard<'a, T>;
    type WriteGuard<'a, T: Send + Sync + Hash + 'a> = WriteGuard<'a, T>;
    type JoinHandle<T: Send + 'static> = JoinHandle<T>;

    fn mutex<T: Send + Hash>(value: T) -> Mutex<T> {
        creation_point();
        let id = new_object_of(&value);
        explain::created(|| format!("Mutex<{}>", short_type::<T>()));
        Mutex {
            id,
            inner: StdMutex::new(value),
        }
    }

    fn lock<T: Send + Hash>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        let id = m.id;
        acquire_when(id, free, |o, me| o.writer = Some(me));
        Store::with(|s| {
            let v = s.objects[id].value;
            s.fold(me(), Op::Lock, id, v)
        });
        MutexGuard {
            mutex: m,
            inner: Some(taken(m.inner.try_lock())),
        }
    }

    fn condvar() -> Condvar {
        creation_point();
        let id = Store::with(|s| s.new_object(0));
        explain::created(|| "Condvar".to_owned());
        Condvar {
            id,
            broadcast: false,
        }
    }

    fn broadcast_condvar() -> Condvar {
        creation_point();
        let id = Store::with(|s| s.new_object(1));
        explain::created(|| "Condvar (broadcast)".to_owned());
        Condvar {
            id,
            broadcast: true,
        }
    }

    fn wait<'a, T: Send + Hash>(
        cv: &Self::Condvar,
        mut guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        let mutex = guard.mutex;
        guard.release();
        drop(guard);
        let me = me();
        Store::with(|s| {
            s.change(cv.id);
            enqueue(&mut s.objects[cv.id].queue, cv.broadcast, (me, mutex.id));
            s.tasks[me].phase = Phase::CvWait {
                cv: cv.id,
                mutex: mutex.id,
            };
            s.fold(me, Op::Wait, cv.id, 0);
        });
        block_here();
        // Notified: the notifier set our phase to Acquire(mutex) and unblocked us.
        acquire_when(mutex.id, free, |o, me| o.writer = Some(me));
        Store::with(|s| {
            let v = s.objects[mutex.id].value;
            s.fold(me, Op::Lock, mutex.id, v)
        });
        MutexGuard {
            mutex,
            inner: Some(taken(mutex.inner.try_lock())),
        }
    }

    fn notify_one(cv: &Condvar) {
        assert!(
            !cv.broadcast,
            "notify_one on a condvar made by broadcast_condvar (its queue order is not kept)"
        );
        notify(cv, false);
    }

    fn notify_all(cv: &Condvar) {
        notify(cv, true);
    }

    fn rwlock<T: Send + Sync + Hash>(value: T) -> RwLock<T> {
        creation_point();
        let id = new_object_of(&value);
        explain::created(|| format!("RwLock<{}>", short_type::<T>()));
        RwLock {
            id,
            inner: StdRwLock::new(value),
        }
    }

    fn read<T: Send + Sync + Hash>(l: &RwLock<T>) -> ReadGuard<'_, T> {
        let id = l.id;
        acquire_when(id, |o| o.writer.is_none(), |o, me| o.readers |= 1 << me);
        Store::with(|s| {
            let v = s.objects[id].value;
            s.fold(me(), Op::Read, id, v)
        });
        ReadGuard {
            lock: l,
            inner: Some(taken(l.inner.try_read())),
        }
    }

    fn write<T: Send + Sync + Hash>(l: &RwLock<T>) -> WriteGuard<'_, T> {
        let id = l.id;
        acquire_when(id, free, |o, me| o.writer = Some(me));
        Store::with(|s| {
            let v = s.objects[id].value;
            s.fold(me(), Op::Write, id, v)
        });
        WriteGuard {
            lock: l,
            inner: Some(taken(l.inner.try_write())),
        }
    }

    fn spawn<F, T>(name: String, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        creation_point();
        let parent = me();
        let child = Store::with(|s| {
            let child = s.tasks.len();
            assert!(
                child < MAX_TASKS,
                "the stateful checker runs at most {MAX_TASKS} threads"
            );
            let chain = s.tasks[parent].chain;
            s.tasks.push(TaskState {
                chain: hash128(&(chain, Op::Child, child)),
                phase: Phase::Running,
                done: false,
            });
            s.joiners.push(0);
            s.names.push(name.clone());
            s.numbers.push(super::thread_number_of(Some(&name)));
            s.moved.push(false);
            s.joined.push(false);
            s.loop_chains.push(0);
            s.in_loop.push(false);
            s.checkpoints.push(0);
            s.scopes.push(Vec::new());
            explain::task_created();
            s.step.global = true;
            s.fold(parent, Op::Spawned, child, 0);
            child
        });
        let result = Arc::new(StdMutex::new(None));
        let slot = result.clone();
        runtime::spawn(name, move || {
            assert_eq!(me(), child, "task ids follow spawn order");
            let value = f();
            *unpoisoned(slot.lock()) = Some(value);
            let joiners = Store::with(|s| {
                // The task ends here: no scheduling point of ours follows (only
                // the main task switches once more before it exits).
                s.tasks[child].done = true;
                s.tasks[child].phase = Phase::Quiet;
                let joiners = std::mem::take(&mut s.joiners[child]);
                s.touch_tasks(joiners);
                joiners
            });
            unblock_all(joiners);
        });
        JoinHandle {
            task: child,
            result,
        }
    }

    fn join<T: Send + 'static>(h: JoinHandle<T>) -> std::thread::Result<T> {
        let me = me();
        set_phase(me, Phase::Join(h.task));
        loop {
            // Some(true): joined; Some(false): not finished, blocked; None: branch.
            let done = Store::with(|s| {
                s.touch_tasks(1 << h.task);
                if !s.tasks[h.task].done {
                    s.joiners[h.task] |= 1 << me;
                    return Some(false);
                }
                if std::mem::take(&mut s.moved[me]) {
                    return None;
                }
                s.tasks[me].phase = Phase::Running;
                let chain = s.tasks[h.task].chain;
                s.fold(me, Op::Join, h.task, chain);
                // The join's step ends here: the task's next acquire, notify or join
                // is a scheduling point, and so is a spawn or a creation.
                s.moved[me] = true;
                s.joined[me] = true;
                Some(true)
            });
            match done {
                Some(true) => break,
                Some(false) => block_here(),
                None => {
                    passed_point(me);
                    switch_unless_alone(me)
                }
            }
        }
        let value = unpoisoned(h.result.lock())
            .take()
            .expect("a finished thread left its result");
        Ok(value)
    }

    fn thread_name() -> Option<String> {
        runtime::name()
    }

    fn thread_number() -> usize {
        Store::with(|s| s.numbers[me()])
    }

    fn yield_now() {}

    fn end_state_known() -> bool {
        Store::end_state_known()
    }

    fn locked<T: Send + Hash, R: Hash>(m: &Mutex<T>, f: impl Fn(&mut T) -> R) -> R {
        locked_in(m, None, f)
    }

    /// The step is [`Backend::locked`]'s, but its footprint on `m` is the parts
    /// `reads` (read) and, if `m`'s value hashes otherwise after `f`, `writes`
    /// (changed), instead of the whole lock (`Store::touch_part`). The value
    /// hash stored at the release is the whole value's, as `locked` stores.
    fn locked_part<T: Send + Hash, R: Hash>(
        m: &Mutex<T>,
        reads: Parts,
        writes: Parts,
        f: impl Fn(&mut T) -> R,
    ) -> R {
        locked_in(m, Some((reads, writes)), f)
    }

    /// No scheduling point (not even after a release) where `m` is free: the
    /// lock is taken as [`Backend::release`] takes it, then `f` runs and the
    /// release is [`Backend::locked_part`]'s (the parts' footprint, the result
    /// folded, the value hash stored), all in the task's current step, whose
    /// footprint the search records. Where `m` is held (the callers never hold it
    /// across a point), or in a test that puts the point back
    /// ([`in_step_locks_at_a_point`]): `locked_part`.
    fn locked_part_in_step<T: Send + Hash, R: Hash>(
        m: &Mutex<T>,
        reads: Parts,
        writes: Parts,
        f: impl Fn(&mut T) -> R,
    ) -> R {
        let (id, me) = (m.id, me());
        let parts = Some((reads, writes));
        if IN_STEP_AT_A_POINT.with(std::cell::Cell::get) || !Store::with(|s| free(&s.objects[id])) {
            return locked_in(m, parts, f);
        }
        Store::with(|s| s.objects[id].writer = Some(me));
        run_and_release(m, parts, f)
    }

    /// Why folding only the result is enough (the stateful checker's assumption 1,
    /// a thread is a deterministic function of what it read): after the read, the
    /// thread's future depends on its history before it (its chain) and on what
    /// `read` returned, and on nothing else it saw, because `read`'s result is all
    /// it continues with ([`Backend::observe`]'s contract). Whatever it reads of
    /// the shared state later, it reads at a later scheduling point (an acquire, or
    /// another observe), which folds that read in turn. The step is taken as an
    /// acquire and release of `m` that leaves `m`'s value as it was: the same
    /// scheduling point and footprint as `locked(m, |_| ())` (a read of `m`).
    fn observe<T: Send + Hash, R: Hash>(m: &Mutex<T>, read: impl FnOnce() -> R) -> R {
        let id = m.id;
        let me = me();
        acquire_when(id, free, |o, me| o.writer = Some(me));
        // Not under `Store::with`: `read` is the caller's code.
        let result = read();
        let seen = value_hash(&result);
        let blocked = Store::with(|s| {
            s.fold(me, Op::Observe, id, seen);
            let value = s.objects[id].value;
            release_exclusive(s, me, id, value, Op::Unlock)
        });
        unblock_all(blocked);
        result
    }

    fn external_state<T: Send + Hash>(m: &Mutex<T>, probe: Box<dyn Fn() -> u128>) {
        Store::with(|s| s.set_external(m.id, probe));
    }

    fn reads_external<T: Send + Hash>(m: &Mutex<T>) {
        Store::with(|s| s.touch(m.id));
    }

    fn release<T: Send + Hash>(m: &Mutex<T>, f: impl Fn(&mut T), cv: Option<&Condvar>) {
        let (id, me) = (m.id, me());
        if !Store::with(|s| free(&s.objects[id])) {
            // Not as the contract says (held across a point): take it the usual way.
            Self::locked(m, f);
            if let Some(cv) = cv {
                Self::notify_one(cv);
            }
            return;
        }
        Store::with(|s| {
            s.touch(id);
            s.objects[id].writer = Some(me);
        });
        let mut g = taken(m.inner.try_lock());
        f(&mut g);
        let value = value_hash(&*g);
        drop(g);
        let blocked = Store::with(|s| release_exclusive(s, me, id, value, Op::Unlock));
        unblock_all(blocked);
        if let Some(cv) = cv {
            let woken = Store::with(|s| wake_queued(s, me, cv.id, false));
            unblock_all(woken);
        }
    }

    fn wait_until<T: Send + Hash, R: Hash>(
        m: &Mutex<T>,
        cv: &Condvar,
        f: impl Fn(&mut T) -> Option<R>,
    ) -> R {
        let (id, me) = (m.id, me());
        loop {
            acquire_when(id, free, |o, me| o.writer = Some(me));
            let mut g = taken(m.inner.try_lock());
            let result = f(&mut g);
            let value = value_hash(&*g);
            drop(g);
            let done = result.is_some();
            let seen = value_hash(&result);
            let blocked = Store::with(|s| {
                s.store_value(id, value);
                s.objects[id].writer = None;
                s.touch(id);
                if !done {
                    s.change(cv.id);
                }
                moved(s, me);
                if done {
                    s.fold(me, Op::Locked, id, seen);
                } else {
                    // Released and queued in one step, as a condvar wait does. Nothing
                    // is folded: having seen `None` (again), the task is where it was
                    // before it first looked, however many times it was woken.
                    enqueue(&mut s.objects[cv.id].queue, cv.broadcast, (me, id));
                    s.tasks[me].phase = Phase::CvWait {
                        cv: cv.id,
                        mutex: id,
                    };
                }
                s.take_blocked(id)
            });
            unblock_all(blocked);
            if let Some(r) = result {
                return r;
            }
            block_here();
        }
    }

    fn checkpoint<S: Hash + ?Sized>(local: &S) {
        let me = me();
        Store::with(|s| {
            // The operation (and any retry loop in it) is over; the count makes
            // this chain one the task never had before.
            s.in_loop[me] = false;
            s.checkpoints[me] += 1;
            s.scopes[me].clear();
            s.tasks[me].chain = hash128(&(Op::Checkpoint, me, s.checkpoints[me], local))
        });
        explain::checkpoint(me);
    }

    fn scope_begin() {
        if SCOPES_OFF.with(std::cell::Cell::get) {
            return;
        }
        let me = me();
        // Kept even while unhashed: a replay puts the opening chains back with
        // the other hashes (`Store::restore_hashes`).
        Store::with(|s| {
            let chain = s.tasks[me].chain;
            s.scopes[me].push(chain);
        });
        explain::scope_begin(me);
    }

    fn scope_end<S: Hash + ?Sized>(result: &S) {
        if SCOPES_OFF.with(std::cell::Cell::get) {
            return;
        }
        let me = me();
        let hashing = Store::with(|s| {
            let opened = s.scopes[me].pop().expect("scope_end without a scope_begin");
            if s.hashing {
                s.tasks[me].chain = hash128(&(opened, Op::Scope, result));
            }
            s.hashing
        });
        explain::scope_end(me, hashing, || hash128(result));
    }

    fn scope_again<S: Hash + ?Sized>(result: &S) {
        if SCOPES_OFF.with(std::cell::Cell::get) {
            return;
        }
        let me = me();
        let hashing = Store::with(|s| {
            let opened = *s.scopes[me].last().expect("scope_again outside a scope");
            // A loop top may give the chain back a value it had (the top of an
            // earlier round): the task's steps may lie on a cycle until its next
            // checkpoint, as after a retry (the cycle rule, `check::stateful`).
            s.in_loop[me] = !SCOPE_LOOPS_ACYCLIC.with(std::cell::Cell::get);
            if s.hashing {
                s.tasks[me].chain = hash128(&(opened, Op::Scope, result));
            }
            s.hashing
        });
        explain::scope_again(me, hashing, || hash128(result));
    }

    fn retry(n: usize, limit: usize) -> bool {
        let me = me();
        Store::with(|s| {
            if !s.fair_cycles {
                // The iteration count is part of the thread's state: its history
                // (folded since the loop's entry) tells the iterations apart.
                return n < limit;
            }
            s.in_loop[me] = true;
            explain::retry(me, n == 0);
            if n == 0 {
                s.loop_chains[me] = s.tasks[me].chain;
            } else {
                // The thread is where it was at the loop's entry: forget how it got
                // back here. (Done even while unhashed: the loop-entry chain is
                // among the hashes a replay takes back.)
                s.tasks[me].chain = s.loop_chains[me];
                s.retried = true;
            }
            true
        })
    }
}

/// Tests only: with `true`, the searches this OS thread runs afterwards ignore
/// every scope ([`Backend::scope_begin`], `scope_end`, `scope_again`): each
/// thread keeps its whole history, as before scopes existed. A test compares the
/// verdicts with and without them.
#[doc(hidden)]
pub fn without_scopes(off: bool) {
    SCOPES_OFF.with(|f| f.set(off));
}

/// Tests only: with `true`, [`Backend::locked_part_in_step`] takes its
/// scheduling point as [`Backend::locked_part`] does, in the searches this OS
/// thread runs afterwards (a test compares the two).
#[doc(hidden)]
pub fn in_step_locks_at_a_point(on: bool) {
    IN_STEP_AT_A_POINT.with(|f| f.set(on));
}

thread_local! {
    /// [`in_step_locks_at_a_point`].
    static IN_STEP_AT_A_POINT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// [`without_scopes`].
    static SCOPES_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Tests only: a loop top ([`Backend::scope_again`]) leaves its task's steps
    /// acyclic, breaking the cycle rule (a test shows a livelock lost so).
    pub(crate) static SCOPE_LOOPS_ACYCLIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// [`Backend::locked`] on the stateful backend, with the footprint of the whole lock
/// (`parts` None) or of the parts it reads and (if the value's hash changed) writes
/// ([`Backend::locked_part`]). The same folds either way.
fn locked_in<T: Send + Hash, R: Hash>(
    m: &Mutex<T>,
    parts: Option<(Parts, Parts)>,
    f: impl Fn(&mut T) -> R,
) -> R {
    acquire_as(m.id, parts.is_none(), free, |o, me| o.writer = Some(me));
    run_and_release(m, parts, f)
}

/// The rest of [`locked_in`] once the calling task holds `m`: runs `f`, notes
/// the footprint, folds the result, releases.
fn run_and_release<T: Send + Hash, R: Hash>(
    m: &Mutex<T>,
    parts: Option<(Parts, Parts)>,
    f: impl Fn(&mut T) -> R,
) -> R {
    let id = m.id;
    let me = me();
    let mut g = taken(m.inner.try_lock());
    let result = f(&mut g);
    let value = value_hash(&*g);
    drop(g);
    let seen = value_hash(&result);
    let blocked = Store::with(|s| {
        if let Some((reads, writes)) = parts {
            let written = if s.objects[id].value != value {
                writes.bits()
            } else {
                0
            };
            s.touch_part(id, reads.bits(), written);
        }
        s.fold(me, Op::Locked, id, seen);
        release_as(s, me, id, value, Op::Unlock, parts.is_none())
    });
    unblock_all(blocked);
    result
}

/// Queues `waiter` on a condvar: at the tail, or, on a broadcast condvar (whose
/// order no notify reads), in task order, so that equal sets of sleepers are equal
/// states.
fn enqueue(queue: &mut Vec<(usize, usize)>, broadcast: bool, waiter: (usize, usize)) {
    if broadcast {
        let at = queue.partition_point(|w| *w < waiter);
        queue.insert(at, waiter);
    } else {
        queue.push(waiter);
    }
}

fn notify(cv: &Condvar, all: bool) {
    let me = me();
    point(me, Phase::Notify(cv.id));
    let woken = Store::with(|s| {
        s.tasks[me].phase = Phase::Running;
        wake_queued(s, me, cv.id, all)
    });
    unblock_all(woken);
}

/// Task `me` notifies condvar `cv` (one waiter, or `all`): the woken go to
/// reacquire their mutex; returns them, to unblock.
fn wake_queued(s: &mut Store, me: usize, cv: usize, all: bool) -> u64 {
    s.change(cv);
    s.fold(me, Op::Notify, cv, u128::from(all));
    moved(s, me);
    let queue = &mut s.objects[cv].queue;
    let n = if all { queue.len() } else { queue.len().min(1) };
    let woken: Vec<(usize, usize)> = queue.drain(..n).collect();
    let mut set = 0u64;
    for &(t, mutex) in &woken {
        s.tasks[t].phase = Phase::Acquire(mutex);
        set |= 1 << t;
    }
    s.touch_tasks(set);
    set
}
