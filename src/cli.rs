//! The `daxlock` command line: run, replay, verify, merge, lemma, list, bench. The
//! `daxlock` binary calls [`main`]; so does `daxlock-kernel`, after registering the
//! kernel target. What is printed is assembled in [`crate::report`].
//!
//! Exit codes: 0 verified (or every verdict as expected), 1 a failure found (or a
//! verdict not as expected, or a defect: the model panicked), 2 bad input.

use crate::check::shuttle::Shard;
use crate::check::{CheckError, CheckerKind, Verdict};
use crate::dax::bugs::{Bugs, UnknownBug};
use crate::gate::{self, Budget};
use crate::kind::UnknownChecker;
use crate::merge::MergeError;
use crate::scenario::{load_catalogue, Scenario, ScenarioError};
use crate::{bench, lemma, report};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "daxlock",
    version,
    about = "Model-check the Linux DAX entry locking (fs/dax.c, v4.13) under loom and shuttle"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario file under one or more checkers.
    Run {
        /// The scenario (TOML).
        file: PathBuf,
        #[command(flatten)]
        variant: VariantArgs,
        /// stateful, loom, random, pct, threads, or all (stateful, loom, random, pct).
        #[arg(long, default_value = "all")]
        checker: String,
        #[command(flatten)]
        budget: BudgetArgs,
        /// Print, per branch of the protocol, the executions of each checker that
        /// visited it, and the branches none visited (JSON always has `coverage`).
        #[arg(long)]
        coverage: bool,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Rerun one failing schedule (shuttle's, or a stateful `s1:...` path)
    /// deterministically and print its timeline.
    Replay {
        /// The scenario (TOML).
        file: PathBuf,
        /// The schedule printed by `run` (or found in its JSON).
        #[arg(long)]
        schedule: String,
        #[command(flatten)]
        variant: VariantArgs,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// The verification gate: every catalogue scenario × expected variant × checker.
    Verify {
        /// The folder of scenarios (default: verify, the built-in catalogue). A
        /// scenario without [expect] is expected to be verified in the fixed build.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Demand that every zoo bug be caught by some scenario, as the built-in
        /// catalogue must (default: only for the built-in catalogue).
        #[arg(long)]
        require_zoo: bool,
        /// Only these checkers (comma separated: stateful,loom,random,pct,threads).
        #[arg(long)]
        checker: Option<String>,
        #[command(flatten)]
        budget: BudgetArgs,
        /// Ten times the shuttle budgets.
        #[arg(long)]
        deep: bool,
        /// `model` or `kernel` (see `run --target`).
        #[arg(long, default_value = "model")]
        target: String,
        /// JSON on stdout: one object per scenario × variant, and a summary.
        #[arg(long)]
        json: bool,
    },
    /// Merge the JSON reports of shards (`verify --json`, `run --json`) into one
    /// table: executions summed, the worst verdict of any shard wins.
    Merge {
        /// The reports, one per shard (at least one).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The merged report as one JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Prove the fix's colour check by enumerating every colour combination.
    Lemma {
        /// JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// The catalogue's scenarios and the bug names (or, with --branches, the
    /// protocol's branches).
    List {
        /// The catalogue directory.
        #[arg(long, default_value = "verify")]
        dir: PathBuf,
        /// List the protocol's branches (names for `[expect] visits`) with their
        /// meaning instead.
        #[arg(long)]
        branches: bool,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Schedules to the first failure for every bug, per checker.
    Zoo {
        /// The catalogue directory.
        #[arg(long, default_value = "verify")]
        dir: PathBuf,
        /// Seeds per shuttle checker (the median is reported).
        #[arg(long, default_value_t = 21)]
        seeds: usize,
        /// Iteration cap per seed.
        #[arg(long, default_value_t = 20000)]
        cap: usize,
    },
    /// Stateful against loom on every catalogue scenario: states, executions,
    /// seconds and their ratios.
    Stateful {
        /// The catalogue directory.
        #[arg(long, default_value = "verify")]
        dir: PathBuf,
        /// Loom executions at most per scenario.
        #[arg(long, default_value_t = 2_000_000)]
        loom_cap: usize,
    },
    /// Executions per second of each checker (stateful, loom with the gate's bounds,
    /// random and PCT over --iterations, real threads over a tenth of them) on every
    /// catalogue scenario's fixed variant.
    Speed {
        /// The catalogue directory.
        #[arg(long, default_value = "verify")]
        dir: PathBuf,
        /// Shuttle iterations per scenario (real threads run a tenth of them).
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
}

#[derive(Args)]
struct VariantArgs {
    /// Re-introduce a bug (repeatable); see `daxlock list`.
    #[arg(long = "bug", value_name = "NAME")]
    bugs: Vec<String>,
    /// What to check: `model` (fs/dax.c v4.13 in Rust) or `kernel` (a Linux tree's
    /// own fs/dax.c, from the daxlock-kernel binary; see the README).
    #[arg(long, default_value = "model")]
    target: String,
    /// Apply a candidate fix patch of the target (the kernel target's
    /// `writeback-waits`; README: Findings). Shown only where a target has patches.
    #[arg(long, value_name = "NAME")]
    patch: Option<String>,
    /// Make the Nth xarray node allocation of every execution fail (repeatable;
    /// 1 to 64): the kernel target's xas_nomem() retry and its -ENOMEM path.
    /// Shown only where a target has patches (the kernel target).
    #[arg(long = "fail-alloc", value_name = "N")]
    fail_alloc: Vec<u32>,
}

/// The target named on the command line. `kernel` in a binary without it runs the
/// `daxlock-kernel` binary built beside this one, with the same arguments.
fn target(name: &str) -> Result<std::sync::Arc<dyn crate::check::Target>, Stop> {
    if let Some(t) = crate::check::target::lookup(name) {
        return Ok(t);
    }
    if name != "kernel" {
        return Err(Stop::BadInput(format!(
            "unknown target `{name}` (known: model, kernel)"
        )));
    }
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("daxlock-kernel")))
        .filter(|p| p.is_file());
    match sibling {
        Some(exe) => {
            let status = std::process::Command::new(&exe)
                .args(std::env::args_os().skip(1))
                .status()
                .map_err(|e| Stop::BadInput(format!("{}: {e}", exe.display())))?;
            std::process::exit(status.code().unwrap_or(2));
        }
        None => Err(Stop::BadInput(
            "the kernel target is built apart (it compiles GPL kernel code): \
             DAXLOCK_KERNEL_SRC=<linux tree> cargo build --release -p daxlock-kernel, \
             then run this command again (README: The kernel target)"
                .into(),
        )),
    }
}

#[derive(Args)]
struct BudgetArgs {
    /// Shuttle (or real-thread) iterations; default: the scenario's, else 2000.
    #[arg(long)]
    iterations: Option<usize>,
    /// Base seed of shuttle runs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Run shard I of N of the shuttle budget (iterations I, I+N, ...).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Loom preemption bound (default: none for 2 threads, 3 above; LOOM_MAX_PREEMPTIONS).
    #[arg(long)]
    preemption_bound: Option<usize>,
    /// PCT depth (default 3).
    #[arg(long)]
    depth: Option<usize>,
    /// Real-thread watchdog in milliseconds (at least 100).
    #[arg(long, default_value_t = 2000)]
    watchdog_ms: u64,
    /// Stateful: stop with verdict `incomplete` after this many distinct states.
    #[arg(long, default_value_t = crate::check::stateful::DEFAULT_MAX_STATES)]
    max_states: usize,
    /// Stateful: parallel workers over one shared set of visited states.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Stateful: search on after the first hang, to count hang states and report the
    /// shortest path to one.
    #[arg(long)]
    all_hangs: bool,
    /// Stop each check after S seconds (decimals allowed): a check stopped so is
    /// `incomplete` (exit 1) unless it already found a failure, never `verified`.
    #[arg(long, value_name = "S")]
    max_seconds: Option<f64>,
}

/// Why a command ended without a verdict: one line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stop {
    /// Bad input (a scenario, a flag, a schedule): exit 2.
    BadInput(String),
    /// A defect of the model or harness (the model panicked): exit 1, as a failure
    /// found, with the panic message.
    Defect(String),
}

impl From<CheckError> for Stop {
    fn from(e: CheckError) -> Self {
        if e.is_defect() {
            Stop::Defect(e.to_string())
        } else {
            Stop::BadInput(e.to_string())
        }
    }
}

macro_rules! bad_input_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Stop {
            fn from(e: $t) -> Self {
                Stop::BadInput(e.to_string())
            }
        }
    )*};
}

