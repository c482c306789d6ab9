using AirQuality.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AirQuality.WebFront.Tests;

/// <summary>Alone in the process: the heap figures these tests read are the whole process's.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryGovernorCollection
{
    public const string Name = "memory-governor";
}

[Collection(MemoryGovernorCollection.Name)]
public sealed class MemoryGovernorTests
{
    private const long MB = 1 << 20;

    private static MemorySettings Settings(double limit = 1.5, int floor = 512, int between = 120) =>
        new() { Gen2GrowthLimit = limit, FloorMegabytes = floor, MinSecondsBetween = between };

    [Theory]
    [InlineData(1.5, 512, 2000, 1000, null, true, "past the growth limit")]
    [InlineData(1.5, 512, 1400, 1000, null, false, "within the growth limit")]
    [InlineData(1.5, 512, 1500, 1000, null, false, "within the growth limit")]
    [InlineData(1.5, 512, 400, 100, null, false, "below the floor")]
    [InlineData(1.5, 512, 600, 0, null, true, "no full collection yet")]
    [InlineData(1.5, 512, 3000, 1000, 60, false, "collected recently")]
    [InlineData(1.5, 512, 3000, 1000, 180, true, "past the growth limit")]
    [InlineData(0, 0, 9000, 100, null, false, "off")]
    public void The_rule_collects_only_past_the_floor_and_the_growth_limit_and_not_twice_in_the_least_time(
        double limit, int floor, long heapMb, long liveMb, int? secondsSince, bool collect, string reason)
    {
        // The old generations unfragmented: never a compaction.
        var f = new MemoryGovernor.HeapFigures(heapMb * MB, liveMb * MB, liveMb * MB, 0);
        var d = MemoryGovernor.Decide(Settings(limit, floor), f, secondsSince is { } s ? TimeSpan.FromSeconds(s) : null, null);
        Assert.Equal((collect, false, reason), (d.Collect, d.Compact, d.Reason));
    }

    [Theory]
    // old generations and the free space between their live objects (MB); seconds since the last compaction asked for
    [InlineData(1500, 1400, 600, null, true)]
    [InlineData(1500, 1400, 300, null, false)]
    [InlineData(1500, 1400, 600, 300, false)]
    [InlineData(1500, 1400, 600, 700, true)]
    // within the growth limit, but fragmented: compacted all the same
    [InlineData(1100, 1000, 500, null, true)]
    // fragmented, but all of it below the floor
    [InlineData(300, 280, 150, null, false)]
    public void A_fragmented_heap_is_compacted_at_most_once_in_the_least_time(long heapMb, long oldMb, long fragmentedMb, int? secondsSinceCompaction, bool compact)
    {
        var s = Settings();
        s.CompactAtFragmentation = 0.3;
        s.MinSecondsBetweenCompactions = 600;
        var f = new MemoryGovernor.HeapFigures(heapMb * MB, 900 * MB, oldMb * MB, fragmentedMb * MB);
        var d = MemoryGovernor.Decide(s, f, null, secondsSinceCompaction is { } c ? TimeSpan.FromSeconds(c) : null);
        Assert.Equal(compact, d.Compact);
        if (compact) Assert.Equal((true, "fragmented"), (d.Collect, d.Reason));
        else Assert.NotEqual("fragmented", d.Reason);
        s.CompactAtFragmentation = 0;
        Assert.False(MemoryGovernor.Decide(s, f, null, null).Compact);
    }

