//! Picks named top-level items (functions, structs, enums, `#define`s, variables)
//! out of a kernel C file, unmodified, in source order.
//!
//! Used by the build script on the kernel tree it is pointed at; nothing of the
//! kernel is stored in this repository. The splitter knows just enough C for the
//! kernel's coding style: it follows braces and parentheses, skipping comments,
//! string and character literals; a preprocessor line (with its continuations) is
//! one item at top level and is kept verbatim, unscanned, inside one; a top-level
//! item ends with the line holding its `;` outside every brace and parenthesis, or
//! the `}` closing a function body (a `{` at top level after a `)`, with no `=`
//! before it: a struct, enum or initialiser goes on to its `;`).

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
    let mut lines = source.lines();
    let mut current = String::new();
    let mut scan = Scanner::default();
    // The line number of the line at hand, and of the current item's first line.
    let mut number = 0;
    let mut start = 0;
    while let Some(line) = lines.next() {
        number += 1;
        if !scan.in_comment && line.trim_start().starts_with('#') {
            // A directive and its continuation lines.
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
            if current.trim().is_empty() && scan.at_top() {
                out.push(Item {
                    name: define_name(&text),
                    text,
                    line: first,
                });
                current.clear();
            } else {
                if current.trim().is_empty() {
                    start = first;
                }
                current.push_str(&text);
                current.push('\n');
            }
            continue;
        }
        let was_empty = current.trim().is_empty();
        let only_comment = scan.line(line);
        if was_empty && only_comment {
            continue;
        }
        if was_empty {
            start = number;
        }
        current.push_str(line);
        current.push('\n');
        if std::mem::take(&mut scan.ended) {
            scan.head = Head::default();
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

/// What the splitter has seen of the current item's text at top level, to tell
/// a function body from a struct, enum or initialiser.
#[derive(Default, Clone, Copy)]
struct Head {
    /// The last character of code outside every brace and parenthesis.
    last: u8,
    /// An `=` outside every brace and parenthesis (an initialiser follows).
    assigns: bool,
    /// The open top-level brace is a function body.
    body: bool,
}

/// The splitter's state between lines: comment, brace and parenthesis depth.
#[derive(Default)]
struct Scanner {
    braces: i32,
    parens: i32,
    in_comment: bool,
    head: Head,
    /// The item ended on the line just scanned.
    ended: bool,
}

impl Scanner {
    /// Outside every brace, parenthesis and comment.
    fn at_top(&self) -> bool {
        self.braces == 0 && self.parens == 0 && !self.in_comment
    }

    /// Scans one line; returns whether it held nothing but comment and space.
    fn line(&mut self, line: &str) -> bool {
        let b = line.as_bytes();
        let mut i = 0;
        let mut code = false;
        while i < b.len() {
            if self.in_comment {
                if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    self.in_comment = false;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            match b[i] {
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    self.in_comment = true;
                    i += 2;
                }
                b'/' if b.get(i + 1) == Some(&b'/') => break,
                q @ (b'"' | b'\'') => {
                    code = true;
                    self.code(q);
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                c => {
                    if !c.is_ascii_whitespace() {
                        code = true;
                        self.code(c);
                    }
                    i += 1;
                }
            }
        }
        !code
    }

    /// One character of code (a literal's opening quote stands for it).
    fn code(&mut self, c: u8) {
        let top = self.braces == 0 && self.parens == 0;
        match c {
            b'(' => self.parens += 1,
            b')' => self.parens -= 1,
            b'{' => {
                if top {
                    self.head.body = self.head.last == b')' && !self.head.assigns;
                }
                self.braces += 1;
            }
            b'}' => {
                self.braces -= 1;
                if self.braces == 0 && self.parens == 0 && self.head.body {
                    self.ended = true;
                }
            }
            b';' if top => self.ended = true,
            b'=' if top => self.head.assigns = true,
            _ => {}
        }
        if self.braces == 0 && self.parens == 0 {
            self.head.last = c;
        }
    }
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
        assert_eq!(
            names(SAMPLE),
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

    /// A directive inside an item (kept in it) does not move the item's first
    /// line; the items after a multi-line macro, and after a function with one,
    /// start on their own lines, and their `#line` directives say so.
    #[test]
    fn lines_survive_directives_inside_items() {
        let src = "#define M(x) do { \\\n\tg(x); \\\n\t} while (0)\nstatic void f(void)\n{\n#ifdef X\n\tM(1);\n#endif\n}\n\n#include <y.h>\nint after;\n";
        let lines: Vec<(String, usize)> =
            items(src).into_iter().map(|i| (i.name, i.line)).collect();
        assert_eq!(
            lines,
            [
                ("M".to_string(), 1),
                ("f".to_string(), 4),
                (String::new(), 11),
                ("after".to_string(), 12),
            ]
        );
        let e = extract(src, "y.c", &["f", "after"]).unwrap();
        assert!(e.starts_with("#line 4 \"y.c\"\nstatic void f(void)\n{\n#ifdef X\n"));
        assert!(e.contains("#line 12 \"y.c\"\nint after;\n"));
    }

    /// A wanted item the file lacks is an error naming it.
    #[test]
    fn missing_items_are_named() {
        assert_eq!(
            extract(SAMPLE, "x.c", &["f", "nope"]).unwrap_err(),
            "not found: nope"
        );
    }

    /// The names of `source`'s items.
    fn names(source: &str) -> Vec<String> {
        items(source).into_iter().map(|i| i.name).collect()
    }

    /// The names and first lines of `source`'s items.
    fn split(source: &str) -> Vec<(String, String)> {
        items(source)
            .into_iter()
            .map(|i| (i.name, i.text.lines().next().unwrap_or("").to_string()))
            .collect()
    }

    /// A struct initialiser's `};` ends no item inside a function body.
    #[test]
    fn a_nested_initialiser_does_not_end_its_function() {
        let src = "static int f(void)\n{\n\tstruct s x = {\n\t\t.a = 1,\n\t};\n\treturn x.a;\n}\nstatic int g;\n";
        let all = items(src);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[0].name, "f");
        assert!(all[0].text.ends_with("return x.a;\n}\n"));
        assert_eq!(all[1].name, "g");
    }

    /// A directive inside a body is kept verbatim with its continuation lines,
    /// whose braces and `;` do not count; at top level it is an item of its own.
    #[test]
    fn macro_continuations_stay_whole() {
        let src = "#define M(x) do { \\\n\tg(x); \\\n\t} while (0)\nstatic void f(void)\n{\n#define LOCAL(x) { \\\n\tx; }}}\n\tM(1);\n}\nint after;\n";
        assert_eq!(
            split(src),
            [
                ("M".to_string(), "#define M(x) do { \\".to_string()),
                ("f".to_string(), "static void f(void)".to_string()),
                ("after".to_string(), "int after;".to_string()),
            ]
        );
        assert!(items(src)[1].text.contains("\tM(1);\n}\n"));
    }

    /// Braces and `;` in comments count for nothing, whether the comment is a
    /// block or a line comment, mid-line or at a line's end.
    #[test]
    fn comments_with_braces_are_skipped() {
        let src = "/* { */\nstatic int f(int a, // };\n\t     int b) /* } */\n{ /* { */\n\treturn a + b; // }\n}\n/* } */ int g;\n";
        assert_eq!(
            split(src),
            [
                ("f".to_string(), "static int f(int a, // };".to_string()),
                ("g".to_string(), "/* } */ int g;".to_string()),
            ]
        );
    }

    /// An item goes on while a parenthesis is open, even past a line ending in
    /// `}` or `;` (inside a string).
    #[test]
    fn parentheses_are_followed() {
        let src = "static struct t x = T_INIT(a, { 1, 2 }\n\t\t, b);\nstatic const char *s = F(\"x;\",\n\t\"y\");\nint z;\n";
        assert_eq!(names(src), ["x", "s", "z"]);
    }

    /// A struct or enum definition goes on past its closing brace to its `;`.
    #[test]
    fn a_struct_ends_at_its_semicolon() {
        let src = "struct s {\n\tint a;\n}\n__attribute__((packed));\nenum e { A }\n;\nint f(void)\n{\n\treturn 0;\n}\n";
        assert_eq!(names(src), ["struct s", "enum e", "f"]);
    }

    /// Tracepoints are found by their calls.
    #[test]
    fn finds_tracepoints() {
        assert_eq!(tracepoints(SAMPLE), ["trace_dax_thing"]);
    }
}
