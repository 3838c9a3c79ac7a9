//! `daxlock-kernel`: the daxlock command line with the kernel target registered.
//!
//! The same front end as `daxlock` ([`daxlock::cli`]), so every command, flag and
//! output is the same; `--target kernel` runs the Linux tree this crate was built
//! from (`DAXLOCK_KERNEL_SRC`).

fn main() -> std::process::ExitCode {
    if let Some(why) = daxlock_kernel::unavailable() {
        if std::env::args().any(|a| a == "kernel" || a == "--target=kernel") {
            eprintln!(
                "daxlock-kernel: built without a kernel ({why}): rebuild with \
                 DAXLOCK_KERNEL_SRC=<linux source tree> (ci/fetch-kernel.sh fetches one)"
            );
            return std::process::ExitCode::from(2);
        }
    }
    // A later build that refused its tree (an unknown or unsupported era) leaves
    // its reason beside this binary, which is then from an older tree.
    let refused = std::env::current_exe().ok().and_then(|p| {
        std::fs::read_to_string(p.with_file_name(daxlock::cli::KERNEL_BUILD_ERROR)).ok()
    });
    if let Some(why) = refused {
        if std::env::args().any(|a| a == "kernel" || a == "--target=kernel") {
            eprintln!(
                "daxlock-kernel: the last build refused its tree: {}",
                why.trim()
            );
            return std::process::ExitCode::from(2);
        }
    }
    #[cfg(daxk_kernel)]
    if let Err(why) = daxlock_kernel::folds_from_env() {
        eprintln!("daxlock-kernel: {why}");
        return std::process::ExitCode::from(2);
    }
    daxlock_kernel::register();
    // `diff`: the model against the kernel on generated scenarios.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("diff") {
        return diff(&args[1..]);
    }
    daxlock::cli::main()
}

#[cfg(daxk_kernel)]
fn diff(args: &[String]) -> std::process::ExitCode {
    daxlock_kernel::differential::main(args)
}

#[cfg(not(daxk_kernel))]
fn diff(_args: &[String]) -> std::process::ExitCode {
    eprintln!(
        "daxlock-kernel: diff: built without a kernel ({}): rebuild with DAXLOCK_KERNEL_SRC=<linux source tree>",
        daxlock_kernel::unavailable().unwrap_or("?")
    );
    std::process::ExitCode::from(2)
}
