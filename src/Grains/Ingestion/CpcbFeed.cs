using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// The CPCB real-time feed, downloaded once per poll wave for every city and shared by all city grains of the process:
/// 56 grains asking within <see cref="CpcbOptions.RefreshAfter"/> cause one download, and a failed download is shared
/// for <see cref="CpcbOptions.FailureHold"/> instead of being retried by each grain.
/// </summary>
/// <remarks>
/// <para>
/// <b>What `avg_value` is.</b> The feed's value fields are India NAQI <i>sub-indices</i> (0-500) of the station's
/// running average, not concentrations, and this class reads them back to concentrations with the NAQI breakpoints
/// (<see cref="IndiaSubIndexInversion"/>). The evidence: the verbatim 2019 records give CO min/avg/max 30/46/68 with
/// unit "NA". As mg/m³ a CO average of 46 lies beyond the top of the Severe band (34) in a quiet December morning in
/// Amaravati; as µg/m³ it would be a tenth of the cleanest background air. As a sub-index, 46 is CO of 0.92 mg/m³,
/// ordinary air. The unit field says "NA" (an index has none), the resource is titled "Real time Air Quality Index",
/// and several independent client authors report the same. (The reconstructed current-layout sample, whose maxima
/// stop at exactly 500, the index's cap, fits this reading too, but its numbers are illustrative, so it is not
/// counted as evidence.) Reading the values back (rather than carrying a
/// sub-index field) keeps one canonical unit in the system, so the CPCB values merge with OpenWeather's and the
/// AQI is computed the same way for every source.
/// </para>
/// <para>
/// What that costs: the sub-index is an integer, so the concentration is known to within half an index step (under
/// 0.5 µg/m³ for PM2.5 below 60, about 1.3 µg/m³ in the Very Poor band); a value at the cap (500) is only a lower
/// bound; and the value is the station's 24-hour (CO, O3: 8-hour) running average, not the hour's own mean. It is
/// filed under the hour of the station's last update, so the 24-hour AQI computed from it is a smoothed version of
/// CPCB's. <see cref="CpcbOptions.Values"/> switches to reading the values as concentrations should the feed change.
/// </para>
/// <para>
/// Stations are averaged into their city (concentrations, after reading back, not sub-indices: the index is not
/// linear). Feed place names differ from the catalog's ("Bangalore", "Navi Mumbai", underscores in older state
/// names): they are resolved with the catalog and its aliases plus <see cref="CpcbOptions.CityNames"/>, and a name
/// that resolves to a city of another state (Aurangabad, Bihar) is not that city. Unresolved places are counted and
/// listed in the source's status. `last_update` is IST (`DD-MM-YYYY HH:MM:SS`, UTC+05:30); a city's reading goes to
/// the UTC hour holding its newest update, from the stations updated within <see cref="StationLag"/> of it.
/// </para>
/// </remarks>
public sealed class CpcbFeed(IOptions<CpcbOptions> options, CityCatalog catalog, SourceMonitor monitor, TimeProvider clock, ILogger<CpcbFeed> logger)
{
    /// <summary>A station updated this much before its city's newest update still counts for that hour.</summary>
    public static readonly TimeSpan StationLag = TimeSpan.FromHours(2);

    private static readonly TimeSpan Ist = new(5, 30, 0);

    /// <summary>Times of the feed outside these are bad timestamps (counted), not readings.</summary>
    private static readonly DateTime Earliest = new(2000, 1, 1), Latest = new(2100, 1, 1);

    private readonly CpcbOptions _options = options.Value;
    private readonly Lock _gate = new();
    private Task<CpcbSnapshot>? _current;
    private DateTime _failedAt;

