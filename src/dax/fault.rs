//! The fault paths and the file operations that race with them.
//!
//! Kernel: the core-mm dispatch of __handle_mm_fault(), dax_iomap_pte_fault(),
//! dax_iomap_pmd_fault() with dax_pmd_load_hole() and dax_pmd_insert_mapping(),
//! dax_writeback_mapping_range() (fsync), truncate under ext4's `i_mmap_sem`, and the
//! block allocation and invalidation of the DAX write path (dax_iomap_actor()).

use super::branch::Branch;
use super::entry::{EntryKind, EntrySize};
use super::file::{Block, Vma};
use super::harm::{Harm, HarmKind};
use super::mapping::{dax_event, dax_warn, Held, Invalidate, Mapping};
use super::pagetable::{Install, MapTarget, Pte};
use super::tree::range_parts;
use super::units::{
    pfn_is_pmd_aligned, pmd_align_addr, pmd_colour_matches, PG_PMD_COLOUR, PMD_PAGES, PMD_SIZE,
};
use crate::sync::{Backend, Parts, Unhashed};

/// How many faults one access may take, in a scenario of `ops` operations in all,
/// before it is reported as making no progress: `4 + 2 * ops`.
///
/// On its own an access needs at most two faults (a PMD attempt that falls back,
/// then the PTE fault; or a read fault, then the write fault that upgrades it). Every
/// other operation can cost it at most two more: a racing fault that maps the range
/// first forces a retry (the page-table rechecks), and an invalidation, truncate or
/// downgrade that unmaps what it mapped makes it fault again. Two spare faults on top
/// keep legitimate retries from ever being a failure; a livelock still shows, since
/// it needs more faults than all the other operations can explain.
///
/// The stateful checker with one job drops this bound ([`crate::sync::Backend::retry`])
/// and judges progress by closed, weakly fair cycles instead ([`crate::check::stateful`]).
pub fn fault_limit(ops: usize) -> usize {
    4 + 2 * ops
}

/// A mapping of the wrong frame: `(mapped, expected)`, `expected` `None` for a hole.
type Wrong = Option<(u64, Option<u64>)>;

/// What an access found in the page table ([`Mapping::look`]): what it goes on
/// with, and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Look {
    /// A mapping serves the access (with the content check's finding).
    Done(Wrong),
    /// It faults: `try_pmd`, core mm calls the PMD handler first (the VMA takes
    /// huge pages, and the 2 MiB is empty or a store meets a read-only huge
    /// mapping); `split`, a store met a read-only huge mapping, which a fallback
    /// to 4 KiB splits.
    Fault {
        /// Zap the read-only huge mapping before the PTE handler.
        split: bool,
        /// Call the PMD handler first.
        try_pmd: bool,
    },
}

/// How an access that found its mapping ends, given the content check's finding.
fn completed(faults: usize, wrong: Wrong) -> AccessResult {
    match wrong {
        None => AccessResult::Mapped { faults },
        Some((mapped, expected)) => AccessResult::WrongPage {
            faults,
            mapped,
            expected,
        },
    }
}

/// What a DAX fault handler returns. Kernel: the `VM_FAULT_*` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultResult {
    /// A mapping was installed. Kernel: `VM_FAULT_NOPAGE` after a successful insert.
    Done,
    /// Nothing installed; the access retries (a racing fault changed the page table).
    /// Kernel: `VM_FAULT_NOPAGE` / 0 without a mapping.
    Retry,
    /// Try PTE faults instead. Kernel: `VM_FAULT_FALLBACK`.
    Fallback,
    /// Kernel: `VM_FAULT_SIGBUS`. `spurious` when it did not come from the i_size
    /// check (a grab error inside the file).
    Sigbus {
        /// The SIGBUS did not come from an access beyond end of file.
        spurious: bool,
    },
}

/// What an access does: read the page, or write it (which needs a writable mapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// A read.
    Load,
    /// A write.
    Store,
}

impl Access {
    /// `Store` when `write`, else `Load`.
    pub fn from_write(write: bool) -> Self {
        if write {
            Access::Store
        } else {
            Access::Load
        }
    }

    /// Whether it writes.
    pub fn is_store(self) -> bool {
        self == Access::Store
    }
}

/// The size a fault asks for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultSize {
    /// Try the PMD handler first (when the 2 MiB has no page table yet), falling
    /// back to PTE faults as the kernel does.
    #[default]
    Pmd,
    /// Go straight to the PTE handler (a VMA without huge pages).
    Pte,
}

/// How one access (a load or store by a thread) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessResult {
    /// The address is mapped (after zero or more faults).
    Mapped {
        /// Faults taken.
        faults: usize,
    },
    /// The process got SIGBUS.
    Sigbus {
        /// Not explained by end of file.
        spurious: bool,
    },
    /// The address is mapped, but to device frame `mapped` where the block map gives
    /// its file page `expected` (`None`: a hole): the process sees the wrong data.
    WrongPage {
        /// Faults taken.
        faults: usize,
        /// The frame mapped.
        mapped: u64,
        /// The frame the block map gives (None: a hole).
        expected: Option<u64>,
    },
    /// [`fault_limit`] faults and still not mapped.
    NoProgress,
    /// No VMA contains the address (a SIGSEGV).
    NoVma,
}

