using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AirQuality.Bench.Scale;
using static AirQuality.Bench.Scale.ProcessStats;

// Scale and training-interference benchmark of the one-process start (embedded mode).
//   wave:  56 cities; `current` latency at rest, then during a full retraining wave (POST /models/retrain for every
//          city, the jobs followed through GET /models/retrain/{job}), with the server's CPU use per window.
//   scale: a generated catalog of N places (coordinates scattered around the real catalog's cities, written to the
//          temp folder, never committed) polled from a loopback upstream answering as OpenWeather and the CPCB feed
//          (`--upstream simulated`: the simulated source instead): time until every place answers, RSS and GC heap,
//          one full poll cycle (every place polled at once), current / rankings page / compare latency, cities
//          trained per CPU-minute of the server.
// Usage: dotnet run -c Release --project bench/scale -- --silo bench/.out/silo/AirQuality.Silo.dll --mode wave|scale
//        [--cities N] [--window 10] [--connections 8] [--poll-minutes 5] [--upstream loopback|simulated]
//        [--wrk [--wrk-threads 2] [--wrk-connections 64]] [-- extra silo flags]
var argv = args.TakeWhile(a => a != "--").ToArray();
var extra = args.SkipWhile(a => a != "--").Skip(1).ToArray();
var silo = Path.GetFullPath(Text("--silo") ?? "bench/.out/silo/AirQuality.Silo.dll");
var mode = Text("--mode") ?? "wave";
var n = Int("--cities", mode == "spread" ? 5000 : 56);
var window = TimeSpan.FromSeconds(Int("--window", 10));
var connections = Int("--connections", 8);
var port = Int("--port", 18090);
var baseUrl = $"http://127.0.0.1:{port}";
const string Token = "bench-admin-token-0123456789abcdef";
var loadBefore = LoadAverage();

var places = Places(n);
string? catalog = null;
if (n != 56) catalog = WriteCatalog(places);
if (mode == "spread")
{
    // Several silos on PostgreSQL: a catalog of its own (default 5,000 places), simulated source unless flags say otherwise.
    try
    {
        var spread = new Spread(silo, places, catalog, port, Int("--pg-port", port + 342), extra);
        var result = await spread.RunAsync(Int("--silos", 3), connections, TimeSpan.FromMinutes(Int("--observe-minutes", 5)), TimeSpan.FromSeconds(Int("--sample-seconds", 10)));
        Console.WriteLine(JsonSerializer.Serialize(result, Json()));
    }
    finally
    {
        if (catalog is not null) File.Delete(catalog);
    }
    return;
}
var loopback = mode == "scale" && (Text("--upstream") ?? "loopback") == "loopback" ? await LoopbackUpstream.StartAsync(places) : null;
var pollMinutes = Int("--poll-minutes", 5);
// Soak: after the measurements, this many more poll cycles, each (loopback) the next simulated hour.
var cycles = Int("--cycles", 0);
if (loopback is not null) loopback.LagHours = cycles;
var flags = new List<string>
{
    silo, "--urls", baseUrl, "--RateLimiting:Enabled=false", "--Logging:LogLevel:Default=Warning", "--Cities:BackfillDays=14",
    $"--Auth:AdminTokens:0={Token}", $"--Management:Port={port + 1}",
    // Ports of its own: another silo on the machine with the defaults (11111, 30000) must not meet this one.
    $"--Orleans:SiloPort={port + 2}", $"--Orleans:GatewayPort={port + 3}",
};
if (catalog is not null) flags.Add($"--Cities:CatalogPath={catalog}");
if (loopback is not null)
{
    // Both sources keyed and pointed at the loopback, OpenWeather without its free plan's 50 calls a minute (5,000
    // places could not be polled hourly under it); every place polls at the same moment of each period (no offset,
    // no spread), so one poll cycle is one burst that can be timed.
    var url = loopback.BaseUrl.ToString();
    flags.AddRange([$"--Sources:OpenWeather:BaseUrl={url}", "--Sources:OpenWeather:ApiKey=bench", "--Sources:OpenWeather:CallsPerMinute=0", $"--Sources:Cpcb:BaseUrl={url}",
        "--Sources:Cpcb:ApiKey=bench", "--Sources:Cpcb:Values=Concentration", "--Sources:IqAir:Enabled=false",
        // Keys given as settings, not as CPCB_API_KEY / OPENWEATHER_API_KEY, leave the simulator on by default: off here.
        "--Sources:Simulated:Enabled=false",
        $"--Cities:PollPeriod={TimeSpan.FromMinutes(pollMinutes):c}", "--Cities:PollOffset=00:00:00", "--Cities:PollSpread=00:00:00"]);
    // A soak's cycle stands for an hour: the feed is downloaded again each cycle, as it is each hour by default
    // (RefreshAfter 30 min), instead of once per 30 cycles.
    if (cycles > 0) flags.Add($"--Sources:Cpcb:RefreshAfter={TimeSpan.FromMinutes(pollMinutes) / 2:c}");
}
flags.AddRange(extra);
var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(silo)! };
foreach (var f in flags) psi.ArgumentList.Add(f);
using var server = Process.Start(psi)!;
// The silo's own output goes to a file in the temp folder (why it stopped, should it stop).
var siloLog = new StreamWriter(Path.Combine(Path.GetTempPath(), $"aq-scale-silo-{n}.log")) { AutoFlush = true };
server.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (siloLog) siloLog.WriteLine(line); };
server.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (siloLog) siloLog.WriteLine(line); };
server.BeginOutputReadLine();
server.BeginErrorReadLine();
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
var admin = new AuthenticationHeaderValue("Bearer", Token);
var started = Stopwatch.StartNew();
try
{
    var names = await WaitReadyAsync();
    var readySeconds = started.Elapsed.TotalSeconds;
    Console.Error.WriteLine($"{names.Count} places answer after {readySeconds:0.0} s");
    object report = mode == "scale" ? await ScaleAsync(names, readySeconds) : await WaveAsync(names);
    Console.WriteLine(JsonSerializer.Serialize(report, Json()));
}
finally
{
    if (!server.HasExited) server.Kill(entireProcessTree: true);
    if (catalog is not null) File.Delete(catalog);
    if (loopback is not null) await loopback.DisposeAsync();
}

