//! Historical fixes as switches.
//!
//! Each field of [`Bugs`] re-introduces one real DAX locking bug at the place the
//! kernel had it: the protocol checks the field where the fixed code differs. The
//! default value has every fix in.

use std::fmt;

/// Which historical bugs are re-introduced. `Bugs::default()` is the fixed kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Bugs {
    /// No colour check at the start of the PMD fault: grab locks FB's 2 MiB range,
    /// insert stores into FA's range, put unlocks FB's range, and FA's entry stays
    /// locked forever.
    ///
    /// Kernel: fixed by "dax: fix deadlock due to misaligned PMD faults" (v4.13-rc7).
    pub misaligned_pmd: bool,
    /// The PMD downgrade in grab deletes the PMD entry but wakes one waiter instead of
    /// all, so the other waiters on the vanished entry's key sleep forever.
    ///
    /// Kernel: the class of 965d004af540 "dax: fix deadlock with DAX 4k holes" (v4.10):
    /// an entry that changes identity must wake every waiter.
    pub downgrade_wake_one: bool,
    /// Grab's "PMD wanted, PTE entry found" path returns -EEXIST without passing the
    /// wakeup on, so a wakeup meant for another exclusive waiter is swallowed.
    ///
    /// Kernel: the class of "dax: Avoid losing wakeup in dax_lock_mapping_entry"
    /// (v4.20).
    pub eexist_no_pass: bool,
    /// A waiter computes its wait key from the size it asked for instead of the entry
    /// it found, so waiter and waker hash different keys.
    ///
    /// Kernel: the class of 23c84eb78375 "dax: Fix missed wakeup with PMD faults"
    /// (v5.3, a RocksDB hang).
    pub wait_key_from_request: bool,
    /// Grab does not look again after dropping `tree_lock` to preallocate, and inserts
    /// over an entry another thread inserted meanwhile.
    ///
    /// Kernel: the restart check in grab_mapping_entry() after
    /// radix_tree_preload() (present since the entry locks of v4.7).
    pub no_recheck: bool,
    /// A waiter joins the wait queue only after dropping `tree_lock`: the classic lost
    /// wakeup.
    ///
    /// Kernel: the ordering of prepare_to_wait_exclusive() before
    /// spin_unlock_irq(&mapping->tree_lock) in get_unlocked_mapping_entry() (v4.7 on).
    pub late_wait_registration: bool,
    /// The PTE and PMD faults do not recheck the page table after grabbing the entry,
    /// so a huge mapping and a PTE table end up in the same 2 MiB.
    ///
    /// Kernel: fixed by e2093926a098 "dax: fix race between colliding PMD & PTE
    /// entries" (v4.12/v4.13).
    pub no_pagetable_recheck: bool,
    /// The fault asks the filesystem for the block before taking the entry lock, so a
    /// racing write(2) that allocates the block leaves a stale zero page mapped over
    /// written data.
    ///
    /// Kernel: fixed by 13e451fdc1af and 876f29460cbd "dax: fix (PMD) data corruption
    /// when fault races with write" (v4.12).
    pub grab_after_iomap: bool,
    /// Invalidation (truncate, write(2)) deletes an entry others wait on but wakes
    /// only one of them; a woken waiter that finds no entry locks nothing, so it
    /// never passes the wakeup on and the rest sleep forever. v4.13 itself woke one.
    ///
    /// Kernel: fixed by "dax: Wake up all waiters after invalidating dax entry"
    /// (v5.13, a virtiofs hang).
    pub invalidate_wake_one: bool,
    /// Memory failure's entry lock (dax_lock_mapping_entry(), v4.20 on) waits for a
    /// locked entry as an *exclusive* waiter. Unlike a fault it may lock nothing when
    /// woken (the entry is now a zero or empty one, or gone), and then it passes no
    /// wakeup on: a wake-one spent on it is lost to the fault waiting behind it.
    ///
    /// Kernel: fixed by making wait_entry_unlocked()'s wait non-exclusive ("dax: Use
    /// non-exclusive wait in wait_entry_unlocked()", 2019; its comment in fs/dax.c
    /// gives this reason).
    pub lock_entry_exclusive_wait: bool,
    /// fsync's writeback skips an entry it finds locked instead of waiting for it:
    /// the entry keeps its dirty tag, is neither write-protected nor flushed, and
    /// fsync returns 0.
    ///
    /// Kernel: by our reading, 6.x's dax_writeback_one() calls get_unlocked_entry()
    /// (7.x: get_next_unlocked_entry()) on an `xa_state` already positioned by
    /// xas_for_each_marked() in dax_writeback_mapping_range(); xas_find_conflict()
    /// then returns NULL for that state, so a locked entry takes `goto put_unlocked`
    /// and is skipped with its DIRTY and TOWRITE marks kept. v4.13 (the model) waits.
    pub writeback_skip_locked: bool,
    /// Read faults tag their entries dirty as write faults do, so fsync writes back
    /// and write-protects pages nobody wrote, and write(2)'s invalidation keeps a
    /// read fault's zero entry. Not a locking bug: a later kernel's behaviour, for the
    /// spurious-dirty check to be shown catching.
    ///
    /// Kernel: dax_insert_entry()'s `dirty = !dax_fault_is_synchronous()` from the
    /// 2022 CoW rework (6.1 has it); the `write &&` came back later.
    pub read_fault_dirty: bool,
}

