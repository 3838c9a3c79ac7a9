//! One DAX file's address space and the entry-locking operations on it.
//!
//! Kernel: `struct address_space` with `tree_lock` and `page_tree`, and the entry
//! functions of fs/dax.c (v4.13): get_unlocked_mapping_entry(), grab_mapping_entry(),
//! dax_insert_mapping_entry(), put_locked_mapping_entry(),
//! put_unlocked_mapping_entry(), dax_delete_mapping_entry(), dax_writeback_one().
//!
//! Every function takes the locks it needs itself; the comments say which kernel lock
//! each backend lock stands for.

use super::branch::Branch;
use super::bugs::Bugs;
use super::entry::{Entry, EntryKind, EntrySize};
use super::file::{FileLayout, Filesystem, FsState, Vma};
use super::harm::Truths;
use super::observe::{Observer, Value};
use super::pagetable::{ranges_parts, PageTable};
use super::tree::{entry_parts, entry_write_parts, Tree};
use super::units::PAGE_SIZE;
use super::wait::{WaitKey, WaitTable, WaitTicket, WakeMode, DEFAULT_WAIT_BUCKETS};
use crate::sync::{Backend, Parts};
use std::sync::Arc;

/// Emits one protocol event to the mapping's observer and to `tracing` (DEBUG).
macro_rules! dax_event {
    ($m:expr, $name:literal $(, $key:ident = $val:expr)* $(,)?) => {{
        $m.observe($name, || vec![$((stringify!($key), $crate::dax::observe::Value::from($val))),*]);
        tracing::debug!(mapping = $m.id, event = $name $(, $key = $val)*)
    }};
}
/// Records a kernel WARN_ON_ONCE as a `warn` event (WARN for `tracing`); execution
/// goes on.
macro_rules! dax_warn {
    ($m:expr $(, $key:ident = $val:expr)* $(,)?) => {{
        $m.observe("warn", || vec![$((stringify!($key), $crate::dax::observe::Value::from($val))),*]);
        tracing::warn!(mapping = $m.id, event = "warn" $(, $key = $val)*)
    }};
}
pub(crate) use dax_event;
pub(crate) use dax_warn;

/// Which entries [`Mapping::delete`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invalidate {
    /// Every entry, dirty or not. Kernel: dax_delete_mapping_entry() (truncate).
    Truncate,
    /// Clean entries only; a dirty one stays for writeback. Kernel:
    /// dax_invalidate_mapping_entry_sync() (write(2) invalidation).
    Clean,
}

/// How to build a [`Mapping`].
#[derive(Clone, PartialEq, Eq)]
pub struct MappingConfig {
    /// Bugs re-introduced (default: none).
    pub bugs: Bugs,
    /// Buckets in the wait table (kernel: 4096).
    pub wait_buckets: usize,
    /// The file's size and blocks.
    pub file: FileLayout,
    /// The VMAs mapping it (one process).
    pub vmas: Vec<Vma>,
    /// Faults one access may take before it counts as making no progress (see
    /// [`fault_limit`](super::fault::fault_limit)).
    pub fault_limit: usize,
    /// What the code under check guarantees: which end-state checks run (the
    /// runner sets the target's, with any the scenario forces).
    pub truths: Truths,
    /// The scenario's threads (`t1` to `tN`; 0 when not known). The model does not
    /// use it; the kernel target makes a C task for each up front.
    pub threads: usize,
    /// How many of the threads' operations are not faults (fsync, truncate,
    /// write, memory failure; `None` when not known): the runner counts them from
    /// the threads it runs. The model does not use it; the kernel target's
    /// fingerprint leaves out the marks only those read once they have all
    /// returned.
    pub non_faults: Option<usize>,
    /// The filesystem whose per-inode locks the operations take (default:
    /// [`Filesystem::None`], fs/dax.c with the mmap lock only).
    pub fs: Filesystem,
}

/// The derived form but `threads` and `non_faults`: schedules name the scenario
/// they were recorded on by a hash of this text and the scenario's threads
/// (`check::binding`), so the fields, which the threads determine, are left out
/// and the schedules recorded before they existed still replay. `fs` is printed only when it is not the default,
/// so that the schedules recorded before it existed still replay too.
impl std::fmt::Debug for MappingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("MappingConfig");
        d.field("bugs", &self.bugs)
            .field("wait_buckets", &self.wait_buckets)
            .field("file", &self.file)
            .field("vmas", &self.vmas)
            .field("fault_limit", &self.fault_limit)
            .field("truths", &self.truths);
        if self.fs != Filesystem::None {
            d.field("fs", &self.fs);
        }
        d.finish()
    }
}

impl MappingConfig {
    /// A file of `size_pages` holes, mapped by `vmas`, every fix in.
    pub fn new(size_pages: u64, vmas: Vec<Vma>) -> Self {
        MappingConfig {
            bugs: Bugs::default(),
            wait_buckets: DEFAULT_WAIT_BUCKETS,
            file: FileLayout {
                size_pages,
                extents: Vec::new(),
            },
            vmas,
            fault_limit: super::fault::fault_limit(1),
            truths: Truths::default(),
            threads: 0,
            non_faults: None,
            fs: Filesystem::None,
        }
    }
}

/// An entry this thread holds locked, and the slot it was found or put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Held {
    /// The tree slot (first index) of the entry.
    pub slot: u64,
    /// The entry as it was when locked.
    pub entry: Entry,
}

