using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using static AirQuality.Bench.Scale.ProcessStats;

namespace AirQuality.Bench.Scale;

/// <summary>
/// `--mode spread`: a throwaway PostgreSQL 15 cluster on a loopback port, the schema applied by the silo's `migrate`
/// verb, then S silos in cluster mode (`--role all`, each its own ports) started together on a generated catalog of N
/// places. Once every place answers: city activations per silo (the silos' own `/metrics`:
/// `orleans_catalog_activations` and `orleans_catalog_activation_created_total` for `grain_type="city"`) and their
/// deviation from even. Then one more silo joins while clients ask `current` of random places through the first silo's
/// API, and every few seconds for a few minutes: activations per silo, city activations created since the join
/// (moves and re-activations: the thundering-herd check) and failed requests.
/// </summary>
internal sealed class Spread(string silo, IReadOnlyList<Place> places, string? catalog, int basePort, int pgPort, string[] extra)
{
    private const string Token = "bench-admin-token-0123456789abcdef";
    private readonly List<SiloProcess> _silos = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
    private string Connection => $"Host=127.0.0.1;Port={pgPort};Username=postgres;Database=aqspread;Maximum Pool Size=40";
    private string PgDir => Path.Combine(Path.GetTempPath(), $"aq-spread-pg-{pgPort}");

    public async Task<object> RunAsync(int silos, int connections, TimeSpan observe, TimeSpan sample)
    {
        var loadBefore = LoadAverage();
        await StartPostgresAsync();
        try
        {
            var migrate = await RunToEndAsync(["migrate"]);
            if (migrate != 0) throw new InvalidOperationException($"migrate exited with {migrate}");
            var started = Stopwatch.StartNew();
            for (var i = 0; i < silos; i++) StartSilo(i);
            var activation = new List<object>();
            await WaitAllAnswerAsync(started, activation);
            var readySeconds = Math.Round(started.Elapsed.TotalSeconds, 1);
            // A minute more: activations that were still moving settle, then the even-spread figure.
            await Task.Delay(TimeSpan.FromSeconds(60));
            var before = await SnapshotAsync();
            var spread = Deviation(before.Select(s => s.Cities).ToList());
            Console.Error.WriteLine($"{silos} silos: cities {string.Join(" / ", before.Select(s => s.Cities))}, deviation {JsonSerializer.Serialize(spread)}");

            // The join, under load.
            var load = new Load(_http, _silos[0].BaseUrl, places.Select(p => p.Name).ToList(), connections);
            var loadTask = load.RunAsync();
            await Task.Delay(TimeSpan.FromSeconds(20));
            var loadBeforeJoin = load.TakeWindow();
            var join = Stopwatch.StartNew();
            StartSilo(silos);
            var timeline = new List<object>();
            var createdAtJoin = before.Sum(s => s.CitiesCreated);
            while (join.Elapsed < observe)
            {
                await Task.Delay(sample);
                var now = await SnapshotAsync();
                var w = load.TakeWindow();
                var created = now.Sum(s => s.CitiesCreated) - createdAtJoin;
                timeline.Add(new
                {
                    AtSeconds = Math.Round(join.Elapsed.TotalSeconds, 0),
                    Cities = now.Select(s => s.Cities).ToList(),
                    CitiesCreatedSinceJoin = created,
                    Window = w,
                    LoadAverage = LoadAverage(),
                });
                Console.Error.WriteLine($"+{join.Elapsed.TotalSeconds:0} s: cities {string.Join(" / ", now.Select(s => s.Cities))}, created since join {created}, current p99 {w.P99Ms} ms, {w.Errors} errors of {w.Requests}");
            }
            load.Stop();
            await loadTask;
            var after = await SnapshotAsync();
            var moved = after.Sum(s => s.CitiesCreated) - createdAtJoin;
            return new
            {
                Benchmark = "spread_over_silos",
                Machine = Machine(),
                LoadAverageBefore = loadBefore,
                LoadAverageAfter = LoadAverage(),
                SiloFlags = extra,
                Places = places.Count,
                Silos = silos,
                SecondsUntilAllAnswer = readySeconds,
                Activation = activation,
                BeforeJoin = before,
                SpreadBeforeJoin = spread,
                CurrentBeforeJoin = loadBeforeJoin,
                JoinObservedSeconds = Math.Round(observe.TotalSeconds, 0),
                Timeline = timeline,
                AfterJoin = after,
                SpreadAfterJoin = Deviation(after.Select(s => s.Cities).ToList()),
                // Every city activation created anywhere after the join: a move is one deactivation and one creation.
                CityActivationsCreatedSinceJoin = moved,
                CityActivationsCreatedSinceJoinPercentOfPlaces = Math.Round(100.0 * moved / places.Count, 1),
                CurrentRequestsDuringJoin = load.Total,
                CurrentErrorsDuringJoin = load.TotalErrors,
            };
        }
        finally
        {
            foreach (var s in _silos)
                if (!s.Process.HasExited) s.Process.Kill(entireProcessTree: true);
            foreach (var s in _silos) s.Log.Dispose();
            await StopPostgresAsync();
        }
    }

