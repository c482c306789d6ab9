using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Features;

/// <summary>
/// Which covariates a model reads, fixed when it is trained and stored with it, so a model is always fed the columns
/// it learned from. A covariate is used when at least half of the training hours have it ("where present").
/// </summary>
/// <param name="YearCycle">
/// Whether the time-of-year features (day-of-year cycle, season) are used. Only when the training history spans a whole
/// year: trained on February to October, a model has never seen a November, and trees turn an unseen part of the year
/// into an arbitrary guess.
/// </param>
/// <param name="TargetWeather">
/// Whether the weather of the target hour is an input (a forecast when serving). Off unless a weather forecast exists
/// for the hours served; `evaluate` uses it only under `--weather observed-as-forecast`, an upper bound.
/// </param>
public sealed record FeatureLayout(ForecastTarget Target, IReadOnlyList<string> Covariates, bool YearCycle, bool TargetWeather = false)
{
    /// <summary>Hours of history needed before the time-of-year features are used.</summary>
    public const int YearCycleHours = 365 * 24;

    /// <summary>Layouts are equal when they read the same inputs.</summary>
    public bool Equals(FeatureLayout? other) =>
        other is not null && Target == other.Target && YearCycle == other.YearCycle && TargetWeather == other.TargetWeather && Covariates.SequenceEqual(other.Covariates);

    public override int GetHashCode() => HashCode.Combine(Target, YearCycle, Covariates.Count);

    /// <summary>Share of hours a channel needs in the training range to become a covariate.</summary>
    public const double MinimumPresence = 0.5;

    /// <summary>Chooses the covariates present in hours [from, to) of a series.</summary>
    public static FeatureLayout Choose(HourlySeries series, ForecastTarget target, int from, int to, CovariateUse use = CovariateUse.All)
    {
        if (use == CovariateUse.None) return new FeatureLayout(target, [], to - from >= YearCycleHours);
        var chosen = new List<string>();
        var candidates = Pollutants.All.Select(p => p.Code()).Concat(HourlySeries.WeatherChannels);
        foreach (var name in candidates)
        {
            // PM2.5 is the target itself when forecasting PM2.5; for the AQI it is the main driver and stays in.
            if (target == ForecastTarget.Pm25 && name == Pollutant.Pm25.Code()) continue;
            if (series.Channel(name) is not { } values || to <= from) continue;
            var present = 0;
            for (var i = Math.Max(0, from); i < Math.Min(to, values.Length); i++)
                if (!double.IsNaN(values[i])) present++;
            if (present >= MinimumPresence * (to - from)) chosen.Add(name);
        }
        var targetWeather = use == CovariateUse.AllWithTargetWeather && chosen.Any(IsWeather);
        return new FeatureLayout(target, chosen, to - from >= YearCycleHours, targetWeather);
    }

    /// <summary>True for weather channels (read as they are), false for pollutants (read as log(1 + value)).</summary>
    public static bool IsWeather(string channel) => HourlySeries.WeatherChannels.Contains(channel);
}

/// <summary>Which covariates a training may read.</summary>
public enum CovariateUse
{
    /// <summary>The target's own history only.</summary>
    None,

    /// <summary>Other pollutants and weather known at the origin.</summary>
    All,

    /// <summary>As <see cref="All"/>, and the weather of the target hour (forecast when serving).</summary>
    AllWithTargetWeather,
}