bad_input_from!(
    ScenarioError,
    UnknownBug,
    UnknownChecker,
    MergeError,
    String
);

/// The bugs of every `--bug` (each a bug name, or a variant name: `a+b`, `fixed`).
fn variant_bugs(names: &[String]) -> Result<Bugs, UnknownBug> {
    names
        .iter()
        .try_fold(Bugs::fixed(), |bugs, name| Ok(bugs | name.parse::<Bugs>()?))
}

fn budget(args: &BudgetArgs, scale: usize) -> Result<Budget, Stop> {
    let shard = match &args.shard {
        Some(s) => s.parse::<Shard>()?,
        None => Shard::default(),
    };
    if args.depth == Some(0) {
        return Err(Stop::BadInput("--depth must be at least 1".into()));
    }
    if args.iterations == Some(0) {
        return Err(Stop::BadInput("--iterations must be at least 1".into()));
    }
    if args.max_states == 0 {
        return Err(Stop::BadInput("--max-states must be at least 1".into()));
    }
    if args.jobs == 0 {
        return Err(Stop::BadInput("--jobs must be at least 1".into()));
    }
    let max_time = match args.max_seconds {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(Stop::BadInput(format!(
                "--max-seconds {s}: must be a number of seconds above 0"
            )))
        }
    };
    let floor = crate::check::threads::MIN_WATCHDOG_MS;
    if args.watchdog_ms < floor {
        return Err(Stop::BadInput(format!(
            "--watchdog-ms must be at least {floor}: a shorter watchdog reports slow executions as hangs"
        )));
    }
    Ok(Budget {
        iterations: args.iterations,
        seed: args.seed,
        shard,
        preemption_bound: args.preemption_bound,
        depth: args.depth,
        scale,
        watchdog: Duration::from_millis(args.watchdog_ms),
        first_failure_only: false,
        max_states: args.max_states,
        jobs: args.jobs,
        loom_default_bound: None,
        all_hangs: args.all_hangs,
        progress: None,
        target: std::sync::Arc::new(crate::check::Model),
        max_time,
    })
}

