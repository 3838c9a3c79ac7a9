//! The protocol's branches, named after the kernel's: the decisions of fs/dax.c
//! (v4.13) whose less travelled side a race has to reach.
//!
//! The protocol reports each visit to its observer
//! ([`Observer::branch`](super::observe::Observer::branch)) at the point where the
//! kernel takes that side. The harness counts, per check, the executions that visited
//! each branch (its *coverage*), and a scenario states which branches it must visit
//! (`[expect] visits`): a scenario that no longer reaches its race verifies nothing
//! about it, and the gate fails it.

use std::fmt;

/// One branch of the protocol. Each variant's doc names the kernel function and the
/// side of the decision it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Branch {
    /// Kernel: get_unlocked_mapping_entry() called from grab_mapping_entry(): the
    /// entry was locked, so the fault slept on its wait queue and looked again.
    GrabWait,
    /// Kernel: grab_mapping_entry(), `size_flag & RADIX_DAX_PMD` and
    /// dax_is_pte_entry(): a PMD grab found a PTE entry; it passes the wakeup on
    /// (put_unlocked_mapping_entry()) and returns -EEXIST.
    GrabPteExists,
    /// Kernel: put_unlocked_mapping_entry() on grab_mapping_entry()'s -EEXIST path
    /// woke another waiter: a wakeup the PMD grab consumed was passed on.
    GrabPteExistsWake,
    /// Kernel: grab_mapping_entry(), `pmd_downgrade` with dax_is_empty_entry(): a PTE
    /// grab found an empty PMD entry, locked it, and replaced it by a PTE entry
    /// (waking every waiter of the PMD entry).
    GrabDowngradeEmpty,
    /// Kernel: grab_mapping_entry(), `pmd_downgrade` with dax_is_zero_entry(): a PTE
    /// grab found a zero-page PMD entry, unmapped it (unmap_mapping_range()) and
    /// replaced it by a PTE entry (waking every waiter of the PMD entry).
    GrabDowngradeZero,
    /// Kernel: grab_mapping_entry(), after radix_tree_preload() with `tree_lock`
    /// dropped: the `__radix_tree_lookup()` recheck found an entry inserted in that
    /// window, so grab restarts.
    GrabPreloadRestart,
    /// Kernel: grab_mapping_entry(), `__radix_tree_insert()` failed with -EEXIST: the
    /// new entry collided with an entry elsewhere in its range (a PMD entry over a
    /// PTE entry).
    GrabCollision,
    /// Kernel: dax_insert_mapping_entry(), dax_is_zero_entry() without
    /// `RADIX_DAX_ZERO_PAGE`: storage replaces a zero page, which is unmapped first.
    InsertOverZero,
    /// Kernel: dax_insert_mapping_entry()'s `WARN_ON_ONCE(ret != entry)`: the held
    /// entry is not where the new one is stored.
    InsertWarn,
    /// Kernel: put_locked_mapping_entry() (dax_unlock_mapping_entry()) found no locked
    /// entry to unlock: its WARN_ON_ONCE.
    PutNoLockedEntry,
    /// Kernel: wake_exceptional_entry_func() returned 0 for a waiter of another key in
    /// the same wait-table bucket: skipped, not counted.
    WakeSkipOtherKey,
    /// Kernel: dax_iomap_pte_fault(), `pmd_trans_huge() || pmd_devmap()` after the
    /// grab: a racing PMD fault mapped the 2 MiB; unlock and retry.
    PteRecheckHuge,
    /// Kernel: dax_iomap_pmd_fault(), `!pmd_none() && !pmd_trans_huge() &&
    /// !pmd_devmap()` after the grab: a racing PTE fault built a PTE table; unlock
    /// and retry.
    PmdRecheckPteTable,
    /// Kernel: dax_pmd_load_hole(), `!pmd_none()` under the page-table lock: the PMD
    /// was filled meanwhile; fall back.
    PmdLoadHoleBusy,
    /// Kernel: dax_iomap_pmd_fault(), the v4.13-rc7 colour check: `vmf->pgoff` and the
    /// address have different PMD colours; fall back.
    PmdColourFallback,
    /// Kernel: dax_iomap_pmd_fault(), `write && !(vma->vm_flags & VM_SHARED)`: a store
    /// to a private mapping falls back to PTE faults (COW).
    PmdPrivateWriteFallback,
    /// Kernel: dax_iomap_pmd_fault(): the aligned 2 MiB is not inside the VMA; fall
    /// back.
    PmdVmaFallback,
    /// Kernel: dax_iomap_pmd_fault(), `(pgoff | PG_PMD_COLOUR) > max_pgoff`: the 2 MiB
    /// extends beyond end of file; fall back.
    PmdEofFallback,
    /// Kernel: dax_iomap_pmd_fault(), `pgoff > max_pgoff`: the 2 MiB starts beyond end
    /// of file (a truncate ran first); SIGBUS.
    PmdBeyondEof,
    /// Kernel: dax_iomap_pmd_fault(): iomap_begin() returned no single 2 MiB extent
    /// (`iomap.offset + iomap.length < pos + PMD_SIZE`); fall back.
    PmdIomapFallback,
    /// Kernel: dax_pmd_insert_mapping(), the `PG_PMD_COLOUR` pfn check: the storage is
    /// not 2 MiB aligned on the device; fall back.
    PmdPfnFallback,
    /// Kernel: dax_iomap_pte_fault(), `pos >= i_size_read()`: the page is beyond end
    /// of file (a truncate ran first); SIGBUS.
    PteBeyondEof,
    /// Kernel: dax_iomap_pte_fault() with `vmf->cow_page`: a store to a private
    /// mapping copies into an anonymous page and leaves the tree alone.
    PteCow,
    /// Kernel: __handle_mm_fault() → wp_huge_pmd() → __split_huge_pmd(): a store to a
    /// read-only huge mapping the PMD handler cannot upgrade zaps it and takes PTE
    /// faults.
    SplitHugePmd,
    /// Kernel: get_unlocked_mapping_entry() called from dax_writeback_one(): the entry
    /// was locked, so fsync slept on its wait queue.
    WritebackWait,
    /// Kernel: dax_writeback_one(): locked a dirty entry, flushed and
    /// write-protected it (dax_mapping_entry_mkclean()), cleared its tag.
    WritebackDirty,
    /// Kernel: dax_writeback_one(), `goto put_unlocked`: the entry was punched out,
    /// changed, or already written back by another fsync; nothing written.
    WritebackSkip,
    /// Kernel: get_unlocked_mapping_entry() called from
    /// __dax_invalidate_mapping_entry(): the entry was locked, so truncate or
    /// write(2) slept on its wait queue.
    InvalidateWait,
    /// Kernel: __dax_invalidate_mapping_entry() without `trunc`, the entry tagged
    /// dirty: write(2)'s invalidation leaves it alone.
    InvalidateSkipDirty,
    /// Kernel: __dax_invalidate_mapping_entry() without `trunc`: write(2)'s
    /// invalidation (dax_invalidate_mapping_entry_sync()) deleted a clean entry.
    InvalidateDelete,
    /// Kernel: dax_delete_mapping_entry() from truncate_pagecache(): truncate deleted
    /// an entry past the new end of file.
    TruncateDelete,
    /// Kernel: dax_lock_mapping_entry() (memory failure, v4.20 on) →
    /// wait_entry_unlocked(): the entry was locked; it waited, non-exclusively, and
    /// looked again.
    LockEntryWait,
    /// Kernel: dax_lock_mapping_entry() found no entry, or a zero or empty one, and
    /// returned without locking anything (and without passing any wakeup on).
    LockEntryNothing,
}

