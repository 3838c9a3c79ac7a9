//! The hashed, keyed wait table that entry-lock sleepers queue on.
//!
//! Kernel: `wait_table[DAX_WAIT_TABLE_ENTRIES]`, dax_entry_waitqueue(),
//! wake_exceptional_entry_func() and dax_wake_mapping_entry_waiter(). The userspace
//! twin is parking_lot_core's address-hashed wait queue.
//!
//! Sleepers do not wait on an entry but on one bucket of a fixed table, chosen by
//! hashing the key `(mapping, index)` (PMD indices rounded down first). Each bucket
//! holds an ordered list of waiters tagged with their key, exclusive (the entry-lock
//! getters) or not (dax_lock_mapping_entry()'s waiters, v4.20 on). A wake names a
//! key and "one" or "all": waiters of other keys are skipped and not counted; a
//! matching waiter is marked woken and leaves the queue; "one" stops after the first
//! matching *exclusive* waiter, waking the non-exclusive ones it passes. A bare `notify_one` would
//! not do: it can wake a waiter of another key and lose the wakeup meant for the
//! right one. Here every sleeper waits on the table's one condition variable, and a
//! wake that chose somebody notifies all of them so that each rechecks its own flag;
//! which waiter *counts* as woken is decided by the keyed walk alone.
//!
//! The buckets' queues live in [`STRIPES`] backend locks, bucket `b` under lock
//! `b % STRIPES`, created with the table (kernel: one spinlock per bucket, 4096 of
//! them). That is coarser than the kernel where two buckets share a lock, and cannot
//! change a verdict: an operation touches one bucket's queue only, and operations on
//! different buckets touch disjoint data, so serializing them orders only steps that
//! commute (a sleeper woken for a neighbour's bucket finds its own flag unset and
//! sleeps again). Keeping all of it inside backend primitives, with none created
//! lazily, is what the stateful checker needs (see [`crate::check::stateful`]): an
//! empty bucket and a bucket never used are the same value.

use crate::sync::Backend;
use std::collections::BTreeMap;
use std::fmt;

/// The kernel's table size: `DAX_WAIT_TABLE_ENTRIES = 1 << 12`.
pub const DEFAULT_WAIT_BUCKETS: usize = 4096;

/// What a sleeper waits for: an entry of one mapping, by (rounded) index.
///
/// Kernel: `struct exceptional_entry_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitKey {
    /// Identifies the address space.
    pub mapping: u64,
    /// The entry's index; PMD entries use their 2 MiB-aligned base.
    pub index: u64,
}

impl fmt::Display for WaitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.index)
    }
}

/// Wake one matching waiter or every matching waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeMode {
    /// Stop after the first matching waiter. Kernel: `wake_all == false`.
    One,
    /// Wake every matching waiter. Kernel: `wake_all == true`.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Waiter {
    ticket: u64,
    key: WaitKey,
    woken: bool,
    /// Counts against a wake-one (kernel: `WQ_FLAG_EXCLUSIVE`).
    exclusive: bool,
}

/// Every bucket's queue, in queue order; a bucket with no waiter has no entry, so
/// equal queues are equal values however they came about.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
struct Queues {
    buckets: BTreeMap<usize, Vec<Waiter>>,
}

/// A place in a bucket's queue, taken by [`WaitTable::prepare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "a prepared waiter must sleep"]
pub struct WaitTicket {
    bucket: usize,
    ticket: u64,
}

/// What a wake's walk of its bucket did.
struct Walk {
    woken: usize,
    /// Waiters of other keys passed over: reported as a branch visit only, never read
    /// by the protocol.
    skipped: usize,
}

