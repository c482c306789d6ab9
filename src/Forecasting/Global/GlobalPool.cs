using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Global;

/// <summary>
/// What the global model knows of a city beyond its recent hours: the long-run mean and spread of log(1 + target)
/// over the history it may learn from. With them one model tells a clean hill town from a smoggy plain and reverts
/// each towards its own level.
/// </summary>
public sealed record CityProfile(double LogMean, double LogStd)
{
    /// <summary>Names of the city features the global model reads (after the per-city features).</summary>
    public static readonly IReadOnlyList<string> Names = ["city_log_mean", "city_log_std", "city_mean_vs_level"];

    /// <summary>The profile of the target's values before hour <paramref name="limit"/> (NaN when none are known).</summary>
    public static CityProfile Of(double[] target, int limit)
    {
        double sum = 0, squares = 0;
        var count = 0;
        for (var i = 0; i < Math.Min(limit, target.Length); i++)
        {
            if (double.IsNaN(target[i])) continue;
            var v = Math.Log(1 + Math.Max(0, target[i]));
            sum += v;
            squares += v * v;
            count++;
        }
        if (count == 0) return new CityProfile(double.NaN, double.NaN);
        var mean = sum / count;
        return new CityProfile(mean, count > 1 ? Math.Sqrt(Math.Max(0, (squares - count * mean * mean) / (count - 1))) : double.NaN);
    }

    /// <summary>Writes the city features of an origin whose level is <paramref name="level"/>.</summary>
    public void Write(double level, Span<double> row)
    {
        row[0] = LogMean;
        row[1] = LogStd;
        row[2] = LogMean - level;
    }
}

/// <summary>How the global family trains and calibrates.</summary>
public sealed record GlobalSettings
{
    /// <summary>Rows of the pooled training set at most, shared evenly among the cities.</summary>
    public int MaxRows { get; init; } = 120_000;

    /// <summary>Fewest rows a city gives, however many cities there are.</summary>
    public int MinRowsPerCity { get; init; } = 24;

    /// <summary>Boosting rounds of LightGBM.</summary>
    public int Rounds { get; init; } = 200;

    /// <summary>Leaves per tree.</summary>
    public int Leaves { get; init; } = 63;

    /// <summary>Learning rate (shrinkage).</summary>
    public double LearningRate { get; init; } = 0.08;

    /// <summary>Fewest rows in a leaf.</summary>
    public int MinimumLeafRows { get; init; } = 50;

    /// <summary>Bins per feature in the histograms.</summary>
    public int Bins { get; init; } = 64;

    /// <summary>Threads of the fit; with a fixed seed and thread count the model is the same on every run.</summary>
    public int Threads { get; init; } = 1;

    public int Seed { get; init; } = 7;

    /// <summary>Hours of a city's newest training history on which its level offset is fitted.</summary>
    public int CalibrationHours { get; init; } = 14 * 24;

    /// <summary>Offsets are shrunk towards 0 by n / (n + this), n the residuals a horizon has.</summary>
    public double CalibrationShrink { get; init; } = 50;

    /// <summary>Settings small enough for unit tests.</summary>
    public static GlobalSettings Quick { get; } = new() { MaxRows = 20_000, Rounds = 60, Leaves = 31 };
}

/// <summary>
/// Feature rows of many cities, for one target, gathered for the global model: the same <see cref="FeatureBuilder"/>
/// rows the per-city tree families learn from (with a fixed covariate layout, absent channels missing) plus the city
/// features of <see cref="CityProfile"/>. Each city gives the same number of rows, sampled evenly over its history, so
/// no city dominates. Two sets are kept: <see cref="Validation"/>, from each city's history before the hours its own
/// training validates on (so the global model is out of sample there, as the per-city families are), and
/// <see cref="Serving"/>, from all of it.
/// </summary>
public sealed class GlobalPool
{
    private readonly GlobalSettings _settings;
    private readonly int _perCity;
    private readonly double _validationFraction;

    /// <param name="cities">How many cities will be added (the rows are shared among them).</param>
    /// <param name="validationFraction">The per-city trainer's <see cref="ForecastSettings.ValidationFraction"/>.</param>
    public GlobalPool(ForecastTarget target, int cities, GlobalSettings settings, double validationFraction)
    {
        Target = target;
        Layout = LayoutFor(target);
        _settings = settings;
        _validationFraction = validationFraction;
        _perCity = Math.Max(settings.MinRowsPerCity, settings.MaxRows / Math.Max(1, cities));
    }

    public ForecastTarget Target { get; }

    /// <summary>The layout of every city's features: every pollutant but the target and every weather channel, no year cycle.</summary>
    public FeatureLayout Layout { get; }

    public PoolRows Validation { get; } = new();

    public PoolRows Serving { get; } = new();

    /// <summary>Cities that gave rows.</summary>
    public int Cities { get; private set; }

    /// <summary>The fixed layout of the global family for a target.</summary>
    public static FeatureLayout LayoutFor(ForecastTarget target) =>
        new(target, Pollutants.All.Select(p => p.Code()).Where(c => !(target == ForecastTarget.Pm25 && c == Pollutant.Pm25.Code())).Concat(HourlySeries.WeatherChannels).ToArray(), false);

    /// <summary>
    /// Where a per-city training of a history of <paramref name="hours"/> hours starts validating (as
    /// <see cref="ForecastTrainer.Train"/> cuts it): the validation rows end there.
    /// </summary>
    public static int ValidationStart(int hours, double validationFraction) =>
        hours - Math.Max(FeatureBuilder.MaxHorizon * 2, (int)Math.Round(hours * validationFraction));

    /// <summary>Adds a city's history (too short ones are left out). Not thread-safe.</summary>
    public void Add(HourlySeries series, CancellationToken cancellationToken = default)
    {
        if (series.Length < ForecastTrainer.MinimumHours) return;
        var y = Target.Values(series);
        var features = new FeatureBuilder(y, series, Layout);
        var n = series.Length;
        var cut = ValidationStart(n, _validationFraction);
        var added = AddRows(Validation, features, new TrainingWindow(ForecastTrainer.FirstOrigin, cut, cut), CityProfile.Of(y, cut), cancellationToken);
        added += AddRows(Serving, features, new TrainingWindow(ForecastTrainer.FirstOrigin, n, n), CityProfile.Of(y, n), cancellationToken);
        if (added > 0) Cities++;
    }

    private int AddRows(PoolRows rows, FeatureBuilder features, TrainingWindow window, CityProfile profile, CancellationToken cancellationToken)
    {
        if (double.IsNaN(profile.LogMean)) return 0;
        var points = window.Sample(features, _perCity);
        foreach (var p in points)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = new double[GlobalModel.Width(features)];
            GlobalModel.Write(features, profile, p, row);
            rows.Add(row, p.Horizon, features.Delta(p.Origin, p.Horizon));
        }
        return points.Count;
    }
}

/// <summary>Rows of one pooled set: raw features (NaN where missing), horizon and delta.</summary>
public sealed class PoolRows
{
    internal List<float[]> Features { get; } = [];
    internal List<int> Horizons { get; } = [];
    internal List<double> Deltas { get; } = [];

    public int Count => Features.Count;

    internal void Add(double[] row, int horizon, double delta)
    {
        Features.Add(row.Select(v => (float)v).ToArray());
        Horizons.Add(horizon);
        Deltas.Add(delta);
    }
}
