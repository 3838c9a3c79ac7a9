//! Rendering results as text and JSON: the gate's table and summary,
//! counterexamples, `run`'s and `replay`'s reports, the lemma, the catalogue list.

use crate::check::trace::timeline;
use crate::check::{CheckReport, Failure, Target};
use crate::dax::{Branch, Bugs, ALL_BUGS};
use crate::gate::{self, Skipped};
use crate::lemma::LemmaReport;
use crate::scenario::Scenario;
use crate::schema::{
    reproduce, result_doc, to_json, MissedDoc, Row, RunDoc, SkippedDoc, SummaryDoc, VerifyDoc,
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

    /// A gate row's line: its check's figures, then `ok` or `UNEXPECTED` with the
    /// settings (without the shard), the first failure and any required branch not
    /// visited; a check that could not run shows `error` and dashes.
    pub fn of_gate_row(row: &Row) -> Self {
        let ran = row
            .parts
            .first()
            .and_then(|p| Some((p, p.result.ran()?, p.settings()?)));
        let (executions, verdict, seconds, notes) = match ran {
            Some((p, r, settings)) => (
                format!("{}{}", p.schedules(), if p.complete() { "" } else { "+" }),
                p.outcome().to_string(),
                format!("{:.2}", p.seconds()),
                format!(
                    "  [{}]{}",
                    settings.without_shard(),
                    r.first_failure_at
                        .map(|n| format!(" (first failure at #{n})"))
                        .unwrap_or_default()
                ),
            ),
            None => ("-".into(), "error".into(), "-".into(), String::new()),
        };
        let unvisited = if row.unvisited.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = row.unvisited.iter().map(|b| b.name()).collect();
            format!(" (unvisited: {})", names.join(", "))
        };
        Line {
            scenario: row.scenario.clone(),
            variant: row.variant(),
            checker: row.checker.to_string(),
            shards: None,
            executions,
            verdict,
            expected: row.expected.to_string(),
            seconds,
            result: format!(
                "{}{notes}{unvisited}",
                if row.ok() { "ok" } else { "UNEXPECTED" }
            ),
        }
    }

    /// A merged row's line: the sums over its parts, the shards present, the
    /// verdict of the row as a whole.
    pub fn of_merged_row(row: &Row) -> Self {
        Line {
            scenario: row.scenario.clone(),
            variant: row.variant(),
            checker: row.checker.to_string(),
            shards: Some(row.shards_label()),
            executions: format!(
                "{}{}",
                row.schedules(),
                if row.complete() { "" } else { "+" }
            ),
            verdict: row.outcome().to_string(),
            expected: row.expected.to_string(),
            seconds: format!("{:.2}", row.seconds()),
            result: if row.whole_ok() { "ok" } else { "UNEXPECTED" }.into(),
        }
    }

    /// A skipped gate row's line: verdict `skipped` and why.
    pub fn of_skipped(row: &Skipped) -> Self {
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
    }
}

/// A results table, the gate's or a merge's: `header` and `lines`, in columns wide
/// enough for every line's names ([`Widths::fit`]).
pub fn table(header: &Line, lines: &[Line]) -> String {
    let w = Widths::fit(
        lines
            .iter()
            .map(|l| (l.scenario.clone(), l.variant.clone())),
    );
    let mut out = format!("{}\n", header.render(w));
    for line in lines {
        let _ = writeln!(out, "{}", line.render(w));
    }
    out
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

/// A stateful search's figures on one line (`timed_out`: the check ran out of
/// `--max-seconds`).
pub fn search_line(s: &crate::check::stateful::SearchStats, timed_out: bool) -> String {
    format!(
        "search {}: {} states, {} transitions, {} executions ({} cut at known states), depth {}, {} hang states{}, {:.2} s, {:.0} states/s",
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
        // Failures other than hangs never stop the search: say how many it met.
        if s.failing > 0 {
            format!(", {}", plural(s.failing, "failing execution", "failing executions"))
        } else {
            String::new()
        },
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
    pub rows: &'a [Row],
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
        rows: &'a [Row],
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
    pub fn failed(&self) -> Vec<&'a Row> {
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
                    .flat_map(|row| row.parts.iter().map(|p| p.result.clone()))
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
        out += &self.table();
        let _ = writeln!(out);
        out += &self.evidence();
        out += &self.coverage_lines();
        out += &self.closing_lines();
        out
    }

    /// The gate's table: a line per row, then one per skipped row.
    fn table(&self) -> String {
        let lines: Vec<Line> = self
            .rows
            .iter()
            .map(Line::of_gate_row)
            .chain(self.skipped.iter().map(Line::of_skipped))
            .collect();
        table(&Line::header(false, "schedules"), &lines)
    }

    /// Each row whose verdict is not the expected one, with its counterexample or why
    /// it could not run; then each scenario that no longer reaches a branch it
    /// requires.
    fn evidence(&self) -> String {
        let mut out = String::new();
        for row in self.failed().iter().filter(|r| !r.verdict_ok()) {
            let path = self
                .scenarios
                .iter()
                .find(|s| s.name == row.scenario)
                .and_then(|s| s.path.as_deref());
            for part in &row.parts {
                match (&part.check, part.error()) {
                    (Some(r), _) => {
                        let _ = writeln!(out, "UNEXPECTED: expected {}", row.expected);
                        out += &counterexample(&row.scenario, path, row.bugs, r);
                    }
                    // A result read back (a search split over processes): its
                    // counterexample's reproduce line.
                    (None, None) => {
                        let _ = writeln!(out, "UNEXPECTED: expected {}", row.expected);
                        let _ = writeln!(
                            out,
                            "{} [{}] {}: {} over {} ({})",
                            row.scenario,
                            row.variant(),
                            row.checker,
                            part.outcome(),
                            plural(part.schedules() as usize, "execution", "executions"),
                            part.settings().map(ToString::to_string).unwrap_or_default()
                        );
                        if let Some(f) = part.result.ran().and_then(|r| r.counterexample.as_ref()) {
                            for d in &f.details {
                                let _ = writeln!(out, "  {d}");
                            }
                            let _ = writeln!(out, "  reproduce: {}", f.replay);
                        }
                    }
                    (None, Some(error)) => {
                        let _ = writeln!(out, "UNEXPECTED: {error}");
                    }
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
        out
    }

    /// Bug coverage (the bugs not asked of this target, the uncovered ones) and branch
    /// coverage.
    fn coverage_lines(&self) -> String {
        let mut out = String::new();
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
        out
    }

    /// The counts, and the plain closing line CI reads: every row, the lemma and
    /// (when demanded) bug coverage.
    fn closing_lines(&self) -> String {
        let failed = self.failed().len();
        let mut out = format!(
            "{} rows, {} as expected, {failed} unexpected, {} skipped; lemma {}\n",
            self.rows.len(),
            self.rows.len() - failed,
            self.skipped.len(),
            if self.lemma.holds() { "holds" } else { "FAILS" }
        );
        let checks = self.rows.len() + 1 + usize::from(self.zoo);
        let bad = failed + usize::from(!self.lemma.holds()) + usize::from(self.coverage_fails());
        let _ = writeln!(out, "verify: {} passed, {bad} failed", checks - bad);
        out
    }
}
