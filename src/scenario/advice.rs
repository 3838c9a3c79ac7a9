//! Advice on a scenario that is valid but will not do what it seems to: PMD faults
//! whose storage can never give them a huge page.

use super::{FaultSize, Op, Scenario};
use crate::dax::units::PMD_PAGES;

impl Scenario {
    /// Notes on PMD faults that can never map a huge page because the storage under
    /// their 2 MiB is not 2 MiB aligned: an extent whose device frame and file offset
    /// differ modulo 512 pages (`(frame - pgoff) % 0x200 != 0`) gives every 2 MiB of
    /// the file it backs an unaligned first frame, so dax_pmd_insert_mapping() falls
    /// back to 4 KiB faults every time, silently. (Faults that fall back for the fix's
    /// colour check or a 2 MiB outside the VMA are not noted.)
    pub fn pmd_notes(&self) -> Vec<String> {
        use crate::dax::units::{pmd_align_addr, pmd_colour_matches, PG_PMD_COLOUR, PMD_SIZE};
        let mut notes = Vec::new();
        for (t, ops) in self.threads.iter().enumerate() {
            for (j, op) in ops.iter().enumerate() {
                let Op::Fault {
                    addr,
                    size: FaultSize::Pmd,
                    ..
                } = *op
                else {
                    continue;
                };
                let Some(vma) = self.config.vmas.iter().find(|v| v.contains(addr)) else {
                    continue;
                };
                let b = pmd_align_addr(addr);
                if !pmd_colour_matches(vma.index_of(addr), addr)
                    || b < vma.start
                    || b + PMD_SIZE > vma.end
                {
                    continue;
                }
                let fb = vma.index_of(b);
                let misaligned = self.config.file.extents.iter().find(|e| {
                    e.pgoff < fb + PMD_PAGES
                        && fb < e.pgoff + e.pages
                        && e.frame.wrapping_sub(e.pgoff) & PG_PMD_COLOUR != 0
                });
                if let Some(e) = misaligned {
                    notes.push(format!(
                        "{}: thread {}, op {}: the PMD fault at {addr:#x} can never map a huge page: \
                         the extent at pgoff {:#x} has frame {:#x}, not 2 MiB aligned relative to its \
                         file offset ((frame - pgoff) % 0x200 = {:#x}), so the fault falls back to 4 KiB pages",
                        self.path
                            .as_ref()
                            .map_or_else(|| self.name.clone(), |p| p.display().to_string()),
                        t + 1,
                        j + 1,
                        e.pgoff,
                        e.frame,
                        e.frame.wrapping_sub(e.pgoff) & PG_PMD_COLOUR
                    ));
                }
            }
        }
        notes
    }
}
