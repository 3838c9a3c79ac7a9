//! Which checkers run on a scenario, and with what: [`plan`] applies every default
//! and owns every which-checkers-run rule. `daxlock run`, the gate (`daxlock
//! verify`), the benchmarks and the test suites all take their checkers'
//! configurations from it.
//!
//! What a caller states is an [`Overrides`] (the command line's flags, each `None`
//! when not given); a parameter neither it nor the scenario's `[check]` states takes
//! its default (declared beside the configuration, in [`super::config`]).

pub use super::config::{
    DEFAULT_ITERATIONS, DEFAULT_MAX_STATES, DEFAULT_PCT_DEPTH, DEFAULT_THREAD_ITERATIONS,
    DEFAULT_WATCHDOG_MS, GATE_LOOM_BOUND,
};

use super::config::{CheckerConfig, Recorded};
use super::loom::{LoomChecker, LOOM_MAX_SCENARIO_THREADS};
use super::pct::PctChecker;
use super::random::RandomChecker;
use super::shard::Shard;
use super::stateful::StatefulChecker;
use super::target::Target;
use super::threads::ThreadsConfig;
use crate::kind::CheckerKind;
use crate::scenario::Scenario;
use std::time::Duration;

/// What a plan is for: its checkers and loom's default bound differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// `daxlock run`: the checkers asked for (all four by default), loom unbounded
    /// for two threads on the model.
    #[default]
    Run,
    /// A gate row: the scenario's `[check] checkers` (PCT alone on the kernel
    /// target), loom at [`GATE_LOOM_BOUND`] where the scenario states none.
    Gate,
}

/// What a caller states of a check; `None` (or `false`): the default, or the
/// scenario's `[check]` value. Its flags are the command line's (`run` and `verify`
/// flatten them in; the doc comment of each is its `--help` line), so a new parameter
/// is declared here, beside its default ([`configure`]), its check ([`Overrides::check`])
/// and the checkers that use it ([`Overrides::unused`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct Overrides {
    /// What the plan is for.
    #[arg(skip)]
    pub purpose: Purpose,
    /// The checkers asked for (`--checker`); `None`: all ([`Purpose::Run`]) or the
    /// scenario's ([`Purpose::Gate`]). At the gate it only filters.
    #[arg(skip)]
    pub checkers: Option<Vec<CheckerKind>>,
    /// Shuttle (or real-thread) iterations; default: the scenario's, else 2000.
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Multiplies shuttle and real-thread iterations (`verify --deep`: 10; 0 or 1:
    /// none).
    #[arg(skip)]
    pub scale: usize,
    /// Base seed of shuttle runs (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The part of a shuttle budget or stateful search to run (`--shard`, read by
    /// the command line; 0/1).
    #[arg(skip)]
    pub shard: Shard,
    /// Loom preemption bound (default: none for 2 threads, 3 above; LOOM_MAX_PREEMPTIONS).
    #[arg(long)]
    pub preemption_bound: Option<usize>,
    /// PCT depth (default 3).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Real-thread watchdog in milliseconds (at least 100; default 2000).
    #[arg(long)]
    pub watchdog_ms: Option<u64>,
    /// Stateful: stop with verdict `incomplete` after this many distinct states
    /// (default 2000000).
    #[arg(long)]
    pub max_states: Option<usize>,
    /// Stateful: parallel workers over one shared set of visited states (default 1;
    /// the kernel target runs one).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Stateful: search on after the first hang, to count hang states and report the
    /// shortest path to one.
    #[arg(long)]
    pub all_hangs: bool,
    /// Stateful: report the hang with the fewest scheduling decisions (implies
    /// --all-hangs; one job; retries bounded: see the README).
    #[arg(long)]
    pub shortest: bool,
    /// Stateful: report the hang with the fewest preemptions (runs of another task
    /// while the one that ran last could go on) instead of the fewest scheduling
    /// decisions (like --shortest: implies --all-hangs, one job, bounded retries).
    #[arg(long)]
    pub fewest_preemptions: bool,
    /// Stateful: no partial-order reduction (sleep sets; on by default, with any
    /// --jobs, not with --shard alone or --shortest; see the README).
    #[arg(long)]
    pub no_por: bool,
    /// Stateful: resume a copy of the execution taken at a branching point instead
    /// of replaying it from the start: the default (the model target only; see the
    /// README); accepted as the explicit form.
    #[arg(long, conflicts_with = "no_snapshots")]
    pub snapshots: bool,
    /// Stateful: replay every execution from the start instead of resuming
    /// snapshots (the kernel target always replays).
    #[arg(long)]
    pub no_snapshots: bool,
}

