using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AirQuality.Integration.Tests.Storage;

/// <summary>A fresh PostgreSQL database with the whole schema applied, for one test class; dropped afterwards.</summary>
public sealed class StoreDatabase() : TestDatabase("aq_store", Schema.MigrateAsync)
{
    public ReadingsDatabase Readings { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Readings = new ReadingsDatabase(ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await Readings.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>This build's schema, as the `migrate` verb applies it.</summary>
public static class Schema
{
    public static Task MigrateAsync(string connectionString) => new SchemaMigrator(connectionString, NullLogger.Instance).MigrateAsync();
}
