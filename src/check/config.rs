//! A check's configuration, written once: [`CheckerConfig`] has one variant per
//! checker, holding that checker's own struct (the only place its parameters live).
//!
//! It prints as the settings line reports carry (`depth 3 seed 0 shard 1/4`) and reads
//! back from it, so old reports and `daxlock merge` keep their text; and it derives the
//! `daxlock run` flags that rerun the check ([`CheckerConfig::run_flags`]). The line
//! states what tells one check's schedules from another's of the same budget; the
//! budget's size (iterations) is in the report's execution count and budget line, not
//! in it, so a configuration read from a line has the default iterations
//! ([`DEFAULT_ITERATIONS`]). Every parameter's default is declared here; [`super::plan`]
//! applies them.

use super::loom::LoomChecker;
use super::pct::PctChecker;
use super::random::RandomChecker;
use super::replay::ReplayChecker;
use super::shard::Shard;
use super::stateful::StatefulChecker;
use super::threads::{ThreadsChecker, ThreadsConfig};
use crate::kind::CheckerKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

// The defaults of every parameter, here beside the configuration (a line read back
// takes them for what it does not state); `plan` applies them.

/// Shuttle iterations per check where neither the command line nor the scenario
/// states them.
pub const DEFAULT_ITERATIONS: usize = 2000;
/// Real-thread iterations per check where the command line states none.
pub const DEFAULT_THREAD_ITERATIONS: usize = 200;
/// PCT's depth where neither the command line nor the scenario states it.
pub const DEFAULT_PCT_DEPTH: usize = 3;
/// The real-thread watchdog, in milliseconds, where the command line states none.
pub const DEFAULT_WATCHDOG_MS: u64 = 2000;
/// The gate's loom bound for scenarios that state none: loom is the cross-check
/// there; the unbounded runs are the stateful rows, and the loom suite
/// (`RUSTFLAGS="--cfg loom" cargo test --release`) runs two-thread scenarios
/// unbounded and compares them with stateful.
pub const GATE_LOOM_BOUND: usize = 3;
pub use super::stateful::DEFAULT_MAX_STATES;

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

/// One check's configuration: which checker, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckerConfig {
    /// Loom: `unbounded` or `bound 3`.
    Loom(LoomChecker),
    /// Shuttle, random: `seed 0 shard 0/1`.
    Random(RandomChecker),
    /// Shuttle, PCT: `depth 3 seed 0 shard 1/4`.
    Pct(PctChecker),
    /// Real threads: `parking_lot watchdog 2000 ms`.
    Threads(ThreadsConfig),
    /// The stateful search: `max-states 2000000 all-hangs jobs 2 shard 0/1`
    /// (`all-hangs`, `shortest` when on, `jobs` above 1).
    Stateful(StatefulChecker),
    /// A replay of one recorded schedule or path: `one recorded schedule`. What it
    /// replays is its input (`--schedule`), not a parameter.
    Replay(Recorded),
}

impl CheckerConfig {
    /// Which checker it configures (a stateful replay is a [`CheckerConfig::Replay`]
    /// of a path, run by the stateful checker).
    pub fn kind(&self) -> CheckerKind {
        match self {
            CheckerConfig::Loom(_) => CheckerKind::Loom,
            CheckerConfig::Random(_) => CheckerKind::Random,
            CheckerConfig::Pct(_) => CheckerKind::Pct,
            CheckerConfig::Threads(_) => CheckerKind::Threads,
            CheckerConfig::Stateful(_) => CheckerKind::Stateful,
            CheckerConfig::Replay(Recorded::Schedule) => CheckerKind::Replay,
            CheckerConfig::Replay(Recorded::Path) => CheckerKind::Stateful,
        }
    }

    /// What a replay reruns; `None` for a check that explores.
    pub fn recorded(&self) -> Option<Recorded> {
        match self {
            CheckerConfig::Replay(r) => Some(*r),
            _ => None,
        }
    }

    /// The part of the budget or search this check runs, for the checkers that shard.
    pub fn shard(&self) -> Option<Shard> {
        match self {
            CheckerConfig::Random(c) => Some(c.shard),
            CheckerConfig::Pct(c) => Some(c.shard),
            CheckerConfig::Stateful(c) => Some(c.shard),
            _ => None,
        }
    }

