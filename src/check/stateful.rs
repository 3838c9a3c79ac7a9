//! The stateful checker: a depth-first search over every interleaving that remembers
//! the states it has explored, so each is explored once.
//!
//! Loom is stateless: two interleavings that reach the same state are both continued
//! to the end, which is why it needs a preemption bound beyond two small threads.
//! This checker runs the same protocol code on [`crate::sync::Stateful`], primitives
//! of our own on a runtime of our own
//! ([`crate::sync::stateful_backend::runtime`]: coroutines on pooled stacks), and
//! drives it through that runtime's `Scheduler` trait: at every scheduling point that branches it computes a 128-bit
//! fingerprint of the state and ends the execution (the scheduler returns no task) if
//! that state was explored before. Executions are replayed from the start, so a
//! branch costs its prefix again, or, with snapshots (below), resumed from a copy of
//! the execution taken at the branching point; state caching makes the number of
//! branches that of distinct states rather than of interleavings.
//!
//! # What a state is, and why equal fingerprints mean equal futures
//!
//! The fingerprint hashes, in creation order, every backend primitive: the hash of a
//! lock's protected value as of its creation or last release, its exclusive holder
//! and shared holders, a condvar's FIFO queue; and, per task: its *chain*, its phase
//! (which operation it is in: acquiring lock X, queued on condvar Y, joining Z, ...),
//! whether it finished, whether it is runnable.
//!
//! A task's chain is a hash folding every backend operation it performed, in order,
//! with what it read: at each acquire the value hash stored in the lock (the value as
//! the last releaser left it), at each join the joined task's final chain; a spawned
//! task starts from its parent's chain. Three assumptions make the argument work:
//!
//! 1. **Threads are deterministic functions of what they read.** The protocol code
//!    has no randomness, clocks or I/O, and its only inputs are the scenario (the
//!    same in every execution) and what it reads from shared state.
//! 2. **Threads share state only through backend primitives.** Every shared mutable
//!    value sits inside a `B::Mutex` or `B::RwLock` and is read or written only while
//!    the lock is held. (The protocol's event observer is a write-only sink: nothing
//!    the protocol does depends on it.) The backend trait requires `Hash` of every protected value, so
//!    the store can hash it; `src/dax` denies `std::sync`'s own locks, atomics,
//!    `OnceLock` and `Cell`s by a clippy lint (`clippy.toml`) and a test that scans
//!    the sources, so shared state outside the backend does not compile or pass.
//! 3. **A value is hashed only where the backend legitimately holds it**: at creation
//!    and at each release, by the releasing task. Nothing is read under another
//!    task's guard.
//!
//! Then, by induction over an execution, a task's chain determines everything the
//! task has computed (its position in its code and every local variable), because
//! all it ever read is folded into it. A free lock's value is the one its stored hash
//! stands for; a held lock's current value is the value at its acquire (the stored
//! hash) transformed by the holder, whose chain determines it. The runtime's state
//! (which task blocks on what) follows from the phases and runnable flags, since all
//! blocking is done by these primitives. So two states with equal fingerprints (and
//! no 128-bit collision) are the same state, and have the same futures: exploring one
//! is exploring both. A verdict found in one future is found in the other.
//!
//! The fingerprint is taken only at scheduling points where every task sits at a
//! well-defined place: before an operation, blocked in one, or finished. The main
//! thread's switch before it exits is passed without branching.
//!
//! # Reduction
//!
//! The primitives place scheduling points only *before* acquires, notifies and joins,
//! and where a task blocks or finishes; releases and spawns have none. A release is a
//! left mover (Lipton, 1975): any interleaving can be rearranged so that a release
//! follows the task's previous step directly, without changing what any task reads,
//! and the only thing another task could have done in between with the lock was to
//! fail to take it. So every state reachable at an acquire, every deadlock and every
//! end state of the full interleaving space is reachable in the reduced one; critical
//! sections run unpreempted.
//!
//! # Partial-order reduction: sleep sets with state caching
//!
//! On top of that, with one worker or N (threads, or processes over a shared
//! visited set), not with `--shard` alone or `--shortest`, the search prunes
//! transitions with **sleep sets** (Godefroid 1996), and keeps them sound with
//! state caching and with the cycle search. `--no-por` turns it off.
//!
//! - **Steps and footprints.** A step of task `t` runs from the point the search
//!   chose `t` to `t`'s next scheduling point. The backend records what it touched
//!   ([`Footprint`]): the primitives it used and those it changed (a lock's value
//!   hash as it releases it, its holders as the step leaves them, a task blocked on
//!   it, a condvar's queue), the tasks it woke, unblocked or joined (and itself);
//!   creating a primitive, spawning and ending the execution are global. Two steps
//!   conflict when one changes a primitive the other uses, they share a task, or
//!   one is global. Two steps that do not conflict commute: each reads the same
//!   value hashes and holders in either order (only the other's primitives
//!   changed), so each does the same thing and the state after both is the same
//!   (assumptions 1–3 above: a task's step is a function of its chain and what it
//!   reads); neither enables or disables the other (blocking and waking go through
//!   the primitives and tasks in the footprints). That is Godefroid's independence.
//!   Primitive ids are folded to 128 bits: two primitives sharing a bit only make
//!   more steps conflict.
//! - **Parts of a lock.** A step that uses a lock through
//!   [`crate::sync::Backend::locked_part`] records, instead of the whole lock, the
//!   parts it read and (if the value's hash changed) the parts it may have
//!   changed. Two such uses of one lock conflict when one changed a part the other
//!   read or changed; a part use and a whole use conflict when either changed the
//!   lock. The closure's contract (it reads only its read parts, changes only its
//!   write parts) gives the commutation: each closure computes the same result and
//!   the same changes from the same parts in either order, so each task folds the
//!   same result, and the value after both is the same, so the hash stored at the
//!   release (the whole value's, as `locked` stores) is too. Holders and blocking
//!   are as for a whole use (the lock is free before and after such a step, since
//!   the closure runs between two scheduling points). Test
//!   `a_part_key_that_leaves_out_a_write_loses_states` shows a wrong key caught.
//! - **Sleep sets.** At a branching point the options tried before the current
//!   one, with their footprints, go to sleep in the subtree of the current one,
//!   with the branching point's own sleep set; after every step (branching or not)
//!   a sleeper wakes (is dropped) when the step conflicts with it or is its own. At
//!   a branching point the sleepers are not tried. A sleeper's next step is the one
//!   recorded: only steps independent of it ran since.
//! - **State caching.** The visited set stores with each state the tasks asleep
//!   when it was last expanded. A state met again with a sleep set that includes
//!   those is cut; met with fewer tasks asleep, it is expanded again for the tasks
//!   asleep then and awake now, and the stored set becomes the intersection. This
//!   is Godefroid's fix (Partial-Order Methods for the Verification of Concurrent
//!   Systems, LNCS 1032, ch. 5): with it, the search visits every reachable state
//!   (sleep sets prune transitions, never states), so every hang and every end
//!   state is still reached. `states` is the full search's number; `transitions`
//!   and `executions` shrink. Tests compare the two searches (the same verdicts and
//!   the same set of states, by a digest of the visited fingerprints) on the
//!   catalogue and on generated scenarios under every zoo bug, and show that a
//!   reduction ignoring conflicts loses states (`por` tests here).
//! - **Cycles (the ignoring problem).** Sleep sets drop edges, and the livelock
//!   check needs every edge of every cycle. An edge can lie on a cycle of states
//!   only if every task that steps on it gets its chain back to its value before
//!   the step. A chain changes only by folds (which, up to collisions, never give
//!   a value it had before), by a retry's reset to the chain at the entry of the
//!   retry loop the task is in, and by a checkpoint, whose chain hashes the
//!   task's count of checkpoints (so no checkpoint gives a chain an earlier one
//!   gave). So take a step of task `t` from chain `c` that starts and ends
//!   outside any retry loop (the backend's `in_loop`: set at `Backend::retry`,
//!   cleared at the next checkpoint, which the scenario runner takes at the start
//!   of every operation and after the last one) and changes the chain: every
//!   later value of `t`'s chain is a fold of the chain after the step, a reset to
//!   the entry of a loop entered after the step (such a value too), or a later
//!   checkpoint's: never `c`. Such a step lies on no cycle. With the cycle search
//!   on, a step is therefore *cyclic* when its task is in a retry loop at its
//!   start or its end, or the step left its chain unchanged (a condition wait
//!   that found `None`). A loop top inside a scope
//!   ([`crate::sync::Backend::scope_again`]) also puts a chain back to a value it
//!   had (the history at the scope's opening with the same result folded), so it
//!   sets `in_loop` as a retry does (test
//!   `a_reduction_that_lets_scope_loops_sleep_loses_a_livelock`). Cyclic steps
//!   never go to sleep: every edge that may
//!   lie on a cycle is taken at the state's first expansion, so Tarjan's search
//!   sees every strongly connected component with all its edges. A state
//!   expanded again (see caching) expands only non-cyclic steps, which lie on no
//!   cycle; the states they reach cannot reach back to a state on Tarjan's stack
//!   (that would close a cycle through such an edge), so the expansion gets a
//!   fresh root entry of its own whose component holds no edge. The price: a
//!   fault's steps inside its retry loop never sleep; write(2), fsync, truncate
//!   and a thread's steps after its fault has returned do (before issue 18's
//!   finer rule, a task was cyclic for good once it had entered a retry loop or
//!   passed a checkpoint, which every scenario thread does, so only the main
//!   thread's joins slept). The test `a_reduction_that_lets_retries_sleep_loses_a_livelock`
//!   shows that treating every step as acyclic loses a livelock.
//! - **Joins of finished threads are not choices.** A task standing at a join of
//!   a thread that has finished is chosen at once, without a branching point, and
//!   the step ends right after the join (the backend makes its next acquire,
//!   notify or join a scheduling point, and a spawn or a creation of a primitive
//!   too). That step reads only the finished thread's final chain and changes
//!   only the joiner's chain and phase, which no other task reads; so it commutes
//!   with every step another task can take, but one: a step that finishes a
//!   thread the joiner would block on next (the joiner blocks there or joins on).
//!   Map every state `s` to `eager(s)`, the state after the joiner's pending
//!   joins: a step of another task `u` from `s` to `s'` is a step of `u` from
//!   `eager(s)` with the same effect on everything but the joiner, and
//!   `eager(s')` follows by joins alone. So every path of the full graph has a
//!   path through eager states with the same steps of the other tasks in the same
//!   order (the same thread-local outcomes), every end state and every deadlock
//!   (all live tasks blocked: the joiner is blocked, so the state is eager) is
//!   reached, and every fair cycle too: on a cycle the joiner cannot step (its
//!   chain only grows) and its enabledness cannot change (a thread finishes once),
//!   so a weakly fair one has it blocked throughout, is made of eager states, and
//!   they are expanded in full. A state with a join pending has one edge out, which
//!   lies on no cycle: it is its own component, not fair, and adds no livelock.
//!   Test: `eager_joins_agree_with_lazy_ones` (`tests/stateful_suite.rs`: the
//!   same verdicts as with joins as choices, on every catalogue row).
//! - **State outside the primitives.** A target whose threads share memory that
//!   is no backend primitive (the kernel target's C memory) declares it
//!   ([`crate::sync::Backend::external_state`]): a mutex of its own stands for all
//!   of it, with a probe that hashes it. The search probes it at the start and end
//!   of every step it records, and a step after which it hashes otherwise is a
//!   write of that mutex; steps that read it say so (a lockless read is an
//!   observe of the mutex; others call [`crate::sync::Backend::reads_external`]).
//!   The argument that such footprints are sound is the target's (the kernel
//!   target's: the module doc of its `world`).
//! - **Several workers or processes.** The visited set keeps each state's sleep
//!   set, and a visit intersects it atomically: under the set's shard lock for
//!   threads, by a `fetch_and` of the slot's sleep word for processes (the shared
//!   set's [`super::shared_set::met_again`] is the rule for both). So the visits
//!   of a state, whichever workers make them and however they race, form a
//!   sequence (the order of those atomic operations) in which each sees the
//!   intersection of the sleep sets of those before it, as one worker's visits
//!   do: the first expands the enabled tasks outside its sleep set, each later
//!   one the tasks asleep at every earlier visit and awake at its own, and it is
//!   cut when there are none. Over the whole search a state's expanded tasks are
//!   its enabled tasks outside the intersection of all its visits' sleep sets,
//!   each expanded by exactly one visit: what one visitor carrying that
//!   intersection would expand (the shared set's test
//!   `racing_visits_explore_what_one_visitor_would` races visitors from two
//!   mappings). Godefroid's argument that every state is reached is about this
//!   record: a visit owes the tasks outside its sleep set; it pays with what it
//!   expands, or, cut, with the earlier visits' expansions of every task outside
//!   its sleep set (the stored set is inside it); a sleeper is paid by the
//!   expansion at an ancestor that put it to sleep. An expansion not finished
//!   when another visit relies on it is a state on a worker's stack, as with one
//!   worker; the search is complete only when every worker and process has
//!   finished, so every debt is paid by then. One worker's depth-first order is
//!   the order Godefroid proves the theorem in; for N workers the claim rests on
//!   the record above and on the tests, which compare two workers and two
//!   processes with one job (verdicts, states and their digest) on the catalogue
//!   and on generated scenarios under every zoo bug (tests/stateful_suite.rs),
//!   and show that the rule without the fix (a state met again cut whatever its
//!   sleepers, [`StatefulChecker::por_cut_known`]) leaves a task unexplored that
//!   one visitor with the intersection would explore, in both visited sets
//!   (`visits_of_a_state_explore_all_but_the_common_sleepers`). (No program the
//!   tests search loses a state to that wrong rule: the catalogue (one job, two
//!   threads, two processes) and 6,000 random programs of three or four threads
//!   over two or three locks (one job) store the full search's states with it; the fix
//!   matters only where a state is met first with more sleepers, which these
//!   searches' orders rarely give.) The cycle judgement with N
//!   workers is the union search's (below): a step that may lie on a cycle never
//!   sleeps, so every visit expands every such step that no earlier visit has
//!   (the first visit expands them all), and a reopened visit's steps are steps
//!   asleep at every earlier visit, which lie on no cycle; the union of the
//!   recorded edges has every edge of every cycle, and a state the first visit
//!   left a task unexpanded at is marked as having an edge out (`pruned`), as one
//!   worker marks it.
//! - **Where it is off.** With `--shard` alone or `--shortest` (their visited sets
//!   keep no sleep sets; with `--shard` a state reached in two shards' parts is
//!   expanded in full by each, which the cycle judgement of a shard relies on),
//!   on replays, and on targets that keep state outside the primitives without
//!   declaring it ([`crate::check::target::Target::opaque_state`]). Eager joins are not sleep
//!   sets: they hold everywhere, the kernel target, `--jobs`, `--shard`,
//!   `--shortest` and replays included (the joiner's step touches no C state
//!   either).
//!
//! # Progress: closed fair cycles, not retry counts
//!
//! A fault that finds the page table changed under it retries (the kernel's
//! `VM_FAULT_NOPAGE`), and so may fault any number of times. The other checkers
//! bound the retries ([`crate::dax::fault::fault_limit`]) and report an access that
//! runs out as making no progress. With one job and one shard this checker judges
//! progress the way SPIN's non-progress cycles under weak fairness do instead:
//!
//! - **Retries close cycles.** The fault loop calls [`crate::sync::Backend::retry`]
//!   at the top of every iteration. There the thread's whole local state is its
//!   state at the loop's entry plus the iteration count, and the count is used for
//!   nothing but the bound (which this checker drops) and the `faults` figure of
//!   `AccessResult::Mapped`, which no check reads (the scenario runner discards it).
//!   So the backend puts the thread's chain back to its value at the loop's entry:
//!   a retry that meets the shared state the loop began with *is* the state the
//!   loop began with, and the equal-fingerprints argument above holds unchanged
//!   with "everything the task has computed" read as "everything but the
//!   iteration count". The loop-entry chain is saved and restored with the other
//!   hashes on replays; it is not itself hashed, because inside the loop the chain
//!   determines it and outside it is overwritten before it is read.
//! - **A point after a retry is a state** even where only one task can run, so a
//!   thread that retries alone (nothing else can move) closes a cycle as well.
//! - **A cycle is a livelock when it is weakly fair.** In a cycle of states no
//!   thread completes an operation (a thread's operation index is in its chain and
//!   only grows). The search runs Tarjan's algorithm over the states of its
//!   depth-first search (a cut at a state on Tarjan's stack is a back edge) and
//!   labels every edge between two branching points with the tasks that took a step
//!   on it and the tasks not runnable at some point of it. A strongly connected
//!   component with an edge inside it is a *fair* livelock when every task either
//!   takes a step on an edge inside it or is not runnable somewhere inside it:
//!   going round all of its edges for ever is then a run in which every task that
//!   stays runnable runs infinitely often, and no operation completes.
//! - **and closed**: no edge out of any of its states leaves it (to a state of
//!   another component, or to an end of the execution). A weakly fair component
//!   with a way out is a race that an adversarial scheduler can win for ever but
//!   any scheduler that gives every enabled choice a chance (strong fairness over
//!   the choices, or a random scheduler, almost surely) leaves: the kernel
//!   relies on exactly that wherever a fault returns `VM_FAULT_NOPAGE` for the
//!   instruction to be retried (README, "The stateful checker": the kernel's
//!   PMD read ‖ 4 KiB write ping-pong in `truncate-vs-fault`). A closed
//!   component is weakly fair as soon as it has an edge (every task runnable in
//!   it takes its steps inside it), and no schedule at all leaves it: such a
//!   component is reported as a hang (`livelock: ...`), with a schedule that ends
//!   on a state it has passed before; replayed, that schedule is recognised as a
//!   lasso. (When no cycle of the component returns to a state on the search path,
//!   the schedule ends on a state of the component off the path: its replay then
//!   reports that it does not fit, and the search's message stands alone.) A component in which some always-runnable task never moves (a thread
//!   retrying until another one acts, and the other one never scheduled) is a run
//!   only an unfair scheduler makes: no failure.
//! - Tarjan's algorithm finds every strongly connected component of the graph the
//!   search explores, and that graph is the reachable state graph (every state is
//!   expanded once, every edge out of it is taken), so the check is complete: a
//!   closed non-progress cycle reachable in the scenario is reported. An edge out of
//!   a component is seen as it is taken: to a state already judged (off Tarjan's
//!   stack), into a component that pops before its parent's, or to an execution's
//!   end (a task was chosen at the state and no branching point followed). An
//!   edge to a state on the stack stays inside (Tarjan: both are in one
//!   component).
//! - An execution cut at a known state runs to its end round-robin (a fair order),
//!   at most 100,000 choices (a fair livelock could keep it going for ever;
//!   the search has judged its states already).
//!
//! With `--jobs N` (threads, or processes over a shared visited set) a cycle may run
//! through states different workers expanded, so no worker's stack sees it. There
//! every worker records the edges it takes, with the same labels, and the states it
//! reached first; when the whole search is done, Tarjan's algorithm runs over the
//! union and judges each component by the same rule (weakly fair and closed;
//! `union`'s module doc argues that the union is the one-worker graph). Retries
//! are unbounded there too, so the states are one job's.
//!
//! `--shortest` and `--fewest-preemptions` explore a state again when they reach it
//! cheaper, which is not Tarjan's search; but every expansion takes every edge (no
//! sleep sets there), so the graph they record (the union search's record, of one
//! worker) is the reachable graph, and it is judged the same way when the search is
//! done. A livelock found so is reported with the union search's lasso (the fewest
//! branching points to the component, then round it) and competes with the
//! deadlocks on its cost: its branching points, or with `--fewest-preemptions`
//! its preemptions, counted on a replay of the lasso.
//!
//! `--shard I/N` without a shared set (shards that never meet) judges each shard's
//! own graph, and that is enough: no cycle needs two shards' parts. A shard records
//! its tree above the split too (every edge of it, each shard walks it whole) and
//! every state below the split it reached first, with every edge out of it (no
//! sleep sets with shards). Take a closed, weakly fair component `C` of the state
//! graph and a state `s` of it. Going round a cycle of `C` reaches `s` by paths as
//! deep as one likes, so some path to `s` crosses the split, into the subtree of
//! some shard `A`. `A` searches that subtree with its own visited set, and a state
//! it meets again was expanded by `A` before: so `A` expands every state reachable
//! from `s`, all of `C` and every edge out of it. In `A`'s graph `C` is therefore a
//! component with the same edges inside and the same ways out, and `A` reports it.
//! Conversely a component closed and fair in a shard's graph is one of the whole
//! graph: a state the shard did not expand (a subtree at the split another shard
//! takes) is a sink of its graph and counted as a way out, so a closed component of
//! the shard's graph has all its states expanded there, with all their edges. So
//! the shards' verdicts, the worst of them taken (as `daxlock merge` does), are one
//! search's, and a shard's own `verified` holds for the progress of its part as for
//! the rest of it; no graph has to leave the shard.
//!
//! A replayed schedule is run with unbounded retries first and, if it does not
//! fit, with bounded ones (a schedule recorded with `fair_cycles` off).
//!
//! # Deadlocks, counterexamples, budgets
//!
//! Every live thread blocked is a hang (the checker's watchdog task sees it). A hang
//! stops the search (no verdict is worse) unless `all_hangs` (`--all-hangs`), with
//! which the search goes on, counts the hang states and reports the shortest
//! failing path it found, replayed once more at the end for its trace; `daxlock
//! replay --schedule s1:...` reruns it exactly. `--max-states` stops the search
//! with verdict `incomplete`.
//!
//! # Searching past a failure: what "complete" means then
//!
//! Every other failure (a lost write, an invariant, a SIGBUS, a wrong page, a
//! kernel WARN) is a harm an execution returns or an end-state check finds: the
//! execution ends normally, the body records it (the first of each verdict keeps
//! its trace and schedule, so the first failure the search met stays the
//! counterexample) and the search goes on; only `first_failure_only` (benchmarks)
//! stops it. That is SPIN's `-e` for these failures by default, and `--all-hangs`
//! is it for hangs. (A panic outside the model's checks, a crash, still stops the
//! search: it is an error of the harness, not a verdict.) Such a search is
//! *complete* in the same sense as a verifying one, every reachable state stored
//! and expanded, and `complete` says so:
//!
//! - **The failing execution is an execution like any other.** The threads'
//!   harms are values they return, not panics, so the execution ends at the same
//!   state it would without the check, and its last edge is an execution's end
//!   (for the cycle search, an edge out of its component, as for any end). The
//!   states it passed were fingerprinted and stored as they were reached; nothing
//!   about them depends on the check's outcome.
//! - **A hang's state has no successor** (every live task is blocked), so ending
//!   the execution there cuts nothing below it: with `--all-hangs` the search
//!   backtracks from a leaf, and the states it reaches are those of a search that
//!   never checked for hangs.
//! - **Sleep sets** prune transitions, never states (Godefroid's theorem, with
//!   the fix for caching above); a failing end state is checked by an uncut
//!   execution (*End states of cut executions*, below), so a complete search
//!   reports a failure iff some reachable end state or step fails, whether or
//!   not it met one before. Branch coverage is that of the executions the search
//!   ran, cut ones included; a failure changes neither which executions run nor
//!   what they visit (no claim is made that the reduced search visits every
//!   branch the unreduced one does: the tests compare states and verdicts).
//! - **`--jobs N`** and the shared visited set: every worker's executions report
//!   to one body, so the count is the sum; the first failure is the first
//!   recorded in time (with one job, the depth-first order's first).
//! - **What is counted.** `SearchStats::failing` counts the executions that
//!   failed a check. Cut executions skip their end checks, so a failing end state
//!   is counted once per uncut execution that reaches it (once per last branching
//!   state and choice taken at an expansion), not once per interleaving; hangs
//!   are `hangs` (distinct hang states). A search stopped early (`--max-states`,
//!   `--max-seconds`, the first hang without `--all-hangs`, `first_failure_only`)
//!   is not complete and says which (`report::search_line`).
//!
//! The gate judges a scenario's `[expect] visits` over its fixed rows; a fixed
//! row expected to fail with a lost write (the kernel's `aligned-pmd-pte`) is
//! searched to its end already, and one expected to hang searches on
//! (`gate::search_on` sets `all_hangs` there). Tests:
//! `a_failing_row_is_searched_to_the_end` (tests/stateful_suite.rs: the same
//! first failure, more failing executions and branches than a search stopped at
//! it; the same for a hang with and without `--all-hangs`) and
//! `a_fixed_hang_row_with_visits_searches_on` (gate).
//!
//! `--jobs N` runs N workers over one visited set: a worker that meets a branching
//! point while another waits (an atomic count, read without a lock) hands it the
//! untried branches of the shallowest level of its subtree that has some. The
//! workers keep sleep sets: the visited set stores each state's sleep set under its
//! shard's lock, so Godefroid's fix holds whichever worker meets a state again (see
//! *Several workers or processes*), and
//! a handed-over subtree starts with an empty sleep set (a subset: it only reduces
//! less). With unbounded retries the state graph has cycles, as with one worker:
//! the same cycle rule keeps every step that may lie on a cycle awake, so every
//! edge of a cycle is taken at its state's first expansion, by whichever worker
//! made it; a state that worker stored with a sleep set is expanded in full for the
//! tasks outside it (it finishes its subtree or hands parts of it over), which is
//! all Godefroid's fix asks of a state another worker meets again, whatever the
//! order the workers go in. Tests compare the states (count and digest) and
//! verdicts with one job's on the catalogue. `--shard I/N` splits the
//! tree at a fixed branching depth: the levels above it are explored by every shard
//! without state caching, and each subtree below is explored, with caching, by the
//! one shard its path hashes to, so the union of the shards covers the whole space.
//!
//! With a visited set in shared memory ([`StatefulChecker::shared_visited`]: `--jobs
//! N` on a serial target, as N processes) the shards share their states and *claim*
//! the subtrees below a deeper split from the same set instead of hashing their
//! paths: every subtree is searched by exactly one process (the first to claim it),
//! and a state one process stored is explored by that process for every task
//! outside the sleep set it stored, as a state on a worker's stack is with
//! threads, so the union is one search's. The set keeps each state's sleep set
//! beside its fingerprint (the rule above, *Several workers or processes*). The
//! states above the split are stored too, never cut and with an empty sleep set:
//! every process walks every option there (the sleep sets computed on the way
//! down only go with the paths into the claimed subtrees), so every task is
//! expanded from them; the counts add up. (All of this
//! takes states with one fingerprint to have the same successors; where a target's
//! fingerprint holds two states apart less than that, which one a search meets first
//! decides what it explores, with one job or many: the README's *Counts under
//! `--jobs 2` on the kernel target* measures one such row.)
//!
//! # End states of cut executions
//!
//! An execution that reaches a state explored before is *cut*: it runs on to its
//! end unhashed (coasting), because a stopped execution's tasks are not unwound
//! (the kernel target has C frames on their stacks): what they hold would leak. Its end-state checks are skipped
//! ([`crate::sync::Backend::end_state_known`]; `check_cut_ends`, for tests, keeps
//! them). That loses no end state of a complete search. An end state `e` is
//! determined by the last branching state `s` before it and the task `t` chosen
//! there (what follows is forced). `s` is reachable, so the search expands it in
//! an execution that is not cut at `s`; there `t` is either taken, and that
//! execution (or one after it, choosing `t` at `s`) runs on from `s` without another
//! branching point to `e` uncut and checks it, or `t` is asleep, and the sleep set
//! theorem (every reachable state is reached; the end state is a state with no
//! successors) gives another path to `e` whose last step is taken at an expansion,
//! so again by an uncut execution. The same holds with `--jobs N` (a state another
//! worker stored is expanded by that worker), shards (a state at the split another
//! shard takes is searched by that shard) and the shared visited set (a cut
//! execution coasts as with one job: a failure it meets after the cut is recorded
//! with the choices it made, a path that replays). Only a search stopped early (`--max-states`, the first
//! hang without `--all-hangs`) may miss an end-state failure a cut execution would
//! have met, as it may miss any failure beyond where it stopped. What is saved is
//! the end-state checks of nine executions in ten: they lock every wait-table
//! stripe, the tree, the file and the page table (8% of `truncate-vs-fault`'s
//! instructions).
//!
//! # Snapshots
//!
//! With [`StatefulChecker::snapshots`] (the default; `--no-snapshots` replays), on a
//! target that allows them
//! ([`crate::check::target::Target::snapshots`]: the model; the kernel target's C
//! code keeps globals and `malloc`ed memory outside, and replays), the search does
//! not replay an execution's prefix to come back to a branching point: it keeps a
//! copy of the execution as it stood there and resumes it.
//!
//! - **Memory at fixed addresses.** Everything an execution's state lives in is at
//!   an address that is the same in every execution on the thread: task `i` runs on
//!   the thread's `i`-th stack; every heap allocation made while a task runs, or
//!   while the backend's store is used, goes to the thread's arena
//!   ([`crate::sync::stateful_backend::arena`], the process's global allocator
//!   routes it there), whose free lists live in the arena itself; and a few
//!   thread-locals hold the rest (the runtime's task table, the store, the running
//!   task, the recorder's event buffer). A snapshot, taken where the search pushes a
//!   level with options left, copies the arena's used bytes, each suspended task's
//!   stack from where it suspended to its top, and those thread-locals (some tens
//!   of KiB). Restoring copies them back into the same addresses, nothing dropped,
//!   and the runtime asks the search again at that point (`Dfs::resume`): the
//!   search stands as a replay would have left it there (the path, the level's
//!   sleep set; the store's hashes are the snapshot's own) and takes the level's
//!   next option. A level's snapshot is dropped when its last option is taken: at
//!   most one per level of the current path is kept.
//! - **What changes.** Nothing in what the search finds: the same states,
//!   transitions, executions (a resumed execution counts as the replay it stands
//!   for; `SearchStats::resumed` counts them), cut executions, hangs, verdicts and
//!   failures with the same schedules and traces (tests in
//!   `tests/stateful_suite.rs`: every catalogue row × the fixed build and every
//!   bug it expects, stopping at the first failure and searching on; `--jobs 2`;
//!   generated scenarios). A cut execution is ended at once instead of coasting
//!   (the next one is restored, whatever the tasks held: the arena starts afresh or
//!   is overwritten), except when searching on after hangs, where the count of
//!   hangs and which of two equally short hangs is reported depend on the hangs a
//!   coast meets again. A failure a coast would have met after the cut is met by
//!   the search itself, by the argument for end states above.
//! - **The hazard, and the guard.** State outside the arena that an execution
//!   changes is not restored: an `Arc` made before the search and cloned and
//!   dropped inside an execution would be dropped once per resumed execution (a
//!   use after free). So an execution reaches the runner's data by reference only
//!   (the recorder through a borrowed observer, the body's closure by address), and
//!   what it hands to the checker (an outcome, a trace, a schedule) is copied out
//!   of the arena ([`crate::sync::stateful_backend::arena::outside`]). A free, while
//!   in the arena's mode, of memory the arena did not give is not carried out and
//!   fails the execution with a message (`a stateful execution freed memory it did
//!   not allocate`): the test `snapshots_resume_and_the_guard_catches_an_outside_free`
//!   shows one caught. The checker's own state (levels, visited set, the graph,
//!   counters) is allocated outside the arena.

