//! The tree's own XArray test module (`lib/test_xarray.c`), run against the shims.
//!
//! The DAX code is only as real as the xarray under it, and the xarray is the
//! tree's `lib/xarray.c` compiled against daxlock's header shims. A shim that
//! quietly changes its behaviour (a config macro that reads as 0, a node allocator
//! that skips the slab constructor's work) would change what the checkers see
//! without failing to compile. The kernel's own test module finds such changes:
//! it is built from the same tree, with the same shims, and run here through the
//! same hooks (every `xa_lock` still calls into Rust), in a world of its own that
//! counts lock balance and reports WARN/BUG.

use crate::world::{self, CSpin, CTask, Hooks, ReadFn};
use daxlock::sync::poison_free::Mutex;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;

extern "C-unwind" {
    fn daxk_xarray_selftest(run: *mut u32, passed: *mut u32, log: *mut *const c_char) -> c_int;
    fn daxk_reset_common(size: i64, buckets: u64);
}

/// What one run of the test module found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XarraySelftest {
    /// Checks (`XA_BUG_ON`s) evaluated.
    pub run: u32,
    /// Checks that held.
    pub passed: u32,
    /// The module's printk output: a `BUG at function:line` per failed check, then
    /// its summary line.
    pub log: String,
    /// WARN_ON/BUG_ON hits inside lib/xarray.c, as "condition in function() at file:line".
    pub warnings: Vec<String>,
    /// Spinlock acquisitions left unmatched by a release when the module returned.
    pub unbalanced_locks: i64,
}

impl XarraySelftest {
    /// Every check ran and held, with no warning and every lock released.
    pub fn passed(&self) -> bool {
        self.run > 0
            && self.passed == self.run
            && self.warnings.is_empty()
            && self.unbalanced_locks == 0
    }
}

/// The single-threaded world the test module runs in: locks only counted, no
/// sleeping, no page tables (reaching those would be a bug of this harness).
#[derive(Default)]
struct SelftestWorld {
    held: AtomicI64,
    /// The task state `set_current_state()` last set (0: running).
    state: AtomicU32,
    warnings: Mutex<Vec<String>>,
}

impl SelftestWorld {
    /// A `WARN` or `BUG` (`what`) the module fired.
    fn warning(&self, what: &str, cond: &str, func: &str, file: &str, line: i32) {
        let at = world::place(file, line);
        self.warnings
            .lock()
            .push(format!("{what} {cond} in {func}() at {at}"));
    }

    fn unexpected(&self, hook: &str) -> ! {
        panic!("the xarray self-test reached the {hook} hook, which only fs/dax.c uses")
    }
}

impl Hooks for SelftestWorld {
    fn spin_lock(&self, _lock: *mut CSpin, _func: &str) {
        self.held.fetch_add(1, Ordering::Relaxed);
    }
    fn spin_unlock(&self, _lock: *mut CSpin, _func: &str) {
        self.held.fetch_sub(1, Ordering::Relaxed);
    }
    fn spin_trylock(&self, _lock: *mut CSpin, _func: &str) -> bool {
        self.held.fetch_add(1, Ordering::Relaxed);
        true
    }
    fn set_state(&self, state: u32, _func: &str) {
        self.state.store(state, Ordering::Relaxed);
    }
    /// A running task's schedule() is a yield (6.12's module yields every few
    /// thousand lookups); a sleep would have no one to wake it.
    fn schedule(&self, _func: &str) {
        if self.state.load(Ordering::Relaxed) != 0 {
            self.unexpected("schedule (to sleep)")
        }
    }
    fn try_to_wake_up(&self, _task: *mut CTask, _mask: u32, _func: &str) -> bool {
        self.unexpected("wake")
    }
    fn lockless(&self, _what: &str, _func: &str, read: ReadFn, ctx: *mut c_void) -> u64 {
        unsafe { read(ctx) }
    }
    fn warn(&self, cond: &str, func: &str, file: &str, line: i32) {
        self.warning("WARN", cond, func, file, line)
    }
    fn bug(&self, cond: &str, func: &str, file: &str, line: i32) {
        self.warning("BUG", cond, func, file, line)
    }
    fn pmd_is(&self, _addr: u64, _huge: bool, _func: &str) -> bool {
        self.unexpected("pmd_is")
    }
    fn insert_pte(&self, _addr: u64, _pfn: u64, _write: bool, _func: &str) -> u32 {
        self.unexpected("insert_pte")
    }
    fn insert_pmd(&self, _addr: u64, _pfn: u64, _write: bool, _func: &str) -> u32 {
        self.unexpected("insert_pmd")
    }
    fn set_huge_zero(&self, _addr: u64, _func: &str) {
        self.unexpected("set_huge_zero")
    }
    fn split_huge_pmd(&self, _addr: u64, _func: &str) {
        self.unexpected("split_huge_pmd")
    }
    fn unmap(&self, _first: u64, _nr: u64, _func: &str) {
        self.unexpected("unmap")
    }
    fn mkclean(&self, _first: u64, _nr: u64, _func: &str) {
        self.unexpected("mkclean")
    }
    fn finish_cow(&self, _addr: u64, _func: &str) -> u32 {
        self.unexpected("finish_cow")
    }
    fn flush(&self, _addr: u64, _size: u64, _func: &str) {
        self.unexpected("flush")
    }
    fn alloc_failed(&self, _nth: u32, _gfp: u32) {
        self.unexpected("alloc_failed")
    }
    fn iomap_begin(
        &self,
        _pos: i64,
        _len: u64,
        _write: bool,
        _addr: &mut u64,
        _length: &mut u64,
        _kind: &mut c_int,
    ) -> c_int {
        self.unexpected("iomap_begin")
    }
    fn pte_target(&self, _addr: u64, _func: &str) -> i32 {
        self.unexpected("pte_target")
    }
    fn pte_mkwrite(&self, _addr: u64, _func: &str) {
        self.unexpected("pte_mkwrite")
    }
    fn pfn_mkwrite_begins(&self) {}
    fn c_wrote(&self) {}
    fn scope_begin(&self) {}
    fn scope_end(&self) {}
    fn entry_scope_begin(&self) {}
    fn entry_scope_top(&self, _from: u64) {}
    fn entry_scope_end(&self, _value: u64, _index: u64) {}
    fn walk_scope_begin(&self) {}
    fn walk_scope_top(&self, _shape: u64, _index: u64, _value: u64) {}
    fn walk_scope_end(&self, _ret: i32) {}
    fn grab_scope_begin(&self) {}
    fn grab_scope_end(&self, _value: u64) {}
    fn xa_read(&self, _call: u32, _value: u64, _index: u64, _err: i64) {}
}

