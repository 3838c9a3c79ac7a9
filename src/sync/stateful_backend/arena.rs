//! The stateful checker's **arena**: one region of memory per OS thread, at an
//! address fixed for the thread's life, that receives every heap allocation made
//! while an execution with snapshots runs, so that the execution's heap can be
//! copied out at a branching point and copied back later into the same addresses
//! ([`super::runtime`]'s snapshots).
//!
//! The process's global allocator ([`Allocator`]) sends an allocation to the arena
//! while this OS thread is *inside* an execution with snapshots (see [`inside`] and
//! [`outside`]) and to the system allocator otherwise. A block is freed by address:
//! a block of the arena goes back to the arena's own free lists, whatever the mode;
//! any other block to the system allocator. The free lists and the bump pointer live
//! in the arena's first bytes, so a restore puts them back with the blocks.
//!
//! Blocks come in size classes, in two sets: blocks for layouts aligned to 16 bytes
//! or less are aligned to 16 (packed: no padding between them, which a snapshot
//! would copy) and come in every multiple of 16 bytes up to 1 KiB, then in powers of
//! two to 1 GiB (a block wastes less than 16 bytes where most of the model's
//! allocations fall: what a snapshot copies is the blocks' span, slack included);
//! blocks for layouts that ask for more are powers of two (16 bytes to 1 GiB),
//! aligned to their size (any alignment the size class holds, past a page too).
//! A block freed in one class is reused by the next allocation of that class. A
//! snapshot ([`save`]) leaves out what large free blocks hold but the word that
//! links them. Freed blocks are not given back to the system: a search's arena is as
//! large as the most an execution had allocated at once (some tens of KiB on the
//! catalogue's rows), in address space reserved once per thread
//! ([`RESERVE`], touched pages only).
//!
//! **The guard.** An execution that frees (or grows) a block it did not get from the
//! arena changes memory outside the arena: a restore would not undo it, and the
//! resumed execution would free the block again. Such a free, while inside, is not
//! carried out (the block leaks) and is recorded; [`take_violation`] hands it to the
//! runtime, which fails the execution with a message that names it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Address space reserved for one thread's arena (touched pages only).
pub const RESERVE: usize = 1 << 30;

/// The arena's bookkeeping, at its start: restored with the blocks.
#[repr(C)]
struct Header {
    /// Offset of the first byte never handed out.
    top: usize,
    /// Per size class, a bit set while its free list may hold a block (set by a
    /// free, cleared when an allocation empties the list): a save walks only
    /// the lists of large classes that have blocks ([`LARGE`]).
    nonempty: u128,
    /// Per size class ([`class`]), the first free block as an offset from the
    /// arena's base (0: none; half the bytes of an address, which every snapshot
    /// copies); a free block's first word holds the next one's address.
    free: [u32; CLASSES],
}

/// The alignment of a packed block (what a layout may ask for in the packed set),
/// and the step between the sizes of its small classes.
const PACKED_ALIGN: usize = 16;
/// The largest packed block sized in steps of [`PACKED_ALIGN`].
const FINE_MAX: usize = 1024;
/// Packed classes in steps of 16 bytes: 16 to [`FINE_MAX`].
const FINE: usize = FINE_MAX / PACKED_ALIGN;
/// Packed classes: [`FINE`] small ones, then powers of two from 2 KiB to 1 GiB.
const PACKED: usize = FINE + 20;
/// Power-of-two classes aligned to their size: blocks of 2^4 to 2^30 bytes.
const ALIGNED: usize = 27;
/// Size classes: [`PACKED`] ones (aligned to 16), then [`ALIGNED`] ones.
const CLASSES: usize = PACKED + ALIGNED;

/// Free blocks of at least this many bytes are left out of a save, all but the
/// word that links them (what a free block held is never read again: a block is
/// written before it is read once handed out). Smaller ones are copied with
/// their neighbours: a range more costs more than their bytes.
const SKIP_FREE: usize = 256;

