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
    daxlock_kernel::register();
    daxlock::cli::main()
}
