#!/usr/bin/env bash
# The kernel target in CI: for each tree, build the daxlock-kernel crate against
# it, run its lints and tests, and its gate (PCT over the catalogue, with the
# kernel's own expectations; on 6.1 and 6.12 also the stateful search over the rows
# it completes). Says plainly, and passes, when a tree is absent.
#
#   ci/kernel.sh
#
# DAXLOCK_KERNEL_VERSION lists the trees (default "6.1 6.12 5.15.85 7.1.5 4.13.9";
# 4.13.9 is the radix-tree era, the seed's own code):
# - a Debian version (6.1, 6.12) is fetched with ci/fetch-kernel.sh (cached);
#   when the package cannot be fetched the tree is SKIPPED;
# - any other version is a shared tree, $DAXLOCK_SHARED_TREES/linux-<version>
#   (default ../shared/kernel-trees, beside the repository); SKIPPED when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
versions="${DAXLOCK_KERNEL_VERSION:-6.1 6.12 5.15.85 7.1.5 4.13.9}"
shared="${DAXLOCK_SHARED_TREES:-../shared/kernel-trees}"
first=1
# The rows the kernel gate also searches with the stateful checker on 6.1 and 6.12.
stateful_rows="seed-sequential seed-concurrent storage-misaligned bug-grab-after-iomap
  bug-no-pagetable-recheck bug-no-recheck bug-late-wait-registration
  bug-wait-key-from-request write-invalidation-outside-range fsync-vs-read-fault
  fsync-vs-pmd-fault
  read-fault-leaves-entry-clean memory-failure-waits-shared
  private-pmd-write-vs-pte-fsync truncate-vs-fault eexist-starves-fsync
  write-vs-pmd-downgrade bug-downgrade-wake-one aligned-pmd-pte bug-eexist-no-pass
  keyed-wake-shared-bucket invalidate-wakes-all"
# The rows the kernel gate also searches with the stateful checker on 4.13.9 (the
# radix era, since its tree_lock folds per call): the scenarios whose every row
# completes there in seconds (README, "Kernel stateful over the catalogue").
stateful_rows_radix="seed-sequential seed-concurrent storage-misaligned
  bug-grab-after-iomap bug-no-pagetable-recheck bug-no-recheck bug-late-wait-registration
  bug-wait-key-from-request write-invalidation-outside-range fsync-vs-read-fault
  fsync-vs-pmd-fault read-fault-leaves-entry-clean private-pmd-write-vs-pte-fsync
  truncate-vs-fault eexist-starves-fsync bug-eexist-no-pass write-vs-pmd-downgrade
  bug-downgrade-wake-one"
# The stateful gate over the catalogue rows named in $1, with its wall time; $2:
# --jobs, each row's search as that many processes over one shared visited set
# (README: verify --jobs on the kernel target; rows run one at a time).
# --max-seconds only guards CI (it bounds each process, so each row): a row stopped
# there is `incomplete`, which fails the gate. The longest rows (aligned-pmd-pte,
# bug-eexist-no-pass: 55-110 s alone on a quiet core), hence 300. On 4.13.9 the
# longest, bug-downgrade-wake-one, bug-eexist-no-pass and write-vs-pmd-downgrade,
# 19 s, 8 s and 9 s at load 5. Not aligned-pmd-pte: complete, but a minute a row
# (a lost write, which 4.13's rows expect, does not stop the search).
stateful_gate() {
  local dir start
  dir=$(mktemp -d)
  for s in $1; do ln -s "$PWD/verify/$s.toml" "$dir/$s.toml"; done
  start=$(date +%s)
  ./target/release/daxlock-kernel verify --target kernel --checker stateful \
    --dir "$dir" --max-seconds 300 --jobs "$2"
  echo "kernel stateful gate $version (--jobs $2): $(($(date +%s) - start)) s"
  rm -r "$dir"
}
for version in $versions; do
  case "$version" in
    5.10|6.1|6.12)
      if ! src=$(bash ci/fetch-kernel.sh "$version"); then
        echo "kernel target $version: SKIPPED: Debian's linux-source-$version could not be fetched (no network to the apt mirror?)"
        continue
      fi ;;
    *)
      src="$shared/linux-$version"
      if [ ! -f "$src/fs/dax.c" ]; then
        echo "kernel target $version: SKIPPED: no tree at $src"
        continue
      fi
      src=$(cd "$src" && pwd) ;;
  esac
  export DAXLOCK_KERNEL_SRC="$src"
  echo "kernel target $version: $src"
  # Lints once (they do not depend on the tree beyond its era's cfg).
  if [ "$first" = 1 ]; then
    cargo clippy -p daxlock-kernel --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet -p daxlock-kernel
    first=0
  fi
  cargo test --release -p daxlock-kernel
  cargo build --release -p daxlock-kernel
  ./target/release/daxlock-kernel verify --target kernel --checker pct
  # Then the stateful search (complete, unbounded) over the catalogue rows it
  # completes (README, "Kernel stateful over the catalogue"): on 6.1 and 6.12
  # every scenario, on 4.13.9 its own list.
  case "$version" in
    6.1|6.12) stateful_gate "$stateful_rows" 2 ;;
    4.13.9) stateful_gate "$stateful_rows_radix" 1 ;;
  esac
done
