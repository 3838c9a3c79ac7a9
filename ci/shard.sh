#!/usr/bin/env bash
# One shard of a CI matrix: `daxlock verify ARGS --json` into shard-NAME.json (ARGS
# carry `--shard I/N`), and a line on the job summary when there is one.
#
# Every row of the shard runs (verify never stops at a failing row). A row that is not
# as expected in this shard alone does not fail the job: verify exits 1, say, when a
# bug variant's hang lies in another shard's part of the search, or when bug coverage
# needs the other checkers. The merge job decides over every shard (`daxlock merge`).
# Bad input, a crash, or a report that `daxlock merge` cannot read fails the job.
#
# usage: ci/shard.sh NAME VERIFY-ARGS...   (DAXLOCK: the binary, default bin/daxlock)
set -uo pipefail
name=${1:?usage: ci/shard.sh NAME VERIFY-ARGS...}
shift
daxlock=${DAXLOCK:-bin/daxlock}
out="shard-$name.json"
"$daxlock" verify "$@" --json >"$out"
rc=$?
"$daxlock" merge "$out" >/dev/null
readable=$?
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
case "$rc:$readable" in
  0:[01] | 1:[01])
    echo "shard $name: daxlock verify exited $rc; report $out (the merge job judges all shards together)" | tee -a "$summary"
    exit 0
    ;;
  *)
    echo "shard $name: daxlock verify exited $rc and its report is not readable (merge exited $readable)" | tee -a "$summary" >&2
    exit 2
    ;;
esac
