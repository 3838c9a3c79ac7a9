//! Which era of fs/dax.c a tree holds, recognised by what its `fs/dax.c` contains
//! (never by the version number), and what each era's build takes from it.
//!
//! Used by the build script; the crate exposes the era it was built for
//! (`KERNEL_ERA`). The eras, oldest first:
//!
//! | era | marker in fs/dax.c | trees | built |
//! |---|---|---|---|
//! | radix tree | `get_unlocked_mapping_entry()` | v4.x | by its own module ([`Era::RadixTree`]) |
//! | xarray before `iomap_iter()` | `struct xa_state`, no `iomap_iter()` | 5.0–5.14 (5.10) | no: refused with the reason |
//! | xarray with `dax_lock_page()` | `dax_lock_page()`, `dax_iomap_pfn()` | 5.15 | yes |
//! | xarray, `dax_lock_mapping_entry()` | `dax_lock_mapping_entry()`, `get_unlocked_entry()` | 6.0–6.14 (6.1, 6.12) | yes |
//! | folio | `get_next_unlocked_entry()` | 6.15 on (7.1) | yes |

/// One era of fs/dax.c.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// v4.x: the radix tree, `get_unlocked_mapping_entry()`, `tree_lock`.
    RadixTree,
    /// 5.0–5.14: the xarray, with fault handlers that call `->iomap_begin` directly.
    XarrayNoIter,
    /// 5.15: `iomap_iter()`, `dax_lock_page()`, `dax_iomap_pfn()`, `enum page_entry_size`.
    Xarray515,
    /// 6.0–6.14: `dax_lock_mapping_entry()`, `dax_iomap_direct_access()`, `pfn_t`.
    Xarray6,
    /// 6.15 on: folios, no `pfn_t`, `get_next_unlocked_entry()`.
    Folio,
}

/// The functions whose definitions tell the eras apart.
const MARKERS: &[&str] = &[
    "get_unlocked_mapping_entry",
    "get_unlocked_entry",
    "get_next_unlocked_entry",
    "dax_lock_page",
    "dax_lock_mapping_entry",
    "dax_iomap_pfn",
    "dax_iomap_direct_access",
    "iomap_iter",
];

/// Whether `source` calls or defines the function `name`.
fn has(source: &str, name: &str) -> bool {
    let b = source.as_bytes();
    source.match_indices(name).any(|(i, _)| {
        let before = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        before && b.get(i + name.len()) == Some(&b'(')
    })
}

impl Era {
    /// Recognises the era of a tree's `fs/dax.c`; an error is one sentence naming
    /// what was expected and what was found.
    pub fn detect(dax: &str) -> Result<Era, String> {
        let h = |n| has(dax, n);
        if h("get_unlocked_mapping_entry") {
            return Ok(Era::RadixTree);
        }
        if dax.contains("struct xa_state") && !h("iomap_iter") {
            return Ok(Era::XarrayNoIter);
        }
        if h("get_next_unlocked_entry") && h("iomap_iter") {
            return Ok(Era::Folio);
        }
        if h("dax_lock_page") && h("dax_iomap_pfn") && h("get_unlocked_entry") {
            return Ok(Era::Xarray515);
        }
        if h("dax_lock_mapping_entry") && h("get_unlocked_entry") && h("dax_iomap_direct_access") {
            return Ok(Era::Xarray6);
        }
        let found: Vec<&str> = MARKERS.iter().copied().filter(|m| h(m)).collect();
        Err(format!(
            "fs/dax.c is of no known era: expected get_unlocked_mapping_entry() (radix tree, v4.x), \
             or struct xa_state with get_unlocked_entry() and dax_lock_page() (5.15) or \
             dax_lock_mapping_entry() (6.0-6.14), or get_next_unlocked_entry() (folios, 6.15 on); found {}",
            if found.is_empty() {
                "none of these".to_string()
            } else {
                found
                    .iter()
                    .map(|f| format!("{f}()"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))
    }

    /// Its short name (`KERNEL_ERA`, the C define `DAXK_ERA_<NAME>`).
    pub fn name(self) -> &'static str {
        match self {
            Era::RadixTree => "radix-tree",
            Era::XarrayNoIter => "xarray-no-iter",
            Era::Xarray515 => "xarray-5.15",
            Era::Xarray6 => "xarray-6",
            Era::Folio => "folio",
        }
    }

    /// The C define that selects the era's shims and driver (`-D<this>`).
    pub fn define(self) -> &'static str {
        match self {
            Era::RadixTree => "DAXK_ERA_RADIX_TREE",
            Era::XarrayNoIter => "DAXK_ERA_XARRAY_NO_ITER",
            Era::Xarray515 => "DAXK_ERA_515",
            Era::Xarray6 => "DAXK_ERA_6",
            Era::Folio => "DAXK_ERA_FOLIO",
        }
    }

    /// Why the era is not built here, if it is not: one sentence.
    pub fn unsupported(self) -> Option<&'static str> {
        match self {
            Era::XarrayNoIter => Some(
                "xarray era before iomap_iter() (v5.0-5.14, e.g. 5.10): not supported: its fs/dax.c \
                 has no iomap_iter(), dax_fault_iter() or dax_fault_check_fallback() (the fault \
                 handlers call ->iomap_begin/->iomap_end directly), which the xarray driver calls",
            ),
            _ => None,
        }
    }

