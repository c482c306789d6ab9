using AirQuality.Domain.Grap;

namespace AirQuality.Domain.Tests.Outlook;

public sealed class GrapScheduleTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(200, 0)]
    [InlineData(201, 1)]
    [InlineData(300, 1)]
    [InlineData(301, 2)]
    [InlineData(400, 2)]
    [InlineData(401, 3)]
    [InlineData(450, 3)]
    [InlineData(451, 4)]
    [InlineData(500, 4)]
    [InlineData(999, 4)]
    public void The_stage_follows_CAQMs_thresholds_at_every_edge(int aqi, int stage) =>
        Assert.Equal(stage, GrapSchedule.StageOf(aqi).Number);

    [Fact]
    public void The_stages_are_read_from_the_data_file_with_their_source_and_tile_the_scale()
    {
        var stages = GrapSchedule.Stages;
        Assert.Equal(["No stage", "Stage I", "Stage II", "Stage III", "Stage IV"], stages.Select(s => s.Name));
        Assert.All(stages, s => Assert.Contains("CAQM", s.Source));
        Assert.Null(stages[^1].AqiHi);
        for (var i = 1; i < stages.Count; i++) Assert.Equal(stages[i - 1].AqiHi + 1, stages[i].AqiLo);
    }

    [Fact]
    public void The_NCR_cities_are_data_and_all_in_the_catalog()
    {
        Assert.Equal(["Delhi", "Gurugram", "Faridabad", "Ghaziabad", "Meerut"], GrapSchedule.Cities.Select(c => c.City));
        Assert.All(GrapSchedule.Cities, c => Assert.NotNull(AirQuality.Domain.Cities.CityCatalog.Default.Resolve(c.City)));
    }
}
