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

        long stationHours, stationInserted, stationUpdated;
        await using (var cmd = new NpgsqlCommand("""
            WITH hourly AS MATERIALIZED (
                SELECT m.station_id, i.hour, i.pollutant,
                       round(avg(i.value)::numeric, 6)::double precision AS value, count(*)::integer AS samples
                FROM import_rows i JOIN import_station m ON m.station = i.station
                GROUP BY m.station_id, i.hour, i.pollutant),
            existing AS (
                SELECT count(*) AS n FROM hourly h
                JOIN station_reading r ON r.station_id = h.station_id AND r.hour = h.hour AND r.pollutant = h.pollutant
                WHERE r.hour BETWEEN @min AND @max),
            up AS (
                INSERT INTO station_reading AS r (station_id, hour, pollutant, value, samples)
                SELECT station_id, hour, pollutant, value, samples FROM hourly
                ON CONFLICT (station_id, hour, pollutant) DO UPDATE SET
                    value = excluded.value, samples = excluded.samples, imported_at = now()
                WHERE (r.value, r.samples) IS DISTINCT FROM (excluded.value, excluded.samples)
                RETURNING 1)
            SELECT (SELECT count(*) FROM hourly), (SELECT n FROM existing), (SELECT count(*) FROM up)
            """, _connection) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("min", _min);
            cmd.Parameters.AddWithValue("max", _max);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            // Every value not stored before is inserted; the rest of the rows written are updates.
            stationHours = reader.GetInt64(0);
            stationInserted = stationHours - reader.GetInt64(1);
            stationUpdated = reader.GetInt64(2) - stationInserted;
        }

        // The city's value of an hour is the mean over its stations of the best-ranked import source of that hour.
        var pivot = string.Join(", ", Codes.Select(c =>
            $"max(value) FILTER (WHERE pollutant = '{c}'), max(source) FILTER (WHERE pollutant = '{c}')"));
        var columns = string.Join(", ", Codes.Select(c => $"{c}, {c}_source"));
        await Execute(_connection, CitySeriesSql.CreateStaging("import_city_hour"), ct);
        await using (var cmd = new NpgsqlCommand($"""
            INSERT INTO import_city_hour (city_id, hour, {columns})
            WITH touched AS (
                SELECT DISTINCT m.city_id, i.hour FROM import_rows i JOIN import_station m ON m.station = i.station),
            per_source AS (
                SELECT s.city_id, r.hour, r.pollutant, s.source, round(avg(r.value)::numeric, 6)::double precision AS value
                FROM touched t
                JOIN station s ON s.city_id = t.city_id
                JOIN station_reading r ON r.station_id = s.station_id AND r.hour = t.hour
                WHERE r.hour BETWEEN @min AND @max AND s.source LIKE '{CitySeriesSql.ImportPrefix}%'
                GROUP BY s.city_id, r.hour, r.pollutant, s.source),
            best AS (
                SELECT DISTINCT ON (city_id, hour, pollutant) city_id, hour, pollutant, source, value
                FROM per_source
                ORDER BY city_id, hour, pollutant, {SourceRanks.Of("source")}, source)
            SELECT city_id, hour, {pivot} FROM best GROUP BY city_id, hour
            """, _connection) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("min", _min);
            cmd.Parameters.AddWithValue("max", _max);
            SourceRanks.AddTo(cmd);
            await cmd.ExecuteNonQueryAsync(ct);
        }
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

    private static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
