//! The `daxlock` command: the command line of [`daxlock::cli`].

fn main() -> std::process::ExitCode {
    daxlock::cli::main()
}
