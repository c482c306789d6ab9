using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace AirQuality.Grains.Storage;

/// <summary>
/// The durable readings store: raw readings keyed by (city, hour, source), the merged hourly series keyed by
/// (city, hour) with the source of every value, and (native layout) the rollups of both, all in PostgreSQL.
/// </summary>
/// <remarks>
/// Every write stages its rows with a binary COPY into a temporary table and merges them with one
/// INSERT ... ON CONFLICT, so a poll's two rows and a backfill's thousands take the same path and a repeated write
/// changes nothing. Rollups are refreshed in the same transaction as the rows they summarise.
/// </remarks>
public sealed class PostgresReadingStore(ReadingsDatabase database, ILogger<PostgresReadingStore> logger) : IReadingStore
{
    private static readonly string[] RawColumns =
        ["city_id", "hour", "source", .. CitySeriesSql.Codes, .. CitySeriesSql.WeatherColumns, "reported_us_aqi"];

    public string Kind => "postgresql";

    public async Task SaveRawAsync(IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default)
    {
        if (readings.Count == 0) return;
        // One row per key: a batch holding the same (city, hour, source) twice keeps the last, as a replace would.
        var rows = readings.GroupBy(r => (r.CityId, r.Hour, r.Source)).Select(g => g.Last()).ToList();
        await WithPartitionsAsync("reading_raw", rows.Min(r => r.Hour), rows.Max(r => r.Hour), async ct =>
        {
            await using var conn = await database.DataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await Execute(conn, $"CREATE TEMP TABLE raw_in (LIKE reading_raw INCLUDING DEFAULTS) ON COMMIT DROP", ct);
            await using (var copy = await conn.BeginBinaryImportAsync($"COPY raw_in ({string.Join(", ", RawColumns)}) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var r in rows)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(r.CityId, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(Utc(r.Hour), NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync(r.Source, NpgsqlDbType.Text, ct);
                    foreach (var p in Pollutants.All)
                        await WriteDouble(copy, r.Values.TryGetValue(p, out var v) ? v : null, ct);
                    await WriteWeather(copy, r.Weather, ct);
                    if (r.ReportedUsAqi is { } aqi) await copy.WriteAsync(aqi, NpgsqlDbType.Integer, ct);
                    else await copy.WriteNullAsync(ct);
                }
                await copy.CompleteAsync(ct);
            }
            var list = string.Join(", ", RawColumns);
            var sets = string.Join(", ", RawColumns.Skip(3).Select(c => $"{c} = excluded.{c}"));
            var changed = $"({string.Join(", ", RawColumns.Skip(3).Select(c => "r." + c))}) IS DISTINCT FROM ({string.Join(", ", RawColumns.Skip(3).Select(c => "excluded." + c))})";
            await Execute(conn, $"""
                INSERT INTO reading_raw AS r ({list})
                SELECT {list} FROM raw_in ORDER BY city_id, hour, source
                ON CONFLICT (city_id, hour, source) DO UPDATE SET {sets}, received_at = now()
                WHERE {changed}
                """, ct);
            if (await database.LayoutAsync(ct) == StorageLayout.Partitions)
                await Execute(conn, CitySeriesSql.RefreshRawHours("raw_in"), ct);
            await tx.CommitAsync(ct);
        }, cancellationToken);
    }

