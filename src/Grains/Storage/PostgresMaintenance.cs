using AirQuality.Grains.Abstractions;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.Grains.Storage;

/// <summary>
/// Retention and partition upkeep of the PostgreSQL store (see <see cref="RetentionOptions"/>):
/// raw readings older than RawDays go (whole partitions or chunks dropped, the boundary day deleted row by row);
/// merged city-hours and rollups older than SeriesDays go unless they hold imported values; imported history goes
/// only when ImportedDays is set. Native layout: partitions for the coming days are created first.
/// </summary>
public sealed class PostgresMaintenance(
    ReadingsDatabase database,
    IOptions<RetentionOptions> retention,
    IOptions<MaintenanceOptions> maintenance,
    ILogger<PostgresMaintenance> logger) : IStorageMaintenance
{
    private const int StatementTimeoutSeconds = 600;

    public async Task<MaintenanceReport> RunAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        var ct = cancellationToken;
        var rules = retention.Value;
        rules.Validate();
        var watch = Stopwatch.StartNew();
        now = PostgresReadingStore.Utc(now);
        var rawCutoff = now.AddDays(-rules.RawDays);
        var seriesCutoff = now.AddDays(-rules.SeriesDays);
        DateTime? importedCutoff = rules.ImportedDays is { } d ? now.AddDays(-d) : null;
        var layout = await database.LayoutAsync(ct);
        await using var conn = await database.DataSource.OpenConnectionAsync(ct);

        int created = 0, dropped = 0;
        long raw = 0, hours = 0, rollups = 0, stations = 0;
        var imported = CitySeriesSql.Imported("h");

        if (layout == StorageLayout.Partitions)
        {
            var ahead = now.AddDays(Math.Max(1, maintenance.Value.PartitionsAheadDays));
            created += await Scalar<int>(conn, "SELECT aq_ensure_partitions('reading_raw', @from, @to)", ct, ("from", now.AddDays(-1)), ("to", ahead));
            created += await Scalar<int>(conn, "SELECT aq_ensure_partitions('city_hour', @from, @to)", ct, ("from", now.AddDays(-1)), ("to", ahead));

            // Raw: whole days past the cutoff are dropped without reading them.
            foreach (var (name, _, end) in await Partitions(conn, "reading_raw", ct))
            {
                if (end > rawCutoff) continue;
                raw += await DropAsync(conn, name, ct);
                dropped++;
            }
        }
        else
        {
            // Through the owner-rights helper: the application's login may not drop chunks itself.
            dropped += await Scalar<int>(conn, "SELECT aq_drop_chunks('reading_raw', @cutoff)", ct, ("cutoff", rawCutoff));
            dropped += await Scalar<int>(conn, "SELECT aq_drop_chunks('raw_hourly', @cutoff)", ct, ("cutoff", seriesCutoff));
        }
        raw += await Execute(conn, "DELETE FROM reading_raw WHERE hour < @cutoff", ct, ("cutoff", rawCutoff));

        hours += await Execute(conn, $"DELETE FROM city_hour h WHERE h.hour < @cutoff AND NOT {imported}", ct, ("cutoff", seriesCutoff));
        if (importedCutoff is { } ic)
        {
            hours += await Execute(conn, "DELETE FROM city_hour WHERE hour < @cutoff", ct, ("cutoff", ic));
            stations += await Execute(conn, "DELETE FROM station_reading WHERE hour < @cutoff", ct, ("cutoff", ic));
        }

        if (layout == StorageLayout.Partitions)
        {
            rollups += await Execute(conn, "DELETE FROM raw_hourly WHERE hour < @cutoff", ct, ("cutoff", seriesCutoff));
            // A day goes once all of it is past the cutoff, and never while it summarises imported hours.
            rollups += await Execute(conn, "DELETE FROM city_day WHERE day + INTERVAL '1 day' <= @cutoff AND imported_hours = 0", ct, ("cutoff", seriesCutoff));
            if (importedCutoff is { } ic2)
                rollups += await Execute(conn, "DELETE FROM city_day WHERE day + INTERVAL '1 day' <= @cutoff", ct, ("cutoff", ic2));

            // Old partitions of the long-lived tables go once the sweeps above have emptied them.
            foreach (var table in new[] { "city_hour", "station_reading" })
                foreach (var (name, _, end) in await Partitions(conn, table, ct))
                {
                    if (end > seriesCutoff) continue;
                    if (await Scalar<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {Quote(name)})", ct)) continue;
                    await DropAsync(conn, name, ct);
                    dropped++;
                }
            if (dropped > 0) database.ForgetPartitions();
        }
        // Under TimescaleDB the daily rollup is a continuous aggregate: its days follow city_hour when a refresh
        // covers them, and no refresh policy reaches back past 7 days, so swept years stay summarised there.

        var report = new MaintenanceReport(now, "postgresql", created, dropped, raw, hours, rollups, stations, watch.Elapsed);
        logger.LogInformation(
            "Storage maintenance ({Layout}): {Created} partitions created, {Dropped} dropped; swept {Raw} raw readings, {Hours} city-hours, {Rollups} rollup rows, {Stations} station readings in {Ms:0} ms",
            layout, created, dropped, raw, hours, rollups, stations, watch.Elapsed.TotalMilliseconds);
        return report;
    }

    private static async Task<List<(string Name, DateTime Start, DateTime End)>> Partitions(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        var result = new List<(string, DateTime, DateTime)>();
        await using var cmd = new NpgsqlCommand("SELECT partition_name, range_start, range_end FROM aq_list_partitions(@table)", conn);
        cmd.Parameters.AddWithValue("table", table);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add((reader.GetString(0), reader.GetDateTime(1), reader.GetDateTime(2)));
        return result;
    }

    /// <summary>
    /// Drops a partition, answering how many rows it held. Through <c>aq_drop_partition</c>, which runs with the schema
    /// owner's rights and drops only partitions of the readings store: the application's login has no DDL rights.
    /// </summary>
    private async Task<long> DropAsync(NpgsqlConnection conn, string partition, CancellationToken ct)
    {
        var rows = await Scalar<long>(conn, "SELECT aq_drop_partition(@partition)", ct, ("partition", partition));
        if (rows < 0) return 0; // dropped meanwhile by another silo's sweep
        logger.LogInformation("Dropped partition {Partition} ({Rows} rows)", partition, rows);
        return rows;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private static async Task<long> Execute(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = Command(conn, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = Command(conn, sql, parameters);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, (string Name, object Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = StatementTimeoutSeconds };
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return cmd;
    }
}