/// Runs the tree's `lib/test_xarray.c` once (about 41 million checks on 6.1, a few
/// seconds). `Err` when the tree had no test module at build time. Holds the lock
/// serial checks run under: the module shares the C state with the kernel target.
pub fn xarray_selftest() -> Result<XarraySelftest, String> {
    let (mut run, mut passed) = (0u32, 0u32);
    let r = in_selftest_world(|log| unsafe { daxk_xarray_selftest(&mut run, &mut passed, log) });
    if r.ret == -2 {
        return Err(r.log);
    }
    Ok(XarraySelftest {
        run,
        passed,
        log: r.log,
        warnings: r.warnings,
        unbalanced_locks: r.unbalanced_locks,
    })
}

/// What a test module run in a [`SelftestWorld`] returned, logged and left.
struct SelftestRun {
    ret: c_int,
    log: String,
    warnings: Vec<String>,
    unbalanced_locks: i64,
}

/// Runs `module` (a C test module's entry point, given where to put its log) in a
/// fresh [`SelftestWorld`], holding the serial lock checks run under (the module
/// shares the C state with the kernel target), from a reset C state (no allocation
/// failures left from a kernel-target run, `--fail-alloc`) and resetting it after
/// (which frees the module's nodes and per-task preloads).
fn in_selftest_world(module: impl FnOnce(*mut *const c_char) -> c_int) -> SelftestRun {
    let _serial = daxlock::check::run::serial_guard();
    let hooks = Arc::new(SelftestWorld::default());
    world::install(hooks.clone());
    unsafe { daxk_reset_common(0, 0) };
    let mut log = std::ptr::null::<c_char>();
    let ret = module(&mut log);
    let log = if log.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(log) }
            .to_string_lossy()
            .into_owned()
    };
    unsafe { daxk_reset_common(0, 0) };
    let warnings = std::mem::take(&mut *hooks.warnings.lock());
    SelftestRun {
        ret,
        log,
        warnings,
        unbalanced_locks: hooks.held.load(Ordering::Relaxed),
    }
}

extern "C-unwind" {
    fn daxk_radix_suite(checks: *mut u64, groups: *mut u32, log: *mut *const c_char) -> c_int;
    fn daxk_radix_suite_broken(
        checks: *mut u64,
        groups: *mut u32,
        log: *mut *const c_char,
    ) -> c_int;
}

/// What one run of the kernel's radix-tree test suite found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RadixSuite {
    /// The suite's `assert()`s evaluated.
    pub checks: u64,
    /// Test groups run (`c/radix/radix_suite.c` lists them).
    pub groups: u32,
    /// Groups that ended in a failed check (`abort()` counts as one).
    pub failed_groups: u32,
    /// The suite's output: a `group` line per group, a `FAILED cond at file:line`
    /// line per failed check.
    pub log: String,
    /// WARN_ON/BUG_ON hits inside lib/radix-tree.c and the suite, as "condition in
    /// function() at file:line".
    pub warnings: Vec<String>,
    /// Spinlock acquisitions left unmatched by a release when the suite returned.
    pub unbalanced_locks: i64,
}

impl RadixSuite {
    /// Every group ran to its end, with checks evaluated, no warning and every
    /// lock released.
    pub fn passed(&self) -> bool {
        self.groups > 0
            && self.checks > 0
            && self.failed_groups == 0
            && self.warnings.is_empty()
            && self.unbalanced_locks == 0
    }
}

/// Runs the tree's `tools/testing/radix-tree/` suite (its single-threaded part,
/// as `c/radix/radix_suite.c` says) once against the radix-tree era's shims;
/// `broken_shim` runs the build of it with a deliberately broken shim instead
/// (`DAXK_SUITE_BROKEN_SHIM`: `find_next_zero_bit()` skips the first bit asked
/// for), which must fail. `Err` when the tree had no suite at build time (every
/// xarray-era tree). Holds the serial lock, as [`xarray_selftest`] does.
pub fn radix_suite(broken_shim: bool) -> Result<RadixSuite, String> {
    let (mut checks, mut groups) = (0u64, 0u32);
    let r = in_selftest_world(|log| unsafe {
        if broken_shim {
            daxk_radix_suite_broken(&mut checks, &mut groups, log)
        } else {
            daxk_radix_suite(&mut checks, &mut groups, log)
        }
    });
    if r.ret < 0 {
        return Err(r.log);
    }
    Ok(RadixSuite {
        checks,
        groups,
        failed_groups: r.ret as u32,
        log: r.log,
        warnings: r.warnings,
        unbalanced_locks: r.unbalanced_locks,
    })
}
