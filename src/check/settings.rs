//! A check's settings as reports state them (`depth 3 seed 0 shard 1/4`): a struct
//! for code, one line of words for people and JSON.
//!
//! [`Settings`] prints as that line and parses back from it, so reports keep their
//! text and `daxlock merge` reads a shard out of a report's `settings` without
//! taking words apart itself.

use super::shard::Shard;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Loom's preemption bound, as a report states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    /// Every interleaving: `unbounded`.
    Unbounded,
    /// At most this many preemptions: `bound 3`.
    At(usize),
}

/// What a replay reruns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recorded {
    /// A shuttle schedule: `one recorded schedule`.
    Schedule,
    /// A stateful search path (`s1:...`): `one recorded path`.
    Path,
}

impl Recorded {
    fn as_str(self) -> &'static str {
        match self {
            Recorded::Schedule => "one recorded schedule",
            Recorded::Path => "one recorded path",
        }
    }
}

/// The settings one check ran with; each checker sets the fields it has. Printed in
/// this order, each as its words (`bound 3`, `max-states 2000000 all-hangs jobs 2
/// shard 0/1`, `parking_lot watchdog 2000 ms`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Settings {
    /// A replay: what it reruns.
    pub recorded: Option<Recorded>,
    /// Loom: the preemption bound.
    pub bound: Option<Bound>,
    /// PCT: the depth.
    pub depth: Option<usize>,
    /// Stateful: the most distinct states.
    pub max_states: Option<usize>,
    /// Stateful: searching on after the first hang.
    pub all_hangs: bool,
    /// Stateful: the shortest counterexample (depth-aware caching).
    pub shortest: bool,
    /// Stateful: parallel workers (stated when above 1).
    pub jobs: Option<usize>,
    /// Shuttle: the base seed.
    pub seed: Option<u64>,
    /// The part of the budget or search this check ran.
    pub shard: Option<Shard>,
    /// Real threads: the backend (`parking_lot`, `std`).
    pub backend: Option<String>,
    /// Real threads: the watchdog in milliseconds.
    pub watchdog_ms: Option<u128>,
}

impl Settings {
    /// The same settings without their shard: what the shards of one split share
    /// (the gate's table shows this).
    pub fn without_shard(&self) -> Settings {
        Settings {
            shard: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words: Vec<String> = Vec::new();
        if let Some(r) = self.recorded {
            words.push(r.as_str().to_owned());
        }
        match self.bound {
            Some(Bound::Unbounded) => words.push("unbounded".to_owned()),
            Some(Bound::At(b)) => words.push(format!("bound {b}")),
            None => {}
        }
        if let Some(d) = self.depth {
            words.push(format!("depth {d}"));
        }
        if let Some(m) = self.max_states {
            words.push(format!("max-states {m}"));
        }
        if self.all_hangs {
            words.push("all-hangs".to_owned());
        }
        if self.shortest {
            words.push("shortest".to_owned());
        }
        if let Some(j) = self.jobs {
            words.push(format!("jobs {j}"));
        }
        if let Some(s) = self.seed {
            words.push(format!("seed {s}"));
        }
        if let Some(s) = self.shard {
            words.push(format!("shard {s}"));
        }
        if let Some(b) = &self.backend {
            words.push(b.clone());
        }
        if let Some(w) = self.watchdog_ms {
            words.push(format!("watchdog {w} ms"));
        }
        f.write_str(&words.join(" "))
    }
}

/// Settings words that do not read as [`Settings`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable settings `{text}`: {why}")]
pub struct BadSettings {
    /// The text.
    pub text: String,
    /// What did not read.
    pub why: String,
}

impl std::str::FromStr for Settings {
    type Err = BadSettings;

