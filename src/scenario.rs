//! Scenarios: a file layout, its VMAs, threads of operations, and the verdicts
//! expected per variant. Read from TOML (the catalogue in `verify/` and user files).
//!
//! The schema is documented in the README; unknown keys are errors, integers may be
//! written in hex.

use crate::dax::branch::Branch;
use crate::dax::bugs::{Bugs, UnknownBug};
use crate::dax::units::{PAGE_SHIFT, PAGE_SIZE, PMD_PAGES};
use crate::dax::{Check, Extent, FileLayout, Filesystem, MappingConfig, Vma};
use crate::kind::CheckerKind;
use crate::verdict::Verdict;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::dax::FaultSize;

mod advice;
mod catalogue;
mod spans;

pub use catalogue::{builtin_catalogue, load_catalogue, BUILTIN, BUILTIN_DIR};
use spans::{line_of, Loc, Spans};

/// A scenario could not be used. The message is one line, meant for stderr.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or does not fit the schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the parser said, with line and column.
        message: String,
    },
    /// The scenario parses but describes something impossible: `FILE:LINE: what`
    /// when read from a file (the line of the offending key, table or operation),
    /// `NAME: what` otherwise.
    #[error("{}: {message}", where_(.file, .line, .name))]
    Invalid {
        /// The file, when the scenario was read from one.
        file: Option<String>,
        /// The line of the offending key, table or operation, when known.
        line: Option<usize>,
        /// The scenario's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A folder of scenarios holds none.
    #[error("{}: no scenario files (*.toml) in this folder", .dir.display())]
    EmptyFolder {
        /// The folder.
        dir: PathBuf,
    },
    /// A folder of scenarios could not be read.
    #[error("cannot read the scenario folder {}: {source}", .dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An unknown bug name in `[expect]` or on the command line.
    #[error(transparent)]
    UnknownBug(#[from] UnknownBug),
}

/// `file:line`, `file`, or the scenario's name: where an error is.
fn where_(file: &Option<String>, line: &Option<usize>, name: &str) -> String {
    match (file, line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        (Some(f), None) => f.clone(),
        (None, _) => name.to_owned(),
    }
}

/// A semantic error before it is given its file and line.
struct Problem {
    at: Option<Loc>,
    message: String,
}

fn problem(at: Loc, message: impl Into<String>) -> Problem {
    Problem {
        at: Some(at),
        message: message.into(),
    }
}

/// One operation of a scenario thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum Op {
    /// A load (or a store with `write`) at `addr`, faulting as needed.
    Fault {
        /// Virtual address; must lie in a VMA.
        addr: u64,
        /// PMD first (default) or straight to PTE.
        #[serde(default)]
        size: FaultSize,
        /// A store rather than a load.
        #[serde(default)]
        write: bool,
    },
    /// fsync(2): writeback of every dirty entry.
    Fsync,
    /// truncate(2) to `size_pages`, under the `i_mmap` lock held for writing.
    Truncate {
        /// The new size in pages.
        size_pages: u64,
    },
    /// write(2) of `pages` pages at `pgoff`: allocate, then invalidate clean entries.
    Write {
        /// First file page written.
        pgoff: u64,
        /// Pages written.
        pages: u64,
    },
    /// Memory failure on file page `pgoff`: lock the entry mapping it, then unlock it
    /// (kernel: dax_lock_mapping_entry() and dax_unlock_mapping_entry(), v4.20 on).
    #[serde(rename = "memory-failure")]
    MemoryFailure {
        /// The failed file page.
        pgoff: u64,
    },
}

impl Op {
    /// Its `op` name in a scenario file.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Fault { .. } => "fault",
            Op::Fsync => "fsync",
            Op::Truncate { .. } => "truncate",
            Op::Write { .. } => "write",
            Op::MemoryFailure { .. } => "memory-failure",
        }
    }
}

/// `[file]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// i_size in pages.
    pub size_pages: u64,
    /// Allocated extents; the rest is holes.
    #[serde(default)]
    pub extents: Vec<ExtentSpec>,
    /// The filesystem whose per-inode locks the operations take: `"none"` (the
    /// default: fs/dax.c with the mmap lock only), `"ext4"` or `"xfs"` (write(2) and
    /// truncate also hold the inode's `i_rwsem`).
    #[serde(default)]
    pub fs: Filesystem,
}

/// One extent of `[file]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtentSpec {
    /// First file page.
    pub pgoff: u64,
    /// Pages.
    pub pages: u64,
    /// Device frame of the first page.
    pub frame: u64,
}

/// One `[[vma]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmaSpec {
    /// First byte, page aligned.
    pub start: u64,
    /// One past the last byte, page aligned, above `start`.
    pub end: u64,
    /// vm_pgoff in pages.
    pub pgoff: u64,
    /// MAP_SHARED (default) or MAP_PRIVATE.
    #[serde(default = "yes")]
    pub shared: bool,
}

