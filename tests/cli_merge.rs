//! `daxlock merge` over `verify --json` shard reports: summed rows, a missing shard or
//! a hang in one shard turning the merge red, and bad input naming the file.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{bad_input, code, daxlock, describe, json, stderr, stdout, temp_path, GOOD};

/// A small folder (a user's scenario and the seed with its bug variant) verified in
/// two shards with a tiny budget, each shard's JSON written to a file.
fn two_verify_shards(tag: &str) -> (support::TempPath, [PathBuf; 2]) {
    let dir = temp_path(tag, "");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("good.toml"), GOOD).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("verify/seed-sequential.toml"),
        dir.join("seed-sequential.toml"),
    )
    .unwrap();
    let files = [0, 1].map(|i| {
        let o = daxlock(&[
            "verify",
            "--dir",
            dir.to_str().unwrap(),
            "--iterations",
            "20",
            "--shard",
            &format!("{i}/2"),
            "--json",
        ]);
        assert_eq!(code(&o), 0, "{}", describe(&o));
        // Loom does not shard: shard 0 runs it, shard 1 says it leaves it out.
        assert_eq!(
            stderr(&o).contains("loom does not shard"),
            i == 1,
            "{}",
            describe(&o)
        );
        let has_loom = json(&o)["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["results"].as_array().unwrap())
            .any(|r| r["checker"] == "loom");
        assert_eq!(has_loom, i == 0, "{}", describe(&o));
        let f = dir.join(format!("shard-{i}.json"));
        std::fs::write(&f, &o.stdout).unwrap();
        f
    });
    (dir, files)
}

/// `daxlock merge` over two `verify --json` shards: one table in which every row is
/// as expected, the sharded checkers' executions summed over both shards (`2/2`), and
/// the closing line; `--json` gives the same rows with their parts; exit 0.
#[test]
fn merge_two_verify_shards() {
    let (dir, [a, b]) = two_verify_shards("merge");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let o = daxlock(&["merge", a, b]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    for header in [
        "scenario",
        "variant",
        "checker",
        "executions",
        "verdict",
        "expected",
    ] {
        assert!(out.lines().nth(1).unwrap().contains(header), "{out}");
    }
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("cli-good ") || l.starts_with("seed-sequential "))
        .collect();
    // cli-good: fixed × 4 checkers; seed-sequential: {fixed, misaligned-pmd} × 4.
    assert_eq!(rows.len(), 12, "{out}");
    for row in &rows {
        assert!(row.ends_with(" ok"), "{row}");
        if !row.contains(" loom ") {
            assert!(row.contains(" 2/2 "), "{row}");
        }
    }
    let hang = rows
        .iter()
        .find(|l| l.contains("misaligned-pmd") && l.contains(" pct "))
        .unwrap();
    assert!(hang.contains("hang       hang"), "{hang}");
    assert!(
        out.contains("12 rows, 12 as expected, 0 unexpected; lemma holds"),
        "{out}"
    );
    assert!(out.contains("merge: 13 passed, 0 failed"), "{out}");

    let o = daxlock(&["merge", "--json", a, b]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["ok"], true, "{doc}");
    assert_eq!(doc["summary"]["rows"], 12, "{doc}");
    assert_eq!(doc["merged"]["files"].as_array().unwrap().len(), 2, "{doc}");
    let shard_docs: Vec<Value> = [a, b]
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    let schedules = |d: &Value, scenario: &str, checker: &str| -> u64 {
        d["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["scenario"] == scenario && r["bugs"].as_array().unwrap().is_empty())
            .flat_map(|r| r["results"].as_array().unwrap())
            .filter(|r| r["checker"] == checker)
            .map(|r| r["schedules"].as_u64().unwrap())
            .sum()
    };
    for checker in ["stateful", "random", "pct"] {
        let parts: u64 = shard_docs
            .iter()
            .map(|d| schedules(d, "cli-good", checker))
            .sum();
        assert!(parts > 0, "{checker}");
        assert_eq!(
            schedules(&doc, "cli-good", checker),
            parts,
            "{checker}: {doc}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// One shard alone proves nothing: its fixed-build rows are `incomplete` with the
/// missing shard named, exit 1. A hang in one shard where the build should verify
/// makes the row a hang, with that shard's replay command; exit 1.
#[test]
fn merge_fails_on_a_missing_shard_or_a_hang_in_one() {
    let (dir, [a, b]) = two_verify_shards("merge-red");
    let o = daxlock(&["merge", a.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(
        out.contains("UNEXPECTED: cli-good [fixed] pct: incomplete, expected verified"),
        "{out}"
    );
    assert!(out.contains("missing: depth 3 seed 0 shard 1/2"), "{out}");

    // Shard 1's pct row of cli-good turned into a hang.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    for run in doc["runs"].as_array_mut().unwrap() {
        if run["scenario"] == "cli-good" {
            for r in run["results"].as_array_mut().unwrap() {
                if r["checker"] == "pct" {
                    r["verdict"] = "hang".into();
                    r["counterexample"] =
                        serde_json::json!({"replay": "daxlock replay good.toml --schedule 91"});
                }
            }
        }
    }
    let red = dir.join("shard-1-red.json");
    std::fs::write(&red, doc.to_string()).unwrap();
    let o = daxlock(&["merge", a.to_str().unwrap(), red.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(
        out.contains("UNEXPECTED: cli-good [fixed] pct: hang, expected verified"),
        "{out}"
    );
    assert!(
        out.contains(
            "(depth 3 seed 0 shard 1/2): hang; reproduce: daxlock replay good.toml --schedule 91"
        ),
        "{out}"
    );
    assert!(out.contains("merge: 12 passed, 1 failed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Unreadable or malformed reports are bad input naming the file; so is the same
/// shard twice; no file at all is a usage error. All exit 2.
#[test]
fn merge_bad_input_names_the_file() {
    let missing = temp_path("absent", ".json");
    let m = missing.to_str().unwrap().to_owned();
    bad_input(&["merge", &m], &[&m]);
    let garbage = temp_path("garbage", ".json");
    std::fs::write(&garbage, "{\"runs\": [").unwrap();
    let g = garbage.to_str().unwrap().to_owned();
    bad_input(&["merge", &g], &[&g, "not JSON"]);
    std::fs::write(&garbage, "{\"hello\": 1}").unwrap();
    bad_input(&["merge", &g], &[&g, "not a daxlock report"]);
    let _ = std::fs::remove_file(&garbage);

    let o = daxlock(&["merge"]);
    assert_eq!(code(&o), 2, "{}", describe(&o));

    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "pct",
        "--iterations",
        "8",
        "--shard",
        "0/2",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let shard = temp_path("run-shard", ".json");
    std::fs::write(&shard, &o.stdout).unwrap();
    let s = shard.to_str().unwrap().to_owned();
    bad_input(&["merge", &s, &s], &[&s, "the same shard twice"]);
    let _ = std::fs::remove_file(&shard);
}
