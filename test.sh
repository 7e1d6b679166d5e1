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
if [ "${failed:-0}" -gt 0 ]; then
  # Name each failed test and the first lines of its message here, at the end, where a log's tail shows it.
  echo "failed tests:"
  python3 - "$trx" <<'PY' || grep -o 'testName="[^"]*"[^>]*outcome="Failed"' "$trx"
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") != "Failed":
        continue
    message = r.findtext(".//t:Message", default="", namespaces=ns).strip().splitlines()
    stack = r.findtext(".//t:StackTrace", default="", namespaces=ns).strip().splitlines()
    print("  " + r.get("testName"))
    for line in message[:6] + stack[:4]:
        print("    " + line.strip())
PY
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