/// Hashes whether the walk woke anyone, and nothing else: the stateful checker
/// folds a critical section's result into the thread's history, and the protocol
/// reads only `woken > 0` (whether to notify the sleepers; the wakers that look at
/// [`crate::dax::Mapping::wake`]'s count, the `-EEXIST` path, ask whether it is
/// nonzero). The count itself and `skipped` only reach the observer (events, branch
/// visits), so they must not split one state in two: a wake-all that woke two
/// sleepers and one that woke three leave their waker in one state (issue 18).
impl std::hash::Hash for Walk {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.woken > 0).hash(h);
    }
}

/// Puts a bucket's queue in its canonical order: the waiters not yet woken first,
/// in queue order, then the woken ones by ticket. A woken waiter's place in the
/// queue is read by nothing: every walk passes it (`wake_keyed` filters it out), and
/// its sleeper finds it by its ticket. So two queues with the same unwoken waiters
/// in the same order and the same woken ones behave alike, and in this order they
/// are one value: the stateful checker hashes the queue, and two wakes that woke the
/// same waiters in another order (or woke a waiter queued before another that was
/// woken earlier) leave one state instead of two.
fn settle(waiters: &mut [Waiter]) {
    // Stable: the unwoken keep their order.
    waiters.sort_by_key(|w| (w.woken, if w.woken { w.ticket } else { 0 }));
}

/// Locks guarding the table's buckets, bucket `b` under stripe `b % STRIPES`.
pub const STRIPES: usize = 16;

/// One lock of the table: the queues of the buckets it guards, and the condition
/// variable their sleepers wait on.
struct Stripe<B: Backend> {
    queues: B::Mutex<Queues>,
    sleepers: B::Condvar,
}

/// The wait table: a fixed number of buckets of keyed exclusive waiters.
pub struct WaitTable<B: Backend> {
    buckets: usize,
    stripes: Vec<Stripe<B>>,
}

impl<B: Backend> WaitTable<B> {
    /// A table of `buckets` queues (at least 1). One or two buckets force every key
    /// to collide, which is where keyed wakeups matter.
    pub fn new(buckets: usize) -> Self {
        let buckets = buckets.max(1);
        let stripes = (0..buckets.min(STRIPES))
            .map(|_| Stripe {
                queues: B::mutex(Queues::default()),
                // Only ever notified all: see `wake_keyed`.
                sleepers: B::broadcast_condvar(),
            })
            .collect();
        WaitTable { buckets, stripes }
    }

    fn stripe(&self, bucket: usize) -> &Stripe<B> {
        &self.stripes[bucket % self.stripes.len()]
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.buckets
    }

    /// Always false: a table has at least one bucket.
    pub fn is_empty(&self) -> bool {
        self.buckets == 0
    }

    /// The bucket a key hashes to. Kernel: `hash_long((unsigned long)mapping ^ index,
    /// DAX_WAIT_TABLE_BITS)`.
    pub fn bucket_of(&self, key: WaitKey) -> usize {
        let h = (key.mapping ^ key.index).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((h >> 32) as usize) % self.buckets
    }

    /// Joins `key`'s bucket as an exclusive waiter. Call it *before* dropping
    /// `tree_lock`: a wake that follows the drop then finds this waiter.
    ///
    /// Kernel: prepare_to_wait_exclusive().
    pub fn prepare(&self, key: WaitKey) -> WaitTicket {
        self.prepare_as(key, true)
    }

    /// [`WaitTable::prepare`] as a non-exclusive waiter: every wake of its key wakes
    /// it, and it does not use up a wake-one. It joins at the head of the queue, as
    /// the kernel's does: a wake walks it before every waiter already queued.
    ///
    /// Kernel: prepare_to_wait() (__add_wait_queue()).
    pub fn prepare_shared(&self, key: WaitKey) -> WaitTicket {
        self.prepare_as(key, false)
    }

