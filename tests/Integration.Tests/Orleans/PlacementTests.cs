using AirQuality.Grains.Abstractions;
using Orleans;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>
/// The grains there is one of per place are spread evenly over the silos of a cluster, whichever silo asks first: the
/// default resource-optimised placement herded thousands of them onto one or two of three silos (bench/scale --mode spread).
/// </summary>
public sealed class PlacementTests(PostgresClusterFixture fixture, ITestOutputHelper output) : IClassFixture<PostgresClusterFixture>
{
    // 600 of each over 3 silos: 200 each on average, a standard deviation of 11.5 under random placement; 30 % off even
    // is 5 standard deviations.
    private const int Places = 600;
    private const double Tolerance = 0.30;

    [Fact]
    public async Task Forecast_and_alert_grains_of_many_places_spread_within_30_percent_of_even_over_three_silos()
    {
        var grains = fixture.Cluster.Client;
        var ids = Enumerable.Range(0, Places).Select(i => $"spread-{i:D4}").ToList();
        // Asked through one gateway at a time, as a single caller (the notifier, a city starter) does.
        foreach (var chunk in ids.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(id => grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(id)).GetModels()));
            await Task.WhenAll(chunk.Select(id => grains.GetGrain<ICityAlertGrain>(GrainKeys.CityAlerts(id)).Check()));
        }

        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToList();
        var stats = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        foreach (var prefix in new[] { GrainKeys.Forecast("spread-"), GrainKeys.CityAlerts("spread-") })
        {
            var perSilo = silos.ToDictionary(s => s, s => stats.Count(g => g.SiloAddress.Equals(s) && g.GrainId.Key.ToString()!.StartsWith(prefix, StringComparison.Ordinal)));
            output.WriteLine($"{prefix}*: {string.Join(" / ", perSilo.Values)}");
            Assert.Equal(Places, perSilo.Values.Sum());
            var even = (double)Places / silos.Count;
            Assert.All(perSilo, p => Assert.True(Math.Abs(p.Value - even) <= Tolerance * even,
                $"{prefix}*: {p.Value} on {p.Key}, even is {even:0} (all: {string.Join(" / ", perSilo.Values)})"));
        }
    }
}
