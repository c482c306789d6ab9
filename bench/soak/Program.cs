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
// minute requests, errors, p50 and p99, and the least-squares slope of RSS, GC heap, threads and handles per process.
// Usage: dotnet run -c Release --project bench/soak [-- --minutes 10 --workers 8 --subscribers 20 --poll 00:01:00 --backfill-days 3]
// (build src/Silo in the same configuration first). Prints JSON on standard output, progress on standard error.
var minutes = double.Parse(Arg("--minutes") ?? "10", CultureInfo.InvariantCulture);
var workers = int.Parse(Arg("--workers") ?? "8", CultureInfo.InvariantCulture);
var subscribers = int.Parse(Arg("--subscribers") ?? "20", CultureInfo.InvariantCulture);
var poll = Arg("--poll") ?? "00:01:00";
var backfillDays = Arg("--backfill-days") ?? "3";
var sample = TimeSpan.FromSeconds(5);

var root = TestServices.RepositoryRoot;
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
    processes.Add(Node.Start(dll, "web", "web", common));
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

    var samples = new List<(double Minute, string Node, double RssMb, double GcHeapMb, int Threads, int Handles)>();
    var end = TimeSpan.FromMinutes(minutes);
    var nextMinute = 1;
    using (var timer = new PeriodicTimer(sample))
        while (clock.Elapsed < end && await timer.WaitForNextTickAsync())
        {
            foreach (var p in processes)
            {
                if (p.HasExited) throw new InvalidOperationException($"{p.Name} exited with code {p.ExitCode}");
                samples.Add((clock.Elapsed.TotalMinutes, p.Name, p.RssMegabytes(), await p.GcHeapMegabytesAsync(http), p.Threads(), p.Handles()));
            }
            if (clock.Elapsed.TotalMinutes >= nextMinute)
            {
                var m = results.Where(r => r.At >= nextMinute - 1 && r.At < nextMinute).ToList();
                Console.Error.WriteLine($"minute {nextMinute}: {m.Count} requests, {m.Count(r => !r.Ok)} errors, p99 {Percentile(m.Select(r => r.Ms).ToList(), 0.99):0.0} ms");
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
        };
    }).ToList();
    // The first minute is warm-up (JIT, caches filling, tiered compilation): slopes are fitted on the rest.
    var steady = samples.Where(s => s.Minute >= Math.Min(1, minutes / 3)).ToList();
    var trends = processes.ToDictionary(p => p.Name, p =>
    {
        var mine = steady.Where(s => s.Node == p.Name).ToList();
        return new
        {
            rss_mb = Fit(mine.Select(s => (s.Minute, s.RssMb)).ToList()),
            gc_heap_mb = Fit(mine.Select(s => (s.Minute, s.GcHeapMb)).ToList()),
            threads = Fit(mine.Select(s => (s.Minute, (double)s.Threads)).ToList()),
            handles = Fit(mine.Select(s => (s.Minute, (double)s.Handles)).ToList()),
        };
    });
    var report = new
    {
        benchmark = "soak",
        minutes,
        workers,
        subscribers,
        poll_period = poll,
        backfill_days = backfillDays,
        machine = new
        {
            cores = Environment.ProcessorCount,
            load_average = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
            dotnet = Environment.Version.ToString(),
            configuration,
        },
        requests = all.Count,
        errors = all.Count(r => !r.Ok),
        signalr_messages = Interlocked.Read(ref pushes),
        signalr_connections_lost = Interlocked.Read(ref hubErrors),
        per_minute = perMinute,
        slope_per_minute = trends,
        note = "slope: least squares per minute after the first minute; stderr: its standard error; flat: |slope| <= 2 stderr or the fitted change over the run is under 5 % of the mean",
    };
    Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    return report.errors == 0 ? 0 : 4;
}
finally
{
    foreach (var p in processes) p.Dispose();
    await TestServices.DropDatabaseAsync(db);
}

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

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

/// <summary>One process of the silo executable, its output in a log file; killed on dispose.</summary>
sealed class Node : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }

    private Node(string dll, string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> env, int httpPort)
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        LogPath = Path.Combine(Path.GetTempPath(), $"aq-soak-{name}-{Guid.NewGuid():N}.log");
        _log = new StreamWriter(LogPath) { AutoFlush = true };
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
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
        return new Node(dll, name, ["run", "--role", role, "--urls", $"http://127.0.0.1:{port}"], env, port);
    }

    public static async Task<(int, string)> RunToEndAsync(string dll, string[] args, IReadOnlyDictionary<string, string> env)
    {
        using var n = new Node(dll, "verb-" + args[0], args, env, 0);
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

    /// <summary>Resident set size from /proc (the dotnet host process is the silo itself).</summary>
    public double RssMegabytes() => Status("VmRSS:") / 1024.0;

    public int Threads() => (int)Status("Threads:");

    public int Handles() => Directory.GetFiles($"/proc/{_process.Id}/fd").Length;

    /// <summary>The GC heap after the last collection, summed over generations, from the process's Prometheus scrape.</summary>
    public async Task<double> GcHeapMegabytesAsync(HttpClient http)
    {
        var text = await http.GetStringAsync(new Uri(BaseAddress, "/metrics"));
        var bytes = text.Split('\n')
            .Where(l => l.StartsWith("dotnet_gc_last_collection_heap_size_bytes", StringComparison.Ordinal)
                        || l.StartsWith("process_runtime_dotnet_gc_heap_size_bytes", StringComparison.Ordinal))
            // `name{labels} value [timestamp]`
            .Select(l => l[(l.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : l.IndexOf(' '))..].Trim().Split(' ')[0])
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .Sum();
        return bytes / 1048576.0;
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
