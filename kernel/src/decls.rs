//! The C ↔ Rust boundary, declared once: every hook the C code calls into Rust
//! (`hooks!`) and every per-variant entry point Rust calls into C
//! (`entry_points!`), each a line of a table with its parameters' kinds.
//!
//! From the tables come the C prototypes (`daxk_hooks.h` and
//! `daxk_entry_points.h`, written by the build script into the generated include
//! directory: the C compiler checks the shims and the driver against them), the
//! `Hooks` trait with its `extern "C-unwind"` shims (`world.rs`) and the `Variant`
//! fields with their externs (`kernel.rs`). A hook or entry point added or changed
//! here changes all of those at once. The build script includes this file too
//! (only the C side is used there).
//!
//! A parameter's kind names its C type, its FFI type and the type the Rust side
//! works with (`c_type!`, `ffi_type!`, `rust_type!`, `to_rust!`):
//!
//! | kind | C | FFI | Rust |
//! |---|---|---|---|
//! | `lock` | `struct spinlock *` | `*mut CSpin` | same |
//! | `task` | `struct task_struct *` | `*mut CTask` | same |
//! | `func`, `text` | `const char *` | `*const c_char` | `&str` |
//! | `flag` | `int` | `c_int` | `bool` |
//! | `int` | `int` | `c_int` | same |
//! | `uint` | `unsigned int` | `u32` | same |
//! | `ulong` | `unsigned long` | `u64` | same |
//! | `llong` | `long long` | `i64` | same |
//! | `ullong` | `unsigned long long` | `u64` | same |
//! | `out_ullong` | `unsigned long long *` | `*mut u64` | `&mut u64` |
//! | `out_int` | `int *` | `*mut c_int` | `&mut i32` |
//! | `vma` | `const struct daxk_vma *` | `*const DaxkVma` | same |
//! | `ptr` | `void *` | `*mut c_void` | same |
//! | `waiter_fn` | `daxk_waiter_fn` | `WaiterFn` | same |
//! | `read_fn` | `daxk_read_fn` | `ReadFn` | same |
//!
//! A return kind is `bool` (C `int` from a Rust `bool`), `int`, `uint`, `ullong`
//! or `fault` (`vm_fault_t`, an `unsigned int`); none is `void`.

