//! The stateful checker: a depth-first search over every interleaving that remembers
//! the states it has explored, so each is explored once.
//!
//! Loom is stateless: two interleavings that reach the same state are both continued
//! to the end, which is why it needs a preemption bound beyond two small threads.
//! This checker runs the same protocol code on [`crate::sync::Stateful`], primitives
//! of our own on shuttle's continuation engine, and drives it through shuttle's
//! `Scheduler` trait: at every scheduling point that branches it computes a 128-bit
//! fingerprint of the state and ends the execution (the scheduler returns no task) if
//! that state was explored before. Executions are replayed from the start (a
//! continuation cannot be copied), so a branch costs its prefix again; state caching
//! makes the number of branches that of distinct states rather than of
//! interleavings.
//!
//! # What a state is, and why equal fingerprints mean equal futures
//!
//! The fingerprint hashes, in creation order, every backend primitive: the hash of a
//! lock's protected value as of its creation or last release, its exclusive holder
//! and shared holders, a condvar's FIFO queue; and, per task: its *chain*, its phase
//! (which operation it is in: acquiring lock X, queued on condvar Y, joining Z, ...),
//! whether it finished, whether it is runnable.
//!
//! A task's chain is a hash folding every backend operation it performed, in order,
//! with what it read: at each acquire the value hash stored in the lock (the value as
//! the last releaser left it), at each join the joined task's final chain; a spawned
//! task starts from its parent's chain. Three assumptions make the argument work:
//!
//! 1. **Threads are deterministic functions of what they read.** The protocol code
//!    has no randomness, clocks or I/O, and its only inputs are the scenario (the
//!    same in every execution) and what it reads from shared state.
//! 2. **Threads share state only through backend primitives.** Every shared mutable
//!    value sits inside a `B::Mutex` or `B::RwLock` and is read or written only while
//!    the lock is held. (The protocol's event observer is a write-only sink: nothing
//!    the protocol does depends on it.) The backend trait requires `Hash` of every protected value, so
//!    the store can hash it; `src/dax` denies `std::sync`'s own locks, atomics,
//!    `OnceLock` and `Cell`s by a clippy lint (`clippy.toml`) and a test that scans
//!    the sources, so shared state outside the backend does not compile or pass.
//! 3. **A value is hashed only where the backend legitimately holds it**: at creation
//!    and at each release, by the releasing task. Nothing is read under another
//!    task's guard.
//!
//! Then, by induction over an execution, a task's chain determines everything the
//! task has computed (its position in its code and every local variable), because
//! all it ever read is folded into it. A free lock's value is the one its stored hash
//! stands for; a held lock's current value is the value at its acquire (the stored
//! hash) transformed by the holder, whose chain determines it. Shuttle's own state
//! (which task blocks on what) follows from the phases and runnable flags, since all
//! blocking is done by these primitives. So two states with equal fingerprints (and
//! no 128-bit collision) are the same state, and have the same futures: exploring one
//! is exploring both. A verdict found in one future is found in the other.
//!
//! The fingerprint is taken only at scheduling points where every task sits at a
//! well-defined place: before an operation, blocked in one, or finished. Shuttle's
//! own switch before a thread exits is passed without branching.
//!
//! # Reduction
//!
//! The primitives place scheduling points only *before* acquires, notifies and joins,
//! and where a task blocks or finishes; releases and spawns have none. A release is a
//! left mover (Lipton, 1975): any interleaving can be rearranged so that a release
//! follows the task's previous step directly, without changing what any task reads,
//! and the only thing another task could have done in between with the lock was to
//! fail to take it. So every state reachable at an acquire, every deadlock and every
//! end state of the full interleaving space is reachable in the reduced one; critical
//! sections run unpreempted. No sleep sets or persistent sets are used: at every
//! branching point every runnable task is tried.
//!
//! # Deadlocks, counterexamples, budgets
//!
//! Every live thread blocked is a hang (shuttle's deadlock detection). The search
//! goes on after a hang, and the counterexample is the shortest failing path it found,
//! replayed once more at the end for its trace; `daxlock replay --schedule s1:...`
//! reruns it exactly. `--max-states` stops the search with verdict `incomplete`.
//!
//! `--jobs N` runs N workers over one visited set: a worker that meets a branching
//! point while another is idle hands it the other branches. `--shard I/N` splits the
//! tree at a fixed branching depth: the levels above it are explored by every shard
//! without state caching, and each subtree below is explored, with caching, by the
//! one shard its path hashes to, so the union of the shards covers the whole space.

