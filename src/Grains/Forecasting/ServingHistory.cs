using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Series;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Forecasting;

/// <summary>
/// A forecast grain's serving history: the last <see cref="Capacity"/> hours it holds of its city, by the rules of
/// <see cref="Cities.CityWindow.Put"/> (an hour held is replaced, an hour too old for the window is left out, the
/// oldest go beyond the capacity), kept column by column: one value per hour and channel (a pollutant's code or a
/// weather channel of <see cref="HourlySeries"/>), NaN where the hour has none. Forecasting reads only these values,
/// so a place keeps about 100 bytes an hour here instead of its merged hours with their provenance (about 250:
/// bench/scale/README.md, "Memory"); <see cref="ToSeries"/> gives the series <see cref="HistoryConversion.ToSeries"/>
/// would give of the same hours.
/// </summary>
public sealed class ServingHistory
{
    private readonly List<DateTime> _hours = [];
    private readonly Dictionary<string, List<double>> _channels = new(StringComparer.Ordinal);

    /// <summary>A history of the hours given (the store's, oldest first), not trimmed, as a window is not when it is built.</summary>
    public ServingHistory(IEnumerable<CityHour> hours, int capacity)
    {
        Capacity = capacity;
        foreach (var h in hours)
        {
            if (_hours.Count == 0 || h.Hour > _hours[^1]) Write(Insert(_hours.Count, h.Hour), h);
            else Put([h]);
        }
    }

    public int Capacity { get; }

    /// <summary>Hours held.</summary>
    public int Count => _hours.Count;

    /// <summary>Puts whole hours in (an hour already held is replaced), keeping those of the last <see cref="Capacity"/> hours.</summary>
    public void Put(IReadOnlyList<CityHour> merged)
    {
        if (merged.Count == 0) return;
        var newest = merged.Max(h => h.Hour);
        if (_hours.Count > 0 && _hours[^1] > newest) newest = _hours[^1];
        var oldestAdmitted = newest.AddHours(-Capacity);
        foreach (var h in merged)
        {
            var i = _hours.BinarySearch(h.Hour);
            if (i >= 0) Write(i, h);
            else if (h.Hour > oldestAdmitted || _hours.Count > 0 && h.Hour > _hours[0]) Write(Insert(~i, h.Hour), h);
        }
        if (_hours.Count > Capacity)
        {
            var excess = _hours.Count - Capacity;
            _hours.RemoveRange(0, excess);
            foreach (var column in _channels.Values) column.RemoveRange(0, excess);
        }
    }

    /// <summary>The hours held as a series on the grid from the first to the last (fresh arrays: later puts do not change it).</summary>
    public HourlySeries ToSeries()
    {
        if (_hours.Count == 0) return HourlySeries.From([]);
        var start = Hours.Floor(_hours[0]);
        var length = (int)(Hours.Floor(_hours[^1]) - start).TotalHours + 1;
        var channels = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (name, column) in _channels)
        {
            var weather = !IsPollutant(name);
            double[]? values = null;
            for (var j = 0; j < column.Count; j++)
            {
                var v = column[j];
                // What a series admits: a finite value, and no negative concentration.
                if (!double.IsFinite(v) || !weather && v < 0) continue;
                if (values is null)
                {
                    values = new double[length];
                    Array.Fill(values, double.NaN);
                }
                values[(int)(Hours.Floor(_hours[j]) - start).TotalHours] = v;
            }
            if (values is not null) channels[name] = values;
        }
        return HourlySeries.FromArrays(start, length, channels);
    }

    private static bool IsPollutant(string channel) => !HourlySeries.WeatherChannels.Contains(channel);

    private int Insert(int at, DateTime hour)
    {
        _hours.Insert(at, hour);
        foreach (var column in _channels.Values) column.Insert(at, double.NaN);
        return at;
    }

    /// <summary>Row <paramref name="i"/> becomes the hour's values (every channel it lacks NaN; of a pollutant given twice, the last).</summary>
    private void Write(int i, CityHour h)
    {
        foreach (var column in _channels.Values) column[i] = double.NaN;
        foreach (var m in h.Values) Column(m.Pollutant.Code())[i] = m.Value;
        if (h.Weather is not { } w) return;
        if (w.TemperatureC is { } t) Column("temperature")[i] = t;
        if (w.HumidityPercent is { } rh) Column("humidity")[i] = rh;
        if (w.WindSpeedMs is { } wind) Column("wind")[i] = wind;
        if (w.PressureHpa is { } p) Column("pressure")[i] = p;
    }

    private List<double> Column(string name)
    {
        if (!_channels.TryGetValue(name, out var column))
        {
            column = new List<double>(Math.Max(_hours.Count, Math.Min(Capacity + 24, 10_000)));
            for (var j = 0; j < _hours.Count; j++) column.Add(double.NaN);
            _channels[name] = column;
        }
        return column;
    }
}
