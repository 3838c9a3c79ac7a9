//! `daxlock run` end to end: exit codes (0 verified, 1 failure found), the JSON
//! report's shape, `--coverage`, `--max-seconds`, lesser failures, shards (loom in
//! shard 0 only, global execution numbers), `RUST_LOG` output and the PMD-alignment
//! note. Helpers shared by the `cli_*` files are in `tests/support/`.

mod support;

use serde_json::Value;
use std::process::Command;
use support::{
    bad_input, code, daxlock, describe, five_threads, json, paste, stderr, stdout, temp_file, GOOD,
};

/// The seed, fixed: every default checker (loom, random, pct) verifies; exit 0.
#[test]
fn run_seed_sequential_fixed_exits_0() {
    let o = daxlock(&["run", "verify/seed-sequential.toml"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    for c in ["loom", "random", "pct"] {
        assert!(out.contains(&format!("[fixed] {c}: verified")), "{out}");
    }
}

/// The seed with misaligned-pmd: a hang is found; exit 1; the report says "hang" and
/// prints the replay command for the shuttle checkers' schedule.
#[test]
fn run_seed_sequential_misaligned_pmd_exits_1_with_hang_and_replay() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--bug",
        "misaligned-pmd",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(out.contains("hang"), "{out}");
    let replay = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("reproduce: daxlock replay "))
        .unwrap_or_else(|| panic!("no replay command in:\n{out}"));
    assert!(
        replay.starts_with("verify/seed-sequential.toml --schedule "),
        "{replay}"
    );
    assert!(replay.ends_with(" --bug misaligned-pmd"), "{replay}");
}

/// `--json`: one JSON document with scenario, bugs and per-checker results carrying
/// checker, verdict, expected, schedules, seconds, warnings and a counterexample
/// (replay command and a trace of {thread, event, ...} objects).
#[test]
fn run_json_failing_has_the_documented_shape() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--bug",
        "misaligned-pmd",
        "--checker",
        "random",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    assert_eq!(doc["scenario"], "seed-sequential");
    assert_eq!(doc["bugs"], serde_json::json!(["misaligned-pmd"]));
    let results = doc["results"].as_array().expect("results array");
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["checker"], "random");
    assert_eq!(r["verdict"], "hang");
    assert_eq!(r["expected"], "hang");
    assert!(r["schedules"].as_u64().is_some_and(|n| n >= 1), "{r}");
    assert!(r["seconds"].is_number(), "{r}");
    let warnings = r["warnings"].as_array().expect("warnings array");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with("dax_insert_mapping_entry"))),
        "{r}"
    );
    let ce = &r["counterexample"];
    assert!(ce.is_object(), "{r}");
    let replay = ce["replay"].as_str().expect("replay string");
    assert!(
        replay.starts_with("daxlock replay verify/seed-sequential.toml --schedule "),
        "{replay}"
    );
    let trace = ce["trace"].as_array().expect("trace array");
    assert!(!trace.is_empty());
    for e in trace {
        assert!(e["thread"].is_u64(), "{e}");
        assert!(e["event"].is_string(), "{e}");
    }
    assert!(trace.iter().any(|e| e["event"] == "warn"));
}

/// A verified `--json` run: exit 0, verdict verified, counterexample null, no
/// warnings.
#[test]
fn run_json_verified_has_null_counterexample() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "random",
        "--iterations",
        "100",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let doc = json(&o);
    assert_eq!(doc["bugs"], serde_json::json!([]));
    let r = &doc["results"][0];
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["expected"], "verified");
    assert_eq!(r["schedules"], 100);
    assert!(r["counterexample"].is_null(), "{r}");
    assert_eq!(r["warnings"], serde_json::json!([]));
}

