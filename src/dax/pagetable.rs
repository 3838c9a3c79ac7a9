//! A minimal page table: for each 2 MiB of virtual space, nothing, a huge mapping, or
//! a table of 4 KiB mappings.
//!
//! Kernel: the PMD level of the process's page tables and the PTE tables below it,
//! with the page-table lock (`pmd_lock()` / `pte_offset_map_lock()`; one lock here).

use super::units::{pmd_align_addr, PAGE_SIZE, PMD_SIZE};
use crate::sync::Parts;
use std::collections::{BTreeMap, BTreeSet};

/// [`va_parts`] of every range.
pub fn ranges_parts(ranges: &[(u64, u64)]) -> Parts {
    ranges
        .iter()
        .fold(Parts::NONE, |p, &(s, e)| p.with(va_parts(s, e)))
}

/// The parts of a page table ([`Parts`], by virtual page) that [`PageTable::zap`]
/// and [`PageTable::write_protect`] of `[start, end)` read and change: the 4 KiB
/// mappings inside it and the huge mapping (at its 2 MiB-aligned address) of every
/// 2 MiB it meets; the frames' cache state ([`Parts::SIDE`]) is not among them.
pub fn va_parts(start: u64, end: u64) -> Parts {
    let pages = end.saturating_sub(start) / PAGE_SIZE;
    if pages >= 63 {
        return Parts::pages(0, pages);
    }
    let bases = (pmd_align_addr(start)..end).step_by(PMD_SIZE as usize);
    bases.fold(Parts::pages(start / PAGE_SIZE, pages), |p, b| {
        p.with(Parts::page(b / PAGE_SIZE))
    })
}

/// What one mapping points at: the zero page, a device frame, or a private copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapTarget {
    /// The shared zero page (or the huge zero page).
    Zero,
    /// Storage at this device frame.
    Frame(u64),
    /// A private copy (a COW of a MAP_PRIVATE page).
    Anon,
}

/// One page-table mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pte {
    /// What it maps.
    pub target: MapTarget,
    /// Writable (else a write faults).
    pub writable: bool,
}

/// The page table below one 2 MiB of virtual space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PmdSlot {
    /// A huge (2 MiB) mapping. Kernel: `pmd_trans_huge()` / `pmd_devmap()`.
    pub huge: Option<Pte>,
    /// A PTE table with its 4 KiB mappings, by virtual address. Once allocated it
    /// stays. Kernel: a PMD pointing at a page table.
    pub ptes: Option<BTreeMap<u64, Pte>>,
}

impl PmdSlot {
    /// Kernel: pmd_none().
    pub fn is_none(&self) -> bool {
        self.huge.is_none() && self.ptes.is_none()
    }
}

/// What an install did. Kernel: the outcomes of insert_pfn() and insert_pfn_pmd().
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Install {
    /// Nothing was mapped there; now the mapping is.
    Installed,
    /// A mkwrite of the pfn already mapped: the mapping is now writable.
    MadeWritable,
    /// Something is mapped there already and stays (kernel: -EBUSY from insert_pfn(),
    /// which the DAX fault treats as `VM_FAULT_NOPAGE`: the access retries).
    Busy,
    /// A mkwrite found another pfn than the zero page mapped there and left it (the
    /// kernel's `WARN_ON_ONCE(!is_zero_pfn(...))`).
    OtherPfn,
}

