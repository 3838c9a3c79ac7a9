//! Shared shuttle plumbing: a scheduler that records the choices it makes (so any
//! execution, failing by panic or not, can be replayed), and a per-iteration seeded
//! strategy so that budgets split across shards deterministically.
//!
//! Iteration `k` of a run with seed `S` always explores the same schedule, whichever
//! shard runs it: its strategy is seeded from `(S, k)` alone. Shard `I/N` runs
//! iterations `I, I+N, I+2N, ...`.

use super::checker::{Body, Exploration, Stop, SCHEDULE_MISFIT};
use super::panic::classify_panic;
use crate::sync::poison_free::Mutex;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use shuttle::{Config, FailurePersistence, Runner};
use shuttle_engine::scheduler::serialization::serialize_schedule;
use shuttle_engine::scheduler::ScheduleStep;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub use super::shard::Shard;

/// The seed of iteration `k` of a run seeded `seed` (SplitMix64 finalizer).
pub fn iteration_seed(seed: u64, k: usize) -> u64 {
    let mut z = seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How one execution picks the next task. One implementation per file: random, PCT.
pub trait Strategy: Send + 'static {
    /// How many deterministic calibration executions (`begin(None)`) every run starts
    /// with; each one's contended step count is then given to `calibrated`.
    fn calibrations(&self) -> usize {
        0
    }
    /// Starts an execution: seeded, or the calibration execution.
    fn begin(&mut self, seed: Option<u64>);
    /// Picks among `runnable`.
    fn pick(&mut self, runnable: &[&Task], current: Option<TaskId>, yielding: bool) -> TaskId;
    /// The calibration execution took `steps` contended steps.
    fn calibrated(&mut self, _steps: usize) {}
}

#[derive(Default)]
struct Recording {
    current: Schedule,
    contended: usize,
    calibration_steps: Option<usize>,
    kept: Vec<String>,
}

/// A shuttle scheduler over a [`Strategy`] that records every choice.
struct RecordingScheduler<S> {
    strategy: S,
    seed: u64,
    todo: std::vec::IntoIter<Option<usize>>,
    stop: Arc<AtomicBool>,
    started: bool,
    calibrating: bool,
    keep: Arc<AtomicBool>,
    rec: Arc<Mutex<Recording>>,
    rng: Pcg64Mcg,
}

impl<S> RecordingScheduler<S> {
    fn rec(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.rec.lock()
    }

    fn finish_previous(&mut self) {
        if self.started && self.keep.swap(false, Ordering::Relaxed) {
            let mut r = self.rec();
            let s = encode_shuttle_schedule(&r.current);
            r.kept.push(s);
        }
    }
}

impl<S: Strategy> Scheduler for RecordingScheduler<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.finish_previous();
        if self.calibrating {
            let steps = self.rec().contended;
            let mut r = self.rec();
            r.calibration_steps = Some(r.calibration_steps.unwrap_or(0).max(steps));
            drop(r);
            self.strategy.calibrated(steps);
        }
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        let k = self.todo.next()?;
        self.started = true;
        self.calibrating = k.is_none();
        let seed = k.map_or(self.seed, |k| iteration_seed(self.seed, k));
        self.strategy.begin(k.map(|_| seed));
        self.rng = Pcg64Mcg::seed_from_u64(seed);
        let schedule = Schedule::new(seed);
        let mut r = self.rec();
        r.current = schedule.clone();
        r.contended = 0;
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        let t = self.strategy.pick(runnable, current, yielding);
        let mut r = self.rec();
        r.current.push_task(t);
        if runnable.len() > 1 {
            r.contended += 1;
        }
        Some(t)
    }

    fn next_u64(&mut self) -> u64 {
        self.rec().current.push_random();
        self.rng.gen()
    }
}

/// The shuttle configuration every checker uses: no failure printing (the harness
/// reports), no warnings.
pub fn config() -> Config {
    let mut c = Config::new();
    c.failure_persistence = FailurePersistence::None;
    c.silence_warnings = true;
    c
}

