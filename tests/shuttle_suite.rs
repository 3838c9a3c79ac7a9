//! The catalogue under shuttle: every scenario in `verify/` × every variant it states
//! an expectation for × each shuttle checker (PCT, random) that the scenario is gated
//! with (`gate::scenario_checkers`, honouring `[check] checkers`), on a modest budget.
//! The verdict each check reports must equal the scenario's `[expect]`.
//!
//! Rows a scenario excludes are listed on stderr (run with `--nocapture` to see them),
//! never dropped silently.

use daxlock::check::plan::Overrides;
use daxlock::check::Verdict;
use daxlock::gate::{self, Budget, CheckerKind};
use daxlock::scenario::{load_catalogue, Scenario};
use std::path::Path;

/// Shuttle iterations when a scenario does not set its own.
const ITERATIONS: usize = 500;

fn catalogue() -> Vec<Scenario> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    let s = load_catalogue(&dir).unwrap_or_else(|e| panic!("catalogue: {e}"));
    assert!(!s.is_empty(), "no scenario in {}", dir.display());
    s
}

/// Runs `kind` on every (scenario, variant) it is gated for; returns a description of
/// every row whose verdict differs from the expectation (or that could not run).
fn run_all(kind: CheckerKind) -> (usize, Vec<String>) {
    daxlock::check::panic::quiet_checker_panics();
    let mut checked = 0;
    let mut bad = Vec::new();
    for s in catalogue() {
        if !daxlock::check::plan::scenario_checkers(&s).contains(&kind) {
            eprintln!(
                "not run: {} under {} (its [check] checkers = {:?})",
                s.name,
                kind.as_str(),
                s.check.checkers
            );
            continue;
        }
        assert!(
            !s.expect.is_empty(),
            "{} states no expectation: nothing to check",
            s.name
        );
        // A scenario's own iteration count wins, as in the gate.
        let budget = Budget::with(Overrides {
            iterations: s.check.iterations.is_none().then_some(ITERATIONS),
            ..Overrides::default()
        });
        for &(bugs, expected) in &s.expect {
            checked += 1;
            match gate::run_checker(kind, &s, bugs, &budget) {
                Ok(r) if r.verdict == expected => {
                    if expected == Verdict::Verified {
                        assert!(r.complete && r.failure.is_none());
                    } else {
                        let f = r.failure.as_ref().expect("a failing verdict has evidence");
                        assert_eq!(f.verdict, expected);
                        assert!(
                            f.schedule.is_some(),
                            "{} [{bugs}] {}: no replayable schedule",
                            s.name,
                            kind.as_str()
                        );
                    }
                }
                Ok(r) => bad.push(format!(
                    "{} [{bugs}] {} ({}): got {} after {} schedules, expected {expected}; details {:?}",
                    s.name,
                    kind.as_str(),
                    r.settings,
                    r.verdict,
                    r.schedules,
                    r.failure.as_ref().map(|f| &f.details)
                )),
                Err(e) => bad.push(format!("{} [{bugs}] {}: {e}", s.name, kind.as_str())),
            }
        }
    }
    (checked, bad)
}

/// PCT (depth from the scenario, else 3) reaches every expected verdict.
#[test]
fn pct_matches_every_expectation() {
    let (checked, bad) = run_all(CheckerKind::Pct);
    assert!(checked > 0, "no row ran under pct");
    assert!(
        bad.is_empty(),
        "{} of {checked} rows:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Uniformly random schedules reach every expected verdict.
#[test]
fn random_matches_every_expectation() {
    let (checked, bad) = run_all(CheckerKind::Random);
    assert!(checked > 0, "no row ran under random");
    assert!(
        bad.is_empty(),
        "{} of {checked} rows:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// One thread PMD-faults a 2 MiB hole and then 4 KiB-faults a page of it (downgrading
/// the zero PMD entry); two more threads 4 KiB-fault other pages of the same 2 MiB;
/// one wait bucket. With downgrade-wake-one the two sleepers on the PMD entry get one
/// wakeup: a depth-3 bug that random finds within a few hundred schedules and that
/// PCT, calibrated on one creation-order execution, missed over 20,000.
const PCT_SHAPE: &str = r#"name = "pct-shape"
wait_buckets = 1
[file]
size_pages = 0x200
[[vma]]
start = 0x7f0000000000
end = 0x7f0000200000
pgoff = 0x0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000, size = "pmd" }, { op = "fault", addr = 0x7f0000001000, size = "pte" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000002000, size = "pte" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000005000, size = "pte" } ]
"#;

/// Schedules to the first failure (None: none within the budget).
fn first_failure(
    kind: CheckerKind,
    s: &Scenario,
    bugs: daxlock::dax::Bugs,
    n: usize,
    seed: u64,
) -> Option<usize> {
    let budget = Budget {
        first_failure_only: true,
        ..Budget::with(Overrides {
            iterations: Some(n),
            seed: Some(seed),
            depth: Some(3),
            ..Overrides::default()
        })
    };
    let r = gate::run_checker(kind, s, bugs, &budget).unwrap();
    (r.verdict != Verdict::Verified).then(|| r.first_failure_at.unwrap_or(r.schedules))
}

/// PCT finds what random finds: on the shape above and on every failing variant of the
/// catalogue, whenever random finds the failure within N schedules, PCT (depth 3) does
/// too, for several seeds.
#[test]
fn pct_finds_what_random_finds() {
    daxlock::check::panic::quiet_checker_panics();
    const N: usize = 2000;
    let shape = Scenario::from_toml(PCT_SHAPE, "pct-shape").unwrap();
    let bug = daxlock::dax::Bugs::fixed()
        .with("downgrade-wake-one")
        .unwrap();
    let mut cases: Vec<(Scenario, daxlock::dax::Bugs)> = vec![(shape, bug)];
    for s in catalogue() {
        for &(bugs, expected) in &s.expect {
            if expected != Verdict::Verified {
                cases.push((s.clone(), bugs));
            }
        }
    }
    let mut missed = Vec::new();
    for (s, bugs) in &cases {
        for seed in 0..3 {
            let random = first_failure(CheckerKind::Random, s, *bugs, N, seed);
            let pct = first_failure(CheckerKind::Pct, s, *bugs, N, seed);
            if let (Some(at), None) = (random, pct) {
                missed.push(format!(
                    "{} [{}] seed {seed}: random at #{at}",
                    s.name,
                    bugs.variant()
                ));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "PCT missed what random found:\n{}",
        missed.join("\n")
    );
}