/// The process's page table, by 2 MiB-aligned virtual address, with the CPU-cache
/// state of the device frames it maps (under the same page-table lock: a store
/// completes, and a flush happens, in one step with the mapping it goes through).
///
/// The cache state is kept as what any later step can tell apart, and nothing more,
/// so that equal futures are equal values (the stateful checker hashes this value
/// whole, and two values that differ only in how they were reached are two states):
/// which frames hold a store not yet flushed, and, for each fsync under way, which
/// of the frames that did when it began have not been flushed since. That is fsync's
/// postcondition kept in the shared state instead of in the fsync's own memory
/// ([`PageTable::fsync_begins`], [`PageTable::fsync_ends`]); a record of numbered
/// store and flush generations, as this was before, told apart a frame stored and
/// flushed once from one stored and flushed twice, which nothing can see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageTable {
    slots: BTreeMap<u64, PmdSlot>,
    /// Device frames with a store not yet flushed.
    dirty: BTreeSet<u64>,
    /// Per fsync under way (by its caller's model thread number), the frames that
    /// held an unflushed store when it began and have not been flushed since.
    owed: BTreeMap<usize, BTreeSet<u64>>,
}

impl PageTable {
    /// The slot covering `addr`, if any page table was ever built there.
    pub fn slot(&self, addr: u64) -> Option<&PmdSlot> {
        self.slots.get(&pmd_align_addr(addr))
    }

    /// Whether the 2 MiB containing `addr` is empty. Kernel: pmd_none().
    pub fn pmd_none(&self, addr: u64) -> bool {
        self.slot(addr).is_none_or(PmdSlot::is_none)
    }

    /// Whether a huge mapping covers `addr`.
    pub fn has_huge(&self, addr: u64) -> bool {
        self.slot(addr).is_some_and(|s| s.huge.is_some())
    }

    /// Whether a PTE table is below the 2 MiB containing `addr`.
    pub fn has_pte_table(&self, addr: u64) -> bool {
        self.slot(addr).is_some_and(|s| s.ptes.is_some())
    }

    /// The mapping `addr` resolves to, huge first.
    pub fn lookup(&self, addr: u64) -> Option<Pte> {
        let s = self.slot(addr)?;
        s.huge.or_else(|| {
            s.ptes
                .as_ref()
                .and_then(|t| t.get(&(addr & !(PAGE_SIZE - 1))).copied())
        })
    }

    /// The mapping `addr` resolves to and the device frame of `addr`'s own 4 KiB
    /// (a huge mapping of storage maps frame `f + (addr - base) / 4 KiB` there).
    pub fn lookup_frame(&self, addr: u64) -> Option<(Pte, Option<u64>)> {
        let s = self.slot(addr)?;
        if let Some(h) = s.huge {
            let frame = match h.target {
                MapTarget::Frame(f) => Some(f + (addr - pmd_align_addr(addr)) / PAGE_SIZE),
                _ => None,
            };
            return Some((h, frame));
        }
        let p = *s.ptes.as_ref()?.get(&(addr & !(PAGE_SIZE - 1)))?;
        let frame = match p.target {
            MapTarget::Frame(f) => Some(f),
            _ => None,
        };
        Some((p, frame))
    }

    /// A store to device frame `frame` completed (through a writable mapping): the
    /// frame now holds data not yet flushed.
    pub fn record_store(&mut self, frame: u64) {
        self.dirty.insert(frame);
    }

    /// Frames `[first, first + frames)` are flushed: every store to them so far is on
    /// media, and no fsync under way owes them any more. Kernel: dax_flush() →
    /// arch_wb_cache_pmem().
    pub fn record_flush(&mut self, first: u64, frames: u64) {
        let range = first..first.saturating_add(frames);
        let flushed: Vec<u64> = self.dirty.range(range.clone()).copied().collect();
        flushed.iter().for_each(|f| {
            self.dirty.remove(f);
        });
        for owed in self.owed.values_mut() {
            owed.retain(|f| !range.contains(f));
        }
        // An fsync that is owed nothing is as one that began with nothing unflushed.
        self.owed.retain(|_, o| !o.is_empty());
    }

    /// Every frame with a store not yet flushed.
    pub fn unflushed(&self) -> Vec<u64> {
        self.dirty.iter().copied().collect()
    }

