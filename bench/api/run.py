#!/usr/bin/env python3
"""Load benchmark of the REST API against the machine's ceiling, in one run.

Publishes the one-process system (Release) and a bare minimal API (bench/api/Ceiling, a constant 160-byte JSON), starts
both with the same GC settings, waits for the cold start's training, warms every target, then runs wrk in alternating
rounds: in each round the ceiling, then current, rankings, history (24 h) and an uncached batch forecast (56 cities x
48 h), so every figure has a ceiling measured minutes, not hours, apart. Per target and round: req/s, p50/p99/p99.9,
errors, and from the server itself (its /metrics on the management port; the ceiling's /stats) the bytes allocated
per request and the GC collections. Prints JSON.

    python3 bench/api/run.py [--rounds 3] [--duration 10] [--gc server|workstation] [--concurrent 1|0] [--datas 1|0]
                             [--telemetry off|on] [--rate-limit off|on] [--only current,rankings] [--set Key=Value]
"""
import argparse, json, os, platform, re, shutil, signal, socket, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    # Free ports, not fixed ones: other benchmarks may run on the same machine.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT, MANAGEMENT_PORT, CEILING_PORT = free_port(), free_port(), free_port()
BASE = f"http://127.0.0.1:{PORT}"
CEILING = f"http://127.0.0.1:{CEILING_PORT}"


