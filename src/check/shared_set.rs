//! A set of 128-bit fingerprints in memory shared by processes: the visited set of a
//! stateful search split over several processes (`--jobs N` on a serial target, the
//! kernel's, whose C state is global to a process: see [`super::stateful`]).
//!
//! The set lives in a file (under `/dev/shm` where there is one) that every process
//! maps with `MAP_SHARED`: a header of counters, then an open-addressing table of
//! slots, each three 64-bit words: the fingerprint's halves, with the low bit forced
//! on so that 0 means empty, and the state's *sleep set* (the partial-order
//! reduction's: a bit per task asleep when the state was last expanded, see
//! [`super::stateful`]). Insertion is lock-free: a process claims an empty slot by
//! a compare-and-swap of its first word, stores the sleep set, then the second
//! word; a reader that finds the first word of its key with the second not yet
//! stored waits for it (the writer is between two stores), and then sees the sleep
//! set the writer stored. Forcing one bit of each half on merges fingerprints that
//! differ only there: a collision of 126 bits instead of 128, as harmless.
//!
//! A state met again intersects the stored sleep set with the visitor's in one
//! atomic `fetch_and` ([`SharedSet::visit`]) and is told which tasks were asleep
//! before and are awake now ([`met_again`], the rule the threads' visited set
//! applies under its lock too): the visits of one state, whatever processes make
//! them and in whatever order, are a sequence (the order of their atomic operations
//! on the word), each seeing the intersection of those before it, as one search's
//! visits are.
//!
//! The table is sized for the search's state budget (twice it, plus room for the
//! subtree claims), so it never fills before the budget ends the search; if it does
//! anyway, [`SharedSet::insert`] says so and the search stops as at its budget.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Words of the header: states inserted, the stop flag, the slot count, a magic,
/// the processes that finished their search, and whether one of them did not
/// complete it.
const HEADER: usize = 8;
const STATES: usize = 0;
const STOP: usize = 1;
const SLOTS: usize = 2;
const MAGIC: usize = 3;
const DONE: usize = 4;
const DIRTY: usize = 5;
const MAGIC_VALUE: u64 = 0x6461_786c_6f63_6b32; // "daxlock2"
/// Words of a slot: the fingerprint's two halves and the sleep set.
const SLOT: usize = 3;

/// What [`SharedSet::insert`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The key was not in the set; it is now.
    New,
    /// Another insertion (of any process) put it there first, and every task
    /// asleep at its earlier visits is asleep now too (cut).
    Known,
    /// Known, but these tasks were asleep at every earlier visit and are awake now:
    /// the visitor explores them ([`met_again`]).
    Reopen(u64),
    /// No room left: the search must stop as at its state budget.
    Full,
}

/// Godefroid's rule for a state met again with the tasks `asleep` asleep, whose
/// earlier visits left `stored` (the intersection of their sleep sets; the caller
/// then stores `stored & asleep`): cut if every task asleep then is asleep now,
/// else explore the tasks asleep then and awake now.
pub fn met_again(stored: u64, asleep: u64) -> Inserted {
    match stored & !asleep {
        0 => Inserted::Known,
        woken => Inserted::Reopen(woken),
    }
}

/// The shared set, mapped into this process.
pub struct SharedSet {
    words: *mut AtomicU64,
    len: usize,
    path: PathBuf,
    /// The process that created the file removes it on drop.
    owner: bool,
}

// The mapping is plain shared memory accessed only through atomics.
unsafe impl Send for SharedSet {}
unsafe impl Sync for SharedSet {}

impl std::fmt::Debug for SharedSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedSet({})", self.path.display())
    }
}