/// Runs `body` for every iteration of `shard` under `strategy` (after the strategy's
/// calibration execution, if it has one).
pub fn explore<S: Strategy>(
    strategy: S,
    seed: u64,
    iterations: usize,
    shard: Shard,
    body: Body,
) -> Exploration {
    let keep = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let rec = Arc::new(Mutex::new(Recording::default()));
    let todo: Vec<Option<usize>> = std::iter::repeat_n(None, strategy.calibrations())
        .chain(shard.iterations(iterations).map(Some))
        .collect();
    let scheduler = RecordingScheduler {
        strategy,
        seed,
        todo: todo.into_iter(),
        stop: stop.clone(),
        started: false,
        calibrating: false,
        keep: keep.clone(),
        rec: rec.clone(),
        rng: Pcg64Mcg::seed_from_u64(seed),
    };
    let executions = Arc::new(AtomicUsize::new(0));
    let counted = executions.clone();
    let keep_flag = keep.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config()).run(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            let control = body.run();
            keep_flag.store(control.keep, Ordering::Relaxed);
            stop.store(control.stop, Ordering::Relaxed);
        })
    }));
    let n = executions.load(Ordering::Relaxed);
    let mut r = rec.lock();
    if keep.swap(false, Ordering::Relaxed) {
        let s = encode_shuttle_schedule(&r.current);
        r.kept.push(s);
    }
    let kept = std::mem::take(&mut r.kept);
    let steps = r.calibration_steps;
    match result {
        Ok(_) => Exploration {
            executions: n,
            complete: true,
            kept,
            steps,
            ..Exploration::default()
        },
        Err(payload) => Exploration {
            executions: n,
            stop: Some(classify_panic(payload.as_ref())),
            stop_schedule: Some(encode_shuttle_schedule(&r.current)),
            kept,
            steps,
            ..Exploration::default()
        },
    }
}

/// A schedule as one line of hex digits: shuttle's encoding, without the line breaks
/// it puts every 76 characters (a reproduce command must paste as one line).
pub fn encode_shuttle_schedule(schedule: &Schedule) -> String {
    serialize_schedule(schedule).split_whitespace().collect()
}

/// Decodes a schedule written by [`encode_shuttle_schedule`] (or by shuttle; whitespace is
/// ignored), checking every field: shuttle's own decoder panics on a string too short
/// and allocates whatever step count a string claims.
///
/// The format (shuttle-engine's): the byte `0x91`, then three LEB128 varints (bits per
/// task id, number of steps, seed), then the steps packed least significant bit
/// first: `1` for a random value, or `0` and the task id in that many bits.
pub fn decode_shuttle_schedule(text: &str) -> Result<Schedule, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() {
        return Err(
            "the schedule is empty: pass the one `run` printed (hex digits, or a stateful s1: path)"
                .to_owned(),
        );
    }
    let bad = |why: &str| format!("`{}` is not a shuttle schedule ({why})", text.trim());
    let bytes = digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).ok().filter(|p| p.len() == 2)?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| bad("not an even number of hex digits"))?;
    let (&magic, mut rest) = bytes.split_first().ok_or_else(|| bad("empty"))?;
    if magic != 0x91 {
        return Err(bad("unknown format"));
    }
    let mut varint = || -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, tail) = rest.split_first()?;
            rest = tail;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return None;
            }
            value |= bits << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    };
    let (Some(task_bits), Some(len), Some(seed)) = (varint(), varint(), varint()) else {
        return Err(bad("truncated header"));
    };
    let task_bits = usize::try_from(task_bits)
        .ok()
        .filter(|b| (1..=16).contains(b))
        .ok_or_else(|| bad("bad task id width"))?;
    let available = rest.len() * 8;
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l <= available)
        .ok_or_else(|| bad("it claims more steps than it holds"))?;
    let bit = |i: usize| (rest[i / 8] >> (i % 8)) & 1 == 1;
    let mut steps = Vec::with_capacity(len);
    let mut at = 0;
    for _ in 0..len {
        if at >= available {
            return Err(bad("truncated steps"));
        }
        if bit(at) {
            steps.push(ScheduleStep::Random);
            at += 1;
        } else {
            if at + 1 + task_bits > available {
                return Err(bad("truncated steps"));
            }
            let id = (0..task_bits).fold(0usize, |v, k| v | usize::from(bit(at + 1 + k)) << k);
            steps.push(ScheduleStep::Task(TaskId::from(id)));
            at += 1 + task_bits;
        }
    }
    Ok(Schedule { seed, steps })
}

/// Follows one recorded schedule step by step; where the execution departs from it
/// (a task not runnable, a step missing), it notes the misfit and stops the execution
/// instead of panicking as shuttle's `ReplayScheduler` does.
struct Replaying {
    schedule: Schedule,
    next: Arc<AtomicUsize>,
    misfit: Arc<AtomicBool>,
    started: bool,
    rng: Pcg64Mcg,
}

