using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Forecasting;

/// <summary>What a city's forecast grain persists (state name `forecast`): its model registry and retraining bookkeeping.</summary>
[GenerateSerializer]
public sealed class ForecastState
{
    /// <summary>Registry per target code (`pm25`, `aqi`).</summary>
    [Id(0)] public Dictionary<string, TargetRegistry> Targets { get; set; } = [];

    /// <summary>Next version number of the city (versions are unique across targets).</summary>
    [Id(1)] public int NextVersion { get; set; } = 1;

    /// <summary>Completed training runs.</summary>
    [Id(2)] public int Retrains { get; set; }

    [Id(3)] public DateTime? LastTrainedAt { get; set; }

    [Id(4)] public string? LastTrainingReason { get; set; }

    /// <summary>Hours that arrived since the last training (for the new-samples trigger).</summary>
    [Id(5)] public List<DateTime> NewSamples { get; set; } = [];

    /// <summary>Latest notable events, newest last (promotions, retrainings), for operators.</summary>
    [Id(6)] public List<string> Events { get; set; } = [];
}

/// <summary>One target's versions and champion.</summary>
[GenerateSerializer]
public sealed class TargetRegistry
{
    [Id(0)] public List<ModelVersionInfo> Versions { get; set; } = [];

    /// <summary>Version of the champion, null when persistence serves.</summary>
    [Id(1)] public int? ChampionVersion { get; set; }

    [Id(2)] public string ChampionReason { get; set; } = "no model trained yet; the best baseline serves";

    [Id(3)] public DateTime? PromotedAt { get; set; }

    /// <summary>Forecasts issued for the last hours (1-24 h values by origin hour), to measure live accuracy.</summary>
    [Id(4)] public List<IssuedForecast> Issued { get; set; } = [];

    /// <summary>Issued forecasts waiting for their hours and the daily sums of those scored (live skill against persistence).</summary>
    [Id(5)] public LiveSkillState LiveSkill { get; set; } = new();
}

/// <summary>The first 24 hours of a forecast as issued, kept until they can all be compared with what happened.</summary>
[GenerateSerializer, Immutable]
public sealed record IssuedForecast([property: Id(0)] DateTime Origin, [property: Id(1)] double[] Values);
