//! The catalogue under loom (exhaustive up to each scenario's preemption bound): one
//! test per scenario × expected variant, asserting loom's verdict equals the
//! scenario's `[expect]`; where loom ran unbounded, that the stateful checker reaches
//! the same verdict; and loom's refusal of a scenario with more threads than it
//! models.
//!
//! Only compiled with `RUSTFLAGS="--cfg loom"`:
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_suite`.
//!
//! The (scenario, variant) pairs are listed below so that each is its own test;
//! `every_catalogue_expectation_has_a_test` fails when the catalogue gains or loses a
//! pair, so nothing is skipped silently.
#![cfg(loom)]

use daxlock::check::loom::LOOM_MAX_SCENARIO_THREADS;
use daxlock::check::plan::{plan, Overrides, Planned, Purpose};
use daxlock::check::{check, CheckError, CheckerConfig, LoomChecker, Model};
use daxlock::dax::Bugs;
use daxlock::gate::{self, Budget, CheckerKind};
use daxlock::scenario::{load_catalogue, Scenario};
use daxlock::sync::poison_free::Mutex;
use std::collections::BTreeSet;
use std::path::Path;

fn catalogue() -> Vec<Scenario> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    load_catalogue(&dir).unwrap_or_else(|e| panic!("catalogue: {e}"))
}

fn bugs_of(variant: &str) -> Bugs {
    if variant == "fixed" {
        Bugs::fixed()
    } else {
        let names: Vec<&str> = variant.split('+').collect();
        Bugs::from_names(&names).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Runs loom on `name` with `variant` and asserts the catalogue's expectation.
/// Scenarios with more threads than loom models, or whose `[check] checkers` leave
/// loom out, are reported on stderr and not run (as the gate does).
fn loom_case(name: &str, variant: &str) {
    daxlock::check::panic::quiet_checker_panics();
    let s = catalogue()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario `{name}` in the catalogue"));
    let bugs = bugs_of(variant);
    let expected = s
        .expected(bugs)
        .unwrap_or_else(|| panic!("{name} states no expectation for `{variant}`"));
    // Whether the gate runs loom on it, by the gate's own plan.
    let gate = Overrides {
        purpose: Purpose::Gate,
        checkers: Some(vec![CheckerKind::Loom]),
        ..Overrides::default()
    };
    match plan(&s, &gate, &Model).pop() {
        None => {
            eprintln!(
                "not run: {name} leaves loom out ([check] checkers = {:?})",
                s.check.checkers
            );
            return;
        }
        Some(Planned {
            config: Err(why), ..
        }) => {
            eprintln!("not run: {name}: {why:?}");
            return;
        }
        Some(_) => {}
    }
    // One loom model at a time: two in one process slow each other down fourfold
    // (each execution maps and unmaps its model threads' stacks).
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let serial = ONE_AT_A_TIME.lock();
    let r = gate::run_checker(CheckerKind::Loom, &s, bugs, &Budget::default())
        .unwrap_or_else(|e| panic!("{name} [{variant}]: {e}"));
    drop(serial);
    assert_eq!(r.checker, CheckerKind::Loom);
    assert_eq!(
        r.verdict,
        expected,
        "{name} [{variant}] loom ({}) after {} executions: {:?}",
        r.settings,
        r.schedules,
        r.failure.as_ref().map(|f| &f.details)
    );
    if r.verdict == daxlock::check::Verdict::Verified {
        assert!(r.complete, "{name} [{variant}]: exploration not complete");
        assert!(r.schedules > 0);
    } else {
        let f = r.failure.as_ref().expect("a failing verdict has evidence");
        assert!(!f.trace.is_empty(), "{name} [{variant}]: empty trace");
    }
    // The cross-check: where loom explored every interleaving (no bound, not cut
    // short), the stateful checker reaches the same verdict.
    if matches!(&r.settings, CheckerConfig::Loom(l) if l.preemption_bound.is_none())
        && (r.complete || r.verdict != daxlock::check::Verdict::Verified)
    {
        let st = gate::run_checker(CheckerKind::Stateful, &s, bugs, &Budget::default())
            .unwrap_or_else(|e| panic!("{name} [{variant}] stateful: {e}"));
        assert_eq!(
            st.verdict, r.verdict,
            "{name} [{variant}]: stateful says {}, unbounded loom {}",
            st.verdict, r.verdict
        );
    }
}

macro_rules! loom_cases {
    ($($test:ident: $name:literal, $variant:literal;)*) => {
        $(
            #[doc = concat!("Loom reaches the expected verdict for ", $name, " [", $variant, "].")]
            #[test]
            fn $test() {
                loom_case($name, $variant);
            }
        )*

        const LISTED: &[(&str, &str)] = &[$(($name, $variant),)*];
    };
}

loom_cases! {
    aligned_pmd_pte_fixed: "aligned-pmd-pte", "fixed";
    aligned_pmd_pte_misaligned_pmd: "aligned-pmd-pte", "misaligned-pmd";
    bug_downgrade_wake_one_fixed: "bug-downgrade-wake-one", "fixed";
    bug_downgrade_wake_one_bug: "bug-downgrade-wake-one", "downgrade-wake-one";
    bug_eexist_no_pass_fixed: "bug-eexist-no-pass", "fixed";
    bug_eexist_no_pass_bug: "bug-eexist-no-pass", "eexist-no-pass";
    bug_grab_after_iomap_fixed: "bug-grab-after-iomap", "fixed";
    bug_grab_after_iomap_bug: "bug-grab-after-iomap", "grab-after-iomap";
    bug_late_wait_registration_fixed: "bug-late-wait-registration", "fixed";
    bug_late_wait_registration_bug: "bug-late-wait-registration", "late-wait-registration";
    bug_no_pagetable_recheck_fixed: "bug-no-pagetable-recheck", "fixed";
    bug_no_pagetable_recheck_bug: "bug-no-pagetable-recheck", "no-pagetable-recheck";
    bug_no_recheck_fixed: "bug-no-recheck", "fixed";
    bug_no_recheck_bug: "bug-no-recheck", "no-recheck";
    bug_wait_key_from_request_fixed: "bug-wait-key-from-request", "fixed";
    bug_wait_key_from_request_bug: "bug-wait-key-from-request", "wait-key-from-request";
    eexist_starves_fsync_fixed: "eexist-starves-fsync", "fixed";
    eexist_starves_fsync_eexist_no_pass: "eexist-starves-fsync", "eexist-no-pass";
    eexist_starves_fsync_late_wait_registration: "eexist-starves-fsync", "late-wait-registration";
    keyed_wake_shared_bucket_fixed: "keyed-wake-shared-bucket", "fixed";
    keyed_wake_shared_bucket_eexist_no_pass: "keyed-wake-shared-bucket", "eexist-no-pass";
    keyed_wake_shared_bucket_late_wait_registration: "keyed-wake-shared-bucket", "late-wait-registration";
    private_pmd_write_vs_pte_fsync_fixed: "private-pmd-write-vs-pte-fsync", "fixed";
    private_pmd_write_vs_pte_fsync_wait_key_from_request: "private-pmd-write-vs-pte-fsync", "wait-key-from-request";
    private_pmd_write_vs_pte_fsync_no_recheck: "private-pmd-write-vs-pte-fsync", "no-recheck";
    private_pmd_write_vs_pte_fsync_late_wait_registration: "private-pmd-write-vs-pte-fsync", "late-wait-registration";
    seed_concurrent_fixed: "seed-concurrent", "fixed";
    seed_concurrent_misaligned_pmd: "seed-concurrent", "misaligned-pmd";
    seed_sequential_fixed: "seed-sequential", "fixed";
    seed_sequential_misaligned_pmd: "seed-sequential", "misaligned-pmd";
    storage_misaligned_fixed: "storage-misaligned", "fixed";
    storage_misaligned_misaligned_pmd: "storage-misaligned", "misaligned-pmd";
    truncate_vs_fault_fixed: "truncate-vs-fault", "fixed";
    truncate_vs_fault_misaligned_pmd: "truncate-vs-fault", "misaligned-pmd";
    write_vs_pmd_downgrade_fixed: "write-vs-pmd-downgrade", "fixed";
    write_vs_pmd_downgrade_downgrade_wake_one: "write-vs-pmd-downgrade", "downgrade-wake-one";
    write_vs_pmd_downgrade_wait_key_from_request: "write-vs-pmd-downgrade", "wait-key-from-request";
    write_vs_pmd_downgrade_late_wait_registration: "write-vs-pmd-downgrade", "late-wait-registration";
    write_invalidation_outside_range_fixed: "write-invalidation-outside-range", "fixed";
    write_invalidation_outside_range_grab_after_iomap: "write-invalidation-outside-range", "grab-after-iomap";
    invalidate_wakes_all_fixed: "invalidate-wakes-all", "fixed";
    invalidate_wakes_all_invalidate_wake_one: "invalidate-wakes-all", "invalidate-wake-one";
    memory_failure_waits_shared_fixed: "memory-failure-waits-shared", "fixed";
    memory_failure_waits_shared_lock_entry_exclusive_wait: "memory-failure-waits-shared", "lock-entry-exclusive-wait";
    fsync_vs_read_fault_fixed: "fsync-vs-read-fault", "fixed";
    fsync_vs_read_fault_writeback_skip_locked: "fsync-vs-read-fault", "writeback-skip-locked";
    fsync_vs_pmd_fault_fixed: "fsync-vs-pmd-fault", "fixed";
    fsync_vs_pmd_fault_writeback_skip_locked: "fsync-vs-pmd-fault", "writeback-skip-locked";
    read_fault_leaves_entry_clean_fixed: "read-fault-leaves-entry-clean", "fixed";
    read_fault_leaves_entry_clean_read_fault_dirty: "read-fault-leaves-entry-clean", "read-fault-dirty";
}

/// The tests above cover exactly the catalogue's (scenario, variant) expectations.
#[test]
fn every_catalogue_expectation_has_a_test() {
    let listed: BTreeSet<(String, String)> = LISTED
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let catalogue: BTreeSet<(String, String)> = catalogue()
        .iter()
        .flat_map(|s| s.expect.iter().map(|(b, _)| (s.name.clone(), b.variant())))
        .collect();
    let missing: Vec<_> = catalogue.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&catalogue).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "catalogue pairs without a loom test: {missing:?}; tests without a catalogue pair: {stale:?}"
    );
}

const FIVE_THREADS: &str = r#"name = "five-threads"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000, size = "pte" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000001000, size = "pte" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000002000, size = "pte" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000003000, size = "pte" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000004000, size = "pte" } ]
[expect]
fixed = "verified"
"#;

/// Loom models at most 4 scenario threads (5 with its main thread): a 5-thread
/// scenario is refused with `TooManyThreads` before anything runs, both through the
/// gate and through the checker directly.
#[test]
fn loom_refuses_five_threads() {
    let s = Scenario::from_toml(FIVE_THREADS, "five-threads.toml").expect("valid scenario");
    assert_eq!(s.threads.len(), 5);
    let want = CheckError::TooManyThreads {
        name: "five-threads".into(),
        threads: 5,
        checker: CheckerKind::Loom,
        max: LOOM_MAX_SCENARIO_THREADS,
    };
    let via_gate = gate::run_checker(CheckerKind::Loom, &s, Bugs::fixed(), &Budget::default());
    assert_eq!(via_gate.err(), Some(want.clone()));
    let direct = check(&LoomChecker::for_threads(5, None), &s, Bugs::fixed());
    let err = direct.expect_err("refused");
    assert_eq!(err, want);
    let msg = err.to_string();
    assert!(msg.contains("loom") && msg.contains("pct"), "{msg}");
}
