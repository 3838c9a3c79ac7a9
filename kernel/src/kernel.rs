//! The kernel target: scenario operations through the extracted C code.

use crate::radix;
use crate::world::{self, CTask, Waiters, World};
use daxlock::check::target::{maker_for, Family, Target};
use daxlock::check::Verdict;
use daxlock::dax::observe::Observer;
use daxlock::dax::tree::Tree;
use daxlock::dax::{
    Access, AccessResult, Bugs, Entry, EntryKind, EntrySize, FaultResult, FaultSize, Mapping,
    MappingConfig, System, Vma,
};
use daxlock::scenario::{Op, Scenario};
use daxlock::sync::Backend;
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

/// One compiled variant: the unpatched tree or one bug patch.
pub struct Variant {
    /// `fixed` or the bug's name.
    pub name: &'static str,
    /// What the patch breaks.
    pub about: &'static str,
    pte_fault: unsafe extern "C-unwind" fn(*const DaxkVma, u64, i32) -> u32,
    pmd_fault: unsafe extern "C-unwind" fn(*const DaxkVma, u64, i32) -> u32,
    fsync: unsafe extern "C-unwind" fn() -> i32,
    delete_entry: unsafe extern "C-unwind" fn(u64) -> i32,
    invalidate_entry: unsafe extern "C-unwind" fn(u64) -> i32,
    #[allow(dead_code)]
    lock_unlock_entry: unsafe extern "C-unwind" fn(u64) -> i32,
    reset: unsafe extern "C-unwind" fn(),
    waiters: Waiters,
}

use world::WaiterFn;
include!(concat!(env!("OUT_DIR"), "/variants.rs"));

extern "C-unwind" {
    fn daxk_reset_common(size: i64);
    fn daxk_set_size(size: i64);
    fn daxk_collect(start: u64, end: u64, out: *mut u64, max: c_int) -> c_int;
    fn daxk_entries(ctx: *mut c_void, f: EntryFn);
    fn daxk_file_is_fixed() -> c_int;
}
type EntryFn = extern "C" fn(*mut c_void, u64, u32, u64, c_int, c_int);

const VM_FAULT_OOM: u32 = 0x1;
const VM_FAULT_SIGBUS: u32 = 0x2;
const VM_FAULT_FALLBACK: u32 = 0x800;

