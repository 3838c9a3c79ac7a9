//! The stateful backend's own runtime: model threads as stackful coroutines on one
//! OS thread, run one at a time in the order a scheduler chooses.
//!
//! It does for the stateful checker what shuttle's execution engine did, and only
//! that: a task table in plain vectors, `spawn`, `block`, `unblock`, `switch`,
//! `current` and `name`, and an executor loop that asks the scheduler which task
//! runs at every scheduling point. There are no vector clocks, no creation-stack
//! signatures, no labels and no tracing spans, none of which the stateful checker
//! reads. The scheduling points are shuttle's, one for one, so that a search over
//! this runtime makes the same choices in the same order as it did over shuttle's
//! (the same states, executions and schedules):
//!
//! - the start of an execution (no task current), where the main task is chosen;
//! - every [`switch`] of the running task (a blocked task is not runnable there);
//! - the start of every [`spawn`], before the new task exists;
//! - the end of the main task's function, before it exits;
//! - after a task finished (it is named current, and is not runnable).
//!
//! **Stacks are kept per task index** across executions and runs on the OS thread:
//! task `i` always runs on the thread's `i`-th stack, allocated (`mmap`) the first
//! time a task `i` runs, so a search allocates as many stacks as its executions
//! have tasks, at addresses that do not change (what a snapshot needs). A task that
//! never ran has no stack (its function waits in the table). A task's coroutine is
//! made on its stack when it first runs.
//!
//! **Snapshots** (the stateful checker's `snapshots`, on the model target): at a
//! scheduling point every task is suspended, and everything an execution's state
//! lives in is at an address that is the same in every execution: the task stacks,
//! the thread's arena ([`super::arena`]: every allocation made while a task runs
//! is there) and a few thread-locals (this task table, the backend's store, and
//! those the checker names). [`snapshot`] copies the arena's used bytes (less
//! its large free blocks, [`arena::save`]), each suspended task's used stack
//! (from where it suspended to the stack's top; a copy is shared by the snapshots
//! taken while the task did not run, see `StackCopy`) and those thread-locals;
//! the scheduler hands one back at the start of an execution
//! ([`Scheduler::resume`]) and the runtime copies it back into the same addresses
//! (nothing is dropped) and goes on from that scheduling point: the scheduler is
//! asked again there, as if the execution had just been replayed to it.
//!
//! **Ends of an execution.** It *finishes* when every task has finished. It is
//! *stopped* when the scheduler returns no task: the tasks still suspended in the
//! middle of their code are left as they are (nothing on their stacks is dropped,
//! as shuttle leaks a stopped execution's stacks: unwinding them would run
//! destructors through the kernel target's C frames), and their stacks go back to
//! the pool. A panic in a task or in the scheduler, a hang (no task runnable and
//! some unfinished: `deadlock! blocked tasks: [...]`, shuttle's words) and more
//! than [`MAX_STEPS`] scheduling decisions (shuttle's default step bound, with its
//! message) end the execution the same way, and [`run`] panics with the panic's
//! payload (or the message) once the execution is torn down, as shuttle's `Runner`
//! does: the checker classifies that panic exactly as before.

use super::arena;
use corosensei::stack::{DefaultStack, Stack, StackPointer};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// The size of a task's stack: room for the kernel target's C code on it (shuttle
/// gave every task 60 KiB, `Config::new`'s default). Pages no task touches are
/// never backed by memory.
pub const STACK_SIZE: usize = 256 * 1024;

/// The most scheduling decisions one execution may take (shuttle's default bound).
pub const MAX_STEPS: usize = 1_000_000;

/// The scheduler's side of the runtime: the stateful checker's search.
pub trait Scheduler {
    /// Whether to run another execution.
    fn new_execution(&mut self) -> bool;
    /// The task to run next among `runnable` (task ids, ascending; never empty);
    /// `current` is the task that ran last (None at the start of an execution).
    /// None stops the execution.
    fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize>;
    /// At the start of an execution: a snapshot to go on from instead of running
    /// from the start (None: from the start).
    fn resume(&mut self) -> Option<&Snapshot> {
        None
    }
}

/// A view of task `i`'s stack, owned by [`STACKS`] (a coroutine does not own it:
/// a snapshot's copy of a task table names the same stacks).
#[derive(Clone, Copy)]
struct FixedStack {
    base: StackPointer,
    limit: StackPointer,
}

// SAFETY: the bounds are those of a `DefaultStack` (guard page included) that the
// thread keeps until it exits.
unsafe impl Stack for FixedStack {
    fn base(&self) -> StackPointer {
        self.base
    }
    fn limit(&self) -> StackPointer {
        self.limit
    }
}