impl<B: Backend> Mapping<B> {
    /// One access by a thread: fault until `addr` is mapped (writably for a
    /// [`Access::Store`]). With [`FaultSize::Pte`] the PMD handler is never tried (a
    /// VMA without huge pages).
    ///
    /// Kernel: __handle_mm_fault() picking create_huge_pmd() / wp_huge_pmd() or
    /// handle_pte_fault(), each reaching the DAX handler through ext4_dax_huge_fault()
    /// or ext4_dax_fault(), each of which holds `i_mmap_sem` for reading for its own
    /// call only.
    pub fn access(&self, addr: u64, access: Access, size: FaultSize) -> AccessResult {
        self.access_with(
            addr,
            access,
            size,
            |vma, addr, write, i_size| self.pte_fault(vma, addr, write, i_size),
            |vma, addr, write, i_size| self.pmd_fault(vma, addr, write, i_size),
        )
    }

    /// [`Mapping::access`] with other fault handlers (the kernel target's): the
    /// core-mm dispatch around them is this one.
    pub fn access_with(
        &self,
        addr: u64,
        access: Access,
        size: FaultSize,
        pte_fault: impl Fn(&Vma, u64, bool, u64) -> FaultResult,
        pmd_fault: impl Fn(&Vma, u64, bool, u64) -> FaultResult,
    ) -> AccessResult {
        let Some(vma) = self.find_vma(addr) else {
            return AccessResult::NoVma;
        };
        let (write, huge) = (access.is_store(), size == FaultSize::Pmd);
        let mut faults = 0;
        loop {
            // The retry hook runs at the loop's head, before the page-table look: the
            // thread's local state here is the loop entry's plus `faults`.
            let may_fault = B::retry(faults, self.fault_limit);
            // The dispatch, from the look up to the PTE handler's call, is a scope
            // of the stateful checker (`Backend::scope_begin`): what it read (the
            // look's answer, the PMD handler's path when it fell back, whether a
            // huge mapping was split) decides only which steps it takes, and when
            // it goes on to the PTE handler its locals are what they were at the
            // loop's top (`result` is `Fallback`, `split` is used up, `faults` is
            // the retry hook's), so the scope ends there with nothing folded.
            // Where it ends otherwise, it folds what the thread goes on with.
            B::scope_begin();
            let (split, try_pmd) = match self.look(&vma, addr, write, huge) {
                Look::Done(wrong) => {
                    B::scope_end(&wrong);
                    return completed(faults, wrong);
                }
                Look::Fault { split, try_pmd } => (split, try_pmd),
            };
            if !may_fault {
                B::scope_end(&());
                break;
            }
            faults += 1;
            dax_event!(self, "fault", addr = addr, write = write);
            let mut result = FaultResult::Fallback;
            if try_pmd {
                // Kernel: ext4_dax_huge_fault() holds i_mmap_sem for this call only.
                let i_size = B::read(&self.i_mmap);
                result = pmd_fault(&vma, addr, write, *i_size);
                drop(i_size);
                if result == FaultResult::Fallback {
                    // Kernel: __handle_mm_fault() goes on to handle_pte_fault().
                    dax_event!(self, "pte-handler", addr = addr);
                }
            }
            if result == FaultResult::Fallback {
                if split {
                    // Kernel: __split_huge_pmd() zaps a DAX huge mapping.
                    self.visit(Branch::SplitHugePmd);
                    B::locked(&self.pt, |pt| pt.clear_huge(addr));
                }
                B::scope_end(&());
                // Kernel: ext4_dax_fault() takes i_mmap_sem again (and i_size is read
                // afresh): a truncate can run between a PMD fallback and this.
                let i_size = B::read(&self.i_mmap);
                result = pte_fault(&vma, addr, write, *i_size);
            } else {
                B::scope_end(&result);
            }
            match result {
                FaultResult::Sigbus { spurious } => return AccessResult::Sigbus { spurious },
                FaultResult::Done if !write => return AccessResult::Mapped { faults },
                FaultResult::Done => {
                    // The store retried: it completes through what the fault mapped.
                    // If a racing unmap (or a busy install) left nothing usable, the
                    // access still counts as done, as it always has here (the
                    // retry's refault is not modelled: it would only let two faults
                    // that undo each other's mappings, a PMD fault and a split,
                    // livelock under an unfair schedule); its store then completes
                    // nowhere and is not recorded. A load completes at once, as
                    // before: it has nothing to record, and a wrong mapping it went
                    // through stays for the end state's content check unless
                    // something unmapped it.
                    let wrong = match self.look(&vma, addr, write, false) {
                        Look::Done(wrong) => wrong,
                        Look::Fault { .. } => None,
                    };
                    return completed(faults, wrong);
                }
                FaultResult::Retry | FaultResult::Fallback => {}
            }
        }
        dax_event!(self, "no-progress", addr = addr);
        AccessResult::NoProgress
    }

