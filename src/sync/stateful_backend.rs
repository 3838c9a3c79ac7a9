//! `stateful`: primitives of our own on shuttle's execution engine, each keeping the
//! execution's state fingerprint up to date for the stateful checker
//! ([`crate::check::stateful`]).
//!
//! Shuttle runs every model thread as a continuation on one OS thread and asks a
//! scheduler which task runs at every scheduling point. These primitives use only
//! that engine (`switch`, `block`, `unblock`), so their scheduling points and the
//! state behind them are ours, exactly:
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

use super::Backend;
use shuttle_engine::runtime::execution::ExecutionState;
use shuttle_engine::runtime::task::TaskId;
use shuttle_engine::runtime::thread::switch;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::cell::RefCell;
use std::hash::Hash;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex as StdMutex, RwLock as StdRwLock};

/// The stateful checker's primitives; usable only inside its runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stateful;

/// The most tasks (scenario threads plus the main thread) one execution may have.
pub const MAX_TASKS: usize = 36;

/// A 128-bit hash of `value` (SipHash-1-3, fixed keys).
pub fn hash128<T: Hash + ?Sized>(value: &T) -> u128 {
    let mut h = SipHasher13::new_with_keys(0x6461_786c_6f63_6b21, 0x7374_6174_6566_756c);
    value.hash(&mut h);
    h.finish128().as_u128()
}

/// Which operation a task is in, as far as its state matters to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Running its own code between operations, or not started yet.
    Running,
    /// Inside an operation whose scheduling points must not branch (none today but
    /// shuttle's own switch before a thread exits).
    Quiet,
    /// At an acquire of lock `0` (mutex, read or write): runnable, or blocked on it.
    Acquire(usize),
    /// Queued on condvar `cv`, to reacquire mutex `mutex` once notified.
    CvWait {
        /// The condvar.
        cv: usize,
        /// The mutex it released.
        mutex: usize,
    },
    /// At a notify of condvar `0`.
    Notify(usize),
    /// Joining task `0`.
    Join(usize),
}

/// What one step of one task touched, for the checker's partial-order reduction
/// ([`crate::check::stateful`]): a step runs from the point the checker chose the
/// task to the task's next scheduling point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The primitives it used (lock, condvar), bit `id % 128`: two distinct
    /// primitives may share a bit, which only makes steps look dependent.
    pub objects: u128,
    /// Those of them it changed: a lock's value or holders as the step leaves
    /// them, a task blocked on it, a condvar's queue. Two steps that only read a
    /// lock (take it, change nothing, release it) commute.
    pub writes: u128,
    /// The tasks whose state it read or changed (itself, tasks it woke or
    /// unblocked, the task it joined, a finished task's joiners).
    pub tasks: u64,
    /// It created a primitive or spawned a task (ids follow creation order), or
    /// ended the execution: dependent with every step.
    pub global: bool,
    /// The step may lie on a cycle of states: its task has entered a retry loop
    /// (now or before; its history can go back to an earlier value), or the step
    /// left its history unchanged (a condition wait that found `None`).
    pub cyclic: bool,
}

impl Footprint {
    /// Whether two steps may not commute: they share a primitive or a task, or one
    /// of them is global.
    pub fn conflicts(&self, other: &Footprint) -> bool {
        self.global
            || other.global
            || self.writes & other.objects != 0
            || self.objects & other.writes != 0
            || self.tasks & other.tasks != 0
    }
}

#[derive(Debug, Clone, Default, Hash)]
struct Object {
    /// Hash of the protected value at creation or last release (locks only).
    value: u128,
    /// The task holding it exclusively.
    writer: Option<usize>,
    /// Tasks holding it shared, as a bit set.
    readers: u64,
    /// Condvar queue: (task, mutex it will reacquire), FIFO.
    queue: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Hash)]
struct TaskState {
    chain: u128,
    phase: Phase,
    done: bool,
}