use super::runner::{classify_panic, Body, Checker, Exploration, Stop, SCHEDULE_MISFIT};
use super::settings::{Recorded, Settings};
use super::shuttle::{config, Shard};
use crate::kind::CheckerKind;
use crate::sync::stateful_backend::{hash128, Store, MAX_TASKS};
use crate::sync::Stateful;
use serde::Serialize;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use shuttle::Runner;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// The default `--max-states`.
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

/// The prefix of a stateful schedule string.
pub const SCHEDULE_PREFIX: &str = "s1:";

const DIGITS: &[u8; MAX_TASKS] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Encodes a path (the task chosen at each branching point) as a schedule string.
pub fn encode_schedule(path: &[usize]) -> String {
    let mut s = String::from(SCHEDULE_PREFIX);
    s.extend(path.iter().map(|&t| DIGITS[t] as char));
    s
}

/// Decodes a schedule string made by [`encode_schedule`].
pub fn decode_schedule(s: &str) -> Result<Vec<usize>, String> {
    let body = s.trim().strip_prefix(SCHEDULE_PREFIX).ok_or_else(|| {
        format!("`{s}` is not a stateful schedule (it starts with {SCHEDULE_PREFIX})")
    })?;
    body.bytes()
        .map(|b| {
            DIGITS
                .iter()
                .position(|&d| d == b.to_ascii_lowercase())
                .ok_or_else(|| format!("`{}` is not a task in a stateful schedule", b as char))
        })
        .collect()
}

/// Live counters of a search, readable while it runs (for progress bars).
#[derive(Debug, Default)]
pub struct Progress {
    /// Distinct states stored.
    pub states: AtomicUsize,
    /// Transitions taken into states (new or already explored).
    pub transitions: AtomicUsize,
    /// Executions started.
    pub executions: AtomicUsize,
}

/// What a finished search reports: SPIN's and CHESS's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SearchStats {
    /// Distinct states explored.
    pub states: usize,
    /// Transitions taken (arrivals at a branching point, new state or not).
    pub transitions: usize,
    /// Executions started (each replays its prefix from the start).
    pub executions: usize,
    /// Executions cut at an already explored state.
    pub cut: usize,
    /// The most branching points on one path.
    pub max_depth: usize,
    /// Distinct hang states met.
    pub hangs: usize,
    /// Whether the whole space was explored (no budget or stop cut it short).
    pub complete: bool,
    /// The state budget.
    pub max_states: usize,
    /// Workers.
    pub jobs: usize,
    /// Seconds searching.
    pub seconds: f64,
}

impl SearchStats {
    /// States per second.
    pub fn states_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.states as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// The stateful checker.
#[derive(Debug, Clone)]
pub struct StatefulChecker {
    /// Stop (verdict `incomplete`) after this many distinct states.
    pub max_states: usize,
    /// Parallel workers over one visited set.
    pub jobs: usize,
    /// The part of the search tree this run takes.
    pub shard: Shard,
    /// Rerun exactly this path instead of searching.
    pub replay: Option<Vec<usize>>,
    /// What the replayed path was recorded on, if it says.
    pub binding: Option<super::binding::Binding>,
    /// Live counters.
    pub progress: Arc<Progress>,
    /// Stop at the first failure (benchmarks).
    pub first_failure_only: bool,
    /// Go on after the first hang: search the whole space, count the hang states
    /// and report the shortest path to one. Without it the search stops at the
    /// first hang, as the other checkers do (no verdict is worse).
    pub all_hangs: bool,
}

impl Default for StatefulChecker {
    fn default() -> Self {
        StatefulChecker {
            max_states: DEFAULT_MAX_STATES,
            jobs: 1,
            shard: Shard::default(),
            replay: None,
            binding: None,
            progress: Arc::default(),
            first_failure_only: false,
            all_hangs: false,
        }
    }
}

impl StatefulChecker {
    /// A checker that reruns the path `schedule` (`s1:...`, bound or not: see
    /// [`super::binding`]).
    pub fn replaying(schedule: &str) -> Result<Self, String> {
        let (binding, schedule) = super::binding::Binding::split(schedule)?;
        Ok(StatefulChecker {
            replay: Some(decode_schedule(schedule)?),
            binding,
            ..StatefulChecker::default()
        })
    }

