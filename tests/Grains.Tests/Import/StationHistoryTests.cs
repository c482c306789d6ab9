using AirQuality.Domain.Readings;
using AirQuality.Grains.Import;
using AirQuality.TestSupport;

namespace AirQuality.Grains.Tests.Import;

/// <summary>History files read for offline evaluation, through the import's own line readers.</summary>
public class StationHistoryTests
{
    private static readonly HistoryFormat OpenAq = HistoryFormat.Find("openaq")!;
    private static readonly HistoryFormat AirNow = HistoryFormat.Find("airnow")!;

    [Fact]
    public void The_delhi_airnow_export_reads_as_hourly_utc_pm25_with_gaps_left_out()
    {
        var file = StationHistory.Read(Path.Combine(TestServices.SharedData, "history", "airnow_new_delhi_pm25_2015.csv"), AirNow);

        Assert.Equal("New Delhi", file.Location);
        Assert.Equal(8760, file.LinesRead);
        Assert.InRange(file.Observations.Count, 6500, 8760);
        Assert.All(file.Observations, o => Assert.Equal(0, o.Hour.Minute));
        Assert.All(file.Observations, o => Assert.True(o.Pollutants[Pollutant.Pm25] >= 0));
        // IST to UTC: the first valid line's local hour, minus 5:30, lands in the UTC hour that holds it, with its value.
        var first = File.ReadLines(Path.Combine(TestServices.SharedData, "history", "airnow_new_delhi_pm25_2015.csv")).Skip(1)
            .Select(l => l.Split(',')).First(f => f[13] == "Valid");
        var local = DateTime.ParseExact(first[2], "yyyy-MM-dd hh:mm tt", System.Globalization.CultureInfo.InvariantCulture);
        var utc = local.AddHours(-5.5);
        var expected = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
        var observed = Assert.Single(file.Observations, o => o.Hour == expected);
        Assert.Equal(double.Parse(first[10], System.Globalization.CultureInfo.InvariantCulture), observed.Pollutants[Pollutant.Pm25]);
    }

    [Fact]
    public void Openaq_values_of_one_hour_are_averaged_co_becomes_mg_per_m3_and_a_bad_line_is_named()
    {
        const string csv = """
            location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution
            "Site A",X,IN,2020-11-05T14:00:00Z,2020-11-05T19:30:00+05:30,pm25,20,µg/m³,1,2,x
            "Site A",X,IN,2020-11-05T14:30:00Z,2020-11-05T20:00:00+05:30,pm25,30,µg/m³,1,2,x
            "Site A",X,IN,2020-11-05T14:00:00Z,2020-11-05T19:30:00+05:30,co,1310,µg/m³,1,2,x
            "Site A",X,IN,2020-11-05T15:00:00Z,2020-11-05T20:30:00+05:30,pm25,oops,µg/m³,1,2,x
            """;
        var file = StationHistory.Read(new StringReader(csv), OpenAq, null, "test.csv");

        var hour = Assert.Single(file.Observations);
        Assert.Equal(25, hour.Pollutants[Pollutant.Pm25]);
        Assert.Equal(1.31, hour.Pollutants[Pollutant.Co], 6);
        var bad = Assert.Single(file.BadLines);
        Assert.Equal(5, bad.Line);
        Assert.Contains("oops", bad.ToString());
    }

    [Fact]
    public void A_file_with_several_locations_asks_for_one()
    {
        const string csv = """
            location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution
            A,X,IN,2020-11-05T14:00:00Z,x,pm25,20,µg/m³,1,2,x
            B,X,IN,2020-11-05T14:00:00Z,x,pm25,20,µg/m³,1,2,x
            """;
        var ex = Assert.Throws<HistoryFileException>(() => StationHistory.Read(new StringReader(csv), OpenAq, null, "two.csv"));
        Assert.Contains("--location", ex.Message);
        Assert.Single(StationHistory.Read(new StringReader(csv), OpenAq, "b", "two.csv").Observations);
    }

    [Fact]
    public void A_file_of_another_format_is_refused_with_what_it_lacks()
    {
        var ex = Assert.Throws<HistoryFileException>(() => StationHistory.Read(new StringReader("a,b\n1,2\n"), AirNow, null, "x.csv"));
        Assert.Contains("Raw Conc.", ex.Message);
    }
}
