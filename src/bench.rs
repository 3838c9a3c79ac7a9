//! Benchmarks that print ratios: schedules to the first failure per bug and checker
//! (`daxlock bench zoo`), and checker throughput (`daxlock bench speed`).

use crate::check::plan::{Overrides, Purpose};
use crate::check::Verdict;
use crate::dax::bugs::ALL_BUGS;
use crate::gate::{run_checker, Budget, CheckerKind};
use crate::scenario::Scenario;
use std::fmt::Write as _;

fn median(mut v: Vec<usize>) -> Option<usize> {
    v.sort_unstable();
    (!v.is_empty()).then(|| v[v.len() / 2])
}

/// For every bug with a catalogue scenario expecting a failure: loom executions and
/// seconds to the first failure; for shuttle random and PCT, the median schedules to
/// the first failure over `seeds` seeds (each capped at `cap` iterations); and PCT's
/// guaranteed per-execution probability 1/(n·k^(d−1)).
pub fn zoo(
    scenarios: &[Scenario],
    seeds: usize,
    cap: usize,
) -> Result<String, crate::check::CheckError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<26} {:>3} {:>14} {:>8} {:>12} {:>12} {:>6} {:>5} {:>3} {:>12}",
        "bug",
        "scenario",
        "n",
        "loom execs",
        "loom s",
        "random med",
        "pct med",
        "found",
        "k",
        "d",
        "pct 1/bound"
    );
    for bug in ALL_BUGS {
        let bugs = crate::dax::Bugs::fixed()
            .with(bug.name)
            .expect("catalogue bug");
        for s in scenarios {
            let Some(expected) = s.expected(bugs) else {
                continue;
            };
            if expected == Verdict::Verified {
                continue;
            }
            let loom = zoo_loom(s, bugs)?;
            let shuttle = zoo_shuttle(s, bugs, seeds, cap)?;
            out += &zoo_line(bug.name, s, loom, &shuttle, seeds);
        }
    }
    let _ = writeln!(
        out,
        "n = threads incl. main; k = contended steps of PCT's calibration run; d = PCT depth;\n\
         medians over {seeds} seeds, each capped at {cap} schedules; found = PCT seeds that found it;\n\
         PCT guarantees a find within 1/bound schedules in expectation (the last column)."
    );
    Ok(out)
}

/// [`zoo`]'s loom columns for one scenario variant: executions to the first failure
/// (`missed`) and seconds; dashes for a scenario with more threads than loom models.
fn zoo_loom(
    s: &Scenario,
    bugs: crate::dax::Bugs,
) -> Result<(String, String), crate::check::CheckError> {
    if s.threads.len() > crate::check::loom::LOOM_MAX_SCENARIO_THREADS {
        return Ok(("-".into(), "-".into()));
    }
    let budget = Budget {
        first_failure_only: true,
        ..Budget::default()
    };
    let r = run_checker(CheckerKind::Loom, s, bugs, &budget)?;
    Ok((
        r.first_failure_at
            .map_or("missed".into(), |n| n.to_string()),
        format!("{:.2}", r.seconds),
    ))
}

/// What random and PCT found over [`zoo`]'s seeds for one scenario variant.
struct ZooShuttle {
    /// Per checker (random, PCT): the schedule of the first failure, per seed that
    /// found one.
    firsts: [Vec<usize>; 2],
    /// Per checker: the seeds that found a failure.
    found: [usize; 2],
    /// Contended steps of PCT's calibration run.
    steps: Option<usize>,
}

/// Runs random and PCT with each of `seeds` seeds, each capped at `cap` schedules
/// and stopped at the first failure.
fn zoo_shuttle(
    s: &Scenario,
    bugs: crate::dax::Bugs,
    seeds: usize,
    cap: usize,
) -> Result<ZooShuttle, crate::check::CheckError> {
    let mut z = ZooShuttle {
        firsts: [Vec::new(), Vec::new()],
        found: [0, 0],
        steps: None,
    };
    for seed in 0..seeds as u64 {
        for (i, kind) in [CheckerKind::Random, CheckerKind::Pct]
            .into_iter()
            .enumerate()
        {
            let budget = Budget {
                first_failure_only: true,
                ..Budget::with(Overrides {
                    iterations: Some(cap),
                    seed: Some(seed),
                    ..Overrides::default()
                })
            };
            let r = run_checker(kind, s, bugs, &budget)?;
            if kind == CheckerKind::Pct {
                z.steps = z.steps.or(r.steps);
            }
            if let Some(n) = r.first_failure_at {
                z.firsts[i].push(n);
                z.found[i] += 1;
            }
        }
    }
    Ok(z)
}