/// The classes whose free blocks a save leaves out (blocks of [`SKIP_FREE`] bytes
/// or more), one bit each.
const LARGE: u128 = {
    let mut m = 0u128;
    let mut c = 0;
    while c < CLASSES {
        if block(c).0 >= SKIP_FREE {
            m |= 1 << c;
        }
        c += 1;
    }
    m
};

// One bit per class in `Header::nonempty`.
const _: () = assert!(CLASSES <= 128);

/// Where the blocks begin (after the header: what a snapshot copies starts small).
const START: usize = std::mem::size_of::<Header>().next_multiple_of(PACKED_ALIGN);

const ON: u8 = 1;
const ARMED: u8 = 2;
const OUT: u8 = 4;

thread_local! {
    /// The arena's base address on this thread (0: not reserved yet).
    static BASE: Cell<usize> = const { Cell::new(0) };
    /// `ON`: allocations go to the arena; `ARMED`: a search with snapshots runs
    /// on this thread; `OUT`: inside [`outside`], which wins over [`inside`].
    static MODE: Cell<u8> = const { Cell::new(0) };
    /// The first block from outside the arena freed while inside (0: none).
    static VIOLATION: Cell<usize> = const { Cell::new(0) };
}

/// How many arenas [`ARENAS`] can name (one per searching thread; more threads
/// still get arenas, unnamed, and keep their blocks to themselves as before).
const MAX_ARENAS: usize = 256;

/// The base of every arena reserved in the process (0: a free slot), the first
/// [`NAMED`] of them in use: so that a block of one thread's arena freed on another
/// thread is recognised as an arena's, and left in it (its owner's next reset or
/// restore takes it back), instead of being handed to the system allocator, which
/// never gave it. Arenas are never unmapped, so a name stays true.
static ARENAS: [AtomicUsize; MAX_ARENAS] = [const { AtomicUsize::new(0) }; MAX_ARENAS];
/// How many slots of [`ARENAS`] are taken.
static NAMED: AtomicUsize = AtomicUsize::new(0);

/// Names a new arena in [`ARENAS`] (nothing if the table is full).
fn name_arena(base: usize) {
    let slot = NAMED.fetch_add(1, Ordering::AcqRel);
    if slot < MAX_ARENAS {
        ARENAS[slot].store(base, Ordering::Release);
    }
}

/// Whether `p` lies in an arena of another thread (blocks there are not freed).
fn in_other_arena(p: usize) -> bool {
    let named = NAMED.load(Ordering::Acquire).min(MAX_ARENAS);
    ARENAS[..named].iter().any(|b| {
        let base = b.load(Ordering::Acquire);
        base != 0 && p >= base && p < base + RESERVE
    })
}

/// The global allocator: the arena while inside, the system's otherwise.
pub struct Allocator;

#[global_allocator]
static GLOBAL: Allocator = Allocator;

/// The size class of `layout` (None: larger than the largest, 1 GiB): the packed
/// set's if it asks for 16-byte alignment or less, else the aligned set's.
fn class(layout: Layout) -> Option<usize> {
    /// The power-of-two class of `size` counted from 2^`from`.
    fn power(size: usize, from: u32) -> Option<usize> {
        (size <= 1 << 30).then(|| (size.next_power_of_two().trailing_zeros() - from) as usize)
    }
    if layout.align() > PACKED_ALIGN {
        return power(layout.size().max(layout.align()), 4).map(|c| PACKED + c);
    }
    let size = layout.size().max(PACKED_ALIGN);
    if size <= FINE_MAX {
        return Some(size.div_ceil(PACKED_ALIGN) - 1);
    }
    power(size, FINE_MAX.trailing_zeros() + 1).map(|c| FINE + c)
}

/// A class's block size and alignment.
const fn block(class: usize) -> (usize, usize) {
    if class < FINE {
        ((class + 1) * PACKED_ALIGN, PACKED_ALIGN)
    } else if class < PACKED {
        (FINE_MAX << (class - FINE + 1), PACKED_ALIGN)
    } else {
        let size = 1 << (class - PACKED + 4);
        (size, size)
    }
}

fn in_arena(p: usize) -> bool {
    let base = BASE.with(Cell::get);
    base != 0 && p >= base && p < base + RESERVE
}