fn variant(bugs: Bugs) -> Result<&'static Variant, String> {
    let name = bugs.variant();
    if bugs.names().len() > 1 {
        return Err(format!(
            "the kernel target re-introduces one bug at a time, not `{name}`"
        ));
    }
    VARIANTS.iter().find(|v| v.name == name).ok_or_else(|| {
        let why = SKIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, why)| format!(": its patch does not apply to {KERNEL_VERSION} ({why})"))
            .unwrap_or_else(|| {
                format!(
                    ": no patch re-introduces it in the {KERNEL_ERA}-era code (kernel variants: {})",
                    VARIANTS
                        .iter()
                        .map(|v| v.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        format!("no kernel variant `{name}`{why}")
    })
}

/// A Linux tree's fs/dax.c with the model's page tables, block map and VMAs.
pub struct KernelMapping<B: Backend> {
    world: Arc<World<B>>,
    v: &'static Variant,
}

impl<B: Backend> KernelMapping<B> {
    /// A fresh kernel state for one execution (the C globals are reset).
    pub fn new(config: &MappingConfig, observer: Arc<dyn Observer>) -> Self {
        let v = variant(config.bugs).expect("checked by KernelTarget::supports");
        let mm = Arc::new(Mapping::<B>::observed(
            daxlock::check::runner::MAPPING_ID,
            config,
            Some(observer),
        ));
        unsafe {
            daxk_reset_common((config.file.size_pages * 4096) as i64);
            (v.reset)();
        }
        let world = Arc::new(World::new(mm, v.waiters));
        world::install(world.clone());
        KernelMapping { world, v }
    }

    fn mm(&self) -> &Mapping<B> {
        &self.world.mm
    }

    /// Calls into C as the running model thread.
    fn call<R>(&self, f: impl FnOnce() -> R) -> R {
        let _me: *mut CTask = self.world.enter();
        f()
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
        let r = self.call(|| unsafe { handler(&v, addr, i32::from(write)) });
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
        let n = self.call(|| unsafe { daxk_collect(start, end, out.as_mut_ptr(), 1024) });
        out.truncate(n.max(0) as usize);
        out
    }

    /// The tree as the model's invariants read it.
    fn tree(&self) -> Tree {
        extern "C" fn push(
            ctx: *mut c_void,
            index: u64,
            order: u32,
            value: u64,
            dirty: c_int,
            _tw: c_int,
        ) {
            let v = unsafe { &mut *(ctx as *mut Vec<(u64, Entry)>) };
            let kind = if value & 8 != 0 {
                EntryKind::Empty
            } else if value & 4 != 0 {
                EntryKind::Zero
            } else {
                EntryKind::Mapped { frame: value >> 4 }
            };
            let size = if value & 2 != 0 || order > 0 {
                EntrySize::Pmd
            } else {
                EntrySize::Pte
            };
            v.push((
                index,
                Entry {
                    size,
                    kind,
                    locked: value & 1 != 0,
                    dirty: dirty != 0,
                },
            ));
        }
        let mut entries: Vec<(u64, Entry)> = Vec::new();
        unsafe { daxk_entries(&mut entries as *mut _ as *mut c_void, push) };
        let mut tree = Tree::default();
        for (index, e) in entries {
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

    fn fsync(&self) {
        self.mm().observe("fsync", Vec::new);
        self.call(|| unsafe { (self.v.fsync)() });
    }

    /// Kernel: ext4_setattr() under `i_mmap_sem` for writing: i_size, then
    /// truncate_pagecache() (unmap, dax_delete_mapping_entry() for each entry from
    /// the new end, unmap again), then the filesystem frees the blocks. The shape is
    /// the model's ([`Mapping::truncate_with`]); the entries are the kernel's.
    fn truncate(&self, size_pages: u64) {
        let mm = self.mm();
        mm.truncate_with(
            size_pages,
            |size| {
                // The C inode's i_size, under the same `i_mmap_sem` (no fault runs).
                unsafe { daxk_set_size((size * 4096) as i64) };
                self.collect(size, u64::MAX)
            },
            |index| {
                let removed = self.call(|| unsafe { (self.v.delete_entry)(index) });
                mm.observe("delete", || {
                    vec![("index", index.into()), ("removed", (removed != 0).into())]
                });
            },
        );
    }

    /// Kernel: dax_iomap_rw() allocating blocks; with `IOMAP_F_NEW`,
    /// invalidate_inode_pages2_range() → dax_invalidate_mapping_entry_sync() for each
    /// entry of the range, then unmap_mapping_range(). The shape is the model's
    /// ([`Mapping::write_with`]); the entries are the kernel's.
    fn write(&self, pgoff: u64, pages: u64) {
        let mm = self.mm();
        mm.write_with(
            pgoff,
            pages,
            || self.collect(pgoff, pgoff + pages - 1),
            |index| {
                let removed = self.call(|| unsafe { (self.v.invalidate_entry)(index) });
                mm.observe("invalidate", || {
                    vec![("index", index.into()), ("removed", (removed != 0).into())]
                });
            },
        );
    }

    /// Kernel: mf_dax_kill_procs()'s dax_lock_mapping_entry() and
    /// dax_unlock_mapping_entry(), through the driver's entry point.
    fn memory_failure(&self, pgoff: u64) {
        let mm = self.mm();
        mm.observe("memory-failure", || vec![("index", pgoff.into())]);
        let locked = self.call(|| unsafe { (self.v.lock_unlock_entry)(pgoff) });
        mm.observe("lock-entry", || {
            vec![("index", pgoff.into()), ("locked", (locked != 0).into())]
        });
    }

    fn fault_limit(&self) -> usize {
        self.mm().fault_limit()
    }

    fn end_state_violations(&self) -> Vec<String> {
        let tree = self.tree();
        let queued: Vec<u64> = world::waiters(self.v.waiters)
            .into_iter()
            .map(|(_, _, key, _)| key)
            .collect();
        // A dirty zero entry over a block is how this kernel leaves write(2)'s
        // invalidation (see `end_state_violations_of`): only mappings count here.
        self.mm().end_state_violations_of(&tree, &queued, false)
    }
}

/// Builds [`KernelMapping`]s.
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelFamily;

impl Family for KernelFamily {
    fn build<B: Backend>(
        &self,
        config: &MappingConfig,
        observer: Arc<dyn Observer>,
    ) -> Arc<dyn System<B>> {
        Arc::new(KernelMapping::<B>::new(config, observer))
    }
}

/// Where an xarray-era kernel's verdict differs from the scenario's (the model's),
/// and why: (scenario, bug, kernel verdict, reason). The README's model-vs-kernel
/// table.
pub const KERNEL_EXPECTATIONS: &[(&str, &str, Verdict, &str)] = &[
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
        Verdict::Invariant,
        "the xarray code asks iomap for the 2 MiB at the aligned index, whose storage is aligned, so the pfn check no longer falls back: the wrong pages are mapped",
    ),
];

/// The expectations of this build's era: [`KERNEL_EXPECTATIONS`] for the xarray
/// era, [`radix::RADIX_EXPECTATIONS`] for the radix-tree era.
pub fn expectations() -> &'static [(&'static str, &'static str, Verdict, &'static str)] {
    if KERNEL_ERA == radix::RADIX_ERA {
        radix::RADIX_EXPECTATIONS
    } else {
        KERNEL_EXPECTATIONS
    }
}

