//! The kernel target: scenario operations through the extracted C code.

use crate::radix;
use crate::world::{self, CTask, KOp, World};
use daxlock::check::target::{maker_for, Family, Target};
use daxlock::check::Verdict;
use daxlock::dax::observe::Observer;
use daxlock::dax::tree::Tree;
use daxlock::dax::{
    Access, AccessResult, Bugs, Entry, EntryKind, EntrySize, FaultResult, FaultSize, Harm, Mapping,
    MappingConfig, System, Truths, Vma,
};
use daxlock::dax::{Branch, BranchSet};
use daxlock::scenario::{Op, Scenario};
use daxlock::sync::{Backend, Stateful};
use std::any::{Any, TypeId};
use std::ffi::{c_int, c_void};
use std::sync::Arc;

/// The C side of one VMA.
#[repr(C)]
pub struct DaxkVma {
    start: u64,
    end: u64,
    pgoff: u64,
    shared: i32,
}

/// `Variant`, with a field per line of `entry_points!`.
macro_rules! variant_struct {
    ([] $( $(#[doc = $doc:literal])* $name:ident($($arg:ident: $kind:ident),* $(,)?) $(-> $ret:ident)?; )*) => {
        /// One compiled variant: the unpatched tree or one bug patch.
        pub struct Variant {
            /// `fixed` or the bug's name.
            pub name: &'static str,
            /// What the patch breaks (a bug) or mends (a fix).
            pub about: &'static str,
            /// A candidate fix (`--patch`), not a bug (`--bug`).
            pub fix: bool,
            $( $(#[doc = $doc])* $name: unsafe extern "C-unwind" fn($(ffi_type!($kind)),*) $(-> ffi_type!($ret))?, )*
        }
    };
}
entry_points!(variant_struct);

/// The [`Variant`] `$vname` whose entry points are the C symbols
/// `<$sym>_<entry point>`: a row of the generated `variants.rs`,
/// `entry_points!(variant_row, name, sym, about, fix)`.
macro_rules! variant_row {
    ([$vname:literal, $sym:literal, $about:literal, $fix:literal]
     $( $(#[doc = $doc:literal])* $name:ident($($arg:ident: $kind:ident),* $(,)?) $(-> $ret:ident)?; )*) => {
        Variant {
            name: $vname,
            about: $about,
            fix: $fix,
            $( $name: {
                extern "C-unwind" {
                    #[link_name = concat!($sym, "_", stringify!($name))]
                    fn $name($($arg: ffi_type!($kind)),*) $(-> ffi_type!($ret))?;
                }
                $name
            }, )*
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/variants.rs"));

extern "C-unwind" {
    fn daxk_reset_common(size: i64, buckets: u64);
    fn daxk_wait_bucket(index: u64) -> u64;
    fn daxk_hole_page_probe(pfns: *mut u64) -> c_int;
    fn daxk_fail_allocs(mask: u64);
    fn daxk_set_size(size: i64);
    fn daxk_collect(start: u64, end: u64, out: *mut u64, max: c_int) -> c_int;
    fn daxk_collect_marked(
        mark: u32,
        index: *mut u64,
        entry: *mut *mut c_void,
        max: c_int,
    ) -> c_int;
    fn daxk_entries(ctx: *mut c_void, f: EntryFn);
    fn daxk_file_is_fixed() -> c_int;
}
/// (context, first index, order, fingerprint value, dirty, towrite, entry).
type EntryFn = extern "C" fn(*mut c_void, u64, u32, u64, c_int, c_int, *mut c_void);

const VM_FAULT_OOM: u32 = 0x1;
const VM_FAULT_SIGBUS: u32 = 0x2;
const VM_FAULT_FALLBACK: u32 = 0x800;
/// `PAGECACHE_TAG_DIRTY` (`XA_MARK_0`).
const PAGECACHE_TAG_DIRTY: u32 = 0;

/// A tree entry as the tree's own helpers read it ([`KernelMapping::decode`]).
struct Decoded {
    locked: bool,
    pmd: bool,
    kind: EntryKind,
}

/// The variant that runs `bugs`, or fix patch `patch` (one at a time).
fn variant(bugs: Bugs, patch: Option<&'static Variant>) -> Result<&'static Variant, String> {
    let name = bugs.variant();
    if let Some(fix) = patch {
        if name != "fixed" {
            return Err(format!(
                "the kernel target applies one patch at a time: `--bug {name}` or `--patch {}`",
                fix.name
            ));
        }
        return Ok(fix);
    }
    if bugs.names().len() > 1 {
        return Err(format!(
            "the kernel target re-introduces one bug at a time, not `{name}`"
        ));
    }
    VARIANTS
        .iter()
        .find(|v| v.name == name && !v.fix)
        .ok_or_else(|| {
            let why = SKIPPED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, why)| format!(": its patch does not apply to {KERNEL_VERSION} ({why})"))
                .unwrap_or_else(|| {
                    format!(
                        ": no patch re-introduces it in the {KERNEL_ERA}-era code (kernel variants: {})",
                        VARIANTS
                            .iter()
                            .filter(|v| !v.fix)
                            .map(|v| v.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            format!("no kernel variant `{name}`{why}")
        })
}

/// Whether a read fault leaves its entry clean in the tree's code, or with the
/// fix patch `fix` applied ([`KernelTarget`]'s truths, which say more).
fn read_faults_leave_entries_clean(fix: Option<&'static Variant>) -> bool {
    fix.and_then(|v| {
        VARIANT_READS_CLEAN
            .iter()
            .find(|(name, _)| *name == v.name)
            .and_then(|(_, clean)| *clean)
    })
    .or(READ_FAULTS_LEAVE_ENTRIES_CLEAN)
    .unwrap_or(true)
}

/// A Linux tree's fs/dax.c with the model's page tables, block map and VMAs.
pub struct KernelMapping<B: Backend> {
    world: Arc<World<B>>,
    v: &'static Variant,
}

impl<B: Backend> KernelMapping<B> {
    /// A fresh kernel state for one execution (the C globals are reset).
    /// With `patch`, the variant of that fix patch runs (`config.bugs` is then
    /// `fixed`); bit N-1 of `fail_allocs` makes the Nth node allocation fail.
    pub fn new(
        config: &MappingConfig,
        observer: Arc<dyn Observer>,
        patch: Option<&'static Variant>,
        fail_allocs: u64,
    ) -> Self {
        let v = variant(config.bugs, patch).expect("checked by KernelTarget::supports");
        let mm = Arc::new(Mapping::<B>::observed(
            daxlock::check::target::MAPPING_ID,
            config,
            Some(observer),
        ));
        unsafe {
            daxk_reset_common(
                (config.file.size_pages * 4096) as i64,
                config.wait_buckets as u64,
            );
            daxk_fail_allocs(fail_allocs);
            (v.reset)();
        }
        let world = Arc::new(World::new(
            mm,
            world::Heads {
                head_of: v.head_of,
                waiters_at: v.waiters_at,
            },
            fail_allocs != 0,
            config.threads,
            // The radix era's fault path is not argued (World::non_fault_op_done).
            config.non_faults.filter(|_| KERNEL_ERA != radix::RADIX_ERA),
        ));
        world.writeback_walk_bound(
            config
                .vmas
                .iter()
                .map(|vma| vma.end.saturating_sub(vma.start) / 4096)
                .sum(),
        );
        world.zero_dirty_rule(
            KERNEL_ERA != radix::RADIX_ERA && !read_faults_leave_entries_clean(patch),
        );
        world::install(world.clone());
        World::declare_c_memory(&world);
        KernelMapping { world, v }
    }

    fn mm(&self) -> &Mapping<B> {
        &self.world.mm
    }

    /// Calls into C as the running model thread.
    fn call<R>(&self, op: KOp, f: impl FnOnce() -> R) -> R {
        let _me: *mut CTask = self.world.enter(op);
        world::c_runs();
        f()
    }

    /// [`KernelMapping::call`] of one of the tree's entry points, which returns
    /// only an integer: a scope of the stateful checker ([`World::entry_point`]).
    fn call_entry<R: std::hash::Hash>(&self, op: KOp, f: impl FnOnce() -> R) -> R {
        self.world.entry_point(|| self.call(op, f))
    }

    /// One DAX fault through the tree's handler for `size`: dax_iomap_pte_fault() or
    /// dax_iomap_pmd_fault().
    fn fault(
        &self,
        vma: &Vma,
        addr: u64,
        write: bool,
        i_size: u64,
        size: FaultSize,
    ) -> FaultResult {
        let index = vma.index_of(addr);
        let pmd = size == FaultSize::Pmd;
        self.mm()
            .observe(if pmd { "pmd-fault" } else { "pte-fault" }, || {
                vec![
                    ("addr", addr.into()),
                    ("index", index.into()),
                    ("write", write.into()),
                ]
            });
        let v = DaxkVma {
            start: vma.start,
            end: vma.end,
            pgoff: vma.pgoff,
            shared: i32::from(vma.shared),
        };
        let handler = if pmd {
            self.v.pmd_fault
        } else {
            self.v.pte_fault
        };
        let r = self.call_entry(KOp::Fault, || unsafe {
            handler(&v, addr, i32::from(write))
        });
        if r & VM_FAULT_SIGBUS != 0 || r & VM_FAULT_OOM != 0 {
            let spurious = index < i_size;
            self.mm().observe("sigbus", || {
                vec![("index", index.into()), ("code", u64::from(r).into())]
            });
            return FaultResult::Sigbus { spurious };
        }
        if r & VM_FAULT_FALLBACK != 0 {
            self.mm()
                .observe("fallback", || vec![("index", index.into())]);
            return FaultResult::Fallback;
        }
        FaultResult::Retry
    }

    /// The first index of every entry in `[start, end]`, read under the xarray lock.
    fn collect(&self, start: u64, end: u64) -> Vec<u64> {
        let mut out = vec![0u64; 1024];
        let n = self.call(KOp::Other, || unsafe {
            daxk_collect(start, end, out.as_mut_ptr(), 1024)
        });
        out.truncate(n.max(0) as usize);
        out
    }

    /// What tree entry `entry` is, read by the variant's `decode` entry point: the
    /// tree's own dax_is_*() helpers (the radix era's bits differ from the xarray
    /// eras').
    fn decode(&self, entry: *mut c_void) -> Decoded {
        let (mut locked, mut pmd, mut zero, mut empty, mut pfn) = (0, 0, 0, 0, 0u64);
        unsafe {
            (self.v.decode)(
                entry,
                &mut locked,
                &mut pmd,
                &mut zero,
                &mut empty,
                &mut pfn,
            )
        };
        let kind = if empty != 0 {
            EntryKind::Empty
        } else if zero != 0 {
            EntryKind::Zero
        } else {
            EntryKind::Mapped { frame: pfn }
        };
        Decoded {
            locked: locked != 0,
            pmd: pmd != 0,
            kind,
        }
    }

    /// The first index of every entry with storage marked DIRTY, for the timeline's
    /// `fsync-done` (xarray eras): read as the end-state checks read the tree
    /// ([`KernelMapping::tree`]), without the xarray lock and with no step of the
    /// stateful checker.
    ///
    /// Why no step: what it reads goes to the observer only (the event's text),
    /// never to the thread, which returns from fsync with the harms it had; it
    /// writes nothing. So no future of any thread depends on it, and a scheduling
    /// point there (the xarray lock's acquire, as this was read before issue 18's
    /// ninth session) only multiplied the states by where the other threads stood
    /// when fsync looked. Only under the stateful checker, whose threads take
    /// their steps one at a time on one OS thread, as its fingerprint walks the
    /// tree without the lock at every state; the other backends (real threads
    /// among them) keep the locked read (`marked`).
    fn left_dirty(&self) -> Vec<u64> {
        self.tree()
            .iter()
            .filter(|(_, e)| e.dirty && matches!(e.kind, EntryKind::Mapped { .. }))
            .map(|(index, _)| index)
            .collect()
    }

    /// Every entry with storage carrying xarray mark `mark`, as (first index, first
    /// frame, frames), read under the xarray lock.
    fn marked(&self, mark: u32) -> Vec<(u64, u64, u64)> {
        let mut index = vec![0u64; 1024];
        let mut entry = vec![std::ptr::null_mut::<c_void>(); 1024];
        let n = self.call(KOp::Other, || unsafe {
            daxk_collect_marked(mark, index.as_mut_ptr(), entry.as_mut_ptr(), 1024)
        });
        index
            .into_iter()
            .zip(entry)
            .take(n.max(0) as usize)
            .filter_map(|(i, e)| match self.decode(e) {
                Decoded {
                    kind: EntryKind::Mapped { frame },
                    pmd,
                    ..
                } => Some((i, frame, if pmd { 512 } else { 1 })),
                _ => None,
            })
            .collect()
    }

    /// The tree as the model's invariants read it.
    fn tree(&self) -> Tree {
        /// (first index, order, entry, dirty) of every entry.
        type Raw = Vec<(u64, u32, *mut c_void, bool)>;
        extern "C" fn push(
            ctx: *mut c_void,
            index: u64,
            order: u32,
            _value: u64,
            dirty: c_int,
            _tw: c_int,
            entry: *mut c_void,
        ) {
            let v = unsafe { &mut *(ctx as *mut Raw) };
            v.push((index, order, entry, dirty != 0));
        }
        let mut entries: Raw = Vec::new();
        unsafe { daxk_entries(&mut entries as *mut _ as *mut c_void, push) };
        let mut tree = Tree::default();
        for (index, order, entry, dirty) in entries {
            let d = self.decode(entry);
            let size = if d.pmd || order > 0 {
                EntrySize::Pmd
            } else {
                EntrySize::Pte
            };
            let e = Entry {
                size,
                kind: d.kind,
                locked: d.locked,
                dirty,
            };
            let _ = tree.insert(index, e);
        }
        tree
    }
}

impl<B: Backend> System<B> for KernelMapping<B> {
    fn access(&self, addr: u64, access: Access, size: FaultSize) -> AccessResult {
        self.mm().access_with(
            addr,
            access,
            size,
            |vma, addr, write, i_size| self.fault(vma, addr, write, i_size, FaultSize::Pte),
            |vma, addr, write, i_size| self.fault(vma, addr, write, i_size, FaultSize::Pmd),
        )
    }

    /// Kernel: dax_writeback_mapping_range() over the whole file, its postcondition
    /// checked by [`Mapping::fsync_with`](daxlock::dax::Mapping::fsync_with) (every
    /// store made before it began flushed, return 0); dax_flush() reports the frames
    /// it flushes ([`Mapping::record_flush`]). The timeline's `fsync-done` says what
    /// it returned and which entries it left marked DIRTY (read under the xarray
    /// lock as it returns).
    fn fsync(&self) -> Vec<Harm> {
        let mut ret = 0;
        let harms = self.mm().fsync_with(|| {
            ret = self.call_entry(KOp::Fsync, || unsafe { (self.v.fsync)() });
            self.world.non_fault_op_done();
            ret
        });
        // The radix era reads the marks under tree_lock, a step of its own, and so
        // do the xarray eras but under the stateful checker (and there in a test:
        // `Switches::left_dirty_locked`): see `left_dirty`.
        let stateful = TypeId::of::<B>() == TypeId::of::<Stateful>();
        let locked = KERNEL_ERA == radix::RADIX_ERA
            || !stateful
            || crate::switches::switches().left_dirty_locked;
        let locked_left = locked.then(|| {
            self.marked(PAGECACHE_TAG_DIRTY)
                .into_iter()
                .map(|e| e.0)
                .collect::<Vec<_>>()
        });
        self.mm().observe("fsync-done", || {
            let left = locked_left.unwrap_or_else(|| self.left_dirty());
            vec![
                ("ret", ret.to_string().into()),
                ("left-dirty", format!("{left:x?}").into()),
            ]
        });
        harms
    }

    /// Kernel: ext4_setattr() under `i_mmap_sem` for writing: i_size, then
    /// truncate_pagecache() (unmap, dax_delete_mapping_entry() for each entry from
    /// the new end, unmap again), then the filesystem frees the blocks. The shape is
    /// the model's ([`Mapping::truncate_with`]); the entries are the kernel's. Under
    /// `[file] fs = "ext4"` or `"xfs"` the shape also holds the inode's `i_rwsem`
    /// (do_truncate()'s inode_lock()), a backend lock, around the tree's calls.
    fn truncate(&self, size_pages: u64) {
        let mm = self.mm();
        mm.truncate_with(
            size_pages,
            |size| {
                // The C inode's i_size, under the same `i_mmap_sem` (no fault runs).
                world::c_runs();
                unsafe { daxk_set_size((size * 4096) as i64) };
                self.collect(size, u64::MAX)
            },
            |index| {
                let removed =
                    self.call_entry(KOp::Truncate, || unsafe { (self.v.delete_entry)(index) });
                if removed != 0 {
                    mm.visit(Branch::TruncateDelete);
                }
                mm.observe("delete", || {
                    vec![("index", index.into()), ("removed", (removed != 0).into())]
                });
            },
        );
        self.world.non_fault_op_done();
    }

    /// Kernel: dax_iomap_rw() allocating blocks; with `IOMAP_F_NEW`,
    /// invalidate_inode_pages2_range() → dax_invalidate_mapping_entry_sync() for each
    /// entry of the range, then unmap_mapping_range(). The shape is the model's
    /// ([`Mapping::write_with`]); the entries are the kernel's. Under `[file] fs =
    /// "ext4"` or `"xfs"` the shape holds the inode's `i_rwsem` (ext4_dax_write_iter()'s
    /// inode_lock(), xfs_file_dax_write()'s `XFS_IOLOCK_EXCL`), a backend lock, around
    /// the whole write, the tree's calls included.
    fn write(&self, pgoff: u64, pages: u64) {
        let mm = self.mm();
        mm.write_with(
            pgoff,
            pages,
            || self.collect(pgoff, pgoff + pages - 1),
            |index| {
                let removed =
                    self.call_entry(KOp::Write, || unsafe { (self.v.invalidate_entry)(index) });
                if removed != 0 {
                    mm.visit(Branch::InvalidateDelete);
                }
                mm.observe("invalidate", || {
                    vec![("index", index.into()), ("removed", (removed != 0).into())]
                });
            },
        );
        self.world.non_fault_op_done();
    }

    /// Kernel: mf_dax_kill_procs()'s dax_lock_mapping_entry() and
    /// dax_unlock_mapping_entry(), through the driver's entry point.
    fn memory_failure(&self, pgoff: u64) {
        let mm = self.mm();
        mm.observe("memory-failure", || vec![("index", pgoff.into())]);
        let locked = self.call_entry(KOp::MemoryFailure, || unsafe {
            (self.v.lock_unlock_entry)(pgoff)
        });
        self.world.non_fault_op_done();
        if locked == 0 {
            mm.visit(Branch::LockEntryNothing);
        }
        mm.observe("lock-entry", || {
            vec![("index", pgoff.into()), ("locked", (locked != 0).into())]
        });
    }

    fn fault_limit(&self) -> usize {
        self.mm().fault_limit()
    }

    fn end_state_violations(&self) -> Vec<Harm> {
        world::record_end_state();
        let tree = self.tree();
        let queued: Vec<u64> = world::waiters(self.v.waiters)
            .into_iter()
            .map(|(_, _, key, _)| key)
            .collect();
        let mm = self.mm();
        mm.end_state_violations_of(&tree, &queued, &mm.truths())
    }
}

/// The wait-table head the tree's dax_entry_waitqueue() picks for key `index`
/// when a scenario asks for `wait_buckets` buckets: the kernel's own hash of the
/// mapping's (fixed) address and the index, folded onto the first `wait_buckets`
/// of its 4096 heads when that is fewer (README: The kernel target).
pub fn wait_bucket(index: u64, wait_buckets: usize) -> u64 {
    let _serial = daxlock::check::run::serial_guard();
    unsafe {
        daxk_reset_common(0, wait_buckets as u64);
        daxk_wait_bucket(index)
    }
}

/// A probe of the radix era's hole-page allocator (the page allocator behind
/// find_or_create_page()): the pfns of two pages made while both are held and of
/// the page made after the second was freed (all three at one index), of a page
/// made last at a lower index, and whether the C state's
/// fingerprint once it was free equals the one from before it was made (while it
/// was in the page cache it differed). `None` in the xarray era (no hole pages).
pub fn hole_page_probe() -> Option<([u64; 4], bool)> {
    let _serial = daxlock::check::run::serial_guard();
    let mut pfns = [0u64; 4];
    let r = unsafe {
        daxk_reset_common(0, 4096);
        daxk_hole_page_probe(pfns.as_mut_ptr())
    };
    (r >= 0).then_some((pfns, r == 1))
}

/// Builds [`KernelMapping`]s (of fix patch `patch`, if any; failing the
/// allocations of `fail_allocs`).
#[derive(Clone, Copy, Default)]
pub struct KernelFamily {
    patch: Option<&'static Variant>,
    fail_allocs: u64,
}

impl Family for KernelFamily {
    fn build<B: Backend>(
        &self,
        config: &MappingConfig,
        observer: Arc<dyn Observer>,
    ) -> Arc<dyn System<B>> {
        Arc::new(KernelMapping::<B>::new(
            config,
            observer,
            self.patch,
            self.fail_allocs,
        ))
    }
}

/// Where an xarray-era kernel's verdict differs from the scenario's (the model's),
/// and why: (scenario, bug, kernel verdict, reason). The README's model-vs-kernel
/// table.
pub const KERNEL_EXPECTATIONS: &[(&str, &str, Verdict, &str)] = &[
    (
        "fsync-vs-read-fault",
        "fixed",
        Verdict::LostWrite,
        FSYNC_SKIPS_LOCKED_ENTRY,
    ),
    (
        "fsync-vs-pmd-fault",
        "fixed",
        Verdict::LostWrite,
        FSYNC_SKIPS_LOCKED_PMD_ENTRY,
    ),
    (
        "aligned-pmd-pte",
        "fixed",
        Verdict::LostWrite,
        FSYNC_SKIPS_LOCKED_PMD_ENTRY,
    ),
    (
        "aligned-pmd-pte",
        "misaligned-pmd",
        Verdict::LostWrite,
        FSYNC_SKIPS_LOCKED_PMD_ENTRY,
    ),
    (
        "seed-sequential",
        "misaligned-pmd",
        Verdict::Invariant,
        XARRAY_MISALIGNED,
    ),
    (
        "seed-concurrent",
        "misaligned-pmd",
        Verdict::Invariant,
        XARRAY_MISALIGNED,
    ),
    (
        "storage-misaligned",
        "misaligned-pmd",
        Verdict::WrongPage,
        "the xarray code asks iomap for the 2 MiB at the aligned index round_down(FA), whose storage is aligned, so the pfn check no longer falls back: the PMD maps round_down(FA)'s blocks where FB's belong, and the content check, judged from the block map, sees the wrong pages",
    ),
];

/// Branches a scenario's `[expect] visits` names that an xarray-era tree's code
/// cannot take there, and why: (scenario, branch, only on trees whose read faults
/// dirty their entries, reason). The gate does not demand them on those trees;
/// 4.13 (the radix-tree era) takes every one.
pub const KERNEL_UNVISITED: &[(&str, Branch, bool, &str)] = &[
    ("aligned-pmd-pte", Branch::WritebackWait, false, WRITEBACK_NEVER_WAITS),
    ("eexist-starves-fsync", Branch::WritebackWait, false, WRITEBACK_NEVER_WAITS),
    ("fsync-vs-read-fault", Branch::WritebackWait, false, WRITEBACK_NEVER_WAITS),
    ("fsync-vs-pmd-fault", Branch::WritebackWait, false, WRITEBACK_NEVER_WAITS),
    (
        "bug-grab-after-iomap",
        Branch::InvalidateDelete,
        true,
        "the read fault's entry is tagged dirty (6.1), and write(2)'s invalidation deletes only clean entries",
    ),
];

const WRITEBACK_NEVER_WAITS: &str = "the tree's dax_writeback_one() never sleeps on a locked entry: it skips it (README: Findings, 1); --patch writeback-waits restores the wait";

/// Expectations of trees whose read faults tag their entries dirty (6.1), beside
/// [`KERNEL_EXPECTATIONS`]: (scenario, bug, kernel verdict, reason).
pub const READS_DIRTY_EXPECTATIONS: &[(&str, &str, Verdict, &str)] = &[(
    "read-fault-leaves-entry-clean",
    "fixed",
    Verdict::SpuriousDirty,
    "finding 2 (README: Findings): dax_insert_entry() computes dirty = !dax_fault_is_synchronous(), without 6.12's `write &&`, so every read fault tags its entry DIRTY: every read fault dirties the inode, and fsync write-protects and flushes read-only and zero-page entries",
)];

/// The finding of README "Findings": the fsync skip.
pub const FSYNC_SKIPS_LOCKED_ENTRY: &str = "dax_writeback_one() meets the entry locked by the read fault and calls get_unlocked_entry() on the xa_state xas_for_each_marked() positioned; xas_find_conflict() finds no entry after that position and returns NULL, so the entry is skipped (goto put_unlocked, return 0) with DIRTY and TOWRITE kept, neither write-protected nor flushed, and fsync returns 0 (fixed by --patch writeback-waits)";
/// The finding of README "Findings", 1, on a PMD entry.
pub const FSYNC_SKIPS_LOCKED_PMD_ENTRY: &str = "the fsync skip (README: Findings, 1) on a PMD entry: a 4 KiB fault holds the dirty PMD entry at index 0 locked (grab_mapping_entry() at order 0 returns the PMD entry that covers its index and locks it) while dax_writeback_one() reaches it; the walk left the xa_state on the node holding the multi-order entry, whose shift is above the order-0 state's, and xas_find_conflict() returns NULL there at once, so the whole 2 MiB is skipped with DIRTY and TOWRITE kept and fsync returns 0 (fixed by --patch writeback-waits; on 6.1 by --patch writeback-waits-clean-reads)";
/// The expectations of this build's era: [`KERNEL_EXPECTATIONS`] for the xarray
/// era, [`radix::RADIX_EXPECTATIONS`] for the radix-tree era.
pub fn expectations() -> &'static [(&'static str, &'static str, Verdict, &'static str)] {
    if KERNEL_ERA == radix::RADIX_ERA {
        radix::RADIX_EXPECTATIONS
    } else {
        KERNEL_EXPECTATIONS
    }
}

/// Where one era's verdict differs from the scenario's (checked before
/// [`KERNEL_EXPECTATIONS`]): (era, scenario, bug, kernel verdict, reason).
pub const ERA_EXPECTATIONS: &[(&str, &str, &str, Verdict, &str)] = &[
    (
        "xarray-5.15",
        "memory-failure-waits-shared",
        "lock-entry-exclusive-wait",
        Verdict::Verified,
        MF_515,
    ),
    (
        "xarray-5.15",
        "aligned-pmd-pte",
        "fixed",
        Verdict::LostWrite,
        MKCLEAN_FIRST_INDEX,
    ),
    (
        "xarray-5.15",
        "aligned-pmd-pte",
        "misaligned-pmd",
        Verdict::LostWrite,
        MKCLEAN_FIRST_INDEX,
    ),
];

/// Why 4.13 and 5.15 leave a writable PTE on a clean PMD entry after fsync (README:
/// Findings, 2).
pub const MKCLEAN_FIRST_INDEX: &str = "before 5.18 writeback write-protects only the mapping of the entry's first index in each VMA (4.13's dax_mapping_entry_mkclean(), 5.15's dax_entry_mkclean(): follow_pte_pmd()/follow_invalidate_pte() at that one address); a 4 KiB mapping of another page of a PMD entry stays writable while the entry is cleaned, so later stores dirty no entry and the next fsync cannot find them (fixed in 5.18 by 'dax: fix missing writeprotect the pte entry', which write-protects every page with pfn_mkclean_range()). Both walks are written in our words in the shims (the kernel's own page-table walk is not compiled), so this rests on our reading of them";

/// Bugs an era builds but whose faulty wait no operation reaches there:
/// (era, bug, why). The gate runs their rows and prints these.
pub const ERA_UNREACHABLE: &[(&str, &str, &str)] =
    &[("xarray-5.15", "lock-entry-exclusive-wait", MF_515)];

const MF_515: &str = "5.15's memory failure locks through dax_lock_page(), which reaches only an entry with storage (a page whose mapping dax_associate_entry() set); it always locks that entry and its unlock wakes the next waiter, so the exclusive wait's spent wakeup is passed on; the lost wakeup needs an entry without storage, which 6.0's dax_lock_mapping_entry() waits on and leaves unlocked";

const XARRAY_MISALIGNED: &str = "v4.13 grabbed at FB but inserted at FA, so FA's entry stayed locked (a hang); the xarray code grabs, inserts and unlocks through one aligned xa_state, so nothing stays locked, but the huge mapping at a misaligned address maps round_down(FA)'s pages where FB's belong (FA: the faulting address's file page; FB: the PMD-aligned address's, the colour lemma's names). Over a hole the zero page is the right content, so the tree disagreeing with the page table (invariant) is the harm seen; with blocks (storage-misaligned) it is wrong-page";

/// The `kernel` target: the tree this crate was built from, as it is or with one fix
/// patch (`--patch`).
#[derive(Default)]
pub struct KernelTarget {
    patch: daxlock::sync::poison_free::Mutex<Option<&'static Variant>>,
    /// Bit N-1: the Nth node allocation of every execution fails (`--fail-alloc`).
    fail_allocs: std::sync::atomic::AtomicU64,
}

impl KernelTarget {
    /// The tree with fix patch `name` applied (see [`Target::select_patch`]).
    pub fn patched(name: &str) -> Result<Self, String> {
        let t = KernelTarget::default();
        t.select_patch(Some(name))?;
        Ok(t)
    }

    fn fix(&self) -> Option<&'static Variant> {
        *self.patch.lock()
    }

    fn fail_allocs(&self) -> u64 {
        self.fail_allocs.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Target for KernelTarget {
    fn name(&self) -> &'static str {
        "kernel"
    }

    fn supports(&self, scenario: &Scenario, bugs: Bugs) -> Result<(), String> {
        variant(bugs, self.fix())?;
        // Every operation has kernel code behind it; a new kind of operation must
        // say here whether it does (this match is exhaustive on purpose).
        for op in scenario.threads.iter().flatten() {
            match op {
                Op::Fault { .. }
                | Op::Fsync
                | Op::Truncate { .. }
                | Op::Write { .. }
                | Op::MemoryFailure { .. } => {}
            }
        }
        if let Some(why) = self.cannot_run(scenario) {
            return Err(format!("kernel {KERNEL_VERSION}: {why}"));
        }
        Ok(())
    }

    fn maker(&self, backend: TypeId) -> Option<Box<dyn Any>> {
        maker_for(
            &KernelFamily {
                patch: self.fix(),
                fail_allocs: self.fail_allocs(),
            },
            backend,
        )
    }

    fn serial(&self) -> bool {
        true
    }

    /// Its C memory is declared to the stateful backend (`World::declare_c_memory`):
    /// the partial-order reduction sees it.
    fn opaque_state(&self) -> bool {
        false
    }

    fn cannot_run(&self, scenario: &Scenario) -> Option<String> {
        (KERNEL_ERA == radix::RADIX_ERA)
            .then(|| radix::cannot_run(scenario))
            .flatten()
    }

    fn expected(&self, scenario: &str, bugs: Bugs, model: Verdict) -> Verdict {
        let reads_dirty = !self.truths().read_faults_leave_entries_clean;
        let era = ERA_EXPECTATIONS
            .iter()
            .find(|(e, s, b, _, _)| *e == KERNEL_ERA && *s == scenario && bugs.variant() == *b)
            .map(|(_, _, _, v, _)| *v);
        era.or_else(|| {
            expectations()
                .iter()
                .chain(READS_DIRTY_EXPECTATIONS.iter().filter(|_| reads_dirty))
                .find(|(s, b, _, _)| *s == scenario && bugs.variant() == *b)
                .map(|(_, _, v, _)| *v)
        })
        .unwrap_or(model)
    }

    fn unreachable_bugs(&self) -> Vec<(&'static str, &'static str)> {
        ERA_UNREACHABLE
            .iter()
            .filter(|(e, _, _)| *e == KERNEL_ERA)
            .map(|(_, b, why)| (*b, *why))
            .collect()
    }

    /// The branches the hooks see (README: The kernel target, branch coverage).
    /// The hook sites are named after the xarray era's functions (6.x and 7.x). The
    /// radix-tree era (4.13) names its waits and inserts otherwise and is not mapped
    /// yet: it reports no branches, and `[expect] visits` is not checked there. 5.15's
    /// memory failure locks through dax_lock_page(), whose wait the memory-failure
    /// scenario never reaches (it locks only an entry with storage), so `lock-entry-wait`
    /// is not asked of it.
    fn visible_branches(&self) -> BranchSet {
        let radix = KERNEL_ERA == radix::RADIX_ERA;
        let seen: Vec<Branch> = world::VISIBLE_BRANCHES
            .iter()
            .copied()
            .filter(|b| KERNEL_ERA != "xarray-5.15" || *b != Branch::LockEntryWait)
            // 4.13: no memory failure's entry lock; two WARNs of its own.
            .filter(|b| !radix || !matches!(b, Branch::LockEntryWait | Branch::LockEntryNothing))
            .chain(world::RADIX_ONLY_BRANCHES.iter().copied().filter(|_| radix))
            .collect();
        BranchSet::of(&seen)
    }

    fn demands_visit(&self, scenario: &str, branch: Branch) -> bool {
        let reads_dirty = !self.truths().read_faults_leave_entries_clean;
        // 4.13 takes every visible branch its scenarios name (its writeback waits
        // for a locked entry): KERNEL_UNVISITED is the xarray eras'.
        let radix = KERNEL_ERA == radix::RADIX_ERA;
        self.visible_branches().contains(branch)
            && !KERNEL_UNVISITED.iter().any(|&(s, b, only_reads_dirty, _)| {
                !radix && s == scenario && b == branch && (reads_dirty || !only_reads_dirty)
            })
    }

    /// The tree's own: whether a read fault leaves its entry clean is read from
    /// dax_insert_entry()'s `dirty` initialiser at build time
    /// ([`READ_FAULTS_LEAVE_ENTRIES_CLEAN`]; 6.1: dirty, 6.12: clean); a tree where
    /// it was not found gets the model's truth.
    ///
    /// A fix patch may change it (`clean-reads`): the selected fix's own patched text
    /// decides then ([`VARIANT_READS_CLEAN`]).
    fn truths(&self) -> Truths {
        Truths {
            read_faults_leave_entries_clean: read_faults_leave_entries_clean(self.fix()),
        }
    }

    fn bug_names(&self) -> Vec<&'static str> {
        VARIANTS
            .iter()
            .filter(|v| !v.fix && v.name != "fixed")
            .map(|v| v.name)
            .collect()
    }

    fn select_alloc_failures(&self, nths: &[u32]) -> Result<(), String> {
        let mut mask = 0u64;
        for &n in nths {
            if !(1..=64).contains(&n) {
                return Err(format!(
                    "--fail-alloc {n}: allocations are numbered 1 to 64 within an execution"
                ));
            }
            mask |= 1 << (n - 1);
        }
        self.fail_allocs
            .store(mask, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn run_args(&self) -> String {
        let mut args = String::new();
        if let Some(v) = self.fix() {
            args.push_str(&format!(" --patch {}", v.name));
        }
        let mask = self.fail_allocs();
        for n in (0..64).filter(|n| mask >> n & 1 != 0) {
            args.push_str(&format!(" --fail-alloc {}", n + 1));
        }
        args
    }

    fn patch_names(&self) -> Vec<&'static str> {
        VARIANTS.iter().filter(|v| v.fix).map(|v| v.name).collect()
    }

    fn select_patch(&self, name: Option<&str>) -> Result<(), String> {
        let fix =
            match name {
                None => None,
                Some(n) => Some(VARIANTS.iter().find(|v| v.fix && v.name == n).ok_or_else(
                    || {
                        let why = SKIPPED
                            .iter()
                            .find(|(s, _)| *s == n)
                            .map(|(_, why)| {
                                format!(": it does not apply to {KERNEL_VERSION} ({why})")
                            })
                            .unwrap_or_else(|| {
                                format!(" (patches: {})", self.patch_names().join(", "))
                            });
                        format!("unknown kernel patch `{n}`{why}")
                    },
                )?),
            };
        *self.patch.lock() = fix;
        Ok(())
    }

    fn describe(&self) -> String {
        let fixed = unsafe { daxk_file_is_fixed() } != 0;
        format!(
            "kernel {KERNEL_VERSION} ({KERNEL_SRC}, {KERNEL_ERA} era){}{}{}{}",
            self.fix()
                .map(|p| format!(" with patch {}", p.name))
                .unwrap_or_default(),
            if self.fail_allocs() != 0 {
                format!(
                    ", failing allocations{}",
                    self.run_args()
                        .split(" --fail-alloc ")
                        .skip(1)
                        .map(|n| format!(" #{}", n.trim()))
                        .collect::<String>()
                )
            } else {
                String::new()
            },
            if KERNEL_ERA == radix::RADIX_ERA {
                "; memory-failure scenarios are left out (4.13 has no dax_lock_mapping_entry())"
            } else {
                ""
            },
            if fixed {
                ""
            } else {
                "; the mapping is not at its fixed address, so wait-table buckets may differ between runs"
            }
        )
    }
}
