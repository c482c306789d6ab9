using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

// Soak: a 2-silo cluster and a web front on loopback (processes of the built silo executable on a fresh PostgreSQL
// database), N minutes of mixed load (current, rankings, history, batch forecasts, SignalR subscribers), then per
// minute requests, errors, p50 and p99, and the least-squares slope of RSS, GC heap, threads, handles and metric series
// per process, read from each process's /metrics on its management port (handles and OS threads from /proc).
// Usage: dotnet run -c Release --project bench/soak [-- --minutes 10 --workers 8 --subscribers 20 --poll 00:01:00
//   --backfill-days 3 --settle-training wait --tail 5 --samples 5 --out bench/soak/results.json --env KEY=VALUE ...]
// (build src/Silo in the same configuration first). Prints JSON on standard output and writes it to --out; progress
// on standard error.
var minutes = double.Parse(Arg("--minutes") ?? "10", CultureInfo.InvariantCulture);
var workers = int.Parse(Arg("--workers") ?? "8", CultureInfo.InvariantCulture);
var subscribers = int.Parse(Arg("--subscribers") ?? "20", CultureInfo.InvariantCulture);
var poll = Arg("--poll") ?? "00:01:00";
var backfillDays = Arg("--backfill-days") ?? "3";
var settleTraining = (Arg("--settle-training") ?? "wait") switch
{
    "wait" => true,
    "none" => false,
    var other => throw new ArgumentException($"--settle-training is '{other}'; use wait or none"),
};
var tail = double.Parse(Arg("--tail") ?? "5", CultureInfo.InvariantCulture);
var sample = TimeSpan.FromSeconds(double.Parse(Arg("--samples") ?? "5", CultureInfo.InvariantCulture));
// Extra environment for every process of the cluster (e.g. --env MALLOC_ARENA_MAX=2 --env DOTNET_GCgen0size=0x4000000).
var extraEnv = args.Select((a, i) => (a, i)).Where(x => x.a == "--env" && x.i + 1 < args.Length).Select(x => args[x.i + 1].Split('=', 2))
    .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

var root = TestServices.RepositoryRoot;
var output = Path.GetFullPath(Arg("--out") ?? Path.Combine(root, "bench", "soak", "results.json"));
var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
var dll = Path.Combine(root, "src", "Silo", "bin", configuration, "net10.0", "AirQuality.Silo.dll");
if (!File.Exists(dll)) { Console.Error.WriteLine($"Build src/Silo ({configuration}) first: {dll} not found"); return 1; }

