using System.Diagnostics;

namespace AirQuality.TestSupport;

/// <summary>
/// Waiting for something another process or thread does, with nothing to await: the condition is asked again as soon
/// as the previous answer came back (with a short pause so a tight loop does not starve the system it waits for),
/// and the wait fails with what was last seen when the deadline passes. Never a fixed sleep standing in for a signal.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    /// <summary>Asks <paramref name="check"/> until it answers null (done) or the time is up; its text says what is still missing.</summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public static async Task UntilAsync(Func<Task<string?>> check, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        string? missing;
        while ((missing = await check()) is not null)
        {
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0} s: {missing}");
            using var timer = new PeriodicTimer(Pause);
            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    /// <summary>Asks <paramref name="condition"/> until it holds or the time is up.</summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default) =>
        UntilAsync(async () => await condition() ? null : "not yet", timeout, what, cancellationToken);
}
