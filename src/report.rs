//! Rendering results as text and JSON: the gate's table and summary,
//! counterexamples, `run`'s and `replay`'s reports, the lemma, the catalogue list.

use crate::check::stateful::SearchStats;
use crate::check::trace::timeline;
use crate::check::{CheckReport, CheckerKind, Failure, Target, Verdict};
use crate::dax::{Branch, Bugs, ALL_BUGS};
use crate::gate::{self, GateRow, Skipped};
use crate::lemma::LemmaReport;
use crate::scenario::Scenario;
use crate::schema::{
    to_json, Body, FailureDoc, MissedDoc, Outcome, RanDoc, ResultDoc, RunDoc, SkippedDoc,
    SummaryDoc, VerifyDoc,
};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// The widths of a table's scenario and variant columns: the usual 28 and 22, or
/// the longest name's, so that long names do not break the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    /// The scenario column.
    pub scenario: usize,
    /// The variant column.
    pub variant: usize,
}

impl Widths {
    /// Widths that fit every `(scenario, variant)` of `names`.
    pub fn fit(names: impl IntoIterator<Item = (String, String)>) -> Self {
        names.into_iter().fold(
            Widths {
                scenario: 28,
                variant: 22,
            },
            |w, (s, v)| Widths {
                scenario: w.scenario.max(s.chars().count()),
                variant: w.variant.max(v.chars().count()),
            },
        )
    }

    /// Widths that fit the gate's rows and skipped rows.
    pub fn of_rows(rows: &[GateRow], skipped: &[Skipped]) -> Self {
        Widths::fit(
            rows.iter()
                .map(|r| (r.scenario.clone(), r.bugs.variant()))
                .chain(
                    skipped
                        .iter()
                        .map(|r| (r.scenario.clone(), r.bugs.variant())),
                ),
        )
    }
}

/// One line of a results table, the gate's or a merge's: each column's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Scenario name.
    pub scenario: String,
    /// `fixed`, or the bug names joined by `+`.
    pub variant: String,
    /// The checker.
    pub checker: String,
    /// A merge's shards present over shards in the split (`2/4`, `-`); the gate's
    /// table has no such column.
    pub shards: Option<String>,
    /// Executions, `+` when the budget was not explored whole.
    pub executions: String,
    /// The verdict.
    pub verdict: String,
    /// The expected verdict.
    pub expected: String,
    /// Seconds, two decimals.
    pub seconds: String,
    /// `ok`, `UNEXPECTED` or `skipped: why`, with any notes after it.
    pub result: String,
}

impl Line {
    /// The header line: the columns' names (`count`: the executions column's).
    pub fn header(shards: bool, count: &str) -> Self {
        Line {
            scenario: "scenario".into(),
            variant: "variant".into(),
            checker: "checker".into(),
            shards: shards.then(|| "shards".into()),
            executions: count.into(),
            verdict: "verdict".into(),
            expected: "expected".into(),
            seconds: "seconds".into(),
            result: "result".into(),
        }
    }

    /// The line in columns of widths `w`.
    pub fn render(&self, w: Widths) -> String {
        let shards = self
            .shards
            .as_ref()
            .map(|s| format!(" {s:>6}"))
            .unwrap_or_default();
        format!(
            "{:<sw$} {:<vw$} {:<8}{shards} {:>10} {:<10} {:<10} {:>8}  {}",
            self.scenario,
            self.variant,
            self.checker,
            self.executions,
            self.verdict,
            self.expected,
            self.seconds,
            self.result,
            sw = w.scenario,
            vw = w.variant
        )
    }
}

/// The gate table's header.
pub fn table_header(w: Widths) -> String {
    Line::header(false, "schedules").render(w)
}