/// One line of [`zoo`]'s table, with PCT's bound 1/(n·k^(d−1)).
fn zoo_line(
    bug: &str,
    s: &Scenario,
    loom: (String, String),
    z: &ZooShuttle,
    seeds: usize,
) -> String {
    let n = s.threads.len() + 1;
    let d = s
        .check
        .pct_depth
        .unwrap_or(crate::check::plan::DEFAULT_PCT_DEPTH);
    let k = z.steps.unwrap_or(1).max(1);
    let inverse_bound = (n as f64) * (k as f64).powi(d as i32 - 1);
    let med = |v: &Vec<usize>| median(v.clone()).map_or("missed".into(), |m| m.to_string());
    format!(
        "{:<24} {:<26} {:>3} {:>14} {:>8} {:>12} {:>12} {:>6} {:>5} {:>3} {:>12.0}\n",
        bug,
        s.name,
        n,
        loom.0,
        loom.1,
        med(&z.firsts[0]),
        med(&z.firsts[1]),
        format!("{}/{}", z.found[1], seeds),
        k,
        d,
        inverse_bound
    )
}

/// Executions per second of each checker (stateful, loom with the gate's settings,
/// random and PCT over `iterations` schedules, real threads over a tenth of them) on
/// every catalogue scenario's fixed variant.
pub fn speed(
    scenarios: &[Scenario],
    iterations: usize,
) -> Result<String, crate::check::CheckError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:<8} {:>10} {:>8} {:>12}",
        "scenario", "checker", "schedules", "seconds", "per second"
    );
    for s in scenarios {
        for kind in [
            CheckerKind::Stateful,
            CheckerKind::Loom,
            CheckerKind::Random,
            CheckerKind::Pct,
            CheckerKind::Threads,
        ] {
            if kind == CheckerKind::Loom
                && s.threads.len() > crate::check::loom::LOOM_MAX_SCENARIO_THREADS
            {
                continue;
            }
            let budget = Budget::with(Overrides {
                purpose: Purpose::Gate,
                iterations: Some(if kind == CheckerKind::Threads {
                    (iterations / 10).max(1)
                } else {
                    iterations
                }),
                ..Overrides::default()
            });
            let r = run_checker(kind, s, crate::dax::Bugs::fixed(), &budget)?;
            let _ = writeln!(
                out,
                "{:<28} {:<8} {:>10} {:>8.2} {:>12.0}",
                s.name,
                kind.as_str(),
                r.schedules,
                r.seconds,
                r.schedules as f64 / r.seconds.max(1e-9)
            );
        }
    }
    Ok(out)
}