/// The most workers (or processes) `--jobs` starts.
pub const MAX_JOBS: usize = 256;

impl Overrides {
    /// Values no check can run with, as one line naming the flag.
    pub fn check(&self) -> Result<(), String> {
        let floor = super::threads::MIN_WATCHDOG_MS;
        let at_least_1 = [
            ("--depth", self.depth),
            ("--iterations", self.iterations),
            ("--max-states", self.max_states),
            ("--jobs", self.jobs),
        ];
        if let Some((flag, _)) = at_least_1.iter().find(|(_, v)| *v == Some(0)) {
            return Err(format!("{flag} must be at least 1"));
        }
        if let Some(j) = self.jobs.filter(|&j| j > MAX_JOBS) {
            return Err(format!(
                "--jobs {j}: at most {MAX_JOBS} (workers, or processes on a serial target)"
            ));
        }
        if self.watchdog_ms.is_some_and(|w| w < floor) {
            return Err(format!(
                "--watchdog-ms must be at least {floor}: a shorter watchdog reports slow executions as hangs"
            ));
        }
        Ok(())
    }

    /// The flags given (`shard`: `--shard` was) that none of `kinds` uses, in
    /// `--help` order.
    pub fn unused(&self, shard: bool, kinds: &[CheckerKind]) -> Vec<&'static str> {
        use CheckerKind::{Loom, Pct, Random, Stateful, Threads};
        let given: [(&str, bool, &[CheckerKind]); 14] = [
            (
                "--iterations",
                self.iterations.is_some(),
                &[Random, Pct, Threads],
            ),
            ("--seed", self.seed.is_some(), &[Random, Pct]),
            ("--shard", shard, &[Random, Pct, Stateful]),
            (
                "--preemption-bound",
                self.preemption_bound.is_some(),
                &[Loom],
            ),
            ("--depth", self.depth.is_some(), &[Pct]),
            ("--watchdog-ms", self.watchdog_ms.is_some(), &[Threads]),
            ("--max-states", self.max_states.is_some(), &[Stateful]),
            ("--jobs", self.jobs.is_some(), &[Stateful]),
            ("--all-hangs", self.all_hangs, &[Stateful]),
            ("--shortest", self.shortest, &[Stateful]),
            ("--fewest-preemptions", self.fewest_preemptions, &[Stateful]),
            ("--no-por", self.no_por, &[Stateful]),
            ("--snapshots", self.snapshots, &[Stateful]),
            ("--no-snapshots", self.no_snapshots, &[Stateful]),
        ];
        given
            .iter()
            .filter(|(_, on, by)| *on && !by.iter().any(|k| kinds.contains(k)))
            .map(|(flag, _, _)| *flag)
            .collect()
    }
}

/// Why a checker chosen for a scenario does not run on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The scenario has more threads than loom models, and loom was not named (by
    /// the scenario's `[check] checkers` or the command line).
    TooManyThreads {
        /// The scenario's threads.
        threads: usize,
        /// The most loom models.
        max: usize,
    },
    /// Loom does not shard: it runs in shard 0 only.
    NotShard0(Shard),
}

/// One checker chosen for a scenario: its configuration, or why it does not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The checker.
    pub kind: CheckerKind,
    /// What it runs with, or why it does not run.
    pub config: Result<CheckerConfig, Skip>,
}

