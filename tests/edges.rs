//! Issue 19's edges, end to end: flags that are not used say so, reproduce lines
//! keep the flags that matter, sizes past the kernel's are bad input, progress
//! lines without a terminal, skipped rows, one result-line shape, JSON with `ok`,
//! the tool version and the target.

mod support;
use support::{daxlock, describe, json, one_thread, stderr, stdout, temp_file};

fn daxlock_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    support::daxlock_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args, env)
}

/// The loom reproduce line keeps `--max-seconds` (it dropped it: a rerun without
/// the limit may run for hours).
#[test]
fn loom_reproduce_line_keeps_max_seconds() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "loom",
        "--bug",
        "misaligned-pmd",
        "--max-seconds",
        "30",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("reproduce:"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        line.contains("--checker loom --max-seconds 30 --bug misaligned-pmd"),
        "{line}"
    );
}

/// Flags no checker run uses get a one-line note (they were ignored without a
/// word); `--checker all,stateful` says `all` stands alone, exit 2.
#[test]
fn unused_flags_are_named() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "pct",
        "--iterations",
        "3",
        "--jobs",
        "4",
        "--all-hangs",
        "--max-states",
        "9",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert!(
        stderr(&o).contains(
            "daxlock: note: --max-states, --jobs, --all-hangs not used by the checkers run (pct): ignored"
        ),
        "{}",
        describe(&o)
    );
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "all,stateful",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert_eq!(
        stderr(&o).trim(),
        "daxlock: `all,stateful`: `all` stands alone (say `all`, or a list of: stateful, loom, random, pct, threads)"
    );
}

