//! Picks named top-level items (functions, structs, enums, `#define`s, variables)
//! out of a kernel C file, unmodified, in source order.
//!
//! Used by the build script on the kernel tree it is pointed at; nothing of the
//! kernel is stored in this repository. The splitter knows just enough C for the
//! kernel's coding style: comments, strings and character literals are skipped when
//! counting braces, a preprocessor line (with its continuations) is one item, and a
//! top-level item ends where its braces close at a `}` or a `;`.

use std::collections::BTreeSet;

/// One top-level item of a C file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it defines: a function or variable name, `struct x`, `enum x`, or the
    /// macro name of a `#define`. Empty for items that define nothing by name.
    pub name: String,
    /// Its text, as in the file.
    pub text: String,
    /// The line of the file its text starts on (1-based).
    pub line: usize,
}

/// Splits C source into its top-level items (comments between items dropped).
pub fn items(source: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut lines = source.lines().peekable();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut in_comment = false;
    // The line number of the line at hand, and of the current item's first line.
    let mut number = 0;
    let mut start = 0;
    while let Some(line) = lines.next() {
        number += 1;
        let trimmed = line.trim_start();
        if depth == 0 && !in_comment && current.trim().is_empty() && trimmed.starts_with('#') {
            let mut text = line.to_string();
            let mut last = line;
            let first = number;
            while last.trim_end().ends_with('\\') {
                match lines.next() {
                    Some(l) => {
                        number += 1;
                        text.push('\n');
                        text.push_str(l);
                        last = l;
                    }
                    None => break,
                }
            }
            out.push(Item {
                name: define_name(&text),
                text,
                line: first,
            });
            current.clear();
            continue;
        }
        let (d, c, only_comment) = scan(line, depth, in_comment);
        let was_empty = current.trim().is_empty();
        depth = d;
        in_comment = c;
        if was_empty && only_comment {
            continue;
        }
        if was_empty {
            start = number;
        }
        current.push_str(line);
        current.push('\n');
        let end = code_end(line);
        if depth == 0 && !in_comment && (end.ends_with('}') || end.ends_with(';')) {
            let text = std::mem::take(&mut current);
            out.push(Item {
                name: item_name(&text),
                text,
                line: start,
            });
        }
    }
    out
}

/// The line without a trailing `/* ... */` comment or white space (4.13's
/// wait.c has `EXPORT_SYMBOL_GPL(x);\t/* For internal use only */`).
fn code_end(line: &str) -> &str {
    let t = line.trim_end();
    match (t.ends_with("*/"), t.rfind("/*")) {
        (true, Some(i)) => t[..i].trim_end(),
        _ => t,
    }
}

