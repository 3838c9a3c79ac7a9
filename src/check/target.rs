//! Where a scenario runs: the model, or another [`System`] a front end registers
//! (the kernel target of the `daxlock-kernel` crate).
//!
//! A checker is generic over its backend `B`; a target is chosen at run time. The
//! bridge is [`Target::maker`]: given the backend's `TypeId`, it hands back the
//! function that builds one execution's system on that backend ([`SystemMaker`]).
//! [`maker_for`] writes that match once for every backend, so a target only says
//! how to build its system for any `B` ([`Family`]).

use crate::dax::observe::Observer;
use crate::dax::{Bugs, Mapping, MappingConfig, System};
use crate::scenario::Scenario;
use crate::sync::poison_free::Mutex;
use crate::sync::{Backend, Loom, ParkingLot, Shuttle, Stateful, StdSync};
use std::any::{Any, TypeId};
use std::sync::Arc;

/// Builds the system one execution runs on, on backend `B`.
pub type SystemMaker<B> =
    Arc<dyn Fn(&MappingConfig, Arc<dyn Observer>) -> Arc<dyn System<B>> + Send + Sync>;

/// The mapping id every check builds its mapping with.
///
/// It is part of every wait key, so it decides which keys share a wait-table bucket
/// (and lock stripe), and with it the schedules a checker explores: it must depend on
/// the scenario alone, never on what else ran in the process before. One constant for
/// every scenario (a scenario has one file); traces reach their check through the
/// mapping's observer (see [`crate::check::trace`]).
pub const MAPPING_ID: u64 = 1;

/// A target scenarios can be checked on.
pub trait Target: Send + Sync + 'static {
    /// Its `--target` name.
    fn name(&self) -> &'static str;
    /// Whether it can run `scenario` with `bugs`; the error is one sentence (an
    /// operation it has no code for, a bug it cannot re-introduce).
    fn supports(&self, scenario: &Scenario, bugs: Bugs) -> Result<(), String>;
    /// A scenario this target has no code for at all (the kernel target on a tree
    /// older than an operation's kernel function), with why: the gate leaves its
    /// rows out instead of failing them, and [`Target::describe`] says so.
    fn cannot_run(&self, _scenario: &Scenario) -> Option<String> {
        None
    }
    /// The [`SystemMaker`] for the backend whose `TypeId` is `backend`, boxed; `None`
    /// for a backend it cannot run on.
    fn maker(&self, backend: TypeId) -> Option<Box<dyn Any>>;
    /// True when two executions cannot run at once in one process (the kernel
    /// target's C globals): the runner then runs one check at a time, and the
    /// stateful search with one job.
    fn serial(&self) -> bool {
        false
    }
    /// True when its threads share state that the stateful backend's step
    /// footprints cannot see (outside the backend's primitives, and not declared
    /// with [`crate::sync::Backend::external_state`]): the stateful search then runs
    /// without its partial-order reduction. By default a serial target's.
    fn opaque_state(&self) -> bool {
        self.serial()
    }
    /// True when every byte its executions write under the stateful backend is in
    /// the stateful checker's arena, its task stacks or the backend's
    /// thread-locals, so that the search may resume a snapshot of an execution
    /// instead of replaying it (the default, `--no-snapshots` off). Not by
    /// default on a target: C globals and
    /// `malloc` (the kernel target) are not in the arena.
    fn snapshots(&self) -> bool {
        false
    }
    /// What the gate expects of `scenario` with `bugs` on this target, given the
    /// scenario's own (model) expectation: another version of the code may end a
    /// race differently (README: model vs kernel).
    fn expected(
        &self,
        _scenario: &str,
        _bugs: Bugs,
        model: crate::check::Verdict,
    ) -> crate::check::Verdict {
        model
    }
    /// Whether its runs report the model's protocol branches (`[expect] visits`
    /// is checked only on targets that do).
    fn tracks_branches(&self) -> bool {
        !self.visible_branches().is_empty()
    }
    /// The model branches its runs can report (`[expect] visits` is checked for
    /// these only; default: every branch).
    fn visible_branches(&self) -> crate::dax::BranchSet {
        crate::dax::BranchSet::all()
    }
    /// Whether the gate demands that `scenario`'s fixed rows visit `branch` (its
    /// `[expect] visits` names it): by default when the target reports it; a target
    /// whose code cannot take that branch in that scenario says so here, with its
    /// reason in the README.
    fn demands_visit(&self, _scenario: &str, branch: crate::dax::Branch) -> bool {
        self.visible_branches().contains(branch)
    }
    /// The zoo bugs it can re-introduce (the gate asks each to be caught).
    fn bug_names(&self) -> Vec<&'static str> {
        crate::dax::bugs::bug_names()
    }
    /// The candidate fix patches it can apply (`--patch`); none by default.
    fn patch_names(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// Applies fix patch `name` to the runs that follow (`None`: the code as it
    /// is); the error is one sentence (no such patch).
    fn select_patch(&self, name: Option<&str>) -> Result<(), String> {
        match name {
            None => Ok(()),
            Some(n) => Err(format!(
                "the {} target has no patches (`--patch {n}`); --patch is for a target that has some (README: The kernel target)",
                self.name()
            )),
        }
    }
    /// Makes the `nths` allocations of every following execution fail (1-based,
    /// counted per execution; empty: none fail); the error is one sentence (a target
    /// with no allocator to fail, a number out of range).
    fn select_alloc_failures(&self, nths: &[u32]) -> Result<(), String> {
        match nths.first() {
            None => Ok(()),
            Some(n) => Err(format!(
                "the {} target has no allocations to fail (`--fail-alloc {n}`); --fail-alloc is for the kernel target (README: The kernel target)",
                self.name()
            )),
        }
    }
    /// The options the following runs were selected with (`--patch`,
    /// `--fail-alloc`), as a reproduce command must repeat them: empty, or starting
    /// with a space.
    fn run_args(&self) -> String {
        String::new()
    }
    /// What the code it runs guarantees, which decides the end-state checks that
    /// run on it (a scenario may force more with `[expect] checks`). Default: the
    /// model's.
    fn truths(&self) -> crate::dax::Truths {
        crate::dax::Truths::default()
    }
    /// Bugs it builds whose faulty code no operation can reach on this target's
    /// code, each with why (the kernel target on an era where the path is gone).
    /// The gate still runs their rows (expecting what the code does) and prints
    /// each of these; it does not ask them to be caught.
    fn unreachable_bugs(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// One line on what it runs (for reports): `model (v4.13)`, `kernel 6.1.172`.
    fn describe(&self) -> String {
        self.name().to_owned()
    }
}

impl std::fmt::Debug for dyn Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a target builds its system on any backend.
pub trait Family: Clone + Send + Sync + 'static {
    /// One execution's system on backend `B`.
    fn build<B: Backend>(
        &self,
        config: &MappingConfig,
        observer: Arc<dyn Observer>,
    ) -> Arc<dyn System<B>>;
}

