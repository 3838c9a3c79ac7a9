//! The bugs the kernel target re-introduces into a radix-tree era tree (4.13):
//! source patches on its extracted fs/dax.c, as [`crate::patches`] does for the
//! xarray era. Names are the zoo's (`src/dax/bugs.rs`), so a catalogue
//! scenario's expectations apply unchanged.

use crate::patches::PatchSpec;

/// Every radix-era variant: the unpatched tree, then one per bug.
pub fn variants() -> Vec<PatchSpec> {
    vec![
        PatchSpec {
            name: "fixed",
            about: "the tree as it is",
            edits: &[],
        },
        PatchSpec {
            name: "misaligned-pmd",
            about: "dax_iomap_pmd_fault() without its PMD colour check (the seed's bug, fixed in v4.13-rc7)",
            edits: &[(
                "if ((vmf->pgoff & PG_PMD_COLOUR) != ((vmf->address >> PAGE_SHIFT) & PG_PMD_COLOUR)) goto fallback;",
                "/* daxlock: colour check removed */",
            )],
        },
    ]
}
