using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Grains;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis;

/// <summary>The catalog and the rankings.</summary>
public static class CitiesApi
{
    public static RouteGroupBuilder MapCitiesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/cities").WithTags("Cities");

        group.MapGet("/", ListCities)
            .WithName("ListCities")
            .WithSummary("Every city served")
            .WithDescription("The catalog: name, state, coordinates, CPCB station count and the aliases each city answers to.");

        group.MapGet("/rankings", GetRankings)
            .WithName("GetRankings")
            .WithSummary("Cities ranked by AQI")
            .WithDescription("Every city's latest AQI, most polluted first (`order=desc`, the default) or cleanest first (`order=asc`), in the requested standard, at most `limit` rows.");

        return api;
    }

    internal static Ok<CityListDto> ListCities(CityCatalog catalog) =>
        TypedResults.Ok(new CityListDto(catalog.All.Count, catalog.All.Select(CityDto.From).ToList()));

    internal static async Task<Results<Ok<RankingsDto>, ProblemHttpResult>> GetRankings(
        string? standard, string? limit, string? order, IGrainFactory grains, TimeProvider clock)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return bad!;
        if (!QueryParsing.TryInt(limit, "limit", 1, 10_000, 10_000, out var max, out bad)) return bad!;
        var ord = (order ?? "desc").Trim().ToLowerInvariant();
        if (ord is not ("desc" or "asc")) return Problems.BadParameter("order", "must be 'desc' (most polluted first) or 'asc'");

        var all = await grains.GetGrain<IRankingsGrain>(GrainKeys.Rankings).GetAll();
        Func<CityAqiSummary, int?> key = std == AqiStandard.India ? s => s.IndiaAqi : s => s.UsAqi;
        var ranked = all.Where(s => key(s).HasValue);
        ranked = ord == "desc"
            ? ranked.OrderByDescending(key).ThenBy(s => s.City, StringComparer.Ordinal)
            : ranked.OrderBy(key).ThenBy(s => s.City, StringComparer.Ordinal);
        var rows = ranked.Take(max).Select((s, i) =>
        {
            var aqi = key(s)!.Value;
            return new RankingDto(i + 1, s.City, s.CityId, s.State, aqi,
                std == AqiStandard.India ? s.IndiaCategory : s.UsCategory, AqiColors.Of(std, aqi),
                s.Dominant, std != AqiStandard.India || s.IndiaComplete, s.Simulated, s.Timestamp);
        }).ToList();
        return TypedResults.Ok(new RankingsDto(std.Code(), ord, rows.Count, clock.GetUtcNow().UtcDateTime, rows));
    }
}
