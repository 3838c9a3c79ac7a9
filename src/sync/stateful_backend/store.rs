//! The stateful backend's runtime state (as loom's `rt` is to its `sync`): every
//! primitive's value hash, holders and condvar queue, every task's phase and chain,
//! the step footprints of the checker's reduction, and the fingerprint over them.
//! The primitives in [`super`] drive it; the checker ([`crate::check::stateful`])
//! reads it.

use super::runtime::{self, switch};
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use xxhash_rust::xxh3::{xxh3_128, Xxh3Default};

/// The most tasks (scenario threads plus the main thread) one execution may have.
pub const MAX_TASKS: usize = 36;

/// The most primitives one execution may create (object ids share a word with other
/// fields in [`Store::fingerprint`]'s encoding: 24 bits each).
pub const MAX_OBJECTS: usize = 1 << 24;

/// A 128-bit hash of `value`: XXH3-128 (default secret, no seed) of the bytes its
/// `Hash` writes. Not keyed: the inputs are the model's own states, not an
/// adversary's; for distinct inputs two hashes collide with odds of about 2^-128,
/// as with the SipHash-1-3 it replaced. Never inlined: the hasher's state is then
/// on the stack only while it hashes, not in the frames of the callers, which a
/// snapshot copies where they switch (see `runtime`).
#[inline(never)]
pub fn hash128<T: Hash + ?Sized>(value: &T) -> u128 {
    let mut h = Buffered::default();
    value.hash(&mut h);
    h.finish128()
}

/// A hasher that gathers what is written in a buffer on the stack and hashes it in
/// one XXH3-128 call at the end (most values the model hashes are a few words:
/// a streaming hasher's work per `write` cost more than the hash); a value longer
/// than the buffer goes on into a streaming XXH3, which gives the same hash of the
/// same bytes.
struct Buffered {
    buf: [u8; Buffered::SIZE],
    len: usize,
    long: Option<Xxh3Default>,
}

impl Default for Buffered {
    fn default() -> Self {
        Buffered {
            buf: [0; Buffered::SIZE],
            len: 0,
            long: None,
        }
    }
}

impl Buffered {
    const SIZE: usize = 128;

    /// Moves the buffer into the streaming hasher and goes on there.
    #[cold]
    fn spill(&mut self, bytes: &[u8]) {
        let long = self.long.get_or_insert_with(Xxh3Default::new);
        long.update(&self.buf[..self.len]);
        self.len = 0;
        long.update(bytes);
    }

    fn finish128(&self) -> u128 {
        match &self.long {
            None => xxh3_128(&self.buf[..self.len]),
            Some(long) => {
                let mut long = long.clone();
                long.update(&self.buf[..self.len]);
                long.digest128()
            }
        }
    }
}

impl Hasher for Buffered {
    fn finish(&self) -> u64 {
        self.finish128() as u64
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() <= Self::SIZE {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            self.spill(bytes);
        }
    }
}

/// Which operation a task is in, as far as its state matters to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Running its own code between operations, or not started yet.
    Running,
    /// Inside an operation whose scheduling points must not branch (none today but
    /// the main thread's switch before it exits).
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
    /// The step may lie on a cycle of states: its task was in a retry loop at the
    /// step's start or end (since its last checkpoint; a retry puts its history
    /// back to the loop entry's value), or the step left its history unchanged (a
    /// condition wait that found `None`).
    pub cyclic: bool,
    /// Locks it used only in part ([`Backend::locked_part`](crate::sync::Backend::locked_part)),
    /// with the parts it read and those it changed; an unused slot has object bit
    /// 0 and no parts. A lock that does not fit here is taken as used whole.
    pub parts: [PartUse; PART_SLOTS],
}

/// How many locks one step may use in part before the rest count as used whole.
pub const PART_SLOTS: usize = 3;

/// A lock used in part by a step ([`Footprint::parts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartUse {
    /// The lock's bit (`1 << (id % 128)`), 0 for an unused slot.
    pub object: u128,
    /// The parts read ([`crate::sync::Parts::bits`]).
    pub read: u64,
    /// The parts changed.
    pub written: u64,
}

impl PartUse {
    /// Whether this use of a lock and another step's may not commute: a use of
    /// the same lock where one changes a part the other reads or changes.
    fn meets(&self, other: &PartUse) -> bool {
        self.object != 0
            && self.object == other.object
            && (self.written & (other.read | other.written) != 0 || other.written & self.read != 0)
    }

    /// Whether this use meets a use of whole locks: `objects` used, `writes`
    /// changed.
    fn meets_whole(&self, objects: u128, writes: u128) -> bool {
        self.object & writes != 0 || (self.written != 0 && self.object & objects != 0)
    }
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
            || self.parts.iter().any(|p| {
                p.meets_whole(other.objects, other.writes) || other.parts.iter().any(|q| p.meets(q))
            })
            || other
                .parts
                .iter()
                .any(|q| q.meets_whole(self.objects, self.writes))
    }
}

#[derive(Debug, Clone, Default, Hash)]
pub(super) struct Object {
    /// Hash of the protected value at creation or last release (locks only).
    pub(super) value: u128,
    /// The task holding it exclusively.
    pub(super) writer: Option<usize>,
    /// Tasks holding it shared, as a bit set.
    pub(super) readers: u64,
    /// Condvar queue: (task, mutex it will reacquire), FIFO.
    pub(super) queue: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Hash)]
