//! Counterexample traces, taken from the protocol's own `tracing` events.
//!
//! The protocol emits `tracing` events tagged with its mapping id. One global
//! subscriber ([`install`]) routes each event to the [`Recorder`] the emitting OS
//! thread works for (the one that last [entered](Recorder::enter) it: one per running
//! check), and, when `RUST_LOG` is set, also prints it live through
//! tracing-subscriber's `fmt` layer filtered by `EnvFilter`. The timeline of a failure
//! is therefore the same events `RUST_LOG=daxlock=debug` shows.
//!
//! Routing does not use the mapping id: that id is part of every wait key, so it must
//! depend on the scenario alone (see [`crate::check::runner::MAPPING_ID`]), and two
//! checks running at once in one process use the same one.

use serde::Serialize;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::{Event as TracingEvent, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{filter, EnvFilter};

/// A field value of a protocol event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An index, address, key or count.
    Int(u64),
    /// A flag.
    Bool(bool),
    /// A name or message.
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v:#x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

/// One protocol event as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The thread that emitted it: 0 for the scenario's main thread, N for `tN`.
    pub thread: usize,
    /// The event name (`grab`, `wait`, `wake`, `insert`, `warn`, `put`, ...).
    pub name: String,
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
        self.name == "warn"
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
        format!("{site}: {msg} ({})", rest.join(" "))
    }
}

/// JSON shape of one trace event: `{"thread": 1, "event": "grab", "index": "0x1001"}`.
impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.fields.len() + 2))?;
        m.serialize_entry("thread", &self.thread)?;
        m.serialize_entry("event", &self.name)?;
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

/// Collects the events of one mapping id during one execution.
///
/// Events are kept per OS thread: loom and shuttle run a whole execution on the OS
/// thread that called them, and the stateful checker's parallel workers each run
/// their own executions on their own OS thread, so one buffer per OS thread is one
/// buffer per execution. The buffer is a thread-local tagged with the recorder it
/// belongs to: recording an event takes no lock.
pub struct Recorder {
    thread_name: fn() -> Option<String>,
    id: u64,
    /// Real threads: one execution's events come from many OS threads, so they go
    /// to one shared buffer instead.
    shared: Option<Mutex<Vec<Event>>>,
}

thread_local! {
    /// The events of the execution running on this OS thread: (recorder, events).
    static BUFFER: RefCell<(u64, Vec<Event>)> = const { RefCell::new((0, Vec::new())) };
    /// The recorder this OS thread's protocol events go to.
    static CURRENT: RefCell<Option<Arc<Recorder>>> = const { RefCell::new(None) };
}

static NEXT_RECORDER: AtomicU64 = AtomicU64::new(1);

impl Recorder {
    /// A recorder that asks `thread_name` (the backend's) who emitted each event;
    /// `real_threads` when the backend runs model threads on OS threads of their own.
    pub fn new(thread_name: fn() -> Option<String>, real_threads: bool) -> Arc<Self> {
        install();
        Arc::new(Recorder {
            thread_name,
            id: NEXT_RECORDER.fetch_add(1, Ordering::Relaxed),
            shared: real_threads.then(Mutex::default),
        })
    }

    /// Sends the protocol events of this OS thread to this recorder from now on (until
    /// another recorder enters it). An execution's body enters it when it starts (see
    /// [`Recorder::reset`]); on real threads every scenario thread enters it too.
    pub fn enter(self: &Arc<Self>) {
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            if !c.as_ref().is_some_and(|r| Arc::ptr_eq(r, self)) {
                *c = Some(self.clone());
            }
        });
    }

    /// Enters this recorder on this OS thread and forgets the previous execution's
    /// events (of this OS thread).
    pub fn reset(self: &Arc<Self>) {
        self.enter();
        if let Some(shared) = &self.shared {
            shared.lock().unwrap_or_else(|p| p.into_inner()).clear();
            return;
        }
        BUFFER.with(|b| {
            let mut b = b.borrow_mut();
            b.0 = self.id;
            b.1.clear();
        });
    }

    fn with_events<R>(&self, f: impl FnOnce(&[Event]) -> R) -> R {
        if let Some(shared) = &self.shared {
            return f(&shared.lock().unwrap_or_else(|p| p.into_inner()));
        }
        BUFFER.with(|b| {
            let b = b.borrow();
            f(if b.0 == self.id { &b.1 } else { &[] })
        })
    }

    /// The events recorded since the last reset (on this OS thread).
    pub fn events(&self) -> Vec<Event> {
        self.with_events(<[Event]>::to_vec)
    }

    /// Whether a kernel WARN was recorded since the last reset (on this OS thread).
    pub fn has_warning(&self) -> bool {
        self.with_events(|e| e.iter().any(Event::is_warning))
    }

    fn push(&self, name: String, fields: Vec<(&'static str, Value)>) {
        let thread = (self.thread_name)()
            .and_then(|n| n.strip_prefix('t').and_then(|d| d.parse().ok()))
            .unwrap_or(0);
        let event = Event {
            thread,
            name,
            fields,
        };
        if let Some(shared) = &self.shared {
            shared.lock().unwrap_or_else(|p| p.into_inner()).push(event);
            return;
        }
        BUFFER.with(|b| {
            let mut b = b.borrow_mut();
            if b.0 != self.id {
                *b = (self.id, Vec::new());
            }
            b.1.push(event);
        });
    }
}

#[derive(Default)]
struct Fields {
    mapping: Option<u64>,
    name: Option<String>,
    fields: Vec<(&'static str, Value)>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "mapping" => self.mapping = Some(value),
            name => self.fields.push((name, Value::Int(value))),
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value as u64);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.push((field.name(), Value::Bool(value)));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "event" => self.name = Some(value.to_owned()),
            name => self.fields.push((name, Value::Str(value.to_owned()))),
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

struct CaptureLayer;

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &TracingEvent<'_>, _ctx: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        // Only the protocol's events carry a mapping; which check they belong to is
        // told by the emitting OS thread, not by the mapping id.
        let (Some(_), Some(name)) = (f.mapping, f.name) else {
            return;
        };
        CURRENT.with(|c| {
            if let Some(r) = &*c.borrow() {
                r.push(name, f.fields);
            }
        });
    }
}

/// Installs the global subscriber once: capture of protocol events for recorders,
/// and live printing to stderr when `RUST_LOG` is set.
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let capture = CaptureLayer.with_filter(filter::filter_fn(|m| {
            m.target().starts_with("daxlock::dax")
        }));
        // Without RUST_LOG no other layer is added at all: an absent layer would
        // declare interest in every callsite, and loom's and shuttle's own spans (one
        // per scheduling step) would then all be recorded.
        let _ = match std::env::var("RUST_LOG") {
            Ok(_) => tracing_subscriber::registry()
                .with(capture)
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(std::io::stderr)
                        .with_target(false)
                        .with_thread_names(true)
                        .with_filter(EnvFilter::from_default_env()),
                )
                .try_init(),
            Err(_) => tracing_subscriber::registry().with(capture).try_init(),
        };
    });
}
