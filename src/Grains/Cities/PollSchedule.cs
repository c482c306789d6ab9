using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Cities;

/// <summary>When a city's `poll` reminder fires: its slot in the hour, repeated every poll period.</summary>
public static class PollSchedule
{
    /// <summary>Time from <paramref name="now"/> to the next slot of the city <paramref name="cityId"/> (its place in catalog order).</summary>
    public static TimeSpan DueTime(DateTime now, CityOptions options, CityCatalog catalog, string cityId)
    {
        var all = catalog.All;
        var index = 0;
        while (index < all.Count && all[index].Id != cityId) index++;
        return DueTime(now, options, index, all.Count);
    }

    /// <summary>
    /// Time from <paramref name="now"/> to the next slot of the city at <paramref name="index"/> of <paramref name="count"/>:
    /// the top of the hour plus <see cref="CityOptions.PollOffset"/> plus the city's place in the wave (spread evenly
    /// over <see cref="CityOptions.PollSpread"/>, but never over more than one period), repeated every
    /// <see cref="CityOptions.PollPeriod"/>. The slot is taken modulo the period: with a period shorter than offset and
    /// spread, the first reminder tick still comes within one period (it once waited for the city's place in a
    /// 20-minute spread, so a city started at 06:14 with a 3 s period first polled by reminder at 06:17).
    /// </summary>
    public static TimeSpan DueTime(DateTime now, CityOptions options, int index, int count)
    {
        var period = options.PollPeriod;
        var spread = options.PollSpread < period ? options.PollSpread : period;
        var stagger = count == 0 || index < 0 || index >= count ? TimeSpan.Zero : spread * index / count;
        var ahead = (Hours.Floor(now) + options.PollOffset + stagger - now).Ticks % period.Ticks;
        return TimeSpan.FromTicks(ahead <= 0 ? ahead + period.Ticks : ahead);
    }

    /// <summary>
    /// True when the city was never polled or its last attempt at any source is at least <paramref name="period"/> old
    /// (a first start, a long outage): it polls at once rather than waiting for its next slot.
    /// </summary>
    public static bool Overdue(IEnumerable<SourcePollStatus> sources, DateTime now, TimeSpan period) =>
        sources.Select(s => s.LastAttempt).Max() is not { } last || now - last >= period;
}
