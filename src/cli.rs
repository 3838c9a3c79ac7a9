//! The `daxlock` command line: run, replay, verify, merge, lemma, list, bench. The
//! `daxlock` binary calls [`main`]; so does `daxlock-kernel`, after registering the
//! kernel target. What is printed is assembled in [`crate::report`].
//!
//! Exit codes: 0 verified (or every verdict as expected), 1 a failure found (or a
//! verdict not as expected, or a defect: the model panicked), 2 bad input.

use crate::check::plan::{Overrides, Purpose, Skip};
use crate::check::shared_set::SharedSet;
use crate::check::shuttle::Shard;
use crate::check::{CheckError, CheckerKind, Verdict};
use crate::dax::bugs::{Bugs, UnknownBug};
use crate::gate::{self, Budget};
use crate::kind::UnknownChecker;
use crate::merge::MergeError;
use crate::scenario::{builtin_catalogue, load_catalogue, Scenario, ScenarioError, BUILTIN_DIR};
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
        /// After the report, a line `check cpu: CHECKER SECONDS` per checker: the
        /// CPU seconds (user and system, every thread of this process: getrusage)
        /// from the check's start to its verdict, the process's start, the
        /// scenario's parsing and the report left out (what `daxlock bench
        /// throughput` reads). One process only: not with --jobs N on the kernel
        /// target.
        #[arg(long, conflicts_with = "json")]
        check_cpu: bool,
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
        /// A folder of scenarios to gate instead of the built-in catalogue (the
        /// repository's verify/*.toml, compiled into the binary). A scenario without
        /// [expect] is expected to be verified in the fixed build.
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
        /// A folder of scenarios instead of the built-in catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
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
        /// A folder of scenarios instead of the built-in catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
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
        /// A folder of scenarios instead of the built-in catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Loom executions at most per scenario.
        #[arg(long, default_value_t = 2_000_000)]
        loom_cap: usize,
        /// States at most per kernel-target search (run by the daxlock-kernel
        /// binary, which adds the kernel's columns).
        #[arg(long, default_value_t = 100_000)]
        kernel_max_states: usize,
        /// The model's searches without the partial-order reduction.
        #[arg(long)]
        no_por: bool,
    },
    /// `--jobs N` against one job: the stateful search's seconds with one worker and
    /// with N, best of --repeat runs each, and their ratio, on every catalogue
    /// scenario of --threads threads (fixed build).
    Jobs {
        /// A folder of scenarios instead of the built-in catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Workers of the parallel search.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Runs of each search (the best is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Only scenarios with this many threads.
        #[arg(long, default_value_t = 3)]
        threads: usize,
    },
    /// The stateful search's CPU seconds and states per CPU second on every
    /// catalogue scenario of two threads or more (fixed build, one job), each search
    /// run as a `daxlock run` child process (best of --repeat); with --baseline,
    /// beside another daxlock binary's (run interleaved with this one's) and the
    /// ratio.
    Throughput {
        /// A folder of scenarios instead of the built-in catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Another daxlock binary (an older build) to measure beside this one.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Runs of each search per binary (the least CPU is reported).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// This binary's searches replay instead of resuming snapshots (`run
        /// --no-snapshots`); the baseline's run as they are.
        #[arg(long)]
        no_snapshots: bool,
        /// Accepted, and what the searches do by default: they resume snapshots.
        #[arg(long, conflicts_with = "no_snapshots")]
        snapshots: bool,
    },
    /// Executions per second of each checker (stateful, loom with the gate's bounds,
    /// random and PCT over --iterations, real threads over a tenth of them) on every
    /// catalogue scenario's fixed variant.
    Speed {
        /// A folder of scenarios instead of the built-in catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
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

/// Beside the binaries: why the last `daxlock-kernel` build refused its tree.
pub const KERNEL_BUILD_ERROR: &str = "daxlock-kernel.build-error";

/// Why the last kernel build refused its tree, if it did: the kernel crate's build
/// script leaves the sentence in `dir` (beside the binaries) when a tree is of an
/// unknown or unsupported era, and a `daxlock-kernel` binary there is then from an
/// older tree.
pub fn kernel_build_refusal(dir: &std::path::Path) -> Option<String> {
    let why = std::fs::read_to_string(dir.join(KERNEL_BUILD_ERROR)).ok()?;
    Some(format!(
        "the kernel target's last build refused its tree: {}",
        why.trim()
    ))
}

/// The target named on the command line. `kernel` in a binary without it runs the
/// `daxlock-kernel` binary built beside this one, with the same arguments.
fn target(name: &str) -> Result<std::sync::Arc<dyn crate::check::Target>, NoVerdict> {
    if let Some(t) = crate::check::target::lookup(name) {
        return Ok(t);
    }
    if name != "kernel" {
        return Err(NoVerdict::BadInput(format!(
            "unknown target `{name}` (known: model, kernel)"
        )));
    }
    let dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf));
    if let Some(why) = dir.as_deref().and_then(kernel_build_refusal) {
        return Err(NoVerdict::BadInput(why));
    }
    let sibling = dir
        .map(|d| d.join("daxlock-kernel"))
        .filter(|p| p.is_file());
    match sibling {
        Some(exe) => {
            let status = std::process::Command::new(&exe)
                .args(std::env::args_os().skip(1))
                .status()
                .map_err(|e| NoVerdict::BadInput(format!("{}: {e}", exe.display())))?;
            std::process::exit(status.code().unwrap_or(2));
        }
        None => Err(NoVerdict::BadInput(
            "the kernel target is built apart (it compiles GPL kernel code): \
             DAXLOCK_KERNEL_SRC=<linux tree> cargo build --release -p daxlock-kernel, \
             then run this command again (README: The kernel target)"
                .into(),
        )),
    }
}

