//! Mapping entries: what the page tree holds for each DAX page or huge page.

use super::units::{pmd_align_index, PMD_PAGES};
use std::fmt;

/// How much of the file an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntrySize {
    /// One page. Kernel: an entry without `RADIX_DAX_PMD`.
    Pte,
    /// One 2 MiB-aligned range of 512 pages (order 9). Kernel: `RADIX_DAX_PMD`.
    Pmd,
}

impl EntrySize {
    /// The first index of the range an entry of this size covers around `index`.
    pub fn base(self, index: u64) -> u64 {
        match self {
            EntrySize::Pte => index,
            EntrySize::Pmd => pmd_align_index(index),
        }
    }

    /// Pages covered.
    pub fn pages(self) -> u64 {
        match self {
            EntrySize::Pte => 1,
            EntrySize::Pmd => PMD_PAGES,
        }
    }

    /// `pte` or `pmd`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntrySize::Pte => "pte",
            EntrySize::Pmd => "pmd",
        }
    }
}

/// What an entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A placeholder a fault inserts while it works. Kernel: `RADIX_DAX_EMPTY`.
    Empty,
    /// Maps the shared zero page: a read fault on a hole. Kernel: `RADIX_DAX_ZERO_PAGE`.
    Zero,
    /// Maps storage at `sector` (here: the device frame of the first page).
    Mapped {
        /// Device frame of the entry's first page.
        frame: u64,
    },
}

impl EntryKind {
    /// `empty`, `zero` or `mapped`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Empty => "empty",
            EntryKind::Zero => "zero",
            EntryKind::Mapped { .. } => "mapped",
        }
    }

    /// Empty and zero entries may be replaced by insert. Kernel:
    /// `dax_is_zero_entry(entry) || dax_is_empty_entry(entry)`.
    pub fn is_placeholder(self) -> bool {
        matches!(self, EntryKind::Empty | EntryKind::Zero)
    }
}

/// One entry of the page tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    /// PTE or PMD.
    pub size: EntrySize,
    /// Empty, zero or mapped.
    pub kind: EntryKind,
    /// The entry lock bit. Kernel: `RADIX_DAX_ENTRY_LOCK`.
    pub locked: bool,
    /// The dirty tag. Kernel: `PAGECACHE_TAG_DIRTY`.
    pub dirty: bool,
}

impl Entry {
    /// A new locked empty entry, as grab inserts it.
    pub fn new_locked_empty(size: EntrySize) -> Self {
        Entry {
            size,
            kind: EntryKind::Empty,
            locked: true,
            dirty: false,
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.size.as_str(), self.kind.as_str())?;
        if let EntryKind::Mapped { frame } = self.kind {
            write!(f, " frame {frame:#x}")?;
        }
        if self.locked {
            f.write_str(" locked")?;
        }
        if self.dirty {
            f.write_str(" dirty")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry prints as counterexamples show it: size, kind, frame, lock and tag
    /// (a mutant of the size's name survived every verdict, since only text shows it).
    #[test]
    fn entries_print_as_timelines_show_them() {
        let e = Entry {
            size: EntrySize::Pmd,
            kind: EntryKind::Mapped { frame: 0x200 },
            locked: true,
            dirty: true,
        };
        assert_eq!(e.to_string(), "pmd mapped frame 0x200 locked dirty");
        assert_eq!(
            Entry::new_locked_empty(EntrySize::Pte).to_string(),
            "pte empty locked"
        );
    }
}