/// A progress bar on stderr, drawn only when stderr is a terminal and only once the
/// run has taken more than a second. `len` 0: a count without a total.
fn spinner(enabled: bool, len: u64) -> Option<ProgressBar> {
    (enabled && std::io::stderr().is_terminal()).then(|| {
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        let template = if len == 0 {
            "{spinner} [{elapsed_precise}] {pos} checks done; last: {msg}"
        } else {
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}"
        };
        pb.set_style(ProgressStyle::with_template(template).expect("valid template"));
        let shown = pb.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(200));
            }
        });
        pb
    })
}

/// The command line: parses the process's arguments, runs the command and returns
/// its exit code. The `daxlock-kernel` binary calls it too, after registering the
/// kernel target.
pub fn main() -> ExitCode {
    ExitCode::from(main_with(std::env::args_os()))
}

/// [`main`] on `args` (the program name first), returning the exit code.
pub fn main_with(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> u8 {
    let mut command = Cli::command();
    if !crate::check::target::any_patches() {
        for sub in ["run", "replay"] {
            command = command.mut_subcommand(sub, |c| {
                c.mut_arg("patch", |a| a.hide(true))
                    .mut_arg("fail_alloc", |a| a.hide(true))
            });
        }
    }
    let cli = match Cli::from_arg_matches(&command.get_matches_from(args)) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    crate::check::runner::quiet_checker_panics();
    match dispatch(cli.command) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(Stop::Defect(msg)) => {
            eprintln!("daxlock: {msg}");
            1
        }
        Err(Stop::BadInput(msg)) => {
            eprintln!("daxlock: {msg}");
            2
        }
    }
}

