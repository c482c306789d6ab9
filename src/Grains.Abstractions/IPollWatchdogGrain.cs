using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The safeguard behind every city's `poll` reminder (key <see cref="GrainKeys.PollWatchdog"/>): cities say when they
/// polled, and a check (driven by every silo, see `PollWatchdogService`) finds any catalog city not heard from for
/// more than two poll periods, re-registers its reminder and makes it poll. Its status is what health reports of
/// polling.
/// </summary>
public interface IPollWatchdogGrain : IGrainWithStringKey
{
    /// <summary>A city finished a poll.</summary>
    [OneWay]
    Task Polled(string cityId);

    /// <summary>Checks every city now (unless a check ran within half a check period) and restarts the stale ones.</summary>
    Task<PollWatchdogStatus> Check();

    /// <summary>The outcome of the latest check.</summary>
    [ReadOnly]
    Task<PollWatchdogStatus> GetStatus();
}

/// <summary>What the poll watchdog last found.</summary>
/// <param name="CheckedAt">When the latest check ran (null: none yet).</param>
/// <param name="Threshold">A city not heard from for longer than this is stale (two poll periods).</param>
/// <param name="Cities">Cities of the catalog checked.</param>
/// <param name="Stale">Cities the latest check found stale (and restarted); none when polling is healthy.</param>
/// <param name="Restarts">Cities restarted since this watchdog's activation.</param>
/// <param name="LastRestartAt">When a city was last restarted.</param>
/// <param name="LastError">Why the latest restart of a city failed, if it did.</param>
[GenerateSerializer, Immutable]
public sealed record PollWatchdogStatus(DateTime? CheckedAt, TimeSpan Threshold, int Cities, IReadOnlyList<string> Stale, long Restarts,
    DateTime? LastRestartAt, string? LastError)
{
    /// <summary>True when the latest check found every city polling.</summary>
    public bool Healthy => Stale.Count == 0;
}
