//! The JSON reports' one schema: the documents `run --json`, `replay --json` and
//! `verify --json` print, as types that both serialize ([`crate::report`] writes
//! them) and deserialize ([`crate::merge`] reads them back). A report written and
//! read back is equal to itself (`tests::documents_round_trip`).
//!
//! And the one row type of a results table, [`Row`]: the gate produces it (one
//! [`Part`] per row, the check it ran, written through [`result_doc`]), the report
//! writes its parts, a merge reads them back into rows (one part per input) and
//! [`crate::report::Line`] prints both (`merge`'s
//! `tests::gate_rows_read_back_as_themselves`). [`ResultDoc::settings`] and the
//! other fields are the row's figures; a row's `unvisited` branches and a part's
//! in-process [`CheckReport`] (whose typed trace the text prints) are never written.
//!
//! Every document goes out through [`to_json`], a [`Value`], so that objects' keys
//! come out sorted, as reports have always had them. Reading is lenient where a
//! field is only evidence (a missing `warnings` or `coverage` reads as empty) and
//! strict where merging needs it (a result's `checker` and `verdict`, the summary's
//! `lemma_holds`, `zoo_required` and `uncovered_bugs`); names (checkers, verdicts,
//! bugs, settings) are read as the rest of daxlock reads them.
//!
//! Two things are kept as plain JSON, as they are only ever copied: a failure's
//! `trace` (its events are written by [`crate::check::trace`]) and a stateful
//! search's figures (`search`: the search's statistics and its rate).

use crate::check::shuttle::Shard;
use crate::check::stateful::SearchStats;
use crate::check::{CheckError, CheckReport, CheckerConfig, Coverage, Failure};
use crate::dax::{Branch, Bugs};
use crate::kind::CheckerKind;
use crate::verdict::Verdict;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};
use std::path::Path;

/// What a check (or a merged row) concluded: a verdict, or that it could not run.
/// In JSON, `verdict`: the verdict's name or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// It ran and reached this verdict.
    Ran(Verdict),
    /// It could not run (the gate's `error` rows): worse than any verdict.
    Error,
}

impl Outcome {
    /// `error`, or the verdict's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ran(v) => v.as_str(),
            Outcome::Error => "error",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match name.as_str() {
            "error" => Ok(Outcome::Error),
            v => v.parse().map(Outcome::Ran).map_err(D::Error::custom),
        }
    }
}

/// A checker read by its name, with the message the command line gives.
fn checker_by_name<'de, D: Deserializer<'de>>(d: D) -> Result<CheckerKind, D::Error> {
    String::deserialize(d)?.parse().map_err(D::Error::custom)
}

/// Settings read from their text, or `null`; the error names the field.
fn settings_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CheckerConfig>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e| D::Error::custom(format!("`settings`: {e}"))),
    }
}

/// Bugs as their names: `[]` for the fixed build, `["no-recheck"]`.
mod bug_names {
    use super::*;

    pub fn serialize<S: Serializer>(bugs: &Bugs, s: S) -> Result<S::Ok, S::Error> {
        bugs.names().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bugs, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        Bugs::from_names(&names).map_err(|e| D::Error::custom(format!("`bugs`: {e}")))
    }
}

/// One failure's evidence: a result's `counterexample` or a `lesser_failures` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureDoc {
    /// What broke (always written; read as `None` when missing, as it is only
    /// evidence).
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// The execution that found it (numbered over the whole budget).
    #[serde(default)]
    pub execution: usize,
    /// What broke, in words.
    #[serde(default)]
    pub details: Vec<String>,
    /// The warnings of that execution.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The command that reproduces it.
    #[serde(default)]
    pub replay: String,
    /// The recorded schedule, if the checker records one.
    #[serde(default)]
    pub schedule: Option<String>,
    /// The execution's events (as [`crate::check::trace::Event`] writes them).
    #[serde(default)]
    pub trace: Vec<Value>,
}

/// The fields of a result that ran; an error result has `error` instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// It could not run, and why.
    Error {
        /// Why, one sentence.
        error: String,
    },
    /// It ran.
    Ran(Box<RanDoc>),
}

