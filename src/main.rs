//! The `daxlock` command: run, replay, verify, merge, lemma, list, bench.
//!
//! Exit codes: 0 verified (or every verdict as expected), 1 a failure found (or a
//! verdict not as expected), 2 bad input.

use clap::{Args, Parser, Subcommand};
use daxlock::check::shuttle::Shard;
use daxlock::check::Verdict;
use daxlock::dax::bugs::{Bugs, ALL_BUGS};
use daxlock::gate::{self, Budget, CheckerKind, GateRow};
use daxlock::scenario::{load_catalogue, Scenario};
use daxlock::{bench, lemma, report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
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
}

/// The target named on the command line. `kernel` in a binary without it runs the
/// `daxlock-kernel` binary built beside this one, with the same arguments.
fn target(name: &str) -> Result<std::sync::Arc<dyn daxlock::check::Target>, BadInput> {
    if let Some(t) = daxlock::check::target::lookup(name) {
        return Ok(t);
    }
    if name != "kernel" {
        return Err(BadInput(format!(
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
                .map_err(|e| BadInput(format!("{}: {e}", exe.display())))?;
            std::process::exit(status.code().unwrap_or(2));
        }
        None => Err(BadInput(
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
    #[arg(long, default_value_t = daxlock::check::stateful::DEFAULT_MAX_STATES)]
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

/// Bad input: one line on stderr, exit 2.
struct BadInput(String);

impl<E: std::fmt::Display> From<E> for BadInput {
    fn from(e: E) -> Self {
        BadInput(e.to_string())
    }
}

fn budget(args: &BudgetArgs, scale: usize) -> Result<Budget, BadInput> {
    let shard = match &args.shard {
        Some(s) => s.parse::<Shard>()?,
        None => Shard::default(),
    };
    if args.depth == Some(0) {
        return Err(BadInput("--depth must be at least 1".into()));
    }
    if args.iterations == Some(0) {
        return Err(BadInput("--iterations must be at least 1".into()));
    }
    if args.max_states == 0 {
        return Err(BadInput("--max-states must be at least 1".into()));
    }
    if args.jobs == 0 {
        return Err(BadInput("--jobs must be at least 1".into()));
    }
    let max_time = match args.max_seconds {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(BadInput(format!(
                "--max-seconds {s}: must be a number of seconds above 0"
            )))
        }
    };
    let floor = daxlock::check::threads::MIN_WATCHDOG_MS;
    if args.watchdog_ms < floor {
        return Err(BadInput(format!(
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
        target: std::sync::Arc::new(daxlock::check::Model),
        max_time,
    })
}

fn checkers(spec: &str) -> Result<Vec<CheckerKind>, BadInput> {
    if spec == "all" {
        return Ok(CheckerKind::GATE_DEFAULT.to_vec());
    }
    spec.split(',')
        .map(|s| {
            CheckerKind::parse(s.trim()).ok_or_else(|| {
                BadInput(format!(
                    "unknown checker `{s}` (known: stateful, loom, random, pct, threads, all)"
                ))
            })
        })
        .collect()
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

/// The command line (also compiled into the `daxlock-kernel` binary, which registers
/// the kernel target first).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    daxlock::check::runner::quiet_checker_panics();
    match dispatch(cli.command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(BadInput(msg)) => {
            eprintln!("daxlock: {msg}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cmd: Command) -> Result<bool, BadInput> {
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
            let bugs = Bugs::from_names(&variant.bugs)?;
            let mut kinds = checkers(&checker)?;
            let max = daxlock::check::loom::LOOM_MAX_SCENARIO_THREADS;
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
                    return Err(BadInput(format!(
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
            let bugs = Bugs::from_names(&variant.bugs)?;
            let target = target(&variant.target)?;
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
            let only = checker.as_deref().map(checkers).transpose()?;
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
                    return Err(BadInput(format!(
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
            let merged = daxlock::merge::merge_files(&files)?;
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
                println!(
                    "{}",
                    json!({"holds": r.holds(), "combinations": r.combinations,
                        "check_passes": r.check_passes, "fb_aligned": r.fb_aligned,
                        "a_violations": r.a_violations, "b_violations": r.b_violations,
                        "hang_cases": r.hang_cases, "rejected_same_range": r.rejected_same_range,
                        "seconds": r.seconds})
                );
            } else {
                print!("{}", lemma_text(&r));
            }
            Ok(r.holds())
        }
        Command::List { branches: true, .. } => {
            print!("{}", report::branch_list());
            Ok(true)
        }
        Command::List { dir, .. } => {
            let scenarios = load_catalogue(&dir)?;
            println!("scenarios ({}):", dir.display());
            for s in &scenarios {
                let expect: Vec<String> = s
                    .expect
                    .iter()
                    .map(|(b, v)| format!("{}={v}", b.variant()))
                    .collect();
                println!(
                    "  {:<32} {} thread{}  {}",
                    s.name,
                    s.threads.len(),
                    if s.threads.len() == 1 { "" } else { "s" },
                    expect.join(" ")
                );
            }
            println!("bugs:");
            for b in ALL_BUGS {
                println!("  {:<24} {} [kernel: {}]", b.name, b.summary, b.kernel);
            }
            Ok(true)
        }
        Command::Bench { what } => match what {
            BenchCommand::Zoo { dir, seeds, cap } => {
                let scenarios = load_catalogue(&dir)?;
                if seeds == 0 || cap == 0 {
                    return Err(BadInput("--seeds and --cap must be at least 1".into()));
                }
                print!("{}", bench::zoo(&scenarios, seeds, cap)?);
                Ok(true)
            }
            BenchCommand::Stateful { dir, loom_cap } => {
                if loom_cap == 0 {
                    return Err(BadInput("--loom-cap must be at least 1".into()));
                }
                let scenarios = load_catalogue(&dir)?;
                print!("{}", bench::stateful(&scenarios, loom_cap)?);
                Ok(true)
            }
            BenchCommand::Speed { dir, iterations } => {
                if iterations == 0 {
                    return Err(BadInput("--iterations must be at least 1".into()));
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

fn lemma_text(r: &lemma::LemmaReport) -> String {
    format!(
        "colour lemma over {} combinations (VMA start × vm_pgoff × address colours, 512 each):\n\
         (a) check passes exactly when FB is 2 MiB aligned: {} ({} pass, {} FB aligned, {} counterexamples)\n\
         (b) check passes => FA and FB in the same 2 MiB range: {} ({} counterexamples)\n\
         (c) without the check, FA and FB in different ranges (hang cases): {}\n\
         \x20   rejected by the check although in the same range (safe fallbacks): {}\n\
         {} in {:.2} s\n",
        r.combinations,
        if r.a_violations == 0 { "holds" } else { "FAILS" },
        r.check_passes,
        r.fb_aligned,
        r.a_violations,
        if r.b_violations == 0 { "holds" } else { "FAILS" },
        r.b_violations,
        r.hang_cases,
        r.rejected_same_range,
        if r.holds() { "proved" } else { "REFUTED" },
        r.seconds
    )
}

fn run(
    scenario: &Scenario,
    bugs: Bugs,
    kinds: &[CheckerKind],
    budget: &Budget,
    coverage: bool,
    json_out: bool,
) -> Result<bool, BadInput> {
    let path = scenario.path.as_deref();
    let expected = scenario
        .expected(bugs)
        .map(|v| budget.target.expected(&scenario.name, bugs, v));
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
                let progress = std::sync::Arc::new(daxlock::check::stateful::Progress::default());
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
        let doc = json!({
            "scenario": scenario.name,
            "target": budget.target.describe(),
            "bugs": bugs.names(),
            "results": results.iter().map(|r| report::result_json(path, bugs, r, expected.map(Verdict::as_str))).collect::<Vec<_>>(),
        });
        println!("{doc}");
    } else {
        for r in &results {
            print!("{}", report::counterexample(&scenario.name, path, bugs, r));
        }
        if coverage {
            print!("{}", report::coverage_table(&results));
        }
    }
    Ok(all_verified)
}

fn replay(
    target: &dyn daxlock::check::Target,
    scenario: &Scenario,
    bugs: Bugs,
    schedule: &str,
    json_out: bool,
) -> Result<bool, BadInput> {
    let r = if schedule
        .trim()
        .starts_with(daxlock::check::stateful::SCHEDULE_PREFIX)
    {
        daxlock::check::check_on(
            target,
            &daxlock::check::StatefulChecker::replaying(schedule)?,
            scenario,
            bugs,
            daxlock::check::Limits::default(),
        )?
    } else {
        daxlock::check::check_on(
            target,
            &daxlock::check::ReplayChecker::new(schedule)?,
            scenario,
            bugs,
            daxlock::check::Limits::default(),
        )?
    };
    let path = scenario.path.as_deref();
    if json_out {
        let doc = json!({
            "scenario": scenario.name,
            "bugs": bugs.names(),
            "results": [report::result_json(path, bugs, &r, scenario.expected(bugs).map(Verdict::as_str))],
        });
        println!("{doc}");
    } else {
        print!("{}", report::counterexample(&scenario.name, path, bugs, &r));
    }
    Ok(r.verdict == Verdict::Verified)
}

/// The gate over `scenarios`; `zoo`: fail unless every zoo bug is caught by a row.
fn verify(
    scenarios: &[Scenario],
    only: Option<&[CheckerKind]>,
    budget: &Budget,
    json_out: bool,
    zoo: bool,
) -> Result<bool, BadInput> {
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
    if !json_out {
        print!("{}", lemma_text(&lemma));
        println!();
        println!("{}", report::table_header());
        for row in &rows {
            println!("{}", report::table_row(row));
        }
    }
    let failed: Vec<&GateRow> = rows.iter().filter(|r| !r.ok()).collect();
    let uncovered = gate::uncovered_bugs_of(&rows, &*budget.target);
    let coverage_fails = zoo && !uncovered.is_empty();
    let missed = gate::missed_visits(&rows);
    let unvisited: Vec<&str> = gate::unvisited_branches(&rows)
        .iter()
        .map(|b| b.name())
        .collect();
    let find = |name: &str| scenarios.iter().find(|s| s.name == name);
    if json_out {
        let mut objects = Vec::new();
        for s in scenarios {
            for (bugs, expected) in gate::expectations(s) {
                let results: Vec<_> = rows
                    .iter()
                    .filter(|r| r.scenario == s.name && r.bugs == bugs)
                    .map(|row| match &row.report {
                        Ok(r) => {
                            report::result_json(s.path.as_deref(), bugs, r, Some(expected.as_str()))
                        }
                        Err(e) => report::error_json(row.checker.as_str(), e, expected.as_str()),
                    })
                    .collect();
                objects.push(json!({"scenario": s.name, "bugs": bugs.names(), "results": results}));
            }
        }
        let doc = json!({
            "runs": objects,
            "summary": {"rows": rows.len(), "unexpected": failed.len(), "lemma_holds": lemma.holds(),
                        "uncovered_bugs": uncovered, "zoo_required": zoo,
                        "missed_visits": missed.iter().map(|(s, bs)| json!({"scenario": s, "branches": bs.iter().map(|b| b.name()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                        "unvisited_branches": unvisited,
                        "ok": failed.is_empty() && lemma.holds() && !coverage_fails},
        });
        println!("{doc}");
    } else {
        println!();
        for row in failed.iter().filter(|r| !r.verdict_ok()) {
            let s = find(&row.scenario);
            match &row.report {
                Ok(r) => {
                    println!("UNEXPECTED: expected {}", row.expected);
                    print!(
                        "{}",
                        report::counterexample(
                            &row.scenario,
                            s.and_then(|s| s.path.as_deref()),
                            row.bugs,
                            r
                        )
                    );
                }
                Err(e) => println!("UNEXPECTED: {e}"),
            }
        }
        for (scenario, branches) in &missed {
            for b in branches.iter() {
                println!(
                    "UNEXPECTED: {scenario} no longer reaches branch {b}: [expect] visits requires it, \
                     and no row of its fixed variant visited it, so its verdicts prove nothing about that race"
                );
            }
        }
        if coverage_fails {
            println!(
                "UNEXPECTED: no row of the gate caught these bugs: {}",
                uncovered.join(", ")
            );
        } else if !zoo {
            println!(
                "bug coverage not demanded (not the built-in catalogue; --require-zoo demands it)"
            );
        }
        if budget.target.tracks_branches() {
            println!(
                "branches no scenario visits ({} of {}): {}",
                unvisited.len(),
                daxlock::dax::Branch::COUNT,
                if unvisited.is_empty() {
                    "none".to_owned()
                } else {
                    unvisited.join(", ")
                }
            );
        } else {
            println!(
                "branch coverage not checked: the {} target does not report the model's branches",
                budget.target.name()
            );
        }
        println!(
            "{} rows, {} as expected, {} unexpected; lemma {}",
            rows.len(),
            rows.len() - failed.len(),
            failed.len(),
            if lemma.holds() { "holds" } else { "FAILS" }
        );
        // The plain closing line CI reads: every row, the lemma and (when demanded)
        // bug coverage.
        let checks = rows.len() + 1 + usize::from(zoo);
        let bad = failed.len() + usize::from(!lemma.holds()) + usize::from(coverage_fails);
        println!("verify: {} passed, {bad} failed", checks - bad);
    }
    Ok(failed.is_empty() && lemma.holds() && !coverage_fails)
}