    /// <summary>Max and min city activations per silo against the even share, in percent.</summary>
    private static object Deviation(List<double> cities)
    {
        var mean = cities.Average();
        return new
        {
            Even = Math.Round(mean, 1),
            MaxAbovePercent = Math.Round(100 * (cities.Max() / mean - 1), 1),
            MinBelowPercent = Math.Round(100 * (1 - cities.Min() / mean), 1),
        };
    }

    private async Task WaitAllAnswerAsync(Stopwatch started, List<object> activation)
    {
        while (started.Elapsed < TimeSpan.FromMinutes(45))
        {
            foreach (var s in _silos)
                if (s.Process.HasExited) throw new InvalidOperationException($"silo {s.Index} exited with code {s.Process.ExitCode} (log {s.LogPath})");
            try
            {
                var ranked = (await _http.GetFromJsonAsync<JsonElement>(_silos[0].BaseUrl + "/api/v1/cities/rankings?limit=1")).GetProperty("meta").GetProperty("found").GetInt32();
                var snapshot = await SnapshotAsync();
                activation.Add(new { AtSeconds = Math.Round(started.Elapsed.TotalSeconds, 0), Answering = ranked, Cities = snapshot.Select(s => s.Cities).ToList(), RssMb = snapshot.Select(s => s.RssMb).ToList(), LoadAverage = LoadAverage() });
                Console.Error.WriteLine($"{started.Elapsed.TotalSeconds:0} s: {ranked} of {places.Count} answer; cities per silo {string.Join(" / ", snapshot.Select(s => s.Cities))}; RSS {string.Join(" / ", snapshot.Select(s => s.RssMb))} MB");
                if (ranked >= places.Count) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
            await Task.Delay(TimeSpan.FromSeconds(20));
        }
        throw new TimeoutException("the places did not all answer within 45 minutes");
    }

    private async Task<List<SiloSnapshot>> SnapshotAsync()
    {
        var list = new List<SiloSnapshot>();
        foreach (var s in _silos)
        {
            string text;
            try
            {
                text = await _http.GetStringAsync($"http://127.0.0.1:{s.ManagementPort}/metrics");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                text = "";
            }
            list.Add(new SiloSnapshot(s.Index,
                Metric(text, "orleans_catalog_activations", "grain_type=\"city\"") ?? 0,
                Metric(text, "orleans_catalog_activation_created_total", "grain_type=\"city\"") ?? 0,
                Metric(text, "orleans_catalog_activations", "grain_type=\"cityforecast\"") ?? 0,
                Metric(text, "orleans_catalog_activations") ?? 0,
                s.Process.HasExited ? 0 : RssMegabytes(s.Process.Id),
                Metric(text, "dotnet_gc_last_collection_heap_size") is { } gc ? Math.Round(gc / 1048576, 1) : null));
        }
        return list;
    }

    private void StartSilo(int index)
    {
        var port = basePort + 10 * index;
        var psi = Psi(["run", "--role", "all", "--urls", $"http://127.0.0.1:{port}"]);
        psi.Environment["POD_NAME"] = $"spread-{index + 1}";
        psi.Environment["Orleans__SiloPort"] = (port + 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["Orleans__GatewayPort"] = (port + 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["Management__Port"] = (port + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(psi)!;
        var logPath = Path.Combine(Path.GetTempPath(), $"aq-spread-silo-{index + 1}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (log) log.WriteLine(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (log) log.WriteLine(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _silos.Add(new SiloProcess(index + 1, process, $"http://127.0.0.1:{port}", port + 1, log, logPath));
    }

    private ProcessStartInfo Psi(string[] verb, bool settings = true)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(silo)! };
        psi.ArgumentList.Add(silo);
        foreach (var a in verb) psi.ArgumentList.Add(a);
        // Defaults that fit several silos on two cores (later flags, the bench's own after `--`, override them): a short
        // backfill, one forecast target with the linear family only, no global model.
        foreach (var f in new[]
        {
            "--RateLimiting:Enabled=false", "--Logging:LogLevel:Default=Warning", $"--Auth:AdminTokens:0={Token}", "--Cities:BackfillDays=3",
            "--Forecasting:Targets=pm25", "--Forecasting:LstmEnabled=false", "--Forecasting:PerCityFamilies=linear", "--Forecasting:Global:Enabled=false",
        }.Concat(extra).Where(_ => settings))
            psi.ArgumentList.Add(f);
        if (catalog is not null && settings) psi.ArgumentList.Add($"--Cities:CatalogPath={catalog}");
        psi.Environment["ConnectionStrings__Postgres"] = Connection;
        psi.Environment["POD_IP"] = "127.0.0.1";
        psi.Environment["ORLEANS_CLUSTER_ID"] = "aq-spread";
        return psi;
    }

    private async Task<int> RunToEndAsync(string[] verb)
    {
        var psi = Psi(verb, settings: false);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) Console.Error.WriteLine(await output + await error);
        return p.ExitCode;
    }

    // PostgreSQL as the tests start it (scripts/test-services.sh): trust auth, loopback only, no fsync.
    private async Task StartPostgresAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().Last();
        if (Directory.Exists(PgDir)) Directory.Delete(PgDir, recursive: true);
        Directory.CreateDirectory(PgDir);
        var root = Environment.UserName == "root";
        if (root) await ShAsync($"chown postgres:postgres '{PgDir}'", false);
        await ShAsync($"'{bin}/initdb' -D '{PgDir}/pg' -A trust -U postgres -E UTF8 --no-locale > /dev/null", root);
        await ShAsync($"'{bin}/pg_ctl' -D '{PgDir}/pg' -l '{PgDir}/pg.log' -w -t 60 -o \"-p {pgPort} -k '{PgDir}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start > /dev/null", root);
        _pgBin = bin;
    }

    private string? _pgBin;

    private async Task StopPostgresAsync()
    {
        if (_pgBin is null) return;
        await ShAsync($"'{_pgBin}/pg_ctl' -D '{PgDir}/pg' -m fast stop > /dev/null", Environment.UserName == "root");
        Directory.Delete(PgDir, recursive: true);
    }

    private static async Task ShAsync(string command, bool asPostgres)
    {
        var psi = asPostgres ? new ProcessStartInfo("su", ["postgres", "-s", "/bin/bash", "-c", command]) : new ProcessStartInfo("bash", ["-c", command]);
        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"`{command}` exited with {p.ExitCode}");
    }