    /// The items of fs/dax.c the era's build extracts: the entry locking, the wait
    /// table, the fault handlers, invalidation, writeback and memory failure's lock.
    pub fn dax_items(self) -> Vec<&'static str> {
        let own: &[&[&str]] = match self {
            Era::Xarray6 | Era::RadixTree | Era::XarrayNoIter => &[PAGE_ERA_ITEMS, XARRAY6_ITEMS],
            Era::Xarray515 => &[PAGE_ERA_ITEMS, XARRAY515_ITEMS],
            Era::Folio => &[FOLIO_ITEMS],
        };
        let mut items: Vec<&'static str> = COMMON_DAX_ITEMS.to_vec();
        own.iter().for_each(|l| items.extend_from_slice(l));
        items
    }
}

/// The fs/dax.c items every xarray era with `iomap_iter()` shares (extracted in
/// source order, whatever the order here).
const COMMON_DAX_ITEMS: &[&str] = &[
    "DAX_WAIT_TABLE_BITS",
    "DAX_WAIT_TABLE_ENTRIES",
    "PG_PMD_COLOUR",
    "PG_PMD_NR",
    "PMD_ORDER",
    "wait_table",
    "init_dax_wait_table",
    "DAX_SHIFT",
    "DAX_LOCKED",
    "DAX_PMD",
    "DAX_ZERO_PAGE",
    "DAX_EMPTY",
    "dax_to_pfn",
    "dax_make_entry",
    "dax_is_locked",
    "dax_entry_order",
    "dax_is_pmd_entry",
    "dax_is_pte_entry",
    "dax_is_zero_entry",
    "dax_is_empty_entry",
    "dax_is_conflict",
    "struct exceptional_entry_key",
    "struct wait_exceptional_entry_queue",
    "enum dax_wake_mode",
    "dax_entry_waitqueue",
    "wake_exceptional_entry_func",
    "dax_wake_entry",
    "wait_entry_unlocked",
    "put_unlocked_entry",
    "dax_unlock_entry",
    "dax_lock_entry",
    "dax_entry_size",
    "dax_associate_entry",
    "dax_disassociate_entry",
    "grab_mapping_entry",
    "__dax_invalidate_entry",
    "dax_delete_mapping_entry",
    "dax_invalidate_mapping_entry_sync",
    "copy_cow_page_dax",
    "dax_fault_is_synchronous",
    "dax_fault_is_cow",
    "dax_insert_entry",
    "dax_writeback_one",
    "dax_writeback_mapping_range",
    "dax_load_hole",
    "dax_pmd_load_hole",
    "dax_fault_return",
    "dax_fault_synchronous_pfnp",
    "dax_fault_cow_page",
    "dax_fault_iter",
    "dax_iomap_pte_fault",
    "dax_fault_check_fallback",
    "dax_iomap_pmd_fault",
];