impl SharedSet {
    /// Creates a set with room for `keys` keys (at half load) in a new file in
    /// `/dev/shm` (else the temporary directory); it is removed when this value
    /// drops.
    pub fn create(keys: usize) -> Result<SharedSet, String> {
        let slots = (keys.max(1024) * 2).next_power_of_two();
        let dir = Path::new("/dev/shm");
        let dir = if dir.is_dir() {
            dir.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = dir.join(format!(
            "daxlock-visited-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let len = HEADER + SLOT * slots;
        file.set_len((len * 8) as u64)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let set = SharedSet::map(&file, len, path, true)?;
        set.word(SLOTS).store(slots as u64, Ordering::Relaxed);
        set.word(MAGIC).store(MAGIC_VALUE, Ordering::Release);
        Ok(set)
    }

    /// Maps the set another process created at `path`.
    pub fn open(path: &Path) -> Result<SharedSet, String> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let bytes = file
            .metadata()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len() as usize;
        if bytes < HEADER * 8 {
            return Err(format!("{}: not a daxlock shared set", path.display()));
        }
        let set = SharedSet::map(&file, bytes / 8, path.to_path_buf(), false)?;
        let slots = set.word(SLOTS).load(Ordering::Relaxed) as usize;
        if set.word(MAGIC).load(Ordering::Acquire) != MAGIC_VALUE
            || !slots.is_power_of_two()
            || HEADER + SLOT * slots != set.len
        {
            return Err(format!("{}: not a daxlock shared set", path.display()));
        }
        Ok(set)
    }

    fn map(file: &File, len: usize, path: PathBuf, owner: bool) -> Result<SharedSet, String> {
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh shared mapping of the whole file; the pointer is used
        // only within `len` words, through atomics, until `munmap` in drop.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len * 8,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(format!(
                "{}: mmap: {}",
                path.display(),
                std::io::Error::last_os_error()
            ));
        }
        Ok(SharedSet {
            words: p.cast(),
            len,
            path,
            owner,
        })
    }

    fn word(&self, i: usize) -> &AtomicU64 {
        assert!(i < self.len);
        // SAFETY: within the mapping, which lives as long as `self`.
        unsafe { &*self.words.add(i) }
    }

    /// The file the set lives in (for the other processes).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Inserts `key` (a key with no sleep set: a subtree's claim, a state expanded
    /// in full).
    pub fn insert(&self, key: u128) -> Inserted {
        self.visit(key, 0)
    }

    /// Visits state `key` with the tasks `asleep` asleep: new (stored with that
    /// sleep set), known and cut, or known with tasks to explore again; the stored
    /// sleep set becomes its intersection with `asleep` ([`met_again`]).
    pub fn visit(&self, key: u128, asleep: u64) -> Inserted {
        let hi = (key >> 64) as u64 | 1;
        let lo = key as u64 | 1;
        let slots = (self.len - HEADER) / SLOT;
        let mut i = (lo >> 1) as usize & (slots - 1);
        for _ in 0..slots {
            let first = self.word(HEADER + SLOT * i);
            let second = self.word(HEADER + SLOT * i + 1);
            let sleep = self.word(HEADER + SLOT * i + 2);
            let mut h = first.load(Ordering::Acquire);
            if h == 0 {
                match first.compare_exchange(0, hi, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => {
                        // The sleep set before the second half: a reader waits for
                        // the second half (acquire) and then sees it.
                        sleep.store(asleep, Ordering::Relaxed);
                        second.store(lo, Ordering::Release);
                        return Inserted::New;
                    }
                    Err(now) => h = now,
                }
            }
            if h == hi {
                let l = loop {
                    let l = second.load(Ordering::Acquire);
                    if l != 0 {
                        break l;
                    }
                    std::hint::spin_loop();
                };
                if l == lo {
                    return met_again(sleep.fetch_and(asleep, Ordering::AcqRel), asleep);
                }
            }
            i = (i + 1) & (slots - 1);
        }
        Inserted::Full
    }

    /// Counts a new state over every process; returns the count.
    pub fn count_state(&self) -> usize {
        self.word(STATES).fetch_add(1, Ordering::Relaxed) as usize + 1
    }

    /// States counted over every process.
    pub fn states(&self) -> usize {
        self.word(STATES).load(Ordering::Relaxed) as usize
    }

    /// Asks every process's search to stop (a failure was found).
    pub fn stop(&self) {
        self.word(STOP).store(1, Ordering::Relaxed);
    }

    /// Whether some process asked to stop.
    pub fn stopped(&self) -> bool {
        self.word(STOP).load(Ordering::Relaxed) != 0
    }

    /// A file beside the set for process `index` (its part of the state graph, for
    /// the union cycle search); the creator removes every such file on drop.
    pub fn side_file(&self, index: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".graph.{index}"));
        PathBuf::from(name)
    }

    /// A process is done with its search (`complete`: it ran to its end); true for
    /// the last of `count` processes to say so when every one of them completed.
    /// A process writes its side file before it calls this.
    pub fn finish(&self, complete: bool, count: usize) -> bool {
        if !complete {
            self.word(DIRTY).store(1, Ordering::SeqCst);
        }
        let done = self.word(DONE).fetch_add(1, Ordering::SeqCst) + 1;
        done == count as u64 && self.word(DIRTY).load(Ordering::SeqCst) == 0
    }
}