fn dispatch(cmd: Command) -> Result<bool, Stop> {
    match cmd {
        Command::Run {
            file,
            variant,
            checker,
            budget: b,
            coverage,
            json,
        } => {
            let scenario = Scenario::from_path(&file)?;
            let bugs = variant_bugs(&variant.bugs)?;
            let mut kinds = CheckerKind::parse_list(&checker)?;
            let max = crate::check::loom::LOOM_MAX_SCENARIO_THREADS;
            if checker == "all" && scenario.threads.len() > max {
                eprintln!(
                    "daxlock: note: {} has {} threads, more than loom models ({max}); running stateful, random and pct",
                    scenario.name,
                    scenario.threads.len()
                );
                kinds.retain(|k| *k != CheckerKind::Loom);
            }
            let mut budget = budget(&b, 1)?;
            budget.target = target(&variant.target)?;
            budget.target.select_patch(variant.patch.as_deref())?;
            budget.target.select_alloc_failures(&variant.fail_alloc)?;
            if budget.target.name() != "model" {
                eprintln!("daxlock: target: {}", budget.target.describe());
                // Unbounded loom does not finish on the kernel's code even for two
                // threads: its default is the gate's bound (README: the kernel target).
                budget.loom_default_bound = Some(gate::GATE_LOOM_BOUND);
            }
            let shard = budget.shard;
            if shard.index > 0 && kinds.contains(&CheckerKind::Loom) {
                // Loom's exploration is not sharded: shard 0 runs it whole.
                kinds.retain(|k| *k != CheckerKind::Loom);
                if kinds.is_empty() {
                    return Err(Stop::BadInput(format!(
                        "--checker loom with --shard {}/{}: loom does not shard; run it in shard 0 (or without --shard)",
                        shard.index, shard.count
                    )));
                }
                eprintln!(
                    "daxlock: note: loom does not shard; it runs in shard 0 only (this is shard {}/{})",
                    shard.index, shard.count
                );
            }
            for note in scenario.pmd_notes() {
                eprintln!("daxlock: note: {note}");
            }
            run(&scenario, bugs, &kinds, &budget, coverage, json)
        }
        Command::Replay {
            file,
            schedule,
            variant,
            json,
        } => {
            let scenario = Scenario::from_path(&file)?;
            let bugs = variant_bugs(&variant.bugs)?;
            let target = target(&variant.target)?;
            target.select_patch(variant.patch.as_deref())?;
            target.select_alloc_failures(&variant.fail_alloc)?;
            replay(&*target, &scenario, bugs, &schedule, json)
        }
        Command::Verify {
            dir,
            require_zoo,
            checker,
            budget: b,
            deep,
            target: t,
            json,
        } => {
            let builtin = PathBuf::from(BUILTIN_CATALOGUE);
            // The built-in catalogue must catch every zoo bug; a user's folder only
            // when asked.
            let zoo = require_zoo || dir.as_ref().is_none_or(|d| same_dir(d, &builtin));
            let scenarios = load_catalogue(dir.as_ref().unwrap_or(&builtin))?;
            let only = checker
                .as_deref()
                .map(CheckerKind::parse_list)
                .transpose()?;
            let mut budget = budget(&b, if deep { 10 } else { 1 })?;
            budget.loom_default_bound = Some(gate::GATE_LOOM_BOUND);
            budget.target = target(&t)?;
            // The kernel target's gate is PCT unless asked otherwise: its stateful
            // search does not finish beyond two threads, and random misses some of
            // its bugs (README: The kernel target).
            let only = match (only, budget.target.name()) {
                (None, "kernel") => {
                    eprintln!(
                        "daxlock: note: the kernel target's gate runs PCT (choose with --checker)"
                    );
                    Some(vec![CheckerKind::Pct])
                }
                (only, _) => only,
            };
            let shard = budget.shard;
            if shard.index > 0 && only.as_ref().is_none_or(|o| o.contains(&CheckerKind::Loom)) {
                if only.as_deref() == Some(&[CheckerKind::Loom]) {
                    return Err(Stop::BadInput(format!(
                        "--checker loom with --shard {}/{}: loom does not shard; run it in shard 0 (or without --shard)",
                        shard.index, shard.count
                    )));
                }
                eprintln!(
                    "daxlock: note: loom does not shard; it runs in shard 0 only (this is shard {}/{})",
                    shard.index, shard.count
                );
            }
            verify(&scenarios, only.as_deref(), &budget, json, zoo)
        }
        Command::Merge { files, json } => {
            let merged = crate::merge::merge_files(&files)?;
            if json {
                println!("{}", merged.to_json());
            } else {
                print!("{}", merged.text());
            }
            Ok(merged.ok())
        }
        Command::Lemma { json } => {
            let r = lemma::prove();
            if json {
                println!("{}", report::lemma_json(&r));
            } else {
                print!("{}", report::lemma_text(&r));
            }
            Ok(r.holds())
        }
        Command::List { branches: true, .. } => {
            print!("{}", report::branch_list());
            Ok(true)
        }
        Command::List { dir, .. } => {
            let scenarios = load_catalogue(&dir)?;
            print!("{}", report::catalogue_list(&dir, &scenarios));
            Ok(true)
        }
        Command::Bench { what } => match what {
            BenchCommand::Zoo { dir, seeds, cap } => {
                let scenarios = load_catalogue(&dir)?;
                if seeds == 0 || cap == 0 {
                    return Err(Stop::BadInput(
                        "--seeds and --cap must be at least 1".into(),
                    ));
                }
                print!("{}", bench::zoo(&scenarios, seeds, cap)?);
                Ok(true)
            }
            BenchCommand::Stateful { dir, loom_cap } => {
                if loom_cap == 0 {
                    return Err(Stop::BadInput("--loom-cap must be at least 1".into()));
                }
                let scenarios = load_catalogue(&dir)?;
                print!("{}", bench::stateful(&scenarios, loom_cap)?);
                Ok(true)
            }
            BenchCommand::Speed { dir, iterations } => {
                if iterations == 0 {
                    return Err(Stop::BadInput("--iterations must be at least 1".into()));
                }
                let scenarios = load_catalogue(&dir)?;
                print!("{}", bench::speed(&scenarios, iterations)?);
                Ok(true)
            }
        },
    }
}

