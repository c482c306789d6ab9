using System.Reflection;
using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Storage;

/// <summary>
/// Applies this project's PostgreSQL schema: the readings store, the model registry and the tables and named queries
/// of Orleans' ADO.NET clustering, persistence and reminders. Scripts are embedded (Storage/Migrations/NNNN_name.sql),
/// run once each in name order and recorded in the `schemaversions` journal, so running the migration twice is a no-op.
/// </summary>
/// <remarks>
/// Script numbers: 0001-0999 readings store, 1000-1999 Orleans, 2000-2999 forecasting. A silo never migrates on its
/// own in cluster mode: the `migrate` verb (a compose service, a Kubernetes Job) does, and silos refuse to start while
/// <see cref="PendingScriptsAsync"/> is not empty.
/// </remarks>
public sealed class SchemaMigrator(string connectionString, ILogger logger)
{
    private const string Prefix = "AirQuality.Grains.Storage.Migrations.";

    /// <summary>Names of the schema scripts this build knows, in the order they run.</summary>
    public static IReadOnlyList<string> KnownScripts { get; } = typeof(SchemaMigrator).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Creates the database if needed and applies every script not yet applied.</summary>
    /// <returns>The names of the scripts applied by this run.</returns>
    public Task<IReadOnlyList<string>> MigrateAsync(bool createDatabase = true)
    {
        if (createDatabase) EnsureDatabase.For.PostgresqlDatabase(connectionString, new Log(logger));
        var result = Engine().PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Schema migration failed in {result.ErrorScript?.Name}: {result.Error.Message}", result.Error);
        return Task.FromResult<IReadOnlyList<string>>(result.Scripts.Select(s => s.Name).ToList());
    }

    /// <summary>Scripts of this build that the database has not applied yet (all of them for an empty database).</summary>
    public Task<IReadOnlyList<string>> PendingScriptsAsync() =>
        Task.FromResult<IReadOnlyList<string>>(Engine().GetScriptsToExecute().Select(s => s.Name).ToList());

    private UpgradeEngine Engine() =>
        DeployChanges.To.PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(new Log(logger))
            .Build();

    private sealed class Log(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace(format, args);
        public void LogDebug(string format, params object[] args) => logger.LogDebug(format, args);
        public void LogInformation(string format, params object[] args) => logger.LogInformation(format, args);
        public void LogWarning(string format, params object[] args) => logger.LogWarning(format, args);
        public void LogError(string format, params object[] args) => logger.LogError(format, args);
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, format, args);
    }
}
