//! Merging the JSON reports of shards into one table: `daxlock merge`.
//!
//! Each input is a document printed by `daxlock verify --json` (`{"runs": [...],
//! "summary": {...}}`) or `daxlock run --json` / `replay --json` (`{"scenario",
//! "bugs", "results"}`), typically one per shard of one budget, read through the
//! reports' one schema ([`crate::schema`]). Results are grouped
//! by scenario × variant × checker; a merged row sums the executions (and seconds) of
//! its parts and takes the worst verdict of any part (a hang in any shard is a hang;
//! a part that could not run, verdict `error`, is worse than any verdict). A row
//! whose shards do not add up to the whole split (shard 2/4 missing) and found
//! nothing is `incomplete`, never `verified`.
//!
//! The expected verdict of a row must agree across inputs (else the inputs are not
//! shards of one catalogue); a `run` document without an expectation for its variant
//! is expected to be `verified`, as `run`'s exit code demands. The same sharded check
//! given twice (identical settings, `shard I/N` included) would be counted twice, so
//! it is an error.

use crate::check::stateful::SearchStats;
use crate::check::{CheckerConfig, CheckerKind, Verdict};
use crate::dax::Bugs;
use crate::report::{table, Line};
pub use crate::schema::Outcome;
use crate::schema::{from_json, to_json, Body, FailureDoc, RanDoc, ResultDoc, RunDoc, VerifyDoc};
use crate::schema::{Part, Row, RowId};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;

/// An input that cannot be merged: unreadable, not JSON, not a `run` or `verify`
/// report, or not a shard of the same catalogue as the inputs before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError {
    /// The input at fault, as named on the command line.
    pub file: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for MergeError {}

/// The merge of any number of reports.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// The inputs, in order.
    pub files: Vec<String>,
    /// The rows, in order of first appearance.
    pub rows: Vec<Row>,
    /// The colour lemma held in every `verify` report (`None`: no `verify` report).
    pub lemma_holds: Option<bool>,
    /// Some `verify` report demanded that every zoo bug be caught.
    pub zoo_required: bool,
    /// Bugs some report could re-introduce: those its summary lists uncovered and
    /// those a single-bug row re-introduced.
    bugs: BTreeSet<&'static str>,
    index: HashMap<(String, Bugs, CheckerKind), usize>,
}

fn bad(file: &str, message: impl Into<String>) -> MergeError {
    MergeError {
        file: file.to_owned(),
        message: message.into(),
    }
}

/// The reports `daxlock merge` takes.
const SHAPE: &str =
    "not a daxlock report (expected what `daxlock verify --json` or `daxlock run --json` prints)";

