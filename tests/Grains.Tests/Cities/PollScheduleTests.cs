using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;

namespace AirQuality.Grains.Tests.Cities;

public sealed class PollScheduleTests
{
    private static readonly DateTime At0614 = new(2026, 12, 2, 6, 14, 51, DateTimeKind.Utc);

    [Fact]
    public void With_the_defaults_cities_poll_in_a_wave_from_five_past_the_hour_over_twenty_minutes()
    {
        var o = new CityOptions();
        Assert.Equal(new DateTime(2026, 12, 2, 7, 5, 0, DateTimeKind.Utc), At0614 + PollSchedule.DueTime(At0614, o, 0, 56));
        // Solapur, 50th of 56: 5 min + 20 min x 49 / 56 = 22.5 min past the hour, still ahead this hour.
        Assert.Equal(new DateTime(2026, 12, 2, 6, 22, 30, DateTimeKind.Utc), At0614 + PollSchedule.DueTime(At0614, o, 49, 56));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(34)]
    [InlineData(49)]
    [InlineData(55)]
    public void A_period_shorter_than_offset_and_spread_still_polls_within_one_period(int index)
    {
        // The failover test's settings: a 3 s period with the default 20-minute spread. The first tick once waited for
        // the city's place in the spread (Solapur at 06:14:51 waited until 06:17:30).
        var o = new CityOptions { PollPeriod = TimeSpan.FromSeconds(3), PollOffset = TimeSpan.Zero };
        var due = PollSchedule.DueTime(At0614, o, index, 56);
        Assert.InRange(due, TimeSpan.FromTicks(1), o.PollPeriod);
    }

    [Fact]
    public void The_slot_repeats_every_period_whatever_the_time_of_asking()
    {
        var o = new CityOptions { PollPeriod = TimeSpan.FromMinutes(10) };
        var first = At0614 + PollSchedule.DueTime(At0614, o, 10, 56);
        for (var t = At0614; t < At0614.AddHours(2); t = t.AddSeconds(97))
        {
            var next = t + PollSchedule.DueTime(t, o, 10, 56);
            Assert.True(next > t && next - t <= o.PollPeriod);
            Assert.Equal(0, (next - first).Ticks % o.PollPeriod.Ticks);
        }
    }

    [Fact]
    public void A_city_never_polled_or_not_polled_for_a_period_is_overdue()
    {
        var period = TimeSpan.FromHours(1);
        static SourcePollStatus Attempted(string source, DateTime? at) => new(source, at, at, null, 0, 0, 0);

        Assert.True(PollSchedule.Overdue([], At0614, period));
        Assert.True(PollSchedule.Overdue([Attempted("cpcb", null)], At0614, period));
        // The latest attempt of any source counts.
        Assert.False(PollSchedule.Overdue([Attempted("cpcb", At0614.AddHours(-3)), Attempted("openweather", At0614.AddMinutes(-59))], At0614, period));
        Assert.True(PollSchedule.Overdue([Attempted("cpcb", At0614.AddHours(-3)), Attempted("openweather", At0614.AddHours(-1))], At0614, period));
    }
}
