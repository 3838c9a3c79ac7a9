//! Builds the kernel target from the Linux tree named by `DAXLOCK_KERNEL_SRC`.
//!
//! Picks the entry-locking items out of the tree's own `fs/dax.c`, the wake
//! functions out of `kernel/sched/wait.c`, compiles them with `lib/xarray.c`
//! against the shims in `c/` and `shim/`, once per bug variant (each variant is
//! the unmodified extract with one small source patch). Without the variable the
//! crate builds with no kernel (every run says how to get one).

// The C side of the hook and entry-point tables (the headers both eras include).
#[path = "src/decls.rs"]
#[allow(dead_code, unused_macros)]
mod decls;
#[path = "src/era.rs"]
#[allow(dead_code)]
mod era;
#[path = "src/extract.rs"]
#[allow(dead_code)]
mod extract;
#[path = "src/patches.rs"]
mod patches;
// The radix-tree era (4.13): its own item lists, shims, driver and patches.
#[path = "src/patches_radix.rs"]
mod patches_radix;
#[path = "src/radix_era.rs"]
mod radix_era;

use era::Era;

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Items of kernel/sched/wait.c the DAX code reaches.
const WAIT_ITEMS: &[&str] = &[
    "WAITQUEUE_WALK_BREAK_CNT",
    "__init_waitqueue_head",
    "__wake_up_common",
    "__wake_up_common_lock",
    "__wake_up",
    "prepare_to_wait",
    "prepare_to_wait_exclusive",
    "init_wait_entry",
    "finish_wait",
    "autoremove_wake_function",
];

/// Items some versions do not have (6.12's wait.c walks without bookmarks).
const OPTIONAL_ITEMS: &[&str] = &[
    // 6.1's wait.c walks with bookmarks; 6.12's does not.
    "WAITQUEUE_WALK_BREAK_CNT",
    "__wake_up_common_lock",
    // fs/dax.c defines PMD_ORDER up to 6.6; later it comes from a header (the shim).
    "PMD_ORDER",
    // Reflinked (shared) pages: 6.1's names, then 6.12's.
    "dax_mapping_is_cow",
    "dax_mapping_set_cow",
    "dax_fault_is_cow",
    "dax_page_is_shared",
    "dax_page_share_get",
    "dax_page_share_put",
];

/// `wanted` less the optional items `source` lacks.
fn present<'a>(source: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    let names: Vec<String> = extract::items(source).into_iter().map(|i| i.name).collect();
    wanted
        .iter()
        .copied()
        .filter(|w| !OPTIONAL_ITEMS.contains(w) || names.iter().any(|n| n == w))
        .collect()
}

