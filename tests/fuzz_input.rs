//! Fuzzed input: generated scenario files (valid, near-valid and garbage) go to the
//! parser and validator, and to `daxlock run` for a short run: never a panic or an
//! abort, always exit 0, 1 or 2, and an exit 2 names the file. More cases:
//! `DAXLOCK_PROPTEST_CASES=500 cargo test --release --test fuzz_input`.

use daxlock::scenario::Scenario;
use proptest::prelude::*;
use std::process::Command;

const VALID: &str = r#"name = "fuzz"
wait_buckets = 1
[file]
size_pages = 0x400
extents = [ { pgoff = 0x200, pages = 0x200, frame = 0x80000 } ]
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000, size = "pmd" } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000003000, size = "pte", write = true }, { op = "fsync" } ]
"#;

fn cases() -> u32 {
    std::env::var("DAXLOCK_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// A scenario text: the valid one, one with a line mutated (a value, a key, a number
/// pushed to an extreme), or bytes of garbage.
fn text() -> impl Strategy<Value = String> {
    let lines: Vec<&'static str> = VALID.lines().collect();
    let n = lines.len();
    prop_oneof![
        1 => Just(VALID.to_owned()),
        4 => (0..n, prop_oneof![
                Just("0".to_owned()), Just("-1".to_owned()), Just("0xffffffffffffffff".to_owned()),
                Just("\"x\"".to_owned()), Just("[]".to_owned()), Just("{".to_owned()),
                Just("0x7f0000200001".to_owned()), Just("true".to_owned())
            ])
            .prop_map(move |(i, v)| {
                let mut ls: Vec<String> = VALID.lines().map(str::to_owned).collect();
                if let Some((k, _)) = ls[i].clone().split_once('=') {
                    ls[i] = format!("{k}= {v}");
                } else {
                    ls[i] = v;
                }
                ls.join("\n")
            }),
        2 => (0..n).prop_map(move |i| {
                // A line dropped.
                VALID.lines().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| l).collect::<Vec<_>>().join("\n")
            }),
        1 => proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_seed: proptest::test_runner::RngSeed::Fixed(11),
        ..ProptestConfig::default()
    })]

    /// The parser and validator never panic, and every error is one line.
    #[test]
    fn parser_never_panics(t in text()) {
        match Scenario::from_toml(&t, "fuzz.toml") {
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// `daxlock run` on the text: exit 0, 1 or 2, never a panic (101) or an abort;
    /// exit 2 names the file.
    #[test]
    fn run_exits_cleanly(t in text(), i in 0u32..1_000_000) {
        let path = std::env::temp_dir().join(format!("daxlock-fuzz-{}-{i}.toml", std::process::id()));
        std::fs::write(&path, &t).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_daxlock"))
            .args(["run", path.to_str().unwrap(), "--checker", "stateful,random", "--iterations", "50", "--max-states", "5000"])
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let code = o.status.code();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        prop_assert!(matches!(code, Some(0..=2)), "exit {code:?}: {err}");
        if code == Some(2) {
            prop_assert!(err.contains("daxlock-fuzz-"), "exit 2 without the file: {err}");
        }
    }
}