    /// The words [`Settings`]' `Display` prints, in any order; one word that is no
    /// key is the real-thread backend.
    fn from_str(text: &str) -> Result<Self, BadSettings> {
        let bad = |why: String| BadSettings {
            text: text.to_owned(),
            why,
        };
        let mut s = Settings::default();
        let mut words = text.split_whitespace().peekable();
        while let Some(w) = words.next() {
            let mut value = |key: &str| {
                words
                    .next()
                    .ok_or_else(|| bad(format!("`{key}` without a value")))
            };
            fn number<T: std::str::FromStr>(
                key: &str,
                v: &str,
                bad: impl Fn(String) -> BadSettings,
            ) -> Result<T, BadSettings> {
                v.parse()
                    .map_err(|_| bad(format!("`{key} {v}`: not a number")))
            }
            match w {
                "one" => {
                    let what = [value("one")?, value("one")?];
                    s.recorded = Some(match what {
                        ["recorded", "schedule"] => Recorded::Schedule,
                        ["recorded", "path"] => Recorded::Path,
                        _ => return Err(bad(format!("`one {}`", what.join(" ")))),
                    });
                }
                "unbounded" => s.bound = Some(Bound::Unbounded),
                "bound" => s.bound = Some(Bound::At(number(w, value(w)?, bad)?)),
                "depth" => s.depth = Some(number(w, value(w)?, bad)?),
                "max-states" => s.max_states = Some(number(w, value(w)?, bad)?),
                "all-hangs" => s.all_hangs = true,
                "shortest" => s.shortest = true,
                "jobs" => s.jobs = Some(number(w, value(w)?, bad)?),
                "seed" => s.seed = Some(number(w, value(w)?, bad)?),
                "shard" => {
                    let v = value(w)?;
                    s.shard = Some(v.parse().map_err(bad)?);
                }
                "watchdog" => {
                    s.watchdog_ms = Some(number(w, value(w)?, bad)?);
                    if value(w)? != "ms" {
                        return Err(bad("`watchdog N` without `ms`".into()));
                    }
                }
                other if s.backend.is_none() => s.backend = Some(other.to_owned()),
                other => return Err(bad(format!("unknown word `{other}`"))),
            }
        }
        Ok(s)
    }
}

/// As its one line of words.
impl Serialize for Settings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// From its one line of words.
impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: usize, count: usize) -> Option<Shard> {
        Some(Shard { index, count })
    }

    /// Every checker's settings print as reports have always written them, and read
    /// back as themselves.
    #[test]
    fn settings_print_and_parse_back() {
        let cases = [
            (
                Settings {
                    recorded: Some(Recorded::Schedule),
                    ..Settings::default()
                },
                "one recorded schedule",
            ),
            (
                Settings {
                    recorded: Some(Recorded::Path),
                    ..Settings::default()
                },
                "one recorded path",
            ),
            (
                Settings {
                    bound: Some(Bound::Unbounded),
                    ..Settings::default()
                },
                "unbounded",
            ),
            (
                Settings {
                    bound: Some(Bound::At(3)),
                    ..Settings::default()
                },
                "bound 3",
            ),
            (
                Settings {
                    depth: Some(3),
                    seed: Some(0),
                    shard: shard(1, 4),
                    ..Settings::default()
                },
                "depth 3 seed 0 shard 1/4",
            ),
            (
                Settings {
                    seed: Some(7),
                    shard: shard(0, 1),
                    ..Settings::default()
                },
                "seed 7 shard 0/1",
            ),
            (
                Settings {
                    max_states: Some(2_000_000),
                    all_hangs: true,
                    jobs: Some(2),
                    shard: shard(1, 4),
                    ..Settings::default()
                },
                "max-states 2000000 all-hangs jobs 2 shard 1/4",
            ),
            (
                Settings {
                    max_states: Some(9),
                    all_hangs: true,
                    shortest: true,
                    ..Settings::default()
                },
                "max-states 9 all-hangs shortest",
            ),
            (
                Settings {
                    backend: Some("parking_lot".into()),
                    watchdog_ms: Some(2000),
                    ..Settings::default()
                },
                "parking_lot watchdog 2000 ms",
            ),
        ];
        for (settings, text) in cases {
            assert_eq!(settings.to_string(), text);
            assert_eq!(text.parse::<Settings>(), Ok(settings.clone()));
            let json = serde_json::to_value(&settings).unwrap();
            assert_eq!(json, serde_json::Value::from(text));
            assert_eq!(serde_json::from_value::<Settings>(json).unwrap(), settings);
        }
    }

    /// The gate's table and `merge` take the shard out.
    #[test]
    fn without_shard_drops_only_the_shard() {
        let s: Settings = "max-states 2000000 jobs 2 shard 1/4".parse().unwrap();
        assert_eq!(s.shard, shard(1, 4));
        assert_eq!(s.without_shard().to_string(), "max-states 2000000 jobs 2");
        assert_eq!(
            "bound 3"
                .parse::<Settings>()
                .unwrap()
                .without_shard()
                .to_string(),
            "bound 3"
        );
    }

    #[test]
    fn bad_settings_are_errors() {
        for text in ["seed x", "shard 3/2", "depth", "one recorded tape", "a b"] {
            let e = text.parse::<Settings>().unwrap_err();
            assert_eq!(e.text, text);
        }
    }
}
