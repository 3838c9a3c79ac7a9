//! The colour lemma: the fix's check, proven by enumeration with the model's own
//! arithmetic.
//!
//! For every VMA-start colour, vm_pgoff colour and address colour (512 each), using
//! [`linear_page_index`] and a colour check:
//! - (a) the check passes exactly when FB (the file offset of the PMD-aligned address)
//!   is 2 MiB aligned;
//! - (b) when it passes, FA and FB lie in the same 2 MiB range of the file;
//! - (c) counts the combinations where, without the check, FA and FB lie in different
//!   ranges: each is a PMD fault that inserts at FA and unlocks at FB (the hang).

use crate::dax::units::{linear_page_index, pmd_colour_matches, PAGE_SIZE, PMD_PAGES, PMD_SIZE};
use std::time::Instant;

/// What the enumeration found (as JSON: every figure but the counterexample).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LemmaReport {
    /// Combinations enumerated (512³).
    pub combinations: u64,
    /// Combinations where the check passes.
    pub check_passes: u64,
    /// Combinations where FB is 2 MiB aligned.
    pub fb_aligned: u64,
    /// Counterexamples to (a): the check and FB-alignment disagree.
    pub a_violations: u64,
    /// Counterexamples to (b): the check passes but FA and FB differ in range.
    pub b_violations: u64,
    /// Combinations where, without the check, FA and FB lie in different ranges.
    pub hang_cases: u64,
    /// Combinations rejected by the check where FA and FB share a range anyway (the
    /// check is conservative there: those faults fall back needlessly, but safely).
    pub rejected_same_range: u64,
    /// First counterexample found, if any: (vm_start, vm_pgoff, address).
    #[serde(skip)]
    pub first_counterexample: Option<(u64, u64, u64)>,
    /// Wall time.
    pub seconds: f64,
}

impl LemmaReport {
    /// (a) and (b) hold.
    pub fn holds(&self) -> bool {
        self.a_violations == 0 && self.b_violations == 0
    }
}

/// Runs the enumeration with the model's own colour check.
pub fn prove() -> LemmaReport {
    prove_with(pmd_colour_matches)
}

/// Runs the enumeration with `check(pgoff, addr)` in place of the fix's check.
pub fn prove_with(check: fn(u64, u64) -> bool) -> LemmaReport {
    let start = Instant::now();
    let vm_base: u64 = 0x7f00_0000_0000;
    // A 2 MiB range of virtual space well inside every VMA enumerated.
    let fault_range = vm_base + 4 * PMD_SIZE;
    let mut r = LemmaReport::default();
    for s in 0..PMD_PAGES {
        let vm_start = vm_base + s * PAGE_SIZE;
        for p in 0..PMD_PAGES {
            let vm_pgoff = 8 * PMD_PAGES + p;
            let b = fault_range;
            let fb = linear_page_index(vm_start, vm_pgoff, b);
            let fb_aligned = fb % PMD_PAGES == 0;
            for a in 0..PMD_PAGES {
                let addr = fault_range + a * PAGE_SIZE;
                let fa = linear_page_index(vm_start, vm_pgoff, addr);
                let passes = check(fa, addr);
                let same_range = fa / PMD_PAGES == fb / PMD_PAGES;
                r.combinations += 1;
                r.check_passes += passes as u64;
                r.fb_aligned += fb_aligned as u64;
                let bad_a = passes != fb_aligned;
                let bad_b = passes && !same_range;
                r.a_violations += bad_a as u64;
                r.b_violations += bad_b as u64;
                if (bad_a || bad_b) && r.first_counterexample.is_none() {
                    r.first_counterexample = Some((vm_start, vm_pgoff, addr));
                }
                if !same_range {
                    r.hang_cases += 1;
                } else if !passes {
                    r.rejected_same_range += 1;
                }
            }
        }
    }
    r.seconds = start.elapsed().as_secs_f64();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_check_is_proven() {
        let r = prove();
        assert!(r.holds(), "{r:?}");
        assert_eq!(r.combinations, 512 * 512 * 512);
        assert_eq!(r.check_passes, 512 * 512);
        assert_eq!(r.fb_aligned, r.check_passes);
        // FA = FB + a: they split when (FB mod 512) + a >= 512; sum over FB colours.
        assert_eq!(r.hang_cases, 512 * (0..512u64).sum::<u64>());
    }

    #[test]
    fn a_wrong_check_is_refuted() {
        // Comparing the file offset's colour to nothing: passes for colour-0 pgoffs.
        let r = prove_with(|pgoff, _addr| pgoff % PMD_PAGES == 0);
        assert!(!r.holds());
        assert!(r.first_counterexample.is_some());
        // Checking only the address (the pre-fix pfn-style reasoning) is refuted too.
        let r = prove_with(|_pgoff, addr| (addr / PAGE_SIZE) % PMD_PAGES == 0);
        assert!(!r.holds());
    }
}