/// The state of one execution of the stateful checker: every primitive and task.
#[derive(Debug, Default)]
pub struct Store {
    objects: Vec<Object>,
    /// Per object, the tasks blocked acquiring it (a bit set). Not hashed: it
    /// follows from the tasks' phases and whether they are runnable.
    blocked: Vec<u64>,
    tasks: Vec<TaskState>,
    /// Per task, the tasks blocked joining it (a bit set); not hashed, likewise.
    joiners: Vec<u64>,
    /// Per task, its name, for deadlock reports.
    names: Vec<String>,
    /// Per task, whether it released a lock (or notified) since its last
    /// scheduling point (see [`point`]). Not hashed: it decides where the search
    /// branches, not what a task does.
    moved: Vec<bool>,
    /// The checker's own always-runnable task, if started (see [`Store::watchdog`]).
    watchdog: Option<usize>,
    /// The main task has finished the execution's body.
    finished: bool,
    /// Per task, its chain at the entry of the retry loop it is in (see
    /// [`Backend::retry`]). Not hashed: inside the loop the chain determines it
    /// (the chain is this value with what the iteration did folded in), and outside
    /// it is stale and overwritten at the next loop's entry before it is read.
    loop_chains: Vec<u128>,
    /// Retry loops run without a bound and forget their iteration count: the
    /// checker judges progress by fair cycles ([`Store::set_fair_cycles`]).
    fair_cycles: bool,
    /// A task went back to the top of a retry loop since the last scheduling
    /// decision: the checker fingerprints the next point even if it has one
    /// runnable task, so that a thread that retries alone closes a cycle too.
    retried: bool,
    /// The footprint of the step running since [`Store::begin_step`]. Not hashed.
    step: Footprint,
    /// The chain of the stepping task at [`Store::begin_step`].
    step_chain: u128,
    /// Per task, whether it ever entered a retry loop (or restarted its chain at a
    /// checkpoint). Not hashed: the checker's reduction reads it.
    looper: Vec<bool>,
    /// Keep hashes up to date. Off once the checker has cut the execution and only
    /// runs it to its end: nothing of it is fingerprinted any more.
    hashing: bool,
}

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
    static FAIR_CYCLES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

const ROOT: u128 = 0x6461_786c_6f63_6b5f_7374_6174_6566_756c;

/// Operation tags folded into a task's chain.
#[derive(Hash)]
enum Op {
    Lock,
    Unlock,
    Read,
    ReadUnlock,
    Write,
    WriteUnlock,
    Wait,
    Notify,
    Spawned,
    Child,
    Join,
    Locked,
    Checkpoint,
}

impl Store {
    /// Starts a new execution on this OS thread: one task (the main thread), no
    /// primitives.
    pub fn begin_execution() {
        STORE.with(|s| {
            *s.borrow_mut() = Some(Store {
                objects: Vec::new(),
                blocked: Vec::new(),
                joiners: vec![0],
                names: vec!["main".to_owned()],
                moved: vec![false],
                watchdog: None,
                finished: false,
                loop_chains: vec![ROOT],
                fair_cycles: FAIR_CYCLES.with(|c| c.get()),
                retried: false,
                hashing: true,
                step: Footprint::default(),
                step_chain: ROOT,
                looper: vec![false],
                tasks: vec![TaskState {
                    chain: ROOT,
                    phase: Phase::Running,
                    done: false,
                }],
            })
        });
    }

    /// Whether the executions begun on this OS thread from now on run retry loops
    /// without a bound, judging progress by fair cycles (see [`Backend::retry`]).
    pub fn set_fair_cycles(on: bool) {
        FAIR_CYCLES.with(|c| c.set(on));
    }

    /// Starts the footprint of a step of `task` (the checker chose it).
    pub fn begin_step(task: usize) {
        Self::with(|s| {
            s.step = Footprint {
                tasks: 1 << task,
                ..Footprint::default()
            };
            s.step_chain = s.tasks.get(task).map_or(0, |t| t.chain);
        });
    }

    /// The footprint of the step of `task` begun at [`Store::begin_step`], which
    /// has reached its task's next scheduling point.
    pub fn end_step(task: usize) -> Footprint {
        Self::with(|s| {
            let mut f = s.step;
            // A lock the task still holds is changed (its holders), for others.
            for (id, o) in s.objects.iter().enumerate() {
                if o.writer == Some(task) || o.readers & (1 << task) != 0 {
                    f.writes |= 1 << (id % 128);
                }
            }
            let t = s.tasks.get(task);
            f.cyclic = s.looper.get(task).copied().unwrap_or(true)
                || t.is_none_or(|t| t.chain == s.step_chain)
                || !s.hashing;
            f
        })
    }

    /// Whether a task went back to the top of a retry loop since the last call.
    pub fn take_retried() -> bool {
        Self::with(|s| std::mem::take(&mut s.retried))
    }

