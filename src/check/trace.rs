//! Counterexample traces: the protocol's own events, as the mapping's observer
//! hears them.
//!
//! The runner hands each execution's mapping a [`Recorder`] (an
//! [`Observer`]); the timeline of a failure is what it
//! recorded. The same events are `tracing` events: when `RUST_LOG` is set,
//! [`install`] prints them live through tracing-subscriber's `fmt` layer filtered by
//! `EnvFilter`. No verdict depends on `tracing`.

use crate::dax::observe::Observer;
pub use crate::dax::observe::Value;
use crate::dax::{Branch, BranchSet};
use crate::sync::poison_free::Mutex;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The name of a kernel WARN condition's event.
const WARN: &str = "warn";

/// One protocol event as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The thread that emitted it: 0 for the scenario's main thread, N for `tN`.
    pub thread: usize,
    /// The event name (`grab`, `wait`, `wake`, `insert`, `warn`, `put`, ...).
    pub name: &'static str,
    /// Its fields, in emission order (without `mapping` and `event`).
    pub fields: Vec<(&'static str, Value)>,
}

impl Event {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// `key=value ...` of the fields.
    pub fn fields_text(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.fields {
            let _ = match (k, v) {
                (&"woken", Value::Int(n)) => write!(s, " {k}={n}"),
                _ => write!(s, " {k}={v}"),
            };
        }
        s.trim_start().to_owned()
    }

    /// Whether this is a kernel WARN condition.
    pub fn is_warning(&self) -> bool {
        self.name == WARN
    }

    /// A WARN's one-line description.
    pub fn warning_text(&self) -> String {
        let site = self
            .field("site")
            .map(|v| v.to_string())
            .unwrap_or_default();
        let msg = self.field("msg").map(|v| v.to_string()).unwrap_or_default();
        let rest: Vec<String> = self
            .fields
            .iter()
            .filter(|(k, _)| *k != "site" && *k != "msg")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let head = [site, msg]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        match (head.is_empty(), rest.is_empty()) {
            (_, true) => head,
            (true, false) => rest.join(" "),
            (false, false) => format!("{head} ({})", rest.join(" ")),
        }
    }
}

/// JSON shape of one trace event: `{"thread": 1, "event": "grab", "index": "0x1001"}`.
impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.fields.len() + 2))?;
        m.serialize_entry("thread", &self.thread)?;
        m.serialize_entry("event", self.name)?;
        for (k, v) in &self.fields {
            match v {
                Value::Bool(b) => m.serialize_entry(k, b)?,
                Value::Int(n) if *k == "woken" => m.serialize_entry(k, n)?,
                other => m.serialize_entry(k, &other.to_string())?,
            }
        }
        m.end()
    }
}

/// Renders events as a per-thread timeline: one line each, in global order, indented
/// into one column per thread.
pub fn timeline(events: &[Event]) -> String {
    let mut out = String::new();
    for (i, e) in events.iter().enumerate() {
        let who = if e.thread == 0 {
            "main".to_owned()
        } else {
            format!("t{}", e.thread)
        };
        let indent = "    ".repeat(e.thread.saturating_sub(1));
        let mark = if e.is_warning() { "!! " } else { "" };
        let _ = writeln!(
            out,
            "{:>4}  {:<4} {indent}{mark}{} {}",
            i + 1,
            who,
            e.name,
            e.fields_text()
        );
    }
    out
}

/// Collects the protocol events of one check's executions (it is their mappings'
/// observer).
///
/// Events are kept per OS thread: loom and shuttle run a whole execution on the OS
/// thread that called them, and the stateful checker's parallel workers each run
/// their own executions on their own OS thread, so one buffer per OS thread is one
/// buffer per execution. The buffer is a thread-local tagged with the recorder it
/// belongs to: recording an event takes no lock.
///
/// Beside the events, it keeps the set of branches the execution visited (one bit
/// each, [`BranchSet`]), which the runner takes when the execution ends
/// ([`Recorder::take_visited`]) and counts into the check's coverage.
pub struct Recorder {
    thread_name: fn() -> Option<String>,
    /// The backend's [`Backend::thread_number`](crate::sync::Backend::thread_number).
    thread_number: fn() -> usize,
    id: u64,
    /// Real threads: one execution's events come from many OS threads, so they go
    /// to one shared buffer instead.
    shared: Option<Mutex<Vec<Event>>>,
    /// Real threads: the branches of the execution running.
    shared_visited: AtomicU64,
}

