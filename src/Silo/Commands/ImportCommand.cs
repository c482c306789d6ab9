using AirQuality.Grains.Abstractions;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AirQuality.Domain.Cities;
using AirQuality.Grains;
using AirQuality.Grains.Import;
using AirQuality.Grains.Storage;
using Spectre.Console;

namespace AirQuality.Silo.Commands;

/// <summary>`import`: load station history files (OpenAQ CSV exports, AirNow exports) into the PostgreSQL store.</summary>
/// <remarks>Exit codes: 0 everything imported; 3 imported, with bad lines left out; 1 nothing imported; 2 usage.</remarks>
public static class ImportCommand
{
    public const int PartialExitCode = 3;
    private const int BadLinesShown = 100;

    public static Command Create()
    {
        var input = new Option<FileInfo>("--input") { Description = "The file to import", Required = true };
        var format = new Option<string>("--format") { Description = "openaq (OpenAQ CSV export) or airnow (AirNow export)", Required = true };
        format.AcceptOnlyFromAmong([.. HistoryFormat.All.Select(f => f.Name)]);
        var city = new Option<string?>("--city") { Description = "Assign every line to this catalog city instead of mapping locations" };
        var allOrNothing = new Option<bool>("--all-or-nothing") { Description = "Import nothing when any line is bad" };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: ConnectionStrings__Postgres)" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var cmd = new Command("import", "Import station history into PostgreSQL: idempotent (a second run adds nothing), bad lines reported by line number.")
        {
            input, format, city, allOrNothing, connection, json,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var config = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            var cs = parse.GetValue(connection) ?? config.GetConnectionString("Postgres");
            if (string.IsNullOrWhiteSpace(cs))
            {
                Console.Error.WriteLine("No PostgreSQL connection: pass --connection or set ConnectionStrings__Postgres.");
                return 2;
            }
            var file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                Console.Error.WriteLine($"No such file: {file.FullName}");
                return 2;
            }
            var catalog = CityCatalogConfiguration.Load(config);
            City? target = null;
            if (parse.GetValue(city) is { } name)
            {
                target = catalog.Resolve(name);
                if (target is null)
                {
                    var close = catalog.Suggest(name);
                    Console.Error.WriteLine($"--city: no city named '{name}' in the catalog{(close.Count > 0 ? $"; did you mean {string.Join(", ", close)}?" : ".")}");
                    return 2;
                }
            }
            var request = new ImportRequest(file.FullName, HistoryFormat.Find(parse.GetValue(format))!, target, parse.GetValue(allOrNothing));

            await using var database = new ReadingsDatabase(cs);
            var importer = new HistoryImporter(database, catalog, TimeProvider.System);
            ImportReport report;
            try
            {
                report = Console.IsOutputRedirected || parse.GetValue(json) || !AnsiConsole.Profile.Capabilities.Interactive
                    ? await importer.ImportAsync(request, null, ct)
                    : await WithProgressBar(importer, request, ct);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or IOException)
            {
                Console.Error.WriteLine($"Import failed, nothing was imported: {ex.Message}");
                return 1;
            }
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
            else if (report.Lines > 0) Print(report); // a file refused at its header has nothing to summarise
            if (!report.Committed)
            {
                Console.Error.WriteLine(report.Failure);
                return 1;
            }
            return report.BadLineCount > 0 ? PartialExitCode : 0;
        });
        return cmd;
    }

    private static Task<ImportReport> WithProgressBar(HistoryImporter importer, ImportRequest request, CancellationToken ct) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var reading = ctx.AddTask($"Reading {Path.GetFileName(request.Path)}", maxValue: 1);
                ProgressTask? merging = null;
                var progress = new Inline(p =>
                {
                    if (p.Phase == "reading")
                    {
                        reading.MaxValue = Math.Max(1, p.TotalBytes);
                        reading.Value = p.BytesRead;
                        reading.Description = $"Reading {Path.GetFileName(request.Path)} ({p.Lines.ToString("N0", CultureInfo.InvariantCulture)} lines)";
                    }
                    else if (merging is null)
                    {
                        reading.Value = reading.MaxValue;
                        merging = ctx.AddTask("Merging into PostgreSQL").IsIndeterminate();
                    }
                });
                var report = await importer.ImportAsync(request, progress, ct);
                if (merging is not null)
                {
                    merging.IsIndeterminate(false);
                    merging.Value = merging.MaxValue;
                }
                return report;
            });

    private static void Print(ImportReport r)
    {
        var n = (long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        Console.WriteLine($"{Path.GetFileName(r.File)} ({r.Format}): {n(r.Lines)} lines read in {r.Elapsed.TotalSeconds:0.0} s ({n((long)(r.Lines / Math.Max(r.Elapsed.TotalSeconds, 1e-3)))} lines/s)");
        Console.WriteLine($"  values taken:   {n(r.Values)}");
        if (r.SkippedCount > 0)
        {
            Console.WriteLine($"  lines skipped:  {n(r.SkippedCount)} (nothing to import, not errors)");
            foreach (var (reason, count) in r.Skipped.OrderByDescending(kv => kv.Value)) Console.WriteLine($"    {n(count),10}  {reason}");
        }
        foreach (var s in r.Stations) Console.WriteLine($"  station: {s.Location} -> {s.CityId}");
        if (r.BadLineCount > 0)
        {
            Console.WriteLine($"  bad lines:      {n(r.BadLineCount)}{(r.Committed ? " (left out; the rest was imported)" : "")}");
            foreach (var (reason, count) in r.BadByReason.OrderByDescending(kv => kv.Value)) Console.WriteLine($"    {n(count),10}  {reason}");
            foreach (var b in r.BadLines.Take(BadLinesShown)) Console.WriteLine($"    {b}");
            if (r.BadLineCount > BadLinesShown) Console.WriteLine($"    ... and {n(r.BadLineCount - BadLinesShown)} more");
        }
        if (r.Written is { } w)
        {
            Console.WriteLine($"  station hours:  {n(w.StationHours)} in the file: {n(w.StationHoursInserted)} new, {n(w.StationHoursUpdated)} changed, {n(w.StationHoursUnchanged)} already stored");
            Console.WriteLine($"  city hours:     {n(w.CityHoursInserted)} new, {n(w.CityHoursUpdated)} changed");
        }
        Console.WriteLine(r.Committed ? "Imported." : "Nothing was imported.");
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
    };

    /// <summary>Reports progress on the importer's own thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class Inline(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