/// An error result by its `error`, else a result that ran, with the error of the
/// field that does not read.
impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = Value::deserialize(d)?;
        match fields.get("error").filter(|e| !e.is_null()) {
            Some(e) => match e.as_str() {
                Some(error) => Ok(Body::Error {
                    error: error.to_owned(),
                }),
                None => Err(D::Error::custom("`error` is not a sentence")),
            },
            None => RanDoc::deserialize(fields)
                .map(|r| Body::Ran(Box::new(r)))
                .map_err(D::Error::custom),
        }
    }
}

/// What a check that ran reports beyond its verdict.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RanDoc {
    /// A replay: `passed` (its one path did not fail; not a proof) or `reproduced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed: Option<String>,
    /// It was stopped by `--max-seconds`.
    #[serde(default)]
    pub timed_out: bool,
    /// The execution of the first failure.
    #[serde(default)]
    pub first_failure_at: Option<usize>,
    /// Seconds it took (written rounded to milliseconds).
    #[serde(default, serialize_with = "millis")]
    pub seconds: f64,
    /// The worst failure's warnings.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// A stateful search's figures with its rate (`states_per_second`).
    #[serde(default)]
    pub search: Option<Value>,
    /// The worst failure.
    #[serde(default)]
    pub counterexample: Option<FailureDoc>,
    /// Lesser failures found before it.
    #[serde(default)]
    pub lesser_failures: Vec<FailureDoc>,
    /// Executions that visited each branch.
    #[serde(default)]
    pub coverage: Coverage,
}

/// One check: an entry of a run's `results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDoc {
    /// The checker.
    #[serde(deserialize_with = "checker_by_name")]
    pub checker: CheckerKind,
    /// Its settings (`depth 3 seed 0 shard 0/1`); `null` for an error.
    #[serde(default, deserialize_with = "settings_text")]
    pub settings: Option<CheckerConfig>,
    /// Its verdict, or `error`.
    pub verdict: Outcome,
    /// What the scenario expects of the variant (on the target); `null` in a `run`
    /// report of a variant the scenario states nothing about.
    #[serde(default)]
    pub expected: Option<Verdict>,
    /// Executions run (`0` for an error); read as `None` when missing.
    #[serde(default)]
    pub schedules: Option<u64>,
    /// It explored its whole budget or search space.
    #[serde(default)]
    pub complete: bool,
    /// The rest: what it found, or why it could not run.
    #[serde(flatten)]
    pub body: Body,
}

impl ResultDoc {
    /// What it found, if it ran.
    pub fn ran(&self) -> Option<&RanDoc> {
        match &self.body {
            Body::Ran(r) => Some(r),
            Body::Error { .. } => None,
        }
    }

    /// Why it could not run, for an error.
    pub fn error(&self) -> Option<&str> {
        match &self.body {
            Body::Error { error } => Some(error),
            Body::Ran(_) => None,
        }
    }
}

/// One scenario variant's checks: a `verify` report's `runs` entry, and with `ok`
/// and `tool` the whole of `run --json` and `replay --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDoc {
    /// Scenario name.
    pub scenario: String,
    /// The scenario file, as given (a built-in one as `verify/NAME.toml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The target, when not the model (always, in `run`'s report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The bugs re-introduced, by name.
    #[serde(with = "bug_names")]
    pub bugs: Bugs,
    /// One per checker.
    pub results: Vec<ResultDoc>,
    /// `run` and `replay`: the command's verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// `run` and `replay`: the tool and its version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
}

/// A gate row that did not run: `verify --json`'s `skipped` entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedDoc {
    /// Scenario name.
    pub scenario: String,
    /// The variant's bugs.
    #[serde(with = "bug_names")]
    pub bugs: Bugs,
    /// The checker.
    #[serde(deserialize_with = "checker_by_name")]
    pub checker: CheckerKind,
    /// Always `skipped`.
    pub verdict: String,
    /// Why it did not run.
    pub reason: String,
}

/// A scenario that no longer reaches branches it requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissedDoc {
    /// Scenario name.
    pub scenario: String,
    /// The branches.
    pub branches: Vec<String>,
}

