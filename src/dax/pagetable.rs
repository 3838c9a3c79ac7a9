//! A minimal page table: for each 2 MiB of virtual space, nothing, a huge mapping, or
//! a table of 4 KiB mappings.
//!
//! Kernel: the PMD level of the process's page tables and the PTE tables below it,
//! with the page-table lock (`pmd_lock()` / `pte_offset_map_lock()`; one lock here).

use super::units::{pmd_align_addr, PAGE_SIZE, PMD_SIZE};
use std::collections::BTreeMap;

/// What one mapping points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
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
    pub target: Target,
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

/// The process's page table, by 2 MiB-aligned virtual address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageTable {
    slots: BTreeMap<u64, PmdSlot>,
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
            target: Target::Zero,
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