fn yes() -> bool {
    true
}

/// One `[[thread]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadSpec {
    /// Operations, run in order.
    pub ops: Vec<Op>,
}

/// `[check]`: per-scenario checker settings (all optional), with the checkers named
/// as `C`: as written ([`CheckSpec`], names) or validated ([`CheckConfig`], kinds).
/// Where none is stated, [`crate::check::plan`] applies its defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSection<C> {
    /// Checkers the gate runs this scenario under (default: stateful, loom, random,
    /// pct; loom is skipped by the gate when the scenario has more threads than loom
    /// models).
    pub checkers: Option<Vec<C>>,
    /// Loom preemption bound (default: none for two threads, 3 above).
    pub preemption_bound: Option<usize>,
    /// Shuttle iterations for the gate (default 2000).
    pub iterations: Option<usize>,
    /// PCT depth (default 3).
    pub pct_depth: Option<usize>,
}

impl<C> Default for CheckSection<C> {
    fn default() -> Self {
        CheckSection {
            checkers: None,
            preemption_bound: None,
            iterations: None,
            pct_depth: None,
        }
    }
}

/// `[check]` as written: checker names.
pub type CheckSpec = CheckSection<String>;

/// `[check]`, validated: checker kinds, budgets of at least 1.
pub type CheckConfig = CheckSection<CheckerKind>;

/// `[expect]`: the verdict per variant (`fixed = "verified"`, `misaligned-pmd =
/// "hang"`), and `visits`, the branches the fixed variant must visit (see
/// [`crate::dax::branch`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExpectSpec {
    /// Expected verdict per variant (`fixed` or bug names joined by `+`).
    pub verdicts: BTreeMap<String, Verdict>,
    /// Branch names the fixed variant must visit, as written.
    pub visits: Option<Vec<String>>,
    /// Checks forced on whatever the target's truths say, as written.
    pub checks: Option<Vec<String>>,
}

/// The key of `[expect]` that lists branches rather than naming a variant.
pub const VISITS_KEY: &str = "visits";

/// The key of `[expect]` that forces checks on (`checks = ["read-fault-clean"]`).
pub const CHECKS_KEY: &str = "checks";

impl<'de> Deserialize<'de> for ExpectSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ExpectSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a table of variant = \"verdict\", visits = [branch, ...] and checks = [check, ...]",
                )
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ExpectSpec, A::Error> {
                let mut spec = ExpectSpec::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == VISITS_KEY {
                        spec.visits = Some(map.next_value()?);
                    } else if key == CHECKS_KEY {
                        spec.checks = Some(map.next_value()?);
                    } else {
                        let verdict = map.next_value()?;
                        spec.verdicts.insert(key, verdict);
                    }
                }
                Ok(spec)
            }
        }
        d.deserialize_map(V)
    }
}

/// A scenario file as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Required name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Wait-table buckets (default 4096).
    pub wait_buckets: Option<usize>,
    /// The file.
    pub file: FileSpec,
    /// Its mappings.
    pub vma: Vec<VmaSpec>,
    /// The threads.
    #[serde(default)]
    pub thread: Vec<ThreadSpec>,
    /// Expected verdict per variant (`fixed` or a bug name), and branch visits.
    #[serde(default)]
    pub expect: ExpectSpec,
    /// Checker settings.
    #[serde(default)]
    pub check: CheckSpec,
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Where it was read from, if from a file.
    pub path: Option<PathBuf>,
    /// The mapping to build (bugs set per run).
    pub config: MappingConfig,
    /// Each thread's operations.
    pub threads: Vec<Vec<Op>>,
    /// Expected verdicts: (variant bugs, verdict), in file order of variants.
    pub expect: Vec<(Bugs, Verdict)>,
    /// Branches the fixed variant must visit (`[expect] visits`): the gate fails the
    /// scenario's fixed rows when none of them visited one.
    pub visits: Vec<Branch>,
    /// Checks forced on whatever the target's truths say (`[expect] checks`): a
    /// finding row shows a version's behaviour this way.
    pub checks: Vec<Check>,
    /// Checker settings.
    pub check: CheckConfig,
}