/// Why grab failed. Both are `-EEXIST` in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrabError {
    /// A PMD entry was wanted and a PTE entry is there: fall back to PTE faults.
    PteEntryPresent,
    /// Inserting the new entry collided with an entry in its range.
    Collision,
}

/// A DAX file, its page tree and wait table, and the one process mapping it.
///
/// Locks, in the order they nest: `i_rwsem` (the inode's lock, write(2) and
/// truncate hold it exclusive; only under [`Filesystem::Ext4`] or
/// [`Filesystem::Xfs`]), `i_mmap` (the filesystem's mmap lock, faults read,
/// truncate writes), then `tree` (`tree_lock`), `pt` (the page-table lock) and `fs`
/// (the filesystem's block-mapping lock) are leaves; wait-table buckets nest inside
/// `tree`.
pub struct Mapping<B: Backend> {
    /// Identifies this address space in wait keys and events.
    pub id: u64,
    pub(crate) bugs: Bugs,
    /// Kernel: `mapping->tree_lock` guarding `mapping->page_tree`.
    pub(crate) tree: B::Mutex<Tree>,
    pub(crate) waits: WaitTable<B>,
    /// Kernel: the filesystem's block map and i_size.
    pub(crate) fs: B::Mutex<FsState>,
    /// Kernel: ext4's `i_mmap_sem` (faults read, truncate writes), holding i_size in
    /// pages: only truncate changes it, under the lock held for writing.
    pub(crate) i_mmap: B::RwLock<u64>,
    /// Kernel: the inode's `i_rwsem` (inode_lock(); XFS's `XFS_IOLOCK`), which
    /// write(2) and truncate hold exclusive; `None` under [`Filesystem::None`] (no
    /// lock is made, so such a run's steps and states are what they were before
    /// the filesystem's locks existed).
    pub(crate) i_rwsem: Option<B::RwLock<()>>,
    pub(crate) vmas: Vec<Vma>,
    pub(crate) fault_limit: usize,
    pub(crate) truths: Truths,
    /// Kernel: the page tables with their page-table lock, and the CPU caches' state
    /// of the frames they map.
    pub(crate) pt: B::Mutex<PageTable>,
    /// Who hears the protocol events, if anyone (see [`super::observe`]).
    observer: Option<Arc<dyn Observer>>,
}

/// What [`Mapping::grab`] found once the entry was unlocked.
#[derive(Hash)]
enum Found {
    /// A PMD entry was wanted and a PTE entry is there.
    Pte(u64, Entry),
    /// Locked a usable entry.
    Locked(Held),
    /// An empty or zero PMD entry, now locked by us, to downgrade.
    Downgrade(u64, Entry),
    /// No entry: preload and insert.
    Nothing,
}

impl<B: Backend> Mapping<B> {
    /// Builds the address space `config` describes, identified by `id`.
    pub fn new(id: u64, config: &MappingConfig) -> Self {
        Self::observed(id, config, None)
    }

    /// [`Mapping::new`], reporting its protocol events to `observer`.
    pub fn observed(id: u64, config: &MappingConfig, observer: Option<Arc<dyn Observer>>) -> Self {
        Mapping {
            observer,
            id,
            bugs: config.bugs,
            tree: B::mutex(Tree::default()),
            waits: WaitTable::new(config.wait_buckets),
            fs: B::mutex(FsState::new(&config.file)),
            i_mmap: B::rwlock(config.file.size_pages),
            i_rwsem: config.fs.takes_i_rwsem().then(|| B::rwlock(())),
            vmas: config.vmas.clone(),
            fault_limit: config.fault_limit,
            truths: config.truths,
            pt: B::mutex(PageTable::default()),
        }
    }