    /// The MMU's walk for an access at `addr` in `vma`, under the page-table lock,
    /// and core mm's choice of handler when it faults (`huge`: the VMA takes huge
    /// pages). A store through a writable mapping of storage in a shared VMA
    /// completes here (into the CPU cache:
    /// [`PageTable::record_store`](super::pagetable::PageTable::record_store)).
    ///
    /// Kernel: the MMU's walk, then __handle_mm_fault()'s tests of the PMD
    /// (pmd_none(), and a write to a read-only huge mapping: wp_huge_pmd()).
    ///
    /// The closure returns only what the access goes on with ([`Look`]), not the
    /// page table's answers it was computed from: the stateful checker folds a
    /// locked closure's result into the thread's history, and whether the 2 MiB
    /// was empty means nothing to a 4 KiB fault, nor whether a huge mapping was
    /// read-only to a load. Folding them split states whose futures are the same.
    fn look(&self, vma: &Vma, addr: u64, write: bool, huge: bool) -> Look {
        B::locked(&self.pt, |pt| {
            let huge_ro = pt
                .slot(addr)
                .and_then(|s| s.huge)
                .is_some_and(|h| !h.writable);
            match pt.lookup_frame(addr) {
                Some((p, frame)) if !write || p.writable => {
                    if let (Some(f), true, true) = (frame, write, vma.shared) {
                        pt.record_store(f);
                    }
                    Look::Done(frame.and_then(|f| self.wrong_frame(vma, addr, f)))
                }
                _ => Look::Fault {
                    split: write && huge_ro,
                    try_pmd: huge && (pt.pmd_none(addr) || (write && huge_ro)),
                },
            }
        })
    }

    /// The content check of one mapped page of storage, run under the page-table
    /// lock: `Some((mapped, expected))` when `addr` maps device frame `mapped` but the
    /// block map gives its file page `expected` (`None`: a hole). Judged from the
    /// block map, not the tree.
    ///
    /// Reading the block map under the page-table lock sees no torn state: truncate
    /// zaps every mapping past the new end before it frees their blocks (under
    /// `i_mmap_sem`, which faults take, so none maps them again), and write(2) only
    /// allocates holes, so a block, once a page maps it, stays the file page's until
    /// the mapping is gone. (A zero page over a freshly allocated block is not
    /// checked here: write(2) allocates before it unmaps, and a read racing with the
    /// write may see the hole's zeros; the end state checks it.)
    fn wrong_frame(&self, vma: &Vma, addr: u64, mapped: u64) -> Option<(u64, Option<u64>)> {
        let index = vma.index_of(addr);
        let expected = B::locked(&self.fs, |fs| fs.frame_of(index));
        (expected != Some(mapped)).then_some((mapped, expected))
    }

    /// The block for `pages` pages at `index`. Kernel: iomap_begin().
    pub fn iomap(&self, index: u64, pages: u64, write: bool) -> Block {
        let b = B::locked(&self.fs, |fs| fs.iomap(index, pages, write));
        dax_event!(
            self,
            "iomap",
            index = index,
            pages = pages,
            block = match b {
                Block::Hole => "hole",
                Block::Mapped { .. } => "mapped",
                Block::Mixed => "mixed",
            }
        );
        b
    }

    /// A 4 KiB fault at `addr`; `i_size` (in pages) as read under `i_mmap_sem`.
    ///
    /// Kernel: dax_iomap_pte_fault().
    pub fn pte_fault(&self, vma: &Vma, addr: u64, write: bool, i_size: u64) -> FaultResult {
        let index = vma.index_of(addr);
        dax_event!(self, "pte-fault", addr = addr, index = index, write = write);
        if index >= i_size {
            self.visit(Branch::PteBeyondEof);
            dax_event!(self, "sigbus", index = index, reason = "beyond EOF");
            return FaultResult::Sigbus { spurious: false };
        }
        let cow = write && !vma.shared;
        let early = self
            .bugs
            .grab_after_iomap
            .then(|| self.iomap(index, 1, write && !cow));
        let held = match self.grab(index, EntrySize::Pte) {
            Ok(h) => h,
            Err(e) => {
                dax_event!(
                    self,
                    "sigbus",
                    index = index,
                    reason = format!("grab failed: {e:?}")
                );
                return FaultResult::Sigbus { spurious: true };
            }
        };
        if !self.bugs.no_pagetable_recheck && B::locked(&self.pt, |pt| pt.has_huge(addr)) {
            // A racing PMD fault mapped this 2 MiB: retry the access.
            self.visit(Branch::PteRecheckHuge);
            self.put_locked(index);
            dax_event!(
                self,
                "retry",
                index = index,
                reason = "huge mapping present"
            );
            return FaultResult::Retry;
        }
        let block = early.unwrap_or_else(|| self.iomap(index, 1, write && !cow));
        if cow {
            // Copy (zeroes for a hole) into a private page; the tree is left alone.
            self.visit(Branch::PteCow);
            self.map_pte(addr, MapTarget::Anon, true);
        } else {
            match block {
                Block::Mapped { frame } => {
                    self.insert(
                        held,
                        index,
                        EntryKind::Mapped { frame },
                        EntrySize::Pte,
                        write || self.bugs.read_fault_dirty,
                    );
                    self.map_pte(addr, MapTarget::Frame(frame), write);
                }
                Block::Hole | Block::Mixed => {
                    // Kernel: dax_load_hole().
                    let dirty = self.bugs.read_fault_dirty;
                    self.insert(held, index, EntryKind::Zero, EntrySize::Pte, dirty);
                    self.map_pte(addr, MapTarget::Zero, false);
                }
            }
        }
        self.put_locked(index);
        FaultResult::Done
    }

