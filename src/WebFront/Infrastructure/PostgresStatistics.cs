using AirQuality.WebFront.Apis;
using Npgsql;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>
/// Open connections to this service's database, for /api/v1/metrics, when `ConnectionStrings:Postgres` is set. (Whether
/// the database answers is the `database` health check of <see cref="ProbeHosting"/>.)
/// </summary>
public sealed class PostgresStatistics(string connectionString) : IDatabaseStatistics, IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(connectionString)
    {
        ConnectionStringBuilder = { ApplicationName = "airquality-health", Timeout = 3 },
    }.Build();

    /// <summary>Connections open to this service's database (every silo and web front), from pg_stat_activity.</summary>
    public async Task<int> OpenConnectionsAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await using var cmd = _dataSource.CreateCommand("SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()");
            return (int)(await cmd.ExecuteScalarAsync(cts.Token))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return -1;
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>Registration of <see cref="PostgresStatistics"/>.</summary>
public static class PostgresStatisticsExtensions
{
    /// <summary>Adds the database statistics when `ConnectionStrings:Postgres` is set.</summary>
    public static IServiceCollection AddDatabaseStatistics(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(connectionString))
            services.AddSingleton<IDatabaseStatistics>(_ => new PostgresStatistics(connectionString));
        return services;
    }
}
