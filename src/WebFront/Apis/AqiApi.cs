using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.WebFront.Caching;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis;

/// <summary>Current AQI, pollutants and the AQI calculator.</summary>
public static class AqiApi
{
    public static RouteGroupBuilder MapAqiApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/aqi").WithTags("AQI");

        group.MapGet("/current/{city}", GetCurrent)
            .Produces<CurrentAqiDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetCurrentAqi")
            .WithSummary("Current AQI of a city")
            .WithDescription("The latest hour's AQI in the requested standard (`in` by default), with the sub-indices, the dominant pollutant, the sources of the values, whether the standard's minimum-data rules are met, the data-quality flags per source and pollutant (`quality`: stuck values are left out of the sub-indices, negative and out-of-range ones were rejected on arrival; `quality.excluded` counts them), and the category's official health statement (CPCB for `in`, EPA for `us`) in `lang` (`en` default, `hi`). City names are case-insensitive and accept common aliases (Bombay, Bangalore, Gurgaon, ...).");

        group.MapGet("/pollutants/{city}", GetPollutants)
            .Produces<PollutantsDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetPollutants")
            .WithSummary("Every pollutant of a city")
            .WithDescription("Latest hourly concentration, unit, source, averaging period and sub-index of each pollutant.");

        group.MapGet("/calculate", Calculate)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("CalculateAqi")
            .WithSummary("AQI calculator")
            .WithDescription("Turns given concentrations (µg/m³; CO in mg/m³), each taken as the average over its pollutant's period, into the India NAQI or the US EPA AQI. `at` picks the US PM2.5 table (2024 table from 2024-05-06, 2012 before).");

        return api;
    }

    internal static Task<IResult> GetCurrent(string city, string? standard, string? lang, CityCatalog catalog, IGrainFactory grains, AnswerCache cache)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return Task.FromResult<IResult>(bad!);
        if (!HealthAdviceDto.TryLanguage(lang, out var language, out bad)) return Task.FromResult<IResult>(bad!);
        if (catalog.Resolve(city) is not { } c) return Task.FromResult<IResult>(Problems.UnknownCity(city, catalog));
        // The hot path: the ready answer, looked up with a key formatted on the stack (nothing allocated).
        Span<char> key = stackalloc char[HotAnswers.MaxKeyLength];
        if (TryFormatReadyKey(key, c, std, language, out var written) && cache.TryGetHot("current", key[..written], out var ready))
            return ready;
        return cache.ForCityHot("current", c, $"{c.Id}:{std.Code()}:{language}", async () =>
        {
            var current = await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).GetCurrent() ?? throw new CityNotReadyException(c.Name);
            var dto = ToDto(c, current, std);
            return dto with { HealthAdvice = HealthAdviceDto.For(std, dto.Category, language) };
        });
    }

    /// <summary>
    /// The key of the ready answer of <see cref="GetCurrent"/> (`current:` and the key given to the answer cache), for
    /// the endpoint and <see cref="ReadyAnswerMiddleware"/> alike.
    /// </summary>
    internal static bool TryFormatReadyKey(Span<char> key, City c, AqiStandard std, string language, out int written) =>
        key.TryWrite($"current:{c.Id}:{std.Code()}:{language}", out written);

    /// <summary>How long clients and proxies may reuse an answer.</summary>
    public const int MaxAgeSeconds = CachedAnswers.MaxAgeSeconds;

    internal static CurrentAqiDto ToDto(City c, CityCurrent current, AqiStandard std)
    {
        var r = current.For(std);
        return new CurrentAqiDto(
            c.Name, c.Id, c.State, r.Aqi, r.MaxSubIndex, r.Category, r.Headline is { } h ? AqiColors.Of(std, h) : null,
            current.Latest.Get(Pollutant.Pm25), current.Latest.Get(Pollutant.Pm10), current.Timestamp, std.Code(), r.Table,
            r.Dominant?.Code(), r.Complete, string.Join(",", current.Sources), current.Simulated,
            r.SubIndices.Select(SubIndexDto.From).ToList(), r.Notes, Quality: current.Quality is { } q ? QualityDto.From(q) : null);
    }

    internal static async Task<IResult> GetPollutants(string city, string? standard, CityCatalog catalog, IGrainFactory grains, AnswerCache cache)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return bad!;
        if (catalog.Resolve(city) is not { } c) return Problems.UnknownCity(city, catalog);
        return await cache.ForCity("pollutants", c, $"{c.Id}:{std.Code()}", async () =>
        {
            var current = await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).GetCurrent() ?? throw new CityNotReadyException(c.Name);
            var r = current.For(std);
            var rows = Pollutants.All
                .Select(p => (P: p, M: current.Latest.Find(p), S: r.SubIndices.FirstOrDefault(s => s.Pollutant == p)))
                .Where(x => x.M is not null || x.S is not null)
                .Select(x => new PollutantDto(x.P.Code(), x.P.TableName(), x.M?.Value, x.P.Unit(), x.M?.Source, x.S?.Averaging,
                    x.S is null ? null : Math.Round(x.S.Concentration, 3), x.S?.Unit, x.S?.Value, x.S?.Category))
                .ToList();
            return new PollutantsDto(c.Name, current.Timestamp, std.Code(), r.Aqi, r.Dominant?.Code(), current.Simulated, rows);
        });
    }

    internal static Results<Ok<AqiCalculationDto>, ProblemHttpResult> Calculate(
        string? standard, string? pm25, string? pm10, string? no2, string? so2, string? co, string? o3, string? nh3, string? pb, string? at,
        TimeProvider clock)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return bad!;
        if (!QueryParsing.TryInstant(at, "at", out var when, out bad)) return bad!;
        var given = new Dictionary<Pollutant, double>();
        foreach (var (p, text) in new[] { (Pollutant.Pm25, pm25), (Pollutant.Pm10, pm10), (Pollutant.No2, no2), (Pollutant.So2, so2),
                     (Pollutant.Co, co), (Pollutant.O3, o3), (Pollutant.Nh3, nh3), (Pollutant.Pb, pb) })
        {
            if (!QueryParsing.TryConcentration(text, p.Code(), out var v, out bad)) return bad!;
            if (v is { } value) given[p] = value;
        }
        if (given.Count == 0)
            return Problems.BadParameter("pm25", "give at least one concentration: pm25, pm10, no2, so2, co, o3, nh3 or pb");
        var result = AqiCalculator.Calculate(std, given, when ?? clock.GetUtcNow().UtcDateTime);
        return TypedResults.Ok(AqiCalculationDto.From(result));
    }
}