async Task<object> WaveAsync(List<string> names)
{
    // The cold start's training of every city is the wave: one job per city, ids 1..N (the embedded queue numbers
    // them from 1), followed through GET /models/retrain/{job}; then the same load at rest.
    var jobs = Enumerable.Range(1, names.Count).Select(i => (long)i).ToList();
    await LoadAsync(names, window); // warm-up (JIT, caches), not counted
    var wave = Stopwatch.StartNew();
    var during = new List<Window>();
    while (await UnfinishedAsync(jobs) is var left && left > 0 && wave.Elapsed < TimeSpan.FromMinutes(Int("--wave-minutes", 40)))
    {
        var w = await LoadAsync(names, window);
        during.Add(w with { JobsLeft = left });
        Console.Error.WriteLine($"wave: {left} job(s) left, p99 {w.P99Ms} ms, server CPU {w.ServerCpuPercent} %");
    }
    var waveSeconds = wave.Elapsed.TotalSeconds;
    var finished = await UnfinishedAsync(jobs) == 0;
    var rest = new List<Window>();
    for (var i = 0; i < 3; i++) rest.Add(await LoadAsync(names, window));
    Console.Error.WriteLine($"at rest: p99 {string.Join(", ", rest.Select(r => r.P99Ms))} ms");
    var restP99 = Median(rest.Select(r => r.P99Ms));
    var waveP99 = during.Count == 0 ? double.NaN : Median(during.Select(r => r.P99Ms));
    return new
    {
        Benchmark = "current_p99_during_training_wave",
        Machine = Machine(),
        LoadAverageBefore = loadBefore,
        LoadAverageAfter = LoadAverage(),
        SiloFlags = extra,
        RuntimeEnvironment = RuntimeEnvironment(),
        Cities = names.Count,
        Connections = connections,
        WindowSeconds = window.TotalSeconds,
        Jobs = jobs.Count,
        WaveFinished = finished,
        WaveSeconds = Math.Round(waveSeconds, 1),
        RestP99MsMedian = restP99,
        WaveP99MsMedian = waveP99,
        WaveP99MsMax = during.Count == 0 ? double.NaN : during.Max(w => w.P99Ms),
        Ratio = Math.Round(waveP99 / restP99, 2),
        Wave = during,
        Rest = rest,
    };
}