var db = await TestServices.CreateDatabaseAsync("aq_soak");
var cluster = "soak-" + Guid.NewGuid().ToString("N")[..8];
var common = new Dictionary<string, string>
{
    ["ConnectionStrings__Postgres"] = db,
    ["ORLEANS_CLUSTER_ID"] = cluster,
    ["ORLEANS_SERVICE_ID"] = cluster,
    ["POD_IP"] = "127.0.0.1",
    ["Cities__BackfillDays"] = backfillDays,
    ["Cities__PollPeriod"] = poll,
    ["Cities__PollOffset"] = "00:00:00",
    ["Cities__PollSpread"] = "00:00:30",
    ["RateLimiting__Enabled"] = "false",
    ["Logging__LogLevel__Default"] = "Warning",
    ["DOTNET_gcServer"] = "0",
};
foreach (var (k, v) in extraEnv) common[k] = v;
var processes = new List<Node>();
try
{
    var (code, log) = await Node.RunToEndAsync(dll, ["migrate"], common);
    if (code != 0) { Console.Error.WriteLine(log); return 1; }
    Dictionary<string, string> SiloEnv(string name) => new(common)
    {
        ["POD_NAME"] = name,
        ["Orleans__SiloPort"] = Node.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = Node.FreePort().ToString(CultureInfo.InvariantCulture),
    };
    processes.Add(Node.Start(dll, "silo-1", "silo", SiloEnv("silo-1")));
    processes.Add(Node.Start(dll, "silo-2", "silo", SiloEnv("silo-2")));
    processes.Add(Node.Start(dll, "web", "web", new Dictionary<string, string>(common)));
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    foreach (var p in processes) await p.WaitReadyAsync(http, TimeSpan.FromMinutes(10));
    var web = processes[^1].BaseAddress;
    var cities = JsonDocument.Parse(await http.GetStringAsync(new Uri(web, "/api/v1/cities/"))).RootElement.GetProperty("cities")
        .EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
    var warm = Stopwatch.StartNew();
    foreach (var c in cities)
        while ((await http.GetAsync(new Uri(web, $"/api/v1/aqi/current/{c}"))).StatusCode != HttpStatusCode.OK)
        {
            if (warm.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"{c} not answering after 10 minutes");
            await Task.Delay(200); // polling a condition: the city's first poll
        }
    double? trainedAfter = null;
    if (settleTraining)
    {
        // The cold start trains every city's models in the background; measured beside the load, that wave would
        // read as a trend of its own (CPU, heap, latency), so the load starts once it has ended.
        var training = Stopwatch.StartNew();
        while (true)
        {
            var rows = JsonDocument.Parse(await http.GetStringAsync(new Uri(web, "/api/v1/models/list"))).RootElement.GetProperty("models").EnumerateArray().ToList();
            var trained = rows.Where(m => m.GetProperty("last_trained_at").ValueKind == JsonValueKind.String && !m.GetProperty("training").GetBoolean())
                .Select(m => m.GetProperty("city_id").GetString()).ToHashSet();
            var busy = rows.Count(m => m.GetProperty("training").GetBoolean() || m.GetProperty("last_trained_at").ValueKind != JsonValueKind.String);
            if (busy == 0 && cities.All(trained.Contains)) break;
            if (training.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"start-up training not over after 30 minutes ({busy} models pending)");
            await Task.Delay(2000); // polling a condition: every model trained, none training
        }
        trainedAfter = Math.Round(training.Elapsed.TotalSeconds, 1);
        Console.Error.WriteLine($"start-up training over {trainedAfter} s after every city answered");
    }
    Console.Error.WriteLine($"cluster ready, {cities.Count} cities answering; soaking {minutes} min with {workers} workers and {subscribers} SignalR subscribers");

    var results = new ConcurrentQueue<(double At, string Kind, bool Ok, double Ms)>();
    var pushes = 0L;
    var hubErrors = 0L;
    using var stop = new CancellationTokenSource();
    var clock = Stopwatch.StartNew();
    var hubs = new List<HubConnection>();
    for (var i = 0; i < subscribers; i++)
    {
        var hub = new HubConnectionBuilder().WithUrl(new Uri(web, "/hubs/aqi")).WithAutomaticReconnect().Build();
        hub.On<JsonElement>("cityChanged", _ => Interlocked.Increment(ref pushes));
        // Lost while the soak runs (with an error), not closed by the bench at the end.
        hub.Closed += e => { if (e is not null && !stop.IsCancellationRequested) Interlocked.Increment(ref hubErrors); return Task.CompletedTask; };
        hub.Reconnecting += _ => { Interlocked.Increment(ref hubErrors); return Task.CompletedTask; };
        await hub.StartAsync();
        await hub.InvokeAsync<string>("Subscribe", i % 4 == 0 ? "*" : cities[i % cities.Count]);
        hubs.Add(hub);
    }

    var batchBody = JsonSerializer.Serialize(new { cities = cities.Take(10).ToArray(), hours_ahead = 24 });
    var load = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
    {
        var random = new Random(w);
        while (!stop.IsCancellationRequested)
        {
            var city = cities[random.Next(cities.Count)];
            var roll = random.Next(100);
            var (kind, request) = roll switch
            {
                < 55 => ("current", new HttpRequestMessage(HttpMethod.Get, new Uri(web, $"/api/v1/aqi/current/{city}"))),
                < 70 => ("rankings", new HttpRequestMessage(HttpMethod.Get, new Uri(web, "/api/v1/cities/rankings?limit=10"))),
                < 85 => ("history", new HttpRequestMessage(HttpMethod.Get, new Uri(web, $"/api/v1/aqi/history/{city}?hours={24 * (1 + random.Next(3))}"))),
                _ => ("batch", new HttpRequestMessage(HttpMethod.Post, new Uri(web, "/api/v1/forecast/batch"))
                {
                    Content = new StringContent(batchBody, Encoding.UTF8, "application/json"),
                }),
            };
            var started = clock.Elapsed;
            bool ok;
            try
            {
                using var r = await http.SendAsync(request, stop.Token);
                ok = r.IsSuccessStatusCode;
                await r.Content.CopyToAsync(Stream.Null, stop.Token);
            }
            catch (Exception) when (stop.IsCancellationRequested) { break; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { ok = false; }
            finally { request.Dispose(); }
            results.Enqueue((clock.Elapsed.TotalMinutes, kind, ok, (clock.Elapsed - started).TotalMilliseconds));
        }
    })).ToList();

    var samples = new List<Sample>();
    var loads = new List<(int Minute, string Load)>();
    // Retraining runs native code (LightGBM, TorchSharp) whose memory shows in RSS and not in the GC heap: counted
    // per minute (the sum of every model's retraining count) to tell its steps from a leak.
    async Task<long> RetrainsAsync() => JsonDocument.Parse(await http.GetStringAsync(new Uri(web, "/api/v1/models/list"))).RootElement.GetProperty("models")
        .EnumerateArray().Sum(m => m.GetProperty("retrains").GetInt64());
    var retrains = new List<(int Minute, long Count)> { (0, await RetrainsAsync()) };
    var end = TimeSpan.FromMinutes(minutes);
    var nextMinute = 1;
    using (var timer = new PeriodicTimer(sample))
        while (clock.Elapsed < end && await timer.WaitForNextTickAsync())
        {
            foreach (var p in processes)
            {
                if (p.HasExited) throw new InvalidOperationException($"{p.Name} exited with code {p.ExitCode}");
                samples.Add(await p.SampleAsync(http, clock.Elapsed.TotalMinutes));
            }
            if (clock.Elapsed.TotalMinutes >= nextMinute)
            {
                var m = results.Where(r => r.At >= nextMinute - 1 && r.At < nextMinute).ToList();
                var loadNow = LoadAverage() ?? "";
                loads.Add((nextMinute, loadNow));
                retrains.Add((nextMinute, await RetrainsAsync()));
                var last = samples.TakeLast(processes.Count);
                Console.Error.WriteLine($"minute {nextMinute}: {m.Count} requests, {m.Count(r => !r.Ok)} errors, p50 {Percentile(m.Select(r => r.Ms).ToList(), 0.5):0.00} ms, " +
                    $"p99 {Percentile(m.Select(r => r.Ms).ToList(), 0.99):0.0} ms; load {loadNow}; retrainings {retrains[^1].Count - retrains[^2].Count}; " + string.Join(", ", last.Select(x => $"{x.Node} rss {x.RssMb:0} MB heap {x.GcHeapMb:0} MB")));
                nextMinute++;
            }
        }
    await stop.CancelAsync();
    await Task.WhenAll(load);
    foreach (var hub in hubs) await hub.DisposeAsync();

    var all = results.ToList();
    var perMinute = all.GroupBy(r => (int)Math.Floor(r.At)).OrderBy(g => g.Key).Select(g =>
    {
        var ms = g.Select(r => r.Ms).ToList();
        return new
        {
            minute = g.Key + 1,
            requests = g.Count(),
            errors = g.Count(r => !r.Ok),
            p50_ms = Math.Round(Percentile(ms, 0.5), 2),
            p99_ms = Math.Round(Percentile(ms, 0.99), 2),
            by_kind = g.GroupBy(r => r.Kind).ToDictionary(k => k.Key, k => k.Count()),
            load_average = loads.FirstOrDefault(l => l.Minute == g.Key + 1).Load,
            retrainings = retrains.Any(r => r.Minute == g.Key + 1) ? retrains.First(r => r.Minute == g.Key + 1).Count - retrains.First(r => r.Minute == g.Key).Count : (long?)null,
            // The load stops at the first sample after the end: a last, partial minute of a few seconds.
            partial = g.Key + 1 > Math.Ceiling(minutes),
        };
    }).ToList();
    // The first minute is warm-up (JIT, caches filling, tiered compilation): slopes are fitted on the rest.
    // The last --tail minutes are fitted again: warm-up (heap growing into its budget, pools filling, tiered JIT)
    // takes minutes, and a leak keeps its slope to the end while warm-up flattens.
    var steady = samples.Where(s => s.Minute >= Math.Min(1, minutes / 3)).ToList();
    var tailFrom = Math.Max(0, minutes - tail);
    var trends = Trends(steady);
    var tailTrends = Trends(samples.Where(s => s.Minute >= tailFrom).ToList());
    var report = new
    {
        benchmark = "soak",
        minutes,
        workers,
        subscribers,
        poll_period = poll,
        backfill_days = backfillDays,
        sample_seconds = sample.TotalSeconds,
        environment = extraEnv,
        training_settled_after_seconds = trainedAfter,
        machine = new
        {
            cores = Environment.ProcessorCount,
            load_average = LoadAverage(),
            dotnet = Environment.Version.ToString(),
            configuration,
        },
        requests = all.Count,
        errors = all.Count(r => !r.Ok),
        signalr_messages = Interlocked.Read(ref pushes),
        signalr_connections_lost = Interlocked.Read(ref hubErrors),
        per_minute = perMinute,
        slope_per_minute = trends,
        tail_minutes = tail,
        tail_slope_per_minute = tailTrends,
        note = "slope: least squares per minute, slope_per_minute after the first minute, tail_slope_per_minute over the last tail_minutes; stderr: its standard error; " +
               "flat: |slope| <= 2 stderr or the fitted change over the fit is under 5 % of the mean; rss, gc heap, thread-pool threads and series from each process's /metrics " +
               "(management port), os threads and handles from /proc",
        samples = samples.Select(x => new
        {
            minute = Math.Round(x.Minute, 3), node = x.Node, rss_mb = Math.Round(x.RssMb, 1), gc_heap_mb = Math.Round(x.GcHeapMb, 1),
            gc_committed_mb = Math.Round(x.GcCommittedMb, 1), threads = x.Threads, pool_threads = x.PoolThreads, handles = x.Handles, series = x.Series, jit_methods = x.JitMethods, timers = x.Timers,
        }),
    };
    var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
    Console.WriteLine(json);
    await File.WriteAllTextAsync(output, json + "\n");
    Console.Error.WriteLine($"written to {output}");
    return report.errors == 0 ? 0 : 4;
}
finally
{
    foreach (var p in processes) p.Dispose();
    await TestServices.DropDatabaseAsync(db);
}

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

