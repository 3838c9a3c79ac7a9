//! The radix-tree era (v4.x, the seed's own 4.13 code: `get_unlocked_mapping_entry()`,
//! `lib/radix-tree.c`, `tree_lock`): the build of its kernel target. `fs/dax.c`'s
//! entry locking and fault handlers, `lib/radix-tree.c` compiled whole,
//! `include/linux/dax.h`'s entry encoding and `kernel/sched/wait.c`'s wake
//! functions, with the shims and driver under `c/radix/` and the patches of
//! `src/patches_radix.rs`. A build-script module (`build.rs` includes it); the
//! crate's side of the era is `src/radix.rs`.

use super::{
    c_build, extract, extract_dax, fresh_gen, patches_radix, read, version, whole, write_gen,
    write_wait, Variants,
};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Items of 4.13's kernel/sched/wait.c the DAX code reaches.
const WAIT_ITEMS: &[&str] = &[
    "__init_waitqueue_head",
    "__wake_up_common",
    "__wake_up",
    "prepare_to_wait",
    "prepare_to_wait_exclusive",
    "finish_wait",
    "autoremove_wake_function",
];

/// Items of 4.13's include/linux/dax.h: the radix-tree entry encoding.
const DAX_H_ITEMS: &[&str] = &[
    "RADIX_DAX_SHIFT",
    "RADIX_DAX_ENTRY_LOCK",
    "RADIX_DAX_PMD",
    "RADIX_DAX_HZP",
    "RADIX_DAX_EMPTY",
    "dax_radix_sector",
    "dax_radix_locked_entry",
    "dax_radix_order",
];

/// Items of 4.13's fs/dax.c: the entry locking, the wait table, the fault
/// handlers with their helpers, invalidation and writeback.
const DAX_ITEMS: &[&str] = &[
    "DAX_WAIT_TABLE_BITS",
    "DAX_WAIT_TABLE_ENTRIES",
    "wait_table",
    "init_dax_wait_table",
    "dax_is_pmd_entry",
    "dax_is_pte_entry",
    "dax_is_zero_entry",
    "dax_is_empty_entry",
    "struct exceptional_entry_key",
    "struct wait_exceptional_entry_queue",
    "dax_entry_waitqueue",
    "wake_exceptional_entry_func",
    "slot_locked",
    "lock_slot",
    "unlock_slot",
    "get_unlocked_mapping_entry",
    "dax_unlock_mapping_entry",
    "put_locked_mapping_entry",
    "put_unlocked_mapping_entry",
    "grab_mapping_entry",
    "dax_wake_mapping_entry_waiter",
    "__dax_invalidate_mapping_entry",
    "dax_delete_mapping_entry",
    "dax_invalidate_mapping_entry_sync",
    "dax_load_hole",
    "copy_user_dax",
    "dax_insert_mapping_entry",
    "dax_writeback_one",
    "dax_writeback_mapping_range",
    "dax_insert_mapping",
    "dax_pfn_mkwrite",
    "dax_iomap_sector",
    "dax_fault_return",
    "dax_iomap_pte_fault",
    "PG_PMD_COLOUR",
    "dax_pmd_insert_mapping",
    "dax_pmd_load_hole",
    "dax_iomap_pmd_fault",
];

/// Builds the radix-tree era's kernel target from `src` into `out`.
pub fn build(src: &Path, out: &Path) -> Result<(), String> {
    let version = &version(&read(src, "Makefile")?);
    let dax = &read(src, "fs/dax.c")?;
    let wait = read(src, "kernel/sched/wait.c")?;
    let dax_h = read(src, "include/linux/dax.h")?;
    let gen = out.join("gen-radix");
    fresh_gen(&gen)?;
    for (name, rel) in [
        ("linux/radix-tree.h", "include/linux/radix-tree.h"),
        ("linux/idr.h", "include/linux/idr.h"),
        ("radix-tree.c", "lib/radix-tree.c"),
    ] {
        write_gen(&gen, name, &whole(rel, &read(src, rel)?))?;
    }
    write_wait(&gen, &wait, WAIT_ITEMS, version)?;
    let dax_h_items = extract::extract(&dax_h, "include/linux/dax.h", DAX_H_ITEMS)
        .map_err(|e| format!("include/linux/dax.h: {e}"))?;
    let (dax_items, traces) = extract_dax(dax, DAX_ITEMS)?;
    let prelude = format!(
        "/* Extracted from include/linux/dax.h ({version}). */\n{dax_h_items}#include \"radix/radix_protos.h\"\n#include \"radix/radix_folds.h\"\n"
    );
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let mut build = c_build(&[
        manifest.join("c/radix"),
        manifest.join("c"),
        manifest.join("shim"),
        gen.clone(),
    ]);
    build
        .define("DAXK_RADIX", None)
        .file(gen.join("radix-tree.c"))
        .file(gen.join("wait_tu.c"))
        .file(manifest.join("c/common.c"))
        .file(manifest.join("c/radix/radix_common.c"))
        // No lib/test_xarray.c in this era: the stub says so.
        .file(manifest.join("c/xarray_selftest.c"));
    // The kernel's own radix-tree test suite, against the same shims (a tree
    // without it builds the stub that says so).
    let suite = src.join(SUITE_DIR);
    if suite.is_dir() {
        for (entry, broken) in [
            ("daxk_radix_suite", false),
            ("daxk_radix_suite_broken", true),
        ] {
            build_suite(src, &gen, &manifest, entry, broken)?;
        }
    } else {
        build.file(manifest.join("c/radix/radix_suite.c"));
    }
    let variants = Variants::emit(
        &mut build,
        &gen,
        &dax_items,
        &traces,
        &prelude,
        "radix/radix_driver.c",
        version,
        patches_radix::variants(),
    )?;
    build.compile("daxk");
    // 4.13 tags an entry dirty only for a write fault: the model's truth (None).
    variants.write(out, src, version, "radix-tree", None)
}

