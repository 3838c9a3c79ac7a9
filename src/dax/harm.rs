//! What a user loses when a check fails, and what a target's code is known to do.
//!
//! A check that finds a problem says at once which harm it is ([`HarmKind`]): the
//! runner keeps harms by kind and turns the worst into the verdict, so no one has to
//! read a sentence back to classify it.
//!
//! [`Truths`] says what a version of the code is known to guarantee: a check of a
//! guarantee runs only where the target's truths say it holds (or where a scenario
//! forces it with `[expect] checks`, to show a version's behaviour as a finding).

use std::fmt;

/// The class of a problem found, from least to most harmful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HarmKind {
    /// A dirty entry covers nothing stored and nothing writable (a read fault
    /// dirtied it, say): fsync writes back and write-protects what needs none.
    SpuriousDirty,
    /// The protocol's own bookkeeping broke (an entry left locked, a waiter left
    /// queued, the page table disagreeing with the tree, a fault making no progress).
    Invariant,
    /// A virtual page maps other storage than the block map gives its file page, or
    /// the zero page over an allocated block: the process reads or writes the wrong
    /// data.
    WrongPage,
    /// fsync returned (or returned an error) without flushing a store made before it
    /// began, or a writable mapping of storage sits on a clean entry (the next fsync
    /// cannot find it): data the user was promised durable is not.
    LostWrite,
}

impl HarmKind {
    /// Every kind, least harmful first.
    pub const ALL: [HarmKind; 4] = [
        HarmKind::SpuriousDirty,
        HarmKind::Invariant,
        HarmKind::WrongPage,
        HarmKind::LostWrite,
    ];
}

/// One problem found, with its class and a sentence saying what and where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Harm {
    /// What the user loses.
    pub kind: HarmKind,
    /// What was found, and where.
    pub text: String,
}

impl Harm {
    /// A harm of `kind` described by `text`.
    pub fn new(kind: HarmKind, text: impl Into<String>) -> Self {
        Harm {
            kind,
            text: text.into(),
        }
    }

    /// An [`HarmKind::Invariant`] harm.
    pub fn invariant(text: impl Into<String>) -> Self {
        Self::new(HarmKind::Invariant, text)
    }
}

impl fmt::Display for Harm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A check a scenario may force on whatever the target's truths say
/// (`[expect] checks = ["read-fault-clean"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// "A read fault leaves its entry clean" ([`Truths::read_faults_leave_entries_clean`]).
    ReadFaultClean,
}

impl Check {
    /// Every check a scenario may force.
    pub const ALL: [Check; 1] = [Check::ReadFaultClean];

    /// Its name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Check::ReadFaultClean => "read-fault-clean",
        }
    }

    /// The check called `name`, if any.
    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// What a version of the code is known to guarantee; checks of a guarantee run only
/// where it holds. The default is the model's (v4.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Truths {
    /// A read fault leaves its entry clean (kernel: dax_insert_entry() tags the entry
    /// dirty only for a write fault). True for v4.13 and for 6.3 on; false where a
    /// read fault's entry is tagged dirty too (about 5.x to 6.2:
    /// `dirty = !dax_fault_is_synchronous()`).
    ///
    /// Where it holds: a zero entry over an allocated block is an invariant failure
    /// (write(2)'s invalidation deletes clean entries, so one left means a lost
    /// invalidation), and a dirty entry must cover an unflushed store or a writable
    /// mapping ([`HarmKind::SpuriousDirty`]).
    pub read_faults_leave_entries_clean: bool,
}

impl Default for Truths {
    fn default() -> Self {
        Truths {
            read_faults_leave_entries_clean: true,
        }
    }
}

impl Truths {
    /// These truths with `check` switched on, whatever the target says.
    pub fn forcing(mut self, check: Check) -> Self {
        match check {
            Check::ReadFaultClean => self.read_faults_leave_entries_clean = true,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks read back by name; forcing one switches its truth on.
    #[test]
    fn checks_have_names_and_force_their_truth() {
        for c in Check::ALL {
            assert_eq!(Check::from_name(c.name()), Some(c));
        }
        assert_eq!(Check::from_name("nope"), None);
        let off = Truths {
            read_faults_leave_entries_clean: false,
        };
        assert!(
            off.forcing(Check::ReadFaultClean)
                .read_faults_leave_entries_clean
        );
        assert!(HarmKind::LostWrite > HarmKind::WrongPage);
        assert!(HarmKind::SpuriousDirty < HarmKind::Invariant);
    }
}