impl Branch {
    /// Every branch, in the order reports list them.
    pub const ALL: [Branch; 33] = [
        Branch::GrabWait,
        Branch::GrabPteExists,
        Branch::GrabPteExistsWake,
        Branch::GrabDowngradeEmpty,
        Branch::GrabDowngradeZero,
        Branch::GrabPreloadRestart,
        Branch::GrabCollision,
        Branch::InsertOverZero,
        Branch::InsertWarn,
        Branch::PutNoLockedEntry,
        Branch::WakeSkipOtherKey,
        Branch::PteRecheckHuge,
        Branch::PmdRecheckPteTable,
        Branch::PmdLoadHoleBusy,
        Branch::PmdColourFallback,
        Branch::PmdPrivateWriteFallback,
        Branch::PmdVmaFallback,
        Branch::PmdEofFallback,
        Branch::PmdBeyondEof,
        Branch::PmdIomapFallback,
        Branch::PmdPfnFallback,
        Branch::PteBeyondEof,
        Branch::PteCow,
        Branch::SplitHugePmd,
        Branch::WritebackWait,
        Branch::WritebackDirty,
        Branch::WritebackSkip,
        Branch::InvalidateWait,
        Branch::InvalidateSkipDirty,
        Branch::InvalidateDelete,
        Branch::TruncateDelete,
        Branch::LockEntryWait,
        Branch::LockEntryNothing,
    ];

    /// How many branches there are.
    pub const COUNT: usize = Self::ALL.len();