/// Task `id`'s stack on this thread, allocated the first time it is needed.
fn stack_of(id: usize) -> FixedStack {
    // The thread's, kept across executions: outside the arena.
    arena::outside(|| {
        STACKS.with(|s| {
            let mut s = s.borrow_mut();
            while s.len() <= id {
                s.push(DefaultStack::new(STACK_SIZE).expect("allocating a task's stack"));
            }
            FixedStack {
                base: s[id].base(),
                limit: s[id].limit(),
            }
        })
    })
}

type Task = Coroutine<(), (), (), FixedStack>;

/// How far below the stack pointer a task noted (in [`park`], where it suspends)
/// the suspension itself may write: copied with the stack. On x86-64 and AArch64
/// the noted point is the stack pointer itself, and the suspension pushes a few
/// registers below it (test `the_suspension_writes_within_the_slack_below_the_noted_point`
/// measures how far); elsewhere it is a local's address in [`park`]'s frame.
const BELOW_SWITCH: usize = if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
    256
} else {
    1024
};

/// The stack pointer (a local's address where it cannot be read directly).
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register, nothing else.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    #[cfg(target_arch = "aarch64")]
    unsafe {
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let here = 0u8;
        sp = std::ptr::addr_of!(here) as usize;
    }
    sp
}

#[cfg(test)]
thread_local! {
    /// Tests: [`park`] fills the stack below its stack pointer with [`CANARY`]
    /// before it suspends, to show how far the suspension writes.
    static FILL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What [`park`] fills the stack with in tests.
#[cfg(test)]
const CANARY: u8 = 0xa5;

/// Suspends the running task, its stack pointer noted at `*sp` first: in a frame
/// of its own (never inlined), so that what lies below the noted point is the
/// suspension's alone, whatever the caller's frame.
///
/// # Safety
/// `sp` is the running task's slot; `yielder` its coroutine's yielder.
#[inline(never)]
unsafe fn park(sp: *mut usize, yielder: *const Yielder<(), ()>) {
    let at = stack_pointer();
    *sp = at;
    #[cfg(test)]
    if FILL.with(std::cell::Cell::get) {
        for i in 1..=4 * BELOW_SWITCH {
            // Below the stack pointer: memory no frame holds yet.
            std::ptr::write_volatile((at - i) as *mut u8, CANARY);
        }
    }
    (*yielder).suspend(());
}

/// One task of the running execution.
struct Slot {
    /// The function of a task that has not run yet.
    start: Option<Box<dyn FnOnce()>>,
    /// The coroutine of a task that has run and not finished (taken out of the
    /// table while it runs).
    coroutine: Option<Task>,
    /// The yielder of the task's coroutine, set when it first runs.
    yielder: *const Yielder<(), ()>,
    name: Option<String>,
    blocked: bool,
    finished: bool,
    /// The stack pointer in [`park`], noted before the task suspends.
    sp: usize,
}

/// The running execution's task table.
#[derive(Default)]
struct Table {
    tasks: Vec<Slot>,
    current: Option<usize>,
    /// Scheduling decisions taken so far (bounded by [`MAX_STEPS`]).
    steps: usize,
}

thread_local! {
    /// The execution running on this OS thread.
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
    /// Per task index, its stack (kept across executions and runs).
    static STACKS: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
    /// The buffers of dropped snapshots, for the next ones (outside the arena):
    /// a search keeps and drops one per branching point, and a buffer freed and
    /// allocated anew costs the system allocator's work and page faults.
    static SPARE: RefCell<Vec<Buffers>> = const { RefCell::new(Vec::new()) };
    /// Per task index, the version of its stack's contents: a number new each
    /// time the task runs (see [`restore`]).
    static VERSIONS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// The last version handed out on this thread.
    static VERSION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A snapshot's buffers: its regions, its bytes, its stacks' copies, the
/// arena's ranges.
type Buffers = (Vec<Region>, Vec<u8>, Vec<Rc<StackCopy>>, Vec<(u32, u32)>);

/// A copy of one suspended task's used stack at one version of its contents,
/// shared by every snapshot taken while the task's stack stayed at that version
/// (between two branching points one task runs: a snapshot copies that task's
/// stack and shares the others' copies with the snapshot before it).
struct StackCopy {
    task: usize,
    /// The version of the stack's contents copied ([`touched`]).
    version: u64,
    /// Where the copy starts (below the noted stack pointer, see [`BELOW_SWITCH`]).
    at: *mut u8,
    /// The bytes from there to the stack's top.
    bytes: Vec<u8>,
}

impl Drop for StackCopy {
    fn drop(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        arena::outside(|| {
            // At the thread's exit the spares may be gone: the buffer is freed.
            let _ = STACK_SPARE.try_with(|s| {
                let mut s = s.borrow_mut();
                if s.len() < SPARES {
                    s.push(bytes);
                }
            });
        });
    }
}

thread_local! {
    /// Per task index, the last copy of its stack a snapshot made (shared by the
    /// next snapshots while the stack keeps that version).
    static LAST_COPY: RefCell<Vec<Option<Rc<StackCopy>>>> = const { RefCell::new(Vec::new()) };
    /// The buffers of dropped stack copies, for the next ones (outside the arena).
    static STACK_SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// The copy of task `task`'s used stack from `at` to `base` at its version now:
/// the last one made if the stack is still at its version, else a new one.
fn copy_stack(task: usize, at: usize, base: usize) -> Rc<StackCopy> {
    let v = version(task);
    LAST_COPY.with(|last| {
        let mut last = last.borrow_mut();
        if last.len() <= task {
            last.resize(task + 1, None);
        }
        if let Some(c) = &last[task] {
            if c.version == v && c.at as usize == at {
                return Rc::clone(c);
            }
        }
        let mut bytes = STACK_SPARE
            .with(|s| s.borrow_mut().pop())
            .unwrap_or_default();
        bytes.clear();
        // SAFETY: the used part of the task's stack (mapped: below the noted
        // point, within the stack).
        bytes.extend_from_slice(unsafe { std::slice::from_raw_parts(at as *const u8, base - at) });
        let c = Rc::new(StackCopy {
            task,
            version: v,
            at: at as *mut u8,
            bytes,
        });
        last[task] = Some(Rc::clone(&c));
        c
    })
}

/// Task `id`'s stack is about to change (it runs): a new version of its
/// contents. Only the task itself writes its stack between scheduling points
/// (tasks are `'static`: safe code on another task cannot reach into it; the
/// runtime's own writes at its top, the link to the resumer, are made anew at
/// every resume).
fn touched(id: usize) {
    let v = VERSION.with(|v| {
        v.set(v.get() + 1);
        v.get()
    });
    VERSIONS.with(|vs| {
        let mut vs = vs.borrow_mut();
        if vs.len() <= id {
            arena::outside(|| vs.resize(id + 1, 0));
        }
        vs[id] = v;
    });
}

/// Task `id`'s stack version now.
fn version(id: usize) -> u64 {
    VERSIONS.with(|vs| vs.borrow().get(id).copied().unwrap_or(0))
}

/// The most buffers [`SPARE`] keeps (a search keeps a snapshot per level of its
/// path, some tens).
const SPARES: usize = 128;

fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    TABLE.with(|t| {
        f(t.borrow_mut()
            .as_mut()
            .expect("the stateful runtime is used outside an execution"))
    })
}

/// The running task.
pub fn current() -> usize {
    with(|t| t.current.expect("a task is running"))
}

/// The name the running task was spawned with (`main-thread` for the main task).
pub fn name() -> Option<String> {
    with(|t| {
        let c = t.current.expect("a task is running");
        t.tasks[c].name.clone()
    })
}

/// Marks the running task blocked: it is not runnable until [`unblock`]ed. The
/// caller [`switch`]es next.
pub fn block() {
    with(|t| {
        let c = t.current.expect("a task is running");
        t.tasks[c].blocked = true;
    });
}

/// Makes task `id` runnable again.
pub fn unblock(id: usize) {
    with(|t| t.tasks[id].blocked = false);
}

/// A scheduling point of the running task: the scheduler chooses who runs next
/// (this task again, unless it is blocked, or another one).
pub fn switch() {
    let (sp, yielder) = with(|t| {
        let c = t.current.expect("a task is running");
        (std::ptr::addr_of_mut!(t.tasks[c].sp), t.tasks[c].yielder)
    });
    assert!(!yielder.is_null(), "a running task has a yielder");
    // SAFETY: the yielder belongs to the coroutine of the running task (set when
    // it first ran), which lives until the task finishes or the execution is torn
    // down, neither of which can happen while the task runs here; the table's
    // tasks do not move until the task runs again (no task is added meanwhile).
    unsafe { park(sp, yielder) };
}

/// Spawns task `f` named `name` (a scheduling point first, as shuttle's spawn);
/// returns its id, the next in spawn order.
pub fn spawn(name: String, f: impl FnOnce() + 'static) -> usize {
    switch();
    with(|t| add(t, Some(name), Box::new(f)))
}

fn add(t: &mut Table, name: Option<String>, f: Box<dyn FnOnce()>) -> usize {
    t.tasks.push(Slot {
        start: Some(f),
        coroutine: None,
        yielder: std::ptr::null(),
        name,
        blocked: false,
        finished: false,
        sp: 0,
    });
    t.tasks.len() - 1
}

/// Runs executions of `main` as the scheduler directs, until it wants no more.
/// Panics, after the execution is torn down, with the payload of a panic in a task
/// or in the scheduler, or with a hang's or the step bound's message.
pub fn run<F: Fn() + 'static>(scheduler: &mut dyn Scheduler, main: F) {
    /// `main` by address: an execution reaches it by reference only (a count
    /// changed inside an execution would not be restored with a snapshot).
    struct Main<F>(*const F);
    let main = Main(&main as *const F);
    // The runnable tasks at each point: one buffer for the run (outside the arena).
    let mut runnable = Vec::new();
    while scheduler.new_execution() {
        let resumed = match scheduler.resume() {
            Some(snapshot) => {
                // SAFETY: the last execution is torn down (no task runs), and
                // the snapshot was taken on this thread by `snapshot`.
                unsafe { restore(snapshot) };
                true
            }
            None => false,
        };
        let m = Main(main.0);
        let main = (!resumed).then_some(move || {
            // SAFETY: `main` outlives every execution of this run (a stopped
            // one's tasks never run again).
            let m = m;
            unsafe { (*m.0)() };
            // Shuttle's main thread switches once more before it exits.
            switch();
        });
        if let Err(payload) = execute(scheduler, main, &mut runnable) {
            resume_unwind(payload);
        }
    }
}

/// One execution of `main`, or (None) the one a snapshot was restored to.
fn execute(
    scheduler: &mut dyn Scheduler,
    main: Option<impl FnOnce() + 'static>,
    runnable: &mut Vec<usize>,
) -> Result<(), Box<dyn Any + Send>> {
    if let Some(main) = main {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            assert!(t.is_none(), "stateful executions do not nest");
            // The table is the execution's: in the arena with snapshots.
            *t = Some(arena::inside(|| {
                let mut table = Table::default();
                add(&mut table, Some("main-thread".to_owned()), Box::new(main));
                table
            }));
        });
    }
    let result = catch_unwind(AssertUnwindSafe(|| steps(scheduler, runnable)));
    let result = match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(message)) => Err(Box::new(message) as Box<dyn Any + Send>),
        Err(payload) => Err(payload),
    };
    tear_down();
    result
}

