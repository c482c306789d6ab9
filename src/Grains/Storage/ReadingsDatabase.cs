using System.Collections.Concurrent;
using Npgsql;

namespace AirQuality.Grains.Storage;

/// <summary>How the schema partitions time; chosen once by the migration (aq_storage_layout).</summary>
public enum StorageLayout
{
    /// <summary>Native declarative range partitions and rollup tables the store maintains.</summary>
    Partitions,

    /// <summary>TimescaleDB hypertables, compression and continuous aggregates.</summary>
    TimescaleDb,
}

/// <summary>
/// The PostgreSQL database of the readings store: one pooled data source, the layout the migration chose, and the
/// partitions known to exist, shared by the store, the importer and the maintenance job.
/// </summary>
public sealed class ReadingsDatabase : IAsyncDisposable
{
    private readonly SemaphoreSlim _layoutLock = new(1, 1);
    private readonly ConcurrentDictionary<(string Table, DateTime Start), bool> _knownPartitions = new();
    private StorageLayout? _layout;

    public ReadingsDatabase(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "airquality-readings";
        DataSource = builder.Build();
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Partition step of each partitioned table (mirrors aq_partitioned_table of migration 0003).</summary>
    public static IReadOnlyDictionary<string, string> PartitionSteps { get; } = new Dictionary<string, string>
    {
        ["reading_raw"] = "day",
        ["city_hour"] = "month",
        ["station_reading"] = "month",
    };

    /// <summary>The layout recorded by the migration; fails with the fix when the schema is missing.</summary>
    public async Task<StorageLayout> LayoutAsync(CancellationToken cancellationToken = default)
    {
        if (_layout is { } known) return known;
        await _layoutLock.WaitAsync(cancellationToken);
        try
        {
            if (_layout is { } again) return again;
            await using var cmd = DataSource.CreateCommand("SELECT kind FROM aq_storage_layout WHERE id = 1");
            object? kind;
            try
            {
                kind = await cmd.ExecuteScalarAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                kind = null;
            }
            _layout = kind switch
            {
                "timescaledb" => StorageLayout.TimescaleDb,
                "partitions" => StorageLayout.Partitions,
                _ => throw new InvalidOperationException(
                    "The readings store's schema is missing from PostgreSQL: run `AirQuality.Silo migrate` (or the migrate job) first."),
            };
            return _layout.Value;
        }
        finally
        {
            _layoutLock.Release();
        }
    }

    /// <summary>
    /// Makes sure partitions cover [from, to] before a write (native layout only). Partition DDL locks the parent
    /// table, so it runs in its own short transaction, never inside a writer's transaction, and only for periods this
    /// process has not yet seen covered.
    /// </summary>
    public async Task EnsurePartitionsAsync(string table, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        if (await LayoutAsync(cancellationToken) != StorageLayout.Partitions) return;
        var step = PartitionSteps[table];
        var missing = Periods(step, from, to).Where(p => !_knownPartitions.ContainsKey((table, p))).ToList();
        if (missing.Count == 0) return;
        await using var cmd = DataSource.CreateCommand("SELECT aq_ensure_partitions(@table, @from, @to)");
        cmd.Parameters.AddWithValue("table", table);
        cmd.Parameters.AddWithValue("from", missing[0]);
        cmd.Parameters.AddWithValue("to", Next(step, missing[^1]));
        await cmd.ExecuteScalarAsync(cancellationToken);
        foreach (var p in Periods(step, missing[0], missing[^1])) _knownPartitions[(table, p)] = true;
    }

    /// <summary>
    /// Refreshes planner statistics of the partitions of <paramref name="table"/> overlapping [from, to] (the whole
    /// hypertable under TimescaleDB), on the caller's connection so rows of its open transaction count.
    /// </summary>
    public async Task AnalyzeAsync(NpgsqlConnection connection, string table, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        if (await LayoutAsync(cancellationToken) == StorageLayout.TimescaleDb)
            names.Add(table);
        else
        {
            await using var list = new NpgsqlCommand(
                "SELECT partition_name FROM aq_list_partitions(@table) WHERE range_end > @from AND range_start <= @to", connection);
            list.Parameters.AddWithValue("table", table);
            list.Parameters.AddWithValue("from", from);
            list.Parameters.AddWithValue("to", to);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
        }
        foreach (var name in names)
        {
            await using var analyze = new NpgsqlCommand($"ANALYZE \"{name.Replace("\"", "\"\"")}\"", connection) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Forgets which partitions exist (after the retention sweep drops some, or a write found one missing).</summary>
    public void ForgetPartitions() => _knownPartitions.Clear();

    /// <summary>True for the error PostgreSQL gives when a row has no partition to go to.</summary>
    public static bool IsMissingPartition(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.CheckViolation } pg && pg.MessageText.Contains("no partition", StringComparison.Ordinal);

    private static IEnumerable<DateTime> Periods(string step, DateTime from, DateTime to)
    {
        for (var p = Start(step, from); p <= to; p = Next(step, p)) yield return p;
    }

    private static DateTime Start(string step, DateTime t) => step == "day"
        ? new DateTime(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc)
        : new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    private static DateTime Next(string step, DateTime start) => step == "day" ? start.AddDays(1) : start.AddMonths(1);

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        _layoutLock.Dispose();
    }
}
