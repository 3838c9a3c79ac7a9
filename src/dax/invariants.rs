//! What must hold once every thread of a scenario has finished.

use super::entry::{EntryKind, EntrySize};
use super::mapping::Mapping;
use super::pagetable::Target;
use crate::sync::Backend;

impl<B: Backend> Mapping<B> {
    /// Every end-state invariant this mapping breaks, as sentences. Empty when all
    /// hold. Call it only when no thread is inside the mapping. Each stands for a harm:
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
    /// - no zero entry and no zero-page mapping covers an allocated block (harm: a
    ///   read returns zeros over written data).
    pub fn end_state_violations(&self) -> Vec<String> {
        let tree = B::lock(&self.tree).clone();
        let queued: Vec<u64> = self.waits.queued().iter().map(|k| k.index).collect();
        self.end_state_violations_of(&tree, &queued, true)
    }

    /// [`Mapping::end_state_violations`] for another page tree and wait table (the
    /// kernel target's, read out of its C state), with this mapping's file and page
    /// tables: `queued` holds the key index of every waiter left queued.
    ///
    /// `zero_entry_over_block` says whether a zero entry over an allocated block is a
    /// failure by itself. The model (v4.13) keeps read-fault entries clean, so
    /// write(2)'s invalidation deletes them and one left behind means a lost
    /// invalidation. Kernels from about 5.x to 6.2 tag every non-synchronous fault's
    /// entry dirty, read faults included, so the invalidation skips a zero entry by
    /// design: it only unmaps it, and the next fault replaces it. There the harm is a
    /// zero page *mapped* over the block, which the page-table checks still report.
    pub fn end_state_violations_of(
        &self,
        tree: &super::tree::Tree,
        queued: &[u64],
        zero_entry_over_block: bool,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let fs = B::lock(&self.fs).clone();
        let pt = B::lock(&self.pt).clone();
        for (slot, e) in tree.iter() {
            if e.locked {
                out.push(format!("entry {e} at {slot:#x} left locked"));
            }
            if zero_entry_over_block && e.kind == EntryKind::Zero {
                if let Some(i) = fs.any_allocated(slot, e.size.pages()) {
                    out.push(format!(
                        "zero entry at {slot:#x} covers allocated block {i:#x}"
                    ));
                }
            }
        }
        for index in queued {
            out.push(format!("waiter on key {index:#x} left queued"));
        }
        out.extend(tree.overlaps());
        for (base, slot) in pt.slots() {
            let Some(vma) = self.find_vma(base).or_else(|| {
                let first = slot.ptes.as_ref().and_then(|t| t.keys().next().copied());
                first.and_then(|a| self.find_vma(a))
            }) else {
                continue;
            };
            if let Some(h) = slot.huge {
                if slot.ptes.is_some() {
                    out.push(format!("huge mapping and PTE table both at {base:#x}"));
                }
                let fb = vma.index_of(base);
                let ok = match (tree.lookup(fb), h.target) {
                    (Some((s, e)), t) if s == fb && e.size == EntrySize::Pmd => {
                        matches!((e.kind, t), (EntryKind::Zero, Target::Zero))
                            || matches!((e.kind, t), (EntryKind::Mapped { frame }, Target::Frame(f)) if frame == f)
                    }
                    _ => false,
                };
                if !ok {
                    out.push(format!(
                        "huge mapping at {base:#x} (file {fb:#x}) has no matching PMD entry"
                    ));
                }
                if h.target == Target::Zero {
                    if let Some(i) = (fb..fb + EntrySize::Pmd.pages()).find(|i| fs.is_allocated(*i))
                    {
                        out.push(format!(
                            "huge zero page at {base:#x} covers allocated block {i:#x}"
                        ));
                    }
                }
            }
            for (addr, p) in slot.ptes.iter().flatten() {
                let Some(v) = self.find_vma(*addr) else {
                    continue;
                };
                let index = v.index_of(*addr);
                let entry = tree.lookup(index);
                let ok = match (p.target, entry) {
                    (Target::Anon, _) => true,
                    (Target::Zero, Some((_, e))) => e.kind == EntryKind::Zero,
                    // A clean zero entry was deleted while its zero page stayed mapped
                    // (write(2)'s invalidation does this, in the kernel too). Harmless
                    // while the block is a hole: reads see the hole's zeros, a store
                    // faults and maps storage, a write(2) unmaps its range. Over an
                    // allocated block it is harm, reported just below.
                    (Target::Zero, None) => true,
                    (Target::Frame(f), Some((s, e))) => {
                        matches!(e.kind, EntryKind::Mapped { frame } if frame + (index - s) == f)
                    }
                    _ => false,
                };
                if !ok {
                    out.push(format!(
                        "mapping at {addr:#x} (file {index:#x}) disagrees with the tree"
                    ));
                }
                if p.target == Target::Zero && fs.is_allocated(index) {
                    out.push(format!(
                        "zero page at {addr:#x} covers allocated block {index:#x}"
                    ));
                }
            }
        }
        out
    }
}
