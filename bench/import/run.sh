#!/usr/bin/env bash
# History import benchmark: generates an OpenAQ-format CSV (not committed), imports it into a fresh PostgreSQL
# database per run with the importer the `import` verb uses, and prints JSON {rows, seconds, rows_per_second, machine}.
#   bench/import/run.sh [--rows 2000000] [--stations 40] [--runs 3]
# PostgreSQL: $BENCH_POSTGRES (a maintenance-database connection string), else the test services
# (scripts/test-services.sh, which runs with fsync=off: see the README for a durable-settings run).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -z "${BENCH_POSTGRES:-}" ]; then
  eval "$(bash "$ROOT/scripts/test-services.sh" start)"
  BENCH_POSTGRES="$AQ_TEST_POSTGRES"
fi
dotnet build "$ROOT/bench/import/ImportBench" -c Release -v quiet -nologo >&2
exec dotnet "$ROOT/bench/import/ImportBench/bin/Release/net10.0/ImportBench.dll" --postgres "$BENCH_POSTGRES" "$@"
