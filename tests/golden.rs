//! Golden outputs: a fixed set of invocations (verify on a few catalogue rows with
//! fixed seeds, as text and JSON, sharded and merged; run with a counterexample; its
//! replay; bench zoo on small budgets; list), whose stdout, exit code and (for
//! errors) stderr are compared with the files in `tests/golden/`. Times vary from run
//! to run, so every decimal number (seconds, rates) becomes `#.#` and the states per
//! second of a search `# states/s`; the temporary folder becomes `$DIR`. Everything
//! else (executions, verdicts, schedules, timelines, field names and order) must
//! match byte for byte: the reports' code can be restructured without changing what
//! users see.
//!
//! After a deliberate change of output, rewrite the files with
//! `DAXLOCK_BLESS=1 cargo test --release --test golden` and review the diff.

mod support;

use std::path::{Path, PathBuf};
use support::daxlock_in;

/// Replaces what varies between runs: decimals, rates, the temporary folder.
fn normalise(text: &str, dir: &Path) -> String {
    let text = text.replace(&dir.display().to_string(), "$DIR");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let decimal = j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit();
        if decimal {
            j += 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            // `1.2e-5`
            if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
                j += 1;
                while j < chars.len() && (chars[j] == '-' || chars[j].is_ascii_digit()) {
                    j += 1;
                }
            }
            out.push_str("#.#");
        } else {
            let rest: String = chars[j..chars.len().min(j + 9)].iter().collect();
            if rest == " states/s" {
                out.push('#');
            } else {
                out.extend(&chars[i..j]);
            }
        }
        i = j;
    }
    out
}

/// The folder of the test's scenarios: two catalogue scenarios, and one whose
/// expectation is wrong (so that an unexpected row shows its evidence).
fn catalogue(dir: &Path) -> PathBuf {
    let cat = dir.join("cat");
    std::fs::create_dir_all(&cat).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    for name in ["bug-no-recheck", "fsync-vs-read-fault"] {
        let file = format!("{name}.toml");
        std::fs::copy(root.join(&file), cat.join(&file)).unwrap();
    }
    let text = std::fs::read_to_string(root.join("bug-no-recheck.toml")).unwrap();
    let wrong = text
        .replace("name = \"bug-no-recheck\"", "name = \"wrong-expectation\"")
        .replace("no-recheck = \"sigbus\"", "no-recheck = \"hang\"");
    assert_ne!(wrong, text);
    std::fs::write(cat.join("wrong-expectation.toml"), wrong).unwrap();
    cat
}

/// The invocations, each with the name of its golden file. `CAT` is the catalogue
/// folder; `SHARD0`/`SHARD1` the JSON reports of two shards, written by the first
/// cases.
const CASES: &[(&str, &str)] = &[
    (
        "verify.txt",
        "verify --dir CAT --checker stateful,loom,random,pct --iterations 40 --max-states 20000",
    ),
    (
        "verify.json",
        "verify --dir CAT --checker stateful,loom,random,pct --iterations 40 --max-states 20000 --json",
    ),
    (
        "shard0.json",
        "verify --dir CAT --checker random,pct --iterations 40 --seed 3 --shard 0/2 --json",
    ),
    (
        "shard1.json",
        "verify --dir CAT --checker random,pct --iterations 40 --seed 3 --shard 1/2 --json",
    ),
    ("merge.txt", "merge SHARD0 SHARD1"),
    ("merge.json", "merge SHARD0 SHARD1 --json"),
    ("merge-one-shard.txt", "merge SHARD0"),
    (
        "run.txt",
        "run CAT/bug-no-recheck.toml --bug no-recheck --checker pct,stateful --iterations 50 --coverage",
    ),
    (
        "run.json",
        "run CAT/bug-no-recheck.toml --bug no-recheck --checker pct,stateful,random --iterations 50 --json",
    ),
    ("replay.txt", "REPLAY"),
    ("replay.json", "REPLAY --json"),
    ("bench-zoo.txt", "bench zoo --dir CAT --seeds 3 --cap 200"),
    ("list.txt", "list"),
    ("list-branches.txt", "list --branches"),
    ("merge-bad.txt", "merge CAT/bug-no-recheck.toml"),
];