    /// Its position in [`Branch::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The stable kebab-case name used in scenario files, reports and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Branch::GrabWait => "grab-wait",
            Branch::GrabPteExists => "grab-pte-exists",
            Branch::GrabPteExistsWake => "grab-pte-exists-wake",
            Branch::GrabDowngradeEmpty => "grab-downgrade-empty",
            Branch::GrabDowngradeZero => "grab-downgrade-zero",
            Branch::GrabPreloadRestart => "grab-preload-restart",
            Branch::GrabCollision => "grab-collision",
            Branch::InsertOverZero => "insert-over-zero",
            Branch::InsertWarn => "insert-warn",
            Branch::PutNoLockedEntry => "put-no-locked-entry",
            Branch::WakeSkipOtherKey => "wake-skip-other-key",
            Branch::PteRecheckHuge => "pte-recheck-huge",
            Branch::PmdRecheckPteTable => "pmd-recheck-pte-table",
            Branch::PmdLoadHoleBusy => "pmd-load-hole-busy",
            Branch::PmdColourFallback => "pmd-colour-fallback",
            Branch::PmdPrivateWriteFallback => "pmd-private-write-fallback",
            Branch::PmdVmaFallback => "pmd-vma-fallback",
            Branch::PmdEofFallback => "pmd-eof-fallback",
            Branch::PmdBeyondEof => "pmd-beyond-eof",
            Branch::PmdIomapFallback => "pmd-iomap-fallback",
            Branch::PmdPfnFallback => "pmd-pfn-fallback",
            Branch::PteBeyondEof => "pte-beyond-eof",
            Branch::PteCow => "pte-cow",
            Branch::SplitHugePmd => "split-huge-pmd",
            Branch::WritebackWait => "writeback-wait",
            Branch::WritebackDirty => "writeback-dirty",
            Branch::WritebackSkip => "writeback-skip",
            Branch::InvalidateWait => "invalidate-wait",
            Branch::InvalidateSkipDirty => "invalidate-skip-dirty",
            Branch::InvalidateDelete => "invalidate-delete",
            Branch::TruncateDelete => "truncate-delete",
            Branch::LockEntryWait => "lock-entry-wait",
            Branch::LockEntryNothing => "lock-entry-nothing",
        }
    }

    /// What visiting it means, in one line.
    pub const fn meaning(self) -> &'static str {
        match self {
            Branch::GrabWait => "grab found the entry locked and slept on its wait queue",
            Branch::GrabPteExists => {
                "a PMD grab found a PTE entry: wakeup passed on, -EEXIST, PTE fallback"
            }
            Branch::GrabPteExistsWake => {
                "that -EEXIST path's put_unlocked_mapping_entry() woke another waiter"
            }
            Branch::GrabDowngradeEmpty => {
                "a PTE grab found an empty PMD entry and downgraded it (wake all)"
            }
            Branch::GrabDowngradeZero => {
                "a PTE grab found a zero PMD entry, unmapped and downgraded it (wake all)"
            }
            Branch::GrabPreloadRestart => {
                "an entry appeared while grab preloaded without tree_lock: recheck, restart"
            }
            Branch::GrabCollision => {
                "grab's insert collided with another entry in its range (-EEXIST)"
            }
            Branch::InsertOverZero => "insert replaced a zero page with storage, unmapping it",
            Branch::InsertWarn => "insert's WARN_ON_ONCE: the held entry is not where it stores",
            Branch::PutNoLockedEntry => "put_locked_mapping_entry() found no locked entry (WARN)",
            Branch::WakeSkipOtherKey => "a wake skipped a waiter of another key in its bucket",
            Branch::PteRecheckHuge => {
                "PTE fault after grab: a huge mapping is there (racing PMD fault), retry"
            }
            Branch::PmdRecheckPteTable => {
                "PMD fault after grab: a PTE table is there (racing PTE fault), retry"
            }
            Branch::PmdLoadHoleBusy => "PMD hole load found the PMD filled meanwhile: fall back",
            Branch::PmdColourFallback => "PMD fault: pgoff and address colours differ, fall back",
            Branch::PmdPrivateWriteFallback => "PMD fault: store to a private mapping, fall back",
            Branch::PmdVmaFallback => "PMD fault: the 2 MiB is not inside the VMA, fall back",
            Branch::PmdEofFallback => "PMD fault: the 2 MiB extends beyond EOF, fall back",
            Branch::PmdBeyondEof => "PMD fault: the 2 MiB starts beyond EOF, SIGBUS",
            Branch::PmdIomapFallback => "PMD fault: no single 2 MiB extent (holes and blocks)",
            Branch::PmdPfnFallback => "PMD fault: storage not 2 MiB aligned on the device",
            Branch::PteBeyondEof => "PTE fault: the page is beyond EOF, SIGBUS",
            Branch::PteCow => "PTE fault: a store to a private mapping copies (COW)",
            Branch::SplitHugePmd => "a store to a read-only huge mapping splits it",
            Branch::WritebackWait => "fsync found a dirty entry locked and slept on it",
            Branch::WritebackDirty => "fsync wrote back a dirty entry (write-protect, clean)",
            Branch::WritebackSkip => "fsync found the entry changed or clean: nothing written",
            Branch::InvalidateWait => "truncate or write(2) found the entry locked and slept",
            Branch::InvalidateSkipDirty => "write(2)'s invalidation left a dirty entry alone",
            Branch::InvalidateDelete => "write(2)'s invalidation deleted a clean entry",
            Branch::TruncateDelete => "truncate deleted an entry past the new end of file",
            Branch::LockEntryWait => {
                "memory failure found the entry locked and waited (non-exclusively)"
            }
            Branch::LockEntryNothing => {
                "memory failure found no entry, or a zero or empty one: locked nothing"
            }
        }
    }

    /// The branch called `name`.
    pub fn from_name(name: &str) -> Option<Branch> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A set of branches: one bit each (what one execution visited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BranchSet(u64);

const _: () = assert!(Branch::COUNT <= 64, "a BranchSet holds at most 64 branches");

impl BranchSet {
    /// No branch.
    pub const EMPTY: BranchSet = BranchSet(0);

    /// Every branch.
    pub fn all() -> Self {
        Self::of(&Branch::ALL)
    }

    /// The set of `branches`.
    pub fn of(branches: &[Branch]) -> Self {
        let mut s = Self::EMPTY;
        branches.iter().for_each(|b| s.insert(*b));
        s
    }

    /// The set of one bit pattern (as [`BranchSet::bits`] returns it).
    pub const fn from_bits(bits: u64) -> Self {
        BranchSet(bits)
    }

    /// Its bit pattern: bit `i` is `Branch::ALL[i]`.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Adds `b`.
    pub fn insert(&mut self, b: Branch) {
        self.0 |= 1 << b.index();
    }

    /// Whether `b` is in the set.
    pub const fn contains(self, b: Branch) -> bool {
        self.0 & (1 << b.index()) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Every branch in the set, in [`Branch::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Branch> {
        Branch::ALL.into_iter().filter(move |b| self.contains(*b))
    }
}

impl FromIterator<Branch> for BranchSet {
    fn from_iter<I: IntoIterator<Item = Branch>>(iter: I) -> Self {
        let mut s = BranchSet::EMPTY;
        iter.into_iter().for_each(|b| s.insert(b));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` lists every variant once, in declaration order, with distinct kebab-case
    /// names that parse back.
    #[test]
    fn names_are_distinct_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for (i, b) in Branch::ALL.into_iter().enumerate() {
            assert_eq!(b.index(), i, "{b} out of order in ALL");
            assert!(seen.insert(b.name()), "{b} twice");
            assert_eq!(Branch::from_name(b.name()), Some(b));
            assert!(b
                .name()
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'-'));
            assert!(!b.meaning().is_empty() && !b.meaning().contains('\n'));
        }
        assert_eq!(Branch::from_name("nope"), None);
    }

    #[test]
    fn sets_hold_their_branches() {
        let s: BranchSet = [Branch::GrabWait, Branch::TruncateDelete]
            .into_iter()
            .collect();
        assert!(s.contains(Branch::GrabWait) && s.contains(Branch::TruncateDelete));
        assert!(!s.contains(Branch::InsertWarn));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [Branch::GrabWait, Branch::TruncateDelete]
        );
        assert!(BranchSet::EMPTY.is_empty());
        assert!(!s.is_empty());
        let bits = (1 << Branch::GrabWait.index()) | (1 << Branch::TruncateDelete.index());
        assert_eq!(s.bits(), bits);
        assert_eq!(BranchSet::from_bits(bits), s);
    }

    /// Every meaning is its own sentence, and `Display` is the name (padding honoured,
    /// as the coverage table's columns need).
    #[test]
    fn meanings_are_distinct_and_display_is_the_name() {
        let meanings: std::collections::HashSet<_> =
            Branch::ALL.into_iter().map(Branch::meaning).collect();
        assert_eq!(meanings.len(), Branch::COUNT);
        assert!(meanings.iter().all(|m| m.len() > 20 && m.contains(' ')));
        assert_eq!(Branch::GrabWait.to_string(), "grab-wait");
        assert_eq!(format!("{:>12}|", Branch::GrabWait), "   grab-wait|");
    }
}
