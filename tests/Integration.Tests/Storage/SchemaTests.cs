using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AirQuality.Integration.Tests.Storage;

public sealed class SchemaTests
{
    [Fact]
    public async Task Schema_applies_twice_and_its_scripts_rerun_without_error()
    {
        var cs = await TestServices.CreateDatabaseAsync("aq_schema");
        try
        {
            var migrator = new SchemaMigrator(cs, NullLogger.Instance);
            var first = await migrator.MigrateAsync();
            var second = await migrator.MigrateAsync();
            Assert.Contains(first, s => s.Contains("0004_readings_tables", StringComparison.Ordinal));
            Assert.Empty(second);
            Assert.Empty(await migrator.PendingScriptsAsync());

            // Beyond the journal: every script of the readings store is itself safe to run again.
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            foreach (var name in SchemaMigrator.KnownScripts.Where(n => ScriptNumber(n) is >= 2 and < 1000))
            {
                await using var stream = typeof(SchemaMigrator).Assembly.GetManifestResourceStream(name)!;
                var sql = await new StreamReader(stream).ReadToEndAsync();
                await using var cmd = new NpgsqlCommand(sql, conn);
                await cmd.ExecuteNonQueryAsync();
            }

            await using var layout = new NpgsqlCommand("SELECT kind FROM aq_storage_layout", conn);
            Assert.Equal("partitions", await layout.ExecuteScalarAsync()); // no TimescaleDB on the test server
            await using var parts = new NpgsqlCommand(
                "SELECT count(*) FROM aq_list_partitions('reading_raw') WHERE range_start <= now() AND range_end > now()", conn);
            Assert.Equal(1L, await parts.ExecuteScalarAsync());
        }
        finally
        {
            await TestServices.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task Store_without_schema_says_to_run_migrate()
    {
        var cs = await TestServices.CreateDatabaseAsync("aq_noschema");
        try
        {
            await using var db = new ReadingsDatabase(cs);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => db.LayoutAsync());
            Assert.Contains("migrate", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestServices.DropDatabaseAsync(cs);
        }
    }

    private static int ScriptNumber(string resource)
    {
        var file = resource["AirQuality.Grains.Storage.Migrations.".Length..];
        return int.TryParse(file.AsSpan(0, 4), out var n) ? n : -1;
    }
}