impl Merged {
    /// Nothing merged yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and merges the report in `path`.
    pub fn add_file(&mut self, path: &Path) -> Result<(), MergeError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| bad(&name, e.to_string()))?;
        self.add_text(&name, &text)
    }

    /// Merges a report's text, read from `file`.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), MergeError> {
        if text.trim().is_empty() {
            return Err(bad(file, format!("empty: {SHAPE}")));
        }
        let doc: Value =
            serde_json::from_str(text).map_err(|e| bad(file, format!("not JSON: {e}")))?;
        self.add(file, &doc)
    }

    /// Merges one report (a `verify` or `run` document). On error nothing of it is
    /// merged.
    pub fn add(&mut self, file: &str, doc: &Value) -> Result<(), MergeError> {
        let Some(obj) = doc.as_object() else {
            return Err(bad(file, SHAPE));
        };
        if obj.contains_key("merged") {
            return Err(bad(
                file,
                "already a merged report: merge the reports it was merged from",
            ));
        }
        let mut staged = self.clone();
        staged.files.push(file.to_owned());
        if let Some(runs) = obj.get("runs") {
            if !runs.is_array() {
                return Err(bad(file, "`runs` is not a list"));
            }
            let report: VerifyDoc = from_json(doc).map_err(|e| bad(file, locate(doc, e)))?;
            let summary = report.summary;
            staged.lemma_holds = Some(staged.lemma_holds.unwrap_or(true) && summary.lemma_holds);
            staged.zoo_required |= summary.zoo_required;
            staged.bugs.extend(summary.uncovered_bugs);
            for (i, run) in report.runs.into_iter().enumerate() {
                staged.add_run(file, &format!("runs[{i}]"), run, true)?;
            }
        } else if obj.contains_key("scenario") && obj.contains_key("results") {
            let run: RunDoc = from_json(doc).map_err(|e| bad(file, locate(doc, e)))?;
            staged.add_run(file, "", run, false)?;
        } else {
            return Err(bad(file, SHAPE));
        }
        *self = staged;
        Ok(())
    }

    /// One scenario variant's results; `gate`: from a `verify` report (every result
    /// states its expectation). `at` names the run in the report.
    fn add_run(&mut self, file: &str, at: &str, run: RunDoc, gate: bool) -> Result<(), MergeError> {
        if let [bug] = run.bugs.names()[..] {
            self.bugs.insert(bug);
        }
        for (j, r) in run.results.into_iter().enumerate() {
            let missing = |what: &str| bad(file, format!("{}: {what}", within(at, j)));
            let expected = match r.expected {
                Some(v) => v,
                None if gate => return Err(missing("no `expected` verdict")),
                None => Verdict::Verified,
            };
            if r.schedules.is_none() && r.verdict != Outcome::Error {
                return Err(missing("no `schedules`"));
            }
            let id = RowId {
                scenario: run.scenario.clone(),
                bugs: run.bugs,
                checker: r.checker,
                expected,
            };
            let part = Part {
                file: file.to_owned(),
                result: r,
                check: None,
            };
            self.push(file, id, part)?;
        }
        Ok(())
    }

    /// Adds `part` to the row `id` names, a new row if none does yet; refuses a part
    /// that disagrees with the row's expectation or repeats or re-splits one of its
    /// shards.
    fn push(&mut self, file: &str, id: RowId, part: Part) -> Result<(), MergeError> {
        let key = (id.scenario.clone(), id.bugs, id.checker);
        let Some(&i) = self.index.get(&key) else {
            self.index.insert(key, self.rows.len());
            self.rows.push(Row {
                id,
                parts: vec![part],
                unvisited: Vec::new(),
            });
            return Ok(());
        };
        let row = &mut self.rows[i];
        let name = row.name();
        let expected = id.expected;
        if row.expected != expected {
            return Err(bad(
                file,
                format!(
                    "{name} is expected {expected} here but {} in {}: not shards of one catalogue",
                    row.expected, row.parts[0].file
                ),
            ));
        }
        if let Some((shard, rest)) = part.shard() {
            for other in &row.parts {
                let Some((s, r)) = other.shard() else {
                    continue;
                };
                if r.without_shard() != rest.without_shard() {
                    continue;
                }
                if s == shard {
                    return Err(bad(
                        file,
                        format!(
                            "{name} ({}) is also in {}: the same shard twice would count its executions twice",
                            part.settings().map(ToString::to_string).unwrap_or_default(),
                            other.file
                        ),
                    ));
                }
                if s.count != shard.count {
                    return Err(bad(
                        file,
                        format!(
                            "{name}: shard {}/{} here but shard {}/{} in {}: one budget split two ways",
                            shard.index, shard.count, s.index, s.count, other.file
                        ),
                    ));
                }
            }
        }
        row.parts.push(part);
        Ok(())
    }

    /// The rows grouped by scenario variant (in order of first appearance), each
    /// group's checkers in order of first appearance: the order of the table.
    pub fn ordered_rows(&self) -> Vec<&Row> {
        let mut groups: Vec<(&str, Bugs)> = Vec::new();
        for r in &self.rows {
            let key = (r.scenario.as_str(), r.bugs);
            if !groups.contains(&key) {
                groups.push(key);
            }
        }
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|r| {
            groups
                .iter()
                .position(|g| *g == (r.scenario.as_str(), r.bugs))
        });
        rows
    }

    /// Rows whose merged verdict is not the expected one.
    pub fn unexpected(&self) -> usize {
        self.rows.iter().filter(|r| !r.whole_ok()).count()
    }

    /// Bugs that no merged row caught: a bug is caught by a row that re-introduced it
    /// alone and whose merged verdict is the failing verdict its scenario expects (as
    /// the gate counts coverage).
    pub fn uncovered_bugs(&self) -> Vec<&'static str> {
        crate::gate::uncaught(
            self.bugs.iter().copied(),
            self.rows.iter().map(|r| (&r.id, r.whole_ok())),
        )
    }

    /// Coverage was demanded and some bug is uncovered.
    pub fn coverage_fails(&self) -> bool {
        self.zoo_required && !self.uncovered_bugs().is_empty()
    }

    /// Every merged row as expected, the lemma held wherever it ran, and coverage (if
    /// demanded) complete.
    pub fn ok(&self) -> bool {
        self.unexpected() == 0 && self.lemma_holds != Some(false) && !self.coverage_fails()
    }

    /// The merged table, the unexpected rows with their evidence, and the summary
    /// lines, ending `merge: P passed, F failed`.
    pub fn text(&self) -> String {
        let mut out = format!(
            "merged {} report{}: {}\n",
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            self.files.join(", ")
        );
        let ordered = self.ordered_rows();
        let lines: Vec<Line> = ordered.iter().map(|r| Line::of_merged_row(r)).collect();
        out += &table(&Line::header(true, "executions"), &lines);
        out.push('\n');
        for r in ordered.iter().filter(|r| !r.whole_ok()) {
            out += &evidence(r);
        }
        out += &self.judgement();
        out
    }

    /// What is judged over the merged rows: bug coverage, the counts and the lemma,
    /// and the closing line CI reads.
    fn judgement(&self) -> String {
        let mut out = String::new();
        if self.coverage_fails() {
            let _ = writeln!(
                out,
                "UNEXPECTED: no merged row caught these bugs: {}",
                self.uncovered_bugs().join(", ")
            );
        } else if !self.zoo_required {
            let _ = writeln!(out, "bug coverage not demanded by these reports");
        }
        let unexpected = self.unexpected();
        let lemma = match self.lemma_holds {
            Some(true) => "holds",
            Some(false) => "FAILS",
            None => "not in these reports",
        };
        let _ = writeln!(
            out,
            "{} rows, {} as expected, {unexpected} unexpected; lemma {lemma}",
            self.rows.len(),
            self.rows.len() - unexpected
        );
        let checks = self.rows.len()
            + usize::from(self.lemma_holds.is_some())
            + usize::from(self.zoo_required);
        let failed = unexpected
            + usize::from(self.lemma_holds == Some(false))
            + usize::from(self.coverage_fails());
        let _ = writeln!(out, "merge: {} passed, {failed} failed", checks - failed);
        out
    }

    /// The merged report: `verify --json`'s shape (`runs`, `summary`) plus `merged`
    /// (the inputs); each result has its parts and shards.
    pub fn to_json(&self) -> Value {
        let mut runs: Vec<MergedRun> = Vec::new();
        for r in self.ordered_rows() {
            let i = match runs
                .iter()
                .position(|run| run.scenario == r.scenario && run.bugs == r.bugs.names())
            {
                Some(i) => i,
                None => {
                    runs.push(MergedRun {
                        scenario: &r.scenario,
                        bugs: r.bugs.names(),
                        results: Vec::new(),
                    });
                    runs.len() - 1
                }
            };
            runs[i].results.push(merged_result(r));
        }
        to_json(MergedDoc {
            merged: MergedFiles { files: &self.files },
            runs,
            summary: MergedSummary {
                rows: self.rows.len(),
                unexpected: self.unexpected(),
                lemma_holds: self.lemma_holds,
                uncovered_bugs: self.uncovered_bugs(),
                zoo_required: self.zoo_required,
                ok: self.ok(),
            },
        })
    }
}