static string? LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;

Dictionary<string, object> Trends(List<Sample> points) => processes.ToDictionary(p => p.Name, p =>
{
    var mine = points.Where(s => s.Node == p.Name).ToList();
    return (object)new
    {
        rss_mb = Fit(mine.Select(s => (s.Minute, s.RssMb)).ToList()),
        gc_heap_mb = Fit(mine.Select(s => (s.Minute, s.GcHeapMb)).ToList()),
        gc_committed_mb = Fit(mine.Select(s => (s.Minute, s.GcCommittedMb)).ToList()),
        threads = Fit(mine.Select(s => (s.Minute, (double)s.Threads)).ToList()),
        pool_threads = Fit(mine.Select(s => (s.Minute, (double)s.PoolThreads)).ToList()),
        handles = Fit(mine.Select(s => (s.Minute, (double)s.Handles)).ToList()),
        series = Fit(mine.Select(s => (s.Minute, (double)s.Series)).ToList()),
        // Methods compiled (tiered re-JIT included): JIT'd code is native memory, in RSS and not in the GC heap.
        jit_methods = Fit(mine.Select(s => (s.Minute, (double)s.JitMethods)).ToList()),
        timers = Fit(mine.Select(s => (s.Minute, (double)s.Timers)).ToList()),
    };
});