use super::checker::{Body, Checker, Exploration, Stop, SCHEDULE_MISFIT};
use super::panic::classify_panic;
use super::shard::Shard;
use super::shared_set::{met_again, Inserted, SharedSet};
use crate::kind::CheckerKind;
use crate::sync::poison_free::{unpoisoned, Mutex};
use crate::sync::stateful_backend::arena;
use crate::sync::stateful_backend::runtime::{self, Scheduler};
use crate::sync::stateful_backend::{hash128, Footprint, Store, MAX_TASKS};
use crate::sync::Stateful;
use crossbeam_utils::CachePadded;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar};

mod union;

/// The default `--max-states`.
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

/// The prefix of a stateful schedule string.
pub const SCHEDULE_PREFIX: &str = "s1:";

const DIGITS: &[u8; MAX_TASKS] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Encodes a path (the task chosen at each branching point) as a schedule string.
pub fn encode_schedule(path: &[usize]) -> String {
    let mut s = String::from(SCHEDULE_PREFIX);
    s.extend(path.iter().map(|&t| DIGITS[t] as char));
    s
}

/// Decodes a schedule string made by [`encode_schedule`].
pub fn decode_schedule(s: &str) -> Result<Vec<usize>, String> {
    let body = s.trim().strip_prefix(SCHEDULE_PREFIX).ok_or_else(|| {
        format!("`{s}` is not a stateful schedule (it starts with {SCHEDULE_PREFIX})")
    })?;
    body.bytes()
        .map(|b| {
            DIGITS
                .iter()
                .position(|&d| d == b.to_ascii_lowercase())
                .ok_or_else(|| format!("`{}` is not a task in a stateful schedule", b as char))
        })
        .collect()
}

/// Live counters of a search, readable while it runs (for progress bars).
#[derive(Debug, Default)]
pub struct Progress {
    /// Distinct states stored.
    pub states: AtomicUsize,
    /// Transitions taken into states (new or already explored).
    pub transitions: AtomicUsize,
    /// Executions started.
    pub executions: AtomicUsize,
    /// What to run once the search has gone on for a while ([`Progress::defer`]).
    deferred: Deferred,
}

/// A task [`Progress::defer`] left, and its time.
type DeferredTask = (std::time::Instant, Box<dyn FnOnce() + Send>);

/// [`Progress::defer`]'s task; `set` says one waits.
#[derive(Default)]
struct Deferred {
    set: AtomicBool,
    task: Mutex<Option<DeferredTask>>,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.set.load(Ordering::Relaxed) {
            "Deferred(waiting)"
        } else {
            "Deferred(none)"
        })
    }
}

impl Progress {
    /// Has the search run `task` (once, outside the arena) where it publishes its
    /// counts (every 256 executions, `Counts::BATCH`, and at a worker's end) at
    /// `at` or later; never if the search ends before. `daxlock run` starts its progress
    /// thread so: a search shorter than that starts no thread (a thread's start
    /// and end cost about 0.2 ms of CPU, a tenth of a short run's).
    pub fn defer(&self, at: std::time::Instant, task: Box<dyn FnOnce() + Send>) {
        *self.deferred.task.lock() = Some((at, task));
        self.deferred.set.store(true, Ordering::Relaxed);
    }

    /// Runs the task [`Progress::defer`] left, if its time has come.
    pub(crate) fn poll(&self) {
        if !self.deferred.set.load(Ordering::Relaxed) {
            return;
        }
        let task = {
            let mut d = self.deferred.task.lock();
            match &*d {
                Some((at, _)) if std::time::Instant::now() >= *at => d.take().map(|(_, t)| t),
                _ => None,
            }
        };
        if let Some(task) = task {
            self.deferred.set.store(false, Ordering::Relaxed);
            arena::outside(task);
        }
    }
}

pub use super::stats::SearchStats;