/// The `summary` of `verify --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryDoc {
    /// Rows run.
    #[serde(default)]
    pub rows: usize,
    /// Rows not as expected.
    #[serde(default)]
    pub unexpected: usize,
    /// The colour lemma holds.
    pub lemma_holds: bool,
    /// The target's bugs no row caught.
    #[serde(with = "bug_list")]
    pub uncovered_bugs: Vec<&'static str>,
    /// Every bug must be caught.
    pub zoo_required: bool,
    /// Scenarios that no longer reach branches they require.
    #[serde(default)]
    pub missed_visits: Vec<MissedDoc>,
    /// Branches no row visited; `null` on a target that does not report the model's
    /// branches (the text says coverage is not checked there).
    #[serde(default)]
    pub unvisited_branches: Option<Vec<String>>,
    /// Rows that did not run (listed in `skipped`).
    #[serde(default)]
    pub skipped: usize,
    /// The gate's verdict.
    #[serde(default)]
    pub ok: bool,
}

/// A list of bug names, each one daxlock knows.
mod bug_list {
    use super::*;

    pub fn serialize<S: Serializer>(names: &[&'static str], s: S) -> Result<S::Ok, S::Error> {
        names.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut out = Vec::new();
        for n in &names {
            let bugs = Bugs::from_names(std::slice::from_ref(n)).map_err(D::Error::custom)?;
            out.extend(bugs.names());
        }
        Ok(out)
    }
}

/// `verify --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyDoc {
    /// The gate's verdict.
    #[serde(default)]
    pub ok: bool,
    /// The tool and its version.
    #[serde(default)]
    pub tool: String,
    /// The target the rows ran on.
    #[serde(default)]
    pub target: String,
    /// One per scenario × variant.
    pub runs: Vec<RunDoc>,
    /// Rows that did not run, with why.
    #[serde(default)]
    pub skipped: Vec<SkippedDoc>,
    /// What is judged over the rows.
    pub summary: SummaryDoc,
}

/// Seconds as reports write them: rounded to milliseconds (held unrounded in
/// memory, so that the gate's table prints the check's own time).
fn millis<S: Serializer>(seconds: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((seconds * 1000.0).round() / 1000.0)
}

/// What names a row of a results table, the gate's or a merge's: one scenario
/// variant under one checker, with what the scenario expects of it there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowId {
    /// Scenario name.
    pub scenario: String,
    /// Variant (`fixed` or a bug name).
    pub bugs: Bugs,
    /// Checker.
    pub checker: CheckerKind,
    /// What the scenario expects (on the target).
    pub expected: Verdict,
}

impl RowId {
    /// `scenario [variant] checker`, as messages name a row.
    pub fn name(&self) -> String {
        format!(
            "{} [{}] {}",
            self.scenario,
            self.bugs.variant(),
            self.checker
        )
    }
}

/// One row of a results table, the gate's and a merge's: one scenario variant under
/// one checker ([`RowId`]) and its results. The gate's row ([`crate::gate::verify`])
/// has one part, the check it ran; [`crate::report`] writes its part as a `results`
/// entry; [`crate::merge`] reads those entries back, one part per input that holds
/// the row, and prints the same rows.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row: scenario, variant, checker, expected verdict (its fields read
    /// through the row: `row.scenario`).
    pub id: RowId,
    /// Its results, in order (the gate's: its one check; a merge's: each input's).
    pub parts: Vec<Part>,
    /// Branches the scenario requires (`[expect] visits`) that no row of its fixed
    /// variant visited; the gate sets it on the fixed variant's rows once every row
    /// has run (a merge leaves it empty).
    pub unvisited: Vec<Branch>,
}

impl std::ops::Deref for Row {
    type Target = RowId;
    fn deref(&self) -> &RowId {
        &self.id
    }
}

/// One result of a row: the `results` entry a report writes, where it came from,
/// and, when this process ran the check, the check itself.
#[derive(Debug, Clone)]
pub struct Part {
    /// The input it was read from, as named on the command line; empty for a check
    /// this process ran.
    pub file: String,
    /// The result, as reports write it.
    pub result: ResultDoc,
    /// The check, when this process ran it: its failures with their events, which
    /// the text's counterexamples print (`None` when read from a report or when the
    /// check could not run).
    pub check: Option<Box<CheckReport>>,
}