/// The most wait-table buckets a scenario may ask for (`wait_buckets`).
pub const MAX_WAIT_BUCKETS: usize = 1 << 20;

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_path(path: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut s = Self::from_toml(&text, &path.display().to_string())?;
        s.path = Some(path.to_owned());
        Ok(s)
    }

    /// Parses and validates TOML; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: origin.to_owned(),
            message: one_line_toml_error(text, &e),
        })?;
        let name = file.name.clone();
        Self::check(file).map_err(|p| {
            // Where the offending piece starts: read the text again, with spans.
            let line = p.at.as_ref().and_then(|at| {
                let spans: Spans = toml::from_str(text).ok()?;
                spans.offset(at).map(|o| line_of(text, o))
            });
            ScenarioError::Invalid {
                file: Some(origin.to_owned()),
                line,
                name,
                message: p.message,
            }
        })
    }

    /// Checks a parsed file and builds the scenario.
    pub fn validate(f: ScenarioFile) -> Result<Self, ScenarioError> {
        let name = f.name.clone();
        Self::check(f).map_err(|p| ScenarioError::Invalid {
            file: None,
            line: None,
            name,
            message: p.message,
        })
    }

    /// [`Scenario::validate`], saying which part of the file is wrong: each section
    /// in file order, then the scenario built from them.
    fn check(f: ScenarioFile) -> Result<Self, Problem> {
        if f.name.trim().is_empty() {
            return Err(problem(Loc::Top("name"), "name must not be empty"));
        }
        check_limits(&f)?;
        check_file(&f.file)?;
        check_vmas(&f.vma)?;
        check_threads(&f.thread, &f.vma, f.file.size_pages)?;
        check_wait_buckets(f.wait_buckets)?;
        let check = check_checks(&f.check)?;
        let (expect, visits) = check_expect(&f.expect)?;
        let checks = check_forced(&f.expect)?;
        let config = mapping_config(&f);
        Ok(Scenario {
            name: f.name,
            description: f.description,
            path: None,
            config,
            threads: f.thread.into_iter().map(|t| t.ops).collect(),
            expect,
            visits,
            checks,
            check,
        })
    }

    /// The same scenario under filesystem `fs`'s locks (`[file] fs`; README: The
    /// filesystem's locks): what a file with `fs = "..."` added would be.
    pub fn on_filesystem(mut self, fs: Filesystem) -> Self {
        self.config.fs = fs;
        self
    }

    /// The expected verdict for a variant, if the scenario states one.
    pub fn expected(&self, bugs: Bugs) -> Option<Verdict> {
        self.expect
            .iter()
            .find(|(b, _)| *b == bugs)
            .map(|(_, v)| *v)
    }
}

/// The mapping a checked scenario file describes (the fixed build; bugs are set per
/// run).
fn mapping_config(f: &ScenarioFile) -> MappingConfig {
    MappingConfig {
        bugs: Bugs::fixed(),
        wait_buckets: f
            .wait_buckets
            .unwrap_or(crate::dax::wait::DEFAULT_WAIT_BUCKETS),
        file: FileLayout {
            size_pages: f.file.size_pages,
            extents: f
                .file
                .extents
                .iter()
                .map(|e| Extent {
                    pgoff: e.pgoff,
                    pages: e.pages,
                    frame: e.frame,
                })
                .collect(),
        },
        vmas: f
            .vma
            .iter()
            .map(|v| Vma {
                start: v.start,
                end: v.end,
                pgoff: v.pgoff,
                shared: v.shared,
            })
            .collect(),
        fault_limit: crate::dax::fault::fault_limit(f.thread.iter().map(|t| t.ops.len()).sum()),
        truths: crate::dax::Truths::default(),
        threads: f.thread.len(),
        non_faults: None,
        fs: f.file.fs,
    }
}

/// The most pages a file may have: its byte size must fit the kernel's `loff_t`, a
/// signed 64-bit count of bytes. Kernel: `MAX_LFS_FILESIZE` (`LLONG_MAX` on 64-bit).
pub const MAX_FILE_PAGES: u64 = (i64::MAX as u64) >> PAGE_SHIFT;

/// The end of user space: every VMA lies below it. Kernel: `TASK_SIZE_MAX` of x86-64
/// with 4-level paging, `(1 << 47) - PAGE_SIZE`.
pub const USER_ADDR_END: u64 = (1 << 47) - PAGE_SIZE;

/// The most device frames (pfns) storage may use: 52 bits of physical address.
/// Kernel: `MAX_PHYSMEM_BITS` of x86-64 with 5-level paging.
pub const MAX_FRAMES: u64 = 1 << (52 - PAGE_SHIFT);