    /// The branching depth at which a shard split happens.
    fn split_depth(&self) -> usize {
        if self.shard.count <= 1 {
            0
        } else {
            3 + (usize::BITS - (self.shard.count - 1).leading_zeros()) as usize
        }
    }
}

/// One level of the search stack: the runnable tasks at a branching point and which
/// of them this worker takes.
#[derive(Debug, Clone)]
struct Level {
    options: Vec<usize>,
    pos: usize,
    end: usize,
    /// The store's hashes when this point was first reached: a replay runs unhashed
    /// up to here and takes them back (None for the levels of a handed-over prefix).
    hashes: Option<Vec<u128>>,
}

#[derive(Default)]
struct Work {
    items: Vec<Vec<usize>>,
    busy: usize,
}

/// What the workers share.
struct Shared {
    visited: Vec<Mutex<HashSet<u128>>>,
    progress: Arc<Progress>,
    max_states: usize,
    jobs: usize,
    shard: Shard,
    split: usize,
    caching: bool,
    work: Mutex<Work>,
    work_cv: Condvar,
    stop: AtomicBool,
    limit_hit: AtomicBool,
    cut: AtomicUsize,
    max_depth: AtomicUsize,
    hangs: Mutex<Hangs>,
    crash: Mutex<Option<String>>,
    /// A replayed schedule did not fit the scenario.
    misfit: AtomicBool,
    /// Go on after a hang (to count hang states and find the shortest path).
    all_hangs: bool,
}

#[derive(Default)]
struct Hangs {
    count: usize,
    shortest: Option<(Vec<usize>, String)>,
}

impl Shared {
    /// Inserts a fingerprint; true if it is new.
    fn insert(&self, fp: u128) -> bool {
        let shard = (fp as usize) % self.visited.len();
        let new = self.visited[shard]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(fp);
        if new {
            let n = self.progress.states.fetch_add(1, Ordering::Relaxed) + 1;
            if n >= self.max_states {
                self.limit_hit.store(true, Ordering::Relaxed);
                self.stop.store(true, Ordering::Relaxed);
            }
        }
        new
    }

