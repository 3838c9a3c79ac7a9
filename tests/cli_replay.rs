//! `daxlock replay` and the reproduce commands every failure prints: a replay gives
//! the same verdict and trace, and each printed command, pasted, reproduces its
//! failure.

mod support;

use serde_json::Value;
use support::{code, daxlock, describe, json, paste};

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