async Task<object> ScaleAsync(List<string> names, double readySeconds)
{
    var pid = server.Id;
    var readyAt = DateTime.UtcNow;
    var rssReady = RssMegabytes(pid);
    var gcReady = await GcHeapMegabytesAsync();
    var cycle = loopback is null ? null : await PollCycleAsync(readyAt);
    Console.Error.WriteLine($"poll cycle: {cycle}");
    var pages = Math.Max(1, (names.Count + 99) / 100);
    var random = new Random(7);
    await LoadAsync(names, window); // warm-up
    var current = await LoadAsync(names, window);
    var rankings = await LoadAsync(names, window, () => $"/api/v1/cities/rankings?limit=100&page={random.Next(1, pages + 1)}");
    var compare = await LoadAsync(names, window, () =>
        "/api/v1/cities/compare?cities=" + string.Join(",", Enumerable.Range(0, 5).Select(_ => Uri.EscapeDataString(names[random.Next(names.Count)]))));
    Console.Error.WriteLine($"current p99 {current.P99Ms} ms, rankings page p99 {rankings.P99Ms} ms, compare p99 {compare.P99Ms} ms");
    // The targets' own load (`wrk -t2 -c64`, `--wrk`) right after activation, while the cold start's training runs.
    var wrk = argv.Contains("--wrk") ? await WrkAsync(names) : null;
    // Training throughput: cities whose cold-start training finished, per CPU-minute of the server, over a while.
    var (trained0, cpu0) = (await TrainedAsync(), CpuSeconds(pid));
    var measure = Stopwatch.StartNew();
    var trainedNow = trained0;
    while (measure.Elapsed < TimeSpan.FromMinutes(Int("--train-minutes", 3)) && trainedNow < names.Count)
    {
        await Task.Delay(TimeSpan.FromSeconds(15));
        trainedNow = await TrainedAsync();
    }
    var cpu = CpuSeconds(pid) - cpu0;
    // And again once every place is trained (when the training window was long enough): serving at rest.
    var wrkTrained = argv.Contains("--wrk") && trainedNow >= names.Count ? await WrkAsync(names) : null;
    var (rssBeforeSoak, gcBeforeSoak) = (RssMegabytes(pid), await GcHeapMegabytesAsync());
    var soak = cycles > 0 ? await SoakAsync(names) : null;
    return new
    {
        Benchmark = cycles > 0 ? "scale_one_silo_soak" : "scale_one_silo",
        Machine = Machine(),
        LoadAverageBefore = loadBefore,
        LoadAverageAfter = LoadAverage(),
        SiloFlags = extra,
        RuntimeEnvironment = RuntimeEnvironment(),
        Upstream = loopback is null ? "simulated" : "loopback OpenWeather + CPCB",
        Places = names.Count,
        Connections = connections,
        SecondsUntilAllAnswer = Math.Round(readySeconds, 1),
        RssMbAfterActivation = rssReady,
        GcHeapMbAfterActivation = gcReady,
        PollCycle = cycle,
        RssMbAtEnd = RssMegabytes(pid),
        GcHeapMbAtEnd = await GcHeapMegabytesAsync(),
        Current = current,
        RankingsPage100 = rankings,
        Compare5 = compare,
        Wrk = wrk,
        WrkAfterTraining = wrkTrained,
        TrainedBeforeWindow = trained0,
        TrainingWindowSeconds = Math.Round(measure.Elapsed.TotalSeconds, 1),
        CitiesTrainedInWindow = trainedNow - trained0,
        ServerCpuSecondsInWindow = Math.Round(cpu, 1),
        CitiesTrainedPerCpuMinute = cpu > 0 ? Math.Round((trainedNow - trained0) / (cpu / 60), 2) : double.NaN,
        RssMbBeforeSoak = rssBeforeSoak,
        GcHeapMbBeforeSoak = gcBeforeSoak,
        Soak = soak,
    };
}