/// 6.0–6.14: memory failure locks by mapping and index; the device by pgoff.
const XARRAY6_ITEMS: &[&str] = &[
    "dax_lock_mapping_entry",
    "dax_unlock_mapping_entry",
    "dax_iomap_pgoff",
    "dax_iomap_direct_access",
];

/// 5.15: memory failure locks by page; the device through the block device's
/// sector. Its `dax_entry_mkclean()` (a page-table walk with
/// `follow_invalidate_pte()`) is not extracted: `c/era_515.h` gives it in our words.
const XARRAY515_ITEMS: &[&str] = &[
    "dax_lock_page",
    "dax_unlock_page",
    "dax_iomap_sector",
    "dax_iomap_pfn",
];

/// The eras before folios: the wait is get_unlocked_entry(), and an entry's pages
/// are walked pfn by pfn (reflink helpers under 6.1's or 6.12's names).
const PAGE_ERA_ITEMS: &[&str] = &[
    "get_unlocked_entry",
    "dax_end_pfn",
    "for_each_mapped_pfn",
    "dax_mapping_is_cow",
    "dax_mapping_set_cow",
    "dax_page_is_shared",
    "dax_page_share_get",
    "dax_page_share_put",
];

/// The folio era's own items.
const FOLIO_ITEMS: &[&str] = &[
    "get_next_unlocked_entry",
    "dax_to_folio",
    "dax_folio_is_shared",
    "dax_folio_make_shared",
    "dax_folio_reset_order",
    "dax_folio_put",
    "dax_folio_init",
    "dax_lock_mapping_entry",
    "dax_unlock_mapping_entry",
    "dax_iomap_pgoff",
    "dax_iomap_direct_access",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each era is recognised by its functions, and an unknown file gets a
    /// sentence naming what was expected and what was found.
    #[test]
    fn recognises_eras_by_content() {
        let era = |s: &str| Era::detect(s);
        assert_eq!(
            era("static void *get_unlocked_mapping_entry(x)"),
            Ok(Era::RadixTree)
        );
        assert_eq!(
            era("struct xa_state *xas; get_unlocked_entry(xas); dax_iomap_actor(x)"),
            Ok(Era::XarrayNoIter)
        );
        assert!(Era::XarrayNoIter
            .unsupported()
            .unwrap()
            .contains("iomap_iter()"));
        assert_eq!(
            era("struct xa_state; get_unlocked_entry(x); dax_lock_page(p); dax_iomap_pfn(i); iomap_iter(i)"),
            Ok(Era::Xarray515)
        );
        assert_eq!(
            era("struct xa_state; get_unlocked_entry(x); dax_lock_mapping_entry(m); dax_iomap_direct_access(i); iomap_iter(i)"),
            Ok(Era::Xarray6)
        );
        assert_eq!(
            era("struct xa_state; get_next_unlocked_entry(x); iomap_iter(i)"),
            Ok(Era::Folio)
        );
        let e = era("struct xa_state; iomap_iter(i); my_get_unlocked_entry(x)").unwrap_err();
        assert!(
            e.starts_with("fs/dax.c is of no known era: expected"),
            "{e}"
        );
        assert!(e.ends_with("found iomap_iter()"), "{e}");
        assert!(era("int main(void)")
            .unwrap_err()
            .ends_with("found none of these"));
    }

    /// Each era extracts its own memory-failure lock and device lookup.
    #[test]
    fn eras_pick_their_items() {
        assert!(Era::Xarray515.dax_items().contains(&"dax_lock_page"));
        assert!(!Era::Xarray515
            .dax_items()
            .contains(&"dax_lock_mapping_entry"));
        assert!(Era::Folio.dax_items().contains(&"get_next_unlocked_entry"));
        assert!(!Era::Folio.dax_items().contains(&"get_unlocked_entry"));
        assert!(Era::Xarray6
            .dax_items()
            .contains(&"dax_iomap_direct_access"));
    }
}
