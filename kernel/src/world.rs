//! The hooks the kernel's C code calls, and the per-execution world behind them.
//!
//! Every spinlock of the C code (the xarray's `xa_lock`, each wait-queue head's
//! lock, the page-table lock) is a lock of the checker's backend, built from one of
//! its mutexes and condition variables, and unlocked with
//! [`daxlock::sync::Backend::release`] (no scheduling point under the stateful
//! checker); `set_current_state()`, `schedule()` and `try_to_wake_up()` act on a
//! per-task state word under a backend mutex, so a task that sleeps blocks in the
//! checker and a wakeup is a checker notify. Lockless reads (`waitqueue_active()`,
//! `list_empty_careful()` in finish_wait(), `mapping_empty()`, the radix era's
//! page-cache lookups) are a backend observe ([`daxlock::sync::Backend::observe`]):
//! a scheduling point, then the read, of which the stateful checker folds only what
//! it returned. Page-table and iomap hooks go to the model's page tables and block
//! map ([`daxlock::dax::Mapping`]), which the model's invariants then check.
//!
//! A page-table hook folds what it returns to the C code and nothing else: the
//! PMD questions (`pmd_none()`, `pmd_trans_huge()`, `pmd_devmap()`) each fold
//! their one answer, not what the PMD holds (none and a PTE table are the same
//! answer to `pmd_trans_huge()`); what an insert did (installed, refused, over a
//! huge mapping) and whether a split found a huge mapping go to the trace and the
//! branch visits only, as [`Unhashed`] values: the C code goes on with
//! VM_FAULT_NOPAGE, or nothing, whatever they were. Events are no state: a WARN
//! among them is judged on the execution that raised it, whether it runs to its
//! end or is cut at a known state (the runner's `abandoned`); visits only count
//! branches.
//!
//! The C code keeps `current` in a thread-local; loom and shuttle run every model
//! thread on one OS thread, so each hook saves `current` on entry and restores it
//! before returning (another task may have run meanwhile).
//!
//! # Footprints of C steps (the stateful checker's sleep sets)
//!
//! The stateful checker's partial-order reduction (`daxlock::check::stateful`,
//! *Partial-order reduction*) takes two steps of two threads to commute when their
//! footprints (the backend primitives each used and changed) do not conflict. A C
//! step also reads and writes C memory, which is no backend primitive. The world
//! makes its `memory` mutex stand for **all of the C memory** (the tree with its
//! marks and nodes, the pages, i_size, the wait queues, the C task states: what
//! [`World::compute_c_state`] hashes) and puts it in the footprints
//! ([`World::declare_c_memory`]):
//!
//! - **writes**: a step after which the C memory hashes otherwise than before it
//!   changed it, whatever it wrote with, under which lock or none: the checker
//!   probes the hash at the start and the end of every step it records
//!   ([`Backend::external_state`]) and counts such a step as a write of `memory`.
//!   (Every C unlock also stores the hash in `memory`, which the fingerprint holds:
//!   a write of `memory` when it changed, a read when not.)
//! - **reads**: a lockless read (`lockless`, a [`Backend::observe`] of `memory`);
//!   the acquire of a lock whose fold is part of the C memory (a lock of
//!   [`Guards::Memory`] or [`Guards::Pages`]: the tree's and 4.13's page locks,
//!   and with [`Folds::Whole`] every lock;
//!   [`Backend::reads_external`]); every unlock (above).
//!
//! Why two steps `a` (thread t) and `b` (thread u) whose footprints do not conflict
//! commute, C memory included. Each thread is a deterministic function of what it
//! read (its history, the chain, stands for its C locals as for its Rust ones). A
//! C step reads C memory (i) under a C lock it holds: data that lock protects
//! (the kernel code's own discipline: it reads and writes protected data only
//! under the lock; the inode's i_size is written by truncate under the model's
//! `i_mmap_sem`, a backend rwlock every fault holds shared, so those conflict on
//! it), (ii) in a lockless read's callback, or (iii) its own stack.
//! Suppose `b` changes no C memory from a state `s` (its probe hash is the same
//! after it). Then `a` reads the same C memory after `b` as before it. If `a` does
//! not change it either, nothing of C memory differs in either order. If `a`
//! changes it, `a` writes `memory`, so `b` neither reads it through a lockless read
//! nor takes a Memory lock nor unlocks anything (each touches `memory`): `b` reads
//! no C memory at all but data of a lock t cannot hold meanwhile (a wait-table
//! head's list, under that head's lock: t would have to take the head lock, a
//! conflict on its backend mutex), so `b` does the same after `a`, and its writes,
//! which left the hash unchanged from `s`, are to data only its own locks protect,
//! which `a` does not write. Steps that both change the C memory both write
//! `memory` and conflict. The residue is a write *without* a lock that stores a
//! value the memory already holds, which the hash cannot see, done by a step that
//! reads nothing of `memory`: in the compiled code every C write outside a lock is
//! a read-modify-write (a reference count, the allocation count of
//! `--fail-alloc`) or inside a lockless read's callback (4.13's hole-page
//! allocation in its page-cache lookup), and a read-modify-write always changes
//! what it writes, so there is none. With the checker's own argument for the
//! primitives (the module doc of `daxlock::check::stateful`) that makes the
//! footprints sound for Godefroid's independence, and the sleep sets reach every
//! state of the full search; the tests in `kernel/tests/por/mod.rs` compare the two on the
//! catalogue (same verdicts, states and digest) and show that leaving the C
//! memory out (`Switches::blind_footprints`) loses states. The probe is the hash the
//! fingerprint uses, so a 64-bit collision of it would hide a write, as it would
//! merge two states. It reuses its last hash while no C code has run since
//! ([`C_RUNS`]: counted at every call into C, every hook's return to C, the
//! harness's write of i_size, and the hooks' own writes of a C task's state), since
//! C memory changes only then; every other cache of a C-state hash keeps the same
//! rule ([`RunsCache`]).
//!
//! The xarray lock's acquire (and the radix era's `tree_lock`'s) no longer folds
//! the whole tree into its taker's history: each xarray (radix-tree) call folds
//! what it returned (see [`World::guarded`]). Its footprint is unchanged: the
//! acquire still reads `memory`.

use crate::switches::switches;
use daxlock::dax::observe::Value;
use daxlock::dax::pagetable::{Install, MapTarget as PteTarget, Pte};
use daxlock::dax::{Block, Branch, Mapping};
use daxlock::sync::poison_free::{Mutex, RwLock};
use daxlock::sync::stateful_backend as explain;
use daxlock::sync::{Backend, Stateful, Unhashed};
use std::any::TypeId;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The C `spinlock_t`: a lazily assigned id into the world's locks (0: none yet).
#[repr(C)]
pub struct CSpin {
    id: u32,
}

/// The C `struct task_struct`.
#[repr(C)]
pub struct CTask {
    state: u32,
    id: u32,
    comm: *const c_char,
}

const TASK_RUNNING: u32 = 0;
const VM_FAULT_NOPAGE: u32 = 0x100;

extern "C" {
    /// The page-table lock: what pmd_lock() returns (mm_shim.h) and what every
    /// page-table hook takes ([`World::under_ptl`]).
    static mut daxk_ptl: CSpin;
    fn daxk_set_current(t: *mut CTask);
    fn daxk_get_current() -> *mut CTask;
    fn daxk_common_hash() -> u64;
    fn daxk_acquire_hash() -> u64;
    fn daxk_other_lock_hash() -> u64;
    fn daxk_tree_lock() -> *mut CSpin;
    fn daxk_page_lock_pfn(lock: *const CSpin) -> u64;
    fn daxk_set_towrite_dead(dead: c_int);
    fn daxk_set_towrite_last(last: c_int);
    fn daxk_set_towrite_behind(mode: c_int);
    fn daxk_set_zero_dirty(truth: c_int, fold: c_int);
    fn daxk_end_hash() -> u64;
}

extern "C-unwind" {
    /// The tree's entries (declared as `kernel.rs` declares it).
    fn daxk_entries(
        ctx: *mut c_void,
        f: extern "C" fn(*mut c_void, u64, u32, u64, c_int, c_int, *mut c_void),
    );
}

/// The C tree as text (index, order, value, marks of every entry), for the
/// stateful checker's debug aid ([`daxlock::sync::stateful_backend::note`]).
fn describe_tree() -> String {
    extern "C" fn push(
        ctx: *mut c_void,
        index: u64,
        order: u32,
        value: u64,
        dirty: c_int,
        towrite: c_int,
        _e: *mut c_void,
    ) {
        let s = unsafe { &mut *(ctx as *mut String) };
        s.push_str(&format!(
            " {index}/{order}={value:#x}{}{}",
            if dirty != 0 { "D" } else { "" },
            if towrite != 0 { "W" } else { "" }
        ));
    }
    let mut s = String::from("tree:");
    unsafe { daxk_entries(&mut s as *mut String as *mut c_void, push) };
    s
}

struct SpinLock<B: Backend> {
    held: B::Mutex<bool>,
    cv: B::Condvar,
    /// What the C code reads under it that the acquire must fold ([`World::guarded`]).
    guards: Guards,
}

/// 4.13's hole-page locks (lock_page(), `kernel/c/radix/radix_protos.h`), all
/// one lock of the checker's: the pfns of the pages locked and, for each task
/// that found its page locked, that task and the pfn, both ascending; one
/// condvar, notified (all its sleepers) when a page is unlocked while a task
/// waits for one.
///
/// Why one. The checker numbers its primitives in the order they are made and
/// the state holds them so (see [`World::new`]); a lock per page, made at the
/// page's first lock_page(), was numbered by whichever fault locked its page
/// first, so two runs whose faults made the pages of indexes 1 and 5 in either
/// order held the same locks under swapped numbers, and the tasks' histories
/// named them so (`Locked #49` against `Locked #51`), and never met. As one
/// value the locks are named by their pfns, which follow the pages' indexes
/// (`daxk_new_page()`, `kernel/c/radix/radix_common.c`). The same lock
/// semantics: a task takes a page's lock when that pfn is not in the set and
/// sleeps otherwise; an unlock wakes every sleeper, each of which takes its
/// page's lock or sleeps again (a sleeper for another page), so no wakeup is
/// lost. The waiters are part of the value only so that an unlock with no one
/// waiting is not a scheduling point (a notify is one; a lock's own release is
/// none), as a per-page lock's unlock was not.
struct PageLocks<B: Backend> {
    locked: B::Mutex<PageLockSet>,
    cv: B::Condvar,
}

/// [`PageLocks`]' value.
#[derive(Hash, Default)]
struct PageLockSet {
    locked: Vec<u64>,
    waiting: Vec<(u32, u64)>,
}

/// What a C spin lock protects, as far as the stateful checker's fold at its
/// acquire is concerned (see [`World::guarded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guards {
    /// A wait-table head's lock: the waiters queued on that head.
    Head(u64),
    /// The page-table lock: the page table, which lives in the model and is read
    /// only through hooks that fold what they return.
    PageTable,
    /// The tree's lock (the xarray's, 4.13's tree_lock): the C memory but the
    /// wait table and the task states (`daxk_common_hash()`).
    Memory,
    /// Any other lock (4.13's hole-page locks; the xarray eras take none): as
    /// [`Guards::Memory`], but with [`Folds::Narrow`] its acquire folds
    /// `daxk_other_lock_hash()` (i_size: lock_page() folds what its holder reads
    /// of the page).
    Pages,
}

/// The scenario operation a task is in, for telling the model's branches apart
/// at a hook (a sleep in get_unlocked_entry() is grab's, writeback's or
/// invalidation's by the operation that called it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KOp {
    Fault,
    Fsync,
    Truncate,
    Write,
    MemoryFailure,
    /// 4.13's write fault on a read-only PTE of a device frame: dax_pfn_mkwrite()
    /// (the model has no such path; its sleep is not grab's).
    PfnMkwrite,
    /// Harness reads of the C state (collecting entries).
    Other,
}

/// The model branches the hooks report ([`World::branch_at`]); the kernel target's
/// `[expect] visits` are checked for these.
pub(crate) const VISIBLE_BRANCHES: &[Branch] = &[
    Branch::GrabWait,
    Branch::GrabDowngradeZero,
    Branch::InsertOverZero,
    Branch::PteRecheckHuge,
    Branch::PmdRecheckPteTable,
    Branch::PmdLoadHoleBusy,
    Branch::PteCow,
    Branch::SplitHugePmd,
    Branch::WritebackWait,
    Branch::WritebackDirty,
    Branch::InvalidateWait,
    Branch::InvalidateDelete,
    Branch::TruncateDelete,
    Branch::LockEntryWait,
    Branch::LockEntryNothing,
];

