using AirQuality.Deployment.Tests.Support;
using AirQuality.TestSupport;
using Npgsql;

namespace AirQuality.Deployment.Tests;

/// <summary>deploy/postgres/app-role.sql on the real PostgreSQL, after the real `migrate`: the role the application
/// connects as reads and writes readings and creates partitions, and cannot change the schema or the roles.</summary>
public class DatabaseRoleTests
{
    [Fact]
    public async Task App_role_reads_and_writes_rows_but_cannot_drop_tables_or_create_roles()
    {
        Assert.True(Processes.OnPath("psql"), "psql is needed to apply deploy/postgres/app-role.sql (apt-get install -y postgresql-client)");
        var owner = await TestServices.CreateDatabaseAsync("aq_deploy_role");
        var role = "aq_app_" + Guid.NewGuid().ToString("N")[..10];
        const string password = "app-role-test-password";
        try
        {
            // migrate as the owner, given the application's connection string too: it makes the login and its grants.
            var app = new NpgsqlConnectionStringBuilder(owner) { Username = role, Password = password, Pooling = false }.ConnectionString;
            var migrate = await SiloApp.RunAsync(DeploymentContract.MigrateCommand, new Dictionary<string, string?>
            {
                ["ConnectionStrings__PostgresOwner"] = owner,
                ["ConnectionStrings__Postgres"] = app,
            });
            Assert.True(migrate.ExitCode == 0, migrate.ToString());
            Assert.Contains($"Application login '{role}'", migrate.Output);

            var o = new NpgsqlConnectionStringBuilder(owner);
            var conninfo = $"host={o.Host} port={o.Port} dbname={o.Database} user={o.Username}" + (o.Password is null ? "" : $" password={o.Password}");
            string[] psql = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", $"app_role={role}", "-v", $"app_password={password}", "-f", Repo.PathOf("deploy/postgres/app-role.sql"), conninfo];
            var applied = await Processes.RunAsync("psql", psql);
            Assert.True(applied.ExitCode == 0, applied.ToString());
            // By hand with psql (the same grants); a second run (after the next migration) only repeats them.
            var again = await Processes.RunAsync("psql", psql);
            Assert.True(again.ExitCode == 0, again.ToString());

            await using var conn = new NpgsqlConnection(app);
            await conn.OpenAsync();
            Assert.Equal(role, await Scalar<string>(conn, "SELECT current_user"));

            var hour = DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour);
            await Scalar<int>(conn, "SELECT aq_ensure_partitions('reading_raw', @h - interval '1 day', @h + interval '40 days')", ("h", hour));
            Assert.Equal(1, await Execute(conn, "INSERT INTO reading_raw (city_id, hour, source, pm25) VALUES ('delhi', @h, 'role-test', 42.5)", ("h", hour)));
            Assert.Equal(42.5, await Scalar<double>(conn, "SELECT pm25 FROM reading_raw WHERE city_id = 'delhi' AND source = 'role-test'"));
            Assert.Equal(1, await Execute(conn, "UPDATE reading_raw SET pm25 = 40 WHERE city_id = 'delhi' AND source = 'role-test'"));
            // Bulk writes stage rows in temporary tables.
            await Execute(conn, "CREATE TEMP TABLE raw_in (LIKE reading_raw INCLUDING DEFAULTS) ON COMMIT DROP");
            Assert.Equal(1, await Execute(conn, "DELETE FROM reading_raw WHERE source = 'role-test'"));

            await AssertRefused(conn, "DROP TABLE reading_raw");
            await AssertRefused(conn, "DROP TABLE orleans_silo");
            await AssertRefused(conn, "TRUNCATE forecast_model_artifacts");
            await AssertRefused(conn, "ALTER TABLE city_hour ADD COLUMN x integer");
            await AssertRefused(conn, "CREATE TABLE public.intruder (x integer)");
            await AssertRefused(conn, $"CREATE ROLE {role}_2");
            await AssertRefused(conn, $"ALTER ROLE {role} SUPERUSER");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestServices.DropDatabaseAsync(owner);
            // Roles are cluster-wide: the database's grants went with it, the role goes now.
            await using var admin = new NpgsqlConnection(TestServices.PostgresAdmin);
            await admin.OpenAsync();
            await Execute(admin, $"DROP ROLE IF EXISTS \"{role}\"");
        }
    }

    private static async Task AssertRefused(NpgsqlConnection conn, string sql)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Execute(conn, sql));
        Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState} {error.MessageText}");
    }

    private static async Task<int> Execute(NpgsqlConnection conn, string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection conn, string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
