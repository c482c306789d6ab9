using System.Data;
using System.Data.Common;
using AirQuality.TestSupport;
using Npgsql;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>A fresh PostgreSQL database with this build's schema, one per test class.</summary>
public sealed class MigratedDatabase() : TestDatabase("aqcl", Storage.Schema.MigrateAsync)
{
    /// <summary>The query text stored under an OrleansQuery key, read the way the providers read it.</summary>
    public async Task<string> QueryTextAsync(string key)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @k", conn);
        cmd.Parameters.AddWithValue("k", key);
        return (string?)await cmd.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no query {key}");
    }

    /// <summary>
    /// Runs a named query as the Orleans providers do: the stored text verbatim as one command, each parameter bound by
    /// bare name through <see cref="DbParameter"/> with the DbType the provider sets, every result set read.
    /// </summary>
    public async Task<List<Dictionary<string, object?>>> RunAsync(string key, params Arg[] args)
    {
        var text = await QueryTextAsync(key);
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = text;
        foreach (var a in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = a.Name;
            p.DbType = a.Type;
            p.Value = a.Value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await cmd.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
        } while (await reader.NextResultAsync());
        return rows;
    }
}

/// <summary>One bound parameter with the DbType the Orleans providers give it.</summary>
public sealed record Arg(string Name, object? Value, DbType Type)
{
    public static Arg Text(string name, string? value) => new(name, value, DbType.String);
    public static Arg Ansi(string name, string? value) => new(name, value, DbType.AnsiString);
    public static Arg Int(string name, int? value) => new(name, value, DbType.Int32);
    public static Arg Long(string name, long value) => new(name, value, DbType.Int64);
    public static Arg Bytes(string name, byte[]? value) => new(name, value, DbType.Binary);
    public static Arg Time(string name, DateTime value) => new(name, value, DbType.DateTime);
}