/// One OS thread's execution: whose recorder, how many of [`LOG`]'s events are
/// its, its branches. A stateful snapshot copies these few words
/// ([`buffer_region`]); the events themselves are in [`LOG`], outside the
/// checker's arena, and only appended to while an execution runs: a restore puts
/// back the count, and what lies past it (events of the execution the restore
/// replaced) is dropped before the log is next appended to or read
/// ([`Log::keep`]). Every snapshot restored is of a point on the execution's own
/// path (the search's levels), so the events before its count are still its own.
#[derive(Clone, Copy)]
struct Buffer {
    recorder: u64,
    /// This execution's events: the first `events` of [`LOG`]'s.
    events: usize,
    visited: BranchSet,
    /// Some event is a warning ([`Event::is_warning`]): noted at the push, so that
    /// [`Recorder::has_warning`], asked at the end of every execution, does not
    /// scan the events (a restore puts it back with the count).
    warned: bool,
}

impl Buffer {
    const EMPTY: Buffer = Buffer {
        recorder: 0,
        events: 0,
        visited: BranchSet::EMPTY,
        warned: false,
    };

    /// This buffer, emptied first if it holds another recorder's execution.
    fn of(&mut self, recorder: u64) -> &mut Self {
        if self.recorder != recorder {
            *self = Buffer {
                recorder,
                ..Buffer::EMPTY
            };
        }
        self
    }
}

/// One recorded event in [`LOG`]: its fields are the log's from the previous
/// event's `end` to its own.
struct Entry {
    thread: usize,
    name: &'static str,
    end: usize,
}

/// The events of this OS thread's executions, in memory of the system's heap
/// (never the stateful checker's arena: a snapshot copies none of it).
#[derive(Default)]
struct Log {
    entries: Vec<Entry>,
    fields: Vec<(&'static str, Value)>,
}

impl Log {
    /// Keeps the first `n` events (the buffer's count), dropping those past it.
    /// Outside the arena's mode: what it drops is the system's.
    fn keep(&mut self, n: usize) {
        if self.entries.len() > n {
            crate::sync::stateful_backend::arena::outside(|| {
                self.entries.truncate(n);
                let end = self.entries.last().map_or(0, |e| e.end);
                self.fields.truncate(end);
            });
        }
    }

    /// The first `n` events, as [`Event`]s.
    fn events(&mut self, n: usize) -> Vec<Event> {
        self.keep(n);
        let mut start = 0;
        self.entries
            .iter()
            .map(|e| {
                let fields = self.fields[start..e.end].to_vec();
                start = e.end;
                Event {
                    thread: e.thread,
                    name: e.name,
                    fields,
                }
            })
            .collect()
    }
}

thread_local! {
    /// The execution running on this OS thread.
    static BUFFER: RefCell<Buffer> = const { RefCell::new(Buffer::EMPTY) };
    /// Its events (see [`Buffer`]).
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

static NEXT_RECORDER: AtomicU64 = AtomicU64::new(1);

/// The bytes of this OS thread's execution buffer (its recorder, count of events
/// and branches), which a stateful snapshot copies with the execution.
pub(crate) fn buffer_region() -> crate::sync::stateful_backend::runtime::Region {
    BUFFER.with(crate::sync::stateful_backend::runtime::Region::of)
}

/// Empties this OS thread's execution buffer: the next reset starts anew.
pub(crate) fn forget_buffer() {
    BUFFER.with(|b| *b.borrow_mut() = Buffer::EMPTY);
    LOG.with(|l| l.borrow_mut().keep(0));
}

impl Observer for Recorder {
    fn event(&self, name: &'static str, fields: Vec<(&'static str, Value)>) {
        self.push(name, fields);
    }

    fn branch(&self, branch: Branch) {
        if self.shared.is_some() {
            self.shared_visited
                .fetch_or(1 << branch.index(), Ordering::Relaxed);
            return;
        }
        BUFFER.with(|b| b.borrow_mut().of(self.id).visited.insert(branch));
    }
}

impl Recorder {
    /// A recorder that asks backend `B` which model thread emitted each event
    /// ([`Backend::thread_number`](crate::sync::Backend::thread_number)); with one
    /// shared buffer when `B` runs model threads on OS threads of their own.
    pub fn new<B: crate::sync::Backend>() -> Arc<Self> {
        install();
        Arc::new(Recorder {
            thread_name: B::thread_name,
            thread_number: B::thread_number,
            id: NEXT_RECORDER.fetch_add(1, Ordering::Relaxed),
            shared: B::REAL_THREADS.then(Mutex::default),
            shared_visited: AtomicU64::new(0),
        })
    }

