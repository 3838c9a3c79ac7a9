//! Bad input to every command: exit 2 and one line on stderr, starting with
//! `daxlock:` and naming what is wrong (scenario files, flags, schedules, budgets,
//! targets).

mod support;

use support::{bad_input, code, daxlock, describe, five_threads, json, temp_file, temp_path, GOOD};

fn bad_scenario(tag: &str, text: &str, needles: &[&str]) -> String {
    let p = temp_file(tag, text);
    let path = p.to_str().expect("utf-8 temp path").to_owned();
    let line = bad_input(
        &["run", &path, "--checker", "pct", "--iterations", "10"],
        needles,
    );
    let _ = std::fs::remove_file(&p);
    line
}

/// The valid base scenario really is valid (so each case below fails for its own
/// reason only).
#[test]
fn bad_input_base_scenario_is_valid() {
    let p = temp_file("good", GOOD);
    let o = daxlock(&[
        "run",
        p.to_str().unwrap(),
        "--checker",
        "pct",
        "--iterations",
        "10",
    ]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(code(&o), 0, "{}", describe(&o));
}

/// A scenario file that does not exist.
#[test]
fn bad_input_nonexistent_file() {
    let p = temp_path("missing", ".toml");
    let path = p.to_str().unwrap().to_owned();
    bad_input(&["run", &path], &[&path]);
}

/// Malformed TOML: the message names the line and column.
#[test]
fn bad_input_malformed_toml_has_line_and_column() {
    let text = "name = \"broken\"\n[file]\nsize_pages = = 3\n";
    let line = bad_scenario("malformed", text, &["line 3, column"]);
    assert!(line.contains("daxlock-cli-"), "names the file: {line}");
}

/// `[expect] visits` naming no branch is bad input pointing at `list --branches`.
#[test]
fn bad_input_unknown_branch_in_visits() {
    let text = format!("{GOOD}[expect]\nfixed = \"verified\"\nvisits = [\"grab-wiat\"]\n");
    bad_scenario(
        "unknown-branch",
        &text,
        &["unknown branch `grab-wiat`", "daxlock list --branches"],
    );
}

/// An unknown key is an error naming it.
#[test]
fn bad_input_unknown_key() {
    let text = GOOD.replace("name = \"cli-good\"", "name = \"cli-good\"\ncolour = 1");
    bad_scenario("unknown-key", &text, &["unknown field `colour`", "line 2"]);
}

/// A fault address outside every VMA: the message names the file and the line of
/// the operation (`FILE:11: thread 2: address 0x1000 lies outside every VMA`).
#[test]
fn bad_input_address_outside_every_vma() {
    let text = GOOD.replace("addr = 0x7f0000001000", "addr = 0x1000");
    let p = temp_file("outside", &text);
    let path = p.to_str().unwrap().to_owned();
    bad_input(
        &["run", &path, "--checker", "pct", "--iterations", "10"],
        &[&format!(
            "{path}:11: thread 2: address 0x1000 lies outside every VMA"
        )],
    );
    let _ = std::fs::remove_file(&p);
}

/// A VMA that is not page aligned.
#[test]
fn bad_input_unaligned_vma() {
    let text = GOOD.replace("start = 0x7f0000000000", "start = 0x7f0000000010");
    bad_scenario("unaligned", &text, &["not page aligned"]);
}

/// A VMA whose end is not above its start.
#[test]
fn bad_input_vma_end_not_above_start() {
    let text = GOOD.replace("end = 0x7f0000400000", "end = 0x7f0000000000");
    bad_scenario("end-le-start", &text, &["not above start"]);
}

/// A scenario without threads.
#[test]
fn bad_input_zero_threads() {
    let text = GOOD.split("[[thread]]").next().unwrap().to_owned();
    bad_scenario("no-threads", &text, &["at least one [[thread]]"]);
}

/// Five threads are more than loom models: refused before running, pointing at pct.
#[test]
fn bad_input_five_threads_under_loom() {
    let text = five_threads();
    let p = temp_file("five", &text);
    let line = bad_input(
        &["run", p.to_str().unwrap(), "--checker", "loom"],
        &["5 threads", "loom", "pct"],
    );
    let _ = std::fs::remove_file(&p);
    assert!(line.contains("at most 4"), "{line}");
}

/// An unknown bug name.
#[test]
fn bad_input_unknown_bug() {
    bad_input(
        &["run", "verify/seed-sequential.toml", "--bug", "no-such-bug"],
        &["unknown bug `no-such-bug`", "misaligned-pmd"],
    );
}

/// `--shard 3/2`: index not below count.
#[test]
fn bad_input_shard_index_out_of_range() {
    bad_input(
        &[
            "run",
            "verify/seed-sequential.toml",
            "--checker",
            "random",
            "--shard",
            "3/2",
        ],
        &["bad shard `3/2`"],
    );
}

/// `--shard x`: not I/N.
#[test]
fn bad_input_shard_not_a_fraction() {
    bad_input(
        &[
            "run",
            "verify/seed-sequential.toml",
            "--checker",
            "random",
            "--shard",
            "x",
        ],
        &["bad shard `x`"],
    );
}

/// An unknown checker name.
#[test]
fn bad_input_unknown_checker() {
    bad_input(
        &["run", "verify/seed-sequential.toml", "--checker", "tla"],
        &["unknown checker `tla`"],
    );
}

/// `[check] iterations = 0` is rejected when the scenario is read: exit 2, one line
/// naming the file and the field.
#[test]
fn bad_input_check_iterations_zero() {
    let p = temp_file("iterations0", &format!("{GOOD}[check]\niterations = 0\n"));
    let path = p.to_str().expect("utf-8 temp path").to_owned();
    bad_input(
        &["run", &path, "--checker", "stateful"],
        &[&path, "[check] iterations", "at least 1"],
    );
    let _ = std::fs::remove_file(&p);
}

/// `replay --schedule ""`: exit 2, one line (it used to panic, exit 101).
#[test]
fn bad_input_empty_schedule() {
    bad_input(
        &["replay", "verify/seed-concurrent.toml", "--schedule", ""],
        &["schedule", "empty"],
    );
}

/// Strings that are not shuttle schedules, or that claim more steps than they hold:
/// exit 2, one line, no panic or allocation abort.
#[test]
fn bad_input_garbage_schedule() {
    for s in [
        "zz",
        "91",
        "91ffffffffffffffffff01",
        "9101ffffffff0f00",
        "00",
    ] {
        bad_input(
            &["replay", "verify/seed-concurrent.toml", "--schedule", s],
            &["not a shuttle schedule"],
        );
    }
}

/// A shuttle schedule replayed on a scenario it does not fit (without the bug it was
/// found with, or on another file): exit 2, one line saying so and suggesting
/// `--bug`, as for stateful `s1:` paths (it used to print a raw shuttle panic).
#[test]
fn bad_input_schedule_that_does_not_fit() {
    let o = daxlock(&[
        "run",
        "verify/seed-concurrent.toml",
        "--bug",
        "misaligned-pmd",
        "--checker",
        "random",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", describe(&o));
    let doc = json(&o);
    let schedule = doc["results"][0]["counterexample"]["schedule"]
        .as_str()
        .expect("a schedule")
        .to_owned();
    let cases: [&[&str]; 4] = [
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            &schedule,
        ],
        &[
            "replay",
            "verify/seed-sequential.toml",
            "--schedule",
            &schedule,
            "--bug",
            "misaligned-pmd",
        ],
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            "91010000",
        ],
        &[
            "replay",
            "verify/seed-concurrent.toml",
            "--schedule",
            "s1:01",
        ],
    ];
    // Bound schedules say what differs (the variant, with the --bug to pass; the
    // scenario); unbound ones are refused (README: Replaying a schedule).
    let words: [&[&str]; 4] = [
        &["does not belong here", "variant", "--bug misaligned-pmd"],
        &["does not belong here", "scenario"],
        &["carries no binding"],
        &["carries no binding"],
    ];
    for (args, words) in cases.into_iter().zip(words) {
        let line = bad_input(args, words);
        assert!(!line.contains("panicked"), "{line}");
    }
}

/// `wait_buckets` above the documented limit (1 << 20): exit 2 naming the field.
#[test]
fn bad_input_wait_buckets_too_many() {
    bad_scenario(
        "buckets",
        &format!("wait_buckets = 0xffffffffffff\n{GOOD}"),
        &["wait_buckets", "at most 1048576"],
    );
}

/// A real-thread watchdog below the documented floor (100 ms) is refused, not raised
/// silently (0 used to become 1 ms; 5 ms reports hangs on the fixed build).
#[test]
fn bad_input_watchdog_below_floor() {
    for ms in ["0", "5", "99"] {
        bad_input(
            &[
                "run",
                "verify/seed-sequential.toml",
                "--checker",
                "threads",
                "--watchdog-ms",
                ms,
            ],
            &["--watchdog-ms", "at least 100"],
        );
    }
    let o = daxlock(&[
        "run",
        "verify/seed-sequential.toml",
        "--checker",
        "threads",
        "--watchdog-ms",
        "100",
        "--iterations",
        "5",
    ]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
}

/// Zero seeds, cap or iterations for a benchmark is bad input, not silently 1.
#[test]
fn bad_input_bench_zero_budgets() {
    bad_input(
        &["bench", "zoo", "--seeds", "0"],
        &["--seeds and --cap must be at least 1"],
    );
    bad_input(
        &["bench", "zoo", "--cap", "0"],
        &["--seeds and --cap must be at least 1"],
    );
    bad_input(
        &["bench", "speed", "--iterations", "0"],
        &["--iterations must be at least 1"],
    );
    bad_input(
        &["bench", "throughput", "--repeat", "0"],
        &["--repeat must be at least 1"],
    );
    bad_input(
        &["bench", "throughput", "--baseline", "/nonexistent/daxlock"],
        &["--baseline /nonexistent/daxlock: no such file"],
    );
}

/// Zero (or not a number of seconds) is bad input.
#[test]
fn bad_input_max_seconds_zero() {
    for s in ["0", "0.0", "nan", "inf"] {
        bad_input(
            &["run", "verify/seed-sequential.toml", "--max-seconds", s],
            &["--max-seconds", "above 0"],
        );
    }
}

/// `name = ""` says so plainly, with the file and line.
#[test]
fn bad_input_empty_name() {
    let p = temp_file("noname", &GOOD.replace("\"cli-good\"", "\"\""));
    let path = p.to_str().unwrap().to_owned();
    bad_input(
        &["run", &path],
        &[&format!("{path}:1: name must not be empty")],
    );
    let _ = std::fs::remove_file(&p);
}

/// An unknown `--target` is bad input naming the known ones; `kernel` in a binary
/// without it either runs the `daxlock-kernel` binary beside it or says how to build
/// one (never a silent run of the model).
#[test]
fn bad_input_unknown_target() {
    bad_input(
        &["run", "verify/seed-sequential.toml", "--target", "nope"],
        &["unknown target `nope` (known: model, kernel)"],
    );
    let sibling =
        std::path::Path::new(env!("CARGO_BIN_EXE_daxlock")).with_file_name("daxlock-kernel");
    if !sibling.is_file() {
        bad_input(
            &["run", "verify/seed-sequential.toml", "--target", "kernel"],
            &["cargo build --release -p daxlock-kernel"],
        );
    }
}