// K more poll cycles. With the loopback upstream each is the next simulated hour (its clock starts K hours back and
// steps forward after each cycle), so every place's window and history take one new hourly record per cycle; with
// the simulated source they are K cycles in real time. RSS and GC heap after each cycle; growth per cycle is the
// least-squares slope over the cycles.
async Task<object> SoakAsync(List<string> names)
{
    var pid = server.Id;
    var rows = new List<SoakCycle>();
    var soak = Stopwatch.StartNew();
    var probe = names[0];
    var pauses0 = await MetricSumAsync("dotnet_gc_pause_time_seconds_total");
    // Beside the cycles, all through the soak: RSS every second (the peak between two cycle samples) and a paced
    // probe, one `current` of a random place every 20 ms, so the cost of collections to serving shows per cycle.
    using var stop = new CancellationTokenSource();
    var gate = new Lock();
    var peakRss = 0.0;
    var probeLatencies = new List<double>();
    var probeErrors = 0;
    var sampler = EveryAsync(TimeSpan.FromSeconds(1), stop.Token, () =>
    {
        var rss = RssMegabytes(pid);
        lock (gate) peakRss = Math.Max(peakRss, rss);
        return Task.CompletedTask;
    });
    var random = new Random(20261207);
    var prober = EveryAsync(TimeSpan.FromMilliseconds(20), stop.Token, async () =>
    {
        var t0 = Stopwatch.GetTimestamp();
        try
        {
            using var answer = await http.GetAsync($"/api/v1/aqi/current/{Uri.EscapeDataString(names[random.Next(names.Count)])}");
            var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            lock (gate)
            {
                probeLatencies.Add(ms);
                if (!answer.IsSuccessStatusCode) probeErrors++;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            lock (gate) probeErrors++;
        }
    });
    var allProbes = new List<double>();
    for (var k = 1; k <= cycles; k++)
    {
        if (loopback is not null) loopback.LagHours = cycles - k;
        var at = DateTime.UtcNow;
        double seconds, polled;
        if (loopback is not null)
        {
            var burst = await PollCycleAsync(at);
            (seconds, polled) = (burst.Seconds, burst.PlacesPolled);
        }
        else
        {
            await Task.Delay(TimeSpan.FromMinutes(pollMinutes));
            (seconds, polled) = (double.NaN, double.NaN);
        }
        // Some seconds for the grains to merge and write what the burst brought.
        await Task.Delay(TimeSpan.FromSeconds(5));
        string? latest = null;
        try
        {
            latest = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/aqi/current/{Uri.EscapeDataString(probe)}")).GetProperty("timestamp").GetString();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
        }
        double[] cycleProbes;
        double cyclePeak;
        int cycleErrors;
        lock (gate)
        {
            cycleProbes = probeLatencies.Order().ToArray();
            (cyclePeak, cycleErrors) = (peakRss, probeErrors);
            probeLatencies.Clear();
            (peakRss, probeErrors) = (0, 0);
        }
        allProbes.AddRange(cycleProbes);
        var rssNow = RssMegabytes(pid);
        var row = new SoakCycle(k, Math.Round(soak.Elapsed.TotalSeconds, 0), loopback?.LagHours, latest, (int)polled, seconds,
            rssNow, await GcHeapMegabytesAsync(), Math.Round(CpuSeconds(pid), 0), LoadAverage(),
            Math.Round(Math.Max(cyclePeak, rssNow), 1), cycleProbes.Length, Percentile(cycleProbes, 0.99),
            cycleProbes.Length == 0 ? double.NaN : Math.Round(cycleProbes[^1], 1), cycleErrors);
        rows.Add(row);
        Console.Error.WriteLine($"soak cycle {k}/{cycles}: {row.PlacesPolled} polled in {row.PollSeconds} s, {probe} at {latest}, RSS {row.RssMb} MB (peak {row.PeakRssMb}), GC heap {row.GcHeapMb} MB, probe p99 {row.ProbeP99Ms} / max {row.ProbeMaxMs} ms, load {row.LoadAverage}");
    }
    await stop.CancelAsync();
    await Task.WhenAll(sampler, prober);
    var pauses1 = await MetricSumAsync("dotnet_gc_pause_time_seconds_total");
    var probes = allProbes.Order().ToArray();
    return new
    {
        Cycles = cycles,
        SimulatedHours = loopback is not null,
        Seconds = Math.Round(soak.Elapsed.TotalSeconds, 0),
        RssMbPerCycle = Slope(rows.Select(r => (double)r.Cycle).ToList(), rows.Select(r => r.RssMb).ToList()),
        GcHeapMbPerCycle = Slope(rows.Where(r => r.GcHeapMb is not null).Select(r => (double)r.Cycle).ToList(),
            rows.Where(r => r.GcHeapMb is not null).Select(r => r.GcHeapMb!.Value).ToList()),
        PeakRssMb = rows.Max(r => r.PeakRssMb),
        Probe = new { Requests = probes.Length, P50Ms = Percentile(probes, 0.5), P99Ms = Percentile(probes, 0.99), P999Ms = Percentile(probes, 0.999),
            MaxMs = probes.Length == 0 ? double.NaN : Math.Round(probes[^1], 1), Errors = rows.Sum(r => r.ProbeErrors) },
        GcPauseSeconds = pauses1 is { } p1 && pauses0 is { } p0 ? Math.Round(p1 - p0, 2) : (double?)null,
        PerCycle = rows,
    };
}

// The targets' own load (`wrk -t2 -c64`): current and a rankings page at rest (after a burst, with the loopback
// upstream), then each through one whole poll period, which holds one burst of every place polling (the upstream's
// requests meanwhile say so).
async Task<object> WrkAsync(List<string> names)
{
    var pid = server.Id;
    if (!Wrk.Installed()) throw new InvalidOperationException("--wrk: wrk is not installed (apt-get install -y wrk)");
    var (threads, conns) = (Int("--wrk-threads", 2), Int("--wrk-connections", 64));
    // At rest: right after a burst has completed (with the loopback upstream), so the next is a poll period away.
    if (loopback is not null) await PollCycleAsync(DateTime.UtcNow);
    var wrkCurrent = await WithGcAsync(() => Wrk.CurrentAsync(baseUrl, names, threads, conns, window));
    var wrkRankings = await WithGcAsync(() => Wrk.RankingsAsync(baseUrl, names, threads, conns, window));
    Console.Error.WriteLine($"wrk -t{threads} -c{conns}: current p99 {wrkCurrent.Wrk.P99Ms} ms ({wrkCurrent.Wrk.Rps} req/s, GC pauses {wrkCurrent.GcPauseSeconds} s), rankings page p99 {wrkRankings.Wrk.P99Ms} ms ({wrkRankings.Wrk.Rps} req/s, GC pauses {wrkRankings.GcPauseSeconds} s)");
    object? through = null;
    if (loopback is not null)
    {
        var polls0 = loopback.CurrentRequests.Count;
        var cpuBefore = CpuSeconds(pid);
        var w = await WithGcAsync(() => Wrk.CurrentAsync(baseUrl, names, threads, conns, TimeSpan.FromMinutes(pollMinutes)));
        var polls1 = loopback.CurrentRequests.Count;
        var r = await WithGcAsync(() => Wrk.RankingsAsync(baseUrl, names, threads, conns, TimeSpan.FromMinutes(pollMinutes)));
        through = new
        {
            Current = w, UpstreamCurrentRequests = polls1 - polls0,
            RankingsPage100 = r, UpstreamCurrentRequestsDuringRankings = loopback.CurrentRequests.Count - polls1,
            ServerCpuSeconds = Math.Round(CpuSeconds(pid) - cpuBefore, 1),
        };
        Console.Error.WriteLine($"wrk through a poll period: current p99 {w.Wrk.P99Ms} ms, max {w.Wrk.MaxMs} ms ({w.Wrk.Rps} req/s, GC pauses {w.GcPauseSeconds} s, {w.Gen2Collections} gen2), {polls1 - polls0} upstream polls meanwhile; rankings page p99 {r.Wrk.P99Ms} ms, max {r.Wrk.MaxMs} ms ({r.Wrk.Rps} req/s, GC pauses {r.GcPauseSeconds} s), {loopback.CurrentRequests.Count - polls1} polls");
    }
    return new { Current = wrkCurrent, RankingsPage100 = wrkRankings, ThroughPollPeriod = through, RssMb = RssMegabytes(pid), GcHeapMb = await GcHeapMegabytesAsync() };
}

// A wrk run with the silo's GC pause seconds and gen2 collections meanwhile (read from its /metrics, past the
// exporter's response cache).
async Task<WrkWithGc> WithGcAsync(Func<Task<WrkResult>> run)
{
    async Task<(double? Pauses, double? Gen2)> Gc()
    {
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        return (await MetricSumAsync("dotnet_gc_pause_time_seconds_total"), await MetricSumAsync("dotnet_gc_collections_total", "gc_heap_generation=\"gen2\""));
    }
    var before = await Gc();
    var result = await run();
    var after = await Gc();
    return new WrkWithGc(result, after.Pauses - before.Pauses is { } p ? Math.Round(p, 2) : null, after.Gen2 - before.Gen2 is { } g ? (int)g : null);
}

// Runs `tick` every `period` (one at a time) until `stop`.
static async Task EveryAsync(TimeSpan period, CancellationToken stop, Func<Task> tick)
{
    using var timer = new PeriodicTimer(period);
    try
    {
        while (await timer.WaitForNextTickAsync(stop)) await tick();
    }
    catch (OperationCanceledException)
    {
    }
}

static double Slope(List<double> x, List<double> y)
{
    if (x.Count < 2) return double.NaN;
    var (mx, my) = (x.Average(), y.Average());
    var den = x.Sum(v => (v - mx) * (v - mx));
    return den == 0 ? double.NaN : Math.Round(x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my)) / den, 2);
}

