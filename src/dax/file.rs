//! The file under the mapping: its size, its blocks, and the VMAs that map it.
//!
//! The filesystem side is the minimum the fault paths ask of it: i_size, and for a
//! page or a 2 MiB range, "hole" or "mapped at this device frame" (Kernel:
//! `iomap_begin`), allocating blocks for writes.

use super::units::{linear_page_index, PAGE_SIZE};
use std::collections::BTreeMap;

/// A run of allocated pages: `pages` pages from file page `pgoff`, stored from device
/// frame `frame` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// First file page.
    pub pgoff: u64,
    /// Length in pages.
    pub pages: u64,
    /// Device frame (pfn) of the first page.
    pub frame: u64,
}

/// The file as a scenario lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLayout {
    /// i_size in pages.
    pub size_pages: u64,
    /// Allocated extents; pages outside them are holes.
    pub extents: Vec<Extent>,
}

/// The filesystem that calls fs/dax.c, as far as its per-inode locks go
/// (`[file] fs` in a scenario; README: The filesystem's locks).
///
/// Every variant keeps the mmap lock the model has always taken (ext4's
/// `i_mmap_sem`, 5.15 on `mapping->invalidate_lock`; XFS's `XFS_MMAPLOCK`): faults
/// hold it shared around each DAX handler call, truncate exclusive. `Ext4` and
/// `Xfs` add the inode's `i_rwsem`, held exclusive by write(2) around its whole
/// dax_iomap_rw() and by truncate around its whole truncation. fsync and memory
/// failure take neither. For the model's five operations the two filesystems take
/// the same locks in the same places; both names are accepted so that a scenario
/// says which one it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Filesystem {
    /// fs/dax.c with no `i_rwsem` around it (the default: what every scenario
    /// meant before the key existed).
    #[default]
    None,
    /// ext4. Kernel: ext4_dax_write_iter() takes inode_lock(); do_truncate() holds
    /// it around ext4_setattr().
    Ext4,
    /// XFS. Kernel: xfs_file_dax_write() takes `XFS_IOLOCK_EXCL` (the inode's
    /// i_rwsem); do_truncate() holds it around xfs_vn_setattr().
    Xfs,
}

impl Filesystem {
    /// Its name in a scenario file.
    pub fn name(self) -> &'static str {
        match self {
            Filesystem::None => "none",
            Filesystem::Ext4 => "ext4",
            Filesystem::Xfs => "xfs",
        }
    }

    /// Whether write(2) and truncate hold the inode's `i_rwsem` exclusive.
    pub fn takes_i_rwsem(self) -> bool {
        self != Filesystem::None
    }
}

/// One mapping of the file into the address space (`struct vm_area_struct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vma {
    /// First byte (page aligned). Kernel: `vm_start`.
    pub start: u64,
    /// One past the last byte (page aligned). Kernel: `vm_end`.
    pub end: u64,
    /// File page mapped at `start`. Kernel: `vm_pgoff`.
    pub pgoff: u64,
    /// MAP_SHARED (true) or MAP_PRIVATE. Kernel: `VM_SHARED`.
    pub shared: bool,
}

impl Vma {
    /// Whether `addr` lies in `[start, end)`.
    pub fn contains(&self, addr: u64) -> bool {
        (self.start..self.end).contains(&addr)
    }

    /// The file page `addr` maps. Kernel: linear_page_index().
    pub fn index_of(&self, addr: u64) -> u64 {
        linear_page_index(self.start, self.pgoff, addr)
    }

    /// The address of file page `index`, if this VMA maps it.
    pub fn addr_of(&self, index: u64) -> Option<u64> {
        let first = self.pgoff;
        let pages = (self.end - self.start) / PAGE_SIZE;
        (index >= first && index < first + pages).then(|| self.start + (index - first) * PAGE_SIZE)
    }
}

/// What the filesystem answers for a range. Kernel: `iomap.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Block {
    /// Not allocated. Kernel: `IOMAP_HOLE` / `IOMAP_UNWRITTEN`.
    Hole,
    /// Allocated, contiguous, from this device frame. Kernel: `IOMAP_MAPPED`.
    Mapped {
        /// Device frame of the range's first page.
        frame: u64,
    },
    /// A 2 MiB range that is partly allocated or not contiguous: no PMD possible.
    Mixed,
}