/// One named bug: its `--bug` / `[expect]` name and a one-line summary.
#[derive(Debug, Clone, Copy)]
pub struct BugInfo {
    /// The name used on the command line and in scenario files.
    pub name: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// The kernel fix it reverts.
    pub kernel: &'static str,
    set: fn(&mut Bugs),
    get: fn(&Bugs) -> bool,
}

macro_rules! bug_table {
    ($($field:ident, $name:literal, $summary:literal, $kernel:literal;)*) => {
        /// Every bug the model can re-introduce, in catalogue order.
        pub const ALL_BUGS: &[BugInfo] = &[$(BugInfo {
            name: $name,
            summary: $summary,
            kernel: $kernel,
            set: |b| b.$field = true,
            get: |b| b.$field,
        },)*];
    };
}

bug_table! {
    misaligned_pmd, "misaligned-pmd",
        "PMD fault without the colour check: the entry inserted at FA is never unlocked",
        "v4.13-rc7 \"dax: fix deadlock due to misaligned PMD faults\"";
    downgrade_wake_one, "downgrade-wake-one",
        "PMD downgrade wakes one waiter instead of all: the rest sleep forever",
        "v4.10 965d004af540 \"dax: fix deadlock with DAX 4k holes\"";
    eexist_no_pass, "eexist-no-pass",
        "grab's -EEXIST fallback swallows a wakeup instead of passing it on",
        "v4.20 \"dax: Avoid losing wakeup in dax_lock_mapping_entry\"";
    wait_key_from_request, "wait-key-from-request",
        "waiter keys on the requested size, not the entry found: missed wakeup",
        "v5.3 23c84eb78375 \"dax: Fix missed wakeup with PMD faults\"";
    no_recheck, "no-recheck",
        "grab inserts without rechecking after dropping tree_lock to preallocate",
        "v4.7 grab_mapping_entry() restart after radix_tree_preload()";
    late_wait_registration, "late-wait-registration",
        "waiter joins the wait queue after dropping tree_lock: lost wakeup",
        "v4.7 get_unlocked_mapping_entry() prepare_to_wait_exclusive() ordering";
    no_pagetable_recheck, "no-pagetable-recheck",
        "faults skip the page-table recheck after grab: huge and PTE maps collide",
        "v4.13 e2093926a098 \"dax: fix race between colliding PMD & PTE entries\"";
    grab_after_iomap, "grab-after-iomap",
        "fault looks the block up before locking the entry: stale zero page over data",
        "v4.12 13e451fdc1af/876f29460cbd \"dax: fix (PMD) data corruption when fault races with write\"";
    invalidate_wake_one, "invalidate-wake-one",
        "invalidation deletes a waited-on entry but wakes one waiter: the rest sleep forever",
        "v5.13 \"dax: Wake up all waiters after invalidating dax entry\"";
    lock_entry_exclusive_wait, "lock-entry-exclusive-wait",
        "memory failure's entry lock waits exclusively, then locks nothing: a wakeup is lost",
        "2019 \"dax: Use non-exclusive wait in wait_entry_unlocked()\"";
    writeback_skip_locked, "writeback-skip-locked",
        "fsync's writeback skips a locked dirty entry instead of waiting: fsync returns 0 unflushed",
        "6.x dax_writeback_one() get_unlocked_entry() on a positioned xa_state (our reading; not fixed upstream)";
    read_fault_dirty, "read-fault-dirty",
        "read faults tag their entries dirty: fsync flushes and write-protects pages nobody wrote",
        "6.1 dax_insert_entry() `dirty = !dax_fault_is_synchronous()` (2022 CoW rework; `write &&` restored later)";
}

