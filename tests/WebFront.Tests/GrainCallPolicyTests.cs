using System.Diagnostics.Metrics;
using AirQuality.WebFront.Caching;
using AirQuality.WebFront.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace AirQuality.WebFront.Tests;

/// <summary>The web front's one grain-call policy: what it retries, for how long, and what it passes on.</summary>
public sealed class GrainCallPolicyTests
{
    private static GrainCallPolicy Policy(TimeSpan budget, TimeSpan attempt)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new GrainCallPolicy(Options.Create(new GrainCallOptions { Budget = budget, AttemptTimeout = attempt }), TimeProvider.System, meters);
    }

    [Fact]
    public async Task A_call_failing_because_its_silo_died_is_sent_again_until_it_answers()
    {
        var policy = Policy(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        var calls = 0;
        var answer = await policy.RunAsync(_ => ++calls switch
        {
            1 => Task.FromException<int>(new SiloUnavailableException("target silo became unavailable")),
            2 => Task.FromException<int>(new TimeoutException("response did not arrive in time")),
            3 => Task.FromException<int>(new ConnectionFailedException("connection refused")),
            4 => Task.FromException<int>(new GatewayTooBusyException()),
            _ => Task.FromResult(42),
        });

        Assert.Equal(42, answer);
        Assert.Equal(5, calls);
        Assert.Equal(4, policy.Retries);
    }

    [Fact]
    public async Task An_attempt_with_no_answer_is_sent_again_after_the_attempt_timeout()
    {
        var policy = Policy(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        var calls = 0;
        var never = new TaskCompletionSource<int>();

        var answer = await policy.RunAsync(_ => ++calls == 1 ? never.Task : Task.FromResult(7));

        Assert.Equal(7, answer);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_cluster_that_stays_gone_ends_in_grains_unavailable_within_the_budget()
    {
        var policy = Policy(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<GrainsUnavailableException>(() =>
            policy.RunAsync<int>(_ => Task.FromException<int>(new SiloUnavailableException("gone"))));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"gave up after {watch.Elapsed}");
        Assert.True(e.Attempts > 1, $"{e.Attempts} attempts");
        Assert.IsType<SiloUnavailableException>(e.InnerException);
    }

    [Fact]
    public async Task Anything_else_a_grain_throws_is_passed_on_at_once()
    {
        var policy = Policy(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        var calls = 0;

        await Assert.ThrowsAsync<ArgumentException>(() => policy.RunAsync<int>(_ =>
        {
            calls++;
            return Task.FromException<int>(new ArgumentException("bad city"));
        }));

        Assert.Equal(1, calls);
        Assert.False(GrainCallPolicy.IsTransient(new InvalidOperationException()));
        Assert.True(GrainCallPolicy.IsTransient(new TimeoutException()));
    }

    [Theory]
    [InlineData("00:00:00", "00:00:05", "00:00:02", "GrainCalls:Budget")]
    [InlineData("00:00:20", "00:00:30", "00:00:02", "GrainCalls:AttemptTimeout")]
    [InlineData("00:00:20", "00:00:05", "-00:00:01", "GrainCalls:StaleAfter")]
    public void Bad_settings_are_refused_naming_the_setting(string budget, string attempt, string staleAfter, string named)
    {
        var result = new GrainCallOptionsValidation().Validate(null, new GrainCallOptions
        {
            Budget = TimeSpan.Parse(budget, System.Globalization.CultureInfo.InvariantCulture),
            AttemptTimeout = TimeSpan.Parse(attempt, System.Globalization.CultureInfo.InvariantCulture),
            StaleAfter = TimeSpan.Parse(staleAfter, System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(named, StringComparison.Ordinal));
        Assert.True(new GrainCallOptionsValidation().Validate(null, new GrainCallOptions()).Succeeded);
    }

    [Fact]
    public void A_stale_answer_says_so_in_its_body_and_never_shares_the_fresh_etag()
    {
        var fresh = new CachedAnswer("{\"city\":\"Delhi\",\"aqi\":180}"u8.ToArray(), "\"abc\"", DateTime.UtcNow.AddSeconds(-30));

        var stale = fresh.AsStale();

        Assert.True(stale.Stale);
        Assert.Equal("{\"stale\":true,\"city\":\"Delhi\",\"aqi\":180}", System.Text.Encoding.UTF8.GetString(stale.Json));
        Assert.NotEqual(fresh.ETag, stale.ETag);
        Assert.Equal(fresh.CreatedAt, stale.CreatedAt);
        var known = new LastKnownAnswers(1024);
        known.Remember("current:delhi", stale);
        Assert.False(known.TryGet("current:delhi", out _));
        known.Remember("current:delhi", fresh);
        Assert.True(known.TryGet("current:delhi", out var back) && ReferenceEquals(fresh, back));
    }
}
