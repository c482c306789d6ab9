using AirQuality.Grains.Abstractions;
using System.Globalization;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Outlook;
using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Bulletins;

/// <summary>Composes one city's line of the daily bulletin from its hours and its forecast (no Orleans; pure).</summary>
public static class BulletinComposer
{
    /// <summary>Sub-index above which a pollutant other than the dominant one is listed as prominent too.</summary>
    public const int ProminentAbove = 100;

    /// <summary>A forecast made more than this after the bulletin hour is not the one issued with the bulletin.</summary>
    public static readonly TimeSpan ForecastOriginTolerance = TimeSpan.FromHours(3);

    /// <param name="hours">The city's merged hours covering at least the 24 hours ending at the bulletin hour, sorted.</param>
    /// <param name="forecast">The city's India AQI forecast at bulletin time, or null.</param>
    /// <param name="afterTheDay">True when composed too long after 16:00 IST for today's forecast to be the one of the day.</param>
    public static BulletinCity Compose(City city, DateOnly date, IReadOnlyList<CityHour> hours, CityForecast? forecast, bool afterTheDay = false)
    {
        var end = BulletinDay.Hour(date);
        var start = end.AddHours(-23);
        var window = hours.Where(h => h.Hour >= start && h.Hour <= end).ToList();
        var screened = Quality.StuckValues.Screen(window);
        var aqi = CityHourSeries.AqiAt(screened.Hours, end, AqiStandard.India);
        var sources = window.SelectMany(h => h.Values.Select(m => m.Source)).Distinct().Order(StringComparer.Ordinal).ToList();
        var prominent = aqi.SubIndices
            .Where(s => s.Pollutant == aqi.Dominant || s.Value > ProminentAbove)
            .OrderByDescending(s => s.Value).ThenBy(s => s.Pollutant)
            .Select(s => s.Pollutant.Code())
            .ToList();
        var notes = aqi.Notes.ToList();
        var days = new List<BulletinForecastDay>();
        if (afterTheDay || (forecast is not null && forecast.IssuedFor > end + ForecastOriginTolerance))
            notes.Add("composed after the day: the forecast issued with it is not known, so none is shown");
        else if (forecast is null)
            notes.Add("no forecast was available when the bulletin was composed");
        else
        {
            for (var ahead = 1; ahead <= 2; ahead++)
            {
                var day = date.AddDays(ahead);
                var hour = BulletinDay.Hour(day);
                if (forecast.Hours.FirstOrDefault(h => h.Time == hour) is not { } f)
                {
                    notes.Add($"{day:yyyy-MM-dd}: beyond the forecast's horizon");
                    continue;
                }
                var d = BandDistribution.Fit(f.Value, f.Lower80, f.Upper80, f.Lower90, f.Upper90);
                var probabilities = CategoryRanges.Probabilities(AqiStandard.India, d);
                var best = probabilities.MaxBy(p => p.Probability);
                days.Add(new BulletinForecastDay(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), hour, f.Horizon, Math.Round(f.Value, 1),
                    best.Category.Category, Math.Round(best.Probability, 4),
                    probabilities.ToDictionary(p => p.Category.Category, p => Math.Round(p.Probability, 4)), forecast.Model));
            }
        }
        return new BulletinCity(city.Id, city.Name, city.State, aqi.Aqi, aqi.MaxSubIndex, aqi.Category, prominent, aqi.SubIndices, sources,
            window.Count(h => h.Values.Count > 0), aqi.Complete, sources.Contains(SourceNames.Simulated), days, notes, screened.Excluded);
    }
}
