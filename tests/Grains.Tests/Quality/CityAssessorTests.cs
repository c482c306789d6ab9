using AirQuality.Domain.Cities;
using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Quality;

namespace AirQuality.Grains.Tests.Quality;

/// <summary>The city's current air with its flags, and when the flags are reported (pure: no cluster).</summary>
public sealed class CityAssessorTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;
    private static readonly DateTime H0 = new(2025, 11, 5, 0, 0, 0, DateTimeKind.Utc);

    private sealed class Harness
    {
        public List<CityQuality> Reported { get; } = [];
        public CityWindow Window { get; } = new([], 72);
        public CityAssessor Assessor { get; }

        public Harness() => Assessor = new CityAssessor(Delhi, new QualityState(), new QualityMetrics(), Reported.Add);

        /// <summary>An OpenWeather poll bringing PM2.5 for <paramref name="hour"/>, recorded and merged as the city grain does.</summary>
        public void Poll(DateTime hour, DateTime now)
        {
            var reading = new SourceReading(Delhi.Id, hour, SourceNames.OpenWeather, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 40 }, null);
            Assessor.Record(new PollResult([reading], [new SourceOutcome(SourceNames.OpenWeather, null, 1, 0)], []), now, polled: true);
            Window.Merge([reading]);
        }

        public bool Assess(DateTime now) => Assessor.Assess(Window.Current(Delhi), now);
    }

    [Fact]
    public void An_empty_window_has_no_current_air_and_no_change_of_its_flags()
    {
        var h = new Harness();

        Assert.False(h.Assess(H0));

        Assert.Null(h.Assessor.Current);
        var reported = Assert.Single(h.Reported);
        Assert.Equal(Delhi.Id, reported.CityId);
        Assert.Empty(reported.Flags);
    }

    [Fact]
    public void The_current_air_carries_the_flags_and_a_flag_that_appears_is_a_change_reported_once()
    {
        var h = new Harness();
        var now = H0.AddMinutes(5);
        h.Poll(H0, now);
        h.Assess(now);
        var current = h.Assessor.Current!;
        Assert.Equal(Delhi.Id, current.CityId);
        Assert.NotNull(current.Quality);
        Assert.Empty(current.Quality!.Flags);
        var reportedBefore = h.Reported.Count;

        // Polled with nothing new until three hours after the hour's end: OpenWeather is stale.
        var later = H0.AddHours(4);
        h.Assessor.Record(new PollResult([], [new SourceOutcome(SourceNames.OpenWeather, null, 0, 0)], []), later, polled: true);
        Assert.True(h.Assess(later));
        Assert.False(h.Assess(later));

        var stale = Assert.Single(h.Assessor.Current!.Quality!.Flags);
        Assert.Equal((QualityFlags.Stale, SourceNames.OpenWeather), (stale.Flag, stale.Source));
        Assert.Equal(reportedBefore + 1, h.Reported.Count);
        Assert.Equal(stale, Assert.Single(h.Reported[^1].Flags));
    }
}
