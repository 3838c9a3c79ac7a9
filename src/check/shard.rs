//! Shards: which part of a numbered budget (or of a search tree) one run takes.

/// Which part of a budget this run takes: shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    /// 0-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("bad shard `{s}`: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// `I/N`, as `--shard` takes it.
impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The iterations of `0..total` this shard runs.
    pub fn iterations(&self, total: usize) -> impl Iterator<Item = usize> {
        (self.index..total).step_by(self.count)
    }

    /// This shard's part of a budget of `total` iterations, for
    /// [`Checker::budget`](super::checker::Checker::budget): how many it runs, and
    /// `shard 3/4 of 2 iterations` (or `2 iterations` unsharded).
    pub fn budget(&self, total: usize) -> (usize, String) {
        let what = if self.count > 1 {
            format!("shard {}/{} of {total} iterations", self.index, self.count)
        } else {
            format!("{total} iterations")
        };
        (self.iterations(total).count(), what)
    }
}
