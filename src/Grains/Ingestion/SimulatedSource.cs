using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.IO.Hashing;
using System.Reflection;
using System.Text;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// Plausible hourly readings for any city, with no network and no key: the same city and hour always give the same
/// values. Levels come from each city's typical PM2.5 (Data/simulation_profiles.csv, or a latitude-based guess for a
/// city without a profile), shaped by season (winter peak in the north, monsoon trough), a daily cycle in local time,
/// and slow weather regimes that last hours to days, so forecasting has real structure to learn.
/// </summary>
public sealed class SimulatedSource(bool enabled = true) : IHistorySource
{
    private static readonly Lazy<IReadOnlyDictionary<string, double>> Profiles = new(LoadProfiles);
    private const double IstOffsetHours = 5.5;

    public string Name => SourceNames.Simulated;

    public int Priority => 100;

    public bool Enabled { get; } = enabled;

    public DateTime HistoryStart => DateTime.MinValue;

    public bool Local => true;

    public Task<SourceFetch> FetchAsync(City city, DateTime now, CancellationToken cancellationToken) =>
        Task.FromResult(new SourceFetch([Reading(city, Hours.Floor(now))], []));

    public Task<SourceFetch> FetchHistoryAsync(City city, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        Task.FromResult(new SourceFetch(Range(city, from, to).ToList(), []));

    /// <summary>The simulated reading of one city-hour.</summary>
    public static SourceReading Reading(City city, DateTime hour)
    {
        hour = Hours.Floor(hour);
        var (values, weather) = Simulate(city, hour);
        return new SourceReading(city.Id, hour, SourceNames.Simulated, values, weather);
    }

    /// <summary>Simulated hours from <paramref name="from"/> up to and including <paramref name="to"/>.</summary>
    public static IEnumerable<SourceReading> Range(City city, DateTime from, DateTime to)
    {
        for (var h = Hours.Floor(from); h <= to; h = h.AddHours(1))
            yield return Reading(city, h);
    }

    /// <summary>The typical annual PM2.5 the simulation centres a city on.</summary>
    public static double TypicalPm25(City city) =>
        Profiles.Value.TryGetValue(city.Id, out var v) ? v : Math.Clamp(20 + (city.Latitude - 10) * 3.2, 15, 90);

    private static (Dictionary<Pollutant, double>, Weather) Simulate(City city, DateTime hour)
    {
        var typical = TypicalPm25(city);
        var local = hour.AddHours(IstOffsetHours);
        var dayOfYear = local.DayOfYear;
        var lh = local.Hour;
        var t = (hour - DateTime.UnixEpoch).TotalHours;

        // Season: peak in early January, trough in early July; northern cities swing harder.
        var amplitude = Math.Clamp((city.Latitude - 10) / 30, 0.15, 0.6);
        var season = 1 + amplitude * Math.Cos(2 * Math.PI * (dayOfYear - 5) / 365.25);
        // Day: night-time inversion peak near 23:00 and a morning traffic bump near 08:00, afternoon mixing trough.
        var diurnal = 1 + 0.22 * Math.Cos(2 * Math.PI * (lh - 23) / 24) + 0.08 * Math.Cos(2 * Math.PI * (lh - 8) / 12);
        // Weather regimes: smooth noise over 6-hour and 3-day scales.
        var regime = Math.Exp(0.25 * Smooth(city.Id, "r6", t / 6) + 0.3 * Smooth(city.Id, "r72", t / 72));
        var jitter = 1 + 0.06 * (Hash(city.Id, "h", (long)t) * 2 - 1);

        var pm25 = typical * season * diurnal * regime * jitter;
        var dustRatio = 1.5 + 0.6 * Math.Clamp((city.Longitude - 88) / -16, 0, 1) + 0.1 * Smooth(city.Id, "dust", t / 48);
        var pm10 = pm25 * dustRatio;
        var traffic = 1 + 0.35 * Math.Cos(2 * Math.PI * (lh - 9) / 12);
        var no2 = (10 + 0.22 * pm25) * traffic * (1 + 0.05 * Smooth(city.Id, "no2", t / 4));
        var so2 = (6 + 0.05 * pm25) * (1 + 0.2 * Smooth(city.Id, "so2", t / 24)) * (1 + 0.05 * (Hash(city.Id, "so2h", (long)t) * 2 - 1));
        var co = (0.35 + 0.011 * pm25) * traffic;
        var sun = Math.Max(0, Math.Sin(Math.PI * (lh - 7) / 12));
        var summer = 1 + 0.3 * Math.Cos(2 * Math.PI * (dayOfYear - 130) / 365.25);
        // SO2, O3 and NH3 have their own hourly jitter (and SO2 and NH3 two decimals): in clean air and at night they would
        // otherwise sit on one rounded value for hours, which is what a stuck analyser does.
        var o3 = (12 + 55 * sun * summer) * (1 + 0.15 * Smooth(city.Id, "o3", t / 12)) * (1 + 0.05 * (Hash(city.Id, "o3h", (long)t) * 2 - 1));
        var nh3 = (8 + 0.18 * pm25) * (1 + 0.05 * (Hash(city.Id, "nh3h", (long)t) * 2 - 1));

        var annualMean = 30 - 0.25 * (city.Latitude - 10);
        var seasonalSwing = 0.5 * Math.Max(0, city.Latitude - 8);
        var temperature = annualMean - seasonalSwing * Math.Cos(2 * Math.PI * (dayOfYear - 15) / 365.25) + 5 * Math.Sin(Math.PI * (lh - 9) / 12);
        var humidity = Math.Clamp(60 + 25 * Math.Cos(2 * Math.PI * (dayOfYear - 210) / 365.25) - 12 * sun + 5 * Smooth(city.Id, "rh", t / 24), 10, 100);
        var wind = Math.Max(0.2, 2.5 + 1.5 * sun - 1.2 * Smooth(city.Id, "r72", t / 72) + 0.5 * Smooth(city.Id, "w", t / 6));

        var values = new Dictionary<Pollutant, double>
        {
            [Pollutant.Pm25] = Round(pm25, 1),
            [Pollutant.Pm10] = Round(pm10, 1),
            [Pollutant.No2] = Round(no2, 1),
            [Pollutant.So2] = Round(so2, 2),
            [Pollutant.Co] = Round(co, 2),
            [Pollutant.O3] = Round(o3, 1),
            [Pollutant.Nh3] = Round(nh3, 2),
        };
        return (values, new Weather(Round(temperature, 1), Round(humidity, 0), Round(wind, 1), 1010));
    }

    private static double Round(double v, int digits) => Math.Round(v, digits, MidpointRounding.AwayFromZero);

    /// <summary>Smooth deterministic noise in [-1, 1]: cosine interpolation between hashed values at integer points.</summary>
    private static double Smooth(string city, string channel, double x)
    {
        var i = (long)Math.Floor(x);
        var f = x - i;
        var a = Hash(city, channel, i) * 2 - 1;
        var b = Hash(city, channel, i + 1) * 2 - 1;
        var w = (1 - Math.Cos(Math.PI * f)) / 2;
        return a * (1 - w) + b * w;
    }

    /// <summary>A deterministic number in [0, 1) for a city, channel and integer step.</summary>
    private static double Hash(string city, string channel, long step)
    {
        Span<byte> buffer = stackalloc byte[256];
        var n = Encoding.UTF8.GetBytes($"{city}|{channel}|{step}", buffer);
        var h = XxHash64.HashToUInt64(buffer[..n]);
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    private static IReadOnlyDictionary<string, double> LoadProfiles()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("AirQuality.Grains.Data.simulation_profiles.csv")
            ?? throw new InvalidOperationException("simulation_profiles.csv is missing from the build");
        using var reader = new StreamReader(stream);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(',');
            if (parts.Length >= 2 && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var v))
                result[CityCatalog.Slug(parts[0])] = v;
        }
        return result;
    }
}
