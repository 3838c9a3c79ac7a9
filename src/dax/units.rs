//! Pages, PMDs, colours and the address-to-offset arithmetic of the fault paths.

/// A page is 4 KiB. Kernel: `PAGE_SHIFT`.
pub const PAGE_SHIFT: u32 = 12;
/// Bytes in a page. Kernel: `PAGE_SIZE`.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// A PMD entry is order 9. Kernel: `PMD_SHIFT - PAGE_SHIFT`.
pub const PMD_ORDER: u32 = 9;
/// Pages in a PMD (512).
pub const PMD_PAGES: u64 = 1 << PMD_ORDER;
/// Bytes in a PMD (2 MiB). Kernel: `PMD_SIZE`.
pub const PMD_SIZE: u64 = PMD_PAGES << PAGE_SHIFT;
/// A page offset's position inside its 2 MiB range. Kernel: `PG_PMD_COLOUR`.
pub const PG_PMD_COLOUR: u64 = PMD_PAGES - 1;

/// Rounds a page offset down to its 2 MiB boundary.
pub fn pmd_align_index(index: u64) -> u64 {
    index & !PG_PMD_COLOUR
}

/// Rounds a virtual address down to its 2 MiB boundary. Kernel: `addr & PMD_MASK`.
pub fn pmd_align_addr(addr: u64) -> u64 {
    addr & !(PMD_SIZE - 1)
}

/// The file page offset a virtual address maps to in a VMA starting at `vm_start`
/// and mapping the file from page `vm_pgoff`.
///
/// Kernel: linear_page_index().
pub fn linear_page_index(vm_start: u64, vm_pgoff: u64, addr: u64) -> u64 {
    ((addr - vm_start) >> PAGE_SHIFT) + vm_pgoff
}

/// The fix's test at the very start of the PMD fault: the file offset of the faulting
/// address and the address itself have the same position inside their 2 MiB ranges.
///
/// Kernel: the `(vmf->pgoff & PG_PMD_COLOUR) != ((vmf->address >> PAGE_SHIFT) &
/// PG_PMD_COLOUR)` fallback added to dax_iomap_pmd_fault() in v4.13-rc7.
pub fn pmd_colour_matches(pgoff: u64, addr: u64) -> bool {
    (pgoff & PG_PMD_COLOUR) == ((addr >> PAGE_SHIFT) & PG_PMD_COLOUR)
}

/// The pre-fix storage test: a device frame backing a PMD must be 2 MiB aligned.
///
/// Kernel: the `pfn_t_to_pfn(pfn) & PG_PMD_COLOUR` fallback in dax_pmd_insert_mapping().
pub fn pfn_is_pmd_aligned(pfn: u64) -> bool {
    pfn & PG_PMD_COLOUR == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_numbers() {
        let (start, pgoff) = (0x7f7a8dc00000, 1);
        let a = 0x7f7a8edff000;
        assert_eq!(linear_page_index(start, pgoff, a), 0x1200);
        let b = pmd_align_addr(a);
        assert_eq!(b, 0x7f7a8ec00000);
        assert_eq!(linear_page_index(start, pgoff, b), 0x1001);
        assert!(!pmd_colour_matches(0x1200, a));
        assert_eq!(pmd_align_index(0x1001), 0x1000);
    }
}