/// The checkers a scenario is gated with: its `[check] checkers`, else the default.
pub fn scenario_checkers(scenario: &Scenario) -> Vec<CheckerKind> {
    match &scenario.check.checkers {
        Some(kinds) => kinds.clone(),
        None => CheckerKind::GATE_DEFAULT.to_vec(),
    }
}

/// The checkers chosen for `scenario` and whether each was named explicitly, in
/// order: [`Purpose::Run`]: `overrides.checkers` (named) or all four (not named);
/// [`Purpose::Gate`]: the scenario's `[check] checkers` (named) or all four (not
/// named), filtered by `overrides.checkers`, PCT alone on the kernel target when
/// the command line names none.
fn chosen(scenario: &Scenario, o: &Overrides, target: &dyn Target) -> (Vec<CheckerKind>, bool) {
    match o.purpose {
        Purpose::Run => match &o.checkers {
            Some(kinds) => (kinds.clone(), true),
            None => (CheckerKind::GATE_DEFAULT.to_vec(), false),
        },
        Purpose::Gate => {
            // The kernel target's gate is PCT unless asked otherwise: its stateful
            // search does not finish beyond two threads, and random misses some of
            // its bugs (README: The kernel target).
            let kernel = [CheckerKind::Pct];
            let only = match &o.checkers {
                Some(only) => only.as_slice(),
                None if target.name() == "kernel" => &kernel,
                None => &CheckerKind::CHOOSABLE,
            };
            let kinds = scenario_checkers(scenario);
            let named = scenario.check.checkers.is_some();
            (
                kinds.into_iter().filter(|k| only.contains(k)).collect(),
                named,
            )
        }
    }
}

/// The checkers that run on `scenario` with `overrides` on `target`, each with its
/// configuration ([`configure`]), or why it does not run there: loom is left out of
/// a scenario with more threads than it models unless it was named, and out of every
/// shard but 0.
pub fn plan(scenario: &Scenario, overrides: &Overrides, target: &dyn Target) -> Vec<Planned> {
    let (kinds, named) = chosen(scenario, overrides, target);
    let threads = scenario.threads.len();
    kinds
        .into_iter()
        .map(|kind| {
            let config = match kind {
                CheckerKind::Loom if !named && threads > LOOM_MAX_SCENARIO_THREADS => {
                    Err(Skip::TooManyThreads {
                        threads,
                        max: LOOM_MAX_SCENARIO_THREADS,
                    })
                }
                CheckerKind::Loom if overrides.shard.index > 0 => {
                    Err(Skip::NotShard0(overrides.shard))
                }
                _ => Ok(configure(kind, scenario, overrides, target)),
            };
            Planned { kind, config }
        })
        .collect()
}

/// `kind`'s configuration on `scenario`: every parameter `overrides` states, else
/// the scenario's `[check]` value, else the default. Runtime parts (a stateful
/// search's live counters, stopping at the first failure) are the caller's.
pub fn configure(
    kind: CheckerKind,
    scenario: &Scenario,
    overrides: &Overrides,
    target: &dyn Target,
) -> CheckerConfig {
    let o = overrides;
    let scale = o.scale.max(1);
    let iterations = o
        .iterations
        .or(scenario.check.iterations)
        .unwrap_or(DEFAULT_ITERATIONS)
        * scale;
    match kind {
        CheckerKind::Loom => {
            // Unbounded loom does not finish on the kernel's code even for two
            // threads: there its default is the gate's bound.
            let gate_bound =
                (o.purpose == Purpose::Gate || target.name() != "model").then_some(GATE_LOOM_BOUND);
            let bound = o
                .preemption_bound
                .or(scenario.check.preemption_bound)
                .or(gate_bound);
            CheckerConfig::Loom(LoomChecker::for_threads(scenario.threads.len(), bound))
        }
        CheckerKind::Random => CheckerConfig::Random(RandomChecker {
            iterations,
            seed: o.seed.unwrap_or(0),
            shard: o.shard,
        }),
        CheckerKind::Pct => CheckerConfig::Pct(PctChecker {
            iterations,
            depth: o
                .depth
                .or(scenario.check.pct_depth)
                .unwrap_or(DEFAULT_PCT_DEPTH),
            seed: o.seed.unwrap_or(0),
            shard: o.shard,
        }),
        CheckerKind::Stateful => CheckerConfig::Stateful(StatefulChecker {
            max_states: o.max_states.unwrap_or(DEFAULT_MAX_STATES),
            // A serial target's C state is global to the process: one job.
            jobs: if target.serial() {
                1
            } else {
                o.jobs.unwrap_or(1).max(1)
            },
            shard: o.shard,
            all_hangs: o.all_hangs || o.shortest || o.fewest_preemptions,
            shortest: o.shortest,
            fewest_preemptions: o.fewest_preemptions,
            // Off on targets with undeclared state (`Target::opaque_state`).
            por: !o.no_por,
            // Only where the target allows them (`Target::snapshots`).
            snapshots: !o.no_snapshots,
            ..StatefulChecker::default()
        }),
        CheckerKind::Threads => CheckerConfig::Threads(ThreadsConfig {
            backend: "parking_lot".into(),
            iterations: o.iterations.unwrap_or(DEFAULT_THREAD_ITERATIONS) * scale,
            watchdog: Duration::from_millis(o.watchdog_ms.unwrap_or(DEFAULT_WATCHDOG_MS)),
        }),
        CheckerKind::Replay => CheckerConfig::Replay(Recorded::Schedule),
    }
}