/// `run --coverage` prints, per branch some checker visited, each checker's count,
/// then the branches none visited; seed-sequential's fault takes the colour fallback
/// in every execution and never writes back.
#[test]
fn run_coverage_prints_the_table_and_the_branches_never_visited() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "random,pct",
        "--iterations",
        "30",
        "--coverage",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    assert!(
        out.contains("coverage (executions that visited each branch):"),
        "{out}"
    );
    let header = out
        .lines()
        .find(|l| l.trim_start().starts_with("branch "))
        .unwrap_or_else(|| panic!("no header in:\n{out}"));
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["branch", "random", "pct"]
    );
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("pmd-colour-fallback "))
        .unwrap_or_else(|| panic!("no pmd-colour-fallback row in:\n{out}"));
    // PCT runs four calibration executions on top of its 30.
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["pmd-colour-fallback", "30", "34"]
    );
    let never = out
        .lines()
        .find(|l| l.starts_with("never visited ("))
        .unwrap_or_else(|| panic!("no never-visited line in:\n{out}"));
    assert!(never.contains("writeback-dirty"), "{never}");
    assert!(!never.contains("pmd-colour-fallback"), "{never}");
    // Without --coverage, no table.
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "pct",
        "--iterations",
        "5",
    ]);
    assert!(!stdout(&o).contains("coverage"), "{}", describe(&o));
}

/// Every JSON result carries `coverage`: every branch by name, with the executions
/// that visited it.
#[test]
fn run_json_carries_coverage() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "stateful,random",
        "--iterations",
        "25",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let doc = json(&o);
    for r in doc["results"].as_array().expect("results") {
        let cov = r["coverage"].as_object().expect("a coverage object");
        assert_eq!(cov.len(), daxlock::dax::Branch::COUNT, "{r}");
        for b in daxlock::dax::Branch::ALL {
            assert!(cov[b.name()].is_u64(), "{b}: {r}");
        }
        assert_eq!(cov["pmd-colour-fallback"], r["schedules"], "{r}");
        assert_eq!(cov["writeback-dirty"], 0, "{r}");
    }
}

/// With the default `--checker all`, a scenario loom cannot model runs under stateful,
/// random and PCT, says so on stderr, and gives real verdicts: random and PCT verify,
/// and stateful, on a budget too small for five threads, says `incomplete` (exit 1),
/// never `verified`.
#[test]
fn run_all_skips_loom_for_five_threads() {
    let text = five_threads();
    let p = temp_file("five-all", &text);
    let o = daxlock(&[
        "run",
        p.to_str().unwrap(),
        "--iterations",
        "200",
        "--max-states",
        "2000",
    ]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("running stateful, random and pct"), "{err}");
    let out = stdout(&o);
    assert!(out.contains("[fixed] random: verified"), "{out}");
    assert!(out.contains("[fixed] pct: verified"), "{out}");
    assert!(out.contains("[fixed] stateful: incomplete"), "{out}");
    assert!(
        out.contains("INCOMPLETE (stopped at max-states 2000)"),
        "{out}"
    );
    assert!(!out.contains("] loom"), "{out}");
}

/// A check that runs no execution verifies nothing: shard 3 of 4 of a 2-iteration
/// budget is empty, and `run` says so on one line with exit 2 (it used to print
/// "verified over 0 executions", exit 0). PCT's calibration execution does not count
/// as the shard's budget.
#[test]
fn run_that_runs_no_execution_is_an_error() {
    for checker in ["random", "pct"] {
        let line = bad_input(
            &[
                "run",
                "verify/seed-concurrent.toml",
                "--checker",
                checker,
                "--iterations",
                "2",
                "--shard",
                "3/4",
                "--bug",
                "misaligned-pmd",
            ],
            &[
                "seed-concurrent [misaligned-pmd]",
                checker,
                "shard 3/4 of 2 iterations",
                "runs no execution",
            ],
        );
        assert!(!line.contains("verified"), "{line}");
    }
}