    /// Reports one event to the observer; `fields` is only evaluated if there is one.
    pub fn observe(&self, name: &'static str, fields: impl FnOnce() -> Vec<(&'static str, Value)>) {
        if let Some(o) = &self.observer {
            o.event(name, fields());
        }
    }

    /// Reports that the protocol took `branch` to the observer (and to `tracing` at
    /// TRACE level, with a `branch` field and no `event` field: a visit is not a
    /// protocol event). Visits are counted, never read back by the protocol.
    pub fn visit(&self, branch: Branch) {
        if let Some(o) = &self.observer {
            o.branch(branch);
        }
        tracing::trace!(mapping = self.id, branch = branch.name());
    }

    /// Faults one access may take before it counts as making no progress.
    pub fn fault_limit(&self) -> usize {
        self.fault_limit
    }

    /// What the code under check guarantees (which end-state checks run).
    pub fn truths(&self) -> Truths {
        self.truths
    }

    /// The bugs this mapping runs with.
    pub fn bugs(&self) -> Bugs {
        self.bugs
    }

    /// The wait key of an entry of `size` found at `index`.
    ///
    /// Kernel: dax_entry_waitqueue() (PMD indices rounded down).
    pub fn wait_key(&self, index: u64, size: EntrySize) -> WaitKey {
        WaitKey {
            mapping: self.id,
            index: size.base(index),
        }
    }

    /// Wakes waiters of the entry of `size` at `index`; returns how many it woke
    /// (callers ask only whether any: the stateful checker folds no more, see
    /// `wait::Walk`'s hash).
    ///
    /// Kernel: dax_wake_mapping_entry_waiter().
    pub fn wake(&self, index: u64, size: EntrySize, mode: WakeMode) -> usize {
        let key = self.wait_key(index, size);
        let (woken, skipped) = self.waits.wake_keyed(key, mode);
        if skipped > 0 {
            self.visit(Branch::WakeSkipOtherKey);
        }
        dax_event!(
            self,
            "wake",
            key = key.index,
            all = mode == WakeMode::All,
            woken = woken as u64
        );
        woken
    }

    /// Waits until the entry covering `index` is unlocked (or gone), then runs `f`
    /// on the tree and that entry, under the same hold of `tree_lock`, and returns
    /// what `f` returns. `request` is the size the caller asked for, if any; `wait`
    /// is the caller's branch for sleeping on a locked entry.
    ///
    /// Kernel: get_unlocked_mapping_entry(), with the caller's code that runs
    /// before it drops `tree_lock` as `f`.
    ///
    /// `f` may change the entry it is given and nothing else of the tree: the
    /// stateful checker takes the step as touching only the slots `index` looks
    /// up ([`entry_parts`], [`Backend::locked_part`]).
    pub fn with_unlocked<R: std::hash::Hash>(
        &self,
        index: u64,
        request: Option<EntrySize>,
        wait: Branch,
        f: impl Fn(&mut Tree, Option<(u64, Entry)>) -> R,
    ) -> R {
        self.with_unlocked_as(index, request, wait, true, f)
    }

    /// [`Mapping::with_unlocked`], waiting as an exclusive waiter or not.
    ///
    /// Kernel: get_unlocked_entry() waits exclusively (its caller will lock the entry
    /// and wake the next waiter, or pass the wakeup on); wait_entry_unlocked(), for
    /// dax_lock_mapping_entry(), does not.
    ///
    /// The call is a scope of the stateful checker ([`Backend::scope_begin`],
    /// issue 18): at its return the thread's history is
    /// its history at the call with the result `f` gave folded in, however many
    /// times it slept and whoever woke it. Sound because the call takes its
    /// arguments by value, `f` is a `Fn` (it changes the tree, never the caller's
    /// locals: `src/dax` has no cells), and everything else the wait did (queue
    /// and leave the wait table, visit branches, send events) is shared state the
    /// fingerprint holds or a write-only sink; its locals (the key, the ticket)
    /// are dead at the return. The result is folded by its `Hash`, as the critical
    /// section that produced it folded it.
    fn with_unlocked_as<R: std::hash::Hash>(
        &self,
        index: u64,
        request: Option<EntrySize>,
        wait: Branch,
        exclusive: bool,
        f: impl Fn(&mut Tree, Option<(u64, Entry)>) -> R,
    ) -> R {
        let prepare = |key| {
            if exclusive {
                self.waits.prepare(key)
            } else {
                self.waits.prepare_shared(key)
            }
        };
        enum Step<R> {
            Done(R),
            Wait(WaitKey, Option<WaitTicket>),
        }
        impl<R: std::hash::Hash> std::hash::Hash for Step<R> {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                match self {
                    Step::Done(r) => (0u8, r).hash(h),
                    Step::Wait(k, t) => (1u8, k, t).hash(h),
                }
            }
        }
        // `f` changes at most the entry it is given (it may remove it): the parts
        // `index` looks up.
        let (reads, writes) = (entry_parts(index), entry_write_parts(index));
        B::scope_begin();
        loop {
            // The loop's top (issue 18): the thread's locals here are its arguments
            // and the `prepare` closure, the same every round (the last round's key
            // and ticket are dead once it has slept), so its history goes back to
            // the scope's opening: a thread that slept and looks again is the thread
            // that looks first. The backend counts the thread's later steps as
            // possibly on a cycle, as after a retry (`check::stateful`, cycles).
            B::scope_again(&());
            let step = B::locked_part(&self.tree, reads, writes, |tree| {
                let (slot, entry) = match tree.lookup(index) {
                    Some((slot, e)) if e.locked => (slot, e),
                    other => return Step::Done(f(tree, other)),
                };
                let key_size = match request {
                    Some(r) if self.bugs.wait_key_from_request => r,
                    _ => entry.size,
                };
                let key = self.wait_key(index, key_size);
                dax_event!(self, "wait", index = index, slot = slot, key = key.index);
                // The fix: join the wait queue before tree_lock is dropped.
                let ticket = (!self.bugs.late_wait_registration).then(|| prepare(key));
                Step::Wait(key, ticket)
            });
            match step {
                Step::Done(r) => {
                    B::scope_end(&r);
                    return r;
                }
                Step::Wait(key, ticket) => {
                    self.visit(wait);
                    let ticket = ticket.unwrap_or_else(|| prepare(key));
                    self.waits.sleep(ticket);
                    dax_event!(self, "woken", index = index, key = key.index);
                }
            }
        }
    }

    /// Finds or creates the entry for a fault at `index` and locks it: waits for
    /// the entry to be unlocked (`grab_find`), then takes it, gives up on
    /// a PTE entry where a PMD one is wanted, or inserts a new empty entry (after
    /// downgrading a placeholder PMD entry for a PTE fault), restarting if an entry
    /// appeared meanwhile.
    ///
    /// Kernel: grab_mapping_entry().
    pub fn grab(&self, index: u64, size: EntrySize) -> Result<Held, GrabError> {
        dax_event!(
            self,
            "grab",
            index = index,
            size = size.as_str(),
            key = size.base(index)
        );
        loop {
            let downgrade = match self.grab_find(index, size) {
                Found::Pte(slot, e) => return Err(self.grab_pte_exists(index, slot, e)),
                Found::Locked(held) => {
                    dax_event!(
                        self,
                        "locked",
                        index = index,
                        slot = held.slot,
                        size = held.entry.size.as_str(),
                        kind = held.entry.kind.as_str()
                    );
                    return Ok(held);
                }
                Found::Downgrade(slot, e) => {
                    self.grab_downgrade(index, slot, e);
                    Some(slot)
                }
                // Kernel: radix_tree_preload() runs with tree_lock dropped.
                Found::Nothing => None,
            };
            dax_event!(self, "preload", index = index);
            let entry = Entry::new_locked_empty(size);
            match self.grab_insert(index, entry, downgrade) {
                // Restart: an entry appeared while tree_lock was dropped.
                None => {
                    self.visit(Branch::GrabPreloadRestart);
                    dax_event!(self, "restart", index = index);
                }
                Some(Some(slot)) => {
                    dax_event!(
                        self,
                        "inserted",
                        index = index,
                        slot = slot,
                        size = size.as_str(),
                        kind = "empty"
                    );
                    return Ok(Held { slot, entry });
                }
                Some(None) => {
                    self.visit(Branch::GrabCollision);
                    dax_event!(self, "grab-collision", index = index, size = size.as_str());
                    return Err(GrabError::Collision);
                }
            }
        }
    }

    /// [`Mapping::grab`]'s first step: waits until the entry at `index` is unlocked,
    /// then, under tree_lock, locks it if it suits a fault of `size` (a placeholder
    /// PMD entry that a PTE fault will downgrade is locked too).
    ///
    /// Kernel: grab_mapping_entry() up to the `pmd_downgrade` decision, with
    /// get_unlocked_mapping_entry().
    fn grab_find(&self, index: u64, size: EntrySize) -> Found {
        self.with_unlocked(index, Some(size), Branch::GrabWait, |tree, found| {
            let Some((slot, e)) = found else {
                return Found::Nothing;
            };
            match (size, e.size) {
                (EntrySize::Pmd, EntrySize::Pte) => Found::Pte(slot, e),
                (EntrySize::Pte, EntrySize::Pmd) if e.kind.is_placeholder() => {
                    // Keep the PMD entry ours while tree_lock is dropped.
                    tree.slot_mut(slot).expect("entry just looked up").locked = true;
                    Found::Downgrade(slot, e)
                }
                _ => {
                    let held = tree.slot_mut(slot).expect("entry just looked up");
                    held.locked = true;
                    Found::Locked(Held { slot, entry: *held })
                }
            }
        })
    }

    /// A PMD fault found a PTE entry: passes on a wakeup it may have consumed, and
    /// fails.
    ///
    /// Kernel: grab_mapping_entry()'s `-EEXIST`, with put_unlocked_mapping_entry().
    fn grab_pte_exists(&self, index: u64, slot: u64, e: Entry) -> GrabError {
        self.visit(Branch::GrabPteExists);
        // Kernel: put_unlocked_mapping_entry(): we may have consumed a wakeup meant
        // for another waiter.
        if !self.bugs.eexist_no_pass && self.put_unlocked(index, Some(e)) > 0 {
            self.visit(Branch::GrabPteExistsWake);
        }
        dax_event!(self, "grab-exists", index = index, slot = slot);
        GrabError::PteEntryPresent
    }

    /// A PTE fault downgrades the placeholder PMD entry it locked: a zero entry's
    /// mappings are unmapped first (the entry itself goes in [`Mapping::grab_insert`]).
    ///
    /// Kernel: grab_mapping_entry()'s `pmd_downgrade`, with unmap_mapping_range().
    fn grab_downgrade(&self, index: u64, slot: u64, e: Entry) {
        dax_event!(
            self,
            "downgrade",
            index = index,
            slot = slot,
            kind = e.kind.as_str()
        );
        if e.kind == EntryKind::Zero {
            self.visit(Branch::GrabDowngradeZero);
            self.unmap_range(slot, EntrySize::Pmd.pages());
        } else {
            self.visit(Branch::GrabDowngradeEmpty);
        }
    }

    /// Under tree_lock: removes the downgraded PMD entry (waking its waiters) and
    /// inserts `entry` at `index`. `None`: an entry appeared while tree_lock was
    /// dropped (restart); `Some(None)`: the insert collided; `Some(Some(slot))`:
    /// inserted.
    ///
    /// Kernel: grab_mapping_entry() after radix_tree_preload(), with
    /// radix_tree_delete() and radix_tree_insert().
    fn grab_insert(&self, index: u64, entry: Entry, downgrade: Option<u64>) -> Option<Option<u64>> {
        // A PMD insert looks at its whole 2 MiB; a PTE insert at its slot and the
        // PMD slot over it (where the downgraded entry is, found at `index`'s
        // lookup: see entry_write_parts).
        let parts = match entry.size {
            EntrySize::Pmd => Parts::ALL,
            EntrySize::Pte => entry_write_parts(index),
        };
        B::locked_part(&self.tree, parts, parts, |tree| {
            if downgrade.is_none() && !self.bugs.no_recheck && tree.lookup(index).is_some() {
                return None;
            }
            if let Some(slot) = downgrade {
                // The PMD entry changes identity: every waiter must look again.
                tree.remove(slot);
                let mode = if self.bugs.downgrade_wake_one {
                    WakeMode::One
                } else {
                    WakeMode::All
                };
                self.wake(slot, EntrySize::Pmd, mode);
            }
            Some(tree.insert(index, entry).ok())
        })
    }

    /// Replaces the held placeholder with a new locked entry of `kind` and `size`,
    /// stored at the slot found for the fault's `pgoff`; warns if that slot does not
    /// hold the held entry. A held mapped entry stays as it is. A write tags the
    /// entry dirty.
    ///
    /// Kernel: dax_insert_mapping_entry(), with its `WARN_ON_ONCE(ret != entry)`.
    pub fn insert(
        &self,
        held: Held,
        pgoff: u64,
        kind: EntryKind,
        size: EntrySize,
        dirty: bool,
    ) -> Held {
        if held.entry.kind == EntryKind::Zero && kind != EntryKind::Zero {
            // Replacing a zero page with storage: unmap the zero page first.
            self.visit(Branch::InsertOverZero);
            self.unmap_range(held.entry.size.base(pgoff), held.entry.size.pages());
        }
        // It may store an entry of `size` at the slot `pgoff` looks up.
        let parts = match size {
            EntrySize::Pmd => Parts::ALL,
            EntrySize::Pte => entry_write_parts(pgoff),
        };
        B::locked_part(&self.tree, parts, parts, |tree| {
            let mut result = held;
            if held.entry.kind.is_placeholder() {
                let found = tree.lookup(pgoff);
                if found != Some((held.slot, held.entry)) {
                    self.visit(Branch::InsertWarn);
                    dax_warn!(
                        self,
                        site = "dax_insert_mapping_entry",
                        msg = "held entry not found where it is replaced",
                        pgoff = pgoff,
                        held = held.slot
                    );
                }
                let slot = found.map_or(size.base(pgoff), |(s, _)| s);
                let entry = Entry {
                    size,
                    kind,
                    locked: true,
                    dirty: found.is_some_and(|(_, e)| e.dirty),
                };
                tree.replace(slot, entry);
                result = Held { slot, entry };
                dax_event!(
                    self,
                    "insert",
                    pgoff = pgoff,
                    slot = slot,
                    size = size.as_str(),
                    kind = kind.as_str()
                );
            }
            if dirty {
                if let Some((slot, _)) = tree.lookup(pgoff) {
                    tree.slot_mut(slot).expect("entry just looked up").dirty = true;
                    if slot == result.slot {
                        result.entry.dirty = true;
                    }
                }
            }
            result
        })
    }

    /// Unlocks the entry at `index` and wakes one waiter; warns if there is no locked
    /// entry there.
    ///
    /// Kernel: put_locked_mapping_entry() = dax_unlock_mapping_entry().
    pub fn put_locked(&self, index: u64) {
        let parts = entry_parts(index);
        let unlocked = B::locked_part(&self.tree, parts, parts, |tree| match tree.lookup(index) {
            Some((slot, e)) if e.locked => {
                tree.slot_mut(slot).expect("entry just looked up").locked = false;
                Some((slot, e))
            }
            _ => None,
        });
        match unlocked {
            Some((slot, e)) => {
                dax_event!(self, "put", index = index, slot = slot);
                self.wake(index, e.size, WakeMode::One);
            }
            None => {
                self.visit(Branch::PutNoLockedEntry);
                dax_warn!(
                    self,
                    site = "dax_unlock_mapping_entry",
                    msg = "no locked entry to unlock",
                    index = index
                );
            }
        }
    }

    /// Passes a wakeup on for an entry we waited for but did not lock; returns how
    /// many waiters it woke.
    ///
    /// Kernel: put_unlocked_mapping_entry().
    pub fn put_unlocked(&self, index: u64, entry: Option<Entry>) -> usize {
        entry.map_or(0, |e| self.wake(index, e.size, WakeMode::One))
    }

    /// Waits for the entry at `index` to be unlocked and removes it (skipping dirty
    /// entries unless [`Invalidate::Truncate`]); passes the wakeup on. Returns whether
    /// an entry was removed.
    ///
    /// Kernel: __dax_invalidate_mapping_entry(), behind dax_delete_mapping_entry()
    /// (truncate) and dax_invalidate_mapping_entry_sync() (write invalidation).
    pub fn delete(&self, index: u64, how: Invalidate) -> bool {
        // A scope of the stateful checker (issue 18): the caller goes on with
        // `removed` and nothing else of what the delete read (whether it slept,
        // what it found, whom its wake woke); all it did besides is shared state
        // or events.
        B::scope_begin();
        let removed = self.delete_entry(index, how);
        B::scope_end(&removed);
        removed
    }

    fn delete_entry(&self, index: u64, how: Invalidate) -> bool {
        let truncate = how == Invalidate::Truncate;
        let (found, removed) = self.with_unlocked(
            index,
            None,
            Branch::InvalidateWait,
            |tree, found| match found {
                Some((slot, e)) if truncate || !e.dirty => {
                    tree.remove(slot);
                    (found, true)
                }
                _ => (found, false),
            },
        );
        match (found, removed) {
            (Some(_), false) => self.visit(Branch::InvalidateSkipDirty),
            (_, true) if truncate => self.visit(Branch::TruncateDelete),
            (_, true) => self.visit(Branch::InvalidateDelete),
            (None, false) => {}
        }
        if let (Some((slot, e)), true) = (found, removed) {
            dax_event!(
                self,
                "delete",
                index = index,
                slot = slot,
                kind = e.kind.as_str()
            );
        }
        // Kernel: put_unlocked_entry(..., WAKE_ALL): every waiter must look again,
        // since a woken waiter that finds no entry locks nothing and wakes no one.
        if let Some((_, e)) = found {
            let mode = if self.bugs.invalidate_wake_one {
                WakeMode::One
            } else {
                WakeMode::All
            };
            self.wake(index, e.size, mode);
        }
        removed
    }

    /// Memory failure on the file page `index`: lock the entry that maps it (waiting
    /// while it is locked), then unlock it and wake the next waiter. An entry that is
    /// absent, a zero page or empty has no storage to fail: nothing is locked, and
    /// no wakeup is passed on. Returns whether an entry was locked.
    ///
    /// Kernel: dax_lock_mapping_entry() then dax_unlock_mapping_entry() (v4.20 on;
    /// mf_dax_kill_procs() holds the lock while it finds the processes to signal).
    /// Later than the v4.13 protocol, like the wake-all fixes of the zoo.
    pub fn memory_failure(&self, index: u64) -> bool {
        dax_event!(self, "memory-failure", index = index);
        let exclusive = self.bugs.lock_entry_exclusive_wait;
        let locked = self.with_unlocked_as(
            index,
            None,
            Branch::LockEntryWait,
            exclusive,
            |tree, found| match found {
                Some((slot, e)) if matches!(e.kind, EntryKind::Mapped { .. }) => {
                    tree.slot_mut(slot).expect("entry just looked up").locked = true;
                    Some(slot)
                }
                _ => None,
            },
        );
        match locked {
            Some(slot) => {
                dax_event!(self, "lock-entry", index = index, slot = slot);
                self.put_locked(index);
                true
            }
            None => {
                self.visit(Branch::LockEntryNothing);
                false
            }
        }
    }

    /// Writes back one dirty entry: lock it, flush (write-protecting its mappings),
    /// clear the dirty tag, unlock and wake one.
    ///
    /// Kernel: dax_writeback_one().
    pub fn writeback_one(&self, slot: u64, expected: Entry) {
        // Ok: locked for writeback; Err: what was found instead.
        let lock = |tree: &mut Tree, found: Option<(u64, Entry)>| match found {
            Some((s, e))
                if s == slot && e.size == expected.size && e.kind == expected.kind && e.dirty =>
            {
                tree.slot_mut(s).expect("entry just looked up").locked = true;
                Ok(e)
            }
            other => Err(other),
        };
        let found = if self.bugs.writeback_skip_locked {
            // The bug: a locked entry is passed over, not waited for (and no wakeup
            // is passed on: the kernel's put_unlocked_entry() of a NULL entry).
            let skipped = B::locked(&self.tree, |tree| match tree.lookup(slot) {
                Some((_, e)) if e.locked => None,
                found => Some(lock(tree, found)),
            });
            let Some(found) = skipped else {
                self.visit(Branch::WritebackSkip);
                dax_event!(self, "writeback-skip-locked", slot = slot);
                return;
            };
            found
        } else {
            self.with_unlocked(slot, None, Branch::WritebackWait, lock)
        };
        match found {
            Ok(e) => {
                self.visit(Branch::WritebackDirty);
                dax_event!(self, "writeback", slot = slot);
                // Kernel: dax_mapping_entry_mkclean(), then dax_flush(). One
                // page-table step here: once write-protected, no store reaches the
                // page before the flush (it faults, and waits on the entry we hold).
                let frame = match e.kind {
                    EntryKind::Mapped { frame } => Some(frame),
                    _ => None,
                };
                self.write_protect_and_flush(slot, e.size.pages(), frame);
                let parts = entry_parts(slot);
                B::locked_part(&self.tree, parts, parts, |t| {
                    t.slot_mut(slot)
                        .expect("a locked entry stays in the tree")
                        .dirty = false;
                });
                self.put_locked(slot);
            }
            Err(other) => {
                self.visit(Branch::WritebackSkip);
                self.put_unlocked(slot, other.map(|(_, e)| e));
            }
        }
    }

    /// Removes every page-table mapping of file pages `[first, first + pages)`.
    ///
    /// Kernel: unmap_mapping_range().
    pub fn unmap_range(&self, first: u64, pages: u64) {
        let ranges = self.va_ranges(first, pages);
        let parts = ranges_parts(&ranges);
        B::locked_part(&self.pt, parts, parts, |pt| {
            ranges.iter().for_each(|&(s, e)| pt.zap(s, e))
        });
        dax_event!(self, "unmap", first = first, pages = pages);
    }

    /// Write-protects every page-table mapping of file pages `[first, first + pages)`.
    ///
    /// Kernel: dax_mapping_entry_mkclean().
    pub fn write_protect_range(&self, first: u64, pages: u64) {
        let ranges = self.va_ranges(first, pages);
        let parts = ranges_parts(&ranges);
        B::locked_part(&self.pt, parts, parts, |pt| {
            ranges.iter().for_each(|&(s, e)| pt.write_protect(s, e))
        });
    }

    /// [`Mapping::write_protect_range`] and, in the same page-table step, a flush of
    /// the entry's frames from `frame` on (none for a zero entry).
    ///
    /// Kernel: dax_mapping_entry_mkclean() then dax_flush() in dax_writeback_one().
    fn write_protect_and_flush(&self, first: u64, pages: u64, frame: Option<u64>) {
        let ranges = self.va_ranges(first, pages);
        // The flush records into the frames' cache state.
        let parts = ranges_parts(&ranges).with(Parts::SIDE);
        B::locked_part(&self.pt, parts, parts, |pt| {
            ranges.iter().for_each(|&(s, e)| pt.write_protect(s, e));
            if let Some(f) = frame {
                pt.record_flush(f, pages);
            }
        });
        if let Some(f) = frame {
            dax_event!(self, "flush", frame = f, frames = pages);
        }
    }

    /// The virtual ranges, over every VMA, that map file pages `[first, first+pages)`.
    fn va_ranges(&self, first: u64, pages: u64) -> Vec<(u64, u64)> {
        let last = first.saturating_add(pages);
        self.vmas
            .iter()
            .filter_map(|v| {
                let vpages = (v.end - v.start) / PAGE_SIZE;
                let lo = first.max(v.pgoff);
                let hi = last.min(v.pgoff + vpages);
                (lo < hi).then(|| {
                    let s = v.addr_of(lo).expect("inside the VMA");
                    (s, s + (hi - lo) * PAGE_SIZE)
                })
            })
            .collect()
    }

    /// The page tables, under their lock (for another target's page-table hooks).
    pub fn page_table_lock(&self) -> &B::Mutex<PageTable> {
        &self.pt
    }

    /// The filesystem's block map, under its lock.
    pub fn fs_lock(&self) -> &B::Mutex<super::file::FsState> {
        &self.fs
    }

    /// ext4's `i_mmap_sem` with i_size in pages.
    pub fn i_mmap_lock(&self) -> &B::RwLock<u64> {
        &self.i_mmap
    }

    /// Takes the inode's `i_rwsem` exclusive, when the filesystem has one
    /// ([`Filesystem::takes_i_rwsem`]); the lock is held until the guard drops.
    ///
    /// Kernel: inode_lock() (ext4_dax_write_iter(), do_truncate()); XFS's
    /// xfs_ilock(`XFS_IOLOCK_EXCL`) in xfs_file_dax_write().
    pub fn inode_lock(&self) -> Option<B::WriteGuard<'_, ()>> {
        self.i_rwsem.as_ref().map(|l| B::write(l))
    }

    /// The scenario's VMAs.
    pub fn vmas(&self) -> &[Vma] {
        &self.vmas
    }

    /// A snapshot of the page tree: every `(slot, entry)` in index order.
    pub fn entries(&self) -> Vec<(u64, Entry)> {
        B::lock(&self.tree).iter().collect()
    }

    /// A snapshot of the wait table: the key of every queued waiter.
    pub fn queued_waiters(&self) -> Vec<WaitKey> {
        self.waits.queued()
    }

    /// A snapshot of the page table.
    pub fn page_table(&self) -> PageTable {
        B::lock(&self.pt).clone()
    }

    /// i_size in pages.
    pub fn i_size(&self) -> u64 {
        *B::read(&self.i_mmap)
    }

    /// The VMA containing `addr`. Kernel: find_vma().
    pub fn find_vma(&self, addr: u64) -> Option<Vma> {
        self.vmas.iter().copied().find(|v| v.contains(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dax::pagetable::{MapTarget, Pte};
    use crate::dax::{Access, AccessResult, FaultSize};
    use crate::sync::StdSync;

    /// unmap_mapping_range() of file pages one VMA maps touches only that VMA's
    /// addresses: the VMA right after it, mapping other file pages, keeps its
    /// mappings (a mutant that sized VMAs wrongly zapped into the next one).
    #[test]
    fn unmapping_a_file_range_stays_inside_each_vma() {
        let a = Vma {
            start: 0x7f0000000000,
            end: 0x7f0000200000,
            pgoff: 0,
            shared: true,
        };
        let b = Vma {
            start: 0x7f0000200000,
            end: 0x7f0000400000,
            pgoff: 0x1000,
            shared: true,
        };
        let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x2000, vec![a, b]));
        let pte = Pte {
            target: MapTarget::Zero,
            writable: false,
        };
        with_page_table(&m, |pt| {
            pt.set_pte(a.start, pte);
            pt.set_pte(b.start, pte);
        });
        m.unmap_range(0, 0x400);
        let pt = m.page_table();
        assert_eq!(pt.lookup(a.start), None, "file page 0 is unmapped");
        assert_eq!(pt.lookup(b.start), Some(pte), "file page 0x1000 is not");
        assert_eq!(m.i_size(), 0x2000);
        m.truncate(0x100);
        assert_eq!(m.i_size(), 0x100, "truncate sets i_size under i_mmap");
    }

    fn vma(start: u64, pages: u64, pgoff: u64) -> Vma {
        Vma {
            start,
            end: start + pages * PAGE_SIZE,
            pgoff,
            shared: true,
        }
    }

    /// The accessors give back what the mapping was built with.
    #[test]
    fn accessors_report_the_configuration() {
        let mut config = MappingConfig::new(0x200, vec![vma(0x7f0000000000, 0x200, 0)]);
        config.fault_limit = 9;
        config.bugs = Bugs::fixed().with("no-recheck").unwrap();
        let m = Mapping::<StdSync>::new(1, &config);
        assert_eq!(m.fault_limit(), 9);
        assert_eq!(crate::dax::System::<StdSync>::fault_limit(&m), 9);
        assert_eq!(m.bugs(), config.bugs);
        assert_eq!(m.vmas(), config.vmas.as_slice());
    }

    /// Unmapping file pages removes exactly their mappings, from the middle of a
    /// PTE table too.
    #[test]
    fn unmapping_removes_exactly_the_range() {
        let v = vma(0x7f0000000000, 0x10, 0);
        let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x100, vec![v]));
        let pte = Pte {
            target: MapTarget::Zero,
            writable: false,
        };
        with_page_table(&m, |pt| {
            for page in [1, 2, 4, 7] {
                pt.set_pte(v.start + page * PAGE_SIZE, pte);
            }
        });
        m.unmap_range(2, 3);
        let pt = m.page_table();
        let mapped: Vec<u64> = (0..0x10)
            .filter(|p| pt.lookup(v.start + p * PAGE_SIZE).is_some())
            .collect();
        assert_eq!(mapped, [1, 7]);
    }

    /// A huge mapping zapped leaves an empty PMD (pmd_none()): the next PMD fault
    /// maps 2 MiB again rather than falling back to PTEs.
    #[test]
    fn an_unmapped_huge_page_leaves_an_empty_pmd() {
        let v = vma(0x7f0000000000, 0x200, 0);
        let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x200, vec![v]));
        m.access(v.start, Access::Load, FaultSize::Pmd);
        assert!(m.page_table().slot(v.start).and_then(|s| s.huge).is_some());
        m.unmap_range(0, 0x200);
        assert!(m.page_table().slot(v.start).is_some_and(|s| s.is_none()));
        m.access(v.start, Access::Load, FaultSize::Pmd);
        assert!(m.page_table().slot(v.start).and_then(|s| s.huge).is_some());
    }

    /// fsync write-protects what it wrote back: the next store faults again and
    /// dirties the entry again (dax_mapping_entry_mkclean()).
    #[test]
    fn fsync_write_protects_and_the_next_store_redirties() {
        let v = vma(0x7f0000000000, 0x200, 0);
        let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x200, vec![v]));
        let addr = v.start + 0x2000;
        m.access(addr, Access::Store, FaultSize::Pte);
        assert!(m.page_table().lookup(addr).unwrap().writable);
        assert!(m.entries()[0].1.dirty);
        m.fsync();
        assert!(!m.page_table().lookup(addr).unwrap().writable);
        assert!(!m.entries()[0].1.dirty);
        let r = m.access(addr, Access::Store, FaultSize::Pte);
        assert!(matches!(r, AccessResult::Mapped { faults: 1 }), "{r:?}");
        assert!(m.entries()[0].1.dirty);
    }

    /// A file range that begins where a VMA ends has no addresses in it: unmapping it
    /// touches nothing (and does not ask the VMA for a page it does not map).
    #[test]
    fn a_range_past_a_vma_has_no_addresses() {
        let v = vma(0x7f0000000000, 0x10, 0);
        let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x100, vec![v]));
        let pte = Pte {
            target: MapTarget::Zero,
            writable: false,
        };
        with_page_table(&m, |pt| pt.set_pte(v.start + 0xf000, pte));
        m.unmap_range(0x10, 4);
        assert_eq!(m.page_table().lookup(v.start + 0xf000), Some(pte));
        m.write_protect_range(0x10, 4);
        m.unmap_range(0xf, 1);
        assert_eq!(m.page_table().lookup(v.start + 0xf000), None);
    }

    /// Memory failure locks (and unlocks) only an entry with storage: a hole's zero
    /// entry, or no entry, has nothing to lock. The entry is left unlocked.
    #[test]
    fn memory_failure_locks_only_storage() {
        let v = vma(0x7f0000000000, 0x200, 0);
        let mut config = MappingConfig::new(0x200, vec![v]);
        config.file.extents = vec![crate::dax::file::Extent {
            pgoff: 0,
            pages: 0x10,
            frame: 0x80000,
        }];
        let m = Mapping::<StdSync>::new(1, &config);
        assert!(!m.memory_failure(3), "no entry");
        m.access(v.start + 3 * PAGE_SIZE, Access::Load, FaultSize::Pte);
        m.access(v.start + 0x20 * PAGE_SIZE, Access::Load, FaultSize::Pte);
        assert!(m.memory_failure(3), "storage");
        assert!(!m.memory_failure(0x20), "a zero entry");
        assert!(m.entries().iter().all(|(_, e)| !e.locked));
    }

    /// A huge mapping needs a PMD entry at its base: a PTE entry there of the same
    /// kind does not do (end-state check).
    #[test]
    fn a_huge_mapping_over_a_pte_entry_is_a_violation() {
        let v = vma(0x7f0000000000, 0x200, 0);
        let m = Mapping::<StdSync>::new(1, &MappingConfig::new(0x200, vec![v]));
        with_page_table(&m, |pt| {
            pt.set_huge(
                v.start,
                Pte {
                    target: MapTarget::Zero,
                    writable: false,
                },
            )
        });
        let mut tree = Tree::default();
        let pte_entry = Entry {
            size: EntrySize::Pte,
            kind: EntryKind::Zero,
            locked: false,
            dirty: false,
        };
        tree.insert(0, pte_entry).unwrap();
        let v = m.end_state_violations_of(&tree, &[], &Truths::default());
        assert!(
            v.iter()
                .any(|h| h.text.contains("has no matching PMD entry")),
            "{v:?}"
        );
        let mut tree = Tree::default();
        let pmd_entry = Entry {
            size: EntrySize::Pmd,
            ..pte_entry
        };
        tree.insert(0, pmd_entry).unwrap();
        assert!(m
            .end_state_violations_of(&tree, &[], &Truths::default())
            .is_empty());
    }

    fn with_page_table(m: &Mapping<StdSync>, f: impl Fn(&mut PageTable)) {
        StdSync::locked(m.page_table_lock(), f);
    }
}