/// Every hook the C code calls (`daxk_<name>`), for `$m! { [$extra] table }`.
macro_rules! hooks {
    ($m:ident $(, $extra:tt)*) => {
        $m! { [$($extra),*]
            /// Kernel: spin_lock() and its _irq/_bh forms.
            spin_lock(lock: lock, func: func);
            /// Kernel: spin_unlock() and its _irq/_bh forms.
            spin_unlock(lock: lock, func: func);
            /// Kernel: spin_trylock().
            spin_trylock(lock: lock, func: func) -> bool;
            /// Kernel: set_current_state().
            set_state(state: uint, func: func);
            /// Kernel: schedule().
            schedule(func: func);
            /// Kernel: try_to_wake_up() of the tasks `state` matches.
            try_to_wake_up(p: task, state: uint, func: func) -> bool;
            /// A lockless read (waitqueue_active(), list_empty_careful(),
            /// mapping_empty(), the radix era's page-cache lookups): a scheduling
            /// point, then `read(ctx)` at once; its result (all the C code goes on
            /// with, as a value that is the same for the same thing in every run) is
            /// returned and is what the stateful checker folds.
            lockless(what: text, func: func, read: read_fn, ctx: ptr) -> ullong;
            /// Kernel: WARN_ON() that fired, at the tree's `file`:`line` (kernel code
            /// carries `#line` directives; daxlock's own C its own path).
            warn(cond: text, func: func, file: text, line: int);
            /// Kernel: BUG_ON() that fired.
            bug(cond: text, func: func, file: text, line: int);
            /// Kernel: pmd_none() (`huge` 0) or pmd_trans_huge()/pmd_devmap()
            /// (`huge` 1) of the PMD at `addr`: whether it holds nothing, or a huge
            /// mapping (the one answer the C code asked for).
            pmd_is(addr: ulong, huge: flag, func: func) -> bool;
            /// Kernel: vmf_insert_pfn() and its mkwrite form.
            insert_pte(addr: ulong, pfn: ulong, write: flag, func: func) -> fault;
            /// Kernel: vmf_insert_pfn_pmd().
            insert_pmd(addr: ulong, pfn: ulong, write: flag, func: func) -> fault;
            /// Kernel: set_pmd_at() of the huge zero page.
            set_huge_zero(addr: ulong, func: func);
            /// Kernel: split_huge_pmd().
            split_huge_pmd(addr: ulong, func: func);
            /// Kernel: unmap_mapping_pages().
            unmap(first: ulong, nr: ulong, func: func);
            /// Kernel: pfn_mkclean_range() (or the era's write-protect walk).
            mkclean(first: ulong, nr: ulong, func: func);
            /// Kernel: finish_fault() of a private copy.
            finish_cow(addr: ulong, func: func) -> fault;
            /// Kernel: dax_flush().
            flush(addr: ulong, size: ulong, func: func);
            /// The `nth` node allocation of the execution failed (`--fail-alloc`).
            alloc_failed(nth: uint, gfp: uint);
            /// Kernel: ext4_iomap_begin(): one extent of the model's block map.
            iomap_begin(pos: llong, len: ullong, write: flag, addr: out_ullong,
                        length: out_ullong, kind: out_int) -> int;
            /// The radix era (4.13): do_wp_page()'s look at the PTE at `addr`: -1
            /// nothing, 0 the zero page (a hole page), 1 a device frame, 2 a private copy.
            pte_target(addr: ulong, func: func) -> int;
            /// The radix era (4.13): finish_mkwrite_fault().
            pte_mkwrite(addr: ulong, func: func);
            /// The radix era (4.13): the running fault goes on in dax_pfn_mkwrite():
            /// its sleep in get_unlocked_mapping_entry() is not grab_mapping_entry()'s
            /// (branch coverage).
            pfn_mkwrite_begins();
            /// The radix era (4.13): the C code wrote C state outside every lock (a
            /// hole page's reference count or lock bit), so the C state the
            /// stateful checker holds, kept as the last unlock left it, is brought
            /// up to date (no scheduling point).
            c_wrote();
            /// Entry to a wait-queue call of fs/dax.c's (__wake_up(),
            /// prepare_to_wait_exclusive(), finish_wait(): `c/scopes.h`).
            scope_begin();
            /// Return from the call `scope_begin` entered.
            scope_end();
            /// Entry to a wait for an unlocked entry (get_unlocked_entry() and its
            /// kin, `c/xa_folds.h`): a scope, ended by `entry_scope_end`.
            entry_scope_begin();
            /// An xarray walk or load (`xas_find_conflict()`, `xas_load()`) is about
            /// to run, from a reset xa_state (`from` 1) or from where the xa_state
            /// is (2): inside a wait for an unlocked entry, the top of its loop.
            entry_scope_top(from: ullong);
            /// Return from a wait for an unlocked entry that `entry_scope_begin`
            /// entered: the entry it returned (as `xa_read` gives one) and the
            /// xa_state's index.
            entry_scope_end(value: ullong, index: ulong);
            /// Entry to dax_writeback_mapping_range()'s walk over the TOWRITE
            /// entries (its `xas_find_marked()`): a scope (`c/xa_folds.h`), ended
            /// by `walk_scope_end`.
            walk_scope_begin();
            /// That walk's loop top (its `xas_find_marked()` or an
            /// `xas_next_marked()` returned): the
            /// xa_state as `c/xa_folds.h` folds it, its index, and the entry
            /// returned (as `xa_read` gives one).
            walk_scope_top(shape: ullong, index: ulong, value: ullong);
            /// The writeback whose walk `walk_scope_begin` entered returned `ret`
            /// (driver.c's fsync; nothing if no walk began).
            walk_scope_end(ret: int);
            /// The radix era (4.13): entry to grab_mapping_entry(), a scope ended
            /// by `grab_scope_end` (`c/radix/radix_folds.h`).
            grab_scope_begin();
            /// The radix era (4.13): return from grab_mapping_entry(): the entry
            /// it returned (as `xa_read` gives one).
            grab_scope_end(value: ullong);
            /// An xarray call of fs/dax.c's (or of daxlock's own walks under the
            /// xarray lock) returned: which call, what it returned (an entry as a
            /// value that is the same in every run, a mark), the xa_state's index
            /// and error after it (`c/xa_folds.h`).
            xa_read(call: uint, value: ullong, index: ulong, err: long);
        }
    };
}