    /// Takes the next subtree to search, waiting while other workers may still hand
    /// some out; None when the search is over.
    fn take(&self, finished_one: bool) -> Option<Vec<usize>> {
        let mut w = self.work.lock().unwrap_or_else(|p| p.into_inner());
        if finished_one {
            w.busy -= 1;
        }
        loop {
            if self.stop.load(Ordering::Relaxed) {
                self.work_cv.notify_all();
                return None;
            }
            if let Some(item) = w.items.pop() {
                w.busy += 1;
                return Some(item);
            }
            if w.busy == 0 {
                self.work_cv.notify_all();
                return None;
            }
            w = self.work_cv.wait(w).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Hands the other branches of a level to idle workers, if any wait.
    fn donate(&self, path: &[usize], level: &mut Level) {
        if self.jobs <= 1 || level.options.len() - level.pos < 2 {
            return;
        }
        let mut w = self.work.lock().unwrap_or_else(|p| p.into_inner());
        let idle = self.jobs - w.busy;
        if idle == 0 || w.items.len() >= idle {
            return;
        }
        for &t in &level.options[level.pos + 1..level.end] {
            let mut item = path.to_vec();
            item.push(t);
            w.items.push(item);
        }
        level.end = level.pos + 1;
        self.work_cv.notify_all();
    }

    fn record_hang(&self, path: &[usize], message: String) {
        let mut h = self.hangs.lock().unwrap_or_else(|p| p.into_inner());
        h.count += 1;
        if !self.all_hangs {
            self.stop.store(true, Ordering::Relaxed);
        }
        if h.shortest
            .as_ref()
            .is_none_or(|(p, _)| path.len() < p.len())
        {
            h.shortest = Some((path.to_vec(), message));
        }
    }
}

/// One worker's depth-first search over the subtree below `prefix`.
struct Dfs {
    shared: Arc<Shared>,
    body: Body,
    prefix: usize,
    levels: Vec<Level>,
    depth: usize,
    started: bool,
    /// The last execution ended early (a hang).
    abandoned: bool,
    /// The current execution reached a known state: it only runs to its end, in
    /// task order, without fingerprints (cheaper than ending it: shuttle cannot
    /// reuse the stacks of an execution it stops).
    coasting: bool,
    replay: bool,
}

thread_local! {
    /// The path of the execution running on this OS thread (for
    /// [`StatefulChecker::live_schedule`]).
    static PATH: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Dfs {
    fn new(shared: Arc<Shared>, body: Body, prefix: &[usize], replay: bool) -> Self {
        Dfs {
            shared,
            body,
            prefix: prefix.len(),
            levels: prefix
                .iter()
                .map(|&t| Level {
                    options: vec![t],
                    pos: 0,
                    end: 1,
                    hashes: None,
                })
                .collect(),
            depth: 0,
            started: false,
            abandoned: false,
            coasting: false,
            replay,
        }
    }

    fn path_to(&self, d: usize) -> Vec<usize> {
        self.levels[..d].iter().map(|l| l.options[l.pos]).collect()
    }

    /// Moves to the next unexplored branch; false when the subtree is done.
    fn backtrack(&mut self) -> bool {
        while self.levels.len() > self.prefix {
            let last = self.levels.last_mut().expect("a level");
            if last.pos + 1 < last.end {
                last.pos += 1;
                return true;
            }
            self.levels.pop();
        }
        false
    }

    fn new_execution(&mut self) -> Option<Schedule> {
        let abandoned = std::mem::take(&mut self.abandoned);
        if abandoned && self.body.abandoned().stop {
            self.shared.stop.store(true, Ordering::Relaxed);
        }
        if self.replay && self.started && !abandoned && self.depth < self.levels.len() {
            // The execution ended before the path did: it does not fit.
            self.shared.misfit.store(true, Ordering::Relaxed);
        }
        if self.shared.stop.load(Ordering::Relaxed) {
            return None;
        }
        if self.started && (self.replay || !self.backtrack()) {
            return None;
        }
        self.started = true;
        self.depth = 0;
        self.coasting = false;
        PATH.with(|p| p.borrow_mut().clear());
        Store::begin_execution();
        // Replay the prefix unhashed if its last point has saved hashes.
        if self.levels.last().is_some_and(|l| l.hashes.is_some()) {
            Store::set_hashing(false);
        }
        self.shared
            .progress
            .executions
            .fetch_add(1, Ordering::Relaxed);
        Some(Schedule::new(0))
    }

    /// Ends the current execution early.
    fn abandon(&mut self) -> Option<TaskId> {
        self.abandoned = true;
        None
    }

    fn choose(&mut self, t: usize) -> Option<TaskId> {
        PATH.with(|p| p.borrow_mut().push(t));
        Some(TaskId::from(t))
    }

    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>) -> Option<TaskId> {
        let watchdog = Store::watchdog();
        let mut ids: Vec<usize> = runnable.iter().map(|t| usize::from(t.id())).collect();
        if let Some(c) = current.map(usize::from) {
            if ids.contains(&c) && Store::quiet(c) {
                return Some(TaskId::from(c));
            }
        }
        if let Some(w) = watchdog {
            ids.retain(|&t| t != w);
            if ids.is_empty() {
                if Store::finished() {
                    return Some(TaskId::from(w));
                }
                // Every live model thread is blocked: a hang.
                let path = PATH.with(|p| p.borrow().clone());
                self.shared.record_hang(&path, Store::deadlock_report());
                return self.abandon();
            }
        }
        if ids.len() == 1 || self.coasting {
            // Nothing to choose (or nothing left to learn): no branching point.
            return Some(TaskId::from(ids[0]));
        }
        let d = self.depth;
        self.depth += 1;
        self.shared
            .max_depth
            .fetch_max(self.depth, Ordering::Relaxed);
        if d < self.levels.len() {
            let l = &self.levels[d];
            if d + 1 == self.levels.len() {
                if let Some(saved) = &l.hashes {
                    Store::restore_hashes(saved);
                }
            }
            let t = l.options[l.pos];
            if !ids.contains(&t) {
                if self.replay {
                    // The schedule does not fit this scenario: end the execution.
                    self.shared.misfit.store(true, Ordering::Relaxed);
                    return self.abandon();
                }
                panic!(
                    "daxlock: the model is not deterministic: task {t} is not runnable at branching point {d} on replay"
                );
            }
            return self.choose(t);
        }
        if self.replay {
            // The execution wants more choices than the path has: it does not fit.
            self.shared.misfit.store(true, Ordering::Relaxed);
            return self.abandon();
        }
        let shared = self.shared.clone();
        shared.progress.transitions.fetch_add(1, Ordering::Relaxed);
        if shared.shard.count > 1 && d == shared.split {
            let path = self.path_to(d);
            if (hash128(&path) % shared.shard.count as u128) as usize != shared.shard.index {
                return self.abandon();
            }
        }
        if shared.caching && d >= shared.split && !shared.insert(Store::fingerprint(&ids)) {
            shared.cut.fetch_add(1, Ordering::Relaxed);
            self.coasting = true;
            Store::set_hashing(false);
            return Some(TaskId::from(ids[0]));
        }
        if shared.stop.load(Ordering::Relaxed) {
            return self.abandon();
        }
        let mut level = Level {
            end: ids.len(),
            options: ids,
            pos: 0,
            hashes: shared.caching.then(Store::hashes),
        };
        if shared.jobs > 1 {
            shared.donate(&self.path_to(d), &mut level);
        }
        let t = level.options[0];
        self.levels.push(level);
        self.choose(t)
    }
}

/// Shuttle's handle on a worker's search.
struct Handle(Arc<Mutex<Dfs>>);

impl Handle {
    fn dfs(&self) -> std::sync::MutexGuard<'_, Dfs> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Scheduler for Handle {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.dfs().new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _yielding: bool,
    ) -> Option<TaskId> {
        self.dfs().next_task(runnable, current)
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// Searches the subtree below `prefix` (or replays it).
fn search(shared: &Arc<Shared>, prefix: &[usize], replay: bool, body: &Body) {
    let dfs = Arc::new(Mutex::new(Dfs::new(
        shared.clone(),
        body.clone(),
        prefix,
        replay,
    )));
    let b = body.clone();
    let sh = shared.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        Runner::new(Handle(dfs.clone()), config()).run(move || {
            Store::start_watchdog();
            let control = b.run();
            Store::finish_execution();
            if control.stop {
                sh.stop.store(true, Ordering::Relaxed);
            }
        })
    }));
    if let Err(payload) = result {
        let message = match classify_panic(payload.as_ref()) {
            Stop::Crash(m) | Stop::Deadlock(m) => m,
            Stop::Requested => String::new(),
        };
        *shared.crash.lock().unwrap_or_else(|p| p.into_inner()) = Some(message);
        shared.stop.store(true, Ordering::Relaxed);
    }
    Store::end();
}

impl Checker for StatefulChecker {
    type Backend = Stateful;