/// The budget flags of `run` and `verify`: the checkers' parameters
/// ([`Overrides`], declared with their defaults in [`crate::check::plan`]), the
/// shard and the time limit.
#[derive(Args)]
struct BudgetArgs {
    #[command(flatten)]
    overrides: Overrides,
    /// Run shard I of N of the shuttle budget (iterations I, I+N, ...).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Stop each check after S seconds (decimals allowed): a check stopped so is
    /// `incomplete` (exit 1) unless it already found a failure, never `verified`.
    #[arg(long, value_name = "S")]
    max_seconds: Option<f64>,
}

/// Why a command ended without a verdict: one line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoVerdict {
    /// Bad input (a scenario, a flag, a schedule): exit 2.
    BadInput(String),
    /// A defect of the model or harness (the model panicked): exit 1, as a failure
    /// found, with the panic message.
    Defect(String),
}

impl From<CheckError> for NoVerdict {
    fn from(e: CheckError) -> Self {
        if e.is_defect() {
            NoVerdict::Defect(e.to_string())
        } else {
            NoVerdict::BadInput(e.to_string())
        }
    }
}

macro_rules! bad_input_from {
    ($($t:ty),*) => {$(
        impl From<$t> for NoVerdict {
            fn from(e: $t) -> Self {
                NoVerdict::BadInput(e.to_string())
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

/// The budget the flags state: their overrides ([`crate::check::plan`] fills in the
/// rest), checked, with the time limit.
fn budget(args: &BudgetArgs, scale: usize) -> Result<Budget, NoVerdict> {
    let shard = match &args.shard {
        Some(s) => s.parse::<Shard>()?,
        None => Shard::default(),
    };
    args.overrides.check()?;
    let max_time = match args.max_seconds {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(NoVerdict::BadInput(format!(
                "--max-seconds {s}: must be a number of seconds above 0"
            )))
        }
    };
    Ok(Budget {
        max_time,
        ..Budget::with(Overrides {
            scale,
            shard,
            ..args.overrides.clone()
        })
    })
}

/// The flags given that none of `kinds` uses, or that `target` overrides, as one
/// note (`None`: every flag given is used). Kernel: the kernel target is serial
/// ([`crate::check::Target::serial`]): `--jobs` splits a `run --checker stateful`
/// and `verify`'s stateful rows over processes ([`run_processes`],
/// [`verify_processes`]; `processes`: this command does), and elsewhere runs one
/// job.
fn unused_flags(
    args: &BudgetArgs,
    kinds: &[CheckerKind],
    serial: bool,
    processes: bool,
) -> Option<String> {
    let unused = args.overrides.unused(args.shard.is_some(), kinds);
    let mut notes = Vec::new();
    if !unused.is_empty() {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        notes.push(format!(
            "{} not used by the checkers run ({}): ignored",
            unused.join(", "),
            names.join(", ")
        ));
    }
    let stateful = kinds.contains(&CheckerKind::Stateful);
    if serial && args.overrides.jobs.is_some_and(|j| j > 1) && stateful && !processes {
        notes.push(
            "--jobs: the kernel target splits only stateful searches (`run --checker \
             stateful`, `verify`; without --shortest) over processes; here it runs one \
             job (its C state is global to the process)"
                .into(),
        );
    }
    (!notes.is_empty()).then(|| notes.join("; "))
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

/// The environment variable that sets the interval of plain progress lines (in
/// seconds, decimals allowed; 0: none).
pub const PROGRESS_ENV: &str = "DAXLOCK_PROGRESS_SECONDS";

/// How often to print a plain progress line on stderr: when stderr is not a
/// terminal (a CI log), every [`PROGRESS_ENV`] seconds, 30 by default; never on a
/// terminal (the progress bar is drawn there).
fn log_interval() -> Result<Option<Duration>, NoVerdict> {
    if std::io::stderr().is_terminal() {
        return Ok(None);
    }
    match std::env::var(PROGRESS_ENV) {
        Err(_) => Ok(Some(Duration::from_secs(30))),
        Ok(v) => match v.trim().parse::<f64>() {
            Ok(0.0) => Ok(None),
            Ok(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
            _ => Err(NoVerdict::BadInput(format!(
                "{PROGRESS_ENV}={v}: must be a number of seconds (0: no progress lines)"
            ))),
        },
    }
}

/// Until dropped, a thread that every 200 ms shows `line()` as a progress bar's
/// message and, every `log` interval, prints it as a plain line on stderr
/// (`daxlock: progress: ...`). `None` when there is neither. With `deferred`, a
/// stateful search's counters, the thread starts only once the search has run for
/// [`TICKER_DEFERRED`] (or the `log` interval, if shorter): a shorter search starts
/// no thread ([`crate::check::stateful::Progress::defer`]).
struct Ticker {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: std::sync::Arc<crate::sync::poison_free::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

/// How long a stateful search runs before `daxlock run` starts its progress thread
/// (the progress bar is drawn after a second too).
const TICKER_DEFERRED: Duration = Duration::from_secs(1);

impl Ticker {
    fn start(
        pb: Option<ProgressBar>,
        log: Option<Duration>,
        deferred: Option<&crate::check::stateful::Progress>,
        line: impl Fn() -> String + Send + 'static,
    ) -> Option<Ticker> {
        if pb.is_none() && log.is_none() {
            return None;
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handle = std::sync::Arc::new(crate::sync::poison_free::Mutex::new(None));
        let start = std::time::Instant::now();
        let (stopped, slot) = (stop.clone(), handle.clone());
        let spawn = move || {
            let mut slot = slot.lock();
            if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            *slot = Some(std::thread::spawn(move || {
                let tick = log.map_or(Duration::from_millis(200), |l| {
                    l.min(Duration::from_millis(200))
                });
                let mut next = log.map(|l| start + l);
                while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Some(pb) = &pb {
                        pb.set_message(line());
                    }
                    if let (Some(at), Some(every)) = (next, log) {
                        if std::time::Instant::now() >= at {
                            eprintln!("daxlock: progress: {}", line());
                            next = Some(at + every);
                        }
                    }
                    // Woken early by the drop, so that a check's end is not delayed.
                    std::thread::park_timeout(tick);
                }
            }));
        };
        match deferred {
            Some(progress) => progress.defer(
                start + log.map_or(TICKER_DEFERRED, |l| l.min(TICKER_DEFERRED)),
                Box::new(spawn),
            ),
            None => spawn(),
        }
        Some(Ticker { stop, handle })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let mut slot = self.handle.lock();
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = slot.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
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
    let matches = command
        .try_get_matches_from_mut(args)
        .unwrap_or_else(|e| e.exit());
    // The command's tree of arguments is left, not dropped: freeing it took some
    // 110,000 instructions of every run (callgrind), a tenth of a short one's.
    std::mem::forget(command);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    crate::check::panic::quiet_checker_panics();
    match dispatch(cli.command) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(NoVerdict::Defect(msg)) => {
            eprintln!("daxlock: {msg}");
            1
        }
        Err(NoVerdict::BadInput(msg)) => {
            eprintln!("daxlock: {msg}");
            2
        }
    }
}

fn dispatch(cmd: Command) -> Result<bool, NoVerdict> {
    match cmd {
        Command::Run {
            file,
            variant,
            checker,
            budget: b,
            coverage,
            json,
            check_cpu,
        } => run_command(&file, &variant, &checker, &b, coverage, json, check_cpu),
        Command::Replay {
            file,
            schedule,
            variant,
            json,
        } => {
            let scenario = Scenario::from_path_or_builtin(&file)?;
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
        } => verify_command(dir, require_zoo, checker, &b, deep, &t, json),
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
            let scenarios = catalogue(dir.as_deref())?;
            let from = dir.map_or_else(
                || format!("built-in, from {BUILTIN_DIR}/"),
                |d| d.display().to_string(),
            );
            print!("{}", report::catalogue_list(&from, &scenarios));
            Ok(true)
        }
        Command::Bench { what } => bench_command(what),
    }
}

/// `daxlock run`: one scenario under the planned checkers (or, with `--jobs N` on a
/// serial target, as N processes over a shared visited set).
fn run_command(
    file: &std::path::Path,
    variant: &VariantArgs,
    checker: &str,
    b: &BudgetArgs,
    coverage: bool,
    json: bool,
    check_cpu: bool,
) -> Result<bool, NoVerdict> {
    let scenario = Scenario::from_path_or_builtin(file)?;
    let bugs = variant_bugs(&variant.bugs)?;
    let kinds = CheckerKind::parse_list(checker)?;
    let mut budget = budget(b, 1)?;
    budget.overrides.checkers = (checker != "all").then_some(kinds);
    budget.target = target(&variant.target)?;
    budget.target.select_patch(variant.patch.as_deref())?;
    budget.target.select_alloc_failures(&variant.fail_alloc)?;
    let (mut configs, mut notes) = (Vec::new(), Vec::new());
    for planned in crate::check::plan::plan(&scenario, &budget.overrides, &*budget.target) {
        match planned.config {
            Ok(c) => configs.push(c),
            Err(Skip::TooManyThreads { threads, max }) => notes.push(format!(
                "{} has {threads} threads, more than loom models ({max}); running stateful, random and pct",
                scenario.name,
            )),
            // Loom's exploration is not sharded: shard 0 runs it whole.
            Err(Skip::NotShard0(shard)) if configs.is_empty() => {
                return Err(NoVerdict::BadInput(format!(
                    "--checker loom with --shard {shard}: loom does not shard; run it in shard 0 (or without --shard)",
                )));
            }
            Err(Skip::NotShard0(shard)) => notes.push(format!(
                "loom does not shard; it runs in shard 0 only (this is shard {shard})",
            )),
        }
    }
    for note in notes {
        eprintln!("daxlock: note: {note}");
    }
    let kinds: Vec<CheckerKind> = configs.iter().map(|c| c.kind()).collect();
    let split = processes(b, &kinds, &budget);
    if let Some(path) = std::env::var_os(SHARED_VISITED_ENV) {
        // One of the processes of `--jobs N` on a serial target.
        let set = SharedSet::open(std::path::Path::new(&path))?;
        budget.shared_visited = Some(std::sync::Arc::new(set));
    } else if split {
        if b.shard.is_some() {
            return Err(jobs_with_shard("the search"));
        }
        if check_cpu {
            return Err(NoVerdict::BadInput(
                "--check-cpu measures this process's check; with --jobs N the kernel target's search runs in N processes".into(),
            ));
        }
        return run_processes(&budget, json);
    }
    if let Some(note) = unused_flags(b, &kinds, budget.target.serial(), split) {
        eprintln!("daxlock: note: {note}");
    }
    for note in scenario.pmd_notes() {
        eprintln!("daxlock: note: {note}");
    }
    run(
        &scenario, bugs, &configs, &budget, coverage, json, check_cpu,
    )
}

/// `daxlock verify`: the gate over a catalogue.
fn verify_command(
    dir: Option<PathBuf>,
    require_zoo: bool,
    checker: Option<String>,
    b: &BudgetArgs,
    deep: bool,
    t: &str,
    json: bool,
) -> Result<bool, NoVerdict> {
    // The built-in catalogue (or its folder) must catch every zoo bug; a
    // user's folder only when asked.
    let zoo = require_zoo
        || dir
            .as_ref()
            .is_none_or(|d| same_dir(d, std::path::Path::new(BUILTIN_DIR)));
    let scenarios = catalogue(dir.as_deref())?;
    let only = checker
        .as_deref()
        .map(CheckerKind::parse_list)
        .transpose()?;
    let mut budget = budget(b, if deep { 10 } else { 1 })?;
    budget.overrides.purpose = Purpose::Gate;
    budget.target = target(t)?;
    if only.is_none() && budget.target.name() == "kernel" {
        eprintln!("daxlock: note: the kernel target's gate runs PCT (choose with --checker)");
    }
    budget.overrides.checkers.clone_from(&only);
    let shard = budget.overrides.shard;
    let loom = only.as_ref().is_none_or(|o| o.contains(&CheckerKind::Loom));
    if shard.index > 0 && loom && budget.target.name() != "kernel" {
        if only.as_deref() == Some(&[CheckerKind::Loom]) {
            return Err(NoVerdict::BadInput(format!(
                "--checker loom with --shard {}/{}: loom does not shard; run it in shard 0 (or without --shard)",
                shard.index, shard.count
            )));
        }
        eprintln!(
            "daxlock: note: loom does not shard; it runs in shard 0 only (this is shard {}/{})",
            shard.index, shard.count
        );
    }
    let used = gate::chosen_checkers(&scenarios, &budget);
    let split = used.contains(&CheckerKind::Stateful) && splits_searches(b, &budget);
    if split {
        if b.shard.is_some() {
            return Err(jobs_with_shard("each search"));
        }
        let jobs = budget.overrides.jobs.unwrap_or(1);
        budget.processes = Some(verify_processes(t, jobs, budget.max_time));
    }
    if let Some(note) = unused_flags(b, &used, budget.target.serial(), split) {
        eprintln!("daxlock: note: {note}");
    }
    verify(&scenarios, &budget, json, zoo)
}

/// `daxlock bench`: the benchmarks, each after its flags are checked.
fn bench_command(what: BenchCommand) -> Result<bool, NoVerdict> {
    match what {
        BenchCommand::Zoo { dir, seeds, cap } => {
            let scenarios = catalogue(dir.as_deref())?;
            if seeds == 0 || cap == 0 {
                return Err(NoVerdict::BadInput(
                    "--seeds and --cap must be at least 1".into(),
                ));
            }
            print!("{}", bench::zoo(&scenarios, seeds, cap)?);
            Ok(true)
        }
        BenchCommand::Stateful {
            dir,
            loom_cap,
            kernel_max_states,
            no_por,
        } => {
            if loom_cap == 0 || kernel_max_states == 0 {
                return Err(NoVerdict::BadInput(
                    "--loom-cap and --kernel-max-states must be at least 1".into(),
                ));
            }
            let scenarios = catalogue(dir.as_deref())?;
            print!(
                "{}",
                bench::stateful(&scenarios, loom_cap, kernel_max_states, !no_por)?
            );
            Ok(true)
        }
        BenchCommand::Jobs {
            dir,
            jobs,
            repeat,
            threads,
        } => {
            if jobs < 2 || repeat == 0 {
                return Err(NoVerdict::BadInput(
                    "--jobs must be at least 2 and --repeat at least 1".into(),
                ));
            }
            let scenarios = catalogue(dir.as_deref())?;
            print!("{}", bench::jobs(&scenarios, jobs, repeat, threads)?);
            Ok(true)
        }
        BenchCommand::Throughput {
            dir,
            baseline,
            repeat,
            no_snapshots,
            snapshots: _,
        } => {
            if repeat == 0 {
                return Err(NoVerdict::BadInput("--repeat must be at least 1".into()));
            }
            if let Some(b) = baseline.as_deref().filter(|b| !b.is_file()) {
                return Err(NoVerdict::BadInput(format!(
                    "--baseline {}: no such file",
                    b.display()
                )));
            }
            let scenarios = catalogue(dir.as_deref())?;
            let extra: &[&str] = if no_snapshots {
                &["--no-snapshots"]
            } else {
                &[]
            };
            let out = bench::throughput(&scenarios, baseline.as_deref(), repeat, extra)
                .map_err(NoVerdict::BadInput)?;
            print!("{out}");
            Ok(true)
        }
        BenchCommand::Speed { dir, iterations } => {
            if iterations == 0 {
                return Err(NoVerdict::BadInput(
                    "--iterations must be at least 1".into(),
                ));
            }
            let scenarios = catalogue(dir.as_deref())?;
            print!("{}", bench::speed(&scenarios, iterations)?);
            Ok(true)
        }
    }
}

/// The scenarios of `--dir`, or the built-in catalogue.
fn catalogue(dir: Option<&std::path::Path>) -> Result<Vec<Scenario>, ScenarioError> {
    match dir {
        Some(d) => load_catalogue(d),
        None => builtin_catalogue(),
    }
}

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
    configs: &[crate::check::CheckerConfig],
    budget: &Budget,
    coverage: bool,
    json_out: bool,
    check_cpu: bool,
) -> Result<bool, NoVerdict> {
    let pb = spinner(!json_out, configs.len() as u64);
    let mut cpu_lines = String::new();
    let log = log_interval()?;
    let mut results = Vec::new();
    let mut all_verified = true;
    for config in configs {
        let kind = config.kind();
        if let Some(pb) = &pb {
            pb.set_message(format!(
                "{} [{}] {}",
                scenario.name,
                bugs.variant(),
                kind.as_str()
            ));
        }
        let mut budget = budget.clone();
        let progress = std::sync::Arc::new(crate::check::stateful::Progress::default());
        if kind == CheckerKind::Stateful {
            budget.progress = Some(progress.clone());
        }
        let ticker = {
            let (name, variant) = (scenario.name.clone(), bugs.variant());
            let start = std::time::Instant::now();
            let watched = progress.clone();
            let deferred = (kind == CheckerKind::Stateful).then_some(&*watched);
            Ticker::start(pb.clone(), log, deferred, move || {
                let elapsed = start.elapsed().as_secs_f64();
                if kind != CheckerKind::Stateful {
                    return format!("{name} [{variant}] {kind}: running, {elapsed:.1} s elapsed");
                }
                let states = progress.states.load(std::sync::atomic::Ordering::Relaxed);
                let executions = progress
                    .executions
                    .load(std::sync::atomic::Ordering::Relaxed);
                let rate = states as f64 / elapsed.max(1e-3);
                format!(
                    "{name} [{variant}] stateful: {states} states, {rate:.0} states/s, {executions} executions, {elapsed:.1} s elapsed"
                )
            })
        };
        let cpu = bench::process_cpu_seconds();
        let r = gate::run_config(config.clone(), scenario, bugs, &budget);
        let cpu = bench::process_cpu_seconds() - cpu;
        drop(ticker);
        let r = r?;
        if check_cpu {
            cpu_lines += &format!("{}{kind} {cpu:.6}\n", bench::CHECK_CPU);
        }
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
        let doc = report::run_document(scenario, bugs, &results, &*budget.target, all_verified);
        println!("{doc}");
    } else {
        // Another target is named first, on stdout: an error stays one line on stderr.
        if budget.target.name() != "model" {
            println!("target: {}", budget.target.describe());
        }
        print!("{}", report::run_text(scenario, bugs, &results, coverage));
        print!("{cpu_lines}");
    }
    Ok(all_verified)
}

/// Whether `run` splits its stateful search over processes: `--jobs` above 1 on a
/// serial target (the kernel's), `--checker stateful` alone, not `--shortest` (a
/// shortest path needs one process's depths).
fn processes(args: &BudgetArgs, kinds: &[CheckerKind], budget: &Budget) -> bool {
    kinds == [CheckerKind::Stateful] && splits_searches(args, budget)
}

/// Whether `--jobs` on this budget's target splits a stateful search over
/// processes (a serial target, more than one job, neither `--shortest` nor
/// `--fewest-preemptions`): `run`'s [`processes`] and `verify`'s stateful rows.
fn splits_searches(args: &BudgetArgs, budget: &Budget) -> bool {
    budget.target.serial()
        && budget.overrides.jobs.is_some_and(|j| j > 1)
        && !args.overrides.shortest
        && !args.overrides.fewest_preemptions
}

/// `--jobs` with `--shard` where the jobs are processes that split a search
/// (`what`: "the search" for `run`, "each search" for `verify`): bad input.
fn jobs_with_shard(what: &str) -> NoVerdict {
    NoVerdict::BadInput(format!(
        "--jobs with --shard on the kernel target: its jobs are processes that \
         split {what} among themselves; give one or the other"
    ))
}

/// The environment variable naming the shared visited set of the processes that
/// `--jobs N` starts on a serial target (`run --checker stateful --jobs N`); set, `run` joins it.
pub const SHARED_VISITED_ENV: &str = "DAXLOCK_SHARED_VISITED";

/// The most keys a shared visited set is sized for (its file is sparse: only the
/// pages written take memory); a larger `--max-states` ends at it, `incomplete`.
const SHARED_VISITED_MAX_KEYS: usize = 1 << 26;

/// `run --checker stateful --jobs N` on a serial target (the kernel's C state is
/// global to a process, so its searches cannot share one): runs this command line
/// again as N processes ([`split_search`]), and prints the merge of their reports
/// (`daxlock merge`: the worst verdict of any, the executions summed), with the
/// states of the whole search. Their notes on stderr are printed once.
fn run_processes(budget: &Budget, json_out: bool) -> Result<bool, NoVerdict> {
    let jobs = budget.overrides.jobs.unwrap_or(1);
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let split = split_search(&args, jobs, budget.overrides.max_states)?;
    let mut merged = crate::merge::Merged::new();
    for (i, text) in split.reports.iter().enumerate() {
        merged.add_text(&format!("job {i}/{jobs}"), text)?;
    }
    for n in &split.notes {
        eprintln!("{n}");
    }
    if json_out {
        println!("{}", merged.to_json());
    } else {
        println!("target: {}", budget.target.describe());
        println!(
            "stateful: {jobs} processes over one shared visited set: {} states, {:.2} s \
             (CPU: {:.2} s in all, {:.2} s the busiest process)",
            split.states, split.seconds, split.cpu, split.busiest
        );
        print!("{}", merged.text());
    }
    // As `run`: 0 when every row is verified.
    Ok(merged
        .rows
        .iter()
        .all(|r| r.outcome() == crate::merge::Outcome::Ran(Verdict::Verified)))
}

/// What the processes of [`split_search`] reported.
struct Split {
    /// Each process's `run --json` report, in shard order.
    reports: Vec<String>,
    /// Their lines on stderr (progress lines left out), each once.
    notes: Vec<String>,
    /// States in the shared visited set at the end: the whole search's.
    states: usize,
    /// Wall seconds.
    seconds: f64,
    /// CPU seconds of all the processes, and of the busiest.
    cpu: f64,
    busiest: f64,
}

/// Runs `run ARGS` (`args`: a `run --checker stateful` command line of this
/// program, without the program) as `jobs` processes, shard `i/jobs` each, over one
/// visited set in shared memory sized for `max_states` (each caches its states
/// there and claims the subtrees below the split depth as it reaches them:
/// [`crate::check::StatefulChecker::shared_visited`]), each printing its report as
/// JSON. A process that fails with bad input (exit 2) or prints no report is the
/// error.
fn split_search(
    args: &[OsString],
    jobs: usize,
    max_states: Option<usize>,
) -> Result<Split, NoVerdict> {
    let keys = max_states
        .unwrap_or(crate::check::config::DEFAULT_MAX_STATES)
        .saturating_add(1 << 16)
        .min(SHARED_VISITED_MAX_KEYS);
    let set = SharedSet::create(keys)?;
    let exe = std::env::current_exe()
        .map_err(|e| NoVerdict::BadInput(format!("cannot find this program: {e}")))?;
    let json_given = args.iter().any(|a| a == "--json");
    let start = std::time::Instant::now();
    let outputs: Vec<std::io::Result<(std::process::Output, f64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|i| {
                let mut command = std::process::Command::new(&exe);
                command
                    .args(args)
                    .arg("--shard")
                    .arg(format!("{i}/{jobs}"))
                    .env(SHARED_VISITED_ENV, set.path());
                if !json_given {
                    command.arg("--json");
                }
                scope.spawn(move || bench::output_and_cpu(command))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread that only waits for a process"))
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let (mut reports, mut notes) = (Vec::new(), Vec::<String>::new());
    // The processes' own one-line errors stand for themselves.
    let mut failed = None;
    let (mut cpu, mut busiest) = (0.0, 0.0f64);
    for (i, out) in outputs.into_iter().enumerate() {
        let (out, seconds) =
            out.map_err(|e| NoVerdict::BadInput(format!("{}: {e}", exe.display())))?;
        cpu += seconds;
        busiest = busiest.max(seconds);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Their progress lines are stale by now; their notes are printed once.
        for line in stderr
            .lines()
            .filter(|l| !l.starts_with("daxlock: progress:"))
        {
            if !notes.iter().any(|n| n == line) {
                notes.push(line.to_owned());
            }
        }
        let last = stderr
            .lines()
            .last()
            .unwrap_or("")
            .trim_start_matches("daxlock: ");
        if out.status.code() == Some(2) {
            failed.get_or_insert(NoVerdict::BadInput(last.to_owned()));
        } else if out.stdout.is_empty() {
            failed.get_or_insert(NoVerdict::Defect(format!("job {i}/{jobs}: {last}")));
        } else {
            reports.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
    }
    match failed {
        Some(f) => Err(f),
        None => Ok(Split {
            reports,
            notes,
            states: set.states(),
            seconds,
            cpu,
            busiest,
        }),
    }
}

/// `verify --jobs N` on a serial target: each stateful row runs as `run` would run
/// it with `--jobs N` ([`split_search`]: N processes of `run` over one shared
/// visited set, with the row's settings, variant, target and `--max-seconds`), its
/// result the one search they make ([`crate::merge::one_search`]).
fn verify_processes(target: &str, jobs: usize, max_time: Option<Duration>) -> gate::Processes {
    let target = target.to_owned();
    gate::Processes(std::sync::Arc::new(
        move |s: &Scenario, config: &crate::check::CheckerConfig, bugs: Bugs, expected| {
            let (settings, max_states) = match config {
                crate::check::CheckerConfig::Stateful(c) => (
                    crate::check::CheckerConfig::Stateful(crate::check::StatefulChecker {
                        jobs,
                        ..c.clone()
                    }),
                    Some(c.max_states),
                ),
                other => (other.clone(), None),
            };
            let file = s.path.clone().unwrap_or_else(|| PathBuf::from(&s.name));
            let mut args: Vec<OsString> = vec!["run".into(), file.into()];
            let flags = config.run_flags().unwrap_or_default();
            args.extend(flags.split_whitespace().map(OsString::from));
            args.extend(["--jobs".into(), jobs.to_string().into()]);
            args.extend(["--target".into(), OsString::from(&target)]);
            for b in bugs.names() {
                args.extend(["--bug".into(), b.into()]);
            }
            if let Some(t) = max_time {
                args.extend(["--max-seconds".into(), t.as_secs_f64().to_string().into()]);
            }
            let results = split_search(&args, jobs, max_states).and_then(|split| {
                let mut results = Vec::new();
                for (i, text) in split.reports.iter().enumerate() {
                    let doc: crate::schema::RunDoc = serde_json::from_str(text)
                        .map_err(|e| NoVerdict::Defect(format!("job {i}/{jobs}: {e}")))?;
                    results.extend(doc.results);
                }
                Ok((results, split.seconds))
            });
            match results {
                Ok((results, seconds)) => {
                    crate::merge::one_search(results, &settings, seconds, expected)
                }
                Err(NoVerdict::BadInput(e) | NoVerdict::Defect(e)) => {
                    crate::schema::error_doc(config.kind(), &e, expected)
                }
            }
        },
    ))
}

fn replay(
    target: &dyn crate::check::Target,
    scenario: &Scenario,
    bugs: Bugs,
    schedule: &str,
    json_out: bool,
) -> Result<bool, NoVerdict> {
    use crate::check::binding::Binding;
    let (binding, inner) = Binding::split(schedule)?;
    let stateful = inner.starts_with(crate::check::stateful::SCHEDULE_PREFIX);
    let r = if stateful {
        let checker = crate::check::StatefulChecker::replaying(schedule)?;
        unbound(binding)?;
        crate::check::check_on(
            target,
            &checker,
            scenario,
            bugs,
            crate::check::Limits::default(),
        )?
    } else {
        let checker = crate::check::ReplayChecker::new(schedule)?;
        unbound(binding)?;
        crate::check::check_on(
            target,
            &checker,
            scenario,
            bugs,
            crate::check::Limits::default(),
        )?
    };
    let reports = [r];
    // A replay passes when its one path does not fail; it proves nothing more.
    let passed = reports[0].failure.is_none();
    if json_out {
        let doc = report::run_document(scenario, bugs, &reports, target, passed);
        println!("{doc}");
    } else {
        print!("{}", report::run_text(scenario, bugs, &reports, false));
    }
    Ok(passed)
}

/// A schedule without a binding (printed before bindings existed, or typed by hand)
/// could be of any scenario or variant: refused.
fn unbound(binding: Option<crate::check::binding::Binding>) -> Result<(), NoVerdict> {
    match binding {
        Some(_) => Ok(()),
        None => Err(NoVerdict::BadInput(
            "the schedule carries no binding (`@SSSSSSSS.TTTT.B:` in front, which says which scenario, \
             variant and target it was recorded on): run the check again and replay the schedule it prints"
                .into(),
        )),
    }
}

/// The gate over `scenarios`; `zoo`: fail unless every zoo bug is caught by a row.
fn verify(
    scenarios: &[Scenario],
    budget: &Budget,
    json_out: bool,
    zoo: bool,
) -> Result<bool, NoVerdict> {
    let lemma = lemma::prove();
    let pb = spinner(!json_out, 0);
    let done = std::sync::Arc::new(std::sync::Mutex::new((0usize, String::new())));
    let ticker = {
        let (done, start) = (done.clone(), std::time::Instant::now());
        Ticker::start(None, log_interval()?, None, move || {
            let (n, last) = done.lock().map(|d| d.clone()).unwrap_or_default();
            format!(
                "verify: {n} rows done, {:.1} s elapsed; last: {}",
                start.elapsed().as_secs_f64(),
                if last.is_empty() { "none yet" } else { &last }
            )
        })
    };
    let rows = gate::verify(scenarios, budget, |row| {
        let what = format!(
            "{} [{}] {}",
            row.scenario,
            row.bugs.variant(),
            row.checker.as_str()
        );
        if let Some(pb) = &pb {
            pb.inc(1);
            pb.set_message(what.clone());
        }
        if let Ok(mut d) = done.lock() {
            *d = (d.0 + 1, what);
        }
    });
    drop(ticker);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let skipped = gate::skipped_rows(scenarios, budget);
    let v = report::Verification::new(scenarios, &rows, &lemma, &*budget.target, zoo)
        .with_skipped(skipped);
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

    /// A kernel build's refusal left beside the binaries is read back as one
    /// sentence; without it there is none.
    #[test]
    fn kernel_build_refusal_is_read_from_beside_the_binaries() {
        let dir = std::env::temp_dir().join(format!("daxlock-refusal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(kernel_build_refusal(&dir), None);
        std::fs::write(
            dir.join(KERNEL_BUILD_ERROR),
            "daxlock-kernel: /t: fs/dax.c is of no known era: expected ...; found none of these\n",
        )
        .unwrap();
        let why = kernel_build_refusal(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            why,
            "the kernel target's last build refused its tree: daxlock-kernel: /t: fs/dax.c is of \
             no known era: expected ...; found none of these"
        );
    }

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
        let bound = crate::check::binding::Binding::of(
            &Broken,
            &Scenario::from_path(seed.as_ref()).unwrap(),
            Bugs::fixed(),
        )
        .bind("s1:");
        let replay = ["replay", seed, "--target", "broken", "--schedule", &bound];
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
            NoVerdict::from(panicked),
            NoVerdict::Defect("s: the model panicked under pct: boom".into())
        );
        let misfit = CheckError::ScheduleMisfit { name: "s".into() };
        assert!(matches!(NoVerdict::from(misfit), NoVerdict::BadInput(_)));
    }

    /// Flags no checker run uses are named in one note, and `--jobs` on a serial
    /// target (the kernel's) too; flags that are used give none.
    #[test]
    fn unused_flags_are_noted() {
        let args = |extra: &[&str]| {
            let cli = Cli::parse_from(["daxlock", "run", "f.toml"].iter().chain(extra).copied());
            match cli.command {
                Command::Run { budget, .. } => budget,
                _ => unreachable!(),
            }
        };
        let pct = [CheckerKind::Pct];
        let a = args(&[
            "--jobs",
            "4",
            "--all-hangs",
            "--max-states",
            "5",
            "--depth",
            "2",
        ]);
        assert_eq!(
            unused_flags(&a, &pct, false, false).as_deref(),
            Some("--max-states, --jobs, --all-hangs not used by the checkers run (pct): ignored")
        );
        assert_eq!(
            unused_flags(&args(&["--depth", "2", "--seed", "1"]), &pct, false, false),
            None
        );
        let stateful = [CheckerKind::Stateful];
        assert_eq!(
            unused_flags(&args(&["--jobs", "4"]), &stateful, false, false),
            None
        );
        // The kernel target splits a stateful-only run over processes; with other
        // checkers beside it, it runs one job and says so.
        assert_eq!(
            unused_flags(&args(&["--jobs", "4"]), &stateful, true, true),
            None
        );
        let both = [CheckerKind::Stateful, CheckerKind::Pct];
        assert!(
            unused_flags(&args(&["--jobs", "4"]), &stateful, true, false)
                .is_some_and(|n| n.starts_with("--jobs: the kernel target splits only stateful"))
        );
        assert!(unused_flags(&args(&["--jobs", "4"]), &both, true, false)
            .is_some_and(|n| n.starts_with("--jobs: the kernel target splits only stateful")));
        assert!(
            unused_flags(&args(&["--preemption-bound", "2"]), &stateful, false, false)
                .is_some_and(|n| n.starts_with("--preemption-bound not used"))
        );
    }

    /// The flags a check's configuration derives
    /// ([`crate::check::CheckerConfig::run_flags`]) rerun it: read by the command
    /// line and planned again, they give back the same configuration, for every
    /// checker and every parameter the flags state.
    #[test]
    fn run_flags_rerun_the_same_configuration() {
        use crate::check::plan::plan;
        let s = Scenario::from_path("verify/seed-sequential.toml".as_ref()).unwrap();
        let stated = Overrides {
            iterations: Some(7),
            seed: Some(3),
            shard: "1/3".parse().unwrap(),
            depth: Some(2),
            preemption_bound: Some(1),
            watchdog_ms: Some(400),
            max_states: Some(99),
            jobs: Some(2),
            all_hangs: true,
            no_por: true,
            ..Overrides::default()
        };
        let shortest = Overrides {
            shortest: true,
            preemption_bound: Some(2),
            ..Overrides::default()
        };
        let mut checked = 0;
        for o in [Overrides::default(), stated, shortest] {
            let o = Overrides {
                checkers: Some(CheckerKind::CHOOSABLE.to_vec()),
                ..o
            };
            for planned in plan(&s, &o, &crate::check::Model) {
                let Ok(config) = planned.config else { continue };
                let flags = config.run_flags().unwrap();
                let cli = Cli::parse_from(
                    ["daxlock", "run", "f.toml"]
                        .into_iter()
                        .chain(flags.split(' ')),
                );
                let Command::Run {
                    checker, budget: b, ..
                } = cli.command
                else {
                    unreachable!()
                };
                let mut again = budget(&b, 1).unwrap().overrides;
                again.checkers = Some(CheckerKind::parse_list(&checker).unwrap());
                let again = plan(&s, &again, &crate::check::Model);
                assert_eq!(again.len(), 1, "{flags}");
                assert_eq!(again[0].config.as_ref(), Ok(&config), "{flags}");
                checked += 1;
            }
        }
        // Loom is left out of shard 1/3: 5 + 4 + 5.
        assert_eq!(checked, 14);
    }

    /// A stateful search's progress thread starts only once the search has run
    /// for its time (the least of a second and the interval), where the search
    /// publishes its counts: none before, one after, stopped and joined at the
    /// drop; a thread of another checker starts at once. (Started at once, the
    /// first assertion fails.)
    #[test]
    fn a_deferred_ticker_starts_its_thread_once_due() {
        let started = |t: &Ticker| t.handle.lock().is_some();
        let progress = crate::check::stateful::Progress::default();
        let interval = Duration::from_millis(50);
        let t = Ticker::start(None, Some(interval), Some(&progress), String::new).unwrap();
        progress.poll();
        assert!(!started(&t), "a thread before the search ran for its time");
        std::thread::sleep(interval + Duration::from_millis(10));
        assert!(
            !started(&t),
            "a thread before the search published its counts"
        );
        progress.poll();
        assert!(started(&t));
        drop(t);
        let eager = Ticker::start(None, Some(interval), None, String::new).unwrap();
        assert!(started(&eager));
        // A search that ends before its time: no thread, and none after the drop.
        let progress = crate::check::stateful::Progress::default();
        let t = Ticker::start(
            None,
            Some(Duration::from_millis(1)),
            Some(&progress),
            String::new,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let slot = t.handle.clone();
        drop(t);
        progress.poll();
        assert!(slot.lock().is_none(), "a thread started after the drop");
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
