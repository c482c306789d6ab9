using System.Text;
using Npgsql;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>
/// The grain-state keys as the ADO.NET storage provider calls them: each write, clear or delete succeeds only on the
/// current version and answers a version different from the one sent; a conflict answers nothing.
/// </summary>
public sealed class GrainStateQueryTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly string _service = "svc-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A string-keyed grain's identity: the whole key travels as the extension, both numbers are 0.</summary>
    private Arg[] Key(string key, string state = "city", int idHash = 7, long n1 = 0) =>
    [
        Arg.Int("GrainIdHash", idHash), Arg.Long("GrainIdN0", 0), Arg.Long("GrainIdN1", n1), Arg.Text("GrainIdExtensionString", key),
        Arg.Text("GrainTypeString", state), Arg.Int("GrainTypeHash", 11), Arg.Text("ServiceId", _service),
    ];

    private async Task<int?> WriteAsync(Arg[] key, int? version, string payload)
    {
        var rows = await db.RunAsync("WriteToStorageKey", [.. key, Arg.Int("GrainStateVersion", version), Arg.Bytes("PayloadBinary", Encoding.UTF8.GetBytes(payload))]);
        return rows.Count == 0 ? null : (int?)rows.Single()["newgrainstateversion"];
    }

    private async Task<(string? Payload, int Version)?> ReadAsync(Arg[] key)
    {
        var rows = await db.RunAsync("ReadFromStorageKey", key);
        if (rows.Count == 0) return null;
        var row = Assert.Single(rows);
        var bytes = (byte[]?)row["payloadbinary"];
        return (bytes is null ? null : Encoding.UTF8.GetString(bytes), Convert.ToInt32(row["version"]));
    }

    [Fact]
    public async Task Create_then_update_moves_the_version_and_a_second_create_conflicts()
    {
        var key = Key("city-delhi");
        Assert.Equal(1, await WriteAsync(key, null, "{\"a\":1}"));
        Assert.Null(await WriteAsync(key, null, "{\"a\":2}"));
        Assert.Equal(2, await WriteAsync(key, 1, "{\"a\":3}"));

        Assert.Equal(("{\"a\":3}", 2), await ReadAsync(key));
    }

    [Fact]
    public async Task A_stale_version_writes_nothing()
    {
        var key = Key("city-pune");
        await WriteAsync(key, null, "one");
        await WriteAsync(key, 1, "two");

        Assert.Null(await WriteAsync(key, 1, "stale"));
        Assert.Null(await WriteAsync(key, 99, "unknown"));
        Assert.Equal(("two", 2), await ReadAsync(key));
    }

    [Fact]
    public async Task Clear_keeps_a_tombstone_whose_version_revives_it()
    {
        var key = Key("city-agra");
        await WriteAsync(key, null, "one");

        Assert.Empty(await db.RunAsync("ClearStorageKey", [.. key, Arg.Int("GrainStateVersion", 7)]));
        var cleared = await db.RunAsync("ClearStorageKey", [.. key, Arg.Int("GrainStateVersion", 1)]);
        var newVersion = Convert.ToInt32(Assert.Single(cleared).Values.First());

        Assert.NotEqual(1, newVersion);
        Assert.Equal(((string?)null, newVersion), await ReadAsync(key));
        Assert.Equal(newVersion + 1, await WriteAsync(key, newVersion, "again"));
    }

    [Fact]
    public async Task Delete_removes_the_row_on_the_current_version_only()
    {
        var key = Key("city-kochi");
        await WriteAsync(key, null, "one");

        Assert.Empty(await db.RunAsync("DeleteStorageKey", [.. key, Arg.Int("GrainStateVersion", 5)]));
        var deleted = await db.RunAsync("DeleteStorageKey", [.. key, Arg.Int("GrainStateVersion", 1)]);

        Assert.NotEqual(1, Convert.ToInt32(Assert.Single(deleted).Values.First()));
        Assert.Null(await ReadAsync(key));
        Assert.Equal(1, await WriteAsync(key, null, "fresh")); // after a delete the provider creates again
    }

    [Fact]
    public async Task Equal_hashes_never_mix_distinct_grains()
    {
        // Hashes are 32-bit and collide; the full identity decides.
        var delhi = Key("city-delhi-2", idHash: 42);
        var mumbai = Key("city-mumbai-2", idHash: 42);
        var rankings = Key("city-delhi-2", state: "rankings", idHash: 42);
        await WriteAsync(delhi, null, "delhi");
        await WriteAsync(mumbai, null, "mumbai");
        await WriteAsync(rankings, null, "rankings");

        Assert.Equal(("delhi", 1), await ReadAsync(delhi));
        Assert.Equal(("mumbai", 1), await ReadAsync(mumbai));
        Assert.Equal(("rankings", 1), await ReadAsync(rankings));
    }

    [Fact]
    public async Task Integer_keys_without_extension_are_one_identity_each()
    {
        Arg[] IntKey(long n1, string? ext) =>
        [
            Arg.Int("GrainIdHash", 3), Arg.Long("GrainIdN0", 0), Arg.Long("GrainIdN1", n1), Arg.Text("GrainIdExtensionString", ext),
            Arg.Text("GrainTypeString", "counter"), Arg.Int("GrainTypeHash", 5), Arg.Text("ServiceId", _service),
        ];
        Assert.Equal(1, await WriteAsync(IntKey(12, null), null, "twelve"));
        Assert.Null(await WriteAsync(IntKey(12, null), null, "twelve again")); // NULL extensions are the same identity
        Assert.Equal(1, await WriteAsync(IntKey(12, "x"), null, "twelve+x"));
        Assert.Equal(1, await WriteAsync(IntKey(13, null), null, "thirteen"));

        Assert.Equal(("twelve", 1), await ReadAsync(IntKey(12, null)));
        Assert.Equal(("twelve+x", 1), await ReadAsync(IntKey(12, "x")));
    }

    [Fact]
    public async Task The_table_refuses_a_second_row_for_one_identity()
    {
        await WriteAsync(Key("city-goa"), null, "one");
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"""
            INSERT INTO orleans_grain_state (service_id, state_name, state_name_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
            VALUES ('{_service}', 'city', 99, 99, 0, 0, 'city-goa', NULL, 1)
            """, conn);

        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    [Fact]
    public async Task Long_string_keys_fit()
    {
        var key = Key("city-" + new string('k', 20_000));
        Assert.Equal(1, await WriteAsync(key, null, "long"));
        Assert.Equal(("long", 1), await ReadAsync(key));
    }
}