/// The built-in catalogue's folder (relative to the working directory).
const BUILTIN_CATALOGUE: &str = "verify";

/// Whether two paths name the same folder.
fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn run(
    scenario: &Scenario,
    bugs: Bugs,
    kinds: &[CheckerKind],
    budget: &Budget,
    coverage: bool,
    json_out: bool,
) -> Result<bool, Stop> {
    let pb = spinner(!json_out, kinds.len() as u64);
    let mut results = Vec::new();
    let mut all_verified = true;
    for &kind in kinds {
        if let Some(pb) = &pb {
            pb.set_message(format!(
                "{} [{}] {}",
                scenario.name,
                bugs.variant(),
                kind.as_str()
            ));
        }
        let mut budget = budget.clone();
        let live = (kind == CheckerKind::Stateful)
            .then(|| pb.clone())
            .flatten()
            .map(|pb| {
                let progress = std::sync::Arc::new(crate::check::stateful::Progress::default());
                budget.progress = Some(progress.clone());
                let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let (name, variant, stop) = (scenario.name.clone(), bugs.variant(), done.clone());
                let start = std::time::Instant::now();
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let states = progress.states.load(std::sync::atomic::Ordering::Relaxed);
                        let rate = states as f64 / start.elapsed().as_secs_f64().max(1e-3);
                        pb.set_message(format!(
                            "{name} [{variant}] stateful: {states} states, {rate:.0} states/s"
                        ));
                        std::thread::sleep(Duration::from_millis(200));
                    }
                });
                done
            });
        let r = gate::run_checker(kind, scenario, bugs, &budget);
        if let Some(done) = live {
            done.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let r = r?;
        if let Some(pb) = &pb {
            pb.inc(1);
        }
        all_verified &= r.verdict == Verdict::Verified;
        results.push(r);
    }
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    if json_out {
        let target = &*budget.target;
        println!(
            "{}",
            report::run_json(scenario, bugs, &results, Some(target))
        );
    } else {
        print!("{}", report::run_text(scenario, bugs, &results, coverage));
    }
    Ok(all_verified)
}

fn replay(
    target: &dyn crate::check::Target,
    scenario: &Scenario,
    bugs: Bugs,
    schedule: &str,
    json_out: bool,
) -> Result<bool, Stop> {
    let r = if schedule
        .trim()
        .starts_with(crate::check::stateful::SCHEDULE_PREFIX)
    {
        crate::check::check_on(
            target,
            &crate::check::StatefulChecker::replaying(schedule)?,
            scenario,
            bugs,
            crate::check::Limits::default(),
        )?
    } else {
        crate::check::check_on(
            target,
            &crate::check::ReplayChecker::new(schedule)?,
            scenario,
            bugs,
            crate::check::Limits::default(),
        )?
    };
    let reports = [r];
    if json_out {
        println!("{}", report::run_json(scenario, bugs, &reports, None));
    } else {
        print!("{}", report::run_text(scenario, bugs, &reports, false));
    }
    Ok(reports[0].verdict == Verdict::Verified)
}