/// The arena's header; the arena is reserved on first use.
fn header() -> Option<*mut Header> {
    let mut base = BASE.with(Cell::get);
    if base == 0 {
        // SAFETY: an anonymous private mapping, never unmapped (the thread may
        // leave blocks in it that the system allocator must not see).
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                RESERVE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        base = p as usize;
        BASE.with(|b| b.set(base));
        name_arena(base);
        // SAFETY: the mapping is fresh and writable.
        unsafe { (*(base as *mut Header)).top = START };
    }
    Some(base as *mut Header)
}

/// A block of `class` from the arena (null if the reserve is used up).
///
/// # Safety
/// The caller owns the block until it frees it.
unsafe fn arena_alloc(class: usize) -> *mut u8 {
    let Some(h) = header() else {
        return std::ptr::null_mut();
    };
    let base = h as usize;
    let head = (*h).free[class];
    if head != 0 {
        let p = base + head as usize;
        let next = (*(p as *const usize) - base) as u32;
        (*h).free[class] = next;
        if next == 0 {
            (*h).nonempty &= !(1 << class);
        }
        return p as *mut u8;
    }
    let (size, align) = block(class);
    // Aligned as an address (the base is only page-aligned).
    let at = ((base + (*h).top + align - 1) & !(align - 1)) - base;
    if at + size > RESERVE {
        return std::ptr::null_mut();
    }
    (*h).top = at + size;
    (base + at) as *mut u8
}

/// Puts block `p` of `class` on its free list.
unsafe fn arena_free(p: *mut u8, class: usize) {
    let base = BASE.with(Cell::get);
    let h = base as *mut Header;
    let next = (*h).free[class];
    // The next block's address (the base itself for none: offset 0).
    *(p as *mut usize) = base + next as usize;
    (*h).free[class] = (p as usize - base) as u32;
    (*h).nonempty |= 1 << class;
}

fn inside_now() -> bool {
    MODE.with(Cell::get) & ON != 0
}

/// Records a block from outside the arena freed while inside (the first one).
fn violation(p: *mut u8) {
    VIOLATION.with(|v| {
        if v.get() == 0 {
            v.set(p as usize);
        }
    });
}

// SAFETY: blocks of the arena are handed out once until freed (free lists and bump
// pointer), aligned as their class demands; every other block is the system's.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if inside_now() {
            if let Some(c) = class(layout) {
                return arena_alloc(c);
            }
            return std::ptr::null_mut();
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if inside_now() {
            let p = self.alloc(layout);
            if !p.is_null() {
                std::ptr::write_bytes(p, 0, layout.size());
            }
            return p;
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if in_arena(p as usize) {
            if let Some(c) = class(layout) {
                arena_free(p, c);
            }
            return;
        }
        if inside_now() {
            violation(p);
            return;
        }
        if in_other_arena(p as usize) {
            // Another thread's block: left where it is (see `ARENAS`).
            return;
        }
        System.dealloc(p, layout)
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let arena = in_arena(p as usize);
        if !arena && !inside_now() && !in_other_arena(p as usize) {
            return System.realloc(p, layout, new_size);
        }
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if arena && class(layout) == class(new) {
            return p;
        }
        // A block of the arena stays in the arena (what points at it may be
        // restored); a block from outside grown inside is a violation (dealloc).
        let q = match class(new) {
            Some(c) if arena || inside_now() => arena_alloc(c),
            _ => System.alloc(new),
        };
        if !q.is_null() {
            std::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
            self.dealloc(p, layout);
        }
        q
    }
}

/// Restores the mode on drop (also when a task's panic unwinds through).
struct Mode(u8);

impl Drop for Mode {
    fn drop(&mut self) {
        MODE.with(|m| m.set(self.0));
    }
}

/// Runs `f` with its allocations in the arena, if a search with snapshots runs on
/// this thread ([`arm`]) and no [`outside`] encloses this call.
#[inline]
pub fn inside<R>(f: impl FnOnce() -> R) -> R {
    let old = MODE.with(Cell::get);
    if old != ARMED {
        // Not armed, already inside, or within `outside`: nothing changes (the
        // store's every use goes through here, so this path is kept short).
        return f();
    }
    let _restore = Mode(old);
    MODE.with(|m| m.set(old | ON));
    f()
}

