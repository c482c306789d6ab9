using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Hosting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using AirQuality.WebFront;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>
/// A whole poll cycle on an in-process Orleans cluster: loopback servers stand in for CPCB, OpenWeather and IQAir,
/// replaying the real bodies with their timestamps moved to the current hour, and every one of the 56 cities polls
/// them through the real source code.
/// </summary>
public sealed class PollCycleTests
{
    private static readonly IReadOnlyList<City> Cities = CityCatalog.Default.All;

    [Fact]
    public async Task A_poll_cycle_fills_the_store_for_all_56_cities_with_provenance_and_a_dead_upstream_opens_its_circuit_while_the_service_answers()
    {
        var now = DateTime.UtcNow;
        var hour = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        await using var openWeather = await LoopbackUpstream.StartAsync(ctx => OpenWeatherNow(ctx, hour));
        await using var iqAir = await LoopbackUpstream.StartAsync(ctx => IqAirNow(ctx, hour));
        await using var cpcb = await LoopbackUpstream.StartAsync(Upstreams.CpcbFeed(CpcbFeedFor(hour)));
        var settings = SourceHarness.OpenWeather(openWeather.BaseUrl)
            .Concat(SourceHarness.IqAir(iqAir.BaseUrl))
            .Concat(SourceHarness.Cpcb(cpcb.BaseUrl))
            .ToDictionary()
            .With(
                ("Cities:BackfillDays", "2"),
                // Generous attempt timeouts: the machine running the tests may be busy; a dead upstream fails at once anyway.
                ("Sources:OpenWeather:AttemptTimeout", "00:00:10"), ("Sources:OpenWeather:TotalTimeout", "00:00:30"),
                ("Sources:IqAir:AttemptTimeout", "00:00:10"), ("Sources:IqAir:TotalTimeout", "00:00:30"),
                ("Sources:Cpcb:AttemptTimeout", "00:00:10"), ("Sources:Cpcb:TotalTimeout", "00:00:30"),
                ("Sources:OpenWeather:CircuitSamplingDuration", "00:01:00"),
                ("Sources:OpenWeather:CallsPerMinute", "100000"),
                ("Sources:OpenWeather:CircuitMinimumThroughput", "10"),
                ("Sources:OpenWeather:CircuitBreakDuration", "00:01:00"),
                ("Sources:Cpcb:PageSize", "100"));

        // The store is the real PostgreSQL one, on a fresh database with the project's schema.
        var database = await TestServices.CreateDatabaseAsync("aq_poll_cycle");
        await new SchemaMigrator(database, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync(createDatabase: false);
        settings["ConnectionStrings:Postgres"] = database;

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(settings);
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            host.Services.AddAirQualityGrains(host.Configuration);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grains = cluster.Client;
        var store = cluster.Silos[0].ServiceProvider.GetRequiredService<IReadingStore>();

        await Task.WhenAll(Cities.Select(c => grains.GetGrain<ICityGrain>(GrainKeys.City(c)).Start()));
        await Task.WhenAll(Cities.Select(c => grains.GetGrain<ICityGrain>(GrainKeys.City(c)).PollNow()));

        // The first start of each city backfilled two days of OpenWeather history (49 hours, the current one included).
        await Eventually(async () =>
        {
            foreach (var c in Cities)
                if (await store.CountHoursAsync(c.Id, hour.AddDays(-2), hour.AddHours(1)) < 49) return false;
            return true;
        }, "history backfilled for every city");
        var askedHistory = openWeather.Requests.Where(r => r.PathAndQuery.Contains("/history?", StringComparison.Ordinal))
            .Select(r => r.PathAndQuery.Split("&start=")[0]).Distinct().Count();
        Assert.Equal(Cities.Count, askedHistory); // every city, by its own coordinates

        foreach (var c in Cities)
        {
            var stored = Assert.Single(await store.GetHoursAsync(c.Id, hour, hour.AddHours(1)));
            Assert.Equal(SourceNames.Cpcb, Source(stored, Pollutant.Pm25));       // ground stations first
            Assert.Equal(SourceNames.Cpcb, Source(stored, Pollutant.Co));
            Assert.Equal(SourceNames.OpenWeather, Source(stored, Pollutant.So2)); // the feed's SO2 is "NA"
            Assert.Equal(SourceNames.IqAir, stored.Weather!.Source);
            var older = Assert.Single(await store.GetHoursAsync(c.Id, hour.AddHours(-30), hour.AddHours(-29)));
            Assert.All(older.Values, m => Assert.Equal(SourceNames.OpenWeather, m.Source));
        }
        // Every source's raw readings reached PostgreSQL, keyed by (city, hour, source): provenance kept per source.
        await using (var conn = new Npgsql.NpgsqlConnection(database))
        {
            await conn.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand("SELECT source, count(DISTINCT city_id) FROM reading_raw WHERE hour = @h GROUP BY source", conn);
            cmd.Parameters.AddWithValue("h", hour);
            var perSource = new Dictionary<string, long>();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) perSource[r.GetString(0)] = r.GetInt64(1);
            foreach (var source in new[] { SourceNames.Cpcb, SourceNames.OpenWeather, SourceNames.IqAir })
                Assert.Equal(Cities.Count, perSource.GetValueOrDefault(source));
        }
        Assert.Equal("postgresql", Assert.IsType<BufferedReadingStore>(store).Kind);

        // One download (394 records, 4 pages of 100) served all 56 cities: its first page was asked for once.
        Assert.Single(cpcb.Requests, r => r.PathAndQuery.Contains("&offset=0&", StringComparison.Ordinal));

        var health = await EventuallyHealth(grains, h =>
            h.Where(s => s.Source != SourceNames.Simulated).All(s => s.CitiesSucceeding == Cities.Count) && h.Count >= 3);
        Assert.All(health.Where(s => s.Source != SourceNames.Simulated), s => Assert.Equal("closed", s.Circuit));
        var feed = health.Single(s => s.Source == SourceNames.Cpcb).Feed!;
        Assert.Equal(Cities.Count, feed.CitiesCovered);
        Assert.Equal(2, feed.UnmappedRecords);
        Assert.Equal(4, feed.Pages);
        Assert.Equal(Cities.Count, health.Single(s => s.Source == SourceNames.IqAir).Budget!.UsedThisMonth);

        await using (var web = await WebFrontOn(grains))
        {
            using var http = new HttpClient { BaseAddress = web.BaseUrl };
            var body = await http.GetFromJsonAsync<JsonObject>("api/v1/sources");
            var sources = body!["sources"]!.AsArray();
            foreach (var name in new[] { SourceNames.Cpcb, SourceNames.OpenWeather, SourceNames.IqAir })
            {
                var s = sources.Single(x => x!["name"]!.GetValue<string>() == name)!;
                Assert.Equal("ok", s["status"]!.GetValue<string>());
                Assert.Equal(Cities.Count, s["cities_succeeding"]!.GetValue<int>());
            }
            Assert.Equal(Cities.Count, sources.Single(x => x!["name"]!.GetValue<string>() == SourceNames.Cpcb)!["feed"]!["cities_covered"]!.GetValue<int>());
        }

        // A late ground reading goes into its own hour, in the window and the store, over the model values of that hour;
        // the same reading again is ignored; one older than the window still reaches the store.
        var delhiGrain = grains.GetGrain<ICityGrain>(GrainKeys.City("delhi"));
        var late = new SourceReading("delhi", hour.AddHours(-5), SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 123.4 }, null);
        var ancient = late with { Hour = hour.AddHours(-100) };
        Assert.Equal(2, await delhiGrain.Ingest([late, ancient]));
        Assert.Equal(0, await delhiGrain.Ingest([late]));
        var lateHour = Assert.Single(await store.GetHoursAsync("delhi", late.Hour, late.Hour.AddHours(1)));
        Assert.Equal(new Measurement(Pollutant.Pm25, 123.4, SourceNames.Cpcb), lateHour.Values.Single(m => m.Pollutant == Pollutant.Pm25));
        Assert.Equal(SourceNames.OpenWeather, Source(lateHour, Pollutant.So2));
        Assert.Equal(123.4, (await delhiGrain.GetRecent(72)).Single(h => h.Hour == late.Hour).Get(Pollutant.Pm25));
        Assert.Equal(SourceNames.Cpcb, Source(Assert.Single(await store.GetHoursAsync("delhi", ancient.Hour, ancient.Hour.AddHours(1))), Pollutant.Pm25));

