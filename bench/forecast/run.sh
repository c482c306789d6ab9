#!/usr/bin/env bash
# Regenerates the accuracy figures: every history file in shared/data/history, both protocols (split, rolling with a
# weekly retraining), with and without covariates where the file has any; then the tables and the skill chart
# (report.py). Usage: bench/forecast/run.sh [--only split|rolling] [--files "a b"]. Figures land in bench/forecast/results.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
history="${HISTORY_DIR:-$repo/../shared/data/history}"
out="$here/results"
only=""
files=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --files) files="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
dotnet build "$repo/src/Silo" -c Release -v q -nologo >/dev/null
silo="$repo/src/Silo/bin/Release/net10.0/AirQuality.Silo"
[ -n "$files" ] || files="$(cd "$history" && ls)"
for f in $files; do
  case "$f" in
    airnow_*) format=airnow; covs="all" ;;             # PM2.5 alone: no covariates to switch off
    openaq_*|cpcb_*) format=openaq; covs="all none" ;;
    *) continue ;;
  esac
  name="${f%%.csv*}"
  for protocol in split rolling; do
    [ -z "$only" ] || [ "$only" = "$protocol" ] || continue
    for cov in $covs; do
      base="$out/${name}_${protocol}_${cov}"
      echo "== $f $protocol covariates=$cov"
      if "$silo" evaluate --input "$history/$f" --format "$format" --target pm25 --horizons 1,6,12,24,48 \
          --protocol "$protocol" --retrain-every 7d --covariates "$cov" --json "$base.json" > "$base.txt" 2>&1; then
        tail -n 12 "$base.txt"
      else
        echo "not evaluated: $(tail -n 1 "$base.txt")" | tee -a "$base.txt"
        rm -f "$base.json"
      fi
    done
  done
done
python3 "$here/report.py" "$out" "$here/tables.md" "$repo/docs/forecast-skill.svg" \
  "Before the ensemble margin (results/before-margin: the lowest validation MAE chosen, ensemble or not)=$out/before-margin" \
  "Before the daily-profile shrinkage (results/before-profile)=$out/before-profile" \
  "Before the short-horizon blend and the live bands (results/before, code of 2026-12-02)=$out/before"
