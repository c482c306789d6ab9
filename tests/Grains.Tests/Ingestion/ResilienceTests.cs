using AirQuality.Grains.Abstractions;
using System.Diagnostics;
using System.Text;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Ingestion;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>
/// The sources' HTTP pipeline (the real typed clients and resilience handlers) against real loopback servers
/// misbehaving the way upstreams do: 5xx, 429 with Retry-After, hanging, bodies that never end or are not JSON.
/// Where a test must wait out a circuit's break it moves a fake clock, never the wall clock.
/// </summary>
public sealed class ResilienceTests(ITestOutputHelper output)
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;
    private static Task Ok(HttpContext ctx) => LoopbackServer.Respond(ctx, 200, Samples.Body(Samples.OwmCurrent));

    private static Task Respond(HttpContext ctx, int status, string body, params (string Name, string Value)[] headers)
    {
        foreach (var (name, value) in headers) ctx.Response.Headers[name] = value;
        return LoopbackServer.Respond(ctx, status, body);
    }

    /// <summary>A handler answering each request with the next of <paramref name="answers"/>, the last one repeating.</summary>
    private static Func<HttpContext, Task> Sequence(params Func<HttpContext, Task>[] answers)
    {
        var next = -1;
        return ctx => answers[Math.Min(Interlocked.Increment(ref next), answers.Length - 1)](ctx);
    }

    /// <summary>A 200 whose JSON body starts and then never ends: a byte every 50 ms until the client hangs up.</summary>
    private static async Task EndlessTrickle(HttpContext ctx)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync("{\"list\":["u8.ToArray(), ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(ctx.RequestAborted))
            {
                await ctx.Response.Body.WriteAsync(" "u8.ToArray(), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A 200 that streams JSON whitespace as fast as it can, forever.</summary>
    private static async Task EndlessFlood(HttpContext ctx)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 16 * 1024));
        try
        {
            await ctx.Response.Body.WriteAsync("["u8.ToArray(), ctx.RequestAborted);
            while (!ctx.RequestAborted.IsCancellationRequested) await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    private static SourceProcessStatus Status(SourceHarness harness, string source) =>
        harness.Get<SourceMonitor>().Snapshot().Single(s => s.Source == source);

    [Fact]
    public async Task A_burst_larger_than_the_limit_waits_its_turn_and_never_has_more_calls_in_flight_than_allowed()
    {
        var inFlight = 0;
        var most = 0;
        await using var upstream = await LoopbackServer.StartAsync(async ctx =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            try
            {
                await Task.Yield();
                await Ok(ctx);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri)
            .With(($"{OpenWeatherOptions.Section}:MaxConcurrentCalls", "3"), ($"{OpenWeatherOptions.Section}:CallsPerMinute", "0")));
        var source = harness.Get<OpenWeatherSource>();

        // Every place polling in the same instant: 300 requests for 3 permits, none refused.
        var fetches = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => Task.Run(() => source.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None))));

        Assert.All(fetches, f => Assert.Single(f.Readings));
        Assert.Equal(300, upstream.Seen.Count);
        Assert.InRange(most, 1, 3);
        output.WriteLine($"at most {most} calls in flight");
    }

    [Fact]
    public async Task Beyond_the_queue_a_request_fails_at_once_and_says_why_and_the_queued_ones_complete()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        await using var upstream = await LoopbackServer.StartAsync(async ctx =>
        {
            Interlocked.Increment(ref arrived);
            await gate.Task;
            await Ok(ctx);
        });
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri).With(
            ($"{OpenWeatherOptions.Section}:MaxConcurrentCalls", "2"), ($"{OpenWeatherOptions.Section}:MaxQueuedCalls", "3"),
            ($"{OpenWeatherOptions.Section}:CallsPerMinute", "0")));
        var source = harness.Get<OpenWeatherSource>();

        // Two in flight (held by the upstream), three waiting: of eight, three are refused without a call, whichever they are.
        var fetches = Enumerable.Range(0, 8).Select(_ => Task.Run(() => source.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None))).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(fetches.Count(f => f.IsFaulted) == 3 && Volatile.Read(ref arrived) == 2
            ? null : $"{fetches.Count(f => f.IsFaulted)} refused, {arrived} arrived"), TimeSpan.FromSeconds(20), "three refusals");
        Assert.Equal(2, Volatile.Read(ref arrived));
        foreach (var failed in fetches.Where(f => f.IsFaulted))
            Assert.Contains("already waiting", Assert.IsType<SourceException>(failed.Exception!.InnerException).Message);

        gate.SetResult();
        var served = await Task.WhenAll(fetches.Where(f => !f.IsFaulted));
        Assert.Equal(5, served.Length);
        Assert.All(served, f => Assert.Single(f.Readings));
        Assert.Equal(5, upstream.Seen.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
        }
    }

    [Fact]
    public async Task A_429_is_retried_after_the_wait_its_Retry_After_asks_for()
    {
        await using var upstream = await LoopbackServer.StartAsync(Sequence(
            ctx => Respond(ctx, 429, """{"cod":429,"message":"Too many requests"}""", ("Retry-After", "1")),
            Ok));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri));

        var fetch = await harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        Assert.Single(fetch.Readings);
        var times = upstream.Seen.Select(r => r.At).ToList();
        Assert.Equal(2, times.Count);
        // The backoff alone would wait ~10 ms; Retry-After: 1 makes it a second.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
        var status = Status(harness, SourceNames.OpenWeather);
        Assert.Equal(1, status.Retries);
        Assert.Equal(2, status.Attempts);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_limit_is_not_waited_for_and_the_error_says_when()
    {
        await using var upstream = await LoopbackServer.StartAsync(ctx =>
            Respond(ctx, 429, """{"cod":429,"message":"Too many requests"}""", ("Retry-After", "120")));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri));
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Single(upstream.Seen);
        Assert.Contains("HTTP 429", ex.Message);
        Assert.Contains("Retry-After 120 s", ex.Message);
    }

    [Fact]
    public async Task A_500_then_a_good_answer_is_retried_into_success()
    {
        await using var upstream = await LoopbackServer.StartAsync(Sequence(
            ctx => LoopbackServer.Respond(ctx, 500, "internal error", "text/plain"),
            Ok));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri));

        var fetch = await harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        Assert.Single(fetch.Readings);
        Assert.Equal(2, upstream.Seen.Count);
        var status = Status(harness, SourceNames.OpenWeather);
        Assert.Equal(1, status.FailedAttempts);
        Assert.Equal(1, status.Requests);
    }

    [Fact]
    public async Task A_hanging_upstream_times_out_per_attempt_and_is_retried()
    {
        // The server stands for a slow upstream: it answers after 5 s, long after the client gave up.
        await using var upstream = await LoopbackServer.StartAsync(async ctx =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), ctx.RequestAborted).ContinueWith(_ => { });
            await Ok(ctx);
        });
        var settings = SourceHarness.OpenWeather(upstream.BaseUri).With(
            ("Sources:OpenWeather:AttemptTimeout", "00:00:00.300"), ("Sources:OpenWeather:MaxRetries", "1"));
        await using var harness = SourceHarness.Create(settings);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Contains("timed out after 0.3 s", ex.Message);
        Assert.Equal(2, Status(harness, SourceNames.OpenWeather).Attempts);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_body_that_never_ends_is_cut_by_the_attempt_timeout_and_retried()
    {
        await using var upstream = await LoopbackServer.StartAsync(EndlessTrickle);
        var settings = SourceHarness.OpenWeather(upstream.BaseUri).With(
            ("Sources:OpenWeather:AttemptTimeout", "00:00:00.500"), ("Sources:OpenWeather:MaxRetries", "1"));
        await using var harness = SourceHarness.Create(settings);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        var status = Status(harness, SourceNames.OpenWeather);
        output.WriteLine($"endless body: {ex.Message} after {watch.ElapsedMilliseconds} ms, {status.Attempts} attempts");
        Assert.Contains("timed out after 0.5 s", ex.Message);
        // Counted by the client: on a starved machine the server may not have logged the last attempt yet.
        Assert.Equal(2, status.Attempts);
        Assert.Equal(2, status.FailedAttempts);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_not_read_on_and_not_retried()
    {
        await using var upstream = await LoopbackServer.StartAsync(EndlessFlood);
        var settings = SourceHarness.OpenWeather(upstream.BaseUri).With(("Sources:OpenWeather:MaxResponseKilobytes", "256"));
        await using var harness = SourceHarness.Create(settings);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Equal("answer larger than 256 KiB, not read", ex.Message);
        Assert.Single(upstream.Seen);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Malformed_json_fails_with_a_clear_message()
    {
        await using var upstream = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 200, """{"coord":{"lon":77.1},"list":[{"dt":16061"""));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.StartsWith("malformed JSON", ex.Message);
        Assert.Single(upstream.Seen); // a 200 is not retried: the next poll asks again
        Assert.Equal(1, Status(harness, SourceNames.OpenWeather).FailedAttempts); // but it is a failure, for the circuit too
    }

    [Fact]
    public async Task An_html_page_instead_of_json_fails_saying_so()
    {
        await using var upstream = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 200, "<html><body>Gateway login</body></html>", "text/html"));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Equal("not JSON (text/html)", ex.Message);
        Assert.Single(upstream.Seen);
    }

    [Fact]
    public async Task An_answer_without_a_list_is_an_error_not_an_empty_hour()
    {
        await using var upstream = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 200, """{"coord":{"lon":77.1,"lat":28.5}}"""));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUri));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Contains("no 'list'", ex.Message);
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_while_other_sources_carry_on_and_it_closes_once_the_upstream_recovers()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var failing = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 503, "down for maintenance", "text/plain"));
        var records = Samples.CpcbRecords(Samples.CpcbCurrent);
        await using var cpcb = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 200, Samples.CpcbPage(records, 0, 1000)));
        var settings = SourceHarness.OpenWeather(failing.BaseUri)
            .With(("Sources:OpenWeather:MaxRetries", "1"), ("Sources:OpenWeather:RetryBaseDelay", "00:00:00"),
                ("Sources:OpenWeather:CircuitMinimumThroughput", "4"), ("Sources:OpenWeather:CircuitBreakDuration", "00:00:30"))
            .Concat(SourceHarness.Cpcb(cpcb.BaseUri)).ToDictionary();
        await using var harness = SourceHarness.Create(settings, clock: clock);
        var openWeather = harness.Get<OpenWeatherSource>();
        var monitor = harness.Get<SourceMonitor>();

        // Each fetch is two failed attempts; after two fetches the breaker has seen 4 failures of 4.
        for (var i = 0; i < 2; i++)
            await Assert.ThrowsAsync<SourceException>(() => openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Equal("open", monitor.CircuitOf(SourceNames.OpenWeather));
        var seen = failing.Seen.Count;

        var open = await Assert.ThrowsAsync<SourceException>(() => openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.StartsWith("circuit open", open.Message);
        Assert.Contains("next try in 30 s", open.Message);
        Assert.Equal(seen, failing.Seen.Count); // refused without touching the upstream

        var ground = await harness.Get<CpcbSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);
        Assert.Single(ground.Readings);
        Assert.Equal("closed", monitor.CircuitOf(SourceNames.Cpcb));

        // Still within the break: refused. Past it: one probe goes through, succeeds, and the circuit closes.
        failing.Handler = Ok;
        clock.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<SourceException>(() => openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Equal(seen, failing.Seen.Count);
        clock.Advance(TimeSpan.FromSeconds(2));
        var recovered = await openWeather.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);
        Assert.Single(recovered.Readings);
        Assert.Equal("closed", monitor.CircuitOf(SourceNames.OpenWeather));
        Assert.Equal(1, monitor.Snapshot().Single(s => s.Source == SourceNames.OpenWeather).CircuitOpenings);
    }

    [Fact]
    public async Task Timeouts_open_the_circuit_of_that_source_only()
    {
        await using var hanging = await LoopbackServer.StartAsync(EndlessTrickle);
        var records = Samples.CpcbRecords(Samples.CpcbCurrent);
        await using var cpcb = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 200, Samples.CpcbPage(records, 0, 1000)));
        var settings = SourceHarness.OpenWeather(hanging.BaseUri)
            .With(("Sources:OpenWeather:AttemptTimeout", "00:00:00.200"), ("Sources:OpenWeather:MaxRetries", "1"),
                ("Sources:OpenWeather:CircuitMinimumThroughput", "4"), ("Sources:OpenWeather:CircuitBreakDuration", "00:05:00"))
            .Concat(SourceHarness.Cpcb(cpcb.BaseUri)).ToDictionary();
        await using var harness = SourceHarness.Create(settings);
        var monitor = harness.Get<SourceMonitor>();

        for (var i = 0; i < 2; i++)
            await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Equal("open", monitor.CircuitOf(SourceNames.OpenWeather));
        var attempts = Status(harness, SourceNames.OpenWeather).Attempts;
        Assert.Equal(4, attempts);
        var watch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.StartsWith("circuit open", refused.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"an open circuit answered after {watch.Elapsed}");
        Assert.Equal(attempts, Status(harness, SourceNames.OpenWeather).Attempts); // refused without an attempt
        Assert.Single((await harness.Get<CpcbSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None)).Readings);
        Assert.Equal("closed", monitor.CircuitOf(SourceNames.Cpcb));
    }

    [Fact]
    public async Task Garbage_bodies_open_the_circuit_and_a_good_answer_after_the_break_closes_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var upstream = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 200, "\u0000\u0013garbage{{{"));
        var settings = SourceHarness.OpenWeather(upstream.BaseUri)
            .With(("Sources:OpenWeather:CircuitMinimumThroughput", "4"), ("Sources:OpenWeather:CircuitBreakDuration", "00:01:00"));
        await using var harness = SourceHarness.Create(settings, clock: clock);
        var monitor = harness.Get<SourceMonitor>();

        for (var i = 0; i < 4; i++)
        {
            var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
            Assert.StartsWith("malformed JSON", ex.Message);
        }
        Assert.Equal(4, upstream.Seen.Count); // garbage is not retried
        Assert.Equal("open", monitor.CircuitOf(SourceNames.OpenWeather));
        var open = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.StartsWith("circuit open", open.Message);
        Assert.Equal(4, upstream.Seen.Count);

        upstream.Handler = Ok;
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Single((await harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None)).Readings);
        Assert.Equal("closed", monitor.CircuitOf(SourceNames.OpenWeather));
    }

    [Fact]
    public async Task A_poll_keeps_nothing_of_a_failing_source_and_everything_of_the_others()
    {
        // CPCB's feed breaks on its second page (nothing of the first page may be used: the download is one answer);
        // OpenWeather sends a body that never ends; the simulator answers.
        var records = Samples.CpcbRecords(Samples.CpcbCurrent);
        Assert.True(records.Count > 1, "the sample needs two pages");
        await using var cpcb = await LoopbackServer.StartAsync(ctx =>
            ctx.Request.Query["offset"] == "0"
                ? LoopbackServer.Respond(ctx, 200, Samples.CpcbPage(records, 0, 1))
                : LoopbackServer.Respond(ctx, 200, """{"records":[{"state":"Delhi","city":"Delhi","""));
        await using var openWeather = await LoopbackServer.StartAsync(EndlessTrickle);
        var settings = SourceHarness.OpenWeather(openWeather.BaseUri)
            .With(("Sources:OpenWeather:AttemptTimeout", "00:00:00.300"), ("Sources:OpenWeather:MaxRetries", "1"))
            .Concat(SourceHarness.Cpcb(cpcb.BaseUri).With(("Sources:Cpcb:PageSize", "1"))).ToDictionary();
        await using var harness = SourceHarness.Create(settings);
        var cycle = new PollCycle(Delhi, [harness.Get<CpcbSource>(), harness.Get<OpenWeatherSource>(), new SimulatedSource(true)],
            harness.Get<SourceHealthReporter>(), null!, TimeSpan.FromSeconds(10), NullLogger.Instance);

        var result = await cycle.FetchAsync(DateTime.UtcNow);

        var fresh = Assert.Single(result.Fresh);
        Assert.Equal(SourceNames.Simulated, fresh.Source);
        var outcomes = result.Outcomes.ToDictionary(o => o.Source);
        Assert.StartsWith("malformed JSON", outcomes[SourceNames.Cpcb].Error);
        Assert.Contains("timed out", outcomes[SourceNames.OpenWeather].Error);
        Assert.Equal(0, outcomes[SourceNames.Cpcb].Accepted);
        Assert.Equal(0, outcomes[SourceNames.OpenWeather].Accepted);
        Assert.Null(outcomes[SourceNames.Simulated].Error);
        Assert.Equal(2, cpcb.Seen.Count); // the first page was read, and thrown away with the broken second
    }

    [Fact]
    public async Task A_refused_connection_is_reported_as_unreachable()
    {
        var upstream = await LoopbackServer.StartAsync(ctx => LoopbackServer.Respond(ctx, 404, "{}"));
        var url = upstream.BaseUri;
        await upstream.DisposeAsync();
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(url).With(("Sources:OpenWeather:MaxRetries", "1")));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.StartsWith("unreachable", ex.Message);
        Assert.Equal(2, Status(harness, SourceNames.OpenWeather).Attempts);
    }
}