    /// Maps `addr` to `target` the way mm does: storage and the zero page through
    /// insert_pfn()'s rules (`PageTable::insert_pfn`: a present PTE stays unless this
    /// is a mkwrite of the same pfn), a private copy over whatever is there (kernel:
    /// do_cow_fault() → finish_fault() on an empty PTE, or wp_page_copy() replacing
    /// the read-only PTE a store found). The fault returns NOPAGE either way (a store
    /// then looks at the page table once more and completes).
    ///
    /// Kernel: vm_insert_mixed() / vmf_insert_mixed_mkwrite().
    fn map_pte(&self, addr: u64, target: MapTarget, writable: bool) {
        let pte = Pte { target, writable };
        // What the install did goes to the trace only ([`Mapping::installed`]): the
        // fault returns NOPAGE whatever it was, so it is carried [`Unhashed`].
        let Unhashed(done) = B::locked(&self.pt, |pt| {
            Unhashed(if target == MapTarget::Anon {
                pt.set_pte(addr, pte);
                Install::Installed
            } else {
                pt.insert_pfn(addr, pte)
            })
        });
        self.installed(done, false, addr, target);
    }

    /// Reports what an install did: the mapping, or the present one it left. Events
    /// only (the trace, and a WARN, which is judged on the execution that raised
    /// it): nothing the fault goes on with, so the outcome is no part of the
    /// thread's history (as on the kernel target, `kernel/src/world.rs`).
    fn installed(&self, done: Install, huge: bool, addr: u64, target: MapTarget) {
        match done {
            Install::Installed | Install::MadeWritable if huge => {
                dax_event!(self, "map-pmd", addr = addr, target = target_name(target))
            }
            Install::Installed | Install::MadeWritable => {
                dax_event!(self, "map-pte", addr = addr, target = target_name(target))
            }
            Install::Busy => dax_event!(self, "insert-busy", addr = addr),
            Install::OtherPfn => dax_warn!(
                self,
                site = "insert_pfn",
                msg = "mkwrite over a mapping of another pfn",
                addr = addr
            ),
        }
    }