/// `RUST_LOG` output written to a pipe carries no ANSI colour codes.
#[test]
fn rust_log_to_a_pipe_has_no_colour_codes() {
    let o = Command::new(env!("CARGO_BIN_EXE_daxlock"))
        .args([
            "run",
            "verify/seed-sequential.toml",
            "--checker",
            "random",
            "--iterations",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "daxlock=debug")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pmd-fault"), "{err}");
    assert!(!err.contains('\u{1b}'), "ANSI codes in: {err}");
}

/// Every checker under `--max-seconds 0.2` on a scenario none finishes in that time
/// (the stateful search, with snapshots, needs about 0.5 s of CPU here on an idle
/// machine, so 0.5 s was too close; loom at bound 6 far longer; the shuttle and
/// real-thread budgets are out of reach). Each check gets the time limit of its own.
const OUT_OF_TIME: [&str; 10] = [
    "run",
    "verify/keyed-wake-shared-bucket.toml",
    "--checker",
    "stateful,loom,random,pct,threads",
    "--preemption-bound",
    "6",
    "--iterations",
    "100000000",
    "--max-seconds",
    "0.2",
];

/// `--max-seconds`: every checker stops when its time is up, with verdict
/// `incomplete` (exit 1), never `verified`, and the JSON says how far it got
/// (executions, and states for stateful).
#[test]
fn run_max_seconds_stops_every_checker_incomplete() {
    let start = std::time::Instant::now();
    let o = daxlock(&[&OUT_OF_TIME[..], &["--json"]].concat());
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let results = doc["results"].as_array().expect("results");
    assert_eq!(results.len(), 5, "{doc}");
    for r in results {
        assert_eq!(r["verdict"], "incomplete", "{r}");
        assert_eq!(r["timed_out"], true, "{r}");
        assert_eq!(r["complete"], false, "{r}");
        assert!(r["schedules"].as_u64().is_some_and(|n| n >= 1), "{r}");
    }
    let stateful = &results[0];
    assert!(stateful["search"]["states"].as_u64().is_some_and(|n| n > 0));
}

/// The text of a check stopped by `--max-seconds` says how far each check got and
/// never says `verified`.
#[test]
fn run_max_seconds_text_says_how_far_each_check_got() {
    let o = daxlock(&OUT_OF_TIME);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let out = stdout(&o);
    assert!(!out.contains("verified"), "{out}");
    assert_eq!(
        out.matches("stopped by --max-seconds after").count(),
        5,
        "{out}"
    );
    assert!(out.contains("states explored; not a proof"), "{out}");
    assert!(
        out.contains("INCOMPLETE (stopped at --max-seconds)"),
        "{out}"
    );
}

/// A check that finishes within its time limit is verified as usual.
#[test]
fn run_max_seconds_that_suffices_verifies() {
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--iterations",
        "50",
        "--max-seconds",
        "120",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(!stdout(&o).contains("max-seconds"), "{}", describe(&o));
}

/// The random checker on the seed with misaligned-pmd: a hang at some execution,
/// after an invariant failure at execution 1.
const LESSER_THEN_HANG: [&str; 6] = [
    "run",
    "verify/seed-concurrent.toml",
    "--bug",
    "misaligned-pmd",
    "--checker",
    "random",
];

/// [`LESSER_THEN_HANG`]'s one JSON result (exit 1).
fn lesser_then_hang() -> Value {
    let o = daxlock(&[&LESSER_THEN_HANG[..], &["--json"]].concat());
    assert_eq!(code(&o), 1, "{}", describe(&o));
    json(&o)["results"][0].clone()
}

/// An exploration that ends at a hang after an earlier, lesser failure lists that
/// failure too (first of each kind), with its trace and details.
#[test]
fn run_lists_lesser_failures_before_a_hang() {
    let r = lesser_then_hang();
    assert_eq!(r["verdict"], "hang", "{r}");
    let hang_at = r["counterexample"]["execution"].as_u64().unwrap();
    let lesser = r["lesser_failures"].as_array().expect("lesser_failures");
    assert_eq!(lesser.len(), 1, "{r}");
    let l = &lesser[0];
    assert_eq!(l["verdict"], "invariant", "{l}");
    assert!(l["execution"].as_u64().unwrap() < hang_at, "{r}");
    assert_eq!(r["first_failure_at"], l["execution"], "{r}");
    assert!(!l["trace"].as_array().unwrap().is_empty(), "{l}");
    assert!(!l["details"].as_array().unwrap().is_empty(), "{l}");
}

/// A lesser failure's reproduce command, pasted, gives that failure (its verdict and
/// its trace), not the hang.
#[test]
fn a_lesser_failures_reproduce_command_gives_it() {
    let r = lesser_then_hang();
    let l = &r["lesser_failures"][0];
    let cmd = l["replay"].as_str().expect("a reproduce command");
    let again = paste(cmd);
    assert_eq!(again["verdict"], "invariant", "{cmd}: {again}");
    assert_eq!(again["counterexample"]["trace"], l["trace"], "{cmd}");
}

/// The text shows the lesser failure after the hang, with its details and reproduce
/// command.
#[test]
fn run_text_shows_the_lesser_failure_after_the_hang() {
    let o = daxlock(&LESSER_THEN_HANG);
    let out = stdout(&o);
    let at = out
        .find("earlier, a lesser failure: invariant at execution 1")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(out[at..].contains("has no matching PMD entry"), "{out}");
    assert!(out[at..].contains("reproduce: daxlock replay"), "{out}");
}

/// `RUST_LOG=daxlock=debug`: every protocol line names its model thread (t1, t2),
/// not the OS thread (`main`), executions are separated by a `--- ... execution N
/// ---` line, and numbers are hex as in the timeline.
#[test]
fn rust_log_names_model_threads_and_executions() {
    for checker in ["random", "loom", "stateful"] {
        let o = Command::new(env!("CARGO_BIN_EXE_daxlock"))
            .args([
                "run",
                "verify/storage-misaligned.toml",
                "--checker",
                checker,
                "--iterations",
                "3",
                "--preemption-bound",
                "1",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "daxlock=debug")
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", describe(&o));
        let err = stderr(&o);
        let grabs: Vec<&str> = err.lines().filter(|l| l.contains(" grab ")).collect();
        assert!(!grabs.is_empty(), "{checker}: {err}");
        for g in &grabs {
            let who = g.split_whitespace().nth(1).unwrap_or_default();
            assert!(who == "t1" || who == "t2", "{checker}: {g}");
            assert!(g.contains("index=0x") && g.contains("key=0x"), "{g}");
            assert!(!g.contains("mapping="), "{g}");
        }
        for t in ["t1", "t2"] {
            assert!(
                grabs.iter().any(|g| g.split_whitespace().nth(1) == Some(t)),
                "{checker}: no {t} line in {err}"
            );
        }
        let name = format!("--- storage-misaligned [fixed] {checker}: execution ");
        assert!(err.contains(&format!("{name}1 ---")), "{checker}: {err}");
        assert!(err.contains(&format!("{name}2 ---")), "{checker}: {err}");
    }
}

/// `run` of the seed with the default checkers in shard `shard`.
fn run_shard(shard: &str) -> std::process::Output {
    daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--iterations",
        "20",
        "--shard",
        shard,
    ])
}