/// The executor loop: schedule, run the chosen task to its next scheduling point,
/// until the execution finishes or stops. Err: a failure's message.
fn steps(scheduler: &mut dyn Scheduler, runnable: &mut Vec<usize>) -> Result<(), String> {
    loop {
        let (current, unfinished, steps) = with(|t| {
            runnable.clear();
            let mut unfinished = false;
            for (i, s) in t.tasks.iter().enumerate() {
                unfinished |= !s.finished;
                if !s.finished && !s.blocked {
                    runnable.push(i);
                }
            }
            t.steps += 1;
            (t.current, unfinished, t.steps - 1)
        });
        if runnable.is_empty() {
            if !unfinished {
                return Ok(());
            }
            return Err(deadlock_message());
        }
        if steps >= MAX_STEPS {
            return Err(format!(
                "exceeded max_steps bound {MAX_STEPS}. this might be caused by an unfair schedule \
                 (e.g., a spin loop)?"
            ));
        }
        let Some(next) = scheduler.next_task(runnable, current) else {
            return Ok(());
        };
        assert!(
            runnable.contains(&next),
            "the scheduler chose a runnable task"
        );
        resume(next);
    }
}

/// Runs task `id` to its next scheduling point (or its end).
fn resume(id: usize) {
    // Before it runs: a panic may leave the stack changed.
    touched(id);
    let (start, coroutine) = with(|t| {
        t.current = Some(id);
        let s = &mut t.tasks[id];
        (s.start.take(), s.coroutine.take())
    });
    let mut coroutine = match (start, coroutine) {
        (Some(f), None) => arena::inside(|| {
            Coroutine::with_stack(stack_of(id), move |yielder: &Yielder<(), ()>, ()| {
                with(|t| t.tasks[id].yielder = yielder);
                f();
            })
        }),
        (None, Some(c)) => c,
        _ => unreachable!("a runnable task has a function or a coroutine"),
    };
    let result = arena::inside(|| coroutine.resume(()));
    match result {
        CoroutineResult::Yield(()) => with(|t| t.tasks[id].coroutine = Some(coroutine)),
        CoroutineResult::Return(()) => {
            with(|t| {
                let s = &mut t.tasks[id];
                s.finished = true;
                s.yielder = std::ptr::null();
            });
            coroutine.into_stack();
        }
    }
    if let Some(at) = arena::take_violation() {
        panic!(
            "daxlock: a stateful execution freed memory it did not allocate (at {at:#x}): it \
             changed state outside the checker's arena, which a snapshot cannot restore \
             (reach data made before the execution by reference only)"
        );
    }
}