/// The model branches only the radix-tree era's hooks report (4.13's WARNs):
/// `insert-warn` (dax_insert_mapping_entry()'s `WARN_ON_ONCE(ret != entry)`) and
/// `put-no-locked-entry` (dax_unlock_mapping_entry()'s). The era reports these and
/// [`VISIBLE_BRANCHES`] less memory failure's (4.13 has no
/// dax_lock_mapping_entry()).
pub(crate) const RADIX_ONLY_BRANCHES: &[Branch] = &[Branch::InsertWarn, Branch::PutNoLockedEntry];

struct Task<B: Backend> {
    name: String,
    /// The operation it is in (set by [`World::enter`]).
    op: Mutex<KOp>,
    state: B::Mutex<u32>,
    cv: B::Condvar,
    c: Box<CTask>,
    /// Whether it is in a wait for an unlocked entry ([`Hooks::entry_scope_begin`]):
    /// its history says so, so this is no state of its own.
    in_wait: AtomicBool,
    /// Whether it is in the radix era's grab_mapping_entry()
    /// ([`Hooks::grab_scope_begin`]): its history says so too.
    in_grab: AtomicBool,
    /// In such a wait, where its last walk started ([`Hooks::entry_scope_top`]:
    /// 1 a reset xa_state, 2 in place; 0 none yet): the history says so too.
    walk_from: std::sync::atomic::AtomicU64,
    /// Whether it is in a writeback's walk over the TOWRITE entries that is a
    /// scope ([`Hooks::walk_scope_begin`]): its history says so too.
    in_writeback_walk: AtomicBool,
    /// In such a walk, the loop tops met so far (the caller's `scanned` plus one): the
    /// history says so too ([`Hooks::walk_scope_top`]).
    walk_tops: std::sync::atomic::AtomicU64,
}

// The C task is only touched by its own thread and by wakers under `state`.
unsafe impl<B: Backend> Send for Task<B> {}
unsafe impl<B: Backend> Sync for Task<B> {}

/// A variant's wait-table walk: calls back once per queued waiter.
pub type Waiters = unsafe extern "C-unwind" fn(*mut c_void, WaiterFn);
/// The callback of [`Waiters`]: (context, bucket, task id, key index, exclusive).
pub type WaiterFn = extern "C" fn(*mut c_void, u64, u32, u64, c_int);
/// A lockless read of the C code (the `lockless` hook): reads through its context
/// and returns what it read as a value that is the same for the same thing in every
/// run (a page as its pfn, never its address).
pub type ReadFn = unsafe extern "C-unwind" fn(*mut c_void) -> u64;

/// Every queued waiter as (bucket, task id, key index, exclusive).
pub(crate) fn waiters(walk: Waiters) -> Vec<(u64, u32, u64, bool)> {
    extern "C" fn push(ctx: *mut c_void, bucket: u64, task: u32, key: u64, excl: c_int) {
        let v = unsafe { &mut *(ctx as *mut Vec<(u64, u32, u64, bool)>) };
        v.push((bucket, task, key, excl != 0));
    }
    let mut v: Vec<(u64, u32, u64, bool)> = Vec::new();
    unsafe { walk(&mut v as *mut _ as *mut c_void, push) };
    v
}

/// A variant's wait-table heads one at a time, for the stateful checker's
/// fingerprint: it walks only the heads whose lock was taken in the execution.
#[derive(Clone, Copy)]
pub struct Heads {
    /// The head whose lock is at this address, or -1 (another lock).
    pub head_of: unsafe extern "C-unwind" fn(*const c_void) -> i64,
    /// Calls back once per waiter queued on one head.
    pub waiters_at: unsafe extern "C-unwind" fn(*mut c_void, WaiterFn, u64),
}

/// The waiters queued on head `bucket` as (task id, key index, exclusive).
fn waiters_of(heads: Heads, bucket: u64) -> Vec<(u32, u64, bool)> {
    extern "C" fn push(ctx: *mut c_void, _bucket: u64, task: u32, key: u64, excl: c_int) {
        let v = unsafe { &mut *(ctx as *mut Vec<(u32, u64, bool)>) };
        v.push((task, key, excl != 0));
    }
    let mut v: Vec<(u32, u64, bool)> = Vec::new();
    unsafe { (heads.waiters_at)(&mut v as *mut _ as *mut c_void, push, bucket) };
    v
}