    /// Forgets the previous execution's events and branches (of this OS thread), and
    /// tells the live log how to name the model threads running on this OS thread.
    pub fn reset(&self) {
        MODEL_THREAD_NAME.with(|n| n.set(Some(self.thread_name)));
        if let Some(shared) = &self.shared {
            shared.lock().clear();
            self.shared_visited.store(0, Ordering::Relaxed);
            return;
        }
        BUFFER.with(|b| {
            let mut b = b.borrow_mut();
            let b = b.of(self.id);
            b.events = 0;
            b.visited = BranchSet::EMPTY;
            b.warned = false;
        });
    }

    /// The branches visited since the last reset or take (on this OS thread), and
    /// forgets them: an execution's branches are counted once.
    pub fn take_visited(&self) -> BranchSet {
        if self.shared.is_some() {
            return BranchSet::from_bits(self.shared_visited.swap(0, Ordering::Relaxed));
        }
        BUFFER.with(|b| std::mem::take(&mut b.borrow_mut().of(self.id).visited))
    }

    /// How many of this OS thread's [`LOG`] events are this recorder's execution's.
    fn count(&self) -> usize {
        BUFFER.with(|b| {
            let b = b.borrow();
            if b.recorder == self.id {
                b.events
            } else {
                0
            }
        })
    }

    /// The events recorded since the last reset (on this OS thread).
    pub fn events(&self) -> Vec<Event> {
        if let Some(shared) = &self.shared {
            return shared.lock().clone();
        }
        let n = self.count();
        LOG.with(|l| l.borrow_mut().events(n))
    }

    /// Whether a kernel WARN was recorded since the last reset (on this OS thread).
    pub fn has_warning(&self) -> bool {
        if let Some(shared) = &self.shared {
            return shared.lock().iter().any(Event::is_warning);
        }
        BUFFER.with(|b| {
            let b = b.borrow();
            b.recorder == self.id && b.warned
        })
    }

    fn push(&self, name: &'static str, fields: Vec<(&'static str, Value)>) {
        let thread = (self.thread_number)();
        if let Some(shared) = &self.shared {
            shared.lock().push(Event {
                thread,
                name,
                fields,
            });
            return;
        }
        let n = BUFFER.with(|b| {
            let mut b = b.borrow_mut();
            let b = b.of(self.id);
            b.warned |= name == WARN;
            b.events += 1;
            b.events - 1
        });
        // Into the system's heap, whatever the mode: the fields are copied (a
        // name's string too) and the execution's own vector dropped where it was
        // made (the arena, with snapshots).
        crate::sync::stateful_backend::arena::outside(|| {
            LOG.with(|l| {
                let mut l = l.borrow_mut();
                l.keep(n);
                l.fields.extend(fields.iter().cloned());
                let end = l.fields.len();
                l.entries.push(Entry { thread, name, end });
            });
        });
        drop(fields);
    }
}

/// The model thread a backend's thread name stands for: N for `tN`, else 0 (the
/// execution's own thread).
fn thread_number(name: Option<String>) -> usize {
    crate::sync::thread_number_of(name.as_deref())
}

/// A backend's [`Backend::thread_name`](crate::sync::Backend::thread_name).
type ThreadNameFn = fn() -> Option<String>;