/// Every per-variant entry point (`DAXK(<name>)` in C, `daxk_<variant>_<name>`
/// once linked), for `$m! { [$extra] table }`.
macro_rules! entry_points {
    ($m:ident $(, $extra:tt)*) => {
        $m! { [$($extra),*]
            /// Kernel: the ->fault handler, dax_iomap_fault() of a PTE.
            pte_fault(v: vma, addr: ulong, write: int) -> uint;
            /// Kernel: the ->huge_fault handler, dax_iomap_fault() of a PMD.
            pmd_fault(v: vma, addr: ulong, write: int) -> uint;
            /// Kernel: fsync → dax_writeback_mapping_range() over the whole file.
            fsync() -> int;
            /// Kernel: truncate → dax_delete_mapping_entry().
            delete_entry(index: ulong) -> int;
            /// Kernel: invalidate_inode_pages2_range() → dax_invalidate_mapping_entry_sync().
            invalidate_entry(index: ulong) -> int;
            /// Memory failure's lock and unlock of the entry at `index`.
            lock_unlock_entry(index: ulong) -> int;
            /// Starts an execution: an empty wait table.
            reset();
            /// Calls `f` for every queued waiter of the wait table.
            waiters(ctx: ptr, f: waiter_fn);
            /// Calls `f` for every waiter queued on wait-table head `i`, in queue
            /// order (the stateful fingerprint walks only the heads in use).
            waiters_at(ctx: ptr, f: waiter_fn, i: ulong);
            /// The wait-table head whose lock is `lock`, or -1 for another lock.
            head_of(lock: cptr) -> long;
            /// What tree entry `entry` is, as the tree's own helpers read it
            /// (dax_is_locked(), dax_is_pmd_entry(), dax_is_zero_entry(),
            /// dax_is_empty_entry(), dax_to_pfn(); the radix era's from its bits).
            decode(entry: ptr, locked: out_int, pmd: out_int, zero: out_int,
                   empty: out_int, pfn: out_ullong);
        }
    };
}

/// A parameter kind's C type.
macro_rules! c_type {
    (lock) => {
        "struct spinlock *"
    };
    (task) => {
        "struct task_struct *"
    };
    (func) => {
        "const char *"
    };
    (text) => {
        "const char *"
    };
    (flag) => {
        "int"
    };
    (int) => {
        "int"
    };
    (uint) => {
        "unsigned int"
    };
    (ulong) => {
        "unsigned long"
    };
    (llong) => {
        "long long"
    };
    (ullong) => {
        "unsigned long long"
    };
    (out_ullong) => {
        "unsigned long long *"
    };
    (out_int) => {
        "int *"
    };
    (vma) => {
        "const struct daxk_vma *"
    };
    (ptr) => {
        "void *"
    };
    (cptr) => {
        "const void *"
    };
    (long) => {
        "long"
    };
    (waiter_fn) => {
        "daxk_waiter_fn"
    };
    (read_fn) => {
        "daxk_read_fn"
    };
    // Return kinds.
    (bool) => {
        "int"
    };
    (fault) => {
        "unsigned int"
    };
}

/// A parameter or return kind's FFI type (the Rust side only).
macro_rules! ffi_type {
    (lock) => { *mut $crate::world::CSpin };
    (task) => { *mut $crate::world::CTask };
    (func) => { *const std::ffi::c_char };
    (text) => { *const std::ffi::c_char };
    (flag) => { std::ffi::c_int };
    (int) => { std::ffi::c_int };
    (uint) => { u32 };
    (ulong) => { u64 };
    (llong) => { i64 };
    (ullong) => { u64 };
    (out_ullong) => { *mut u64 };
    (out_int) => { *mut std::ffi::c_int };
    (vma) => { *const $crate::kernel::DaxkVma };
    (ptr) => { *mut std::ffi::c_void };
    (cptr) => { *const std::ffi::c_void };
    (long) => { i64 };
    (waiter_fn) => { $crate::world::WaiterFn };
    (read_fn) => { $crate::world::ReadFn };
    (bool) => { std::ffi::c_int };
    (fault) => { u32 };
}

/// A parameter or return kind's type on the Rust side of a hook.
macro_rules! rust_type {
    (func) => {
        &str
    };
    (text) => {
        &str
    };
    (flag) => {
        bool
    };
    (out_ullong) => {
        &mut u64
    };
    (out_int) => {
        &mut std::ffi::c_int
    };
    (bool) => {
        bool
    };
    ($kind:ident) => {
        ffi_type!($kind)
    };
}

/// A hook's argument `$x` of kind `$kind` as the Rust side takes it.
macro_rules! to_rust {
    (func, $x:expr) => {
        $crate::world::c_str($x)
    };
    (text, $x:expr) => {
        $crate::world::c_str($x)
    };
    (flag, $x:expr) => {
        $x != 0
    };
    // The C caller passes its own locals, valid for the call.
    (out_ullong, $x:expr) => {
        unsafe { &mut *$x }
    };
    (out_int, $x:expr) => {
        unsafe { &mut *$x }
    };
    ($kind:ident, $x:expr) => {
        $x
    };
}