/// Every waiter queued on heads `used` (ascending), hashed.
///
/// A waiter is queued (prepare_to_wait_exclusive()) and dequeued (finish_wait(),
/// the wake function under __wake_up()) only with its head's lock held, and the
/// wait table is emptied at the start of every execution, so a head whose lock was
/// never taken in the execution has no waiter: walking the others hashes every
/// waiter there is, as a walk of all 4,096 heads would, in the same order.
fn waiters_hash(heads: Heads, used: &[u64]) -> u64 {
    extern "C" fn push(ctx: *mut c_void, bucket: u64, task: u32, key: u64, excl: c_int) {
        let h = unsafe { &mut *(ctx as *mut u64) };
        *h = (*h ^ bucket ^ (u64::from(task) << 48) ^ key.rotate_left(7) ^ excl as u64)
            .wrapping_mul(0x100000001b3);
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for &bucket in used {
        unsafe { (heads.waiters_at)(&mut h as *mut u64 as *mut c_void, push, bucket) };
    }
    h
}

/// The wait table's heads (DAX_WAIT_TABLE_ENTRIES, 4,096 in every era).
const WAIT_TABLE_HEADS: u64 = 4096;

/// [`check_used_heads`] is on.
static CHECK_HEADS: AtomicBool = AtomicBool::new(false);
/// Fingerprints, while the check is on, whose wait table held a waiter.
static WAITER_FINGERPRINTS: AtomicUsize = AtomicUsize::new(0);

/// A self-check of the fingerprint for tests: while `on`, every fingerprint of the C
/// state also walks all 4,096 wait-table heads and panics if that hashes otherwise
/// than the walk of the heads whose lock was taken (a waiter queued where
/// `waiters_hash` does not look). Returns how many fingerprints since the last
/// call saw a waiter (so a test can tell the check was not vacuous).
pub fn check_used_heads(on: bool) -> usize {
    CHECK_HEADS.store(on, Ordering::SeqCst);
    WAITER_FINGERPRINTS.swap(0, Ordering::SeqCst)
}

thread_local! {
    /// The C states executions ended in on this OS thread, while [`end_states`]
    /// is on (tests only).
    static END_STATES: std::cell::RefCell<Option<std::collections::BTreeSet<u64>>> =
        const { std::cell::RefCell::new(None) };
}

/// A self-check for tests: while `on`, every execution that runs to its end
/// (its end-state checks) adds the hash of the C state it ended in
/// (`daxk_common_hash()`: the tree with its marks, nrpages, i_size, the pages) to
/// a set. Returns the set gathered since the last call. A complete search visits
/// every reachable state, so two complete searches of one row that differ only
/// in what they fold into histories gather the same set, unless one of them
/// merged states that differ (an unsound fold loses the end states only the
/// lost ones lead to).
pub fn end_states(on: bool) -> Vec<u64> {
    END_STATES.with(|set| {
        let mut set = set.borrow_mut();
        let was = set.take().unwrap_or_default();
        if on {
            *set = Some(Default::default());
        }
        was.into_iter().collect()
    })
}

/// Adds the C state to [`end_states`]'s set while it is on (on this OS thread:
/// the stateful checker with one job runs its executions on its caller's).
pub(crate) fn record_end_state() {
    END_STATES.with(|set| {
        if let Some(set) = set.borrow_mut().as_mut() {
            set.insert(unsafe { daxk_end_hash() });
        }
    })
}

/// The trait of the hooks (one method per line of `hooks!`: what the hooks need of
/// one execution, whatever its backend) and their C entry points, `daxk_<name>`,
/// each converting its arguments ([`crate::decls`]) and calling the world's method.
macro_rules! hooks_trait_and_shims {
    ([] $( $(#[doc = $doc:literal])* $name:ident($($arg:ident: $kind:ident),* $(,)?) $(-> $ret:ident)?; )*) => {
        /// What the hooks need of one execution, whatever its backend.
        pub(crate) trait Hooks: Send + Sync {
            $( $(#[doc = $doc])* fn $name(&self, $($arg: rust_type!($kind)),*) $(-> rust_type!($ret))?; )*
        }

        /// The C entry points of the hooks.
        mod c_hooks {
            use super::hook;
            $(
                #[export_name = concat!("daxk_", stringify!($name))]
                extern "C-unwind" fn $name($($arg: ffi_type!($kind)),*) $(-> ffi_type!($ret))? {
                    hook(|w| to_c!($($ret)?; w.$name($(to_rust!($kind, $arg)),*)))
                }
            )*
        }
    };
}
hooks!(hooks_trait_and_shims);

/// The execution the hooks act on (one at a time per process: see
/// `Target::serial`).
static WORLD: RwLock<Option<Arc<dyn Hooks>>> = RwLock::new(None);

/// Makes `world` the one the hooks act on.
pub(crate) fn install(world: Arc<dyn Hooks>) {
    *WORLD.write() = Some(world);
}

fn world() -> Arc<dyn Hooks> {
    WORLD
        .read()
        .clone()
        .expect("a kernel hook ran outside a kernel-target execution")
}

/// Runs `f` as a hook: `current` is put back afterwards.
fn hook<R>(f: impl FnOnce(&dyn Hooks) -> R) -> R {
    let me = unsafe { daxk_get_current() };
    let w = world();
    let r = f(&*w);
    unsafe { daxk_set_current(me) };
    // Back to C, which may write its memory.
    c_runs();
    r
}

/// Counts the times C code starts or resumes running (a call into C, a hook's
/// return) or the harness writes C memory: while it stays the same, the C memory
/// does, so the probe of the stateful checker's footprints reuses its last hash
/// ([`World::declare_c_memory`]).
static C_RUNS: AtomicUsize = AtomicUsize::new(0);

/// C code is about to run (or the harness to write C memory): see [`C_RUNS`].
pub(crate) fn c_runs() {
    C_RUNS.fetch_add(1, Ordering::Relaxed);
}

/// A hash of C memory, kept while no C code has run since it was computed
/// ([`C_RUNS`] the same): C memory changes only while C code runs (or the
/// harness writes it, which counts as a run). The one invalidation rule of every
/// cache of the C state (the fingerprint's, the acquire folds', the footprint
/// probe's): a cache dropped only at lock and task-state hooks could outlive a
/// write C made between two hooks.
#[derive(Default)]
struct RunsCache(Mutex<Option<(usize, u64)>>);

impl RunsCache {
    /// The hash kept, or `compute()`'s (then kept).
    fn get(&self, compute: impl FnOnce() -> u64) -> u64 {
        let runs = C_RUNS.load(Ordering::Relaxed);
        if let Some((r, h)) = *self.0.lock() {
            if r == runs {
                return h;
            }
        }
        let h = compute();
        *self.0.lock() = Some((runs, h));
        h
    }
}

/// A C string the hooks get (`__func__`, a stringified condition) as a `&str`.
pub(crate) fn c_str(p: *const c_char) -> &'static str {
    if p.is_null() {
        return "?";
    }
    // The C strings are __func__ names and stringified conditions: static.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("?")
}

/// The pfn the shims give the 4 KiB and huge zero pages.
pub const ZERO_PFN: u64 = 0xfff00;
/// See [`ZERO_PFN`].
pub const HUGE_ZERO_PFN: u64 = 0xffe00;
/// The shim's `page_address()` of frame N is `KADDR_BASE + N * 4096` (mm_shim.h).
const KADDR_BASE: u64 = 0x1000_0000_0000;

/// One execution's world on backend `B`.
pub(crate) struct World<B: Backend> {
    /// The model's page tables, block map, i_size and VMAs; its tree is unused.
    pub mm: Arc<Mapping<B>>,
    locks: Mutex<Vec<Arc<SpinLock<B>>>>,
    /// 4.13's hole-page locks (unused by the xarray eras).
    pages: PageLocks<B>,
    tasks: Mutex<Vec<Arc<Task<B>>>>,
    /// The scheduling point of lockless reads; under the stateful checker it also
    /// holds the fingerprint of the C state, set at every unlock.
    memory: B::Mutex<u64>,
    /// Fingerprints the C state for the stateful checker (else not needed).
    fingerprint: bool,
    /// The C state's fingerprint ([`World::compute_c_state`]), `daxk_common_hash()`
    /// and `daxk_acquire_hash()`, each kept while no C code has run since it was
    /// computed ([`RunsCache`]).
    cached: RunsCache,
    cached_common: RunsCache,
    cached_acquire: RunsCache,
    cached_other: RunsCache,
    heads: Heads,
    /// The wait-table heads whose lock was taken in this execution, ascending.
    used_heads: Mutex<Vec<u64>>,
    /// The task id holding the page-table lock (0: none). Only its holder sets or
    /// reads its own id, so a plain mutex (no scheduling point) suffices.
    ptl_owner: Mutex<u32>,
    /// The scenario's operations other than faults not yet returned (`None`: not
    /// known, or the radix era): see [`World::non_fault_op_done`].
    non_faults_left: Mutex<Option<usize>>,
    /// The C memory is in the stateful checker's step footprints
    /// ([`World::declare_c_memory`]; off only in tests, `Switches::blind_footprints`).
    c_footprints: bool,
    /// The walk at the top of a wait for an unlocked entry
    /// (`xas_find_conflict()`, 7.1's `xas_load()`) is left out of the task's
    /// history (`World::xa_read`; `Switches::wait_walk_folded` turns it back on).
    ///
    /// Why that is sound. The walk runs at the wait's loop top, whose fold
    /// already holds what the walk is a function of besides the tree: the wait's
    /// opening (the xa_state's index and order, the caller's) and where the walk
    /// starts (`World::entry_scope_top`). The task holds the xarray lock from
    /// the walk on, and no other task changes an entry or a mark without it, so
    /// until the task drops the lock the entry the walk returned is the one the
    /// tree (in the fingerprint) gives for those: a function of the state. The
    /// wait drops the lock only after it has queued itself
    /// (prepare_to_wait_exclusive(), then xas_unlock_irq()); after that it uses
    /// the entry for nothing (the next round's walk writes it first), and what
    /// it computed from it, the wait-table head and the wait entry's key, is in
    /// the state while the entry is queued (the head's queue holds the task and
    /// its key) and unused once a waker has taken it off (finish_wait() then
    /// looks only at the wait entry's own list). If the wait returns instead,
    /// its end folds the entry returned (`World::entry_scope_end`). So two
    /// states that differ only in the walk's fold differ in nothing a future
    /// step reads. Test: `the_wait_walk_is_a_function_of_the_state`
    /// (`kernel/tests/kernel_target.rs`).
    wait_walk_unfolded: bool,
    /// What acquires and lockless reads fold: [`Folds::Whole`] when allocations
    /// fail (`--fail-alloc`: the allocation count is read under the xarray lock and
    /// changed without it), else what `Switches::folds` says (tests), by default
    /// [`Folds::Narrow`].
    folds: Folds,
    /// Whether the writeback's `scanned` can reach `XA_CHECK_SCHED` (4,096) in
    /// this scenario ([`World::writeback_walk_bound`]): only then is the count of
    /// its walk's rounds part of the walk's loop top ([`Hooks::walk_scope_top`]).
    walk_count_live: AtomicBool,
}

/// What the stateful checker folds into a task's history at a C spin-lock acquire
/// and at a lockless read (`World::guarded`, the `lockless` hook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folds {
    /// A lockless read folds what it read; an acquire what the lock protects, but
    /// for the xarray's lock, whose acquire folds only i_size (and 5.15's pages): each
    /// xarray call under it folds what it returned (`kernel/c/xa_folds.h`,
    /// `World::guarded`); in the radix era (4.13) `tree_lock` and the page locks
    /// fold i_size and the pages, and each radix-tree call under `tree_lock` what
    /// it returned (`kernel/c/radix/radix_folds.h`); fs/dax.c's wait-queue calls
    /// and its waker (dax_wake_entry(), 4.13's dax_wake_mapping_entry_waiter())
    /// are scopes (`kernel/c/scopes.h`): once one returns, what it read is
    /// forgotten.
    Narrow,
    /// As [`Folds::Narrow`], but the xarray lock's acquire (4.13's tree_lock's
    /// and page locks') folds the whole tree (with nrpages, i_size, the pages)
    /// and the xarray (radix-tree) calls fold nothing: the fold before issue 18's
    /// per-read one (for comparison and benchmarks).
    Acquire,
    /// Every acquire and lockless read folds the whole C state and no call is a
    /// scope (the folds before issue 18's narrower ones).
    Whole,
    /// For tests only: as [`Folds::Narrow`], but the xarray (radix-tree) calls
    /// fold nothing, and the acquire still folds only i_size (and the pages where
    /// [`Folds::Narrow`] does): a fold of too little, to show that the tests can
    /// catch one (`kernel/tests/folds/mod.rs`; not selectable by
    /// `DAXLOCK_KERNEL_FOLDS`).
    Blind,
}

thread_local! {
    /// See [`entry_walks`].
    static ENTRY_WALKS: std::cell::RefCell<Option<std::collections::BTreeMap<(u64, u64), usize>>> =
        const { std::cell::RefCell::new(None) };
    /// See [`walk_bounds`].
    static WALK_BOUNDS: std::cell::RefCell<Option<WalkBounds>> =
        const { std::cell::RefCell::new(None) };
}

/// Kernel: dax_writeback_mapping_range()'s `++scanned % XA_CHECK_SCHED`. Whether
/// a writeback's walk over scenario VMAs that map `vma_pages` file pages in all
/// can reach `XA_CHECK_SCHED` (4,096) rounds, so that its count of rounds matters
/// (`World::writeback_walk_bound` argues the bound: fewer than `2 * vma_pages`
/// indices ever hold an entry). False below 2,048 pages.
#[doc(hidden)]
pub fn writeback_walk_counts_rounds(vma_pages: u64) -> bool {
    const XA_CHECK_SCHED: u64 = 4096;
    vma_pages.saturating_mul(2) >= XA_CHECK_SCHED
}

/// What [`walk_bounds`] noted.
#[doc(hidden)]
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WalkBounds {
    /// The pages each execution's scenario VMAs map and
    /// [`writeback_walk_counts_rounds`]'s answer for them
    /// (`World::writeback_walk_bound`).
    pub bounds: std::collections::BTreeSet<(u64, bool)>,
    /// The largest count of rounds a writeback walk's loop top folded
    /// (`World::walk_scope_top`; 0: none).
    pub most_rounds_folded: u64,
}

/// A self-check for tests: while `on`, the worlds note the bound of the writeback
/// walk's rounds and the counts its loop tops fold ([`WalkBounds`]). Returns what
/// was noted since the last call (on this OS thread, as [`end_states`]).
#[doc(hidden)]
pub fn walk_bounds(on: bool) -> WalkBounds {
    WALK_BOUNDS.with(|m| {
        let mut m = m.borrow_mut();
        let was = m.take().unwrap_or_default();
        if on {
            *m = Some(Default::default());
        }
        was
    })
}

/// For tests only: what a wait for an unlocked entry folds at its loop's tops and
/// its return (`Switches::entry_scope_result`).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryScopeResult {
    /// The entry returned, the index and where the last walk started (the fold).
    Whole,
    /// The entry and the index, never where a walk started (at the tops too).
    WithoutWalkStart,
    /// Nothing: the return goes back to the wait's opening as a call of
    /// `kernel/c/scopes.h` does (`()` folded), and the tops fold no walk start.
    Nothing,
}

/// A self-check for tests: while `on`, every walk at the top of a wait for an
/// unlocked entry (`World::entry_scope_top`) counts the pair (where the wait's
/// previous walk started, where this one starts): 0 none (the wait's first walk),
/// 1 a reset xa_state, 2 in place. Returns the counts gathered since the last
/// call (on this OS thread, as [`end_states`]).
#[doc(hidden)]
pub fn entry_walks(on: bool) -> Vec<((u64, u64), usize)> {
    ENTRY_WALKS.with(|m| {
        let mut m = m.borrow_mut();
        let was = m.take().unwrap_or_default();
        if on {
            *m = Some(Default::default());
        }
        was.into_iter().collect()
    })
}

/// Counts a walk for [`entry_walks`] while it is on.
fn record_entry_walk(previous: u64, from: u64) {
    ENTRY_WALKS.with(|m| {
        if let Some(m) = m.borrow_mut().as_mut() {
            *m.entry((previous, from)).or_default() += 1;
        }
    })
}

/// Kernel: none; the C side of `Switches::whole_tagged_fold` (read on the OS
/// thread the checker runs the C code on).
#[no_mangle]
extern "C" fn daxk_tagged_whole() -> c_int {
    c_int::from(switches().whole_tagged_fold)
}

/// The radix era's second top of its wait loop (`DAXK_RADIX_QUEUED` in
/// `kernel/c/radix/radix_folds.h`): the return of prepare_to_wait_exclusive()
/// inside get_unlocked_mapping_entry(), the task queued.
const RADIX_QUEUED_TOP: u64 = 3;

/// The top of the radix era's grab_mapping_entry() loop, its `restart:` label
/// (`DAXK_RADIX_RESTART`, `c/radix/radix_folds.h`).
const RADIX_RESTART_TOP: u64 = 4;

/// For tests only: which TOWRITE marks behind a running writeback's walk the
/// worlds made on this OS thread leave out of the fingerprint
/// (`World::towrite_dead_if_done`).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TowriteBehind {
    /// None: every TOWRITE mark is state until the last such operation returns.
    Off,
    /// The rule: those behind the walk while the writeback is the last operation
    /// that is not a fault.
    Last,
    /// Those behind the walk however many such operations are left: an unsound
    /// widening (a later fsync's walk or write(2)'s invalidation reads them).
    Any,
}

/// For tests only: which DIRTY marks the fingerprint leaves out once they are
/// dead (`World::zero_dirty_rule`).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirtyDead {
    /// None: every DIRTY mark is state.
    Off,
    /// The rule: a zero entry's.
    Zero,
}

/// The [`Folds`] of the worlds made on threads that set none (`Switches::folds`):
/// [`Folds::Narrow`] unless `DAXLOCK_KERNEL_FOLDS` says otherwise
/// ([`folds_from_env`]).
static DEFAULT_FOLDS: RwLock<Folds> = RwLock::new(Folds::Narrow);

/// Reads `DAXLOCK_KERNEL_FOLDS` (`narrow`, `acquire` or `whole`; unset: `narrow`)
/// into the process's default [`Folds`], for benchmarks that compare the folds
/// on the command line (`daxlock-kernel` calls it first). An unknown value is an
/// error, and leaves the default as it was.
pub fn folds_from_env() -> Result<(), String> {
    let Ok(v) = std::env::var("DAXLOCK_KERNEL_FOLDS") else {
        return Ok(());
    };
    *DEFAULT_FOLDS.write() = match v.as_str() {
        "narrow" => Folds::Narrow,
        "acquire" => Folds::Acquire,
        "whole" => Folds::Whole,
        _ => {
            return Err(format!(
                "DAXLOCK_KERNEL_FOLDS={v:?}: expected narrow, acquire or whole"
            ))
        }
    };
    Ok(())
}

/// What a lockless read returns to C (`value`) and what the checker folds of it.
struct LocklessRead {
    value: u64,
    folded: (u64, u64),
}

impl std::hash::Hash for LocklessRead {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.folded.hash(h);
    }
}

/// The C page-table lock.
fn ptl() -> *mut CSpin {
    // Only its address is taken here; the C side and the hooks lock it.
    std::ptr::addr_of_mut!(daxk_ptl)
}

/// The id of the task running now (`current`), 0 outside one.
/// The pfn of the page whose lock is `lock` (4.13's hole pages), if it is one
/// and the page locks are one lock ([`PageLocks`]; else each its own).
fn page_lock_pfn(lock: *mut CSpin) -> Option<u64> {
    let pfn = unsafe { daxk_page_lock_pfn(lock) };
    (pfn != u64::MAX && switches().page_locks_as_one).then_some(pfn)
}

fn current_id() -> u32 {
    let me = unsafe { daxk_get_current() };
    if me.is_null() {
        0
    } else {
        unsafe { (*me).id }
    }
}

impl<B: Backend> World<B> {
    /// Runs `call`, a call into one of the tree's entry points (a fault handler,
    /// the writeback, an entry's delete, invalidate or lock), as a scope of the
    /// stateful checker whose result is what it returned ([`Backend::scope_begin`],
    /// [`Backend::scope_end`]): at its return the task's history is what it was at
    /// the call with only the return value folded, however the call got there (it
    /// slept or not, found the entry locked or not, retried its xarray walk...).
    ///
    /// Why that is enough: the entry points take their arguments by value (the
    /// `DaxkVma` they read is the caller's, unchanged), return one integer, and
    /// write nothing of the caller's; everything else they did is in the C state
    /// (the xarray, the C memory, the wait-table heads and the tasks' states),
    /// which the state holds, and in the model's page table and block map, which
    /// the state holds whole. Their own locals, which are what the history stood
    /// for while they ran, are gone at the return. `call` must be such a call and
    /// return such a value (a caller that reads a buffer the call filled is not
    /// one: `daxk_collect()`'s callers are not scoped). [`Folds::Whole`] keeps the
    /// whole history, for comparison.
    pub(crate) fn entry_point<R: std::hash::Hash>(&self, call: impl FnOnce() -> R) -> R {
        if self.folds == Folds::Whole {
            return call();
        }
        B::scope_begin();
        let r = call();
        if explain::explaining() {
            use std::hash::Hasher;
            let mut h = std::collections::hash_map::DefaultHasher::new();
            r.hash(&mut h);
            let h = h.finish();
            explain::note(|| format!("entry point returned (hash {h:#x})"));
        }
        B::scope_end(&r);
        r
    }

