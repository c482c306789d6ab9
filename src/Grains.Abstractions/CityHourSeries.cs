using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Abstractions;

/// <summary>Turns stored city-hours into the hourly series the AQI standards read.</summary>
public static class CityHourSeries
{
    /// <summary>
    /// Per pollutant, the <paramref name="length"/> hourly values ending at <paramref name="end"/> (oldest first, null
    /// where an hour is missing). <paramref name="hours"/> must be sorted by hour.
    /// </summary>
    public static Dictionary<Pollutant, IReadOnlyList<double?>> Window(IReadOnlyList<CityHour> hours, DateTime end, int length = 24)
    {
        var series = new Dictionary<Pollutant, IReadOnlyList<double?>>();
        var start = end.AddHours(1 - length);
        var first = LowerBound(hours, start);
        for (var i = first; i < hours.Count && hours[i].Hour <= end; i++)
        {
            var h = hours[i];
            var slot = (int)(h.Hour - start).TotalHours;
            foreach (var m in h.Values)
            {
                if (!series.TryGetValue(m.Pollutant, out var list)) series[m.Pollutant] = list = new double?[length];
                ((double?[])list)[slot] = m.Value;
            }
        }
        return series;
    }

    /// <summary>The AQI of the hour <paramref name="end"/> from the hours before it.</summary>
    public static AqiResult AqiAt(IReadOnlyList<CityHour> hours, DateTime end, AqiStandard standard)
    {
        var window = Window(hours, end);
        return standard == AqiStandard.India ? IndiaAqi.FromHourly(window) : UsAqi.FromHourly(window, end);
    }

    private static int LowerBound(IReadOnlyList<CityHour> hours, DateTime t)
    {
        int lo = 0, hi = hours.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (hours[mid].Hour < t) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
