using AirQuality.Domain.Aqi;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Tests.Rankings;

/// <summary>The rankings grain cuts pages itself: only the page's rows come back, with the count of every match.</summary>
[Collection(CityClusterCollection.Name)]
public sealed class RankingsGrainTests(CityClusterFixture fixture)
{
    private static readonly DateTime Hour = new(2025, 11, 5, 10, 0, 0, DateTimeKind.Utc);

    // 30 places: India AQI 10, 20, ..., 300 (the US AQI the other way round), in two states, on a line of longitudes.
    private static CityAqiSummary Place(int i) => new($"p{i:00}", $"Place {i:00}", i % 2 == 0 ? "Even" : "Odd", Hour,
        10 * i, IndiaAqi.Category(10 * i), true, 310 - 10 * i, UsAqi.Category(310 - 10 * i), "pm25", true, 20.0, 70.0 + i);

    private async Task<IRankingsGrain> GrainWithPlacesAsync()
    {
        // A grain of its own (not the cities' rankings), fed 30 places and one without an India AQI.
        var grain = fixture.Grains.GetGrain<IRankingsGrain>("rankings-paging-" + Guid.NewGuid().ToString("N"));
        foreach (var i in Enumerable.Range(1, 30)) await grain.Report(Place(i));
        await grain.Report(Place(31) with { IndiaAqi = null, IndiaCategory = null });
        return grain;
    }

    [Fact]
    public async Task A_page_holds_only_its_rows_and_counts_every_match()
    {
        var grain = await GrainWithPlacesAsync();

        var second = await grain.GetPage(new RankingsQuery(AqiStandard.India, Descending: true, Offset: 10, Limit: 10));
        var last = await grain.GetPage(new RankingsQuery(AqiStandard.India, Descending: false, Offset: 25, Limit: 10));
        var past = await grain.GetPage(new RankingsQuery(AqiStandard.India, Descending: true, Offset: 40, Limit: 10));

        Assert.Equal(30, second.Found);
        Assert.Equal(Enumerable.Range(11, 10).Select(k => $"p{31 - k:00}"), second.Entries.Select(e => e.CityId));
        Assert.Equal(["p26", "p27", "p28", "p29", "p30"], last.Entries.Select(e => e.CityId));
        Assert.Equal(30, past.Found);
        Assert.Empty(past.Entries);
    }

    [Fact]
    public async Task State_category_and_box_filter_before_the_page_is_cut()
    {
        var grain = await GrainWithPlacesAsync();

        var even = await grain.GetPage(new RankingsQuery(AqiStandard.India, true, 0, 3, State: "even"));
        var box = await grain.GetPage(new RankingsQuery(AqiStandard.India, true, 0, 100, Box: new GeoBox(75.0, 19.0, 80.0, 21.0)));
        var category = IndiaAqi.Category(250);
        var severe = await grain.GetPage(new RankingsQuery(AqiStandard.India, true, 0, 100, Category: category));
        var us = await grain.GetPage(new RankingsQuery(AqiStandard.UnitedStates, true, 0, 1));

        Assert.Equal(15, even.Found);
        Assert.Equal(["p30", "p28", "p26"], even.Entries.Select(e => e.CityId));
        Assert.Equal(["p10", "p09", "p08", "p07", "p06", "p05"], box.Entries.Select(e => e.CityId));
        Assert.Equal(Enumerable.Range(1, 30).Count(i => IndiaAqi.Category(10 * i) == category), severe.Found);
        Assert.All(severe.Entries, e => Assert.Equal(category, e.IndiaCategory));
        // The US order is its own: p31 has a US AQI (0) but no India AQI; p01 tops the US ranking.
        Assert.Equal(31, us.Found);
        Assert.Equal("p01", Assert.Single(us.Entries).CityId);
    }

    [Fact]
    public async Task A_report_reorders_the_next_page()
    {
        var grain = await GrainWithPlacesAsync();
        var before = await grain.GetPage(new RankingsQuery(AqiStandard.India, true, 0, 1));

        await grain.Report(Place(1) with { IndiaAqi = 999, IndiaCategory = IndiaAqi.Category(500) });
        var after = await grain.GetPage(new RankingsQuery(AqiStandard.India, true, 0, 1));

        Assert.Equal("p30", Assert.Single(before.Entries).CityId);
        Assert.Equal("p01", Assert.Single(after.Entries).CityId);
    }
}
