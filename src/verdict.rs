//! Verdicts: what one check of one scenario concluded.

use crate::dax::HarmKind;
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
    /// A dirty entry covers no unflushed store and no writable mapping (a read fault
    /// tagged it dirty, say): fsync does needless work. Checked only where the
    /// target's truths say read faults leave entries clean, or a scenario forces it.
    #[serde(rename = "spurious-dirty")]
    SpuriousDirty,
    /// A fault got SIGBUS inside the file (not explained by end of file).
    Sigbus,
    /// An end-state or tree invariant broke: an entry left locked, a waiter left
    /// queued, PMD and PTE entries overlapping, page table disagreeing with the tree.
    Invariant,
    /// A virtual page maps other storage than the block map gives its file page, or
    /// the zero page over an allocated block: the process sees the wrong data.
    #[serde(rename = "wrong-page")]
    WrongPage,
    /// fsync returned without flushing a store made before it began (or returned an
    /// error), or a writable mapping of storage sits on a clean entry at the end (the
    /// next fsync cannot find it).
    #[serde(rename = "lost-write")]
    LostWrite,
    /// A thread sleeps forever: loom's or shuttle's deadlock detection, or the
    /// real-thread watchdog.
    Hang,
}

impl Verdict {
    /// Every verdict, best first.
    pub const ALL: [Verdict; 9] = [
        Verdict::Verified,
        Verdict::Incomplete,
        Verdict::Warning,
        Verdict::SpuriousDirty,
        Verdict::Sigbus,
        Verdict::Invariant,
        Verdict::WrongPage,
        Verdict::LostWrite,
        Verdict::Hang,
    ];

    /// The lowercase name used in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Incomplete => "incomplete",
            Verdict::Warning => "warning",
            Verdict::SpuriousDirty => "spurious-dirty",
            Verdict::Sigbus => "sigbus",
            Verdict::Invariant => "invariant",
            Verdict::WrongPage => "wrong-page",
            Verdict::LostWrite => "lost-write",
            Verdict::Hang => "hang",
        }
    }
}

/// The verdict a harm of this kind gives an execution.
impl From<HarmKind> for Verdict {
    fn from(kind: HarmKind) -> Self {
        match kind {
            HarmKind::SpuriousDirty => Verdict::SpuriousDirty,
            HarmKind::Invariant => Verdict::Invariant,
            HarmKind::WrongPage => Verdict::WrongPage,
            HarmKind::LostWrite => Verdict::LostWrite,
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

    /// The new verdicts sit where their harm ranks, read back by name, and serialize
    /// as they print.
    #[test]
    fn harm_verdicts_rank_and_round_trip() {
        assert!(Verdict::Warning < Verdict::SpuriousDirty);
        assert!(Verdict::SpuriousDirty < Verdict::Sigbus);
        assert!(Verdict::Invariant < Verdict::WrongPage);
        assert!(Verdict::WrongPage < Verdict::LostWrite);
        assert!(Verdict::LostWrite < Verdict::Hang);
        for v in Verdict::ALL {
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(v));
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{v}\""));
        }
        for k in HarmKind::ALL {
            assert!(Verdict::ALL.contains(&Verdict::from(k)));
        }
        let mut kinds = HarmKind::ALL.map(Verdict::from).to_vec();
        kinds.sort();
        assert_eq!(kinds, HarmKind::ALL.map(Verdict::from));
    }
}