impl Replaying {
    fn departs(&mut self) {
        self.misfit.store(true, Ordering::Relaxed);
    }
}

impl Scheduler for Replaying {
    fn new_execution(&mut self) -> Option<Schedule> {
        if std::mem::replace(&mut self.started, true) {
            return None;
        }
        Some(Schedule::new(self.schedule.seed))
    }

    fn next_task(&mut self, runnable: &[&Task], _: Option<TaskId>, _: bool) -> Option<TaskId> {
        let i = self.next.load(Ordering::Relaxed);
        match self.schedule.steps.get(i) {
            Some(&ScheduleStep::Task(t)) if runnable.iter().any(|r| r.id() == t) => {
                self.next.store(i + 1, Ordering::Relaxed);
                Some(t)
            }
            _ => {
                self.departs();
                None
            }
        }
    }

    fn next_u64(&mut self) -> u64 {
        let i = self.next.load(Ordering::Relaxed);
        if matches!(self.schedule.steps.get(i), Some(ScheduleStep::Random)) {
            self.next.store(i + 1, Ordering::Relaxed);
        } else {
            self.departs();
        }
        self.rng.gen()
    }
}

/// Reruns one recorded schedule (decoded by [`decode_shuttle_schedule`]; `text` is how it is
/// printed again). Kernel developers get this as `daxlock replay`. An execution that
/// departs from the schedule, or ends before or after it, stops with
/// [`SCHEDULE_MISFIT`]: the schedule is of another scenario or variant.
pub fn replay(schedule: &Schedule, text: &str, body: Body) -> Exploration {
    let next = Arc::new(AtomicUsize::new(0));
    let misfit = Arc::new(AtomicBool::new(false));
    let scheduler = Replaying {
        schedule: schedule.clone(),
        next: next.clone(),
        misfit: misfit.clone(),
        started: false,
        rng: Pcg64Mcg::seed_from_u64(schedule.seed),
    };
    let executions = Arc::new(AtomicUsize::new(0));
    let keep = Arc::new(AtomicBool::new(false));
    let (counted, kept) = (executions.clone(), keep.clone());
    let result = catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config()).run(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            kept.store(body.run().keep, Ordering::Relaxed);
        })
    }));
    let n = executions.load(Ordering::Relaxed);
    let followed = next.load(Ordering::Relaxed) == schedule.steps.len();
    let stop = match result {
        _ if misfit.load(Ordering::Relaxed) || !followed => {
            Some(Stop::Crash(SCHEDULE_MISFIT.to_owned()))
        }
        Ok(_) => None,
        Err(payload) => Some(classify_panic(payload.as_ref())),
    };
    Exploration {
        executions: n,
        complete: stop.is_none(),
        stop_schedule: stop.is_some().then(|| text.to_owned()),
        // A failure the execution kept is this schedule's.
        kept: keep
            .load(Ordering::Relaxed)
            .then(|| text.to_owned())
            .into_iter()
            .collect(),
        stop,
        ..Exploration::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder reads what shuttle's encoder writes, long schedules (several task
    /// id widths, random steps) included, and refuses what is not a schedule.
    #[test]
    fn schedules_round_trip_through_shuttle_encoding() {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        for len in [0usize, 1, 5, 64, 300] {
            for max_task in [1usize, 2, 5, 40, 1000] {
                let mut s = Schedule::new(rng.gen());
                for _ in 0..len {
                    if rng.gen_ratio(1, 5) {
                        s.push_random();
                    } else {
                        s.push_task(TaskId::from(rng.gen_range(0..max_task)));
                    }
                }
                let wrapped = serialize_schedule(&s);
                assert_eq!(decode_shuttle_schedule(&wrapped).as_ref(), Ok(&s));
                let one_line = encode_shuttle_schedule(&s);
                assert!(!one_line.contains(char::is_whitespace));
                assert_eq!(decode_shuttle_schedule(&one_line), Ok(s));
            }
        }
        for bad in [
            "",
            " ",
            "zz",
            "9",
            "00",
            "91",
            "9101",
            "910100",
            "91ffffffffffffffffff01",
        ] {
            assert!(decode_shuttle_schedule(bad).is_err(), "{bad:?}");
        }
        // A step count larger than the bits that follow: refused, not allocated.
        assert!(decode_shuttle_schedule("9101ffffffffffffffff0000").is_err());
    }
}
