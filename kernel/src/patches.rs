//! The bugs the kernel target can re-introduce, and the fixes it can try: small
//! source patches applied to the extracted fs/dax.c at build time. Each names the function it patches and the
//! text it replaces; matching ignores differences in white space, and a patch
//! whose text is not found exactly once is reported as not applying to that tree.

/// One variant of the extracted code.
#[derive(Debug, Clone, Copy)]
pub struct PatchSpec {
    /// Its name: `fixed` for the unpatched tree, else a bug name. Bugs that are the
    /// zoo's (same mistake) carry the zoo's name, so scenario expectations apply.
    pub name: &'static str,
    /// What it breaks (a bug) or mends (a fix), one line.
    pub about: &'static str,
    /// A candidate fix of the tree (selected with `--patch`), not a bug (`--bug`).
    pub fix: bool,
    /// The replacements, in order: (old text, new text).
    pub edits: &'static [(&'static str, &'static str)],
}

/// The unpatched tree: the first variant of every era.
pub const FIXED: PatchSpec = PatchSpec {
    name: "fixed",
    about: "the tree as it is",
    fix: false,
    edits: &[],
};

/// Every variant: the unpatched tree, then one per bug, then the fixes.
pub fn variants() -> Vec<PatchSpec> {
    vec![
        FIXED,
        PatchSpec {
            name: "misaligned-pmd",
            about: "dax_fault_check_fallback() without its PMD colour check (the seed's v4.13 bug)",
            fix: false,
            edits: &[(
                "if ((vmf->pgoff & PG_PMD_COLOUR) != ((vmf->address >> PAGE_SHIFT) & PG_PMD_COLOUR)) return true;",
                "/* daxlock: colour check removed */",
            )],
        },
        PatchSpec {
            name: "downgrade-wake-one",
            about: "grab_mapping_entry() wakes one waiter, not all, after downgrading a PMD entry",
            fix: false,
            edits: &[(
                "dax_wake_entry(xas, entry, WAKE_ALL);",
                "dax_wake_entry(xas, entry, WAKE_NEXT);",
            )],
        },
        PatchSpec {
            name: "invalidate-wake-one",
            about: "__dax_invalidate_entry() wakes one waiter, not all, after deleting an entry (fixed in 2021, 'dax: Wake up all waiters after invalidating dax entry')",
            fix: false,
            edits: &[(
                "put_unlocked_entry(&xas, entry, WAKE_ALL);",
                "put_unlocked_entry(&xas, entry, WAKE_NEXT);",
            )],
        },
        PatchSpec {
            name: "lock-entry-exclusive-wait",
            about: "wait_entry_unlocked() (dax_lock_mapping_entry()'s wait) waits exclusively, as before 'dax: Use non-exclusive wait in wait_entry_unlocked()'",
            fix: false,
            edits: &[(
                "prepare_to_wait(wq, &ewait.wait, TASK_UNINTERRUPTIBLE); xas_unlock_irq(xas);",
                "prepare_to_wait_exclusive(wq, &ewait.wait, TASK_UNINTERRUPTIBLE); xas_unlock_irq(xas);",
            )],
        },
        PatchSpec {
            name: "writeback-waits",
            about: "dax_writeback_one() resets its xa_state before get_unlocked_entry() (7.x: get_next_unlocked_entry()), which then waits for the locked dirty entry instead of skipping it: the candidate fix of the fsync skip (README: Findings)",
            fix: true,
            edits: &[WRITEBACK_WAITS],
        },
        PatchSpec {
            name: "clean-reads",
            about: "dax_insert_entry() tags an entry dirty on write faults only, as 6.12 does (`write &&`): the fix of 6.1's read faults that tag their entries dirty (README: Findings, 2)",
            fix: true,
            edits: &[CLEAN_READS],
        },
        PatchSpec {
            name: "writeback-waits-clean-reads",
            about: "writeback-waits and clean-reads together: 6.1's whole fix of the fsync skip (with writeback-waits alone, 6.1's dirty zero-page entries reach dax_writeback_one()'s WARN_ON_ONCE and fsync returns -EIO; README: Findings, 1)",
            fix: true,
            edits: &[WRITEBACK_WAITS, CLEAN_READS],
        },
    ]
}

/// `writeback-waits`' one edit: reset the xa_state before dax_writeback_one() waits.
/// Only the declaration is matched: the call after it is get_unlocked_entry() before
/// 7.x and get_next_unlocked_entry() in the folio era, and the reset goes before
/// either.
const WRITEBACK_WAITS: (&str, &str) = (
    "void *old_entry = entry;",
    "void *old_entry = entry;\n\t\t/* daxlock fix writeback-waits: look the entry up afresh at this index, so\n\t\t * that the wait below waits for it instead of looking past it. */\n\t\txas_reset(xas);",
);

