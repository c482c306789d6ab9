using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// This process's counters of every source: requests, attempts, retries, circuit state, rejections, skips, and the
/// budget and feed views that sources hang on it. City grains send its snapshot to the <see cref="ISourceHealthGrain"/>
/// with each poll; the same figures go out as metrics on the meter <see cref="MeterName"/>.
/// </summary>
public sealed class SourceMonitor : IDisposable
{
    /// <summary>Name of the meter the counters are published on.</summary>
    public const string MeterName = "AirQuality.Sources";

    private readonly ConcurrentDictionary<string, Counters> _sources = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _skips;
    private readonly Counter<long> _circuitOpenings;

    public SourceMonitor(TimeProvider clock, IMeterFactory? meters = null)
    {
        _clock = clock;
        Process = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("aq.source.requests", description: "Requests sent to upstream sources");
        _attempts = _meter.CreateCounter<long>("aq.source.attempts", description: "HTTP attempts, retries included, by status");
        _retries = _meter.CreateCounter<long>("aq.source.retries", description: "Retries after transient failures");
        _rejections = _meter.CreateCounter<long>("aq.source.rejections", description: "Values rejected by validation, by reason");
        _skips = _meter.CreateCounter<long>("aq.source.skips", description: "Polls not made, by reason (budget)");
        _circuitOpenings = _meter.CreateCounter<long>("aq.source.circuit_openings", description: "Times a source's circuit opened");
        _meter.CreateObservableGauge("aq.source.circuit_open", () =>
            _sources.Select(kv => new Measurement<int>(kv.Value.Circuit == "open" ? 1 : 0, new KeyValuePair<string, object?>("source", kv.Key))),
            description: "1 while a source's circuit is open");
    }

    /// <summary>The clock the sources' counters and HTTP pipeline read.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>This process, as health answers name it (`host/pid/instance`).</summary>
    public string Process { get; }

    /// <summary>Declares a source: whether it is on, and why not.</summary>
    public void Register(string source, bool enabled, string? offReason, bool http)
    {
        var c = Get(source);
        c.Enabled = enabled;
        c.OffReason = offReason;
        if (!http) c.Circuit = "none";
    }

    /// <summary>Hangs a live view of the source's call budget on its status.</summary>
    public void AttachBudget(string source, Func<SourceBudgetStatus> budget) => Get(source).Budget = budget;

    /// <summary>Records the latest download of a feed that covers every city.</summary>
    public void RecordFeed(string source, SourceFeedStatus feed) => Get(source).Feed = feed;

    public void RecordRequest(string source)
    {
        Interlocked.Increment(ref Get(source).Requests);
        _requests.Add(1, new KeyValuePair<string, object?>("source", source));
    }

    /// <summary>One HTTP attempt; <paramref name="status"/> is null when no answer came (timeout, refused).</summary>
    public void RecordAttempt(string source, int? status)
    {
        var c = Get(source);
        Interlocked.Increment(ref c.Attempts);
        if (status is null or >= 400) Interlocked.Increment(ref c.FailedAttempts);
        _attempts.Add(1, new("source", source), new("status", status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"));
    }

    public void RecordRetry(string source)
    {
        Interlocked.Increment(ref Get(source).Retries);
        _retries.Add(1, new KeyValuePair<string, object?>("source", source));
    }

    /// <summary>The circuit of a source changed state (`closed`, `open`, `half_open`).</summary>
    public void CircuitChanged(string source, string state)
    {
        var c = Get(source);
        lock (c)
        {
            c.Circuit = state;
            c.CircuitChangedAt = _clock.GetUtcNow().UtcDateTime;
            if (state == "open") c.CircuitOpenings++;
        }
        if (state == "open") _circuitOpenings.Add(1, new KeyValuePair<string, object?>("source", source));
    }

    /// <summary>The circuit state of a source in this process.</summary>
    public string CircuitOf(string source) => Get(source).Circuit;

    /// <summary>Counts a poll's rejections and skip into the metrics.</summary>
    public void RecordPoll(SourcePollReport report)
    {
        foreach (var (reason, n) in report.Rejections)
            _rejections.Add(n, new("source", report.Source), new("reason", reason));
        if (report.Outcome == SourcePollOutcome.Skipped)
            _skips.Add(1, new("source", report.Source), new("reason", report.Detail ?? "unknown"));
    }

    /// <summary>This process's view of every source it knows.</summary>
    public IReadOnlyList<SourceProcessStatus> Snapshot()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return _sources.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
        {
            var c = kv.Value;
            lock (c)
                return new SourceProcessStatus(kv.Key, Process, now, c.Enabled, c.OffReason, c.Circuit, c.CircuitChangedAt,
                    c.CircuitOpenings, Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.Attempts),
                    Interlocked.Read(ref c.FailedAttempts), Interlocked.Read(ref c.Retries), c.Budget?.Invoke(), c.Feed);
        }).ToList();
    }

    public void Dispose() => _meter.Dispose();

    private Counters Get(string source) => _sources.GetOrAdd(source, _ => new Counters());

    private sealed class Counters
    {
        public bool Enabled = true;
        public string? OffReason;
        public string Circuit = "closed";
        public DateTime? CircuitChangedAt;
        public int CircuitOpenings;
        public long Requests;
        public long Attempts;
        public long FailedAttempts;
        public long Retries;
        public Func<SourceBudgetStatus>? Budget;
        public SourceFeedStatus? Feed;
    }
}
