using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AirQuality.Grains.Tests.Forecasting;

public class PostgresModelArtifactStoreTests : IAsyncLifetime
{
    private string _connection = "";

    public async Task InitializeAsync()
    {
        _connection = await TestServices.CreateDatabaseAsync("artifacts");
        await new SchemaMigrator(_connection, NullLogger.Instance).MigrateAsync(createDatabase: false);
    }

    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_connection);

    [Fact]
    public async Task An_artifact_saved_by_one_silo_loads_in_another_and_can_be_deleted()
    {
        var info = new ModelVersionInfo("delhi", "pm25", "gradient_boosting", 7, new DateTime(2025, 1, 2, 3, 0, 0, DateTimeKind.Utc), 1234,
            new ModelMetrics(0.8, 12.5, 9.1, 14.2), [], [0.1], [0.2], new Dictionary<string, double> { ["0.9"] = 0.91 }, 1.5, null);
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        await using (var one = NpgsqlDataSource.Create(_connection))
            await new PostgresModelArtifactStore(one).SaveAsync(info, bytes);

        await using var other = NpgsqlDataSource.Create(_connection);
        var store = new PostgresModelArtifactStore(other);
        Assert.Equal(bytes, await store.LoadAsync("delhi", "pm25", 7));
        Assert.Null(await store.LoadAsync("delhi", "aqi", 7));
        await store.DeleteAsync("delhi", "pm25", 7);
        Assert.Null(await store.LoadAsync("delhi", "pm25", 7));
    }
}