    /// <summary>
    /// The current snapshot, downloading it with <paramref name="download"/> when there is none fresh. The download
    /// runs on its own timeout, not the caller's: a caller that gives up does not cancel it for the others.
    /// </summary>
    public Task<CpcbSnapshot> GetAsync(Func<CancellationToken, Task<CpcbDownload>> download, CancellationToken cancellationToken)
    {
        Task<CpcbSnapshot> task;
        lock (_gate)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var reuse = _current switch
            {
                null => false,
                { IsCompleted: false } => true,
                { IsCompletedSuccessfully: true } t => now - t.Result.FetchedAt < _options.RefreshAfter,
                _ => now - _failedAt < _options.FailureHold,
            };
            // Off the caller's scheduler: the first caller is a grain, and the download must not depend on it.
            if (!reuse) _current = Task.Run(() => RefreshAsync(download));
            task = _current!;
        }
        return task.WaitAsync(cancellationToken);
    }

    private async Task<CpcbSnapshot> RefreshAsync(Func<CancellationToken, Task<CpcbDownload>> download)
    {
        try
        {
            using var cts = new CancellationTokenSource(_options.DownloadTimeout, clock);
            CpcbDownload downloaded;
            try
            {
                downloaded = await download(cts.Token);
            }
            catch (OperationCanceledException ex) when (cts.IsCancellationRequested)
            {
                throw new SourceException($"feed download took longer than {_options.DownloadTimeout.TotalSeconds:0} s", ex);
            }
            var snapshot = Aggregate(downloaded.Records, clock.GetUtcNow().UtcDateTime, downloaded.Pages);
            monitor.RecordFeed(SourceNames.Cpcb, snapshot.Status);
            logger.LogInformation("CPCB feed: {Records} records from {Stations} stations in {Pages} pages; {Cities} cities covered, {Unmapped} records of unknown places",
                snapshot.Status.Records, snapshot.Status.Stations, snapshot.Status.Pages, snapshot.Status.CitiesCovered, snapshot.Status.UnmappedRecords);
            return snapshot;
        }
        catch
        {
            lock (_gate) _failedAt = clock.GetUtcNow().UtcDateTime;
            throw;
        }
    }

    /// <summary>Turns the feed's records into one reading per covered city, with the feed's figures.</summary>
    public CpcbSnapshot Aggregate(IReadOnlyList<CpcbRecord> records, DateTime fetchedAt, int pages = 0)
    {
        var bad = new Dictionary<string, int>(StringComparer.Ordinal);
        var unmapped = new Dictionary<string, int>(StringComparer.Ordinal);
        var rejections = new Dictionary<string, List<Rejection>>(StringComparer.Ordinal);
        var values = new List<StationValue>();
        var stations = new HashSet<string>(StringComparer.Ordinal);
        var unmappedRecords = 0;
        foreach (var r in records)
        {
            if (!string.IsNullOrWhiteSpace(r.Station)) stations.Add($"{r.City}|{r.Station}");
            var city = ResolveCity(r.City, r.State);
            if (city is null)
            {
                unmappedRecords++;
                var place = $"{r.City?.Trim()}, {r.State?.Replace('_', ' ').Trim()}";
                unmapped[place] = unmapped.GetValueOrDefault(place) + 1;
                continue;
            }
            if (!Pollutants.TryParse(r.PollutantId, out var pollutant))
            {
                Count(bad, "unknown_pollutant");
                continue;
            }
            if (ParseIst(r.LastUpdate) is not { } updated)
            {
                Count(bad, "bad_timestamp");
                continue;
            }
            if (string.IsNullOrWhiteSpace(r.Average) || r.Average.Trim().Equals("NA", StringComparison.OrdinalIgnoreCase))
            {
                Count(bad, "not_available");
                continue;
            }
            if (!double.TryParse(r.Average, NumberStyles.Float, CultureInfo.InvariantCulture, out var raw))
            {
                Count(bad, "not_a_number");
                continue;
            }
            var (value, reason) = ToConcentration(pollutant, raw);
            if (value is null)
            {
                if (!rejections.TryGetValue(city.Id, out var list)) rejections[city.Id] = list = [];
                list.Add(new Rejection(SourceNames.Cpcb, city.Id, reason!, $"{pollutant.Code()}={r.Average} at {r.Station}", pollutant));
                continue;
            }
            values.Add(new StationValue(city.Id, r.Station ?? "", updated, pollutant, value.Value));
        }
        values = DropDuplicateStations(values, rejections);

        var byCity = new Dictionary<string, SourceFetch>(StringComparer.Ordinal);
        var stale = 0;
        foreach (var cityValues in values.GroupBy(v => v.CityId))
        {
            var newest = cityValues.Max(v => v.Updated);
            var fresh = cityValues.Where(v => newest - v.Updated <= StationLag).ToList();
            stale += cityValues.Where(v => newest - v.Updated > StationLag).Select(v => v.Station).Distinct().Count();
            var means = fresh.GroupBy(v => v.Pollutant).ToDictionary(g => g.Key, g => Math.Round(g.Average(v => v.Value), 3));
            var hour = Hours.Floor(newest);
            byCity[cityValues.Key] = new SourceFetch([new SourceReading(cityValues.Key, hour, SourceNames.Cpcb, means, null)],
                rejections.GetValueOrDefault(cityValues.Key) ?? []);
        }
        foreach (var (cityId, list) in rejections)
            if (!byCity.ContainsKey(cityId)) byCity[cityId] = new SourceFetch([], list);

        var status = new SourceFeedStatus(fetchedAt, pages, records.Count, stations.Count, byCity.Count(kv => kv.Value.Readings.Count > 0),
            unmappedRecords, unmapped.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(50).Select(kv => kv.Key).ToList(),
            stale, bad);
        return new CpcbSnapshot(fetchedAt, byCity, status);
    }

    /// <summary>
    /// A station filed twice is averaged into its city once: a record repeating a (station, pollutant) already read, and
    /// a station whose values agree on every pollutant (at least <see cref="DataQualityRules.DuplicateStationPollutants"/>)
    /// with an earlier station of the same city, are dropped and counted as `duplicate_station`.
    /// </summary>
    private static List<StationValue> DropDuplicateStations(List<StationValue> values, Dictionary<string, List<Rejection>> rejections)
    {
        var kept = new List<StationValue>(values.Count);
        var seen = new HashSet<(string, string, Pollutant)>();
        foreach (var v in values)
        {
            if (seen.Add((v.CityId, v.Station, v.Pollutant))) kept.Add(v);
            else Reject(v.CityId, new Rejection(SourceNames.Cpcb, v.CityId, QualityFlags.DuplicateStation,
                $"{v.Pollutant.Code()} of {v.Station} appears twice in the feed", v.Pollutant));
        }
        var minimum = DataQualityRules.Default.DuplicateStationPollutants;
        var copies = new HashSet<(string City, string Station)>();
        foreach (var city in kept.GroupBy(v => v.CityId))
        {
            var stations = city.GroupBy(v => v.Station).Select(g => (Station: g.Key, Values: g.ToDictionary(v => v.Pollutant, v => v.Value))).ToList();
            for (var i = 0; i < stations.Count; i++)
            {
                if (stations[i].Values.Count < minimum) continue;
                var original = stations.Take(i).FirstOrDefault(s => !copies.Contains((city.Key, s.Station)) && s.Values.Count == stations[i].Values.Count
                    && s.Values.All(kv => stations[i].Values.TryGetValue(kv.Key, out var x) && x == kv.Value));
                if (original.Station is null) continue;
                copies.Add((city.Key, stations[i].Station));
                foreach (var p in stations[i].Values.Keys)
                    Reject(city.Key, new Rejection(SourceNames.Cpcb, city.Key, QualityFlags.DuplicateStation,
                        $"{stations[i].Station} reports the same {stations[i].Values.Count} values as {original.Station}", p));
            }
        }
        return copies.Count == 0 ? kept : kept.Where(v => !copies.Contains((v.CityId, v.Station))).ToList();

        void Reject(string cityId, Rejection r)
        {
            if (!rejections.TryGetValue(cityId, out var list)) rejections[cityId] = list = [];
            list.Add(r);
        }
    }

    /// <summary>The feed's value as a concentration in canonical units, or why it cannot be one.</summary>
    public (double? Value, string? Reason) ToConcentration(Pollutant pollutant, double raw)
    {
        if (raw < 0) return (null, "negative");
        if (_options.Values == CpcbValueKind.Concentration) return (raw, null);
        if (raw > IndiaAqi.Cap) return (null, "sub_index_above_500");
        var c = IndiaSubIndexInversion.Concentration(pollutant, raw);
        return c is null ? (null, "sub_index_not_invertible") : (Math.Round(c.Value, pollutant == Pollutant.Co ? 4 : 2), null);
    }

    /// <summary>`DD-MM-YYYY HH:MM:SS` in IST to UTC, or null when it is not such a time.</summary>
    public static DateTime? ParseIst(string? text)
    {
        if (!DateTime.TryParseExact(text?.Trim(), "dd-MM-yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return null;
        // "01-01-0001 00:00:00" parses, but is no time of a reading (and the IST offset would underflow).
        if (local < Earliest || local > Latest) return null;
        return DateTime.SpecifyKind(local - Ist, DateTimeKind.Utc);
    }

    /// <summary>The catalog city of a feed place, or null when unknown or in another state.</summary>
    public City? ResolveCity(string? name, string? state)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var city = _options.CityNames.TryGetValue(name.Trim(), out var mapped) ? catalog.Resolve(mapped) : catalog.Resolve(name);
        if (city is null) return null;
        if (!string.IsNullOrWhiteSpace(state) && !string.IsNullOrWhiteSpace(city.State) && Letters(state) != Letters(city.State))
            return null;
        return city;
    }

    private static string Letters(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
            if (char.IsLetter(ch)) sb.Append(char.ToLowerInvariant(ch));
        return sb.ToString();
    }

    private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    /// <summary>Reads the records of a feed page, in the current (`min_value`/`avg_value`) or the older (`pollutant_avg`) layout.</summary>
    public static IReadOnlyList<CpcbRecord> ReadRecords(IEnumerable<Dictionary<string, JsonElement>> records) =>
        records.Select(r => new CpcbRecord(
            Text(r, "country"),
            Text(r, "state"),
            Text(r, "city"),
            Text(r, "station"),
            Text(r, "last_update"),
            Text(r, "pollutant_id"),
            Text(r, "avg_value") ?? Text(r, "pollutant_avg"),
            Text(r, "min_value") ?? Text(r, "pollutant_min"),
            Text(r, "max_value") ?? Text(r, "pollutant_max"))).ToList();

    private static string? Text(Dictionary<string, JsonElement> record, string field) =>
        record.TryGetValue(field, out var e) ? e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            _ => null,
        } : null;

    private sealed record StationValue(string CityId, string Station, DateTime Updated, Pollutant Pollutant, double Value);
}

/// <summary>One feed record: a station's value of one pollutant, every field as the feed's text.</summary>
public sealed record CpcbRecord(string? Country, string? State, string? City, string? Station, string? LastUpdate, string? PollutantId,
    string? Average, string? Minimum, string? Maximum);

/// <summary>Every record of the feed, and how many pages it took.</summary>
public sealed record CpcbDownload(IReadOnlyList<CpcbRecord> Records, int Pages);

/// <summary>One download of the feed: each covered city's reading and rejections, and the feed's figures.</summary>
public sealed record CpcbSnapshot(DateTime FetchedAt, IReadOnlyDictionary<string, SourceFetch> ByCity, SourceFeedStatus Status);