/// A hook's result `$x` (of return kind `$kind`, if any) as C takes it.
macro_rules! to_c {
    (; $x:expr) => {
        $x
    };
    (bool; $x:expr) => {
        std::ffi::c_int::from($x)
    };
    ($kind:ident; $x:expr) => {
        $x
    };
}

/// A return kind's C type (`void` for none).
macro_rules! c_return {
    () => {
        "void"
    };
    ($kind:ident) => {
        c_type!($kind)
    };
}

/// The C prototypes of a table, each name formatted by `$name_fmt` (`{}` is the
/// table's name), each after its doc comment.
macro_rules! c_prototypes {
    ([$name_fmt:literal]
     $( $(#[doc = $doc:literal])* $name:ident($($arg:ident: $kind:ident),* $(,)?) $(-> $ret:ident)?; )*) => {{
        let mut text = String::new();
        $(
            $( text.push_str(&format!("/*{} */\n", $doc)); )*
            let args: Vec<String> = vec![$(c_param(c_type!($kind), stringify!($arg))),*];
            let ret: &str = c_return!($($ret)?);
            text.push_str(&format!(
                "{ret} {}({});\n",
                format!($name_fmt, stringify!($name)),
                if args.is_empty() { "void".to_string() } else { args.join(", ") },
            ));
        )*
        text
    }};
}

/// `type name`, without a space after a `*`.
fn c_param(ty: &str, name: &str) -> String {
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

/// The text of `daxk_hooks.h`: the prototype of every hook.
pub fn hooks_header() -> String {
    format!(
        "/* Generated by the build script from kernel/src/decls.rs: the hooks Rust implements. */\n\
         #ifndef DAXK_HOOKS_H\n#define DAXK_HOOKS_H\nstruct spinlock;\nstruct task_struct;\n\
         typedef unsigned long long (*daxk_read_fn)(void *ctx);\n{}#endif\n",
        hooks!(c_prototypes, "daxk_{}")
    )
}

/// The text of `daxk_entry_points.h`: the prototype of every per-variant entry
/// point (included by `c/driver_common.h`, after `DAXK()`, `struct daxk_vma` and
/// `daxk_waiter_fn`).
pub fn entry_points_header() -> String {
    format!(
        "/* Generated by the build script from kernel/src/decls.rs: the entry points Rust calls. */\n{}",
        entry_points!(c_prototypes, "DAXK({})")
    )
}

/// Writes both headers into `dir` (an include directory of the C build).
pub fn write_headers(dir: &std::path::Path) -> Result<(), String> {
    for (name, text) in [
        ("daxk_hooks.h", hooks_header()),
        ("daxk_entry_points.h", entry_points_header()),
    ] {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header gives each hook its C prototype, from the kinds' C types.
    #[test]
    fn hooks_have_c_prototypes() {
        let h = hooks_header();
        assert!(h.contains("\nint daxk_spin_trylock(struct spinlock *lock, const char *func);\n"));
        assert!(h.contains(
            "\nint daxk_iomap_begin(long long pos, unsigned long long len, int write, \
             unsigned long long *addr, unsigned long long *length, int *kind);\n"
        ));
        assert!(h.contains("\nvoid daxk_alloc_failed(unsigned int nth, unsigned int gfp);\n"));
        assert!(h.contains(
            "/* Kernel: BUG_ON() that fired. */\n\
             void daxk_bug(const char *cond, const char *func, const char *file, int line);\n"
        ));
        assert!(h.contains(
            "\nunsigned long long daxk_lockless(const char *what, const char *func, \
             daxk_read_fn read, void *ctx);\n"
        ));
        assert!(h.contains("\nvoid daxk_scope_begin(void);\n"));
        assert_eq!(h.matches("daxk_").count(), 37);
    }

    /// The entry points are prototyped through `DAXK()`, `void` when they take nothing.
    #[test]
    fn entry_points_have_c_prototypes() {
        let h = entry_points_header();
        assert!(h.contains(
            "\nunsigned int DAXK(pte_fault)(const struct daxk_vma *v, unsigned long addr, int write);\n"
        ));
        assert!(h.contains("\nvoid DAXK(reset)(void);\n"));
        assert!(h.contains("\nvoid DAXK(waiters)(void *ctx, daxk_waiter_fn f);\n"));
    }
}
