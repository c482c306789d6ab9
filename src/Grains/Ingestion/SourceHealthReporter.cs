using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// Turns a city's poll into <see cref="SourcePollReport"/>s and sends them, with this process's view of its sources,
/// to the <see cref="ISourceHealthGrain"/>; the same counts go to this process's metrics.
/// </summary>
public sealed class SourceHealthReporter(SourceMonitor monitor)
{
    /// <summary>A source that was asked: failed when <paramref name="error"/> is set, succeeded otherwise.</summary>
    public static SourcePollReport Polled(string source, string cityId, DateTime at, string? error, int accepted, int duplicates,
        IEnumerable<Rejection> rejections) =>
        new(source, cityId, at, error is null ? SourcePollOutcome.Succeeded : SourcePollOutcome.Failed, error, accepted, duplicates,
            rejections.GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count()));

    /// <summary>A source that was not asked, and why.</summary>
    public static SourcePollReport Skipped(string source, string cityId, DateTime at, string reason) =>
        new(source, cityId, at, SourcePollOutcome.Skipped, reason, 0, 0, new Dictionary<string, int>());

    /// <summary>Counts the reports into the metrics and sends them to the health grain without waiting.</summary>
    public void Report(IGrainFactory grains, IReadOnlyList<SourcePollReport> reports)
    {
        if (reports.Count == 0) return;
        foreach (var r in reports) monitor.RecordPoll(r);
        grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).Report(reports, monitor.Snapshot()).Ignore();
    }
}
