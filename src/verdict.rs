//! Verdicts: what one check of one scenario concluded.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The outcome of checking a scenario, ordered from best to worst: a check reports the
/// worst verdict over every schedule it explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every explored schedule finished with every invariant holding and no warning.
    Verified,
    /// Nothing failed, but the search stopped before it was done (a state budget ran
    /// out): not a proof.
    Incomplete,
    /// A kernel WARN condition fired (execution went on), nothing worse.
    Warning,
    /// A fault got SIGBUS inside the file (not explained by end of file).
    Sigbus,
    /// An end-state or tree invariant broke: an entry left locked, a waiter left
    /// queued, PMD and PTE entries overlapping, page table disagreeing with the tree.
    Invariant,
    /// A thread sleeps forever: loom's or shuttle's deadlock detection, or the
    /// real-thread watchdog.
    Hang,
}

impl Verdict {
    /// Every verdict, best first.
    pub const ALL: [Verdict; 6] = [
        Verdict::Verified,
        Verdict::Incomplete,
        Verdict::Warning,
        Verdict::Sigbus,
        Verdict::Invariant,
        Verdict::Hang,
    ];

    /// The lowercase name used in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Incomplete => "incomplete",
            Verdict::Warning => "warning",
            Verdict::Sigbus => "sigbus",
            Verdict::Invariant => "invariant",
            Verdict::Hang => "hang",
        }
    }
}

/// Its lowercase name.
impl std::str::FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown verdict `{s}`"))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hang_is_worst() {
        assert_eq!(Verdict::ALL.iter().max(), Some(&Verdict::Hang));
        assert!(Verdict::Warning < Verdict::Invariant);
        assert_eq!(Verdict::Sigbus.to_string(), "sigbus");
    }
}