/// Shuttle's message for a hang: every unfinished task blocked.
fn deadlock_message() -> String {
    let names = with(|t| {
        t.tasks
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.finished)
            .map(|(i, s)| format!("{}(id {i})", s.name.as_deref().unwrap_or("task")))
            .collect::<Vec<_>>()
            .join(", ")
    });
    format!("deadlock! blocked tasks: [{names}]")
}

/// Ends the execution: tasks that never ran drop their functions; tasks suspended
/// in their code are left unwound (their stacks' contents leak, see the module
/// doc). With snapshots the table is in the arena and is forgotten with it.
fn tear_down() {
    let table = TABLE.with(|t| t.borrow_mut().take());
    let Some(table) = table else { return };
    if arena::armed() {
        // Its memory is the arena's, which the next execution starts afresh or
        // restores: nothing in it is dropped (as a stopped execution's stacks).
        std::mem::forget(table);
        return;
    }
    for slot in table.tasks {
        drop(slot.start);
        if let Some(mut c) = slot.coroutine {
            // SAFETY: the task never runs again, and nothing outside its stack
            // refers into it once the execution is over: what it holds is leaked
            // (the objects on the stack are not dropped), as shuttle leaks the
            // stacks of a stopped execution.
            unsafe { c.force_reset() };
            c.into_stack();
        }
    }
}

