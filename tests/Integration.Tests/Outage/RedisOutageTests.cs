using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.Silo;
using AirQuality.TestSupport;
using AirQuality.WebFront.Caching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AirQuality.Integration.Tests.Outage;

/// <summary>
/// The answer cache's Redis tier going away under a running process (a Redis of this test alone): killed, then
/// frozen (SIGSTOP, connections open and silent). Answers keep coming uncached without a stall per request, health
/// says the cache is unavailable, and the tier is used again by itself once Redis answers.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Cities = ["delhi", "mumbai", "chennai", "kolkata"];
    private PrivateRedis _redis = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private ConnectionMultiplexer _probe = null!;
    private string _catalog = "";
    private int _key;

    public async Task InitializeAsync()
    {
        if (PrivateRedis.Unavailable is not null) return;
        _redis = await PrivateRedis.StartAsync();
        _catalog = Path.Combine(Path.GetTempPath(), $"aq-redis-cities-{Guid.NewGuid():N}.csv");
        var lines = File.ReadAllLines(Path.Combine(TestServices.RepositoryRoot, "src", "Domain", "Data", "cities.csv"));
        File.WriteAllLines(_catalog, [lines[0], .. lines.Skip(1).Where(l => Cities.Contains(l.Split(',')[0].ToLowerInvariant()))]);
        _app = SiloHost.Build([
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Redis={_redis.Endpoint}",
            $"--Orleans:SiloPort={PrivatePorts.Free()}",
            $"--Orleans:GatewayPort={PrivatePorts.Free()}",
            $"--Cities:CatalogPath={_catalog}",
            "--Cities:BackfillDays=2",
            "--Forecasting:TrainingConcurrency=1",
            "--RateLimiting:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        await SystemReadiness.WaitUntilReadyAsync(_http, TimeSpan.FromSeconds(120));
        _probe = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { _redis.Endpoint }, AbortOnConnectFail = false, ConnectTimeout = 2000, AsyncTimeout = 2000, SyncTimeout = 2000,
        });
    }

    [SkippableFact]
    public async Task Redis_killed_or_frozen_answers_come_uncached_without_stalls_and_the_tier_comes_back_by_itself()
    {
        Skip.If(PrivateRedis.Unavailable is not null, PrivateRedis.Unavailable);
        await WaitCacheUsedAsync("Redis holding answers at the start");

        // Killed: connections drop.
        var killedAt = Stopwatch.StartNew();
        await _redis.StopServerAsync();
        var killed = await ReadManyAsync(40);
        await WaitHealthAsync("unavailable", "health saying the cache is unavailable");
        await _redis.StartServerAsync();
        await WaitHealthAsync("connected", "health saying the cache is connected again");
        await WaitCacheUsedAsync("answers stored in Redis again after its restart");
        var killedFor = killedAt.Elapsed;

        // Frozen: connections stay up and nothing answers; only a bounded read notices.
        var frozenAt = Stopwatch.StartNew();
        await _redis.PauseAsync();
        (int Failed, TimeSpan Slowest, int Slow) frozen;
        try
        {
            frozen = await ReadManyAsync(40);
            await WaitHealthAsync("unavailable", "health saying the frozen cache is unavailable");
        }
        finally
        {
            await _redis.ResumeAsync();
        }
        await WaitHealthAsync("connected", "health saying the cache is connected after the freeze");
        await WaitCacheUsedAsync("answers stored in Redis again after the freeze");
        var frozenFor = frozenAt.Elapsed;

        output.WriteLine($"Redis killed: 40 uncached reads, failed {killed.Failed}, slowest {killed.Slowest.TotalMilliseconds:0} ms, over 400 ms {killed.Slow}; degraded {killedFor.TotalSeconds:0.0} s (to the tier in use again); lost 0 (the cache holds no data)");
        output.WriteLine($"Redis frozen: 40 uncached reads, failed {frozen.Failed}, slowest {frozen.Slowest.TotalMilliseconds:0} ms, over 400 ms {frozen.Slow}; degraded {frozenFor.TotalSeconds:0.0} s");
        Assert.Equal(0, killed.Failed);
        Assert.Equal(0, frozen.Failed);
        // Bounded: at most the read budget once (the read that trips the tier off), never a timeout per request.
        Assert.True(frozen.Slow <= 3, $"{frozen.Slow} reads over 400 ms while Redis was frozen");
        Assert.True(frozen.Slowest < TimeSpan.FromSeconds(2.5), $"slowest read {frozen.Slowest}");
        Assert.True(killed.Slow <= 3, $"{killed.Slow} reads over 400 ms while Redis was down");
    }

    /// <summary>Reads answers never asked before (each a miss of the memory tier, so each asks Redis).</summary>
    private async Task<(int Failed, TimeSpan Slowest, int Slow)> ReadManyAsync(int count)
    {
        var failed = 0;
        var slow = 0;
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var r = await _http.GetAsync(NewPath());
            watch.Stop();
            if (r.StatusCode != HttpStatusCode.OK) failed++;
            if (watch.Elapsed > TimeSpan.FromMilliseconds(400)) slow++;
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
        }
        return (failed, slowest, slow);
    }

    private string NewPath()
    {
        var n = Interlocked.Increment(ref _key);
        return $"/api/v1/aqi/history/{Cities[n % Cities.Length]}?hours={n % 47 + 1}&standard={(n / 47 % 2 == 0 ? "in" : "us")}";
    }

    private Task WaitCacheUsedAsync(string what) => Eventually.UntilAsync(async () =>
    {
        if (!_probe.IsConnected) return "test connection to Redis not up";
        try
        {
            // A fresh answer must land in Redis (the tier writes are fire-and-forget, so look until it shows).
            using var r = await _http.GetAsync(NewPath());
            var keys = 0;
            await foreach (var _ in _probe.GetServer(_redis.Endpoint).KeysAsync(pattern: RedisAnswerStore.KeyPrefix + "*")) keys++;
            return keys > 0 ? null : "no answer in Redis yet";
        }
        catch (RedisException ex)
        {
            return ex.Message;
        }
    }, TimeSpan.FromSeconds(30), what);

    private Task WaitHealthAsync(string cache, string what) => Eventually.UntilAsync(async () =>
    {
        var h = await _http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        var status = h.GetProperty("status").GetString();
        var ok = h.GetProperty("cache").GetString() == cache && (cache == "connected" || status == "degraded");
        return ok ? null : h.ToString();
    }, TimeSpan.FromSeconds(30), what);

    public async Task DisposeAsync()
    {
        _probe?.Dispose();
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_redis is not null) await _redis.DisposeAsync();
        if (_catalog != "") File.Delete(_catalog);
    }
}
