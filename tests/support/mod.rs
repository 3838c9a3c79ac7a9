//! Helpers shared by the end-to-end tests of issue 19 (`anywhere`, `edges`,
//! `replay_binding`): run the binary, describe its output, a one-thread scenario.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `daxlock ARGS` in `dir` with `env` set (and `RUST_LOG`, the progress
/// interval unset).
pub fn daxlock_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_daxlock"));
    c.args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("DAXLOCK_PROGRESS_SECONDS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("running daxlock")
}

/// Runs `daxlock ARGS` in the repository.
pub fn daxlock(args: &[&str]) -> Output {
    daxlock_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, &[])
}

/// Stdout as text.
pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        out(o),
        err(o)
    )
}

/// Stdout as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", describe(o)))
}

/// A scenario of one thread's one PTE fault in a 4 MiB file, with `size_pages`
/// as given: no branching point, so its one stateful path is `s1:`.
pub fn one_thread(name: &str, size_pages: &str) -> String {
    format!(
        r#"name = "{name}"
[file]
size_pages = {size_pages}
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ {{ op = "fault", addr = 0x7f0000000000 }} ]
"#
    )
}

/// Writes `text` to a fresh file under the temp folder.
pub fn temp_file(tag: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("daxlock-{}-{tag}.toml", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}
