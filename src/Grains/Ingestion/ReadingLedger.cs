using AirQuality.Grains.Abstractions;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// What one city has merged recently, as a fingerprint per (hour, source): a reading seen before with the same
/// content is a duplicate and is dropped before merging (the CPCB feed repeats a station's last hour until it updates;
/// a poll repeated by hand asks again). A reading of the same hour and source with other content is a correction and
/// goes through. Lives in the grain's memory: after a restart a repeat merges once more, to the same result.
/// Repeats are nearly always of the last day or two, so it remembers a few hundred pairs (a backfill's older hours
/// are forgotten at once; asked again, they merge once more to the same result): at thousands of places a ledger of
/// every backfilled hour was 14 KB a place.
/// </summary>
public sealed class ReadingLedger(int capacity = 256)
{
    private readonly Dictionary<(DateTime Hour, string Source), ulong> _seen = [];

    /// <summary>The readings not merged before (the last of a batch wins for one hour and source), and how many were dropped.</summary>
    public (List<SourceReading> Fresh, int Duplicates) Filter(IEnumerable<SourceReading> readings)
    {
        var latest = new Dictionary<(DateTime, string), SourceReading>();
        var duplicates = 0;
        foreach (var r in readings)
        {
            if (latest.ContainsKey((r.Hour, r.Source))) duplicates++;
            latest[(r.Hour, r.Source)] = r;
        }
        var fresh = new List<SourceReading>(latest.Count);
        foreach (var (key, r) in latest)
        {
            if (_seen.TryGetValue(key, out var known) && known == Fingerprint(r)) duplicates++;
            else fresh.Add(r);
        }
        return (fresh, duplicates);
    }

    /// <summary>Remembers readings that were merged.</summary>
    public void Commit(IEnumerable<SourceReading> merged)
    {
        foreach (var r in merged) _seen[(r.Hour, r.Source)] = Fingerprint(r);
        if (_seen.Count <= capacity) return;
        // Forget the oldest hours first: repeats are nearly always of recent ones.
        foreach (var key in _seen.Keys.OrderBy(k => k.Hour).Take(_seen.Count - capacity / 2).ToList()) _seen.Remove(key);
        _seen.TrimExcess();
    }

    /// <summary>How many (hour, source) pairs are remembered.</summary>
    public int Count => _seen.Count;

    private static ulong Fingerprint(SourceReading r)
    {
        var hash = new XxHash64();
        Span<byte> buffer = stackalloc byte[8];
        foreach (var (p, v) in r.Values.OrderBy(kv => kv.Key))
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, (int)p);
            hash.Append(buffer[..4]);
            BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
            hash.Append(buffer);
        }
        var w = r.Weather;
        hash.Append(Encoding.UTF8.GetBytes($"|{w?.TemperatureC}|{w?.HumidityPercent}|{w?.WindSpeedMs}|{w?.PressureHpa}|{r.ReportedUsAqi}|{r.ReportedMainPollutant}"));
        return hash.GetCurrentHashAsUInt64();
    }
}