const XARRAY_MISALIGNED: &str = "v4.13 grabbed at FB but inserted at FA, so FA's entry stayed locked (a hang); the xarray code grabs, inserts and unlocks through one aligned xa_state, so nothing stays locked, but the huge mapping at a misaligned address maps file pages FB.. where FA.. belong (a wrong mapping)";

/// The `kernel` target: the tree this crate was built from.
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelTarget;

impl Target for KernelTarget {
    fn name(&self) -> &'static str {
        "kernel"
    }

    fn supports(&self, scenario: &Scenario, bugs: Bugs) -> Result<(), String> {
        variant(bugs)?;
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
        maker_for(&KernelFamily, backend)
    }

    fn serial(&self) -> bool {
        true
    }

    fn cannot_run(&self, scenario: &Scenario) -> Option<String> {
        (KERNEL_ERA == radix::RADIX_ERA)
            .then(|| radix::cannot_run(scenario))
            .flatten()
    }

    fn expected(&self, scenario: &str, bugs: Bugs, model: Verdict) -> Verdict {
        expectations()
            .iter()
            .find(|(s, b, _, _)| *s == scenario && bugs.variant() == *b)
            .map_or(model, |(_, _, v, _)| *v)
    }

    fn tracks_branches(&self) -> bool {
        false
    }

    fn bug_names(&self) -> Vec<&'static str> {
        VARIANTS
            .iter()
            .map(|v| v.name)
            .filter(|n| *n != "fixed")
            .collect()
    }

    fn describe(&self) -> String {
        let fixed = unsafe { daxk_file_is_fixed() } != 0;
        format!(
            "kernel {KERNEL_VERSION} ({KERNEL_SRC}){}{}",
            if KERNEL_ERA == radix::RADIX_ERA {
                ", radix-tree era; memory-failure scenarios are left out (4.13 has no dax_lock_mapping_entry())"
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
