namespace AirQuality.Grains.Cities;

/// <summary>How city grains poll and what they keep (configuration section `Cities`).</summary>
public sealed class CityOptions
{
    public const string Section = "Cities";

    /// <summary>Hours kept in the grain's memory; the India AQI needs 24, forecasting features 48.</summary>
    public int WindowHours { get; set; } = 72;

    /// <summary>Days of history a city with none gets on first start (simulated, or from OpenWeather history when keyed).</summary>
    public int BackfillDays { get; set; } = 90;

    /// <summary>Period of the `poll` reminder.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after the top of the hour the poll runs, leaving upstreams time to publish the hour.</summary>
    public TimeSpan PollOffset { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Cities' polls are spread over this much time after <see cref="PollOffset"/>, in catalog order, so upstream
    /// per-minute limits (IQAir 5, OpenWeather 60) see a trickle rather than 56 calls at once.
    /// </summary>
    public TimeSpan PollSpread { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// How many city polls a silo runs at once (fetch and merge); more wait for a slot. Bounds how much of a burst's
    /// merging and state writing is queued ahead of requests at once. Upstream calls have their own bound per source
    /// (<see cref="Ingestion.UpstreamOptions.MaxConcurrentCalls"/>).
    /// </summary>
    public int MaxConcurrentPolls { get; set; } = 32;

    /// <summary>How long the first-start history backfill from a keyed source (OpenWeather) may take, queueing included.</summary>
    public TimeSpan HistoryTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Wait before a failed history backfill is tried again.</summary>
    public TimeSpan HistoryRetryPeriod { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Upper bound on one source's fetch inside a poll; a slow source never holds the others.</summary>
    public TimeSpan SourceTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How often each silo asks the poll watchdog to look for cities that stopped polling (not heard from for two
    /// <see cref="PollPeriod"/>s). Unset: half the poll period, at most 10 minutes. Zero: no watchdog.
    /// </summary>
    public TimeSpan? WatchdogPeriod { get; set; }

    /// <summary>The watchdog's check period in effect (zero when it is off).</summary>
    public TimeSpan EffectiveWatchdogPeriod =>
        WatchdogPeriod ?? (PollPeriod / 2 < TimeSpan.FromMinutes(10) ? PollPeriod / 2 : TimeSpan.FromMinutes(10));

    /// <summary>Path of a catalog CSV to use instead of the built-in 56 cities (columns name,state,lat,lon[,cpcb_stations_2022][,id]).</summary>
    public string? CatalogPath { get; set; }

    /// <summary>Path of an alias CSV (alias,city) to go with <see cref="CatalogPath"/>.</summary>
    public string? AliasesPath { get; set; }
}

/// <summary>The checks <see cref="CityOptions"/> must pass before the process starts; each failure names the setting.</summary>
public sealed class CityOptionsValidation : Microsoft.Extensions.Options.IValidateOptions<CityOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, CityOptions o)
    {
        var errors = new List<string>();
        if (o.WindowHours < 24) errors.Add($"Cities:WindowHours is {o.WindowHours}; the India AQI needs at least 24 hours.");
        if (o.MaxConcurrentPolls < 1) errors.Add($"Cities:MaxConcurrentPolls is {o.MaxConcurrentPolls}; at least one poll must be able to run.");
        if (o.BackfillDays < 0) errors.Add($"Cities:BackfillDays is {o.BackfillDays}; it cannot be negative.");
        Positive(errors, "Cities:PollPeriod", o.PollPeriod);
        Positive(errors, "Cities:HistoryTimeout", o.HistoryTimeout);
        Positive(errors, "Cities:HistoryRetryPeriod", o.HistoryRetryPeriod);
        Positive(errors, "Cities:SourceTimeout", o.SourceTimeout);
        NotNegative(errors, "Cities:PollOffset", o.PollOffset);
        NotNegative(errors, "Cities:PollSpread", o.PollSpread);
        if (o.WatchdogPeriod is { } w) NotNegative(errors, "Cities:WatchdogPeriod", w);
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }

    internal static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) errors.Add($"{key} is {value}; it must be a positive time span.");
    }

    internal static void NotNegative(List<string> errors, string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero) errors.Add($"{key} is {value}; it cannot be negative.");
    }
}
