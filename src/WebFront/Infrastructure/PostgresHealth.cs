using AirQuality.WebFront.Apis;
using Npgsql;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>
/// The `database` field of /health when `ConnectionStrings:Postgres` is set: a round trip to PostgreSQL. The web
/// front reads no data from the database (grains do), so this only tells whether the store the grains use answers.
/// </summary>
public sealed class PostgresHealth(string connectionString) : IHealthContributor, IAsyncDisposable
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
            services.AddSingleton<IHealthContributor>(_ => new PostgresHealth(connectionString));
        return services;
    }
}