fn main() {
    println!("cargo:rerun-if-env-changed=DAXLOCK_KERNEL_SRC");
    println!("cargo:rerun-if-changed=c");
    println!("cargo:rerun-if-changed=shim");
    println!("cargo:rerun-if-changed=src/extract.rs");
    println!("cargo:rerun-if-changed=src/patches.rs");
    println!("cargo:rerun-if-changed=src/era.rs");
    println!("cargo:rerun-if-changed=src/decls.rs");
    println!("cargo:rerun-if-changed=src/radix_era.rs");
    println!("cargo:rerun-if-changed=src/patches_radix.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let src = env::var("DAXLOCK_KERNEL_SRC")
        .ok()
        .filter(|s| !s.is_empty());
    // Beside the binaries: the last build's refusal, which `daxlock --target
    // kernel` reports instead of running a binary built from another tree.
    let marker = out.ancestors().nth(3).map(|d| d.join(BUILD_ERROR_FILE));
    let Some(src) = src else {
        if let Some(m) = &marker {
            let _ = fs::remove_file(m);
        }
        fs::write(
            out.join("variants.rs"),
            no_kernel("DAXLOCK_KERNEL_SRC is not set"),
        )
        .expect("write");
        return;
    };
    let src = PathBuf::from(src);
    match build(&src, &out) {
        Ok(()) => {
            if let Some(m) = &marker {
                let _ = fs::remove_file(m);
            }
            println!("cargo:rustc-cfg=daxk_kernel");
        }
        Err(e) => {
            let sentence = format!("daxlock-kernel: {}: {e}", src.display());
            if let Some(m) = &marker {
                let _ = fs::write(m, format!("{sentence}\n"));
            }
            eprintln!("{sentence}");
            println!("cargo::error={sentence}");
            std::process::exit(2);
        }
    }
}

/// The file beside the binaries that holds why the last build refused its tree
/// (`daxlock::cli` reads it under the same name).
const BUILD_ERROR_FILE: &str = "daxlock-kernel.build-error";

fn no_kernel(why: &str) -> String {
    format!("/// Why this build has no kernel.\npub const NO_KERNEL: &str = {why:?};\n")
}

fn read(src: &Path, rel: &str) -> Result<String, String> {
    let p = src.join(rel);
    println!("cargo:rerun-if-changed={}", p.display());
    fs::read_to_string(&p).map_err(|e| format!("{rel}: {e} (is this a Linux source tree?)"))
}

/// A file of the tree copied whole, after a `#line` directive naming it (`rel`),
/// so that its warnings and diagnostics name the tree's file.
fn whole(rel: &str, text: &str) -> String {
    format!("{}{text}", extract::line_directive(1, rel))
}

fn version(makefile: &str) -> String {
    let field = |k: &str| {
        makefile
            .lines()
            .find_map(|l| {
                l.strip_prefix(k)
                    .map(|r| r.trim_start_matches([' ', '=']).trim().to_string())
            })
            .unwrap_or_default()
    };
    format!(
        "{}.{}.{}",
        field("VERSION"),
        field("PATCHLEVEL"),
        field("SUBLEVEL")
    )
}

/// Whether the tree's dax_insert_entry() tags a read fault's entry clean: its
/// `dirty = ...;` initialiser names `write` (6.12: `write && !sync`) or not (6.1:
/// `!sync` alone, the `write &&` lost in the 2022 CoW rework). `None` when the
/// function computes no `dirty` itself (5.x takes it from its callers).
fn read_faults_leave_entries_clean(dax_items: &str) -> Option<bool> {
    let insert = extract::items(dax_items)
        .into_iter()
        .find(|i| i.name == "dax_insert_entry")?;
    let init = insert
        .text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("bool dirty =") && l.ends_with(';'))?;
    Some(init.contains("write"))
}

fn build(src: &Path, out: &Path) -> Result<(), String> {
    let version = version(&read(src, "Makefile")?);
    let dax = read(src, "fs/dax.c")?;
    let era = Era::detect(&dax)?;
    if era == Era::RadixTree {
        return radix_era::build(src, out);
    }
    if let Some(why) = era.unsupported() {
        return Err(why.to_string());
    }
    let wait = read(src, "kernel/sched/wait.c")?;
    let xarray_c = read(src, "lib/xarray.c")?;
    let xarray_h = read(src, "include/linux/xarray.h")?;
    let gen = out.join("gen");
    fresh_gen(&gen)?;
    write_gen(
        &gen,
        "linux/xarray.h",
        &whole("include/linux/xarray.h", &xarray_h),
    )?;
    write_gen(&gen, "xarray.c", &whole("lib/xarray.c", &xarray_c))?;
    write_wait(&gen, &wait, &present(&wait, WAIT_ITEMS), &version)?;
    let (dax_items, traces) = extract_dax(&dax, &present(&dax, &era.dax_items()))?;
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let mut build = c_build(&[manifest.join("c"), manifest.join("shim"), gen.clone()]);
    build
        .define(era.define(), None)
        .file(gen.join("xarray.c"))
        .file(gen.join("wait_tu.c"))
        .file(manifest.join("c/common.c"))
        .file(manifest.join("c/xarray_selftest.c"))
        // No radix-tree test suite in this era: the stub says so.
        .file(manifest.join("c/radix/radix_suite.c"));
    // The kernel's own XArray tests, run against the same shims (a tree without
    // them builds a stub that says so).
    if src.join("lib/test_xarray.c").exists() {
        write_gen(&gen, "test_xarray.c", &read(src, "lib/test_xarray.c")?)?;
        build.define("DAXK_HAVE_TEST_XARRAY", None);
    }
    let variants = Variants::emit(
        &mut build,
        &gen,
        &dax_items,
        &traces,
        "",
        "driver.c",
        &version,
        patches::variants(),
    )?;
    build.compile("daxk");
    let clean = read_faults_leave_entries_clean(&dax_items);
    variants.write(out, src, &version, era.name(), clean)
}

