using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.Integration.Tests.Storage;

/// <summary>
/// The application as the least-privilege login `migrate` makes (ConnectionStrings:PostgresOwner migrates,
/// ConnectionStrings:Postgres is the application): it reads and writes readings, runs the whole retention sweep
/// (partitions dropped through the owner-rights helper), and cannot drop, alter or truncate anything itself.
/// </summary>
public sealed class AppRoleTests
{
    private static readonly DateTime Now = new(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task The_app_login_writes_readings_and_sweeps_retention_but_has_no_ddl_rights()
    {
        var owner = await TestServices.CreateDatabaseAsync("aq_app_role");
        var role = "aq_app_" + Guid.NewGuid().ToString("N")[..10];
        var app = new NpgsqlConnectionStringBuilder(owner) { Username = role, Password = "app-role-password-" + role, Pooling = false }.ConnectionString;
        try
        {
            await Schema.MigrateAsync(owner);
            Assert.Equal(role, await AppRole.EnsureAsync(owner, app));
            Assert.Equal(role, await AppRole.EnsureAsync(owner, app)); // after the next migration: the grants again
            Assert.Null(await AppRole.EnsureAsync(owner, owner)); // one login for both: nothing to do

            await using (var readings = new ReadingsDatabase(app))
            {
                var store = new PostgresReadingStore(readings, NullLogger<PostgresReadingStore>.Instance);
                var old = Now.AddDays(-100);
                await store.SaveRawAsync([Raw("pune", old), Raw("pune", Now.AddDays(-1))]);
                await store.SaveHoursAsync("pune", [new CityHour(Now.AddHours(-1), [new Measurement(Pollutant.Pm25, 50, SourceNames.Cpcb)], null)]);

                var report = await new PostgresMaintenance(readings, Options.Create(new RetentionOptions()), Options.Create(new MaintenanceOptions()),
                    NullLogger<PostgresMaintenance>.Instance).RunAsync(Now);

                Assert.True(report.PartitionsDropped >= 1, $"{report.PartitionsDropped} partitions dropped");
                Assert.True(report.RawReadingsDeleted >= 1);
                Assert.Equal(0, await Scalar<long>(owner, $"SELECT count(*) FROM aq_list_partitions('reading_raw') WHERE partition_name = 'reading_raw_p{old:yyyyMMdd}'"));
                Assert.Equal(1, await Scalar<long>(app, "SELECT count(*) FROM reading_raw WHERE city_id = 'pune'"));
                Assert.Equal(1, await Scalar<long>(app, "SELECT count(*) FROM city_hour WHERE city_id = 'pune'"));
            }

            await using var conn = new NpgsqlConnection(app);
            await conn.OpenAsync();
            Assert.Equal(role, await Scalar<string>(app, "SELECT current_user"));
            foreach (var sql in new[]
                     {
                         "DROP TABLE reading_raw", "DROP TABLE orleans_silo", "TRUNCATE reading_raw", "TRUNCATE forecast_model_artifacts",
                         "ALTER TABLE city_hour ADD COLUMN x integer", "ALTER TABLE reading_raw DETACH PARTITION reading_raw_p" + $"{Now:yyyyMMdd}",
                         "CREATE TABLE public.intruder (x integer)", $"CREATE ROLE {role}_2", $"ALTER ROLE {role} SUPERUSER",
                         // The helpers drop partitions of the readings store only, and hand out no grants.
                         "SELECT aq_drop_partition('orleans_silo')", "SELECT aq_drop_partition('city_hour')", $"SELECT aq_grant_app_role('{role}')",
                     })
            {
                await using var cmd = new NpgsqlCommand(sql, conn);
                var error = await Record.ExceptionAsync(() => cmd.ExecuteNonQueryAsync()) as PostgresException;
                Assert.True(error is not null, $"{sql} was allowed");
                Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState} {error.MessageText}");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestServices.DropDatabaseAsync(owner);
            await using var admin = new NpgsqlConnection(TestServices.PostgresAdmin);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS \"{role}\"", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static SourceReading Raw(string city, DateTime hour) =>
        new(city, hour, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 33 }, null);

    private static async Task<T> Scalar<T>(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
