#!/usr/bin/env bash
# Mutation testing of the protocol (src/dax/) with cargo-mutants: each mutant is a
# plausible mistake; the fast tests plus the gate must notice it. Not part of
# .ci/run (hours on 2 cores); the GitHub workflow `mutants` (manual) runs it in shards.
#
#   ci/mutants.sh [K/N] [ARGS...]   run shard K of N (round-robin), default 0/1
#                                   (everything); ARGS go to cargo-mutants, e.g.
#                                   --in-place in a scratch clone whose target/ is
#                                   already built (skips copying and a cold baseline)
#
# Output: mutants.out/ (cargo-mutants' own: caught.txt, missed.txt, timeout.txt,
# unviable.txt, outcomes.json). The score is caught / (caught + missed).
set -euo pipefail
cd "$(dirname "$0")/.."
shard="${1:-0/1}"
shift || true
if ! command -v cargo-mutants >/dev/null 2>&1; then
  cargo install cargo-mutants --locked --version 27.1.0
fi
# The test command: the library's unit tests, the protocol-level suites, and the gate's
# PCT and random rows (tests/gate_catches.rs), pinned state spaces (tests/state_space.rs),
# all in the release profile. The target
# selection goes through --cargo-arg so that cargo-mutants' build phase (`cargo test
# --no-run`) builds exactly these targets in the same profile as the test phase; each
# mutant is then an incremental release build (about 7 s here) and a 5 s test run.
targets=()
for t in --lib --test=grab_branches --test=observer --test=coverage --test=gate_catches --test=state_space; do
  targets+=(--cargo-arg="$t")
done
cargo mutants \
  --file 'src/dax/*.rs' \
  --shard "$shard" --sharding round-robin \
  --timeout-multiplier 3 \
  --test-tool cargo \
  --profile release \
  "${targets[@]}" \
  "$@"
out=mutants.out
caught=$(wc -l < "$out/caught.txt" 2>/dev/null || echo 0)
missed=$(wc -l < "$out/missed.txt" 2>/dev/null || echo 0)
echo "mutants shard $shard: caught $caught, missed $missed (score $((100 * caught / (caught + missed > 0 ? caught + missed : 1)))%)"