/// A merged row as `merge --json` writes it: the sums, the worst verdict, each
/// part, and the worst part's counterexample.
fn merged_result(r: &Row) -> MergedResult<'_> {
    let worst = r.worst_part();
    let splits = r.splits();
    MergedResult {
        checker: r.checker,
        verdict: r.outcome(),
        expected: r.expected,
        schedules: r.schedules(),
        complete: r.complete(),
        timed_out: r.parts.iter().any(Part::timed_out),
        seconds: (r.seconds() * 1000.0).round() / 1000.0,
        shards: (!splits.is_empty()).then(|| MergedShards {
            seen: splits.values().map(|s| s.seen.len()).sum(),
            of: splits.values().map(|s| s.count).sum(),
            missing: r.missing_shards(),
        }),
        parts: r
            .parts
            .iter()
            .map(|p| MergedPart {
                file: &p.file,
                settings: p.settings(),
                verdict: p.outcome(),
                schedules: p.schedules(),
                complete: p.complete(),
                error: p.error(),
            })
            .collect(),
        counterexample: worst.and_then(Part::counterexample),
        counterexample_from: worst
            .filter(|p| p.counterexample().is_some())
            .map(|p| MergedFrom {
                file: &p.file,
                settings: p.settings(),
            }),
    }
}

/// An unexpected merged row's evidence: the verdict against the expectation, the
/// shards missing, and each part that differs with how to reproduce it.
fn evidence(row: &Row) -> String {
    let mut out = format!(
        "UNEXPECTED: {}: {}, expected {}\n",
        row.name(),
        row.outcome(),
        row.expected
    );
    let missing = row.missing_shards();
    if !missing.is_empty() {
        let _ = writeln!(out, "  missing: {}", missing.join(", "));
    }
    let differ = row
        .parts
        .iter()
        .filter(|p| p.outcome() != Outcome::Ran(row.expected));
    for p in differ {
        let settings = p
            .settings()
            .map_or_else(|| "no settings".to_owned(), ToString::to_string);
        let _ = write!(out, "  {} ({settings}): {}", p.file, p.outcome());
        if let Some(e) = p.error() {
            let _ = write!(out, ": {e}");
        }
        if let Some(cmd) = p.reproduce() {
            let _ = write!(out, "; reproduce: {cmd}");
        }
        out.push('\n');
    }
    out
}

/// `merge --json`: `verify --json`'s shape (`runs`, `summary`) plus `merged`. Only
/// written: `merge` refuses a merged report as input.
#[derive(Serialize)]
struct MergedDoc<'a> {
    merged: MergedFiles<'a>,
    runs: Vec<MergedRun<'a>>,
    summary: MergedSummary,
}

/// The inputs of a merge.
#[derive(Serialize)]
struct MergedFiles<'a> {
    files: &'a [String],
}

/// One scenario variant's merged rows.
#[derive(Serialize)]
struct MergedRun<'a> {
    scenario: &'a str,
    bugs: Vec<&'static str>,
    results: Vec<MergedResult<'a>>,
}

/// One merged row: the sums, the worst verdict, each part.
#[derive(Serialize)]
struct MergedResult<'a> {
    checker: CheckerKind,
    verdict: Outcome,
    expected: Verdict,
    schedules: u64,
    complete: bool,
    timed_out: bool,
    seconds: f64,
    shards: Option<MergedShards>,
    parts: Vec<MergedPart<'a>>,
    counterexample: Option<&'a FailureDoc>,
    counterexample_from: Option<MergedFrom<'a>>,
}

