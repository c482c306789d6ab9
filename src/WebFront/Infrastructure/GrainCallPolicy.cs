using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Networking.Shared;
using Orleans.Runtime.Messaging;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>
/// How the web front waits for grains (configuration section `GrainCalls`). A silo that dies takes its grains with
/// it until the cluster has declared it dead (the failure-detection budget, about 15 s by default) and the grains are
/// activated on a survivor; a request asked in that time is retried, not failed.
/// </summary>
public sealed class GrainCallOptions
{
    public const string Section = "GrainCalls";

    /// <summary>Longest a request waits for its grains, retries included; then it gets a stale answer or a 503.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Longest one attempt waits before it is sent again: a message in flight to a silo that dies may never be
    /// answered (Orleans' own response timeout is 30 s).
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a read with a last known answer waits for its grain before that answer is served, marked stale
    /// (`Warning: 110`, `Age`, `"stale": true`); zero serves stale answers only once the budget is spent.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most payload the last known answers hold, in MiB (one per cached answer key).</summary>
    public int LastKnownMegabytes { get; set; } = 64;
}

/// <summary>The checks of <see cref="GrainCallOptions"/> at start; each failure names the setting.</summary>
public sealed class GrainCallOptionsValidation : IValidateOptions<GrainCallOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainCallOptions o)
    {
        var errors = new List<string>();
        if (o.Budget <= TimeSpan.Zero) errors.Add($"GrainCalls:Budget is {o.Budget}; it must be a positive time span.");
        if (o.AttemptTimeout <= TimeSpan.Zero) errors.Add($"GrainCalls:AttemptTimeout is {o.AttemptTimeout}; it must be a positive time span.");
        else if (o.AttemptTimeout > o.Budget) errors.Add($"GrainCalls:AttemptTimeout ({o.AttemptTimeout}) cannot exceed GrainCalls:Budget ({o.Budget}).");
        if (o.StaleAfter < TimeSpan.Zero) errors.Add($"GrainCalls:StaleAfter is {o.StaleAfter}; it cannot be negative.");
        else if (o.StaleAfter > o.Budget) errors.Add($"GrainCalls:StaleAfter ({o.StaleAfter}) cannot exceed GrainCalls:Budget ({o.Budget}).");
        if (o.LastKnownMegabytes < 0) errors.Add($"GrainCalls:LastKnownMegabytes is {o.LastKnownMegabytes}; it cannot be negative.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The grains could not answer within <see cref="GrainCallOptions.Budget"/>: answered 503 with Retry-After.</summary>
public sealed class GrainsUnavailableException(TimeSpan waited, int attempts, Exception last)
    : Exception($"The cluster did not answer within {waited.TotalSeconds:0.#} s ({attempts} attempts): {last.Message}", last)
{
    public int Attempts { get; } = attempts;
}

/// <summary>
/// The one place the web front calls grains from: a call that fails because its silo died or its gateway is gone
/// is sent again (short backoff) until it answers or <see cref="GrainCallOptions.Budget"/> is spent. Anything else a
/// grain throws (a bug, a bad argument) is passed on at once.
/// </summary>
public sealed class GrainCallPolicy
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100),
        TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)];

    private readonly GrainCallOptions _options;
    private readonly TimeProvider _clock;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _exhausted;

    public GrainCallPolicy(IOptions<GrainCallOptions> options, TimeProvider clock, IMeterFactory meters)
    {
        _options = options.Value;
        _clock = clock;
        var meter = meters.Create(Caching.CacheMetrics.MeterName);
        _retries = meter.CreateCounter<long>("aq.web.grain_call_retries", description: "grain calls sent again after a silo or gateway failure");
        _exhausted = meter.CreateCounter<long>("aq.web.grain_call_unavailable", description: "requests whose grains did not answer within GrainCalls:Budget");
    }

    public GrainCallOptions Options => _options;

    /// <summary>Retries since start (also the `aq.web.grain_call_retries` counter).</summary>
    public long Retries => Interlocked.Read(ref _retryCount);

    private long _retryCount;

    /// <summary>
    /// True for the failures of a call that never reached a live activation or whose answer was lost with its silo:
    /// safe to send again for reads. Orleans 10 reports them as <see cref="SiloUnavailableException"/> (a subclass of
    /// <see cref="OrleansMessageRejectionException"/>: target silo gone, or no gateway), other rejections (transient,
    /// overloaded, cache invalidation), <see cref="GatewayTooBusyException"/>, <see cref="ConnectionFailedException"/>
    /// and <see cref="SocketConnectionException"/> (gateway connection refused or lost), and <see cref="TimeoutException"/>
    /// (the response timeout of a message to a dead silo).
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException or ConnectionFailedException or SocketConnectionException
            or TimeoutException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsTransient),
        _ => false,
    };

    /// <summary>Runs <paramref name="call"/> (idempotent: a read) until it answers or the budget is spent.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken = default)
    {
        var start = _clock.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var remaining = _options.Budget - _clock.GetElapsedTime(start);
            var timeout = remaining < _options.AttemptTimeout ? remaining : _options.AttemptTimeout;
            try
            {
                return await call(cancellationToken).WaitAsync(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, _clock, cancellationToken);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                var pause = Backoff[Math.Min(attempt - 1, Backoff.Length - 1)];
                remaining = _options.Budget - _clock.GetElapsedTime(start);
                if (remaining <= pause)
                {
                    _exhausted.Add(1);
                    throw new GrainsUnavailableException(_clock.GetElapsedTime(start), attempt, e);
                }
                Interlocked.Increment(ref _retryCount);
                _retries.Add(1, new KeyValuePair<string, object?>("reason", e.GetType().Name));
                Activity.Current?.AddEvent(new ActivityEvent("grain call retried", tags: new ActivityTagsCollection { ["exception"] = e.GetType().Name }));
                await Task.Delay(pause, _clock, cancellationToken);
            }
        }
    }

    /// <summary>A call with nothing to return.</summary>
    public Task RunAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken = default) =>
        RunAsync(async ct =>
        {
            await call(ct);
            return true;
        }, cancellationToken);
}

/// <summary>Registration of the policy, its validated settings and the last known answers.</summary>
public static class GrainCallHosting
{
    public static IServiceCollection AddGrainCallPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GrainCallOptions>().Bind(configuration.GetSection(GrainCallOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainCallOptions>, GrainCallOptionsValidation>());
        services.TryAddSingleton<GrainCallPolicy>();
        services.TryAddSingleton(sp => new Caching.LastKnownAnswers(
            Math.Max(0, sp.GetRequiredService<IOptions<GrainCallOptions>>().Value.LastKnownMegabytes) * 1024L * 1024L));
        return services;
    }
}