/// An unknown bug name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown bug `{0}` (known: {known})", known = bug_names().join(", "))]
pub struct UnknownBug(pub String);

/// The names of every bug, in catalogue order.
pub fn bug_names() -> Vec<&'static str> {
    ALL_BUGS.iter().map(|b| b.name).collect()
}

impl Bugs {
    /// The fixed kernel: every fix in.
    pub fn fixed() -> Self {
        Self::default()
    }

    /// Re-introduces the named bug.
    pub fn with(mut self, name: &str) -> Result<Self, UnknownBug> {
        let info = ALL_BUGS
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| UnknownBug(name.to_owned()))?;
        (info.set)(&mut self);
        Ok(self)
    }

    /// Builds a value from bug names.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownBug> {
        names
            .iter()
            .try_fold(Self::default(), |b, n| b.with(n.as_ref()))
    }

    /// The names of the bugs switched on, in catalogue order.
    pub fn names(&self) -> Vec<&'static str> {
        ALL_BUGS
            .iter()
            .filter(|b| (b.get)(self))
            .map(|b| b.name)
            .collect()
    }

    /// The variant name used in `[expect]`: `fixed`, or the bug names joined by `+`.
    pub fn variant(&self) -> String {
        let names = self.names();
        if names.is_empty() {
            "fixed".to_owned()
        } else {
            names.join("+")
        }
    }
}

/// A variant name as [`Bugs::variant`] writes it: `fixed`, or bug names joined by
/// `+` (`misaligned-pmd`, `no-recheck+eexist-no-pass`). The one parser of variant
/// names: scenario files' `[expect]`, `--bug`, merged reports.
impl std::str::FromStr for Bugs {
    type Err = UnknownBug;
    fn from_str(variant: &str) -> Result<Self, UnknownBug> {
        if variant == "fixed" {
            return Ok(Self::fixed());
        }
        Self::from_names(&variant.split('+').collect::<Vec<_>>())
    }
}

impl std::ops::BitOr for Bugs {
    type Output = Bugs;
    /// Every bug of either.
    fn bitor(mut self, other: Bugs) -> Bugs {
        for info in ALL_BUGS.iter().filter(|b| (b.get)(&other)) {
            (info.set)(&mut self);
        }
        self
    }
}

impl fmt::Display for Bugs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.variant())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A variant prints as the gate's rows and reproduce lines name it.
    #[test]
    fn variants_print_by_name() {
        assert_eq!(Bugs::fixed().to_string(), "fixed");
        let one = Bugs::fixed().with("misaligned-pmd").expect("zoo bug");
        assert_eq!(one.to_string(), "misaligned-pmd");
        assert_eq!(format!("{one}"), one.variant());
    }

    #[test]
    fn names_round_trip() {
        for info in ALL_BUGS {
            let b = Bugs::fixed().with(info.name).unwrap();
            assert_eq!(b.names(), vec![info.name]);
            assert_eq!(b.variant(), info.name);
        }
        assert_eq!(Bugs::fixed().variant(), "fixed");
        assert_eq!(ALL_BUGS.len(), 12);
    }

    /// A variant name reads back as the bugs that wrote it: `fixed`, one name, or
    /// names joined by `+`; `|` joins variants.
    #[test]
    fn variants_parse_as_they_print() {
        assert_eq!("fixed".parse::<Bugs>(), Ok(Bugs::fixed()));
        let two = Bugs::fixed()
            .with("no-recheck")
            .unwrap()
            .with("misaligned-pmd")
            .unwrap();
        assert_eq!(two.variant(), "misaligned-pmd+no-recheck");
        assert_eq!(two.variant().parse::<Bugs>(), Ok(two));
        assert_eq!("no-recheck+misaligned-pmd".parse::<Bugs>(), Ok(two));
        for info in ALL_BUGS {
            assert_eq!(info.name.parse::<Bugs>().unwrap().names(), [info.name]);
        }
        let one = |n: &str| n.parse::<Bugs>().unwrap();
        assert_eq!(one("misaligned-pmd") | one("no-recheck"), two);
        assert_eq!(one("fixed") | one("fixed"), Bugs::fixed());
        assert_eq!(
            "misaligned-pmd+nope".parse::<Bugs>(),
            Err(UnknownBug("nope".into()))
        );
        assert!("".parse::<Bugs>().is_err());
    }

    #[test]
    fn unknown_bug_is_an_error() {
        let e = Bugs::fixed().with("nope").unwrap_err();
        assert!(e.to_string().contains("misaligned-pmd"));
    }
}