    /// The same configuration running `shard` instead (unchanged for a checker that
    /// does not shard).
    pub fn with_shard(&self, shard: Shard) -> CheckerConfig {
        let mut c = self.clone();
        match &mut c {
            CheckerConfig::Random(r) => r.shard = shard,
            CheckerConfig::Pct(p) => p.shard = shard,
            CheckerConfig::Stateful(s) => s.shard = shard,
            _ => {}
        }
        c
    }

    /// Its settings line without the shard: what the shards of one split share (the
    /// gate's table shows this; `merge` groups shards by it).
    pub fn without_shard(&self) -> String {
        self.words(false).join(" ")
    }

    /// The settings line as words, with or without the shard.
    fn words(&self, with_shard: bool) -> Vec<String> {
        let mut w: Vec<String> = Vec::new();
        match self {
            CheckerConfig::Loom(l) => w.push(match l.preemption_bound {
                Some(b) => format!("bound {b}"),
                None => "unbounded".into(),
            }),
            CheckerConfig::Random(r) => w.push(format!("seed {}", r.seed)),
            CheckerConfig::Pct(p) => w.push(format!("depth {} seed {}", p.depth, p.seed)),
            CheckerConfig::Threads(t) => w.push(format!(
                "{} watchdog {} ms",
                t.backend,
                t.watchdog.as_millis()
            )),
            CheckerConfig::Stateful(s) => {
                w.push(format!("max-states {}", s.max_states));
                if s.all_hangs || s.shortest || s.fewest_preemptions {
                    w.push("all-hangs".into());
                }
                if s.shortest {
                    w.push("shortest".into());
                }
                if s.fewest_preemptions {
                    w.push("fewest-preemptions".into());
                }
                if s.jobs > 1 {
                    w.push(format!("jobs {}", s.jobs));
                }
            }
            CheckerConfig::Replay(r) => w.push(r.as_str().into()),
        }
        if let Some(s) = self.shard().filter(|_| with_shard) {
            w.push(format!("shard {s}"));
        }
        w
    }

    /// The `daxlock run` flags that rerun this check as it ran (`--checker loom
    /// --preemption-bound 3`): how a failure without a replayable schedule is
    /// reproduced. `None` for a replay (`run` cannot rerun it; its failures carry
    /// their schedule).
    pub fn run_flags(&self) -> Option<String> {
        let mut flags = vec![format!("--checker {}", self.kind())];
        let mut flag = |name: &str, value: &dyn fmt::Display| {
            flags.push(format!("--{name} {value}"));
        };
        match self {
            CheckerConfig::Loom(l) => {
                if let Some(b) = l.preemption_bound {
                    flag("preemption-bound", &b);
                }
            }
            CheckerConfig::Random(r) => {
                flag("iterations", &r.iterations);
                flag("seed", &r.seed);
                flag("shard", &r.shard);
            }
            CheckerConfig::Pct(p) => {
                flag("iterations", &p.iterations);
                flag("depth", &p.depth);
                flag("seed", &p.seed);
                flag("shard", &p.shard);
            }
            CheckerConfig::Threads(t) => {
                flag("iterations", &t.iterations);
                flag("watchdog-ms", &t.watchdog.as_millis());
            }
            CheckerConfig::Stateful(s) => {
                flag("max-states", &s.max_states);
                if s.jobs > 1 {
                    flag("jobs", &s.jobs);
                }
                if s.shard.count > 1 {
                    flag("shard", &s.shard);
                }
                for (on, name) in [
                    (
                        s.all_hangs && !s.shortest && !s.fewest_preemptions,
                        "--all-hangs",
                    ),
                    (s.shortest, "--shortest"),
                    (s.fewest_preemptions, "--fewest-preemptions"),
                    (!s.por, "--no-por"),
                    (!s.snapshots, "--no-snapshots"),
                ] {
                    if on {
                        flags.push(name.into());
                    }
                }
            }
            CheckerConfig::Replay(_) => return None,
        }
        Some(flags.join(" "))
    }
}

