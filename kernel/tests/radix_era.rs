//! The radix-tree era (4.13, the seed's own code) under every checker.
//!
//! Built with any tree; the assertions run only when `DAXLOCK_KERNEL_SRC` named a
//! radix-tree era tree (`/work/shared/kernel-trees/linux-4.13.9`), and each test
//! says so when it skips.

#[cfg(not(daxk_kernel))]
#[test]
fn no_kernel_tree_in_this_build() {
    eprintln!(
        "daxlock-kernel built without a kernel tree ({}): radix-era tests skipped",
        daxlock_kernel::unavailable().unwrap_or("?")
    );
}

#[cfg(daxk_kernel)]
mod support;

#[cfg(daxk_kernel)]
mod with_kernel {
    use super::support::{assert_variants, bug, pct, radix_era, run, scenario};
    use daxlock::check::target::Target;
    use daxlock::check::{
        CheckError, CheckReport, LoomChecker, RandomChecker, ReplayChecker, StatefulChecker,
        Verdict,
    };
    use daxlock::dax::Bugs;
    use daxlock_kernel::radix::RADIX_EXPECTATIONS;
    use daxlock_kernel::{Folds, KernelTarget, Switches, KERNEL_SRC, KERNEL_VERSION};

    /// True on a radix-era build; otherwise says why `test` is skipped.
    fn radix(test: &str) -> bool {
        radix_era(true, test)
    }

    /// The seed's splat: the WARN_ON_ONCE(ret != entry) in 4.13's
    /// dax_insert_mapping_entry() (fs/dax.c:641 in the seed's report, on the
    /// 4.13-rc it was found on), named at the tree's own line: 4.13.9's fs/dax.c:609
    /// (the extract carries `#line` directives).
    fn has_the_splat(r: &CheckReport) -> bool {
        let f = r.failure.as_ref().expect("a failure");
        let at = "dax_insert_mapping_entry() fs/dax.c:609: ret != entry";
        let line = std::fs::read_to_string(std::path::Path::new(KERNEL_SRC).join("fs/dax.c"))
            .unwrap()
            .lines()
            .nth(608)
            .map(str::trim)
            .map(str::to_owned);
        assert_eq!(line.as_deref(), Some("WARN_ON_ONCE(ret != entry);"));
        f.warnings.iter().chain(&f.details).any(|w| w.contains(at))
    }

    /// With the colour check removed from dax_iomap_pmd_fault(), both seed
    /// scenarios hang on 4.13's own code, with the seed's WARN, under loom, shuttle
    /// random and PCT and the stateful search; each failure replays to the hang.
    /// The last fault sleeps in get_unlocked_mapping_entry() on FA's entry, which
    /// dax_insert_mapping_entry() stored (locked) at vmf->pgoff while the fault
    /// grabbed, and later unlocked, FB's.
    #[test]
    fn misaligned_pmd_hangs_with_the_seeds_splat_under_every_checker() {
        if !radix("misaligned_pmd_hangs_with_the_seeds_splat_under_every_checker") {
            return;
        }
        let b = bug("misaligned-pmd");
        for name in ["seed-sequential", "seed-concurrent"] {
            let s = scenario(name);
            let random = RandomChecker {
                iterations: 100,
                seed: 0,
                shard: Default::default(),
            };
            let reports = [
                run(&StatefulChecker::default(), &s, b).unwrap(),
                run(&LoomChecker::for_threads(2, Some(3)), &s, b).unwrap(),
                run(&random, &s, b).unwrap(),
                run(&pct(100), &s, b).unwrap(),
            ];
            for r in &reports {
                assert_eq!(r.verdict, Verdict::Hang, "{name} {}: {r:?}", r.checker);
                assert!(has_the_splat(r), "{name} {}: {:?}", r.checker, r.failure);
                let trace: Vec<String> = r
                    .failure
                    .as_ref()
                    .unwrap()
                    .trace
                    .iter()
                    .map(|e| format!("{e:?}"))
                    .collect();
                assert!(
                    trace
                        .iter()
                        .any(|t| t.contains("sleep") && t.contains("get_unlocked_mapping_entry")),
                    "{name} {}: the timeline shows the fault that sleeps forever",
                    r.checker
                );
            }
            // Replay: PCT's schedule and the stateful search's path.
            let f = reports[3].failure.clone().unwrap();
            let again = run(&ReplayChecker::new(&f.schedule.unwrap()).unwrap(), &s, b).unwrap();
            assert_eq!(again.verdict, Verdict::Hang, "{name} replay");
            assert!(has_the_splat(&again));
            let path = reports[0].failure.clone().unwrap().schedule.unwrap();
            let again = run(&StatefulChecker::replaying(&path).unwrap(), &s, b).unwrap();
            assert_eq!(again.verdict, Verdict::Hang, "{name} stateful replay");
        }
    }

