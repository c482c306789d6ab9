using System.Globalization;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Import;
using AirQuality.Grains.Ingestion;
using CsCheck;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Tests.Properties;

/// <summary>
/// The upstream parsers and import line readers over arbitrary input: nothing throws; a bad value is a counted
/// rejection or a bad line, never an exception that would fail a feed for every city or stop an import.
/// </summary>
public sealed class ParserPropertyTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;
    private static readonly DateTime From = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), To = new(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly Gen<string> Text = Gen.OneOf(Gen.String, Gen.Char["0123456789-: ANTaz,\"."].Array[0, 30].Select(a => new string(a)));

    /// <summary>`DD-MM-YYYY HH:MM:SS` with any year from 1 to 9999, the time shapes that reach the IST arithmetic.</summary>
    private static readonly Gen<string> IstTimes = Gen.Select(Gen.Int[1, 28], Gen.Int[1, 12], Gen.Int[1, 9999], Gen.Int[0, 23], Gen.Int[0, 59])
        .Select((d, m, y, h, min) => $"{d:00}-{m:00}-{y:0000} {h:00}:{min:00}:00");

    private static readonly Gen<double?> Value = Gen.OneOf(Gen.Const((double?)null), Gen.Double.Select(d => (double?)d), Gen.Double[-10, 1e4].Select(d => (double?)d));

    [Fact]
    public void Cpcb_times_of_any_year_or_text_never_throw_and_land_between_2000_and_2100()
    {
        Assert.Null(CpcbFeed.ParseIst("01-01-0001 00:00:00"));
        Gen.OneOf(IstTimes, Text).Sample(text =>
        {
            if (CpcbFeed.ParseIst(text) is { } t) Assert.InRange(t, From.AddDays(-1), To);
        }, iter: 5000);
    }

    [Fact]
    public void A_cpcb_feed_of_arbitrary_records_never_throws_and_counts_every_bad_time()
    {
        var feed = new CpcbFeed(Options.Create(new CpcbOptions()), CityCatalog.Default, new SourceMonitor(TimeProvider.System), TimeProvider.System,
            NullLogger<CpcbFeed>.Instance);
        var record = Gen.Select(Gen.OneOf(IstTimes, Text), Gen.OneOf(Gen.Const("PM2.5"), Gen.Const("NO2"), Text), Gen.OneOf(Gen.Const("55"), Gen.Const("NA"), Text))
            .Select((time, pollutant, avg) => new CpcbRecord("India", "Delhi", "Delhi", "Station " + avg.Length, time, pollutant, avg, null, null));
        record.Array[0, 40].Sample(records =>
        {
            var snapshot = feed.Aggregate(records, DateTime.UtcNow);
            var badTimes = records.Count(r => Domain.Readings.Pollutants.TryParse(r.PollutantId, out _) && CpcbFeed.ParseIst(r.LastUpdate) is null);
            Assert.Equal(badTimes, snapshot.Status.BadRecords.GetValueOrDefault("bad_timestamp"));
            foreach (var fetch in snapshot.ByCity.Values)
                Assert.All(fetch.Readings, r => Assert.InRange(r.Hour, From.AddDays(-1), To));
        }, iter: 500);
    }

    [Fact]
    public void OpenWeather_entries_with_any_dt_never_throw_and_each_bad_one_is_a_rejection()
    {
        Assert.Single(OpenWeatherSource.Parse(Delhi, new OpenWeatherSource.AirPollutionBody([new(300_000_000_000, Components(1))])).Rejections);
        var dt = Gen.OneOf(Gen.Long, Gen.Long[0, 5_000_000_000], Gen.Const(300_000_000_000L), Gen.Const(long.MaxValue), Gen.Const(long.MinValue));
        var entry = Gen.Select(dt, Value, Gen.Bool).Select((t, v, has) => new OpenWeatherSource.Entry(t, has ? Components(v) : null));
        entry.Array[0, 30].Sample(entries =>
        {
            var fetch = OpenWeatherSource.Parse(Delhi, new OpenWeatherSource.AirPollutionBody([.. entries]));
            var bad = entries.Count(e => e.Dt is not (>= 946_684_800 and < 4_102_444_800) || e.Components is null);
            Assert.Equal(bad, fetch.Rejections.Count);
            Assert.All(fetch.Readings, r => Assert.InRange(r.Hour, From, To));
        }, iter: 2000);
    }

    [Fact]
    public void IqAir_answers_with_any_time_and_aqi_never_throw()
    {
        Gen.Select(Gen.OneOf(Text, Gen.DateTime.Select(d => d.ToString("o", CultureInfo.InvariantCulture)), Gen.Const("0001-01-01T00:00:00.000Z")), Value, Text)
            .Sample((ts, aqi, main) =>
            {
                var data = new IqAirSource.CityData("Delhi", "Delhi", new IqAirSource.Current(new IqAirSource.Pollution(ts, aqi, main),
                    new IqAirSource.WeatherNow(ts, 20, 1000, 50, 2)));
                var fetch = IqAirSource.Parse(Delhi, data);
                Assert.All(fetch.Readings, r =>
                {
                    Assert.InRange(r.Hour, From, To);
                    if (r.ReportedUsAqi is { } a) Assert.InRange(a, 0, 2000);
                });
            }, iter: 3000);
    }

    private const string OpenAqHeader = "location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution";
    private const string AirNowHeader = "Site,Parameter,Date (LT),Year,Month,Day,Hour,NowCast Conc.,AQI,AQI Category,Raw Conc.,Conc. Unit,Duration,QC Name";

    [Fact]
    public void An_AirNow_line_dated_0001_01_01_is_a_bad_line_not_a_crash()
    {
        var result = ReadOne(new AirNowExport(), AirNowHeader, "New Delhi,PM2.5 - Principal,0001-01-01 01:00 AM,1,1,1,1,-999,-999,,55,UG/M3,1 Hr,Valid");
        Assert.Equal(LineKind.Bad, result.Kind);
        Assert.Equal(HistoryImporter.OutOfRangeReason, result.Reason);
    }

    [Theory]
    [InlineData("openaq", "X,Delhi,IN,2020-11-05T08:00:00Z,,pm25,NaN,µg/m³,,,")]
    [InlineData("airnow", "New Delhi,PM2.5 - Principal,2015-01-01 01:00 AM,2015,1,1,1,-999,-999,,NaN,UG/M3,1 Hr,Valid")]
    public void NaN_is_a_bad_line_because_it_is_not_a_number(string format, string line)
    {
        var result = format == "openaq" ? ReadOne(new OpenAqExport(), OpenAqHeader, line) : ReadOne(new AirNowExport(), AirNowHeader, line);
        Assert.Equal(LineKind.Bad, result.Kind);
        Assert.Contains("not a number", result.Reason);
    }

    [Fact]
    public void Import_lines_of_arbitrary_text_never_throw()
    {
        var field = Gen.OneOf(Text, Gen.Const("PM2.5 - Principal"), Gen.Const("pm25"), Gen.Const("0001-01-01 00:00"), Gen.Const("9999-12-31 23:59"),
            Gen.Const("NaN"), Gen.Const("1e309"), Gen.Const("UG/M3"), Gen.Const("µg/m³"));
        Gen.Select(Gen.Bool, field.Array[0, 15]).Sample((openAq, fields) =>
        {
            var line = string.Join(",", fields.Select(f => "\"" + f.Replace("\"", "\"\"") + "\""));
            var result = openAq ? ReadOne(new OpenAqExport(), OpenAqHeader, line) : ReadOne(new AirNowExport(), AirNowHeader, line);
            Assert.True(result.Kind is LineKind.Value or LineKind.Skipped or LineKind.Bad);
        }, iter: 3000);
    }

    [Fact]
    public void An_unclosed_quote_is_one_bad_line_with_its_number_and_the_lines_after_it_are_still_read()
    {
        var path = Path.GetTempFileName();
        try
        {
            var lines = new List<string> { OpenAqHeader };
            for (var i = 0; i < 20; i++)
                lines.Add(i == 3 ? "\"Unclosed,Delhi,IN,2020-11-05T08:00:00Z,,pm25,10,µg/m³,,,"
                    : $"X,Delhi,IN,2020-11-05T{i:00}:00:00Z,,pm25,{i},µg/m³,,,");
            lines.Add("\"" + new string('y', 10_000) + "\",Delhi,IN,2020-11-05T08:00:00Z,,pm25,1,µg/m³,,,");
            lines.Add("Last,Delhi,IN,2020-11-06T00:00:00Z,,pm25,5,µg/m³,,,");
            File.WriteAllLines(path, lines);
            var config = new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, IgnoreBlankLines = true, MaxFieldSize = HistoryImporter.MaxFieldLength };
            using var input = new LineInput(path, config);
            var bad = new List<long>();
            var good = new List<(long Line, string First)>();
            while (true)
            {
                if (input.Next() is { } b) { bad.Add(b); continue; }
                if (input.Ended) break;
                good.Add((input.Line, input.Parser[0]!));
            }

            // Line 1 is the header; line 5 opens a quote it never closes; line 22 holds a field over the limit.
            Assert.Equal([5L, 22L], bad);
            Assert.Equal(21, good.Count); // the header, 19 lines of the first 20, and the last
            Assert.Equal((1L, "location"), good[0]);
            Assert.Equal((6L, "X"), good[4]);
            Assert.Equal((23L, "Last"), good[^1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static OpenWeatherSource.Components Components(double? v) => new(v, v, v, v, v, v, v);

    private static LineResult ReadOne(HistoryFormat format, string header, string line)
    {
        using var parser = new CsvParser(new StringReader(header + "\n" + line + "\n"), new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null });
        parser.Read();
        var reader = format.Bind(parser.Record!, out var problem) ?? throw new InvalidOperationException(problem);
        if (!parser.Read()) return LineResult.Skip("no line");
        return reader.Read(parser, out _);
    }
}
