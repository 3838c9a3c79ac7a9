//! Rendering results: the gate's table, counterexamples, JSON.

use crate::check::trace::timeline;
use crate::check::{CheckReport, Failure};
use crate::dax::{Branch, Bugs};
use crate::gate::GateRow;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

/// The gate table's header.
pub fn table_header() -> String {
    format!(
        "{:<28} {:<22} {:<8} {:>10} {:<10} {:<10} {:>8}  {}",
        "scenario", "variant", "checker", "schedules", "verdict", "expected", "seconds", "result"
    )
}

/// One gate table line.
pub fn table_row(row: &GateRow) -> String {
    let settings = match &row.report {
        Ok(r) => format!(
            "  [{}]",
            r.settings.split(" shard").next().unwrap_or_default()
        ),
        Err(_) => String::new(),
    };
    let (schedules, verdict, seconds, first) = match &row.report {
        Ok(r) => (
            format!("{}{}", r.schedules, if r.complete { "" } else { "+" }),
            r.verdict.to_string(),
            format!("{:.2}", r.seconds),
            r.first_failure_at
                .map(|n| format!(" (first failure at #{n})"))
                .unwrap_or_default(),
        ),
        Err(_) => ("-".into(), "error".into(), "-".into(), String::new()),
    };
    let unvisited = if row.unvisited.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = row.unvisited.iter().map(|b| b.name()).collect();
        format!(" (unvisited: {})", names.join(", "))
    };
    format!(
        "{:<28} {:<22} {:<8} {:>10} {:<10} {:<10} {:>8}  {}{}{}{}",
        row.scenario,
        row.bugs.variant(),
        row.checker.as_str(),
        schedules,
        verdict,
        row.expected,
        seconds,
        if row.ok() { "ok" } else { "UNEXPECTED" },
        settings,
        first,
        unvisited
    )
}