    /// Runs `f` under the page-table lock, as mm's page-table updates run under the
    /// PTE or PMD lock, unless the calling task holds it already (set_pmd_at() inside
    /// dax_pmd_load_hole()'s pmd_lock() section). One lock for both: the kernel's
    /// split PTE locks are finer, but DAX takes the PMD lock (pmd_lock()) only to
    /// install the huge zero page, which must exclude every other update of that
    /// 2 MiB, PTE or PMD.
    ///
    /// Under the stateful checker the section (the wait for the lock, `f`, and
    /// passing the wakeup on) is a scope whose result is `f`'s
    /// ([`Backend::scope_begin`]): every `f` is a page-table update of the model
    /// that captures only values (addresses, a PTE), writes nothing of the caller's
    /// and returns what the hook goes on with, so what `f` read to decide its
    /// writes (the model's page table, held whole by the state) is forgotten at
    /// the return, as the hooks' own doc says they fold only what they return.
    /// Inside the scope, a task that found the lock held folds that once: it
    /// decides whether the task passes the wakeup on, and the wait itself folds
    /// nothing ([`Backend::wait_until`]), so without it a task about to look at
    /// the lock and one woken to look again (then to notify) were one state with
    /// two futures (README: *Counts under `--jobs 2` on the kernel target*).
    fn under_ptl<R: std::hash::Hash>(&self, func: &str, f: impl Fn() -> R) -> R {
        let held = *self.ptl_owner.lock() == current_id();
        if held {
            return f();
        }
        // Taking the lock, updating and releasing it is one step of the checker:
        // `f` runs while the lock is free, under the mutex its holder flag lives in,
        // so no one takes the lock meanwhile (the same as lock, update, unlock, with
        // two scheduling points fewer).
        let _ = func;
        let l = self.lock_of(ptl());
        // The whole section is a scope whose result is `f`'s (see above): once the
        // wakeup is passed on, what the task goes on with is `r` alone.
        let scoped = self.folds != Folds::Whole;
        if scoped {
            B::scope_begin();
        }
        let waited = std::cell::Cell::new(false);
        let r = B::wait_until(&l.held, &l.cv, |held| {
            if *held {
                // Whether the task waited decides whether it passes the wakeup on
                // (below), and the wait itself folds nothing (`Backend::wait_until`):
                // fold it here, once (a task woken again and again stays the same
                // state), or a task about to look at the lock for the first time and
                // one woken to look again would be one state with two futures.
                if !waited.replace(true) && self.fingerprint && !switches().unfolded_ptl_wait {
                    B::scope_begin();
                    B::scope_end(&"waited for the page-table lock");
                }
                None
            } else {
                Some(f())
            }
        });
        // The unlock that let this task on woke one waiter, and this task leaves the
        // lock free: pass the wakeup on to the next.
        if waited.get() {
            B::notify_one(&l.cv);
        }
        if scoped {
            B::scope_end(&r);
        }
        r
    }

    /// A world over `mm`; `waiters` lists the variant's queued waiters; `threads`
    /// the scenario's threads (`t1` to `tN`, 0 if not known), whose C tasks it
    /// makes up front.
    ///
    /// `non_faults` is the scenario's count of operations that are not faults
    /// (`None`: not known, or the radix era): see [`World::non_fault_op_done`].
    pub fn new(
        mm: Arc<Mapping<B>>,
        heads: Heads,
        fail_allocs: bool,
        threads: usize,
        non_faults: Option<usize>,
    ) -> Self {
        let fingerprint = TypeId::of::<B>() == TypeId::of::<Stateful>();
        let memory = B::mutex(0);
        if fingerprint {
            explain::label_last("C memory (lockless reads)");
        }
        let locked = B::mutex(PageLockSet::default());
        if fingerprint {
            explain::label_last("hole-page locks");
        }
        let pages = PageLocks {
            locked,
            cv: B::broadcast_condvar(),
        };
        let world = World {
            mm,
            locks: Mutex::new(Vec::new()),
            pages,
            tasks: Mutex::new(Vec::new()),
            memory,
            fingerprint,
            cached: RunsCache::default(),
            cached_common: RunsCache::default(),
            cached_acquire: RunsCache::default(),
            cached_other: RunsCache::default(),
            heads,
            used_heads: Mutex::new(Vec::new()),
            ptl_owner: Mutex::new(0),
            non_faults_left: Mutex::new(if switches().towrite_always_dead {
                Some(0)
            } else {
                non_faults
            }),
            c_footprints: fingerprint && !switches().blind_footprints,
            wait_walk_unfolded: !switches().wait_walk_folded,
            walk_count_live: AtomicBool::new(true),
            folds: if fail_allocs {
                Folds::Whole
            } else {
                switches().folds.unwrap_or_else(|| *DEFAULT_FOLDS.read())
            },
        };
        // The checker's primitives are numbered in the order they are made, and
        // the state holds them in that order: made on first use, the tree's lock,
        // the page-table lock and the tasks' state words would be numbered by
        // whichever thread got there first (the page-table lock before or after a
        // wait-table head's, according as the first page-table update or the first
        // wait came first), and states that differ only in that would never meet.
        // A renaming of primitives carries nothing of the state, so this merges no
        // two states that differ. So these are made here, in one order: the tree's
        // lock, the page-table lock, then the scenario threads' C tasks in thread
        // order (`tN` gets id N whichever thread first calls into C). Only the
        // wait-table heads' locks (and 4.13's page locks, and main's task) are
        // still made on first use: their order can still tell apart states that
        // differ in nothing else.
        world.lock_of(unsafe { daxk_tree_lock() });
        world.lock_of(ptl());
        for n in 1..=threads {
            world.task_named(&format!("t{n}"));
        }
        world.towrite_dead_if_done();
        world
    }

    /// An operation of the scenario that is not a fault (fsync, truncate, write(2),
    /// memory failure) has returned: once they all have, the TOWRITE marks are
    /// dead and the fingerprint leaves them out (`daxk_set_towrite_dead()`,
    /// `kernel/c/common.c`).
    ///
    /// Why that is sound. A TOWRITE mark is read only by fs/dax.c's writeback
    /// (dax_writeback_mapping_range()'s walk over TOWRITE entries and
    /// dax_writeback_one()'s look at the mark) and its invalidation
    /// (__dax_invalidate_entry(), which keeps an entry that is DIRTY or TOWRITE):
    /// in 5.15.85, 6.1, 6.12 and 7.1.5 no other line of fs/dax.c reads a mark,
    /// and a fault only sets one (dax_insert_entry()'s DIRTY, and TOWRITE for a
    /// CoW). Only operations that are not faults reach those functions (fsync;
    /// write(2)'s invalidation; truncate and memory failure do not read the mark
    /// but are counted too). The xarray's own calls return entries, never a
    /// function of the marks, except the marked walks and `xas_get_mark()`,
    /// which only those functions call. The harness reads DIRTY only (the
    /// end-state checks' tree, `fsync-done`'s `left-dirty`); the driver's
    /// tag_pages_for_writeback() runs only inside fsync. So once every such
    /// operation has returned, no step of any thread, and no check, reads a
    /// TOWRITE mark again: two states that differ only in TOWRITE marks have the
    /// same futures and verdicts, and are one state. The count of returned
    /// operations is a function of the state (each thread's place in its
    /// operations is its history's), so the fingerprint stays one. For the
    /// partial-order reduction's footprints (module doc): a step that changes
    /// only a dead mark is no write of `memory`, and no later step reads it.
    /// DIRTY stays: the end-state checks read it, and so does the next
    /// tag_pages_for_writeback(). Not in the radix era (`None`), whose fault
    /// path is not argued here.
    pub(crate) fn non_fault_op_done(&self) {
        let mut left = self.non_faults_left.lock();
        if let Some(n) = left.as_mut() {
            *n = n.saturating_sub(1);
        }
        drop(left);
        self.towrite_dead_if_done();
    }

    /// Tells the C fingerprint that the TOWRITE marks are dead, if they are
    /// ([`World::non_fault_op_done`]), and whether one operation that is not a
    /// fault is left, for the marks behind the writeback's walk.
    ///
    /// The marks behind the walk (`daxk_towrite_mark_dead()`, `kernel/c/common.c`;
    /// the walk's position from `kernel/c/xa_folds.h`). While one operation that
    /// is not a fault is left and a writeback's walk over the TOWRITE entries
    /// (dax_writeback_mapping_range()) is running, that writeback is the one left:
    /// no write(2), truncate, memory failure or other fsync will run after it. Of
    /// the readers of a TOWRITE mark listed above, only this walk and its
    /// dax_writeback_one() remain. The walk reads marks at or after its xa_state's
    /// index: xas_find_marked()/xas_next_marked() look forward from it (back at
    /// most to the first index of the entry the index is in, when the index is on
    /// a sibling slot), the index only grows between them (xas_pause() moves it
    /// past the entry; xas_reset() and the waits keep it), and
    /// dax_writeback_one() reads the mark of the entry the walk is on. One xarray
    /// call reads marks to write marks: a store of a multi-order entry ORs the
    /// marks of the slots it covers into the entry (xas_squash_marks()), but
    /// fs/dax.c stores a PMD entry only into an empty range (a 4 KiB entry in it
    /// makes the PMD fault fall back) or over the entry of the same range (a zero
    /// PMD entry), so what it reads is the mark of an entry with the same end,
    /// dead exactly when the new one's is; a store of NULL clears marks. So the
    /// TOWRITE mark of an entry that ends below the index is read by no step of
    /// any thread, nor by a check (the harness reads DIRTY only): two states that
    /// differ only in such marks have the same futures. The walk's index is in
    /// the writeback task's history (its last marked walk's fold holds it), and
    /// the count of operations left is a function of the histories, so the
    /// fingerprint stays a function of the state; `driver.c`'s fsync takes the
    /// position away when the writeback returns. With two writebacks running at
    /// once the rule is off (two left) and one position may be the other's,
    /// which only keeps states apart: the narrowing needs a position and one
    /// operation left. Test: `towrite_marks_behind_the_walk_are_dead`
    /// (`kernel/tests/kernel_target.rs`; `Switches::towrite_behind`).
    fn towrite_dead_if_done(&self) {
        let left = *self.non_faults_left.lock();
        // The C memory's hash changes with no C code run: count it as one.
        if left == Some(0) {
            c_runs();
            unsafe { daxk_set_towrite_dead(1) };
        } else if left == Some(1) {
            c_runs();
            unsafe { daxk_set_towrite_last(1) };
        }
        let mode = match switches().towrite_behind {
            TowriteBehind::Off => 0,
            TowriteBehind::Last => 1,
            TowriteBehind::Any => 2,
        };
        unsafe { daxk_set_towrite_behind(mode) };
    }

