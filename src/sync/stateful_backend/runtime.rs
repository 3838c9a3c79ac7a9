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
//! **Stacks are pooled** across tasks, executions and runs on the OS thread: a
//! stack is allocated (`mmap`) only when the pool is empty, so a search allocates as
//! many as one execution has tasks at once. A task that never ran has no stack
//! (its function waits in the table). A task's coroutine is made on a pooled stack
//! when it first runs; when it returns, its stack goes back to the pool.
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

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

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
}

type Task = Coroutine<(), (), (), DefaultStack>;

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
}

/// The running execution's task table.
#[derive(Default)]
struct Table {
    tasks: Vec<Slot>,
    current: Option<usize>,
}

thread_local! {
    /// The execution running on this OS thread.
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
    /// Stacks free for the next task (kept across executions and runs).
    static POOL: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
}

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
    let yielder = with(|t| {
        let c = t.current.expect("a task is running");
        t.tasks[c].yielder
    });
    assert!(!yielder.is_null(), "a running task has a yielder");
    // SAFETY: the yielder belongs to the coroutine of the running task (set when
    // it first ran), which lives until the task finishes or the execution is torn
    // down, neither of which can happen while the task runs here.
    unsafe { (*yielder).suspend(()) };
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
    });
    t.tasks.len() - 1
}

/// Runs executions of `main` as the scheduler directs, until it wants no more.
/// Panics, after the execution is torn down, with the payload of a panic in a task
/// or in the scheduler, or with a hang's or the step bound's message.
pub fn run(scheduler: &mut dyn Scheduler, main: impl Fn() + 'static) {
    let main = std::rc::Rc::new(main);
    while scheduler.new_execution() {
        let m = main.clone();
        if let Err(payload) = execute(scheduler, move || {
            m();
            // Shuttle's main thread switches once more before it exits.
            switch();
        }) {
            resume_unwind(payload);
        }
    }
}

/// One execution of `main`.
fn execute(
    scheduler: &mut dyn Scheduler,
    main: impl FnOnce() + 'static,
) -> Result<(), Box<dyn Any + Send>> {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        assert!(t.is_none(), "stateful executions do not nest");
        let mut table = Table::default();
        add(&mut table, Some("main-thread".to_owned()), Box::new(main));
        *t = Some(table);
    });
    let mut runnable = Vec::new();
    let result = catch_unwind(AssertUnwindSafe(|| steps(scheduler, &mut runnable)));
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
    let mut steps = 0usize;
    loop {
        let (current, unfinished) = with(|t| {
            runnable.clear();
            let mut unfinished = false;
            for (i, s) in t.tasks.iter().enumerate() {
                unfinished |= !s.finished;
                if !s.finished && !s.blocked {
                    runnable.push(i);
                }
            }
            (t.current, unfinished)
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
        steps += 1;
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
    let (start, coroutine) = with(|t| {
        t.current = Some(id);
        let s = &mut t.tasks[id];
        (s.start.take(), s.coroutine.take())
    });
    let mut coroutine = match (start, coroutine) {
        (Some(f), None) => {
            let stack = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_else(|| {
                DefaultStack::new(STACK_SIZE).expect("allocating a task's stack")
            });
            Coroutine::with_stack(stack, move |yielder: &Yielder<(), ()>, ()| {
                with(|t| t.tasks[id].yielder = yielder);
                f();
            })
        }
        (None, Some(c)) => c,
        _ => unreachable!("a runnable task has a function or a coroutine"),
    };
    match coroutine.resume(()) {
        CoroutineResult::Yield(()) => with(|t| t.tasks[id].coroutine = Some(coroutine)),
        CoroutineResult::Return(()) => {
            with(|t| {
                let s = &mut t.tasks[id];
                s.finished = true;
                s.yielder = std::ptr::null();
            });
            let stack = coroutine.into_stack();
            POOL.with(|p| p.borrow_mut().push(stack));
        }
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
/// doc); every stack goes back to the pool.
fn tear_down() {
    let table = TABLE.with(|t| t.borrow_mut().take());
    let Some(table) = table else { return };
    for slot in table.tasks {
        drop(slot.start);
        if let Some(mut c) = slot.coroutine {
            // SAFETY: the task never runs again, and nothing outside its stack
            // refers into it once the execution is over: what it holds is leaked
            // (the objects on the stack are not dropped), as shuttle leaks the
            // stacks of a stopped execution.
            unsafe { c.force_reset() };
            let stack = c.into_stack();
            POOL.with(|p| p.borrow_mut().push(stack));
        }
    }
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
        let pooled = POOL.with(|p| p.borrow().len());
        assert!(pooled >= 1, "the suspended task's stack is pooled again");
        let before = pooled;
        let mut again = Lowest::default();
        run(&mut again, || {
            spawn("a".to_owned(), || {});
            spawn("b".to_owned(), || {});
        });
        let after = POOL.with(|p| p.borrow().len());
        // One task runs at a time here (the lowest first, to its end): no new stack.
        assert_eq!(after, before, "stacks come from the pool");
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
