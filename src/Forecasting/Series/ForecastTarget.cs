using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Forecasting.Series;

/// <summary>What is forecast.</summary>
public enum ForecastTarget
{
    /// <summary>Hourly PM2.5 in µg/m³.</summary>
    Pm25,

    /// <summary>Hourly India AQI (CPCB 2014): the highest sub-index of the hour from the pollutants present.</summary>
    IndiaAqi,
}

/// <summary>Names and values of the targets.</summary>
public static class ForecastTargets
{
    /// <summary>Every target, in the order answers list them.</summary>
    public static IReadOnlyList<ForecastTarget> All { get; } = [ForecastTarget.Pm25, ForecastTarget.IndiaAqi];

    /// <summary>The API and command-line name (`pm25`, `aqi`).</summary>
    public static string Code(this ForecastTarget t) => t == ForecastTarget.Pm25 ? "pm25" : "aqi";

    /// <summary>Parses `pm25` or `aqi` (also `pm2.5`, `india_aqi`).</summary>
    public static bool TryParse(string? text, out ForecastTarget target)
    {
        var key = new string((text ?? "").Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        (bool ok, target) = key switch
        {
            "pm25" => (true, ForecastTarget.Pm25),
            "aqi" or "indiaaqi" => (true, ForecastTarget.IndiaAqi),
            _ => (false, ForecastTarget.Pm25),
        };
        return ok;
    }

    /// <summary>
    /// The target's hourly values on the series' grid, NaN where unknown. The India AQI of an hour uses CPCB's running
    /// averages of the hours up to and including it (24 h, CO and O3 8 h, with the minimum-data rules), so it never
    /// looks ahead. With fewer than three pollutants the value is CPCB's provisional figure (the highest sub-index),
    /// which is what a PM2.5-only monitor can give.
    /// </summary>
    /// <remarks>
    /// The AQI of a series is computed once and kept while the series lives (a series is not changed once built): a
    /// city's refresh reads it for the forecast, the scoring of issued forecasts and the live skill, and at thousands
    /// of places its recomputation was most of a poll cycle's CPU. Each caller gets its own copy.
    /// </remarks>
    public static double[] Values(this ForecastTarget target, HourlySeries series)
    {
        if (target == ForecastTarget.Pm25)
            return (double[]?)series.Channel(Pollutant.Pm25)?.Clone() ?? Enumerable.Repeat(double.NaN, series.Length).ToArray();
        return (double[])AqiOfSeries.GetValue(series, AqiValues).Clone();
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HourlySeries, double[]> AqiOfSeries = new();

    private static double[] AqiValues(HourlySeries series)
    {
        var present = Pollutants.All.Select(p => (P: p, V: series.Channel(p))).Where(x => x.V is not null).ToList();
        var result = new double[series.Length];
        var window = new Dictionary<Pollutant, IReadOnlyList<double?>>();
        for (var i = 0; i < series.Length; i++)
        {
            window.Clear();
            foreach (var (p, values) in present)
            {
                var hours = IndiaAqi.AveragingHours(p);
                var slice = new double?[hours];
                var any = false;
                for (var k = 0; k < hours; k++)
                {
                    var j = i - hours + 1 + k;
                    if (j >= 0 && !double.IsNaN(values![j])) { slice[k] = values[j]; any = true; }
                }
                if (any) window[p] = slice;
            }
            // The hour itself must be observed: an AQI carried by older hours alone would hide a gap.
            var own = present.Any(x => !double.IsNaN(x.V![i]));
            result[i] = own && IndiaAqi.FromHourly(window).MaxSubIndex is { } v ? v : double.NaN;
        }
        return result;
    }
}
