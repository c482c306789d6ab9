using System.Diagnostics;
using System.Globalization;
using System.Text;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Storage;
using CsvHelper;
using CsvHelper.Configuration;

namespace AirQuality.Grains.Import;

/// <summary>What to import and how.</summary>
/// <param name="City">Assigns every line to this catalog city instead of mapping locations.</param>
/// <param name="AllOrNothing">Imports nothing when any line is bad.</param>
/// <param name="BadLinesKept">How many bad lines the report lists one by one (all are counted).</param>
public sealed record ImportRequest(string Path, HistoryFormat Format, City? City = null, bool AllOrNothing = false, int BadLinesKept = 1000);

/// <summary>
/// Imports a history file into the readings store: streams it with CsvHelper, checks each line (format, units,
/// plausibility, a known city), copies the good values to PostgreSQL as it reads, and merges them in one
/// transaction at the end. A file that is not of the format is refused before anything is written; bad lines are
/// reported with their line numbers and the rest imported, or nothing with <see cref="ImportRequest.AllOrNothing"/>.
/// Running the same file again stores nothing new.
/// </summary>
public sealed class HistoryImporter(ReadingsDatabase database, CityCatalog catalog, TimeProvider clock)
{
    /// <summary>Hours before this are refused: no instrument in the catalog's cities reported hourly values before it.</summary>
    public static readonly DateTime Earliest = new(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public async Task<ImportReport> ImportAsync(ImportRequest request, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var format = request.Format;
        var fileName = System.IO.Path.GetFileName(request.Path);
        var skipped = new Dictionary<string, long>(StringComparer.Ordinal);
        var badByReason = new Dictionary<string, long>(StringComparer.Ordinal);
        var badLines = new List<BadLine>();
        long badCount = 0, lines = 0, values = 0;

        ImportReport Report(bool committed, string? failure, IReadOnlyList<ImportStation> stations, ImportWriteCounts? written) =>
            new(request.Path, format.Name, committed, failure, lines, values, skipped, badLines, badCount, badByReason, stations, written, watch.Elapsed);

        using var text = HistoryFiles.OpenText(request.Path, out var file);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectColumnCountChanges = false,
            BadDataFound = null,
            IgnoreBlankLines = true,
            BufferSize = 1 << 16,
        };
        using var parser = new CsvParser(text, config);

        // The header decides whether this is the format at all; nothing touches the database before it passes.
        string? problem;
        IHistoryLineReader? reader = null;
        if (!parser.Read() || parser.Record is not { Length: > 0 } header || header.All(string.IsNullOrWhiteSpace))
            problem = "the file is empty";
        else
            reader = format.Bind(header, out problem);
        if (reader is null)
        {
            var other = HistoryFormat.All.FirstOrDefault(f => f != format && parser.Record is { } h && f.Bind(h, out _) is not null);
            var hint = other is null ? "" : $"; it looks like an {other.DisplayName} (--format {other.Name})";
            return Report(false, $"{fileName} is not an {format.DisplayName}: {problem}{hint}. Nothing was imported.", [], null);
        }

        var mapper = new StationMapper(catalog, request.City, format.Source);
        var latest = clock.GetUtcNow().UtcDateTime.AddHours(1);
        var total = file.Length;
        var nextReport = 0L;
        await using var writer = await PostgresHistoryWriter.OpenAsync(database, cancellationToken);
        try
        {
            while (parser.Read())
            {
                lines++;
                var outcome = reader.Read(parser, out var sample);
                if (outcome.Kind == LineKind.Value)
                    outcome = Check(sample, latest);
                if (outcome.Kind == LineKind.Value)
                {
                    var (station, why) = mapper.Lookup(sample.Location, () => reader.Describe(parser));
                    if (station is null) outcome = LineResult.Bad(why!);
                    else
                    {
                        writer.Write(station.Index, sample.Hour, sample.Pollutant, sample.Value);
                        values++;
                    }
                }
                if (outcome.Kind == LineKind.Skipped)
                {
                    skipped[outcome.Reason!] = skipped.GetValueOrDefault(outcome.Reason!) + 1;
                }
                else if (outcome.Kind == LineKind.Bad)
                {
                    badCount++;
                    badByReason[outcome.Reason!] = badByReason.GetValueOrDefault(outcome.Reason!) + 1;
                    if (badLines.Count < request.BadLinesKept) badLines.Add(new BadLine(parser.RawRow, outcome.Reason!, outcome.Detail));
                }
                if (progress is not null && lines >= nextReport)
                {
                    nextReport = lines + 20_000;
                    cancellationToken.ThrowIfCancellationRequested();
                    progress.Report(new ImportProgress("reading", file.Position, total, lines));
                }
            }
            progress?.Report(new ImportProgress("reading", total, total, lines));

            if (badCount > 0 && request.AllOrNothing)
            {
                await writer.RollbackAsync();
                return Report(false, $"{badCount} bad line(s) and --all-or-nothing: nothing was imported.", mapper.Stations, null);
            }
            if (values == 0)
            {
                await writer.RollbackAsync();
                return Report(false, lines == 0 ? $"{fileName} has a header but no data lines. Nothing was imported." : $"{fileName} has no value to import.", mapper.Stations, null);
            }
            progress?.Report(new ImportProgress("merging", total, total, lines));
            var written = await writer.CommitAsync(mapper.Stations, cancellationToken);
            return Report(true, null, mapper.Stations, written);
        }
        catch
        {
            await writer.RollbackAsync();
            throw;
        }
    }

    /// <summary>The same plausibility rules live readings pass (ReadingValidator), plus a sane time range.</summary>
    /// <summary>Whether a parsed value can be air: an hour from 2000 to <paramref name="latest"/>, a finite, non-negative, plausible value.</summary>
    public static LineResult Check(HistorySample s, DateTime latest)
    {
        if (s.Hour < Earliest || s.Hour > latest)
            return LineResult.Bad($"hour before {Earliest:yyyy} or in the future", $"{s.Hour:yyyy-MM-dd HH:mm}Z");
        if (double.IsNaN(s.Value) || double.IsInfinity(s.Value)) return LineResult.Bad($"{s.Pollutant.Code()} is not a number");
        if (s.Value < 0) return LineResult.Bad($"negative {s.Pollutant.Code()}", Detail(s));
        if (s.Value > s.Pollutant.PlausibleMaximum())
            return LineResult.Bad($"{s.Pollutant.Code()} above {s.Pollutant.PlausibleMaximum().ToString(CultureInfo.InvariantCulture)} {s.Pollutant.Unit()}: not air", Detail(s));
        return LineResult.Value;
    }

    private static string Detail(HistorySample s) =>
        $"{s.Value.ToString("0.###", CultureInfo.InvariantCulture)} {s.Pollutant.Unit()} at {s.Location}";
}
