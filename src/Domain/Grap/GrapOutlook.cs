using AirQuality.Domain.Outlook;

namespace AirQuality.Domain.Grap;

/// <summary>The GRAP stage of one day: observed once the day's bulletin hour has passed, forecast before.</summary>
/// <param name="Hour">The bulletin hour of the day (see <see cref="BulletinDay"/>).</param>
/// <param name="Basis">`observed`, `forecast`, or `unavailable` (beyond the forecast's horizon, or no data).</param>
/// <param name="Horizon">Hours ahead of the forecast's origin, for a forecast day.</param>
/// <param name="Probability">Probability of <paramref name="Stage"/> (1 for an observed day).</param>
/// <param name="StageProbabilities">Probability of each stage, stage 0 first.</param>
public sealed record GrapDay(
    string Date,
    DateTime Hour,
    string Basis,
    int? Horizon,
    double? Aqi,
    GrapStage? Stage,
    double? Probability,
    IReadOnlyList<double> StageProbabilities);

/// <summary>A stage change the outlook expects.</summary>
public sealed record GrapChange(string Date, int FromStage, int ToStage, double Probability);

/// <summary>A city's GRAP stage now and for today, tomorrow and the day after.</summary>
public sealed record GrapCityOutlook(
    string City,
    string Region,
    int? Aqi,
    DateTime? ObservedAt,
    GrapStage? CurrentStage,
    IReadOnlyList<GrapDay> Days,
    GrapChange? ExpectedChange);

/// <summary>Derives the GRAP outlook of a city from its hourly India AQI (observed and forecast).</summary>
public static class GrapOutlook
{
    /// <summary>Days covered: today, tomorrow, the day after (dates in India).</summary>
    public const int Days = 3;

    /// <param name="observedAqi">The city's current India AQI (24-hour running averages) and its hour.</param>
    /// <param name="observedByHour">Observed hourly India AQI by hour, used for a day whose bulletin hour has passed.</param>
    /// <param name="forecast">The hourly India AQI forecast with its bands.</param>
    public static GrapCityOutlook For(GrapCity city, DateTime now, (int Aqi, DateTime Hour)? observedAqi,
        IReadOnlyDictionary<DateTime, int> observedByHour, IReadOnlyList<ForecastPoint> forecast)
    {
        var current = observedAqi is { } o ? GrapSchedule.StageOf(o.Aqi) : null;
        var today = BulletinDay.IndiaDate(now);
        var days = new List<GrapDay>();
        for (var i = 0; i < Days; i++)
        {
            var date = today.AddDays(i);
            var hour = BulletinDay.Hour(date);
            var label = date.ToString("yyyy-MM-dd");
            if (observedByHour.TryGetValue(hour, out var seen))
            {
                var stage = GrapSchedule.StageOf(seen);
                days.Add(new GrapDay(label, hour, "observed", null, seen, stage, 1,
                    GrapSchedule.Stages.Select(s => s.Number == stage.Number ? 1.0 : 0.0).ToList()));
            }
            else if (forecast.FirstOrDefault(f => f.Time == hour) is { } point)
            {
                var d = point.Distribution();
                var probabilities = GrapSchedule.Stages.Select(s => Math.Round(d.ProbabilityOfRange(s.AqiLo, s.AqiHi), 4)).ToList();
                var best = probabilities.IndexOf(probabilities.Max());
                days.Add(new GrapDay(label, hour, "forecast", point.Horizon, Math.Round(point.Value, 1), GrapSchedule.Stages[best], probabilities[best], probabilities));
            }
            else
            {
                days.Add(new GrapDay(label, hour, "unavailable", null, null, null, null, []));
            }
        }
        GrapChange? change = null;
        if (current is not null)
        {
            var next = days.FirstOrDefault(d => d.Stage is { } s && s.Number != current.Number && d.Hour > observedAqi!.Value.Hour);
            if (next is not null) change = new GrapChange(next.Date, current.Number, next.Stage!.Number, next.Probability ?? 1);
        }
        return new GrapCityOutlook(city.City, city.Region, observedAqi?.Aqi, observedAqi?.Hour, current, days, change);
    }
}
