//! A debug aid: why two states the stateful checker keeps apart look alike.
//!
//! With `DAXLOCK_EXPLAIN_STATES` set (to the number of states to record; empty or
//! unparsable: 50,000), every fingerprint the checker takes is also recorded as its
//! parts: each primitive (its creation index and the Rust type it protects, its
//! value hash, holders and condvar queue) and each task (phase, whether done, and
//! the *inputs* of its chain since its last checkpoint: every operation folded, on
//! which primitive, with the hash of what it read). States are bucketed twice: by
//! their shared state (runnable tasks, phases, every primitive), so that only the
//! tasks' histories differ within a bucket, and by the tasks' chains and phases, so
//! that only the shared state does; each state is compared with the first state of
//! each of its buckets, and the parts in which they differ are counted. When the check ends
//! ([`super::Store::end`]) the counts go to stderr, most frequent first: e.g.
//! `task t2: chain input 14 differs (Observe on #3 Mutex<u64>)` says that t2's
//! histories part at its 14th fold since its checkpoint, at a lockless read of
//! primitive #3, and `primitive #7 Mutex<bool>: value` that a lock's protected
//! value differs. A difference in the creation order of primitives (which are
//! created mid-execution) shows as `primitive order`.
//!
//! The aid costs nothing when the variable is unset (one thread-local flag test
//! per fold). A client (the kernel target) may attach a label to its primitives
//! ([`label_last`]) so the report names them.