impl Part {
    /// The part of a check this process ran (or tried to): its result as
    /// [`result_doc`] or [`error_doc`] writes it, with `expected`; `path` and `bugs`
    /// name the scenario file and variant in its reproduce commands.
    pub fn of_check(
        path: Option<&Path>,
        bugs: Bugs,
        checker: CheckerKind,
        check: Result<CheckReport, CheckError>,
        expected: Verdict,
    ) -> Self {
        match check {
            Ok(report) => Part {
                file: String::new(),
                result: result_doc(path, bugs, &report, Some(expected)),
                check: Some(Box::new(report)),
            },
            Err(e) => Part {
                file: String::new(),
                result: error_doc(checker, &e, expected),
                check: None,
            },
        }
    }

    /// Its verdict, or `error`.
    pub fn outcome(&self) -> Outcome {
        self.result.verdict
    }

    /// The checker's settings (`depth 3 seed 0 shard 1/4`); `None` for an error.
    pub fn settings(&self) -> Option<&CheckerConfig> {
        self.result.settings.as_ref()
    }

    /// Executions it ran (`0` for an error).
    pub fn schedules(&self) -> u64 {
        self.result.schedules.unwrap_or(0)
    }

    /// It explored its whole budget or search space.
    pub fn complete(&self) -> bool {
        self.result.complete
    }

    /// It was stopped by `--max-seconds`.
    pub fn timed_out(&self) -> bool {
        self.result.ran().is_some_and(|r| r.timed_out)
    }

    /// Seconds it took (`0` for an error).
    pub fn seconds(&self) -> f64 {
        self.result.ran().map_or(0.0, |r| r.seconds)
    }

    /// Its counterexample, if it failed.
    pub fn counterexample(&self) -> Option<&FailureDoc> {
        self.result.ran()?.counterexample.as_ref()
    }

    /// Executions that visited each branch, if it ran.
    pub fn coverage(&self) -> Option<&Coverage> {
        self.result.ran().map(|r| &r.coverage)
    }

    /// Why it could not run, for an error.
    pub fn error(&self) -> Option<&str> {
        self.result.error()
    }

    /// The `shard I/N` in its settings, and its settings.
    pub fn shard(&self) -> Option<(Shard, &CheckerConfig)> {
        let s = self.settings()?;
        Some((s.shard()?, s))
    }

    /// The command that reproduces its failure, if it recorded one.
    pub fn reproduce(&self) -> Option<&str> {
        let cmd = &self.counterexample()?.replay;
        (!cmd.is_empty()).then_some(cmd.as_str())
    }
}

/// The shards seen of one split: its shard count and the indices present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// N of `shard I/N`.
    pub count: usize,
    /// The indices I present.
    pub seen: BTreeSet<usize>,
    /// One shard's settings (its shards share all but the shard).
    pub rest: Option<CheckerConfig>,
}

impl Row {
    /// The row of a check this process ran (or tried to): one part, nothing
    /// unvisited yet.
    pub fn of_check(
        id: RowId,
        path: Option<&Path>,
        check: Result<CheckReport, CheckError>,
    ) -> Self {
        let part = Part::of_check(path, id.bugs, id.checker, check, id.expected);
        Row {
            id,
            parts: vec![part],
            unvisited: Vec::new(),
        }
    }

    /// `fixed`, or the bug names joined by `+`.
    pub fn variant(&self) -> String {
        self.bugs.variant()
    }

    /// The worst outcome of any part: the gate's row's, its check's.
    pub fn worst(&self) -> Outcome {
        self.parts
            .iter()
            .map(Part::outcome)
            .max()
            .unwrap_or(Outcome::Ran(Verdict::Incomplete))
    }

    /// Every part reached the expected verdict (the gate's row: its check did; a
    /// row run as one shard of a split is judged as that shard).
    pub fn verdict_ok(&self) -> bool {
        self.worst() == Outcome::Ran(self.expected)
    }

    /// The verdict matched the expectation, and the scenario still reaches every
    /// branch it requires: the gate's judgement of its row.
    pub fn ok(&self) -> bool {
        self.verdict_ok() && self.unvisited.is_empty()
    }

    /// The sharded parts grouped by their settings without the shard (one group per
    /// seed, say), keyed by those settings' text.
    pub fn splits(&self) -> BTreeMap<String, Split> {
        let mut splits: BTreeMap<String, Split> = BTreeMap::new();
        for (shard, rest) in self.parts.iter().filter_map(Part::shard) {
            let s = splits.entry(rest.without_shard()).or_default();
            s.count = shard.count;
            s.seen.insert(shard.index);
            s.rest = Some(rest.clone());
        }
        splits
    }