    public async Task SaveHoursAsync(string cityId, IReadOnlyList<CityHour> hours, CancellationToken cancellationToken = default)
    {
        if (hours.Count == 0) return;
        var rows = hours.GroupBy(h => h.Hour).Select(g => g.Last()).ToList();
        await WithPartitionsAsync("city_hour", rows.Min(h => h.Hour), rows.Max(h => h.Hour), async ct =>
        {
            await using var conn = await database.DataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await Execute(conn, CitySeriesSql.CreateStaging("hours_in"), ct);
            await using (var copy = await conn.BeginBinaryImportAsync(CitySeriesSql.CopyInto("hours_in"), ct))
            {
                foreach (var h in rows)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(cityId, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(Utc(h.Hour), NpgsqlDbType.TimestampTz, ct);
                    foreach (var p in Pollutants.All)
                    {
                        var m = h.Find(p);
                        await WriteDouble(copy, m?.Value, ct);
                        await WriteText(copy, m?.Source, ct);
                    }
                    await WriteWeather(copy, h.Weather, ct);
                    await WriteText(copy, h.Weather?.Source, ct);
                }
                await copy.CompleteAsync(ct);
            }
            await using (var upsert = new NpgsqlCommand(CitySeriesSql.Upsert("hours_in"), conn))
            {
                SourceRanks.AddTo(upsert);
                await upsert.ExecuteNonQueryAsync(ct);
            }
            if (await database.LayoutAsync(ct) == StorageLayout.Partitions)
                await Execute(conn, CitySeriesSql.RefreshDays("hours_in"), ct);
            await tx.CommitAsync(ct);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<CityHour>> GetHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        var columns = string.Join(", ", CitySeriesSql.Columns.Skip(1));
        await using var cmd = database.DataSource.CreateCommand(
            $"SELECT {columns} FROM city_hour WHERE city_id = @city AND hour >= @from AND hour < @to ORDER BY hour");
        cmd.Parameters.AddWithValue("city", cityId);
        cmd.Parameters.AddWithValue("from", Utc(from));
        cmd.Parameters.AddWithValue("to", Utc(to));
        var result = new List<CityHour>();
        var values = new List<Measurement>(Pollutants.All.Count);   // a buffer: each hour keeps an array of its exact size
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Clear();
            var i = 1;
            // Source names are few: a measurement keeps its source's number (SourceCodes), not the string read.
            foreach (var p in Pollutants.All)
            {
                if (!reader.IsDBNull(i))
                    values.Add(new Measurement(p, reader.GetDouble(i), reader.IsDBNull(i + 1) ? "unknown" : reader.GetString(i + 1)));
                i += 2;
            }
            double? W(int k) => reader.IsDBNull(i + k) ? null : reader.GetDouble(i + k);
            var weather = W(0) is null && W(1) is null && W(2) is null && W(3) is null
                ? null
                : new Weather(W(0), W(1), W(2), W(3), reader.IsDBNull(i + 4) ? null : string.Intern(reader.GetString(i + 4)));
            result.Add(new CityHour(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), values.ToArray(), weather));
        }
        return result;
    }

    public async Task<int> CountHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        await using var cmd = database.DataSource.CreateCommand(
            "SELECT count(*) FROM city_hour WHERE city_id = @city AND hour >= @from AND hour < @to");
        cmd.Parameters.AddWithValue("city", cityId);
        cmd.Parameters.AddWithValue("from", Utc(from));
        cmd.Parameters.AddWithValue("to", Utc(to));
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>
    /// Runs a write after making sure its partitions exist; if one vanished meanwhile (dropped by the retention
    /// sweep, or an hour older than any partition), creates it and tries once more.
    /// </summary>
    private async Task WithPartitionsAsync(string table, DateTime from, DateTime to, Func<CancellationToken, Task> write, CancellationToken ct)
    {
        await database.EnsurePartitionsAsync(table, from, to, ct);
        try
        {
            await write(ct);
        }
        catch (Exception ex) when (ReadingsDatabase.IsMissingPartition(ex))
        {
            logger.LogInformation("Partition of {Table} missing for {From:O}..{To:O}; creating it", table, from, to);
            database.ForgetPartitions();
            await database.EnsurePartitionsAsync(table, from, to, ct);
            await write(ct);
        }
    }

    internal static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    private static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task WriteDouble(NpgsqlBinaryImporter copy, double? value, CancellationToken ct)
    {
        if (value is { } v) await copy.WriteAsync(v, NpgsqlDbType.Double, ct);
        else await copy.WriteNullAsync(ct);
    }

    private static async Task WriteText(NpgsqlBinaryImporter copy, string? value, CancellationToken ct)
    {
        if (value is not null) await copy.WriteAsync(value, NpgsqlDbType.Text, ct);
        else await copy.WriteNullAsync(ct);
    }

    private static async Task WriteWeather(NpgsqlBinaryImporter copy, Weather? w, CancellationToken ct)
    {
        await WriteDouble(copy, w?.TemperatureC, ct);
        await WriteDouble(copy, w?.HumidityPercent, ct);
        await WriteDouble(copy, w?.WindSpeedMs, ct);
        await WriteDouble(copy, w?.PressureHpa, ct);
    }
}