/// First device frame handed out by writes: far from any scenario's extents, and
/// 2 MiB aligned.
const ALLOC_FRAME_BASE: u64 = 0x4000_0000;

/// Frames of one generation of allocated blocks (see [`FsState::allocate`]): more
/// than a file has pages (`MAX_FILE_PAGES` is 2^51), and 2 MiB aligned.
const ALLOC_SPAN: u64 = 1 << 52;

/// The filesystem's view of the file: its allocated extents. Guarded by its own lock
/// in the mapping (the filesystem's block-mapping lock).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FsState {
    /// Allocated runs: first file page to (pages, first device frame).
    extents: BTreeMap<u64, (u64, u64)>,
    /// How many truncations have freed blocks: allocations of different
    /// generations get different frames.
    generation: u64,
}

impl FsState {
    /// The filesystem state a layout describes.
    pub fn new(layout: &FileLayout) -> Self {
        FsState {
            extents: layout
                .extents
                .iter()
                .map(|e| (e.pgoff, (e.pages, e.frame)))
                .collect(),
            generation: 0,
        }
    }

    /// The device frame of file page `index`, if allocated.
    pub fn frame_of(&self, index: u64) -> Option<u64> {
        let (start, (pages, frame)) = self.extents.range(..=index).next_back()?;
        (index < start + pages).then(|| frame + (index - start))
    }

    /// The first page `p` of `[index, index + pages)` for which `bad(p, frame_of(p))`
    /// holds, asking only at the first page of each *run*: a longest stretch of the
    /// range over which [`FsState::frame_of`] is a hole throughout, or one extent's
    /// frames (`frame_of(p) - p` constant). `bad` must give one answer over a run
    /// (as "is allocated" and "is frame `f + (p - index)`" do); then this is the
    /// page-by-page search, in a step per extent instead of a lookup per page (the
    /// end-state content check of a huge mapping asks 512 pages).
    pub fn first_in_runs(
        &self,
        index: u64,
        pages: u64,
        mut bad: impl FnMut(u64, Option<u64>) -> bool,
    ) -> Option<u64> {
        let end = index.saturating_add(pages);
        let mut p = index;
        while p < end {
            let next = self.extents.range(p + 1..).next().map_or(end, |(s, _)| *s);
            let covering = self
                .extents
                .range(..=p)
                .next_back()
                .filter(|(s, (len, _))| p < *s + *len);
            let (frame, run_end) = match covering {
                Some((s, (len, frame))) => (Some(frame + (p - s)), next.min(s + len)),
                None => (None, next),
            };
            if bad(p, frame) {
                return Some(p);
            }
            p = run_end.min(end);
        }
        None
    }

    /// The file page stored at device frame `frame`, if a block holds it.
    pub fn index_of_frame(&self, frame: u64) -> Option<u64> {
        self.extents
            .iter()
            .find(|(_, (pages, f))| (*f..*f + *pages).contains(&frame))
            .map(|(start, (_, f))| start + (frame - f))
    }

    /// Whether file page `index` has a block.
    pub fn is_allocated(&self, index: u64) -> bool {
        self.frame_of(index).is_some()
    }

    /// Whether any page of `[index, index + pages)` has a block.
    pub fn any_allocated(&self, index: u64, pages: u64) -> Option<u64> {
        if self.is_allocated(index) {
            return Some(index);
        }
        self.extents
            .range(index..index + pages)
            .next()
            .map(|(s, _)| *s)
    }

