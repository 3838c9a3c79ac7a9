//! Real OS threads with the watchdog: the fixed protocol survives stress on both
//! real-thread backends (parking_lot through `gate::run_checker(CheckerKind::Threads)`,
//! std through `ThreadsChecker::<StdSync>` and `check::check`), and a real hang is
//! turned into a `Verdict::Hang` report by the watchdog instead of a stuck process.

use daxlock::check::plan::Overrides;
use daxlock::check::{check, CheckReport, CheckerConfig, ThreadsChecker, Verdict};
use daxlock::dax::Bugs;
use daxlock::gate::{self, Budget, CheckerKind};
use daxlock::scenario::{load_catalogue, Scenario};
use daxlock::sync::StdSync;
use std::path::Path;
use std::time::{Duration, Instant};

const ITERATIONS: usize = 100;
/// Watchdog for runs that must finish: generous, a slow CI box must not fail them.
const PATIENT: Duration = Duration::from_secs(10);
/// Watchdog for the run that must hang.
const SHORT: Duration = Duration::from_millis(300);

fn scenario(name: &str) -> Scenario {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    load_catalogue(&dir)
        .unwrap_or_else(|e| panic!("catalogue: {e}"))
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario `{name}` in {}", dir.display()))
}

fn parking_lot(s: &Scenario, bugs: Bugs, iterations: usize, watchdog: Duration) -> CheckReport {
    let budget = Budget::with(Overrides {
        iterations: Some(iterations),
        watchdog_ms: Some(watchdog.as_millis() as u64),
        ..Overrides::default()
    });
    gate::run_checker(CheckerKind::Threads, s, bugs, &budget)
        .unwrap_or_else(|e| panic!("{}: {e}", s.name))
}

fn std_threads(s: &Scenario, bugs: Bugs, iterations: usize, watchdog: Duration) -> CheckReport {
    check(
        &ThreadsChecker::<StdSync>::new(iterations, watchdog),
        s,
        bugs,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", s.name))
}

fn assert_verified(r: &CheckReport, name: &str) {
    assert_eq!(
        r.verdict,
        Verdict::Verified,
        "{name} ({}): {:?}",
        r.settings,
        r.failure.as_ref().map(|f| (&f.details, &f.warnings))
    );
    assert!(r.complete, "{name}: budget not exhausted");
    assert_eq!(r.schedules, ITERATIONS, "{name}: executions run");
    assert_eq!(r.checker, CheckerKind::Threads);
}

const FIXED_SCENARIOS: [&str; 2] = ["seed-concurrent", "aligned-pmd-pte"];

/// The fixed seed-concurrent and aligned-pmd-pte scenarios run 100 times on real
/// threads over parking_lot without a hang, a broken invariant or a warning, as the
/// catalogue expects.
#[test]
fn fixed_scenarios_verify_on_parking_lot() {
    for name in FIXED_SCENARIOS {
        let s = scenario(name);
        assert_eq!(s.expected(Bugs::fixed()), Some(Verdict::Verified));
        let r = parking_lot(&s, Bugs::fixed(), ITERATIONS, PATIENT);
        assert_verified(&r, name);
        assert!(
            matches!(&r.settings, CheckerConfig::Threads(t) if t.backend == "parking_lot"),
            "{}",
            r.settings
        );
    }
}

/// The same on real threads over std::sync.
#[test]
fn fixed_scenarios_verify_on_std() {
    for name in FIXED_SCENARIOS {
        let s = scenario(name);
        let r = std_threads(&s, Bugs::fixed(), ITERATIONS, PATIENT);
        assert_verified(&r, name);
        assert!(
            matches!(&r.settings, CheckerConfig::Threads(t) if t.backend == "std"),
            "{}",
            r.settings
        );
    }
}

/// seed-sequential with bug misaligned-pmd blocks its thread forever on real
/// threads: the watchdog (300 ms) reports it as `Verdict::Hang` on the first
/// execution, with the kernel WARN and the final `wait` in its trace, and the check
/// returns promptly instead of getting stuck.
fn watchdog_turns_the_hang_into_a_report(run: fn(&Scenario, Bugs, usize, Duration) -> CheckReport) {
    let s = scenario("seed-sequential");
    let bugs = Bugs::fixed().with("misaligned-pmd").unwrap();
    assert_eq!(s.expected(bugs), Some(Verdict::Hang));
    let started = Instant::now();
    let r = run(&s, bugs, 5, SHORT);
    let took = started.elapsed();
    assert_eq!(r.verdict, Verdict::Hang, "{r:?}");
    assert!(!r.complete, "a hang stops the exploration");
    assert!(took < Duration::from_secs(10), "check took {took:?}");
    let f = r.failure.as_ref().expect("a hang has evidence");
    assert_eq!(f.verdict, Verdict::Hang);
    assert_eq!(f.execution, 1);
    assert!(
        f.details.iter().any(|d| d.contains("watchdog")),
        "{:?}",
        f.details
    );
    assert!(
        f.warnings
            .iter()
            .any(|w| w.starts_with("dax_insert_mapping_entry")),
        "{:?}",
        f.warnings
    );
    let last = f.trace.last().expect("a trace");
    assert_eq!(last.name, "wait", "the thread went to sleep last");
    assert_eq!(last.thread, 1);
}

/// Watchdog on parking_lot (`CheckerKind::Threads`).
#[test]
fn watchdog_reports_misaligned_pmd_hang_on_parking_lot() {
    watchdog_turns_the_hang_into_a_report(parking_lot);
}

/// Watchdog on std::sync (`ThreadsChecker::<StdSync>`).
#[test]
fn watchdog_reports_misaligned_pmd_hang_on_std() {
    watchdog_turns_the_hang_into_a_report(std_threads);
}
