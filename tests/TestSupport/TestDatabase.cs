using System.Globalization;
using Npgsql;
using Xunit;

namespace AirQuality.TestSupport;

/// <summary>
/// A fresh database on the test PostgreSQL server for one test class (an xunit fixture), prepared by
/// <paramref name="prepare"/> (e.g. this build's migrations) and dropped afterwards, with plain-SQL helpers for
/// checking what the tables hold.
/// </summary>
public class TestDatabase(string prefix, Func<string, Task>? prepare = null) : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestServices.CreateDatabaseAsync(prefix);
        if (prepare is not null) await prepare(ConnectionString);
    }

    public virtual Task DisposeAsync() => TestServices.DropDatabaseAsync(ConnectionString);

    /// <summary>A scalar of plain SQL, converted to <typeparamref name="T"/>.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        var result = await cmd.ExecuteScalarAsync();
        return (T)Convert.ChangeType(result!, typeof(T), CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        await cmd.ExecuteNonQueryAsync();
    }
}
