using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Import;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// History import benchmark: generates an OpenAQ-format CSV, imports it into a fresh database per run with the same
// code the `import` verb runs, and prints JSON figures (median of the runs).
//   ImportBench --postgres "Host=...;Username=...;Database=postgres" [--rows 2000000] [--stations 40] [--runs 3] [--file PATH]
var options = Args.Parse(args);
var admin = options.Get("postgres") ?? Environment.GetEnvironmentVariable("AQ_TEST_POSTGRES")
    ?? throw new InvalidOperationException("--postgres (a connection string to a maintenance database) is required");
var rows = long.Parse(options.Get("rows") ?? "2000000", CultureInfo.InvariantCulture);
var stations = int.Parse(options.Get("stations") ?? "40", CultureInfo.InvariantCulture);
var runs = int.Parse(options.Get("runs") ?? "3", CultureInfo.InvariantCulture);
var file = options.Get("file") ?? Path.Combine(Path.GetTempPath(), $"aq_import_bench_{rows}.csv");

var generate = Stopwatch.StartNew();
var written = OpenAqFile.Generate(file, rows, stations, CityCatalog.Default);
Console.Error.WriteLine($"generated {written:N0} rows ({new FileInfo(file).Length / 1e6:0} MB) in {generate.Elapsed.TotalSeconds:0.0} s: {file}");

var results = new List<Run>();
for (var i = 0; i < runs; i++)
{
    var name = $"aq_bench_{Guid.NewGuid():N}"[..24];
    var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    await Sql(admin, $"CREATE DATABASE \"{name}\"");
    try
    {
        await new SchemaMigrator(cs, NullLogger.Instance).MigrateAsync(createDatabase: false);
        await using var db = new ReadingsDatabase(cs);
        var importer = new HistoryImporter(db, CityCatalog.Default, TimeProvider.System);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var report = await importer.ImportAsync(new ImportRequest(file, HistoryFormat.Find("openaq")!));
        var seconds = watch.Elapsed.TotalSeconds;
        var importerCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var postgresCpu = await BackendCpuSeconds(admin, name);
        if (!report.Committed || report.BadLineCount > 0 || report.Values != written)
            throw new InvalidOperationException($"import did not take every row: {report.Values} of {written}, {report.BadLineCount} bad, {report.Failure}");
        var stored = await Scalar<long>(cs, "SELECT count(*) FROM station_reading");
        var cityHours = await Scalar<long>(cs, "SELECT count(*) FROM city_hour");
        results.Add(new Run(seconds, written / seconds, stored, cityHours, importerCpu, postgresCpu, Load()));
        Console.Error.WriteLine($"run {i + 1}: {seconds:0.00} s, {written / seconds:N0} rows/s ({stored:N0} station-hours, {cityHours:N0} city-hours); CPU importer {importerCpu:0.0} s, PostgreSQL {postgresCpu:0.0} s; load {Load()}");
    }
    finally
    {
        NpgsqlConnection.ClearAllPools();
        if (options.Get("keep-database") is null) await Sql(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        else Console.Error.WriteLine($"kept database {name}");
    }
}
var fileMegabytes = Math.Round(new FileInfo(file).Length / 1e6);
if (options.Get("keep-file") is null) File.Delete(file);

var median = results.OrderBy(r => r.Seconds).ElementAt(results.Count / 2);
var output = new
{
    benchmark = "history_import_openaq",
    rows = written,
    seconds = Math.Round(median.Seconds, 2),
    rows_per_second = Math.Round(median.RowsPerSecond),
    runs = results.Select(r => new
    {
        seconds = Math.Round(r.Seconds, 2),
        rows_per_second = Math.Round(r.RowsPerSecond),
        importer_cpu_seconds = Math.Round(r.ImporterCpu, 1),
        postgres_cpu_seconds = Math.Round(r.PostgresCpu, 1),
        load_average_1m = r.Load,
    }),
    // CPU time does not depend on what else the machine runs: the import needs this much work whatever the wall time.
    importer_cpu_seconds = Math.Round(median.ImporterCpu, 1),
    postgres_cpu_seconds = Math.Round(median.PostgresCpu, 1),
    station_hours_stored = median.StationHours,
    city_hours_stored = median.CityHours,
    file_megabytes = fileMegabytes,
    machine = new
    {
        cores = Environment.ProcessorCount,
        memory_gb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1),
        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        dotnet = Environment.Version.ToString(),
        postgres = await Scalar<string>(admin, "SHOW server_version"),
        postgres_fsync = await Scalar<string>(admin, "SHOW fsync"),
        postgres_synchronous_commit = await Scalar<string>(admin, "SHOW synchronous_commit"),
        // Other work on a shared machine moves the wall times: the load average says how busy it was.
        load_average_1m = Load(),
    },
};
Console.WriteLine(JsonSerializer.Serialize(output, new JsonSerializerOptions { WriteIndented = true }));
return 0;

