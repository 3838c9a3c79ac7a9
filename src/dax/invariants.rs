//! What must hold once every thread of a scenario has finished.

use super::entry::{Entry, EntryKind, EntrySize};
use super::file::{FsState, Vma};
use super::harm::{Harm, HarmKind, Truths};
use super::mapping::Mapping;
use super::pagetable::{MapTarget, PageTable, Pte};
use super::tree::Tree;
use super::units::PAGE_SIZE;
use crate::sync::Backend;

impl<B: Backend> Mapping<B> {
    /// Every end-state check this mapping fails, each with its class of harm. Empty
    /// when all hold. Call it only when no thread is inside the mapping.
    ///
    /// [`HarmKind::Invariant`], the protocol's bookkeeping, each standing for a harm:
    ///
    /// - no entry is left locked (harm: the next fault or fsync on it sleeps forever);
    ///   no waiter is left queued (harm: a thread that never returned);
    /// - no PMD entry overlaps a PTE entry (harm: two locks for one page; inserts fail
    ///   with -EEXIST and faults fall back or SIGBUS forever);
    /// - no 2 MiB of the page table has both a huge mapping and a PTE table (harm: the
    ///   MMU and the kernel disagree on what is mapped);
    /// - every storage mapping sits on a mapped entry of the same frame, every huge
    ///   mapping on a PMD entry of its kind, every 4 KiB zero-page mapping on a zero
    ///   entry or on a hole (harm: writeback cannot find a dirty page through the
    ///   tree, so an fsync loses it; a later fault maps other storage than the
    ///   process sees);
    /// - where read faults leave entries clean ([`Truths`]), no zero entry covers an
    ///   allocated block (harm: write(2)'s invalidation was lost).
    ///
    /// [`HarmKind::WrongPage`], judged from the block map, not the tree: each mapped
    /// virtual page (each 4 KiB of a huge mapping) maps the frame the block map gives
    /// its file page; the zero page only over a hole; a private copy is exempt.
    ///
    /// [`HarmKind::LostWrite`]: every writable mapping of storage in a shared VMA lies
    /// on a dirty entry (else the next fsync cannot find its stores).
    ///
    /// [`HarmKind::SpuriousDirty`], where read faults leave entries clean: a dirty
    /// entry covers a frame with an unflushed store or a writable mapping (a dirty
    /// zero entry never does).
    pub fn end_state_violations(&self) -> Vec<Harm> {
        let tree = B::lock(&self.tree).clone();
        let queued: Vec<u64> = self.waits.queued().iter().map(|k| k.index).collect();
        self.end_state_violations_of(&tree, &queued, &self.truths)
    }

    /// [`Mapping::end_state_violations`] for another page tree and wait table (the
    /// kernel target's, read out of its C state), with this mapping's file, page
    /// tables and CPU-cache state: `queued` holds the key index of every waiter left
    /// queued. `truths` says which guarantees the code under check makes (see
    /// [`Truths`]): the checks of a guarantee run only where it holds.
    pub fn end_state_violations_of(
        &self,
        tree: &Tree,
        queued: &[u64],
        truths: &Truths,
    ) -> Vec<Harm> {
        let mut out = Vec::new();
        let fs = B::lock(&self.fs).clone();
        let pt = B::lock(&self.pt).clone();
        for (slot, e) in tree.iter() {
            entry_violations(&mut out, slot, e, &fs, &pt, truths);
        }
        for index in queued {
            out.push(Harm::invariant(format!(
                "waiter on key {index:#x} left queued"
            )));
        }
        out.extend(tree.overlaps().into_iter().map(Harm::invariant));
        for (base, slot) in pt.slots() {
            let Some(vma) = self.find_vma(base).or_else(|| {
                let first = slot.ptes.as_ref().and_then(|t| t.keys().next().copied());
                first.and_then(|a| self.find_vma(a))
            }) else {
                continue;
            };
            if let Some(h) = slot.huge {
                if slot.ptes.is_some() {
                    out.push(Harm::invariant(format!(
                        "huge mapping and PTE table both at {base:#x}"
                    )));
                }
                huge_violations(&mut out, tree, &fs, &vma, base, h);
            }
            for (addr, p) in slot.ptes.iter().flatten() {
                if let Some(v) = self.find_vma(*addr) {
                    pte_violations(&mut out, tree, &fs, &v, *addr, *p);
                }
            }
        }
        out
    }
}

/// The end-state checks of one entry at `slot`: not left locked; where read faults
/// leave entries clean, a zero entry covers no allocated block and a dirty entry
/// covers an unflushed store or a writable mapping.
fn entry_violations(
    out: &mut Vec<Harm>,
    slot: u64,
    e: Entry,
    fs: &FsState,
    pt: &PageTable,
    truths: &Truths,
) {
    if e.locked {
        out.push(Harm::invariant(format!(
            "entry {e} at {slot:#x} left locked"
        )));
    }
    let clean_reads = truths.read_faults_leave_entries_clean;
    if clean_reads && e.kind == EntryKind::Zero {
        if let Some(i) = fs.any_allocated(slot, e.size.pages()) {
            out.push(Harm::invariant(format!(
                "zero entry at {slot:#x} covers allocated block {i:#x}"
            )));
        }
    }
    if clean_reads && e.dirty {
        let needed = match e.kind {
            EntryKind::Mapped { frame } => {
                pt.any_unflushed(frame, e.size.pages()) || pt.maps_writable(frame, e.size.pages())
            }
            _ => false,
        };
        if !needed {
            out.push(Harm::new(
                HarmKind::SpuriousDirty,
                format!(
                    "dirty {} entry at {slot:#x} covers no unflushed store and no writable mapping",
                    e.kind.as_str()
                ),
            ));
        }
    }
}