/// A region of this thread's memory that a snapshot copies (a thread-local's
/// bytes): its address and length.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    /// The first byte.
    pub at: *mut u8,
    /// How many bytes.
    pub len: usize,
}

impl Region {
    /// The bytes of `value` (a thread-local's, which stays where it is for the
    /// thread's life).
    pub fn of<T>(value: &T) -> Region {
        Region {
            at: std::ptr::from_ref(value).cast_mut().cast(),
            len: std::mem::size_of::<T>(),
        }
    }
}

/// A copy of a suspended execution's memory (see the module doc). Its buffers go
/// back to the thread's spares when it is dropped.
#[derive(Clone)]
pub struct Snapshot {
    /// The regions copied, in order: the arena, then thread-locals.
    regions: Vec<Region>,
    /// The suspended tasks' stacks (copies shared with other snapshots).
    stacks: Vec<Rc<StackCopy>>,
    /// The regions' bytes, one after another (the arena's first).
    bytes: Vec<u8>,
    /// The ranges of the arena its bytes came from ([`arena::save`]).
    arena: Vec<(u32, u32)>,
    /// The OS thread it was taken on (its arena, stacks and thread-locals), by
    /// its arena's base: unique to the thread, and read without the atomic
    /// count `std::thread::current` takes (3% of a search's time).
    thread: usize,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({} bytes)", self.bytes.len())
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // The stacks' copies go (to their spares, if no other snapshot shares them).
        self.stacks.clear();
        let buffers = (
            std::mem::take(&mut self.regions),
            std::mem::take(&mut self.bytes),
            std::mem::take(&mut self.stacks),
            std::mem::take(&mut self.arena),
        );
        arena::outside(|| {
            // At the thread's exit the spares may be gone: the buffers are freed.
            let _ = SPARE.try_with(|s| {
                let mut s = s.borrow_mut();
                if s.len() < SPARES {
                    s.push(buffers);
                }
            });
        });
    }
}

/// How many spare snapshot buffers this thread keeps (for tests).
pub fn spares() -> usize {
    SPARE.with(|s| s.borrow().len())
}

impl Snapshot {
    /// Bytes held.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Takes a snapshot of the running execution at a scheduling point (called by the
/// scheduler, every task suspended), with the thread-locals `extra` besides the
/// runtime's and the store's. Only with the arena armed ([`arena::arm`]).
pub fn snapshot(extra: &[Region]) -> Snapshot {
    assert!(arena::armed(), "snapshots need the arena");
    arena::outside(|| {
        let (mut regions, mut bytes, mut stacks, mut arena) =
            SPARE.with(|s| s.borrow_mut().pop()).unwrap_or_default();
        regions.clear();
        bytes.clear();
        stacks.clear();
        regions.push(Region {
            at: std::ptr::null_mut(),
            len: arena::used(),
        });
        let table = TABLE.with(Region::of);
        for r in std::iter::once(table)
            .chain(super::store::Store::regions())
            .chain(extra.iter().copied())
        {
            regions.push(r);
        }
        with(|t| {
            for (i, slot) in t.tasks.iter().enumerate() {
                if slot.coroutine.is_some() {
                    let base = stack_of(i).base.get();
                    stacks.push(copy_stack(i, slot.sp - BELOW_SWITCH, base));
                }
            }
        });
        // One allocation at most (none once the spare buffer is large enough).
        bytes.reserve(regions.iter().map(|r| r.len).sum());
        regions[0].len = arena::save(&mut bytes, &mut arena);
        for r in &regions[1..] {
            // SAFETY: thread-locals of this thread.
            bytes.extend_from_slice(unsafe { std::slice::from_raw_parts(r.at, r.len) });
        }
        Snapshot {
            regions,
            stacks,
            bytes,
            arena,
            thread: arena::base(),
        }
    })
}

/// Copies a snapshot back into the addresses it was taken from: the arena and
/// the thread-locals always, a task's stack only if it ran since its contents
/// were those copied (its version differs: see [`touched`]). A resumed execution
/// runs a few steps of one or two tasks before the search comes back, and the
/// other tasks' stacks are as the snapshot has them.
///
/// # Safety
/// No task runs and nothing uses the memory of the execution the snapshot
/// replaces (the runtime calls it between executions).
unsafe fn restore(s: &Snapshot) {
    assert_eq!(
        s.thread,
        arena::base(),
        "a snapshot is restored on its own thread"
    );
    let mut from = 0;
    for (i, r) in s.regions.iter().enumerate() {
        let bytes = &s.bytes[from..from + r.len];
        from += r.len;
        if i == 0 {
            arena::restore(bytes, &s.arena);
            continue;
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), r.at, r.len);
    }
    for c in &s.stacks {
        if version(c.task) == c.version {
            #[cfg(test)]
            SKIPPED.with(|k| k.set(k.get() + 1));
            continue;
        }
        VERSIONS.with(|vs| vs.borrow_mut()[c.task] = c.version);
        std::ptr::copy_nonoverlapping(c.bytes.as_ptr(), c.at, c.bytes.len());
    }
}