/// Per catalogue scenario (fixed build): the stateful checker's states, executions,
/// seconds and states per second beside loom's executions and seconds with the
/// gate's settings (no bound for two threads, the scenario's or 3 above), and their
/// ratios. Loom runs are capped at `loom_cap` executions (a capped run is marked
/// `+`). With a `kernel` target (the `daxlock-kernel` binary), the same stateful
/// search on the kernel's own code beside it, capped at `kernel_max_states` states
/// (an incomplete search is marked `+`). `por` false: the model's searches without
/// the partial-order reduction (`--no-por`), for before/after tables.
pub fn stateful(
    scenarios: &[Scenario],
    loom_cap: usize,
    kernel_max_states: usize,
    por: bool,
) -> Result<String, crate::check::CheckError> {
    use crate::check::{check, check_on, Limits, LoomChecker, StatefulChecker};
    let kernel = crate::check::target::lookup("kernel");
    let mut out = String::new();
    let _ = write!(
        out,
        "{:<32} {:>2} {:>9} {:>10} {:>8} {:>9} {:>7} {:>11} {:>9} {:>8} {:>9} {:>8}",
        "scenario",
        "n",
        "states",
        "st execs",
        "st s",
        "states/s",
        "depth",
        "loom execs",
        "loom",
        "loom s",
        "execs x",
        "time x"
    );
    if kernel.is_some() {
        let _ = write!(out, " {:>10} {:>8} {:>9}", "k states", "k s", "k st/s");
    }
    let _ = writeln!(out);
    for s in scenarios {
        let bugs = crate::dax::Bugs::fixed();
        let model = StatefulChecker {
            por,
            ..StatefulChecker::default()
        };
        let st = check(&model, s, bugs)?;
        let search = st.search.unwrap_or_default();
        let (loom_execs, loom_s, bound) =
            if s.threads.len() > crate::check::loom::LOOM_MAX_SCENARIO_THREADS {
                ("-".to_owned(), f64::NAN, "n/a".to_owned())
            } else {
                let mut l = LoomChecker::for_threads(s.threads.len(), s.check.preemption_bound);
                l.max_executions = Some(loom_cap);
                let r = check(&l, s, bugs)?;
                (
                    format!("{}{}", r.schedules, if r.complete { "" } else { "+" }),
                    r.seconds,
                    r.settings.to_string(),
                )
            };
        let loom_n: f64 = loom_execs.trim_end_matches('+').parse().unwrap_or(f64::NAN);
        let _ = write!(
            out,
            "{:<32} {:>2} {:>9} {:>10} {:>8.2} {:>9.0} {:>7} {:>11} {:>9} {:>8.2} {:>9.1} {:>8.1}",
            s.name,
            s.threads.len(),
            search.states,
            search.executions,
            st.seconds,
            search.states_per_second(),
            search.max_depth,
            loom_execs,
            bound,
            loom_s,
            loom_n / search.executions.max(1) as f64,
            loom_s / st.seconds.max(1e-9)
        );
        if let Some(k) = &kernel {
            let c = StatefulChecker {
                max_states: kernel_max_states,
                ..StatefulChecker::default()
            };
            let r = check_on(&**k, &c, s, bugs, Limits::default())?;
            let ks = r.search.unwrap_or_default();
            let _ = write!(
                out,
                " {:>10} {:>8.2} {:>9.0}",
                format!("{}{}", ks.states, if ks.complete { "" } else { "+" }),
                r.seconds,
                ks.states_per_second()
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "execs x, time x: loom's executions and seconds over stateful's (loom bounded where stated); partial-order reduction {}{}",
        if por { "on" } else { "off (--no-por)" },
        if kernel.is_some() {
            "; k: the stateful search on the kernel target (+: stopped at --kernel-max-states)"
        } else {
            ""
        }
    );
    Ok(out)
}

/// One stateful search's figures, the best (least) of `repeat` runs: wall seconds,
/// CPU seconds of the busiest worker, and the search's figures of the last run.
fn best_of(
    checker: &crate::check::StatefulChecker,
    s: &Scenario,
    repeat: usize,
) -> Result<(f64, f64, crate::check::stats::SearchStats), crate::check::CheckError> {
    let (mut wall, mut cpu) = (f64::INFINITY, f64::INFINITY);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let c = crate::check::StatefulChecker {
            progress: Default::default(),
            ..checker.clone()
        };
        let r = crate::check::check(&c, s, crate::dax::Bugs::fixed())?;
        let search = r.search.unwrap_or_default();
        wall = wall.min(search.seconds);
        cpu = cpu.min(search.busiest_worker_seconds);
        last = Some(search);
    }
    Ok((wall, cpu, last.unwrap_or_default()))
}

/// `--jobs N` against one job, per catalogue scenario of `threads` threads (fixed
/// build): the default search (fair cycles: unbounded retries, sleep sets; one
/// worker finds cycles as it goes, N in the union of their graphs when done) with
/// one worker and with `jobs`, each the best of `repeat` runs. `x wall` is the
/// ratio of their seconds; `x cores` that of one worker's CPU seconds to the
/// busiest of the N workers' (what the wall clock would show with a core per
/// worker: on a shared machine the wall clock also measures the other programs);
/// `same` says both reached the same set of states (digest) and verdict.
pub fn jobs(
    scenarios: &[Scenario],
    jobs: usize,
    repeat: usize,
    threads: usize,
) -> Result<String, crate::check::CheckError> {
    use crate::check::StatefulChecker;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<30} {:>2} {:>8} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>5}",
        "scenario",
        "n",
        "states",
        "1 job s",
        format!("{jobs} jobs s"),
        "x wall",
        "1 cpu s",
        "max cpu",
        "x cores",
        "same",
    );
    let (mut walls, mut cores) = (Vec::new(), Vec::new());
    for s in scenarios.iter().filter(|s| s.threads.len() == threads) {
        let one = StatefulChecker::default();
        let many = StatefulChecker {
            jobs,
            ..one.clone()
        };
        let (w1, c1, s1) = best_of(&one, s, repeat)?;
        let (wn, cn, sn) = best_of(&many, s, repeat)?;
        let (xw, xc) = (w1 / wn.max(1e-9), c1 / cn.max(1e-9));
        walls.push(xw);
        cores.push(xc);
        let _ = writeln!(
            out,
            "{:<30} {:>2} {:>8} {:>8.2} {:>8.2} {:>7.2} {:>8.2} {:>8.2} {:>8.2} {:>5}",
            s.name,
            s.threads.len(),
            sn.states,
            w1,
            wn,
            xw,
            c1,
            cn,
            xc,
            if s1.digest == sn.digest && s1.complete == sn.complete && s1.hangs == sn.hangs {
                "yes"
            } else {
                "NO"
            },
        );
    }
    let geo = |v: &[f64]| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len().max(1) as f64).exp();
    let _ = writeln!(
        out,
        "geometric mean: x wall {:.2}, x cores {:.2} ({} cores here; best of {repeat} runs each; \
         the wall clock is noisy on a shared machine)",
        geo(&walls),
        geo(&cores),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok(out)
}

