using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Runtime;

namespace AirQuality.Integration.Tests.Outage;

/// <summary>
/// Two real silos (one of them also the web front, as `--role all`) clustered through a PostgreSQL server of this
/// fixture alone, which the tests stop, start and switch to read-only. Four cities poll every 3 s; membership runs
/// with the production failure-detection defaults; the write buffer and state retries are shortened so recovery
/// shows within seconds.
/// </summary>
public sealed class OutageCluster : IAsyncLifetime
{
    public const string AdminToken = "outage-admin-token-0123456789";
    public static readonly string[] Cities = ["delhi", "mumbai", "chennai", "kolkata"];

    private string _catalog = "";

    public PrivatePostgres Postgres { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    /// <summary>The silo that also serves the API.</summary>
    public WebApplication Web { get; private set; } = null!;

    /// <summary>The second silo (grains only).</summary>
    public WebApplication Silo { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IGrainFactory Grains => Web.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Why the fixture could not start a PostgreSQL of its own here (no binaries), or null.</summary>
    public string? Unavailable { get; } = PrivatePostgres.Unavailable;

    public async Task InitializeAsync()
    {
        if (Unavailable is not null) return;
        Postgres = await PrivatePostgres.StartAsync();
        await using (var conn = new NpgsqlConnection(Postgres.ConnectionString()))
        {
            await conn.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE airquality", conn);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = Postgres.ConnectionString("airquality");
        await new SchemaMigrator(ConnectionString, NullLogger.Instance).MigrateAsync();
        _catalog = Path.Combine(Path.GetTempPath(), $"aq-outage-cities-{Guid.NewGuid():N}.csv");
        var lines = File.ReadAllLines(Path.Combine(TestServices.RepositoryRoot, "src", "Domain", "Data", "cities.csv"));
        File.WriteAllLines(_catalog, [lines[0], .. lines.Skip(1).Where(l => Cities.Contains(l.Split(',')[0].ToLowerInvariant()))]);

        Silo = SiloHost.Build(Args("silo-b"), SiloRole.Silo);
        await Silo.StartAsync();
        Web = SiloHost.Build(Args("silo-a"), SiloRole.All);
        await Web.StartAsync();
        var address = Web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        await SystemReadiness.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(120));
    }

    private string[] Args(string name) =>
    [
        "--urls", "http://127.0.0.1:0",
        $"--ConnectionStrings:Postgres={ConnectionString}",
        $"--Orleans:SiloPort={PrivatePorts.Free()}",
        $"--Orleans:GatewayPort={PrivatePorts.Free()}",
        "--POD_IP=127.0.0.1",
        $"--POD_NAME={name}",
        $"--Cities:CatalogPath={_catalog}",
        "--Cities:BackfillDays=2",
        "--Cities:PollPeriod=00:00:03",
        "--Cities:PollOffset=00:00:00",
        "--Cities:PollSpread=00:00:01",
        "--Sources:Simulated:Enabled=true",
        "--Forecasting:TrainingConcurrency=1",
        "--Orleans:ReminderService:MinimumReminderPeriod=00:00:01",
        "--Orleans:Rebalancer:Enabled=false",
        "--Storage:WriteBuffer:RetryDelay=00:00:00.200",
        "--Storage:WriteBuffer:MaxRetryDelay=00:00:01",
        "--Storage:WriteBuffer:StateRetryPeriod=00:00:01",
        "--Storage:WriteBuffer:ReportPeriod=00:00:01",
        "--RateLimiting:Enabled=false",
        $"--Auth:AdminTokens:0={AdminToken}",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Orleans=Error",
    ];

    /// <summary>The API's health answer.</summary>
    public async Task<JsonElement> HealthAsync()
    {
        using var r = await Http.GetAsync("/api/v1/health");
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Until the health answer is `healthy` (storage written out, database writable).</summary>
    public Task WaitHealthyAsync(TimeSpan timeout, string what) => Eventually.UntilAsync(async () =>
    {
        var h = await HealthAsync();
        return h.GetProperty("status").GetString() == "healthy" ? null : h.ToString();
    }, timeout, what);

    /// <summary>
    /// Readings of a source ranked above the simulator, for hours of every city's window: each changes a merged hour,
    /// so each is a raw row and a merged row to write. Values are distinct per city and hour.
    /// </summary>
    public static Dictionary<string, List<SourceReading>> Readings(string source, DateTime now, int fromHoursAgo, int count, double offset)
    {
        var top = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        return Cities.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => Enumerable.Range(fromHoursAgo, count)
            .Select(k => new SourceReading(x.c, top.AddHours(-k), source,
                new Dictionary<Pollutant, double> { [Pollutant.Pm25] = offset + 11 * x.i + k + 0.25, [Pollutant.Pm10] = 2 * (offset + 11 * x.i + k) + 0.5 }, null))
            .ToList());
    }

    /// <summary>Ingests the readings into their cities (through the grains, as the CPCB feed does); returns how many were taken.</summary>
    public async Task<int> IngestAsync(Dictionary<string, List<SourceReading>> readings)
    {
        var taken = await Task.WhenAll(readings.Select(kv => Grains.GetGrain<ICityGrain>(GrainKeys.City(kv.Key)).Ingest(kv.Value)));
        return taken.Sum();
    }

    /// <summary>
    /// What of <paramref name="readings"/> is in PostgreSQL: raw rows with the reading's value, and merged hours whose
    /// PM2.5 is the reading's value from its source.
    /// </summary>
    public async Task<(int Raw, int Merged)> StoredAsync(Dictionary<string, List<SourceReading>> readings)
    {
        await using var conn = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await conn.OpenAsync();
        int raw = 0, merged = 0;
        foreach (var r in readings.Values.SelectMany(x => x))
        {
            await using var a = new NpgsqlCommand("SELECT count(*) FROM reading_raw WHERE city_id = @c AND hour = @h AND source = @s AND pm25 = @v", conn);
            await using var b = new NpgsqlCommand("SELECT count(*) FROM city_hour WHERE city_id = @c AND hour = @h AND pm25_source = @s AND pm25 = @v", conn);
            foreach (var cmd in new[] { a, b })
            {
                cmd.Parameters.AddWithValue("c", r.CityId);
                cmd.Parameters.AddWithValue("h", r.Hour);
                cmd.Parameters.AddWithValue("s", r.Source);
                cmd.Parameters.AddWithValue("v", r.Values[Pollutant.Pm25]);
            }
            raw += Convert.ToInt32(await a.ExecuteScalarAsync());
            merged += Convert.ToInt32(await b.ExecuteScalarAsync());
        }
        return (raw, merged);
    }

    /// <summary>City states written to PostgreSQL after <paramref name="since"/> (server clock: same machine).</summary>
    public async Task<int> CityStatesWrittenSinceAsync(DateTime since)
    {
        await using var conn = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM orleans_grain_state WHERE state_name = 'city' AND modified_on > @t", conn);
        cmd.Parameters.AddWithValue("t", since);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync());
    }

    /// <summary>Each silo's address and status as it sees itself, and whether its host began to stop.</summary>
    public IReadOnlyList<(SiloAddress Address, SiloStatus Status, bool Stopping)> Silos() =>
        new[] { Web, Silo }.Select(app =>
        {
            var local = app.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            var status = app.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(local);
            return (local, status, app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }).ToList();

    /// <summary>
    /// Steady reads while a fault lasts: current AQI, recent history and rankings of every city, the answer cache
    /// cleared every few requests so that answers come from the grains; counts failures and the slowest answer.
    /// </summary>
    public sealed class Load(HttpClient http) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;
        public int Requests;
        public int Failures;
        public readonly List<string> FailureSamples = [];
        public TimeSpan Slowest;

        public Load Start()
        {
            _loop = Task.Run(RunAsync);
            return this;
        }

        private async Task RunAsync()
        {
            var paths = Cities.SelectMany(c => new[] { $"/api/v1/aqi/current/{c}", $"/api/v1/aqi/history/{c}?hours=24" }).Append("/api/v1/cities/rankings").ToArray();
            var i = 0;
            while (!_stop.IsCancellationRequested)
            {
                if (i % 10 == 0)
                {
                    using var clear = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cache/clear");
                    clear.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
                    await Send(clear);
                }
                await Send(new HttpRequestMessage(HttpMethod.Get, paths[i++ % paths.Length]));
            }
        }

        private async Task Send(HttpRequestMessage request)
        {
            var watch = Stopwatch.StartNew();
            string? failure;
            try
            {
                using var r = await http.SendAsync(request);
                failure = r.StatusCode == HttpStatusCode.OK ? null : $"{request.RequestUri}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                failure = $"{request.RequestUri}: {ex.GetType().Name} {ex.Message}";
            }
            finally
            {
                request.Dispose();
            }
            lock (FailureSamples)
            {
                Requests++;
                if (watch.Elapsed > Slowest) Slowest = watch.Elapsed;
                if (failure is null) return;
                Failures++;
                if (FailureSamples.Count < 5) FailureSamples.Add(failure);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_loop is null) return;
            _stop.Cancel();
            await _loop;
            _loop = null;
        }
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        foreach (var app in new[] { Web, Silo })
        {
            if (app is null) continue;
            await app.StopAsync();
            await app.DisposeAsync();
        }
        if (Postgres is not null) await Postgres.DisposeAsync();
        if (_catalog != "") File.Delete(_catalog);
    }
}
