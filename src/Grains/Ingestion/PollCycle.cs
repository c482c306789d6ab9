using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// One city's side of its sources: fetches the enabled sources side by side, each under its own timeout, validates
/// what they give, drops repeats (<see cref="ReadingLedger"/>), and reports each source's outcome to source health.
/// The city grain merges <see cref="PollResult.Fresh"/> and then calls <see cref="Commit"/>. Holds the city's ledger,
/// so one instance lives as long as the city's activation.
/// </summary>
public sealed class PollCycle(City city, IReadOnlyList<IAirQualitySource> sources, SourceHealthReporter health, IGrainFactory grains,
    TimeSpan sourceTimeout, ILogger logger)
{
    private readonly ReadingLedger _ledger = new();

    /// <summary>An enabled source that computes history locally (the simulator): a city fills its first history from it during activation.</summary>
    public IHistorySource? LocalHistory => sources.OfType<IHistorySource>().FirstOrDefault(s => s.Enabled && s.Local);

    /// <summary>An enabled remote source of history (OpenWeather): fetched in the background on a city's first start.</summary>
    public IHistorySource? RemoteHistory => sources.OfType<IHistorySource>().FirstOrDefault(s => s.Enabled && !s.Local);

    /// <summary>Asks every enabled source; one slow or failing upstream never holds the rest.</summary>
    public async Task<PollResult> FetchAsync(DateTime now)
    {
        var fetches = await Task.WhenAll(sources.Where(s => s.Enabled).Select(s => FetchOneAsync(s, now)));
        var fresh = new List<SourceReading>();
        var outcomes = new List<SourceOutcome>();
        var reports = new List<SourcePollReport>();
        var allRejected = new List<Rejection>();
        foreach (var (source, fetch, error) in fetches)
        {
            if (fetch?.Skipped is { } skipped)
            {
                reports.Add(SourceHealthReporter.Skipped(source.Name, city.Id, now, skipped));
                continue;
            }
            var (ok, rejected) = Validate(fetch?.Readings ?? [], now);
            rejected.AddRange(fetch?.Rejections ?? []);
            allRejected.AddRange(rejected);
            var (accepted, duplicates) = _ledger.Filter(ok);
            fresh.AddRange(accepted);
            outcomes.Add(new SourceOutcome(source.Name, error, accepted.Count, rejected.Count));
            foreach (var r in rejected)
                logger.LogWarning("Rejected {Source} value for {City}: {Reason} ({Detail})", r.Source, city.Name, r.Reason, r.Detail);
            reports.Add(SourceHealthReporter.Polled(source.Name, city.Id, now, error, accepted.Count, duplicates, rejected));
        }
        return new PollResult(fresh, outcomes, reports) { Rejected = allRejected };
    }

    /// <summary>Readings pushed to the city (a feed of many cities, an import): only the city's own, validated, repeats dropped.</summary>
    public PollResult Accept(IEnumerable<SourceReading> readings, DateTime now)
    {
        var mine = readings.Where(r => r.CityId == city.Id).ToList();
        var (ok, rejected) = Validate(mine, now);
        var outcomes = mine.Select(r => r.Source).Distinct()
            .Select(s => new SourceOutcome(s, null, ok.Count(r => r.Source == s), rejected.Count(r => r.Source == s))).ToList();
        var (fresh, _) = _ledger.Filter(ok);
        return new PollResult(fresh, outcomes, []) { Rejected = rejected };
    }

    /// <summary>
    /// The last <paramref name="days"/> of the city from a remote history source, validated and without repeats; a
    /// failure is reported to source health and comes back as null (the caller tries again later).
    /// </summary>
    public async Task<PollResult?> FetchHistoryAsync(IHistorySource history, DateTime now, int days, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var to = Hours.Floor(now);
        var from = to.AddDays(-days) < history.HistoryStart ? history.HistoryStart : to.AddDays(-days);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        SourceFetch fetch;
        try
        {
            fetch = await history.FetchHistoryAsync(city, from, to, cts.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var message = cts.IsCancellationRequested ? $"history timed out after {timeout.TotalMinutes:0} min" : ex.Message;
            logger.LogWarning("History backfill of {City} from {Source} failed: {Error}", city.Name, history.Name, message);
            health.Report(grains, [SourceHealthReporter.Polled(history.Name, city.Id, now, "history: " + message, 0, 0, [])]);
            return null;
        }
        var (ok, rejected) = Validate(fetch.Readings, now);
        rejected.AddRange(fetch.Rejections);
        var (fresh, duplicates) = _ledger.Filter(ok);
        logger.LogInformation("Fetched {Hours} hours of {Source} history for {City} ({From:yyyy-MM-dd} to {To:yyyy-MM-dd HH}:00)", fresh.Count, history.Name, city.Name, from, to);
        return new PollResult(fresh, [], [SourceHealthReporter.Polled(history.Name, city.Id, now, null, fresh.Count, duplicates, rejected)]);
    }

    /// <summary>After the city merged <see cref="PollResult.Fresh"/>: remembers it (repeats are dropped from now on) and reports to source health.</summary>
    public void Commit(PollResult result)
    {
        _ledger.Commit(result.Fresh);
        health.Report(grains, result.Reports);
    }

    /// <summary>
    /// Records each source's outcome in the city's statuses; true when one changed in more than its poll times (a new
    /// poll time alone is not worth a state write).
    /// </summary>
    public static bool Record(Dictionary<string, SourcePollStatus> statuses, IEnumerable<SourceOutcome> outcomes, DateTime now)
    {
        var changed = false;
        foreach (var o in outcomes)
        {
            var previous = statuses.GetValueOrDefault(o.Source);
            var next = NextStatus(previous, o, now);
            changed |= previous is null || next with { LastAttempt = previous.LastAttempt, LastSuccess = previous.LastSuccess } != previous;
            statuses[o.Source] = next;
        }
        return changed;
    }

    /// <summary>A source's status after a poll, from its previous one.</summary>
    public static SourcePollStatus NextStatus(SourcePollStatus? previous, SourceOutcome o, DateTime now) =>
        o.Error is null
            ? new SourcePollStatus(o.Source, now, now, previous?.LastError, 0, o.Accepted, o.Rejected)
            : new SourcePollStatus(o.Source, now, previous?.LastSuccess, o.Error, (previous?.ConsecutiveFailures ?? 0) + 1, 0, o.Rejected);

    private async Task<(IAirQualitySource Source, SourceFetch? Fetch, string? Error)> FetchOneAsync(IAirQualitySource source, DateTime now)
    {
        using var cts = new CancellationTokenSource(sourceTimeout);
        try
        {
            return (source, await source.FetchAsync(city, now, cts.Token), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var message = cts.IsCancellationRequested ? $"timed out after {sourceTimeout.TotalSeconds:0} s" : ex.Message;
            logger.LogWarning("Source {Source} failed for {City}: {Error}", source.Name, city.Name, message);
            return (source, null, message);
        }
    }

    private static (List<SourceReading> Accepted, List<Rejection> Rejected) Validate(IEnumerable<SourceReading> readings, DateTime now)
    {
        var accepted = new List<SourceReading>();
        var rejected = new List<Rejection>();
        foreach (var r in readings)
        {
            var (ok, why) = ReadingValidator.Validate(r, now);
            if (ok is not null) accepted.Add(ok);
            rejected.AddRange(why);
        }
        return (accepted, rejected);
    }
}

/// <summary>What a poll brought: readings not merged before, each source's outcome, and the reports for source health.</summary>
public sealed record PollResult(IReadOnlyList<SourceReading> Fresh, IReadOnlyList<SourceOutcome> Outcomes, IReadOnlyList<SourcePollReport> Reports)
{
    /// <summary>The values validation rejected in this poll (or push), with their reasons: the data-quality flags read them.</summary>
    public IReadOnlyList<Rejection> Rejected { get; init; } = [];
}

/// <summary>One source's part of a poll: its error (null when it answered), readings accepted and values rejected.</summary>
public sealed record SourceOutcome(string Source, string? Error, int Accepted, int Rejected);