        // OpenWeather goes away. Two poll waves: the first trips the breaker, the second is refused by it.
        await openWeather.StopAsync();
        await Task.WhenAll(Cities.Select(c => grains.GetGrain<ICityGrain>(GrainKeys.City(c)).PollNow()));
        await Task.WhenAll(Cities.Select(c => grains.GetGrain<ICityGrain>(GrainKeys.City(c)).PollNow()));

        health = await EventuallyHealth(grains, h => h.Single(s => s.Source == SourceNames.OpenWeather).CitiesFailing == Cities.Count);
        var ow = health.Single(s => s.Source == SourceNames.OpenWeather);
        Assert.Equal("open", ow.Circuit);
        Assert.True(ow.ConsecutiveFailures >= Cities.Count);
        Assert.StartsWith("circuit open", ow.LastError);
        var ground = health.Single(s => s.Source == SourceNames.Cpcb);
        Assert.Equal(Cities.Count, ground.CitiesSucceeding); // the other sources are untouched
        Assert.Equal("closed", ground.Circuit);
        Assert.True(ground.Duplicates >= Cities.Count);      // the repeated feed hour was not merged twice

        var delhi = await grains.GetGrain<ICityGrain>(GrainKeys.City("delhi")).GetCurrent();
        Assert.NotNull(delhi);
        Assert.Equal(hour, delhi.Timestamp);
        Assert.Equal(SourceNames.Cpcb, delhi.Latest.Values.Single(m => m.Pollutant == Pollutant.Pm25).Source);
        var status = await grains.GetGrain<ICityGrain>(GrainKeys.City("delhi")).GetSourceStatus();
        Assert.True(status.Single(s => s.Source == SourceNames.OpenWeather).ConsecutiveFailures >= 2);
        Assert.Equal(0, status.Single(s => s.Source == SourceNames.Cpcb).ConsecutiveFailures);

