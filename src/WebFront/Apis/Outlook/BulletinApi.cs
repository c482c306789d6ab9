using AirQuality.Grains.Abstractions;
using System.Globalization;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Outlook;
using AirQuality.Grains;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;

namespace AirQuality.WebFront.Apis.Outlook;

/// <summary>The daily AQI bulletin (CPCB's 16:00 IST convention) with next-day forecasts and their probabilities.</summary>
public static class BulletinApi
{
    public const string Method =
        "India AQI (CPCB 2014) of the 24 hourly values ending with the UTC hour 09:00-10:00 (15:30 IST), the last whole hour " +
        "before CPCB's 16:00 IST bulletin time (CPCB's own IST hours 16:00-16:00 fall in exactly these UTC hours); " +
        "stuck values (the same value from one source 6 or more hours running) are left out; forecast days read the " +
        "hourly India AQI forecast at the same hour of the next two days";

    public static RouteGroupBuilder MapBulletinApi(this RouteGroupBuilder api)
    {
        api.MapGet("/bulletin", GetBulletin)
            .WithTags("Bulletin")
            .Produces<BulletinDto>(contentType: "application/json")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetBulletin")
            .WithSummary("Daily AQI bulletin")
            .WithDescription("Every city's India AQI of the 24 hours ending 16:00 IST on `date` (yyyy-MM-dd, India; default: the latest issued), its category and health statement (`lang`: en, hi), prominent pollutants, contributing sources, completeness, and the forecast category of the next two days with its probability. Archived daily at 16:00 IST; earlier the same day a provisional bulletin (`final: false`). `format=csv` or `Accept: text/csv` for CSV.");
        return api;
    }

    internal static async Task<IResult> GetBulletin(HttpRequest request, string? date, string? lang, string? format, IGrainFactory grains, TimeProvider clock, GrainCallPolicy policy)
    {
        if (!HealthAdviceDto.TryLanguage(lang, out var language, out var bad)) return bad!;
        var now = clock.GetUtcNow().UtcDateTime;
        DateOnly day;
        if (string.IsNullOrWhiteSpace(date)) day = BulletinDay.LatestIssued(now);
        else if (!DateOnly.TryParseExact(date.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            return Problems.BadParameter("date", "must be a date as yyyy-MM-dd, e.g. 2025-11-05");
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
            || (format is null && request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true));
        if (!csv && format is not null && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            return Problems.BadParameter("format", "must be 'json' or 'csv'");
        var bulletin = await policy.RunAsync(_ => grains.GetGrain<IBulletinGrain>(GrainKeys.Bulletin(day)).Get());
        if (bulletin is null)
            return TypedResults.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "No bulletin for that date",
                Detail = $"{day:yyyy-MM-dd} is still to come in India; the latest bulletin is of {BulletinDay.LatestIssued(now):yyyy-MM-dd}.",
            });
        var dto = ToDto(bulletin, language);
        return csv ? Results.Text(ToCsv(dto), "text/csv; charset=utf-8") : TypedResults.Ok(dto);
    }

    internal static BulletinDto ToDto(DailyBulletin b, string language) => new(
        b.Date, b.Hour.AddHours(-23), b.Hour.AddHours(1), b.ComposedAt, b.Final, AqiStandard.India.Code(), Method, BandDistribution.Assumption,
        b.Cities.Count,
        b.Cities.Select(c => new BulletinCityDto(
            c.City, c.CityId, c.State, c.Aqi, c.ProvisionalAqi, c.Category,
            (c.Aqi ?? c.ProvisionalAqi) is { } h ? IndiaAqi.Color(h) : null,
            c.Prominent, c.Sources, c.Sources.Count, c.HoursWithData, Math.Round(c.HoursWithData / 24.0, 3), c.Complete, c.Simulated,
            HealthAdviceDto.For(AqiStandard.India, c.Category, language),
            c.SubIndices.Select(SubIndexDto.From).ToList(),
            c.Forecast.Select(f => new BulletinForecastDto(f.Date, f.Category, f.Probability, f.Aqi, f.Horizon, f.Model, f.Probabilities,
                HealthAdviceDto.For(AqiStandard.India, f.Category, language))).ToList(),
            c.Notes, c.Excluded)).ToList());

    private static string ToCsv(BulletinDto b)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        string[] header =
        [
            "date", "city", "state", "aqi", "provisional_aqi", "category", "prominent_pollutants", "sources", "hours_with_data", "completeness",
            "complete", "simulated", "forecast_1_date", "forecast_1_category", "forecast_1_probability", "forecast_2_date", "forecast_2_category",
            "forecast_2_probability", "health_advice",
        ];
        foreach (var h in header) csv.WriteField(h);
        csv.NextRecord();
        foreach (var c in b.Cities)
        {
            var f1 = c.Forecast.ElementAtOrDefault(0);
            var f2 = c.Forecast.ElementAtOrDefault(1);
            object?[] row =
            [
                b.Date, c.City, c.State, c.Aqi, c.ProvisionalAqi, c.Category, string.Join(" ", c.ProminentPollutants), string.Join(" ", c.Sources),
                c.HoursWithData, c.Completeness, c.Complete, c.Simulated, f1?.Date, f1?.Category, f1?.Probability, f2?.Date, f2?.Category,
                f2?.Probability, c.HealthAdvice?.Text,
            ];
            foreach (var v in row) csv.WriteField(v);
            csv.NextRecord();
        }
        csv.Flush();
        return writer.ToString();
    }
}
