using AirQuality.Domain.Readings;
using AirQuality.Grains.Import;
using Npgsql;
using NpgsqlTypes;

namespace AirQuality.Grains.Storage;

/// <summary>What an import changed in the database.</summary>
/// <param name="StationHours">Distinct (station, hour, pollutant) values the file holds.</param>
/// <param name="StationHoursInserted">Of those, values new to the database.</param>
/// <param name="StationHoursUpdated">Of those, values that replaced a different stored value.</param>
/// <param name="CityHoursInserted">Hours added to the merged city series.</param>
/// <param name="CityHoursUpdated">Hours of the merged city series whose values changed.</param>
public sealed record ImportWriteCounts(long StationHours, long StationHoursInserted, long StationHoursUpdated, long CityHoursInserted, long CityHoursUpdated)
{
    public long StationHoursUnchanged => StationHours - StationHoursInserted - StationHoursUpdated;
}

/// <summary>
/// Writes one import in one transaction: values stream into a temporary table by binary COPY as the file is read;
/// at the end they are averaged per (station, hour, pollutant) into station_reading, the touched city-hours are
/// re-merged from every station of each city into city_hour (source `import:...`, below CPCB in MergePolicy), and
/// the daily rollups follow. Nothing is visible until commit, so an abandoned import leaves no trace.
/// </summary>
public sealed class PostgresHistoryWriter : IAsyncDisposable
{
    private readonly ReadingsDatabase _database;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private NpgsqlBinaryImporter? _copy;
    private DateTime _min = DateTime.MaxValue;
    private DateTime _max = DateTime.MinValue;
    private bool _finished;
    private static readonly string[] Codes = Pollutants.All.Select(p => p.Code()).ToArray();

    private PostgresHistoryWriter(ReadingsDatabase database, NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlBinaryImporter copy)
    {
        _database = database;
        _connection = connection;
        _transaction = transaction;
        _copy = copy;
    }

    /// <summary>Values written so far.</summary>
    public long Written { get; private set; }