use super::store::{Object, Op, Phase, TaskState};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// One fold into a task's chain: operation, primitive, hash of what was read, and
/// the client's description of what was read ([`note`]), if any.
type Input = (&'static str, usize, u128, Option<std::rc::Rc<str>>);

/// Per task, its history and its scopes' opening lengths, as saved with the hashes.
type Saved = (Vec<Vec<Input>>, Vec<Vec<usize>>);

#[derive(Default)]
struct Trace {
    /// Per primitive of the running execution: its type (or client label).
    kinds: Vec<String>,
    /// Per task: the chain inputs since its last checkpoint.
    history: Vec<Vec<Input>>,
    /// Per task: the history length at the entry of the retry loop it is in.
    loop_len: Vec<usize>,
    /// Per task: the history lengths at the openings of the scopes it is in.
    scope_len: Vec<Vec<usize>>,
    /// Histories saved with [`super::Store::hashes`], by the hash of what was saved.
    saved: HashMap<u128, Saved>,
    /// Per shape, the first state recorded with it.
    first: HashMap<u128, State>,
    /// Counts of differing parts.
    counts: HashMap<String, usize>,
    /// States recorded, and the most to record.
    states: usize,
    limit: usize,
    /// Distinct fingerprints seen (a state is recorded once).
    seen: std::collections::HashSet<u128>,
    /// The description [`note`] gave for the next fold, and the task that gave it.
    pending: Option<(usize, std::rc::Rc<str>)>,
    /// Per counted part, up to two example pairs of descriptions.
    examples: HashMap<String, Vec<(String, String)>>,
}

#[derive(Clone)]
struct State {
    kinds: Vec<String>,
    objects: Vec<Object>,
    tasks: Vec<(String, Phase, bool, u128)>,
    history: Vec<Vec<Input>>,
}

thread_local! {
    static TRACE: RefCell<Option<Trace>> = const { RefCell::new(None) };
    /// Whether [`TRACE`] holds a trace: read first by every hook (a flag with no
    /// destructor is one load; the trace's `RefCell` costs a borrow per fold).
    static ON: Cell<bool> = const { Cell::new(false) };
}

fn with<R>(f: impl FnOnce(&mut Trace) -> R) -> Option<R> {
    if !ON.with(Cell::get) {
        return None;
    }
    TRACE.with(|t| t.borrow_mut().as_mut().map(f))
}

/// Starts recording for a new execution if `DAXLOCK_EXPLAIN_STATES` is set (the
/// counts carry over from execution to execution until [`report`]).
pub(super) fn begin_execution() {
    if !ON.with(Cell::get) {
        let Ok(v) = std::env::var("DAXLOCK_EXPLAIN_STATES") else {
            return;
        };
        start(v.parse().unwrap_or(50_000));
    }
    with(|t| {
        t.kinds.clear();
        t.history = vec![Vec::new()];
        t.loop_len = vec![0];
        t.scope_len = vec![Vec::new()];
    });
}

/// Keeps a trace of up to `limit` states from now on (on this OS thread).
fn start(limit: usize) {
    TRACE.with(|t| {
        *t.borrow_mut() = Some(Trace {
            limit,
            ..Trace::default()
        })
    });
    ON.with(|on| on.set(true));
}

/// A primitive was created, protecting a `kind` (named only if recording: the name
/// is formatted per primitive of every execution otherwise, a fifth of a search's
/// instructions on `truncate-vs-fault`).
pub(super) fn created(kind: impl FnOnce() -> String) {
    with(|t| t.kinds.push(kind()));
}

/// Names the primitive created last (for the report), if recording.
pub fn label_last(label: &str) {
    with(|t| {
        if let Some(k) = t.kinds.last_mut() {
            *k = format!("{label} ({k})");
        }
    });
}

/// Whether states are being recorded (so a client may describe what it reads).
pub fn explaining() -> bool {
    ON.with(Cell::get)
}

/// Whether a search about to start will record: recording now, or
/// `DAXLOCK_EXPLAIN_STATES` set (recording starts with the first execution,
/// `begin_execution`). The search replays then: the aid's trace lives outside the
/// snapshots' arena and would not follow a restore.
pub fn requested() -> bool {
    explaining() || std::env::var_os("DAXLOCK_EXPLAIN_STATES").is_some()
}

/// Describes what the next fold of the running task reads (for the report's
/// examples; a second description before that fold is appended), if recording.
pub fn note(describe: impl FnOnce() -> String) {
    with(|t| {
        let me = super::me();
        let text = match t.pending.take() {
            Some((task, before)) if task == me => format!("{before}: {}", describe()),
            _ => describe(),
        };
        t.pending = Some((me, text.into()));
    });
}

/// A task was created (spawn, watchdog).
pub(super) fn task_created() {
    with(|t| {
        t.history.push(Vec::new());
        t.loop_len.push(0);
        t.scope_len.push(Vec::new());
    });
}

/// `task` made a fold that is not hashed (the replay of a prefix): the
/// description [`note`] gave for it is dropped, not given to a later fold.
pub(super) fn unfolded(task: usize) {
    with(|t| {
        if t.pending.as_ref().is_some_and(|p| p.0 == task) {
            t.pending = None;
        }
    });
}

/// The description [`note`] gave for `task`'s next fold, taken.
fn take_note(t: &mut Trace, task: usize) -> Option<std::rc::Rc<str>> {
    t.pending.take().filter(|p| p.0 == task).map(|p| p.1)
}

/// `task` folded `op` on `object`, having read `read`.
pub(super) fn folded(task: usize, op: &Op, object: usize, read: u128) {
    with(|t| {
        let note = take_note(t, task);
        if let Some(h) = t.history.get_mut(task) {
            h.push((op.name(), object, read, note));
        }
    });
}

/// `task` passed a checkpoint: its chain forgets its history.
pub(super) fn checkpoint(task: usize) {
    with(|t| {
        t.history[task].clear();
        t.scope_len[task].clear();
    });
}

/// `task` entered (`first`) or went back to the top of a retry loop.
pub(super) fn retry(task: usize, first: bool) {
    with(|t| {
        if first {
            t.loop_len[task] = t.history[task].len();
        } else {
            let n = t.loop_len[task];
            t.history[task].truncate(n);
        }
    });
}

/// `task` opened a scope.
pub(super) fn scope_begin(task: usize) {
    with(|t| {
        let n = t.history[task].len();
        t.scope_len[task].push(n);
    });
}

/// `task` closed the scope it opened last: while hashing, its history since the
/// opening is replaced by one `Scope` input.
pub(super) fn scope_end(task: usize, hashing: bool, result: impl FnOnce() -> u128) {
    with(|t| {
        let n = t.scope_len[task].pop().unwrap_or(0);
        if hashing {
            t.history[task].truncate(n);
            let note = take_note(t, task);
            t.history[task].push(("Scope", 0, result(), note));
        }
    });
}

/// `task` is back at the top of a loop inside the scope it opened last: while
/// hashing, its history since the opening is replaced by one `Scope` input, and
/// the scope stays open.
pub(super) fn scope_again(task: usize, hashing: bool, result: impl FnOnce() -> u128) {
    with(|t| {
        let n = t.scope_len[task].last().copied().unwrap_or(0);
        if hashing {
            t.history[task].truncate(n);
            let note = take_note(t, task);
            t.history[task].push(("Scope", 0, result(), note));
        }
    });
}

/// The hashes `saved` were taken: keep the histories with them.
pub(super) fn saved(saved: &[u128]) {
    let key = super::hash128(saved);
    with(|t| {
        let h = (t.history.clone(), t.scope_len.clone());
        t.saved.insert(key, h);
    });
}

/// The hashes `saved` were put back: so are the histories kept with them.
pub(super) fn restored(saved: &[u128]) {
    let key = super::hash128(saved);
    with(|t| {
        if let Some((h, l)) = t.saved.get(&key) {
            t.history = h.clone();
            t.scope_len = l.clone();
        }
    });
}

/// The checker took fingerprint `fp` of a state with `runnable` tasks.
pub(super) fn fingerprint(
    fp: u128,
    mask: u64,
    objects: &[Object],
    tasks: &[TaskState],
    names: &[String],
) {
    with(|t| {
        if t.states >= t.limit || !t.seen.insert(fp) {
            return;
        }
        t.states += 1;
        let phases: Vec<_> = tasks.iter().map(|t| (t.phase, t.done)).collect();
        let chains: Vec<u128> = tasks.iter().map(|t| t.chain).collect();
        // Two buckets per state: equal shared state (then only histories differ),
        // and equal histories (then only the shared state differs).
        let shared = super::hash128(&(0u8, mask, &t.kinds, objects, &phases));
        let histories = super::hash128(&(1u8, mask, &chains, &phases, objects.len()));
        let state = State {
            kinds: t.kinds.clone(),
            objects: objects.to_vec(),
            tasks: tasks
                .iter()
                .zip(names)
                .map(|(t, n)| (n.clone(), t.phase, t.done, t.chain))
                .collect(),
            history: t.history.clone(),
        };
        for (shape, tag) in [(shared, "same shared state"), (histories, "same histories")] {
            match t.first.get(&shape) {
                None => {
                    t.first.insert(shape, state.clone());
                }
                Some(first) => {
                    for (part, example) in differences(first, &state) {
                        let part = format!("[{tag}] {part}");
                        *t.counts.entry(part.clone()).or_default() += 1;
                        if let Some(e) = example {
                            let ex = t.examples.entry(part).or_default();
                            if ex.len() < 2 {
                                ex.push(e);
                            }
                        }
                    }
                }
            }
        }
    });
}
/// A differing part, with an example pair of descriptions of what was read.
type Part = (String, Option<(String, String)>);

fn differences(a: &State, b: &State) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    let mut examples: Vec<Part> = Vec::new();
    let mut push = |s: String| out.push((s, None));
    if a.kinds != b.kinds {
        push("primitive order (created in another order)".to_owned());
    }
    for (i, (x, y)) in a.objects.iter().zip(&b.objects).enumerate() {
        let kind = b.kinds.get(i).map_or("?", String::as_str);
        if x.value != y.value {
            push(format!("primitive #{i} {kind}: value"));
        }
        if (x.writer, x.readers) != (y.writer, y.readers) {
            push(format!("primitive #{i} {kind}: holders"));
        }
        if x.queue != y.queue {
            push(format!("primitive #{i} {kind}: queue"));
        }
    }
    for (i, (x, y)) in a.tasks.iter().zip(&b.tasks).enumerate() {
        let name = &y.0;
        if x.1 != y.1 {
            push(format!("task {name}: phase (another primitive)"));
        }
        if x.3 == y.3 {
            continue;
        }
        let (ha, hb) = (&a.history[i], &b.history[i]);
        let at = ha
            .iter()
            .zip(hb)
            .position(|(p, q)| (p.0, p.1, p.2) != (q.0, q.1, q.2));
        match at {
            Some(k) => {
                let (op, obj, _, ref nb) = hb[k];
                let (op0, obj0, _, ref na) = ha[k];
                let kind = b.kinds.get(obj).map_or("?", String::as_str);
                if (op, obj) == (op0, obj0) {
                    let example = match (na, nb) {
                        (Some(x), Some(y)) => Some((x.to_string(), y.to_string())),
                        _ => None,
                    };
                    let part = format!(
                        "task {name}: chain input differs in what was read ({op} on #{obj} {kind})"
                    );
                    examples.push((part, example));
                } else {
                    push(format!("task {name}: chain input differs in the operation ({op0} #{obj0} vs {op} #{obj} {kind})"));
                }
            }
            None if ha.len() != hb.len() => push(format!(
                "task {name}: history length ({} vs {})",
                ha.len(),
                hb.len()
            )),
            None => push(format!(
                "task {name}: chain (before the checkpoint / spawn)"
            )),
        }
    }
    out.extend(examples);
    out
}