/// A checker's configuration, as its report states it. Implemented here, above the
/// checkers, for each of them: the checker files and the `Checker` trait know
/// nothing of [`CheckerConfig`], so they form no import loop with it.
pub trait Configured {
    /// Its configuration: what reports state (`bound 3`, `seed 1 shard 0/1`...) and
    /// how `run` reruns it.
    fn config(&self) -> CheckerConfig;
}

impl Configured for LoomChecker {
    fn config(&self) -> CheckerConfig {
        CheckerConfig::Loom(self.clone())
    }
}

impl Configured for RandomChecker {
    fn config(&self) -> CheckerConfig {
        CheckerConfig::Random(*self)
    }
}

impl Configured for PctChecker {
    fn config(&self) -> CheckerConfig {
        CheckerConfig::Pct(*self)
    }
}

impl<B: crate::sync::Backend> Configured for ThreadsChecker<B> {
    fn config(&self) -> CheckerConfig {
        CheckerConfig::Threads(ThreadsChecker::config(self).clone())
    }
}

/// A search, or the replay of one path.
impl Configured for StatefulChecker {
    fn config(&self) -> CheckerConfig {
        match self.replay {
            Some(_) => CheckerConfig::Replay(Recorded::Path),
            None => CheckerConfig::Stateful(self.clone()),
        }
    }
}

impl Configured for ReplayChecker {
    fn config(&self) -> CheckerConfig {
        CheckerConfig::Replay(Recorded::Schedule)
    }
}

/// The settings line reports carry, in this order per checker: `bound 3`,
/// `unbounded`, `seed 0 shard 0/1`, `depth 3 seed 0 shard 1/4`, `parking_lot watchdog
/// 2000 ms`, `max-states 2000000 all-hangs shortest jobs 2 shard 0/1`, `one recorded
/// schedule`, `one recorded path`.
impl fmt::Display for CheckerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(true).join(" "))
    }
}

/// A settings line that does not read as a [`CheckerConfig`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable settings `{text}`: {why}")]
pub struct BadSettings {
    /// The text.
    pub text: String,
    /// What did not read.
    pub why: String,
}

/// The words of a settings line, before they are one checker's.
#[derive(Default)]
struct Words {
    /// The keys present, in order.
    keys: Vec<&'static str>,
    recorded: Option<Recorded>,
    bound: Option<usize>,
    depth: Option<usize>,
    max_states: Option<usize>,
    jobs: Option<usize>,
    seed: Option<u64>,
    shard: Option<Shard>,
    backend: Option<String>,
    watchdog_ms: Option<u64>,
}