pub(super) struct TaskState {
    pub(super) chain: u128,
    pub(super) phase: Phase,
    pub(super) done: bool,
}

/// The state of one execution of the stateful checker: every primitive and task.
#[derive(Debug, Default)]
pub struct Store {
    pub(super) objects: Vec<Object>,
    /// Per object, the tasks blocked acquiring it (a bit set). Not hashed: it
    /// follows from the tasks' phases and whether they are runnable.
    pub(super) blocked: Vec<u64>,
    pub(super) tasks: Vec<TaskState>,
    /// Per task, the tasks blocked joining it (a bit set); not hashed, likewise.
    pub(super) joiners: Vec<u64>,
    /// Per task, its name, for deadlock reports.
    pub(super) names: Vec<String>,
    /// Per task, its model thread number (`tN`: N; else 0), for the recorder.
    pub(super) numbers: Vec<usize>,
    /// Per task, whether it released a lock (or notified) since its last
    /// scheduling point (see [`super::point`]). Not hashed: it decides where the search
    /// branches, not what a task does.
    pub(super) moved: Vec<bool>,
    /// Per task, whether it joined a thread since its last scheduling point: a
    /// spawn or a creation of a primitive then takes a scheduling point first, so
    /// that the step of a join ends before them (see [`Store::ready_join`]). Not
    /// hashed, like `moved`.
    pub(super) joined: Vec<bool>,
    /// The checker's own always-runnable task, if started (see [`Store::watchdog`]).
    pub(super) watchdog: Option<usize>,
    /// The main task has finished the execution's body.
    pub(super) finished: bool,
    /// Per task, its chain at the entry of the retry loop it is in (see
    /// [`Backend::retry`](crate::sync::Backend::retry)). Not hashed: inside the loop
    /// the chain determines it (the chain is this value with what the iteration did
    /// folded in), and outside it is stale and overwritten at the next loop's entry
    /// before it is read.
    pub(super) loop_chains: Vec<u128>,
    /// Retry loops run without a bound and forget their iteration count: the
    /// checker judges progress by fair cycles ([`Store::set_fair_cycles`]).
    pub(super) fair_cycles: bool,
    /// A task went back to the top of a retry loop since the last scheduling
    /// decision: the checker fingerprints the next point even if it has one
    /// runnable task, so that a thread that retries alone closes a cycle too.
    pub(super) retried: bool,
    /// The footprint of the step running since [`Store::begin_step`]. Not hashed.
    pub(super) step: Footprint,
    /// The chain of the stepping task at [`Store::begin_step`].
    pub(super) step_chain: u128,
    /// Per task, whether it has entered a retry loop since its last checkpoint (a
    /// loop's end is not signalled: the next checkpoint, the start of the thread's
    /// next operation, ends it). Not hashed: the checker's reduction reads it.
    pub(super) in_loop: Vec<bool>,
    /// Per task, how many checkpoints it has passed: folded into the chain a
    /// checkpoint starts, so that no checkpoint gives a chain an earlier one gave
    /// (a chain never returns to a value from before a checkpoint). Deterministic,
    /// so the same on a replay; not hashed on its own (the chain carries it).
    pub(super) checkpoints: Vec<u64>,
    /// Per task, its chain at the opening of each scope it is in, innermost last
    /// ([`Backend::scope_begin`](crate::sync::Backend::scope_begin)). Not hashed:
    /// inside a scope the chain determines it, like `loop_chains`; saved and put
    /// back with the other hashes on a replay.
    pub(super) scopes: Vec<Vec<u128>>,
    /// The stepping task was in a retry loop at [`Store::begin_step`].
    pub(super) step_in_loop: bool,
    /// Keep hashes up to date. Off once the checker has cut the execution and only
    /// runs it to its end: nothing of it is fingerprinted any more.
    pub(super) hashing: bool,
    /// The checker cut the execution at a known state and it runs on to its end:
    /// its end state need not be checked ([`Store::cut`]). Not hashed.
    pub(super) cut: bool,
    /// State outside the primitives that a target declared
    /// ([`Backend::external_state`](crate::sync::Backend::external_state)). Not
    /// hashed: the object it names holds what the fingerprint keeps of it.
    pub(super) external: Option<External>,
    /// The external state's probe at [`Store::begin_step`], while hashing.
    pub(super) step_probe: Option<u128>,
}

/// Shared state outside the primitives: the object that stands for it and a hash
/// of all of it.
pub(super) struct External {
    /// The object whose footprint bit stands for the state.
    id: usize,
    probe: Box<dyn Fn() -> u128>,
    /// The probe's value at the scheduling point the last step ended at, which is
    /// where the next step begins (the checker begins it right after).
    at_point: Option<u128>,
}

impl std::fmt::Debug for External {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "External(#{})", self.id)
    }
}

