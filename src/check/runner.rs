//! The runner's paths, kept for the code that names them: the checker trait is in
//! [`super::checker`], running a check in [`super::run`], what it reports and how
//! executions fold into it in [`super::fold`], the panic hooks in [`super::panic`].

pub use super::checker::{
    Body, Checker, Control, Exploration, Numbering, Stop, SCHEDULE_MISFIT, STOP_REQUESTED,
};
pub use super::fold::{CheckError, CheckReport, Failure, Limits};
pub use super::panic::{classify_panic, panic_message, quiet_checker_panics};
pub use super::run::{check, check_limited, check_on, check_with, serial_guard};
pub use super::target::MAPPING_ID;
