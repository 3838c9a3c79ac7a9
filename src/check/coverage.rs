//! Branch coverage: per check, how many executions visited each protocol branch
//! (see [`crate::dax::branch`]).
//!
//! The recorder (the mapping's observer, [`super::trace::Recorder`]) keeps one bit
//! per branch for the execution running; the runner folds each execution's bits
//! into the check's [`Coverage`] when the execution ends, however it ends: finished,
//! cut early by the stateful checker, or stopped at a hang. The same code path for
//! every checker.

use crate::dax::{Branch, BranchSet};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Executions that visited each branch, over one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    counts: [usize; Branch::COUNT],
}

impl Default for Coverage {
    fn default() -> Self {
        Coverage {
            counts: [0; Branch::COUNT],
        }
    }
}

impl Coverage {
    /// Counts one execution that visited `visited`.
    pub fn add(&mut self, visited: BranchSet) {
        for i in indices(visited) {
            self.counts[i] += 1;
        }
    }

    /// Adds another check's counts.
    pub fn merge(&mut self, other: &Coverage) {
        for (c, o) in self.counts.iter_mut().zip(other.counts) {
            *c += o;
        }
    }

    /// Executions that visited `b`.
    pub fn get(&self, b: Branch) -> usize {
        self.counts[b.index()]
    }

    /// The branches at least one execution visited.
    pub fn visited(&self) -> BranchSet {
        Branch::ALL
            .into_iter()
            .filter(|b| self.get(*b) > 0)
            .collect()
    }

    /// Every branch with its count, in [`Branch::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Branch, usize)> + '_ {
        Branch::ALL.into_iter().map(|b| (b, self.get(b)))
    }
}

/// The indices of the branches in `visited`, lowest first (bit `i` is the branch
/// of index `i`): an execution visits a few of the branches, and this runs per
/// execution.
fn indices(visited: BranchSet) -> impl Iterator<Item = usize> {
    let mut bits = visited.bits();
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            i
        })
    })
}

/// One OS thread's branch counts, read by others once it is done: atomics that only
/// their thread writes (a load and a store each, no read-modify-write: nobody else
/// writes them), so that counting costs what a plain [`Coverage::add`] does, and
/// the counts can be taken from another thread once this one is joined or idle.
#[derive(Debug)]
pub struct ThreadCoverage {
    counts: [AtomicUsize; Branch::COUNT],
}

impl Default for ThreadCoverage {
    fn default() -> Self {
        ThreadCoverage {
            counts: std::array::from_fn(|_| AtomicUsize::new(0)),
        }
    }
}

impl ThreadCoverage {
    /// Counts one execution that visited `visited`; only this value's own thread
    /// calls this.
    pub fn add(&self, visited: BranchSet) {
        for i in indices(visited) {
            let c = &self.counts[i];
            c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
    }

    /// The counts so far, as a [`Coverage`].
    pub fn counted(&self) -> Coverage {
        Coverage {
            counts: std::array::from_fn(|i| self.counts[i].load(Ordering::Acquire)),
        }
    }
}

/// JSON: `{"grab-wait": 12, "grab-pte-exists": 0, ...}`, every branch, in
/// [`Branch::ALL`] order.
impl Serialize for Coverage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(Branch::COUNT))?;
        for (b, n) in self.iter() {
            m.serialize_entry(b.name(), &n)?;
        }
        m.end()
    }
}

/// Read back from its JSON (as `daxlock merge` reads reports): a branch not named
/// counts 0; a name that is no branch is refused.
impl<'de> Deserialize<'de> for Coverage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut c = Coverage::default();
        for (name, n) in BTreeMap::<String, usize>::deserialize(d)? {
            let b = Branch::from_name(&name)
                .ok_or_else(|| D::Error::custom(format!("`coverage`: unknown branch `{name}`")))?;
            c.counts[b.index()] = n;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_executions_per_branch() {
        let mut c = Coverage::default();
        c.add([Branch::GrabWait, Branch::InsertWarn].into_iter().collect());
        c.add([Branch::GrabWait].into_iter().collect());
        c.add(BranchSet::EMPTY);
        assert_eq!(c.get(Branch::GrabWait), 2);
        // Every branch, the last included, counts where its index says.
        let mut all = Coverage::default();
        all.add(BranchSet::all());
        assert!(Branch::ALL.iter().all(|&b| all.get(b) == 1));
        all.add([Branch::ALL[Branch::COUNT - 1]].into_iter().collect());
        assert_eq!(all.get(Branch::ALL[Branch::COUNT - 1]), 2);
        assert_eq!(all.get(Branch::ALL[0]), 1);
        assert_eq!(c.get(Branch::InsertWarn), 1);
        assert_eq!(c.get(Branch::TruncateDelete), 0);
        let mut d = Coverage::default();
        d.merge(&c);
        d.merge(&c);
        assert_eq!(d.get(Branch::GrabWait), 4);
        assert_eq!(
            c.visited().iter().collect::<Vec<_>>(),
            [Branch::GrabWait, Branch::InsertWarn]
        );
        let json = serde_json::to_value(c).unwrap();
        assert_eq!(json["grab-wait"], 2);
        assert_eq!(json["truncate-delete"], 0);
        assert_eq!(json.as_object().unwrap().len(), Branch::COUNT);
        assert_eq!(serde_json::from_value::<Coverage>(json).unwrap(), c);
        let e = serde_json::from_value::<Coverage>(serde_json::json!({"nope": 1})).unwrap_err();
        assert!(e.to_string().contains("unknown branch `nope`"), "{e}");
    }
}