/// Shards present and missing of a merged row.
#[derive(Serialize)]
struct MergedShards {
    seen: usize,
    of: usize,
    missing: Vec<String>,
}

/// One input's part of a merged row.
#[derive(Serialize)]
struct MergedPart<'a> {
    file: &'a str,
    settings: Option<&'a CheckerConfig>,
    verdict: Outcome,
    schedules: u64,
    complete: bool,
    error: Option<&'a str>,
}

/// Which part the merged counterexample is from.
#[derive(Serialize)]
struct MergedFrom<'a> {
    file: &'a str,
    settings: Option<&'a CheckerConfig>,
}

/// The summary of a merge.
#[derive(Serialize)]
struct MergedSummary {
    rows: usize,
    unexpected: usize,
    lemma_holds: Option<bool>,
    uncovered_bugs: Vec<&'static str>,
    zoo_required: bool,
    ok: bool,
}

/// `runs[3].results[2]`, or `results[2]` in a `run` report.
fn within(run: &str, result: usize) -> String {
    if run.is_empty() {
        format!("results[{result}]")
    } else {
        format!("{run}.results[{result}]")
    }
}

/// Where in `doc` a report does not read (`error`): the first result, then run,
/// that does not read on its own is named; else the document's error as is.
fn locate(doc: &Value, error: String) -> String {
    let runs: Vec<(String, &Value)> = match doc.get("runs").and_then(Value::as_array) {
        Some(runs) => runs
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("runs[{i}]"), r))
            .collect(),
        None => vec![(String::new(), doc)],
    };
    for (at, run) in runs {
        let results = run.get("results").and_then(Value::as_array);
        for (j, r) in results.into_iter().flatten().enumerate() {
            if let Err(e) = from_json::<ResultDoc>(r) {
                return format!("{}: {e}", within(&at, j));
            }
        }
        if let Err(e) = from_json::<RunDoc>(run) {
            return if at.is_empty() {
                e
            } else {
                format!("{at}: {e}")
            };
        }
    }
    if let Some(Err(e)) = doc
        .get("summary")
        .map(from_json::<crate::schema::SummaryDoc>)
    {
        return format!("summary: {e}");
    }
    error
}

/// The results of the processes of one stateful search split over a shared
/// visited set (`--jobs N` on a serial target: each process reports its shard of
/// the search) as the one search they are: the worst verdict of any, executions
/// and states summed (each state is stored by one process), complete when every
/// process completed its part, `seconds` the wall time, and `settings` (with its
/// jobs) stated, so the table and the rerun line say `jobs N`. The worst part's
/// counterexample is the counterexample; the others' are lesser failures. A part
/// that could not run makes the whole an error.
pub fn one_search(
    parts: Vec<ResultDoc>,
    settings: &CheckerConfig,
    seconds: f64,
    expected: Verdict,
) -> ResultDoc {
    let Some(worst) = parts.iter().map(|p| p.verdict).max() else {
        return crate::schema::error_doc(settings.kind(), &"no process ran", expected);
    };
    if let Some(error) = parts.iter().find(|p| p.error().is_some()) {
        return ResultDoc {
            expected: Some(expected),
            ..error.clone()
        };
    }
    let rerun = settings.run_flags();
    // A failure without a schedule is reproduced by a rerun: of the whole search.
    let restate = |mut f: FailureDoc, part: &ResultDoc| {
        let own = part.settings.as_ref().and_then(CheckerConfig::run_flags);
        if let (None, Some(own), Some(rerun)) = (&f.schedule, own, &rerun) {
            f.replay = f.replay.replace(&own, rerun);
        }
        f
    };
    let first = parts.iter().position(|p| p.verdict == worst).unwrap_or(0);
    let mut ran: RanDoc = parts[first].ran().cloned().unwrap_or_default();
    ran.seconds = seconds;
    ran.counterexample = ran.counterexample.map(|f| restate(f, &parts[first]));
    ran.lesser_failures = Vec::new();
    let mut search: Option<SearchStats> = None;
    for (i, part) in parts.iter().enumerate() {
        let Some(r) = part.ran() else { continue };
        ran.timed_out |= r.timed_out;
        if i != first {
            ran.coverage.merge(&r.coverage);
            ran.lesser_failures
                .extend(r.counterexample.iter().cloned().map(|f| restate(f, part)));
        }
        ran.lesser_failures
            .extend(r.lesser_failures.iter().cloned().map(|f| restate(f, part)));
        let Some(s) = r
            .search
            .as_ref()
            .and_then(|v| from_json::<SearchStats>(v).ok())
        else {
            continue;
        };
        search = Some(match search {
            None => s,
            Some(t) => SearchStats {
                states: t.states + s.states,
                transitions: t.transitions + s.transitions,
                executions: t.executions + s.executions,
                cut: t.cut + s.cut,
                max_depth: t.max_depth.max(s.max_depth),
                hangs: t.hangs + s.hangs,
                failing: t.failing + s.failing,
                complete: t.complete && s.complete,
                ..t
            },
        });
    }
    ran.search = search.map(|s| {
        crate::schema::search_json(SearchStats {
            jobs: parts.len(),
            seconds,
            ..s
        })
    });
    ResultDoc {
        checker: settings.kind(),
        settings: Some(settings.clone()),
        verdict: worst,
        expected: Some(expected),
        schedules: Some(parts.iter().filter_map(|p| p.schedules).sum()),
        complete: parts.iter().all(|p| p.complete),
        body: Body::Ran(Box::new(ran)),
    }
}

