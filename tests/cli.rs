//! The `daxlock` binary end to end: exit codes (0 verified / 1 failure found / 2 bad
//! input), the JSON report's shape, replay reproducing a counterexample, `lemma`,
//! `list`, bad-input messages, and the verification gate going red when an
//! expectation is wrong.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn daxlock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_daxlock"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env_remove("LOOM_MAX_PREEMPTIONS")
        .output()
        .expect("running daxlock")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", describe(o)))
}

/// A fresh path under the temp dir, unique to this process and call.
fn temp_path(tag: &str, ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "daxlock-cli-{}-{}-{tag}{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

fn temp_file(tag: &str, text: &str) -> PathBuf {
    let p = temp_path(tag, ".toml");
    std::fs::write(&p, text).expect("writing a temp scenario");
    p
}

fn catalogue_names() -> Vec<String> {
    daxlock::scenario::load_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("verify"))
        .expect("catalogue")
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// A valid two-thread scenario for the bad-input tests to break one piece of.
const GOOD: &str = r#"name = "cli-good"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000 } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000001000, size = "pte" } ]
"#;

// ---------------------------------------------------------------------------------
// run

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

// ---------------------------------------------------------------------------------
// replay

/// A failing run's recorded schedule, replayed, gives the same verdict (hang) and the
/// same trace, event for event.
fn replay_reproduces(checker: &str) {
    let file = "verify/seed-concurrent.toml";
    let o = daxlock(&[
        "run",
        file,
        "--bug",
        "misaligned-pmd",
        "--checker",
        checker,
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let r = &doc["results"][0];
    assert_eq!(r["verdict"], "hang", "{r}");
    let ce = &r["counterexample"];
    let schedule = ce["schedule"]
        .as_str()
        .unwrap_or_else(|| panic!("no schedule in {ce}"));
    assert!(
        ce["replay"].as_str().is_some_and(|c| c.contains(schedule)),
        "{ce}"
    );
    let trace = ce["trace"].as_array().expect("trace").clone();
    assert!(!trace.is_empty());

    let o = daxlock(&[
        "replay",
        file,
        "--schedule",
        schedule,
        "--bug",
        "misaligned-pmd",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let rr = &doc["results"][0];
    assert_eq!(rr["checker"], "replay");
    assert_eq!(rr["verdict"], "hang", "{rr}");
    assert_eq!(rr["schedules"], 1);
    let replayed = rr["counterexample"]["trace"].as_array().expect("trace");
    assert_eq!(replayed, &trace, "replayed trace differs from the original");
}

/// Replay of a random-checker counterexample reproduces it.
#[test]
fn replay_reproduces_random_counterexample() {
    replay_reproduces("random");
}

/// Replay of a PCT counterexample reproduces it.
#[test]
fn replay_reproduces_pct_counterexample() {
    replay_reproduces("pct");
}

/// Runs a printed `daxlock ...` command as pasted into a shell (it must be one line,
/// with nothing to quote), with `--json`; returns its one result.
fn paste(cmd: &str) -> Value {
    assert!(!cmd.contains('\n'), "the command spans lines: {cmd:?}");
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"daxlock"), "{cmd}");
    let mut args = words[1..].to_vec();
    args.push("--json");
    let o = daxlock(&args);
    assert!(matches!(code(&o), 0 | 1), "{cmd}: {}", describe(&o));
    let doc = json(&o);
    let results = doc["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{cmd}: {doc}");
    results[0].clone()
}

/// Every reproduce command printed for `args` (a `run ... --json`), pasted, gives the
/// same verdict; a replay gives the same trace, a loom rerun the same exploration.
/// A replay's own printed command reproduces it again. Returns the results.
fn reproduce_every_counterexample(args: &[&str]) -> Vec<Value> {
    let o = daxlock(args);
    assert_eq!(code(&o), 1, "{args:?}: {}", describe(&o));
    let doc = json(&o);
    let results = doc["results"].as_array().expect("results").clone();
    for r in &results {
        let ce = &r["counterexample"];
        let cmd = ce["replay"]
            .as_str()
            .unwrap_or_else(|| panic!("{args:?}: no reproduce command in {r}"));
        let again = paste(cmd);
        assert_eq!(again["verdict"], r["verdict"], "{cmd}: {again}");
        if cmd.starts_with("daxlock replay ") {
            assert_eq!(again["counterexample"]["trace"], ce["trace"], "{cmd}");
            // The replay's own reproduce command is valid and reproduces it too.
            let own = again["counterexample"]["replay"]
                .as_str()
                .expect("a command");
            assert_eq!(own, cmd, "a replay prints itself");
            assert_eq!(paste(own)["verdict"], r["verdict"], "{own}");
        } else if r["checker"] == "loom" {
            for k in ["schedules", "first_failure_at", "settings"] {
                assert_eq!(again[k], r[k], "{cmd}: {k}");
            }
        }
    }
    results
}

/// `run` with every default checker (stateful, loom, random, pct), then each printed
/// command: same verdicts and traces, in another process where nothing ran before.
#[test]
fn printed_commands_reproduce_run_all() {
    let results = reproduce_every_counterexample(&[
        "run",
        "verify/seed-concurrent.toml",
        "--bug",
        "misaligned-pmd",
        "--json",
    ]);
    assert_eq!(results.len(), 4);
}

/// Loom's rerun command keeps the preemption bound it ran with (bound 3 here, where
/// the scenario says 2).
#[test]
fn printed_commands_reproduce_loom_bound() {
    let r = reproduce_every_counterexample(&[
        "run",
        "verify/bug-eexist-no-pass.toml",
        "--bug",
        "eexist-no-pass",
        "--checker",
        "loom",
        "--preemption-bound",
        "3",
        "--json",
    ]);
    let cmd = r[0]["counterexample"]["replay"].as_str().unwrap();
    assert!(cmd.contains("--preemption-bound 3"), "{cmd}");
}

/// A replay of a failure that is not a hang (an invariant) prints a replay command,
/// not `run --checker replay`.
#[test]
fn printed_commands_reproduce_replay_of_an_invariant() {
    let r = reproduce_every_counterexample(&[
        "run",
        "verify/bug-no-pagetable-recheck.toml",
        "--bug",
        "no-pagetable-recheck",
        "--checker",
        "pct",
        "--json",
    ]);
    assert_eq!(r[0]["verdict"], "invariant");
}

/// A long shuttle schedule is printed on one line (shuttle's own encoding wraps it).
#[test]
fn printed_commands_reproduce_long_schedule() {
    let r = reproduce_every_counterexample(&[
        "run",
        "verify/bug-downgrade-wake-one.toml",
        "--bug",
        "downgrade-wake-one",
        "--checker",
        "random",
        "--json",
    ]);
    let schedule = r[0]["counterexample"]["schedule"].as_str().unwrap();
    assert!(
        schedule.len() > 76 && !schedule.contains('\n'),
        "{schedule}"
    );
}

/// The real-thread checker's rerun command keeps its watchdog (and iterations), and
/// its hang says it is a watchdog timeout, not a proven deadlock.
#[test]
fn printed_commands_reproduce_threads_watchdog() {
    let r = reproduce_every_counterexample(&[
        "run",
        "verify/seed-sequential.toml",
        "--bug",
        "misaligned-pmd",
        "--checker",
        "threads",
        "--watchdog-ms",
        "300",
        "--iterations",
        "5",
        "--json",
    ]);
    assert_eq!(r[0]["verdict"], "hang");
    let cmd = r[0]["counterexample"]["replay"].as_str().unwrap();
    assert!(cmd.contains("--watchdog-ms 300"), "{cmd}");
    let detail = r[0]["counterexample"]["details"][0].as_str().unwrap();
    assert!(
        detail.contains("watchdog timeout") && detail.contains("not a proven deadlock"),
        "{detail}"
    );
}

// ---------------------------------------------------------------------------------
// lemma, list

/// `lemma` proves the colour check: exit 0, "proved".
#[test]
fn lemma_exits_0_and_proves() {
    let o = daxlock(&["lemma"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(stdout(&o).contains("proved"), "{}", describe(&o));
}

/// `list` names every catalogue scenario and every bug, misaligned-pmd included.
#[test]
fn list_names_every_scenario_and_bug() {
    let o = daxlock(&["list"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    let names = catalogue_names();
    assert!(!names.is_empty());
    for n in &names {
        assert!(out.contains(n.as_str()), "{n} missing from:\n{out}");
    }
    assert!(out.contains("misaligned-pmd"), "{out}");
    for b in daxlock::dax::ALL_BUGS {
        assert!(out.contains(b.name), "{} missing from:\n{out}", b.name);
    }
}

/// `list --branches` names every branch of the protocol with its one-line meaning,
/// and only them.
#[test]
fn list_branches_names_every_branch() {
    let o = daxlock(&["list", "--branches"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    for b in daxlock::dax::Branch::ALL {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(b.name()))
            .unwrap_or_else(|| panic!("{b} missing from:\n{out}"));
        assert!(line.ends_with(b.meaning()), "{line}");
    }
    assert_eq!(
        out.lines().count(),
        daxlock::dax::Branch::COUNT + 1,
        "{out}"
    );
    assert!(!out.contains("misaligned-pmd"), "{out}");
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

// ---------------------------------------------------------------------------------
// bad input: exit 2, one line on stderr

/// Asserts exit 2 and exactly one stderr line, starting with "daxlock:", containing
/// every `needles`; returns that line.
fn bad_input(args: &[&str], needles: &[&str]) -> String {
    let o = daxlock(args);
    assert_eq!(code(&o), 2, "{args:?}: {}", describe(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: stderr is not one line:\n{err}");
    assert!(lines[0].starts_with("daxlock:"), "{args:?}: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "{args:?}: {n:?} not in {err}");
    }
    assert!(stdout(&o).is_empty(), "{args:?}: stdout: {}", stdout(&o));
    lines[0].to_owned()
}

fn bad_scenario(tag: &str, text: &str, needles: &[&str]) -> String {
    let p = temp_file(tag, text);
    let path = p.to_str().expect("utf-8 temp path").to_owned();
    let line = bad_input(
        &["run", &path, "--checker", "pct", "--iterations", "10"],
        needles,
    );
    let _ = std::fs::remove_file(&p);
    line
}

/// The valid base scenario really is valid (so each case below fails for its own
/// reason only).
#[test]
fn bad_input_base_scenario_is_valid() {
    let p = temp_file("good", GOOD);
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
}

/// A scenario file that does not exist.
#[test]
fn bad_input_nonexistent_file() {
    let p = temp_path("missing", ".toml");
    let path = p.to_str().unwrap().to_owned();
    bad_input(&["run", &path], &[&path]);
}

/// Malformed TOML: the message names the line and column.
#[test]
fn bad_input_malformed_toml_has_line_and_column() {
    let text = "name = \"broken\"\n[file]\nsize_pages = = 3\n";
    let line = bad_scenario("malformed", text, &["line 3, column"]);
    assert!(line.contains("daxlock-cli-"), "names the file: {line}");
}

/// `[expect] visits` naming no branch is bad input pointing at `list --branches`.
#[test]
fn bad_input_unknown_branch_in_visits() {
    let text = format!("{GOOD}[expect]\nfixed = \"verified\"\nvisits = [\"grab-wiat\"]\n");
    bad_scenario(
        "unknown-branch",
        &text,
        &["unknown branch `grab-wiat`", "daxlock list --branches"],
    );
}

/// An unknown key is an error naming it.
#[test]
fn bad_input_unknown_key() {
    let text = GOOD.replace("name = \"cli-good\"", "name = \"cli-good\"\ncolour = 1");
    bad_scenario("unknown-key", &text, &["unknown field `colour`", "line 2"]);
}

/// A fault address outside every VMA: the message names the file and the line of
/// the operation (`FILE:11: thread 2: address 0x1000 lies outside every VMA`).
#[test]
fn bad_input_address_outside_every_vma() {
    let text = GOOD.replace("addr = 0x7f0000001000", "addr = 0x1000");
    let p = temp_file("outside", &text);
    let path = p.to_str().unwrap().to_owned();
    bad_input(
        &["run", &path, "--checker", "pct", "--iterations", "10"],
        &[&format!(
            "{path}:11: thread 2: address 0x1000 lies outside every VMA"
        )],
    );
    let _ = std::fs::remove_file(&p);
}

/// A VMA that is not page aligned.
#[test]
fn bad_input_unaligned_vma() {
    let text = GOOD.replace("start = 0x7f0000000000", "start = 0x7f0000000010");
    bad_scenario("unaligned", &text, &["not page aligned"]);
}

/// A VMA whose end is not above its start.
#[test]
fn bad_input_vma_end_not_above_start() {
    let text = GOOD.replace("end = 0x7f0000400000", "end = 0x7f0000000000");
    bad_scenario("end-le-start", &text, &["not above start"]);
}

/// A scenario without threads.
#[test]
fn bad_input_zero_threads() {
    let text = GOOD.split("[[thread]]").next().unwrap().to_owned();
    bad_scenario("no-threads", &text, &["at least one [[thread]]"]);
}

/// GOOD with three more threads: five, one more than loom models.
fn five_threads() -> String {
    let mut text = GOOD.to_owned();
    for i in 2..5 {
        text.push_str(&format!(
            "[[thread]]\nops = [ {{ op = \"fault\", addr = 0x7f000000{i}000, size = \"pte\" }} ]\n"
        ));
    }
    text
}

/// Five threads are more than loom models: refused before running, pointing at pct.
#[test]
fn bad_input_five_threads_under_loom() {
    let text = five_threads();
    let p = temp_file("five", &text);
    let line = bad_input(
        &["run", p.to_str().unwrap(), "--checker", "loom"],
        &["5 threads", "loom", "pct"],
    );
    let _ = std::fs::remove_file(&p);
    assert!(line.contains("at most 4"), "{line}");
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

/// An unknown bug name.
#[test]
fn bad_input_unknown_bug() {
    bad_input(
        &["run", "verify/seed-sequential.toml", "--bug", "no-such-bug"],
        &["unknown bug `no-such-bug`", "misaligned-pmd"],
    );
}

/// `--shard 3/2`: index not below count.
#[test]
fn bad_input_shard_index_out_of_range() {
    bad_input(
        &[
            "run",
            "verify/seed-sequential.toml",
            "--checker",
            "random",
            "--shard",
            "3/2",
        ],
        &["bad shard `3/2`"],
    );
}

/// `--shard x`: not I/N.
#[test]
fn bad_input_shard_not_a_fraction() {
    bad_input(
        &[
            "run",
            "verify/seed-sequential.toml",
            "--checker",
            "random",
            "--shard",
            "x",
        ],
        &["bad shard `x`"],
    );
}

/// An unknown checker name.
#[test]
fn bad_input_unknown_checker() {
    bad_input(
        &["run", "verify/seed-sequential.toml", "--checker", "tla"],
        &["unknown checker `tla`"],
    );
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

/// `[check] iterations = 0` is rejected when the scenario is read: exit 2, one line
/// naming the file and the field.
#[test]
fn bad_input_check_iterations_zero() {
    let p = temp_file("iterations0", &format!("{GOOD}[check]\niterations = 0\n"));
    let path = p.to_str().expect("utf-8 temp path").to_owned();
    bad_input(
        &["run", &path, "--checker", "stateful"],
        &[&path, "[check] iterations", "at least 1"],
    );
    let _ = std::fs::remove_file(&p);
}

/// `replay --schedule ""`: exit 2, one line (it used to panic, exit 101).
#[test]
fn bad_input_empty_schedule() {
    bad_input(
        &["replay", "verify/seed-concurrent.toml", "--schedule", ""],
        &["schedule", "empty"],
    );
}

/// Strings that are not shuttle schedules, or that claim more steps than they hold:
/// exit 2, one line, no panic or allocation abort.
#[test]
fn bad_input_garbage_schedule() {
    for s in [
        "zz",
        "91",
        "91ffffffffffffffffff01",
        "9101ffffffff0f00",
        "00",
    ] {
        bad_input(
            &["replay", "verify/seed-concurrent.toml", "--schedule", s],
            &["not a shuttle schedule"],
        );
    }
}

/// A shuttle schedule replayed on a scenario it does not fit (without the bug it was
/// found with, or on another file): exit 2, one line saying so and suggesting
/// `--bug`, as for stateful `s1:` paths (it used to print a raw shuttle panic).
#[test]
fn bad_input_schedule_that_does_not_fit() {
    let o = daxlock(&[
        "run",
        "verify/seed-concurrent.toml",
        "--bug",
        "misaligned-pmd",
        "--checker",
        "random",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let schedule = doc["results"][0]["counterexample"]["schedule"]
        .as_str()
        .expect("a schedule")
        .to_owned();
    let cases: [&[&str]; 4] = [
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            &schedule,
        ],
        &[
            "replay",
            "verify/seed-sequential.toml",
            "--schedule",
            &schedule,
            "--bug",
            "misaligned-pmd",
        ],
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            "91010000",
        ],
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            "s1:01",
        ],
    ];
    // Bound schedules say what differs (the variant, with the --bug to pass; the
    // scenario); unbound ones are refused (README: Replaying a schedule).
    let words: [&[&str]; 4] = [
        &["does not belong here", "variant", "--bug misaligned-pmd"],
        &["does not belong here", "scenario"],
        &["carries no binding"],
        &["carries no binding"],
    ];
    for (args, words) in cases.into_iter().zip(words) {
        let line = bad_input(args, words);
        assert!(!line.contains("panicked"), "{line}");
    }
}

/// `wait_buckets` above the documented limit (1 << 20): exit 2 naming the field.
#[test]
fn bad_input_wait_buckets_too_many() {
    bad_scenario(
        "buckets",
        &format!("wait_buckets = 0xffffffffffff\n{GOOD}"),
        &["wait_buckets", "at most 1048576"],
    );
}

/// A real-thread watchdog below the documented floor (100 ms) is refused, not raised
/// silently (0 used to become 1 ms; 5 ms reports hangs on the fixed build).
#[test]
fn bad_input_watchdog_below_floor() {
    for ms in ["0", "5", "99"] {
        bad_input(
            &[
                "run",
                "verify/seed-sequential.toml",
                "--checker",
                "threads",
                "--watchdog-ms",
                ms,
            ],
            &["--watchdog-ms", "at least 100"],
        );
    }
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "threads",
        "--watchdog-ms",
        "100",
        "--iterations",
        "5",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
}

// ---------------------------------------------------------------------------------
// verify

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
fn catalogue_copy() -> PathBuf {
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

/// Zero seeds, cap or iterations for a benchmark is bad input, not silently 1.
#[test]
fn bad_input_bench_zero_budgets() {
    bad_input(
        &["bench", "zoo", "--seeds", "0"],
        &["--seeds and --cap must be at least 1"],
    );
    bad_input(
        &["bench", "zoo", "--cap", "0"],
        &["--seeds and --cap must be at least 1"],
    );
    bad_input(
        &["bench", "speed", "--iterations", "0"],
        &["--iterations must be at least 1"],
    );
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

/// `list` says "1 thread", not "1 threads".
#[test]
fn list_counts_threads_in_english() {
    let o = daxlock(&["list"]);
    let out = stdout(&o);
    assert!(out.contains(" 1 thread "), "{out}");
    assert!(!out.contains(" 1 threads"), "{out}");
}

// ---------------------------------------------------------------------------------
// a newcomer's first hour

/// `--max-seconds`: every checker stops when its time is up, with verdict
/// `incomplete` (exit 1), never `verified`, saying how far it got (executions, and
/// states for stateful). Each check gets the time limit of its own.
#[test]
fn run_max_seconds_stops_every_checker_incomplete() {
    // Stateful needs about 11 s here, loom at bound 6 far longer; the shuttle and
    // real-thread budgets are out of reach.
    let args = [
        "run",
        "verify/keyed-wake-shared-bucket.toml",
        "--checker",
        "stateful,loom,random,pct,threads",
        "--preemption-bound",
        "6",
        "--iterations",
        "100000000",
        "--max-seconds",
        "0.5",
    ];
    let start = std::time::Instant::now();
    let o = daxlock(&[&args[..], &["--json"]].concat());
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
    // The text says how far each check got.
    let o = daxlock(&args);
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

/// Zero (or not a number of seconds) is bad input.
#[test]
fn bad_input_max_seconds_zero() {
    for s in ["0", "0.0", "nan", "inf"] {
        bad_input(
            &["run", "verify/seed-sequential.toml", "--max-seconds", s],
            &["--max-seconds", "above 0"],
        );
    }
}

/// A scenario without `[expect]` in a user's folder is expected to verify in the
/// fixed build and gets rows; bug coverage is not demanded of a user's folder
/// unless `--require-zoo`.
#[test]
fn verify_user_folder_expects_verified_without_zoo() {
    let dir = temp_path("mine", "");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("good.toml"), GOOD).unwrap();
    let d = dir.to_str().unwrap().to_owned();
    let o = daxlock(&["verify", "--dir", &d, "--checker", "pct,stateful"]);
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
    let o = daxlock(&["verify", "--dir", &d, "--checker", "pct", "--json"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["ok"], true, "{doc}");
    assert_eq!(doc["summary"]["zoo_required"], false, "{doc}");
    assert_eq!(
        doc["runs"][0]["results"][0]["expected"], "verified",
        "{doc}"
    );
    // Asked for, coverage fails: the folder catches no bug.
    let o = daxlock(&["verify", "--dir", &d, "--checker", "pct", "--require-zoo"]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    assert!(stdout(&o).contains("no row of the gate caught these bugs"));
    let _ = std::fs::remove_dir_all(&dir);
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

/// An empty folder, or one that cannot be read, is bad input with a clear line.
#[test]
fn verify_empty_or_missing_folder_is_bad_input() {
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

/// `name = ""` says so plainly, with the file and line.
#[test]
fn bad_input_empty_name() {
    let p = temp_file("noname", &GOOD.replace("\"cli-good\"", "\"\""));
    let path = p.to_str().unwrap().to_owned();
    bad_input(
        &["run", &path],
        &[&format!("{path}:1: name must not be empty")],
    );
    let _ = std::fs::remove_file(&p);
}

/// An exploration that ends at a hang after an earlier, lesser failure lists that
/// failure too (first of each kind), with its trace and a reproduce command that
/// gives it.
#[test]
fn run_lists_lesser_failures_before_a_hang() {
    let args = [
        "run",
        "verify/seed-concurrent.toml",
        "--bug",
        "misaligned-pmd",
        "--checker",
        "random",
    ];
    let o = daxlock(&[&args[..], &["--json"]].concat());
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let r = &doc["results"][0];
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
    let cmd = l["replay"].as_str().expect("a reproduce command");
    let again = paste(cmd);
    assert_eq!(again["verdict"], "invariant", "{cmd}: {again}");
    assert_eq!(again["counterexample"]["trace"], l["trace"], "{cmd}");
    // The text shows it after the hang.
    let o = daxlock(&args);
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

/// Loom's exploration is not sharded: with `--shard I/N` and the default checkers,
/// shard 0 runs loom and every other shard says it leaves loom out; an explicit
/// `--checker loom` on another shard is bad input.
#[test]
fn run_shard_runs_loom_in_shard_0_only() {
    let run = |shard: &str| {
        daxlock(&[
            "run",
            "verify/seed-sequential.toml",
            "--iterations",
            "20",
            "--shard",
            shard,
        ])
    };
    let o = run("0/4");
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
    for shard in ["1/4", "3/4"] {
        let o = run(shard);
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

/// `run` notes a PMD fault that can never map huge because the extent's frame is
/// not 2 MiB aligned relative to its file offset; an aligned layout gets no note.
#[test]
fn run_notes_pmd_fault_over_unaligned_storage() {
    let with_extent = |frame: &str| {
        GOOD.replace(
            "size_pages = 0x400",
            &format!(
                "size_pages = 0x400\nextents = [ {{ pgoff = 0, pages = 0x400, frame = {frame} }} ]"
            ),
        )
    };
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

// ---------------------------------------------------------------------------------
// merge

/// A small folder (a user's scenario and the seed with its bug variant) verified in
/// two shards with a tiny budget, each shard's JSON written to a file.
fn two_verify_shards(tag: &str) -> (PathBuf, [PathBuf; 2]) {
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

/// An unknown `--target` is bad input naming the known ones; `kernel` in a binary
/// without it either runs the `daxlock-kernel` binary beside it or says how to build
/// one (never a silent run of the model).
#[test]
fn bad_input_unknown_target() {
    bad_input(
        &["run", "verify/seed-sequential.toml", "--target", "nope"],
        &["unknown target `nope` (known: model, kernel)"],
    );
    let sibling =
        std::path::Path::new(env!("CARGO_BIN_EXE_daxlock")).with_file_name("daxlock-kernel");
    if !sibling.is_file() {
        bad_input(
            &["run", "verify/seed-sequential.toml", "--target", "kernel"],
            &["cargo build --release -p daxlock-kernel"],
        );
    }
}