/// Prints the counts to stderr and stops recording.
pub(super) fn report() {
    ON.with(|on| on.set(false));
    let Some(t) = TRACE.with(|t| t.borrow_mut().take()) else {
        return;
    };
    let mut counts: Vec<(String, usize)> = t.counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    eprintln!(
        "explain-states: {} states recorded in {} shapes; parts in which a state differs from the first of its shape:",
        t.states,
        t.first.len()
    );
    for (part, n) in counts.iter().take(60) {
        eprintln!("  {n:>8}  {part}");
        for (a, b) in t.examples.get(part).into_iter().flatten() {
            eprintln!("            read {a}\n              vs {b}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flag every hook reads first is on exactly while a trace is kept: the
    /// hooks record then (a flag left off would record nothing), and not after the
    /// report.
    #[test]
    fn the_hooks_record_while_a_trace_is_kept() {
        assert!(!explaining());
        assert_eq!(with(|_| ()), None);
        start(10);
        begin_execution();
        assert!(explaining());
        created(|| "Mutex<u8>".to_owned());
        label_last("entry");
        assert_eq!(
            with(|t| t.kinds.clone()),
            Some(vec!["entry (Mutex<u8>)".to_owned()])
        );
        report();
        assert!(!explaining());
        created(|| unreachable!("not recording: the kind is not made"));
        assert_eq!(with(|t| t.kinds.len()), None);
    }
}