/// Loom's exploration is not sharded: with `--shard I/N` and the default checkers,
/// shard 0 runs loom, without a note.
#[test]
fn run_shard_0_runs_loom() {
    let o = run_shard("0/4");
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(
        stdout(&o).contains("[fixed] loom: verified"),
        "{}",
        describe(&o)
    );
    assert!(
        !stderr(&o).contains("loom does not shard"),
        "{}",
        describe(&o)
    );
}

/// Every shard but 0 runs the sharded checkers and says it leaves loom out.
#[test]
fn run_other_shards_leave_loom_out() {
    for shard in ["1/4", "3/4"] {
        let o = run_shard(shard);
        assert_eq!(code(&o), 0, "{}", describe(&o));
        assert!(!stdout(&o).contains("] loom"), "{}", describe(&o));
        assert!(
            stdout(&o).contains("[fixed] random: verified"),
            "{}",
            describe(&o)
        );
        assert!(
            stderr(&o).contains(&format!(
                "loom does not shard; it runs in shard 0 only (this is shard {shard})"
            )),
            "{}",
            describe(&o)
        );
    }
}

/// An explicit `--checker loom` on a shard other than 0 is bad input.
#[test]
fn run_explicit_loom_on_another_shard_is_bad_input() {
    bad_input(
        &[
            "run",
            "verify/seed-sequential.toml",
            "--checker",
            "loom",
            "--shard",
            "1/4",
        ],
        &["loom does not shard", "shard 0"],
    );
}

