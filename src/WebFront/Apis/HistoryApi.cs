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

/// <summary>Hourly history of a city, from the city grain (recent hours) and the reading store (older ones).</summary>
public static class HistoryApi
{
    /// <summary>The longest range one request may ask for: 90 days.</summary>
    public const int MaxHours = 90 * 24;

    /// <summary>Hours before the first one asked for that its AQI needs (24-h averages end at the hour).</summary>
    private const int Lead = 23;

    public static RouteGroupBuilder MapHistoryApi(this RouteGroupBuilder api)
    {
        api.MapGroup("/aqi").WithTags("AQI")
            .MapGet("/history/{city}", GetHistory)
            .Produces<HistoryDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetAqiHistory")
            .WithSummary("Hourly history of a city")
            .WithDescription("The merged hourly values of a city, each hour with its pollutants (µg/m³; CO in mg/m³), the source of every value, whether any is simulated, and the hour's AQI in the requested standard (`in` by default, `us`). The range is the last `hours` hours (24 by default), or [`from`, `to`) in ISO 8601 (`from` alone runs to now, `to` alone goes back `hours`); at most 90 days. Hours with no value are left out.");
        return api;
    }

    internal static async Task<IResult> GetHistory(
        string city, string? hours, string? from, string? to, string? standard, CityCatalog catalog, IGrainFactory grains, TimeProvider clock, AnswerCache cache)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return bad!;
        if (!QueryParsing.TryInt(hours, "hours", 1, MaxHours, 24, out var span, out bad)) return bad!;
        if (!QueryParsing.TryInstant(from, "from", out var fromAt, out bad)) return bad!;
        if (!QueryParsing.TryInstant(to, "to", out var toAt, out bad)) return bad!;
        if (!string.IsNullOrWhiteSpace(hours) && fromAt is not null && toAt is not null)
            return Problems.BadParameter("hours", "give either 'hours' or 'from' and 'to', not all three");

        // Times are checked against the range history can have before any arithmetic: 0001-01-01 or 9999-12-31 is
        // a 400 naming the parameter, never an overflow.
        var nextHour = Hours.Floor(clock.GetUtcNow().UtcDateTime).AddHours(1);
        var latest = nextHour.AddDays(1);
        if (!InRange(fromAt, latest, "from", out bad) || !InRange(toAt, latest, "to", out bad)) return bad!;
        DateTime start, end;
        if (fromAt is { } f)
        {
            start = Hours.Floor(f);
            end = toAt is { } t ? Ceiling(t) : string.IsNullOrWhiteSpace(hours) ? nextHour : start.AddHours(span);
        }
        else
        {
            end = toAt is { } t ? Ceiling(t) : nextHour;
            start = end.AddHours(-span);
        }
        if (start >= end) return Problems.BadParameter("from", "must be before 'to'");
        if ((end - start).TotalHours > MaxHours)
            return Problems.BadParameter(fromAt is null ? "to" : "from",
                $"the range may span at most 90 days ({MaxHours} hours); this one spans {(end - start).TotalHours:0} hours");
        if (catalog.Resolve(city) is not { } c) return Problems.UnknownCity(city, catalog);

        // Only windows that end with the current hour are cached: those are what dashboards and other clients ask
        // again. An arbitrary past window is answered fresh, so a client cannot fill memory with windows of its choice.
        if (end != nextHour)
            return TypedResults.Ok(await Compute());
        return await cache.ForCity("history", c, $"{c.Id}:{std.Code()}:{start:yyyyMMddHH}:{end:yyyyMMddHH}", Compute);

        async Task<HistoryDto> Compute()
        {
            // The hours before the range are read too: each hour's AQI comes from the 24 hours ending with it.
            var data = await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).GetHistory(start.AddHours(-Lead), end);
            var rows = data.Where(h => h.Hour >= start && h.Values.Count > 0).Select(h => ToDto(h, data, std)).ToList();
            return new HistoryDto(c.Name, c.Id, std.Code(), start, end, (int)(end - start).TotalHours, rows.Count,
                rows.Any(r => r.Simulated), rows);
        }
    }

    /// <summary>Earliest time history may ask for: no instrument in the catalog's cities reported hourly before it.</summary>
    public static readonly DateTime Earliest = new(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static bool InRange(DateTime? value, DateTime latest, string name, out ProblemHttpResult? problem)
    {
        problem = null;
        if (value is not { } v || (v >= Earliest && v <= latest)) return true;
        problem = Problems.BadParameter(name, $"must be from {Earliest:yyyy-MM-dd} to {latest:yyyy-MM-ddTHH:mm}Z (a day ahead at most)");
        return false;
    }

    private static HistoryHourDto ToDto(CityHour hour, IReadOnlyList<CityHour> hours, AqiStandard std)
    {
        var aqi = CityHourSeries.AqiAt(hours, hour.Hour, std);
        var sources = hour.Values.ToDictionary(m => m.Pollutant.Code(), m => m.Source);
        var distinct = hour.Values.Select(m => m.Source).Distinct().Order(StringComparer.Ordinal).ToList();
        var w = hour.Weather;
        return new HistoryHourDto(
            hour.Hour, aqi.Aqi, aqi.MaxSubIndex, aqi.Category, aqi.Dominant?.Code(), aqi.Complete,
            hour.Get(Pollutant.Pm25), hour.Get(Pollutant.Pm10), hour.Get(Pollutant.No2), hour.Get(Pollutant.So2),
            hour.Get(Pollutant.Co), hour.Get(Pollutant.O3), hour.Get(Pollutant.Nh3), hour.Get(Pollutant.Pb),
            string.Join(",", distinct), sources, distinct.Contains(SourceNames.Simulated),
            w is null ? null : new WeatherDto(w.TemperatureC, w.HumidityPercent, w.WindSpeedMs, w.PressureHpa));
    }

    private static DateTime Ceiling(DateTime t) => t == Hours.Floor(t) ? Hours.Floor(t) : Hours.Floor(t).AddHours(1);
}