/// Sizes, extents and addresses the kernel can represent, on every target: a file of
/// at most [`MAX_FILE_PAGES`] (a larger one overflows `loff_t`: the kernel target
/// would compute a negative i_size and report SIGBUS inside the file), extents and
/// VMAs that end inside it, VMAs below [`USER_ADDR_END`], frames below [`MAX_FRAMES`],
/// truncates and writes that stay inside it. Checked first, so the other checks'
/// arithmetic cannot overflow.
fn check_limits(f: &ScenarioFile) -> Result<(), Problem> {
    let ends_by =
        |start: u64, len: u64, limit: u64| start.checked_add(len).is_some_and(|e| e <= limit);
    if f.file.size_pages > MAX_FILE_PAGES {
        return Err(problem(
            Loc::FileKey("size_pages"),
            format!(
                "[file] size_pages = {:#x}: at most {MAX_FILE_PAGES:#x} (the byte size must fit the kernel's loff_t)",
                f.file.size_pages
            ),
        ));
    }
    for (i, e) in f.file.extents.iter().enumerate() {
        if !ends_by(e.pgoff, e.pages, MAX_FILE_PAGES) {
            return Err(problem(
                Loc::Extent(i),
                format!(
                    "extent at pgoff {:#x} of {:#x} pages ends past the largest file ({MAX_FILE_PAGES:#x} pages, loff_t)",
                    e.pgoff, e.pages
                ),
            ));
        }
        if !ends_by(e.frame, e.pages, MAX_FRAMES) {
            return Err(problem(
                Loc::Extent(i),
                format!(
                    "extent at pgoff {:#x}: frames {:#x} + {:#x} pages end past {MAX_FRAMES:#x} (52-bit physical addresses)",
                    e.pgoff, e.frame, e.pages
                ),
            ));
        }
    }
    for (i, v) in f.vma.iter().enumerate() {
        if v.end > USER_ADDR_END || v.start >= USER_ADDR_END {
            return Err(problem(
                Loc::Vma(i),
                format!(
                    "VMA {:#x}..{:#x} ends past user space ({USER_ADDR_END:#x}, 47-bit addresses)",
                    v.start, v.end
                ),
            ));
        }
        let pages = v.end.saturating_sub(v.start) >> PAGE_SHIFT;
        if !ends_by(v.pgoff, pages, MAX_FILE_PAGES) {
            return Err(problem(
                Loc::Vma(i),
                format!(
                    "VMA at {:#x} maps file pages {:#x} + {pages:#x}, past the largest file ({MAX_FILE_PAGES:#x} pages, loff_t)",
                    v.start, v.pgoff
                ),
            ));
        }
    }
    for (t, th) in f.thread.iter().enumerate() {
        for (j, op) in th.ops.iter().enumerate() {
            let past = match *op {
                Op::Truncate { size_pages } => size_pages > MAX_FILE_PAGES,
                Op::Write { pgoff, pages } => !ends_by(pgoff, pages, MAX_FILE_PAGES),
                Op::MemoryFailure { pgoff } => pgoff >= MAX_FILE_PAGES,
                Op::Fault { .. } | Op::Fsync => false,
            };
            if past {
                return Err(problem(
                    Loc::Op(t, j),
                    format!(
                        "thread {}: {} reaches past the largest file ({MAX_FILE_PAGES:#x} pages, loff_t)",
                        t + 1,
                        op.name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `[file]`: a size, and extents of at least one page that do not overlap.
fn check_file(file: &FileSpec) -> Result<(), Problem> {
    if file.size_pages == 0 {
        return Err(problem(
            Loc::FileKey("size_pages"),
            "[file] size_pages must be at least 1",
        ));
    }
    for (i, e) in file.extents.iter().enumerate() {
        if e.pages == 0 {
            return Err(problem(
                Loc::Extent(i),
                format!("extent at pgoff {:#x} has no pages", e.pgoff),
            ));
        }
    }
    let mut sorted: Vec<(usize, &ExtentSpec)> = file.extents.iter().enumerate().collect();
    sorted.sort_by_key(|(_, e)| e.pgoff);
    for w in sorted.windows(2) {
        let ((_, a), (j, b)) = (w[0], w[1]);
        if a.pgoff + a.pages > b.pgoff {
            return Err(problem(
                Loc::Extent(j),
                format!("extents at pgoff {:#x} and {:#x} overlap", a.pgoff, b.pgoff),
            ));
        }
    }
    Ok(())
}

/// `[[vma]]`: at least one; each page aligned and not empty; none overlapping.
fn check_vmas(vmas: &[VmaSpec]) -> Result<(), Problem> {
    if vmas.is_empty() {
        return Err(Problem {
            at: None,
            message: "at least one [[vma]] is needed".into(),
        });
    }
    for (i, v) in vmas.iter().enumerate() {
        if v.start % PAGE_SIZE != 0 || v.end % PAGE_SIZE != 0 {
            return Err(problem(
                Loc::Vma(i),
                format!("VMA {:#x}..{:#x} is not page aligned", v.start, v.end),
            ));
        }
        if v.end <= v.start {
            return Err(problem(
                Loc::Vma(i),
                format!("VMA end {:#x} is not above start {:#x}", v.end, v.start),
            ));
        }
    }
    for (i, a) in vmas.iter().enumerate() {
        for (j, b) in vmas.iter().enumerate().skip(i + 1) {
            if a.start < b.end && b.start < a.end {
                return Err(problem(
                    Loc::Vma(j),
                    format!("VMAs at {:#x} and {:#x} overlap", a.start, b.start),
                ));
            }
        }
    }
    Ok(())
}

/// `[[thread]]`: at least one, each with operations that fit the VMAs and the file.
fn check_threads(threads: &[ThreadSpec], vmas: &[VmaSpec], size_pages: u64) -> Result<(), Problem> {
    if threads.is_empty() {
        return Err(Problem {
            at: None,
            message: "a scenario needs at least one [[thread]]".into(),
        });
    }
    for (t, th) in threads.iter().enumerate() {
        if th.ops.is_empty() {
            return Err(problem(
                Loc::Thread(t),
                format!("thread {} has no ops", t + 1),
            ));
        }
        for (j, op) in th.ops.iter().enumerate() {
            check_op(*op, t, vmas, size_pages)
                .map_err(|message| problem(Loc::Op(t, j), message))?;
        }
    }
    Ok(())
}

/// One operation of thread `t` (0-based): a fault inside a VMA, a write of 1 to
/// `4 * PMD_PAGES` pages inside the file.
fn check_op(op: Op, t: usize, vmas: &[VmaSpec], size_pages: u64) -> Result<(), String> {
    match op {
        Op::Fault { addr, .. } if !vmas.iter().any(|v| (v.start..v.end).contains(&addr)) => Err(
            format!("thread {}: address {addr:#x} lies outside every VMA", t + 1),
        ),
        Op::Write { pgoff, pages } if pgoff + pages > size_pages => Err(format!(
            "thread {}: write of {pages:#x} pages at {pgoff:#x} goes past the end of the file ({size_pages:#x} pages)",
            t + 1,
        )),
        Op::Write { pages: 0, .. } => Err(format!("thread {}: write of 0 pages", t + 1)),
        Op::MemoryFailure { pgoff } if pgoff >= size_pages => Err(format!(
            "thread {}: memory failure at page {pgoff:#x} lies past the end of the file ({size_pages:#x} pages)",
            t + 1,
        )),
        Op::Write { pages, .. } if pages > 4 * PMD_PAGES => Err(format!(
            "thread {}: write of {pages:#x} pages (at most {:#x})",
            t + 1,
            4 * PMD_PAGES
        )),
        _ => Ok(()),
    }
}

/// `wait_buckets`: 1 to [`MAX_WAIT_BUCKETS`].
fn check_wait_buckets(wait_buckets: Option<usize>) -> Result<(), Problem> {
    let buckets = Loc::Top("wait_buckets");
    if wait_buckets == Some(0) {
        return Err(problem(buckets, "wait_buckets must be at least 1"));
    }
    if let Some(n) = wait_buckets.filter(|&n| n > MAX_WAIT_BUCKETS) {
        return Err(problem(buckets, format!(
            "wait_buckets = {n:#x}: must be at most {MAX_WAIT_BUCKETS} (1 << 20; the kernel has 4096)"
        )));
    }
    Ok(())
}

/// `[check]`: checker names, and budgets of at least 1.
fn check_checks(spec: &CheckSpec) -> Result<CheckConfig, Problem> {
    let checkers = spec
        .checkers
        .as_ref()
        .map(|names| {
            names
                .iter()
                .map(|c| {
                    CheckerKind::parse(c).ok_or_else(|| {
                        problem(
                            Loc::Check("checkers"),
                            format!(
                                "[check] unknown checker `{c}` (known: {})",
                                CheckerKind::known()
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    if spec.pct_depth == Some(0) {
        return Err(problem(
            Loc::Check("pct_depth"),
            "[check] pct_depth must be at least 1",
        ));
    }
    if spec.iterations == Some(0) {
        // A check of no iteration verifies nothing.
        return Err(problem(
            Loc::Check("iterations"),
            "[check] iterations must be at least 1",
        ));
    }
    Ok(CheckConfig {
        checkers,
        preemption_bound: spec.preemption_bound,
        iterations: spec.iterations,
        pct_depth: spec.pct_depth,
    })
}

/// `[expect]`, validated: each variant's verdict, and the branches the fixed variant
/// must visit.
type Expectations = (Vec<(Bugs, Verdict)>, Vec<Branch>);

/// `[expect]`: the variants' verdicts, in file order, and the branches `visits`
/// names (once each), which only a scenario that expects its fixed variant may list.
fn check_expect(spec: &ExpectSpec) -> Result<Expectations, Problem> {
    let mut expect = Vec::new();
    for (variant, verdict) in &spec.verdicts {
        let at = || Loc::Expect(variant.clone());
        let bugs = variant
            .parse::<Bugs>()
            .map_err(|e| problem(at(), format!("[expect] {e}")))?;
        let names: Vec<&str> = variant.split('+').map(str::trim).collect();
        if let Some(twice) = names
            .iter()
            .enumerate()
            .find_map(|(i, n)| names[..i].contains(n).then_some(n))
        {
            return Err(problem(
                at(),
                format!("[expect] `{variant}` names `{twice}` twice"),
            ));
        }
        if let Some((same, _)) = spec.verdicts.iter().find(|(v, _)| {
            *v != variant
                && v.parse::<Bugs>().ok() == Some(bugs)
                && expect.iter().any(|(b, _)| *b == bugs)
        }) {
            return Err(problem(
                at(),
                format!("[expect] `{variant}` is the variant `{same}` again"),
            ));
        }
        expect.push((bugs, *verdict));
    }
    let mut visits = Vec::new();
    for name in spec.visits.iter().flatten() {
        let b = Branch::from_name(name).ok_or_else(|| {
            problem(
                Loc::Expect(VISITS_KEY.into()),
                format!("[expect] visits: unknown branch `{name}` (see `daxlock list --branches`)"),
            )
        })?;
        if !visits.contains(&b) {
            visits.push(b);
        }
    }
    if !visits.is_empty() && !spec.verdicts.contains_key("fixed") {
        return Err(problem(
            Loc::Expect(VISITS_KEY.into()),
            "[expect] visits is checked on the fixed variant: add `fixed = \"verified\"`",
        ));
    }
    Ok((expect, visits))
}

/// `[expect] checks`: the checks a scenario forces on, once each.
fn check_forced(spec: &ExpectSpec) -> Result<Vec<Check>, Problem> {
    let mut checks = Vec::new();
    for name in spec.checks.iter().flatten() {
        let c = Check::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Check::ALL.iter().map(|c| c.name()).collect();
            problem(
                Loc::Expect(CHECKS_KEY.into()),
                format!(
                    "[expect] checks: unknown check `{name}` (known: {})",
                    known.join(", ")
                ),
            )
        })?;
        if !checks.contains(&c) {
            checks.push(c);
        }
    }
    Ok(checks)
}

/// toml's errors span several lines with a source excerpt; keep line, column and the
/// message on one line.
fn one_line_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {col}: {msg}")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded catalogue is exactly the folder: every `verify/*.toml`, with its
    /// text, and nothing else; it parses.
    #[test]
    fn the_builtin_catalogue_is_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(BUILTIN_DIR);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| {
                let name = p.file_name().unwrap().to_str().unwrap().to_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        let embedded: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(embedded, files);
        let builtin = builtin_catalogue().unwrap();
        assert_eq!(builtin.len(), files.len());
        assert_eq!(
            builtin[0].path.as_deref(),
            Some(Path::new(BUILTIN_DIR).join(&files[0].0).as_path())
        );
        let from_folder = load_catalogue(&dir).unwrap();
        for (a, b) in builtin.iter().zip(&from_folder) {
            assert_eq!(
                (&a.name, &a.config, &a.threads, &a.expect),
                (&b.name, &b.config, &b.threads, &b.expect)
            );
        }
    }

    const SEED: &str = r#"
name = "seed"
wait_buckets = 1
[file]
size_pages = 0x2000
[[vma]]
start = 0x7f7a8dc00000
end = 0x7f7a8fc00000
pgoff = 0x1
[[thread]]
ops = [ { op = "fault", addr = 0x7f7a8edff000 }, { op = "fault", addr = 0x7f7a8ee00000, size = "pte", write = true } ]
[[thread]]
ops = [ { op = "fsync" }, { op = "truncate", size_pages = 0x100 }, { op = "write", pgoff = 0, pages = 1 } ]
[expect]
fixed = "verified"
misaligned-pmd = "hang"
"#;

    #[test]
    fn parses_the_schema() {
        let s = Scenario::from_toml(SEED, "seed.toml").unwrap();
        assert_eq!(s.config.vmas[0].pgoff, 1);
        assert_eq!(s.config.wait_buckets, 1);
        assert_eq!(s.threads.len(), 2);
        assert_eq!(
            s.threads[0][1],
            Op::Fault {
                addr: 0x7f7a8ee00000,
                size: FaultSize::Pte,
                write: true
            }
        );
        assert_eq!(s.expected(Bugs::fixed()), Some(Verdict::Verified));
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        assert_eq!(s.expected(bug), Some(Verdict::Hang));
        assert!(s.visits.is_empty());
    }

    /// `[expect] visits` sits beside the verdicts: names parse to branches (in file
    /// order, once each), and the verdicts are unchanged.
    #[test]
    fn parses_visits_beside_the_verdicts() {
        let text = SEED.replace(
            "[expect]\n",
            "[expect]\nvisits = [\"grab-wait\", \"pmd-colour-fallback\", \"grab-wait\"]\n",
        );
        let s = Scenario::from_toml(&text, "seed.toml").unwrap();
        assert_eq!(s.visits, [Branch::GrabWait, Branch::PmdColourFallback]);
        assert_eq!(s.expect.len(), 2);
        assert_eq!(s.expected(Bugs::fixed()), Some(Verdict::Verified));
    }

    fn err(text: &str) -> String {
        Scenario::from_toml(text, "x.toml").unwrap_err().to_string()
    }

    #[test]
    fn bad_input_is_one_clear_line() {
        let cases = [
            (
                SEED.replace("wait_buckets = 1", "wait_bucket = 1"),
                "unknown field `wait_bucket`",
            ),
            (
                SEED.replace("0x7f7a8edff000 }", "0x1000 }"),
                "outside every VMA",
            ),
            (
                SEED.replace("end = 0x7f7a8fc00000", "end = 0x7f7a8dc00000"),
                "not above start",
            ),
            (
                SEED.replace("start = 0x7f7a8dc00000", "start = 0x7f7a8dc00010"),
                "not page aligned",
            ),
            (SEED.replace("misaligned-pmd", "nope"), "unknown bug `nope`"),
            (
                SEED.replace("\"hang\"", "\"stuck\""),
                "unknown variant `stuck`",
            ),
            (
                SEED.replace("size_pages = 0x2000", "size_pages = [1]"),
                "line 5",
            ),
            (
                SEED.split("[[thread]]").next().unwrap().to_owned(),
                "at least one [[thread]]",
            ),
            (
                SEED.replace("op = \"fsync\"", "op = \"mmap\""),
                "unknown variant `mmap`",
            ),
            (
                SEED.replace("wait_buckets = 1", "wait_buckets = 0x100001"),
                "wait_buckets = 0x100001: must be at most 1048576",
            ),
            (
                format!("{SEED}[check]\niterations = 0\n"),
                "x.toml:18: [check] iterations must be at least 1",
            ),
            (
                SEED.replace("[expect]\n", "[expect]\nvisits = [\"grab-wiat\"]\n"),
                "x.toml:15: [expect] visits: unknown branch `grab-wiat` (see `daxlock list --branches`)",
            ),
            (
                SEED.replace("[expect]\n", "[expect]\nvisits = \"grab-wait\"\n"),
                "line 15, column 10: invalid type: string \"grab-wait\", expected a sequence",
            ),
            (
                SEED.replace("fixed = \"verified\"", "visits = [\"grab-wait\"]"),
                "[expect] visits is checked on the fixed variant",
            ),
            (
                SEED.replace("[expect]\n", "[expect]\nchecks = [\"read-fault-dirty\"]\n"),
                "x.toml:15: [expect] checks: unknown check `read-fault-dirty` (known: read-fault-clean)",
            ),
        ];
        for (text, want) in cases {
            let got = err(&text);
            assert!(got.contains(want), "{got:?} lacks {want:?}");
            assert!(!got.contains('\n'), "{got:?} spans lines");
        }
    }

    /// Semantic errors name the file and the line of the key, table or operation at
    /// fault, whatever the layout (inline or multi-line arrays, tables in any order).
    #[test]
    fn semantic_errors_name_their_line() {
        let multi_line_ops = SEED.replace(
            "ops = [ { op = \"fault\", addr = 0x7f7a8edff000 }, { op",
            "ops = [\n  { op = \"fault\", addr = 0x7f7a8edff000 },\n  { op",
        );
        let cases = [
            (SEED.replace("name = \"seed\"", "name = \"\""), "x.toml:2: name must not be empty"),
            (
                SEED.replace("wait_buckets = 1", "wait_buckets = 0"),
                "x.toml:3: wait_buckets must be at least 1",
            ),
            (
                SEED.replace("size_pages = 0x2000", "size_pages = 0"),
                "x.toml:5: [file] size_pages must be at least 1",
            ),
            (
                SEED.replace("end = 0x7f7a8fc00000", "end = 0x7f7a8dc00000"),
                "x.toml:6: VMA end 0x7f7a8dc00000 is not above start",
            ),
            (
                SEED.replace("0x7f7a8edff000 }", "0x1000 }"),
                "x.toml:11: thread 1: address 0x1000 lies outside every VMA",
            ),
            (
                multi_line_ops.replace("0x7f7a8ee00000", "0x2000"),
                "x.toml:13: thread 1: address 0x2000 lies outside every VMA",
            ),
            (
                SEED.replace("pgoff = 0, pages = 1", "pgoff = 0, pages = 0"),
                "x.toml:13: thread 2: write of 0 pages",
            ),
            (
                SEED.replace("misaligned-pmd = \"hang\"", "nope = \"hang\""),
                "x.toml:16: [expect] unknown bug `nope`",
            ),
            (
                SEED.replace("misaligned-pmd = \"hang\"", "\"misaligned-pmd+misaligned-pmd\" = \"hang\""),
                "x.toml:16: [expect] `misaligned-pmd+misaligned-pmd` names `misaligned-pmd` twice",
            ),
            (
                SEED.replace("misaligned-pmd = \"hang\"", "\"misaligned-pmd+no-recheck\" = \"hang\"\n\"no-recheck+misaligned-pmd\" = \"hang\""),
                "x.toml:17: [expect] `no-recheck+misaligned-pmd` is the variant `misaligned-pmd+no-recheck` again",
            ),
            (
                format!("{SEED}[check]\npct_depth = 0\n"),
                "x.toml:18: [check] pct_depth must be at least 1",
            ),
            (
                SEED.replace(
                    "size_pages = 0x2000",
                    "size_pages = 0x2000\nextents = [\n { pgoff = 0, pages = 0x10, frame = 0 },\n { pgoff = 0x8, pages = 0x10, frame = 0x200 },\n]",
                ),
                "x.toml:8: extents at pgoff 0x0 and 0x8 overlap",
            ),
        ];
        for (text, want) in cases {
            let got = err(&text);
            assert!(got.starts_with(want), "{got:?} is not {want:?}...");
        }
    }

    /// Sizes, extents and addresses the kernel cannot represent are refused for every
    /// target, by one check: a file whose byte size overflows loff_t (the kernel
    /// target reported SIGBUS inside such a file, issue 19), extents and VMAs past
    /// it, addresses past user space, and writes whose end wraps around.
    #[test]
    fn sizes_past_the_kernels_limits_are_refused() {
        let max = format!("{MAX_FILE_PAGES:#x}");
        assert!(Scenario::from_toml(
            &SEED.replace("size_pages = 0x2000", &format!("size_pages = {max}")),
            "x.toml"
        )
        .is_ok());
        let cases = [
            (
                SEED.replace("size_pages = 0x2000", "size_pages = 0x10000000000000"),
                "x.toml:5: [file] size_pages = 0x10000000000000: at most 0x7ffffffffffff",
            ),
            (
                SEED.replace(
                    "size_pages = 0x2000",
                    "size_pages = 0x2000\nextents = [ { pgoff = 0x7ffffffffff00, pages = 0x200, frame = 0 } ]",
                ),
                "x.toml:6: extent at pgoff 0x7ffffffffff00 of 0x200 pages ends past the largest file",
            ),
            (
                SEED.replace(
                    "size_pages = 0x2000",
                    "size_pages = 0x2000\nextents = [ { pgoff = 0, pages = 0x200, frame = 0x7fffffffffffff00 } ]",
                ),
                "x.toml:6: extent at pgoff 0x0: frames 0x7fffffffffffff00 + 0x200 pages end past",
            ),
            (
                SEED.replace("end = 0x7f7a8fc00000", "end = 0x800000000000"),
                "x.toml:6: VMA 0x7f7a8dc00000..0x800000000000 ends past user space",
            ),
            (
                SEED.replace("pgoff = 0x1\n", "pgoff = 0x7fffffffffff0\n"),
                "x.toml:6: VMA at 0x7f7a8dc00000 maps file pages 0x7fffffffffff0",
            ),
            (
                SEED.replace("size_pages = 0x100", "size_pages = 0x8000000000000"),
                "x.toml:13: thread 2: truncate reaches past the largest file",
            ),
            (
                SEED.replace("pgoff = 0, pages = 1", "pgoff = 0x7fffffffffffffff, pages = 2"),
                "x.toml:13: thread 2: write reaches past the largest file",
            ),
        ];
        for (text, want) in cases {
            let got = err(&text);
            assert!(got.starts_with(want), "{got:?} is not {want:?}...");
        }
    }

    fn scenario_with_extent(pgoff: u64, frame: u64, fault: &str) -> Scenario {
        let text = SEED
            .replace(
                "size_pages = 0x2000",
                &format!(
                    "size_pages = 0x2000\nextents = [ {{ pgoff = {pgoff:#x}, pages = 0x400, frame = {frame:#x} }} ]"
                ),
            )
            .replace("pgoff = 0x1", "pgoff = 0x0")
            .replace(
                "ops = [ { op = \"fault\", addr = 0x7f7a8edff000 }",
                &format!("ops = [ {{ op = \"fault\", addr = 0x7f7a8de00000, size = \"{fault}\" }}"),
            );
        Scenario::from_toml(&text, "x.toml").unwrap()
    }

    /// A PMD fault over an extent whose frame is not 2 MiB aligned relative to its
    /// file offset can never map huge, and is noted; an aligned one, or a PTE fault,
    /// is not.
    #[test]
    fn pmd_notes_name_unalignable_storage() {
        // The fault maps file page 0x200; the extent covers 0x200..0x600.
        let notes = scenario_with_extent(0x200, 0x80201, "pmd").pmd_notes();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("thread 1, op 1") && notes[0].contains("frame 0x80201"),
            "{notes:?}"
        );
        assert!(notes[0].contains("falls back to 4 KiB pages"), "{notes:?}");
        // Frame 0x80400 at pgoff 0x200: aligned relative to its offset.
        assert!(scenario_with_extent(0x200, 0x80400, "pmd")
            .pmd_notes()
            .is_empty());
        assert!(scenario_with_extent(0x200, 0x80201, "pte")
            .pmd_notes()
            .is_empty());
        // The seed's faults fall back for the fix's colour check, not for storage.
        assert!(Scenario::from_toml(SEED, "x.toml")
            .unwrap()
            .pmd_notes()
            .is_empty());
    }
}
