using AirQuality.Grains.Abstractions;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AirQuality.WebFront.Tests;

/// <summary>The answer cache (memory and Redis), its invalidation by pushed city changes, and SignalR push.</summary>
[Collection(ApiCollection.Name)]
public sealed class CacheAndPushTests(EmbeddedAppWithRedis app)
{
    private IGrainFactory Grains => app.App.Services.GetRequiredService<IGrainFactory>();

    private async Task<(long Hits, long Misses)> CacheCounters()
    {
        var m = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics");
        var c = m.GetProperty("cache");
        return (c.GetProperty("hits").GetInt64(), c.GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task A_repeated_answer_is_a_cache_hit_with_the_same_etag_and_304_for_if_none_match()
    {
        var first = await app.Http.GetAsync("/api/v1/aqi/current/Jaipur");
        var before = await CacheCounters();
        var second = await app.Http.GetAsync("/api/v1/aqi/current/Jaipur");
        var after = await CacheCounters();

        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.NotNull(first.Headers.ETag);
        Assert.Equal("public, max-age=60", first.Headers.CacheControl?.ToString());
        Assert.Equal(before.Hits + 1, after.Hits);
        Assert.Equal(before.Misses, after.Misses);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/api/v1/aqi/current/Jaipur");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var notModified = await app.Http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Answers_are_shared_through_redis()
    {
        await app.Http.GetAsync("/api/v1/aqi/current/Lucknow?standard=us");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
        var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: "aq:answers:*lucknow*").ToList();
        Assert.NotEmpty(keys);
    }

    [Fact]
    public async Task New_readings_drop_the_cached_answer_and_are_pushed_to_subscribers()
    {
        var city = "Nashik";
        var before = await app.Http.GetFromJsonAsync<JsonElement>($"/api/v1/aqi/current/{city}", EmbeddedApp.Json);
        var hour = before.GetProperty("timestamp").GetDateTime().ToUniversalTime();

        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/aqi")).Build();
        var received = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("cityChanged", change =>
        {
            if (change.GetProperty("city_id").GetString() == "nashik") received.TrySetResult(change);
        });
        await hub.StartAsync();
        Assert.Equal("nashik", await hub.InvokeAsync<string>("Subscribe", "nashik"));

        await Grains.GetGrain<ICityGrain>(GrainKeys.City("nashik")).Ingest(
            [new SourceReading("nashik", hour, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm10] = 777 }, null)]);

        var change = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("readings", change.GetProperty("kind").GetString());
        // The cache entry went with the change: the next answer shows the new value and its source.
        JsonElement after = default;
        await Eventually.UntilAsync(async () =>
        {
            after = await app.Http.GetFromJsonAsync<JsonElement>($"/api/v1/aqi/current/{city}", EmbeddedApp.Json);
            return after.GetProperty("pm10").GetDouble() == 777;
        }, TimeSpan.FromSeconds(5), "the new PM10 in the answer");
        Assert.Equal(777, after.GetProperty("pm10").GetDouble());
        Assert.Contains("cpcb", after.GetProperty("source").GetString());
    }

    [Fact]
    public async Task A_client_that_takes_batches_gets_a_change_inside_a_citiesChanged_array()
    {
        var before = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/Guwahati", EmbeddedApp.Json);
        var hour = before.GetProperty("timestamp").GetDateTime().ToUniversalTime();

        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/aqi")).Build();
        var received = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var single = 0;
        hub.On<JsonElement>("cityChanged", _ => Interlocked.Increment(ref single));
        hub.On<JsonElement>("citiesChanged", changes =>
        {
            Assert.Equal(JsonValueKind.Array, changes.ValueKind);
            foreach (var c in changes.EnumerateArray())
                if (c.GetProperty("city_id").GetString() == "guwahati" && c.GetProperty("kind").GetString() == "readings") received.TrySetResult(c);
        });
        await hub.StartAsync();
        await hub.InvokeAsync("SubscribeBatches");

        await Grains.GetGrain<ICityGrain>(GrainKeys.City("guwahati")).Ingest(
            [new SourceReading("guwahati", hour, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm10] = 611 }, null)]);

        var change = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("guwahati", change.GetProperty("city_id").GetString());
        // Batches only: the connection joined no city group, so no message per change.
        Assert.Equal(0, Volatile.Read(ref single));
        // The change went with the cache entry (the change received may be a poll's, before the ingest's).
        await Eventually.UntilAsync(async () =>
            (await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/Guwahati", EmbeddedApp.Json)).GetProperty("pm10").GetDouble() == 611,
            TimeSpan.FromSeconds(5), "the new PM10 in the answer");
    }

    [Fact]
    public async Task Clearing_the_cache_needs_an_admin_token()
    {
        var anonymous = await app.Http.PostAsync("/api/v1/cache/clear", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        var wrong = await Send("not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var dashboardOnly = await Send(EmbeddedApp.DashboardToken);
        Assert.Equal(HttpStatusCode.Forbidden, dashboardOnly.StatusCode);

        await app.Http.GetAsync("/api/v1/aqi/current/Agartala");
        var admin = await Send(EmbeddedApp.AdminToken);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        var body = await admin.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("cleared").GetBoolean());
        Assert.True(body.GetProperty("redis_keys_deleted").GetInt64() >= 1);

        var before = await CacheCounters();
        await app.Http.GetAsync("/api/v1/aqi/current/Agartala");
        var after = await CacheCounters();
        Assert.Equal(before.Misses + 1, after.Misses);

        async Task<HttpResponseMessage> Send(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cache/clear");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await app.Http.SendAsync(request);
        }
    }

    [Fact]
    public async Task Metrics_report_the_seed_figures()
    {
        for (var i = 0; i < 5; i++) await app.Http.GetAsync("/api/v1/cities/rankings");
        var m = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics");

        var requests = m.GetProperty("requests");
        Assert.True(requests.GetProperty("requests_last_minute").GetInt64() >= 5);
        Assert.True(requests.GetProperty("p99_ms").GetDouble() >= requests.GetProperty("p50_ms").GetDouble());
        Assert.True(requests.GetProperty("p50_ms").GetDouble() > 0);
        Assert.True(m.GetProperty("memory_mb").GetProperty("working_set").GetDouble() > 10);
        Assert.True(m.GetProperty("cpu_percent").GetDouble() >= 0);
        Assert.Equal("redis", m.GetProperty("cache").GetProperty("backend").GetString());
        Assert.InRange(m.GetProperty("cache").GetProperty("hit_rate").GetDouble(), 0, 1);
        var simulated = m.GetProperty("sources").EnumerateArray().Single(x => x.GetProperty("name").GetString() == "simulated");
        Assert.True(simulated.GetProperty("polls").GetInt64() >= 56);
    }
}
