using AirQuality.Domain.Cities;
using AirQuality.Grains.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>
/// The real source registration (typed clients, resilience pipelines, budget, feed cache) in a plain service provider,
/// configured from settings the way the silo is, with timings short enough for tests.
/// </summary>
public sealed class SourceHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private SourceHarness(ServiceProvider services) => _services = services;

    public static SourceHarness Create(IEnumerable<KeyValuePair<string, string?>> settings, CityCatalog? catalog = null, LogRecorder? logs = null,
        TimeProvider? clock = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (logs is null) return;
            b.SetMinimumLevel(LogLevel.Trace);
            b.AddProvider(logs);
        });
        services.AddSingleton<IConfiguration>(config);
        services.AddSingleton(catalog ?? CityCatalog.Default);
        // A fake clock drives the resilience pipelines too (break durations, timeouts, Retry-After dates).
        if (clock is not null) services.AddSingleton(clock);
        services.AddAirQualitySources(config);
        return new SourceHarness(services.BuildServiceProvider());
    }

    /// <summary>
    /// Settings of one source pointed at <paramref name="upstream"/> with a key and test timings: 5 s attempts (the test
    /// machine may be busy; tests of timeouts shorten them), 10 ms
    /// backoff, 2 retries, and a circuit that needs 100 attempts to judge (tests of the circuit lower it).
    /// </summary>
    public static Dictionary<string, string?> Fast(string section, string keyVariable, Uri upstream, string key = "test-key") => new()
    {
        [keyVariable] = key,
        [$"{section}:BaseUrl"] = upstream.ToString(),
        [$"{section}:AttemptTimeout"] = "00:00:05",
        [$"{section}:TotalTimeout"] = "00:00:20",
        [$"{section}:RetryBaseDelay"] = "00:00:00.010",
        [$"{section}:MaxRetries"] = "2",
        [$"{section}:CircuitMinimumThroughput"] = "100",
        [$"{section}:CircuitSamplingDuration"] = "00:00:10",
        [$"{section}:CircuitBreakDuration"] = "00:00:01",
    };

    public static Dictionary<string, string?> OpenWeather(Uri upstream) => Fast(OpenWeatherOptions.Section, OpenWeatherOptions.KeyVariable, upstream);

    public static Dictionary<string, string?> Cpcb(Uri upstream) => Fast(CpcbOptions.Section, CpcbOptions.KeyVariable, upstream);

    /// <summary>IQAir with a budget large enough that every city is due every hour (budget tests use the real defaults).</summary>
    public static Dictionary<string, string?> IqAir(Uri upstream)
    {
        var s = Fast(IqAirOptions.Section, IqAirOptions.KeyVariable, upstream);
        s[$"{IqAirOptions.Section}:MonthlyCalls"] = "10000000";
        s[$"{IqAirOptions.Section}:DailyCalls"] = "1000000";
        s[$"{IqAirOptions.Section}:CallsPerMinuteLimit"] = "100000";
        s[$"{IqAirOptions.Section}:MaxRetries"] = "1";
        return s;
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>Settings merged, later ones winning.</summary>
public static class Settings
{
    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, params (string Key, string? Value)[] more)
    {
        var copy = new Dictionary<string, string?>(settings);
        foreach (var (k, v) in more) copy[k] = v;
        return copy;
    }
}

/// <summary>Keeps every log line written, for tests of what the system says.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> _lines = new();

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, System.Collections.Concurrent.ConcurrentQueue<(string, LogLevel, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((category, logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
