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

    /// <summary>
    /// When more than this share of the old generations (2 and the large object heap) is free space between live
    /// objects (fragmentation, which a background collection cannot give back), a blocking, compacting collection is
    /// asked for; 0: never compact.
    /// </summary>
    public double CompactAtFragmentation { get; set; } = 0.3;

    /// <summary>The least time between two compacting collections asked for (seconds): each pauses the process.</summary>
    public int MinSecondsBetweenCompactions { get; set; } = 600;
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
        if (!(s.CompactAtFragmentation == 0 || s.CompactAtFragmentation is >= 0.05 and <= 0.95))
            errors.Add($"Memory:CompactAtFragmentation is {s.CompactAtFragmentation}; it must be 0 (never) or between 0.05 and 0.95.");
        if (s.MinSecondsBetweenCompactions is < 0 or > 86_400)
            errors.Add($"Memory:MinSecondsBetweenCompactions is {s.MinSecondsBetweenCompactions}; it must be between 0 and 86400.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Keeps a long-running host's heap near its live set. A silo's grains hold their state for hours and replace parts
/// of it every poll and every retraining, so what they drop has aged into generation 2 first; server GC without a
/// memory limit collects generation 2 only when its own budget runs out, by which time the heap can be two to three
/// times what is alive (seen at 5,000 places: 1.3 GB alive, 4 GB of RSS). Every few seconds this looks at the heap
/// and, when it has grown past <see cref="MemorySettings.Gen2GrowthLimit"/> times what the last full collection left
/// (and past a floor), asks for a background (concurrent, non-compacting) full collection. A background collection
/// frees dead objects but leaves the space between live ones committed, and at 5,000 places half of generation 2 was
/// such space after a few hours; so when the old generations are fragmented past
/// <see cref="MemorySettings.CompactAtFragmentation"/>, it asks for a blocking, compacting collection that gives the
/// memory back (at most one per <see cref="MemorySettings.MinSecondsBetweenCompactions"/>: it pauses the
/// process). Under a memory limit (a container) the runtime does much of this itself, and the governor rarely fires.
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
    private DateTimeOffset? _lastCompaction;

    public MemoryGovernor(IOptions<MemorySettings> settings, TimeProvider clock, ILogger<MemoryGovernor> log, IMeterFactory? meters = null)
    {
        _settings = settings.Value;
        _clock = clock;
        _log = log;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _induced = _meter.CreateCounter<long>("aq.memory.induced_collections",
            description: "Full collections asked for: background when the heap outgrew its live set, compacting (tag compacting=true) when the old generations were fragmented");
    }

    /// <summary>How many collections this governor has asked for.</summary>
    public int Induced { get; private set; }

    /// <summary>How many of them were compacting.</summary>
    public int Compactions { get; private set; }

    /// <summary>
    /// The heap as one look sees it: bytes allocated now (dead objects not yet collected included, free space not),
    /// what the last full collection left alive (0 before the first), and the old generations (2 and the large object
    /// heap) after the latest collection of any kind: their size and the free space between their live objects.
    /// </summary>
    public readonly record struct HeapFigures(long HeapBytes, long LiveBytes, long OldBytes, long OldFragmentedBytes)
    {
        /// <summary>Share of the old generations that is free space between live objects, which only compaction gives back.</summary>
        public double Fragmentation => OldBytes > 0 ? (double)OldFragmentedBytes / OldBytes : 0;

        /// <summary>The figures of this process now.</summary>
        public static HeapFigures Now()
        {
            var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
            var background = GC.GetGCMemoryInfo(GCKind.Background);
            var full = blocking.Index >= background.Index ? blocking : background;
            var live = full.Index == 0 ? 0 : full.PromotedBytes > 0 ? full.PromotedBytes : Math.Max(0, full.HeapSizeBytes - full.FragmentedBytes);
            var latest = GC.GetGCMemoryInfo(GCKind.Any);
            long old = 0, fragmented = 0;
            var generations = latest.GenerationInfo;
            for (var g = 2; g < Math.Min(4, generations.Length); g++)
            {
                old += generations[g].SizeAfterBytes;
                fragmented += generations[g].FragmentationAfterBytes;
            }
            return new(GC.GetTotalMemory(forceFullCollection: false), live, old, fragmented);
        }
    }

    /// <summary>What one look at the heap decided, and from what.</summary>
    public readonly record struct Decision(bool Collect, bool Compact, HeapFigures Heap, string Reason);

    /// <summary>
    /// The rule, on figures. Nothing while off or below the floor. A compacting collection when the old generations
    /// are fragmented past <see cref="MemorySettings.CompactAtFragmentation"/> and none was asked for within its least
    /// time; else a background one when the heap has grown past the growth limit over the live set and none was asked
    /// for within the least time.
    /// </summary>
    public static Decision Decide(MemorySettings s, HeapFigures f, TimeSpan? sinceLastInduced, TimeSpan? sinceLastCompaction)
    {
        if (s.Gen2GrowthLimit == 0) return new(false, false, f, "off");
        if (Math.Max(f.HeapBytes, f.OldBytes) < (long)s.FloorMegabytes << 20) return new(false, false, f, "below the floor");
        if (s.CompactAtFragmentation > 0 && f.Fragmentation > s.CompactAtFragmentation
            && !(sinceLastCompaction is { } c && c < TimeSpan.FromSeconds(s.MinSecondsBetweenCompactions)))
            return new(true, true, f, "fragmented");
        if (f.LiveBytes > 0 && f.HeapBytes <= f.LiveBytes * s.Gen2GrowthLimit) return new(false, false, f, "within the growth limit");
        if (sinceLastInduced is { } since && since < TimeSpan.FromSeconds(s.MinSecondsBetween))
            return new(false, false, f, "collected recently");
        return new(true, false, f, f.LiveBytes > 0 ? "past the growth limit" : "no full collection yet");
    }

    /// <summary>One look at the heap, acting on it; what was decided.</summary>
    public Decision Check()
    {
        var now = _clock.GetUtcNow();
        var decision = Decide(_settings, HeapFigures.Now(), now - _lastInduced, now - _lastCompaction);
        if (!decision.Collect) return decision;
        _lastInduced = now;
        Induced++;
        _induced.Add(1, new KeyValuePair<string, object?>("compacting", decision.Compact));
        _log.LogInformation("GC heap {Heap} MB against {Live} MB alive after the last full collection, old generations {Fragmentation:P0} free space ({Reason}): asking for a {Kind} full collection",
            decision.Heap.HeapBytes >> 20, decision.Heap.LiveBytes >> 20, decision.Heap.Fragmentation, decision.Reason,
            decision.Compact ? "compacting" : "background");
        if (decision.Compact)
        {
            _lastCompaction = now;
            Compactions++;
            // Aggressive: compacts every generation, the large object heap too, and gives the freed memory back.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false, compacting: false);
        }
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