def get_json(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def wait_for(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(1)
    raise SystemExit(f"{what} did not become ready")


def wait_trained(timeout=1200):
    """Waits for the cold start's background training of every city to end, so it does not share the CPU with the load."""
    start = time.time()
    while time.time() - start < timeout:
        try:
            rows = get_json(BASE + "/api/v1/models/list")["models"]
            if len({m["city_id"] for m in rows}) >= 56 and all(m["last_trained_at"] and not m["training"] for m in rows):
                return round(time.time() - start, 1)
        except Exception:
            pass
        time.sleep(2)
    raise SystemExit("the initial training did not finish")


def server_stats():
    """Allocated bytes and GC counts of the service, from its Prometheus endpoint (System.Runtime meter)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{MANAGEMENT_PORT}/metrics", timeout=30) as r:
        text = r.read().decode()
    def value(pattern):
        m = re.search(rf"^{pattern}(?:\{{[^}}]*\}})?\s+([0-9.eE+-]+)", text, re.M)
        return float(m.group(1)) if m else None
    def gen(g):
        m = re.search(rf'^dotnet_gc_collections(?:_total)?\{{[^}}]*gc_heap_generation="{g}"[^}}]*\}}\s+([0-9.eE+-]+)', text, re.M)
        return float(m.group(1)) if m else None
    return {"allocated_bytes": value(r"dotnet_gc_heap_total_allocated_bytes(?:_total)?"),
            "gen0": gen("gen0"), "gen1": gen("gen1"), "gen2": gen("gen2"),
            "pause_seconds": value(r"dotnet_gc_pause_time_seconds(?:_total)?")}


def ceiling_stats():
    return get_json(CEILING + "/stats")


def script(name):
    """The target's wrk script with the percentile printer appended (wrk runs one script)."""
    with open(os.path.join(HERE, "percentiles.lua")) as f:
        printer = f.read()
    body = ""
    if name:
        with open(os.path.join(HERE, name)) as f:
            body = f.read()
    path = os.path.join(ROOT, "bench", ".out", f"wrk-{name or 'plain'}")
    with open(path, "w") as f:
        f.write(body + "\n" + printer)
    return path


def wrk(args, duration, connections, threads):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"] + args
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    pcts = {k: float(v) / 1000 for k, v in re.findall(r"^pct (\S+) (\d+)$", out, re.M)}  # microseconds -> ms
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "requests": requests, "p50_ms": pcts.get("50"), "p99_ms": pcts.get("99"), "p999_ms": pcts.get("99.9"),
            "non_2xx": int(errors.group(1)) if errors else 0, "socket_errors": sum(map(int, sock.groups())) if sock else 0}


def measured(target, duration, threads):
    stats = target["stats"]
    before = stats()
    r = wrk(target["args"], duration, target["connections"], threads)
    time.sleep(0.5)  # past the Prometheus exporter's response cache
    after = stats()
    if before.get("allocated_bytes") is not None and after.get("allocated_bytes") is not None:
        r["allocated_bytes_per_request"] = round((after["allocated_bytes"] - before["allocated_bytes"]) / max(1, r["requests"]))
    for g in ("gen0", "gen1", "gen2"):
        if before.get(g) is not None and after.get(g) is not None:
            r[f"{g}_collections"] = int(after[g] - before[g])
    if before.get("pause_seconds") is not None and after.get("pause_seconds") is not None:
        r["gc_pause_ms"] = round((after["pause_seconds"] - before["pause_seconds"]) * 1000, 1)
    r["load_average_1m"] = round(os.getloadavg()[0], 2)
    return r


def median(rows, key):
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-connections", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=10, help="seconds of load per target before the rounds")
    ap.add_argument("--gc", choices=["server", "workstation"], default=None, help="default: what the runtimeconfig says")
    ap.add_argument("--concurrent", choices=["1", "0"], default=None)
    ap.add_argument("--datas", choices=["1", "0"], default=None, help="DOTNET_GCDynamicAdaptationMode (server GC only)")
    ap.add_argument("--telemetry", choices=["off", "on"], default="off",
                    help="on: an OTLP endpoint is set (nothing listens there), so every request is traced and exported")
    ap.add_argument("--rate-limit", choices=["off", "on"], default="off")
    ap.add_argument("--log-level", default=None, help="the service's default, ASP.NET Core, hosting and routing log levels (default: its appsettings; Information logs every request)")
    ap.add_argument("--only", default=None, help="comma-separated targets besides the ceiling")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting of the service (repeatable), e.g. Forecasting:Training:ForestTrees=20 for a shorter cold start")
    ap.add_argument("--backfill-days", type=int, default=14)
    ap.add_argument("--no-lstm", action="store_true", help="train without the LSTM family (a shorter cold start on a busy machine)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--label", default=None)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers are stopped in `finally`
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    load_before = os.getloadavg()

    out = os.path.join(ROOT, "bench", ".out")
    silo_dir, ceiling_dir = os.path.join(out, "silo"), os.path.join(out, "ceiling")
    if not a.no_build:
        for project, dest in ((os.path.join(ROOT, "src", "Silo"), silo_dir), (os.path.join(HERE, "Ceiling"), ceiling_dir)):
            subprocess.run(["dotnet", "publish", project, "-c", "Release", "-o", dest, "--nologo", "-v", "q"], check=True)

    env = dict(os.environ)
    for k in ("DOTNET_gcServer", "DOTNET_gcConcurrent", "DOTNET_GCDynamicAdaptationMode", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        env.pop(k, None)
    if a.gc:
        env["DOTNET_gcServer"] = "1" if a.gc == "server" else "0"
    if a.concurrent:
        env["DOTNET_gcConcurrent"] = a.concurrent
    if a.datas:
        env["DOTNET_GCDynamicAdaptationMode"] = a.datas
    # The ceiling runs with the service's GC settings (its runtimeconfig), unless the command line sets them for both.
    with open(os.path.join(silo_dir, "AirQuality.Silo.runtimeconfig.json")) as f:
        props = json.load(f)["runtimeOptions"].get("configProperties", {})
    for key, var in (("System.GC.Server", "DOTNET_gcServer"), ("System.GC.Concurrent", "DOTNET_gcConcurrent"),
                     ("System.GC.DynamicAdaptationMode", "DOTNET_GCDynamicAdaptationMode")):
        if key in props and var not in env:
            env[var] = str(int(props[key])) if not isinstance(props[key], bool) else ("1" if props[key] else "0")
    silo_env = dict(env)
    if a.telemetry == "on":
        silo_env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317"
    args = ["--urls", BASE, f"--Management:Port={MANAGEMENT_PORT}", f"--Orleans:SiloPort={free_port()}", f"--Orleans:GatewayPort={free_port()}", f"--RateLimiting:Enabled={'true' if a.rate_limit == 'on' else 'false'}",
            f"--Cities:BackfillDays={a.backfill_days}"]
    if a.no_lstm:
        args.append("--Forecasting:LstmEnabled=false")
    args += [f"--{kv}" for kv in a.set]
    if a.log_level:
        args += [f"--Logging:LogLevel:{c}={a.log_level}" for c in
                 ("Default", "Microsoft.AspNetCore", "Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing")]
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, "silo.log"), "w")
    server = subprocess.Popen(["dotnet", os.path.join(silo_dir, "AirQuality.Silo.dll"), *args], cwd=silo_dir, env=silo_env,
                              stdout=log, stderr=subprocess.STDOUT)
    ceiling = subprocess.Popen(["dotnet", os.path.join(ceiling_dir, "Ceiling.dll"), "--urls", CEILING], cwd=ceiling_dir, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: get_json(BASE + "/api/v1/cities/rankings")["count"] >= 56, 180, "the service")
        wait_for(lambda: ceiling_stats() is not None, 60, "the ceiling")
        trained_after = wait_trained()
        print(f"initial training of every city finished {trained_after} s after the API was ready", file=sys.stderr)
        names = ",".join(c["name"] for c in get_json(BASE + "/api/v1/cities/")["cities"])
        targets = {
            "ceiling": {"args": ["-s", script(None), CEILING + "/ceiling"], "stats": ceiling_stats},
            "current": {"args": ["-s", script("current.lua"), BASE, "--", names], "stats": server_stats},
            "rankings": {"args": ["-s", script(None), BASE + "/api/v1/cities/rankings"], "stats": server_stats},
            # The same requests with an Origin header: not served ahead of routing (ReadyAnswerMiddleware), so through the
            # whole pipeline (routing, exception handler, status pages, CORS, rate limiter, auth, the endpoint), still a
            # ready answer; the difference to current/rankings is what the pipeline costs.
            "current_pipeline": {"args": ["-s", script("current.lua"), "-H", "Origin: http://bench.invalid", BASE, "--", names], "stats": server_stats},
            "rankings_pipeline": {"args": ["-s", script(None), "-H", "Origin: http://bench.invalid", BASE + "/api/v1/cities/rankings"], "stats": server_stats},
            "history_24h": {"args": ["-s", script("history.lua"), BASE, "--", names], "stats": server_stats},
            "batch_uncached_56x48": {"args": ["-s", script("batch_uncached.lua"), BASE, "--", names], "stats": server_stats,
                                     "connections": a.batch_connections},
        }
        if a.only:
            keep = {"ceiling", *a.only.split(",")}
            targets = {k: v for k, v in targets.items() if k in keep}
        for t in targets.values():
            t.setdefault("connections", a.connections)
        for name, t in targets.items():
            wrk(t["args"], a.warmup, t["connections"], a.threads)
        rounds = {name: [] for name in targets}
        for _ in range(a.rounds):
            for name, t in targets.items():
                rounds[name].append(measured(t, a.duration, a.threads))
        results = {}
        for name, runs in rounds.items():
            results[name] = {
                "connections": targets[name]["connections"],
                "rps_median": median(runs, "rps"),
                "p50_ms_median": median(runs, "p50_ms"),
                "p99_ms_median": median(runs, "p99_ms"),
                "p999_ms_median": median(runs, "p999_ms"),
                "errors_total": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
                "allocated_bytes_per_request_median": median(runs, "allocated_bytes_per_request"),
                "gen0_per_round_median": median(runs, "gen0_collections"),
                "gen1_per_round_median": median(runs, "gen1_collections"),
                "gen2_per_round_median": median(runs, "gen2_collections"),
                "runs": runs,
            }
            if name != "ceiling":
                # The share of the ceiling in each round (measured just before), then their median.
                ratios = [r["rps"] / c["rps"] for r, c in zip(runs, rounds["ceiling"])]
                results[name]["share_of_ceiling_median"] = round(statistics.median(ratios), 3)
        gc_settings = get_json(CEILING + "/stats")
        report = {
            "benchmark": "api-load",
            "label": a.label,
            "machine": {"cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                        "platform": platform.platform()},
            "configuration": {"gc": "server" if gc_settings["server_gc"] else "workstation", "gc_latency_mode": gc_settings["latency_mode"],
                              "gc_env": {k: env[k] for k in ("DOTNET_gcServer", "DOTNET_gcConcurrent", "DOTNET_GCDynamicAdaptationMode") if k in env},
                              "telemetry": a.telemetry, "rate_limit": a.rate_limit, "log_level_default": a.log_level or "appsettings",
                              "backfill_days": a.backfill_days, "lstm": not a.no_lstm, "settings": a.set},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "initial_training_seconds_after_ready": trained_after,
            "wrk": {"threads": a.threads, "duration_s": a.duration, "rounds": a.rounds, "warmup_s": a.warmup},
            "results": results,
        }
        print(json.dumps(report, indent=2))
        failed = [n for n, r in results.items() if r["errors_total"] > 0]
        if failed:
            print(f"errors in: {', '.join(failed)}: the figures do not measure successful requests", file=sys.stderr)
            sys.exit(1)
    finally:
        for p in (server, ceiling):
            p.send_signal(signal.SIGTERM)
        for p in (server, ceiling):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