/// The stateful checker.
#[derive(Debug, Clone)]
pub struct StatefulChecker {
    /// Stop (verdict `incomplete`) after this many distinct states.
    pub max_states: usize,
    /// Parallel workers over one visited set.
    pub jobs: usize,
    /// The part of the search tree this run takes.
    pub shard: Shard,
    /// Rerun exactly this path instead of searching.
    pub replay: Option<Vec<usize>>,
    /// What the replayed path was recorded on, if it says.
    pub binding: Option<super::binding::Binding>,
    /// Live counters.
    pub progress: Arc<Progress>,
    /// Stop at the first failure (benchmarks).
    pub first_failure_only: bool,
    /// Go on after the first hang: search the whole space, count the hang states
    /// and report the shortest path to one. Without it the search stops at the
    /// first hang, as the other checkers do (no verdict is worse).
    pub all_hangs: bool,
    /// Judge progress by fair cycles: retry loops run without a bound and a weakly
    /// fair cycle of states that no schedule leaves, in which threads take steps and
    /// none completes an operation, is a livelock. One job searches for them as it
    /// goes; N jobs (threads, or processes over a shared visited set) record the
    /// edges they explore and search the union when done; a shard without a shared
    /// set, `--shortest` and `--fewest-preemptions` search the graph they recorded
    /// (see the module doc). False keeps the retry bound of the other checkers.
    pub fair_cycles: bool,
    /// Tests only: one job searches for cycles in the graph it recorded, when done,
    /// as N jobs do, instead of as it goes (to compare the two searches).
    #[doc(hidden)]
    pub union_one_job: bool,
    /// Tests only: N jobs run with unbounded retries but never search the union of
    /// their graphs for cycles (unsound: to show that the tests can fail).
    #[doc(hidden)]
    pub union_blind: bool,
    /// Report the hang with the fewest branching points: the visited set keeps the
    /// depth each state was reached at and explores a state again when it is
    /// reached at a smaller depth; implies `all_hangs` and one job. Progress is
    /// judged by fair cycles in the graph it recorded, when it is done
    /// (re-exploring a state is not Tarjan's search as it goes).
    pub shortest: bool,
    /// With `shortest`: report the hang with the fewest *preemptions* (a branching
    /// point that runs another task while the one that ran last could go on)
    /// instead of the fewest branching points. The visited set is keyed by the state
    /// and the task that ran last (going on with it costs nothing), and keeps the
    /// fewest preemptions each key was reached with (`--fewest-preemptions`).
    pub fewest_preemptions: bool,
    /// Partial-order reduction (sleep sets, see the module doc): on by default;
    /// used with any number of jobs (threads or processes over a shared set), not
    /// with `--shard` alone, `--shortest` or replays; `--no-por` turns it off.
    pub por: bool,
    /// Tests only: the reduction treats every two steps as independent (unsound),
    /// to show that the tests comparing it with the full search can fail.
    #[doc(hidden)]
    pub por_blind: bool,
    /// Tests only: the reduction takes every step to lie on no cycle of states
    /// (unsound: a retry's steps may then sleep), to show that the tests of the
    /// livelock check can fail.
    #[doc(hidden)]
    pub por_acyclic: bool,
    /// Tests only: a state met again is cut whatever tasks were asleep at its
    /// earlier visits (sleep sets without Godefroid's fix for state caching:
    /// unsound), to show that the test of the rule can fail
    /// (`visits_of_a_state_explore_all_but_the_common_sleepers`).
    #[doc(hidden)]
    pub por_cut_known: bool,
    /// Tests only: a join of a finished thread is a choice like any other step
    /// instead of being taken at once (the search without that reduction).
    #[doc(hidden)]
    pub lazy_joins: bool,
    /// Tests only: an execution cut at a known state checks its end state too
    /// (the search without that saving; see the module doc, *End states of cut
    /// executions*).
    #[doc(hidden)]
    pub check_cut_ends: bool,
    /// A visited set shared with other processes searching the same scenario (each
    /// with its own `shard`, all of one count): states are cached in it, and the
    /// subtrees below the split depth are *claimed* from it (the first process to
    /// reach one searches it) instead of being dealt out by a hash of their path.
    /// `--jobs N` on a serial target (see the module doc). The set keeps each
    /// state's sleep set, so the partial-order reduction stays on.
    pub shared_visited: Option<Arc<SharedSet>>,
    /// Resume a copy of the execution taken at a branching point instead of
    /// replaying it from the start (the default; `--no-snapshots` turns it off;
    /// see the module doc, *Snapshots*). On targets that allow it (the model), not
    /// with replays, `--shortest`, `--fewest-preemptions` or
    /// `DAXLOCK_EXPLAIN_STATES`; elsewhere the search replays.
    pub snapshots: bool,
}

impl Default for StatefulChecker {
    fn default() -> Self {
        StatefulChecker {
            max_states: DEFAULT_MAX_STATES,
            jobs: 1,
            shard: Shard::default(),
            replay: None,
            binding: None,
            progress: Arc::default(),
            first_failure_only: false,
            all_hangs: false,
            fair_cycles: true,
            union_one_job: false,
            union_blind: false,
            shortest: false,
            fewest_preemptions: false,
            por: true,
            por_blind: false,
            por_acyclic: false,
            por_cut_known: false,
            lazy_joins: false,
            check_cut_ends: false,
            shared_visited: None,
            snapshots: true,
        }
    }
}

/// Two checkers are equal when they search alike: their live counters are not
/// compared.
impl PartialEq for StatefulChecker {
    fn eq(&self, other: &Self) -> bool {
        let params = |c: &StatefulChecker| {
            (
                c.max_states,
                c.jobs,
                c.shard,
                c.replay.clone(),
                c.binding,
                c.first_failure_only,
                c.all_hangs,
                (c.fair_cycles, c.union_one_job, c.union_blind),
                c.shortest,
                c.fewest_preemptions,
                c.por,
                (c.por_blind, c.por_acyclic, c.por_cut_known, c.snapshots),
            )
        };
        params(self) == params(other)
    }
}

impl Eq for StatefulChecker {}

thread_local! {
    /// The fingerprint of the state at the end of the last replayed path on this
    /// OS thread ([`replay_end_fingerprint`]).
    static REPLAY_END: std::cell::Cell<Option<u128>> = const { std::cell::Cell::new(None) };
}

/// The fingerprint of the state at which the last replay on this OS thread
/// ([`StatefulChecker::replaying`], one job: the executions run on the caller's
/// thread) reached the end of its path with the execution still going (None if
/// none did since the last call; taken). For tests that compare the states two
/// paths reach, e.g. that two paths to one fingerprint have the same successors.
pub fn replay_end_fingerprint() -> Option<u128> {
    REPLAY_END.with(|e| e.take())
}

impl StatefulChecker {
    /// A checker that reruns the path `schedule` (`s1:...`, bound or not: see
    /// [`super::binding`]).
    pub fn replaying(schedule: &str) -> Result<Self, String> {
        let (binding, schedule) = super::binding::Binding::split(schedule)?;
        Ok(StatefulChecker {
            replay: Some(decode_schedule(schedule)?),
            binding,
            ..StatefulChecker::default()
        })
    }

    /// The branching depth at which a shard split happens.
    fn split_depth(&self) -> usize {
        if self.shard.count <= 1 {
            0
        } else {
            // Claimed subtrees (a shared visited set) are dealt out as they are
            // reached, so more, smaller ones balance the processes' work better.
            let finer = if self.shared_visited.is_some() { 3 } else { 0 };
            3 + finer + (usize::BITS - (self.shard.count - 1).leading_zeros()) as usize
        }
    }
}

/// One level of the search stack: the runnable tasks at a branching point and which
/// of them this worker takes.
#[derive(Debug, Clone)]
struct Level {
    options: Vec<usize>,
    pos: usize,
    end: usize,
    /// The store's hashes when this point was first reached: a replay runs unhashed
    /// up to here and takes them back (None for the levels of a handed-over prefix).
    hashes: Option<Vec<u128>>,
    /// This state's entry on the cycle search's stack (None without cycle search).
    cycle: Option<LevelCycle>,
    /// The sleep set on arrival (partial-order reduction; empty without it).
    sleep: Vec<Sleeper>,
    /// Per option, the footprint of its step from here, once taken.
    taken: Vec<Option<Footprint>>,
    /// This state's fingerprint (and number, where the visited set numbers
    /// states), where the search took it (the source of the edges the union cycle
    /// search records from here).
    fp: Option<union::Key>,
    /// With snapshots: the execution as it stood here, while options are left.
    snapshot: Option<Box<runtime::Snapshot>>,
}

/// A task asleep: its next step, with this footprint, was explored from an earlier
/// state and only independent steps were taken since.
#[derive(Debug, Clone, Copy)]
struct Sleeper {
    task: usize,
    footprint: Footprint,
}

/// A level's vectors (options, sleep set, footprints taken), kept for reuse.
type LevelVecs = (Vec<usize>, Vec<Sleeper>, Vec<Option<Footprint>>);

/// The tasks of a sleep set, as a bit set.
fn sleep_mask(sleep: &[Sleeper]) -> u64 {
    sleep.iter().fold(0, |m, s| m | 1 << s.task)
}

/// What the cycle search keeps of a state on the depth-first path.
#[derive(Debug, Clone, Copy)]
struct LevelCycle {
    /// Position of the state's entry on [`Cycles::stack`].
    pos: usize,
    /// Tarjan's lowlink: the least index of a state on the stack this state reaches.
    lowlink: usize,
    /// The edge from the parent state into this one: tasks that ran on it and
    /// tasks not runnable at a point inside it.
    edge: Edge,
}

/// An edge between two branching points, as weak fairness sees it.
#[derive(Debug, Clone, Copy, Default)]
struct Edge {
    /// Tasks that took a step on it.
    ran: u64,
    /// Tasks not runnable at some point of it.
    disabled: u64,
}

/// A state on Tarjan's stack.
#[derive(Debug, Clone)]
struct CycleEntry {
    fp: u128,
    index: usize,
    /// Tasks that took a step on an edge out of this state inside its strongly
    /// connected component, and tasks not runnable here or inside such an edge.
    inside: Edge,
    /// The tasks of the state (the watchdog left out), and those unfinished.
    all: u64,
    live: u64,
    /// A path that closes a cycle through this state (the last one found).
    closing: Option<Vec<usize>>,
    /// Some edge out of this state leaves its strongly connected component (to a
    /// state of another component, or to an end of the execution).
    exits: bool,
    /// A state expanded again (partial-order reduction): this entry stands for
    /// the new edges out of it only, and is not the state's entry in `on_stack`.
    reopened: bool,
}

/// A map keyed by state fingerprints. A fingerprint is already a 128-bit hash, so
/// the map's own hash is its high half, taken as it is ([`FpHasher`]): no SipHash
/// per lookup (the shards of the visited set are chosen by the low bits).
type FpMap<V> = HashMap<u128, V, BuildHasherDefault<FpHasher>>;

/// The hasher of [`FpMap`]: a fingerprint's high 64 bits (any other key: its bytes
/// folded in, FxHash-style).
#[derive(Default)]
struct FpHasher(u64);

impl Hasher for FpHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u128(&mut self, i: u128) {
        self.0 ^= (i >> 64) as u64;
    }
}

/// Tarjan's strongly connected components over the states of one worker's
/// depth-first search (one worker, unsharded: the only setting that searches for
/// cycles).
#[derive(Debug, Default)]
struct Cycles {
    stack: Vec<CycleEntry>,
    on_stack: FpMap<usize>,
    next_index: usize,
}

impl Cycles {
    /// The entry of a known state `fp` expanded again by the partial-order
    /// reduction: a fresh root of its own, whose edges (those of tasks asleep at
    /// the state's first expansion) lie on no cycle (see the module doc), so its
    /// component is itself alone and judged not fair.
    fn reopened(&mut self, fp: u128) -> LevelCycle {
        let (all, done) = Store::task_masks();
        let index = self.next_index;
        self.next_index += 1;
        self.stack.push(CycleEntry {
            fp,
            index,
            inside: Edge::default(),
            all,
            live: all & !done,
            closing: None,
            // Its edges lie on no cycle: each leaves the component.
            exits: true,
            reopened: true,
        });
        LevelCycle {
            pos: self.stack.len() - 1,
            lowlink: index,
            edge: Edge::default(),
        }
    }
}

/// Whether the edges `inside` of a set of states (with tasks `all`) make a weakly
/// fair cycle: some edge at all, and every task either takes a step on one or is
/// not runnable somewhere in the set. A strongly connected component that passes
/// has a cycle through all of those edges and states, on which every task that is
/// always runnable runs: a run that goes round it forever is weakly fair.
fn weakly_fair(inside: Edge, all: u64) -> bool {
    inside.ran != 0 && (inside.ran | inside.disabled) & all == all
}

/// Whether a strongly connected component whose edges inside are labelled `inside`,
/// with tasks `all`, is a livelock: weakly fair, and closed (no edge out of it:
/// `exits` false). The judgement of both cycle searches, one worker's
/// ([`Dfs::leave`]) and the union of N workers' ([`union::Graph::livelock`]).
fn closed_fair(inside: Edge, all: u64, exits: bool) -> bool {
    weakly_fair(inside, all) && !exits
}

/// Marks the state of cycle entry `pos` (if any) as having an edge out of its
/// component.
fn mark_exit(c: &mut Cycles, pos: Option<usize>) {
    if let Some(pos) = pos {
        c.stack[pos].exits = true;
    }
}

#[derive(Default)]
struct Work {
    items: Vec<Vec<usize>>,
    busy: usize,
}

/// One shard of the threads' visited set: a state's sleep set and number, by
/// fingerprint; each shard on cache lines of its own (two shards' locks on one line
/// would move it between the cores when two workers visit them).
type VisitedShard = CachePadded<Mutex<FpMap<(u64, u32)>>>;

/// What the workers share.
struct Shared {
    /// Per visited state, the tasks asleep the last time it was expanded (partial-
    /// order reduction; 0 without it): every other enabled task was explored; and
    /// where [`Shared::numbers`], its number (in the order the states were found,
    /// from 0), which the union cycle search records it by.
    visited: Vec<VisitedShard>,
    /// The visited set numbers its states for the union cycle search (N threads
    /// over this set, no `--shortest`): [`Shared::visit_numbered`].
    numbers: bool,
    /// The state count when this search began: a state's number is the count
    /// before it, less this.
    first_state: usize,
    /// Sleep sets (partial-order reduction): any number of workers, one shard or
    /// processes over a shared set, not `--shortest`.
    por: bool,
    /// [`StatefulChecker::por_blind`].
    por_blind: bool,
    /// [`StatefulChecker::por_acyclic`].
    por_acyclic: bool,
    /// [`StatefulChecker::por_cut_known`].
    por_cut_known: bool,
    /// [`StatefulChecker::lazy_joins`].
    lazy_joins: bool,
    /// [`StatefulChecker::check_cut_ends`].
    check_cut_ends: bool,
    /// Snapshots at branching points instead of replays
    /// ([`StatefulChecker::snapshots`], where they apply).
    snapshots: bool,
    progress: Arc<Progress>,
    max_states: usize,
    jobs: usize,
    shard: Shard,
    split: usize,
    caching: bool,
    work: Mutex<Work>,
    work_cv: Condvar,
    /// Workers waiting in [`Shared::take`] for a subtree: read without the work lock
    /// at every branching point, so that a search with every worker busy never
    /// takes it.
    waiting: AtomicUsize,
    /// The workers' CPU seconds: summed, and the most one spent.
    cpu: Mutex<(f64, f64)>,
    /// [`StatefulChecker::shared_visited`].
    global: Option<Arc<SharedSet>>,
    stop: AtomicBool,
    limit_hit: AtomicBool,
    cut: AtomicUsize,
    /// Executions resumed from a snapshot.
    resumed: AtomicUsize,
    /// Executions that failed a check and returned to the body (not hangs).
    failing: AtomicUsize,
    max_depth: AtomicUsize,
    hangs: Mutex<Hangs>,
    crash: Mutex<Option<String>>,
    /// A replayed schedule did not fit the scenario.
    misfit: AtomicBool,
    /// Go on after a hang (to count hang states and find the shortest path).
    all_hangs: bool,
    /// `--fewest-preemptions`: with `depths`, a state's key holds the task that ran
    /// last and its cost is the preemptions on the way to it.
    fewest_preemptions: bool,
    /// Executions run retry loops without a bound ([`Store::set_fair_cycles`]).
    unbounded_retries: bool,
    /// The search looks for closed, weakly fair non-progress cycles as it goes (one
    /// worker, one shard, not `--shortest`, with state caching; with unbounded
    /// retries).
    fair_cycles: bool,
    /// The workers record the graph they explore, and the union is searched for
    /// those cycles when the search is done (N workers, processes over a shared
    /// visited set, a shard on its own, `--shortest`; with unbounded retries).
    union_cycles: bool,
    /// The union of the workers' graphs, merged as each worker is done
    /// ([`Carry::finish`]).
    graph: Mutex<union::Graph>,
    /// `--shortest`: the least depth each state was reached at (one worker); None
    /// otherwise, and then never locked.
    depths: Option<Mutex<FpMap<usize>>>,
}

/// What [`Shared::visit`] found.
enum Visit {
    New,
    Known,
    /// Known; explore these tasks (asleep at its last expansion, awake now).
    Reopen(u64),
}

#[derive(Default)]
struct Hangs {
    count: usize,
    /// The cheapest hang found: its path, message and cost (branching points, or
    /// preemptions with `--fewest-preemptions`).
    shortest: Option<(Vec<usize>, String)>,
    shortest_cost: usize,
    /// The search's number of the execution that found the cheapest hang (0: found
    /// outside an execution, in the recorded graph when the search was done).
    shortest_at: usize,
}