/// Empties `gen`, the folder of one build's generated sources (nothing is left from
/// a build of another tree, such as its variants' files), and writes the generated
/// headers into it.
fn fresh_gen(gen: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(gen);
    fs::create_dir_all(gen.join("linux")).map_err(|e| e.to_string())?;
    decls::write_headers(gen)
}

/// Writes the generated source `name` (a path under `gen`).
fn write_gen(gen: &Path, name: &str, text: &str) -> Result<(), String> {
    fs::write(gen.join(name), text).map_err(|e| format!("{name}: {e}"))
}

/// Extracts `items` of kernel/sched/wait.c into `wait_tu.c`, its own translation
/// unit.
fn write_wait(gen: &Path, wait: &str, items: &[&str], version: &str) -> Result<(), String> {
    let wait_items = extract::extract(wait, "kernel/sched/wait.c", items)
        .map_err(|e| format!("kernel/sched/wait.c: {e}"))?;
    write_gen(
        gen,
        "wait_tu.c",
        &format!("#include \"mm_shim.h\"\n/* Extracted from kernel/sched/wait.c ({version}). */\n{wait_items}"),
    )
}

/// Extracts `items` of fs/dax.c; with them, a definition that stubs out each
/// tracepoint they call.
fn extract_dax(dax: &str, items: &[&str]) -> Result<(String, String), String> {
    let dax_items =
        extract::extract(dax, "fs/dax.c", items).map_err(|e| format!("fs/dax.c: {e}"))?;
    let mut traces = String::new();
    for t in extract::tracepoints(&dax_items) {
        let _ = writeln!(traces, "#define {t}(...) ((void)0)");
    }
    Ok((dax_items, traces))
}

/// A C build with the target's flags, searching `includes` in order.
fn c_build(includes: &[PathBuf]) -> cc::Build {
    let mut build = cc::Build::new();
    for i in includes {
        build.include(i);
    }
    build
        .flag("-fexceptions")
        .flag("-fno-strict-aliasing")
        .flag("-std=gnu11")
        .flag("-Werror=implicit-function-declaration")
        .warnings(true)
        .extra_warnings(false)
        .flag("-Wno-unused-variable")
        .flag("-Wno-unused-but-set-variable")
        .flag("-Wno-unused-function")
        .flag("-Wno-unused-label")
        .flag("-Wno-address")
        .opt_level(1);
    build
}

/// fs/dax.c's own functions whose calls are scopes of the stateful checker
/// (`c/scopes.h` argues each): every call of them is wrapped. Each tree has one of
/// them: dax_wake_entry() in the xarray eras, dax_wake_mapping_entry_waiter() in
/// 4.13's radix era (a global function, defined after most of its callers); a
/// name the tree does not define is skipped.
const SCOPED_DAX_FUNCTIONS: &[&str] = &["dax_wake_entry", "dax_wake_mapping_entry_waiter"];

/// fs/dax.c's waits for an unlocked entry, each `(xa_state, ...)` returning an
/// entry: every call of them is a scope whose result is the entry it returned and
/// the xa_state it left, canonically (`DAXK_ENTRY_SCOPE`, `c/xa_folds.h`, which
/// argues it). get_unlocked_entry() in 5.15 to 6.12; get_next_unlocked_entry() and
/// wait_entry_unlocked_exclusive() in 7.1; get_unlocked_mapping_entry() in 4.13's
/// radix era, whose first argument is the mapping (`c/radix/radix_folds.h` has its
/// `DAXK_ENTRY_SCOPE`); a name the tree does not define is skipped.
const ENTRY_SCOPED_DAX_FUNCTIONS: &[&str] = &[
    "get_unlocked_entry",
    "get_next_unlocked_entry",
    "wait_entry_unlocked_exclusive",
    "get_unlocked_mapping_entry",
];

/// Whether extracted item `item` is a global function (its name gets the
/// variant's prefix: [`Variants::emit`]'s renames).
fn global_fn(item: &extract::Item) -> bool {
    !item.text.trim_start().starts_with("static")
        && !item.text.trim_start().starts_with('#')
        && item.text.contains('(')
        && !item.name.is_empty()
        && !item.name.contains(' ')
}

