using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AirQuality.Integration.Tests.Storage;

/// <summary>A fresh PostgreSQL database with the whole schema applied, for one test class; dropped afterwards.</summary>
public sealed class StoreDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public ReadingsDatabase Readings { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestServices.CreateDatabaseAsync("aq_store");
        await new SchemaMigrator(ConnectionString, NullLogger.Instance).MigrateAsync();
        Readings = new ReadingsDatabase(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Readings.DisposeAsync();
        await TestServices.DropDatabaseAsync(ConnectionString);
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        var result = await cmd.ExecuteScalarAsync();
        return (T)Convert.ChangeType(result!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
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