impl Shared {
    /// The state budget (or the shared set's room) is spent: the search stops,
    /// incomplete.
    fn stop_at_budget(&self) {
        self.limit_hit.store(true, Ordering::Relaxed);
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Inserts a fingerprint reached at branching depth `depth`; true if it is to be
    /// explored: new, or (with `--shortest`) reached at a smaller depth than before.
    fn insert_at(&self, fp: u128, depth: usize) -> bool {
        let Some(depths) = &self.depths else {
            return self.insert(fp);
        };
        let mut depths = depths.lock();
        match depths.get_mut(&fp) {
            Some(d) if *d <= depth => false,
            Some(d) => {
                *d = depth;
                true
            }
            None => {
                depths.insert(fp, depth);
                self.insert(fp)
            }
        }
    }

    /// Inserts a fingerprint; true if it is new.
    fn insert(&self, fp: u128) -> bool {
        matches!(self.visit(fp, 0), Visit::New)
    }

    /// Visits state `fp` arriving with the tasks `asleep` asleep (Godefroid's
    /// sleep sets with state caching): new; known, and expanded before with no
    /// task asleep that is awake now (cut); or known, with the tasks returned asleep
    /// then and awake now, which are to be explored (the stored set shrinks to the
    /// intersection).
    fn visit(&self, fp: u128, asleep: u64) -> Visit {
        self.visit_numbered(fp, asleep).0
    }

    /// [`Shared::visit`], and the state's number where the set numbers them
    /// ([`Shared::numbers`]; None elsewhere).
    fn visit_numbered(&self, fp: u128, asleep: u64) -> (Visit, Option<u32>) {
        let visit = if let Some(global) = &self.global {
            match global.visit(fp, asleep) {
                Inserted::New => {
                    // Kept here too, for this process's digest.
                    self.visited[(fp as usize) % self.visited.len()]
                        .lock()
                        .insert(fp, (0, union::END));
                    self.progress.states.fetch_add(1, Ordering::Relaxed);
                    if global.count_state() >= self.max_states {
                        self.stop_at_budget();
                    }
                    return (Visit::New, None);
                }
                Inserted::Full => {
                    self.stop_at_budget();
                    return (Visit::Known, None);
                }
                again => (again, None),
            }
        } else {
            let shard = (fp as usize) % self.visited.len();
            let mut visited = self.visited[shard].lock();
            let (again, id) = match visited.get_mut(&fp) {
                None => {
                    // Counted under the shard's lock, so that the count before it
                    // numbers the state; a number is found with the state.
                    let n = self.progress.states.fetch_add(1, Ordering::Relaxed);
                    let id = self.numbers.then(|| (n - self.first_state) as u32);
                    visited.insert(fp, (asleep, id.unwrap_or(union::END)));
                    drop(visited);
                    if n + 1 >= self.max_states {
                        self.stop_at_budget();
                    }
                    return (Visit::New, id);
                }
                Some((stored, id)) => {
                    let again = met_again(*stored, asleep);
                    *stored &= asleep;
                    (again, self.numbers.then_some(*id))
                }
            };
            drop(visited);
            (again, id)
        };
        let (visit, id) = visit;
        let visit = match visit {
            // The wrong rule of `por_cut_known`: cut whatever the sleepers.
            Inserted::Reopen(woken) if !self.por_cut_known => Visit::Reopen(woken),
            _ => Visit::Known,
        };
        (visit, id)
    }

    /// The number of a visited state (where the set numbers them: None elsewhere).
    fn number_of(&self, fp: u128) -> Option<u32> {
        if !self.numbers {
            return None;
        }
        let visited = self.visited[(fp as usize) % self.visited.len()].lock();
        visited.get(&fp).map(|&(_, id)| id)
    }

    /// Every visited state with its number, where the set numbers them (the
    /// union graph's names for its states: [`union::Graph::name_states`]).
    fn numbered_fingerprints(&self) -> Vec<(u128, u32)> {
        if !self.numbers {
            return Vec::new();
        }
        (self.visited.iter())
            .flat_map(|v| {
                v.lock()
                    .iter()
                    .map(|(&fp, &(_, id))| (fp, id))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The wrapping sum of every visited state's fingerprint: equal sets of
    /// states have equal digests.
    fn digest(&self) -> u128 {
        self.visited
            .iter()
            .flat_map(|v| v.lock().keys().copied().collect::<Vec<_>>())
            .fold(0u128, u128::wrapping_add)
    }

    /// Takes the next subtree to search, waiting while other workers may still hand
    /// some out; None when the search is over.
    fn take(&self, finished_one: bool) -> Option<Vec<usize>> {
        let mut w = self.work.lock();
        if finished_one {
            w.busy -= 1;
        }
        loop {
            if self.stop.load(Ordering::Relaxed) {
                self.work_cv.notify_all();
                return None;
            }
            // The oldest item first: the shallowest, largest subtree.
            if !w.items.is_empty() {
                w.busy += 1;
                return Some(w.items.remove(0));
            }
            if w.busy == 0 {
                self.work_cv.notify_all();
                return None;
            }
            self.waiting.fetch_add(1, Ordering::Relaxed);
            w = unpoisoned(self.work_cv.wait(w));
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Adds a worker's CPU seconds to the figures.
    fn worker_cpu(&self, seconds: f64) {
        let mut c = self.cpu.lock();
        c.0 += seconds;
        c.1 = c.1.max(seconds);
    }

    /// Whether the search is to stop: here, or (a shared visited set) in another
    /// process, which found a failure.
    fn stopping(&self) -> bool {
        if self.global.as_ref().is_some_and(|g| g.stopped()) {
            self.stop.store(true, Ordering::Relaxed);
        }
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether this shard takes the subtree below `path` (at the split depth): the
    /// one its path hashes to, or, with a shared visited set, the first process to
    /// claim it there.
    fn takes_subtree(&self, path: &[usize]) -> bool {
        let Some(global) = &self.global else {
            return (hash128(&path) % self.shard.count as u128) as usize == self.shard.index;
        };
        match global.insert(hash128(&("claim", path))) {
            Inserted::New => true,
            // A claim has no sleep set: met again, it is known.
            Inserted::Known | Inserted::Reopen(_) => false,
            Inserted::Full => {
                self.stop_at_budget();
                false
            }
        }
    }

    /// Whether a worker waits for a subtree (cheap: no lock).
    fn hungry(&self) -> bool {
        self.jobs > 1 && self.waiting.load(Ordering::Relaxed) > 0
    }

    /// Hands the untried branches of one level (below the path `path`) to the
    /// waiting workers, if some still wait; true if it did.
    fn donate(&self, path: &[usize], level: &mut Level) -> bool {
        let mut w = self.work.lock();
        let idle = self.jobs - w.busy;
        if idle == 0 || w.items.len() >= idle {
            return false;
        }
        for &t in &level.options[level.pos + 1..level.end] {
            let mut item = path.to_vec();
            item.push(t);
            w.items.push(item);
        }
        level.end = level.pos + 1;
        self.work_cv.notify_all();
        true
    }

    fn record_hang(&self, path: &[usize], cost: usize, message: String) {
        let mut h = self.hangs.lock();
        h.count += 1;
        if !self.all_hangs {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(g) = &self.global {
                g.stop();
            }
        }
        if h.shortest.is_none() || cost < h.shortest_cost {
            h.shortest = Some((path.to_vec(), message));
            h.shortest_cost = cost;
            h.shortest_at = EXECUTION.with(std::cell::Cell::get);
        }
    }
}

/// One worker's depth-first search over the subtree below `prefix`.
struct Dfs {
    shared: Arc<Shared>,
    body: Body,
    prefix: usize,
    levels: Vec<Level>,
    depth: usize,
    started: bool,
    /// The last execution ended early (a hang).
    abandoned: bool,
    /// The current execution reached a known state: it only runs to its end, in
    /// task order, without fingerprints (ending it would leak what its tasks hold:
    /// the runtime does not unwind a stopped execution's stacks).
    coasting: bool,
    /// Task chosen last while coasting (coasting goes round the runnable tasks).
    coast_last: usize,
    /// Choices made while coasting this execution.
    coast_steps: usize,
    replay: bool,
    /// The cycle search, when this worker looks for non-progress cycles on its
    /// own (one worker).
    cycles: Option<Cycles>,
    /// The part of the state graph this worker explores, when the cycles are
    /// searched for in the union of every worker's (N workers, or processes).
    log: Option<union::Graph>,
    /// Since the last branching point: tasks that ran, tasks not runnable at a
    /// point passed without branching (either cycle search).
    gap: Edge,
    /// A task was chosen at a branching point and the execution has not reached
    /// the next one yet: if it ends first, that edge leaves the component.
    pending: bool,
    /// Fingerprints of the branching points of a replay, to recognise a schedule
    /// that ends where it has been before (a livelock's lasso).
    replay_fps: Vec<u128>,
    /// Per branching point of the current execution: the task that ran last (if it
    /// may go on there) and the tasks enabled, to count preemptions.
    branch_at: Vec<(Option<usize>, u64)>,
    /// The current sleep set (partial-order reduction).
    sleep: Vec<Sleeper>,
    /// The vectors of levels the search left, emptied, for the next levels (no
    /// allocation per branching point once the search is as deep as it gets).
    spare: Vec<LevelVecs>,
    /// The task running since the last choice, and the level it was chosen at
    /// (None at a point that does not branch).
    stepping: Option<(usize, Option<usize>)>,
    /// The level of the choice being made (set by `pick`).
    chosen_level: Option<usize>,
    /// The deepest branching point this worker reached.
    max_depth: usize,
    /// [`Dfs::pick`]'s buffer of runnable tasks.
    ids: Vec<usize>,
    /// This worker's counts not yet added to the shared ones ([`Counts`]).
    counts: Counts,
    /// The search's executions as this worker last added its own to them (the
    /// shared count is read only then: with N workers its line moves at every
    /// state another worker counts).
    executions_before: usize,
    /// This execution resumes the snapshot of the last level (set between
    /// executions, taken at the first scheduling point).
    resuming: bool,
    /// With snapshots: an execution has run (the next ones run in the arena).
    warmed: bool,
}

/// A worker's transitions, executions, cuts and resumed executions, added to the
/// shared counters every [`Counts::BATCH`] executions and when its subtree is done:
/// with N workers an atomic add per transition and per execution on one cache line
/// (beside the flags every branching point reads) moves the line between the cores
/// at every step. (The state count stays exact as it goes: the budget stops on it.)
#[derive(Default)]
struct Counts {
    transitions: usize,
    executions: usize,
    cut: usize,
    resumed: usize,
}

impl Counts {
    /// Executions between two flushes (the progress line lags by at most this).
    const BATCH: usize = 256;

    /// Adds the counts to the shared counters and starts again from zero.
    fn flush(&mut self, shared: &Shared) {
        let c = std::mem::take(self);
        let p = &shared.progress;
        p.transitions.fetch_add(c.transitions, Ordering::Relaxed);
        p.executions.fetch_add(c.executions, Ordering::Relaxed);
        shared.cut.fetch_add(c.cut, Ordering::Relaxed);
        shared.resumed.fetch_add(c.resumed, Ordering::Relaxed);
        p.poll();
    }
}

/// The failure a closed non-progress cycle reports: the unfinished tasks `live` go
/// round a cycle through `states` states for ever (None: a replayed lasso, whose
/// closedness the replay does not know).
fn livelock_message(live: u64, states: Option<usize>) -> String {
    livelock_message_of(&Store::task_names(live), states)
}

/// [`livelock_message`] with the tasks' names given.
fn livelock_message_of(names: &str, states: Option<usize>) -> String {
    match states {
        Some(states) => format!(
            "livelock: a fair cycle through {states} state(s) that no schedule leaves, in \
             which {names} never complete(s) an operation (every runnable thread takes \
             steps; none finishes)"
        ),
        None => format!(
            "livelock: the schedule ends in a state it passed before, and {names} never \
             complete(s) an operation on the cycle"
        ),
    }
}

/// The most choices a cut execution makes while coasting to its end; past it the
/// execution is ended (a livelock can keep a fair coast going for ever).
const COAST_LIMIT: usize = 100_000;

thread_local! {
    /// The target of the searches on this OS thread keeps state outside the
    /// backend's primitives ([`opaque_state`]).
    static OPAQUE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The target of the searches on this OS thread allows snapshots
    /// ([`snapshots_allowed`]).
    static SNAPSHOTS_OK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The path of the execution running on this OS thread (for
    /// [`StatefulChecker::live_schedule`]).
    static PATH: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The search's number of the execution running on this OS thread (for
    /// [`StatefulChecker::live_execution`]): the executions the workers had
    /// started when it began, counted as the report counts them (exact with one
    /// worker; with several, a worker's unflushed counts are its own).
    static EXECUTION: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f` (a search) with the partial-order reduction barred when `opaque`: the
/// target keeps state outside the backend's primitives that it has not declared
/// ([`crate::check::target::Target::opaque_state`]), which step footprints cannot
/// see, so no two steps are known to commute.
pub(crate) fn opaque_state<R>(opaque: bool, f: impl FnOnce() -> R) -> R {
    let old = OPAQUE.with(|o| o.replace(opaque));
    let r = f();
    OPAQUE.with(|o| o.set(old));
    r
}

/// Runs `f` (a search) with snapshots allowed when `ok`: every byte the target's
/// executions write is in the arena, the task stacks or the backend's
/// thread-locals ([`crate::check::target::Target::snapshots`]; not the kernel
/// target's C code).
pub(crate) fn snapshots_allowed<R>(ok: bool, f: impl FnOnce() -> R) -> R {
    let old = SNAPSHOTS_OK.with(|o| o.replace(ok));
    let r = f();
    SNAPSHOTS_OK.with(|o| o.set(old));
    r
}

impl Dfs {
    fn new(shared: Arc<Shared>, body: Body, prefix: &[usize], replay: bool) -> Self {
        let executions_before = shared.progress.executions.load(Ordering::Relaxed);
        let cycles = (shared.fair_cycles && !replay).then(Cycles::default);
        let log = (shared.union_cycles && !replay).then(union::Graph::default);
        Dfs {
            shared,
            body,
            prefix: prefix.len(),
            levels: prefix
                .iter()
                .map(|&t| Level {
                    options: vec![t],
                    pos: 0,
                    end: 1,
                    hashes: None,
                    cycle: None,
                    sleep: Vec::new(),
                    taken: Vec::new(),
                    fp: None,
                    snapshot: None,
                })
                .collect(),
            depth: 0,
            started: false,
            abandoned: false,
            coasting: false,
            coast_last: 0,
            coast_steps: 0,
            cycles,
            log,
            gap: Edge::default(),
            pending: false,
            replay_fps: Vec::new(),
            branch_at: Vec::new(),
            replay,
            sleep: Vec::new(),
            spare: Vec::new(),
            stepping: None,
            chosen_level: None,
            max_depth: 0,
            ids: Vec::new(),
            counts: Counts::default(),
            executions_before,
            resuming: false,
            warmed: false,
        }
    }

    /// Whether this worker judges progress by cycles (on its own or in the union):
    /// retries are then branching points and a retry's steps never sleep.
    fn judges_cycles(&self) -> bool {
        self.cycles.is_some() || self.log.is_some()
    }

    /// The union cycle search's record of arriving at branching point `fp`: the
    /// edge from the last level (or, at the first point, the root).
    fn log_arrival(&mut self, fp: union::Key) {
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let edge = std::mem::take(&mut self.gap);
        self.pending = false;
        match self.levels.last() {
            Some(l) => {
                if let Some(from) = l.fp {
                    log.step(from, l.options[l.pos], Some(fp), edge);
                }
            }
            None => log.root(fp),
        }
    }

    /// The union cycle search's record of a state this worker reached first.
    fn log_state(&mut self, fp: union::Key, ids: &[usize], pruned: bool) {
        if let Some(log) = self.log.as_mut() {
            let (all, done) = Store::task_masks();
            let runnable = ids.iter().fold(0u64, |m, &t| m | 1 << t);
            log.state(fp, all, done, runnable, pruned);
            log.name_tasks(all, |t| Store::task_names(1 << t));
        }
    }

    /// Work sharing: hands a waiting worker the untried branches of the shallowest
    /// level of this worker's subtree that has some (the largest subtree it can
    /// give; the oldest levels are the ones a depth-first search reaches last).
    fn donate(&mut self) {
        let Some(d) =
            (self.prefix..self.levels.len()).find(|&d| self.levels[d].pos + 1 < self.levels[d].end)
        else {
            return;
        };
        let path = self.path_to(d);
        self.shared.donate(&path, &mut self.levels[d]);
    }

    /// What `--shortest` minimises on `path` (the choices at this execution's
    /// first branching points): its branching points, or with
    /// `--fewest-preemptions` the points where it ran another task than the one
    /// that ran last while that one could go on.
    fn cost(&self, path: &[usize]) -> usize {
        if !self.shared.fewest_preemptions {
            return path.len();
        }
        path.iter()
            .zip(&self.branch_at)
            .filter(|(&t, &(last, enabled))| last.is_some_and(|c| c != t && enabled & 1 << c != 0))
            .count()
    }

    /// Records a hang on `path` with what it costs ([`Dfs::cost`]).
    fn record_hang(&self, path: &[usize], message: String) {
        self.shared.record_hang(path, self.cost(path), message);
    }

    fn path_to(&self, d: usize) -> Vec<usize> {
        self.levels[..d].iter().map(|l| l.options[l.pos]).collect()
    }

    /// Moves to the next unexplored branch; false when the subtree is done.
    fn backtrack(&mut self) -> bool {
        while self.levels.len() > self.prefix {
            let last = self.levels.last_mut().expect("a level");
            if last.pos + 1 < last.end {
                last.pos += 1;
                return true;
            }
            let done = self.levels.pop().expect("a level");
            self.leave(&done);
            let (mut options, mut sleep, mut taken) = (done.options, done.sleep, done.taken);
            options.clear();
            sleep.clear();
            taken.clear();
            self.spare.push((options, sleep, taken));
        }
        false
    }

    /// Tarjan's step when the search leaves a state for good: a root pops its
    /// strongly connected component and judges it; any other state passes its
    /// lowlink and its edge from the parent (which lies inside the component) up.
    fn leave(&mut self, level: &Level) {
        let (Some(c), Some(lc)) = (self.cycles.as_mut(), level.cycle) else {
            return;
        };
        if lc.lowlink == c.stack[lc.pos].index {
            // The component's entries, taken off the stack in place (most
            // components are one state: no vector is made for them).
            let (all, live) = (c.stack[lc.pos].all, c.stack[lc.pos].live);
            let states = c.stack.len() - lc.pos;
            let mut inside = Edge::default();
            let mut closing = None;
            let mut exits = false;
            for e in c.stack.drain(lc.pos..) {
                if !e.reopened {
                    c.on_stack.remove(&e.fp);
                }
                inside.ran |= e.inside.ran;
                inside.disabled |= e.inside.disabled;
                closing = closing.or(e.closing);
                exits |= e.exits;
            }
            // The edge from the parent into this component leaves the parent's.
            let parent = self.levels.last().and_then(|l| l.cycle).map(|lc| lc.pos);
            mark_exit(c, parent);
            if closed_fair(inside, all, exits) {
                let path = closing.unwrap_or_else(|| self.path_to(self.levels.len()));
                let message = livelock_message(live, Some(states));
                self.record_hang(&path, message);
            }
        } else if let Some(parent) = self.levels.last_mut() {
            let pc = parent
                .cycle
                .as_mut()
                .expect("the parent is searched for cycles");
            pc.lowlink = pc.lowlink.min(lc.lowlink);
            let inside = &mut c.stack[pc.pos].inside;
            inside.ran |= lc.edge.ran;
            inside.disabled |= lc.edge.disabled;
        }
    }

    /// At a new branching point with fingerprint `fp` and runnable tasks `ids`
    /// reached from the last level: the cycle search's entry for it, or, if `fp`
    /// is a state on the stack (a cycle closes), the edge's update of the last
    /// level. Returns the entry for a new state.
    fn arrive(&mut self, fp: u128, new: bool, ids: &[usize]) -> Option<LevelCycle> {
        self.cycles.as_ref()?;
        let edge = std::mem::take(&mut self.gap);
        self.pending = false;
        let c = self.cycles.as_mut()?;
        let (all, done) = Store::task_masks();
        if new {
            let runnable = ids.iter().fold(0u64, |m, &t| m | 1 << t);
            let index = c.next_index;
            c.next_index += 1;
            c.on_stack.insert(fp, c.stack.len());
            c.stack.push(CycleEntry {
                fp,
                index,
                inside: Edge {
                    ran: 0,
                    disabled: all & !runnable,
                },
                all,
                live: all & !done,
                closing: None,
                exits: false,
                reopened: false,
            });
            return Some(LevelCycle {
                pos: c.stack.len() - 1,
                lowlink: index,
                edge,
            });
        }
        let Some(&pos) = c.on_stack.get(&fp) else {
            // A state of a component already judged: the edge leaves this one.
            let parent = self.levels.last().and_then(|l| l.cycle).map(|lc| lc.pos);
            mark_exit(c, parent);
            return None;
        };
        let index = c.stack[pos].index;
        let path = PATH.with(|p| p.borrow().clone());
        let parent = self.levels.last_mut()?;
        let pc = parent.cycle.as_mut()?;
        pc.lowlink = pc.lowlink.min(index);
        let pc_pos = pc.pos;
        // Prefer a cycle back to a state on the path (a lasso a replay recognises).
        let ancestor = self
            .levels
            .iter()
            .any(|l| l.cycle.is_some_and(|lc| lc.pos == pos));
        let from = &mut c.stack[pc_pos];
        from.inside.ran |= edge.ran;
        from.inside.disabled |= edge.disabled;
        if ancestor || from.closing.is_none() {
            from.closing = Some(path);
        }
        None
    }

    fn new_execution(&mut self) -> bool {
        let abandoned = std::mem::take(&mut self.abandoned);
        if abandoned {
            let control = self.body.abandoned();
            if control.failed {
                self.shared.failing.fetch_add(1, Ordering::Relaxed);
            }
            if control.stop {
                self.shared.stop.store(true, Ordering::Relaxed);
            }
        }
        if self.replay && self.started && !abandoned && self.depth < self.levels.len() {
            // The execution ended before the path did: it does not fit.
            self.shared.misfit.store(true, Ordering::Relaxed);
        }
        // Another process's stop ends this one's search only once it has run an
        // execution (a check that ran none has no verdict).
        if self.shared.stop.load(Ordering::Relaxed) || (self.started && self.shared.stopping()) {
            return false;
        }
        if std::mem::take(&mut self.pending) {
            // The execution ended (or hung, or was abandoned) after the last
            // branching point: that edge leaves the component.
            let gap = std::mem::take(&mut self.gap);
            if let Some(c) = self.cycles.as_mut() {
                let last = self.levels.last().and_then(|l| l.cycle).map(|lc| lc.pos);
                mark_exit(c, last);
            }
            if let (Some(log), Some(l)) = (self.log.as_mut(), self.levels.last()) {
                if let Some(from) = l.fp {
                    log.step(from, l.options[l.pos], None, gap);
                }
            }
        }
        if self.started && (self.replay || !self.backtrack()) {
            return false;
        }
        self.started = true;
        self.depth = 0;
        self.coasting = false;
        self.coast_steps = 0;
        self.replay_fps.clear();
        self.sleep.clear();
        self.stepping = None;
        self.chosen_level = None;
        self.gap = Edge::default();
        self.counts.executions += 1;
        EXECUTION.with(|e| e.set(self.executions_before + self.counts.executions));
        if self.counts.executions >= Counts::BATCH {
            self.counts.flush(&self.shared);
            self.executions_before = self.shared.progress.executions.load(Ordering::Relaxed);
        }
        self.resuming = self.levels.last().is_some_and(|l| l.snapshot.is_some());
        if self.resuming {
            self.counts.resumed += 1;
            // The runtime restores the execution at the last level; the path to
            // it is the levels' (`Dfs::resume`), the start of the last one's.
            return true;
        }
        PATH.with(|p| p.borrow_mut().clear());
        if self.shared.snapshots && !self.replay {
            // The last execution's events are in the arena, which starts afresh
            // (or, after the first execution, in the system's heap).
            crate::check::trace::forget_buffer();
            // The first execution runs outside the arena: what the process or the
            // thread sets up lazily the first time (a logger's callsites, a
            // thread's handle) is made there, not in memory a restore overwrites.
            if self.warmed {
                arena::arm(true);
            }
            self.warmed = true;
        }
        Store::begin_execution();
        // Replay the prefix unhashed if its last point has saved hashes.
        if self.levels.last().is_some_and(|l| l.hashes.is_some()) {
            Store::set_hashing(false);
        }
        true
    }

    /// The first scheduling point of an execution restored from the last level's
    /// snapshot: the search stands as a replay would have left it on arriving
    /// there, and takes the level's next option.
    fn resume(&mut self) -> Option<usize> {
        self.resuming = false;
        let d = self.levels.len() - 1;
        self.depth = d + 1;
        PATH.with(|p| {
            // The last execution passed every level above this one, whose choices
            // have not changed since (backtracking moved this level's only): its
            // path starts with them. Kept, not rebuilt (a rebuild per resume was
            // O(depth)).
            let mut p = p.borrow_mut();
            p.truncate(d);
            debug_assert!(
                p.len() == d
                    && p.iter()
                        .zip(&self.levels)
                        .all(|(&t, l)| t == l.options[l.pos]),
                "the last path starts with the levels' choices"
            );
        });
        let l = &mut self.levels[d];
        if l.pos + 1 >= l.end {
            // The level's last option: the search does not come back here.
            l.snapshot = None;
        }
        if self.shared.por {
            self.sleep_at(d);
        }
        let l = &self.levels[d];
        let t = l.options[l.pos];
        self.chosen_level = Some(d);
        self.gap = Edge::default();
        let choice = self.choose(t);
        if self.shared.por {
            Store::begin_step_probed(t, true);
            self.stepping = Some((t, self.chosen_level.take()));
        }
        choice
    }

    /// Ends the current execution early.
    fn abandon(&mut self) -> Option<usize> {
        self.abandoned = true;
        None
    }

    fn choose(&mut self, t: usize) -> Option<usize> {
        PATH.with(|p| p.borrow_mut().push(t));
        if self.judges_cycles() {
            self.gap.ran |= 1 << t;
            self.pending = true;
        }
        Some(t)
    }

    /// Task `t` runs at a point that does not branch (`ids` runnable there).
    fn gap_step(&mut self, t: usize, ids: &[usize], watchdog: Option<usize>) {
        if self.judges_cycles() {
            let runnable = ids.iter().fold(0u64, |m, &i| m | 1 << i);
            let (all, _) = Store::task_masks();
            self.gap.ran |= 1 << t;
            self.gap.disabled |= all & !runnable & !watchdog.map_or(0, |w| 1 << w);
        }
    }

    /// The runtime asks which task runs next. With the partial-order reduction, the
    /// step that ended here updates the sleep set (a task that ran, or whose
    /// next step conflicts with this one, wakes) and, if it was chosen at a
    /// branching point, is recorded there for the options tried after it.
    fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
        if self.resuming {
            return self.resume();
        }
        if let Some((t, level)) = self.stepping.take() {
            let f = Store::end_step(t);
            let blind = self.shared.por_blind;
            self.sleep
                .retain(|s| s.task != t && (blind || !s.footprint.conflicts(&f)));
            if let Some(l) = level.and_then(|d| self.levels.get_mut(d)) {
                if l.taken.len() <= l.pos {
                    l.taken.resize(l.pos + 1, None);
                }
                let pos = l.pos;
                l.taken[pos].get_or_insert(f);
            }
        }
        self.chosen_level = None;
        let choice = self.pick(runnable, current);
        // Steps on the replayed prefix (below the last level) need no footprint:
        // the sleep set is empty there, and their levels have theirs from the
        // execution that first took them.
        let past_prefix = self.depth >= self.levels.len();
        if let Some(t) = choice.filter(|_| self.shared.por && !self.coasting && past_prefix) {
            // A step at no branching point with no task asleep: nothing reads its
            // footprint (no sleeper to wake, no level to record it at), so a
            // target's external state need not be probed for it.
            let read = self.chosen_level.is_some() || !self.sleep.is_empty();
            Store::begin_step_probed(t, read);
            self.stepping = Some((t, self.chosen_level.take()));
        }
        choice
    }

    /// Makes the current sleep set the one for the option at `pos` of level `d`
    /// (the last, replayed up to here): the level's own, and every option tried
    /// before it that may not lie on a cycle (with the cycle search; see the
    /// module doc).
    fn sleep_at(&mut self, d: usize) {
        // Into the current sleep set's buffer (no allocation per resume).
        let mut sleep = std::mem::take(&mut self.sleep);
        let l = &self.levels[d];
        sleep.clear();
        sleep.extend_from_slice(&l.sleep);
        for (i, f) in l.taken.iter().enumerate().take(l.pos) {
            let acyclic = self.shared.por_acyclic;
            if let Some(f) = f.filter(|f| !(f.cyclic && self.judges_cycles() && !acyclic)) {
                sleep.push(Sleeper {
                    task: l.options[i],
                    footprint: f,
                });
            }
        }
        self.sleep = sleep;
    }

    fn pick(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
        // The runnable tasks, in a buffer kept across calls (no allocation per point).
        let mut ids = std::mem::take(&mut self.ids);
        ids.clear();
        ids.extend_from_slice(runnable);
        let choice = self.pick_in(&mut ids, current);
        self.ids = ids;
        choice
    }

    /// [`Dfs::pick`] among the runnable tasks `ids`.
    fn pick_in(&mut self, ids: &mut Vec<usize>, current: Option<usize>) -> Option<usize> {
        let watchdog = Store::watchdog();
        if let Some(c) = current {
            if ids.contains(&c) && Store::quiet(c) {
                self.gap_step(c, ids, watchdog);
                return Some(c);
            }
        }
        if let Some(w) = watchdog {
            ids.retain(|&t| t != w);
            if ids.is_empty() {
                if Store::finished() {
                    return Some(w);
                }
                // Every live model thread is blocked: a hang.
                let path = PATH.with(|p| p.borrow().clone());
                self.record_hang(&path, Store::deadlock_report());
                return self.abandon();
            }
        }
        if let Some(t) = Store::ready_join(ids).filter(|_| !self.shared.lazy_joins) {
            // A join of a finished thread: taken at once, no branching point.
            self.gap_step(t, ids, watchdog);
            return Some(t);
        }
        // A task that went back to the top of a retry loop makes this a state even
        // with one runnable task: a thread retrying alone closes a cycle. A replay
        // branches there only on its attempt with unbounded retries, the setting of
        // the searches that do (every search with fair cycles); on its bounded
        // attempt, as in those searches' schedules, it does not.
        let retried = (self.judges_cycles() || (self.replay && self.shared.unbounded_retries))
            && Store::take_retried();
        if self.coasting {
            // Nothing left to learn: go round the runnable tasks (a fair order, so
            // that a task retrying until another moves does not spin for ever).
            self.coast_steps += 1;
            if self.coast_steps > COAST_LIMIT {
                return self.abandon();
            }
            let t = ids
                .iter()
                .copied()
                .find(|&t| t > self.coast_last)
                .unwrap_or(ids[0]);
            self.coast_last = t;
            if ids.len() > 1 || retried {
                // A branching point on a replay: the path stays one, so that a hang
                // met while coasting is recorded with a schedule that replays.
                PATH.with(|p| p.borrow_mut().push(t));
            }
            return Some(t);
        }
        if ids.len() == 1 && !retried {
            // Nothing to choose: no branching point.
            self.gap_step(ids[0], ids, watchdog);
            return Some(ids[0]);
        }
        let d = self.depth;
        self.depth += 1;
        if self.shared.fewest_preemptions {
            let last = current.filter(|c| ids.contains(c));
            let enabled = ids.iter().fold(0u64, |m, &t| m | 1 << t);
            self.branch_at.truncate(d);
            self.branch_at.push((last, enabled));
        }
        if self.depth > self.max_depth {
            // Published only when this worker goes deeper than before: the shared
            // counter is not written at every branching point.
            self.max_depth = self.depth;
            self.shared
                .max_depth
                .fetch_max(self.depth, Ordering::Relaxed);
        }
        if d < self.levels.len() {
            let l = &self.levels[d];
            if d + 1 == self.levels.len() {
                if let Some(saved) = &l.hashes {
                    Store::restore_hashes(saved);
                }
                if self.shared.por {
                    self.sleep_at(d);
                }
            }
            self.chosen_level = Some(d);
            let l = &self.levels[d];
            let t = l.options[l.pos];
            self.gap = Edge::default();
            if self.log.is_some() && d + 1 == self.levels.len() && l.fp.is_none() {
                // The last level of a handed-over prefix: its state is the source
                // of the edges this worker takes from it (hashes are on here).
                let fp = Store::fingerprint(ids);
                let id = self.shared.number_of(fp);
                self.levels[d].fp = Some(union::Key { fp, id });
            }
            if self.replay {
                self.replay_fps.push(Store::fingerprint(ids));
            }
            if !ids.contains(&t) {
                if self.replay {
                    // The schedule does not fit this scenario: end the execution.
                    self.shared.misfit.store(true, Ordering::Relaxed);
                    return self.abandon();
                }
                panic!(
                    "daxlock: the model is not deterministic: task {t} is not runnable at branching point {d} on replay"
                );
            }
            return self.choose(t);
        }
        if self.replay {
            let fp = Store::fingerprint(ids);
            REPLAY_END.with(|e| e.set(Some(fp)));
            if self.replay_fps.contains(&fp) {
                // The schedule ends in a state it passed before: it is a lasso, a
                // cycle the threads can go round for ever.
                let (all, done) = Store::task_masks();
                let path = self.path_to(d);
                self.record_hang(&path, livelock_message(all & !done, None));
                return self.abandon();
            }
            // The execution wants more choices than the path has: it does not fit.
            self.shared.misfit.store(true, Ordering::Relaxed);
            return self.abandon();
        }
        self.counts.transitions += 1;
        // The state, wherever the search takes it: below the split, and above it
        // where the union cycle search records the graph (every edge, and the root
        // a lasso starts from).
        let here = (self.shared.caching
            && (d >= self.shared.split
                || self.shared.global.is_some()
                || self.shared.union_cycles))
            .then(|| Store::fingerprint(ids));
        // Where the visited set numbers the states, the arrival is recorded once
        // the visit below has given this one its number.
        if let Some(fp) = here.filter(|_| !self.shared.numbers) {
            self.log_arrival(union::Key::fp(fp));
        }
        if self.shared.shard.count > 1
            && d == self.shared.split
            && !self.shared.takes_subtree(&self.path_to(d))
        {
            return self.abandon();
        }
        let mut cycle = None;
        let spare = self.spare.pop();
        #[cfg(test)]
        if spare.is_some() {
            por::LEVELS_REUSED.fetch_add(1, Ordering::Relaxed);
        }
        let (mut options, mut sleep, taken) = spare.unwrap_or_default();
        options.extend_from_slice(ids);
        if self.shared.por {
            sleep.extend_from_slice(&self.sleep);
        }
        if self.shared.global.is_some() && self.shared.caching && d < self.shared.split {
            // Above the split every process walks the tree uncut; its states are
            // counted too, once over all processes, so that the processes' counts
            // add up to one search's.
            let fp = here.expect("taken above the split with a shared set");
            if matches!(self.shared.visit(fp, 0), Visit::New) {
                self.log_state(union::Key::fp(fp), ids, false);
            }
        } else if let Some(fp) = here.filter(|_| d < self.shared.split) {
            // A shard above its split walks the tree uncut, taking every edge: its
            // states are in its graph (not stored, not counted).
            self.log_state(union::Key::fp(fp), ids, false);
        }
        let mut key = here.map(union::Key::fp);
        if self.shared.caching && d >= self.shared.split {
            let fp = here.expect("taken below the split");
            let enabled = ids.iter().fold(0u64, |m, &t| m | 1 << t);
            let asleep = sleep_mask(&self.sleep) & enabled;
            let visit = if self.shared.por || self.shared.numbers {
                // (Without sleep sets nothing is asleep: a known state is cut.)
                let asleep = if self.shared.por { asleep } else { 0 };
                let (visit, id) = self.shared.visit_numbered(fp, asleep);
                key = Some(union::Key { fp, id });
                if self.shared.numbers {
                    self.log_arrival(union::Key { fp, id });
                }
                visit
            } else {
                // With --fewest-preemptions going on with the task that ran last is
                // free, so that task is part of the key.
                let (key, cost) = if self.shared.fewest_preemptions {
                    let last = self.branch_at[d].0.map_or(0, |c| c + 1);
                    (hash128(&(fp, last)), self.cost(&self.path_to(d)))
                } else {
                    (fp, d)
                };
                if self.shared.insert_at(key, cost) {
                    Visit::New
                } else {
                    Visit::Known
                }
            };
            cycle = self.arrive(fp, matches!(visit, Visit::New), ids);
            let awake = match visit {
                Visit::New => !asleep,
                Visit::Known => 0,
                Visit::Reopen(woken) => {
                    cycle = self.cycles.as_mut().map(|c| c.reopened(fp));
                    woken
                }
            };
            if matches!(visit, Visit::New) {
                // A task asleep at its first expansion: its step lies on no cycle,
                // an edge out of this state's component (as `mark_exit` below).
                self.log_state(
                    union::Key {
                        fp,
                        ..key.expect("taken")
                    },
                    ids,
                    enabled & !awake != 0,
                );
            }
            if enabled & !awake != 0 {
                // A task not expanded here is asleep (its step is on no cycle: the
                // reduction's cycle rule never puts such a step to sleep, so it
                // leaves this state's component) or, on a reopened state, was
                // expanded at its first visit, whose entry judges those edges: either
                // way this entry is not a closed component's.
                if let Some(c) = self.cycles.as_mut() {
                    mark_exit(c, cycle.as_ref().map(|lc| lc.pos));
                }
            }
            options.retain(|&t| awake & 1 << t != 0);
            if options.is_empty() {
                sleep.clear();
                self.spare.push((options, sleep, taken));
                if let Some(cycle) = cycle {
                    // Every enabled task asleep: no edge out of this state is
                    // taken here; its component is itself.
                    self.leave(&Level {
                        options: Vec::new(),
                        pos: 0,
                        end: 0,
                        hashes: None,
                        cycle: Some(cycle),
                        sleep: Vec::new(),
                        taken: Vec::new(),
                        fp: None,
                        snapshot: None,
                    });
                }
                self.counts.cut += 1;
                if self.shared.snapshots && !self.shared.all_hangs {
                    // Nothing to run the execution to its end for: the next one
                    // is restored (or starts afresh), whatever this one holds.
                    // (Searching on after hangs, it coasts as a replay does: a
                    // coast meets hangs again, which the count and the choice
                    // between equally short hangs depend on.)
                    PATH.with(|p| p.borrow_mut().push(ids[0]));
                    return self.abandon();
                }
                self.coasting = true;
                self.coast_last = ids[0];
                Store::cut(!self.shared.check_cut_ends);
                // A branching point: on the path, like the coasting ones after it.
                PATH.with(|p| p.borrow_mut().push(ids[0]));
                return Some(ids[0]);
            }
        }
        if self.shared.stopping() {
            return self.abandon();
        }
        // With snapshots, a copy of the execution where the search comes back
        // (options left) stands for the saved hashes a replay needs.
        let snapshot = (self.shared.snapshots && arena::armed() && options.len() > 1)
            .then(|| Box::new(runtime::snapshot(&[crate::check::trace::buffer_region()])));
        let level = Level {
            end: options.len(),
            options,
            pos: 0,
            hashes: (self.shared.caching && snapshot.is_none()).then(Store::hashes),
            snapshot,
            cycle,
            sleep,
            taken,
            fp: key,
        };
        let t = level.options[0];
        self.levels.push(level);
        if self.shared.hungry() {
            self.donate();
        }
        self.chosen_level = Some(d);
        self.choose(t)
    }
}

/// The runtime's handle on a worker's search.
impl Scheduler for Dfs {
    fn new_execution(&mut self) -> bool {
        Dfs::new_execution(self)
    }

    fn resume(&mut self) -> Option<&runtime::Snapshot> {
        if !self.resuming {
            return None;
        }
        self.levels.last().and_then(|l| l.snapshot.as_deref())
    }

    fn next_task(&mut self, runnable: &[usize], current: Option<usize>) -> Option<usize> {
        let choice = Dfs::next_task(self, runnable, current);
        if let Some(t) = choice {
            Store::set_running(t);
        }
        choice
    }
}

/// What a worker keeps from one subtree's search to the next.
#[derive(Default)]
struct Carry {
    /// The part of the state graph it recorded (the union cycle search): one
    /// graph over all its subtrees, merged into the union once, when the worker
    /// is done (a graph per subtree was made and merged per subtree: twelve
    /// merges on `three-threads-timing`, each over every state number).
    log: Option<union::Graph>,
}

impl Carry {
    /// The worker is done: its part of the graph joins the union.
    fn finish(self, shared: &Shared) {
        if let Some(log) = self.log {
            shared.graph.lock().merge(log);
        }
    }
}

/// Searches the subtree below `prefix` (or replays it).
fn search(shared: &Arc<Shared>, prefix: &[usize], replay: bool, body: &Body, carry: &mut Carry) {
    let mut dfs = Dfs::new(shared.clone(), body.clone(), prefix, replay);
    if dfs.log.is_some() && carry.log.is_some() {
        dfs.log = carry.log.take();
    }
    // Armed from the second execution on (`Dfs::new_execution`).
    let snapshots = shared.snapshots && !replay;
    let b = body.clone();
    let sh = shared.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        Store::set_fair_cycles(sh.unbounded_retries);
        runtime::run(&mut dfs, move || {
            Store::start_watchdog();
            let control = b.run();
            Store::finish_execution();
            if control.failed {
                sh.failing.fetch_add(1, Ordering::Relaxed);
            }
            if control.stop {
                sh.stop.store(true, Ordering::Relaxed);
            }
        })
    }));
    if let Err(payload) = result {
        let message = match classify_panic(payload.as_ref()) {
            Stop::Crash(m) | Stop::Deadlock(m) => m,
            Stop::Requested => String::new(),
        };
        *shared.crash.lock() = Some(message);
        shared.stop.store(true, Ordering::Relaxed);
    }
    dfs.counts.flush(shared);
    carry.log = dfs.log.take();
    Store::end();
    if snapshots {
        crate::check::trace::forget_buffer();
        arena::arm(false);
    }
}

impl Checker for StatefulChecker {
    type Backend = Stateful;

    fn name(&self) -> CheckerKind {
        CheckerKind::Stateful
    }

    fn binding(&self) -> Option<super::binding::Binding> {
        self.binding
    }

    fn max_threads(&self) -> Option<usize> {
        Some(MAX_TASKS - 2)
    }

    fn live_schedule() -> Option<String> {
        Store::active().then(|| PATH.with(|p| encode_schedule(&p.borrow())))
    }

    fn live_execution() -> Option<usize> {
        Store::active().then(|| EXECUTION.with(std::cell::Cell::get))
    }

    fn explore(&self, body: Body) -> Exploration {
        let start = std::time::Instant::now();
        // Either minimisation: one worker, no reduction, cycles judged when done.
        let shortest = self.shortest || self.fewest_preemptions;
        let jobs = if shortest { 1 } else { self.jobs.max(1) };
        let replay = self.replay.is_some();
        // Cycles are searched for by one worker over the whole tree as it goes, or in
        // the graph recorded by the search when it is done: N workers' union, the
        // union of processes sharing a visited set, a shard's own graph (shards that
        // never meet: see the module doc), `--shortest`'s (which explores a state
        // again, not Tarjan's search).
        let judged = self.fair_cycles && !replay;
        let cycles =
            judged && jobs == 1 && self.shard.count <= 1 && !shortest && !self.union_one_job;
        let union = judged && !cycles;
        let make = |unbounded: bool| {
            let shared = Arc::new(Shared {
                unbounded_retries: unbounded,
                fair_cycles: cycles,
                union_cycles: union,
                por: self.por
                    && !OPAQUE.with(|o| o.get())
                    && !shortest
                    && !replay
                    && (self.shard.count <= 1 || self.shared_visited.is_some()),
                por_blind: self.por_blind,
                por_acyclic: self.por_acyclic,
                por_cut_known: self.por_cut_known,
                lazy_joins: self.lazy_joins,
                check_cut_ends: self.check_cut_ends,
                snapshots: self.snapshots
                    && SNAPSHOTS_OK.with(|o| o.get())
                    && !replay
                    && !shortest
                    && !self.check_cut_ends
                    && !crate::sync::stateful_backend::explain_requested(),
                depths: shortest.then(Mutex::default),
                // On a replay too: the path's preemptions are counted and reported.
                fewest_preemptions: self.fewest_preemptions,
                global: self.shared_visited.clone().filter(|_| !replay),
                // The union graph takes the visited set's numbers where one set
                // holds every state the search meets (no shard, no shared set:
                // each state numbered once, by the worker that finds it new).
                numbers: union
                    && !replay
                    && !shortest
                    && self.shard.count <= 1
                    && self.shared_visited.is_none()
                    && !union::unnumbered(),
                first_state: self.progress.states.load(Ordering::Relaxed),
                ..Shared::new(
                    self.progress.clone(),
                    self.max_states.max(1),
                    jobs,
                    self.shard,
                    self.split_depth(),
                    !replay,
                    (self.all_hangs || shortest) && !self.first_failure_only,
                )
            });
            shared
                .work
                .lock()
                .items
                .push(self.replay.clone().unwrap_or_default());
            shared
        };
        let mut shared = make(judged || (replay && self.fair_cycles));
        let worker = |shared: &Arc<Shared>, body: &Body| {
            let cpu = super::stats::thread_cpu_seconds();
            let mut finished = false;
            let mut carry = Carry::default();
            while let Some(item) = shared.take(finished) {
                search(shared, &item, replay, body, &mut carry);
                finished = true;
            }
            carry.finish(shared);
            shared.worker_cpu(super::stats::thread_cpu_seconds() - cpu);
        };
        if replay {
            worker(&shared, &body);
            if self.fair_cycles && shared.misfit.load(Ordering::Relaxed) {
                // A schedule of a search with bounded retries (fair cycles off).
                shared = make(false);
                worker(&shared, &body);
            }
        } else if jobs == 1 {
            worker(&shared, &body);
        } else {
            std::thread::scope(|scope| {
                for _ in 0..jobs {
                    let (shared, body) = (&shared, &body);
                    scope.spawn(move || worker(shared, body));
                }
            });
        }
        if union && !self.union_blind {
            // After the workers, on this thread: its CPU counts as a worker's would
            // (the busiest worker's too, since it comes after them).
            let cpu = super::stats::thread_cpu_seconds();
            if let Some((path, message)) = self.judge_union(&shared) {
                let cost = self.lasso_cost(&shared, &path, &body);
                // Found in the graph, by no execution: numbered as the search's last.
                EXECUTION.with(|e| e.set(0));
                shared.record_hang(&path, cost, message);
            }
            let judged = super::stats::thread_cpu_seconds() - cpu;
            let mut c = shared.cpu.lock();
            c.0 += judged;
            c.1 += judged;
        }
        let seconds = start.elapsed().as_secs_f64();
        let hangs = std::mem::take(&mut *shared.hangs.lock());
        let crash = shared.crash.lock().take();
        let stopped = shared.stop.load(Ordering::Relaxed);
        let p = &self.progress;
        let cpu = *shared.cpu.lock();
        let mut stats = SearchStats {
            states: p.states.load(Ordering::Relaxed),
            transitions: p.transitions.load(Ordering::Relaxed),
            executions: p.executions.load(Ordering::Relaxed),
            cut: shared.cut.load(Ordering::Relaxed),
            max_depth: shared.max_depth.load(Ordering::Relaxed),
            hangs: hangs.count,
            failing: shared.failing.load(Ordering::Relaxed),
            complete: !stopped && crash.is_none() && !replay,
            max_states: self.max_states,
            jobs,
            seconds,
            por: shared.por,
            digest: shared.digest(),
            cpu_seconds: cpu.0,
            busiest_worker_seconds: cpu.1,
            resumed: shared.resumed.load(Ordering::Relaxed),
        };
        let mut exploration = Exploration {
            executions: stats.executions,
            complete: stats.complete || replay,
            ..Exploration::default()
        };
        if replay && shared.misfit.load(Ordering::Relaxed) {
            exploration.stop = Some(Stop::Crash(SCHEDULE_MISFIT.to_owned()));
        } else if let Some(message) = crash {
            exploration.stop = Some(Stop::Crash(message));
        } else if let Some((path, message)) = hangs.shortest {
            // Rerun the shortest failing path so that the recorder holds its trace.
            if !replay {
                let again = Arc::new(Shared::replay_of(&shared));
                search(&again, &path, true, &body.recount(), &mut Carry::default());
            }
            exploration.stop = Some(Stop::Deadlock(if self.fewest_preemptions {
                // The deadlock's own line, then what the path costs.
                let (first, rest) = message.split_once('\n').unwrap_or((&message, ""));
                let n = hangs.shortest_cost;
                let s = if n == 1 { "" } else { "s" };
                format!(
                    "{first} ({n} preemption{s}){}{rest}",
                    if rest.is_empty() { "" } else { "\n" }
                )
            } else {
                message
            }));
            exploration.stop_schedule = Some(encode_schedule(&path));
            // Numbered as the report counts executions: the search's count.
            let at = match hangs.shortest_at {
                0 => stats.executions,
                n => n,
            };
            exploration.stop_execution = (!replay).then_some(at);
        }
        stats.complete &= !shared.limit_hit.load(Ordering::Relaxed);
        // A replay is one execution, not a search.
        exploration.search = (!replay).then_some(stats);
        exploration
    }
}

impl StatefulChecker {
    /// What a livelock's lasso `path` costs, to compare it with the hangs found:
    /// its branching points, or with `--fewest-preemptions` its preemptions,
    /// counted on a replay of it (if the replay does not close the lasso, its
    /// branching points, which bound its preemptions).
    fn lasso_cost(&self, shared: &Shared, path: &[usize], body: &Body) -> usize {
        if !self.fewest_preemptions {
            return path.len();
        }
        let again = Arc::new(Shared {
            fewest_preemptions: true,
            ..Shared::replay_of(shared)
        });
        search(&again, path, true, &body.recount(), &mut Carry::default());
        let hangs = again.hangs.lock();
        match hangs.shortest {
            Some(_) => hangs.shortest_cost,
            None => path.len(),
        }
    }

    /// The union cycle search, once every worker is done: this search's graph, or
    /// with a shared visited set, every process's (the last process to finish
    /// reads the others' from their files), searched for a closed fair cycle: its
    /// lasso and message. Only a search that ran to its end (every process's) is
    /// judged: a partial graph may lack a component's ways out.
    fn judge_union(&self, shared: &Shared) -> Option<(Vec<usize>, String)> {
        let graph = std::mem::take(&mut *shared.graph.lock());
        let clean = !shared.stop.load(Ordering::Relaxed)
            && !shared.limit_hit.load(Ordering::Relaxed)
            && shared.crash.lock().is_none();
        let graph = match &shared.global {
            None => clean.then_some(graph),
            Some(global) => {
                let own = global.side_file(self.shard.index);
                let written = graph.write(&own);
                if let Err(e) = &written {
                    *shared.crash.lock() = Some(format!("{}: {e}", own.display()));
                }
                if !global.finish(clean && written.is_ok(), self.shard.count) {
                    return None;
                }
                // The last process to finish, with every process's search complete.
                let mut union = union::Graph::default();
                for i in 0..self.shard.count {
                    let path = global.side_file(i);
                    match union::Graph::read(&path) {
                        Ok(g) => union.merge(g),
                        Err(e) => {
                            *shared.crash.lock() = Some(format!("{}: {e}", path.display()));
                            return None;
                        }
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Some(union)
            }
        };
        #[cfg(test)]
        let graph = graph.map(|mut g| {
            g.name_states(shared.numbered_fingerprints());
            union::JUDGED.with(|j| *j.borrow_mut() = Some(g.by_fingerprint()));
            g
        });
        graph.and_then(|g| g.livelock(|| shared.numbered_fingerprints()))
    }
}

impl Shared {
    fn new(
        progress: Arc<Progress>,
        max_states: usize,
        jobs: usize,
        shard: Shard,
        split: usize,
        caching: bool,
        all_hangs: bool,
    ) -> Shared {
        Shared {
            fewest_preemptions: false,
            visited: (0..64)
                .map(|_| CachePadded::new(Mutex::default()))
                .collect(),
            numbers: false,
            first_state: 0,
            por: false,
            por_blind: false,
            por_acyclic: false,
            por_cut_known: false,
            lazy_joins: false,
            check_cut_ends: false,
            snapshots: false,
            progress,
            max_states,
            jobs,
            shard,
            split,
            caching,
            work: Mutex::default(),
            work_cv: Condvar::new(),
            stop: AtomicBool::new(false),
            limit_hit: AtomicBool::new(false),
            cut: AtomicUsize::new(0),
            resumed: AtomicUsize::new(0),
            failing: AtomicUsize::new(0),
            max_depth: AtomicUsize::new(0),
            hangs: Mutex::default(),
            crash: Mutex::new(None),
            misfit: AtomicBool::new(false),
            all_hangs,
            unbounded_retries: true,
            fair_cycles: false,
            union_cycles: false,
            graph: Mutex::default(),
            depths: None,
            waiting: AtomicUsize::new(0),
            cpu: Mutex::default(),
            global: None,
        }
    }

    /// A fresh shared state for one replay.
    fn replay_of(s: &Shared) -> Shared {
        Shared {
            unbounded_retries: s.unbounded_retries,
            lazy_joins: s.lazy_joins,
            ..Shared::new(
                Arc::default(),
                s.max_states,
                1,
                Shard::default(),
                0,
                false,
                false,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint maps hash a fingerprint by its high half and still tell
    /// apart fingerprints that share it (or share the low half).
    #[test]
    fn fingerprint_maps_keep_every_fingerprint() {
        let mut m: FpMap<u64> = FpMap::default();
        let keys = [1u128, 2, 1 << 64, 2 << 64, (1 << 64) | 1, u128::MAX];
        for (i, k) in keys.iter().enumerate() {
            assert!(m.insert(*k, i as u64).is_none(), "{k:#x}");
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(m.get(k), Some(&(i as u64)));
        }
        assert_eq!(m.len(), keys.len());
    }

    #[test]
    fn schedules_round_trip() {
        let path = vec![0, 1, 2, 1, 10, 35];
        let s = encode_schedule(&path);
        assert_eq!(s, "s1:0121az");
        assert_eq!(decode_schedule(&s).unwrap(), path);
        assert!(decode_schedule("01").is_err());
        assert!(decode_schedule("s1:0!").is_err());
    }
}

/// Non-progress cycles on small synthetic programs: a retry loop that only an unfair
/// scheduler keeps going verifies; one that a fair scheduler keeps going is a
/// livelock (with one worker, and with two over the union of their graphs); with
/// bounded retries (shards that never meet) the loop gives up instead.
#[cfg(test)]
mod cycles {
    use super::*;
    use crate::check::checker::Control;
    use crate::sync::Backend;

    type B = Stateful;

    /// Threads that each retry until `flag` is set; `setter` sets it (if any).
    fn spinners(spinning: usize, setter: bool) -> Body {
        Body::new(
            move |_| {
                let flag = Arc::new(B::mutex(false));
                let mut handles = Vec::new();
                for i in 0..spinning {
                    let flag = flag.clone();
                    handles.push(B::spawn(format!("spin{i}"), move || {
                        let mut n = 0;
                        while B::retry(n, 4) {
                            n += 1;
                            if B::locked(&flag, |f| *f) {
                                return true;
                            }
                        }
                        false
                    }));
                }
                if setter {
                    let flag = flag.clone();
                    handles.push(B::spawn("setter".to_owned(), move || {
                        B::locked(&flag, |f| *f = true);
                        true
                    }));
                }
                for h in handles {
                    let _ = B::join(h);
                }
                Control::default()
            },
            |_| Control::default(),
        )
    }

    /// The searches that judge progress by fair cycles: one job as it goes, one job
    /// over the graph it recorded (the union search's code on one part), two jobs
    /// over the union of theirs, three shards that never meet (each over its own
    /// graph; a split is a list of runs), `--shortest` and `--fewest-preemptions`
    /// (each over the graph it recorded).
    fn searches() -> Vec<(&'static str, Vec<StatefulChecker>)> {
        let one = |c: StatefulChecker| vec![c];
        vec![
            ("one job", one(StatefulChecker::default())),
            (
                "one job, recorded graph",
                one(StatefulChecker {
                    union_one_job: true,
                    ..StatefulChecker::default()
                }),
            ),
            (
                "two jobs",
                one(StatefulChecker {
                    jobs: 2,
                    ..StatefulChecker::default()
                }),
            ),
            ("three shards", shards(3)),
            (
                "shortest",
                one(StatefulChecker {
                    shortest: true,
                    ..StatefulChecker::default()
                }),
            ),
            (
                "fewest preemptions",
                one(StatefulChecker {
                    fewest_preemptions: true,
                    ..StatefulChecker::default()
                }),
            ),
        ]
    }

    /// The `count` shards of one split (each with its own counters).
    fn shards(count: usize) -> Vec<StatefulChecker> {
        (0..count)
            .map(|index| StatefulChecker {
                shard: Shard { index, count },
                progress: Arc::default(),
                ..StatefulChecker::default()
            })
            .collect()
    }

    /// Every run of a search (one, or each shard of a split) over a fresh `body`.
    fn explore_all(runs: &[StatefulChecker], body: impl Fn() -> Body) -> Vec<Exploration> {
        runs.iter().map(|c| c.clone().explore(body())).collect()
    }

    fn livelock(e: &Exploration) -> Option<&str> {
        match &e.stop {
            Some(Stop::Deadlock(m)) if m.starts_with("livelock") => Some(m),
            _ => None,
        }
    }

    /// The livelock some run of a search reported, with its schedule.
    fn livelock_of(runs: &[Exploration]) -> Option<(&str, &str)> {
        runs.iter().find_map(|e| {
            let schedule = e.stop_schedule.as_deref()?;
            Some((livelock(e)?, schedule))
        })
    }

    /// A thread that retries alone for ever (nothing will ever set its flag) is a
    /// livelock; so are two that keep each other company.
    #[test]
    fn a_fair_retry_cycle_is_a_livelock() {
        for (name, c) in searches() {
            for spinning in [1, 2] {
                let runs = explore_all(&c, || spinners(spinning, false));
                let stops: Vec<_> = runs.iter().map(|e| &e.stop).collect();
                let (m, schedule) =
                    livelock_of(&runs).unwrap_or_else(|| panic!("{name}, {spinning}: {stops:?}"));
                assert!(m.contains("spin0"), "{name}: {m}");
                // The schedule is a lasso: replayed, it ends where it has been before.
                let again = StatefulChecker::replaying(schedule)
                    .unwrap()
                    .explore(spinners(spinning, false));
                assert!(
                    livelock(&again).is_some(),
                    "{name}: {schedule}: {:?}",
                    again.stop
                );
                if c[0].fewest_preemptions {
                    // The lasso's preemptions, as a counting replay counts them.
                    let counted = StatefulChecker {
                        fewest_preemptions: true,
                        ..StatefulChecker::replaying(schedule).unwrap()
                    }
                    .explore(spinners(spinning, false));
                    let n = |m: &str| {
                        let before = m.split(" preemption").next().unwrap_or("");
                        before.rsplit('(').next().map(str::to_owned)
                    };
                    let m2 = livelock(&counted).expect("a livelock");
                    assert!(m.contains(" preemption"), "{m}");
                    assert_eq!(n(m), n(m2), "{m} vs {m2}");
                }
            }
        }
    }

    /// The reduction's cycle rule is what keeps the livelock check sound: a
    /// reduction that lets a retry loop's steps sleep (as if they lay on no
    /// cycle) loses the livelock of two threads spinning together.
    #[test]
    fn a_reduction_that_lets_retries_sleep_loses_a_livelock() {
        let e = StatefulChecker::default().explore(spinners(2, false));
        assert!(livelock(&e).is_some(), "{:?}", e.stop);
        let wrong = StatefulChecker {
            por_acyclic: true,
            ..StatefulChecker::default()
        };
        let e = wrong.explore(spinners(2, false));
        assert!(livelock(&e).is_none(), "{:?}", e.stop);
    }

    /// Two threads going round a loop inside a scope ([`Backend::scope_again`] at
    /// its top, two reads a round) until a flag nobody sets is set: a livelock.
    /// The loop top gives a chain back a value it had, so the steps after it may
    /// lie on a cycle and must stay awake (the backend marks the task as in a
    /// loop); a reduction that lets them sleep loses the livelock.
    #[test]
    fn a_reduction_that_lets_scope_loops_sleep_loses_a_livelock() {
        use crate::sync::stateful_backend::SCOPE_LOOPS_ACYCLIC;
        let body = || {
            Body::new(
                |_| {
                    let flag = Arc::new(B::mutex(false));
                    let handles: Vec<_> = (0..2)
                        .map(|i| {
                            let flag = flag.clone();
                            B::spawn(format!("loop{i}"), move || {
                                B::scope_begin();
                                loop {
                                    B::scope_again(&());
                                    let a = B::locked(&flag, |f| *f);
                                    if a || B::locked(&flag, |f| *f) {
                                        break;
                                    }
                                }
                                B::scope_end(&());
                            })
                        })
                        .collect();
                    for h in handles {
                        let _ = B::join(h);
                    }
                    Control::default()
                },
                |_| Control::default(),
            )
        };
        let e = StatefulChecker::default().explore(body());
        assert!(livelock(&e).is_some(), "{:?}", e.stop);
        SCOPE_LOOPS_ACYCLIC.with(|f| f.set(true));
        let e = StatefulChecker::default().explore(body());
        SCOPE_LOOPS_ACYCLIC.with(|f| f.set(false));
        assert!(livelock(&e).is_none(), "{:?}", e.stop);
    }

    /// A thread retrying until another sets its flag spins for ever only if the
    /// other never runs: no weakly fair cycle, so the search verifies, completely.
    #[test]
    fn a_retry_only_an_unfair_scheduler_repeats_verifies() {
        for (name, c) in searches() {
            for spinning in [1, 2] {
                let runs = explore_all(&c, || spinners(spinning, true));
                let mut cut = 0;
                for e in runs {
                    assert_eq!(e.stop, None, "{name}, {spinning}");
                    let st = e.search.expect("figures");
                    assert!(st.complete, "{name}: {st:?}");
                    cut += st.cut;
                }
                assert!(cut > 0, "{name}");
            }
        }
    }

    /// The model's own fault loop (`Mapping::access_with`) over a fault handler that
    /// never maps anything: a thread retrying alone for ever, a livelock; with
    /// bounded retries the access reports no progress after its fault limit.
    #[test]
    fn an_access_that_always_retries_is_a_livelock() {
        use crate::dax::fault::{Access, AccessResult, FaultResult, FaultSize};
        use crate::dax::Mapping;
        use crate::dax::{MappingConfig, Vma};
        let body = |outcome: Arc<std::sync::Mutex<Vec<AccessResult>>>| {
            Body::new(
                move |_| {
                    let vma = Vma {
                        start: 0x7f0000000000,
                        end: 0x7f0000200000,
                        pgoff: 0,
                        shared: true,
                    };
                    let m = Arc::new(Mapping::<B>::new(1, &MappingConfig::new(0x200, vec![vma])));
                    let h = B::spawn("t1".to_owned(), move || {
                        m.access_with(
                            vma.start,
                            Access::Load,
                            FaultSize::Pte,
                            |_, _, _, _| FaultResult::Retry,
                            |_, _, _, _| FaultResult::Fallback,
                        )
                    });
                    let r = B::join(h).expect("no panic");
                    outcome.lock().unwrap().push(r);
                    Control::default()
                },
                |_| Control::default(),
            )
        };
        for (name, c) in searches() {
            let seen = Arc::default();
            let runs = explore_all(&c, || body(Arc::clone(&seen)));
            let stops: Vec<_> = runs.iter().map(|e| &e.stop).collect();
            let (m, _) = livelock_of(&runs).unwrap_or_else(|| panic!("{name}: {stops:?}"));
            assert!(m.contains("t1"), "{name}: {m}");
        }
        let bounded = StatefulChecker {
            fair_cycles: false,
            ..StatefulChecker::default()
        };
        let seen = Arc::default();
        let e = bounded.explore(body(Arc::clone(&seen)));
        assert_eq!(e.stop, None);
        assert!(matches!(
            seen.lock().unwrap()[..],
            [AccessResult::NoProgress]
        ));
    }

    /// The kernel's PMD read ‖ 4 KiB write ping-pong in miniature: `m` is the page
    /// table (0 nothing, 1 huge, 2 PTE). The reader looks (done on anything
    /// mapped), else maps huge, and looks again; the writer looks (done on its
    /// PTE), splits a huge mapping, then faults: a PTE where nothing is mapped, a
    /// retry where the huge mapping came back (`VM_FAULT_NOPAGE`). An adversary
    /// that always lets the reader re-map between the split and the fault keeps
    /// both going for ever, a weakly fair cycle, but the writer's fault in an
    /// empty table leaves it: not closed, so it verifies. With `escape` off (the
    /// writer's fault never maps) the same cycle is closed and is a livelock.
    fn ping_pong(escape: bool) -> Body {
        Body::new(
            move |_| {
                let m = Arc::new(B::mutex(0u8));
                let m1 = m.clone();
                let reader = B::spawn("reader".to_owned(), move || {
                    let mut n = 0;
                    while B::retry(n, 8) {
                        n += 1;
                        if B::locked(&m1, |m| *m != 0) {
                            return true;
                        }
                        B::locked(&m1, |m| *m = if *m == 0 { 1 } else { *m });
                    }
                    false
                });
                let writer = B::spawn("writer".to_owned(), move || {
                    let mut n = 0;
                    while B::retry(n, 8) {
                        n += 1;
                        if B::locked(&m, |m| *m == 2) {
                            return true;
                        }
                        B::locked(&m, |m| *m = if *m == 1 { 0 } else { *m });
                        B::locked(&m, |m| *m = if *m == 0 && escape { 2 } else { *m });
                    }
                    false
                });
                let _ = B::join(reader);
                let _ = B::join(writer);
                Control::default()
            },
            |_| Control::default(),
        )
    }

    #[test]
    fn a_fair_cycle_with_a_way_out_verifies() {
        let mut states = Vec::new();
        for (name, c) in searches() {
            let mut cut = 0;
            for e in explore_all(&c, || ping_pong(true)) {
                assert_eq!(e.stop, None, "{name}");
                let st = e.search.expect("figures");
                assert!(st.complete, "{name}: {st:?}");
                cut += st.cut;
                // One search's states (shards overlap; `--fewest-preemptions`
                // stores a state once per task that ran last).
                if c.len() == 1 && !c[0].fewest_preemptions {
                    states.push((name, st.states, st.digest));
                }
            }
            assert!(cut > 0, "{name}");
            let runs = explore_all(&c, || ping_pong(false));
            let stops: Vec<_> = runs.iter().map(|e| &e.stop).collect();
            let (m, _) = livelock_of(&runs).unwrap_or_else(|| panic!("{name}: {stops:?}"));
            assert!(
                m.contains("writer") && m.contains("no schedule leaves"),
                "{name}: {m}"
            );
        }
        // Every search reaches the same states.
        assert!(
            states
                .windows(2)
                .all(|w| w[0].1 == w[1].1 && w[0].2 == w[1].2),
            "{states:?}"
        );
    }

    /// The union graph over the visited set's numbers (two jobs; one job recording
    /// its graph) is the graph the union numbers itself, and two jobs' union is one
    /// job's graph: the same states reached, the same edges, by fingerprint. (A
    /// numbering that named two states alike, or missed a worker's edges, fails
    /// here: the verdicts alone may not show it.)
    #[test]
    fn numbered_union_graphs_are_the_self_numbered_ones() {
        type Named = (&'static str, fn() -> Body);
        let bodies: [Named; 3] = [
            ("ping-pong with a way out", || ping_pong(true)),
            ("ping-pong", || ping_pong(false)),
            ("spinners", || spinners(2, true)),
        ];
        for (name, body) in bodies {
            let mut graphs = Vec::new();
            for unnumbered in [false, true] {
                union::UNNUMBERED.with(|u| u.set(unnumbered));
                for jobs in [1, 2] {
                    let c = StatefulChecker {
                        jobs,
                        union_one_job: true,
                        ..StatefulChecker::default()
                    };
                    c.explore(body());
                    let g = union::JUDGED.with(|j| j.borrow_mut().take());
                    graphs.push(((jobs, unnumbered), g.expect("a judged graph")));
                }
            }
            union::UNNUMBERED.with(|u| u.set(false));
            let (states, edges) = &graphs[0].1;
            assert!(states.len() > 5 && edges.len() > states.len(), "{name}");
            for (run, g) in &graphs {
                assert_eq!(&g.0, states, "{name}: {run:?}");
                assert_eq!(&g.1, edges, "{name}: {run:?}");
            }
        }
    }

    /// A worker records one graph over all the subtrees it searches, and it joins
    /// the union once, when the worker is done ([`Carry`]): a graph per subtree,
    /// numbered by the visited set, was allocated over every number found so far
    /// and merged into the union subtree by subtree.
    #[test]
    fn a_workers_subtrees_add_to_one_graph_that_joins_the_union_once() {
        let mut shared = Shared::new(Arc::default(), 100_000, 2, Shard::default(), 0, true, false);
        shared.union_cycles = true;
        shared.numbers = true;
        let shared = Arc::new(shared);
        let body = ping_pong(true);
        let mut carry = Carry::default();
        let union_states = |s: &Shared| s.graph.lock().by_fingerprint().0.len();
        let named = |carry: &mut Carry| {
            let log = carry.log.as_mut().expect("a recorded graph");
            log.name_states(shared.numbered_fingerprints());
            log.by_fingerprint()
        };
        search(&shared, &[], false, &body, &mut carry);
        let first = named(&mut carry);
        assert!(first.0.len() > 5, "{first:?}");
        assert_eq!(union_states(&shared), 0, "merged before the worker is done");
        // A second subtree (here the whole tree again: every state known) adds its
        // edges to the same graph.
        search(&shared, &[], false, &body, &mut carry);
        let both = named(&mut carry);
        assert_eq!(both.0, first.0);
        assert!(both.1.is_superset(&first.1));
        assert_eq!(union_states(&shared), 0);
        carry.finish(&shared);
        let mut union = std::mem::take(&mut *shared.graph.lock());
        union.name_states(shared.numbered_fingerprints());
        assert_eq!(union.by_fingerprint(), both);
    }

    /// The union search is what finds a livelock with two jobs: without it (the
    /// same unbounded retries, no search of the union) the spinning threads' cycle
    /// is lost and the search verifies.
    #[test]
    fn searches_without_the_union_search_lose_a_livelock() {
        // The same for every search that judges its recorded graph: shards,
        // `--shortest`, `--fewest-preemptions`.
        for (name, c) in searches() {
            if c.len() == 1 && c[0].jobs == 1 && !c[0].shortest && !c[0].fewest_preemptions {
                continue;
            }
            let blind: Vec<StatefulChecker> = c
                .into_iter()
                .map(|c| StatefulChecker {
                    union_blind: true,
                    ..c
                })
                .collect();
            for spinning in [1, 2] {
                for e in explore_all(&blind, || spinners(spinning, false)) {
                    assert_eq!(e.stop, None, "{name}, {spinning}");
                    assert!(e.search.expect("figures").complete, "{name}");
                }
            }
        }
    }

    /// Processes over a shared visited set (`--jobs N` on a serial target; here two
    /// searches in threads, each with its own mapping of the set): the last to
    /// finish reads the others' graphs and finds the livelock of threads spinning
    /// for ever; with a setter, both verify and together store one job's states.
    #[test]
    fn processes_over_a_shared_set_find_livelocks_in_the_union() {
        use crate::check::shared_set::SharedSet;
        let split = |setter: bool| {
            let set = SharedSet::create(100_000).unwrap();
            let runs = over_shared_set(&set, &StatefulChecker::default(), || spinners(2, setter));
            let side = set.side_file(0);
            drop(set);
            assert!(!side.exists(), "the creator removes the side files");
            runs
        };
        let runs = split(false);
        let found: Vec<_> = runs.iter().filter_map(livelock).collect();
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            runs.iter().map(|r| &r.stop).collect::<Vec<_>>()
        );
        assert!(
            found[0].contains("spin0") && found[0].contains("spin1"),
            "{}",
            found[0]
        );
        let one = StatefulChecker::default().explore(spinners(2, true));
        let runs = split(true);
        assert!(runs.iter().all(|r| r.stop.is_none()));
        let states: usize = runs.iter().map(|r| r.search.unwrap().states).sum();
        assert_eq!(states, one.search.unwrap().states);
    }

    /// Shards that never meet (`--shard` without a shared visited set) judge each
    /// its own graph, and need no other's: a shard that reaches a state of a cycle
    /// below its split searches everything that state reaches, so the cycle's
    /// component lies in its graph with every edge out of it (the module doc).
    /// Here `a` and `b` race to claim `flag`, and `b` then waits for `a`'s claim: if
    /// `b` won, it retries for ever. Every shard whose part holds `b`'s win finds
    /// that cycle on its own, with a lasso that replays from the start (and a split's
    /// verdict is the worst of its shards', as `daxlock merge` takes it). With
    /// retries bounded (the other checkers' rule) no shard reports it.
    #[test]
    fn a_shard_judges_the_cycles_of_its_part() {
        let body = || {
            Body::new(
                |_| {
                    let flag = Arc::new(B::mutex(0u8));
                    let f = flag.clone();
                    let a = B::spawn("a".to_owned(), move || {
                        B::locked(&f, |f| *f = if *f == 0 { 1 } else { *f });
                        true
                    });
                    let b = B::spawn("b".to_owned(), move || {
                        B::locked(&flag, |f| *f = if *f == 0 { 2 } else { *f });
                        let mut n = 0;
                        while B::retry(n, 4) {
                            n += 1;
                            if B::locked(&flag, |f| *f == 1) {
                                return true;
                            }
                        }
                        false
                    });
                    let _ = B::join(a);
                    let _ = B::join(b);
                    Control::default()
                },
                |_| Control::default(),
            )
        };
        let one = StatefulChecker::default().explore(body());
        assert!(livelock(&one).is_some(), "{:?}", one.stop);
        for count in [2, 4, 8] {
            let runs = explore_all(&shards(count), body);
            let found: Vec<&Exploration> = runs.iter().filter(|e| e.stop.is_some()).collect();
            assert!(!found.is_empty(), "{count} shards: none found the livelock");
            for e in &found {
                let m = livelock(e).unwrap_or_else(|| panic!("{count}: {:?}", e.stop));
                assert!(m.contains('b') && !m.contains("a,"), "{m}");
                let schedule = e.stop_schedule.as_deref().expect("a schedule");
                let again = StatefulChecker::replaying(schedule)
                    .unwrap()
                    .explore(body());
                assert!(livelock(&again).is_some(), "{schedule}: {:?}", again.stop);
            }
            for e in runs.iter().filter(|e| e.stop.is_none()) {
                assert!(e.search.expect("figures").complete, "{count}");
            }
        }
        let bounded: Vec<StatefulChecker> = shards(4)
            .into_iter()
            .map(|c| StatefulChecker {
                fair_cycles: false,
                ..c
            })
            .collect();
        for e in explore_all(&bounded, body) {
            assert_eq!(e.stop, None);
            assert!(e.search.expect("figures").complete);
        }
    }
}

/// `c` over `body` as two processes over the shared set `set` (`--jobs 2` on a
/// serial target; here two searches in threads of this one, each with its own
/// mapping of the set and its own counters): their explorations.
#[cfg(test)]
fn over_shared_set(
    set: &SharedSet,
    c: &StatefulChecker,
    body: impl Fn() -> Body + Sync,
) -> Vec<Exploration> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|index| {
                let c = StatefulChecker {
                    shard: Shard { index, count: 2 },
                    progress: Arc::default(),
                    shared_visited: Some(Arc::new(SharedSet::open(set.path()).unwrap())),
                    ..c.clone()
                };
                let body = &body;
                scope.spawn(move || c.explore(body()))
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    })
}

/// The partial-order reduction on a small synthetic program whose states it must
/// all reach: the comparison with the full search fails for a reduction that
/// ignores conflicts.
#[cfg(test)]
mod por {
    use super::*;
    use crate::check::checker::Control;
    use crate::sync::{Backend, Parts};

    type B = Stateful;

    /// Joins the threads, in order; the body's control.
    fn join_all<const N: usize>(handles: [<B as Backend>::JoinHandle<()>; N]) -> Control {
        for h in handles {
            let _ = B::join(h);
        }
        Control::default()
    }

    /// t1 writes `x`, t2 reads it, t3 takes `y` twice and t4 once: t2's read
    /// conflicts with t1's write, so after t2 reads first, t1 must wake up.
    /// Levels made of a left level's vectors, over every search of this process.
    pub(super) static LEVELS_REUSED: AtomicUsize = AtomicUsize::new(0);

    /// A level the search leaves gives its vectors to a later one (no allocation
    /// per branching point); the count stays 0 with the reuse off.
    #[test]
    fn left_levels_give_their_vectors_to_the_next() {
        let e = StatefulChecker::default().explore(racers());
        assert!(e.executions > 1, "{:?}", e.stop);
        assert!(LEVELS_REUSED.load(Ordering::Relaxed) > 0);
    }

    fn racers() -> Body {
        Body::new(
            |_| {
                let x = Arc::new(B::mutex(0u8));
                let y = Arc::new(B::mutex(0u8));
                let (x1, x2) = (x.clone(), x.clone());
                let h1 = B::spawn("t1".to_owned(), move || B::locked(&x1, |v| *v = 1));
                let h2 = B::spawn("t2".to_owned(), move || {
                    // What it read stays in its history: t1's write and this read
                    // do not commute.
                    let seen = B::locked(&x2, |v| *v);
                    B::checkpoint(&seen);
                });
                let y2 = y.clone();
                let h3 = B::spawn("t3".to_owned(), move || {
                    B::locked(&y, |v| *v += 1);
                    B::locked(&y, |v| *v += 1);
                });
                // Another on `y`: states after t1 and t2 have finished still branch.
                let h4 = B::spawn("t4".to_owned(), move || B::locked(&y2, |v| *v += 1));
                join_all([h1, h2, h3, h4])
            },
            |_| Control::default(),
        )
    }

    /// [`racers`], whose main thread also takes, at the end of its third run, the
    /// box in `outside` (made before the search) and drops it: a free of memory
    /// made outside the execution (in an execution after the first, which runs
    /// outside the arena).
    fn racers_freeing(outside: Arc<Mutex<Option<Box<u64>>>>) -> Body {
        let racers = racers();
        let runs = AtomicUsize::new(0);
        Body::new(
            move |_| {
                let control = racers.run();
                if runs.fetch_add(1, Ordering::Relaxed) == 2 {
                    drop(outside.lock().take());
                }
                control
            },
            |_| Control::default(),
        )
    }

    /// The workers' batched counts ([`Counts`]) all reach the report: with one job
    /// and two (replays, so that every execution runs the body from its start),
    /// the executions reported are the body's runs, and the transitions and cuts
    /// are there. (Without the flush when a subtree is done, a search of fewer
    /// than [`Counts::BATCH`] executions reports none.)
    #[test]
    fn batched_counts_reach_the_report() {
        for jobs in [1, 2] {
            let runs = Arc::new(AtomicUsize::new(0));
            let (racers, counted) = (racers(), runs.clone());
            let body = Body::new(
                move |_| {
                    counted.fetch_add(1, Ordering::Relaxed);
                    racers.run()
                },
                |_| Control::default(),
            );
            let c = StatefulChecker {
                jobs,
                snapshots: false,
                ..StatefulChecker::default()
            };
            let s = c.explore(body).search.unwrap();
            assert!(s.complete, "{jobs}: {s:?}");
            assert_eq!(s.executions, runs.load(Ordering::Relaxed), "{jobs}: {s:?}");
            assert!(s.transitions >= s.states && s.cut > 0, "{jobs}: {s:?}");
        }
    }

    /// Snapshots: the racers' search resumes snapshots and reaches the states of
    /// the search that replays; an execution that frees memory made before it
    /// (state outside the arena, which a restore cannot undo) fails the search
    /// loudly with the guard's message, and the same body searched by replays
    /// (the guard off) runs clean, so the guard is what catches it.
    #[test]
    fn snapshots_resume_and_the_guard_catches_an_outside_free() {
        let search = |snapshots: bool, body: Body| {
            let c = StatefulChecker {
                snapshots,
                ..StatefulChecker::default()
            };
            snapshots_allowed(true, || c.explore(body))
        };
        let replayed = search(false, racers());
        let resumed = search(true, racers());
        let (r, s) = (replayed.search.unwrap(), resumed.search.unwrap());
        assert!(s.complete && s.resumed > 0, "{s:?}");
        assert_eq!(
            (s.states, s.digest, s.transitions, s.executions),
            (r.states, r.digest, r.transitions, r.executions)
        );
        let outside = || Arc::new(Mutex::new(Some(Box::new(7u64))));
        let caught = search(true, racers_freeing(outside()));
        match caught.stop {
            Some(Stop::Crash(m)) => assert!(m.contains("freed memory it did not allocate"), "{m}"),
            other => panic!("the guard did not fire: {other:?}"),
        }
        let clean = search(false, racers_freeing(outside()));
        assert!(clean.stop.is_none() && clean.complete, "{:?}", clean.stop);
        // Without the target's leave, no snapshots.
        let c = StatefulChecker {
            snapshots: true,
            ..StatefulChecker::default()
        };
        assert_eq!(c.explore(racers()).search.unwrap().resumed, 0);
    }

    fn search(por: bool, blind: bool) -> SearchStats {
        let c = StatefulChecker {
            por,
            por_blind: blind,
            ..StatefulChecker::default()
        };
        c.explore(racers()).search.expect("figures")
    }

    #[test]
    fn sleep_sets_reach_every_state_and_prune() {
        let full = search(false, false);
        let reduced = search(true, false);
        assert!(full.complete && reduced.complete && reduced.por);
        assert_eq!(reduced.states, full.states);
        assert_eq!(reduced.digest, full.digest);
        assert!(reduced.executions < full.executions, "{reduced:?} {full:?}");
    }

    /// A target whose state lives outside the backend undeclared
    /// (`Target::opaque_state`) is searched without the reduction.
    #[test]
    fn no_reduction_on_opaque_targets() {
        let full = search(false, false);
        let opaque = opaque_state(true, || search(true, false));
        assert!(!opaque.por);
        assert_eq!(opaque.executions, full.executions);
        assert!(search(true, false).por);
    }

    /// t1 runs a retry loop once, then (a new operation: a checkpoint) takes `x`
    /// twice; t2 takes `y` twice. Once t1 is past its checkpoint its steps lie on no
    /// cycle, so they may sleep: the reduction prunes, and reaches the same states.
    fn after_a_loop() -> Body {
        Body::new(
            |_| {
                let x = Arc::new(B::mutex(0u8));
                let y = Arc::new(B::mutex(0u8));
                let h1 = B::spawn("t1".to_owned(), move || {
                    let mut n = 0;
                    while B::retry(n, 4) {
                        n += 1;
                        if B::locked(&x, |v| *v == 0) {
                            break;
                        }
                    }
                    B::checkpoint(&1u8);
                    B::locked(&x, |v| *v += 1);
                    B::locked(&x, |v| *v += 1);
                });
                let h2 = B::spawn("t2".to_owned(), move || {
                    B::locked(&y, |v| *v += 1);
                    B::locked(&y, |v| *v += 1);
                });
                let _ = B::join(h1);
                let _ = B::join(h2);
                Control::default()
            },
            |_| Control::default(),
        )
    }

    #[test]
    fn steps_after_a_retry_loop_may_sleep() {
        let run = |por| {
            let c = StatefulChecker {
                por,
                ..StatefulChecker::default()
            };
            c.explore(after_a_loop()).search.expect("figures")
        };
        let (full, reduced) = (run(false), run(true));
        assert!(full.complete && reduced.complete);
        assert_eq!((reduced.states, reduced.digest), (full.states, full.digest));
        assert!(reduced.executions < full.executions, "{reduced:?} {full:?}");
    }

    /// A join of a finished thread is taken at once: fewer states than with joins
    /// as choices, and the same verdicts (here: none; the catalogue comparison is
    /// `eager_joins_agree_with_lazy_ones` in tests/stateful_suite.rs).
    #[test]
    fn eager_joins_take_fewer_states() {
        let run = |lazy_joins| {
            let c = StatefulChecker {
                lazy_joins,
                ..StatefulChecker::default()
            };
            let e = c.explore(racers());
            assert_eq!(e.stop, None);
            e.search.expect("figures")
        };
        let (lazy, eager) = (run(true), run(false));
        assert!(lazy.complete && eager.complete);
        assert!(eager.states < lazy.states, "{eager:?} {lazy:?}");
    }

    /// Two threads wait on a condvar for a flag a third sets and notifies all; a
    /// fourth takes another lock twice.
    fn sleepers(broadcast: bool) -> Body {
        Body::new(
            move |_| {
                let m = Arc::new(B::mutex(false));
                let cv = Arc::new(if broadcast {
                    B::broadcast_condvar()
                } else {
                    B::condvar()
                });
                let mut handles = Vec::new();
                for i in 0..2 {
                    let (m, cv) = (m.clone(), cv.clone());
                    handles.push(B::spawn(format!("w{i}"), move || {
                        B::wait_until(&m, &cv, |set| set.then_some(()))
                    }));
                }
                handles.push(B::spawn("setter".to_owned(), move || {
                    B::locked(&m, |set| *set = true);
                    B::notify_all(&cv);
                }));
                // Busy elsewhere: the points where both sleep still branch.
                let y = Arc::new(B::mutex(0u8));
                handles.push(B::spawn("other".to_owned(), move || {
                    B::locked(&y, |v| *v += 1);
                    B::locked(&y, |v| *v += 1);
                }));
                for h in handles {
                    let _ = B::join(h);
                }
                Control::default()
            },
            |_| Control::default(),
        )
    }

    /// A condvar only ever notified all keeps its sleepers as a set: the two
    /// orders they queue in are one state, and nothing else changes.
    #[test]
    fn a_broadcast_condvar_merges_queue_orders() {
        let run = |broadcast| {
            let e = StatefulChecker::default().explore(sleepers(broadcast));
            assert_eq!(e.stop, None);
            e.search.expect("figures")
        };
        let (fifo, set) = (run(false), run(true));
        assert!(fifo.complete && set.complete);
        assert!(set.states < fifo.states, "{set:?} {fifo:?}");
    }

    /// `notify_one` on a broadcast condvar (whose queue order is not kept) is
    /// refused: the execution fails instead of waking an arbitrary sleeper.
    #[test]
    fn notify_one_on_a_broadcast_condvar_is_refused() {
        let body = Body::new(
            |_| {
                let cv = B::broadcast_condvar();
                B::notify_one(&cv);
                Control::default()
            },
            |_| Control::default(),
        );
        crate::check::panic::quiet_checker_panics();
        let e = StatefulChecker::default().explore(body);
        match e.stop {
            Some(Stop::Crash(m)) => assert!(m.contains("broadcast_condvar"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    /// [`racers`] on the two halves of one pair: t1 writes the second half (with
    /// `t1_parts` as its key), then takes another lock; t2 reads the second half, t3 writes the first half twice and t4
    /// once. `None`: t1, t3 and t4 take the whole lock.
    fn halves(t1_parts: Option<Parts>) -> Body {
        Body::new(
            move |_| {
                let m = Arc::new(B::mutex((0u8, 0u8)));
                let first = move |m: &<B as Backend>::Mutex<(u8, u8)>| match t1_parts {
                    Some(_) => B::locked_part(m, Parts::page(0), Parts::page(0), |v| v.0 += 1),
                    None => B::locked(m, |v| v.0 += 1),
                };
                let (m1, m2, m3, m4) = (m.clone(), m.clone(), m.clone(), m.clone());
                let y = Arc::new(B::mutex(0u8));
                let h1 = B::spawn("t1".to_owned(), move || {
                    match t1_parts {
                        Some(p) => B::locked_part(&m1, p, p, |v| v.1 = 1),
                        None => B::locked(&m1, |v| v.1 = 1),
                    }
                    // A second step: the first does not end the thread (a step
                    // that ends one is dependent with its joiner's).
                    B::locked(&y, |v| *v += 1);
                });
                let h2 = B::spawn("t2".to_owned(), move || {
                    let seen = B::locked_part(&m2, Parts::page(1), Parts::NONE, |v| v.1);
                    B::checkpoint(&seen);
                });
                let h3 = B::spawn("t3".to_owned(), move || {
                    first(&m3);
                    first(&m3);
                });
                let h4 = B::spawn("t4".to_owned(), move || first(&m4));
                join_all([h1, h2, h3, h4])
            },
            |_| Control::default(),
        )
    }

    fn search_halves(t1_parts: Option<Parts>, por: bool) -> SearchStats {
        let c = StatefulChecker {
            por,
            ..StatefulChecker::default()
        };
        c.explore(halves(t1_parts)).search.expect("figures")
    }

    /// Steps on disjoint parts of one lock commute: with honest keys the
    /// reduction reaches the full search's states in fewer executions than with
    /// whole-lock footprints (t3's write then conflicts with both others).
    #[test]
    fn part_keys_prune_more_and_reach_every_state() {
        let full = search_halves(Some(Parts::page(1)), false);
        let whole = search_halves(None, true);
        let parts = search_halves(Some(Parts::page(1)), true);
        for st in [&whole, &parts] {
            assert!(st.complete && st.por);
            assert_eq!((st.states, st.digest), (full.states, full.digest));
        }
        assert!(parts.executions < whole.executions, "{parts:?} {whole:?}");
    }

    /// A key that leaves out the part a closure writes (t1 writes the second half
    /// and declares only the side part) makes t1's write and t2's read look
    /// independent: the reduction loses states where t2 read t1's value.
    #[test]
    fn a_part_key_that_leaves_out_a_write_loses_states() {
        let full = search_halves(Some(Parts::SIDE), false);
        let lying = search_halves(Some(Parts::SIDE), true);
        assert!(lying.states < full.states, "{lying:?} {full:?}");
        assert_ne!(lying.digest, full.digest);
    }

    /// `c` over `body` as two processes over one shared visited set (two searches
    /// in threads of this one, each with its own mapping): the states and digest
    /// summed, the executions summed, whether both completed, with sleep sets as
    /// `c` asks.
    fn two_processes(c: &StatefulChecker, body: fn() -> Body) -> (usize, u128, usize, bool) {
        let set = crate::check::shared_set::SharedSet::create(100_000).unwrap();
        let runs = over_shared_set(&set, c, body);
        let runs = runs.iter().map(|e| e.search.expect("figures"));
        runs.fold((0, 0, 0, true), |(s, d, e, ok), r| {
            (
                s + r.states,
                d.wrapping_add(r.digest),
                e + r.executions,
                ok && r.complete && r.por == c.por,
            )
        })
    }

    /// One job, two worker threads and two processes over a shared visited set
    /// reach the full search's states (count and digest) with sleep sets on; one
    /// job and two threads in fewer executions. (Two processes walk the tree above
    /// their split uncut, which on a space this small costs more than the
    /// reduction saves: tests/stateful_suite.rs shows them prune on a scenario.)
    #[test]
    fn sleep_sets_over_a_shared_set_reach_every_state() {
        let full = search(false, false);
        for por in [true, false] {
            let c = StatefulChecker {
                por,
                ..StatefulChecker::default()
            };
            let one = c.explore(racers()).search.expect("figures");
            let threads = StatefulChecker {
                jobs: 2,
                progress: Arc::default(),
                ..c.clone()
            }
            .explore(racers())
            .search
            .expect("figures");
            let (states, digest, _, complete) = two_processes(&c, racers);
            assert!(complete, "{por}");
            for st in [&one, &threads] {
                assert!(st.complete && st.por == por, "{st:?}");
            }
            for (states, digest) in [
                (one.states, one.digest),
                (threads.states, threads.digest),
                (states, digest),
            ] {
                assert_eq!((states, digest), (full.states, full.digest), "{por}");
            }
            if por {
                assert!(one.executions < full.executions, "{one:?}");
                assert!(threads.executions < full.executions, "{threads:?}");
            }
        }
    }

    /// Godefroid's rule as [`Shared::visit`] applies it, over the threads' visited
    /// set and over a shared one: visits of one state with the sleep sets `sleeps`
    /// (one after another), and the tasks each explores.
    fn visits(global: bool, cut_known: bool, sleeps: &[u64], all: u64) -> Vec<u64> {
        use crate::check::shared_set::SharedSet;
        let mut shared = Shared::new(Arc::default(), 1000, 1, Shard::default(), 0, true, false);
        shared.por = true;
        shared.por_cut_known = cut_known;
        if global {
            shared.global = Some(Arc::new(SharedSet::create(1000).unwrap()));
        }
        sleeps
            .iter()
            .map(|&asleep| match shared.visit(7 << 1, asleep) {
                Visit::New => all & !asleep,
                Visit::Known => 0,
                Visit::Reopen(woken) => woken,
            })
            .collect()
    }

    /// The visits of a state explore together every enabled task but those asleep
    /// at every visit, each once, in both visited sets; without the fix
    /// (`por_cut_known`: a state met again is cut whatever its sleepers) a task
    /// asleep at the first visit and awake at a later one is never explored.
    #[test]
    fn visits_of_a_state_explore_all_but_the_common_sleepers() {
        let all = 0b1111;
        let sleeps = [0b0011, 0b0101, 0b1001, 0b0001];
        let meet = sleeps.iter().fold(all, |m, s| m & s);
        for global in [false, true] {
            let explored = visits(global, false, &sleeps, all);
            assert_eq!(explored, [0b1100, 0b0010, 0, 0], "{global}");
            assert_eq!(explored.iter().fold(0, |u, e| u | e), all & !meet);
            let wrong = visits(global, true, &sleeps, all);
            assert_ne!(wrong.iter().fold(0, |u, e| u | e), all & !meet, "{global}");
        }
    }

    #[test]
    fn a_reduction_that_ignores_conflicts_loses_states() {
        let full = search(false, false);
        let blind = search(true, true);
        assert!(blind.states < full.states, "{blind:?} {full:?}");
        assert_ne!(blind.digest, full.digest);
    }
}