impl Words {
    fn read(text: &str) -> Result<Words, String> {
        let mut s = Words::default();
        let mut words = text.split_whitespace();
        while let Some(w) = words.next() {
            let mut value = |key: &str| {
                words
                    .next()
                    .ok_or_else(|| format!("`{key}` without a value"))
            };
            fn number<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
                v.parse().map_err(|_| format!("`{key} {v}`: not a number"))
            }
            let key: &'static str = match w {
                "one" => {
                    let what = [value("one")?, value("one")?];
                    s.recorded = Some(match what {
                        ["recorded", "schedule"] => Recorded::Schedule,
                        ["recorded", "path"] => Recorded::Path,
                        _ => return Err(format!("`one {}`", what.join(" "))),
                    });
                    "one recorded"
                }
                "unbounded" => "unbounded",
                "bound" => {
                    s.bound = Some(number(w, value(w)?)?);
                    "bound"
                }
                "depth" => {
                    s.depth = Some(number(w, value(w)?)?);
                    "depth"
                }
                "max-states" => {
                    s.max_states = Some(number(w, value(w)?)?);
                    "max-states"
                }
                "all-hangs" => "all-hangs",
                "shortest" => "shortest",
                "fewest-preemptions" => "fewest-preemptions",
                "jobs" => {
                    s.jobs = Some(number(w, value(w)?)?);
                    "jobs"
                }
                "seed" => {
                    s.seed = Some(number(w, value(w)?)?);
                    "seed"
                }
                "shard" => {
                    s.shard = Some(value(w)?.parse()?);
                    "shard"
                }
                "watchdog" => {
                    s.watchdog_ms = Some(number(w, value(w)?)?);
                    if value(w)? != "ms" {
                        return Err("`watchdog N` without `ms`".into());
                    }
                    "watchdog"
                }
                other if s.backend.is_none() => {
                    s.backend = Some(other.to_owned());
                    "backend"
                }
                other => return Err(format!("unknown word `{other}`")),
            };
            if s.keys.contains(&key) {
                return Err(format!("`{key}` twice"));
            }
            s.keys.push(key);
        }
        Ok(s)
    }

    fn has(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }

    /// The one checker these words configure: the first of its keys present decides
    /// it, and every other key must be one of its.
    fn config(self) -> Result<CheckerConfig, String> {
        const CHECKERS: [(&str, &[&str]); 7] = [
            ("one recorded", &[]),
            ("unbounded", &[]),
            ("bound", &[]),
            (
                "max-states",
                &[
                    "all-hangs",
                    "shortest",
                    "fewest-preemptions",
                    "jobs",
                    "shard",
                ],
            ),
            ("depth", &["seed", "shard"]),
            ("watchdog", &["backend"]),
            ("seed", &["shard"]),
        ];
        let Some((key, others)) = CHECKERS.iter().find(|(k, _)| self.has(k)) else {
            return Err(if self.keys.is_empty() {
                "no settings".into()
            } else {
                "no checker's settings (`bound`, `depth`, `seed`, `max-states`, `watchdog`, `one recorded`)".into()
            });
        };
        if let Some(stray) = self.keys.iter().find(|k| *k != key && !others.contains(k)) {
            return Err(format!("`{stray}` is not a setting beside `{key}`"));
        }
        let shard = self.shard.unwrap_or_default();
        Ok(match *key {
            "one recorded" => CheckerConfig::Replay(self.recorded.expect("read with its key")),
            "unbounded" | "bound" => CheckerConfig::Loom(LoomChecker {
                preemption_bound: self.bound,
                max_executions: None,
            }),
            "max-states" => CheckerConfig::Stateful(StatefulChecker {
                max_states: self.max_states.expect("read with its key"),
                all_hangs: self.has("all-hangs")
                    || self.has("shortest")
                    || self.has("fewest-preemptions"),
                shortest: self.has("shortest"),
                fewest_preemptions: self.has("fewest-preemptions"),
                jobs: self.jobs.unwrap_or(1),
                shard,
                ..StatefulChecker::default()
            }),
            "depth" => CheckerConfig::Pct(PctChecker {
                iterations: DEFAULT_ITERATIONS,
                depth: self.depth.expect("read with its key"),
                seed: self.seed.unwrap_or_default(),
                shard,
            }),
            "watchdog" => CheckerConfig::Threads(ThreadsConfig {
                backend: self.backend.ok_or("`watchdog` without a backend")?,
                iterations: DEFAULT_THREAD_ITERATIONS,
                watchdog: Duration::from_millis(self.watchdog_ms.expect("read with its key")),
            }),
            _ => CheckerConfig::Random(RandomChecker {
                iterations: DEFAULT_ITERATIONS,
                seed: self.seed.expect("read with its key"),
                shard,
            }),
        })
    }
}

impl std::str::FromStr for CheckerConfig {
    type Err = BadSettings;

    /// The words `Display` prints, in any order; one word that is no key is the
    /// real-thread backend. Parameters the line does not state (iterations, the
    /// stateful search's reduction) take their defaults.
    fn from_str(text: &str) -> Result<Self, BadSettings> {
        Words::read(text)
            .and_then(Words::config)
            .map_err(|why| BadSettings {
                text: text.to_owned(),
                why,
            })
    }
}

