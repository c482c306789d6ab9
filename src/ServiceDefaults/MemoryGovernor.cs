using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AirQuality.ServiceDefaults;

/// <summary>
/// Settings of <see cref="MemoryGovernor"/> (section <c>Memory</c>): how far the GC heap may grow past what the last
/// full collection left alive before a background full collection is asked for.
/// </summary>
public sealed class MemorySettings
{
    public const string Section = "Memory";

    /// <summary>
    /// A background full collection is asked for when the heap is this many times what the last full collection left
    /// alive; 0 turns the governor off (the runtime's own budgets alone).
    /// </summary>
    public double Gen2GrowthLimit { get; set; } = 1.5;

    /// <summary>Below this heap size (MB) nothing is asked for: a small process is left to the runtime.</summary>
    public int FloorMegabytes { get; set; } = 512;

    /// <summary>How often the heap is looked at (seconds).</summary>
    public int CheckSeconds { get; set; } = 15;

    /// <summary>The least time between two collections asked for (seconds), which bounds what they cost.</summary>
    public int MinSecondsBetween { get; set; } = 120;
}

/// <summary>The ranges of <see cref="MemorySettings"/>; each failure names the setting to fix.</summary>
public sealed class MemorySettingsValidation : IValidateOptions<MemorySettings>
{
    public ValidateOptionsResult Validate(string? name, MemorySettings s)
    {
        var errors = new List<string>();
        if (!(s.Gen2GrowthLimit == 0 || s.Gen2GrowthLimit is >= 1.1 and <= 10))
            errors.Add($"Memory:Gen2GrowthLimit is {s.Gen2GrowthLimit}; it must be 0 (off) or between 1.1 and 10.");
        if (s.FloorMegabytes is < 0 or > 1_048_576)
            errors.Add($"Memory:FloorMegabytes is {s.FloorMegabytes}; it must be between 0 and 1048576.");
        if (s.CheckSeconds is < 1 or > 3600)
            errors.Add($"Memory:CheckSeconds is {s.CheckSeconds}; it must be between 1 and 3600.");
        if (s.MinSecondsBetween is < 0 or > 86_400)
            errors.Add($"Memory:MinSecondsBetween is {s.MinSecondsBetween}; it must be between 0 and 86400.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Keeps a long-running host's heap near its live set. A silo's grains hold their state for hours and replace parts
/// of it every poll and every retraining, so what they drop has aged into generation 2 first; server GC without a
/// memory limit collects generation 2 only when its own budget runs out, by which time the heap can be two to three
/// times what is alive (seen at 5,000 places: 1.3 GB alive, 4 GB of RSS). Every few seconds this looks at the heap
/// and, when it has grown past <see cref="MemorySettings.Gen2GrowthLimit"/> times what the last full collection left
/// (and past a floor), asks for a background (concurrent, non-compacting) full collection: the freed space is reused
/// by later promotions instead of new memory being committed. Under a memory limit (a container) the runtime already
/// does this itself, and the governor rarely fires.
/// </summary>
public sealed class MemoryGovernor : BackgroundService
{
    public const string MeterName = TelemetryHosting.ProjectSource + ".Memory";

    private readonly MemorySettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger<MemoryGovernor> _log;
    private readonly Meter _meter;
    private readonly Counter<long> _induced;
    private DateTimeOffset? _lastInduced;

    public MemoryGovernor(IOptions<MemorySettings> settings, TimeProvider clock, ILogger<MemoryGovernor> log, IMeterFactory? meters = null)
    {
        _settings = settings.Value;
        _clock = clock;
        _log = log;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _induced = _meter.CreateCounter<long>("aq.memory.induced_collections",
            description: "Background full collections asked for because the heap outgrew its live set");
    }

    /// <summary>How many collections this governor has asked for.</summary>
    public int Induced { get; private set; }

    /// <summary>What one look at the heap decided, and from what.</summary>
    public readonly record struct Decision(bool Collect, long HeapBytes, long LiveBytes, string Reason);

    /// <summary>
    /// The rule, on figures: collect when on, past the floor, past the growth limit over the live set, and not within
    /// the least time since the last collection asked for. <paramref name="liveBytes"/> 0 means no full collection yet.
    /// </summary>
    public static Decision Decide(MemorySettings s, long heapBytes, long liveBytes, TimeSpan? sinceLastInduced)
    {
        if (s.Gen2GrowthLimit == 0) return new(false, heapBytes, liveBytes, "off");
        if (heapBytes < (long)s.FloorMegabytes << 20) return new(false, heapBytes, liveBytes, "below the floor");
        if (liveBytes > 0 && heapBytes <= liveBytes * s.Gen2GrowthLimit) return new(false, heapBytes, liveBytes, "within the growth limit");
        if (sinceLastInduced is { } since && since < TimeSpan.FromSeconds(s.MinSecondsBetween))
            return new(false, heapBytes, liveBytes, "collected recently");
        return new(true, heapBytes, liveBytes, liveBytes > 0 ? "past the growth limit" : "no full collection yet");
    }

    /// <summary>What the last full collection (blocking or background) left alive, or 0 before the first.</summary>
    public static long LiveAfterLastFullCollection()
    {
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        var last = blocking.Index >= background.Index ? blocking : background;
        if (last.Index == 0) return 0;
        return last.PromotedBytes > 0 ? last.PromotedBytes : Math.Max(0, last.HeapSizeBytes - last.FragmentedBytes);
    }

    /// <summary>One look at the heap, acting on it; what was decided.</summary>
    public Decision Check()
    {
        var now = _clock.GetUtcNow();
        var decision = Decide(_settings, GC.GetTotalMemory(forceFullCollection: false), LiveAfterLastFullCollection(), now - _lastInduced);
        if (!decision.Collect) return decision;
        _lastInduced = now;
        Induced++;
        _induced.Add(1);
        _log.LogInformation("GC heap {Heap} MB against {Live} MB alive after the last full collection ({Reason}): asking for a background full collection",
            decision.HeapBytes >> 20, decision.LiveBytes >> 20, decision.Reason);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false, compacting: false);
        return decision;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.Gen2GrowthLimit == 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_settings.CheckSeconds), _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                Check();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}

public static class MemoryGovernorHosting
{
    /// <summary>Adds <see cref="MemoryGovernor"/> with its settings (section <c>Memory</c>), validated on start.</summary>
    public static IHostApplicationBuilder AddMemoryGovernor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MemorySettings>().Bind(builder.Configuration.GetSection(MemorySettings.Section)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemorySettings>, MemorySettingsValidation>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<MemoryGovernor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MemoryGovernor>());
        return builder;
    }
}
