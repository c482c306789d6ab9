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

    /// <summary>Times after this are no history (and keep date arithmetic far from overflowing).</summary>
    public static readonly DateTime Latest = new(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Why a line's hour is refused.</summary>
    public static readonly string OutOfRangeReason = $"hour before {Earliest:yyyy} or in the future";

    /// <summary>
    /// Longest field a line may have. No field of these formats comes near it; a longer one is a quote left open,
    /// which would otherwise swallow the rest of the file into one field.
    /// </summary>
    public const int MaxFieldLength = 4096;

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

        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectColumnCountChanges = false,
            BadDataFound = null,
            IgnoreBlankLines = true,
            BufferSize = 1 << 16,
            MaxFieldSize = MaxFieldLength,
        };
        using var input = new LineInput(request.Path, config);
        var parser = input.Parser;

        // The header decides whether this is the format at all; nothing touches the database before it passes.
        string? problem;
        IHistoryLineReader? reader = null;
        var headerUnclosed = input.Next() is not null;
        parser = input.Parser;
        if (headerUnclosed)
            problem = "the header has a quote left open";
        else if (input.Ended || parser.Record is not { Length: > 0 } header || header.All(string.IsNullOrWhiteSpace))
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
        var total = input.File.Length;
        var nextReport = 0L;
        await using var writer = await PostgresHistoryWriter.OpenAsync(database, cancellationToken);
        try
        {
            while (true)
            {
                // A quote left open makes a record run past its line (or past the field limit): that line is bad,
                // and reading starts again on the line after it, so nothing else of the file is lost.
                var unclosed = input.Next();
                if (unclosed is { } badLine)
                {
                    lines++;
                    badCount++;
                    const string reason = "unclosed quote: a field runs past the end of its line";
                    badByReason[reason] = badByReason.GetValueOrDefault(reason) + 1;
                    if (badLines.Count < request.BadLinesKept)
                        badLines.Add(new BadLine(badLine, reason, $"fields end at their line and hold at most {MaxFieldLength} characters"));
                    parser = input.Parser;
                    continue;
                }
                if (input.Ended) break;
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
                    if (badLines.Count < request.BadLinesKept) badLines.Add(new BadLine(input.Line, outcome.Reason!, outcome.Detail));
                }
                if (progress is not null && lines >= nextReport)
                {
                    nextReport = lines + 20_000;
                    cancellationToken.ThrowIfCancellationRequested();
                    progress.Report(new ImportProgress("reading", input.File.Position, total, lines));
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
            return LineResult.Bad(OutOfRangeReason, $"{s.Hour:yyyy-MM-dd HH:mm}Z");
        if (double.IsNaN(s.Value) || double.IsInfinity(s.Value)) return LineResult.Bad($"{s.Pollutant.Code()} is not a number");
        if (s.Value < 0) return LineResult.Bad($"negative {s.Pollutant.Code()}", Detail(s));
        if (s.Value > s.Pollutant.PlausibleMaximum())
            return LineResult.Bad($"{s.Pollutant.Code()} above {s.Pollutant.PlausibleMaximum().ToString(CultureInfo.InvariantCulture)} {s.Pollutant.Unit()}: not air", Detail(s));
        return LineResult.Value;
    }

    private static string Detail(HistorySample s) =>
        $"{s.Value.ToString("0.###", CultureInfo.InvariantCulture)} {s.Pollutant.Unit()} at {s.Location}";
}

/// <summary>
/// The lines of a history file through CsvHelper, with the one repair CsvHelper cannot make: a record that spans
/// several lines (a quote left open) or holds a field over the limit is reported by its first line, and reading
/// starts again on the line after it.
/// </summary>
public sealed class LineInput : IDisposable
{
    private readonly string _path;
    private readonly CsvConfiguration _config;
    private StreamReader _text;
    private long _offset;
    private long _lastEnd;

    public LineInput(string path, CsvConfiguration config)
    {
        _path = path;
        _config = config;
        _text = HistoryFiles.OpenText(path, out var file);
        File = file;
        Parser = new CsvParser(_text, config);
    }

    /// <summary>The file itself, whose position tells how far reading got (of the compressed bytes for `.gz`).</summary>
    public FileStream File { get; private set; }

    public CsvParser Parser { get; private set; }

    /// <summary>The file has no more records.</summary>
    public bool Ended { get; private set; }

    /// <summary>Line number (from 1, the header included) of the current record's first line.</summary>
    public long Line { get; private set; }

    /// <summary>Reads the next record: null when it is good (or the file ended), else the number of the bad line.</summary>
    public long? Next()
    {
        bool read;
        try
        {
            read = Parser.Read();
        }
        catch (MaxFieldSizeException)
        {
            return Restart(_lastEnd + 1);
        }
        if (!read)
        {
            Ended = true;
            return null;
        }
        var end = _offset + Parser.RawRow;
        var inner = InnerLineBreaks(Parser.RawRecord);
        Line = end - inner;
        _lastEnd = end;
        return inner > 0 ? Restart(Line) : null;
    }

    private long Restart(long badLine)
    {
        // Reopen and skip to the line after the bad one: the lines it swallowed are read again on their own.
        Parser.Dispose();
        _text.Dispose();
        _text = HistoryFiles.OpenText(_path, out var file);
        File = file;
        for (long i = 0; i < badLine && _text.ReadLine() is not null; i++)
        {
        }
        _offset = badLine;
        _lastEnd = badLine;
        Parser = new CsvParser(_text, _config);
        return badLine;
    }

    private static int InnerLineBreaks(string raw)
    {
        var span = raw.AsSpan().Trim("\r\n");
        var count = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] == '\n') count++;
            else if (span[i] == '\r' && (i + 1 == span.Length || span[i + 1] != '\n')) count++;
        }
        return count;
    }

    public void Dispose()
    {
        Parser.Dispose();
        _text.Dispose();
    }
}