/// As its settings line.
impl Serialize for CheckerConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// From its settings line.
impl<'de> Deserialize<'de> for CheckerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shard(index: usize, count: usize) -> Shard {
        Shard { index, count }
    }

    /// Every checker's configuration prints as reports have always written it, reads
    /// back as itself, and goes through JSON as that text.
    #[test]
    fn configs_print_and_parse_back() {
        let stateful = |f: fn(&mut StatefulChecker)| {
            let mut s = StatefulChecker::default();
            f(&mut s);
            CheckerConfig::Stateful(s)
        };
        let cases = [
            (
                CheckerConfig::Replay(Recorded::Schedule),
                "one recorded schedule",
            ),
            (CheckerConfig::Replay(Recorded::Path), "one recorded path"),
            (
                CheckerConfig::Loom(LoomChecker {
                    preemption_bound: None,
                    max_executions: None,
                }),
                "unbounded",
            ),
            (
                CheckerConfig::Loom(LoomChecker {
                    preemption_bound: Some(3),
                    max_executions: None,
                }),
                "bound 3",
            ),
            (
                CheckerConfig::Pct(PctChecker {
                    iterations: DEFAULT_ITERATIONS,
                    depth: 3,
                    seed: 0,
                    shard: shard(1, 4),
                }),
                "depth 3 seed 0 shard 1/4",
            ),
            (
                CheckerConfig::Random(RandomChecker {
                    iterations: DEFAULT_ITERATIONS,
                    seed: 7,
                    shard: shard(0, 1),
                }),
                "seed 7 shard 0/1",
            ),
            (
                stateful(|s| {
                    s.all_hangs = true;
                    s.jobs = 2;
                    s.shard = shard(1, 4);
                }),
                "max-states 2000000 all-hangs jobs 2 shard 1/4",
            ),
            (
                stateful(|s| {
                    s.max_states = 9;
                    s.all_hangs = true;
                    s.shortest = true;
                }),
                "max-states 9 all-hangs shortest shard 0/1",
            ),
            (
                CheckerConfig::Threads(ThreadsConfig {
                    backend: "parking_lot".into(),
                    iterations: DEFAULT_THREAD_ITERATIONS,
                    watchdog: Duration::from_millis(2000),
                }),
                "parking_lot watchdog 2000 ms",
            ),
        ];
        for (config, text) in cases {
            assert_eq!(config.to_string(), text);
            assert_eq!(text.parse::<CheckerConfig>(), Ok(config.clone()));
            let json = serde_json::to_value(&config).unwrap();
            assert_eq!(json, serde_json::Value::from(text));
            assert_eq!(
                serde_json::from_value::<CheckerConfig>(json).unwrap(),
                config
            );
        }
    }

    /// The words may come in any order, as the old settings reader took them; they
    /// print in the one order.
    #[test]
    fn words_read_in_any_order() {
        let c: CheckerConfig = "shard 1/4 seed 0 depth 3".parse().unwrap();
        assert_eq!(c.to_string(), "depth 3 seed 0 shard 1/4");
        let c: CheckerConfig = "watchdog 100 ms std".parse().unwrap();
        assert_eq!(c.to_string(), "std watchdog 100 ms");
    }

    fn any_config() -> impl Strategy<Value = CheckerConfig> {
        let sh = (1usize..9).prop_flat_map(|n| (0..n).prop_map(move |i| shard(i, n)));
        prop_oneof![
            proptest::option::of(0usize..9).prop_map(|b| CheckerConfig::Loom(LoomChecker {
                preemption_bound: b,
                max_executions: None,
            })),
            (any::<u64>(), sh.clone()).prop_map(|(seed, shard)| CheckerConfig::Random(
                RandomChecker {
                    iterations: DEFAULT_ITERATIONS,
                    seed,
                    shard,
                }
            )),
            (1usize..9, any::<u64>(), sh.clone()).prop_map(|(depth, seed, shard)| {
                CheckerConfig::Pct(PctChecker {
                    iterations: DEFAULT_ITERATIONS,
                    depth,
                    seed,
                    shard,
                })
            }),
            (
                prop_oneof![Just("std"), Just("parking_lot")],
                100u64..100_000
            )
                .prop_map(|(b, ms)| CheckerConfig::Threads(ThreadsConfig {
                    backend: b.into(),
                    iterations: DEFAULT_THREAD_ITERATIONS,
                    watchdog: Duration::from_millis(ms),
                })),
            (
                1usize..10_000_000,
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                1usize..9,
                sh
            )
                .prop_map(|(max_states, all, shortest, fewest, jobs, shard)| {
                    CheckerConfig::Stateful(StatefulChecker {
                        max_states,
                        all_hangs: all || shortest || fewest,
                        shortest,
                        fewest_preemptions: fewest,
                        jobs,
                        shard,
                        ..StatefulChecker::default()
                    })
                }),
            prop_oneof![Just(Recorded::Schedule), Just(Recorded::Path)]
                .prop_map(CheckerConfig::Replay),
        ]
    }

    proptest! {
        /// Any configuration reads back from its line as itself, its shard comes
        /// out and goes back in, and it reruns as the checker it is.
        #[test]
        fn any_config_round_trips(c in any_config()) {
            let text = c.to_string();
            prop_assert_eq!(text.parse::<CheckerConfig>(), Ok(c.clone()));
            if let Some(s) = c.shard() {
                prop_assert_eq!(c.with_shard(s), c.clone());
                prop_assert_eq!(
                    format!("{} shard {s}", c.without_shard()),
                    text
                );
            } else {
                prop_assert_eq!(c.without_shard(), text);
            }
            match c.run_flags() {
                Some(f) => {
                    let checker = format!("--checker {}", c.kind());
                    prop_assert!(f.starts_with(&checker), "{}", f);
                }
                None => prop_assert!(c.recorded().is_some()),
            }
        }
    }

    /// The flags that rerun a check are derived from its configuration.
    #[test]
    fn run_flags_restate_the_configuration() {
        let flags = |text: &str| text.parse::<CheckerConfig>().unwrap().run_flags();
        assert_eq!(flags("unbounded").as_deref(), Some("--checker loom"));
        assert_eq!(
            flags("bound 3").as_deref(),
            Some("--checker loom --preemption-bound 3")
        );
        assert_eq!(
            flags("depth 2 seed 5 shard 1/4").as_deref(),
            Some("--checker pct --iterations 2000 --depth 2 --seed 5 --shard 1/4")
        );
        assert_eq!(
            flags("seed 5 shard 0/1").as_deref(),
            Some("--checker random --iterations 2000 --seed 5 --shard 0/1")
        );
        assert_eq!(
            flags("parking_lot watchdog 150 ms").as_deref(),
            Some("--checker threads --iterations 200 --watchdog-ms 150")
        );
        assert_eq!(
            flags("max-states 9 shortest jobs 2 shard 1/2").as_deref(),
            Some("--checker stateful --max-states 9 --jobs 2 --shard 1/2 --shortest")
        );
        // Snapshots are the default: a search that replays says so.
        let replaying = CheckerConfig::Stateful(StatefulChecker {
            max_states: 9,
            snapshots: false,
            ..StatefulChecker::default()
        });
        assert_eq!(
            replaying.run_flags().as_deref(),
            Some("--checker stateful --max-states 9 --no-snapshots")
        );
        assert_eq!(flags("one recorded path"), None);
    }

    /// The gate's table and `merge` take the shard out.
    #[test]
    fn without_shard_drops_only_the_shard() {
        let s: CheckerConfig = "max-states 2000000 jobs 2 shard 1/4".parse().unwrap();
        assert_eq!(s.shard(), Some(shard(1, 4)));
        assert_eq!(s.without_shard(), "max-states 2000000 jobs 2");
        assert_eq!(
            s.with_shard(shard(3, 4)).to_string(),
            "max-states 2000000 jobs 2 shard 3/4"
        );
        let l: CheckerConfig = "bound 3".parse().unwrap();
        assert_eq!((l.shard(), l.without_shard()), (None, "bound 3".into()));
    }

    /// Bad lines are errors naming the line: bad values, keys without a value,
    /// words of two checkers, a key twice, nothing at all.
    #[test]
    fn bad_settings_are_errors() {
        for (text, why) in [
            ("seed x", "`seed x`: not a number"),
            ("shard 3/2 seed 0", "bad shard `3/2`"),
            ("depth", "`depth` without a value"),
            ("one recorded tape", "`one recorded tape`"),
            ("a b", "unknown word `b`"),
            ("bound 3 depth 2", "`depth` is not a setting beside `bound`"),
            ("seed 1 seed 2", "`seed` twice"),
            ("std", "no checker's settings"),
            ("", "no settings"),
            ("watchdog 100 ms", "`watchdog` without a backend"),
            ("watchdog 100 s std", "without `ms`"),
        ] {
            let e = text.parse::<CheckerConfig>().unwrap_err();
            assert_eq!(e.text, text);
            assert!(e.why.contains(why), "{text}: {}", e.why);
        }
    }
}
