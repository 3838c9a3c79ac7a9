//! Verdicts do not depend on process history: protocol events reach the checkers
//! through the mapping's observer, not through whatever global `tracing` subscriber
//! the process installed, and wait keys do not depend on how many checks ran before.

use daxlock::check::{check, LoomChecker, RandomChecker, StatefulChecker, Verdict};
use daxlock::dax::Bugs;
use daxlock::scenario::{load_catalogue, Scenario};
use std::path::Path;

fn scenario(name: &str) -> Scenario {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    load_catalogue(&dir)
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap()
}

/// A library user that installed its own subscriber first still gets the WARN the
/// misaligned PMD fault fires, and the same trace twice, with other checks between.
#[test]
fn warnings_and_traces_survive_a_foreign_subscriber() {
    tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .with_max_level(tracing::Level::TRACE)
        .init();
    daxlock::check::panic::quiet_checker_panics();
    let s = scenario("seed-sequential");
    let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
    let loom = LoomChecker {
        preemption_bound: None,
        max_executions: None,
    };
    let first = check(&loom, &s, bug).unwrap();
    assert_eq!(first.verdict, Verdict::Hang);
    let f = first.failure.unwrap();
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("dax_insert_mapping_entry")),
        "{:?}",
        f.warnings
    );
    // Other checks in between change nothing.
    let other = scenario("bug-wait-key-from-request");
    let _ = check(&StatefulChecker::default(), &other, Bugs::fixed()).unwrap();
    let _ = check(
        &RandomChecker {
            iterations: 50,
            seed: 1,
            shard: Default::default(),
        },
        &other,
        Bugs::fixed(),
    )
    .unwrap();
    let again = check(&loom, &s, bug).unwrap();
    assert_eq!(again.failure.unwrap().trace, f.trace);
}