    /// The shards of a split that no part holds (`depth 3 seed 0 shard 2/4`).
    pub fn missing_shards(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for split in self.splits().into_values() {
            for index in (0..split.count).filter(|i| !split.seen.contains(i)) {
                let shard = Shard {
                    index,
                    count: split.count,
                };
                if let Some(rest) = &split.rest {
                    missing.push(rest.with_shard(shard).to_string());
                }
            }
        }
        missing
    }

    /// What the row concludes as a whole: the worst verdict of any part;
    /// `incomplete` instead of `verified` when shards of a split are missing.
    pub fn outcome(&self) -> Outcome {
        let worst = self.worst();
        if worst == Outcome::Ran(Verdict::Verified) && !self.missing_shards().is_empty() {
            Outcome::Ran(Verdict::Incomplete)
        } else {
            worst
        }
    }

    /// The row as a whole ([`Row::outcome`]) is as expected, and reaches every branch
    /// it requires: a merge's judgement of its row.
    pub fn whole_ok(&self) -> bool {
        self.outcome() == Outcome::Ran(self.expected) && self.unvisited.is_empty()
    }

    /// The first part with the worst verdict.
    pub fn worst_part(&self) -> Option<&Part> {
        let worst = self.parts.iter().map(Part::outcome).max()?;
        self.parts.iter().find(|p| p.outcome() == worst)
    }

    /// Executions over every part.
    pub fn schedules(&self) -> u64 {
        self.parts.iter().map(Part::schedules).sum()
    }

    /// Seconds over every part (machine time, not wall time).
    pub fn seconds(&self) -> f64 {
        self.parts.iter().map(Part::seconds).sum()
    }

    /// Every part explored all of its budget and no shard is missing.
    pub fn complete(&self) -> bool {
        self.parts.iter().all(Part::complete) && self.missing_shards().is_empty()
    }

    /// `3/4`: shards present over shards in the split (summed over splits); `-` when
    /// no part is sharded.
    pub fn shards_label(&self) -> String {
        let splits = self.splits();
        if splits.is_empty() {
            return "-".to_owned();
        }
        let seen: usize = splits.values().map(|s| s.seen.len()).sum();
        let count: usize = splits.values().map(|s| s.count).sum();
        format!("{seen}/{count}")
    }
}

// How a check is written as a result, and how its failures are reproduced.

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

