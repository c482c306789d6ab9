using AirQuality.Grains.Abstractions;
using System.Diagnostics;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Ingestion;
using Microsoft.AspNetCore.Http;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>The sources' HTTP pipeline against a real loopback server misbehaving the way upstreams do.</summary>
public sealed class ResilienceTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;
    private static Task Ok(HttpContext ctx) => LoopbackUpstream.Respond(ctx, 200, Samples.Body(Samples.OwmCurrent));

    [Fact]
    public async Task A_429_is_retried_after_the_wait_its_Retry_After_asks_for()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Sequence(
            ctx => LoopbackUpstream.Respond(ctx, 429, """{"cod":429,"message":"Too many requests"}""", ("Retry-After", "1")),
            Ok));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));

        var fetch = await harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        Assert.Single(fetch.Readings);
        var times = upstream.Requests.Select(r => r.At).ToList();
        Assert.Equal(2, times.Count);
        // The backoff alone would wait ~10 ms; Retry-After: 1 makes it a second.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
        var status = harness.Get<SourceMonitor>().Snapshot().Single(s => s.Source == SourceNames.OpenWeather);
        Assert.Equal(1, status.Retries);
        Assert.Equal(2, status.Attempts);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_limit_is_not_waited_for_and_the_error_says_when()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx =>
            LoopbackUpstream.Respond(ctx, 429, """{"cod":429,"message":"Too many requests"}""", ("Retry-After", "120")));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(1, upstream.RequestCount);
        Assert.Contains("HTTP 429", ex.Message);
        Assert.Contains("Retry-After 120 s", ex.Message);
    }

    [Fact]
    public async Task A_500_then_a_good_answer_is_retried_into_success()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Sequence(
            ctx => LoopbackUpstream.Respond(ctx, 500, "internal error"),
            Ok));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));

        var fetch = await harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        Assert.Single(fetch.Readings);
        Assert.Equal(2, upstream.RequestCount);
        var status = harness.Get<SourceMonitor>().Snapshot().Single(s => s.Source == SourceNames.OpenWeather);
        Assert.Equal(1, status.FailedAttempts);
        Assert.Equal(1, status.Requests);
    }

    [Fact]
    public async Task A_hanging_upstream_times_out_per_attempt_and_is_retried()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(async ctx =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), ctx.RequestAborted).ContinueWith(_ => { });
            await Ok(ctx);
        });
        var settings = SourceHarness.OpenWeather(upstream.BaseUrl).With(
            ("Sources:OpenWeather:AttemptTimeout", "00:00:00.300"), ("Sources:OpenWeather:MaxRetries", "1"));
        await using var harness = SourceHarness.Create(settings);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Contains("timed out after 0.3 s", ex.Message);
        Assert.Equal(2, upstream.RequestCount);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Malformed_json_fails_with_a_clear_message()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, """{"coord":{"lon":77.1},"list":[{"dt":16061"""));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.StartsWith("malformed JSON", ex.Message);
        Assert.Equal(1, upstream.RequestCount); // a 200 is not retried: the next poll asks again
    }

    [Fact]
    public async Task An_answer_without_a_list_is_an_error_not_an_empty_hour()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, """{"coord":{"lon":77.1,"lat":28.5}}"""));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Contains("no 'list'", ex.Message);
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_while_other_sources_carry_on_and_it_closes_once_the_upstream_recovers()
    {
        await using var failing = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 503, "down for maintenance"));
        var records = Samples.CpcbRecords(Samples.CpcbCurrent);
        await using var cpcb = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, Samples.CpcbPage(records, 0, 1000)));
        var settings = SourceHarness.OpenWeather(failing.BaseUrl)
            .With(("Sources:OpenWeather:MaxRetries", "1"), ("Sources:OpenWeather:CircuitMinimumThroughput", "4"),
                ("Sources:OpenWeather:CircuitBreakDuration", "00:00:00.800"))
            .Concat(SourceHarness.Cpcb(cpcb.BaseUrl)).ToDictionary();
        await using var harness = SourceHarness.Create(settings);
        var openWeather = harness.Get<OpenWeatherSource>();
        var monitor = harness.Get<SourceMonitor>();

        // Each fetch is two failed attempts; after two fetches the breaker has seen 4 failures of 4.
        for (var i = 0; i < 2; i++)
            await Assert.ThrowsAsync<SourceException>(() => openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Equal("open", monitor.CircuitOf(SourceNames.OpenWeather));
        var seen = failing.RequestCount;

        var open = await Assert.ThrowsAsync<SourceException>(() => openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.StartsWith("circuit open", open.Message);
        Assert.Equal(seen, failing.RequestCount); // refused without touching the upstream

        var ground = await harness.Get<CpcbSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);
        Assert.Single(ground.Readings);
        Assert.Equal("closed", monitor.CircuitOf(SourceNames.Cpcb));

        failing.Handler = Ok;
        await Task.Delay(TimeSpan.FromMilliseconds(900));
        var recovered = await openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);
        Assert.Single(recovered.Readings);
        Assert.Equal("closed", monitor.CircuitOf(SourceNames.OpenWeather));
        Assert.Equal(1, monitor.Snapshot().Single(s => s.Source == SourceNames.OpenWeather).CircuitOpenings);
    }

    [Fact]
    public async Task A_refused_connection_is_reported_as_unreachable()
    {
        var upstream = await LoopbackUpstream.StartAsync();
        var url = upstream.BaseUrl;
        await upstream.StopAsync();
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(url).With(("Sources:OpenWeather:MaxRetries", "1")));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.StartsWith("unreachable", ex.Message);
        Assert.Equal(2, harness.Get<SourceMonitor>().Snapshot().Single(s => s.Source == SourceNames.OpenWeather).Attempts);
    }
}
