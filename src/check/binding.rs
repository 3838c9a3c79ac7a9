//! A recorded schedule bound to what it was recorded on.
//!
//! A schedule (shuttle's hex string, or a stateful `s1:` path) only says which task
//! ran at each step: replayed on another scenario, another variant or another target
//! it may well run to the end and pass, which says nothing. So every schedule a check
//! reports carries a prefix, `@SSSSSSSS.TTTT.B:`, binding it to
//! - `SSSSSSSS`: a digest of the scenario's parsed content (its mapping and its
//!   threads' operations; not its path, name or expectations),
//! - `TTTT`: a digest of the target (its name and version, `model`, `kernel 6.1.172`),
//! - `B`: the variant, one bit per zoo bug (hex),
//!
//! and a replay whose binding differs from what it is asked to run on is refused
//! ([`super::CheckError::ScheduleBinding`]), naming what differs.

use super::target::Target;
use crate::dax::bugs::ALL_BUGS;
use crate::dax::Bugs;
use crate::scenario::Scenario;
use std::fmt;

/// What a schedule was recorded on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// Digest of the scenario's content.
    pub scenario: u32,
    /// Digest of the target's name and version.
    pub target: u16,
    /// The variant's bugs, bit `i` for [`ALL_BUGS`]`[i]`.
    pub bugs: u64,
}

/// 64-bit FNV-1a: a digest that is the same on every machine and build.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The target as a binding names it: its description up to any parenthesis
/// (`kernel 6.1.172`, not the tree's path, which differs between machines).
fn target_identity(target: &dyn Target) -> String {
    let d = target.describe();
    d.split(" (").next().unwrap_or(&d).trim().to_owned()
}

fn bug_bits(bugs: Bugs) -> u64 {
    let names = bugs.names();
    ALL_BUGS
        .iter()
        .enumerate()
        .filter(|(_, b)| names.contains(&b.name))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// The variant of a binding's bits, if every bit is a known bug.
fn bits_variant(bits: u64) -> Option<Bugs> {
    let mut bugs = Bugs::fixed();
    for i in 0..64 {
        if bits & (1 << i) != 0 {
            bugs = bugs.with(ALL_BUGS.get(i)?.name).ok()?;
        }
    }
    Some(bugs)
}

impl Binding {
    /// The binding of checks of `scenario` with `bugs` on `target`.
    pub fn of(target: &dyn Target, scenario: &Scenario, bugs: Bugs) -> Self {
        let mut config = scenario.config.clone();
        config.bugs = Bugs::fixed();
        let content = format!("{config:?}|{:?}", scenario.threads);
        let s = fnv(content.as_bytes());
        let t = fnv(target_identity(target).as_bytes());
        Binding {
            scenario: (s ^ (s >> 32)) as u32,
            target: (t ^ (t >> 16) ^ (t >> 32) ^ (t >> 48)) as u16,
            bugs: bug_bits(bugs),
        }
    }

    /// `schedule` with this binding in front.
    pub fn bind(&self, schedule: &str) -> String {
        format!("{self}{schedule}")
    }

    /// Splits a schedule into its binding (`None`: it has none, as schedules printed
    /// before bindings existed) and the schedule proper; an error if it starts like a
    /// binding but is not one.
    pub fn split(schedule: &str) -> Result<(Option<Binding>, &str), String> {
        let schedule = schedule.trim();
        let Some(rest) = schedule.strip_prefix('@') else {
            return Ok((None, schedule));
        };
        let bad = || {
            format!("`{schedule}`: unreadable binding (it starts `@SSSSSSSS.TTTT.B:`, as `run` prints it)")
        };
        let (head, inner) = rest.split_once(':').ok_or_else(bad)?;
        let mut fields = head.split('.');
        let (Some(s), Some(t), Some(b), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let binding = Binding {
            scenario: u32::from_str_radix(s, 16).map_err(|_| bad())?,
            target: u16::from_str_radix(t, 16).map_err(|_| bad())?,
            bugs: u64::from_str_radix(b, 16).map_err(|_| bad())?,
        };
        Ok((Some(binding), inner))
    }

    /// What differs between the binding a schedule was recorded with (`self`) and
    /// the one of what it is replayed on (`now`), as one line; `None` if nothing.
    pub fn differences(&self, now: &Binding) -> Option<String> {
        let mut what = Vec::new();
        if self.scenario != now.scenario {
            what.push(
                "scenario: recorded on another scenario's content (another file, or this one edited)"
                    .to_owned(),
            );
        }
        if self.bugs != now.bugs {
            let name = |bits| {
                bits_variant(bits)
                    .map_or_else(|| format!("unknown bugs {bits:#x}"), |b| b.variant())
            };
            let flags = bits_variant(self.bugs)
                .map(|b| {
                    let names = b.names();
                    if names.is_empty() {
                        "no --bug".to_owned()
                    } else {
                        names
                            .iter()
                            .map(|n| format!("--bug {n}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    }
                })
                .unwrap_or_default();
            what.push(format!(
                "variant: recorded with {}, replayed with {} (replay it with {flags})",
                name(self.bugs),
                name(now.bugs)
            ));
        }
        if self.target != now.target {
            what.push("target: recorded on another target (or another kernel version); pass the --target it was found on".to_owned());
        }
        (!what.is_empty()).then(|| what.join("; "))
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "@{:08x}.{:04x}.{:x}:",
            self.scenario, self.target, self.bugs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Model;

    fn seed(text: &str) -> Scenario {
        Scenario::from_toml(text, "x.toml").unwrap()
    }

    const S: &str = r#"name = "a"
[file]
size_pages = 0x400
[[vma]]
start = 0x7f0000000000
end = 0x7f0000400000
pgoff = 0
[[thread]]
ops = [ { op = "fault", addr = 0x7f0000000000 } ]
"#;

    /// A binding prints and reads back; it depends on the content, not the name; and
    /// each part that differs is named.
    #[test]
    fn bindings_round_trip_and_name_what_differs() {
        let a = seed(S);
        let bug = Bugs::fixed().with("misaligned-pmd").unwrap();
        let b = Binding::of(&Model, &a, bug);
        let bound = b.bind("s1:01");
        assert_eq!(Binding::split(&bound), Ok((Some(b), "s1:01")));
        assert_eq!(Binding::split("s1:01"), Ok((None, "s1:01")));
        assert!(Binding::split("@12.3:s1:").is_err());
        // Another name, same content: the same binding.
        let renamed = seed(&S.replace("name = \"a\"", "name = \"b\""));
        assert_eq!(Binding::of(&Model, &renamed, bug), b);
        assert_eq!(b.differences(&b), None);
        let fixed = Binding::of(&Model, &a, Bugs::fixed());
        let why = b.differences(&fixed).unwrap();
        assert!(why.starts_with("variant: recorded with misaligned-pmd, replayed with fixed (replay it with --bug misaligned-pmd)"), "{why}");
        let other = seed(&S.replace("0x7f0000000000 }", "0x7f0000001000 }"));
        let why = Binding::of(&Model, &other, bug).differences(&b).unwrap();
        assert!(why.starts_with("scenario:"), "{why}");
        let moved = Binding {
            target: b.target ^ 1,
            ..b
        };
        assert!(moved.differences(&b).unwrap().starts_with("target:"));
    }
}
