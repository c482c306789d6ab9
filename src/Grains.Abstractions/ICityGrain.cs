using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>One city: polls its sources hourly, keeps its last 72 hours, computes its AQI.</summary>
public interface ICityGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the city is running: state loaded, history backfilled, hourly poll registered.</summary>
    Task Start();

    /// <summary>The latest hour with its AQI in both standards.</summary>
    [ReadOnly]
    Task<CityCurrent?> GetCurrent();

    /// <summary>The last <paramref name="hours"/> hours of the window, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<CityHour>> GetRecent(int hours);

    /// <summary>
    /// Merged hours in [<paramref name="from"/>, <paramref name="to"/>), oldest first. The hours the grain's window
    /// holds come from memory; only the part older than the window is read from the reading store.
    /// </summary>
    [ReadOnly]
    Task<IReadOnlyList<CityHour>> GetHistory(DateTime from, DateTime to);

    /// <summary>Per-source status of the last polls.</summary>
    [ReadOnly]
    Task<IReadOnlyList<SourcePollStatus>> GetSourceStatus();

    /// <summary>Polls every source now (the hourly reminder does the same).</summary>
    Task PollNow();

    /// <summary>Registers the `poll` reminder again (whether or not it exists) and polls now: the poll watchdog's remedy.</summary>
    Task EnsurePolling();

    /// <summary>Accepts readings pushed by a source that fetches many cities at once, or by an import.</summary>
    Task<int> Ingest(IReadOnlyList<SourceReading> readings);
}

/// <summary>Every city's latest AQI, so rankings never fan out to all city grains.</summary>
public interface IRankingsGrain : IGrainWithStringKey
{
    Task Report(CityAqiSummary summary);

    /// <summary>One page of the ranked rows, cut here: only the page leaves the grain.</summary>
    [ReadOnly]
    Task<RankingsPage> GetPage(RankingsQuery query);
}
