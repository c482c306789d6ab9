using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.Silo;
using AirQuality.TestSupport;
using AirQuality.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace AirQuality.Integration.Tests.Cluster;

/// <summary>
/// The real thing on loopback: two silo processes and a web front process of the built executable share a
/// PostgreSQL database; one silo is killed with SIGKILL under steady requests, a new one joins, and the survivor is
/// stopped with SIGTERM. The figures (failed requests, for how long, time until every city answers) are printed.
/// </summary>
public sealed class MultiProcessFailoverTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<City> Cities = CityCatalog.Default.All;
    private readonly string _cluster = "mp-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>What every process gets; failure detection shortened as in the tests of the in-process cluster.</summary>
    private static Dictionary<string, string> Common(string connectionString, string cluster) => new()
    {
        ["ConnectionStrings__Postgres"] = connectionString,
        ["ORLEANS_CLUSTER_ID"] = cluster,
        ["ORLEANS_SERVICE_ID"] = cluster,
        ["POD_IP"] = "127.0.0.1",
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:02",
        ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
        ["Orleans__ReminderService__MinimumReminderPeriod"] = "00:00:01",
        ["Orleans__ShutdownGracePeriod"] = "00:00:20",
        ["Orleans__Rebalancer__RebalancerDueTime"] = "00:00:05",
        ["Orleans__Rebalancer__SessionCyclePeriod"] = "00:00:05",
        ["Cities__BackfillDays"] = "2",
        ["Cities__PollPeriod"] = "00:00:05",
        ["Cities__PollOffset"] = "00:00:00",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        ["DOTNET_gcServer"] = "0",
        // The steady load comes from one address; the API's per-client rate limit would answer it with 429s.
        ["RateLimiting__Enabled"] = "false",
    };

    private static Dictionary<string, string> Silo(Dictionary<string, string> common, string name) => new(common)
    {
        ["POD_NAME"] = name,
        ["Orleans__SiloPort"] = SiloProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = SiloProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_silo_refuses_to_start_on_an_unmigrated_database_and_migrate_fixes_it()
    {
        var db = await TestServices.CreateDatabaseAsync("aqcl_mp_gate");
        try
        {
            var env = Silo(Common(db, _cluster), "gate");
            var (code, log) = await SiloProcess.RunToEndAsync(["run", "--role", "silo", "--urls", "http://127.0.0.1:0"], env, TimeSpan.FromSeconds(60));
            Assert.Equal(3, code);
            Assert.Contains("has no schema yet", log);
            Assert.Contains("AirQuality.Silo.dll migrate", log);

            (code, log) = await SiloProcess.RunToEndAsync(["migrate"], env, TimeSpan.FromSeconds(60));
            Assert.True(code == 0, log);
            (code, log) = await SiloProcess.RunToEndAsync(["migrate", "--check"], env, TimeSpan.FromSeconds(60));
            Assert.True(code == 0, log);
            Assert.Contains("Schema is up to date", log);
        }
        finally
        {
            await TestServices.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task A_silo_refuses_to_start_with_invalid_cluster_settings_and_says_which()
    {
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Database=x",
            ["Orleans__SiloPort"] = "eleven",
            ["POD_IP"] = "not-an-ip",
        };
        var (code, log) = await SiloProcess.RunToEndAsync(["run", "--role", "silo"], env, TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("Orleans:SiloPort 'eleven' must be a port number", log);
        Assert.Contains("POD_IP 'not-an-ip' is not an IP address", log);
    }

    [Fact]
    public async Task Killing_a_silo_under_steady_requests_loses_no_city_and_no_state()
    {
        var db = await TestServices.CreateDatabaseAsync("aqcl_mp");
        var common = Common(db, _cluster);
        var processes = new List<SiloProcess>();
        IHost? client = null;
        try
        {
            var (code, log) = await SiloProcess.RunToEndAsync(["migrate"], common, TimeSpan.FromSeconds(60));
            Assert.True(code == 0, log);

            var envA = Silo(common, "silo-a");
            var envB = Silo(common, "silo-b");
            var a = SiloProcess.Run("silo-a", "silo", envA);
            var b = SiloProcess.Run("silo-b", "silo", envB);
            var web = SiloProcess.Run("web", "web", common);
            processes.AddRange([a, b, web]);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var started = Stopwatch.StartNew();
            await Task.WhenAll(processes.Select(p => WaitReadyAsync(http, p, TimeSpan.FromSeconds(90))));
            await WaitAllCitiesAnswerAsync(http, web, TimeSpan.FromSeconds(60));
            output.WriteLine($"two silos and a web front ready, every city answering, after {started.Elapsed.TotalSeconds:0.0} s");
            var siloMetrics = await http.GetStringAsync(new Uri(a.BaseAddress, TelemetryHosting.MetricsPath));
            var webMetrics = await http.GetStringAsync(new Uri(web.BaseAddress, TelemetryHosting.MetricsPath));
            Assert.Contains("orleans_", siloMetrics);
            Assert.Contains("db_client_operation_duration", siloMetrics);
            Assert.Contains("http_server_request_duration_seconds", webMetrics);

            client = await ConnectAsync(db);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var markHour = Hour(DateTime.UtcNow).AddHours(-5);
            await MarkAsync(grains, markHour);

            var ports = new Dictionary<int, (SiloProcess Process, Dictionary<string, string> Env)>
            {
                [int.Parse(envA["Orleans__SiloPort"], System.Globalization.CultureInfo.InvariantCulture)] = (a, envA),
                [int.Parse(envB["Orleans__SiloPort"], System.Globalization.CultureInfo.InvariantCulture)] = (b, envB),
            };
            var placement = await PlacementAsync(grains);
            var byPort = placement.GroupBy(p => p.Silo.Endpoint.Port).ToDictionary(g => g.Key, g => g.Select(p => p.City).Distinct().Count());
            var victimPort = byPort.OrderByDescending(kv => kv.Value).First().Key;
            var victim = ports[victimPort].Process;
            var survivor = ports.Single(kv => kv.Key != victimPort).Value;
            output.WriteLine($"cities per silo: {string.Join(", ", byPort.Select(kv => $"{ports[kv.Key].Process.Name}={kv.Value}"))}; killing {victim.Name} with SIGKILL");

            var budget = Budget(common);
            output.WriteLine($"failure-detection budget {budget.TotalSeconds:0.0} s");
            using var loadHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var load = new SteadyLoad(loadHttp, web.BaseAddress);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var killedAt = DateTime.UtcNow;
            victim.Kill();
            // Through the API (which may answer from its cache) and from the grains themselves, state included.
            var grainsBack = await WaitMarkedAsync(grains, markHour, killedAt, budget * 3);
            var recovered = await load.WaitUntilEveryCityAnswersAfterAsync(killedAt, budget * 3);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var kill = load.Report("sigkill", killedAt, recovered);
            output.WriteLine(kill + $" every city grain answered with its state {grainsBack.TotalSeconds:0.00} s after the kill");

            Assert.NotNull(recovered);
            Assert.True(recovered <= budget, $"every city answered {recovered!.Value.TotalSeconds:0.0} s after the kill; the failure-detection budget is {budget.TotalSeconds:0.0} s");
            Assert.True(grainsBack <= budget, $"every city grain answered {grainsBack.TotalSeconds:0.0} s after the kill; the failure-detection budget is {budget.TotalSeconds:0.0} s");
            Assert.All(await PlacementAsync(grains), p => Assert.NotEqual(victimPort, p.Silo.Endpoint.Port));

            // A new silo joins; then the survivor is stopped the way an orchestrator does it, with SIGTERM.
            var envC = Silo(common, "silo-c");
            var c = SiloProcess.Run("silo-c", "silo", envC);
            processes.Add(c);
            await WaitReadyAsync(http, c, TimeSpan.FromSeconds(90));
            // Activation rebalancing moves cities to the newcomer; without it they would stay where they are.
            var cPort = int.Parse(envC["Orleans__SiloPort"], System.Globalization.CultureInfo.InvariantCulture);
            var joined = Stopwatch.StartNew();
            var onC = 0;
            while (joined.Elapsed < TimeSpan.FromSeconds(45) && (onC = (await PlacementAsync(grains)).Where(p => p.Silo.Endpoint.Port == cPort).Select(p => p.City).Distinct().Count()) < 1)
                await Task.Delay(500);
            output.WriteLine($"{onC} of {Cities.Count} cities moved to the new silo within {joined.Elapsed.TotalSeconds:0.0} s of it being ready");
            Assert.True(onC >= 1, "no city moved to the new silo");
            var terminatedAt = DateTime.UtcNow;
            var grace = TimeSpan.Parse(common["Orleans__ShutdownGracePeriod"], System.Globalization.CultureInfo.InvariantCulture);
            survivor.Process.Terminate();
            using (var exit = new CancellationTokenSource(grace + TimeSpan.FromSeconds(10)))
                await survivor.Process.WaitForExitAsync(exit.Token);
            var stoppedIn = DateTime.UtcNow - terminatedAt;
            var handedOver = await load.WaitUntilEveryCityAnswersAfterAsync(terminatedAt, budget * 3);
            await Task.Delay(TimeSpan.FromSeconds(1));
            await load.StopAsync();
            var term = load.Report("sigterm", terminatedAt, handedOver);
            output.WriteLine(term + $" (the stopped silo exited with code {survivor.Process.ExitCode} after {stoppedIn.TotalSeconds:0.0} s; grace {grace.TotalSeconds:0} s)");

            Assert.Equal(0, survivor.Process.ExitCode);
            Assert.True(stoppedIn <= grace, $"the silo took {stoppedIn.TotalSeconds:0.0} s to stop; grace period {grace.TotalSeconds:0} s");
            Assert.NotNull(handedOver);
            await AssertMarkedAsync(grains, markHour);
        }
        catch
        {
            foreach (var p in processes) output.WriteLine($"---- {p.Name} log (tail) ----\n{Tail(p.Log(), 60)}");
            throw;
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync();
                client.Dispose();
            }
            foreach (var p in processes) p.Dispose();
            await TestServices.DropDatabaseAsync(db);
        }
    }

    /// <summary>The failure-detection budget for these settings, computed by the silo's own code.</summary>
    private static TimeSpan Budget(Dictionary<string, string> env)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(env.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value)).Build();
        var o = new ClusterMembershipOptions();
        FailureDetection.Configure(o, config);
        return FailureDetection.Budget(o);
    }

    private static async Task WaitReadyAsync(HttpClient http, SiloProcess p, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (p.HasExited) throw new InvalidOperationException($"{p.Name} exited with code {p.ExitCode}:\n{Tail(p.Log(), 40)}");
            try
            {
                using var r = await http.GetAsync(new Uri(p.BaseAddress, ProbeHosting.ReadyPath));
                if (r.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            if (watch.Elapsed > timeout) throw new TimeoutException($"{p.Name} not ready after {timeout.TotalSeconds} s:\n{Tail(p.Log(), 40)}");
            await Task.Delay(250);
        }
    }

    private static async Task WaitAllCitiesAnswerAsync(HttpClient http, SiloProcess web, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var waiting = Cities.Select(c => c.Id).ToHashSet();
        while (waiting.Count > 0)
        {
            foreach (var id in waiting.ToList())
            {
                try
                {
                    using var r = await http.GetAsync(new Uri(web.BaseAddress, $"/api/v1/aqi/current/{id}"));
                    if (r.StatusCode == HttpStatusCode.OK) waiting.Remove(id);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // try again
                }
            }
            if (waiting.Count > 0 && watch.Elapsed > timeout) throw new TimeoutException($"{waiting.Count} cities not answering: {string.Join(", ", waiting.Take(5))}");
            await Task.Delay(200);
        }
    }

    private async Task<IHost> ConnectAsync(string db)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = _cluster; o.ServiceId = _cluster; });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = OrleansClientHosting.PostgresInvariant;
                o.ConnectionString = db;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task MarkAsync(IGrainFactory grains, DateTime hour)
    {
        for (var i = 0; i < Cities.Count; i++)
        {
            var c = Cities[i];
            var accepted = await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).Ingest(
                [new SourceReading(c.Id, hour, SourceNames.ImportOpenAq, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = Mark(i) }, null)]);
            Assert.Equal(1, accepted);
        }
    }

    /// <summary>
    /// Asks every city grain for its window until each answers (a call to a grain on a silo not yet declared dead
    /// fails and is retried) and holds the mark; returns how long after <paramref name="since"/> the last one did.
    /// </summary>
    private static async Task<TimeSpan> WaitMarkedAsync(IGrainFactory grains, DateTime hour, DateTime since, TimeSpan timeout)
    {
        var waiting = Enumerable.Range(0, Cities.Count).ToHashSet();
        var last = DateTime.UtcNow;
        while (waiting.Count > 0)
        {
            foreach (var i in waiting.ToList())
            {
                try
                {
                    var window = await grains.GetGrain<ICityGrain>(GrainKeys.City(Cities[i])).GetRecent(72).WaitAsync(TimeSpan.FromSeconds(2));
                    var marked = window.Single(h => h.Hour == hour).Values.Single(m => m.Pollutant == Pollutant.Pm25);
                    Assert.Equal((Mark(i), SourceNames.ImportOpenAq), (marked.Value, marked.Source));
                    waiting.Remove(i);
                    last = DateTime.UtcNow;
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    if (DateTime.UtcNow - since > timeout) throw;
                }
            }
            if (waiting.Count > 0) await Task.Delay(100);
        }
        return last - since;
    }

    /// <summary>Every city still holds the value imported before the failure: its state came back from PostgreSQL.</summary>
    private static async Task AssertMarkedAsync(IGrainFactory grains, DateTime hour)
    {
        for (var i = 0; i < Cities.Count; i++)
        {
            var window = await grains.GetGrain<ICityGrain>(GrainKeys.City(Cities[i])).GetRecent(72);
            var marked = window.Single(h => h.Hour == hour).Values.Single(m => m.Pollutant == Pollutant.Pm25);
            Assert.Equal((Mark(i), SourceNames.ImportOpenAq), (marked.Value, marked.Source));
        }
    }

    /// <summary>Where each city is active (a migrating city can show on two silos for a moment: both are listed).</summary>
    private static async Task<List<(string City, SiloAddress Silo)>> PlacementAsync(IGrainFactory grains) =>
        (await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(p => p.GrainId.Key.ToString()!.StartsWith(GrainKeys.CityPrefix, StringComparison.Ordinal))
            .Select(p => (p.GrainId.Key.ToString()!, p.SiloAddress)).ToList();

    private static double Mark(int index) => 200 + index * 0.125;

    private static DateTime Hour(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>Requests for every city in turn from a few workers, each outcome recorded with its time.</summary>
    private sealed class SteadyLoad
    {
        private readonly ConcurrentQueue<(DateTime At, string City, bool Ok)> _results = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _workers;
        private int _next;

        public SteadyLoad(HttpClient http, Uri web, int workers = 4)
        {
            _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var city = Cities[(int)((uint)Interlocked.Increment(ref _next) % Cities.Count)].Id;
                    bool ok;
                    try
                    {
                        using var r = await http.GetAsync(new Uri(web, $"/api/v1/aqi/current/{city}"), _stop.Token);
                        ok = r.StatusCode == HttpStatusCode.OK;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        if (_stop.IsCancellationRequested) break;
                        ok = false;
                    }
                    _results.Enqueue((DateTime.UtcNow, city, ok));
                }
            })).ToArray();
        }

        /// <summary>
        /// Waits until every city has answered after its last failure since <paramref name="since"/>; returns how long
        /// after <paramref name="since"/> the last one did, or null on timeout.
        /// </summary>
        public async Task<TimeSpan?> WaitUntilEveryCityAnswersAfterAsync(DateTime since, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < timeout)
            {
                await Task.Delay(100);
                if (Recovery(since) is { } t && DateTime.UtcNow - since > t + TimeSpan.FromSeconds(1)) return t;
            }
            return null;
        }

        private TimeSpan? Recovery(DateTime since)
        {
            var after = _results.Where(r => r.At > since).ToList();
            var latest = TimeSpan.Zero;
            foreach (var city in Cities)
            {
                var mine = after.Where(r => r.City == city.Id).ToList();
                var lastFailure = mine.Where(r => !r.Ok).Select(r => r.At).DefaultIfEmpty(since).Max();
                var okAfter = mine.Where(r => r.Ok && r.At >= lastFailure).Select(r => r.At).DefaultIfEmpty().Min();
                if (okAfter == default) return null;
                if (okAfter - since > latest) latest = okAfter - since;
            }
            return latest;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_workers);
        }

        public string Report(string what, DateTime since, TimeSpan? recovered)
        {
            var after = _results.Where(r => r.At > since).ToList();
            var failed = after.Where(r => !r.Ok).ToList();
            var figures = new
            {
                @event = what,
                requests_after_event = after.Count,
                failed_requests = failed.Count,
                first_failure_s = failed.Count == 0 ? (double?)null : Math.Round((failed.Min(r => r.At) - since).TotalSeconds, 2),
                last_failure_s = failed.Count == 0 ? (double?)null : Math.Round((failed.Max(r => r.At) - since).TotalSeconds, 2),
                cities_failing = failed.Select(r => r.City).Distinct().Count(),
                every_city_answered_after_s = recovered is null ? (double?)null : Math.Round(recovered.Value.TotalSeconds, 2),
            };
            return JsonSerializer.Serialize(figures);
        }
    }
}
