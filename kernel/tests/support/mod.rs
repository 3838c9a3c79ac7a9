//! What the kernel target's test files share: catalogue scenarios, bugs, PCT, a
//! check on the kernel target, and the era a test needs.

use daxlock::check::{check_on, CheckError, CheckReport, Checker, Limits, PctChecker};
use daxlock::dax::Bugs;
use daxlock::scenario::Scenario;
use daxlock_kernel::{KernelTarget, KERNEL_ERA, KERNEL_VERSION};
use std::path::Path;

/// The catalogue scenario `name` (`verify/NAME.toml`).
pub fn scenario(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../verify")
        .join(format!("{name}.toml"));
    Scenario::from_path(&path).expect("catalogue scenario")
}

/// The zoo bug `name`, alone.
pub fn bug(name: &str) -> Bugs {
    Bugs::fixed().with(name).expect("zoo bug")
}

/// PCT at depth 3, seed 0.
pub fn pct(iterations: usize) -> PctChecker {
    PctChecker {
        iterations,
        depth: 3,
        seed: 0,
        shard: Default::default(),
    }
}

/// `s` with `bugs` under `c` on the kernel target.
pub fn run<C: Checker + daxlock::check::Configured>(
    c: &C,
    s: &Scenario,
    bugs: Bugs,
) -> Result<CheckReport, CheckError> {
    check_on(&KernelTarget::default(), c, s, bugs, Limits::default())
}

/// Whether this build is (`want` true) or is not (false) of the radix-tree era;
/// when not as wanted, says that `test` is skipped and why.
pub fn radix_era(want: bool, test: &str) -> bool {
    let radix = KERNEL_ERA == "radix-tree";
    if radix != want {
        eprintln!("{test}: kernel {KERNEL_VERSION} is of the {KERNEL_ERA} era: skipped");
    }
    radix == want
}

/// Every patch applied to the tree, and the variants built are `names`, in order.
pub fn assert_variants(names: &[&str]) {
    assert!(
        daxlock_kernel::SKIPPED.is_empty(),
        "{:?}",
        daxlock_kernel::SKIPPED
    );
    let built: Vec<&str> = daxlock_kernel::VARIANTS.iter().map(|v| v.name).collect();
    assert_eq!(built, names);
}
