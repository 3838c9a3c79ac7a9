//! Protocol events, for whoever watches: the harness's trace recorder, and `tracing`
//! (`RUST_LOG=daxlock=debug`).
//!
//! Every protocol step worth a line in a counterexample (grab, wait, wake, insert, a
//! kernel WARN...) is reported twice by the `dax_event!` / `dax_warn!` macros: to the
//! mapping's [`Observer`], if the runner gave it one, with typed values; and as a
//! `tracing` event, which costs nothing unless a subscriber listens. Verdicts rest on
//! the observer alone, so they do not depend on which `tracing` subscriber the process
//! happens to have.
//!
//! Branch visits (see [`super::branch`]) go to [`Observer::branch`] alone: they are
//! counted, not printed in timelines.

use super::branch::Branch;
use std::borrow::Cow;
use std::fmt;

/// A field value of a protocol event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An index, address, key or count.
    Int(u64),
    /// A flag.
    Bool(bool),
    /// A name or message.
    Str(Cow<'static, str>),
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

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&'static str> for Value {
    fn from(v: &'static str) -> Self {
        Value::Str(Cow::Borrowed(v))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(Cow::Owned(v))
    }
}

/// Receives a mapping's protocol events, in the order its threads emit them.
pub trait Observer: Send + Sync {
    /// One event: its name (`grab`, `wait`, `warn`...) and fields.
    fn event(&self, name: &'static str, fields: Vec<(&'static str, Value)>);

    /// The protocol took `branch` (see [`Branch`]). Ignored unless overridden.
    fn branch(&self, branch: Branch) {
        let _ = branch;
    }
}
