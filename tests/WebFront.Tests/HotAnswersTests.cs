using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using AirQuality.WebFront.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AirQuality.WebFront.Tests;

/// <summary>The ready answers in front of the answer cache: kept, dropped on a change, never put back from before it.</summary>
public sealed class HotAnswersTests
{
    private static CachedAnswer Answer(string value) =>
        new(System.Text.Encoding.UTF8.GetBytes("{\"v\":\"" + value + "\"}"), "\"" + value + "\"", DateTime.UtcNow);

    private static readonly Func<Task> NoRebuild = () => Task.CompletedTask;

    [Fact]
    public void A_kept_answer_is_found_by_a_span_key_and_written_as_it_was_cached()
    {
        var hot = new HotAnswers(new FakeTimeProvider());
        hot.Put("current:delhi:in:en", "delhi", hot.Generation("delhi"), Answer("a"), 60, NoRebuild);

        Assert.True(hot.TryGet("xcurrent:delhi:in:en".AsSpan(1), out var result));
        var answer = Assert.IsType<CachedAnswerResult>(result.Result).Answer;
        Assert.Equal("\"a\"", answer.ETag);
        Assert.False(hot.TryGet("current:delhi:us:en", out _));
    }

    [Fact]
    public void The_bound_follows_the_catalog_and_a_key_beyond_it_is_not_kept()
    {
        Assert.Equal(HotAnswers.DefaultMaxEntries, HotAnswers.BoundFor(56));
        Assert.Equal(5000 * HotAnswers.EntriesPerPlace, HotAnswers.BoundFor(5000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HotAnswers(new FakeTimeProvider(), 0));

        var hot = new HotAnswers(new FakeTimeProvider(), 3);
        for (var i = 0; i < 4; i++)
            hot.Put($"current:p{i}:in:en", $"p{i}", hot.Generation($"p{i}"), Answer($"p{i}"), 60, NoRebuild);
        Assert.Equal(3, hot.Count);
        Assert.True(hot.TryGet("current:p2:in:en", out _));
        Assert.False(hot.TryGet("current:p3:in:en", out _));
        // A key already kept is replaced even at the bound.
        hot.Put("current:p0:in:en", "p0", hot.Generation("p0"), Answer("p0b"), 60, NoRebuild);
        Assert.True(hot.TryGet("current:p0:in:en", out var result));
        Assert.Equal("\"p0b\"", Assert.IsType<CachedAnswerResult>(result.Result).Answer.ETag);
    }

    [Fact]
    public void A_change_drops_the_citys_answers_and_every_all_cities_answer_but_not_other_cities()
    {
        var hot = new HotAnswers(new FakeTimeProvider());
        Func<Task> rebuildDelhi = () => Task.CompletedTask, rebuildRankings = () => Task.CompletedTask;
        hot.Put("current:delhi:in:en", "delhi", hot.Generation("delhi"), Answer("d"), 60, rebuildDelhi);
        hot.Put("current:pune:in:en", "pune", hot.Generation("pune"), Answer("p"), 60, NoRebuild);
        hot.Put("rankings:in:desc:56", null, hot.Generation(null), Answer("r"), 60, rebuildRankings);

        List<Func<Task>> rebuilds = [];
        hot.Drop("delhi", rebuilds);

        Assert.False(hot.TryGet("current:delhi:in:en", out _));
        Assert.False(hot.TryGet("rankings:in:desc:56", out _));
        Assert.True(hot.TryGet("current:pune:in:en", out _));
        Assert.Equal(2, rebuilds.Count);
        Assert.Contains(rebuildDelhi, rebuilds);
        Assert.Contains(rebuildRankings, rebuilds);
    }

    [Fact]
    public void A_change_visits_only_its_citys_entries_among_thousands_and_a_later_change_finds_the_rebuilt_ones()
    {
        var hot = new HotAnswers(new FakeTimeProvider());
        const int places = 3000;
        for (var i = 0; i < places; i++)
            hot.Put($"current:p{i}:in:en", $"p{i}", hot.Generation($"p{i}"), Answer($"p{i}"), 60, NoRebuild);
        hot.Put("current:p7:us:en", "p7", hot.Generation("p7"), Answer("p7us"), 60, NoRebuild);
        hot.Put("rankings:in:desc:100:1:||", null, hot.Generation(null), Answer("r"), 60, NoRebuild);
        Assert.Equal(2, hot.IndexedKeys("p7"));
        Assert.Equal(1, hot.IndexedKeys(null));

        List<Func<Task>> rebuilds = [];
        hot.Drop("p7", rebuilds);

        Assert.Equal(places - 1, hot.Count);
        Assert.False(hot.TryGet("current:p7:in:en", out _));
        Assert.False(hot.TryGet("current:p7:us:en", out _));
        Assert.False(hot.TryGet("rankings:in:desc:100:1:||", out _));
        Assert.True(hot.TryGet("current:p8:in:en", out _));
        Assert.Equal(0, hot.IndexedKeys("p7"));
        Assert.Equal(0, hot.IndexedKeys(null));
        Assert.Equal(1, hot.IndexedKeys("p8"));

        // Put back after the change (a rebuild), then dropped by the next change of that city.
        hot.Put("current:p7:in:en", "p7", hot.Generation("p7"), Answer("p7b"), 60, NoRebuild);
        Assert.True(hot.TryGet("current:p7:in:en", out _));
        hot.Drop("p7", []);
        Assert.False(hot.TryGet("current:p7:in:en", out _));

        // After a clear, answers put again are indexed again.
        hot.Clear();
        Assert.Equal(0, hot.Count);
        hot.Put("current:p8:in:en", "p8", hot.Generation("p8"), Answer("p8b"), 60, NoRebuild);
        hot.Drop("p8", []);
        Assert.False(hot.TryGet("current:p8:in:en", out _));
    }

    [Fact]
    public void An_answer_computed_before_a_change_or_a_clear_is_not_put_back()
    {
        var hot = new HotAnswers(new FakeTimeProvider());
        var delhiBefore = hot.Generation("delhi");
        var allBefore = hot.Generation(null);
        hot.Drop("delhi", []);
        hot.Put("current:delhi:in:en", "delhi", delhiBefore, Answer("old"), 60, NoRebuild);
        hot.Put("rankings:in:desc:56", null, allBefore, Answer("old"), 60, NoRebuild);
        Assert.False(hot.TryGet("current:delhi:in:en", out _));
        Assert.False(hot.TryGet("rankings:in:desc:56", out _));

        var puneBefore = hot.Generation("pune");
        hot.Clear();
        hot.Put("current:pune:in:en", "pune", puneBefore, Answer("old"), 60, NoRebuild);
        Assert.False(hot.TryGet("current:pune:in:en", out _));

        hot.Put("current:pune:in:en", "pune", hot.Generation("pune"), Answer("new"), 60, NoRebuild);
        Assert.True(hot.TryGet("current:pune:in:en", out _));
    }

    [Fact]
    public void Stale_answers_are_not_kept_and_kept_ones_expire_with_the_cache()
    {
        var clock = new FakeTimeProvider();
        var hot = new HotAnswers(clock);
        hot.Put("current:delhi:in:en", "delhi", hot.Generation("delhi"), Answer("s").AsStale(), 60, NoRebuild);
        Assert.False(hot.TryGet("current:delhi:in:en", out _));

        hot.Put("current:delhi:in:en", "delhi", hot.Generation("delhi"), Answer("a"), 60, NoRebuild);
        clock.Advance(HotAnswers.Expiry - TimeSpan.FromSeconds(1));
        Assert.True(hot.TryGet("current:delhi:in:en", out _));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(hot.TryGet("current:delhi:in:en", out _));
    }
}

/// <summary>The ready answers of the running service: rebuilt after a change, served without the cache.</summary>
[Collection(ApiCollection.Name)]
public sealed class HotAnswersApiTests(EmbeddedAppWithRedis app)
{
    [Fact]
    public async Task After_a_change_the_current_answer_is_rebuilt_ready_with_the_new_value_and_served_byte_for_byte()
    {
        const string key = "current:jabalpur:in:en";
        var hot = app.App.Services.GetRequiredService<AnswerCache>().Hot;
        var first = await app.Http.GetAsync("/api/v1/aqi/current/Jabalpur");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(hot.TryGet(key, out var kept));
        // The ready answer is the cached one, byte for byte.
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), ((CachedAnswerResult)kept.Result).Answer.Json);

