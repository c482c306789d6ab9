#!/usr/bin/env bash
# The global family on the shared station files: trained on the three stations' training parts pooled, each station
# evaluated with the split protocol (global vs the best per-city family vs persistence per horizon), and the training
# cost per station as the service trains, extrapolated to 5,000 cities x 2 targets. Figures land in
# bench/forecast/results/global.{txt,json}; global.md quotes them. The global fit runs on one thread, as in the service
# (LightGBM threads spin while they wait, so on a loaded machine more threads inflate its CPU time). Usage:
# bench/forecast/global.sh [--threads N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
history="${HISTORY_DIR:-$repo/../shared/data/history}"
threads="${2:-2}"
out="$here/results"
mkdir -p "$out"
dotnet build "$repo/src/Silo" -c Release -v q -nologo >/dev/null
silo="$repo/src/Silo/bin/Release/net10.0/AirQuality.Silo"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/global.txt"
"$silo" evaluate-global \
  --input "$history/airnow_new_delhi_pm25_2015.csv" "$history/airnow_new_delhi_pm25_2016.csv" "$history/cpcb_chennai_alandur_2019_with_met.csv.gz" \
  --target pm25 --horizons 1,6,12,24,48 --threads "$threads" --global-setting Threads=1 --cost --cities 5000 --json "$out/global.json" 2>&1 | tee -a "$out/global.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/global.txt"