#[cfg(test)]
thread_local! {
    /// Stacks a restore did not copy (tests).
    static SKIPPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// Chooses the lowest runnable task, or a fixed list of choices, and records
    /// every decision it was asked for.
    #[derive(Default)]
    struct Lowest {
        executions: usize,
        asked: Vec<(Vec<usize>, Option<usize>)>,
        stop_after: Option<usize>,
    }

    impl Scheduler for Lowest {
        fn new_execution(&mut self) -> bool {
            self.executions += 1;
            self.executions <= 2
        }
        fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
            self.asked.push((runnable.to_vec(), current));
            if self.stop_after.is_some_and(|n| self.asked.len() > n) {
                return None;
            }
            Some(runnable[0])
        }
    }

    #[test]
    fn tasks_run_in_the_order_chosen_at_shuttles_points() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut s = Lowest::default();
        let l = log.clone();
        run(&mut s, move || {
            let l2 = l.clone();
            let child = spawn("child".to_owned(), move || {
                l2.borrow_mut()
                    .push(format!("child {} {:?}", current(), name()));
                switch();
                l2.borrow_mut().push("child again".to_owned());
            });
            l.borrow_mut().push(format!("main spawned {child}"));
            switch();
            l.borrow_mut().push(format!("main {:?}", name()));
        });
        assert_eq!(s.executions, 3, "two executions, then no more");
        let one: Vec<String> = log.borrow()[..4].to_vec();
        // The lowest runnable task runs: main goes on until it ends, then the child.
        assert_eq!(
            one,
            [
                "main spawned 1",
                "main Some(\"main-thread\")",
                "child 1 Some(\"child\")",
                "child again"
            ]
        );
        // Per execution: the start, the spawn's point, main's switch, main's
        // switch before exit, main finished (child alone), the child's switch.
        let first: Vec<_> = s.asked[..6].to_vec();
        assert_eq!(
            first,
            [
                (vec![0], None),
                (vec![0], Some(0)),
                (vec![0, 1], Some(0)),
                (vec![0, 1], Some(0)),
                (vec![1], Some(0)),
                (vec![1], Some(1)),
            ]
        );
        assert_eq!(s.asked.len(), 12);
    }

    #[test]
    fn a_blocked_task_waits_for_unblock_and_a_hang_is_a_deadlock() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut s = Lowest::default();
        let l = log.clone();
        run(&mut s, move || {
            let l2 = l.clone();
            spawn("helper".to_owned(), move || {
                l2.borrow_mut().push("helper");
                unblock(0);
            });
            block();
            switch();
            l.borrow_mut().push("main woken");
        });
        assert_eq!(
            *log.borrow(),
            ["helper", "main woken", "helper", "main woken"]
        );
        let mut s = Lowest::default();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            run(&mut s, || {
                spawn("finishes".to_owned(), || {});
                block();
                switch();
            })
        }))
        .expect_err("every unfinished task blocked is a hang");
        let message = payload.downcast_ref::<String>().expect("a message");
        assert_eq!(message, "deadlock! blocked tasks: [main-thread(id 0)]");
        // The runtime is left clean: another run works.
        let mut again = Lowest::default();
        run(&mut again, || {});
        assert_eq!(again.executions, 3);
    }

    #[test]
    fn a_panic_in_a_task_reaches_the_caller_with_its_payload() {
        let mut s = Lowest::default();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            run(&mut s, || {
                spawn("doomed".to_owned(), || panic!("the invariant broke"));
                switch();
            })
        }))
        .expect_err("the task's panic ends the run");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"the invariant broke"));
        assert_eq!(s.executions, 1, "no execution after a failed one");
    }

    #[test]
    fn a_stopped_execution_leaves_its_tasks_and_reuses_their_stacks() {
        let dropped = Rc::new(RefCell::new(0));
        struct Counted(Rc<RefCell<usize>>);
        impl Drop for Counted {
            fn drop(&mut self) {
                *self.0.borrow_mut() += 1;
            }
        }
        let mut s = Lowest {
            stop_after: Some(3),
            ..Lowest::default()
        };
        let d = dropped.clone();
        run(&mut s, move || {
            let held = Counted(d.clone());
            spawn("never runs".to_owned(), || {});
            switch();
            switch();
            drop(held);
        });
        // Stopped at the fourth decision each time: main is suspended holding
        // `held` (leaked, never dropped), the unstarted task's function dropped.
        assert_eq!(*dropped.borrow(), 0);
        let before = STACKS.with(|p| p.borrow().len());
        assert!(before >= 1, "the suspended task's stack is kept");
        let mut again = Lowest::default();
        run(&mut again, || {
            spawn("a".to_owned(), || {});
        });
        let after = STACKS.with(|p| p.borrow().len());
        // Tasks 0 and 1 ran before: their stacks are reused.
        assert_eq!(after, before.max(2), "stacks are kept per task index");
    }

    /// A snapshot reuses the buffers of one dropped before it: no allocation per
    /// branching point once the search has a few spares.
    #[test]
    fn snapshots_reuse_the_buffers_of_dropped_ones() {
        struct Snapper {
            executions: usize,
            buffers: Vec<(*const u8, usize)>,
        }
        impl Scheduler for Snapper {
            fn new_execution(&mut self) -> bool {
                self.executions += 1;
                self.executions <= 1
            }
            fn next_task(&mut self, runnable: &[usize], _: Option<usize>) -> Option<usize> {
                if self.buffers.len() < 3 {
                    let s = snapshot(&[]);
                    assert!(!s.is_empty());
                    self.buffers.push((s.bytes.as_ptr(), s.bytes.capacity()));
                }
                Some(runnable[0])
            }
        }
        arena::arm(true);
        arena::reset();
        // One spare, larger than any snapshot here: each snapshot takes it, and
        // gives it back when dropped, so all three copy into it.
        let spare: Vec<u8> = Vec::with_capacity(1 << 20);
        let primed = spare.as_ptr();
        SPARE.with(|s| *s.borrow_mut() = vec![(Vec::new(), spare, Vec::new(), Vec::new())]);
        let mut s = Snapper {
            executions: 0,
            buffers: Vec::new(),
        };
        run(&mut s, || {
            let _held = std::hint::black_box(vec![1u8; 300]);
            switch();
            switch();
        });
        arena::arm(false);
        assert_eq!(s.buffers.len(), 3);
        assert_eq!(spares(), 1, "the last one's buffers are kept");
        for (i, &(at, capacity)) in s.buffers.iter().enumerate() {
            assert_eq!(
                (at, capacity),
                (primed, 1 << 20),
                "snapshot {i}: the spare's bytes"
            );
        }
    }

    /// A task's four steps, each with a value on its stack, checked at its end.
    fn work() {
        let mut x = [0u64; 64];
        for (i, slot) in x.iter_mut().take(4).enumerate() {
            *slot = std::hint::black_box(i as u64 + 1);
            switch();
        }
        assert_eq!(x[..4], [1, 2, 3, 4], "the stack's contents");
    }

    /// A restore copies the stacks of the tasks that ran since the snapshot, and
    /// only those: the others are as the snapshot has them. The resumed execution
    /// then runs to its end on the restored stacks.
    #[test]
    fn a_restore_copies_only_the_stacks_that_ran() {
        /// Round robin; in the first execution, a snapshot once three tasks are
        /// suspended, one more step of task `then`, and a stop; the second
        /// execution resumes the snapshot and runs to its end.
        struct Once {
            executions: usize,
            snapshot: Option<Snapshot>,
            then: usize,
            resumed_steps: usize,
        }
        impl Scheduler for Once {
            fn new_execution(&mut self) -> bool {
                self.executions += 1;
                self.executions <= 2
            }
            fn resume(&mut self) -> Option<&Snapshot> {
                (self.executions == 2).then_some(self.snapshot.as_ref()?)
            }
            fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
                if self.executions == 1 {
                    if self.snapshot.is_some() {
                        return None;
                    }
                    let s = snapshot(&[]);
                    if s.stacks.len() == 3 && runnable.contains(&self.then) {
                        self.snapshot = Some(s);
                        return Some(self.then);
                    }
                }
                if self.executions == 2 {
                    self.resumed_steps += 1;
                }
                let c = current.unwrap_or(0);
                Some(*runnable.iter().find(|&&t| t > c).unwrap_or(&runnable[0]))
            }
        }
        arena::arm(true);
        arena::reset();
        let mut s = Once {
            executions: 0,
            snapshot: None,
            then: 1,
            resumed_steps: 0,
        };
        let skipped = SKIPPED.with(|k| k.get());
        run(&mut s, || {
            spawn("a".to_owned(), work);
            spawn("b".to_owned(), work);
            work();
        });
        arena::arm(false);
        assert!(s.snapshot.is_some(), "three tasks were suspended at once");
        assert_eq!(
            SKIPPED.with(|k| k.get()) - skipped,
            2,
            "the two tasks that did not run since"
        );
        // Every task's four steps and its end, checking its stack (no panic).
        assert!(s.resumed_steps >= 6, "{} steps resumed", s.resumed_steps);
    }

    /// A snapshot shares the stack copies of the one before it for the tasks that
    /// did not run since, and copies anew the stack of the one that ran (with the
    /// sharing blind to versions, the task that ran keeps its stale copy and the
    /// resumed execution's stack check fails; with no sharing, none is shared).
    #[test]
    fn snapshots_share_the_copies_of_stacks_that_did_not_run() {
        struct Two {
            executions: usize,
            first: Option<Snapshot>,
            second: Option<Snapshot>,
            ran: Option<usize>,
        }
        impl Scheduler for Two {
            fn new_execution(&mut self) -> bool {
                self.executions += 1;
                self.executions <= 2
            }
            fn resume(&mut self) -> Option<&Snapshot> {
                (self.executions == 2).then_some(self.first.as_ref()?)
            }
            fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
                let c = current.unwrap_or(0);
                let next = *runnable.iter().find(|&&t| t > c).unwrap_or(&runnable[0]);
                if self.executions == 1 && self.second.is_none() {
                    let s = snapshot(&[]);
                    if self.first.is_none() && s.stacks.len() == 3 {
                        self.first = Some(s);
                        self.ran = Some(next);
                    } else if self.first.is_some() {
                        self.second = Some(s);
                    }
                }
                Some(next)
            }
        }
        arena::arm(true);
        arena::reset();
        let mut s = Two {
            executions: 0,
            first: None,
            second: None,
            ran: None,
        };
        run(&mut s, || {
            spawn("a".to_owned(), work);
            spawn("b".to_owned(), work);
            work();
        });
        arena::arm(false);
        let (first, second) = (s.first.expect("first"), s.second.expect("second"));
        let ran = s.ran.expect("a task ran between the two");
        let mut shared = 0;
        for c in &second.stacks {
            let before = first.stacks.iter().find(|f| f.task == c.task);
            let same = before.is_some_and(|f| Rc::ptr_eq(f, c));
            assert_eq!(same, c.task != ran, "task {} (task {ran} ran)", c.task);
            shared += usize::from(same);
        }
        assert_eq!(shared, 2, "the two tasks that did not run");
    }

    /// The suspension writes below the stack pointer [`park`] notes, and within
    /// [`BELOW_SWITCH`] of it: what a snapshot copies of a suspended stack holds
    /// all it needs. (With a slack of 16 bytes, or the point noted in the
    /// caller's frame as before, this fails.)
    #[test]
    fn the_suspension_writes_within_the_slack_below_the_noted_point() {
        struct Measure {
            executions: usize,
            depths: Vec<usize>,
        }
        impl Scheduler for Measure {
            fn new_execution(&mut self) -> bool {
                self.executions += 1;
                self.executions <= 1
            }
            fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
                if let Some(c) = current {
                    let (sp, suspended) = with(|t| (t.tasks[c].sp, t.tasks[c].coroutine.is_some()));
                    if suspended {
                        // The deepest byte the suspension changed.
                        let deepest = (1..=4 * BELOW_SWITCH).rev().find(|&i| {
                            // SAFETY: the suspended task's stack, below where it
                            // noted its pointer (mapped: the stack is 256 KiB).
                            unsafe { std::ptr::read_volatile((sp - i) as *const u8) != CANARY }
                        });
                        self.depths.push(deepest.unwrap_or(0));
                    }
                }
                Some(runnable[0])
            }
        }
        #[inline(never)]
        fn deeper(n: u64) -> u64 {
            let x = std::hint::black_box([n; 32]);
            switch();
            x.iter().sum()
        }
        FILL.with(|f| f.set(true));
        let mut m = Measure {
            executions: 0,
            depths: Vec::new(),
        };
        run(&mut m, || {
            spawn("a".to_owned(), || {
                switch();
                assert_eq!(deeper(2), 64);
            });
            switch();
            assert_eq!(deeper(1), 32);
        });
        FILL.with(|f| f.set(false));
        assert!(m.depths.len() >= 4, "{:?}", m.depths);
        let most = m.depths.iter().copied().max().unwrap_or(0);
        assert!(most > 0, "the suspension writes below the noted point");
        assert!(
            most <= BELOW_SWITCH,
            "the suspension wrote {most} bytes below the noted point: more than the {BELOW_SWITCH} copied"
        );
    }

    #[test]
    fn the_step_bound_ends_a_spinning_execution() {
        let mut s = Lowest::default();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            run(&mut s, || loop {
                switch();
            })
        }))
        .expect_err("a spin loop runs out of steps");
        let message = payload.downcast_ref::<String>().expect("a message");
        assert!(message.starts_with("exceeded max_steps bound"), "{message}");
    }
}