/// [`Target::maker`] for a [`Family`]: one arm per backend.
pub fn maker_for<F: Family>(family: &F, backend: TypeId) -> Option<Box<dyn Any>> {
    fn boxed<B: Backend, F: Family>(family: &F) -> Box<dyn Any> {
        let family = family.clone();
        let maker: SystemMaker<B> =
            Arc::new(move |config, observer| family.build::<B>(config, observer));
        Box::new(maker)
    }
    if backend == TypeId::of::<ParkingLot>() {
        Some(boxed::<ParkingLot, F>(family))
    } else if backend == TypeId::of::<StdSync>() {
        Some(boxed::<StdSync, F>(family))
    } else if backend == TypeId::of::<Loom>() {
        Some(boxed::<Loom, F>(family))
    } else if backend == TypeId::of::<Shuttle>() {
        Some(boxed::<Shuttle, F>(family))
    } else if backend == TypeId::of::<Stateful>() {
        Some(boxed::<Stateful, F>(family))
    } else {
        None
    }
}

/// The model of `crate::dax`: fs/dax.c as of v4.13, with the zoo's fixes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Model;

impl Family for Model {
    fn build<B: Backend>(
        &self,
        config: &MappingConfig,
        observer: Arc<dyn Observer>,
    ) -> Arc<dyn System<B>> {
        Arc::new(Mapping::<B>::observed(MAPPING_ID, config, Some(observer)))
    }
}

impl Target for Model {
    fn name(&self) -> &'static str {
        "model"
    }
    fn supports(&self, _: &Scenario, _: Bugs) -> Result<(), String> {
        Ok(())
    }
    fn maker(&self, backend: TypeId) -> Option<Box<dyn Any>> {
        maker_for(self, backend)
    }
    fn snapshots(&self) -> bool {
        true
    }
    fn describe(&self) -> String {
        "model (fs/dax.c v4.13)".to_owned()
    }
}

/// The system maker of `target` for backend `B`, or why there is none.
pub fn maker<B: Backend>(target: &dyn Target) -> Result<SystemMaker<B>, String> {
    target
        .maker(TypeId::of::<B>())
        .and_then(|b| b.downcast::<SystemMaker<B>>().ok())
        .map(|b| *b)
        .ok_or_else(|| format!("the {} target cannot run on this backend", target.name()))
}

/// Targets a front end registered besides the model (the kernel target's binary
/// registers itself before parsing its command line).
static REGISTERED: Mutex<Vec<Arc<dyn Target>>> = Mutex::new(Vec::new());

/// Makes `target` available to `--target`.
pub fn register(target: Arc<dyn Target>) {
    REGISTERED.lock().push(target);
}

/// Whether some registered target has fix patches (else `--patch` and
/// `--fail-alloc`, the kernel target's options, are hidden).
pub fn any_patches() -> bool {
    REGISTERED
        .lock()
        .iter()
        .any(|t| !t.patch_names().is_empty())
}

/// The target called `name`: `model`, or a registered one.
pub fn lookup(name: &str) -> Option<Arc<dyn Target>> {
    if name == "model" {
        return Some(Arc::new(Model));
    }
    REGISTERED.lock().iter().find(|t| t.name() == name).cloned()
}