        await cluster.StopAllSilosAsync();
        await TestServices.DropDatabaseAsync(database);
    }

    private static string Source(CityHour h, Pollutant p) => h.Values.Single(m => m.Pollutant == p).Source;

    /// <summary>OpenWeather: the documented current body at the current hour, or history hours from the real Delhi history.</summary>
    private static Task OpenWeatherNow(HttpContext ctx, DateTime hour)
    {
        if (ctx.Request.Path.Value!.EndsWith("/history", StringComparison.Ordinal)) return Upstreams.OpenWeatherHistory(ctx);
        var body = JsonNode.Parse(Samples.Body(Samples.OwmCurrent))!;
        body["list"]![0]!["dt"] = (long)(hour - DateTime.UnixEpoch).TotalSeconds;
        return LoopbackUpstream.Respond(ctx, 200, body.ToJsonString());
    }

    /// <summary>IQAir: the Delhi body for whichever city is asked, stamped with the current hour.</summary>
    private static Task IqAirNow(HttpContext ctx, DateTime hour)
    {
        var body = JsonNode.Parse(Samples.Body(Samples.IqAirDelhi))!;
        var data = body["data"]!;
        data["city"] = ctx.Request.Query["city"].ToString();
        data["state"] = ctx.Request.Query["state"].ToString();
        var ts = hour.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        data["current"]!["pollution"]!["ts"] = ts;
        data["current"]!["weather"]!["ts"] = ts;
        return LoopbackUpstream.Respond(ctx, 200, body.ToJsonString());
    }

    /// <summary>
    /// The feed for all 56 cities: each gets the real Alipur (Delhi) station's seven records under its own name (some
    /// under the names the feed uses, e.g. Bangalore), updated at the IST time that falls in the current UTC hour; plus
    /// the two 2019 records of Amaravati, a place the catalog does not have.
    /// </summary>
    private static JsonArray CpcbFeedFor(DateTime hour)
    {
        var template = Samples.CpcbRecords(Samples.CpcbCurrent).Where(r => r!["station"]!.GetValue<string>().StartsWith("Alipur", StringComparison.Ordinal)).ToList();
        var feedNames = new Dictionary<string, string> { ["bengaluru"] = "Bangalore", ["gurugram"] = "Gurgaon", ["mumbai"] = "Navi Mumbai" };
        var updated = hour.AddMinutes(30).AddHours(5.5).ToString("dd-MM-yyyy HH:mm:ss", CultureInfo.InvariantCulture);
        var records = new JsonArray();
        foreach (var c in Cities)
            foreach (var t in template)
            {
                var r = t!.DeepClone();
                r["city"] = feedNames.GetValueOrDefault(c.Id, c.Name);
                r["state"] = c.State;
                r["station"] = $"Station 1, {c.Name} - CPCB";
                r["last_update"] = updated;
                records.Add(r);
            }
        foreach (var legacy in Samples.CpcbRecords(Samples.CpcbLegacy)) records.Add(legacy!.DeepClone());
        return records;
    }

    private static async Task<IReadOnlyList<SourceHealth>> EventuallyHealth(IGrainFactory grains, Func<IReadOnlyList<SourceHealth>, bool> condition)
    {
        IReadOnlyList<SourceHealth> last = [];
        await Eventually(async () => condition(last = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).GetAll()), "source health");
        return last;
    }

    /// <summary>The shared condition wait of TestSupport, with this class's budget.</summary>
    private static Task Eventually(Func<Task<bool>> condition, string what) =>
        AirQuality.TestSupport.Eventually.UntilAsync(condition, TimeSpan.FromSeconds(60), what);

    /// <summary>The real web front (its endpoints, JSON setup and problem details) on a loopback port, talking to the test cluster.</summary>
    private static async Task<RunningWebFront> WebFrontOn(IGrainFactory grains)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.AddWebFront();
        builder.Services.AddSingleton(grains);
        var app = builder.Build();
        app.MapWebFront();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningWebFront(app, new Uri(address.TrimEnd('/') + "/"));
    }

    private sealed record RunningWebFront(WebApplication App, Uri BaseUrl) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