// One poll cycle: the first burst of current-air requests after every place answered, timed from its first request
// to the request that completes the set of places, with the server's CPU meanwhile.
async Task<PollBurst> PollCycleAsync(DateTime after)
{
    var expected = places.Select(p => $"{p.Lat:0.####},{p.Lon:0.####}").Distinct().Count();
    var seen = new HashSet<string>();
    DateTime? first = null, last = null;
    var cpu0 = CpuSeconds(server.Id);
    var skipped = loopback!.CurrentRequests.Count;
    var deadline = Stopwatch.StartNew();
    var limit = TimeSpan.FromMinutes(pollMinutes * 2 + 10);
    var index = 0;
    while (seen.Count < expected && deadline.Elapsed < limit)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        foreach (var (at, coordinates) in loopback.CurrentRequests.Skip(skipped + index).ToList())
        {
            index++;
            if (at < after) continue;
            first ??= at;
            if (seen.Add(coordinates)) last = at;
        }
    }
    var cpu = CpuSeconds(server.Id) - cpu0;
    return new PollBurst(seen.Count, expected, first is null || last is null ? double.NaN : Math.Round((last.Value - first.Value).TotalSeconds, 1),
        Math.Round(cpu, 1), Math.Round(deadline.Elapsed.TotalSeconds, 1), loopback.FeedPages, loopback.HistoryRequests, loopback.ForecastRequests);
}

