using System.Globalization;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.Grains.Import;
using AirQuality.Grains.Storage;
using AirQuality.Integration.Tests.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AirQuality.Integration.Tests.Import;

public sealed class HistoryImportTests(StoreDatabase db) : IClassFixture<StoreDatabase>, IDisposable
{
    internal static readonly string OpenAqSample = Path.Combine(TestServices.SharedData, "history", "openaq_bengaluru_btm_layout_2020-11.csv");
    internal static readonly string AirNowSample = Path.Combine(TestServices.SharedData, "history", "airnow_new_delhi_pm25_2015.csv");
    private readonly List<string> _temporary = [];

    private HistoryImporter Importer => new(db.Readings, CityCatalog.Default, TimeProvider.System);

    private Task<ImportReport> Import(string path, string format, City? city = null, bool allOrNothing = false) =>
        Importer.ImportAsync(new ImportRequest(path, HistoryFormat.Find(format)!, city, allOrNothing));

    [Fact]
    public async Task Values_land_in_canonical_units_and_the_right_utc_hour()
    {
        await Import(OpenAqSample, "openaq");
        await Import(AirNowSample, "airnow");

        // OpenAQ gives CO in µg/m³; the store keeps mg/m³. Expected: the mean of the file's CO values of that hour.
        var lines = File.ReadLines(OpenAqSample).Skip(1).Select(Fields).Where(f => f[5] == "co").ToList();
        var hour = lines.Select(f => Floor(DateTimeOffset.Parse(f[3], CultureInfo.InvariantCulture).UtcDateTime)).Min();
        var expectedCo = lines.Where(f => Floor(DateTimeOffset.Parse(f[3], CultureInfo.InvariantCulture).UtcDateTime) == hour)
            .Average(f => double.Parse(f[6], CultureInfo.InvariantCulture)) / 1000;
        Assert.Equal(expectedCo, await db.ScalarAsync<double>("SELECT co FROM city_hour WHERE city_id = 'bengaluru' AND hour = @h", ("h", hour)), 6);

        // AirNow's Date (LT) is IST: the first valid hour of the file lands 5 h 30 min earlier, in that UTC hour.
        var first = File.ReadLines(AirNowSample).Skip(1).Select(l => l.Split(',')).First(f => f[13] == "Valid" && f[10] != "-999.0");
        var local = DateTime.ParseExact(first[2], "yyyy-MM-dd hh:mm tt", CultureInfo.InvariantCulture);
        var utcHour = Floor(local.AddMinutes(-330));
        Assert.Equal(double.Parse(first[10], CultureInfo.InvariantCulture),
            await db.ScalarAsync<double>("SELECT pm25 FROM city_hour WHERE city_id = 'delhi' AND hour = @h", ("h", DateTime.SpecifyKind(utcHour, DateTimeKind.Utc))));
    }

    [Fact]
    public async Task Bad_lines_are_reported_by_line_number_and_the_rest_imported()
    {
        var file = Write("bad_lines.csv",
            "location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T10:00:00Z,,pm25,41.5,µg/m³,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,not-a-date,,pm25,42,µg/m³,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T11:00:00Z,,no2,30,ppb,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T12:00:00Z,,pm25,abc,µg/m³,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T12:00:00Z,,pm10,-5,µg/m³,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T12:00:00Z,,so2,7,furlongs,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T12:00:00Z,,bc,3,µg/m³,18.5,73.8,",
            "\"Karve Road, Pune - MPCB\",Pune,IN,2021-01-05T12:00:00Z,,co,1.2,ppm,18.5,73.8,");

        var strict = await Import(file, "openaq", allOrNothing: true);
        Assert.False(strict.Committed);
        Assert.Equal(0, await StationRows("Karve Road, Pune - MPCB"));

        var report = await Import(file, "openaq");
        Assert.True(report.Committed);
        Assert.Equal([3L, 5L, 6L, 7L], report.BadLines.Select(b => b.Line));
        Assert.Equal(4, report.BadLineCount);
        Assert.Contains(report.BadLines, b => b.Line == 3 && b.Reason.Contains("timestamp", StringComparison.Ordinal));
        Assert.Equal(1, report.SkippedCount); // black carbon is not an AQI pollutant: skipped, not bad
        Assert.Equal(3, await StationRows("Karve Road, Pune - MPCB"));
        // ppb and ppm became µg/m³ and mg/m³ (25 °C, 1 atm).
        Assert.Equal(30 * 46.0055 / 24.45, await db.ScalarAsync<double>("SELECT no2 FROM city_hour WHERE city_id = 'pune' AND hour = '2021-01-05T11:00:00Z'"), 4);
        Assert.Equal(1.2 * 28.010 / 24.45, await db.ScalarAsync<double>("SELECT co FROM city_hour WHERE city_id = 'pune' AND hour = '2021-01-05T12:00:00Z'"), 4);
    }