    /// Unpatched 4.13 verifies both seed scenarios: the stateful search completes
    /// (every reachable state of the C code explored, no state budget hit), and
    /// loom, random and PCT find nothing either. Beside the test above, this is the
    /// colour check's own verification on the code it was written for.
    #[test]
    fn fixed_4_13_verifies_the_seed_completely() {
        if !radix("fixed_4_13_verifies_the_seed_completely") {
            return;
        }
        for name in ["seed-sequential", "seed-concurrent"] {
            let s = scenario(name);
            let r = run(&StatefulChecker::default(), &s, Bugs::fixed()).unwrap();
            assert_eq!(r.verdict, Verdict::Verified, "{name}: {:?}", r.failure);
            let search = r.search.expect("stateful stats");
            assert!(r.complete && search.complete, "{name}: {search:?}");
            // One thread has one schedule; two threads have hundreds of states
            // (thousands with the whole-tree fold: `radix_state_spaces_are_pinned`).
            if s.threads.len() > 1 {
                assert!(search.states > 100, "{name}: {search:?}");
            }
            eprintln!("{name} fixed on {KERNEL_VERSION}: {search:?}");
            for r in [
                run(&LoomChecker::for_threads(2, Some(3)), &s, Bugs::fixed()).unwrap(),
                run(&pct(300), &s, Bugs::fixed()).unwrap(),
            ] {
                assert_eq!(r.verdict, Verdict::Verified, "{name} {}", r.checker);
            }
        }
    }

    /// Every zoo patch applies to 4.13; the bugs whose code 4.13 does not have
    /// are refused with a sentence.
    #[test]
    fn radix_patches_apply_and_the_rest_are_refused() {
        if !radix("radix_patches_apply_and_the_rest_are_refused") {
            return;
        }
        assert_variants(&[
            "fixed",
            "misaligned-pmd",
            "downgrade-wake-one",
            "eexist-no-pass",
            "wait-key-from-request",
            "no-recheck",
            "late-wait-registration",
            "no-pagetable-recheck",
            "grab-after-iomap",
        ]);
        let s = scenario("seed-concurrent");
        for b in ["invalidate-wake-one", "lock-entry-exclusive-wait"] {
            let e = run(&pct(10), &s, bug(b)).unwrap_err();
            assert!(
                matches!(&e, CheckError::Unsupported { message, .. } if message.contains("radix-tree-era")),
                "{e}"
            );
        }
    }

    /// 4.13 has no dax_lock_mapping_entry(): a memory-failure scenario is refused
    /// with a sentence and left out of the gate (not failed, not run as something
    /// else).
    #[test]
    fn memory_failure_scenarios_are_left_out() {
        if !radix("memory_failure_scenarios_are_left_out") {
            return;
        }
        let s = scenario("memory-failure-waits-shared");
        let why = KernelTarget::default().cannot_run(&s).expect("left out");
        assert!(why.contains("dax_lock_mapping_entry()"), "{why}");
        let e = run(&pct(10), &s, Bugs::fixed()).unwrap_err();
        assert!(e.to_string().contains("dax_lock_mapping_entry()"), "{e}");
        assert!(KernelTarget::default()
            .cannot_run(&scenario("seed-concurrent"))
            .is_none());
        assert!(KernelTarget::default().describe().contains("left out"));
        // The gate runs no row of it on 4.13; on the model it runs its rows.
        let on = |target: std::sync::Arc<dyn Target>| {
            let budget = daxlock::gate::Budget {
                target,
                ..daxlock::gate::Budget::with(daxlock::check::plan::Overrides {
                    checkers: Some(vec![daxlock::kind::CheckerKind::Pct]),
                    iterations: Some(5),
                    ..Default::default()
                })
            };
            daxlock::gate::verify(std::slice::from_ref(&s), &budget, |_| {}).len()
        };
        assert_eq!(on(std::sync::Arc::new(KernelTarget::default())), 0);
        assert_eq!(on(std::sync::Arc::new(daxlock::check::Model)), 2);
    }

