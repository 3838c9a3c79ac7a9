//! Where each piece of a scenario file starts: a semantic error found after the
//! parse ([`Loc`]) is given its line by reading the text again with spans.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Which part of a scenario file a semantic error is about, to find its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Loc {
    Top(&'static str),
    FileKey(&'static str),
    Extent(usize),
    Vma(usize),
    Thread(usize),
    Op(usize, usize),
    Check(&'static str),
    Expect(String),
}

/// Where each piece of a scenario file starts, read from the same text with
/// `toml::Spanned` (every field optional and unchecked: the real parse checks).
#[derive(Deserialize, Default)]
pub(super) struct Spans {
    name: Option<toml::Spanned<toml::Value>>,
    wait_buckets: Option<toml::Spanned<toml::Value>>,
    file: Option<toml::Spanned<FileSpans>>,
    vma: Option<Vec<toml::Spanned<toml::Value>>>,
    thread: Option<Vec<toml::Spanned<ThreadSpans>>>,
    check: Option<toml::Spanned<BTreeMap<String, toml::Spanned<toml::Value>>>>,
    expect: Option<toml::Spanned<BTreeMap<String, toml::Spanned<toml::Value>>>>,
}

#[derive(Deserialize, Default)]
struct FileSpans {
    size_pages: Option<toml::Spanned<toml::Value>>,
    extents: Option<Vec<toml::Spanned<toml::Value>>>,
}

#[derive(Deserialize, Default)]
struct ThreadSpans {
    ops: Option<Vec<toml::Spanned<toml::Value>>>,
}

impl Spans {
    /// The byte offset where `loc` starts in the text, if the file has it.
    pub(super) fn offset(&self, loc: &Loc) -> Option<usize> {
        let start = |s: &toml::Spanned<toml::Value>| s.span().start;
        match loc {
            Loc::Top("name") => self.name.as_ref().map(start),
            Loc::Top("wait_buckets") => self.wait_buckets.as_ref().map(start),
            Loc::Top(_) => None,
            Loc::FileKey(_) => {
                let file = self.file.as_ref()?;
                file.get_ref()
                    .size_pages
                    .as_ref()
                    .map(start)
                    .or(Some(file.span().start))
            }
            Loc::Extent(i) => self
                .file
                .as_ref()?
                .get_ref()
                .extents
                .as_ref()?
                .get(*i)
                .map(start),
            Loc::Vma(i) => self.vma.as_ref()?.get(*i).map(start),
            Loc::Thread(t) => self.thread.as_ref()?.get(*t).map(|t| t.span().start),
            Loc::Op(t, j) => {
                let thread = self.thread.as_ref()?.get(*t)?;
                thread
                    .get_ref()
                    .ops
                    .as_ref()
                    .and_then(|ops| ops.get(*j))
                    .map(start)
                    .or(Some(thread.span().start))
            }
            Loc::Check(key) => {
                let check = self.check.as_ref()?;
                check
                    .get_ref()
                    .get(*key)
                    .map(start)
                    .or(Some(check.span().start))
            }
            Loc::Expect(key) => {
                let expect = self.expect.as_ref()?;
                expect
                    .get_ref()
                    .get(key)
                    .map(start)
                    .or(Some(expect.span().start))
            }
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