static double Percentile(List<double> values, double q)
{
    if (values.Count == 0) return 0;
    values.Sort();
    return values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
}

// Least squares y = a + b x; the slope's standard error from the residuals is the noise estimate.
static object Fit(List<(double X, double Y)> points)
{
    var n = points.Count;
    if (n < 3) return new { slope = (double?)null, samples = n };
    var mx = points.Average(p => p.X);
    var my = points.Average(p => p.Y);
    var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
    var b = points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    var a = my - b * mx;
    var residual = Math.Sqrt(points.Sum(p => Math.Pow(p.Y - (a + b * p.X), 2)) / (n - 2));
    var stderr = residual / Math.Sqrt(sxx);
    var span = points.Max(p => p.X) - points.Min(p => p.X);
    var flat = Math.Abs(b) <= 2 * stderr || Math.Abs(b * span) < 0.05 * Math.Abs(my);
    return new
    {
        slope = Math.Round(b, 3),
        stderr = Math.Round(stderr, 3),
        residual_sd = Math.Round(residual, 3),
        mean = Math.Round(my, 2),
        first = Math.Round(points[0].Y, 2),
        last = Math.Round(points[^1].Y, 2),
        samples = n,
        flat,
    };
}

/// <summary>One sample of one process: from its /metrics (RSS, GC, thread pool, series) and /proc (threads, handles).</summary>
sealed record Sample(double Minute, string Node, double RssMb, double GcHeapMb, double GcCommittedMb, int Threads, int PoolThreads, int Handles, int Series, long JitMethods, int Timers);