    /// Tells the C fingerprint whether a zero entry's DIRTY mark may be left out
    /// once dead (`daxk_dirty_mark_dead()`, `kernel/c/common.c`): `faults_dirty`,
    /// every fault of the variant that runs marks DIRTY the entry it inserts or
    /// finds (6.1 unpatched: `READ_FAULTS_LEAVE_ENTRIES_CLEAN` false). Called once
    /// per execution, after the C globals are reset.
    ///
    /// Why that is sound. Dead means: a writeback's walk over the TOWRITE entries
    /// (dax_writeback_mapping_range()) has stepped while that writeback was the
    /// last operation of the scenario that is not a fault (the same fact as the
    /// marks behind the walk, [`World::towrite_dead_if_done`]); from then on no
    /// write(2), truncate, memory failure or other fsync runs, and this one's
    /// tag_pages_for_writeback() is behind it. Who reads a DIRTY mark: in
    /// fs/dax.c (5.15.85 to 7.1.5) only write(2)'s invalidation
    /// (__dax_invalidate_entry(); truncate's way there does not read marks) and,
    /// through the harness, tag_pages_for_writeback() at fsync's start: neither
    /// runs again (the rest of the writeback reads TOWRITE, and clears DIRTY, a
    /// write). The xarray's own reads of marks: the marked walks (those two), and
    /// a multi-order store's squash of the marks it covers, which fs/dax.c never
    /// does over a 4 KiB entry (a PMD fault falls back) and otherwise stores over
    /// the same range's entry. The harness: the end-state checks read DIRTY only
    /// where read faults leave entries clean (the spurious-dirty check; off under
    /// this truth) and under a writable mapping of storage (a zero entry has none:
    /// its mappings map the zero page); `fsync-done`'s `left-dirty` lists mapped
    /// entries only. What a later fault does with a zero entry: a 4 KiB fault on
    /// a PMD zero entry deletes it (xas_store() of NULL clears its marks); a fault
    /// that replaces it with storage stores over it, keeping its marks, and then
    /// sets DIRTY in the same hold of the xarray lock (under this truth every
    /// fault does), so the state after has DIRTY set either way; a fault that
    /// finds it keeps it and sets DIRTY. So two states that differ only in a dead
    /// zero entry's DIRTY mark have the same futures and verdicts. The fact is
    /// set under the xarray lock by the walk's own step (`daxk_towrite_walk_at()`)
    /// and only ever set, so the C state the fingerprint holds (taken at each
    /// unlock) is a function of the state as before: not the moment another
    /// operation returns, outside every lock (a rule keyed on that, tried, held
    /// one state as two according as an unlock came before or after the return,
    /// and its partial-order reduction disagreed with the full search). For the
    /// reduction's footprints: a step that changes only a dead mark is no write
    /// of `memory`, and no later step reads it. Not where read faults leave
    /// entries clean (6.12, `--patch clean-reads`, 5.15, 7.1.5): a read fault
    /// over a zero entry could carry its DIRTY mark into a storage entry without
    /// setting it. Test: `dead_zero_dirty_marks_merge_states`
    /// (`kernel/tests/kernel_target.rs`; `Switches::dirty_dead`).
    pub(crate) fn zero_dirty_rule(&self, faults_dirty: bool) {
        let fold = match switches().dirty_dead {
            DirtyDead::Off => 0,
            DirtyDead::Zero => 1,
        };
        c_runs();
        unsafe { daxk_set_zero_dirty(c_int::from(faults_dirty), fold) };
    }

    /// Tells the world how many file pages the scenario's VMAs map in all
    /// (`vma_pages`), which bounds the rounds of a writeback's walk over the
    /// TOWRITE entries (dax_writeback_mapping_range()): only faults insert
    /// entries, a fault only inserts at the index of a page its VMA maps or at
    /// that index aligned down to its PMD (also with `misaligned-pmd`), so fewer
    /// than `2 * vma_pages` indices ever hold an entry; each round of the walk
    /// visits an entry at a larger index than the round before (the walk only
    /// goes forward: `c/xa_folds.h`, `DAXK_TOWRITE_WALK`), so `scanned` stays
    /// below that, and where it is below `XA_CHECK_SCHED` (4,096) its
    /// `++scanned % XA_CHECK_SCHED` is never 0: the pause never runs and
    /// `scanned` is read for nothing else, so the walk's loop top leaves the
    /// count of rounds out ([`Hooks::walk_scope_top`]).
    /// Test: `the_writeback_walk_bound_folds_scanned_past_2048_pages`
    /// (`kernel/tests/kernel_target.rs`).
    pub(crate) fn writeback_walk_bound(&self, vma_pages: u64) {
        let live = writeback_walk_counts_rounds(vma_pages);
        WALK_BOUNDS.with(|m| {
            if let Some(m) = m.borrow_mut().as_mut() {
                m.bounds.insert((vma_pages, live));
            }
        });
        self.walk_count_live.store(live, Ordering::Relaxed);
    }

    /// Declares the C memory to the stateful checker (for its partial-order
    /// reduction): `memory` stands for it, and [`World::compute_c_state`] hashes all
    /// of it. Call it once the world is shared, before the execution's threads run.
    /// See the module doc, *Footprints of C steps*.
    pub fn declare_c_memory(world: &Arc<Self>) {
        if !world.c_footprints {
            return;
        }
        let w = Arc::downgrade(world);
        // The fingerprint's own cache: no C ran since it was computed, no change.
        B::external_state(
            &world.memory,
            Box::new(move || u128::from(w.upgrade().map_or(0, |w| w.c_state()))),
        );
    }

    fn lock_of(&self, lock: *mut CSpin) -> Arc<SpinLock<B>> {
        let mut locks = self.locks.lock();
        let c = unsafe { &mut *lock };
        if c.id == 0 || c.id as usize > locks.len() {
            let head = unsafe { (self.heads.head_of)(lock as *const c_void) };
            let guards = match u64::try_from(head) {
                Ok(head) => Guards::Head(head),
                Err(_) if std::ptr::eq(lock, ptl()) => Guards::PageTable,
                Err(_) if std::ptr::eq(lock, unsafe { daxk_tree_lock() }) => Guards::Memory,
                Err(_) => Guards::Pages,
            };
            let held = B::mutex(false);
            if self.fingerprint {
                explain::label_last(&format!("spinlock {guards:?}"));
            }
            locks.push(Arc::new(SpinLock {
                held,
                cv: B::condvar(),
                guards,
            }));
            c.id = locks.len() as u32;
            if let Guards::Head(head) = guards {
                let mut used = self.used_heads.lock();
                if let Err(at) = used.binary_search(&head) {
                    used.insert(at, head);
                }
            }
        }
        locks[c.id as usize - 1].clone()
    }

    /// The C state's fingerprint (0 when the backend keeps none).
    fn c_state(&self) -> u64 {
        if !self.fingerprint {
            return 0;
        }
        self.cached.get(|| self.compute_c_state())
    }

    /// What the acquirer of `l` folds into its history under the stateful checker:
    /// what the C code may read under the lock that it has not folded at another
    /// step (0 when the backend keeps no fingerprint).
    ///
    /// Why this is enough (the argument of [`Backend::observe`], per lock): after
    /// the acquire the task reads, until its next fold, only data the lock protects
    /// (no one else changes it while the task holds the lock, so its value at the
    /// acquire and the task's own writes determine it), data of locks it already
    /// holds (folded at their acquires, protected likewise), its own locals, and
    /// data it reads through a hook or a lockless read, which fold what they
    /// return. So at each lock it folds what the lock protects:
    ///
    /// - a **wait-table head**: the waiters queued on it. Under a head's lock the
    ///   C code (wait.c's queue and wake functions, the DAX wake function) reads
    ///   only that head's list and its entries (task, key, exclusive flag), the
    ///   waker's own key, and task states through `try_to_wake_up()`'s hook.
    /// - the **page-table lock**: nothing. The page table is the model's; the C
    ///   code under the lock (dax_pmd_load_hole()) reads it through `pmd_is()`
    ///   and writes it through `set_pmd_at()`, hooks that fold what they return.
    /// - any **other lock** (the xarray's, 4.13's tree_lock and page locks): the
    ///   C memory but the wait table and the task states. The C code reads a wait
    ///   list only under its head's lock or through `waitqueue_active()` and
    ///   `list_empty_careful()` (lockless reads), and never reads a task state:
    ///   the state word is the hook's backend mutex (`set_state()`, `schedule()`,
    ///   `try_to_wake_up()` fold what they read of it).
    ///
    /// With [`Folds::Narrow`] the xarray lock (xarray eras) folds less at its
    /// acquire, `daxk_acquire_hash()`: i_size, and in the 5.15 era the pages; the
    /// rest of what a section reads is folded where it is read. The reads under
    /// the xarray lock, and where each is folded:
    ///
    /// - **entries and marks**, read only through the xarray API. Every call
    ///   fs/dax.c (and the driver compiled with it, and daxlock's page-cache
    ///   walks in `common.c`) makes that hands back something (xas_load,
    ///   xas_store's old entry, xas_find_conflict, xas_get_mark, xas_find,
    ///   xas_next_entry, xas_find_marked, xas_next_marked) folds, at its return,
    ///   what it returned and the xa_state's index and error after it
    ///   (`kernel/c/xa_folds.h`, the `xa_read` hook). Inside such a call the
    ///   xarray reads nodes, slots, marks and counts, but the caller goes on with
    ///   the result alone; the node the xa_state is left pointing into is the
    ///   tree's shape, which no fold ever covered (the whole-state fold hashes
    ///   entries, never nodes: a call's result is a function of the entries and
    ///   marks and of the xa_state's index). xas_set_mark() and xas_clear_mark()
    ///   return nothing: what they read decides only what they write.
    /// - **nrpages**: fs/dax.c only adds to it and subtracts from it (5.15.85,
    ///   6.1, 6.12, 7.1.5), a read that decides only the write.
    /// - **page and folio fields**: after 5.15, dax_associate_entry(),
    ///   dax_disassociate_entry() and their helpers read them to decide what they
    ///   write and whether a WARN fires (the WARN is an event of that instant),
    ///   and leave the caller's locals as they were; dax_busy_page() and
    ///   dax_lock_page()/dax_lock_folio(), which hand a page or its index on, are
    ///   reached from no entry point. In 5.15 memory failure's dax_lock_page()
    ///   reads page->mapping and page->index under the lock into its locals, so
    ///   the acquire folds the pages there.
    /// - **i_size**: read outside the lock by the faults, under the model's
    ///   `i_mmap_sem`, whose value is i_size; folded at the acquire all the same.
    /// - **the allocation count** (`--fail-alloc`): such runs use [`Folds::Whole`].
    ///
    /// A read that decides only a write leaves nothing in the task's locals, and
    /// what it wrote is C memory, which the fingerprint holds (the hash `memory`
    /// keeps, taken at the last unlock, and the writes since, made by lock holders
    /// whose histories fold what decided them). [`Folds::Acquire`] folds the
    /// whole tree at the xarray lock's acquire, as before.
    ///
    /// The radix era (4.13) likewise, with its own calls: with [`Folds::Narrow`]
    /// its `tree_lock` folds `daxk_acquire_hash()`, i_size alone, and so does a
    /// hole page's lock ([`Guards::Pages`], `daxk_other_lock_hash()`). The
    /// reads under `tree_lock`, and where each is folded:
    ///
    /// - **entries and tags**, read only through lib/radix-tree.c. Every call
    ///   fs/dax.c and the driver compiled with it make that hands back something
    ///   the caller goes on with (`__radix_tree_lookup()`'s entry,
    ///   `radix_tree_deref_slot_protected()`'s, `__radix_tree_insert()`'s and
    ///   `__radix_tree_create()`'s error, `radix_tree_tag_get()`'s answer) folds
    ///   it at its return, canonically (a DAX entry as itself, a hole page as its
    ///   pfn, an internal entry as a marker: `kernel/c/radix/radix_folds.h`), as do
    ///   daxlock's own walks under the lock (`daxk_collect()`,
    ///   `daxk_collect_marked()`). The node and slot `__radix_tree_lookup()` hands
    ///   back are the tree's shape, which no fold covers (as above); what the
    ///   caller later reads through the slot it reads with
    ///   `radix_tree_deref_slot_protected()`, which folds it. The calls whose
    ///   result fs/dax.c drops or that return nothing (`radix_tree_delete()`,
    ///   `radix_tree_tag_set()`/`_clear()`, `radix_tree_replace_slot()`,
    ///   `__radix_tree_replace()`) read only to decide what they write, as do
    ///   `tag_pages_for_writeback()` and `__delete_from_page_cache()`'s lookup.
    /// - **nrpages and nrexceptional**: only added to and subtracted from under
    ///   the lock. dax_writeback_mapping_range() reads nrexceptional without the
    ///   lock and acts on it in the same step.
    /// - **the hole pages' fields** (mapping, index, flags, the reference count):
    ///   under `tree_lock` read only to decide writes (`get_page()`'s count;
    ///   `__delete_from_page_cache()` of a page the task holds locked, whose mapping
    ///   and index no one else changes meanwhile: they are written only under the
    ///   page's lock). Read into a branch only under the page's lock
    ///   (`page->mapping != mapping` after lock_page() in grab_mapping_entry() and
    ///   find_or_create_page()), which lock_page() folds itself (whether the
    ///   page is still in the mapping, `c/radix/radix_protos.h`). The allocator's
    ///   reads of them run in a lockless read, which folds what it returns.
    /// - **i_size**: as above.
    /// - **radix_tree_preload()'s nodes**: per task (`daxk_this_cpu_ptr()`), the
    ///   task's own locals.
    ///
    /// [`Folds::Acquire`] folds the whole tree at each of those acquires instead
    /// and the calls nothing: the radix era's fold before.
    ///
    /// Before, every acquire folded the whole C state ([`World::c_state`]): a
    /// task's history then took in every change any other task made anywhere (a
    /// waiter queued on another head, a task going to sleep), and states that
    /// differed only there never met. With [`Folds::Whole`] it still does.
    fn guarded(&self, l: &SpinLock<B>) -> u64 {
        self.guarded_by(l.guards)
    }

