//! `daxlock list` (scenarios, bugs, `--branches`) and `daxlock lemma`.

mod support;

use support::{catalogue_names, code, daxlock, describe, stdout};

/// `lemma` proves the colour check: exit 0, "proved".
#[test]
fn lemma_exits_0_and_proves() {
    let o = daxlock(&["lemma"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    assert!(stdout(&o).contains("proved"), "{}", describe(&o));
}

/// `list` names every catalogue scenario and every bug, misaligned-pmd included.
#[test]
fn list_names_every_scenario_and_bug() {
    let o = daxlock(&["list"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    let names = catalogue_names();
    assert!(!names.is_empty());
    for n in &names {
        assert!(out.contains(n.as_str()), "{n} missing from:\n{out}");
    }
    assert!(out.contains("misaligned-pmd"), "{out}");
    for b in daxlock::dax::ALL_BUGS {
        assert!(out.contains(b.name), "{} missing from:\n{out}", b.name);
    }
}

/// `list --branches` names every branch of the protocol with its one-line meaning,
/// and only them.
#[test]
fn list_branches_names_every_branch() {
    let o = daxlock(&["list", "--branches"]);
    assert_eq!(code(&o), 0, "{}", describe(&o));
    let out = stdout(&o);
    for b in daxlock::dax::Branch::ALL {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(b.name()))
            .unwrap_or_else(|| panic!("{b} missing from:\n{out}"));
        assert!(line.ends_with(b.meaning()), "{line}");
    }
    assert_eq!(
        out.lines().count(),
        daxlock::dax::Branch::COUNT + 1,
        "{out}"
    );
    assert!(!out.contains("misaligned-pmd"), "{out}");
}

/// `list` says "1 thread", not "1 threads".
#[test]
fn list_counts_threads_in_english() {
    let o = daxlock(&["list"]);
    let out = stdout(&o);
    assert!(out.contains(" 1 thread "), "{out}");
    assert!(!out.contains(" 1 threads"), "{out}");
}
