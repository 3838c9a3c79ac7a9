//! Embeds the catalogue (`verify/*.toml`) in the binary, so `daxlock list`, `verify`
//! and `bench` work from any folder: writes `$OUT_DIR/catalogue.rs`, one
//! `(file name, text)` per scenario file, sorted by name. Cargo reruns it when
//! anything under `verify/` changes, so a new file is picked up.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("reading verify/")
        .map(|e| e.expect("reading verify/").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for p in &files {
        let name = p.file_name().unwrap().to_str().expect("UTF-8 file name");
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            p.display().to_string()
        );
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalogue.rs");
    std::fs::write(dest, out).expect("writing catalogue.rs");
    // `daxlock` is linked at a fixed address (not position independent): the
    // dynamic loader then has none of the ~8,800 relative relocations to apply at
    // every start (the vtables' and panic locations' pointers), nor the ~28 pages
    // they would copy (README: *The fixed cost of a run*).
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
