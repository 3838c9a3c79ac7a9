//! The verification gate as a test: every catalogue row as expected, every zoo bug
//! caught, every required branch visited. Ignored in `cargo test` (the gate runs on
//! its own in CI as `daxlock verify`); `ci/mutants.sh` runs it for each mutant with
//! `--include-ignored`, so a mutant of the protocol that the catalogue notices is
//! caught.

use daxlock::gate::{self, Budget};
use daxlock::scenario::load_catalogue;

/// The catalogue's gate passes: all rows as expected, all bugs caught, all required
/// branches visited.
#[test]
#[ignore = "the gate itself (about a minute); run by ci/mutants.sh and `daxlock verify`"]
fn the_gate_passes() {
    let scenarios = load_catalogue(std::path::Path::new("verify")).expect("catalogue");
    let budget = Budget {
        loom_default_bound: Some(gate::GATE_LOOM_BOUND),
        ..Budget::default()
    };
    let rows = gate::verify(&scenarios, None, &budget, |_| {});
    let bad: Vec<String> = rows
        .iter()
        .filter(|r| !r.ok())
        .map(|r| {
            format!(
                "{} [{}] {}",
                r.scenario,
                r.bugs.variant(),
                r.checker.as_str()
            )
        })
        .collect();
    assert!(bad.is_empty(), "unexpected rows: {bad:?}");
    assert!(gate::uncovered_bugs(&rows).is_empty(), "bugs no row caught");
}