    fn prepare_as(&self, key: WaitKey, exclusive: bool) -> WaitTicket {
        let bucket = self.bucket_of(key);
        let me = B::thread_number() as u64;
        B::locked(&self.stripe(bucket).queues, |q| {
            let waiters = q.buckets.entry(bucket).or_default();
            // A waiter's identity, not a count of every wait so far, so that equal
            // queues are equal values: the calling model thread's number and the
            // smallest count not in use with it. A model thread waits in one place
            // at a time, so its ticket is the same whoever else is queued: the
            // stateful checker folds the ticket into the thread's history, and
            // "t3 queued behind t2" and "t3 queued alone" leave t3 with one history
            // (issue 18). (Threads without a model number, unit tests, count from 0.)
            let ticket = (0..)
                .map(|n| (me << 32) | n)
                .find(|t| waiters.iter().all(|w| w.ticket != *t))
                .expect("a free ticket");
            let w = Waiter {
                ticket,
                key,
                woken: false,
                exclusive,
            };
            // Kernel: prepare_to_wait_exclusive() adds at the tail
            // (__add_wait_queue_entry_tail()), prepare_to_wait() at the head
            // (__add_wait_queue()).
            if exclusive {
                // Before the woken waiters, which stay behind the others (`settle`).
                let at = waiters
                    .iter()
                    .position(|w| w.woken)
                    .unwrap_or(waiters.len());
                waiters.insert(at, w);
            } else {
                waiters.insert(0, w);
            }
            WaitTicket { bucket, ticket }
        })
    }

    /// Sleeps until a wake has chosen this waiter, then leaves the queue.
    ///
    /// Kernel: schedule() then finish_wait().
    pub fn sleep(&self, t: WaitTicket) {
        let stripe = self.stripe(t.bucket);
        B::wait_until(&stripe.queues, &stripe.sleepers, |q| {
            let waiters = q
                .buckets
                .get_mut(&t.bucket)
                .expect("a prepared waiter stays queued until it has slept");
            let pos = waiters
                .iter()
                .position(|w| w.ticket == t.ticket)
                .expect("a prepared waiter stays queued until it has slept");
            if !waiters[pos].woken {
                return None;
            }
            waiters.remove(pos);
            if waiters.is_empty() {
                q.buckets.remove(&t.bucket);
            }
            Some(())
        })
    }

    /// Wakes one or all waiters of `key`, skipping waiters of other keys sharing the
    /// bucket. Returns how many were woken.
    ///
    /// Kernel: __wake_up() with wake_exceptional_entry_func() as the waiters' wake
    /// function (`nr_exclusive` 1 or 0).
    pub fn wake(&self, key: WaitKey, mode: WakeMode) -> usize {
        self.wake_keyed(key, mode).0
    }

    /// [`WaitTable::wake`], also returning how many waiters of other keys the walk
    /// passed over (it stops after the first exclusive match when waking one, having
    /// woken the non-exclusive matches before it): `(woken, skipped)`.
    ///
    /// Kernel: wake_exceptional_entry_func() returning 0 for a key that does not
    /// match. (A woken waiter has left the kernel's list, autoremove_wake_function();
    /// here it waits to leave, and the walk passes it without counting it.)
    pub fn wake_keyed(&self, key: WaitKey, mode: WakeMode) -> (usize, usize) {
        let bucket = self.bucket_of(key);
        let stripe = self.stripe(bucket);
        let Walk { woken, skipped } = B::locked(&stripe.queues, |q| {
            let (mut woken, mut skipped) = (0, 0);
            if let Some(waiters) = q.buckets.get_mut(&bucket) {
                for w in waiters.iter_mut().filter(|w| !w.woken) {
                    if w.key != key {
                        skipped += 1;
                        continue;
                    }
                    w.woken = true;
                    woken += 1;
                    if mode == WakeMode::One && w.exclusive {
                        break;
                    }
                }
                settle(waiters);
            }
            Walk { woken, skipped }
        });
        // The kernel's wake functions run under the wait queue's lock; here a waiter
        // is chosen (its flag set) under the lock, and the notify that makes sleepers
        // recheck their flags follows it: the same outcomes, and loom explores a third
        // of the interleavings it would with the notify inside.
        if woken > 0 {
            B::notify_all(&stripe.sleepers);
        }
        (woken, skipped)
    }

