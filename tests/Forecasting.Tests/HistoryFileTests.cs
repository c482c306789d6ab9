using AirQuality.Domain.Readings;
using AirQuality.Forecasting.History;
using AirQuality.TestSupport;

namespace AirQuality.Forecasting.Tests;

public class HistoryFileTests
{
    [Fact]
    public void The_delhi_airnow_export_reads_as_hourly_utc_pm25_with_gaps_left_out()
    {
        var file = HistoryFile.Read(Path.Combine(TestServices.SharedData, "history", "airnow_new_delhi_pm25_2015.csv"), HistoryFormat.AirNow);
        Assert.Equal("New Delhi", file.Location);
        Assert.Equal(8760, file.LinesRead);
        Assert.Empty(file.Rejected);
        Assert.InRange(file.Observations.Count, 6500, 8760);
        Assert.All(file.Observations, o => Assert.Equal(0, o.Hour.Minute));
        Assert.All(file.Observations, o => Assert.True(o.Pollutants[Pollutant.Pm25] >= 0));
    }

    [Fact]
    public void Openaq_values_of_one_hour_are_averaged_and_co_becomes_mg_per_m3()
    {
        const string csv = """
            location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution
            "Site A",X,IN,2020-11-05T14:00:00Z,2020-11-05T19:30:00+05:30,pm25,20,µg/m³,1,2,x
            "Site A",X,IN,2020-11-05T14:30:00Z,2020-11-05T20:00:00+05:30,pm25,30,µg/m³,1,2,x
            "Site A",X,IN,2020-11-05T14:00:00Z,2020-11-05T19:30:00+05:30,co,1310,µg/m³,1,2,x
            "Site A",X,IN,2020-11-05T15:00:00Z,2020-11-05T20:30:00+05:30,pm25,oops,µg/m³,1,2,x
            """;
        var file = HistoryFile.Read(new StringReader(csv), HistoryFormat.OpenAq, null, "test.csv");
        var hour = Assert.Single(file.Observations);
        Assert.Equal(25, hour.Pollutants[Pollutant.Pm25]);
        Assert.Equal(1.31, hour.Pollutants[Pollutant.Co], 6);
        var bad = Assert.Single(file.Rejected);
        Assert.Equal(5, bad.Line);
        Assert.Contains("oops", bad.Reason);
    }

    [Fact]
    public void A_file_with_several_locations_asks_for_one()
    {
        const string csv = """
            location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution
            A,X,IN,2020-11-05T14:00:00Z,x,pm25,20,µg/m³,1,2,x
            B,X,IN,2020-11-05T14:00:00Z,x,pm25,20,µg/m³,1,2,x
            """;
        var ex = Assert.Throws<HistoryFileException>(() => HistoryFile.Read(new StringReader(csv), HistoryFormat.OpenAq, null, "two.csv"));
        Assert.Contains("--location", ex.Message);
        Assert.Single(HistoryFile.Read(new StringReader(csv), HistoryFormat.OpenAq, "b", "two.csv").Observations);
    }

    [Fact]
    public void A_file_of_another_format_is_refused_with_the_missing_columns()
    {
        var ex = Assert.Throws<HistoryFileException>(() => HistoryFile.Read(new StringReader("a,b\n1,2\n"), HistoryFormat.AirNow, null, "x.csv"));
        Assert.Contains("Raw Conc.", ex.Message);
    }
}
