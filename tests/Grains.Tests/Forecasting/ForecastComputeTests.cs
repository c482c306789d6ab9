using AirQuality.Grains.Forecasting;
using AirQuality.TestSupport;

namespace AirQuality.Grains.Tests.Forecasting;

public class ForecastComputeTests
{
    [Fact]
    public async Task At_most_one_core_fewer_than_the_machine_has_computes_at_once_and_the_rest_wait_off_the_pool()
    {
        var bound = ForecastCompute.Bound;
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), bound);
        using var gate = new ManualResetEventSlim(false);
        var running = 0;
        var most = 0;
        var schedulers = new System.Collections.Concurrent.ConcurrentBag<TaskScheduler>();
        var works = Enumerable.Range(0, bound + 2).Select(i => ForecastCompute.Run(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            schedulers.Add(TaskScheduler.Current);
            gate.Wait(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref running);
            return i;
        })).ToList();

        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref running) == bound), TimeSpan.FromSeconds(30), "the bound's worth of work to start");
        // While those are held, the others have not started: they wait in the bounded scheduler's queue.
        Assert.Equal(2, works.Count(w => w.Status == TaskStatus.WaitingToRun));
        gate.Set();
        Assert.Equal(Enumerable.Range(0, bound + 2), await Task.WhenAll(works));
        Assert.Equal(bound, most);
        // The work sees the default scheduler: what it starts is not held behind the bound.
        Assert.All(schedulers, s => Assert.Same(TaskScheduler.Default, s));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}