/// Runs `command` to its end with its output captured, and the CPU seconds (user
/// and system) it took, from `wait4`'s resource usage.
pub fn output_and_cpu(
    mut command: std::process::Command,
) -> std::io::Result<(std::process::Output, f64)> {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut err = Vec::new();
        stderr.read_to_end(&mut err).map(|_| err)
    });
    child.stdout.take().expect("piped").read_to_end(&mut out)?;
    err.append(&mut reader.join().expect("a reading thread")?);
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose `Child` is not waited for again.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((
        std::process::Output {
            status: std::process::ExitStatus::from_raw(status),
            stdout: out,
            stderr: err,
        },
        cpu_seconds(&usage),
    ))
}

/// The user and system CPU seconds of a resource usage.
fn cpu_seconds(usage: &libc::rusage) -> f64 {
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// The CPU seconds (user and system) this process has run, all its threads
/// (`getrusage(RUSAGE_SELF)`).
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: a zeroed rusage is a valid value for getrusage to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: fills our own rusage; RUSAGE_SELF cannot fail.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_seconds(&usage)
}

/// How `daxlock run --check-cpu` starts the line of a check's CPU seconds
/// (`check cpu: stateful 0.004123`).
pub const CHECK_CPU: &str = "check cpu: ";

/// A child's run: states, executions, the child's CPU seconds and (from a binary
/// that has `run --check-cpu`) the CPU seconds of its check alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChildRun {
    /// States of the search.
    pub states: usize,
    /// Executions of the search.
    pub executions: usize,
    /// CPU seconds of the whole child process (`wait4`).
    pub cpu: f64,
    /// CPU seconds of its stateful check, start and report left out.
    pub check_cpu: Option<f64>,
}

