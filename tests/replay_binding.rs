//! `daxlock replay` is bound to what it replays (issue 19): a schedule carries a
//! digest of the scenario, the variant and the target; replayed on another it is
//! exit 2 naming what differs; a schedule without one is refused; and a replay whose
//! one path passes never says `verified` nor `complete`.

use daxlock::check::binding::Binding;
use daxlock::check::Model;
use daxlock::dax::Bugs;
use daxlock::scenario::Scenario;
use serde_json::Value;

mod support;
use support::{daxlock, describe, one_thread, temp_file};

/// The schedule of the first counterexample of `run FILE --checker C --bug B --json`.
fn schedule_of(file: &str, checker: &str, bug: &str) -> String {
    let o = daxlock(&["run", file, "--checker", checker, "--bug", bug, "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    doc["results"][0]["counterexample"]["schedule"]
        .as_str()
        .expect("a schedule")
        .to_owned()
}

/// Exit 2 with one line on stderr containing every word of `words`.
fn refused(args: &[&str], words: &[&str]) {
    let o = daxlock(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    for w in words {
        assert!(err.contains(w), "{args:?}: {err:?} lacks {w:?}");
    }
    assert!(o.stdout.is_empty(), "{args:?}: {}", describe(&o));
}

/// The case: a stateful path found under `misaligned-pmd`, replayed without
/// the bug, said `verified over 1 execution`, exit 0; now exit 2 naming the variant
/// and the --bug to pass. With the bug it still reproduces the hang.
#[test]
fn a_stateful_path_replayed_without_its_bug_is_refused() {
    let file = "verify/seed-sequential.toml";
    let s = schedule_of(file, "stateful", "misaligned-pmd");
    assert!(s.starts_with('@') && s.contains(":s1:"), "{s}");
    refused(
        &["replay", file, "--schedule", &s],
        &[
            "variant",
            "recorded with misaligned-pmd",
            "--bug misaligned-pmd",
        ],
    );
    let o = daxlock(&["replay", file, "--schedule", &s, "--bug", "misaligned-pmd"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("hang at execution 1 of 1"));
}

/// A path found under one bug, replayed under another (the issue's
/// grab-after-iomap / late-wait-registration pair): refused.
#[test]
fn a_path_replayed_under_another_bug_is_refused() {
    let file = "verify/bug-grab-after-iomap.toml";
    let s = schedule_of(file, "stateful", "grab-after-iomap");
    refused(
        &[
            "replay",
            file,
            "--schedule",
            &s,
            "--bug",
            "late-wait-registration",
        ],
        &["variant: recorded with grab-after-iomap, replayed with late-wait-registration"],
    );
}

/// A shuttle schedule replayed on another scenario's content: refused, naming the
/// scenario.
#[test]
fn a_schedule_replayed_on_another_scenario_is_refused() {
    let s = schedule_of("verify/seed-concurrent.toml", "pct", "misaligned-pmd");
    refused(
        &[
            "replay",
            "verify/seed-sequential.toml",
            "--schedule",
            &s,
            "--bug",
            "misaligned-pmd",
        ],
        &["scenario: recorded on another scenario's content"],
    );
}

/// Schedules without a binding (as printed before bindings) are refused, shuttle's
/// and stateful's alike; a binding that does not read is refused too.
#[test]
fn unbound_schedules_are_refused() {
    let s = schedule_of("verify/seed-concurrent.toml", "random", "misaligned-pmd");
    let (_, inner) = Binding::split(&s).unwrap();
    for schedule in [inner, "s1:01"] {
        refused(
            &[
                "replay",
                "verify/seed-concurrent.toml",
                "--schedule",
                schedule,
                "--bug",
                "misaligned-pmd",
            ],
            &["carries no binding"],
        );
    }
    refused(
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            "@zz:s1:",
        ],
        &["unreadable binding"],
    );
}

/// A replay whose one path passes says `replayed: passed`, exit 0, and its JSON
/// neither claims `verified` nor `complete` (it used to say `verified over 1
/// execution`, `"complete": true`).
#[test]
fn a_passing_replay_is_not_a_proof() {
    let text = one_thread("one", "0x400");
    let path = temp_file("binding-one", &text);
    let file = path.to_str().unwrap();
    let scenario = Scenario::from_toml(&text, file).unwrap();
    // One thread: the search has no branching point, its one path is empty.
    let bound = Binding::of(&Model, &scenario, Bugs::fixed()).bind("s1:");
    let o = daxlock(&["replay", file, "--schedule", &bound, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let r = &doc["results"][0];
    assert_eq!(r["replayed"], "passed", "{r}");
    assert_eq!(r["complete"], false, "{r}");
    assert_ne!(r["verdict"], "verified", "{r}");
    let o = daxlock(&["replay", file, "--schedule", &bound]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("replayed: passed over 1 execution (one recorded path)"),
        "{out}"
    );
    assert!(!out.contains("verified"), "{out}");
    let _ = std::fs::remove_file(&path);
}
