#!/usr/bin/env bash
# Live managed heap of a running silo by type: a heap dump (dotnet-dump, a NuGet global tool:
# `dotnet tool install -g dotnet-dump --version 10.0.750501`), `dumpheap -stat -live`, the largest types and the total.
# Usage: bench/scale/heap.sh <pid> [top=30]; the dump goes to the temp folder and is deleted afterwards.
set -euo pipefail
pid=$1; top=${2:-30}
export PATH="$PATH:$HOME/.dotnet/tools"
dump=$(mktemp -u "${TMPDIR:-/tmp}/aq-heap-XXXXXX.dmp")
trap 'rm -f "$dump"' EXIT
dotnet-dump collect -p "$pid" --type Heap -o "$dump" >/dev/null
echo "# load average: $(cat /proc/loadavg)"
echo "# RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/"$pid"/status)"
dotnet-dump analyze "$dump" -c "dumpheap -stat -live" -c "exit" | grep -E '^[0-9a-f]{12,} |^Total' | tail -n $((top + 1))