async Task<List<string>> WaitReadyAsync()
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromMinutes(30))
    {
        if (server.HasExited) throw new InvalidOperationException($"the silo exited with code {server.ExitCode}");
        try
        {
            var ranked = (await http.GetFromJsonAsync<JsonElement>("/api/v1/cities/rankings?limit=1")).GetProperty("meta").GetProperty("found").GetInt32();
            var catalogued = (await http.GetFromJsonAsync<JsonElement>("/api/v1/cities/?limit=1")).GetProperty("meta").GetProperty("found").GetInt32();
            if (ranked >= catalogued && catalogued == places.Count) return places.Select(p => p.Name).ToList();
            if (deadline.Elapsed.TotalSeconds % 30 < 2) Console.Error.WriteLine($"{ranked} of {catalogued} places answer");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
    }
    throw new TimeoutException("the places did not all answer within 30 minutes");
}

async Task<int> TrainedAsync()
{
    // The list is paged by city.
    const int PageSize = 500;   // the endpoint's maximum
    var trained = new HashSet<string>();
    for (var page = 1; ; page++)
    {
        var list = await http.GetFromJsonAsync<JsonElement>($"/api/v1/models/list?limit={PageSize}&page={page}");
        foreach (var m in list.GetProperty("models").EnumerateArray())
            if (m.GetProperty("last_trained_at").ValueKind != JsonValueKind.Null) trained.Add(m.GetProperty("city_id").GetString()!);
        if (page * PageSize >= list.GetProperty("meta").GetProperty("found").GetInt32()) return trained.Count;
    }
}

async Task<int> UnfinishedAsync(List<long> jobs)
{
    var left = 0;
    foreach (var id in jobs)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/models/retrain/{id}") { Headers = { Authorization = admin } };
        using var answer = await http.SendAsync(request);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("state").GetString() is not ("done" or "failed")) left++;
    }
    return left;
}