/// `text` (an fs/dax.c extract of variant `sym`) with every call of each of
/// [`SCOPED_DAX_FUNCTIONS`] it defines made a scope (`DAXK_SCOPED_CALL`,
/// `c/scopes.h`), and of each of [`ENTRY_SCOPED_DAX_FUNCTIONS`] a scope whose
/// result is the entry it returned (`DAXK_ENTRY_SCOPE`, `c/xa_folds.h`), and of
/// [`GRAB_SCOPED_DAX_FUNCTION`] in the radix era (`DAXK_GRAB_SCOPE`): a function-like macro of the function's name (for a global
/// function, the variant's name for it, to which the renames map it), defined
/// after the definition and, when a call comes before it, at the start of the
/// text too, with an `#undef` before the definition (placed before the
/// definition's `#line` directive, so the tree's line numbers stay). A macro's
/// own name is not expanded again inside its body, so the inner call is the
/// tree's function.
fn scoped(text: &str, sym: &str) -> Result<String, String> {
    let mut out = text.to_owned();
    let calls = SCOPED_DAX_FUNCTIONS
        .iter()
        .map(|n| (*n, 0))
        .chain(ENTRY_SCOPED_DAX_FUNCTIONS.iter().map(|n| (*n, 1)))
        .chain([(GRAB_SCOPED_DAX_FUNCTION, 2)]);
    for (name, kind) in calls {
        let Some(item) = extract::items(&out)
            .into_iter()
            .find(|i| i.name == *name && i.text.contains('{'))
        else {
            continue;
        };
        let macro_name = if global_fn(&item) {
            format!("{sym}_{name}")
        } else {
            name.to_string()
        };
        let begin = out
            .find(&item.text)
            .ok_or_else(|| format!("{name}: its text not found"))?;
        let end = begin + item.text.len();
        let define = if kind == 1 {
            format!(
                "\n/* daxlock: every call of {name}() is a scope (c/xa_folds.h, c/radix/radix_folds.h). */\n#define {macro_name}(xas, ...) DAXK_ENTRY_SCOPE(xas, {macro_name}(__daxk_sx, __VA_ARGS__))\n"
            )
        } else if kind == 2 {
            format!(
                "\n/* daxlock: in the radix era every call of {name}() is a scope (c/radix/radix_folds.h). */\n#ifdef DAXK_RADIX\n#define {macro_name}(...) DAXK_GRAB_SCOPE({macro_name}(__VA_ARGS__))\n#endif\n"
            )
        } else {
            format!(
                "\n/* daxlock: every call of {name}() is a scope (c/scopes.h). */\n#define {macro_name}(...) DAXK_SCOPED_CALL({macro_name}(__VA_ARGS__))\n"
            )
        };
        out.insert_str(end, &define);
        let called_before = out[..begin].contains(&format!("{name}("));
        if called_before {
            // Before the definition's `#line` directive, if it has one.
            let line_start = out[..begin]
                .trim_end_matches('\n')
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let at = if out[line_start..begin].starts_with("#line") {
                line_start
            } else {
                begin
            };
            out.insert_str(
                at,
                &format!(
                    "/* daxlock: not over the definition of {name}(). */\n#undef {macro_name}\n"
                ),
            );
            out.insert_str(0, define.trim_start());
        }
    }
    Ok(out)
}

/// 4.13's grab_mapping_entry(mapping, index, size_flag): in the radix era every
/// call of it is a scope whose result is the entry it returned, its `restart:`
/// label the top of its loop (`DAXK_GRAB_SCOPE`, `c/radix/radix_folds.h`, which
/// argues it). The macro is defined under `#ifdef DAXK_RADIX`: the xarray eras'
/// function of that name (which takes an xa_state) is left as it is.
const GRAB_SCOPED_DAX_FUNCTION: &str = "grab_mapping_entry";

/// The per-variant translation units and the Rust table of them.
struct Variants {
    table: String,
    skipped: String,
    /// Rows `(name, read faults leave entries clean)`, as
    /// [`read_faults_leave_entries_clean`] finds each variant's patched text.
    reads_clean: String,
}