    /// An fsync by `caller` (a model thread number) begins: it owes a flush of every
    /// frame that now holds an unflushed store. One fsync per caller at a time (a
    /// thread runs its operations in order; the scenario's threads are numbered
    /// apart). Returns whether it owes anything.
    pub fn fsync_begins(&mut self, caller: usize) -> bool {
        if self.dirty.is_empty() {
            self.owed.remove(&caller);
            return false;
        }
        self.owed.insert(caller, self.dirty.clone());
        true
    }

    /// The fsync by `caller` ends: the frames it was owed that no flush reached since
    /// it began ([`PageTable::fsync_begins`]), in frame order; it owes nothing after.
    pub fn fsync_ends(&mut self, caller: usize) -> Vec<u64> {
        self.owed
            .remove(&caller)
            .map(|o| o.into_iter().collect())
            .unwrap_or_default()
    }

    /// Whether any frame of `[first, first + frames)` has an unflushed store.
    pub fn any_unflushed(&self, first: u64, frames: u64) -> bool {
        self.dirty
            .range(first..first.saturating_add(frames))
            .next()
            .is_some()
    }

    /// Whether some mapping writable maps a frame of `[first, first + frames)`.
    pub fn maps_writable(&self, first: u64, frames: u64) -> bool {
        let hit = |p: &Pte, pages: u64| match p.target {
            MapTarget::Frame(f) => p.writable && f < first + frames && first < f + pages,
            _ => false,
        };
        self.slots.values().any(|s| {
            s.huge.is_some_and(|h| hit(&h, super::units::PMD_PAGES))
                || s.ptes.iter().flatten().any(|(_, p)| hit(p, 1))
        })
    }

    /// Installs a 4 KiB mapping the way insert_pfn() does: where the PTE is empty,
    /// `pte` is installed; where one is present, only a mkwrite (`pte.writable`) of
    /// the same target changes it (it becomes writable); anything else leaves it
    /// ([`Install::Busy`], or [`Install::OtherPfn`] for a mkwrite over storage of
    /// another frame). The PTE table is allocated if needed (even below a huge
    /// mapping: the fault paths' rechecks exist to prevent that).
    ///
    /// Kernel: insert_pfn() (vm_insert_mixed(), vmf_insert_mixed_mkwrite()) after
    /// pte_alloc(), under the PTE lock.
    pub fn insert_pfn(&mut self, addr: u64, pte: Pte) -> Install {
        let table = self
            .slots
            .entry(pmd_align_addr(addr))
            .or_default()
            .ptes
            .get_or_insert_with(BTreeMap::new);
        match table.get_mut(&(addr & !(PAGE_SIZE - 1))) {
            None => {
                table.insert(addr & !(PAGE_SIZE - 1), pte);
                Install::Installed
            }
            Some(p) => mkwrite(p, pte),
        }
    }

    /// Installs a huge mapping the way insert_pfn_pmd() does: where a huge mapping is
    /// present, only a mkwrite of the same target changes it (it becomes writable);
    /// otherwise `pte` is installed at the 2 MiB containing `addr`. Over a PTE table
    /// it is installed too, as v4.13's insert_pfn_pmd() did (it sets the PMD without
    /// looking; the fault paths' page-table rechecks exist to prevent that, and the
    /// end-state check reports both in one 2 MiB).
    ///
    /// Kernel: vmf_insert_pfn_pmd() → insert_pfn_pmd(), under the PMD lock.
    pub fn insert_pfn_pmd(&mut self, addr: u64, pte: Pte) -> Install {
        let slot = self.slots.entry(pmd_align_addr(addr)).or_default();
        match slot.huge.as_mut() {
            None => {
                slot.huge = Some(pte);
                Install::Installed
            }
            Some(h) => mkwrite(h, pte),
        }
    }

    /// Installs a huge mapping at the 2 MiB containing `addr`, whatever is there.
    ///
    /// Kernel: vmf_insert_pfn_pmd() (which in v4.13 does not check what it replaces).
    pub fn set_huge(&mut self, addr: u64, pte: Pte) {
        self.slots.entry(pmd_align_addr(addr)).or_default().huge = Some(pte);
    }