/// The issue's huge file: the model used to verify it and the kernel target to say
/// SIGBUS inside the file; both now refuse it at load, exit 2, naming loff_t.
#[test]
fn a_file_past_loff_t_is_bad_input() {
    let p = temp_file("huge", &one_thread("huge", "0x10000000000000"));
    let o = daxlock(&["run", p.to_str().unwrap(), "--checker", "pct"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", describe(&o));
    assert!(stderr(&o).contains("loff_t"), "{}", describe(&o));
    let _ = std::fs::remove_file(p);
}

/// Without a terminal, plain progress lines come at the interval set (states,
/// states/s, executions, elapsed for a stateful search; rows for the gate); there
/// were none at all. The default interval (30 s) prints none in a short run; a bad
/// interval is exit 2.
#[test]
fn progress_lines_without_a_terminal() {
    // A search that takes many intervals even on a fast, idle machine: with
    // snapshots `truncate-vs-fault` completes in about 10 ms, inside one interval.
    let args = [
        "run",
        "verify/invalidate-wakes-all.toml",
        "--checker",
        "stateful",
    ];
    let o = daxlock_env(&args, &[("DAXLOCK_PROGRESS_SECONDS", "0.01")]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let line = stderr(&o)
        .lines()
        .find(|l| l.starts_with("daxlock: progress: invalidate-wakes-all [fixed] stateful: "))
        .unwrap_or_else(|| panic!("no progress line: {}", describe(&o)))
        .to_owned();
    for w in [" states, ", " states/s, ", " executions, ", " s elapsed"] {
        assert!(line.contains(w), "{line}");
    }
    let o = daxlock(&args);
    assert!(!stderr(&o).contains("progress:"), "{}", describe(&o));
    let o = daxlock_env(&args, &[("DAXLOCK_PROGRESS_SECONDS", "soon")]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    let o = daxlock_env(
        // Enough schedules that the rows take well over one interval on a fast,
        // idle machine (at one iteration they can all end within 10 ms).
        &["verify", "--checker", "pct", "--iterations", "300"],
        &[("DAXLOCK_PROGRESS_SECONDS", "0.01")],
    );
    assert!(
        stderr(&o).contains("daxlock: progress: verify: "),
        "{}",
        describe(&o)
    );
}

/// A row the target cannot run is a `skipped` row with its reason, in the text and
/// the JSON, and the summary counts it (loom on a scenario with more threads than
/// it models used to vanish from the table). Long names widen the table's columns.
#[test]
fn skipped_rows_are_listed_and_counted() {
    let dir = std::env::temp_dir().join(format!("daxlock-edges-{}-skip", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = "a-scenario-name-well-over-twenty-eight-characters";
    // Five threads: more than loom models; the gate skips its loom row.
    let text = format!(
        r#"name = "{long}"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000000000, size = "pte" }} ]
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000001000, size = "pte" }} ]
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000002000, size = "pte" }} ]
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000003000, size = "pte" }} ]
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000004000, size = "pte" }} ]
"#
    );
    std::fs::write(dir.join("long.toml"), text).unwrap();
    let d = dir.to_str().unwrap();
    let args = [
        "verify",
        "--dir",
        d,
        "--checker",
        "loom,pct",
        "--iterations",
        "5",
    ];
    let o = daxlock(&args);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let text = stdout(&o);
    let header = text.lines().find(|l| l.starts_with("scenario ")).unwrap();
    let skipped = text
        .lines()
        .find(|l| l.contains(" loom ") && l.contains("skipped: "))
        .unwrap_or_else(|| panic!("no skipped row: {text}"));
    assert!(skipped.contains("more than loom models"), "{skipped}");
    let pct = text.lines().find(|l| l.contains(" pct ")).unwrap();
    // The columns line up: every row's checker starts where the header's does.
    let col = header.find("checker").unwrap();
    assert_eq!(pct.find(" pct ").map(|i| i + 1), Some(col), "{text}");
    assert_eq!(skipped.find(" loom ").map(|i| i + 1), Some(col), "{text}");
    assert!(
        text.contains("1 rows, 1 as expected, 0 unexpected, 1 skipped"),
        "{text}"
    );
    let o = daxlock(&[&args[..], &["--json"]].concat());
    let doc = json(&o);
    assert_eq!(doc["summary"]["skipped"], 1, "{doc}");
    assert_eq!(doc["skipped"][0]["checker"], "loom", "{doc}");
    assert_eq!(doc["skipped"][0]["verdict"], "skipped", "{doc}");
    assert!(doc["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("loom"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every JSON report names the tool's version, the target and whether it passed at
/// the top level, and `run`'s the scenario's path (model `verify --json` had no
/// `target`; `run --json` no `ok`).
#[test]
fn json_reports_say_ok_tool_target_and_path() {
    let tool = format!("daxlock {}", env!("CARGO_PKG_VERSION"));
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "pct",
        "--iterations",
        "2",
        "--json",
    ]);
    let doc = json(&o);
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["tool"], tool.as_str(), "{doc}");
    assert_eq!(doc["path"], "verify/seed-sequential.toml", "{doc}");
    assert_eq!(doc["target"], "model (fs/dax.c v4.13)", "{doc}");
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "pct",
        "--bug",
        "misaligned-pmd",
        "--json",
    ]);
    assert_eq!(json(&o)["ok"], false);
    let o = daxlock(&["verify", "--checker", "pct", "--iterations", "1", "--json"]);
    let doc = json(&o);
    assert_eq!(doc["tool"], tool.as_str());
    assert_eq!(doc["target"], "model (fs/dax.c v4.13)");
    assert_eq!(doc["ok"], doc["summary"]["ok"]);
    assert!(doc["summary"]["unvisited_branches"].is_array(), "{doc}");
    assert_eq!(doc["runs"][0]["path"], "verify/aligned-pmd-pte.toml");
}

/// `DAXLOCK_EXPLAIN_STATES` on a model run without `--no-snapshots`: the search
/// replays (the aid's trace does not follow a snapshot's restore), prints the aid's
/// table and the same search figures as with `--no-snapshots`; it used to panic
/// ("a stateful execution freed memory it did not allocate").
#[test]
fn the_explain_aid_runs_without_no_snapshots() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/verify/truncate-vs-fault.toml");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", scenario, "--checker", "stateful"];
        args.extend(extra);
        let o = daxlock_env(&args, &[("DAXLOCK_EXPLAIN_STATES", "1000")]);
        assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(err.contains("explain-states: "), "{err}");
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let figures = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("search complete: "))
            .unwrap_or_else(|| panic!("no search line: {out}"))
            .split(", ")
            .filter(|part| !part.ends_with(" s") && !part.ends_with("states/s"))
            .collect::<Vec<_>>()
            .join(", ");
        (figures, err.lines().next().map(str::to_owned))
    };
    assert_eq!(run(&[]), run(&["--no-snapshots"]));
}