/// Whether `binary`'s `run` has `--check-cpu` (an older baseline has not).
fn knows_check_cpu(binary: &std::path::Path) -> bool {
    std::process::Command::new(binary)
        .args(["run", "--help"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--check-cpu"))
}

/// The `search complete:` line's states and executions and the `check cpu:`
/// line's seconds (None: no such line) in a `daxlock run --checker stateful`'s
/// output.
pub fn parse_child(text: &str) -> Result<(usize, usize, Option<f64>), String> {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("search complete: "))
        .ok_or("no `search complete:` line")?;
    let count = |unit: &str| {
        line.split(", ")
            .find_map(|part| part.split_once(' ').filter(|(_, u)| u.starts_with(unit)))
            .and_then(|(n, _)| n.parse().ok())
            .ok_or_else(|| format!("no {unit} in `{line}`"))
    };
    let check_cpu = text
        .lines()
        .find_map(|l| l.strip_prefix(CHECK_CPU)?.strip_prefix("stateful "))
        .map(|secs| {
            secs.trim()
                .parse::<f64>()
                .map_err(|e| format!("`{CHECK_CPU}stateful {secs}`: {e}"))
        })
        .transpose()?;
    Ok((count("states")?, count("executions")?, check_cpu))
}

/// One `daxlock run S --checker stateful` of `binary` (fixed build, the default
/// search; with `--check-cpu` where `check_cpu`).
fn stateful_child(
    binary: &std::path::Path,
    path: &str,
    extra: &[&str],
    check_cpu: bool,
) -> Result<ChildRun, String> {
    let mut command = std::process::Command::new(binary);
    command.args(["run", path, "--checker", "stateful"]);
    command.args(extra);
    if check_cpu {
        command.arg("--check-cpu");
    }
    let (out, cpu) = output_and_cpu(command).map_err(|e| format!("{}: {e}", binary.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (states, executions, check_cpu) =
        parse_child(&text).map_err(|e| format!("{} run {path}: {e}", binary.display()))?;
    Ok(ChildRun {
        states,
        executions,
        cpu,
        check_cpu,
    })
}

/// `daxlock bench throughput`: per scenario of two threads or more, the stateful
/// search (fixed build, one job, the defaults) run as a child process of this
/// binary and, with `baseline`, of that one, interleaved, each the least CPU of
/// `repeat` runs: states, executions, CPU seconds, states per CPU second and
/// microseconds of CPU per execution, the CPU seconds of the check alone and the
/// states per those (`run --check-cpu`; `-` from a baseline without it), and the
/// ratio of the CPU seconds; `extra` flags go to this binary's runs only
/// (`--no-snapshots`, which a baseline may not know). CPU seconds, not the wall
/// clock: on a shared machine the wall clock measures the other programs too. A
/// child's CPU includes its start (about 2 ms here), the check's does not.
pub fn throughput(
    scenarios: &[Scenario],
    baseline: Option<&std::path::Path>,
    repeat: usize,
    extra: &[&str],
) -> Result<String, String> {
    let me = std::env::current_exe().map_err(|e| format!("this binary: {e}"))?;
    let mut binaries = vec![me.as_path()];
    binaries.extend(baseline);
    let knows: Vec<bool> = binaries.iter().map(|b| knows_check_cpu(b)).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "{:<32} {:>2} {:>8} {:>8} {:>7} {:>9} {:>6} {:>7} {:>9}",
        "scenario", "n", "states", "execs", "cpu s", "states/s", "us/ex", "chk s", "chk st/s"
    );
    if baseline.is_some() {
        let _ = write!(
            out,
            " {:>8} {:>7} {:>9} {:>6} {:>9} {:>6}",
            "b execs", "b cpu s", "b st/s", "b us/ex", "b chk/s", "x cpu"
        );
    }
    out.push('\n');
    // States, CPU seconds and check CPU seconds (None once a row has none).
    let mut total = (0usize, 0.0f64, Some(0.0f64));
    let mut total_base = total;
    let rate = |states: usize, cpu: f64| states as f64 / cpu.max(1e-9);
    let check_rate = |states: usize, cpu: Option<f64>| {
        cpu.map_or_else(|| "-".to_owned(), |c| format!("{:.0}", rate(states, c)))
    };
    let add = |t: &mut (usize, f64, Option<f64>), r: &ChildRun| {
        *t = (
            t.0 + r.states,
            t.1 + r.cpu,
            t.2.zip(r.check_cpu).map(|(a, b)| a + b),
        );
    };
    for s in scenarios.iter().filter(|s| s.threads.len() >= 2) {
        let path = s
            .path
            .as_ref()
            .ok_or_else(|| format!("{}: a scenario without a file", s.name))?
            .display()
            .to_string();
        let mut best: Vec<Option<ChildRun>> = vec![None; binaries.len()];
        for _ in 0..repeat {
            for (b, binary) in binaries.iter().enumerate() {
                let run =
                    stateful_child(binary, &path, if b == 0 { extra } else { &[] }, knows[b])?;
                best[b] = Some(match best[b] {
                    None => run,
                    // The least of each: the child's CPU, the check's.
                    Some(x) => ChildRun {
                        cpu: x.cpu.min(run.cpu),
                        check_cpu: x.check_cpu.zip(run.check_cpu).map(|(a, b)| a.min(b)),
                        ..x
                    },
                });
            }
        }
        let me = best[0].expect("one run at least");
        add(&mut total, &me);
        let per_ex = |execs: usize, cpu: f64| cpu * 1e6 / execs.max(1) as f64;
        let _ = write!(
            out,
            "{:<32} {:>2} {:>8} {:>8} {:>7.2} {:>9.0} {:>6.1} {:>7} {:>9}",
            s.name,
            s.threads.len(),
            me.states,
            me.executions,
            me.cpu,
            rate(me.states, me.cpu),
            per_ex(me.executions, me.cpu),
            me.check_cpu
                .map_or_else(|| "-".to_owned(), |c| format!("{c:.3}")),
            check_rate(me.states, me.check_cpu),
        );
        if let Some(b) = best.get(1).copied().flatten() {
            if b.states != me.states {
                return Err(format!(
                    "{}: {} states here but {} with the baseline",
                    s.name, me.states, b.states
                ));
            }
            add(&mut total_base, &b);
            let _ = write!(
                out,
                " {:>8} {:>7.2} {:>9.0} {:>6.1} {:>9} {:>6.2}",
                b.executions,
                b.cpu,
                rate(b.states, b.cpu),
                per_ex(b.executions, b.cpu),
                check_rate(b.states, b.check_cpu),
                b.cpu / me.cpu.max(1e-9)
            );
        }
        out.push('\n');
    }
    let check_all = |t: (usize, f64, Option<f64>)| {
        t.2.map_or_else(String::new, |c| {
            format!(
                " (the checks alone {c:.2} CPU s, {:.0} states per CPU second)",
                rate(t.0, c)
            )
        })
    };
    let _ = write!(
        out,
        "all: {} states in {:.2} CPU s, {:.0} states per CPU second{}",
        total.0,
        total.1,
        rate(total.0, total.1),
        check_all(total)
    );
    if baseline.is_some() {
        let _ = write!(
            out,
            "; baseline {:.2} CPU s, {:.0} states per CPU second{} ({:.2}x the CPU)",
            total_base.1,
            rate(total_base.0, total_base.1),
            check_all(total_base),
            total_base.1 / total.1.max(1e-9)
        );
    }
    let _ = writeln!(
        out,
        "\n(cpu s: CPU seconds of each `daxlock run --checker stateful` child, its start \
         included; chk s: of its check alone, from the check's start to its verdict \
         (`run --check-cpu`); each the least of {repeat}; {} cores here)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The child's lines as `run --check-cpu` prints them: the states, executions
    /// and the check's seconds; without the line (an older binary) none; a line
    /// that is no number is an error, not a 0.
    #[test]
    fn a_childs_check_cpu_line_is_parsed() {
        let text = "seed [fixed] stateful: verified over 9 executions\n  search complete: 12 states, 20 transitions, 9 executions (3 cut at known states), depth 4, 0 hang states, 0.00 s, 9000 states/s\n";
        assert_eq!(parse_child(text), Ok((12, 9, None)));
        let with = format!("{text}{CHECK_CPU}stateful 0.004123\n");
        assert_eq!(parse_child(&with), Ok((12, 9, Some(0.004123))));
        assert!(parse_child(&format!("{text}{CHECK_CPU}stateful soon\n")).is_err());
        assert!(parse_child("no search here").is_err());
    }

    /// The process's CPU seconds grow with work done on this thread.
    #[test]
    fn process_cpu_seconds_count_this_process() {
        let before = process_cpu_seconds();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        assert!(process_cpu_seconds() > before, "{x}");
    }
}