/// Execution numbers in a shard are the whole budget's: the shard that runs the
/// unsharded run's failing iteration reports it under the same number, and every
/// number a shard reports is one of its own iterations.
#[test]
fn sharded_execution_numbers_are_global() {
    let run = |shard: Option<&str>| {
        let mut args = vec![
            "run",
            "verify/seed-concurrent.toml",
            "--bug",
            "misaligned-pmd",
            "--checker",
            "random",
            "--iterations",
            "200",
            "--json",
        ];
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = daxlock(&args);
        assert_eq!(code(&o), 1, "{}", describe(&o));
        json(&o)["results"][0].clone()
    };
    let whole = run(None);
    let hang_at = whole["counterexample"]["execution"].as_u64().unwrap();
    let mut seen = false;
    for i in 0..4u64 {
        let r = run(Some(&format!("{i}/4")));
        let mut numbers = vec![r["first_failure_at"].as_u64().unwrap()];
        numbers.push(r["counterexample"]["execution"].as_u64().unwrap());
        for l in r["lesser_failures"].as_array().unwrap() {
            numbers.push(l["execution"].as_u64().unwrap());
        }
        for n in &numbers {
            assert_eq!((n - 1) % 4, i, "shard {i}/4 reports execution {n}: {r}");
        }
        if (hang_at - 1) % 4 == i {
            assert_eq!(r["counterexample"]["execution"], hang_at, "{r}");
            assert_eq!(
                r["counterexample"]["trace"], whole["counterexample"]["trace"],
                "{r}"
            );
            seen = true;
        }
    }
    assert!(seen);
}

/// [`GOOD`] with one extent over the whole file starting at device frame `frame`.
fn with_extent(frame: &str) -> String {
    GOOD.replace(
        "size_pages = 0x400",
        &format!(
            "size_pages = 0x400\nextents = [ {{ pgoff = 0, pages = 0x400, frame = {frame} }} ]"
        ),
    )
}

/// `run` notes a PMD fault that can never map huge because the extent's frame is
/// not 2 MiB aligned relative to its file offset (one note: thread 2's fault is a
/// PTE fault).
#[test]
fn run_notes_pmd_fault_over_unaligned_storage() {
    let p = temp_file("unaligned-frame", &with_extent("0x80001"));
    let path = p.to_str().unwrap().to_owned();
    let o = daxlock(&["run", &path, "--checker", "pct", "--iterations", "10"]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("daxlock: note: {path}: thread 1, op 1: the PMD fault at 0x7f0000000000 can never map a huge page"))
            && err.contains("frame 0x80001"),
        "{err}"
    );
    // Thread 2's fault is a PTE fault: no note.
    assert_eq!(err.matches("note:").count(), 1, "{err}");
}

/// An aligned layout gets no PMD-alignment note.
#[test]
fn run_gives_no_note_over_aligned_storage() {
    let p = temp_file("aligned-frame", &with_extent("0x80000"));
    let o = daxlock(&[
        "run",
        p.to_str().unwrap(),
        "--checker",
        "pct",
        "--iterations",
        "10",
    ]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(!stderr(&o).contains("note:"), "{}", describe(&o));
}
