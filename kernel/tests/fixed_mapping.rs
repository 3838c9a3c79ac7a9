//! The file's mapping sits at one fixed address in the process, whichever thread
//! asks for it first. Its own test binary, so that the calls below are the
//! process's first: the gate's workers start a check while the main thread prints
//! the target's description, and a second mmap() used to fail on the first's page
//! and switch the mapping to the fallback under a running execution (a segfault in
//! the 4.13 gate, where the fallback's `a_ops` was never set).

#[cfg(not(daxk_kernel))]
#[test]
fn no_kernel_tree_in_this_build() {
    eprintln!(
        "daxlock-kernel built without a kernel tree ({}): fixed-mapping test skipped",
        daxlock_kernel::unavailable().unwrap_or("?")
    );
}

/// Set in the child processes the test below starts.
#[cfg(daxk_kernel)]
const CHILD: &str = "DAXLOCK_FIXED_MAPPING_CHILD";

/// The race is a few microseconds wide (one mmap()) and only a process's first
/// call can lose it, so the test runs it in 300 fresh processes (this binary,
/// re-run): with the mapping made without pthread_once() about 1 in 40 lost it on
/// 2 cores, so all 300 passing by luck is a chance of about 1 in 2,000.
#[cfg(daxk_kernel)]
#[test]
fn first_callers_on_many_threads_all_get_the_fixed_mapping() {
    if std::env::var_os(CHILD).is_some() {
        return race_for_the_mapping();
    }
    let me = std::env::current_exe().expect("the test binary's path");
    for run in 0..300 {
        let out = std::process::Command::new(&me)
            .args([
                "--exact",
                "first_callers_on_many_threads_all_get_the_fixed_mapping",
                "--nocapture",
                "-q",
            ])
            .env(CHILD, "1")
            .output()
            .expect("re-running the test binary");
        assert!(
            out.status.success(),
            "run {run}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Threads that each ask for the target's description (which asks whether the
/// mapping is fixed) as the process's first calls into the C code, all at once.
#[cfg(daxk_kernel)]
fn race_for_the_mapping() {
    use daxlock::check::target::Target;
    use daxlock_kernel::KernelTarget;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    // Every thread spins until all are ready, then all ask at once (a barrier's
    // futex wakes them one by one, too far apart to meet inside one mmap()).
    const THREADS: usize = 4;
    let ready = Arc::new(AtomicUsize::new(0));
    let go = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (ready, go) = (ready.clone(), go.clone());
            std::thread::spawn(move || {
                ready.fetch_add(1, Ordering::SeqCst);
                while !go.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                KernelTarget::default().describe()
            })
        })
        .collect();
    while ready.load(Ordering::SeqCst) < THREADS {
        std::hint::spin_loop();
    }
    go.store(true, Ordering::Release);
    for t in threads {
        let d = t.join().expect("describe() panicked");
        assert!(
            !d.contains("not at its fixed address"),
            "a first caller lost the race for the fixed mapping: {d}"
        );
    }
}
