using System.Text.RegularExpressions;
using AirQuality.Grains.Storage;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>The Orleans part of the schema: applied by the migrator, safe to apply again, complete for the providers.</summary>
public sealed class OrleansSchemaTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    /// <summary>Every key the three providers of 10.4.2 look up, with the parameters each binds (contract §2.3, §3.3, §4.1).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> BoundParameters = new Dictionary<string, string[]>
    {
        ["GatewaysQueryKey"] = ["DeploymentId", "Status"],
        ["MembershipReadRowKey"] = ["DeploymentId", "Address", "Port", "Generation"],
        ["MembershipReadAllKey"] = ["DeploymentId"],
        ["InsertMembershipVersionKey"] = ["DeploymentId"],
        ["InsertMembershipKey"] = ["DeploymentId", "Address", "Port", "Generation", "SiloName", "HostName", "Status", "ProxyPort", "StartTime", "IAmAliveTime", "Version"],
        ["UpdateMembershipKey"] = ["DeploymentId", "Address", "Port", "Generation", "Status", "SuspectTimes", "IAmAliveTime", "Version"],
        ["UpdateIAmAlivetimeKey"] = ["DeploymentId", "Address", "Port", "Generation", "IAmAliveTime"],
        ["DeleteMembershipTableEntriesKey"] = ["DeploymentId"],
        ["CleanupDefunctSiloEntriesKey"] = ["DeploymentId", "IAmAliveTime"],
        ["CleanupDefunctSiloEntryKey"] = ["DeploymentId", "Address", "Port", "Generation", "SuspectTimes", "StartTime", "IAmAliveTime"],
        ["ReadFromStorageKey"] = [.. Identity],
        ["WriteToStorageKey"] = [.. Identity, "GrainStateVersion", "PayloadBinary"],
        ["ClearStorageKey"] = [.. Identity, "GrainStateVersion"],
        ["DeleteStorageKey"] = [.. Identity, "GrainStateVersion"],
        ["ReadReminderRowsKey"] = ["ServiceId", "GrainId"],
        ["ReadReminderRowKey"] = ["ServiceId", "GrainId", "ReminderName"],
        ["ReadRangeRows1Key"] = ["ServiceId", "BeginHash", "EndHash"],
        ["ReadRangeRows2Key"] = ["ServiceId", "BeginHash", "EndHash"],
        ["UpsertReminderRowKey"] = ["ServiceId", "GrainHash", "GrainId", "ReminderName", "StartTime", "Period"],
        ["DeleteReminderRowKey"] = ["ServiceId", "GrainId", "ReminderName", "Version"],
        ["DeleteReminderRowsKey"] = ["ServiceId"],
    };

    private static string[] Identity => ["GrainIdHash", "GrainIdN0", "GrainIdN1", "GrainIdExtensionString", "GrainTypeString", "GrainTypeHash", "ServiceId"];

    private static IEnumerable<string> OrleansScripts => SchemaMigrator.KnownScripts.Where(s => Regex.IsMatch(s, @"\.1\d{3}_[^.]+\.sql$"));

    [Fact]
    public async Task Migrating_again_applies_nothing()
    {
        var applied = await new SchemaMigrator(db.ConnectionString, NullLogger.Instance).MigrateAsync();
        Assert.Empty(applied);
        Assert.Empty(await new SchemaMigrator(db.ConnectionString, NullLogger.Instance).PendingScriptsAsync());
    }

    [Fact]
    public async Task Orleans_scripts_run_again_verbatim_without_error_or_duplicates()
    {
        Assert.True(OrleansScripts.Count() >= 4, "the Orleans scripts 1000-1999 are embedded");
        var before = await db.ScalarAsync<long>("SELECT count(*) FROM orleansquery");
        foreach (var name in OrleansScripts)
        {
            using var stream = typeof(SchemaMigrator).Assembly.GetManifestResourceStream(name)!;
            var sql = await new StreamReader(stream).ReadToEndAsync();
            await using var conn = new NpgsqlConnection(db.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Equal(before, await db.ScalarAsync<long>("SELECT count(*) FROM orleansquery"));
    }

    [Fact]
    public async Task Every_key_the_providers_need_is_registered_once()
    {
        foreach (var key in BoundParameters.Keys)
            Assert.Equal(1L, await db.ScalarAsync<long>($"SELECT count(*) FROM orleansquery WHERE querykey = '{key}'"));
    }

    [Fact]
    public async Task Query_texts_name_only_parameters_their_key_binds()
    {
        // An unbound @name is not an error in PostgreSQL: it parses as the @ operator on a column and matches wrongly.
        foreach (var (key, bound) in BoundParameters)
        {
            var text = await db.QueryTextAsync(key);
            var named = Regex.Matches(text, @"@(\w+)").Select(m => m.Groups[1].Value).Distinct().ToList();
            var unbound = named.Except(bound, StringComparer.Ordinal).ToList();
            Assert.True(unbound.Count == 0, $"{key} names unbound parameter(s): {string.Join(", ", unbound)}");
        }
    }

    [Fact]
    public async Task Time_columns_are_timestamptz()
    {
        var plain = await db.ScalarAsync<long>("""
            SELECT count(*) FROM information_schema.columns
            WHERE table_name LIKE 'orleans%' AND data_type = 'timestamp without time zone'
            """);
        Assert.Equal(0L, plain);
    }

    [Fact]
    public async Task A_silo_is_told_to_migrate_when_the_schema_is_missing()
    {
        var empty = await TestServices.CreateDatabaseAsync("aqcl_empty");
        try
        {
            var problem = await SchemaGate.CheckAsync(empty);
            Assert.NotNull(problem);
            Assert.Contains("has no schema yet", problem);
            Assert.Contains("AirQuality.Silo.dll migrate", problem);
            Assert.Null(await SchemaGate.CheckAsync(db.ConnectionString));
        }
        finally
        {
            await TestServices.DropDatabaseAsync(empty);
        }
    }

    [Fact]
    public async Task A_silo_is_told_when_the_database_cannot_be_reached()
    {
        var missing = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Database = "aqcl_does_not_exist", Timeout = 3 }.ConnectionString;
        var problem = await SchemaGate.CheckAsync(missing);
        Assert.NotNull(problem);
        Assert.Contains("aqcl_does_not_exist", problem);
    }
}