/// The gate over `scenarios`; `zoo`: fail unless every zoo bug is caught by a row.
fn verify(
    scenarios: &[Scenario],
    only: Option<&[CheckerKind]>,
    budget: &Budget,
    json_out: bool,
    zoo: bool,
) -> Result<bool, Stop> {
    let lemma = lemma::prove();
    let pb = spinner(!json_out, 0);
    let rows = gate::verify(scenarios, only, budget, |row| {
        if let Some(pb) = &pb {
            pb.inc(1);
            pb.set_message(format!(
                "{} [{}] {}",
                row.scenario,
                row.bugs.variant(),
                row.checker.as_str()
            ));
        }
    });
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let v = report::Verification::new(scenarios, &rows, &lemma, &*budget.target, zoo);
    if json_out {
        println!("{}", v.json());
    } else {
        print!("{}", v.text());
    }
    Ok(v.ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::target::{maker_for, register, Family};
    use crate::check::Target;
    use crate::dax::observe::Observer;
    use crate::dax::{Access, AccessResult, FaultSize, MappingConfig, System};
    use crate::sync::Backend;
    use std::any::{Any, TypeId};
    use std::sync::Arc;

    /// A target whose every access panics: a defect of the model, not of the input.
    #[derive(Clone)]
    struct Broken;

    impl<B: Backend> System<B> for Broken {
        fn access(&self, addr: u64, _: Access, _: FaultSize) -> AccessResult {
            panic!("broken model: access at {addr:#x}")
        }
        fn fsync(&self) -> Vec<crate::dax::Harm> {
            Vec::new()
        }
        fn truncate(&self, _: u64) {}
        fn write(&self, _: u64, _: u64) {}
        fn memory_failure(&self, _: u64) {}
        fn fault_limit(&self) -> usize {
            1
        }
        fn end_state_violations(&self) -> Vec<crate::dax::Harm> {
            Vec::new()
        }
    }

    impl Family for Broken {
        fn build<B: Backend>(&self, _: &MappingConfig, _: Arc<dyn Observer>) -> Arc<dyn System<B>> {
            Arc::new(Broken)
        }
    }

    impl Target for Broken {
        fn name(&self) -> &'static str {
            "broken"
        }
        fn supports(&self, _: &Scenario, _: Bugs) -> Result<(), String> {
            Ok(())
        }
        fn maker(&self, backend: TypeId) -> Option<Box<dyn Any>> {
            maker_for(self, backend)
        }
    }

    fn daxlock(args: &[&str]) -> u8 {
        main_with(std::iter::once("daxlock").chain(args.iter().copied()))
    }

    /// A model that panics is a defect found: exit 1 (it used to be reported as bad
    /// input, exit 2), for `run` and `replay` alike; bad input stays exit 2.
    #[test]
    fn a_model_panic_is_a_defect_exit_1() {
        register(Arc::new(Broken));
        let seed = "verify/seed-sequential.toml";
        let run = ["run", seed, "--target", "broken", "--checker", "random"];
        assert_eq!(daxlock(&[&run[..], &["--iterations", "1"]].concat()), 1);
        assert_eq!(
            daxlock(&[&run[..], &["--iterations", "1", "--json"]].concat()),
            1
        );
        let replay = ["replay", seed, "--target", "broken", "--schedule", "s1:"];
        assert_eq!(daxlock(&replay), 1);
        assert_eq!(
            daxlock(&["run", seed, "--target", "broken", "--checker", "nope"]),
            2
        );
        assert_eq!(daxlock(&["run", seed, "--target", "nowhere"]), 2);
        // A target without patches refuses --patch: bad input.
        let patched = ["--patch", "writeback-waits"];
        assert_eq!(daxlock(&[&["run", seed][..], &patched].concat()), 2);
        assert_eq!(daxlock(&[&replay[..], &patched].concat()), 2);
        // So does a target without allocations to fail refuse --fail-alloc.
        assert_eq!(daxlock(&["run", seed, "--fail-alloc", "1"]), 2);
    }

    /// Only a model panic is a defect; every other check error is bad input.
    #[test]
    fn check_errors_map_to_their_exit() {
        let panicked = CheckError::ModelPanicked {
            name: "s".into(),
            checker: CheckerKind::Pct,
            message: "boom".into(),
        };
        assert_eq!(
            Stop::from(panicked),
            Stop::Defect("s: the model panicked under pct: boom".into())
        );
        let misfit = CheckError::ScheduleMisfit { name: "s".into() };
        assert!(matches!(Stop::from(misfit), Stop::BadInput(_)));
    }

    /// `--bug` takes names and variant names; repeated, they add up.
    #[test]
    fn bug_flags_add_up() {
        let names = |v: &[&str]| variant_bugs(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let two = names(&["misaligned-pmd", "no-recheck"]).unwrap();
        assert_eq!(two.variant(), "misaligned-pmd+no-recheck");
        assert_eq!(names(&["misaligned-pmd+no-recheck"]).unwrap(), two);
        assert_eq!(names(&[]).unwrap(), Bugs::fixed());
        assert!(names(&["nope"]).is_err());
    }
}