    /// Installs a 4 KiB mapping, allocating the PTE table if needed (even below a huge
    /// mapping: the fault paths' rechecks exist to prevent that).
    ///
    /// Kernel: vm_insert_mixed() / insert_pfn() after pte_alloc().
    pub fn set_pte(&mut self, addr: u64, pte: Pte) {
        self.slots
            .entry(pmd_align_addr(addr))
            .or_default()
            .ptes
            .get_or_insert_with(BTreeMap::new)
            .insert(addr & !(PAGE_SIZE - 1), pte);
    }

    /// Removes the huge mapping at the 2 MiB containing `addr`. Kernel: the zap of a
    /// DAX huge PMD on split (__split_huge_pmd()).
    pub fn clear_huge(&mut self, addr: u64) {
        if let Some(s) = self.slots.get_mut(&pmd_align_addr(addr)) {
            s.huge = None;
        }
    }

    /// Removes every mapping of `[start, end)`: huge mappings overlapping it, and 4 KiB
    /// mappings inside it. Kernel: zap_page_range() under unmap_mapping_range().
    pub fn zap(&mut self, start: u64, end: u64) {
        let first = pmd_align_addr(start);
        for (_, s) in self.slots.range_mut(first..end) {
            s.huge = None;
            if let Some(t) = s.ptes.as_mut() {
                t.retain(|a, _| *a < start || *a >= end);
            }
        }
    }

    /// Write-protects every mapping of `[start, end)`. Kernel: the page-table walk of
    /// dax_mapping_entry_mkclean().
    pub fn write_protect(&mut self, start: u64, end: u64) {
        let first = pmd_align_addr(start);
        for (_, s) in self.slots.range_mut(first..end) {
            if let Some(h) = s.huge.as_mut() {
                h.writable = false;
            }
            if let Some(t) = s.ptes.as_mut() {
                t.range_mut(start..end)
                    .for_each(|(_, p)| p.writable = false);
            }
        }
    }

    /// Every slot, by 2 MiB-aligned address.
    pub fn slots(&self) -> impl Iterator<Item = (u64, &PmdSlot)> {
        self.slots.iter().map(|(a, s)| (*a, s))
    }
}

/// A present mapping `p` asked to become `want`: only a mkwrite of the same target
/// changes it. Kernel: insert_pfn()'s and insert_pfn_pmd()'s `mkwrite` branch.
fn mkwrite(p: &mut Pte, want: Pte) -> Install {
    if !want.writable {
        return Install::Busy;
    }
    if p.target == want.target {
        p.writable = true;
        return Install::MadeWritable;
    }
    if p.target == MapTarget::Zero {
        Install::Busy
    } else {
        Install::OtherPfn
    }
}

/// Bytes in the 2 MiB range starting at a PMD-aligned address.
pub const HUGE_SPAN: u64 = PMD_SIZE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_and_ptes() {
        let mut pt = PageTable::default();
        let a = 0x7f0000200000;
        assert!(pt.pmd_none(a));
        let z = Pte {
            target: MapTarget::Zero,
            writable: false,
        };
        pt.set_pte(a + 0x3000, z);
        assert!(pt.has_pte_table(a) && !pt.pmd_none(a));
        assert_eq!(pt.lookup(a + 0x3000), Some(z));
        assert_eq!(pt.lookup(a + 0x4000), None);
        pt.zap(a + 0x3000, a + 0x4000);
        assert_eq!(pt.lookup(a + 0x3000), None);
        assert!(!pt.pmd_none(a), "a zapped PTE table stays");
        pt.set_huge(a + HUGE_SPAN, z);
        assert!(pt.has_huge(a + HUGE_SPAN + 0x5000));
        pt.zap(a + HUGE_SPAN + 0x1000, a + HUGE_SPAN + 0x2000);
        assert!(!pt.has_huge(a + HUGE_SPAN));
    }
}
