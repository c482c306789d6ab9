using AirQuality.WebFront.Infrastructure;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Grap;
using AirQuality.Domain.Outlook;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.WebFront.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis.Outlook;

/// <summary>GRAP stages of the NCR cities, now and forecast.</summary>
public static class GrapApi
{
    public const string Method =
        "stage from the India AQI by CAQM's GRAP thresholds; current stage from the current AQI (24-hour running averages); " +
        "a day's stage from its 16:00 IST AQI (the bulletin's hour): observed once that hour has passed, otherwise the hourly " +
        "India AQI forecast at that hour";

    public static RouteGroupBuilder MapGrapApi(this RouteGroupBuilder api)
    {
        api.MapGet("/grap", GetGrap)
            .WithTags("GRAP")
            .Produces<GrapDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("GetGrap")
            .WithSummary("GRAP stages of the NCR cities")
            .WithDescription("For each NCR city (the list is data): the current GRAP stage, the stage of today, tomorrow and the day after with the probability of each stage (from the forecast's bands), and the date a stage change is expected. `lang` picks the language of the health statements.");
        return api;
    }

    internal static async Task<Results<Ok<GrapDto>, ProblemHttpResult>> GetGrap(string? lang, CityCatalog catalog, IGrainFactory grains, TimeProvider clock, GrainCallPolicy policy)
    {
        if (!HealthAdviceDto.TryLanguage(lang, out var language, out var bad)) return bad!;
        var now = clock.GetUtcNow().UtcDateTime;
        var cities = GrapSchedule.Cities.Select(g => (Grap: g, City: catalog.Resolve(g.City))).Where(x => x.City is not null).ToList();
        var outlooks = await policy.RunAsync(_ => Task.WhenAll(cities.Select(x => OutlookOf(x.Grap, x.City!, grains, now))));
        var stages = GrapSchedule.Stages.Select(s => new GrapStageDto(s.Number, s.Name, s.AqiLo, s.AqiHi, s.Category, s.Source)).ToList();
        return TypedResults.Ok(new GrapDto(now, Method, BandDistribution.Assumption, stages,
            outlooks.Select(o => ToDto(o.Outlook, o.City, o.Simulated, language)).ToList()));
    }

    /// <summary>A city's GRAP outlook from its grains: current AQI, recent hours, forecast.</summary>
    public static async Task<(GrapCityOutlook Outlook, City City, bool Simulated)> OutlookOf(GrapCity grap, City city, IGrainFactory grains, DateTime now)
    {
        var cityGrain = grains.GetGrain<ICityGrain>(GrainKeys.City(city));
        var currentTask = cityGrain.GetCurrent();
        var recentTask = cityGrain.GetRecent(48);
        var forecastTask = grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(city.Id)).GetForecast("aqi", 48);
        var current = await currentTask;
        var recent = await recentTask;
        var forecast = await forecastTask;
        var todayHour = BulletinDay.Hour(BulletinDay.IndiaDate(now));
        var observed = new Dictionary<DateTime, int>();
        if (recent.Any(h => h.Hour == todayHour) && CityHourSeries.AqiAt(recent, todayHour, AqiStandard.India).Headline is { } seen)
            observed[todayHour] = seen;
        var points = forecast?.Hours.Select(h => new ForecastPoint(h.Time, h.Horizon, h.Value, h.Lower80, h.Upper80, h.Lower90, h.Upper90)).ToList() ?? [];
        (int, DateTime)? observedNow = current?.India.Headline is { } aqi ? (aqi, current.Timestamp) : null;
        return (GrapOutlook.For(grap, now, observedNow, observed, points), city, current?.Simulated ?? false);
    }

    private static GrapCityDto ToDto(GrapCityOutlook o, City city, bool simulated, string language) => new(
        city.Name, city.Id, o.Region, o.Aqi, o.ObservedAt, o.CurrentStage?.Number, o.CurrentStage?.Name,
        o.Aqi is { } a ? HealthAdviceDto.For(AqiStandard.India, IndiaAqi.Category(a), language) : null,
        o.Days.Select(d => new GrapDayDto(d.Date, d.Basis, d.Aqi, d.Stage?.Number, d.Stage?.Name, d.Probability, d.Horizon, d.StageProbabilities)).ToList(),
        o.ExpectedChange is { } c ? new GrapChangeDto(c.Date, c.FromStage, c.ToStage, c.Probability) : null,
        simulated);
}