thread_local! {
    /// The backend's thread-name function of the check whose executions run on this
    /// OS thread (loom, shuttle and stateful run every model thread of an execution
    /// on one OS thread, so only the backend can tell them apart); set by
    /// [`Recorder::reset`] at the start of every execution.
    static MODEL_THREAD_NAME: Cell<Option<ThreadNameFn>> = const { Cell::new(None) };
}

/// Forgets this OS thread's backend (a check on it ended: the backend's thread names
/// work only inside its executions).
pub fn forget_model_threads() {
    MODEL_THREAD_NAME.with(|n| n.set(None));
}

/// `t1`, `t2`... for the model thread emitting a log line, `main` for the execution's
/// own thread; the OS thread's name outside any check.
fn log_thread_name() -> String {
    match MODEL_THREAD_NAME.with(Cell::get) {
        Some(name) => match thread_number(name()) {
            0 => "main".to_owned(),
            n => format!("t{n}"),
        },
        None => {
            let os = std::thread::current().name().map(str::to_owned);
            match thread_number(os.clone()) {
                0 => os.unwrap_or_else(|| "?".to_owned()),
                n => format!("t{n}"),
            }
        }
    }
}

/// Formats a log line as the timeline does: level, model thread, event name, then
/// `key=value` with integers in hex (except `woken`, a count), no `mapping` id.
struct LogLine;

#[derive(Default)]
struct LogFields {
    event: Option<String>,
    message: Option<String>,
    rest: String,
}

impl tracing::field::Visit for LogFields {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        match field.name() {
            "mapping" => {}
            "woken" => {
                let _ = write!(self.rest, " woken={value}");
            }
            name => {
                let _ = write!(self.rest, " {name}={value:#x}");
            }
        }
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        match u64::try_from(value) {
            Ok(v) => self.record_u64(field, v),
            Err(_) => {
                let _ = write!(self.rest, " {}={value}", field.name());
            }
        }
    }

    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        let _ = write!(self.rest, " {}={value}", field.name());
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "event" => self.event = Some(value.to_owned()),
            "message" => self.message = Some(value.to_owned()),
            name => {
                let _ = write!(self.rest, " {name}={value}");
            }
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = Some(format!("{value:?}")),
            name => {
                let _ = write!(self.rest, " {name}={value:?}");
            }
        }
    }
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for LogLine
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        // Only our own events are emitted inside a model execution, where the backend
        // can name the model thread.
        let who = if meta.target().starts_with("daxlock") {
            log_thread_name()
        } else {
            std::thread::current().name().unwrap_or("?").to_owned()
        };
        let mut fields = LogFields::default();
        event.record(&mut fields);
        write!(writer, "{:>5} {who:<4}", meta.level())?;
        if let Some(e) = &fields.event {
            let mark = if e == "warn" { "!! " } else { "" };
            write!(writer, " {mark}{e}")?;
        }
        if let Some(m) = &fields.message {
            write!(writer, " {m}")?;
        }
        writeln!(writer, "{}", fields.rest)
    }
}

