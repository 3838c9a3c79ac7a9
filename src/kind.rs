//! Checker names: the one set every layer uses, from scenario files (`[check]
//! checkers`) and the command line (`--checker`) to reports (`"checker": "pct"`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A checker by name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
#[value(rename_all = "lowercase")]
pub enum CheckerKind {
    /// Exhaustive, with states remembered: no bound needed.
    Stateful,
    /// Exhaustive, loom.
    Loom,
    /// Shuttle, random schedules.
    Random,
    /// Shuttle, PCT schedules.
    Pct,
    /// Real threads on parking_lot with a watchdog.
    Threads,
    /// One recorded shuttle schedule rerun (`daxlock replay`). It names a report's
    /// checker; it cannot be chosen with `--checker` or `[check] checkers`.
    #[value(skip)]
    Replay,
}

/// A checker name that is not one of [`CheckerKind::CHOOSABLE`] (or `all`, where
/// that is allowed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", if .name.contains(',') {
    format!("`{}`: `all` stands alone (say `all`, or a list of: {})", .name, .known)
} else {
    format!("unknown checker `{}` (known: {})", .name, .known)
})]
pub struct UnknownChecker {
    /// The name as written.
    pub name: String,
    /// The names that would have been accepted, comma separated.
    pub known: String,
}

impl CheckerKind {
    /// The checkers the gate runs unless a scenario names others (and `--checker
    /// all`).
    pub const GATE_DEFAULT: [CheckerKind; 4] = [
        CheckerKind::Stateful,
        CheckerKind::Loom,
        CheckerKind::Random,
        CheckerKind::Pct,
    ];

    /// The checkers a scenario or the command line may name, in the order error
    /// messages list them.
    pub const CHOOSABLE: [CheckerKind; 5] = [
        CheckerKind::Stateful,
        CheckerKind::Loom,
        CheckerKind::Random,
        CheckerKind::Pct,
        CheckerKind::Threads,
    ];

    /// Its name, as scenario files, the command line and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckerKind::Stateful => "stateful",
            CheckerKind::Loom => "loom",
            CheckerKind::Random => "random",
            CheckerKind::Pct => "pct",
            CheckerKind::Threads => "threads",
            CheckerKind::Replay => "replay",
        }
    }

    /// The choosable checker called `name` (`stateful`, `loom`, `random`, `pct` or
    /// `threads`); `None` for any other name, `replay` included.
    pub fn parse(name: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::from_str(name, false).ok()
    }

    /// The names of [`CheckerKind::CHOOSABLE`], comma separated.
    pub fn known() -> String {
        Self::CHOOSABLE.map(Self::as_str).join(", ")
    }

    /// A `--checker` value: `all` ([`CheckerKind::GATE_DEFAULT`]) or choosable names
    /// separated by commas.
    pub fn parse_list(spec: &str) -> Result<Vec<Self>, UnknownChecker> {
        if spec == "all" {
            return Ok(Self::GATE_DEFAULT.to_vec());
        }
        if spec.split(',').any(|s| s.trim() == "all") {
            return Err(UnknownChecker {
                name: spec.to_owned(),
                known: Self::known(),
            });
        }
        spec.split(',')
            .map(|s| {
                Self::parse(s.trim()).ok_or_else(|| UnknownChecker {
                    name: s.to_owned(),
                    known: format!("{}, all", Self::known()),
                })
            })
            .collect()
    }
}

/// Any checker name a report may carry, `replay` included.
impl std::str::FromStr for CheckerKind {
    type Err = UnknownChecker;
    fn from_str(s: &str) -> Result<Self, UnknownChecker> {
        Self::parse(s)
            .or((s == "replay").then_some(CheckerKind::Replay))
            .ok_or_else(|| UnknownChecker {
                name: s.to_owned(),
                known: format!("{}, replay", Self::known()),
            })
    }
}

impl fmt::Display for CheckerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `all` inside a list is refused with a message about `all`, not as an unknown
    /// name (`--checker all,stateful` said ``unknown checker `all` (known: ..., all)``).
    #[test]
    fn all_stands_alone() {
        let e = CheckerKind::parse_list("all,stateful")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "`all,stateful`: `all` stands alone (say `all`, or a list of: stateful, loom, random, pct, threads)"
        );
        let e = CheckerKind::parse_list("nope").unwrap_err().to_string();
        assert!(e.starts_with("unknown checker `nope`"), "{e}");
    }

    /// Every name reads back as its kind, through `as_str`, serde, clap and FromStr;
    /// `replay` names reports only.
    #[test]
    fn one_name_per_kind_everywhere() {
        let all = [CheckerKind::Replay]
            .into_iter()
            .chain(CheckerKind::CHOOSABLE);
        for k in all {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<CheckerKind>(&json).unwrap(), k);
            assert_eq!(k.as_str().parse::<CheckerKind>(), Ok(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        for k in CheckerKind::CHOOSABLE {
            assert_eq!(CheckerKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(CheckerKind::parse("replay"), None);
        let mut clap_names: Vec<CheckerKind> = <CheckerKind as clap::ValueEnum>::value_variants()
            .iter()
            .copied()
            .filter(|k| clap::ValueEnum::to_possible_value(k).is_some())
            .collect();
        clap_names.sort();
        assert_eq!(clap_names, CheckerKind::CHOOSABLE);
        assert_eq!(CheckerKind::known(), "stateful, loom, random, pct, threads");
    }

    #[test]
    fn lists_parse_with_all_and_commas() {
        assert_eq!(
            CheckerKind::parse_list("all").unwrap(),
            CheckerKind::GATE_DEFAULT
        );
        assert_eq!(
            CheckerKind::parse_list("pct, loom").unwrap(),
            [CheckerKind::Pct, CheckerKind::Loom]
        );
        assert_eq!(
            CheckerKind::parse_list("pct,replay")
                .unwrap_err()
                .to_string(),
            "unknown checker `replay` (known: stateful, loom, random, pct, threads, all)"
        );
    }
}
