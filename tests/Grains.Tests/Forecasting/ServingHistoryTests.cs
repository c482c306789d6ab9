using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Series;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Forecasting;

namespace AirQuality.Grains.Tests.Forecasting;

public sealed class ServingHistoryTests
{
    private static readonly DateTime Start = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Gives_the_series_the_window_of_the_same_hours_gives_through_any_sequence_of_puts(int seed)
    {
        var random = new Random(seed);
        const int capacity = 48;
        var initial = Enumerable.Range(0, 40).Where(_ => random.NextDouble() < 0.8).Select(i => Hour(random, Start.AddHours(i))).ToList();
        var window = new CityWindow([.. initial], capacity);
        var history = new ServingHistory(initial, capacity);
        AssertSame(window, history);
        var newest = 40;
        for (var step = 0; step < 200; step++)
        {
            // Mostly the next hour; sometimes a gap, a late hour, an hour held again (a backfill, a correction).
            var put = new List<CityHour>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                var offset = random.NextDouble() switch
                {
                    < 0.6 => newest++,
                    < 0.7 => newest += random.Next(2, 30),
                    < 0.9 => newest - random.Next(0, 60),
                    _ => newest - random.Next(60, 200),
                };
                put.Add(Hour(random, Start.AddHours(offset)));
            }
            window.Put(put);
            history.Put(put);
            AssertSame(window, history);
        }
        Assert.Equal(capacity, history.Count);
    }

    [Fact]
    public void A_series_taken_does_not_change_with_later_puts_and_an_empty_history_gives_an_empty_series()
    {
        var empty = new ServingHistory([], 24);
        Assert.Equal(0, empty.ToSeries().Length);
        var history = new ServingHistory([new CityHour(Start, [new Measurement(Pollutant.Pm25, 42, SourceNames.Cpcb)], new Weather(20, null, null, null))], 24);
        var before = history.ToSeries();
        var pm25 = before.Channel(Pollutant.Pm25)!.ToArray();
        history.Put([new CityHour(Start, [new Measurement(Pollutant.Pm25, 999, SourceNames.Cpcb)], null), new CityHour(Start.AddHours(1), [], null)]);
        Assert.Equal([42], pm25);
        Assert.Equal(pm25, before.Channel(Pollutant.Pm25));
        var after = history.ToSeries();
        Assert.Equal(2, after.Length);
        Assert.Equal([999, double.NaN], after.Channel(Pollutant.Pm25)!);
        // The replaced hour lost its weather with the rest of it.
        Assert.Null(after.Channel("temperature"));
        Assert.Equal([20], before.Channel("temperature")!);
    }

    /// <summary>An hour of a few pollutants (some negative or not finite, one given twice) and weather with gaps, or no values at all.</summary>
    private static CityHour Hour(Random random, DateTime hour)
    {
        if (random.NextDouble() < 0.05) return new CityHour(hour, [], null);
        var values = new List<Measurement>();
        foreach (var p in new[] { Pollutant.Pm25, Pollutant.Pm10, Pollutant.No2, Pollutant.O3, Pollutant.Co })
        {
            if (random.NextDouble() < 0.3) continue;
            var v = random.NextDouble() switch { < 0.03 => -1.0, < 0.05 => double.NaN, < 0.06 => double.PositiveInfinity, _ => Math.Round(random.NextDouble() * 300, 1) };
            values.Add(new Measurement(p, v, random.NextDouble() < 0.5 ? SourceNames.Cpcb : SourceNames.OpenWeather));
        }
        if (values.Count > 0 && random.NextDouble() < 0.1) values.Add(values[0] with { Value = 77.7 });
        var weather = random.NextDouble() < 0.3 ? null : new Weather(
            random.NextDouble() < 0.2 ? null : Math.Round(random.NextDouble() * 40 - 5, 1),
            random.NextDouble() < 0.2 ? null : Math.Round(random.NextDouble() * 100, 0),
            random.NextDouble() < 0.2 ? null : random.NextDouble() < 0.05 ? double.NaN : Math.Round(random.NextDouble() * 10, 1),
            random.NextDouble() < 0.2 ? null : Math.Round(990 + random.NextDouble() * 30, 1),
            SourceNames.OpenWeather);
        return new CityHour(hour, values, weather);
    }

    private static void AssertSame(CityWindow window, ServingHistory history)
    {
        Assert.Equal(window.Count, history.Count);
        var expected = window.Hours.ToList().ToSeries();
        var actual = history.ToSeries();
        Assert.Equal(expected.Start, actual.Start);
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Channels.Order(), actual.Channels.Order());
        foreach (var c in expected.Channels) Assert.Equal(expected.Channel(c)!, actual.Channel(c)!);
    }
}
