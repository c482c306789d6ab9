using System.Diagnostics;
using Npgsql;

namespace AirQuality.TestSupport;

/// <summary>
/// The real PostgreSQL and Redis servers tests use: taken from `AQ_TEST_POSTGRES` / `AQ_TEST_REDIS` when `.ci/run`
/// (or the developer) started them, otherwise started once per test run with scripts/test-services.sh.
/// </summary>
public static class TestServices
{
    private static readonly Lazy<(string Postgres, string Redis)> Started = new(StartOrReuse, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Connection string of the server's maintenance database.</summary>
    public static string PostgresAdmin => Started.Value.Postgres;

    /// <summary>Redis endpoint (`host:port`).</summary>
    public static string Redis => Started.Value.Redis;

    /// <summary>Creates a fresh, empty database and returns its connection string; each test class gets its own.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)].ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(PostgresAdmin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(PostgresAdmin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The repository root (the folder holding AirQuality.slnx).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AirQuality.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("AirQuality.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The shared reference data (`../shared/data` next to the repository).</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));

    private static (string, string) StartOrReuse()
    {
        var pg = Environment.GetEnvironmentVariable("AQ_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("AQ_TEST_REDIS");
        if (!string.IsNullOrEmpty(pg) && !string.IsNullOrEmpty(redis)) return (pg, redis);
        var script = Path.Combine(RepositoryRoot, "scripts", "test-services.sh");
        var psi = new ProcessStartInfo("bash", [script, "start"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"Could not start test services: {error}");
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Replace("export ", "").Split('=', 2);
            if (parts.Length != 2) continue;
            var value = parts[1].Trim().Trim('\'');
            if (parts[0] == "AQ_TEST_POSTGRES") pg ??= value;
            if (parts[0] == "AQ_TEST_REDIS") redis ??= value;
        }
        return (pg ?? throw new InvalidOperationException("no PostgreSQL"), redis ?? throw new InvalidOperationException("no Redis"));
    }
}