    /// A 2 MiB fault at `addr`. Grabs and unlocks the entry at FB (the file offset of
    /// the aligned address) but inserts at FA (the faulting address's own offset):
    /// the fix's colour check is what makes those the same 2 MiB of the file.
    ///
    /// Kernel: dax_iomap_pmd_fault().
    pub fn pmd_fault(&self, vma: &Vma, addr: u64, write: bool, i_size: u64) -> FaultResult {
        let fa = vma.index_of(addr);
        let b = pmd_align_addr(addr);
        dax_event!(self, "pmd-fault", addr = addr, index = fa, write = write);
        let fallback = |reason: &'static str| {
            dax_event!(self, "fallback", index = fa, reason = reason);
            FaultResult::Fallback
        };
        let fallback_at = |branch: Branch, reason: &'static str| {
            self.visit(branch);
            fallback(reason)
        };
        if !self.bugs.misaligned_pmd && !pmd_colour_matches(fa, addr) {
            return fallback_at(
                Branch::PmdColourFallback,
                "pgoff and address colours differ",
            );
        }
        if write && !vma.shared {
            return fallback_at(
                Branch::PmdPrivateWriteFallback,
                "write to a private mapping (COW)",
            );
        }
        if b < vma.start || b + PMD_SIZE > vma.end {
            return fallback_at(Branch::PmdVmaFallback, "PMD outside the VMA");
        }
        let fb = vma.index_of(b);
        if fb >= i_size {
            self.visit(Branch::PmdBeyondEof);
            dax_event!(self, "sigbus", index = fb, reason = "beyond EOF");
            return FaultResult::Sigbus { spurious: false };
        }
        if (fb | PG_PMD_COLOUR) >= i_size {
            return fallback_at(Branch::PmdEofFallback, "PMD beyond EOF");
        }
        let early = self
            .bugs
            .grab_after_iomap
            .then(|| self.iomap(fb, PMD_PAGES, write));
        let Ok(held) = self.grab(fb, EntrySize::Pmd) else {
            return fallback("grab failed (-EEXIST)");
        };
        if !self.bugs.no_pagetable_recheck
            && B::locked(&self.pt, |pt| pt.has_pte_table(b) && !pt.has_huge(b))
        {
            // A racing PTE fault built a PTE table here: retry the access.
            self.visit(Branch::PmdRecheckPteTable);
            self.put_locked(fb);
            dax_event!(self, "retry", index = fb, reason = "PTE table present");
            return FaultResult::Retry;
        }
        let result = match early.unwrap_or_else(|| self.iomap(fb, PMD_PAGES, write)) {
            Block::Mapped { frame } => self.pmd_insert_mapping(held, fa, b, frame, write),
            Block::Hole => self.pmd_load_hole(held, fa, b),
            Block::Mixed => {
                self.visit(Branch::PmdIomapFallback);
                FaultResult::Fallback
            }
        };
        self.put_locked(fb);
        if result == FaultResult::Fallback {
            return fallback("no PMD mapping possible");
        }
        result
    }

    /// Kernel: dax_pmd_insert_mapping().
    fn pmd_insert_mapping(
        &self,
        held: Held,
        fa: u64,
        b: u64,
        frame: u64,
        write: bool,
    ) -> FaultResult {
        if !pfn_is_pmd_aligned(frame) {
            self.visit(Branch::PmdPfnFallback);
            dax_event!(self, "pfn-unaligned", frame = frame);
            return FaultResult::Fallback;
        }
        let dirty = write || self.bugs.read_fault_dirty;
        self.insert(held, fa, EntryKind::Mapped { frame }, EntrySize::Pmd, dirty);
        let pte = Pte {
            target: MapTarget::Frame(frame),
            writable: write,
        };
        // As in map_pte(): the outcome goes to the trace only.
        let Unhashed(done) = B::locked(&self.pt, |pt| Unhashed(pt.insert_pfn_pmd(b, pte)));
        self.installed(done, true, b, pte.target);
        FaultResult::Done
    }

    /// Kernel: dax_pmd_load_hole().
    fn pmd_load_hole(&self, held: Held, fa: u64, b: u64) -> FaultResult {
        let dirty = self.bugs.read_fault_dirty;
        self.insert(held, fa, EntryKind::Zero, EntrySize::Pmd, dirty);
        let zero = Pte {
            target: MapTarget::Zero,
            writable: false,
        };
        let mapped = B::locked(&self.pt, |pt| {
            let empty = pt.pmd_none(b);
            if empty {
                pt.set_huge(b, zero);
            }
            empty
        });
        if !mapped {
            self.visit(Branch::PmdLoadHoleBusy);
            return FaultResult::Fallback;
        }
        dax_event!(self, "map-pmd", addr = b, target = "zero");
        FaultResult::Done
    }

    /// Writes back every dirty entry, then checks fsync's postcondition (see
    /// [`Mapping::fsync_with`]).
    ///
    /// Kernel: dax_writeback_mapping_range() (fsync / msync); it does not take
    /// `i_mmap_sem`, so it interleaves with faults.
    pub fn fsync(&self) -> Vec<Harm> {
        self.fsync_with(|| {
            let dirty: Vec<_> = B::locked(&self.tree, |t| {
                t.iter().filter(|(_, e)| e.dirty).collect::<Vec<_>>()
            });
            for (slot, e) in dirty {
                self.writeback_one(slot, e);
            }
            0
        })
    }

    /// fsync with its writeback passed in (the model's walk, or the kernel target's
    /// dax_writeback_mapping_range()), and its postcondition checked: `writeback`
    /// returns 0, and every device frame holding a store not yet flushed when fsync
    /// began has been flushed since ([`Mapping::record_flush`]), unless its block was
    /// freed meanwhile (a truncate owes it nothing). Every failure is a
    /// [`HarmKind::LostWrite`].
    ///
    /// Kernel: vfs_fsync_range() → ext4_sync_file() → dax_writeback_mapping_range();
    /// the promise is fsync(2)'s: data written before the call is on media when it
    /// returns 0.
    ///
    /// What fsync owes is kept in the page table, not in fsync's own memory
    /// ([`PageTable::fsync_begins`](super::pagetable::PageTable::fsync_begins)).
    /// The stateful checker folds what a thread reads under a lock into its
    /// history, and a thread's history must determine its future: a list of the
    /// frames unflushed when fsync began, carried across the writeback (as this
    /// was before), had to be folded, and told apart every state of the writeback
    /// by what was dirty when fsync started, even once flushes had settled it. In
    /// the page table, which the state holds whole, the record shrinks as flushes
    /// reach its frames, and the fsync thread keeps nothing of it until it asks,
    /// at the end, which frames were missed: the only thing it goes on with. It
    /// keeps nothing across the writeback, not even whether it is owed anything
    /// (a bit it kept while the end's question was a step of its own).
    ///
    /// The end's question runs in the step the writeback returned in
    /// ([`Backend::locked_part_in_step`]: no scheduling point before it, so no
    /// other thread moves between the writeback's last step and the check). Why
    /// that loses no lost write: what the check reports is the frames owed (noted
    /// at fsync's start, crossed off by every flush since) whose block is still
    /// allocated. After fsync begins, the owed set only shrinks (a flush crosses
    /// frames off, nothing adds to it), and so does the allocated part of it (a
    /// truncate frees blocks, and a freed frame is never handed out again,
    /// [`FsState::allocate`](super::file::FsState::allocate)). So a check right as
    /// the writeback returns reports every frame a later one would (a superset);
    /// and what it reports, the old search reported on the schedule in which the
    /// fsync thread asked at once (its acquire was always enabled: no thread holds
    /// the page table's or the block map's lock across a scheduling point). A
    /// truncate between the writeback's return and the check is such a later
    /// moment: the check no longer meets it, and the filter by
    /// `FsState::index_of_frame` still leaves out the frames whose blocks a
    /// truncate freed before the writeback returned. Nothing else reads the owed
    /// set. Measured (fixed, one job): `aligned-pmd-pte` 15,662 → 13,502 states on
    /// the model, 166,698 → 138,127 on the kernel target (6.1). Test:
    /// `fsync_end_check_in_the_writebacks_step_agrees` (`tests/stateful_suite.rs`).
    pub fn fsync_with(&self, writeback: impl FnOnce() -> i32) -> Vec<Harm> {
        dax_event!(self, "fsync");
        let caller = B::thread_number();
        // Both read and change only the cache state (`Parts::SIDE`), not a mapping.
        B::locked_part(&self.pt, Parts::SIDE, Parts::SIDE, |pt| {
            pt.fsync_begins(caller);
        });
        let ret = writeback();
        let mut out = Vec::new();
        if ret != 0 {
            out.push(Harm::new(
                HarmKind::LostWrite,
                format!("fsync returned {ret}"),
            ));
        }
        // In the writeback's last step (see the doc: it finds what a later check
        // would).
        let missed = B::locked_part_in_step(&self.pt, Parts::SIDE, Parts::SIDE, |pt| {
            pt.fsync_ends(caller)
        });
        if missed.is_empty() {
            return out;
        }
        let kept = B::locked_part_in_step(&self.fs, Parts::ALL, Parts::NONE, |fs| {
            missed
                .iter()
                .filter_map(|f| fs.index_of_frame(*f).map(|i| (*f, i)))
                .collect::<Vec<_>>()
        });
        for (frame, index) in kept {
            dax_event!(self, "lost-write", frame = frame, index = index);
            out.push(Harm::new(
                HarmKind::LostWrite,
                format!(
                    "fsync returned {ret} but the store to file page {index:#x} (frame {frame:#x}) made before it began was never flushed"
                ),
            ));
        }
        out
    }

    /// Device frames `[first_frame, first_frame + frames)` are written back from the
    /// CPU caches: every store to them so far is durable.
    ///
    /// Kernel: dax_flush() → arch_wb_cache_pmem() (the kernel target's flush hook
    /// calls this).
    pub fn record_flush(&self, first_frame: u64, frames: u64) {
        B::locked(&self.pt, |pt| pt.record_flush(first_frame, frames));
        dax_event!(self, "flush", frame = first_frame, frames = frames);
    }

    /// Truncates the file to `size_pages`, under `i_mmap_sem` held for writing (and
    /// the inode's `i_rwsem` when the filesystem has one: [`Mapping::inode_lock`]).
    ///
    /// Kernel: ext4_setattr() → truncate_setsize() → truncate_pagecache() (unmap,
    /// dax_delete_mapping_entry() for each entry past the new end, unmap again), then
    /// the filesystem frees the blocks.
    pub fn truncate(&self, size_pages: u64) {
        self.truncate_with(
            size_pages,
            |size| self.slots_overlapping(size, u64::MAX),
            |slot| {
                self.delete(slot, Invalidate::Truncate);
            },
        );
    }

    /// The slots of the entries that overlap file pages `[first, end)`, in order
    /// (kernel: the page-cache walks of truncate and invalidation).
    fn slots_overlapping(&self, first: u64, end: u64) -> Vec<u64> {
        let parts = range_parts(first, end);
        B::locked_part(&self.tree, parts, Parts::NONE, |t| {
            t.iter()
                .filter(|(slot, e)| *slot < end && slot + e.size.pages() > first)
                .map(|(slot, _)| slot)
                .collect::<Vec<_>>()
        })
    }

    /// [`Mapping::truncate`]'s shape with the entry operations passed in: under
    /// `i_mmap_sem` for writing, set i_size, unmap, `delete` each index `doomed(size)`
    /// lists, unmap again, free the blocks. The kernel target passes the kernel's
    /// own lookup and dax_delete_mapping_entry().
    pub fn truncate_with(
        &self,
        size_pages: u64,
        doomed: impl FnOnce(u64) -> Vec<u64>,
        mut delete: impl FnMut(u64),
    ) {
        // Kernel: do_truncate() holds the inode's i_rwsem around notify_change() →
        // ext4_setattr() / xfs_vn_setattr(), which take the mmap lock for writing
        // around the truncation (ext4 4.13: `i_mmap_sem`; 5.15 on:
        // filemap_invalidate_lock(); XFS: `XFS_MMAPLOCK_EXCL`).
        let inode = self.inode_lock();
        let mut i_size = B::write(&self.i_mmap);
        dax_event!(self, "truncate", size = size_pages);
        *i_size = size_pages;
        self.unmap_range(size_pages, u64::MAX - size_pages);
        for slot in doomed(size_pages) {
            delete(slot);
        }
        self.unmap_range(size_pages, u64::MAX - size_pages);
        B::locked(&self.fs, |fs| fs.truncate(size_pages));
        drop(i_size);
        drop(inode);
    }

    /// A write(2) of `pages` pages at `pgoff` (inside i_size; the model does not
    /// extend files): allocate blocks; if any were new,
    /// invalidate the clean entries of the range and unmap it, so that no zero page
    /// stays mapped over written data.
    ///
    /// Kernel: dax_iomap_actor() with `IOMAP_F_NEW` → invalidate_inode_pages2_range()
    /// (dax_invalidate_mapping_entry_sync() per entry, then unmap_mapping_range()).
    pub fn write(&self, pgoff: u64, pages: u64) {
        self.write_with(
            pgoff,
            pages,
            // Kernel: the pagevec walk visits the entries present, not every index.
            || self.slots_overlapping(pgoff, pgoff + pages),
            |slot| {
                self.delete(slot, Invalidate::Clean);
            },
        );
    }

    /// [`Mapping::write`]'s shape with the entry operations passed in: allocate; if
    /// any block was new, `invalidate` each index `present()` lists, then unmap the
    /// range. The kernel target passes the kernel's own lookup and
    /// dax_invalidate_mapping_entry_sync().
    pub fn write_with(
        &self,
        pgoff: u64,
        pages: u64,
        present: impl FnOnce() -> Vec<u64>,
        mut invalidate: impl FnMut(u64),
    ) {
        // Kernel: ext4_dax_write_iter() holds inode_lock() around dax_iomap_rw();
        // xfs_file_dax_write() holds `XFS_IOLOCK_EXCL` (the same i_rwsem). Under
        // `Filesystem::None` there is no such lock and write(2)s of one file overlap.
        let _inode = self.inode_lock();
        dax_event!(self, "write", index = pgoff, pages = pages);
        // Allocation reads the pages' blocks and the map's generation, and changes
        // only those pages' blocks (a block's frame depends on its page alone).
        let pages_parts = Parts::pages(pgoff, pages);
        let allocated =
            B::locked_part(&self.fs, pages_parts.with(Parts::SIDE), pages_parts, |fs| {
                fs.allocate(pgoff, pages)
            });
        if allocated {
            for slot in present() {
                invalidate(slot);
            }
            self.unmap_range(pgoff, pages);
        }
    }
}