// Closed loop: `connections` clients, each asking the next place's current AQI as soon as its last answer came.
async Task<Window> LoadAsync(List<string> names, TimeSpan duration, Func<string>? path = null)
{
    var latencies = new List<double>[connections];
    var errors = 0;
    var cpu0 = CpuSeconds(server.Id);
    var wall = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
    {
        var mine = latencies[c] = new List<double>(100_000);
        var i = c * 7919;
        while (wall.Elapsed < duration)
        {
            var url = path?.Invoke() ?? $"/api/v1/aqi/current/{Uri.EscapeDataString(names[i++ % names.Count])}";
            var t = Stopwatch.GetTimestamp();
            using var answer = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead);
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (!answer.IsSuccessStatusCode) Interlocked.Increment(ref errors);
        }
    }));
    var all = latencies.SelectMany(l => l).Order().ToArray();
    var cpu = CpuSeconds(server.Id) - cpu0;
    return new Window(all.Length, Math.Round(all.Length / wall.Elapsed.TotalSeconds, 1), Percentile(all, 0.5), Percentile(all, 0.99), errors,
        Math.Round(100 * cpu / wall.Elapsed.TotalSeconds, 0), 0);
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 2);

static double Median(IEnumerable<double> values)
{
    var v = values.Order().ToArray();
    return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : Math.Round((v[v.Length / 2 - 1] + v[v.Length / 2]) / 2, 2);
}

// The runtime's own meter: heap size after the last collection, summed over the generations.
async Task<double?> GcHeapMegabytesAsync() =>
    await MetricSumAsync("dotnet_gc_last_collection_heap_size") is { } bytes ? Math.Round(bytes / 1048576, 1) : null;

// The sum of the silo's /metrics series whose lines start with `prefix` (and hold `having`); null when none or unreachable.
async Task<double?> MetricSumAsync(string prefix, string? having = null)
{
    try
    {
        var text = await http.GetStringAsync($"http://127.0.0.1:{port + 1}/metrics");
        var values = text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && (having is null || l.Contains(having, StringComparison.Ordinal)))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        return values.Count == 0 ? null : values.Sum();
    }
    catch (HttpRequestException)
    {
        return null;
    }
}

static List<Place> Places(int count)
{
    // The catalog's cities first, then places scattered (deterministically) within about 60 km of them, in their states.
    var source = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "cities.csv")).Skip(1)
        .Select(l => l.Split(',')).Select(f => new Place(f[0], f[1], double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture))).ToList();
    var random = new Random(20261202);
    var list = new List<Place>(count);
    for (var i = 0; i < count; i++)
    {
        var c = source[i % source.Count];
        list.Add(i < source.Count ? c : new Place($"{c.Name} Station {i / source.Count:0000}", c.State,
            Math.Round(c.Lat + (random.NextDouble() - 0.5) * 1.1, 4), Math.Round(c.Lon + (random.NextDouble() - 0.5) * 1.1, 4)));
    }
    return list;
}

static string WriteCatalog(List<Place> places)
{
    var csv = new StringBuilder("name,state,lat,lon\n");
    foreach (var p in places) csv.Append(CultureInfo.InvariantCulture, $"{p.Name},{p.State},{p.Lat:0.0000},{p.Lon:0.0000}\n");
    var path = Path.Combine(Path.GetTempPath(), $"aq-scale-catalog-{places.Count}.csv");
    File.WriteAllText(path, csv.ToString());
    return path;
}

static JsonSerializerOptions Json() => new()
{
    WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
};

string? Text(string name) => argv.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int Int(string name, int fallback) => Text(name) is { } v && int.TryParse(v, CultureInfo.InvariantCulture, out var x) ? x : fallback;

internal sealed record WrkWithGc(WrkResult Wrk, double? GcPauseSeconds, int? Gen2Collections);

internal sealed record PollBurst(int PlacesPolled, int PlacesExpected, double Seconds, double ServerCpuSecondsWhileWaiting, double WaitedSeconds,
    long FeedPages, long HistoryRequests, long ForecastRequests);

internal sealed record SoakCycle(int Cycle, double AtSeconds, int? LagHours, string? ProbeLatestHour, int PlacesPolled, double PollSeconds,
    double RssMb, double? GcHeapMb, double ServerCpuSeconds, string LoadAverage, double PeakRssMb, int Probes, double ProbeP99Ms,
    double ProbeMaxMs, int ProbeErrors);

internal sealed record Window(int Requests, double Rps, double P50Ms, double P99Ms, int Errors, double ServerCpuPercent, int JobsLeft);