/// `kind`'s configuration with every parameter at its default, as a report's
/// settings line would state it (loom unbounded, real threads on `parking_lot`).
pub fn default_config(kind: CheckerKind) -> CheckerConfig {
    let line = match kind {
        CheckerKind::Loom => "unbounded".to_owned(),
        CheckerKind::Random => "seed 0".to_owned(),
        CheckerKind::Pct => format!("depth {DEFAULT_PCT_DEPTH} seed 0"),
        CheckerKind::Threads => format!("parking_lot watchdog {DEFAULT_WATCHDOG_MS} ms"),
        CheckerKind::Stateful => format!("max-states {DEFAULT_MAX_STATES}"),
        CheckerKind::Replay => "one recorded schedule".to_owned(),
    };
    line.parse().expect("a default settings line reads")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::target::Model;
    use crate::dax::Bugs;
    use std::any::{Any, TypeId};

    /// A scenario of `threads` one-fault threads, with `check` lines under `[check]`.
    fn scenario(threads: usize, check: &str) -> Scenario {
        let mut text = String::from(
            "name = \"s\"\n[file]\nsize_pages = 0x400\n[[vma]]\nstart = 0x7f0000000000\n\
             end = 0x7f0000400000\npgoff = 0\n",
        );
        for t in 0..threads {
            text +=
                &format!("[[thread]]\nops = [ {{ op = \"fault\", addr = 0x7f000000{t}000 }} ]\n");
        }
        if !check.is_empty() {
            text += &format!("[check]\n{check}\n");
        }
        Scenario::from_toml(&text, "s.toml").unwrap()
    }

    fn kinds(planned: &[Planned]) -> Vec<CheckerKind> {
        planned.iter().map(|p| p.kind).collect()
    }

    fn run(checkers: Option<Vec<CheckerKind>>) -> Overrides {
        Overrides {
            checkers,
            ..Overrides::default()
        }
    }

    fn gate(checkers: Option<Vec<CheckerKind>>) -> Overrides {
        Overrides {
            purpose: Purpose::Gate,
            ..run(checkers)
        }
    }

    /// A target named `kernel` that runs serially: what the plan asks of the real
    /// kernel target.
    struct Kernel;

    impl Target for Kernel {
        fn name(&self) -> &'static str {
            "kernel"
        }
        fn supports(&self, _: &Scenario, _: Bugs) -> Result<(), String> {
            Ok(())
        }
        fn maker(&self, _: TypeId) -> Option<Box<dyn Any>> {
            None
        }
        fn serial(&self) -> bool {
            true
        }
    }

    /// `run` runs the four default checkers, or those named; loom is left out of a
    /// scenario with more threads than it models unless named, and out of every shard
    /// but 0.
    #[test]
    fn which_checkers_run() {
        use CheckerKind::{Loom, Pct, Random, Stateful, Threads};
        let two = scenario(2, "");
        let five = scenario(5, "");
        let all = plan(&two, &run(None), &Model);
        assert_eq!(kinds(&all), [Stateful, Loom, Random, Pct]);
        assert!(all.iter().all(|p| p.config.is_ok()));
        let p = plan(&five, &run(None), &Model);
        assert_eq!(
            p[1].config,
            Err(Skip::TooManyThreads { threads: 5, max: 4 })
        );
        // Named, loom runs on five threads (and the check refuses them).
        let p = plan(&five, &run(Some(vec![Loom, Threads])), &Model);
        assert_eq!(kinds(&p), [Loom, Threads]);
        assert!(p.iter().all(|p| p.config.is_ok()));
        let shard = Shard { index: 1, count: 2 };
        let sharded = Overrides { shard, ..run(None) };
        assert_eq!(
            plan(&two, &sharded, &Model)[1].config,
            Err(Skip::NotShard0(shard))
        );
        // The gate: the scenario's checkers (named: loom on five threads runs),
        // filtered by the command line's; PCT alone on the kernel target.
        let named = scenario(5, "checkers = [\"loom\", \"pct\"]");
        let p = plan(&named, &gate(None), &Model);
        assert_eq!(kinds(&p), [Loom, Pct]);
        assert!(p[0].config.is_ok());
        assert_eq!(
            kinds(&plan(&named, &gate(Some(vec![Pct, Random])), &Model)),
            [Pct]
        );
        assert_eq!(
            kinds(&plan(&five, &gate(None), &Model)),
            [Stateful, Loom, Random, Pct]
        );
        assert_eq!(kinds(&plan(&two, &gate(None), &Kernel)), [Pct]);
        assert_eq!(
            kinds(&plan(&two, &gate(Some(vec![Random])), &Kernel)),
            [Random]
        );
        let stateful_only = scenario(2, "checkers = [\"stateful\"]");
        assert!(plan(&stateful_only, &gate(None), &Kernel).is_empty());
    }

    fn config(kind: CheckerKind, s: &Scenario, o: &Overrides, t: &dyn Target) -> String {
        configure(kind, s, o, t).to_string()
    }

    /// A parameter the overrides state wins over the scenario's, which wins over the
    /// default; loom's default bound is the gate's at the gate and off the model.
    #[test]
    fn defaults_scenario_then_overrides() {
        use CheckerKind::{Loom, Pct, Random, Stateful, Threads};
        let plain = scenario(2, "");
        let own = scenario(2, "iterations = 7\npct_depth = 2\npreemption_bound = 1");
        let none = run(None);
        assert_eq!(config(Loom, &plain, &none, &Model), "unbounded");
        assert_eq!(config(Loom, &scenario(3, ""), &none, &Model), "bound 3");
        assert_eq!(config(Loom, &plain, &gate(None), &Model), "bound 3");
        assert_eq!(config(Loom, &plain, &none, &Kernel), "bound 3");
        assert_eq!(config(Loom, &own, &gate(None), &Model), "bound 1");
        assert_eq!(
            config(Pct, &plain, &none, &Model),
            "depth 3 seed 0 shard 0/1"
        );
        assert_eq!(config(Pct, &own, &none, &Model), "depth 2 seed 0 shard 0/1");
        let o = Overrides {
            iterations: Some(11),
            scale: 10,
            seed: Some(4),
            depth: Some(5),
            preemption_bound: Some(2),
            watchdog_ms: Some(300),
            max_states: Some(9),
            jobs: Some(3),
            shortest: true,
            no_por: true,
            ..none.clone()
        };
        assert_eq!(config(Loom, &own, &o, &Model), "bound 2");
        assert_eq!(config(Pct, &own, &o, &Model), "depth 5 seed 4 shard 0/1");
        let flags = |k, s: &Scenario, o: &Overrides, t: &dyn Target| {
            configure(k, s, o, t).run_flags().unwrap()
        };
        assert_eq!(
            flags(Random, &own, &none, &Model),
            "--checker random --iterations 7 --seed 0 --shard 0/1"
        );
        assert_eq!(
            flags(Random, &own, &o, &Model),
            "--checker random --iterations 110 --seed 4 --shard 0/1"
        );
        assert_eq!(
            flags(Threads, &own, &o, &Model),
            "--checker threads --iterations 110 --watchdog-ms 300"
        );
        assert_eq!(
            flags(Threads, &own, &none, &Model),
            "--checker threads --iterations 200 --watchdog-ms 2000"
        );
        assert_eq!(
            config(Stateful, &plain, &o, &Model),
            "max-states 9 all-hangs shortest jobs 3 shard 0/1"
        );
        // A serial target runs one job.
        assert_eq!(
            config(Stateful, &plain, &o, &Kernel),
            "max-states 9 all-hangs shortest shard 0/1"
        );
        assert_eq!(
            flags(Stateful, &plain, &o, &Model),
            "--checker stateful --max-states 9 --jobs 3 --shortest --no-por"
        );
    }

    /// Values no check runs with are refused, naming the flag; flags none of the
    /// checkers run uses are named.
    #[test]
    fn overrides_are_checked_and_their_users_known() {
        assert_eq!(Overrides::default().check(), Ok(()));
        let bad = |o: Overrides| o.check().unwrap_err();
        let none = Overrides::default();
        assert_eq!(
            bad(Overrides {
                depth: Some(0),
                ..none.clone()
            }),
            "--depth must be at least 1"
        );
        assert_eq!(
            bad(Overrides {
                jobs: Some(0),
                ..none.clone()
            }),
            "--jobs must be at least 1"
        );
        assert!(bad(Overrides {
            jobs: Some(MAX_JOBS + 1),
            ..none.clone()
        })
        .starts_with("--jobs 257: at most 256"));
        assert_eq!(
            Overrides {
                jobs: Some(MAX_JOBS),
                ..none.clone()
            }
            .check(),
            Ok(())
        );
        assert!(bad(Overrides {
            watchdog_ms: Some(99),
            ..none.clone()
        })
        .starts_with("--watchdog-ms must be at least 100"));
        let given = Overrides {
            depth: Some(2),
            no_por: true,
            preemption_bound: Some(1),
            ..none
        };
        assert_eq!(
            given.unused(true, &[CheckerKind::Loom]),
            ["--shard", "--depth", "--no-por"]
        );
        assert_eq!(
            given.unused(false, &[CheckerKind::Pct, CheckerKind::Stateful]),
            ["--preemption-bound"]
        );
    }

    /// Snapshots are the stateful search's default; `--no-snapshots` turns them
    /// off (and `--snapshots` is accepted, changing nothing).
    #[test]
    fn snapshots_by_default_and_no_snapshots_replays() {
        let s = scenario(2, "");
        let snapshots = |o: Overrides| match configure(CheckerKind::Stateful, &s, &o, &Model) {
            CheckerConfig::Stateful(c) => c.snapshots,
            other => panic!("{other:?}"),
        };
        assert!(snapshots(Overrides::default()));
        assert!(snapshots(Overrides {
            snapshots: true,
            ..Overrides::default()
        }));
        assert!(!snapshots(Overrides {
            no_snapshots: true,
            ..Overrides::default()
        }));
        let replaying = Overrides {
            no_snapshots: true,
            ..Overrides::default()
        };
        assert_eq!(
            replaying.unused(false, &[CheckerKind::Loom]),
            ["--no-snapshots"]
        );
    }

    /// The default configurations are those of a plan with nothing stated.
    #[test]
    fn default_configs_are_the_plans() {
        let s = scenario(2, "");
        for kind in CheckerKind::CHOOSABLE {
            assert_eq!(
                default_config(kind),
                configure(kind, &s, &Overrides::default(), &Model),
                "{kind}"
            );
        }
    }
}
