using AirQuality.WebFront.Infrastructure;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis;

/// <summary>Health of the upstream sources (CPCB, OpenWeather, IQAir, the simulator).</summary>
public static class SourcesApi
{
    /// <summary>Every source's health.</summary>
    /// <param name="Timestamp">When this answer was made (UTC).</param>
    public sealed record SourcesDto(DateTime Timestamp, int Count, IReadOnlyList<SourceDto> Sources);

    /// <summary>One source's health across all cities.</summary>
    /// <param name="Name">Provenance name of the source (`cpcb`, `openweather`, `iqair`, `simulated`).</param>
    /// <param name="Status">`ok`, `degraded` (some cities failing or circuit probing), `failing` (circuit open or every recent poll failed), or `off`.</param>
    /// <param name="OffReason">Why the source is off (`no CPCB_API_KEY`).</param>
    /// <param name="Circuit">`closed`, `open`, `half_open`, or `none` for a source without HTTP.</param>
    /// <param name="ConsecutiveFailures">Polls failed (any city) since the source last succeeded.</param>
    /// <param name="Rejections">Values rejected by validation, by reason.</param>
    /// <param name="Skips">Polls not made, by reason (`not_due` under the call budget, `monthly_budget_spent`, ...).</param>
    /// <param name="Budget">The call budget and its use (IQAir).</param>
    /// <param name="Feed">The last download of a whole-country feed (CPCB).</param>
    /// <param name="Processes">Each silo's own view: circuit, requests, attempts, retries.</param>
    public sealed record SourceDto(
        string Name,
        string Status,
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
        IReadOnlyList<SourceProcessStatus> Processes)
    {
        public static SourceDto From(SourceHealth h) => new(
            h.Source, StatusOf(h), h.Enabled, h.OffReason, h.Circuit, h.LastAttempt, h.LastSuccess, h.LastErrorAt, h.LastError,
            h.LastErrorCity, h.ConsecutiveFailures, h.Polls, h.Failures, h.ReadingsAccepted, h.Duplicates, h.CitiesSucceeding,
            h.CitiesFailing, h.Rejections, h.Skips, h.Budget, h.Feed, h.Processes);
    }

    public static RouteGroupBuilder MapSourcesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/sources", GetSources)
            .WithTags("Administration")
            .WithName("GetSources")
            .WithSummary("Health of the upstream sources")
            .WithDescription("For each source: on or off (and why), circuit state, last success and error, consecutive failures, cities failing, values rejected by reason, polls skipped by reason, the call budget (IQAir) and the last feed download (CPCB), plus each silo's own counters.");
        return api;
    }

    internal static async Task<Ok<SourcesDto>> GetSources(IGrainFactory grains, TimeProvider clock, GrainCallPolicy policy)
    {
        var all = await policy.RunAsync(_ => grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).GetAll());
        var rows = all.Select(SourceDto.From).ToList();
        return TypedResults.Ok(new SourcesDto(clock.GetUtcNow().UtcDateTime, rows.Count, rows));
    }

    /// <summary>One word for dashboards and the health check.</summary>
    public static string StatusOf(SourceHealth h) =>
        !h.Enabled ? "off"
        : h.Circuit == "open" || (h.CitiesFailing > 0 && h.CitiesSucceeding == 0) ? "failing"
        : h.Circuit == "half_open" || h.CitiesFailing > 0 ? "degraded"
        : "ok";
}
