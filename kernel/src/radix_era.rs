//! The radix-tree era (v4.x, the seed's own 4.13 code: `get_unlocked_mapping_entry()`,
//! `lib/radix-tree.c`, `tree_lock`): the build of its kernel target. `fs/dax.c`'s
//! entry locking and fault handlers, `lib/radix-tree.c` compiled whole,
//! `include/linux/dax.h`'s entry encoding and `kernel/sched/wait.c`'s wake
//! functions, with the shims and driver under `c/radix/` and the patches of
//! `src/patches_radix.rs`. A build-script module (`build.rs` includes it); the
//! crate's side of the era is `src/radix.rs`.

use super::{c_build, decls, extract, patches_radix, read, version, Variants};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

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
    fs::create_dir_all(gen.join("linux")).map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| {
        fs::write(gen.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    decls::write_headers(&gen)?;
    write(
        "linux/radix-tree.h",
        &read(src, "include/linux/radix-tree.h")?,
    )?;
    write("linux/idr.h", &read(src, "include/linux/idr.h")?)?;
    write("radix-tree.c", &read(src, "lib/radix-tree.c")?)?;
    let wait_items =
        extract::extract(&wait, WAIT_ITEMS).map_err(|e| format!("kernel/sched/wait.c: {e}"))?;
    write(
        "wait_tu.c",
        &format!("#include \"mm_shim.h\"\n/* Extracted from kernel/sched/wait.c ({version}). */\n{wait_items}"),
    )?;
    let dax_h_items =
        extract::extract(&dax_h, DAX_H_ITEMS).map_err(|e| format!("include/linux/dax.h: {e}"))?;
    let dax_items = extract::extract(dax, DAX_ITEMS).map_err(|e| format!("fs/dax.c: {e}"))?;
    let mut traces = String::new();
    for t in extract::tracepoints(&dax_items) {
        let _ = writeln!(traces, "#define {t}(...) ((void)0)");
    }
    let prelude = format!(
        "/* Extracted from include/linux/dax.h ({version}). */\n{dax_h_items}#include \"radix/radix_protos.h\"\n"
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