    /// Keys of every waiter still queued (woken or not), for end-state checks.
    pub fn queued(&self) -> Vec<WaitKey> {
        let mut queued: Vec<(usize, WaitKey)> = Vec::new();
        for stripe in &self.stripes {
            let q = B::lock(&stripe.queues);
            queued.extend(
                q.buckets
                    .iter()
                    .flat_map(|(b, ws)| ws.iter().map(move |w| (*b, w.key))),
            );
        }
        // Bucket order, then queue order.
        queued.sort_by_key(|(b, _)| *b);
        queued.into_iter().map(|(_, k)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::StdSync;
    use std::sync::Arc;

    fn key(index: u64) -> WaitKey {
        WaitKey { mapping: 1, index }
    }

    #[test]
    fn wake_one_skips_other_keys_and_does_not_count_them() {
        let t = WaitTable::<StdSync>::new(1);
        let a1 = t.prepare(key(1));
        let b1 = t.prepare(key(2));
        let b2 = t.prepare(key(2));
        assert_eq!(t.wake_keyed(key(2), WakeMode::One), (1, 1));
        // The first waiter of key 2 was chosen; key 1's waiter was skipped.
        t.sleep(b1);
        assert_eq!(t.queued(), vec![key(1), key(2)]);
        assert_eq!(t.wake(key(2), WakeMode::One), 1);
        t.sleep(b2);
        assert_eq!(t.wake(key(3), WakeMode::All), 0);
        assert_eq!(t.wake(key(1), WakeMode::All), 1);
        t.sleep(a1);
        assert!(t.queued().is_empty());
    }

    /// A table has the buckets it was made with (at least one), and keys print as
    /// their index in hex, as timelines show them.
    #[test]
    fn tables_have_their_buckets_and_keys_print_in_hex() {
        let t = WaitTable::<StdSync>::new(7);
        assert_eq!(t.len(), 7);
        assert!(!t.is_empty());
        assert_eq!(WaitTable::<StdSync>::new(0).len(), 1);
        assert_eq!(key(0x200).to_string(), "0x200");
        // The bucket hashes mapping ^ index, as the kernel's hash_long() does.
        let big = WaitTable::<StdSync>::new(DEFAULT_WAIT_BUCKETS);
        let k = |mapping, index| WaitKey { mapping, index };
        assert_eq!(big.bucket_of(k(1, 1)), big.bucket_of(k(0, 0)));
        assert_eq!(big.bucket_of(k(3, 1)), big.bucket_of(k(0, 2)));
    }

    /// A wake-one wakes the non-exclusive waiters before the first exclusive one and
    /// stops there (kernel: __wake_up_common() counts only `WQ_FLAG_EXCLUSIVE`).
    #[test]
    fn wake_one_passes_non_exclusive_waiters_without_counting_them() {
        let t = WaitTable::<StdSync>::new(1);
        let shared = t.prepare_shared(key(4));
        let first = t.prepare(key(4));
        let second = t.prepare(key(4));
        assert_eq!(t.wake(key(4), WakeMode::One), 2);
        t.sleep(shared);
        t.sleep(first);
        assert_eq!(t.queued(), vec![key(4)]);
        assert_eq!(t.wake(key(4), WakeMode::One), 1);
        t.sleep(second);
        assert!(t.queued().is_empty());
    }

    /// A non-exclusive waiter joins at the head of the queue, an exclusive one at the
    /// tail (kernel: prepare_to_wait() vs prepare_to_wait_exclusive()): a shared
    /// waiter that queues after an exclusive one is still woken by the next wake-one,
    /// with it.
    #[test]
    fn non_exclusive_waiters_join_at_the_head() {
        let t = WaitTable::<StdSync>::new(1);
        let first = t.prepare(key(4));
        let second = t.prepare(key(4));
        let late = t.prepare_shared(key(4));
        assert_eq!(
            t.wake(key(4), WakeMode::One),
            2,
            "the late shared waiter and `first`"
        );
        t.sleep(late);
        t.sleep(first);
        assert_eq!(t.queued(), vec![key(4)]);
        assert_eq!(t.wake(key(4), WakeMode::One), 1);
        t.sleep(second);
        assert!(t.queued().is_empty());
    }

    /// Woken waiters stay behind the others, in ticket order, whatever order they
    /// were woken in; the unwoken keep their queue order, so a wake-one still wakes
    /// the earliest of them, and a waiter queued after a wake joins behind the
    /// unwoken, not behind the woken (`settle`).
    #[test]
    fn woken_waiters_settle_behind_the_unwoken_in_ticket_order() {
        let t = WaitTable::<StdSync>::new(1);
        let first = t.prepare(key(4));
        let other = t.prepare(key(5));
        let second = t.prepare(key(4));
        assert_eq!(t.wake(key(5), WakeMode::One), 1);
        assert_eq!(t.wake(key(4), WakeMode::One), 1);
        let late = t.prepare(key(4));
        let order = |t: &WaitTable<StdSync>| {
            let q = StdSync::lock(&t.stripes[0].queues);
            q.buckets[&0]
                .iter()
                .map(|w| (w.ticket, w.woken))
                .collect::<Vec<_>>()
        };
        // `second` then `late` unwoken; `first` (ticket 0) before `other` (1).
        assert_eq!(
            order(&t),
            [
                (second.ticket, false),
                (late.ticket, false),
                (first.ticket, true),
                (other.ticket, true)
            ]
        );
        assert_eq!(t.wake(key(4), WakeMode::One), 1);
        t.sleep(first);
        t.sleep(other);
        t.sleep(second);
        assert_eq!(t.queued(), vec![key(4)]);
        assert_eq!(t.wake(key(4), WakeMode::One), 1);
        t.sleep(late);
    }

    #[test]
    fn wake_all_wakes_every_matching_waiter() {
        let t = WaitTable::<StdSync>::new(1);
        let w: Vec<_> = (0..3).map(|_| t.prepare(key(7))).collect();
        let other = t.prepare(key(8));
        assert_eq!(t.wake(key(7), WakeMode::All), 3);
        w.into_iter().for_each(|x| t.sleep(x));
        assert_eq!(t.queued(), vec![key(8)]);
        assert_eq!(t.wake(key(8), WakeMode::One), 1);
        t.sleep(other);
    }

    #[test]
    fn a_wake_before_sleep_is_not_lost() {
        let t = Arc::new(WaitTable::<StdSync>::new(2));
        let ticket = t.prepare(key(5));
        let t2 = t.clone();
        std::thread::spawn(move || assert_eq!(t2.wake(key(5), WakeMode::One), 1))
            .join()
            .unwrap();
        t.sleep(ticket); // returns at once: the wake found the prepared waiter
    }

    #[test]
    fn sleepers_on_a_shared_bucket_wake_only_for_their_key() {
        let t = Arc::new(WaitTable::<StdSync>::new(1));
        let a = t.prepare(key(1));
        let b = t.prepare(key(2));
        let (ta, tb) = (t.clone(), t.clone());
        let ha = std::thread::spawn(move || ta.sleep(a));
        let hb = std::thread::spawn(move || tb.sleep(b));
        assert_eq!(t.wake(key(2), WakeMode::One), 1);
        hb.join().unwrap();
        assert!(!ha.is_finished());
        assert_eq!(t.wake(key(1), WakeMode::One), 1);
        ha.join().unwrap();
    }

    #[test]
    fn keys_spread_over_buckets() {
        let t = WaitTable::<StdSync>::new(DEFAULT_WAIT_BUCKETS);
        let used: std::collections::HashSet<_> =
            (0..64).map(|i| t.bucket_of(key(i * 512))).collect();
        assert!(used.len() > 32);
    }
}