/// Installs, once, a global subscriber that prints protocol events live to stderr
/// when `RUST_LOG` is set (nothing otherwise: then `tracing` events cost nothing).
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("RUST_LOG").is_none() {
            return;
        }
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .event_format(LogLine)
                    .with_filter(EnvFilter::from_default_env()),
            )
            .try_init();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warn(fields: Vec<(&'static str, Value)>) -> Event {
        Event {
            thread: 1,
            name: "warn",
            fields,
        }
    }

    /// A recorder of this OS thread's buffer, outside any backend.
    fn recorder() -> Recorder {
        Recorder {
            thread_name: || None,
            thread_number: || 1,
            id: NEXT_RECORDER.fetch_add(1, Ordering::Relaxed),
            shared: None,
            shared_visited: AtomicU64::new(0),
        }
    }

    /// A warning is known from its push to the next reset, for the recorder whose
    /// execution the thread's buffer holds (as a scan of the events finds it).
    #[test]
    fn a_warning_is_noted_at_its_push() {
        let (r, other) = (recorder(), recorder());
        r.reset();
        r.event("grab", Vec::new());
        assert!(!r.has_warning());
        r.event("warn", Vec::new());
        r.event("put", Vec::new());
        assert!(r.has_warning());
        assert!(r.events().iter().any(Event::is_warning));
        assert!(!other.has_warning(), "another recorder's execution");
        r.reset();
        assert!(!r.has_warning(), "reset");
        r.event("warn", Vec::new());
        other.reset();
        assert!(!r.has_warning(), "the buffer went to another recorder");
        forget_buffer();
        assert!(!r.has_warning() && !other.has_warning());
    }

    fn names(r: &Recorder) -> Vec<&'static str> {
        r.events().iter().map(|e| e.name).collect()
    }

    /// A stateful snapshot copies the buffer's few words, not the events: putting
    /// back the count (as a restore does) drops the events recorded past it
    /// before the log is next read or appended to. With the log kept whole, the
    /// restored execution's trace holds the replaced execution's events.
    #[test]
    fn a_restored_count_drops_the_events_past_it() {
        let r = recorder();
        r.reset();
        r.event("a", vec![("index", Value::from(1))]);
        r.event(
            "b",
            vec![("index", Value::from(2)), ("woken", Value::from(3))],
        );
        let mark = BUFFER.with(|b| *b.borrow());
        r.event("c", vec![]);
        r.event("warn", vec![("site", Value::from("insert"))]);
        assert_eq!(names(&r), ["a", "b", "c", "warn"]);
        assert!(r.has_warning());
        BUFFER.with(|b| *b.borrow_mut() = mark);
        assert!(!r.has_warning(), "the WARN was past the restored count");
        r.event("d", vec![("index", Value::from(4))]);
        let events = r.events();
        assert_eq!(
            events.iter().map(|e| e.name).collect::<Vec<_>>(),
            ["a", "b", "d"]
        );
        assert_eq!(events[1].fields.len(), 2);
        assert_eq!(events[2].field("index"), Some(&Value::from(4)));
    }

    /// Events recorded while an execution runs in the stateful checker's arena
    /// are kept in the system's heap (their strings too): a snapshot does not
    /// copy them, and a restore does not overwrite them.
    #[test]
    fn events_recorded_in_the_arena_are_kept_outside_it() {
        use crate::sync::stateful_backend::arena;
        let r = recorder();
        arena::arm(true);
        arena::reset();
        arena::inside(|| {
            r.reset();
            let fields = vec![("site", Value::from("insert".to_owned()))];
            assert!(arena::contains(fields.as_ptr().cast()));
            r.event("warn", fields);
        });
        arena::arm(false);
        LOG.with(|l| {
            let l = l.borrow();
            assert!(!arena::contains(l.entries.as_ptr().cast()));
            assert!(!arena::contains(l.fields.as_ptr().cast()));
            match &l.fields[0].1 {
                Value::Str(std::borrow::Cow::Owned(s)) => {
                    assert!(!arena::contains(s.as_ptr()), "the string copied out");
                }
                other => panic!("the name's string: {other:?}"),
            }
        });
        assert_eq!(names(&r), ["warn"]);
    }

    /// A WARN's line names what it has: the model's site, message and extra fields
    /// as before; the kernel target's one `kernel` field without an empty site and
    /// message in front of it (it printed `WARN :  (kernel=...)`).
    #[test]
    fn a_warning_line_names_only_the_fields_it_has() {
        let model = warn(vec![
            ("site", Value::from("insert".to_owned())),
            ("msg", Value::from("entry mismatch".to_owned())),
            ("index", Value::from("0x10".to_owned())),
        ]);
        assert_eq!(model.warning_text(), "insert: entry mismatch (index=0x10)");
        let bare = warn(vec![
            ("site", Value::from("insert".to_owned())),
            ("msg", Value::from("entry mismatch".to_owned())),
        ]);
        assert_eq!(bare.warning_text(), "insert: entry mismatch");
        let kernel = warn(vec![(
            "kernel",
            Value::from("WARN_ON at f() fs/dax.c:1: c".to_owned()),
        )]);
        assert_eq!(kernel.warning_text(), "kernel=WARN_ON at f() fs/dax.c:1: c");
    }
}