static async Task Sql(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, conn);
    await cmd.ExecuteNonQueryAsync();
}

static async Task<T> Scalar<T>(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, conn);
    return (T)(await cmd.ExecuteScalarAsync())!;
}

static double? Load() =>
    File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : null;

// CPU time of the server processes serving the run's database (Linux /proc; the bench must run on the server's host).
static async Task<double> BackendCpuSeconds(string admin, string database)
{
    var pids = new List<int>();
    await using (var conn = new NpgsqlConnection(admin))
    {
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = @db", conn);
        cmd.Parameters.AddWithValue("db", database);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) pids.Add(reader.GetInt32(0));
    }
    double ticks = 0;
    foreach (var pid in pids)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) continue;
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
    }
    return ticks / 100.0; // USER_HZ is 100 on Linux
}

internal sealed record Run(double Seconds, double RowsPerSecond, long StationHours, long CityHours, double ImporterCpu, double PostgresCpu, double? Load);

/// <summary>Writes an OpenAQ CSV export shaped like the real one: stations spread over the catalog's cities, hourly rows of six pollutants.</summary>
internal static class OpenAqFile
{
    private static readonly (string Code, double Typical)[] Parameters =
        [("pm25", 60), ("pm10", 110), ("no2", 35), ("so2", 12), ("co", 900), ("o3", 40)];

    private const string Attribution = "\"[{\"\"url\"\":\"\"https://app.cpcbccr.com/ccr/#/caaqm-dashboard-all/caaqm-landing\"\",\"\"name\"\":\"\"Central Pollution Control Board\"\"}]\"";

    public static long Generate(string path, long rows, int stationCount, CityCatalog catalog)
    {
        var random = new Random(20201105);
        var stations = Enumerable.Range(0, stationCount).Select(i =>
        {
            var city = catalog.All[i % catalog.All.Count];
            return (Name: $"\"Station {i + 1:000}, {city.Name} - CPCB\"", City: city.Name,
                Lat: (city.Latitude + (random.NextDouble() - 0.5) * 0.1).ToString("0.0000000", CultureInfo.InvariantCulture),
                Lon: (city.Longitude + (random.NextDouble() - 0.5) * 0.1).ToString("0.0000000", CultureInfo.InvariantCulture));
        }).ToArray();
        var start = new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.WriteLine("location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution");
        long n = 0;
        var sb = new StringBuilder(320);
        for (var hour = start; n < rows; hour = hour.AddHours(1))
        {
            var utc = hour.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var local = hour.AddMinutes(330).ToString("yyyy-MM-dd'T'HH:mm:ss'+05:30'", CultureInfo.InvariantCulture);
            foreach (var s in stations)
                foreach (var (code, typical) in Parameters)
                {
                    if (n == rows) break;
                    var value = Math.Round(typical * (0.3 + 1.4 * random.NextDouble()), 2);
                    sb.Clear().Append(s.Name).Append(',').Append(s.City).Append(",IN,").Append(utc).Append(',').Append(local).Append(',')
                        .Append(code).Append(',').Append(value.ToString(CultureInfo.InvariantCulture)).Append(",µg/m³,")
                        .Append(s.Lat).Append(',').Append(s.Lon).Append(',').Append(Attribution);
                    writer.WriteLine(sb);
                    n++;
                }
        }
        return n;
    }
}

internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public static Args Parse(string[] args)
    {
        var a = new Args();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) continue;
            var key = args[i][2..];
            a._values[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
        return a;
    }

    public string? Get(string key) => _values.GetValueOrDefault(key);
}
