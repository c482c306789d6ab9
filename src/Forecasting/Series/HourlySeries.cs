using AirQuality.Domain.Readings;

namespace AirQuality.Forecasting.Series;

/// <summary>
/// Hourly observations laid on a regular grid of consecutive hours. A missing hour or value is <see cref="double.NaN"/>,
/// so gaps stay visible to every consumer instead of turning into zeros.
/// </summary>
public sealed class HourlySeries
{
    /// <summary>Channel names of the weather values (pollutants use their codes: pm25, no2, ...).</summary>
    public static readonly IReadOnlyList<string> WeatherChannels = ["temperature", "humidity", "wind", "pressure", "solar_radiation", "rainfall"];

    private readonly Dictionary<string, double[]> _channels;

    private HourlySeries(DateTime start, int length, Dictionary<string, double[]> channels)
    {
        Start = start;
        Length = length;
        _channels = channels;
    }

    /// <summary>The first hour of the grid (UTC).</summary>
    public DateTime Start { get; }

    /// <summary>Number of hours on the grid, gaps included.</summary>
    public int Length { get; }

    /// <summary>The last hour of the grid.</summary>
    public DateTime End => Start.AddHours(Length - 1);

    /// <summary>Channels with at least one value.</summary>
    public IReadOnlyCollection<string> Channels => _channels.Keys;

    /// <summary>The hour of grid index <paramref name="i"/>.</summary>
    public DateTime HourAt(int i) => Start.AddHours(i);

    /// <summary>The grid index of an hour (may fall outside the grid).</summary>
    public int IndexOf(DateTime hour) => (int)Math.Round((hour - Start).TotalHours);

    /// <summary>The values of a channel (NaN where missing), or null when the series never has it.</summary>
    public double[]? Channel(string name) => _channels.GetValueOrDefault(name);

    /// <summary>The values of a pollutant (NaN where missing), or null when the series never has it.</summary>
    public double[]? Channel(Pollutant p) => Channel(p.Code());

    /// <summary>Builds the grid from observations in any order; a later observation of the same hour wins.</summary>
    public static HourlySeries From(IEnumerable<HourlyObservation> observations)
    {
        var sorted = observations.Select(o => o with { Hour = Hours.Floor(o.Hour) }).OrderBy(o => o.Hour).ToList();
        if (sorted.Count == 0) return new HourlySeries(DateTime.UnixEpoch, 0, []);
        var start = sorted[0].Hour;
        var length = (int)(sorted[^1].Hour - start).TotalHours + 1;
        var channels = new Dictionary<string, double[]>(StringComparer.Ordinal);
        double[] Get(string name)
        {
            if (!channels.TryGetValue(name, out var a))
            {
                a = new double[length];
                Array.Fill(a, double.NaN);
                channels[name] = a;
            }
            return a;
        }
        foreach (var o in sorted)
        {
            var i = (int)(o.Hour - start).TotalHours;
            foreach (var (p, v) in o.Pollutants)
                if (double.IsFinite(v) && v >= 0) Get(p.Code())[i] = v;
            Set("temperature", o.TemperatureC);
            Set("humidity", o.HumidityPercent);
            Set("wind", o.WindSpeedMs);
            Set("pressure", o.PressureHpa);
            Set("solar_radiation", o.SolarRadiationWm2);
            Set("rainfall", o.RainfallMm);

            void Set(string name, double? value)
            {
                if (value is { } x && double.IsFinite(x)) Get(name)[i] = x;
            }
        }
        return new HourlySeries(start, length, channels);
    }

    /// <summary>A series made of given channel arrays (all of the same length), for targets computed elsewhere and tests.</summary>
    public static HourlySeries FromArrays(DateTime start, IReadOnlyDictionary<string, double[]> channels)
    {
        var length = channels.Count == 0 ? 0 : channels.Values.First().Length;
        if (channels.Values.Any(c => c.Length != length)) throw new ArgumentException("channels differ in length", nameof(channels));
        return new HourlySeries(Hours.Floor(start), length, channels.ToDictionary(kv => kv.Key, kv => (double[])kv.Value.Clone(), StringComparer.Ordinal));
    }

    /// <summary>The hours [from, to) of this series as a new series (indices are clamped to the grid).</summary>
    public HourlySeries Slice(int from, int to)
    {
        from = Math.Clamp(from, 0, Length);
        to = Math.Clamp(to, from, Length);
        return new HourlySeries(HourAt(from), to - from, _channels.ToDictionary(kv => kv.Key, kv => kv.Value[from..to], StringComparer.Ordinal));
    }
}