/// Runs `f` with its allocations outside the arena: what an execution hands to the
/// checker (a report's trace, a failure's outcome) must survive a restore.
pub fn outside<R>(f: impl FnOnce() -> R) -> R {
    let old = MODE.with(Cell::get);
    let _restore = Mode(old);
    MODE.with(|m| m.set((old & !ON) | OUT));
    f()
}

/// Whether a search with snapshots runs on this thread.
pub fn armed() -> bool {
    MODE.with(Cell::get) & ARMED != 0
}

/// Starts (`true`) or ends a search with snapshots on this thread.
pub fn arm(on: bool) {
    MODE.with(|m| m.set(if on { ARMED } else { 0 }));
    VIOLATION.with(|v| v.set(0));
}

/// Forgets every block: the next execution starts with an empty arena (what the
/// last one left there is not dropped).
pub fn reset() {
    if let Some(h) = header() {
        // SAFETY: the header is this thread's; no block of the last execution is
        // used again (see the callers).
        unsafe {
            (*h).top = START;
            (*h).free = [0; CLASSES];
            (*h).nonempty = 0;
        }
    }
}

/// This thread's arena's base address (0: none yet): no other thread's arena
/// has it, as long as the process runs (arenas are never unmapped).
pub fn base() -> usize {
    BASE.with(Cell::get)
}

/// Whether `p` is a block of this thread's arena.
pub fn contains(p: *const u8) -> bool {
    in_arena(p as usize)
}

/// The first block from outside the arena that an execution freed while inside,
/// since the last call (its address).
#[inline]
pub fn take_violation() -> Option<usize> {
    VIOLATION.with(|v| (v.get() != 0).then(|| v.replace(0)))
}

/// How many bytes [`save`] copies now.
pub fn used() -> usize {
    // SAFETY: the header is this thread's.
    header().map_or(0, |h| unsafe { (*h).top })
}

/// The arena's used bytes (header, blocks in use, and free blocks smaller than
/// 256 bytes, `SKIP_FREE`), appended to `out`, and the ranges they came from (offset and
/// length from the arena's base, ascending) in `ranges`. Returns the bytes
/// appended.
pub fn save(out: &mut Vec<u8>, ranges: &mut Vec<(u32, u32)>) -> usize {
    ranges.clear();
    let Some(h) = header() else { return 0 };
    let base = h as usize;
    let word = std::mem::size_of::<usize>();
    // SAFETY: [base, base + top) is the arena's memory, mapped and initialised
    // as far as it was handed out; the free lists link blocks within it.
    unsafe {
        let top = (*h).top;
        // The free blocks' bytes after their link, as (start, end) offsets.
        let mut classes = (*h).nonempty & LARGE;
        while classes != 0 {
            let c = classes.trailing_zeros() as usize;
            classes &= classes - 1;
            let size = block(c).0;
            let mut off = (*h).free[c] as usize;
            while off != 0 {
                ranges.push(((off + word) as u32, (off + size) as u32));
                off = *((base + off) as *const usize) - base;
            }
        }
        ranges.sort_unstable();
        // What lies between them is copied.
        let holes = ranges.len();
        let mut at = 0;
        for i in 0..holes {
            let (start, end) = ranges[i];
            ranges.push((at, start - at));
            at = end;
        }
        ranges.push((at, top as u32 - at));
        ranges.drain(..holes);
        let before = out.len();
        for &(o, len) in ranges.iter() {
            out.extend_from_slice(std::slice::from_raw_parts(
                (base + o as usize) as *const u8,
                len as usize,
            ));
        }
        out.len() - before
    }
}