fn target_name(t: MapTarget) -> &'static str {
    match t {
        MapTarget::Zero => "zero",
        MapTarget::Frame(_) => "frame",
        MapTarget::Anon => "anon",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dax::observe::{Observer, Value};
    use crate::dax::pagetable::MapTarget;
    use crate::dax::{Bugs, EntrySize, MappingConfig};
    use crate::sync::StdSync;
    use std::sync::Arc;

    /// A 2 MiB-aligned VMA over the first 2 MiB of a 2 MiB file, of either kind.
    fn one_vma(shared: bool) -> (Vma, Mapping<StdSync>) {
        let vma = Vma {
            start: 0x7f0000000000,
            end: 0x7f0000200000,
            pgoff: 0,
            shared,
        };
        (vma, Mapping::new(1, &MappingConfig::new(0x200, vec![vma])))
    }

    /// A store through a shared mapping maps the file's own storage writable; through
    /// a private one, a private copy (do_cow_fault()). (A mutant that copied on
    /// shared stores and wrote private ones through to the file survived the gate.)
    #[test]
    fn stores_write_the_file_when_shared_and_copy_when_private() {
        for shared in [true, false] {
            let (vma, m) = one_vma(shared);
            let r = m.access(vma.start + 0x3000, Access::Store, FaultSize::Pte);
            assert!(matches!(r, AccessResult::Mapped { .. }), "{r:?}");
            let pte = m.page_table().lookup(vma.start + 0x3000).expect("mapped");
            assert!(pte.writable);
            if shared {
                assert!(matches!(pte.target, MapTarget::Frame(_)), "{pte:?}");
            } else {
                assert_eq!(pte.target, MapTarget::Anon);
            }
        }
    }

    /// Truncate deletes every entry reaching past the new end, including a PMD entry
    /// that starts before it, and keeps the ones below it.
    #[test]
    fn truncate_deletes_entries_reaching_past_the_new_end() {
        let (vma, m) = one_vma(true);
        m.access(vma.start, Access::Load, FaultSize::Pmd);
        assert_eq!(m.entries()[0].1.size, EntrySize::Pmd);
        m.truncate(0x100);
        assert!(m.entries().is_empty(), "{:?}", m.entries());
        let (vma, m) = one_vma(true);
        for page in [0x10, 0x100] {
            m.access(vma.start + page * 0x1000, Access::Load, FaultSize::Pte);
        }
        m.truncate(0x100);
        let left: Vec<u64> = m.entries().iter().map(|(slot, _)| *slot).collect();
        assert_eq!(left, [0x10]);
    }

    /// write(2) that allocates invalidates the clean entries inside its range and no
    /// others: not the pages just before and just after it, nor one further on.
    #[test]
    fn write_invalidates_only_entries_inside_its_range() {
        let (vma, m) = one_vma(true);
        for page in [4, 5, 6, 0x20] {
            m.access(vma.start + page * 0x1000, Access::Load, FaultSize::Pte);
        }
        assert_eq!(m.entries().len(), 4);
        m.write(5, 1);
        let left: Vec<u64> = m.entries().iter().map(|(slot, _)| *slot).collect();
        assert_eq!(left, [4, 6, 0x20]);
    }

    /// Timelines name what a mapping maps: `map-pte ... target=zero` for a hole.
    #[test]
    fn map_events_name_their_target() {
        #[derive(Default)]
        struct Collect(std::sync::Mutex<Vec<String>>);
        impl Observer for Collect {
            fn event(&self, name: &'static str, fields: Vec<(&'static str, Value)>) {
                let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                self.0
                    .lock()
                    .unwrap()
                    .push(format!("{name} {}", fields.join(" ")));
            }
        }
        let (vma, _) = one_vma(true);
        let events = Arc::new(Collect::default());
        let config = MappingConfig::new(0x200, vec![vma]);
        let m = Mapping::<StdSync>::observed(1, &config, Some(events.clone()));
        m.access(vma.start, Access::Load, FaultSize::Pte);
        let log = events.0.lock().unwrap();
        assert!(
            log.iter()
                .any(|e| e.starts_with("map-pte") && e.ends_with("target=zero")),
            "{log:?}"
        );
    }

    /// A store where the 2 MiB already has a page table (here an empty one, left by
    /// write(2)'s unmap) goes straight to the PTE handler: only a missing PMD, or a
    /// read-only huge mapping under a store, takes the PMD handler.
    #[test]
    fn a_store_under_a_page_table_takes_the_pte_handler() {
        let (vma, m) = one_vma(true);
        m.access(vma.start, Access::Load, FaultSize::Pte);
        m.write(0, 1);
        assert!(m.entries().is_empty());
        assert!(!m.page_table().pmd_none(vma.start));
        let r = m.access(vma.start + 0x1000, Access::Store, FaultSize::Pmd);
        assert!(matches!(r, AccessResult::Mapped { faults: 1 }), "{r:?}");
        assert_eq!(m.entries()[0].1.size, EntrySize::Pte);
    }

    /// With grab-after-iomap (the block looked up before the entry lock), a store to a
    /// shared hole still allocates in that early lookup and maps storage writable: the
    /// bug is the order, not what the lookup asks for.
    #[test]
    fn grab_after_iomap_still_allocates_for_a_store() {
        let vma = Vma {
            start: 0x7f0000000000,
            end: 0x7f0000200000,
            pgoff: 0,
            shared: true,
        };
        let mut config = MappingConfig::new(0x200, vec![vma]);
        config.bugs = Bugs::fixed().with("grab-after-iomap").unwrap();
        let m = Mapping::<StdSync>::new(1, &config);
        m.access(vma.start, Access::Store, FaultSize::Pte);
        let pte = m.page_table().lookup(vma.start).expect("mapped");
        assert!(
            pte.writable && matches!(pte.target, MapTarget::Frame(_)),
            "{pte:?}"
        );
    }

    /// A PTE-sized access takes the PTE handler even where the PMD is empty and the
    /// 2 MiB would fit: the tree gets a PTE entry, the page table no huge mapping.
    #[test]
    fn a_pte_sized_access_takes_the_pte_handler() {
        let (vma, m) = one_vma(true);
        let r = m.access(vma.start, Access::Load, FaultSize::Pte);
        assert!(matches!(r, AccessResult::Mapped { faults: 1 }), "{r:?}");
        let entries = m.entries();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].1.size, EntrySize::Pte);
        assert!(m
            .page_table()
            .slot(vma.start)
            .and_then(|s| s.huge)
            .is_none());
        // The same access PMD-sized takes the PMD handler.
        let (vma, m) = one_vma(true);
        m.access(vma.start, Access::Load, FaultSize::Pmd);
        assert_eq!(m.entries()[0].1.size, EntrySize::Pmd);
    }

    /// The no-progress limit grows with the scenario: two faults of its own, two per
    /// other operation, two spare.
    #[test]
    fn fault_limit_follows_the_scenario() {
        assert_eq!(fault_limit(1), 6);
        assert_eq!(fault_limit(10), 24);
    }
}
