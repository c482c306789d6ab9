using AirQuality.WebFront.Apis;
using Npgsql;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>
/// The `database` field of /health when `ConnectionStrings:Postgres` is set: a round trip to PostgreSQL. The web
/// front reads no data from the database (grains do), so this only tells whether the store the grains use answers.
/// </summary>
public sealed class PostgresHealth(string connectionString) : IHealthContributor, IDatabaseStatistics, IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(connectionString)
    {
        ConnectionStringBuilder = { ApplicationName = "airquality-health", Timeout = 3 },
    }.Build();

    public string Name => "database";

    public async Task<(string Value, bool Healthy)> CheckAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await using var cmd = _dataSource.CreateCommand("SELECT 1");
            await cmd.ExecuteScalarAsync(cts.Token);
            return ("connected", true);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return ($"unavailable: {(cts.IsCancellationRequested ? $"no answer within {Timeout.TotalSeconds:0} s" : ex.Message)}", false);
        }
    }

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

/// <summary>Registration of <see cref="PostgresHealth"/>.</summary>
public static class PostgresHealthExtensions
{
    /// <summary>Adds the database health check when `ConnectionStrings:Postgres` is set; embedded mode keeps `memory`.</summary>
    public static IServiceCollection AddPostgresHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton(_ => new PostgresHealth(connectionString));
            services.AddSingleton<IHealthContributor>(sp => sp.GetRequiredService<PostgresHealth>());
            services.AddSingleton<IDatabaseStatistics>(sp => sp.GetRequiredService<PostgresHealth>());
        }
        return services;
    }
}