/// The replay command `run.txt` prints for its PCT counterexample, as arguments.
fn replay_args(run_text: &str) -> Vec<String> {
    let line = run_text
        .lines()
        .find_map(|l| l.trim().strip_prefix("reproduce: daxlock "))
        .expect("run.txt names a replay command");
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn outputs_match_the_golden_files() {
    let dir = std::env::temp_dir().join(format!("daxlock-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cat = catalogue(&dir);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("DAXLOCK_BLESS").is_some();
    let mut run_text = String::new();
    let mut mismatches = Vec::new();
    for (file, command) in CASES {
        let mut args: Vec<String> = Vec::new();
        for word in command.split_whitespace() {
            match word {
                "REPLAY" => args.extend(replay_args(&run_text)),
                w => args.push(
                    w.replace("CAT", &cat.display().to_string())
                        .replace("SHARD0", &dir.join("shard0.json").display().to_string())
                        .replace("SHARD1", &dir.join("shard1.json").display().to_string()),
                ),
            }
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = daxlock_in(&dir, &refs, &[]);
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        if file.starts_with("shard") {
            std::fs::write(dir.join(file), &stdout).unwrap();
        }
        if *file == "run.txt" {
            run_text = stdout.clone();
        }
        let mut got = format!("exit {:?}\n", o.status.code());
        if !o.status.success() {
            got += &format!("--- stderr\n{}", String::from_utf8_lossy(&o.stderr));
        }
        got += "--- stdout\n";
        got += &stdout;
        let got = normalise(&got, &dir);
        let path = golden.join(file);
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (bless with DAXLOCK_BLESS=1)", path.display()));
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
            let (g, w) = (
                got.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>"),
            );
            // JSON is one long line: show around the first differing character.
            let at = g
                .char_indices()
                .zip(w.chars())
                .find(|((_, a), b)| a != b)
                .map_or(g.len().min(w.len()), |((i, _), _)| i);
            let around = |s: &str| -> String {
                s.chars()
                    .skip(
                        s.get(..at)
                            .map_or(0, |p| p.chars().count())
                            .saturating_sub(80),
                    )
                    .take(200)
                    .collect()
            };
            mismatches.push(format!(
                "{file} ({command}) differs at line {}:\n  got:  {}\n  want: {}",
                line + 1,
                around(g),
                around(w)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The normaliser hides times and rates, and nothing else.
#[test]
fn normalise_hides_only_times() {
    let dir = Path::new("/tmp/x");
    assert_eq!(
        normalise(
            "proved in 0.68 s; 12 states, 1.2e-5 s, 4567 states/s; /tmp/x/a.toml seed 3 s1:0",
            dir
        ),
        "proved in #.# s; 12 states, #.# s, # states/s; $DIR/a.toml seed 3 s1:0"
    );
    assert_eq!(
        normalise("{\"seconds\":0.021,\"schedules\":279,\"v\":\"4.13\"}", dir),
        "{\"seconds\":#.#,\"schedules\":279,\"v\":\"#.#\"}"
    );
}

/// The reports the golden files hold, as `verify --json`, `run --json` and `replay
/// --json` print them, read back through the schema and written again, are the same
/// JSON: the schema reads what daxlock writes, field for field.
#[test]
fn produced_reports_read_back_as_themselves() {
    use daxlock::schema::{from_json, to_json, RunDoc, VerifyDoc};
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for file in [
        "verify.json",
        "shard0.json",
        "shard1.json",
        "run.json",
        "replay.json",
    ] {
        let text = std::fs::read_to_string(golden.join(file)).unwrap();
        let json = text.split_once("--- stdout\n").expect("a golden file").1;
        // Times are normalised to `#.#` in the golden files: put a number back.
        let json: serde_json::Value = serde_json::from_str(&json.replace("#.#", "0.5"))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let again = if json.get("runs").is_some() {
            to_json(from_json::<VerifyDoc>(&json).unwrap_or_else(|e| panic!("{file}: {e}")))
        } else {
            to_json(from_json::<RunDoc>(&json).unwrap_or_else(|e| panic!("{file}: {e}")))
        };
        assert_eq!(again, json, "{file}");
    }
}