    fn name(&self) -> CheckerKind {
        CheckerKind::Stateful
    }

    fn binding(&self) -> Option<super::binding::Binding> {
        self.binding
    }

    fn settings(&self) -> Settings {
        if self.replay.is_some() {
            return Settings {
                recorded: Some(Recorded::Path),
                ..Settings::default()
            };
        }
        Settings {
            max_states: Some(self.max_states),
            all_hangs: self.all_hangs,
            jobs: (self.jobs > 1).then_some(self.jobs),
            shard: Some(self.shard),
            ..Settings::default()
        }
    }

    fn max_threads(&self) -> Option<usize> {
        Some(MAX_TASKS - 2)
    }

    fn live_schedule() -> Option<String> {
        Store::active().then(|| PATH.with(|p| encode_schedule(&p.borrow())))
    }

    fn explore(&self, body: Body) -> Exploration {
        let start = std::time::Instant::now();
        let jobs = self.jobs.max(1);
        let shared = Arc::new(Shared::new(
            self.progress.clone(),
            self.max_states.max(1),
            jobs,
            self.shard,
            self.split_depth(),
            self.replay.is_none(),
            self.all_hangs && !self.first_failure_only,
        ));
        shared
            .work
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .items
            .push(self.replay.clone().unwrap_or_default());
        let replay = self.replay.is_some();
        let worker = |shared: &Arc<Shared>, body: &Body| {
            let mut finished = false;
            while let Some(item) = shared.take(finished) {
                search(shared, &item, replay, body);
                finished = true;
            }
        };
        if jobs == 1 || replay {
            worker(&shared, &body);
        } else {
            std::thread::scope(|scope| {
                for _ in 0..jobs {
                    let (shared, body) = (&shared, &body);
                    scope.spawn(move || worker(shared, body));
                }
            });
        }
        let seconds = start.elapsed().as_secs_f64();
        let hangs = std::mem::take(&mut *shared.hangs.lock().unwrap_or_else(|p| p.into_inner()));
        let crash = shared
            .crash
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let stopped = shared.stop.load(Ordering::Relaxed);
        let p = &self.progress;
        let mut stats = SearchStats {
            states: p.states.load(Ordering::Relaxed),
            transitions: p.transitions.load(Ordering::Relaxed),
            executions: p.executions.load(Ordering::Relaxed),
            cut: shared.cut.load(Ordering::Relaxed),
            max_depth: shared.max_depth.load(Ordering::Relaxed),
            hangs: hangs.count,
            complete: !stopped && crash.is_none() && !replay,
            max_states: self.max_states,
            jobs,
            seconds,
        };
        let mut exploration = Exploration {
            executions: stats.executions,
            complete: stats.complete || replay,
            ..Exploration::default()
        };
        if replay && shared.misfit.load(Ordering::Relaxed) {
            exploration.stop = Some(Stop::Crash(SCHEDULE_MISFIT.to_owned()));
        } else if let Some(message) = crash {
            exploration.stop = Some(Stop::Crash(message));
        } else if let Some((path, message)) = hangs.shortest {
            // Rerun the shortest failing path so that the recorder holds its trace.
            if !replay {
                let again = Arc::new(Shared::replay_of(&shared));
                search(&again, &path, true, &body.recount());
            }
            exploration.stop = Some(Stop::Deadlock(message));
            exploration.stop_schedule = Some(encode_schedule(&path));
        }
        stats.complete &= !shared.limit_hit.load(Ordering::Relaxed);
        // A replay is one execution, not a search.
        exploration.search = (!replay).then_some(stats);
        exploration
    }
}

impl Shared {
    fn new(
        progress: Arc<Progress>,
        max_states: usize,
        jobs: usize,
        shard: Shard,
        split: usize,
        caching: bool,
        all_hangs: bool,
    ) -> Shared {
        Shared {
            visited: (0..64).map(|_| Mutex::default()).collect(),
            progress,
            max_states,
            jobs,
            shard,
            split,
            caching,
            work: Mutex::default(),
            work_cv: Condvar::new(),
            stop: AtomicBool::new(false),
            limit_hit: AtomicBool::new(false),
            cut: AtomicUsize::new(0),
            max_depth: AtomicUsize::new(0),
            hangs: Mutex::default(),
            crash: Mutex::new(None),
            misfit: AtomicBool::new(false),
            all_hangs,
        }
    }

    /// A fresh shared state for one replay.
    fn replay_of(s: &Shared) -> Shared {
        Shared::new(
            Arc::default(),
            s.max_states,
            1,
            Shard::default(),
            0,
            false,
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_round_trip() {
        let path = vec![0, 1, 2, 1, 10, 35];
        let s = encode_schedule(&path);
        assert_eq!(s, "s1:0121az");
        assert_eq!(decode_schedule(&s).unwrap(), path);
        assert!(decode_schedule("01").is_err());
        assert!(decode_schedule("s1:0!").is_err());
    }
}
