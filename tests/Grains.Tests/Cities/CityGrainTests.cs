using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Tests.Cities;

[Collection(CityClusterCollection.Name)]
public sealed class CityGrainTests(CityClusterFixture fixture)
{
    private ICityGrain City(string name) => fixture.Grains.GetGrain<ICityGrain>(GrainKeys.City(CityCatalog.Default.Resolve(name)!));

    [Fact]
    public async Task A_new_city_backfills_its_window_and_reports_a_complete_simulated_aqi()
    {
        var current = await City("Kolkata").GetCurrent();

        Assert.NotNull(current);
        Assert.Equal("Kolkata", current.City);
        Assert.True(current.Simulated);
        Assert.Equal([SourceNames.Simulated], current.Sources);
        Assert.Equal(72, current.WindowHours);
        Assert.True(current.India.Complete);
        Assert.InRange(current.India.Aqi!.Value, 1, 500);
        Assert.Equal(7, current.India.SubIndices.Count);
        Assert.NotNull(current.Us.Aqi);
        Assert.Equal(current.Timestamp, (await City("Kolkata").GetRecent(1)).Single().Hour);
    }

    [Fact]
    public async Task Delhi_in_winter_is_far_more_polluted_than_a_coastal_southern_city()
    {
        var delhi = (await City("Delhi").GetRecent(72)).Average(h => h.Get(Pollutant.Pm25)!.Value);
        var kochi = (await City("Kochi").GetRecent(72)).Average(h => h.Get(Pollutant.Pm25)!.Value);

        Assert.InRange(delhi, 100, 600);
        Assert.True(delhi > 3 * kochi, $"Delhi {delhi:0} vs Kochi {kochi:0}");
    }

    [Fact]
    public async Task Rankings_hold_every_started_city_without_asking_each_grain()
    {
        foreach (var name in new[] { "Patna", "Shillong", "Pune" })
            await City(name).Start();

        var all = (await fixture.Grains.GetGrain<IRankingsGrain>(GrainKeys.Rankings)
            .GetPage(new RankingsQuery(AqiStandard.India, Descending: true, Offset: 0, Limit: 1_000))).Entries;

        var patna = Assert.Single(all, s => s.CityId == "patna");
        var shillong = Assert.Single(all, s => s.CityId == "shillong");
        Assert.Contains(all, s => s.CityId == "pune");
        Assert.True(patna.IndiaAqi > shillong.IndiaAqi);
        Assert.True(patna.Simulated);
    }
}
