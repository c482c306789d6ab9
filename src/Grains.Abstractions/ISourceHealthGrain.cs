using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The health of every upstream source across all cities (key <see cref="GrainKeys.SourceHealth"/>): city grains
/// report each poll here, so a health answer is one grain call, not one per city.
/// </summary>
public interface ISourceHealthGrain : IGrainWithStringKey
{
    /// <summary>Takes the outcome of one city's poll and the reporting process's view of its sources.</summary>
    Task Report(IReadOnlyList<SourcePollReport> polls, IReadOnlyList<SourceProcessStatus> processes);

    /// <summary>Every source heard of, by name.</summary>
    [ReadOnly]
    Task<IReadOnlyList<SourceHealth>> GetAll();
}

/// <summary>How one poll of one source for one city ended.</summary>
public enum SourcePollOutcome
{
    /// <summary>The source answered (possibly with nothing new).</summary>
    Succeeded,

    /// <summary>The source failed: HTTP error, timeout, open circuit, malformed answer.</summary>
    Failed,

    /// <summary>The source was not asked: not due under its call budget, or the budget is spent.</summary>
    Skipped,
}

/// <summary>One source's part of one city poll.</summary>
/// <param name="Detail">The error of a failed poll, or the reason of a skipped one.</param>
/// <param name="Accepted">Readings merged.</param>
/// <param name="Duplicates">Readings ignored because the same reading was already merged.</param>
/// <param name="Rejections">Values rejected by validation, by reason (`negative`, `out_of_range`, ...).</param>
[GenerateSerializer, Immutable]
public sealed record SourcePollReport(
    string Source,
    string CityId,
    DateTime At,
    SourcePollOutcome Outcome,
    string? Detail,
    int Accepted,
    int Duplicates,
    IReadOnlyDictionary<string, int> Rejections);

/// <summary>
/// What one process (silo) knows of a source: its HTTP pipeline's circuit and counters, and its call budget. Each
/// process has its own HTTP stack, so these are per process.
/// </summary>
/// <param name="Process">Which process (`host/pid/instance`).</param>
/// <param name="Circuit">`closed`, `open`, `half_open`, or `none` for a source without HTTP (the simulator).</param>
/// <param name="Requests">Requests made (a request is one or more attempts).</param>
/// <param name="Attempts">HTTP attempts made, retries included.</param>
/// <param name="FailedAttempts">Attempts that ended in an error status or no answer.</param>
[GenerateSerializer, Immutable]
public sealed record SourceProcessStatus(
    string Source,
    string Process,
    DateTime At,
    bool Enabled,
    string? OffReason,
    string Circuit,
    DateTime? CircuitChangedAt,
    int CircuitOpenings,
    long Requests,
    long Attempts,
    long FailedAttempts,
    long Retries,
    SourceBudgetStatus? Budget,
    SourceFeedStatus? Feed);

/// <summary>A source's call budget (IQAir's plan) and how much of it is used in this process.</summary>
/// <param name="IntervalHours">Each city is polled every this many hours, so the month's calls stay within the budget.</param>
/// <param name="PlannedThisMonth">Calls the plan makes in the current month (all cities).</param>
/// <param name="PausedUntil">Set when the upstream said the plan's limit is reached.</param>
[GenerateSerializer, Immutable]
public sealed record SourceBudgetStatus(
    int MonthlyLimit,
    int DailyLimit,
    int PerMinuteLimit,
    int IntervalHours,
    int PlannedThisMonth,
    int UsedThisMonth,
    int UsedToday,
    int UsedLastMinute,
    DateTime? PausedUntil,
    string? PausedReason);

/// <summary>The last download of a feed that covers every city at once (CPCB).</summary>
/// <param name="UnmappedRecords">Records of places the catalog does not know (counted, not used).</param>
/// <param name="UnmappedPlaces">Names of those places (`city, state`), most frequent first.</param>
/// <param name="StaleStations">Stations whose last update is older than their city's newest hour (not used this hour).</param>
/// <param name="BadRecords">Records not used, by reason (`not_available` for "NA", `bad_timestamp`, `unknown_pollutant`, `not_a_number`).</param>
[GenerateSerializer, Immutable]
public sealed record SourceFeedStatus(
    DateTime FetchedAt,
    int Pages,
    int Records,
    int Stations,
    int CitiesCovered,
    int UnmappedRecords,
    IReadOnlyList<string> UnmappedPlaces,
    int StaleStations,
    IReadOnlyDictionary<string, int> BadRecords);

/// <summary>One source's health across all cities.</summary>
/// <param name="Circuit">The worst circuit state among processes heard from recently.</param>
/// <param name="ConsecutiveFailures">Polls (any city) failed since the source last succeeded for any city.</param>
/// <param name="CitiesFailing">Cities whose latest poll of this source failed.</param>
/// <param name="Rejections">Values rejected by validation since this grain started counting, by reason.</param>
/// <param name="Skips">Polls skipped, by reason (`not_due`, `monthly_budget_spent`, ...).</param>
/// <param name="Budget">The call budget as the most recently heard process sees it.</param>
[GenerateSerializer, Immutable]
public sealed record SourceHealth(
    string Source,
    bool Enabled,
    string? OffReason,
    string Circuit,
    DateTime? LastAttempt,
    DateTime? LastSuccess,
    DateTime? LastErrorAt,
    string? LastError,
    string? LastErrorCity,
    int ConsecutiveFailures,
    long Polls,
    long Failures,
    long ReadingsAccepted,
    long Duplicates,
    int CitiesSucceeding,
    int CitiesFailing,
    IReadOnlyDictionary<string, long> Rejections,
    IReadOnlyDictionary<string, long> Skips,
    SourceBudgetStatus? Budget,
    SourceFeedStatus? Feed,
    IReadOnlyList<SourceProcessStatus> Processes);