/// The kernel's radix-tree test suite, in the tree.
const SUITE_DIR: &str = "tools/testing/radix-tree";

/// The suite's files compiled as their own translation units (`c/radix/radix_suite.c`
/// includes its main.c). Not built: regression1.c and iteration_check.c (threads
/// over real RCU), benchmark.c (timing), linux.c (the suite's own slab: ours is
/// what is checked).
const SUITE_FILES: &[&str] = &[
    "test.c",
    "multiorder.c",
    "tag_check.c",
    "regression2.c",
    "regression3.c",
    "idr-test.c",
];

/// What the suite's Makefile does to lib/radix-tree.c and lib/idr.c so its tests
/// can call their static functions: `static` dropped at the start of a line, the
/// first `__always_inline ` and `inline ` of a line dropped.
fn unstatic(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.strip_prefix("static ").unwrap_or(line);
        let line = line
            .replacen("__always_inline ", "", 1)
            .replacen("inline ", "", 1);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Builds the suite against the shims into `lib<entry>.a`: the suite's files, a
/// private copy of radix-tree.c and idr.c ([`unstatic`]) and `c/radix/radix_suite.c`,
/// linked into one object (`ld -r`) whose only global symbol is `entry`, so none
/// of it clashes with the kernel target's own radix-tree.c. `broken` builds it
/// with a deliberately broken shim (`DAXK_SUITE_BROKEN_SHIM`).
fn build_suite(
    src: &Path,
    gen: &Path,
    manifest: &Path,
    entry: &str,
    broken: bool,
) -> Result<(), String> {
    let dir = gen.join(entry);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (rel, name) in [("lib/radix-tree.c", "radix-tree.c"), ("lib/idr.c", "idr.c")] {
        fs::write(dir.join(name), whole(rel, &unstatic(&read(src, rel)?)))
            .map_err(|e| format!("{name}: {e}"))?;
    }
    let suite = src.join(SUITE_DIR);
    let mut build = c_build(&[
        manifest.join("c/radix/suite"),
        manifest.join("c/radix"),
        manifest.join("c"),
        manifest.join("shim"),
        gen.to_path_buf(),
    ]);
    build
        .out_dir(dir.join("obj"))
        .define("DAXK_RADIX", None)
        .define("DAXK_HAVE_RADIX_SUITE", None)
        .define("DAXK_SUITE_ENTRY", entry)
        .define("main", "daxk_suite_unused_main")
        .flag("-include")
        .flag(
            manifest
                .join("c/radix/suite/prelude.h")
                .display()
                .to_string(),
        )
        .flag("-iquote")
        .flag(suite.display().to_string())
        .flag("-Wno-sign-compare")
        .flag("-Wno-unused-parameter")
        .flag("-Wno-missing-field-initializers")
        .file(dir.join("radix-tree.c"))
        .file(dir.join("idr.c"))
        .file(manifest.join("c/radix/radix_suite.c"));
    if broken {
        build.define("DAXK_SUITE_BROKEN_SHIM", None);
    }
    for f in SUITE_FILES {
        let path = suite.join(f);
        println!("cargo:rerun-if-changed={}", path.display());
        build.file(path);
    }
    let objects = build
        .try_compile_intermediates()
        .map_err(|e| format!("{SUITE_DIR}: {e}"))?;
    let out = gen.parent().expect("gen has a parent");
    let object = out.join(format!("{entry}.o"));
    let run = |cmd: &mut Command| -> Result<(), String> {
        let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{cmd:?}: {status}"))
        }
    };
    run(Command::new("ld")
        .arg("-r")
        .arg("-o")
        .arg(&object)
        .args(&objects))?;
    run(Command::new("objcopy")
        .arg(format!("--keep-global-symbol={entry}"))
        .arg(&object))?;
    let lib = out.join(format!("lib{entry}.a"));
    let _ = fs::remove_file(&lib);
    run(Command::new("ar").arg("crs").arg(&lib).arg(&object))?;
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static={entry}");
    Ok(())
}
