//! The page tree of one file: entries indexed by page offset.
//!
//! Kernel: `mapping->page_tree`, a radix tree with multi-order (order 9) entries for
//! PMDs. Here a map from each entry's first index to the entry; a PMD entry is stored
//! at its 2 MiB-aligned base and found by any index it covers.

use super::entry::{Entry, EntrySize};
use super::units::{pmd_align_index, PMD_PAGES};
use crate::sync::Parts;
use std::collections::BTreeMap;

/// The parts of a tree ([`Parts`], by slot) that [`Tree::lookup`]`(index)` reads:
/// slot `index`, and the 2 MiB-aligned slot where a PMD entry covering it sits. A
/// closure that looks `index` up and changes at most the entry it found touches
/// only these (the stateful checker's footprint: [`crate::sync::Backend::locked_part`]).
pub fn entry_parts(index: u64) -> Parts {
    Parts::page(index).with(Parts::page(pmd_align_index(index)))
}

/// The parts a closure may change when it stores or removes an entry at the slot
/// that `index` looks up ([`entry_parts`]): those, and every part when `index` is
/// not 2 MiB-aligned. An entry of PMD size at an unaligned slot (a state the
/// fault's `InsertWarn` path can make under some bugs) covers indices whose walks
/// ([`range_parts`]) do not read that slot, so storing or removing one changes
/// what those walks find. Changing an entry in place (its lock or dirty bit) moves
/// no walk: [`entry_parts`] is enough there.
pub fn entry_write_parts(index: u64) -> Parts {
    if index == pmd_align_index(index) {
        entry_parts(index)
    } else {
        Parts::ALL
    }
}

/// The parts of a tree holding the entries that overlap indices `[first, end)`:
/// their slots, and the 2 MiB-aligned slots of PMD entries that may cover them
/// (every part for a long range). A PMD-size entry at an unaligned slot before
/// `first` is read too; the steps that store or remove one change every part
/// ([`entry_write_parts`]).
pub fn range_parts(first: u64, end: u64) -> Parts {
    let pages = end.saturating_sub(first);
    if pages >= 63 {
        return Parts::ALL;
    }
    let bases = (pmd_align_index(first)..end).step_by(PMD_PAGES as usize);
    bases.fold(Parts::pages(first, pages), |p, b| p.with(Parts::page(b)))
}

/// An insert found the range occupied. Kernel: `-EEXIST` from radix_tree_insert().
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exists;

/// The entries of one file. Guarded by `tree_lock` in [`super::mapping::Mapping`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Tree {
    entries: BTreeMap<u64, Entry>,
}

impl Tree {
    /// The slot (first index) and entry covering `index`, if any.
    ///
    /// Kernel: __radix_tree_lookup() on `mapping->page_tree`.
    pub fn lookup(&self, index: u64) -> Option<(u64, Entry)> {
        if let Some(e) = self.entries.get(&index) {
            return Some((index, *e));
        }
        let base = pmd_align_index(index);
        match self.entries.get(&base) {
            Some(e) if e.size == EntrySize::Pmd => Some((base, *e)),
            _ => None,
        }
    }

    /// Mutable access to the entry stored at slot `slot` (as returned by lookup).
    pub fn slot_mut(&mut self, slot: u64) -> Option<&mut Entry> {
        self.entries.get_mut(&slot)
    }

    /// Inserts `entry` at the slot its size gives `index`; fails if anything already
    /// covers any index of that range (a PMD over a PTE, a PTE under a PMD, or the
    /// same slot).
    ///
    /// Kernel: __radix_tree_insert() (order 0 or 9) returning -EEXIST.
    pub fn insert(&mut self, index: u64, entry: Entry) -> Result<u64, Exists> {
        let slot = entry.size.base(index);
        let end = slot + entry.size.pages();
        if self.entries.range(slot..end).next().is_some() || self.lookup(slot).is_some() {
            return Err(Exists);
        }
        self.entries.insert(slot, entry);
        Ok(slot)
    }

    /// Stores `entry` at `slot`, replacing whatever is there.
    ///
    /// Kernel: __radix_tree_replace().
    pub fn replace(&mut self, slot: u64, entry: Entry) {
        self.entries.insert(slot, entry);
    }

    /// Removes the entry stored at `slot`.
    ///
    /// Kernel: radix_tree_delete().
    pub fn remove(&mut self, slot: u64) -> Option<Entry> {
        self.entries.remove(&slot)
    }

    /// Every `(slot, entry)`, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, Entry)> + '_ {
        self.entries.iter().map(|(k, v)| (*k, *v))
    }

    /// Entries overlapping another entry: a PTE entry inside a PMD entry's range, or
    /// a PMD stored at an unaligned slot. Empty in every correct state.
    pub fn overlaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (slot, e) in self.iter() {
            if e.size == EntrySize::Pmd {
                if slot != pmd_align_index(slot) {
                    out.push(format!("PMD entry at unaligned slot {slot:#x}"));
                }
                for (inner, _) in self.entries.range(slot + 1..slot + e.size.pages()) {
                    out.push(format!(
                        "PTE entry at {inner:#x} inside PMD entry at {slot:#x}"
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dax::entry::EntryKind;

    fn e(size: EntrySize) -> Entry {
        Entry::new_locked_empty(size)
    }

    #[test]
    fn pmd_covers_its_aligned_range() {
        let mut t = Tree::default();
        assert_eq!(t.insert(0x1201, e(EntrySize::Pmd)), Ok(0x1200));
        assert_eq!(t.lookup(0x13ff).map(|x| x.0), Some(0x1200));
        assert_eq!(t.lookup(0x1400), None);
        assert_eq!(t.insert(0x1300, e(EntrySize::Pte)), Err(Exists));
    }

    #[test]
    fn pmd_over_pte_fails() {
        let mut t = Tree::default();
        t.insert(0x1005, e(EntrySize::Pte)).unwrap();
        assert_eq!(t.insert(0x1000, e(EntrySize::Pmd)), Err(Exists));
        let mut z = e(EntrySize::Pte);
        z.kind = EntryKind::Zero;
        t.insert(0x1000, z).unwrap();
        assert!(t.overlaps().is_empty());
        t.replace(0x1000, e(EntrySize::Pmd));
        assert_eq!(t.overlaps().len(), 1);
    }
}
