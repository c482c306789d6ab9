#!/usr/bin/env python3
"""Cost of two hostile request patterns, for the build in DIR (a folder holding AirQuality.Silo.dll):

  1. CPU per worst-case batch forecast: 1,000 unknown 64-character names (68 KB), and the largest batch the API
     still accepts with suggestions work in it (100 unknown 40-character names among 900 known ones).
  2. Memory after 1,000 hostile history requests: 90-day windows (`hours=2160`) ending at 1,000 different past hours.

Prints one JSON object. Run it against an older build and this one to compare:

    python3 bench/hardening/run.py --build src/Silo/bin/Release/net10.0 --label branch
"""
import argparse, json, os, re, subprocess, time, urllib.error, urllib.request
from datetime import datetime, timedelta, timezone

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / TICK


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def request(base, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def gc_heap_mb(base):
    """GC heap size after the last collection, from the Prometheus endpoint (None when it is not exported there)."""
    status, text = request(base, "/metrics")
    if status != 200:
        return None
    total, seen = 0.0, False
    for line in text.decode().splitlines():
        if re.match(r"^(dotnet_gc_last_collection_heap_size_bytes|process_runtime_dotnet_gc_heap_size_bytes)\{", line):
            total += float(line.rsplit(" ", 1)[1])
            seen = True
    return round(total / 1048576, 1) if seen else None


def name(i, length):
    return "".join(chr(ord("a") + (i * 7 + k * 13) % 26) for k in range(length))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--label", default="build")
    ap.add_argument("--port", type=int, default=18280)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--history", type=int, default=1000)
    ap.add_argument("--backfill", type=int, default=90, help="days of history each city starts with (90: full 90-day windows)")
    a = ap.parse_args()
    base = f"http://127.0.0.1:{a.port}"
    args = ["dotnet", "AirQuality.Silo.dll", "run", "--urls", base, "--RateLimiting:Enabled=false", f"--Cities:BackfillDays={a.backfill}",
            "--Logging:LogLevel:Default=Warning", "--Forecasting:LstmEnabled=false",
            f"--Orleans:SiloPort={a.port + 1}", f"--Orleans:GatewayPort={a.port + 2}"]
    server = subprocess.Popen(args, cwd=a.build, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 600
        while True:
            try:
                status, body = request(base, "/api/v1/cities/rankings")
                if status == 200 and json.loads(body)["count"] >= 56:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("server did not become ready")
            time.sleep(1)
        time.sleep(3)

        def batch(cities):
            before = cpu_ms(server.pid)
            statuses = []
            start = time.time()
            for _ in range(a.repeats):
                status, _ = request(base, "/api/v1/forecast/batch", {"cities": cities, "hours_ahead": 24})
                statuses.append(status)
            return {"cpu_ms_per_request": round((cpu_ms(server.pid) - before) / a.repeats, 1),
                    "wall_ms_per_request": round((time.time() - start) * 1000 / a.repeats, 1), "status": sorted(set(statuses))}

        hostile = batch([name(i, 64) for i in range(1000)])
        accepted = batch([name(i, 40) for i in range(100)] + ["Delhi"] * 900)

        now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        rss0, heap0 = rss_mb(server.pid), gc_heap_mb(base)
        before = cpu_ms(server.pid)
        statuses = {}
        for i in range(1, a.history + 1):
            to = (now - timedelta(hours=i)).strftime("%Y-%m-%dT%H:00:00Z")
            status, _ = request(base, f"/api/v1/aqi/history/Delhi?hours=2160&to={to}")
            statuses[status] = statuses.get(status, 0) + 1
        history_cpu = (cpu_ms(server.pid) - before) / a.history
        time.sleep(2)
        rss1, heap1 = rss_mb(server.pid), gc_heap_mb(base)
        print(json.dumps({
            "label": a.label,
            "batch_1000_unknown_64_char_names": hostile,
            "batch_100_unknown_40_char_names_900_known": accepted,
            "history_hostile_windows": {
                "requests": a.history, "status": statuses, "cpu_ms_per_request": round(history_cpu, 1),
                "rss_mb_before": round(rss0, 1), "rss_mb_after": round(rss1, 1), "rss_growth_mb": round(rss1 - rss0, 1),
                "gc_heap_mb_before": heap0, "gc_heap_mb_after": heap1,
                "gc_heap_growth_mb": None if heap0 is None or heap1 is None else round(heap1 - heap0, 1),
            },
        }, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