impl Variants {
    /// One translation unit per variant: `prelude` (after the renames), the
    /// patched extract, then `driver` (a file under `c/`).
    #[allow(clippy::too_many_arguments)]
    fn emit(
        build: &mut cc::Build,
        gen: &Path,
        dax_items: &str,
        traces: &str,
        prelude: &str,
        driver: &str,
        version: &str,
        variants: Vec<patches::PatchSpec>,
    ) -> Result<Variants, String> {
        let mut table = String::new();
        let mut skipped = String::new();
        let mut reads_clean = String::new();
        for variant in variants {
            let sym = format!("daxk_{}", variant.name.replace('-', "_"));
            let patched = match patches::apply(dax_items, &variant).and_then(|t| scoped(&t, &sym)) {
                Ok(t) => t,
                Err(e) => {
                    let _ = writeln!(skipped, "    ({:?}, {:?}),", variant.name, e);
                    continue;
                }
            };
            // The tree's global functions get the variant's prefix: each variant is
            // linked into one binary.
            let mut renames = String::new();
            for item in extract::items(dax_items) {
                if global_fn(&item) {
                    let _ = writeln!(renames, "#define {0} {sym}_{0}", item.name);
                }
            }
            let file = format!("dax_{sym}.c");
            fs::write(
                gen.join(&file),
                format!(
                    "#include \"mm_shim.h\"\n#define DAXK_VARIANT {sym}\n{traces}{renames}{prelude}\n#include \"scopes.h\"\n#include \"xa_folds.h\"\n/* Extracted from fs/dax.c ({version}), variant {}. */\n{patched}\n#include \"{driver}\"\n",
                    variant.name
                ),
            )
            .map_err(|e| format!("{file}: {e}"))?;
            build.file(gen.join(&file));
            let _ = writeln!(
                table,
                "    entry_points!(variant_row, {:?}, {sym:?}, {:?}, {}),",
                variant.name, variant.about, variant.fix
            );
            let _ = writeln!(
                reads_clean,
                "    ({:?}, {:?}),",
                variant.name,
                read_faults_leave_entries_clean(&patched)
            );
        }
        Ok(Variants {
            table,
            skipped,
            reads_clean,
        })
    }

    /// Writes `variants.rs`: the tree, its era, whether its read faults leave their
    /// entries clean (`clean`, as [`read_faults_leave_entries_clean`] found it), the
    /// variant table, the skipped patches.
    fn write(
        &self,
        out: &Path,
        src: &Path,
        version: &str,
        era: &str,
        clean: Option<bool>,
    ) -> Result<(), String> {
        let Variants {
            table,
            skipped,
            reads_clean,
        } = self;
        let mut rust = String::new();
        let _ = writeln!(rust, "/// The kernel release the target was built from.");
        let _ = writeln!(rust, "pub const KERNEL_VERSION: &str = {version:?};");
        let _ = writeln!(rust, "/// The tree it was built from.");
        let _ = writeln!(
            rust,
            "pub const KERNEL_SRC: &str = {:?};",
            src.display().to_string()
        );
        let _ = writeln!(
            rust,
            "/// The era of fs/dax.c the tree holds (`kernel/src/era.rs`)."
        );
        let _ = writeln!(rust, "pub const KERNEL_ERA: &str = {era:?};");
        let _ = writeln!(
            rust,
            "/// Whether the tree's dax_insert_entry() leaves a read fault's entry clean, read\n/// from its `dirty` initialiser at build time (`None`: not found there)."
        );
        let _ = writeln!(
            rust,
            "pub const READ_FAULTS_LEAVE_ENTRIES_CLEAN: Option<bool> = {clean:?};"
        );
        let _ = writeln!(rust, "/// Every variant built: the unpatched tree first.");
        let _ = writeln!(rust, "pub static VARIANTS: &[Variant] = &[\n{table}];");
        let _ = writeln!(
            rust,
            "/// Patches that did not apply to this tree, with why."
        );
        let _ = writeln!(
            rust,
            "pub static SKIPPED: &[(&str, &str)] = &[\n{skipped}];"
        );
        let _ = writeln!(
            rust,
            "/// Each variant's own READ_FAULTS_LEAVE_ENTRIES_CLEAN, read from its patched text\n/// (a fix patch may change it: `clean-reads`)."
        );
        let _ = writeln!(
            rust,
            "pub static VARIANT_READS_CLEAN: &[(&str, Option<bool>)] = &[\n{reads_clean}];"
        );
        fs::write(out.join("variants.rs"), rust).map_err(|e| e.to_string())
    }
}
