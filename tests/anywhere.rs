//! The built-in catalogue is compiled into the binary (issue 19): `list`, `verify`,
//! `bench` and the catalogue's reproduce lines work from any folder; `--dir` reads
//! a folder the user names.

use std::path::PathBuf;
use std::process::Output;

mod support;
use support::describe;

/// An empty folder of its own, outside the repository.
fn elsewhere(tag: &str) -> support::TempPath {
    let d = std::env::temp_dir().join(format!("daxlock-anywhere-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    support::TempPath::new(d)
}

fn daxlock_in(dir: &std::path::Path, args: &[&str]) -> Output {
    support::daxlock_in(dir, args, &[])
}

/// `list` from another folder lists the built-in catalogue and the bugs (it used to
/// exit 2, `cannot read the scenario folder verify`).
#[test]
fn list_works_from_any_folder() {
    let dir = elsewhere("list");
    let o = daxlock_in(&dir, &["list"]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("scenarios (built-in, from verify/):"),
        "{out}"
    );
    assert!(out.contains("seed-sequential"), "{out}");
    assert!(out.contains("misaligned-pmd"), "{out}");
    // A folder the user names is read; one that is not there is exit 2.
    let o = daxlock_in(&dir, &["list", "--dir", "nowhere"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
}

/// `verify` and `bench zoo` from another folder run the built-in catalogue: a gate
/// row for every catalogue scenario (their verdicts with one iteration do not
/// matter here), and the zoo's table.
#[test]
fn verify_and_bench_work_from_any_folder() {
    let dir = elsewhere("verify");
    let o = daxlock_in(
        &dir,
        &["verify", "--checker", "pct", "--iterations", "1", "--json"],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", describe(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let runs = doc["runs"].as_array().expect("runs");
    assert!(
        runs.iter().any(|r| r["scenario"] == "seed-sequential"),
        "{doc}"
    );
    let o = daxlock_in(&dir, &["bench", "zoo", "--seeds", "1", "--cap", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("misaligned-pmd"));
}

/// A reproduce line names `verify/FILE.toml`: from another folder it runs the
/// built-in copy (and the scenario's name works too); a user's file that is not
/// there is still exit 2.
#[test]
fn catalogue_reproduce_lines_work_from_any_folder() {
    let dir = elsewhere("run");
    for file in ["verify/seed-sequential.toml", "seed-sequential"] {
        let o = daxlock_in(
            &dir,
            &["run", file, "--checker", "pct", "--iterations", "2"],
        );
        assert_eq!(o.status.code(), Some(0), "{file}: {}", describe(&o));
        assert!(String::from_utf8_lossy(&o.stdout).starts_with("seed-sequential [fixed] pct"));
    }
    let o = daxlock_in(&dir, &["run", "verify/mine.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
}

/// A folder of its own, outside the repository, with the built-in catalogue's
/// `seed-concurrent` copied into `scenarios/`.
fn bench_dir(tag: &str) -> support::TempPath {
    let dir = elsewhere(tag);
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("verify/seed-concurrent.toml");
    std::fs::copy(&source, scenarios.join("seed-concurrent.toml")).unwrap();
    dir
}

/// `bench throughput --dir scenarios ARGS` in `dir` (exit 0): its output and its
/// row of `seed-concurrent`.
fn throughput_row(dir: &std::path::Path, args: &[&str]) -> (String, String) {
    let mut all = vec!["bench", "throughput", "--dir", "scenarios"];
    all.extend(args);
    let o = daxlock_in(dir, &all);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let row = out
        .lines()
        .find(|l| l.starts_with("seed-concurrent"))
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    (out, row)
}

/// `bench throughput` from another folder, on the built-in catalogue's
/// `seed-concurrent` (copied into a folder of its own) beside the same binary as
/// the baseline: one row, the same states on both sides (a difference is an
/// error), each side's CPU seconds and the ratio.
#[test]
fn bench_throughput_measures_a_baseline_beside_this_binary() {
    let dir = bench_dir("throughput");
    let (out, row) = throughput_row(&dir, &["--baseline", env!("CARGO_BIN_EXE_daxlock")]);
    let cells: Vec<&str> = row.split_whitespace().collect();
    // scenario, n, states, execs, cpu s, states/s, us/ex, chk s, chk st/s, then
    // the baseline's execs, cpu s, states/s, us/ex, chk st/s and the ratio.
    assert_eq!(cells.len(), 15, "{row}");
    assert_eq!(cells[1], "2", "{row}");
    assert!(cells[2].parse::<usize>().is_ok_and(|n| n > 0), "{row}");
    assert_eq!(cells[3], cells[9], "{row}");
    assert!(out.contains("baseline"), "{out}");
}

/// `bench throughput` states each child's check alone beside the whole child
/// (`run --check-cpu`): CPU seconds above 0 and at most the child's, so at least
/// as many states per CPU second; a baseline without `--check-cpu` (a script that
/// rejects the flag and leaves it out of its help, as an older build does) runs
/// without it and shows `-`.
#[test]
fn bench_throughput_states_the_checks_cpu_alone() {
    let dir = bench_dir("check-cpu");
    let older = dir.join("older-daxlock");
    std::fs::write(
        &older,
        format!(
            "#!/bin/sh\nfor a do shift; [ \"$a\" = --check-cpu ] && {{ echo \"error: unexpected argument '--check-cpu'\" >&2; exit 2; }}; set -- \"$@\" \"$a\"; done\n\"{}\" \"$@\" | grep -v -e --check-cpu -e '^check cpu'\n",
            env!("CARGO_BIN_EXE_daxlock")
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&older, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (out, row) = throughput_row(
        &dir,
        &["--repeat", "2", "--baseline", older.to_str().unwrap()],
    );
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells.len(), 15, "{row}");
    let number = |i: usize| -> f64 { cells[i].parse().unwrap_or_else(|_| panic!("{row}")) };
    // The seconds are rounded (a child of this size takes milliseconds); the states
    // per CPU second are not: more per second of the check than of the child, and
    // not the rate of 0 seconds (states / 1e-9).
    let (states, rate, check_rate) = (number(2), number(5), number(8));
    assert!(
        check_rate >= rate,
        "the check's CPU above the child's: {row}"
    );
    assert!(check_rate < states * 1e8, "a check of no CPU: {row}");
    assert_eq!(cells[13], "-", "the older baseline's check: {row}");
    assert!(out.contains("the checks alone"), "{out}");
}