    [Fact]
    public async Task A_file_of_another_format_is_refused_and_imports_nothing()
    {
        var before = await db.ScalarAsync<int>("SELECT count(*) FROM station_reading");

        var airNowAsOpenAq = await Import(AirNowSample, "openaq");
        var catalogAsAirNow = await Import(Path.Combine(TestServices.SharedData, "cities.csv"), "airnow");
        var empty = await Import(Write("empty.csv"), "openaq");

        Assert.False(airNowAsOpenAq.Committed);
        Assert.Contains("not an OpenAQ CSV export", airNowAsOpenAq.Failure, StringComparison.Ordinal);
        Assert.Contains("--format airnow", airNowAsOpenAq.Failure, StringComparison.Ordinal);
        Assert.False(catalogAsAirNow.Committed);
        Assert.Contains("lacks Site, Parameter, Date (LT), Raw Conc., Conc. Unit", catalogAsAirNow.Failure, StringComparison.Ordinal);
        Assert.False(empty.Committed);
        Assert.Contains("empty", empty.Failure, StringComparison.Ordinal);
        Assert.Equal(before, await db.ScalarAsync<int>("SELECT count(*) FROM station_reading"));
    }

    [Fact]
    public async Task A_location_outside_the_catalog_is_a_bad_line_unless_a_city_is_given()
    {
        var file = Write("elsewhere.csv",
            "location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution",
            "Harbour Road,Atlantis,XX,2021-02-01T00:00:00Z,,pm25,12,µg/m³,-40.0,-30.0,",
            "Harbour Road,Atlantis,XX,2021-02-01T01:00:00Z,,pm25,14,µg/m³,-40.0,-30.0,");

        var unmapped = await Import(file, "openaq");
        Assert.False(unmapped.Committed);
        Assert.Equal(2, unmapped.BadLineCount);
        Assert.Contains("--city", unmapped.BadLines[0].Reason, StringComparison.Ordinal);

        var assigned = await Import(file, "openaq", CityCatalog.Default.Resolve("Kochi"));
        Assert.True(assigned.Committed);
        Assert.Equal("kochi", await db.ScalarAsync<string>("SELECT city_id FROM station WHERE location = 'Harbour Road'"));
        Assert.Equal(2, await StationRows("Harbour Road"));
    }

    [Fact]
    public async Task The_import_verb_exits_1_on_a_wrong_format_and_0_with_a_report_on_success()
    {
        var silo = Path.Combine(AppContext.BaseDirectory, "AirQuality.Silo");
        var (wrongCode, _, wrongError) = await Run(silo, "import", "--input", AirNowSample, "--format", "openaq", "--connection", db.ConnectionString);
        Assert.Equal(1, wrongCode);
        Assert.Contains("not an OpenAQ CSV export", wrongError, StringComparison.Ordinal);

        var (code, output, _) = await Run(silo, "import", "--input", OpenAqSample, "--format", "openaq", "--connection", db.ConnectionString);
        Assert.Equal(0, code);
        Assert.Contains("BTM Layout, Bengaluru - CPCB -> bengaluru", output, StringComparison.Ordinal);
        Assert.Contains("Imported.", output, StringComparison.Ordinal);
    }

    private async Task<int> StationRows(string location) =>
        await db.ScalarAsync<int>("SELECT count(*) FROM station_reading r JOIN station s USING (station_id) WHERE s.location = @l", ("l", location));

    /// <summary>(hour, parameter) keys of the OpenAQ sample, read here without the importer.</summary>
    internal static HashSet<(DateTime Hour, string Parameter)> ExpectedOpenAqKeys() =>
        File.ReadLines(OpenAqSample).Skip(1).Select(Fields)
            .Select(f => (Floor(DateTimeOffset.Parse(f[3], CultureInfo.InvariantCulture).UtcDateTime), f[5]))
            .ToHashSet();

    /// <summary>Local hours of the AirNow sample with a valid, non-missing value.</summary>
    internal static HashSet<string> ExpectedAirNowHours() =>
        File.ReadLines(AirNowSample).Skip(1).Select(l => l.Split(','))
            .Where(f => f[13] == "Valid" && double.Parse(f[10], CultureInfo.InvariantCulture) >= 0)
            .Select(f => f[2])
            .ToHashSet();

    // The sample's location is quoted and holds a comma; no other field does.
    internal static string[] Fields(string line)
    {
        var close = line.IndexOf("\",", 1, StringComparison.Ordinal);
        return [line[1..close], .. line[(close + 2)..].Split(',')];
    }

    internal static DateTime Floor(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}_{name}");
        File.WriteAllLines(path, lines);
        _temporary.Add(path);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> Run(string exe, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove("ConnectionStrings__Postgres");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        foreach (var f in _temporary) File.Delete(f);
    }
}
