namespace AirQuality.Grains.Forecasting;

/// <summary>
/// Where cities' forecast computations run: at most one core fewer than the machine has at a time (at least one),
/// queued here rather than on the thread pool's own queue. A poll at thousands of places makes thousands of forecasts
/// due at once; queued on the pool they went ahead of every request the silo served meanwhile, which then waited
/// seconds (seen at 5,000 places: `current` stalled for 2-6 s in every poll burst).
/// </summary>
public static class ForecastCompute
{
    /// <summary>How many computations run at once.</summary>
    public static int Bound { get; } = ForecastOptions.CoresLessOne;

    private static readonly TaskScheduler Scheduler = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, Bound).ConcurrentScheduler;

    /// <summary>
    /// Runs <paramref name="work"/> on the bounded scheduler; the work itself sees the default scheduler, so anything it
    /// starts (a parallel loop) is not held behind the bound.
    /// </summary>
    public static Task<T> Run<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.HideScheduler, Scheduler);
}
