using AirQuality.Domain.Quality;
using AirQuality.Grains.Abstractions;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis;

/// <summary>Data-quality flags of every city's sources.</summary>
public static class QualityApi
{
    /// <summary>The sources a flag can be on (the `source` filter accepts these).</summary>
    public static IReadOnlyList<string> Sources { get; } =
        [SourceNames.Cpcb, SourceNames.OpenWeather, SourceNames.IqAir, SourceNames.Simulated, SourceNames.ImportOpenAq, SourceNames.ImportAirNow];

    public static RouteGroupBuilder MapQualityApi(this RouteGroupBuilder api)
    {
        api.MapGet("/quality", GetQuality)
            .WithTags("Data quality")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("GetDataQuality")
            .WithSummary("Data-quality flags of every city")
            .WithDescription("Each city's flags per source and pollutant, as of its last poll: `stale` (no new value for N hours), `stuck` (one value repeated N consecutive hours; left out of the AQI), `out_of_range` and `negative` (rejected on arrival, never in the AQI), `duplicate_station` (a station filed twice in a feed, or two sources of a city reporting one identical series). `flag` and `source` filter: only cities with a matching flag are listed, with only those flags. Thresholds and their sources: `src/Domain/Data/data_quality.csv`. An unknown flag or source is a 400 naming the ones there are.");
        return api;
    }

    internal static async Task<Results<Ok<QualityReportDto>, ProblemHttpResult>> GetQuality(string? flag, string? source, IGrainFactory grains, TimeProvider clock)
    {
        string? wantedFlag = null, wantedSource = null;
        if (!string.IsNullOrWhiteSpace(flag))
        {
            wantedFlag = QualityFlags.All.FirstOrDefault(f => f.Equals(flag.Trim(), StringComparison.OrdinalIgnoreCase));
            if (wantedFlag is null) return Problems.BadParameter("flag", $"unknown flag '{Problems.Shown(flag)}'; one of {string.Join(", ", QualityFlags.All)}");
        }
        if (!string.IsNullOrWhiteSpace(source))
        {
            wantedSource = Sources.FirstOrDefault(s => s.Equals(source.Trim(), StringComparison.OrdinalIgnoreCase));
            if (wantedSource is null) return Problems.BadParameter("source", $"unknown source '{Problems.Shown(source)}'; one of {string.Join(", ", Sources)}");
        }
        var filtered = wantedFlag is not null || wantedSource is not null;
        var rows = new List<CityQualityDto>();
        foreach (var q in await grains.GetGrain<IDataQualityGrain>(GrainKeys.Quality).GetAll())
        {
            var flags = q.Flags.Where(f => (wantedFlag is null || f.Flag == wantedFlag) && (wantedSource is null || f.Source == wantedSource))
                .Select(QualityFlagDto.From).ToList();
            if (filtered && flags.Count == 0) continue;
            var excluded = q.Excluded.Where(kv => Matches(kv.Key, wantedFlag, wantedSource)).ToDictionary(kv => kv.Key, kv => kv.Value);
            rows.Add(new CityQualityDto(q.City, q.CityId, q.CheckedAt, flags, excluded));
        }
        var totals = rows.SelectMany(r => r.Flags).GroupBy(f => f.Flag).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        return TypedResults.Ok(new QualityReportDto(clock.GetUtcNow().UtcDateTime, wantedFlag, wantedSource, rows.Count, totals, rows));
    }

    /// <summary>An exclusion key `source:pollutant:flag` under the filters.</summary>
    private static bool Matches(string key, string? flag, string? source)
    {
        var parts = key.Split(':');
        if (parts.Length < 3) return flag is null && source is null;
        // Import sources carry a colon themselves (`import:openaq`): the flag is the last part, the pollutant the one before.
        var keySource = string.Join(':', parts[..^2]);
        return (flag is null || parts[^1] == flag) && (source is null || keySource == source);
    }
}