    [Theory]
    [InlineData(0.5, 512, 15, 120, "Memory:Gen2GrowthLimit")]
    [InlineData(1.05, 512, 15, 120, "Memory:Gen2GrowthLimit")]
    [InlineData(1.5, -1, 15, 120, "Memory:FloorMegabytes")]
    [InlineData(1.5, 512, 0, 120, "Memory:CheckSeconds")]
    [InlineData(1.5, 512, 15, -5, "Memory:MinSecondsBetween")]
    [InlineData(1.5, 512, 15, 120, "Memory:CompactAtFragmentation", 1.2)]
    [InlineData(1.5, 512, 15, 120, "Memory:CompactAtFragmentation", 0.01)]
    [InlineData(1.5, 512, 15, 120, "Memory:MinSecondsBetweenCompactions", 0.3, -1)]
    public void Settings_out_of_range_are_refused_naming_the_setting(double limit, int floor, int check, int between, string named,
        double compactAt = 0.3, int betweenCompactions = 600)
    {
        var result = new MemorySettingsValidation().Validate(null,
            new MemorySettings
            {
                Gen2GrowthLimit = limit, FloorMegabytes = floor, CheckSeconds = check, MinSecondsBetween = between,
                CompactAtFragmentation = compactAt, MinSecondsBetweenCompactions = betweenCompactions,
            });
        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new MemorySettingsValidation().Validate(null, new MemorySettings()).Succeeded);
    }

    [Fact]
    public async Task Dead_objects_aged_into_generation_2_are_collected_when_the_heap_outgrows_the_live_set()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var settings = Settings(limit: 1.5, floor: 0, between: 120);
        settings.CompactAtFragmentation = 0;
        var governor = new MemoryGovernor(Options.Create(settings), clock, NullLogger<MemoryGovernor>.Instance);

        var (heap, _) = AgeIntoGeneration2AndDrop(400 * MB);

        var first = governor.Check();
        Assert.True(first.Collect, first.Reason);
        Assert.Equal(1, governor.Induced);
        await Eventually.UntilAsync(() => Task.FromResult(GC.GetTotalMemory(false) < heap - 200 * MB),
            TimeSpan.FromSeconds(30), "the dead arrays being collected");

        // Grown again at once: the least time between collections holds it back, and lets it go once past.
        (heap, _) = AgeIntoGeneration2AndDrop(400 * MB);
        var soon = governor.Check();
        Assert.Equal((false, "collected recently"), (soon.Collect, soon.Reason));
        clock.Advance(TimeSpan.FromSeconds(121));
        var later = governor.Check();
        Assert.True(later.Collect, later.Reason);
        Assert.Equal(2, governor.Induced);
        await Eventually.UntilAsync(() => Task.FromResult(GC.GetTotalMemory(false) < heap - 200 * MB),
            TimeSpan.FromSeconds(30), "the second set of dead arrays being collected");

        // Nothing dead left: within the limit, nothing asked for.
        var calm = governor.Check();
        Assert.Equal((false, "within the growth limit"), (calm.Collect, calm.Reason));
        Assert.Equal(2, governor.Induced);
        Assert.Equal(0, governor.Compactions);
    }

    [Fact]
    public async Task A_heap_a_full_collection_left_fragmented_is_compacted_and_the_space_given_back()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var settings = Settings(limit: 1.5, floor: 0, between: 120);
        settings.CompactAtFragmentation = 0.3;
        var governor = new MemoryGovernor(Options.Create(settings), clock, NullLogger<MemoryGovernor>.Instance);

        var (kept, swept) = await FragmentTheOldGenerationAsync();
        var d = governor.Check();
        Assert.True(d.Collect && d.Compact, d.Reason);
        Assert.Equal((1, 1), (governor.Induced, governor.Compactions));
        var after = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        Assert.True(after.Compacted);
        Assert.True(after.FragmentedBytes < after.HeapSizeBytes * 0.1,
            $"{after.FragmentedBytes / MB} MB of {after.HeapSizeBytes / MB} MB still free between live objects");
        Assert.True(after.HeapSizeBytes < swept.OldBytes - 100 * MB,
            $"heap {after.HeapSizeBytes / MB} MB after the compaction against {swept.OldBytes / MB} MB of old generations after the sweep");
        GC.KeepAlive(kept);

        // Fragmented again within the least time between compactions: a background collection instead.
        clock.Advance(TimeSpan.FromSeconds(121));
        var again = governor.Check();
        Assert.False(again.Compact, again.Reason);
        Assert.Equal(1, governor.Compactions);
    }

    /// <summary>
    /// Allocates <paramref name="bytes"/> in small arrays, ages them into generation 2 by younger collections, drops
    /// them, and answers the heap and the live set the governor will read. A full collection the runtime ran while they
    /// were alive makes some count as alive; the set-up is tried again unless at least 250 MB of them are dead only.
    /// </summary>
    private static (long Heap, long Live) AgeIntoGeneration2AndDrop(long bytes)
    {
        for (var attempt = 0; ; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var aged = AllocateAndAge(bytes);
            var (heap, live) = (GC.GetTotalMemory(false), MemoryGovernor.HeapFigures.Now().LiveBytes);
            if (aged && heap > live * 1.5 && heap - live > 250 * MB) return (heap, live);
            if (attempt == 5)
                throw new InvalidOperationException($"set-up: the runtime would not keep the arrays dead in generation 2 (aged {aged}, heap {heap / MB} MB, live {live / MB} MB)");
        }
    }

    /// <summary>Whether every array reached generation 2; none is reachable once this returns (its own frame).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool AllocateAndAge(long bytes)
    {
        // No full collection of the runtime's own while they are alive (workstation GC, as the test host runs).
        var mode = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.LowLatency;
        try
        {
            return AllocateAndAgeIn(bytes);
        }
        finally
        {
            System.Runtime.GCSettings.LatencyMode = mode;
        }
    }

    /// <summary>
    /// Leaves generation 2 with holes: small arrays aged into it, every other one dropped, then a background full
    /// collection (which never compacts) frees the dropped ones in place. Tried again unless over 30 % of the old
    /// generations is then free space (a collection of the runtime's own may compact first).
    /// </summary>
    private static async Task<(List<byte[]> Kept, MemoryGovernor.HeapFigures Swept)> FragmentTheOldGenerationAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            GC.Collect();
            var kept = AllocateAgeAndKeepEveryOther(400 * MB);
            var (background, blocking) = (GC.GetGCMemoryInfo(GCKind.Background).Index, GC.GetGCMemoryInfo(GCKind.FullBlocking).Index);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false, compacting: false);
            // The runtime may make it a blocking one, which can compact: then the figures say so and it is tried again.
            await Eventually.UntilAsync(() => Task.FromResult(GC.GetGCMemoryInfo(GCKind.Background).Index > background
                    || GC.GetGCMemoryInfo(GCKind.FullBlocking).Index > blocking),
                TimeSpan.FromSeconds(30), "the full collection to finish");
            var swept = MemoryGovernor.HeapFigures.Now();
            if (swept.Fragmentation > 0.3) return (kept, swept);
            if (attempt == 5)
                throw new InvalidOperationException($"set-up: the old generations would not stay fragmented ({swept.Fragmentation:P0} free space)");
        }
    }

    /// <summary>Allocates small arrays, ages them into generation 2 and answers every other one (the rest unreachable).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static List<byte[]> AllocateAgeAndKeepEveryOther(long bytes)
    {
        var mode = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.LowLatency;
        try
        {
            var arrays = new List<byte[]>();
            for (long n = 0; n < bytes; n += 32 * 1024)
                arrays.Add(new byte[32 * 1024]);
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            return arrays.Where((_, i) => i % 2 == 0).ToList();
        }
        finally
        {
            System.Runtime.GCSettings.LatencyMode = mode;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool AllocateAndAgeIn(long bytes)
    {
        var arrays = new List<byte[]>();
        for (long n = 0; n < bytes; n += 32 * 1024)
            arrays.Add(new byte[32 * 1024]);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        return arrays.TrueForAll(a => GC.GetGeneration(a) == 2);
    }
}
