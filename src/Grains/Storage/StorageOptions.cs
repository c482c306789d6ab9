namespace AirQuality.Grains.Storage;

/// <summary>How long the readings store keeps what (configuration section `Storage:Retention`).</summary>
/// <remarks>
/// Raw per-source readings are for audits and re-merging, so they go first. The merged hourly series and the daily
/// rollups are what history answers and forecasting train on, so they stay for years. Imported history was loaded on
/// purpose by an operator and is often older than the series' horizon (2015 embassy data), so age alone never
/// removes it unless <see cref="ImportedDays"/> is set.
/// </remarks>
public sealed class RetentionOptions
{
    public const string Section = "Storage:Retention";

    /// <summary>Days raw per-source readings (`reading_raw`) are kept.</summary>
    public int RawDays { get; set; } = 90;

    /// <summary>Days the merged hourly series (`city_hour`) and the rollups (`raw_hourly`, `city_day`) are kept: 5 years.</summary>
    public int SeriesDays { get; set; } = 1826;

    /// <summary>Days imported history (station readings and the city-hours holding imported values) is kept; null keeps it for good.</summary>
    public int? ImportedDays { get; set; }

    /// <summary>Throws when a setting makes no sense, so a typo never sweeps a table empty.</summary>
    public void Validate()
    {
        if (RawDays < 1) throw new InvalidOperationException($"{Section}:RawDays must be at least 1 (is {RawDays})");
        if (SeriesDays < RawDays) throw new InvalidOperationException($"{Section}:SeriesDays ({SeriesDays}) must be at least RawDays ({RawDays})");
        if (ImportedDays is < 1) throw new InvalidOperationException($"{Section}:ImportedDays must be at least 1, or unset to keep imports for good");
    }
}

/// <summary>The storage maintenance job (configuration section `Storage:Maintenance`).</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Storage:Maintenance";

    /// <summary>Period of the maintenance reminder.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Delay of the first run after a silo starts, so partitions and retention are in order early.</summary>
    public TimeSpan FirstRunDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Days of partitions created ahead of the clock (native layout), so writers never wait on DDL.</summary>
    public int PartitionsAheadDays { get; set; } = 7;
}
