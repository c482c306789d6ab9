using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.TestSupport;
using AirQuality.WebFront.Caching;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.WebFront.Tests;

/// <summary>Ready answers served ahead of routing: the same bytes and headers as the endpoint's, and only when they may be.</summary>
[Collection(ApiCollection.Name)]
public sealed class ReadyAnswerTests(EmbeddedAppWithRedis app)
{
    private CacheMetrics Metrics => app.App.Services.GetRequiredService<CacheMetrics>();

    /// <summary>
    /// Sends the request until one is served ahead of routing (the first may fill the ready answer; a poll may drop it
    /// between two requests); the response of that one.
    /// </summary>
    private async Task<HttpResponseMessage> ServedAhead(Func<HttpRequestMessage> request)
    {
        HttpResponseMessage? served = null;
        await Eventually.UntilAsync(async () =>
        {
            var before = Metrics.ServedAheadOfRouting;
            var response = await app.Http.SendAsync(request());
            if (Metrics.ServedAheadOfRouting == before) return false;
            served = response;
            return true;
        }, TimeSpan.FromSeconds(10), "a ready answer served ahead of routing");
        return served!;
    }

    private async Task<bool> IsServedAhead(HttpRequestMessage request)
    {
        var before = Metrics.ServedAheadOfRouting;
        await app.Http.SendAsync(request);
        return Metrics.ServedAheadOfRouting != before;
    }

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);

    [Fact]
    public async Task A_ready_current_answer_is_written_as_the_endpoint_writes_it()
    {
        var ahead = await ServedAhead(() => Get("/api/v1/aqi/current/Kochi?standard=us"));
        // Through the endpoint: an Origin header sends the request down the pipeline (CORS answers there).
        var viaEndpoint = Get("/api/v1/aqi/current/kochi?standard=us");
        viaEndpoint.Headers.Add("Origin", "https://example.org");
        var before = Metrics.ServedAheadOfRouting;
        var endpoint = await app.Http.SendAsync(viaEndpoint);
        Assert.Equal(before, Metrics.ServedAheadOfRouting);

        Assert.Equal(HttpStatusCode.OK, ahead.StatusCode);
        Assert.Equal(endpoint.Headers.ETag, ahead.Headers.ETag);
        Assert.Equal("public, max-age=60", ahead.Headers.CacheControl?.ToString());
        Assert.Equal("application/json; charset=utf-8", ahead.Content.Headers.ContentType?.ToString());
        var body = await ahead.Content.ReadAsByteArrayAsync();
        Assert.Equal(ahead.Content.Headers.ContentLength, body.Length);
        Assert.Equal(await endpoint.Content.ReadAsByteArrayAsync(), body);
        Assert.Equal("us", JsonDocument.Parse(body).RootElement.GetProperty("standard").GetString());

        // A conditional GET with the ETag it was given: 304, no body, still ahead of routing.
        var notModified = await ServedAhead(() =>
        {
            var r = Get("/api/v1/aqi/current/Kochi?standard=us");
            r.Headers.IfNoneMatch.Add(ahead.Headers.ETag!);
            return r;
        });
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Requests_the_endpoint_must_answer_are_not_served_ahead()
    {
        await ServedAhead(() => Get("/api/v1/aqi/current/Kochi"));

        var unknown = await app.Http.GetAsync("/api/v1/aqi/current/Atlantis");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        var badStandard = await app.Http.GetAsync("/api/v1/aqi/current/Kochi?standard=eu");
        Assert.Equal(HttpStatusCode.BadRequest, badStandard.StatusCode);
        Assert.Equal("application/problem+json", badStandard.Content.Headers.ContentType?.MediaType);

        Assert.False(await IsServedAhead(new HttpRequestMessage(HttpMethod.Post, "/api/v1/aqi/current/Kochi")));
        Assert.False(await IsServedAhead(Get("/api/v1/aqi/current/Kochi?standard=in&standard=us")));
        Assert.False(await IsServedAhead(Get("/api/v1/cities/rankings?state=Kerala")));
    }

    [Fact]
    public async Task An_unfiltered_rankings_page_is_served_ahead_under_each_spelling_of_its_parameters()
    {
        // The cities still take readings and forecasts while the test runs, and a change rebuilds the rankings: the
        // spelled request is compared with plain ones on both sides of it that show the same rankings (no change between).
        HttpResponseMessage plain = null!, spelled = null!;
        await Eventually.UntilAsync(async () =>
        {
            plain = await ServedAhead(() => Get("/api/v1/cities/rankings"));
            spelled = await ServedAhead(() => Get("/api/v1/cities/rankings?limit=100&page=1&order=DESC&standard=in&state=%20"));
            var after = await ServedAhead(() => Get("/api/v1/cities/rankings"));
            return Equals(plain.Headers.ETag, after.Headers.ETag);
        }, TimeSpan.FromSeconds(30), "the rankings unchanged across three requests");
        Assert.Equal(plain.Headers.ETag, spelled.Headers.ETag);
        var rankings = await plain.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(56, rankings.GetProperty("count").GetInt32());

        // Other pages are kept ready under their own key.
        var asc = await ServedAhead(() => Get("/api/v1/cities/rankings?order=asc&limit=5"));
        Assert.NotEqual(plain.Headers.ETag, asc.Headers.ETag);
        Assert.Equal(5, (await asc.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());
    }
}