    /// [`World::guarded`] for a lock that guards `guards`.
    fn guarded_by(&self, guards: Guards) -> u64 {
        if !self.fingerprint {
            return 0;
        }
        if self.folds == Folds::Whole {
            return self.c_state();
        }
        match guards {
            Guards::Head(head) => {
                if explain::explaining() {
                    let w = waiters_of(self.heads, head);
                    explain::note(|| format!("head {head} waiters {w:?}"));
                }
                waiters_hash(self.heads, &[head])
            }
            Guards::PageTable => 0,
            Guards::Memory | Guards::Pages => {
                if explain::explaining() {
                    let tree = describe_tree();
                    explain::note(|| tree);
                }
                match (self.folds, guards) {
                    (Folds::Acquire, _) => self.common(),
                    (_, Guards::Pages) => self.other_lock_hash(),
                    _ => self.acquire_hash(),
                }
            }
        }
    }

    /// Tells the stateful checker's reduction that the step taking `l` reads the C
    /// memory (`memory` stands for it: see [`World::declare_c_memory`]) when what
    /// the acquire folds ([`World::guarded`]) is part of it: a lock of
    /// [`Guards::Memory`] or [`Guards::Pages`], or any lock with [`Folds::Whole`].
    fn reads_c_memory(&self, l: &SpinLock<B>) {
        self.reads_c_memory_by(l.guards);
    }

    /// Kernel: lock_page() of the hole page `pfn` by task `me` ([`PageLocks`]):
    /// sleeps while another task holds it; the acquire folds what any other
    /// lock's does ([`Guards::Pages`]).
    fn lock_page(&self, pfn: u64, me: u32) {
        B::wait_until(&self.pages.locked, &self.pages.cv, |set| {
            let waiting = set.waiting.binary_search(&(me, pfn));
            match set.locked.binary_search(&pfn) {
                Ok(_) => {
                    if let Err(at) = waiting {
                        set.waiting.insert(at, (me, pfn));
                    }
                    None
                }
                Err(at) => {
                    set.locked.insert(at, pfn);
                    if let Ok(w) = waiting {
                        set.waiting.remove(w);
                    }
                    Some(self.guarded_by(Guards::Pages))
                }
            }
        });
        self.reads_c_memory_by(Guards::Pages);
    }

    /// Kernel: unlock_page() of the hole page `pfn` ([`PageLocks`]): no
    /// scheduling point, as any lock's release; if a task waits for a page, every
    /// sleeper is woken (a notify, a scheduling point of its own).
    fn unlock_page(&self, pfn: u64) {
        if self.fingerprint {
            let h = self.c_state();
            B::release(&self.memory, |m| *m = h, None);
        }
        let waiters = std::cell::Cell::new(false);
        B::release(
            &self.pages.locked,
            |set| {
                set.locked.retain(|&p| p != pfn);
                waiters.set(!set.waiting.is_empty());
            },
            None,
        );
        if waiters.get() {
            B::notify_all(&self.pages.cv);
        }
    }

    /// [`World::reads_c_memory`] for a lock that guards `guards`.
    fn reads_c_memory_by(&self, guards: Guards) {
        let memory = matches!(guards, Guards::Memory | Guards::Pages);
        if self.c_footprints && (memory || self.folds == Folds::Whole) {
            B::reads_external(&self.memory);
        }
    }

    /// `daxk_common_hash()`, walked again only after C code ran ([`RunsCache`]).
    fn common(&self) -> u64 {
        self.cached_common.get(|| unsafe { daxk_common_hash() })
    }

    /// `daxk_acquire_hash()` (i_size, and 5.15's pages), likewise.
    fn acquire_hash(&self) -> u64 {
        self.cached_acquire.get(|| unsafe { daxk_acquire_hash() })
    }

    /// `daxk_other_lock_hash()` (i_size), likewise.
    fn other_lock_hash(&self) -> u64 {
        self.cached_other.get(|| unsafe { daxk_other_lock_hash() })
    }

    fn compute_c_state(&self) -> u64 {
        let tasks: Vec<(u32, u32)> = self
            .tasks
            .lock()
            .iter()
            .map(|t| (t.c.id, t.c.state))
            .collect();
        let used = self.used_heads.lock().clone();
        let queued = waiters_hash(self.heads, &used);
        if CHECK_HEADS.load(Ordering::Relaxed) {
            let all: Vec<u64> = (0..WAIT_TABLE_HEADS).collect();
            assert_eq!(
                queued,
                waiters_hash(self.heads, &all),
                "a waiter is queued on a wait-table head whose lock was not taken"
            );
            if queued != waiters_hash(self.heads, &[]) {
                WAITER_FINGERPRINTS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let mut h = self.common() ^ queued.rotate_left(17);
        for (id, st) in tasks {
            h = h.wrapping_mul(0x100000001b3) ^ (u64::from(id) << 32 | u64::from(st));
        }
        h
    }

    /// The C task of the model thread running now, made on its first call. The
    /// caller sets it as `current` before calling into C.
    pub fn enter(&self, op: KOp) -> *mut CTask {
        let name = B::thread_name().unwrap_or_else(|| "main".to_owned());
        let t = self.task_named(&name);
        *t.op.lock() = op;
        let p = &*t.c as *const CTask as *mut CTask;
        unsafe { daxk_set_current(p) };
        p
    }

    /// The C task of the thread named `name`, made (running, in no operation yet)
    /// if it has none.
    fn task_named(&self, name: &str) -> Arc<Task<B>> {
        let mut tasks = self.tasks.lock();
        match tasks.iter().find(|t| t.name == name) {
            Some(t) => t.clone(),
            None => {
                let id = tasks.len() as u32 + 1;
                let state = B::mutex(TASK_RUNNING);
                if self.fingerprint {
                    explain::label_last(&format!("task state {name}"));
                }
                let t = Arc::new(Task {
                    name: name.to_owned(),
                    op: Mutex::new(KOp::Other),
                    state,
                    cv: B::condvar(),
                    c: Box::new(CTask {
                        state: TASK_RUNNING,
                        id,
                        comm: std::ptr::null(),
                    }),
                    in_wait: AtomicBool::new(false),
                    in_grab: AtomicBool::new(false),
                    walk_from: std::sync::atomic::AtomicU64::new(0),
                    in_writeback_walk: AtomicBool::new(false),
                    walk_tops: std::sync::atomic::AtomicU64::new(0),
                });
                tasks.push(t.clone());
                t
            }
        }
    }

    /// The operation the running task is in (read before any scheduling point:
    /// another task sets `current` while this one waits).
    fn op(&self) -> KOp {
        let me = unsafe { daxk_get_current() };
        self.task_of(me).map_or(KOp::Other, |t| *t.op.lock())
    }

    /// The model branch a hook called from kernel function `func` during `op`
    /// shows was taken, if any: the hook sites of [`VISIBLE_BRANCHES`] and
    /// [`RADIX_ONLY_BRANCHES`].
    fn branch_at(op: KOp, hook: &str, func: &str) -> Option<Branch> {
        let wait = matches!(
            func,
            "get_unlocked_entry"
                | "get_next_unlocked_entry"
                | "wait_entry_unlocked_exclusive"
                | "get_unlocked_mapping_entry"
        );
        Some(match (hook, func, op) {
            ("sleep", _, KOp::Fault) if wait => Branch::GrabWait,
            ("sleep", _, KOp::Fsync) if wait => Branch::WritebackWait,
            ("sleep", _, KOp::Truncate | KOp::Write) if wait => Branch::InvalidateWait,
            ("sleep", "wait_entry_unlocked", KOp::MemoryFailure) => Branch::LockEntryWait,
            ("unmap", "grab_mapping_entry", _) => Branch::GrabDowngradeZero,
            ("unmap", "dax_insert_entry", _) => Branch::InsertOverZero,
            ("flush", "dax_writeback_one", _) => Branch::WritebackDirty,
            ("pmd-huge", "dax_iomap_pte_fault", _) => Branch::PteRecheckHuge,
            ("pmd-table", "dax_iomap_pmd_fault", _) => Branch::PmdRecheckPteTable,
            ("pmd-taken", "dax_pmd_load_hole", _) => Branch::PmdLoadHoleBusy,
            // 4.13's WARNs: the seed's, and an unlock of an entry not locked.
            ("warn", "dax_insert_mapping_entry", _) => Branch::InsertWarn,
            ("warn", "dax_unlock_mapping_entry", _) => Branch::PutNoLockedEntry,
            // wp_page_copy() is mm's copy of a private PTE (the radix era's driver),
            // not dax_iomap_pte_fault()'s cow_page.
            ("cow", f, _) if f != "wp_page_copy" => Branch::PteCow,
            ("split", _, _) => Branch::SplitHugePmd,
            _ => return None,
        })
    }

    /// Reports the branch hook `hook` at `func` shows, if any.
    fn visit_at(&self, op: KOp, hook: &str, func: &str) {
        if let Some(b) = Self::branch_at(op, hook, func) {
            self.mm.visit(b);
        }
    }

    /// A kernel `WARN_ON` or `BUG_ON` (`what`) that fired at `at` (`place()`'s
    /// `file:line`, or the shim that stands for the kernel code): a `warn` event,
    /// and the model branch the WARN's site shows, if any.
    fn kernel_warning(&self, what: &str, cond: &str, func: &str, at: &str) {
        self.visit_at(self.op(), "warn", func);
        self.event(
            "warn",
            vec![(
                "kernel",
                Value::from(format!("{what} at {func}() {at}: {cond}")),
            )],
        );
    }

    fn task_of(&self, p: *mut CTask) -> Option<Arc<Task<B>>> {
        self.tasks
            .lock()
            .iter()
            .find(|t| std::ptr::eq(&*t.c, p))
            .cloned()
    }

    fn event(&self, name: &'static str, fields: Vec<(&'static str, Value)>) {
        self.mm.observe(name, || fields);
    }

    /// Reports what an insert hook did: `None` is the kernel's BUG `below_huge`; a
    /// mkwrite over another pfn is insert_pfn()'s WARN; a refused install (-EBUSY)
    /// is a `busy` event; an install or mkwrite is the `map-pte`/`map-pmd` event.
    fn installed(
        &self,
        done: Option<Install>,
        event: &'static str,
        addr: u64,
        pfn: u64,
        func: &str,
        below_huge: &str,
    ) {
        match done {
            None => self.kernel_warning("WARN_ON", below_huge, func, MM_SHIM),
            Some(Install::OtherPfn) => self.kernel_warning(
                "WARN_ON",
                if event == "map-pte" {
                    "insert_pfn(): mkwrite over a PTE of another pfn"
                } else {
                    "insert_pfn_pmd(): mkwrite over a PMD of another pfn"
                },
                func,
                MM_SHIM,
            ),
            Some(Install::Busy) => self.event(
                "busy",
                vec![
                    ("addr", Value::from(addr)),
                    ("pfn", Value::from(pfn)),
                    ("in", Value::from(func.to_owned())),
                ],
            ),
            Some(Install::Installed | Install::MadeWritable) => self.event(
                event,
                vec![
                    ("addr", Value::from(addr)),
                    ("pfn", Value::from(pfn)),
                    ("in", Value::from(func.to_owned())),
                ],
            ),
        }
    }
}

impl<B: Backend> Hooks for World<B> {
    fn spin_lock(&self, lock: *mut CSpin, func: &str) {
        if self.fingerprint {
            explain::note(|| format!("spin_lock in {func}"));
        }
        // Read before the wait: another task runs meanwhile and sets `current`.
        let me = current_id();
        if let Some(pfn) = page_lock_pfn(lock) {
            return self.lock_page(pfn, me);
        }
        let l = self.lock_of(lock);
        // The value folds into this task's history under the stateful checker: the
        // C state it may read from here on that no other step folds.
        B::wait_until(&l.held, &l.cv, |held| {
            if *held {
                None
            } else {
                *held = true;
                Some(self.guarded(&l))
            }
        });
        if std::ptr::eq(lock, ptl()) {
            *self.ptl_owner.lock() = me;
        }
        self.reads_c_memory(&l);
    }

    fn spin_unlock(&self, lock: *mut CSpin, _func: &str) {
        if let Some(pfn) = page_lock_pfn(lock) {
            return self.unlock_page(pfn);
        }
        let l = self.lock_of(lock);
        if std::ptr::eq(lock, ptl()) {
            *self.ptl_owner.lock() = 0;
        }
        // No scheduling point under the stateful checker (a release is a left
        // mover): the C state as the unlock leaves it goes to `memory` (what the
        // fingerprint holds of it), then the lock is free and one waiter woken.
        if self.fingerprint {
            let h = self.c_state();
            B::release(&self.memory, |m| *m = h, None);
        }
        B::release(&l.held, |held| *held = false, Some(&l.cv));
    }

