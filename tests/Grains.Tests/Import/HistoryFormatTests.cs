using AirQuality.Grains.Abstractions;
using System.Globalization;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Import;
using CsvHelper;
using CsvHelper.Configuration;

namespace AirQuality.Grains.Tests.Import;

public sealed class HistoryFormatTests
{
    private const string OpenAqHeader = "location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution";
    private const string AirNowHeader = "Site,Parameter,Date (LT),Year,Month,Day,Hour,NowCast Conc.,AQI,AQI Category,Raw Conc.,Conc. Unit,Duration,QC Name";

    private static (LineResult Result, HistorySample Sample) ReadOne(HistoryFormat format, string header, string line)
    {
        using var parser = new CsvParser(new StringReader(header + "\n" + line + "\n"), new CsvConfiguration(CultureInfo.InvariantCulture));
        parser.Read();
        var reader = format.Bind(parser.Record!, out var problem) ?? throw new InvalidOperationException(problem);
        parser.Read();
        var result = reader.Read(parser, out var sample);
        return (result, sample);
    }

    [Fact]
    public void An_OpenAq_quarter_hour_belongs_to_the_utc_hour_it_starts_in()
    {
        var (result, sample) = ReadOne(new OpenAqExport(), OpenAqHeader,
            "\"BTM Layout, Bengaluru - CPCB\",Bengaluru,IN,2020-11-05T08:45:00Z,2020-11-05T14:15:00+05:30,o3,36.59,µg/m³,12.91,77.59,");
        Assert.Equal(LineKind.Value, result.Kind);
        Assert.Equal(new DateTime(2020, 11, 5, 8, 0, 0, DateTimeKind.Utc), sample.Hour);
        Assert.Equal((Pollutant.O3, 36.59, "BTM Layout, Bengaluru - CPCB"), (sample.Pollutant, sample.Value, sample.Location));
    }

    [Fact]
    public void An_OpenAq_parameter_outside_the_AQI_is_skipped_not_bad()
    {
        var (result, _) = ReadOne(new OpenAqExport(), OpenAqHeader, "X,Delhi,IN,2020-11-05T08:00:00Z,,bc,3.1,µg/m³,,,");
        Assert.Equal(LineKind.Skipped, result.Kind);
    }

    [Fact]
    public void An_AirNow_local_hour_is_IST_five_and_a_half_hours_ahead_of_utc()
    {
        var (result, sample) = ReadOne(new AirNowExport(), AirNowHeader,
            "New Delhi,PM2.5 - Principal,2016-01-01 01:00 AM,2016,01,01,01,329.9,380,Hazardous,322.0,UG/M3,1 Hr,Valid");
        Assert.Equal(LineKind.Value, result.Kind);
        // 01:00 IST is 19:30 UTC the day before: the hour starting at 19:00 UTC.
        Assert.Equal(new DateTime(2015, 12, 31, 19, 0, 0, DateTimeKind.Utc), sample.Hour);
        Assert.Equal((Pollutant.Pm25, 322.0), (sample.Pollutant, sample.Value));
    }

    [Theory]
    [InlineData("New Delhi,PM2.5 - Principal,2015-01-01 01:00 AM,2015,01,01,01,-999.0,-999,N/A,-999.0,UG/M3,1 Hr,Missing")]
    [InlineData("New Delhi,PM2.5 - Principal,2015-01-01 01:00 AM,2015,01,01,01,40.0,112,USG,40.0,UG/M3,1 Hr,Invalid")]
    public void AirNow_missing_and_rejected_values_are_skipped(string line) =>
        Assert.Equal(LineKind.Skipped, ReadOne(new AirNowExport(), AirNowHeader, line).Result.Kind);

    [Fact]
    public void An_AirNow_date_it_cannot_read_is_a_bad_line()
    {
        var (result, _) = ReadOne(new AirNowExport(), AirNowHeader, "New Delhi,PM2.5 - Principal,01/01/15 1am,2015,01,01,01,40,112,USG,40.0,UG/M3,1 Hr,Valid");
        Assert.Equal(LineKind.Bad, result.Kind);
    }

    [Fact]
    public void A_header_of_the_other_format_is_refused_with_what_it_lacks()
    {
        Assert.Null(new OpenAqExport().Bind(AirNowHeader.Split(','), out var problem));
        Assert.Equal("the header lacks location, utc, value, unit", problem);
        Assert.NotNull(new AirNowExport().Bind(AirNowHeader.Split(','), out _));
    }

    [Fact]
    public void Stations_map_by_city_column_name_part_or_coordinates()
    {
        var mapper = new StationMapper(CityCatalog.Default, null, SourceNames.ImportOpenAq);
        Assert.Equal("bengaluru", mapper.Lookup("BTM Layout, Bengaluru - CPCB", () => new StationDescription(null, null, null)).Station?.CityId);
        Assert.Equal("delhi", mapper.Lookup("US Diplomatic Post: New Delhi", () => new StationDescription(null, null, null)).Station?.CityId);
        Assert.Equal("pune", mapper.Lookup("Station 7", () => new StationDescription("Poona?", 18.53, 73.85)).Station?.CityId);
        var (none, why) = mapper.Lookup("Harbour Road", () => new StationDescription("Atlantis", -40, -30));
        Assert.Null(none);
        Assert.Contains("--city", why, StringComparison.Ordinal);
        Assert.Equal(3, mapper.Stations.Count);
    }
}