    /// The tasks of this execution but the watchdog, and those of them finished, as
    /// bit sets.
    pub fn task_masks() -> (u64, u64) {
        Self::with(|s| {
            let mut all = 0u64;
            let mut done = 0u64;
            for (i, t) in s.tasks.iter().enumerate() {
                if Some(i) != s.watchdog {
                    all |= 1 << i;
                    if t.done {
                        done |= 1 << i;
                    }
                }
            }
            (all, done)
        })
    }

    /// The names of the tasks in bit set `mask`, comma separated.
    pub fn task_names(mask: u64) -> String {
        Self::with(|s| {
            (0..s.names.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| s.names[i].clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
    }

    /// Ends stateful executions on this OS thread.
    pub fn end() {
        STORE.with(|s| *s.borrow_mut() = None);
    }

    /// Whether a stateful execution is running on this OS thread.
    pub fn active() -> bool {
        STORE.with(|s| s.borrow().is_some())
    }

    /// Starts the checker's watchdog task: always runnable, never chosen while a
    /// model thread can run, so that shuttle never meets a state with nothing
    /// runnable; the checker sees "only the watchdog is runnable" and reports the
    /// hang itself (without a panic). Call it first in the execution's main task.
    pub fn start_watchdog() {
        Self::with(|s| {
            s.watchdog = Some(s.tasks.len());
            s.tasks.push(TaskState {
                chain: 0,
                phase: Phase::Quiet,
                done: false,
            });
            s.joiners.push(0);
            s.names.push("watchdog".to_owned());
            s.moved.push(false);
            s.loop_chains.push(0);
            s.looper.push(false);
        });
        let handle = shuttle::thread::Builder::new()
            .name("daxlock-watchdog".to_owned())
            .spawn(|| {
                while !Store::with(|s| s.finished) {
                    switch();
                }
            })
            .expect("spawning the watchdog");
        drop(handle);
    }

    /// Stops (or resumes) hashing for this execution. Off while the checker replays
    /// a prefix it has already fingerprinted, or runs a cut execution to its end.
    pub fn set_hashing(on: bool) {
        Self::with(|s| s.hashing = on);
    }

    /// Every hash the store keeps (value hashes, task chains, loop-entry chains),
    /// to restore later.
    pub fn hashes() -> Vec<u128> {
        Self::with(|s| {
            s.objects
                .iter()
                .map(|o| o.value)
                .chain(s.tasks.iter().map(|t| t.chain))
                .chain(s.loop_chains.iter().copied())
                .collect()
        })
    }

    /// Puts back hashes taken by [`Store::hashes`] at the same point of an earlier
    /// run of the same execution (executions are deterministic: every other part of
    /// the store is the same there) and resumes hashing.
    pub fn restore_hashes(saved: &[u128]) {
        Self::with(|s| {
            let n = s.objects.len();
            let k = s.tasks.len();
            assert_eq!(saved.len(), n + 2 * k, "replay reached another state");
            for (o, v) in s.objects.iter_mut().zip(saved) {
                o.value = *v;
            }
            for (t, c) in s.tasks.iter_mut().zip(&saved[n..n + k]) {
                t.chain = *c;
            }
            s.loop_chains.copy_from_slice(&saved[n + k..]);
            s.hashing = true;
        });
    }

    /// Marks the execution's body as finished (the watchdog may exit).
    pub fn finish_execution() {
        Self::with(|s| {
            s.finished = true;
            s.step.global = true;
        });
    }

    /// The watchdog's task id, if started.
    pub fn watchdog() -> Option<usize> {
        Self::with(|s| s.watchdog)
    }

    /// Whether the execution's body has finished.
    pub fn finished() -> bool {
        Self::with(|s| s.finished)
    }

    /// What every unfinished model thread is blocked on, for a hang report.
    pub fn deadlock_report() -> String {
        Self::with(|s| {
            let parts: Vec<String> = s
                .tasks
                .iter()
                .enumerate()
                .filter(|(i, t)| !t.done && Some(*i) != s.watchdog)
                .map(|(i, t)| {
                    let what = match t.phase {
                        Phase::Acquire(o) => format!("acquiring lock #{o}"),
                        Phase::CvWait { cv, .. } => format!("waiting on condvar #{cv}"),
                        Phase::Join(j) => format!("joining {}", s.names[j]),
                        Phase::Notify(cv) => format!("notifying condvar #{cv}"),
                        Phase::Running | Phase::Quiet => "running".to_owned(),
                    };
                    format!("{} {what}", s.names[i])
                })
                .collect();
            format!(
                "deadlock: every live thread is blocked: {}",
                parts.join(", ")
            )
        })
    }

    /// Whether task `task` is in an operation whose scheduling points do not branch.
    pub fn quiet(task: usize) -> bool {
        Self::with(|s| s.tasks.get(task).is_some_and(|t| t.phase == Phase::Quiet))
    }

    /// The fingerprint of the whole state, given which tasks are runnable: every
    /// primitive's value hash, holders and condvar queue; every task's chain, phase,
    /// whether it finished and whether it is runnable.
    pub fn fingerprint(runnable: &[usize]) -> u128 {
        let mask = runnable.iter().fold(0u64, |m, &t| m | 1 << t);
        Self::with(|s| {
            debug_assert!(s.hashing, "fingerprint of an execution that is not hashed");
            let mut h = SipHasher13::new_with_keys(0x5354_4154_4546_554c, 0x6669_6e67_6572_7072);
            s.objects.hash(&mut h);
            s.tasks.hash(&mut h);
            mask.hash(&mut h);
            h.finish128().as_u128()
        })
    }

    fn with<R>(f: impl FnOnce(&mut Store) -> R) -> R {
        STORE.with(|s| {
            let mut s = s.borrow_mut();
            let s = s
                .as_mut()
                .expect("the stateful backend is used outside a stateful checker run");
            f(s)
        })
    }

    fn fold(&mut self, task: usize, op: Op, object: usize, read: u128) {
        if !self.hashing {
            return;
        }
        let t = &mut self.tasks[task];
        t.chain = hash128(&(t.chain, op, object, read));
    }

    fn touch(&mut self, object: usize) {
        self.step.objects |= 1 << (object % 128);
    }

    fn change(&mut self, object: usize) {
        self.step.objects |= 1 << (object % 128);
        self.step.writes |= 1 << (object % 128);
    }

    /// Stores `value` as lock `id`'s value hash, noting a change.
    fn store_value(&mut self, id: usize, value: u128) {
        if self.objects[id].value != value {
            self.change(id);
        }
        self.objects[id].value = value;
    }

    fn touch_tasks(&mut self, tasks: u64) {
        self.step.tasks |= tasks;
    }

    fn new_object(&mut self, value: u128) -> usize {
        self.step.global = true;
        self.objects.push(Object {
            value,
            ..Object::default()
        });
        self.blocked.push(0);
        self.objects.len() - 1
    }

    fn take_blocked(&mut self, id: usize) -> u64 {
        let set = std::mem::take(&mut self.blocked[id]);
        if set != 0 {
            self.change(id);
            self.step.tasks |= set;
        }
        set
    }
}

/// [`hash128`] of a value, or nothing once the execution is no longer hashed.
fn value_hash<T: Hash + ?Sized>(value: &T) -> u128 {
    if Store::with(|s| s.hashing) {
        hash128(value)
    } else {
        0
    }
}

fn me() -> usize {
    usize::from(ExecutionState::me())
}

fn unblock_all(mut set: u64) {
    while set != 0 {
        let t = set.trailing_zeros() as usize;
        set &= set - 1;
        ExecutionState::with(|e| e.get_mut(TaskId::from(t)).unblock());
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
        switch();
    }
}

/// Blocks the current task until another unblocks it (a scheduling point).
fn block_here() {
    ExecutionState::with(|e| e.current_mut().block(false));
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
    let me = me();
    set_phase(me, Phase::Acquire(id));
    loop {
        // Some(true): taken; Some(false): not free, blocked; None: branch first.
        let got = Store::with(|s| {
            s.touch(id);
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
            None => switch(),
        }
    }
}

/// The inner std lock of a primitive the store just gave us: never contended.
fn taken<G>(e: std::sync::TryLockError<G>) -> G {
    match e {
        std::sync::TryLockError::Poisoned(p) => p.into_inner(),
        std::sync::TryLockError::WouldBlock => unreachable!("the store says it is free"),
    }
}

/// Releases exclusive lock `id` held by `task`: stores the value's hash, folds `op`,
/// and returns the tasks blocked on it, to unblock.
fn release_exclusive(s: &mut Store, task: usize, id: usize, value: u128, op: Op) -> u64 {
    s.store_value(id, value);
    s.objects[id].writer = None;
    s.touch(id);
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

/// A condition variable with a FIFO queue of waiters.
pub struct Condvar {
    id: usize,
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
        let id = Store::with(|s| s.new_object(hash128(&value)));
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
            inner: Some(m.inner.try_lock().unwrap_or_else(taken)),
        }
    }

    fn condvar() -> Condvar {
        Condvar {
            id: Store::with(|s| s.new_object(0)),
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
            s.objects[cv.id].queue.push((me, mutex.id));
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
            inner: Some(mutex.inner.try_lock().unwrap_or_else(taken)),
        }
    }

    fn notify_one(cv: &Condvar) {
        notify(cv, false);
    }

    fn notify_all(cv: &Condvar) {
        notify(cv, true);
    }

    fn rwlock<T: Send + Sync + Hash>(value: T) -> RwLock<T> {
        let id = Store::with(|s| s.new_object(hash128(&value)));
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
            inner: Some(l.inner.try_read().unwrap_or_else(taken)),
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
            inner: Some(l.inner.try_write().unwrap_or_else(taken)),
        }
    }

    fn spawn<F, T>(name: String, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
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
            s.moved.push(false);
            s.loop_chains.push(0);
            s.looper.push(false);
            s.step.global = true;
            s.fold(parent, Op::Spawned, child, 0);
            child
        });
        let result = Arc::new(StdMutex::new(None));
        let slot = result.clone();
        let handle = shuttle::thread::Builder::new()
            .name(name)
            .spawn(move || {
                assert_eq!(me(), child, "task ids follow spawn order");
                let value = f();
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
                let joiners = Store::with(|s| {
                    // Shuttle switches once more before the thread exits; nothing of
                    // ours happens there.
                    s.tasks[child].done = true;
                    s.tasks[child].phase = Phase::Quiet;
                    let joiners = std::mem::take(&mut s.joiners[child]);
                    s.touch_tasks(joiners);
                    joiners
                });
                unblock_all(joiners);
            })
            .expect("spawning a shuttle thread");
        drop(handle);
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
                Some(true)
            });
            match done {
                Some(true) => break,
                Some(false) => block_here(),
                None => switch(),
            }
        }
        let value = h
            .result
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("a finished thread left its result");
        Ok(value)
    }

    fn thread_name() -> Option<String> {
        shuttle::thread::current().name().map(str::to_owned)
    }

    fn yield_now() {}

    fn locked<T: Send + Hash, R: Hash>(m: &Mutex<T>, f: impl Fn(&mut T) -> R) -> R {
        let id = m.id;
        let me = me();
        acquire_when(id, free, |o, me| o.writer = Some(me));
        let mut g = m.inner.try_lock().unwrap_or_else(taken);
        let result = f(&mut g);
        let value = value_hash(&*g);
        drop(g);
        let seen = value_hash(&result);
        let blocked = Store::with(|s| {
            s.fold(me, Op::Locked, id, seen);
            release_exclusive(s, me, id, value, Op::Unlock)
        });
        unblock_all(blocked);
        result
    }

    fn wait_until<T: Send + Hash, R: Hash>(
        m: &Mutex<T>,
        cv: &Condvar,
        f: impl Fn(&mut T) -> Option<R>,
    ) -> R {
        let (id, me) = (m.id, me());
        loop {
            acquire_when(id, free, |o, me| o.writer = Some(me));
            let mut g = m.inner.try_lock().unwrap_or_else(taken);
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
                    s.objects[cv.id].queue.push((me, id));
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
            s.looper[me] = true;
            s.tasks[me].chain = hash128(&(Op::Checkpoint, me, local))
        });
    }

    fn retry(n: usize, limit: usize) -> bool {
        let me = me();
        Store::with(|s| {
            if !s.fair_cycles {
                // The iteration count is part of the thread's state: its history
                // (folded since the loop's entry) tells the iterations apart.
                return n < limit;
            }
            s.looper[me] = true;
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

fn notify(cv: &Condvar, all: bool) {
    let me = me();
    point(me, Phase::Notify(cv.id));
    let woken = Store::with(|s| {
        s.change(cv.id);
        s.tasks[me].phase = Phase::Running;
        s.fold(me, Op::Notify, cv.id, u128::from(all));
        moved(s, me);
        let queue = &mut s.objects[cv.id].queue;
        let n = if all { queue.len() } else { queue.len().min(1) };
        let woken: Vec<(usize, usize)> = queue.drain(..n).collect();
        let mut set = 0u64;
        for &(t, mutex) in &woken {
            s.tasks[t].phase = Phase::Acquire(mutex);
            set |= 1 << t;
        }
        s.touch_tasks(set);
        set
    });
    unblock_all(woken);
}