        var hour = (await first.Content.ReadFromJsonAsync<JsonElement>(EmbeddedApp.Json)).GetProperty("timestamp").GetDateTime().ToUniversalTime();
        var grains = app.App.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<ICityGrain>(GrainKeys.City("jabalpur")).Ingest(
            [new SourceReading("jabalpur", hour, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm10] = 655 }, null)]);

        // Rebuilt in the background after the pushed change, without a request asking for it.
        CachedAnswer? rebuilt = null;
        await Eventually.UntilAsync(() =>
        {
            rebuilt = hot.TryGet(key, out var r) ? ((CachedAnswerResult)r.Result).Answer : null;
            return Task.FromResult(rebuilt is not null && JsonDocument.Parse(rebuilt.Json).RootElement.GetProperty("pm10").GetDouble() == 655);
        }, TimeSpan.FromSeconds(10), "the rebuilt ready answer with the new PM10");

        var after = await app.Http.GetAsync("/api/v1/aqi/current/Jabalpur");
        Assert.Equal(rebuilt!.Json, await after.Content.ReadAsByteArrayAsync());
        Assert.Equal(rebuilt.ETag, after.Headers.ETag?.Tag);
        Assert.Equal("public, max-age=60", after.Headers.CacheControl?.ToString());
        Assert.Equal("application/json; charset=utf-8", after.Content.Headers.ContentType?.ToString());
    }
}