/// <summary>One process of the silo executable, its output in a log file; killed on dispose.</summary>
sealed class Node : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public Uri BaseAddress { get; }
    /// <summary>The management port's address (<c>Management__Port</c>): /metrics answers there only.</summary>
    public Uri ManagementAddress { get; }
    public string LogPath { get; }

    private Node(string dll, string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> env, int httpPort, int managementPort)
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        ManagementAddress = new Uri($"http://127.0.0.1:{managementPort}");
        LogPath = Path.Combine(Path.GetTempPath(), $"aq-soak-{name}-{Guid.NewGuid():N}.log");
        _log = new StreamWriter(LogPath) { AutoFlush = true };
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        if (managementPort > 0) psi.Environment["Management__Port"] = managementPort.ToString(CultureInfo.InvariantCulture);
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static Node Start(string dll, string name, string role, IReadOnlyDictionary<string, string> env)
    {
        var port = FreePort();
        return new Node(dll, name, ["run", "--role", role, "--urls", $"http://127.0.0.1:{port}"], env, port, FreePort());
    }

    public static async Task<(int, string)> RunToEndAsync(string dll, string[] args, IReadOnlyDictionary<string, string> env)
    {
        using var n = new Node(dll, "verb-" + args[0], args, env, 0, 0);
        await n._process.WaitForExitAsync();
        n._process.WaitForExit();
        return (n._process.ExitCode, await File.ReadAllTextAsync(n.LogPath));
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public async Task WaitReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (HasExited) throw new InvalidOperationException($"{Name} exited with code {ExitCode}; log {LogPath}");
            try
            {
                using var r = await http.GetAsync(new Uri(BaseAddress, "/healthz/ready"));
                if (r.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            if (watch.Elapsed > timeout) throw new TimeoutException($"{Name} not ready after {timeout}; log {LogPath}");
            await Task.Delay(250); // polling a condition: the ready probe
        }
    }

    /// <summary>
    /// Samples the process: its Prometheus scrape on the management port gives the working set (RSS), the GC heap
    /// after the last collection (summed over generations), the GC's committed memory, the thread-pool threads and the
    /// number of series exposed (a label that grows without bound shows there), methods JIT-compiled and timers; /proc
    /// gives OS threads and open handles.
    /// </summary>
    public async Task<Sample> SampleAsync(HttpClient http, double minute)
    {
        var text = await http.GetStringAsync(new Uri(ManagementAddress, "/metrics"));
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var series = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            series++;
            // `name{labels} value [timestamp]`
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var nameEnd = brace >= 0 ? brace : line.IndexOf(' ', StringComparison.Ordinal);
            if (nameEnd <= 0) continue;
            var rest = brace >= 0 ? line[(line.LastIndexOf('}') + 1)..] : line[nameEnd..];
            if (!double.TryParse(rest.Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            var name = line[..nameEnd];
            sums[name] = sums.GetValueOrDefault(name) + value;
        }
        double Metric(string name) => sums.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"{Name}: /metrics has no {name}");
        const double Mb = 1048576.0;
        return new Sample(minute, Name,
            Metric("dotnet_process_memory_working_set_bytes") / Mb,
            Metric("dotnet_gc_last_collection_heap_size_bytes") / Mb,
            Metric("dotnet_gc_last_collection_memory_committed_size_bytes") / Mb,
            (int)Status("Threads:"),
            (int)Metric("dotnet_thread_pool_thread_count_total"),
            Directory.GetFiles($"/proc/{_process.Id}/fd").Length,
            series,
            (long)Metric("dotnet_jit_compiled_methods_total"),
            (int)Metric("dotnet_timer_count"));
    }

    private long Status(string key)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private void Write(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