    fn spin_trylock(&self, lock: *mut CSpin, _func: &str) -> bool {
        if let Some(pfn) = page_lock_pfn(lock) {
            let taken = B::locked(&self.pages.locked, |set| {
                match set.locked.binary_search(&pfn) {
                    Ok(_) => false,
                    Err(at) => {
                        set.locked.insert(at, pfn);
                        true
                    }
                }
            });
            if taken {
                self.reads_c_memory_by(Guards::Pages);
            }
            return taken;
        }
        let l = self.lock_of(lock);
        let taken = B::locked(&l.held, |held| !std::mem::replace(held, true));
        if taken && std::ptr::eq(lock, ptl()) {
            *self.ptl_owner.lock() = current_id();
        }
        if taken {
            self.reads_c_memory(&l);
        }
        taken
    }

    fn set_state(&self, state: u32, _func: &str) {
        let me = unsafe { daxk_get_current() };
        let t = self
            .task_of(me)
            .expect("set_current_state() by a task the world knows");
        B::locked(&t.state, |s| *s = state);
        unsafe { (*me).state = state };
        c_runs();
    }

    fn schedule(&self, func: &str) {
        let me = unsafe { daxk_get_current() };
        let t = self
            .task_of(me)
            .expect("schedule() by a task the world knows");
        // Reaching schedule() in an entry wait means the entry was found locked.
        self.visit_at(*t.op.lock(), "sleep", func);
        // One step, not two: whether the task found itself woken already (a waker
        // ran between its set_current_state() and here) is seen inside the wait,
        // which folds only that it returned. schedule() returns nothing to the C
        // code and leaves the task running either way, so whether it slept is not
        // part of its state (only the trace's `sleep`/`woken` events show it); a
        // separate read of it would fold it into the task's history, and states
        // that differ in it alone would never merge.
        let slept = std::cell::Cell::new(None::<bool>);
        B::wait_until(&t.state, &t.cv, |s| {
            if slept.get().is_none() {
                slept.set(Some(*s != TASK_RUNNING));
                if *s != TASK_RUNNING {
                    self.event("sleep", vec![("in", Value::from(func.to_owned()))]);
                }
            }
            (*s == TASK_RUNNING).then_some(())
        });
        let asleep = slept.get() == Some(true);
        unsafe { (*me).state = TASK_RUNNING };
        c_runs();
        if asleep {
            self.event("woken", vec![("in", Value::from(func.to_owned()))]);
        }
    }

    fn try_to_wake_up(&self, task: *mut CTask, mask: u32, func: &str) -> bool {
        let Some(t) = self.task_of(task) else {
            return false;
        };
        if self.fingerprint {
            let by = func.to_owned();
            explain::note(|| format!("wake of {} by {by}", t.name));
        }
        let woke = B::locked(&t.state, |s| {
            if *s & mask != 0 {
                *s = TASK_RUNNING;
                true
            } else {
                false
            }
        });
        if woke {
            unsafe { (*task).state = TASK_RUNNING };
            c_runs();
            B::notify_all(&t.cv);
            self.event(
                "wake",
                vec![
                    ("task", Value::from(t.name.clone())),
                    ("by", Value::from(func.to_owned())),
                ],
            );
        }
        woke
    }

    fn lockless(&self, _what: &str, _func: &str, read: ReadFn, ctx: *mut c_void) -> u64 {
        // A scheduling point (a read of `memory`, which every unlock that changes
        // the C state changes); under the stateful checker the reader's history
        // folds what it read, and nothing else of the C state: the C code goes on
        // with that value alone (each caller's `read` returns all of it).
        B::observe(&self.memory, || {
            let value = unsafe { read(ctx) };
            if self.fingerprint {
                explain::note(|| format!("lockless {_what} in {_func}: {value:#x}"));
            }
            let folded = match self.folds {
                Folds::Whole => (value, self.c_state()),
                _ => (value, 0),
            };
            LocklessRead { value, folded }
        })
        .value
    }

    fn warn(&self, cond: &str, func: &str, file: &str, line: i32) {
        self.kernel_warning("WARN_ON", cond, func, &place(file, line))
    }

    fn bug(&self, cond: &str, func: &str, file: &str, line: i32) {
        self.kernel_warning("BUG_ON", cond, func, &place(file, line))
    }

    fn pmd_is(&self, addr: u64, huge: bool, func: &str) -> bool {
        let op = self.op();
        // The C code goes on with the answer to its question alone (pmd_none() is
        // the same for a huge mapping and a PTE table, pmd_trans_huge() for none
        // and a table), so that is what the task folds; what the PMD holds goes to
        // the branch visits only ([`Unhashed`]).
        let (answer, Unhashed(state)) = B::locked(self.mm.page_table_lock(), |pt| {
            let state = if pt.has_huge(addr) {
                1
            } else if pt.pmd_none(addr) {
                0
            } else {
                2
            };
            (state == i32::from(huge), Unhashed(state))
        });
        match state {
            1 => self.visit_at(op, "pmd-huge", func),
            2 => self.visit_at(op, "pmd-table", func),
            _ => {}
        }
        if state != 0 {
            self.visit_at(op, "pmd-taken", func);
        }
        answer
    }

    fn insert_pte(&self, addr: u64, pfn: u64, write: bool, func: &str) -> u32 {
        // Kernel: insert_pfn() (mm/memory.c) under the PTE lock: mm's own rules
        // (PageTable::insert_pfn): a present PTE stays unless this is a mkwrite of
        // its pfn (-EBUSY, which the fault returns as VM_FAULT_NOPAGE).
        let target = if pfn == ZERO_PFN {
            PteTarget::Zero
        } else {
            PteTarget::Frame(pfn)
        };
        let pte = Pte {
            target,
            writable: write,
        };
        // What the insert did goes to the trace only: the C code goes on with
        // VM_FAULT_NOPAGE whatever it was ([`Unhashed`]).
        let Unhashed(done) = self.under_ptl(func, || {
            B::locked(self.mm.page_table_lock(), |pt| {
                Unhashed(if pt.has_huge(addr) {
                    None
                } else {
                    Some(pt.insert_pfn(addr, pte))
                })
            })
        });
        self.installed(
            done,
            "map-pte",
            addr,
            pfn,
            func,
            "a PTE insert below a huge PMD (get_locked_pte() BUGs)",
        );
        VM_FAULT_NOPAGE
    }

    fn insert_pmd(&self, addr: u64, pfn: u64, write: bool, func: &str) -> u32 {
        // Kernel: insert_pfn_pmd() (mm/huge_memory.c) under the PMD lock: a PMD that
        // is not none (a huge mapping, or a PTE table) stays unless this is a mkwrite
        // of its pfn (PageTable::insert_pfn_pmd's rules for a huge one).
        let base = addr & !(daxlock::dax::units::PMD_SIZE - 1);
        let target = if pfn == HUGE_ZERO_PFN {
            PteTarget::Zero
        } else {
            PteTarget::Frame(pfn)
        };
        let pte = Pte {
            target,
            writable: write,
        };
        // As insert_pte(): the result goes to the trace only ([`Unhashed`]).
        let Unhashed(done) = self.under_ptl(func, || {
            B::locked(self.mm.page_table_lock(), |pt| {
                Unhashed(if !pt.pmd_none(base) && !pt.has_huge(base) {
                    Some(Install::Busy)
                } else {
                    Some(pt.insert_pfn_pmd(base, pte))
                })
            })
        });
        self.installed(done, "map-pmd", base, pfn, func, "");
        VM_FAULT_NOPAGE
    }

    fn set_huge_zero(&self, addr: u64, func: &str) {
        // Kernel: set_pmd_at() in dax_pmd_load_hole(), which holds pmd_lock() and
        // has seen pmd_none().
        let base = addr & !(daxlock::dax::units::PMD_SIZE - 1);
        self.under_ptl(func, || {
            B::locked(self.mm.page_table_lock(), |pt| {
                pt.set_huge(
                    base,
                    Pte {
                        target: PteTarget::Zero,
                        writable: false,
                    },
                )
            })
        });
        self.event(
            "map-pmd",
            vec![
                ("addr", Value::from(base)),
                ("target", Value::from("zero")),
                ("in", Value::from(func.to_owned())),
            ],
        );
    }

    fn split_huge_pmd(&self, addr: u64, func: &str) {
        // Kernel: __split_huge_pmd() zaps a DAX huge mapping (file-backed), under
        // pmd_lock().
        let op = self.op();
        // Whether there was a huge mapping to zap is a branch visit only: the C
        // function returns nothing ([`Unhashed`]).
        let Unhashed(split) = self.under_ptl(func, || {
            B::locked(self.mm.page_table_lock(), |pt| {
                let huge = pt.has_huge(addr);
                pt.clear_huge(addr);
                Unhashed(huge)
            })
        });
        if split {
            self.visit_at(op, "split", func);
        }
    }

    fn unmap(&self, first: u64, nr: u64, func: &str) {
        // Kernel: unmap_mapping_pages() zaps under the page-table locks.
        self.visit_at(self.op(), "unmap", func);
        self.under_ptl(func, || self.mm.unmap_range(first, nr));
    }

    fn mkclean(&self, first: u64, nr: u64, func: &str) {
        // Kernel: pfn_mkclean_range() write-protects under the page-table locks.
        self.under_ptl(func, || self.mm.write_protect_range(first, nr));
    }

    fn finish_cow(&self, addr: u64, func: &str) -> u32 {
        // Kernel: finish_fault() maps the private copy, under the PTE lock.
        self.visit_at(self.op(), "cow", func);
        self.under_ptl(func, || {
            B::locked(self.mm.page_table_lock(), |pt| {
                pt.set_pte(
                    addr,
                    Pte {
                        target: PteTarget::Anon,
                        writable: true,
                    },
                )
            })
        });
        self.event(
            "map-pte",
            vec![
                ("addr", Value::from(addr)),
                ("target", Value::from("anon")),
                ("in", Value::from(func.to_owned())),
            ],
        );
        0
    }

    fn flush(&self, addr: u64, size: u64, func: &str) {
        // Kernel: dax_flush() of page_address(pfn_to_page(pfn)), which the shim makes
        // KADDR_BASE + pfn * 4096.
        let Some(frame) = addr.checked_sub(KADDR_BASE).map(|a| a >> 12) else {
            self.kernel_warning(
                "WARN_ON",
                "dax_flush() of an address no page_address() gave",
                func,
                "kernel/src/world.rs (daxlock's dax_flush() hook)",
            );
            return;
        };
        self.visit_at(self.op(), "flush", func);
        self.mm.record_flush(frame, size.div_ceil(4096));
    }

    fn alloc_failed(&self, nth: u32, gfp: u32) {
        // GFP_KERNEL is the shim's 0x1: xas_nomem()'s sleeping allocation; else the
        // GFP_NOWAIT one under the xarray lock (xas_alloc()).
        let how = if gfp & 1 != 0 { "kernel" } else { "nowait" };
        self.event(
            "alloc-fail",
            vec![
                ("n", Value::from(u64::from(nth))),
                ("gfp", Value::from(how)),
            ],
        );
    }

    fn iomap_begin(
        &self,
        pos: i64,
        len: u64,
        write: bool,
        addr: &mut u64,
        length: &mut u64,
        kind: &mut c_int,
    ) -> c_int {
        const IOMAP_HOLE: i32 = 0;
        const IOMAP_MAPPED: i32 = 2;
        let index = (pos as u64) >> 12;
        let pages = (len >> 12).max(1);
        (*addr, *length, *kind) = match self.mm.iomap(index, pages, write) {
            Block::Hole => (0, len, IOMAP_HOLE),
            Block::Mapped { frame } => (frame << 12, len, IOMAP_MAPPED),
            // Part hole, part blocks: ext4 would map less than asked, which the PMD
            // fault takes as a fallback.
            Block::Mixed => (0, 4096, IOMAP_HOLE),
        };
        0
    }

    fn pte_target(&self, addr: u64, _func: &str) -> i32 {
        self.pte_target_of(addr)
    }

    fn pte_mkwrite(&self, addr: u64, func: &str) {
        self.pte_mkwrite_at(addr, func)
    }

    /// Kernel: entry to __wake_up(), prepare_to_wait_exclusive() or finish_wait()
    /// from fs/dax.c (`kernel/c/scopes.h`, which argues why each call leaves
    /// nothing of what it read in the caller's locals and fs/dax.c uses none of
    /// their results): a [`Backend::scope_begin`], so that at the call's return
    /// the task's history goes back to what it was here (`()` folded). What the
    /// call read (the head's waiters at its lock, whether a wake found its task
    /// asleep, whether finish_wait() found the entry still queued) changed only
    /// the C state, which the state holds through `memory` and the locks' values.
    /// [`Folds::Whole`] keeps the whole history, for comparison.
    fn scope_begin(&self) {
        if self.folds != Folds::Whole {
            B::scope_begin();
        }
    }

