//! Verdicts do not depend on process history: the same check run again in the same
//! process, after other checks, explores exactly the same schedules and reports the
//! same verdict, counts and trace. (The mapping id that wait keys hash with used to
//! come from a process-wide counter, so which keys shared a wait-table lock depended
//! on how many checks had run before.)

use daxlock::check::shuttle::Shard;
use daxlock::check::{check, CheckReport, Checker, LoomChecker, PctChecker, RandomChecker};
use daxlock::check::{StatefulChecker, Verdict};
use daxlock::dax::bugs::Bugs;
use daxlock::scenario::{load_catalogue, Scenario};
use std::path::Path;

fn scenario(name: &str) -> Scenario {
    daxlock::check::panic::quiet_checker_panics();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    load_catalogue(&dir)
        .unwrap_or_else(|e| panic!("catalogue: {e}"))
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

/// What must not change between two runs of one check.
fn fingerprint(r: &CheckReport) -> String {
    let f = r.failure.as_ref();
    format!(
        "{} {} {:?} {:?} {:?} {:?} {:?}",
        r.verdict,
        r.schedules,
        r.first_failure_at,
        r.search
            .map(|s| (s.states, s.transitions, s.executions, s.cut, s.max_depth)),
        f.map(|f| f.execution),
        f.map(|f| &f.trace),
        f.map(|f| &f.schedule),
    )
}

fn run<C: Checker + daxlock::check::Configured>(checker: &C, s: &Scenario, bugs: Bugs) -> String {
    fingerprint(&check(checker, s, bugs).unwrap_or_else(|e| panic!("{e}")))
}

/// Loom with preemption bound 2 on bug-wait-key-from-request (fixed) explores a number
/// of executions that depends on which wait keys share a lock stripe. Checked again
/// and again in one process, with other checks (shuttle, stateful, failing and not)
/// in between, every report is the same, and every failing report's trace too.
#[test]
fn the_same_check_again_in_one_process_agrees() {
    let wk = scenario("bug-wait-key-from-request");
    let seed = scenario("seed-concurrent");
    let misaligned = Bugs::fixed().with("misaligned-pmd").unwrap();
    let loom = LoomChecker {
        preemption_bound: Some(2),
        max_executions: None,
    };
    let random = RandomChecker {
        iterations: 200,
        seed: 3,
        shard: Shard::default(),
    };
    let pct = PctChecker {
        iterations: 200,
        depth: 3,
        seed: 3,
        shard: Shard::default(),
    };
    let first = (
        run(&loom, &wk, Bugs::fixed()),
        run(&random, &seed, misaligned),
        run(&pct, &seed, misaligned),
    );
    assert!(first.1.starts_with("hang"), "{}", first.1);
    for round in 0..6 {
        // Other checks in between.
        run(&StatefulChecker::default(), &wk, Bugs::fixed());
        run(&random, &wk, Bugs::fixed());
        let again = (
            run(&loom, &wk, Bugs::fixed()),
            run(&random, &seed, misaligned),
            run(&pct, &seed, misaligned),
        );
        assert_eq!(first, again, "round {round}: a check gave another result");
    }
    let r = check(&loom, &wk, Bugs::fixed()).unwrap();
    assert_eq!(r.verdict, Verdict::Verified);
}

/// Traces are routed by OS thread, not by mapping id (every check now builds its
/// mapping with the same id): checks running at once on several OS threads, real
/// threads among them, each get the trace of their own failure, the same as when run
/// alone.
#[test]
fn parallel_checks_keep_their_own_traces() {
    let seed = scenario("seed-concurrent");
    let eexist = scenario("bug-eexist-no-pass");
    let misaligned = Bugs::fixed().with("misaligned-pmd").unwrap();
    let eexist_bug = Bugs::fixed().with("eexist-no-pass").unwrap();
    let random = RandomChecker {
        iterations: 300,
        seed: 1,
        shard: Shard::default(),
    };
    let pct = PctChecker {
        iterations: 300,
        depth: 3,
        seed: 1,
        shard: Shard::default(),
    };
    let alone = (
        run(&random, &seed, misaligned),
        run(&pct, &eexist, eexist_bug),
        run(&StatefulChecker::default(), &eexist, eexist_bug),
    );
    for round in 0..3 {
        let together = std::thread::scope(|s| {
            let a = s.spawn(|| run(&random, &seed, misaligned));
            let b = s.spawn(|| run(&pct, &eexist, eexist_bug));
            let c = s.spawn(|| run(&StatefulChecker::default(), &eexist, eexist_bug));
            // Real threads at the same time: their events must not leak into the others.
            let d = s.spawn(|| {
                let threads = daxlock::check::ThreadsChecker::<daxlock::sync::ParkingLot>::new(
                    20,
                    std::time::Duration::from_secs(2),
                );
                check(&threads, &eexist, Bugs::fixed()).unwrap()
            });
            let r = d.join().unwrap();
            assert_eq!(r.verdict, Verdict::Verified, "round {round}");
            (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
        });
        assert_eq!(alone, together, "round {round}");
    }
    assert!(alone.0.starts_with("hang"), "{}", alone.0);
    assert!(alone.1.starts_with("hang"), "{}", alone.1);
}