impl Drop for SharedSet {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, not used after this.
        unsafe {
            libc::munmap(self.words.cast(), self.len * 8);
        }
        if self.owner {
            let _ = std::fs::remove_file(&self.path);
            // Every process's side file: the name up to its index.
            let side = self.side_file(0);
            let side = side.to_string_lossy();
            let prefix = &side[..side.len() - 1];
            if let Some(Ok(entries)) = self.path.parent().map(std::fs::read_dir) {
                for e in entries.flatten() {
                    if e.path().to_string_lossy().starts_with(prefix) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys inserted through one mapping are known through another, from several
    /// threads at once; a full table says so.
    #[test]
    fn two_mappings_share_their_keys() {
        let a = SharedSet::create(1000).unwrap();
        let b = SharedSet::open(a.path()).unwrap();
        std::thread::scope(|s| {
            for t in 0..2u128 {
                let (a, b) = (&a, &b);
                s.spawn(move || {
                    for k in 0..500u128 {
                        let key = (k * 2 + t) << 70 | (k * 2 + t) << 1;
                        assert_eq!(a.insert(key), Inserted::New);
                        assert_eq!(b.insert(key), Inserted::Known);
                    }
                });
            }
        });
        let path = a.path().to_path_buf();
        drop(b);
        drop(a);
        assert!(!path.exists(), "the creator removes the file");
        let small = SharedSet::create(0).unwrap();
        let slots = (small.len - HEADER) / SLOT;
        for k in 0..slots as u128 {
            assert_eq!(small.insert(k << 1), Inserted::New);
        }
        assert_eq!(small.insert(u128::MAX), Inserted::Full);
        assert!(SharedSet::open(Path::new("/nonexistent/x")).is_err());
    }

    /// Visitors of one state racing from two mappings: each explores the tasks
    /// asleep at every visit before it and awake at its own, so together they
    /// explore every task but those asleep at every visit (what one search visiting
    /// in any order explores), each task once; the stored set ends as the
    /// intersection.
    #[test]
    fn racing_visits_explore_what_one_visitor_would() {
        let a = SharedSet::create(1000).unwrap();
        let b = SharedSet::open(a.path()).unwrap();
        let all = 0xffu64;
        for key in 1..200u128 {
            let key = key << 1;
            // Two visitors per mapping, sleep sets depending on the key.
            let sleeps = [
                (key as u64 * 37) & all,
                (key as u64 * 91 + 5) & all,
                (key as u64 * 13 + 3) & all,
                (key as u64 * 7 + 1) & all,
            ];
            let explored: Vec<u64> = std::thread::scope(|s| {
                let runs: Vec<_> = sleeps
                    .iter()
                    .enumerate()
                    .map(|(i, &asleep)| {
                        let set = if i % 2 == 0 { &a } else { &b };
                        s.spawn(move || match set.visit(key, asleep) {
                            Inserted::New => all & !asleep,
                            Inserted::Known => 0,
                            Inserted::Reopen(woken) => woken,
                            Inserted::Full => panic!("full"),
                        })
                    })
                    .collect();
                runs.into_iter().map(|r| r.join().unwrap()).collect()
            });
            let meet = sleeps.iter().fold(all, |m, s| m & s);
            let union = explored.iter().fold(0, |u, e| u | e);
            assert_eq!(union, all & !meet, "key {key}: {explored:?}");
            assert_eq!(
                explored.iter().map(|e| e.count_ones()).sum::<u32>(),
                union.count_ones(),
                "each task once"
            );
            assert_eq!(a.visit(key, all), Inserted::Known);
            assert_eq!(met_again(meet, 0), b.visit(key, 0));
        }
    }
}