    /// Kernel: the return of the call [`Hooks::scope_begin`] entered.
    fn scope_end(&self) {
        if self.folds != Folds::Whole {
            B::scope_end(&());
        }
    }

    /// Kernel: the entry to get_unlocked_entry() (or 7.1's
    /// get_next_unlocked_entry(), wait_entry_unlocked_exclusive()): a scope
    /// (`c/xa_folds.h` argues it), within which the task's xarray walks and loads
    /// are the tops of the wait's loop ([`Hooks::entry_scope_top`]).
    fn entry_scope_begin(&self) {
        if let Some(t) = self.task_of(unsafe { daxk_get_current() }) {
            t.in_wait.store(true, Ordering::Relaxed);
            t.walk_from.store(0, Ordering::Relaxed);
        }
        if self.folds != Folds::Whole {
            B::scope_begin();
        }
    }

    /// Kernel: an xarray walk or load about to run, from a reset xa_state
    /// (`from` 1) or from where the xa_state is (2). Inside a wait for an unlocked
    /// entry it is the top of the wait's loop (`xas_find_conflict()` in
    /// get_unlocked_entry(), `xas_load()` at the end of 7.1's
    /// wait_entry_unlocked_exclusive()), where what the task goes on with is the
    /// call's arguments and the xa_state: its history goes back to the wait's
    /// opening with `from` folded ([`Backend::scope_again`]), however many times
    /// it went round (`c/xa_folds.h`). Not with [`Folds::Whole`] (no scope).
    /// The radix era (4.13) has two tops in get_unlocked_mapping_entry(): its
    /// `__radix_tree_lookup()` (`from` 1: it always walks from the root) and the
    /// return of its prepare_to_wait_exclusive() (`from` 3, the task queued;
    /// `c/radix/radix_folds.h` argues both).
    fn entry_scope_top(&self, from: u64) {
        if from == RADIX_QUEUED_TOP && !switches().queued_loop_top {
            return;
        }
        let Some(t) = self.task_of(unsafe { daxk_get_current() }) else {
            return;
        };
        if from == RADIX_RESTART_TOP {
            // grab_mapping_entry()'s `restart:`, outside its wait.
            if !switches().grab_scope
                || !t.in_grab.load(Ordering::Relaxed)
                || t.in_wait.load(Ordering::Relaxed)
                || self.folds == Folds::Whole
            {
                return;
            }
            if explain::explaining() {
                explain::note(|| "grab_mapping_entry restart".to_owned());
            }
            B::scope_again(&from);
            return;
        }
        if !t.in_wait.load(Ordering::Relaxed) {
            return;
        }
        record_entry_walk(t.walk_from.swap(from, Ordering::Relaxed), from);
        if self.folds == Folds::Whole {
            return;
        }
        if explain::explaining() {
            explain::note(|| format!("wait loop top, walk from {from}"));
        }
        match switches().entry_scope_result {
            EntryScopeResult::Whole => B::scope_again(&from),
            _ => B::scope_again(&()),
        }
    }

    /// Kernel: the return of the wait [`Hooks::entry_scope_begin`] entered: the
    /// scope's result is the entry it returned, the xa_state's index and where its
    /// last walk started (reset, in place, or no walk: 0): sleeps inside, however
    /// many, are forgotten.
    fn entry_scope_end(&self, value: u64, index: u64) {
        let from = self.task_of(unsafe { daxk_get_current() }).map_or(0, |t| {
            t.in_wait.store(false, Ordering::Relaxed);
            t.walk_from.load(Ordering::Relaxed)
        });
        if explain::explaining() {
            explain::note(|| format!("wait returned {value:#x} at {index:#x}, walk from {from}"));
        }
        match (self.folds, switches().entry_scope_result) {
            (Folds::Whole, _) => {}
            (_, EntryScopeResult::Whole) => B::scope_end(&(value, index, from)),
            (_, EntryScopeResult::WithoutWalkStart) => B::scope_end(&(value, index)),
            (_, EntryScopeResult::Nothing) => B::scope_end(&()),
        }
    }

    /// Kernel: dax_writeback_mapping_range()'s walk over the TOWRITE entries
    /// begins (its `xas_find_marked()` is about to run): a scope
    /// (`c/xa_folds.h` argues it) whose loop top is each `xas_next_marked()`
    /// ([`Hooks::walk_scope_top`]) and which the harness's fsync closes
    /// ([`Hooks::walk_scope_end`]). Off with `Switches::writeback_walk_scope`
    /// (tests) and with [`Folds::Whole`] (no scope).
    fn walk_scope_begin(&self) {
        if !switches().writeback_walk_scope || self.folds == Folds::Whole {
            return;
        }
        let Some(t) = self.task_of(unsafe { daxk_get_current() }) else {
            return;
        };
        t.in_writeback_walk.store(true, Ordering::Relaxed);
        t.walk_tops.store(0, Ordering::Relaxed);
        B::scope_begin();
    }

    /// Kernel: the top of dax_writeback_mapping_range()'s loop over the TOWRITE
    /// entries: its `xas_find_marked()` or an `xas_next_marked()` has returned
    /// `value` (canonically), the
    /// xarray lock held. What the writeback goes on with there is the opening's
    /// (its arguments), the entry, the xa_state (`shape`, `index`:
    /// `daxk_xas_shape()`) and `scanned`, the tops met so far less one, where it can
    /// reach `XA_CHECK_SCHED` ([`World::writeback_walk_bound`]; `ret` is 0 at
    /// every top); once the walk found nothing (`value` 0) only the entry, the
    /// end of the loop. The history goes back to the walk's opening with those
    /// folded ([`Backend::scope_again`]), so what the rounds before met (an
    /// entry found locked and skipped, or written back; which entries the walk
    /// visited) is forgotten (`c/xa_folds.h` argues it). Test:
    /// `the_writeback_walk_scope_merges_states` (`kernel/tests/kernel_target.rs`).
    fn walk_scope_top(&self, shape: u64, index: u64, value: u64) {
        let Some(t) = self.task_of(unsafe { daxk_get_current() }) else {
            return;
        };
        if !t.in_writeback_walk.load(Ordering::Relaxed) {
            return;
        }
        let tops = t.walk_tops.fetch_add(1, Ordering::Relaxed) + 1;
        if value == 0 {
            if explain::explaining() {
                explain::note(|| "writeback walk over".to_owned());
            }
            B::scope_again(&0u64);
            return;
        }
        if explain::explaining() {
            explain::note(|| {
                format!("writeback walk top {tops}: {value:#x} at {index:#x} ({shape:#x})")
            });
        }
        let tops = if self.walk_count_live.load(Ordering::Relaxed) {
            tops
        } else {
            0
        };
        WALK_BOUNDS.with(|m| {
            if let Some(m) = m.borrow_mut().as_mut() {
                m.most_rounds_folded = m.most_rounds_folded.max(tops);
            }
        });
        B::scope_again(&(tops, shape, index, value));
    }

    /// Kernel: the writeback whose walk [`Hooks::walk_scope_begin`] opened
    /// returned `ret` (the harness's fsync): the scope ends with `ret` folded,
    /// all the fsync goes on with. Nothing if no walk scope is open (the
    /// writeback returned before its walk: nothing to write back).
    fn walk_scope_end(&self, ret: i32) {
        let Some(t) = self.task_of(unsafe { daxk_get_current() }) else {
            return;
        };
        if t.in_writeback_walk.swap(false, Ordering::Relaxed) {
            B::scope_end(&ret);
        }
    }

    /// Kernel: the entry to the radix era's grab_mapping_entry(): a scope
    /// (`c/radix/radix_folds.h` argues it) whose loop top is its `restart:`
    /// label ([`Hooks::entry_scope_top`] with `DAXK_RADIX_RESTART`).
    fn grab_scope_begin(&self) {
        if !switches().grab_scope {
            return;
        }
        if let Some(t) = self.task_of(unsafe { daxk_get_current() }) {
            t.in_grab.store(true, Ordering::Relaxed);
        }
        if self.folds != Folds::Whole {
            B::scope_begin();
        }
    }

    /// Kernel: the return of grab_mapping_entry(): the scope's result is the
    /// entry it returned (canonically), however often it restarted.
    fn grab_scope_end(&self, value: u64) {
        if !switches().grab_scope {
            return;
        }
        if let Some(t) = self.task_of(unsafe { daxk_get_current() }) {
            t.in_grab.store(false, Ordering::Relaxed);
        }
        if self.folds == Folds::Whole {
            return;
        }
        if explain::explaining() {
            explain::note(|| format!("grab returned {value:#x}"));
        }
        B::scope_end(&value);
    }

    /// Kernel: the return of an xarray call under the xarray lock
    /// (`kernel/c/xa_folds.h`): with [`Folds::Narrow`] the stateful checker folds
    /// what it returned into the task's history, with no scheduling point (a scope
    /// around the call whose result is what it returned: the call changes the
    /// caller's locals as a function of that alone; see [`World::guarded`]).
    fn xa_read(&self, call: u32, value: u64, index: u64, err: i64) {
        if self.fingerprint && self.folds == Folds::Narrow {
            // kernel/c/xa_folds.h's DAXK_XA_LOAD and DAXK_XA_FIND_CONFLICT.
            const XA_LOAD: u32 = 1;
            const XA_FIND_CONFLICT: u32 = 3;
            if (call == XA_LOAD || call == XA_FIND_CONFLICT)
                && self.wait_walk_unfolded
                && self
                    .task_of(unsafe { daxk_get_current() })
                    .is_some_and(|t| t.in_wait.load(Ordering::Relaxed))
            {
                // The wait's own walk: see `World::wait_walk_unfolded`.
                return;
            }
            if explain::explaining() {
                explain::note(|| format!("xarray call {call} at {index}: {value:#x} ({err})"));
            }
            B::scope_begin();
            B::scope_end(&(call, value, index, err));
        }
    }

    fn pfn_mkwrite_begins(&self) {
        let me = unsafe { daxk_get_current() };
        if let Some(t) = self.task_of(me) {
            *t.op.lock() = KOp::PfnMkwrite;
        }
    }

    /// The C state the fingerprint holds is set at every unlock (see
    /// [`World::spin_unlock`]); a write outside every lock would leave it stale
    /// until the next unlock, by any task, so one C state was held as two
    /// (before and after that unlock). Here it is set again, as an unlock sets
    /// it: a release of `memory`, no scheduling point.
    fn c_wrote(&self) {
        if self.fingerprint && switches().c_wrote {
            let h = self.c_state();
            B::release(&self.memory, |m| *m = h, None);
        }
    }
}

// ---- the radix era's hooks (4.13's write faults on a present PTE) ----

impl<B: Backend> World<B> {
    /// What a PTE at `addr` maps: -1 nothing (or a huge mapping), 0 the zero page,
    /// 1 a device frame, 2 an anonymous copy.
    fn pte_target_of(&self, addr: u64) -> i32 {
        B::locked(self.mm.page_table_lock(), |pt| match pt.lookup(addr) {
            // A huge mapping is the PMD fault's (dax_iomap_pte_fault() retries).
            _ if pt.has_huge(addr) => -1,
            None => -1,
            Some(p) => match p.target {
                PteTarget::Zero => 0,
                PteTarget::Frame(_) => 1,
                PteTarget::Anon => 2,
            },
        })
    }

    /// Kernel: finish_mkwrite_fault(): the PTE at `addr` made writable.
    fn pte_mkwrite_at(&self, addr: u64, func: &str) {
        let done = B::locked(self.mm.page_table_lock(), |pt| match pt.lookup(addr) {
            Some(p) => {
                pt.set_pte(
                    addr,
                    Pte {
                        target: p.target,
                        writable: true,
                    },
                );
                true
            }
            None => false,
        });
        if done {
            self.event(
                "mkwrite",
                vec![
                    ("addr", Value::from(addr)),
                    ("in", Value::from(func.to_owned())),
                ],
            );
        }
    }
}

/// Where the page-table shim's own warnings fire (it stands for mm/memory.c).
const MM_SHIM: &str = "mm/memory.c (daxlock's page-table shim)";

/// Where a WARN/BUG fired, as `file:line`. Kernel code carries `#line`
/// directives, so its `__FILE__` is the tree's path (`fs/dax.c`, `lib/xarray.c`)
/// and its `__LINE__` the tree's line; daxlock's own C (`kernel/c/`) is named from
/// `kernel/`, any other absolute path by its file name.
pub(crate) fn place(file: &str, line: i32) -> String {
    let file = match file.rfind("/kernel/c/") {
        Some(i) => &file[i + 1..],
        None if file.starts_with('/') => file.rsplit('/').next().unwrap_or(file),
        None => file,
    };
    format!("{file}:{line}")
}