    private sealed record SiloProcess(int Index, Process Process, string BaseUrl, int ManagementPort, StreamWriter Log, string LogPath);
}

/// <summary>One silo's figures at a moment: city activations now and created so far, forecast activations, all activations, RSS, GC heap.</summary>
internal sealed record SiloSnapshot(int Silo, double Cities, double CitiesCreated, double CityForecasts, double Activations, double RssMb, double? GcHeapMb);

/// <summary>A closed loop of clients asking `current` of random places, read in windows (latency and errors since the last window).</summary>
internal sealed class Load(HttpClient http, string baseUrl, List<string> names, int connections)
{
    private readonly Lock _gate = new();
    private List<double> _latencies = [];
    private int _errors;
    private volatile bool _stop;
    private readonly Stopwatch _window = Stopwatch.StartNew();

    public long Total { get; private set; }

    public long TotalErrors { get; private set; }

    public Task RunAsync() => Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
    {
        var random = new Random(c);
        while (!_stop)
        {
            var url = $"{baseUrl}/api/v1/aqi/current/{Uri.EscapeDataString(names[random.Next(names.Count)])}";
            var t = Stopwatch.GetTimestamp();
            bool ok;
            try
            {
                using var answer = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead);
                ok = answer.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                ok = false;
            }
            var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            lock (_gate)
            {
                _latencies.Add(ms);
                Total++;
                if (!ok)
                {
                    _errors++;
                    TotalErrors++;
                }
            }
        }
    }));

    public Window TakeWindow()
    {
        List<double> taken;
        int errors;
        double seconds;
        lock (_gate)
        {
            (taken, _latencies, errors, _errors) = (_latencies, [], _errors, 0);
            seconds = _window.Elapsed.TotalSeconds;
            _window.Restart();
        }
        var sorted = taken.Order().ToArray();
        return new Window(sorted.Length, Math.Round(sorted.Length / seconds, 1), Pick(sorted, 0.5), Pick(sorted, 0.99), errors, 0, 0);
    }

    public void Stop() => _stop = true;

    private static double Pick(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 2);
}