    /// Maps `pages` pages (1 or 512) from `index`; a write allocates holes first.
    ///
    /// Kernel: the filesystem's iomap_begin() (ext4_iomap_begin()), with `IOMAP_WRITE`
    /// allocating.
    pub fn iomap(&mut self, index: u64, pages: u64, write: bool) -> Block {
        if write {
            self.allocate(index, pages);
        }
        let Some(first) = self.frame_of(index) else {
            return match self.any_allocated(index, pages) {
                None => Block::Hole,
                Some(_) => Block::Mixed,
            };
        };
        let (start, (len, _)) = self.extents.range(..=index).next_back().expect("allocated");
        if start + len >= index + pages {
            Block::Mapped { frame: first }
        } else {
            // Extents may continue contiguously in the next run.
            let contiguous =
                (index..index + pages).all(|i| self.frame_of(i) == Some(first + (i - index)));
            if contiguous {
                Block::Mapped { frame: first }
            } else {
                Block::Mixed
            }
        }
    }

    /// Allocates every hole in `[index, index + pages)`. Returns whether anything was
    /// allocated.
    ///
    /// File page `p` gets frame `ALLOC_FRAME_BASE + generation * ALLOC_SPAN + p`: a
    /// block's frame depends on its page and on how many truncations freed blocks
    /// before it, not on the order writes allocate in. So two writes that allocate
    /// in either order leave the same block map (one state for the stateful checker,
    /// not one per order), every frame is handed out once (a page is allocated once
    /// per generation), and a whole aligned 2 MiB range gets one 2 MiB-aligned
    /// contiguous run. (The kernel's allocator gives whatever blocks it finds; what
    /// the protocol and the checks read of a frame is which page's block it is, and
    /// whether a range is contiguous, which here no longer depends on write order:
    /// see README, "The model and fs/dax.c".)
    pub fn allocate(&mut self, index: u64, pages: u64) -> bool {
        let end = index + pages;
        let mut holes = Vec::new();
        let mut i = index;
        while i < end {
            if let Some((s, (len, _))) = self.extents.range(..=i).next_back() {
                if i < s + len {
                    i = s + len;
                    continue;
                }
            }
            let next = self.extents.range(i..end).next().map_or(end, |(s, _)| *s);
            holes.push((i, next - i));
            i = next;
        }
        if holes.is_empty() {
            return false;
        }
        let first = ALLOC_FRAME_BASE.wrapping_add(self.generation.wrapping_mul(ALLOC_SPAN));
        for (start, len) in holes {
            self.extents.insert(start, (len, first.wrapping_add(start)));
        }
        true
    }

