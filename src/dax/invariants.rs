//! What must hold once every thread of a scenario has finished.

use super::entry::{EntryKind, EntrySize};
use super::mapping::Mapping;
use super::pagetable::Target;
use crate::sync::Backend;

impl<B: Backend> Mapping<B> {
    /// Every end-state invariant this mapping breaks, as sentences. Empty when all
    /// hold. Call it only when no thread is inside the mapping.
    ///
    /// - no entry is left locked, no waiter is left queued;
    /// - no PMD entry overlaps a PTE entry;
    /// - no 2 MiB of the page table has both a huge mapping and a PTE table;
    /// - every mapping agrees with the tree: a huge mapping sits on a PMD entry of the
    ///   same kind at its (aligned) file offset, a 4 KiB mapping of storage or of the
    ///   zero page on an entry of that kind covering its offset;
    /// - no zero entry and no zero-page mapping covers an allocated block.
    pub fn end_state_violations(&self) -> Vec<String> {
        let mut out = Vec::new();
        let tree = B::lock(&self.tree).clone();
        let fs = B::lock(&self.fs).clone();
        let pt = B::lock(&self.pt).clone();
        for (slot, e) in tree.iter() {
            if e.locked {
                out.push(format!("entry {e} at {slot:#x} left locked"));
            }
            if e.kind == EntryKind::Zero {
                if let Some(i) = fs.any_allocated(slot, e.size.pages()) {
                    out.push(format!(
                        "zero entry at {slot:#x} covers allocated block {i:#x}"
                    ));
                }
            }
        }
        for key in self.waits.queued() {
            out.push(format!("waiter on key {:#x} left queued", key.index));
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
