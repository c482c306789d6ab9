#!/usr/bin/env bash
# The ten (or N) slowest tests of a test run, from its TRX files.
#
#   scripts/slowest-tests.sh run [N]        runs the suite as the README says (-m:1), writing TRX files into
#                                           TestResults/slowest, then prints the N slowest (default 10)
#   scripts/slowest-tests.sh [N] FILE|DIR...  prints the N slowest of existing TRX files (a folder: every *.trx in it)
#
# Durations are the test's own (the TRX `duration` of each unit test result, fixtures' start-up included in the first
# test that needs them); a theory's cases are listed one by one.
set -euo pipefail
cd "$(dirname "$0")/.."

count=10
if [[ "${1:-}" == run ]]; then
    shift
    [[ "${1:-}" =~ ^[0-9]+$ ]] && { count=$1; shift; }
    out=TestResults/slowest
    rm -rf "$out"
    dotnet test AirQuality.slnx -m:1 --logger "trx" --results-directory "$out" "$@" || echo "(some tests failed; durations below are still theirs)" >&2
    set -- "$out"
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    count=$1
    shift
fi
[[ $# -gt 0 ]] || { echo "usage: $0 run [N] | $0 [N] FILE.trx|DIR..." >&2; exit 2; }

files=()
for arg in "$@"; do
    if [[ -d "$arg" ]]; then
        while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$arg" -name '*.trx' -print0)
    else
        files+=("$arg")
    fi
done
[[ ${#files[@]} -gt 0 ]] || { echo "no .trx files in $*" >&2; exit 1; }

python3 - "$count" "${files[@]}" <<'PY'
import sys, xml.etree.ElementTree as ET

def seconds(d):
    h, m, s = d.split(':')
    return int(h) * 3600 + int(m) * 60 + float(s)

count, rows = int(sys.argv[1]), []
for path in sys.argv[2:]:
    root = ET.parse(path).getroot()
    ns = {'t': root.tag.split('}')[0].strip('{')} if root.tag.startswith('{') else {}
    q = (lambda name: f't:{name}') if ns else (lambda name: name)
    for r in root.iter(f"{{{ns['t']}}}UnitTestResult" if ns else 'UnitTestResult'):
        if r.get('duration'):
            rows.append((seconds(r.get('duration')), r.get('outcome', '?'), r.get('testName', '?')))
rows.sort(reverse=True)
total = sum(r[0] for r in rows)
print(f"{len(rows)} tests, {total:.0f} s in all; the {min(count, len(rows))} slowest:")
for i, (s, outcome, name) in enumerate(rows[:count], 1):
    print(f"{i:3}. {s:8.1f} s  {outcome:8} {name}")
PY