/// Reads and merges the reports in `paths`, in order.
pub fn merge_files<P: AsRef<Path>>(paths: &[P]) -> Result<Merged, MergeError> {
    let mut m = Merged::new();
    for p in paths {
        m.add_file(p.as_ref())?;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A result as `run --json` and `verify --json` print it.
    fn result(checker: &str, settings: &str, verdict: &str, expected: &str, n: u64) -> Value {
        let counterexample = (verdict != "verified").then(|| {
            json!({"verdict": verdict, "execution": 1,
                   "replay": format!("daxlock replay s.toml --schedule {settings}")})
        });
        json!({"checker": checker, "settings": settings, "verdict": verdict,
               "expected": expected, "schedules": n, "complete": verdict == "verified",
               "timed_out": false, "seconds": 0.5, "counterexample": counterexample})
    }

    fn verify_doc(runs: Vec<Value>, uncovered: &[&str]) -> Value {
        // Coverage is demanded of the reports that list a bug uncovered.
        json!({"runs": runs, "summary": {"rows": 0, "unexpected": 0, "lemma_holds": true,
               "uncovered_bugs": uncovered, "zoo_required": !uncovered.is_empty(), "ok": true}})
    }

    fn run(scenario: &str, bugs: &[&str], results: Vec<Value>) -> Value {
        json!({"scenario": scenario, "bugs": bugs, "results": results})
    }

    /// The processes of one split search make one result: the worst verdict, the
    /// executions and states summed, complete only when every part is, the settings
    /// with their jobs (and a rerun line saying `--jobs 2`), the other part's failure
    /// a lesser one; a part that could not run makes it an error.
    #[test]
    fn processes_make_one_search() {
        let part = |i: usize, verdict: &str, states: u64, complete: bool| {
            let mut v = result(
                "stateful",
                &format!("max-states 9 shard {i}/2"),
                verdict,
                "hang",
                5,
            );
            v["complete"] = complete.into();
            v["search"] = json!({"states": states, "transitions": 1, "executions": 5, "cut": 1,
                "max_depth": 3 + i, "hangs": 0, "failing": 0, "complete": complete,
                "max_states": 9, "jobs": 1, "seconds": 1.0, "por": false});
            if let Some(c) = v["counterexample"].as_object_mut() {
                c.insert(
                    "replay".into(),
                    json!(format!(
                        "daxlock run s.toml --checker stateful --max-states 9 --shard {i}/2"
                    )),
                );
            }
            from_json::<ResultDoc>(&v).unwrap()
        };
        let settings: CheckerConfig = "max-states 9 jobs 2".parse().unwrap();
        let r = one_search(
            vec![part(0, "verified", 4, true), part(1, "hang", 3, false)],
            &settings,
            2.5,
            Verdict::Hang,
        );
        assert_eq!(r.verdict, Outcome::Ran(Verdict::Hang));
        assert_eq!((r.schedules, r.complete), (Some(10), false));
        assert_eq!(
            r.settings
                .as_ref()
                .map(CheckerConfig::without_shard)
                .as_deref(),
            Some("max-states 9 jobs 2")
        );
        let ran = r.ran().unwrap();
        let search = ran.search.as_ref().unwrap();
        assert_eq!(
            (search["states"].as_u64(), search["jobs"].as_u64()),
            (Some(7), Some(2))
        );
        assert_eq!(search["max_depth"].as_u64(), Some(4));
        assert_eq!(ran.seconds, 2.5);
        let replay = &ran.counterexample.as_ref().unwrap().replay;
        assert!(replay.ends_with("--max-states 9 --jobs 2"), "{replay}");
        let r = one_search(
            vec![part(0, "hang", 4, true), part(1, "hang", 3, true)],
            &settings,
            1.0,
            Verdict::Hang,
        );
        assert_eq!(r.ran().unwrap().lesser_failures.len(), 1);
        let error = crate::schema::error_doc(CheckerKind::Stateful, &"no tree", Verdict::Hang);
        let r = one_search(
            vec![part(0, "hang", 4, true), error],
            &settings,
            1.0,
            Verdict::Hang,
        );
        assert_eq!((r.verdict, r.error()), (Outcome::Error, Some("no tree")));
    }

    /// Two shards of one fixed-build check: executions add up, the verdict holds, the
    /// row is complete.
    #[test]
    fn shards_sum_executions() {
        let mut m = Merged::new();
        for i in 0..2 {
            let r = result(
                "pct",
                &format!("depth 3 seed 0 shard {i}/2"),
                "verified",
                "verified",
                10 + i,
            );
            m.add(
                &format!("s{i}.json"),
                &verify_doc(vec![run("a", &[], vec![r])], &[]),
            )
            .unwrap();
        }
        assert_eq!(m.rows.len(), 1);
        let row = &m.rows[0];
        assert_eq!(row.schedules(), 21);
        assert_eq!(row.outcome(), Outcome::Ran(Verdict::Verified));
        assert!(row.complete() && row.ok() && m.ok());
        assert_eq!(row.shards_label(), "2/2");
        assert!((row.seconds() - 1.0).abs() < 1e-9);
        let text = m.text();
        assert!(text.contains("merge: 2 passed, 0 failed"), "{text}");
    }

    /// The worst verdict wins: a hang in one shard is the row's verdict, as expected
    /// of a bug variant, and covers the bug; the other shard's `verified` is not.
    #[test]
    fn worst_verdict_wins_and_covers() {
        let mut m = Merged::new();
        let rows = [("verified", 50), ("hang", 3)];
        for (i, (v, n)) in rows.into_iter().enumerate() {
            let r = result(
                "stateful",
                &format!("max-states 9 shard {i}/2"),
                v,
                "hang",
                n,
            );
            let doc = verify_doc(vec![run("a", &["no-recheck"], vec![r])], &["no-recheck"]);
            m.add(&format!("s{i}.json"), &doc).unwrap();
        }
        let row = &m.rows[0];
        assert_eq!(row.outcome(), Outcome::Ran(Verdict::Hang));
        assert_eq!(row.schedules(), 53);
        assert_eq!(row.worst_part().unwrap().file, "s1.json");
        assert!(m.uncovered_bugs().is_empty(), "{:?}", m.uncovered_bugs());
        assert!(m.ok());
        let doc = m.to_json();
        assert_eq!(doc["summary"]["ok"], true);
        assert_eq!(doc["runs"][0]["results"][0]["verdict"], "hang");
        assert_eq!(
            doc["runs"][0]["results"][0]["counterexample_from"]["file"],
            "s1.json"
        );
        assert_eq!(doc["merged"]["files"][1], "s1.json");
    }

    /// A hang where `verified` is expected fails the merge and names the shard and its
    /// replay command; an error row is worse than any verdict.
    #[test]
    fn unexpected_rows_fail_with_evidence() {
        let mut m = Merged::new();
        let a = result("random", "seed 0 shard 0/2", "verified", "verified", 5);
        let b = result("random", "seed 0 shard 1/2", "hang", "verified", 2);
        m.add("a.json", &verify_doc(vec![run("s", &[], vec![a])], &[]))
            .unwrap();
        m.add("b.json", &verify_doc(vec![run("s", &[], vec![b])], &[]))
            .unwrap();
        assert!(!m.ok());
        let text = m.text();
        assert!(
            text.contains("UNEXPECTED: s [fixed] random: hang, expected verified"),
            "{text}"
        );
        assert!(
            text.contains("b.json (seed 0 shard 1/2): hang; reproduce: daxlock replay"),
            "{text}"
        );
        assert!(text.contains("merge: 1 passed, 1 failed"), "{text}");

        let err = json!({"checker": "pct", "verdict": "error", "expected": "hang",
                         "error": "runs no execution"});
        let hang = result("pct", "depth 3 seed 0 shard 0/2", "hang", "hang", 1);
        let mut m = Merged::new();
        m.add(
            "a.json",
            &verify_doc(vec![run("s", &["misaligned-pmd"], vec![hang])], &[]),
        )
        .unwrap();
        m.add(
            "b.json",
            &verify_doc(vec![run("s", &["misaligned-pmd"], vec![err])], &[]),
        )
        .unwrap();
        assert_eq!(m.rows[0].outcome(), Outcome::Error);
        assert!(m
            .text()
            .contains("b.json (no settings): error: runs no execution"));
        assert_eq!(m.uncovered_bugs(), ["misaligned-pmd"]);
    }

    /// Coverage, when a report demands it, is over the merged rows: a bug whose row
    /// missed it in every shard fails the merge; the lemma failing anywhere fails it.
    #[test]
    fn coverage_and_lemma_fail_the_merge() {
        let mut m = Merged::new();
        for i in 0..2 {
            let r = result("pct", &format!("seed 0 shard {i}/2"), "verified", "hang", 9);
            let doc = verify_doc(vec![run("a", &["no-recheck"], vec![r])], &["no-recheck"]);
            m.add(&format!("s{i}.json"), &doc).unwrap();
        }
        assert!(m.zoo_required && m.coverage_fails() && !m.ok());
        let text = m.text();
        assert!(
            text.contains("no merged row caught these bugs: no-recheck"),
            "{text}"
        );
        assert!(text.contains("merge: 1 passed, 2 failed"), "{text}");

        let mut doc = verify_doc(vec![], &[]);
        doc["summary"]["lemma_holds"] = json!(false);
        let mut m = Merged::new();
        m.add("l.json", &doc).unwrap();
        assert_eq!(m.lemma_holds, Some(false));
        assert!(!m.ok() && m.text().contains("lemma FAILS"));
    }

    /// A split with a shard missing proves nothing: `incomplete`, and says which.
    #[test]
    fn missing_shards_are_incomplete() {
        let mut m = Merged::new();
        for i in [0, 2] {
            let r = result(
                "pct",
                &format!("depth 3 seed 0 shard {i}/3"),
                "verified",
                "verified",
                4,
            );
            m.add(
                &format!("s{i}.json"),
                &verify_doc(vec![run("a", &[], vec![r])], &[]),
            )
            .unwrap();
        }
        let row = &m.rows[0];
        assert_eq!(
            row.missing_shards(),
            vec!["depth 3 seed 0 shard 1/3".to_owned()]
        );
        assert_eq!(row.outcome(), Outcome::Ran(Verdict::Incomplete));
        assert_eq!(row.shards_label(), "2/3");
        assert!(!row.complete() && !m.ok());
        assert!(m.text().contains("missing: depth 3 seed 0 shard 1/3"));
    }

    /// Reports that are not shards of one budget are refused, naming the file: the
    /// same shard twice, one budget split two ways, disagreeing expectations.
    #[test]
    fn inconsistent_inputs_are_errors() {
        let doc = |settings: &str, expected: &str| {
            verify_doc(
                vec![run(
                    "a",
                    &[],
                    vec![result("pct", settings, "verified", expected, 1)],
                )],
                &[],
            )
        };
        let mut m = Merged::new();
        m.add("a.json", &doc("seed 1 shard 0/2", "verified"))
            .unwrap();
        let e = m
            .add("b.json", &doc("seed 1 shard 0/2", "verified"))
            .unwrap_err();
        assert_eq!(e.file, "b.json");
        assert!(e.message.contains("same shard twice"), "{e}");
        let e = m
            .add("c.json", &doc("seed 1 shard 1/4", "verified"))
            .unwrap_err();
        assert!(e.message.contains("split two ways"), "{e}");
        let e = m
            .add("d.json", &doc("seed 1 shard 1/2", "hang"))
            .unwrap_err();
        assert!(e.message.contains("not shards of one catalogue"), "{e}");
        // A refused report leaves nothing behind; another seed is another split.
        assert_eq!(m.files, vec!["a.json".to_owned()]);
        m.add("e.json", &doc("seed 2 shard 0/1", "verified"))
            .unwrap();
        assert_eq!(m.rows[0].parts.len(), 2);
        assert_eq!(m.rows[0].shards_label(), "2/3");
    }

    /// Malformed inputs: each is refused with a reason.
    #[test]
    fn malformed_inputs_are_errors() {
        let cases = [
            ("", "empty"),
            ("{", "not JSON"),
            ("[1]", "not a daxlock report"),
            ("{\"x\": 1}", "not a daxlock report"),
            ("{\"runs\": [], \"summary\": {}}", "lemma_holds"),
            ("{\"runs\": {}, \"summary\": {}}", "`runs` is not a list"),
            (
                "{\"scenario\": \"a\", \"bugs\": [], \"results\": [{\"checker\": \"pct\", \"verdict\": \"meh\", \"schedules\": 1}]}",
                "results[0]: unknown verdict `meh`",
            ),
            (
                "{\"scenario\": \"a\", \"bugs\": [], \"results\": [{\"checker\": \"pct\", \"verdict\": \"hang\"}]}",
                "no `schedules`",
            ),
            ("{\"merged\": {}, \"runs\": []}", "already a merged report"),
        ];
        for (text, needle) in cases {
            let e = Merged::new().add_text("x.json", text).unwrap_err();
            assert_eq!(e.file, "x.json");
            assert!(e.to_string().contains(needle), "{text}: {e}");
        }
        let e = merge_files(&["/nonexistent/daxlock.json"]).unwrap_err();
        assert!(
            e.to_string().starts_with("/nonexistent/daxlock.json: "),
            "{e}"
        );
    }

    /// A `run --json` document merges too; without an expectation it is expected to
    /// verify. Loom, unsharded, has no shards.
    #[test]
    fn run_documents_merge() {
        let mut loom = result("loom", "bound 3", "verified", "verified", 7);
        loom["expected"] = Value::Null;
        let doc = run("a", &[], vec![loom]);
        let mut m = Merged::new();
        m.add_text("r.json", &doc.to_string()).unwrap();
        assert_eq!(m.rows[0].expected, Verdict::Verified);
        assert_eq!(m.rows[0].shards_label(), "-");
        assert!(m.ok());
        assert_eq!(m.lemma_holds, None);
        assert!(m.text().contains("merge: 1 passed, 0 failed"));
    }

    /// Rows from reports of different checkers come out grouped by scenario variant.
    #[test]
    fn rows_are_grouped_by_variant() {
        let mut m = Merged::new();
        for c in ["pct", "random"] {
            let runs = ["a", "b"]
                .map(|s| {
                    run(
                        s,
                        &[],
                        vec![result(c, "seed 0 shard 0/1", "verified", "verified", 1)],
                    )
                })
                .to_vec();
            m.add(&format!("{c}.json"), &verify_doc(runs, &[])).unwrap();
        }
        let order: Vec<String> = m
            .ordered_rows()
            .iter()
            .map(|r| format!("{} {}", r.scenario, r.checker))
            .collect();
        assert_eq!(order, ["a pct", "a random", "b pct", "b random"]);
        assert_eq!(m.to_json()["runs"][0]["results"][1]["checker"], "random");
    }

    /// The one row type round-trips: the gate's rows (one that verified, one that
    /// found its bug with a counterexample, one that could not run), written by
    /// `verify --json` and merged back, are the same rows with the same results,
    /// judged and printed alike. The comparison sees a changed field.
    #[test]
    fn gate_rows_read_back_as_themselves() {
        use crate::gate::{self, Budget};
        use crate::lemma::LemmaReport;
        use crate::report::Verification;
        let scenarios: Vec<_> = crate::scenario::builtin_catalogue()
            .unwrap()
            .into_iter()
            .filter(|s| ["bug-no-recheck", "fsync-vs-read-fault"].contains(&s.name.as_str()))
            .collect();
        let budget = Budget::with(crate::check::plan::Overrides {
            iterations: Some(20),
            checkers: Some(vec![CheckerKind::Pct, CheckerKind::Random]),
            ..Default::default()
        });
        let mut rows = gate::verify(&scenarios, &budget, |_| {});
        let id = RowId {
            checker: CheckerKind::Stateful,
            ..rows[0].id.clone()
        };
        let error = crate::check::CheckError::NoExecution {
            name: id.scenario.clone(),
            variant: id.bugs.variant(),
            checker: id.checker,
            budget: "0 states".into(),
        };
        rows.insert(1, Row::of_check(id, None, Err(error)));
        assert!(rows.iter().any(|r| r.parts[0].counterexample().is_some()));
        assert!(rows.iter().any(|r| r.parts[0].error().is_some()));
        // A lemma that holds (no violations).
        let lemma = LemmaReport::default();
        let v = Verification::new(&scenarios, &rows, &lemma, &crate::check::Model, false);
        let text = v.json().to_string();
        let mut m = Merged::new();
        m.add_text("gate.json", &text).unwrap();
        assert_eq!(m.rows.len(), rows.len());
        for gate_row in &rows {
            let read = m.rows.iter().find(|r| r.id == gate_row.id).unwrap();
            assert_eq!(read.parts.len(), 1);
            let (a, b) = (&gate_row.parts[0], &read.parts[0]);
            assert_eq!((b.file.as_str(), b.check.is_none()), ("gate.json", true));
            assert_eq!(to_json(&b.result), to_json(&a.result), "{}", read.name());
            assert_eq!(read.whole_ok(), gate_row.ok(), "{}", read.name());
            let (g, r) = (Line::of_gate_row(gate_row), Line::of_merged_row(read));
            assert_eq!(
                (&g.scenario, &g.variant, &g.checker, &g.expected),
                (&r.scenario, &r.variant, &r.checker, &r.expected)
            );
            assert_eq!(g.verdict, r.verdict);
        }
        // A changed result reads back as a different one.
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        doc["runs"][0]["results"][0]["schedules"] = json!(12345);
        let mut changed = Merged::new();
        changed.add("gate.json", &doc).unwrap();
        let first = &changed.rows[0];
        let gate_row = rows.iter().find(|r| r.id == first.id).unwrap();
        assert_ne!(
            to_json(&first.parts[0].result),
            to_json(&gate_row.parts[0].result)
        );
    }

    #[test]
    fn shard_is_split_out_of_settings() {
        let part = |settings: &str| Part {
            file: "a.json".into(),
            result: from_json(&result("pct", settings, "verified", "verified", 1)).unwrap(),
            check: None,
        };
        let sharded = part("max-states 2000000 jobs 2 shard 1/4");
        let (s, rest) = sharded.shard().unwrap();
        assert_eq!((s.index, s.count), (1, 4));
        assert_eq!(rest.without_shard(), "max-states 2000000 jobs 2");
        assert!(part("bound 3").shard().is_none());
    }

    /// Names are read as the rest of daxlock reads them: a checker, bug or settings
    /// daxlock does not know is refused, naming the result.
    #[test]
    fn unknown_names_are_errors() {
        let cases = [
            (
                run(
                    "a",
                    &[],
                    vec![result("pcx", "seed 0 shard 0/1", "verified", "verified", 1)],
                ),
                "results[0]: unknown checker `pcx`",
            ),
            (
                run(
                    "a",
                    &["nope"],
                    vec![result("pct", "seed 0 shard 0/1", "verified", "verified", 1)],
                ),
                "`bugs`: unknown bug `nope`",
            ),
            (
                run(
                    "a",
                    &[],
                    vec![result("pct", "seed 0 shard 0/0", "verified", "verified", 1)],
                ),
                "results[0]: `settings`: unreadable settings `seed 0 shard 0/0`",
            ),
        ];
        for (doc, needle) in cases {
            let e = Merged::new().add("x.json", &doc).unwrap_err();
            assert!(e.message.contains(needle), "{e}");
        }
    }
}