    /// The model-vs-4.13 table is exact: each difference it lists is one PCT finds
    /// on 4.13 (so no stale row hides an agreement), with the verdict it names.
    #[test]
    fn every_listed_difference_is_real() {
        if !radix("every_listed_difference_is_real") {
            return;
        }
        for (name, variant, verdict, _why) in RADIX_EXPECTATIONS {
            let s = scenario(name);
            let b = if *variant == "fixed" {
                Bugs::fixed()
            } else {
                bug(variant)
            };
            let model = s
                .expect
                .iter()
                .find(|(x, _)| *x == b)
                .map(|(_, v)| *v)
                .expect("the scenario expects this variant");
            assert_ne!(model, *verdict, "{name} [{variant}] is no difference");
            let r = run(&pct(2000), &s, b).unwrap();
            assert_eq!(r.verdict, *verdict, "{name} [{variant}]: {:?}", r.failure);
        }
    }

    /// The hole-page race 4.13 has and the model cannot see (README: model vs
    /// v4.13): the fault's find_or_create_page() hands the entry's waiters a page
    /// before the PTE is mapped; write(2)'s invalidation leaves the page and the
    /// fault maps it over the new block. Found by the stateful search too.
    #[test]
    fn hole_page_race_maps_zeroes_over_written_data() {
        if !radix("hole_page_race_maps_zeroes_over_written_data") {
            return;
        }
        let s = scenario("bug-grab-after-iomap");
        let r = run(&StatefulChecker::default(), &s, Bugs::fixed()).unwrap();
        // The content check: the zero (hole) page mapped over a written block.
        assert_eq!(r.verdict, Verdict::WrongPage);
        let f = r.failure.unwrap();
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("covers allocated block")),
            "{:?}",
            f.details
        );
        let trace: Vec<String> = f.trace.iter().map(|e| format!("{e:?}")).collect();
        assert!(
            trace.iter().any(|t| t.contains("dax_load_hole")),
            "{trace:?}"
        );
    }

    /// `daxlock-kernel diff` reports a real difference and nothing where the two
    /// agree: generated scenario 223 is the hole-page race (model verified, 4.13
    /// wrong-page, confirmed by the deeper search); scenarios 0-4 agree.
    #[test]
    fn differential_reports_the_hole_page_race_and_only_it() {
        if !radix("differential_reports_the_hole_page_race_and_only_it") {
            return;
        }
        use daxlock_kernel::differential::{run as diff, DiffOptions};
        let opts = |seed, scenarios| DiffOptions {
            scenarios,
            seed,
            iterations: 300,
            bugs: Bugs::fixed(),
            save: None,
        };
        let found = diff(&opts(223, 1), |_| {}).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].model, found[0].kernel),
            (Verdict::Verified, Verdict::WrongPage)
        );
        assert!(
            found[0].detail.contains("covers allocated block"),
            "{found:?}"
        );
        assert!(diff(&opts(0, 5), |_| {}).unwrap().is_empty());
    }

    /// The kernel's own radix-tree test suite (`tools/testing/radix-tree/`, its
    /// single-threaded part) passes against the shims lib/radix-tree.c is built
    /// with: every group runs to its end, no check fails, no WARN/BUG, every lock
    /// released.
    #[test]
    fn kernel_radix_tree_suite_passes_on_the_shims() {
        if !radix("kernel_radix_tree_suite_passes_on_the_shims") {
            return;
        }
        let r = daxlock_kernel::selftest::radix_suite(false)
            .expect("the tree has tools/testing/radix-tree");
        eprintln!(
            "{KERNEL_VERSION}: radix-tree suite: {} checks in {} groups",
            r.checks, r.groups
        );
        assert_eq!(r.failed_groups, 0, "{}", r.log);
        assert!(!r.log.contains("FAILED"), "{}", r.log);
        assert_eq!(r.groups, 4, "{}", r.log);
        assert!(r.checks > 100_000, "only {} checks ran", r.checks);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.unbalanced_locks, 0);
        assert!(r.passed());
    }

    /// The same suite fails with a deliberately broken shim: its second build has
    /// `find_next_zero_bit()` skip the first bit asked for (`DAXK_SUITE_BROKEN_SHIM`),
    /// and the IDA checks catch it.
    #[test]
    fn kernel_radix_tree_suite_catches_a_broken_shim() {
        if !radix("kernel_radix_tree_suite_catches_a_broken_shim") {
            return;
        }
        let r = daxlock_kernel::selftest::radix_suite(true)
            .expect("the tree has tools/testing/radix-tree");
        eprintln!("{}", r.log);
        assert!(!r.passed(), "{r:?}");
        assert!(r.failed_groups > 0, "{}", r.log);
        assert!(r.log.contains("FAILED"), "{}", r.log);
    }

    /// 4.13's hook sites show 15 of the model's branches: the 15 of the xarray
    /// eras less memory failure's two, plus its two WARNs. Chosen scenarios reach
    /// theirs (writeback-wait too: 4.13's writeback waits for a locked entry, so
    /// it is demanded where the xarray eras are excused), the seed's splat is
    /// `insert-warn`, and nothing outside the visible set is ever reported.
    #[test]
    fn hooks_report_4_13s_branches() {
        if !radix("hooks_report_4_13s_branches") {
            return;
        }
        use daxlock::check::Target;
        use daxlock::dax::Branch;
        let t = KernelTarget::default();
        let visible = t.visible_branches();
        assert_eq!(visible.iter().count(), 15);
        assert!(visible.contains(Branch::InsertWarn) && !visible.contains(Branch::LockEntryWait));
        assert!(t.demands_visit("aligned-pmd-pte", Branch::WritebackWait));
        assert!(t.demands_visit("fsync-vs-read-fault", Branch::WritebackWait));
        for (name, variant, want) in [
            (
                "fsync-vs-read-fault",
                Bugs::fixed(),
                &[Branch::WritebackWait, Branch::WritebackDirty][..],
            ),
            (
                "write-vs-pmd-downgrade",
                Bugs::fixed(),
                &[
                    Branch::GrabDowngradeZero,
                    Branch::InvalidateWait,
                    Branch::InvalidateDelete,
                    Branch::GrabWait,
                ],
            ),
            (
                "seed-sequential",
                bug("misaligned-pmd"),
                &[Branch::InsertWarn],
            ),
        ] {
            let r = run(&pct(300), &scenario(name), variant).unwrap();
            let visited = r.coverage.visited();
            for b in want {
                assert!(visited.contains(*b), "{name}: {} not visited", b.name());
            }
            assert!(visited.iter().all(|b| visible.contains(b)), "{name}");
        }
        // Without the misaligned PMD, the seed never reaches the WARN.
        let r = run(&pct(300), &scenario("seed-sequential"), Bugs::fixed()).unwrap();
        assert!(!r.coverage.visited().contains(Branch::InsertWarn));
    }

    /// The radix era's state spaces, pinned as `kernel_state_spaces_are_pinned`
    /// pins the xarray eras' (full search, fixed build; pinned for 4.13.9, on
    /// another radix-era tree the searches must still complete), under each fold
    /// (`Folds`): as searched (each radix-tree call under tree_lock folds what it
    /// returned, `c/radix/radix_folds.h`; the acquire folds i_size and the pages;
    /// dax_wake_mapping_entry_waiter() is a scope), with the whole tree folded at
    /// every tree_lock and page-lock acquire instead (`Folds::Acquire`, the radix
    /// era's fold before), and with the whole C state folded at every acquire and
    /// lockless read and no scopes (`Folds::Whole`). So C state that goes unhashed,
    /// or a fold that changes, moves a number. Re-pinned when the model's page-table
    /// folds and the access loop's dispatch scope (shared by every target) met these
    /// pins: bug-no-pagetable-recheck 339/1,092/1,112 → 312/515/535 states (its PTE
    /// fault retries through the dispatch; the other two rows do not move).
    /// Re-pinned when get_unlocked_mapping_entry() became a scope with two loop
    /// tops (`kernel/c/radix/radix_folds.h`) and a hole page's lock folded whether
    /// the page is still in the mapping instead of every page (issue 18, seventh
    /// session): narrow seed-concurrent 362/711 → 284/555, bug-no-pagetable-recheck
    /// 312/606 → 278/538 (the acquire and whole folds, which keep the pages at a
    /// page lock's acquire, do not move: the page lock's fold moved them, as
    /// `Folds::Acquire` has the wait scope too). Re-pinned when
    /// grab_mapping_entry() became a scope whose result is the entry it returned,
    /// its `restart:` label a loop top (issue 18, eighth session,
    /// `kernel/c/radix/radix_folds.h`; `Folds::Acquire` has it too, and forgets
    /// there the whole tree each acquire inside grab folded): narrow
    /// bug-no-pagetable-recheck 278/538 → 209/400 (its PTE fault restarts after
    /// the preload), acquire seed-concurrent 1,666/3,319 → 486/959,
    /// bug-no-pagetable-recheck 515/1,012 → 282/546, storage-misaligned 823/1,641 →
    /// 269/533 (the whole fold, with no scopes, does not move). Re-pinned when
    /// hole pages took their pfns from their index, their locks became one lock
    /// named by pfn, and their writes outside every lock began to bring the C
    /// state up to date (issue 18, ninth session,
    /// `hole_pages_are_named_by_index_and_kept_current`): seed-concurrent narrow
    /// 284/555 → 191/377, acquire 486/959 → 351/697, whole 2,956/5,899 →
    /// 2,604/5,203 (the other two rows do not move).
    #[test]
    fn radix_state_spaces_are_pinned() {
        if !radix("radix_state_spaces_are_pinned") {
            return;
        }
        let pinned = KERNEL_VERSION == "4.13.9";
        let mut moved = Vec::new();
        for (name, narrow, acquire, whole) in RADIX_PINS {
            let s = scenario(name);
            for (folds, pin) in [
                (Folds::Narrow, narrow),
                (Folds::Acquire, acquire),
                (Folds::Whole, whole),
            ] {
                let switches = Switches {
                    folds: Some(folds),
                    ..Switches::default()
                }
                .set();
                let full = StatefulChecker {
                    por: false,
                    ..StatefulChecker::default()
                };
                let r = run(&full, &s, Bugs::fixed());
                drop(switches);
                let r = r.unwrap();
                assert_eq!(r.verdict, Verdict::Verified, "{name}");
                let st = r.search.expect("figures");
                assert!(st.complete, "{name}");
                eprintln!(
                    "{name} ({folds:?}): {} states, {} transitions",
                    st.states, st.transitions
                );
                if pinned && (st.states, st.transitions) != *pin {
                    moved.push(format!(
                        "{name} ({folds:?}): {:?}, pinned {pin:?}",
                        (st.states, st.transitions)
                    ));
                }
            }
        }
        assert!(moved.is_empty(), "{moved:#?}");
    }

    /// The radix era's second top of its wait loop (issue 18, seventh session:
    /// the return of prepare_to_wait_exclusive() in get_unlocked_mapping_entry(),
    /// `kernel/c/radix/radix_folds.h`): once queued, a task's history goes back to
    /// the wait's opening, so a sleeper no longer carries which locked entry it
    /// found (the key it computed from it is in the queue, which the fingerprint
    /// walks). Full searches (no sleep sets) with it and with it switched off
    /// (`daxlock_kernel::Switches::queued_loop_top`): the fixed rows complete
    /// with the same verdict in fewer states with it (so switching it off is
    /// caught), and the bugs whose hang is a sleep in that wait (a wait keyed on
    /// the request, a wait joined after tree_lock is dropped, a wakeup not passed
    /// on) are still found with it: forgetting the entry once queued loses no
    /// hang that the key in the queue decides.
    #[test]
    fn the_queued_loop_top_merges_sleepers() {
        if !radix("the_queued_loop_top_merges_sleepers") {
            return;
        }
        fold_merges_states(
            "the queued top",
            &["bug-wait-key-from-request", "bug-late-wait-registration"],
            |on| Switches {
                queued_loop_top: on,
                ..Switches::default()
            },
            false,
        );
        bugs_still_fail(&[
            (
                "bug-wait-key-from-request",
                "wait-key-from-request",
                Verdict::Hang,
            ),
            (
                "bug-late-wait-registration",
                "late-wait-registration",
                Verdict::Hang,
            ),
            ("eexist-starves-fsync", "eexist-no-pass", Verdict::Hang),
        ]);
    }

    /// Searches (full, or with sleep sets if `por`) of the fixed `rows` with a
    /// fold on and off (`switch`: the switches with the fold on or off, set for
    /// the search only): each completes verified both ways, in fewer states with
    /// the fold. A checker per search: a checker's figures add up over the
    /// searches it runs.
    fn fold_merges_states(fold: &str, rows: &[&str], switch: fn(bool) -> Switches, por: bool) {
        for name in rows {
            let search = |on: bool| {
                let switches = switch(on).set();
                let full = StatefulChecker {
                    por,
                    ..StatefulChecker::default()
                };
                let r = run(&full, &scenario(name), Bugs::fixed());
                drop(switches);
                let r = r.unwrap();
                assert_eq!(r.verdict, Verdict::Verified, "{name} ({fold}: {on})");
                let st = r.search.expect("figures");
                assert!(st.complete, "{name} ({fold}: {on})");
                st.states
            };
            let (with, without) = (search(true), search(false));
            eprintln!("{name}: {with} states with {fold}, {without} without");
            assert!(with < without, "{name}: {fold} merges nothing");
        }
    }

    /// Each (row, bug, verdict) fails as said, searched with sleep sets (the
    /// gate's search, to find the failure fast).
    fn bugs_still_fail(rows: &[(&str, &str, Verdict)]) {
        for (name, variant, want) in rows {
            let r = run(&StatefulChecker::default(), &scenario(name), bug(variant)).unwrap();
            assert_eq!(r.verdict, *want, "{name} [{variant}]");
        }
    }

    /// fsync's lockless tagged walk (`daxk_find_get_entries_tag()`,
    /// `kernel/c/radix/radix_common.c`) folds each entry as dax_writeback_one()
    /// reads it (its sector, empty and zero bits), not its lock and PMD bits:
    /// `fsync-vs-read-fault` and `fsync-vs-pmd-fault` complete with the same
    /// verdict in fewer states than with the entries folded whole
    /// (`daxlock_kernel::Switches::whole_tagged_fold`), so switching it off is caught.
    #[test]
    fn fsync_folds_what_the_writeback_reads_of_its_entries() {
        if !radix("fsync_folds_what_the_writeback_reads_of_its_entries") {
            return;
        }
        fold_merges_states(
            "the projection",
            &["fsync-vs-read-fault", "fsync-vs-pmd-fault"],
            |on| Switches {
                whole_tagged_fold: !on,
                ..Switches::default()
            },
            true,
        );
    }

    /// 4.13's hole pages (issue 18, ninth session), three changes each of which
    /// merges states on `seed-concurrent` (full searches, with it and with it
    /// switched off; same verdict, fewer states with it, so switching any one off
    /// is caught): a page's pfn follows its index, not the order pages are made in
    /// (`daxk_new_page()`, `kernel/c/radix/radix_common.c`;
    /// `daxlock_kernel::Switches::hole_pfns_by_index`); the page locks are one
    /// lock of the checker's whose value is the pfns locked, not a lock each
    /// numbered by which page was locked first (`PageLocks`, `kernel/src/world.rs`;
    /// `daxlock_kernel::Switches::page_locks_as_one`); and a page's count and
    /// lock bit, written outside every lock, bring the C state the fingerprint
    /// holds up to date (`daxk_c_wrote()`; `daxlock_kernel::Switches::c_wrote`).
    /// The bugs whose failure goes through a hole page (the hole-page race of
    /// `bug-grab-after-iomap`, 4.13's lost write on `aligned-pmd-pte`) and the
    /// seed's hang are still found with all three on.
    #[test]
    fn hole_pages_are_named_by_index_and_kept_current() {
        if !radix("hole_pages_are_named_by_index_and_kept_current") {
            return;
        }
        let rows = &["seed-concurrent"];
        fold_merges_states(
            "pfns by index",
            rows,
            |on| Switches {
                hole_pfns_by_index: on,
                ..Switches::default()
            },
            false,
        );
        fold_merges_states(
            "one page lock",
            rows,
            |on| Switches {
                page_locks_as_one: on,
                ..Switches::default()
            },
            false,
        );
        fold_merges_states(
            "c_wrote",
            rows,
            |on| Switches {
                c_wrote: on,
                ..Switches::default()
            },
            false,
        );
        bugs_still_fail(&[
            ("seed-concurrent", "misaligned-pmd", Verdict::Hang),
            (
                "bug-downgrade-wake-one",
                "downgrade-wake-one",
                Verdict::Hang,
            ),
        ]);
        // A full search (223 states): its worst verdict is the hole-page race's.
        let r = run(
            &StatefulChecker::default(),
            &scenario("bug-grab-after-iomap"),
            Bugs::fixed(),
        )
        .unwrap();
        assert_eq!(
            r.verdict,
            Verdict::WrongPage,
            "bug-grab-after-iomap [fixed]"
        );
        // Stopped at its first failure (the full search takes a minute).
        let limits = daxlock::check::Limits {
            first_failure_only: true,
            ..Default::default()
        };
        let r = daxlock::check::check_on(
            &KernelTarget::default(),
            &StatefulChecker::default(),
            &scenario("aligned-pmd-pte"),
            Bugs::fixed(),
            limits,
        )
        .unwrap();
        assert_eq!(r.verdict, Verdict::LostWrite, "aligned-pmd-pte [fixed]");
    }

    /// grab_mapping_entry() a scope with its `restart:` label a loop top (issue 18,
    /// eighth session, `kernel/c/radix/radix_folds.h`): at its return the task's
    /// history is the entry it returned, however it got it (straight, after a
    /// sleep, or after a restart). Full searches (no sleep sets) with it and with it
    /// switched off (`daxlock_kernel::Switches::grab_scope`): the fixed rows complete
    /// with the same verdict in fewer states with it (so switching it off is
    /// caught), and the bug rows still fail as their `[expect]` says.
    #[test]
    fn the_grab_scope_merges_restarts() {
        if !radix("the_grab_scope_merges_restarts") {
            return;
        }
        fold_merges_states(
            "grab a scope",
            &[
                "bug-no-pagetable-recheck",
                "bug-no-recheck",
                "private-pmd-write-vs-pte-fsync",
            ],
            |on| Switches {
                grab_scope: on,
                ..Switches::default()
            },
            false,
        );
        bugs_still_fail(&[
            ("bug-no-recheck", "no-recheck", Verdict::Sigbus),
            ("eexist-starves-fsync", "eexist-no-pass", Verdict::Hang),
            ("bug-eexist-no-pass", "eexist-no-pass", Verdict::Hang),
        ]);
    }

    /// (row, (states, transitions) narrow, acquire, whole) on 4.13.9's fixed build.
    type Pin = (usize, usize);
    const RADIX_PINS: &[(&str, Pin, Pin, Pin)] = &[
        ("seed-concurrent", (191, 377), (351, 697), (2604, 5203)),
        (
            "bug-no-pagetable-recheck",
            (209, 400),
            (282, 546),
            (535, 1052),
        ),
        ("storage-misaligned", (158, 311), (269, 533), (823, 1641)),
    ];
}
