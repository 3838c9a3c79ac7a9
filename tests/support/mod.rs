//! Helpers shared by the end-to-end tests (the `cli_*` files, `anywhere`, `edges`,
//! `replay_binding`, `workflow`): run the binary, read and describe its output, temp files, and
//! small scenarios.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `daxlock ARGS` in `dir` with `env` set (and `RUST_LOG`,
/// `LOOM_MAX_PREEMPTIONS` and the progress interval unset).
pub fn daxlock_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_daxlock"));
    c.args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("LOOM_MAX_PREEMPTIONS")
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
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (the process exited, it was not killed).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// Stdout as JSON.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", describe(o)))
}

/// A path under the temp dir that is removed (file or folder, whichever it became)
/// when the test drops it, so runs of the suite leave nothing behind in /tmp.
#[derive(Debug)]
pub struct TempPath(PathBuf);

impl TempPath {
    /// Names `path`, to be removed on drop.
    pub fn new(path: PathBuf) -> Self {
        TempPath(path)
    }
}

impl std::ops::Deref for TempPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempPath {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// A fresh path under the temp dir, unique to this process and call, removed when
/// dropped.
pub fn temp_path(tag: &str, ext: &str) -> TempPath {
    static N: AtomicUsize = AtomicUsize::new(0);
    TempPath(std::env::temp_dir().join(format!(
        "daxlock-cli-{}-{}-{tag}{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )))
}

/// Writes `text` to a fresh `.toml` file under the temp dir.
pub fn temp_file(tag: &str, text: &str) -> TempPath {
    let p = temp_path(tag, ".toml");
    std::fs::write(&p, text).expect("writing a temp scenario");
    p
}

/// The names of the catalogue's scenarios (`verify/`).
pub fn catalogue_names() -> Vec<String> {
    daxlock::scenario::load_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("verify"))
        .expect("catalogue")
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// A valid two-thread scenario for the bad-input tests to break one piece of.
pub const GOOD: &str = r#"name = "cli-good"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000 } ]
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000001000, size = "pte" } ]
"#;

/// [`GOOD`] with three more threads: five, one more than loom models.
pub fn five_threads() -> String {
    let mut text = GOOD.to_owned();
    for i in 2..5 {
        text.push_str(&format!(
            "[[thread]]\nops = [ {{ op = \"fault\", addr = 0x7f000000{i}000, size = \"pte\" }} ]\n"
        ));
    }
    text
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

/// Runs a printed `daxlock ...` command as pasted into a shell (it must be one line,
/// with nothing to quote), with `--json`; returns its one result.
pub fn paste(cmd: &str) -> Value {
    assert!(!cmd.contains('\n'), "the command spans lines: {cmd:?}");
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"daxlock"), "{cmd}");
    let mut args = words[1..].to_vec();
    args.push("--json");
    let o = daxlock(&args);
    assert!(matches!(code(&o), 0 | 1), "{cmd}: {}", describe(&o));
    let doc = json(&o);
    let results = doc["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{cmd}: {doc}");
    results[0].clone()
}

/// Asserts exit 2 and exactly one stderr line, starting with "daxlock:", containing
/// every `needles`; returns that line.
pub fn bad_input(args: &[&str], needles: &[&str]) -> String {
    let o = daxlock(args);
    assert_eq!(code(&o), 2, "{args:?}: {}", describe(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: stderr is not one line:\n{err}");
    assert!(lines[0].starts_with("daxlock:"), "{args:?}: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "{args:?}: {n:?} not in {err}");
    }
    assert!(stdout(&o).is_empty(), "{args:?}: stdout: {}", stdout(&o));
    lines[0].to_owned()
}
