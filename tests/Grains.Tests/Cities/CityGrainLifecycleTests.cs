using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Tests.Cities;

[Collection(CityClusterCollection.Name)]
public sealed class CityGrainLifecycleTests(CityClusterFixture fixture)
{
    private ICityGrain City(string name) => fixture.Grains.GetGrain<ICityGrain>(GrainKeys.City(CityCatalog.Default.Resolve(name)!));

    [Fact]
    public async Task State_survives_deactivation()
    {
        var agra = City("Agra");
        var current = await agra.GetCurrent();
        var hour = current!.Timestamp;
        var accepted = await agra.Ingest([new SourceReading("agra", hour, SourceNames.Cpcb,
            new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 123.4 }, null)]);
        Assert.Equal(1, accepted);

        await fixture.Cluster.DeactivateAsync(agra);
        await fixture.Cluster.WaitForDeactivationAsync(agra);

        var latest = (await agra.GetRecent(1)).Single();
        Assert.Equal(hour, latest.Hour);
        var pm25 = Assert.Single(latest.Values, m => m.Pollutant == Pollutant.Pm25);
        Assert.Equal(123.4, pm25.Value);
        Assert.Equal(SourceNames.Cpcb, pm25.Source);
        // Lower-priority simulated values of the same hour stay for the other pollutants.
        Assert.Equal(SourceNames.Simulated, latest.Values.Single(m => m.Pollutant == Pollutant.No2).Source);
        Assert.Equal(72, (await agra.GetRecent(1000)).Count);
    }

    [Fact]
    public async Task Impossible_values_are_rejected_and_counted_while_the_rest_is_kept()
    {
        var kota = City("Kota");
        var hour = (await kota.GetCurrent())!.Timestamp;

        var accepted = await kota.Ingest([new SourceReading("kota", hour, SourceNames.Cpcb,
            new Dictionary<Pollutant, double> { [Pollutant.Pm25] = -5, [Pollutant.Pm10] = 99_999, [Pollutant.So2] = 12.5 }, null)]);

        Assert.Equal(1, accepted);
        var latest = (await kota.GetRecent(1)).Single();
        Assert.Equal(SourceNames.Cpcb, latest.Values.Single(m => m.Pollutant == Pollutant.So2).Source);
        Assert.Equal(SourceNames.Simulated, latest.Values.Single(m => m.Pollutant == Pollutant.Pm25).Source);
        var status = (await kota.GetSourceStatus()).Single(s => s.Source == SourceNames.Cpcb);
        Assert.Equal(2, status.ReadingsRejected);
    }

    [Fact]
    public async Task The_poll_reminder_fires_and_brings_in_the_next_hour()
    {
        // Time moves here: a cluster of its own.
        await using var own = await CityTestCluster.StartAsync();
        var city = own.Grains.GetGrain<ICityGrain>(GrainKeys.City("bengaluru"));
        var before = (await city.GetCurrent())!.Timestamp;
        await city.Start();
        await city.PollNow();   // joins the start's poll, or polls once more: either way polled before the hour turns
        await using var watcher = await ChangeWatcher.SubscribeAsync(own.Grains);

        own.Clock.Advance(TimeSpan.FromHours(1));
        // Only the reminder can poll now (the start's timer fires once): its change says the new hour came in.
        await watcher.NextAsync(c => c.CityId == "bengaluru" && c.At >= CityTestCluster.Start.UtcDateTime.AddHours(1), TimeSpan.FromSeconds(30));

        Assert.Equal(before.AddHours(1), (await city.GetCurrent())!.Timestamp);
        var status = (await city.GetSourceStatus()).Single(s => s.Source == SourceNames.Simulated);
        Assert.Equal(0, status.ConsecutiveFailures);
        Assert.NotNull(status.LastSuccess);
    }
}
