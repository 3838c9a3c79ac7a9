#!/usr/bin/env bash
# The kernel target in CI: fetch Debian's linux-source package (cached), build the
# daxlock-kernel crate against it, run its lints and tests, and its gate (PCT over
# the catalogue, with the kernel's own expectations). Says plainly, and passes, when
# the source cannot be fetched.
#
#   ci/kernel.sh            (DAXLOCK_KERNEL_VERSION=6.1 by default; 6.12 also works)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${DAXLOCK_KERNEL_VERSION:-6.1}"
if ! src=$(bash ci/fetch-kernel.sh "$version"); then
  echo "kernel target: SKIPPED: Debian's linux-source-$version could not be fetched (no network to deb.debian.org?)"
else
  export DAXLOCK_KERNEL_SRC="$src"
  echo "kernel target: $src"
  cargo clippy -p daxlock-kernel --all-targets -- -D warnings
  cargo test --release -p daxlock-kernel
  cargo build --release -p daxlock-kernel
  ./target/release/daxlock-kernel verify --target kernel --checker pct
fi

# The radix-tree era: the seed's own 4.13 code, from the shared tree beside the
# repository when it is there (README: v4.13: the seed on its own code).
radix="${DAXLOCK_RADIX_TREE:-../shared/kernel-trees/linux-4.13.9}"
if [ -f "$radix/fs/dax.c" ]; then
  export DAXLOCK_KERNEL_SRC="$(cd "$radix" && pwd)"
  echo "kernel target (radix-tree era): $DAXLOCK_KERNEL_SRC"
  cargo clippy -p daxlock-kernel --all-targets -- -D warnings
  cargo test --release -p daxlock-kernel
  cargo build --release -p daxlock-kernel
  ./target/release/daxlock-kernel verify --target kernel --checker pct
else
  echo "kernel target (radix-tree era): SKIPPED: no tree at $radix"
fi