thread_local! {
    /// Over the executions on this OS thread: steps whose external state was probed,
    /// and those that changed it ([`Store::external_steps`]).
    static EXTERNAL_STEPS: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

thread_local! {
    pub(super) static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
    pub(super) static FAIR_CYCLES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The task the checker chose last: the one running (see [`Store::running`]).
    static RUNNING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

thread_local! {
    /// [`Store::fingerprint`]'s buffer (outside the arena), as long as the longest
    /// encoding so far.
    static FP_BUFFER: RefCell<Vec<[u8; 8]>> = const { RefCell::new(Vec::new()) };
}

/// A primitive's holders and queue length as one word of [`Store::fingerprint`]'s
/// encoding: the readers set (tasks below MAX_TASKS: 36 bits), the writer plus
/// one from bit 40, the queue's length from bit 48.
fn holders_word(o: &Object) -> u64 {
    o.readers | o.writer.map_or(0, |w| w as u64 + 1) << 40 | (o.queue.len() as u64) << 48
}

/// A task's phase and whether it finished as one word of [`Store::fingerprint`]'s
/// encoding: a tag, the flag, and the objects or task the phase names (each below
/// 2^24) in bits of their own.
fn phase_word(t: &TaskState) -> u64 {
    let (tag, a, c) = match t.phase {
        Phase::Running => (0, 0, 0),
        Phase::Quiet => (1, 0, 0),
        Phase::Acquire(o) => (2, o, 0),
        Phase::CvWait { cv, mutex } => (3, cv, mutex),
        Phase::Notify(cv) => (4, cv, 0),
        Phase::Join(j) => (5, j, 0),
    };
    tag | u64::from(t.done) << 8 | (a as u64) << 16 | (c as u64) << 40
}

pub(super) const ROOT: u128 = 0x6461_786c_6f63_6b5f_7374_6174_6566_756c;

/// Operation tags folded into a task's chain.
#[derive(Hash)]
pub(super) enum Op {
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
    Observe,
    Scope,
}

impl Op {
    /// The operation's name, for [`super::explain`].
    pub(super) fn name(&self) -> &'static str {
        match self {
            Op::Lock => "Lock",
            Op::Unlock => "Unlock",
            Op::Read => "Read",
            Op::ReadUnlock => "ReadUnlock",
            Op::Write => "Write",
            Op::WriteUnlock => "WriteUnlock",
            Op::Wait => "Wait",
            Op::Notify => "Notify",
            Op::Spawned => "Spawned",
            Op::Child => "Child",
            Op::Join => "Join",
            Op::Locked => "Locked",
            Op::Checkpoint => "Checkpoint",
            Op::Observe => "Observe",
            Op::Scope => "Scope",
        }
    }
}

impl Store {
    /// Starts a new execution on this OS thread: one task (the main thread), no
    /// primitives.
    pub fn begin_execution() {
        super::explain::begin_execution();
        RUNNING.with(|r| r.set(0));
        let armed = super::arena::armed();
        if armed {
            // The last execution's store is in the arena: forgotten with it.
            STORE.with(|s| std::mem::forget(s.borrow_mut().take()));
            super::arena::reset();
        }
        super::arena::inside(|| {
            STORE.with(|s| {
                let mut s = s.borrow_mut();
                // The last execution's vectors, emptied: their capacity is kept, so an
                // execution allocates nothing here once the first has grown them.
                let mut store = s.take().unwrap_or_default();
                store.objects.clear();
                store.blocked.clear();
                store.joiners.clear();
                store.joiners.push(0);
                store.names.clear();
                store.names.push("main".to_owned());
                store.numbers.clear();
                store.numbers.push(0);
                store.moved.clear();
                store.moved.push(false);
                store.joined.clear();
                store.joined.push(false);
                store.loop_chains.clear();
                store.loop_chains.push(ROOT);
                store.in_loop.clear();
                store.in_loop.push(false);
                store.checkpoints.clear();
                store.checkpoints.push(0);
                store.scopes.clear();
                store.scopes.push(Vec::new());
                store.tasks.clear();
                store.tasks.push(TaskState {
                    chain: ROOT,
                    phase: Phase::Running,
                    done: false,
                });
                *s = Some(Store {
                    watchdog: None,
                    finished: false,
                    fair_cycles: FAIR_CYCLES.with(|c| c.get()),
                    retried: false,
                    hashing: true,
                    cut: false,
                    step: Footprint::default(),
                    step_chain: ROOT,
                    step_in_loop: false,
                    external: None,
                    step_probe: None,
                    ..store
                });
            })
        })
    }

    /// The thread-locals an execution's state lives in besides the runtime's
    /// (for its snapshots).
    pub(super) fn regions() -> [runtime::Region; 2] {
        [
            STORE.with(runtime::Region::of),
            RUNNING.with(runtime::Region::of),
        ]
    }

    /// Notes that the checker chose `task` to run next (the runtime runs a task only
    /// when its scheduler chose it).
    pub fn set_running(task: usize) {
        RUNNING.with(|r| r.set(task));
    }

    /// The running task, as [`Store::set_running`] last noted it.
    pub fn running() -> usize {
        RUNNING.with(std::cell::Cell::get)
    }

    /// Whether the executions begun on this OS thread from now on run retry loops
    /// without a bound, judging progress by fair cycles (see
    /// [`Backend::retry`](crate::sync::Backend::retry)).
    pub fn set_fair_cycles(on: bool) {
        FAIR_CYCLES.with(|c| c.set(on));
    }

    /// Starts the footprint of a step of `task` (the checker chose it).
    pub fn begin_step(task: usize) {
        Self::begin_step_probed(task, true);
    }

    /// [`Store::begin_step`], probing the external state (if a target declared
    /// one) only when `probe`: the checker passes false for a step whose footprint
    /// it will not read (a step at no branching point while no task is asleep), to
    /// save the probe's cost; such a step's footprint then leaves the external state
    /// out.
    pub fn begin_step_probed(task: usize, probe: bool) {
        Self::with(|s| {
            s.step = Footprint {
                tasks: 1 << task,
                ..Footprint::default()
            };
            s.step_chain = s.tasks.get(task).map_or(0, |t| t.chain);
            s.step_in_loop = s.in_loop.get(task).copied().unwrap_or(true);
            let at_point = s.external.as_mut().and_then(|e| e.at_point.take());
            s.step_probe = match s.external.as_ref() {
                Some(e) if s.hashing && probe => Some(at_point.unwrap_or_else(|| (e.probe)())),
                _ => None,
            };
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
            // A step after which the external state hashes otherwise changed it.
            if let (Some(before), Some(e)) = (s.step_probe.take(), s.external.as_mut()) {
                let now = (e.probe)();
                e.at_point = Some(now);
                let changed = usize::from(now != before);
                EXTERNAL_STEPS.with(|c| {
                    let (steps, n) = c.get();
                    c.set((steps + 1, n + changed));
                });
                if changed == 1 {
                    f.objects |= 1 << (e.id % 128);
                    f.writes |= 1 << (e.id % 128);
                }
            }
            let t = s.tasks.get(task);
            f.cyclic = s.step_in_loop
                || s.in_loop.get(task).copied().unwrap_or(true)
                || t.is_none_or(|t| t.chain == s.step_chain)
                || !s.hashing;
            f
        })
    }

    /// Over the executions on this OS thread since the last call: how many steps
    /// had their external state probed, and how many of them changed it (tests).
    pub fn external_steps() -> (usize, usize) {
        EXTERNAL_STEPS.with(|c| c.take())
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
        // For the checker: outside the arena (as every value the store hands out).
        super::arena::outside(|| {
            Self::with(|s| {
                (0..s.names.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| s.names[i].clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
    }

    /// Ends stateful executions on this OS thread.
    pub fn end() {
        super::explain::report();
        if super::arena::armed() {
            STORE.with(|s| std::mem::forget(s.borrow_mut().take()));
        }
        STORE.with(|s| *s.borrow_mut() = None);
    }

    /// Whether a stateful execution is running on this OS thread.
    pub fn active() -> bool {
        STORE.with(|s| s.borrow().is_some())
    }

    /// Starts the checker's watchdog task: always runnable, never chosen while a
    /// model thread can run, so that the runtime never meets a state with nothing
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
            super::explain::task_created();
            s.numbers.push(0);
            s.moved.push(false);
            s.joined.push(false);
            s.loop_chains.push(0);
            s.in_loop.push(false);
            s.checkpoints.push(0);
            s.scopes.push(Vec::new());
        });
        runtime::spawn("daxlock-watchdog".to_owned(), || {
            while !Store::with(|s| s.finished) {
                switch();
            }
        });
    }

    /// Stops (or resumes) hashing for this execution. Off while the checker replays
    /// a prefix it has already fingerprinted, or runs a cut execution to its end.
    pub fn set_hashing(on: bool) {
        Self::with(|s| s.hashing = on);
    }

    /// The checker cut the execution at a state it has explored: hashing stops for
    /// the rest of it, and with `skip_end` its end state is not checked
    /// ([`Backend::end_state_known`](crate::sync::Backend::end_state_known)).
    pub fn cut(skip_end: bool) {
        Self::with(|s| {
            s.hashing = false;
            s.cut = skip_end;
        });
    }

    /// Whether the execution was cut with its end check skipped ([`Store::cut`]).
    pub fn end_state_known() -> bool {
        Self::with(|s| s.cut)
    }

    /// Every hash the store keeps (value hashes, task chains, loop-entry chains,
    /// scope-opening chains), to restore later.
    pub fn hashes() -> Vec<u128> {
        let saved: Vec<u128> = super::arena::outside(|| {
            Self::with(|s| {
                s.objects
                    .iter()
                    .map(|o| o.value)
                    .chain(s.tasks.iter().map(|t| t.chain))
                    .chain(s.loop_chains.iter().copied())
                    .chain(s.scopes.iter().flatten().copied())
                    .collect()
            })
        });
        super::explain::saved(&saved);
        saved
    }

    /// Puts back hashes taken by [`Store::hashes`] at the same point of an earlier
    /// run of the same execution (executions are deterministic: every other part of
    /// the store is the same there) and resumes hashing.
    pub fn restore_hashes(saved: &[u128]) {
        Self::with(|s| {
            let n = s.objects.len();
            let k = s.tasks.len();
            let open: usize = s.scopes.iter().map(Vec::len).sum();
            assert_eq!(
                saved.len(),
                n + 2 * k + open,
                "replay reached another state"
            );
            for (o, v) in s.objects.iter_mut().zip(saved) {
                o.value = *v;
            }
            for (t, c) in s.tasks.iter_mut().zip(&saved[n..n + k]) {
                t.chain = *c;
            }
            s.loop_chains.copy_from_slice(&saved[n + k..n + 2 * k]);
            for (v, c) in s.scopes.iter_mut().flatten().zip(&saved[n + 2 * k..]) {
                *v = *c;
            }
            s.hashing = true;
        });
        super::explain::restored(saved);
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
        super::arena::outside(|| {
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
        })
    }

    /// The first of the tasks `ids` that stands at a join of a finished task, if
    /// any: its step commutes with every step another task can take meanwhile, and
    /// the checker runs it without branching (see [`crate::check::stateful`]).
    pub fn ready_join(ids: &[usize]) -> Option<usize> {
        Self::with(|s| {
            ids.iter().copied().find(|&t| {
                matches!(s.tasks.get(t).map(|t| t.phase), Some(Phase::Join(j)) if s.tasks[j].done)
            })
        })
    }

    /// Whether task `task` is in an operation whose scheduling points do not branch.
    pub fn quiet(task: usize) -> bool {
        Self::with(|s| s.tasks.get(task).is_some_and(|t| t.phase == Phase::Quiet))
    }

    /// The fingerprint of the whole state, given which tasks are runnable: every
    /// primitive's value hash, holders and condvar queue; every task's chain, phase,
    /// whether it finished and whether it is runnable.
    ///
    /// The state is first written out as words (an injective encoding: counts
    /// before every list, a tag before every phase), then hashed in one XXH3-128
    /// call (as [`hash128`]): the same 128-bit hash of the same information as
    /// hashing the fields one by one, in fewer instructions (one `write` per field
    /// cost more than the compression).
    pub fn fingerprint(runnable: &[usize]) -> u128 {
        let mask = runnable.iter().fold(0u64, |m, &t| m | 1 << t);
        Self::with(|s| {
            debug_assert!(s.hashing, "fingerprint of an execution that is not hashed");
            let n = s.encoded_words();
            // The encoding in a buffer of the thread's, outside the arena (a buffer
            // in the store was in the arena: every snapshot and restore copied it),
            // grown when a longer encoding comes, never cleared: the words past `n`
            // are not hashed.
            let fp = FP_BUFFER.with(|b| {
                let mut b = b.borrow_mut();
                if b.len() < n {
                    super::arena::outside(|| b.resize(n, [0; 8]));
                }
                s.encode(mask, &mut b[..n]);
                xxh3_128(b[..n].as_flattened())
            });
            super::explain::fingerprint(fp, mask, &s.objects, &s.tasks, &s.names);
            fp
        })
    }

    /// The length in words of [`Store::fingerprint`]'s encoding.
    fn encoded_words(&self) -> usize {
        let queued: usize = self.objects.iter().map(|o| o.queue.len()).sum();
        3 + 3 * self.objects.len() + queued + 3 * self.tasks.len()
    }

    /// Writes [`Store::fingerprint`]'s encoding of the state with runnable tasks
    /// `mask` into `out`, [`Store::encoded_words`] long, word by word (each a store
    /// of its little-endian bytes: no capacity check, no per-word copy call).
    fn encode(&self, mask: u64, out: &mut [[u8; 8]]) {
        out[0] = (self.objects.len() as u64).to_le_bytes();
        let mut at = 1;
        // Small fields share a word, each in bits of its own: tasks (holders,
        // queued waiters) are below MAX_TASKS (36 < 2^6), so a readers set fits
        // 36 bits; object ids are below MAX_OBJECTS (2^24, `new_object`); a queue
        // holds at most MAX_TASKS waiters.
        for o in &self.objects {
            out[at..at + 3].copy_from_slice(&[
                (o.value as u64).to_le_bytes(),
                ((o.value >> 64) as u64).to_le_bytes(),
                holders_word(o).to_le_bytes(),
            ]);
            at += 3;
            for &(t, m) in &o.queue {
                out[at] = (t as u64 | (m as u64) << 8).to_le_bytes();
                at += 1;
            }
        }
        let mut word = |w: u64| {
            out[at] = w.to_le_bytes();
            at += 1;
        };
        word(self.tasks.len() as u64);
        for t in &self.tasks {
            word(t.chain as u64);
            word((t.chain >> 64) as u64);
            word(phase_word(t));
        }
        word(mask);
        debug_assert_eq!(at, out.len(), "the encoding's length is counted");
    }

    #[inline]
    pub(super) fn with<R>(f: impl FnOnce(&mut Store) -> R) -> R {
        // The store is the execution's: what it allocates goes to the arena with
        // snapshots (also when the checker calls it between steps).
        super::arena::inside(|| {
            STORE.with(|s| {
                let mut s = s.borrow_mut();
                let s = s
                    .as_mut()
                    .expect("the stateful backend is used outside a stateful checker run");
                f(s)
            })
        })
    }

    pub(super) fn fold(&mut self, task: usize, op: Op, object: usize, read: u128) {
        if !self.hashing {
            // The debug aid's description was of this fold, not of a later one.
            super::explain::unfolded(task);
            return;
        }
        super::explain::folded(task, &op, object, read);
        let t = &mut self.tasks[task];
        t.chain = hash128(&(t.chain, op, object, read));
    }

    /// Declares state outside the primitives that object `id` stands for
    /// ([`Backend::external_state`](crate::sync::Backend::external_state)).
    pub(super) fn set_external(&mut self, id: usize, probe: Box<dyn Fn() -> u128>) {
        self.external = Some(External {
            id,
            probe,
            at_point: None,
        });
    }

    /// Whether `task` is the only task that can ever run again in this execution:
    /// every other task (the watchdog left out) has finished, so nothing can wake
    /// or spawn one, and no retry has to be fingerprinted (see `retried`). Its
    /// scheduling points then need no switch: the checker would choose it, with no
    /// branching point, and learn nothing (see [`super::switch_unless_alone`]).
    pub(super) fn alone(&self, task: usize) -> bool {
        !self.retried
            && self
                .tasks
                .iter()
                .enumerate()
                .all(|(i, t)| i == task || t.done || Some(i) == self.watchdog)
    }

    pub(super) fn touch(&mut self, object: usize) {
        self.step.objects |= 1 << (object % 128);
    }

    pub(super) fn change(&mut self, object: usize) {
        self.step.objects |= 1 << (object % 128);
        self.step.writes |= 1 << (object % 128);
    }

    /// Notes that the step read parts `read` of lock `object` and changed parts
    /// `written` ([`Backend::locked_part`](crate::sync::Backend::locked_part)); a
    /// step that uses more locks in part than [`PART_SLOTS`] uses the rest whole.
    pub(super) fn touch_part(&mut self, object: usize, read: u64, written: u64) {
        let bit = 1u128 << (object % 128);
        let slot = self
            .step
            .parts
            .iter()
            .position(|p| p.object == bit)
            .or_else(|| self.step.parts.iter().position(|p| p.object == 0));
        match slot {
            Some(i) => {
                let p = &mut self.step.parts[i];
                p.object = bit;
                p.read |= read | written;
                p.written |= written;
            }
            None if written != 0 => self.change(object),
            None => self.touch(object),
        }
    }

    /// Stores `value` as lock `id`'s value hash, noting a change.
    pub(super) fn store_value(&mut self, id: usize, value: u128) {
        if self.objects[id].value != value {
            self.change(id);
        }
        self.objects[id].value = value;
    }

    pub(super) fn touch_tasks(&mut self, tasks: u64) {
        self.step.tasks |= tasks;
    }

    pub(super) fn new_object(&mut self, value: u128) -> usize {
        assert!(
            self.objects.len() < MAX_OBJECTS,
            "the stateful checker keeps at most {MAX_OBJECTS} primitives per execution"
        );
        self.step.global = true;
        self.objects.push(Object {
            value,
            ..Object::default()
        });
        self.blocked.push(0);
        self.objects.len() - 1
    }

    pub(super) fn take_blocked(&mut self, id: usize) -> u64 {
        let set = std::mem::take(&mut self.blocked[id]);
        if set != 0 {
            self.change(id);
            self.step.tasks |= set;
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh execution with one lock holding `value`'s hash; returns the lock.
    fn one_lock(value: u64) -> usize {
        Store::begin_execution();
        Store::with(|s| s.new_object(hash128(&value)))
    }

    /// [`hash128`] is XXH3-128 of the bytes a value's `Hash` writes, whether they
    /// fit the buffer or go on into the streaming hasher: the same value, the same
    /// hash, and values that differ in any byte (first or last, short or long)
    /// differ.
    #[test]
    fn hash128_is_xxh3_of_the_bytes_written_short_or_long() {
        for n in [0usize, 1, 15, 16, 17, 40, 200] {
            let words: Vec<u64> = (0..n as u64).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
            let mut bytes = n.to_ne_bytes().to_vec();
            for w in &words {
                bytes.extend_from_slice(&w.to_ne_bytes());
            }
            assert_eq!(hash128(&words), xxh3_128(&bytes), "{n} words");
            for at in [0, n / 2, n.saturating_sub(1)]
                .into_iter()
                .filter(|_| n > 0)
            {
                let mut other = words.clone();
                other[at] ^= 1;
                assert_ne!(hash128(&other), hash128(&words), "{n} words, word {at}");
            }
        }
        // Many small writes past the buffer (a tuple per element).
        let pairs: Vec<(u8, u32)> = (0..100).map(|i| (i as u8, i * 7)).collect();
        let mut bytes = pairs.len().to_ne_bytes().to_vec();
        for (a, b) in &pairs {
            bytes.push(*a);
            bytes.extend_from_slice(&b.to_ne_bytes());
        }
        assert_eq!(hash128(&pairs), xxh3_128(&bytes));
    }

    #[test]
    fn equal_states_hash_equal() {
        one_lock(7);
        let first = Store::fingerprint(&[0]);
        one_lock(7);
        assert_eq!(Store::fingerprint(&[0]), first);
        one_lock(8);
        assert_ne!(
            Store::fingerprint(&[0]),
            first,
            "another value, another state"
        );
        Store::end();
    }

    /// [`Store::fingerprint`]'s encoding written the plain way, word by word into
    /// a byte vector (as it was first written; the words themselves are
    /// `fields_that_share_a_word_are_told_apart`'s): the reference the buffer must
    /// match byte for byte.
    fn reference_fingerprint(s: &Store, mask: u64) -> u128 {
        let mut b: Vec<u8> = Vec::new();
        let mut word = |w: u64| b.extend_from_slice(&w.to_le_bytes());
        word(s.objects.len() as u64);
        for o in &s.objects {
            word(o.value as u64);
            word((o.value >> 64) as u64);
            word(holders_word(o));
            for &(t, m) in &o.queue {
                word(t as u64 | (m as u64) << 8);
            }
        }
        word(s.tasks.len() as u64);
        for t in &s.tasks {
            word(t.chain as u64);
            word((t.chain >> 64) as u64);
            word(phase_word(t));
        }
        word(mask);
        xxh3_128(&b)
    }

    /// The fingerprint is XXH3-128 of the reference encoding, whether the buffer
    /// holds a longer one from before or grows: every field, in order, the same
    /// fingerprints as before the buffer changed.
    #[test]
    fn the_fingerprint_hashes_the_reference_encoding() {
        for objects in [12usize, 1, 5, 40, 2] {
            let id = one_lock(7);
            Store::with(|s| {
                for i in 1..objects {
                    let o = s.new_object(hash128(&i));
                    s.objects[o].readers = (i as u64) & 0b111;
                    s.objects[o].writer = (i % 3 == 0).then_some(i % 4);
                    if i % 4 == 1 {
                        s.objects[o].queue = vec![(1, id), (2, o)];
                    }
                }
                for k in 1..4 {
                    s.tasks.push(TaskState {
                        chain: hash128(&k),
                        phase: [
                            Phase::Acquire(id),
                            Phase::CvWait { cv: 1, mutex: id },
                            Phase::Join(0),
                        ][k - 1],
                        done: k == 2,
                    });
                }
            });
            for runnable in [&[0usize, 1, 3][..], &[2]] {
                let mask = runnable.iter().fold(0u64, |m, &t| m | 1 << t);
                let expected = Store::with(|s| reference_fingerprint(s, mask));
                assert_eq!(Store::fingerprint(runnable), expected, "{objects} objects");
            }
            Store::end();
        }
    }

    /// The fingerprint's buffer is kept outside the arena, armed or not: its
    /// bytes are scratch, and a snapshot copies none of them.
    #[test]
    fn the_fingerprints_buffer_is_outside_the_arena() {
        super::super::arena::arm(true);
        super::super::arena::reset();
        one_lock(7);
        let fp = Store::fingerprint(&[0]);
        let outside =
            FP_BUFFER.with(|b| !super::super::arena::contains(b.borrow().as_ptr().cast()));
        super::super::arena::arm(false);
        Store::end();
        assert!(outside, "the buffer is the system's");
        one_lock(7);
        assert_eq!(Store::fingerprint(&[0]), fp, "the same encoding");
        Store::end();
    }

    #[test]
    fn runnable_tasks_are_part_of_the_fingerprint() {
        one_lock(7);
        assert_ne!(Store::fingerprint(&[0]), Store::fingerprint(&[]));
        Store::end();
    }

    #[test]
    fn a_locks_holder_changes_the_fingerprint() {
        let id = one_lock(7);
        let free = Store::fingerprint(&[0]);
        Store::with(|s| s.objects[id].writer = Some(0));
        let held = Store::fingerprint(&[0]);
        assert_ne!(held, free);
        Store::with(|s| {
            s.objects[id].writer = None;
            s.objects[id].readers = 1;
        });
        let shared = Store::fingerprint(&[0]);
        assert_ne!(shared, free);
        assert_ne!(shared, held, "shared and exclusive holders differ");
        Store::with(|s| s.objects[id].readers = 0);
        assert_eq!(
            Store::fingerprint(&[0]),
            free,
            "released, the state is back"
        );
        Store::end();
    }

    /// The fields that share a word in the fingerprint's encoding stay apart: a
    /// condvar's waiters and the mutexes they will take, their order, and a phase's
    /// kind and the objects it names.
    #[test]
    fn fields_that_share_a_word_are_told_apart() {
        let id = one_lock(7);
        let cv = Store::with(|s| s.new_object(0));
        let mut seen = std::collections::HashSet::new();
        for queue in [
            vec![],
            vec![(0, id)],
            vec![(0, cv)],
            vec![(1, id)],
            vec![(0, id), (1, id)],
            vec![(1, id), (0, id)],
        ] {
            Store::with(|s| s.objects[cv].queue = queue.clone());
            assert!(seen.insert(Store::fingerprint(&[0])), "queue {queue:?}");
        }
        Store::with(|s| s.objects[cv].queue.clear());
        for phase in [
            Phase::Acquire(id),
            Phase::Acquire(cv),
            Phase::Notify(id),
            Phase::Join(id),
            Phase::CvWait { cv, mutex: id },
            Phase::CvWait { cv: id, mutex: cv },
        ] {
            for done in [false, true] {
                Store::with(|s| {
                    s.tasks[0].phase = phase;
                    s.tasks[0].done = done;
                });
                assert!(
                    seen.insert(Store::fingerprint(&[0])),
                    "{phase:?} done={done}"
                );
            }
        }
        Store::end();
    }

    #[test]
    fn a_tasks_chain_and_phase_change_the_fingerprint() {
        let id = one_lock(7);
        let before = Store::fingerprint(&[0]);
        Store::with(|s| s.fold(0, Op::Lock, id, 0));
        let folded = Store::fingerprint(&[0]);
        assert_ne!(folded, before);
        Store::with(|s| s.tasks[0].phase = Phase::Acquire(id));
        assert_ne!(Store::fingerprint(&[0]), folded);
        Store::end();
    }

    #[test]
    fn a_blocked_task_is_in_the_footprint_of_the_step_that_unblocks_it() {
        let id = one_lock(7);
        Store::with(|s| {
            s.tasks.push(TaskState {
                chain: ROOT,
                phase: Phase::Acquire(id),
                done: false,
            });
            s.blocked[id] |= 1 << 1;
        });
        Store::begin_step(0);
        let unblocked = Store::with(|s| s.take_blocked(id));
        assert_eq!(unblocked, 1 << 1);
        let f = Store::end_step(0);
        assert_eq!(
            f.tasks,
            1 | 1 << 1,
            "the stepping task and the one it unblocked"
        );
        assert_ne!(f.writes & 1 << id, 0, "unblocking changes the lock");
        assert!(!f.global);
        // A step that only reads the lock touches it and changes nothing.
        Store::begin_step(0);
        Store::with(|s| s.touch(id));
        let f = Store::end_step(0);
        assert_eq!((f.objects, f.writes, f.tasks), (1 << id, 0, 1));
        Store::end();
    }

    #[test]
    fn a_held_lock_is_written_by_the_step_and_steps_on_it_conflict() {
        let id = one_lock(7);
        Store::begin_step(0);
        Store::with(|s| {
            s.touch(id);
            s.objects[id].writer = Some(0);
        });
        let take = Store::end_step(0);
        assert_ne!(take.writes & 1 << id, 0);
        let read_only = Footprint {
            objects: 1 << id,
            tasks: 1 << 1,
            ..Footprint::default()
        };
        assert!(take.conflicts(&read_only));
        assert!(!read_only.conflicts(&Footprint {
            objects: 1 << id,
            tasks: 1 << 2,
            ..Footprint::default()
        }));
        Store::end();
    }

    /// Uses of a lock in part: disjoint parts commute, a part written meets the
    /// same part read, any part meets a whole write (and a part written a whole
    /// read), and a step past [`PART_SLOTS`] locks in part uses the rest whole.
    #[test]
    fn parts_of_one_lock_conflict_only_where_they_meet() {
        let id = one_lock(1);
        let step = |task: usize, read: u64, written: u64| {
            Store::begin_step(task);
            Store::with(|s| s.touch_part(id, read, written));
            Store::end_step(task)
        };
        let write0 = step(0, 0b01, 0b01);
        let read1 = step(1, 0b10, 0);
        let read0 = step(2, 0b01, 0);
        assert!(!write0.conflicts(&read1) && !read1.conflicts(&write0));
        assert!(write0.conflicts(&read0) && read0.conflicts(&write0));
        assert!(!read0.conflicts(&read1), "reads commute");
        let whole = |task: usize, write: bool| Footprint {
            objects: 1 << id,
            writes: if write { 1 << id } else { 0 },
            tasks: 1 << task,
            ..Footprint::default()
        };
        assert!(read1.conflicts(&whole(3, true)) && whole(3, true).conflicts(&read1));
        assert!(!read1.conflicts(&whole(3, false)));
        assert!(write0.conflicts(&whole(3, false)) && whole(3, false).conflicts(&write0));
        Store::begin_step(0);
        Store::with(|s| {
            for i in 0..=PART_SLOTS {
                let other = s.new_object(0);
                s.touch_part(other, 1, 0);
                assert_eq!(s.step.objects & 1 << other != 0, i == PART_SLOTS, "{i}");
            }
        });
        Store::end();
    }

    #[test]
    fn a_step_that_changes_external_state_writes_its_object() {
        use std::cell::Cell;
        use std::rc::Rc;
        let id = one_lock(7);
        let state = Rc::new(Cell::new(0u128));
        let probe = state.clone();
        Store::with(|s| s.set_external(id, Box::new(move || probe.get())));
        Store::external_steps();
        Store::begin_step(0);
        assert_eq!(Store::end_step(0).writes, 0, "nothing changed");
        Store::begin_step(0);
        state.set(1);
        let f = Store::end_step(0);
        assert_ne!(f.writes & 1 << id, 0, "changed: a write of its object");
        assert_ne!(f.objects & 1 << id, 0);
        assert_eq!(Store::external_steps(), (2, 1));
        // Unhashed (a replayed prefix): not probed.
        Store::set_hashing(false);
        Store::begin_step(0);
        state.set(2);
        assert_eq!(Store::end_step(0).writes, 0);
        assert_eq!(Store::external_steps(), (0, 0));
        Store::end();
    }

    #[test]
    fn creating_a_primitive_is_a_global_step() {
        Store::begin_execution();
        Store::begin_step(0);
        Store::with(|s| s.new_object(0));
        assert!(Store::end_step(0).global);
        Store::end();
    }

    #[test]
    fn hashes_restore_to_the_same_fingerprint() {
        let id = one_lock(7);
        let saved = Store::hashes();
        let before = Store::fingerprint(&[0]);
        Store::with(|s| {
            s.store_value(id, hash128(&9u64));
            s.fold(0, Op::Unlock, id, 0);
        });
        assert_ne!(Store::fingerprint(&[0]), before);
        Store::restore_hashes(&saved);
        assert_eq!(Store::fingerprint(&[0]), before);
        Store::end();
    }

    /// A replay runs with hashing off and puts the hashes back where it branches:
    /// the chains saved at the opening of the scopes still open there are among
    /// them (else a scope closed after the restore would fold a stale chain).
    #[test]
    fn open_scopes_are_saved_and_restored_with_the_hashes() {
        one_lock(7);
        Store::with(|s| s.scopes[0].push(hash128(&1u8)));
        let saved = Store::hashes();
        Store::with(|s| s.scopes[0][0] = 0);
        Store::restore_hashes(&saved);
        assert_eq!(Store::with(|s| s.scopes[0].clone()), vec![hash128(&1u8)]);
        Store::end();
    }

    #[test]
    fn reset_clears_the_store() {
        let id = one_lock(7);
        let fresh = Store::fingerprint(&[0]);
        Store::with(|s| {
            s.objects[id].writer = Some(0);
            s.fold(0, Op::Lock, id, 0);
            s.finished = true;
        });
        assert!(Store::active());
        Store::end();
        assert!(!Store::active(), "ended, no execution runs on this thread");
        one_lock(7);
        assert!(!Store::finished());
        assert_eq!(
            Store::fingerprint(&[0]),
            fresh,
            "a new execution starts afresh"
        );
        Store::end();
    }

    #[test]
    #[should_panic(expected = "outside a stateful checker run")]
    fn the_store_refuses_use_outside_an_execution() {
        Store::end();
        Store::fingerprint(&[0]);
    }
}