/// The end-state checks of the huge mapping `h` at `base` in `vma`: it sits on a
/// PMD entry of its kind (and frame), maps the right storage, and is durable.
fn huge_violations(out: &mut Vec<Harm>, tree: &Tree, fs: &FsState, vma: &Vma, base: u64, h: Pte) {
    let fb = vma.index_of(base);
    let entry = tree.lookup(fb);
    let ok = match (entry, h.target) {
        (Some((s, e)), t) if s == fb && e.size == EntrySize::Pmd => {
            matches!((e.kind, t), (EntryKind::Zero, MapTarget::Zero))
                || matches!((e.kind, t), (EntryKind::Mapped { frame }, MapTarget::Frame(f)) if frame == f)
        }
        _ => false,
    };
    if !ok {
        out.push(Harm::invariant(format!(
            "huge mapping at {base:#x} (file {fb:#x}) has no matching PMD entry"
        )));
    }
    content(out, fs, base, fb, h.target, EntrySize::Pmd.pages());
    durable(out, vma, base, fb, h, entry);
}

/// The end-state checks of the 4 KiB mapping `p` at `addr` in `vma`: it agrees with
/// the tree, maps the right storage, and is durable.
fn pte_violations(out: &mut Vec<Harm>, tree: &Tree, fs: &FsState, vma: &Vma, addr: u64, p: Pte) {
    let index = vma.index_of(addr);
    let entry = tree.lookup(index);
    let ok = match (p.target, entry) {
        (MapTarget::Anon, _) => true,
        (MapTarget::Zero, Some((_, e))) => e.kind == EntryKind::Zero,
        // A clean zero entry was deleted while its zero page stayed mapped (write(2)'s
        // invalidation does this, in the kernel too). Harmless while the block is a
        // hole: reads see the hole's zeros, a store faults and maps storage, a
        // write(2) unmaps its range. Over an allocated block it is harm, reported by
        // the content check.
        (MapTarget::Zero, None) => true,
        (MapTarget::Frame(f), Some((s, e))) => {
            matches!(e.kind, EntryKind::Mapped { frame } if frame + (index - s) == f)
        }
        _ => false,
    };
    if !ok {
        out.push(Harm::invariant(format!(
            "mapping at {addr:#x} (file {index:#x}) disagrees with the tree"
        )));
    }
    content(out, fs, addr, index, p.target, 1);
    durable(out, vma, addr, index, p, entry);
}

/// The content check of one mapping of `pages` pages at `addr` (file page `index`
/// on): storage must be the frames the block map gives those file pages, the zero
/// page only over holes; a private copy is exempt. Judged from the block map alone.
fn content(
    out: &mut Vec<Harm>,
    fs: &FsState,
    addr: u64,
    index: u64,
    target: MapTarget,
    pages: u64,
) {
    let wrong = match target {
        MapTarget::Anon => None,
        MapTarget::Zero => fs
            .first_in_runs(index, pages, |_, frame| frame.is_some())
            .map(|i| format!("zero page at {addr:#x} covers allocated block {i:#x}")),
        MapTarget::Frame(f) => fs
            .first_in_runs(index, pages, |p, frame| frame != Some(f + (p - index)))
            .map(|p| p - index)
            .map(|k| {
                let given = fs
                    .frame_of(index + k)
                    .map_or("a hole".to_owned(), |g| format!("frame {g:#x}"));
                format!(
                    "mapping at {:#x} maps frame {:#x} where the block map gives file page {:#x} {given}",
                    addr + k * PAGE_SIZE,
                    f + k,
                    index + k
                )
            }),
    };
    out.extend(wrong.map(|t| Harm::new(HarmKind::WrongPage, t)));
}

/// The durability check of one mapping: a writable mapping of storage in a shared
/// VMA must lie on a dirty entry, or the next fsync cannot find what is stored
/// through it.
fn durable(
    out: &mut Vec<Harm>,
    vma: &Vma,
    addr: u64,
    index: u64,
    p: Pte,
    entry: Option<(u64, Entry)>,
) {
    if !(vma.shared && p.writable && matches!(p.target, MapTarget::Frame(_))) {
        return;
    }
    if !entry.is_some_and(|(_, e)| e.dirty) {
        out.push(Harm::new(
            HarmKind::LostWrite,
            format!("writable mapping at {addr:#x} (file {index:#x}) lies on no dirty entry: fsync cannot find its stores"),
        ));
    }
}
