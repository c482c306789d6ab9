using AirQuality.Domain.Cities;
using AirQuality.Grains.Forecasting;

namespace AirQuality.Grains.Tests.Forecasting;

public sealed class BaselineReuseTests
{
    [Theory]
    [InlineData(6)]
    [InlineData(30)]
    public void A_city_reuses_its_baseline_for_between_the_setting_and_twice_it_spread_over_the_catalog(int hours)
    {
        var options = new ForecastOptions { BaselineReuseHours = hours };
        var reuse = CityCatalog.Default.All.Select(c => options.BaselineReuseFor(c.Id)).ToList();
        Assert.All(reuse, r => Assert.InRange(r, hours, 2 * hours - 1));
        Assert.Equal(reuse, CityCatalog.Default.All.Select(c => options.BaselineReuseFor(c.Id)).ToList());
        // Cities activated together compare again in different hours: no hour of the period holds half the catalog.
        var groups = reuse.GroupBy(r => r).ToList();
        Assert.True(groups.Count >= Math.Min(hours, 5), $"{groups.Count} distinct periods");
        Assert.All(groups, g => Assert.True(g.Count() < reuse.Count / 2, $"{g.Count()} cities reuse for {g.Key} h"));
    }

    [Fact]
    public void Zero_compares_at_every_refresh_for_every_city()
    {
        var options = new ForecastOptions { BaselineReuseHours = 0 };
        Assert.All(CityCatalog.Default.All, c => Assert.Equal(0, options.BaselineReuseFor(c.Id)));
    }
}