    public static async Task<PostgresHistoryWriter> OpenAsync(ReadingsDatabase database, CancellationToken cancellationToken)
    {
        await database.LayoutAsync(cancellationToken);
        var conn = await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var tx = await conn.BeginTransactionAsync(cancellationToken);
            // Imports run one at a time (see CommitAsync); sorts and hashes over millions of rows get memory to work in.
            await Execute(conn, "SELECT pg_advisory_xact_lock(hashtext('aq_history_import'))", cancellationToken);
            await Execute(conn, "SET LOCAL work_mem = '256MB'", cancellationToken);
            await Execute(conn, "CREATE TEMP TABLE import_rows (station integer NOT NULL, hour timestamptz NOT NULL, pollutant text NOT NULL, value double precision NOT NULL) ON COMMIT DROP", cancellationToken);
            var copy = await conn.BeginBinaryImportAsync("COPY import_rows (station, hour, pollutant, value) FROM STDIN (FORMAT BINARY)", cancellationToken);
            return new PostgresHistoryWriter(database, conn, tx, copy);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>Streams one value to the staging table (synchronous: the COPY buffer flushes itself as it fills).</summary>
    public void Write(int station, DateTime hour, Pollutant pollutant, double value)
    {
        var copy = _copy ?? throw new InvalidOperationException("The import was already completed");
        copy.StartRow();
        copy.Write(station, NpgsqlDbType.Integer);
        copy.Write(hour, NpgsqlDbType.TimestampTz);
        copy.Write(Codes[(int)pollutant], NpgsqlDbType.Text);
        copy.Write(value, NpgsqlDbType.Double);
        if (hour < _min) _min = hour;
        if (hour > _max) _max = hour;
        Written++;
    }

    /// <summary>Merges everything written into the store and commits.</summary>
    public async Task<ImportWriteCounts> CommitAsync(IReadOnlyList<ImportStation> stations, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        await _copy!.CompleteAsync(ct);
        await _copy.DisposeAsync();
        _copy = null;
        if (Written == 0)
        {
            await _transaction.CommitAsync(ct);
            _finished = true;
            return new ImportWriteCounts(0, 0, 0, 0, 0);
        }
        // Temporary tables get no statistics on their own; the plans below need them.
        await Execute(_connection, "ANALYZE import_rows", ct);
        await Execute(_connection, "CREATE TEMP TABLE import_station (station integer PRIMARY KEY, station_id integer, location text NOT NULL, source text NOT NULL, city_id text NOT NULL, latitude double precision, longitude double precision) ON COMMIT DROP", ct);
        await using (var copy = await _connection.BeginBinaryImportAsync("COPY import_station (station, location, source, city_id, latitude, longitude) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var s in stations)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(s.Index, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(s.Location, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(s.Source, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(s.CityId, NpgsqlDbType.Text, ct);
                if (s.Latitude is { } lat) await copy.WriteAsync(lat, NpgsqlDbType.Double, ct); else await copy.WriteNullAsync(ct);
                if (s.Longitude is { } lon) await copy.WriteAsync(lon, NpgsqlDbType.Double, ct); else await copy.WriteNullAsync(ct);
            }
            await copy.CompleteAsync(ct);
        }

        // Partition DDL runs beside this transaction (see ReadingsDatabase.EnsurePartitionsAsync).
        await _database.EnsurePartitionsAsync("station_reading", _min, _max, ct);
        await _database.EnsurePartitionsAsync("city_hour", _min, _max, ct);

        await Execute(_connection, """
            INSERT INTO station AS s (location, source, city_id, latitude, longitude)
            SELECT location, source, city_id, latitude, longitude FROM import_station ORDER BY source, location
            ON CONFLICT (source, location) DO UPDATE SET
                city_id = excluded.city_id,
                latitude = coalesce(excluded.latitude, s.latitude),
                longitude = coalesce(excluded.longitude, s.longitude),
                updated_at = now()
            WHERE (s.city_id, s.latitude, s.longitude)
                IS DISTINCT FROM (excluded.city_id, coalesce(excluded.latitude, s.latitude), coalesce(excluded.longitude, s.longitude))
            """, ct);
        await Execute(_connection, "UPDATE import_station i SET station_id = s.station_id FROM station s WHERE s.source = i.source AND s.location = i.location", ct);

        // One (station, hour, pollutant) value: the mean of the file's samples in that hour.
        await Execute(_connection, """
            CREATE TEMP TABLE import_hourly ON COMMIT DROP AS
            SELECT m.station_id, i.hour, i.pollutant, round(avg(i.value) * 1e6) / 1e6 AS value, count(*)::integer AS samples
            FROM import_rows i JOIN import_station m ON m.station = i.station
            GROUP BY m.station_id, i.hour, i.pollutant
            """, ct);
        await Execute(_connection, "ANALYZE import_hourly", ct);
        long stationHours;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM import_hourly", _connection))
            stationHours = (long)(await count.ExecuteScalarAsync(ct))!;
        await _database.AnalyzeAsync(_connection, "station_reading", _min, _max, ct);
        // Only importers write station_reading, one at a time (the advisory lock taken at open), so the rows stored
        // before are updated and the others inserted plainly: twice as fast as INSERT ... ON CONFLICT here.
        var stationUpdated = await Execute(_connection, """
            UPDATE station_reading r SET value = h.value, samples = h.samples, imported_at = now()
            FROM import_hourly h
            WHERE r.station_id = h.station_id AND r.hour = h.hour AND r.pollutant = h.pollutant
              AND r.hour BETWEEN @min AND @max
              AND (r.value, r.samples) IS DISTINCT FROM (h.value, h.samples)
            """, ct, ("min", _min), ("max", _max));
        var stationInserted = await Execute(_connection, """
            INSERT INTO station_reading (station_id, hour, pollutant, value, samples)
            SELECT h.station_id, h.hour, h.pollutant, h.value, h.samples
            FROM import_hourly h
            WHERE NOT EXISTS (
                SELECT 1 FROM station_reading r
                WHERE r.station_id = h.station_id AND r.hour = h.hour AND r.pollutant = h.pollutant AND r.hour BETWEEN @min AND @max)
            ORDER BY h.hour, h.station_id, h.pollutant
            """, ct, ("min", _min), ("max", _max));

        // Fresh partitions have no statistics; without them the planner joins them row by row (minutes, not seconds).
        await _database.AnalyzeAsync(_connection, "station_reading", _min, _max, ct);

        // The city's value of an hour is the mean over its stations (this file's and earlier imports') of the
        // best-ranked import source present for that pollutant and hour. The import sources are few and known, so
        // one hash aggregate per city-hour does it, each source's mean kept apart and the best present one taken.
        // Every hour of the file's cities inside its time span is recomputed, not only the file's own hours: the
        // others come out as they are stored (only imports write station readings), and skipping the filter is
        // cheaper than applying it.
        var sources = HistoryFormat.All.Select(f => f.Source).Distinct()
            .OrderBy(Ingestion.MergePolicy.Priority).ThenBy(n => n, StringComparer.Ordinal).ToList();
        var pivot = string.Join(",\n                ", Codes.Select(c =>
            "round(coalesce(" + string.Join(", ", sources.Select(src => $"avg(r.value) FILTER (WHERE r.pollutant = '{c}' AND s.source = '{src}')")) + ") * 1e6) / 1e6, "
            + "CASE " + string.Join(" ", sources.Select(src => $"WHEN bool_or(r.pollutant = '{c}' AND s.source = '{src}') THEN '{src}'")) + " END"));
        var columns = string.Join(", ", Codes.Select(c => $"{c}, {c}_source"));
        await Execute(_connection, CitySeriesSql.CreateStaging("import_city_hour"), ct);
        await Execute(_connection, $"""
            INSERT INTO import_city_hour (city_id, hour, {columns})
            SELECT s.city_id, r.hour,
                {pivot}
            FROM station s
            JOIN station_reading r ON r.station_id = s.station_id
            WHERE s.city_id IN (SELECT city_id FROM import_station) AND r.hour BETWEEN @min AND @max
            GROUP BY s.city_id, r.hour
            """, ct, ("min", _min), ("max", _max));
        await Execute(_connection, "ANALYZE import_city_hour", ct);
        long cityInserted, cityUpdated;
        await using (var cmd = new NpgsqlCommand(CitySeriesSql.Upsert("import_city_hour"), _connection) { CommandTimeout = 0 })
        {
            SourceRanks.AddTo(cmd);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (cityInserted, cityUpdated) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        var layout = await _database.LayoutAsync(ct);
        if (layout == StorageLayout.Partitions)
            await Execute(_connection, CitySeriesSql.RefreshDays("import_city_hour"), ct);
        await _transaction.CommitAsync(ct);
        _finished = true;

        if (layout == StorageLayout.TimescaleDb)
        {
            // Continuous aggregates refresh recent days on their own; imported history is older than that window.
            // (refresh_continuous_aggregate refuses to run inside a transaction, hence after the commit.)
            await using var refresh = new NpgsqlCommand("CALL refresh_continuous_aggregate('city_day', @from, @to)", _connection) { CommandTimeout = 0 };
            refresh.Parameters.AddWithValue("from", _min.Date);
            refresh.Parameters.AddWithValue("to", _max.Date.AddDays(1));
            await refresh.ExecuteNonQueryAsync(ct);
        }
        return new ImportWriteCounts(stationHours, stationInserted, stationUpdated, cityInserted, cityUpdated);
    }

    /// <summary>Abandons the import: nothing written becomes visible.</summary>
    public async Task RollbackAsync()
    {
        if (_copy is not null)
        {
            // Disposing an unfinished COPY cancels it; the transaction is then rolled back.
            await _copy.DisposeAsync();
            _copy = null;
        }
        if (!_finished) await _transaction.RollbackAsync();
        _finished = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_copy is not null) await _copy.DisposeAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private static async Task<long> Execute(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