/// Copies bytes taken by [`save`] back where they came from (`ranges`, as
/// [`save`] gave them).
///
/// # Safety
/// Nothing may use a block handed out since the save (the runtime restores the
/// execution's every other piece of memory with it).
pub unsafe fn restore(saved: &[u8], ranges: &[(u32, u32)]) {
    let Some(h) = header() else { return };
    let base = h as *mut u8;
    let mut from = 0;
    for &(o, len) in ranges {
        let len = len as usize;
        std::ptr::copy_nonoverlapping(saved.as_ptr().add(from), base.add(o as usize), len);
        from += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_inside_come_from_the_arena_and_are_restored() {
        arm(true);
        reset();
        let v: Vec<u64> = inside(|| (0..100).collect());
        assert!(
            contains(v.as_ptr().cast()),
            "allocated inside: in the arena"
        );
        let outside_v: Vec<u64> = outside(|| inside(|| vec![1, 2, 3]));
        assert!(!contains(outside_v.as_ptr().cast()), "outside wins");
        let (mut saved, mut ranges) = (Vec::new(), Vec::new());
        save(&mut saved, &mut ranges);
        let p = v.as_ptr();
        // Change the block, free it and reuse it: the restore brings all back.
        let mut v = v;
        v[7] = 700;
        drop(v);
        let w: Vec<u64> = inside(|| vec![9; 100]);
        assert_eq!(w.as_ptr(), p, "a freed block is reused by its class");
        std::mem::forget(w);
        unsafe { restore(&saved, &ranges) };
        // SAFETY: the block is live again as it was at the save.
        let again = unsafe { std::slice::from_raw_parts(p, 100) };
        assert_eq!(again[7], 7);
        assert_eq!(again[99], 99);
        arm(false);
    }

    /// A block of one thread's arena dropped on another thread is left in the
    /// arena, not given to the system allocator (which would corrupt its heap);
    /// a grown one is copied out to the system's memory.
    #[test]
    fn a_block_freed_on_another_thread_stays_in_its_arena() {
        arm(true);
        reset();
        let (v, w): (Vec<u64>, Vec<u8>) = inside(|| ((0..64).collect(), vec![1; 16]));
        assert!(contains(v.as_ptr().cast()) && contains(w.as_ptr()));
        let grown = std::thread::spawn(move || {
            assert!(!contains(v.as_ptr().cast()), "another thread's arena");
            assert!(in_other_arena(v.as_ptr() as usize));
            drop(std::hint::black_box(v));
            let mut w = w;
            w.extend_from_slice(&[2; 4096]);
            assert!(
                !in_other_arena(w.as_ptr() as usize),
                "grown into the system's"
            );
            w.iter().map(|&b| b as usize).sum::<usize>()
        })
        .join()
        .unwrap();
        assert_eq!(grown, 16 + 2 * 4096);
        arm(false);
    }

    /// Blocks for layouts of small alignment are packed: a snapshot copies no
    /// padding between them (a page-sized block used to start on a page).
    #[test]
    fn packed_blocks_leave_no_padding() {
        arm(true);
        reset();
        let before = used();
        let (a, b): (Vec<u8>, Vec<u8>) = inside(|| (vec![1; 16], vec![2; 4096]));
        assert!(contains(a.as_ptr()) && contains(b.as_ptr()));
        assert_eq!(
            used() - before,
            16 + 4096,
            "no padding before the page-sized block"
        );
        assert_eq!(b.as_ptr() as usize % PACKED_ALIGN, 0);
        std::mem::forget((a, b));
        arm(false);
    }

    /// Small blocks come in steps of 16 bytes: a block of 72 or 80 bytes takes
    /// 80, not a power of two's 128 (the span a snapshot copies), and a freed
    /// one is reused by the next of its size.
    #[test]
    fn small_blocks_come_in_steps_of_16_bytes() {
        arm(true);
        reset();
        let before = used();
        let (a, b, c): (Vec<u8>, Vec<u8>, Vec<u64>) =
            inside(|| (vec![1; 80], vec![2; 72], vec![3; 126]));
        assert!(contains(a.as_ptr()) && contains(b.as_ptr()) && contains(c.as_ptr().cast()));
        assert_eq!(used() - before, 80 + 80 + 1008, "no slack past 16 bytes");
        let at = a.as_ptr();
        drop(a);
        let again: Vec<u8> = inside(|| vec![4; 65]);
        assert_eq!(again.as_ptr(), at, "the freed 80-byte block");
        assert_eq!(used() - before, 80 + 80 + 1008);
        std::mem::forget((again, b, c));
        arm(false);
    }

    /// A save leaves out a large free block but for its link word, and a
    /// restore puts back the blocks in use and the free list: the freed block is
    /// handed out again, then a new one (with the link left out too, the second
    /// allocation would follow what the execution wrote there).
    #[test]
    fn a_save_leaves_out_large_free_blocks_but_their_links() {
        arm(true);
        reset();
        let (big, small): (Vec<u8>, Vec<u8>) = inside(|| (vec![1; 512], vec![2; 32]));
        let at = big.as_ptr();
        drop(big);
        let (mut saved, mut ranges) = (Vec::new(), Vec::new());
        let n = save(&mut saved, &mut ranges);
        assert_eq!(n, saved.len());
        assert_eq!(
            n,
            used() - (512 - std::mem::size_of::<usize>()),
            "{ranges:?}"
        );
        // The execution goes on: the free block is used and written all over.
        let mut again: Vec<u8> = inside(|| vec![0xff; 512]);
        assert_eq!(again.as_ptr(), at);
        again.fill(0xee);
        std::mem::forget(again);
        let mut small = small;
        small[0] = 9;
        std::mem::forget(small);
        unsafe { restore(&saved, &ranges) };
        let (first, second): (Vec<u8>, Vec<u8>) = inside(|| (vec![3; 512], vec![4; 512]));
        assert_eq!(
            first.as_ptr(),
            at,
            "the freed block, from the restored list"
        );
        assert!(
            contains(second.as_ptr()) && second.as_ptr() != at,
            "then a new one"
        );
        // SAFETY: the small block is live again as it was at the save.
        let small = unsafe { std::slice::from_raw_parts(at.wrapping_add(512), 32) };
        assert_eq!(small, [2; 32], "a block in use is restored");
        std::mem::forget((first, second));
        arm(false);
    }

    /// A layout aligned past a page is served from the arena, aligned as it asks
    /// (it used to get no block, and the process aborted without saying why).
    #[test]
    fn alignment_past_a_page_is_served() {
        #[repr(align(8192))]
        struct Big([u8; 100]);
        #[repr(align(64))]
        struct Line(u64);
        arm(true);
        reset();
        let (line, big, small) =
            inside(|| (Box::new(Line(3)), Box::new(Big([7; 100])), vec![0u8; 24]));
        for (p, align) in [
            (std::ptr::from_ref(&*line) as usize, 64),
            (std::ptr::from_ref(&*big) as usize, 8192),
            (small.as_ptr() as usize, PACKED_ALIGN),
        ] {
            assert!(contains(p as *const u8), "in the arena");
            assert_eq!(p % align, 0, "aligned to {align}");
        }
        assert_eq!((line.0, big.0[99]), (3, 7));
        // Freed and asked again: the same block, from the aligned set's list.
        let at = std::ptr::from_ref(&*big) as usize;
        drop(big);
        let again = inside(|| Box::new(Big([1; 100])));
        assert_eq!(std::ptr::from_ref(&*again) as usize, at);
        std::mem::forget((line, again, small));
        arm(false);
    }

    #[test]
    fn a_free_of_outside_memory_inside_is_caught() {
        // `black_box`: the compiler may not elide the allocation and its free.
        let outside_box = std::hint::black_box(Box::new(5u64));
        arm(true);
        reset();
        assert_eq!(take_violation(), None);
        inside(|| drop(std::hint::black_box(outside_box)));
        assert!(take_violation().is_some(), "the free is recorded");
        let grown = inside(|| {
            let mut v: Vec<u8> = outside(|| std::hint::black_box(Vec::with_capacity(4)));
            v.extend_from_slice(&[0; 64]);
            std::hint::black_box(v)
        });
        assert!(contains(grown.as_ptr()));
        assert!(take_violation().is_some(), "growing an outside block too");
        arm(false);
        // Not armed: nothing goes to the arena.
        let v: Vec<u8> = inside(|| vec![0; 8]);
        assert!(!contains(v.as_ptr()));
    }
}
