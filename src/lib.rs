//! daxlock: a model of the Linux kernel's DAX mapping-entry locking (`fs/dax.c`,
//! v4.13), generic over its synchronization primitives, and a harness that runs the
//! same code under loom, shuttle and real threads.
//!
//! The layers, lowest first; a module imports only from its own layer and those
//! below it (`tests::no_layer_imports_from_above` checks):
//!
//! - [`sync`]: the backend trait and its parking_lot, std, loom, shuttle and
//!   stateful implementations.
//! - [`dax`]: the protocol (production code; knows nothing of checkers).
//! - [`verdict`], [`kind`]: the names of verdicts and checkers.
//! - [`scenario`]: scenario files.
//! - [`check`]: checkers, the generic scenario runner, settings, traces.
//! - [`schema`]: the rows of a results table and the JSON reports' types, written
//!   and read back.
//! - [`gate`]: choosing checkers and budgets, the verification gate (its rows are
//!   [`schema::Row`]s); [`lemma`], [`bench`](mod@bench).
//! - [`report`]: text and JSON of results; [`merge`] of sharded reports (the same
//!   rows, read back).
//! - [`cli`]: the command line (`src/main.rs` only calls [`cli::main`]).
#![warn(missing_docs)]

pub mod bench;
pub mod check;
pub mod cli;
pub mod dax;
pub mod gate;
pub mod kind;
pub mod lemma;
pub mod merge;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod sync;
pub mod verdict;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// The layers, lowest first, each with its top-level modules (a file `src/m.rs`
    /// or a folder `src/m/`). A module may use its own layer and those below.
    const LAYERS: &[&[&str]] = &[
        &["sync"],
        &["dax"],
        &["verdict", "kind"],
        &["scenario"],
        &["check"],
        &["schema"],
        &["gate", "lemma", "bench"],
        &["report", "merge"],
        &["cli"],
    ];

    fn layer_of(module: &str) -> Option<usize> {
        LAYERS.iter().position(|l| l.contains(&module))
    }

    /// The top-level modules named by `crate::` paths in `code` (comments left out):
    /// `crate::a::b` names `a`; `crate::{a, b::c}` names `a` and `b`.
    fn crate_modules(code: &str) -> Vec<String> {
        let code: String = code
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = Vec::new();
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        for (at, _) in code.match_indices("crate::") {
            // Not part of a longer identifier (`daxlock_crate::`, say).
            if code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let (mut depth, mut item_start) = (0usize, true);
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if c.is_whitespace() => {}
                        _ if item_start => {
                            out.push(ident(&group[i..]));
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            } else {
                out.push(ident(rest));
            }
        }
        out.retain(|m| !m.is_empty() && m != "self");
        out
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("reading src") {
            let path = entry.expect("reading src").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }

    /// The parser of `crate::` paths finds plain paths and groups, and skips comments.
    #[test]
    fn crate_paths_are_read() {
        let code = "use crate::check::Verdict;\nuse crate::{gate::{self, Budget},\n  report};\n\
                    // use crate::cli;\nlet x = crate::dax::units::PAGE_SIZE; // crate::merge\n";
        assert_eq!(crate_modules(code), ["check", "gate", "report", "dax"]);
    }

    /// sync → dax → verdict, kind → scenario → check → schema → gate → report → cli: no module
    /// uses one of a layer above its own, and every module has a layer.
    #[test]
    fn no_layer_imports_from_above() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let rel = file.strip_prefix(&src).expect("under src");
            let top = rel.components().next().expect("a path");
            let module = top.as_os_str().to_string_lossy();
            let module = module.trim_end_matches(".rs");
            if module == "lib" || module == "main" {
                continue;
            }
            let Some(own) = layer_of(module) else {
                wrong.push(format!("{}: module `{module}` has no layer", rel.display()));
                continue;
            };
            let code = std::fs::read_to_string(file).expect("reading a source file");
            for used in crate_modules(&code) {
                match layer_of(&used) {
                    Some(l) if l <= own => {}
                    Some(_) => wrong.push(format!(
                        "{}: `{module}` uses `crate::{used}`, a layer above it",
                        rel.display()
                    )),
                    None => wrong.push(format!(
                        "{}: `crate::{used}` is no module with a layer",
                        rel.display()
                    )),
                }
            }
        }
        assert!(files.len() > 20, "found {} files", files.len());
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