/// `clean-reads`' one edit: 6.1's dax_insert_entry() dirties on every fault that is
/// not synchronous; only a write fault should. Written the way 6.12 has it (a
/// `write` of the iterator's flags), so the build's detection of the tree's truth
/// (`read_faults_leave_entries_clean()` in build.rs) reads the patched variant as
/// clean. Trees that already have the `write &&` (6.12, 7.x) or pass `dirty` from
/// their callers (5.15) do not match it.
const CLEAN_READS: (&str, &str) = (
    "bool dirty = !dax_fault_is_synchronous(iter, vmf->vma);",
    "/* daxlock fix clean-reads: only a write fault dirties its entry. */\n\tconst bool write = iter->flags & IOMAP_WRITE;\n\tbool dirty = write && !dax_fault_is_synchronous(iter, vmf->vma);",
);

/// `text` with white space collapsed to single spaces, and for each byte of the
/// result the byte offset in `text` it came from.
fn collapse(text: &str) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut map = Vec::new();
    let mut space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
            map.push(i);
        }
        space = false;
        out.push(c);
        for _ in 0..c.len_utf8() {
            map.push(i);
        }
    }
    (out, map)
}

/// A `#line` directive (on a line of its own) that numbers the text from
/// `text[at..]` on as the tree did: the line of the last directive before `at`
/// plus the line breaks between them. `None` without a directive before `at`.
fn resume_line(text: &str, at: usize) -> Option<String> {
    let directive = text[..at].rfind("#line ")?;
    let rest = &text[directive + "#line ".len()..at];
    let (number, rest) = rest.split_once(' ')?;
    let (file, rest) = rest.split_once('\n')?;
    let line = number.parse::<usize>().ok()? + rest.matches('\n').count();
    Some(format!(
        "\n#line {line} {} {PATCH_DIRECTIVE}\n",
        file.trim()
    ))
}

/// Marks the `#line` directives a patch adds (after text longer than it replaced).
pub const PATCH_DIRECTIVE: &str = "/* daxlock: after a patch */";

/// Applies `spec` to the extracted text; an error says which edit did not match.
pub fn apply(text: &str, spec: &PatchSpec) -> Result<String, String> {
    let mut text = text.to_string();
    for (old, new) in spec.edits {
        let (hay, map) = collapse(&text);
        let (needle, _) = collapse(old);
        let hits: Vec<usize> = hay.match_indices(&needle).map(|(i, _)| i).collect();
        if hits.len() != 1 {
            return Err(format!("`{old}` found {} times (want once)", hits.len()));
        }
        let start = map[hits[0]];
        let last = map[hits[0] + needle.len() - 1];
        let end = last + text[last..].chars().next().map_or(1, char::len_utf8);
        // The lines after the edit keep the tree's numbers (the extract's `#line`
        // directives): a replacement shorter in lines is padded with line breaks,
        // a longer one is followed by a directive naming the line it ended on.
        let (lost, added) = (
            text[start..end].matches('\n').count(),
            new.matches('\n').count(),
        );
        let after = if added > lost {
            resume_line(&text, end).unwrap_or_default()
        } else {
            "\n".repeat(lost - added)
        };
        text.replace_range(start..end, &format!("{new}{after}"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A patch matches across line breaks and indentation, only once, and keeps
    /// the tree's numbers for the lines after it (padded, or a `#line`).
    #[test]
    fn matches_ignoring_white_space() {
        let spec = PatchSpec {
            name: "x",
            about: "",
            fix: false,
            edits: &[("if (a &&  b) return;", "/* gone */")],
        };
        let text = "x();\n\tif (a &&\n\t    b)\n\t\treturn;\ny();\n";
        assert_eq!(
            apply(text, &spec).unwrap(),
            "x();\n\t/* gone */\n\n\ny();\n",
            "padded to the lines it replaced"
        );
        assert!(apply("nothing here", &spec)
            .unwrap_err()
            .contains("found 0 times"));
        // A longer replacement: a directive resumes the tree's numbering after it.
        let spec = PatchSpec {
            edits: &[("b) return;", "b)\n\t\treturn 1;")],
            ..spec
        };
        let numbered = "#line 10 \"f.c\"\nx();\n\tif (a &&\n\t    b) return;\ny();\n";
        assert_eq!(
            apply(numbered, &spec).unwrap(),
            format!("#line 10 \"f.c\"\nx();\n\tif (a &&\n\t    b)\n\t\treturn 1;\n#line 12 \"f.c\" {PATCH_DIRECTIVE}\n\ny();\n")
        );
        let twice = format!("{text}{text}");
        assert!(apply(&twice, &spec).unwrap_err().contains("found 2 times"));
    }
}
