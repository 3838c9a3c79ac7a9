//! The bugs the kernel target re-introduces into a radix-tree era tree (4.13):
//! source patches on its extracted fs/dax.c, as [`crate::patches`] does for the
//! xarray era. Names are the zoo's (`src/dax/bugs.rs`), so a catalogue
//! scenario's expectations apply unchanged.

use crate::patches::{PatchSpec, FIXED};

/// Every radix-era variant: the unpatched tree, then one per bug.
pub fn variants() -> Vec<PatchSpec> {
    vec![
        FIXED,
        PatchSpec {
            name: "misaligned-pmd",
            about: "dax_iomap_pmd_fault() without its PMD colour check (the seed's bug, fixed in v4.13-rc7)",
            fix: false,
            edits: &[(
                "if ((vmf->pgoff & PG_PMD_COLOUR) != ((vmf->address >> PAGE_SHIFT) & PG_PMD_COLOUR)) goto fallback;",
                "/* daxlock: colour check removed */",
            )],
        },
        PatchSpec {
            name: "downgrade-wake-one",
            about: "grab_mapping_entry() wakes one waiter, not all, after deleting the PMD entry it downgrades",
            fix: false,
            edits: &[(
                "radix_tree_delete(&mapping->page_tree, index); mapping->nrexceptional--; dax_wake_mapping_entry_waiter(mapping, index, entry, true);",
                "radix_tree_delete(&mapping->page_tree, index); mapping->nrexceptional--; dax_wake_mapping_entry_waiter(mapping, index, entry, false); /* daxlock: wake one */",
            )],
        },
        PatchSpec {
            name: "eexist-no-pass",
            about: "grab_mapping_entry()'s PMD-wanted, PTE-found path returns -EEXIST without put_unlocked_mapping_entry(): the wakeup it got is not passed on",
            fix: false,
            edits: &[(
                "put_unlocked_mapping_entry(mapping, index, entry); entry = ERR_PTR(-EEXIST);",
                "entry = ERR_PTR(-EEXIST); /* daxlock: wakeup not passed on */",
            )],
        },
        PatchSpec {
            name: "wait-key-from-request",
            about: "get_unlocked_mapping_entry() keys its wait on the index it was asked for, not on the entry it found (a PTE fault waiting on a PMD entry waits under another key than the unlock wakes)",
            fix: false,
            edits: &[(
                "wq = dax_entry_waitqueue(mapping, index, entry, &ewait.key);",
                "wq = dax_entry_waitqueue(mapping, index, NULL /* daxlock: the request, not the entry */, &ewait.key);",
            )],
        },
        PatchSpec {
            name: "no-recheck",
            about: "grab_mapping_entry() inserts after radix_tree_preload() without looking again for an entry inserted meanwhile",
            fix: false,
            edits: &[(
                "entry = __radix_tree_lookup(&mapping->page_tree, index, NULL, &slot); if (entry) { radix_tree_preload_end(); spin_unlock_irq(&mapping->tree_lock); goto restart; }",
                "/* daxlock: no recheck */",
            )],
        },
        PatchSpec {
            name: "late-wait-registration",
            about: "get_unlocked_mapping_entry() joins the wait queue after dropping tree_lock",
            fix: false,
            edits: &[(
                "prepare_to_wait_exclusive(wq, &ewait.wait, TASK_UNINTERRUPTIBLE); spin_unlock_irq(&mapping->tree_lock);",
                "spin_unlock_irq(&mapping->tree_lock); prepare_to_wait_exclusive(wq, &ewait.wait, TASK_UNINTERRUPTIBLE); /* daxlock: late */",
            )],
        },
        PatchSpec {
            name: "no-pagetable-recheck",
            about: "the PTE and PMD faults do not recheck the PMD after grabbing the entry (before e2093926a098)",
            fix: false,
            edits: &[
                (
                    "if (pmd_trans_huge(*vmf->pmd) || pmd_devmap(*vmf->pmd)) { vmf_ret = VM_FAULT_NOPAGE; goto unlock_entry; }",
                    "/* daxlock: no PMD recheck */",
                ),
                (
                    "if (!pmd_none(*vmf->pmd) && !pmd_trans_huge(*vmf->pmd) && !pmd_devmap(*vmf->pmd)) { result = 0; goto unlock_entry; }",
                    "/* daxlock: no PTE-table recheck */",
                ),
            ],
        },
        PatchSpec {
            name: "grab-after-iomap",
            about: "dax_iomap_pte_fault() and dax_iomap_pmd_fault() ask ->iomap_begin() for the block before grabbing the entry (before 13e451fdc1af and 876f29460cbd)",
            fix: false,
            edits: &[
                (
                    "entry = grab_mapping_entry(mapping, vmf->pgoff, 0); if (IS_ERR(entry)) { vmf_ret = dax_fault_return(PTR_ERR(entry)); goto out; }",
                    "/* daxlock: the entry is grabbed after ->iomap_begin() */",
                ),
                (
                    "if (pmd_trans_huge(*vmf->pmd) || pmd_devmap(*vmf->pmd)) { vmf_ret = VM_FAULT_NOPAGE; goto unlock_entry; }",
                    "",
                ),
                (
                    "error = ops->iomap_begin(inode, pos, PAGE_SIZE, flags, &iomap); if (error) { vmf_ret = dax_fault_return(error); goto unlock_entry; }",
                    "error = ops->iomap_begin(inode, pos, PAGE_SIZE, flags, &iomap); if (error) { vmf_ret = dax_fault_return(error); goto out; } entry = grab_mapping_entry(mapping, vmf->pgoff, 0); if (IS_ERR(entry)) { vmf_ret = dax_fault_return(PTR_ERR(entry)); goto out; /* daxlock: no ->iomap_end */ } if (pmd_trans_huge(*vmf->pmd) || pmd_devmap(*vmf->pmd)) { vmf_ret = VM_FAULT_NOPAGE; goto unlock_entry; }",
                ),
                (
                    "entry = grab_mapping_entry(mapping, pgoff, RADIX_DAX_PMD); if (IS_ERR(entry)) goto fallback;",
                    "/* daxlock: the entry is grabbed after ->iomap_begin() */",
                ),
                (
                    "if (!pmd_none(*vmf->pmd) && !pmd_trans_huge(*vmf->pmd) && !pmd_devmap(*vmf->pmd)) { result = 0; goto unlock_entry; }",
                    "",
                ),
                (
                    "error = ops->iomap_begin(inode, pos, PMD_SIZE, iomap_flags, &iomap); if (error) goto unlock_entry; if (iomap.offset + iomap.length < pos + PMD_SIZE) goto finish_iomap;",
                    "error = ops->iomap_begin(inode, pos, PMD_SIZE, iomap_flags, &iomap); if (error) goto fallback; if (iomap.offset + iomap.length < pos + PMD_SIZE) goto fallback; /* daxlock: no ->iomap_end */ entry = grab_mapping_entry(mapping, pgoff, RADIX_DAX_PMD); if (IS_ERR(entry)) goto fallback; if (!pmd_none(*vmf->pmd) && !pmd_trans_huge(*vmf->pmd) && !pmd_devmap(*vmf->pmd)) { result = 0; goto unlock_entry; }",
                ),
            ],
        },
    ]
}
