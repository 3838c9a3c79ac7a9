//! The verification gate's shuttle rows as a test: every catalogue row as expected,
//! every zoo bug caught, every required branch visited, under PCT and random (the
//! fast checkers; `daxlock verify` adds stateful and loom). `ci/mutants.sh` runs it
//! for each mutant, so a mutant of the protocol that the catalogue notices is caught.

use daxlock::check::plan::Overrides;
use daxlock::gate::{self, Budget, CheckerKind};
use daxlock::scenario::load_catalogue;

/// The catalogue's PCT and random rows pass: all as expected, all bugs caught, all
/// required branches visited.
#[test]
fn the_gate_passes_under_pct_and_random() {
    let scenarios = load_catalogue(std::path::Path::new("verify")).expect("catalogue");
    let budget = Budget::with(Overrides {
        checkers: Some(vec![CheckerKind::Pct, CheckerKind::Random]),
        ..Overrides::default()
    });
    let rows = gate::verify(&scenarios, &budget, |_| {});
    assert!(rows.len() > 50, "{} rows", rows.len());
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
