//! `daxlock verify`, the gate: green on the catalogue, red on a wrong expectation, a
//! branch no longer reached or a row that runs nothing; user folders and
//! `--require-zoo`; rows that could not run kept in the JSON.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{bad_input, catalogue_names, code, daxlock, describe, json, stdout, temp_path, GOOD};

/// The gate on the shuttle checkers: every row as expected; exit 0.
#[test]
fn verify_pct_random_exits_0() {
    let o = daxlock(&["verify", "--checker", "pct,random"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    assert!(!out.contains("UNEXPECTED"), "{out}");
    assert!(out.contains("0 unexpected"), "{out}");
    for n in catalogue_names() {
        assert!(out.contains(&n), "{n} not in the gate's table:\n{out}");
    }
    // It ends with the branches no scenario visits, then the closing line.
    let lines: Vec<&str> = out.lines().collect();
    let n = lines.len();
    assert!(
        n >= 3 && lines[n - 3].starts_with("branches no scenario visits ("),
        "{out}"
    );
}

/// A copy of the catalogue in a fresh temp dir.
fn catalogue_copy() -> support::TempPath {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    let dir = temp_path("catalogue", "");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The gate turns red when a scenario no longer reaches a branch it requires: in a
/// copy of the catalogue where seed-sequential (one thread, no truncate) requires
/// `truncate-delete`, `verify --checker pct` fails seed-sequential's fixed row alone,
/// though its verdict is as expected, says which scenario no longer reaches which
/// branch, and exits 1; `--json` says the same in `summary.missed_visits`.
#[test]
fn verify_turns_red_when_a_required_branch_is_not_visited() {
    let dir = catalogue_copy();
    let seed = dir.join("seed-sequential.toml");
    let text = std::fs::read_to_string(&seed).unwrap();
    let before = "visits = [\"pmd-colour-fallback\"]";
    assert!(text.contains(before), "{text}");
    std::fs::write(
        &seed,
        text.replace(
            before,
            "visits = [\"pmd-colour-fallback\", \"truncate-delete\"]",
        ),
    )
    .unwrap();
    let args = ["verify", "--dir", dir.to_str().unwrap(), "--checker", "pct"];
    let o = daxlock(&args);
    let j = daxlock(&[&args[..], &["--json"]].concat());
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    let unexpected: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("UNEXPECTED") && l.contains("UNEXPECTED"))
        .collect();
    assert_eq!(unexpected.len(), 1, "{out}");
    let row = unexpected[0];
    assert!(
        row.starts_with("seed-sequential ") && row.contains(" fixed "),
        "{row}"
    );
    assert!(
        row.contains("verified   verified"),
        "verdict as expected: {row}"
    );
    assert!(row.contains("(unvisited: truncate-delete)"), "{row}");
    assert!(
        out.contains(
            "UNEXPECTED: seed-sequential no longer reaches branch truncate-delete: [expect] visits requires it"
        ),
        "{out}"
    );
    assert!(!out.contains("UNEXPECTED: expected"), "{out}");
    assert!(out.contains("branches no scenario visits ("), "{out}");
    assert!(out.contains("verify: "), "{out}");
    assert!(out.contains(", 1 failed"), "{out}");

    assert_eq!(code(&j), 1, "{}", describe(&j));
    let summary = &json(&j)["summary"];
    assert_eq!(summary["ok"], false, "{summary}");
    assert_eq!(summary["unexpected"], 1, "{summary}");
    assert_eq!(
        summary["missed_visits"],
        serde_json::json!([{"scenario": "seed-sequential", "branches": ["truncate-delete"]}])
    );
    assert!(summary["unvisited_branches"].is_array(), "{summary}");
}

/// The gate turns red: in a copy of the catalogue where seed-sequential expects
/// misaligned-pmd to verify, `verify --checker pct` finds the hang, prints
/// UNEXPECTED for that row and exits 1.
#[test]
fn verify_turns_red_on_a_wrong_expectation() {
    let dir = catalogue_copy();
    let seed = dir.join("seed-sequential.toml");
    let text = std::fs::read_to_string(&seed).unwrap();
    assert!(text.contains("misaligned-pmd = \"hang\""), "{text}");
    std::fs::write(
        &seed,
        text.replace("misaligned-pmd = \"hang\"", "misaligned-pmd = \"verified\""),
    )
    .unwrap();

    let o = daxlock(&["verify", "--dir", dir.to_str().unwrap(), "--checker", "pct"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(out.contains("UNEXPECTED"), "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with("seed-sequential ") && l.contains("misaligned-pmd"))
        .unwrap_or_else(|| panic!("no seed-sequential misaligned-pmd row:\n{out}"));
    assert!(row.contains("hang"), "{row}");
    assert!(row.contains("UNEXPECTED"), "{row}");
    assert!(out.contains("UNEXPECTED: expected verified"), "{out}");
    // Only that row is wrong.
    let unexpected_rows = out
        .lines()
        .filter(|l| !l.starts_with("UNEXPECTED") && l.contains("UNEXPECTED"))
        .count();
    assert_eq!(unexpected_rows, 1, "{out}");
}

/// In the gate, a row that runs no execution is a failing row, not `verified`: every
/// random row of shard 3/4 of a 2-iteration budget is UNEXPECTED and says why.
#[test]
fn verify_rows_that_run_nothing_fail() {
    let o = daxlock(&[
        "verify",
        "--checker",
        "random",
        "--iterations",
        "2",
        "--shard",
        "3/4",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" random ") && !l.starts_with("UNEXPECTED"))
        .collect();
    assert!(!rows.is_empty(), "{out}");
    for row in &rows {
        assert!(row.contains("UNEXPECTED") && row.contains("error"), "{row}");
    }
    assert!(out.contains("runs no execution"), "{out}");
    assert!(out.contains(" 0 as expected"), "{out}");
}

/// Bug coverage counts only rows that ran and caught their bug: a catalogue whose one
/// scenario expects every bug to hang but runs no checker (`[check] checkers = []`)
/// covers nothing, and the gate, asked for coverage (`--require-zoo`), fails on it
/// (it used to pass with 0 rows).
#[test]
fn verify_coverage_counts_only_rows_that_ran() {
    let dir = temp_path("coverage", "");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = format!("{GOOD}[check]\ncheckers = []\n[expect]\nfixed = \"verified\"\n");
    for b in daxlock::dax::ALL_BUGS {
        text.push_str(&format!("{} = \"hang\"\n", b.name));
    }
    std::fs::write(dir.join("only.toml"), text).unwrap();
    let o = daxlock(&["verify", "--dir", dir.to_str().unwrap(), "--require-zoo"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(
        out.contains("no row of the gate caught these bugs"),
        "{out}"
    );
    for b in daxlock::dax::ALL_BUGS {
        assert!(
            out.contains(b.name),
            "{} not reported uncovered:\n{out}",
            b.name
        );
    }
}

/// A fresh user folder holding one scenario without `[expect]` ([`GOOD`]); the
/// folder is removed when dropped.
fn user_folder(tag: &str) -> (support::TempPath, String) {
    let dir = temp_path(tag, "");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("good.toml"), GOOD).unwrap();
    let d = dir.to_str().unwrap().to_owned();
    (dir, d)
}

/// A scenario without `[expect]` in a user's folder is expected to verify in the
/// fixed build and gets rows; bug coverage is not demanded of a user's folder
/// unless `--require-zoo`.
#[test]
fn verify_user_folder_expects_verified_without_zoo() {
    let (dir, d) = user_folder("mine");
    let o = daxlock(&["verify", "--dir", &d, "--checker", "pct,stateful"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("cli-good ")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    for row in rows {
        assert!(
            row.contains(" fixed ") && row.contains("verified   verified"),
            "{row}"
        );
        assert!(row.contains(" ok "), "{row}");
    }
    assert!(out.contains("bug coverage not demanded"), "{out}");
    assert!(out.contains("verify: 3 passed, 0 failed"), "{out}");
}

/// The JSON of a user folder's gate: ok, zoo not required, the row expecting
/// `verified`.
#[test]
fn verify_user_folder_json_does_not_require_the_zoo() {
    let (dir, d) = user_folder("mine-json");
    let o = daxlock(&["verify", "--dir", &d, "--checker", "pct", "--json"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["ok"], true, "{doc}");
    assert_eq!(doc["summary"]["zoo_required"], false, "{doc}");
    assert_eq!(
        doc["runs"][0]["results"][0]["expected"], "verified",
        "{doc}"
    );
}

/// Asked for with `--require-zoo`, coverage fails on a user folder that catches no
/// bug.
#[test]
fn verify_user_folder_with_require_zoo_fails() {
    let (dir, d) = user_folder("mine-zoo");
    let o = daxlock(&["verify", "--dir", &d, "--checker", "pct", "--require-zoo"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stdout(&o).contains("no row of the gate caught these bugs"));
}

/// The built-in catalogue demands coverage whether `--dir` names it or not.
#[test]
fn verify_builtin_catalogue_demands_coverage() {
    let o = daxlock(&[
        "verify",
        "--dir",
        "./verify",
        "--checker",
        "pct",
        "--iterations",
        "1",
        "--json",
    ]);
    let doc = json(&o);
    assert_eq!(doc["summary"]["zoo_required"], true, "{doc}");
}

/// An empty folder, or one without `*.toml` files, is bad input with a clear line.
#[test]
fn verify_empty_folder_is_bad_input() {
    let dir = temp_path("empty", "");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap().to_owned();
    bad_input(
        &["verify", "--dir", &d],
        &[&d, "no scenario files (*.toml)"],
    );
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    bad_input(&["verify", "--dir", &d], &["no scenario files"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder that cannot be read is bad input naming it.
#[test]
fn verify_missing_folder_is_bad_input() {
    let d = temp_path("missing", "").to_str().unwrap().to_owned();
    bad_input(
        &["verify", "--dir", &d],
        &["cannot read the scenario folder", &d],
    );
}

/// Two files of one scenario name: the error names both files.
#[test]
fn verify_duplicate_names_name_both_files() {
    let dir = temp_path("dup", "");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.toml"), GOOD).unwrap();
    std::fs::write(dir.join("b.toml"), GOOD).unwrap();
    let (a, b) = (dir.join("a.toml"), dir.join("b.toml"));
    bad_input(
        &["verify", "--dir", dir.to_str().unwrap()],
        &[
            &format!("{}:1:", b.display()),
            "`cli-good` is already used by",
            &a.display().to_string(),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `verify --json` keeps the rows that could not run, as `error` results with the
/// reason, so that a merge counts them.
#[test]
fn verify_json_lists_rows_that_could_not_run() {
    let o = daxlock(&[
        "verify",
        "--checker",
        "random",
        "--iterations",
        "2",
        "--shard",
        "3/4",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let results: Vec<&Value> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap())
        .collect();
    assert!(!results.is_empty(), "{doc}");
    for r in &results {
        assert_eq!(r["verdict"], "error", "{r}");
        assert!(
            r["error"].as_str().unwrap().contains("runs no execution"),
            "{r}"
        );
    }
    assert_eq!(doc["summary"]["unexpected"], results.len(), "{doc}");
}