/// The coverage table of `run --coverage`: per branch that some check visited, the
/// executions of each check that visited it; then the branches no check visited.
pub fn coverage_table(reports: &[CheckReport]) -> String {
    let mut out = String::from("coverage (executions that visited each branch):\n");
    let _ = write!(out, "  {:<28}", "branch");
    for r in reports {
        let _ = write!(out, " {:>10}", r.checker);
    }
    out.push('\n');
    let mut never = Vec::new();
    for b in Branch::ALL {
        if reports.iter().all(|r| r.coverage.get(b) == 0) {
            never.push(b.name());
            continue;
        }
        let _ = write!(out, "  {:<28}", b.name());
        for r in reports {
            let _ = write!(out, " {:>10}", r.coverage.get(b));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "never visited ({} of {}): {}",
        never.len(),
        Branch::COUNT,
        if never.is_empty() {
            "none".to_owned()
        } else {
            never.join(", ")
        }
    );
    out
}

/// `daxlock list --branches`: every branch with its one-line meaning.
pub fn branch_list() -> String {
    let mut out = format!("branches ({}):\n", Branch::COUNT);
    for b in Branch::ALL {
        let _ = writeln!(out, "  {:<28} {}", b.name(), b.meaning());
    }
    out
}

/// `daxlock VERB FILE ARGS --bug B...`, the shape of every reproduce command.
fn command(verb: &str, path: Option<&Path>, args: &str, bugs: Bugs) -> String {
    let mut cmd = format!(
        "daxlock {verb} {} {args}",
        path.map_or_else(|| "SCENARIO.toml".to_owned(), |p| p.display().to_string())
    );
    for b in bugs.names() {
        let _ = write!(cmd, " --bug {b}");
    }
    cmd
}

/// The command that replays a failure's schedule.
pub fn replay_command(path: Option<&Path>, bugs: Bugs, schedule: &str) -> String {
    command("replay", path, &format!("--schedule {schedule}"), bugs)
}

/// The command that reruns a check with the settings it ran with (for loom, whose
/// exploration order is fixed, and real threads), if `run` can rerun it.
pub fn rerun_command(path: Option<&Path>, bugs: Bugs, report: &CheckReport) -> Option<String> {
    let args = report.rerun.as_deref()?;
    Some(command("run", path, args, bugs))
}

/// How to reproduce a failure: the replay command for a recorded schedule, else a
/// rerun with the same settings.
pub fn reproduce(path: Option<&Path>, bugs: Bugs, report: &CheckReport, f: &Failure) -> String {
    match &f.schedule {
        Some(s) => replay_command(path, bugs, s),
        None => rerun_command(path, bugs, report)
            .unwrap_or_else(|| format!("none ({} recorded no schedule)", report.checker)),
    }
}

/// A stateful search's figures on one line (`timed_out`: the check ran out of
/// `--max-seconds`).
pub fn search_line(s: &crate::check::stateful::SearchStats, timed_out: bool) -> String {
    format!(
        "search {}: {} states, {} transitions, {} executions ({} cut at known states), depth {}, {} hang states, {:.2} s, {:.0} states/s",
        if s.complete {
            "complete".to_owned()
        } else if s.states >= s.max_states {
            format!("INCOMPLETE (stopped at max-states {})", s.max_states)
        } else if s.hangs > 0 {
            "stopped at the first hang (--all-hangs searches on)".to_owned()
        } else if timed_out {
            "INCOMPLETE (stopped at --max-seconds)".to_owned()
        } else {
            "stopped at the first failure".to_owned()
        },
        s.states,
        s.transitions,
        s.executions,
        s.cut,
        s.max_depth,
        s.hangs,
        s.seconds,
        s.states_per_second()
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Where an execution number stands: `of 12` unsharded; in a shard, the numbers are
/// the whole budget's, so say how many this shard ran.
fn execution_of(report: &CheckReport) -> String {
    if report.numbering.sharded() {
        format!(
            "(numbered over all shards; shard {}/{} ran {})",
            report.numbering.shard.index,
            report.numbering.shard.count,
            plural(report.schedules, "execution", "executions")
        )
    } else {
        format!("of {}", report.schedules)
    }
}

/// One failure's evidence, indented: what broke, the warnings, the timeline, how to
/// reproduce it.
/// A lesser failure without a schedule is reproduced by rerunning the whole check,
/// which goes on to the worse one: say where it passes.
fn evidence(
    out: &mut String,
    path: Option<&Path>,
    bugs: Bugs,
    report: &CheckReport,
    f: &Failure,
    lesser: bool,
) {
    for d in &f.details {
        let _ = writeln!(out, "  {d}");
    }
    for w in &f.warnings {
        let _ = writeln!(out, "  WARN {w}");
    }
    let _ = writeln!(out, "  timeline ({} events):", f.trace.len());
    for line in timeline(&f.trace).lines() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = write!(out, "  reproduce: {}", reproduce(path, bugs, report, f));
    if lesser && f.schedule.is_none() {
        let _ = write!(out, " (it reaches this at execution {})", f.execution);
    }
    let _ = writeln!(out);
}

/// A failure as text: what broke, the warnings, the timeline, how to replay; then
/// the lesser failures found before it, each with its own evidence.
pub fn counterexample(
    scenario: &str,
    path: Option<&Path>,
    bugs: Bugs,
    report: &CheckReport,
) -> String {
    let mut out = String::new();
    match &report.failure {
        None => {
            let _ = writeln!(
                out,
                "{scenario} [{}] {}: {} over {} ({})",
                bugs.variant(),
                report.checker,
                report.verdict,
                plural(report.schedules, "execution", "executions"),
                report.settings
            );
        }
        Some(f) => {
            let _ = writeln!(
                out,
                "{scenario} [{}] {} ({}): {} at execution {} {}",
                bugs.variant(),
                report.checker,
                report.settings,
                f.verdict,
                f.execution,
                execution_of(report)
            );
        }
    }
    if report.timed_out {
        let states = report
            .search
            .map(|s| format!(", {}", plural(s.states, "state", "states")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  stopped by --max-seconds after {:.1} s: {}{states} explored; not a proof",
            report.seconds,
            plural(report.schedules, "execution", "executions"),
        );
    }
    if let Some(s) = &report.search {
        let _ = writeln!(out, "  {}", search_line(s, report.timed_out));
    }
    if let Some(f) = &report.failure {
        evidence(&mut out, path, bugs, report, f, false);
    }
    for f in &report.lesser {
        let _ = writeln!(
            out,
            "  earlier, a lesser failure: {} at execution {}",
            f.verdict, f.execution
        );
        let mut inner = String::new();
        evidence(&mut inner, path, bugs, report, f, true);
        for line in inner.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// One failure as JSON: verdict, execution, details, warnings, reproduce command,
/// schedule, trace.
fn failure_json(path: Option<&Path>, bugs: Bugs, report: &CheckReport, f: &Failure) -> Value {
    json!({
        "verdict": f.verdict,
        "execution": f.execution,
        "details": f.details,
        "warnings": f.warnings,
        "replay": reproduce(path, bugs, report, f),
        "schedule": f.schedule,
        "trace": f.trace,
    })
}

/// One check as the JSON of `run --json`'s `results` array.
pub fn result_json(
    path: Option<&Path>,
    bugs: Bugs,
    report: &CheckReport,
    expected: Option<&str>,
) -> Value {
    let counterexample = report
        .failure
        .as_ref()
        .map(|f| failure_json(path, bugs, report, f));
    let lesser: Vec<Value> = report
        .lesser
        .iter()
        .map(|f| failure_json(path, bugs, report, f))
        .collect();
    json!({
        "checker": report.checker,
        "settings": report.settings,
        "verdict": report.verdict,
        "expected": expected,
        "schedules": report.schedules,
        "complete": report.complete,
        "timed_out": report.timed_out,
        "first_failure_at": report.first_failure_at,
        "seconds": (report.seconds * 1000.0).round() / 1000.0,
        "warnings": report.failure.as_ref().map(|f| f.warnings.clone()).unwrap_or_default(),
        "search": report.search.map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            v["states_per_second"] = json!(s.states_per_second().round());
            v
        }),
        "counterexample": counterexample,
        "lesser_failures": lesser,
        "coverage": report.coverage,
    })
}

/// A gate row that could not run, as a `results` entry of `verify --json`: verdict
/// `error` and why.
pub fn error_json(checker: &str, error: &dyn std::fmt::Display, expected: &str) -> Value {
    json!({
        "checker": checker,
        "settings": null,
        "verdict": "error",
        "expected": expected,
        "schedules": 0,
        "complete": false,
        "error": error.to_string(),
    })
}
