#!/usr/bin/env bash
# The verification gate: the colour lemma, then every catalogue scenario × expected
# variant × checker (loom, shuttle random, shuttle PCT). Exit 0 only when every
# verdict is as expected. Extra arguments go to `daxlock verify` (e.g. --deep).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -- verify "$@"
