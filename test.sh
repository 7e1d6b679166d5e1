#!/usr/bin/env bash
# Runs set-up if needed, then every test. The last line is the summary "N passed, N failed, N skipped",
# read from dotnet test's own result file (TRX), so CI can tell that tests really ran.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
./setup.sh --if-needed || exit 1
tests/peers/ensure.sh || exit 1
results="$root/.build/test-results"
rm -rf "$results"
dotnet test SharpTune.sln -c Release --nologo --logger "trx;LogFileName=results.trx" \
  --logger "console;verbosity=normal" --results-directory "$results" "$@"
rc=$?
trx="$results/results.trx"
if [ ! -f "$trx" ]; then
  echo "test.sh: dotnet test wrote no results (exit $rc)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
num() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
passed=$(num passed); failed=$(num failed); total=$(num total); executed=$(num executed)
skipped=$((total - executed))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