/// One gate table line.
pub fn table_row(row: &GateRow, w: Widths) -> String {
    let settings = match &row.report {
        Ok(r) => format!("  [{}]", r.settings.without_shard()),
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
    Line {
        scenario: row.scenario.clone(),
        variant: row.bugs.variant(),
        checker: row.checker.to_string(),
        shards: None,
        executions: schedules,
        verdict,
        expected: row.expected.to_string(),
        seconds,
        result: format!(
            "{}{settings}{first}{unvisited}",
            if row.ok() { "ok" } else { "UNEXPECTED" }
        ),
    }
    .render(w)
}

/// A skipped gate row's table line: verdict `skipped` and why.
pub fn skipped_row(row: &Skipped, w: Widths) -> String {
    Line {
        scenario: row.scenario.clone(),
        variant: row.bugs.variant(),
        checker: row.checker.to_string(),
        shards: None,
        executions: "-".into(),
        verdict: "skipped".into(),
        expected: "-".into(),
        seconds: "-".into(),
        result: format!("skipped: {}", row.reason),
    }
    .render(w)
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
    let command = match &f.schedule {
        Some(s) => Some(replay_command(path, bugs, s)),
        None => rerun_command(path, bugs, report),
    };
    match command {
        // Another target's failure reproduces on that target only.
        Some(c) if report.target != "model" => {
            format!("{c} --target {}{}", report.target, report.target_args)
        }
        Some(c) => c,
        None => format!("none ({} recorded no schedule)", report.checker),
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
            // A replay's one path passing proves nothing beyond it: not `verified`.
            let verdict = match report.settings.recorded() {
                Some(_) => "replayed: passed".to_owned(),
                None => report.verdict.to_string(),
            };
            let _ = writeln!(
                out,
                "{scenario} [{}] {}: {verdict} over {} ({})",
                bugs.variant(),
                report.checker,
                plural(report.schedules, "execution", "executions"),
                report.settings
            );
        }
        // One shape for every result line: `NAME [VARIANT] CHECKER: VERDICT WHERE
        // (SETTINGS)`.
        Some(f) => {
            let _ = writeln!(
                out,
                "{scenario} [{}] {}: {} at execution {} {} ({})",
                bugs.variant(),
                report.checker,
                f.verdict,
                f.execution,
                execution_of(report),
                report.settings
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

/// One failure as the schema's [`FailureDoc`] (a `counterexample` or
/// `lesser_failures` entry).
fn failure_doc(path: Option<&Path>, bugs: Bugs, report: &CheckReport, f: &Failure) -> FailureDoc {
    FailureDoc {
        verdict: Some(f.verdict),
        execution: f.execution,
        details: f.details.clone(),
        warnings: f.warnings.clone(),
        replay: reproduce(path, bugs, report, f),
        schedule: f.schedule.clone(),
        trace: f.trace.iter().map(to_json).collect(),
    }
}

/// A stateful search's figures with its rate.
#[derive(Serialize)]
struct SearchJson {
    #[serde(flatten)]
    stats: SearchStats,
    states_per_second: f64,
}

/// One check as the schema's [`ResultDoc`]: an entry of the `results` array of
/// `run`, `replay` and `verify`.
pub fn result_doc(
    path: Option<&Path>,
    bugs: Bugs,
    report: &CheckReport,
    expected: Option<Verdict>,
) -> ResultDoc {
    let replayed = report.settings.recorded().map(|_| {
        if report.failure.is_some() {
            "reproduced"
        } else {
            "passed"
        }
    });
    ResultDoc {
        checker: report.checker,
        settings: Some(report.settings.clone()),
        verdict: Outcome::Ran(report.verdict),
        expected,
        schedules: Some(report.schedules as u64),
        complete: report.complete,
        body: Body::Ran(Box::new(RanDoc {
            replayed: replayed.map(str::to_owned),
            timed_out: report.timed_out,
            first_failure_at: report.first_failure_at,
            seconds: (report.seconds * 1000.0).round() / 1000.0,
            warnings: report
                .failure
                .as_ref()
                .map_or_else(Vec::new, |f| f.warnings.clone()),
            search: report.search.map(|stats| {
                to_json(SearchJson {
                    stats,
                    states_per_second: stats.states_per_second().round(),
                })
            }),
            counterexample: report
                .failure
                .as_ref()
                .map(|f| failure_doc(path, bugs, report, f)),
            lesser_failures: report
                .lesser
                .iter()
                .map(|f| failure_doc(path, bugs, report, f))
                .collect(),
            coverage: report.coverage,
        })),
    }
}

/// A gate row that could not run, as a `results` entry of `verify --json`: verdict
/// `error` and why.
pub fn error_doc(
    checker: CheckerKind,
    error: &dyn std::fmt::Display,
    expected: Verdict,
) -> ResultDoc {
    ResultDoc {
        checker,
        settings: None,
        verdict: Outcome::Error,
        expected: Some(expected),
        schedules: Some(0),
        complete: false,
        body: Body::Error {
            error: error.to_string(),
        },
    }
}

/// One scenario variant's checks (with `target`, when given, the one they ran on),
/// each with what the scenario expects of the variant (on that target): the body of
/// `run --json` and `replay --json` ([`run_document`]).
pub fn run_doc(
    scenario: &Scenario,
    bugs: Bugs,
    reports: &[CheckReport],
    target: Option<&dyn Target>,
) -> RunDoc {
    let path = scenario.path.as_deref();
    let expected = scenario
        .expected(bugs)
        .map(|v| target.map_or(v, |t| t.expected(&scenario.name, bugs, v)));
    RunDoc {
        scenario: scenario.name.clone(),
        path: path.map(|p| p.display().to_string()),
        target: target.map(|t| t.describe()),
        bugs,
        results: reports
            .iter()
            .map(|r| result_doc(path, bugs, r, expected))
            .collect(),
        ok: None,
        tool: None,
    }
}

/// The whole document of `run --json` and `replay --json`: [`run_doc`] on
/// `target`, with the verdict of the command (`ok`: every check verified; for a
/// replay, its path did not fail) and the tool's version.
pub fn run_document(
    scenario: &Scenario,
    bugs: Bugs,
    reports: &[CheckReport],
    target: &dyn Target,
    ok: bool,
) -> Value {
    to_json(RunDoc {
        ok: Some(ok),
        tool: Some(tool()),
        ..run_doc(scenario, bugs, reports, Some(target))
    })
}

/// The text of `run` and `replay`: each check's verdict or counterexample, then
/// with `coverage` the table of branches.
pub fn run_text(
    scenario: &Scenario,
    bugs: Bugs,
    reports: &[CheckReport],
    coverage: bool,
) -> String {
    let path = scenario.path.as_deref();
    let mut out: String = reports
        .iter()
        .map(|r| counterexample(&scenario.name, path, bugs, r))
        .collect();
    if coverage {
        out += &coverage_table(reports);
    }
    out
}

/// The lemma's figures with whether it holds: `lemma --json`.
#[derive(Serialize)]
struct LemmaJson<'a> {
    holds: bool,
    #[serde(flatten)]
    report: &'a LemmaReport,
}

/// `lemma --json`.
pub fn lemma_json(r: &LemmaReport) -> Value {
    to_json(LemmaJson {
        holds: r.holds(),
        report: r,
    })
}

/// `lemma`, and the head of `verify`.
pub fn lemma_text(r: &LemmaReport) -> String {
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

/// `daxlock list`: the catalogue's scenarios with their expectations, and the bugs.
pub fn catalogue_list(from: &str, scenarios: &[Scenario]) -> String {
    let mut out = format!("scenarios ({from}):\n");
    for s in scenarios {
        let expect: Vec<String> = s
            .expect
            .iter()
            .map(|(b, v)| format!("{}={v}", b.variant()))
            .collect();
        let _ = writeln!(
            out,
            "  {:<32} {} thread{}  {}",
            s.name,
            s.threads.len(),
            if s.threads.len() == 1 { "" } else { "s" },
            expect.join(" ")
        );
    }
    out += "bugs:\n";
    for b in ALL_BUGS {
        let _ = writeln!(out, "  {:<24} {} [kernel: {}]", b.name, b.summary, b.kernel);
    }
    out
}

/// What `daxlock verify` found: the gate's rows and what is judged over them (the
/// lemma, bug coverage, required branches), as text or JSON.
pub struct Verification<'a> {
    /// The scenarios, in catalogue order.
    pub scenarios: &'a [Scenario],
    /// The gate's rows, in catalogue order.
    pub rows: &'a [GateRow],
    /// The colour lemma.
    pub lemma: &'a LemmaReport,
    /// The target's bugs no row caught.
    pub uncovered: Vec<&'static str>,
    /// Every bug must be caught (the built-in catalogue, or `--require-zoo`).
    pub zoo: bool,
    /// The target the rows ran on.
    pub target: &'a dyn Target,
    /// The rows that did not run, with why ([`Verification::with_skipped`]).
    pub skipped: Vec<Skipped>,
}

/// The tool and its version, as every JSON report names it: `daxlock 0.1.0`.
pub fn tool() -> String {
    format!("daxlock {}", env!("CARGO_PKG_VERSION"))
}

impl<'a> Verification<'a> {
    /// The verification of `rows` on `target`.
    pub fn new(
        scenarios: &'a [Scenario],
        rows: &'a [GateRow],
        lemma: &'a LemmaReport,
        target: &'a dyn Target,
        zoo: bool,
    ) -> Self {
        Verification {
            scenarios,
            rows,
            lemma,
            uncovered: gate::uncovered_bugs_of(rows, target),
            zoo,
            target,
            skipped: Vec::new(),
        }
    }

    /// The same verification, listing and counting `skipped` rows.
    pub fn with_skipped(self, skipped: Vec<Skipped>) -> Self {
        Verification { skipped, ..self }
    }

    /// The rows not as expected.
    pub fn failed(&self) -> Vec<&'a GateRow> {
        self.rows.iter().filter(|r| !r.ok()).collect()
    }

    /// Coverage is demanded and some bug is uncovered.
    pub fn coverage_fails(&self) -> bool {
        self.zoo && !self.uncovered.is_empty()
    }

    /// Every row as expected, the lemma holds, and coverage (if demanded) is complete.
    pub fn ok(&self) -> bool {
        self.failed().is_empty() && self.lemma.holds() && !self.coverage_fails()
    }

    fn unvisited(&self) -> Vec<&'static str> {
        gate::unvisited_branches(self.rows, self.target.visible_branches())
            .iter()
            .map(|b| b.name())
            .collect()
    }

    /// `verify --json`: one object per scenario × variant, and a summary.
    pub fn json(&self) -> Value {
        to_json(self.doc())
    }

    /// The document of `verify --json`.
    pub fn doc(&self) -> VerifyDoc {
        let mut runs = Vec::new();
        for s in self.scenarios {
            for (bugs, _) in gate::expectations(s) {
                // Each row carries what its target expects (the kernel target's may
                // differ from the scenario's).
                let results = self
                    .rows
                    .iter()
                    .filter(|r| r.scenario == s.name && r.bugs == bugs)
                    .map(|row| match &row.report {
                        Ok(r) => result_doc(s.path.as_deref(), bugs, r, Some(row.expected)),
                        Err(e) => error_doc(row.checker, e, row.expected),
                    })
                    .collect();
                runs.push(RunDoc {
                    scenario: s.name.clone(),
                    path: s.path.as_deref().map(|p| p.display().to_string()),
                    target: (self.target.name() != "model").then(|| self.target.describe()),
                    bugs,
                    results,
                    ok: None,
                    tool: None,
                });
            }
        }
        VerifyDoc {
            ok: self.ok(),
            tool: tool(),
            target: self.target.describe(),
            runs,
            skipped: self
                .skipped
                .iter()
                .map(|r| SkippedDoc {
                    scenario: r.scenario.clone(),
                    bugs: r.bugs,
                    checker: r.checker,
                    verdict: "skipped".into(),
                    reason: r.reason.clone(),
                })
                .collect(),
            summary: SummaryDoc {
                rows: self.rows.len(),
                unexpected: self.failed().len(),
                lemma_holds: self.lemma.holds(),
                uncovered_bugs: self.uncovered.clone(),
                zoo_required: self.zoo,
                missed_visits: gate::missed_visits(self.rows)
                    .iter()
                    .map(|(scenario, bs)| MissedDoc {
                        scenario: scenario.to_string(),
                        branches: bs.iter().map(|b| b.name().to_owned()).collect(),
                    })
                    .collect(),
                unvisited_branches: self
                    .target
                    .tracks_branches()
                    .then(|| self.unvisited().into_iter().map(str::to_owned).collect()),
                skipped: self.skipped.len(),
                ok: self.ok(),
            },
        }
    }

    /// `verify`: the lemma, the table, each unexpected row's evidence, what is judged
    /// over the rows, and the closing line CI reads.
    pub fn text(&self) -> String {
        let mut out = lemma_text(self.lemma);
        let _ = writeln!(out);
        let _ = writeln!(out, "target: {}", self.target.describe());
        let w = Widths::of_rows(self.rows, &self.skipped);
        let _ = writeln!(out, "{}", table_header(w));
        for row in self.rows {
            let _ = writeln!(out, "{}", table_row(row, w));
        }
        for row in &self.skipped {
            let _ = writeln!(out, "{}", skipped_row(row, w));
        }
        let _ = writeln!(out);
        let failed = self.failed();
        for row in failed.iter().filter(|r| !r.verdict_ok()) {
            let s = self.scenarios.iter().find(|s| s.name == row.scenario);
            match &row.report {
                Ok(r) => {
                    let _ = writeln!(out, "UNEXPECTED: expected {}", row.expected);
                    out += &counterexample(
                        &row.scenario,
                        s.and_then(|s| s.path.as_deref()),
                        row.bugs,
                        r,
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "UNEXPECTED: {e}");
                }
            }
        }
        for (scenario, branches) in gate::missed_visits(self.rows) {
            for b in branches {
                let _ = writeln!(
                    out,
                    "UNEXPECTED: {scenario} no longer reaches branch {b}: [expect] visits requires it, \
                     and no row of its fixed variant visited it, so its verdicts prove nothing about that race"
                );
            }
        }
        for (bug, why) in self.target.unreachable_bugs() {
            let _ = writeln!(out, "not asked to be caught on this target: {bug}: {why}");
        }
        if self.coverage_fails() {
            let _ = writeln!(
                out,
                "UNEXPECTED: no row of the gate caught these bugs: {}",
                self.uncovered.join(", ")
            );
        } else if !self.zoo {
            let _ = writeln!(
                out,
                "bug coverage not demanded (not the built-in catalogue; --require-zoo demands it)"
            );
        }
        let unvisited = self.unvisited();
        if self.target.tracks_branches() {
            let _ = writeln!(
                out,
                "branches no scenario visits ({} of {}{}): {}",
                unvisited.len(),
                self.target.visible_branches().iter().count(),
                if self.target.visible_branches() == crate::dax::BranchSet::all() {
                    ""
                } else {
                    " this target reports"
                },
                if unvisited.is_empty() {
                    "none".to_owned()
                } else {
                    unvisited.join(", ")
                }
            );
        } else {
            let _ = writeln!(
                out,
                "branch coverage not checked: the {} target does not report the model's branches",
                self.target.name()
            );
        }
        let _ = writeln!(
            out,
            "{} rows, {} as expected, {} unexpected, {} skipped; lemma {}",
            self.rows.len(),
            self.rows.len() - failed.len(),
            failed.len(),
            self.skipped.len(),
            if self.lemma.holds() { "holds" } else { "FAILS" }
        );
        // The plain closing line CI reads: every row, the lemma and (when demanded)
        // bug coverage.
        let checks = self.rows.len() + 1 + usize::from(self.zoo);
        let bad =
            failed.len() + usize::from(!self.lemma.holds()) + usize::from(self.coverage_fails());
        let _ = writeln!(out, "verify: {} passed, {bad} failed", checks - bad);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure on another target reproduces on that target, with the options it
    /// ran with.
    #[test]
    fn reproduce_names_the_target_and_its_patch() {
        let mut report = CheckReport {
            target: "kernel",
            target_args: " --patch writeback-waits".into(),
            ..CheckReport::single(CheckerKind::Pct, Verdict::LostWrite)
        };
        let f = Failure {
            verdict: Verdict::LostWrite,
            execution: 1,
            details: Vec::new(),
            warnings: Vec::new(),
            trace: Vec::new(),
            schedule: Some("s1:0".into()),
        };
        let path = Path::new("verify/fsync-vs-read-fault.toml");
        let line = reproduce(Some(path), Bugs::fixed(), &report, &f);
        assert!(
            line.ends_with("--schedule s1:0 --target kernel --patch writeback-waits"),
            "{line}"
        );
        report.target_args.clear();
        let line = reproduce(Some(path), Bugs::fixed(), &report, &f);
        assert!(line.ends_with("--schedule s1:0 --target kernel"), "{line}");
    }
}