    /// Frees the blocks at and past `size_pages`. Kernel: the filesystem's block
    /// truncation (ext4_truncate()).
    pub fn truncate(&mut self, size_pages: u64) {
        let before = self.extents.clone();
        self.extents.retain(|s, _| *s < size_pages);
        if let Some((s, (len, _))) = self.extents.range_mut(..size_pages).next_back() {
            *len = (*len).min(size_pages - *s);
        }
        if self.extents != before {
            // Freed blocks: a page allocated again gets a frame never used before.
            self.generation += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dax::units::PMD_PAGES;

    /// The run walk finds what a page-by-page search finds, for both checks the
    /// end state makes (allocated; frame `f + k`), over extents that touch, leave
    /// gaps, and start inside or before the range.
    #[test]
    fn runs_agree_with_a_page_by_page_search() {
        let extents = [
            (0x10u64, 4u64, 0x100u64),
            (0x14, 3, 0x104),
            (0x20, 8, 0x300),
        ];
        let fs = FsState {
            extents: extents.iter().map(|&(s, n, f)| (s, (n, f))).collect(),
            generation: 0,
        };
        for index in 0x0..0x2c {
            for pages in [0, 1, 2, 5, 9, 0x20] {
                let pages_of = |bad: &dyn Fn(u64, Option<u64>) -> bool| {
                    (index..index + pages).find(|&p| bad(p, fs.frame_of(p)))
                };
                let allocated = |_: u64, f: Option<u64>| f.is_some();
                assert_eq!(
                    fs.first_in_runs(index, pages, allocated),
                    pages_of(&allocated)
                );
                for f in [0x100, 0x104, 0x102, 0x300, 0x2f8] {
                    let wrong = |p: u64, g: Option<u64>| g != Some(f + (p - index));
                    assert_eq!(
                        fs.first_in_runs(index, pages, wrong),
                        pages_of(&wrong),
                        "index {index:#x}, pages {pages}, frame {f:#x}"
                    );
                }
            }
        }
    }

    /// Blocks get frames by page and generation, not by the order writes allocate
    /// in: two writes in either order leave the same block map; a page allocated
    /// again after a truncation freed it gets a frame never handed out before.
    #[test]
    fn frames_do_not_depend_on_the_order_of_allocation() {
        let empty = FileLayout {
            size_pages: 0x400,
            extents: Vec::new(),
        };
        let (mut a, mut b) = (FsState::new(&empty), FsState::new(&empty));
        assert!(a.allocate(1, 1) && a.allocate(2, 1));
        assert!(b.allocate(2, 1) && b.allocate(1, 1));
        assert_eq!(a, b);
        assert_ne!(a.frame_of(1), a.frame_of(2));
        let old = a.frame_of(2).expect("allocated");
        a.truncate(2);
        assert!(a.allocate(2, 1));
        let new = a.frame_of(2).expect("allocated again");
        assert_ne!(new, old, "a freed block's frame is not handed out again");
        assert_eq!(a.index_of_frame(old), None);
        // A truncation that frees nothing starts no generation.
        let mut c = FsState::new(&empty);
        c.truncate(0x100);
        assert!(c.allocate(1, 1));
        assert_eq!(c.frame_of(1), b.frame_of(1));
    }

    /// Truncation frees exactly the blocks at and past the new size: an extent that
    /// straddles it keeps its first pages (a mutant computing the kept length wrongly
    /// survived the gate, which never reads blocks past EOF).
    #[test]
    fn truncate_clips_a_straddling_extent() {
        let mut fs = FsState::new(&FileLayout {
            size_pages: 0x400,
            extents: vec![Extent {
                pgoff: 0x10,
                pages: 0x100,
                frame: 0x80000,
            }],
        });
        fs.truncate(0x50);
        assert!(fs.is_allocated(0x4f));
        assert!(!fs.is_allocated(0x50));
        assert!(!fs.is_allocated(0x10f));
        assert_eq!(fs.any_allocated(0x50, 0x100), None);
    }

    fn layout(extents: &[(u64, u64, u64)]) -> FsState {
        FsState::new(&FileLayout {
            size_pages: 0x1000,
            extents: extents
                .iter()
                .map(|&(pgoff, pages, frame)| Extent {
                    pgoff,
                    pages,
                    frame,
                })
                .collect(),
        })
    }

    /// A VMA maps exactly its own file pages, at their offset from its start.
    #[test]
    fn a_vma_maps_its_pages_and_no_others() {
        let v = Vma {
            start: 0x7f0000000000,
            end: 0x7f0000010000,
            pgoff: 0x100,
            shared: true,
        };
        assert_eq!(v.addr_of(0x100), Some(v.start));
        assert_eq!(v.addr_of(0x10f), Some(v.start + 0xf000));
        assert_eq!(v.addr_of(0x110), None);
        assert_eq!(v.addr_of(0xff), None);
        assert_eq!(v.index_of(v.start + 0x3000), 0x103);
    }

    /// A page's frame is its extent's first frame plus its offset in the extent.
    #[test]
    fn frames_follow_their_extent() {
        let fs = layout(&[(0x10, 0x20, 0x8000)]);
        assert_eq!(fs.frame_of(0x10), Some(0x8000));
        assert_eq!(fs.frame_of(0x2f), Some(0x801f));
        assert_eq!(fs.frame_of(0x30), None);
        assert_eq!(fs.frame_of(0xf), None);
    }

    /// A 2 MiB range is one mapping only when every page is allocated at
    /// consecutive frames, across extents too; a short extent or a jump in frames
    /// makes it mixed.
    #[test]
    fn a_pmd_range_maps_only_when_contiguous() {
        let mut fs = layout(&[(0x200, 0x100, 0x80000), (0x300, 0x100, 0x80100)]);
        assert_eq!(
            fs.iomap(0x200, PMD_PAGES, false),
            Block::Mapped { frame: 0x80000 }
        );
        let mut fs = layout(&[(0x200, 0x100, 0x80000), (0x300, 0x100, 0x90000)]);
        assert_eq!(fs.iomap(0x200, PMD_PAGES, false), Block::Mixed);
        let mut fs = layout(&[(0x400, 0x10, 0x80000)]);
        assert_eq!(fs.iomap(0x400, PMD_PAGES, false), Block::Mixed);
    }

    /// Writes allocate each page the frame of its offset (in the first generation,
    /// from `ALLOC_FRAME_BASE`); a write of a whole 2 MiB range gets a 2 MiB-aligned
    /// run even after single pages; pages already allocated keep theirs, and each
    /// hole of the range gets the frame of its offset.
    #[test]
    fn allocation_hands_out_frames_by_page_and_aligns_pmds() {
        let mut fs = layout(&[]);
        assert!(fs.allocate(0x200, PMD_PAGES));
        assert_eq!(fs.frame_of(0x200), Some(ALLOC_FRAME_BASE + 0x200));
        assert!(fs.allocate(0, 1));
        assert!(fs.allocate(5, 1));
        assert_eq!(fs.frame_of(0), Some(ALLOC_FRAME_BASE));
        assert_eq!(fs.frame_of(5), Some(ALLOC_FRAME_BASE + 5));
        assert!(!fs.allocate(5, 1), "nothing new to allocate");
        assert!(fs.allocate(0x400, PMD_PAGES));
        let frame = fs.frame_of(0x400).unwrap();
        assert_eq!(frame % PMD_PAGES, 0);
        assert_eq!(frame, ALLOC_FRAME_BASE + 0x400);
        assert_eq!(fs.frame_of(0x5ff), Some(frame + 0x1ff));

        let mut fs = layout(&[(0x11, 1, 0x9000)]);
        assert!(fs.allocate(0x10, 4));
        assert_eq!(fs.frame_of(0x10), Some(ALLOC_FRAME_BASE + 0x10));
        assert_eq!(fs.frame_of(0x11), Some(0x9000));
        assert_eq!(fs.frame_of(0x12), Some(ALLOC_FRAME_BASE + 0x12));
        assert_eq!(fs.frame_of(0x13), Some(ALLOC_FRAME_BASE + 0x13));
        assert_eq!(fs.frame_of(0x14), None);
    }

    /// Truncation frees an extent that starts exactly at the new size.
    #[test]
    fn truncate_frees_an_extent_starting_at_the_new_size() {
        let mut fs = layout(&[(0, 0x10, 0x8000), (0x10, 0x10, 0x9000)]);
        fs.truncate(0x10);
        assert!(fs.is_allocated(0xf));
        assert!(!fs.is_allocated(0x10));
    }

    #[test]
    fn iomap_reports_holes_mapped_and_mixed() {
        let mut fs = FsState::new(&FileLayout {
            size_pages: 0x800,
            extents: vec![Extent {
                pgoff: 0,
                pages: 0x300,
                frame: 0x80000,
            }],
        });
        assert_eq!(fs.iomap(0x10, 1, false), Block::Mapped { frame: 0x80010 });
        assert_eq!(
            fs.iomap(0, PMD_PAGES, false),
            Block::Mapped { frame: 0x80000 }
        );
        assert_eq!(fs.iomap(0x200, PMD_PAGES, false), Block::Mixed);
        assert_eq!(fs.iomap(0x400, PMD_PAGES, false), Block::Hole);
        let Block::Mapped { frame } = fs.iomap(0x400, PMD_PAGES, true) else {
            panic!("a write allocates")
        };
        assert_eq!(frame % PMD_PAGES, 0);
        fs.truncate(0x100);
        assert!(!fs.is_allocated(0x100));
        assert!(fs.is_allocated(0xff));
    }

    #[test]
    fn vma_maps_addresses_and_back() {
        let v = Vma {
            start: 0x7f7a8dc00000,
            end: 0x7f7a8fc00000,
            pgoff: 1,
            shared: true,
        };
        assert_eq!(v.index_of(0x7f7a8edff000), 0x1200);
        assert_eq!(v.addr_of(0x1200), Some(0x7f7a8edff000));
        assert_eq!(v.addr_of(0), None);
        assert!(!v.contains(0x7f7a8fc00000));
    }
}