/// Scans one line: the brace depth after it, whether a block comment is still open,
/// and whether the line held nothing but comment and space.
fn scan(line: &str, mut depth: i32, mut in_comment: bool) -> (i32, bool, bool) {
    let b = line.as_bytes();
    let mut i = 0;
    let mut code = false;
    while i < b.len() {
        if in_comment {
            if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                in_comment = false;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                in_comment = true;
                i += 2;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => break,
            q @ (b'"' | b'\'') => {
                code = true;
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c => {
                if c == b'{' {
                    depth += 1;
                } else if c == b'}' {
                    depth -= 1;
                }
                if !c.is_ascii_whitespace() {
                    code = true;
                }
                i += 1;
            }
        }
    }
    (depth, in_comment, !code)
}

fn define_name(text: &str) -> String {
    let rest = text.trim_start().trim_start_matches('#').trim_start();
    match rest.strip_prefix("define") {
        Some(r) => r
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect(),
        None => String::new(),
    }
}

fn item_name(text: &str) -> String {
    // Only the part before the body (or initializer) names the item.
    let head_end = text.find(['{', '=']).unwrap_or(text.len());
    let head = &text[..head_end];
    let words: Vec<&str> = head.split_whitespace().collect();
    for kw in ["struct", "enum", "union"] {
        if words.first() == Some(&kw) && !head.contains('(') {
            return format!("{kw} {}", words.get(1).unwrap_or(&"").trim_end_matches(';'));
        }
    }
    let ident_before = |pos: usize| -> String {
        let s = head[..pos].trim_end();
        let start = s
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        s[start..].to_string()
    };
    if let Some(p) = head.find('(') {
        let name = ident_before(p);
        // A macro call at top level (EXPORT_SYMBOL(x);) names nothing.
        if name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        {
            return String::new();
        }
        return name;
    }
    if let Some(p) = head.find('[') {
        return ident_before(p);
    }
    ident_before(head.trim_end().trim_end_matches(';').len())
}

/// A `#line` directive: the next line is line `line` of `file` (a path in the
/// tree, such as `fs/dax.c`), so that `__LINE__`, `__FILE__` and the compiler's
/// diagnostics name the tree's own file and line, not the extract's.
pub fn line_directive(line: usize, file: &str) -> String {
    format!("#line {line} \"{file}\"\n")
}

/// The items named in `wanted`, each the first of its name, in source order,
/// each after a [`line_directive`] naming where it starts in `file`.
/// Errors name every wanted item the file does not have.
pub fn extract(source: &str, file: &str, wanted: &[&str]) -> Result<String, String> {
    let all = items(source);
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    for item in &all {
        if wanted.contains(&item.name.as_str()) && seen.insert(item.name.clone()) {
            out.push_str(&line_directive(item.line, file));
            out.push_str(&item.text);
            if !item.text.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
    }
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| !seen.contains(*w))
        .collect();
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(format!("not found: {}", missing.join(", ")))
    }
}

/// Every `trace_*` tracepoint called in `text`, sorted, for no-op definitions.
pub fn tracepoints(text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(p) = text[i..].find("trace_") {
        let start = i + p;
        let boundary =
            start == 0 || !(b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_');
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |e| start + e);
        if boundary && b.get(end) == Some(&b'(') {
            out.insert(text[start..end].to_string());
        }
        i = end.max(start + 1);
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"// SPDX
#include <linux/x.h>
#define A(x) \
	((x) + 1)

/* a comment { with a brace */
static int f(int a)
{
	if (a) { return '{'; }
	return 0;
}
EXPORT_SYMBOL(f);	/* a trailing comment */

struct s {
	int x;
};

static wait_queue_head_t table[16];
enum mode { M1, M2 };
static void *g(struct s *p,
		int b)
{
	trace_dax_thing(p, "}");
	return NULL;
}
"#;

    /// Each kind of item is found under its name, with its text whole.
    #[test]
    fn names_every_item() {
        let names: Vec<String> = items(SAMPLE).into_iter().map(|i| i.name).collect();
        assert_eq!(
            names,
            ["", "A", "f", "", "struct s", "table", "enum mode", "g"]
        );
        let f = extract(SAMPLE, "x.c", &["g", "f"]).unwrap();
        assert!(f.starts_with("#line 7 \"x.c\"\nstatic int f(int a)\n{"));
        assert!(f.contains("#line 20 \"x.c\"\nstatic void *g("));
        assert!(f.contains("return NULL;\n}\n"));
    }

    /// Each item knows the line it starts on, past comments, blank lines and a
    /// macro's continuation lines.
    #[test]
    fn items_know_their_first_line() {
        let lines: Vec<(String, usize)> = items(SAMPLE)
            .into_iter()
            .map(|i| (i.name, i.line))
            .collect();
        let at = |name: &str| lines.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(
            (
                at("A"),
                at("f"),
                at("struct s"),
                at("table"),
                at("enum mode"),
                at("g")
            ),
            (3, 7, 14, 18, 19, 20)
        );
    }

    /// A wanted item the file lacks is an error naming it.
    #[test]
    fn missing_items_are_named() {
        assert_eq!(
            extract(SAMPLE, "x.c", &["f", "nope"]).unwrap_err(),
            "not found: nope"
        );
    }

    /// Tracepoints are found by their calls.
    #[test]
    fn finds_tracepoints() {
        assert_eq!(tracepoints(SAMPLE), ["trace_dax_thing"]);
    }
}