/// A stateful search's figures as a report's `search` object: the figures and
/// their rate (`states_per_second`).
pub fn search_json(stats: SearchStats) -> Value {
    to_json(SearchJson {
        stats,
        states_per_second: stats.states_per_second().round(),
    })
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
            seconds: report.seconds,
            warnings: report
                .failure
                .as_ref()
                .map_or_else(Vec::new, |f| f.warnings.clone()),
            search: report.search.map(search_json),
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

/// A document as JSON. Through [`Value`], so that objects' keys come out sorted, as
/// every report has always had them.
pub fn to_json(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("reports serialize to JSON")
}

/// Reads `T` from a JSON value, the error as text.
pub fn from_json<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    T::deserialize(v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each document written and read back is itself; an error result reads back as
    /// an error.
    #[test]
    fn documents_round_trip() {
        let failure = FailureDoc {
            verdict: Some(Verdict::Hang),
            execution: 3,
            details: vec!["t1 waits".into()],
            warnings: vec!["WARN".into()],
            replay: "daxlock replay x.toml --schedule s1:0".into(),
            schedule: Some("s1:0".into()),
            trace: vec![serde_json::json!({"thread": 1, "event": "grab"})],
        };
        let mut coverage = Coverage::default();
        coverage.add([crate::dax::Branch::GrabWait].into_iter().collect());
        let ran = ResultDoc {
            checker: CheckerKind::Stateful,
            settings: Some("max-states 9 shard 0/1".parse().unwrap()),
            verdict: Outcome::Ran(Verdict::Hang),
            expected: Some(Verdict::Hang),
            schedules: Some(7),
            complete: true,
            body: Body::Ran(Box::new(RanDoc {
                replayed: None,
                timed_out: false,
                first_failure_at: Some(3),
                seconds: 0.25,
                warnings: vec!["WARN".into()],
                search: Some(serde_json::json!({"states": 5})),
                counterexample: Some(failure.clone()),
                lesser_failures: vec![failure],
                coverage,
            })),
        };
        let error = ResultDoc {
            checker: CheckerKind::Pct,
            settings: None,
            verdict: Outcome::Error,
            expected: Some(Verdict::Verified),
            schedules: Some(0),
            complete: false,
            body: Body::Error {
                error: "runs no execution".into(),
            },
        };
        let run = RunDoc {
            scenario: "s".into(),
            path: Some("verify/s.toml".into()),
            target: None,
            bugs: Bugs::fixed().with("no-recheck").unwrap(),
            results: vec![ran, error],
            ok: None,
            tool: None,
        };
        let doc = VerifyDoc {
            ok: false,
            tool: "daxlock 0.1.0".into(),
            target: "model".into(),
            runs: vec![run.clone()],
            skipped: vec![SkippedDoc {
                scenario: "s".into(),
                bugs: Bugs::fixed(),
                checker: CheckerKind::Loom,
                verdict: "skipped".into(),
                reason: "too many threads".into(),
            }],
            summary: SummaryDoc {
                rows: 2,
                unexpected: 1,
                lemma_holds: true,
                uncovered_bugs: vec!["misaligned-pmd"],
                zoo_required: true,
                missed_visits: vec![MissedDoc {
                    scenario: "s".into(),
                    branches: vec!["grab-wait".into()],
                }],
                unvisited_branches: None,
                skipped: 1,
                ok: false,
            },
        };
        let json = to_json(&doc);
        assert_eq!(from_json::<VerifyDoc>(&json), Ok(doc.clone()));
        // The text too, as a file holds it.
        let text = serde_json::to_string(&json).unwrap();
        let back: VerifyDoc = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        assert_eq!(back.runs[0].results[1].error(), Some("runs no execution"));
        assert!(back.runs[0].results[1].ran().is_none());
        // The error result has none of a ran result's fields.
        let error = &json["runs"][0]["results"][1];
        assert_eq!(error["verdict"], "error");
        assert!(error.get("coverage").is_none() && error.get("seconds").is_none());
        let run_doc = RunDoc {
            ok: Some(true),
            tool: Some("daxlock 0.1.0".into()),
            target: Some("model (fs/dax.c v4.13)".into()),
            ..run
        };
        assert_eq!(from_json::<RunDoc>(&to_json(&run_doc)), Ok(run_doc));
    }

    /// Names are read as the rest of daxlock reads them.
    #[test]
    fn unknown_names_are_refused() {
        let result = |checker: &str, verdict: &str| serde_json::json!({"checker": checker, "verdict": verdict, "schedules": 1});
        let e = from_json::<ResultDoc>(&result("pcx", "hang")).unwrap_err();
        assert!(e.contains("unknown checker `pcx`"), "{e}");
        let e = from_json::<ResultDoc>(&result("pct", "meh")).unwrap_err();
        assert!(e.contains("unknown verdict `meh`"), "{e}");
        let mut bad = result("pct", "hang");
        bad["counterexample"] = serde_json::json!({"verdict": "meh"});
        let e = from_json::<ResultDoc>(&bad).unwrap_err();
        assert!(e.contains("unknown variant `meh`, expected one of"), "{e}");
        // A counterexample is evidence: one with only a replay command reads.
        bad["counterexample"] = serde_json::json!({"replay": "daxlock replay a.toml"});
        let read = from_json::<ResultDoc>(&bad).unwrap();
        let cx = read.ran().unwrap().counterexample.as_ref().unwrap();
        assert_eq!(
            (cx.verdict, cx.replay.as_str()),
            (None, "daxlock replay a.toml")
        );
        let ok = from_json::<ResultDoc>(&result("pct", "hang")).unwrap();
        assert_eq!(ok.verdict, Outcome::Ran(Verdict::Hang));
        assert!(ok.ran().is_some());
        let e = from_json::<RunDoc>(
            &serde_json::json!({"scenario": "a", "bugs": ["nope"], "results": []}),
        )
        .unwrap_err();
        assert!(e.contains("`bugs`: unknown bug `nope`"), "{e}");
    }

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
