using AirQuality.Grains.Storage;

namespace AirQuality.Grains.Import;

/// <summary>A line the importer could not use, with its line number in the file (the header is line 1).</summary>
public sealed record BadLine(long Line, string Reason, string? Detail)
{
    public override string ToString() => Detail is null ? $"line {Line}: {Reason}" : $"line {Line}: {Reason} ({Detail})";
}

/// <summary>What one import did.</summary>
/// <param name="Committed">True when the values were stored; false when nothing was (wrong format, --all-or-nothing, failure).</param>
/// <param name="Failure">Why nothing was imported, when that is the case.</param>
/// <param name="Lines">Data lines read (the header not counted).</param>
/// <param name="Values">Lines whose value was taken.</param>
/// <param name="Skipped">Lines with nothing to import, by reason (missing values, pollutants outside the AQI, QC flags).</param>
/// <param name="BadLines">The first bad lines, in file order (at most the importer's limit).</param>
/// <param name="BadLineCount">Every bad line, including those beyond the limit.</param>
/// <param name="BadByReason">Bad lines counted by reason.</param>
/// <param name="Stations">Stations of the file mapped to cities.</param>
/// <param name="Written">What changed in the database (null when nothing was committed).</param>
public sealed record ImportReport(
    string File,
    string Format,
    bool Committed,
    string? Failure,
    long Lines,
    long Values,
    IReadOnlyDictionary<string, long> Skipped,
    IReadOnlyList<BadLine> BadLines,
    long BadLineCount,
    IReadOnlyDictionary<string, long> BadByReason,
    IReadOnlyList<ImportStation> Stations,
    ImportWriteCounts? Written,
    TimeSpan Elapsed)
{
    public long SkippedCount => Skipped.Values.Sum();
}

/// <summary>Where an import is: reading the file (with bytes read) or merging into the store.</summary>
public sealed record ImportProgress(string Phase, long BytesRead, long TotalBytes, long Lines);
